//! Each number of the change module against a computation by hand.

use super::*;
use crate::input::date::{days_from_civil, parse};
use crate::stats::math::two_sided_p;
use crate::tagger::{Sentiment, ThemeTag};

fn counts(p: u64, pa: u64, d: u64) -> NpsCounts {
    NpsCounts {
        promoters: p,
        passives: pa,
        detractors: d,
    }
}

fn tagging(themes: &[usize]) -> Tagging {
    Tagging {
        sentiment: Sentiment::Neutral,
        sentiment_score: 0.0,
        themes: themes
            .iter()
            .map(|&t| ThemeTag {
                theme: t,
                polarity: Sentiment::Neutral,
                confidence: None,
                evidence: Vec::new(),
            })
            .collect(),
        embedding: None,
    }
}

/// Rows: (score, Some(themes) for a comment, None for no comment).
fn period(n_themes: usize, rows: &[(u8, Option<&[usize]>)]) -> PeriodCounts {
    let mut p = PeriodCounts::new(n_themes);
    for (score, themes) in rows {
        let t = themes.map(tagging);
        p.add(Category::of(*score), t.as_ref());
    }
    p
}

fn ids(n: usize) -> (Vec<String>, Vec<String>) {
    let ids: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
    (ids.clone(), ids)
}

fn side<'a>(label: &'a str, ids: &'a (Vec<String>, Vec<String>), c: &'a PeriodCounts) -> Side<'a> {
    Side {
        label,
        theme_ids: &ids.0,
        theme_names: &ids.1,
        counts: c,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn find<'a>(c: &'a [Contribution], g: &str) -> &'a Contribution {
    c.iter().find(|x| x.group == g).unwrap()
}

#[test]
fn attribution_by_hand() {
    // Before: theme t0 on 4 responses (2 promoters, 2 detractors: NPS 0, share .4);
    // 6 without comment, all promoters (NPS 100, share .6). NPS = 60.
    // After: t0 on 5 (1 promoter, 4 detractors: NPS -60, share .5); 5 without comment,
    // promoters. NPS = 20. Change -40, midpoint NPS 40.
    // t0: volume (.5-.4)·((0-60)/2 - 40) = -7, rate .45·(-60) = -27.
    // no comment: volume (.5-.6)·(100 - 40) = -6, rate 0.
    let t0: &[usize] = &[0];
    let mut b = vec![(10, Some(t0)), (10, Some(t0)), (0, Some(t0)), (0, Some(t0))];
    b.extend(std::iter::repeat_n((9, None), 6));
    let mut a = vec![(10, Some(t0))];
    a.extend(std::iter::repeat_n((3, Some(t0)), 4));
    a.extend(std::iter::repeat_n((9, None), 5));
    let ids = ids(1);
    let (pb, pa) = (period(1, &b), period(1, &a));
    let c = attribute(&side("b", &ids, &pb), &side("a", &ids, &pa));
    let t = find(&c, "t0");
    assert!(close(t.share_before, 0.4) && close(t.share_after, 0.5));
    assert!(close(t.nps_before.unwrap(), 0.0) && close(t.nps_after.unwrap(), -60.0));
    assert!(close(t.volume_effect, -7.0), "{t:?}");
    assert!(close(t.rate_effect, -27.0), "{t:?}");
    let nc = find(&c, "(no comment)");
    assert!(
        close(nc.volume_effect, -6.0) && close(nc.rate_effect, 0.0),
        "{nc:?}"
    );
    // The no-theme group is empty on both sides and left out.
    assert!(c.iter().all(|x| x.group != "(no theme)"));
    let sum: f64 = c.iter().map(|x| x.total).sum();
    assert!(close(sum, -40.0));
}

