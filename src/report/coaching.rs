//! Coaching packs in the report model: one per team and per agent. [`CoachingCollector`] counts
//! while the rows stream past; [`CoachingCollector::finish`] gives the [`CoachingPacks`] that
//! `output::coaching` renders, examples masked there unless --keep-pii.
//!
//! A pack holds the unit's NPS counts against the whole centre and, from the report's segment
//! table, its difference to the rest of the centre with the same Benjamini-Hochberg q value as
//! the report ([`VersusRest`]), then per theme its negative mentions (a positive or mixed
//! mention is never counted as raised negatively), the detractors among them and up to five
//! representative verbatims
//! chosen for clarity: the comment has an evidence span, a readable length (40-220 characters
//! best), a high classifier confidence and comes from a detractor; ties go to the earlier row.
//! Rows are offered in input order from the single-threaded write loop, so packs are
//! deterministic; memory is bounded by units x themes x 5 verbatims, and units by the first
//! [`crate::stats::MAX_TRACKED_SEGMENT_VALUES`] values of each column (the same values the
//! report's segment table counts one by one; rows of later values count for the centre only).
//! Packs are written for the [`MAX_PACKS`] units of a column with most responses (ties by
//! value), so an export with 300,000 agents does not write 300,000 files; the index says how
//! many units got no pack.

use std::collections::BTreeMap;

use super::ThemeInfo;
use crate::pii::Masking;
use crate::stats::{Category, NpsCounts, Statistics};
use crate::tagger::{Prepared, Sentiment, Tagging};
use crate::taxonomy::Group;

/// Verbatims kept per theme and unit.
pub const EXAMPLES: usize = 5;

/// Packs written per team or agent column: the units with most responses.
pub const MAX_PACKS: usize = 500;

/// Whether a theme is something an agent can change through coaching.
pub fn agent_controllable(g: Group) -> bool {
    matches!(g, Group::Agent | Group::Outcome)
}

#[derive(Debug, Clone)]
pub struct Example {
    pub row: u64,
    pub score: u8,
    pub language: String,
    /// Normalised comment; masked in [`CoachingPacks`] unless --keep-pii.
    pub text: String,
    /// Evidence spans, in characters of `text`.
    pub spans: Vec<(usize, usize)>,
    pub rank: f32,
}

#[derive(Debug, Clone, Default)]
pub struct ThemeUnit {
    /// Negative mentions: what the pack lists as raised negatively.
    pub negative: u64,
    /// Detractors with a negative mention.
    pub detractors: u64,
    pub positive: u64,
    /// Mentions with praise and complaint about the theme at once: never counted or quoted as
    /// raised negatively (the praise may be the part about the agent), only named as mixed.
    pub mixed: u64,
    /// Up to [`EXAMPLES`] negative mentions, clearest first.
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub all: NpsCounts,
    pub commented: u64,
    /// Per theme, in taxonomy order.
    pub themes: Vec<ThemeUnit>,
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
pub struct CoachingCollector {
    /// (kind: "team" or "agent", column header).
    columns: Vec<(String, String)>,
    centre: Unit,
    units: BTreeMap<(usize, String), Unit>,
    n_themes: usize,
    /// Units tracked per column, and their count.
    cap: usize,
    tracked: Vec<usize>,
    /// Distinct values per column that were not tracked (first seen after `cap` others).
    untracked: Vec<std::collections::HashSet<u64>>,
    max_packs: usize,
}

/// A unit against the rest of the centre, as the report's segment table has it: the same test
/// and the same q value (Benjamini-Hochberg over every segment of every column), so a pack
/// never calls a difference real that the report calls chance.
#[derive(Debug, Clone, PartialEq)]
pub struct VersusRest {
    /// NPS of the unit minus NPS of every other response.
    pub difference_points: Option<f64>,
    /// None when the unit or the rest has too few responses to test.
    pub q_value: Option<f64>,
    pub significant: bool,
}

/// One team's or agent's pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// "team" or "agent".
    pub kind: String,
    /// The column's header.
    pub column: String,
    pub value: String,
    pub unit: Unit,
    /// None when the column is not a segment column of the run (`--segment-columns`) or the
    /// value is folded into the report's "(other)" line.
    pub versus_rest: Option<VersusRest>,
}

