//! Issue 16 through the real binary, with the mini taxonomy and lexicon of tests/fixtures:
//! the topic-by-sentiment counts (hand-counted below), the heatmap numbers in report.md, and
//! theme names (never ids) where people read them.

mod common;

use common::Workdir;

/// Eight commented rows (and one without a comment), tagged by the mini taxonomy as noted:
///
/// | row | comment                              | wait_time | agent_attitude | billing |
/// |-----|--------------------------------------|-----------|----------------|---------|
/// | 1   | on hold for 20 minutes               | negative  |                |         |
/// | 2   | the agent was friendly               |           | positive       |         |
/// | 3   | rude agent                           |           | negative       |         |
/// | 4   | I was charged twice                  |           |                | negative|
/// | 5   | a question about my bill             |           |                | neutral |
/// | 6   | I had to wait                        | neutral   |                |         |
/// | 7   | polite agent                         |           | positive       |         |
/// | 8   | friendly agent                       |           | positive       |         |
///
/// So wait_time 2 mentions (1 negative, 1 neutral), agent_attitude 4 (1 negative, 3 positive),
/// billing 2 (1 negative, 1 neutral), the phone menu none.
const EXPORT: &str = "\
id,Team,Score,Comment
1,Billing desk,2,on hold for 20 minutes
2,Billing desk,9,the agent was friendly
3,Tech,0,rude agent
4,Billing desk,5,I was charged twice
5,Tech,8,a question about my bill
6,Tech,7,I had to wait
7,Billing desk,10,polite agent
8,Tech,9,friendly agent
9,Tech,9,
";

fn run() -> Workdir {
    let w = Workdir::new();
    w.write("export.csv", EXPORT);
    let r = w.analyze_mini("export.csv", "out", &["--segment-columns", "Team"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    w
}

#[test]
fn topic_by_sentiment_counts_match_the_hand_count() {
    let w = run();
    let s = w.summary("out");
    let ts = s["statistics"]["theme_sentiment"].as_array().unwrap();
    let row = |id: &str| {
        let t = ts.iter().find(|t| t["id"] == id).unwrap();
        [
            t["mentions"].as_u64().unwrap(),
            t["negative"].as_u64().unwrap(),
            t["neutral"].as_u64().unwrap(),
            t["mixed"].as_u64().unwrap(),
            t["positive"].as_u64().unwrap(),
        ]
    };
    assert_eq!(row("wait_time"), [2, 1, 1, 0, 0]);
    assert_eq!(row("agent_attitude"), [4, 1, 0, 0, 3]);
    assert_eq!(row("billing"), [2, 1, 1, 0, 0]);
    assert_eq!(row("ivr"), [0, 0, 0, 0, 0]);
    // Existing fields are unchanged: the polarity counts of the theme table agree.
    let themes = s["statistics"]["themes"].as_array().unwrap();
    let a = themes.iter().find(|t| t["id"] == "agent_attitude").unwrap();
    assert_eq!(a["mentions_positive"], 3);
    assert_eq!(a["mentions_other"], 0);

    let md = w.read("out/report.md");
    let table = md.split("## Sentiment by theme").nth(1).unwrap();
    // Most mentioned first; count (share of the theme's mentions).
    assert!(
        table.contains("| Agent attitude | 4 | 1 (25%) | 0 (0%) | 0 (0%) | 3 (75%) |"),
        "{table}"
    );
    assert!(table.contains("| Wait time | 2 | 1 (50%) | 1 (50%) | 0 (0%) | 0 (0%) |"));
    assert!(!table.split("\n## ").next().unwrap().contains("Phone menu"));

    let html = w.read("out/report.html");
    let chart = html.split(r#"id="topic-sentiment-chart""#).nth(1).unwrap();
    let chart = chart.split("</svg>").next().unwrap();
    assert!(
        chart.contains("Agent attitude: 3 of 4 mentions positive (75%)"),
        "{chart}"
    );
    assert!(chart.contains("Billing: 1 of 2 mentions neutral (50%)"));
    assert!(chart.contains("n = 4"));
}

#[test]
fn heatmap_numbers_are_in_the_markdown_and_names_replace_ids() {
    let w = run();
    let md = w.read("out/report.md");
    let heat = md.split("## Themes by Team").nth(1).unwrap();
    let heat = heat.split("\n## ").next().unwrap();
    // Columns: the most-mentioned themes, by name.
    assert!(
        heat.contains("| Team | Comments | Agent attitude | Wait time | Billing |"),
        "{heat}"
    );
    // Tech: 4 comments (rows 3, 5, 6, 8), attitude in 2 (50%), wait in 1, billing in 1.
    assert!(
        heat.contains("| Tech | 4 | 50% (2) | 25% (1) | 25% (1) |"),
        "{heat}"
    );
    assert!(heat.contains("| Billing desk | 4 | 50% (2) | 25% (1) | 25% (1) |"));
    for out in ["report.md", "report.html"] {
        let text = w.read(&format!("out/{out}"));
        for id in ["wait_time", "agent_attitude"] {
            // Ids survive only in HTML anchors (theme-wait_time), data-theme attributes and the
            // filters' JSON data block (never shown), never as text.
            let visible = match text.find("<script type=\"application/json\"") {
                Some(a) => {
                    let b = a + text[a..].find("</script>").unwrap();
                    format!("{}{}", &text[..a], &text[b..])
                }
                None => text.clone(),
            };
            let shown = visible
                .match_indices(id)
                .filter(|(i, _)| {
                    !visible[..*i].ends_with("theme-") && !visible[..*i].ends_with("data-theme=\"")
                })
                .count();
            assert_eq!(shown, 0, "{out} shows the id {id}");
        }
    }
}
