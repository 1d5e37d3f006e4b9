//! The other contact-centre KPIs reported next to NPS: CSAT (1-5 satisfaction, reported as the
//! share satisfied, 4-5, and as a mean), CES (customer effort, 1-5 or 1-7, reported as a mean
//! with the direction of the scale stated) and FCR (first-contact resolution, yes/no, reported
//! as a rate against the usual 70 % floor).
//!
//! Counts are histograms (one counter per answer), so they merge across threads and shards
//! exactly like the NPS counts, and every figure below is computed from them.
//!
//! Intervals, 95 %:
//! - **Proportions** (CSAT % satisfied, FCR rate): the **Wilson score interval**. The textbook
//!   Wald interval p ± 1.96·sqrt(p(1-p)/n) collapses to a single point when everyone answered
//!   alike (p = 0 or 1) and leaves [0, 1] for small n; Wilson keeps its stated coverage for the
//!   small teams and agents a contact centre compares, and equals Wald at large n.
//! - **Means** (CSAT mean, CES mean): the **Student t interval** mean ± t(n-1, 0.975)·s/sqrt(n),
//!   clipped to the scale. Answers are bounded, ordinal and few-valued, so the mean of 30 or
//!   more is close to normal (central limit theorem) and t is the standard, closed-form,
//!   deterministic choice; a bootstrap would give the same figures at these sizes while adding
//!   resampling, a seed and cost per segment. Below 30 responses the segment is flagged small,
//!   as for NPS.

use serde::{Deserialize, Serialize};

use super::math;
use crate::input::columns::Role;
use crate::input::score::{parse_number, parse_yes_no};

/// First-contact resolution below this rate is read as a problem in most contact centres.
pub const FCR_FLOOR: f64 = 0.70;
/// 97.5 % quantile of the standard normal distribution.
const Z975: f64 = 1.959_963_984_540_054;

/// Which way the CES scale runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CesDirection {
    /// "How easy was it..." / "The company made it easy for me" (CES 2.0): high is good.
    HigherIsEasier,
    /// "How much effort did you have to put forth" (CES 1.0): high is bad.
    HigherIsHarder,
    /// Neither the flag nor the question says; the mean is reported without a reading.
    Unknown,
}

impl CesDirection {
    pub fn describe(self) -> &'static str {
        match self {
            CesDirection::HigherIsEasier => "higher is easier",
            CesDirection::HigherIsHarder => "higher is more effort",
            CesDirection::Unknown => {
                "direction unknown: give --ces-direction higher-is-easier or higher-is-harder"
            }
        }
    }
}

/// The CES scale and direction, with where each came from (flag, header, values, assumed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CesScale {
    /// 5 or 7 (the scale starts at 1).
    pub max: u8,
    pub max_source: String,
    pub direction: CesDirection,
    pub direction_source: String,
}

impl Default for CesScale {
    fn default() -> Self {
        CesScale {
            max: 5,
            max_source: "assumed".into(),
            direction: CesDirection::Unknown,
            direction_source: "unknown".into(),
        }
    }
}

impl CesScale {
    /// The scale from the flags, else from the column's header and question text ("1-7",
    /// "7-point"; "how easy", "how much effort"), else from the first values (a 6 or a 7 means
    /// 1-7), else 1-5, assumed.
    pub fn infer<'a>(
        flag_max: Option<u8>,
        flag_direction: Option<CesDirection>,
        header: &str,
        first_values: impl Iterator<Item = &'a str>,
    ) -> CesScale {
        let h = crate::input::columns::normalize_header(header);
        let words = |ks: &[&str]| {
            ks.iter()
                .any(|k| format!(" {h} ").contains(&format!(" {k} ")))
        };
        let (max, max_source) = if let Some(m) = flag_max {
            (m, "--ces-scale")
        } else if words(&["1 7", "7 point", "1 to 7", "7 pt"]) {
            (7, "header")
        } else if words(&["1 5", "5 point", "1 to 5", "5 pt"]) {
            (5, "header")
        } else if first_values
            .filter_map(parse_number)
            .any(|v| v > 5.0 && v <= 7.0)
        {
            (7, "values")
        } else {
            (5, "assumed")
        };
        let easy = [
            "easy",
            "ease",
            "easier",
            "einfach",
            "leicht",
            "легко",
            "dễ",
            "容易",
            "fácil",
            "facil",
            "facile",
        ];
        let (direction, direction_source) = if let Some(d) = flag_direction {
            (d, "--ces-direction")
        } else if words(&easy)
            || easy
                .iter()
                .any(|k| k.chars().all(crate::text::tokens::is_cjk) && h.contains(k))
        {
            (CesDirection::HigherIsEasier, "header")
        } else if (h.contains("effort") && !h.contains("customer effort"))
            || words(&["aufwand", "esfuerzo", "усилий", "усилия"])
        {
            (CesDirection::HigherIsHarder, "header")
        } else {
            (CesDirection::Unknown, "unknown")
        };
        CesScale {
            max,
            max_source: max_source.into(),
            direction,
            direction_source: direction_source.into(),
        }
    }
}

