//! `report.html`: one self-contained page, readable on a laptop and printable, rendered from the
//! report model ([`crate::report::Report`]) by the `templates/report.html` template (askama:
//! checked at compile time, every value HTML-escaped unless marked otherwise). The stylesheet
//! and the page's one plain-JavaScript block (table sorting, filtering by segment and language,
//! opening every drill-down before printing) are the asset files `assets/report.css` and
//! `assets/report.js`, included at build time; nothing is fetched. The Content Security Policy
//! is `default-src 'none'` with the page's own script allowed by its SHA-256 hash only, so even a
//! comment that slipped past escaping could neither run a script nor make a request. The script
//! never turns data into markup: it toggles `hidden`, reorders existing rows, and writes the
//! filtered figures and the filtered chart's SVG elements through `textContent` and attributes.
//! The per-response data it filters on is a JSON block ([`data_block`]) that the browser does
//! not execute; the design and its cap are described in [`crate::report::responses`].
//!
//! This module only lays out: chart geometry (the SVG coordinates of [`driver_chart`] and the
//! priority quadrant), heat colours and the per-response merge of the drill-down's verbatims.
//! Without JavaScript the page shows everything unfiltered. Pure: model in, bytes out.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use sha2::{Digest, Sha256};

use super::kpi_drivers_report::{
    causes_sentence_plain as kpi_causes_sentence, heading as kpi_heading, repeat_contact_paragraph,
    table_intro as kpi_table_intro,
};
use super::{fmt_opt, fmt_p, fmt_pct, fmt_q, fmt_signed, mark_spans, nps_change_test, nps_with_ci};
use crate::report::kpi_drivers::any as kpi_any;
use crate::report::{DriverBar, Heatmap, Report};
use crate::stats::change::Change;
use crate::stats::{DriverModel, SegmentStat, ThemeStat, Verbatim};

/// The stylesheet, inlined into the page.
pub const CSS: &str = include_str!("../../assets/report.css");
/// The page's only script. Sorting: a click (or Enter) on a header of a `sortable` table sorts
/// by that column (numbers by `data-v`). Filtering: the selects above the responses table hide
/// every `.filterable` element (responses and drill-down verbatims) whose `data-f-*` attribute
/// differs, and, from the data block ([`data_block`]), recompute the theme table's counts and
/// draw the filtered theme chart; the search box narrows the same verbatims by their words;
/// `#filter:lang=de&0=Team%20A` in the address pre-selects filters, `#summary` opens the
/// one-page summary view.
pub const SCRIPT: &str = include_str!("../../assets/report.js");

/// The per-response data block's JSON (see [`crate::report::responses`]), for a
/// `<script type="application/json">` element: the browser does not execute it, so the content
/// policy allows it without a hash. `<`, `>`, `&` and the two JavaScript line separators are
/// written as `\u` escapes, so no value can close the element. Layout:
/// `{"v":1,"n":responses,"cap":cap,"complete":bool,"themes":[[id,name],...],
/// "cols":[[column,[values...]],...],"langs":[...],"rows":[[score,lang,sentiment,[value per
/// column],[theme*4+polarity,...]],...]}`, columns in the order of the filters' keys (`0`,
/// `1`, ...), -1 for none, sentiment 0 positive, 1 negative, 2 neutral, 3 mixed, polarity 0
/// other, 1 negative, 2 positive. Above the cap `rows` is empty and `complete` false.
/// Of a segment column's logged values (first-seen order), those the report's segment table
/// shows, in the same order, and for each logged index its new index (None: not shown).
fn shown_values(r: &Report, column: &str, logged: &[String]) -> (Vec<String>, Vec<Option<u32>>) {
    let table = r.summary.statistics.segments.get(column);
    let shown = |v: &str| {
        table.is_none_or(|t| {
            t.iter()
                .any(|s| s.value == v && !s.value.starts_with("(other"))
        })
    };
    let mut values = Vec::new();
    let remap = logged
        .iter()
        .map(|v| {
            shown(v).then(|| {
                values.push(v.clone());
                (values.len() - 1) as u32
            })
        })
        .collect();
    (values, remap)
}

pub fn data_block(r: &Report) -> String {
    use crate::tagger::Sentiment;
    use serde_json::{json, Value};
    let log = &r.responses;
    let columns = &r.summary.input.segment_columns;
    // The log's column positions in the filters' order.
    let at: Vec<Option<usize>> = columns
        .iter()
        .map(|c| log.columns.iter().position(|(x, _)| x == c))
        .collect();
    let complete = log.complete();
    // Per column: the log's value indices the report shows (its segment table's values, at most
    // `stats::MAX_SEGMENT_VALUES`), renumbered; other values read as "no value" (-1), so the
    // page lists no more values than the report does and stays small with 300,000 agents.
    let shown_maps: Vec<(Vec<String>, Vec<Option<u32>>)> = columns
        .iter()
        .zip(&at)
        .map(|(c, p)| shown_values(r, c, p.map_or(&[][..], |p| &log.columns[p].1[..])))
        .collect();
    let rows: Vec<Value> = if complete {
        log.rows
            .iter()
            .map(|x| {
                let segs: Vec<i64> = at
                    .iter()
                    .zip(&shown_maps)
                    .map(|(p, (_, remap))| {
                        p.and_then(|p| x.segments.get(p).copied().flatten())
                            .and_then(|i| remap.get(i as usize).copied().flatten())
                            .map_or(-1, i64::from)
                    })
                    .collect();
                let sent = x.sentiment.map_or(-1, |s| match s {
                    Sentiment::Positive => 0,
                    Sentiment::Negative => 1,
                    Sentiment::Neutral => 2,
                    Sentiment::Mixed => 3,
                });
                json!([
                    x.score,
                    x.language.map_or(-1, i64::from),
                    sent,
                    segs,
                    x.themes
                ])
            })
            .collect()
    } else {
        Vec::new()
    };
    let v = json!({
        "v": 1,
        "n": log.total,
        "cap": log.cap(),
        "complete": complete,
        // id, name, group and its colour (the filtered priority chart colours by group).
        "themes": r.themes.iter().map(|t| json!([t.id, t.name, t.group.to_string(), group_colour(t.group)])).collect::<Vec<_>>(),
        "cols": columns.iter().zip(&shown_maps).map(|(c, (values, _))| {
            json!([c, values])
        }).collect::<Vec<_>>(),
        "langs": if complete { log.languages.clone() } else { Vec::new() },
        "rows": rows,
    });
    json_for_script(&v.to_string())
}

