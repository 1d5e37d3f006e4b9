//! Theme discovery: the comments no theme matched (or only with doubtful model tags, see
//! [`is_candidate`]) are clustered into suggested new themes.
//!
//! Choices, and why:
//! - Complaints (negative or mixed comments) and the rest are clustered apart: a root-cause
//!   suggestion that mixes "Pésimo servicio" with praise helps nobody, and a topic's
//!   complaints are what a manager acts on.
//! - Vectors are the encoder's sentence embeddings when there is an encoder (paraphrases and
//!   languages meet), mean-centred and L2-normalised (the raw vectors of e5 all point one way,
//!   which blurs cosine k-means); TF-IDF over words with `--encoder none`.
//! - Spherical k-means (cosine), k-means++ initialisation from a fixed seed, at most 50 rounds;
//!   k = round(sqrt(n / 4)) between 2 and 12 per group. Deterministic: same comments, same
//!   clusters.
//! - Clusters smaller than [`MIN_SIZE`] are dropped: they are noise more often than themes.
//! - Labels are the cluster's most distinctive terms by class-based TF-IDF (c-TF-IDF, as in
//!   BERTopic): term frequency in the cluster x log(1 + mean words per cluster / frequency of the
//!   term over all clusters). Terms are whole words: words of three letters or more in
//!   alphabetic scripts; in Chinese and Japanese, runs of two to four characters that are free
//!   on both sides (at least [`MIN_VARIETY`] different neighbours left and right over all the
//!   comments, the "accessor variety" test of word segmentation), so "服务" is a term and the
//!   fragment "务很" of "服务很好" is not.
//! - Examples: the five comments closest to the cluster centre (distinct texts), and up to
//!   [`ADOPT_EXAMPLES`] for `npsight adopt`, which turns a suggestion into a theme of a taxonomy
//!   whose examples train its head; PII-masked unless --keep-pii.
//! - Memory is bounded: the first [`MAX_DOCS`] unthemed comments (input order) are kept.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::stats::{Category, NpsCounts};

