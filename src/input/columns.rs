//! Column detection: which header holds the score, the comment, the agent... Headers are
//! matched case- and language-insensitively against known names in the supported languages;
//! the best matches are assigned first, so "Why did you give this score?" is the comment and
//! "Agent NPS" the agent score. Flags name columns explicitly and always win.

use std::fmt;

use serde::Serialize;

/// What a column means to npsight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    AgentScore,
    Csat,
    Ces,
    Fcr,
    Score,
    Date,
    Id,
    Text,
    Agent,
    Team,
    Channel,
    Site,
    Queue,
    Region,
}

impl Role {
    pub const ALL: [Role; 14] = [
        Role::AgentScore,
        Role::Csat,
        Role::Ces,
        Role::Fcr,
        Role::Score,
        Role::Date,
        Role::Id,
        Role::Text,
        Role::Agent,
        Role::Team,
        Role::Channel,
        Role::Site,
        Role::Queue,
        Role::Region,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::AgentScore => "agent_score",
            Role::Csat => "csat",
            Role::Ces => "ces",
            Role::Fcr => "fcr",
            Role::Score => "score",
            Role::Date => "date",
            Role::Id => "id",
            Role::Text => "text",
            Role::Agent => "agent",
            Role::Team => "team",
            Role::Channel => "channel",
            Role::Site => "site",
            Role::Queue => "queue",
            Role::Region => "region",
        }
    }

    /// The flag that names this column explicitly.
    pub fn flag(self) -> String {
        format!("--{}-column", self.name().replace('_', "-"))
    }

    /// Known header names (normalised: lower case, words separated by one space). A key of
    /// several words also matches inside a longer header; weight orders competing matches.
    fn keys(self) -> &'static [(&'static str, u8)] {
        match self {
            Role::AgentScore => &[
                ("agent score", 3),
                ("agent nps", 3),
                ("agent rating", 3),
                ("advisor score", 3),
                ("adviser score", 3),
                ("rep score", 3),
                ("employee score", 3),
                ("agent ltr", 3),
                ("mitarbeiter bewertung", 3),
                ("mitarbeiterbewertung", 3),
                ("оценка оператора", 3),
                ("оценка сотрудника", 3),
                ("điểm nhân viên", 3),
                ("客服评分", 3),
                ("坐席评分", 3),
                ("puntuación agente", 3),
                ("puntuacion agente", 3),
                ("note conseiller", 3),
            ],
            Role::Csat => &[
                ("csat", 3),
                ("satisfaction", 2),
                ("zufriedenheit", 2),
                ("удовлетворенность", 2),
                ("hài lòng", 2),
                ("满意度", 2),
                ("satisfacción", 2),
                ("satisfaccion", 2),
            ],
            Role::Ces => &[
                ("ces", 3),
                ("customer effort", 3),
                ("effort", 2),
                ("aufwand", 2),
                ("усилия", 2),
                ("nỗ lực", 2),
                ("费力度", 2),
                ("esfuerzo", 2),
            ],
            Role::Fcr => &[
                ("fcr", 3),
                ("first contact resolution", 3),
                ("resolved", 2),
                ("issue resolved", 3),
                ("solved", 2),
                ("gelöst", 2),
                ("решено", 2),
                ("giải quyết", 2),
                ("是否解决", 2),
                ("resuelto", 2),
                ("résolu", 2),
            ],
            Role::Score => &[
                ("nps", 2),
                ("nps score", 3),
                ("score", 1),
                ("ltr", 2),
                ("likelihood to recommend", 3),
                ("likely to recommend", 3),
                ("how likely", 2),
                ("recommend", 2),
                ("net promoter", 3),
                ("weiterempfehlung", 2),
                ("empfehlung", 2),
                ("bewertung", 1),
                ("оценка", 1),
                ("рекомендац", 1),
                ("điểm", 1),
                ("điểm nps", 3),
                ("评分", 1),
                ("推荐", 2),
                ("puntuación", 1),
                ("puntuacion", 1),
                ("recomendación", 2),
                ("note", 1),
                ("recommandation", 2),
                ("rating", 1),
            ],
            Role::Date => &[
                ("date", 2),
                ("datum", 2),
                ("дата", 2),
                ("ngày", 2),
                ("日期", 2),
                ("fecha", 2),
                ("survey date", 3),
                ("response date", 3),
                ("created", 1),
                ("created at", 2),
                ("timestamp", 2),
                ("datetime", 2),
                ("date time", 2),
                ("submitted", 1),
                ("submitted at", 2),
                ("time", 1),
                ("zeit", 1),
                ("时间", 1),
            ],
            Role::Id => &[
                ("id", 2),
                ("response id", 3),
                ("respondent id", 3),
                ("survey id", 3),
                ("record id", 3),
                ("ticket", 1),
                ("ticket id", 3),
                ("case id", 3),
                ("interaction id", 3),
                ("contact id", 3),
                ("antwort id", 3),
                ("номер", 1),
                ("mã", 1),
                ("编号", 2),
                ("número", 1),
                ("numero", 1),
                ("uuid", 2),
            ],
            Role::Text => &[
                ("comment", 3),
                ("comments", 3),
                ("verbatim", 3),
                ("why", 3),
                ("reason", 3),
                ("feedback", 3),
                ("text", 2),
                ("answer", 1),
                ("open text", 3),
                ("open answer", 3),
                ("remarks", 2),
                ("free text", 3),
                ("kommentar", 3),
                ("begründung", 3),
                ("anmerkung", 3),
                ("freitext", 3),
                ("grund", 2),
                ("warum", 3),
                ("комментарий", 3),
                ("отзыв", 3),
                ("причина", 3),
                ("почему", 3),
                ("bình luận", 3),
                ("nhận xét", 3),
                ("ý kiến", 3),
                ("lý do", 3),
                ("tại sao", 3),
                ("评论", 3),
                ("意见", 3),
                ("原因", 3),
                ("留言", 3),
                ("为什么", 3),
                ("comentario", 3),
                ("comentarios", 3),
                ("motivo", 3),
                ("razón", 3),
                ("por qué", 3),
                ("commentaire", 3),
                ("commentaires", 3),
                ("raison", 3),
                ("pourquoi", 3),
            ],
            Role::Agent => &[
                ("agent", 2),
                ("agent name", 3),
                ("advisor", 2),
                ("adviser", 2),
                ("rep", 1),
                ("representative", 2),
                ("employee", 1),
                ("operator", 2),
                ("consultant", 1),
                ("mitarbeiter", 2),
                ("berater", 2),
                ("сотрудник", 2),
                ("оператор", 2),
                ("агент", 2),
                ("nhân viên", 2),
                ("客服", 2),
                ("坐席", 2),
                ("agente", 2),
                ("asesor", 2),
                ("conseiller", 2),
            ],
            Role::Team => &[
                ("team", 2),
                ("department", 2),
                ("dept", 2),
                ("group", 1),
                ("skill group", 2),
                ("abteilung", 2),
                ("команда", 2),
                ("отдел", 2),
                ("nhóm", 2),
                ("phòng ban", 2),
                ("团队", 2),
                ("部门", 2),
                ("equipo", 2),
                ("departamento", 2),
                ("équipe", 2),
                ("equipe", 2),
            ],
            Role::Channel => &[
                ("channel", 2),
                ("contact channel", 3),
                ("kanal", 2),
                ("канал", 2),
                ("kênh", 2),
                ("渠道", 2),
                ("canal", 2),
                ("medium", 1),
            ],
            Role::Site => &[
                ("site", 2),
                ("location", 1),
                ("standort", 2),
                ("площадка", 2),
                ("sede", 1),
            ],
            Role::Queue => &[
                ("queue", 2),
                ("warteschlange", 2),
                ("очередь", 2),
                ("cola", 1),
                ("file", 1),
            ],
            Role::Region => &[
                ("region", 2),
                ("регион", 2),
                ("khu vực", 2),
                ("地区", 2),
                ("región", 2),
                ("région", 2),
            ],
        }
    }
}

