//! Whom a theme mention is about: the per-clause rule that decides whether a negative mention of
//! an agent-controllable theme (attitude, knowledge, resolution, repeat contact) counts against
//! the agent in a coaching pack.
//!
//! **The rule.** A tagged comment is not blamed on the agent as a whole. For each evidence span
//! of the theme (the lexicon or model match the tagger recorded), take the clause that holds it
//! (the clauses the sentiment scoring uses: sentences cut at commas, colons and contrast
//! words, `text::clauses`). The mention counts against the agent when, for at least one span:
//!
//! 1. the clause is not praise: its own sentiment-lexicon score (negation applied) is not
//!    positive, so "can't fault the agent" or "lovely agent, but ..." is never counted;
//! 2. the clause does not exonerate the agent ("not her fault", "hat sich bemüht", "不怪客服" ...);
//! 3. the clause is about the agent: it names the agent (the row's agent column value, or its
//!    first name) or a staff word ("agent", "Mitarbeiterin", "оператор", "nhân viên", "客服",
//!    "asesor", "conseiller" ...), or else names no process target (the wait, queue, IVR,
//!    transfers, refund, bill, charge, price, fee, system, app, website, policy, security
//!    questions, the company). A clause that names neither is read in its sentence, then in the
//!    whole comment: the first of those that names a target decides, and where it names only
//!    process targets, or both kinds at once, the mention is not counted (in doubt, the pack does
//!    not blame the agent). A comment that names no target at all is counted for attitude and
//!    knowledge ("Condescending." is about whoever the customer spoke to) but not for the
//!    outcome themes: "still not fixed" is the agent's outcome only where the agent is named.
//!
//! For the outcome themes (resolution, repeat contact), the product and network ("internet",
//! "router", "the fault", "网络" ...) are process targets too: a fault that comes back is not the
//! agent's outcome. For attitude and knowledge they are not, since "wrong information about my
//! router" is the agent's.
//!
//! Word lists exist for en, de, ru, vi, zh, es and fr; the comment's detected language's list is
//! used with the English one (comments mix in English words). Words are matched at word starts,
//! case-insensitively, whole words unless the list marks a stem with `*`; Chinese entries match
//! anywhere. Everything is plain list look-up, so the decision is deterministic.
//!
//! **Limits.** The rule reads words, not syntax: "the agent said the refund was refused" names
//! the agent and a process target in one clause and is counted (the agent is named); a
//! complaint about a colleague named in the same clause counts against the row's agent; a
//! pronoun that points at the agent from an earlier sentence ("she") is only seen where the list
//! has it (en, de "er", ru "он/она", vi "anh ấy/chị ấy", zh "她", es "él/ella"; not French "il/elle",
//! which are mostly impersonal); German compounds are found only where the staff or process word
//! starts the compound ("Hotline-Mitarbeiter" is not seen as staff); an unlisted process word
//! leaves the clause without a target, and the mention is counted. Measured in the README
//! (Coaching packs).

use crate::tagger::lexicon_tagger::lexical_clause_scores;
use crate::tagger::{Prepared, ThemeTag};

/// A clause's lexicon score above which it is praise (the tagger's polar threshold).
const PRAISE: f32 = 0.3;

struct Lists {
    agent: &'static [&'static str],
    process: &'static [&'static str],
    product: &'static [&'static str],
    exonerate: &'static [&'static str],
}

