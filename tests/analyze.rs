//! End-to-end runs of the real binary on small exports written for each test.

mod common;

use common::{Workdir, SMALL_EXPORT};

#[test]
fn small_export_writes_every_output_and_accounts_for_every_row() {
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(
        r.code, 0,
        "rows were rejected, but the run finished, so exit 0: {}",
        r.stderr
    );
    for f in [
        "tagged.csv",
        "rejected.csv",
        "summary.json",
        "report.md",
        "report.html",
    ] {
        assert!(w.path(&format!("out/{f}")).is_file(), "{f} missing");
    }
    let (header, rows) = w.csv("out/tagged.csv");
    assert_eq!(
        &header[..7],
        [
            "Response ID",
            "Date",
            "Agent",
            "Team",
            "Channel",
            "NPS Score",
            "Comment"
        ]
    );
    assert_eq!(
        &header[7..],
        [
            "nps_category",
            "language",
            "sentiment",
            "sentiment_score",
            "themes",
            "theme_evidence",
            "mismatch",
            "mismatch_reason",
            "status"
        ]
    );
    assert_eq!(rows.len(), 9);
    let (_, rejected) = w.csv("out/rejected.csv");
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0][0], "7", "data row number");
    assert_eq!(rejected[0][1], "8", "line number");
    assert_eq!(rejected[0][2], "NPS Score");
    assert_eq!(rejected[0][3], "score_not_a_number");
    assert!(
        rejected[0][4].contains("in.csv: row 7 (line 8), column 'NPS Score': 'N/A' is not a score"),
        "{:?}",
        rejected[0]
    );
    assert!(
        rejected[0][5].starts_with("7,2026-11-19,Dan"),
        "raw record kept"
    );

    let s = w.summary("out");
    assert_eq!(s["counts"]["rows_in"], 10);
    assert_eq!(s["counts"]["tagged"], 9);
    assert_eq!(s["counts"]["rejected"], 1);
    assert_eq!(s["counts"]["no_comment"], 1);
    assert_eq!(s["counts"]["commented"], 8);
    assert_eq!(s["schema_version"], 2);
    assert_eq!(s["input"]["columns"]["text"], "Comment");
    assert_eq!(
        s["input"]["segment_columns"],
        serde_json::json!(["Agent", "Team", "Channel"])
    );
    assert_eq!(s["fingerprint"]["generated_at"], "2023-11-14T22:13:20Z");
    assert_eq!(s["fingerprint"]["input_sha256"].as_str().unwrap().len(), 64);

    // The no-comment row is counted in NPS but not tagged.
    let no_comment = rows.iter().find(|r| r[0] == "5").unwrap();
    assert_eq!(no_comment[15], "no_comment");
    assert_eq!(no_comment[7], "passive");
    // Themes with evidence.
    let first = &rows[0];
    assert!(
        first[11].contains("wait_time") && first[11].contains("transfers"),
        "{first:?}"
    );
    let ev: serde_json::Value = serde_json::from_str(&first[12]).unwrap();
    let wait = ev
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["theme"] == "wait_time")
        .unwrap();
    assert_eq!(wait["polarity"], "negative");
    let span = &wait["spans"][0];
    let text: String = first[6]
        .chars()
        .skip(span["start"].as_u64().unwrap() as usize)
        .take((span["end"].as_u64().unwrap() - span["start"].as_u64().unwrap()) as usize)
        .collect();
    assert_eq!(text, span["text"].as_str().unwrap());
    // Languages detected.
    let lang = |id: &str| rows.iter().find(|r| r[0] == id).unwrap()[8].clone();
    assert_eq!(
        (lang("1"), lang("6"), lang("8"), lang("9"), lang("10")),
        (
            "en".into(),
            "de".into(),
            "ru".into(),
            "zh".into(),
            "vi".into()
        )
    );
    assert!(
        r.stdout.contains("10 rows in, 9 tagged, 1 rejected"),
        "{}",
        r.stdout
    );
}

