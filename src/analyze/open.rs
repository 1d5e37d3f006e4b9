//! The first step of a run: everything that can fail fast does so here, before any row is read.
//! The output folder is locked, a killed run's commit finished and stale temporaries removed;
//! every output exists (as a temporary) before the long work starts; the export is opened and
//! its header resolved; a `--previous` folder is read.

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use super::{AnalyzeConfig, OUTPUT_FILES};
use crate::compare::{self, ComparisonData};
use crate::input::columns::Role;
use crate::input::rows::RowLayout;
use crate::input::{self, Input};
use crate::output::atomic::{recover, remove_stale, AtomicFile, OutputLock};
use crate::pii::Masking;

/// The run's outputs, as temporaries until the transaction at the end.
pub(super) struct Outputs {
    pub tagged: AtomicFile,
    pub jsonl: AtomicFile,
    pub rejected: AtomicFile,
    pub summary: AtomicFile,
    pub md: AtomicFile,
    pub html: AtomicFile,
    /// report.xlsx, with `--xlsx`.
    pub xlsx: Option<AtomicFile>,
}

/// An opened run: the folder held, the outputs created, the export open.
pub(super) struct Run {
    pub out: PathBuf,
    /// Held until the run ends.
    pub _lock: OutputLock,
    pub files: Outputs,
    pub input: Input,
    pub layout: RowLayout,
    /// The export's delimiter, for `raw_record` in rejected.csv.
    pub delimiter: u8,
    pub total_bytes: u64,
    pub previous: Option<ComparisonData>,
    /// `--keep-pii` decided once: what people read is masked through this.
    pub masking: Masking,
}

impl Run {
    pub fn open(cfg: &AnalyzeConfig) -> Result<Run> {
        let out = &cfg.out_dir;
        fs::create_dir_all(out)
            .with_context(|| format!("--out {}: cannot create the output folder", out.display()))?;
        refuse_input_among_outputs(cfg)?;
        // One run at a time on a folder; then finish a killed run's commit, if any, and remove
        // the temporaries of killed runs (only runs that are gone can have left any: see
        // OutputLock).
        let lock = OutputLock::acquire(out)?;
        recover(out)?;
        remove_stale(out);
        remove_stale(&out.join("coaching"));
        // Every output exists (as a temporary) before the long work starts.
        let files = Outputs {
            tagged: AtomicFile::create(&out.join("tagged.csv"))?,
            jsonl: AtomicFile::create(&out.join("tagged.jsonl"))?,
            rejected: AtomicFile::create(&out.join("rejected.csv"))?,
            summary: AtomicFile::create(&out.join("summary.json"))?,
            md: AtomicFile::create(&out.join("report.md"))?,
            html: AtomicFile::create(&out.join("report.html"))?,
            xlsx: if cfg.xlsx {
                Some(AtomicFile::create(&out.join("report.xlsx"))?)
            } else {
                None
            },
        };
        if let Some(dir) = &cfg.history {
            fs::create_dir_all(dir).with_context(|| {
                format!(
                    "--history {}: cannot create the history folder",
                    dir.display()
                )
            })?;
            if fs::canonicalize(dir).ok() == fs::canonicalize(out).ok() {
                bail!(
                    "--history {}: is the --out folder; give the history its own folder (e.g. history/ next to the output folder)",
                    dir.display()
                );
            }
        }
        if cfg.coaching {
            let dir = out.join("coaching");
            fs::create_dir_all(&dir)
                .with_context(|| format!("{}: cannot create the coaching folder", dir.display()))?;
        }

        let total_bytes = fs::metadata(&cfg.input.path).map_or(0, |m| m.len());
        let input = input::open(&cfg.input)?;
        let layout = RowLayout::resolve(
            &cfg.input.path.display().to_string(),
            &input,
            &cfg.columns,
            cfg.segment_columns.as_deref(),
            cfg.by_week,
            cfg.ces_scale,
            cfg.ces_direction,
        )?;
        let delimiter = input.format.delimiter.as_deref().map_or(b',', |d| {
            if d == "tab" {
                b'\t'
            } else {
                d.as_bytes()[0]
            }
        });
        if cfg.by_week && layout.map.get(Role::Date).is_none() {
            bail!(
                "{}: --by-week needs a date column and none was recognised among the headers ({}); name it with --date-column",
                layout.file,
                layout.headers.join(", ")
            );
        }
        // Read the earlier run now, so a wrong folder fails before the long work.
        let previous = cfg.previous.as_deref().map(compare::load).transpose()?;
        Ok(Run {
            out: out.clone(),
            _lock: lock,
            files,
            input,
            layout,
            delimiter,
            total_bytes,
            previous,
            masking: Masking::new(cfg.keep_pii),
        })
    }
}

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
