//! `npsight tag` through the real binary (lexicon tagger): JSON Lines in, JSON Lines out, one
//! line per record in input order, rejected records in place with their reason, personal data
//! masked, standard input and output with `-`, and the same lines as `analyze`'s tagged.jsonl
//! for the same records.

mod common;

use common::Workdir;
use serde_json::Value;

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

const STREAM: &str = concat!(
    r#"{"id":"a1","score":2,"comment":"I was on hold for 45 minutes, call me at +44 7700 900123","agent":"Jo Bloggs"}"#,
    "\n{oops\n\n",
    r#"{"score":9,"text":"Very friendly agent"}"#,
    "\n",
    r#"{"id":5,"comment":""}"#,
    "\n",
    r#"{"id":"x","score":"11","comment":"fine"}"#,
    "\n"
);

#[test]
fn every_record_gets_one_line_in_order_and_bad_ones_say_why() {
    let w = Workdir::new();
    w.write("in.jsonl", STREAM);
    let r = w.run(&["tag", "in.jsonl", "--out", "out.jsonl", "--encoder", "none"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("5 records, 2 tagged, 1 without a comment, 2 rejected"),
        "{}",
        r.stderr
    );
    let out = lines(&w.read("out.jsonl"));
    assert_eq!(out.len(), 5, "one line per record (the blank line is none)");
    // The rows are the input's line numbers, in order.
    let rows: Vec<u64> = out.iter().map(|l| l["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, [1, 2, 4, 5, 6]);
    let a1 = &out[0];
    assert_eq!(a1["id"], "a1");
    assert_eq!(a1["nps_category"], "detractor");
    assert_eq!(a1["themes"][0]["theme"], "wait_time");
    assert_eq!(
        a1["themes"][0]["evidence"][0]["text"],
        "on hold for 45 minutes"
    );
    let comment = a1["comment"].as_str().unwrap();
    assert!(
        comment.contains("[PHONE]") && !comment.contains("7700"),
        "{comment}"
    );
    // Other fields of the record are not copied.
    assert!(!w.read("out.jsonl").contains("Bloggs"));
    assert_eq!(out[1]["status"], "rejected");
    assert!(out[1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("line 2: not JSON"));
    // No id: the line number; `text` is read as the comment.
    assert_eq!(out[2]["id"], "4");
    assert_eq!(out[2]["themes"][0]["theme"], "agent_attitude");
    // No score: neither score nor category; no comment: no themes.
    assert!(out[3].get("score").is_none() && out[3].get("nps_category").is_none());
    assert_eq!(out[3]["status"], "no_comment");
    assert_eq!(out[4]["status"], "rejected");
    assert!(out[4]["reason"]
        .as_str()
        .unwrap()
        .contains("field score: '11' is not a whole number from 0 to 10"));

    // A line that is not UTF-8 is one rejected record, the stream goes on.
    let mut bad = b"{\"comment\": \"caf\xe9\"}\r\n".to_vec();
    bad.extend_from_slice(br#"{"comment": "ok"}"#);
    w.write("bad.jsonl", &bad);
    let r = w.run(&["tag", "bad.jsonl", "--out", "bad.out", "--encoder", "none"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let b = lines(&w.read("bad.out"));
    assert_eq!(b.len(), 2);
    assert!(
        b[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("line 1: not UTF-8"),
        "{b:?}"
    );
    assert_eq!(b[1]["status"], "tagged");

    // --keep-pii leaves the phone number.
    let r = w.run(&[
        "tag",
        "in.jsonl",
        "--out",
        "raw.jsonl",
        "--encoder",
        "none",
        "--keep-pii",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.read("raw.jsonl").contains("7700 900123"));
}

#[test]
fn standard_input_to_standard_output() {
    let w = Workdir::new();
    let out = w.run_stdin(&["tag", "-", "--encoder", "none", "-q"], STREAM.as_bytes());
    assert_eq!(out.code, 0);
    assert!(out.stderr.is_empty(), "-q prints nothing");
    let text = out.stdout;
    w.write("in.jsonl", STREAM);
    let r = w.run(&["tag", "in.jsonl", "--out", "f.jsonl", "--encoder", "none"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(text, w.read("f.jsonl"), "the pipe and the file agree");
}

/// The bundled example's id, score and comment, as a CSV export and as JSON Lines: `tag` gives
/// analyze's tagged.jsonl lines byte for byte (its rejected records, bad scores, are the rows
/// analyze rejects), whatever the batch size.
/// Writes export.csv (id, score, comment of the bundled example) and export.jsonl (the same
/// records).
fn example_export(w: &Workdir) {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/feedback.csv");
    let mut rd = csv::Reader::from_path(example).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (id, score, comment) = (col("response_id"), col("nps_score"), col("comment"));
    let mut csv_out = csv::Writer::from_writer(Vec::new());
    csv_out.write_record(["id", "score", "comment"]).unwrap();
    let mut jsonl = String::new();
    for rec in rd.records() {
        let rec = rec.unwrap();
        csv_out
            .write_record([&rec[id], &rec[score], &rec[comment]])
            .unwrap();
        jsonl.push_str(
            &serde_json::json!({"id": &rec[id], "score": &rec[score], "comment": &rec[comment]})
                .to_string(),
        );
        jsonl.push('\n');
    }
    w.write("export.csv", csv_out.into_inner().unwrap());
    w.write("export.jsonl", &jsonl);
}

/// `tag`'s lines without its rejected ones, and how many it rejected.
fn kept(tagged: &str) -> (String, usize) {
    let kept: String = tagged
        .lines()
        .filter(|l| !l.contains(r#""status":"rejected""#))
        .map(|l| format!("{l}\n"))
        .collect();
    let rejected = tagged.lines().count() - kept.lines().count();
    (kept, rejected)
}

#[test]
fn the_same_records_give_analyzes_tagged_jsonl_byte_for_byte() {
    let w = Workdir::new();
    example_export(&w);
    let r = w.run(&[
        "analyze",
        "export.csv",
        "--out",
        "out",
        "--encoder",
        "none",
        "--id-column",
        "id",
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let analyzed = w.read("out/tagged.jsonl");
    let summary: Value = serde_json::from_str(&w.read("out/summary.json")).unwrap();
    for batch in ["256", "7"] {
        let name = format!("t{batch}.jsonl");
        let r = w.run(&[
            "tag",
            "export.jsonl",
            "--out",
            &name,
            "--encoder",
            "none",
            "--batch",
            batch,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let tagged = w.read(&name);
        let (kept, rejected) = kept(&tagged);
        assert_eq!(
            rejected as u64,
            summary["counts"]["rejected"].as_u64().unwrap(),
            "{tagged}"
        );
        assert!(rejected > 0, "the example has bad scores on purpose");
        assert_eq!(kept, analyzed, "batch {batch}");
    }
}

/// The same with the real model (multilingual-e5-small, int8 ONNX, the committed heads; fetched
/// by scripts/fetch-models, as CI does before the tests): identical lines, confidences included.
#[test]
fn with_the_real_model_tag_and_analyze_give_the_same_lines() {
    if !common::model_present("with_the_real_model_tag_and_analyze_give_the_same_lines") {
        return;
    }
    let home = env!("CARGO_MANIFEST_DIR");
    let w = Workdir::new();
    example_export(&w);
    let env = [("NPSIGHT_HOME", home)];
    let r = w.run_env(
        &[
            "analyze",
            "export.csv",
            "--out",
            "out",
            "--id-column",
            "id",
            "-q",
        ],
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run_env(
        &["tag", "export.jsonl", "--out", "t.jsonl", "--batch", "64"],
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (kept, _) = kept(&w.read("t.jsonl"));
    assert!(kept.contains(r#""confidence":0."#), "the heads ran");
    assert_eq!(kept, w.read("out/tagged.jsonl"));
}

/// A shard gets the whole stream's prior: `--measure-prior` prints it, `--prior` uses it.
#[test]
fn a_shard_tags_with_the_prior_of_the_whole_stream() {
    let w = Workdir::new();
    let long: String = (1..=25)
        .map(|i| {
            format!(
                "{{\"comment\": \"Die Mitarbeiterin hat mir beim {i}. Anruf schnell und freundlich geholfen.\"}}\n"
            )
        })
        .collect();
    let short = "{\"comment\": \"Super\"}\n{\"comment\": \"Ok\"}\n{\"comment\": \"Prima\"}\n{\"comment\": \"Top Service\"}\n";
    w.write("stream.jsonl", format!("{long}{short}"));
    w.write("shard.jsonl", short);
    let r = w.run(&["tag", "stream.jsonl", "--measure-prior"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), r#"{"prior":"de"}"#);
    let r = w.run(&["tag", "shard.jsonl", "--measure-prior"]);
    assert_eq!(
        r.stdout.trim(),
        r#"{"prior":null}"#,
        "four answers are too few"
    );
    let langs = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["tag", "shard.jsonl", "--encoder", "none", "-q"];
        a.extend_from_slice(args);
        let r = w.run(&a);
        assert_eq!(r.code, 0, "{}", r.stderr);
        lines(&r.stdout)
            .iter()
            .map(|l| l["language"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert!(langs(&["--prior", "de"]).iter().all(|l| l == "de"));
    assert!(
        langs(&["--prior", "none"]).iter().any(|l| l != "de"),
        "alone, short answers are read as other languages"
    );
    // The whole stream in one run reads them as German too.
    let r = w.run(&["tag", "stream.jsonl", "--encoder", "none", "-q"]);
    assert!(lines(&r.stdout)[25..].iter().all(|l| l["language"] == "de"));
    let r = w.run(&["tag", "shard.jsonl", "--language", "de", "--prior", "de"]);
    assert_eq!(r.code, 2, "--language and --prior conflict: {}", r.stderr);
    let r = w.run(&["tag", "shard.jsonl", "--prior", "xx"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--prior 'xx'"), "{}", r.stderr);
}
