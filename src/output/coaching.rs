//! Coaching packs (`analyze --coaching`) rendered from the report model
//! ([`crate::report::CoachingPacks`]): `coaching/` gets one pack per team and per agent, each a
//! Markdown page and a CSV, for the training teams, and `index.md`.
//!
//! A pack holds the unit's NPS with its 95 % interval against the whole centre (and the
//! report's test of the difference against the rest of the centre, with the same corrected q
//! value), then the themes its detractors raise negatively, split in
//! two: themes the agent can change (taxonomy groups `agent` and `outcome`: attitude, knowledge,
//! resolution, repeat contact; an agent resolves or does not) and themes of the process,
//! channel or product, which are listed so coaching does not blame the agent for them. For each
//! theme, up to five representative verbatims (negative mentions; themes mentioned with mixed
//! feelings are named, never counted or quoted as raised negatively), masked in the model
//! unless --keep-pii. Pure rendering, then the files join the run's transaction.
//!
//! Strengths come first, before what to change: the comments that praise the agent (best five
//! quoted, promoters first), the unit's agent-level score beside the centre's where the export
//! has an agent score column, and the period. Negative mentions of agent-controllable themes
//! that the per-clause rule puts on the process (`report::coaching::target`) are named under
//! the agent's table, never counted or quoted there. With `--history`, the unit's NPS per
//! period follows the score table, from the history entries of earlier `--coaching` runs
//! ([`crate::report::coaching::CoachingPacks::add_trend`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::atomic::{AtomicFile, Transaction};
use super::filename::sanitize_file_stem;
use super::markdown::md_escape;
use super::{fmt_pct, fmt_signed};
use crate::report::coaching::{
    agent_controllable, CoachingPacks, ThemeUnit, Unit, UnitTrendPoint, VersusRest,
};
use crate::report::{Report, ThemeInfo};
use crate::stats::SMALL_N;

/// Write the packs of `report` and `index.md` into `dir` (created if needed) as part of `tx`:
/// they appear, and packs of a previous run that this run did not write disappear, when the
/// run's outputs are committed together. File names are `team-` or `agent-` followed by
/// [`sanitize_file_stem`] of the value (lower case, a hash suffix when the value had to be
/// changed), so no two values share a file, on case-insensitive file systems too. Returns the
/// files that will be written.
pub fn write(dir: &Path, tx: &mut Transaction, report: &Report) -> Result<Vec<PathBuf>> {
    let Some(packs) = &report.coaching else {
        return Ok(Vec::new());
    };
    // Every pack states the period it covers, as the reports do.
    let source = match &report.headline.period {
        Some((first, last)) => format!(
            "{}, period {first} to {last}",
            report.summary.fingerprint.input_file
        ),
        None => report.summary.fingerprint.input_file.clone(),
    };
    write_packs(
        dir,
        tx,
        packs,
        &report.themes,
        &source,
        report.headline.period.as_ref(),
        !report.summary.pii_masked,
    )
}

