//! Week over week through the real binary: `analyze --previous`, `npsight compare` and
//! `analyze --by-week`, on small exports whose numbers are worked out by hand below. The mini
//! taxonomy tags "wait" as wait_time, "rude"/"friendly" as agent_attitude and "bill" as billing;
//! "hello there" has no theme.

mod common;

use common::Workdir;
use npsight::stats::math::two_sided_p;
use serde_json::Value;

fn analyze(w: &Workdir, input: &str, out: &str, extra: &[&str]) -> common::Run {
    w.analyze_mini(input, out, extra)
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn export(rows: &[(&str, u8, &str)]) -> String {
    let mut s = String::from("id,Date,Score,Comment\n");
    for (i, (date, score, comment)) in rows.iter().enumerate() {
        s.push_str(&format!("{},{date},{score},{comment}\n", i + 1));
    }
    s
}

fn repeat(
    n: usize,
    date: &'static str,
    score: u8,
    comment: &'static str,
) -> Vec<(&'static str, u8, &'static str)> {
    vec![(date, score, comment); n]
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn group<'a>(change: &'a Value, id: &str) -> &'a Value {
    change["attribution"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == id)
        .unwrap_or_else(|| panic!("no group {id}"))
}

/// Old: 4 "wait" detractors, 2 "friendly" promoters, 2 promoters without comment, 2 "hello"
/// passives: NPS 0. New: 2 "wait" detractors, 2 "rude ... wait" detractors (half to each
/// theme), 5 promoters without comment, 1 "hello" passive: NPS +10.
fn two_runs(w: &Workdir) {
    let mut old = repeat(4, "2026-11-09", 0, "I had to wait");
    old.extend(repeat(2, "2026-11-10", 10, "friendly people"));
    old.extend(repeat(2, "2026-11-11", 9, ""));
    old.extend(repeat(2, "2026-11-12", 8, "hello there"));
    let mut new = repeat(2, "2026-11-16", 0, "I had to wait");
    new.extend(repeat(2, "2026-11-17", 0, "rude and I had to wait"));
    new.extend(repeat(5, "2026-11-18", 10, ""));
    new.extend(repeat(1, "2026-11-19", 7, "hello there"));
    w.write("old.csv", export(&old));
    w.write("new.csv", export(&new));
    let r = analyze(w, "old.csv", "old", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn check_change_by_hand(c: &Value) {
    let n = &c["nps"];
    assert!(close(f(&n["before"]["nps"]), 0.0));
    assert!(close(f(&n["after"]["nps"]), 10.0));
    assert!(close(f(&n["difference"]), 10.0));
    // Sample variances: before p=.4 d=.4 -> .8·10/9; after p=.5 d=.4 -> (.9-.01)·10/9.
    // SE = 100·sqrt((.8 + .89)/9) = 100·1.3/3.
    let se = 100.0 * 1.3 / 3.0;
    assert!(close(f(&n["ci95_low"]), 10.0 - 1.959_963_984_540_054 * se));
    assert!(close(f(&n["ci95_high"]), 10.0 + 1.959_963_984_540_054 * se));
    assert!(close(f(&n["p_value"]), two_sided_p(10.0 / se)));
    assert_eq!(n["significant"], false);

    // Shares (weights) before: wait .4 (R -100), agent .2 (+100), no comment .2 (+100),
    // no theme .2 (0). After: wait 2 + 2·½ = .3 (-100), agent 2·½ = .1 (-100),
    // no comment .5 (+100), no theme .1 (0). Midpoint NPS 5.
    // wait:       volume (.3-.4)·(-100 - 5) = +10.5, rate .35·0 = 0
    // agent:      volume (.1-.2)·(0 - 5) = +.5,      rate .15·(-200) = -30
    // no comment: volume (.5-.2)·(100 - 5) = +28.5,  rate 0
    // no theme:   volume (.1-.2)·(0 - 5) = +.5,      rate 0
    for (id, share_b, share_a, vol, rate) in [
        ("wait_time", 0.4, 0.3, 10.5, 0.0),
        ("agent_attitude", 0.2, 0.1, 0.5, -30.0),
        ("(no comment)", 0.2, 0.5, 28.5, 0.0),
        ("(no theme)", 0.2, 0.1, 0.5, 0.0),
    ] {
        let g = group(c, id);
        assert!(close(f(&g["share_before"]), share_b), "{g}");
        assert!(close(f(&g["share_after"]), share_a), "{g}");
        assert!(close(f(&g["volume_effect"]), vol), "{g}");
        assert!(close(f(&g["rate_effect"]), rate), "{g}");
    }
    assert_eq!(
        c["attribution"].as_array().unwrap().len(),
        4,
        "empty groups left out"
    );
    assert!(close(f(&c["attribution_sum"]), 10.0));

    // wait_time: 4 of 8 comments before, 4 of 5 now; expected cells below 5, so Fisher:
    // P(X >= 4) = (C(8,4)·C(5,1) + C(8,5)·C(5,0)) / C(13,5) = (350 + 56) / 1287.
    let wait = c["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "wait_time")
        .unwrap();
    assert_eq!(wait["test"], "fisher");
    assert_eq!(
        (
            wait["mentions_history"].as_u64(),
            wait["mentions_now"].as_u64()
        ),
        (Some(4), Some(4))
    );
    assert!(close(f(&wait["p_rise"]), 406.0 / 1287.0), "{wait}");
    assert_eq!(wait["status"], "steady");
    assert_eq!(c["emerging"], serde_json::json!([]));
}

#[test]
fn previous_run_change_is_computed_and_reported() {
    let w = Workdir::new();
    two_runs(&w);
    let r = analyze(&w, "new.csv", "new", &["--previous", "old"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("new");
    assert_eq!(s["schema_version"], 2);
    check_change_by_hand(&s["change"]);
    assert_eq!(
        s["change"]["before_detail"],
        "old.csv, 2026-11-09 to 2026-11-12, n = 10"
    );
    let data = &s["comparison_data"];
    assert_eq!(data["period"]["first_date"], "2026-11-16");
    assert_eq!(data["period"]["counts"]["all"]["promoters"], 5);
    // wait_time is theme 0: 2 mentioners with one theme, 2 with two.
    assert_eq!(
        data["period"]["counts"]["themes"][0]["by_theme_count"],
        serde_json::json!([
            {"promoters": 0, "passives": 0, "detractors": 2},
            {"promoters": 0, "passives": 0, "detractors": 2}
        ])
    );
    let md = w.read("new/report.md");
    assert!(md.contains("## Change since previous run"), "{md}");
    assert!(md.contains("**NPS 0.0 → +10.0: +10.0 points**"), "{md}");
    assert!(
        md.contains(
            "| Agent attitude | 20.0% | 10.0% | +100.0 | -100.0 | +0.50 | -30.00 | -29.50 |"
        ),
        "{md}"
    );
    // Without --previous there is no change block and no section.
    let s_old = w.summary("old");
    assert!(s_old.get("change").is_none());
    assert!(!w
        .read("old/report.md")
        .contains("Change since previous run"));
}

#[test]
fn compare_subcommand_gives_the_same_numbers() {
    let w = Workdir::new();
    two_runs(&w);
    let r = analyze(&w, "new.csv", "new", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["compare", "old", "new", "--out", "cmp"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("# NPS change between two runs"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("**NPS 0.0 → +10.0: +10.0 points**"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout, w.read("cmp/compare.md"));
    let j: Value = serde_json::from_str(&w.read("cmp/compare.json")).unwrap();
    check_change_by_hand(&j["change"]);
    // Reversed, the change flips sign and the attribution still sums.
    let r = w.run(&["compare", "new", "old"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("**NPS +10.0 → 0.0: -10.0 points**"),
        "{}",
        r.stdout
    );
}

#[test]
fn previous_folder_problems_are_named() {
    let w = Workdir::new();
    two_runs(&w);
    let r = analyze(&w, "new.csv", "new", &["--previous", "nowhere"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("nowhere/summary.json: cannot read the previous run's summary"),
        "{}",
        r.stderr
    );
    assert!(
        !w.path("new/summary.json").exists(),
        "nothing written on a usage error"
    );

    let mut s = w.summary("old");
    s["schema_version"] = 1.into();
    w.write("v1/summary.json", serde_json::to_vec(&s).unwrap());
    let r = w.run(&["compare", "v1", "old"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("v1/summary.json: schema version 1, but comparisons need version 2 or later"),
        "{}",
        r.stderr
    );

    w.write("bad/summary.json", "{ not json");
    let r = w.run(&["compare", "old", "bad"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("bad/summary.json: not a valid npsight summary.json"),
        "{}",
        r.stderr
    );
}

/// Three weeks of 20 answers. W45 and W46: 10 "wait" detractors, 10 "friendly" promoters.
/// W47: 10 "bill" detractors, 10 "friendly" promoters. Every week's NPS is 0. Dates come in
/// several forms; 13/11/2026 makes the slashed dates day-first. One row has an impossible date.
#[test]
fn by_week_splits_the_export_and_finds_emerging_and_quiet_themes() {
    let w = Workdir::new();
    let mut rows = repeat(5, "2026-11-02", 0, "I had to wait");
    rows.extend(repeat(5, "03/11/2026", 0, "I had to wait")); // 3 November, W45
    rows.extend(repeat(10, "2026-11-08T23:59:00Z", 10, "friendly people")); // Sunday, W45
    rows.extend(repeat(10, "13/11/2026", 0, "I had to wait"));
    rows.extend(repeat(10, "09/11/2026 10:00", 10, "friendly people")); // 9 November, W46
    rows.extend(repeat(10, "17.11.2026", 0, "my bill was wrong"));
    rows.extend(repeat(10, "22 Nov 2026", 10, "friendly people"));
    rows.push(("31/02/2026", 9, "friendly people"));
    w.write("weeks.csv", export(&rows));
    let r = analyze(&w, "weeks.csv", "out", &["--by-week"]);
    assert_eq!(
        r.code, 0,
        "one row rejected, the run finished: {}",
        r.stderr
    );
    let (_, rejected) = w.csv("out/rejected.csv");
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0][2], "Date");
    assert_eq!(rejected[0][3], "bad_date");
    assert!(
        rejected[0][4].contains("row 61 (line 62), column 'Date': '31/02/2026' is not a date"),
        "{:?}",
        rejected[0]
    );

    let s = w.summary("out");
    let weeks = &s["weeks"];
    let labels: Vec<&str> = weeks["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["week"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["2026-W45", "2026-W46", "2026-W47"]);
    for wk in weeks["weeks"].as_array().unwrap() {
        assert_eq!(wk["nps"]["n"], 20, "{wk}");
        assert!(close(f(&wk["nps"]["nps"]), 0.0));
    }
    assert_eq!(weeks["weeks"][0]["start"], "2026-11-02");
    assert_eq!(
        weeks["weeks"][2]["theme_mentions"],
        serde_json::json!([["agent_attitude", 10], ["billing", 10]])
    );
    assert_eq!(weeks["date_order"]["order"], "day_first");
    assert_eq!(weeks["date_order"]["assumed"], false);

    let c = &weeks["last_change"];
    assert_eq!(c["before_label"], "2026-W46");
    assert_eq!(c["history_label"], "2026-W45 to 2026-W46");
    assert!(close(f(&c["nps"]["difference"]), 0.0));
    // W46 -> W47: wait (share .5, NPS -100) leaves, billing (share .5, -100) arrives.
    // Midpoint NPS 0: wait volume -.5·(-100 - 0) = +50, billing +.5·(-100) = -50.
    assert!(close(f(&group(c, "wait_time")["volume_effect"]), 50.0));
    assert!(close(f(&group(c, "billing")["volume_effect"]), -50.0));
    assert!(close(f(&group(c, "agent_attitude")["total"]), 0.0));
    assert!(close(f(&c["attribution_sum"]), 0.0));
    // Against the history of W45+W46 (40 comments): billing 0 -> 10 of 20 (expected 3.3 < 5,
    // Fisher: P = C(20,10)/C(60,10)), emerging; wait 20 -> 0 of 20 (z-test:
    // z = -.5 / sqrt(1/3·2/3·(1/40 + 1/20))), quiet.
    let theme = |id: &str| {
        c["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone()
    };
    let billing = theme("billing");
    assert_eq!(billing["test"], "fisher");
    assert!(
        (f(&billing["p_rise"]) - 184_756.0 / 75_394_027_566.0).abs() < 1e-15,
        "{billing}"
    );
    assert_eq!(billing["status"], "emerging");
    let wait = theme("wait_time");
    assert_eq!(wait["test"], "z");
    let z: f64 = -0.5 / (1.0 / 3.0 * 2.0 / 3.0 * (1.0 / 40.0 + 1.0 / 20.0f64)).sqrt();
    assert!(
        (f(&wait["p_fall"]) - two_sided_p(z) / 2.0).abs() < 1e-12,
        "{wait}"
    );
    assert_eq!(wait["status"], "quiet");
    assert_eq!(theme("agent_attitude")["status"], "steady");
    assert_eq!(c["emerging"], serde_json::json!(["billing"]));
    assert_eq!(c["quiet"], serde_json::json!(["wait_time"]));

    let md = w.read("out/report.md");
    assert!(md.contains("## Week by week"), "{md}");
    assert!(
        md.contains("| 2026-W46 (small n) | 2026-11-09 to 2026-11-15 | 20 |"),
        "{md}"
    );
    assert!(md.contains("### 2026-W47 against 2026-W46"), "{md}");
    assert!(
        md.contains("Emerging themes: Billing. Spiking: none. Went quiet: Wait time."),
        "{md}"
    );
}

#[test]
fn by_week_needs_a_date_column() {
    let w = Workdir::new();
    w.write("in.csv", "Score,Comment\n9,fine\n");
    let r = analyze(&w, "in.csv", "out", &["--by-week"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--by-week needs a date column"),
        "{}",
        r.stderr
    );
    // Without --by-week, unreadable dates are only counted.
    w.write(
        "d.csv",
        "Date,Score,Comment\nsoon,9,fine\n2026-11-23,0,I had to wait\n",
    );
    let r = analyze(&w, "d.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert_eq!(s["comparison_data"]["period"]["undated_rows"], 1);
    assert_eq!(s["comparison_data"]["period"]["dated_rows"], 1);
    assert!(s.get("weeks").is_none());
}

#[test]
fn previous_may_be_the_same_output_folder() {
    // The weekly routine: each run replaces the folder and compares with what it held.
    let w = Workdir::new();
    two_runs(&w);
    let r = analyze(&w, "new.csv", "old", &["--previous", "old"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("old");
    check_change_by_hand(&s["change"]);
    // The closing line (without -q) names the change.
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "old.csv",
        "--out",
        "old",
        "--previous",
        "old",
        "--taxonomy",
        &format!("{FIXTURES}/mini_taxonomy.toml"),
        "--sentiment-lexicon",
        &format!("{FIXTURES}/mini_sentiment.toml"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("NPS change since the previous run: -10.0 points (p = "),
        "{}",
        r.stdout
    );
}

#[test]
fn overlapping_periods_are_flagged() {
    let w = Workdir::new();
    two_runs(&w);
    let r = analyze(&w, "old.csv", "again", &["--previous", "old"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = &w.summary("again")["change"];
    assert!(close(f(&c["nps"]["difference"]), 0.0));
    assert!(
        c["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x.as_str().unwrap().starts_with(
                "the periods overlap (previous run ends 2026-11-12, this run starts 2026-11-09)"
            )),
        "{c}"
    );
    // Disjoint periods: no such warning.
    let r = analyze(&w, "new.csv", "new", &["--previous", "old"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = &w.summary("new")["change"];
    assert!(!c["warnings"].to_string().contains("overlap"), "{c}");
}

#[test]
fn report_html_shows_the_change_escaped() {
    let w = Workdir::new();
    two_runs(&w);
    // A file name with markup reaches the "Before:" line of the new report.
    std::fs::copy(w.path("old.csv"), w.path("<b>old.csv")).unwrap();
    let r = analyze(&w, "<b>old.csv", "evil", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = analyze(&w, "new.csv", "new", &["--previous", "evil", "--by-week"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = w.read("new/report.html");
    assert!(
        html.contains("<h2>Change since previous run</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<li>Before: &lt;b&gt;old.csv, 2026-11-09 to 2026-11-12, n = 10.</li>"),
        "{html}"
    );
    assert!(!html.contains("<b>old.csv"));
    assert!(
        html.contains("<b>NPS 0.0 → +10.0: +10.0 points</b>"),
        "{html}"
    );
    assert!(html.contains("<h2>Week by week</h2>"), "{html}");
    // new.csv lies in one week: nothing to compare week on week.
    assert_eq!(
        w.summary("new")["weeks"]["weeks"].as_array().unwrap().len(),
        1
    );
    assert!(w.summary("new")["weeks"]["last_change"].is_null());
    assert!(w
        .read("new/report.md")
        .contains("Only one week: nothing to compare."));
}

#[test]
fn by_week_output_does_not_depend_on_threads_or_batches() {
    let w = Workdir::new();
    let mut rows = Vec::new();
    for (i, date) in ["2026-11-02", "2026-11-10", "2026-11-18", "2026-11-26"]
        .iter()
        .enumerate()
    {
        rows.extend(repeat(7 + i, date, (i * 3) as u8, "rude and I had to wait"));
        rows.extend(repeat(5, date, 9, "my bill was wrong but friendly people"));
        rows.extend(repeat(3 + i, date, 10, ""));
    }
    w.write("in.csv", export(&rows));
    let one = analyze(&w, "in.csv", "a", &["--by-week", "-j", "1"]);
    let many = analyze(&w, "in.csv", "b", &["--by-week", "-j", "3"]);
    assert_eq!(
        (one.code, many.code),
        (0, 0),
        "{}{}",
        one.stderr,
        many.stderr
    );
    assert_eq!(w.read("a/summary.json"), w.read("b/summary.json"));
    assert_eq!(w.read("a/report.md"), w.read("b/report.md"));
    let s = w.summary("a");
    assert_eq!(s["weeks"]["weeks"].as_array().unwrap().len(), 4);
    let c = &s["weeks"]["last_change"];
    assert!(close(f(&c["attribution_sum"]), f(&c["nps"]["difference"])));
}

#[test]
fn by_week_reads_workbook_dates_and_day_numbers() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    for (c, h) in ["Date", "Score", "Comment"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    let fmt = Format::new().set_num_format("dd/mm/yyyy");
    // Row 1: a date cell (Monday 2026-11-16, W47); row 2: a plain day number, 46349 =
    // 2026-11-23 (W48); row 3: text; row 4: a date-time cell on Sunday 2026-11-22 (W47).
    s.write_datetime_with_format(1, 0, ExcelDateTime::from_ymd(2026, 11, 16).unwrap(), &fmt)
        .unwrap();
    s.write_number(2, 0, 46_349.0).unwrap();
    s.write_string(3, 0, "24.11.2026").unwrap();
    s.write_datetime_with_format(
        4,
        0,
        ExcelDateTime::from_ymd(2026, 11, 22)
            .unwrap()
            .and_hms(18, 30, 0)
            .unwrap(),
        &fmt,
    )
    .unwrap();
    for (r, (score, comment)) in [
        (9.0, "friendly"),
        (0.0, "I had to wait"),
        (10.0, "fine"),
        (2.0, "my bill"),
    ]
    .iter()
    .enumerate()
    {
        s.write_number(r as u32 + 1, 1, *score).unwrap();
        s.write_string(r as u32 + 1, 2, *comment).unwrap();
    }
    wb.save(w.path("in.xlsx")).unwrap();
    let r = analyze(&w, "in.xlsx", "out", &["--by-week"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let weeks = s["weeks"]["weeks"].as_array().unwrap();
    let got: Vec<(&str, u64, f64)> = weeks
        .iter()
        .map(|x| {
            (
                x["week"].as_str().unwrap(),
                x["nps"]["n"].as_u64().unwrap(),
                f(&x["nps"]["nps"]),
            )
        })
        .collect();
    // W47: 9 and 2 -> NPS 0; W48: 0 and 10 -> NPS 0.
    assert_eq!(got, [("2026-W47", 2, 0.0), ("2026-W48", 2, 0.0)]);
    assert_eq!(s["comparison_data"]["period"]["first_date"], "2026-11-16");
    assert_eq!(s["comparison_data"]["period"]["last_date"], "2026-11-24");
}

#[test]
fn comparison_data_must_match_its_theme_list() {
    let w = Workdir::new();
    two_runs(&w);
    let mut s = w.summary("old");
    s["comparison_data"]["themes"].as_array_mut().unwrap().pop();
    w.write("cut/summary.json", serde_json::to_vec(&s).unwrap());
    let r = w.run(&["compare", "cut", "old"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("cut/summary.json: comparison_data lists 3 themes but counts 4"),
        "{}",
        r.stderr
    );
    // A later schema that keeps comparison_data is still read.
    let mut s = w.summary("old");
    s["schema_version"] = 3.into();
    s["something_new"] = 1.into();
    w.write("v3/summary.json", serde_json::to_vec(&s).unwrap());
    let r = w.run(&["compare", "v3", "old"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("**NPS 0.0 → 0.0: 0.0 points**"),
        "{}",
        r.stdout
    );
}
