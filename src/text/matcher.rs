//! A phrase matcher for lexicons written by people, in every supported language at once.
//!
//! A pattern is a sequence of words (see `models/taxonomy.toml` for the user-facing rules):
//! `wait*` matches any word starting with "wait", `*schleife` any word ending in "schleife",
//! `*warte*` any word containing "warte", a lone `*` exactly one word, anything else the word
//! itself. Patterns are tokenised like comments, so "follow-up" is two words and the Chinese
//! "等了很久" four. Lookup is by the first word (a hash map for exact words, one probe per prefix
//! length for stems), so matching costs a few hash probes per token whatever the lexicon size;
//! regular expressions with Unicode word boundaries were measured far slower on non-ASCII text.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use super::tokens::{tokenize, Token};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Any,
}

impl Piece {
    fn accepts(&self, word: &str) -> bool {
        match self {
            Piece::Exact(w) => word == w,
            Piece::Prefix(p) => word.starts_with(p.as_str()),
            Piece::Suffix(s) => word.ends_with(s.as_str()) && word.len() > s.len(),
            Piece::Contains(s) => word.contains(s.as_str()),
            Piece::Any => true,
        }
    }
}

/// A match of one pattern over tokens `start..end`, carrying the caller's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub payload: u32,
}

#[derive(Debug, Default, Clone)]
pub struct PhraseMatcher {
    patterns: Vec<(Vec<Piece>, u32)>,
    exact: HashMap<String, Vec<usize>>,
    prefix: HashMap<String, Vec<usize>>,
    prefix_lengths: Vec<usize>,
    scan: Vec<usize>,
}

/// Parse one pattern into pieces; `Err` says what is wrong with it.
fn parse(pattern: &str) -> Result<Vec<Piece>, String> {
    let lowered: String = pattern.nfc().collect::<String>().to_lowercase();
    let mut pieces = Vec::new();
    for word in lowered.split_whitespace() {
        if word == "*" {
            pieces.push(Piece::Any);
        } else if word.len() > 1 && word.trim_matches('*').is_empty() {
            // `**`, `***`: an empty stem would match every word (or none), never what was meant.
            return Err(format!(
                "'{word}' has no letters between its '*'; a lone '*' is one word"
            ));
        } else if word.len() > 2 && word.starts_with('*') && word.ends_with('*') {
            pieces.push(Piece::Contains(word.trim_matches('*').to_string()));
        } else if let Some(rest) = word.strip_prefix('*') {
            pieces.push(Piece::Suffix(rest.to_string()));
        } else if let Some(stem) = word.strip_suffix('*') {
            let toks = tokenize(stem);
            let n = toks.len();
            if n == 0 {
                return Err(format!("'{word}' has no letters before '*'"));
            }
            for (i, t) in toks.into_iter().enumerate() {
                pieces.push(if i + 1 == n {
                    Piece::Prefix(t.text)
                } else {
                    Piece::Exact(t.text)
                });
            }
        } else {
            pieces.extend(tokenize(word).into_iter().map(|t| Piece::Exact(t.text)));
        }
    }
    if pieces.is_empty() {
        return Err("the pattern has no words".into());
    }
    if pieces.iter().all(|p| *p == Piece::Any) {
        return Err("the pattern is only wildcards".into());
    }
    Ok(pieces)
}

/// Check a pattern without building a matcher (used by taxonomy validation).
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    parse(pattern).map(|_| ())
}

