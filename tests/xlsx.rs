//! Output where analysts work: report.xlsx (`--xlsx`) and the byte-order mark on the CSVs
//! (`--excel-csv`).

mod common;

use std::io::Read;

use calamine::{Data, Reader, Xlsx};
use common::{Workdir, SMALL_EXPORT};

const HOSTILE: &str = "=HYPERLINK(\"http://evil.example/x\",\"click\")";

fn export_with_hostile_rows() -> String {
    let mut s = SMALL_EXPORT.to_string();
    s.push_str("11,2026-11-21,Fay,Tech,phone,4,\"=HYPERLINK(\"\"http://evil.example/x\"\",\"\"click\"\")\"\n");
    s.push_str("12,2026-11-21,Fay,Tech,phone,6,\"+1 wait time was awful\"\n");
    s.push_str("13,2026-11-21,Fay,Tech,phone,5,@SUM(A1:A9)\n");
    s
}

/// A sheet's XML from the workbook's zip.
fn sheet_xml(path: &std::path::Path, n: usize) -> String {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut e = z
        .by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .expect("sheet xml");
    let mut s = String::new();
    e.read_to_string(&mut s).unwrap();
    s
}

#[test]
fn xlsx_has_the_sheets_frozen_headers_and_formulas_only_as_strings() {
    let w = Workdir::new();
    w.write("in.csv", export_with_hostile_rows());
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--xlsx",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = w.path("out/report.xlsx");
    let mut wb: Xlsx<_> = calamine::open_workbook(&path).expect("a workbook");
    assert_eq!(
        wb.sheet_names(),
        ["tagged", "themes", "drivers", "segments"],
        "the sheets"
    );
    let (csv_header, csv_rows) = w.csv("out/tagged.csv");
    let tagged = wb.worksheet_range("tagged").unwrap();
    let rows: Vec<Vec<String>> = tagged
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0], csv_header, "the header is tagged.csv's");
    assert_eq!(rows.len() - 1, csv_rows.len(), "one row per tagged.csv row");
    // No cell is a formula; the hostile comments read back as the strings written.
    let formulas = wb.worksheet_formula("tagged").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula in the workbook"
    );
    let comment = csv_header.iter().position(|h| h == "Comment").unwrap();
    let cells: Vec<&Data> = tagged.rows().skip(1).map(|r| &r[comment]).collect();
    assert!(cells.contains(&&Data::String(HOSTILE.into())), "{cells:?}");
    assert!(cells.contains(&&Data::String("+1 wait time was awful".into())));
    assert!(cells.contains(&&Data::String("@SUM(A1:A9)".into())));
    // tagged.csv itself neutralises the same cell.
    assert!(csv_rows.iter().any(|r| r[comment] == format!("'{HOSTILE}")));
    let score = csv_header
        .iter()
        .position(|h| h == "sentiment_score")
        .unwrap();
    assert!(
        tagged
            .rows()
            .skip(1)
            .any(|r| matches!(r[score], Data::Float(_))),
        "sentiment_score is a number"
    );

    let themes = wb.worksheet_range("themes").unwrap();
    let s = w.summary("out");
    assert_eq!(
        themes.height() - 1,
        s["statistics"]["themes"].as_array().unwrap().len()
    );
    let segments = wb.worksheet_range("segments").unwrap();
    assert!(
        segments
            .rows()
            .any(|r| r[0] == Data::String("Agent".into()) && r[1] == Data::String("Fay".into())),
        "segment rows"
    );
    assert!(wb.worksheet_range("drivers").unwrap().height() >= 1);

    // Every sheet: header row frozen, autofilter over the header.
    for n in 1..=4 {
        let xml = sheet_xml(&path, n);
        assert!(
            xml.contains("ySplit=\"1\"") && xml.contains("state=\"frozen\""),
            "sheet {n} frozen: {xml:.400}"
        );
        assert!(xml.contains("<autoFilter"), "sheet {n} autofilter");
    }
    assert!(
        !sheet_xml(&path, 1).contains("<f>"),
        "no formula element in the tagged sheet"
    );

    // A run without --xlsx removes the earlier workbook with the other outputs replaced.
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!path.exists(), "no stale report.xlsx");
}

