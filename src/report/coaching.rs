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
//!
//! A negative mention of an agent-controllable theme counts against the agent only when the
//! clause carrying its evidence is a complaint about the agent, not about the wait, the IVR, a
//! refund, the system or the price ([`target`], which documents the rule and its limits); the
//! others are counted apart ([`ThemeUnit::not_agent`]) and named, never quoted, in the pack.
//!
//! Strengths: per unit, up to five comments whose positive mention of an agent-controllable
//! theme sits in a clause about the agent (same rule), promoters first, then by clarity; the
//! number of such comments; and the unit's agent-level score (the export's agent score column,
//! read as an NPS) beside the centre's. In every pack, the names of the file's other agents
//! (the agent column's values, full or first name) are masked as `[NAME]` in the verbatims
//! unless --keep-pii; an agent's own name stays in the agent's own pack.

pub mod target;

use std::collections::BTreeMap;

use super::ThemeInfo;
use crate::pii::Masking;
use crate::stats::{Category, NpsCounts, Statistics};
use crate::tagger::{Prepared, Sentiment, Tagging};
use crate::taxonomy::Group;
use target::Judge;

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
    /// Negative mentions of an agent-controllable theme whose clause is about something else
    /// (the wait, a refund, the system ...) or clears the agent: not in `negative`, never
    /// quoted, only named ([`target`]).
    pub not_agent: u64,
    /// Up to [`EXAMPLES`] negative mentions, clearest first.
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub all: NpsCounts,
    pub commented: u64,
    /// The export's agent-level score (0-10, read as an NPS), where the row has one.
    pub agent_score: NpsCounts,
    /// Comments praising the agent: a positive mention of an agent-controllable theme in a
    /// clause about the agent.
    pub praised: u64,
    /// Up to [`EXAMPLES`] of those comments, promoters first, then clearest.
    pub strengths: Vec<Example>,
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
    /// Each theme's taxonomy group, in taxonomy order.
    groups: Vec<Group>,
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
    /// The unit's NPS in the history's periods (see [`CoachingPacks::add_trend`]), in date
    /// order; empty when fewer than two periods have its figures.
    pub trend: Vec<UnitTrendPoint>,
}

/// One period of a pack's trend.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTrendPoint {
    /// "2026-W44 (2026-10-26 to 2026-11-01)", or the dates.
    pub period: String,
    pub counts: NpsCounts,
    /// This run's period (the unit's counts come from the run).
    pub this_run: bool,
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

