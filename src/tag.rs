//! `npsight tag`: a streaming filter that tags a stream of records, JSON Lines in, JSON Lines
//! out, for a data team's own pipeline (a Spark `mapPartitions` or `pipe`, a Ray `map_batches`,
//! a shell pipe). It holds no statistics and writes no report: `analyze` stays the path to the
//! root-cause report.
//!
//! **In.** One JSON object per line. `comment` (or `text`) is the free text; `score` (0-10, a
//! whole number or a string of one) is optional; `id` (string or number) names the record
//! (default: its line number); `row` (a whole number from 1), when present, is the record's
//! row in the output instead of its line number (a shard of a larger stream keeps the global
//! numbering). Other fields are ignored and not copied (join the output back on
//! `id` or `row`), so nothing else of the record reaches the output. Blank lines are skipped and
//! counted as nothing; a line that is not UTF-8 is a rejected record, not a failed run.
//!
//! **Out.** One line per record, in input order, in the format of `analyze`'s `tagged.jsonl`
//! (`row` is the record's line number; `segments` is empty; without a score the line has no
//! `score` and no `nps_category`), personal data masked unless `--keep-pii`. A record that
//! cannot be read becomes `{"row": N, "status": "rejected", "reason": "..."}` at its place, so
//! every input record has exactly one output line: nothing is lost, and a pipeline can count.
//!
//! **Same tags as `analyze`.** Comments are prepared, classified and serialised by the code
//! `analyze` runs; the file's language prior is measured on the first
//! [`crate::analyze::PRIOR_ROWS`] comments before any output (as `analyze` does), unless
//! `--language` or `--prior` (the whole stream's prior from `tag --measure-prior`, given to
//! each shard) is given. So an export of `id,score,comment` gives, through `tag`, the lines
//! of `analyze`'s `tagged.jsonl` byte for byte (tested). Records are read and written in
//! batches (`--batch`), so memory stays flat whatever the stream's length.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::lexicon::SentimentLexicon;
use crate::output::tagged_jsonl;
use crate::pii::Masking;
use crate::tagger::{prepare_with, Classifier, Prepared, Tagging};
use crate::taxonomy::Taxonomy;
use crate::text::LanguageHint;

/// How a stream is tagged.
#[derive(Debug, Clone)]
pub struct TagConfig {
    /// The language hint of every comment: `Some(hint)` given (`--language`: `Forced`;
    /// `--prior`: the prior measured elsewhere, `Some(None)` for none); `None` to measure the
    /// prior on the stream's first comments, as `analyze` does.
    pub hint: Option<Option<LanguageHint>>,
    pub masking: Masking,
    /// Records per classifier batch (at least 1).
    pub batch: usize,
}

/// What a stream held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagCounts {
    /// Records read (non-blank lines).
    pub records: u64,
    pub tagged: u64,
    /// Records with no comment (empty after normalisation).
    pub no_comment: u64,
    pub rejected: u64,
}

/// One readable record.
struct Record {
    row: u64,
    id: String,
    score: Option<u8>,
    comment: String,
}

/// A line of the stream: a record, or why it is not one.
enum Item {
    Record(Record),
    Rejected { row: u64, reason: String },
}

fn read_item(row: u64, line: &str) -> Item {
    let reject = |reason: String| Item::Rejected { row, reason };
    let v: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return reject(format!("line {row}: not JSON ({e})")),
    };
    let Some(obj) = v.as_object() else {
        return reject(format!("line {row}: not a JSON object"));
    };
    // A sharded stream keeps the global numbering: a record may carry its own row.
    let row = match obj.get("row") {
        None | Some(serde_json::Value::Null) => row,
        Some(serde_json::Value::Number(n)) if n.as_u64().is_some_and(|x| x >= 1) => {
            n.as_u64().expect("checked")
        }
        Some(v) => {
            return reject(format!(
                "line {row}: field row: {v} is not a whole number from 1"
            ))
        }
    };
    // From here on the record is known by that row (in one run, its line).
    let reject = |reason: String| Item::Rejected { row, reason };
    let comment = match obj.get("comment").or_else(|| obj.get("text")) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return reject(format!("line {row}: field comment: not a string")),
    };
    let score = match obj.get("score") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => match n.as_u64().filter(|x| *x <= 10) {
            Some(x) => Some(x as u8),
            None => {
                return reject(format!(
                    "line {row}: field score: {n} is not a whole number from 0 to 10"
                ))
            }
        },
        Some(serde_json::Value::String(s)) => match s.trim().parse::<u8>() {
            Ok(x) if x <= 10 && s.trim().bytes().all(|b| b.is_ascii_digit()) => Some(x),
            _ => {
                return reject(format!(
                    "line {row}: field score: '{s}' is not a whole number from 0 to 10"
                ))
            }
        },
        Some(_) => return reject(format!("line {row}: field score: not a number")),
    };
    let id = match obj.get("id") {
        None | Some(serde_json::Value::Null) => row.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(_) => return reject(format!("line {row}: field id: not a string or number")),
    };
    Item::Record(Record {
        row,
        id,
        score,
        comment,
    })
}

