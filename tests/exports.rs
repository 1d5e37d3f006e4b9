//! The exports for training teams: tagged.jsonl and the coaching packs.

mod common;

use common::{Workdir, SMALL_EXPORT};

#[test]
fn tagged_jsonl_has_one_object_per_accepted_row_with_spans_on_the_masked_text() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,agent,score,comment\n\
         a1,Ann,2,\"Rude agent, call me on +44 7700 900123, I was on hold for an hour\"\n\
         a2,Bob,9,\n\
         a3,Bob,x,not a score\n\
         a4,Cem,10,Great service thank you\n",
    );
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 1, "one row rejected: {}", r.stderr);
    let text = w.read("out/tagged.jsonl");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (_, csv_rows) = w.csv("out/tagged.csv");
    assert_eq!(lines.len(), csv_rows.len(), "same rows as tagged.csv");
    assert_eq!(lines.len(), 3);
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a1", "a2", "a4"]);
    let first = &lines[0];
    assert_eq!(first["score"], 2);
    assert_eq!(first["nps_category"], "detractor");
    assert_eq!(first["segments"]["agent"], "Ann");
    let comment = first["comment"].as_str().unwrap();
    assert!(
        comment.contains("[PHONE]") && !comment.contains("7700"),
        "{comment}"
    );
    let themes = first["themes"].as_array().unwrap();
    assert!(!themes.is_empty());
    let chars: Vec<char> = comment.chars().collect();
    for t in themes {
        assert!(t["polarity"].is_string() && t.get("confidence").is_some());
        for e in t["evidence"].as_array().unwrap() {
            let (s, e2) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            let covered: String = chars[s..e2].iter().collect();
            assert_eq!(covered, e["text"].as_str().unwrap(), "{t}");
        }
    }
    assert_eq!(lines[1]["status"], "no_comment");
    assert_eq!(lines[1]["themes"].as_array().unwrap().len(), 0);

    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "kept",
        "--keep-pii",
    ]);
    assert_eq!(r.code, 1);
    let kept = w.read("kept/tagged.jsonl");
    assert!(kept.contains("+44 7700 900123") && kept.contains("\"pii_masked\":false"));
}

#[test]
fn small_export_jsonl_parses() {
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    let text = w.read("out/tagged.jsonl");
    let mut n = 0u64;
    for l in text.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap();
        n += 1;
    }
    let s = w.summary("out");
    assert_eq!(n, s["counts"]["tagged"].as_u64().unwrap());
}
