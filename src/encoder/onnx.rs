//! The ONNX Runtime backend of [`Encoder`]: multilingual-e5-small (or any BERT-shaped graph
//! with the same inputs and outputs) from a folder written by `scripts/fetch-models`.
//!
//! Design choices:
//! - **Runtime loaded at run time.** `ort` is built with `load-dynamic`: nothing is downloaded
//!   at build time and the binary runs without ONNX Runtime until an encoder is asked for. The
//!   library is found by [`find_ort_library`]; ONNX Runtime allows one environment per process,
//!   so the first library loaded serves every later encoder.
//! - **Pooling done here, not in the graph.** The graph's `sentence_embedding` output pools a
//!   whole input; windowed texts need the un-normalised mean of each window, so the encoder
//!   reads `last_hidden_state` and pools with [`batching`] for every text alike.
//! - **A pool of sessions, one per rayon worker.** `Session::run` takes `&mut self` in ort
//!   2.0.0-rc.15, so each session sits behind a `Mutex`; a rayon worker locks the session of its
//!   own index, so with the default (as many sessions as workers) no lock is ever contended. Each
//!   session has `intra_threads` threads (default 1): parallelism comes from running batches on
//!   different workers, which for batches of short comments beats one session splitting each
//!   small matrix product over threads. Sessions of one encoder share pre-packed weights.
//! - **Tokenise in parallel, then batch by length.** Tokenising runs on rayon over texts; windows
//!   are sorted by length and padded per batch ([`batching::plan`]); results come back in input
//!   order. The tokenizer's own truncation and padding are switched off: nothing is ever cut.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{anyhow, bail, ensure, Context, Result};
use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, PrepackedWeights};
use ort::session::Session;
use ort::value::Tensor;
use rayon::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokenizers::Tokenizer;
use unicode_normalization::UnicodeNormalization;

use super::batching::{self, Combiner, Window};
use super::{EmbedStats, Encoder, EncoderConfig};

/// What a user is told to do when the model or the runtime is missing.
pub const FETCH_HINT: &str = "run scripts/fetch-models";
/// Where `scripts/fetch-models` links the ONNX Runtime library, relative to the repository root.
pub const LIBRARY_DIR: &str = ".cache/lib";

/// The fields of the model folder's `config.json` the encoder needs.
#[derive(Debug, Deserialize)]
struct ModelConfig {
    hidden_size: usize,
    max_position_embeddings: usize,
    bos_token_id: u32,
    eos_token_id: u32,
    pad_token_id: u32,
}

/// Sentence encoder over an ONNX graph with inputs `input_ids`, `attention_mask` (int64
/// `[batch, seq]`) and output `last_hidden_state` (`[batch, seq, dim]`).
pub struct OnnxEncoder {
    tokenizer: Tokenizer,
    sessions: Vec<Mutex<Session>>,
    dim: usize,
    /// Tokens per window, `<s>`/`</s>` included: the config's limit capped by the model's.
    max_seq_len: usize,
    max_batch: usize,
    max_batch_tokens: usize,
    sort_by_length: bool,
    prefix: String,
    bos: u32,
    eos: u32,
    pad: i64,
    id: String,
}

impl OnnxEncoder {
    pub fn new(config: &EncoderConfig) -> Result<Self> {
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
        let file = config.model_file.file_name();
        if !dir.is_dir() {
            bail!(
                "model folder {} not found: {FETCH_HINT} to create it (or point the model \
                 folder at one holding config.json, tokenizer.json and {file})",
                dir.display()
            );
        }
        let (config_path, tokenizer_path, model_path) = (
            dir.join("config.json"),
            dir.join("tokenizer.json"),
            dir.join(file),
        );
        for path in [&config_path, &tokenizer_path, &model_path] {
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

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|e| {
            anyhow!(
                "{}: cannot load the tokenizer: {e}",
                tokenizer_path.display()
            )
        })?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| anyhow!("{}: {e}", tokenizer_path.display()))?;
        tokenizer.with_padding(None);

        let library = find_ort_library(config.ort_library.as_deref(), dir)?;
        let environment = environment(&library)?;
        let count = if config.sessions == 0 {
            rayon::current_num_threads()
        } else {
            config.sessions
        };
        let prepacked = PrepackedWeights::new();
        let sessions = (0..count)
            .map(|_| {
                open_session(&environment, &prepacked, &model_path, config.intra_threads)
                    .map(Mutex::new)
            })
            .collect::<Result<Vec<_>>>()?;
        check_signature(&sessions[0], &model_path)?;

