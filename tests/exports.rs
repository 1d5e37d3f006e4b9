//! The exports for training teams: tagged.jsonl and the coaching packs.

mod common;

use common::{Run, Workdir, SMALL_EXPORT};

/// `analyze --encoder none in.csv --out out --coaching` in `w`.
fn analyze_coaching(w: &Workdir) -> Run {
    w.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--coaching",
    ])
}

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
    assert_eq!(
        r.code, 0,
        "one row rejected, the run finished: {}",
        r.stderr
    );
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
    assert_eq!(r.code, 0);
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

fn coaching_export() -> String {
    let mut s = String::from("id,agent,team,score,comment\n");
    let rude = [
        "The agent was rude and hung up on me before the problem was solved.",
        "Very rude agent, she kept interrupting me and was impatient the whole call.",
        "Rude and unfriendly, call me back on +44 7700 900123 if you ever care.",
        "The agent was rude to me.",
        "Unfriendly and rude agent who did not listen at all to what I said.",
        "Rude. Impatient. Unhelpful. The worst call I ever had with any company.",
    ];
    for (i, c) in rude.iter().enumerate() {
        s.push_str(&format!("r{i},Ann,Billing,{},\"{c}\"\n", i % 3));
    }
    for i in 0..4 {
        s.push_str(&format!(
            "w{i},Bob,Billing,{},I waited on hold for an hour before anyone answered\n",
            i % 2
        ));
        s.push_str(&format!(
            "p{i},../../evil,Tech,10,Friendly agent who fixed my problem quickly\n"
        ));
    }
    s
}