static EN: Lists = Lists {
    agent: &[
        "agent*",
        "advis*",
        "rep",
        "reps",
        "representative*",
        "operator*",
        "staff",
        "employee*",
        "colleague*",
        "consultant*",
        "person",
        "lady",
        "guy",
        "gentleman",
        "woman",
        "man",
        "he",
        "she",
        "him",
        "his",
        "her",
        "handler*",
        "assistant*",
        "specialist*",
        "technician*",
    ],
    process: &[
        "wait*",
        "queue*",
        "hold",
        "on hold",
        "ivr",
        "menu*",
        "automated",
        "recorded message*",
        "transfer*",
        "refund*",
        "bill",
        "bills",
        "billing",
        "billed",
        "invoice*",
        "charg*",
        "price*",
        "pricing",
        "fee",
        "fees",
        "cost*",
        "policy",
        "policies",
        "system*",
        "app",
        "apps",
        "website*",
        "online",
        "portal",
        "security question*",
        "verification",
        "line",
        "lines",
        "callers",
        "process*",
        "procedure*",
        "company",
        "payment*",
        "contract*",
    ],
    product: &[
        "internet",
        "connection*",
        "broadband",
        "wifi",
        "wi-fi",
        "router*",
        "modem*",
        "network*",
        "signal*",
        "outage*",
        "fault",
        "faults",
        "speed*",
        "drops",
        "dropping",
    ],
    exonerate: &[
        "can't fault",
        "cannot fault",
        "can not fault",
        "couldn't fault",
        "could not fault",
        "not the agent's fault",
        "not his fault",
        "not her fault",
        "not their fault",
        "no fault of",
        "not to blame",
        "don't blame",
        "do not blame",
        "did her best",
        "did his best",
        "did their best",
        "tried her best",
        "tried his best",
        "tried their best",
        "doing her best",
        "doing his best",
        "doing their best",
        "nothing to do with",
    ],
};

static DE: Lists = Lists {
    agent: &[
        "mitarbeiter*",
        "berater*",
        "agent*",
        "kollege*",
        "kollegin*",
        "dame",
        "herr",
        "frau",
        "er",
        "ihm",
        "ihn",
        "sachbearbeiter*",
        "servicemitarbeiter*",
        "techniker*",
    ],
    process: &[
        "wart*",
        "warteschleife*",
        "schleife*",
        "ansage*",
        "sprachmenü*",
        "menü*",
        "weitergeleitet",
        "weiterleitung*",
        "weiterverbunden",
        "rückerstattung*",
        "erstatt*",
        "rechnung*",
        "abgebucht",
        "abbuchung*",
        "gebühr*",
        "preis*",
        "kosten",
        "system*",
        "app",
        "webseite*",
        "website*",
        "richtlinie*",
        "vorschrift*",
        "firma",
        "unternehmen",
        "sicherheitsfrage*",
        "vertrag*",
        "zahlung*",
    ],
    product: &[
        "internet*",
        "verbindung*",
        "router*",
        "netz*",
        "signal*",
        "störung*",
        "wlan*",
        "leitung*",
    ],
    exonerate: &[
        "kein vorwurf",
        "keinen vorwurf",
        "nichts vorwerfen",
        "nichts vorzuwerfen",
        "nicht schuld",
        "keine schuld",
        "hat sich bemüht",
        "gab sich mühe",
        "gab sich alle mühe",
        "hat sich mühe gegeben",
        "nichts dafür",
    ],
};

static RU: Lists = Lists {
    agent: &[
        "оператор*",
        "сотрудни*",
        "консультант*",
        "менеджер*",
        "специалист*",
        "девушк*",
        "мужчин*",
        "он",
        "она",
        "его",
        "ее",
        "её",
        "мастер*",
    ],
    process: &[
        "ожидани*",
        "ждал*",
        "ждать",
        "очеред*",
        "автоответчик*",
        "меню",
        "перевод*",
        "переключ*",
        "возврат*",
        "счёт",
        "счет",
        "счета",
        "списал*",
        "списани*",
        "тариф*",
        "цен*",
        "оплат*",
        "платеж*",
        "платёж*",
        "систем*",
        "приложени*",
        "сайт*",
        "политик*",
        "правил*",
        "контрольн*",
        "секретн*",
        "компани*",
        "договор*",
    ],
    product: &[
        "интернет*",
        "связь",
        "связи",
        "роутер*",
        "модем*",
        "сеть",
        "сети",
        "сигнал*",
        "авари*",
        "скорост*",
    ],
    exonerate: &[
        "не виноват",
        "не виновата",
        "не виноваты",
        "не в обиде",
        "старался",
        "старалась",
        "претензий нет",
        "претензий к",
    ],
};

