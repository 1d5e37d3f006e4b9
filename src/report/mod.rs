//! The report model: everything a person reads about a run, built once at the end of the run
//! ([`Report::build`]) and, for `npsight compare`, once from two runs ([`Comparison`]). Personal
//! data is masked here, in one place, through [`Masking`]: report verbatims, score/comment
//! mismatches, suggested themes and coaching examples (segment values and response ids are
//! masked earlier, as rows are read in `analyze::chunks`, since statistics are keyed by them and
//! `tagged.jsonl` is written there). Markdown ([`crate::output::report_md`]),
//! HTML ([`crate::output::report_html`]) and the coaching packs ([`crate::output::coaching`])
//! read only this model; statistics a page shows (the heatmaps, the driver chart's bars) are
//! computed here, so every renderer sees the same numbers.
//!
//! **One ranking of drivers.** Every place that ranks themes (the headline's causes, the closing
//! line, report.md's "What drives detractors", report.html's theme table and driver chart) uses
//! [`ranking`]: leave-one-out impact, most damaging first. It is chosen over the driver model's
//! impact because it is the quantity the q-value tests (Welch on mentioners versus the other
//! commenters, Benjamini-Hochberg corrected), so "ranked" and "significant" speak of the same
//! number; it exists for every run, also below the 20 comments the model needs; and a manager can
//! check it by hand (the NPS without these responses). The driver model's impact, which corrects
//! for themes named together, is shown next to it as a column. A theme is named as a *cause*
//! ([`causes`]) only when it is a significant damaging driver: q < 0.05, enough mentions to rank
//! (no caution) and a negative impact.
//!
//! Where a change goes: a new statistic is computed in [`crate::stats`] (a mergeable
//! accumulator and its `finish`) and, when people should read it, carried here; a renderer only
//! formats what this model holds.

pub mod coaching;
pub mod kpi_drivers;
pub mod responses;

use crate::compare::ComparisonData;
use crate::discover::{DiscoveredTheme, Discovery};
use crate::output::summary::Summary;
use crate::pii::Masking;
use crate::stats::change::Change;
use crate::stats::kpi::KpiStats;
use crate::stats::{
    Accumulator, DriverModel, MismatchExample, Reservoir, Statistics, ThemeDriver, ThemeStat,
    Verbatim,
};
use crate::tagger::Sentiment;
use crate::taxonomy::{Group, Taxonomy};

pub use coaching::{CoachingCollector, CoachingPacks};

/// A theme as the reports name it, in taxonomy order.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeInfo {
    pub id: String,
    pub name: String,
    pub group: Group,
}

/// One bar of the driver chart: a signed effect in NPS points with an optional interval.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverBar {
    pub label: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Distinguishable from noise by [`bar_is_significant`]; drawn grey when false.
    pub significant: bool,
}

/// Whether a driver-chart bar stands out from noise, by the rule the report's text uses for
/// it: with the driver model, its 95 % bootstrap interval excludes 0
/// ([`ThemeDriver::distinguishable`], decided once in `stats::drivers` and also behind the
/// driver-model table's "not distinguishable from noise" note); for leave-one-out bars, the
/// theme table's ✔ (q < 0.05, [`ThemeStat::significant`]) with enough mentions to rank.
pub fn bar_is_significant(bar: BarSource<'_>) -> bool {
    match bar {
        BarSource::Model(t) => t.distinguishable,
        // The headline's rule (`is_significant_damaging` without the sign): a red bar with too
        // few mentions would be a cause the headline does not name.
        BarSource::LeaveOneOut(t) => t.significant && t.caution.is_none(),
    }
}

/// What a driver-chart bar is drawn from.
#[derive(Debug, Clone, Copy)]
pub enum BarSource<'a> {
    Model(&'a ThemeDriver),
    LeaveOneOut(&'a ThemeStat),
}

/// The driver chart: its bars, most damaging first, and the sentence explaining them.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverChart {
    pub bars: Vec<DriverBar>,
    pub note: String,
}

/// Change since the previous run, for the headline.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousRun {
    /// What the previous run was ("since previous run").
    pub label: String,
    pub nps_change: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// One cell of the heatmap: mentions of a theme among a segment value's comments.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatCell {
    pub mentions: u64,
    /// Share of the segment value's comments mentioning the theme.
    pub share: Option<f64>,
    pub nps_mentioners: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeatRow {
    pub value: String,
    pub comments: u64,
    pub cells: Vec<HeatCell>,
}

