//! The libtorch backend (cargo feature `torch`; `make test` builds and runs it with the CPU
//! libtorch of `scripts/fetch-libtorch`). Without the feature this file is empty.
//!
//! - On the committed tiny fixture (tests/fixtures/tiny-encoder: random BERT weights written by
//!   scripts/make_tiny_model.py as ONNX and as safetensors): the torch vectors equal the
//!   independent Python reference and the ONNX backend's, windows and order included.
//! - On the real multilingual-e5-small (needs `scripts/fetch-models`; skipped with a note where
//!   the folder is missing, run by CI): torch vs fp32 ONNX cosine >= 0.999 on multilingual texts.
//! - `--encoder torch` end to end, `--device cuda` refused with the reason on a machine without
//!   CUDA, and `--sentiment-model` with a tiny randomly initialised sequence-classification model
//!   that the test creates.
#![cfg(feature = "torch")]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::Workdir;
use npsight::encoder::torch::{parse_device, TorchEncoder};
use npsight::encoder::{Encoder, EncoderConfig, ModelFile, OnnxEncoder};
use serde::Deserialize;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tiny_dir() -> PathBuf {
    root().join("tests/fixtures/tiny-encoder")
}

fn real_dir() -> PathBuf {
    root().join("models/multilingual-e5-small")
}

fn config(dir: PathBuf, file: ModelFile) -> EncoderConfig {
    EncoderConfig {
        model_dir: dir,
        model_file: file,
        ..EncoderConfig::default()
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[derive(Deserialize)]
struct Expected {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    embedding_fp32: Vec<f32>,
}

#[test]
fn tiny_model_matches_the_python_reference_and_onnx() {
    let torch = TorchEncoder::new(
        &config(tiny_dir(), ModelFile::Fp32),
        parse_device("cpu").unwrap(),
    )
    .unwrap();
    let expected: Expected =
        serde_json::from_str(&std::fs::read_to_string(tiny_dir().join("expected.json")).unwrap())
            .unwrap();
    let texts: Vec<&str> = expected.cases.iter().map(|c| c.text.as_str()).collect();
    let (got, stats) = torch.embed_with_stats(&texts).unwrap();
    assert_eq!(got.len(), texts.len());
    assert!(stats.windowed_texts >= 1, "the fixture has a long text");
    for (c, v) in expected.cases.iter().zip(&got) {
        let cos = cosine(v, &c.embedding_fp32);
        assert!(cos > 0.9999, "{:?}: cosine {cos}", c.text);
    }
    // Order and batching: reversed input, one text at a time.
    let reversed: Vec<&str> = texts.iter().rev().copied().collect();
    let back = torch.embed(&reversed).unwrap();
    for (a, b) in got.iter().zip(back.iter().rev()) {
        assert!(cosine(a, b) > 0.99999);
    }
    let onnx = OnnxEncoder::new(&config(tiny_dir(), ModelFile::Fp32)).unwrap();
    for (t, v) in texts.iter().zip(&got) {
        let o = onnx.embed(&[t]).unwrap();
        assert!(cosine(v, &o[0]) > 0.9999, "{t:?}");
    }
    assert!(torch
        .id()
        .starts_with("torch tiny-encoder/model.safetensors"));
    assert_eq!(torch.dim(), 32);
}

#[test]
fn real_model_agrees_with_fp32_onnx() {
    if !real_dir().join("model.safetensors").is_file() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED real_model_agrees_with_fp32_onnx: {} missing (run scripts/fetch-models)",
            real_dir().display()
        );
        return;
    }
    let texts = [
        "I waited on hold for 45 minutes and then got cut off.",
        "Der Mitarbeiter war sehr freundlich und kompetent.",
        "Оператор так и не решил мою проблему, пришлось звонить три раза.",
        "Nhân viên tư vấn rất nhiệt tình, cảm ơn.",
        "客服态度很好，但是等了很久。",
        "El agente no sabía nada de mi factura.",
        "Le conseiller m'a transféré quatre fois.",
        "ok",
        &"The app crashes every time I try to pay my bill and nobody can tell me why. ".repeat(60),
    ];
    let torch = TorchEncoder::new(
        &config(real_dir(), ModelFile::Fp32),
        parse_device("cpu").unwrap(),
    )
    .unwrap();
    let onnx = OnnxEncoder::new(&config(real_dir(), ModelFile::Fp32)).unwrap();
    let (a, sa) = torch.embed_with_stats(&texts).unwrap();
    let (b, sb) = onnx.embed_with_stats(&texts).unwrap();
    assert_eq!(sa, sb, "same windows and batches");
    assert_eq!(sa.windowed_texts, 1);
    for ((t, x), y) in texts.iter().zip(&a).zip(&b) {
        let cos = cosine(x, y);
        assert!(cos >= 0.999, "{:?}: cosine {cos}", &t[..t.len().min(40)]);
    }
}

#[test]
fn cuda_is_refused_with_the_reason_when_absent() {
    if tch::Cuda::is_available() {
        return;
    }
    let e = parse_device("cuda").unwrap_err().to_string();
    assert!(
        e.contains("no CUDA device") && e.contains("--device cpu"),
        "{e}"
    );
    let e = parse_device("tpu").unwrap_err().to_string();
    assert!(e.contains("expected cpu, cuda or cuda:N"), "{e}");
}

