//! CSV ingestion: encoding and delimiter sniffing, decoding and record reading, then column
//! detection, on arbitrary bytes. Errors are fine; panics, hangs and unbounded memory are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use npsight::input::{self, columns, InputConfig};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("npsight-fuzz-{}.csv", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let cfg = InputConfig {
        path: path.clone(),
        ..Default::default()
    };
    if let Ok(opened) = input::open(&cfg) {
        let _ = columns::detect(&opened.headers, &[]);
        let mut last_row = 0;
        for rec in opened.records {
            if let Ok(r) = rec {
                assert!(r.row > last_row, "rows are numbered in order");
                last_row = r.row;
            }
        }
    }
});
