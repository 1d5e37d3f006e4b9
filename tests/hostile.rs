//! Regression tests for the second round of hostile testing (issue 17): each test is named
//! after what broke.

mod common;

use common::{assert_spreadsheet_safe, Workdir};

fn analyze(w: &Workdir, input: &str, out: &str, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "analyze",
        "--encoder",
        "none",
        "--quiet",
        input,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn formula_behind_a_separator_is_neutralised_in_every_csv() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,agent,score,comment\n\
         1,=HYPERLINK(\"x\"),9,\"Alles gut;=1+1;\"\n\
         2,Ann,oops;=2+2;,hi\n\
         3,\"Bob;@SUM(1)\",2,\"rude, -cmd|x and ;+3 and\ttab\n=new line\"\n\
         4,Ann,1,\"the agent was rude;=1+1 and slow\"\n",
    );
    let r = analyze(&w, "in.csv", "out", &["--coaching"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut csvs = vec!["out/tagged.csv".to_string(), "out/rejected.csv".to_string()];
    for e in std::fs::read_dir(w.path("out/coaching")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".csv") {
            csvs.push(format!("out/coaching/{name}"));
        }
    }
    assert!(csvs.len() > 3, "{csvs:?}");
    for name in &csvs {
        assert_spreadsheet_safe(name, &w.read(name));
    }
    // The text is still there, only made inert.
    let tagged = w.read("out/tagged.csv");
    assert!(tagged.contains("Alles gut;'=1+1;"), "{tagged}");
    let rejected = w.read("out/rejected.csv");
    assert!(rejected.contains("oops;'=2+2;"), "{rejected}");
    // The evidence column stays valid JSON with the span text unchanged.
    let (h, rows) = w.csv("out/tagged.csv");
    let ev = h.iter().position(|c| c == "theme_evidence").unwrap();
    for row in &rows {
        serde_json::from_str::<serde_json::Value>(&row[ev]).unwrap();
    }
}

/// Every file under `dir`, relative, sorted (hidden ones included).
fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn overlong_agent_name_does_not_break_the_commit_of_coaching_packs() {
    let w = Workdir::new();
    w.write(
        "one.csv",
        "id,agent,score,comment\n1,Ann,2,rude agent\n2,Bob,9,great\n",
    );
    assert_eq!(analyze(&w, "one.csv", "out", &["--coaching"]).code, 0);
    assert!(tree(&w.path("out")).iter().any(|p| p.contains("agent-bob")));
    // 120 Cyrillic letters (240 bytes) and a name of 300 ASCII letters: file names of the
    // packs and of their temporaries stay under the file system's 255-byte limit.
    let long_ru = "Я".repeat(120);
    let long_en = "x".repeat(300);
    w.write(
        "two.csv",
        format!(
            "id,agent,score,comment\n1,{long_ru},2,rude agent\n2,{long_en},9,great\n3,Ann,5,slow\n"
        ),
    );
    let r = analyze(&w, "two.csv", "out", &["--coaching"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let files = tree(&w.path("out"));
    assert!(!files.iter().any(|p| p.contains(".npsight-")), "{files:?}");
    // Bob's packs belonged to the previous run only and are gone; the new agents have theirs.
    assert!(!files.iter().any(|p| p.contains("agent-bob")), "{files:?}");
    assert_eq!(
        files
            .iter()
            .filter(|p| p.starts_with("coaching/agent-"))
            .count(),
        6,
        "{files:?}"
    );
    let index = w.read("out/coaching/index.md");
    assert!(index.contains(&long_en), "{index}");
    let summary = w.summary("out");
    assert_eq!(summary["fingerprint"]["input_file"], "two.csv");
}

#[test]
fn second_run_on_a_locked_out_folder_is_refused_and_leaves_the_others_temporaries() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,great\n");
    std::fs::create_dir(w.path("out")).unwrap();
    // Another run holds the folder and has a temporary in it.
    let lock = npsight::output::atomic::OutputLock::acquire(&w.path("out")).unwrap();
    w.write("out/.npsight-tmp-1-0", "the other run's half-written file");
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("another npsight run") && r.stderr.contains("out"),
        "{}",
        r.stderr
    );
    assert_eq!(tree(&w.path("out")), [".npsight-tmp-1-0"]);
    drop(lock);
    // Once the other run is gone its temporary is stale: the next run removes it.
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!w.path("out/.npsight-tmp-1-0").exists());
}