#[test]
fn coaching_packs_per_team_and_agent_separate_what_the_agent_can_change() {
    let w = Workdir::new();
    w.write("in.csv", coaching_export());
    let r = analyze_coaching(&w);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut names: Vec<String> = std::fs::read_dir(w.path("out/coaching"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // 3 agents + 2 teams, each .md and .csv, plus index.md.
    assert_eq!(names.len(), 11, "{names:?}");
    // File names are sanitize_file_stem of the value: lower case, hashed when changed.
    let pack = |kind: &str, value: &str, ext: &str| {
        format!(
            "{kind}-{}.{ext}",
            npsight::output::filename::sanitize_file_stem(value)
        )
    };
    assert!(
        names.contains(&pack("agent", "Ann", "md")) && names.contains(&pack("team", "Tech", "csv")),
        "{names:?}"
    );
    assert!(
        names.iter().all(|n| !n.contains("..") && !n.contains('/')),
        "{names:?}"
    );
    assert!(!w.path("evil.md").exists() && !w.path("out/evil.md").exists());
    let evil = names
        .iter()
        .find(|n| n.starts_with("agent-evil"))
        .expect("sanitised name");
    assert!(evil.ends_with(".csv") || evil.ends_with(".md"));

    let ann = w.read(&format!("out/coaching/{}", pack("agent", "Ann", "md")));
    let can = ann.find("## What the agent can change").unwrap();
    let process = ann.find("## What the process causes").unwrap();
    let attitude = ann
        .find("| Agent attitude |")
        .expect("attitude in Ann's pack");
    assert!(can < attitude && attitude < process, "{ann}");
    assert!(ann.contains("| Ann | 6 | 6 |"), "{ann}");
    assert!(!ann.contains("7700"), "personal data masked: {ann}");
    let verbatims = &ann[ann.find("### Agent attitude").unwrap()..];
    let verbatims = &verbatims[..verbatims[4..]
        .find("### ")
        .map_or(verbatims.len(), |i| i + 4)];
    let n = verbatims
        .lines()
        .filter(|l| l.starts_with("- score"))
        .count();
    assert_eq!(n, 5, "five of six verbatims kept: {verbatims}");
    assert!(
        !verbatims.contains("The agent was rude to me."),
        "the shortest comment is the least clear and is left out: {verbatims}"
    );

    let bob = w.read(&format!("out/coaching/{}", pack("agent", "Bob", "md")));
    let process = bob.find("## What the process causes").unwrap();
    let wait = bob.find("| Wait time |").expect("wait time in Bob's pack");
    assert!(wait > process, "wait time is a process theme: {bob}");

    let (header, rows) = w.csv(&format!("out/coaching/{}", pack("agent", "Ann", "csv")));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let attitude_rows: Vec<_> = rows
        .iter()
        .filter(|r| r[col("theme")] == "agent_attitude")
        .collect();
    assert_eq!(attitude_rows.len(), 5);
    assert!(attitude_rows
        .iter()
        .all(|r| r[col("agent_controllable")] == "true"));
    assert!(rows
        .iter()
        .all(|r| !r[col("example_comment")].contains("7700")));

    // A rerun without Bob removes his pack.
    let kept: String = coaching_export()
        .lines()
        .filter(|l| !l.contains(",Bob,"))
        .map(|l| format!("{l}\n"))
        .collect();
    w.write("in.csv", kept);
    let r = analyze_coaching(&w);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!w
        .path(&format!("out/coaching/{}", pack("agent", "Bob", "md")))
        .exists());
    assert!(w
        .path(&format!("out/coaching/{}", pack("agent", "Ann", "md")))
        .exists());
}

#[test]
fn unthemed_comments_are_clustered_into_suggested_themes() {
    let w = Workdir::new();
    let mut csv = String::from("id,score,comment\n");
    let parking = [
        "The parking lot at the store was full again",
        "No parking space near the store at all",
        "Parking at the store is impossible on saturdays",
        "Store parking was a nightmare today",
        "Could not find parking near your store",
        "The store parking garage was closed",
        "Parking near the store took twenty minutes",
        "Parking spaces at the store are far too narrow",
    ];
    for (i, c) in parking.iter().enumerate() {
        csv.push_str(&format!("p{i},{},{c}\n", i % 4));
    }
    let other = [
        "Lovely sunny garden and the umbrella stand outside",
        "The garden umbrella stand was lovely",
        "Sunny garden terrace, lovely umbrella",
        "Umbrella stand in the garden looked lovely",
        "A lovely garden with an umbrella for the sun",
        "The sunny garden and its umbrella are lovely",
    ];
    for (i, c) in other.iter().enumerate() {
        csv.push_str(&format!("o{i},9,\"{c}\"\n"));
    }
    w.write("in.csv", csv);
    let r = w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    assert_eq!(r.code, 0, "{} {}", r.stderr, w.read("out/rejected.csv"));
    let s = w.summary("out");
    let found = s["discovered_themes"].as_array().unwrap();
    let park = found
        .iter()
        .find(|t| t["label"].as_str().unwrap().contains("parking"))
        .unwrap_or_else(|| panic!("no parking theme: {found:?}"));
    assert!(park["size"].as_u64().unwrap() >= 6, "{park}");
    assert!(
        park["nps"].as_f64().unwrap() < 0.0,
        "parking comments are from detractors"
    );
    let ex = park["examples"].as_array().unwrap();
    assert_eq!(ex.len(), 5);
    assert!(ex
        .iter()
        .all(|e| e.as_str().unwrap().to_lowercase().contains("parking")));
    let html = w.read("out/report.html");
    assert!(html.contains(r#"<section id="discovered">"#));
    // Deterministic: a second run gives the same suggestions.
    w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "again"]);
    assert_eq!(
        w.summary("again")["discovered_themes"],
        s["discovered_themes"]
    );
}

/// The corrections loop: a tagged.csv edited by people is read back as training examples with
/// the corrected themes (as `npsight train --corrections` reads it).
#[test]
fn an_edited_tagged_csv_reads_back_as_corrections() {
    use npsight::labelled::{self, LabelColumns};
    let w = Workdir::new();
    w.write("in.csv", SMALL_EXPORT);
    w.run(&["analyze", "--encoder", "none", "in.csv", "--out", "out"]);
    let (header, mut rows) = w.csv("out/tagged.csv");
    let themes = header.iter().position(|h| h == "themes").unwrap();
    let comment = header.iter().position(|h| h == "Comment").unwrap();
    // A person fixes row 2: the lexicon's themes are replaced by resolution:positive.
    rows[1][themes] = "resolution:positive;agent_attitude:positive".into();
    let mut wtr = csv::Writer::from_path(w.path("fixed.csv")).unwrap();
    wtr.write_record(&header).unwrap();
    for r in &rows {
        wtr.write_record(r).unwrap();
    }
    wtr.flush().unwrap();
    let cols = LabelColumns {
        themes: Some("themes".into()),
        sentiment: Some("sentiment".into()),
        ..Default::default()
    };
    let read = labelled::read(&w.path("fixed.csv"), &cols).unwrap();
    let fixed = read
        .iter()
        .find(|l| l.text == rows[1][comment])
        .expect("the corrected row is read");
    assert_eq!(
        fixed.themes.as_ref().unwrap(),
        &vec![
            ("resolution".to_string(), Some("positive".to_string())),
            ("agent_attitude".to_string(), Some("positive".to_string()))
        ]
    );
    assert!(
        read.iter().all(|l| !l.text.is_empty()),
        "rows without a comment are not examples"
    );
}

/// Issue 16: a mention with praise and complaint about the agent at once ("rude at first, then
/// really friendly") was counted and quoted under "raised negatively"; it is now only named.
#[test]
fn coaching_pack_never_lists_praise_as_raised_negatively() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,agent,score,comment\n\
         1,Zoe,3,\"The agent was friendly. But then the agent was rude and hung up.\"\n\
         2,Zoe,2,\"Very polite agent. The wait was awful.\"\n\
         3,Zoe,9,\"The agent was rude at first, then really friendly and helpful.\"\n",
    );
    let r = analyze_coaching(&w);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let name = format!(
        "out/coaching/agent-{}.md",
        npsight::output::filename::sanitize_file_stem("Zoe")
    );
    let zoe = w.read(&name);
    let can = &zoe[zoe.find("## What the agent can change").unwrap()
        ..zoe.find("## What the process causes").unwrap()];
    assert!(!can.contains("| Agent attitude |"), "{zoe}");
    assert!(
        can.contains("not counted above: Agent attitude (2)"),
        "{zoe}"
    );
    assert!(!zoe.contains("really friendly"), "praise quoted: {zoe}");
}

