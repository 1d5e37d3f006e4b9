//! Line numbers of CSV records as an editor shows them. The CSV reader counts `\n` only, and
//! takes a record's position before the `\n` of a CRLF pair (or the blank lines) it skips, so
//! in a Windows file every record after the first was reported one line too low, and a file
//! with bare `\r` line ends never left line 1. [`LineWatch`] passes the bytes through
//! unchanged and notes where each line's first byte is, with the line's number (`\r\n`, `\n`
//! and `\r` each end one line); a record's line is that of the first line start at or after
//! the position the reader gives.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// Line starts (offset of the first byte that is not a line end, line number) not yet asked
/// about, shared with the record iterator.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<VecDeque<(u64, u64)>>>);

impl Lines {
    /// The 1-based line of the record the reader placed at byte `start`; calls come in
    /// increasing order of `start` (records are read in order), so earlier starts are dropped.
    pub fn line_at(&self, start: u64) -> u64 {
        let mut q = self.0.lock().expect("not poisoned");
        let mut last = None;
        while q.front().is_some_and(|&(at, _)| at < start) {
            last = q.pop_front();
        }
        q.front().or(last.as_ref()).map_or(1, |&(_, line)| line)
    }
}

/// A reader that passes bytes through and notes where every line starts.
pub struct LineWatch<R> {
    inner: R,
    offset: u64,
    line: u64,
    after_cr: bool,
    at_line_start: bool,
    lines: Lines,
}

impl<R: Read> LineWatch<R> {
    pub fn new(inner: R) -> (LineWatch<R>, Lines) {
        let lines = Lines::default();
        (
            LineWatch {
                inner,
                offset: 0,
                line: 1,
                after_cr: false,
                at_line_start: true,
                lines: lines.clone(),
            },
            lines,
        )
    }
}

impl<R: Read> Read for LineWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut found = Vec::new();
        for &b in &buf[..n] {
            match b {
                b'\n' if self.after_cr => {}
                b'\n' | b'\r' => {
                    self.line += 1;
                    self.at_line_start = true;
                }
                _ if self.at_line_start => {
                    found.push((self.offset, self.line));
                    self.at_line_start = false;
                }
                _ => {}
            }
            self.after_cr = b == b'\r';
            self.offset += 1;
        }
        if !found.is_empty() {
            self.lines.0.lock().expect("not poisoned").extend(found);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_lines(text: &str) -> Vec<u64> {
        let (watch, lines) = LineWatch::new(text.as_bytes());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(watch);
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::new();
        while reader.read_record(&mut rec).unwrap() {
            out.push(lines.line_at(rec.position().unwrap().byte()));
        }
        out
    }

    proptest::proptest! {
        /// Any mix of line ends, blank lines and quoted line breaks: each record's line is the
        /// one counted while writing the file.
        #[test]
        fn lines_match_the_file_whatever_its_line_ends(
            records in proptest::collection::vec(
                (0usize..3, 0usize..3, proptest::bool::ANY, 0usize..2),
                1..40,
            )
        ) {
            let ends = ["\n", "\r\n", "\r"];
            let (mut text, mut want, mut line) = (String::new(), Vec::new(), 1u64);
            for (i, (end, blanks, quoted_break, blank_end)) in records.iter().enumerate() {
                want.push(line);
                if *quoted_break {
                    text.push_str(&format!("{i},\"a{}b\"", ends[*end]));
                    line += 1;
                } else {
                    text.push_str(&format!("{i},a"));
                }
                text.push_str(ends[*end]);
                line += 1;
                for _ in 0..*blanks {
                    // A "\r" then a "\n" is one CRLF line end, not two.
                    let blank = if text.ends_with('\r') && *blank_end == 0 { "\r" } else { ends[*blank_end] };
                    text.push_str(blank);
                    line += 1;
                }
            }
            proptest::prop_assert_eq!(record_lines(&text), want);
        }
    }

    #[test]
    fn crlf_lf_and_cr_files_give_the_same_lines() {
        let want = [1, 2, 3, 5];
        assert_eq!(record_lines("h,x\n1,a\n2,\"b\nc\"\n3,d\n"), want);
        assert_eq!(record_lines("h,x\r\n1,a\r\n2,\"b\r\nc\"\r\n3,d\r\n"), want);
        assert_eq!(record_lines("h,x\r1,a\r2,\"b\rc\"\r3,d\r"), want);
        // Blank lines count as lines.
        assert_eq!(record_lines("h,x\r\n\r\n1,a\r\n"), [1, 3]);
    }
}
