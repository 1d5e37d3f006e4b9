//! The "Trend" of the reports (`--history`): the headline's "this week" line, report.md's
//! tables and report.html's line charts with their text tables, all from the trend in the
//! report model (`summary.trend`, see [`crate::history::trend`]). Pure: trend in, text and
//! chart geometry out; report.html's template escapes every label.

use std::fmt::Write;

use super::markdown::md_escape;
use super::{fmt_opt, fmt_p, fmt_pct, fmt_signed};
use crate::history::trend::{Trend, TrendPeriod};
use crate::stats::kpi::Proportion;

/// One KPI along the periods: value and 95 % interval per period.
pub struct Series {
    /// Element id of the chart: `trend-nps`, `trend-csat`, `trend-ces`, `trend-fcr`,
    /// `trend-theme-1`...
    pub id: String,
    pub title: String,
    /// (value, low, high) per period, in the trend's order.
    pub points: Vec<(Option<f64>, Option<f64>, Option<f64>)>,
    format: Format,
}

impl Series {
    pub fn fmt(&self, v: Option<f64>) -> String {
        (self.format)(v)
    }

    /// "+12.0 (95% CI -3.0 to +25.0)", "–" when the period has no value.
    pub fn cell(&self, i: usize) -> String {
        match self.points.get(i) {
            Some((Some(v), lo, hi)) if lo.is_some() => format!(
                "{} ({} to {})",
                self.fmt(Some(*v)),
                self.fmt(*lo),
                self.fmt(*hi)
            ),
            Some((Some(v), _, _)) => self.fmt(Some(*v)),
            _ => "–".to_string(),
        }
    }
}

type Format = fn(Option<f64>) -> String;

fn points_pct(v: Option<f64>) -> String {
    fmt_pct(v, 1)
}

fn mean_2(v: Option<f64>) -> String {
    fmt_opt(v, 2)
}

fn points_signed(v: Option<f64>) -> String {
    fmt_signed(v, 1)
}

fn rate(p: Option<&Proportion>) -> (Option<f64>, Option<f64>, Option<f64>) {
    p.map_or((None, None, None), |x| (x.rate, x.ci95_low, x.ci95_high))
}

/// The KPIs with a value in at least one period: NPS always, then CSAT, CES and FCR.
pub fn series(t: &Trend) -> Vec<Series> {
    let mut out = vec![Series {
        id: "trend-nps".into(),
        title: "NPS".into(),
        points: t
            .periods
            .iter()
            .map(|p| (p.nps.nps, p.nps.ci95_low, p.nps.ci95_high))
            .collect(),
        format: points_signed,
    }];
    let csat = t
        .periods
        .iter()
        .map(|p| rate(p.csat_satisfied.as_ref()))
        .collect();
    let ces = t
        .periods
        .iter()
        .map(|p| {
            p.ces_mean
                .as_ref()
                .map_or((None, None, None), |m| (m.mean, m.ci95_low, m.ci95_high))
        })
        .collect();
    let fcr = t
        .periods
        .iter()
        .map(|p| rate(p.fcr_rate.as_ref()))
        .collect();
    let kpis: [(&'static str, &'static str, Vec<_>, Format); 3] = [
        ("trend-csat", "CSAT % satisfied", csat, points_pct),
        ("trend-ces", "CES mean", ces, mean_2),
        ("trend-fcr", "FCR % resolved", fcr, points_pct),
    ];
    for (id, title, points, format) in kpis {
        if points.iter().any(|x: &(Option<f64>, _, _)| x.0.is_some()) {
            out.push(Series {
                id: id.into(),
                title: title.into(),
                points,
                format,
            });
        }
    }
    out
}

/// The share of comments of each of the trend's themes, with its 95 % Wilson interval, per
/// period (drawn like the KPIs; empty where the period's entry came from another taxonomy).
pub fn theme_series(t: &Trend) -> Vec<Series> {
    t.themes
        .iter()
        .enumerate()
        .map(|(j, theme)| Series {
            id: format!("trend-theme-{}", j + 1),
            title: format!("{}: share of comments", theme.name),
            points: t
                .periods
                .iter()
                .map(|p| {
                    let ci = p.theme_share_ci95.get(j).copied().flatten();
                    (
                        p.theme_shares.get(j).copied().flatten(),
                        ci.map(|c| c.0),
                        ci.map(|c| c.1),
                    )
                })
                .collect(),
            format: points_pct,
        })
        .collect()
}