/// One row's KPI answers; None where the column is absent or the answer empty or unreadable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KpiValues {
    pub csat: Option<u8>,
    pub ces: Option<u8>,
    pub fcr: Option<bool>,
}

impl KpiValues {
    pub fn set(&mut self, role: Role, answer: KpiAnswer) {
        match (role, answer) {
            (Role::Csat, KpiAnswer::Scale(v)) => self.csat = Some(v),
            (Role::Ces, KpiAnswer::Scale(v)) => self.ces = Some(v),
            (Role::Fcr, KpiAnswer::YesNo(b)) => self.fcr = Some(b),
            _ => {}
        }
    }
}

/// A KPI answer no scale allows (CSAT 7, CES 0, FCR 2): the row is rejected with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impossible {
    pub role: Role,
    pub code: &'static str,
    pub problem: String,
}

/// Read one KPI field. Ok(None): empty, or text that is no answer ("N/A"; counted as
/// unreadable by the caller, the row kept); Err: a number the scale cannot hold.
pub fn read(role: Role, raw: &str, ces_max: u8) -> Result<Option<KpiAnswer>, Impossible> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let impossible = |code, problem: String| Impossible {
        role,
        code,
        problem,
    };
    match role {
        Role::Fcr => match parse_yes_no(v) {
            Some(b) => Ok(Some(KpiAnswer::YesNo(b))),
            None if parse_number(v).is_some() => Err(impossible(
                "fcr_not_yes_no",
                format!("'{v}' is not a yes/no answer (1/0, yes/no, resolved/unresolved)"),
            )),
            None => Ok(None),
        },
        Role::Csat | Role::Ces => {
            let Some(x) = parse_number(v) else {
                return Ok(None);
            };
            let (max, code, name) = if role == Role::Csat {
                (5, "csat_out_of_range", "CSAT")
            } else {
                (ces_max, "ces_out_of_range", "CES")
            };
            if x.fract() != 0.0 || x < 1.0 || x > max as f64 {
                let hint = if role == Role::Ces && max == 5 && (x == 6.0 || x == 7.0) {
                    " (if the survey uses 7 points, give --ces-scale 1-7)"
                } else {
                    ""
                };
                return Err(impossible(
                    code,
                    format!("'{v}' is not a {name} answer from 1 to {max}{hint}"),
                ));
            }
            Ok(Some(KpiAnswer::Scale(x as u8)))
        }
        _ => Ok(None),
    }
}

/// A readable KPI answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiAnswer {
    Scale(u8),
    YesNo(bool),
}

/// Histograms of the answers: mergeable, and enough for every figure reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiCounts {
    /// Answers 1 to 5.
    pub csat: [u64; 5],
    /// Answers 1 to 7 (6 and 7 stay 0 on a 1-5 scale).
    pub ces: [u64; 7],
    pub fcr_yes: u64,
    pub fcr_no: u64,
}

impl KpiCounts {
    pub fn add(&mut self, v: &KpiValues) {
        if let Some(c) = v.csat.filter(|c| (1..=5).contains(c)) {
            self.csat[c as usize - 1] += 1;
        }
        if let Some(c) = v.ces.filter(|c| (1..=7).contains(c)) {
            self.ces[c as usize - 1] += 1;
        }
        match v.fcr {
            Some(true) => self.fcr_yes += 1,
            Some(false) => self.fcr_no += 1,
            None => {}
        }
    }

    pub fn merge(&mut self, o: &KpiCounts) {
        for (a, b) in self.csat.iter_mut().zip(&o.csat) {
            *a += b;
        }
        for (a, b) in self.ces.iter_mut().zip(&o.ces) {
            *a += b;
        }
        self.fcr_yes += o.fcr_yes;
        self.fcr_no += o.fcr_no;
    }

