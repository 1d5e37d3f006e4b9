//! The tokenizer, with a compact Unigram model in place of the `tokenizers` crate's.
//!
//! Why: `tokenizers` builds a Unigram vocabulary's lookup trie as one hash map per trie node.
//! For multilingual-e5-small's 250,002 SentencePiece pieces that is about 290 MB of resident
//! memory (measured: `Tokenizer::from_file` on its 17 MB `tokenizer.json` peaks at 308 MB), half
//! of npsight's peak with the int8 encoder. [`CompactUnigram`] holds the same pieces in a
//! double-array automaton (`daachorse`, already a dependency of `tokenizers`: about 12 MB), the
//! piece strings in one arena and the scores in one vector, and runs the same Viterbi search as
//! `tokenizers`' `Unigram::encode_optimized` (same candidates in the same order, same strict `>`
//! tie rule, same unknown-character score `min_score - 10`, same fusing of unknown runs and the
//! same byte fallback), so token ids and offsets are identical: tested against `tokenizers` on
//! generated vocabularies, on the committed tiny fixture and, where it has been fetched, on the
//! real model over every text the project bundles.
//!
//! Everything around the model is `tokenizers`' own: the normaliser, pre-tokeniser,
//! post-processor, decoder and added tokens are deserialised from the same file into a
//! `TokenizerImpl`. Files with another model type (WordPiece, BPE), or a vocabulary the automaton
//! cannot hold (an empty or repeated piece), are loaded by `Tokenizer::from_file` as before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::unigram::UnigramTrainer;
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{AddedToken, Model, Token, Tokenizer, TokenizerImpl};

/// `tokenizers`' penalty for a character no piece covers (sentencepiece's `kUnkPenalty`).
const UNK_PENALTY: f64 = 10.0;

/// A Unigram (SentencePiece) model: pieces, their log-probabilities and the unknown id.
pub struct CompactUnigram {
    automaton: DoubleArrayAhoCorasick<u32>,
    /// Every piece, concatenated; piece `i` is `arena[ends[i - 1]..ends[i]]`.
    arena: String,
    ends: Vec<u32>,
    scores: Vec<f64>,
    unk_id: Option<usize>,
    min_score: f64,
    byte_fallback: bool,
}

/// A best-path node of the Viterbi search: the path's score and where its last piece starts.
#[derive(Clone, Copy)]
struct PathNode {
    score: f64,
    start: Option<usize>,
    id: u32,
}