/// Theme x segment-value table for one segment column.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub column: String,
    /// (theme id, theme name): the [`HEATMAP_MAX_COLUMNS`] themes mentioned most often overall,
    /// most mentioned first (ties in taxonomy order); never a theme without mentions.
    pub themes: Vec<(String, String)>,
    pub rows: Vec<HeatRow>,
    /// Values left out (the table keeps the [`HEATMAP_MAX_ROWS`] values with most comments).
    pub omitted: usize,
    /// Names of the mentioned themes left out (the table keeps the [`HEATMAP_MAX_COLUMNS`]
    /// most-mentioned).
    pub omitted_themes: Vec<String>,
}

pub const HEATMAP_MAX_ROWS: usize = 30;

/// The most theme columns a heatmap shows (the most-mentioned themes), so that the table fits a
/// 1160 px page without scrolling sideways; the others are named under it.
pub const HEATMAP_MAX_COLUMNS: usize = 10;

/// The driver chart's sentence on grey bars.
pub const GREY_LOO: &str = "grey bars are not named as causes: q ≥ 0.05 (not distinguishable from noise) or fewer than 30 mentions (too few to rank).";

/// The polarities of the topic-by-sentiment view, in the order shown.
pub const TOPIC_SENTIMENTS: [Sentiment; 4] = [
    Sentiment::Negative,
    Sentiment::Neutral,
    Sentiment::Mixed,
    Sentiment::Positive,
];

/// One theme of the topic-by-sentiment view: its mentions by polarity.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSentiment {
    pub id: String,
    pub name: String,
    pub group: Group,
    pub mentions: u64,
    /// Mentions that are negative, neutral, mixed and positive ([`TOPIC_SENTIMENTS`] order).
    pub counts: [u64; 4],
}

impl TopicSentiment {
    /// Share of the theme's mentions with the `i`-th polarity of [`TOPIC_SENTIMENTS`].
    pub fn share(&self, i: usize) -> Option<f64> {
        (self.mentions > 0).then(|| self.counts[i] as f64 / self.mentions as f64)
    }
}

/// The topic-by-sentiment rows from the statistics: themes with mentions, most mentioned first
/// (ties in taxonomy order), names from the taxonomy.
pub fn topic_sentiment(st: &Statistics, taxonomy: &Taxonomy) -> Vec<TopicSentiment> {
    let mut v: Vec<TopicSentiment> = st
        .theme_sentiment
        .iter()
        .filter(|t| t.mentions > 0)
        .map(|t| {
            let theme = taxonomy.themes.iter().find(|x| x.id == t.id);
            TopicSentiment {
                id: t.id.clone(),
                name: theme.map_or_else(|| t.id.clone(), |x| x.name.clone()),
                group: theme.map_or(Group::Process, |x| x.group),
                mentions: t.mentions,
                counts: [t.negative, t.neutral, t.mixed, t.positive],
            }
        })
        .collect();
    v.sort_by_key(|t| std::cmp::Reverse(t.mentions));
    v
}

/// The longest a headline verbatim may be, in characters (longer ones are cut with "…").
pub const HEADLINE_VERBATIM_CHARS: usize = 120;

/// A cause of detractors named in the headline: a significant damaging driver.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub id: String,
    /// The theme's name, as people read it.
    pub name: String,
    /// Leave-one-out impact in NPS points (negative).
    pub impact_points: f64,
    pub q_value: Option<f64>,
    /// A representative negative verbatim, masked and shortened; None when none was kept.
    pub verbatim: Option<String>,
}

/// What a manager reads first: the period, and the top causes of detractors.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// First and last date of the export's date column, when it has one.
    pub period: Option<(String, String)>,
    /// Up to three significant damaging themes, in [`ranking`] order.
    pub causes: Vec<Cause>,
}

/// The one ranking of drivers every report uses: themes with mentions by leave-one-out impact,
/// most damaging first (ties by id). See the module comment for why.
pub fn ranking(st: &Statistics) -> Vec<&ThemeStat> {
    st.themes_by_impact()
}

/// Whether a theme may be named as a cause of detractors: significant (q < 0.05), enough
/// mentions to rank (no caution) and damaging (negative leave-one-out impact).
pub fn is_significant_damaging(t: &ThemeStat) -> bool {
    t.significant && t.caution.is_none() && t.impact_points.is_some_and(|x| x < 0.0)
}

/// The top three causes of detractors in [`ranking`] order; fewer (or none) when fewer themes
/// are significant damaging drivers.
pub fn causes(st: &Statistics) -> Vec<&ThemeStat> {
    ranking(st)
        .into_iter()
        .filter(|t| is_significant_damaging(t))
        .take(3)
        .collect()
}

