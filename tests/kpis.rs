//! CSAT, CES and FCR end to end, on exports written by each test, with the figures computed
//! by hand.

mod common;

use common::Workdir;

fn analyze(w: &Workdir, out: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["analyze", "--encoder", "none", "in.csv", "--out", out];
    args.extend_from_slice(extra);
    w.run(&args)
}

const EXPORT: &str = "\
id,team,score,comment,CSAT,CES (1-7): how easy was it,Issue resolved
1,A,9,great,5,2,Yes
2,A,3,slow,2,6,No
3,B,10,fine,4,1,Yes
4,B,7,ok,4,3,Yes
5,B,8,meh,N/A,,No
6,A,6,bad,9,2,Yes
7,B,9,good,3,0,Yes
8,A,2,bad,1,7,2
";

fn close(v: &serde_json::Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-4)
}

#[test]
fn csat_ces_fcr_with_intervals_and_impossible_answers_rejected() {
    let w = Workdir::new();
    w.write("in.csv", EXPORT);
    let r = analyze(&w, "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    // Rows 6-8 hold a CSAT of 9, a CES of 0 and an FCR of 2: rejected, each with its reason.
    let by = &s["counts"]["rejected_by_reason"];
    assert_eq!(by["csat_out_of_range"], 1);
    assert_eq!(by["ces_out_of_range"], 1);
    assert_eq!(by["fcr_not_yes_no"], 1);
    assert_eq!(
        s["counts"]["unreadable_optional_fields"]["csat"], 1,
        "N/A kept, unread"
    );
    let (_, rej) = w.csv("out/rejected.csv");
    assert!(
        rej[0][4].contains("'9' is not a CSAT answer from 1 to 5"),
        "{}",
        rej[0][4]
    );
    let k = &s["statistics"]["kpi"];
    // CSAT 5, 2, 4, 4: 3 of 4 satisfied, mean 15 / 4.
    assert_eq!(k["csat"]["satisfied"]["yes"], 3);
    assert_eq!(k["csat"]["satisfied"]["n"], 4);
    assert!(close(&k["csat"]["satisfied"]["rate"], 0.75));
    assert!(close(&k["csat"]["mean"]["mean"], 3.75));
    // CES 2, 6, 1, 3 on the 1-7 scale the header names; "how easy": higher is easier.
    assert!(close(&k["ces"]["mean"]["mean"], 3.0));
    assert_eq!(k["ces"]["scale"]["max"], 7);
    assert_eq!(k["ces"]["scale"]["max_source"], "header");
    assert_eq!(k["ces"]["scale"]["direction"], "higher_is_easier");
    // s^2 = (1 + 9 + 4 + 0) / 3 = 4.6667; se = 1.0801; t(3) = 3.1824: 3 -/+ 3.4373, clipped.
    assert!(close(&k["ces"]["mean"]["ci95_low"], 1.0));
    assert!(close(&k["ces"]["mean"]["ci95_high"], 6.4373));
    // FCR 3 of 5; Wilson: centre 0.556550, half-width 0.325827.
    assert!(close(&k["fcr"]["resolved"]["rate"], 0.6));
    assert!(close(&k["fcr"]["resolved"]["ci95_low"], 0.230_723));
    assert!(close(&k["fcr"]["resolved"]["ci95_high"], 0.882_377));
    assert_eq!(k["fcr"]["below_floor"], false);
    // Per team, flagged small like NPS segments, untested below 5 answers.
    let teams = &s["statistics"]["kpi_segments"]["fcr_rate"]["team"];
    assert_eq!(teams[0]["value"], "A");
    assert!(close(&teams[0]["estimate"], 0.5));
    assert!(close(&teams[1]["estimate"], 2.0 / 3.0));
    assert_eq!(teams[1]["small_n"], true);
    assert!(teams[1]["p_value"].is_null());
    assert!(
        r.stdout
            .contains(" FCR 60.0 % resolved (95 % CI 23.1-88.2, n = 5)."),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(" CSAT 75.0 % satisfied"), "{}", r.stdout);
    let md = w.read("out/report.md");
    assert!(
        md.contains("- **CES 3.00** on a 1-7 scale, higher is easier"),
        "{md}"
    );
    assert!(w.read("out/report.html").contains("id=\"kpi-fcr\""));
}

#[test]
fn ces_scale_from_values_or_flag_and_unknown_direction_said() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,score,comment,CES\n1,9,great,2\n2,3,slow,7\n3,8,ok,5\n",
    );
    let r = analyze(&w, "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let ces = &s["statistics"]["kpi"]["ces"];
    assert_eq!(ces["scale"]["max"], 7);
    assert_eq!(ces["scale"]["max_source"], "values");
    assert_eq!(ces["scale"]["direction"], "unknown");
    assert!(r.stdout.contains("--ces-direction"), "{}", r.stdout);
    // Told the scale is 1-5, the 7 is impossible: rejected with the flag to use.
    let r = analyze(
        &w,
        "five",
        &[
            "--ces-scale",
            "1-5",
            "--ces-direction",
            "higher-is-harder",
            "--strict",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (_, rej) = w.csv("five/rejected.csv");
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0][3], "ces_out_of_range");
    assert!(rej[0][4].contains("--ces-scale 1-7"), "{}", rej[0][4]);
    let s = w.summary("five");
    assert_eq!(
        s["statistics"]["kpi"]["ces"]["scale"]["direction"],
        "higher_is_harder"
    );
    assert!(close(&s["statistics"]["kpi"]["ces"]["mean"]["mean"], 3.5));
}

#[test]
fn no_kpi_columns_no_kpi_output() {
    let w = Workdir::new();
    w.write("in.csv", "id,score,comment\n1,9,great\n2,3,slow\n");
    let r = analyze(&w, "out", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert!(s["statistics"].get("kpi").is_none());
    assert!(!r.stdout.contains("CSAT") && !w.read("out/report.md").contains("CSAT"));
}

#[test]
fn kpis_week_over_week() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,date,score,comment,CSAT,Resolved\n\
         1,2026-11-16,9,great,5,yes\n\
         2,2026-11-17,8,ok,4,yes\n\
         3,2026-11-18,3,slow,,no\n\
         4,2026-11-19,10,fine,,yes\n\
         5,2026-11-23,2,bad,2,no\n\
         6,2026-11-24,4,slow,,no\n\
         7,2026-11-25,9,good,,yes\n",
    );
    let r = analyze(&w, "out", &["--by-week"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let weeks = &s["weeks"]["weeks"];
    assert_eq!(weeks[0]["week"], "2026-W47");
    // Week 47: FCR 3 of 4, CSAT 5 and 4; week 48: FCR 1 of 3, CSAT 2.
    assert!(close(&weeks[0]["kpi"]["fcr_rate"]["rate"], 0.75));
    assert!(
        weeks[0]["kpi"].get("change").is_none(),
        "no week before the first"
    );
    let k = &weeks[1]["kpi"];
    assert!(close(&k["fcr_rate"]["rate"], 1.0 / 3.0));
    assert!(close(&k["change"]["fcr_rate"][0], 1.0 / 3.0 - 0.75));
    assert!(
        k["change"]["fcr_rate"][1].is_null(),
        "fewer than 5 answers: not tested"
    );
    assert!(close(&k["change"]["csat_mean"][0], 2.0 - 4.5));
    assert!(k.get("ces_mean").is_none());
}
