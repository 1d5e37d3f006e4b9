//! Which themes go with the other KPIs' bad outcomes: **low CSAT** (answers 1-3 of 1-5, i.e.
//! not satisfied), **high effort** (the hard end of the CES scale: its two hardest points once
//! the direction is applied, 6-7 of 1-7 or 4-5 of 1-5 when higher is more effort, 1-2 when
//! higher is easier; no table when the direction is unknown, since either end could be the hard
//! one) and **unresolved contacts** (FCR "no").
//!
//! For each theme and each KPI, among the commented responses that answered the KPI: the
//! outcome's rate among the responses mentioning the theme against those not mentioning it, and
//! their difference in percentage points with a 95 % interval and a p-value:
//! - **Interval**: Newcombe's hybrid score interval (method 10 of Newcombe 1998), built from the
//!   two Wilson intervals the KPIs already use: it keeps its coverage when a rate is near 0 or 1
//!   or a group is small, where the Wald interval of a difference collapses or overshoots.
//! - **Test**: the pooled two-proportion z-test ([`math::two_proportion_test`]) when every
//!   expected count of the 2×2 table is at least 5 (Cochran's rule, as for theme shifts between
//!   periods), else Fisher's exact test, two-sided ([`math::fisher_exact_two_sided`]).
//! - **q**: Benjamini-Hochberg across the tested themes, within each KPI.
//! - **Minimum n**: as for the NPS drivers, a theme with fewer than
//!   [`drivers::MIN_MENTIONS`] mentions among the responses that answered the KPI is listed as
//!   too few and not tested (and not part of the correction).
//!
//! The counts are one histogram of KPI answers ([`KpiCounts`]) for every commented response and
//! one per theme for its mentioners: they merge like every other accumulator and their size does
//! not depend on the number of rows.
//!
//! **FCR against repeat_contact**: FCR asks whether *this* contact solved the problem; a comment
//! tagged repeat_contact says the customer had to contact more than once. Among commented
//! responses with an FCR answer, the FCR rate of those tagged repeat_contact is set against the
//! rest, and the share of repeat_contact responses that still answered "resolved" is a check of
//! both the tags and the question: a high share means the FCR question is read as "solved by
//! now" (first-contact resolution overstated), or that the tag fires on comments that are no
//! repeat contact.

use serde::{Deserialize, Serialize};

use super::drivers::MIN_MENTIONS;
use super::kpi::{wilson, CesDirection, CesScale, KpiCounts, KpiValues};
use super::math;
use crate::tagger::Tagging;
use crate::taxonomy::Taxonomy;

/// The theme whose FCR answers are checked against the tag (see the module comment).
pub const REPEAT_CONTACT: &str = "repeat_contact";

/// Mergeable counts: the KPI answers of every commented response and of each theme's
/// mentioners (taxonomy order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThemeKpiCounts {
    pub commented: KpiCounts,
    pub themes: Vec<KpiCounts>,
}

impl ThemeKpiCounts {
    /// Count one commented response's KPI answers, once per theme it mentions.
    pub fn add(&mut self, v: &KpiValues, tagging: &Tagging, n_themes: usize) {
        if *v == KpiValues::default() {
            return;
        }
        if self.themes.len() < n_themes {
            self.themes.resize(n_themes, KpiCounts::default());
        }
        self.commented.add(v);
        for (i, tag) in tagging.themes.iter().enumerate() {
            // A theme tagged twice in one comment is one mention.
            if tagging.themes[..i].iter().any(|t| t.theme == tag.theme) {
                continue;
            }
            if let Some(c) = self.themes.get_mut(tag.theme) {
                c.add(v);
            }
        }
    }

    pub fn merge(&mut self, o: &ThemeKpiCounts) {
        self.commented.merge(&o.commented);
        if self.themes.len() < o.themes.len() {
            self.themes.resize(o.themes.len(), KpiCounts::default());
        }
        for (a, b) in self.themes.iter_mut().zip(&o.themes) {
            a.merge(b);
        }
    }
}

/// The bad outcome counted for one KPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiOutcome {
    LowCsat,
    HighEffort,
    Unresolved,
}

impl KpiOutcome {
    pub const ALL: [KpiOutcome; 3] = [
        KpiOutcome::LowCsat,
        KpiOutcome::HighEffort,
        KpiOutcome::Unresolved,
    ];

