//! `report.md`: the root-cause report as Markdown, for e-mail, wikis and diffs. Pure: summary
//! in, text out, no clock, so the same input gives the same bytes (and a snapshot test can hold
//! it). Verbatims are escaped so that nothing in a comment can become Markdown or HTML.

use std::fmt::Write;

use super::summary::Summary;
use super::{fmt_opt, fmt_pct, fmt_signed};
use crate::stats::{NpsStat, Reservoir, ThemeStat, Verbatim};
use crate::taxonomy::Taxonomy;

pub struct ReportInput<'a> {
    pub summary: &'a Summary,
    pub taxonomy: &'a Taxonomy,
    /// Per theme, in taxonomy order; already masked unless --keep-pii.
    pub verbatims: &'a [Reservoir],
}

/// Escape text for Markdown: HTML-significant characters become entities, Markdown syntax
/// characters are backslash-escaped, and line breaks become spaces.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '!' | '(' | ')' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// "+12.3 (95% CI +4.1 to +20.2)"
pub fn nps_with_ci(n: &NpsStat) -> String {
    match n.nps {
        Some(_) => format!(
            "{} (95% CI {} to {})",
            fmt_signed(n.nps, 1),
            fmt_signed(n.ci95_low, 1),
            fmt_signed(n.ci95_high, 1)
        ),
        None => "– (no responses)".into(),
    }
}

/// Render a verbatim with its evidence spans marked: `escape` for the text, `open`/`close`
/// around each span. Spans out of range or overlapping an earlier one are skipped.
pub fn mark_spans(v: &Verbatim, escape: fn(&str) -> String, open: &str, close: &str) -> String {
    let chars: Vec<char> = v.text.chars().collect();
    let piece = |a: usize, b: usize| escape(&chars[a..b].iter().collect::<String>());
    let mut spans = v.spans.clone();
    spans.sort();
    let mut out = String::new();
    let mut at = 0;
    for (s, e) in spans {
        if s < at || e > chars.len() || s >= e {
            continue;
        }
        out.push_str(&piece(at, s));
        out.push_str(open);
        out.push_str(&piece(s, e));
        out.push_str(close);
        at = e;
    }
    out.push_str(&piece(at, chars.len()));
    out
}

/// A verbatim with its evidence in bold, escaped.
pub fn highlighted(v: &Verbatim) -> String {
    mark_spans(v, md_escape, "**", "**")
}

fn theme_row(t: &ThemeStat) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} / {} | {} | {} | {} | {} | {} |",
        md_escape(&t.name),
        t.group,
        t.mentions,
        fmt_pct(t.share_of_comments, 1),
        fmt_signed(t.nps_mentioners, 1),
        fmt_pct(t.detractor_rate_with, 0),
        fmt_pct(t.detractor_rate_without, 0),
        fmt_opt(t.lift, 2),
        fmt_signed(t.impact_points, 1),
        fmt_signed(t.impact_negative_points, 1),
        fmt_signed(t.impact_positive_points, 1),
        match t.q_value {
            Some(q) if t.significant => format!("{q:.3} ✔"),
            Some(q) => format!("{q:.3}"),
            None => "n too small".into(),
        }
    )
}

