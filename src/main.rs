fn main() -> std::process::ExitCode {
    npsight::cli::main()
}
