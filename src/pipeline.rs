//! The `analyze` run: export in, tagged data, rejects, statistics and reports out.
//!
//! Rows stream through in chunks: each chunk is validated in order (bad rows go to
//! `rejected.csv` with the reason), its accepted rows are cut into batches that rayon tags and
//! counts in parallel, and the results are written and merged back in input order. Memory is
//! bounded by the chunk size, not by the file.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::compare;
use crate::input::columns::{self, ColumnMap, Role};
use crate::input::date::{self, DateKey};
use crate::input::score::{parse_nps, parse_number};
use crate::input::{self, InputConfig, RawRecord};
use crate::lexicon::SentimentLexicon;
use crate::output::atomic::{recover, remove_stale, AtomicFile, OutputLock, Transaction};
use crate::output::coaching::Coaching;
use crate::output::csvsafe::{self, SafeWriter};
use crate::output::summary::{Counts, Fingerprint, InputInfo, Summary, SCHEMA_VERSION};
use crate::output::{report_html, report_md, tagged_jsonl, time};
use crate::progress::Progress;
use crate::stats::{Accumulator, Category, Reservoir, RowFacts};
use crate::tagger::{prepare_with, Classifier, Prepared, Tagging};
use crate::taxonomy::Taxonomy;
use crate::text::LanguageHint;

/// Everything `analyze` needs, validated by the CLI layer.
#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    pub input: InputConfig,
    pub out_dir: PathBuf,
    /// Columns named by flags.
    pub columns: Vec<(Role, String)>,
    /// Segment columns named by `--segment-columns`; detected agent/team/channel/... otherwise.
    pub segment_columns: Option<Vec<String>>,
    pub threads: usize,
    pub quiet: bool,
    pub keep_pii: bool,
    /// Keep rows whose response id repeats an earlier row's instead of rejecting them
    /// (`duplicate_id`); the check is the one part of memory that grows with the row count.
    pub allow_duplicate_ids: bool,
    /// Write coaching packs per team and per agent into `coaching/`.
    pub coaching: bool,
    /// Rows per classifier batch.
    pub batch_size: usize,
    /// Rows read before a parallel round.
    pub chunk_rows: usize,
    /// An earlier run's output folder to compare with (`--previous`).
    pub previous: Option<PathBuf>,
    /// Split the export into ISO weeks by its date column (`--by-week`); rows without a
    /// readable date are then rejected (`bad_date`).
    pub by_week: bool,
    /// `--language`: every comment of a compatible script is read in this language. Without
    /// it, the dominant language of the first comments decides the comments that are unsure
    /// alone (see [`language_prior`]).
    pub language: Option<&'static str>,
    /// `--ces-scale` (5 or 7) and `--ces-direction`; inferred from the CES column when absent
    /// (see [`crate::stats::kpi::CesScale::infer`]).
    pub ces_scale: Option<u8>,
    pub ces_direction: Option<crate::stats::kpi::CesDirection>,
}

impl AnalyzeConfig {
    pub fn new(input: impl Into<PathBuf>, out_dir: impl Into<PathBuf>) -> Self {
        AnalyzeConfig {
            input: InputConfig {
                path: input.into(),
                ..Default::default()
            },
            out_dir: out_dir.into(),
            columns: Vec::new(),
            segment_columns: None,
            threads: 0,
            quiet: true,
            keep_pii: false,
            allow_duplicate_ids: false,
            coaching: false,
            batch_size: 64,
            chunk_rows: 4096,
            previous: None,
            by_week: false,
            language: None,
            ces_scale: None,
            ces_direction: None,
        }
    }
}

/// Set by the Ctrl-C handler (see `cli`): the run stops between chunks, its temporary files are
/// removed, and the previous run's outputs stay as they were.
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

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
pub const REJECTED_COLUMNS: [&str; 6] = [
    "row",
    "line",
    "column",
    "reason_code",
    "reason",
    "raw_record",
];

