//! Neutralising spreadsheet formula injection in CSV output, whatever separator the spreadsheet
//! assumes. A spreadsheet opened in a German, French or Russian locale splits on `;`, others on
//! `,` or a tab, and a newline ends a record whatever the quoting: so every *segment* of a cell
//! that such a split could expose (the cell's start, and the text after every `;` `,` tab, CR
//! or LF in it), once leading spaces and `"` are skipped, must not start a formula. A segment
//! that starts with `=` `+` `-` `@` (or their full-width forms), a tab or a carriage return gets
//! a single quote in front of that character, which Excel, LibreOffice and Google Sheets show
//! as text (the OWASP recommendation). A segment that is a plain number such as "-5" or "+3.5"
//! is left alone: it is not a formula and analysts sort on it. Segments that already start with
//! quotes before such a character get one more, so [`unneutralize`] inverts [`neutralize`]
//! exactly.
//!
//! Every CSV the program writes goes through [`writer`]: it quotes every cell that is not a
//! number (so the intended separator never splits a cell) and neutralises every cell.

use std::borrow::Cow;

/// The UTF-8 byte-order mark that `--excel-csv` writes at the start of tagged.csv and
/// rejected.csv (Excel on Windows otherwise reads a CSV in the ANSI code page).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Characters that split a cell into segments in some spreadsheet's reading of the file.
const SEPARATORS: [char; 5] = [';', ',', '\t', '\r', '\n'];
/// Characters skipped before a segment's first character (a spreadsheet trims spaces and reads
/// a segment starting with `"` as a quoted field).
const SKIPPED: [char; 2] = [' ', '"'];
const DANGEROUS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

fn is_plain_number(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || c == '.')
        && t.chars().any(|c| c.is_ascii_digit())
}

/// The text of the segment starting at `rest`: up to the next separator (a tab at the very
/// start is the segment's first character, not a separator).
fn segment(rest: &str) -> &str {
    let mut chars = rest.char_indices();
    chars.next();
    for (i, c) in chars {
        if SEPARATORS.contains(&c) {
            return &rest[..i];
        }
    }
    rest
}

/// Whether the segment `rest` (its skipped prefix and any quotes already removed) would be
/// read as a formula.
fn dangerous(rest: &str) -> bool {
    rest.starts_with(DANGEROUS) && !is_plain_number(segment(rest))
}

/// Byte offsets of every segment start where a `'` goes in (before the run of quotes, if any).
/// Returns (offset, quotes) pairs: `quotes` is how many `'` already stand there.
fn marks(cell: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut starts = vec![0];
    for (i, c) in cell.char_indices() {
        if SEPARATORS.contains(&c) {
            starts.push(i + c.len_utf8());
        }
    }
    for s in starts {
        let rest = &cell[s..];
        let skipped = rest.len() - rest.trim_start_matches(SKIPPED).len();
        let at = s + skipped;
        let after = &cell[at..];
        let unquoted = after.trim_start_matches('\'');
        if dangerous(unquoted) {
            out.push((at, after.len() - unquoted.len()));
        }
    }
    out.dedup_by_key(|m| m.0);
    out
}

/// The cell with every segment that a `;` `,` tab or newline split would expose made safe.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let marks = marks(cell);
    if marks.is_empty() {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len() + marks.len());
    let mut last = 0;
    for (at, _) in marks {
        out.push_str(&cell[last..at]);
        out.push('\'');
        last = at;
    }
    out.push_str(&cell[last..]);
    Cow::Owned(out)
}

/// Undo [`neutralize`] when reading back a CSV this program wrote (a corrected tagged.csv): a
/// quote is removed only where `neutralize` would have added it.
pub fn unneutralize(cell: &str) -> Cow<'_, str> {
    let marks: Vec<usize> = marks(cell)
        .into_iter()
        .filter(|(_, quotes)| *quotes > 0)
        .map(|(at, _)| at)
        .collect();
    if marks.is_empty() {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len());
    let mut last = 0;
    for at in marks {
        out.push_str(&cell[last..at]);
        last = at + 1; // skip one quote
    }
    out.push_str(&cell[last..]);
    Cow::Owned(out)
}

