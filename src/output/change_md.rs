//! Markdown for the week-over-week sections: "Change since previous run" and "Week by week"
//! in report.md, and `npsight compare` ([`compare`]). Pure: model in, text out.

use std::fmt::Write;

use super::markdown::md_escape;
use super::summary::Summary;
use super::{fmt_p, fmt_pct, fmt_signed, nps_change_test, nps_with_ci};
use crate::compare::WeeksReport;
use crate::report::Comparison;
use crate::stats::change::Change;

fn status_rank(s: &str) -> u8 {
    match s {
        "emerging" => 0,
        "spiking" => 1,
        "quiet" => 2,
        "down" => 3,
        "steady" => 4,
        "untested" => 5,
        _ => 6,
    }
}

/// The comparison body; sub-headings at `level` (2 = "##").
pub fn change_section(o: &mut String, ch: &Change, before: &str, after: &str, level: usize) {
    let h = "#".repeat(level);
    let _ = writeln!(o, "- Before: {}.", md_escape(before));
    let _ = writeln!(o, "- Now: {}.", md_escape(after));
    let n = &ch.nps;
    match n.difference {
        Some(d) => {
            let test = nps_change_test(n);
            let _ = writeln!(
                o,
                "- **NPS {} → {}: {} points** ({test}).",
                fmt_signed(n.before.nps, 1),
                fmt_signed(n.after.nps, 1),
                fmt_signed(Some(d), 1)
            );
        }
        None => {
            let _ = writeln!(o, "- NPS change: – (no responses on one side).");
        }
    }
    for line in super::kpi_change_report::lines(ch, true) {
        let _ = writeln!(o, "- {line}");
    }
    let names = |ids: &[String]| -> String {
        if ids.is_empty() {
            return "none".into();
        }
        ids.iter()
            .map(|id| {
                let t = ch.themes.iter().find(|t| &t.id == id);
                md_escape(t.map_or(id.as_str(), |t| t.name.as_str()))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        o,
        "- Emerging themes: {}. Spiking: {}. Went quiet: {}.",
        names(&ch.emerging),
        names(&ch.spiking),
        names(&ch.quiet)
    );
    for w in &ch.warnings {
        let _ = writeln!(o, "- ⚠ {}.", md_escape(w));
    }

    if !ch.attribution.is_empty() {
        let _ = writeln!(o, "\n{h} What moved NPS\n");
        let _ = writeln!(
            o,
            "Each response counts once: a comment with k themes gives 1/k to each, a comment without a theme counts under \"no theme\", a response without a comment under \"no comment\". *Volume* is what the group's change in share did (positive when a better-than-average group grew or a worse one shrank); *rate* is what the change in the group's own NPS did, at its average share. The rows add up to the NPS change.\n"
        );
        let _ = writeln!(
            o,
            "| Group | Share before | Share now | NPS before | NPS now | Volume (pts) | Rate (pts) | Total (pts) |"
        );
        let _ = writeln!(o, "|---|--:|--:|--:|--:|--:|--:|--:|");
        let mut rows: Vec<_> = ch.attribution.iter().collect();
        rows.sort_by(|a, b| {
            b.total
                .abs()
                .total_cmp(&a.total.abs())
                .then(a.group.cmp(&b.group))
        });
        for c in rows {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                md_escape(&c.name),
                fmt_pct(Some(c.share_before), 1),
                fmt_pct(Some(c.share_after), 1),
                fmt_signed(c.nps_before, 1),
                fmt_signed(c.nps_after, 1),
                fmt_signed(Some(c.volume_effect), 2),
                fmt_signed(Some(c.rate_effect), 2),
                fmt_signed(Some(c.total), 2)
            );
        }
        let vol: f64 = ch.attribution.iter().map(|c| c.volume_effect).sum();
        let rate: f64 = ch.attribution.iter().map(|c| c.rate_effect).sum();
        let _ = writeln!(
            o,
            "| **All responses** | 100% | 100% | {} | {} | {} | {} | **{}** |",
            fmt_signed(n.before.nps, 1),
            fmt_signed(n.after.nps, 1),
            fmt_signed(Some(vol), 2),
            fmt_signed(Some(rate), 2),
            fmt_signed(ch.attribution_sum, 2)
        );
    }

    let shown: Vec<_> = {
        let mut v: Vec<_> = ch
            .themes
            .iter()
            .filter(|t| t.mentions_history + t.mentions_now > 0 || t.status == "not_in_taxonomy")
            .collect();
        v.sort_by(|a, b| {
            status_rank(&a.status)
                .cmp(&status_rank(&b.status))
                .then(b.mentions_now.cmp(&a.mentions_now))
                .then(a.id.cmp(&b.id))
        });
        v
    };
    let _ = writeln!(
        o,
        "\n{h} Theme shares against the history ({})\n",
        md_escape(&ch.history_label)
    );
    let _ = writeln!(
        o,
        "Share = mentions / commented responses. One-sided tests of a rise and of a fall: the two-proportion z-test when every expected count is at least 5, else Fisher's exact test; q = Benjamini-Hochberg across themes. Spiking: rise with q < 0.05; emerging: the same from fewer than 5 mentions in the history; went quiet: fall with q < 0.05 to at most a quarter of the history share; down: any other fall with q < 0.05.\n"
    );
    if shown.is_empty() {
        let _ = writeln!(o, "No theme was mentioned on either side.");
        return;
    }
    let _ = writeln!(
        o,
        "| Theme | Mentions (history) | Share (history) | Mentions now | Share now | Test | q rise | q fall | Status |"
    );
    let _ = writeln!(o, "|---|--:|--:|--:|--:|---|--:|--:|---|");
    for t in shown {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md_escape(&t.name),
            t.mentions_history,
            fmt_pct(t.share_history, 1),
            t.mentions_now,
            fmt_pct(t.share_now, 1),
            t.test.as_deref().unwrap_or("–"),
            fmt_p(t.q_rise),
            fmt_p(t.q_fall),
            t.status.replace('_', " ")
        );
    }
}

