//! Unbalanced quotes. A CSV field that opens a quote and never closes it (or closes it only at
//! the next quoted field) swallows the following lines as part of its text, and the reader has
//! no way to tell: those responses would vanish into one long comment. So a field that spans
//! several lines is checked: a continuation line that splits at the delimiter into exactly the
//! header's number of fields, with a valid 0-10 score where the score column is, is a record of
//! its own. A row holding such lines is rejected (`unbalanced_quote`) with the count, so the
//! responses are visible in `rejected.csv` and not silently merged. A genuine multi-line comment
//! rarely has a line shaped exactly like a record; if one does, the row is rejected with a
//! message saying why, never dropped.

use super::score::parse_nps;

/// How many continuation lines of `field` look like complete records of a file with `width`
/// columns and the score at `score_col`.
pub fn swallowed_records(field: &str, delimiter: u8, width: usize, score_col: usize) -> usize {
    if width < 2 || !field.contains(['\n', '\r']) {
        return 0;
    }
    let delimiter = delimiter as char;
    field
        .split(['\n', '\r'])
        .skip(1)
        .filter(|line| {
            let parts: Vec<&str> = line.split(delimiter).collect();
            parts.len() == width
                && parts
                    .get(score_col)
                    .is_some_and(|s| parse_nps(s.trim_matches('"')).is_ok())
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_shaped_like_records_are_counted() {
        assert_eq!(
            swallowed_records("never closed\n2,3,foo\n3,4,bar\n", b',', 3, 1),
            2
        );
        assert_eq!(
            swallowed_records("oops\r\n2;3;fine\r\n3;4;ok\"", b';', 3, 1),
            2
        );
    }

    #[test]
    fn genuine_multi_line_comments_are_not() {
        assert_eq!(
            swallowed_records("line one\nline two, still the comment", b',', 4, 1),
            0
        );
        assert_eq!(swallowed_records("first\nsecond, third", b',', 3, 1), 0);
        assert_eq!(swallowed_records("no newline,9,x", b',', 3, 1), 0);
        // The right number of fields but no score where the score is.
        assert_eq!(swallowed_records("a\nb,c,d", b',', 3, 1), 0);
    }
}
