//! `--sentiment-model DIR` (cargo feature `torch`): a user's own fine-tuned Hugging Face
//! sequence-classification model decides each comment's sentiment, through rust-bert's
//! pipeline; themes, evidence and everything else still come from the classifier it wraps.
//!
//! The folder is what `save_pretrained` writes: `config.json` (with `model_type` and
//! `id2label`), the weights as `model.safetensors` (or rust-bert's `rust_model.ot`) and the
//! tokenizer's vocabulary (`vocab.txt` for bert/distilbert, `sentencepiece.bpe.model` for
//! xlm-roberta, `vocab.json` + `merges.txt` for roberta). Labels map to sentiments by name
//! (`negative`/`neg`, `neutral`/`neu`, `positive`/`pos`, `mixed`, case-insensitive, also
//! `1 star`..`5 stars`); a model whose labels cannot be mapped is refused when it is loaded.
//! The sentiment score is the label's probability, signed (negative labels below 0).
//!
//! Limitation: rust-bert's pipeline truncates a comment to the model's window (usually 512
//! tokens); this mode is documented as such in the README, unlike the default encoder, which
//! windows long texts.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{anyhow, bail, ensure, Context, Result};
use rust_bert::pipelines::common::{ModelResource, ModelType};
use rust_bert::pipelines::sequence_classification::{
    SequenceClassificationConfig, SequenceClassificationModel,
};
use rust_bert::resources::LocalResource;

use super::{Classifier, Prepared, Sentiment, Tagging};

/// Map a model label to a sentiment.
pub fn label_sentiment(label: &str) -> Option<Sentiment> {
    let l = label.trim().to_ascii_lowercase();
    let stars = l
        .strip_suffix(" stars")
        .or_else(|| l.strip_suffix(" star"))
        .and_then(|n| n.trim().parse::<u8>().ok());
    match (l.as_str(), stars) {
        (_, Some(1 | 2)) => Some(Sentiment::Negative),
        (_, Some(3)) => Some(Sentiment::Neutral),
        (_, Some(4 | 5)) => Some(Sentiment::Positive),
        ("negative" | "neg" | "label_negative", _) => Some(Sentiment::Negative),
        ("neutral" | "neu" | "label_neutral", _) => Some(Sentiment::Neutral),
        ("positive" | "pos" | "label_positive", _) => Some(Sentiment::Positive),
        ("mixed" | "mix", _) => Some(Sentiment::Mixed),
        _ => None,
    }
}

pub struct SentimentModelTagger {
    inner: Box<dyn Classifier>,
    model: Mutex<SequenceClassificationModel>,
    id: String,
}

fn local(path: PathBuf) -> LocalResource {
    LocalResource { local_path: path }
}

fn existing(dir: &Path, names: &[&str]) -> Result<PathBuf> {
    names
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            anyhow!(
                "--sentiment-model {}: none of {} found",
                dir.display(),
                names.join(", ")
            )
        })
}

