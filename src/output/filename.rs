//! File names made from data (a team or agent name for a per-segment file): whatever the value
//! (`../../etc`, `CON`, `a/b`, 5,000 characters, emoji), the stem is safe on Linux, macOS and
//! Windows, and two different values never give the same file.
//!
//! Rules: a value made only of `a-z 0-9 _ -`, not starting with `-`, at most 64 characters, not
//! a reserved Windows device name, and not itself shaped like a hashed stem is used as it is.
//! Anything else is lower-cased, every other character becomes `_` (runs collapsed, `_` and
//! `-` trimmed at the ends), cut to 64 characters, and gets `-` plus the first 10 hex digits of
//! the SHA-256 of the original value. Lower case because macOS and Windows file names ignore
//! case ("Ann" and "ann" would be one file); the hash keeps distinct values distinct (a clash
//! needs a 40-bit hash collision).

use sha2::{Digest, Sha256};

const MAX_STEM: usize = 64;
const HASH_HEX: usize = 10;

const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

fn is_reserved(stem: &str) -> bool {
    // Windows also reserves "CON.txt", "nul.tar.gz": the part before the first dot counts.
    let base = stem.split('.').next().unwrap_or(stem).to_ascii_lowercase();
    RESERVED.contains(&base.as_str())
}

fn looks_hashed(stem: &str) -> bool {
    stem.len() > HASH_HEX + 1
        && stem.as_bytes()[stem.len() - HASH_HEX - 1] == b'-'
        && stem[stem.len() - HASH_HEX..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_safe(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_STEM
        && !value.starts_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !is_reserved(value)
        && !looks_hashed(value)
}

/// A file stem (no extension) for `value`; see the module documentation for the rules.
pub fn sanitize_file_stem(value: &str) -> String {
    if is_safe(value) {
        return value.to_string();
    }
    let mut stem = String::with_capacity(value.len().min(MAX_STEM));
    for c in value.chars() {
        let c = c.to_ascii_lowercase();
        let keep = c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        let c = if keep { c } else { '_' };
        if c == '_' && stem.ends_with('_') {
            continue;
        }
        stem.push(c);
        if stem.len() >= MAX_STEM {
            break;
        }
    }
    let stem = stem.trim_matches(['_', '-']);
    let stem = if stem.is_empty() { "value" } else { stem };
    let hash: String = Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{stem}-{}", &hash[..HASH_HEX])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_safe(stem: &str) {
        assert!(!stem.is_empty());
        assert!(stem.len() <= MAX_STEM + 1 + HASH_HEX, "{stem}");
        assert!(
            stem.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'),
            "{stem}"
        );
        assert!(!stem.contains(".."), "{stem}");
        assert!(!stem.starts_with('-'), "{stem}");
        assert!(!is_reserved(stem), "{stem}");
    }

    #[test]
    fn safe_values_are_kept() {
        assert_eq!(sanitize_file_stem("billing"), "billing");
        assert_eq!(sanitize_file_stem("team_2-east"), "team_2-east");
    }

    #[test]
    fn paths_and_separators_never_survive() {
        for v in [
            "../../etc",
            "..",
            ".",
            "/etc/passwd",
            "a\\b",
            "C:\\Windows",
            "a/../../b",
            "name\0nul",
            "\u{202E}gnp.exe",
        ] {
            let s = sanitize_file_stem(v);
            assert_safe(&s);
            assert!(
                !s.contains('/') && !s.contains('\\') && !s.contains('.'),
                "{s}"
            );
        }
        assert!(sanitize_file_stem("../../etc").starts_with("etc-"));
    }

    #[test]
    fn reserved_windows_names_are_changed() {
        for v in ["CON", "con", "nul", "COM1", "lpt9", "aux.txt", "prn"] {
            let s = sanitize_file_stem(v);
            assert_safe(&s);
            assert_ne!(s.to_ascii_lowercase(), v.to_ascii_lowercase());
        }
    }

    #[test]
    fn long_empty_and_unicode_values() {
        let long = "x".repeat(5000);
        let s = sanitize_file_stem(&long);
        assert_safe(&s);
        assert!(s.len() <= MAX_STEM + 1 + HASH_HEX);
        for v in ["", "   ", "张伟", "Анна Новак", "👍🏽", "-rf", "___"] {
            assert_safe(&sanitize_file_stem(v));
        }
        assert!(sanitize_file_stem("Анна Новак").starts_with("value-"));
    }

    #[test]
    fn distinct_values_stay_distinct() {
        let values = [
            "Ann", "ann", "ANN", "a/b", "a\\b", "a b", "a_b", "a:b", "张伟", "李娜", "", " ",
            "con", "CON", "../x", "x", "..x",
        ];
        let stems: std::collections::BTreeSet<String> =
            values.iter().map(|v| sanitize_file_stem(v)).collect();
        assert_eq!(stems.len(), values.len(), "{stems:?}");
        // A safe value shaped like a hashed stem is hashed too, so it cannot meet one.
        let hashed = sanitize_file_stem("A/B");
        assert_ne!(sanitize_file_stem(&hashed), hashed);
    }

    #[test]
    fn deterministic() {
        assert_eq!(
            sanitize_file_stem("Team A/B"),
            sanitize_file_stem("Team A/B")
        );
    }
}
