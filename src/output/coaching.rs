//! Coaching packs (`analyze --coaching`): `coaching/` gets one pack per team and per agent, each
//! a Markdown page and a CSV, for the training teams.
//!
//! A pack holds the unit's NPS with its 95 % interval against the whole centre (and a z-test of
//! the difference against the rest of the centre), then the themes its detractors raise, split in
//! two: themes the agent can change (taxonomy groups `agent` and `outcome`: attitude, knowledge,
//! resolution, repeat contact; an agent resolves or does not) and themes of the process,
//! channel or product, which are listed so coaching does not blame the agent for them. For each
//! theme, up to five representative verbatims (negative or mixed mentions) chosen for clarity:
//! the comment has an evidence span, a readable length (40-220 characters best), a high
//! classifier confidence and comes from a detractor; ties go to the earlier row. Verbatims are
//! PII-masked unless --keep-pii.
//!
//! Rows are offered in input order from the single-threaded write loop, so packs are
//! deterministic; memory is bounded by units x themes x 5 verbatims.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::atomic::{AtomicFile, Transaction};
use super::filename::sanitize_file_stem;
use super::report_md::md_escape;
use super::{fmt_pct, fmt_signed};
use crate::stats::{math, Category, NpsCounts, SMALL_N};
use crate::tagger::{Prepared, Sentiment, Tagging};
use crate::taxonomy::{Group, Taxonomy};

/// Verbatims kept per theme and unit.
pub const EXAMPLES: usize = 5;

/// Whether a theme is something an agent can change through coaching.
pub fn agent_controllable(g: Group) -> bool {
    matches!(g, Group::Agent | Group::Outcome)
}

#[derive(Debug, Clone)]
struct Example {
    row: u64,
    score: u8,
    language: String,
    text: String,
    spans: Vec<(usize, usize)>,
    rank: f32,
}

#[derive(Debug, Clone, Default)]
struct ThemeUnit {
    /// Negative or mixed mentions.
    negative: u64,
    /// Detractors with a negative or mixed mention.
    detractors: u64,
    positive: u64,
    examples: Vec<Example>,
}

#[derive(Debug, Clone, Default)]
struct Unit {
    all: NpsCounts,
    commented: u64,
    themes: Vec<ThemeUnit>,
}

impl Unit {
    fn new(n: usize) -> Unit {
        Unit {
            themes: vec![ThemeUnit::default(); n],
            ..Default::default()
        }
    }
}

/// Collects the packs while rows stream past.
pub struct Coaching {
    /// (kind: "team" or "agent", column header).
    columns: Vec<(String, String)>,
    centre: Unit,
    units: BTreeMap<(usize, String), Unit>,
    n_themes: usize,
}

fn clarity(text: &str, spans: usize, confidence: Option<f32>, cat: Category) -> f32 {
    let len = text.chars().count();
    let mut r = if spans > 0 { 1.0 } else { -1.0 };
    r += match len {
        40..=220 => 1.0,
        20..=39 | 221..=350 => 0.3,
        0..=19 => -1.0,
        _ => -0.5,
    };
    r += confidence.unwrap_or(0.6);
    if cat == Category::Detractor {
        r += 0.5;
    }
    r
}

impl Coaching {
    pub fn new(columns: Vec<(String, String)>, n_themes: usize) -> Coaching {
        Coaching {
            columns,
            centre: Unit::new(n_themes),
            units: BTreeMap::new(),
            n_themes,
        }
    }

    pub fn columns(&self) -> &[(String, String)] {
        &self.columns
    }

