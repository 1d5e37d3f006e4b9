//! The CSAT, CES and FCR headline of the reports, from the report model's KPIs
//! ([`crate::report::Report::kpi`]): Markdown lines for report.md and the text of report.html's
//! headline cards (laid out and HTML-escaped by `templates/report.html`), each empty when the
//! export has none of the columns. Kept apart from the report renderers so that both format the
//! numbers the same way (pure: statistics in, text out).

use crate::output::fmt_opt;
use crate::stats::kpi::KpiStats;

fn pct(x: Option<f64>) -> String {
    fmt_opt(x.map(|v| 100.0 * v), 1)
}

/// One Markdown bullet per KPI present, for the headline list.
pub fn md_lines(k: &KpiStats) -> String {
    let mut o = String::new();
    if let Some(c) = &k.csat {
        o.push_str(&format!(
            "- **CSAT {} % satisfied** (answers 4-5; 95 % CI {} to {} %, Wilson), mean {} of 5 (95 % CI {} to {}, t), n = {}.\n",
            pct(c.satisfied.rate),
            pct(c.satisfied.ci95_low),
            pct(c.satisfied.ci95_high),
            fmt_opt(c.mean.mean, 2),
            fmt_opt(c.mean.ci95_low, 2),
            fmt_opt(c.mean.ci95_high, 2),
            c.satisfied.n
        ));
    }
    if let Some(c) = &k.ces {
        o.push_str(&format!(
            "- **CES {}** on a 1-{} scale, {} (95 % CI {} to {}, t), n = {}.\n",
            fmt_opt(c.mean.mean, 2),
            c.scale.max,
            c.reading,
            fmt_opt(c.mean.ci95_low, 2),
            fmt_opt(c.mean.ci95_high, 2),
            c.mean.n
        ));
    }
    if let Some(f) = &k.fcr {
        o.push_str(&format!(
            "- **FCR {} % resolved** at first contact (95 % CI {} to {} %, Wilson), n = {}; {}.\n",
            pct(f.resolved.rate),
            pct(f.resolved.ci95_low),
            pct(f.resolved.ci95_high),
            f.resolved.n,
            if f.below_floor {
                format!("below the usual {:.0} % floor", 100.0 * f.floor)
            } else {
                format!("the usual floor is {:.0} %", 100.0 * f.floor)
            }
        ));
    }
    o
}

/// One headline card of report.html, as plain text (the template escapes it).
#[derive(Debug, Clone, PartialEq)]
pub struct KpiCard {
    /// The card's element id: `kpi-csat`, `kpi-ces`, `kpi-fcr`.
    pub id: &'static str,
    /// "CSAT (% satisfied)"
    pub title: String,
    /// The headline figure.
    pub value: String,
    /// Interval, mean or floor, and n.
    pub detail: String,
}

/// One headline card per KPI present (the report's `card` style), CSAT, CES, FCR in order.
pub fn cards(k: &KpiStats) -> Vec<KpiCard> {
    let mut o = Vec::new();
    if let Some(c) = &k.csat {
        o.push(KpiCard {
            id: "kpi-csat",
            title: "CSAT (% satisfied)".to_string(),
            value: format!("{} %", pct(c.satisfied.rate)),
            detail: format!(
                "95% CI {} to {} · mean {} of 5 · n = {}",
                pct(c.satisfied.ci95_low),
                pct(c.satisfied.ci95_high),
                fmt_opt(c.mean.mean, 2),
                c.satisfied.n
            ),
        });
    }
    if let Some(c) = &k.ces {
        o.push(KpiCard {
            id: "kpi-ces",
            title: format!("CES (mean, 1-{})", c.scale.max),
            value: fmt_opt(c.mean.mean, 2),
            detail: format!(
                "95% CI {} to {} · {} · n = {}",
                fmt_opt(c.mean.ci95_low, 2),
                fmt_opt(c.mean.ci95_high, 2),
                c.reading,
                c.mean.n
            ),
        });
    }
    if let Some(f) = &k.fcr {
        o.push(KpiCard {
            id: "kpi-fcr",
            title: "FCR (resolved)".to_string(),
            value: format!("{} %", pct(f.resolved.rate)),
            detail: format!(
                "95% CI {} to {} · floor {:.0} %{} · n = {}",
                pct(f.resolved.ci95_low),
                pct(f.resolved.ci95_high),
                100.0 * f.floor,
                if f.below_floor { ", below it" } else { "" },
                f.resolved.n
            ),
        });
    }
    o
}
