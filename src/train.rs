//! `npsight train`: the classifier heads, trained on embeddings of the project's labelled
//! examples (`models/examples/train.csv`), of the permissively licensed sentiment data that
//! `scripts/fetch-training-data` collects, and of any corrected `tagged.csv` files people
//! provide, and of the realistic corpus `models/corpus` (its `split` column says train or dev).
//! Each theme's rule (the veto of lexicon matches and the head-only threshold, see
//! `heads::choose_rule`) is chosen on the dev rows only. Deterministic: inputs in
//! file order, embeddings in fixed batches, full-batch training, rounded weights; the manifest
//! records the hashes of every input so anyone can retrain and compare bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::encoder::Encoder;
use crate::eval::{self, EvalReport};
use crate::heads::{self, TrainSettings};
use crate::labelled::{self, LabelColumns, Labelled};
use crate::lexicon::SentimentLexicon;
use crate::tagger::combined::{sentiment_input, CombinedTagger, Heads, Manifest, SENTIMENT_LABELS};
use crate::tagger::{prepare, Classifier, LexiconConfig, LexiconTagger};
use crate::taxonomy::{sha256_hex, Taxonomy};

#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Folder with train.csv and dev.csv.
    pub examples_dir: PathBuf,
    /// Folder of the realistic corpus (`<lang>.csv` with a `split` column), when present.
    pub corpus_dir: Option<PathBuf>,
    /// Extra sentiment-only data (source,lang,text,sentiment).
    pub extra: Vec<PathBuf>,
    /// Corrected tagged.csv files: their comment, sentiment and themes columns.
    pub corrections: Vec<PathBuf>,
    pub out_dir: PathBuf,
    pub settings: TrainSettings,
}

/// Embed in fixed slices so batch composition (and so int8 activation scales) is reproducible.
fn embed_all(encoder: &dyn Encoder, texts: &[String]) -> Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(256) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        out.extend(encoder.embed(&refs)?);
    }
    Ok(out)
}

/// [`embed_all`] with a cache under `.cache/embeddings/`, keyed by the encoder's id and the
/// exact list of texts, so retraining with other settings does not re-embed 18,000 texts.
fn embed_cached(encoder: &dyn Encoder, texts: &[String]) -> Result<Vec<Vec<f32>>> {
    let mut key = encoder.id();
    for t in texts {
        key.push('\0');
        key.push_str(t);
    }
    let dir = PathBuf::from(".cache/embeddings");
    let path = dir.join(format!("{}.f32", &sha256_hex(key.as_bytes())[..24]));
    let dim = encoder.dim();
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() == texts.len() * dim * 4 {
            return Ok(bytes
                .chunks_exact(dim * 4)
                .map(|row| {
                    row.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect()
                })
                .collect());
        }
    }
    let vectors = embed_all(encoder, texts)?;
    if std::fs::create_dir_all(&dir).is_ok() {
        let bytes: Vec<u8> = vectors
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let _ = std::fs::write(&path, bytes);
    }
    Ok(vectors)
}

/// A theme with fewer dev mentions than this is calibrated on its held-out taxonomy examples.
const MIN_DEV_MENTIONS: usize = 5;

fn sentiment_index(label: &str) -> Option<usize> {
    SENTIMENT_LABELS.iter().position(|l| *l == label)
}

/// The training outcome: manifest plus the dev evaluation.
pub struct Trained {
    pub manifest: Manifest,
    pub dev: EvalReport,
}

