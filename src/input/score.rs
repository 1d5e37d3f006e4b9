//! Parsing of the score fields of an export: the NPS answer (0-10, also "9.0", "9,0" and labels
//! such as "10 - Extremely likely"), the optional agent-level NPS, CSAT, CES and FCR.

use std::fmt;

/// Why a score field was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreProblem {
    Missing,
    NotANumber(String),
    NotWhole(String),
    OutOfRange(String),
    /// Written as a fraction of another scale ("4/5", "80/100").
    OtherScale(String),
}

impl fmt::Display for ScoreProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreProblem::Missing => write!(f, "the score is empty"),
            ScoreProblem::NotANumber(v) => write!(f, "'{v}' is not a score from 0 to 10"),
            ScoreProblem::NotWhole(v) => write!(f, "'{v}' is not a whole number from 0 to 10"),
            ScoreProblem::OutOfRange(v) => write!(f, "'{v}' is outside the NPS scale 0-10"),
            ScoreProblem::OtherScale(v) => write!(
                f,
                "'{v}' is on another scale than 0-10; convert the column to the NPS scale"
            ),
        }
    }
}

impl ScoreProblem {
    /// A short stable code for counting rejects by reason.
    pub fn code(&self) -> &'static str {
        match self {
            ScoreProblem::Missing => "score_missing",
            ScoreProblem::NotANumber(_) => "score_not_a_number",
            ScoreProblem::NotWhole(_) => "score_not_whole",
            ScoreProblem::OutOfRange(_) => "score_out_of_range",
            ScoreProblem::OtherScale(_) => "score_other_scale",
        }
    }
}

/// The leading number of a field ("10 - Extremely likely" -> 10.0), with ',' as decimal mark too.
fn leading_number(s: &str) -> Option<f64> {
    let s = s.trim_start_matches('+');
    let end = s
        .char_indices()
        .find(|(i, c)| {
            !(c.is_ascii_digit() || ((*c == '.' || *c == ',') && *i > 0) || (*c == '-' && *i == 0))
        })
        .map_or(s.len(), |(i, _)| i);
    let num = s[..end].trim_end_matches(['.', ',']).replace(',', ".");
    if num.is_empty() || num == "-" {
        return None;
    }
    // "10.5.3" or "1,234,5" are not scores.
    if num.matches('.').count() > 1 {
        return None;
    }
    num.parse().ok()
}

/// Parse an NPS answer on the 0-10 scale.
pub fn parse_nps(raw: &str) -> Result<u8, ScoreProblem> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(ScoreProblem::Missing);
    }
    let n = leading_number(v).ok_or_else(|| ScoreProblem::NotANumber(v.to_string()))?;
    // "8/10" is an NPS answer; "5/5" or "80/100" is not (5/5 would read as a detractor's 5).
    if let Some((_, denominator)) = v.split_once('/') {
        if leading_number(denominator.trim()).is_some_and(|d| d != 10.0) {
            return Err(ScoreProblem::OtherScale(v.to_string()));
        }
    }
    if !(0.0..=10.0).contains(&n) {
        return Err(ScoreProblem::OutOfRange(v.to_string()));
    }
    if n.fract() != 0.0 {
        return Err(ScoreProblem::NotWhole(v.to_string()));
    }
    Ok(n as u8)
}

/// A number from an optional score column (CSAT, CES); None when empty or unreadable.
pub fn parse_number(raw: &str) -> Option<f64> {
    let v = raw.trim();
    if v.is_empty() {
        return None;
    }
    leading_number(v).filter(|n| n.is_finite())
}

/// A yes/no answer (FCR) in the supported languages.
pub fn parse_yes_no(raw: &str) -> Option<bool> {
    let v = raw.trim().to_lowercase();
    const YES: [&str; 16] = [
        "yes", "y", "true", "1", "ja", "j", "да", "có", "co", "是", "sí", "si", "oui", "resolved",
        "solved", "x",
    ];
    const NO: [&str; 13] = [
        "no",
        "n",
        "false",
        "0",
        "nein",
        "нет",
        "không",
        "khong",
        "否",
        "non",
        "unresolved",
        "not resolved",
        "-",
    ];
    if YES.contains(&v.as_str()) {
        Some(true)
    } else if NO.contains(&v.as_str()) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_integers_decimals_and_labels() {
        for (raw, want) in [
            ("0", 0),
            ("10", 10),
            (" 7 ", 7),
            ("9.0", 9),
            ("9,0", 9),
            ("10 - Extremely likely", 10),
            ("0 = not at all likely", 0),
            ("8/10", 8),
            ("+9", 9),
        ] {
            assert_eq!(parse_nps(raw), Ok(want), "{raw}");
        }
    }

    #[test]
    fn rejects_with_reasons() {
        assert_eq!(parse_nps(""), Err(ScoreProblem::Missing));
        assert_eq!(
            parse_nps("N/A"),
            Err(ScoreProblem::NotANumber("N/A".into()))
        );
        assert_eq!(
            parse_nps("seven"),
            Err(ScoreProblem::NotANumber("seven".into()))
        );
        assert_eq!(parse_nps("11"), Err(ScoreProblem::OutOfRange("11".into())));
        assert_eq!(parse_nps("-1"), Err(ScoreProblem::OutOfRange("-1".into())));
        assert_eq!(parse_nps("75"), Err(ScoreProblem::OutOfRange("75".into())));
        assert_eq!(parse_nps("8.5"), Err(ScoreProblem::NotWhole("8.5".into())));
        assert!(parse_nps("1.2.3").is_err());
        assert_eq!(
            parse_nps("5/5"),
            Err(ScoreProblem::OtherScale("5/5".into()))
        );
        assert_eq!(
            parse_nps("80 / 100"),
            Err(ScoreProblem::OtherScale("80 / 100".into()))
        );
        assert_eq!(
            parse_nps("N/A"),
            Err(ScoreProblem::NotANumber("N/A".into()))
        );
    }

    #[test]
    fn optional_fields() {
        assert_eq!(parse_number("4,5"), Some(4.5));
        assert_eq!(parse_number("n/a"), None);
        assert_eq!(parse_yes_no("Yes"), Some(true));
        assert_eq!(parse_yes_no("нет"), Some(false));
        assert_eq!(parse_yes_no("maybe"), None);
    }
}
