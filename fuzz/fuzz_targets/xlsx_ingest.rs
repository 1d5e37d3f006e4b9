//! Workbook ingestion (calamine behind `input::open`) on arbitrary bytes named `.xlsx`; seed it
//! with tests/corpus/*.xlsx so it starts from real zip containers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use npsight::input::{self, InputConfig};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("npsight-fuzz-{}.xlsx", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let cfg = InputConfig {
        path: path.clone(),
        ..Default::default()
    };
    if let Ok(opened) = input::open(&cfg) {
        for rec in opened.records {
            let _ = rec;
        }
    }
});
