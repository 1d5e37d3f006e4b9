//! The default classifier end to end: the real multilingual-e5-small (fetched by
//! scripts/fetch-models, as CI does before the tests) with the committed heads in models/heads.
//! Without the model folder these tests print why they were skipped.

mod common;

use common::{model_present, Workdir, SMALL_EXPORT};

#[test]
fn default_classifier_tags_with_the_transformer_and_the_lexicon() {
    if !model_present("default_classifier_tags_with_the_transformer_and_the_lexicon") {
        return;
    }
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    let home = env!("CARGO_MANIFEST_DIR");
    let r = w.run_env(
        &["analyze", "in.csv", "--out", "out"],
        &[("NPSIGHT_HOME", home)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    let model = s["fingerprint"]["model_id"].as_str().unwrap();
    assert!(
        model.contains("multilingual-e5-small") && model.contains("heads:"),
        "{model}"
    );
    let (_, rows) = w.csv("out/tagged.csv");
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    // Lexicon evidence is kept under the combined classifier.
    let first = row("1");
    assert!(
        first[11].contains("wait_time") && first[11].contains("transfers"),
        "{first:?}"
    );
    assert_eq!(first[9], "negative");
    assert_eq!(row("3")[9], "positive", "Great service thank you");
    assert_eq!(
        row("4")[9],
        "negative",
        "Rude agent and my internet is still not working"
    );
    // Theme tags carry a confidence from the head.
    let ev: serde_json::Value = serde_json::from_str(&first[12]).unwrap();
    assert!(
        ev.as_array().unwrap().iter().all(|t| t["confidence"]
            .as_f64()
            .is_some_and(|c| (0.0..=1.0).contains(&c))),
        "{ev}"
    );
}

#[test]
fn long_comments_are_windowed_not_truncated_and_counted() {
    if !model_present("long_comments_are_windowed_not_truncated_and_counted") {
        return;
    }
    let w = Workdir::new();
    let long =
        "The agent was friendly and patient but I had to wait on hold far too long. ".repeat(60);
    w.write(
        "in.csv",
        format!("score,comment\n3,\"{long}\"\n9,short and sweet\n"),
    );
    let r = w.run(&["analyze", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = w.summary("out");
    assert!(s["counts"]["windowed_texts"].as_u64().unwrap() >= 1, "{s}");
    assert!(
        r.stdout
            .contains("embedded in several windows and combined, not truncated"),
        "{}",
        r.stdout
    );
    assert!(w
        .read("out/report.md")
        .contains("embedded in several windows"));
}

#[test]
fn a_missing_model_folder_names_the_fetch_command() {
    let w = Workdir::new();
    w.write("in.csv", "score,comment\n9,fine\n");
    let r = w.run(&[
        "analyze",
        "in.csv",
        "--out",
        "out",
        "--model-dir",
        "nowhere",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("scripts/fetch-models") && r.stderr.contains("--encoder none"),
        "{}",
        r.stderr
    );
}

#[test]
fn duplicate_comments_get_identical_tags_and_are_each_counted() {
    if !model_present("duplicate_comments_get_identical_tags_and_are_each_counted") {
        return;
    }
    let w = Workdir::new();
    let long = "I waited on hold for ages and then the agent transferred me twice. ".repeat(50);
    let comments = [
        "Great service, thank you",
        "On hold for 40 minutes, then cut off",
        long.as_str(),
        "Die Wartezeit war viel zu lang, aber der Mitarbeiter war nett",
    ];
    let mut csv = String::from("id,score,comment\n");
    for copy in 0..3 {
        for (k, c) in comments.iter().enumerate() {
            csv.push_str(&format!("{copy}-{k},{},\"{c}\"\n", (k * 3 + copy) % 11));
        }
    }
    w.write("in.csv", &csv);
    let r = w.run(&["analyze", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (header, rows) = w.csv("out/tagged.csv");
    let tags: Vec<usize> = ["sentiment", "sentiment_score", "themes", "theme_evidence"]
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    for k in 0..comments.len() {
        let copies: Vec<Vec<&String>> = (0..3)
            .map(|copy| {
                let row = rows.iter().find(|r| r[0] == format!("{copy}-{k}")).unwrap();
                tags.iter().map(|&i| &row[i]).collect()
            })
            .collect();
        assert_eq!(copies[0], copies[1], "comment {k}");
        assert_eq!(copies[0], copies[2], "comment {k}");
    }
    // The long comment is embedded once but counted for each of its three rows.
    assert_eq!(w.summary("out")["counts"]["windowed_texts"], 3);
}

#[test]
fn stage_timings_go_to_stderr_and_leave_the_outputs_unchanged() {
    if !model_present("stage_timings_go_to_stderr_and_leave_the_outputs_unchanged") {
        return;
    }
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let plain = w.run_env(&["analyze", "in.csv", "--out", "a", "-q"], &env);
    let timed = w.run_env(
        &["analyze", "in.csv", "--out", "b", "-q"],
        &[env[0], ("NPSIGHT_TIMINGS", "1")],
    );
    assert_eq!(plain.code, timed.code, "{}", timed.stderr);
    assert!(
        !plain.stderr.contains("NPSIGHT_TIMINGS"),
        "{}",
        plain.stderr
    );
    let line = timed
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("NPSIGHT_TIMINGS "))
        .unwrap_or_else(|| panic!("no timings line in {}", timed.stderr));
    let t: serde_json::Value = serde_json::from_str(line).unwrap();
    for stage in [
        "load",
        "read",
        "classify",
        "tokenise",
        "encode",
        "statistics",
        "report",
    ] {
        assert!(t[stage].as_f64().is_some_and(|s| s >= 0.0), "{stage}: {t}");
    }
    assert!(t["encode"].as_f64().unwrap() > 0.0, "{t}");
    assert!(!t["batch_shapes"].as_array().unwrap().is_empty(), "{t}");
    for file in [
        "tagged.csv",
        "rejected.csv",
        "summary.json",
        "report.md",
        "report.html",
    ] {
        assert_eq!(
            w.read(&format!("a/{file}")).replace("\"a\"", "\"b\""),
            w.read(&format!("b/{file}")).replace("\"a\"", "\"b\""),
            "{file}"
        );
    }
}
