//! Export shapes of the survey platforms, written by each test: title rows above the header,
//! Qualtrics' three header rows, SurveyMonkey's two, CRLF line ends, `--header-row`, and the
//! note when no segment column is recognised.

mod common;

use common::Workdir;

fn analyze(w: &Workdir, input: &str, out: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["analyze", "--encoder", "none", input, "--out", out];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn title_rows_above_the_header_are_skipped_and_lines_stay_right() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "NPS export, week 47\n\
         Exported on 2026-11-23;;;\n\
         \n\
         id;team;score;comment\n\
         1;Billing;9;great service\n\
         2;Tech;N/A;no score\n\
         3;Billing;2;on hold for an hour\n",
    );
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["input"]["format"]["delimiter"], ";");
    assert_eq!(s["input"]["format"]["header_line"], 4);
    assert_eq!(s["input"]["headers"][3], "comment");
    assert_eq!(s["counts"]["rows_in"], 3);
    assert_eq!(s["counts"]["tagged"], 2);
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!(rej.len(), 1);
    assert_eq!((rej[0][0].as_str(), rej[0][1].as_str()), ("2", "6"));
    assert!(rej[0][4].contains("row 2 (line 6)"), "{}", rej[0][4]);
    assert!(r.stdout.contains("Header on line 4."), "{}", r.stdout);
}

/// Regression: in a CRLF file every record was reported one line too low.
#[test]
fn crlf_line_numbers_match_the_editor() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,score,comment\r\n1,9,great\r\n2,\"nine\",\"two\r\nlines\"\r\n\r\n3,x,bad\r\n",
    );
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, rej) = w.csv("out/rejected.csv");
    let lines: Vec<(&str, &str)> = rej.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(lines, [("2", "3"), ("3", "6")]);
    assert!(rej[1][4].contains("row 3 (line 6)"), "{}", rej[1][4]);
}

const QUALTRICS: &str = "StartDate,EndDate,Status,Progress,Finished,ResponseId,DistributionChannel,UserLanguage,Q1,Q2,Q3\r\n\
Start Date,End Date,Response Type,Progress,Finished,Response ID,Distribution Channel,User Language,\"How likely are you to recommend us to a friend or colleague?\",What is the main reason for your score?,Which team helped you?\r\n\
\"{\"\"ImportId\"\":\"\"startDate\"\"}\",\"{\"\"ImportId\"\":\"\"endDate\"\"}\",\"{\"\"ImportId\"\":\"\"status\"\"}\",\"{\"\"ImportId\"\":\"\"progress\"\"}\",\"{\"\"ImportId\"\":\"\"finished\"\"}\",\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"distributionChannel\"\"}\",\"{\"\"ImportId\"\":\"\"userLanguage\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\",\"{\"\"ImportId\"\":\"\"QID2_TEXT\"\"}\",\"{\"\"ImportId\"\":\"\"QID3\"\"}\"\r\n\
2026-11-16 09:00:00,2026-11-16 09:02:00,IP Address,100,True,R_1,anonymous,EN,9,Quick and friendly,Billing\r\n\
2026-11-16 10:00:00,2026-11-16 10:05:00,IP Address,100,True,R_2,anonymous,EN,2,On hold for 40 minutes,Tech\r\n\
2026-11-17 11:00:00,2026-11-17 11:01:00,IP Address,100,True,R_3,anonymous,EN,11,typo,Billing\r\n";

#[test]
fn qualtrics_three_header_rows_are_read_as_header_not_rejected() {
    let w = Workdir::new();
    w.write("in.csv", QUALTRICS);
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let f = &s["input"]["format"];
    assert_eq!(
        (&f["header_line"], &f["extra_header_rows"], &f["platform"]),
        (
            &serde_json::json!(1),
            &serde_json::json!(2),
            &serde_json::json!("qualtrics")
        )
    );
    // The ids say nothing; the question texts under them name the score and the comment.
    let cols = &s["input"]["columns"];
    assert_eq!(cols["score"], "Q1");
    assert_eq!(cols["text"], "Q2");
    assert_eq!(cols["id"], "ResponseId");
    assert_eq!(cols["team"], "Q3");
    assert!(cols.get("channel").is_none(), "{cols}");
    assert_eq!(
        s["counts"]["rows_in"], 3,
        "the header rows are not responses"
    );
    assert_eq!(s["counts"]["tagged"], 2);
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!(rej.len(), 1, "{rej:?}");
    assert_eq!(rej[0][3], "score_out_of_range");
    assert_eq!((rej[0][0].as_str(), rej[0][1].as_str()), ("3", "6"));
    assert!(
        r.stdout
            .contains("2 header row(s) under it skipped, qualtrics export"),
        "{}",
        r.stdout
    );
}

