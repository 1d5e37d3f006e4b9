//! Change between two periods: two runs (`--previous`, `npsight compare`) or two weeks
//! (`--by-week`). Everything here works on integer counts that a run writes to `summary.json`
//! (`comparison_data`), so a later run can compare without the earlier export.
//!
//! **Counts.** [`PeriodCounts`] holds, per period: promoters/passives/detractors of all
//! responses, of commented responses, of commented responses without a theme, and per theme
//! the mentioners split by how many themes their comment carries (`by_theme_count[k-1]`).
//! The split makes the fractional attribution below exact and order-free: a response with k
//! themes gives 1/k to each, and the 1/k is applied only when the numbers are reported, so the
//! merged counts are integers and do not depend on batch or thread boundaries.
//!
//! **NPS change.** difference = NPS(after) - NPS(before), with Welch's z-test on the +1/0/-1
//! scores (sample variances, as [`math::nps_difference_test`]): interval = difference ±
//! 1.96·SE, SE = sqrt(s²_a/n_a + s²_b/n_b) in points. Not tested below
//! [`math::MIN_TEST_N`] responses on either side.
//!
//! **Attribution.** Themes overlap, so they cannot be added up as they are. Every response is
//! split into groups that do add up: each theme it mentions gets weight 1/k (k = number of its
//! themes), a comment with no theme goes to "no theme", a response without a comment to "no
//! comment". With w_g the weighted share of responses in group g and R_g the weighted NPS of
//! the group, NPS = Σ w_g·R_g exactly. The change is split symmetrically (the two-factor
//! Shapley value, i.e. the midpoint rule):
//! - volume effect_g = (w'_g - w_g) · ((R_g + R'_g)/2 - (NPS + NPS')/2)
//! - rate effect_g   = ((w_g + w'_g)/2) · (R'_g - R_g)
//!
//! and Σ_g (volume_g + rate_g) = NPS' - NPS exactly: w'R' - wR = (w'-w)·(R+R')/2 +
//! (w+w')/2·(R'-R) term by term, and subtracting the overall midpoint from the volume term
//! subtracts (Σw' - Σw)·c = 0. Subtracting it makes the volume effect mean "the group grew and
//! is better (or worse) than average", not "the group grew". A group absent in one period has
//! no R there; the other period's R is used, so its rate effect is 0 and its volume effect
//! carries its whole term (w'·R' - 0), and the sum still holds (tested below).
//!
//! **Emerging, spiking, quiet.** For each theme, its share of commented responses now against
//! its share in the history (the previous run, or all earlier weeks pooled). Test: the pooled
//! two-proportion z-test when every expected cell of the 2×2 table is at least 5 (Cochran's
//! rule), else Fisher's exact test (hypergeometric tail), both one-sided: P(rise) and P(fall).
//! The p-values are adjusted by Benjamini-Hochberg across themes, rises and falls as two
//! families. A theme is *spiking* when its rise has q < 0.05 and it had at least
//! [`EMERGING_MAX_HISTORY`] mentions in the history; *emerging* when the rise has q < 0.05 from
//! fewer mentions than that (including none); *quiet* when its fall has q < 0.05 and its share
//! now is at most a quarter of its history share; *down* for any other significant fall.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::math::{benjamini_hochberg, erfc, nps_difference_test, MIN_TEST_N};
use super::nps::{Category, NpsCounts, Z95};
use super::NpsStat;
use crate::input::date::{iso_date, iso_week_label, week_start, DateKey, DateOrder, OrderDecision};
use crate::tagger::Tagging;

/// History mentions below which a significant rise is "emerging" rather than "spiking".
pub const EMERGING_MAX_HISTORY: u64 = 5;
/// A significant fall to at most this fraction of the history share is "quiet".
pub const QUIET_FRACTION: f64 = 0.25;
/// False-discovery rate for the theme tests.
pub const FDR: f64 = 0.05;

/// One theme's mentioners in a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThemePeriod {
    pub mentioners: NpsCounts,
    /// `by_theme_count[k-1]`: mentioners whose comment carries k themes in all.
    pub by_theme_count: Vec<NpsCounts>,
}

