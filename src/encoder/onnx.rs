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

use anyhow::{anyhow, bail, ensure, Result};
use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, PrepackedWeights};
use ort::session::Session;
use ort::value::Tensor;

use super::batching::Window;
use super::core::{Padded, TextBatcher};
use super::{EmbedStats, Encoder, EncoderConfig};

pub use super::core::FETCH_HINT;
/// Where `scripts/fetch-models` links the ONNX Runtime library, relative to the repository root.
pub const LIBRARY_DIR: &str = ".cache/lib";

/// Sentence encoder over an ONNX graph with inputs `input_ids`, `attention_mask` (int64
/// `[batch, seq]`) and output `last_hidden_state` (`[batch, seq, dim]`).
pub struct OnnxEncoder {
    text: TextBatcher,
    sessions: Vec<Mutex<Session>>,
    id: String,
}

impl OnnxEncoder {
    pub fn new(config: &EncoderConfig) -> Result<Self> {
        let dir = &config.model_dir;
        let file = config.model_file.file_name();
        let text = TextBatcher::load(config, file)?;
        let model_path = dir.join(file);
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

        let id = text.id(dir, file)?;
        Ok(OnnxEncoder { text, sessions, id })
    }

    /// Content token ids of one text: NFC, then prefix, then the tokenizer without specials.
    pub fn content_ids(&self, text: &str) -> Result<Vec<u32>> {
        self.text.content_ids(text)
    }

    /// Tokens per window, `<s>` and `</s>` included.
    pub fn max_seq_len(&self) -> usize {
        self.text.max_seq_len
    }

    /// Runs one padded batch and returns each window's mean hidden state.
    fn run_batch(&self, windows: &[&Window]) -> Result<Vec<Vec<f32>>> {
        let Padded {
            rows,
            seq,
            ids,
            mask,
        } = self.text.pad(windows);
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
        let expected = [rows as i64, seq as i64, self.text.dim() as i64];
        ensure!(
            **shape == expected,
            "last_hidden_state has shape {shape:?}, expected {expected:?}"
        );
        Ok(self.text.pool(windows, seq, data))
    }
}

impl Encoder for OnnxEncoder {
    fn id(&self) -> String {
        self.id.clone()
    }

    fn dim(&self) -> usize {
        self.text.dim()
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(self.embed_with_stats(texts)?.0)
    }

    fn embed_with_stats(&self, texts: &[&str]) -> Result<(Vec<Vec<f32>>, EmbedStats)> {
        self.text.embed_with(texts, &|batch| self.run_batch(batch))
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
