//! The history folder and the trend through the real binary (`analyze --history`), on four
//! weekly exports whose NPS is worked out by hand. The mini taxonomy tags "wait" as wait_time
//! and "friendly" as agent_attitude; "hello there" has no theme.
//!
//! Weeks (ISO, Monday to Sunday), ten responses each:
//! - 2026-W44 (2026-10-26 to 11-01): 5 promoters, 3 passives, 2 detractors: NPS +30
//! - 2026-W45 (11-02 to 11-08): 4 / 2 / 4: NPS 0
//! - 2026-W46 (11-09 to 11-15): 2 / 2 / 6: NPS -40; its corrected export 3 / 1 / 6: NPS -30
//! - 2026-W47 (11-16 to 11-22): 6 / 4 / 0: NPS +60
//!
//! Promoters say "friendly people", passives "hello there", detractors "I had to wait".

mod common;

use common::Workdir;
use serde_json::Value;

fn analyze(w: &Workdir, input: &str, out: &str, extra: &[&str]) -> common::Run {
    w.analyze_mini(input, out, extra)
}

/// Rows of one week: (promoters, passives, detractors) spread over two of its days.
fn week_rows(days: [&str; 2], p: usize, pa: usize, d: usize) -> Vec<(String, u8, &'static str)> {
    let mut rows = Vec::new();
    for i in 0..p {
        rows.push((days[i % 2].to_string(), 10, "friendly people"));
    }
    for i in 0..pa {
        rows.push((days[i % 2].to_string(), 8, "hello there"));
    }
    for i in 0..d {
        rows.push((days[i % 2].to_string(), 0, "I had to wait"));
    }
    rows
}

fn export(rows: &[(String, u8, &str)]) -> String {
    let mut s = String::from("id,Date,Score,Comment\n");
    for (i, (date, score, comment)) in rows.iter().enumerate() {
        s.push_str(&format!("{},{date},{score},{comment}\n", i + 1));
    }
    s
}

const W44: [&str; 2] = ["2026-10-26", "2026-11-01"];
const W45: [&str; 2] = ["2026-11-02", "2026-11-04"];
const W46: [&str; 2] = ["2026-11-10", "2026-11-15"];
const W47: [&str; 2] = ["2026-11-16", "2026-11-20"];

fn write_weeks(w: &Workdir) {
    w.write("w44.csv", export(&week_rows(W44, 5, 3, 2)));
    w.write("w45.csv", export(&week_rows(W45, 4, 2, 4)));
    w.write("w46.csv", export(&week_rows(W46, 2, 2, 6)));
    w.write("w47.csv", export(&week_rows(W47, 6, 4, 0)));
}

