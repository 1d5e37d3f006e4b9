//! Personal-data masking for everything meant for people (report verbatims, coaching packs):
//! e-mail addresses (internationalised too), payment card numbers (Luhn-checked; spaced, dashed,
//! full-width, with an expiry date after), IBANs (mod-97-checked; any case, spaced or dashed),
//! phone numbers in national and international formats, customer / contract / account numbers
//! after their label, and names after a title, a greeting, thanks, a sign-off, an agent word
//! ("the agent Kevin", "оператору Марине") or "my name is" in the seven supported languages.
//! Each is replaced by a typed placeholder (`[EMAIL]`, `[CARD]`, `[IBAN]`, `[PHONE]`,
//! `[ACCOUNT]`, `[NAME]`). Masking is idempotent: placeholders never match again.
//!
//! Order, ticket, invoice, case and tracking numbers after their label are left alone: they name
//! a contact, not a person, and analysts use them to find the case. A customer, contract or
//! account number names the customer and is masked as `[ACCOUNT]`. A number written as an
//! international phone number (`+49 ...`) is a phone whatever label stands before it.

use std::sync::OnceLock;

use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Email,
    Card,
    Iban,
    Phone,
    /// A customer, contract or account number after its label.
    Account,
    Name,
}

impl Kind {
    pub fn placeholder(self) -> &'static str {
        match self {
            Kind::Email => "[EMAIL]",
            Kind::Card => "[CARD]",
            Kind::Iban => "[IBAN]",
            Kind::Phone => "[PHONE]",
            Kind::Account => "[ACCOUNT]",
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
    /// A name after a title or "my name is" ("Frau Dr. Müller", "Меня зовут Ольга", "我叫王芳").
    name: Regex,
    /// "I'm Rachel Green", "Ich bin Sabine Vogt": two capitalised words at least, since one
    /// is as often a noun ("Ich bin Kunde").
    intro: Regex,
    /// A name after a greeting, thanks, a sign-off, an agent word or a Vietnamese kinship
    /// pronoun ("Hi Sarah", "merci à Julie", "Regards, Tom Baker", "оператору Марине",
    /// "chị Hương").
    greeting: Regex,
    /// A common Chinese surname before a title (李先生, 张经理).
    han_title: Regex,
    /// A Chinese name after thanks or 客服 (谢谢王小明！, 客服小张).
    han_thanks: Regex,
    /// A label for a reference or customer number, just before a number.
    reference: Regex,
    /// A customer, contract or account number after its label; group 1 is the number.
    account: Regex,
    /// A currency just after a number ("1 250 000 000 đồng").
    currency_after: Regex,
    /// A currency just before a number.
    currency_before: Regex,
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
    "Everybody",
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
    "Customer",
    "Customers",
    "Service",
    "Services",
    "Guys",
    "Folks",
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
    "Ihnen",
    "Euch",
    "Dir",
    "Grüße",
    "Gruß",
    "Je",
    "Nous",
    "Vous",
    "Tous",
    "Yo",
    "Muchas",
    "Todos",
    "Tôi",
    "Em",
    "Anh",
    "Chị",
    "Я",
    "Мы",
    "Вы",
    "Вам",
    "Всем",
    "Господин",
    "Госпожа",
    // Pronouns and words that start the sentence after a greeting ("Bonsoir Très pratique",
    // "С уважением Ваш клиент", "Sehr geehrte Damen").
    "Merci",
    "Très",
    "Damen",
    "Herren",
    "Ihr",
    "Ihre",
    "Votre",
    "Vos",
    "Su",
    "Sus",
    "Usted",
    "Ваш",
    "Ваша",
    "Ваши",
    "Ваше",
    "Вас",
    "Вами",
    "Благодарю",
    "Спасибо",
];

/// Parts of words that name a service or an organisation, not a person ("Kundenservice",
/// "Telekom-Team", "Сбербанку").
const SERVICE_WORDS: &[&str] = &[
    "team",
    "service",
    "support",
    "hotline",
    "kunden",
    "équipe",
    "equipo",
    "servicio",
    "служб",
    "поддержк",
    "команд",
    "bank",
    "банк",
    "kasse",
    "telecom",
    "telekom",
    "airline",
    "versicherung",
    "insurance",
    "assurance",
    "seguros",
    "страхов",
];

/// Lower-case particles inside names ("Ludwig van Beethoven", "María de la Cruz").
const PARTICLES: &str = "van|von|der|den|de|del|della|di|da|du|dos|das|le|la|bin|ibn|ter|ten";

/// Common Chinese surnames that rarely start an ordinary word: a bare name after thanks must
/// start with one (谢谢王小明, not 谢谢京东).
const HAN_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范贾夏韦邹孟熊秦邱尹薛闫段雷侯陶黎贺顾毛郝龚邵钱严覃戴莫孔汤";

/// Ordinary words that start with a surname character (服务周到, 马上).
const HAN_NOT_NAMES: &[&str] = &["周到", "马上", "黄金", "林子"];

/// A capitalised name of one to four words: words of two letters or more, or initials ("M.",
/// "А.И.").
fn name_group() -> String {
    let word = r"(?:\p{Lu}[\p{L}'’\-]*\p{L}|\p{Lu}\.(?:\p{Lu}\.)*)";
    format!(r"({word}(?:[ \t\u{{00A0}}]+(?:(?:{PARTICLES})[ \t\u{{00A0}}]+)*{word}){{0,3}})")
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let name = name_group();
        let surname = format!("[{HAN_SURNAMES}]");
        Patterns {
            // Internationalised addresses too (müller@bücher.de, почта@пример.рф); a Latin local
            // part does not run back into Chinese text before it (请发到li@example.cn).
            email: Regex::new(concat!(
                r"(?i)(?:\p{Han}[\p{Han}\p{N}._+\-]*|[[\p{L}\p{N}._%+\-'’]&&[^\p{Han}]]+)",
                r"@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}"
            ))
            .unwrap(),
            // Upper or lower case, grouped by spaces or dashes; the edges are checked in `find`
            // (a word boundary would miss "退款到DE89...").
            iban: Regex::new(r"(?i)[A-Z]{2}[0-9]{2}(?:[ \-]?[A-Z0-9]){11,30}").unwrap(),
            // A run of digits (any script's) with the separators people type in phone and card
            // numbers.
            digits: Regex::new(r"(?:\+|\b00)?\(?\d[\d \u{00A0}().\-/]{6,}\d").unwrap(),
            name: Regex::new(&format!(
                concat!(
                    r"(?:\b(?:[Mm]y name is|[Mm]y name's|[Ii] am called|[Nn]ame's|[Ii]ch heiße|",
                    r"[Mm]ein [Nn]ame ist|[Jj]e m['’]appelle|[Mm]on nom est|[Mm]e llamo|",
                    r"[Mm]i nombre es|[Мм]еня зовут|[Tt]ôi tên là|[Tt]ên tôi là|",
                    r"Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?|Dr\.?|Prof\.?|Herr|Frau|[Mm]onsieur|[Mm]adame|",
                    r"Mme\.?|Mlle\.?|Sr\.?|Sra\.?|Srta\.?|[Ss]eñor|[Ss]eñora|[Ss]eñorita|",
                    r"[Гг]осподин|[Гг]оспожа)|我叫|我的名字是)",
                    r"(?:\s*(?:Dr|Prof|Ing|Mag)\.?)*\s*(?:{name}|(\p{{Han}}{{2,3}}))"
                ),
                name = name
            ))
            .unwrap(),
            intro: Regex::new(&format!(
                r"\b(?:I'm|I’m|I am|Ich bin|Je suis|Soy|Yo soy)\s+(\p{{Lu}}[\p{{L}}'’\-]*\p{{L}}[ \t\u{{00A0}}]+(?:(?:{PARTICLES})[ \t\u{{00A0}}]+)*\p{{Lu}}[\p{{L}}'’\-]*\p{{L}}(?:[ \t\u{{00A0}}]+\p{{Lu}}[\p{{L}}'’\-]*\p{{L}}){{0,2}})"
            ))
            .unwrap(),
            greeting: Regex::new(&format!(
                concat!(
                    r"(?:\b(?i:good (?:morning|afternoon|evening)|hi|hello|hey|dear|",
                    r"(?:many |big |special )?thanks(?: a lot)?(?: to)?|thank you(?: to)?|cheers|",
                    r"(?:kind |best |warm )?regards|best wishes|sincerely|greetings|",
                    // Longer greetings first: "Liebe Grüße, Anja" is not "Liebe" + "Grüße".
                    r"(?:viele |liebe |beste )?grüße|gruß|hallo|servus|moin|liebe[rs]?|",
                    r"sehr geehrte[rs]?|danke(?: schön| sehr)?(?: an)?|vielen dank(?: an)?|dank an|",
                    r"mit freundlichen grüßen|",
                    r"bonjour|bonsoir|salut|cher|chère|(?:un grand )?merci(?: beaucoup)?(?: à)?|",
                    r"cordialement|bien à vous|amitiés|salutations|",
                    r"hola|buenos días|buenas tardes|(?:muchas )?gracias(?: a)?|querid[oa]|",
                    r"estimad[oa]|(?:un )?saludos?|atentamente|cordialmente|",
                    r"здравствуйте|привет|добрый день|(?:большое |огромное )?спасибо|благодарю|",
                    r"с уважением|уважаем(?:ый|ая)|",
                    r"chào|xin chào|cảm ơn|cám ơn|trân trọng|",
                    r"agent|advisor|adviser|operator|rep|representative|colleague|",
                    r"mitarbeiter(?:in)?|berater(?:in)?|kollegin|kollegen?|conseill(?:er|ère)|",
                    r"opérat(?:eur|rice)|agente|asesora?|operadora?|",
                    r"оператор(?:у|а|ом)?|специалист(?:у|а|ом)?|менеджер(?:у|а|ом)?|",
                    r"сотрудни(?:к|ку|ка|ком|ца|це|цы)|nhân viên|tư vấn viên|",
                    r"anh|chị|em|bạn|cô|chú|bác|ông|bà)|\b(?i:best),)",
                    r",?\s+{name}"
                ),
                name = name
            ))
            .unwrap(),
            han_title: Regex::new(&format!(
                r"({surname})(?:先生|女士|小姐|经理|老师|师傅|主管)"
            ))
            .unwrap(),
            han_thanks: Regex::new(&format!(
                r"(?:谢谢|感谢|多谢|客服)(?:((?:小|老){surname})|({surname}\p{{Han}}{{1,2}}?)(?:[，,。！!、\s]|的|$))"
            ))
            .unwrap(),
            reference: Regex::new(concat!(
                r"(?i)(?:\b(?:order|ticket|ref|reference|case|invoice|booking|tracking|parcel|",
                r"shipment|call id|id|contract|customer|client|account|acct|subscriber|member|",
                r"bestell|auftrag|vertrag|rechnung|kunden|vorgang|konto|sendung|paket|",
                r"commande|facture|dossier|référence|contrat|compte|colis|suivi|",
                r"pedido|factura|referencia|contrato|cliente|cuenta|incidencia|envío|seguimiento|",
                r"заказ|договор|сч[её]т|заявк|обращени|трек|посылк|",
                r"đơn hàng|hợp đồng|hóa đơn|mã|vận đơn|khách hàng|tài khoản)\w*|",
                r"(?:订单|单号|工单|合同|发票|客户|账户|账号|快递|运单|会员|编号)(?:编号|号码|号)?)",
                r"(?:[\s.:：#№°\-]*(?:no|nr|n°|number|nummer|numéro|número|номер|số|id|编号|号))*",
                r"[\s.:：#№°\-]*(?:\S*\d\S*\s+)*$"
            ))
            .unwrap(),
            account: Regex::new(concat!(
                r"(?i)(?:\b(?:contract|customer|client|account|acct|subscriber|membership|member|",
                r"vertrag|kunden|konto|mitglied|contrat|compte|abonné|contrato|cliente|cuenta|",
                r"abonado|socio|договор|клиент|лицев\w*\s+сч[её]т|абонент|hợp\s+đồng|",
                r"khách\s+hàng|tài\s+khoản|thuê\s+bao)\w*|",
                r"(?:合同|客户|账户|账号|会员)(?:编号|号码|号)?)",
                r"(?:[\s.:：#№°\-]*(?:no|nr|n°|number|nummer|numéro|número|номер|số|id|编号|号))*",
                r"[\s.:：#№°\-]*",
                r"((?:\p{L}{1,4}-?)?\d[\p{L}\d\-/]*(?:[ \u{00A0}]\d[\p{L}\d\-/]*)*)"
            ))
            .unwrap(),
            currency_after: Regex::new(
                r"(?i)^\s*(?:€|\$|£|¥|₫|₽|元|円|руб|р\.|đồng|đ\b|vnd\b|eur\b|usd\b|gbp\b|rub\b|cny\b|chf\b|euros?\b|dollars?\b|pesos?\b|рубл|евро|долл|yuan\b)"
            )
            .unwrap(),
            currency_before: Regex::new(r"(?i)(?:€|\$|£|¥|₫|₽|usd|eur|gbp|rub|cny|vnd)\s*$").unwrap(),
        }
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

/// Whether a name found after a greeting or an agent word is a word people greet that is not a
/// name: "Hi Team", "Thanks UPS" (an acronym), "Danke Telekom-Team", "Thanks Vodafone team".
fn not_a_name(name: &str, after: &str) -> bool {
    let first = name.split_whitespace().next().unwrap_or("");
    let service = |w: &str| {
        let w = w.to_lowercase();
        SERVICE_WORDS.iter().any(|s| w.contains(s))
    };
    // An acronym or a shouted word ("Thanks UPS", "менеджера НЕРЕАЛЬНО").
    let capitals = first.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !first.chars().any(char::is_lowercase);
    // A contraction ("Hi, I’m", "Bonjour J’ai"), not "O’Malley".
    let contraction = first
        .split_once(['\'', '’'])
        .is_some_and(|(a, b)| a.chars().count() == 1 && b.starts_with(char::is_lowercase));
    let next = after
        .trim_start_matches([' ', '\u{00A0}', '-'])
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    NOT_NAMES.contains(&first.trim_end_matches('.'))
        || capitals
        || contraction
        || name.split_whitespace().any(service)
        || service(next)
}

/// Whether a Vietnamese kinship pronoun (`bà`, `em`, `bạn`, ...) at `trigger` stands where it
/// introduces no name: inside a proper noun ("Hai Bà Trưng" street, "Quán Bà ..."), plural
/// ("các bạn": you all) or as a classifier after a quantity ("1 em tôm").
fn kinship_without_name(before: &str, trigger: &str) -> bool {
    let trigger = trigger.trim_end_matches([',', ' ']);
    if !["anh", "chị", "em", "bạn", "cô", "chú", "bác", "ông", "bà"]
        .contains(&trigger.to_lowercase().as_str())
    {
        return false;
    }
    let prev = before.split_whitespace().next_back().unwrap_or("");
    let capital = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    (capital(trigger) && capital(prev) && !["Chào", "Xin", "Cảm", "Cám"].contains(&prev))
        || ["các", "mấy", "những", "vài", "một"].contains(&prev.to_lowercase().as_str())
        || prev.chars().next().is_some_and(|c| c.is_numeric())
}

/// The byte length of `name` cut before its first word, after the first, that is not part of a
/// name ("Tom" in "Hi Tom The app").
fn trim_name(name: &str) -> usize {
    let mut end = 0;
    for (i, w) in name.split_whitespace().enumerate() {
        if i > 0 && NOT_NAMES.contains(&w) {
            break;
        }
        end += name[end..].find(w).unwrap_or(0) + w.len();
    }
    end
}

/// Find personal data in `text`; spans are sorted and do not overlap.
pub fn find(text: &str) -> Vec<Span> {
    let p = patterns();
    let mut spans: Vec<Span> = Vec::new();
    let push = |spans: &mut Vec<Span>, start: usize, end: usize, kind: Kind| {
        if start < end && !spans.iter().any(|s| s.start < end && start < s.end) {
            spans.push(Span { start, end, kind });
        }
    };
    // Most comments have no "@", no digit and no Chinese: the patterns that need one are not run.
    let has_at = text.contains('@');
    let has_digit = text.chars().any(char::is_numeric);
    let has_han = text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    for m in has_at
        .then(|| p.email.find_iter(text))
        .into_iter()
        .flatten()
    {
        // Quotes around an address are not part of it.
        let lead = m.as_str().len() - m.as_str().trim_start_matches(['\'', '’', '.']).len();
        push(&mut spans, m.start() + lead, m.end(), Kind::Email);
    }
    // IBAN-shaped text that fails the checksum: its digits are not a phone number either.
    let mut not_iban: Vec<(usize, usize)> = Vec::new();
    for m in has_digit
        .then(|| p.iban.find_iter(text))
        .into_iter()
        .flatten()
    {
        // Not inside a longer token ("...e_nP67cvfTj-dfj59...").
        if text[..m.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        // Case-insensitive, the match can run on into the next words ("... 00 ok"): the
        // longest start of it that ends a group and passes the checksum.
        let s = m.as_str();
        let rest = &text[m.end()..];
        let mut ends = s
            .char_indices()
            .filter(|(i, c)| {
                c.is_ascii_alphanumeric()
                    && s[i + 1..]
                        .chars()
                        .next()
                        .or_else(|| rest.chars().next())
                        .is_none_or(|n| !n.is_ascii_alphanumeric() && n != '_')
            })
            .map(|(i, _)| i + 1);
        // One case throughout: a mixed-case run that passes the checksum by chance (1 in 97)
        // is not an IBAN.
        let one_case = |t: &str| {
            !(t.chars().any(|c| c.is_ascii_lowercase())
                && t.chars().any(|c| c.is_ascii_uppercase()))
        };
        match ends.rfind(|e| iban_ok(&s[..*e]) && one_case(&s[..*e])) {
            Some(end) => push(&mut spans, m.start(), m.start() + end, Kind::Iban),
            None => not_iban.push((m.start(), m.end())),
        }
    }
    for m in has_digit
        .then(|| p.digits.find_iter(text))
        .into_iter()
        .flatten()
    {
        let s = m
            .as_str()
            .trim_end_matches([' ', '\u{00A0}', '(', '.', '-', '/']);
        let digits = digit_values(s);
        // "+44 ..." or "0049 89 ...": an international dialling prefix when a separator follows
        // the country code ("00123456789" after "client" is a customer number).
        let international = s.starts_with('+')
            || (s.starts_with("00") && s[2..].chars().take(4).any(|c| !c.is_numeric()));
        let end = m.start() + s.len();
        let before = &text[..m.start()];
        // Digits inside a code ("AA1 0123", "KH00123456", "HD-2026-00871") or inside
        // IBAN-shaped text are not a phone number.
        let in_code = before
            .strip_suffix(['-', '/'])
            .unwrap_or(before)
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphabetic())
            || not_iban.iter().any(|(a, b)| *a < end && m.start() < *b);
        if (13..=19).contains(&digits.len()) && luhn_ok(&digits) && !international {
            push(&mut spans, m.start(), end, Kind::Card);
        } else if let Some(card_end) = card_prefix(s).filter(|_| !international) {
            // A card number followed by more digits (an expiry date, a CVC).
            push(&mut spans, m.start(), m.start() + card_end, Kind::Card);
        } else if in_code
            || looks_like_date(s)
            || p.currency_after.is_match(&text[end..])
            || p.currency_before.is_match(before)
            || (!international && p.reference.is_match(before))
        {
            // A date, an amount, or a reference number after its label (a customer number is
            // masked below as an account); an international number (+...) is a phone whatever
            // label stands before it ("Contract: +49 30 1234567").
            continue;
        } else if (international && (8..=15).contains(&digits.len()))
            || (9..=15).contains(&digits.len())
        {
            push(&mut spans, m.start(), end, Kind::Phone);
        }
    }
    for c in has_digit
        .then(|| p.account.captures_iter(text))
        .into_iter()
        .flatten()
    {
        let (label, id) = (c.get(0).expect("match"), c.get(1).expect("id group"));
        let label_text = text[label.start()..id.start()].to_lowercase();
        let id_text = id.as_str().trim_end_matches(['-', '/']);
        let service = ["servic", "dienst", "hotline", "support"]
            .iter()
            .any(|w| label_text.contains(w));
        if digit_values(id_text).len() >= 5 && !looks_like_date(id_text) && !service {
            push(
                &mut spans,
                id.start(),
                id.start() + id_text.len(),
                Kind::Account,
            );
        }
    }
    for c in has_han
        .then(|| p.han_title.captures_iter(text))
        .into_iter()
        .flatten()
    {
        let g = c.get(1).expect("surname group");
        push(&mut spans, g.start(), g.end(), Kind::Name);
    }
    for c in p.name.captures_iter(text) {
        let g = c.get(1).or_else(|| c.get(2)).expect("name group");
        // A title is not a name ("Dr" in "Herr Dr. [NAME]", masked in an earlier pass).
        let first = g.as_str().split([' ', '.']).next().unwrap_or("");
        if !["Dr", "Prof", "Ing", "Mag"].contains(&first) {
            push(&mut spans, g.start(), g.end(), Kind::Name);
        }
    }
    for c in p.intro.captures_iter(text) {
        let g = c.get(1).expect("name group");
        if !not_a_name(g.as_str(), &text[g.end()..]) {
            push(
                &mut spans,
                g.start(),
                g.start() + trim_name(g.as_str()),
                Kind::Name,
            );
        }
    }
    for c in p.greeting.captures_iter(text) {
        let (m, g) = (c.get(0).expect("match"), c.get(1).expect("name group"));
        let trigger = &text[m.start()..g.start()];
        if !not_a_name(g.as_str(), &text[g.end()..])
            && !kinship_without_name(&text[..m.start()], trigger.trim_end())
        {
            push(
                &mut spans,
                g.start(),
                g.start() + trim_name(g.as_str()),
                Kind::Name,
            );
        }
    }
    for c in has_han
        .then(|| p.han_thanks.captures_iter(text))
        .into_iter()
        .flatten()
    {
        let g = c.get(1).or_else(|| c.get(2)).expect("a name group");
        if !HAN_NOT_NAMES.iter().any(|w| g.as_str().starts_with(w)) {
            push(&mut spans, g.start(), g.end(), Kind::Name);
        }
    }
    spans.sort_by_key(|s| s.start);
    spans
}

/// Whether personal data is masked in what people read (report verbatims, mismatch examples,
/// suggested themes, coaching packs, `tagged.jsonl`, segment values and ids): decided once from
/// `--keep-pii`, applied through this one type so no output decides it for itself.
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

    /// A segment value (agent, team, channel, ...) as the outputs show it, unless `--keep-pii`.
    /// Names stay: an agent's name is the unit of coaching and the report is about agents. An
    /// e-mail address, a phone, card, IBAN or account number in the value is replaced by its
    /// placeholder with a short tag from a hash of what it replaces (`[EMAIL kfqm]`), so two
    /// agents known by their e-mail addresses stay two segments, the same in every run.
    pub fn segment(self, value: &str) -> String {
        if self.keep_pii {
            return value.to_string();
        }
        replace_tagged(value, |s| s.kind != Kind::Name)
    }

    /// A response id as the outputs show it, unless `--keep-pii`: an e-mail address or an
    /// international phone number (`+...`) masked as in [`Masking::segment`]; other ids, long
    /// numeric ones included, are kept (they join the outputs to the export).
    pub fn id(self, id: &str) -> String {
        if self.keep_pii {
            return id.to_string();
        }
        replace_tagged(id, |s| {
            s.kind == Kind::Email || (s.kind == Kind::Phone && id[s.start..].starts_with('+'))
        })
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

/// `text` with the spans that `keep` selects replaced by their placeholder and a four-letter tag
/// (FNV-1a of the replaced text: stable across runs and machines).
fn replace_tagged(text: &str, keep: impl Fn(&Span) -> bool) -> String {
    // Every kind but names has an "@" or five digits: most values (agent and team names) are
    // returned without running the patterns.
    if !text.contains('@') && text.chars().filter(|c| c.is_numeric()).count() < 5 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in find(text).into_iter().filter(|s| keep(s)) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text[s.start..s.end].bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let tag: String = (0..4)
            .map(|i| char::from(b'a' + ((h >> (i * 8)) % 26) as u8))
            .collect();
        let name = s.kind.placeholder().trim_end_matches(']');
        out.push_str(&text[at..s.start]);
        out.push_str(&format!("{name} {tag}]"));
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `text` with each placeholder replaced by a space.
pub fn without_placeholders(text: &str) -> String {
    const ALL: [Kind; 6] = [
        Kind::Email,
        Kind::Card,
        Kind::Iban,
        Kind::Phone,
        Kind::Account,
        Kind::Name,
    ];
    if !text.contains('[') {
        return text.to_string();
    }
    ALL.iter()
        .fold(text.to_string(), |t, k| t.replace(k.placeholder(), " "))
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
    fn customer_numbers_are_masked_and_order_numbers_kept() {
        for (text, want) in [
            (
                "Kundennummer: 4711 0815 42 bitte",
                "Kundennummer: [ACCOUNT] bitte",
            ),
            (
                "Contract no. 88127733 renewed",
                "Contract no. [ACCOUNT] renewed",
            ),
            (
                "Номер договора 45-778812 нет",
                "Номер договора [ACCOUNT] нет",
            ),
            ("合同号：HT20261108，请", "合同号：[ACCOUNT]，请"),
            ("Contract: +49 30 1234567", "Contract: [PHONE]"),
            ("Ticket-Nr. 20261103-5521 zu", "Ticket-Nr. 20261103-5521 zu"),
            ("customer for 12 years", "customer for 12 years"),
            ("Vertrag bis 2026/11/30", "Vertrag bis 2026/11/30"),
            ("Tôi trả 2 500 000 000 đồng", "Tôi trả 2 500 000 000 đồng"),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
    }

    #[test]
    fn names_after_sign_offs_agents_and_titles() {
        for (text, want) in [
            ("Liebe Grüße, Anja Becker", "Liebe Grüße, [NAME]"),
            ("Herr Dr. Krause legte auf", "Herr Dr. [NAME] legte auf"),
            (
                "Большое спасибо оператору Марине.",
                "Большое спасибо оператору [NAME].",
            ),
            ("Soy María de la Cruz y", "Soy [NAME] y"),
            ("Ich bin Kunde seit 2010", "Ich bin Kunde seit 2010"),
            ("Mein Name ist Anna M. Schmidt.", "Mein Name ist [NAME]."),
            (
                "специалисту Тарасенко А.И. спасибо",
                "специалисту [NAME] спасибо",
            ),
            (
                "Thanks UPS and Danke Telekom-Team",
                "Thanks UPS and Danke Telekom-Team",
            ),
            ("感谢客服小王的耐心", "感谢客服[NAME]的耐心"),
            ("谢谢京东，服务周到", "谢谢京东，服务周到"),
            ("请发到li_na+x@example.cn，谢谢", "请发到[EMAIL]，谢谢"),
        ] {
            assert_eq!(mask(text), want, "{text}");
        }
    }

    #[test]
    fn segment_values_and_ids_keep_names_and_stay_distinct() {
        let m = Masking::new(false);
        assert_eq!(m.segment("Anna Berg"), "Anna Berg");
        let a = m.segment("k.lee@agents.example.com");
        let b = m.segment("j.roe@agents.example.com");
        assert!(
            a.starts_with("[EMAIL ") && b.starts_with("[EMAIL ") && a != b,
            "{a} {b}"
        );
        assert_eq!(a, m.segment("k.lee@agents.example.com"), "stable");
        assert!(m
            .segment("Team B (+49 30 9876543)")
            .starts_with("Team B ([PHONE "));
        assert_eq!(
            m.id("2026111612345"),
            "2026111612345",
            "numeric ids are kept"
        );
        assert!(m.id("+44 7700 900777").starts_with("[PHONE "));
        assert!(m.id("jo@example.org").starts_with("[EMAIL "));
        let kept = Masking::new(true);
        assert_eq!(
            kept.segment("k.lee@agents.example.com"),
            "k.lee@agents.example.com"
        );
        assert_eq!(without_placeholders("mail [EMAIL] now"), "mail   now");
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
