//! The one place that draws progress: a single updating line on stderr, only when stderr is a
//! terminal and the run is not `--quiet`, so logs and pipes stay clean.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    total_bytes: u64,
    last: Instant,
}

impl Progress {
    pub fn new(quiet: bool, total_bytes: u64) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            total_bytes,
            last: Instant::now(),
        }
    }

    pub fn update(&mut self, rows: u64, byte: u64) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.last = Instant::now();
        let pct = (100 * byte)
            .checked_div(self.total_bytes)
            .map_or(0, |p| p.min(100));
        let filled = (pct / 4) as usize;
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(25 - filled));
        let _ = write!(std::io::stderr(), "\r  [{bar}] {pct:>3}%  {rows} rows");
    }

    pub fn finish(&mut self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r{}\r", " ".repeat(60));
        }
    }
}