/// Mergeable counts of one period (see the module comment).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodCounts {
    pub all: NpsCounts,
    pub commented: NpsCounts,
    /// Commented responses with no theme.
    pub no_theme: NpsCounts,
    /// In taxonomy order.
    pub themes: Vec<ThemePeriod>,
    /// CSAT, CES and FCR answers of the period (absent in summaries written before them).
    #[serde(default, skip_serializing_if = "super::kpi::KpiCounts::is_empty")]
    pub kpi: super::kpi::KpiCounts,
}

impl PeriodCounts {
    pub fn new(n_themes: usize) -> Self {
        PeriodCounts {
            themes: vec![ThemePeriod::default(); n_themes],
            ..Default::default()
        }
    }

    pub fn add(&mut self, cat: Category, tagging: Option<&Tagging>) {
        self.all.add(cat);
        let Some(t) = tagging else { return };
        self.commented.add(cat);
        let k = t.themes.len();
        if k == 0 {
            self.no_theme.add(cat);
        }
        for tag in &t.themes {
            let tp = &mut self.themes[tag.theme];
            tp.mentioners.add(cat);
            if tp.by_theme_count.len() < k {
                tp.by_theme_count.resize(k, NpsCounts::default());
            }
            tp.by_theme_count[k - 1].add(cat);
        }
    }

    pub fn merge(&mut self, o: &PeriodCounts) {
        self.all.merge(&o.all);
        self.kpi.merge(&o.kpi);
        self.commented.merge(&o.commented);
        self.no_theme.merge(&o.no_theme);
        if self.themes.len() < o.themes.len() {
            self.themes.resize(o.themes.len(), ThemePeriod::default());
        }
        for (a, b) in self.themes.iter_mut().zip(&o.themes) {
            a.mentioners.merge(&b.mentioners);
            if a.by_theme_count.len() < b.by_theme_count.len() {
                a.by_theme_count
                    .resize(b.by_theme_count.len(), NpsCounts::default());
            }
            for (x, y) in a.by_theme_count.iter_mut().zip(&b.by_theme_count) {
                x.merge(y);
            }
        }
    }

    pub fn no_comment(&self) -> NpsCounts {
        self.all.minus(&self.commented)
    }
}

/// Fractional (weighted) promoter/passive/detractor counts of one attribution group.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Weighted {
    pub promoters: f64,
    pub passives: f64,
    pub detractors: f64,
}

impl Weighted {
    fn of(c: &NpsCounts) -> Self {
        Weighted {
            promoters: c.promoters as f64,
            passives: c.passives as f64,
            detractors: c.detractors as f64,
        }
    }

    /// A theme's share: 1/k of each mentioner whose comment has k themes.
    pub fn of_theme(t: &ThemePeriod) -> Self {
        let mut w = Weighted::default();
        for (i, c) in t.by_theme_count.iter().enumerate() {
            let f = 1.0 / (i + 1) as f64;
            w.promoters += f * c.promoters as f64;
            w.passives += f * c.passives as f64;
            w.detractors += f * c.detractors as f64;
        }
        w
    }

    pub fn n(&self) -> f64 {
        self.promoters + self.passives + self.detractors
    }

    /// Weighted NPS in points; None for an empty group.
    pub fn nps(&self) -> Option<f64> {
        let n = self.n();
        (n > 0.0).then(|| 100.0 * (self.promoters - self.detractors) / n)
    }
}

/// Collects [`PeriodCounts`] for the whole run and per response date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeAccumulator {
    pub total: PeriodCounts,
    /// Per date as parsed (slashed dates still open: the file decides their order at the end).
    #[serde(with = "pairs")]
    pub days: BTreeMap<DateKey, PeriodCounts>,
    /// Rows whose date could not be read (only counted when not rejected, i.e. without --by-week).
    pub undated: u64,
}

impl ChangeAccumulator {
    pub fn new(n_themes: usize) -> Self {
        ChangeAccumulator {
            total: PeriodCounts::new(n_themes),
            ..Default::default()
        }
    }

    /// `date`: None when the export has no date column; Some(None) when the value is unreadable.
    pub fn add(&mut self, date: Option<Option<DateKey>>, score: u8, tagging: Option<&Tagging>) {
        let cat = Category::of(score);
        self.total.add(cat, tagging);
        match date {
            Some(Some(d)) => {
                let n = self.total.themes.len();
                self.days
                    .entry(d)
                    .or_insert_with(|| PeriodCounts::new(n))
                    .add(cat, tagging);
            }
            Some(None) => self.undated += 1,
            None => {}
        }
    }

