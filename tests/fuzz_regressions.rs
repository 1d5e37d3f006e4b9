//! Every input that made a fuzz target fail (tests/corpus/fuzz/TARGET/*) is replayed here with
//! the target's own checks, so a fixed crash stays fixed without the nightly toolchain.

use std::path::Path;

mod common;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = entries
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn pii_mask_regressions() {
    let found = inputs("pii_mask");
    assert!(!found.is_empty(), "the pii_mask crash is kept");
    for (name, bytes) in found {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let once = npsight::pii::mask(text);
        assert_eq!(npsight::pii::mask(&once), once, "{name}: idempotent");
        let (masked, _) = npsight::pii::mask_with_spans(text, &[(0, 1)]);
        assert_eq!(masked, once, "{name}");
    }
}

#[test]
fn normalize_clauses_regressions() {
    let m = common::models();
    for (name, bytes) in inputs("normalize_clauses") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let p = npsight::tagger::prepare(text, &m.lexicon);
        assert_eq!(npsight::text::normalize(&p.text), p.text, "{name}");
        use npsight::tagger::Classifier;
        m.tagger.classify(std::slice::from_ref(&p)).unwrap();
    }
}

#[test]
fn ingestion_regressions() {
    for target in ["csv_ingest", "xlsx_ingest"] {
        for (name, bytes) in inputs(target) {
            let dir = tempfile::tempdir().unwrap();
            let ext = if target == "csv_ingest" {
                "csv"
            } else {
                "xlsx"
            };
            let path = dir.path().join(format!("in.{ext}"));
            std::fs::write(&path, bytes).unwrap();
            let cfg = npsight::input::InputConfig {
                path,
                ..Default::default()
            };
            if let Ok(opened) = npsight::input::open(&cfg) {
                let n = opened.records.count();
                eprintln!("{name}: {n} records");
            }
        }
    }
}

#[test]
fn taxonomy_regressions() {
    for (name, bytes) in inputs("taxonomy_parse") {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Err(e) = npsight::taxonomy::Taxonomy::parse(text, &name) {
                assert!(!e.problems.is_empty());
            }
        }
    }
}
