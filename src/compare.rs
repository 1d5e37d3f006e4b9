//! Week over week: what a run keeps for later comparisons (`comparison_data` in
//! summary.json), reading a previous run's folder (`analyze --previous DIR`,
//! `npsight compare OLD NEW`) and the per-week table of `--by-week`. The statistics themselves
//! are in [`crate::stats::change`].
//!
//! Themes are matched by id, never by position, so a taxonomy that gained, lost or reordered
//! themes still compares; a theme on one side only is listed but not tested (its share on the
//! other side was not measured, which is not the same as zero) and the comparison says so.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::input::date::OrderDecision;
use crate::stats::change::{compare, Change, NpsChange, Period, PeriodCounts, Side, WeekCounts};
use crate::stats::kpi::CesScale;
use crate::stats::kpi_change::KpiChange;
use crate::stats::{NpsStat, SMALL_N};
use crate::taxonomy::Taxonomy;

/// The first summary.json schema version that carries `comparison_data`; later versions are
/// read as long as they keep it (only `schema_version` and `comparison_data` are read).
pub const COMPARISON_SCHEMA: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeRef {
    pub id: String,
    pub name: String,
}

/// Everything a later run needs to compare with this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonData {
    /// The themes the counts are indexed by, in taxonomy order.
    pub themes: Vec<ThemeRef>,
    pub input_file: String,
    pub taxonomy_sha256: String,
    pub model_id: String,
    /// The whole run, with the dates it covers when the export has a date column.
    pub period: Period,
    /// Per ISO week, with `--by-week`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weeks: Vec<WeekCounts>,
    /// How the run read CES (scale and direction), when it had CES answers; absent in summaries
    /// written before KPIs were compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ces_scale: Option<CesScale>,
}

impl ComparisonData {
    pub fn new(
        taxonomy: &Taxonomy,
        input_file: &str,
        model_id: &str,
        period: Period,
        weeks: Vec<WeekCounts>,
    ) -> Self {
        ComparisonData {
            themes: taxonomy
                .themes
                .iter()
                .map(|t| ThemeRef {
                    id: t.id.clone(),
                    name: t.name.clone(),
                })
                .collect(),
            input_file: input_file.to_string(),
            taxonomy_sha256: taxonomy.sha256.clone(),
            model_id: model_id.to_string(),
            period,
            weeks,
            ces_scale: None,
        }
    }

    /// The CSAT, CES and FCR change from `before` to `after` counts, with this run's CES scale
    /// on the `after` side and `before_scale` on the other (see [`crate::stats::kpi_change`]).
    fn kpi_change(
        &self,
        before: &PeriodCounts,
        before_scale: Option<&CesScale>,
        after: &PeriodCounts,
    ) -> Option<KpiChange> {
        crate::stats::kpi_change::between(
            &before.kpi,
            &after.kpi,
            before_scale,
            self.ces_scale.as_ref(),
        )
    }

    fn ids(&self) -> (Vec<String>, Vec<String>) {
        self.themes
            .iter()
            .map(|t| (t.id.clone(), t.name.clone()))
            .unzip()
    }

    /// "in.csv, 2026-11-16 to 2026-11-22, n = 120"
    pub fn describe(&self) -> String {
        let dates = match (&self.period.first_date, &self.period.last_date) {
            (Some(a), Some(b)) => format!(", {a} to {b}"),
            _ => String::new(),
        };
        format!(
            "{}{dates}, n = {}",
            self.input_file,
            self.period.counts.all.n()
        )
    }
}

/// The part of a summary.json that a comparison reads; everything else is ignored, so the
/// rest of the schema may grow without breaking comparisons.
#[derive(Deserialize)]
struct StoredSummary {
    schema_version: u32,
    comparison_data: Option<ComparisonData>,
}

/// The largest count a previous run's summary may hold (2^40, about 10^12 responses): sums of
/// such counts cannot overflow.
pub const MAX_COUNT: u64 = 1 << 40;

/// The path of the first whole number in `v` above [`MAX_COUNT`].
fn too_large(v: &serde_json::Value, path: &str) -> Option<String> {
    match v {
        serde_json::Value::Number(n) => n
            .as_u64()
            .map_or(
                n.as_f64().is_some_and(|f| f.abs() > MAX_COUNT as f64),
                |u| u > MAX_COUNT,
            )
            .then(|| path.to_string()),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| too_large(x, &format!("{path}[{i}]"))),
        serde_json::Value::Object(o) => o
            .iter()
            .find_map(|(k, x)| too_large(x, &format!("{path}.{k}"))),
        _ => None,
    }
}

/// Read `DIR/summary.json` of an earlier run.
pub fn load(dir: &Path) -> Result<ComparisonData> {
    let file = dir.join("summary.json");
    let text = std::fs::read_to_string(&file).with_context(|| {
        format!(
            "{}: cannot read the previous run's summary; give the --out folder of an earlier `npsight analyze`",
            file.display()
        )
    })?;
    let stored: StoredSummary = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a valid npsight summary.json", file.display()))?;
    // Counts near 2^64 would wrap when added up: no export has more than MAX_COUNT rows.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        if let Some(path) = v
            .get("comparison_data")
            .and_then(|c| too_large(c, "comparison_data"))
        {
            bail!(
                "{}: {path} is larger than {MAX_COUNT}, more responses than any export holds; the file was edited or is damaged",
                file.display()
            );
        }
    }
    if stored.schema_version < COMPARISON_SCHEMA {
        bail!(
            "{}: schema version {}, but comparisons need version {COMPARISON_SCHEMA} or later; rerun `npsight analyze` on that export with this version",
            file.display(),
            stored.schema_version
        );
    }
    let Some(data) = stored.comparison_data else {
        bail!(
            "{}: has no comparison_data; rerun `npsight analyze` on that export",
            file.display()
        );
    };
    if data.period.counts.themes.len() != data.themes.len() {
        bail!(
            "{}: comparison_data lists {} themes but counts {}; the file was edited or is damaged",
            file.display(),
            data.themes.len(),
            data.period.counts.themes.len()
        );
    }
    Ok(data)
}

