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
    assert_eq!(r.code, 1, "{}", r.stderr);
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
