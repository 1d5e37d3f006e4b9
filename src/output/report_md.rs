//! `report.md`: the root-cause report as Markdown, for e-mail, wikis and diffs. Pure: the report
//! model ([`crate::report::Report`]) in, text out, no clock, so the same input gives the same bytes (and a snapshot test can hold
//! it). Verbatims are escaped so that nothing in a comment can become Markdown or HTML.

use std::fmt::Write;

use super::markdown::{highlighted, md_code, md_escape};
use super::{fmt_opt, fmt_pct, fmt_q, fmt_signed, impact_with_ci, nps_with_ci};
use crate::report::Report;
use crate::stats::{DriverModel, SegmentStat, Statistics, ThemeStat};

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
        fmt_q(t.q_value, t.significant)
    )
}

/// Greyed (italic, with the reason) when a caution applies.
fn grey(text: String, caution: Option<&str>) -> String {
    match caution {
        Some(_) => format!("*{text}*"),
        None => text,
    }
}

/// The driver-model section.
fn driver_section(o: &mut String, st: &Statistics, m: &DriverModel) {
    let _ = writeln!(o, "\n## Driver model\n");
    let _ = writeln!(
        o,
        "All themes at once: each commented response's score is regressed on its theme mentions (negative, positive, other), ridge-penalised (lambda {}) so overlapping themes stay stable; {} comments, {} responses. **Impact** = effect x frequency: the NPS points the theme's mentions cost (negative) or earn (positive) the overall score, with a 95 % bootstrap interval ({} replicates, seed {}). **Share** = the theme's Shapley share of what the detractor model explains ({}); the model explains {} of the variation in who is a detractor. Rows in italics are not to be ranked: the reason is given. Rows follow the report's ranking (leave-one-out impact).\n",
        m.ridge_lambda,
        m.rows,
        m.responses,
        m.bootstrap_replicates,
        m.seed,
        m.shapley,
        fmt_pct(Some(m.detractor_r2), 1)
    );
    let _ = writeln!(
        o,
        "| Theme | Group | Mentions | Impact (pts, 95% CI) | Negative mention (pts) | Positive mention (pts) | Share of explained | Note |"
    );
    let _ = writeln!(o, "|---|---|--:|--:|--:|--:|--:|---|");
    for t in crate::report::model_in_ranking_order(st, m) {
        let c = t.caution.as_deref();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            grey(md_escape(&t.name), c),
            t.group,
            t.mentions,
            grey(impact_with_ci(t.impact_points, t.ci95_low, t.ci95_high), c),
            fmt_signed(t.effect_negative_points, 1),
            fmt_signed(t.effect_positive_points, 1),
            fmt_pct(Some(t.importance_share), 1),
            c.map(md_escape).unwrap_or_default()
        );
    }
}

fn agent_section(o: &mut String, company: &DriverModel, agent: &DriverModel) {
    let _ = writeln!(o, "\n## Agent score versus company score\n");
    let _ = writeln!(
        o,
        "The same driver model fitted to the agent-level question ({} comments with an agent score). A theme that moves the company score but not the agent score is not the agent's to fix; the group column says whose it is (agent, process, outcome, channel, product).\n",
        agent.rows
    );
    let _ = writeln!(
        o,
        "| Theme | Group | Impact on company NPS (pts) | Impact on agent NPS (pts) |"
    );
    let _ = writeln!(o, "|---|---|--:|--:|");
    for t in company.ranked() {
        let Some(a) = agent.themes.iter().find(|a| a.id == t.id) else {
            continue;
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            grey(md_escape(&t.name), t.caution.as_deref()),
            t.group,
            impact_with_ci(t.impact_points, t.ci95_low, t.ci95_high),
            if a.mentions > 0 {
                grey(
                    impact_with_ci(a.impact_points, a.ci95_low, a.ci95_high),
                    a.caution.as_deref(),
                )
            } else {
                "–".into()
            }
        );
    }
}

