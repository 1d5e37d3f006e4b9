//! Snapshot of report.md on a fixed export with a fixed mini taxonomy and lexicon: any change
//! to the report's wording, numbers or layout shows up as a reviewed diff.

mod common;

use common::Workdir;

#[test]
fn report_md_snapshot() {
    let w = Workdir::new();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    w.write(
        "export.csv",
        std::fs::read(format!("{fixtures}/snapshot_export.csv")).unwrap(),
    );
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "export.csv",
        "--out",
        "out",
        "--taxonomy",
        &format!("{fixtures}/mini_taxonomy.toml"),
        "--sentiment-lexicon",
        &format!("{fixtures}/mini_sentiment.toml"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("report_md", w.read("out/report.md"));
}
