//! `report.html`: one self-contained page, readable on a laptop and printable. Inline CSS, inline
//! SVG charts and one small inline plain-JavaScript block (table sorting, filtering by segment and
//! language, opening every drill-down before printing); nothing is fetched. The Content Security
//! Policy is `default-src 'none'` with the page's own script allowed by its SHA-256 hash only, so
//! even a comment that slipped past escaping could neither run a script nor make a request.
//! Every piece of text from the data goes through [`esc`], and the script never turns data into
//! markup (it only toggles `hidden` and reorders existing rows). Pure: data in, bytes out.
//!
//! Sections: headline, driver chart ([`driver_chart`], fed with [`DriverBar`]s), priority
//! quadrant, theme table, theme x segment heatmap, segment tables, filterable responses table,
//! per-theme drill-down, mismatch list ([`mismatch_list`], only when there are mismatches),
//! discovered themes and data quality. Without JavaScript the page shows everything unfiltered.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::report_md::{mark_spans, nps_with_ci, ReportInput};
use super::{fmt_opt, fmt_pct, fmt_q, fmt_signed};
use crate::stats::{Accumulator, DriverModel, MismatchExample, ThemeStat, Verbatim};
use crate::taxonomy::Taxonomy;

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

/// One bar of the driver chart: a signed effect in NPS points with an optional interval.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverBar {
    pub label: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Change since the previous run, for the headline.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousRun {
    /// What the previous run was (file name or date).
    pub label: String,
    pub nps_change: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// One cell of the heatmap: mentions of a theme among a segment value's comments.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatCell {
    pub mentions: u64,
    /// Share of the segment value's comments mentioning the theme.
    pub share: Option<f64>,
    pub nps_mentioners: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeatRow {
    pub value: String,
    pub comments: u64,
    pub cells: Vec<HeatCell>,
}

/// Theme x segment-value table for one segment column.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub column: String,
    /// (theme id, theme name), only themes mentioned at least once.
    pub themes: Vec<(String, String)>,
    pub rows: Vec<HeatRow>,
    /// Values left out (the table keeps the [`HEATMAP_MAX_ROWS`] values with most comments).
    pub omitted: usize,
}

pub const HEATMAP_MAX_ROWS: usize = 30;

pub use crate::discover::DiscoveredTheme;

/// What the page shows beyond [`ReportInput`]. Everything is optional: empty means the section
/// is left out (or, for `drivers`, that the leave-one-out impacts of the statistics are shown).
#[derive(Debug, Clone, Default)]
pub struct HtmlExtras {
    pub heatmaps: Vec<Heatmap>,
    /// Driver bars with intervals and the sentence explaining them; None: leave-one-out impacts.
    pub drivers: Option<(Vec<DriverBar>, String)>,
    /// Responses whose score and text disagree.
    pub mismatches: Vec<Verbatim>,
    pub previous: Option<PreviousRun>,
    pub discovered: Vec<DiscoveredTheme>,
}

/// Heatmaps of every segment column from the accumulated counts.
pub fn heatmaps(acc: &Accumulator, taxonomy: &Taxonomy) -> Vec<Heatmap> {
    let mentioned: Vec<usize> = (0..taxonomy.themes.len())
        .filter(|i| acc.themes.get(*i).is_some_and(|t| t.mentioners.n() > 0))
        .collect();
    acc.segments
        .iter()
        .map(|(col, values)| {
            let mut rows: Vec<HeatRow> = values
                .iter()
                .map(|(value, c)| {
                    let comments = c.commented.n();
                    HeatRow {
                        value: value.clone(),
                        comments,
                        cells: mentioned
                            .iter()
                            .map(|&i| {
                                let m = c.themes.get(i).copied().unwrap_or_default();
                                HeatCell {
                                    mentions: m.n(),
                                    share: (comments > 0).then(|| m.n() as f64 / comments as f64),
                                    nps_mentioners: m.nps(),
                                }
                            })
                            .collect(),
                    }
                })
                .collect();
            rows.sort_by(|a, b| b.comments.cmp(&a.comments).then(a.value.cmp(&b.value)));
            let omitted = rows.len().saturating_sub(HEATMAP_MAX_ROWS);
            rows.truncate(HEATMAP_MAX_ROWS);
            Heatmap {
                column: col.clone(),
                themes: mentioned
                    .iter()
                    .map(|&i| {
                        (
                            taxonomy.themes[i].id.clone(),
                            taxonomy.themes[i].name.clone(),
                        )
                    })
                    .collect(),
                rows,
                omitted,
            }
        })
        .collect()
}

