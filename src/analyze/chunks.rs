//! The second step of a run: the rows. Chunks of records are validated in input order (bad
//! rows go to `rejected.csv` at once), the accepted rows of a chunk are tagged and counted in
//! parallel batches ([`process_batch`]), and each row is then written to `tagged.csv` and
//! `tagged.jsonl` and offered to theme discovery and the coaching packs in input order, while the
//! batches' statistics merge. The file's language prior is measured on its first rows.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use super::open::Run;
use super::{check_interrupted, AnalyzeConfig};
use crate::discover::Discovery;
use crate::input::columns::Role;
use crate::input::rows::{Accepted, Rejected, SeenIds};
use crate::input::RawRecord;
use crate::lexicon::SentimentLexicon;
use crate::output::{csvsafe, rejected_csv, tagged_csv, tagged_jsonl};
use crate::progress::Progress;
use crate::report::responses::ResponseLog;
use crate::report::CoachingCollector;
use crate::stats::{Accumulator, RowFacts};
use crate::tagger::{prepare_with, Classifier, Prepared, Tagging};
use crate::taxonomy::Taxonomy;
use crate::text::LanguageHint;

/// One tagged row, ready to write; both None for a row without a comment.
struct Done {
    prepared: Option<Prepared>,
    tagging: Option<Tagging>,
}

/// What the rows leave for the end of the run.
pub(super) struct Tagged {
    pub acc: Accumulator,
    pub coaching: Option<CoachingCollector>,
    pub discovery: Discovery,
    /// The per-response facts of report.html's filters (see `report::responses`).
    pub responses: ResponseLog,
    /// Optional fields (agent score, CSAT...) that could not be read, by role.
    pub unreadable: BTreeMap<String, u64>,
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub rows_in: u64,
    pub rejected: u64,
    pub tagged: u64,
    /// report.xlsx's sheets, with `--xlsx`.
    pub xlsx: Option<crate::output::xlsx::Xlsx>,
}

impl Tagged {
    fn reject(
        &mut self,
        w: &mut csvsafe::SafeWriter<impl std::io::Write>,
        r: &Rejected,
        delimiter: u8,
    ) -> Result<()> {
        self.rejected += 1;
        *self
            .rejected_by_reason
            .entry(r.code.to_string())
            .or_default() += 1;
        rejected_csv::write_row(w, r, delimiter)
    }
}