/// JSON text made safe inside a `<script type="application/json">` element: `<`, `>`, `&` and
/// U+2028/U+2029 as `\u` escapes (they can only occur inside JSON strings, where the escape
/// means the same character).
fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Escape for HTML text and attribute values (the template escapes by itself; this is for the
/// few fragments laid out here, such as highlighted verbatims).
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

/// The templates' escaper (see `askama.toml`): the entities of [`esc`], so every value from
/// the data is escaped the same way, in text and in attribute values.
#[derive(Debug, Clone, Copy)]
pub struct HtmlEntities;

impl askama::filters::Escaper for HtmlEntities {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, s: &str) -> std::fmt::Result {
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let entity = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&s[last..i])?;
            dest.write_str(entity)?;
            last = i + 1;
        }
        dest.write_str(&s[last..])
    }
}

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

/// A verbatim's text with its evidence in `<mark>`, escaped: the one piece of markup built
/// outside the template (the template marks it safe).
fn marked(v: &Verbatim) -> String {
    mark_spans(&v.text, &v.spans, esc, "<mark>", "</mark>")
}

/// The colour of a driver bar not named as a cause (noise, or too few mentions).
const GREY: &str = "#aab1bd";

/// One bar of the driver chart, laid out.
struct BarView {
    label: String,
    label_x: f64,
    /// "end" (desktop: right-aligned left of the bars) or "start" (phone: above the bar).
    label_anchor: &'static str,
    label_y: f64,
    /// The baseline of the value printed beside the bar.
    text_y: f64,
    x: String,
    rect_y: String,
    len: String,
    height: f64,
    colour: &'static str,
    /// "bar", or "bar ns" for a bar not named as a cause (drawn grey).
    class: &'static str,
    /// The full theme name, for the tooltip (the label may be cut).
    name: String,
    value: String,
    interval: String,
    whisker: Option<Whisker>,
    value_x: String,
    anchor: &'static str,
}

struct Whisker {
    xl: String,
    xh: String,
    ym: String,
    y1: String,
    y2: String,
}

/// The driver chart: a horizontal bar chart of signed effects in points, with interval
/// whiskers where known.
struct DriverSvg {
    /// "driver-chart", or "driver-chart-narrow" for the phone layout (CSS shows one of them).
    id: &'static str,
    width: f64,
    height: f64,
    zero: f64,
    axis_end: f64,
    bars: Vec<BarView>,
}

/// The desktop layout: the theme names in a column left of the bars.
fn driver_svg(bars: &[DriverBar]) -> DriverSvg {
    driver_svg_in(bars, false)
}

/// The phone layout: each theme's name on its own line above its bar, in a chart 400 units
/// wide, so that a 390 px screen shows the text at about its set size (the desktop chart, 860
/// wide, would shrink it to under half).
fn driver_svg_narrow(bars: &[DriverBar]) -> DriverSvg {
    driver_svg_in(bars, true)
}

