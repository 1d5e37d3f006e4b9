//! The driver model against an independent dense computation from per-response rows, and
//! against answers known by hand.

use super::*;
use crate::tagger::Sentiment::{Negative, Positive};

fn taxonomy(n: usize) -> Taxonomy {
    let mut s = String::from("schema = 1\n");
    for i in 0..n {
        s.push_str(&format!(
            "[[theme]]\nid = \"t{i:02}\"\nname = \"T{i}\"\ngroup = \"process\"\n\
             [theme.patterns]\nen = [\"w{i}\"]\n"
        ));
    }
    Taxonomy::parse(&s, "test").unwrap()
}

/// One response: score and (theme, polarity) mentions.
type Resp = (u8, Vec<(usize, Sentiment)>);

fn patterns(rows: &[Resp]) -> (Patterns, NpsCounts) {
    let mut p = Patterns::default();
    let mut all = NpsCounts::default();
    for (score, m) in rows {
        let mut f: Vec<u32> = m.iter().map(|(t, s)| feature(*t, *s)).collect();
        f.sort_unstable();
        p.add(f, Category::of(*score), None);
        all.add(Category::of(*score));
    }
    (p, all)
}

/// Independent ridge: dense rows, Gaussian elimination with partial pivoting.
fn dense_ridge(x: &[Vec<f64>], y: &[f64], lambda: f64) -> Vec<f64> {
    let d = x[0].len();
    let mut a = vec![vec![0.0; d + 1]; d];
    for (row, yy) in x.iter().zip(y) {
        for i in 0..d {
            for j in 0..d {
                a[i][j] += row[i] * row[j];
            }
            a[i][d] += row[i] * yy;
        }
    }
    for (i, r) in a.iter_mut().enumerate().skip(1) {
        r[i] += lambda;
    }
    for c in 0..d {
        let p = (c..d)
            .max_by(|i, j| a[*i][c].abs().total_cmp(&a[*j][c].abs()))
            .unwrap();
        a.swap(c, p);
        for r in 0..d {
            if r != c {
                let f = a[r][c] / a[c][c];
                let pivot = a[c].clone();
                for (k, v) in a[r].iter_mut().enumerate() {
                    *v -= f * pivot[k];
                }
            }
        }
    }
    (0..d).map(|i| a[i][d] / a[i][i]).collect()
}

/// Penalised loss of a ridge fit on the given columns.
fn dense_loss(x: &[Vec<f64>], y: &[f64], cols: &[usize], lambda: f64) -> f64 {
    let xs: Vec<Vec<f64>> = x
        .iter()
        .map(|r| cols.iter().map(|c| r[*c]).collect())
        .collect();
    let b = dense_ridge(&xs, y, lambda);
    let sse: f64 = xs
        .iter()
        .zip(y)
        .map(|(r, yy)| {
            let fit: f64 = r.iter().zip(&b).map(|(a, c)| a * c).sum();
            (yy - fit).powi(2)
        })
        .sum();
    sse + lambda * b[1..].iter().map(|v| v * v).sum::<f64>()
}

fn value(score: u8) -> f64 {
    match Category::of(score) {
        Category::Promoter => 100.0,
        Category::Passive => 0.0,
        Category::Detractor => -100.0,
    }
}

/// A mixed data set: theme 0 negative hurts, theme 1 positive helps, theme 2 is noise and
/// overlaps theme 0.
fn data() -> Vec<Resp> {
    let mut rows = Vec::new();
    for i in 0..300u32 {
        let mut m = Vec::new();
        let mut score = [9u8, 10, 8, 7, 10, 9, 6, 9][(i % 8) as usize];
        if i % 4 == 0 {
            m.push((0, Negative));
            score = [2u8, 3, 6, 9, 0][(i / 4 % 5) as usize];
        }
        if i % 7 == 0 {
            m.push((1, Positive));
            score = score.max(9);
        }
        if i % 5 == 0 {
            m.push((2, Negative));
        }
        m.sort_by_key(|x| x.0);
        rows.push((score, m));
    }
    rows
}