fn summary(w: &Workdir, out: &str) -> Value {
    serde_json::from_str(&w.read(&format!("{out}/summary.json"))).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The history folder's file names, sorted.
fn entries(w: &Workdir) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(w.path("history"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// (period key, NPS) of the trend, in its order.
fn trend_nps(s: &Value) -> Vec<(String, f64)> {
    s["trend"]["periods"]
        .as_array()
        .unwrap_or_else(|| panic!("no trend: {s}"))
        .iter()
        .map(|p| {
            (
                p["period"]["key"].as_str().unwrap().to_string(),
                f(&p["nps"]["nps"]),
            )
        })
        .collect()
}

#[test]
fn four_weeks_run_out_of_order_give_the_trend_in_date_order_and_the_runs_own_week_as_headline() {
    let w = Workdir::new();
    write_weeks(&w);
    let hist = ["--history", "history"];
    // The first week alone: an entry, no trend yet (one period).
    let r = analyze(&w, "w44.csv", "out", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(entries(&w), ["2026-W44.json"]);
    assert!(summary(&w, "out").get("trend").is_none());
    assert!(!w.read("out/report.md").contains("## Trend"));
    let e: Value = serde_json::from_str(&w.read("history/2026-W44.json")).unwrap();
    assert_eq!(e["schema_version"], 1);
    assert_eq!(e["period"]["key"], "2026-W44");
    assert_eq!(e["period"]["from"], "2026-10-26");
    assert_eq!(e["period"]["to"], "2026-11-01");
    assert_eq!(e["n"], 10);
    assert_eq!(
        (
            &e["nps"]["promoters"],
            &e["nps"]["passives"],
            &e["nps"]["detractors"]
        ),
        (&Value::from(5), &Value::from(3), &Value::from(2))
    );
    assert!(close(f(&e["nps"]["nps"]), 30.0));
    assert!(f(&e["nps"]["ci95_low"]) < 30.0 && f(&e["nps"]["ci95_high"]) > 30.0);
    assert_eq!(e["comments"], 10);
    assert_eq!(e["themes"]["wait_time"]["mentions"], 2);
    assert!(close(f(&e["themes"]["wait_time"]["share"]), 0.2));
    assert!(close(f(&e["themes"]["agent_attitude"]["share"]), 0.5));
    assert_eq!(e["input_file"], "w44.csv");
    assert_eq!(
        e["taxonomy_sha256"],
        summary(&w, "out")["fingerprint"]["taxonomy_sha256"]
    );
    assert_eq!(e["tool_version"], env!("CARGO_PKG_VERSION"));

    let r = analyze(&w, "w45.csv", "out", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Week 4 before week 3: the previous period in the history is week 2, and the report says
    // that the week just before is missing.
    let r = analyze(&w, "w47.csv", "out", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&w, "out");
    let h = &s["trend"]["headline"];
    assert_eq!(h["period"]["key"], "2026-W47");
    assert_eq!(h["previous"]["key"], "2026-W45");
    assert!(close(f(&h["previous_change"]["difference"]), 60.0));
    let missing = h["previous_missing"].as_str().unwrap();
    assert!(
        missing.contains("2026-11-09 to 2026-11-15") && missing.contains("2026-W45"),
        "{missing}"
    );
    // Running average of the earlier periods shown: (30 + 0) / 2 = 15; 60 - 15 = +45.
    assert!(close(f(&h["average_nps"]), 15.0));
    assert!(close(f(&h["average_difference"]), 45.0));
    assert_eq!(h["average_periods"], 2);

    // Week 3 late: it is this run's headline; week 4 is listed as later and stays in the trend.
    let r = analyze(&w, "w46.csv", "out", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&w, "out");
    let h = &s["trend"]["headline"];
    assert_eq!(h["period"]["key"], "2026-W46");
    assert_eq!(h["previous"]["key"], "2026-W45");
    assert!(h["previous_missing"].is_null(), "{h}");
    assert!(close(f(&h["previous_change"]["difference"]), -40.0));
    assert_eq!(h["later"], serde_json::json!(["2026-W47"]));
    assert!(close(f(&h["average_difference"]), -55.0));

    // The corrected week 3 export (one passive became a promoter) replaces its entry.
    w.write("w46.csv", export(&week_rows(W46, 3, 1, 6)));
    let r = analyze(&w, "w46.csv", "out", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        entries(&w),
        [
            "2026-W44.json",
            "2026-W45.json",
            "2026-W46.json",
            "2026-W47.json"
        ],
        "a rerun replaces its period's entry"
    );
    let s = summary(&w, "out");
    let t = &s["trend"];
    assert_eq!(t["periods_in_history"], 4);
    assert_eq!(
        trend_nps(&s),
        [
            ("2026-W44".to_string(), 30.0),
            ("2026-W45".to_string(), 0.0),
            ("2026-W46".to_string(), -30.0),
            ("2026-W47".to_string(), 60.0)
        ]
    );
    let h = &t["headline"];
    assert_eq!(h["period"]["key"], "2026-W46");
    assert!(close(f(&h["nps"]["nps"]), -30.0));
    assert!(close(f(&h["previous_change"]["difference"]), -30.0));
    assert!(close(f(&h["average_difference"]), -45.0));
    // Only the latest run's period is marked as this run's.
    let this_run: Vec<bool> = t["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["this_run"].as_bool().unwrap())
        .collect();
    assert_eq!(this_run, [false, false, true, false]);
    // Top themes by mentions over the four weeks: agent_attitude 5+4+3+6 = 18, wait_time
    // 2+4+6+0 = 12. Week 4's wait_time share is 0 of 10 comments.
    assert_eq!(t["themes"][0]["id"], "agent_attitude");
    assert_eq!(t["themes"][1]["id"], "wait_time");
    assert!(close(f(&t["periods"][3]["theme_shares"][1]), 0.0));
    assert!(close(f(&t["periods"][2]["theme_shares"][1]), 0.6));

    // The reports: headline and the Trend section with the weeks in date order.
    let md = w.read("out/report.md");
    assert!(
        md.contains("- This week, 2026-W46 (2026-11-09 to 2026-11-15): NPS -30.0, n = 10; -30.0 points since 2026-W45"),
        "{md}"
    );
    assert!(
        md.contains(
            "-45.0 points against the running average of the 2 earlier periods shown (+15.0)"
        ),
        "{md}"
    );
    assert!(md.contains("later period (2026-W47)"), "{md}");
    let trend = &md[md.find("## Trend").expect("a Trend section")..];
    let pos: Vec<usize> = [
        "| 2026-W44 (small n) | 2026-10-26 to 2026-11-01 | 10 | +30.0 (",
        "| 2026-W45 (small n) | 2026-11-02 to 2026-11-08 | 10 | 0.0 (",
        "| 2026-W46 (this week) (small n) | 2026-11-09 to 2026-11-15 | 10 | -30.0 (",
        "| 2026-W47 (small n) | 2026-11-16 to 2026-11-22 | 10 | +60.0 (",
    ]
    .iter()
    .map(|k| trend.find(k).unwrap_or_else(|| panic!("{k} in {trend}")))
    .collect();
    assert!(pos.windows(2).all(|p| p[0] < p[1]), "{pos:?}");
    let html = w.read("out/report.html");
    assert!(html.contains(r#"<section id="trend">"#));
    assert!(html.contains(r#"id="trend-nps""#), "an NPS chart");
    assert!(html.contains(r#"id="trend-table""#), "a text table");
    assert!(html.contains(r#"<p id="this-week">This week, 2026-W46"#));
}

#[test]
fn by_week_on_one_four_week_export_fills_four_entries() {
    let w = Workdir::new();
    let mut rows = week_rows(W47, 6, 4, 0);
    rows.extend(week_rows(W44, 5, 3, 2));
    rows.extend(week_rows(W46, 2, 2, 6));
    rows.extend(week_rows(W45, 4, 2, 4));
    w.write("all.csv", export(&rows));
    let r = analyze(&w, "all.csv", "out", &["--by-week", "--history", "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        entries(&w),
        [
            "2026-W44.json",
            "2026-W45.json",
            "2026-W46.json",
            "2026-W47.json"
        ]
    );
    let s = summary(&w, "out");
    assert_eq!(
        trend_nps(&s),
        [
            ("2026-W44".to_string(), 30.0),
            ("2026-W45".to_string(), 0.0),
            ("2026-W46".to_string(), -40.0),
            ("2026-W47".to_string(), 60.0)
        ]
    );
    let h = &s["trend"]["headline"];
    assert_eq!(h["period"]["key"], "2026-W47", "the run's latest week");
    assert!(close(f(&h["previous_change"]["difference"]), 100.0));
    // (30 + 0 - 40) / 3 = -10/3; 60 - (-10/3) = 190/3.
    assert!(close(f(&h["average_nps"]), -10.0 / 3.0));
    assert!(close(f(&h["average_difference"]), 190.0 / 3.0));

    // Rerun: still four entries. Without --by-week the whole export is one period, keyed by
    // its dates.
    let r = analyze(&w, "all.csv", "out", &["--by-week", "--history", "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(entries(&w).len(), 4);
    let r = analyze(&w, "all.csv", "out2", &["--history", "h2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.path("h2/2026-10-26_2026-11-20.json").is_file());

    // --history-periods 2: the last two weeks shown, the average over the one before.
    let r = analyze(
        &w,
        "all.csv",
        "out",
        &[
            "--by-week",
            "--history",
            "history",
            "--history-periods",
            "2",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&w, "out");
    assert_eq!(
        trend_nps(&s),
        [
            ("2026-W46".to_string(), -40.0),
            ("2026-W47".to_string(), 60.0)
        ]
    );
    assert_eq!(s["trend"]["periods_in_history"], 4);
    assert!(close(f(&s["trend"]["headline"]["average_nps"]), -40.0));
}

#[test]
fn corrupt_entries_are_skipped_with_a_warning_naming_the_file() {
    let w = Workdir::new();
    write_weeks(&w);
    w.write("history/2026-W43.json", "{ not json");
    w.write("history/notes.txt", "not an entry, ignored");
    let r = analyze(&w, "w45.csv", "out", &["--history", "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // An entry copied under another period's name is not counted twice.
    std::fs::copy(
        w.path("history/2026-W45.json"),
        w.path("history/2026-W40.json"),
    )
    .unwrap();
    let r = analyze(&w, "w44.csv", "out", &["--history", "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning")
            && r.stderr.contains("2026-W43.json")
            && r.stderr.contains("skipped"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("2026-W40.json"), "{}", r.stderr);
    let s = summary(&w, "out");
    assert_eq!(s["trend"]["periods_in_history"], 2, "W44 and W45 only");
    assert_eq!(s["trend"]["headline"]["period"]["key"], "2026-W44");
    assert!(s["trend"]["headline"]["previous"].is_null());
    assert!(
        w.read("out/report.md").contains("2026-W43.json"),
        "the report notes it too"
    );
}

#[test]
fn a_run_without_a_date_column_warns_and_writes_no_history() {
    let w = Workdir::new();
    w.write(
        "nodate.csv",
        "id,Score,Comment\n1,10,friendly people\n2,0,I had to wait\n",
    );
    let r = analyze(&w, "nodate.csv", "out", &["--history", "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("no date column"), "{}", r.stderr);
    assert!(entries(&w).is_empty());
}

#[test]
fn the_history_folder_may_come_from_the_project_file() {
    let w = Workdir::new();
    write_weeks(&w);
    w.write("npsight.toml", "history = \"weeks\"\n");
    let r = analyze(&w, "w44.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.path("weeks/2026-W44.json").is_file());
}

#[test]
fn the_history_is_not_the_output_folder_and_a_failed_run_leaves_it_as_it_was() {
    let w = Workdir::new();
    write_weeks(&w);
    let r = analyze(&w, "w44.csv", "out", &["--history", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--history out"), "{}", r.stderr);
    let r = analyze(&w, "w44.csv", "out", &["--history", "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = w.read("history/2026-W44.json");
    // A usage error (a column that is not there) fails before anything is written.
    w.write("w44.csv", export(&week_rows(W44, 1, 0, 9)));
    let r = analyze(
        &w,
        "w44.csv",
        "out",
        &["--history", "history", "--date-column", "when"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(w.read("history/2026-W44.json"), before);
}

/// The pack of `agent` in `out`'s coaching folder ("agent-anna....md"), or None.
fn pack(w: &Workdir, out: &str, agent: &str) -> Option<String> {
    let prefix = format!("agent-{}", agent.to_lowercase());
    std::fs::read_dir(w.path(&format!("{out}/coaching")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&prefix) && n.ends_with(".md"))
        .map(|n| w.read(&format!("{out}/coaching/{n}")))
}

/// One week's export with an agent column: (agent, score) pairs on the week's first day.
fn agent_export(day: &str, rows: &[(&str, u8)]) -> String {
    let mut s = String::from("id,Date,Agent,Score,Comment\n");
    for (i, (agent, score)) in rows.iter().enumerate() {
        let comment = if *score >= 9 {
            "friendly people"
        } else {
            "I had to wait"
        };
        s.push_str(&format!("{},{day},{agent},{score},{comment}\n", i + 1));
    }
    s
}

#[test]
fn coaching_packs_show_the_units_trend_from_the_history() {
    let w = Workdir::new();
    // W44: Anna 3 promoters and 1 detractor (+50), Ben 1 and 3 (-50).
    w.write(
        "w44.csv",
        agent_export(
            W44[0],
            &[
                ("Anna", 10),
                ("Anna", 9),
                ("Anna", 10),
                ("Anna", 2),
                ("Ben", 10),
                ("Ben", 0),
                ("Ben", 3),
                ("Ben", 1),
            ],
        ),
    );
    // W45: Anna 1 and 3 (-50); Cleo is new (+100); Ben is absent.
    w.write(
        "w45.csv",
        agent_export(
            W45[0],
            &[
                ("Anna", 10),
                ("Anna", 0),
                ("Anna", 4),
                ("Anna", 5),
                ("Cleo", 10),
                ("Cleo", 9),
            ],
        ),
    );
    let hist = ["--history", "history", "--coaching"];
    let r = analyze(&w, "w44.csv", "o44", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The entry stores the packs' units.
    let e: Value = serde_json::from_str(&w.read("history/2026-W44.json")).unwrap();
    assert_eq!(e["units"]["agent"]["Anna"]["promoters"], 3);
    assert_eq!(e["units"]["agent"]["Anna"]["detractors"], 1);
    assert_eq!(e["units"]["agent"]["Ben"]["detractors"], 3);
    // One period in the history: no trend anywhere yet.
    assert!(!pack(&w, "o44", "anna").unwrap().contains("## Trend"));

    let r = analyze(&w, "w45.csv", "o45", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let anna = pack(&w, "o45", "anna").unwrap();
    assert!(anna.contains("## Trend"), "{anna}");
    assert!(
        anna.contains(r"| 2026-W44 \(2026-10-26 to 2026-11-01\) | 4 | +50.0 |"),
        "{anna}"
    );
    assert!(
        anna.contains(r"| 2026-W45 \(2026-11-02 to 2026-11-08\) (this run) | 4 | -50.0 |"),
        "{anna}"
    );
    assert!(
        anna.find("## Trend").unwrap() < anna.find("## Strengths").unwrap(),
        "the trend follows the score"
    );
    // Cleo has one period only: no trend; Ben has no pack this week.
    assert!(!pack(&w, "o45", "cleo").unwrap().contains("## Trend"));
    assert!(pack(&w, "o45", "ben").is_none());
    // summary.json does not carry the units (they stay in the history folder).
    assert!(!w.read("o45/summary.json").contains("\"units\""));

    // A run without --coaching writes its entry without units, and a later pack's trend leaves
    // that period out rather than inventing it.
    w.write(
        "w46.csv",
        agent_export(W46[0], &[("Anna", 10), ("Anna", 10)]),
    );
    let r = analyze(&w, "w46.csv", "o46", &["--history", "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!w.read("history/2026-W46.json").contains("\"units\""));
    w.write("w47.csv", agent_export(W47[0], &[("Anna", 9), ("Anna", 2)]));
    let r = analyze(&w, "w47.csv", "o47", &hist);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let anna = pack(&w, "o47", "anna").unwrap();
    assert!(anna.contains("2026-W44"), "{anna}");
    assert!(anna.contains("2026-W45"), "{anna}");
    assert!(!anna.contains("2026-W46"), "{anna}");
    assert!(anna.contains("(this run) | 2 | 0.0 |"), "{anna}");
}
