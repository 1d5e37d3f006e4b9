//! Criterion benches of the hot functions around the encoder, on the bundled export's comments
//! (`examples/feedback.csv`, seven languages):
//!
//! - `tokenise/compact` and `tokenise/tokenizers`: the model's `tokenizer.json` (the real one
//!   when `scripts/fetch-models` has run, the tiny fixture otherwise; the group name says which)
//!   through npsight's compact Unigram model and through `tokenizers`' own, same ids;
//! - `windows_and_plan`: cutting token ids into windows and planning length-bucketed batches;
//! - `prepare`: normalisation, word tokens, language, clauses and lexicon hits of a comment;
//! - `lexicon_tag`: the lexicon tagger on prepared comments;
//! - `pii_mask`: masking personal data;
//! - `csv_read`: sniffing, decoding and parsing a 2,000-row export;
//! - `head_predict` and `mean_pool`: the classification heads on one 384-d vector and pooling
//!   a `[8, 32, 384]` hidden state.
//!
//! Run: `cargo bench --bench hot` (all) or `cargo bench --bench hot -- tokenise` (a group).
//! Criterion prints the time per iteration and, per group, elements per second. No timing is
//! asserted anywhere; the figures go to the README's performance section.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use npsight::encoder::batching;
use npsight::encoder::unigram::TextTokenizer;
use npsight::heads::Head;
use npsight::input::{self, InputConfig};
use npsight::lexicon::SentimentLexicon;
use npsight::tagger::lexicon_tagger::{LexiconConfig, LexiconTagger};
use npsight::tagger::prepare;
use npsight::taxonomy::Taxonomy;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Non-empty comments of the bundled export, with the e5 prefix as the encoder sees them.
fn comments() -> Vec<String> {
    let mut reader = csv::Reader::from_path(root().join("examples/feedback.csv")).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "comment")
        .unwrap();
    reader
        .records()
        .filter_map(|r| r.ok()?.get(col).map(str::to_string))
        .filter(|c| !c.trim().is_empty())
        .collect()
}

fn tokenizer_path() -> (PathBuf, &'static str) {
    let real = root().join("models/multilingual-e5-small/tokenizer.json");
    if real.is_file() {
        (real, "multilingual-e5-small")
    } else {
        (
            root().join("tests/fixtures/tiny-encoder/tokenizer.json"),
            "tiny fixture",
        )
    }
}

fn tokenise(c: &mut Criterion) {
    let texts: Vec<String> = comments().iter().map(|t| format!("query: {t}")).collect();
    let (path, name) = tokenizer_path();
    let bytes = std::fs::read(&path).unwrap();
    let compact = TextTokenizer::from_bytes(&bytes).unwrap();
    let standard = TextTokenizer::standard_from_bytes(&bytes).unwrap();
    let mut group = c.benchmark_group(format!("tokenise ({name})"));
    group.throughput(Throughput::Elements(texts.len() as u64));
    for (label, tok) in [("compact", &compact), ("tokenizers", &standard)] {
        group.bench_function(label, |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(tok.ids(t, false).unwrap());
                }
            })
        });
    }
    group.finish();

    let ids: Vec<Vec<u32>> = texts
        .iter()
        .map(|t| compact.ids(t, false).unwrap())
        .collect();
    let mut group = c.benchmark_group("windows_and_plan");
    group.throughput(Throughput::Elements(ids.len() as u64));
    group.bench_function("512 tokens, batches of 8", |b| {
        b.iter(|| {
            let windows: Vec<batching::Window> = ids
                .iter()
                .enumerate()
                .flat_map(|(i, x)| batching::windows(i, x, 512, 0, 2))
                .collect();
            let lengths: Vec<usize> = windows.iter().map(|w| w.ids.len()).collect();
            black_box(batching::plan(&lengths, 8, 8 * 512, true))
        })
    });
    group.finish();
}

fn text_stages(c: &mut Criterion) {
    let texts = comments();
    let lexicon = SentimentLexicon::builtin().unwrap();
    let taxonomy = Taxonomy::builtin().unwrap();
    let tagger = LexiconTagger::new(&LexiconConfig {
        taxonomy,
        lexicon: lexicon.clone(),
    })
    .unwrap();
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("prepare", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(prepare(t, &lexicon));
            }
        })
    });
    let prepared: Vec<_> = texts.iter().map(|t| prepare(t, &lexicon)).collect();
    group.bench_function("lexicon_tag", |b| {
        b.iter(|| {
            for p in &prepared {
                black_box(tagger.tag(p));
            }
        })
    });
    group.bench_function("pii_mask", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(npsight::pii::mask(t));
            }
        })
    });
    group.finish();
}

/// A 2,000-row export written from the bundled one's rows, repeated.
fn export(dir: &Path) -> PathBuf {
    let src = std::fs::read_to_string(root().join("examples/feedback.csv")).unwrap();
    let mut lines = src.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut out = String::from(header);
    out.push('\n');
    for i in 0..2000 {
        let row = rows[i % rows.len()];
        // A distinct response id per row.
        let rest = row.split_once(',').map_or("", |(_, r)| r);
        out.push_str(&format!("B-{i},{rest}\n"));
    }
    let path = dir.join("export.csv");
    std::fs::write(&path, out).unwrap();
    path
}

fn csv_read(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = export(dir.path());
    let mut group = c.benchmark_group("csv_read");
    group.throughput(Throughput::Elements(2000));
    group.bench_function("2,000 rows", |b| {
        b.iter(|| {
            let opened = input::open(&InputConfig {
                path: path.clone(),
                ..Default::default()
            })
            .unwrap();
            black_box(
                opened
                    .records
                    .map(|r| r.unwrap().fields.len())
                    .sum::<usize>(),
            )
        })
    });
    group.finish();
}

fn heads_and_pooling(c: &mut Criterion) {
    let dim = 384;
    let x: Vec<f32> = (0..dim)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 500.0)
        .collect();
    let mut group = c.benchmark_group("heads");
    for name in ["sentiment", "themes"] {
        let head = Head::load(&root().join(format!("models/heads/{name}.json"))).unwrap();
        let mut v = x.clone();
        v.resize(head.dim, 0.0);
        group.bench_function(format!("head_predict {name}"), |b| {
            b.iter(|| black_box(head.predict(&v)))
        });
    }
    let (rows, seq) = (8, 32);
    let hidden: Vec<f32> = (0..rows * seq * dim).map(|i| (i % 97) as f32).collect();
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("mean_pool [8, 32, 384]", |b| {
        b.iter_batched(
            || (),
            |()| {
                (0..rows)
                    .map(|r| {
                        batching::mean_pool(&hidden[r * seq * dim..(r + 1) * seq * dim], 20, dim)
                    })
                    .collect::<Vec<_>>()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = tokenise, text_stages, csv_read, heads_and_pooling
}
criterion_main!(benches);
