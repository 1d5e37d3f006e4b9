//! Word tokens with character offsets. A word is a run of letters, digits and combining marks;
//! every other character separates words, apostrophes included, except the English "n't" which
//! stays inside its word ("didn't") so that negators can be listed as written. Han characters and
//! kana are one word each: Chinese has no spaces, and lexicon phrases are matched character by
//! character, which is how a Chinese reader segments an unknown sentence anyway.

/// One word of a comment, lower-cased, with its span in characters of the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub cjk: bool,
}

/// Han ideographs, kana and CJK compatibility ideographs.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Combining marks of the common scripts (after NFC most are already composed).
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

pub fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() || is_mark(c)) && !is_cjk(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '\u{2018}')
}

/// A Traditional Chinese character as its Simplified form, so that one lexicon (written in
/// Simplified characters) matches comments from Taiwan and Hong Kong too ("質量" is "质量").
/// Only the token is folded: the comment, its offsets and what people read stay as written.
fn fold_traditional(c: char) -> String {
    let mut buf = [0u8; 4];
    let folded = fast2s::convert(c.encode_utf8(&mut buf));
    let mut chars = folded.chars();
    match (chars.next(), chars.next()) {
        (Some(f), None) => f.to_string(),
        _ => c.to_string(),
    }
}

/// Split `text` into lower-cased word tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::with_capacity(chars.len() / 4 + 1);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_cjk(c) {
            tokens.push(Token {
                text: fold_traditional(c),
                start: i,
                end: i + 1,
                cjk: true,
            });
            i += 1;
            continue;
        }
        if !is_word_char(c) {
            i += 1;
            continue;
        }
        let start = i;
        let mut word = String::new();
        while i < chars.len() {
            let c = chars[i];
            if is_word_char(c) {
                word.extend(c.to_lowercase());
                i += 1;
            } else if is_apostrophe(c)
                && word.ends_with('n')
                && chars.get(i + 1).is_some_and(|n| *n == 't' || *n == 'T')
                && !chars.get(i + 2).is_some_and(|n| is_word_char(*n))
            {
                word.push_str("'t");
                i += 2;
                break;
            } else {
                break;
            }
        }
        tokens.push(Token {
            text: word,
            start,
            end: i,
            cjk: false,
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_chinese_tokens_fold_to_simplified() {
        let t = tokenize("質量很好，服務態度差");
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            words,
            ["质", "量", "很", "好", "服", "务", "态", "度", "差"]
        );
        // Offsets stay those of the text as written.
        assert_eq!((t[4].start, t[4].end), (5, 6));
    }

    fn words(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_latin_and_keeps_nt() {
        assert_eq!(
            words("Didn't HELP, l'attente; follow-up!"),
            ["didn't", "help", "l", "attente", "follow", "up"]
        );
        assert_eq!(words("don’t"), ["don't"]);
    }

    #[test]
    fn chinese_characters_are_words() {
        let t = tokenize("等了很久，ok");
        assert_eq!(
            t.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            ["等", "了", "很", "久", "ok"]
        );
        assert_eq!((t[4].start, t[4].end), (5, 7));
    }

    #[test]
    fn offsets_are_characters() {
        let t = tokenize("ждал долго");
        assert_eq!((t[1].start, t[1].end), (5, 10));
        let t = tokenize("chờ lâu quá");
        assert_eq!(t[1].text, "lâu");
        assert_eq!((t[1].start, t[1].end), (4, 7));
    }
}
