//! The multivariate key-driver model.
//!
//! Leave-one-out impact (in `mod.rs`) answers "what if the mentioners of a theme were not
//! there"; it counts a comment that names three themes three times. This model separates
//! overlapping themes. Every commented response is one observation; its outcome is regressed
//! on indicators of the theme mentions it contains, one indicator per theme and polarity
//! (negative, positive, neutral-or-mixed mention), with an unpenalised intercept:
//!
//! * `y = +100 / 0 / -100` for a promoter / passive / detractor (the NPS value of one response,
//!   so the mean of `y` is the NPS and coefficients are in NPS points), and
//! * `d = 100 / 0` for detractor or not (coefficients in points of detractor rate).
//!
//! The fit is ridge regression with penalty [`RIDGE_LAMBDA`] on every theme coefficient: a
//! theme mentioned `m` times is shrunk by about `m / (m + lambda)`, so rare themes and themes
//! that always appear together stay stable instead of swapping huge opposite coefficients.
//!
//! A theme's **impact** is effect x frequency, in points of the overall NPS:
//! `sum over polarities of coefficient x mentions / all responses`, i.e. how much higher the
//! NPS would be if the theme's mentions had the effect of no mention. Its 95 % interval is a
//! percentile bootstrap over responses with [`BOOTSTRAP_REPLICATES`] Poisson-weighted replicates
//! from a fixed seed (the Poisson bootstrap resamples the same way whichever order the rows came
//! in, and lets the model work on counts per distinct mention pattern instead of per row).
//! A theme whose interval includes 0 is "not distinguishable from noise".
//!
//! **Relative importance** is the Shapley decomposition of the explained variation of the
//! detractor model (LMG): a theme's share is its average gain in explained variation over all
//! orders in which themes can enter the model, so the shares add up to 100 % of what the model
//! explains. It is exact (all 2^m subsets, one incremental Cholesky step per subset) for up to
//! [`EXACT_SHAPLEY_MAX`] themes with mentions, and an average over [`SHAPLEY_PERMUTATIONS`]
//! seeded random orders above that. The explained variation of a subset is the drop of the
//! penalised least-squares loss it achieves: for the full model divided by the total sum of
//! squares, it is the (penalised) R^2 reported with the model.
//!
//! Everything works on counts per distinct pattern of mentions, which merge across threads and
//! do not grow with the row count (only with the number of distinct patterns).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::nps::{Category, NpsCounts};
use crate::tagger::Sentiment;
use crate::taxonomy::{Group, Taxonomy};

/// Ridge penalty on each theme coefficient, in responses.
pub const RIDGE_LAMBDA: f64 = 5.0;
pub const BOOTSTRAP_REPLICATES: usize = 200;
pub const SEED: u64 = 0x6e70_7369_6768_7405;
pub const EXACT_SHAPLEY_MAX: usize = 16;
pub const SHAPLEY_PERMUTATIONS: usize = 2000;
/// Themes with fewer mentions are reported greyed with this reason.
pub const MIN_MENTIONS: u64 = 30;
/// Below this many commented responses no model is fitted.
pub const MIN_MODEL_ROWS: u64 = 20;

/// Mention polarities modelled per theme, in feature order.
pub const POLARITIES: [&str; 3] = ["negative", "positive", "other"];

/// The model's feature index for a theme mention.
pub fn feature(theme: usize, polarity: Sentiment) -> u32 {
    let p = match polarity {
        Sentiment::Negative => 0,
        Sentiment::Positive => 1,
        _ => 2,
    };
    (theme * POLARITIES.len() + p) as u32
}

/// Counts of the responses that share one pattern of mentions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternCounts {
    /// Company (main) score categories.
    pub company: NpsCounts,
    /// Agent score categories, for responses that have one.
    pub agent: NpsCounts,
}

/// Mergeable counts per distinct, sorted set of mention features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patterns {
    pub map: BTreeMap<Vec<u32>, PatternCounts>,
}

impl Patterns {
    pub fn add(&mut self, features: Vec<u32>, company: Category, agent: Option<Category>) {
        let c = self.map.entry(features).or_default();
        c.company.add(company);
        if let Some(a) = agent {
            c.agent.add(a);
        }
    }

    pub fn merge(&mut self, o: &Patterns) {
        for (k, v) in &o.map {
            let c = self.map.entry(k.clone()).or_default();
            c.company.merge(&v.company);
            c.agent.merge(&v.agent);
        }
    }
}

/// Which score the model explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Company,
    Agent,
}