#[test]
fn overlapping_themes_get_fractional_weight() {
    // One promoter mentions t0 and t1 (half each), one detractor mentions t0 only,
    // one passive comments without a theme.
    let both: &[usize] = &[0, 1];
    let only0: &[usize] = &[0];
    let none: &[usize] = &[];
    let p = period(2, &[(10, Some(both)), (2, Some(only0)), (8, Some(none))]);
    let w0 = Weighted::of_theme(&p.themes[0]);
    let w1 = Weighted::of_theme(&p.themes[1]);
    assert!(close(w0.promoters, 0.5) && close(w0.detractors, 1.0) && close(w0.n(), 1.5));
    assert!(close(w1.promoters, 0.5) && close(w1.n(), 0.5));
    // NPS of t0's weighted group: (.5 - 1)/1.5 = -33.3.
    assert!(close(w0.nps().unwrap(), -100.0 / 3.0));
    assert_eq!(p.no_theme, counts(0, 1, 0));
    // The weights add up to the respondents: 1.5 + .5 + 1 = 3.
    let total = w0.n() + w1.n() + p.no_theme.n() as f64 + p.no_comment().n() as f64;
    assert!(close(total, 3.0));
}

#[test]
fn a_group_absent_on_one_side_still_sums() {
    // t1 does not occur before; t0 does not occur after. The empty side borrows the other
    // side's NPS, so its rate effect is 0 and its volume effect is w·(R - midpoint).
    let t0: &[usize] = &[0];
    let t1: &[usize] = &[1];
    let pb = period(2, &[(10, Some(t0)), (0, Some(t0)), (9, None), (5, None)]);
    let pa = period(
        2,
        &[(1, Some(t1)), (2, Some(t1)), (10, Some(t1)), (9, None)],
    );
    let ids = ids(2);
    let c = attribute(&side("b", &ids, &pb), &side("a", &ids, &pa));
    let (nb, na) = (pb.all.nps().unwrap(), pa.all.nps().unwrap());
    let sum: f64 = c.iter().map(|x| x.total).sum();
    assert!(close(sum, na - nb));
    let t1c = find(&c, "t1");
    assert_eq!(t1c.nps_before, None);
    assert!(close(t1c.rate_effect, 0.0));
    // w' = 3/4, R' = (1 - 2)/3·100, midpoint of overall = (nb + na)/2.
    let r = -100.0 / 3.0;
    assert!(
        close(t1c.volume_effect, 0.75 * (r - (nb + na) / 2.0)),
        "{t1c:?}"
    );
    let t0c = find(&c, "t0");
    assert_eq!(t0c.nps_after, None);
    assert!(close(t0c.rate_effect, 0.0));
    assert!(close(t0c.volume_effect, -0.5 * (0.0 - (nb + na) / 2.0)));
}

#[test]
fn attribution_sums_exactly_on_many_shapes() {
    // Deterministic pseudo-random periods with overlaps, empty themes and themes everywhere.
    let mut seed = 12345u64;
    let mut next = |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for round in 0..50 {
        let mut make = |n: usize| {
            let mut p = PeriodCounts::new(4);
            for _ in 0..n {
                let score = next(11) as u8;
                let t = match next(4) {
                    0 => None,
                    _ => {
                        let mut th: Vec<usize> = (0..4).filter(|_| next(3) == 0).collect();
                        if round % 7 == 0 {
                            th.push(3); // a theme in almost every comment
                            th.dedup();
                        }
                        Some(tagging(&th))
                    }
                };
                p.add(Category::of(score), t.as_ref());
            }
            p
        };
        let (pb, pa) = (make(1 + round * 3), make(2 + round * 5));
        let ids = ids(4);
        let c = attribute(&side("b", &ids, &pb), &side("a", &ids, &pa));
        let sum: f64 = c.iter().map(|x| x.total).sum();
        let want = pa.all.nps().unwrap() - pb.all.nps().unwrap();
        assert!((sum - want).abs() < 1e-9, "round {round}: {sum} vs {want}");
        let shares: f64 = c.iter().map(|x| x.share_after).sum();
        assert!((shares - 1.0).abs() < 1e-12);
    }
}

