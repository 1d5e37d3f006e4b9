//! KPI drivers and KPIs in comparisons through the real binary, with the mini taxonomy and
//! lexicon ("wait" is wait_time, "bill" billing, "friendly" agent_attitude, "hello there" no
//! theme) and every figure worked out by hand.

mod common;

use common::Workdir;
use serde_json::Value;

fn analyze(w: &Workdir, input: &str, out: &str, extra: &[&str]) -> common::Run {
    w.analyze_mini(input, out, extra)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(v: &Value, want: f64, tol: f64) -> bool {
    (f(v) - want).abs() < tol
}

fn theme<'a>(table: &'a Value, id: &str) -> &'a Value {
    table["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {table}"))
}

/// 40 "wait" comments (30 unresolved; CSAT 2 for 20 of them, 5 for the rest), 40 "bill" (16
/// unresolved, CSAT 4), 40 "hello there" (14 unresolved, CSAT 4), 5 "friendly" (1 unresolved,
/// CSAT 5) and 3 rows without a comment (unresolved, not counted: no theme can be told).
fn drivers_export() -> String {
    let mut s = String::from("id,Date,Score,Comment,CSAT,Resolved\n");
    let mut id = 0;
    let mut row = |score: u8, comment: &str, csat: u8, resolved: bool| {
        id += 1;
        s.push_str(&format!(
            "{id},2026-11-16,{score},{comment},{csat},{}\n",
            if resolved { "yes" } else { "no" }
        ));
    };
    for i in 0..40 {
        row(3, "I had to wait", if i < 20 { 2 } else { 5 }, i >= 30);
    }
    for i in 0..40 {
        row(8, "the bill was wrong", 4, i >= 16);
    }
    for i in 0..40 {
        row(7, "hello there", 4, i >= 14);
    }
    for i in 0..5 {
        row(10, "friendly people", 5, i >= 1);
    }
    for _ in 0..3 {
        row(1, "", 1, false);
    }
    s
}

