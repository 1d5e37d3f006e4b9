//! Statistics as mergeable accumulators: every batch of rows is counted on its own thread and
//! the counts are merged in input order, so threads (and later shards of a file) combine
//! exactly the same way. [`Accumulator::finish`] turns the counts into the numbers reported.

pub mod change;
pub mod drivers;
pub mod kpi;
pub mod kpi_change;
pub mod kpi_drivers;
pub mod math;
pub mod mismatch;
pub mod nps;
pub mod verbatims;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use drivers::{DriverModel, Patterns, ThemeDriver};
pub use mismatch::{Mismatch, MismatchExample, MismatchExamples, MismatchKind};
pub use nps::{Category, NpsCounts};
pub use verbatims::{Reservoir, Verbatim};

use crate::tagger::{Sentiment, Tagging};
use crate::taxonomy::{Group, Taxonomy};

/// Segments smaller than this are flagged "small n": their NPS moves a lot by chance.
pub const SMALL_N: u64 = 30;

/// Counts for one theme: its mentioners overall and split by the polarity of the mention.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThemeCounts {
    pub mentioners: NpsCounts,
    pub negative: NpsCounts,
    pub positive: NpsCounts,
    /// Neutral or mixed mentions.
    pub other: NpsCounts,
    /// The mixed ones among `other` (the rest of `other` is neutral), for the topic-by-sentiment
    /// view.
    #[serde(default)]
    pub mixed: u64,
}

impl ThemeCounts {
    fn merge(&mut self, o: &ThemeCounts) {
        self.mentioners.merge(&o.mentioners);
        self.negative.merge(&o.negative);
        self.positive.merge(&o.positive);
        self.other.merge(&o.other);
        self.mixed += o.mixed;
    }
}

/// Counts for one value of a segment column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentCounts {
    pub all: NpsCounts,
    pub commented: NpsCounts,
    pub themes: Vec<NpsCounts>,
    /// Agent-score categories of the rows with an agent score...
    pub agent: NpsCounts,
    /// ...and the company-score categories of the same rows.
    pub paired_company: NpsCounts,
    /// CSAT, CES and FCR answers of the segment's rows.
    pub kpi: kpi::KpiCounts,
    /// The first row with this value (the order values are tracked in, see
    /// [`MAX_TRACKED_SEGMENT_VALUES`]).
    #[serde(skip)]
    pub first_row: u64,
}

impl SegmentCounts {
    fn new(n_themes: usize) -> Self {
        SegmentCounts {
            themes: vec![NpsCounts::default(); n_themes],
            ..Default::default()
        }
    }

    fn merge(&mut self, c: &SegmentCounts) {
        self.first_row = if self.all.n() == 0 {
            c.first_row
        } else if c.all.n() == 0 {
            self.first_row
        } else {
            self.first_row.min(c.first_row)
        };
        self.all.merge(&c.all);
        self.commented.merge(&c.commented);
        self.agent.merge(&c.agent);
        self.paired_company.merge(&c.paired_company);
        self.kpi.merge(&c.kpi);
        for (a, b) in self.themes.iter_mut().zip(&c.themes) {
            a.merge(b);
        }
    }
}

/// Values of one segment column shown one by one in `summary.json` and the reports; a column
/// with more (an agent column of 300,000 names) shows its largest this many, by responses
/// (ties by value), and one line "(other: N values)" for the rest, so the reports stay
/// readable and bounded. `tagged.csv` keeps every row's value.
pub const MAX_SEGMENT_VALUES: usize = 200;

/// Values of one segment column counted one by one while the rows stream past: the first this
/// many distinct values of a column, in input order. Rows of a value first seen after that go
/// straight into the column's "other" line ([`SegmentSpill`]), so memory during the pass is
/// bounded by columns x this many values (about 1 KB each with the taxonomy's themes), not by
/// the number of distinct values. Exactness: every value counted one by one has all its rows
/// counted, so the statistics of the values shown are exact; the values shown are the
/// [`MAX_SEGMENT_VALUES`] largest among the tracked ones, so when a column has more distinct
/// values than this, a value first seen after them is in "other" even if it is large (an
/// export sorted by agent with 300,000 agents; the report says how many values were spilled).
/// 100 times [`MAX_SEGMENT_VALUES`].
pub const MAX_TRACKED_SEGMENT_VALUES: usize = 20_000;