/// The headline's line on "this week": its NPS, the change since the period before in the
/// history and against the running average. Plain text (escape it for the page).
pub fn headline(t: &Trend) -> String {
    let h = &t.headline;
    let mut s = format!(
        "This week, {}: NPS {}, n = {}",
        h.period.describe(),
        fmt_signed(h.nps.nps, 1),
        h.nps.n
    );
    match (&h.previous, &h.previous_change) {
        (Some(p), Some(ch)) => {
            let _ = write!(
                s,
                "; {} points since {}",
                fmt_signed(ch.difference, 1),
                p.key
            );
            if let Some(pv) = ch.p_value {
                let _ = write!(
                    s,
                    " (95% CI {} to {}, p = {})",
                    fmt_signed(ch.ci95_low, 1),
                    fmt_signed(ch.ci95_high, 1),
                    fmt_p(Some(pv))
                );
            }
        }
        _ => s.push_str("; no earlier period to compare with"),
    }
    if let Some(m) = h.previous_missing.as_ref().filter(|_| h.previous.is_some()) {
        let _ = write!(s, " ({m})");
    }
    if let (Some(d), Some(a)) = (h.average_difference, h.average_nps) {
        let _ = write!(
            s,
            "; {} points against the running average of the {} earlier period{} shown ({})",
            fmt_signed(Some(d), 1),
            h.average_periods,
            if h.average_periods == 1 { "" } else { "s" },
            fmt_signed(Some(a), 1)
        );
    }
    s.push('.');
    if !h.later.is_empty() {
        let _ = write!(
            s,
            " The history already holds later period{} ({}): this run reruns an older period; the trend shows them all.",
            if h.later.len() == 1 { "" } else { "s" },
            h.later.join(", ")
        );
    }
    s
}

fn period_label(p: &TrendPeriod, headline: &str) -> String {
    let mut s = p.period.key.clone();
    if p.period.key == headline {
        s.push_str(" (this week)");
    }
    if p.small_n {
        s.push_str(" (small n)");
    }
    s
}

/// The introduction of the Trend section (plain text).
pub fn intro(t: &Trend) -> String {
    format!(
        "The last {} of the {} periods in the history folder, in date order, with 95 % intervals (NPS adjusted Wald, rates Wilson, means t). The running average is the mean NPS of the earlier periods shown, each period weighing the same. Theme shares are shares of each period's comments, for the {} themes mentioned most over these periods.",
        t.periods.len(),
        t.periods_in_history,
        t.themes.len()
    )
}

/// report.md's Trend section.
pub fn md_section(t: &Trend) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "\n## Trend\n");
    let _ = writeln!(o, "{}\n", intro(t));
    let series = series(t);
    let head: Vec<&str> = series.iter().map(|s| s.title.as_str()).collect();
    let _ = writeln!(
        o,
        "| Period | Dates | n | {} |",
        head.join(" (95% CI) | ") + " (95% CI)"
    );
    let _ = writeln!(o, "|---|---|--:|{}", "--:|".repeat(series.len()));
    let hk = &t.headline.period.key;
    for (i, p) in t.periods.iter().enumerate() {
        let cells: Vec<String> = series.iter().map(|s| s.cell(i)).collect();
        let _ = writeln!(
            o,
            "| {} | {} to {} | {} | {} |",
            period_label(p, hk),
            p.period.from,
            p.period.to,
            p.nps.n,
            cells.join(" | ")
        );
    }
    if !t.themes.is_empty() {
        let _ = writeln!(
            o,
            "\nShare of comments mentioning each theme (95% CI, Wilson):\n"
        );
        let names: Vec<String> = t.themes.iter().map(|x| md_escape(&x.name)).collect();
        let _ = writeln!(o, "| Period | {} |", names.join(" | "));
        let _ = writeln!(o, "|---|{}", "--:|".repeat(t.themes.len()));
        let shares = theme_series(t);
        for (i, p) in t.periods.iter().enumerate() {
            let cells: Vec<String> = shares.iter().map(|s| s.cell(i)).collect();
            let _ = writeln!(o, "| {} | {} |", period_label(p, hk), cells.join(" | "));
        }
    }
    for w in &t.warnings {
        let _ = writeln!(o, "\n- Note: {}", md_escape(w));
    }
    o
}

/// A tick or label of a trend chart.
pub struct Label {
    pub x: String,
    pub y: String,
    pub text: String,
}

/// A period's point with its interval whisker.
pub struct TrendPoint {
    pub x: String,
    pub y: String,
    pub r: f64,
    pub whisker: Option<Whisker>,
    /// "2026-W44: +12.0 (95% CI -3.0 to +25.0), n = 40"
    pub title: String,
    pub headline: bool,
}

/// A vertical interval at a point, with caps.
pub struct Whisker {
    pub low: String,
    pub high: String,
    pub cap_left: String,
    pub cap_right: String,
}

/// One KPI's line chart: points with whiskers, the line between consecutive periods that have
/// a value, y ticks and period labels.
pub struct TrendChart {
    pub id: String,
    pub title: String,
    pub w: f64,
    pub h: f64,
    pub left: f64,
    pub right: f64,
    pub bottom: f64,
    pub points: Vec<TrendPoint>,
    pub segments: Vec<(String, String, String, String)>,
    pub y_ticks: Vec<Label>,
    pub x_labels: Vec<Label>,
}