fn segment_row(r: &Report, v: &SegmentStat, with_agent: bool) -> String {
    let name = |id: &str| md_escape(r.theme_name(id));
    let drivers: Vec<String> = v
        .top_drivers
        .iter()
        .map(|d| format!("{} ({})", name(&d.id), fmt_signed(Some(d.impact_points), 1)))
        .collect();
    let over: Vec<String> = v
        .over_represented
        .iter()
        .map(|x| match x.ratio {
            Some(q) => format!("{} (x{q:.1})", name(&x.id)),
            None => format!("{} (only here)", name(&x.id)),
        })
        .collect();
    let c = v.caution.as_deref();
    let agent = if with_agent {
        format!(
            " {} | {} |",
            v.agent_nps
                .as_ref()
                .map_or("–".to_string(), |a| fmt_signed(a.nps, 1)),
            fmt_signed(v.agent_gap_points, 1)
        )
    } else {
        String::new()
    };
    format!(
        "| {} | {} | {} | {} | {} to {} | {} | {} |{} {} | {} |",
        grey(md_escape(&v.value), c),
        v.nps.n,
        v.comments,
        grey(fmt_signed(v.nps.nps, 1), c),
        fmt_signed(v.nps.ci95_low, 1),
        fmt_signed(v.nps.ci95_high, 1),
        fmt_signed(v.difference_to_rest_points, 1),
        fmt_q(v.q_value, v.significant),
        agent,
        drivers.join(", "),
        [over.join(", "), c.map(md_escape).unwrap_or_default()]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// "Sentiment by theme": every mentioned theme's mentions by polarity, count and share.
fn topic_sentiment_section(o: &mut String, r: &Report) {
    if r.topic_sentiment.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n## Sentiment by theme\n");
    let _ = writeln!(
        o,
        "Each theme's mentions by sentiment (the theme's own polarity in the comment, as in `tagged.csv`), most mentioned first: count and share of the theme's mentions.\n"
    );
    let _ = writeln!(
        o,
        "| Theme | Mentions | Negative | Neutral | Mixed | Positive |\n|---|--:|--:|--:|--:|--:|"
    );
    for t in &r.topic_sentiment {
        let cells: Vec<String> = (0..crate::report::TOPIC_SENTIMENTS.len())
            .map(|i| format!("{} ({})", t.counts[i], fmt_pct(t.share(i), 0)))
            .collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            md_escape(&t.name),
            t.mentions,
            cells.join(" | ")
        );
    }
}

/// "Themes by segment": the heatmaps' numbers, one table per segment column (share of the
/// value's comments mentioning the theme, and the count), capped like report.html's.
fn heatmap_sections(o: &mut String, r: &Report) {
    for h in &r.heatmaps {
        if h.themes.is_empty() || h.rows.is_empty() {
            continue;
        }
        let col = md_escape(&h.column);
        let _ = writeln!(o, "\n## Themes by {col}\n");
        let _ = writeln!(
            o,
            "Share of each {col}'s comments that mention the theme (mentions in brackets); the {} values with most comments and the {} most-mentioned themes.\n",
            h.rows.len(),
            h.themes.len()
        );
        let names: Vec<String> = h.themes.iter().map(|(_, n)| md_escape(n)).collect();
        let _ = writeln!(o, "| {col} | Comments | {} |", names.join(" | "));
        let _ = writeln!(o, "|---|--:|{}", "--:|".repeat(names.len()));
        for row in &h.rows {
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| match c.share {
                    Some(s) if c.mentions > 0 => {
                        format!("{} ({})", fmt_pct(Some(s), 0), c.mentions)
                    }
                    _ => "·".to_string(),
                })
                .collect();
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                md_escape(&row.value),
                row.comments,
                cells.join(" | ")
            );
        }
        if h.omitted > 0 {
            let _ = writeln!(
                o,
                "\n{} further values with fewer comments are not shown.",
                h.omitted
            );
        }
        if !h.omitted_themes.is_empty() {
            let names: Vec<String> = h.omitted_themes.iter().map(|n| md_escape(n)).collect();
            let _ = writeln!(o, "\nThemes not shown: {}.", names.join(", "));
        }
    }
}

