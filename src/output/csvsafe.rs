//! Neutralising spreadsheet formula injection in CSV output: a cell that starts with
//! `=` `+` `-` `@`, a tab or a carriage return is prefixed with a single quote, which Excel,
//! LibreOffice and Google Sheets show as text (the OWASP recommendation). Plain numbers such as
//! "-5" or "+3.5" are left alone: they are not formulas and analysts sort on them.

use std::borrow::Cow;

fn is_plain_number(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && t.chars().any(|c| c.is_ascii_digit())
}

pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let dangerous = cell.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']);
    if dangerous && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undo [`neutralize`] when reading back a CSV this program wrote (a corrected tagged.csv): the
/// quote is removed only where `neutralize` would have added it.
pub fn unneutralize(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if neutralize(rest).len() != rest.len() => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unneutralize_inverts_neutralize_only() {
        for s in ["=SUM(A1)", "@user hi", "-rude", "plain", "-5", "'quoted"] {
            assert_eq!(unneutralize(&neutralize(s)), s);
        }
        assert_eq!(unneutralize("'plain"), "'plain");
    }

    #[test]
    fn formulas_are_quoted_numbers_are_not() {
        assert_eq!(neutralize("=SUM(1+1)"), "'=SUM(1+1)");
        assert_eq!(neutralize("@cmd"), "'@cmd");
        assert_eq!(neutralize("+44 7700 900123"), "'+44 7700 900123");
        assert_eq!(neutralize("\t=1"), "'\t=1");
        assert_eq!(neutralize("-5"), "-5");
        assert_eq!(neutralize("-0.25"), "-0.25");
        assert_eq!(neutralize("fine = good"), "fine = good");
        assert_eq!(neutralize(""), "");
    }
}