/// The language prior of a stream (see [`crate::analyze::language_prior`]): measured on the
/// comments of its first [`crate::analyze::PRIOR_ROWS`] readable records, which is what `tag`
/// and `analyze` do before tagging. A sharded run measures it once on the stream's start and
/// hands it to every shard (`tag --prior`), so the shards tag as one run would.
pub fn measure_prior(input: impl BufRead) -> Result<Option<&'static str>> {
    let mut comments = Vec::new();
    for (i, line) in input.split(b'\n').enumerate() {
        let line = line.with_context(|| format!("cannot read line {}", i + 1))?;
        let Ok(text) = std::str::from_utf8(&line) else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        if let Item::Record(r) = read_item(i as u64 + 1, text.trim_end_matches('\r')) {
            comments.push(r.comment);
            if comments.len() >= crate::analyze::PRIOR_ROWS {
                break;
            }
        }
    }
    Ok(
        match crate::analyze::language_prior(comments.iter().map(String::as_str)) {
            Some(LanguageHint::Prior(code) | LanguageHint::Forced(code)) => Some(code),
            None => None,
        },
    )
}

#[derive(serde::Serialize)]
struct RejectedLine<'a> {
    row: u64,
    status: &'static str,
    reason: &'a str,
}

fn rejected_line(row: u64, reason: &str) -> String {
    serde_json::to_string(&RejectedLine {
        row,
        status: "rejected",
        reason,
    })
    .expect("a rejected line serialises")
}

/// Tag every record of `input` into `output` (see the module comment); `input` is read once,
/// in order. Errors are I/O errors and classifier failures; bad records are rejected lines.
pub fn tag_stream(
    input: impl BufRead,
    mut output: impl Write,
    cfg: &TagConfig,
    taxonomy: &Taxonomy,
    lexicon: &SentimentLexicon,
    classifier: &dyn Classifier,
) -> Result<TagCounts> {
    let mut counts = TagCounts::default();
    let batch_size = cfg.batch.max(1);
    let mut hint: Option<Option<LanguageHint>> = cfg.hint;
    let mut pending: Vec<Item> = Vec::new();
    let mut lines = input.split(b'\n');
    let mut row = 0u64;
    loop {
        let mut eof = false;
        // The first batch holds the prior's comments when the prior is still to be measured.
        let want = if hint.is_none() {
            crate::analyze::PRIOR_ROWS.max(batch_size)
        } else {
            batch_size
        };
        let mut records = 0usize;
        while records < want {
            match lines.next() {
                None => {
                    eof = true;
                    break;
                }
                Some(line) => {
                    let mut line = line.with_context(|| format!("cannot read line {}", row + 1))?;
                    row += 1;
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    counts.records += 1;
                    let item = match std::str::from_utf8(&line) {
                        Ok(text) => read_item(row, text),
                        Err(e) => Item::Rejected {
                            row,
                            reason: format!("line {row}: not UTF-8 ({e})"),
                        },
                    };
                    if matches!(item, Item::Record(_)) {
                        records += 1;
                    }
                    pending.push(item);
                }
            }
        }
        if hint.is_none() {
            hint = Some(crate::analyze::language_prior(
                pending
                    .iter()
                    .filter_map(|i| match i {
                        Item::Record(r) => Some(r.comment.as_str()),
                        Item::Rejected { .. } => None,
                    })
                    .take(crate::analyze::PRIOR_ROWS),
            ));
        }
        let h = hint.flatten();
        for chunk in pending.chunks(batch_size) {
            write_batch(
                chunk,
                &mut output,
                &mut counts,
                h,
                cfg,
                taxonomy,
                lexicon,
                classifier,
            )?;
        }
        pending.clear();
        if eof {
            break;
        }
    }
    output.flush()?;
    Ok(counts)
}