impl PhraseMatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a pattern; the payload comes back with every match of it.
    pub fn add(&mut self, pattern: &str, payload: u32) -> Result<(), String> {
        let pieces = parse(pattern)?;
        let id = self.patterns.len();
        match &pieces[0] {
            Piece::Exact(w) => self.exact.entry(w.clone()).or_default().push(id),
            Piece::Prefix(p) => {
                let n = p.chars().count();
                if !self.prefix_lengths.contains(&n) {
                    self.prefix_lengths.push(n);
                    self.prefix_lengths.sort_unstable();
                }
                self.prefix.entry(p.clone()).or_default().push(id)
            }
            _ => self.scan.push(id),
        }
        self.patterns.push((pieces, payload));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn matches_at(&self, id: usize, tokens: &[Token], at: usize, out: &mut Vec<Match>) {
        let (pieces, payload) = &self.patterns[id];
        if at + pieces.len() > tokens.len() {
            return;
        }
        if pieces
            .iter()
            .zip(&tokens[at..])
            .all(|(p, t)| p.accepts(&t.text))
        {
            out.push(Match {
                start: at,
                end: at + pieces.len(),
                payload: *payload,
            });
        }
    }

    /// Every match of every pattern, sorted by position; overlaps are kept.
    pub fn find_all(&self, tokens: &[Token]) -> Vec<Match> {
        let mut out = Vec::new();
        for (at, tok) in tokens.iter().enumerate() {
            if let Some(ids) = self.exact.get(&tok.text) {
                for &id in ids {
                    self.matches_at(id, tokens, at, &mut out);
                }
            }
            if !self.prefix.is_empty() {
                let mut ends = tok
                    .text
                    .char_indices()
                    .map(|(i, _)| i)
                    .skip(1)
                    .chain([tok.text.len()]);
                let mut consumed = 0;
                for &len in &self.prefix_lengths {
                    let Some(end) = ends.by_ref().nth(len - 1 - consumed) else {
                        break;
                    };
                    consumed = len;
                    if let Some(ids) = self.prefix.get(&tok.text[..end]) {
                        for &id in ids {
                            self.matches_at(id, tokens, at, &mut out);
                        }
                    }
                }
            }
            for &id in &self.scan {
                self.matches_at(id, tokens, at, &mut out);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Keep the longest match at each position, then the next one that does not overlap it, and so
/// on left to right: "not bad" wins over "not" and "bad", "不错" over "不".
pub fn resolve_longest(mut matches: Vec<Match>) -> Vec<Match> {
    matches.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end), m.payload));
    let mut kept: Vec<Match> = Vec::with_capacity(matches.len());
    let mut free_from = 0;
    for m in matches {
        if m.start >= free_from {
            free_from = m.end;
            kept.push(m);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(patterns: &[&str]) -> PhraseMatcher {
        let mut m = PhraseMatcher::new();
        for (i, p) in patterns.iter().enumerate() {
            m.add(p, i as u32).unwrap();
        }
        m
    }

    #[test]
    fn patterns_of_only_stars_are_refused() {
        for p in ["**", "***", "wait ***", "*****"] {
            let e = check_pattern(p).unwrap_err();
            assert!(e.contains("no letters between its '*'"), "{p}: {e}");
        }
        assert!(check_pattern("* wait").is_ok());
        assert!(check_pattern("*warte*").is_ok());
    }

    fn hits(m: &PhraseMatcher, text: &str) -> Vec<(u32, usize, usize)> {
        m.find_all(&tokenize(text))
            .iter()
            .map(|x| (x.payload, x.start, x.end))
            .collect()
    }

    #[test]
    fn exact_prefix_suffix_contains_any() {
        let m = matcher(&[
            "on hold",
            "wait*",
            "*schleife",
            "*warte*",
            "transferred * times",
        ]);
        assert_eq!(hits(&m, "On HOLD and waiting"), [(0, 0, 2), (1, 3, 4)]);
        assert_eq!(hits(&m, "telefonwarteschleife"), [(2, 0, 1), (3, 0, 1)]);
        assert_eq!(hits(&m, "I was transferred four times"), [(4, 2, 5)]);
        assert!(hits(&m, "holding").is_empty());
        assert!(
            hits(&m, "schleife").is_empty(),
            "a suffix needs something before it"
        );
    }

    #[test]
    fn prefixes_of_several_lengths() {
        let m = matcher(&["ожидани*", "жд*", "ждал долго"]);
        assert_eq!(hits(&m, "Ожидание ждали"), [(0, 0, 1), (1, 1, 2)]);
        assert_eq!(hits(&m, "ждал долго"), [(1, 0, 1), (2, 0, 2)]);
    }

    #[test]
    fn chinese_phrase_matches_characters() {
        let m = matcher(&["等了很久", "不", "不错"]);
        // Token indices: the comma is not a token.
        assert_eq!(
            hits(&m, "我等了很久，不错"),
            [(0, 1, 5), (1, 5, 6), (2, 5, 7)]
        );
    }

    #[test]
    fn longest_wins() {
        let m = matcher(&["not", "bad", "not bad"]);
        let kept = resolve_longest(m.find_all(&tokenize("not bad at all")));
        assert_eq!(kept.iter().map(|m| m.payload).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn rejects_empty_patterns() {
        assert!(check_pattern("  ").is_err());
        assert!(check_pattern("* *").is_err());
        assert!(check_pattern("*").is_err());
        assert!(check_pattern("-*").is_err());
    }
}
