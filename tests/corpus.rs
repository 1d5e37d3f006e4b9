//! The malformed-input corpus: one test per kind of hostile export (files in tests/corpus/, the
//! big ones generated here at run time), each through the real binary with `--encoder none`,
//! checking the exit code, the message (file, row, line, column) and that every row is either
//! in tagged.csv or in rejected.csv.

mod common;

use std::path::{Path, PathBuf};

use common::Workdir;
use serde_json::Value;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

/// What one run produced, with the accounting already checked.
struct Got {
    code: i32,
    header: Vec<String>,
    tagged: Vec<Vec<String>>,
    rejected: Vec<Vec<String>>,
    summary: Value,
}

impl Got {
    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    fn tagged_col(&self, name: &str) -> Vec<&str> {
        let i = self.column(name);
        self.tagged.iter().map(|r| r[i].as_str()).collect()
    }

    /// (row, line, column, reason_code, reason) of each rejected row.
    fn reject(&self, i: usize) -> (&str, &str, &str, &str, &str) {
        let r = &self.rejected[i];
        (&r[0], &r[1], &r[2], &r[3], &r[4])
    }

    fn codes(&self) -> Vec<&str> {
        self.rejected.iter().map(|r| r[3].as_str()).collect()
    }
}

/// Copy `file` into a fresh work dir, analyse it and check rows in = tagged + rejected, counted
/// both from summary.json and by parsing the two CSV outputs.
fn analyze_file(w: &Workdir, file: &Path, extra: &[&str]) -> Got {
    let name = file.file_name().unwrap().to_str().unwrap();
    if !w.path(name).exists() {
        std::fs::copy(file, w.path(name)).unwrap();
    }
    let mut args = vec!["analyze", "--encoder", "none", "-q", name, "--out", "out"];
    args.extend_from_slice(extra);
    let r = w.run(&args);
    assert_eq!(
        r.code, 0,
        "{name}: a finished run exits 0, rejected rows or not: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    let (header, tagged) = w.csv("out/tagged.csv");
    let (_, rejected) = w.csv("out/rejected.csv");
    let summary = w.summary("out");
    let c = &summary["counts"];
    let rows_in = c["rows_in"].as_u64().unwrap();
    assert_eq!(c["tagged"].as_u64().unwrap(), tagged.len() as u64, "{name}");
    assert_eq!(
        c["rejected"].as_u64().unwrap(),
        rejected.len() as u64,
        "{name}"
    );
    assert_eq!(
        rows_in,
        (tagged.len() + rejected.len()) as u64,
        "{name}: rows in = tagged + rejected"
    );
    Got {
        code: r.code,
        header,
        tagged,
        rejected,
        summary,
    }
}

/// A run that must fail before writing anything: exit 2, the message, no output files.
fn fails(w: &Workdir, file: &Path, extra: &[&str]) -> String {
    let name = file.file_name().unwrap().to_str().unwrap();
    if !w.path(name).exists() {
        std::fs::copy(file, w.path(name)).unwrap();
    }
    let mut args = vec!["analyze", "--encoder", "none", "-q", name, "--out", "out"];
    args.extend_from_slice(extra);
    let r = w.run(&args);
    assert_eq!(r.code, 2, "{name}: {}", r.stderr);
    let left: Vec<_> = std::fs::read_dir(w.path("out"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{name}: nothing written, found {left:?}");
    r.stderr
}

#[test]
fn windows_1252_semicolon_export() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("cp1252_semicolon.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.summary["input"]["format"]["encoding"], "windows-1252");
    assert_eq!(g.summary["input"]["format"]["delimiter"], ";");
    assert_eq!(
        g.tagged_col("Kommentar"),
        ["Sehr gut, danke", "Grüße, très lent, 5 € Gebühr"]
    );
}

#[test]
fn utf16_little_endian_with_bom() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("utf16le_bom.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.summary["input"]["format"]["encoding"], "UTF-16LE");
    assert_eq!(
        g.tagged_col("comment"),
        ["super, merci", "было долго", "客服态度很差"]
    );
}

#[test]
fn utf16_big_endian_without_bom() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("utf16be_no_bom.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.summary["input"]["format"]["encoding"], "UTF-16BE");
    assert_eq!(g.tagged_col("comment")[1], "было долго");
    assert_eq!(g.summary["input"]["format"]["delimiter"], "tab");
}

#[test]
fn utf8_bom_and_crlf() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("utf8_bom_crlf.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.header[0], "Response ID", "BOM stripped");
    assert_eq!(
        g.tagged_col("Comment"),
        ["Fast and friendly", "Waited too long"],
        "no stray \\r"
    );
}

#[test]
fn mixed_line_endings() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("mixed_line_endings.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged_col("id"), ["1", "2", "3", "4"]);
    assert_eq!(g.tagged_col("comment")[2], "cr line");
    assert_eq!(g.tagged_col("comment")[3], "quoted\r\nover two lines");
}

#[test]
fn semicolons_with_decimal_commas() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("semicolon_decimal_comma.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged_col("id"), ["1", "3"]);
    assert_eq!(g.tagged_col("comment")[0], "Schnell, freundlich");
    assert_eq!(
        g.summary["counts"]["unreadable_optional_fields"],
        Value::Object(Default::default())
    );
    // CSAT 4,0 and 5,0 with decimal commas: read as 4 and 5.
    assert_eq!(g.summary["statistics"]["kpi"]["csat"]["mean"]["mean"], 4.5);
    let (row, line, column, code, reason) = g.reject(0);
    assert_eq!(
        (row, line, column, code),
        ("2", "3", "score", "score_not_whole")
    );
    assert!(
        reason.contains("semicolon_decimal_comma.csv: row 2 (line 3), column 'score'")
            && reason.contains("'7,5'"),
        "{reason}"
    );
}

#[test]
fn ragged_rows() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("ragged_rows.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged_col("id"), ["1", "2", "4"]);
    assert_eq!(g.tagged_col("team"), ["A", "", "B"], "short row padded");
    assert_eq!(g.codes(), ["too_many_fields", "score_missing"]);
    let (_, _, _, _, reason) = g.reject(0);
    assert!(
        reason.contains("ragged_rows.csv: row 3 (line 4): 5 fields but the header has 4"),
        "{reason}"
    );
    assert_eq!(g.rejected[0][5], "3,7,too,many,fields", "raw record kept");
    let (row, line, column, _, _) = g.reject(1);
    assert_eq!((row, line, column), ("5", "6", "score"));
}

#[test]
fn unbalanced_quote_does_not_swallow_rows_silently() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("unbalanced_quote.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.codes(), ["unbalanced_quote"]);
    let (row, line, column, _, reason) = g.reject(0);
    assert_eq!((row, line, column), ("1", "2", "comment"));
    assert!(
        reason.contains("unbalanced_quote.csv: row 1 (line 2), column 'comment'")
            && reason.contains("2 more line(s)"),
        "{reason}"
    );
    assert!(
        g.rejected[0][5].contains("2,3,fine"),
        "the swallowed lines are in rejected.csv: {:?}",
        g.rejected[0]
    );
    assert_eq!(g.tagged_col("id"), ["4"]);
}

#[test]
fn quoted_newlines_are_one_comment() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("quoted_newlines.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(
        g.tagged_col("comment"),
        [
            "First line\nSecond line, with a comma\n\nand a blank line",
            "He said \"wait\", then\nhung up",
            "plain"
        ]
    );
}

#[test]
fn duplicate_headers_of_the_comment_need_a_flag() {
    let w = Workdir::new();
    let err = fails(&w, &corpus("duplicate_headers.csv"), &[]);
    assert!(
        err.contains("duplicate_headers.csv")
            && err.contains("headed 'comment' (positions 3, 4)")
            && err.contains("--text-column 3"),
        "{err}"
    );
    let g = analyze_file(
        &w,
        &corpus("duplicate_headers.csv"),
        &["--text-column", "4"],
    );
    assert_eq!(g.code, 0);
    assert_eq!(g.summary["counts"]["tagged"], 2);
}

#[test]
fn duplicate_response_ids_reject_the_repeat() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("duplicate_ids.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged_col("Response ID"), ["A1", "A2", "A3"]);
    let (row, line, column, code, reason) = g.reject(0);
    assert_eq!(
        (row, line, column, code),
        ("3", "4", "Response ID", "duplicate_id")
    );
    assert!(
        reason.contains("duplicate_ids.csv: row 3 (line 4)") && reason.contains("'A1'"),
        "{reason}"
    );
    assert_eq!(g.summary["statistics"]["overall"]["n"], 3, "counted once");
    // --allow-duplicate-ids keeps the repeat (and memory flat).
    let w2 = Workdir::new();
    let g2 = analyze_file(
        &w2,
        &corpus("duplicate_ids.csv"),
        &["--allow-duplicate-ids"],
    );
    assert_eq!(g2.code, 0);
    assert_eq!(g2.tagged_col("Response ID"), ["A1", "A2", "A1", "A3"]);
    assert_eq!(g2.summary["statistics"]["overall"]["n"], 4);
}

#[test]
fn empty_file() {
    let w = Workdir::new();
    let err = fails(&w, &corpus("empty.csv"), &[]);
    assert!(err.contains("empty.csv: the file is empty"), "{err}");
}

#[test]
fn header_only() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("header_only.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.summary["counts"]["rows_in"], 0);
    assert_eq!(g.header[..3], ["id", "score", "comment"]);
}

#[test]
fn binary_garbage() {
    let w = Workdir::new();
    let err = fails(&w, &corpus("binary_garbage.csv"), &[]);
    assert!(
        err.contains("binary_garbage.csv: does not look like a text export"),
        "{err}"
    );
    // The same bytes named .xlsx: the workbook reader says so instead of panicking.
    std::fs::copy(corpus("binary_garbage.csv"), w.path("garbage.xlsx")).unwrap();
    let err = fails(&w, &w.path("garbage.xlsx"), &[]);
    assert!(
        err.contains("garbage.xlsx: cannot read the workbook"),
        "{err}"
    );
}

#[test]
fn nul_bytes_are_kept_in_data_and_ignored_for_tagging() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("nul_bytes.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged_col("comment"), ["a\0b good", "slow\0"]);
    assert_eq!(g.tagged_col("status"), ["tagged", "tagged"]);
}

#[test]
fn scores_out_of_range_and_other_scales() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("scores_out_of_range.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged_col("id"), ["8", "9", "10"]);
    assert_eq!(
        g.tagged_col("nps_category"),
        ["promoter", "detractor", "passive"]
    );
    assert_eq!(
        g.codes(),
        [
            "score_out_of_range",
            "score_out_of_range",
            "score_out_of_range",
            "score_not_a_number",
            "score_not_whole",
            "score_other_scale",
            "score_missing"
        ]
    );
    for (i, r) in g.rejected.iter().enumerate() {
        let row = i + 1;
        assert_eq!(r[0], row.to_string());
        assert!(
            r[4].contains(&format!(
                "scores_out_of_range.csv: row {row} (line {}), column 'score'",
                row + 1
            )),
            "{r:?}"
        );
    }
    assert_eq!(
        g.summary["counts"]["rejected_by_reason"]["score_out_of_range"],
        3
    );
}

#[test]
fn dates_in_several_formats_are_kept_as_written() {
    // Dates are carried through to tagged.csv exactly as written (no run-time reinterpretation
    // of 11/16 against 16/11); none of them rejects a row.
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("dates_several_formats.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.summary["input"]["columns"]["date"], "date");
    assert_eq!(
        g.tagged_col("date"),
        [
            "2026-11-16",
            "16/11/2026",
            "11/16/2026",
            "16.11.2026",
            "2026-11-16T09:30:00Z",
            "46342",
            "Nov 16 2026",
            "",
            "not a date"
        ]
    );
}

#[test]
fn unsupported_languages_and_scripts() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("unsupported_languages.csv"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged.len(), 8);
    assert!(g.tagged_col("status").iter().all(|s| *s == "tagged"));
    // Nothing from the seven supported lexicons is claimed: no theme, no sentiment word, and
    // no supported language for the scripts none of them is written in. (A Latin-script
    // language such as Turkish may be labelled with the nearest supported one.)
    let supported = ["en", "de", "ru", "vi", "zh", "es", "fr"];
    let comments = g.tagged_col("comment");
    for (i, lang) in g.tagged_col("language").iter().enumerate() {
        assert_eq!(g.tagged_col("themes")[i], "", "{}", comments[i]);
        assert_eq!(g.tagged_col("sentiment")[i], "neutral", "{}", comments[i]);
        if i < 7 {
            assert!(!supported.contains(lang), "{}: {lang}", comments[i]);
        }
    }
    let langs = &g.summary["statistics"]["languages"];
    assert_eq!(
        langs
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        8
    );
}

#[test]
fn emoji_right_to_left_and_zero_width_characters() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("emoji_rtl_zero_width.csv"), &[]);
    assert_eq!(g.code, 0);
    let themes = g.tagged_col("themes");
    let status = g.tagged_col("status");
    // Zero-width spaces inside "waited" and a right-to-left override around the text do not
    // hide the theme.
    assert!(themes[2].contains("wait"), "{themes:?}");
    assert!(themes[3].contains("wait"), "{themes:?}");
    // A comment of only a BOM and a zero-width joiner is no comment.
    assert_eq!(status[5], "no_comment");
    assert_eq!(
        g.tagged_col("comment")[0],
        "Great service 👍🏽🎉",
        "kept as written"
    );
    // No bidi override reaches the reports: it would show the verbatim reversed.
    for f in ["out/report.md", "out/report.html"] {
        assert!(!w.read(f).contains('\u{202E}'), "{f}");
    }
}

