//! Theme discovery: the comments no theme matched (or only with doubtful model tags, see
//! [`is_candidate`]) are clustered into suggested new themes.
//!
//! Choices, and why:
//! - Vectors are TF-IDF over words (CJK: character bigrams), L2-normalised, in every mode. The
//!   encoder's sentence embeddings would group paraphrases better, but the classifier interface
//!   does not hand embeddings out today; TF-IDF keeps discovery identical with `--encoder none`
//!   and `onnx`, and its terms are what the label is made of anyway.
//! - Spherical k-means (cosine), k-means++ initialisation from a fixed seed, at most 50 rounds;
//!   k = round(sqrt(n / 4)) between 2 and 12. Deterministic: same comments, same clusters.
//! - Clusters smaller than [`MIN_SIZE`] are dropped: they are noise more often than themes.
//! - Labels are the cluster's most distinctive terms by class-based TF-IDF (c-TF-IDF, as in
//!   BERTopic): term frequency in the cluster x log(1 + mean words per cluster / frequency of the
//!   term over all clusters).
//! - Examples: the five comments closest to the cluster centre (distinct texts), PII-masked
//!   unless --keep-pii.
//! - Memory is bounded: the first [`MAX_DOCS`] unthemed comments (input order) are kept.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::stats::{Category, NpsCounts};

pub const MAX_DOCS: usize = 20_000;
pub const MIN_SIZE: usize = 5;
const MAX_VOCAB: usize = 5_000;
const SEED: u64 = 0x006e_7073_6967_6874;

/// A suggested new theme (report section "Suggested new themes", summary.json
/// `discovered_themes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveredTheme {
    /// The three most distinctive terms.
    pub label: String,
    /// Up to eight distinctive terms, most distinctive first.
    pub terms: Vec<String>,
    pub size: u64,
    pub nps: Option<f64>,
    /// Up to five examples, closest to the centre first.
    pub examples: Vec<String>,
}

/// Below this classifier confidence a theme tag counts as doubtful.
pub const LOW_CONFIDENCE: f32 = 0.6;

/// Whether a comment goes to discovery: no theme, or only doubtful model tags (every tag has a
/// confidence under [`LOW_CONFIDENCE`]; a lexicon match carries none and is never doubtful).
pub fn is_candidate(t: &crate::tagger::Tagging) -> bool {
    t.themes
        .iter()
        .all(|x| x.confidence.is_some_and(|c| c < LOW_CONFIDENCE))
}

/// Unthemed comments, collected in input order.
#[derive(Debug, Default)]
pub struct Discovery {
    docs: Vec<(String, u8)>,
    /// Unthemed comments seen, kept or not.
    pub seen: u64,
}

