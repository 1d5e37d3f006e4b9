//! Score/text mismatch: comments whose text contradicts the score.
//!
//! Two kinds, both deliberately strict so that a flag is worth reading:
//! * `praise_low_score`: a score of 0-3 with a clearly positive comment and no negative
//!   mention of any theme ("Anna was wonderful, thank you" with a 1). The usual causes are a
//!   reversed scale (the customer thought 0 was best) or a score meant for the company and a
//!   comment meant for the agent; either way the score should not be read at face value.
//! * `complaint_high_score`: a score of 9-10 with a clearly negative comment and no positive
//!   mention of any theme ("waited an hour, nobody called back" with a 10).
//!
//! "Clearly" means the comment's sentiment is positive (negative) with a score of at least
//! [`STRONG`] in absolute value; mixed and neutral comments are never flagged. The thresholds were
//! looked at on the real NPS verbatims of `../shared/data/nps_textsummary` (README,
//! "Score/text mismatch").

use serde::{Deserialize, Serialize};

use crate::tagger::{Sentiment, Tagging};

pub const STRONG: f32 = 0.5;
/// Examples kept per kind for the report.
pub const KEEP_EXAMPLES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MismatchKind {
    PraiseLowScore,
    ComplaintHighScore,
}

impl MismatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MismatchKind::PraiseLowScore => "praise_low_score",
            MismatchKind::ComplaintHighScore => "complaint_high_score",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub kind: MismatchKind,
    pub reason: String,
}

/// The mismatch of one tagged comment, if any.
pub fn check(score: u8, t: &Tagging) -> Option<Mismatch> {
    let has = |p: Sentiment| t.themes.iter().any(|x| x.polarity == p);
    if score <= 3
        && t.sentiment == Sentiment::Positive
        && t.sentiment_score >= STRONG
        && !has(Sentiment::Negative)
    {
        return Some(Mismatch {
            kind: MismatchKind::PraiseLowScore,
            reason: format!(
                "score {score} with a positive comment (sentiment {:+.2}) and no complaint: \
                 reversed scale or a score meant for something else?",
                t.sentiment_score
            ),
        });
    }
    if score >= 9
        && t.sentiment == Sentiment::Negative
        && t.sentiment_score <= -STRONG
        && !has(Sentiment::Positive)
    {
        return Some(Mismatch {
            kind: MismatchKind::ComplaintHighScore,
            reason: format!(
                "score {score} with a negative comment (sentiment {:+.2}) and no praise",
                t.sentiment_score
            ),
        });
    }
    None
}

/// A flagged comment kept for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MismatchExample {
    pub row: u64,
    pub id: String,
    pub score: u8,
    pub kind: MismatchKind,
    pub reason: String,
    pub language: String,
    pub sentiment_score: f32,
    /// Normalised comment.
    pub text: String,
    pub segments: Vec<(String, String)>,
}

/// The strongest examples per kind (by |sentiment score|, then earlier row): the same whichever
/// way the file was split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MismatchExamples {
    pub items: Vec<MismatchExample>,
}

impl MismatchExamples {
    pub fn offer(&mut self, e: MismatchExample) {
        self.items.push(e);
        if self.items.len() > 4 * KEEP_EXAMPLES {
            self.trim();
        }
    }

    pub fn merge(&mut self, o: &MismatchExamples) {
        self.items.extend(o.items.iter().cloned());
        self.trim();
    }

