//! `rejected.csv`: one line per rejected row, with its row and line, the column, a reason code,
//! a sentence saying what is wrong and what to do, and the record as read (`raw_record`, written
//! with the export's own delimiter). Cells go through [`super::csvsafe`].

use anyhow::Result;

use super::csvsafe::SafeWriter;
use crate::input::rows::Rejected;

pub const REJECTED_COLUMNS: [&str; 6] = [
    "row",
    "line",
    "column",
    "reason_code",
    "reason",
    "raw_record",
];

/// Write one rejected row; `delimiter` is the export's, so `raw_record` reads as in the file.
pub fn write_row(
    w: &mut SafeWriter<impl std::io::Write>,
    r: &Rejected,
    delimiter: u8,
) -> Result<()> {
    let mut raw = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    raw.write_record(&r.record.fields)?;
    let raw = String::from_utf8_lossy(&raw.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
        .trim_end_matches('\n')
        .to_string();
    w.write_record([
        r.record.row.to_string(),
        r.record.line.to_string(),
        r.column.clone(),
        r.code.to_string(),
        r.reason.clone(),
        raw,
    ])?;
    Ok(())
}
