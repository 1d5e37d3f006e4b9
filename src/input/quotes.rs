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
            },
            breaks,
        )
    }

    fn step(&mut self, b: u8) -> Option<u64> {
        let end = b == self.delimiter || b == b'\n' || b == b'\r';
        let mut broken = None;
        self.state = match self.state {
            State::StartField if b == b'"' => State::Quoted,
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
        let n = self.inner.read(buf)?;
        let mut found = Vec::new();
        for &b in &buf[..n] {
            if let Some(at) = self.step(b) {
                found.push(at);
            }
        }
        if n == 0 && !self.done && !buf.is_empty() {
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