/// One theme in the driver model. Points are NPS points unless named "detractor".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeDriver {
    pub id: String,
    pub name: String,
    pub group: Group,
    pub mentions: u64,
    pub mentions_negative: u64,
    pub mentions_positive: u64,
    pub mentions_other: u64,
    /// Model coefficient of a negative / positive / other mention on the response's NPS value
    /// (None without such mentions).
    pub effect_negative_points: Option<f64>,
    pub effect_positive_points: Option<f64>,
    pub effect_other_points: Option<f64>,
    /// Coefficient of a negative mention in the detractor model (points of detractor rate).
    pub detractor_effect_negative_points: Option<f64>,
    /// Effect x frequency: points of overall NPS attributable to the theme's mentions.
    pub impact_points: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    /// False when the interval includes 0 ("not distinguishable from noise").
    pub distinguishable: bool,
    /// Shapley share of the detractor model's explained variation (sums to 1 over themes).
    pub importance_share: f64,
    /// Shapley contribution to the detractor model's R^2.
    pub r2_contribution: f64,
    /// Why the theme is shown greyed, if it is.
    pub caution: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverModel {
    /// "company_nps" or "agent_nps".
    pub outcome: String,
    /// Commented responses the model was fitted on.
    pub rows: u64,
    /// All responses (the base of the frequencies).
    pub responses: u64,
    pub ridge_lambda: f64,
    pub bootstrap_replicates: usize,
    pub seed: u64,
    /// "exact" or "permutations:N".
    pub shapley: String,
    /// Penalised R^2 of the detractor model.
    pub detractor_r2: f64,
    /// Penalised R^2 of the NPS-value model.
    pub nps_r2: f64,
    pub themes: Vec<ThemeDriver>,
}

/// Design of the model: sufficient statistics over the active features.
struct Design {
    /// Active features (sorted); column i+1 of the design.
    features: Vec<u32>,
    /// Gram matrix over [intercept, features...].
    gram: Vec<Vec<f64>>,
    /// X'y for the NPS value and the detractor indicator.
    xy_nps: Vec<f64>,
    xy_det: Vec<f64>,
    yy_det: f64,
    yy_nps: f64,
    /// Mentions per active feature.
    mentions: Vec<f64>,
}

/// One cell: a pattern (as design columns) and its weights per category.
struct Cell {
    cols: Vec<usize>,
    counts: [f64; 3],
}

const VALUES_NPS: [f64; 3] = [100.0, 0.0, -100.0];
const VALUES_DET: [f64; 3] = [0.0, 0.0, 100.0];

fn counts_of(c: &NpsCounts) -> [f64; 3] {
    [c.promoters as f64, c.passives as f64, c.detractors as f64]
}

impl Design {
    fn build(features: &[u32], cells: &[Cell], weights: &[[f64; 3]]) -> Design {
        let d = features.len() + 1;
        let mut gram = vec![vec![0.0; d]; d];
        let mut xy_nps = vec![0.0; d];
        let mut xy_det = vec![0.0; d];
        let (mut yy_nps, mut yy_det) = (0.0, 0.0);
        let mut mentions = vec![0.0; features.len()];
        for (cell, w) in cells.iter().zip(weights) {
            let n: f64 = w.iter().sum();
            if n == 0.0 {
                continue;
            }
            let sy: f64 = w.iter().zip(VALUES_NPS).map(|(a, b)| a * b).sum();
            let sd: f64 = w.iter().zip(VALUES_DET).map(|(a, b)| a * b).sum();
            yy_nps += w
                .iter()
                .zip(VALUES_NPS)
                .map(|(a, b)| a * b * b)
                .sum::<f64>();
            yy_det += w
                .iter()
                .zip(VALUES_DET)
                .map(|(a, b)| a * b * b)
                .sum::<f64>();
            gram[0][0] += n;
            xy_nps[0] += sy;
            xy_det[0] += sd;
            for (i, &ci) in cell.cols.iter().enumerate() {
                mentions[ci - 1] += n;
                gram[0][ci] += n;
                gram[ci][0] += n;
                xy_nps[ci] += sy;
                xy_det[ci] += sd;
                for &cj in &cell.cols[..=i] {
                    gram[ci][cj] += n;
                    if ci != cj {
                        gram[cj][ci] += n;
                    }
                }
            }
        }
        Design {
            features: features.to_vec(),
            gram,
            xy_nps,
            xy_det,
            yy_det,
            yy_nps,
            mentions,
        }
    }

    fn penalised(&self, i: usize, j: usize) -> f64 {
        self.gram[i][j] + if i == j && i > 0 { RIDGE_LAMBDA } else { 0.0 }
    }

