//! Row validation: a raw record of the export becomes an [`Accepted`] row (score parsed, segment
//! values and optional fields read, CSAT/CES/FCR answers checked) or a [`Rejected`] one with the column, a reason code and a
//! sentence naming the file, row and line, for `rejected.csv`. The run carries on either way.
//! [`RowLayout`] is the header resolved once into the columns each role reads; [`SeenIds`]
//! rejects a response id that repeats an earlier row's.

use std::collections::BTreeMap;

use anyhow::Result;

use super::columns::{self, ColumnMap, Role};
use super::date::{self, DateKey};
use super::score::{parse_nps, parse_number};
use super::{Input, RawRecord};
use crate::stats::kpi::{CesDirection, CesScale, KpiValues};

/// Segment columns when none are named: the detected ones of these roles, in this order.
pub const DEFAULT_SEGMENTS: [Role; 6] = [
    Role::Agent,
    Role::Team,
    Role::Channel,
    Role::Site,
    Role::Queue,
    Role::Region,
];

/// A row that passed validation.
pub struct Accepted {
    pub record: RawRecord,
    pub id: String,
    pub score: u8,
    pub agent_score: Option<u8>,
    pub comment: String,
    pub segments: Vec<(String, String)>,
    /// None without a date column; Some(None) when the date is unreadable.
    pub date: Option<Option<DateKey>>,
    /// The row's CSAT, CES and FCR answers (those it has).
    pub kpi: KpiValues,
}

/// A row left out, with what `rejected.csv` says about it.
pub struct Rejected {
    pub record: RawRecord,
    pub column: String,
    pub code: &'static str,
    pub reason: String,
}

/// The export's header resolved once: which column each role reads.
pub struct RowLayout {
    pub headers: Vec<String>,
    pub map: ColumnMap,
    /// Segment columns: (header, index).
    pub segments: Vec<(String, usize)>,
    pub score_col: usize,
    pub text_col: usize,
    /// The input as messages name it.
    pub file: String,
    /// `--by-week`: a row without a readable date is rejected (`bad_date`).
    pub by_week: bool,
    /// The CES column's scale and direction (given by flags or inferred).
    pub ces: CesScale,
}