/// Issue 16: a pack said "unlikely to be chance" on an uncorrected p; it now shows the report's
/// Benjamini-Hochberg q value for the same team or agent.
#[test]
fn coaching_pack_shows_the_reports_q_value() {
    let w = Workdir::new();
    let mut s = String::from("id,agent,team,score,comment\n");
    for i in 0..120 {
        let (agent, team, score) = match i % 4 {
            0 => ("Ann", "North", 2 + i % 3),
            1 => ("Bob", "North", 9),
            2 => ("Cem", "South", 10),
            _ => ("Dan", "South", 6 + i % 5),
        };
        s.push_str(&format!("{i},{agent},{team},{score},Thanks\n"));
    }
    w.write("in.csv", s);
    let r = analyze_coaching(&w);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: serde_json::Value = serde_json::from_str(&w.read("out/summary.json")).unwrap();
    for (column, value) in [("agent", "Ann"), ("agent", "Bob"), ("team", "North")] {
        let seg = summary["statistics"]["segments"][column]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["value"] == value)
            .unwrap();
        let q = seg["q_value"].as_f64().expect("tested");
        let significant = seg["significant"].as_bool().unwrap();
        let name = format!(
            "out/coaching/{column}-{}.md",
            npsight::output::filename::sanitize_file_stem(value)
        );
        let pack = w.read(&name);
        assert!(pack.contains(&format!("(q = {q:.3}, adjusted")), "{pack}");
        assert_eq!(
            pack.contains("unlikely to be chance"),
            significant,
            "{pack}"
        );
        assert!(!pack.contains("(p ="), "{pack}");
    }
}

fn pack_path(kind: &str, value: &str) -> String {
    format!(
        "out/coaching/{kind}-{}.md",
        npsight::output::filename::sanitize_file_stem(value)
    )
}

/// Issue 16: an agent-controllable theme counted against the agent for the whole comment; it is
/// now decided per clause: a complaint about the line or the queue is not the agent's, a rude
/// agent is.
#[test]
fn coaching_pack_counts_only_complaints_about_the_agent() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,agent,score,comment\n\
         1,Zoe,2,\"Couldn't get through at all yesterday, the line just said too many callers and hung up.\"\n\
         2,Zoe,1,\"The agent was rude and kept interrupting me the whole call.\"\n",
    );
    let r = analyze_coaching(&w);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let zoe = w.read(&pack_path("agent", "Zoe"));
    let can = &zoe[zoe.find("## What the agent can change").unwrap()
        ..zoe.find("## What the process causes").unwrap()];
    assert!(can.contains("| Agent attitude | 1 | 1 |"), "{zoe}");
    assert!(
        can.contains("Raised negatively about the process, not the agent")
            && can.contains("Agent attitude (1)"),
        "{zoe}"
    );
    let attitude = &zoe[zoe.find("### Agent attitude").unwrap()..];
    let attitude = &attitude[..attitude[4..].find("### ").map_or(attitude.len(), |i| i + 4)];
    assert!(attitude.contains("The **agent was**"), "{zoe}");
    assert!(!attitude.contains("too many callers"), "{zoe}");
}

