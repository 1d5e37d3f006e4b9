//! What every transformer backend shares: the model folder's `config.json` and `tokenizer.json`,
//! the e5 text conventions (NFC, prefix), parallel tokenisation, windows for long texts,
//! length-bucketed batches and the weighted combination of window means. A backend only runs
//! one padded batch ([`TextBatcher::embed_with`] calls it, possibly from several rayon workers
//! at once) and returns each window's mean hidden state.

use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use rayon::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use super::batching::{self, Combiner, Window};
use super::unigram::TextTokenizer;
use super::{EmbedStats, EncoderConfig};

/// What a user is told to do when the model or the runtime is missing.
pub const FETCH_HINT: &str = "run scripts/fetch-models";

/// The fields of the model folder's `config.json` the encoders need.
#[derive(Debug, Clone, Deserialize)]
pub struct ModelConfig {
    pub hidden_size: usize,
    pub max_position_embeddings: usize,
    pub bos_token_id: u32,
    pub eos_token_id: u32,
    pub pad_token_id: u32,
}

/// A backend's batch runner: padded windows in, one mean hidden state per window out.
pub type RunBatch<'a> = dyn Fn(&[&Window]) -> Result<Vec<Vec<f32>>> + Sync + 'a;

/// Tokeniser, windowing and batching settings of one encoder.
pub struct TextBatcher {
    tokenizer: TextTokenizer,
    pub model: ModelConfig,
    /// Tokens per window, `<s>`/`</s>` included: the config's limit capped by the model's.
    pub max_seq_len: usize,
    max_batch: usize,
    max_batch_tokens: usize,
    sort_by_length: bool,
    pub prefix: String,
    pub pad: i64,
}

/// One padded batch, row-major `[rows, seq]`.
pub struct Padded {
    pub rows: usize,
    pub seq: usize,
    pub ids: Vec<i64>,
    pub mask: Vec<i64>,
}

impl TextBatcher {
    /// Check the folder and the settings, load `config.json` and `tokenizer.json`; `weights`
    /// is the backend's weights file, checked to exist so that every missing file gets the same
    /// message.
    pub fn load(config: &EncoderConfig, weights: &str) -> Result<TextBatcher> {
        ensure!(
            config.max_batch >= 1,
            "encoder max_batch must be at least 1"
        );
        ensure!(
            config.max_seq_len >= 3,
            "encoder max_seq_len must be at least 3 (<s>, a token, </s>)"
        );
        ensure!(
            config.intra_threads >= 1,
            "encoder intra_threads must be at least 1"
        );
        let dir = &config.model_dir;
        if !dir.is_dir() {
            bail!(
                "model folder {} not found: {FETCH_HINT} to create it (or point the model \
                 folder at one holding config.json, tokenizer.json and {weights})",
                dir.display()
            );
        }
        let (config_path, tokenizer_path, weights_path) = (
            dir.join("config.json"),
            dir.join("tokenizer.json"),
            dir.join(weights),
        );
        for path in [&config_path, &tokenizer_path, &weights_path] {
            ensure!(
                path.is_file(),
                "{} is missing: {FETCH_HINT} to (re)create the model folder",
                path.display()
            );
        }
        let model: ModelConfig = serde_json::from_str(
            &std::fs::read_to_string(&config_path)
                .with_context(|| format!("reading {}", config_path.display()))?,
        )
        .with_context(|| format!("{}: not a BERT config.json", config_path.display()))?;
        let tokenizer = TextTokenizer::from_file(&tokenizer_path).map_err(|e| {
            anyhow!(
                "{}: cannot load the tokenizer: {e:#}",
                tokenizer_path.display()
            )
        })?;
        Ok(TextBatcher {
            tokenizer,
            max_seq_len: config.max_seq_len.min(model.max_position_embeddings),
            max_batch: config.max_batch,
            max_batch_tokens: config.max_batch_tokens,
            sort_by_length: config.sort_by_length,
            prefix: config.prefix.clone(),
            pad: i64::from(model.pad_token_id),
            model,
        })
    }

    pub fn dim(&self) -> usize {
        self.model.hidden_size
    }

    /// The part of an encoder id every backend shares.
    pub fn id(&self, dir: &Path, weights: &str) -> Result<String> {
        Ok(format!(
            "{}/{weights} sha256:{} tokenizer sha256:{} prefix={:?} window={}",
            dir.file_name().map_or_else(
                || dir.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            ),
            file_sha256(dir, weights)?,
            file_sha256(dir, "tokenizer.json")?,
            self.prefix,
            self.max_seq_len
        ))
    }