impl SentimentModelTagger {
    pub fn new(inner: Box<dyn Classifier>, dir: &Path, device: tch::Device) -> Result<Self> {
        ensure!(
            dir.is_dir(),
            "--sentiment-model {}: not a folder",
            dir.display()
        );
        let config_path = dir.join("config.json");
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&config_path).with_context(|| {
                format!("--sentiment-model: reading {}", config_path.display())
            })?)
            .with_context(|| format!("{}: not JSON", config_path.display()))?;
        let model_type = config["model_type"].as_str().unwrap_or("");
        let labels: Vec<String> = config["id2label"]
            .as_object()
            .map(|m| {
                m.values()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        ensure!(
            !labels.is_empty(),
            "{}: no id2label: not a sequence-classification model",
            config_path.display()
        );
        let unmapped: Vec<&String> = labels
            .iter()
            .filter(|l| label_sentiment(l).is_none())
            .collect();
        ensure!(
            unmapped.is_empty(),
            "{}: labels {unmapped:?} are not sentiments (expected negative / neutral / positive / \
             mixed, or 1-5 stars); rename them in id2label",
            config_path.display()
        );
        let weights = existing(dir, &["model.safetensors", "rust_model.ot"])?;
        let (kind, vocab, merges) = match model_type {
            "bert" => (ModelType::Bert, existing(dir, &["vocab.txt"])?, None),
            "distilbert" => (ModelType::DistilBert, existing(dir, &["vocab.txt"])?, None),
            "xlm-roberta" => (
                ModelType::XLMRoberta,
                existing(dir, &["sentencepiece.bpe.model"])?,
                None,
            ),
            "roberta" => (
                ModelType::Roberta,
                existing(dir, &["vocab.json"])?,
                Some(existing(dir, &["merges.txt"])?),
            ),
            other => bail!(
                "{}: model_type {other:?} is not supported here (bert, distilbert, roberta, \
                 xlm-roberta)",
                config_path.display()
            ),
        };
        let lower_case = std::fs::read_to_string(dir.join("tokenizer_config.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|t| t["do_lower_case"].as_bool())
            .unwrap_or(false);
        let mut cfg = SequenceClassificationConfig::new(
            kind,
            ModelResource::Torch(Box::new(local(weights.clone()))),
            local(config_path.clone()),
            local(vocab),
            merges.map(local),
            lower_case,
            None,
            None,
        );
        cfg.device = device;
        let model = SequenceClassificationModel::new(cfg)
            .map_err(|e| anyhow!("--sentiment-model {}: {e}", dir.display()))?;
        let id = format!(
            "{} sentiment-model:{}/{} sha256:{}",
            inner.model_id(),
            dir.file_name()
                .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into()),
            weights.file_name().unwrap_or_default().to_string_lossy(),
            crate::encoder::core::file_sha256(
                dir,
                &weights.file_name().unwrap_or_default().to_string_lossy()
            )?
        );
        Ok(SentimentModelTagger {
            inner,
            model: Mutex::new(model),
            id,
        })
    }

    /// The model's label and probability for each text, in order.
    pub fn predict(&self, texts: &[&str]) -> Vec<(String, f64)> {
        let model = self.model.lock().unwrap_or_else(PoisonError::into_inner);
        model
            .predict(texts)
            .into_iter()
            .map(|l| (l.text, l.score))
            .collect()
    }
}

impl Classifier for SentimentModelTagger {
    fn model_id(&self) -> String {
        self.id.clone()
    }

    fn classify(&self, batch: &[Prepared]) -> Result<Vec<Tagging>> {
        let mut tags = self.inner.classify(batch)?;
        let texts: Vec<&str> = batch.iter().map(|p| p.text.as_str()).collect();
        let labels = self.predict(&texts);
        ensure!(
            labels.len() == tags.len(),
            "the sentiment model returned {} labels for {} comments",
            labels.len(),
            tags.len()
        );
        for (t, (label, p)) in tags.iter_mut().zip(labels) {
            let s = label_sentiment(&label)
                .ok_or_else(|| anyhow!("the sentiment model gave label {label:?}"))?;
            t.sentiment = s;
            t.sentiment_score = match s {
                Sentiment::Negative => -(p as f32),
                Sentiment::Positive => p as f32,
                _ => 0.0,
            };
        }
        Ok(tags)
    }

    fn windowed_texts(&self) -> u64 {
        self.inner.windowed_texts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_map_by_name_and_stars() {
        assert_eq!(label_sentiment("NEGATIVE"), Some(Sentiment::Negative));
        assert_eq!(label_sentiment("neu"), Some(Sentiment::Neutral));
        assert_eq!(label_sentiment(" Positive "), Some(Sentiment::Positive));
        assert_eq!(label_sentiment("1 star"), Some(Sentiment::Negative));
        assert_eq!(label_sentiment("3 stars"), Some(Sentiment::Neutral));
        assert_eq!(label_sentiment("5 stars"), Some(Sentiment::Positive));
        assert_eq!(label_sentiment("LABEL_0"), None);
        assert_eq!(label_sentiment("6 stars"), None);
    }
}