#[test]
fn themes_matched_by_id_across_taxonomies() {
    // Before has themes [x, y]; after has [y, z]. y is matched by id although its index moved.
    let before_ids = (
        vec!["x".to_string(), "y".into()],
        vec!["X".to_string(), "Y".into()],
    );
    let after_ids = (
        vec!["y".to_string(), "z".into()],
        vec!["Y".to_string(), "Z".into()],
    );
    let (y_b, x_b): (&[usize], &[usize]) = (&[1], &[0]);
    let (y_a, z_a): (&[usize], &[usize]) = (&[0], &[1]);
    let pb = period(2, &[(0, Some(y_b)), (0, Some(y_b)), (10, Some(x_b))]);
    let pa = period(2, &[(0, Some(y_a)), (10, Some(z_a)), (10, Some(z_a))]);
    let b = side("before", &before_ids, &pb);
    let a = side("after", &after_ids, &pa);
    let ch = compare(&b, &a, &b);
    let y = ch.themes.iter().find(|t| t.id == "y").unwrap();
    assert_eq!((y.mentions_history, y.mentions_now), (2, 1));
    let order: Vec<&str> = ch.attribution.iter().map(|c| c.group.as_str()).collect();
    assert_eq!(order, ["y", "z", "x"]);
    let z = ch.themes.iter().find(|t| t.id == "z").unwrap();
    assert_eq!(z.status, "not_in_taxonomy");
    assert_eq!(z.test, None);
    assert!(ch.warnings.iter().any(|w| w.contains("only in after: z")));
    assert!(ch.warnings.iter().any(|w| w.contains("only in before: x")));
    assert!(close(
        ch.attribution_sum.unwrap(),
        ch.nps.difference.unwrap()
    ));
}

#[test]
fn nps_change_by_hand() {
    // Before 5/3/2 (NPS 30), after 8/1/1 (NPS 70). Sample variances .61·10/9 and .41·10/9.
    let (b, a) = (counts(5, 3, 2), counts(8, 1, 1));
    let c = NpsChange::of(&b, &a);
    assert!(close(c.difference.unwrap(), 40.0));
    let se = 100.0 * ((0.61 + 0.41) * 10.0 / 9.0 / 10.0f64).sqrt();
    assert!(close(c.ci95_low.unwrap(), 40.0 - Z95 * se));
    assert!(close(c.ci95_high.unwrap(), 40.0 + Z95 * se));
    assert!(close(c.p_value.unwrap(), two_sided_p(40.0 / se)));
    assert!(!c.significant, "p = {:?}", c.p_value);
    assert_eq!(c.before.nps, Some(30.0));
    // Too few on one side: a difference but no test.
    let c = NpsChange::of(&counts(2, 0, 0), &a);
    assert!(close(c.difference.unwrap(), -30.0));
    assert_eq!((c.p_value, c.ci95_low), (None, None));
    // An empty side: nothing.
    assert_eq!(NpsChange::of(&counts(0, 0, 0), &a).difference, None);
}

#[test]
fn fisher_by_hand() {
    // 0 of 3 before, 3 of 3 now: P(X >= 3) = C(3,3)·C(3,0)/C(6,3) = 1/20.
    let (up, down) = fisher_one_sided(0, 3, 3, 3);
    assert!(close(up, 0.05), "{up}");
    assert!(close(down, 1.0));
    // 1 of 4 before, 3 of 4 now: P(X >= 3) = (C(4,3)·C(4,1) + C(4,4)·C(4,0))/C(8,4) = 17/70.
    let (up, down) = fisher_one_sided(1, 4, 3, 4);
    assert!(close(up, 17.0 / 70.0), "{up}");
    // P(X <= 3) = 1 - P(X = 4) = 1 - 1/70.
    assert!(close(down, 69.0 / 70.0), "{down}");
    assert!(close(ln_gamma(5.0), 24f64.ln()));
    assert!(close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln()));
    assert!(close(ln_gamma(1.0), 0.0));
}