/// Write the packs and `index.md` into `dir` (created if needed) as part of `tx`: they
/// appear, and packs of a previous run that this run did not write disappear, when the
/// run's outputs are committed together. File names are `team-` or `agent-` followed by
/// [`sanitize_file_stem`] of the value (lower case, a hash suffix when the value had to be
/// changed), so no two values share a file, on case-insensitive file systems too. Returns
/// the files that will be written.
fn write_packs(
    dir: &Path,
    tx: &mut Transaction,
    packs: &CoachingPacks,
    themes: &[ThemeInfo],
    input_file: &str,
    period: Option<&(String, String)>,
    keep_pii: bool,
) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the coaching folder", dir.display()))?;
    let mut written = Vec::new();
    let mut index = format!(
        "# Coaching packs\n\nFrom {}. One Markdown page and one CSV per team and per agent. {}\n\n",
        md_escape(input_file),
        if keep_pii {
            "Personal data NOT masked (--keep-pii)."
        } else {
            "Personal data masked."
        }
    );
    if packs.columns.is_empty() {
        index.push_str(
            "No team or agent column was found: name one with --team-column or --agent-column.\n",
        );
    }
    let mut used = BTreeSet::new();
    for p in &packs.packs {
        let (kind, column, value, unit) = (&p.kind, &p.column, &p.value, &p.unit);
        let stem = format!("{kind}-{}", sanitize_file_stem(value));
        used.insert(stem.clone());
        let pack = PackView {
            versus_rest: p.versus_rest.as_ref(),
            kind,
            column,
            value,
            unit,
            centre: &packs.centre,
            themes,
            keep_pii,
            input_file,
            period,
            trend: &p.trend,
        };
        for (ext, body) in [("md", pack.markdown()), ("csv", pack.csv()?)] {
            let path = dir.join(format!("{stem}.{ext}"));
            let mut f = AtomicFile::create(&path)?;
            f.write_all(body.as_bytes())?;
            tx.add(f)?;
            written.push(path);
        }
        let _ = writeln!(
            index,
            "- {} {}: NPS {} (n = {}) - [{stem}.md]({stem}.md), [{stem}.csv]({stem}.csv)",
            md_escape(kind),
            md_escape(value),
            fmt_signed(unit.all.nps(), 1),
            unit.all.n()
        );
    }
    for (i, (kind, column)) in packs.columns.iter().enumerate() {
        let skipped = packs.without_pack.get(i).copied().unwrap_or(0);
        if skipped > 0 {
            let _ = writeln!(
                index,
                "\n{skipped} more {kind} value(s) of column {} have no pack: only the {} with most responses get one (their rows are in tagged.csv and in the report's segment table).",
                md_escape(column),
                packs.max_packs
            );
        }
    }
    let path = dir.join("index.md");
    let mut f = AtomicFile::create(&path)?;
    f.write_all(index.as_bytes())?;
    tx.add(f)?;
    written.push(path);
    // Packs of units no longer in the data.
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some((stem, ext)) = name.rsplit_once('.') else {
                continue;
            };
            if (ext == "md" || ext == "csv")
                && (stem.starts_with("team-") || stem.starts_with("agent-"))
                && !used.contains(stem)
            {
                tx.remove(e.path());
            }
        }
    }
    Ok(written)
}

struct PackView<'a> {
    versus_rest: Option<&'a VersusRest>,
    kind: &'a str,
    column: &'a str,
    value: &'a str,
    unit: &'a Unit,
    centre: &'a Unit,
    themes: &'a [ThemeInfo],
    keep_pii: bool,
    input_file: &'a str,
    period: Option<&'a (String, String)>,
    trend: &'a [UnitTrendPoint],
}

struct ThemeLine<'a> {
    index: usize,
    share: Option<f64>,
    centre_share: Option<f64>,
    t: &'a ThemeUnit,
}

