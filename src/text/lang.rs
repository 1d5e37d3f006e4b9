//! Language identification. The script decides first (Han -> Chinese, Cyrillic -> Russian,
//! Latin with Vietnamese letters -> Vietnamese), because short comments defeat statistical
//! detectors; among the Latin languages `whatlang` decides. When it is unsure, the lexicons of
//! all the candidate languages of that script are used together, so "super, danke" is still
//! tagged even if it cannot be told apart from another language.

use whatlang::{Detector, Lang};

/// The languages npsight has lexicons for (ISO 639-1).
pub const SUPPORTED: [&str; 7] = ["en", "de", "ru", "vi", "zh", "es", "fr"];
const LATIN: [&str; 4] = ["en", "de", "es", "fr"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// ISO 639-1 code where one exists, else ISO 639-3; "und" when nothing could be detected.
    pub code: String,
    /// Whether the guess is confident; unsure guesses tag with every candidate's lexicon.
    pub reliable: bool,
    /// Lexicon languages to tag with.
    pub lexicons: Vec<&'static str>,
}

fn iso1(lang: Lang) -> String {
    let code = match lang {
        Lang::Eng => "en",
        Lang::Deu => "de",
        Lang::Rus => "ru",
        Lang::Vie => "vi",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Fra => "fr",
        Lang::Ita => "it",
        Lang::Por => "pt",
        Lang::Nld => "nl",
        Lang::Pol => "pl",
        Lang::Tur => "tr",
        Lang::Ukr => "uk",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Ara => "ar",
        Lang::Heb => "he",
        Lang::Swe => "sv",
        Lang::Dan => "da",
        Lang::Ces => "cs",
        Lang::Ron => "ro",
        Lang::Hun => "hu",
        Lang::Fin => "fi",
        Lang::Ell => "el",
        Lang::Hin => "hi",
        Lang::Tha => "th",
        Lang::Bul => "bg",
        other => return other.code().to_string(),
    };
    code.to_string()
}

fn is_vietnamese_letter(c: char) -> bool {
    matches!(c, 'ă' | 'Ă' | 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư')
        || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
}

#[derive(Default)]
struct ScriptCounts {
    letters: usize,
    han: usize,
    kana: usize,
    hangul: usize,
    cyrillic: usize,
    latin: usize,
    vietnamese: usize,
}

fn count_scripts(text: &str) -> ScriptCounts {
    let mut s = ScriptCounts::default();
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        s.letters += 1;
        match c as u32 {
            0x3040..=0x30FF => s.kana += 1,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => s.han += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF => s.hangul += 1,
            0x0400..=0x04FF => s.cyrillic += 1,
            0x0041..=0x024F | 0x1E00..=0x1EFF => {
                s.latin += 1;
                if is_vietnamese_letter(c) {
                    s.vietnamese += 1;
                }
            }
            _ => {}
        }
    }
    s
}

/// Function words that tell the Latin-script languages apart in a few words, where trigram
/// statistics cannot. Words shared by two of them ("de", "la", "no", "me") are left out.
const FUNCTION_WORDS: [(&str, &[&str]); 4] = [
    (
        "en",
        &[
            "the", "and", "is", "was", "to", "of", "i", "my", "it", "for", "with", "not", "very",
            "they", "you", "on", "but", "have", "this", "that", "were", "been", "thanks", "thank",
            "great", "good", "would", "could", "never", "so", "an", "at",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "war", "nicht", "ich", "mit", "sehr", "ein", "eine",
            "zu", "mir", "es", "auf", "für", "aber", "wurde", "hat", "habe", "den", "dem", "kein",
            "keine", "danke", "gut", "immer", "noch", "wir", "sie", "auch", "nach", "bei",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "y", "que", "muy", "es", "un", "una", "por", "con", "pero", "fue",
            "para", "lo", "mi", "del", "gracias", "bien", "nada", "nunca", "tengo", "han", "está",
            "estoy", "al", "sin", "cuando", "como", "más", "estuvo", "era", "hay", "nos", "este",
            "esta", "todo",
        ],
    ),
    (
        "fr",
        &[
            "le", "les", "et", "est", "très", "je", "pas", "une", "mais", "pour", "avec", "été",
            "il", "du", "mon", "ma", "j", "n", "c", "qu", "merci", "bien", "rien", "jamais", "ai",
            "suis", "au", "aux", "sans", "quand", "comme", "plus", "ce", "cette", "des", "on",
            "était", "ils", "elle", "nous", "vous",
        ],
    ),
];