pub const MAX_DOCS: usize = 20_000;
/// Examples kept per suggestion for `npsight adopt` (the closest to the centre).
pub const ADOPT_EXAMPLES: usize = 20;
/// Distinct neighbours a CJK run needs on each side to count as a word.
pub const MIN_VARIETY: usize = 3;
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
    /// "complaints" (negative or mixed comments) or "other".
    #[serde(default)]
    pub tone: String,
    /// Up to [`ADOPT_EXAMPLES`] examples with their language, closest first: what
    /// `npsight adopt` writes into the new theme.
    #[serde(default)]
    pub adopt_examples: Vec<AdoptExample>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdoptExample {
    pub lang: String,
    pub text: String,
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

#[derive(Debug)]
struct Doc {
    text: String,
    score: u8,
    lang: String,
    complaint: bool,
    embedding: Option<Vec<f32>>,
}

/// Unthemed comments, collected in input order.
#[derive(Debug, Default)]
pub struct Discovery {
    docs: Vec<Doc>,
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
    "если",
    "без",
    "раз",
    "просто",
    "можно",
    "там",
    "пока",
    "даже",
    "при",
    "чтобы",
    "этого",
    "только",
    "есть",
    "будет",
    "вам",
    "буду",
    "больше",
    "через",
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

/// One term candidate of a comment: a word of an alphabetic script, or a run of two to four
/// CJK characters with its neighbours (None: the run touches a boundary).
struct Candidate {
    text: String,
    cjk: Option<(Option<String>, Option<String>)>,
}

/// Chinese function characters a word neither starts nor ends with (particles, copula, measure
/// word): "的书", "了一", "个小" are fragments of a phrase, not words.
const CJK_EDGE: &[char] = &[
    '的', '了', '是', '就', '也', '都', '和', '在', '个', '着', '过', '吗', '呢', '吧', '啊', '很',
];

fn candidates(text: &str) -> Vec<Candidate> {
    let toks = crate::text::tokenize(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.cjk {
            // The maximal run of adjacent CJK characters from i.
            let mut j = i + 1;
            while j < toks.len() && toks[j].cjk && toks[j].start == toks[j - 1].end {
                j += 1;
            }
            let run: Vec<&str> = toks[i..j].iter().map(|t| t.text.as_str()).collect();
            for a in 0..run.len() {
                for len in 2..=4 {
                    if a + len > run.len() {
                        break;
                    }
                    let first = run[a].chars().next().unwrap_or(' ');
                    let last = run[a + len - 1].chars().last().unwrap_or(' ');
                    if CJK_EDGE.contains(&first) || (len > 2 && CJK_EDGE.contains(&last)) {
                        continue;
                    }
                    let left = (a > 0).then(|| run[a - 1].to_string());
                    let right = run.get(a + len).map(|c| c.to_string());
                    out.push(Candidate {
                        text: run[a..a + len].concat(),
                        cjk: Some((left, right)),
                    });
                }
            }
            i = j;
            continue;
        }
        if t.text.chars().count() >= 3 && !t.text.chars().all(|c| c.is_ascii_digit()) {
            out.push(Candidate {
                text: t.text.clone(),
                cjk: None,
            });
        }
        i += 1;
    }
    out.retain(|t| !STOP.contains(&t.text.as_str()));
    out
}

/// The CJK runs that behave as words over all the comments: at least [`MIN_VARIETY`] distinct
/// neighbours on each side (each boundary counts as a distinct neighbour), and not only ever
/// seen inside one longer such run.
fn cjk_words(cands: &[Vec<Candidate>]) -> std::collections::HashSet<String> {
    #[derive(Default)]
    struct Variety<'a> {
        left: std::collections::HashSet<&'a str>,
        right: std::collections::HashSet<&'a str>,
        left_edges: usize,
        right_edges: usize,
        count: usize,
    }
    let mut av: HashMap<&str, Variety> = HashMap::new();
    for doc in cands {
        for c in doc {
            if let Some((l, r)) = &c.cjk {
                let v = av.entry(c.text.as_str()).or_default();
                v.count += 1;
                match l {
                    Some(l) => {
                        v.left.insert(l.as_str());
                    }
                    None => v.left_edges += 1,
                }
                match r {
                    Some(r) => {
                        v.right.insert(r.as_str());
                    }
                    None => v.right_edges += 1,
                }
            }
        }
    }
    let free: HashMap<&str, usize> = av
        .iter()
        .filter(|(_, v)| {
            v.left.len() + v.left_edges >= MIN_VARIETY
                && v.right.len() + v.right_edges >= MIN_VARIETY
        })
        .map(|(t, v)| (*t, v.count))
        .collect();
    free.iter()
        .filter(|(t, n)| {
            // Dropped when a longer free run contains it every time it occurs.
            !free
                .iter()
                .any(|(u, m)| u.len() > t.len() && u.contains(*t) && m == *n)
        })
        .map(|(t, _)| t.to_string())
        .collect()
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

/// The vectors k-means runs on: sparse TF-IDF or dense (centred) embeddings.
enum Vectors<'a> {
    Sparse(&'a [Sparse], usize),
    Dense(Vec<Vec<f32>>),
}

impl Vectors<'_> {
    fn dim(&self) -> usize {
        match self {
            Vectors::Sparse(_, d) => *d,
            Vectors::Dense(v) => v.first().map_or(0, Vec::len),
        }
    }
    fn dot(&self, i: usize, c: &[f32]) -> f32 {
        match self {
            Vectors::Sparse(v, _) => v[i].iter().map(|(j, w)| w * c[*j]).sum(),
            Vectors::Dense(v) => v[i].iter().zip(c).map(|(a, b)| a * b).sum(),
        }
    }
    fn add_to(&self, i: usize, sum: &mut [f32]) {
        match self {
            Vectors::Sparse(v, _) => v[i].iter().for_each(|(j, w)| sum[*j] += w),
            Vectors::Dense(v) => v[i].iter().zip(sum.iter_mut()).for_each(|(a, s)| *s += a),
        }
    }
    fn dense(&self, i: usize) -> Vec<f32> {
        let mut c = vec![0f32; self.dim()];
        self.add_to(i, &mut c);
        c
    }
}

/// Spherical k-means over `items` (indices into `v`): the cluster of each item (by position in
/// `items`) and the centres.
fn kmeans(v: &Vectors, items: &[usize], k: usize) -> (Vec<usize>, Vec<Vec<f32>>) {
    let mut rng = SplitMix(SEED);
    let mut centres: Vec<Vec<f32>> = vec![v.dense(items[0])];
    while centres.len() < k {
        let d2: Vec<f64> = items
            .iter()
            .map(|&i| {
                let best = centres.iter().map(|c| v.dot(i, c)).fold(f32::MIN, f32::max);
                f64::from((1.0 - best).max(0.0)).powi(2)
            })
            .collect();
        let total: f64 = d2.iter().sum();
        if total <= 0.0 {
            break;
        }
        let mut r = rng.unit() * total;
        let mut pick = items[items.len() - 1];
        for (j, w) in d2.iter().enumerate() {
            if r < *w {
                pick = items[j];
                break;
            }
            r -= w;
        }
        centres.push(v.dense(pick));
    }
    let mut assign = vec![usize::MAX; items.len()];
    for _round in 0..50 {
        let mut changed = false;
        for (a, &i) in items.iter().enumerate() {
            let mut best = (0, f32::MIN);
            for (c, centre) in centres.iter().enumerate() {
                let s = v.dot(i, centre);
                if s > best.1 {
                    best = (c, s);
                }
            }
            if assign[a] != best.0 {
                assign[a] = best.0;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        for (c, centre) in centres.iter_mut().enumerate() {
            let mut sum = vec![0f32; v.dim()];
            for (a, &i) in items.iter().enumerate() {
                if assign[a] == c {
                    v.add_to(i, &mut sum);
                }
            }
            let norm = sum.iter().map(|w| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                sum.iter_mut().for_each(|w| *w /= norm);
                *centre = sum;
            }
        }
    }
    (assign, centres)
}

impl Discovery {
    /// Offer a comment that got no theme: its text, score, language, whether it is a complaint
    /// (negative or mixed) and the encoder's vector of it, if any.
    pub fn add(
        &mut self,
        text: &str,
        score: u8,
        lang: &str,
        complaint: bool,
        embedding: Option<&[f32]>,
    ) {
        self.seen += 1;
        if self.docs.len() < MAX_DOCS {
            self.docs.push(Doc {
                text: text.to_string(),
                score,
                lang: lang.to_string(),
                complaint,
                embedding: embedding.map(<[f32]>::to_vec),
            });
        }
    }

    /// Cluster and describe. `mask` is applied to the examples.
    pub fn finish(&self, mask: impl Fn(&str) -> String) -> Vec<DiscoveredTheme> {
        // The texts were masked before clustering; a placeholder is not a word of the comment
        // ("email" as a term would only say that addresses were written).
        let cands: Vec<Vec<Candidate>> = self
            .docs
            .iter()
            .map(|d| candidates(&crate::pii::without_placeholders(&d.text)))
            .collect();
        let words = cjk_words(&cands);
        let docs_terms: Vec<Vec<String>> = cands
            .into_iter()
            .map(|d| {
                d.into_iter()
                    .filter(|c| c.cjk.is_none() || words.contains(&c.text))
                    .map(|c| c.text)
                    .collect()
            })
            .collect();
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
        let sparse: Vec<Sparse> = docs_terms
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
        let dim = vocab.len();
        let mut out = Vec::new();
        for (tone, complaint) in [("complaints", true), ("other", false)] {
            let group: Vec<usize> = (0..n)
                .filter(|&i| self.docs[i].complaint == complaint)
                .collect();
            let with_embedding = !group.is_empty()
                && group.iter().all(|&i| {
                    self.docs[i]
                        .embedding
                        .as_ref()
                        .is_some_and(|e| !e.is_empty())
                });
            let (vectors, items): (Vectors, Vec<usize>) = if with_embedding {
                (self.centred(&group), (0..group.len()).collect())
            } else {
                let items: Vec<usize> = group
                    .iter()
                    .copied()
                    .filter(|&i| !sparse[i].is_empty())
                    .collect();
                (Vectors::Sparse(&sparse, dim), items)
            };
            // Document index of an item.
            let doc = |a: usize| {
                if with_embedding {
                    group[items[a]]
                } else {
                    items[a]
                }
            };
            if items.len() < 2 * MIN_SIZE {
                continue;
            }
            let k = ((items.len() as f64 / 4.0).sqrt().round() as usize).clamp(2, 12);
            let (assign, centres) = kmeans(&vectors, &items, k);
            let k = centres.len();
            // c-TF-IDF over the clusters of this group.
            let mut class_tf = vec![vec![0f32; dim]; k];
            for a in 0..items.len() {
                for t in &docs_terms[doc(a)] {
                    if let Some(&j) = index.get(t.as_str()) {
                        class_tf[assign[a]][j] += 1.0;
                    }
                }
            }
            let total_tf: Vec<f32> = (0..dim)
                .map(|j| class_tf.iter().map(|c| c[j]).sum())
                .collect();
            let mean_words = class_tf.iter().map(|c| c.iter().sum::<f32>()).sum::<f32>() / k as f32;
            for c in 0..k {
                let members: Vec<usize> = (0..items.len()).filter(|&a| assign[a] == c).collect();
                if members.len() < MIN_SIZE {
                    continue;
                }
                let words: f32 = class_tf[c].iter().sum::<f32>().max(1.0);
                // A label term must occur in at least two of the cluster's comments, and a word
                // in more than a third of all comments only when at least half of its uses are
                // in this cluster (the domain's own words, "bank" spread over every cluster of
                // bank reviews, name no topic).
                let mut scored: Vec<(f32, usize)> = (0..dim)
                    .filter(|&j| {
                        class_tf[c][j] >= 2.0
                            && (vocab[j].1 * 3 <= n || class_tf[c][j] * 2.0 >= total_tf[j])
                    })
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
                if terms.is_empty() {
                    continue;
                }
                let mut counts = NpsCounts::default();
                for &a in &members {
                    counts.add(Category::of(self.docs[doc(a)].score));
                }
                let mut by_closeness: Vec<(f32, usize)> = members
                    .iter()
                    .map(|&a| (vectors.dot(items[a], &centres[c]), doc(a)))
                    .collect();
                by_closeness.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                let mut examples: Vec<String> = Vec::new();
                let mut adopt_examples: Vec<AdoptExample> = Vec::new();
                for (_, i) in by_closeness {
                    let t = mask(&self.docs[i].text);
                    if adopt_examples.iter().any(|e| e.text == t) {
                        continue;
                    }
                    if examples.len() < 5 {
                        examples.push(t.clone());
                    }
                    adopt_examples.push(AdoptExample {
                        lang: self.docs[i].lang.clone(),
                        text: t,
                    });
                    if adopt_examples.len() == ADOPT_EXAMPLES {
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
                    tone: tone.to_string(),
                    adopt_examples,
                });
            }
        }
        out.sort_by(|a, b| b.size.cmp(&a.size).then(a.label.cmp(&b.label)));
        out
    }

    /// The group's embeddings, mean-centred and L2-normalised.
    fn centred(&self, group: &[usize]) -> Vectors<'static> {
        let dim = self.docs[group[0]].embedding.as_ref().map_or(0, Vec::len);
        let mut mean = vec![0f64; dim];
        for &i in group {
            if let Some(e) = &self.docs[i].embedding {
                for (m, x) in mean.iter_mut().zip(e) {
                    *m += f64::from(*x);
                }
            }
        }
        mean.iter_mut().for_each(|m| *m /= group.len() as f64);
        Vectors::Dense(
            group
                .iter()
                .map(|&i| {
                    let e = self.docs[i].embedding.as_deref().unwrap_or(&[]);
                    let mut v: Vec<f32> = (0..dim)
                        .map(|j| e.get(j).copied().unwrap_or(0.0) - mean[j] as f32)
                        .collect();
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    if norm > 0.0 {
                        v.iter_mut().for_each(|x| *x /= norm);
                    }
                    v
                })
                .collect(),
        )
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
            d.add(t, if i % 2 == 0 { 2 } else { 9 }, "en", true, None);
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
            embedding: None,
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
        d.add("one comment", 3, "en", true, None);
        assert!(d.finish(|s| s.to_string()).is_empty());
    }

    #[test]
    fn chinese_labels_are_whole_words_not_fragments() {
        let mut d = Discovery::default();
        let docs = [
            "服务很好，送餐很快",
            "服务不错，下次再来",
            "这家的服务很差",
            "服务太慢了，等了很久",
            "服务态度好",
            "外卖服务一般",
            "服务很好，味道一般",
            "送餐很快，服务周到",
            "快递服务很慢",
            "价格便宜，服务很好",
            "环境干净，服务热情",
            "味道很好，送餐很快",
            "味道不错，价格便宜",
            "价格太贵，味道一般",
            "送餐太慢，味道很差",
            "环境不错，价格很好",
        ];
        for t in docs {
            d.add(t, 5, "zh", false, None);
        }
        let all: Vec<String> = d
            .finish(|s| s.to_string())
            .into_iter()
            .flat_map(|t| t.terms)
            .collect();
        assert!(
            all.iter()
                .any(|t| ["服务", "味道", "价格", "送餐"].contains(&t.as_str())),
            "{all:?}"
        );
        for fragment in ["务很", "务不", "务太", "务态"] {
            assert!(!all.iter().any(|t| t == fragment), "{fragment} in {all:?}");
        }
    }

    #[test]
    fn complaints_and_praise_are_never_one_suggestion() {
        let mut d = Discovery::default();
        for i in 0..12 {
            let topic = ["chat", "agent", "email"][i % 3];
            d.add(&format!("the {topic} was great {i}"), 10, "en", false, None);
            d.add(&format!("the {topic} was useless {i}"), 1, "en", true, None);
        }
        let out = d.finish(|s| s.to_string());
        assert!(!out.is_empty());
        for t in &out {
            let praise = t.examples.iter().filter(|e| e.contains("great")).count();
            assert!(praise == 0 || praise == t.examples.len(), "{t:?}");
            assert_eq!(t.tone == "complaints", praise == 0, "{t:?}");
        }
    }

    #[test]
    fn embeddings_decide_the_clusters_when_every_comment_has_one() {
        // The words split the comments by parity, the vectors into first and second half:
        // the clusters follow the vectors.
        let mut d = Discovery::default();
        for i in 0..12 {
            let v: Vec<f32> = if i < 6 {
                vec![1.0, 0.01 * i as f32, 0.0]
            } else {
                vec![0.0, 0.01 * i as f32, 1.0]
            };
            let word = if i % 2 == 0 { "alpha" } else { "beta" };
            d.add(&format!("{word} {i}"), 3, "en", true, Some(&v));
        }
        let out = d.finish(|s| s.to_string());
        assert_eq!(out.len(), 2, "{out:?}");
        for t in &out {
            let half =
                |e: &AdoptExample| e.text.split(' ').nth(1).unwrap().parse::<usize>().unwrap() < 6;
            let first = half(&t.adopt_examples[0]);
            assert!(t.adopt_examples.iter().all(|e| half(e) == first), "{t:?}");
            assert!(t.adopt_examples.iter().all(|e| e.lang == "en"));
        }
    }
}
