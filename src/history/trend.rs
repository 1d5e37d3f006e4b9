//! The trend of the last periods in the history, for the report's "Trend" section and headline.
//!
//! The history's entries and this run's (which replace stored entries of the same period) are
//! put in date order, whatever order the runs were made in, and the last N are shown: NPS, CSAT
//! (% satisfied), CES mean and FCR rate with their 95 % intervals, and the share of comments of
//! the five themes mentioned most over those periods.
//!
//! **This week** is the latest period of this run, not the latest of the history: a late rerun
//! of an older week (a corrected export) is the headline of its own report, and the report says
//! which later periods the history already holds. It is compared with the period before it in
//! the history (NPS difference with Welch's test, as `--previous`; when the calendar period just
//! before is not in the history, the report says so and names the one compared) and with the
//! **running average**: the mean of the NPS of the earlier periods shown, each period weighing
//! the same, as the eye reads the trend line.
//!
//! Entries tagged with another taxonomy (a different fingerprint) keep their NPS and KPIs in the
//! trend, which do not depend on the themes, but not their theme shares, and the report lists
//! them. Periods that overlap (a whole-month run next to its weeks) are listed too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Entry, EntryPeriod};
use crate::compare::ThemeRef;
use crate::input::date::iso_date;
use crate::stats::change::NpsChange;
use crate::stats::kpi::{Mean, Proportion};
use crate::stats::nps::NpsCounts;
use crate::stats::{NpsStat, SMALL_N};

/// Periods shown without `--history-periods`.
pub const DEFAULT_PERIODS: usize = 12;
/// Themes whose share the trend shows.
pub const TOP_THEMES: usize = 5;

/// One period of the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPeriod {
    pub period: EntryPeriod,
    pub nps: NpsStat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_satisfied: Option<Proportion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ces_mean: Option<Mean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fcr_rate: Option<Proportion>,
    /// Share of comments of each of the trend's themes, in its order; None when the period has
    /// no comment, or its entry was tagged with another taxonomy.
    pub theme_shares: Vec<Option<f64>>,
    /// The 95 % Wilson interval of each theme share (mentions of the comments), same order.
    #[serde(default)]
    pub theme_share_ci95: Vec<Option<(f64, f64)>>,
    /// Written by this run.
    pub this_run: bool,
    /// Tagged with another taxonomy than this run's: theme shares not shown.
    pub other_taxonomy: bool,
    /// Fewer than [`SMALL_N`] responses.
    pub small_n: bool,
}

/// The headline period's NPS against the period before it and the running average.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendHeadline {
    pub period: EntryPeriod,
    pub nps: NpsStat,
    /// The period before it in the history, if any.
    pub previous: Option<EntryPeriod>,
    /// NPS change from that period, with its interval and test.
    pub previous_change: Option<NpsChange>,
    /// Said when there is no earlier period, or when the calendar period just before is not
    /// in the history.
    pub previous_missing: Option<String>,
    /// Earlier periods shown that the running average is taken over.
    pub average_periods: usize,
    /// Mean NPS of those periods (each period weighing the same).
    pub average_nps: Option<f64>,
    /// Headline NPS minus the running average, in points.
    pub average_difference: Option<f64>,
    /// Periods of the history after the headline's (when this run reruns an older period).
    pub later: Vec<String>,
}

/// The trend section of the report and summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Periods in the history, this run's included.
    pub periods_in_history: usize,
    /// The last periods, in date order.
    pub periods: Vec<TrendPeriod>,
    /// The themes mentioned most over the periods shown, most first.
    pub themes: Vec<ThemeRef>,
    pub headline: TrendHeadline,
    /// Entries skipped, other taxonomies, overlapping periods.
    pub warnings: Vec<String>,
    /// Each shown period's per-unit counts, in the order of `periods` (empty for this run's
    /// periods, whose units come from the run itself): for the coaching packs' trend. Not in
    /// summary.json.
    #[serde(skip)]
    pub units: Vec<super::Units>,
}

fn counts(s: &NpsStat) -> NpsCounts {
    NpsCounts {
        promoters: s.promoters,
        passives: s.passives,
        detractors: s.detractors,
    }
}