fn driver_svg_in(bars: &[DriverBar], narrow: bool) -> DriverSvg {
    let max = bars
        .iter()
        .flat_map(|b| [Some(b.value), b.low, b.high])
        .flatten()
        .map(f64::abs)
        .fold(0.5, f64::max);
    // Desktop: the label column holds a 30-letter theme name; longer ones are cut with the
    // full name in a tooltip. Phone: the label runs over the chart's width above the bar, and
    // a narrow margin each side holds the values.
    let (label_w, bar_w, row_h, right) = if narrow {
        (44.0, 312.0, 38.0, 44.0)
    } else {
        (230.0, 560.0, 24.0, 70.0)
    };
    // The bar's top and height within its row.
    let (bar_top, bar_h) = if narrow {
        (18.0, 14.0)
    } else {
        (3.0, row_h - 8.0)
    };
    let width = label_w + bar_w + right;
    let height = row_h * bars.len() as f64 + 30.0;
    let zero = label_w + bar_w / 2.0;
    let scale = (bar_w / 2.0 - if narrow { 4.0 } else { 30.0 }) / max;
    let views = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let v = b.value;
            let y = 10.0 + i as f64 * row_h;
            let len = v.abs() * scale;
            let x = if v < 0.0 { zero - len } else { zero };
            let mut value_x = if v < 0.0 { x - 4.0 } else { x + len + 4.0 };
            let whisker = match (b.low, b.high) {
                (Some(l), Some(h)) => {
                    let (xl, xh) = (zero + l * scale, zero + h * scale);
                    let ym = y + bar_top + bar_h / 2.0;
                    value_x = if v < 0.0 {
                        xl.min(x) - 4.0
                    } else {
                        xh.max(x + len) + 4.0
                    };
                    Some(Whisker {
                        xl: format!("{xl:.1}"),
                        xh: format!("{xh:.1}"),
                        ym: format!("{ym:.1}"),
                        y1: format!("{:.1}", ym - 4.0),
                        y2: format!("{:.1}", ym + 4.0),
                    })
                }
                _ => None,
            };
            BarView {
                label: super::chart::fit_label(
                    &b.label,
                    if narrow { width - 8.0 } else { label_w - 12.0 },
                ),
                name: b.label.clone(),
                class: if b.significant { "bar" } else { "bar ns" },
                label_x: if narrow { 4.0 } else { label_w - 8.0 },
                label_anchor: if narrow { "start" } else { "end" },
                label_y: y + if narrow { 12.0 } else { 15.0 },
                text_y: y + if narrow { bar_top + 12.0 } else { 15.0 },
                x: format!("{x:.1}"),
                rect_y: format!("{:.1}", y + bar_top),
                len: format!("{len:.1}"),
                height: bar_h,
                colour: if !b.significant {
                    GREY
                } else if v < 0.0 {
                    "#d64545"
                } else {
                    "#2f9e5b"
                },
                value: fmt_signed(Some(v), 1),
                interval: match (b.low, b.high) {
                    (Some(l), Some(h)) => format!(
                        " (95% interval {} to {})",
                        fmt_signed(Some(l), 1),
                        fmt_signed(Some(h), 1)
                    ),
                    _ => String::new(),
                },
                whisker,
                value_x: format!("{value_x:.1}"),
                anchor: if v < 0.0 { "end" } else { "start" },
            }
        })
        .collect();
    DriverSvg {
        id: if narrow {
            "driver-chart-narrow"
        } else {
            "driver-chart"
        },
        width,
        height,
        zero,
        axis_end: height - 16.0,
        bars: views,
    }
}

#[derive(Template)]
#[template(path = "driver_chart.html")]
struct DriverChartTemplate {
    chart: Option<DriverSvg>,
}

/// The driver chart alone (the page includes the same markup).
pub fn driver_chart(bars: &[DriverBar]) -> String {
    DriverChartTemplate {
        chart: (!bars.is_empty()).then(|| driver_svg(bars)),
    }
    .render()
    .expect("rendering to a string cannot fail")
}

/// A point of the priority quadrant, laid out.
struct Point {
    name: String,
    group: String,
    colour: &'static str,
    cx: String,
    cy: String,
    r: String,
    share: String,
    rate: String,
    /// The label (the theme's name, or its number in the key) and where it goes.
    label: String,
    label_x: String,
    label_y: String,
    /// Drawn inside the circle (a key number that found no room outside).
    centred: bool,
    leader: Option<(String, String, String, String)>,
}

struct Tick {
    x: String,
    y: String,
    text: String,
}

/// One entry of a chart legend: a colour swatch and its text, laid out.
struct LegendItem {
    x: String,
    text_x: String,
    colour: &'static str,
    text: String,
}

/// Colours of the theme groups (Okabe-Ito, readable with the common colour-vision deficiencies).
fn group_colour(g: crate::taxonomy::Group) -> &'static str {
    use crate::taxonomy::Group;
    match g {
        Group::Agent => "#0072b2",
        Group::Process => "#e69f00",
        Group::Outcome => "#009e73",
        Group::Channel => "#cc79a7",
        Group::Product => "#d55e00",
    }
}

