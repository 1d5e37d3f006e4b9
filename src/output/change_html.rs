//! HTML for the week-over-week sections of report.html: plain tables with the same numbers and
//! wording as the Markdown ([`super::change_md`]); every value from the data is escaped.

use std::fmt::Write;

use super::report_html::esc;
use super::summary::Summary;
use super::{fmt_pct, fmt_signed, nps_change_test};
use crate::stats::change::Change;

fn fmt_p(p: Option<f64>) -> String {
    esc(&super::fmt_p(p))
}

fn change_html(o: &mut String, ch: &Change, h: &str) {
    let n = &ch.nps;
    let _ = write!(
        o,
        "<ul><li>Before: {}.</li><li>Now: {}.</li>",
        esc(&ch.before_detail),
        esc(&ch.after_detail)
    );
    let test = esc(&nps_change_test(n));
    let _ = write!(
        o,
        "<li><b>NPS {} → {}: {} points</b> ({test}).</li>",
        fmt_signed(n.before.nps, 1),
        fmt_signed(n.after.nps, 1),
        fmt_signed(n.difference, 1)
    );
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "none".to_string()
        } else {
            esc(&ids.join(", "))
        }
    };
    let _ = write!(
        o,
        "<li>Emerging themes: {}. Spiking: {}. Went quiet: {}.</li>",
        list(&ch.emerging),
        list(&ch.spiking),
        list(&ch.quiet)
    );
    for w in &ch.warnings {
        let _ = write!(o, "<li>⚠ {}.</li>", esc(w));
    }
    o.push_str("</ul>");
    if !ch.attribution.is_empty() {
        let _ = write!(
            o,
            "<{h}>What moved NPS</{h}><p class=\"small\">Each response counts once (1/k to each of its k themes). Volume: effect of the group's change in share; rate: effect of the change in its own NPS. The rows add up to the NPS change.</p><table><thead><tr><th>Group</th><th>Share before</th><th>Share now</th><th>NPS before</th><th>NPS now</th><th>Volume (pts)</th><th>Rate (pts)</th><th>Total (pts)</th></tr></thead><tbody>"
        );
        let mut rows: Vec<_> = ch.attribution.iter().collect();
        rows.sort_by(|a, b| {
            b.total
                .abs()
                .total_cmp(&a.total.abs())
                .then(a.group.cmp(&b.group))
        });
        for c in rows {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.name),
                fmt_pct(Some(c.share_before), 1),
                fmt_pct(Some(c.share_after), 1),
                fmt_signed(c.nps_before, 1),
                fmt_signed(c.nps_after, 1),
                fmt_signed(Some(c.volume_effect), 2),
                fmt_signed(Some(c.rate_effect), 2),
                fmt_signed(Some(c.total), 2)
            );
        }
        o.push_str("</tbody></table>");
    }
    let _ = write!(
        o,
        "<{h}>Theme shares against the history ({})</{h}><table><thead><tr><th>Theme</th><th>Mentions (history)</th><th>Share (history)</th><th>Mentions now</th><th>Share now</th><th>Test</th><th>q rise</th><th>q fall</th><th>Status</th></tr></thead><tbody>",
        esc(&ch.history_label)
    );
    for t in ch
        .themes
        .iter()
        .filter(|t| t.mentions_history + t.mentions_now > 0 || t.status == "not_in_taxonomy")
    {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.name),
            t.mentions_history,
            fmt_pct(t.share_history, 1),
            t.mentions_now,
            fmt_pct(t.share_now, 1),
            esc(t.test.as_deref().unwrap_or("–")),
            fmt_p(t.q_rise),
            fmt_p(t.q_fall),
            esc(&t.status.replace('_', " "))
        );
    }
    o.push_str("</tbody></table>");
}

/// The report.html sections; empty unless --previous or --by-week was given.
pub fn sections(s: &Summary) -> String {
    let mut o = String::new();
    if let Some(ch) = &s.change {
        o.push_str("<h2>Change since previous run</h2>");
        change_html(&mut o, ch, "h3");
    }
    if let Some(w) = &s.weeks {
        let _ = write!(
            o,
            "<h2>Week by week</h2><p class=\"small\">Dates from column '{}', ISO weeks (Monday to Sunday).</p><table><thead><tr><th>Week</th><th>Dates</th><th>n</th><th>NPS</th><th>95% CI</th><th>Change (pts)</th><th>p</th><th>Comments</th></tr></thead><tbody>",
            esc(&w.date_column)
        );
        for r in &w.weeks {
            let _ = write!(
                o,
                "<tr><td>{}{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.week),
                if r.small_n { " (small n)" } else { "" },
                esc(&r.start),
                esc(&r.end),
                r.nps.n,
                fmt_signed(r.nps.nps, 1),
                fmt_signed(r.nps.ci95_low, 1),
                fmt_signed(r.nps.ci95_high, 1),
                fmt_signed(r.change_points, 1),
                fmt_p(r.change_p_value),
                r.comments
            );
        }
        o.push_str("</tbody></table>");
        if let Some(ch) = &w.last_change {
            let _ = write!(
                o,
                "<h3>{} against {}</h3>",
                esc(&ch.after_label),
                esc(&ch.before_label)
            );
            change_html(&mut o, ch, "h4");
        }
    }
    o
}