static VI: Lists = Lists {
    agent: &[
        "nhân viên",
        "tư vấn viên",
        "tổng đài viên",
        "kỹ thuật viên",
        "bạn ấy",
        "anh ấy",
        "chị ấy",
        "em ấy",
        "cô ấy",
        "bạn nhân viên",
    ],
    process: &[
        "chờ",
        "đợi",
        "hàng chờ",
        "tổng đài tự động",
        "chuyển máy",
        "hoàn tiền",
        "hóa đơn",
        "hoá đơn",
        "trừ tiền",
        "phí",
        "cước",
        "hệ thống",
        "ứng dụng",
        "trang web",
        "chính sách",
        "quy định",
        "câu hỏi bảo mật",
        "công ty",
        "thanh toán",
        "hợp đồng",
    ],
    product: &[
        "mạng",
        "kết nối",
        "modem",
        "wifi",
        "internet",
        "sóng",
        "đường truyền",
    ],
    exonerate: &[
        "không phải lỗi",
        "đã cố gắng",
        "không trách",
        "đã rất cố gắng",
    ],
};

static ZH: Lists = Lists {
    agent: &[
        "客服",
        "坐席",
        "工作人员",
        "员工",
        "接线员",
        "小姐",
        "先生",
        "她",
        "专员",
        "技术员",
        "师傅",
    ],
    process: &[
        "等待",
        "等了",
        "等候",
        "排队",
        "语音",
        "自动",
        "转接",
        "转了",
        "退款",
        "账单",
        "扣费",
        "扣了",
        "收费",
        "价格",
        "费用",
        "系统",
        "应用",
        "网站",
        "政策",
        "规定",
        "安全问题",
        "验证",
        "公司",
        "合同",
        "付款",
    ],
    product: &["网络", "网速", "断网", "信号", "宽带", "路由器", "故障"],
    exonerate: &[
        "不怪",
        "不是客服的错",
        "不是他的错",
        "不是她的错",
        "尽力了",
        "已经尽力",
        "无可挑剔",
    ],
};

static ES: Lists = Lists {
    agent: &[
        "agente*",
        "asesor*",
        "operador*",
        "teleoperador*",
        "empleado*",
        "representante*",
        "chica",
        "chico",
        "señorita",
        "señor",
        "señora",
        "él",
        "ella",
        "técnico*",
    ],
    process: &[
        "espera",
        "esperar",
        "esperando",
        "esperé",
        "cola",
        "menú",
        "contestador*",
        "transfer*",
        "reembolso*",
        "devolución*",
        "factura*",
        "cobr*",
        "precio*",
        "tarifa*",
        "sistema*",
        "aplicación",
        "app",
        "web",
        "página",
        "política*",
        "normativa*",
        "preguntas de seguridad",
        "empresa",
        "compañía",
        "contrato*",
        "pago*",
    ],
    product: &[
        "internet",
        "conexión",
        "router*",
        "red",
        "señal",
        "avería*",
        "wifi",
        "fibra",
        "velocidad",
    ],
    exonerate: &[
        "no es culpa",
        "no tiene la culpa",
        "no fue culpa",
        "hizo lo que pudo",
        "hizo todo lo posible",
        "nada que reprochar",
    ],
};

static FR: Lists = Lists {
    agent: &[
        "conseill*",
        "agent*",
        "opérat*",
        "employé*",
        "interlocut*",
        "dame",
        "monsieur",
        "madame",
        "technicien*",
        "téléconseill*",
    ],
    process: &[
        "attente",
        "attendu",
        "attendre",
        "serveur vocal",
        "répondeur*",
        "menu*",
        "transf*",
        "rembours*",
        "factur*",
        "prélev*",
        "débit*",
        "prix",
        "tarif*",
        "frais",
        "système*",
        "appli*",
        "site",
        "politique*",
        "procédure*",
        "entreprise",
        "société",
        "contrat*",
        "paiement*",
    ],
    product: &[
        "internet",
        "connexion*",
        "box",
        "réseau*",
        "signal",
        "panne*",
        "wifi",
        "fibre",
        "débit",
    ],
    exonerate: &[
        "pas la faute",
        "pas de sa faute",
        "rien à reprocher",
        "n'y est pour rien",
        "a fait de son mieux",
        "fait son possible",
        "a fait son possible",
    ],
};

