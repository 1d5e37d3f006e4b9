//! Sentence encoders: text in, one L2-normalised vector per text out, in input order.
//!
//! Same shape as every model in this project: [`EncoderConfig`] -> [`OnnxEncoder::new`] ->
//! batch [`Encoder::embed`]. The ONNX backend runs multilingual-e5-small (converted by
//! `scripts/fetch-models`) through ONNX Runtime with the e5 conventions: NFC, the `"query: "`
//! prefix, mean pooling over the real tokens, L2. Texts longer than the model's 512 positions
//! are never truncated: they are cut into windows that are embedded separately and averaged
//! (see [`batching`]), and [`EmbedStats`] counts them so the pipeline can report it.
//! [`HashingEncoder`] is a deterministic stand-in behind the same trait for fast tests.

pub mod batching;
pub mod core;
pub mod fake;
pub mod onnx;
#[cfg(feature = "torch")]
pub mod torch;
pub mod unigram;

use std::path::PathBuf;

use anyhow::Result;

pub use fake::HashingEncoder;
pub use onnx::OnnxEncoder;
#[cfg(feature = "torch")]
pub use torch::TorchEncoder;

/// A sentence encoder. Implementations are deterministic for a given input list and return one
/// L2-normalised vector of [`Encoder::dim`] floats per text, in input order.
pub trait Encoder: Send + Sync {
    /// Identifies the model for the run fingerprint (name, weights and tokenizer hashes, settings
    /// that change the vectors).
    fn id(&self) -> String;
    fn dim(&self) -> usize;
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
    /// [`Encoder::embed`] plus counts for the run summary. The default suits encoders without a
    /// length limit: nothing is ever windowed.
    fn embed_with_stats(&self, texts: &[&str]) -> Result<(Vec<Vec<f32>>, EmbedStats)> {
        let vectors = self.embed(texts)?;
        let stats = EmbedStats {
            texts: texts.len(),
            windows: texts.len(),
            ..EmbedStats::default()
        };
        Ok((vectors, stats))
    }
}

/// Which ONNX graph of the model folder to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelFile {
    /// `model_int8.onnx`: statically quantised (per-channel int8 weights, activation scales
    /// fixed at conversion), about twice as fast as fp32, cosine 0.999 to it on average (the
    /// converter checks min >= 0.99); independent of batching like fp32.
    #[default]
    Int8,
    /// `model.onnx`: float32, the reference; independent of batching to ~1e-6.
    Fp32,
}

impl ModelFile {
    pub fn file_name(self) -> &'static str {
        match self {
            ModelFile::Int8 => "model_int8.onnx",
            ModelFile::Fp32 => "model.onnx",
        }
    }
}

impl std::str::FromStr for ModelFile {
    type Err = anyhow::Error;

    /// `int8` or `fp32`, as a command-line flag would spell them.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "int8" => Ok(ModelFile::Int8),
            "fp32" => Ok(ModelFile::Fp32),
            _ => anyhow::bail!("unknown model precision {s:?}: expected int8 or fp32"),
        }
    }
}

/// Settings of an [`OnnxEncoder`].
///
/// Threads: the encoder keeps `sessions` ONNX Runtime sessions and runs batches on the rayon
/// pool, one session per worker, each session using `intra_threads` threads. CPU threads busy
/// at once = `sessions * intra_threads` (tokenising, also on rayon, happens before, not during,
/// inference), so the defaults (one session per rayon worker, one thread each) use exactly the
/// rayon pool's cores and never oversubscribe.
#[derive(Debug, Clone)]
pub struct EncoderConfig {
    /// Folder with `config.json`, `tokenizer.json` and the ONNX files, as written by
    /// `scripts/fetch-models`.
    pub model_dir: PathBuf,
    pub model_file: ModelFile,
    /// Most windows (texts) per inference batch. 8 was the fastest on 2 cores for comments of
    /// 10-40 words (about 50 tokens): larger batches only add padding and cache misses once
    /// batches are sorted by length.
    pub max_batch: usize,
    /// Most padded tokens (batch size x longest window) per batch; bounds memory for long texts.
    pub max_batch_tokens: usize,
    /// Most tokens per window including `<s>` and `</s>`; capped by the model's
    /// `max_position_embeddings`. Longer texts are windowed, never truncated.
    pub max_seq_len: usize,
    /// ONNX Runtime sessions (each holds its own copy of the weights); 0 means one per rayon
    /// worker thread.
    pub sessions: usize,
    /// Intra-op threads per session.
    pub intra_threads: usize,
    /// Prepended to every text after NFC normalisation (e5 expects `"query: "` or `"passage: "`).
    pub prefix: String,
    /// Group texts of similar token length into a batch so padding stays small. Off only to
    /// measure what it saves.
    pub sort_by_length: bool,
    /// The ONNX Runtime shared library; `None` searches as [`onnx::find_ort_library`] says.
    pub ort_library: Option<PathBuf>,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig {
            model_dir: PathBuf::from("models/multilingual-e5-small"),
            model_file: ModelFile::Int8,
            max_batch: 8,
            max_batch_tokens: 8192,
            max_seq_len: 512,
            sessions: 0,
            intra_threads: 1,
            prefix: "query: ".to_string(),
            sort_by_length: true,
            ort_library: None,
        }
    }
}

/// Counts from one or more [`Encoder::embed_with_stats`] calls; merge them across calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbedStats {
    pub texts: usize,
    /// Texts longer than one window, embedded as several windows and averaged.
    pub windowed_texts: usize,
    pub windows: usize,
    pub batches: usize,
    /// Real tokens fed to the model, `<s>`/`</s>` included.
    pub tokens: usize,
    /// Tokens fed including padding (`tokens / padded_tokens` is the batching efficiency).
    pub padded_tokens: usize,
}

impl EmbedStats {
    pub fn merge(&mut self, other: &EmbedStats) {
        self.texts += other.texts;
        self.windowed_texts += other.windowed_texts;
        self.windows += other.windows;
        self.batches += other.batches;
        self.tokens += other.tokens;
        self.padded_tokens += other.padded_tokens;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn encoders_are_send_and_sync() {
        assert_send_sync::<OnnxEncoder>();
        assert_send_sync::<HashingEncoder>();
        assert_send_sync::<Box<dyn Encoder>>();
    }

    #[test]
    fn model_file_parses_from_flag_values() {
        assert_eq!("INT8".parse::<ModelFile>().unwrap(), ModelFile::Int8);
        assert_eq!(
            "fp32".parse::<ModelFile>().unwrap().file_name(),
            "model.onnx"
        );
        assert!("fp16"
            .parse::<ModelFile>()
            .unwrap_err()
            .to_string()
            .contains("int8 or fp32"));
    }

    #[test]
    fn stats_merge_adds_every_field() {
        let a = EmbedStats {
            texts: 2,
            windowed_texts: 1,
            windows: 3,
            batches: 1,
            tokens: 40,
            padded_tokens: 60,
        };
        let mut b = a;
        b.merge(&a);
        assert_eq!(
            b,
            EmbedStats {
                texts: 4,
                windowed_texts: 2,
                windows: 6,
                batches: 2,
                tokens: 80,
                padded_tokens: 120
            }
        );
    }
}