#[test]
fn formula_injection_markup_and_path_values() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("formula_and_markup.csv"), &[]);
    assert_eq!(g.code, 0);
    let comments = g.tagged_col("comment");
    assert!(comments[0].starts_with("'=HYPERLINK"), "{comments:?}");
    assert!(comments[2].starts_with("'+cmd|"), "{comments:?}");
    assert!(comments[3].starts_with("'\r"), "{comments:?}");
    assert_eq!(
        g.tagged_col("agent"),
        ["'@evil", "-5", "'\tTab", "../../etc"]
    );
    let html = w.read("out/report.html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // The page's own script (allowed by its hash) is the only one that runs, beside the filters'
    // JSON data block (never executed); no image tag at all.
    assert_eq!(html.matches("<script>").count(), 1);
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("<script type=\"application/json\"").count(), 1);
    assert!(!html.contains("alert(1)</script>") && !html.contains("<img"));
    let md = w.read("out/report.md");
    assert!(
        md.contains("\\<script\\>") || md.contains("&lt;script&gt;"),
        "{md}"
    );
    assert!(!md.contains("<script>") && !md.contains("<img"));
    // The segment value "../../etc" is only ever text: the output folder holds the five
    // outputs and nothing was created beside it.
    let mut outputs: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    outputs.sort();
    assert_eq!(
        outputs,
        [
            "rejected.csv",
            "report.html",
            "report.md",
            "summary.json",
            "tagged.csv",
            "tagged.jsonl"
        ]
    );
    // With coaching packs, one file pair per agent and team, every one inside coaching/ under a
    // sanitised name: "../../etc" becomes a plain stem.
    let w2 = Workdir::new();
    let g2 = analyze_file(&w2, &corpus("formula_and_markup.csv"), &["--coaching"]);
    assert_eq!(g2.code, 0);
    let packs: Vec<String> = std::fs::read_dir(w2.path("out/coaching"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        packs.iter().any(|p| p.starts_with("agent-etc-")),
        "{packs:?}"
    );
    assert!(
        packs
            .iter()
            .all(|p| !p.contains("..") && !p.contains('/') && !p.starts_with('\'')),
        "{packs:?}"
    );
    let beside: Vec<String> = std::fs::read_dir(w2.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(!beside.iter().any(|n| n == "etc"), "{beside:?}");
    let mut here: Vec<String> = std::fs::read_dir(w.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    here.sort();
    assert_eq!(here, ["formula_and_markup.csv", "out"]);
}

#[test]
fn ten_megabyte_single_comment() {
    let w = Workdir::new();
    let sentence = "I was on hold for ages and then transferred three times, ";
    let comment: String = sentence.repeat(10 * 1024 * 1024 / sentence.len() + 1);
    assert!(comment.len() >= 10 * 1024 * 1024);
    let path = w.write(
        "big_comment.csv",
        format!("id,score,comment\n1,2,\"{comment}\"\n2,9,short and fine\n"),
    );
    let g = analyze_file(&w, &path, &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.tagged.len(), 2);
    assert_eq!(
        g.tagged_col("comment")[0].len(),
        comment.len(),
        "the comment is kept whole"
    );
    assert!(g.tagged_col("themes")[0].contains("wait"));
}

#[test]
fn xlsx_with_several_sheets_and_merged_cells() {
    let w = Workdir::new();
    let g = analyze_file(&w, &corpus("several_sheets_merged.xlsx"), &[]);
    assert_eq!(g.code, 0);
    assert_eq!(g.summary["input"]["format"]["sheet"], "Responses");
    // The team cell merged over three rows belongs to each of them.
    assert_eq!(
        g.tagged_col("Team"),
        ["Billing", "Billing", "Billing", "Tech"]
    );
    let (row, line, column, code, reason) = g.reject(0);
    assert_eq!(
        (row, line, column, code),
        ("5", "7", "NPS", "score_not_a_number")
    );
    assert!(
        reason.contains("several_sheets_merged.xlsx: row 5 (line 7), column 'NPS'"),
        "{reason}"
    );
    let g = analyze_file(
        &w,
        &corpus("several_sheets_merged.xlsx"),
        &["--sheet", "Old"],
    );
    assert_eq!(g.summary["counts"]["tagged"], 1);
}

/// Writes tests/corpus/several_sheets_merged.xlsx: `cargo test --test corpus -- --ignored
/// regenerate_workbook`. A cover sheet, a title row above the header, a team cell merged over
/// three rows, a bad score, and a second data sheet.
#[test]
#[ignore]
fn regenerate_workbook() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let cover = wb.add_worksheet();
    cover.set_name("Cover").unwrap();
    let s = wb.add_worksheet();
    s.set_name("Responses").unwrap();
    s.merge_range(0, 0, 0, 3, "", &Format::new()).unwrap();
    for (c, h) in ["ID", "NPS", "Why?", "Team"].iter().enumerate() {
        s.write_string(1, c as u16, *h).unwrap();
    }
    let rows: [(f64, &str, &str); 5] = [
        (1.0, "9", "Quick and friendly"),
        (2.0, "3", "On hold for ages"),
        (3.0, "10", "Great"),
        (4.0, "2", "Transferred three times"),
        (5.0, "eleven", "bad score"),
    ];
    for (i, (id, score, text)) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        s.write_number(r, 0, *id).unwrap();
        match score.parse::<f64>() {
            Ok(n) => s.write_number(r, 1, n).unwrap(),
            Err(_) => s.write_string(r, 1, *score).unwrap(),
        };
        s.write_string(r, 2, *text).unwrap();
    }
    s.merge_range(2, 3, 4, 3, "Billing", &Format::new())
        .unwrap();
    s.write_string(5, 3, "Tech").unwrap();
    s.write_string(6, 3, "Tech").unwrap();
    let old = wb.add_worksheet();
    old.set_name("Old").unwrap();
    old.write_string(0, 0, "score").unwrap();
    old.write_string(0, 1, "comment").unwrap();
    old.write_number(1, 0, 7.0).unwrap();
    old.write_string(1, 1, "fine").unwrap();
    wb.save(corpus("several_sheets_merged.xlsx")).unwrap();
}