    /// These counts without `o`'s (a part of them): everyone else, for a segment's test.
    pub fn minus(&self, o: &KpiCounts) -> KpiCounts {
        let mut r = self.clone();
        for (a, b) in r.csat.iter_mut().zip(&o.csat) {
            *a = a.saturating_sub(*b);
        }
        for (a, b) in r.ces.iter_mut().zip(&o.ces) {
            *a = a.saturating_sub(*b);
        }
        r.fcr_yes = r.fcr_yes.saturating_sub(o.fcr_yes);
        r.fcr_no = r.fcr_no.saturating_sub(o.fcr_no);
        r
    }

    pub fn is_empty(&self) -> bool {
        *self == KpiCounts::default()
    }

    pub fn csat_n(&self) -> u64 {
        self.csat.iter().sum()
    }

    pub fn csat_satisfied(&self) -> u64 {
        self.csat[3] + self.csat[4]
    }

    pub fn ces_n(&self) -> u64 {
        self.ces.iter().sum()
    }

    pub fn fcr_n(&self) -> u64 {
        self.fcr_yes + self.fcr_no
    }
}

/// A rate with its Wilson 95 % interval (fractions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    pub n: u64,
    pub yes: u64,
    pub rate: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

impl Proportion {
    pub fn of(yes: u64, n: u64) -> Proportion {
        let ci = wilson(yes, n);
        Proportion {
            n,
            yes,
            rate: (n > 0).then(|| yes as f64 / n as f64),
            ci95_low: ci.map(|c| c.0),
            ci95_high: ci.map(|c| c.1),
        }
    }
}

/// A mean with its Student t 95 % interval, clipped to the scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mean {
    pub n: u64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1).
    pub sd: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

impl Mean {
    /// From a histogram of answers 1..=len.
    pub fn of(hist: &[u64], scale_max: u8) -> Mean {
        let (mean, var) = moments(hist);
        let n: u64 = hist.iter().sum();
        let ci = match (mean, var) {
            (Some(m), Some(v)) => {
                let half = t975(n - 1) * (v / n as f64).sqrt();
                Some(((m - half).max(1.0), (m + half).min(scale_max as f64)))
            }
            _ => None,
        };
        Mean {
            n,
            mean,
            sd: var.map(f64::sqrt),
            ci95_low: ci.map(|c| c.0),
            ci95_high: ci.map(|c| c.1),
        }
    }
}

/// Mean and sample variance of a histogram of answers 1..=len; the variance needs n >= 2.
fn moments(hist: &[u64]) -> (Option<f64>, Option<f64>) {
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return (None, None);
    }
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, c)| (i + 1) as f64 * *c as f64)
        .sum();
    let mean = sum / n as f64;
    if n < 2 {
        return (Some(mean), None);
    }
    let ss: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, c)| *c as f64 * ((i + 1) as f64 - mean).powi(2))
        .sum();
    (Some(mean), Some(ss / (n - 1) as f64))
}