fn lists_for(code: &str) -> Option<&'static Lists> {
    match code {
        "en" => Some(&EN),
        "de" => Some(&DE),
        "ru" => Some(&RU),
        "vi" => Some(&VI),
        "zh" => Some(&ZH),
        "es" => Some(&ES),
        "fr" => Some(&FR),
        _ => None,
    }
}

/// Whether `text` (lower case) holds `entry`: at a word start, whole word unless the entry ends
/// in `*`; anywhere for entries with Chinese characters.
fn holds(text: &str, entry: &str) -> bool {
    let (word, stem) = match entry.strip_suffix('*') {
        Some(w) => (w, true),
        None => (entry, false),
    };
    if word.chars().any(crate::text::tokens::is_cjk) {
        return text.contains(word);
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '\'' || c == '’';
    text.match_indices(word).any(|(i, m)| {
        let before = text[..i].chars().next_back();
        let after = text[i + m.len()..].chars().next();
        !before.is_some_and(is_word) && (stem || !after.is_some_and(is_word))
    })
}

/// What a stretch of text names.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Targets {
    agent: bool,
    process: bool,
}

/// The decision for one comment: which languages' lists, the agent's names.
pub struct Judge<'a> {
    lists: Vec<&'static Lists>,
    /// The row's agent, lower case: the full value and its first word.
    names: Vec<String>,
    p: &'a Prepared,
    lower: String,
    scores: Vec<f32>,
}