    /// Count a row's KPI answers in the run and on its date (after [`add`] for the same row).
    ///
    /// [`add`]: ChangeAccumulator::add
    pub fn add_kpi(&mut self, date: Option<Option<DateKey>>, v: &super::kpi::KpiValues) {
        if *v == super::kpi::KpiValues::default() {
            return;
        }
        self.total.kpi.add(v);
        if let Some(Some(d)) = date {
            if let Some(day) = self.days.get_mut(&d) {
                day.kpi.add(v);
            }
        }
    }

    pub fn merge(&mut self, o: &ChangeAccumulator) {
        self.total.merge(&o.total);
        for (k, v) in &o.days {
            match self.days.get_mut(k) {
                Some(m) => m.merge(v),
                None => {
                    self.days.insert(*k, v.clone());
                }
            }
        }
        self.undated += o.undated;
    }

    /// The run's period and, when `by_week`, its ISO weeks (Monday to Sunday) in order.
    pub fn finish(&self, by_week: bool) -> (Period, Vec<WeekCounts>) {
        let decision = DateOrder::decide(self.days.iter().map(|(k, c)| (k, c.all.n())));
        let has_slashed = self
            .days
            .keys()
            .any(|k| matches!(k, DateKey::Slashed { .. }));
        let mut weeks: BTreeMap<i64, PeriodCounts> = BTreeMap::new();
        let (mut first, mut last) = (None::<i64>, None::<i64>);
        let mut dated = 0;
        for (k, c) in &self.days {
            let d = decision.order.resolve(k);
            first = Some(first.map_or(d, |f| f.min(d)));
            last = Some(last.map_or(d, |l| l.max(d)));
            dated += c.all.n();
            if by_week {
                let n = self.total.themes.len();
                weeks
                    .entry(week_start(d))
                    .or_insert_with(|| PeriodCounts::new(n))
                    .merge(c);
            }
        }
        let period = Period {
            first_date: first.map(iso_date),
            last_date: last.map(iso_date),
            dated_rows: dated,
            undated_rows: self.undated,
            date_order: has_slashed.then_some(decision),
            counts: self.total.clone(),
        };
        let weeks = weeks
            .into_iter()
            .map(|(start, counts)| WeekCounts {
                week: iso_week_label(start),
                start: iso_date(start),
                end: iso_date(start + 6),
                counts,
            })
            .collect();
        (period, weeks)
    }
}

/// A run's counts with the dates they cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub dated_rows: u64,
    pub undated_rows: u64,
    /// How slashed dates (`03/04/2026`) were read; absent when there were none.
    pub date_order: Option<OrderDecision>,
    pub counts: PeriodCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekCounts {
    /// ISO week, e.g. "2026-W48".
    pub week: String,
    /// Monday.
    pub start: String,
    /// Sunday.
    pub end: String,
    pub counts: PeriodCounts,
}

/// One side of a comparison: counts with the theme ids they are indexed by.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub label: &'a str,
    pub theme_ids: &'a [String],
    pub theme_names: &'a [String],
    pub counts: &'a PeriodCounts,
}

/// The NPS change and its test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NpsChange {
    pub before: NpsStat,
    pub after: NpsStat,
    /// after - before, in points.
    pub difference: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// Two-sided p-value of Welch's z-test; None below MIN_TEST_N responses on a side.
    pub p_value: Option<f64>,
    pub significant: bool,
}

impl NpsChange {
    pub fn of(before: &NpsCounts, after: &NpsCounts) -> NpsChange {
        let difference = match (before.nps(), after.nps()) {
            (Some(b), Some(a)) => Some(a - b),
            _ => None,
        };
        let test = nps_difference_test(after, before);
        let se = test.map(|_| {
            let sv =
                |c: &NpsCounts| c.variance().unwrap_or(0.0) * c.n() as f64 / (c.n() as f64 - 1.0);
            100.0 * (sv(after) / after.n() as f64 + sv(before) / before.n() as f64).sqrt()
        });
        let p_value = test.map(|t| t.1);
        NpsChange {
            before: NpsStat::of(before),
            after: NpsStat::of(after),
            difference,
            ci95_low: se.zip(difference).map(|(se, d)| d - Z95 * se),
            ci95_high: se.zip(difference).map(|(se, d)| d + Z95 * se),
            p_value,
            significant: p_value.is_some_and(|p| p < 0.05),
        }
    }
}

