//! The "KPI drivers" section of the reports, from the report model
//! ([`crate::report::Report::kpi_causes`] and `statistics.kpi_drivers`): the sentence naming the
//! themes behind low CSAT, high effort and unresolved contacts, report.md's tables, and the
//! text report.html's `templates/kpi_drivers.html` lays out (and escapes). Pure: model in, text
//! out; both renderers format the numbers here so they say the same.

use std::fmt::Write;

use super::markdown::md_escape;
use super::{fmt_p, fmt_pct, fmt_q, fmt_signed, impact_with_ci, join_and};
use crate::report::kpi_drivers::KpiCauses;
use crate::report::Report;
use crate::stats::kpi_drivers::{KpiDriver, KpiDriverTable, KpiDrivers, RepeatContactCheck};

/// "Behind low CSAT: Wait time (+25.0 pts); behind unresolved contacts: no theme stands out
/// from noise." Theme names through `esc` (Markdown escaping; identity for the HTML template,
/// which escapes by itself). Empty without a KPI table.
pub fn causes_sentence(causes: &[KpiCauses], esc: fn(&str) -> String) -> String {
    let parts: Vec<String> = causes
        .iter()
        .map(|c| {
            let themes = if c.themes.is_empty() {
                "no theme stands out from noise".to_string()
            } else {
                join_and(
                    &c.themes
                        .iter()
                        .map(|t| {
                            format!(
                                "{} ({} pts)",
                                esc(&t.name),
                                fmt_signed(Some(t.difference_points), 1)
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            };
            format!("behind {}: {themes}", c.outcome)
        })
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    let s = parts.join("; ");
    let mut chars = s.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

/// The same text unescaped, for the HTML template.
pub fn causes_sentence_plain(causes: &[KpiCauses]) -> String {
    causes_sentence(causes, |s| s.to_string())
}

/// What the section says before its tables.
pub const EXPLANATION: &str = "Among the commented responses that answered each KPI: the rate of the bad outcome among those mentioning the theme against those not mentioning it, and the difference in percentage points (pts) with Newcombe's 95 % interval (from the two Wilson intervals). Test: the two-proportion z-test when every expected count is at least 5, else Fisher's exact test; q = Benjamini-Hochberg across the themes of the KPI, ✔ below 0.05. A theme with fewer than 30 mentions among the answers is listed, not tested (as for NPS). Named above: themes with ✔ and a positive difference. Themes go with the outcome; they do not prove it.";

/// "120 commented responses answered; 30 (25.0%) with the outcome."
pub fn table_intro(t: &KpiDriverTable) -> String {
    format!(
        "{} commented responses answered; {} ({}) with the outcome.",
        t.answered,
        t.outcome_count,
        fmt_pct(
            (t.answered > 0).then(|| t.outcome_count as f64 / t.answered as f64),
            1
        )
    )
}

/// "+46.1 (+25.3 to +62.2)", or "–" when untested.
pub fn difference(d: &KpiDriver) -> String {
    match (d.difference_points, d.ci95_low_points, d.ci95_high_points) {
        (Some(x), Some(lo), Some(hi)) => impact_with_ci(x, lo, hi),
        _ => "–".into(),
    }
}

/// The table's heading: its outcome label with a capital.
pub fn heading(t: &KpiDriverTable) -> String {
    let mut c = t.outcome_label.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The FCR against repeat_contact paragraph (numbers and fixed words only: no escaping needed).
pub fn repeat_contact_paragraph(c: &RepeatContactCheck) -> String {
    if c.repeat_contact == 0 {
        return format!(
            "FCR against repeat contact: no commented response tagged repeat contact answered the FCR question ({} other commented responses did).",
            c.others
        );
    }
    let test = match (c.p_value, &c.test) {
        (Some(p), Some(t)) => format!(
            "{} points, 95 % CI {} to {}, {} p = {}",
            fmt_signed(c.difference_points, 1),
            fmt_signed(c.ci95_low_points, 1),
            fmt_signed(c.ci95_high_points, 1),
            if t == "fisher" {
                "Fisher's exact"
            } else {
                "z-test"
            },
            fmt_p(Some(p))
        ),
        _ => "not tested: fewer than 5 answers on a side".into(),
    };
    format!(
        "FCR against repeat contact: of the {} commented responses tagged repeat contact that answered the FCR question, {} ({}) said it was resolved, against {} of the other {} ({test}). A customer who had to contact again was not helped at the first contact, so a high share of \"resolved\" among them means the question is read as \"solved by now\" (first-contact resolution overstated) or the repeat-contact tag fires on comments that are no repeat contact: read the FCR rate with that in mind.",
        c.repeat_contact,
        c.resolved,
        fmt_pct(c.fcr_rate_repeat, 1),
        fmt_pct(c.fcr_rate_others, 1),
        c.others,
    )
}

/// report.md's "KPI drivers" section; empty when the export has no KPI answered by a commented
/// response.
pub fn md_section(r: &Report) -> String {
    let d: &KpiDrivers = &r.summary.statistics.kpi_drivers;
    if d.is_empty() {
        return String::new();
    }
    let mut o = String::new();
    let _ = writeln!(o, "\n## KPI drivers");
    let sentence = causes_sentence(&r.kpi_causes, md_escape);
    if !sentence.is_empty() {
        let _ = writeln!(o, "\n**{sentence}**");
    }
    if !d.tables.is_empty() {
        let _ = writeln!(o, "\n{EXPLANATION}");
    }
    for t in &d.tables {
        // Headings and notes are fixed words and numbers: nothing to escape.
        let _ = writeln!(o, "\n### {}\n", heading(t));
        let _ = writeln!(o, "{}\n", table_intro(t));
        let _ = writeln!(
            o,
            "| Theme | Mentions answering | Rate with | Rate without | Difference (pts, 95% CI) | Test | q | Note |"
        );
        let _ = writeln!(o, "|---|--:|--:|--:|--:|---|--:|---|");
        for x in &t.themes {
            let name = md_escape(&x.name);
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                if x.caution.is_some() {
                    format!("*{name}*")
                } else {
                    name
                },
                x.mentions,
                fmt_pct(x.rate_with, 1),
                fmt_pct(x.rate_without, 1),
                difference(x),
                x.test.as_deref().unwrap_or("–"),
                fmt_q(x.q_value, x.significant),
                x.caution.as_deref().map(md_escape).unwrap_or_default()
            );
        }
    }
    if !d.notes.is_empty() {
        o.push('\n');
        for n in &d.notes {
            let _ = writeln!(o, "- {n}.");
        }
    }
    if let Some(c) = &d.repeat_contact {
        let _ = writeln!(o, "\n{}", repeat_contact_paragraph(c));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::kpi_drivers::KpiCause;

    #[test]
    fn the_sentence_names_each_outcome_and_escapes_names() {
        let causes = vec![
            KpiCauses {
                outcome: "low CSAT".into(),
                themes: vec![
                    KpiCause {
                        id: "wait_time".into(),
                        name: "Wait *time*".into(),
                        difference_points: 25.04,
                        q_value: Some(0.001),
                    },
                    KpiCause {
                        id: "billing".into(),
                        name: "Billing".into(),
                        difference_points: 9.96,
                        q_value: Some(0.04),
                    },
                ],
            },
            KpiCauses {
                outcome: "high effort".into(),
                themes: vec![],
            },
        ];
        assert_eq!(
            causes_sentence(&causes, md_escape),
            "Behind low CSAT: Wait \\*time\\* (+25.0 pts) and Billing (+10.0 pts); behind high effort: no theme stands out from noise."
        );
        assert!(causes_sentence_plain(&causes).contains("Wait *time* (+25.0 pts)"));
        assert_eq!(causes_sentence(&[], md_escape), "");
    }

    #[test]
    fn the_repeat_contact_paragraph_by_hand() {
        let c = RepeatContactCheck {
            repeat_contact: 30,
            resolved: 10,
            others: 73,
            others_resolved: 58,
            fcr_rate_repeat: Some(10.0 / 30.0),
            fcr_rate_others: Some(58.0 / 73.0),
            difference_points: Some(-46.118_721),
            ci95_low_points: Some(-62.2),
            ci95_high_points: Some(-25.3),
            test: Some("z".into()),
            p_value: Some(7.1e-6),
        };
        let p = repeat_contact_paragraph(&c);
        assert!(
            p.starts_with("FCR against repeat contact: of the 30 commented responses tagged repeat contact that answered the FCR question, 10 (33.3%) said it was resolved, against 79.5% of the other 73 (-46.1 points, 95 % CI -62.2 to -25.3, z-test p = <0.001)."),
            "{p}"
        );
        let none = RepeatContactCheck {
            repeat_contact: 0,
            resolved: 0,
            fcr_rate_repeat: None,
            difference_points: None,
            test: None,
            p_value: None,
            ..c
        };
        assert!(
            repeat_contact_paragraph(&none).contains("no commented response tagged repeat contact")
        );
    }
}