impl<'a> Judge<'a> {
    /// `agent`: the row's agent column value, when the export has one.
    pub fn new(p: &'a Prepared, agent: Option<&str>) -> Judge<'a> {
        let mut lists = vec![&EN];
        if p.language.code != "en" {
            lists.extend(lists_for(&p.language.code));
        }
        let mut names = Vec::new();
        if let Some(a) = agent.map(str::trim).filter(|a| !a.is_empty()) {
            let a = a.to_lowercase();
            if let Some(first) = a.split_whitespace().next() {
                if first.chars().count() >= 2 && first != a {
                    names.push(first.to_string());
                }
            }
            names.push(a);
        }
        Judge {
            lists,
            names,
            p,
            lower: p.text.to_lowercase(),
            scores: lexical_clause_scores(p),
        }
    }

    fn targets(&self, text: &str, outcome: bool) -> Targets {
        let agent = self.names.iter().any(|n| holds(text, n))
            || self
                .lists
                .iter()
                .any(|l| l.agent.iter().any(|e| holds(text, e)));
        let process = self.lists.iter().any(|l| {
            l.process.iter().any(|e| holds(text, e))
                || (outcome && l.product.iter().any(|e| holds(text, e)))
        });
        Targets { agent, process }
    }

    /// Characters `a..b` of the comment, lower case.
    fn chars(&self, a: usize, b: usize) -> String {
        self.p
            .text
            .chars()
            .skip(a)
            .take(b.saturating_sub(a))
            .collect::<String>()
            .to_lowercase()
    }

    fn clause_text(&self, c: usize) -> String {
        let (lo, hi) = self.p.clauses[c].tokens;
        match (
            self.p.tokens.get(lo),
            self.p.tokens.get(hi.saturating_sub(1)),
        ) {
            (Some(a), Some(b)) => self.chars(a.start, b.end),
            _ => String::new(),
        }
    }

    fn sentence_text(&self, sentence: usize) -> String {
        let mut range: Option<(usize, usize)> = None;
        for c in self.p.clauses.iter().filter(|c| c.sentence == sentence) {
            let (Some(a), Some(b)) = (
                self.p.tokens.get(c.tokens.0),
                self.p.tokens.get(c.tokens.1.saturating_sub(1)),
            ) else {
                continue;
            };
            range = Some(range.map_or((a.start, b.end), |(s, _)| (s, b.end)));
        }
        range.map_or(String::new(), |(a, b)| self.chars(a, b))
    }

    /// The clause holding character `at`, if any.
    fn clause_at(&self, at: usize) -> Option<usize> {
        let t = self.p.tokens.partition_point(|t| t.end <= at);
        self.p.clause_of(t)
    }

    /// Whether the clause (None: the comment has no clause there) is about the agent, reading
    /// the sentence and then the comment where the clause names no target.
    fn about_agent(&self, clause: Option<usize>, outcome: bool) -> bool {
        let mut levels = Vec::with_capacity(3);
        if let Some(c) = clause {
            let t = self.targets(&self.clause_text(c), outcome);
            if t.agent {
                return true; // the clause names the agent
            }
            if t.process {
                return false;
            }
            levels.push(self.sentence_text(self.p.clauses[c].sentence));
        }
        levels.push(self.lower.clone());
        for text in levels {
            let t = self.targets(&text, outcome);
            if t.agent || t.process {
                return t.agent && !t.process;
            }
        }
        // No target at all: "Condescending." is about whoever the customer spoke to, but "still
        // not fixed" is not the agent's outcome unless the agent is named (real NPS answers:
        // 3 of 17 such outcome verbatims were about the agent, README "Coaching packs").
        !outcome
    }

    fn exonerates(&self, clause: Option<usize>) -> bool {
        let text = clause.map_or_else(|| self.lower.clone(), |c| self.clause_text(c));
        self.lists
            .iter()
            .any(|l| l.exonerate.iter().any(|e| holds(&text, e)))
    }

    fn praise(&self, clause: Option<usize>) -> bool {
        clause.is_some_and(|c| self.scores.get(c).is_some_and(|s| *s >= PRAISE))
    }

    fn blame(&self, clause: Option<usize>) -> bool {
        clause.is_some_and(|c| self.scores.get(c).is_some_and(|s| *s <= -PRAISE))
    }

    /// The clauses holding the tag's evidence; the comment as a whole (None) without evidence.
    fn clauses(&self, tag: &ThemeTag) -> Vec<Option<usize>> {
        if tag.evidence.is_empty() {
            return vec![None];
        }
        tag.evidence
            .iter()
            .map(|e| self.clause_at(e.start))
            .collect()
    }

    /// Whether a negative mention counts against the agent (see the module comment).
    /// `outcome`: the theme is an outcome (resolution, repeat contact) rather than the agent's
    /// own conduct.
    pub fn against_agent(&self, tag: &ThemeTag, outcome: bool) -> bool {
        self.clauses(tag)
            .into_iter()
            .any(|c| !self.praise(c) && !self.exonerates(c) && self.about_agent(c, outcome))
    }

    /// Whether a positive mention praises the agent: its clause is not a complaint and is
    /// about the agent, as for [`Judge::against_agent`].
    pub fn praises_agent(&self, tag: &ThemeTag, outcome: bool) -> bool {
        self.clauses(tag)
            .into_iter()
            .any(|c| !self.blame(c) && self.about_agent(c, outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::SentimentLexicon;
    use crate::tagger::{prepare, Evidence, Sentiment, Source};

    /// A negative tag whose evidence is the first occurrence of `word`.
    fn judge(text: &str, word: &str, agent: Option<&str>, outcome: bool) -> bool {
        let lex = SentimentLexicon::builtin().unwrap();
        let p = prepare(text, &lex);
        let chars: Vec<char> = p.text.chars().collect();
        let w: Vec<char> = word.chars().collect();
        let start = (0..chars.len())
            .find(|i| chars[*i..].starts_with(&w))
            .unwrap_or_else(|| panic!("{word} not in {text}"));
        let tag = ThemeTag {
            theme: 0,
            polarity: Sentiment::Negative,
            confidence: None,
            evidence: vec![Evidence {
                start,
                end: start + w.len(),
                source: Source::Lexicon,
            }],
        };
        Judge::new(&p, agent).against_agent(&tag, outcome)
    }

    #[test]
    fn an_insult_about_the_wait_is_not_agent_attitude() {
        // English, German, Russian, Spanish, French, Vietnamese, Chinese.
        assert!(!judge(
            "Waited 50 minutes in the queue, absolutely disgraceful.",
            "disgraceful",
            Some("Ann Lee"),
            false
        ));
        assert!(!judge(
            "Eine Stunde in der Warteschleife. Eine Frechheit ist das.",
            "Frechheit",
            None,
            false
        ));
        assert!(!judge(
            "Час ждал ответа, это просто хамство.",
            "хамство",
            None,
            false
        ));
        assert!(!judge(
            "Una hora de espera, una vergüenza.",
            "vergüenza",
            None,
            false
        ));
        assert!(!judge(
            "Le remboursement prend trois semaines, c'est honteux.",
            "honteux",
            None,
            false
        ));
        assert!(!judge(
            "Phải chờ một tiếng, thật là quá đáng.",
            "quá đáng",
            None,
            false
        ));
        assert!(!judge(
            "排队等了一个小时，太过分了。",
            "太过分",
            None,
            false
        ));
        // The IVR and a refund too.
        assert!(!judge(
            "The automated menu is rude and useless.",
            "rude",
            None,
            false
        ));
    }

    #[test]
    fn cant_fault_the_agent_the_problem_is_the_system_is_not_counted() {
        assert!(!judge(
            "Can't fault the agent, the problem is the system.",
            "agent",
            None,
            false
        ));
        assert!(!judge(
            "Der Mitarbeiterin mache ich keinen Vorwurf, das Problem ist das System.",
            "Mitarbeiterin",
            None,
            false
        ));
        assert!(!judge(
            "No es culpa del asesor, el problema es el sistema.",
            "asesor",
            None,
            false
        ));
        assert!(!judge(
            "Ce n'est pas la faute du conseiller, le problème c'est le système.",
            "conseiller",
            None,
            false
        ));
        assert!(!judge(
            "Оператор не виноват, проблема в системе.",
            "Оператор",
            None,
            false
        ));
        assert!(!judge("不怪客服，是系统的问题。", "客服", None, false));
        assert!(!judge(
            "Không phải lỗi của nhân viên, vấn đề là hệ thống.",
            "nhân viên",
            None,
            false
        ));
    }

    #[test]
    fn a_rude_agent_clause_is_counted() {
        assert!(judge(
            "The agent was rude and kept interrupting me.",
            "rude",
            None,
            false
        ));
        assert!(judge(
            "Quick wait, but Ann was rude to me.",
            "rude",
            Some("Ann Lee"),
            false
        ));
        assert!(judge(
            "Die Mitarbeiterin war unfreundlich.",
            "unfreundlich",
            None,
            false
        ));
        assert!(judge("Оператор был груб.", "груб", None, false));
        assert!(judge("El asesor fue muy grosero.", "grosero", None, false));
        assert!(judge("Le conseiller était impoli.", "impoli", None, false));
        assert!(judge("Nhân viên thái độ rất tệ.", "thái độ", None, false));
        assert!(judge("客服态度很差。", "态度", None, false));
        // No target at all: about whoever the customer spoke to.
        assert!(judge(
            "Condescending. Never again.",
            "Condescending",
            None,
            false
        ));
    }

    #[test]
    fn the_product_is_a_target_for_outcomes_only() {
        let text = "Was given wrong information about my router and lost the connection.";
        assert!(judge(text, "wrong information", None, false));
        let text = "Internet drops every evening. Fourth time I'm reporting it.";
        assert!(!judge(text, "Fourth time", None, true));
        assert!(judge(text, "Fourth time", None, false));
    }

    #[test]
    fn an_outcome_without_anyone_named_is_not_the_agents() {
        // No target at all: conduct is whoever the customer spoke to, an outcome is nobody's.
        assert!(judge("Condescending.", "Condescending", None, false));
        assert!(!judge(
            "Still not fixed after three weeks.",
            "not fixed",
            None,
            true
        ));
        assert!(!judge(
            "Immer noch nicht gelöst.",
            "nicht gelöst",
            None,
            true
        ));
        // Named, the outcome counts.
        assert!(judge(
            "The agent still has not fixed it after three weeks.",
            "not fixed",
            None,
            true
        ));
        assert!(judge(
            "Anna never solved it.",
            "never solved",
            Some("Anna Novak"),
            true
        ));
    }

    #[test]
    fn words_match_at_word_starts() {
        assert!(holds("the agent was rude", "agent*"));
        assert!(holds("the agents were rude", "agent*"));
        assert!(!holds("the reagent", "agent*"));
        assert!(!holds("here we go", "her"));
        assert!(holds("her tone", "her"));
        assert!(holds("其他客服", "客服"));
    }
}