const DEFAULT_SEGMENTS: [Role; 6] = [
    Role::Agent,
    Role::Team,
    Role::Channel,
    Role::Site,
    Role::Queue,
    Role::Region,
];

/// The result of a run, for the CLI to print.
pub struct Outcome {
    pub summary: Summary,
    pub out_dir: PathBuf,
}

/// A row that passed validation.
struct Accepted {
    record: RawRecord,
    id: String,
    score: u8,
    agent_score: Option<u8>,
    comment: String,
    segments: Vec<(String, String)>,
    /// None without a date column; Some(None) when the date is unreadable.
    date: Option<Option<DateKey>>,
    kpi: crate::stats::kpi::KpiValues,
}

struct Rejected {
    record: RawRecord,
    column: String,
    code: &'static str,
    reason: String,
}

/// One tagged row, ready to write.
struct Done {
    prepared: Option<Prepared>,
    tagging: Option<Tagging>,
}

struct Layout {
    headers: Vec<String>,
    map: ColumnMap,
    segments: Vec<(String, usize)>,
    score_col: usize,
    text_col: usize,
    file: String,
    by_week: bool,
    ces: crate::stats::kpi::CesScale,
}

impl Layout {
    fn header(&self, i: usize) -> &str {
        self.headers.get(i).map_or("", String::as_str)
    }