/// Distinct spilled values counted exactly (by a 64-bit hash each, 16 bytes or so); beyond, the
/// "other" line says "at least" this many.
pub const MAX_SPILLED_DISTINCT: usize = 1_000_000;

/// The rows of the values of one segment column that were first seen after
/// [`MAX_TRACKED_SEGMENT_VALUES`] others: counted together, with the number of distinct values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentSpill {
    pub counts: SegmentCounts,
    /// 64-bit hashes of the spilled values, at most [`MAX_SPILLED_DISTINCT`].
    pub values: std::collections::HashSet<u64>,
    /// More distinct values were spilled than `values` holds.
    pub saturated: bool,
}

impl SegmentSpill {
    fn note(&mut self, value_hash: u64) {
        if self.values.len() < MAX_SPILLED_DISTINCT {
            self.values.insert(value_hash);
        } else if !self.values.contains(&value_hash) {
            self.saturated = true;
        }
    }

    fn merge(&mut self, o: &SegmentSpill) {
        if self.counts.themes.len() < o.counts.themes.len() {
            self.counts
                .themes
                .resize(o.counts.themes.len(), NpsCounts::default());
        }
        self.counts.merge(&o.counts);
        self.counts.first_row = 0;
        for &h in &o.values {
            self.note(h);
        }
        self.saturated |= o.saturated;
    }
}