/// Lay out a legend in one row from `x0`, each swatch 10 px with its text after it.
fn legend(items: &[(&'static str, String)], x0: f64) -> Vec<LegendItem> {
    let mut x = x0;
    items
        .iter()
        .map(|(colour, text)| {
            let item = LegendItem {
                x: format!("{x:.1}"),
                text_x: format!("{:.1}", x + 14.0),
                colour,
                text: text.clone(),
            };
            x += 14.0 + super::chart::text_width(text) + 14.0;
            item
        })
        .collect()
}

/// The priority quadrant: volume (share of comments) against the detractor rate of mentioners,
/// coloured by theme group. Axis ticks are round ([`super::chart::nice_ticks`]); labels are
/// placed by [`super::chart::place_labels_around`], never overlapping or leaving the plot,
/// and a theme whose name finds no room is numbered and named in `key`.
struct QuadrantSvg {
    w: f64,
    h: f64,
    left: f64,
    top: f64,
    inner_w: f64,
    inner_h: f64,
    right: f64,
    overall_y: String,
    overall_label_x: String,
    overall_label_y: String,
    x_title_x: f64,
    x_title_y: f64,
    y_title_y: f64,
    y_ticks: Vec<Tick>,
    x_ticks: Vec<Tick>,
    /// Grid lines: (x1, y1, x2, y2).
    grid: Vec<(String, String, String, String)>,
    points: Vec<Point>,
    legend: Vec<LegendItem>,
    legend_y: f64,
    /// (number, theme name) of the themes labelled by number.
    key: Vec<(usize, String)>,
}

fn quadrant_svg(themes: &[&ThemeStat], overall_detractor_rate: f64) -> Option<QuadrantSvg> {
    use super::chart::{decimals_of, nice_ticks, place_labels_around, text_width, Dot, Rect};
    let mut pts: Vec<(&ThemeStat, f64, f64)> = themes
        .iter()
        .filter_map(|t| Some((*t, t.share_of_comments?, t.detractor_rate_with?)))
        .collect();
    if pts.is_empty() {
        return None;
    }
    // Labels are placed most-mentioned first (ties by id), so the big themes keep their names.
    pts.sort_by(|a, b| b.0.mentions.cmp(&a.0.mentions).then(a.0.id.cmp(&b.0.id)));
    let (w, h, left, top, right_pad, bottom_pad) = (760.0, 460.0, 64.0, 40.0, 16.0, 52.0);
    let (inner_w, inner_h) = (w - left - right_pad, h - top - bottom_pad);
    let bottom = top + inner_h;
    let max_share = pts.iter().map(|p| p.1).fold(0.01, f64::max);
    let xt = nice_ticks(0.0, max_share, 6);
    let yt = nice_ticks(0.0, 1.0, 5);
    let x_max = *xt.last().unwrap_or(&1.0);
    let px = |x: f64| left + x / x_max * inner_w;
    let py = |y: f64| bottom - y * inner_h;
    let pct_decimals = |t: &[f64]| match t {
        [a, b, ..] => decimals_of((b - a) * 100.0),
        _ => 0,
    };
    let (xd, yd) = (pct_decimals(&xt[..]), pct_decimals(&yt[..]));
    let area = Rect {
        x: left + 2.0,
        y: top + 2.0,
        w: inner_w - 4.0,
        h: inner_h - 4.0,
    };
    let dots: Vec<Dot> = pts
        .iter()
        .map(|(t, x, y)| Dot {
            cx: px(*x),
            cy: py(*y),
            r: 4.0 + (t.mentions as f64).sqrt().min(14.0),
        })
        .collect();
    let overall_text = "overall detractor rate";
    let ow = text_width(overall_text);
    let overall_box = Rect {
        x: left + inner_w - 4.0 - ow,
        y: py(overall_detractor_rate) - 4.0 - super::chart::LABEL_H + 3.5,
        w: ow,
        h: super::chart::LABEL_H,
    };
    let names: Vec<Option<f64>> = pts.iter().map(|p| Some(text_width(&p.0.name))).collect();
    let first = place_labels_around(&dots, &names, area, &[overall_box]);
    // Themes whose name found no room: numbered, the number placed like a label where it fits.
    let mut key = Vec::new();
    let mut numbers: Vec<Option<f64>> = vec![None; pts.len()];
    for (i, p) in first.iter().enumerate() {
        if p.is_none() {
            key.push((key.len() + 1, pts[i].0.name.clone()));
            numbers[i] = Some(text_width(&key.len().to_string()));
        }
    }
    let mut taken: Vec<Rect> = first.iter().flatten().map(|p| p.rect).collect();
    taken.push(overall_box);
    let second = place_labels_around(&dots, &numbers, area, &taken);
    let mut number = 0;
    let points = pts
        .iter()
        .zip(&dots)
        .zip(first.iter().zip(&second))
        .map(|(((t, x, y), d), (a, b))| {
            let (label, placed) = match a {
                Some(p) => (t.name.clone(), Some(p)),
                None => {
                    number += 1;
                    (number.to_string(), b.as_ref())
                }
            };
            let (label_x, label_y, centred, leader) = match placed {
                Some(p) => (
                    p.rect.x,
                    p.rect.y + super::chart::LABEL_H - 3.5,
                    false,
                    p.leader.map(|(a, b, c, d)| {
                        (
                            format!("{a:.1}"),
                            format!("{b:.1}"),
                            format!("{c:.1}"),
                            format!("{d:.1}"),
                        )
                    }),
                ),
                None => (d.cx, d.cy + 4.0, true, None),
            };
            Point {
                name: t.name.clone(),
                group: t.group.to_string(),
                colour: group_colour(t.group),
                cx: format!("{:.1}", d.cx),
                cy: format!("{:.1}", d.cy),
                r: format!("{:.1}", d.r),
                share: fmt_pct(Some(*x), 1),
                rate: fmt_pct(Some(*y), 0),
                label,
                label_x: format!("{label_x:.1}"),
                label_y: format!("{label_y:.1}"),
                centred,
                leader,
            }
        })
        .collect();
    let mut groups: Vec<crate::taxonomy::Group> = pts.iter().map(|p| p.0.group).collect();
    groups.sort_by_key(|g| g.to_string());
    groups.dedup();
    let legend_items: Vec<(&'static str, String)> = groups
        .iter()
        .map(|g| (group_colour(*g), g.to_string()))
        .collect();
    let mut grid = Vec::new();
    for x in &xt {
        grid.push((
            format!("{:.1}", px(*x)),
            format!("{top:.1}"),
            format!("{:.1}", px(*x)),
            format!("{bottom:.1}"),
        ));
    }
    for y in &yt {
        grid.push((
            format!("{left:.1}"),
            format!("{:.1}", py(*y)),
            format!("{:.1}", left + inner_w),
            format!("{:.1}", py(*y)),
        ));
    }
    Some(QuadrantSvg {
        w,
        h,
        left,
        top,
        inner_w,
        inner_h,
        right: left + inner_w,
        overall_y: format!("{:.1}", py(overall_detractor_rate)),
        overall_label_x: format!("{:.1}", overall_box.x),
        overall_label_y: format!("{:.1}", overall_box.y + super::chart::LABEL_H - 3.5),
        x_title_x: left + inner_w / 2.0,
        x_title_y: h - 10.0,
        y_title_y: top + inner_h / 2.0,
        y_ticks: yt
            .iter()
            .map(|tick| Tick {
                x: format!("{}", left - 6.0),
                y: format!("{:.1}", py(*tick) + 4.0),
                text: fmt_pct(Some(*tick), yd),
            })
            .collect(),
        x_ticks: xt
            .iter()
            .map(|tick| Tick {
                x: format!("{:.1}", px(*tick)),
                y: format!("{}", bottom + 16.0),
                text: fmt_pct(Some(*tick), xd),
            })
            .collect(),
        grid,
        points,
        legend: legend(&legend_items, left),
        legend_y: 20.0,
        key,
    })
}

/// One segment of a topic-by-sentiment bar, laid out.
struct StackSeg {
    x: String,
    len: String,
    colour: &'static str,
    /// The count, when the segment is wide enough to hold it.
    text: Option<String>,
    text_x: String,
    title: String,
}

struct StackRow {
    label: String,
    name: String,
    y: String,
    text_y: String,
    segs: Vec<StackSeg>,
    total: String,
}

/// The topic-by-sentiment chart: per theme a 100 % stacked bar of its mentions by polarity.
struct StackSvg {
    w: f64,
    h: f64,
    bar_h: f64,
    label_x: f64,
    total_x: f64,
    legend: Vec<LegendItem>,
    legend_y: f64,
    rows: Vec<StackRow>,
}

/// Colours of the polarities in the topic-by-sentiment chart.
fn sentiment_colour(s: crate::tagger::Sentiment) -> &'static str {
    use crate::tagger::Sentiment;
    match s {
        Sentiment::Negative => "#d64545",
        Sentiment::Neutral => "#aab1bd",
        Sentiment::Mixed => "#e0a526",
        Sentiment::Positive => "#2f9e5b",
    }
}

fn stack_svg(rows: &[crate::report::TopicSentiment]) -> Option<StackSvg> {
    use crate::report::TOPIC_SENTIMENTS;
    if rows.is_empty() {
        return None;
    }
    let (label_w, bar_w, row_h, top) = (230.0, 480.0, 22.0, 34.0);
    let w = label_w + bar_w + 90.0;
    let h = top + row_h * rows.len() as f64 + 6.0;
    let legend_items: Vec<(&'static str, String)> = TOPIC_SENTIMENTS
        .iter()
        .map(|s| (sentiment_colour(*s), s.as_str().to_string()))
        .collect();
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let y = top + i as f64 * row_h;
            let mut x = label_w;
            let segs = TOPIC_SENTIMENTS
                .iter()
                .enumerate()
                .filter(|(k, _)| t.counts[*k] > 0)
                .map(|(k, s)| {
                    let share = t.share(k).unwrap_or(0.0);
                    let len = share * bar_w;
                    let count = t.counts[k].to_string();
                    let seg = StackSeg {
                        x: format!("{x:.1}"),
                        len: format!("{len:.1}"),
                        colour: sentiment_colour(*s),
                        text: (len >= super::chart::text_width(&count) + 6.0).then_some(count),
                        text_x: format!("{:.1}", x + len / 2.0),
                        title: format!(
                            "{}: {} of {} mentions {} ({})",
                            t.name,
                            t.counts[k],
                            t.mentions,
                            s.as_str(),
                            fmt_pct(Some(share), 0)
                        ),
                    };
                    x += len;
                    seg
                })
                .collect();
            StackRow {
                label: super::chart::fit_label(&t.name, label_w - 12.0),
                name: t.name.clone(),
                y: format!("{:.1}", y + 3.0),
                text_y: format!("{:.1}", y + 15.0),
                segs,
                total: format!("n = {}", t.mentions),
            }
        })
        .collect();
    Some(StackSvg {
        w,
        h,
        bar_h: row_h - 6.0,
        label_x: label_w - 8.0,
        total_x: label_w + bar_w + 8.0,
        legend: legend(&legend_items, label_w),
        legend_y: 14.0,
        rows,
    })
}

/// A verbatim as the page lists it: its filter attributes and its text with the evidence
/// marked.
struct VerbatimView<'a> {
    v: &'a Verbatim,
    /// (key, value) of the `data-f-*` attributes: `lang`, then segment columns by index.
    filters: Vec<(String, &'a str)>,
    /// "column: value" of every segment.
    segments: String,
    marked: String,
}

fn verbatim_view<'a>(v: &'a Verbatim, columns: &[String]) -> VerbatimView<'a> {
    let mut filters = vec![("lang".to_string(), v.language.as_str())];
    for (i, col) in columns.iter().enumerate() {
        if let Some((_, val)) = v.segments.iter().find(|(c, _)| c == col) {
            filters.push((i.to_string(), val.as_str()));
        }
    }
    VerbatimView {
        v,
        filters,
        segments: v
            .segments
            .iter()
            .map(|(k, val)| format!("{k}: {val}"))
            .collect::<Vec<_>>()
            .join(" · "),
        marked: marked(v),
    }
}