fn side<'a>(label: &'a str, ids: &'a (Vec<String>, Vec<String>), c: &'a PeriodCounts) -> Side<'a> {
    Side {
        label,
        theme_ids: &ids.0,
        theme_names: &ids.1,
        counts: c,
    }
}

/// Compare two runs: NPS, attribution and theme shifts from `old` to `new`.
pub fn between_runs(old: &ComparisonData, new: &ComparisonData, labels: (&str, &str)) -> Change {
    let (io, inew) = (old.ids(), new.ids());
    let before = side(labels.0, &io, &old.period.counts);
    let after = side(labels.1, &inew, &new.period.counts);
    let mut ch = compare(&before, &after, &before);
    ch.kpi = new.kpi_change(
        &old.period.counts,
        old.ces_scale.as_ref(),
        &new.period.counts,
    );
    ch.before_detail = old.describe();
    ch.after_detail = new.describe();
    if old.taxonomy_sha256 != new.taxonomy_sha256 {
        ch.warnings.push(
            "the two runs used different taxonomies: a theme's change may come from the taxonomy, not the customers".into(),
        );
    }
    if old.model_id != new.model_id {
        ch.warnings.push(format!(
            "the two runs used different models ({} and {}): theme shares may move because the tagging changed",
            old.model_id, new.model_id
        ));
    }
    let p = (&old.period, &new.period);
    if let (Some(old_first), Some(old_last), Some(new_first), Some(new_last)) = (
        &p.0.first_date,
        &p.0.last_date,
        &p.1.first_date,
        &p.1.last_date,
    ) {
        if new_first <= old_last && old_first <= new_last {
            ch.warnings.push(format!(
                "the periods overlap ({} ends {old_last}, {} starts {new_first}): responses in both are not independent",
                labels.0, labels.1
            ));
        }
    }
    ch
}

/// One week of the `--by-week` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekRow {
    pub week: String,
    pub start: String,
    pub end: String,
    pub nps: NpsStat,
    pub comments: u64,
    pub small_n: bool,
    /// NPS change from the week before in the table (not necessarily the calendar week before
    /// when a week has no response), with its two-sided p-value.
    pub change_points: Option<f64>,
    pub change_p_value: Option<f64>,
    /// Mentions per theme id, themes with at least one mention, most mentioned first.
    pub theme_mentions: Vec<(String, u64)>,
    /// CSAT, CES and FCR of the week and their change from the week before in the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpi: Option<crate::stats::kpi::WeekKpi>,
}

/// `--by-week` output: the weeks, and the last week against the week before it (themes
/// against all earlier weeks pooled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeksReport {
    pub date_column: String,
    pub date_order: Option<OrderDecision>,
    pub weeks: Vec<WeekRow>,
    pub last_change: Option<Change>,
}

pub fn weeks_report(data: &ComparisonData, date_column: &str) -> WeeksReport {
    let ids = data.ids();
    let mut rows = Vec::new();
    let mut prev: Option<&PeriodCounts> = None;
    for w in &data.weeks {
        let c = &w.counts;
        let change = prev.map(|p| NpsChange::of(&p.all, &c.all));
        let mut mentions: Vec<(String, u64)> = ids
            .0
            .iter()
            .zip(&c.themes)
            .map(|(id, t)| (id.clone(), t.mentioners.n()))
            .filter(|x| x.1 > 0)
            .collect();
        mentions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        rows.push(WeekRow {
            week: w.week.clone(),
            start: w.start.clone(),
            end: w.end.clone(),
            nps: NpsStat::of(&c.all),
            comments: c.commented.n(),
            small_n: c.all.n() < SMALL_N,
            change_points: change.as_ref().and_then(|x| x.difference),
            change_p_value: change.as_ref().and_then(|x| x.p_value),
            theme_mentions: mentions,
            kpi: (!c.kpi.is_empty())
                .then(|| crate::stats::kpi::WeekKpi::of(&c.kpi, prev.map(|p| &p.kpi))),
        });
        prev = Some(c);
    }
    let last_change = match data.weeks.as_slice() {
        [earlier @ .., before, after] => {
            let mut history = PeriodCounts::new(ids.0.len());
            for w in earlier.iter().chain([before]) {
                history.merge(&w.counts);
            }
            let history_label = if earlier.is_empty() {
                before.week.clone()
            } else {
                format!("{} to {}", data.weeks[0].week, before.week)
            };
            let mut ch = compare(
                &side(&before.week, &ids, &before.counts),
                &side(&after.week, &ids, &after.counts),
                &side(&history_label, &ids, &history),
            );
            let detail = |w: &WeekCounts| {
                format!(
                    "{}: {} to {}, n = {}",
                    w.week,
                    w.start,
                    w.end,
                    w.counts.all.n()
                )
            };
            ch.before_detail = detail(before);
            ch.after_detail = detail(after);
            ch.kpi = data.kpi_change(&before.counts, data.ces_scale.as_ref(), &after.counts);
            Some(ch)
        }
        _ => None,
    };
    WeeksReport {
        date_column: date_column.to_string(),
        date_order: data.period.date_order,
        weeks: rows,
        last_change,
    }
}