impl CompactUnigram {
    /// Build from `tokenizers`' Unigram fields. `None` when the automaton cannot hold the
    /// vocabulary (an empty or repeated piece): the caller falls back to `tokenizers`.
    pub fn from_vocab(
        vocab: &[(String, f64)],
        unk_id: Option<usize>,
        byte_fallback: bool,
    ) -> Result<Option<CompactUnigram>> {
        if let Some(unk) = unk_id {
            anyhow::ensure!(!vocab.is_empty(), "the Unigram vocabulary is empty");
            anyhow::ensure!(
                unk < vocab.len(),
                "the Unigram unk_id {unk} is outside the vocabulary ({} pieces)",
                vocab.len()
            );
        }
        if vocab.iter().any(|(p, _)| p.is_empty()) || u32::try_from(vocab.len()).is_err() {
            return Ok(None);
        }
        // The automaton keeps one value per pattern; `tokenizers` maps a repeated piece to its
        // last id but scores both: leave such vocabularies to it.
        let mut seen = std::collections::HashSet::with_capacity(vocab.len());
        if !vocab.iter().all(|(p, _)| seen.insert(p.as_str())) {
            return Ok(None);
        }
        drop(seen);
        let total: usize = vocab.iter().map(|(p, _)| p.len()).sum();
        if u32::try_from(total).is_err() {
            return Ok(None);
        }
        let automaton = match DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build_with_values(
                vocab
                    .iter()
                    .enumerate()
                    .map(|(i, (p, _))| (p.as_bytes(), i as u32)),
            ) {
            Ok(a) => a,
            // Duplicate pieces (or an automaton over daachorse's size limit).
            Err(_) => return Ok(None),
        };
        let mut arena = String::with_capacity(total);
        let mut ends = Vec::with_capacity(vocab.len());
        let mut scores = Vec::with_capacity(vocab.len());
        let mut min_score = f64::INFINITY;
        for (piece, score) in vocab {
            arena.push_str(piece);
            ends.push(arena.len() as u32);
            scores.push(*score);
            if *score < min_score {
                min_score = *score;
            }
        }
        Ok(Some(CompactUnigram {
            automaton,
            arena,
            ends,
            scores,
            unk_id,
            min_score,
            byte_fallback,
        }))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Heap bytes of the model: what it costs to keep loaded.
    pub fn heap_bytes(&self) -> usize {
        self.automaton.heap_bytes()
            + self.arena.capacity()
            + self.ends.capacity() * 4
            + self.scores.capacity() * 8
    }

    fn piece(&self, id: usize) -> &str {
        let start = if id == 0 {
            0
        } else {
            self.ends[id - 1] as usize
        };
        &self.arena[start..self.ends[id] as usize]
    }

    /// The id of a piece, by exact match.
    fn lookup(&self, token: &str) -> Option<u32> {
        if token.is_empty() {
            return None;
        }
        self.automaton
            .find_overlapping_iter(token)
            .find(|m| m.start() == 0 && m.end() == token.len())
            .map(|m| m.value())
    }

    /// The best segmentation of `sentence`: `(start, end, id)`, `None` for a run of unknown
    /// characters (fused, as `tokenizers` does). Mirrors `Unigram::encode_optimized`: start
    /// positions in increasing order, at each the pieces beginning there from shortest to
    /// longest, a candidate replacing the best path into its end only when strictly better,
    /// then the unknown-character edge when no piece covers exactly the next character.
    fn best_path(&self, sentence: &str) -> Result<Vec<(usize, usize, Option<u32>)>> {
        let size = sentence.len();
        let unk_score = self.min_score - UNK_PENALTY;
        let mut edges: Vec<(usize, usize, u32)> = self
            .automaton
            .find_overlapping_iter(sentence)
            .map(|m| (m.start(), m.end(), m.value()))
            .collect();
        edges.sort_unstable();
        let mut best = vec![
            PathNode {
                score: 0.0,
                start: None,
                id: 0,
            };
            size + 1
        ];
        let mut k = 0;
        let mut start = 0;
        while start < size {
            let here = best[start].score;
            let mblen = sentence[start..].chars().next().map_or(1, char::len_utf8);
            let mut has_single = false;
            // Matches of valid UTF-8 pieces in valid UTF-8 text start on character boundaries,
            // so every edge is consumed at its own start.
            while k < edges.len() && edges[k].0 == start {
                let (_, end, id) = edges[k];
                let candidate = self.scores[id as usize] + here;
                let target = &mut best[end];
                if target.start.is_none() || candidate > target.score {
                    *target = PathNode {
                        score: candidate,
                        start: Some(start),
                        id,
                    };
                }
                if end - start == mblen {
                    has_single = true;
                }
                k += 1;
            }
            if !has_single {
                let unk = self.unk_id.ok_or_else(|| {
                    anyhow!("the Unigram model has no unk_id and a character is not in it")
                })?;
                let candidate = unk_score + here;
                let target = &mut best[start + mblen];
                if target.start.is_none() || candidate > target.score {
                    *target = PathNode {
                        score: candidate,
                        start: Some(start),
                        id: unk as u32,
                    };
                }
            }
            start += mblen;
        }
        let mut out = Vec::new();
        let mut unk_run_end: Option<usize> = None;
        let mut end = size;
        while end > 0 {
            let node = best[end];
            let start = node.start.expect("every character boundary is reached");
            if Some(node.id as usize) == self.unk_id {
                unk_run_end.get_or_insert(end);
            } else {
                if let Some(run_end) = unk_run_end.take() {
                    out.push((end, run_end, None));
                }
                out.push((start, end, Some(node.id)));
            }
            end = start;
        }
        if let Some(run_end) = unk_run_end {
            out.push((0, run_end, None));
        }
        out.reverse();
        Ok(out)
    }
}

/// What `tokenizers` writes for a Unigram model (`save`).
#[derive(Serialize)]
struct UnigramOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    unk_id: Option<usize>,
    vocab: Vec<(&'a str, f64)>,
    byte_fallback: bool,
}

impl Model for CompactUnigram {
    type Trainer = UnigramTrainer;

