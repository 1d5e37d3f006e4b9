//! Markdown building blocks shared by report.md, the change sections, `compare` and the coaching
//! packs: escaping (nothing in a comment can become Markdown or HTML), code spans for file
//! names, and evidence in bold.

use super::mark_spans;
use crate::stats::Verbatim;

/// Escape text for Markdown: HTML-significant characters become entities, Markdown syntax
/// characters are backslash-escaped, and line breaks become spaces.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '!' | '(' | ')' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// `s` as a Markdown code span: backslash escapes are literal inside code spans, so the text is
/// not escaped; the fence is one backtick longer than the longest run of backticks in it, and
/// line ends become spaces (HTML is not interpreted inside a code span).
pub fn md_code(s: &str) -> String {
    let text: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A verbatim with its evidence in bold, escaped.
pub fn highlighted(v: &Verbatim) -> String {
    mark_spans(&v.text, &v.spans, md_escape, "**", "**")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_show_file_names_without_escape_backslashes() {
        assert_eq!(md_code("my_file (1).csv"), "`my_file (1).csv`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(md_code("a\nb"), "`a b`");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            md_escape("<script>alert(1)</script> *x* [a](b)"),
            "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\*x\\* \\[a\\]\\(b\\)"
        );
    }
}