#[test]
fn taxonomy_file_with_errors() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,fine\n");
    let tax = corpus("bad_taxonomy.toml");
    let r = w.run(&["check-taxonomy", tax.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    for needle in ["bad_taxonomy.toml", "theme 'wait': patterns.en[1] '* *'"] {
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    }
    // Every problem is listed, not only the first.
    assert!(r.stderr.lines().count() >= 3, "{}", r.stderr);
    let bad = corpus("not_a_taxonomy.toml");
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--taxonomy",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not_a_taxonomy.toml")
            && r.stderr.contains("line 5, column 9")
            && r.stderr.contains("nonsense"),
        "{}",
        r.stderr
    );
    assert!(!w.path("out/tagged.csv").exists());
}

/// Peak resident memory of a child process, read from /proc while it runs (Linux only).
#[cfg(target_os = "linux")]
fn run_measuring_peak_kib(w: &Workdir, args: &[&str]) -> (i32, u64) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_npsight"))
        .args(args)
        .current_dir(w.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:")) {
                let kib: u64 = l.split_whitespace().nth(1).unwrap().parse().unwrap();
                peak = peak.max(kib);
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            return (st.code().unwrap_or(-1), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A 1 GB export (about 7 million rows), generated here and streamed: every row accounted for
/// and peak memory far below the file size. No id column: the duplicate-id index is the one
/// thing that grows with the rows (16-35 bytes per id, see README "Memory"), and this test is
/// about the streaming. Ignored by default because it takes minutes even
/// in a release build; run it with
/// `cargo test --release --test corpus -- --ignored one_gigabyte`.
#[cfg(target_os = "linux")]
#[test]
#[ignore]
fn one_gigabyte_export_streams() {
    use std::io::Write;
    let w = Workdir::new();
    let path = w.path("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "score,team,comment").unwrap();
    let comments = [
        "I was on hold for ages and then transferred three times",
        "Sehr freundlich, aber die Wartezeit war zu lang",
        "Оператор был очень вежлив, всё решили быстро",
        "客服态度很差，等了很久",
        "N/A",
    ];
    let (mut written, mut rows) = (0u64, 0u64);
    while written < 1 << 30 {
        let line = format!(
            "{},T{},\"{}\"\n",
            rows % 11,
            rows % 7,
            comments[rows as usize % comments.len()]
        );
        f.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
        rows += 1;
    }
    f.flush().unwrap();
    drop(f);
    let (code, peak_kib) = run_measuring_peak_kib(
        &w,
        &[
            "analyze",
            "--encoder",
            "none",
            "-q",
            "big.csv",
            "--out",
            "out",
        ],
    );
    assert_eq!(code, 0);
    let s = w.summary("out");
    assert_eq!(s["counts"]["rows_in"], rows);
    assert_eq!(s["counts"]["tagged"], rows);
    eprintln!("1 GiB, {rows} rows: peak RSS {} MiB", peak_kib / 1024);
    // Bounded, not proportional to the file: a fifth of its size is already far too much.
    assert!(peak_kib < (1 << 30) / 1024 / 5, "peak {peak_kib} KiB");
}