/// The per-week table and the last week against the one before.
pub fn weeks_section(o: &mut String, w: &WeeksReport) {
    let _ = writeln!(o, "\n## Week by week\n");
    let order = match &w.date_order {
        Some(d) if d.assumed => format!(
            "; dates like 03/04/2026 read {} (assumed: no date in the file had a day or month above 12)",
            d.order.as_str()
        ),
        Some(d) => format!(
            "; dates like 03/04/2026 read {} ({} dates could only be day-first, {} only month-first)",
            d.order.as_str(),
            d.day_first_evidence,
            d.month_first_evidence
        ),
        None => String::new(),
    };
    let _ = writeln!(
        o,
        "Dates from column '{}', grouped into ISO weeks (Monday to Sunday){order}. The change is against the previous row, tested as in \"Change since previous run\".\n",
        md_escape(&w.date_column)
    );
    let _ = writeln!(
        o,
        "| Week | Dates | n | NPS (95% CI) | Change (pts) | p | Comments | Most mentioned themes |"
    );
    let _ = writeln!(o, "|---|---|--:|---|--:|--:|--:|---|");
    for r in &w.weeks {
        let top: Vec<String> = r
            .theme_mentions
            .iter()
            .take(3)
            .map(|(id, n)| format!("{} ({n})", md_escape(id)))
            .collect();
        let _ = writeln!(
            o,
            "| {}{} | {} to {} | {} | {} | {} | {} | {} | {} |",
            r.week,
            if r.small_n { " (small n)" } else { "" },
            r.start,
            r.end,
            r.nps.n,
            nps_with_ci(&r.nps),
            fmt_signed(r.change_points, 1),
            fmt_p(r.change_p_value),
            r.comments,
            top.join(", ")
        );
    }
    match &w.last_change {
        Some(ch) => {
            let _ = writeln!(
                o,
                "\n### {} against {}\n",
                md_escape(&ch.after_label),
                md_escape(&ch.before_label)
            );
            change_section(o, ch, &ch.before_detail, &ch.after_detail, 4);
        }
        None => {
            let _ = writeln!(o, "\nOnly one week: nothing to compare.");
        }
    }
}

/// The report.md sections for a run: empty unless --previous or --by-week was given.
pub fn sections(s: &Summary) -> String {
    let mut o = String::new();
    if let Some(ch) = &s.change {
        let _ = writeln!(o, "\n## Change since previous run\n");
        change_section(&mut o, ch, &ch.before_detail, &ch.after_detail, 3);
    }
    if let Some(w) = &s.weeks {
        weeks_section(&mut o, w);
    }
    o
}

/// `compare.md`: the change between two runs.
pub fn compare(c: &Comparison) -> String {
    let mut md = String::from("# NPS change between two runs\n\n");
    change_section(&mut md, &c.change, &c.before, &c.after, 2);
    md
}