/// One group's part of the NPS change (see the module comment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Theme id, or "(no theme)" / "(no comment)".
    pub group: String,
    pub name: String,
    /// Weighted share of all responses, as fractions.
    pub share_before: f64,
    pub share_after: f64,
    /// Weighted NPS of the group, points; None when the group is empty in that period.
    pub nps_before: Option<f64>,
    pub nps_after: Option<f64>,
    pub volume_effect: f64,
    pub rate_effect: f64,
    pub total: f64,
}

/// A theme's share of comments now against its history, and what the tests say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeShift {
    pub id: String,
    pub name: String,
    pub mentions_history: u64,
    pub comments_history: u64,
    pub share_history: Option<f64>,
    pub mentions_now: u64,
    pub comments_now: u64,
    pub share_now: Option<f64>,
    /// "z" (pooled two-proportion z-test), "fisher" (exact), or None (not testable).
    pub test: Option<String>,
    pub p_rise: Option<f64>,
    pub q_rise: Option<f64>,
    pub p_fall: Option<f64>,
    pub q_fall: Option<f64>,
    /// emerging, spiking, quiet, down, steady, untested, or not_in_taxonomy (the theme exists
    /// on one side only, so its share cannot be compared).
    pub status: String,
}

/// Everything compared between two periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub before_label: String,
    pub after_label: String,
    pub history_label: String,
    /// What each side is (file, dates, n), when known.
    #[serde(default)]
    pub before_detail: String,
    #[serde(default)]
    pub after_detail: String,
    pub nps: NpsChange,
    /// Groups in order: themes (this side's taxonomy, then themes only before), no theme, no
    /// comment. Their `total`s sum to `nps.difference`.
    pub attribution: Vec<Contribution>,
    pub attribution_sum: Option<f64>,
    pub themes: Vec<ThemeShift>,
    pub emerging: Vec<String>,
    pub spiking: Vec<String>,
    pub quiet: Vec<String>,
    /// Reasons to read the comparison with care (different taxonomies or models, small n).
    pub warnings: Vec<String>,
    /// CSAT, CES and FCR before and after, when either period has them (set by the caller,
    /// which knows the CES scales: see [`crate::compare`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpi: Option<super::kpi_change::KpiChange>,
}

/// Theme ids of both sides: `after`'s order, then ids only in `before`.
fn union_ids<'a>(before: &Side<'a>, after: &Side<'a>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = after
        .theme_ids
        .iter()
        .zip(after.theme_names)
        .map(|(i, n)| (i.clone(), n.clone()))
        .collect();
    for (i, n) in before.theme_ids.iter().zip(before.theme_names) {
        if !after.theme_ids.contains(i) {
            out.push((i.clone(), n.clone()));
        }
    }
    out
}

fn theme_of<'a>(s: &Side<'a>, id: &str) -> Option<&'a ThemePeriod> {
    let i = s.theme_ids.iter().position(|x| x == id)?;
    s.counts.themes.get(i)
}

/// Split NPS(after) - NPS(before) into groups (see the module comment).
pub fn attribute(before: &Side, after: &Side) -> Vec<Contribution> {
    let mut groups: Vec<Group> = union_ids(before, after)
        .into_iter()
        .map(|(id, name)| {
            let w = |s: &Side| theme_of(s, &id).map(Weighted::of_theme).unwrap_or_default();
            let (b, a) = (w(before), w(after));
            Group {
                id,
                name,
                before: b,
                after: a,
            }
        })
        .collect();
    groups.push(Group {
        id: "(no theme)".into(),
        name: "Comment without a theme".into(),
        before: Weighted::of(&before.counts.no_theme),
        after: Weighted::of(&after.counts.no_theme),
    });
    groups.push(Group {
        id: "(no comment)".into(),
        name: "No comment".into(),
        before: Weighted::of(&before.counts.no_comment()),
        after: Weighted::of(&after.counts.no_comment()),
    });
    attribute_groups(
        before.counts.all.n() as f64,
        after.counts.all.n() as f64,
        groups,
    )
}

/// One attribution group with its weighted counts in both periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub before: Weighted,
    pub after: Weighted,
}