    /// One accepted row; `values[i]` is the row's value of `columns[i]`.
    pub fn add(
        &mut self,
        row: u64,
        score: u8,
        values: &[&str],
        prepared: Option<&Prepared>,
        tagging: Option<&Tagging>,
    ) {
        let cat = Category::of(score);
        let n = self.n_themes;
        let mut targets: Vec<&mut Unit> = Vec::new();
        // Split borrows: the centre and the units.
        let Coaching { centre, units, .. } = self;
        targets.push(centre);
        let keys: Vec<(usize, String)> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(i, v)| (i, v.trim().to_string()))
            .collect();
        for k in &keys {
            units.entry(k.clone()).or_insert_with(|| Unit::new(n));
        }
        for (k, u) in units.iter_mut() {
            if keys.contains(k) {
                targets.push(u);
            }
        }
        for (ti, u) in targets.into_iter().enumerate() {
            u.all.add(cat);
            let (Some(p), Some(t)) = (prepared, tagging) else {
                continue;
            };
            u.commented += 1;
            for tag in &t.themes {
                let tu = &mut u.themes[tag.theme];
                match tag.polarity {
                    Sentiment::Positive => {
                        tu.positive += 1;
                        continue;
                    }
                    Sentiment::Negative | Sentiment::Mixed => {}
                    Sentiment::Neutral => continue,
                }
                tu.negative += 1;
                if cat == Category::Detractor {
                    tu.detractors += 1;
                }
                if ti == 0 {
                    continue; // the centre needs no verbatims
                }
                let rank = clarity(&p.text, tag.evidence.len(), tag.confidence, cat);
                let worse = |e: &Example| (e.rank, std::cmp::Reverse(e.row));
                if tu.examples.len() >= EXAMPLES
                    && tu
                        .examples
                        .iter()
                        .map(worse)
                        .min_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
                        .is_some_and(|w| w >= (rank, std::cmp::Reverse(row)))
                {
                    continue;
                }
                tu.examples.push(Example {
                    row,
                    score,
                    language: p.language.code.clone(),
                    text: p.text.clone(),
                    spans: tag.evidence.iter().map(|e| (e.start, e.end)).collect(),
                    rank,
                });
                tu.examples
                    .sort_by(|a, b| b.rank.total_cmp(&a.rank).then(a.row.cmp(&b.row)));
                tu.examples.truncate(EXAMPLES);
            }
        }
    }

    /// Write the packs and `index.md` into `dir` (created if needed) as part of `tx`: they
    /// appear, and packs of a previous run that this run did not write disappear, when the
    /// run's outputs are committed together. File names are `team-` or `agent-` followed by
    /// [`sanitize_file_stem`] of the value (lower case, a hash suffix when the value had to be
    /// changed), so no two values share a file, on case-insensitive file systems too. Returns
    /// the files that will be written.
    pub fn write(
        &self,
        dir: &Path,
        tx: &mut Transaction,
        taxonomy: &Taxonomy,
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
        if self.columns.is_empty() {
            index.push_str("No team or agent column was found: name one with --team-column or --agent-column.\n");
        }
        let mut used = BTreeSet::new();
        for ((ci, value), unit) in &self.units {
            let (kind, column) = &self.columns[*ci];
            let stem = format!("{kind}-{}", sanitize_file_stem(value));
            used.insert(stem.clone());
            let pack = Pack {
                kind,
                column,
                value,
                unit,
                centre: &self.centre,
                taxonomy,
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
}

struct Pack<'a> {
    kind: &'a str,
    column: &'a str,
    value: &'a str,
    unit: &'a Unit,
    centre: &'a Unit,
    taxonomy: &'a Taxonomy,
    keep_pii: bool,
    input_file: &'a str,
}

struct ThemeLine<'a> {
    index: usize,
    share: Option<f64>,
    centre_share: Option<f64>,
    t: &'a ThemeUnit,
}

impl Pack<'_> {
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
            .partition(|l| agent_controllable(self.taxonomy.themes[l.index].group))
    }

    fn example_text(&self, e: &Example) -> (String, Vec<(usize, usize)>) {
        if self.keep_pii {
            (e.text.clone(), e.spans.clone())
        } else {
            crate::pii::mask_with_spans(&e.text, &e.spans)
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
                    md_escape(&self.taxonomy.themes[l.index].name),
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
                md_escape(&self.taxonomy.themes[l.index].name),
                if agent_controllable(self.taxonomy.themes[l.index].group) {
                    ""
                } else {
                    " (process)"
                }
            );
            for e in &l.t.examples {
                let (text, spans) = self.example_text(e);
                let _ = writeln!(
                    o,
                    "- score {}, {}: {}",
                    e.score,
                    md_escape(&e.language),
                    bold_spans(&text, &spans)
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
            let theme = &self.taxonomy.themes[l.index];
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
                r.push(self.example_text(e).0);
                w.write_record(&r)?;
            }
        }
        Ok(String::from_utf8(w.into_inner()?)?)
    }
}

fn bold_spans(text: &str, spans: &[(usize, usize)]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let piece = |a: usize, b: usize| md_escape(&chars[a..b].iter().collect::<String>());
    let mut spans = spans.to_vec();
    spans.sort();
    let (mut out, mut at) = (String::new(), 0);
    for (s, e) in spans {
        if s < at || e > chars.len() || s >= e {
            continue;
        }
        out.push_str(&piece(at, s));
        out.push_str("**");
        out.push_str(&piece(s, e));
        out.push_str("**");
        at = e;
    }
    out.push_str(&piece(at, chars.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearer_comments_rank_higher() {
        let good = "The agent was rude and would not listen to my problem at all.";
        assert!(
            clarity(good, 1, Some(0.9), Category::Detractor)
                > clarity("rude", 1, Some(0.9), Category::Detractor)
        );
        assert!(
            clarity(good, 1, None, Category::Detractor)
                > clarity(good, 0, None, Category::Detractor)
        );
    }
}
