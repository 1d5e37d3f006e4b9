//! Net Promoter Score counts and their interval.
//!
//! NPS = %promoters - %detractors, in points from -100 to +100. Per response the score is +1,
//! 0 or -1, so its variance is p+ + p- - NPS^2 (as fractions) and the standard error is
//! sqrt(variance / n). The 95 % interval is the *adjusted Wald* interval of Rocks (2016) and
//! Sauro & Lewis: 3/4 of a response is added to the promoters and to the detractors (3 to n)
//! before the variance is computed. At large n it equals the plain Wald interval; at small n,
//! and when every response is a promoter, it stays honest where Wald collapses to zero width.

use serde::{Deserialize, Serialize};

/// NPS category of a 0-10 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Promoter,
    Passive,
    Detractor,
}

impl Category {
    pub fn of(score: u8) -> Category {
        match score {
            9..=10 => Category::Promoter,
            7..=8 => Category::Passive,
            _ => Category::Detractor,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Promoter => "promoter",
            Category::Passive => "passive",
            Category::Detractor => "detractor",
        }
    }
}

/// Mergeable counts of promoters, passives and detractors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpsCounts {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

pub const Z95: f64 = 1.959_963_984_540_054;

impl NpsCounts {
    pub fn add(&mut self, c: Category) {
        match c {
            Category::Promoter => self.promoters += 1,
            Category::Passive => self.passives += 1,
            Category::Detractor => self.detractors += 1,
        }
    }

    pub fn merge(&mut self, o: &NpsCounts) {
        self.promoters += o.promoters;
        self.passives += o.passives;
        self.detractors += o.detractors;
    }

    /// `self - o`, for "everyone but the mentioners"; `o` must be a subset of `self`.
    pub fn minus(&self, o: &NpsCounts) -> NpsCounts {
        NpsCounts {
            promoters: self.promoters - o.promoters,
            passives: self.passives - o.passives,
            detractors: self.detractors - o.detractors,
        }
    }

    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// NPS in points, None when there is no response.
    pub fn nps(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| 100.0 * (self.promoters as f64 - self.detractors as f64) / n as f64)
    }

    pub fn detractor_rate(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| self.detractors as f64 / n as f64)
    }

    /// Per-response variance of the +1/0/-1 score (population form, as fractions).
    pub fn variance(&self) -> Option<f64> {
        let n = self.n() as f64;
        (n > 0.0).then(|| {
            let (p, d) = (self.promoters as f64 / n, self.detractors as f64 / n);
            (p + d - (p - d).powi(2)).max(0.0)
        })
    }

    /// Adjusted-Wald 95 % interval in points, clamped to [-100, 100].
    pub fn interval95(&self) -> Option<(f64, f64)> {
        let n = self.n() as f64;
        if n == 0.0 {
            return None;
        }
        let n_adj = n + 3.0;
        let p = (self.promoters as f64 + 0.75) / n_adj;
        let d = (self.detractors as f64 + 0.75) / n_adj;
        let centre = p - d;
        let se = ((p + d - centre * centre).max(0.0) / n_adj).sqrt();
        // The adjusted centre is pulled towards 0, so at a very small n the interval alone can
        // miss the observed NPS (+100 from one promoter: 25 +/- 73.5); it always contains it.
        let observed = self.nps().expect("n > 0");
        let lo = (100.0 * (centre - Z95 * se)).max(-100.0).min(observed);
        let hi = (100.0 * (centre + Z95 * se)).min(100.0).max(observed);
        Some((lo, hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(p: u64, pa: u64, d: u64) -> NpsCounts {
        NpsCounts {
            promoters: p,
            passives: pa,
            detractors: d,
        }
    }

    #[test]
    fn categories() {
        assert_eq!(Category::of(10), Category::Promoter);
        assert_eq!(Category::of(9), Category::Promoter);
        assert_eq!(Category::of(8), Category::Passive);
        assert_eq!(Category::of(7), Category::Passive);
        assert_eq!(Category::of(6), Category::Detractor);
        assert_eq!(Category::of(0), Category::Detractor);
    }

    #[test]
    fn nps_and_variance_by_hand() {
        // 5 promoters, 3 passives, 2 detractors: NPS = 30; var = .5 + .2 - .09 = .61.
        let c = counts(5, 3, 2);
        assert!((c.nps().unwrap() - 30.0).abs() < 1e-12);
        assert!((c.variance().unwrap() - 0.61).abs() < 1e-12);
        assert_eq!(counts(0, 0, 0).nps(), None);
    }

    #[test]
    fn interval_by_hand() {
        // Adjusted: n' = 13, p' = 5.75/13, d' = 2.75/13.
        let c = counts(5, 3, 2);
        let (p, d): (f64, f64) = (5.75 / 13.0, 2.75 / 13.0);
        let se = ((p + d - (p - d) * (p - d)) / 13.0).sqrt();
        let (lo, hi) = c.interval95().unwrap();
        assert!((lo - 100.0 * (p - d - Z95 * se)).abs() < 1e-9);
        assert!((hi - 100.0 * (p - d + Z95 * se)).abs() < 1e-9);
    }

    #[test]
    fn interval_has_width_when_everyone_promotes() {
        let (lo, hi) = counts(20, 0, 0).interval95().unwrap();
        assert!(lo < 100.0 && lo > 50.0 && hi == 100.0, "{lo} {hi}");
    }

    #[test]
    fn interval_contains_the_observed_nps_at_n_one() {
        for c in [
            counts(1, 0, 0),
            counts(0, 0, 1),
            counts(0, 1, 0),
            counts(2, 0, 0),
        ] {
            let nps = c.nps().unwrap();
            let (lo, hi) = c.interval95().unwrap();
            assert!(lo <= nps && nps <= hi, "{c:?}: {nps} not in {lo}..{hi}");
        }
    }

    #[test]
    fn large_n_matches_plain_wald() {
        let c = counts(50_000, 30_000, 20_000);
        let se = (c.variance().unwrap() / c.n() as f64).sqrt() * 100.0;
        let (lo, hi) = c.interval95().unwrap();
        assert!((lo - (30.0 - Z95 * se)).abs() < 0.01 && (hi - (30.0 + Z95 * se)).abs() < 0.01);
    }
}