#[test]
fn a_theme_built_to_drive_unresolved_contacts_is_found_and_another_is_not() {
    let w = Workdir::new();
    w.write("in.csv", drivers_export());
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let tables = &s["statistics"]["kpi_drivers"]["tables"];
    let t = tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["outcome"] == "unresolved")
        .expect("an FCR table");
    // 125 commented responses answered FCR, 30 + 16 + 14 + 1 = 61 unresolved.
    assert_eq!(
        (t["answered"].as_u64(), t["outcome_count"].as_u64()),
        (Some(125), Some(61))
    );
    // wait_time: 30/40 against 31/85: +38.5294 points; pooled 61/125 = 0.488,
    // se = sqrt(0.488 * 0.512 * (1/40 + 1/85)) = 0.095844, z = 4.020054, p = 5.8185e-5.
    let wait = theme(t, "wait_time");
    assert_eq!(
        (wait["mentions"].as_u64(), wait["outcome_with"].as_u64()),
        (Some(40), Some(30))
    );
    assert_eq!(
        (wait["others"].as_u64(), wait["outcome_without"].as_u64()),
        (Some(85), Some(31))
    );
    assert!(
        close(&wait["difference_points"], 38.529_412, 1e-4),
        "{wait}"
    );
    assert_eq!(wait["test"], "z");
    assert!(close(&wait["p_value"], 5.8185e-5, 1e-8), "{wait}");
    // Two themes tested (agent_attitude has 5 mentions): q = min(2 p, larger p).
    assert!(close(&wait["q_value"], 1.1637e-4, 1e-8), "{wait}");
    assert_eq!(wait["significant"], true);
    // billing: 16/40 against 45/85: -12.9412 points, z = -1.350247, p = q = 0.176937.
    let bill = theme(t, "billing");
    assert!(
        close(&bill["difference_points"], -12.941_176, 1e-4),
        "{bill}"
    );
    assert!(close(&bill["q_value"], 0.176_937, 1e-5), "{bill}");
    assert_eq!(bill["significant"], false);
    let few = theme(t, "agent_attitude");
    assert_eq!(few["mentions"].as_u64(), Some(5));
    assert!(few["p_value"].is_null() && few["q_value"].is_null());
    assert!(few["caution"].as_str().unwrap().contains("too few to test"));
    // Low CSAT: wait_time 20/40 against 0/85 (+50 points); billing lowers it (0/40 against
    // 20/85) and is not named behind low CSAT.
    let csat = tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["outcome"] == "low_csat")
        .unwrap();
    assert!(close(
        &theme(csat, "wait_time")["difference_points"],
        50.0,
        1e-9
    ));
    assert_eq!(theme(csat, "billing")["significant"], true);
    assert!(f(&theme(csat, "billing")["difference_points"]) < 0.0);

    let sentence = "Behind low CSAT: Wait time (+50.0 pts); behind unresolved contacts: Wait time (+38.5 pts).";
    let md = w.read("out/report.md");
    assert!(
        md.contains(&format!("- **KPI drivers:** {sentence}")),
        "{md}"
    );
    let section = &md[md.find("## KPI drivers").expect("a KPI drivers section")..];
    assert!(
        section.starts_with(&format!("## KPI drivers\n\n**{sentence}**")),
        "{section}"
    );
    assert!(
        section.contains("| Wait time | 40 | 75.0% | 36.5% | +38.5 (+"),
        "{section}"
    );
    assert!(section.contains("| *Agent attitude* | 5 |"), "{section}");
    let html = w.read("out/report.html");
    assert!(html.contains(r#"<table class="sortable" id="kpi-drivers-fcr">"#));
    assert!(html.contains(&format!(
        r#"<p id="kpi-causes-sentence"><b>{sentence}</b></p>"#
    )));
    assert!(html.contains(r#"<p id="kpi-causes"><b>KPI drivers:</b> "#));
    // The mini taxonomy has no repeat_contact theme: no FCR check.
    assert!(s["statistics"]["kpi_drivers"]
        .get("repeat_contact")
        .is_none());
}

#[test]
fn no_theme_stands_out_and_the_headline_says_nothing() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,Score,Comment,Resolved\n1,9,I had to wait,yes\n2,3,hello there,no\n3,8,,yes\n",
    );
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = w.read("out/report.md");
    assert!(!md.contains("**KPI drivers:**"), "{md}");
    assert!(
        md.contains("**Behind unresolved contacts: no theme stands out from noise.**"),
        "{md}"
    );
    let s = w.summary("out");
    let t = &s["statistics"]["kpi_drivers"]["tables"][0];
    assert_eq!(t["answered"].as_u64(), Some(2));
}

const KPI_HEADER: &str =
    "id,Date,Score,Comment,CSAT,CES: how much effort did you put in,Resolved\n";

/// Old: FCR 8 of 10, CSAT 5 5 4 2 1, CES 1 1 1 1 1. New: FCR 2 of 10, CSAT 5 3 3 2 1, CES
/// 3 3 3 3 5 (1-5 assumed, higher is more effort, as the header says).
fn kpi_runs(w: &Workdir) {
    let run = |date: &str, fcr_yes: usize, csat: [u8; 5], ces: [u8; 5]| {
        let mut s = String::from(KPI_HEADER);
        for i in 0..10 {
            let (c, e) = if i < 5 {
                (csat[i].to_string(), ces[i].to_string())
            } else {
                (String::new(), String::new())
            };
            s.push_str(&format!(
                "{},{date},8,hello there,{c},{e},{}\n",
                i + 1,
                if i < fcr_yes { "yes" } else { "no" }
            ));
        }
        s
    };
    w.write(
        "old.csv",
        run("2026-11-09", 8, [5, 5, 4, 2, 1], [1, 1, 1, 1, 1]),
    );
    w.write(
        "new.csv",
        run("2026-11-16", 2, [5, 3, 3, 2, 1], [3, 3, 3, 3, 5]),
    );
    let r = analyze(w, "old.csv", "old", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn delta<'a>(change: &'a Value, kpi: &str) -> &'a Value {
    change["kpi"]["changes"]
        .as_array()
        .unwrap_or_else(|| panic!("no KPI change in {change}"))
        .iter()
        .find(|d| d["kpi"] == kpi)
        .unwrap_or_else(|| panic!("no {kpi} in {change}"))
}

fn check_kpi_change_by_hand(c: &Value) {
    // FCR 0.8 -> 0.2: -0.6; pooled 0.5, se = sqrt(0.25 * 0.2) = 0.223607, z = -2.683282,
    // p = 0.007290. Newcombe from Wilson 2/10 [0.056682, 0.509838] and 8/10 [0.490162,
    // 0.943318]: -0.6 -/+ sqrt(2) * 0.143318 (low) and sqrt(2) * 0.309838 (high).
    let fcr = delta(c, "fcr_rate");
    assert!(close(&fcr["before"], 0.8, 1e-12) && close(&fcr["after"], 0.2, 1e-12));
    assert!(close(&fcr["difference"], -0.6, 1e-12));
    assert!(close(&fcr["p_value"], 0.007_290, 1e-5), "{fcr}");
    assert!(close(&fcr["ci95_low"], -0.802_682, 1e-5), "{fcr}");
    assert!(close(&fcr["ci95_high"], -0.161_824, 1e-5), "{fcr}");
    assert_eq!(fcr["significant"], true);
    // CSAT satisfied 3/5 -> 1/5: -0.4; pooled 0.4, se = sqrt(0.24 * 0.4) = 0.309839,
    // z = -1.290994, p = 0.196706.
    let csat = delta(c, "csat_satisfied");
    assert!(close(&csat["difference"], -0.4, 1e-12));
    assert!(close(&csat["p_value"], 0.196_706, 1e-5), "{csat}");
    assert_eq!(csat["significant"], false);
    // CES mean 1.0 -> 3.4 (variances 0 and 0.8): se = sqrt(0.8 / 5) = 0.4, z = 6.
    let ces = delta(c, "ces_mean");
    assert!(close(&ces["difference"], 2.4, 1e-12));
    assert!(
        close(&ces["ci95_low"], 2.4 - 1.959_964 * 0.4, 1e-5),
        "{ces}"
    );
    assert_eq!(ces["test"], "Welch");
    assert!(f(&ces["p_value"]) < 1e-8);
    assert_eq!(c["kpi"]["ces_reading"], "higher is more effort");
}

const FCR_LINE: &str = "- **FCR resolved 80.0 % → 20.0 %: -60.0 points** (95% CI -80.3 to -16.2; two-proportion z-test p = 0.007, significant at the 5% level; n = 10 and 10).";

#[test]
fn kpis_are_compared_with_the_previous_run_and_by_compare() {
    let w = Workdir::new();
    kpi_runs(&w);
    let r = analyze(&w, "new.csv", "new", &["--previous", "old"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("new");
    check_kpi_change_by_hand(&s["change"]);
    assert_eq!(
        s["comparison_data"]["ces_scale"]["direction"],
        "higher_is_harder"
    );
    let md = w.read("new/report.md");
    assert!(md.contains(FCR_LINE), "{md}");
    assert!(
        md.contains("- **CES mean 1.00 → 3.40: +2.40** (95% CI +1.62 to +3.18; Welch's test p = <0.001, significant at the 5% level; n = 5 and 5; higher is more effort)."),
        "{md}"
    );
    let html = w.read("new/report.html");
    assert!(
        html.contains("<li>FCR resolved 80.0 % → 20.0 %: -60.0 points (95% CI -80.3 to -16.2;"),
        "{html}"
    );

    let r = w.run(&["compare", "old", "new", "--out", "cmp"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: Value = serde_json::from_str(&w.read("cmp/compare.json")).unwrap();
    check_kpi_change_by_hand(&json["change"]);
    assert!(w.read("cmp/compare.md").contains(FCR_LINE));
}

#[test]
fn an_old_summary_without_kpi_counts_still_compares() {
    let w = Workdir::new();
    kpi_runs(&w);
    // A summary.json written before KPIs were kept for comparisons: no KPI counts, no CES scale.
    let mut old = w.summary("old");
    let data = old["comparison_data"].as_object_mut().unwrap();
    assert!(data.remove("ces_scale").is_some());
    let counts = data["period"]["counts"].as_object_mut().unwrap();
    assert!(counts.remove("kpi").is_some());
    w.write("legacy/summary.json", serde_json::to_vec(&old).unwrap());
    let r = analyze(&w, "new.csv", "new", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["compare", "legacy", "new", "--out", "cmp"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: Value = serde_json::from_str(&w.read("cmp/compare.json")).unwrap();
    let c = &json["change"];
    assert!(close(&c["nps"]["difference"], 0.0, 1e-12), "{c}");
    let fcr = delta(c, "fcr_rate");
    assert_eq!(fcr["n_before"].as_u64(), Some(0));
    assert!(fcr["difference"].is_null() && fcr["p_value"].is_null());
    assert!(close(&fcr["after"], 0.2, 1e-12));
    let warnings = c["kpi"]["warnings"].to_string();
    assert!(
        warnings.contains("fcr_rate: no answers in the earlier period"),
        "{warnings}"
    );
    let md = w.read("cmp/compare.md");
    assert!(
        md.contains("- **FCR resolved – → 20.0 %: – points** (not tested"),
        "{md}"
    );
    // --previous reads it too.
    let r = analyze(&w, "new.csv", "again", &["--previous", "legacy"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// With the built-in taxonomy (lexicon tagger): 35 comments about calling a third time (20
/// resolved) and 40 about a friendly agent (32 resolved).
#[test]
fn fcr_is_checked_against_repeat_contact() {
    let w = Workdir::new();
    let mut s = String::from("id,Score,Comment,Resolved\n");
    for i in 0..75 {
        let (comment, resolved) = if i < 35 {
            (
                "This is the third time I have called about the same problem",
                i < 20,
            )
        } else {
            ("The agent was friendly", i < 35 + 32)
        };
        s.push_str(&format!(
            "{},{},{comment},{}\n",
            i + 1,
            if i < 35 { 2 } else { 8 },
            if resolved { "yes" } else { "no" }
        ));
    }
    w.write("in.csv", s);
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sm = w.summary("out");
    let c = &sm["statistics"]["kpi_drivers"]["repeat_contact"];
    // 20/35 = 57.1 % resolved against 32/40 = 80 %: -22.857 points; pooled 52/75,
    // se = sqrt(0.693333 * 0.306667 * (1/35 + 1/40)) = 0.106726, z = -2.141662, p = 0.032221.
    assert_eq!(
        (c["repeat_contact"].as_u64(), c["resolved"].as_u64()),
        (Some(35), Some(20))
    );
    assert_eq!(
        (c["others"].as_u64(), c["others_resolved"].as_u64()),
        (Some(40), Some(32))
    );
    assert!(close(&c["difference_points"], -22.857_143, 1e-4), "{c}");
    assert!(close(&c["p_value"], 0.032_221, 1e-5), "{c}");
    assert!(close(&c["ci95_low_points"], -41.710_947, 1e-4), "{c}");
    let md = w.read("out/report.md");
    assert!(
        md.contains("FCR against repeat contact: of the 35 commented responses tagged repeat contact that answered the FCR question, 20 (57.1%) said it was resolved, against 80.0% of the other 40 (-22.9 points, 95 % CI -41.7 to -1.9, z-test p = 0.032)."),
        "{md}"
    );
    assert!(w
        .read("out/report.html")
        .contains(r#"<p id="repeat-contact-fcr">FCR against repeat contact: of the 35"#));
}

/// What people read, held as reviewed snapshots: report.md's and report.html's KPI drivers
/// section, and `npsight compare` with KPIs.
#[test]
fn kpi_drivers_and_kpi_change_snapshots() {
    let w = Workdir::new();
    w.write("in.csv", drivers_export());
    let r = analyze(&w, "in.csv", "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = w.read("out/report.md");
    let section = &md[md.find("## KPI drivers").unwrap()..md.find("## Sentiment").unwrap()];
    insta::assert_snapshot!("kpi_drivers_md", section);
    let html = w.read("out/report.html");
    let section = &html[html.find(r#"<section id="kpi-drivers">"#).unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    insta::assert_snapshot!("kpi_drivers_html", section);
    kpi_runs(&w);
    let r = analyze(&w, "new.csv", "new", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["compare", "old", "new", "--out", "cmp"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("compare_kpi_md", w.read("cmp/compare.md"));
}

/// report.xlsx gets a `kpi_drivers` sheet with the same rows as summary.json.
#[test]
fn xlsx_has_a_kpi_drivers_sheet() {
    use calamine::{Data, Reader, Xlsx};
    let w = Workdir::new();
    w.write("in.csv", drivers_export());
    let r = analyze(&w, "in.csv", "out", &["--xlsx"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut wb: Xlsx<_> = calamine::open_workbook(w.path("out/report.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["tagged", "themes", "drivers", "segments", "kpi_drivers"]
    );
    let sheet = wb.worksheet_range("kpi_drivers").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows[0][0], Data::String("outcome".into()));
    // Low CSAT and unresolved, three themes each.
    assert_eq!(rows.len(), 1 + 6);
    let wait = rows
        .iter()
        .find(|r| {
            r[0] == Data::String("unresolved".into()) && r[1] == Data::String("wait_time".into())
        })
        .unwrap();
    assert_eq!(wait[3], Data::Float(40.0));
    assert!(matches!(wait[9], Data::Float(d) if (d - 38.529_412).abs() < 1e-4));
    assert_eq!(wait[15], Data::String("yes".into()));
}
