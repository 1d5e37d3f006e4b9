//! Statistics checked against answers worked out by hand or computed independently from the
//! raw per-response values.

use super::*;
use crate::tagger::{Evidence, Source, ThemeTag};

const TAXONOMY: &str = r#"
schema = 1
[[theme]]
id = "a"
name = "A"
group = "process"
[theme.patterns]
en = ["aaa"]
[[theme]]
id = "b"
name = "B"
group = "agent"
[theme.patterns]
en = ["bbb"]
[[theme]]
id = "c"
name = "C"
group = "product"
[theme.patterns]
en = ["ccc"]
"#;

fn taxonomy() -> Taxonomy {
    Taxonomy::parse(TAXONOMY, "test").unwrap()
}

fn tagging(themes: &[(usize, Sentiment)]) -> Tagging {
    Tagging {
        sentiment: Sentiment::Neutral,
        sentiment_score: 0.0,
        themes: themes
            .iter()
            .map(|(t, p)| ThemeTag {
                theme: *t,
                polarity: *p,
                confidence: None,
                evidence: vec![Evidence {
                    start: 0,
                    end: 3,
                    source: Source::Lexicon,
                }],
            })
            .collect(),
        embedding: None,
    }
}

/// (score, themes or None for no comment, segment value)
type Row = (u8, Option<Vec<(usize, Sentiment)>>, &'static str);

fn accumulate(rows: &[Row], first_row: u64) -> Accumulator {
    let mut acc = Accumulator::new(3);
    for (i, (score, themes, seg)) in rows.iter().enumerate() {
        let t = themes.as_ref().map(|t| tagging(t));
        let segments = vec![("team".to_string(), seg.to_string())];
        acc.add(&RowFacts {
            row: first_row + i as u64,
            id: "",
            score: *score,
            agent_score: None,
            tagging: t.as_ref(),
            language: Some("en"),
            text: t.as_ref().map(|_| "aaa bbb"),
            segments: &segments,
        });
    }
    acc
}

fn hand_rows() -> Vec<Row> {
    use Sentiment::*;
    vec![
        (10, Some(vec![(0, Neutral), (1, Negative)]), "X"),
        (9, Some(vec![(0, Neutral)]), "X"),
        (8, Some(vec![(0, Neutral)]), "X"),
        (3, Some(vec![(0, Neutral), (1, Negative)]), "Y"),
        (0, Some(vec![(0, Neutral), (1, Positive)]), "Y"),
        (6, None, "(blank)"),
        (10, None, "(blank)"),
    ]
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn worked_example_by_hand() {
    let s = accumulate(&hand_rows(), 1).finish(&taxonomy());
    // All 7: P 3, passive 1, D 3 -> NPS 0. Commented 5: P 2, passive 1, D 2 -> 0.
    assert_eq!(
        (
            s.overall.promoters,
            s.overall.passives,
            s.overall.detractors
        ),
        (3, 1, 3)
    );
    assert!(close(s.overall.nps, 0.0));
    assert_eq!(s.commented.n, 5);

    // Theme a is in every comment: no "others" to compare with; LOO leaves rows 6-7 (P1 D1).
    let a = &s.themes[0];
    assert_eq!(a.mentions, 5);
    assert!(close(a.share_of_comments, 1.0));
    assert_eq!(a.nps_others, None);
    assert_eq!(a.detractor_rate_without, None);
    assert_eq!(a.lift, None);
    assert!(close(a.impact_points, 0.0));

    // Theme b: rows 1, 4, 5 (P1, D2): NPS -33.3; without them rows 2, 3, 6, 7 -> +25, impact -25.
    let b = &s.themes[1];
    assert_eq!(
        (b.mentions, b.mentions_negative, b.mentions_positive),
        (3, 2, 1)
    );
    assert!(close(b.nps_mentioners, -100.0 / 3.0));
    assert!(close(b.share_of_comments, 0.6));
    assert!(close(b.detractor_rate_with, 2.0 / 3.0));
    assert!(close(b.detractor_rate_without, 0.0));
    assert_eq!(
        b.lift, None,
        "no detractor among the others: lift undefined, not infinite"
    );
    assert!(close(b.impact_points, -25.0));
    // Negative mentions (rows 1, 4): without them P2 Pa1 D2 -> 0: impact 0.
    assert!(close(b.impact_negative_points, 0.0));
    // Positive mention (row 5, a detractor): without it P3 Pa1 D2 of 6 -> +16.7: impact -16.7.
    assert!(close(b.impact_positive_points, -100.0 / 6.0));
    // Too few for a test.
    assert_eq!(b.p_value, None);

    // Theme c: never mentioned.
    let c = &s.themes[2];
    assert_eq!(c.mentions, 0);
    assert_eq!(c.nps_mentioners, None);
    assert!(close(c.impact_points, 0.0));
    assert!(!c.significant);

    let team = &s.segments["team"];
    let x = team.iter().find(|v| v.value == "X").unwrap();
    assert!(close(x.nps.nps, 200.0 / 3.0));
    assert!(x.small_n);
    // In Y (rows 4, 5: both detractors, both mention a and b) leaving a theme out empties the
    // segment: no impact can be computed, so no driver is invented.
    let y = team.iter().find(|v| v.value == "Y").unwrap();
    assert!(y.top_drivers.is_empty());
    // In X, b is mentioned by the promoter of row 1: removing it lowers NPS: positive impact, not a driver.
    assert!(x.top_drivers.is_empty());
    assert_eq!(
        s.themes_by_impact()
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        ["b", "a"]
    );
}

#[test]
fn merge_of_halves_equals_the_whole() {
    let rows = hand_rows();
    let whole = accumulate(&rows, 1);
    for cut in 0..=rows.len() {
        let mut left = accumulate(&rows[..cut], 1);
        let right = accumulate(&rows[cut..], 1 + cut as u64);
        left.merge(&right);
        assert_eq!(left, whole, "cut at {cut}");
    }
}

/// Significance and BH against an independent computation on raw +1/0/-1 values.
#[test]
fn significance_matches_independent_computation() {
    use Sentiment::*;
    let mut rows: Vec<Row> = Vec::new();
    for i in 0..120u32 {
        let score = [0u8, 2, 5, 6, 7, 8, 9, 10, 10, 9][(i % 10) as usize];
        let mut themes = Vec::new();
        if score <= 6 && i % 3 != 0 || i % 17 == 0 {
            themes.push((0, Negative)); // a: mostly detractors
        }
        if i % 2 == 0 {
            themes.push((1, Neutral)); // b: unrelated to the score
        }
        rows.push((score, Some(themes), "X"));
    }
    let s = accumulate(&rows, 1).finish(&taxonomy());
    let value = |score: u8| match Category::of(score) {
        Category::Promoter => 1.0,
        Category::Passive => 0.0,
        Category::Detractor => -1.0,
    };
    let mut ps = Vec::new();
    for theme in 0..2 {
        let (with, without): (Vec<_>, Vec<_>) = rows
            .iter()
            .partition(|r| r.1.as_ref().unwrap().iter().any(|(t, _)| *t == theme));
        let stats = |v: &[&Row]| {
            let x: Vec<f64> = v.iter().map(|r| value(r.0)).collect();
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var, n)
        };
        let (m1, v1, n1) = stats(&with);
        let (m2, v2, n2) = stats(&without);
        let z = (m1 - m2) / (v1 / n1 + v2 / n2).sqrt();
        let p = math::two_sided_p(z);
        assert!(close(s.themes[theme].difference_points, 100.0 * (m1 - m2)));
        assert!((s.themes[theme].p_value.unwrap() - p).abs() < 1e-9);
        ps.push(p);
    }
    // BH with m = 2 (theme c has no test): q(min) = 2 p(min), q(max) = min(p(max), q(min)).
    let (lo, hi) = if ps[0] < ps[1] { (0, 1) } else { (1, 0) };
    assert!((s.themes[lo].q_value.unwrap() - (2.0 * ps[lo]).min(ps[hi]).min(1.0)).abs() < 1e-12);
    assert!((s.themes[hi].q_value.unwrap() - ps[hi]).abs() < 1e-12);
    assert!(
        s.themes[0].significant,
        "a detractor theme in 120 rows is significant"
    );
    assert!(!s.themes[1].significant, "b is unrelated to the score");
    assert_eq!(s.themes[2].q_value, None);
}

#[test]
fn ties_in_impact_rank_by_id() {
    use Sentiment::*;
    // a and b mentioned by the same rows: identical impact; order must be stable by id.
    let rows: Vec<Row> = vec![
        (0, Some(vec![(0, Negative), (1, Negative)]), "X"),
        (10, Some(vec![]), "X"),
        (10, Some(vec![]), "X"),
    ];
    let s = accumulate(&rows, 1).finish(&taxonomy());
    assert_eq!(s.themes[0].impact_points, s.themes[1].impact_points);
    assert_eq!(
        s.themes_by_impact()
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn empty_input_has_no_numbers_not_zeros() {
    let s = Accumulator::new(3).finish(&taxonomy());
    assert_eq!(s.overall.n, 0);
    assert_eq!(s.overall.nps, None);
    assert_eq!(s.overall.ci95_low, None);
    assert!(s.segments.is_empty());
    assert!(s.themes_by_impact().is_empty());
}

/// Segment comparison, over-representation and the agent gap, by hand. Team X: 6 promoters,
/// 2 passives, 2 detractors (NPS +40), every row with an agent score of 10; team Y: 2, 2, 6
/// (NPS -40), theme a in 8 of its 10 comments (X: 1 of 10); team Z: 5 passives, no comments.
#[test]
fn segment_comparison_by_hand() {
    use Sentiment::Negative;
    let mut acc = Accumulator::new(3);
    let mut add = |score: u8, theme_a: bool, team: &str, agent: Option<u8>, commented: bool| {
        let t = tagging(if theme_a { &[(0, Negative)] } else { &[] });
        let segments = vec![("team".to_string(), team.to_string())];
        acc.add(&RowFacts {
            row: 1,
            id: "",
            score,
            agent_score: agent,
            tagging: commented.then_some(&t),
            language: Some("en"),
            text: commented.then_some("aaa"),
            segments: &segments,
        });
    };
    let x = [10, 10, 9, 9, 9, 9, 8, 7, 3, 0];
    for (i, s) in x.iter().enumerate() {
        add(*s, i == 9, "X", Some(10), true);
    }
    let y = [10, 9, 8, 8, 6, 5, 4, 3, 2, 1];
    for (i, s) in y.iter().enumerate() {
        add(*s, i >= 2, "Y", None, true);
    }
    for _ in 0..5 {
        add(7, false, "Z", None, false);
    }
    let s = acc.finish(&taxonomy());
    let seg = |v: &str| s.segments["team"].iter().find(|x| x.value == v).unwrap();
    let (sx, sy, sz) = (seg("X"), seg("Y"), seg("Z"));
    assert!(close(sx.nps.nps, 40.0) && close(sy.nps.nps, -40.0) && close(sz.nps.nps, 0.0));

    // X against Y+Z (2 P, 7 passives, 6 D of 15: NPS -26.67): Welch by hand.
    let var = |p: f64, d: f64, n: f64| (p + d - (p - d).powi(2)) * n / (n - 1.0);
    let (vx, vr) = (var(0.6, 0.2, 10.0), var(2.0 / 15.0, 6.0 / 15.0, 15.0));
    let diff = 0.4 - (2.0 - 6.0) / 15.0;
    let z = diff / (vx / 10.0 + vr / 15.0).sqrt();
    assert!(close(sx.difference_to_rest_points, 100.0 * diff));
    assert!(close(sx.p_value, math::two_sided_p(z)));
    // Z has 5 responses: tested; q over the 3 segments of the column.
    let ps: Vec<Option<f64>> = [sx, sy, sz].iter().map(|v| v.p_value).collect();
    assert!(ps.iter().all(Option::is_some));
    let q = math::benjamini_hochberg(&ps);
    assert!(close(sx.q_value, q[0].unwrap()) && close(sz.q_value, q[2].unwrap()));
    assert!(sz.small_n && sz.caution.as_deref().unwrap().contains("only 5 responses"));

    // Over-representation of a in Y: 8/10 against X's 1/10 (Z has no comments).
    let pooled: f64 = 9.0 / 20.0;
    let se = (pooled * (1.0 - pooled) * (0.1 + 0.1)).sqrt();
    let p_y = math::two_sided_p(0.7 / se);
    assert_eq!(sy.over_represented.len(), 1);
    let o = &sy.over_represented[0];
    assert_eq!(o.id, "a");
    assert!(close(o.ratio, 8.0) && (o.share_of_comments - 0.8).abs() < 1e-12);
    // q: BH over every (segment, theme) test of the column that could run: X and Y, 3 themes
    // each (b and c have 0 of 10 against 0 of 10: p = 1).
    let q = math::benjamini_hochberg(&[
        Some(p_y),
        Some(1.0),
        Some(1.0),
        Some(p_y),
        Some(1.0),
        Some(1.0),
    ]);
    assert!((o.q_value - q[0].unwrap()).abs() < 1e-12);
    // X under-represents a: not listed; Z has no comments: nothing to list, no drivers.
    assert!(sx.over_represented.is_empty());
    assert!(sz.over_represented.is_empty() && sz.top_drivers.is_empty() && sz.comments == 0);

    // Agent gap on the same rows: agent NPS +100 against company +40.
    assert!(close(sx.agent_nps.as_ref().unwrap().nps, 100.0));
    assert!(close(sx.company_nps_same_rows.as_ref().unwrap().nps, 40.0));
    assert!(close(sx.agent_gap_points, 60.0));
    assert!(sy.agent_nps.is_none() && sy.agent_gap_points.is_none());
    assert!(close(s.agent.as_ref().unwrap().nps, 100.0));
    assert!(close(s.agent_paired_company.as_ref().unwrap().nps, 40.0));
    // 20 comments: the driver model is fitted; the agent model has 10 rows: too few.
    assert!(s.drivers.is_some() && s.agent_drivers.is_none());
}

/// Mismatches are counted and their examples kept (the rule itself is tested in mismatch.rs).
#[test]
fn mismatches_are_counted() {
    let mut acc = Accumulator::new(3);
    for (i, (score, sentiment, strength)) in [
        (1u8, Sentiment::Positive, 0.9f32),
        (10, Sentiment::Negative, -0.8),
        (10, Sentiment::Positive, 0.9),
        (2, Sentiment::Positive, 0.2),
    ]
    .into_iter()
    .enumerate()
    {
        let mut t = tagging(&[]);
        t.sentiment = sentiment;
        t.sentiment_score = strength;
        acc.add(&RowFacts {
            row: i as u64 + 1,
            id: "id",
            score,
            agent_score: None,
            tagging: Some(&t),
            language: Some("en"),
            text: Some("text"),
            segments: &[],
        });
    }
    let s = acc.finish(&taxonomy());
    assert_eq!(s.mismatches.get("praise_low_score"), Some(&1));
    assert_eq!(s.mismatches.get("complaint_high_score"), Some(&1));
    assert_eq!(
        s.mismatch_examples
            .iter()
            .map(|e| e.row)
            .collect::<Vec<_>>(),
        [1, 2]
    );
}

/// Rows of one segment column "agent": (value, score), rows numbered from 1.
fn accumulate_agents(rows: &[(String, u8)], first_row: u64, cap: usize) -> Accumulator {
    let mut acc = Accumulator::new(3).with_segment_cap(cap);
    for (i, (agent, score)) in rows.iter().enumerate() {
        let segments = vec![("agent".to_string(), agent.clone())];
        acc.add(&RowFacts {
            row: first_row + i as u64,
            id: "",
            score: *score,
            agent_score: None,
            tagging: None,
            language: None,
            text: None,
            segments: &segments,
        });
    }
    acc
}

#[test]
fn five_thousand_agents_beyond_the_cap_spill_into_other_and_merge_like_one_pass() {
    // 5,000 agents with one promoter each, a large agent first seen after all of them, and
    // the first agent again at the end; 1,000 values tracked one by one.
    let mut rows: Vec<(String, u8)> = (0..5000).map(|a| (format!("a{a:04}"), 9)).collect();
    rows.extend((0..300).map(|_| ("late".to_string(), 0)));
    rows.extend((0..10).map(|_| ("a0000".to_string(), 0)));
    let whole = accumulate_agents(&rows, 1, 1000);
    assert_eq!(
        whole.segments["agent"].len(),
        1000,
        "bounded while streaming"
    );
    let spill = &whole.segment_spill["agent"];
    assert_eq!(spill.values.len(), 4001);
    assert_eq!(spill.counts.all.n(), 4000 + 300);
    assert_eq!(spill.counts.all.detractors, 300);
    // A tracked value keeps every one of its rows, the late ones included.
    let a0 = &whole.segments["agent"]["a0000"];
    assert_eq!((a0.all.n(), a0.all.detractors), (11, 10));
    // Batches counted without a cap and merged in input order into the capped run give the
    // same counts as one pass.
    for batch in [1, 7, 700, 5310] {
        let mut merged = Accumulator::new(3).with_segment_cap(1000);
        for (i, part) in rows.chunks(batch).enumerate() {
            merged.merge(&accumulate_agents(part, 1 + (i * batch) as u64, usize::MAX));
        }
        assert_eq!(merged, whole, "batches of {batch}");
    }
    let s = whole.finish(&taxonomy());
    let agents = &s.segments["agent"];
    assert_eq!(agents.len(), MAX_SEGMENT_VALUES + 1);
    let other = agents.last().unwrap();
    // 800 tracked values beyond the 200 largest, and the 4,001 spilled.
    assert_eq!(other.value, "(other: 4801 values)");
    assert_eq!(other.nps.n, 5310 - 11 - 199);
    assert!(agents.iter().any(|a| a.value == "a0000" && a.nps.n == 11));
    assert!(
        !agents.iter().any(|a| a.value == "late"),
        "first seen past the cap"
    );
}
