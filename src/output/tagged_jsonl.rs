//! `tagged.jsonl`: the tagged rows as one JSON object per line, for training teams who re-label
//! (and for tools that would rather not parse the JSON-in-CSV evidence column of tagged.csv).
//! One line per accepted row, in input order: id, row, score, NPS category, language, sentiment
//! and its score, the themes with polarity, confidence and evidence spans (character offsets
//! into `comment` and the text they cover), the segment values, and the comment, normalised and
//! with personal data masked unless --keep-pii (the spans follow the masking; a span over
//! personal data is dropped). Rows without a comment have `comment: ""` and no themes.

use serde::Serialize;

use crate::pii::Masking;
use crate::stats::Category;
use crate::tagger::{Prepared, Sentiment, Tagging};
use crate::taxonomy::Taxonomy;

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    row: u64,
    /// None only from `npsight tag` on records without a score.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nps_category: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sentiment: Option<Sentiment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sentiment_score: Option<f32>,
    themes: Vec<ThemeJson<'a>>,
    segments: serde_json::Map<String, serde_json::Value>,
    comment: String,
    pii_masked: bool,
    status: &'static str,
}

#[derive(Serialize)]
struct ThemeJson<'a> {
    theme: &'a str,
    polarity: Sentiment,
    /// Classifier confidence; null for lexicon-only tags.
    confidence: Option<f32>,
    evidence: Vec<SpanJson>,
}

#[derive(Serialize)]
struct SpanJson {
    start: usize,
    end: usize,
    text: String,
}

/// One accepted row.
pub struct Row<'a> {
    pub id: &'a str,
    pub row: u64,
    /// None only from `npsight tag` on records without a score (the line then has neither
    /// `score` nor `nps_category`).
    pub score: Option<u8>,
    pub segments: &'a [(String, String)],
    pub prepared: Option<&'a Prepared>,
    pub tagging: Option<&'a Tagging>,
}

/// The JSON line for `r` (no trailing newline).
pub fn line(r: &Row, taxonomy: &Taxonomy, masking: Masking) -> String {
    let segments = r
        .segments
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let mut out = Line {
        id: r.id,
        row: r.row,
        score: r.score,
        nps_category: r.score.map(|s| Category::of(s).as_str()),
        language: None,
        sentiment: None,
        sentiment_score: None,
        themes: Vec::new(),
        segments,
        comment: String::new(),
        pii_masked: masking.masks(),
        status: "no_comment",
    };
    if let (Some(p), Some(t)) = (r.prepared, r.tagging) {
        out.status = "tagged";
        out.language = Some(p.language.code.as_str());
        out.sentiment = Some(t.sentiment);
        out.sentiment_score = Some(t.sentiment_score);
        let mut comment = p.text.clone();
        for tag in &t.themes {
            let spans: Vec<(usize, usize)> =
                tag.evidence.iter().map(|e| (e.start, e.end)).collect();
            let (text, spans) = masking.with_spans(&p.text, &spans);
            comment = text;
            let chars: Vec<char> = comment.chars().collect();
            out.themes.push(ThemeJson {
                theme: &taxonomy.themes[tag.theme].id,
                polarity: tag.polarity,
                confidence: tag.confidence,
                evidence: spans
                    .into_iter()
                    .filter(|(s, e)| s < e && *e <= chars.len())
                    .map(|(s, e)| SpanJson {
                        start: s,
                        end: e,
                        text: chars[s..e].iter().collect(),
                    })
                    .collect(),
            });
        }
        if t.themes.is_empty() {
            comment = masking.text(&p.text);
        }
        out.comment = comment;
    }
    serde_json::to_string(&out).expect("a tagged row serialises")
}