/// Offer a verbatim to a list of at most [`EXAMPLES`], best rank first, ties to the earlier row.
fn offer(
    list: &mut Vec<Example>,
    row: u64,
    score: u8,
    p: &Prepared,
    spans: Vec<(usize, usize)>,
    rank: f32,
) {
    let worse = |e: &Example| (e.rank, std::cmp::Reverse(e.row));
    if list.len() >= EXAMPLES
        && list
            .iter()
            .map(worse)
            .min_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
            .is_some_and(|w| w >= (rank, std::cmp::Reverse(row)))
    {
        return;
    }
    list.push(Example {
        row,
        score,
        language: p.language.code.clone(),
        text: p.text.clone(),
        spans,
        rank,
    });
    list.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(a.row.cmp(&b.row)));
    list.truncate(EXAMPLES);
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
    /// `groups`: each theme's taxonomy group, in taxonomy order.
    pub fn new(columns: Vec<(String, String)>, groups: Vec<Group>) -> CoachingCollector {
        let n = columns.len();
        CoachingCollector {
            columns,
            centre: Unit::new(groups.len()),
            units: BTreeMap::new(),
            groups,
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

    /// One accepted row; `values[i]` is the row's value of `columns[i]`; `agent_score` the
    /// export's agent-level score of the row, where there is one.
    pub fn add(
        &mut self,
        row: u64,
        score: u8,
        agent_score: Option<u8>,
        values: &[&str],
        prepared: Option<&Prepared>,
        tagging: Option<&Tagging>,
    ) {
        let cat = Category::of(score);
        let n = self.groups.len();
        // Per tag: whether it counts (a negative mention against the agent, or a praise of the
        // agent), decided once per row, whatever the unit.
        let agent = self
            .columns
            .iter()
            .position(|(kind, _)| kind == "agent")
            .and_then(|i| values.get(i).copied());
        let (counts, praise) = match (prepared, tagging) {
            (Some(p), Some(t)) => self.decide(p, t, agent),
            _ => (Vec::new(), Vec::new()),
        };
        // The row's units: one lookup per value (a scan of every unit per row was quadratic);
        // values first seen after `cap` others of their column are only counted as distinct.
        let mut keys: Vec<(usize, String)> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
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
            keys.push(key);
        }
        let CoachingCollector { centre, units, .. } = self;
        let visit = |u: &mut Unit, is_centre: bool| {
            u.all.add(cat);
            if let Some(a) = agent_score {
                u.agent_score.add(Category::of(a));
            }
            let (Some(p), Some(t)) = (prepared, tagging) else {
                return;
            };
            u.commented += 1;
            if !praise.is_empty() {
                u.praised += 1;
                if !is_centre {
                    let spans: Vec<(usize, usize)> = praise
                        .iter()
                        .flat_map(|i| t.themes[*i].evidence.iter().map(|e| (e.start, e.end)))
                        .collect();
                    let confidence = praise
                        .iter()
                        .filter_map(|i| t.themes[*i].confidence)
                        .reduce(f32::max);
                    // Promoters first, then clarity.
                    let rank = clarity(&p.text, spans.len(), confidence, cat)
                        + if cat == Category::Promoter { 10.0 } else { 0.0 };
                    offer(&mut u.strengths, row, score, p, spans, rank);
                }
            }
            for (k, tag) in t.themes.iter().enumerate() {
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
                if !counts.get(k).copied().unwrap_or(true) {
                    tu.not_agent += 1;
                    continue;
                }
                tu.negative += 1;
                if cat == Category::Detractor {
                    tu.detractors += 1;
                }
                if is_centre {
                    continue; // the centre needs no verbatims
                }
                let rank = clarity(&p.text, tag.evidence.len(), tag.confidence, cat);
                let spans = tag.evidence.iter().map(|e| (e.start, e.end)).collect();
                offer(&mut tu.examples, row, score, p, spans, rank);
            }
        };
        visit(centre, true);
        for k in &keys {
            if let Some(u) = units.get_mut(k) {
                visit(u, false);
            }
        }
    }

    /// Per tag of `t`: whether a negative mention counts against the agent (true for themes the
    /// agent does not control: the rule is for agent-controllable themes only); and the tags
    /// that praise the agent.
    fn decide(&self, p: &Prepared, t: &Tagging, agent: Option<&str>) -> (Vec<bool>, Vec<usize>) {
        let group = |tag: &crate::tagger::ThemeTag| self.groups.get(tag.theme).copied();
        let controllable =
            |tag: &crate::tagger::ThemeTag| group(tag).is_some_and(agent_controllable);
        if !t.themes.iter().any(controllable) {
            return (vec![true; t.themes.len()], Vec::new());
        }
        let judge = Judge::new(p, agent);
        let mut counts = Vec::with_capacity(t.themes.len());
        let mut praise = Vec::new();
        for (k, tag) in t.themes.iter().enumerate() {
            let outcome = group(tag) == Some(Group::Outcome);
            counts.push(
                !controllable(tag)
                    || tag.polarity != Sentiment::Negative
                    || judge.against_agent(tag, outcome),
            );
            if controllable(tag)
                && tag.polarity == Sentiment::Positive
                && judge.praises_agent(tag, outcome)
            {
                praise.push(k);
            }
        }
        (counts, praise)
    }

    /// The packs, examples masked unless `masking` keeps personal data; other agents' names
    /// masked in every pack's verbatims (see the module comment).
    pub fn finish(
        &self,
        _themes: &[ThemeInfo],
        statistics: &Statistics,
        masking: Masking,
    ) -> CoachingPacks {
        // The file's agents, by the agent column's values.
        let agents: Vec<&str> = self
            .units
            .keys()
            .filter(|(ci, _)| self.columns[*ci].0 == "agent")
            .map(|(_, v)| v.as_str())
            .collect();
        let index = NameIndex::new(&if masking.masks() {
            colleague_names(&agents, None)
        } else {
            Vec::new()
        });
        let mask = |u: &Unit, own: Option<&str>| {
            let mut u = u.clone();
            let own: Vec<String> = own
                .map(|o| {
                    let o = o.trim();
                    [
                        Some(o.to_string()),
                        o.split_whitespace().next().map(str::to_string),
                    ]
                    .into_iter()
                    .flatten()
                    .collect()
                })
                .unwrap_or_default();
            let lists = u
                .themes
                .iter_mut()
                .flat_map(|t| t.examples.iter_mut())
                .chain(u.strengths.iter_mut());
            for e in lists {
                (e.text, e.spans) = masking.with_spans(&e.text, &e.spans);
                (e.text, e.spans) = mask_names_indexed(&e.text, &e.spans, &index, &own);
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
                    let (kind, column) = &self.columns[*ci];
                    let own = (kind == "agent").then_some(value.as_str());
                    Pack {
                        kind: kind.clone(),
                        column: column.clone(),
                        value: value.clone(),
                        unit: mask(unit, own),
                        versus_rest: statistics
                            .segments
                            .get(column)
                            .and_then(|values| values.iter().find(|s| &s.value == value))
                            .map(|s| VersusRest {
                                difference_points: s.difference_to_rest_points,
                                q_value: s.q_value,
                                significant: s.significant,
                            }),
                        trend: Vec::new(),
                    }
                })
                .collect(),
        }
    }
}