/// Lay out one series as a chart.
pub fn chart(t: &Trend, s: &Series) -> TrendChart {
    let (w, h, left, right, top, bottom) = (640.0, 180.0, 56.0, 624.0, 12.0, 144.0);
    let all: Vec<f64> = s
        .points
        .iter()
        .flat_map(|(v, lo, hi)| [*v, *lo, *hi])
        .flatten()
        .collect();
    let (mut lo, mut hi) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let n = s.points.len().max(1);
    let px = |i: usize| {
        if n == 1 {
            (left + right) / 2.0
        } else {
            left + 16.0 + i as f64 * (right - left - 32.0) / (n - 1) as f64
        }
    };
    let py = |v: f64| bottom - (v - lo) / (hi - lo) * (bottom - top);
    let hk = &t.headline.period.key;
    let points: Vec<TrendPoint> = s
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, (v, l, u))| {
            let v = (*v)?;
            let p = &t.periods[i];
            Some(TrendPoint {
                x: format!("{:.1}", px(i)),
                y: format!("{:.1}", py(v)),
                r: if &p.period.key == hk { 5.0 } else { 3.5 },
                whisker: l.zip(*u).map(|(l, u)| Whisker {
                    low: format!("{:.1}", py(l)),
                    high: format!("{:.1}", py(u)),
                    cap_left: format!("{:.1}", px(i) - 4.0),
                    cap_right: format!("{:.1}", px(i) + 4.0),
                }),
                title: format!("{}: {}, n = {}", p.period.key, s.cell(i), p.nps.n),
                headline: &p.period.key == hk,
            })
        })
        .collect();
    let segments = s
        .points
        .windows(2)
        .enumerate()
        .filter_map(|(i, pair)| {
            let (a, b) = (pair[0].0?, pair[1].0?);
            Some((
                format!("{:.1}", px(i)),
                format!("{:.1}", py(a)),
                format!("{:.1}", px(i + 1)),
                format!("{:.1}", py(b)),
            ))
        })
        .collect();
    let y_ticks = [lo, (lo + hi) / 2.0, hi]
        .into_iter()
        .map(|v| Label {
            x: format!("{:.1}", left - 6.0),
            y: format!("{:.1}", py(v) + 4.0),
            text: s.fmt(Some(v)),
        })
        .collect();
    let x_labels = t
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| Label {
            x: format!("{:.1}", px(i)),
            y: format!("{:.1}", bottom + 18.0),
            // Short enough for twelve periods side by side: "W44", or the first day "10-26".
            text: match p.period.key.split_once("-W") {
                Some((_, w)) => format!("W{w}"),
                None => p.period.from.get(5..).unwrap_or_default().to_string(),
            },
        })
        .collect();
    TrendChart {
        id: s.id.clone(),
        title: s.title.clone(),
        w,
        h,
        left,
        right,
        bottom,
        points,
        segments,
        y_ticks,
        x_labels,
    }
}

/// The text table under the charts (for screen readers and print): one row per period.
pub struct TrendTable {
    pub head: Vec<String>,
    pub rows: Vec<TrendRow>,
}

pub struct TrendRow {
    /// The headline period's row.
    pub this_week: bool,
    pub cells: Vec<String>,
}

/// The KPI table and the theme-share table of report.html.
pub fn tables(t: &Trend) -> (TrendTable, Option<TrendTable>) {
    let series = series(t);
    let hk = &t.headline.period.key;
    let mut head = vec!["Period".to_string(), "Dates".into(), "n".into()];
    head.extend(series.iter().map(|s| format!("{} (95% CI)", s.title)));
    let rows = t
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut r = vec![
                period_label(p, hk),
                format!("{} to {}", p.period.from, p.period.to),
                p.nps.n.to_string(),
            ];
            r.extend(series.iter().map(|s| s.cell(i)));
            TrendRow {
                this_week: &p.period.key == hk,
                cells: r,
            }
        })
        .collect();
    let themes = (!t.themes.is_empty()).then(|| {
        let mut head = vec!["Period".to_string()];
        head.extend(t.themes.iter().map(|x| format!("{} (95% CI)", x.name)));
        let shares = theme_series(t);
        TrendTable {
            head,
            rows: t
                .periods
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut r = vec![period_label(p, hk)];
                    r.extend(shares.iter().map(|s| s.cell(i)));
                    TrendRow {
                        this_week: &p.period.key == hk,
                        cells: r,
                    }
                })
                .collect(),
        }
    });
    (TrendTable { head, rows }, themes)
}

/// Everything report.html shows of the trend.
pub struct TrendView<'a> {
    pub intro: String,
    pub charts: Vec<TrendChart>,
    /// One chart per theme of the trend: its share of comments with 95 % intervals.
    pub theme_charts: Vec<TrendChart>,
    pub table: TrendTable,
    pub themes: Option<TrendTable>,
    pub warnings: &'a [String],
}

pub fn view(t: &Trend) -> TrendView<'_> {
    let (table, themes) = tables(t);
    TrendView {
        intro: intro(t),
        charts: series(t).iter().map(|s| chart(t, s)).collect(),
        theme_charts: theme_series(t).iter().map(|s| chart(t, s)).collect(),
        table,
        themes,
        warnings: &t.warnings,
    }
}
