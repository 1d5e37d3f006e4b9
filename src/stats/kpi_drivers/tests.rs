//! The KPI driver numbers against computations by hand.

use super::*;
use crate::tagger::{Sentiment, ThemeTag};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() < tol
}

fn tagging(themes: &[usize]) -> Tagging {
    Tagging {
        sentiment: Sentiment::Neutral,
        sentiment_score: 0.0,
        themes: themes
            .iter()
            .map(|&t| ThemeTag {
                theme: t,
                polarity: Sentiment::Negative,
                confidence: None,
                evidence: Vec::new(),
            })
            .collect(),
        embedding: None,
    }
}

fn fcr(resolved: bool) -> KpiValues {
    KpiValues {
        fcr: Some(resolved),
        ..Default::default()
    }
}

#[test]
fn z_test_difference_and_newcombe_interval_by_hand() {
    // 18 of 40 against 10 of 60: p1 = 0.45, p2 = 0.166667, difference 0.283333.
    // Pooled 28/100 = 0.28; expected counts 11.2, 28.8, 16.8, 43.2 (all >= 5): z-test.
    // se = sqrt(0.28 * 0.72 * (1/40 + 1/60)) = sqrt(0.0084) = 0.091652; z = 3.091420,
    // p = erfc(3.091420 / sqrt 2) = 0.001992.
    // Wilson 18/40 = [0.307053, 0.601709], 10/60 = [0.093132, 0.280316]; Newcombe:
    // 0.283333 - sqrt(0.142947^2 + 0.113649^2) = 0.100713,
    // 0.283333 + sqrt(0.151709^2 + 0.073535^2) = 0.451925.
    let d = rate_difference(18, 40, 10, 60).unwrap();
    assert!(close(d.difference, 0.283_333, 1e-6));
    assert_eq!(d.test, "z");
    assert!(close(d.p_value, 0.001_992, 1e-5), "{}", d.p_value);
    assert!(close(d.ci95_low, 0.100_713, 1e-5), "{}", d.ci95_low);
    assert!(close(d.ci95_high, 0.451_925, 1e-5), "{}", d.ci95_high);
    assert_eq!(rate_difference(1, 0, 1, 5), None);
}

#[test]
fn fisher_exact_difference_by_hand() {
    // 4 of 6 against 1 of 10: pooled 5/16, expected 6 * 5/16 = 1.875 < 5: Fisher.
    // Margins n = 16, k = 5, n1 = 6; C(16, 6) = 8008. P(X = x) = C(5, x) C(11, 6 - x) / 8008:
    // x = 0..5: 462, 2310, 3300, 1650, 275, 11 (/ 8008). The observed x = 4 has 275; tables
    // no more likely: x = 4 and x = 5, so p = (275 + 11) / 8008 = 1/28 = 0.035714.
    let d = rate_difference(4, 6, 1, 10).unwrap();
    assert_eq!(d.test, "fisher");
    assert!(close(d.p_value, 1.0 / 28.0, 1e-9), "{}", d.p_value);
    assert!(close(d.difference, 4.0 / 6.0 - 0.1, 1e-12));
    // Wilson 4/6 = [0.299993, 0.903229], 1/10 = [0.017876, 0.404150]:
    // 0.566667 - sqrt(0.366674^2 + 0.304150^2) = 0.090267.
    assert!(close(d.ci95_low, 0.090_267, 1e-5), "{}", d.ci95_low);
    assert!(close(d.ci95_high, 0.817_078, 1e-5), "{}", d.ci95_high);
    // Symmetric: the other group first gives the same p.
    let r = rate_difference(1, 10, 4, 6).unwrap();
    assert!(close(r.p_value, d.p_value, 1e-12));
    assert!(close(r.ci95_low, -d.ci95_high, 1e-12));
}

#[test]
fn the_hard_end_of_the_ces_scale_follows_its_direction() {
    let scale = |max, direction| CesScale {
        max,
        direction,
        ..Default::default()
    };
    let mut c = KpiCounts::default();
    for v in [1, 2, 2, 4, 5, 6, 7, 7] {
        c.add(&KpiValues {
            ces: Some(v),
            ..Default::default()
        });
    }
    let harder7 = scale(7, CesDirection::HigherIsHarder);
    assert_eq!(KpiOutcome::hard_end(&harder7), Some((6, 7)));
    assert_eq!(KpiOutcome::HighEffort.count(&c, &harder7), Some((8, 3)));
    let easier7 = scale(7, CesDirection::HigherIsEasier);
    assert_eq!(KpiOutcome::HighEffort.count(&c, &easier7), Some((8, 3)));
    let mut five = KpiCounts::default();
    for v in [1, 3, 4, 5, 5] {
        five.add(&KpiValues {
            ces: Some(v),
            ..Default::default()
        });
    }
    let harder5 = scale(5, CesDirection::HigherIsHarder);
    assert_eq!(KpiOutcome::HighEffort.count(&five, &harder5), Some((5, 3)));
    assert_eq!(
        KpiOutcome::HighEffort.count(&five, &scale(5, CesDirection::Unknown)),
        None
    );
    // Low CSAT: 1-3 of 1-5.
    let mut s = KpiCounts::default();
    for v in [1, 3, 4, 5] {
        s.add(&KpiValues {
            csat: Some(v),
            ..Default::default()
        });
    }
    assert_eq!(KpiOutcome::LowCsat.count(&s, &harder5), Some((4, 2)));
}