    fn tokenize(&self, sentence: &str) -> tokenizers::Result<Vec<Token>> {
        if sentence.is_empty() {
            return Ok(Vec::new());
        }
        let path = self.best_path(sentence).map_err(|e| e.to_string())?;
        let mut tokens = Vec::with_capacity(path.len());
        for (start, end, id) in path {
            let string = &sentence[start..end];
            let id = match id.or_else(|| self.lookup(string)) {
                Some(id) => id,
                None => {
                    if self.byte_fallback {
                        let bytes: Option<Vec<Token>> = string
                            .bytes()
                            .map(|b| {
                                let name = format!("<0x{b:02X}>");
                                self.lookup(&name)
                                    .map(|id| Token::new(id, name, (start, end)))
                            })
                            .collect();
                        if let Some(bytes) = bytes {
                            tokens.extend(bytes);
                            continue;
                        }
                    }
                    self.unk_id
                        .ok_or("the Unigram model has no unk_id and a character is not in it")?
                        as u32
                }
            };
            tokens.push(Token::new(id, string.to_string(), (start, end)));
        }
        Ok(tokens)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.lookup(token)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        ((id as usize) < self.len()).then(|| self.piece(id as usize).to_string())
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        (0..self.len())
            .map(|i| (self.piece(i).to_string(), i as u32))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.len()
    }

    fn save(&self, folder: &Path, prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        let name = match prefix {
            Some(p) => format!("{p}-unigram.json"),
            None => "unigram.json".to_string(),
        };
        let path = folder.join(name);
        let out = UnigramOut {
            kind: "Unigram",
            unk_id: self.unk_id,
            vocab: (0..self.len())
                .map(|i| (self.piece(i), self.scores[i]))
                .collect(),
            byte_fallback: self.byte_fallback,
        };
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
        Ok(vec![path])
    }

    fn get_trainer(&self) -> UnigramTrainer {
        UnigramTrainer::default()
    }
}

/// `tokenizers`' pipeline over the compact model.
pub type CompactTokenizer = TokenizerImpl<
    CompactUnigram,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// The model's tokenizer: compact for Unigram files, `tokenizers`' own otherwise.
pub enum TextTokenizer {
    Compact(Box<CompactTokenizer>),
    Standard(Box<Tokenizer>),
}

#[derive(Deserialize)]
struct Probe {
    model: ProbeModel,
}

#[derive(Deserialize)]
struct ProbeModel {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct AddedTokenWithId {
    #[allow(dead_code)]
    id: u32,
    #[serde(flatten)]
    token: AddedToken,
}

#[derive(Deserialize)]
struct UnigramFile {
    #[serde(default)]
    added_tokens: Vec<AddedTokenWithId>,
    normalizer: Option<NormalizerWrapper>,
    pre_tokenizer: Option<PreTokenizerWrapper>,
    post_processor: Option<PostProcessorWrapper>,
    decoder: Option<DecoderWrapper>,
    model: UnigramFields,
}

#[derive(Deserialize)]
struct UnigramFields {
    vocab: Vec<(String, f64)>,
    unk_id: Option<usize>,
    #[serde(default)]
    byte_fallback: bool,
}

impl TextTokenizer {
    /// Load a `tokenizer.json`, without truncation or padding.
    pub fn from_file(path: &Path) -> Result<TextTokenizer> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_bytes(&bytes)
    }

    /// Load the contents of a `tokenizer.json`.
    pub fn from_bytes(bytes: &[u8]) -> Result<TextTokenizer> {
        match Self::compact(bytes)? {
            Some(compact) => Ok(TextTokenizer::Compact(Box::new(compact))),
            None => Self::standard_from_bytes(bytes),
        }
    }