fn function_word_scores(text: &str) -> [(usize, &'static str); 4] {
    let words: Vec<String> = crate::text::tokenize(text)
        .into_iter()
        .map(|t| t.text)
        .collect();
    let mut scores = [(0usize, "en"), (0, "de"), (0, "es"), (0, "fr")];
    for (i, (lang, list)) in FUNCTION_WORDS.iter().enumerate() {
        scores[i] = (
            words.iter().filter(|w| list.contains(&w.as_str())).count(),
            lang,
        );
    }
    scores
}

/// Latin script: function words first, whatlang's trigrams when they say nothing, and for
/// longer texts whatlang may also name an unsupported language (Italian, Dutch...).
fn detect_latin(text: &str, letters: usize) -> Language {
    let make = |code: &str, reliable: bool, lexicons: &[&'static str]| Language {
        code: code.to_string(),
        reliable,
        lexicons: lexicons.to_vec(),
    };
    if letters >= 40 {
        let wide = detect_with(
            vec![
                Lang::Eng,
                Lang::Deu,
                Lang::Spa,
                Lang::Fra,
                Lang::Ita,
                Lang::Por,
                Lang::Nld,
                Lang::Pol,
                Lang::Tur,
                Lang::Swe,
                Lang::Dan,
                Lang::Ces,
                Lang::Ron,
                Lang::Hun,
                Lang::Fin,
            ],
            text,
        );
        if let Some(i) = wide {
            let code = iso1(i.lang());
            if i.is_reliable() && !LATIN.contains(&code.as_str()) {
                return make(&code, true, &LATIN);
            }
        }
    }
    let mut scores = function_word_scores(text);
    scores.sort_by_key(|s| std::cmp::Reverse(s.0));
    let trigram = detect_with(vec![Lang::Eng, Lang::Deu, Lang::Spa, Lang::Fra], text);
    let tri_code = trigram.as_ref().map(|i| iso1(i.lang()));
    let (best, second) = (scores[0], scores[1]);
    if best.0 > second.0 {
        let lexicon = LATIN
            .iter()
            .find(|l| **l == best.1)
            .copied()
            .unwrap_or("en");
        let agrees = tri_code.as_deref() == Some(best.1);
        return make(best.1, best.0 >= second.0 + 2 || agrees, &[lexicon]);
    }
    if best.0 == 0 {
        // No function word at all ("Excellent service"): trigrams alone are a guess, so the
        // lexicons of every Latin-script language are used.
        let code = tri_code.unwrap_or_else(|| "und".to_string());
        return make(&code, false, &LATIN);
    }
    match trigram {
        Some(i) if i.is_reliable() || i.confidence() >= 0.5 => {
            let code = iso1(i.lang());
            let lexicon = LATIN.iter().find(|l| **l == code).copied().unwrap_or("en");
            make(&code, true, &[lexicon])
        }
        Some(i) => make(&iso1(i.lang()), false, &LATIN),
        None => make("und", false, &LATIN),
    }
}

fn detect_with(allow: Vec<Lang>, text: &str) -> Option<whatlang::Info> {
    Detector::with_allowlist(allow).detect(text)
}

/// What the file says about its language, beyond one comment: `Prior` is the file's dominant
/// language (measured on its first comments) and decides only where the comment alone is
/// unsure ("Excellent service", "STOP", Vietnamese typed without diacritics); `Forced` is the
/// analyst's `--language` and decides for every comment of a compatible script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanguageHint {
    Prior(&'static str),
    Forced(&'static str),
}

/// A supported language code as the static string the lexicons are keyed by.
pub fn supported(code: &str) -> Option<&'static str> {
    SUPPORTED.iter().find(|c| **c == code).copied()
}

fn script_of(code: &str) -> &'static str {
    match code {
        "zh" | "ja" => "han",
        "ru" | "uk" | "bg" | "be" | "sr" | "mk" => "cyrillic",
        "ko" | "ar" | "he" | "el" | "hi" | "th" => "other",
        _ => "latin",
    }
}

/// Detect the language of a normalised comment, with what the file says (see [`LanguageHint`]).
pub fn detect_language_with(text: &str, hint: Option<LanguageHint>) -> Language {
    let detected = detect_language(text);
    let Some(hint) = hint else { return detected };
    let (code, forced) = match hint {
        LanguageHint::Prior(c) => (c, false),
        LanguageHint::Forced(c) => (c, true),
    };
    if detected.code == code || (!forced && detected.reliable) || detected.code == "und" && forced {
        return if detected.code == "und" && forced {
            Language {
                code: code.to_string(),
                reliable: true,
                lexicons: vec![code],
            }
        } else {
            detected
        };
    }
    // Vietnamese typed without diacritics reads as Latin text of any language.
    if script_of(&detected.code) == script_of(code) || detected.code == "und" {
        return Language {
            code: code.to_string(),
            reliable: forced,
            lexicons: vec![code],
        };
    }
    detected
}

