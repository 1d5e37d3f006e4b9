//! Reading survey exports: CSV (`,` `;` tab or `|`, sniffed; UTF-8 with or without BOM, UTF-16,
//! Windows-1252 for files that are not UTF-8) and Excel workbooks (.xlsx, .xlsm, .xls, .ods via
//! calamine). CSV is streamed record by record so memory does not grow with the file; a workbook
//! is read whole, as calamine requires, which is fine at the sizes spreadsheets reach.

pub mod columns;
pub mod date;
pub mod decode;
pub mod lines;
pub mod quotes;
pub mod rows;
pub mod score;
pub mod shape;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;
use serde::Serialize;

/// One data record as read, with its position for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// 1-based number of the data record (the header is not counted).
    pub row: u64,
    /// 1-based line in the file (CSV) or row in the sheet (workbooks) where the record starts.
    pub line: u64,
    /// Byte offset in the decoded stream (for progress), 0 for workbooks.
    pub byte: u64,
    pub fields: Vec<String>,
    /// A quoted field of this record is broken: its quote is closed by a later field's opening
    /// quote or never (see [`quotes`]). Always false for workbooks.
    pub quote_broken: bool,
}

/// How the input was read, for the summary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InputFormat {
    pub kind: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    /// The line (CSV) or sheet row (workbook) of the header.
    pub header_line: u64,
    /// Header rows under it that were skipped (question texts, import ids, sub-headers).
    pub extra_header_rows: u64,
    /// The survey platform recognised from its header rows (qualtrics, surveymonkey).
    pub platform: Option<String>,
}

/// Options for opening an input.
#[derive(Debug, Clone, Default)]
pub struct InputConfig {
    pub path: PathBuf,
    /// Force a delimiter instead of sniffing.
    pub delimiter: Option<u8>,
    /// Workbook sheet name; the first non-empty sheet when absent.
    pub sheet: Option<String>,
    /// `--header-row`: the line (CSV) or sheet row (workbook) of the header, 1-based; found
    /// among the first rows when absent (see [`shape`]).
    pub header_row: Option<u64>,
    /// Column names given by flags: a row holding one is a header.
    pub column_names: Vec<String>,
}

/// An open input: its header and a stream of records.
pub struct Input {
    pub headers: Vec<String>,
    pub format: InputFormat,
    pub records: Box<dyn Iterator<Item = Result<RawRecord>> + Send>,
    /// The SHA-256 of the input's bytes, computed as they stream past: ready once `records` is
    /// exhausted.
    pub digest: Digest,
    /// Rows of a UTF-8 file with bytes that are not UTF-8, read as Windows-1252, or of a
    /// Windows-1252 file with UTF-8 sequences, read as UTF-8 (see [`decode`]); filled as
    /// `records` is read.
    pub decoding: DecodingNote,
    /// The question text of each column when the export has a row of them (Qualtrics), else
    /// empty.
    pub questions: Vec<String>,
    /// The first data rows (at most [`shape::SAMPLE_ROWS`]), for suggestions about columns.
    pub sample: Vec<Vec<String>>,
}

/// A record as the reader gave it, before the header is known.
struct Read1 {
    line: u64,
    byte: u64,
    fields: Vec<String>,
    quote_broken: bool,
    fallback: bool,
}

