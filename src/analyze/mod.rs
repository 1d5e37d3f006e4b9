//! The `analyze` run: export in, tagged data, rejects, statistics and reports out, in three
//! steps. `open` takes the output folder (lock, recovery of a killed run, every output created
//! as a temporary so a bad folder fails in the first second), opens the export and resolves its
//! columns. `chunks` streams the rows through in chunks: each chunk is validated in order
//! ([`crate::input::rows`]; bad rows go to `rejected.csv`), its accepted rows are cut into
//! batches that rayon tags and counts in parallel, and the results are written
//! ([`crate::output`]) and merged back in input order; memory is bounded by the chunk size, not
//! by the file. `finish` turns the merged counts into statistics, builds the report model once
//! ([`crate::report`]), renders every report from it and replaces the previous outputs together.

mod chunks;
mod finish;
mod open;

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::input::columns::Role;
use crate::input::InputConfig;
use crate::lexicon::SentimentLexicon;
use crate::output::summary::Summary;
use crate::tagger::Classifier;
use crate::taxonomy::Taxonomy;

pub use crate::output::rejected_csv::REJECTED_COLUMNS;
pub use crate::output::tagged_csv::TAGGED_COLUMNS;
pub use chunks::{language_prior, PRIOR_ROWS};

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
    /// Distinct values per segment column counted one by one while streaming (see
    /// [`crate::stats::MAX_TRACKED_SEGMENT_VALUES`], the default); the rest go to "other".
    pub segment_cap: usize,
    /// Coaching packs written per team or agent column (see
    /// [`crate::report::coaching::MAX_PACKS`], the default): the units with most responses.
    pub max_packs: usize,
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
    /// Also write report.xlsx (`--xlsx`).
    pub xlsx: bool,
    /// Start tagged.csv and rejected.csv with a UTF-8 byte-order mark (`--excel-csv`), so Excel
    /// on Windows reads them as UTF-8.
    pub excel_csv: bool,
    /// Field separator of tagged.csv and rejected.csv (`--csv-delimiter`; default `,`).
    pub csv_delimiter: u8,
    /// The history folder (`--history`): one entry per period this run covers is written there
    /// and the report shows the trend of its last `history_periods` periods.
    pub history: Option<PathBuf>,
    pub history_periods: usize,
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
            segment_cap: crate::stats::MAX_TRACKED_SEGMENT_VALUES,
            max_packs: crate::report::coaching::MAX_PACKS,
            coaching: false,
            batch_size: 64,
            chunk_rows: 4096,
            previous: None,
            by_week: false,
            language: None,
            ces_scale: None,
            ces_direction: None,
            xlsx: false,
            excel_csv: false,
            csv_delimiter: b',',
            history: None,
            history_periods: crate::history::DEFAULT_PERIODS,
        }
    }
}

/// Set by the Ctrl-C handler (see `cli`): the run stops between chunks, its temporary files are
/// removed, and the previous run's outputs stay as they were.
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// An error when Ctrl-C was pressed: nothing has been replaced yet.
fn check_interrupted() -> Result<()> {
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        bail!("interrupted: no output was replaced");
    }
    Ok(())
}

/// The result of a run, for the CLI to print.
pub struct Outcome {
    pub summary: Summary,
    pub out_dir: PathBuf,
    /// With `--history`: the periods written there, in date order.
    pub history_written: Vec<String>,
    /// With `--history`: entries skipped, no date to key the run by, other taxonomies.
    pub history_warnings: Vec<String>,
}

/// The names a run writes in its output folder.
pub const OUTPUT_FILES: [&str; 7] = [
    "tagged.csv",
    "tagged.jsonl",
    "rejected.csv",
    "summary.json",
    "report.md",
    "report.html",
    "report.xlsx",
];

/// Run the analysis. Errors are usage or I/O problems; bad rows are not errors (see counts).
pub fn analyze(
    cfg: &AnalyzeConfig,
    taxonomy: &Taxonomy,
    lexicon: &SentimentLexicon,
    classifier: &dyn Classifier,
) -> Result<Outcome> {
    let mut run = open::Run::open(cfg)?;
    let tagged = chunks::tag_all(&mut run, cfg, taxonomy, lexicon, classifier)?;
    finish::finish(run, tagged, cfg, taxonomy, classifier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::LanguageHint;

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