/// A value's 64-bit hash, the same in every run and thread.
pub fn value_hash(v: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same in every run and thread.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// What the accumulator needs to know about one accepted row.
pub struct RowFacts<'a> {
    pub row: u64,
    pub id: &'a str,
    pub score: u8,
    pub agent_score: Option<u8>,
    /// None for rows without a comment.
    pub tagging: Option<&'a Tagging>,
    pub language: Option<&'a str>,
    /// Normalised comment (for verbatims).
    pub text: Option<&'a str>,
    /// (segment column, value) pairs.
    pub segments: &'a [(String, String)],
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accumulator {
    pub all: NpsCounts,
    pub commented: NpsCounts,
    pub agent: NpsCounts,
    /// Company-score categories of the rows that have an agent score.
    pub paired_company: NpsCounts,
    /// Counts per pattern of theme mentions, for the driver model.
    pub patterns: Patterns,
    pub mismatches: BTreeMap<MismatchKind, u64>,
    pub mismatch_examples: MismatchExamples,
    pub themes: Vec<ThemeCounts>,
    pub sentiment: BTreeMap<Sentiment, u64>,
    pub languages: BTreeMap<String, u64>,
    /// Per segment column, its tracked values (see [`MAX_TRACKED_SEGMENT_VALUES`]).
    pub segments: BTreeMap<String, BTreeMap<String, SegmentCounts>>,
    /// Per segment column, the rows of the values it does not track.
    pub segment_spill: BTreeMap<String, SegmentSpill>,
    /// Distinct values tracked per segment column: [`MAX_TRACKED_SEGMENT_VALUES`] for the run's
    /// accumulator; unlimited for the accumulator of one batch of rows (bounded by the batch),
    /// which is merged into the run's in input order. A batch must not spill on its own: a
    /// value the run tracks could then lose rows to "other".
    pub segment_cap: usize,
    pub verbatims: Vec<Reservoir>,
    /// Counts for comparing periods (runs, weeks); fed by the pipeline with the row's date.
    pub change: change::ChangeAccumulator,
    /// CSAT, CES and FCR answers (see [`kpi`]).
    pub kpi: kpi::KpiCounts,
    /// The KPI answers of commented responses, overall and per theme (see [`kpi_drivers`]).
    pub kpi_themes: kpi_drivers::ThemeKpiCounts,
}

impl Accumulator {
    pub fn new(n_themes: usize) -> Self {
        Accumulator {
            themes: vec![ThemeCounts::default(); n_themes],
            verbatims: vec![Reservoir::default(); n_themes],
            change: change::ChangeAccumulator::new(n_themes),
            segment_cap: usize::MAX,
            ..Default::default()
        }
    }

    /// Track at most `cap` distinct values per segment column (see
    /// [`MAX_TRACKED_SEGMENT_VALUES`]); merge accumulators without a cap into it.
    pub fn with_segment_cap(mut self, cap: usize) -> Self {
        self.segment_cap = cap;
        self
    }

    /// The tracked counts of `value` in `col`, or its column's spill when the column tracks
    /// `cap` values already and not this one.
    fn segment_counts<'a>(
        segments: &'a mut BTreeMap<String, BTreeMap<String, SegmentCounts>>,
        spill: &'a mut BTreeMap<String, SegmentSpill>,
        cap: usize,
        n_themes: usize,
        col: &str,
        value: &str,
        row: u64,
    ) -> &'a mut SegmentCounts {
        let values = segments.entry(col.to_string()).or_default();
        if values.len() >= cap && !values.contains_key(value) {
            let sp = spill
                .entry(col.to_string())
                .or_insert_with(|| SegmentSpill {
                    counts: SegmentCounts::new(n_themes),
                    ..Default::default()
                });
            sp.note(value_hash(value));
            return &mut sp.counts;
        }
        values
            .entry(value.to_string())
            .or_insert_with(|| SegmentCounts {
                first_row: row,
                ..SegmentCounts::new(n_themes)
            })
    }

    pub fn add(&mut self, f: &RowFacts) {
        let cat = Category::of(f.score);
        self.all.add(cat);
        let agent_cat = f.agent_score.map(Category::of);
        if let Some(a) = agent_cat {
            self.agent.add(a);
            self.paired_company.add(cat);
        }
        let n_themes = self.themes.len();
        for (col, value) in f.segments {
            let seg = Self::segment_counts(
                &mut self.segments,
                &mut self.segment_spill,
                self.segment_cap,
                n_themes,
                col,
                value,
                f.row,
            );
            seg.all.add(cat);
            if let Some(a) = agent_cat {
                seg.agent.add(a);
                seg.paired_company.add(cat);
            }
            if let Some(t) = f.tagging {
                seg.commented.add(cat);
                for tag in &t.themes {
                    seg.themes[tag.theme].add(cat);
                }
            }
        }
        let Some(t) = f.tagging else { return };
        self.commented.add(cat);
        let mut features: Vec<u32> = t
            .themes
            .iter()
            .map(|x| drivers::feature(x.theme, x.polarity))
            .collect();
        features.sort_unstable();
        self.patterns.add(features, cat, agent_cat);
        if let Some(m) = mismatch::check(f.score, t) {
            *self.mismatches.entry(m.kind).or_default() += 1;
            self.mismatch_examples.offer(MismatchExample {
                row: f.row,
                id: f.id.to_string(),
                score: f.score,
                kind: m.kind,
                reason: m.reason,
                language: f.language.unwrap_or("und").to_string(),
                sentiment_score: t.sentiment_score,
                text: f.text.unwrap_or("").to_string(),
                segments: f.segments.to_vec(),
            });
        }
        *self.sentiment.entry(t.sentiment).or_default() += 1;
        *self
            .languages
            .entry(f.language.unwrap_or("und").to_string())
            .or_default() += 1;
        for tag in &t.themes {
            let tc = &mut self.themes[tag.theme];
            tc.mentioners.add(cat);
            match tag.polarity {
                Sentiment::Negative => tc.negative.add(cat),
                Sentiment::Positive => tc.positive.add(cat),
                Sentiment::Mixed => {
                    tc.other.add(cat);
                    tc.mixed += 1;
                }
                Sentiment::Neutral => tc.other.add(cat),
            }
            if let Some(text) = f.text {
                self.verbatims[tag.theme].offer(Verbatim::new(f, cat, t, tag, text));
            }
        }
    }

    /// Count a row's CSAT, CES and FCR answers, overall and in its segments (after [`add`],
    /// which creates the segments).
    ///
    /// [`add`]: Accumulator::add
    pub fn add_kpi(&mut self, v: &kpi::KpiValues, segments: &[(String, String)]) {
        if *v == kpi::KpiValues::default() {
            return;
        }
        self.kpi.add(v);
        for (col, value) in segments {
            if let Some(seg) = self.segments.get_mut(col).and_then(|s| s.get_mut(value)) {
                seg.kpi.add(v);
            } else if let Some(sp) = self.segment_spill.get_mut(col) {
                sp.counts.kpi.add(v);
            }
        }
    }

    /// Count a commented row's KPI answers for the KPI drivers, once per theme it mentions
    /// (rows without a comment carry no theme and are not counted).
    pub fn add_kpi_themes(&mut self, v: &kpi::KpiValues, tagging: Option<&Tagging>) {
        if let Some(t) = tagging {
            self.kpi_themes.add(v, t, self.themes.len());
        }
    }

    /// The KPI driver tables (see [`kpi_drivers`]): which themes go with low CSAT, high effort
    /// and unresolved contacts.
    pub fn finish_kpi_drivers(
        &self,
        taxonomy: &Taxonomy,
        ces: &kpi::CesScale,
        stats: &mut Statistics,
    ) {
        stats.kpi_drivers = kpi_drivers::finish(&self.kpi_themes, taxonomy, ces);
    }

    /// The KPIs overall and per segment value (the same values as the NPS segments, the
    /// largest [`MAX_SEGMENT_VALUES`] of a column), with one Benjamini-Hochberg correction per
    /// KPI over every segment of every column, as for NPS.
    pub fn finish_kpis(&self, ces: &kpi::CesScale, stats: &mut Statistics) {
        stats.kpi = kpi::KpiStats::of(&self.kpi, ces);
        let mut out: BTreeMap<String, BTreeMap<String, Vec<kpi::KpiSegmentStat>>> = BTreeMap::new();
        for name in kpi::SEGMENT_KPIS {
            let mut per_col: BTreeMap<String, Vec<kpi::KpiSegmentStat>> = BTreeMap::new();
            for (col, values) in &self.segments {
                let mut by_n: Vec<(&String, &SegmentCounts)> = values.iter().collect();
                by_n.sort_by(|a, b| b.1.all.n().cmp(&a.1.all.n()).then(a.0.cmp(b.0)));
                by_n.truncate(MAX_SEGMENT_VALUES);
                by_n.sort_by(|a, b| a.0.cmp(b.0));
                let stats: Vec<kpi::KpiSegmentStat> = by_n
                    .iter()
                    .filter_map(|(v, c)| kpi::segment_stat(name, v, &c.kpi, &self.kpi, ces))
                    .collect();
                if !stats.is_empty() {
                    per_col.insert(col.clone(), stats);
                }
            }
            let p: Vec<Option<f64>> = per_col.values().flatten().map(|s| s.p_value).collect();
            let mut q = math::benjamini_hochberg(&p).into_iter();
            for s in per_col.values_mut().flatten() {
                s.q_value = q.next().flatten();
                s.significant = s.q_value.is_some_and(|q| q < 0.05);
            }
            if !per_col.is_empty() {
                out.insert(name.to_string(), per_col);
            }
        }
        stats.kpi_segments = out;
    }

    pub fn merge(&mut self, o: &Accumulator) {
        self.all.merge(&o.all);
        self.kpi.merge(&o.kpi);
        self.kpi_themes.merge(&o.kpi_themes);
        self.commented.merge(&o.commented);
        self.agent.merge(&o.agent);
        self.paired_company.merge(&o.paired_company);
        self.patterns.merge(&o.patterns);
        for (k, v) in &o.mismatches {
            *self.mismatches.entry(*k).or_default() += v;
        }
        self.mismatch_examples.merge(&o.mismatch_examples);
        for (a, b) in self.themes.iter_mut().zip(&o.themes) {
            a.merge(b);
        }
        for (k, v) in &o.sentiment {
            *self.sentiment.entry(*k).or_default() += v;
        }
        for (k, v) in &o.languages {
            *self.languages.entry(k.clone()).or_default() += v;
        }
        let n_themes = self.themes.len();
        for (col, values) in &o.segments {
            let mine = self.segments.entry(col.clone()).or_default();
            // New values in the order they were first seen, so the values tracked are the
            // first `segment_cap` of the input, as if it had been read in one pass.
            let mut new: Vec<(&String, &SegmentCounts)> = Vec::new();
            for (value, c) in values {
                match mine.get_mut(value) {
                    Some(m) => m.merge(c),
                    None => new.push((value, c)),
                }
            }
            new.sort_by_key(|(_, c)| c.first_row);
            for (value, c) in new {
                if mine.len() < self.segment_cap {
                    mine.insert(value.clone(), c.clone());
                } else {
                    let sp =
                        self.segment_spill
                            .entry(col.clone())
                            .or_insert_with(|| SegmentSpill {
                                counts: SegmentCounts::new(n_themes),
                                ..Default::default()
                            });
                    sp.counts.merge(c);
                    // Spilled rows have no first row of their own (as when added one by one).
                    sp.counts.first_row = 0;
                    sp.note(value_hash(value));
                }
            }
        }
        for (col, sp) in &o.segment_spill {
            self.segment_spill.entry(col.clone()).or_default().merge(sp);
        }
        for (a, b) in self.verbatims.iter_mut().zip(&o.verbatims) {
            a.merge(b);
        }
        self.change.merge(&o.change);
    }

    /// Compute the reported statistics.
    pub fn finish(&self, taxonomy: &Taxonomy) -> Statistics {
        let themes = self.theme_stats(taxonomy);
        let mut segments: BTreeMap<String, Vec<SegmentStat>> = self
            .segments
            .iter()
            .map(|(col, values)| {
                let spill = self.segment_spill.get(col);
                if values.len() <= MAX_SEGMENT_VALUES && spill.is_none() {
                    let stats = values
                        .iter()
                        .map(|(v, c)| self.segment_stat(v, c, taxonomy))
                        .collect();
                    return (col.clone(), stats);
                }
                let mut by_n: Vec<(&String, &SegmentCounts)> = values.iter().collect();
                by_n.sort_by(|a, b| b.1.all.n().cmp(&a.1.all.n()).then(a.0.cmp(b.0)));
                let (top, rest) = by_n.split_at(MAX_SEGMENT_VALUES.min(by_n.len()));
                let mut top = top.to_vec();
                top.sort_by(|a, b| a.0.cmp(b.0));
                let mut stats: Vec<SegmentStat> = top
                    .iter()
                    .map(|(v, c)| self.segment_stat(v, c, taxonomy))
                    .collect();
                let mut other = SegmentCounts::new(self.themes.len());
                for (_, c) in rest {
                    other.merge(c);
                }
                let (spilled, at_least) = match spill {
                    Some(sp) => {
                        other.merge(&sp.counts);
                        (sp.values.len(), sp.saturated)
                    }
                    None => (0, false),
                };
                let n_other = rest.len() + spilled;
                let label = if at_least {
                    format!("(other: at least {n_other} values)")
                } else {
                    format!("(other: {n_other} values)")
                };
                let mut o = self.segment_stat(&label, &other, taxonomy);
                // A bag of values is not a segment to test.
                o.p_value = None;
                o.caution = Some(if spilled > 0 {
                    format!(
                        "the values beyond the {MAX_SEGMENT_VALUES} largest, together; {}{spilled} of them first seen after the {} values counted one by one",
                        if at_least { "at least " } else { "" },
                        self.segment_cap
                    )
                } else {
                    format!(
                        "the {} values beyond the {MAX_SEGMENT_VALUES} largest, together",
                        rest.len()
                    )
                });
                stats.push(o);
                (col.clone(), stats)
            })
            .collect();
        // One false-discovery-rate correction over every segment of every column.
        let p: Vec<Option<f64>> = segments.values().flatten().map(|s| s.p_value).collect();
        let mut q = math::benjamini_hochberg(&p).into_iter();
        for s in segments.values_mut().flatten() {
            s.q_value = q.next().flatten();
            s.significant = s.q_value.is_some_and(|q| q < 0.05);
        }
        let drivers = drivers::fit(
            &self.patterns,
            drivers::Outcome::Company,
            &self.all,
            taxonomy,
        );
        let agent_drivers = (self.agent.n() > 0)
            .then(|| {
                drivers::fit(
                    &self.patterns,
                    drivers::Outcome::Agent,
                    &self.agent,
                    taxonomy,
                )
            })
            .flatten();
        let mut examples = self.mismatch_examples.clone();
        examples.trim();
        Statistics {
            overall: NpsStat::of(&self.all),
            commented: NpsStat::of(&self.commented),
            agent: (self.agent.n() > 0).then(|| NpsStat::of(&self.agent)),
            agent_paired_company: (self.agent.n() > 0).then(|| NpsStat::of(&self.paired_company)),
            drivers,
            agent_drivers,
            mismatches: self
                .mismatches
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), *v))
                .collect(),
            mismatch_examples: examples.items,
            sentiment: Sentiment::ALL
                .iter()
                .map(|s| (*s, self.sentiment.get(s).copied().unwrap_or(0)))
                .collect(),
            languages: self.languages.clone(),
            theme_sentiment: taxonomy
                .themes
                .iter()
                .zip(&self.themes)
                .map(|(theme, tc)| ThemeSentiment {
                    id: theme.id.clone(),
                    mentions: tc.mentioners.n(),
                    negative: tc.negative.n(),
                    neutral: tc.other.n() - tc.mixed,
                    mixed: tc.mixed,
                    positive: tc.positive.n(),
                })
                .collect(),
            themes,
            segments,
            kpi: kpi::KpiStats::default(),
            kpi_segments: BTreeMap::new(),
            kpi_drivers: kpi_drivers::KpiDrivers::default(),
        }
    }

    fn theme_stats(&self, taxonomy: &Taxonomy) -> Vec<ThemeStat> {
        let mut stats: Vec<ThemeStat> = taxonomy
            .themes
            .iter()
            .zip(&self.themes)
            .map(|(theme, tc)| {
                let m = &tc.mentioners;
                let rest = self.commented.minus(m);
                let loo = |group: &NpsCounts| -> Option<f64> {
                    let without = self.all.minus(group);
                    Some(self.all.nps()? - without.nps()?)
                };
                let test = math::nps_difference_test(m, &rest);
                ThemeStat {
                    id: theme.id.clone(),
                    name: theme.name.clone(),
                    group: theme.group,
                    mentions: m.n(),
                    mentions_negative: tc.negative.n(),
                    mentions_positive: tc.positive.n(),
                    mentions_other: tc.other.n(),
                    share_of_comments: ratio(m.n(), self.commented.n()),
                    nps_mentioners: m.nps(),
                    nps_others: rest.nps(),
                    detractor_rate_with: m.detractor_rate(),
                    detractor_rate_without: rest.detractor_rate(),
                    lift: match (m.detractor_rate(), rest.detractor_rate()) {
                        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                        _ => None,
                    },
                    impact_points: if m.n() > 0 { loo(m) } else { Some(0.0) },
                    impact_negative_points: if tc.negative.n() > 0 {
                        loo(&tc.negative)
                    } else {
                        Some(0.0)
                    },
                    impact_positive_points: if tc.positive.n() > 0 {
                        loo(&tc.positive)
                    } else {
                        Some(0.0)
                    },
                    difference_points: test.map(|t| t.0),
                    p_value: test.map(|t| t.1),
                    q_value: None,
                    significant: false,
                    caution: (m.n() > 0 && m.n() < drivers::MIN_MENTIONS).then(|| {
                        format!(
                            "only {} mentions (fewer than {}): too few to rank",
                            m.n(),
                            drivers::MIN_MENTIONS
                        )
                    }),
                }
            })
            .collect();
        let q = math::benjamini_hochberg(&stats.iter().map(|s| s.p_value).collect::<Vec<_>>());
        for (s, q) in stats.iter_mut().zip(q) {
            s.q_value = q;
            s.significant = q.is_some_and(|q| q < 0.05);
        }
        stats
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Accumulator {
    fn segment_stat(&self, value: &str, c: &SegmentCounts, taxonomy: &Taxonomy) -> SegmentStat {
        let mut drivers: Vec<(String, f64, u64)> = c
            .themes
            .iter()
            .enumerate()
            .filter(|(_, m)| m.n() > 0)
            .filter_map(|(i, m)| {
                let without = c.all.minus(m);
                let impact = c.all.nps()? - without.nps()?;
                Some((taxonomy.themes[i].id.clone(), impact, m.n()))
            })
            .collect();
        drivers.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        drivers.retain(|d| d.1 < 0.0);
        drivers.truncate(3);
        let rest = self.all.minus(&c.all);
        let test = math::nps_difference_test(&c.all, &rest);
        // Themes over-represented among the segment's comments compared with everyone else's.
        let rest_commented = self.commented.n() - c.commented.n();
        let mut tests: Vec<(usize, f64, f64, Option<f64>)> = Vec::new();
        for (i, m) in c.themes.iter().enumerate() {
            let rest_m = self.themes[i].mentioners.n() - m.n();
            if let Some((_, p)) =
                math::two_proportion_test(m.n(), c.commented.n(), rest_m, rest_commented)
            {
                let share = m.n() as f64 / c.commented.n() as f64;
                let share_rest = rest_m as f64 / rest_commented as f64;
                tests.push((i, share, share_rest, Some(p)));
            }
        }
        let q = math::benjamini_hochberg(&tests.iter().map(|t| t.3).collect::<Vec<_>>());
        let mut over: Vec<OverRepresented> = tests
            .iter()
            .zip(q)
            .filter(|((_, share, rest, _), q)| share > rest && q.is_some_and(|q| q < 0.05))
            .map(|((i, share, rest, _), q)| OverRepresented {
                id: taxonomy.themes[*i].id.clone(),
                share_of_comments: *share,
                share_of_comments_elsewhere: *rest,
                ratio: if *rest > 0.0 {
                    Some(share / rest)
                } else {
                    None
                },
                q_value: q.unwrap_or(1.0),
            })
            .collect();
        over.sort_by(|a, b| {
            b.ratio
                .unwrap_or(f64::INFINITY)
                .total_cmp(&a.ratio.unwrap_or(f64::INFINITY))
                .then(a.id.cmp(&b.id))
        });
        over.truncate(3);
        let paired = (c.agent.n() > 0).then(|| {
            (
                NpsStat::of(&c.agent),
                NpsStat::of(&c.paired_company),
                c.agent
                    .nps()
                    .zip(c.paired_company.nps())
                    .map(|(a, b)| a - b),
            )
        });
        SegmentStat {
            value: value.to_string(),
            nps: NpsStat::of(&c.all),
            comments: c.commented.n(),
            small_n: c.all.n() < SMALL_N,
            caution: (c.all.n() < SMALL_N).then(|| {
                format!(
                    "only {} responses (fewer than {SMALL_N}): NPS moves a lot by chance",
                    c.all.n()
                )
            }),
            difference_to_rest_points: test.map(|t| t.0),
            p_value: test.map(|t| t.1),
            q_value: None,
            significant: false,
            agent_nps: paired.as_ref().map(|p| p.0.clone()),
            company_nps_same_rows: paired.as_ref().map(|p| p.1.clone()),
            agent_gap_points: paired.and_then(|p| p.2),
            top_drivers: drivers
                .into_iter()
                .map(|(id, impact, mentions)| Driver {
                    id,
                    impact_points: impact,
                    mentions,
                })
                .collect(),
            over_represented: over,
        }
    }
}

/// NPS with counts and interval, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NpsStat {
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub nps: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

impl NpsStat {
    pub fn of(c: &NpsCounts) -> NpsStat {
        let ci = c.interval95();
        NpsStat {
            n: c.n(),
            promoters: c.promoters,
            passives: c.passives,
            detractors: c.detractors,
            nps: c.nps(),
            ci95_low: ci.map(|x| x.0),
            ci95_high: ci.map(|x| x.1),
        }
    }
}

/// One theme's statistics. Rates are fractions; NPS and impacts are in points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeStat {
    pub id: String,
    pub name: String,
    pub group: Group,
    pub mentions: u64,
    pub mentions_negative: u64,
    pub mentions_positive: u64,
    pub mentions_other: u64,
    pub share_of_comments: Option<f64>,
    pub nps_mentioners: Option<f64>,
    /// NPS of the commenters who did not mention the theme.
    pub nps_others: Option<f64>,
    pub detractor_rate_with: Option<f64>,
    pub detractor_rate_without: Option<f64>,
    pub lift: Option<f64>,
    /// Leave-one-out impact: NPS(all) - NPS(all without the mentioners).
    pub impact_points: Option<f64>,
    pub impact_negative_points: Option<f64>,
    pub impact_positive_points: Option<f64>,
    /// NPS(mentioners) - NPS(other commenters), tested by Welch's z-test.
    pub difference_points: Option<f64>,
    pub p_value: Option<f64>,
    /// Benjamini-Hochberg adjusted p-value across themes.
    pub q_value: Option<f64>,
    pub significant: bool,
    /// Why the theme is shown greyed (too few mentions), if it is.
    pub caution: Option<String>,
}