/// The header among the first rows (`(line, fields)` in file order): its index, the rows it
/// spans, the column names and question texts.
fn find_header(
    first: &[(u64, Vec<String>)],
    config: &InputConfig,
    display: &str,
) -> Result<(shape::Shape, Vec<String>, Vec<String>)> {
    let rows: Vec<Vec<String>> = first.iter().map(|(_, f)| f.clone()).collect();
    let forced = match config.header_row {
        None => None,
        Some(n) => Some(first.iter().position(|(l, _)| *l == n).with_context(|| {
            format!(
                "--header-row {n}: no row of {display} starts there; the first rows start on {}",
                first
                    .iter()
                    .take(shape::HEADER_SEARCH)
                    .map(|(l, _)| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?),
    };
    let found = shape::locate(&rows, forced, &config.column_names);
    let (headers, questions) = shape::headers_of(&rows, &found);
    Ok((found, headers, questions))
}

/// Where an export stopped being in the encoding it was sniffed as: a UTF-8 file with bytes
/// read as Windows-1252, or a Windows-1252 file with sequences read as UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EncodingFallback {
    /// The first record with bytes read in the other encoding, and its line.
    pub first_row: u64,
    pub first_line: u64,
    /// Records with such bytes.
    pub rows: u64,
    /// The other encoding: "Windows-1252" (in a UTF-8 file) or "UTF-8" (in a Windows-1252
    /// file). Summaries written before it existed only had the first.
    #[serde(default = "windows_1252_name")]
    pub read_as: String,
}

fn windows_1252_name() -> String {
    "Windows-1252".into()
}

#[derive(Clone, Default)]
pub struct DecodingNote {
    read_as: &'static str,
    found: std::sync::Arc<std::sync::Mutex<Option<EncodingFallback>>>,
}

impl DecodingNote {
    fn new(read_as: &'static str) -> Self {
        DecodingNote {
            read_as,
            found: Default::default(),
        }
    }

    fn note(&self, row: u64, line: u64) {
        let mut n = self.found.lock().expect("not poisoned");
        match n.as_mut() {
            Some(f) => f.rows += 1,
            None => {
                *n = Some(EncodingFallback {
                    first_row: row,
                    first_line: line,
                    rows: 1,
                    read_as: self.read_as.to_string(),
                })
            }
        }
    }

    pub fn get(&self) -> Option<EncodingFallback> {
        self.found.lock().expect("not poisoned").clone()
    }
}

/// `-` as the input: standard input.
pub const STDIN: &str = "-";

#[derive(Default)]
struct DigestState {
    hasher: sha2::Sha256,
    bytes: u64,
    done: bool,
    /// The file's length when it was opened (regular files only).
    expected: Option<u64>,
}

/// The SHA-256 of an input hashed while it is read, so a FIFO or standard input (which can be
/// read once) is read once, and a file that shrinks while it is read is noticed.
#[derive(Clone, Default)]
pub struct Digest(std::sync::Arc<std::sync::Mutex<DigestState>>);

impl Digest {
    fn of_bytes(bytes: &[u8]) -> Digest {
        use sha2::Digest as _;
        let d = Digest::default();
        {
            let mut st = d.0.lock().expect("not poisoned");
            st.hasher.update(bytes);
            st.bytes = bytes.len() as u64;
            st.done = true;
        }
        d
    }

    /// The hex digest and the byte count, once the whole input was read; an error when it was
    /// not read to its end or is shorter than it was when opened.
    pub fn finish(&self, display: &str) -> Result<(String, u64)> {
        use sha2::Digest as _;
        let st = self.0.lock().expect("not poisoned");
        if !st.done {
            bail!("{display}: the input was not read to its end");
        }
        if let Some(expected) = st.expected.filter(|e| st.bytes < *e) {
            bail!(
                "{display}: the input is shorter than when the run started ({} of {expected} bytes): it was truncated or replaced while it was read; nothing was written",
                st.bytes
            );
        }
        let hex = st
            .hasher
            .clone()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok((hex, st.bytes))
    }
}

/// Passes bytes through, hashing them.
struct Hashing<R> {
    inner: R,
    digest: Digest,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest as _;
        let n = self.inner.read(buf)?;
        let mut st = self.digest.0.lock().expect("not poisoned");
        st.hasher.update(&buf[..n]);
        st.bytes += n as u64;
        if n == 0 && !buf.is_empty() {
            st.done = true;
        }
        Ok(n)
    }
}

const SNIFF_BYTES: usize = 256 * 1024;

fn is_workbook(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
    )
}

/// Open an export for streaming.
pub fn open(config: &InputConfig) -> Result<Input> {
    let path = &config.path;
    let stdin = path.as_os_str() == STDIN;
    let meta = if stdin {
        None
    } else {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("{}: cannot open the input", path.display()))?;
        if meta.is_dir() {
            bail!("{}: is a folder, not an export file", path.display());
        }
        Some(meta)
    };
    if is_workbook(path) {
        let bytes = std::fs::read(path)
            .with_context(|| format!("{}: cannot read the input", path.display()))?;
        let mut input = open_workbook(path, config)?;
        input.digest = Digest::of_bytes(&bytes);
        return Ok(input);
    }
    // Read once, from the start (a FIFO or standard input cannot be opened twice): the head
    // for sniffing, then the same bytes and the rest for the records, hashed as they pass.
    let mut source: Box<dyn Read + Send> = if stdin {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            File::open(path)
                .with_context(|| format!("{}: cannot open the input", path.display()))?,
        )
    };
    let mut head =
        Vec::with_capacity(SNIFF_BYTES.min(meta.as_ref().map_or(0, |m| m.len()) as usize));
    (&mut source)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .with_context(|| format!("{}: cannot read the input", path.display()))?;
    if head.starts_with(b"PK\x03\x04") {
        bail!(
            "{}: looks like an Excel workbook (zip) with a CSV name; rename it to .xlsx",
            path.display()
        );
    }
    let encoding = sniff_encoding(&head);
    let (sample, _, _) = encoding.decode(&head);
    if looks_binary(&sample) {
        bail!(
            "{}: does not look like a text export (too many control characters in the first {} KiB); export it as CSV or XLSX",
            path.display(),
            head.len() / 1024
        );
    }
    let delimiter = match config.delimiter {
        Some(d) => d,
        None => sniff_delimiter(&sample),
    };
    let digest = Digest::default();
    digest.0.lock().expect("not poisoned").expected =
        meta.as_ref().filter(|m| m.is_file()).map(|m| m.len());
    let hashed = Hashing {
        inner: std::io::Cursor::new(head).chain(source),
        digest: digest.clone(),
    };
    // UTF-8 byte by byte, falling back to Windows-1252 where a byte is not UTF-8; Windows-1252
    // with valid UTF-8 sequences read as UTF-8; the other encodings through encoding_rs.
    let primary = match encoding {
        e if e == UTF_8 => Some(decode::Primary::Utf8),
        e if e == WINDOWS_1252 => Some(decode::Primary::Windows1252),
        _ => None,
    };
    let (decoded, fallbacks): (Box<dyn Read + Send>, quotes::Breaks) = if let Some(p) = primary {
        let (r, f) = decode::Utf8Or1252::with_primary(hashed, p);
        (Box::new(r), f)
    } else {
        let r = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(hashed);
        (Box::new(r), quotes::Breaks::default())
    };
    let decoding = DecodingNote::new(primary.map_or("", decode::Primary::other_name));
    let note = decoding.clone();
    let (watched, breaks) =
        quotes::QuoteWatch::new(BufReader::with_capacity(1 << 16, decoded), delimiter);
    let (watched, lines) = lines::LineWatch::new(watched);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(watched);
    let display = path.display().to_string();
    // One record with its position, quote breaks and encoding note.
    let mut next = move || -> Option<Result<Read1>> {
        let mut rec = csv::StringRecord::new();
        match reader.read_record(&mut rec) {
            Ok(false) => None,
            Ok(true) => {
                let byte = rec.position().map_or(0, |p| p.byte());
                let end = reader.position().byte();
                Some(Ok(Read1 {
                    line: lines.line_at(byte),
                    byte,
                    fields: rec.iter().map(str::to_string).collect(),
                    quote_broken: quotes::take_breaks(&breaks, byte, end),
                    fallback: quotes::take_breaks(&fallbacks, byte, end),
                }))
            }
            Err(e) => Some(Err(e.into())),
        }
    };
    // The first rows decide where the header is (title rows, platform header rows).
    let mut first: Vec<Read1> = Vec::new();
    while first.len() < shape::SAMPLE_ROWS {
        match next() {
            None => break,
            Some(Ok(r)) => first.push(r),
            Some(Err(e)) if first.is_empty() => {
                return Err(e).with_context(|| format!("{display}: cannot read the header line"))
            }
            Some(Err(e)) => {
                return Err(e).with_context(|| {
                    format!(
                        "{display}: cannot read the first {} records",
                        first.len() + 1
                    )
                })
            }
        }
    }
    if first
        .iter()
        .all(|r| r.fields.iter().all(|f| f.trim().is_empty()))
    {
        bail!("{display}: the file is empty; expected a header line and survey responses");
    }
    let lines_fields: Vec<(u64, Vec<String>)> =
        first.iter().map(|r| (r.line, r.fields.clone())).collect();
    let (found, headers, questions) = find_header(&lines_fields, config, &display)?;
    let format = InputFormat {
        kind: "csv".into(),
        encoding: Some(encoding.name().to_string()),
        delimiter: Some(delimiter_name(delimiter)),
        sheet: None,
        header_line: first[found.header].line,
        extra_header_rows: found.extra_rows as u64,
        platform: found.platform.map(String::from),
    };
    let first_data = found.header + found.extra_rows + 1;
    let sample: Vec<Vec<String>> = first
        .iter()
        .skip(first_data)
        .map(|r| r.fields.clone())
        .collect();
    let buffered = first.into_iter().skip(first_data).map(Ok);
    let mut row = 0u64;
    let records = buffered
        .chain(std::iter::from_fn(next))
        .filter_map(move |r| match r {
            // Skip blank lines: a record with only empty fields is not a response (it keeps
            // its record number, as it always did).
            Ok(rec) if rec.fields.iter().all(|f| f.trim().is_empty()) => {
                row += 1;
                None
            }
            Ok(rec) => {
                row += 1;
                if rec.fallback {
                    note.note(row, rec.line);
                }
                Some(Ok(RawRecord {
                    row,
                    line: rec.line,
                    byte: rec.byte,
                    fields: rec.fields,
                    quote_broken: rec.quote_broken,
                }))
            }
            Err(e) => {
                row += 1;
                Some(Err(anyhow::anyhow!("{display}: record {row}: {e}")))
            }
        });
    Ok(Input {
        headers,
        format,
        records: Box::new(records),
        digest,
        decoding,
        questions,
        sample,
    })
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        other => (other as char).to_string(),
    }
}