        let max_seq_len = config.max_seq_len.min(model.max_position_embeddings);
        let id = format!(
            "{}/{file} sha256:{} tokenizer sha256:{} prefix={:?} window={max_seq_len}",
            dir.file_name().map_or_else(
                || dir.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            ),
            file_sha256(dir, file)?,
            file_sha256(dir, "tokenizer.json")?,
            config.prefix,
        );
        Ok(OnnxEncoder {
            tokenizer,
            sessions,
            dim: model.hidden_size,
            max_seq_len,
            max_batch: config.max_batch,
            max_batch_tokens: config.max_batch_tokens,
            sort_by_length: config.sort_by_length,
            prefix: config.prefix.clone(),
            bos: model.bos_token_id,
            eos: model.eos_token_id,
            pad: i64::from(model.pad_token_id),
            id,
        })
    }

    /// Content token ids of one text: NFC, then prefix, then the tokenizer without specials.
    pub fn content_ids(&self, text: &str) -> Result<Vec<u32>> {
        let input = format!("{}{}", self.prefix, text.nfc().collect::<String>());
        let encoding = self
            .tokenizer
            .encode_fast(input, false)
            .map_err(|e| anyhow!("tokenising {:?}: {e}", preview(text)))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Tokens per window, `<s>` and `</s>` included.
    pub fn max_seq_len(&self) -> usize {
        self.max_seq_len
    }

    /// Runs one padded batch and returns each window's mean hidden state.
    fn run_batch(&self, windows: &[&Window]) -> Result<Vec<Vec<f32>>> {
        let rows = windows.len();
        let seq = windows.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let mut ids = vec![self.pad; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        for (r, w) in windows.iter().enumerate() {
            ids[r * seq..r * seq + w.ids.len()].copy_from_slice(&w.ids);
            mask[r * seq..r * seq + w.ids.len()].fill(1);
        }
        let inputs = ort::inputs![
            "input_ids" => Tensor::from_array(([rows, seq], ids))?,
            "attention_mask" => Tensor::from_array(([rows, seq], mask))?,
        ];
        let slot = rayon::current_thread_index().unwrap_or(0) % self.sessions.len();
        let mut session = self.sessions[slot]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let outputs = session.run(inputs)?;
        let hidden = outputs
            .get("last_hidden_state")
            .ok_or_else(|| anyhow!("the model gave no last_hidden_state"))?;
        let (shape, data) = hidden.try_extract_tensor::<f32>()?;
        let expected = [rows as i64, seq as i64, self.dim as i64];
        ensure!(
            **shape == expected,
            "last_hidden_state has shape {shape:?}, expected {expected:?}"
        );
        Ok(windows
            .iter()
            .enumerate()
            .map(|(r, w)| {
                batching::mean_pool(
                    &data[r * seq * self.dim..(r + 1) * seq * self.dim],
                    w.ids.len(),
                    self.dim,
                )
            })
            .collect())
    }
}

impl Encoder for OnnxEncoder {
    fn id(&self) -> String {
        self.id.clone()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(self.embed_with_stats(texts)?.0)
    }

    fn embed_with_stats(&self, texts: &[&str]) -> Result<(Vec<Vec<f32>>, EmbedStats)> {
        let content = texts
            .par_iter()
            .map(|t| self.content_ids(t))
            .collect::<Result<Vec<_>>>()?;
        let windows: Vec<Window> = content
            .iter()
            .enumerate()
            .flat_map(|(i, ids)| batching::windows(i, ids, self.max_seq_len, self.bos, self.eos))
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
            .map(|batch| self.run_batch(&batch.iter().map(|&i| &windows[i]).collect::<Vec<_>>()))
            .collect::<Result<Vec<_>>>()?;

        let mut combiner = Combiner::new(texts.len(), self.dim);
        for (batch, batch_means) in batches.iter().zip(&means) {
            for (&w, mean) in batch.iter().zip(batch_means) {
                combiner.add(windows[w].text, windows[w].weight, mean);
            }
        }
        let width = self.max_seq_len - 2;
        let stats = EmbedStats {
            texts: texts.len(),
            windowed_texts: content.iter().filter(|ids| ids.len() > width).count(),
            windows: windows.len(),
            batches: batches.len(),
            tokens: lengths.iter().sum(),
            padded_tokens: batches
                .iter()
                .map(|b| b.len() * b.iter().map(|&i| lengths[i]).max().unwrap_or(0))
                .sum(),
        };
        Ok((combiner.finish(), stats))
    }
}

/// The ONNX Runtime shared library to load, first match wins:
/// 1. `explicit` (a configuration value), which must exist;
/// 2. the `ORT_DYLIB_PATH` environment variable, which must exist when set;
/// 3. `.cache/lib/libonnxruntime.so` under the model folder's grandparent (the repository root
///    for `models/<name>`), then under the current directory: where `scripts/fetch-models` puts it.
///
/// The error lists the places searched and names `scripts/fetch-models`.
pub fn find_ort_library(explicit: Option<&Path>, model_dir: &Path) -> Result<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    locate_library(
        explicit,
        std::env::var_os("ORT_DYLIB_PATH"),
        model_dir,
        &cwd,
    )
}