impl PackView<'_> {
    /// Themes with negative mentions, most detractors first; (controllable, process).
    fn themes(&self) -> (Vec<ThemeLine<'_>>, Vec<ThemeLine<'_>>) {
        let share = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        let mut lines: Vec<ThemeLine> = self
            .unit
            .themes
            .iter()
            .enumerate()
            .filter(|(_, t)| t.negative > 0)
            .map(|(i, t)| ThemeLine {
                index: i,
                share: share(t.detractors, self.unit.all.detractors),
                centre_share: share(self.centre.themes[i].detractors, self.centre.all.detractors),
                t,
            })
            .collect();
        lines.sort_by(|a, b| {
            b.t.detractors
                .cmp(&a.t.detractors)
                .then(b.t.negative.cmp(&a.t.negative))
                .then(a.index.cmp(&b.index))
        });
        lines
            .into_iter()
            .partition(|l| agent_controllable(self.themes[l.index].group))
    }

    /// Themes of one side (agent-controllable or not) mentioned with mixed feelings: named, never
    /// counted as raised negatively.
    fn mixed_note(&self, controllable: bool) -> String {
        let mixed = self.named_counts(|i, t| {
            (agent_controllable(self.themes[i].group) == controllable).then_some(t.mixed)
        });
        if mixed.is_empty() {
            return String::new();
        }
        format!(
            "\nMentioned with praise and complaint at once, not counted above: {}.\n",
            mixed.join(", ")
        )
    }

    /// "Name (n)" for each theme of the unit whose count (None: skipped) is above 0.
    fn named_counts(
        &self,
        count: impl Fn(usize, &crate::report::coaching::ThemeUnit) -> Option<u64>,
    ) -> Vec<String> {
        self.unit
            .themes
            .iter()
            .enumerate()
            .filter_map(|(i, t)| count(i, t).filter(|n| *n > 0).map(|n| (i, n)))
            .map(|(i, n)| format!("{} ({})", md_escape(&self.themes[i].name), n))
            .collect()
    }

    /// Agent-controllable themes raised negatively about something else (the wait, a refund,
    /// the system) or with the agent cleared: named, never counted or quoted.
    fn not_agent_note(&self) -> String {
        let named = self.named_counts(|_, t| Some(t.not_agent));
        if named.is_empty() {
            return String::new();
        }
        format!(
            "\nRaised negatively about the process, not the agent (the complaining clause is about the wait, the IVR, a refund, the system, the price or the product, or clears the agent), not counted above: {}.\n",
            named.join(", ")
        )
    }

    /// The unit's NPS per period of the history (`--history`), when two periods have it.
    fn trend(&self, o: &mut String) {
        if self.trend.is_empty() {
            return;
        }
        o.push_str("\n## Trend\n\nThe unit's NPS in the periods of the report's trend that hold its figures (periods written without --coaching, or without this unit, are left out).\n\n| Period | Responses | NPS | 95% CI |\n|---|---:|---:|---|\n");
        for p in self.trend {
            let ci = p.counts.interval95();
            let _ = writeln!(
                o,
                "| {}{} | {} | {} | {} to {} |",
                md_escape(&p.period),
                if p.this_run { " (this run)" } else { "" },
                p.counts.n(),
                fmt_signed(p.counts.nps(), 1),
                fmt_signed(ci.map(|v| v.0), 1),
                fmt_signed(ci.map(|v| v.1), 1)
            );
        }
        if self.trend.iter().any(|p| p.counts.n() < SMALL_N) {
            let _ = writeln!(
                o,
                "\nPeriods with fewer than {SMALL_N} responses move a lot by chance; read them as indicative."
            );
        }
    }

    /// The strengths section: comments praising the agent, the best quoted.
    fn strengths(&self, o: &mut String) {
        let u = self.unit;
        o.push_str("\n## Strengths\n\n");
        if let Some((first, last)) = self.period {
            let _ = writeln!(o, "Period: {} to {}.\n", md_escape(first), md_escape(last));
        }
        let _ = writeln!(
            o,
            "{} of {} comments praise the agent (attitude, knowledge, resolution or repeat contact, in a clause about the agent).",
            u.praised, u.commented
        );
        if !u.strengths.is_empty() {
            o.push_str("\nBest verbatims, promoters first:\n\n");
            for e in &u.strengths {
                let _ = writeln!(
                    o,
                    "- score {}, {}: {}",
                    e.score,
                    md_escape(&e.language),
                    bold_spans(&e.text, &e.spans)
                );
            }
        }
    }

    fn markdown(&self) -> String {
        let u = self.unit;
        let c = self.centre;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# Coaching pack: {} {}\n\nColumn {} = {}, from {}. {}\n",
            md_escape(self.kind),
            md_escape(self.value),
            md_escape(self.column),
            md_escape(self.value),
            md_escape(self.input_file),
            if self.keep_pii {
                "Personal data NOT masked (--keep-pii)."
            } else {
                "Personal data masked."
            }
        );
        // The agent-level score (the export's agent score column, as an NPS) where there is one.
        let agent_scores = c.agent_score.n() > 0;
        o.push_str(if agent_scores {
            "## Score\n\n| | Responses | Comments | NPS | 95% CI | Agent-level score (NPS) | Agent-level n |\n|---|---:|---:|---:|---|---:|---:|\n"
        } else {
            "## Score\n\n| | Responses | Comments | NPS | 95% CI |\n|---|---:|---:|---:|---|\n"
        });
        for (name, x) in [(md_escape(self.value), u), ("Whole centre".to_string(), c)] {
            let ci = x.all.interval95();
            let _ = write!(
                o,
                "| {name} | {} | {} | {} | {} to {} |",
                x.all.n(),
                x.commented,
                fmt_signed(x.all.nps(), 1),
                fmt_signed(ci.map(|v| v.0), 1),
                fmt_signed(ci.map(|v| v.1), 1)
            );
            if agent_scores {
                let _ = write!(
                    o,
                    " {} | {} |",
                    fmt_signed(x.agent_score.nps(), 1),
                    x.agent_score.n()
                );
            }
            o.push('\n');
        }
        if agent_scores {
            o.push_str("\nNPS is the company score (likelihood to recommend the company); the agent-level score is the export's rating of the agent, read the same way (promoters 9-10 minus detractors 0-6).\n");
        }
        let verdict = verdict(self.versus_rest, self.column);
        let _ = writeln!(o, "\n{verdict}");
        if u.all.n() < SMALL_N {
            let _ = writeln!(
                o,
                "\nSmall n: fewer than {SMALL_N} responses; read the figures as indicative."
            );
        }
        self.trend(&mut o);
        self.strengths(&mut o);
        let (mine, process) = self.themes();
        let table = |o: &mut String, lines: &[ThemeLine]| {
            if lines.is_empty() {
                o.push_str("None mentioned negatively.\n");
                return;
            }
            o.push_str("| Theme | Negative mentions | Detractors mentioning it | Share of detractors | Centre share of detractors |\n|---|---:|---:|---:|---:|\n");
            for l in lines {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} |",
                    md_escape(&self.themes[l.index].name),
                    l.t.negative,
                    l.t.detractors,
                    fmt_pct(l.share, 0),
                    fmt_pct(l.centre_share, 0)
                );
            }
        };
        o.push_str("\n## What the agent can change\n\nAgent-controllable themes (attitude, knowledge, resolution, repeat contact) raised negatively.\n\n");
        table(&mut o, &mine);
        o.push_str(&self.mixed_note(true));
        o.push_str(&self.not_agent_note());
        o.push_str("\n## What the process causes\n\nProcess, channel and product themes: not for coaching, listed so they are not blamed on the agent.\n\n");
        table(&mut o, &process);
        o.push_str(&self.mixed_note(false));
        o.push_str("\n## Verbatims\n");
        for l in mine.iter().chain(&process) {
            if l.t.examples.is_empty() {
                continue;
            }
            let _ = writeln!(
                o,
                "\n### {}{}\n",
                md_escape(&self.themes[l.index].name),
                if agent_controllable(self.themes[l.index].group) {
                    ""
                } else {
                    " (process)"
                }
            );
            for e in &l.t.examples {
                let (text, spans) = (&e.text, &e.spans);
                let _ = writeln!(
                    o,
                    "- score {}, {}: {}",
                    e.score,
                    md_escape(&e.language),
                    bold_spans(text, spans)
                );
            }
        }
        o
    }

    fn csv(&self) -> Result<String> {
        let mut w = super::csvsafe::writer(Vec::new());
        w.write_record([
            "segment_column",
            "segment_value",
            "responses",
            "nps",
            "nps_ci95_low",
            "nps_ci95_high",
            "centre_nps",
            "agent_score_nps",
            "centre_agent_score_nps",
            "theme",
            "theme_group",
            "agent_controllable",
            "negative_mentions",
            "detractors_mentioning",
            "share_of_detractors",
            "centre_share_of_detractors",
            "not_about_agent_mentions",
            "example_rank",
            "example_row",
            "example_score",
            "example_language",
            "example_comment",
        ])?;
        let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.2}"));
        let ci = self.unit.all.interval95();
        let (mine, process) = self.themes();
        let unit_head = [
            self.column.to_string(),
            self.value.to_string(),
            self.unit.all.n().to_string(),
            f(self.unit.all.nps()),
            f(ci.map(|v| v.0)),
            f(ci.map(|v| v.1)),
            f(self.centre.all.nps()),
            f(self.unit.agent_score.nps()),
            f(self.centre.agent_score.nps()),
        ];
        // Strengths: theme "strengths", group "strength", one row per verbatim praising the agent.
        for (k, e) in self.unit.strengths.iter().enumerate() {
            let mut r = unit_head.to_vec();
            r.extend(["strengths", "strength", "true", "", "", "", "", ""].map(String::from));
            r.push((k + 1).to_string());
            r.push(e.row.to_string());
            r.push(e.score.to_string());
            r.push(e.language.clone());
            r.push(e.text.clone());
            w.write_record(&r)?;
        }
        for l in mine.iter().chain(&process) {
            let theme = &self.themes[l.index];
            let mut head = unit_head.to_vec();
            head.extend([
                theme.id.clone(),
                theme.group.to_string(),
                agent_controllable(theme.group).to_string(),
                l.t.negative.to_string(),
                l.t.detractors.to_string(),
                f(l.share),
                f(l.centre_share),
                l.t.not_agent.to_string(),
            ]);
            if l.t.examples.is_empty() {
                let mut r = head.to_vec();
                r.extend(["", "", "", "", ""].map(String::from));
                w.write_record(&r)?;
            }
            for (k, e) in l.t.examples.iter().enumerate() {
                let mut r = head.to_vec();
                r.push((k + 1).to_string());
                r.push(e.row.to_string());
                r.push(e.score.to_string());
                r.push(e.language.clone());
                r.push(e.text.clone());
                w.write_record(&r)?;
            }
        }
        Ok(String::from_utf8(w.into_inner()?)?)
    }
}