    fn validate(
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
        let swallowed = input::quotes::continuation_lines(&record.fields);
        let cut = record.fields.iter().map(|f| f.len() as u64).sum::<u64>()
            >= input::quotes::MAX_QUOTED - 1;
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
                        format!("; it was cut at {} MiB and the file read on from there", input::quotes::MAX_QUOTED >> 20)
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
        let mut kpi = crate::stats::kpi::KpiValues::default();
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

fn resolve_layout(
    cfg: &AnalyzeConfig,
    headers: Vec<String>,
    questions: &[String],
    sample: &[Vec<String>],
) -> Result<Layout> {
    let map = columns::detect_with_questions(&headers, questions, &cfg.columns)
        .map_err(|e| anyhow::anyhow!("{}: {e}", cfg.input.path.display()))?;
    let segments = match &cfg.segment_columns {
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
    let ces = crate::stats::kpi::CesScale::infer(
        cfg.ces_scale,
        cfg.ces_direction,
        &map.get(Role::Ces).map_or(String::new(), |i| {
            format!("{} {}", headers[i], questions.get(i).map_or("", |q| q))
        }),
        map.get(Role::Ces).into_iter().flat_map(|i| {
            sample
                .iter()
                .filter_map(move |r| r.get(i).map(String::as_str))
        }),
    );
    Ok(Layout {
        score_col: map
            .get(Role::Score)
            .expect("detect guarantees a score column"),
        text_col: map
            .get(Role::Text)
            .expect("detect guarantees a text column"),
        map,
        segments,
        headers,
        file: cfg.input.path.display().to_string(),
        by_week: cfg.by_week,
        ces,
    })
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

fn evidence_json(taxonomy: &Taxonomy, p: &Prepared, t: &Tagging) -> String {
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

/// Comments the file's language prior is measured on: the first this many accepted rows,
/// whatever the chunk size, so the output does not depend on it.
pub const PRIOR_ROWS: usize = 500;

/// The file's dominant language: the language of at least 60 % of the comments that were
/// confidently detected among `comments` (and at least 20 of them), else none.
pub fn language_prior<'a>(comments: impl Iterator<Item = &'a str>) -> Option<LanguageHint> {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut reliable = 0usize;
    for c in comments {
        let l = crate::text::detect_language(&crate::text::normalize(c));
        if l.reliable {
            reliable += 1;
            if let Some(code) = crate::text::lang::supported(&l.code) {
                *counts.entry(code).or_default() += 1;
            }
        }
    }
    let (code, n) = counts
        .into_iter()
        .max_by_key(|(c, n)| (*n, std::cmp::Reverse(*c)))?;
    (n >= 20 && n * 10 >= reliable * 6).then_some(LanguageHint::Prior(code))
}

/// Tag and count one batch of accepted rows.
fn process_batch(
    batch: &[Accepted],
    lexicon: &SentimentLexicon,
    classifier: &dyn Classifier,
    n_themes: usize,
    hint: Option<LanguageHint>,
) -> Result<(Vec<Done>, Accumulator)> {
    // Comments that are empty after normalisation are not classified; the others are moved,
    // not copied, into the classifier's batch and back out to their rows.
    let prepared: Vec<Prepared> = batch
        .par_iter()
        .map(|a| {
            let _timer = crate::timings::start(crate::timings::Stage::Prepare);
            prepare_with(&a.comment, lexicon, hint)
        })
        .collect();
    let mut has_comment = Vec::with_capacity(batch.len());
    let mut to_classify: Vec<Prepared> = Vec::with_capacity(batch.len());
    for p in prepared {
        has_comment.push(!p.text.is_empty());
        if !p.text.is_empty() {
            to_classify.push(p);
        }
    }
    let tags = classifier.classify(&to_classify)?;
    if tags.len() != to_classify.len() {
        bail!(
            "the classifier returned {} results for {} comments",
            tags.len(),
            to_classify.len()
        );
    }
    let mut classified = to_classify.into_iter().zip(tags);
    let mut acc = Accumulator::new(n_themes);
    let mut done = Vec::with_capacity(batch.len());
    for (a, commented) in batch.iter().zip(has_comment) {
        let (p, tagging) = if commented {
            let (p, t) = classified.next().expect("length checked");
            (Some(p), Some(t))
        } else {
            (None, None)
        };
        acc.add(&RowFacts {
            row: a.record.row,
            id: &a.id,
            score: a.score,
            agent_score: a.agent_score,
            tagging: tagging.as_ref(),
            language: p.as_ref().map(|p| p.language.code.as_str()),
            text: p.as_ref().map(|p| p.text.as_str()),
            segments: &a.segments,
        });
        acc.add_kpi(&a.kpi, &a.segments);
        acc.change.add(a.date, a.score, tagging.as_ref());
        acc.change.add_kpi(a.date, &a.kpi);
        done.push(Done {
            prepared: p,
            tagging,
        });
    }
    Ok((done, acc))
}

fn write_tagged(
    w: &mut SafeWriter<impl std::io::Write>,
    width: usize,
    a: &Accepted,
    d: &Done,
    taxonomy: &Taxonomy,
) -> Result<()> {
    let mut row: Vec<String> = Vec::with_capacity(width + TAGGED_COLUMNS.len());
    for i in 0..width {
        row.push(a.record.fields.get(i).cloned().unwrap_or_default());
    }
    row.push(Category::of(a.score).as_str().to_string());
    match (&d.prepared, &d.tagging) {
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
            match crate::stats::mismatch::check(a.score, t) {
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
    w.write_record(&row)?;
    Ok(())
}

fn write_jsonl(
    w: &mut impl std::io::Write,
    a: &Accepted,
    d: &Done,
    taxonomy: &Taxonomy,
    keep_pii: bool,
) -> Result<()> {
    let row = tagged_jsonl::Row {
        id: &a.id,
        row: a.record.row,
        score: a.score,
        segments: &a.segments,
        prepared: d.prepared.as_ref(),
        tagging: d.tagging.as_ref(),
    };
    writeln!(w, "{}", tagged_jsonl::line(&row, taxonomy, keep_pii))?;
    Ok(())
}

fn write_rejected(
    w: &mut SafeWriter<impl std::io::Write>,
    r: &Rejected,
    delimiter: u8,
) -> Result<()> {
    let mut raw = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    raw.write_record(&r.record.fields)?;
    let raw = String::from_utf8_lossy(&raw.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
        .trim_end_matches('\n')
        .to_string();
    w.write_record([
        r.record.row.to_string(),
        r.record.line.to_string(),
        r.column.clone(),
        r.code.to_string(),
        r.reason.clone(),
        raw,
    ])?;
    Ok(())
}

/// The names a run writes in its output folder.
pub const OUTPUT_FILES: [&str; 6] = [
    "tagged.csv",
    "tagged.jsonl",
    "rejected.csv",
    "summary.json",
    "report.md",
    "report.html",
];

/// Refuse an input that this run would overwrite or remove: one of the outputs' names in the
/// output folder, or (with --coaching) a file in its coaching folder.
fn refuse_input_among_outputs(cfg: &AnalyzeConfig) -> Result<()> {
    let (Ok(input), Ok(out)) = (
        fs::canonicalize(&cfg.input.path),
        fs::canonicalize(&cfg.out_dir),
    ) else {
        return Ok(()); // a missing input is reported when it is opened
    };
    let named = input.parent() == Some(out.as_path())
        && input
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| OUTPUT_FILES.contains(&n));
    let in_coaching = cfg.coaching && input.starts_with(out.join("coaching"));
    if named || in_coaching {
        bail!(
            "{}: the input is inside --out {} where this run writes its outputs{}; copy it elsewhere or choose another --out",
            cfg.input.path.display(),
            cfg.out_dir.display(),
            if named { "" } else { " (the coaching folder)" }
        );
    }
    Ok(())
}

/// Run the analysis. Errors are usage or I/O problems; bad rows are not errors (see counts).
pub fn analyze(
    cfg: &AnalyzeConfig,
    taxonomy: &Taxonomy,
    lexicon: &SentimentLexicon,
    classifier: &dyn Classifier,
) -> Result<Outcome> {
    let out = &cfg.out_dir;
    fs::create_dir_all(out)
        .with_context(|| format!("--out {}: cannot create the output folder", out.display()))?;
    refuse_input_among_outputs(cfg)?;
    // One run at a time on a folder; then finish a killed run's commit, if any, and remove the
    // temporaries of killed runs (only runs that are gone can have left any: see OutputLock).
    let _lock = OutputLock::acquire(out)?;
    recover(out)?;
    remove_stale(out);
    remove_stale(&out.join("coaching"));
    // Every output exists (as a temporary) before the long work starts.
    let mut tagged_file = AtomicFile::create(&out.join("tagged.csv"))?;
    let mut jsonl_file = AtomicFile::create(&out.join("tagged.jsonl"))?;
    let mut rejected_file = AtomicFile::create(&out.join("rejected.csv"))?;
    let mut summary_file = AtomicFile::create(&out.join("summary.json"))?;
    let mut md_file = AtomicFile::create(&out.join("report.md"))?;
    let mut html_file = AtomicFile::create(&out.join("report.html"))?;
    if cfg.coaching {
        let dir = out.join("coaching");
        fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create the coaching folder", dir.display()))?;
    }

    let total_bytes = fs::metadata(&cfg.input.path).map_or(0, |m| m.len());
    let opened = input::open(&cfg.input)?;
    let layout = resolve_layout(
        cfg,
        opened.headers.clone(),
        &opened.questions,
        &opened.sample,
    )?;
    let delimiter = opened.format.delimiter.as_deref().map_or(b',', |d| {
        if d == "tab" {
            b'\t'
        } else {
            d.as_bytes()[0]
        }
    });
    let width = layout.headers.len();
    let n_themes = taxonomy.themes.len();
    if cfg.by_week && layout.map.get(Role::Date).is_none() {
        bail!(
            "{}: --by-week needs a date column and none was recognised among the headers ({}); name it with --date-column",
            layout.file,
            layout.headers.join(", ")
        );
    }
    // Read the earlier run now, so a wrong folder fails before the long work.
    let previous = cfg.previous.as_deref().map(compare::load).transpose()?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .context("cannot start worker threads")?;
    let mut progress = Progress::new(cfg.quiet, total_bytes);
    let mut acc = Accumulator::new(n_themes);
    let coach_cols: Vec<(String, usize)> = [("team", Role::Team), ("agent", Role::Agent)]
        .into_iter()
        .filter_map(|(kind, role)| layout.map.get(role).map(|i| (kind.to_string(), i)))
        .collect();
    let mut coaching = cfg.coaching.then(|| {
        Coaching::new(
            coach_cols
                .iter()
                .map(|(k, i)| (k.clone(), layout.headers[*i].clone()))
                .collect(),
            n_themes,
        )
    });
    let mut discovery = crate::discover::Discovery::default();
    let mut unreadable = BTreeMap::new();
    let mut rejected_by_reason: BTreeMap<String, u64> = BTreeMap::new();
    let mut ids = SeenIds::default();
    let (mut rows_in, mut n_rejected, mut n_tagged) = (0u64, 0u64, 0u64);
    {
        let mut tagged = csvsafe::writer(tagged_file.writer());
        let mut header: Vec<String> = layout.headers.clone();
        header.extend(TAGGED_COLUMNS.iter().map(|s| s.to_string()));
        tagged.write_record(&header)?;
        let mut rejected = csvsafe::writer(rejected_file.writer());
        rejected.write_record(REJECTED_COLUMNS)?;

        let mut records = opened.records;
        let mut hint: Option<LanguageHint> = None;
        let mut hint_measured = false;
        loop {
            let mut accepted = Vec::with_capacity(cfg.chunk_rows);
            let mut last_byte = 0;
            let read_timer = crate::timings::start(crate::timings::Stage::Read);
            for rec in records.by_ref() {
                rows_in += 1;
                let rec = match rec {
                    Ok(r) => r,
                    Err(e) => {
                        let r = Rejected {
                            record: RawRecord {
                                row: rows_in,
                                line: 0,
                                byte: 0,
                                fields: Vec::new(),
                                quote_broken: false,
                            },
                            column: String::new(),
                            code: "unreadable_record",
                            reason: e.to_string(),
                        };
                        n_rejected += 1;
                        *rejected_by_reason.entry(r.code.to_string()).or_default() += 1;
                        write_rejected(&mut rejected, &r, delimiter)?;
                        continue;
                    }
                };
                last_byte = rec.byte;
                match layout.validate(rec, &mut unreadable).and_then(|a| {
                    if cfg.allow_duplicate_ids {
                        Ok(a)
                    } else {
                        ids.check(a, &layout)
                    }
                }) {
                    Ok(a) => accepted.push(a),
                    Err(r) => {
                        n_rejected += 1;
                        *rejected_by_reason.entry(r.code.to_string()).or_default() += 1;
                        write_rejected(&mut rejected, &r, delimiter)?;
                    }
                }
                // The first chunk holds at least PRIOR_ROWS rows: the language prior is
                // measured on them, the same rows whatever the chunk size.
                if accepted.len() >= cfg.chunk_rows
                    && (hint_measured || accepted.len() >= PRIOR_ROWS)
                {
                    break;
                }
            }
            drop(read_timer);
            if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
                bail!("interrupted: no output was replaced");
            }
            if accepted.is_empty() {
                break;
            }
            if !hint_measured {
                hint_measured = true;
                hint = match cfg.language {
                    Some(code) => Some(LanguageHint::Forced(code)),
                    None => {
                        language_prior(accepted.iter().take(PRIOR_ROWS).map(|a| a.comment.as_str()))
                    }
                };
            }
            let classify_timer = crate::timings::start(crate::timings::Stage::Classify);
            let results: Vec<Result<(Vec<Done>, Accumulator)>> = pool.install(|| {
                accepted
                    .par_chunks(cfg.batch_size.max(1))
                    .map(|b| process_batch(b, lexicon, classifier, n_themes, hint))
                    .collect()
            });
            drop(classify_timer);
            let _write_timer = crate::timings::start(crate::timings::Stage::Write);
            let mut accepted_iter = accepted.iter();
            for r in results {
                let (done, batch_acc) = r?;
                for d in &done {
                    let a = accepted_iter.next().expect("one result per row");
                    write_tagged(&mut tagged, width, a, d, taxonomy)?;
                    write_jsonl(jsonl_file.writer(), a, d, taxonomy, cfg.keep_pii)?;
                    if let (Some(p), Some(t)) = (&d.prepared, &d.tagging) {
                        if crate::discover::is_candidate(t) {
                            // Masked before clustering: the suggested themes' terms are shown
                            // in report.html and summary.json, and must not hold parts of an
                            // e-mail address or a name.
                            let text = if cfg.keep_pii {
                                p.text.clone()
                            } else {
                                crate::pii::mask(&p.text)
                            };
                            discovery.add(
                                &text,
                                a.score,
                                &p.language.code,
                                matches!(
                                    t.sentiment,
                                    crate::tagger::Sentiment::Negative
                                        | crate::tagger::Sentiment::Mixed
                                ),
                                t.embedding.as_deref(),
                            );
                        }
                    }
                    if let Some(c) = coaching.as_mut() {
                        let values: Vec<&str> = coach_cols
                            .iter()
                            .map(|(_, i)| a.record.fields.get(*i).map_or("", |v| v.trim()))
                            .collect();
                        c.add(
                            a.record.row,
                            a.score,
                            &values,
                            d.prepared.as_ref(),
                            d.tagging.as_ref(),
                        );
                    }
                    n_tagged += 1;
                }
                acc.merge(&batch_acc);
            }
            progress.update(rows_in, last_byte);
        }
        tagged.flush()?;
        rejected.flush()?;
    }
    progress.finish();
    // Hashed while read: standard input and FIFOs are read once; a file that shrank while it
    // was read fails the run here, before any output replaces the previous ones.
    let (input_sha256, _) = opened.digest.finish(&layout.file)?;

    let statistics_timer = crate::timings::start(crate::timings::Stage::Statistics);
    let mut statistics = acc.finish(taxonomy);
    acc.finish_kpis(&layout.ces, &mut statistics);
    let input_file = cfg
        .input
        .path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let (period, weeks) = acc.change.finish(cfg.by_week);
    let comparison_data =
        compare::ComparisonData::new(taxonomy, &input_file, &classifier.model_id(), period, weeks);
    let change = previous
        .as_ref()
        .map(|prev| compare::between_runs(prev, &comparison_data, ("previous run", "this run")));
    let weeks = cfg.by_week.then(|| {
        let col = layout.map.get(Role::Date).map_or("", |i| layout.header(i));
        compare::weeks_report(&comparison_data, col)
    });
    let mut verbatims: Vec<Reservoir> = acc.verbatims.clone();
    if !cfg.keep_pii {
        mask_verbatims(&mut verbatims);
        for e in &mut statistics.mismatch_examples {
            e.text = crate::pii::mask(&e.text);
        }
    }
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        fingerprint: Fingerprint {
            tool: "npsight".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            input_file: cfg
                .input
                .path
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            input_sha256,
            taxonomy_sha256: taxonomy.sha256.clone(),
            model_id: classifier.model_id(),
            generated_at: time::now_iso(),
        },
        input: InputInfo {
            format: crate::output::summary::InputFormatInfo {
                encoding_fallback: opened.decoding.get(),
                ..(&opened.format).into()
            },
            headers: layout.headers.clone(),
            columns: layout
                .map
                .found
                .iter()
                .map(|(r, i)| (r.name().to_string(), layout.headers[*i].clone()))
                .collect(),
            segment_columns: layout.segments.iter().map(|(n, _)| n.clone()).collect(),
            segment_candidates: if layout.segments.is_empty() {
                columns::segment_candidates(&layout.headers, &layout.map, &opened.sample)
            } else {
                Vec::new()
            },
        },
        counts: Counts {
            rows_in,
            tagged: n_tagged,
            rejected: n_rejected,
            commented: statistics.commented.n,
            no_comment: n_tagged - statistics.commented.n,
            rejected_by_reason,
            unreadable_optional_fields: unreadable,
            windowed_texts: classifier.windowed_texts(),
        },
        pii_masked: !cfg.keep_pii,
        statistics,
        comparison_data: Some(comparison_data),
        change,
        weeks,
        discovered_themes: discovery.finish(|t| {
            if cfg.keep_pii {
                t.to_string()
            } else {
                crate::pii::mask(t)
            }
        }),
    };
    debug_assert_eq!(
        summary.counts.rows_in,
        summary.counts.tagged + summary.counts.rejected
    );
    drop(statistics_timer);
    let _report_timer = crate::timings::start(crate::timings::Stage::Report);
    let report = report_md::ReportInput {
        summary: &summary,
        taxonomy,
        verbatims: &verbatims,
    };
    md_file.write_all(report_md::render(&report).as_bytes())?;
    let st = &summary.statistics;
    let extras = report_html::HtmlExtras {
        heatmaps: report_html::heatmaps(&acc, taxonomy),
        discovered: summary.discovered_themes.clone(),
        drivers: st.drivers.as_ref().map(report_html::driver_bars),
        mismatches: report_html::mismatch_verbatims(&st.mismatch_examples),
        previous: summary.change.as_ref().map(|c| report_html::PreviousRun {
            label: format!("since {}", c.before_label),
            nps_change: c.nps.difference,
            low: c.nps.ci95_low,
            high: c.nps.ci95_high,
        }),
    };
    html_file.write_all(report_html::render_with(&report, &extras).as_bytes())?;
    summary_file.write_all(&summary.to_json())?;
    // Every output, coaching packs included, is written in full before any replaces the
    // previous run's: all of them or none (see output::atomic).
    let mut tx = Transaction::new(out);
    for f in [
        tagged_file,
        jsonl_file,
        rejected_file,
        md_file,
        html_file,
        summary_file,
    ] {
        tx.add(f)?;
    }
    if let Some(c) = &coaching {
        c.write(
            &out.join("coaching"),
            &mut tx,
            taxonomy,
            &summary.fingerprint.input_file,
            cfg.keep_pii,
        )?;
    }
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        bail!("interrupted: no output was replaced");
    }
    tx.commit()?;
    Ok(Outcome {
        summary,
        out_dir: out.clone(),
    })
}

/// Response ids seen so far. A row whose id was already seen is rejected (`duplicate_id`): an
/// export that repeats a response (overlapping weekly exports pasted together, a re-sent
/// survey) would otherwise count it twice in the NPS, and the later row stays visible in
/// `rejected.csv`. Only a 64-bit hash of each id is kept: 16 bytes per row is the one part of
/// memory that grows with the file (16 MB per million rows); a false match needs a 64-bit hash
/// collision (about 1 in 3·10⁷ for a million ids).
#[derive(Default)]
struct SeenIds(std::collections::HashSet<u64>);

impl SeenIds {
    fn check(&mut self, a: Accepted, layout: &Layout) -> Result<Accepted, Rejected> {
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

fn mask_verbatims(reservoirs: &mut [Reservoir]) {
    for r in reservoirs {
        for v in r.negative.iter_mut().chain(r.positive.iter_mut()) {
            let (text, spans) = crate::pii::mask_with_spans(&v.text, &v.spans);
            v.text = text;
            v.spans = spans;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_prior_is_the_dominant_confident_language() {
        let mut comments: Vec<&str> =
            vec!["The engineer was very helpful and polite, thank you"; 25];
        comments.extend([
            "STOP",
            "Excellent service",
            "Der Techniker war sehr nett und hat alles erklärt",
        ]);
        assert_eq!(
            language_prior(comments.iter().copied()),
            Some(LanguageHint::Prior("en"))
        );
        // Too few confident comments, or no majority: no prior.
        assert_eq!(language_prior(["ok", "STOP"].into_iter()), None);
        let mut mixed: Vec<&str> = vec!["The engineer was very helpful and polite, thank you"; 20];
        mixed.extend(vec![
            "Der Techniker war sehr nett und hat mir alles erklärt";
            20
        ]);
        assert_eq!(language_prior(mixed.iter().copied()), None);
    }
}
