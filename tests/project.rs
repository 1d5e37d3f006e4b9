//! The project file: `npsight init` writes it from an export, `analyze` reads it from next to
//! the export or from `--config`, and flags override it.

mod common;

use common::Workdir;

const EXPORT: &str = "\
Weekly NPS export
Generated 2026-11-23
Response ID,NPS,Why?,Skill,CES (1-7)
1,9,great,Billing,2
2,3,slow,Billing,6
3,8,ok,Tech,3
4,10,fine,Tech,1
";

#[test]
fn init_writes_what_it_detected_and_analyze_uses_it() {
    let w = Workdir::new();
    w.write("week/in.csv", EXPORT);
    let r = w.run(&["init", "week/in.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let toml = w.read("week/npsight.toml");
    for line in [
        "# header_row = 3",
        "segment_columns = [\"Skill\"]",
        "ces_scale = \"1-7\"",
        "score = \"NPS\"",
        "text = \"Why?\"",
        "ces = \"CES (1-7)\"",
        "# agent = \"\"",
        "out = \"npsight-out\"",
    ] {
        assert!(toml.contains(line), "{line}\n{toml}");
    }
    // Not replaced without --force.
    let r = w.run(&["init", "week/in.csv"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);

    // No --out, no --segment-columns: both from the file next to the export (out relative to it).
    let r = w.run(&["analyze", "--encoder", "none", "week/in.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("settings from"), "{}", r.stderr);
    let s = w.summary("week/npsight-out");
    assert_eq!(s["input"]["segment_columns"], serde_json::json!(["Skill"]));
    assert_eq!(
        s["statistics"]["kpi"]["ces"]["scale"]["max_source"],
        "--ces-scale"
    );

    // Flags override the file.
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "week/in.csv",
        "--out",
        "other",
        "--segment-columns",
        "NPS",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        w.summary("other")["input"]["segment_columns"],
        serde_json::json!(["NPS"])
    );
}

#[test]
fn an_explicit_config_names_columns_and_strictness() {
    let w = Workdir::new();
    w.write("in.csv", "a,b,c\n1,9,great\n2,x,no score\n");
    w.write(
        "settings/project.toml",
        "out = \"../runs\"\nstrict = true\n[columns]\nscore = \"b\"\ntext = \"c\"\n",
    );
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--config",
        "settings/project.toml",
    ]);
    assert_eq!(r.code, 1, "strict from the file: {}", r.stderr);
    assert_eq!(w.summary("runs")["input"]["columns"]["score"], "b");
    w.write("settings/bad.toml", "[columns]\nnps = \"b\"\n");
    let r = w.run(&[
        "analyze",
        "in.csv",
        "--config",
        "settings/bad.toml",
        "-o",
        "x",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("[columns] nps"), "{}", r.stderr);
}