    /// Ridge coefficients [intercept, features...] for a right-hand side.
    fn solve(&self, rhs: &[f64]) -> Option<Vec<f64>> {
        let mut ch = Cholesky::default();
        for c in 0..rhs.len() {
            ch.push(self, c, rhs)?;
        }
        Some(ch.back_substitute())
    }
}

/// An incrementally grown Cholesky factor of the penalised Gram matrix over chosen columns,
/// with the forward-solved right-hand side `z = L^-1 b`.
#[derive(Default)]
struct Cholesky {
    cols: Vec<usize>,
    rows: Vec<Vec<f64>>,
    z: Vec<f64>,
}

impl Cholesky {
    fn push(&mut self, d: &Design, col: usize, rhs: &[f64]) -> Option<()> {
        let k = self.cols.len();
        let mut row = Vec::with_capacity(k + 1);
        for i in 0..k {
            let mut s = d.penalised(col, self.cols[i]);
            for (a, b) in row.iter().zip(&self.rows[i][..i]) {
                s -= a * b;
            }
            row.push(s / self.rows[i][i]);
        }
        let diag2 = d.penalised(col, col) - row.iter().map(|x| x * x).sum::<f64>();
        if diag2 <= 1e-12 {
            return None;
        }
        let diag = diag2.sqrt();
        let zk = (rhs[col] - row.iter().zip(&self.z).map(|(a, b)| a * b).sum::<f64>()) / diag;
        row.push(diag);
        self.rows.push(row);
        self.cols.push(col);
        self.z.push(zk);
        Some(())
    }

    fn truncate(&mut self, k: usize) {
        self.cols.truncate(k);
        self.rows.truncate(k);
        self.z.truncate(k);
    }

    /// Drop of the penalised loss over the intercept-only model: sum of z^2 after the first.
    fn explained(&self) -> f64 {
        self.z.iter().skip(1).map(|z| z * z).sum()
    }

    fn back_substitute(&self) -> Vec<f64> {
        let k = self.z.len();
        let mut beta = vec![0.0; k];
        for i in (0..k).rev() {
            let mut s = self.z[i];
            for (j, b) in beta.iter().enumerate().skip(i + 1) {
                s -= self.rows[j][i] * b;
            }
            beta[i] = s / self.rows[i][i];
        }
        beta
    }
}

/// SplitMix64: small, fast, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }
    /// A Poisson draw: exact (Knuth) below 30, normal approximation with continuity above.
    pub fn poisson(&mut self, lambda: f64) -> f64 {
        if lambda <= 0.0 {
            return 0.0;
        }
        if lambda < 30.0 {
            let limit = (-lambda).exp();
            let mut k = 0.0;
            let mut p = self.uniform();
            while p > limit {
                k += 1.0;
                p *= self.uniform();
            }
            k
        } else {
            let (u1, u2) = (self.uniform(), self.uniform());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            (lambda + lambda.sqrt() * z + 0.5).floor().max(0.0)
        }
    }
}

/// Percentile of a sorted slice, linear between order statistics.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Impact per theme (points of overall NPS) from NPS-model coefficients.
fn impacts(design: &Design, beta: &[f64], n_themes: usize, responses: f64) -> Vec<f64> {
    let mut out = vec![0.0; n_themes];
    if responses <= 0.0 {
        return out;
    }
    for (i, f) in design.features.iter().enumerate() {
        let theme = *f as usize / POLARITIES.len();
        out[theme] += beta[i + 1] * design.mentions[i] / responses;
    }
    out
}