/// A JSON text made safe for a CSV cell without changing what it means: a dangerous character
/// at a segment start (necessarily inside a JSON string: the structural positions after `,`
/// hold `"`, `{`, `[` or a digit) is written as its `\uXXXX` escape.
pub fn neutralize_json(json: &str) -> Cow<'_, str> {
    let marks = marks(json);
    if marks.is_empty() {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 6 * marks.len());
    let mut last = 0;
    for (at, quotes) in marks {
        let at = at + quotes;
        out.push_str(&json[last..at]);
        let c = json[at..]
            .chars()
            .next()
            .expect("a mark precedes a character");
        out.push_str(&format!("\\u{:04x}", c as u32));
        last = at + c.len_utf8();
    }
    out.push_str(&json[last..]);
    Cow::Owned(out)
}

/// Whether some spreadsheet reading of `cell` (split on `;` `,` tab or newline) exposes a
/// segment that starts a formula. What [`neutralize`] returns never does.
pub fn is_unsafe(cell: &str) -> bool {
    marks(cell).iter().any(|(_, quotes)| *quotes == 0)
}

/// A CSV writer for every CSV the program writes: every cell that is not a number is quoted,
/// and every cell is neutralised by [`SafeWriter::write_record`].
pub fn writer<W: std::io::Write>(w: W) -> SafeWriter<W> {
    writer_with(w, b',')
}

/// The same with another field separator (`--csv-delimiter`: `;` for spreadsheets in locales
/// whose list separator is the semicolon, tab).
pub fn writer_with<W: std::io::Write>(w: W, delimiter: u8) -> SafeWriter<W> {
    SafeWriter(
        csv::WriterBuilder::new()
            .delimiter(delimiter)
            .quote_style(csv::QuoteStyle::NonNumeric)
            .from_writer(w),
    )
}

pub struct SafeWriter<W: std::io::Write>(csv::Writer<W>);

impl<W: std::io::Write> SafeWriter<W> {
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.0.write_record(
            record
                .into_iter()
                .map(|c| neutralize(c.as_ref()).into_owned()),
        )
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }

    /// Flush and return the inner writer.
    pub fn into_inner(self) -> anyhow::Result<W> {
        self.0
            .into_inner()
            .map_err(|e| anyhow::anyhow!("CSV write failed: {}", e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unneutralize_inverts_neutralize_only() {
        for s in [
            "=SUM(A1)",
            "@user hi",
            "-rude",
            "plain",
            "-5",
            "'quoted",
            "'=x",
            "a;'=b",
            "Alles gut;=1+1;",
            "x, -y",
            "x;\"=1\"",
        ] {
            assert_eq!(unneutralize(&neutralize(s)), s, "{s}");
        }
        assert_eq!(unneutralize("'plain"), "'plain");
    }

    #[test]
    fn formulas_are_quoted_numbers_are_not() {
        assert_eq!(neutralize("=SUM(1+1)"), "'=SUM(1+1)");
        assert_eq!(neutralize("@cmd"), "'@cmd");
        assert_eq!(neutralize("+44 7700 900123"), "'+44 7700 900123");
        assert_eq!(neutralize("\t=1"), "'\t'=1");
        assert_eq!(neutralize("-5"), "-5");
        assert_eq!(neutralize("-0.25"), "-0.25");
        assert_eq!(neutralize("fine = good"), "fine = good");
        assert_eq!(neutralize(""), "");
    }

    #[test]
    fn separator_exposed_formulas_are_neutralised() {
        assert_eq!(neutralize("Alles gut;=1+1;"), "Alles gut;'=1+1;");
        assert_eq!(neutralize("oops;=2+2;"), "oops;'=2+2;");
        assert_eq!(neutralize("a, =b"), "a, '=b");
        assert_eq!(neutralize("a\n@b"), "a\n'@b");
        assert_eq!(neutralize("a;\"=b\""), "a;\"'=b\"");
        assert_eq!(neutralize("score 5,-3"), "score 5,-3");
        for s in ["Alles gut;=1+1;", "a\t+b", "x,\r=y", "1;－1"] {
            assert!(is_unsafe(s), "{s}");
            assert!(!is_unsafe(&neutralize(s)), "{s}");
        }
    }

    #[test]
    fn json_stays_json() {
        let j = r#"[{"text":"a;=1+1","n":-1}]"#;
        let safe = neutralize_json(j);
        assert!(!is_unsafe(&safe), "{safe}");
        let v: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(v[0]["text"], "a;=1+1");
    }
}