    /// `tokenizers`' own loader, whatever the model: the fallback, and the reference the
    /// tests compare with.
    pub fn standard_from_bytes(bytes: &[u8]) -> Result<TextTokenizer> {
        let mut tokenizer = Tokenizer::from_bytes(bytes).map_err(|e| anyhow!("{e}"))?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| anyhow!("{e}"))?;
        tokenizer.with_padding(None);
        Ok(TextTokenizer::Standard(Box::new(tokenizer)))
    }

    fn compact(bytes: &[u8]) -> Result<Option<CompactTokenizer>> {
        let probe: Probe = serde_json::from_slice(bytes).context("not a tokenizer.json")?;
        if probe.model.kind.as_deref() != Some("Unigram") {
            return Ok(None);
        }
        let file: UnigramFile = serde_json::from_slice(bytes).context("not a tokenizer.json")?;
        let Some(model) = CompactUnigram::from_vocab(
            &file.model.vocab,
            file.model.unk_id,
            file.model.byte_fallback,
        )?
        else {
            return Ok(None);
        };
        drop(file.model.vocab);
        let mut tokenizer = CompactTokenizer::new(model);
        tokenizer
            .with_normalizer(file.normalizer)
            .map_err(|e| anyhow!("{e}"))?;
        tokenizer.with_pre_tokenizer(file.pre_tokenizer);
        tokenizer.with_post_processor(file.post_processor);
        tokenizer.with_decoder(file.decoder);
        // As `tokenizers`' deserialiser does: every listed token through `add_tokens`, which
        // keeps a token's id when the model has the piece.
        tokenizer
            .add_tokens(file.added_tokens.into_iter().map(|t| t.token))
            .map_err(|e| anyhow!("{e}"))?;
        Ok(Some(tokenizer))
    }

    pub fn is_compact(&self) -> bool {
        matches!(self, TextTokenizer::Compact(_))
    }

