//! Personal data in every output meant for people: an export whose comments, response ids and
//! segment values (agent, team) hold e-mail addresses, phone, card, IBAN and customer numbers
//! and names, run with `--encoder none --coaching`. report.md, report.html, summary.json
//! (verbatims, suggested themes and their terms, segment tables), tagged.jsonl and the coaching
//! packs hold none of it; tagged.csv keeps the export as written (README, "Safety").

mod common;

use common::Workdir;

/// Each planted value, and the parts of it that must not appear anywhere masked (parts of an
/// e-mail address included: a suggested theme's term must not be "quux").
const PLANTED: &[&str] = &[
    "zed.quux@mailhost.example.com",
    "quux",
    "mailhost",
    "müller@bücher.de",
    "bücher",
    "7700 900123",
    "030 2468135",
    "2468135",
    "4111 1111 1111 1111",
    "4111",
    "de89 3704 0044 0532 0130 00",
    "3704",
    "4711 0815 42",
    "Sarah Connor",
    "Connor",
    "Schmidt",
    "jo.bloggs@example.org",
    "bloggs",
    "900777",
    "k.lee@agents.example.com",
    "k.lee",
    "agents.example",
    "9876543",
];

/// Unthemed comments on two topics, a parking gate and a coffee machine (so that they are
/// clustered into suggested themes whose terms and examples are shown), each with an e-mail
/// address, and rows with the other kinds of personal data in comments, ids and segment values.
fn export() -> String {
    let mut rows = vec!["id,date,agent,team,score,comment".to_string()];
    let gate = [
        "parking gate barrier jammed again",
        "barrier at the parking gate jammed",
        "parking barrier gate stuck shut",
        "gate barrier parking jammed twice",
        "jammed parking gate barrier today",
        "the parking gate barrier jammed once more",
        "parking gate barrier jammed this morning",
        "barrier jammed at parking gate",
        "parking gate jammed barrier down",
        "gate of the parking jammed barrier closed",
        "parking barrier jammed gate locked",
        "barrier parking gate jammed again and again",
        "lobby coffee machine empty again",
        "coffee machine in the lobby empty",
        "empty coffee machine lobby downstairs",
        "the lobby coffee machine was empty",
        "lobby machine coffee empty all week",
        "coffee machine empty lobby again today",
        "empty lobby coffee machine this morning",
        "coffee lobby machine empty once more",
        "lobby coffee machine empty and cold",
        "machine for coffee in lobby empty",
        "lobby coffee machine empty since monday",
        "coffee machine lobby empty every day",
    ];
    for (i, g) in gate.iter().enumerate() {
        let agent = if i % 2 == 0 {
            "Anna Berg"
        } else {
            "k.lee@agents.example.com"
        };
        rows.push(format!(
            "R{i},2026-11-{:02},{agent},Team B (+49 30 9876543),{},\"{g}, write to zed.quux@mailhost.example.com\"",
            1 + i % 28,
            i % 4
        ));
    }
    let others = [
        "1,Rude agent. Call me on +44 7700 900123 or 030 2468135 please",
        "2,They charged card 4111 1111 1111 1111 12/27 twice and the agent was rude",
        "0,Refund to iban de89 3704 0044 0532 0130 00 never came, agent was rude",
        "3,Kundennummer 4711 0815 42: the agent was rude and unhelpful",
        "9,Thanks to Sarah Connor for the friendly help",
        "2,My name is Anna Schmidt and the agent was rude to me",
        "1,Rude agent; mail müller@bücher.de about it",
    ];
    for (i, o) in others.iter().enumerate() {
        let id = match i {
            0 => "jo.bloggs@example.org".to_string(),
            1 => "+44 7700 900777".to_string(),
            _ => format!("S{i}"),
        };
        let agent = if i % 2 == 0 {
            "k.lee@agents.example.com"
        } else {
            "Anna Berg"
        };
        let (score, comment) = o.split_once(',').unwrap();
        rows.push(format!(
            "{id},2026-11-2{i},{agent},Team B (+49 30 9876543),{score},\"{comment}\""
        ));
    }
    rows.join("\n") + "\n"
}