const CSS: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1160px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 10px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
nav{font-size:13px;margin:8px 0}nav a{margin-right:10px;color:#3556b8}
.meta{color:#5b6475;font-size:13px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px 16px;min-width:150px}
.card b{display:block;font-size:24px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13.5px}
th,td{border-bottom:1px solid #e6e9ee;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.js table.sortable th{cursor:pointer}.js table.sortable th:after{content:" \2195";color:#9aa3b2;font-size:11px}
th[aria-sort=ascending]:after{content:" \2191"!important}th[aria-sort=descending]:after{content:" \2193"!important}
table.heat td.h{text-align:center;font-variant-numeric:tabular-nums;min-width:42px}
table.heat th.rot{font-size:12px;max-width:90px}
.small{color:#8a93a3}.sig{color:#0a7d38;font-weight:600}
mark{background:#ffe08a;padding:0 1px}
ul.verb{list-style:none;padding:0}ul.verb li{background:#fff;border:1px solid #e6e9ee;border-radius:6px;padding:8px 10px;margin:6px 0}
.tag{display:inline-block;font-size:12px;border-radius:4px;padding:0 5px;margin-right:4px;background:#eef1f5}
.negative{background:#fde2e1}.positive{background:#dff3e6}.mixed{background:#f3e8fd}
details{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:6px 0;padding:4px 10px}
summary{cursor:pointer;font-weight:600}
.filters{display:none;gap:10px;flex-wrap:wrap;align-items:end;margin:8px 0;font-size:13px}
.js .filters{display:flex}.filters label{display:flex;flex-direction:column}
#status{font-size:13px;color:#5b6475}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
@media print{body{background:#fff;font-size:11pt}main{padding:0;max-width:none}nav,.filters,#status{display:none!important}
.card,ul.verb li,details,tr,svg{break-inside:avoid}h2{break-after:avoid}[hidden]{display:none}
table.heat td.h{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

/// The page's only script. Sorting: a click (or Enter) on a header of a `sortable` table sorts
/// by that column (numbers by `data-v`). Filtering: the selects above the responses table hide
/// every `.filterable` element (responses and drill-down verbatims) whose `data-f-*` attribute
/// differs; `#filter:lang=de&0=Team%20A` in the address pre-selects filters.
const SCRIPT: &str = r##"(function(){"use strict";
var d=document,A=Array.prototype;d.documentElement.classList.add("js");
function key(td){if(!td)return"";var v=td.getAttribute("data-v");if(v!==null&&v!==""&&!isNaN(+v))return +v;if(td.classList.contains("n"))return -Infinity;return td.textContent.trim().toLowerCase();}
A.forEach.call(d.querySelectorAll("table.sortable"),function(t){var hs=t.tHead.rows[0].cells;A.forEach.call(hs,function(th,i){th.tabIndex=0;
function go(){var asc=th.getAttribute("aria-sort")!=="ascending";A.forEach.call(hs,function(h){h.removeAttribute("aria-sort");});th.setAttribute("aria-sort",asc?"ascending":"descending");
var b=t.tBodies[0],r=A.slice.call(b.rows);r.sort(function(x,y){var p=key(x.cells[i]),q=key(y.cells[i]),c=(typeof p==="number"&&typeof q==="number")?(p<q?-1:p>q?1:0):String(p).localeCompare(String(q));return asc?c:-c;});r.forEach(function(row){b.appendChild(row);});}
th.addEventListener("click",go);th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();go();}});});});
var sels=d.querySelectorAll("select[data-filter]"),status=d.getElementById("status");
function apply(){var f=[];A.forEach.call(sels,function(s){if(s.value!=="")f.push([s.getAttribute("data-filter"),s.value]);});var shown=0,total=0;
A.forEach.call(d.querySelectorAll(".filterable"),function(el){var ok=f.every(function(p){return el.getAttribute("data-f-"+p[0])===p[1];});el.hidden=!ok;if(el.tagName==="TR"){total++;if(ok)shown++;}});
if(status)status.textContent=shown+" of "+total+" responses shown"+(f.length?" (filtered)":"");}
A.forEach.call(sels,function(s){s.addEventListener("change",apply);});
var h=location.hash;if(h.indexOf("#filter:")===0){h.slice(8).split("&").forEach(function(kv){var i=kv.indexOf("=");if(i<1)return;var k=decodeURIComponent(kv.slice(0,i)),v=decodeURIComponent(kv.slice(i+1));
A.forEach.call(sels,function(s){if(s.getAttribute("data-filter")===k&&A.some.call(s.options,function(o){return o.value===v;}))s.value=v;});});}
apply();
window.addEventListener("beforeprint",function(){A.forEach.call(d.querySelectorAll("details"),function(x){x.open=true;});});
})();"##;

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= c.len() {
                out.push(T[(n >> shift) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The CSP source expression allowing exactly `script`.
pub fn script_hash(script: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(script.as_bytes())))
}

/// The page's Content Security Policy.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
        script_hash(SCRIPT)
    )
}

/// A horizontal bar chart of signed effects in points, with interval whiskers where known.
pub fn driver_chart(bars: &[DriverBar]) -> String {
    if bars.is_empty() {
        return "<p>No theme was mentioned.</p>".into();
    }
    let max = bars
        .iter()
        .flat_map(|b| [Some(b.value), b.low, b.high])
        .flatten()
        .map(f64::abs)
        .fold(0.5, f64::max);
    let (label_w, bar_w, row_h) = (190.0, 560.0, 24.0);
    let width = label_w + bar_w + 70.0;
    let height = row_h * bars.len() as f64 + 30.0;
    let zero = label_w + bar_w / 2.0;
    let scale = (bar_w / 2.0 - 30.0) / max;
    let mut s = format!(
        r#"<svg class="chart" id="driver-chart" role="img" aria-label="Theme effect on NPS in points" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">"#
    );
    for (i, b) in bars.iter().enumerate() {
        let v = b.value;
        let y = 10.0 + i as f64 * row_h;
        let len = v.abs() * scale;
        let x = if v < 0.0 { zero - len } else { zero };
        let colour = if v < 0.0 { "#d64545" } else { "#2f9e5b" };
        let interval = match (b.low, b.high) {
            (Some(l), Some(h)) => format!(
                " (95% interval {} to {})",
                fmt_signed(Some(l), 1),
                fmt_signed(Some(h), 1)
            ),
            _ => String::new(),
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{x:.1}" y="{:.1}" width="{len:.1}" height="{}" fill="{colour}"><title>{}: {} pts{}</title></rect>"#,
            label_w - 8.0,
            y + 15.0,
            esc(&b.label),
            y + 3.0,
            row_h - 8.0,
            esc(&b.label),
            fmt_signed(Some(v), 1),
            interval
        );
        let mut label_x = if v < 0.0 { x - 4.0 } else { x + len + 4.0 };
        if let (Some(l), Some(h)) = (b.low, b.high) {
            let (xl, xh) = (zero + l * scale, zero + h * scale);
            let ym = y + 3.0 + (row_h - 8.0) / 2.0;
            let _ = write!(
                s,
                r##"<line class="ci" x1="{xl:.1}" x2="{xh:.1}" y1="{ym:.1}" y2="{ym:.1}" stroke="#1d2330"/><line x1="{xl:.1}" x2="{xl:.1}" y1="{:.1}" y2="{:.1}" stroke="#1d2330"/><line x1="{xh:.1}" x2="{xh:.1}" y1="{:.1}" y2="{:.1}" stroke="#1d2330"/>"##,
                ym - 4.0,
                ym + 4.0,
                ym - 4.0,
                ym + 4.0
            );
            label_x = if v < 0.0 {
                xl.min(x) - 4.0
            } else {
                xh.max(x + len) + 4.0
            };
        }
        let _ = write!(
            s,
            r#"<text x="{label_x:.1}" y="{}" text-anchor="{}">{}</text>"#,
            y + 15.0,
            if v < 0.0 { "end" } else { "start" },
            fmt_signed(Some(v), 1)
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
        r#"<svg class="chart" id="quadrant-chart" role="img" aria-label="Theme volume versus detractor rate" viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px">"#
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

/// `data-f-*` attributes of a verbatim for the page's filters: segment columns by their index
/// in `columns`, language as `lang`.
fn filter_attrs(v: &Verbatim, columns: &[String]) -> String {
    let mut s = format!(r#" data-f-lang="{}""#, esc(&v.language));
    for (i, col) in columns.iter().enumerate() {
        if let Some((_, val)) = v.segments.iter().find(|(c, _)| c == col) {
            let _ = write!(s, r#" data-f-{i}="{}""#, esc(val));
        }
    }
    s
}

fn verbatim_li(v: &Verbatim, columns: &[String]) -> String {
    let body = mark_spans(v, esc, "<mark>", "</mark>");
    let segs: Vec<String> = v
        .segments
        .iter()
        .map(|(k, val)| format!("{}: {}", esc(k), esc(val)))
        .collect();
    format!(
        r#"<li class="filterable"{}><span class="tag">score {}</span><span class="tag {}">{}</span><span class="tag" title="language">{}</span><span class="tag {}" title="comment sentiment">comment {}</span><span class="small">{}</span><br><span class="text">{}</span></li>"#,
        filter_attrs(v, columns),
        v.score,
        v.polarity.as_str(),
        v.polarity.as_str(),
        esc(&v.language),
        v.sentiment.as_str(),
        v.sentiment.as_str(),
        segs.join(" · "),
        body
    )
}

/// The driver model's bars (impact with bootstrap interval) and the sentence explaining them.
pub fn driver_bars(m: &DriverModel) -> (Vec<DriverBar>, String) {
    let bars = m
        .ranked()
        .into_iter()
        .map(|t| DriverBar {
            label: t.name.clone(),
            value: t.impact_points,
            low: Some(t.ci95_low),
            high: Some(t.ci95_high),
        })
        .collect();
    let note = format!(
        "Driver model: all themes fitted at once (ridge regression of each commented response's NPS value on its negative, positive and other theme mentions, lambda {}), impact = effect x frequency in points of the headline NPS, with 95 % bootstrap intervals ({} replicates, seed {}). A whisker crossing 0 means not distinguishable from noise.",
        m.ridge_lambda, m.bootstrap_replicates, m.seed
    );
    (bars, note)
}

/// The driver model as a table (greyed rows carry their reason), with the agent-score model's
/// impacts beside it when there is one.
pub fn driver_model_table(m: &DriverModel, agent: Option<&DriverModel>) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<section id="driver-model"><h2>Driver model</h2><p>The themes explain {} of the variation in who is a detractor; <b>Share</b> is each theme's Shapley share of that ({}). Greyed rows are not to be ranked; the note says why. Groups say whose problem a theme is: process, product and channel themes are not an agent's to fix.</p><div class="scroll"><table class="sortable" id="driver-table"><thead><tr><th>Theme</th><th>Group</th><th>Mentions</th><th>Impact (pts)</th><th>95% CI</th><th>Negative mention (pts)</th><th>Positive mention (pts)</th><th>Share of explained</th>{}<th>Note</th></tr></thead><tbody>"#,
        fmt_pct(Some(m.detractor_r2), 1),
        esc(&m.shapley),
        if agent.is_some() {
            "<th>Impact on agent NPS (pts)</th>"
        } else {
            ""
        }
    );
    for t in m.ranked() {
        let agent_cell = match agent {
            None => String::new(),
            Some(a) => {
                let v = a
                    .themes
                    .iter()
                    .find(|x| x.id == t.id && x.mentions > 0)
                    .map(|x| x.impact_points);
                td_num(v, fmt_signed(v, 1))
            }
        };
        let _ = write!(
            o,
            r#"<tr{}><td>{}</td><td>{}</td><td class="n" data-v="{}">{}</td>{}<td class="n">{} to {}</td>{}{}{}{}<td>{}</td></tr>"#,
            if t.caution.is_some() {
                r#" class="small""#
            } else {
                ""
            },
            esc(&t.name),
            t.group,
            t.mentions,
            t.mentions,
            td_num(Some(t.impact_points), fmt_signed(Some(t.impact_points), 1)),
            fmt_signed(Some(t.ci95_low), 1),
            fmt_signed(Some(t.ci95_high), 1),
            td_num(
                t.effect_negative_points,
                fmt_signed(t.effect_negative_points, 1)
            ),
            td_num(
                t.effect_positive_points,
                fmt_signed(t.effect_positive_points, 1)
            ),
            td_num(
                Some(t.importance_share),
                fmt_pct(Some(t.importance_share), 1)
            ),
            agent_cell,
            t.caution.as_deref().map(esc).unwrap_or_default()
        );
    }
    o.push_str("</tbody></table></div></section>");
    o
}

/// Mismatch examples as verbatims for [`mismatch_list`] (the reason goes in front of the text).
pub fn mismatch_verbatims(items: &[MismatchExample]) -> Vec<Verbatim> {
    items
        .iter()
        .map(|e| Verbatim {
            row: e.row,
            id: e.id.clone(),
            score: e.score,
            category: crate::stats::Category::of(e.score),
            language: e.language.clone(),
            sentiment: if e.sentiment_score >= 0.0 {
                crate::tagger::Sentiment::Positive
            } else {
                crate::tagger::Sentiment::Negative
            },
            polarity: crate::tagger::Sentiment::Neutral,
            text: e.text.clone(),
            spans: vec![],
            segments: e.segments.clone(),
            rank: e.sentiment_score.abs(),
        })
        .collect()
}

/// A list of verbatims (responses whose score and comment disagree), for the mismatch section.
pub fn mismatch_list(items: &[Verbatim], columns: &[String]) -> String {
    let mut s = String::from(r#"<ul class="verb" id="mismatch-list">"#);
    for v in items {
        s.push_str(&verbatim_li(v, columns));
    }
    s.push_str("</ul>");
    s
}

fn td_num(v: Option<f64>, text: String) -> String {
    match v {
        Some(x) => format!(r#"<td class="n" data-v="{x}">{text}</td>"#),
        None => format!(r#"<td class="n">{text}</td>"#),
    }
}

fn heat_colour(share: f64, max: f64) -> String {
    let a = if max > 0.0 { share / max } else { 0.0 };
    format!("background:rgba(214,69,69,{:.2})", 0.08 + 0.72 * a)
}

fn heatmap_html(h: &Heatmap) -> String {
    if h.themes.is_empty() || h.rows.is_empty() {
        return String::new();
    }
    let max = h
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().filter_map(|c| c.share))
        .fold(0.0, f64::max);
    let mut s = format!(
        r#"<h3>Themes by {}</h3><div class="scroll"><table class="heat sortable"><thead><tr><th>{}</th><th>Comments</th>"#,
        esc(&h.column),
        esc(&h.column)
    );
    for (id, name) in &h.themes {
        let _ = write!(
            s,
            r#"<th class="rot" title="{}">{}</th>"#,
            esc(id),
            esc(name)
        );
    }
    s.push_str("</tr></thead><tbody>");
    for r in &h.rows {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="n" data-v="{}">{}</td>"#,
            esc(&r.value),
            r.comments,
            r.comments
        );
        for (c, (_, name)) in r.cells.iter().zip(&h.themes) {
            match c.share {
                Some(share) if c.mentions > 0 => {
                    let _ = write!(
                        s,
                        r#"<td class="h" data-v="{share}" style="{}" title="{} · {}: {} of {} comments ({}), NPS of mentioners {}">{}</td>"#,
                        heat_colour(share, max),
                        esc(&r.value),
                        esc(name),
                        c.mentions,
                        r.comments,
                        fmt_pct(Some(share), 1),
                        fmt_signed(c.nps_mentioners, 1),
                        fmt_pct(Some(share), 0)
                    );
                }
                _ => {
                    let _ = write!(s, r#"<td class="h small" data-v="0">·</td>"#);
                }
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    if h.omitted > 0 {
        let _ = write!(
            s,
            r#"<p class="small">{} further values with fewer comments are not shown.</p>"#,
            h.omitted
        );
    }
    s
}

/// Responses in the drill-down, one per row: themes and evidence merged over the themes.
struct Response<'a> {
    v: Verbatim,
    themes: Vec<&'a str>,
}

fn responses<'a>(r: &'a ReportInput) -> Vec<Response<'a>> {
    let mut by_row: BTreeMap<u64, Response> = BTreeMap::new();
    for (i, res) in r.verbatims.iter().enumerate() {
        let name = r.taxonomy.themes.get(i).map_or("?", |t| t.name.as_str());
        for v in res.all() {
            let e = by_row.entry(v.row).or_insert_with(|| Response {
                v: Verbatim {
                    spans: Vec::new(),
                    ..v.clone()
                },
                themes: Vec::new(),
            });
            e.themes.push(name);
            e.v.spans.extend(v.spans.iter().copied());
        }
    }
    by_row.into_values().collect()
}

fn responses_html(items: &[Response], columns: &[String]) -> String {
    let mut s = String::from(r#"<div class="filters" id="filters">"#);
    let mut filter_select = |key: String, label: &str, values: BTreeSet<&str>| {
        let _ = write!(
            s,
            r#"<label>{}<select data-filter="{}"><option value="">all</option>"#,
            esc(label),
            esc(&key)
        );
        for v in values {
            let _ = write!(s, r#"<option value="{}">{}</option>"#, esc(v), esc(v));
        }
        s.push_str("</select></label>");
    };
    for (i, col) in columns.iter().enumerate() {
        let values: BTreeSet<&str> = items
            .iter()
            .filter_map(|r| r.v.segments.iter().find(|(c, _)| c == col))
            .map(|(_, v)| v.as_str())
            .collect();
        filter_select(i.to_string(), col, values);
    }
    let langs: BTreeSet<&str> = items.iter().map(|r| r.v.language.as_str()).collect();
    filter_select("lang".into(), "language", langs);
    s.push_str(r#"</div><p id="status" role="status"></p><div class="scroll"><table class="sortable" id="responses"><thead><tr><th>Row</th><th>Score</th>"#);
    for col in columns {
        let _ = write!(s, "<th>{}</th>", esc(col));
    }
    s.push_str("<th>Language</th><th>Sentiment</th><th>Themes</th><th>Comment (evidence highlighted)</th></tr></thead><tbody>");
    for r in items {
        let v = &r.v;
        let _ = write!(
            s,
            r#"<tr class="filterable"{}><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td>"#,
            filter_attrs(v, columns),
            v.row,
            v.row,
            v.score,
            v.score
        );
        for col in columns {
            let val = v
                .segments
                .iter()
                .find(|(c, _)| c == col)
                .map_or("", |(_, x)| x.as_str());
            let _ = write!(s, "<td>{}</td>", esc(val));
        }
        let _ = write!(
            s,
            r#"<td>{}</td><td><span class="tag {}">{}</span></td><td>{}</td><td class="text">{}</td></tr>"#,
            esc(&v.language),
            v.sentiment.as_str(),
            v.sentiment.as_str(),
            r.themes
                .iter()
                .map(|t| esc(t))
                .collect::<Vec<_>>()
                .join(", "),
            mark_spans(v, esc, "<mark>", "</mark>")
        );
    }
    s.push_str("</tbody></table></div>");
    s
}

/// Render with the leave-one-out drivers and no extra sections.
pub fn render(r: &ReportInput) -> String {
    render_with(r, &HtmlExtras::default())
}

pub fn render_with(r: &ReportInput, x: &HtmlExtras) -> String {
    let s = r.summary;
    let st = &s.statistics;
    let c = &s.counts;
    let ranked = st.themes_by_impact();
    let columns = &s.input.segment_columns;
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{}"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><title>NPS root-cause report</title><style>{CSS}</style></head><body><main>"#,
        content_security_policy()
    );
    let _ = write!(
        o,
        r#"<h1>NPS root-cause report</h1><p class="meta">Input {} · {} rows · model {} · sha256 {}</p>"#,
        esc(&s.fingerprint.input_file),
        c.rows_in,
        esc(&s.fingerprint.model_id),
        esc(&s.fingerprint.input_sha256[..16.min(s.fingerprint.input_sha256.len())])
    );
    o.push_str(r##"<nav><a href="#drivers">Drivers</a><a href="#priority">Priority</a><a href="#themes">Themes</a><a href="#heatmap">Heatmap</a><a href="#segments">Segments</a><a href="#responses-section">Responses</a><a href="#drilldown">Drill-down</a><a href="#data-quality">Data quality</a></nav>"##);
    let _ = write!(
        o,
        r#"<section id="headline"><div class="cards"><div class="card">NPS<b>{}</b><span class="small">95% CI {} to {}</span></div>"#,
        fmt_signed(st.overall.nps, 1),
        fmt_signed(st.overall.ci95_low, 1),
        fmt_signed(st.overall.ci95_high, 1)
    );
    if let Some(p) = &x.previous {
        let _ = write!(
            o,
            r#"<div class="card" id="change">Change since previous<b>{}</b><span class="small">{}{}</span></div>"#,
            fmt_signed(p.nps_change, 1),
            esc(&p.label),
            match (p.low, p.high) {
                (Some(l), Some(h)) => format!(
                    " · 95% CI {} to {}",
                    fmt_signed(Some(l), 1),
                    fmt_signed(Some(h), 1)
                ),
                _ => String::new(),
            }
        );
    }
    if let Some(a) = &st.agent {
        let _ = write!(
            o,
            r#"<div class="card">Agent NPS<b>{}</b><span class="small">n = {}</span></div>"#,
            fmt_signed(a.nps, 1),
            a.n
        );
    }
    o.push_str(&super::kpi_report::html_cards(&st.kpi));
    let _ = write!(
        o,
        r#"<div class="card">Responses<b>{}</b><span class="small">{} promoters · {} passives · {} detractors</span></div><div class="card">Comments<b>{}</b><span class="small">{} without comment</span></div><div class="card">Rejected rows<b>{}</b><span class="small">see rejected.csv</span></div></div></section>"#,
        st.overall.n,
        st.overall.promoters,
        st.overall.passives,
        st.overall.detractors,
        c.commented,
        c.no_comment,
        c.rejected
    );

    o.push_str(&super::change_html::sections(s));
    let (bars, note) = match &x.drivers {
        Some((b, note)) => (b.clone(), note.clone()),
        None => (
            ranked
                .iter()
                .map(|t| DriverBar {
                    label: t.name.clone(),
                    value: t.impact_points.unwrap_or(0.0),
                    low: None,
                    high: None,
                })
                .collect(),
            "Leave-one-out impact: how many NPS points the score would change without the theme's mentioners. Red bars pull NPS down.".to_string(),
        ),
    };
    let _ = write!(
        o,
        r#"<section id="drivers"><h2>What drives detractors</h2><p>{}</p>{}</section>"#,
        esc(&note),
        driver_chart(&bars)
    );
    if let Some(m) = &st.drivers {
        o.push_str(&driver_model_table(m, st.agent_drivers.as_ref()));
    }
    let _ = write!(
        o,
        r#"<section id="priority"><h2>Priority: volume and detractor rate</h2><p>Themes up and to the right are frequent and mostly mentioned by detractors.</p>{}</section>"#,
        quadrant_chart(
            &ranked,
            st.overall.detractors as f64 / st.overall.n.max(1) as f64
        )
    );

    o.push_str(r#"<section id="themes"><h2>Themes</h2><div class="scroll"><table class="sortable" id="theme-table"><thead><tr><th>Theme</th><th>Group</th><th>Mentions</th><th>Share</th><th>NPS of mentioners</th><th>Detractors with</th><th>Detractors without</th><th>Lift</th><th>Impact (pts)</th><th>Negative mentions (pts)</th><th>Positive mentions (pts)</th><th>q</th></tr></thead><tbody>"#);
    for t in &ranked {
        let _ = write!(
            o,
            r#"<tr><td>{}</td><td>{}</td><td class="n" data-v="{}">{}</td>{}{}{}{}{}{}{}{}<td class="n{}" data-v="{}">{}</td></tr>"#,
            esc(&t.name),
            t.group,
            t.mentions,
            t.mentions,
            td_num(t.share_of_comments, fmt_pct(t.share_of_comments, 1)),
            td_num(t.nps_mentioners, fmt_signed(t.nps_mentioners, 1)),
            td_num(t.detractor_rate_with, fmt_pct(t.detractor_rate_with, 0)),
            td_num(
                t.detractor_rate_without,
                fmt_pct(t.detractor_rate_without, 0)
            ),
            td_num(t.lift, fmt_opt(t.lift, 2)),
            td_num(t.impact_points, fmt_signed(t.impact_points, 1)),
            td_num(
                t.impact_negative_points,
                fmt_signed(t.impact_negative_points, 1)
            ),
            td_num(
                t.impact_positive_points,
                fmt_signed(t.impact_positive_points, 1)
            ),
            if t.significant { " sig" } else { "" },
            t.q_value.unwrap_or(2.0),
            t.q_value
                .map_or("n too small".to_string(), |q| format!("{q:.3}"))
        );
    }
    o.push_str("</tbody></table></div></section>");

    o.push_str(r#"<section id="heatmap"><h2>Themes by segment</h2><p>Share of each segment value's comments that mention the theme; darker is more. Hover a cell for counts and the NPS of its mentioners.</p>"#);
    if x.heatmaps
        .iter()
        .all(|h| h.rows.is_empty() || h.themes.is_empty())
    {
        o.push_str("<p>No segment column, or no theme mentioned.</p>");
    }
    for h in &x.heatmaps {
        o.push_str(&heatmap_html(h));
    }
    o.push_str("</section>");

    o.push_str(r#"<section id="segments">"#);
    for (col, values) in &st.segments {
        let with_agent = values.iter().any(|v| v.agent_nps.is_some());
        let _ = write!(
            o,
            r#"<h2>By {}</h2><p class="small">vs rest: the segment's NPS minus every other response's (Welch); q: Benjamini-Hochberg over every segment of every column, ✔ below 0.05. Over-represented: themes its comments name significantly more often than others' (ratio of shares). Greyed rows have too few responses to read the number, only the interval.</p><div class="scroll"><table class="sortable"><thead><tr><th>{}</th><th>n</th><th>Comments</th><th>NPS</th><th>95% CI</th><th>vs rest (pts)</th><th>q</th>{}<th>Top drivers (impact pts)</th><th>Over-represented themes</th><th>Note</th></tr></thead><tbody>"#,
            esc(col),
            esc(col),
            if with_agent {
                "<th>Agent NPS</th><th>Gap (pts)</th>"
            } else {
                ""
            }
        );
        for v in values {
            let drivers: Vec<String> = v
                .top_drivers
                .iter()
                .map(|d| format!("{} ({})", esc(&d.id), fmt_signed(Some(d.impact_points), 1)))
                .collect();
            let over: Vec<String> = v
                .over_represented
                .iter()
                .map(|x| match x.ratio {
                    Some(r) => format!("{} (×{r:.1})", esc(&x.id)),
                    None => format!("{} (only here)", esc(&x.id)),
                })
                .collect();
            let agent = if with_agent {
                format!(
                    "{}{}",
                    td_num(
                        v.agent_nps.as_ref().and_then(|a| a.nps),
                        fmt_signed(v.agent_nps.as_ref().and_then(|a| a.nps), 1)
                    ),
                    td_num(v.agent_gap_points, fmt_signed(v.agent_gap_points, 1))
                )
            } else {
                String::new()
            };
            let _ = write!(
                o,
                r#"<tr{}><td>{}</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td>{}<td class="n">{} to {}</td>{}<td class="n">{}</td>{}<td>{}</td><td>{}</td><td>{}</td></tr>"#,
                if v.small_n { r#" class="small""# } else { "" },
                esc(&v.value),
                v.nps.n,
                v.nps.n,
                v.comments,
                v.comments,
                td_num(v.nps.nps, fmt_signed(v.nps.nps, 1)),
                fmt_signed(v.nps.ci95_low, 1),
                fmt_signed(v.nps.ci95_high, 1),
                td_num(
                    v.difference_to_rest_points,
                    fmt_signed(v.difference_to_rest_points, 1)
                ),
                fmt_q(v.q_value, v.significant),
                agent,
                drivers.join(", "),
                over.join(", "),
                v.caution.as_deref().map(esc).unwrap_or_default()
            );
        }
        o.push_str("</tbody></table></div>");
    }
    o.push_str("</section>");

    let pii_note = if s.pii_masked {
        "Personal data masked."
    } else {
        "Personal data NOT masked (--keep-pii)."
    };
    let resp = responses(r);
    let _ = write!(
        o,
        r#"<section id="responses-section"><h2>Responses</h2><p>The representative responses of every theme ({} responses). Filter by segment and language; click a column header to sort. <span class="small">{pii_note}</span></p>{}</section>"#,
        resp.len(),
        responses_html(&resp, columns)
    );

    let _ = write!(
        o,
        r#"<section id="drilldown"><h2>Drill-down by theme</h2><p class="small">{pii_note} The filters above apply here too.</p>"#
    );
    let mut first = true;
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
        // The most damaging theme starts open.
        let _ = write!(
            o,
            r#"<details id="theme-{}"{}><summary>{} <span class="small">{} mentions ({} negative, {} positive) · NPS of mentioners {} · impact {} pts</span></summary><ul class="verb">"#,
            esc(&t.id),
            if std::mem::take(&mut first) {
                " open"
            } else {
                ""
            },
            esc(&t.name),
            t.mentions,
            t.mentions_negative,
            t.mentions_positive,
            fmt_signed(t.nps_mentioners, 1),
            fmt_signed(t.impact_points, 1)
        );
        for v in res.all() {
            o.push_str(&verbatim_li(v, columns));
        }
        o.push_str("</ul></details>");
    }
    o.push_str("</section>");

    if !x.mismatches.is_empty() {
        let _ = write!(
            o,
            r#"<section id="mismatches"><h2>Score and comment disagree</h2><p>Responses whose score and comment point in opposite directions ({}): worth a look before acting on either.</p>{}</section>"#,
            x.mismatches.len(),
            mismatch_list(&x.mismatches, columns)
        );
    }

    if !x.discovered.is_empty() {
        o.push_str(r#"<section id="discovered"><h2>Suggested new themes</h2><p>Comments that matched no theme, grouped by meaning (complaints apart from the rest). To adopt suggestion N: <code>npsight adopt OUT_FOLDER --pick N --out my_taxonomy.toml</code>, then <code>npsight train --taxonomy my_taxonomy.toml</code> (see the README, "Theme discovery").</p><div class="scroll"><table class="sortable"><thead><tr><th>#</th><th>Suggested label</th><th>Tone</th><th>Distinctive terms</th><th>Comments</th><th>NPS</th><th>Examples</th></tr></thead><tbody>"#);
        for (k, d) in x.discovered.iter().enumerate() {
            let ex: Vec<String> = d
                .examples
                .iter()
                .map(|e| format!("<li>{}</li>", esc(e)))
                .collect();
            let _ = write!(
                o,
                r#"<tr><td class="n" data-v="{}">{}</td><td>{}</td><td>{}</td><td>{}</td><td class="n" data-v="{}">{}</td>{}<td><ul>{}</ul></td></tr>"#,
                k + 1,
                k + 1,
                esc(&d.label),
                esc(&d.tone),
                esc(&d.terms.join(", ")),
                d.size,
                d.size,
                td_num(d.nps, fmt_signed(d.nps, 1)),
                ex.join("")
            );
        }
        o.push_str("</tbody></table></div></section>");
    }

    o.push_str(
        r#"<section id="data-quality"><h2>Data quality</h2><table id="quality-table"><tbody>"#,
    );
    let _ = write!(
        o,
        r#"<tr><th>Headline NPS</th><td>{}</td></tr><tr><th>Rows read</th><td class="n">{}</td></tr><tr><th>Accepted</th><td class="n">{}</td></tr><tr><th>Rejected</th><td class="n">{}</td></tr>"#,
        esc(&nps_with_ci(&st.overall)),
        c.rows_in,
        c.tagged,
        c.rejected
    );
    for (reason, n) in &c.rejected_by_reason {
        let _ = write!(
            o,
            r#"<tr><th>Rejected: {}</th><td class="n">{n}</td></tr>"#,
            esc(reason)
        );
    }
    let _ = write!(
        o,
        r#"<tr><th>Empty comments</th><td class="n">{}</td></tr>"#,
        c.no_comment
    );
    for (field, n) in &c.unreadable_optional_fields {
        let _ = write!(
            o,
            r#"<tr><th>Unreadable {} values left empty</th><td class="n">{n}</td></tr>"#,
            esc(field)
        );
    }
    if c.windowed_texts > 0 {
        let _ = write!(
            o,
            r#"<tr><th>Long comments embedded in several windows</th><td class="n">{}</td></tr>"#,
            c.windowed_texts
        );
    }
    for (k, v) in &st.languages {
        let _ = write!(
            o,
            r#"<tr><th>Language {}</th><td class="n">{v}</td></tr>"#,
            esc(k)
        );
    }
    o.push_str("</tbody></table></section>");
    let _ = writeln!(o, "</main><script>{SCRIPT}</script></body></html>");
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

    #[test]
    fn base64_matches_known_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn mismatch_list_escapes_and_carries_filter_attributes() {
        use crate::stats::Category;
        use crate::tagger::Sentiment;
        let v = Verbatim {
            row: 7,
            id: "x".into(),
            score: 10,
            category: Category::Promoter,
            language: "en".into(),
            sentiment: Sentiment::Negative,
            polarity: Sentiment::Negative,
            text: "awful <b>service</b>".into(),
            spans: vec![(0, 5)],
            segments: vec![("team".into(), "A\"B".into())],
            rank: 0.0,
        };
        let html = mismatch_list(&[v], &["team".to_string()]);
        assert!(
            html.contains("<mark>awful</mark> &lt;b&gt;service&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.contains(r#"data-f-0="A&quot;B""#) && html.contains(r#"data-f-lang="en""#));
        assert_eq!(html.matches("<li").count(), 1);
    }

    #[test]
    fn driver_chart_draws_intervals_when_given() {
        let bars = [
            DriverBar {
                label: "Wait <time>".into(),
                value: -4.0,
                low: Some(-6.0),
                high: Some(-2.0),
            },
            DriverBar {
                label: "Staff".into(),
                value: 3.0,
                low: None,
                high: None,
            },
        ];
        let svg = driver_chart(&bars);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(svg.matches(r#"class="ci""#).count(), 1);
        assert!(svg.contains("Wait &lt;time&gt;") && !svg.contains("<time>"));
        assert!(svg.contains("95% interval -6.0 to -2.0"));
    }
}