pub fn train(
    cfg: &TrainConfig,
    taxonomy: &Taxonomy,
    lexicon: &SentimentLexicon,
    encoder: Arc<dyn Encoder>,
    log: &mut dyn FnMut(&str),
) -> Result<Trained> {
    let train_path = cfg.examples_dir.join("train.csv");
    let dev_path = cfg.examples_dir.join("dev.csv");
    let mut data_sha256 = BTreeMap::new();
    let mut hash = |p: &Path| -> Result<()> {
        let bytes = std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?;
        data_sha256.insert(
            p.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            sha256_hex(&bytes),
        );
        Ok(())
    };
    hash(&train_path)?;
    hash(&dev_path)?;
    let mut examples = labelled::read(&train_path, &LabelColumns::default())?;
    let mut dev = labelled::read(&dev_path, &LabelColumns::default())?;
    if let Some(dir) = cfg.corpus_dir.as_ref().filter(|d| d.is_dir()) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        for f in files {
            hash(&f)?;
            for row in labelled::read(&f, &LabelColumns::default())? {
                match row.split.as_deref() {
                    Some("dev") => dev.push(row),
                    _ => examples.push(row),
                }
            }
        }
    }
    let n_examples = examples.len();
    for c in &cfg.corrections {
        hash(c)?;
        let cols = LabelColumns {
            themes: Some("themes".into()),
            sentiment: Some("sentiment".into()),
            ..Default::default()
        };
        examples.extend(labelled::read(c, &cols)?);
    }
    let mut extra: Vec<Labelled> = Vec::new();
    for e in &cfg.extra {
        hash(e)?;
        extra.extend(labelled::read(e, &LabelColumns::default())?);
    }
    log(&format!(
        "embedding {} examples and {} extra sentiment texts...",
        examples.len(),
        extra.len()
    ));
    let ex_texts: Vec<String> = examples.iter().map(|e| e.text.clone()).collect();
    let ex_emb = embed_cached(encoder.as_ref(), &ex_texts)?;
    let extra_texts: Vec<String> = extra.iter().map(|e| e.text.clone()).collect();
    let extra_emb = embed_cached(encoder.as_ref(), &extra_texts)?;

    // Sentiment: examples and extra data with a 3-class label ("mixed" comes from clauses),
    // each embedding followed by the lexicon's features of the same text.
    let lex_tagger = LexiconTagger::new(&LexiconConfig {
        taxonomy: taxonomy.clone(),
        lexicon: lexicon.clone(),
    })?;
    let lex_of = |text: &str| lex_tagger.tag(&prepare(text, lexicon));
    let mut sx = Vec::new();
    let mut sy = Vec::new();
    let mut sw = Vec::new();
    let in_domain = examples.iter().zip(&ex_emb).map(|(e, v)| (e, v, 1.0));
    let off_domain = extra
        .iter()
        .zip(&extra_emb)
        .map(|(e, v)| (e, v, cfg.settings.extra_weight));
    for (e, v, w) in in_domain.chain(off_domain) {
        if let Some(k) = e.sentiment.as_deref().and_then(sentiment_index) {
            if w > 0.0 {
                sx.push(sentiment_input(v, &lex_of(&e.text)));
                sy.push(k);
                sw.push(w);
            }
        }
    }
    let labels: Vec<String> = SENTIMENT_LABELS.iter().map(|s| s.to_string()).collect();
    log(&format!(
        "training the sentiment head on {} texts...",
        sx.len()
    ));
    let sentiment = heads::train_softmax_weighted(&labels, &sx, &sy, &sw, &cfg.settings);

    // Themes: labelled examples (off-domain data has no theme labels), plus the example
    // sentences of every theme of the taxonomy: a user's own theme learns from its examples
    // (`npsight train --taxonomy FILE`), with the labelled comments as its negatives.
    let ids: Vec<String> = taxonomy.themes.iter().map(|t| t.id.clone()).collect();
    let mut tx = Vec::new();
    let mut ty = Vec::new();
    for (e, v) in examples.iter().zip(&ex_emb) {
        if let Some(themes) = &e.themes {
            tx.push(v.clone());
            ty.push(
                ids.iter()
                    .map(|id| themes.iter().any(|(t, _)| t == id))
                    .collect::<Vec<bool>>(),
            );
        }
    }
    let tax_examples: Vec<(usize, String)> = taxonomy
        .themes
        .iter()
        .enumerate()
        .flat_map(|(k, t)| t.examples.values().flatten().map(move |x| (k, x.clone())))
        .collect();
    let tax_texts: Vec<String> = tax_examples.iter().map(|(_, t)| t.clone()).collect();
    let tax_emb = embed_cached(encoder.as_ref(), &tax_texts)?;
    let n_labelled = tx.len();
    for ((k, _), v) in tax_examples.iter().zip(&tax_emb) {
        tx.push(v.clone());
        ty.push((0..ids.len()).map(|j| j == *k).collect());
    }
    log(&format!(
        "training the theme head on {} texts ({} taxonomy examples)...",
        tx.len(),
        tax_examples.len()
    ));
    let mut themes = heads::train_sigmoid(&ids, &tx, &ty, &cfg.settings);

    // The rule per theme on dev (see heads::choose_rule), with p the max over the comment and
    // its clauses, as the analyser computes it.
    themes.vetoes = vec![0.0; ids.len()];
    log("choosing the theme rules on the dev split...");
    let lex_tagger = LexiconTagger::new(&LexiconConfig {
        taxonomy: taxonomy.clone(),
        lexicon: lexicon.clone(),
    })?;
    let prepared: Vec<_> = dev.iter().map(|d| prepare(&d.text, lexicon)).collect();
    let lexical = lex_tagger.classify(&prepared)?;
    let mut unit_texts = Vec::new();
    let mut owners = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        unit_texts.push(p.text.clone());
        owners.push(i);
        if p.clauses.len() > 1 {
            for c in &p.clauses {
                unit_texts
                    .push(p.span_text(p.tokens[c.tokens.0].start, p.tokens[c.tokens.1 - 1].end));
                owners.push(i);
            }
        }
    }
    let unit_emb = embed_cached(encoder.as_ref(), &unit_texts)?;
    let mut best_p = vec![vec![0f32; ids.len()]; dev.len()];
    for (u, owner) in owners.iter().enumerate() {
        let p = themes.predict(&unit_emb[u]);
        for (k, v) in p.iter().enumerate() {
            best_p[*owner][k] = best_p[*owner][k].max(*v);
        }
    }
    for k in 0..ids.len() {
        let truth: Vec<bool> = dev
            .iter()
            .map(|d| {
                d.themes
                    .as_ref()
                    .is_some_and(|t| t.iter().any(|(id, _)| *id == ids[k]))
            })
            .collect();
        let mut hit: Vec<bool> = (0..dev.len())
            .map(|i| lexical[i].themes.iter().any(|t| t.theme == k))
            .collect();
        let mut p: Vec<f32> = (0..dev.len()).map(|i| best_p[i][k]).collect();
        let mut truth = truth;
        let mut min_hits = heads::MODEL_ONLY_MIN_HITS;
        if truth.iter().filter(|t| **t).count() < MIN_DEV_MENTIONS {
            // A theme the dev split hardly knows (a user's own): calibrate on half of its
            // taxonomy examples, held out from a head trained without them, against the dev
            // comments as negatives.
            let held: Vec<usize> = (0..tax_examples.len())
                .filter(|i| tax_examples[*i].0 == k)
                .skip(1)
                .step_by(2)
                .collect();
            if !held.is_empty() {
                min_hits = min_hits.min(held.len() as u32);
                let keep: Vec<usize> = (0..tx.len())
                    .filter(|i| *i < n_labelled || !held.contains(&(*i - n_labelled)))
                    .collect();
                let kx: Vec<Vec<f32>> = keep.iter().map(|i| tx[*i].clone()).collect();
                let ky: Vec<Vec<bool>> = keep.iter().map(|i| vec![ty[*i][k]]).collect();
                let one = heads::train_sigmoid(&ids[k..=k], &kx, &ky, &cfg.settings);
                p = vec![0f32; dev.len()];
                for (u, owner) in owners.iter().enumerate() {
                    p[*owner] = p[*owner].max(one.predict(&unit_emb[u])[0]);
                }
                for &h in &held {
                    let ex = &tax_examples[h].1;
                    p.push(one.predict(&tax_emb[h])[0]);
                    truth.push(true);
                    hit.push(
                        lex_tagger
                            .tag(&prepare(ex, lexicon))
                            .themes
                            .iter()
                            .any(|t| t.theme == k),
                    );
                }
            }
        }
        let (veto, t, _) = heads::choose_rule_with(&p, &hit, &truth, min_hits);
        themes.thresholds[k] = t;
        themes.vetoes[k] = veto;
    }

    let sentiment_json = sentiment.to_json();
    let themes_json = themes.to_json();
    std::fs::create_dir_all(&cfg.out_dir)
        .with_context(|| format!("{}: cannot create", cfg.out_dir.display()))?;
    let heads = Heads {
        sentiment: sentiment.clone(),
        themes: themes.clone(),
        id: sha256_hex(format!("{sentiment_json}{themes_json}").as_bytes())[..12].to_string(),
    };
    let combined = CombinedTagger::new(
        lex_tagger,
        lexicon.clone(),
        encoder.clone(),
        heads,
        taxonomy,
    )?;
    let report = eval::evaluate(
        &dev,
        "models/examples/dev.csv",
        taxonomy,
        lexicon,
        &combined,
        false,
    )?;
    let dev_figures: BTreeMap<String, serde_json::Value> = report
        .by_language
        .iter()
        .map(|(l, s)| {
            (l.clone(), serde_json::json!({ "n": s.n, "theme_micro_f1": s.themes_micro.f1, "sentiment_accuracy": s.sentiment.accuracy }))
        })
        .collect();
    let manifest = Manifest {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        encoder_id: encoder.id(),
        settings: cfg.settings,
        data_sha256,
        train_examples: n_examples,
        extra_sentiment_examples: extra.len(),
        sentiment_sha256: sha256_hex(sentiment_json.as_bytes()),
        themes_sha256: sha256_hex(themes_json.as_bytes()),
        dev: serde_json::json!({
            "theme_micro_f1": report.overall.themes_micro.f1,
            "theme_macro_f1": report.overall.themes_macro_f1,
            "sentiment_accuracy": report.overall.sentiment.accuracy,
            "by_language": dev_figures,
        }),
    };
    // The three files are one model: replaced together (a killed run leaves the old heads or
    // the new ones, never a mix), and a second `train` on the same folder is refused.
    let mut manifest_json = serde_json::to_vec_pretty(&manifest)?;
    manifest_json.push(b'\n');
    crate::output::atomic::write_outputs(
        &cfg.out_dir,
        &[
            ("sentiment.json", sentiment_json.as_bytes()),
            ("themes.json", themes_json.as_bytes()),
            ("manifest.json", &manifest_json),
        ],
    )?;
    Ok(Trained {
        manifest,
        dev: report,
    })
}
