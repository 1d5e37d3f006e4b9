//! Outputs. Renderers are pure (data in, bytes out); files are written atomically through
//! [`atomic::AtomicFile`] (a temporary file in the output folder, renamed at the end), and every
//! output file is created before the long work starts so a bad folder fails in the first second.

pub mod atomic;
pub mod change_html;
pub mod change_md;
pub mod coaching;
pub mod csvsafe;
pub mod filename;
pub mod kpi_report;
pub mod report_html;
pub mod report_md;
pub mod summary;
pub mod tagged_jsonl;
pub mod time;

/// Format an optional number with `decimals`, "–" when missing.
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
