//! Comment normalisation: Unicode NFC, zero-width and control characters removed, odd spaces
//! turned into plain spaces, runs of spaces collapsed and line breaks kept as one `\n` (a line
//! break ends a sentence for clause splitting). NFC matters: Vietnamese tone marks typed as
//! combining characters would otherwise not match the lexicon's precomposed letters.

use unicode_normalization::UnicodeNormalization;

/// True for characters that carry no text and are dropped: zero-width spaces and joiners used as
/// separators, the BOM, soft hyphens and C0/C1 controls other than line breaks and tabs.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    ) || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Normalise a comment for analysis. Idempotent: `normalize(&normalize(s)) == normalize(s)`.
pub fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    let mut pending_newline = false;
    for c in raw.nfc() {
        if is_invisible(c) {
            continue;
        }
        if c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{0085}' {
            pending_newline = true;
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if !out.is_empty() {
            if pending_newline {
                out.push('\n');
            } else if pending_space {
                out.push(' ');
            }
        }
        pending_space = false;
        pending_newline = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_spaces_and_keeps_one_line_break() {
        assert_eq!(normalize("  a \t b\r\n\r\n c  "), "a b\nc");
    }

    #[test]
    fn removes_zero_width_and_controls() {
        assert_eq!(normalize("wa\u{200B}it\u{0007} time\u{FEFF}"), "wait time");
    }

    #[test]
    fn composes_vietnamese_tone_marks() {
        // "chờ" typed as c h o + combining horn + combining grave.
        let decomposed = "cho\u{031B}\u{0300}";
        assert_eq!(normalize(decomposed), "chờ");
    }

    #[test]
    fn nbsp_is_a_space() {
        assert_eq!(normalize("a\u{00A0}\u{3000}b"), "a b");
    }

    #[test]
    fn idempotent_on_samples() {
        for s in ["x\u{200B} y\n\n z", "  ", "", "é\u{0301}", "a\r\nb"] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s:?}");
        }
    }
}
