//! The history folder (`--history DIR`, `history = "DIR"` in npsight.toml): one small JSON entry
//! per period a run covers, so that the report can show the trend of the last weeks
//! ([`trend`]).
//!
//! **Periods.** A run whose dates fall within one ISO week writes that week (`2026-W44.json`,
//! Monday to Sunday); with `--by-week`, each ISO week of the export; otherwise the dates it
//! covers (`2026-10-26_2026-11-22.json`). Rows without a readable date count in the run's period,
//! which comes from the dates there are; a run without any date writes nothing (a warning, the
//! run still succeeds). The file is named after the period's key, so a rerun of the same period
//! replaces its entry (temporary file, then rename) and never duplicates it.
//!
//! **Reading back.** Every `*.json` in the folder is an entry; one that cannot be read (not
//! JSON, a newer schema, a file name that is not its period, numbers that do not add up) is
//! skipped with a warning naming the file, never failing the run. Entries are written after the
//! run's outputs are in place, so a failed run leaves the history as it was.

pub mod trend;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::compare::{ComparisonData, ThemeRef};
use crate::input::date::{iso_week_label, parse, week_start, DateKey};
use crate::output::atomic::AtomicFile;
use crate::stats::change::{PeriodCounts, WeekCounts};
use crate::stats::kpi::{Mean, WeekKpi};
use crate::stats::NpsStat;

pub use trend::{Trend, DEFAULT_PERIODS};

/// The entry format's version; entries with a later one are skipped (written by a newer npsight).
pub const HISTORY_SCHEMA: u32 = 1;

/// The period an entry covers: an ISO week (`2026-W44`, Monday to Sunday) or `FROM_TO` dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPeriod {
    pub key: String,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
}

impl EntryPeriod {
    fn week(w: &WeekCounts) -> EntryPeriod {
        EntryPeriod {
            key: w.week.clone(),
            from: w.start.clone(),
            to: w.end.clone(),
        }
    }

    fn dates(from: &str, to: &str) -> EntryPeriod {
        EntryPeriod {
            key: format!("{from}_{to}"),
            from: from.to_string(),
            to: to.to_string(),
        }
    }

    /// "2026-W44 (2026-10-26 to 2026-11-01)", or the dates alone for a `FROM_TO` period.
    pub fn describe(&self) -> String {
        if self.key == format!("{}_{}", self.from, self.to) {
            format!("{} to {}", self.from, self.to)
        } else {
            format!("{} ({} to {})", self.key, self.from, self.to)
        }
    }

    /// First and last day as days since 1970-01-01; None when either is not an ISO date.
    pub fn days(&self) -> Option<(i64, i64)> {
        let day = |s: &str| match parse(s) {
            Some(DateKey::Day(d)) if s.len() == 10 => Some(d),
            _ => None,
        };
        Some((day(&self.from)?, day(&self.to)?))
    }
}

/// One theme's mentions in a period and their share of the period's comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeEntry {
    pub name: String,
    pub mentions: u64,
    /// Mentions / comments, as a fraction; None when the period has no comment.
    pub share: Option<f64>,
}

/// One period of the history, as stored in `DIR/KEY.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub schema_version: u32,
    pub period: EntryPeriod,
    /// Responses in the period.
    pub n: u64,
    /// NPS with promoters, passives, detractors and the 95 % interval.
    pub nps: NpsStat,
    /// CSAT, CES and FCR with their intervals, when the export has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpi: Option<WeekKpi>,
    /// Responses with a comment: what theme shares are shares of.
    pub comments: u64,
    /// The taxonomy the themes come from: entries of another taxonomy are not mixed silently.
    pub taxonomy_sha256: String,
    /// Theme id -> mentions and share.
    pub themes: BTreeMap<String, ThemeEntry>,
    pub tool_version: String,
    pub input_file: String,
    pub model_id: String,
    /// Per team and per agent (kind -> value -> counts): the units of the coaching packs, for
    /// the trend in each pack. Written by a `--coaching` run that covers one period; empty (and
    /// absent from the file) otherwise, and in entries written before it existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub units: Units,
}

/// Kind ("team" or "agent") -> unit value -> its promoters, passives and detractors.
pub type Units = BTreeMap<String, BTreeMap<String, crate::stats::nps::NpsCounts>>;

impl Entry {
    /// `ces_max`: the run's CES scale (5 or 7), so that a week without a 6 or 7 among its answers
    /// still has its interval clipped to the scale the export uses.
    fn new(period: EntryPeriod, c: &PeriodCounts, data: &ComparisonData, ces_max: u8) -> Entry {
        let comments = c.commented.n();
        let themes = data
            .themes
            .iter()
            .zip(&c.themes)
            .map(|(ThemeRef { id, name }, t)| {
                let mentions = t.mentioners.n();
                (
                    id.clone(),
                    ThemeEntry {
                        name: name.clone(),
                        mentions,
                        share: (comments > 0).then(|| mentions as f64 / comments as f64),
                    },
                )
            })
            .collect();
        Entry {
            schema_version: HISTORY_SCHEMA,
            period,
            n: c.all.n(),
            nps: NpsStat::of(&c.all),
            kpi: (!c.kpi.is_empty()).then(|| {
                let mut k = WeekKpi::of(&c.kpi, None);
                if c.kpi.ces_n() > 0 && (ces_max == 5 || ces_max == 7) {
                    k.ces_mean = Some(Mean::of(&c.kpi.ces[..ces_max as usize], ces_max));
                }
                k
            }),
            comments,
            taxonomy_sha256: data.taxonomy_sha256.clone(),
            themes,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input_file: data.input_file.clone(),
            model_id: data.model_id.clone(),
            units: Units::new(),
        }
    }