/// The driver model's themes with mentions, in [`ranking`] order (themes the ranking lacks at
/// the end, by model impact).
pub fn model_in_ranking_order<'a>(st: &Statistics, m: &'a DriverModel) -> Vec<&'a ThemeDriver> {
    let order: Vec<&str> = ranking(st).iter().map(|t| t.id.as_str()).collect();
    let mut v = m.ranked();
    v.sort_by_key(|t| {
        order
            .iter()
            .position(|id| *id == t.id)
            .unwrap_or(usize::MAX)
    });
    v
}

/// A verbatim shortened for the headline, on a character boundary, with "…" when cut.
pub fn short_verbatim(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= HEADLINE_VERBATIM_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(HEADLINE_VERBATIM_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Everything the reports of a run show.
#[derive(Debug, Clone)]
pub struct Report {
    /// What summary.json holds (its mismatch examples and suggested themes masked).
    pub summary: Summary,
    /// The taxonomy's themes, in its order.
    pub themes: Vec<ThemeInfo>,
    /// Representative verbatims per theme, in taxonomy order; masked.
    pub verbatims: Vec<Reservoir>,
    /// Responses whose score and comment disagree, as verbatims; masked.
    pub mismatches: Vec<Verbatim>,
    /// Theme x segment tables, one per segment column.
    pub heatmaps: Vec<Heatmap>,
    /// Topic by sentiment: each mentioned theme's mentions by polarity.
    pub topic_sentiment: Vec<TopicSentiment>,
    /// Leave-one-out impacts, grey where q >= 0.05.
    pub driver_chart: DriverChart,
    pub previous: Option<PreviousRun>,
    /// CSAT, CES and FCR for the headline, each None when the export has no such column (or no
    /// answer in it).
    pub kpi: KpiStats,
    /// With --coaching: one pack per team and per agent; examples masked.
    pub coaching: Option<CoachingPacks>,
    /// The period covered and the top causes of detractors; verbatims masked.
    pub headline: Headline,
    /// Per KPI outcome (low CSAT, high effort, unresolved), the themes significantly behind it.
    pub kpi_causes: Vec<kpi_drivers::KpiCauses>,
    /// Every response's score, language, sentiment, segment values and themes, for report.html's
    /// client-side filters; only the count above [`responses::MAX_RESPONSES`].
    pub responses: responses::ResponseLog,
}

/// What a run leaves for its report besides the summary.
pub struct Sources<'a> {
    pub taxonomy: &'a Taxonomy,
    pub acc: &'a Accumulator,
    pub discovery: &'a Discovery,
    pub responses: &'a responses::ResponseLog,
    pub coaching: Option<&'a CoachingCollector>,
}

impl Report {
    /// Build the model: `summary` as the statistics left it (nothing masked yet, no suggested
    /// themes), the rest from `sources`; personal data masked unless `masking` keeps it.
    pub fn build(mut summary: Summary, sources: Sources, masking: Masking) -> Report {
        let Sources {
            taxonomy,
            acc,
            discovery,
            responses,
            coaching,
        } = sources;
        summary.pii_masked = masking.masks();
        for e in &mut summary.statistics.mismatch_examples {
            e.text = masking.text(&e.text);
        }
        summary.discovered_themes = discovery.finish(|t| masking.text(t));
        let mut verbatims: Vec<Reservoir> = acc.verbatims.clone();
        for r in &mut verbatims {
            for v in r.negative.iter_mut().chain(r.positive.iter_mut()) {
                (v.text, v.spans) = masking.with_spans(&v.text, &v.spans);
            }
        }
        let st = &summary.statistics;
        let headline = Headline {
            period: summary.comparison_data.as_ref().and_then(|c| {
                match (&c.period.first_date, &c.period.last_date) {
                    (Some(a), Some(b)) => Some((a.clone(), b.clone())),
                    _ => None,
                }
            }),
            causes: causes(st)
                .into_iter()
                .map(|t| {
                    let i = taxonomy.themes.iter().position(|x| x.id == t.id);
                    let verbatim = i
                        .and_then(|i| verbatims.get(i))
                        .and_then(|r| {
                            // The best-ranked negative verbatim short enough to quote whole,
                            // else the best-ranked one cut.
                            r.negative
                                .iter()
                                .find(|v| v.text.trim().chars().count() <= HEADLINE_VERBATIM_CHARS)
                                .or(r.negative.first())
                        })
                        .map(|v| short_verbatim(&v.text));
                    Cause {
                        id: t.id.clone(),
                        name: t.name.clone(),
                        impact_points: t.impact_points.unwrap_or(0.0),
                        q_value: t.q_value,
                        verbatim,
                    }
                })
                .collect(),
        };
        // The one ranking, drawn: leave-one-out impact, grey by its q (the number the headline's
        // causes are chosen by). The driver model's impacts are the theme table's last column
        // and the driver-model section; drawing them here put a theme the headline did not name
        // (not significant by q, but by the model's interval) first and red on the page.
        let driver_chart = DriverChart {
            bars: st
                .themes_by_impact()
                .iter()
                .map(|t| DriverBar {
                    label: t.name.clone(),
                    value: t.impact_points.unwrap_or(0.0),
                    low: None,
                    high: None,
                    significant: bar_is_significant(BarSource::LeaveOneOut(t)),
                })
                .collect(),
            note: format!(
                "Leave-one-out impact: how many NPS points the score would change without the theme's mentioners (the report's one ranking). Red bars pull NPS down, green bars lift it; {GREY_LOO}{}",
                if st.drivers.is_some() {
                    " The driver model's impact (all themes fitted at once) is the last column of the theme table and has its own section."
                } else {
                    ""
                }
            ),
        };
        let previous = summary.change.as_ref().map(|c| PreviousRun {
            label: format!("since {}", c.before_label),
            nps_change: c.nps.difference,
            low: c.nps.ci95_low,
            high: c.nps.ci95_high,
        });
        let themes: Vec<ThemeInfo> = taxonomy
            .themes
            .iter()
            .map(|t| ThemeInfo {
                id: t.id.clone(),
                name: t.name.clone(),
                group: t.group,
            })
            .collect();
        let mut coaching = coaching.map(|c| c.finish(&themes, &summary.statistics, masking));
        if let (Some(c), Some(t)) = (coaching.as_mut(), summary.trend.as_ref()) {
            c.add_trend(t);
        }
        Report {
            mismatches: mismatch_verbatims(&summary.statistics.mismatch_examples),
            heatmaps: heatmaps(acc, taxonomy),
            topic_sentiment: topic_sentiment(&summary.statistics, taxonomy),
            driver_chart,
            previous,
            kpi: summary.statistics.kpi.clone(),
            kpi_causes: kpi_drivers::causes(&summary.statistics.kpi_drivers),
            verbatims,
            themes,
            coaching,
            headline,
            responses: responses.clone(),
            summary,
        }
    }

    /// The verbatims of the theme `id`, if it is in the taxonomy.
    pub fn verbatims_of(&self, id: &str) -> Option<&Reservoir> {
        let i = self.themes.iter().position(|t| t.id == id)?;
        self.verbatims.get(i)
    }

    /// The display name of the theme `id` (the id itself when the taxonomy lacks it): what
    /// people read wherever the statistics hold an id.
    pub fn theme_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.themes
            .iter()
            .find(|t| t.id == id)
            .map_or(id, |t| t.name.as_str())
    }

    /// Suggested new themes (masked).
    pub fn discovered(&self) -> &[DiscoveredTheme] {
        &self.summary.discovered_themes
    }
}

