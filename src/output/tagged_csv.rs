//! `tagged.csv`: every input column as read, then the tagging of the row ([`TAGGED_COLUMNS`]),
//! one line per accepted row in input order. Cells go through [`super::csvsafe`]; the evidence
//! JSON is made formula-safe with JSON escapes so it stays the same JSON.

use anyhow::Result;
use serde::Serialize;

use super::csvsafe::{self, SafeWriter};
use crate::stats::Category;
use crate::tagger::{Prepared, Tagging};
use crate::taxonomy::Taxonomy;

/// The added columns of tagged.csv, after every input column.
pub const TAGGED_COLUMNS: [&str; 9] = [
    "nps_category",
    "language",
    "sentiment",
    "sentiment_score",
    "themes",
    "theme_evidence",
    "mismatch",
    "mismatch_reason",
    "status",
];
/// One accepted row and its tagging (None without a comment).
pub struct Row<'a> {
    pub fields: &'a [String],
    pub score: u8,
    pub prepared: Option<&'a Prepared>,
    pub tagging: Option<&'a Tagging>,
}

#[derive(Serialize)]
struct EvidenceJson<'a> {
    theme: &'a str,
    polarity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<f32>,
    spans: Vec<SpanJson>,
}

#[derive(Serialize)]
struct SpanJson {
    start: usize,
    end: usize,
    text: String,
    source: crate::tagger::Source,
}

/// The `theme_evidence` cell: per theme its polarity and the spans that triggered it.
pub fn evidence_json(taxonomy: &Taxonomy, p: &Prepared, t: &Tagging) -> String {
    let items: Vec<EvidenceJson> = t
        .themes
        .iter()
        .map(|tag| EvidenceJson {
            theme: &taxonomy.themes[tag.theme].id,
            polarity: tag.polarity.as_str(),
            confidence: tag.confidence,
            spans: tag
                .evidence
                .iter()
                .map(|e| SpanJson {
                    start: e.start,
                    end: e.end,
                    text: p.span_text(e.start, e.end),
                    source: e.source,
                })
                .collect(),
        })
        .collect();
    serde_json::to_string(&items).expect("evidence serialises")
}

/// Write one accepted row: its `width` input fields as read, then the added columns.
pub fn write_row(
    w: &mut SafeWriter<impl std::io::Write>,
    width: usize,
    r: &Row,
    taxonomy: &Taxonomy,
) -> Result<()> {
    w.write_record(cells(width, r, taxonomy))?;
    Ok(())
}

/// One accepted row's cells as tagged.csv holds them, before the CSV's formula neutralising
/// (report.xlsx writes the same cells as strings).
pub fn cells(width: usize, r: &Row, taxonomy: &Taxonomy) -> Vec<String> {
    let mut row: Vec<String> = Vec::with_capacity(width + TAGGED_COLUMNS.len());
    for i in 0..width {
        row.push(r.fields.get(i).cloned().unwrap_or_default());
    }
    row.push(Category::of(r.score).as_str().to_string());
    match (r.prepared, r.tagging) {
        (Some(p), Some(t)) => {
            row.push(p.language.code.clone());
            row.push(t.sentiment.as_str().to_string());
            row.push(format!("{:.3}", t.sentiment_score));
            row.push(
                t.themes
                    .iter()
                    .map(|x| taxonomy.themes[x.theme].id.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
            );
            row.push(csvsafe::neutralize_json(&evidence_json(taxonomy, p, t)).into_owned());
            match crate::stats::mismatch::check(r.score, t) {
                Some(m) => {
                    row.push(m.kind.as_str().to_string());
                    row.push(m.reason);
                }
                None => row.extend([String::new(), String::new()]),
            }
            row.push("tagged".into());
        }
        _ => {
            row.extend(["", "", "", "", "[]", "", ""].map(String::from));
            row.push("no_comment".into());
        }
    }
    row
}