fn locate_library(
    explicit: Option<&Path>,
    env: Option<OsString>,
    model_dir: &Path,
    cwd: &Path,
) -> Result<PathBuf> {
    if let Some(path) = explicit {
        ensure!(
            path.is_file(),
            "ONNX Runtime library {} not found",
            path.display()
        );
        return Ok(path.to_path_buf());
    }
    if let Some(path) = env.filter(|p| !p.is_empty()).map(PathBuf::from) {
        ensure!(
            path.is_file(),
            "ORT_DYLIB_PATH={} does not exist: unset it to use the library from scripts/fetch-models, \
             or point it at libonnxruntime 1.31",
            path.display()
        );
        return Ok(path);
    }
    let name = format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let model_dir = std::fs::canonicalize(model_dir).unwrap_or_else(|_| cwd.join(model_dir));
    let roots = [model_dir.parent().and_then(Path::parent), Some(cwd)];
    let candidates: Vec<PathBuf> = roots
        .iter()
        .flatten()
        .map(|root| root.join(LIBRARY_DIR).join(&name))
        .collect();
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    let searched: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    bail!(
        "ONNX Runtime library not found (searched {}): {FETCH_HINT} to install it, or set \
         ORT_DYLIB_PATH to a libonnxruntime 1.31",
        searched.join(", ")
    )
}

/// The process-wide ONNX Runtime environment, created from the first library asked for.
fn environment(library: &Path) -> Result<Environment> {
    static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);
    let mut slot = ENVIRONMENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let env = ort::init_from(library)
        .map_err(|e| anyhow!("cannot load ONNX Runtime: {e} ({FETCH_HINT} installs version 1.31)"))?
        .with_name("npsight")
        .build()
        .map_err(|e| anyhow!("cannot start ONNX Runtime from {}: {e}", library.display()))?;
    *slot = Some(env.clone());
    Ok(env)
}

fn open_session(
    env: &Environment,
    prepacked: &PrepackedWeights,
    model: &Path,
    intra_threads: usize,
) -> Result<Session> {
    let build = || -> ort::Result<Session> {
        Session::builder(env)?
            .with_optimization_level(GraphOptimizationLevel::All)?
            .with_intra_threads(intra_threads)?
            .with_inter_threads(1)?
            // idle ORT threads must not spin on cores the rayon workers need
            .with_intra_op_spinning(false)?
            .with_prepacked_weights(prepacked)?
            .commit_from_file(model)
    };
    build().map_err(|e| anyhow!("{}: cannot load the ONNX model: {e}", model.display()))
}

fn check_signature(session: &Mutex<Session>, model: &Path) -> Result<()> {
    let session = session.lock().unwrap_or_else(PoisonError::into_inner);
    let inputs: Vec<&str> = session.inputs().iter().map(|o| o.name()).collect();
    let has_hidden = session
        .outputs()
        .iter()
        .any(|o| o.name() == "last_hidden_state");
    ensure!(
        inputs.contains(&"input_ids") && inputs.contains(&"attention_mask") && has_hidden,
        "{}: expected inputs input_ids, attention_mask and output last_hidden_state, found inputs {inputs:?}",
        model.display()
    );
    Ok(())
}

/// First 12 hex digits of a file's sha256: from the folder's `manifest.json` when it lists the
/// file (hashing 470 MB takes a second or two), else computed.
fn file_sha256(dir: &Path, name: &str) -> Result<String> {
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
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"").unwrap();
    }

    #[test]
    fn library_next_to_the_model_folder_is_found() {
        let root = tempfile::tempdir().unwrap();
        let models = root.path().join("models/e5");
        std::fs::create_dir_all(&models).unwrap();
        let lib = root.path().join(LIBRARY_DIR).join("libonnxruntime.so");
        touch(&lib);
        let elsewhere = tempfile::tempdir().unwrap();
        let found = locate_library(None, None, &models, elsewhere.path()).unwrap();
        assert_eq!(
            std::fs::canonicalize(found).unwrap(),
            std::fs::canonicalize(lib).unwrap()
        );
    }

    #[test]
    fn library_in_the_current_directory_is_found() {
        let cwd = tempfile::tempdir().unwrap();
        let lib = cwd.path().join(LIBRARY_DIR).join("libonnxruntime.so");
        touch(&lib);
        let models = tempfile::tempdir().unwrap();
        assert_eq!(
            locate_library(None, None, models.path(), cwd.path()).unwrap(),
            lib
        );
    }

    #[test]
    fn env_var_wins_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("custom.so");
        touch(&lib);
        let got = locate_library(None, Some(lib.clone().into()), dir.path(), dir.path()).unwrap();
        assert_eq!(got, lib);
        let err = locate_library(
            None,
            Some("/nonexistent/libonnxruntime.so".into()),
            dir.path(),
            dir.path(),
        );
        assert!(format!("{:#}", err.unwrap_err()).contains("ORT_DYLIB_PATH"));
    }

    #[test]
    fn missing_library_error_names_the_fetch_script() {
        let dir = tempfile::tempdir().unwrap();
        let err = locate_library(None, None, dir.path(), dir.path()).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("scripts/fetch-models") && msg.contains(LIBRARY_DIR),
            "{msg}"
        );
    }
}