/// Mismatch examples as verbatims (the reason goes in front of the text).
pub fn mismatch_verbatims(items: &[MismatchExample]) -> Vec<Verbatim> {
    items
        .iter()
        .map(|e| Verbatim {
            row: e.row,
            id: e.id.clone(),
            score: e.score,
            category: crate::stats::Category::of(e.score),
            language: e.language.clone(),
            sentiment: if e.sentiment_score >= 0.0 {
                crate::tagger::Sentiment::Positive
            } else {
                crate::tagger::Sentiment::Negative
            },
            polarity: crate::tagger::Sentiment::Neutral,
            text: e.text.clone(),
            spans: vec![],
            segments: e.segments.clone(),
            rank: e.sentiment_score.abs(),
        })
        .collect()
}

/// Heatmaps of every segment column from the accumulated counts.
pub fn heatmaps(acc: &Accumulator, taxonomy: &Taxonomy) -> Vec<Heatmap> {
    let n_of = |i: usize| acc.themes.get(i).map_or(0, |t| t.mentioners.n());
    // The most-mentioned themes first (ties in taxonomy order), at most HEATMAP_MAX_COLUMNS.
    let mut mentioned: Vec<usize> = (0..taxonomy.themes.len())
        .filter(|i| n_of(*i) > 0)
        .collect();
    mentioned.sort_by(|a, b| n_of(*b).cmp(&n_of(*a)).then(a.cmp(b)));
    let omitted_themes: Vec<String> = mentioned
        .iter()
        .skip(HEATMAP_MAX_COLUMNS)
        .map(|&i| taxonomy.themes[i].name.clone())
        .collect();
    mentioned.truncate(HEATMAP_MAX_COLUMNS);
    acc.segments
        .iter()
        .map(|(col, values)| {
            let mut rows: Vec<HeatRow> = values
                .iter()
                .map(|(value, c)| {
                    let comments = c.commented.n();
                    HeatRow {
                        value: value.clone(),
                        comments,
                        cells: mentioned
                            .iter()
                            .map(|&i| {
                                let m = c.themes.get(i).copied().unwrap_or_default();
                                HeatCell {
                                    mentions: m.n(),
                                    share: (comments > 0).then(|| m.n() as f64 / comments as f64),
                                    nps_mentioners: m.nps(),
                                }
                            })
                            .collect(),
                    }
                })
                .collect();
            rows.sort_by(|a, b| b.comments.cmp(&a.comments).then(a.value.cmp(&b.value)));
            let omitted = rows.len().saturating_sub(HEATMAP_MAX_ROWS);
            rows.truncate(HEATMAP_MAX_ROWS);
            Heatmap {
                column: col.clone(),
                themes: mentioned
                    .iter()
                    .map(|&i| {
                        (
                            taxonomy.themes[i].id.clone(),
                            taxonomy.themes[i].name.clone(),
                        )
                    })
                    .collect(),
                rows,
                omitted,
                omitted_themes: omitted_themes.clone(),
            }
        })
        .collect()
}

