//! Small numerical helpers: the normal distribution, a two-sample test on NPS, two-proportion
//! tests (z and Fisher's exact) and the Benjamini-Hochberg false-discovery-rate correction.

use super::nps::NpsCounts;

/// Complementary error function, |relative error| < 1.2e-7 (Numerical Recipes' erfcc).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Two-sided p-value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// Smallest group for which a test is run; below it the p-value is None ("too few").
pub const MIN_TEST_N: u64 = 5;

/// Welch's z-test of the difference in NPS between two independent groups, on the per-response
/// +1/0/-1 scores with sample variances. Returns (difference in points, p-value).
pub fn nps_difference_test(a: &NpsCounts, b: &NpsCounts) -> Option<(f64, f64)> {
    let (na, nb) = (a.n(), b.n());
    if na < MIN_TEST_N || nb < MIN_TEST_N {
        return None;
    }
    let diff = (a.nps()? - b.nps()?) / 100.0;
    let sample_var =
        |c: &NpsCounts| c.variance().unwrap_or(0.0) * c.n() as f64 / (c.n() as f64 - 1.0);
    let se = (sample_var(a) / na as f64 + sample_var(b) / nb as f64).sqrt();
    let p = if se > 0.0 {
        two_sided_p(diff / se)
    } else if diff == 0.0 {
        1.0
    } else {
        0.0
    };
    Some((100.0 * diff, p))
}

/// Two-proportion z-test (pooled standard error) of x1/n1 against x2/n2. Returns (difference
/// of the proportions, two-sided p-value); None when a group has fewer than [`MIN_TEST_N`]
/// responses. When both proportions are 0 or both are 1 the p-value is 1.
pub fn two_proportion_test(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, f64)> {
    if n1 < MIN_TEST_N || n2 < MIN_TEST_N {
        return None;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let p = if se > 0.0 {
        two_sided_p((p1 - p2) / se)
    } else {
        1.0
    };
    Some((p1 - p2, p))
}

/// Two-sided Fisher exact test of x1/n1 against x2/n2: given the margins, the probability of a
/// table no more likely than the observed one (hypergeometric, with a relative tolerance of 1e-7
/// for ties, as R's `fisher.test`). 1 when a group is empty.
pub fn fisher_exact_two_sided(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let ln_gamma = super::change::ln_gamma;
    let ln_choose = |n: u64, k: u64| {
        ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
    };
    let (n, k) = (n1 + n2, x1 + x2);
    let denom = ln_choose(n, n1);
    let ln_p = |x: u64| ln_choose(k, x) + ln_choose(n - k, n1 - x) - denom;
    let observed = ln_p(x1);
    let p: f64 = (k.saturating_sub(n2)..=k.min(n1))
        .map(ln_p)
        .filter(|l| *l <= observed + 1e-7)
        .map(f64::exp)
        .sum();
    p.min(1.0)
}

/// Benjamini-Hochberg adjusted p-values (q-values), in the input order; None stays None.
pub fn benjamini_hochberg(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|i| p[*i].is_some()).collect();
    let m = idx.len() as f64;
    idx.sort_by(|a, b| p[*a].unwrap().total_cmp(&p[*b].unwrap()).then(a.cmp(b)));
    let mut q = vec![None; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in idx.iter().enumerate().rev() {
        let v = (p[i].unwrap() * m / (rank as f64 + 1.0)).min(1.0);
        running = running.min(v);
        q[i] = Some(running);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_values() {
        assert!((two_sided_p(1.959_963_984_540_054) - 0.05).abs() < 1e-6);
        assert!((two_sided_p(0.0) - 1.0).abs() < 1e-6);
        assert!((two_sided_p(-2.575_829_3) - 0.01).abs() < 1e-6);
        assert!((erfc(0.5) - 0.479_500_122_186_953_5).abs() < 1e-7);
    }

    #[test]
    fn bh_by_hand() {
        // Classic example: p = .01 .04 .03 .005, m = 4.
        // sorted .005 .01 .03 .04 -> .02 .02 .04 .04
        let q = benjamini_hochberg(&[Some(0.01), Some(0.04), Some(0.03), Some(0.005), None]);
        let want = [0.02, 0.04, 0.04, 0.02];
        for (g, w) in q.iter().zip(want) {
            assert!((g.unwrap() - w).abs() < 1e-12, "{q:?}");
        }
        assert_eq!(q[4], None);
    }

    #[test]
    fn two_proportions_by_hand() {
        // 30/100 vs 10/100: pooled .2, se = sqrt(.2 * .8 * .02) = .056569; z = 3.5355.
        let (d, p) = two_proportion_test(30, 100, 10, 100).unwrap();
        assert!((d - 0.2).abs() < 1e-12);
        assert!((p - two_sided_p(0.2 / (0.2f64 * 0.8 * 0.02).sqrt())).abs() < 1e-12);
        assert!(p < 0.001);
        assert_eq!(two_proportion_test(0, 50, 0, 60), Some((0.0, 1.0)));
        assert_eq!(two_proportion_test(4, 4, 1, 60), None);
    }

    #[test]
    fn welch_by_hand() {
        // a: 2 promoters, 8 detractors; b: 8 promoters, 2 detractors.
        let a = NpsCounts {
            promoters: 2,
            passives: 0,
            detractors: 8,
        };
        let b = NpsCounts {
            promoters: 8,
            passives: 0,
            detractors: 2,
        };
        let (diff, p) = nps_difference_test(&a, &b).unwrap();
        assert!((diff + 120.0).abs() < 1e-9);
        // NPS -60 vs +60. var (population) = 1 - .36 = .64 for both; sample = .64 * 10/9.
        let z = -1.2 / (2.0 * 0.64 * 10.0 / 9.0 / 10.0f64).sqrt();
        assert!((p - two_sided_p(z)).abs() < 1e-12);
        assert!(nps_difference_test(
            &NpsCounts {
                promoters: 4,
                ..Default::default()
            },
            &b
        )
        .is_none());
    }

    #[test]
    fn fisher_two_sided_by_hand() {
        // 4/6 against 1/10: P(X = x) = C(5, x) C(11, 6 - x) / C(16, 6) = 462, 2310, 3300, 1650,
        // 275, 11 over 8008; the observed 275 and the rarer 11: p = 286 / 8008 = 1/28.
        assert!((fisher_exact_two_sided(4, 6, 1, 10) - 1.0 / 28.0).abs() < 1e-9);
        // 3/3 against 0/3: C(6, 3) = 20 tables; x = 3 and x = 0 have 1/20 each: p = 0.1.
        assert!((fisher_exact_two_sided(3, 3, 0, 3) - 0.1).abs() < 1e-9);
        assert!((fisher_exact_two_sided(2, 4, 2, 4) - 1.0).abs() < 1e-9);
        assert_eq!(fisher_exact_two_sided(1, 0, 2, 4), 1.0);
    }
}
