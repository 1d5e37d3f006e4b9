//! A deterministic stand-in encoder for fast tests of code that consumes embeddings.
//!
//! Hashes lower-cased character trigrams into `dim` signed buckets and L2-normalises (the
//! "hashing trick"): texts sharing words get close vectors, no model or library is needed, and
//! the output is identical on every machine. It means nothing semantically across languages.

use anyhow::Result;
use unicode_normalization::UnicodeNormalization;

use super::Encoder;

#[derive(Debug, Clone)]
pub struct HashingEncoder {
    dim: usize,
}

impl HashingEncoder {
    pub fn new(dim: usize) -> Self {
        HashingEncoder { dim: dim.max(1) }
    }

    fn embed_one(&self, text: &str) -> Vec<f32> {
        let chars: Vec<char> = format!(" {} ", text.nfc().collect::<String>().to_lowercase())
            .chars()
            .collect();
        let mut v = vec![0f32; self.dim];
        for gram in chars.windows(3) {
            // FNV-1a: stable across platforms and Rust versions, unlike std's hasher.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in gram {
                h = (h ^ u64::from(*c)).wrapping_mul(0x0100_0000_01b3);
            }
            let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
            v[(h % self.dim as u64) as usize] += sign;
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.iter_mut().for_each(|x| *x /= norm);
        v
    }
}

impl Default for HashingEncoder {
    fn default() -> Self {
        HashingEncoder::new(64)
    }
}

impl Encoder for HashingEncoder {
    fn id(&self) -> String {
        format!("hashing-trigrams-{}", self.dim)
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_unit_length_deterministic_and_word_sensitive() {
        let e = HashingEncoder::default();
        let v = e
            .embed(&["long wait on hold", "long wait on hold", "friendly agent"])
            .unwrap();
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        assert!((dot(&v[0], &v[0]) - 1.0).abs() < 1e-5);
        assert_eq!(v[0], v[1]);
        assert!(dot(&v[0], &v[2]) < 0.9);
    }
}