#[test]
fn exit_zero_when_nothing_is_rejected_and_quiet_prints_nothing() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,great\n3,slow\n");
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty() && r.stderr.is_empty());
}

#[test]
fn missing_text_column_names_the_headers_and_the_flag() {
    let w = Workdir::new();
    w.write("in.csv", "id,score,notes\n1,9,x\n");
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("'id', 'score', 'notes'") && r.stderr.contains("--text-column"),
        "{}",
        r.stderr
    );
    assert!(
        !w.path("out/tagged.csv").exists(),
        "nothing written on a usage error"
    );
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--text-column",
        "notes",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn unknown_column_flag_is_named() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,x\n");
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--segment-columns",
        "team",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--segment-columns 'team': no such column"),
        "{}",
        r.stderr
    );
}

#[test]
fn semicolon_export_with_bom_decimal_commas_and_windows_1252() {
    let w = Workdir::new();
    // Windows-1252: "Grüße" and "très" encoded as single bytes.
    let mut bytes =
        b"ID;Bewertung;Kommentar\r\n1;9,0;Sehr gut, danke\r\n2;3;Gr\xfc\xdfe, tr\xe8s lent\r\n"
            .to_vec();
    w.write("cp1252.csv", &bytes);
    let r = w.run(&["analyze", "--encoder", "none", "cp1252.csv", "--out", "a"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, rows) = w.csv("a/tagged.csv");
    assert_eq!(rows.len(), 2);
    assert!(rows[1][2].starts_with("Grüße, très"), "{:?}", rows[1]);
    assert_eq!(
        w.summary("a")["input"]["format"]["encoding"],
        "windows-1252"
    );
    assert_eq!(w.summary("a")["input"]["format"]["delimiter"], ";");

    bytes = "\u{FEFF}ID;Bewertung;Kommentar\n1;10;Schnell und freundlich\n"
        .as_bytes()
        .to_vec();
    w.write("bom.csv", &bytes);
    let r = w.run(&["analyze", "--encoder", "none", "bom.csv", "--out", "b"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (header, _) = w.csv("b/tagged.csv");
    assert_eq!(header[0], "ID", "BOM stripped from the first header");
}

#[test]
fn utf16_with_bom_and_tabs() {
    let w = Workdir::new();
    let text = "score\tcomment\n10\tsuper, merci\n2\tбыло долго\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    w.write("u16.csv", bytes);
    let r = w.run(&["analyze", "--encoder", "none", "u16.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, rows) = w.csv("out/tagged.csv");
    assert_eq!(rows[1][1], "было долго");
}

#[test]
fn quoted_newlines_and_ragged_rows() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,score,comment,team\n1,9,\"line one\nline two, still the comment\",A\n2,8,short row\n3,7,too,many,fields\n4,6,trailing empties,B,,\n",
    );
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 0);
    let (_, rows) = w.csv("out/tagged.csv");
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["1", "2", "4"]
    );
    assert_eq!(rows[0][2], "line one\nline two, still the comment");
    assert_eq!(rows[1][3], "", "short row padded");
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0][3], "too_many_fields");
    assert!(rej[0][4].contains("row 3 (line 5)"), "{:?}", rej[0]);
}

#[test]
fn formula_injection_is_neutralised_and_html_is_escaped() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "score,comment,agent\n1,\"=HYPERLINK(\"\"http://x\"\",\"\"click\"\") rude agent <script>alert(1)</script>\",@evil\n2,\"<img src=x onerror=alert(1)> terrible wait\",-5\n",
    );
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, rows) = w.csv("out/tagged.csv");
    assert!(rows[0][1].starts_with("'=HYPERLINK"), "{:?}", rows[0]);
    assert_eq!(rows[0][2], "'@evil");
    assert_eq!(rows[1][2], "-5", "plain numbers are not formulas");
    let html = w.read("out/report.html");
    assert!(
        !html.contains("<script>alert"),
        "script from the data must not survive"
    );
    assert!(
        !html.contains("<img src=x"),
        "markup from the data must not survive"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || html.contains("&lt;img src=x onerror=alert(1)&gt;")
    );
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "the report's only script is its own, allowed by hash in the CSP"
    );
    // The other element is the filters' data block, which the browser never executes.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(
        html.matches("<script type=\"application/json\" id=\"npsight-data\">")
            .count(),
        1
    );
    assert!(html.contains("script-src 'sha256-"));
    let md = w.read("out/report.md");
    assert!(!md.contains("<script>") && !md.contains("<img"));
}

