//! `summary.json`: everything a later run or another tool needs, with a schema version.
//! The schema is documented field by field in the README ("summary.json").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::input::InputFormat;
use crate::stats::Statistics;

/// 2: adds `comparison_data` (always), `change` (with --previous) and `weeks` (with --by-week).
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fingerprint {
    pub tool: String,
    pub tool_version: String,
    pub input_file: String,
    pub input_sha256: String,
    pub taxonomy_sha256: String,
    pub model_id: String,
    /// UTC time of the run (SOURCE_DATE_EPOCH when set); the only field that differs between
    /// two runs on the same input.
    pub generated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Counts {
    pub rows_in: u64,
    pub tagged: u64,
    pub rejected: u64,
    pub commented: u64,
    pub no_comment: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// Fields of optional score columns (agent score, CSAT, CES, FCR) that could not be read
    /// and were left empty; the row itself is kept.
    pub unreadable_optional_fields: BTreeMap<String, u64>,
    /// Comments or clauses longer than the encoder's 512-token window, embedded as several
    /// windows and combined; never truncated.
    #[serde(default)]
    pub windowed_texts: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputInfo {
    pub format: InputFormatInfo,
    pub headers: Vec<String>,
    /// Role (score, text, agent, ...) -> header.
    pub columns: BTreeMap<String, String>,
    pub segment_columns: Vec<String>,
    /// When no segment column was recognised: the headers that look like one (short text
    /// values that repeat), for `--segment-columns`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment_candidates: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputFormatInfo {
    pub kind: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    /// The line (CSV) or sheet row (workbook) of the header; 0 in summaries from before it.
    #[serde(default)]
    pub header_line: u64,
    /// Header rows under it that were skipped (question texts, import ids, sub-headers).
    #[serde(default)]
    pub extra_header_rows: u64,
    /// The survey platform recognised from its header rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// A UTF-8 file with bytes that are not UTF-8: read as Windows-1252 from this row on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_fallback: Option<crate::input::EncodingFallback>,
}

impl From<&InputFormat> for InputFormatInfo {
    fn from(f: &InputFormat) -> Self {
        InputFormatInfo {
            kind: f.kind.clone(),
            encoding: f.encoding.clone(),
            delimiter: f.delimiter.clone(),
            sheet: f.sheet.clone(),
            header_line: f.header_line,
            extra_header_rows: f.extra_header_rows,
            platform: f.platform.clone(),
            encoding_fallback: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub schema_version: u32,
    pub fingerprint: Fingerprint,
    pub input: InputInfo,
    pub counts: Counts,
    /// Whether personal data was masked in the outputs meant for people.
    pub pii_masked: bool,
    pub statistics: Statistics,
    /// What a later run needs to compare with this one (see `compare`).
    pub comparison_data: Option<crate::compare::ComparisonData>,
    /// The change since the run given by --previous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<crate::stats::change::Change>,
    /// Week by week, with --by-week.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks: Option<crate::compare::WeeksReport>,
    /// The last periods of the history folder, with --history (when it holds two or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<crate::history::Trend>,
    /// Suggested new themes from the comments no theme matched (see `discover`).
    #[serde(default)]
    pub discovered_themes: Vec<crate::discover::DiscoveredTheme>,
}

impl Summary {
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("summary serialises");
        v.push(b'\n');
        v
    }
}