#[test]
fn surveymonkey_two_header_rows() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "Respondent ID,Collector ID,Start Date,How likely is it that you would recommend us to a friend?,What is the main reason for your score?,Which channel did you use?,\n\
         ,,,Response,Open-Ended Response,Response,Other (please specify)\n\
         1001,77,11/16/2026,10,Friendly agent,phone,\n\
         1002,77,11/16/2026,3,Transferred four times,chat,\n",
    );
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["input"]["format"]["platform"], "surveymonkey");
    assert_eq!(s["input"]["headers"][6], "Other (please specify)");
    assert_eq!(
        s["input"]["columns"]["score"],
        "How likely is it that you would recommend us to a friend?"
    );
    assert_eq!(s["counts"]["rows_in"], 2);
    assert_eq!(s["counts"]["rejected"], 0);
}

#[test]
fn xlsx_title_rows_and_qualtrics_header_rows() {
    use rust_xlsxwriter::Workbook;
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "Customer survey - November").unwrap();
    let rows: [[&str; 3]; 3] = [
        ["ResponseId", "Q1", "Q2"],
        [
            "Response ID",
            "How likely are you to recommend us?",
            "Why did you give this score?",
        ],
        [
            "{\"ImportId\":\"_recordId\"}",
            "{\"ImportId\":\"QID1\"}",
            "{\"ImportId\":\"QID2_TEXT\"}",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            s.write_string(r as u32 + 2, c as u16, *v).unwrap();
        }
    }
    for (r, (id, score, text)) in [
        ("R_1", "9", "great"),
        ("R_2", "nope", "x"),
        ("R_3", "4", "slow"),
    ]
    .iter()
    .enumerate()
    {
        s.write_string(r as u32 + 5, 0, *id).unwrap();
        s.write_string(r as u32 + 5, 1, *score).unwrap();
        s.write_string(r as u32 + 5, 2, *text).unwrap();
    }
    wb.save(w.path("in.xlsx")).unwrap();
    let r = analyze(&w, "in.xlsx", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["input"]["format"]["header_line"], 3);
    assert_eq!(s["input"]["columns"]["score"], "Q1");
    assert_eq!(s["counts"]["rows_in"], 3);
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!((rej[0][0].as_str(), rej[0][1].as_str()), ("2", "7"));
    assert!(r.stdout.contains("Read sheet 'Sheet1'."), "{}", r.stdout);
}

#[test]
fn header_row_flag_settles_what_detection_cannot() {
    let w = Workdir::new();
    // Two rows that both look like a header: detection takes the first one it recognises.
    w.write(
        "in.csv",
        "score,comment,team\nscore,comment,queue\n9,great,A\n3,slow,B\n",
    );
    let r = analyze(&w, "in.csv", "out", &["--header-row", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["input"]["format"]["header_line"], 2);
    assert_eq!(s["input"]["headers"][2], "queue");
    assert_eq!(s["counts"]["rows_in"], 2);
    let r = analyze(&w, "in.csv", "bad", &["--header-row", "40"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--header-row 40") && r.stderr.contains("1, 2, 3, 4"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_segment_column_names_the_headers_that_could_serve() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,score,comment,Skill,Handle seconds\n1,9,great,Billing,340\n2,3,slow,Billing,512\n3,7,ok,Tech,120\n",
    );
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no segment column (agent, team, channel, site, queue, region) was recognised; 'Skill' could serve: compare them with --segment-columns Skill"),
        "{}",
        r.stderr
    );
    assert_eq!(w.summary("out")["input"]["segment_candidates"][0], "Skill");
    // Named, the warning goes.
    let r = analyze(&w, "in.csv", "named", &["--segment-columns", "Skill"]);
    assert!(!r.stderr.contains("segment column"), "{}", r.stderr);
}

/// A record of empty fields is skipped but keeps its record number, as before the header
/// detection read the first rows ahead.
#[test]
fn empty_records_keep_their_row_numbers() {
    let w = Workdir::new();
    w.write("in.csv", "id,score,comment\n1,9,a\n,,\n2,x,b\n");
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, rej) = w.csv("out/rejected.csv");
    assert_eq!((rej[0][0].as_str(), rej[0][1].as_str()), ("3", "4"));
    assert_eq!(w.summary("out")["counts"]["rows_in"], 2);
}