#[test]
fn input_named_like_an_output_inside_out_is_refused_not_overwritten() {
    let w = Workdir::new();
    let body = "score,comment\n9,great\n2,slow\n";
    w.write("out/tagged.csv", body);
    let r = analyze(&w, "out/tagged.csv", "out", &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("inside --out"), "{}", r.stderr);
    assert_eq!(w.read("out/tagged.csv"), body);
    assert_eq!(tree(&w.path("out")), ["tagged.csv"]);
    // With --coaching, a file in the coaching folder is refused too.
    w.write("out/coaching/team-a.csv", body);
    let r = analyze(&w, "out/coaching/team-a.csv", "out", &["--coaching"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(w.read("out/coaching/team-a.csv"), body);
    // Another name in the folder is fine.
    w.write("out/export.csv", body);
    assert_eq!(analyze(&w, "out/export.csv", "out", &[]).code, 0);
}

fn responses_sheet(s: &mut rust_xlsxwriter::Worksheet) {
    for (c, h) in ["ID", "NPS", "Comment"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    s.write_number(1, 0, 1.0).unwrap();
    s.write_number(1, 1, 9.0).unwrap();
    s.write_string(1, 2, "Quick and friendly").unwrap();
    s.write_number(2, 0, 2.0).unwrap();
    s.write_number(2, 1, 3.0).unwrap();
    s.write_string(2, 2, "On hold for ages").unwrap();
}

#[test]
fn stray_cell_at_the_last_cell_of_a_sheet_does_not_allocate_the_whole_sheet() {
    let w = Workdir::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    responses_sheet(s);
    // XFD1048576, the last cell of a worksheet.
    s.write_string(1_048_575, 16_383, "stray").unwrap();
    wb.save(w.path("in.xlsx")).unwrap();
    assert!(std::fs::metadata(w.path("in.xlsx")).unwrap().len() < 20_000);
    let r = analyze(&w, "in.xlsx", "out", &[]);
    // The stray cell is a row of its own with a field far beyond the header: rejected, visible.
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["counts"]["tagged"], 2);
    assert_eq!(s["counts"]["rejected"], 1);
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!(rej[0][1], "1048576", "sheet row of the stray cell");
    assert_eq!(rej[0][3], "too_many_fields");
}

#[test]
fn hidden_first_worksheet_is_skipped_unless_named() {
    let w = Workdir::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let lookup = wb.add_worksheet();
    lookup.set_name("Lookup").unwrap();
    for (c, h) in ["ID", "NPS", "Comment"].iter().enumerate() {
        lookup.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..20u32 {
        lookup.write_number(r, 0, r as f64).unwrap();
        lookup.write_number(r, 1, 10.0).unwrap();
        lookup.write_string(r, 2, "lookup value").unwrap();
    }
    lookup.set_hidden(true);
    let s = wb.add_worksheet();
    s.set_name("Responses").unwrap();
    responses_sheet(s);
    s.set_active(true);
    wb.save(w.path("in.xlsx")).unwrap();
    let r = analyze(&w, "in.xlsx", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["input"]["format"]["sheet"], "Responses");
    assert_eq!(s["counts"]["tagged"], 2);
    // Named explicitly, the hidden sheet is read.
    let r = analyze(&w, "in.xlsx", "out2", &["--sheet", "Lookup"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.summary("out2")["counts"]["tagged"], 19);
    // Only hidden sheets with data: the message names them and the flag.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let cover = wb.add_worksheet();
    cover.set_name("Cover").unwrap();
    cover.set_active(true);
    let hidden = wb.add_worksheet();
    hidden.set_name("Data").unwrap();
    responses_sheet(hidden);
    hidden.set_hidden(true);
    wb.save(w.path("hidden.xlsx")).unwrap();
    let r = analyze(&w, "hidden.xlsx", "out3", &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--sheet 'Data'"), "{}", r.stderr);
}

#[test]
fn scores_in_other_forms_are_rejected_with_a_reason_not_read_as_a_number() {
    let w = Workdir::new();
    let bad = ["0x9", "1e1", "5 out of 5", "5 stars", "8/10/2026", "1_0"];
    let mut csv = String::from("id,score,comment\n");
    for (i, s) in bad.iter().enumerate() {
        csv.push_str(&format!("{},{s},fine\n", i + 1));
    }
    csv.push_str("100,10 - Extremely likely,fine\n101,8/10,fine\n102,\"9,0\",fine\n");
    w.write("in.csv", csv);
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["counts"]["tagged"], 3);
    assert_eq!(s["counts"]["rejected_by_reason"]["score_not_a_number"], 6);
    let (_, rej) = w.csv("out/rejected.csv");
    for (row, s) in rej.iter().zip(bad) {
        assert!(row[4].contains(&format!("'{s}' is not a score")), "{row:?}");
    }
}

#[test]
fn broken_quote_followed_by_short_rows_does_not_swallow_them_silently() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,score,comment\n1,9,\"great service\n2,3\n3,N/A,\"no score\"\n4,8,ok\n",
    );
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["counts"]["rejected_by_reason"]["unbalanced_quote"], 1);
    assert_eq!(s["counts"]["tagged"], 1);
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!(rej[0][3], "unbalanced_quote");
    assert!(rej[0][4].contains("2 more line(s)"), "{:?}", rej[0]);
    // The swallowed short rows are in the raw record, for the analyst to see.
    assert!(
        rej[0][5].contains("2,3") && rej[0][5].contains("3,N/A"),
        "{:?}",
        rej[0]
    );
    let (h, rows) = w.csv("out/tagged.csv");
    let id = h.iter().position(|c| c == "id").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][id], "4");
}

