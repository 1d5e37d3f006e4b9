//! The default classifier end to end: the real multilingual-e5-small (fetched by
//! scripts/fetch-models, as CI does before the tests) with the committed heads in models/heads.
//! Without the model folder these tests print why they were skipped.

mod common;

use common::{Workdir, SMALL_EXPORT};

fn model_present(test: &str) -> bool {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/multilingual-e5-small/tokenizer.json"
    );
    let ok = std::path::Path::new(dir).is_file();
    if !ok {
        eprintln!(
            "SKIPPED {test}: models/multilingual-e5-small not present: run scripts/fetch-models"
        );
    }
    ok
}

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
    assert_eq!(r.code, 1, "{}", r.stderr);
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