#[test]
fn coefficients_and_impacts_equal_a_dense_fit() {
    let rows = data();
    let tax = taxonomy(4);
    let (p, all) = patterns(&rows);
    let model = fit(&p, Outcome::Company, &all, &tax).unwrap();
    // Dense design over the active features: t0 neg, t1 pos, t2 neg.
    let feats = [
        feature(0, Negative),
        feature(1, Positive),
        feature(2, Negative),
    ];
    let x: Vec<Vec<f64>> = rows
        .iter()
        .map(|(_, m)| {
            let mut r = vec![1.0];
            for f in feats {
                r.push(if m.iter().any(|(t, s)| feature(*t, *s) == f) {
                    1.0
                } else {
                    0.0
                });
            }
            r
        })
        .collect();
    let y: Vec<f64> = rows.iter().map(|(s, _)| value(*s)).collect();
    let b = dense_ridge(&x, &y, RIDGE_LAMBDA);
    let t = &model.themes;
    assert!((t[0].effect_negative_points.unwrap() - b[1]).abs() < 1e-6);
    assert!((t[1].effect_positive_points.unwrap() - b[2]).abs() < 1e-6);
    assert!((t[2].effect_negative_points.unwrap() - b[3]).abs() < 1e-6);
    assert_eq!(t[0].effect_positive_points, None);
    let n = rows.len() as f64;
    let m0 = rows.iter().filter(|r| r.1.iter().any(|x| x.0 == 0)).count() as f64;
    assert!((t[0].impact_points - b[1] * m0 / n).abs() < 1e-6);
    assert_eq!(t[0].mentions, m0 as u64);
    // The damaging theme is distinguishable and first; its interval holds the estimate.
    assert!(t[0].impact_points < -5.0, "{}", t[0].impact_points);
    assert!(t[0].distinguishable && t[0].ci95_low <= t[0].impact_points);
    assert!(t[0].ci95_high >= t[0].impact_points && t[0].ci95_high < 0.0);
    assert_eq!(model.ranked()[0].id, "t00");
    assert!(t[1].impact_points > 0.0);
    // A theme in no comment.
    assert_eq!(t[3].mentions, 0);
    assert_eq!(t[3].impact_points, 0.0);
    assert_eq!(t[3].caution.as_deref(), Some("not mentioned"));
    // Detractor model coefficient, independently.
    let yd: Vec<f64> = rows
        .iter()
        .map(|(s, _)| if *s <= 6 { 100.0 } else { 0.0 })
        .collect();
    let bd = dense_ridge(&x, &yd, RIDGE_LAMBDA);
    assert!((t[0].detractor_effect_negative_points.unwrap() - bd[1]).abs() < 1e-6);
}

#[test]
fn shapley_shares_equal_a_hand_decomposition() {
    let rows = data();
    let tax = taxonomy(3);
    let (p, all) = patterns(&rows);
    let model = fit(&p, Outcome::Company, &all, &tax).unwrap();
    // Three players, one column each (t0 neg = 1, t1 pos = 2, t2 neg = 3).
    let x: Vec<Vec<f64>> = rows
        .iter()
        .map(|(_, m)| {
            let has = |t: usize| m.iter().any(|x| x.0 == t) as u8 as f64;
            vec![1.0, has(0), has(1), has(2)]
        })
        .collect();
    let y: Vec<f64> = rows
        .iter()
        .map(|(s, _)| if *s <= 6 { 100.0 } else { 0.0 })
        .collect();
    let l0 = dense_loss(&x, &y, &[0], RIDGE_LAMBDA);
    let v = |players: &[usize]| {
        let mut cols = vec![0];
        cols.extend(players.iter().map(|p| p + 1));
        l0 - dense_loss(&x, &y, &cols, RIDGE_LAMBDA)
    };
    // phi_i = 1/3 v(i) + 1/6 (v(ij) - v(j)) + 1/6 (v(ik) - v(k)) + 1/3 (v(ijk) - v(jk)).
    let phi = |i: usize, j: usize, k: usize| {
        v(&[i]) / 3.0
            + (v(&[i, j]) - v(&[j])) / 6.0
            + (v(&[i, k]) - v(&[k])) / 6.0
            + (v(&[i, j, k]) - v(&[j, k])) / 3.0
    };
    let total = v(&[0, 1, 2]);
    let want = [
        phi(0, 1, 2) / total,
        phi(1, 0, 2) / total,
        phi(2, 0, 1) / total,
    ];
    for (t, w) in model.themes.iter().zip(want) {
        assert!(
            (t.importance_share - w).abs() < 1e-9,
            "{} vs {w}",
            t.importance_share
        );
    }
    let sum: f64 = model.themes.iter().map(|t| t.importance_share).sum();
    assert!((sum - 1.0).abs() < 1e-9);
    let sst: f64 = {
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        y.iter().map(|v| (v - mean).powi(2)).sum()
    };
    assert!((model.detractor_r2 - total / sst).abs() < 1e-9);
    assert_eq!(model.shapley, "exact");
}

#[test]
fn sampled_shapley_is_close_to_exact_and_sums_to_one() {
    // 6 themes, each with its own effect and overlaps.
    let mut rows = Vec::new();
    for i in 0..400u32 {
        let mut m = Vec::new();
        let mut score = 9u8;
        for t in 0..6usize {
            if (i as usize * (t + 3)).is_multiple_of(t + 5) {
                m.push((t, Negative));
                score = score.saturating_sub(t as u8 + 1);
            }
        }
        rows.push((score, m));
    }
    let tax = taxonomy(6);
    let (p, all) = patterns(&rows);
    let model = fit(&p, Outcome::Company, &all, &tax).unwrap();
    let features: Vec<u32> = (0..6).map(|t| feature(t, Negative)).collect();
    let cells: Vec<Cell> = p
        .map
        .iter()
        .map(|(k, c)| Cell {
            cols: k
                .iter()
                .map(|f| features.iter().position(|x| x == f).unwrap() + 1)
                .collect(),
            counts: counts_of(&c.company),
        })
        .collect();
    let w: Vec<[f64; 3]> = cells.iter().map(|c| c.counts).collect();
    let design = Design::build(&features, &cells, &w);
    let (phi, total, method) = shapley(&design, &design.xy_det, 6, 0);
    assert_eq!(method, format!("permutations:{SHAPLEY_PERMUTATIONS}"));
    assert!((phi.iter().sum::<f64>() - total).abs() < 1e-6 * total.abs().max(1.0));
    for (t, p) in model.themes.iter().zip(&phi) {
        assert!(
            (t.importance_share - p / total).abs() < 0.02,
            "{} {}",
            t.importance_share,
            p / total
        );
    }
}

