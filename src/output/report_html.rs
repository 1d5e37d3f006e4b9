//! `report.html`: one self-contained page (inline CSS and SVG, no script, nothing fetched)
//! with the headline, a driver chart of theme impact, a volume-versus-detractor-rate chart,
//! the theme table, segment tables and verbatims with their evidence highlighted. Every piece
//! of text from the data goes through [`esc`]. Pure: summary in, bytes out.

use std::fmt::Write;

use super::report_md::{nps_with_ci, ReportInput};
use super::{fmt_opt, fmt_pct, fmt_signed};
use crate::stats::{ThemeStat, Verbatim};

/// Escape for HTML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 10px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.meta{color:#5b6475;font-size:13px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px 16px;min-width:150px}
.card b{display:block;font-size:24px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13.5px}
th,td{border-bottom:1px solid #e6e9ee;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.small{color:#8a93a3}.sig{color:#0a7d38;font-weight:600}
mark{background:#ffe08a;padding:0 1px}
ul.verb{list-style:none;padding:0}ul.verb li{background:#fff;border:1px solid #e6e9ee;border-radius:6px;padding:8px 10px;margin:6px 0}
.tag{display:inline-block;font-size:12px;border-radius:4px;padding:0 5px;margin-right:4px;background:#eef1f5}
.negative{background:#fde2e1}.positive{background:#dff3e6}.mixed{background:#f3e8fd}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
@media print{body{background:#fff}main{padding:0}.card,ul.verb li{break-inside:avoid}}
"#;

fn driver_chart(themes: &[&ThemeStat]) -> String {
    let rows: Vec<(&str, f64)> = themes
        .iter()
        .map(|t| (t.name.as_str(), t.impact_points.unwrap_or(0.0)))
        .collect();
    if rows.is_empty() {
        return "<p>No theme was mentioned.</p>".into();
    }
    let max = rows.iter().map(|r| r.1.abs()).fold(0.5, f64::max);
    let (label_w, bar_w, row_h) = (190.0, 560.0, 24.0);
    let width = label_w + bar_w + 70.0;
    let height = row_h * rows.len() as f64 + 30.0;
    let zero = label_w + bar_w / 2.0;
    let scale = (bar_w / 2.0) / max;
    let mut s = format!(
        r#"<svg role="img" aria-label="Theme impact on NPS in points" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">"#
    );
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = 10.0 + i as f64 * row_h;
        let len = v.abs() * scale;
        let x = if *v < 0.0 { zero - len } else { zero };
        let colour = if *v < 0.0 { "#d64545" } else { "#2f9e5b" };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{x:.1}" y="{:.1}" width="{len:.1}" height="{}" fill="{colour}"><title>{}: {} pts</title></rect><text x="{:.1}" y="{}" text-anchor="{}">{}</text>"#,
            label_w - 8.0,
            y + 15.0,
            esc(name),
            y + 3.0,
            row_h - 8.0,
            esc(name),
            fmt_signed(Some(*v), 1),
            if *v < 0.0 { x - 4.0 } else { x + len + 4.0 },
            y + 15.0,
            if *v < 0.0 { "end" } else { "start" },
            fmt_signed(Some(*v), 1)
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{zero}" x2="{zero}" y1="4" y2="{}" stroke="#5b6475"/></svg>"##,
        height - 16.0
    );
    s
}

fn quadrant_chart(themes: &[&ThemeStat], overall_detractor_rate: f64) -> String {
    let pts: Vec<(&str, f64, f64, u64)> = themes
        .iter()
        .filter_map(|t| {
            Some((
                t.name.as_str(),
                t.share_of_comments?,
                t.detractor_rate_with?,
                t.mentions,
            ))
        })
        .collect();
    if pts.is_empty() {
        return String::new();
    }
    let (w, h, pad) = (640.0, 380.0, 48.0);
    let max_x = pts.iter().map(|p| p.1).fold(0.05, f64::max) * 1.1;
    let px = |x: f64| pad + x / max_x * (w - 2.0 * pad);
    let py = |y: f64| h - pad - y * (h - 2.0 * pad);
    let mut s = format!(
        r#"<svg role="img" aria-label="Theme volume versus detractor rate" viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px">"#
    );
    let _ = write!(
        s,
        r##"<rect x="{pad}" y="{pad}" width="{}" height="{}" fill="#fff" stroke="#dde1e7"/><line x1="{pad}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#d64545" stroke-dasharray="4 3"/><text x="{}" y="{:.1}" text-anchor="end">overall detractor rate</text>"##,
        w - 2.0 * pad,
        h - 2.0 * pad,
        w - pad,
        py(overall_detractor_rate),
        py(overall_detractor_rate),
        w - pad - 4.0,
        py(overall_detractor_rate) - 4.0
    );
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">share of comments mentioning the theme</text><text x="14" y="{}" transform="rotate(-90 14 {})" text-anchor="middle">detractor rate of mentioners</text>"#,
        w / 2.0,
        h - 12.0,
        h / 2.0,
        h / 2.0
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            pad - 4.0,
            py(tick) + 4.0,
            fmt_pct(Some(tick), 0)
        );
    }
    for tick in 0..=4 {
        let x = max_x * tick as f64 / 4.0;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            px(x),
            h - pad + 16.0,
            fmt_pct(Some(x), 0)
        );
    }
    for (name, x, y, n) in &pts {
        let r = 4.0 + (*n as f64).sqrt().min(14.0);
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{r:.1}" fill="#4a6fd6" fill-opacity="0.55"><title>{}: {} of comments, {} detractors</title></circle><text x="{:.1}" y="{:.1}">{}</text>"##,
            px(*x),
            py(*y),
            esc(name),
            fmt_pct(Some(*x), 1),
            fmt_pct(Some(*y), 0),
            px(*x) + r + 2.0,
            py(*y) + 4.0,
            esc(name)
        );
    }
    s.push_str("</svg>");
    s
}

fn verbatim_html(v: &Verbatim) -> String {
    let body = super::report_md::mark_spans(v, esc, "<mark>", "</mark>");
    let segs: Vec<String> = v
        .segments
        .iter()
        .map(|(k, val)| format!("{}: {}", esc(k), esc(val)))
        .collect();
    format!(
        r#"<li><span class="tag">score {}</span><span class="tag {}">{}</span><span class="tag">{}</span><span class="small">{}</span><br>{}</li>"#,
        v.score,
        v.polarity.as_str(),
        v.polarity.as_str(),
        esc(&v.language),
        segs.join(" · "),
        body
    )
}

pub fn render(r: &ReportInput) -> String {
    let s = r.summary;
    let st = &s.statistics;
    let c = &s.counts;
    let ranked = st.themes_by_impact();
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><title>NPS root-cause report</title><style>{CSS}</style></head><body><main>"#
    );
    let _ = write!(
        o,
        r#"<h1>NPS root-cause report</h1><p class="meta">Input {} · {} rows · model {} · sha256 {}</p>"#,
        esc(&s.fingerprint.input_file),
        c.rows_in,
        esc(&s.fingerprint.model_id),
        esc(&s.fingerprint.input_sha256[..16.min(s.fingerprint.input_sha256.len())])
    );
    let _ = write!(
        o,
        r#"<div class="cards"><div class="card">NPS<b>{}</b><span class="small">95% CI {} to {}</span></div>"#,
        fmt_signed(st.overall.nps, 1),
        fmt_signed(st.overall.ci95_low, 1),
        fmt_signed(st.overall.ci95_high, 1)
    );
    if let Some(a) = &st.agent {
        let _ = write!(
            o,
            r#"<div class="card">Agent NPS<b>{}</b><span class="small">n = {}</span></div>"#,
            fmt_signed(a.nps, 1),
            a.n
        );
    }
    let _ = write!(
        o,
        r#"<div class="card">Responses<b>{}</b><span class="small">{} promoters · {} passives · {} detractors</span></div><div class="card">Comments<b>{}</b><span class="small">{} without comment</span></div><div class="card">Rejected rows<b>{}</b><span class="small">see rejected.csv</span></div></div>"#,
        st.overall.n,
        st.overall.promoters,
        st.overall.passives,
        st.overall.detractors,
        c.commented,
        c.no_comment,
        c.rejected
    );

    o.push_str(&super::change_html::sections(s));
    let _ = write!(o, "<h2>What drives detractors</h2><p>Leave-one-out impact: how many NPS points the score would change without the theme's mentioners. Red bars pull NPS down.</p>{}", driver_chart(&ranked));
    let _ = write!(o, "<h2>Priority: volume and detractor rate</h2><p>Themes up and to the right are frequent and mostly mentioned by detractors.</p>{}", quadrant_chart(&ranked, st.overall.detractors as f64 / st.overall.n.max(1) as f64));

    let _ = write!(
        o,
        r#"<h2>Themes</h2><table><thead><tr><th>Theme</th><th>Group</th><th>Mentions</th><th>Share</th><th>NPS of mentioners</th><th>Detractors with / without</th><th>Lift</th><th>Impact (pts)</th><th>Negative / positive mentions (pts)</th><th>q</th></tr></thead><tbody>"#
    );
    for t in &ranked {
        let _ = write!(
            o,
            r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{} / {}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{} / {}</td><td class="n{}">{}</td></tr>"#,
            esc(&t.name),
            t.group,
            t.mentions,
            fmt_pct(t.share_of_comments, 1),
            fmt_signed(t.nps_mentioners, 1),
            fmt_pct(t.detractor_rate_with, 0),
            fmt_pct(t.detractor_rate_without, 0),
            fmt_opt(t.lift, 2),
            fmt_signed(t.impact_points, 1),
            fmt_signed(t.impact_negative_points, 1),
            fmt_signed(t.impact_positive_points, 1),
            if t.significant { " sig" } else { "" },
            t.q_value
                .map_or("n too small".to_string(), |q| format!("{q:.3}"))
        );
    }
    o.push_str("</tbody></table>");

    for (col, values) in &st.segments {
        let _ = write!(
            o,
            r#"<h2>By {}</h2><table><thead><tr><th>{}</th><th>n</th><th>Comments</th><th>NPS</th><th>95% CI</th><th>Top drivers (impact pts)</th></tr></thead><tbody>"#,
            esc(col),
            esc(col)
        );
        for v in values {
            let drivers: Vec<String> = v
                .top_drivers
                .iter()
                .map(|d| format!("{} ({})", esc(&d.id), fmt_signed(Some(d.impact_points), 1)))
                .collect();
            let _ = write!(
                o,
                r#"<tr{}><td>{}{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{} to {}</td><td>{}</td></tr>"#,
                if v.small_n { r#" class="small""# } else { "" },
                esc(&v.value),
                if v.small_n { " (small n)" } else { "" },
                v.nps.n,
                v.comments,
                fmt_signed(v.nps.nps, 1),
                fmt_signed(v.nps.ci95_low, 1),
                fmt_signed(v.nps.ci95_high, 1),
                drivers.join(", ")
            );
        }
        o.push_str("</tbody></table>");
    }

    let _ = write!(
        o,
        "<h2>Verbatims by theme</h2><p class=\"small\">{}</p>",
        if s.pii_masked {
            "Personal data masked."
        } else {
            "Personal data NOT masked (--keep-pii)."
        }
    );
    for t in &ranked {
        let Some(i) = r.taxonomy.index_of(&t.id) else {
            continue;
        };
        let Some(res) = r.verbatims.get(i) else {
            continue;
        };
        if res.all().next().is_none() {
            continue;
        }
        let _ = write!(o, "<h3>{} <span class=\"small\">{} mentions · NPS of mentioners {}</span></h3><ul class=\"verb\">", esc(&t.name), t.mentions, fmt_signed(t.nps_mentioners, 1));
        for v in res.all() {
            o.push_str(&verbatim_html(v));
        }
        o.push_str("</ul>");
    }

    o.push_str("<h2>Data quality</h2><ul>");
    let _ = write!(
        o,
        "<li>Headline: NPS {}.</li>",
        esc(&nps_with_ci(&st.overall))
    );
    for (reason, n) in &c.rejected_by_reason {
        let _ = write!(o, "<li>Rejected, {}: {n}</li>", esc(reason));
    }
    for (field, n) in &c.unreadable_optional_fields {
        let _ = write!(
            o,
            "<li>Unreadable {} values left empty: {n}</li>",
            esc(field)
        );
    }
    let langs: Vec<String> = st
        .languages
        .iter()
        .map(|(k, v)| format!("{} {v}", esc(k)))
        .collect();
    let _ = write!(o, "<li>Languages: {}</li></ul>", langs.join(", "));
    o.push_str("</main></body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_significant() {
        assert_eq!(
            esc(r#"<img src=x onerror="alert(1)">&'"#),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
    }
}