/// The headline's sentence naming the top causes of detractors (theme names, a short masked
/// verbatim each), or saying that no theme stands out from noise.
pub fn causes_sentence(r: &Report) -> String {
    let causes = &r.headline.causes;
    if causes.is_empty() {
        return "**Causes of detractors:** no theme stands out from noise (none is a significant damaging driver: q < 0.05 with enough mentions).".to_string();
    }
    let parts: Vec<String> = causes
        .iter()
        .map(|c| {
            let quote = c
                .verbatim
                .as_deref()
                .map(|v| format!(", e.g. “{}”", md_escape(v)))
                .unwrap_or_default();
            format!(
                "{} ({} pts{quote})",
                md_escape(&c.name),
                fmt_signed(Some(c.impact_points), 1)
            )
        })
        .collect();
    format!("**Top causes of detractors:** {}.", super::join_and(&parts))
}

/// report.md of a run.
pub fn render(r: &Report) -> String {
    let s = &r.summary;
    let st = &s.statistics;
    let c = &s.counts;
    let mut o = String::new();
    let _ = writeln!(o, "# NPS root-cause report\n");
    let _ = writeln!(o, "## Headline\n");
    let o_ = &st.overall;
    if let Some((first, last)) = &r.headline.period {
        let _ = writeln!(o, "- Period: {} to {}.", md_escape(first), md_escape(last));
    }
    if let Some(t) = &s.trend {
        // Period keys and dates only: checked when the entries were read.
        let _ = writeln!(o, "- {}", super::trend_report::headline(t));
    }
    let change = match &r.previous {
        Some(p) => format!(
            "; {} points {}",
            fmt_signed(p.nps_change, 1),
            md_escape(&p.label)
        ),
        None => String::new(),
    };
    let _ = writeln!(o, "- **NPS {}**, n = {}{change}.", nps_with_ci(o_), o_.n);
    o.push_str(&super::kpi_report::md_lines(&r.kpi));
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
    let _ = writeln!(o, "- {}", causes_sentence(r));
    if crate::report::kpi_drivers::any(&r.kpi_causes) {
        let _ = writeln!(
            o,
            "- **KPI drivers:** {}",
            super::kpi_drivers_report::causes_sentence(&r.kpi_causes, md_escape)
        );
    }
    let flagged: u64 = st.mismatches.values().sum();
    if flagged > 0 {
        let _ = writeln!(
            o,
            "- {flagged} comments contradict their score (see \"Score and text disagree\")."
        );
    }

    if let Some(t) = &s.trend {
        o.push_str(&super::trend_report::md_section(t));
    }
    o.push_str(&super::change_md::sections(s));
    let _ = writeln!(o, "\n## What drives detractors\n");
    let _ = writeln!(
        o,
        "Themes ranked by leave-one-out impact (the one ranking of this report, also of the headline and the closing line): how many NPS points the score would change if the theme's mentioners were left out (negative = the theme pulls NPS down). q is the Benjamini-Hochberg adjusted p-value of the difference in NPS between mentioners and other commenters; ✔ marks q < 0.05. Only themes with ✔, enough mentions and a negative impact are named as causes.{}\n",
        if st.drivers.is_some() {
            " Driver model: the same theme's impact when all themes are fitted at once (see \"Driver model\")."
        } else {
            ""
        }
    );
    let model_col = st.drivers.is_some();
    let _ = writeln!(
        o,
        "| Theme | Group | Mentions | Share of comments | NPS of mentioners | Detractors with / without | Lift | Impact (pts) | Negative mentions (pts) | Positive mentions (pts) | q |{}",
        if model_col { " Driver model (pts, 95% CI) |" } else { "" }
    );
    let _ = writeln!(
        o,
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|{}",
        if model_col { "--:|" } else { "" }
    );
    for t in crate::report::ranking(st) {
        let model = st.drivers.as_ref().map(|m| {
            m.themes
                .iter()
                .find(|d| d.id == t.id)
                .map_or("–".to_string(), |d| {
                    impact_with_ci(d.impact_points, d.ci95_low, d.ci95_high)
                })
        });
        match model {
            Some(x) => {
                let _ = writeln!(o, "{} {} |", theme_row(t), x);
            }
            None => {
                let _ = writeln!(o, "{}", theme_row(t));
            }
        }
    }
    let silent: Vec<String> = st
        .themes
        .iter()
        .filter(|t| t.mentions == 0)
        .map(|t| md_escape(&t.name))
        .collect();
    if !silent.is_empty() {
        let _ = writeln!(o, "\nNot mentioned: {}.", silent.join(", "));
    }
    let few: Vec<String> = st
        .themes
        .iter()
        .filter_map(|t| {
            t.caution
                .as_ref()
                .map(|c| format!("{} ({})", md_escape(&t.name), md_escape(c)))
        })
        .collect();
    if !few.is_empty() {
        let _ = writeln!(o, "\nRead with care: {}.", few.join("; "));
    }
    if let Some(m) = &st.drivers {
        driver_section(&mut o, st, m);
        if let Some(a) = &st.agent_drivers {
            agent_section(&mut o, m, a);
        }
    }

    o.push_str(&super::kpi_drivers_report::md_section(r));
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
    topic_sentiment_section(&mut o, r);
    heatmap_sections(&mut o, r);

    for (col, values) in &st.segments {
        let with_agent = values.iter().any(|v| v.agent_nps.is_some());
        let _ = writeln!(o, "\n## By {}\n", md_escape(col));
        let _ = writeln!(
            o,
            "vs rest: NPS of the {col} minus NPS of every other response, Welch's test; q adjusted (Benjamini-Hochberg) over every segment of every column, ✔ marks q < 0.05. Over-represented: themes named significantly more often in its comments than elsewhere (ratio of shares).{}\n",
            if with_agent {
                " Agent NPS and gap (agent minus company NPS on the same responses) where the export has an agent score."
            } else {
                ""
            },
            col = md_escape(col)
        );
        let _ = writeln!(
            o,
            "| {} | n | Comments | NPS | 95% CI | vs rest (pts) | q |{} Top drivers (impact pts) | Over-represented themes; notes |",
            md_escape(col),
            if with_agent { " Agent NPS | Gap (pts) |" } else { "" }
        );
        let _ = writeln!(
            o,
            "|---|--:|--:|--:|--:|--:|--:|{}---|---|",
            if with_agent { "--:|--:|" } else { "" }
        );
        for v in values {
            let _ = writeln!(o, "{}", segment_row(r, v, with_agent));
        }
    }

    if !st.mismatches.is_empty() {
        let total: u64 = st.mismatches.values().sum();
        let _ = writeln!(o, "\n## Score and text disagree\n");
        let _ = writeln!(
            o,
            "{} of {} comments ({}) contradict their score: {}. A low score with only praise often means a reversed scale or a score meant for something else; read these before quoting the score. Flagged in `tagged.csv` (column `mismatch`).\n",
            total,
            st.commented.n,
            fmt_pct((st.commented.n > 0).then(|| total as f64 / st.commented.n as f64), 1),
            st.mismatches
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for e in &st.mismatch_examples {
            let _ = writeln!(
                o,
                "- score {} · {} · {} · sentiment {:+.2} — {}",
                e.score,
                e.kind.as_str(),
                md_escape(&e.language),
                e.sentiment_score,
                md_escape(&e.text)
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
        let Some(res) = r.verbatims_of(&t.id) else {
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
    let _ = writeln!(o, "\n---\n");
    let _ = writeln!(
        o,
        "Input {} (sha256 {}), {} rows; model {}.",
        md_code(&s.fingerprint.input_file),
        md_code(&s.fingerprint.input_sha256[..16.min(s.fingerprint.input_sha256.len())]),
        c.rows_in,
        md_code(&s.fingerprint.model_id)
    );
    o
}