#[test]
fn a_theme_that_drives_unresolved_contacts_is_found_and_a_small_one_is_not_tested() {
    let tax = Taxonomy::builtin().unwrap();
    let at = |id: &str| tax.themes.iter().position(|t| t.id == id).unwrap();
    let (rc, billing, wait) = (at("repeat_contact"), at("billing"), at("wait_time"));
    let n = tax.themes.len();
    let mut c = ThemeKpiCounts::default();
    let mut other = ThemeKpiCounts::default();
    let mut whole = ThemeKpiCounts::default();
    // repeat_contact: 20 of 30 unresolved; billing 6 of 30; no theme 8 of 40; wait_time 1 of 3.
    // Every other row is counted in a second accumulator and merged.
    let rows: [(&[usize], u64, u64); 4] = [
        (&[rc], 20, 10),
        (&[billing], 6, 24),
        (&[], 8, 32),
        (&[wait, wait], 1, 2),
    ];
    let mut k = 0;
    for (themes, no, yes) in rows {
        let t = tagging(themes);
        for i in 0..no + yes {
            let acc = if k % 2 == 0 { &mut c } else { &mut other };
            acc.add(&fcr(i >= no), &t, n);
            whole.add(&fcr(i >= no), &t, n);
            k += 1;
        }
    }
    c.merge(&other);
    assert_eq!(c, whole, "merged halves count as one pass");
    // A response with a comment but no KPI answer counts nowhere.
    c.add(&KpiValues::default(), &tagging(&[rc]), n);
    assert_eq!(c.commented.fcr_n(), 103);
    let scale = CesScale::default();
    let d = finish(&c, &tax, &scale);
    assert!(d.table("low_csat").is_none() && d.table("high_effort").is_none());
    assert!(d.notes.is_empty(), "nobody answered CES: {:?}", d.notes);
    let t = d.table("unresolved").unwrap();
    assert_eq!((t.answered, t.outcome_count), (103, 35));
    let ids: Vec<&str> = t.themes.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["repeat_contact", "billing", "wait_time"]);
    // repeat_contact 20/30 against the other 15/73: +46.1187 points, z = 4.489825,
    // p = 7.128e-6; billing 6/30 against 29/73: -19.7260 points, z = -1.920401, p = 0.054807.
    // BH over the two: q = min(2 p, 0.054807) = 1.4256e-5 and 0.054807.
    let r = &t.themes[0];
    assert_eq!(
        (r.mentions, r.outcome_with, r.others, r.outcome_without),
        (30, 20, 73, 15)
    );
    assert!(close(r.difference_points.unwrap(), 46.118_721, 1e-5));
    assert!(close(r.p_value.unwrap(), 7.128e-6, 1e-8), "{:?}", r.p_value);
    assert!(close(r.q_value.unwrap(), 2.0 * r.p_value.unwrap(), 1e-15));
    assert!(r.significant);
    // Newcombe: 25.314 to 62.178 points.
    assert!(close(r.ci95_low_points.unwrap(), 25.313_995, 1e-4));
    assert!(close(r.ci95_high_points.unwrap(), 62.177_592, 1e-4));
    let b = &t.themes[1];
    assert!(close(b.difference_points.unwrap(), -19.726_027, 1e-5));
    assert!(
        close(b.q_value.unwrap(), 0.054_807, 1e-5),
        "{:?}",
        b.q_value
    );
    assert!(!b.significant);
    let w = &t.themes[2];
    assert_eq!(
        (w.mentions, w.outcome_with),
        (3, 1),
        "tagged twice, counted once"
    );
    assert!(w.p_value.is_none() && w.q_value.is_none() && w.difference_points.is_none());
    assert!(w.caution.as_deref().unwrap().contains("too few"));
    let raising: Vec<&str> = t.raising().map(|x| x.id.as_str()).collect();
    assert_eq!(raising, ["repeat_contact"]);
    // The repeat_contact check: 10 of 30 resolved against 58 of 73.
    let check = d.repeat_contact.as_ref().unwrap();
    assert_eq!(
        (
            check.repeat_contact,
            check.resolved,
            check.others,
            check.others_resolved
        ),
        (30, 10, 73, 58)
    );
    assert!(close(check.difference_points.unwrap(), -46.118_721, 1e-5));
    assert!(close(check.p_value.unwrap(), r.p_value.unwrap(), 1e-12));
}

#[test]
fn ces_of_unknown_direction_is_said_not_guessed() {
    let tax = Taxonomy::builtin().unwrap();
    let mut c = ThemeKpiCounts::default();
    c.add(
        &KpiValues {
            ces: Some(6),
            ..Default::default()
        },
        &tagging(&[0]),
        tax.themes.len(),
    );
    let d = finish(&c, &tax, &CesScale::default());
    assert!(d.tables.is_empty());
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("--ces-direction"), "{}", d.notes[0]);
    assert!(d.repeat_contact.is_none(), "no FCR answer");
}
