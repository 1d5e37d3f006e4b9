//! The libtorch backend of [`Encoder`] (cargo feature `torch`): rust-bert's BERT model over the
//! model folder's `model.safetensors`, on the CPU or a CUDA device.
//!
//! It shares everything but the forward pass with the ONNX backend ([`super::core`]): the same
//! tokenizer, prefix, windows, length-bucketed batches and pooling, so the two give the same
//! vectors up to floating-point noise (a test holds them to cosine >= 0.999 against fp32 ONNX).
//!
//! libtorch comes from PyPI's `torch==2.4.0` wheel (the version tch 0.17 and rust-bert 0.23
//! require); `scripts/fetch-libtorch` unpacks a CPU-only set (libtorch_cpu, libc10, libgomp and
//! the two small CUDA runtime libraries libtorch_cpu links against) without the 2.8 GB CUDA tree.
//! For `--device cuda`, point `LIBTORCH` at a full torch 2.4.0 installation before building.
//!
//! One model per encoder behind a mutex: libtorch parallelises each batch over its own intra-op
//! threads (set to the rayon pool's size), so running batches one at a time uses the cores
//! without oversubscribing them.

use std::sync::{Mutex, PoisonError};

use anyhow::{anyhow, bail, ensure, Result};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{nn, Device, Kind, Tensor};

use super::batching::Window;
use super::core::{Padded, TextBatcher};
use super::{EmbedStats, Encoder, EncoderConfig};

pub const WEIGHTS: &str = "model.safetensors";

/// Parse a `--device` value: `cpu`, `cuda` or `cuda:N`. CUDA must be available.
pub fn parse_device(s: &str) -> Result<Device> {
    let device = match s.to_ascii_lowercase().as_str() {
        "cpu" => Device::Cpu,
        "cuda" | "gpu" => Device::Cuda(0),
        other => match other.strip_prefix("cuda:").and_then(|n| n.parse().ok()) {
            Some(n) => Device::Cuda(n),
            None => bail!("unknown device {s:?}: expected cpu, cuda or cuda:N"),
        },
    };
    if let Device::Cuda(n) = device {
        ensure!(
            tch::Cuda::is_available(),
            "--device {s}: libtorch sees no CUDA device (this build links the CPU-only libtorch of \
             scripts/fetch-libtorch unless LIBTORCH pointed at a CUDA build; use --device cpu)"
        );
        let count = tch::Cuda::device_count() as usize;
        ensure!(n < count, "--device {s}: only {count} CUDA device(s)");
    }
    Ok(device)
}

/// rust-bert's `BertConfig` from a Hugging Face `config.json`, with the defaults of
/// transformers' `BertConfig` for the fields a minimal file may leave out (rust-bert's own
/// loader panics on them).
pub fn bert_config(path: &std::path::Path) -> Result<BertConfig> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow!("reading {}: {e}", path.display()))?;
    let mut v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| anyhow!("{}: not a JSON object", path.display()))?;
    for (k, d) in [
        ("hidden_act", serde_json::json!("gelu")),
        ("attention_probs_dropout_prob", serde_json::json!(0.1)),
        ("hidden_dropout_prob", serde_json::json!(0.1)),
        ("initializer_range", serde_json::json!(0.02)),
        ("type_vocab_size", serde_json::json!(2)),
        ("layer_norm_eps", serde_json::json!(1e-12)),
    ] {
        obj.entry(k).or_insert(d);
    }
    serde_json::from_value(v).map_err(|e| anyhow!("{}: not a BERT config: {e}", path.display()))
}

pub struct TorchEncoder {
    text: TextBatcher,
    model: Mutex<BertModel<BertEmbeddings>>,
    device: Device,
    id: String,
    // Owns the weights the model's tensors point into.
    _vs: nn::VarStore,
}

impl TorchEncoder {
    pub fn new(config: &EncoderConfig, device: Device) -> Result<Self> {
        let dir = &config.model_dir;
        let text = TextBatcher::load(config, WEIGHTS)?;
        let bert_config = bert_config(&dir.join("config.json"))?;
        let mut vs = nn::VarStore::new(device);
        let model =
            BertModel::<BertEmbeddings>::new_with_optional_pooler(vs.root(), &bert_config, false);
        vs.load(dir.join(WEIGHTS)).map_err(|e| {
            anyhow!(
                "{}: cannot load the weights: {e}",
                dir.join(WEIGHTS).display()
            )
        })?;
        vs.freeze();
        tch::set_num_threads(rayon::current_num_threads().max(1) as i32);
        let id = format!("torch {} device={device:?}", text.id(dir, WEIGHTS)?);
        Ok(TorchEncoder {
            text,
            model: Mutex::new(model),
            device,
            id,
            _vs: vs,
        })
    }

    fn run_batch(&self, windows: &[&Window]) -> Result<Vec<Vec<f32>>> {
        let Padded {
            rows,
            seq,
            ids,
            mask,
        } = self.text.pad(windows);
        let shape = [rows as i64, seq as i64];
        let ids = Tensor::from_slice(&ids).view(shape).to(self.device);
        let mask = Tensor::from_slice(&mask).view(shape).to(self.device);
        let model = self.model.lock().unwrap_or_else(PoisonError::into_inner);
        let hidden = tch::no_grad(|| {
            model.forward_t(Some(&ids), Some(&mask), None, None, None, None, None, false)
        })
        .map_err(|e| anyhow!("torch forward pass: {e}"))?
        .hidden_state;
        drop(model);
        let expected = [rows as i64, seq as i64, self.text.dim() as i64];
        ensure!(
            hidden.size() == expected,
            "hidden state has shape {:?}, expected {expected:?}",
            hidden.size()
        );
        let data: Vec<f32> = Vec::try_from(
            hidden
                .to_device(Device::Cpu)
                .to_kind(Kind::Float)
                .contiguous()
                .view([-1]),
        )
        .map_err(|e| anyhow!("reading the hidden state: {e}"))?;
        Ok(self.text.pool(windows, seq, &data))
    }
}

impl Encoder for TorchEncoder {
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