#[test]
fn share_test_picks_z_or_fisher() {
    // 20 of 100 before, 40 of 100 now: pooled .3, expected cells 30 and 70: the z-test.
    let (name, up, down) = share_test(20, 100, 40, 100).unwrap();
    assert_eq!(name, "z");
    let z = 0.2 / (0.3 * 0.7 * 0.02f64).sqrt();
    assert!(close(up, two_sided_p(z) / 2.0), "{up}");
    assert!(close(up + down, 1.0));
    // 1 of 10 vs 4 of 10: expected 2.5 < 5, Fisher.
    assert_eq!(share_test(1, 10, 4, 10).unwrap().0, "fisher");
    assert_eq!(share_test(1, 0, 4, 10), None);
}

#[test]
fn emerging_spiking_quiet_and_steady() {
    // 100 comments on each side. t0: 2 -> 20 (emerging: history < 5); t1: 10 -> 40
    // (spiking); t2: 40 -> 2 (quiet: 2% <= 40%/4); t3: in every comment (steady, Fisher
    // with p = 1); t4: in none (steady); t5: 40 -> 25 (down if significant, not quiet).
    let mut rows_b: Vec<Vec<usize>> = vec![Vec::new(); 100];
    let mut rows_a: Vec<Vec<usize>> = vec![Vec::new(); 100];
    let put = |rows: &mut Vec<Vec<usize>>, theme: usize, n: usize| {
        for r in rows.iter_mut().take(n) {
            r.push(theme);
        }
    };
    for (t, nb, na) in [
        (0, 2, 20),
        (1, 10, 40),
        (2, 40, 2),
        (3, 100, 100),
        (5, 40, 18),
    ] {
        put(&mut rows_b, t, nb);
        put(&mut rows_a, t, na);
    }
    let make = |rows: &[Vec<usize>]| {
        let mut p = PeriodCounts::new(6);
        for r in rows {
            let mut r = r.clone();
            r.sort();
            p.add(Category::Passive, Some(&tagging(&r)));
        }
        p
    };
    let (pb, pa) = (make(&rows_b), make(&rows_a));
    let ids = ids(6);
    let shifts = theme_shifts(&side("b", &ids, &pb), &side("a", &ids, &pa));
    let status: Vec<&str> = shifts.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(
        status,
        ["emerging", "spiking", "quiet", "steady", "steady", "down"],
        "{shifts:#?}"
    );
    assert_eq!(shifts[3].test.as_deref(), Some("fisher"));
    assert!(close(shifts[3].p_rise.unwrap(), 1.0) && close(shifts[3].p_fall.unwrap(), 1.0));
    assert!(close(shifts[4].p_rise.unwrap(), 1.0));
    assert_eq!(shifts[0].test.as_deref(), Some("z"));
    // q = BH of the rise p-values: t1's p is among the smallest.
    let p: Vec<Option<f64>> = shifts.iter().map(|s| s.p_rise).collect();
    let q = benjamini_hochberg(&p);
    assert_eq!(shifts[1].q_rise, q[1]);
    let ch = compare(
        &side("b", &ids, &pb),
        &side("a", &ids, &pa),
        &side("b", &ids, &pb),
    );
    assert_eq!(ch.emerging, ["t0"]);
    assert_eq!(ch.spiking, ["t1"]);
    assert_eq!(ch.quiet, ["t2"]);
}