#[test]
fn personal_data_is_masked_in_reports_unless_kept() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "score,comment\n1,\"Rude agent, call me on +44 7700 900123 or mail jo@example.com, card 4111 1111 1111 1111\"\n",
    );
    w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "masked"]);
    let html = w.read("masked/report.html");
    let md = w.read("masked/report.md");
    for doc in [&html, &md] {
        assert!(
            !doc.contains("7700 900123")
                && !doc.contains("jo@example.com")
                && !doc.contains("4111 1111"),
            "{doc}"
        );
    }
    assert!(html.contains("[PHONE]") && html.contains("[EMAIL]") && html.contains("[CARD]"));
    assert_eq!(w.summary("masked")["pii_masked"], true);
    w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "kept",
        "--keep-pii",
    ]);
    assert!(w.read("kept/report.html").contains("jo@example.com"));
    let kept = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "kept2",
        "--keep-pii",
    ]);
    assert!(
        kept.stdout
            .contains("--keep-pii: personal data is NOT masked"),
        "{}",
        kept.stdout
    );
    let masked = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "masked2"]);
    assert!(!masked.stdout.contains("NOT masked"), "{}", masked.stdout);
    assert_eq!(w.summary("kept")["pii_masked"], false);
}

#[test]
fn reruns_and_thread_counts_give_identical_bytes() {
    let w = Workdir::new();
    let mut big = String::from("id,score,comment,team\n");
    let lines = SMALL_EXPORT.lines().skip(1).collect::<Vec<_>>();
    for i in 0..400 {
        let l = lines[i % lines.len()];
        let fields: Vec<&str> = l.splitn(7, ',').collect();
        big.push_str(&format!("{i},{},{},{}\n", fields[5], fields[6], fields[3]));
    }
    w.write("in.csv", &big);
    w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "one",
        "--threads",
        "1",
    ]);
    w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "two",
        "--threads",
        "2",
    ]);
    w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "again",
        "--threads",
        "2",
    ]);
    for f in [
        "tagged.csv",
        "rejected.csv",
        "summary.json",
        "report.md",
        "report.html",
    ] {
        let a = w.read(&format!("one/{f}"));
        assert_eq!(
            a,
            w.read(&format!("two/{f}")),
            "{f} differs between 1 and 2 threads"
        );
        assert_eq!(a, w.read(&format!("again/{f}")), "{f} differs between runs");
    }
}

#[test]
fn xlsx_input_with_several_sheets() {
    use rust_xlsxwriter::Workbook;
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let empty = wb.add_worksheet();
    empty.set_name("Cover").unwrap();
    let s = wb.add_worksheet();
    s.set_name("Responses").unwrap();
    for (c, h) in ["ID", "NPS", "Why?", "Team"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    s.write_number(1, 0, 1.0).unwrap();
    s.write_number(1, 1, 9.0).unwrap();
    s.write_string(1, 2, "Quick and friendly").unwrap();
    s.write_string(1, 3, "A").unwrap();
    s.write_number(2, 0, 2.0).unwrap();
    s.write_string(2, 1, "10 - Extremely likely").unwrap();
    s.write_string(2, 2, "").unwrap();
    s.write_number(3, 0, 3.0).unwrap();
    s.write_string(3, 1, "eleven").unwrap();
    s.write_string(3, 2, "x").unwrap();
    wb.save(w.path("in.xlsx")).unwrap();
    let r = w.run(&["analyze", "--encoder", "none", "in.xlsx", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(
        s["input"]["format"]["sheet"], "Responses",
        "the empty cover sheet is skipped"
    );
    assert_eq!(s["counts"]["tagged"], 2);
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!(rej[0][1], "4", "sheet row number");
    let (_, rows) = w.csv("out/tagged.csv");
    assert_eq!(rows[0][1], "9", "whole numbers are not written as 9.0");
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.xlsx",
        "--out",
        "out2",
        "--sheet",
        "Nope",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no sheet named 'Nope'") && r.stderr.contains("Cover, Responses"),
        "{}",
        r.stderr
    );
}

#[test]
fn taxonomy_errors_name_theme_and_field() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,x\n");
    w.write("tax.toml", "schema = 1\n[[theme]]\nid = \"wait\"\nname = \"Wait\"\ngroup = \"process\"\n[theme.patterns]\nen = [\"ok\", \"* *\"]\n");
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--taxonomy",
        "tax.toml",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("theme 'wait': patterns.en[1] '* *'"),
        "{}",
        r.stderr
    );
    let r = w.run(&["check-taxonomy", "tax.toml"]);
    assert_eq!(r.code, 2);
}

