//! `report.xlsx` (`--xlsx`): the tagged rows, the theme table, the driver model and the
//! segments as sheets of one workbook, for analysts who work in a spreadsheet. Every text cell
//! is written with `write_string`, so a comment such as `=HYPERLINK(...)` is a string in the
//! workbook, never a formula (no `'` is added: the workbook keeps the comment as written, as
//! tagged.csv does before its CSV neutralising). Each sheet has a frozen header row and an
//! autofilter. The rows are held in memory until the end of the run (a workbook is one zip).

use anyhow::{anyhow, Result};
use rust_xlsxwriter::{Workbook, Worksheet};

use crate::output::summary::Summary;
use crate::stats::NpsStat;

/// Rows per sheet, header included (Excel's limit).
const MAX_ROWS: u32 = 1_048_576;
/// Characters per cell (Excel's limit).
const MAX_CHARS: usize = 32_767;

fn err(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow!("report.xlsx: {e}")
}

/// A cell's text cut to Excel's limit.
fn fit(s: &str) -> &str {
    match s.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A sheet being filled: header, rows, then the frozen header and the autofilter.
struct Sheet {
    ws: Worksheet,
    cols: u16,
    next: u32,
    omitted: u64,
}

enum Cell<'a> {
    Text(&'a str),
    Number(Option<f64>),
}

/// The KPI driver tables as one sheet (one row per KPI outcome and theme), when the run has any.
fn kpi_drivers_sheet(summary: &Summary) -> Result<Option<Sheet>> {
    let tables = &summary.statistics.kpi_drivers.tables;
    if tables.is_empty() {
        return Ok(None);
    }
    let mut sheet = Sheet::new(
        "kpi_drivers",
        &[
            "outcome",
            "theme",
            "name",
            "mentions",
            "outcome_with",
            "others",
            "outcome_without",
            "rate_with",
            "rate_without",
            "difference_points",
            "ci95_low_points",
            "ci95_high_points",
            "test",
            "p_value",
            "q_value",
            "significant",
            "caution",
        ],
    )?;
    for t in tables {
        for x in &t.themes {
            sheet.row(&[
                Cell::Text(&t.outcome),
                Cell::Text(&x.id),
                Cell::Text(&x.name),
                Cell::Number(Some(x.mentions as f64)),
                Cell::Number(Some(x.outcome_with as f64)),
                Cell::Number(Some(x.others as f64)),
                Cell::Number(Some(x.outcome_without as f64)),
                Cell::Number(x.rate_with),
                Cell::Number(x.rate_without),
                Cell::Number(x.difference_points),
                Cell::Number(x.ci95_low_points),
                Cell::Number(x.ci95_high_points),
                Cell::Text(x.test.as_deref().unwrap_or("")),
                Cell::Number(x.p_value),
                Cell::Number(x.q_value),
                Cell::Text(if x.significant { "yes" } else { "no" }),
                Cell::Text(x.caution.as_deref().unwrap_or("")),
            ])?;
        }
    }
    Ok(Some(sheet))
}

impl Sheet {
    fn new(name: &str, header: &[&str]) -> Result<Sheet> {
        let mut ws = Worksheet::new();
        ws.set_name(name).map_err(err)?;
        let mut s = Sheet {
            ws,
            cols: header.len() as u16,
            next: 0,
            omitted: 0,
        };
        s.row(&header.iter().map(|h| Cell::Text(h)).collect::<Vec<_>>())?;
        Ok(s)
    }

    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        if self.next >= MAX_ROWS {
            self.omitted += 1;
            return Ok(());
        }
        for (c, cell) in cells.iter().enumerate().take(u16::MAX as usize) {
            let c = c as u16;
            match cell {
                Cell::Text(t) => {
                    self.ws.write_string(self.next, c, fit(t)).map_err(err)?;
                }
                Cell::Number(Some(v)) if v.is_finite() => {
                    self.ws.write_number(self.next, c, *v).map_err(err)?;
                }
                Cell::Number(_) => {}
            }
        }
        self.cols = self.cols.max(cells.len().min(u16::MAX as usize) as u16);
        self.next += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<(Worksheet, u64)> {
        self.ws.set_freeze_panes(1, 0).map_err(err)?;
        if self.cols > 0 {
            self.ws
                .autofilter(0, 0, self.next.saturating_sub(1), self.cols - 1)
                .map_err(err)?;
        }
        Ok((self.ws, self.omitted))
    }
}

/// The workbook of a run: the tagged rows arrive during the run, the tables at the end.
pub struct Xlsx {
    tagged: Sheet,
    /// Index of the `sentiment_score` column, written as a number.
    score_col: usize,
}

impl Xlsx {
    /// `header` is tagged.csv's header.
    pub fn new(header: &[String]) -> Result<Xlsx> {
        let h: Vec<&str> = header.iter().map(String::as_str).collect();
        Ok(Xlsx {
            tagged: Sheet::new("tagged", &h)?,
            score_col: header
                .iter()
                .rposition(|c| c == "sentiment_score")
                .unwrap_or(usize::MAX),
        })
    }

    /// One row of tagged.csv, as its cells before the CSV's neutralising.
    pub fn add_row(&mut self, cells: &[String]) -> Result<()> {
        let row: Vec<Cell> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == self.score_col {
                    Cell::Number(c.parse().ok())
                } else {
                    Cell::Text(c)
                }
            })
            .collect();
        self.tagged.row(&row)
    }

    /// The workbook's bytes: the tagged rows, then the themes, drivers and segments of
    /// `summary`.
    pub fn finish(self, summary: &Summary) -> Result<Vec<u8>> {
        let st = &summary.statistics;
        let mut themes = Sheet::new(
            "themes",
            &[
                "theme",
                "name",
                "mentions",
                "mentions_negative",
                "mentions_positive",
                "share_of_comments",
                "nps_mentioners",
                "nps_others",
                "impact_points",
                "difference_points",
                "p_value",
                "q_value",
                "significant",
                "caution",
            ],
        )?;
        for t in &st.themes {
            themes.row(&[
                Cell::Text(&t.id),
                Cell::Text(&t.name),
                Cell::Number(Some(t.mentions as f64)),
                Cell::Number(Some(t.mentions_negative as f64)),
                Cell::Number(Some(t.mentions_positive as f64)),
                Cell::Number(t.share_of_comments),
                Cell::Number(t.nps_mentioners),
                Cell::Number(t.nps_others),
                Cell::Number(t.impact_points),
                Cell::Number(t.difference_points),
                Cell::Number(t.p_value),
                Cell::Number(t.q_value),
                Cell::Text(if t.significant { "yes" } else { "no" }),
                Cell::Text(t.caution.as_deref().unwrap_or("")),
            ])?;
        }
        let mut drivers = Sheet::new(
            "drivers",
            &[
                "outcome",
                "theme",
                "name",
                "mentions",
                "impact_points",
                "ci95_low",
                "ci95_high",
                "distinguishable",
                "effect_negative_points",
                "effect_positive_points",
                "importance_share",
            ],
        )?;
        for m in [&st.drivers, &st.agent_drivers].into_iter().flatten() {
            for d in &m.themes {
                drivers.row(&[
                    Cell::Text(&m.outcome),
                    Cell::Text(&d.id),
                    Cell::Text(&d.name),
                    Cell::Number(Some(d.mentions as f64)),
                    Cell::Number(Some(d.impact_points)),
                    Cell::Number(Some(d.ci95_low)),
                    Cell::Number(Some(d.ci95_high)),
                    Cell::Text(if d.distinguishable { "yes" } else { "no" }),
                    Cell::Number(d.effect_negative_points),
                    Cell::Number(d.effect_positive_points),
                    Cell::Number(Some(d.importance_share)),
                ])?;
            }
        }
        let mut segments = Sheet::new(
            "segments",
            &[
                "column",
                "value",
                "responses",
                "nps",
                "ci95_low",
                "ci95_high",
                "comments",
                "difference_to_rest_points",
                "q_value",
                "significant",
                "top_drivers",
                "caution",
            ],
        )?;
        for (col, values) in &st.segments {
            for s in values {
                let NpsStat {
                    n,
                    nps,
                    ci95_low,
                    ci95_high,
                    ..
                } = &s.nps;
                let top: Vec<&str> = s.top_drivers.iter().map(|d| d.id.as_str()).collect();
                segments.row(&[
                    Cell::Text(col),
                    Cell::Text(&s.value),
                    Cell::Number(Some(*n as f64)),
                    Cell::Number(*nps),
                    Cell::Number(*ci95_low),
                    Cell::Number(*ci95_high),
                    Cell::Number(Some(s.comments as f64)),
                    Cell::Number(s.difference_to_rest_points),
                    Cell::Number(s.q_value),
                    Cell::Text(if s.significant { "yes" } else { "no" }),
                    Cell::Text(&top.join(";")),
                    Cell::Text(s.caution.as_deref().unwrap_or("")),
                ])?;
            }
        }
        let mut wb = Workbook::new();
        let (tagged, omitted) = self.tagged.finish()?;
        wb.push_worksheet(tagged);
        for s in [themes, drivers, segments]
            .into_iter()
            .chain(kpi_drivers_sheet(summary)?)
        {
            wb.push_worksheet(s.finish()?.0);
        }
        if omitted > 0 {
            let mut notes = Sheet::new("notes", &["note"])?;
            let text = format!(
                "{omitted} tagged rows past Excel's {MAX_ROWS} rows are not in the tagged sheet; tagged.csv holds every row."
            );
            notes.row(&[Cell::Text(&text)])?;
            wb.push_worksheet(notes.finish()?.0);
        }
        wb.save_to_buffer().map_err(err)
    }
}