    /// Content token ids of one text: NFC, then prefix, then the tokenizer without specials.
    pub fn content_ids(&self, text: &str) -> Result<Vec<u32>> {
        let input = format!("{}{}", self.prefix, text.nfc().collect::<String>());
        self.tokenizer
            .ids(&input, false)
            .map_err(|e| anyhow!("tokenising {:?}: {e}", preview(text)))
    }

    /// Pad a batch of windows with the model's pad id.
    pub fn pad(&self, windows: &[&Window]) -> Padded {
        let rows = windows.len();
        let seq = windows.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let mut ids = vec![self.pad; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        for (r, w) in windows.iter().enumerate() {
            ids[r * seq..r * seq + w.ids.len()].copy_from_slice(&w.ids);
            mask[r * seq..r * seq + w.ids.len()].fill(1);
        }
        Padded {
            rows,
            seq,
            ids,
            mask,
        }
    }

    /// Mean-pool each window's rows of a `[rows, seq, dim]` hidden state.
    pub fn pool(&self, windows: &[&Window], seq: usize, hidden: &[f32]) -> Vec<Vec<f32>> {
        let dim = self.dim();
        windows
            .iter()
            .enumerate()
            .map(|(r, w)| {
                batching::mean_pool(
                    &hidden[r * seq * dim..(r + 1) * seq * dim],
                    w.ids.len(),
                    dim,
                )
            })
            .collect()
    }

    /// Tokenise in parallel, cut windows, batch by length, run `run` on every batch (on the
    /// rayon pool) and combine the window means per text, in input order.
    ///
    /// Exact duplicates among `texts` are tokenised and embedded once and their vector copied
    /// (exports repeat short comments and clauses such as "Great service" or "thanks" a lot).
    /// The cache lives for one call (one pipeline batch: its comments and their clauses), not
    /// for the run: which batch first embeds a text would then depend on thread timing, and a
    /// text's vector varies with its batch's padding in the last float bits; per call the result
    /// is a function of the input alone. `EmbedStats::texts` and `windowed_texts` still count
    /// every text given; `windows`, `batches` and the token counts count the work done.
    pub fn embed_with(
        &self,
        texts: &[&str],
        run: &RunBatch,
    ) -> Result<(Vec<Vec<f32>>, EmbedStats)> {
        let mut first: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::with_capacity(texts.len());
        let mut distinct: Vec<&str> = Vec::with_capacity(texts.len());
        let slot: Vec<usize> = texts
            .iter()
            .map(|t| {
                *first.entry(t).or_insert_with(|| {
                    distinct.push(t);
                    distinct.len() - 1
                })
            })
            .collect();
        let (vectors, mut stats, long) = self.embed_distinct(&distinct, run)?;
        stats.texts = texts.len();
        stats.windowed_texts = slot.iter().filter(|&&s| long[s]).count();
        let vectors = if distinct.len() == texts.len() {
            vectors
        } else {
            slot.iter().map(|&s| vectors[s].clone()).collect()
        };
        Ok((vectors, stats))
    }

    /// [`TextBatcher::embed_with`] without the duplicate check; also says which texts were
    /// longer than one window.
    fn embed_distinct(
        &self,
        texts: &[&str],
        run: &RunBatch,
    ) -> Result<(Vec<Vec<f32>>, EmbedStats, Vec<bool>)> {
        let content = texts
            .par_iter()
            .map(|t| {
                let _t = crate::timings::start(crate::timings::Stage::Tokenise);
                self.content_ids(t)
            })
            .collect::<Result<Vec<_>>>()?;
        let (bos, eos) = (self.model.bos_token_id, self.model.eos_token_id);
        let windows: Vec<Window> = content
            .iter()
            .enumerate()
            .flat_map(|(i, ids)| batching::windows(i, ids, self.max_seq_len, bos, eos))
            .collect();
        let lengths: Vec<usize> = windows.iter().map(|w| w.ids.len()).collect();
        let batches = batching::plan(
            &lengths,
            self.max_batch,
            self.max_batch_tokens,
            self.sort_by_length,
        );
        let means = batches
            .par_iter()
            .map(|batch| {
                let rows: Vec<&Window> = batch.iter().map(|&i| &windows[i]).collect();
                crate::timings::batch_shape(
                    rows.len(),
                    rows.iter().map(|w| w.ids.len()).max().unwrap_or(0),
                );
                let _wall = crate::timings::start(crate::timings::Stage::EncodeWall);
                let _cpu = crate::timings::start(crate::timings::Stage::Encode);
                run(&rows)
            })
            .collect::<Result<Vec<_>>>()?;

        let mut combiner = Combiner::new(texts.len(), self.dim());
        for (batch, batch_means) in batches.iter().zip(&means) {
            ensure!(
                batch.len() == batch_means.len(),
                "the encoder returned {} vectors for {} windows",
                batch_means.len(),
                batch.len()
            );
            for (&w, mean) in batch.iter().zip(batch_means) {
                combiner.add(windows[w].text, windows[w].weight, mean);
            }
        }
        let width = self.max_seq_len - 2;
        let long: Vec<bool> = content.iter().map(|ids| ids.len() > width).collect();
        let stats = EmbedStats {
            texts: texts.len(),
            windowed_texts: long.iter().filter(|&&l| l).count(),
            windows: windows.len(),
            batches: batches.len(),
            tokens: lengths.iter().sum(),
            padded_tokens: batches
                .iter()
                .map(|b| b.len() * b.iter().map(|&i| lengths[i]).max().unwrap_or(0))
                .sum(),
        };
        Ok((combiner.finish(), stats, long))
    }
}

/// First 12 hex digits of a file's sha256: from the folder's `manifest.json` when it lists the
/// file (hashing 470 MB takes a second or two), else computed.
pub fn file_sha256(dir: &Path, name: &str) -> Result<String> {
    let from_manifest = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|m| m["files"][name]["sha256"].as_str().map(str::to_string));
    let hex = match from_manifest {
        Some(hex) => hex,
        None => {
            let path = dir.join(name);
            let mut file = std::fs::File::open(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let mut hasher = Sha256::new();
            std::io::copy(&mut file, &mut hasher)
                .with_context(|| format!("reading {}", path.display()))?;
            hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        }
    };
    Ok(hex.chars().take(12).collect())
}

fn preview(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// The committed tiny fixture's tokenizer and config (32 positions, 32 dimensions); no
    /// ONNX Runtime needed: the batches go to a counting stand-in for the forward pass.
    fn tiny() -> TextBatcher {
        let config = EncoderConfig {
            model_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-encoder"),
            max_batch: 2,
            ..EncoderConfig::default()
        };
        TextBatcher::load(&config, "model.onnx").expect("tiny fixture loads")
    }

    /// A forward pass that counts the windows it is given and returns a vector that depends on
    /// the window's ids alone.
    fn counting(
        calls: &AtomicUsize,
        dim: usize,
    ) -> impl Fn(&[&Window]) -> Result<Vec<Vec<f32>>> + Sync + '_ {
        move |windows: &[&Window]| {
            calls.fetch_add(windows.len(), Ordering::SeqCst);
            Ok(windows
                .iter()
                .map(|w| {
                    let mut v = vec![0f32; dim];
                    for (k, id) in w.ids.iter().enumerate() {
                        v[(*id as usize + k) % dim] += 1.0 + k as f32;
                    }
                    v
                })
                .collect())
        }
    }