/// Shapley values of themes (players) for the explained variation of `rhs`.
fn shapley(
    design: &Design,
    rhs: &[f64],
    n_themes: usize,
    exact_max: usize,
) -> (Vec<f64>, f64, String) {
    // Players: themes with at least one active feature; their design columns.
    let mut players: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, f) in design.features.iter().enumerate() {
        let theme = *f as usize / POLARITIES.len();
        match players.last_mut() {
            Some((t, cols)) if *t == theme => cols.push(i + 1),
            _ => players.push((theme, vec![i + 1])),
        }
    }
    let m = players.len();
    let mut phi = vec![0.0; n_themes];
    let mut base = Cholesky::default();
    if base.push(design, 0, rhs).is_none() || m == 0 {
        return (phi, 0.0, "exact".into());
    }
    let push_player = |ch: &mut Cholesky, p: usize| -> bool {
        players[p]
            .1
            .iter()
            .all(|&c| ch.push(design, c, rhs).is_some())
    };
    if m <= exact_max {
        let mut v = vec![0.0f64; 1 << m];
        // Depth-first over subsets in increasing player order; each node adds one player's
        // columns to its parent's factor.
        fn visit(
            ch: &mut Cholesky,
            mask: usize,
            next: usize,
            m: usize,
            v: &mut [f64],
            push_player: &dyn Fn(&mut Cholesky, usize) -> bool,
        ) {
            for p in next..m {
                let k = ch.cols.len();
                if push_player(ch, p) {
                    let child = mask | (1 << p);
                    v[child] = ch.explained();
                    visit(ch, child, p + 1, m, v, push_player);
                } else {
                    // Numerically singular (cannot happen with lambda > 0): treat as no gain.
                    let child = mask | (1 << p);
                    v[child] = v[mask];
                }
                ch.truncate(k);
            }
        }
        visit(&mut base, 0, 0, m, &mut v, &push_player);
        // Shapley weights |S|! (m-|S|-1)! / m!.
        let mut fact = vec![1.0f64; m + 1];
        for i in 1..=m {
            fact[i] = fact[i - 1] * i as f64;
        }
        for (p, (theme, _)) in players.iter().enumerate() {
            let bit = 1 << p;
            let mut s = 0.0;
            for mask in 0..(1usize << m) {
                if mask & bit != 0 {
                    continue;
                }
                let size = mask.count_ones() as usize;
                let w = fact[size] * fact[m - size - 1] / fact[m];
                s += w * (v[mask | bit] - v[mask]);
            }
            phi[*theme] = s;
        }
        (phi, v[(1 << m) - 1], "exact".into())
    } else {
        let mut rng = Rng::new(SEED ^ 0x5348_4150);
        let mut order: Vec<usize> = (0..m).collect();
        let mut total = 0.0;
        for _ in 0..SHAPLEY_PERMUTATIONS {
            for i in (1..m).rev() {
                let j = rng.below(i + 1);
                order.swap(i, j);
            }
            base.truncate(1);
            let mut prev = 0.0;
            for &p in &order {
                let k = base.cols.len();
                let now = if push_player(&mut base, p) {
                    base.explained()
                } else {
                    base.truncate(k);
                    prev
                };
                phi[players[p].0] += now - prev;
                prev = now;
            }
            total = prev;
        }
        for x in &mut phi {
            *x /= SHAPLEY_PERMUTATIONS as f64;
        }
        (phi, total, format!("permutations:{SHAPLEY_PERMUTATIONS}"))
    }
}

