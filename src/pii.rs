//! Personal-data masking for everything meant for people (report verbatims, coaching packs):
//! e-mail addresses, payment card numbers (Luhn-checked), IBANs (mod-97-checked), phone numbers
//! in national and international formats, and names introduced by a title or "my name is" in the
//! supported languages. Each is replaced by a typed placeholder (`[EMAIL]`, `[CARD]`, `[IBAN]`,
//! `[PHONE]`, `[NAME]`). Masking is idempotent: placeholders never match again.

use std::sync::OnceLock;

use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Email,
    Card,
    Iban,
    Phone,
    Name,
}

impl Kind {
    pub fn placeholder(self) -> &'static str {
        match self {
            Kind::Email => "[EMAIL]",
            Kind::Card => "[CARD]",
            Kind::Iban => "[IBAN]",
            Kind::Phone => "[PHONE]",
            Kind::Name => "[NAME]",
        }
    }
}

/// A span of personal data, in bytes of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

struct Patterns {
    email: Regex,
    iban: Regex,
    digits: Regex,
    name: Regex,
    /// A name after a greeting or thanks ("Hi Sarah", "Hallo Anna", "Cảm ơn anh Minh").
    greeting: Regex,
    /// A Chinese surname before an honorific (李先生, 王女士).
    han_title: Regex,
    /// A label for a reference number (order, ticket, contract, ...) just before a number.
    reference: Regex,
}

/// Capitalised words that follow greetings without being names.
const NOT_NAMES: &[&str] = &[
    "My",
    "The",
    "We",
    "Our",
    "Your",
    "You",
    "This",
    "That",
    "It",
    "Again",
    "All",
    "Everyone",
    "Team",
    "There",
    "So",
    "Very",
    "For",
    "Thanks",
    "Thank",
    "Sir",
    "Madam",
    "Support",
    "Please",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Dr",
    "Herr",
    "Frau",
    "Monsieur",
    "Madame",
    "Mme",
    "Sr",
    "Sra",
    "Señor",
    "Señora",
    "Ich",
    "Wir",
    "Sie",
    "Je",
    "Nous",
    "Vous",
    "Yo",
    "Muchas",
    "Tôi",
    "Em",
    "Anh",
    "Chị",
    "Я",
    "Мы",
    "Вы",
    "Господин",
    "Госпожа",
];

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // Internationalised addresses too (müller@bücher.de, почта@пример.рф).
        email: Regex::new(r"(?i)[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}").unwrap(),
        // Upper or lower case, grouped by spaces or dashes.
        iban: Regex::new(r"(?i)\b[A-Z]{2}[0-9]{2}(?:[ \-]?[A-Z0-9]){11,30}\b").unwrap(),
        // A run of digits with the separators people type in phone and card numbers.
        digits: Regex::new(r"(?:\+|\b00)?\(?\d[\d \u{00A0}().\-/]{6,}\d").unwrap(),
        name: Regex::new(concat!(
            r"(?:\b(?:[Mm]y name is|[Ii] am called|[Nn]ame's|[Ii]ch heiße|[Mm]ein [Nn]ame ist|[Jj]e m'appelle|[Mm]on nom est|",
            r"[Mm]e llamo|[Mm]i nombre es|[Мм]еня зовут|[Tt]ôi tên là|[Tt]ên tôi là|",
            r"Mr\.?|Mrs\.?|Ms\.?|Miss|Dr\.?|Herr|Frau|Monsieur|Madame|Mme\.?|Sr\.?|Sra\.?|Señor|Señora|[Гг]осподин|[Гг]оспожа)",
            r"|我叫|我的名字是)\s*",
            r"(\p{Lu}[\p{L}'\-]+(?:\s+\p{Lu}[\p{L}'\-]+){0,2}|\p{Han}{2,3})"
        ))
        .unwrap(),
        greeting: Regex::new(concat!(
            r"\b(?i:Hi|Hello|Hey|Dear|Thanks(?: to)?|Thank you|Hallo|Liebe|Lieber|Danke(?: an)?|Bonjour|Merci(?: à)?|Cher|Chère|",
            r"Hola|Gracias(?: a)?|Querid[oa]|Здравствуйте|Привет|Спасибо|Chào|Cảm ơn|chị|anh|cô|bác)",
            r",?\s+(\p{Lu}[\p{L}'\-]+(?:\s+\p{Lu}[\p{L}'\-]+){0,2})"
        ))
        .unwrap(),
        han_title: Regex::new(r"(\p{Han})(?:先生|女士|小姐)|(?:谢谢|感谢)(\p{Han}{2,3}?)(?:先生|女士|小姐|[，,。！!]|$)").unwrap(),
        reference: Regex::new(concat!(
            r"(?i)(?:order|ticket|ref|reference|case|invoice|contract|customer|booking|",
            r"bestell|auftrag|vertrag|rechnung|kunden|vorgang|commande|facture|dossier|référence|contrat|",
            r"pedido|factura|referencia|contrato|заказ|договор|сч[её]т|заявк|đơn hàng|hợp đồng|",
            r"订单|单号|工单|合同|发票)\w*\s*(?:(?:no|nr|n°|№|#|number|nummer|numéro|número|номер|号|:|\.)\s*)*$"
        ))
        .unwrap(),
    })
}

