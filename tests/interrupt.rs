//! Ctrl-C: an interrupted run keeps the previous outputs. In its own test binary because the
//! interrupt flag is process-wide and would stop runs of other tests in the same process.

mod common;

use common::models;

use npsight::analyze::{analyze, AnalyzeConfig};

/// An interrupted run (the Ctrl-C flag) leaves the previous outputs byte for byte and no
/// temporary file behind.
#[test]
fn interrupted_run_keeps_previous_outputs_and_leaves_no_partial_file() {
    let m = models();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "score,comment\n9,great\n2,on hold for ages\n").unwrap();
    let out = dir.path().join("out");
    let cfg = AnalyzeConfig::new(&input, &out);
    analyze(&cfg, &m.taxonomy, &m.lexicon, &m.tagger).unwrap();
    let before: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    std::fs::write(&input, "score,comment\n1,different\n").unwrap();
    npsight::analyze::INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = analyze(&cfg, &m.taxonomy, &m.lexicon, &m.tagger).err();
    npsight::analyze::INTERRUPTED.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(err.unwrap().to_string().contains("interrupted"));
    let mut after: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(before, after, "same files, same bytes, no temporary left");
}