#[test]
fn a_theme_in_every_comment_has_no_impact() {
    // Collinear with the intercept: the penalty sends the whole effect to the intercept.
    let rows: Vec<Resp> = (0..50)
        .map(|i| ((i % 11) as u8, vec![(0, Negative)]))
        .collect();
    let (p, all) = patterns(&rows);
    let model = fit(&p, Outcome::Company, &all, &taxonomy(2)).unwrap();
    let t = &model.themes[0];
    assert_eq!(t.mentions, 50);
    assert!(t.impact_points.abs() < 1e-9, "{}", t.impact_points);
    assert!(!t.distinguishable);
    assert!(t.importance_share.abs() < 1e-9);
}

#[test]
fn too_few_rows_fit_no_model_and_small_themes_are_flagged() {
    let rows: Vec<Resp> = (0..(MIN_MODEL_ROWS - 1))
        .map(|i| ((i % 11) as u8, vec![(0, Negative)]))
        .collect();
    let (p, all) = patterns(&rows);
    assert!(fit(&p, Outcome::Company, &all, &taxonomy(1)).is_none());
    let model = fit(
        &patterns(&data()).0,
        Outcome::Company,
        &patterns(&data()).1,
        &taxonomy(3),
    )
    .unwrap();
    // t1 has 43 mentions, t2 60, t0 75; none below 30, so no "too few" caution here...
    assert!(model
        .themes
        .iter()
        .all(|t| !t.caution.as_deref().unwrap_or("").starts_with("only")));
    // ...but with 10 mentions there is.
    let mut rows = data();
    for r in rows.iter_mut().skip(10) {
        r.1.retain(|x| x.0 != 2);
    }
    let (p, all) = patterns(&rows);
    let model = fit(&p, Outcome::Company, &all, &taxonomy(3)).unwrap();
    let c = model.themes[2].caution.as_deref().unwrap();
    assert!(c.starts_with("only 2 mentions"), "{c}");
}

#[test]
fn merged_halves_and_repeated_fits_are_identical() {
    let rows = data();
    let (whole, all) = patterns(&rows);
    let (mut a, _) = patterns(&rows[..137]);
    let (b, _) = patterns(&rows[137..]);
    a.merge(&b);
    assert_eq!(a, whole);
    let tax = taxonomy(3);
    let m1 = fit(&whole, Outcome::Company, &all, &tax).unwrap();
    let m2 = fit(&a, Outcome::Company, &all, &tax).unwrap();
    assert_eq!(m1, m2);
}

#[test]
fn agent_model_uses_agent_scores_only() {
    let mut p = Patterns::default();
    let mut agent_all = NpsCounts::default();
    for i in 0..60u32 {
        let theme = i % 2 == 0;
        let f = if theme {
            vec![feature(0, Negative)]
        } else {
            vec![]
        };
        // Company score is bad for everyone; the agent score is bad only with the theme.
        let agent = if theme { 2 } else { 10 };
        p.add(f, Category::of(3), Some(Category::of(agent)));
        agent_all.add(Category::of(agent));
    }
    let tax = taxonomy(1);
    let m = fit(&p, Outcome::Agent, &agent_all, &tax).unwrap();
    assert_eq!(m.outcome, "agent_nps");
    // With 30 of 60 mentioning, centred x has sum of squares 15; beta = Sxy / (Sxx + lambda)
    // = (-200 * 15) / (15 + 5) = -150.
    let beta = m.themes[0].effect_negative_points.unwrap();
    assert!((beta + 150.0).abs() < 1e-9, "{beta}");
    assert!((m.themes[0].impact_points + 75.0).abs() < 1e-9);
    let c = fit(&p, Outcome::Company, &agent_all, &tax).unwrap();
    assert!(c.themes[0].impact_points.abs() < 1e-9);
}

#[test]
fn poisson_draws_have_the_right_mean_and_variance() {
    for lambda in [0.7, 4.0, 55.0] {
        let mut r = Rng::new(7);
        let xs: Vec<f64> = (0..20_000).map(|_| r.poisson(lambda)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            (mean - lambda).abs() < 0.05 * lambda.max(1.0),
            "{lambda}: {mean}"
        );
        assert!(
            (var - lambda).abs() < 0.1 * lambda.max(1.0),
            "{lambda}: {var}"
        );
    }
}