    /// The KPI: "csat", "ces", "fcr".
    pub fn kpi(self) -> &'static str {
        match self {
            KpiOutcome::LowCsat => "csat",
            KpiOutcome::HighEffort => "ces",
            KpiOutcome::Unresolved => "fcr",
        }
    }

    /// The outcome's id in summary.json: "low_csat", "high_effort", "unresolved".
    pub fn id(self) -> &'static str {
        match self {
            KpiOutcome::LowCsat => "low_csat",
            KpiOutcome::HighEffort => "high_effort",
            KpiOutcome::Unresolved => "unresolved",
        }
    }

    /// The CES answers (1-based, inclusive) counted as high effort; None when the direction is
    /// unknown.
    pub fn hard_end(ces: &CesScale) -> Option<(u8, u8)> {
        match ces.direction {
            CesDirection::HigherIsHarder => Some((ces.max - 1, ces.max)),
            CesDirection::HigherIsEasier => Some((1, 2)),
            CesDirection::Unknown => None,
        }
    }

    /// (answered, with the outcome) in `c`; None when the outcome cannot be told (CES of
    /// unknown direction).
    pub fn count(self, c: &KpiCounts, ces: &CesScale) -> Option<(u64, u64)> {
        match self {
            KpiOutcome::LowCsat => Some((c.csat_n(), c.csat[..3].iter().sum())),
            KpiOutcome::HighEffort => {
                let (lo, hi) = Self::hard_end(ces)?;
                let answered: u64 = c.ces[..ces.max as usize].iter().sum();
                Some((answered, c.ces[lo as usize - 1..hi as usize].iter().sum()))
            }
            KpiOutcome::Unresolved => Some((c.fcr_n(), c.fcr_no)),
        }
    }

    /// What is counted, for people: "low CSAT (answers 1-3 of 1-5)".
    pub fn label(self, ces: &CesScale) -> String {
        match self {
            KpiOutcome::LowCsat => "low CSAT (answers 1-3 of 1-5, not satisfied)".into(),
            KpiOutcome::HighEffort => match Self::hard_end(ces) {
                Some((lo, hi)) => format!(
                    "high effort (CES answers {lo}-{hi} of 1-{}, {})",
                    ces.max,
                    ces.direction.describe()
                ),
                None => "high effort (CES direction unknown)".into(),
            },
            KpiOutcome::Unresolved => "unresolved contacts (FCR answer no)".into(),
        }
    }

    /// The outcome in a sentence: "low CSAT", "high effort", "unresolved contacts".
    pub fn short(self) -> &'static str {
        match self {
            KpiOutcome::LowCsat => "low CSAT",
            KpiOutcome::HighEffort => "high effort",
            KpiOutcome::Unresolved => "unresolved contacts",
        }
    }

    pub fn from_id(id: &str) -> Option<KpiOutcome> {
        Self::ALL.into_iter().find(|o| o.id() == id)
    }
}

/// x1/n1 against x2/n2: the difference of the rates with its 95 % interval, and the test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateDifference {
    /// p1 - p2, as a fraction.
    pub difference: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    /// "z" or "fisher".
    pub test: &'static str,
    pub p_value: f64,
}

/// Newcombe's hybrid score 95 % interval of p1 - p2 (method 10): from the Wilson intervals
/// (l1, u1) and (l2, u2), p1 - p2 - sqrt((p1-l1)² + (u2-p2)²) to
/// p1 - p2 + sqrt((u1-p1)² + (p2-l2)²). None when a group is empty.
pub fn newcombe(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, f64)> {
    let (l1, u1) = wilson(x1, n1)?;
    let (l2, u2) = wilson(x2, n2)?;
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let d = p1 - p2;
    Some((
        d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    ))
}

/// The smallest expected count of the 2×2 table under independence.
fn expected_min(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1f + n2f);
    [
        n1f * pooled,
        n1f * (1.0 - pooled),
        n2f * pooled,
        n2f * (1.0 - pooled),
    ]
    .into_iter()
    .fold(f64::INFINITY, f64::min)
}

