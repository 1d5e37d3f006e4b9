//! CSAT, CES and FCR between two periods (`--previous`, `npsight compare`, the last week of
//! `--by-week`), from the KPI histograms each period keeps in its counts
//! ([`super::change::PeriodCounts::kpi`]).
//!
//! - **% satisfied** (CSAT 4-5) and **FCR rate**: after − before with Newcombe's hybrid score
//!   95 % interval (from the two Wilson intervals, as the KPI drivers) and the pooled
//!   two-proportion z-test ([`math::two_proportion_test`]).
//! - **CES mean**: after − before with Welch's test ([`kpi::mean_difference_test`], normal
//!   approximation, as for segments and weeks) and the matching interval, difference ± 1.96·SE
//!   with SE = sqrt(s²_a/n_a + s²_b/n_b). The means are compared only when both runs read CES on
//!   the same scale in the same direction (when a run does not say, as summaries written before
//!   the scale was kept, its answers are taken as they are).
//!
//! Fewer than [`math::MIN_TEST_N`] answers on a side: the change is shown, not tested. The three
//! tests are not corrected for multiplicity, as the NPS change is not.

use serde::{Deserialize, Serialize};

use super::kpi::{self, CesScale, KpiCounts, Mean};
use super::kpi_drivers::newcombe;
use super::math;
use super::nps::Z95;

/// One KPI's change. Rates are fractions; the CES mean is on its answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiDelta {
    /// "csat_satisfied", "ces_mean" or "fcr_rate".
    pub kpi: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// Answers on each side.
    pub n_before: u64,
    pub n_after: u64,
    /// after − before, with its 95 % interval.
    pub difference: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// "two-proportion z" or "Welch".
    pub test: String,
    /// Two-sided; None when a side has fewer than 5 answers.
    pub p_value: Option<f64>,
    pub significant: bool,
}

/// The KPIs' changes between two periods (`change.kpi` in summary.json and compare.json).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiChange {
    /// In the order CSAT, CES, FCR; a KPI answered on neither side is left out.
    pub changes: Vec<KpiDelta>,
    /// How to read the CES change ("higher is easier", ...), when a run says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ces_reading: Option<String>,
    /// Reasons a KPI is not compared, or to read it with care.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl KpiChange {
    pub fn get(&self, kpi: &str) -> Option<&KpiDelta> {
        self.changes.iter().find(|d| d.kpi == kpi)
    }
}

fn rate_delta(kpi: &str, x0: u64, n0: u64, x1: u64, n1: u64) -> KpiDelta {
    let rate = |x: u64, n: u64| (n > 0).then(|| x as f64 / n as f64);
    let (before, after) = (rate(x0, n0), rate(x1, n1));
    let ci = newcombe(x1, n1, x0, n0);
    let p_value = math::two_proportion_test(x1, n1, x0, n0).map(|t| t.1);
    KpiDelta {
        kpi: kpi.to_string(),
        before,
        after,
        n_before: n0,
        n_after: n1,
        difference: before.zip(after).map(|(b, a)| a - b),
        ci95_low: ci.map(|c| c.0),
        ci95_high: ci.map(|c| c.1),
        test: "two-proportion z".into(),
        p_value,
        significant: p_value.is_some_and(|p| p < 0.05),
    }
}

fn mean_delta(before: &KpiCounts, after: &KpiCounts) -> KpiDelta {
    let (b, a) = (Mean::of(&before.ces, 7), Mean::of(&after.ces, 7));
    let test = kpi::mean_difference_test(&after.ces, &before.ces);
    let se = match (b.sd, a.sd) {
        (Some(sb), Some(sa)) if test.is_some() => {
            Some((sb * sb / b.n as f64 + sa * sa / a.n as f64).sqrt())
        }
        _ => None,
    };
    let difference = b.mean.zip(a.mean).map(|(b, a)| a - b);
    let p_value = test.map(|t| t.1);
    KpiDelta {
        kpi: "ces_mean".into(),
        before: b.mean,
        after: a.mean,
        n_before: b.n,
        n_after: a.n,
        difference,
        ci95_low: difference.zip(se).map(|(d, se)| d - Z95 * se),
        ci95_high: difference.zip(se).map(|(d, se)| d + Z95 * se),
        test: "Welch".into(),
        p_value,
        significant: p_value.is_some_and(|p| p < 0.05),
    }
}

