//! Decoding a UTF-8 export that is not UTF-8 throughout. An export pasted together from two
//! systems can turn into Windows-1252 after the sample the encoding was sniffed on; decoding
//! the rest as UTF-8 would turn every `é` into U+FFFD and create new agents ("Ren�" beside
//! "René"). [`Utf8Or1252`] passes valid UTF-8 through and reads each byte that is not part of
//! a valid UTF-8 sequence as Windows-1252, noting where in the decoded text that happened, so
//! the run can say from which row on the decoding changed.
//!
//! The reverse happens too: a file sniffed as Windows-1252 (its first bytes are not UTF-8) that
//! later holds rows from a UTF-8 system would show `RenÃ©` beside `René`. In
//! [`Primary::Windows1252`] mode every byte is read as Windows-1252 except a complete, valid
//! UTF-8 multi-byte sequence (a lead byte `C2`-`F4` followed by the right number of
//! continuation bytes `80`-`BF`), which is read as UTF-8 and noted. In real Windows-1252 text
//! such a pair is mojibake itself (`Ã©`, `Â£`: an accented capital followed by a symbol or a
//! C1 character), so taking it for UTF-8 misreads nothing a person wrote; the choice is noted
//! per row and named in a warning, so it can be checked.

use std::io::Read;

use encoding_rs::WINDOWS_1252;

use super::quotes::Breaks;

/// The encoding the file was sniffed as; the other is read where the bytes say so.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Primary {
    /// UTF-8, bytes that are not valid UTF-8 read as Windows-1252 (and noted).
    Utf8,
    /// Windows-1252, complete valid UTF-8 multi-byte sequences read as UTF-8 (and noted).
    Windows1252,
}

impl Primary {
    /// The encoding read where the primary one did not apply, as the warning names it.
    pub fn other_name(self) -> &'static str {
        match self {
            Primary::Utf8 => "Windows-1252",
            Primary::Windows1252 => "UTF-8",
        }
    }
}

pub struct Utf8Or1252<R> {
    inner: R,
    primary: Primary,
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
        Self::with_primary(inner, Primary::Utf8)
    }

    pub fn with_primary(inner: R, primary: Primary) -> (Utf8Or1252<R>, Breaks) {
        let fallbacks = Breaks::default();
        (
            Utf8Or1252 {
                inner,
                primary,
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
        if self.primary == Primary::Windows1252 {
            let mut noted = Vec::new();
            let used = decode_1252_first(&self.pending, self.eof, base, &mut out, &mut noted);
            self.pending.drain(..used);
            self.out = out;
            if !noted.is_empty() {
                self.fallbacks.lock().expect("not poisoned").extend(noted);
            }
            return;
        }
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

/// Windows-1252 with valid UTF-8 multi-byte sequences read as UTF-8: decodes `input` into
/// `out` (whose first byte is at decoded offset `base`), noting the decoded offset of each
/// UTF-8 character, and returns the bytes used: all of them, except a sequence that may still
/// become valid UTF-8 with the next read (never at `eof`).
fn decode_1252_first(
    input: &[u8],
    eof: bool,
    base: u64,
    out: &mut Vec<u8>,
    noted: &mut Vec<u64>,
) -> usize {
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b < 0x80 {
            let j = input[i..]
                .iter()
                .position(|&c| c >= 0x80)
                .map_or(input.len(), |p| i + p);
            out.extend_from_slice(&input[i..j]);
            i = j;
            continue;
        }
        let need = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 1,
        };
        if need > 1 {
            let avail = (input.len() - i).min(need);
            match std::str::from_utf8(&input[i..i + avail]) {
                Ok(s) => {
                    noted.push(base + out.len() as u64);
                    out.extend_from_slice(s.as_bytes());
                    i += need;
                    continue;
                }
                // A valid start cut by the end of what was read: wait for the rest.
                Err(e) if e.error_len().is_none() && !eof => break,
                Err(_) => {}
            }
        }
        let (c, _) = WINDOWS_1252.decode_without_bom_handling(&input[i..i + 1]);
        out.extend_from_slice(c.as_bytes());
        i += 1;
    }
    i
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
        decode_as(bytes, chunk, Primary::Utf8)
    }

    fn decode_as(bytes: &[u8], chunk: usize, primary: Primary) -> (String, Vec<u64>) {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (mut r, notes) = Utf8Or1252::with_primary(Chunks(bytes, chunk), primary);
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

    #[test]
    fn windows_1252_then_utf8_reads_both() {
        let mut bytes = b"a,Ren\xE9 \x80 gro\xDF\n".to_vec();
        let second = bytes.len();
        bytes.extend_from_slice("b,René € groß 客服\n".as_bytes());
        for chunk in [1, 2, 3, 7, 1000] {
            let (s, notes) = decode_as(&bytes, chunk, Primary::Windows1252);
            assert_eq!(s, "a,René € groß\nb,René € groß 客服\n", "chunk {chunk}");
            let second_line = s.char_indices().nth(second).unwrap().0;
            // Each UTF-8 character of the second line is noted, none of the first.
            assert_eq!(notes.len(), 5, "chunk {chunk}: {notes:?}");
            assert!(notes.iter().all(|&n| n as usize >= second_line));
            assert_eq!(notes[0] as usize, s.rfind('é').unwrap());
        }
    }

    #[test]
    fn windows_1252_bytes_that_only_start_utf8_stay_windows_1252() {
        // A lead byte followed by something other than continuation bytes, a lead byte at the
        // end of the file, a stray continuation byte, and bytes never valid in UTF-8.
        let bytes = b"\xC9t\xE9 \xE0 la \xC3\x41 \xA9 \xFF\xFE \xC3";
        for chunk in [1, 2, 1000] {
            let (s, notes) = decode_as(bytes, chunk, Primary::Windows1252);
            let (want, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            assert_eq!(s, want, "chunk {chunk}");
            assert!(notes.is_empty());
        }
    }

    proptest::proptest! {
        /// Windows-1252 text with UTF-8 pieces: the same text and notes whatever the read
        /// sizes, and a file without any UTF-8 sequence decodes exactly as Windows-1252.
        #[test]
        fn windows_1252_first_does_not_depend_on_read_sizes(
            parts in proptest::collection::vec((proptest::bool::ANY, "[a-zé€ß客,\n]{0,6}"), 0..12),
            chunk in 1usize..9,
        ) {
            let mut bytes = Vec::new();
            for (utf8, text) in &parts {
                if *utf8 {
                    bytes.extend_from_slice(text.as_bytes());
                } else {
                    let (b, _, _) = WINDOWS_1252.encode(text);
                    bytes.extend_from_slice(&b);
                }
            }
            let whole = decode_as(&bytes, bytes.len().max(1), Primary::Windows1252);
            proptest::prop_assert_eq!(&decode_as(&bytes, chunk, Primary::Windows1252), &whole);
            if whole.1.is_empty() {
                let (want, _) = WINDOWS_1252.decode_without_bom_handling(&bytes);
                proptest::prop_assert_eq!(whole.0, want.into_owned());
            }
        }
    }
}
