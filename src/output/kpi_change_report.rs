//! The CSAT, CES and FCR lines of the comparison sections ("Change since previous run", the last
//! week of "Week by week", `npsight compare`), from [`crate::stats::change::Change::kpi`]: one
//! line per KPI and one per warning, as plain text (numbers and fixed words only, so they need
//! no escaping; the HTML template escapes them anyway). Pure: change in, text out.

use super::{fmt_p, fmt_signed, format_num};
use crate::stats::change::Change;
use crate::stats::kpi_change::KpiDelta;

fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{} %", format_num(100.0 * v, 1)))
}

fn test(d: &KpiDelta, decimals: usize, scale: f64) -> String {
    match d.p_value {
        Some(p) => format!(
            "95% CI {} to {}; {} p = {}, {} at the 5% level",
            fmt_signed(d.ci95_low.map(|x| scale * x), decimals),
            fmt_signed(d.ci95_high.map(|x| scale * x), decimals),
            if d.test == "Welch" {
                "Welch's test"
            } else {
                "two-proportion z-test"
            },
            fmt_p(Some(p)),
            if d.significant {
                "significant"
            } else {
                "not significant"
            }
        ),
        None => "not tested: fewer than 5 answers on a side".into(),
    }
}

/// One line per KPI compared, then the warnings; `bold` wraps the figures in `**` (Markdown).
pub fn lines(ch: &Change, bold: bool) -> Vec<String> {
    let Some(k) = &ch.kpi else {
        return Vec::new();
    };
    let b = |s: String| if bold { format!("**{s}**") } else { s };
    let mut out = Vec::new();
    for d in &k.changes {
        let n = format!("n = {} and {}", d.n_before, d.n_after);
        let line = match d.kpi.as_str() {
            "ces_mean" => format!(
                "{} ({}; {n}{}).",
                b(format!(
                    "CES mean {} → {}: {}",
                    super::fmt_opt(d.before, 2),
                    super::fmt_opt(d.after, 2),
                    fmt_signed(d.difference, 2)
                )),
                test(d, 2, 1.0),
                k.ces_reading
                    .as_deref()
                    .map(|r| format!("; {r}"))
                    .unwrap_or_else(|| "; direction unknown".into())
            ),
            kpi => format!(
                "{} ({}; {n}).",
                b(format!(
                    "{} {} → {}: {} points",
                    if kpi == "csat_satisfied" {
                        "CSAT satisfied"
                    } else {
                        "FCR resolved"
                    },
                    pct(d.before),
                    pct(d.after),
                    fmt_signed(d.difference.map(|x| 100.0 * x), 1)
                )),
                test(d, 1, 100.0)
            ),
        };
        out.push(line);
    }
    for w in &k.warnings {
        out.push(format!("⚠ {w}."));
    }
    out
}