/// The difference of x1/n1 and x2/n2 with Newcombe's interval and a two-sided p-value: the
/// z-test when every expected count is at least 5, else Fisher's exact test. None when a group
/// is empty.
pub fn rate_difference(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<RateDifference> {
    let (ci95_low, ci95_high) = newcombe(x1, n1, x2, n2)?;
    let difference = x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64;
    let z = (expected_min(x1, n1, x2, n2) >= 5.0)
        .then(|| math::two_proportion_test(x1, n1, x2, n2))
        .flatten();
    let (test, p_value) = match z {
        Some((_, p)) => ("z", p),
        None => ("fisher", math::fisher_exact_two_sided(x1, n1, x2, n2)),
    };
    Some(RateDifference {
        difference,
        ci95_low,
        ci95_high,
        test,
        p_value,
    })
}

/// One theme against one KPI's bad outcome. Rates are fractions; differences are percentage
/// points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiDriver {
    pub id: String,
    pub name: String,
    /// Commented responses mentioning the theme that answered the KPI...
    pub mentions: u64,
    /// ...and how many of them had the outcome.
    pub outcome_with: u64,
    /// The other commented responses that answered the KPI, and their outcomes.
    pub others: u64,
    pub outcome_without: u64,
    pub rate_with: Option<f64>,
    pub rate_without: Option<f64>,
    /// rate_with - rate_without in points, with Newcombe's 95 % interval (None when untested).
    pub difference_points: Option<f64>,
    pub ci95_low_points: Option<f64>,
    pub ci95_high_points: Option<f64>,
    /// "z" or "fisher"; None when untested.
    pub test: Option<String>,
    pub p_value: Option<f64>,
    /// Benjamini-Hochberg across the tested themes of this KPI.
    pub q_value: Option<f64>,
    /// q < 0.05.
    pub significant: bool,
    /// Why the theme is not tested (too few mentions with the KPI answered).
    pub caution: Option<String>,
}

/// One KPI's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiDriverTable {
    /// "csat", "ces" or "fcr".
    pub kpi: String,
    /// "low_csat", "high_effort" or "unresolved".
    pub outcome: String,
    /// What is counted, for people.
    pub outcome_label: String,
    /// Commented responses that answered the KPI, and how many had the outcome.
    pub answered: u64,
    pub outcome_count: u64,
    /// Themes with at least one mention among them: tested ones by difference (largest rise of
    /// the outcome first), then the untested by mentions.
    pub themes: Vec<KpiDriver>,
}

impl KpiDriverTable {
    /// Themes that significantly raise the outcome (q < 0.05, positive difference), in table
    /// order.
    pub fn raising(&self) -> impl Iterator<Item = &KpiDriver> {
        self.themes
            .iter()
            .filter(|t| t.significant && t.difference_points.is_some_and(|d| d > 0.0))
    }
}

/// FCR of the responses tagged repeat_contact against the other commented responses with an
/// FCR answer (see the module comment). Rates are fractions, the difference in points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatContactCheck {
    /// Tagged repeat_contact with an FCR answer, and how many of them answered "resolved".
    pub repeat_contact: u64,
    pub resolved: u64,
    /// The other commented responses with an FCR answer, and how many answered "resolved".
    pub others: u64,
    pub others_resolved: u64,
    pub fcr_rate_repeat: Option<f64>,
    pub fcr_rate_others: Option<f64>,
    /// fcr_rate_repeat - fcr_rate_others, points, Newcombe's 95 % interval, two-sided p.
    pub difference_points: Option<f64>,
    pub ci95_low_points: Option<f64>,
    pub ci95_high_points: Option<f64>,
    pub test: Option<String>,
    pub p_value: Option<f64>,
}

/// The KPI driver tables of a run (summary.json `statistics.kpi_drivers`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiDrivers {
    /// CSAT, CES, FCR, for those answered by commented responses.
    pub tables: Vec<KpiDriverTable>,
    /// Why a KPI answered in the export has no table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// When the taxonomy has repeat_contact and the export an FCR column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_contact: Option<RepeatContactCheck>,
}

impl KpiDrivers {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.notes.is_empty() && self.repeat_contact.is_none()
    }

    /// The table of an outcome ("low_csat", "high_effort", "unresolved").
    pub fn table(&self, outcome: &str) -> Option<&KpiDriverTable> {
        self.tables.iter().find(|t| t.outcome == outcome)
    }
}

fn rate(x: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| x as f64 / n as f64)
}

