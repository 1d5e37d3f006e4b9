//! Benchmark of the statistics stage alone (issue: "on 100,000 responses and 16 themes the
//! statistics take under a few seconds on 2 cores"). Synthetic rows with 0-3 theme mentions
//! each (the built-in 16-theme taxonomy), five teams and an agent score, accumulated in
//! 4,096-row chunks and merged as the pipeline does, then `finish` (leave-one-out impacts,
//! tests, segments, the ridge driver model with its 200-replicate bootstrap, exact Shapley
//! importance, the agent-score model).
//!
//! Run: `cargo bench --bench stats` (release profile). Optional argument: the row count.
//! No timing is asserted anywhere; the figures go to the README.

use std::time::Instant;

use npsight::stats::drivers::Rng;
use npsight::stats::{Accumulator, RowFacts};
use npsight::tagger::{Evidence, Sentiment, Source, Tagging, ThemeTag};
use npsight::taxonomy::Taxonomy;

/// Score, agent score, tagging, segments.
type Row = (u8, Option<u8>, Tagging, Vec<(String, String)>);

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let taxonomy = Taxonomy::builtin().expect("built-in taxonomy");
    let k = taxonomy.themes.len();
    let mut rng = Rng::new(42);
    let teams = ["Billing", "Tech", "Sales", "General", "Retention"];
    let text = "synthetic comment text for the benchmark";
    let rows: Vec<Row> = (0..n)
        .map(|i| {
            let mentions = rng.below(4);
            let mut themes: Vec<ThemeTag> = Vec::new();
            let mut bad = 0;
            for _ in 0..mentions {
                let t = rng.below(k);
                if themes.iter().any(|x| x.theme == t) {
                    continue;
                }
                let polarity = match rng.below(3) {
                    0 => Sentiment::Positive,
                    1 => Sentiment::Neutral,
                    _ => Sentiment::Negative,
                };
                if polarity == Sentiment::Negative && t.is_multiple_of(3) {
                    bad += 1;
                }
                themes.push(ThemeTag {
                    theme: t,
                    polarity,
                    confidence: None,
                    evidence: vec![Evidence {
                        start: 0,
                        end: 9,
                        source: Source::Lexicon,
                    }],
                });
            }
            themes.sort_by_key(|t| t.theme);
            let score = (rng.below(11) as i32 - 3 * bad).clamp(0, 10) as u8;
            let agent = (i % 4 != 0).then(|| (rng.below(4) + 7) as u8);
            let tagging = Tagging {
                sentiment: Sentiment::Neutral,
                sentiment_score: 0.0,
                themes,
                embedding: None,
            };
            let segs = vec![("team".to_string(), teams[i % teams.len()].to_string())];
            (score, agent, tagging, segs)
        })
        .collect();

    let t0 = Instant::now();
    let mut total = Accumulator::new(k);
    for (c, chunk) in rows.chunks(4096).enumerate() {
        let mut acc = Accumulator::new(k);
        for (j, (score, agent, tagging, segs)) in chunk.iter().enumerate() {
            let row = (c * 4096 + j) as u64 + 1;
            let id = row.to_string();
            acc.add(&RowFacts {
                row,
                id: &id,
                score: *score,
                agent_score: *agent,
                tagging: Some(tagging),
                language: Some("en"),
                text: Some(text),
                segments: segs,
            });
        }
        total.merge(&acc);
    }
    let accumulate = t0.elapsed();
    let t1 = Instant::now();
    let stats = total.finish(&taxonomy);
    let finish = t1.elapsed();
    let model = stats.drivers.as_ref().expect("a model is fitted");
    println!(
        "rows {n}, themes {k}, distinct mention patterns {}, threads {}",
        total.patterns.map.len(),
        rayon::current_num_threads()
    );
    println!(
        "accumulate + merge: {:.3} s   finish (all statistics, driver models, bootstrap, Shapley {}): {:.3} s",
        accumulate.as_secs_f64(),
        model.shapley,
        finish.as_secs_f64()
    );
}