/// Fit the driver model for one outcome. `responses` counts every response of the run (with or
/// without comment, and for the agent model every response with an agent score); it is the
/// base of the frequencies. None when too few commented responses carry the outcome.
pub fn fit(
    patterns: &Patterns,
    outcome: Outcome,
    responses: &NpsCounts,
    taxonomy: &Taxonomy,
) -> Option<DriverModel> {
    let n_themes = taxonomy.themes.len();
    let pick = |c: &PatternCounts| match outcome {
        Outcome::Company => c.company,
        Outcome::Agent => c.agent,
    };
    let mut features: Vec<u32> = patterns
        .map
        .iter()
        .filter(|(_, c)| pick(c).n() > 0)
        .flat_map(|(k, _)| k.iter().copied())
        .collect();
    features.sort_unstable();
    features.dedup();
    let col_of: BTreeMap<u32, usize> = features
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, i + 1))
        .collect();
    let cells: Vec<Cell> = patterns
        .map
        .iter()
        .filter(|(_, c)| pick(c).n() > 0)
        .map(|(k, c)| Cell {
            cols: k.iter().map(|f| col_of[f]).collect(),
            counts: counts_of(&pick(c)),
        })
        .collect();
    let rows: u64 = cells
        .iter()
        .map(|c| c.counts.iter().sum::<f64>() as u64)
        .sum();
    if rows < MIN_MODEL_ROWS {
        return None;
    }
    let uncommented = responses.n().saturating_sub(rows) as f64;
    let weights: Vec<[f64; 3]> = cells.iter().map(|c| c.counts).collect();
    let design = Design::build(&features, &cells, &weights);
    let beta_nps = design.solve(&design.xy_nps)?;
    let beta_det = design.solve(&design.xy_det)?;
    let n_resp = responses.n() as f64;
    let point = impacts(&design, &beta_nps, n_themes, n_resp);

    // Poisson bootstrap, one independent stream per replicate (order-free and parallel).
    let reps: Vec<Vec<f64>> = (0..BOOTSTRAP_REPLICATES)
        .into_par_iter()
        .map(|b| {
            let mut rng = Rng::new(SEED.wrapping_add((b as u64 + 1).wrapping_mul(0x2545_f491)));
            let w: Vec<[f64; 3]> = cells
                .iter()
                .map(|c| c.counts.map(|x| rng.poisson(x)))
                .collect();
            let n_rows: f64 = w.iter().flatten().sum();
            let n_all = n_rows + rng.poisson(uncommented);
            let d = Design::build(&features, &cells, &w);
            match d.solve(&d.xy_nps) {
                Some(beta) => impacts(&d, &beta, n_themes, n_all),
                None => vec![f64::NAN; n_themes],
            }
        })
        .collect();

    let (phi, explained_det, method) =
        shapley(&design, &design.xy_det, n_themes, EXACT_SHAPLEY_MAX);
    let sst_det = design.yy_det - design.xy_det[0] * design.xy_det[0] / design.gram[0][0];
    let sst_nps = design.yy_nps - design.xy_nps[0] * design.xy_nps[0] / design.gram[0][0];
    let explained_nps = {
        let mut ch = Cholesky::default();
        if (0..features.len() + 1).all(|c| ch.push(&design, c, &design.xy_nps).is_some()) {
            ch.explained()
        } else {
            0.0
        }
    };
    let r2 = |e: f64, s: f64| {
        if s > 0.0 {
            (e / s).clamp(0.0, 1.0)
        } else {
            0.0
        }
    };

    let themes = taxonomy
        .themes
        .iter()
        .enumerate()
        .map(|(t, theme)| {
            let coef = |pol: usize, beta: &[f64]| -> Option<f64> {
                let f = (t * POLARITIES.len() + pol) as u32;
                col_of.get(&f).map(|c| beta[*c])
            };
            let count = |pol: usize| -> u64 {
                let f = (t * POLARITIES.len() + pol) as u32;
                col_of
                    .get(&f)
                    .map_or(0, |c| design.mentions[c - 1].round() as u64)
            };
            let mentions = cells
                .iter()
                .filter(|c| {
                    c.cols
                        .iter()
                        .any(|col| features[col - 1] as usize / POLARITIES.len() == t)
                })
                .map(|c| c.counts.iter().sum::<f64>())
                .sum::<f64>()
                .round() as u64;
            let mut sample: Vec<f64> = reps
                .iter()
                .map(|r| r[t])
                .filter(|x| x.is_finite())
                .collect();
            sample.sort_by(f64::total_cmp);
            let (lo, hi) = if mentions == 0 {
                (0.0, 0.0)
            } else {
                (percentile(&sample, 0.025), percentile(&sample, 0.975))
            };
            let distinguishable = mentions > 0 && (lo > 0.0 || hi < 0.0);
            let caution = if mentions == 0 {
                Some("not mentioned".to_string())
            } else if mentions < MIN_MENTIONS {
                Some(format!(
                    "only {mentions} mentions (fewer than {MIN_MENTIONS}): too few to rank"
                ))
            } else if !distinguishable {
                Some("interval includes 0: not distinguishable from noise".to_string())
            } else {
                None
            };
            ThemeDriver {
                id: theme.id.clone(),
                name: theme.name.clone(),
                group: theme.group,
                mentions,
                mentions_negative: count(0),
                mentions_positive: count(1),
                mentions_other: count(2),
                effect_negative_points: coef(0, &beta_nps),
                effect_positive_points: coef(1, &beta_nps),
                effect_other_points: coef(2, &beta_nps),
                detractor_effect_negative_points: coef(0, &beta_det),
                impact_points: point[t],
                ci95_low: lo,
                ci95_high: hi,
                distinguishable,
                importance_share: if explained_det > 1e-9 * sst_det.max(1.0) {
                    phi[t] / explained_det
                } else {
                    0.0
                },
                r2_contribution: if sst_det > 0.0 { phi[t] / sst_det } else { 0.0 },
                caution,
            }
        })
        .collect();
    Some(DriverModel {
        outcome: match outcome {
            Outcome::Company => "company_nps",
            Outcome::Agent => "agent_nps",
        }
        .into(),
        rows,
        responses: responses.n(),
        ridge_lambda: RIDGE_LAMBDA,
        bootstrap_replicates: BOOTSTRAP_REPLICATES,
        seed: SEED,
        shapley: method,
        detractor_r2: r2(explained_det, sst_det),
        nps_r2: r2(explained_nps, sst_nps),
        themes,
    })
}

impl DriverModel {
    /// Themes with mentions, most damaging impact first (ties by id).
    pub fn ranked(&self) -> Vec<&ThemeDriver> {
        let mut v: Vec<&ThemeDriver> = self.themes.iter().filter(|t| t.mentions > 0).collect();
        v.sort_by(|a, b| {
            a.impact_points
                .total_cmp(&b.impact_points)
                .then(a.id.cmp(&b.id))
        });
        v
    }
}

#[cfg(test)]
mod tests;