/// A response of the responses table: one row per response, its themes and evidence merged
/// over the themes whose representative verbatims hold it.
struct ResponseView<'a> {
    view: VerbatimView<'a>,
    /// Segment values in column order ("" when the response has none).
    values: Vec<&'a str>,
    themes: String,
}

struct Merged<'a> {
    v: Verbatim,
    themes: Vec<&'a str>,
}

fn merged(r: &Report) -> Vec<Merged<'_>> {
    let mut by_row: BTreeMap<u64, Merged> = BTreeMap::new();
    for (i, res) in r.verbatims.iter().enumerate() {
        let name = r.themes.get(i).map_or("?", |t| t.name.as_str());
        for v in res.all() {
            let e = by_row.entry(v.row).or_insert_with(|| Merged {
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

/// A filter select: its key (`lang` or a column index), label and values.
struct Filter<'a> {
    key: String,
    label: &'a str,
    values: BTreeSet<&'a str>,
}

/// A theme of the drill-down with its verbatims.
struct Drill<'a> {
    t: &'a ThemeStat,
    open: bool,
    verbatims: Vec<VerbatimView<'a>>,
}

/// A heatmap cell, laid out.
struct HeatCellView {
    share: Option<f64>,
    style: String,
    title: String,
    text: String,
}

struct HeatRowView<'a> {
    value: &'a str,
    /// The value cut to fit its column (the full value in the cell's title).
    short: String,
    comments: u64,
    cells: Vec<HeatCellView>,
}

struct HeatmapView<'a> {
    h: &'a Heatmap,
    rows: Vec<HeatRowView<'a>>,
}