    /// Token ids of `input`, with or without the post-processor's special tokens.
    pub fn ids(&self, input: &str, add_special_tokens: bool) -> Result<Vec<u32>> {
        let encoding = match self {
            TextTokenizer::Compact(t) => t.encode_fast(input, add_special_tokens),
            TextTokenizer::Standard(t) => t.encode_fast(input, add_special_tokens),
        }
        .map_err(|e| anyhow!("{e}"))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Ids and byte offsets: what the comparisons check.
    pub fn ids_and_offsets(&self, input: &str) -> Result<Vec<(u32, (usize, usize))>> {
        let encoding = match self {
            TextTokenizer::Compact(t) => t.encode_fast(input, false),
            TextTokenizer::Standard(t) => t.encode_fast(input, false),
        }
        .map_err(|e| anyhow!("{e}"))?;
        Ok(encoding
            .get_ids()
            .iter()
            .copied()
            .zip(encoding.get_offsets().iter().copied())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A `tokenizer.json` with the real model's shape: Metaspace pre-tokeniser, specials as
    /// added tokens, `<unk>` at id 3.
    fn tokenizer_json(pieces: &[(String, f64)], byte_fallback: bool) -> String {
        let mut vocab: Vec<(String, f64)> = ["<s>", "<pad>", "</s>", "<unk>"]
            .iter()
            .map(|s| (s.to_string(), 0.0))
            .collect();
        vocab.extend(pieces.iter().cloned());
        let added: Vec<serde_json::Value> = ["<s>", "<pad>", "</s>", "<unk>"]
            .iter()
            .enumerate()
            .map(|(id, s)| {
                serde_json::json!({"id": id, "content": s, "single_word": false, "lstrip": false,
                    "rstrip": false, "normalized": false, "special": true})
            })
            .collect();
        serde_json::json!({
            "version": "1.0", "truncation": null, "padding": null,
            "added_tokens": added,
            "normalizer": null,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "\u{2581}",
                              "prepend_scheme": "always", "split": true},
            "post_processor": null, "decoder": null,
            "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab,
                      "byte_fallback": byte_fallback}
        })
        .to_string()
    }

    fn both(json: &str) -> (TextTokenizer, TextTokenizer) {
        let compact = TextTokenizer::from_bytes(json.as_bytes()).unwrap();
        assert!(compact.is_compact());
        let standard = TextTokenizer::standard_from_bytes(json.as_bytes()).unwrap();
        (compact, standard)
    }

    fn assert_same(compact: &TextTokenizer, standard: &TextTokenizer, text: &str) {
        assert_eq!(
            compact.ids_and_offsets(text).unwrap(),
            standard.ids_and_offsets(text).unwrap(),
            "text {text:?}"
        );
    }

    #[test]
    fn unknown_characters_are_fused_into_one_unk_as_tokenizers_does() {
        let pieces: Vec<(String, f64)> = [("▁", -2.0), ("a", -1.0), ("b", -1.5), ("ab", -1.2)]
            .iter()
            .map(|(p, s)| (p.to_string(), *s))
            .collect();
        let (compact, standard) = both(&tokenizer_json(&pieces, false));
        let ids = compact.ids("a xyzb ab", false).unwrap();
        // ▁ a ▁ <unk: xyz fused> b ▁ ab
        assert_eq!(ids, vec![4, 5, 4, 3, 6, 4, 7]);
        for text in ["a xyzb ab", "", "x", "中文 a", "ab<s>ab", "a  b", "éé"] {
            assert_same(&compact, &standard, text);
        }
    }

    #[test]
    fn byte_fallback_spells_unknown_characters_in_byte_pieces() {
        let mut pieces: Vec<(String, f64)> = vec![("▁".into(), -2.0), ("a".into(), -1.0)];
        pieces.extend((0..=255u8).map(|b| (format!("<0x{b:02X}>"), -5.0)));
        let (compact, standard) = both(&tokenizer_json(&pieces, true));
        let ids = compact.ids("aé", false).unwrap();
        let e = "é".as_bytes();
        let byte_id = |b: u8| 6 + u32::from(b);
        assert_eq!(ids, vec![4, 5, byte_id(e[0]), byte_id(e[1])]);
        for text in ["aé", "é a 中", "a"] {
            assert_same(&compact, &standard, text);
        }
    }

    #[test]
    fn the_model_answers_lookups_like_a_vocabulary() {
        let pieces: Vec<(String, f64)> = vec![("▁".into(), -2.0), ("日本".into(), -1.0)];
        let model = CompactUnigram::from_vocab(&pieces, Some(0), false)
            .unwrap()
            .unwrap();
        assert_eq!(model.token_to_id("日本"), Some(1));
        assert_eq!(model.token_to_id("日"), None);
        assert_eq!(model.token_to_id(""), None);
        assert_eq!(model.id_to_token(1).as_deref(), Some("日本"));
        assert_eq!(model.id_to_token(2), None);
        assert_eq!(model.get_vocab_size(), 2);
        assert_eq!(model.get_vocab()["▁"], 0);
        // Repeated or empty pieces: not for the automaton, the caller falls back.
        let repeated: Vec<(String, f64)> = vec![("a".into(), -1.0), ("a".into(), -2.0)];
        assert!(CompactUnigram::from_vocab(&repeated, Some(0), false)
            .unwrap()
            .is_none());
        let json = tokenizer_json(&repeated, false);
        assert!(!TextTokenizer::from_bytes(json.as_bytes())
            .unwrap()
            .is_compact());
        assert!(CompactUnigram::from_vocab(&pieces, Some(2), false).is_err());
    }

    #[test]
    fn save_writes_a_unigram_file_tokenizers_reads_back() {
        let pieces: Vec<(String, f64)> = vec![("▁".into(), -2.0), ("ab".into(), -1.0)];
        let model = CompactUnigram::from_vocab(&pieces, Some(0), false)
            .unwrap()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = model.save(dir.path(), Some("x")).unwrap();
        let text = std::fs::read_to_string(&files[0]).unwrap();
        let back: tokenizers::models::unigram::Unigram = serde_json::from_str(&text).unwrap();
        assert_eq!(back.get_vocab_size(), 2);
        assert_eq!(back.token_to_id("ab"), Some(1));
    }

    #[test]
    fn agrees_with_tokenizers_on_the_tiny_fixture() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tiny-encoder/tokenizer.json");
        let bytes = std::fs::read(path).unwrap();
        let compact = TextTokenizer::from_bytes(&bytes).unwrap();
        assert!(compact.is_compact());
        let standard = TextTokenizer::standard_from_bytes(&bytes).unwrap();
        for text in [
            "query: The agent was very friendly",
            "query: Ich habe eine Stunde gewartet!",
            "Tôi đã phải chờ máy suốt một tiếng đồng hồ",
            "Я ждал на линии целый час",
            "我等了一个小时 <s> <mask>",
            "ＦＵＬＬ width １２３ and café ﬁ",
            "",
            "   ",
        ] {
            assert_same(&compact, &standard, text);
            assert_eq!(
                compact.ids(text, true).unwrap(),
                standard.ids(text, true).unwrap()
            );
        }
    }