#[test]
fn correctly_quoted_multiline_comment_with_record_shaped_lines_is_accepted() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,score,comment\n1,9,\"line one\n2,3,fine\n3,4,ok\"\n4,8,\"He said \"\"wait\"\"\n5,6,x\"\n",
    );
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (h, rows) = w.csv("out/tagged.csv");
    let comment = h.iter().position(|c| c == "comment").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][comment], "line one\n2,3,fine\n3,4,ok");
    assert_eq!(rows[1][comment], "He said \"wait\"\n5,6,x");
}

#[test]
fn previous_summary_with_counts_near_two_to_the_64_is_refused_not_wrapped() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,great\n2,slow\n");
    assert_eq!(analyze(&w, "in.csv", "old", &[]).code, 0);
    let mut v = w.summary("old");
    v["comparison_data"]["period"]["counts"]["all"]["promoters"] = serde_json::json!(u64::MAX - 1);
    w.write("old/summary.json", serde_json::to_vec(&v).unwrap());
    let r = analyze(&w, "in.csv", "new", &["--previous", "old"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("comparison_data.period.counts.all.promoters"),
        "{}",
        r.stderr
    );
}

#[test]
fn by_week_does_not_take_the_year_9999_as_the_latest_week() {
    let w = Workdir::new();
    let mut csv = String::from("date,score,comment\n");
    for d in 16..=22 {
        csv.push_str(&format!("2026-11-{d},9,great\n2026-11-{},3,slow\n", d + 7));
    }
    csv.push_str("9999-12-31,5,placeholder date\n");
    w.write("in.csv", csv);
    let r = analyze(&w, "in.csv", "out", &["--by-week"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["counts"]["rejected_by_reason"]["bad_date"], 1);
    let last = &s["comparison_data"]["period"]["last_date"];
    assert_eq!(last, "2026-11-29", "{last}");
}

#[test]
fn nps_interval_of_a_single_promoter_includes_plus_100() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n10,great\n");
    assert_eq!(analyze(&w, "in.csv", "out", &[]).code, 0);
    let s = w.summary("out");
    let nps = &s["statistics"]["overall"];
    assert_eq!(nps["nps"], 100.0, "{nps}");
    assert!(nps["ci95_high"].as_f64().unwrap() >= 100.0, "{nps}");
}