/// The pack's sentence on the unit against the rest of the centre: the report's difference and
/// q value (Benjamini-Hochberg over every team and agent compared), never an uncorrected p.
fn verdict(v: Option<&VersusRest>, column: &str) -> String {
    match v {
        None => format!(
            "Not compared with the rest of the centre: {} is not a segment column of this run (see --segment-columns), or this value is in the report's \"other\" line.",
            md_escape(column)
        ),
        Some(VersusRest {
            difference_points: Some(d),
            q_value: Some(q),
            significant,
        }) => format!(
            "{} points against the rest of the centre; {} (q = {q:.3}, adjusted for every team and agent compared, as in the report).",
            fmt_signed(Some(*d), 1),
            if *significant {
                "unlikely to be chance"
            } else {
                "could be chance"
            }
        ),
        Some(_) => "Too few responses to compare with the rest of the centre.".to_string(),
    }
}

fn bold_spans(text: &str, spans: &[(usize, usize)]) -> String {
    super::mark_spans(text, spans, md_escape, "**", "**")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 16: a pack said "unlikely to be chance" on an uncorrected p while the report's
    /// q value (corrected over every segment) called the same difference chance.
    #[test]
    fn verdict_uses_the_reports_q_value_never_an_uncorrected_p() {
        let v = VersusRest {
            difference_points: Some(-20.0),
            q_value: Some(0.2),
            significant: false,
        };
        let s = verdict(Some(&v), "agent");
        assert!(
            s.contains("could be chance") && s.contains("q = 0.200"),
            "{s}"
        );
        assert!(!s.contains("unlikely") && !s.contains("p ="), "{s}");
        let v = VersusRest {
            q_value: Some(0.01),
            significant: true,
            ..v
        };
        assert!(verdict(Some(&v), "agent").contains("unlikely to be chance (q = 0.010"));
        let v = VersusRest { q_value: None, ..v };
        assert!(verdict(Some(&v), "agent").starts_with("Too few responses"));
        assert!(verdict(None, "agent").starts_with("Not compared"));
    }
}