fn all_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_output_meant_for_people_holds_personal_data() {
    let w = Workdir::new();
    w.write("in.csv", export());
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "--coaching",
        "in.csv",
        "--out",
        "out",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut files = Vec::new();
    all_files(&w.path("out"), &mut files);
    let mut checked = Vec::new();
    for f in &files {
        let name = f
            .strip_prefix(w.path("out"))
            .unwrap()
            .to_string_lossy()
            .to_string();
        for planted in PLANTED {
            assert!(
                !name.to_lowercase().contains(&planted.to_lowercase()),
                "file name {name} holds {planted}"
            );
        }
        if name == "tagged.csv" || name == "rejected.csv" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for planted in PLANTED {
            assert!(!text.contains(planted), "{name} holds {planted:?}");
        }
        checked.push(name);
    }
    for must in ["report.md", "report.html", "summary.json", "tagged.jsonl"] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} checked: {checked:?}"
        );
    }
    assert!(
        checked.iter().filter(|c| c.starts_with("coaching")).count() >= 3,
        "coaching packs checked: {checked:?}"
    );

    let summary = w.summary("out");
    // The gate complaints form a suggested theme, its terms and examples masked.
    let themes = summary["discovered_themes"].as_array().unwrap();
    assert!(!themes.is_empty(), "a suggested theme: {summary}");
    let terms: Vec<&str> = themes
        .iter()
        .flat_map(|t| t["terms"].as_array().unwrap())
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        terms
            .iter()
            .any(|t| ["gate", "barrier", "coffee", "lobby"].contains(t)),
        "{terms:?}"
    );
    // Neither a placeholder nor a part of an address is a term.
    for t in &terms {
        assert!(
            !["email", "com", "example"].contains(&t.to_lowercase().as_str()),
            "{terms:?}"
        );
    }
    let examples = themes[0]["examples"].to_string();
    assert!(examples.contains("[EMAIL]"), "{examples}");

    // Agent names are the unit of coaching and stay; an agent known by an e-mail address, and
    // a team whose name holds a phone number, are shown with tagged placeholders.
    let md = w.read("out/report.md");
    let html = w.read("out/report.html");
    assert!(md.contains("Anna Berg") && html.contains("Anna Berg"));
    // (report.md escapes brackets and parentheses.)
    let email_agent = regex::Regex::new(r"\[EMAIL [a-z]{4}\\?\]").unwrap();
    assert!(
        email_agent.is_match(&md) && email_agent.is_match(&html),
        "{md}"
    );
    let phone_team = regex::Regex::new(r"Team B \\?\(\\?\[PHONE [a-z]{4}").unwrap();
    assert!(
        phone_team.is_match(&md) && phone_team.is_match(&html),
        "{md}"
    );
    // Every verbatim kind is replaced by its placeholder.
    let jsonl = w.read("out/tagged.jsonl");
    for p in [
        "[EMAIL]",
        "[PHONE]",
        "[CARD]",
        "[IBAN]",
        "[ACCOUNT]",
        "[NAME]",
    ] {
        assert!(jsonl.contains(p), "{p} in tagged.jsonl");
    }
    // A response id that is an e-mail address or a phone number is masked in tagged.jsonl;
    // other ids are kept (they join the outputs to the export).
    assert!(jsonl.contains("\"id\":\"S3\""), "{jsonl}");

    // tagged.csv is the analyst's working data: the export as written.
    let raw = w.read("out/tagged.csv");
    assert!(
        raw.contains("zed.quux@mailhost.example.com") && raw.contains("k.lee@agents.example.com")
    );
}

#[test]
fn keep_pii_keeps_segment_values_and_ids() {
    let w = Workdir::new();
    w.write("in.csv", export());
    let r = w.run(&[
        "analyze",
        "--encoder",
        "none",
        "--keep-pii",
        "in.csv",
        "--out",
        "out",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.read("out/report.md").contains("k.lee@agents.example.com"));
    assert!(w.read("out/tagged.jsonl").contains("jo.bloggs@example.org"));
}