#[test]
fn taxonomy_pattern_of_only_stars_is_rejected_not_matching_every_word() {
    let w = Workdir::new();
    w.write(
        "tax.toml",
        "schema = 1\n[[theme]]\nid = \"everything\"\nname = \"Everything\"\ngroup = \"process\"\n[theme.patterns]\nen = [\"***\"]\n",
    );
    let r = w.run(&["check-taxonomy", "tax.toml"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("patterns.en[0] '***'") && r.stderr.contains("no letters"),
        "{}",
        r.stderr
    );
}

#[test]
fn coaching_file_names_never_collide_across_case_or_hashed_stems() {
    let w = Workdir::new();
    let hashed = npsight::output::filename::sanitize_file_stem("Team A");
    w.write(
        "in.csv",
        format!("team,score,comment\nTeam A,9,great\nteam a,3,slow\n{hashed},7,ok\nTEAM A,5,meh\n"),
    );
    let r = analyze(&w, "in.csv", "out", &["--coaching"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names: Vec<String> = std::fs::read_dir(w.path("out/coaching"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let packs: std::collections::BTreeSet<String> = names
        .iter()
        .filter(|n| n.ends_with(".md") && n.starts_with("team-"))
        .map(|n| n.to_lowercase())
        .collect();
    // Four distinct values, four files, distinct even on a case-insensitive file system.
    assert_eq!(packs.len(), 4, "{names:?}");
}

#[test]
fn ctrl_c_is_not_ignored_by_train_and_eval() {
    use npsight::cli::{on_interrupt, OnInterrupt};
    // train, eval and the other commands have no chunk loop that would see the flag: exit.
    assert_eq!(on_interrupt(false, false), OnInterrupt::Exit);
    // analyze stops at the next chunk boundary, and a second press exits at once.
    assert_eq!(on_interrupt(true, false), OnInterrupt::StopAtChunk);
    assert_eq!(on_interrupt(true, true), OnInterrupt::Exit);
}

#[test]
fn input_file_name_in_report_md_has_no_escape_backslashes() {
    let w = Workdir::new();
    w.write("my_survey_(1).csv", "score,comment\n9,great\n");
    assert_eq!(analyze(&w, "my_survey_(1).csv", "out", &[]).code, 0);
    let md = w.read("out/report.md");
    assert!(md.contains("Input `my_survey_(1).csv`"), "{md}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn fifo_input_is_read_once_not_hashed_first_and_found_empty() {
    let w = Workdir::new();
    let body = "score,comment\n9,great\n2,on hold for ages\n";
    let fifo = w.path("in.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, body).unwrap())
    };
    let r = analyze(&w, "in.csv", "out", &[]);
    writer.join().unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["counts"]["tagged"], 2);
    assert_eq!(
        s["fingerprint"]["input_sha256"],
        sha256_hex(body.as_bytes())
    );
}

#[test]
fn dash_reads_the_export_from_standard_input() {
    let w = Workdir::new();
    let body = "score,comment\n9,great\n2,on hold for ages\n";
    let out = w.run_stdin(
        &["analyze", "--encoder", "none", "-q", "-", "--out", "out"],
        body.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let s = w.summary("out");
    assert_eq!(s["counts"]["tagged"], 2);
    assert_eq!(
        s["fingerprint"]["input_sha256"],
        sha256_hex(body.as_bytes())
    );
}

#[test]
fn utf8_export_that_turns_into_windows_1252_after_the_sample_keeps_its_agents() {
    let w = Workdir::new();
    let mut bytes = b"id,agent,score,comment\n".to_vec();
    let mut row = 0;
    while bytes.len() < 300 * 1024 {
        row += 1;
        bytes.extend(format!("{row},René,9,Très bien merci pour l'aide rapide\n").as_bytes());
    }
    let first_1252 = row + 1;
    for _ in 0..5 {
        row += 1;
        bytes.extend(format!("{row},Ren").as_bytes());
        bytes.extend(b"\xE9,3,Tr\xE8s lent\n");
    }
    w.write("in.csv", &bytes);
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("from row {first_1252}")) && r.stderr.contains("Windows-1252"),
        "{}",
        r.stderr
    );
    let s = w.summary("out");
    let f = &s["input"]["format"]["encoding_fallback"];
    assert_eq!(f["first_row"], first_1252, "{f}");
    assert_eq!(f["rows"], 5, "{f}");
    assert_eq!(f["read_as"], "Windows-1252", "{f}");
    let (h, rows) = w.csv("out/tagged.csv");
    let agent = h.iter().position(|c| c == "agent").unwrap();
    assert!(
        rows.iter().all(|r| r[agent] == "René"),
        "one agent, no mojibake"
    );
    assert!(rows.last().unwrap()[h.iter().position(|c| c == "comment").unwrap()] == "Très lent");
}

#[test]
fn windows_1252_export_that_turns_into_utf8_later_keeps_its_agents() {
    // The reverse of the case above: sniffed as Windows-1252, then rows from a UTF-8 system;
    // read as Windows-1252 throughout they gave a second agent "RenÃ©".
    let w = Workdir::new();
    let mut bytes = b"id,agent,score,comment\n".to_vec();
    let mut row = 0;
    while bytes.len() < 300 * 1024 {
        row += 1;
        bytes.extend(format!("{row},Ren").as_bytes());
        bytes.extend(b"\xE9,9,Tr\xE8s bien merci \x80\n");
    }
    let first_utf8 = row + 1;
    for _ in 0..5 {
        row += 1;
        bytes.extend(format!("{row},René,3,Très lent 50 €\n").as_bytes());
    }
    w.write("in.csv", &bytes);
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("from row {first_utf8}")) && r.stderr.contains("read as UTF-8"),
        "{}",
        r.stderr
    );
    let s = w.summary("out");
    assert_eq!(s["input"]["format"]["encoding"], "windows-1252");
    let f = &s["input"]["format"]["encoding_fallback"];
    assert_eq!(f["first_row"], first_utf8, "{f}");
    assert_eq!(f["rows"], 5, "{f}");
    assert_eq!(f["read_as"], "UTF-8", "{f}");
    let (h, rows) = w.csv("out/tagged.csv");
    let agent = h.iter().position(|c| c == "agent").unwrap();
    assert!(
        rows.iter().all(|r| r[agent] == "René"),
        "one agent, no mojibake"
    );
    let comment = h.iter().position(|c| c == "comment").unwrap();
    assert_eq!(rows.len(), row);
    assert_eq!(rows[0][comment], "Très bien merci €");
    assert_eq!(rows.last().unwrap()[comment], "Très lent 50 €");
    let agents = s["statistics"]["segments"]["agent"].as_array().unwrap();
    assert_eq!(agents.len(), 1, "{agents:?}");
}

#[test]
fn utf16_without_bom_is_read_for_chinese_and_russian_text() {
    let w = Workdir::new();
    let zh = "评分,评论\n9,客服态度很好\n2,等了很久\n";
    let ru = "Оценка;Комментарий\n9;Спасибо за помощь\n2;Долго ждал ответа\n";
    w.write(
        "zh.csv",
        zh.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    w.write(
        "ru.csv",
        ru.encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect::<Vec<u8>>(),
    );
    for (file, enc) in [("zh.csv", "UTF-16LE"), ("ru.csv", "UTF-16BE")] {
        let out = format!("out-{file}");
        let r = analyze(&w, file, &out, &[]);
        assert_eq!(r.code, 0, "{file}: {}", r.stderr);
        let s = w.summary(&out);
        assert_eq!(s["input"]["format"]["encoding"], enc);
        assert_eq!(s["counts"]["tagged"], 2);
    }
}

#[test]
fn utf16_without_bom_with_long_chinese_comments_is_read_not_refused_as_binary() {
    // Comments of hundreds of characters: too few line ends and delimiters for the density
    // rule, so the file was sniffed as Windows-1252 and refused ("does not look like a text
    // export").
    let w = Workdir::new();
    let mut zh = String::from("评分,评论\n");
    for i in 0..40 {
        let score = [9, 2][i % 2];
        zh.push_str(&format!(
            "{score},{}\n",
            "客服态度很好但是等待时间太长了".repeat(30)
        ));
    }
    w.write(
        "zh.csv",
        zh.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    let r = analyze(&w, "zh.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["input"]["format"]["encoding"], "UTF-16LE");
    assert_eq!(s["counts"]["tagged"], 40);
    let (h, rows) = w.csv("out/tagged.csv");
    let comment = h.iter().position(|c| c == "评论").unwrap();
    assert!(rows[0][comment].starts_with("客服态度很好"));
}

#[test]
fn stray_quote_at_the_top_of_a_large_file_does_not_make_it_one_record() {
    let w = Workdir::new();
    let mut csv = String::from("id,score,comment\n1,5,\"stray quote\n");
    let filler = "a".repeat(1000);
    let mut id = 1;
    while csv.len() < (16 << 20) + (256 << 10) {
        id += 1;
        csv.push_str(&format!("{id},7,{filler}\n"));
    }
    for _ in 0..10 {
        id += 1;
        csv.push_str(&format!("{id},9,great\n"));
    }
    w.write("in.csv", &csv);
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["counts"]["rejected_by_reason"]["unbalanced_quote"], 1);
    // Reading went on after the cut: the rows there are tagged, the last one included.
    assert!(
        s["counts"]["tagged"].as_u64().unwrap() >= 10,
        "{}",
        s["counts"]
    );
    let (h, rows) = w.csv("out/tagged.csv");
    let col = h.iter().position(|c| c == "id").unwrap();
    assert_eq!(rows.last().unwrap()[col], id.to_string());
    let (_, rej) = w.csv("out/rejected.csv");
    assert!(rej[0][4].contains("cut at 16 MiB"), "{}", &rej[0][4]);
}

#[test]
fn many_distinct_agents_are_summarised_as_top_values_plus_other() {
    let w = Workdir::new();
    let mut csv = String::from("id,agent,score,comment\n");
    let mut id = 0;
    for _ in 0..5 {
        id += 1;
        csv.push_str(&format!("{id},Ann,2,on hold for ages\n"));
    }
    for a in 0..450 {
        id += 1;
        csv.push_str(&format!("{id},agent {a:04},9,great\n"));
    }
    w.write("in.csv", csv);
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let agents = s["statistics"]["segments"]["agent"].as_array().unwrap();
    assert_eq!(agents.len(), 201, "200 values and one other line");
    assert!(
        agents.iter().any(|a| a["value"] == "Ann"),
        "the largest is kept"
    );
    let other = agents.last().unwrap();
    assert_eq!(other["value"], "(other: 251 values)");
    assert_eq!(other["nps"]["n"], 251);
    // tagged.csv keeps every row's own value.
    let (h, rows) = w.csv("out/tagged.csv");
    let col = h.iter().position(|c| c == "agent").unwrap();
    assert_eq!(rows.len(), 455);
    assert_eq!(rows.last().unwrap()[col], "agent 0449");
    assert!(!w.read("out/report.html").contains("agent 0449"));
}

#[test]
fn five_thousand_agents_stay_bounded_while_streaming_and_in_coaching_packs() {
    // 300,000 agents made the per-agent counts grow with the file (684 MB) and wrote a pack
    // per agent; here 5,000 with the caps set small by the hidden test flags.
    let w = Workdir::new();
    let mut csv = String::from("id,agent,score,comment\n");
    let mut id = 0;
    for _ in 0..5 {
        id += 1;
        csv.push_str(&format!("{id},Ann,2,on hold for ages\n"));
    }
    for a in 0..5000 {
        id += 1;
        csv.push_str(&format!("{id},agent {a:04},9,great\n"));
    }
    w.write("in.csv", csv);
    let r = analyze(
        &w,
        "in.csv",
        "out",
        &["--segment-cap", "1000", "--max-packs", "50", "--coaching"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let agents = s["statistics"]["segments"]["agent"].as_array().unwrap();
    assert_eq!(agents.len(), 201, "200 values and one other line");
    let ann = agents.iter().find(|a| a["value"] == "Ann").unwrap();
    assert_eq!(ann["nps"]["n"], 5, "a tracked value is exact");
    let other = agents.last().unwrap();
    // 800 tracked values beyond the 200 largest, and 4,001 first seen after the 1,000 tracked.
    assert_eq!(other["value"], "(other: 4801 values)");
    assert_eq!(other["nps"]["n"], 5005 - 5 - 199);
    assert_eq!(s["counts"]["tagged"], 5005);
    let (h, rows) = w.csv("out/tagged.csv");
    let col = h.iter().position(|c| c == "agent").unwrap();
    assert_eq!(
        rows.last().unwrap()[col],
        "agent 4999",
        "tagged.csv keeps every value"
    );
    // 50 packs (md and csv) and the index, which says how many agents got none.
    let packs = std::fs::read_dir(w.path("out/coaching")).unwrap().count();
    assert_eq!(packs, 101);
    let index = w.read("out/coaching/index.md");
    assert!(
        index.contains("4951 more agent value(s)")
            && index.contains("only the 50 with most responses"),
        "{index}"
    );
    assert!(
        index.contains("agent Ann"),
        "the largest keeps its pack: {index}"
    );
}

#[test]
fn suggested_theme_terms_do_not_show_parts_of_email_addresses() {
    let w = Workdir::new();
    let mut csv = String::from("id,score,comment\n");
    let parking = [
        "The parking lot at the store was full again",
        "No parking space near the store at all",
        "Parking at the store is impossible on saturdays",
        "Store parking was a nightmare today",
        "Could not find parking near your store",
        "The store parking garage was closed",
        "Parking near the store took twenty minutes",
        "Parking spaces at the store are far too narrow",
    ];
    for (i, c) in parking.iter().enumerate() {
        csv.push_str(&format!(
            "p{i},{},{c} write to zorblatt.quix@zorblatt-mail.com\n",
            i % 4
        ));
    }
    let other = [
        "Lovely sunny garden and the umbrella stand outside",
        "The garden umbrella stand was lovely",
        "Sunny garden terrace, lovely umbrella",
        "Umbrella stand in the garden looked lovely",
        "A lovely garden with an umbrella for the sun",
        "The sunny garden and its umbrella are lovely",
    ];
    for (i, c) in other.iter().enumerate() {
        csv.push_str(&format!("o{i},9,\"{c}\"\n"));
    }
    w.write("in.csv", csv);
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert!(
        !s["discovered_themes"].as_array().unwrap().is_empty(),
        "the parking comments form a suggested theme"
    );
    for out in ["out/summary.json", "out/report.html", "out/report.md"] {
        let text = w.read(out).to_lowercase();
        assert!(
            !text.contains("zorblatt"),
            "{out} shows a part of an e-mail"
        );
        assert!(!text.contains("quix"), "{out} shows a part of an e-mail");
    }
}
