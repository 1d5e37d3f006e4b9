//! Tagging: the [`Classifier`] trait every classifier implements (the lexicon tagger here, the
//! transformer heads later), the shared preparation of a comment (normalise, detect language,
//! tokenise, find lexicon words, split clauses) and the tags that come out.
//!
//! Shape, as for every model in this project: `XConfig` -> `X::new(config)?` -> batch
//! `classify(&[Prepared]) -> Result<Vec<Tagging>>`, output in input order.

pub mod combined;
pub mod lexicon_tagger;
#[cfg(feature = "torch")]
pub mod sentiment_model;

use serde::{Deserialize, Serialize};

use crate::lexicon::{Role, SentimentLexicon};
use crate::text::{self, Clause, Language, Match, Token};

pub use lexicon_tagger::{LexiconConfig, LexiconTagger};

/// Polarity of a comment or of one theme mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    Positive,
    Negative,
    Neutral,
    Mixed,
}

impl Sentiment {
    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Mixed => "mixed",
        }
    }
    pub const ALL: [Sentiment; 4] = [
        Sentiment::Positive,
        Sentiment::Negative,
        Sentiment::Neutral,
        Sentiment::Mixed,
    ];
}

/// Where a piece of evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Lexicon,
    Model,
}

/// A span of the normalised comment, in characters, that triggered a tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub start: usize,
    pub end: usize,
    pub source: Source,
}

/// One theme found in a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeTag {
    /// Index into the taxonomy's themes.
    pub theme: usize,
    pub polarity: Sentiment,
    /// Classifier confidence in [0, 1]; lexicon matches carry none.
    pub confidence: Option<f32>,
    pub evidence: Vec<Evidence>,
}

/// Everything a classifier says about one comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tagging {
    pub sentiment: Sentiment,
    /// In [-1, 1]; negative means negative.
    pub sentiment_score: f32,
    /// Sorted by theme index, one entry per theme.
    pub themes: Vec<ThemeTag>,
    /// The encoder's vector of the whole comment, where there is an encoder; theme discovery
    /// clusters on it. Never written out.
    #[serde(skip)]
    pub embedding: Option<Vec<f32>>,
}

/// A comment made ready for classification.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub text: String,
    pub language: Language,
    pub tokens: Vec<Token>,
    pub clauses: Vec<Clause>,
    /// Sentiment-lexicon matches over `tokens` (payload: a [`Role`] code), all overlaps kept.
    pub lexical: Vec<Match>,
}

impl Prepared {
    /// Characters `start..end` of the normalised text.
    pub fn span_text(&self, start: usize, end: usize) -> String {
        self.text
            .chars()
            .skip(start)
            .take(end.saturating_sub(start))
            .collect()
    }

    /// The clause holding token `t`.
    pub fn clause_of(&self, t: usize) -> Option<usize> {
        // Clauses are in token order and do not overlap: a binary search keeps long comments
        // (thousands of clauses) linear overall.
        let i = self.clauses.partition_point(|c| c.tokens.1 <= t);
        self.clauses
            .get(i)
            .filter(|c| c.tokens.0 <= t && t < c.tokens.1)
            .map(|_| i)
    }
}

/// Normalise, detect the language, tokenise, find lexicon words and split clauses.
pub fn prepare(raw: &str, lexicon: &SentimentLexicon) -> Prepared {
    prepare_with(raw, lexicon, None)
}

/// [`prepare`] with what the file says about its language (`--language`, or the dominant
/// language of its first comments).
pub fn prepare_with(
    raw: &str,
    lexicon: &SentimentLexicon,
    hint: Option<text::LanguageHint>,
) -> Prepared {
    let text = text::normalize(raw);
    let language = text::detect_language_with(&text, hint);
    let tokens = text::tokenize(&text);
    let mut lexical = Vec::new();
    for lang in &language.lexicons {
        if let Some(m) = lexicon.matchers.get(*lang) {
            lexical.extend(m.find_all(&tokens));
        }
    }
    lexical.sort_unstable();
    lexical.dedup();
    let mut contrast_starts = vec![false; tokens.len()];
    for m in lexical
        .iter()
        .filter(|m| Role::from_code(m.payload) == Role::Contrast)
    {
        contrast_starts[m.start] = true;
    }
    let clauses = text::split_clauses(&text, &tokens, &contrast_starts);
    Prepared {
        text,
        language,
        tokens,
        clauses,
        lexical,
    }
}

/// A classifier of prepared comments. Implementations must be deterministic and return one
/// [`Tagging`] per input, in input order.
pub trait Classifier: Send + Sync {
    /// Identifies the model for the run fingerprint (name and content hash).
    fn model_id(&self) -> String;
    fn classify(&self, batch: &[Prepared]) -> anyhow::Result<Vec<Tagging>>;
    /// Texts so far that were longer than the model's window and were embedded as several
    /// windows and combined (never truncated); 0 for classifiers without a window.
    fn windowed_texts(&self) -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn classifiers_are_send_and_sync() {
        assert_send_sync::<LexiconTagger>();
        assert_send_sync::<Box<dyn Classifier>>();
    }

    #[test]
    fn prepare_splits_on_contrast_words_of_the_lexicon() {
        let lex = SentimentLexicon::builtin().unwrap();
        let p = prepare("The agent was lovely but I waited far too long", &lex);
        assert_eq!(p.language.code, "en");
        assert_eq!(p.clauses.len(), 2);
        assert!(p.clauses[1].contrast);
    }
}