/// The decimal digits of `s`, ASCII or any other script's (full-width `０１２`, Arabic-Indic).
fn digit_values(s: &str) -> Vec<u8> {
    s.chars()
        .filter_map(|c| {
            c.to_digit(10).or_else(|| {
                // Unicode decimal digits come in runs of ten starting at a code point ending
                // in 0 (U+FF10 full-width, U+0660 Arabic-Indic, ...).
                c.is_numeric()
                    .then_some((c as u32) % 16)
                    .filter(|d| *d < 10 && ((c as u32) & 0xF) == *d)
            })
        })
        .map(|d| d as u8)
        .collect()
}

/// The byte length of the longest start of `s`, ending at a digit group's end, that is a
/// Luhn-valid card number of 13-19 digits.
fn card_prefix(s: &str) -> Option<usize> {
    let mut best = None;
    let mut digits = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(d) = digit_values(&c.to_string()).first() {
            digits.push(*d);
            let group_end = chars
                .peek()
                .is_none_or(|(_, n)| digit_values(&n.to_string()).is_empty());
            if group_end && (13..=19).contains(&digits.len()) && luhn_ok(&digits) {
                best = Some(i + c.len_utf8());
            }
        }
        if digits.len() > 19 {
            break;
        }
    }
    best
}

fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = *d as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn iban_ok(s: &str) -> bool {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    let mut rem = 0u32;
    for c in rearranged.chars() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn looks_like_date(s: &str) -> bool {
    static DATE: OnceLock<Regex> = OnceLock::new();
    let re = DATE.get_or_init(|| {
        Regex::new(r"^\(?\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}\)?$|^\d{1,2}[.:]\d{2}(?:\s*-\s*\d{1,2}[.:]\d{2})?$").unwrap()
    });
    re.is_match(s.trim())
}

/// Find personal data in `text`; spans are sorted and do not overlap.
pub fn find(text: &str) -> Vec<Span> {
    let p = patterns();
    let mut spans: Vec<Span> = Vec::new();
    let push = |spans: &mut Vec<Span>, start: usize, end: usize, kind: Kind| {
        if !spans.iter().any(|s| s.start < end && start < s.end) {
            spans.push(Span { start, end, kind });
        }
    };
    for m in p.email.find_iter(text) {
        push(&mut spans, m.start(), m.end(), Kind::Email);
    }
    for m in p.iban.find_iter(text) {
        // Case-insensitive, the match can run on into the next words ("... 00 ok"): the
        // longest start of it that ends a group and passes the checksum.
        let s = m.as_str();
        let mut ends = s
            .char_indices()
            .filter(|(i, c)| {
                c.is_ascii_alphanumeric()
                    && s[i + 1..]
                        .chars()
                        .next()
                        .is_none_or(|n| n == ' ' || n == '-')
            })
            .map(|(i, _)| i + 1);
        if let Some(end) = ends.rfind(|e| iban_ok(&s[..*e])) {
            push(&mut spans, m.start(), m.start() + end, Kind::Iban);
        }
    }
    for m in p.digits.find_iter(text) {
        let s = m
            .as_str()
            .trim_end_matches([' ', '\u{00A0}', '(', '.', '-', '/']);
        let digits = digit_values(s);
        let international = s.starts_with('+') || s.starts_with("00");
        let end = m.start() + s.len();
        if (13..=19).contains(&digits.len()) && luhn_ok(&digits) && !international {
            push(&mut spans, m.start(), end, Kind::Card);
        } else if let Some(card_end) = card_prefix(s).filter(|_| !international) {
            // A card number followed by more digits (an expiry date, a CVC).
            push(&mut spans, m.start(), m.start() + card_end, Kind::Card);
        } else if looks_like_date(s) || (!international && p.reference.is_match(&text[..m.start()]))
        {
            // A reference number after its label; an international number (+...) is a phone
            // whatever label stands before it ("Contract: +49 30 1234567").
            continue;
        } else if (international && (8..=15).contains(&digits.len()))
            || (9..=15).contains(&digits.len())
        {
            push(&mut spans, m.start(), end, Kind::Phone);
        }
    }
    for c in p.name.captures_iter(text) {
        let g = c.get(1).expect("name group");
        push(&mut spans, g.start(), g.end(), Kind::Name);
    }
    for c in p.greeting.captures_iter(text) {
        let g = c.get(1).expect("name group");
        let first = g.as_str().split_whitespace().next().unwrap_or("");
        if !NOT_NAMES.contains(&first) {
            push(&mut spans, g.start(), g.end(), Kind::Name);
        }
    }
    for c in p.han_title.captures_iter(text) {
        let g = c.get(1).or_else(|| c.get(2)).expect("a name group");
        push(&mut spans, g.start(), g.end(), Kind::Name);
    }
    spans.sort_by_key(|s| s.start);
    spans
}

/// Whether personal data is masked in what people read (report verbatims, mismatch examples,
/// suggested themes, coaching packs, `tagged.jsonl`): decided once from `--keep-pii`, applied
/// through this one type so no output decides it for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Masking {
    keep_pii: bool,
}