/// Read, validate, tag, count and write every row of the opened export.
pub(super) fn tag_all(
    run: &mut Run,
    cfg: &AnalyzeConfig,
    taxonomy: &Taxonomy,
    lexicon: &SentimentLexicon,
    classifier: &dyn Classifier,
) -> Result<Tagged> {
    let n_themes = taxonomy.themes.len();
    let layout = &run.layout;
    let width = layout.headers.len();
    let masking = run.masking;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .context("cannot start worker threads")?;
    let mut progress = Progress::new(cfg.quiet, run.total_bytes);
    let coach_cols: Vec<(String, usize)> = [("team", Role::Team), ("agent", Role::Agent)]
        .into_iter()
        .filter_map(|(kind, role)| layout.map.get(role).map(|i| (kind.to_string(), i)))
        .collect();
    let mut out = Tagged {
        acc: Accumulator::new(n_themes).with_segment_cap(cfg.segment_cap),
        coaching: cfg.coaching.then(|| {
            CoachingCollector::new(
                coach_cols
                    .iter()
                    .map(|(k, i)| (k.clone(), layout.headers[*i].clone()))
                    .collect(),
                taxonomy.themes.iter().map(|t| t.group).collect(),
            )
            .with_limits(cfg.segment_cap, cfg.max_packs)
        }),
        discovery: Discovery::default(),
        responses: ResponseLog::default(),
        unreadable: BTreeMap::new(),
        rejected_by_reason: BTreeMap::new(),
        rows_in: 0,
        rejected: 0,
        tagged: 0,
        xlsx: None,
    };
    if cfg.excel_csv {
        // A UTF-8 byte-order mark, so Excel on Windows does not read the CSVs as ANSI.
        run.files.tagged.writer().write_all(csvsafe::BOM)?;
        run.files.rejected.writer().write_all(csvsafe::BOM)?;
    }
    let mut ids = SeenIds::default();
    let mut tagged = csvsafe::writer_with(run.files.tagged.writer(), cfg.csv_delimiter);
    let mut header: Vec<String> = layout.headers.clone();
    header.extend(tagged_csv::TAGGED_COLUMNS.iter().map(|s| s.to_string()));
    tagged.write_record(&header)?;
    if run.files.xlsx.is_some() {
        out.xlsx = Some(crate::output::xlsx::Xlsx::new(&header)?);
    }
    let mut rejected = csvsafe::writer_with(run.files.rejected.writer(), cfg.csv_delimiter);
    rejected.write_record(rejected_csv::REJECTED_COLUMNS)?;
    let jsonl = run.files.jsonl.writer();

    let records = &mut run.input.records;
    let mut hint: Option<LanguageHint> = None;
    let mut hint_measured = false;
    loop {
        let mut accepted = Vec::with_capacity(cfg.chunk_rows);
        let mut last_byte = 0;
        let read_timer = crate::timings::start(crate::timings::Stage::Read);
        for rec in records.by_ref() {
            out.rows_in += 1;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let r = Rejected {
                        record: RawRecord {
                            row: out.rows_in,
                            line: 0,
                            byte: 0,
                            fields: Vec::new(),
                            quote_broken: false,
                        },
                        column: String::new(),
                        code: "unreadable_record",
                        reason: e.to_string(),
                    };
                    out.reject(&mut rejected, &r, run.delimiter)?;
                    continue;
                }
            };
            last_byte = rec.byte;
            match layout.validate(rec, &mut out.unreadable).and_then(|a| {
                if cfg.allow_duplicate_ids {
                    Ok(a)
                } else {
                    ids.check(a, layout)
                }
            }) {
                Ok(mut a) => {
                    // Segment values and ids reach every output but tagged.csv (which writes
                    // the record as read): personal data in them is masked once, here.
                    for (_, v) in &mut a.segments {
                        *v = masking.segment(v);
                    }
                    a.id = masking.id(&a.id);
                    accepted.push(a);
                }
                Err(r) => out.reject(&mut rejected, &r, run.delimiter)?,
            }
            // The first chunk holds at least PRIOR_ROWS rows: the language prior is
            // measured on them, the same rows whatever the chunk size.
            if accepted.len() >= cfg.chunk_rows && (hint_measured || accepted.len() >= PRIOR_ROWS) {
                break;
            }
        }
        drop(read_timer);
        check_interrupted()?;
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
                let (prepared, tagging) = (d.prepared.as_ref(), d.tagging.as_ref());
                let row = tagged_csv::Row {
                    fields: &a.record.fields,
                    score: a.score,
                    prepared,
                    tagging,
                };
                let cells = tagged_csv::cells(width, &row, taxonomy);
                tagged.write_record(&cells)?;
                if let Some(x) = out.xlsx.as_mut() {
                    x.add_row(&cells)?;
                }
                let line = tagged_jsonl::Row {
                    id: &a.id,
                    row: a.record.row,
                    score: Some(a.score),
                    segments: &a.segments,
                    prepared,
                    tagging,
                };
                writeln!(jsonl, "{}", tagged_jsonl::line(&line, taxonomy, masking))?;
                out.responses.add(
                    a.score,
                    prepared.map(|p| p.language.code.as_str()),
                    tagging,
                    &a.segments,
                );
                if let (Some(p), Some(t)) = (prepared, tagging) {
                    if crate::discover::is_candidate(t) {
                        // Masked before clustering: the suggested themes' terms are shown in
                        // report.html and summary.json, and must not hold parts of an e-mail
                        // address or a name.
                        out.discovery.add(
                            &masking.text(&p.text),
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
                if let Some(c) = out.coaching.as_mut() {
                    // The team and agent as written, masked like segment values.
                    let values: Vec<String> = coach_cols
                        .iter()
                        .map(|(_, i)| {
                            masking.segment(a.record.fields.get(*i).map_or("", |v| v.trim()))
                        })
                        .collect();
                    let values: Vec<&str> = values.iter().map(String::as_str).collect();
                    c.add(
                        a.record.row,
                        a.score,
                        a.agent_score,
                        &values,
                        prepared,
                        tagging,
                    );
                }
                out.tagged += 1;
            }
            out.acc.merge(&batch_acc);
        }
        progress.update(out.rows_in, last_byte);
    }
    tagged.flush()?;
    rejected.flush()?;
    progress.finish();
    Ok(out)
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
        acc.add_kpi_themes(&a.kpi, tagging.as_ref());
        acc.change.add(a.date, a.score, tagging.as_ref());
        acc.change.add_kpi(a.date, &a.kpi);
        done.push(Done {
            prepared: p,
            tagging,
        });
    }
    Ok((done, acc))
}
