//! Unbalanced quotes. A CSV field that opens a quote and never closes it, or whose quote is
//! "closed" by the opening quote of a later field (`"great service` ... `3,N/A,"no score"`),
//! swallows the following lines as part of its text, and the CSV reader has no way to tell:
//! those responses, short rows included, would vanish into one long comment.
//!
//! The reader's input passes through [`QuoteWatch`], which follows the same states as the CSV
//! parser (RFC 4180 with doubled quotes) and notes every offset where a quoted field is broken:
//! a closing quote followed by something other than another quote, the delimiter or a line end,
//! or the end of the file inside a quoted field. A record holding such an offset and running
//! over several lines is rejected (`unbalanced_quote`) with the number of lines it swallowed,
//! all of them in its `raw_record`: nothing vanishes. A correctly quoted multi-line comment is
//! never flagged, whatever its inner lines look like.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    StartField,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the field's end, or the first of a doubled quote.
    QuoteInQuoted,
}

/// The longest a quoted field may run (16 MiB; a 10 MB comment is read whole): a stray quote
/// near the top of a large file would otherwise make the rest of the file one record held in
/// memory. A quoted field that reaches it is closed at its next line end (or, with no line end
/// for as long again, where it stands), noted as broken, and the file is read on from there.
pub const MAX_QUOTED: u64 = 16 << 20;

/// Offsets (in the bytes passed through) where a quoted field is broken, shared with the
/// record iterator.
pub type Breaks = Arc<Mutex<VecDeque<u64>>>;

/// A reader that passes bytes through unchanged and notes where quoted fields break.
pub struct QuoteWatch<R> {
    inner: R,
    delimiter: u8,
    state: State,
    offset: u64,
    breaks: Breaks,
    done: bool,
    /// Offset where the current quoted field opened.
    quoted_at: u64,
    /// Bytes read from `inner` but not passed on yet (after an inserted closing quote).
    stash: Vec<u8>,
    limit: u64,
}

impl<R: Read> QuoteWatch<R> {
    pub fn new(inner: R, delimiter: u8) -> (QuoteWatch<R>, Breaks) {
        let breaks = Breaks::default();
        (
            QuoteWatch {
                inner,
                delimiter,
                state: State::StartField,
                offset: 0,
                breaks: breaks.clone(),
                done: false,
                quoted_at: 0,
                stash: Vec::new(),
                limit: MAX_QUOTED,
            },
            breaks,
        )
    }

    #[cfg(test)]
    fn with_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    fn step(&mut self, b: u8) -> Option<u64> {
        let end = b == self.delimiter || b == b'\n' || b == b'\r';
        let mut broken = None;
        self.state = match self.state {
            State::StartField if b == b'"' => {
                self.quoted_at = self.offset;
                State::Quoted
            }
            State::StartField | State::Unquoted if end => State::StartField,
            State::StartField | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted if end => State::StartField,
            State::QuoteInQuoted => {
                broken = Some(self.offset);
                State::Unquoted
            }
        };
        self.offset += 1;
        broken
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut n = if self.stash.is_empty() {
            self.inner.read(buf)?
        } else {
            let n = self.stash.len().min(buf.len());
            buf[..n].copy_from_slice(&self.stash[..n]);
            self.stash.drain(..n);
            n
        };
        let mut found = Vec::new();
        let mut i = 0;
        while i < n {
            let b = buf[i];
            if self.state == State::Quoted {
                let run = self.offset - self.quoted_at;
                let line_end = b == b'\n' || b == b'\r';
                if (run >= self.limit && line_end) || run >= 2 * self.limit {
                    // Close the runaway field here: keep the rest for the next read, with a
                    // line end first when there was none.
                    let mut rest = buf[i..n].to_vec();
                    if !line_end {
                        rest.insert(0, b'\n');
                    }
                    rest.append(&mut self.stash);
                    self.stash = rest;
                    buf[i] = b'"';
                    found.push(self.offset);
                    self.step(b'"');
                    n = i + 1;
                    break;
                }
            }
            if let Some(at) = self.step(b) {
                found.push(at);
            }
            i += 1;
        }
        if n == 0 && !self.done {
            self.done = true;
            if self.state == State::Quoted {
                found.push(self.offset);
            }
        }
        if !found.is_empty() {
            self.breaks.lock().expect("not poisoned").extend(found);
        }
        Ok(n)
    }
}