impl Masking {
    pub fn new(keep_pii: bool) -> Masking {
        Masking { keep_pii }
    }

    /// True unless `--keep-pii`.
    pub fn masks(self) -> bool {
        !self.keep_pii
    }

    /// `text`, masked unless `--keep-pii`.
    pub fn text(self, text: &str) -> String {
        if self.keep_pii {
            text.to_string()
        } else {
            mask(text)
        }
    }

    /// `text` and its evidence spans, masked (spans moved, see [`mask_with_spans`]) unless
    /// `--keep-pii`.
    pub fn with_spans(self, text: &str, spans: &[(usize, usize)]) -> (String, Vec<(usize, usize)>) {
        if self.keep_pii {
            (text.to_string(), spans.to_vec())
        } else {
            mask_with_spans(text, spans)
        }
    }
}

/// Replace personal data by typed placeholders. Idempotent: a placeholder can give a word
/// boundary that was not there ("…333меня зовут ID" → "[PHONE]меня зовут ID", found by the
/// `pii_mask` fuzz target), so masking repeats until nothing more is found.
pub fn mask(text: &str) -> String {
    mask_with_spans(text, &[]).0
}

/// Passes of masking at most; each pass replaces at least one span, and in practice the
/// second finds nothing.
const MAX_PASSES: usize = 8;