/// Function words of the supported languages, left out of the vectors and labels.
const STOP: &[&str] = &[
    // en
    "the",
    "and",
    "was",
    "you",
    "for",
    "with",
    "not",
    "very",
    "they",
    "but",
    "have",
    "this",
    "that",
    "were",
    "been",
    "would",
    "could",
    "never",
    "are",
    "had",
    "has",
    "all",
    "any",
    "get",
    "got",
    "your",
    "our",
    "their",
    "them",
    "there",
    "then",
    "than",
    "from",
    "about",
    "just",
    "what",
    "when",
    "which",
    "who",
    "why",
    "how",
    "will",
    "can",
    "did",
    "does",
    "don't",
    "didn't",
    "also",
    "again",
    "even",
    "much",
    "more",
    "most",
    "some",
    "one",
    "out",
    "into",
    "its",
    "it's",
    "i'm",
    "i've",
    "because",
    "after",
    "before",
    "only",
    "too",
    "really",
    "she",
    "her",
    "his",
    "him",
    "our",
    "over",
    "still",
    "time",
    "thanks",
    "thank",
    // de
    "der",
    "die",
    "das",
    "und",
    "ist",
    "war",
    "nicht",
    "ich",
    "mit",
    "sehr",
    "ein",
    "eine",
    "mir",
    "auf",
    "für",
    "aber",
    "wurde",
    "hat",
    "habe",
    "den",
    "dem",
    "kein",
    "keine",
    "noch",
    "wir",
    "sie",
    "auch",
    "nach",
    "bei",
    "mich",
    "von",
    "wie",
    "man",
    "dass",
    "einen",
    "einem",
    "hatte",
    "schon",
    "nur",
    "alles",
    "immer",
    "wieder",
    // es
    "los",
    "las",
    "que",
    "muy",
    "una",
    "por",
    "con",
    "pero",
    "fue",
    "para",
    "del",
    "nada",
    "nunca",
    "han",
    "está",
    "estoy",
    "sin",
    "cuando",
    "como",
    "más",
    "era",
    "hay",
    "nos",
    "este",
    "esta",
    "todo",
    "gracias",
    "bien",
    "me",
    "mis",
    "sus",
    // fr
    "les",
    "est",
    "très",
    "pas",
    "une",
    "mais",
    "pour",
    "avec",
    "été",
    "mon",
    "rien",
    "jamais",
    "suis",
    "aux",
    "sans",
    "quand",
    "comme",
    "plus",
    "cette",
    "des",
    "était",
    "ils",
    "elle",
    "nous",
    "vous",
    "merci",
    "bien",
    "qui",
    "que",
    "dans",
    "sur",
    "tout",
    // ru
    "это",
    "что",
    "как",
    "все",
    "всё",
    "был",
    "была",
    "было",
    "были",
    "очень",
    "меня",
    "мне",
    "так",
    "уже",
    "для",
    "или",
    "они",
    "его",
    "она",
    "нет",
    "спасибо",
    // vi
    "rất",
    "của",
    "và",
    "không",
    "tôi",
    "được",
    "cho",
    "với",
    "là",
    "có",
    "này",
    "một",
    "những",
    "các",
    "đã",
    "cảm",
    "ơn",
    "bạn",
    "thì",
    "mà",
    "lại",
    "dịch",
    "vụ",
    // zh (bigrams)
    "我们",
    "你们",
    "他们",
    "没有",
    "一个",
    "谢谢",
    "非常",
    "就是",
    "但是",
    "已经",
];

fn terms_of(text: &str) -> Vec<String> {
    let toks = crate::text::tokenize(text);
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.cjk {
            if let Some(n) = toks.get(i + 1).filter(|n| n.cjk && n.start == t.end) {
                out.push(format!("{}{}", t.text, n.text));
            }
        } else if t.text.chars().count() >= 3 && !t.text.chars().all(|c| c.is_ascii_digit()) {
            out.push(t.text.clone());
        }
    }
    out.retain(|t| !STOP.contains(&t.as_str()));
    out
}

struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

type Sparse = Vec<(usize, f32)>;

fn dot(x: &Sparse, c: &[f32]) -> f32 {
    x.iter().map(|(i, w)| w * c[*i]).sum()
}

impl Discovery {
    /// Offer a comment that got no theme.
    pub fn add(&mut self, text: &str, score: u8) {
        self.seen += 1;
        if self.docs.len() < MAX_DOCS {
            self.docs.push((text.to_string(), score));
        }
    }