    /// Keep the best [`KEEP_EXAMPLES`] of each kind, in kind then rank order.
    pub fn trim(&mut self) {
        self.items.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then(b.sentiment_score.abs().total_cmp(&a.sentiment_score.abs()))
                .then(a.row.cmp(&b.row))
        });
        let mut kept: Vec<MismatchExample> = Vec::with_capacity(2 * KEEP_EXAMPLES);
        for e in self.items.drain(..) {
            if kept.iter().filter(|k| k.kind == e.kind).count() < KEEP_EXAMPLES {
                kept.push(e);
            }
        }
        self.items = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::ThemeTag;

    fn t(sentiment: Sentiment, score: f32, polarities: &[Sentiment]) -> Tagging {
        Tagging {
            sentiment,
            sentiment_score: score,
            themes: polarities
                .iter()
                .enumerate()
                .map(|(i, p)| ThemeTag {
                    theme: i,
                    polarity: *p,
                    confidence: None,
                    evidence: vec![],
                })
                .collect(),
            embedding: None,
        }
    }

    #[test]
    fn flags_only_clear_contradictions() {
        use Sentiment::*;
        let m = check(1, &t(Positive, 0.8, &[Positive])).unwrap();
        assert_eq!(m.kind, MismatchKind::PraiseLowScore);
        assert!(
            m.reason.contains("score 1") && m.reason.contains("+0.80"),
            "{}",
            m.reason
        );
        assert_eq!(
            check(10, &t(Negative, -0.9, &[])).unwrap().kind,
            MismatchKind::ComplaintHighScore
        );
        // Boundaries: 3 and 9 count, 4 and 8 do not; the strength threshold is inclusive.
        assert!(check(3, &t(Positive, STRONG, &[])).is_some());
        assert!(check(4, &t(Positive, 0.9, &[])).is_none());
        assert!(check(9, &t(Negative, -STRONG, &[])).is_some());
        assert!(check(8, &t(Negative, -0.9, &[])).is_none());
        // Weak, mixed or neutral comments are not flagged.
        assert!(check(0, &t(Positive, 0.3, &[])).is_none());
        assert!(check(0, &t(Mixed, 0.9, &[])).is_none());
        assert!(check(10, &t(Neutral, -0.9, &[])).is_none());
        // A complaint inside the praise (or praise inside the complaint) explains the score.
        assert!(check(1, &t(Positive, 0.8, &[Positive, Negative])).is_none());
        assert!(check(10, &t(Negative, -0.8, &[Negative, Positive])).is_none());
        // Agreeing score and text.
        assert!(check(10, &t(Positive, 0.9, &[])).is_none());
        assert!(check(0, &t(Negative, -0.9, &[])).is_none());
    }

    #[test]
    fn examples_keep_the_strongest_per_kind_whatever_the_split() {
        let ex = |row: u64, kind, s: f32| MismatchExample {
            row,
            id: row.to_string(),
            score: 0,
            kind,
            reason: String::new(),
            language: "en".into(),
            sentiment_score: s,
            text: String::new(),
            segments: vec![],
        };
        let all: Vec<MismatchExample> = (0..60)
            .map(|i| {
                let kind = if i % 3 == 0 {
                    MismatchKind::ComplaintHighScore
                } else {
                    MismatchKind::PraiseLowScore
                };
                ex(i, kind, ((i * 7) % 10) as f32 / 10.0)
            })
            .collect();
        let mut whole = MismatchExamples::default();
        for e in &all {
            whole.offer(e.clone());
        }
        whole.trim();
        let mut a = MismatchExamples::default();
        let mut b = MismatchExamples::default();
        for e in &all[..23] {
            a.offer(e.clone());
        }
        for e in &all[23..] {
            b.offer(e.clone());
        }
        a.merge(&b);
        assert_eq!(a, whole);
        assert_eq!(whole.items.len(), 2 * KEEP_EXAMPLES);
        let praise: Vec<_> = whole
            .items
            .iter()
            .filter(|e| e.kind == MismatchKind::PraiseLowScore)
            .collect();
        // The strongest praise score is 0.9; ties go to the earlier row.
        assert_eq!(praise[0].sentiment_score, 0.9);
        assert!(praise.windows(2).all(|w| {
            w[0].sentiment_score > w[1].sentiment_score
                || (w[0].sentiment_score == w[1].sentiment_score && w[0].row < w[1].row)
        }));
    }
}