/// BOM first; then UTF-16 without BOM (every other byte NUL); then UTF-8 if the sample is
/// valid UTF-8 (a sequence cut at the sample's end is allowed); else Windows-1252, the usual
/// encoding of European Excel "CSV" exports.
pub fn sniff_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return enc;
    }
    let pairs = head.len() / 2;
    if pairs >= 4 {
        let even_nul = head.iter().step_by(2).filter(|b| **b == 0).count();
        let odd_nul = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        if odd_nul * 10 >= pairs * 4 && even_nul * 10 < pairs {
            return UTF_16LE;
        }
        if even_nul * 10 >= pairs * 4 && odd_nul * 10 < pairs {
            return UTF_16BE;
        }
    }
    if let Some(enc) = utf16_by_structure(head) {
        return enc;
    }
    match std::str::from_utf8(head) {
        Ok(_) => UTF_8,
        Err(e) if e.error_len().is_none() => UTF_8,
        Err(_) => WINDOWS_1252,
    }
}

/// UTF-16 without a byte order mark whose text is mostly outside ASCII (Chinese, Russian), so
/// the NUL-byte count above does not show it: the line ends, delimiters and quotes of a CSV are
/// ASCII, so they appear as a byte and a NUL, aligned to even offsets, in one byte order only,
/// and the whole sample decodes without an unpaired surrogate.
fn utf16_by_structure(head: &[u8]) -> Option<&'static Encoding> {
    let structural = |b: u8| b"\n\r,;\t|\"".contains(&b);
    let (mut le, mut be) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        le += usize::from(structural(pair[0]) && pair[1] == 0);
        be += usize::from(pair[0] == 0 && structural(pair[1]));
    }
    // Dense enough for a CSV (a line end or delimiter at least every 64 characters), or, for
    // long comments (Chinese or Russian text of hundreds of characters per line), lines that
    // decode as CSV records: at least two whole lines, nine in ten of them with a delimiter. A
    // UTF-8 or Windows-1252 file with a few NUL bytes decodes to no such lines (its line ends
    // and delimiters are not followed by a NUL), so it is not taken for UTF-16.
    let pairs = head.len() / 2;
    let plausible = |enc: &'static Encoding, aligned: usize| {
        let (text, had_errors) = enc.decode_without_bom_handling(&head[..head.len() & !1]);
        // A cut surrogate pair at the sample's end is not an error of the text.
        let clean = !had_errors
            || text
                .trim_end_matches('\u{FFFD}')
                .chars()
                .all(|c| c != '\u{FFFD}');
        if !clean || !text.contains('\n') {
            return false;
        }
        if aligned * 64 >= pairs {
            return true;
        }
        if text.contains('\0') {
            return false;
        }
        let mut lines: Vec<&str> = text.split('\n').collect();
        lines.pop(); // cut by the sample's end
        let lines: Vec<&str> = lines.into_iter().filter(|l| !l.trim().is_empty()).collect();
        let with_delimiter = lines
            .iter()
            .filter(|l| l.contains([',', ';', '\t', '|']))
            .count();
        lines.len() >= 2 && with_delimiter * 10 >= lines.len() * 9
    };
    if le >= 2 && le > 4 * be && plausible(UTF_16LE, le) {
        Some(UTF_16LE)
    } else if be >= 2 && be > 4 * le && plausible(UTF_16BE, be) {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn looks_binary(sample: &str) -> bool {
    let total = sample.chars().count();
    if total == 0 {
        return false;
    }
    let bad = sample
        .chars()
        .filter(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || *c == '\u{FFFD}')
        .count();
    bad * 10 > total
}

/// Pick the delimiter that splits the first records into the most consistent rows: the most
/// common width (2 fields or more) among the first 50 records, by how many records have it,
/// then by the width. The first record alone would not do: a title row above the header
/// ("NPS export week 47") has one field whatever the delimiter.
pub fn sniff_delimiter(sample: &str) -> u8 {
    let mut best = (0usize, 0usize, b',');
    for d in [b',', b';', b'\t', b'|'] {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(sample.as_bytes());
        // The sample may end inside a record: look at the first 50 only.
        let mut widths = std::collections::BTreeMap::<usize, usize>::new();
        for r in rdr.records().take(50).filter_map(|r| r.ok()) {
            if r.len() >= 2 {
                *widths.entry(r.len()).or_default() += 1;
            }
        }
        let Some((width, consistent)) = widths.into_iter().max_by_key(|(w, n)| (*n, *w)) else {
            continue;
        };
        if (consistent, width) > (best.0, best.1) {
            best = (consistent, width, d);
        }
    }
    best.2
}

fn cell_to_string(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_serial_to_iso(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
    }
}

/// Excel serial date (days since 1899-12-30) to ISO 8601.
fn excel_serial_to_iso(serial: f64) -> String {
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let (y, m, d) = crate::output::time::civil_from_days(days - 25_569);
    if secs == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// The most non-empty cells read from one sheet, merged areas filled included: 20 million, a
/// million rows of twenty columns. A sheet with more is refused with a message (export it to
/// CSV, which is streamed).
pub const MAX_SHEET_CELLS: usize = 20_000_000;
/// A worksheet's limits (Excel's): a cell beyond them means a damaged or hostile file.
const MAX_SHEET_ROWS: u32 = 1_048_576;
const MAX_SHEET_COLS: u32 = 16_384;

/// The non-empty cells of a sheet by sheet row and column (0-based). A sheet is read by its
/// used cells, never as a dense rectangle: a stray cell at XFD1048576 costs one cell, not the
/// 17 billion between it and A1.
#[derive(Default)]
struct SparseSheet {
    rows: BTreeMap<u32, BTreeMap<u32, String>>,
    cells: usize,
}

impl SparseSheet {
    fn add(&mut self, at: (u32, u32), value: String, place: &str) -> Result<()> {
        if value.is_empty() {
            return Ok(());
        }
        if at.0 >= MAX_SHEET_ROWS || at.1 >= MAX_SHEET_COLS {
            bail!(
                "{place}: a cell at row {} column {} is beyond a worksheet's limits ({MAX_SHEET_ROWS} rows, {MAX_SHEET_COLS} columns); the workbook is damaged",
                at.0 as u64 + 1,
                at.1 as u64 + 1
            );
        }
        if self
            .rows
            .entry(at.0)
            .or_default()
            .insert(at.1, value)
            .is_none()
        {
            self.cells += 1;
            if self.cells > MAX_SHEET_CELLS {
                bail!(
                    "{place}: more than {MAX_SHEET_CELLS} non-empty cells; export the sheet to CSV (read as a stream) and analyse that"
                );
            }
        }
        Ok(())
    }

    /// (first, last) used row and column.
    fn bounds(&self) -> Option<((u32, u32), (u32, u32))> {
        let (r0, r1) = (*self.rows.keys().next()?, *self.rows.keys().next_back()?);
        let c0 = self.rows.values().filter_map(|r| r.keys().next()).min()?;
        let c1 = self
            .rows
            .values()
            .filter_map(|r| r.keys().next_back())
            .max()?;
        Some(((r0, *c0), (r1, *c1)))
    }

    /// Give every empty cell of a merged area the area's top-left value, as a reader of the
    /// sheet sees it (a team name merged down its rows). Areas are clipped to the used cells;
    /// the filled cells count against [`MAX_SHEET_CELLS`].
    fn fill_merged(&mut self, merges: &[calamine::Dimensions], place: &str) -> Result<()> {
        let Some(((r0, c0), (r1, c1))) = self.bounds() else {
            return Ok(());
        };
        for m in merges {
            let Some(value) = self
                .rows
                .get(&m.start.0)
                .and_then(|r| r.get(&m.start.1))
                .cloned()
            else {
                continue;
            };
            let rows = m.start.0.max(r0)..=m.end.0.min(r1);
            let cols = m.start.1.max(c0)..=m.end.1.min(c1);
            let area = (rows.clone().count() as u64) * (cols.clone().count() as u64);
            if area > (MAX_SHEET_CELLS - self.cells.min(MAX_SHEET_CELLS)) as u64 {
                bail!(
                    "{place}: a merged area of {area} cells; more than {MAX_SHEET_CELLS} cells in all. Unmerge it or export the sheet to CSV"
                );
            }
            for r in rows {
                for c in cols.clone() {
                    if !self.rows.get(&r).is_some_and(|row| row.contains_key(&c)) {
                        self.add((r, c), value.clone(), place)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn read_sheet<RS: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Sheets<RS>,
    name: &str,
    place: &str,
) -> Result<SparseSheet> {
    use calamine::Reader;
    let mut sheet = SparseSheet::default();
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("{place}: {e}");
    match wb {
        // Cell by cell: never a dense range.
        calamine::Sheets::Xlsx(x) => {
            let mut cells = x.worksheet_cells_reader(name).map_err(|e| err(&e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| err(&e))? {
                let value = cell_to_string(&calamine::Data::from(cell.get_value().clone()));
                sheet.add(cell.get_position(), value, place)?;
            }
        }
        calamine::Sheets::Xlsb(x) => {
            let mut cells = x.worksheet_cells_reader(name).map_err(|e| err(&e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| err(&e))? {
                let value = cell_to_string(&calamine::Data::from(cell.get_value().clone()));
                sheet.add(cell.get_position(), value, place)?;
            }
        }
        // .xls is bounded by its format (65,536 x 256) and calamine bounds .ods cells.
        _ => {
            let range = wb.worksheet_range(name).map_err(|e| err(&e))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, v) in range.used_cells() {
                sheet.add((r0 + r as u32, c0 + c as u32), cell_to_string(v), place)?;
            }
        }
    }
    let merges = match wb {
        calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        _ => Vec::new(),
    };
    sheet.fill_merged(&merges, place)?;
    Ok(sheet)
}

fn open_workbook(path: &Path, config: &InputConfig) -> Result<Input> {
    use calamine::Reader;
    let sheet = config.sheet.as_deref();
    let display = path.display().to_string();
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| anyhow::anyhow!("{display}: cannot read the workbook: {e}"))?;
    let sheets = wb.sheets_metadata().to_vec();
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let mut hidden_with_data = Vec::new();
    let mut chosen = None;
    for meta in &sheets {
        let name = &meta.name;
        if sheet.is_some_and(|s| s != name) {
            continue;
        }
        let cells = read_sheet(&mut wb, name, &format!("{display}: sheet '{name}'"))?;
        // A hidden sheet (a lookup table, an old copy) is read only when named with --sheet.
        if sheet.is_none() && meta.visible != calamine::SheetVisible::Visible {
            if cells.cells > 0 {
                hidden_with_data.push(name.clone());
            }
            continue;
        }
        if sheet.is_some() || cells.cells > 0 {
            chosen = Some((name.clone(), cells));
            break;
        }
    }
    let Some((name, cells)) = chosen else {
        match sheet {
            Some(s) => bail!(
                "{display}: no sheet named '{s}'; the sheets are: {}",
                names.join(", ")
            ),
            None if !hidden_with_data.is_empty() => bail!(
                "{display}: every visible sheet is empty; hidden sheets are read only when named: --sheet '{}'",
                hidden_with_data.join("' or '")
            ),
            None => bail!("{display}: every sheet is empty"),
        }
    };
    let start_col = cells.bounds().map_or(0, |((_, c), _)| c);
    // Each row is made dense (from the first used column to its own last cell) only when it is
    // read, so memory is the sheet's non-empty cells plus one row.
    let dense = move |row: BTreeMap<u32, String>| -> Vec<String> {
        let last = row.keys().next_back().map_or(0, |c| c - start_col + 1);
        let mut fields = vec![String::new(); last as usize];
        for (c, v) in row {
            fields[(c - start_col) as usize] = v;
        }
        fields
    };
    let mut rows = cells
        .rows
        .into_iter()
        .map(move |(r, row)| (r as u64 + 1, dense(row)));
    // The first non-empty rows decide where the header is (title rows, platform header rows).
    let mut first: Vec<(u64, Vec<String>)> = Vec::new();
    for (line, cells) in rows.by_ref() {
        if cells.iter().any(|c| !c.trim().is_empty()) {
            first.push((line, cells));
            if first.len() == shape::SAMPLE_ROWS {
                break;
            }
        }
    }
    if first.is_empty() {
        bail!("{display}: sheet '{name}' is empty")
    }
    let (found, headers, questions) = find_header(&first, config, &display)?;
    let header_line = first[found.header].0;
    let width = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    let headers = headers[..width].to_vec();
    let first_data = found.header + found.extra_rows + 1;
    let sample: Vec<Vec<String>> = first
        .iter()
        .skip(first_data)
        .map(|(_, c)| c.clone())
        .collect();
    let mut n = 0u64;
    let data =
        first
            .into_iter()
            .skip(first_data)
            .chain(rows)
            .filter_map(move |(line, mut cells)| {
                if cells.iter().all(|c| c.trim().is_empty()) {
                    return None;
                }
                n += 1;
                while cells.len() > width && cells.last().is_some_and(|c| c.is_empty()) {
                    cells.pop();
                }
                Some(Ok(RawRecord {
                    row: n,
                    line,
                    byte: 0,
                    fields: cells,
                    quote_broken: false,
                }))
            });
    let format = InputFormat {
        kind: "xlsx".into(),
        encoding: None,
        delimiter: None,
        sheet: Some(name),
        header_line,
        extra_header_rows: found.extra_rows as u64,
        platform: found.platform.map(String::from),
    };
    Ok(Input {
        headers,
        format,
        records: Box::new(data),
        digest: Digest::default(),
        decoding: DecodingNote::default(),
        questions,
        sample,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_areas_are_filled_from_their_top_left_cell() {
        let mut sheet = SparseSheet::default();
        for (at, v) in [
            ((0, 0), "h1"),
            ((0, 1), "h2"),
            ((1, 0), "a"),
            ((1, 1), "Billing"),
            ((2, 0), "b"),
            ((3, 0), "c"),
        ] {
            sheet.add(at, v.to_string(), "t").unwrap();
        }
        // Sheet rows 2-4 of column B (0-based (1,1)-(3,1)); and an area that reaches beyond
        // the used cells (clipped).
        let merges = [
            calamine::Dimensions {
                start: (1, 1),
                end: (3, 1),
            },
            calamine::Dimensions {
                start: (3, 0),
                end: (9, 9),
            },
        ];
        sheet.fill_merged(&merges, "t").unwrap();
        assert_eq!(sheet.rows[&2][&1], "Billing");
        assert_eq!(sheet.rows[&3][&1], "Billing");
        assert_eq!(sheet.rows[&3][&0], "c");
        assert_eq!(
            sheet.rows[&1][&0], "a",
            "a filled area keeps its own values"
        );
        assert_eq!(sheet.cells, 8);
    }

    #[test]
    fn absurd_sheets_are_refused_with_a_message_not_allocated() {
        let mut sheet = SparseSheet::default();
        sheet.add((0, 0), "a".into(), "s").unwrap();
        // A stray cell in the last cell of a worksheet is one cell.
        sheet
            .add((MAX_SHEET_ROWS - 1, MAX_SHEET_COLS - 1), "x".into(), "s")
            .unwrap();
        assert_eq!(sheet.cells, 2);
        // A merged area over the whole sheet is refused, not filled.
        let whole = [calamine::Dimensions {
            start: (0, 0),
            end: (MAX_SHEET_ROWS - 1, MAX_SHEET_COLS - 1),
        }];
        let e = sheet.fill_merged(&whole, "s").unwrap_err().to_string();
        assert!(e.contains("merged area"), "{e}");
        // Beyond a worksheet's limits.
        let e = sheet
            .add((MAX_SHEET_ROWS, 0), "x".into(), "s")
            .unwrap_err()
            .to_string();
        assert!(e.contains("beyond a worksheet's limits"), "{e}");
    }

    #[test]
    fn input_that_shrinks_while_read_is_noticed() {
        let digest = Digest::default();
        digest.0.lock().unwrap().expected = Some(10);
        let mut r = Hashing {
            inner: &b"abc"[..],
            digest: digest.clone(),
        };
        assert!(digest.finish("in.csv").is_err(), "not read to its end yet");
        std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        let e = digest.finish("in.csv").unwrap_err().to_string();
        assert!(e.contains("3 of 10 bytes"), "{e}");
        digest.0.lock().unwrap().expected = Some(3);
        let (hex, n) = digest.finish("in.csv").unwrap();
        assert_eq!(n, 3);
        assert!(hex.starts_with("ba7816bf"), "sha256(abc): {hex}");
    }

    #[test]
    fn sniffs_encodings() {
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFa,b"), UTF_8);
        assert_eq!(sniff_encoding(b"\xFF\xFEa\0,\0b\0"), UTF_16LE);
        assert_eq!(sniff_encoding(b"a\0,\0b\0\n\0c\0"), UTF_16LE);
        assert_eq!(sniff_encoding("größe,ß".as_bytes()), UTF_8);
        assert_eq!(sniff_encoding(b"gr\xF6\xDFe,x"), WINDOWS_1252);
        // UTF-16 without a BOM, Chinese and Russian text (few NUL bytes).
        let le: Vec<u8> = "评分,评论\n9,客服态度很好\n2,等了很久\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(sniff_encoding(&le), UTF_16LE);
        let be: Vec<u8> = "Оценка;Комментарий\n9;Спасибо\n2;Долго ждал\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(sniff_encoding(&be), UTF_16BE);
        // A multi-byte character cut by the sample end is still UTF-8.
        assert_eq!(sniff_encoding(&"aé".as_bytes()[..2]), UTF_8);
    }

    #[test]
    fn utf16_without_bom_with_long_chinese_or_russian_comments_is_not_refused() {
        // Hundreds of characters per line and no ASCII in them: too few NUL bytes and line
        // ends for the density rule, so the file was sniffed as Windows-1252 and refused as
        // binary.
        let zh = format!(
            "评分,评论\n{}",
            (0..30)
                .map(|i| format!(
                    "{},{}\n",
                    i % 11,
                    "客服态度很好但是等待时间太长了".repeat(30)
                ))
                .collect::<String>()
        );
        let ru = format!(
            "Оценка;Комментарий\n{}",
            (0..30)
                .map(|i| format!(
                    "{};{}\n",
                    i % 11,
                    "Оператор_был_вежлив_но_ждал_долго".repeat(15)
                ))
                .collect::<String>()
        );
        for text in [zh, ru] {
            let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            assert_eq!(sniff_encoding(&le), UTF_16LE);
            assert_eq!(sniff_encoding(&be), UTF_16BE);
            // The sniffed sample may cut the file anywhere.
            assert_eq!(sniff_encoding(&le[..le.len() / 2 + 1]), UTF_16LE);
        }
        // UTF-8 with NUL bytes after its line ends is not taken for UTF-16: its lines do not
        // decode as records.
        let mut utf8 = Vec::new();
        for i in 0..30 {
            utf8.extend(
                format!("{i},{}\n\0", "客服态度很好但是等待时间太长了".repeat(20)).as_bytes(),
            );
        }
        assert_ne!(sniff_encoding(&utf8), UTF_16LE);
        assert_ne!(sniff_encoding(&utf8), UTF_16BE);
    }

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(
            sniff_delimiter("id;score;comment\n1;9;gut, danke\n2;7,5;ok\n"),
            b';'
        );
        assert_eq!(sniff_delimiter("id\tscore\tcomment\n1\t9\tx, y\n"), b'\t');
        assert_eq!(sniff_delimiter("comment\nhello, world\n"), b',');
        // A title row above the header does not hide the delimiter.
        assert_eq!(
            sniff_delimiter(
                "NPS Export Woche 47\nid;score;kommentar\n1;9;gut, danke\n2;3;schlecht\n"
            ),
            b';'
        );
    }

    #[test]
    fn serial_dates() {
        assert_eq!(excel_serial_to_iso(45_658.0), "2025-01-01");
        assert_eq!(excel_serial_to_iso(45_658.5), "2025-01-01T12:00:00");
    }
}