fn replace(text: &str, pii: &[Span]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in pii {
        out.push_str(&text[at..s.start]);
        out.push_str(s.kind.placeholder());
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_each_kind() {
        assert_eq!(
            mask("mail me at jo.doe+x@example.co.uk please"),
            "mail me at [EMAIL] please"
        );
        assert_eq!(
            mask("card 4111 1111 1111 1111 was charged"),
            "card [CARD] was charged"
        );
        assert_eq!(
            mask("IBAN DE89 3704 0044 0532 0130 00 ok"),
            "IBAN [IBAN] ok"
        );
        assert_eq!(mask("call +44 7700 900123 now"), "call [PHONE] now");
        assert_eq!(mask("ring 030 1234567."), "ring [PHONE].");
        assert_eq!(mask("номер 8 (912) 345-67-89"), "номер [PHONE]");
        assert_eq!(mask("My name is John Smith and"), "My name is [NAME] and");
        assert_eq!(mask("Frau Müller war nett"), "Frau [NAME] war nett");
        assert_eq!(mask("我叫王小明"), "我叫[NAME]");
    }

    #[test]
    fn leaves_ordinary_numbers() {
        for s in [
            "waited 45 minutes",
            "on 2026-11-16 at 14:30",
            "paid £45.50 twice",
            "ticket 12345",
            "4111 1111 1111 1112 is not a card",
        ] {
            let m = mask(s);
            assert!(
                !m.contains("[CARD]") && !m.contains("[PHONE]"),
                "{s} -> {m}"
            );
        }
    }

    #[test]
    fn idempotent_when_a_placeholder_makes_a_word_boundary() {
        // Regression: fuzz/artifacts/pii_mask/crash-8691174046f742fa08ab44b5e32965201a931e49.
        let text = "333333333333mеня зовут ID,NP:S,3333333333333<3333333333333=333";
        let once = mask(text);
        assert_eq!(mask(&once), once);
        // "mеня" is a Latin m with Cyrillic letters: not the phrase "меня зовут", so no name
        // is masked; the numbers are.
        assert!(
            once.starts_with("[PHONE]") && !once.contains("[NAME]"),
            "{once}"
        );
    }

    #[test]
    fn formats_that_leaked_in_the_hostile_pass() {
        for (text, want) in [
            (
                "card 4111 1111 1111 1111 12/27 cvc",
                "card [CARD] 12/27 cvc",
            ),
            (
                "call ０３０ １２３４ ５６７８ please",
                "call [PHONE] please",
            ),
            (
                "номер по заявке: +7 912 345-67-89",
                "номер по заявке: [PHONE]",
            ),
            ("Contract: +49 30 1234567", "Contract: [PHONE]"),
            ("hợp đồng: +84 912 345 678", "hợp đồng: [PHONE]"),
            ("facture : +33 6 12 34 56 78", "facture : [PHONE]"),
            ("iban de89 3704 0044 0532 0130 00 ok", "iban [IBAN] ok"),
            ("IBAN DE89-3704-0044-0532-0130-00 ok", "IBAN [IBAN] ok"),
            ("mail müller@bücher.de now", "mail [EMAIL] now"),
            ("почта иван@пример.рф", "почта [EMAIL]"),
            ("thanks to Sarah Connor for", "thanks to [NAME] for"),
            ("merci à Julie pour", "merci à [NAME] pour"),
            ("hi Tom, the app", "hi [NAME], the app"),
            ("谢谢王小明！", "谢谢[NAME]！"),
            ("My name is Anna Maria Schmidt and", "My name is [NAME] and"),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
        // Still not masked: order numbers after their label, dates, prices.
        for text in ["order no. 123456789", "on 12/27/2026", "paid 1,234.50 EUR"] {
            assert_eq!(mask(text), text);
        }
    }

    #[test]
    fn idempotent() {
        let once = mask("x@y.com +49 30 1234567 4111111111111111 Mr Bean");
        assert_eq!(mask(&once), once);
    }
}

/// Mask `text` and move character spans (evidence) to the masked text; a span that overlaps
/// personal data is dropped rather than shown half-masked.
pub fn mask_with_spans(text: &str, spans: &[(usize, usize)]) -> (String, Vec<(usize, usize)>) {
    let mut text = text.to_string();
    let mut spans = spans.to_vec();
    for _ in 0..MAX_PASSES {
        let pii = find(&text);
        if pii.is_empty() {
            break;
        }
        spans = move_spans(&text, &pii, &spans);
        text = replace(&text, &pii);
    }
    (text, spans)
}

/// One pass: character spans of `text` moved to `replace(text, pii)`.
fn move_spans(text: &str, pii: &[Span], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // (start char, end char, placeholder length in chars), counted in one walk over the text.
    let mut pii_chars: Vec<(usize, usize, usize)> = Vec::with_capacity(pii.len());
    let (mut chars, mut at) = (0usize, 0usize);
    for s in pii {
        chars += text[at..s.start].chars().count();
        let start = chars;
        chars += text[s.start..s.end].chars().count();
        at = s.end;
        pii_chars.push((start, chars, s.kind.placeholder().chars().count()));
    }
    let shift = |pos: usize| -> isize {
        pii_chars
            .iter()
            .filter(|(_, e, _)| *e <= pos)
            .map(|(s, e, l)| *l as isize - (*e - *s) as isize)
            .sum()
    };
    spans
        .iter()
        .filter(|(s, e)| !pii_chars.iter().any(|(ps, pe, _)| *ps < *e && *s < *pe))
        .map(|(s, e)| {
            (
                (*s as isize + shift(*s)) as usize,
                (*e as isize + shift(*e)) as usize,
            )
        })
        .collect()
}

#[cfg(test)]
mod span_tests {
    use super::*;

    #[test]
    fn spans_follow_the_masking() {
        let text = "mail a@b.com, waited on hold";
        let hold = text.find("on hold").unwrap();
        let (masked, spans) = mask_with_spans(text, &[(hold, hold + 7), (5, 12)]);
        assert_eq!(masked, "mail [EMAIL], waited on hold");
        assert_eq!(spans.len(), 1, "the span over the e-mail is dropped");
        let s: String = masked
            .chars()
            .skip(spans[0].0)
            .take(spans[0].1 - spans[0].0)
            .collect();
        assert_eq!(s, "on hold");
    }
}