/// The decomposition on weighted groups; `n_before`/`n_after` are the total responses, which
/// the groups' weights sum to.
pub fn attribute_groups(n_before: f64, n_after: f64, groups: Vec<Group>) -> Vec<Contribution> {
    if n_before <= 0.0 || n_after <= 0.0 {
        return Vec::new();
    }
    let overall = |n: f64, ws: Vec<Weighted>| {
        let (p, d) = ws
            .iter()
            .fold((0.0, 0.0), |(p, d), w| (p + w.promoters, d + w.detractors));
        100.0 * (p - d) / n
    };
    let nps_b = overall(n_before, groups.iter().map(|g| g.before).collect());
    let nps_a = overall(n_after, groups.iter().map(|g| g.after).collect());
    let mid = (nps_b + nps_a) / 2.0;
    groups
        .into_iter()
        .filter(|g| g.before.n() > 0.0 || g.after.n() > 0.0)
        .map(
            |Group {
                 id: group,
                 name,
                 before: b,
                 after: a,
             }| {
                let (wb, wa) = (b.n() / n_before, a.n() / n_after);
                let (rb, ra) = (b.nps(), a.nps());
                // An empty side takes the other side's NPS: its rate effect is 0.
                let rb_ = rb.or(ra).unwrap_or(0.0);
                let ra_ = ra.or(rb).unwrap_or(0.0);
                let volume_effect = (wa - wb) * ((rb_ + ra_) / 2.0 - mid);
                let rate_effect = (wb + wa) / 2.0 * (ra_ - rb_);
                Contribution {
                    group,
                    name,
                    share_before: wb,
                    share_after: wa,
                    nps_before: rb,
                    nps_after: ra,
                    volume_effect,
                    rate_effect,
                    total: volume_effect + rate_effect,
                }
            },
        )
        .collect()
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error about 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// One-sided Fisher exact test on a 2×2 table: `x_now` of `n_now` against `x_hist` of `n_hist`.
/// Returns (P(X >= x_now), P(X <= x_now)) with X hypergeometric given the margins.
pub fn fisher_one_sided(x_hist: u64, n_hist: u64, x_now: u64, n_now: u64) -> (f64, f64) {
    let total = n_hist + n_now;
    let k = x_hist + x_now;
    let lo = k.saturating_sub(n_hist);
    let hi = k.min(n_now);
    let denom = ln_choose(total, n_now);
    let pmf = |x: u64| (ln_choose(k, x) + ln_choose(total - k, n_now - x) - denom).exp();
    let upper: f64 = (x_now..=hi).map(pmf).sum();
    let lower: f64 = (lo..=x_now).map(pmf).sum();
    (upper.min(1.0), lower.min(1.0))
}

/// One-sided tests of a share rising / falling: (test name, P(rise), P(fall)).
pub fn share_test(
    x_hist: u64,
    n_hist: u64,
    x_now: u64,
    n_now: u64,
) -> Option<(&'static str, f64, f64)> {
    if n_hist == 0 || n_now == 0 {
        return None;
    }
    let (n1, n2) = (n_hist as f64, n_now as f64);
    let pooled = (x_hist + x_now) as f64 / (n1 + n2);
    let expected_min = [
        n1 * pooled,
        n1 * (1.0 - pooled),
        n2 * pooled,
        n2 * (1.0 - pooled),
    ]
    .into_iter()
    .fold(f64::INFINITY, f64::min);
    if expected_min >= 5.0 {
        let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
        let z = (x_now as f64 / n2 - x_hist as f64 / n1) / se;
        let upper = 0.5 * erfc(z / std::f64::consts::SQRT_2);
        Some(("z", upper.clamp(0.0, 1.0), (1.0 - upper).clamp(0.0, 1.0)))
    } else {
        let (up, down) = fisher_one_sided(x_hist, n_hist, x_now, n_now);
        Some(("fisher", up, down))
    }
}

/// Shares of each theme now against the history, tested and classified.
pub fn theme_shifts(history: &Side, now: &Side) -> Vec<ThemeShift> {
    let (n_hist, n_now) = (history.counts.commented.n(), now.counts.commented.n());
    let share = |x: u64, n: u64| (n > 0).then(|| x as f64 / n as f64);
    let mut shifts: Vec<ThemeShift> = union_ids(history, now)
        .into_iter()
        .map(|(id, name)| {
            let h = theme_of(history, &id);
            let c = theme_of(now, &id);
            let (xh, xn) = (
                h.map_or(0, |t| t.mentioners.n()),
                c.map_or(0, |t| t.mentioners.n()),
            );
            let test = if h.is_some() && c.is_some() {
                share_test(xh, n_hist, xn, n_now)
            } else {
                None
            };
            ThemeShift {
                status: if h.is_none() || c.is_none() {
                    "not_in_taxonomy".into()
                } else if test.is_none() {
                    "untested".into()
                } else {
                    "steady".into()
                },
                id,
                name,
                mentions_history: xh,
                comments_history: n_hist,
                share_history: share(xh, n_hist),
                mentions_now: xn,
                comments_now: n_now,
                share_now: share(xn, n_now),
                test: test.map(|t| t.0.to_string()),
                p_rise: test.map(|t| t.1),
                q_rise: None,
                p_fall: test.map(|t| t.2),
                q_fall: None,
            }
        })
        .collect();
    let q_rise = benjamini_hochberg(&shifts.iter().map(|s| s.p_rise).collect::<Vec<_>>());
    let q_fall = benjamini_hochberg(&shifts.iter().map(|s| s.p_fall).collect::<Vec<_>>());
    for ((s, qr), qf) in shifts.iter_mut().zip(q_rise).zip(q_fall) {
        s.q_rise = qr;
        s.q_fall = qf;
        if qr.is_some_and(|q| q < FDR) {
            s.status = if s.mentions_history < EMERGING_MAX_HISTORY {
                "emerging".into()
            } else {
                "spiking".into()
            };
        } else if qf.is_some_and(|q| q < FDR) {
            let quiet = match (s.share_now, s.share_history) {
                (Some(now), Some(hist)) => now <= QUIET_FRACTION * hist,
                _ => false,
            };
            s.status = if quiet { "quiet".into() } else { "down".into() };
        }
    }
    shifts
}

/// The full comparison: NPS and attribution `before` -> `after`, theme shifts `history` ->
/// `after` (history is `before` when comparing two runs, all earlier weeks for `--by-week`).
pub fn compare(before: &Side, after: &Side, history: &Side) -> Change {
    let nps = NpsChange::of(&before.counts.all, &after.counts.all);
    let attribution = attribute(before, after);
    let attribution_sum =
        (!attribution.is_empty()).then(|| attribution.iter().map(|c| c.total).sum());
    let themes = theme_shifts(history, after);
    let pick = |status: &str| {
        themes
            .iter()
            .filter(|t| t.status == status)
            .map(|t| t.id.clone())
            .collect::<Vec<_>>()
    };
    let mut warnings = Vec::new();
    let only = |a: &Side, b: &Side| {
        a.theme_ids
            .iter()
            .filter(|i| !b.theme_ids.contains(i))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (new_only, old_only) = (only(after, before), only(before, after));
    if !new_only.is_empty() {
        warnings.push(format!(
            "themes only in {}: {} (their share before is unknown, not zero)",
            after.label,
            new_only.join(", ")
        ));
    }
    if !old_only.is_empty() {
        warnings.push(format!(
            "themes only in {}: {}",
            before.label,
            old_only.join(", ")
        ));
    }
    for (label, c) in [(before.label, before.counts), (after.label, after.counts)] {
        if c.all.n() < MIN_TEST_N {
            warnings.push(format!(
                "{label} has {} responses: too few to test the NPS change",
                c.all.n()
            ));
        }
    }
    Change {
        before_label: before.label.to_string(),
        after_label: after.label.to_string(),
        history_label: history.label.to_string(),
        before_detail: String::new(),
        after_detail: String::new(),
        emerging: pick("emerging"),
        spiking: pick("spiking"),
        quiet: pick("quiet"),
        nps,
        attribution,
        attribution_sum,
        themes,
        warnings,
        kpi: None,
    }
}

/// A map with non-string keys as a JSON list of pairs.
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serializer};

    use super::{DateKey, PeriodCounts};

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<DateKey, PeriodCounts>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<DateKey, PeriodCounts>, D::Error> {
        let v: Vec<(DateKey, PeriodCounts)> = Deserialize::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

#[cfg(test)]
mod tests;