/// Wilson score 95 % interval of yes/n.
pub fn wilson(yes: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (n, p) = (n as f64, yes as f64 / n as f64);
    let z2 = Z975 * Z975;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z975 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom: a table to 30, the
/// Cornish-Fisher expansion beyond (error below 1e-4 there).
pub fn t975(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= 30 {
        return TABLE[df as usize - 1];
    }
    let (z, v) = (Z975, df as f64);
    let g1 = (z.powi(3) + z) / 4.0;
    let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
    let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
    z + g1 / v + g2 / (v * v) + g3 / (v * v * v)
}

/// Welch's test of two means from their histograms, normal approximation (as for NPS).
/// Returns (difference, p-value); None when a group has fewer than [`math::MIN_TEST_N`].
pub fn mean_difference_test(a: &[u64], b: &[u64]) -> Option<(f64, f64)> {
    let (na, nb): (u64, u64) = (a.iter().sum(), b.iter().sum());
    if na < math::MIN_TEST_N || nb < math::MIN_TEST_N {
        return None;
    }
    let ((ma, va), (mb, vb)) = (moments(a), moments(b));
    let (ma, va, mb, vb) = (ma?, va?, mb?, vb?);
    let diff = ma - mb;
    let se = (va / na as f64 + vb / nb as f64).sqrt();
    let p = if se > 0.0 {
        math::two_sided_p(diff / se)
    } else if diff == 0.0 {
        1.0
    } else {
        0.0
    };
    Some((diff, p))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsatStat {
    /// Share answering 4 or 5.
    pub satisfied: Proportion,
    pub mean: Mean,
    /// Answers 1 to 5.
    pub distribution: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CesStat {
    pub mean: Mean,
    pub scale: CesScale,
    /// "higher is easier", "higher is more effort", or what to do when unknown.
    pub reading: String,
    /// Answers 1 to the scale's maximum.
    pub distribution: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FcrStat {
    pub resolved: Proportion,
    pub floor: f64,
    /// The whole interval is below the floor.
    pub below_floor: bool,
}

/// The KPIs of a set of responses; each None when its column is absent or nobody answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiStats {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<CsatStat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ces: Option<CesStat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fcr: Option<FcrStat>,
}

impl KpiStats {
    pub fn of(c: &KpiCounts, ces: &CesScale) -> KpiStats {
        KpiStats {
            csat: (c.csat_n() > 0).then(|| CsatStat {
                satisfied: Proportion::of(c.csat_satisfied(), c.csat_n()),
                mean: Mean::of(&c.csat, 5),
                distribution: c.csat.to_vec(),
            }),
            ces: (c.ces_n() > 0).then(|| CesStat {
                mean: Mean::of(&c.ces[..ces.max as usize], ces.max),
                scale: ces.clone(),
                reading: ces.direction.describe().to_string(),
                distribution: c.ces[..ces.max as usize].to_vec(),
            }),
            fcr: (c.fcr_n() > 0).then(|| {
                let resolved = Proportion::of(c.fcr_yes, c.fcr_n());
                FcrStat {
                    below_floor: resolved.ci95_high.is_some_and(|h| h < FCR_FLOOR),
                    resolved,
                    floor: FCR_FLOOR,
                }
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.csat.is_none() && self.ces.is_none() && self.fcr.is_none()
    }
}

/// A week's KPIs and their change from the week before in the table: rates as fractions, the
/// CES mean on its answers; change = this week minus the one before, with the p-value of a
/// two-proportion z-test (rates) or Welch's test (means).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekKpi {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_satisfied: Option<Proportion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_mean: Option<Mean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ces_mean: Option<Mean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fcr_rate: Option<Proportion>,
    /// KPI name (csat_satisfied, csat_mean, ces_mean, fcr_rate) -> (change, p-value).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub change: std::collections::BTreeMap<String, (f64, Option<f64>)>,
}

impl WeekKpi {
    /// `before`: the week before in the table, if any.
    pub fn of(c: &KpiCounts, before: Option<&KpiCounts>) -> WeekKpi {
        // The CES scale is the widest the answers allow: the mean does not depend on it.
        let ces_max = if c.ces[5] + c.ces[6] > 0 { 7 } else { 5 };
        let mut w = WeekKpi {
            csat_satisfied: (c.csat_n() > 0)
                .then(|| Proportion::of(c.csat_satisfied(), c.csat_n())),
            csat_mean: (c.csat_n() > 0).then(|| Mean::of(&c.csat, 5)),
            ces_mean: (c.ces_n() > 0).then(|| Mean::of(&c.ces[..ces_max], ces_max as u8)),
            fcr_rate: (c.fcr_n() > 0).then(|| Proportion::of(c.fcr_yes, c.fcr_n())),
            change: Default::default(),
        };
        let Some(b) = before else { return w };
        let rate = |x1: u64, n1: u64, x0: u64, n0: u64| {
            (n1 > 0 && n0 > 0).then(|| {
                let d = x1 as f64 / n1 as f64 - x0 as f64 / n0 as f64;
                (d, math::two_proportion_test(x1, n1, x0, n0).map(|t| t.1))
            })
        };
        let mean = |a: &[u64], b: &[u64]| {
            let (ma, mb) = (moments(a).0?, moments(b).0?);
            Some((ma - mb, mean_difference_test(a, b).map(|t| t.1)))
        };
        let changes = [
            (
                "csat_satisfied",
                rate(
                    c.csat_satisfied(),
                    c.csat_n(),
                    b.csat_satisfied(),
                    b.csat_n(),
                ),
            ),
            ("csat_mean", mean(&c.csat, &b.csat)),
            ("ces_mean", mean(&c.ces, &b.ces)),
            ("fcr_rate", rate(c.fcr_yes, c.fcr_n(), b.fcr_yes, b.fcr_n())),
        ];
        for (k, v) in changes {
            if let Some(v) = v {
                w.change.insert(k.to_string(), v);
            }
        }
        w
    }
}

/// One KPI in one segment value, compared with every other response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiSegmentStat {
    pub value: String,
    pub n: u64,
    /// The rate (fraction) or the mean.
    pub estimate: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub small_n: bool,
    /// Segment minus everyone else: a difference of rates (two-proportion z-test) or of means
    /// (Welch); p and the Benjamini-Hochberg q over every segment of every column, per KPI.
    pub difference_to_rest: Option<f64>,
    pub p_value: Option<f64>,
    pub q_value: Option<f64>,
    pub significant: bool,
}

/// The KPIs reported per segment, by name in summary.json.
pub const SEGMENT_KPIS: [&str; 3] = ["csat_satisfied", "ces_mean", "fcr_rate"];

/// One KPI of a segment value against the rest (`all` minus the segment).
pub fn segment_stat(
    kpi: &str,
    value: &str,
    seg: &KpiCounts,
    all: &KpiCounts,
    ces: &CesScale,
) -> Option<KpiSegmentStat> {
    let rest = all.minus(seg);
    let (n, estimate, ci, test) = match kpi {
        "csat_satisfied" => {
            let p = Proportion::of(seg.csat_satisfied(), seg.csat_n());
            let test = math::two_proportion_test(
                seg.csat_satisfied(),
                seg.csat_n(),
                rest.csat_satisfied(),
                rest.csat_n(),
            );
            (p.n, p.rate, p.ci95_low.zip(p.ci95_high), test)
        }
        "ces_mean" => {
            let k = ces.max as usize;
            let m = Mean::of(&seg.ces[..k], ces.max);
            let test = mean_difference_test(&seg.ces[..k], &rest.ces[..k]);
            (m.n, m.mean, m.ci95_low.zip(m.ci95_high), test)
        }
        _ => {
            let p = Proportion::of(seg.fcr_yes, seg.fcr_n());
            let test =
                math::two_proportion_test(seg.fcr_yes, seg.fcr_n(), rest.fcr_yes, rest.fcr_n());
            (p.n, p.rate, p.ci95_low.zip(p.ci95_high), test)
        }
    };
    (n > 0).then(|| KpiSegmentStat {
        value: value.to_string(),
        n,
        estimate,
        ci95_low: ci.map(|c| c.0),
        ci95_high: ci.map(|c| c.1),
        small_n: n < super::SMALL_N,
        difference_to_rest: test.map(|t| t.0),
        p_value: test.map(|t| t.1),
        q_value: None,
        significant: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn wilson_by_hand() {
        // 7 of 10: p = 0.7, z^2 = 3.841459; centre (0.7 + 0.192073) / 1.384146 = 0.644490;
        // half 1.959964 * sqrt(0.021 + 0.009604) / 1.384146 = 0.247714.
        let (lo, hi) = wilson(7, 10).unwrap();
        assert!(
            close(lo, 0.396_776, 1e-5) && close(hi, 0.892_204, 1e-5),
            "{lo} {hi}"
        );
        // Everyone alike: Wald would give [1, 1]; Wilson 10/10 = [0.722467, 1].
        let (lo, hi) = wilson(10, 10).unwrap();
        assert!(
            close(lo, 0.722_467, 1e-5) && close(hi, 1.0, 1e-12),
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn t_interval_of_a_mean_by_hand() {
        // Answers 1, 2, 3, 4, 5: mean 3, s^2 = 10/4 = 2.5, se = sqrt(2.5/5) = 0.707107,
        // t(4) = 2.7764: half-width 1.963213.
        let m = Mean::of(&[1, 1, 1, 1, 1], 5);
        assert_eq!(m.mean, Some(3.0));
        assert!(close(m.sd.unwrap(), 1.581_139, 1e-6));
        assert!(close(m.ci95_low.unwrap(), 1.036_787, 1e-4));
        assert!(close(m.ci95_high.unwrap(), 4.963_213, 1e-4));
        // Clipped to the scale: 5, 5, 4 -> mean 4.6667, half 2.7 * ... beyond 5.
        let m = Mean::of(&[0, 0, 0, 1, 2], 5);
        assert_eq!(m.ci95_high, Some(5.0));
        // One answer: a mean, no interval.
        let m = Mean::of(&[0, 1, 0, 0, 0], 5);
        assert_eq!((m.mean, m.ci95_low), (Some(2.0), None));
    }

    #[test]
    fn t_quantiles() {
        assert_eq!(t975(1), 12.7062);
        assert_eq!(t975(30), 2.0423);
        // Tabulated: t(40) = 2.0211, t(120) = 1.9799; the normal limit 1.96.
        assert!(close(t975(40), 2.0211, 2e-4), "{}", t975(40));
        assert!(close(t975(120), 1.9799, 1e-4), "{}", t975(120));
        assert!(close(t975(1_000_000), 1.96, 1e-3));
    }

    #[test]
    fn csat_ces_fcr_from_counts_by_hand() {
        let mut c = KpiCounts::default();
        // CSAT: 5, 5, 4, 3, 1 -> 3 of 5 satisfied, mean 18/5 = 3.6.
        for v in [5, 5, 4, 3, 1] {
            c.add(&KpiValues {
                csat: Some(v),
                ..Default::default()
            });
        }
        // CES on 1-7: 2, 6 -> mean 4. FCR: yes, yes, yes, no -> 0.75.
        for v in [2, 6] {
            c.add(&KpiValues {
                ces: Some(v),
                ..Default::default()
            });
        }
        for v in [true, true, true, false] {
            c.add(&KpiValues {
                fcr: Some(v),
                ..Default::default()
            });
        }
        let scale = CesScale {
            max: 7,
            direction: CesDirection::HigherIsEasier,
            ..Default::default()
        };
        let s = KpiStats::of(&c, &scale);
        let csat = s.csat.unwrap();
        assert_eq!((csat.satisfied.yes, csat.satisfied.n), (3, 5));
        assert_eq!(csat.satisfied.rate, Some(0.6));
        assert!(close(csat.mean.mean.unwrap(), 3.6, 1e-12));
        // s^2 = (1.96 + 1.96 + 0.16 + 0.36 + 6.76) / 4 = 2.8.
        assert!(close(csat.mean.sd.unwrap(), 2.8f64.sqrt(), 1e-12));
        let ces = s.ces.unwrap();
        assert_eq!(ces.mean.mean, Some(4.0));
        assert_eq!(ces.distribution, [0, 1, 0, 0, 0, 1, 0]);
        assert_eq!(ces.reading, "higher is easier");
        let fcr = s.fcr.unwrap();
        assert_eq!(fcr.resolved.rate, Some(0.75));
        assert!(!fcr.below_floor, "3 of 4 is not surely below 70 %");
        // Merging two halves gives the same counts as adding everything to one.
        let mut a = KpiCounts::default();
        a.merge(&c);
        a.merge(&KpiCounts::default());
        assert_eq!(a, c);
        assert_eq!(c.minus(&c), KpiCounts::default());
    }

    #[test]
    fn fcr_surely_below_the_floor() {
        let mut c = KpiCounts::default();
        for i in 0..100 {
            c.add(&KpiValues {
                fcr: Some(i < 50),
                ..Default::default()
            });
        }
        let f = KpiStats::of(&c, &CesScale::default()).fcr.unwrap();
        // Wilson 50/100: [0.403832, 0.596168].
        assert!(close(f.resolved.ci95_high.unwrap(), 0.596_168, 1e-5));
        assert!(f.below_floor);
    }

    #[test]
    fn impossible_answers_are_errors_unreadable_ones_are_not() {
        assert_eq!(
            read(Role::Csat, "4 - Satisfied", 7).unwrap(),
            Some(KpiAnswer::Scale(4))
        );
        assert_eq!(read(Role::Csat, "N/A", 5).unwrap(), None);
        assert_eq!(read(Role::Csat, "", 5).unwrap(), None);
        let e = read(Role::Csat, "6", 7).unwrap_err();
        assert_eq!(e.code, "csat_out_of_range");
        assert_eq!(
            read(Role::Csat, "3.5", 5).unwrap_err().code,
            "csat_out_of_range"
        );
        let e = read(Role::Ces, "7", 5).unwrap_err();
        assert!(e.problem.contains("--ces-scale 1-7"), "{}", e.problem);
        assert_eq!(read(Role::Ces, "7", 7).unwrap(), Some(KpiAnswer::Scale(7)));
        assert_eq!(
            read(Role::Ces, "0", 7).unwrap_err().code,
            "ces_out_of_range"
        );
        assert_eq!(
            read(Role::Fcr, "Yes", 5).unwrap(),
            Some(KpiAnswer::YesNo(true))
        );
        assert_eq!(read(Role::Fcr, "2", 5).unwrap_err().code, "fcr_not_yes_no");
        assert_eq!(read(Role::Fcr, "maybe", 5).unwrap(), None);
    }

    #[test]
    fn ces_scale_and_direction_inference() {
        let s = CesScale::infer(None, None, "CES (1-7)", std::iter::empty());
        assert_eq!((s.max, s.max_source.as_str()), (7, "header"));
        assert_eq!(s.direction, CesDirection::Unknown);
        let s = CesScale::infer(None, None, "Customer Effort Score", ["2", "6"].into_iter());
        assert_eq!((s.max, s.max_source.as_str()), (7, "values"));
        assert_eq!(
            s.direction,
            CesDirection::Unknown,
            "the metric's name is no direction"
        );
        let s = CesScale::infer(
            None,
            None,
            "How easy was it to get help?",
            ["2"].into_iter(),
        );
        assert_eq!((s.max, s.max_source.as_str()), (5, "assumed"));
        assert_eq!(s.direction, CesDirection::HigherIsEasier);
        let s = CesScale::infer(
            None,
            None,
            "How much effort did you put in?",
            std::iter::empty(),
        );
        assert_eq!(s.direction, CesDirection::HigherIsHarder);
        let s = CesScale::infer(
            Some(7),
            Some(CesDirection::HigherIsHarder),
            "How easy (1-5)",
            std::iter::empty(),
        );
        assert_eq!((s.max, s.direction), (7, CesDirection::HigherIsHarder));
        assert_eq!(s.max_source, "--ces-scale");
    }

    #[test]
    fn week_change_by_hand() {
        let (mut before, mut now) = (KpiCounts::default(), KpiCounts::default());
        for i in 0..10 {
            before.add(&KpiValues {
                fcr: Some(i < 8),
                ..Default::default()
            });
            now.add(&KpiValues {
                fcr: Some(i < 2),
                ..Default::default()
            });
        }
        // 2/10 against 8/10: -0.6, p = 0.007290 (pooled two-proportion z-test, z = -2.683282).
        let w = WeekKpi::of(&now, Some(&before));
        let (d, p) = w.change["fcr_rate"];
        assert!(close(d, -0.6, 1e-12));
        assert!(close(p.unwrap(), 0.007_290, 1e-5));
        assert!(w.csat_mean.is_none() && !w.change.contains_key("csat_mean"));
        assert!(WeekKpi::of(&now, None).change.is_empty());
    }

    #[test]
    fn segment_differences_by_hand() {
        // Segment: FCR 2 of 10; the rest: 8 of 10. Pooled 0.5, se sqrt(0.25 * 0.2) = 0.223607,
        // z = -0.6 / 0.223607 = -2.683282, p = 0.007290.
        let mut seg = KpiCounts::default();
        let mut all = KpiCounts::default();
        for i in 0..10 {
            let v = KpiValues {
                fcr: Some(i < 2),
                ..Default::default()
            };
            seg.add(&v);
            all.add(&v);
            all.add(&KpiValues {
                fcr: Some(i < 8),
                ..Default::default()
            });
        }
        let s = segment_stat("fcr_rate", "Tech", &seg, &all, &CesScale::default()).unwrap();
        assert_eq!((s.n, s.estimate), (10, Some(0.2)));
        assert!(close(s.difference_to_rest.unwrap(), -0.6, 1e-12));
        assert!(
            close(s.p_value.unwrap(), 0.007_290, 1e-5),
            "{:?}",
            s.p_value
        );
        assert!(s.small_n);
        // Means: 1,1,1,1,1 against 3,3,3,3,5: Welch.
        let t = mean_difference_test(&[5, 0, 0, 0, 0], &[0, 0, 4, 0, 1]).unwrap();
        // Difference -2.4; variances 0 and 0.8: se = sqrt(0.8 / 5) = 0.4, z = -6.
        assert!(close(t.0, -2.4, 1e-12));
        assert!(t.1 < 1e-8);
    }
}
