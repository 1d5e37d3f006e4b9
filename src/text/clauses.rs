//! Clause splitting. A comment is cut into sentences at terminal punctuation and line breaks,
//! and sentences into clauses at commas, colons and contrast markers ("but", "aber", "но",
//! "nhưng", "但是", "pero", "mais" ... from the sentiment lexicon). Sentiment is scored per
//! clause so that "lovely agent, but the wait was far too long" yields one positive and one
//! negative clause, and each theme mention takes the polarity of its own clause.

use super::tokens::Token;

/// A clause: tokens `tokens.0..tokens.1` of the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub tokens: (usize, usize),
    /// Index of the sentence (terminal punctuation) the clause belongs to.
    pub sentence: usize,
    /// Index of the stretch between terminal punctuation *and* contrast markers.
    pub segment: usize,
    /// The clause starts with a contrast marker.
    pub contrast: bool,
}

fn is_sentence_end(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | ';' | '\n' | '。' | '！' | '？' | '；' | '…' | '¡' | '¿'
    )
}

fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        ',' | '，' | '、' | ':' | '：' | '(' | ')' | '（' | '）' | '–' | '—'
    )
}

/// Split into clauses; `contrast_starts[i]` is true where token `i` begins a contrast marker.
pub fn split_clauses(text: &str, tokens: &[Token], contrast_starts: &[bool]) -> Vec<Clause> {
    let chars: Vec<char> = text.chars().collect();
    let mut clauses = Vec::new();
    let (mut sentence, mut segment) = (0, 0);
    let mut start = 0;
    let mut contrast = contrast_starts.first().copied().unwrap_or(false);
    for i in 1..tokens.len() {
        let gap = &chars[tokens[i - 1].end.min(chars.len())..tokens[i].start.min(chars.len())];
        let sentence_end = gap.iter().any(|c| is_sentence_end(*c))
            // "2.5" is a number, not two sentences.
            && !(gap == ['.'] && tokens[i].text.chars().all(|c| c.is_ascii_digit()));
        let starts_contrast = contrast_starts.get(i).copied().unwrap_or(false);
        if sentence_end || starts_contrast || gap.iter().any(|c| is_clause_break(*c)) {
            clauses.push(Clause {
                tokens: (start, i),
                sentence,
                segment,
                contrast,
            });
            start = i;
            contrast = starts_contrast;
            if sentence_end {
                sentence += 1;
                segment += 1;
            } else if starts_contrast {
                segment += 1;
            }
        }
    }
    if !tokens.is_empty() {
        clauses.push(Clause {
            tokens: (start, tokens.len()),
            sentence,
            segment,
            contrast,
        });
    }
    clauses
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn split(text: &str, contrast_words: &[&str]) -> Vec<(String, usize, usize, bool)> {
        let toks = tokenize(text);
        let starts: Vec<bool> = toks
            .iter()
            .map(|t| contrast_words.contains(&t.text.as_str()))
            .collect();
        split_clauses(text, &toks, &starts)
            .into_iter()
            .map(|c| {
                let words: Vec<&str> = toks[c.tokens.0..c.tokens.1]
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect();
                (words.join(" "), c.sentence, c.segment, c.contrast)
            })
            .collect()
    }

    #[test]
    fn splits_on_contrast_and_punctuation() {
        let got = split(
            "Lovely agent but the wait was long. Fixed, thanks",
            &["but"],
        );
        assert_eq!(
            got,
            [
                ("lovely agent".into(), 0, 0, false),
                ("but the wait was long".into(), 0, 1, true),
                ("fixed".into(), 1, 2, false),
                ("thanks".into(), 1, 2, false),
            ]
        );
    }

    #[test]
    fn chinese_punctuation() {
        let got = split("客服很好，但是等了很久。", &["但"]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, "但 是 等 了 很 久");
        assert!(got[1].3);
    }

    #[test]
    fn decimal_point_is_not_a_sentence_end() {
        assert_eq!(split("waited 2.5 hours", &[]).len(), 1);
    }
}
