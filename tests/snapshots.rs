//! Snapshots of what people read, on a fixed export with a fixed mini taxonomy and lexicon:
//! report.md, report.html, a coaching pack, `npsight compare` and the CSAT/CES/FCR headline.
//! Any change to the wording, numbers, markup or layout shows up as a reviewed diff
//! (`cargo insta review`).

mod common;

use common::Workdir;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// Analyse `export` (a fixture or a file already in the workdir) into `out` with the mini
/// taxonomy and lexicon and no model. Exit 0 even with rejected rows (the fixture has one):
/// only `--strict` turns them into exit 1.
fn analyze(w: &Workdir, export: &str, out: &str, extra: &[&str]) {
    let taxonomy = format!("{FIXTURES}/mini_taxonomy.toml");
    let lexicon = format!("{FIXTURES}/mini_sentiment.toml");
    let mut args = vec![
        "analyze",
        "--encoder",
        "none",
        export,
        "--out",
        out,
        "--taxonomy",
        &taxonomy,
        "--sentiment-lexicon",
        &lexicon,
    ];
    args.extend_from_slice(extra);
    let r = w.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn workdir() -> Workdir {
    let w = Workdir::new();
    w.write(
        "export.csv",
        std::fs::read(format!("{FIXTURES}/snapshot_export.csv")).unwrap(),
    );
    w
}

#[test]
fn report_md_snapshot() {
    let w = workdir();
    analyze(&w, "export.csv", "out", &[]);
    insta::assert_snapshot!("report_md", w.read("out/report.md"));
}

#[test]
fn report_html_snapshot() {
    let w = workdir();
    analyze(&w, "export.csv", "out", &[]);
    insta::assert_snapshot!("report_html", w.read("out/report.html"));
}

#[test]
fn coaching_pack_snapshot() {
    let w = workdir();
    analyze(&w, "export.csv", "out", &["--coaching"]);
    insta::assert_snapshot!(
        "coaching_agent_ann_md",
        w.read("out/coaching/agent-ann-17239b6e25.md")
    );
    insta::assert_snapshot!(
        "coaching_team_billing_csv",
        w.read("out/coaching/team-billing-3ac8bbca9a.csv")
    );
    insta::assert_snapshot!("coaching_index_md", w.read("out/coaching/index.md"));
}

#[test]
fn compare_and_change_sections_snapshot() {
    let w = workdir();
    // The later export: the first four rows again, and more complaints about the wait.
    let base = std::fs::read_to_string(format!("{FIXTURES}/snapshot_export.csv")).unwrap();
    let mut later: String = base.lines().take(5).map(|l| format!("{l}\n")).collect();
    for i in 0..6 {
        later.push_str(&format!(
            "{},2026-11-2{},Ann,Billing,phone,{},The wait took forever again\n",
            100 + i,
            3 + i % 5,
            i % 4
        ));
    }
    later.push_str("200,2026-11-27,Bob,Tech,chat,seven,bad row\n");
    w.write("later.csv", later);
    analyze(&w, "export.csv", "old", &[]);
    analyze(&w, "later.csv", "new", &["--previous", "old"]);
    let r = w.run(&["compare", "old", "new", "--out", "cmp"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("compare_md", w.read("cmp/compare.md"));
    let md = w.read("new/report.md");
    let change =
        &md[md.find("## Change since previous run").unwrap()..md.find("## What drives").unwrap()];
    insta::assert_snapshot!("report_md_change_section", change);
    let html = w.read("new/report.html");
    let change = &html[html.find("<h2>Change since previous run").unwrap()
        ..html.find(r#"<section id="drivers""#).unwrap()];
    insta::assert_snapshot!("report_html_change_section", change);
}

#[test]
fn by_week_sections_snapshot() {
    let w = workdir();
    analyze(&w, "export.csv", "out", &["--by-week"]);
    let md = w.read("out/report.md");
    let weeks = &md[md.find("## Week by week").unwrap()..md.find("## What drives").unwrap()];
    insta::assert_snapshot!("report_md_weeks_section", weeks);
    let html = w.read("out/report.html");
    let weeks = &html
        [html.find("<h2>Week by week").unwrap()..html.find(r#"<section id="drivers""#).unwrap()];
    insta::assert_snapshot!("report_html_weeks_section", weeks);
}

/// The mismatch list of report.html (built by the template since issue 16) escapes the comment
/// and the segment values it puts in filter attributes.
#[test]
fn mismatch_list_escapes_and_carries_filter_attributes() {
    let w = Workdir::new();
    let mut csv = String::from("id,team,score,comment\n");
    for i in 0..6 {
        csv.push_str(&format!(
            "{i},\"A\"\"B\",10,\"Terrible, awful, horrible service <b>never again</b> {i}\"\n"
        ));
    }
    w.write("export.csv", csv);
    let r = w.run(&["analyze", "--encoder", "none", "export.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = w.read("out/report.html");
    let list = &html[html
        .find(r#"<ul class="verb" id="mismatch-list">"#)
        .expect("a mismatch list")..];
    let list = &list[..list.find("</ul>").unwrap()];
    assert!(list.contains("&lt;b&gt;never again&lt;/b&gt;"), "{list}");
    assert!(!list.contains("<b>"), "{list}");
    assert!(
        list.contains(r#"data-f-0="A&quot;B""#) && list.contains(r#"data-f-lang="en""#),
        "{list}"
    );
}

/// The CSAT, CES and FCR headline (issue 15), rendered from the report model: report.md's
/// bullets and report.html's cards.
#[test]
fn kpi_headline_snapshot() {
    let w = Workdir::new();
    w.write(
        "export.csv",
        "id,team,score,comment,CSAT,CES: how much effort did you put in,Resolved\n\
         1,A,9,Quick and friendly,5,2,Yes\n\
         2,A,3,On hold for ages,2,6,No\n\
         3,B,10,Sorted first time,4,1,Yes\n\
         4,B,7,Fine,4,3,Yes\n\
         5,B,8,OK I guess,N/A,,No\n\
         6,A,2,Had to call back twice,1,7,No\n",
    );
    analyze(&w, "export.csv", "out", &[]);
    let md = w.read("out/report.md");
    let headline = &md[md.find("## Headline").unwrap()..];
    let headline = &headline[..headline[3..].find("\n## ").unwrap() + 3];
    insta::assert_snapshot!("report_md_kpi_headline", headline);
    let html = w.read("out/report.html");
    let cards = &html[html.find(r#"<section id="headline">"#).unwrap()..];
    let cards = &cards[..cards.find("</section>").unwrap()];
    insta::assert_snapshot!("report_html_kpi_headline", cards);
}

/// The Trend section and the headline's "this week" line (`--history`, issue 15 of the weekly
/// set-up): report.md's tables and report.html's charts and text tables, on three weeks with
/// CSAT, CES and FCR.
#[test]
fn trend_sections_snapshot() {
    let w = Workdir::new();
    let mut csv = String::from("id,date,score,comment,CSAT,CES (1-7),FCR\n");
    let rows = [
        (
            "2026-11-02",
            [
                (10, "friendly people", 5, 2, "yes"),
                (3, "I had to wait", 2, 6, "no"),
                (8, "hello there", 4, 3, "yes"),
            ],
        ),
        (
            "2026-11-10",
            [
                (9, "friendly people", 4, 2, "yes"),
                (0, "charged twice on my bill", 1, 7, "no"),
                (2, "I had to wait", 2, 5, "no"),
            ],
        ),
        (
            "2026-11-18",
            [
                (10, "friendly people", 5, 1, "yes"),
                (9, "friendly people", 5, 2, "yes"),
                (6, "I had to wait", 3, 4, "yes"),
            ],
        ),
    ];
    let mut id = 0;
    for (date, week) in rows {
        for (score, comment, csat, ces, fcr) in week {
            for _ in 0..2 {
                id += 1;
                csv.push_str(&format!(
                    "{id},{date},{score},{comment},{csat},{ces},{fcr}\n"
                ));
            }
        }
    }
    w.write("export.csv", csv);
    analyze(
        &w,
        "export.csv",
        "out",
        &[
            "--by-week",
            "--history",
            "history",
            "--ces-direction",
            "higher-is-harder",
        ],
    );
    let md = w.read("out/report.md");
    let headline = &md[md.find("## Headline").unwrap()..md.find("## Trend").unwrap()];
    let trend = &md[md.find("## Trend").unwrap()..md.find("## Week by week").unwrap()];
    insta::assert_snapshot!("report_md_trend", format!("{headline}{trend}"));
    let html = w.read("out/report.html");
    let this_week = &html[html.find(r#"<p id="this-week">"#).unwrap()..];
    let this_week = &this_week[..this_week.find("</p>").unwrap() + 4];
    let trend = &html[html.find(r#"<section id="trend">"#).unwrap()..];
    let trend = &trend[..trend.find("</section>").unwrap() + 10];
    insta::assert_snapshot!("report_html_trend", format!("{this_week}\n{trend}"));
}
