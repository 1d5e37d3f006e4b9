//! Decoding a UTF-8 export that is not UTF-8 throughout. An export pasted together from two
//! systems can turn into Windows-1252 after the sample the encoding was sniffed on; decoding
//! the rest as UTF-8 would turn every `é` into U+FFFD and create new agents ("Ren�" beside
//! "René"). [`Utf8Or1252`] passes valid UTF-8 through and reads each byte that is not part of
//! a valid UTF-8 sequence as Windows-1252, noting where in the decoded text that happened, so
//! the run can say from which row on the decoding changed.

use std::io::Read;

use encoding_rs::WINDOWS_1252;

use super::quotes::Breaks;

pub struct Utf8Or1252<R> {
    inner: R,
    /// Undecoded input (at most an incomplete sequence between reads, plus the last read).
    pending: Vec<u8>,
    /// Decoded output not yet handed out.
    out: Vec<u8>,
    out_at: usize,
    /// Decoded bytes handed out so far.
    offset: u64,
    eof: bool,
    started: bool,
    fallbacks: Breaks,
}

impl<R: Read> Utf8Or1252<R> {
    pub fn new(inner: R) -> (Utf8Or1252<R>, Breaks) {
        let fallbacks = Breaks::default();
        (
            Utf8Or1252 {
                inner,
                pending: Vec::new(),
                out: Vec::new(),
                out_at: 0,
                offset: 0,
                eof: false,
                started: false,
                fallbacks: fallbacks.clone(),
            },
            fallbacks,
        )
    }

    /// Decode what `pending` holds, keeping an incomplete sequence at its end unless at EOF.
    fn decode(&mut self) {
        // Decoded offset of out[0] after the drain below.
        let base = self.offset;
        let mut out = std::mem::take(&mut self.out);
        out.drain(..self.out_at);
        self.out_at = 0;
        let mut input = &self.pending[..];
        if !self.started {
            // A UTF-8 byte order mark at the very start is dropped; wait until it is whole.
            if !self.eof && b"\xEF\xBB\xBF".starts_with(input) && input.len() < 3 {
                self.out = out;
                return;
            }
            self.started = true;
            input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        }
        let mut noted = Vec::new();
        loop {
            match std::str::from_utf8(input) {
                Ok(s) => {
                    out.extend_from_slice(s.as_bytes());
                    input = &[];
                    break;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    out.extend_from_slice(&input[..good]);
                    match e.error_len() {
                        Some(bad) => {
                            noted.push(base + out.len() as u64);
                            let (c, _) =
                                WINDOWS_1252.decode_without_bom_handling(&input[good..good + bad]);
                            out.extend_from_slice(c.as_bytes());
                            input = &input[good + bad..];
                        }
                        None if self.eof => {
                            noted.push(base + out.len() as u64);
                            let (c, _) = WINDOWS_1252.decode_without_bom_handling(&input[good..]);
                            out.extend_from_slice(c.as_bytes());
                            input = &[];
                            break;
                        }
                        None => {
                            input = &input[good..];
                            break;
                        }
                    }
                }
            }
        }
        let rest = input.to_vec();
        self.pending = rest;
        self.out = out;
        if !noted.is_empty() {
            self.fallbacks.lock().expect("not poisoned").extend(noted);
        }
    }
}

impl<R: Read> Read for Utf8Or1252<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_at == self.out.len() && !(self.eof && self.pending.is_empty()) {
            let mut chunk = [0u8; 1 << 16];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                self.eof = true;
            }
            self.pending.extend_from_slice(&chunk[..n]);
            self.decode();
            if self.eof {
                break;
            }
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], chunk: usize) -> (String, Vec<u64>) {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (mut r, notes) = Utf8Or1252::new(Chunks(bytes, chunk));
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        let v = notes.lock().unwrap().iter().copied().collect();
        (s, v)
    }

    #[test]
    fn utf8_then_windows_1252_reads_both() {
        let mut bytes = "a,René\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"b,Ren\xE9\n");
        for chunk in [1, 2, 3, 7, 1000] {
            let (s, notes) = decode_all(&bytes, chunk);
            assert_eq!(s, "a,René\nb,René\n", "chunk {chunk}");
            assert_eq!(notes, [s.rfind('é').unwrap() as u64], "chunk {chunk}");
        }
    }

    #[test]
    fn valid_utf8_is_untouched_and_bom_dropped() {
        let text = "\u{FEFF}id,коммент\n1,客服态度很差 👍🏽\n";
        for chunk in [1, 3, 1000] {
            let (s, notes) = decode_all(text.as_bytes(), chunk);
            assert_eq!(s, &text[3..], "chunk {chunk}");
            assert!(notes.is_empty());
        }
        // A sequence cut by the end of the file.
        let (s, notes) = decode_all(b"ok\xE2\x82", 1000);
        assert_eq!(s, "ok\u{e2}\u{201a}");
        assert_eq!(notes, [2]);
    }
}