#[allow(clippy::too_many_arguments)]
fn write_batch(
    items: &[Item],
    output: &mut impl Write,
    counts: &mut TagCounts,
    hint: Option<LanguageHint>,
    cfg: &TagConfig,
    taxonomy: &Taxonomy,
    lexicon: &SentimentLexicon,
    classifier: &dyn Classifier,
) -> Result<()> {
    let prepared: Vec<Option<Prepared>> = items
        .par_iter()
        .map(|i| match i {
            Item::Record(r) => Some(prepare_with(&r.comment, lexicon, hint)),
            Item::Rejected { .. } => None,
        })
        .collect();
    let mut slots: Vec<Option<Prepared>> = Vec::with_capacity(items.len());
    let mut to_classify: Vec<Prepared> = Vec::new();
    let mut commented = Vec::with_capacity(items.len());
    for p in prepared {
        match p {
            Some(p) if !p.text.is_empty() => {
                commented.push(true);
                to_classify.push(p);
                slots.push(None);
            }
            other => {
                commented.push(false);
                slots.push(other);
            }
        }
    }
    let tags = classifier.classify(&to_classify)?;
    anyhow::ensure!(
        tags.len() == to_classify.len(),
        "the classifier returned {} results for {} comments",
        tags.len(),
        to_classify.len()
    );
    let mut classified = to_classify.into_iter().zip(tags);
    for (item, is_commented) in items.iter().zip(commented) {
        let line = match item {
            Item::Rejected { row, reason } => {
                counts.rejected += 1;
                rejected_line(*row, reason)
            }
            Item::Record(r) => {
                let (p, t): (Option<Prepared>, Option<Tagging>) = if is_commented {
                    let (p, t) = classified.next().expect("length checked");
                    counts.tagged += 1;
                    (Some(p), Some(t))
                } else {
                    counts.no_comment += 1;
                    (None, None)
                };
                tagged_jsonl::line(
                    &tagged_jsonl::Row {
                        id: &r.id,
                        row: r.row,
                        score: r.score,
                        segments: &[],
                        prepared: p.as_ref(),
                        tagging: t.as_ref(),
                    },
                    taxonomy,
                    cfg.masking,
                )
            }
        };
        output.write_all(line.as_bytes())?;
        output.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(line: &str) -> String {
        match read_item(3, line) {
            Item::Rejected { reason, .. } => reason,
            Item::Record(_) => panic!("{line} was read"),
        }
    }

    #[test]
    fn records_are_read_by_their_fields_and_bad_ones_say_why() {
        match read_item(1, r#"{"id": 7, "score": "9", "text": "ok", "agent": "x"}"#) {
            Item::Record(r) => {
                assert_eq!(
                    (r.id.as_str(), r.score, r.comment.as_str()),
                    ("7", Some(9), "ok")
                )
            }
            Item::Rejected { reason, .. } => panic!("{reason}"),
        }
        match read_item(4, r#"{"comment": null}"#) {
            Item::Record(r) => assert_eq!(
                (r.id.as_str(), r.score, r.comment.as_str()),
                ("4", None, "")
            ),
            Item::Rejected { reason, .. } => panic!("{reason}"),
        }
        assert!(reason("{oops").starts_with("line 3: not JSON"));
        assert_eq!(reason("[1]"), "line 3: not a JSON object");
        assert!(reason(r#"{"score": 11}"#).contains("score: 11 is not"));
        assert!(reason(r#"{"score": 7.5}"#).contains("score: 7.5 is not"));
        assert!(reason(r#"{"score": "1e1"}"#).contains("'1e1' is not"));
        assert!(reason(r#"{"comment": 5}"#).contains("comment: not a string"));
        assert!(reason(r#"{"id": [1]}"#).contains("id: not a string or number"));
        // A record's own row replaces its line number, in its output and its reasons.
        match read_item(3, r#"{"row": 191, "score": 11}"#) {
            Item::Rejected { row, reason } => {
                assert_eq!(row, 191);
                assert!(reason.starts_with("line 191: field score"), "{reason}");
            }
            Item::Record(_) => panic!("score 11 was read"),
        }
        match read_item(3, r#"{"row": 191, "comment": "x"}"#) {
            Item::Record(r) => assert_eq!((r.row, r.id.as_str()), (191, "191")),
            Item::Rejected { reason, .. } => panic!("{reason}"),
        }
        assert!(reason(r#"{"row": 0}"#).starts_with("line 3: field row: 0 is not"));
    }
}