#[test]
fn analyze_with_the_torch_encoder_end_to_end() {
    let w = Workdir::new();
    w.write("export.csv", common::SMALL_EXPORT);
    // Heads need the embeddings they were trained on: the tiny model is refused by name.
    let r = w.run(&[
        "analyze",
        "export.csv",
        "--out",
        "tiny",
        "--encoder",
        "torch",
        "--model-dir",
        tiny_dir().to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("384-d") && r.stderr.contains("gives 32"),
        "{}",
        r.stderr
    );
    let r = w.run(&[
        "analyze",
        "export.csv",
        "--out",
        "out2",
        "--encoder",
        "torch",
        "--device",
        "cuda:7",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cuda"), "{}", r.stderr);

    if !real_dir().join("model.safetensors").is_file() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED analyze_with_the_torch_encoder_end_to_end (real model part): {} missing",
            real_dir().display()
        );
        return;
    }
    let model = real_dir();
    let run = |out: &str, encoder: &str| {
        let r = w.run(&[
            "analyze",
            "export.csv",
            "--out",
            out,
            "--encoder",
            encoder,
            "--precision",
            "fp32",
            "--model-dir",
            model.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        w.csv(&format!("{out}/tagged.csv"))
    };
    let (header, torch_rows) = run("torch", "torch");
    let (_, onnx_rows) = run("onnx", "onnx");
    let s = w.summary("torch");
    assert!(s["fingerprint"]["model_id"]
        .as_str()
        .unwrap()
        .contains("torch multilingual-e5-small/model.safetensors"));
    // Same model, other runtime: the same tags.
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    assert_eq!(torch_rows.len(), onnx_rows.len());
    for (a, b) in torch_rows.iter().zip(&onnx_rows) {
        assert_eq!(a[col("themes")], b[col("themes")], "{a:?}");
        assert_eq!(a[col("sentiment")], b[col("sentiment")], "{a:?}");
    }
}

/// A tiny randomly initialised BERT sequence classifier in a Hugging Face folder (config.json
/// with id2label, vocab.txt, model.safetensors), written the way `save_pretrained` names it.
fn tiny_classifier(dir: &Path, labels: &[&str]) {
    use rust_bert::bert::{BertConfig, BertForSequenceClassification};
    std::fs::create_dir_all(dir).unwrap();
    let words = "[PAD] [UNK] [CLS] [SEP] [MASK] the agent was rude and slow great service \
                 thank you waited hour refund never came very helpful";
    std::fs::write(dir.join("vocab.txt"), words.replace(' ', "\n") + "\n").unwrap();
    let id2label: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), serde_json::json!(l)))
        .collect();
    let config = serde_json::json!({
        "model_type": "bert", "architectures": ["BertForSequenceClassification"],
        "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
        "intermediate_size": 32, "max_position_embeddings": 64, "type_vocab_size": 2,
        "vocab_size": words.split(' ').count(), "hidden_act": "gelu",
        "attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0,
        "initializer_range": 0.5, "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "id2label": id2label,
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let bert: BertConfig = serde_json::from_value(config).unwrap();
    tch::manual_seed(7);
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let _model = BertForSequenceClassification::new(vs.root(), &bert).unwrap();
    vs.save(dir.join("model.safetensors")).unwrap();
}

#[test]
fn a_users_sentiment_model_decides_the_sentiment() {
    use npsight::tagger::sentiment_model::{label_sentiment, SentimentModelTagger};
    use npsight::tagger::{prepare, Classifier};

    let w = Workdir::new();
    let dir = w.path("my-model");
    tiny_classifier(&dir, &["negative", "neutral", "positive"]);
    w.write("export.csv", common::SMALL_EXPORT);
    let r = w.run(&[
        "analyze",
        "export.csv",
        "--out",
        "out",
        "--encoder",
        "none",
        "--sentiment-model",
        dir.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert!(s["fingerprint"]["model_id"]
        .as_str()
        .unwrap()
        .contains("sentiment-model:my-model/model.safetensors"));

    // The same model through the library gives the sentiments the run wrote.
    let m = common::models();
    let tagger = SentimentModelTagger::new(
        Box::new(
            npsight::tagger::LexiconTagger::new(&npsight::tagger::LexiconConfig {
                taxonomy: m.taxonomy.clone(),
                lexicon: m.lexicon.clone(),
            })
            .unwrap(),
        ),
        &dir,
        tch::Device::Cpu,
    )
    .unwrap();
    let (header, rows) = w.csv("out/tagged.csv");
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let tagged: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[col("status")] == "tagged")
        .collect();
    let prepared: Vec<_> = tagged
        .iter()
        .map(|r| prepare(&r[col("Comment")], &m.lexicon))
        .collect();
    let texts: Vec<&str> = prepared.iter().map(|p| p.text.as_str()).collect();
    let want = tagger.predict(&texts);
    for (row, (label, p)) in tagged.iter().zip(&want) {
        let s = label_sentiment(label).unwrap();
        assert_eq!(row[col("sentiment")], s.as_str(), "{row:?}");
        let score: f64 = row[col("sentiment_score")].parse().unwrap();
        let signed = match s.as_str() {
            "negative" => -p,
            "positive" => *p,
            _ => 0.0,
        };
        assert!((score - signed).abs() < 1e-3, "{score} vs {signed}");
    }
    // Themes still come from the wrapped classifier.
    let direct = tagger.classify(&prepared).unwrap();
    let lex = m.tagger.classify(&prepared).unwrap();
    for (a, b) in direct.iter().zip(&lex) {
        assert_eq!(a.themes.len(), b.themes.len());
    }

    // Labels that are not sentiments are refused when loading, naming them.
    let bad = w.path("bad-model");
    tiny_classifier(&bad, &["billing", "shipping"]);
    let r = w.run(&[
        "analyze",
        "export.csv",
        "--out",
        "out3",
        "--encoder",
        "none",
        "--sentiment-model",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("\"billing\"") && r.stderr.contains("not sentiments"),
        "{}",
        r.stderr
    );
}
