//! Layout helpers shared by report.html's SVG charts: round axis ticks ([`nice_ticks`]), a
//! text-width estimate ([`text_width`]), label truncation ([`fit_label`]) and the deterministic
//! label placement of scatter charts ([`place_labels`]). Pure geometry, no markup.
//!
//! **Ticks** are "nice numbers": a step of 1, 2 or 5 x 10^k, the axis widened to whole steps,
//! so a reader sees 0 %, 5 %, 10 %, ... and not 0 %, 6 %, 11 %.
//!
//! **Labels** of a scatter are placed greedily, most important point first (the caller's order,
//! the priority chart gives it by mentions), at the first of a fixed list of candidate positions
//! (right of the point, left, above, below, then the same sides nudged up and down by whole
//! label heights, with a leader line back to the point) where the label box lies wholly inside
//! the plot area and overlaps neither a label already placed nor any point's circle. A point
//! whose label fits nowhere gets a number instead (drawn inside its circle) and its name in a
//! numbered key under the chart. The result depends only on the input, so the same run gives
//! the same page. The width of a label is estimated from its characters (SVG text cannot be
//! measured without a browser); the estimate errs wide, so a box is at least as wide as the
//! rendered text at the 12 px font of `assets/report.css`.

/// The stylesheet's SVG font size, in px.
pub const FONT_PX: f64 = 12.0;
/// Height of a one-line label box, in px.
pub const LABEL_H: f64 = 15.0;

/// Round ticks covering `[lo, hi]`: about `target` of them (at least 2), at multiples of a
/// step of 1, 2 or 5 x 10^k; the first tick is at or below `lo`, the last at or above `hi`.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let pad = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        (lo, hi) = (lo - pad, hi + pad);
    }
    let intervals = target.max(2) - 1;
    let step = nice_step((hi - lo) / intervals as f64);
    // The tolerance keeps a bound that is a whole step (0.6 / 0.2 = 2.9999999999999996) a tick.
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    (first..=last)
        .map(|k| round_to_step(k as f64 * step, step))
        .collect()
}

/// The step of 1, 2, 5 or 10 x 10^k nearest to `raw` (geometric thresholds, as d3's ticks:
/// sqrt(2), sqrt(10), sqrt(50)), so the tick count stays near the target.
fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm >= 50f64.sqrt() {
        10.0
    } else if norm >= 10f64.sqrt() {
        5.0
    } else if norm >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    m * mag
}

/// `x` without the float noise of `k * step` (0.30000000000000004 -> 0.3).
fn round_to_step(x: f64, step: f64) -> f64 {
    let f = 10f64.powi(decimals_of(step) as i32 + 1);
    let r = (x * f).round() / f;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Decimals needed to print multiples of `step` exactly (0.05 -> 2, 20 -> 0).
pub fn decimals_of(step: f64) -> usize {
    let step = step.abs();
    (0..10)
        .find(|d| {
            let x = step * 10f64.powi(*d as i32);
            (x - x.round()).abs() < 1e-6 * x.max(1.0)
        })
        .unwrap_or(10)
}

/// Estimated rendered width of `text` at [`FONT_PX`], in px: wide characters (CJK, Hangul,
/// fullwidth forms) count as one em, the others as 0.62 em (wider than the average Latin
/// letter of a sans-serif font, so the estimate errs wide).
pub fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide {
                FONT_PX
            } else {
                FONT_PX * 0.62
            }
        })
        .sum()
}

/// `text` cut (with "…") so that its estimated width is at most `max_px`; unchanged when it fits.
pub fn fit_label(text: &str, max_px: f64) -> String {
    if text_width(text) <= max_px {
        return text.to_string();
    }
    let budget = max_px - text_width("…");
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let cw = text_width(c.encode_utf8(&mut [0; 4]));
        if w + cw > budget {
            break;
        }
        w += cw;
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// An axis-aligned box: top-left corner, width and height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }

    pub fn inside(&self, area: &Rect) -> bool {
        self.x >= area.x
            && self.y >= area.y
            && self.x + self.w <= area.x + area.w
            && self.y + self.h <= area.y + area.h
    }
}