/// One theme's mentions by the polarity of the mention (the theme's own sentiment in the
/// comment, as tagged in `tagged.csv`); the four counts add up to `mentions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeSentiment {
    pub id: String,
    pub mentions: u64,
    pub negative: u64,
    pub neutral: u64,
    pub mixed: u64,
    pub positive: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    pub id: String,
    pub impact_points: f64,
    pub mentions: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentStat {
    pub value: String,
    pub nps: NpsStat,
    pub comments: u64,
    pub small_n: bool,
    /// Why the segment is shown greyed, if it is.
    pub caution: Option<String>,
    /// NPS(segment) - NPS(every other response), Welch's z-test.
    pub difference_to_rest_points: Option<f64>,
    pub p_value: Option<f64>,
    /// Benjamini-Hochberg over every segment of every column.
    pub q_value: Option<f64>,
    pub significant: bool,
    /// Agent-score NPS of the segment's rows with an agent score, the company-score NPS of the
    /// same rows, and the gap (agent - company), when the export has an agent score.
    pub agent_nps: Option<NpsStat>,
    pub company_nps_same_rows: Option<NpsStat>,
    pub agent_gap_points: Option<f64>,
    /// Up to three themes with the most negative leave-one-out impact inside the segment.
    pub top_drivers: Vec<Driver>,
    /// Up to three themes mentioned significantly more often in this segment's comments than in
    /// the others' (two-proportion z-test, Benjamini-Hochberg within the column), by ratio.
    pub over_represented: Vec<OverRepresented>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverRepresented {
    pub id: String,
    pub share_of_comments: f64,
    pub share_of_comments_elsewhere: f64,
    /// None when no other comment mentions the theme.
    pub ratio: Option<f64>,
    pub q_value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub overall: NpsStat,
    pub commented: NpsStat,
    pub agent: Option<NpsStat>,
    /// Company-score NPS of the responses that have an agent score (to compare with `agent`).
    pub agent_paired_company: Option<NpsStat>,
    /// The multivariate driver model of the company score (None below 20 comments).
    pub drivers: Option<DriverModel>,
    /// The same model of the agent score, when the export has one.
    pub agent_drivers: Option<DriverModel>,
    /// Score/text mismatches by kind, and the strongest examples.
    pub mismatches: BTreeMap<String, u64>,
    pub mismatch_examples: Vec<MismatchExample>,
    pub sentiment: BTreeMap<Sentiment, u64>,
    pub languages: BTreeMap<String, u64>,
    pub themes: Vec<ThemeStat>,
    /// Topic by sentiment: every theme's mentions (taxonomy order) by the polarity of the
    /// mention. Absent in summaries written before it.
    #[serde(default)]
    pub theme_sentiment: Vec<ThemeSentiment>,
    pub segments: BTreeMap<String, Vec<SegmentStat>>,
    /// CSAT, CES and FCR with their intervals, when the export has the columns.
    #[serde(default, skip_serializing_if = "kpi::KpiStats::is_empty")]
    pub kpi: kpi::KpiStats,
    /// KPI -> segment column -> one entry per value (see [`kpi::KpiSegmentStat`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kpi_segments: BTreeMap<String, BTreeMap<String, Vec<kpi::KpiSegmentStat>>>,
    /// Themes against low CSAT, high effort and unresolved contacts (see [`kpi_drivers`]).
    #[serde(default, skip_serializing_if = "kpi_drivers::KpiDrivers::is_empty")]
    pub kpi_drivers: kpi_drivers::KpiDrivers,
}

impl Statistics {
    /// Themes ordered by impact, most damaging first (ties by id).
    pub fn themes_by_impact(&self) -> Vec<&ThemeStat> {
        let mut v: Vec<&ThemeStat> = self.themes.iter().filter(|t| t.mentions > 0).collect();
        v.sort_by(|a, b| {
            a.impact_points
                .unwrap_or(0.0)
                .total_cmp(&b.impact_points.unwrap_or(0.0))
                .then(a.id.cmp(&b.id))
        });
        v
    }
}

#[cfg(test)]
mod tests;
