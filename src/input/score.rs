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

/// Length of the leading `[+-]?[0-9]+([.,][0-9]+)?` of `s` (0 when there is none).
fn number_prefix(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let int_end = digits(i);
    if int_end == i {
        return 0;
    }
    i = int_end;
    if matches!(b.get(i), Some(b'.' | b',')) {
        let frac_end = digits(i + 1);
        if frac_end > i + 1 {
            i = frac_end;
        }
    }
    i
}

/// A whole field that is exactly a number in the forms scores are written in: ASCII digits,
/// an optional sign, an optional `.` or `,` decimal part ("9", "+9", "9.0", "9,0").
fn exact_number(s: &str) -> Option<f64> {
    let end = number_prefix(s);
    (end > 0 && end == s.len())
        .then(|| s.replace(',', ".").parse().ok())
        .flatten()
}

/// Characters that separate a score from its label ("10 - Extremely likely", "0 = not at all
/// likely", "9: very likely", "10 (extremely likely)").
const LABEL_SEPARATORS: [char; 6] = ['-', '–', '—', '=', ':', '('];

/// Parse an NPS answer on the 0-10 scale. Accepted: a whole number 0-10 (`9`, `+9`, `09`),
/// with a zero decimal part (`9.0`, `9,0`), out of ten (`8/10`, `8 / 10`), or followed by a
/// label after a separator (`10 - Extremely likely`, `0 = not at all likely`). Anything else
/// is refused with the reason: `0x9`, `1e1`, `1_0`, `5 stars`, `5 out of 5` and `8/10/2026`
/// are not scores, `4/5` is another scale.
pub fn parse_nps(raw: &str) -> Result<u8, ScoreProblem> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(ScoreProblem::Missing);
    }
    let not_a_number = || ScoreProblem::NotANumber(v.to_string());
    let end = number_prefix(v);
    let n = exact_number(&v[..end]).ok_or_else(not_a_number)?;
    let rest = v[end..].trim_start();
    if let Some(denominator) = rest.strip_prefix('/') {
        // "8/10" is an NPS answer; "5/5" or "80/100" is not (5/5 would read as a detractor's 5).
        // Written as the README lists it ("10", "10.0"): "0/010" is not a documented form.
        let denominator = denominator.trim();
        match exact_number(denominator) {
            Some(10.0) if denominator.starts_with("10") => {}
            Some(10.0) => return Err(not_a_number()),
            Some(_) => return Err(ScoreProblem::OtherScale(v.to_string())),
            None => return Err(not_a_number()),
        }
    } else if !rest.is_empty() {
        let label = rest
            .strip_prefix(LABEL_SEPARATORS)
            .is_some_and(|l| l.chars().any(char::is_alphabetic));
        if !label {
            return Err(not_a_number());
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
            ("8 / 10", 8),
            ("+9", 9),
            ("09", 9),
            ("10.00", 10),
            ("10 (extremely likely)", 10),
            ("9: sehr wahrscheinlich", 9),
            ("10 – 极有可能", 10),
        ] {
            assert_eq!(parse_nps(raw), Ok(want), "{raw}");
        }
    }

    #[test]
    fn rejects_with_reasons() {
        assert_eq!(parse_nps(""), Err(ScoreProblem::Missing));
        // Found by the property test: a denominator of 10 not written "10".
        assert_eq!(
            parse_nps("0/010"),
            Err(ScoreProblem::NotANumber("0/010".into()))
        );
        assert_eq!(parse_nps("8/10.0"), Ok(8));
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
    fn other_forms_are_not_read_as_scores() {
        for raw in [
            "0x9",
            "1e1",
            "5 out of 5",
            "5 stars",
            "8/10/2026",
            "1_0",
            "9.",
            "１０",
            "10 - 5",
            "7 8",
            "1.2.3",
            "½",
        ] {
            assert_eq!(
                parse_nps(raw),
                Err(ScoreProblem::NotANumber(raw.into())),
                "{raw}"
            );
        }
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