#[test]
fn bad_paths_fail_fast_with_the_flag_named() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,x\n");
    w.write("afile", "x");
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "afile"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--out afile"), "{}", r.stderr);
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "missing.csv",
        "--out",
        "out",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.csv"), "{}", r.stderr);
    let r = w.run(&["analyze"]);
    assert_eq!(r.code, 2, "usage error");
}

#[test]
fn empty_and_header_only_files() {
    let w = Workdir::new();
    w.write("empty.csv", "");
    let r = w.run(&["analyze", "--encoder", "none", "empty.csv", "--out", "out"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("empty.csv: the file is empty"),
        "{}",
        r.stderr
    );
    w.write("header.csv", "score,comment\n");
    let r = w.run(&["analyze", "--encoder", "none", "header.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.summary("out")["counts"]["rows_in"], 0);
    assert!(w.read("out/report.md").contains("no responses"));
}

/// Agent and company scores, the driver model, segment comparison and the score/text mismatch
/// flag, through the binary.
#[test]
fn agent_score_driver_model_and_mismatch_reach_every_output() {
    let w = Workdir::new();
    let mut csv = String::from("id,Team,NPS Score,Agent score,Comment\n");
    for i in 0..40 {
        // Team A: long waits, detractors; the agent is rated well all the same.
        let (team, score, agent, text) = if i % 2 == 0 {
            (
                "A",
                2 + i % 3,
                10,
                "I waited on hold for an hour before anyone answered",
            )
        } else {
            ("B", 9 + i % 2, 9, "Quick answer and the problem was solved")
        };
        csv.push_str(&format!("{i},{team},{score},{agent},{text}\n"));
    }
    // A reversed scale: top praise with a 0.
    csv.push_str("40,B,0,10,\"Excellent service, thank you so much, wonderful!\"\n");
    w.write("agents.csv", &csv);
    let r = w.run(&[
        "analyze",
        "agents.csv",
        "--out",
        "out",
        "--encoder",
        "none",
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let (header, rows) = w.csv("out/tagged.csv");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let flagged: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| !r[col("mismatch")].is_empty())
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0][col("id")], "40");
    assert_eq!(flagged[0][col("mismatch")], "praise_low_score");
    assert!(flagged[0][col("mismatch_reason")].starts_with("score 0 with a positive comment"));

    let s: serde_json::Value = serde_json::from_str(&w.read("out/summary.json")).unwrap();
    let st = &s["statistics"];
    assert_eq!(st["mismatches"]["praise_low_score"], 1);
    assert_eq!(st["mismatch_examples"][0]["id"], "40");
    // Agent NPS: 21 of 41 rows are 10s, 20 are 9s: +100; company NPS on the same rows:
    // 20 promoters, 21 detractors of 41.
    assert_eq!(st["agent"]["nps"], 100.0);
    let paired = st["agent_paired_company"]["nps"].as_f64().unwrap();
    assert!(
        (paired - 100.0 * (20.0 - 21.0) / 41.0).abs() < 1e-9,
        "{paired}"
    );
    let team_a = st["segments"]["Team"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "A")
        .unwrap();
    assert_eq!(team_a["nps"]["nps"], -100.0);
    assert_eq!(team_a["agent_gap_points"], 200.0);
    assert_eq!(team_a["significant"], true, "{team_a}");
    // The driver model puts wait time first, distinguishable from noise, and it moves the
    // company score but not the agent score.
    let model = &st["drivers"];
    let wait = model["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "wait_time")
        .unwrap();
    assert!(wait["impact_points"].as_f64().unwrap() < -20.0, "{wait}");
    assert_eq!(wait["distinguishable"], true);
    let agent_wait = st["agent_drivers"]["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "wait_time")
        .unwrap();
    assert!(
        agent_wait["impact_points"].as_f64().unwrap().abs() < 5.0,
        "{agent_wait}"
    );

    let md = w.read("out/report.md");
    for section in [
        "## Driver model",
        "## Agent score versus company score",
        "## Score and text disagree",
        "| Agent NPS | Gap (pts) |",
    ] {
        assert!(md.contains(section), "missing {section}");
    }
    let html = w.read("out/report.html");
    for part in [
        r#"id="driver-model""#,
        "<th>Impact on agent NPS (pts)</th>",
        "<th>Agent NPS</th><th>Gap (pts)</th>",
        r#"id="mismatch-list""#,
        "Excellent service, thank you so much, wonderful!",
    ] {
        assert!(html.contains(part), "report.html lacks {part}");
    }
    // The wait-time bar carries its bootstrap interval as a whisker.
    let wait_ci = format!(
        "{:.1} to {:.1}",
        wait["ci95_low"].as_f64().unwrap(),
        wait["ci95_high"].as_f64().unwrap()
    );
    assert!(
        html.contains(&wait_ci),
        "no interval {wait_ci} in report.html"
    );
}

/// A scheduler reads the exit code: a run that finished and wrote every output is a success
/// even with rejected rows (counted in summary.json and the closing line); `--strict` makes
/// them exit 1, still with every output written.
#[test]
fn rejected_rows_exit_0_by_default_and_1_with_strict() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,score,comment\n1,9,great\n2,N/A,no score\n3,2,rude\n",
    );
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("3 rows in, 2 tagged, 1 rejected"),
        "{}",
        r.stdout
    );
    assert_eq!(w.summary("out")["counts"]["rejected"], 1);

    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "strict",
        "--strict",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(w.summary("strict")["counts"]["rejected"], 1);
    assert!(w.path("strict/report.html").is_file() && w.path("strict/rejected.csv").is_file());

    w.write("clean.csv", "id,score,comment\n1,9,great\n2,3,rude\n");
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "clean.csv",
        "--out",
        "c",
        "--strict",
    ]);
    assert_eq!(r.code, 0, "nothing rejected: {}", r.stderr);
}