pub fn render(r: &ReportInput) -> String {
    let s = r.summary;
    let st = &s.statistics;
    let c = &s.counts;
    let mut o = String::new();
    let _ = writeln!(o, "# NPS root-cause report\n");
    let _ = writeln!(
        o,
        "Input `{}` (sha256 `{}`), {} rows; model `{}`.\n",
        md_escape(&s.fingerprint.input_file),
        &s.fingerprint.input_sha256[..16.min(s.fingerprint.input_sha256.len())],
        c.rows_in,
        md_escape(&s.fingerprint.model_id)
    );
    let _ = writeln!(o, "## Headline\n");
    let o_ = &st.overall;
    let _ = writeln!(o, "- **NPS {}**, n = {}.", nps_with_ci(o_), o_.n);
    let pct = |x: u64| fmt_pct((o_.n > 0).then(|| x as f64 / o_.n as f64), 1);
    let _ = writeln!(
        o,
        "- {} promoters ({}), {} passives ({}), {} detractors ({}).",
        o_.promoters,
        pct(o_.promoters),
        o_.passives,
        pct(o_.passives),
        o_.detractors,
        pct(o_.detractors)
    );
    if let Some(a) = &st.agent {
        let _ = writeln!(
            o,
            "- Agent NPS {}, n = {} (the agent-level question).",
            nps_with_ci(a),
            a.n
        );
    }
    let _ = writeln!(
        o,
        "- Rows: {} in, {} tagged, {} rejected (see `rejected.csv`); {} with a comment, {} without.",
        c.rows_in, c.tagged, c.rejected, c.commented, c.no_comment
    );
    let top: Vec<String> = st
        .themes_by_impact()
        .into_iter()
        .filter(|t| t.impact_points.unwrap_or(0.0) < 0.0)
        .take(3)
        .map(|t| {
            format!(
                "{} ({} pts)",
                md_escape(&t.name),
                fmt_signed(t.impact_points, 1)
            )
        })
        .collect();
    if !top.is_empty() {
        let _ = writeln!(o, "- Biggest drags on NPS: {}.", top.join(", "));
    }

    o.push_str(&super::change_md::sections(s));
    let _ = writeln!(o, "\n## What drives detractors\n");
    let _ = writeln!(
        o,
        "Themes ranked by leave-one-out impact: how many NPS points the score would change if the theme's mentioners were left out (negative = the theme pulls NPS down). q is the Benjamini-Hochberg adjusted p-value of the difference in NPS between mentioners and other commenters; ✔ marks q < 0.05.\n"
    );
    let _ = writeln!(
        o,
        "| Theme | Group | Mentions | Share of comments | NPS of mentioners | Detractors with / without | Lift | Impact (pts) | Negative mentions (pts) | Positive mentions (pts) | q |"
    );
    let _ = writeln!(o, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for t in st.themes_by_impact() {
        let _ = writeln!(o, "{}", theme_row(t));
    }
    let silent: Vec<&str> = st
        .themes
        .iter()
        .filter(|t| t.mentions == 0)
        .map(|t| t.id.as_str())
        .collect();
    if !silent.is_empty() {
        let _ = writeln!(o, "\nNot mentioned: {}.", silent.join(", "));
    }

    let _ = writeln!(o, "\n## Sentiment and languages\n");
    let sent: Vec<String> = st
        .sentiment
        .iter()
        .map(|(k, v)| format!("{} {}", k.as_str(), v))
        .collect();
    let _ = writeln!(o, "- Sentiment of comments: {}.", sent.join(", "));
    let langs: Vec<String> = st
        .languages
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(o, "- Languages: {}.", langs.join(", "));

    for (col, values) in &st.segments {
        let _ = writeln!(o, "\n## By {}\n", md_escape(col));
        let _ = writeln!(
            o,
            "| {} | n | Comments | NPS | 95% CI | Top drivers (impact pts) |",
            md_escape(col)
        );
        let _ = writeln!(o, "|---|--:|--:|--:|--:|---|");
        for v in values {
            let drivers: Vec<String> = v
                .top_drivers
                .iter()
                .map(|d| format!("{} ({})", d.id, fmt_signed(Some(d.impact_points), 1)))
                .collect();
            let _ = writeln!(
                o,
                "| {}{} | {} | {} | {} | {} to {} | {} |",
                md_escape(&v.value),
                if v.small_n { " (small n)" } else { "" },
                v.nps.n,
                v.comments,
                fmt_signed(v.nps.nps, 1),
                fmt_signed(v.nps.ci95_low, 1),
                fmt_signed(v.nps.ci95_high, 1),
                drivers.join(", ")
            );
        }
    }

    let _ = writeln!(o, "\n## Verbatims by theme\n");
    let _ = writeln!(
        o,
        "Representative comments for each theme, evidence in bold{}.",
        if s.pii_masked {
            "; personal data masked"
        } else {
            "; personal data NOT masked (--keep-pii)"
        }
    );
    for t in st.themes_by_impact() {
        let Some(i) = r.taxonomy.index_of(&t.id) else {
            continue;
        };
        let Some(res) = r.verbatims.get(i) else {
            continue;
        };
        if res.all().next().is_none() {
            continue;
        }
        let _ = writeln!(
            o,
            "\n### {} ({} mentions)\n",
            md_escape(&t.name),
            t.mentions
        );
        for v in res.all() {
            let _ = writeln!(
                o,
                "- score {} · {} · {} · {} — {}",
                v.score,
                v.category.as_str(),
                v.polarity.as_str(),
                md_escape(&v.language),
                highlighted(v)
            );
        }
    }

    let _ = writeln!(o, "\n## Data quality\n");
    if c.rejected == 0 {
        let _ = writeln!(o, "- No rows rejected.");
    } else {
        for (reason, n) in &c.rejected_by_reason {
            let _ = writeln!(o, "- Rejected, {reason}: {n}");
        }
    }
    for (field, n) in &c.unreadable_optional_fields {
        let _ = writeln!(o, "- Unreadable {field} values left empty: {n}");
    }
    if c.windowed_texts > 0 {
        let _ = writeln!(o, "- Texts longer than the encoder's window, embedded in several windows (not truncated): {}", c.windowed_texts);
    }
    let _ = writeln!(
        o,
        "- Input read as {} ({}).",
        s.input.format.kind,
        [
            s.input.format.encoding.clone(),
            s.input
                .format
                .delimiter
                .clone()
                .map(|d| format!("delimiter {d}"))
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    );
    let cols: Vec<String> = s
        .input
        .columns
        .iter()
        .map(|(k, v)| format!("{k} = '{}'", md_escape(v)))
        .collect();
    let _ = writeln!(o, "- Columns: {}.", cols.join(", "));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            md_escape("<script>alert(1)</script> *x* [a](b)"),
            "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\*x\\* \\[a\\]\\(b\\)"
        );
    }
}