impl CoachingPacks {
    /// Each pack's NPS in the periods of the report's trend: a stored period where its history
    /// entry holds the unit (written by a `--coaching` run covering that one period), and this
    /// run's period from the pack itself when the run covers one period (with `--by-week` and
    /// several weeks the run has no per-week figures per unit, so its weeks are left out).
    /// A pack keeps its trend only with two periods or more.
    pub fn add_trend(&mut self, trend: &crate::history::Trend) {
        let run_periods = trend.periods.iter().filter(|p| p.this_run).count();
        for pack in &mut self.packs {
            pack.trend = trend
                .periods
                .iter()
                .zip(
                    trend
                        .units
                        .iter()
                        .chain(std::iter::repeat(&Default::default())),
                )
                .filter_map(|(p, units)| {
                    let counts = if p.this_run {
                        (run_periods == 1).then_some(pack.unit.all)?
                    } else {
                        *units.get(&pack.kind)?.get(&pack.value)?
                    };
                    Some(UnitTrendPoint {
                        period: p.period.describe(),
                        counts,
                        this_run: p.this_run,
                    })
                })
                .collect();
            if pack.trend.len() < 2 {
                pack.trend.clear();
            }
        }
    }

    /// The packs' units and counts, for the history entry of a run that covers one period.
    pub fn units(&self) -> crate::history::Units {
        let mut u = crate::history::Units::new();
        for p in &self.packs {
            u.entry(p.kind.clone())
                .or_default()
                .insert(p.value.clone(), p.unit.all);
        }
        u
    }
}