impl RowLayout {
    /// Resolve the header of `input` (with its question texts, when the export has a row of
    /// them, and its first data rows): `named` are the columns given by flags,
    /// `segment_columns` those of `--segment-columns` (the detected [`DEFAULT_SEGMENTS`] when
    /// None), `ces_scale` and `ces_direction` the CES flags (inferred from the CES column's
    /// header, question and first values when None).
    pub fn resolve(
        file: &str,
        input: &Input,
        named: &[(Role, String)],
        segment_columns: Option<&[String]>,
        by_week: bool,
        ces_scale: Option<u8>,
        ces_direction: Option<CesDirection>,
    ) -> Result<RowLayout> {
        let (headers, questions, sample) = (input.headers.clone(), &input.questions, &input.sample);
        let map = columns::detect_with_questions(&headers, questions, named)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file))?;
        let segments = match segment_columns {
            Some(names) => names
                .iter()
                .map(|n| {
                    columns::find_named(&headers, n, "--segment-columns")
                        .map(|i| (headers[i].clone(), i))
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => DEFAULT_SEGMENTS
                .iter()
                .filter_map(|r| map.get(*r))
                .map(|i| (headers[i].clone(), i))
                .collect(),
        };
        let ces = CesScale::infer(
            ces_scale,
            ces_direction,
            &map.get(Role::Ces).map_or(String::new(), |i| {
                format!("{} {}", headers[i], questions.get(i).map_or("", |q| q))
            }),
            map.get(Role::Ces).into_iter().flat_map(|i| {
                sample
                    .iter()
                    .filter_map(move |r| r.get(i).map(String::as_str))
            }),
        );
        Ok(RowLayout {
            score_col: map
                .get(Role::Score)
                .expect("detect guarantees a score column"),
            text_col: map
                .get(Role::Text)
                .expect("detect guarantees a text column"),
            map,
            segments,
            headers,
            file: file.to_string(),
            by_week,
            ces,
        })
    }

    pub fn header(&self, i: usize) -> &str {
        self.headers.get(i).map_or("", String::as_str)
    }

    /// Validate one record; `unreadable` counts optional fields that could not be read.
    pub fn validate(
        &self,
        mut record: RawRecord,
        unreadable: &mut BTreeMap<String, u64>,
    ) -> Result<Accepted, Rejected> {
        let width = self.headers.len();
        if record.fields.len() > width {
            if record.fields[width..].iter().all(|f| f.trim().is_empty()) {
                record.fields.truncate(width);
            } else {
                let n = record.fields.len();
                return Err(Rejected {
                    column: String::new(),
                    code: "too_many_fields",
                    reason: format!(
                        "{}: row {} (line {}): {n} fields but the header has {width}; a delimiter inside an unquoted comment?",
                        self.file, record.row, record.line
                    ),
                    record,
                });
            }
        }
        // A broken quote that ran over lines: every line it swallowed is in this record's
        // raw_record, rejected, never merged into a comment (a correctly quoted multi-line
        // comment is not flagged, whatever its lines look like).
        let swallowed = super::quotes::continuation_lines(&record.fields);
        let cut = record.fields.iter().map(|f| f.len() as u64).sum::<u64>()
            >= super::quotes::MAX_QUOTED - 1;
        if record.quote_broken && (swallowed > 0 || cut) {
            let i = record
                .fields
                .iter()
                .position(|f| f.contains(['\n', '\r']))
                .unwrap_or(0);
            let column = self.header(i).to_string();
            return Err(Rejected {
                reason: format!(
                    "{}: row {} (line {}), column '{column}': a quote opened here is not closed where it should be, and the field runs over {swallowed} more line(s) that may be responses of their own (they are in raw_record){}. Fix the quote and run again.",
                    self.file,
                    record.row,
                    record.line,
                    if cut {
                        format!("; it was cut at {} MiB and the file read on from there", super::quotes::MAX_QUOTED >> 20)
                    } else {
                        String::new()
                    }
                ),
                code: "unbalanced_quote",
                column,
                record,
            });
        }
        let field = |i: usize| record.fields.get(i).map_or("", |s| s.as_str());
        let score = match parse_nps(field(self.score_col)) {
            Ok(s) => s,
            Err(problem) => {
                let column = self.header(self.score_col).to_string();
                return Err(Rejected {
                    reason: format!(
                        "{}: row {} (line {}), column '{column}': {problem}",
                        self.file, record.row, record.line
                    ),
                    code: problem.code(),
                    column,
                    record,
                });
            }
        };
        let date = self.map.get(Role::Date).map(|i| date::parse(field(i)));
        if self.by_week && date == Some(None) {
            let column = self
                .header(self.map.get(Role::Date).unwrap_or(0))
                .to_string();
            let v = self.map.get(Role::Date).map_or("", |i| field(i).trim());
            return Err(Rejected {
                reason: format!(
                    "{}: row {} (line {}), column '{column}': {} (--by-week needs a date such as 2026-11-23, 23/11/2026 or 23.11.2026)",
                    self.file,
                    record.row,
                    record.line,
                    if v.is_empty() {
                        "no date".to_string()
                    } else {
                        format!("'{v}' is not a date")
                    }
                ),
                code: "bad_date",
                column,
                record,
            });
        }
        let mut optional = |role: Role| -> Option<String> {
            let i = self.map.get(role)?;
            let v = field(i).trim();
            if v.is_empty() {
                return None;
            }
            let ok = match role {
                Role::AgentScore => parse_nps(v).is_ok(),
                _ => parse_number(v).is_some(),
            };
            if !ok {
                *unreadable.entry(role.name().to_string()).or_default() += 1;
            }
            Some(v.to_string())
        };
        let agent_score = optional(Role::AgentScore).and_then(|v| parse_nps(&v).ok());
        // CSAT, CES, FCR: an impossible answer rejects the row; text that is no answer
        // ("N/A") is counted as unreadable and left empty, the row kept.
        let mut kpi = KpiValues::default();
        for role in [Role::Csat, Role::Ces, Role::Fcr] {
            let Some(i) = self.map.get(role) else {
                continue;
            };
            match crate::stats::kpi::read(role, field(i), self.ces.max) {
                Ok(Some(answer)) => kpi.set(role, answer),
                Ok(None) if field(i).trim().is_empty() => {}
                Ok(None) => *unreadable.entry(role.name().to_string()).or_default() += 1,
                Err(e) => {
                    let column = self.header(i).to_string();
                    return Err(Rejected {
                        reason: format!(
                            "{}: row {} (line {}), column '{column}': {}",
                            self.file, record.row, record.line, e.problem
                        ),
                        code: e.code,
                        column,
                        record,
                    });
                }
            }
        }
        let segments = self
            .segments
            .iter()
            .map(|(name, i)| {
                let v = field(*i).trim();
                (
                    name.clone(),
                    if v.is_empty() {
                        "(blank)".to_string()
                    } else {
                        v.to_string()
                    },
                )
            })
            .collect();
        let comment = field(self.text_col).to_string();
        let id = self
            .map
            .get(Role::Id)
            .map(|i| field(i).trim().to_string())
            .unwrap_or_default();
        Ok(Accepted {
            record,
            id,
            score,
            agent_score,
            comment,
            segments,
            date,
            kpi,
        })
    }
}

/// Response ids seen so far. A row whose id was already seen is rejected (`duplicate_id`): an
/// export that repeats a response (overlapping weekly exports pasted together, a re-sent
/// survey) would otherwise count it twice in the NPS, and the later row stays visible in
/// `rejected.csv`. Only a 64-bit hash of each id is kept: 16 bytes per row is the one part of
/// memory that grows with the file (16 MB per million rows); a false match needs a 64-bit hash
/// collision (about 1 in 3·10⁷ for a million ids).
#[derive(Default)]
pub struct SeenIds(std::collections::HashSet<u64>);

impl SeenIds {
    /// `a`, or its rejection when its id was seen before.
    pub fn check(&mut self, a: Accepted, layout: &RowLayout) -> Result<Accepted, Rejected> {
        use std::hash::{Hash, Hasher};
        if a.id.is_empty() {
            return Ok(a);
        }
        // DefaultHasher::new() has fixed keys: the same ids give the same result every run.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        a.id.hash(&mut h);
        if self.0.insert(h.finish()) {
            return Ok(a);
        }
        let column = layout
            .map
            .get(Role::Id)
            .map_or("", |i| layout.header(i))
            .to_string();
        Err(Rejected {
            reason: format!(
                "{}: row {} (line {}), column '{column}': response id '{}' already appeared in an earlier row; the repeat is left out of the statistics",
                layout.file, a.record.row, a.record.line, a.id
            ),
            code: "duplicate_id",
            column,
            record: a.record,
        })
    }
}
