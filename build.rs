//! With the `torch` feature, record libtorch's folder as the binaries' run-time search path so
//! that `npsight` and the tests find libtorch_cpu.so without LD_LIBRARY_PATH. Nothing happens
//! without the feature.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=LIBTORCH_LIB");
    if std::env::var_os("CARGO_FEATURE_TORCH").is_none() {
        return;
    }
    let lib = std::env::var_os("LIBTORCH_LIB")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LIBTORCH").map(|d| PathBuf::from(d).join("lib")));
    if let Some(lib) = lib {
        let lib = lib.canonicalize().unwrap_or(lib);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