    /// The entry's file name in the history folder.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.period.key)
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("a history entry serialises");
        v.push(b'\n');
        v
    }

    /// Why a stored entry cannot be used, if it cannot.
    fn problem(&self, stem: &str) -> Option<String> {
        let p = &self.period;
        if self.schema_version > HISTORY_SCHEMA {
            return Some(format!(
                "schema version {} is newer than this npsight reads ({HISTORY_SCHEMA}); update npsight",
                self.schema_version
            ));
        }
        if p.key != stem {
            return Some(format!(
                "holds period {} but is not named {}.json; rename or remove it",
                p.key, p.key
            ));
        }
        let Some((from, to)) = p.days().filter(|(a, b)| a <= b) else {
            return Some(format!(
                "period from {} to {} is not two dates in order",
                p.from, p.to
            ));
        };
        let week = week_key(from) == p.key && week_start(from) == from && to == from + 6;
        if !week && p.key != format!("{}_{}", p.from, p.to) {
            return Some(format!(
                "period {} is neither the ISO week nor the dates {} to {}",
                p.key, p.from, p.to
            ));
        }
        let s = &self.nps;
        if s.n != self.n || s.promoters + s.passives + s.detractors != self.n {
            return Some(
                "its promoters, passives and detractors do not add up to n; the file was edited or is damaged"
                    .into(),
            );
        }
        None
    }
}

/// The entries a run writes, one per period it covers (see the module comment), or why it
/// writes none.
///
/// `weeks` are the run's ISO weeks (with or without `--by-week`); `by_week` writes each of them,
/// otherwise a run within one week writes that week and a longer one its dates.
pub fn run_entries(
    data: &ComparisonData,
    weeks: &[WeekCounts],
    by_week: bool,
    has_date_column: bool,
    ces_max: u8,
) -> std::result::Result<Vec<Entry>, String> {
    if !has_date_column {
        return Err("the export has no date column, so the run's period is unknown and no history entry was written; name the column with --date-column".into());
    }
    let p = &data.period;
    let (Some(first), Some(last)) = (&p.first_date, &p.last_date) else {
        return Err("no row has a readable date, so the run's period is unknown and no history entry was written".into());
    };
    if by_week {
        return Ok(weeks
            .iter()
            .map(|w| Entry::new(EntryPeriod::week(w), &w.counts, data, ces_max))
            .collect());
    }
    // Undated rows belong to the run's period: the whole run's counts, keyed by its dates.
    let period = match weeks {
        [one] => EntryPeriod::week(one),
        _ => EntryPeriod::dates(first, last),
    };
    Ok(vec![Entry::new(period, &p.counts, data, ces_max)])
}

/// The period key of the ISO week holding `day` (days since 1970-01-01).
pub fn week_key(day: i64) -> String {
    iso_week_label(week_start(day))
}

/// Read every entry of the folder, in no particular order; entries that cannot be read are
/// skipped with a warning naming the file. A missing folder is an empty history.
pub fn load(dir: &Path) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let Ok(read) = std::fs::read_dir(dir) else {
        return (entries, warnings);
    };
    let mut files: Vec<_> = read
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    for path in files {
        let stem = path
            .file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned());
        let read = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Entry>(&t).map_err(|e| e.to_string()));
        match read {
            Ok(e) => match e.problem(&stem) {
                None => entries.push(e),
                Some(why) => warnings.push(format!(
                    "history entry {} skipped: {why}",
                    path.display()
                )),
            },
            Err(why) => warnings.push(format!(
                "history entry {} skipped: not a readable npsight history entry ({why}); remove it or rerun that period",
                path.display()
            )),
        }
    }
    (entries, warnings)
}

/// Write the run's entries into `dir`, each replacing the entry of the same period.
pub fn write(dir: &Path, entries: &[Entry]) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("--history {}: cannot create the folder", dir.display()))?;
    for e in entries {
        let mut f = AtomicFile::create(&dir.join(e.file_name()))?;
        f.write_all(&e.to_json())?;
        f.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_keys_describe_weeks_and_date_ranges() {
        let d = |s: &str| match parse(s) {
            Some(DateKey::Day(d)) => d,
            _ => panic!("{s}"),
        };
        // 2026-10-26 is a Monday, ISO week 44; Sunday 2026-11-01 is in the same week.
        assert_eq!(week_key(d("2026-10-26")), "2026-W44");
        assert_eq!(week_key(d("2026-11-01")), "2026-W44");
        assert_eq!(week_key(d("2026-11-02")), "2026-W45");
        let p = EntryPeriod::dates("2026-10-26", "2026-11-22");
        assert_eq!(p.key, "2026-10-26_2026-11-22");
        assert_eq!(p.describe(), "2026-10-26 to 2026-11-22");
        assert_eq!(p.days(), Some((d("2026-10-26"), d("2026-11-22"))));
    }
}
