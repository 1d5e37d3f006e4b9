//! Outputs, one module per file a run writes. The data outputs stream row by row
//! ([`tagged_csv`], [`tagged_jsonl`], [`rejected_csv`], all CSV through [`csvsafe`]); the reports
//! ([`report_md`], [`report_html`] with its templates, [`change_md`] also for `compare`,
//! [`coaching`]) read only the report model ([`crate::report`]). Renderers are pure (data in,
//! bytes out) and share the number formats below and [`markdown`]'s escaping; files are written
//! atomically through [`atomic::AtomicFile`] (a temporary file in the output folder, renamed at
//! the end), and every output file is created before the long work starts so a bad folder fails
//! in the first second.

pub mod atomic;
pub mod change_md;
pub mod chart;
pub mod coaching;
pub mod csvsafe;
pub mod filename;
pub mod kpi_change_report;
pub mod kpi_drivers_report;
pub mod kpi_report;
pub mod markdown;
pub mod rejected_csv;
pub mod report_html;
pub mod report_md;
pub mod summary;
pub mod tagged_csv;
pub mod tagged_jsonl;
pub mod time;
pub mod trend_report;
pub mod xlsx;

/// Format an optional number with `decimals`, "–" when missing.
/// "a", "a and b", "a, b and c".
pub fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) => format_num(x, decimals),
        None => "–".to_string(),
    }
}

/// Fixed decimals without "-0.0".
pub fn format_num(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// Signed points: "+12.3", "-4.0", "0.0".
pub fn fmt_signed(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) => {
            let s = format_num(x, decimals);
            if x > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
                format!("+{s}")
            } else {
                s
            }
        }
        None => "–".to_string(),
    }
}

/// A q-value as the reports show it: "0.012 ✔" when significant, "n too small" when untested.
pub fn fmt_q(q: Option<f64>, significant: bool) -> String {
    match q {
        Some(q) if significant => format!("{q:.3} ✔"),
        Some(q) => format!("{q:.3}"),
        None => "n too small".into(),
    }
}

/// A p-value, "<0.001" below that (escape it for HTML).
pub fn fmt_p(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "<0.001".into(),
        Some(p) => format!("{p:.3}"),
        None => "–".into(),
    }
}

/// The test of an NPS change in words (escape it for HTML): "95% CI -1.2 to +8.0; p = 0.041,
/// significant at the 5% level".
pub fn nps_change_test(n: &crate::stats::change::NpsChange) -> String {
    match n.p_value {
        Some(p) => format!(
            "95% CI {} to {}; p = {}, {} at the 5% level",
            fmt_signed(n.ci95_low, 1),
            fmt_signed(n.ci95_high, 1),
            fmt_p(Some(p)),
            if n.significant {
                "significant"
            } else {
                "not significant"
            }
        ),
        None => "not tested: fewer than 5 responses on a side".into(),
    }
}

/// A fraction as a percentage.
pub fn fmt_pct(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) => format!("{}%", format_num(100.0 * x, decimals)),
        None => "–".to_string(),
    }
}

/// "+12.3 (95% CI +4.1 to +20.2)"
pub fn nps_with_ci(n: &crate::stats::NpsStat) -> String {
    match n.nps {
        Some(_) => format!(
            "{} (95% CI {} to {})",
            fmt_signed(n.nps, 1),
            fmt_signed(n.ci95_low, 1),
            fmt_signed(n.ci95_high, 1)
        ),
        None => "– (no responses)".into(),
    }
}

/// "-4.1 (-5.9 to -2.2)"
pub fn impact_with_ci(impact: f64, lo: f64, hi: f64) -> String {
    format!(
        "{} ({} to {})",
        fmt_signed(Some(impact), 1),
        fmt_signed(Some(lo), 1),
        fmt_signed(Some(hi), 1)
    )
}

/// Render a text with its evidence spans marked: `escape` for the text, `open`/`close`
/// around each span. Spans out of range or overlapping an earlier one are skipped.
pub fn mark_spans(
    text: &str,
    spans: &[(usize, usize)],
    escape: fn(&str) -> String,
    open: &str,
    close: &str,
) -> String {
    let chars: Vec<char> = text.chars().collect();
    let piece = |a: usize, b: usize| escape(&chars[a..b].iter().collect::<String>());
    let mut spans = spans.to_vec();
    spans.sort();
    let mut out = String::new();
    let mut at = 0;
    for (s, e) in spans {
        if s < at || e > chars.len() || s >= e {
            continue;
        }
        out.push_str(&piece(at, s));
        out.push_str(open);
        out.push_str(&piece(s, e));
        out.push_str(close);
        at = e;
    }
    out.push_str(&piece(at, chars.len()));
    out
}
