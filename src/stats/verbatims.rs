//! Representative verbatims per theme, kept in bounded reservoirs while rows stream past.
//! Each candidate gets a deterministic rank (clear polarity, a score that agrees with it, a
//! readable length); ties go to the earlier row. Ranks depend only on the row, so merging the
//! reservoirs of any split of the file gives the same selection.

use serde::{Deserialize, Serialize};

use super::{Category, RowFacts};
use crate::tagger::{Sentiment, Tagging, ThemeTag};

/// How many negative (incl. neutral and mixed) and positive verbatims a theme keeps.
pub const KEEP_NEGATIVE: usize = 4;
pub const KEEP_POSITIVE: usize = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verbatim {
    pub row: u64,
    pub id: String,
    pub score: u8,
    pub category: Category,
    pub language: String,
    pub sentiment: Sentiment,
    pub polarity: Sentiment,
    /// Normalised comment.
    pub text: String,
    /// Evidence spans of this theme, in characters of `text`.
    pub spans: Vec<(usize, usize)>,
    pub segments: Vec<(String, String)>,
    pub rank: f32,
}

impl Verbatim {
    pub fn new(f: &RowFacts, cat: Category, t: &Tagging, tag: &ThemeTag, text: &str) -> Verbatim {
        let len = text.chars().count();
        let mut rank = t.sentiment_score.abs();
        let agrees = matches!(
            (tag.polarity, cat),
            (Sentiment::Negative, Category::Detractor) | (Sentiment::Positive, Category::Promoter)
        );
        if agrees {
            rank += 0.5;
        }
        if tag.polarity == Sentiment::Neutral {
            rank -= 1.0;
        }
        if len < 25 {
            rank -= 0.5;
        } else if len > 400 {
            rank -= 0.3;
        }
        Verbatim {
            row: f.row,
            id: f.id.to_string(),
            score: f.score,
            category: cat,
            language: f.language.unwrap_or("und").to_string(),
            sentiment: t.sentiment,
            polarity: tag.polarity,
            text: text.to_string(),
            spans: tag.evidence.iter().map(|e| (e.start, e.end)).collect(),
            segments: f.segments.to_vec(),
            rank,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reservoir {
    pub negative: Vec<Verbatim>,
    pub positive: Vec<Verbatim>,
}

fn keep_best(v: &mut Vec<Verbatim>, k: usize) {
    v.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(a.row.cmp(&b.row)));
    v.truncate(k);
}

impl Reservoir {
    pub fn offer(&mut self, v: Verbatim) {
        let (list, k) = if v.polarity == Sentiment::Positive {
            (&mut self.positive, KEEP_POSITIVE)
        } else {
            (&mut self.negative, KEEP_NEGATIVE)
        };
        // Cheap reject: worse than the worst of a full list.
        if list.len() >= k {
            let worst = &list[list.len() - 1];
            if (v.rank, std::cmp::Reverse(v.row)) <= (worst.rank, std::cmp::Reverse(worst.row)) {
                return;
            }
        }
        list.push(v);
        keep_best(list, k);
    }

    pub fn merge(&mut self, o: &Reservoir) {
        self.negative.extend(o.negative.iter().cloned());
        keep_best(&mut self.negative, KEEP_NEGATIVE);
        self.positive.extend(o.positive.iter().cloned());
        keep_best(&mut self.positive, KEEP_POSITIVE);
    }

    /// Negative ones first, then positive.
    pub fn all(&self) -> impl Iterator<Item = &Verbatim> {
        self.negative.iter().chain(&self.positive)
    }
}