/// The change of the KPIs from `before` to `after`, with the CES scale each run read (None
/// when unknown). None when neither period has a KPI answer.
pub fn between(
    before: &KpiCounts,
    after: &KpiCounts,
    ces_before: Option<&CesScale>,
    ces_after: Option<&CesScale>,
) -> Option<KpiChange> {
    if before.is_empty() && after.is_empty() {
        return None;
    }
    let mut out = KpiChange::default();
    if before.csat_n() + after.csat_n() > 0 {
        out.changes.push(rate_delta(
            "csat_satisfied",
            before.csat_satisfied(),
            before.csat_n(),
            after.csat_satisfied(),
            after.csat_n(),
        ));
    }
    if before.ces_n() + after.ces_n() > 0 {
        let same = |a: &CesScale, b: &CesScale| a.max == b.max && a.direction == b.direction;
        match (ces_before, ces_after) {
            (Some(b), Some(a)) if !same(a, b) => out.warnings.push(format!(
                "CES is not compared: the runs read it differently (1-{}, {}; then 1-{}, {})",
                b.max,
                b.direction.describe(),
                a.max,
                a.direction.describe()
            )),
            _ => out.changes.push(mean_delta(before, after)),
        }
        out.ces_reading = ces_after
            .or(ces_before)
            .filter(|s| s.direction != kpi::CesDirection::Unknown)
            .map(|s| s.direction.describe().to_string());
    }
    if before.fcr_n() + after.fcr_n() > 0 {
        out.changes.push(rate_delta(
            "fcr_rate",
            before.fcr_yes,
            before.fcr_n(),
            after.fcr_yes,
            after.fcr_n(),
        ));
    }
    for d in &out.changes {
        if d.n_before == 0 {
            out.warnings.push(format!(
                "{}: no answers in the earlier period (a summary.json written before KPIs were compared has none): not compared",
                d.kpi
            ));
        } else if d.n_after == 0 {
            out.warnings.push(format!(
                "{}: no answers in the later period: not compared",
                d.kpi
            ));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::kpi::{CesDirection, KpiValues};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    fn counts(csat: &[u8], ces: &[u8], fcr: &[bool]) -> KpiCounts {
        let mut c = KpiCounts::default();
        for &v in csat {
            c.add(&KpiValues {
                csat: Some(v),
                ..Default::default()
            });
        }
        for &v in ces {
            c.add(&KpiValues {
                ces: Some(v),
                ..Default::default()
            });
        }
        for &v in fcr {
            c.add(&KpiValues {
                fcr: Some(v),
                ..Default::default()
            });
        }
        c
    }

    #[test]
    fn rates_and_mean_change_by_hand() {
        // FCR 8/10 before, 2/10 now: -0.6; pooled 0.5, se = sqrt(0.25 * 0.2) = 0.223607,
        // z = -2.683282, p = 0.007290. Newcombe (now - before): Wilson 2/10 = [0.056682,
        // 0.509838], 8/10 = [0.490162, 0.943318]: -0.6 - sqrt(0.143318^2 + 0.143318^2) =
        // -0.802682, -0.6 + sqrt(0.309838^2 + 0.309838^2) = -0.161824.
        let fcr_before: Vec<bool> = (0..10).map(|i| i < 8).collect();
        let fcr_now: Vec<bool> = (0..10).map(|i| i < 2).collect();
        let before = counts(&[5, 5, 4, 2, 1], &[1, 1, 1, 1, 1], &fcr_before);
        let after = counts(&[5, 3, 3, 2, 1], &[3, 3, 3, 3, 5], &fcr_now);
        let easier = CesScale {
            max: 5,
            direction: CesDirection::HigherIsEasier,
            ..Default::default()
        };
        let ch = between(&before, &after, Some(&easier), Some(&easier)).unwrap();
        let f = ch.get("fcr_rate").unwrap();
        assert_eq!((f.n_before, f.n_after), (10, 10));
        assert!(close(f.difference.unwrap(), -0.6, 1e-12));
        assert!(close(f.p_value.unwrap(), 0.007_290, 1e-5));
        assert!(f.significant);
        assert!(
            close(f.ci95_low.unwrap(), -0.802_682, 1e-5),
            "{:?}",
            f.ci95_low
        );
        assert!(
            close(f.ci95_high.unwrap(), -0.161_824, 1e-5),
            "{:?}",
            f.ci95_high
        );
        // CSAT satisfied 3/5 before, 1/5 now: -0.4; pooled 0.4, se = sqrt(0.24 * 0.4) =
        // 0.309839, z = -1.290994, p = 0.196706.
        let c = ch.get("csat_satisfied").unwrap();
        assert!(close(c.difference.unwrap(), -0.4, 1e-12));
        assert!(
            close(c.p_value.unwrap(), 0.196_706, 1e-5),
            "{:?}",
            c.p_value
        );
        assert!(!c.significant);
        // CES 1,1,1,1,1 before (variance 0), 3,3,3,3,5 now (mean 3.4, variance 0.8):
        // +2.4, se = sqrt(0.8 / 5) = 0.4, z = 6: interval 2.4 -/+ 1.959964 * 0.4.
        let e = ch.get("ces_mean").unwrap();
        assert!(close(e.difference.unwrap(), 2.4, 1e-12));
        assert!(close(e.ci95_low.unwrap(), 2.4 - 0.783_986, 1e-5));
        assert!(close(e.ci95_high.unwrap(), 2.4 + 0.783_986, 1e-5));
        assert!(e.p_value.unwrap() < 1e-8);
        assert_eq!(ch.ces_reading.as_deref(), Some("higher is easier"));
        assert!(ch.warnings.is_empty(), "{:?}", ch.warnings);
        let order: Vec<&str> = ch.changes.iter().map(|d| d.kpi.as_str()).collect();
        assert_eq!(order, ["csat_satisfied", "ces_mean", "fcr_rate"]);
    }

    #[test]
    fn ces_read_differently_is_not_compared_and_missing_sides_are_said() {
        let b = counts(&[], &[1, 2, 6], &[]);
        let a = counts(&[], &[1, 2, 3], &[true]);
        let harder = CesScale {
            max: 7,
            direction: CesDirection::HigherIsHarder,
            ..Default::default()
        };
        let easier = CesScale {
            max: 7,
            direction: CesDirection::HigherIsEasier,
            ..Default::default()
        };
        let ch = between(&b, &a, Some(&harder), Some(&easier)).unwrap();
        assert!(ch.get("ces_mean").is_none());
        assert!(
            ch.warnings[0].contains("CES is not compared"),
            "{:?}",
            ch.warnings
        );
        let f = ch.get("fcr_rate").unwrap();
        assert_eq!((f.before, f.difference, f.p_value), (None, None, None));
        assert!(ch.warnings[1].contains("fcr_rate: no answers in the earlier period"));
        // Without the scales (older summaries) the means are compared as they are.
        let ch = between(&b, &a, None, None).unwrap();
        assert!(close(
            ch.get("ces_mean").unwrap().difference.unwrap(),
            -1.0,
            1e-12
        ));
        assert!(between(&KpiCounts::default(), &KpiCounts::default(), None, None).is_none());
    }
}