/// Detect the language of a normalised comment.
pub fn detect_language(text: &str) -> Language {
    let s = count_scripts(text);
    let make = |code: &str, reliable: bool, lexicons: &[&'static str]| Language {
        code: code.to_string(),
        reliable,
        lexicons: lexicons.to_vec(),
    };
    if s.letters == 0 {
        return make("und", false, &SUPPORTED);
    }
    if s.kana > 0 && s.kana * 5 >= s.han {
        return make("ja", true, &SUPPORTED);
    }
    if s.han * 2 >= s.letters {
        return make("zh", true, &["zh", "en"]);
    }
    if s.hangul * 2 >= s.letters {
        return make("ko", true, &SUPPORTED);
    }
    if s.cyrillic * 2 >= s.letters {
        let info = detect_with(
            vec![
                Lang::Rus,
                Lang::Ukr,
                Lang::Bul,
                Lang::Bel,
                Lang::Srp,
                Lang::Mkd,
            ],
            text,
        );
        return match info {
            Some(i) if i.lang() != Lang::Rus && i.is_reliable() && s.letters >= 20 => {
                make(&iso1(i.lang()), true, &["ru"])
            }
            _ => make("ru", true, &["ru"]),
        };
    }
    if s.latin * 2 >= s.letters {
        if s.vietnamese >= 1 {
            return make("vi", true, &["vi"]);
        }
        return detect_latin(text, s.letters);
    }
    let info = Detector::new().detect(text);
    match info {
        Some(i) => make(&iso1(i.lang()), i.is_reliable(), &SUPPORTED),
        None => make("und", false, &SUPPORTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_prior_decides_short_answers_only() {
        let en = Some(LanguageHint::Prior("en"));
        // Unsure alone ("Excellent service" has no function word): the file's language wins.
        assert_eq!(detect_language_with("Excellent service", en).code, "en");
        assert_eq!(detect_language_with("STOP", en).code, "en");
        // A confident detection of another language stays.
        let de = detect_language_with("Der Techniker war sehr freundlich und kompetent", en);
        assert_eq!(de.code, "de");
        // A prior never crosses scripts.
        assert_eq!(detect_language_with("服务很好", en).code, "zh");
    }

    #[test]
    fn forced_language_reads_vietnamese_without_diacritics() {
        let vi = Some(LanguageHint::Forced("vi"));
        let l = detect_language_with("nhan vien rat nhiet tinh", vi);
        assert_eq!(
            (l.code.as_str(), l.lexicons.as_slice()),
            ("vi", &["vi"][..])
        );
        assert_eq!(detect_language_with("服务很好", vi).code, "zh");
    }

    #[test]
    fn scripts_decide_first() {
        assert_eq!(detect_language("等了很久").code, "zh");
        assert_eq!(detect_language("Очень долго ждал").code, "ru");
        assert_eq!(detect_language("chờ lâu quá").code, "vi");
        assert_eq!(detect_language("🙂🙂").code, "und");
    }

    #[test]
    fn short_latin_comments() {
        for (text, code) in [
            ("great service thanks", "en"),
            ("Super Service, danke", "de"),
            ("très bien merci", "fr"),
            ("muy bien gracias", "es"),
        ] {
            assert_eq!(detect_language(text).code, code, "{text}");
        }
        let unsure = detect_language("Super");
        assert!(!unsure.reliable && unsure.lexicons.len() == 4, "{unsure:?}");
    }

    #[test]
    fn latin_languages() {
        let cases = [
            (
                "I waited on hold for forty minutes and nobody could help me",
                "en",
            ),
            (
                "Ich habe vierzig Minuten in der Warteschleife gewartet und niemand konnte helfen",
                "de",
            ),
            (
                "J'ai attendu quarante minutes au téléphone et personne n'a pu m'aider",
                "fr",
            ),
            (
                "Esperé cuarenta minutos al teléfono y nadie pudo ayudarme con mi problema",
                "es",
            ),
        ];
        for (text, code) in cases {
            let l = detect_language(text);
            assert_eq!(l.code, code, "{text}");
            assert_eq!(l.lexicons, [code]);
        }
    }
}
