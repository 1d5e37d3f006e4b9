//! The sentiment lexicon: positive and negative words, negators, intensifiers, diminishers and
//! contrast markers per language, from `models/sentiment.toml` (compiled in; `--sentiment-lexicon`
//! replaces it). Loaded into one phrase matcher per language.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::taxonomy::sha256_hex;
use crate::text::matcher::PhraseMatcher;

pub const DEFAULT_LEXICON: &str = include_str!("../models/sentiment.toml");

/// What a lexicon entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A sentiment-bearing word with its weight (+2, +1, -1, -2).
    Polar(i8),
    Negator,
    Intensifier,
    Diminisher,
    Contrast,
}

impl Role {
    pub fn code(self) -> u32 {
        match self {
            Role::Polar(w) => (w + 2) as u32, // 0..=4
            Role::Negator => 10,
            Role::Intensifier => 11,
            Role::Diminisher => 12,
            Role::Contrast => 13,
        }
    }
    pub fn from_code(c: u32) -> Role {
        match c {
            10 => Role::Negator,
            11 => Role::Intensifier,
            12 => Role::Diminisher,
            13 => Role::Contrast,
            w => Role::Polar(w as i8 - 2),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    #[serde(default)]
    positive: Vec<String>,
    #[serde(default)]
    strong_positive: Vec<String>,
    #[serde(default)]
    negative: Vec<String>,
    #[serde(default)]
    strong_negative: Vec<String>,
    #[serde(default)]
    negators: Vec<String>,
    #[serde(default)]
    intensifiers: Vec<String>,
    #[serde(default)]
    diminishers: Vec<String>,
    #[serde(default)]
    contrast: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    schema: u32,
    lang: BTreeMap<String, RawLanguage>,
}

#[derive(Debug, Clone)]
pub struct LexiconError(pub String);

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for LexiconError {}

/// Compiled sentiment lexicon: a matcher per language whose payload is a [`Role`] code.
#[derive(Debug, Clone)]
pub struct SentimentLexicon {
    pub matchers: BTreeMap<String, PhraseMatcher>,
    pub sha256: String,
}

impl SentimentLexicon {
    pub fn builtin() -> Result<Self, LexiconError> {
        Self::parse(DEFAULT_LEXICON, "built-in models/sentiment.toml")
    }

    pub fn load(path: &std::path::Path) -> Result<Self, LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            LexiconError(format!(
                "sentiment lexicon {}: cannot read it: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, source: &str) -> Result<Self, LexiconError> {
        let raw: RawLexicon = toml::from_str(text)
            .map_err(|e| LexiconError(format!("sentiment lexicon {source}: not valid: {e}")))?;
        if raw.schema != 1 {
            return Err(LexiconError(format!(
                "sentiment lexicon {source}: schema {} is not supported",
                raw.schema
            )));
        }
        let mut matchers = BTreeMap::new();
        let mut problems = Vec::new();
        for (lang, l) in &raw.lang {
            let mut m = PhraseMatcher::new();
            let lists: [(&str, &Vec<String>, Role); 8] = [
                ("positive", &l.positive, Role::Polar(1)),
                ("strong_positive", &l.strong_positive, Role::Polar(2)),
                ("negative", &l.negative, Role::Polar(-1)),
                ("strong_negative", &l.strong_negative, Role::Polar(-2)),
                ("negators", &l.negators, Role::Negator),
                ("intensifiers", &l.intensifiers, Role::Intensifier),
                ("diminishers", &l.diminishers, Role::Diminisher),
                ("contrast", &l.contrast, Role::Contrast),
            ];
            for (field, list, role) in lists {
                for (i, p) in list.iter().enumerate() {
                    if let Err(why) = m.add(p, role.code()) {
                        problems.push(format!("lang.{lang}.{field}[{i}] '{p}': {why}"));
                    }
                }
            }
            matchers.insert(lang.clone(), m);
        }
        if !problems.is_empty() {
            return Err(LexiconError(format!(
                "sentiment lexicon {source}:\n  - {}",
                problems.join("\n  - ")
            )));
        }
        Ok(SentimentLexicon {
            matchers,
            sha256: sha256_hex(text.as_bytes()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_covers_supported_languages() {
        let lex = SentimentLexicon::builtin().unwrap();
        for l in crate::text::lang::SUPPORTED {
            assert!(lex.matchers.get(l).is_some_and(|m| !m.is_empty()), "{l}");
        }
    }

    #[test]
    fn role_codes_round_trip() {
        for r in [
            Role::Polar(-2),
            Role::Polar(-1),
            Role::Polar(1),
            Role::Polar(2),
            Role::Negator,
            Role::Intensifier,
            Role::Diminisher,
            Role::Contrast,
        ] {
            assert_eq!(Role::from_code(r.code()), r);
        }
    }

    #[test]
    fn bad_entry_is_named() {
        let err =
            SentimentLexicon::parse("schema = 1\n[lang.en]\npositive = [\"good\", \"*\"]\n", "x")
                .unwrap_err();
        assert!(err.0.contains("lang.en.positive[1] '*'"), "{}", err.0);
    }
}