#[test]
fn accumulator_merges_in_any_split_and_groups_weeks() {
    // Mon 2026-11-09 .. Sun 2026-11-22: two ISO weeks, W46 and W47.
    let rows: Vec<(&str, u8, Option<Vec<usize>>)> = vec![
        ("2026-11-09", 10, Some(vec![0])),
        ("15/11/2026", 0, Some(vec![0, 1])), // Sunday of W46; day-first decided by 15 > 12
        ("2026-11-16", 9, None),
        ("22/11/2026", 3, Some(vec![])),
        ("03/11/2026", 8, Some(vec![1])), // W45 read day-first
        ("garbage", 7, None),
    ];
    let build = |split: usize| {
        let mut total = ChangeAccumulator::new(2);
        for chunk in rows.chunks(split) {
            let mut acc = ChangeAccumulator::new(2);
            for (d, s, th) in chunk {
                let t = th.as_ref().map(|v| tagging(v));
                acc.add(Some(parse(d)), *s, t.as_ref());
            }
            total.merge(&acc);
        }
        total
    };
    let a = build(1);
    assert_eq!(a, build(4));
    assert_eq!(a, build(6));
    assert_eq!(a.undated, 1);
    let (period, weeks) = a.finish(true);
    assert_eq!(period.first_date.as_deref(), Some("2026-11-03"));
    assert_eq!(period.last_date.as_deref(), Some("2026-11-22"));
    assert_eq!((period.dated_rows, period.undated_rows), (5, 1));
    let order = period.date_order.unwrap();
    assert_eq!(order.order, DateOrder::DayFirst);
    assert!(!order.assumed);
    let labels: Vec<&str> = weeks.iter().map(|w| w.week.as_str()).collect();
    assert_eq!(labels, ["2026-W45", "2026-W46", "2026-W47"]);
    assert_eq!(weeks[1].start, "2026-11-09");
    assert_eq!(weeks[1].end, "2026-11-15");
    assert_eq!(weeks[1].counts.all, counts(1, 0, 1));
    assert_eq!(weeks[1].counts.themes[0].mentioners, counts(1, 0, 1));
    assert_eq!(
        weeks[1].counts.themes[1].by_theme_count,
        vec![counts(0, 0, 0), counts(0, 0, 1)]
    );
    assert_eq!(weeks[2].counts.no_theme, counts(0, 0, 1));
    assert_eq!(period.counts.all.n(), 6);
    let d = days_from_civil(2026, 11, 3).unwrap();
    assert_eq!(iso_week_label(d), "2026-W45");
    // Without --by-week: no weeks, same period.
    assert!(a.finish(false).1.is_empty());
}

#[test]
fn empty_periods_give_no_numbers_rather_than_zeros() {
    let ids = ids(2);
    let empty = PeriodCounts::new(2);
    let t0: &[usize] = &[0];
    let some = period(2, &[(10, Some(t0)), (0, None)]);
    let ch = compare(
        &side("b", &ids, &empty),
        &side("a", &ids, &some),
        &side("b", &ids, &empty),
    );
    assert_eq!(ch.nps.difference, None);
    assert!(ch.attribution.is_empty());
    assert_eq!(ch.attribution_sum, None);
    assert!(ch
        .themes
        .iter()
        .all(|t| t.status == "untested" && t.test.is_none()));
    assert!(ch
        .warnings
        .iter()
        .any(|w| w.starts_with("b has 0 responses")));
    // Identical periods: every effect is exactly 0 and nothing is flagged.
    let ch = compare(
        &side("b", &ids, &some),
        &side("a", &ids, &some),
        &side("b", &ids, &some),
    );
    assert_eq!(ch.nps.difference, Some(0.0));
    assert!(ch.attribution.iter().all(|c| c.total == 0.0));
    assert!(ch.emerging.is_empty() && ch.spiking.is_empty() && ch.quiet.is_empty());
}

#[test]
fn tied_p_values_get_tied_q_values() {
    // Two themes with the same counts on both sides: same p, same q, same status.
    let ids = ids(2);
    let both: &[usize] = &[0, 1];
    let none: &[usize] = &[];
    let mut b = vec![(5u8, Some(none)); 95];
    b.extend(vec![(5u8, Some(both)); 5]);
    let mut a = vec![(5u8, Some(none)); 70];
    a.extend(vec![(5u8, Some(both)); 30]);
    let (pb, pa) = (period(2, &b), period(2, &a));
    let s = theme_shifts(&side("b", &ids, &pb), &side("a", &ids, &pa));
    assert_eq!(s[0].p_rise, s[1].p_rise);
    assert_eq!(s[0].q_rise, s[1].q_rise);
    // BH with two equal p-values: q = p·2/2 = p.
    assert_eq!(s[0].q_rise, s[0].p_rise);
    assert_eq!(
        (s[0].status.as_str(), s[1].status.as_str()),
        ("spiking", "spiking")
    );
}