/// A point of a scatter: centre and radius, in px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dot {
    pub cx: f64,
    pub cy: f64,
    pub r: f64,
}

impl Dot {
    fn bounds(&self) -> Rect {
        Rect {
            x: self.cx - self.r,
            y: self.cy - self.r,
            w: 2.0 * self.r,
            h: 2.0 * self.r,
        }
    }
}

/// Where a label went.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The label's box (text baseline at `y + h - 3.5`, start at `x`).
    pub rect: Rect,
    /// A leader line from the point's edge to the box, when the box is not next to the point.
    pub leader: Option<(f64, f64, f64, f64)>,
}

/// Place one label of width `widths[i]` per dot, in the order given (most important first);
/// `None` where no candidate position fits (the caller shows a numbered key). Every placed box
/// lies inside `area` and overlaps no other placed box and no dot.
pub fn place_labels(dots: &[Dot], widths: &[f64], area: Rect) -> Vec<Option<Placed>> {
    let widths: Vec<Option<f64>> = widths.iter().copied().map(Some).collect();
    place_labels_around(dots, &widths, area, &[])
}

/// [`place_labels`] for the dots with a width (the others get `None`), also keeping clear of
/// the boxes `taken` (other text of the chart, labels placed before).
pub fn place_labels_around(
    dots: &[Dot],
    widths: &[Option<f64>],
    area: Rect,
    taken: &[Rect],
) -> Vec<Option<Placed>> {
    let obstacles: Vec<Rect> = dots.iter().map(Dot::bounds).collect();
    let mut placed: Vec<Rect> = taken.to_vec();
    dots.iter()
        .zip(widths)
        .map(|(d, w)| {
            let w = (*w)?;
            let found = candidates(d, w).into_iter().find(|(r, _)| {
                r.inside(&area)
                    && !placed.iter().any(|p| p.overlaps(r))
                    && !obstacles.iter().any(|o| o.overlaps(r))
            });
            found.map(|(rect, nudged)| {
                placed.push(rect);
                Placed {
                    rect,
                    leader: nudged.then(|| leader(d, &rect)),
                }
            })
        })
        .collect()
}

/// Candidate boxes for a label of width `w` at dot `d`, in order of preference; `true` when
/// the box is nudged away from the point (drawn with a leader line).
fn candidates(d: &Dot, w: f64) -> Vec<(Rect, bool)> {
    let h = LABEL_H;
    let gap = 3.0;
    let right = d.cx + d.r + gap;
    let left = d.cx - d.r - gap - w;
    let mid = d.cy - h / 2.0;
    let mut v = vec![
        (
            Rect {
                x: right,
                y: mid,
                w,
                h,
            },
            false,
        ),
        (
            Rect {
                x: left,
                y: mid,
                w,
                h,
            },
            false,
        ),
        (
            Rect {
                x: d.cx - w / 2.0,
                y: d.cy - d.r - gap - h,
                w,
                h,
            },
            false,
        ),
        (
            Rect {
                x: d.cx - w / 2.0,
                y: d.cy + d.r + gap,
                w,
                h,
            },
            false,
        ),
    ];
    for step in 1..=8 {
        let dy = step as f64 * h;
        for y in [mid - dy, mid + dy] {
            v.push((
                Rect {
                    x: right + 6.0,
                    y,
                    w,
                    h,
                },
                true,
            ));
            v.push((
                Rect {
                    x: left - 6.0,
                    y,
                    w,
                    h,
                },
                true,
            ));
        }
    }
    v
}

