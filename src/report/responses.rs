//! The per-response data block of report.html: for every accepted response, in input order, the
//! few facts the page's script needs to recompute the theme table and draw the filtered theme
//! chart for a segment value or a language (score, language, sentiment, segment values, themes
//! with their polarity). No text: verbatims stay in the page's own escaped HTML, and segment
//! values arrive here already masked (`analyze::chunks` masks them as rows are read).
//!
//! **The cap.** The block is carried only for runs of at most [`MAX_RESPONSES`] accepted
//! responses (about 30 bytes a response in the page, so at most about 0.6 MB more). Above it the
//! log stops collecting at the first response past the cap (memory stays flat, as the rest of the
//! run), the page carries only the count, and its filters fall back to narrowing the verbatims,
//! with a message saying so. The cap keeps a 300,000-row weekly export's report a page a browser
//! opens in a second rather than a 10 MB one.

use std::collections::HashMap;

use crate::tagger::{Sentiment, Tagging};

/// Most responses whose facts report.html carries for client-side filtering.
pub const MAX_RESPONSES: usize = 20_000;

/// One response: score, language and sentiment (None without a comment), segment value indices
/// (one per column of the log, None where the row has no value), and theme mentions as
/// `theme index * 4 + polarity` (0 neutral, 1 negative, 2 positive, 3 mixed: the four classes
/// of the report's sentiment-by-theme view).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedResponse {
    pub score: u8,
    pub language: Option<u32>,
    pub sentiment: Option<Sentiment>,
    pub segments: Vec<Option<u32>>,
    pub themes: Vec<u32>,
}

/// The responses of a run, collected in input order while rows are written.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseLog {
    cap: usize,
    /// More responses than the cap were offered: `rows` was dropped.
    overflow: bool,
    /// Accepted responses offered, also past the cap.
    pub total: u64,
    pub languages: Vec<String>,
    lang_index: HashMap<String, u32>,
    /// Segment columns in first-seen order, each with its values in first-seen order.
    pub columns: Vec<(String, Vec<String>)>,
    value_index: Vec<HashMap<String, u32>>,
    pub rows: Vec<LoggedResponse>,
}

impl Default for ResponseLog {
    fn default() -> Self {
        ResponseLog::with_cap(MAX_RESPONSES)
    }
}

fn intern(list: &mut Vec<String>, index: &mut HashMap<String, u32>, v: &str) -> u32 {
    if let Some(i) = index.get(v) {
        return *i;
    }
    let i = list.len() as u32;
    list.push(v.to_string());
    index.insert(v.to_string(), i);
    i
}

impl ResponseLog {
    pub fn with_cap(cap: usize) -> Self {
        ResponseLog {
            cap,
            overflow: false,
            total: 0,
            languages: Vec::new(),
            lang_index: HashMap::new(),
            columns: Vec::new(),
            value_index: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Every response was kept (at most the cap).
    pub fn complete(&self) -> bool {
        !self.overflow
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Log one accepted response; `segments` are its (masked) (column, value) pairs.
    pub fn add(
        &mut self,
        score: u8,
        language: Option<&str>,
        tagging: Option<&Tagging>,
        segments: &[(String, String)],
    ) {
        self.total += 1;
        if self.overflow {
            return;
        }
        if self.rows.len() >= self.cap {
            self.overflow = true;
            self.rows = Vec::new();
            return;
        }
        let language = tagging.map(|_| {
            intern(
                &mut self.languages,
                &mut self.lang_index,
                language.unwrap_or("und"),
            )
        });
        let mut values = vec![None; self.columns.len()];
        for (col, v) in segments {
            let c = match self.columns.iter().position(|(c, _)| c == col) {
                Some(c) => c,
                None => {
                    self.columns.push((col.clone(), Vec::new()));
                    self.value_index.push(HashMap::new());
                    values.push(None);
                    self.columns.len() - 1
                }
            };
            values[c] = Some(intern(&mut self.columns[c].1, &mut self.value_index[c], v));
        }
        let themes = tagging.map_or_else(Vec::new, |t| {
            t.themes
                .iter()
                .map(|x| {
                    let p = match x.polarity {
                        Sentiment::Negative => 1,
                        Sentiment::Positive => 2,
                        Sentiment::Mixed => 3,
                        Sentiment::Neutral => 0,
                    };
                    x.theme as u32 * 4 + p
                })
                .collect()
        });
        self.rows.push(LoggedResponse {
            score,
            language,
            sentiment: tagging.map(|t| t.sentiment),
            segments: values,
            themes,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::ThemeTag;

    fn tagging(themes: &[(usize, Sentiment)]) -> Tagging {
        Tagging {
            sentiment: Sentiment::Negative,
            sentiment_score: -0.5,
            themes: themes
                .iter()
                .map(|(t, p)| ThemeTag {
                    theme: *t,
                    polarity: *p,
                    confidence: None,
                    evidence: Vec::new(),
                })
                .collect(),
            embedding: None,
        }
    }

    #[test]
    fn logs_indices_and_theme_polarity() {
        let mut log = ResponseLog::with_cap(10);
        let seg = |a: &str, b: &str| {
            vec![
                ("team".to_string(), a.to_string()),
                ("channel".to_string(), b.to_string()),
            ]
        };
        let t = tagging(&[(0, Sentiment::Negative), (3, Sentiment::Positive)]);
        log.add(2, Some("de"), Some(&t), &seg("A", "phone"));
        log.add(9, None, None, &seg("B", "phone"));
        log.add(
            7,
            Some("en"),
            Some(&tagging(&[(1, Sentiment::Neutral), (2, Sentiment::Mixed)])),
            &seg("A", "chat"),
        );
        assert!(log.complete());
        assert_eq!(log.total, 3);
        assert_eq!(log.languages, ["de", "en"]);
        assert_eq!(
            log.columns[0],
            ("team".to_string(), vec!["A".to_string(), "B".to_string()])
        );
        assert_eq!(log.rows[0].themes, [1, 14]);
        assert_eq!(log.rows[1].language, None);
        assert_eq!(log.rows[1].segments, [Some(1), Some(0)]);
        assert_eq!(log.rows[2].themes, [4, 11]);
        assert_eq!(log.rows[2].segments, [Some(0), Some(1)]);
    }

    #[test]
    fn past_the_cap_keeps_only_the_count() {
        let mut log = ResponseLog::with_cap(2);
        for _ in 0..3 {
            log.add(5, None, None, &[]);
        }
        assert!(!log.complete());
        assert!(log.rows.is_empty());
        assert_eq!(log.total, 3);
        let mut exact = ResponseLog::with_cap(2);
        exact.add(5, None, None, &[]);
        exact.add(5, None, None, &[]);
        assert!(exact.complete() && exact.rows.len() == 2);
    }
}