/// Normalise a header: lower case, punctuation to spaces, single spaces.
pub fn normalize_header(h: &str) -> String {
    let lowered: String = h
        .trim_start_matches('\u{FEFF}')
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn contains_words(header: &str, key: &str) -> bool {
    if header == key {
        return true;
    }
    // CJK headers have no spaces: plain containment.
    if key.chars().any(crate::text::tokens::is_cjk) {
        return header.contains(key);
    }
    let h: Vec<&str> = header.split(' ').collect();
    let k: Vec<&str> = key.split(' ').collect();
    h.windows(k.len()).any(|w| w == k.as_slice())
}

/// Column positions for each role that was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ColumnMap {
    pub found: Vec<(Role, usize)>,
}

impl ColumnMap {
    pub fn get(&self, role: Role) -> Option<usize> {
        self.found.iter().find(|(r, _)| *r == role).map(|(_, i)| *i)
    }
}

/// A column-mapping problem, reported with the headers found and the flag to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnError(pub String);

impl fmt::Display for ColumnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ColumnError {}

fn list_headers(headers: &[String]) -> String {
    headers
        .iter()
        .map(|h| format!("'{h}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Find a column named by a flag: by header (case-insensitive) or by 1-based position.
pub fn find_named(headers: &[String], name: &str, flag: &str) -> Result<usize, ColumnError> {
    let want = name.trim().to_lowercase();
    if let Some(i) = headers
        .iter()
        .position(|h| h.trim().trim_start_matches('\u{FEFF}').to_lowercase() == want)
    {
        return Ok(i);
    }
    if let Ok(n) = want.parse::<usize>() {
        if (1..=headers.len()).contains(&n) {
            return Ok(n - 1);
        }
    }
    Err(ColumnError(format!(
        "{flag} '{name}': no such column. The headers found are: {}. Give a header exactly as written or a position from 1 to {}.",
        list_headers(headers),
        headers.len()
    )))
}

/// Detect roles from headers; `explicit` holds (role, header name) pairs given by flags.
pub fn detect(headers: &[String], explicit: &[(Role, String)]) -> Result<ColumnMap, ColumnError> {
    detect_with_questions(headers, &[], explicit)
}

/// [`detect`] with the question text of each column (Qualtrics' second header row, empty
/// where none): a column whose id says nothing ("Q1") is recognised by its question ("How
/// likely are you to recommend us?"); a match on the header itself counts first.
pub fn detect_with_questions(
    headers: &[String],
    questions: &[String],
    explicit: &[(Role, String)],
) -> Result<ColumnMap, ColumnError> {
    let mut map = ColumnMap::default();
    for (role, name) in explicit {
        let i = find_named(headers, name, &role.flag())?;
        map.found.push((*role, i));
    }
    let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    let asked: Vec<String> = questions.iter().map(|q| normalize_header(q)).collect();
    // (quality, role priority, column): exact names beat contained words, heavier keys win.
    let mut candidates = Vec::new();
    for (col, h) in normalized.iter().enumerate() {
        let q = asked.get(col).map_or("", String::as_str);
        for (prio, role) in Role::ALL.iter().enumerate() {
            for (key, weight) in role.keys() {
                let quality = if h == key {
                    100 + *weight as u32
                } else if contains_words(h, key) {
                    *weight as u32 * 10 + key.split(' ').count() as u32
                } else if q == *key {
                    // Below any match on a header: ids are what flags and outputs use.
                    5 + *weight as u32
                } else if !q.is_empty() && contains_words(q, key) {
                    *weight as u32 + key.split(' ').count() as u32
                } else {
                    continue;
                };
                candidates.push((std::cmp::Reverse(quality), prio, col, *role));
            }
        }
    }
    candidates.sort();
    let mut detected = Vec::new();
    for (_, _, col, role) in candidates {
        if map.get(role).is_none() && !map.found.iter().any(|(_, c)| *c == col) {
            map.found.push((role, col));
            detected.push((role, col));
        }
    }
    // Two columns with the same header: which one holds the score or the comment would be a
    // guess, so a detected role on a duplicated header is an error naming both positions.
    detected.sort();
    for (role, col) in detected {
        let twins: Vec<usize> = (0..headers.len())
            .filter(|&c| !normalized[c].is_empty() && normalized[c] == normalized[col])
            .collect();
        if twins.len() > 1 {
            return Err(ColumnError(format!(
                "{} columns are headed '{}' (positions {}); which one is the {} column is ambiguous. Name it by position, e.g. {} {}, or rename the headers.",
                twins.len(),
                headers[col].trim(),
                twins.iter().map(|c| (c + 1).to_string()).collect::<Vec<_>>().join(", "),
                role.name(),
                role.flag(),
                col + 1
            )));
        }
    }
    map.found.sort();
    for required in [Role::Score, Role::Text] {
        if map.get(required).is_none() {
            return Err(ColumnError(format!(
                "no {} column found. The headers found are: {}. Name it with {} HEADER.",
                if required == Role::Score {
                    "NPS score"
                } else {
                    "comment (text)"
                },
                list_headers(headers),
                required.flag()
            )));
        }
    }
    Ok(map)
}

/// Headers that could serve as segment columns when none was recognised: columns with no
/// role whose values in the first rows are short text (not numbers) and repeat, repeating
/// ones first, at most five.
pub fn segment_candidates(
    headers: &[String],
    map: &ColumnMap,
    sample: &[Vec<String>],
) -> Vec<String> {
    let mut ranked: Vec<(bool, usize, String)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if h.trim().is_empty() || map.found.iter().any(|(_, c)| *c == i) {
            continue;
        }
        let values: Vec<&str> = sample
            .iter()
            .filter_map(|r| r.get(i).map(|v| v.trim()))
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            continue;
        }
        let numeric = values
            .iter()
            .filter(|v| v.replace(',', ".").parse::<f64>().is_ok())
            .count();
        let long = values.iter().filter(|v| v.chars().count() > 40).count();
        let distinct: std::collections::BTreeSet<&str> = values.iter().copied().collect();
        if numeric * 2 > values.len() || long * 2 > values.len() {
            continue;
        }
        let repeats = distinct.len() >= 2 && distinct.len() < values.len();
        ranked.push((!repeats, i, h.trim().to_string()));
    }
    ranked.sort();
    ranked.into_iter().take(5).map(|(_, _, h)| h).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles<'a>(headers: &[&'a str]) -> Vec<(&'static str, &'a str)> {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let map = detect(&h, &[]).unwrap();
        let mut v: Vec<_> = map
            .found
            .iter()
            .map(|(r, i)| (r.name(), headers[*i]))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn duplicated_headers_of_a_role_are_an_error_naming_positions() {
        let h: Vec<String> = ["id", "score", "Comment", "comment "]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = detect(&h, &[]).unwrap_err().0;
        assert!(e.contains("positions 3, 4"), "{e}");
        assert!(e.contains("--text-column 3"), "{e}");
        // Naming the column by position settles it; duplicated unrelated headers are fine.
        let map = detect(&h, &[(Role::Text, "4".into())]).unwrap();
        assert_eq!(map.get(Role::Text), Some(3));
        let h: Vec<String> = ["score", "comment", "notes", "notes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(detect(&h, &[]).is_ok());
    }

    #[test]
    fn question_texts_recognise_columns_named_by_ids() {
        let h: Vec<String> = ["ResponseId", "Q1", "Q2", "DistributionChannel"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(detect(&h, &[]).is_err(), "ids alone say nothing");
        let q: Vec<String> = [
            "Response ID",
            "How likely are you to recommend us to a friend?",
            "Why did you give this score?",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let map = detect_with_questions(&h, &q, &[]).unwrap();
        assert_eq!(map.get(Role::Id), Some(0));
        assert_eq!(map.get(Role::Score), Some(1));
        assert_eq!(map.get(Role::Text), Some(2));
        assert_eq!(map.get(Role::Channel), None);
    }

    #[test]
    fn segment_candidates_are_short_repeating_text_columns() {
        let h: Vec<String> = ["id", "score", "comment", "Skill", "Handle time", "Notes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let map = detect(&h, &[]).unwrap();
        let sample: Vec<Vec<String>> = [
            [
                "1",
                "9",
                "great",
                "Billing",
                "340",
                "called about the invoice from May",
            ],
            [
                "2",
                "3",
                "slow",
                "Billing",
                "512",
                "a long note that is more than forty characters",
            ],
            ["3", "7", "ok", "Tech", "120", "x"],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        assert_eq!(segment_candidates(&h, &map, &sample), ["Skill", "Notes"]);
    }

    #[test]
    fn english_export() {
        let got = roles(&[
            "Response ID",
            "Date",
            "Agent Name",
            "Team",
            "Channel",
            "NPS Score (0-10)",
            "Agent NPS",
            "Why did you give this score?",
        ]);
        assert_eq!(
            got,
            [
                ("agent", "Agent Name"),
                ("agent_score", "Agent NPS"),
                ("channel", "Channel"),
                ("date", "Date"),
                ("id", "Response ID"),
                ("score", "NPS Score (0-10)"),
                ("team", "Team"),
                ("text", "Why did you give this score?")
            ]
        );
    }

    #[test]
    fn other_languages() {
        let got = roles(&[
            "Datum",
            "Mitarbeiter",
            "Abteilung",
            "Weiterempfehlung",
            "Kommentar",
        ]);
        assert!(
            got.contains(&("score", "Weiterempfehlung"))
                && got.contains(&("text", "Kommentar"))
                && got.contains(&("agent", "Mitarbeiter")),
            "{got:?}"
        );
        let got = roles(&["Оценка", "Комментарий", "Оператор"]);
        assert!(
            got.contains(&("score", "Оценка")) && got.contains(&("text", "Комментарий")),
            "{got:?}"
        );
        let got = roles(&["评分", "评论", "客服"]);
        assert!(
            got.contains(&("score", "评分"))
                && got.contains(&("text", "评论"))
                && got.contains(&("agent", "客服")),
            "{got:?}"
        );
    }

    #[test]
    fn missing_required_column_lists_headers_and_flag() {
        let h: Vec<String> = ["id", "score", "notes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let err = detect(&h, &[]).unwrap_err().0;
        assert!(
            err.contains("'id', 'score', 'notes'") && err.contains("--text-column"),
            "{err}"
        );
        let map = detect(&h, &[(Role::Text, "Notes".into())]).unwrap();
        assert_eq!(map.get(Role::Text), Some(2));
    }

    #[test]
    fn unknown_flag_column_is_named() {
        let h: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let err = detect(&h, &[(Role::Score, "nps".into())]).unwrap_err().0;
        assert!(
            err.starts_with("--score-column 'nps': no such column"),
            "{err}"
        );
        assert_eq!(
            detect(&h, &[(Role::Score, "1".into()), (Role::Text, "2".into())])
                .unwrap()
                .get(Role::Text),
            Some(1)
        );
    }
}