/// One KPI's table from the counts.
fn table(
    outcome: KpiOutcome,
    c: &ThemeKpiCounts,
    taxonomy: &Taxonomy,
    ces: &CesScale,
) -> Option<KpiDriverTable> {
    let (answered, bad) = outcome.count(&c.commented, ces)?;
    if answered == 0 {
        return None;
    }
    let mut themes: Vec<KpiDriver> = taxonomy
        .themes
        .iter()
        .zip(&c.themes)
        .filter_map(|(theme, tc)| {
            let (n, x) = outcome.count(tc, ces)?;
            if n == 0 {
                return None;
            }
            let (others, x_others) = (answered.saturating_sub(n), bad.saturating_sub(x));
            let caution = if n < MIN_MENTIONS {
                Some(format!(
                    "only {n} mentions with the KPI answered (fewer than {MIN_MENTIONS}): too few to test"
                ))
            } else if others < math::MIN_TEST_N {
                Some(format!(
                    "only {others} other commented responses answered (fewer than {}): nothing to compare with",
                    math::MIN_TEST_N
                ))
            } else {
                None
            };
            let d = caution
                .is_none()
                .then(|| rate_difference(x, n, x_others, others))
                .flatten();
            Some(KpiDriver {
                id: theme.id.clone(),
                name: theme.name.clone(),
                mentions: n,
                outcome_with: x,
                others,
                outcome_without: x_others,
                rate_with: rate(x, n),
                rate_without: rate(x_others, others),
                difference_points: d.map(|d| 100.0 * d.difference),
                ci95_low_points: d.map(|d| 100.0 * d.ci95_low),
                ci95_high_points: d.map(|d| 100.0 * d.ci95_high),
                test: d.map(|d| d.test.to_string()),
                p_value: d.map(|d| d.p_value),
                q_value: None,
                significant: false,
                caution,
            })
        })
        .collect();
    let q = math::benjamini_hochberg(&themes.iter().map(|t| t.p_value).collect::<Vec<_>>());
    for (t, q) in themes.iter_mut().zip(q) {
        t.q_value = q;
        t.significant = q.is_some_and(|q| q < 0.05);
    }
    themes.sort_by(|a, b| match (a.difference_points, b.difference_points) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.id.cmp(&b.id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.mentions.cmp(&a.mentions).then(a.id.cmp(&b.id)),
    });
    Some(KpiDriverTable {
        kpi: outcome.kpi().to_string(),
        outcome: outcome.id().to_string(),
        outcome_label: outcome.label(ces),
        answered,
        outcome_count: bad,
        themes,
    })
}

/// FCR of repeat_contact against the rest, when the taxonomy has the theme and someone
/// answered FCR.
fn repeat_contact(c: &ThemeKpiCounts, taxonomy: &Taxonomy) -> Option<RepeatContactCheck> {
    let i = taxonomy
        .themes
        .iter()
        .position(|t| t.id == REPEAT_CONTACT)?;
    let all = &c.commented;
    if all.fcr_n() == 0 {
        return None;
    }
    let rc = c.themes.get(i).cloned().unwrap_or_default();
    let (n, yes) = (rc.fcr_n(), rc.fcr_yes);
    let (others, others_yes) = (
        all.fcr_n() - n.min(all.fcr_n()),
        all.fcr_yes.saturating_sub(yes),
    );
    let d = (n >= math::MIN_TEST_N && others >= math::MIN_TEST_N)
        .then(|| rate_difference(yes, n, others_yes, others))
        .flatten();
    Some(RepeatContactCheck {
        repeat_contact: n,
        resolved: yes,
        others,
        others_resolved: others_yes,
        fcr_rate_repeat: rate(yes, n),
        fcr_rate_others: rate(others_yes, others),
        difference_points: d.map(|d| 100.0 * d.difference),
        ci95_low_points: d.map(|d| 100.0 * d.ci95_low),
        ci95_high_points: d.map(|d| 100.0 * d.ci95_high),
        test: d.map(|d| d.test.to_string()),
        p_value: d.map(|d| d.p_value),
    })
}

/// The KPI driver tables and the repeat_contact check from the run's counts.
pub fn finish(c: &ThemeKpiCounts, taxonomy: &Taxonomy, ces: &CesScale) -> KpiDrivers {
    let mut out = KpiDrivers::default();
    for outcome in KpiOutcome::ALL {
        if let Some(t) = table(outcome, c, taxonomy, ces) {
            out.tables.push(t);
        } else if outcome == KpiOutcome::HighEffort && c.commented.ces_n() > 0 {
            out.notes.push(format!(
                "high effort is not analysed: the CES direction is unknown ({})",
                ces.direction.describe()
            ));
        }
    }
    out.repeat_contact = repeat_contact(c, taxonomy);
    out
}

#[cfg(test)]
mod tests;