/// `npsight compare`: the change from one run to another and how each run is described.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub change: Change,
    /// "old (export.csv, 2026-11-16 to 2026-11-22, n = 120)"
    pub before: String,
    pub after: String,
}

impl Comparison {
    /// Compare the runs saved in the folders `old_dir` and `new_dir`.
    pub fn build(
        old_dir: &str,
        old: &ComparisonData,
        new_dir: &str,
        new: &ComparisonData,
    ) -> Comparison {
        Comparison {
            change: crate::compare::between_runs(old, new, ("old run", "new run")),
            before: format!("{old_dir} ({})", old.describe()),
            after: format!("{new_dir} ({})", new.describe()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_verbatims_are_kept_whole_and_long_ones_cut_on_a_character() {
        assert_eq!(short_verbatim("  charged twice "), "charged twice");
        let long = "é".repeat(HEADLINE_VERBATIM_CHARS + 5);
        let cut = short_verbatim(&long);
        assert_eq!(cut.chars().count(), HEADLINE_VERBATIM_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "a".repeat(HEADLINE_VERBATIM_CHARS);
        assert_eq!(short_verbatim(&exact), exact);
    }

    fn stat(mentions: u64, q: f64) -> ThemeStat {
        ThemeStat {
            id: "billing".into(),
            name: "Billing".into(),
            group: Group::Product,
            mentions,
            mentions_negative: mentions,
            mentions_positive: 0,
            mentions_other: 0,
            share_of_comments: Some(0.1),
            nps_mentioners: Some(-80.0),
            nps_others: Some(10.0),
            detractor_rate_with: Some(0.9),
            detractor_rate_without: Some(0.3),
            lift: Some(3.0),
            impact_points: Some(-4.0),
            impact_negative_points: Some(-4.0),
            impact_positive_points: Some(0.0),
            difference_points: Some(-90.0),
            p_value: Some(q / 2.0),
            q_value: Some(q),
            significant: q < 0.05,
            caution: (mentions < crate::stats::drivers::MIN_MENTIONS)
                .then(|| "too few to rank".to_string()),
        }
    }

    #[test]
    fn a_driver_bar_is_red_exactly_when_the_headline_may_name_the_theme() {
        for (mentions, q) in [(40, 0.001), (12, 0.001), (40, 0.2), (12, 0.2)] {
            let t = stat(mentions, q);
            assert_eq!(
                bar_is_significant(BarSource::LeaveOneOut(&t)),
                is_significant_damaging(&t),
                "{mentions} mentions, q {q}"
            );
        }
        // A significant theme with too few mentions is grey, and the note says why.
        assert!(!bar_is_significant(BarSource::LeaveOneOut(&stat(
            12, 0.001
        ))));
        assert!(GREY_LOO.contains(&format!(
            "fewer than {} mentions",
            crate::stats::drivers::MIN_MENTIONS
        )));
    }
}