/// The trend of `stored` entries with this `run`'s (which replace those of the same period);
/// `shown` periods at most; `load_warnings` from reading the folder are carried into its
/// warnings. None when the run wrote no entry or the history holds fewer than two periods.
pub fn build(
    stored: Vec<Entry>,
    run: &[Entry],
    shown: usize,
    taxonomy_sha256: &str,
    load_warnings: &[String],
) -> Option<Trend> {
    let mut warnings = load_warnings.to_vec();
    let headline_entry = run
        .iter()
        .max_by(|a, b| (&a.period.from, &a.period.to).cmp(&(&b.period.from, &b.period.to)))?;
    let mut by_key: BTreeMap<String, Entry> = stored
        .into_iter()
        .map(|e| (e.period.key.clone(), e))
        .collect();
    for e in run {
        by_key.insert(e.period.key.clone(), e.clone());
    }
    let mut all: Vec<Entry> = by_key.into_values().collect();
    if all.len() < 2 {
        return None;
    }
    all.sort_by(|a, b| {
        (&a.period.from, &a.period.to, &a.period.key).cmp(&(
            &b.period.from,
            &b.period.to,
            &b.period.key,
        ))
    });
    for w in all.windows(2) {
        if w[1].period.from <= w[0].period.to {
            warnings.push(format!(
                "periods {} and {} overlap: their responses may be counted in both",
                w[0].period.key, w[1].period.key
            ));
        }
    }
    let other: Vec<&str> = all
        .iter()
        .filter(|e| e.taxonomy_sha256 != taxonomy_sha256)
        .map(|e| e.period.key.as_str())
        .collect();
    if !other.is_empty() {
        warnings.push(format!(
            "{} tagged with another taxonomy than this run's: their NPS and KPIs are shown, their theme shares are not",
            other.join(", ")
        ));
    }
    let hi = all
        .iter()
        .position(|e| e.period.key == headline_entry.period.key)
        .expect("the run's entries are in the history");
    let first_shown = all.len().saturating_sub(shown.max(2));
    let window = &all[first_shown..];

    // The themes mentioned most over the periods shown, of this run's taxonomy.
    let mut mentions: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for e in window
        .iter()
        .filter(|e| e.taxonomy_sha256 == taxonomy_sha256)
    {
        for (id, t) in &e.themes {
            let m = mentions.entry(id.as_str()).or_insert((0, t.name.as_str()));
            m.0 += t.mentions;
            // The name of the latest period, should the taxonomy have renamed the theme.
            m.1 = t.name.as_str();
        }
    }
    let mut top: Vec<(&str, u64, &str)> = mentions
        .into_iter()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(id, (n, name))| (id, n, name))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top.truncate(TOP_THEMES);
    let themes: Vec<ThemeRef> = top
        .iter()
        .map(|(id, _, name)| ThemeRef {
            id: id.to_string(),
            name: name.to_string(),
        })
        .collect();

    let run_keys: Vec<&str> = run.iter().map(|e| e.period.key.as_str()).collect();
    let periods = window
        .iter()
        .map(|e| {
            let other = e.taxonomy_sha256 != taxonomy_sha256;
            let kpi = e.kpi.clone().unwrap_or_default();
            TrendPeriod {
                period: e.period.clone(),
                nps: e.nps.clone(),
                csat_satisfied: kpi.csat_satisfied,
                ces_mean: kpi.ces_mean,
                fcr_rate: kpi.fcr_rate,
                theme_shares: themes
                    .iter()
                    .map(|t| {
                        if other {
                            None
                        } else {
                            e.themes
                                .get(&t.id)
                                .map_or((e.comments > 0).then_some(0.0), |x| x.share)
                        }
                    })
                    .collect(),
                theme_share_ci95: themes
                    .iter()
                    .map(|t| {
                        let mentions = e.themes.get(&t.id).map_or(0, |x| x.mentions);
                        (!other)
                            .then(|| crate::stats::kpi::wilson(mentions, e.comments))
                            .flatten()
                    })
                    .collect(),
                this_run: run_keys.contains(&e.period.key.as_str()),
                other_taxonomy: other,
                small_n: e.n < SMALL_N,
            }
        })
        .collect();

    let this = &all[hi];
    let previous = hi.checked_sub(1).map(|i| &all[i]);
    let previous_missing = match previous {
        None => Some("no earlier period in the history".to_string()),
        Some(p) => match (p.period.days(), this.period.days()) {
            (Some((_, prev_to)), Some((from, _))) if prev_to + 1 < from => Some(format!(
                "the history has no entry for {} to {}, just before {}: compared with {}",
                iso_date(prev_to + 1),
                iso_date(from - 1),
                this.period.key,
                p.period.key
            )),
            _ => None,
        },
    };
    let earlier: Vec<f64> = window
        .iter()
        .take_while(|e| e.period.key != this.period.key)
        .filter_map(|e| e.nps.nps)
        .collect();
    let earlier = if hi >= first_shown {
        earlier
    } else {
        Vec::new()
    };
    let average_nps =
        (!earlier.is_empty()).then(|| earlier.iter().sum::<f64>() / earlier.len() as f64);
    let headline = TrendHeadline {
        period: this.period.clone(),
        nps: this.nps.clone(),
        previous: previous.map(|p| p.period.clone()),
        previous_change: previous.map(|p| NpsChange::of(&counts(&p.nps), &counts(&this.nps))),
        previous_missing,
        average_periods: earlier.len(),
        average_difference: average_nps.zip(this.nps.nps).map(|(a, n)| n - a),
        average_nps,
        later: all[hi + 1..].iter().map(|e| e.period.key.clone()).collect(),
    };
    let units = window
        .iter()
        .map(|e| {
            if run_keys.contains(&e.period.key.as_str()) {
                super::Units::new()
            } else {
                e.units.clone()
            }
        })
        .collect();
    Some(Trend {
        periods_in_history: all.len(),
        periods,
        themes,
        headline,
        warnings,
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{ThemeEntry, HISTORY_SCHEMA};

    fn entry(key: &str, from: &str, to: &str, p: u64, d: u64, taxonomy: &str) -> Entry {
        let c = NpsCounts {
            promoters: p,
            passives: 0,
            detractors: d,
        };
        Entry {
            schema_version: HISTORY_SCHEMA,
            period: EntryPeriod {
                key: key.into(),
                from: from.into(),
                to: to.into(),
            },
            n: p + d,
            nps: NpsStat::of(&c),
            kpi: None,
            comments: p + d,
            taxonomy_sha256: taxonomy.into(),
            themes: [(
                "wait_time".to_string(),
                ThemeEntry {
                    name: "Wait time".into(),
                    mentions: d,
                    share: Some(d as f64 / (p + d) as f64),
                },
            )]
            .into_iter()
            .collect(),
            tool_version: "test".into(),
            input_file: "x.csv".into(),
            model_id: "none".into(),
            units: Default::default(),
        }
    }

    #[test]
    fn other_taxonomies_and_overlaps_are_reported_not_mixed() {
        let stored = vec![
            entry("2026-W45", "2026-11-02", "2026-11-08", 3, 1, "old"),
            entry("2026-W44", "2026-10-26", "2026-11-01", 1, 1, "t"),
            // A month run next to its weeks.
            entry(
                "2026-10-26_2026-11-08",
                "2026-10-26",
                "2026-11-08",
                4,
                2,
                "t",
            ),
        ];
        let run = [entry("2026-W46", "2026-11-09", "2026-11-15", 2, 2, "t")];
        let t = build(stored, &run, 12, "t", &["skipped one".to_string()]).unwrap();
        let keys: Vec<&str> = t.periods.iter().map(|p| p.period.key.as_str()).collect();
        assert_eq!(
            keys,
            ["2026-W44", "2026-10-26_2026-11-08", "2026-W45", "2026-W46"],
            "by first day, then last day"
        );
        assert_eq!(t.warnings[0], "skipped one");
        assert!(
            t.warnings.iter().any(|w| w.contains("overlap")),
            "{:?}",
            t.warnings
        );
        assert!(
            t.warnings
                .iter()
                .any(|w| w.starts_with("2026-W45 tagged with another taxonomy")),
            "{:?}",
            t.warnings
        );
        // W45's NPS is shown, its theme share is not.
        assert!(t.periods[2].other_taxonomy);
        assert_eq!(t.periods[2].nps.nps, Some(50.0));
        assert_eq!(t.periods[2].theme_shares, [None]);
        assert_eq!(t.periods[3].theme_shares, [Some(0.5)]);
        // Headline W46 (NPS 0) against W45 (+50) and the mean of 0, +33.3 and +50.
        let h = &t.headline;
        assert_eq!(h.previous.as_ref().unwrap().key, "2026-W45");
        assert_eq!(h.previous_missing, None);
        assert_eq!(h.previous_change.as_ref().unwrap().difference, Some(-50.0));
        assert_eq!(h.average_periods, 3);
        let mean = (0.0 + 100.0 / 3.0 + 50.0) / 3.0;
        assert!((h.average_nps.unwrap() - mean).abs() < 1e-9);
        assert!((h.average_difference.unwrap() + mean).abs() < 1e-9);
    }

    #[test]
    fn one_period_is_no_trend_and_a_run_without_entries_has_no_headline() {
        let run = [entry("2026-W46", "2026-11-09", "2026-11-15", 2, 2, "t")];
        assert!(build(Vec::new(), &run, 12, "t", &[]).is_none());
        let stored = vec![
            run[0].clone(),
            entry("2026-W44", "2026-10-26", "2026-11-01", 1, 1, "t"),
        ];
        assert!(build(stored, &[], 12, "t", &[]).is_none());
    }
}