/// Every pack of a run, in the order of their columns and values.
#[derive(Debug, Clone)]
pub struct CoachingPacks {
    /// (kind, column header) of the team and agent columns found; empty when none was.
    pub columns: Vec<(String, String)>,
    pub centre: Unit,
    pub packs: Vec<Pack>,
    /// Per column (as in `columns`), the units without a pack: beyond the [`MAX_PACKS`] with
    /// most responses.
    pub without_pack: Vec<u64>,
    /// The most packs written per column.
    pub max_packs: usize,
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

impl CoachingCollector {
    pub fn new(columns: Vec<(String, String)>, n_themes: usize) -> CoachingCollector {
        let n = columns.len();
        CoachingCollector {
            columns,
            centre: Unit::new(n_themes),
            units: BTreeMap::new(),
            n_themes,
            cap: crate::stats::MAX_TRACKED_SEGMENT_VALUES,
            tracked: vec![0; n],
            untracked: vec![Default::default(); n],
            max_packs: MAX_PACKS,
        }
    }

    /// Track at most `cap` units per column and write at most `max_packs` packs per column.
    pub fn with_limits(mut self, cap: usize, max_packs: usize) -> Self {
        self.cap = cap;
        self.max_packs = max_packs;
        self
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
        Self::count(&mut self.centre, true, row, score, cat, prepared, tagging);
        for (i, v) in values.iter().enumerate() {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            // One lookup per unit of the row (a scan of every unit per row was quadratic).
            let key = (i, v.to_string());
            if !self.units.contains_key(&key) {
                if self.tracked[i] >= self.cap {
                    if self.untracked[i].len() < crate::stats::MAX_SPILLED_DISTINCT {
                        self.untracked[i].insert(crate::stats::value_hash(&key.1));
                    }
                    continue;
                }
                self.tracked[i] += 1;
                self.units.insert(key.clone(), Unit::new(n));
            }
            let u = self.units.get_mut(&key).expect("inserted");
            Self::count(u, false, row, score, cat, prepared, tagging);
        }
    }

    fn count(
        u: &mut Unit,
        centre: bool,
        row: u64,
        score: u8,
        cat: Category,
        prepared: Option<&Prepared>,
        tagging: Option<&Tagging>,
    ) {
        {
            u.all.add(cat);
            let (Some(p), Some(t)) = (prepared, tagging) else {
                return;
            };
            u.commented += 1;
            for tag in &t.themes {
                let tu = &mut u.themes[tag.theme];
                match tag.polarity {
                    Sentiment::Positive => {
                        tu.positive += 1;
                        continue;
                    }
                    Sentiment::Mixed => {
                        tu.mixed += 1;
                        continue;
                    }
                    Sentiment::Negative => {}
                    Sentiment::Neutral => continue,
                }
                tu.negative += 1;
                if cat == Category::Detractor {
                    tu.detractors += 1;
                }
                if centre {
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

    /// The packs, examples masked unless `masking` keeps personal data.
    pub fn finish(
        &self,
        _themes: &[ThemeInfo],
        statistics: &Statistics,
        masking: Masking,
    ) -> CoachingPacks {
        let mask = |u: &Unit| {
            let mut u = u.clone();
            for t in &mut u.themes {
                for e in &mut t.examples {
                    (e.text, e.spans) = masking.with_spans(&e.text, &e.spans);
                }
            }
            u
        };
        // The `max_packs` units of each column with most responses, ties by value.
        let mut by_n: Vec<(&(usize, String), &Unit)> = self.units.iter().collect();
        by_n.sort_by(|a, b| {
            (a.0 .0, std::cmp::Reverse(a.1.all.n()), &a.0 .1).cmp(&(
                b.0 .0,
                std::cmp::Reverse(b.1.all.n()),
                &b.0 .1,
            ))
        });
        let mut without_pack: Vec<u64> = self.untracked.iter().map(|u| u.len() as u64).collect();
        let mut kept = Vec::new();
        let mut per_col = vec![0usize; self.columns.len()];
        for (k, u) in by_n {
            if per_col[k.0] < self.max_packs {
                per_col[k.0] += 1;
                kept.push((k, u));
            } else {
                without_pack[k.0] += 1;
            }
        }
        kept.sort_by(|a, b| a.0.cmp(b.0));
        CoachingPacks {
            columns: self.columns.clone(),
            centre: self.centre.clone(),
            without_pack,
            max_packs: self.max_packs,
            packs: kept
                .into_iter()
                .map(|((ci, value), unit)| {
                    let column = &self.columns[*ci].1;
                    Pack {
                        kind: self.columns[*ci].0.clone(),
                        column: column.clone(),
                        value: value.clone(),
                        unit: mask(unit),
                        versus_rest: statistics
                            .segments
                            .get(column)
                            .and_then(|values| values.iter().find(|s| &s.value == value))
                            .map(|s| VersusRest {
                                difference_points: s.difference_to_rest_points,
                                q_value: s.q_value,
                                significant: s.significant,
                            }),
                    }
                })
                .collect(),
        }
    }
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