fn heat_colour(share: f64, max: f64) -> String {
    let a = if max > 0.0 { share / max } else { 0.0 };
    format!("background:rgba(214,69,69,{:.2})", 0.08 + 0.72 * a)
}

fn heatmap_view(h: &Heatmap) -> HeatmapView<'_> {
    let max = h
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().filter_map(|c| c.share))
        .fold(0.0, f64::max);
    HeatmapView {
        h,
        rows: h
            .rows
            .iter()
            .map(|r| HeatRowView {
                value: &r.value,
                short: super::chart::fit_label(&r.value, 150.0),
                comments: r.comments,
                cells: r
                    .cells
                    .iter()
                    .zip(&h.themes)
                    .map(|(c, (_, name))| match c.share {
                        Some(share) if c.mentions > 0 => HeatCellView {
                            share: Some(share),
                            style: heat_colour(share, max),
                            title: format!(
                                "{} · {name}: {} of {} comments ({}), NPS of mentioners {}",
                                r.value,
                                c.mentions,
                                r.comments,
                                fmt_pct(Some(share), 1),
                                fmt_signed(c.nps_mentioners, 1)
                            ),
                            text: fmt_pct(Some(share), 0),
                        },
                        _ => HeatCellView {
                            share: None,
                            style: String::new(),
                            title: String::new(),
                            text: String::new(),
                        },
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// A segment table row: the segment statistics and its formatted lists.
struct SegmentRow<'a> {
    v: &'a SegmentStat,
    agent_nps: Option<f64>,
    drivers: String,
    over: String,
}

struct SegmentTable<'a> {
    column: &'a str,
    with_agent: bool,
    rows: Vec<SegmentRow<'a>>,
}

/// The theme table's driver-model column: the model's impact of the theme, when there is a model.
fn model_impact(model: Option<&DriverModel>, id: &str) -> Option<f64> {
    model?
        .themes
        .iter()
        .find(|x| x.id == id && x.mentions > 0)
        .map(|x| x.impact_points)
}

/// The driver-model table's agent column, when there is an agent-score model.
fn agent_impact(agent: Option<&DriverModel>, id: &str) -> Option<f64> {
    agent?
        .themes
        .iter()
        .find(|x| x.id == id && x.mentions > 0)
        .map(|x| x.impact_points)
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    r: &'a Report,
    s: &'a crate::output::summary::Summary,
    st: &'a crate::stats::Statistics,
    c: &'a crate::output::summary::Counts,
    /// " · 95% CI -1.0 to +4.0" after the change since the previous run, when known.
    previous_ci: String,
    /// CSAT, CES and FCR headline cards, after the NPS ones.
    kpi_cards: Vec<super::kpi_report::KpiCard>,
    /// No heatmap has a row and a theme.
    no_heatmap: bool,
    csp: String,
    css: &'static str,
    script: &'static str,
    /// The per-response data block's JSON ([`data_block`]), escaped for a script element.
    data: String,
    sha: &'a str,
    /// The report's one ranking (leave-one-out impact).
    ranked: Vec<&'a ThemeStat>,
    /// The driver model's themes in the same order.
    model_order: Vec<&'a crate::stats::ThemeDriver>,
    driver: Option<DriverSvg>,
    /// The same chart laid out for a phone.
    driver_narrow: Option<DriverSvg>,
    quadrant: Option<QuadrantSvg>,
    /// The topic-by-sentiment chart.
    topic: Option<StackSvg>,
    heatmaps: Vec<HeatmapView<'a>>,
    segments: Vec<SegmentTable<'a>>,
    filters: Vec<Filter<'a>>,
    columns: &'a [String],
    responses: Vec<ResponseView<'a>>,
    drill: Vec<Drill<'a>>,
    mismatches: Vec<VerbatimView<'a>>,
    pii_note: &'static str,
    /// With --history: the headline's "This week" line and the Trend section.
    trend_headline: Option<String>,
    trend: Option<super::trend_report::TrendView<'a>>,
}

/// report.html of a run.
pub fn render(r: &Report) -> String {
    let s = &r.summary;
    let st = &s.statistics;
    let columns = &s.input.segment_columns;
    let ranked = crate::report::ranking(st);
    let model_order = st
        .drivers
        .as_ref()
        .map(|m| crate::report::model_in_ranking_order(st, m))
        .unwrap_or_default();
    let merged = merged(r);
    let mut filters: Vec<Filter> = columns
        .iter()
        .enumerate()
        .map(|(i, col)| Filter {
            key: i.to_string(),
            label: col,
            values: merged
                .iter()
                .filter_map(|m| m.v.segments.iter().find(|(c, _)| c == col))
                .map(|(_, v)| v.as_str())
                .collect(),
        })
        .collect();
    filters.push(Filter {
        key: "lang".into(),
        label: "language",
        values: merged.iter().map(|m| m.v.language.as_str()).collect(),
    });
    // Every value of the data block can be chosen, also those without a representative verbatim
    // (their choice still recomputes the theme table and chart).
    for f in &mut filters {
        if f.key == "lang" {
            f.values
                .extend(r.responses.languages.iter().map(String::as_str));
        } else if let Some((_, vals)) = r
            .responses
            .columns
            .iter()
            .find(|(c, _)| Some(c) == f.key.parse::<usize>().ok().and_then(|i| columns.get(i)))
        {
            let col = &columns[f.key.parse::<usize>().unwrap_or(0)];
            let table = r.summary.statistics.segments.get(col);
            f.values.extend(vals.iter().map(String::as_str).filter(|v| {
                table.is_none_or(|t| {
                    t.iter()
                        .any(|s| s.value == *v && !s.value.starts_with("(other"))
                })
            }));
        }
    }
    let responses = merged
        .iter()
        .map(|m| ResponseView {
            view: verbatim_view(&m.v, columns),
            values: columns
                .iter()
                .map(|col| {
                    m.v.segments
                        .iter()
                        .find(|(c, _)| c == col)
                        .map_or("", |(_, x)| x.as_str())
                })
                .collect(),
            themes: m.themes.join(", "),
        })
        .collect();
    let mut first = true;
    let drill = ranked
        .iter()
        .filter_map(|t| {
            let res = r.verbatims_of(&t.id)?;
            res.all().next()?;
            Some(Drill {
                t,
                // The most damaging theme starts open.
                open: std::mem::take(&mut first),
                verbatims: res.all().map(|v| verbatim_view(v, columns)).collect(),
            })
        })
        .collect();
    let page = Page {
        s,
        st,
        c: &s.counts,
        previous_ci: match r.previous.as_ref().map(|p| (p.low, p.high)) {
            Some((Some(l), Some(h))) => format!(
                " · 95% CI {} to {}",
                fmt_signed(Some(l), 1),
                fmt_signed(Some(h), 1)
            ),
            _ => String::new(),
        },
        kpi_cards: super::kpi_report::cards(&r.kpi),
        no_heatmap: r
            .heatmaps
            .iter()
            .all(|h| h.rows.is_empty() || h.themes.is_empty()),
        csp: content_security_policy(),
        css: CSS,
        script: SCRIPT,
        data: data_block(r),
        sha: &s.fingerprint.input_sha256[..16.min(s.fingerprint.input_sha256.len())],
        driver: (!r.driver_chart.bars.is_empty()).then(|| driver_svg(&r.driver_chart.bars)),
        driver_narrow: (!r.driver_chart.bars.is_empty())
            .then(|| driver_svg_narrow(&r.driver_chart.bars)),
        quadrant: quadrant_svg(
            &ranked,
            st.overall.detractors as f64 / st.overall.n.max(1) as f64,
        ),
        topic: stack_svg(&r.topic_sentiment),
        heatmaps: r.heatmaps.iter().map(heatmap_view).collect(),
        segments: st
            .segments
            .iter()
            .map(|(col, values)| SegmentTable {
                column: col,
                with_agent: values.iter().any(|v| v.agent_nps.is_some()),
                rows: values
                    .iter()
                    .map(|v| SegmentRow {
                        v,
                        agent_nps: v.agent_nps.as_ref().and_then(|a| a.nps),
                        drivers: v
                            .top_drivers
                            .iter()
                            .map(|d| {
                                format!(
                                    "{} ({})",
                                    r.theme_name(&d.id),
                                    fmt_signed(Some(d.impact_points), 1)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        over: v
                            .over_represented
                            .iter()
                            .map(|x| match x.ratio {
                                Some(q) => format!("{} (×{q:.1})", r.theme_name(&x.id)),
                                None => format!("{} (only here)", r.theme_name(&x.id)),
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                    .collect(),
            })
            .collect(),
        filters,
        columns,
        responses,
        drill,
        mismatches: r
            .mismatches
            .iter()
            .map(|v| verbatim_view(v, columns))
            .collect(),
        pii_note: if s.pii_masked {
            "Personal data masked."
        } else {
            "Personal data NOT masked (--keep-pii)."
        },
        trend_headline: s.trend.as_ref().map(super::trend_report::headline),
        trend: s.trend.as_ref().map(super::trend_report::view),
        ranked,
        model_order,
        r,
    };
    let mut html = page.render().expect("rendering to a string cannot fail");
    html.push('\n');
    html
}

/// The change sections' theme rows: themes mentioned on either side or missing from the
/// taxonomy.
fn shown_themes(ch: &Change) -> Vec<&crate::stats::change::ThemeShift> {
    ch.themes
        .iter()
        .filter(|t| t.mentions_history + t.mentions_now > 0 || t.status == "not_in_taxonomy")
        .collect()
}

/// The attribution rows, largest total first.
fn attribution_rows(ch: &Change) -> Vec<&crate::stats::change::Contribution> {
    let mut rows: Vec<_> = ch.attribution.iter().collect();
    rows.sort_by(|a, b| {
        b.total
            .abs()
            .total_cmp(&a.total.abs())
            .then(a.group.cmp(&b.group))
    });
    rows
}

/// The KPI lines of a comparison section (see [`super::kpi_change_report`]).
fn kpi_change_lines(ch: &Change) -> Vec<String> {
    super::kpi_change_report::lines(ch, false)
}

/// The KPI drivers section's explanation (see [`super::kpi_drivers_report::EXPLANATION`]).
fn kpi_explanation() -> &'static str {
    super::kpi_drivers_report::EXPLANATION
}

/// "none" or the themes' names joined (the ids are the change's keys; people read names).
fn id_list(ch: &Change, ids: &[String]) -> String {
    if ids.is_empty() {
        "none".to_string()
    } else {
        ids.iter()
            .map(|id| {
                ch.themes
                    .iter()
                    .find(|t| &t.id == id)
                    .map_or(id.as_str(), |t| t.name.as_str())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
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
    fn template_escaper_writes_the_same_entities_as_esc() {
        use askama::filters::Escaper;
        let s = r#"<img src=x onerror="alert(1)">&'é ok"#;
        let mut out = String::new();
        HtmlEntities.write_escaped_str(&mut out, s).unwrap();
        assert_eq!(out, esc(s));
    }

    #[test]
    fn data_block_json_cannot_close_its_script_element() {
        let v = serde_json::json!({"cols": [["team", ["</script><script>alert(1)</script>", "a&b", "x\u{2028}y"]]]});
        let out = json_for_script(&v.to_string());
        assert!(
            !out.contains('<') && !out.contains('>') && !out.contains('&'),
            "{out}"
        );
        assert!(!out.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
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
    fn driver_chart_draws_intervals_when_given() {
        let bars = [
            DriverBar {
                label: "Wait <time>".into(),
                value: -4.0,
                low: Some(-6.0),
                high: Some(-2.0),
                significant: true,
            },
            DriverBar {
                label: "Staff".into(),
                value: 3.0,
                low: None,
                high: None,
                significant: true,
            },
        ];
        let svg = driver_chart(&bars);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(svg.matches(r#"class="ci""#).count(), 1);
        assert!(svg.contains("Wait &lt;time&gt;") && !svg.contains("<time>"));
        assert!(svg.contains("95% interval -6.0 to -2.0"));
    }

    /// A bar built from a driver-model theme, through the report model's own rule.
    fn model_bar(name: &str, value: f64, low: f64, high: f64) -> DriverBar {
        let stats = crate::stats::ThemeDriver {
            id: name.to_lowercase(),
            name: name.into(),
            group: crate::taxonomy::Group::Process,
            mentions: 40,
            mentions_negative: 40,
            mentions_positive: 0,
            mentions_other: 0,
            effect_negative_points: Some(value),
            effect_positive_points: None,
            effect_other_points: None,
            detractor_effect_negative_points: None,
            impact_points: value,
            ci95_low: low,
            ci95_high: high,
            // As stats::drivers decides it.
            distinguishable: low > 0.0 || high < 0.0,
            importance_share: 0.0,
            r2_contribution: 0.0,
            caution: None,
        };
        DriverBar {
            label: name.into(),
            value,
            low: Some(low),
            high: Some(high),
            significant: crate::report::bar_is_significant(crate::report::BarSource::Model(&stats)),
        }
    }

    #[test]
    fn bars_whose_interval_crosses_zero_are_grey_and_the_others_are_not() {
        let svg = driver_chart(&[
            model_bar("Billing", -3.6, -7.3, -0.8),
            model_bar("Transfers", -0.3, -0.9, 0.1),
            model_bar("Resolution", 2.9, 0.7, 4.6),
        ]);
        let rect_of = |name: &str| {
            let i = svg.find(&format!("<title>{name}: ")).unwrap();
            let start = svg[..i].rfind("<rect").unwrap();
            svg[start..i].to_string()
        };
        assert!(rect_of("Transfers").contains(r#"class="bar ns""#));
        assert!(rect_of("Transfers").contains(GREY));
        for name in ["Billing", "Resolution"] {
            let r = rect_of(name);
            assert!(r.contains(r#"class="bar""#) && !r.contains(GREY), "{r}");
        }
        assert_eq!(svg.matches(r#"class="bar ns""#).count(), 1);
    }

    #[test]
    fn long_driver_labels_are_cut_with_the_full_name_in_the_title() {
        let long = "Personalisation and context of every single call we made";
        let svg = driver_chart(&[model_bar(long, -1.0, -2.0, -0.5)]);
        assert!(svg.contains(&format!("<title>{long}</title>")));
        assert!(svg.contains('…'));
    }
}
