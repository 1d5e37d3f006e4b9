//! Coaching packs (`analyze --coaching`) rendered from the report model
//! ([`crate::report::CoachingPacks`]): `coaching/` gets one pack per team and per agent, each a
//! Markdown page and a CSV, for the training teams, and `index.md`.
//!
//! A pack holds the unit's NPS with its 95 % interval against the whole centre (and a z-test of
//! the difference against the rest of the centre), then the themes its detractors raise, split in
//! two: themes the agent can change (taxonomy groups `agent` and `outcome`: attitude, knowledge,
//! resolution, repeat contact; an agent resolves or does not) and themes of the process,
//! channel or product, which are listed so coaching does not blame the agent for them. For each
//! theme, up to five representative verbatims (negative or mixed mentions), masked in the model
//! unless --keep-pii. Pure rendering, then the files join the run's transaction.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::atomic::{AtomicFile, Transaction};
use super::filename::sanitize_file_stem;
use super::markdown::md_escape;
use super::{fmt_pct, fmt_signed};
use crate::report::coaching::{agent_controllable, CoachingPacks, ThemeUnit, Unit};
use crate::report::{Report, ThemeInfo};
use crate::stats::{math, SMALL_N};

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
    write_packs(
        dir,
        tx,
        packs,
        &report.themes,
        &report.summary.fingerprint.input_file,
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
            kind,
            column,
            value,
            unit,
            centre: &packs.centre,
            themes,
            keep_pii,
            input_file,
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
    kind: &'a str,
    column: &'a str,
    value: &'a str,
    unit: &'a Unit,
    centre: &'a Unit,
    themes: &'a [ThemeInfo],
    keep_pii: bool,
    input_file: &'a str,
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
        o.push_str(
            "## Score\n\n| | Responses | Comments | NPS | 95% CI |\n|---|---:|---:|---:|---|\n",
        );
        for (name, x) in [(md_escape(self.value), u), ("Whole centre".to_string(), c)] {
            let ci = x.all.interval95();
            let _ = writeln!(
                o,
                "| {name} | {} | {} | {} | {} to {} |",
                x.all.n(),
                x.commented,
                fmt_signed(x.all.nps(), 1),
                fmt_signed(ci.map(|v| v.0), 1),
                fmt_signed(ci.map(|v| v.1), 1)
            );
        }
        let rest = c.all.minus(&u.all);
        let verdict = match math::nps_difference_test(&u.all, &rest) {
            Some((d, p)) if p < 0.05 => format!(
                "{} points against the rest of the centre; unlikely to be chance (p = {p:.3}).",
                fmt_signed(Some(d), 1)
            ),
            Some((d, p)) => format!(
                "{} points against the rest of the centre; could be chance (p = {p:.2}).",
                fmt_signed(Some(d), 1)
            ),
            None => "Too few responses to compare with the rest of the centre.".to_string(),
        };
        let _ = writeln!(o, "\n{verdict}");
        if u.all.n() < SMALL_N {
            let _ = writeln!(
                o,
                "\nSmall n: fewer than {SMALL_N} responses; read the figures as indicative."
            );
        }
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
        o.push_str("\n## What the process causes\n\nProcess, channel and product themes: not for coaching, listed so they are not blamed on the agent.\n\n");
        table(&mut o, &process);
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
            "theme",
            "theme_group",
            "agent_controllable",
            "negative_mentions",
            "detractors_mentioning",
            "share_of_detractors",
            "centre_share_of_detractors",
            "example_rank",
            "example_row",
            "example_score",
            "example_language",
            "example_comment",
        ])?;
        let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.2}"));
        let ci = self.unit.all.interval95();
        let (mine, process) = self.themes();
        for l in mine.iter().chain(&process) {
            let theme = &self.themes[l.index];
            let head = [
                self.column.to_string(),
                self.value.to_string(),
                self.unit.all.n().to_string(),
                f(self.unit.all.nps()),
                f(ci.map(|v| v.0)),
                f(ci.map(|v| v.1)),
                f(self.centre.all.nps()),
                theme.id.clone(),
                theme.group.to_string(),
                agent_controllable(theme.group).to_string(),
                l.t.negative.to_string(),
                l.t.detractors.to_string(),
                f(l.share),
                f(l.centre_share),
            ];
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

fn bold_spans(text: &str, spans: &[(usize, usize)]) -> String {
    super::mark_spans(text, spans, md_escape, "**", "**")
}