    #[test]
    fn exact_duplicates_are_embedded_once_and_get_the_same_vector() {
        let b = tiny();
        let texts = [
            "great service",
            "on hold for ages",
            "great service",
            "Great service",
            "on hold for ages",
            "great service",
        ];
        let calls = AtomicUsize::new(0);
        let (vectors, stats) = b.embed_with(&texts, &counting(&calls, b.dim())).unwrap();
        // Three distinct texts, each one window: the forward pass saw three windows, not six.
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(stats.texts, 6);
        assert_eq!(stats.windows, 3);
        assert_eq!(vectors.len(), 6);
        assert_eq!(vectors[0], vectors[2]);
        assert_eq!(vectors[0], vectors[5]);
        assert_eq!(vectors[1], vectors[4]);
        // Case differs: a different text, a different vector.
        assert_ne!(vectors[0], vectors[3]);

        // The same vectors as embedding each distinct text without its duplicates.
        let calls = AtomicUsize::new(0);
        let (alone, _) = b
            .embed_with(
                &["great service", "on hold for ages", "Great service"],
                &counting(&calls, b.dim()),
            )
            .unwrap();
        assert_eq!(vectors[0], alone[0]);
        assert_eq!(vectors[1], alone[1]);
        assert_eq!(vectors[3], alone[2]);
    }

    #[test]
    fn windowed_texts_count_every_occurrence_but_windows_are_run_once() {
        let b = tiny();
        let long = "the agent put me on hold and then transferred me again and again ".repeat(4);
        let texts = [long.as_str(), "ok", long.as_str()];
        let calls = AtomicUsize::new(0);
        let (vectors, stats) = b.embed_with(&texts, &counting(&calls, b.dim())).unwrap();
        assert!(stats.windows > 2, "the long text needs several windows");
        assert_eq!(stats.windowed_texts, 2, "both occurrences are windowed");
        assert_eq!(calls.load(Ordering::SeqCst), stats.windows);
        let (_, single) = b
            .embed_with(
                &[long.as_str(), "ok"],
                &counting(&AtomicUsize::new(0), b.dim()),
            )
            .unwrap();
        assert_eq!(stats.windows, single.windows);
        assert_eq!(vectors[0], vectors[2]);
    }
}