/// The names to mask in a pack: every agent's full name and first name (three characters or
/// more), but not the pack's own agent's (nor a colleague's name equal to it), longest first.
fn colleague_names(agents: &[&str], own: Option<&str>) -> Vec<String> {
    let first = |a: &str| a.split_whitespace().next().map(str::to_string);
    let own_names: Vec<String> = own
        .map(|o| {
            [Some(o.to_string()), first(o)]
                .into_iter()
                .flatten()
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<String> = agents
        .iter()
        .flat_map(|a| [Some(a.trim().to_string()), first(a)])
        .flatten()
        .filter(|n| n.chars().count() >= 3 && !own_names.iter().any(|o| o.eq_ignore_ascii_case(n)))
        .collect();
    names.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    names.dedup();
    names
}

/// Names to mask, indexed by their first character so that masking a verbatim costs its length
/// times the few names that start like each position, not the number of agents (20,000 tracked).
pub struct NameIndex {
    by_first: std::collections::HashMap<char, Vec<Vec<char>>>,
}

impl NameIndex {
    /// `names` longest first (as [`colleague_names`] gives them).
    pub fn new(names: &[String]) -> NameIndex {
        let mut by_first: std::collections::HashMap<char, Vec<Vec<char>>> = Default::default();
        for name in names {
            let n: Vec<char> = name.chars().collect();
            if let Some(c) = n.first() {
                by_first.entry(*c).or_default().push(n);
            }
        }
        for v in by_first.values_mut() {
            v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        }
        NameIndex { by_first }
    }
}

/// `text` with each of `names` (as written; at word boundaries, anywhere for Chinese) replaced
/// by `[NAME]`, and character spans moved; a span overlapping a name is dropped.
pub fn mask_names(
    text: &str,
    spans: &[(usize, usize)],
    names: &[String],
) -> (String, Vec<(usize, usize)>) {
    mask_names_indexed(text, spans, &NameIndex::new(names), &[])
}

/// [`mask_names`] over an index built once per run; names equal (ignoring ASCII case) to one of
/// `own` are left (an agent's own name in the agent's own pack). Left to right, the longest
/// name at each position wins.
pub fn mask_names_indexed(
    text: &str,
    spans: &[(usize, usize)],
    index: &NameIndex,
    own: &[String],
) -> (String, Vec<(usize, usize)>) {
    const PLACEHOLDER: &str = "[NAME]";
    let chars: Vec<char> = text.chars().collect();
    let is_word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    // (start, end, shift) of each replacement, in the original's characters.
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let hit = index.by_first.get(&chars[i]).and_then(|cands| {
            cands.iter().find(|n| {
                i + n.len() <= chars.len()
                    && chars[i..i + n.len()] == n[..]
                    && (n.iter().any(|c| crate::text::tokens::is_cjk(*c))
                        || (!is_word(i.checked_sub(1).and_then(|j| chars.get(j)))
                            && !is_word(chars.get(i + n.len()))))
                    && !own
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(&n.iter().collect::<String>()))
            })
        });
        match hit {
            Some(n) => {
                cuts.push((i, i + n.len()));
                out.extend(PLACEHOLDER.chars());
                i += n.len();
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    let p = PLACEHOLDER.chars().count() as isize;
    let moved = |x: usize| -> usize {
        let shift: isize = cuts
            .iter()
            .filter(|(_, e)| *e <= x)
            .map(|(a, b)| p - (*b - *a) as isize)
            .sum();
        (x as isize + shift) as usize
    };
    let spans = spans
        .iter()
        .filter(|(s, e)| !cuts.iter().any(|(a, b)| *s < *b && *a < *e))
        .map(|(s, e)| (moved(*s), moved(*e)))
        .collect();
    (out.into_iter().collect(), spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colleagues_are_masked_and_the_own_name_stays() {
        let agents = ["Anna Novak", "Jun Chen", "Bo", "王小明"];
        let names = colleague_names(&agents, Some("Jun Chen"));
        assert!(names.contains(&"Anna".to_string()) && names.contains(&"Anna Novak".to_string()));
        assert!(!names.iter().any(|n| n.contains("Jun")));
        let text =
            "Anna Novak was rude, then Anna again; Jun was kind. 王小明也不错. Annabel fine.";
        let (masked, spans) = mask_names(text, &[(15, 19), (60, 67)], &names);
        assert_eq!(
            masked,
            "[NAME] was rude, then [NAME] again; Jun was kind. [NAME]也不错. Annabel fine."
        );
        // "rude" moved with the text, "Annabel" too.
        let m: Vec<char> = masked.chars().collect();
        let show = |(s, e): (usize, usize)| m[s..e].iter().collect::<String>();
        assert_eq!(
            spans.iter().map(|s| show(*s)).collect::<Vec<_>>(),
            ["rude", "Annabel"]
        );
        // A span over a name is dropped.
        assert!(mask_names("Anna was rude", &[(0, 4)], &names).1.is_empty());
        // A team pack masks every agent.
        assert!(colleague_names(&agents, None)
            .iter()
            .any(|n| n == "Jun Chen"));
    }

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