/// Issue 16: packs had no strengths, no agent-level score, and quoted colleagues by name.
#[test]
fn coaching_pack_strengths_agent_score_and_colleagues_masked() {
    let w = Workdir::new();
    w.write(
        "in.csv",
        "id,date,agent,team,score,agent_score,comment\n\
         1,2026-10-26,Ann Lee,Billing,10,10,\"Ann was friendly and really helpful, she explained everything clearly.\"\n\
         2,2026-10-27,Ann Lee,Billing,7,9,\"The agent was polite and patient with all my questions.\"\n\
         3,2026-10-28,Ann Lee,Billing,1,2,\"The agent was rude and kept interrupting me the whole call.\"\n\
         4,2026-10-29,Bob Stone,Billing,2,0,\"Bob was rude to me and hung up, nothing like Ann last week.\"\n\
         5,2026-10-30,Bob Stone,Billing,9,,\"Thanks, all good.\"\n",
    );
    let r = analyze_coaching(&w);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ann = w.read(&pack_path("agent", "Ann Lee"));
    let strengths = &ann[ann.find("## Strengths").expect("a strengths section")
        ..ann.find("## What the agent can change").unwrap()];
    assert!(
        strengths.contains("Period: 2026-10-26 to 2026-10-30."),
        "{ann}"
    );
    assert!(
        strengths.contains("2 of 3 comments praise the agent"),
        "{ann}"
    );
    // Promoters first; her own name stays in her own pack.
    let promoter = strengths.find("- score 10").expect("the promoter quoted");
    let passive = strengths.find("- score 7").expect("the passive quoted");
    assert!(promoter < passive, "{strengths}");
    assert!(
        strengths.contains("Ann was **friendly**") || strengths.contains("Ann was"),
        "{strengths}"
    );
    assert!(!strengths.contains("rude"), "{strengths}");
    // The agent-level score beside the company score: Ann 1 promoter of 3 agent scores, 1
    // detractor -> 0; the centre 2 promoters, 2 detractors of 4 -> 0; Ann's NPS 1 of 3 promoters,
    // 1 detractor -> 0.
    assert!(ann.contains("Agent-level score (NPS)"), "{ann}");
    let ann_row = ann.lines().find(|l| l.starts_with("| Ann Lee |")).unwrap();
    assert!(ann_row.ends_with("| +33.3 | 3 |"), "{ann_row}");
    let centre = ann
        .lines()
        .find(|l| l.starts_with("| Whole centre |"))
        .unwrap();
    assert!(centre.ends_with("| 0.0 | 4 |"), "{centre}");
    // Bob's pack: his name stays, his colleague's is masked.
    let bob = w.read(&pack_path("agent", "Bob Stone"));
    assert!(
        bob.contains("Bob was **rude**") || bob.contains("Bob was rude"),
        "{bob}"
    );
    assert!(bob.contains("nothing like \\[NAME\\] last week"), "{bob}");
    // The team pack masks every agent.
    let team = w.read(&pack_path("team", "Billing"));
    assert!(!team.contains("Ann") && !team.contains("Bob"), "{team}");
    assert!(team.contains("\\[NAME\\] was **rude**"), "{team}");
    // Without an agent score column, no agent-level column.
    let w2 = Workdir::new();
    w2.write(
        "in.csv",
        "id,agent,score,comment\n1,Zoe,2,\"The agent was rude.\"\n",
    );
    let r = w2.run(&[
        "analyze",
        "--encoder",
        "none",
        "in.csv",
        "--out",
        "out",
        "--coaching",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!w2.read(&pack_path("agent", "Zoe")).contains("Agent-level"));
}