/// Whether a break was noted in the record spanning bytes `start..=end`; breaks before `end`
/// are consumed.
pub fn take_breaks(breaks: &Breaks, start: u64, end: u64) -> bool {
    let mut q = breaks.lock().expect("not poisoned");
    let mut hit = false;
    while q.front().is_some_and(|&at| at <= end) {
        let at = q.pop_front().expect("checked");
        hit |= at >= start;
    }
    hit
}

/// The number of line breaks inside a record's fields: the lines a broken quote swallowed.
pub fn continuation_lines(fields: &[String]) -> usize {
    fields
        .iter()
        .map(|f| {
            let b = f.as_bytes();
            (0..b.len())
                .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
                .count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaks_of(text: &str) -> Vec<u64> {
        let (mut r, breaks) = QuoteWatch::new(text.as_bytes(), b',');
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, text.as_bytes(), "bytes pass through unchanged");
        let v: Vec<u64> = breaks.lock().unwrap().iter().copied().collect();
        v
    }

    #[test]
    fn broken_quotes_are_noted() {
        // Closed by a later field's opening quote: the break is at the 'n' of "no score".
        let t = "1,9,\"great service\n2,3\n3,N/A,\"no score\"\n4,8,ok\n";
        assert_eq!(breaks_of(t), [t.find("no score").unwrap() as u64]);
        // Never closed: the break is at the end.
        let t = "1,9,\"oops\n2,3,fine\n";
        assert_eq!(breaks_of(t), [t.len() as u64]);
    }

    #[test]
    fn correct_quoting_is_not() {
        for t in [
            "1,9,\"line one\n2,3,fine\n3,4,ok\"\n",
            "1,9,\"He said \"\"wait\"\", then\nhung up\"\n",
            "a,b\r\n\"x\",\"\"\r\n",
            "1,9,plain \"quote\" inside\n",
        ] {
            assert!(breaks_of(t).is_empty(), "{t:?}");
        }
    }

    #[test]
    fn a_runaway_quoted_field_is_closed_at_the_limit_and_reading_goes_on() {
        let text = "id,c\n1,\"stray quote\n2,ok\n3,fine\n4,good\n";
        let (r, breaks) = QuoteWatch::new(text.as_bytes(), b',');
        let mut r = r.with_limit(8);
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(&mut r);
        let rows: Vec<Vec<String>> = csv
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        // The field is closed at the first line end past 8 bytes; the lines after are records.
        assert_eq!(rows[0], ["1", "stray quote"]);
        assert_eq!(rows[1], ["2", "ok"]);
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert!(!breaks.lock().unwrap().is_empty());
        // With no line end at all, it is closed at twice the limit.
        let long = format!("id,c\n1,\"{}", "x".repeat(100));
        let (r, _) = QuoteWatch::new(long.as_bytes(), b',');
        let mut r = r.with_limit(8);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("id,c\n1,\"xxxxxxxxxxxxxxx\"\n"), "{out}");
        assert_eq!(out.len(), long.len() + 2);
    }

    #[test]
    fn breaks_are_given_to_the_record_that_holds_them() {
        let b: Breaks = Arc::new(Mutex::new([5u64, 30].into_iter().collect()));
        assert!(!take_breaks(&b, 0, 4));
        assert!(take_breaks(&b, 4, 10));
        assert!(!take_breaks(&b, 11, 20));
        assert!(take_breaks(&b, 21, 30));
        assert!(b.lock().unwrap().is_empty());
    }

    #[test]
    fn continuation_lines_count_crlf_once() {
        assert_eq!(continuation_lines(&["a\r\nb\nc\rd".into(), "x".into()]), 3);
    }
}
