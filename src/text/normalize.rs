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
    ) || is_bidi_control(c)
        || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Bidirectional formatting characters (embeddings, overrides, isolates, marks): they carry no
/// text, and an override left in a verbatim would make the report show the words reversed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Normalise a comment for analysis. Idempotent: `normalize(&normalize(s)) == normalize(s)`.
pub fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    let mut pending_newline = false;
    // Invisible characters go before composition: removed after it, a zero-width space between
    // a letter and its combining accent would leave them uncomposed, and a second pass would
    // compose them (the normalize_clauses fuzz target checks idempotence).
    for c in raw.chars().filter(|c| !is_invisible(*c)).nfc() {
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
    fn removes_bidi_controls() {
        assert_eq!(
            normalize("\u{202E}on hold\u{202C} \u{200F}\u{2067}x\u{2069}"),
            "on hold x"
        );
        assert_eq!(normalize("e\u{200B}\u{0301}"), "é");
    }

    #[test]
    fn nbsp_is_a_space() {
        assert_eq!(normalize("a\u{00A0}\u{3000}b"), "a b");
    }

    #[test]
    fn idempotent_on_samples() {
        for s in [
            "x\u{200B} y\n\n z",
            "  ",
            "",
            "é\u{0301}",
            "a\r\nb",
            "e\u{200B}\u{0301}",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s:?}");
        }
    }
}