/// A line from the dot's edge towards the nearest point of the box.
fn leader(d: &Dot, r: &Rect) -> (f64, f64, f64, f64) {
    let tx = d.cx.clamp(r.x, r.x + r.w);
    let ty = d.cy.clamp(r.y, r.y + r.h);
    let (dx, dy) = (tx - d.cx, ty - d.cy);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    (d.cx + dx / len * d.r, d.cy + dy / len * d.r, tx, ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_covering_the_range() {
        assert_eq!(
            nice_ticks(0.0, 0.23, 5),
            vec![0.0, 0.05, 0.1, 0.15, 0.2, 0.25]
        );
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(
            nice_ticks(-7.3, 2.9, 5),
            vec![-8.0, -6.0, -4.0, -2.0, 0.0, 2.0, 4.0]
        );
        assert_eq!(nice_ticks(3.0, 3.0, 5), vec![2.6, 2.8, 3.0, 3.2, 3.4]);
        assert_eq!(decimals_of(0.05), 2);
        assert_eq!(decimals_of(20.0), 0);
        for (lo, hi) in [(0.0, 0.37), (-12.5, 41.0), (0.001, 0.0093), (55.0, 61.7)] {
            let t = nice_ticks(lo, hi, 5);
            assert!(t[0] <= lo && *t.last().unwrap() >= hi, "{lo} {hi}: {t:?}");
            assert!((3..=11).contains(&t.len()), "{t:?}");
            let step = t[1] - t[0];
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
                "step {step}"
            );
            // No tick carries float noise: printed with the step's decimals it reads back the same.
            let d = decimals_of(step);
            for x in &t {
                assert_eq!(format!("{x:.d$}").parse::<f64>().unwrap(), *x);
            }
        }
    }

    #[test]
    fn long_labels_are_cut_to_fit_with_an_ellipsis() {
        assert_eq!(fit_label("Billing", 100.0), "Billing");
        let cut = fit_label("Personalisation and context of the whole call", 100.0);
        assert!(cut.ends_with('…') && text_width(&cut) <= 100.0, "{cut}");
        assert!(text_width("客服态度很差") > text_width("abcdef"));
    }

    fn crowded() -> (Vec<Dot>, Vec<f64>, Rect) {
        // Forty points, most on top of each other, with long names.
        let area = Rect {
            x: 50.0,
            y: 40.0,
            w: 600.0,
            h: 300.0,
        };
        let mut dots = Vec::new();
        let mut widths = Vec::new();
        for i in 0..40 {
            let cx = 60.0 + (i % 4) as f64 * 3.0 + if i >= 36 { 560.0 } else { 0.0 };
            let cy = 200.0 + (i % 3) as f64 * 4.0 - if i == 7 { 155.0 } else { 0.0 };
            dots.push(Dot {
                cx,
                cy,
                r: 4.0 + (i % 5) as f64,
            });
            widths.push(text_width(&"Personalisation and context"[..10 + i % 17]));
        }
        (dots, widths, area)
    }

    #[test]
    fn placed_labels_never_overlap_each_other_or_points_and_stay_inside() {
        let (dots, widths, area) = crowded();
        let placed = place_labels(&dots, &widths, area);
        assert_eq!(placed.len(), dots.len());
        let boxes: Vec<Rect> = placed.iter().flatten().map(|p| p.rect).collect();
        assert!(
            boxes.len() >= 10,
            "most labels find a place: {}",
            boxes.len()
        );
        assert!(
            placed.iter().any(Option::is_none),
            "the crowded input needs a key"
        );
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.inside(&area), "{a:?}");
            for b in &boxes[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} {b:?}");
            }
            for d in &dots {
                assert!(!a.overlaps(&d.bounds()), "{a:?} covers {d:?}");
            }
        }
        for (p, w) in placed
            .iter()
            .zip(&widths)
            .filter_map(|(p, w)| Some((p.as_ref()?, w)))
        {
            assert_eq!(p.rect.w, *w);
        }
        // Deterministic.
        assert_eq!(place_labels(&dots, &widths, area), placed);
    }

    #[test]
    fn a_lone_point_is_labelled_on_its_right_without_a_leader() {
        let area = Rect {
            x: 0.0,
            y: 0.0,
            w: 400.0,
            h: 200.0,
        };
        let p = place_labels(
            &[Dot {
                cx: 100.0,
                cy: 100.0,
                r: 5.0,
            }],
            &[60.0],
            area,
        );
        let p = p[0].as_ref().unwrap();
        assert_eq!(p.rect.x, 108.0);
        assert!(p.leader.is_none());
        // At the right edge it goes left instead.
        let p = place_labels(
            &[Dot {
                cx: 390.0,
                cy: 100.0,
                r: 5.0,
            }],
            &[60.0],
            area,
        );
        assert!(p[0].as_ref().unwrap().rect.x + 60.0 <= 390.0);
    }
}