#[test]
fn xlsx_from_the_project_file() {
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    w.write(
        "npsight.toml",
        "out = \"out\"\nxlsx = true\nexcel_csv = true\ncsv_delimiter = \";\"\n",
    );
    let r = w.run(&["analyze", "--encoder", "none", "in.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.path("out/report.xlsx").is_file());
    let bytes = std::fs::read(w.path("out/tagged.csv")).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let header = String::from_utf8_lossy(&bytes[3..])
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.contains("\";\""),
        "csv_delimiter from the file: {header}"
    );
    // A bad value in the file is refused, naming the key.
    w.write("npsight.toml", "out = \"out\"\ncsv_delimiter = \"|\"\n");
    let r = w.run(&["analyze", "--encoder", "none", "in.csv"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("csv_delimiter"), "{}", r.stderr);
}

#[test]
fn excel_csv_writes_a_bom_and_npsight_reads_the_files_back() {
    use npsight::labelled;
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--excel-csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in ["out/tagged.csv", "out/rejected.csv"] {
        let bytes = std::fs::read(w.path(f)).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "{f} starts with a BOM");
        assert_ne!(&bytes[3..6], b"\xEF\xBB\xBF", "{f}: one BOM only");
    }
    // The rest of tagged.csv is the same as without the flag.
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "plain"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let with = std::fs::read(w.path("out/tagged.csv")).unwrap();
    let without = std::fs::read(w.path("plain/tagged.csv")).unwrap();
    assert_eq!(&with[3..], &without[..]);

    // The corrections and eval reader (labelled::read, as `train --corrections` and `eval`
    // use it) takes the BOM'd tagged.csv, the first column's name included.
    let cols = tagged_columns();
    let read = labelled::read(&w.path("out/tagged.csv"), &cols).unwrap();
    let plain = labelled::read(&w.path("plain/tagged.csv"), &cols).unwrap();
    assert_eq!(read.len(), 8, "the commented rows");
    assert_eq!(
        read.iter().map(|l| &l.text).collect::<Vec<_>>(),
        plain.iter().map(|l| &l.text).collect::<Vec<_>>()
    );
    assert_eq!(
        read.iter().map(|l| &l.themes).collect::<Vec<_>>(),
        plain.iter().map(|l| &l.themes).collect::<Vec<_>>()
    );
    // A BOM'd tagged.csv is also a valid export for a new run: the first header is "Response ID".
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "out/tagged.csv",
        "--out",
        "again",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("again");
    assert_eq!(s["input"]["headers"][0], "Response ID");
    assert_eq!(s["input"]["columns"]["id"], "Response ID");
}

#[test]
fn csv_delimiter_semicolon_splits_every_csv_on_semicolons_and_reads_back() {
    use npsight::labelled;
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "semi",
        "--csv-delimiter",
        ";",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "comma"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in ["tagged.csv", "rejected.csv"] {
        let semi = std::fs::read_to_string(w.path(&format!("semi/{f}"))).unwrap();
        let comma = std::fs::read_to_string(w.path(&format!("comma/{f}"))).unwrap();
        let read = |text: &str, d: u8| -> Vec<Vec<String>> {
            csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .from_reader(text.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect()
        };
        // The same cells, split on `;` instead of `,`: what a semicolon-locale spreadsheet sees.
        let (s, c) = (read(&semi, b';'), read(&comma, b','));
        assert_eq!(s, c, "{f}: same cells");
        assert!(s[0].len() > 3, "{f}: the header splits into columns on ';'");
        assert!(semi.lines().next().unwrap().contains("\";\""), "{f}");
    }
    // npsight reads the semicolon file back (corrections / eval reader, and as an export).
    let cols = tagged_columns();
    let semi = labelled::read(&w.path("semi/tagged.csv"), &cols).unwrap();
    let comma = labelled::read(&w.path("comma/tagged.csv"), &cols).unwrap();
    assert_eq!(semi.len(), comma.len());
    assert_eq!(
        semi.iter().map(|l| &l.themes).collect::<Vec<_>>(),
        comma.iter().map(|l| &l.themes).collect::<Vec<_>>()
    );
    // An unknown separator is refused with the flag named.
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "bad",
        "--csv-delimiter",
        "|",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--csv-delimiter"), "{}", r.stderr);
}

/// The columns `train --corrections` and `eval` read from a tagged.csv of SMALL_EXPORT.
fn tagged_columns() -> npsight::labelled::LabelColumns {
    npsight::labelled::LabelColumns {
        text: Some("Comment".into()),
        themes: Some("themes".into()),
        sentiment: Some("sentiment".into()),
        ..Default::default()
    }
}