#[test]
fn help_documents_the_exit_codes() {
    let w = Workdir::new();
    let r = w.run(&["analyze", "--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--strict"), "{}", r.stdout);
    assert!(r.stdout.contains("Exit codes: 0"), "{}", r.stdout);
}

/// The headline names only significant damaging themes, in the report's one ranking, with a
/// masked and escaped verbatim; the closing line names the same themes in the same order.
#[test]
fn headline_names_only_significant_damaging_themes() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let w = Workdir::new();
    let mut csv = String::from("id,date,score,comment\n");
    let mut id = 0;
    let mut row = |csv: &mut String, date: &str, score: u8, text: &str| {
        id += 1;
        csv.push_str(&format!("{id},{date},{score},\"{text}\"\n"));
    };
    // Wait time: 40 detractors, clearly significant and damaging.
    for _ in 0..40 {
        row(
            &mut csv,
            "2026-11-02",
            1,
            "Terrible, on hold for 40 minutes <script>alert(1)</script> mail jo.bloggs@example.com",
        );
    }
    // Billing: 34 mentions, about as many promoters as detractors: a small negative impact,
    // nowhere near significant.
    for i in 0..34 {
        let score = if i < 18 { 2 } else { 10 };
        row(&mut csv, "2026-11-05", score, "About the bill");
    }
    // No theme: promoters.
    for _ in 0..40 {
        row(&mut csv, "2026-11-08", 10, "Excellent people");
    }
    w.write("export.csv", &csv);
    let taxonomy = format!("{fixtures}/mini_taxonomy.toml");
    let lexicon = format!("{fixtures}/mini_sentiment.toml");
    let r = w.run(&[
        "analyze",
        "export.csv",
        "--out",
        "out",
        "--encoder",
        "none",
        "--taxonomy",
        &taxonomy,
        "--sentiment-lexicon",
        &lexicon,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let summary: serde_json::Value = serde_json::from_str(&w.read("out/summary.json")).unwrap();
    let theme = |id: &str| {
        summary["statistics"]["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone()
    };
    let (wait, billing) = (theme("wait_time"), theme("billing"));
    assert_eq!(wait["significant"], true, "{wait}");
    assert_eq!(billing["significant"], false, "{billing}");
    assert!(
        billing["impact_points"].as_f64().unwrap() < 0.0,
        "{billing}"
    );
    assert!(billing["caution"].is_null(), "{billing}");

    let md = w.read("out/report.md");
    let causes = md
        .lines()
        .find(|l| l.contains("causes of detractors"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(causes.contains("Wait time"), "{causes}");
    assert!(!causes.contains("Billing"), "{causes}");
    assert!(!causes.contains("wait_time"), "names, never ids: {causes}");
    assert!(!causes.contains("jo.bloggs"), "masked: {causes}");
    assert!(!causes.contains("<script>"), "escaped: {causes}");
    assert!(md.contains("- Period: 2026-11-02 to 2026-11-08."), "{md}");
    // Fingerprints in the footer, not at the top.
    let sha_at = md.find("sha256").unwrap();
    assert!(sha_at > md.find("## Data quality").unwrap(), "{md}");

    let html = w.read("out/report.html");
    let start = html.find("<p id=\"causes\">").unwrap();
    let para = &html[start..start + html[start..].find("</p>").unwrap()];
    assert!(para.contains("Wait time"), "{para}");
    assert!(!para.contains("Billing"), "{para}");
    assert!(!para.contains("jo.bloggs"), "masked: {para}");
    assert!(!para.contains("<script>"), "escaped: {para}");
    assert!(para.contains("&lt;script&gt;"), "escaped: {para}");
    assert!(html.find("sha256 ").unwrap() > html.find("id=\"data-quality\"").unwrap());

    // The closing line agrees with report.md's ranking: the first ranked damaging,
    // significant row of "What drives detractors" is the first theme the line names.
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("Top themes by impact"))
        .unwrap();
    assert!(line.contains("Top themes by impact: Wait time -"), "{line}");
    assert!(!line.contains("Billing"), "{line}");
    let table_first = md
        .lines()
        .skip_while(|l| !l.starts_with("| Theme | Group | Mentions | Share"))
        .nth(2)
        .unwrap();
    assert!(table_first.starts_with("| Wait time |"), "{table_first}");
}

/// With no significant theme, the headline and the closing line say that none stands out.
#[test]
fn headline_says_no_theme_stands_out_when_none_is_significant() {
    let w = Workdir::new();
    let mut csv = String::from("id,score,comment\n");
    for i in 0..12 {
        let score = if i % 2 == 0 { 2 } else { 10 };
        csv.push_str(&format!("{i},{score},I waited on hold\n"));
    }
    w.write("export.csv", &csv);
    let r = w.run(&["analyze", "export.csv", "--out", "out", "--encoder", "none"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Top themes by impact: none distinguishable from noise."),
        "{}",
        r.stdout
    );
    assert!(w
        .read("out/report.md")
        .contains("no theme stands out from noise"));
    assert!(w
        .read("out/report.html")
        .contains("no theme stands out from noise"));
}