    /// Needs the real model (scripts/fetch-models, which CI runs first): every line of every
    /// text file the project bundles, tokenised both ways.
    #[test]
    fn agrees_with_tokenizers_on_the_real_model_over_the_bundled_texts() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join("models/multilingual-e5-small/tokenizer.json");
        if !path.is_file() {
            eprintln!("SKIPPED real-model tokenizer comparison: run scripts/fetch-models");
            return;
        }
        let bytes = std::fs::read(&path).unwrap();
        let compact = TextTokenizer::from_bytes(&bytes).unwrap();
        let TextTokenizer::Compact(model) = &compact else {
            panic!("the real tokenizer should load compact");
        };
        assert!(model.get_model().heap_bytes() < 40_000_000);
        let standard = TextTokenizer::standard_from_bytes(&bytes).unwrap();
        let mut files = vec![root.join("examples/feedback.csv")];
        for dir in ["models/examples", "tests/pii_set.tsv"] {
            let p = root.join(dir);
            if p.is_dir() {
                files.extend(std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()));
            } else {
                files.push(p);
            }
        }
        let mut lines = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in text.lines() {
                let input = format!("query: {line}");
                assert_same(&compact, &standard, &input);
                lines += 1;
            }
        }
        assert!(lines > 500, "only {lines} lines compared");
    }

    /// Opt-in, for any text file: `NPSIGHT_TOKENIZER_CHECK=FILE cargo test --release --lib
    /// tokenizer_agrees_on_a_file -- --ignored` tokenises every line (with the e5 prefix) both
    /// ways with the real model and counts the lines.
    #[test]
    #[ignore = "needs NPSIGHT_TOKENIZER_CHECK=FILE and the real model"]
    fn tokenizer_agrees_on_a_file() {
        let file = std::env::var("NPSIGHT_TOKENIZER_CHECK").expect("NPSIGHT_TOKENIZER_CHECK=FILE");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let bytes =
            std::fs::read(root.join("models/multilingual-e5-small/tokenizer.json")).unwrap();
        let compact = TextTokenizer::from_bytes(&bytes).unwrap();
        let standard = TextTokenizer::standard_from_bytes(&bytes).unwrap();
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let (mut lines, mut tokens) = (0usize, 0usize);
        for line in text.lines() {
            let input = format!("query: {line}");
            let ids = compact.ids_and_offsets(&input).unwrap();
            assert_eq!(
                ids,
                standard.ids_and_offsets(&input).unwrap(),
                "{file}: {line:?}"
            );
            lines += 1;
            tokens += ids.len();
        }
        eprintln!("{file}: {lines} lines, {tokens} tokens, identical");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random vocabularies over a small alphabet with few distinct scores (ties are common)
        /// and characters left out (unknowns are common): same ids and offsets as tokenizers.
        #[test]
        fn agrees_with_tokenizers_on_random_vocabularies(
            pieces in proptest::collection::btree_map("[abcé中▁]{1,4}", 0u8..4, 1..40),
            texts in proptest::collection::vec("[abcé中xy ]{0,24}", 1..8),
        ) {
            let pieces: Vec<(String, f64)> = pieces
                .into_iter()
                .map(|(p, s)| (p, -1.0 - f64::from(s) * 0.5))
                .collect();
            let (compact, standard) = both(&tokenizer_json(&pieces, false));
            for text in &texts {
                prop_assert_eq!(
                    compact.ids_and_offsets(text).unwrap(),
                    standard.ids_and_offsets(text).unwrap(),
                    "text {:?}", text
                );
            }
        }
    }
}