    /// Cluster and describe. `mask` is applied to the examples.
    pub fn finish(&self, mask: impl Fn(&str) -> String) -> Vec<DiscoveredTheme> {
        let docs_terms: Vec<Vec<String>> = self.docs.iter().map(|(t, _)| terms_of(t)).collect();
        let n = docs_terms.len();
        if n < 2 * MIN_SIZE {
            return Vec::new();
        }
        // Vocabulary: terms in at least two comments and at most 90% of them.
        let mut df: HashMap<&str, usize> = HashMap::new();
        for d in &docs_terms {
            let mut seen: Vec<&str> = d.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
        }
        let mut vocab: Vec<(&str, usize)> = df
            .into_iter()
            .filter(|(_, f)| *f >= 2 && *f * 10 <= n * 9)
            .collect();
        vocab.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        vocab.truncate(MAX_VOCAB);
        let index: HashMap<&str, usize> = vocab
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (*t, i))
            .collect();
        let idf: Vec<f32> = vocab
            .iter()
            .map(|(_, f)| ((1.0 + n as f32) / (1.0 + *f as f32)).ln() + 1.0)
            .collect();
        let vectors: Vec<Sparse> = docs_terms
            .iter()
            .map(|d| {
                let mut tf: BTreeMap<usize, f32> = BTreeMap::new();
                for t in d {
                    if let Some(i) = index.get(t.as_str()) {
                        *tf.entry(*i).or_default() += 1.0;
                    }
                }
                let mut v: Sparse = tf.into_iter().map(|(i, f)| (i, f * idf[i])).collect();
                let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                if norm > 0.0 {
                    v.iter_mut().for_each(|x| x.1 /= norm);
                }
                v
            })
            .collect();
        let usable: Vec<usize> = (0..n).filter(|i| !vectors[*i].is_empty()).collect();
        if usable.len() < 2 * MIN_SIZE {
            return Vec::new();
        }
        let k = ((usable.len() as f64 / 4.0).sqrt().round() as usize).clamp(2, 12);
        let dim = vocab.len();
        let dense = |v: &Sparse| {
            let mut c = vec![0f32; dim];
            for (i, w) in v {
                c[*i] = *w;
            }
            c
        };
        // k-means++ seeding.
        let mut rng = SplitMix(SEED);
        let mut centres: Vec<Vec<f32>> = vec![dense(&vectors[usable[0]])];
        while centres.len() < k {
            let d2: Vec<f64> = usable
                .iter()
                .map(|&i| {
                    let best = centres
                        .iter()
                        .map(|c| dot(&vectors[i], c))
                        .fold(f32::MIN, f32::max);
                    f64::from((1.0 - best).max(0.0)).powi(2)
                })
                .collect();
            let total: f64 = d2.iter().sum();
            if total <= 0.0 {
                break;
            }
            let mut r = rng.unit() * total;
            let mut pick = usable[usable.len() - 1];
            for (j, w) in d2.iter().enumerate() {
                if r < *w {
                    pick = usable[j];
                    break;
                }
                r -= w;
            }
            centres.push(dense(&vectors[pick]));
        }
        let k = centres.len();
        let mut assign = vec![usize::MAX; n];
        for _round in 0..50 {
            let mut changed = false;
            for &i in &usable {
                let mut best = (0, f32::MIN);
                for (c, centre) in centres.iter().enumerate() {
                    let s = dot(&vectors[i], centre);
                    if s > best.1 {
                        best = (c, s);
                    }
                }
                if assign[i] != best.0 {
                    assign[i] = best.0;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            for (c, centre) in centres.iter_mut().enumerate() {
                let mut sum = vec![0f32; dim];
                for &i in usable.iter().filter(|&&i| assign[i] == c) {
                    for (t, w) in &vectors[i] {
                        sum[*t] += w;
                    }
                }
                let norm = sum.iter().map(|w| w * w).sum::<f32>().sqrt();
                if norm > 0.0 {
                    sum.iter_mut().for_each(|w| *w /= norm);
                    *centre = sum;
                }
            }
        }
        // c-TF-IDF over the clusters.
        let mut class_tf = vec![vec![0f32; dim]; k];
        for &i in &usable {
            for t in &docs_terms[i] {
                if let Some(&j) = index.get(t.as_str()) {
                    class_tf[assign[i]][j] += 1.0;
                }
            }
        }
        let total_tf: Vec<f32> = (0..dim)
            .map(|j| class_tf.iter().map(|c| c[j]).sum())
            .collect();
        let mean_words = class_tf.iter().map(|c| c.iter().sum::<f32>()).sum::<f32>() / k as f32;
        let mut out = Vec::new();
        for c in 0..k {
            let members: Vec<usize> = usable.iter().copied().filter(|&i| assign[i] == c).collect();
            if members.len() < MIN_SIZE {
                continue;
            }
            let words: f32 = class_tf[c].iter().sum::<f32>().max(1.0);
            let mut scored: Vec<(f32, usize)> = (0..dim)
                .filter(|&j| class_tf[c][j] > 0.0)
                .map(|j| {
                    (
                        class_tf[c][j] / words * (1.0 + mean_words / total_tf[j]).ln(),
                        j,
                    )
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(vocab[a.1].0.cmp(vocab[b.1].0)));
            let terms: Vec<String> = scored
                .iter()
                .take(8)
                .map(|(_, j)| vocab[*j].0.to_string())
                .collect();
            let mut counts = NpsCounts::default();
            for &i in &members {
                counts.add(Category::of(self.docs[i].1));
            }
            let mut by_closeness: Vec<(f32, usize)> = members
                .iter()
                .map(|&i| (dot(&vectors[i], &centres[c]), i))
                .collect();
            by_closeness.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut examples: Vec<String> = Vec::new();
            for (_, i) in by_closeness {
                let t = mask(&self.docs[i].0);
                if !examples.contains(&t) {
                    examples.push(t);
                }
                if examples.len() == 5 {
                    break;
                }
            }
            out.push(DiscoveredTheme {
                label: terms
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" / "),
                terms,
                size: members.len() as u64,
                nps: counts.nps(),
                examples,
            });
        }
        out.sort_by(|a, b| b.size.cmp(&a.size).then(a.label.cmp(&b.label)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_an_obvious_cluster_deterministically() {
        let mut d = Discovery::default();
        let parking = [
            "the parking lot at the store was full",
            "no parking space near the store again",
            "parking at the store is impossible on saturdays",
            "store parking fees are far too high",
            "could not find parking at your store",
            "the store parking garage was closed",
            "parking near the store took twenty minutes",
        ];
        let noise = [
            "my parcel arrived wet from the rain",
            "the parcel box was damaged and wet",
            "parcel came open, the box was torn",
            "the parcel was left in the rain outside",
            "box and parcel both damaged on arrival",
            "wet parcel, torn box, annoyed",
            "the delivery driver left the parcel in rain",
        ];
        for (i, t) in parking.iter().chain(&noise).enumerate() {
            d.add(t, if i % 2 == 0 { 2 } else { 9 });
        }
        let a = d.finish(|s| s.to_string());
        let b = d.finish(|s| s.to_string());
        assert_eq!(a, b, "deterministic");
        let park = a
            .iter()
            .find(|t| t.terms.iter().take(3).any(|x| x == "parking"))
            .unwrap_or_else(|| panic!("no parking cluster: {a:?}"));
        assert!(park.size >= 5, "{park:?}");
        assert!(
            park.examples.iter().all(|e| e.contains("parking")),
            "{park:?}"
        );
        assert!(park.examples.len() == 5);
    }

    #[test]
    fn candidates_are_untagged_or_doubtful() {
        use crate::tagger::{Sentiment, Tagging, ThemeTag};
        let tag = |c: Option<f32>| ThemeTag {
            theme: 0,
            polarity: Sentiment::Negative,
            confidence: c,
            evidence: Vec::new(),
        };
        let t = |themes: Vec<ThemeTag>| Tagging {
            sentiment: Sentiment::Neutral,
            sentiment_score: 0.0,
            themes,
        };
        assert!(is_candidate(&t(vec![])));
        assert!(is_candidate(&t(vec![tag(Some(0.55))])));
        assert!(!is_candidate(&t(vec![tag(Some(0.55)), tag(Some(0.9))])));
        assert!(
            !is_candidate(&t(vec![tag(None)])),
            "lexicon tags are not doubtful"
        );
    }

    #[test]
    fn too_few_comments_give_nothing() {
        let mut d = Discovery::default();
        d.add("one comment", 3);
        assert!(d.finish(|s| s.to_string()).is_empty());
    }
}
