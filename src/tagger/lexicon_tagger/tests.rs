use super::*;
use crate::tagger::prepare;

const TAXONOMY: &str = r#"
schema = 1
[[theme]]
id = "wait_time"
name = "Wait time"
group = "process"
[theme.patterns]
en = ["wait*", "on hold", "queue*"]
[theme.negative]
en = ["took forever", "on hold for * minutes"]
[theme.positive]
en = ["straight away"]
[[theme]]
id = "agent_attitude"
name = "Agent attitude"
group = "agent"
[theme.patterns]
en = ["rude", "friendly", "polite"]
"#;

const LEXICON: &str = r#"
schema = 1
[lang.en]
positive = ["friendly", "polite", "good", "helpful"]
strong_positive = ["excellent"]
negative = ["rude", "slow", "bad"]
strong_negative = ["terrible"]
negators = ["not", "never", "didn't"]
intensifiers = ["very"]
diminishers = ["a bit"]
contrast = ["but"]
"#;

fn tagger() -> (LexiconTagger, SentimentLexicon, Taxonomy) {
    let taxonomy = Taxonomy::parse(TAXONOMY, "test").unwrap();
    let lexicon = SentimentLexicon::parse(LEXICON, "test").unwrap();
    let t = LexiconTagger::new(&LexiconConfig {
        taxonomy: taxonomy.clone(),
        lexicon: lexicon.clone(),
    })
    .unwrap();
    (t, lexicon, taxonomy)
}

fn tag(text: &str) -> (Tagging, Prepared) {
    let (t, lex, _) = tagger();
    let p = prepare(text, &lex);
    (t.tag(&p), p)
}

#[test]
fn negation_flips_and_damps() {
    let (pos, _) = tag("The agent was good");
    let (neg, _) = tag("The agent was not good");
    assert_eq!(pos.sentiment, Sentiment::Positive);
    assert_eq!(neg.sentiment, Sentiment::Negative);
    assert!(neg.sentiment_score.abs() < pos.sentiment_score.abs());
    let (t, _) = tag("He was not rude at all");
    assert_eq!(t.sentiment, Sentiment::Positive);
    assert_eq!(
        t.themes[0].polarity,
        Sentiment::Positive,
        "'not rude' is a positive attitude mention"
    );
}

#[test]
fn intensifier_and_diminisher_scale() {
    let s = |t: &str| tag(t).0.sentiment_score;
    assert!(s("very slow") < s("slow"));
    assert!(s("a bit slow") > s("slow"));
    assert!(s("a bit slow") < 0.0);
}

#[test]
fn contrast_gives_mixed_and_per_mention_polarity() {
    let (t, p) = tag("The agent was very friendly but the wait was terrible");
    assert_eq!(t.sentiment, Sentiment::Mixed);
    assert_eq!(p.clauses.len(), 2);
    let polarity = |id: usize| t.themes.iter().find(|x| x.theme == id).unwrap().polarity;
    assert_eq!(polarity(0), Sentiment::Negative, "wait_time");
    assert_eq!(polarity(1), Sentiment::Positive, "agent_attitude");
}

#[test]
fn polar_theme_phrases_need_no_sentiment_word() {
    let (t, p) = tag("I was on hold for 45 minutes");
    assert_eq!(t.themes.len(), 1);
    assert_eq!(t.themes[0].polarity, Sentiment::Negative);
    assert_eq!(t.sentiment, Sentiment::Negative);
    let ev = &t.themes[0].evidence[0];
    assert_eq!(
        p.span_text(ev.start, ev.end),
        "on hold for 45 minutes",
        "widest span kept"
    );
    let (t, _) = tag("answered straight away");
    assert_eq!(t.themes[0].polarity, Sentiment::Positive);
}

#[test]
fn topic_mention_falls_back_to_the_sentence() {
    // The mention's clause ("the wait") has no polar word; the sentence does.
    let (t, _) = tag("The wait, honestly, terrible.");
    assert_eq!(t.themes[0].polarity, Sentiment::Negative);
}

#[test]
fn evidence_offsets_are_characters_of_the_normalised_text() {
    let (t, p) = tag("  Thé   rude\u{200B} agent was rude");
    assert_eq!(p.text, "Thé rude agent was rude");
    let ev = &t.themes[0].evidence[0];
    assert_eq!((ev.start, ev.end), (4, 8));
    assert_eq!(p.span_text(ev.start, ev.end), "rude");
}

#[test]
fn no_theme_no_sentiment_is_neutral() {
    let (t, _) = tag("I called about my contract");
    assert!(t.themes.is_empty());
    assert_eq!(t.sentiment, Sentiment::Neutral);
    assert_eq!(t.sentiment_score, 0.0);
}

/// The built-in lexicons handle negation in every supported language, as the issue asks.
#[test]
fn builtin_negation_in_seven_languages() {
    let lex = SentimentLexicon::builtin().unwrap();
    let tax = Taxonomy::builtin().unwrap();
    let t = LexiconTagger::new(&LexiconConfig {
        taxonomy: tax,
        lexicon: lex.clone(),
    })
    .unwrap();
    for (text, want) in [
        ("The agent was not rude at all", Sentiment::Positive),
        (
            "Kein Problem, alles wurde schnell erledigt",
            Sentiment::Positive,
        ),
        ("Не плохо, всё решили", Sentiment::Positive),
        ("Nhân viên không tệ", Sentiment::Positive),
        ("服务不错", Sentiment::Positive),
        ("No estuvo mal, me ayudaron", Sentiment::Positive),
        ("Pas mal, le conseiller était aimable", Sentiment::Positive),
        ("The agent was not helpful", Sentiment::Negative),
        ("Der Mitarbeiter war nicht freundlich", Sentiment::Negative),
        ("Оператор был не вежлив", Sentiment::Negative),
        ("Nhân viên không nhiệt tình", Sentiment::Negative),
        ("客服不专业", Sentiment::Negative),
        ("El agente no fue amable", Sentiment::Negative),
        ("Le conseiller n'était pas aimable", Sentiment::Negative),
    ] {
        let got = t.tag(&prepare(text, &lex));
        assert_eq!(got.sentiment, want, "{text}: {got:?}");
    }
}

/// Comment -> ids of its lexicon themes, under `taxonomy` and `lexicon`.
fn theme_ids(taxonomy: Taxonomy, lexicon: SentimentLexicon) -> impl Fn(&str) -> Vec<String> {
    let t = LexiconTagger::new(&LexiconConfig {
        taxonomy: taxonomy.clone(),
        lexicon: lexicon.clone(),
    })
    .unwrap();
    move |text| {
        t.tag(&prepare(text, &lexicon))
            .themes
            .iter()
            .map(|x| taxonomy.themes[x.theme].id.clone())
            .collect()
    }
}

/// [`theme_ids`] under the test taxonomy with `from` replaced by `to`.
fn theme_ids_edited(from: &str, to: &str) -> impl Fn(&str) -> Vec<String> {
    theme_ids(
        Taxonomy::parse(&TAXONOMY.replace(from, to), "test").unwrap(),
        SentimentLexicon::parse(LEXICON, "test").unwrap(),
    )
}

#[test]
fn exclude_phrases_veto_the_theme_in_their_clause_only() {
    let ids = theme_ids_edited(
        "[theme.positive]\nen = [\"straight away\"]",
        "[theme.positive]\nen = [\"straight away\"]\n[theme.exclude]\nen = [\"weeks\", \"can't wait\"]",
    );
    assert!(ids("Still waiting six weeks for the installation").is_empty());
    assert!(ids("I can't wait for the new model").is_empty());
    // Another clause of the same comment keeps its mention.
    assert_eq!(
        ids("Waiting three weeks for the parcel. But on hold for 40 minutes today"),
        ["wait_time"]
    );
    assert_eq!(ids("On hold forever"), ["wait_time"]);
}

#[test]
fn exclude_comment_phrases_veto_the_theme_in_the_whole_comment() {
    let ids = theme_ids_edited(
        "en = [\"rude\", \"friendly\", \"polite\"]",
        "en = [\"rude\", \"friendly\", \"polite\"]\n[theme.exclude_comment]\nen = [\"user friendly\"]",
    );
    assert!(ids("The app is user friendly. Very friendly overall").is_empty());
    assert_eq!(ids("Very friendly agent"), ["agent_attitude"]);
}

#[test]
fn builtin_taxonomy_tells_lead_time_from_wait_time() {
    let ids = theme_ids(
        Taxonomy::builtin().unwrap(),
        SentimentLexicon::builtin().unwrap(),
    );
    let install = ids("Still waiting six weeks for the broadband to be installed");
    assert!(install.contains(&"lead_time".to_string()), "{install:?}");
    assert!(!install.contains(&"wait_time".to_string()), "{install:?}");
    assert_eq!(
        ids("On hold for 40 minutes before anyone picked up"),
        ["wait_time"]
    );
    // Everyday senses of theme words carry no theme.
    assert!(ids("My email address changed").is_empty());
    assert!(ids("J'adore mon chat").is_empty());
    // A missing connection while the order is still being installed is a lead time, not a fault.
    let order = ids("No internet since I ordered, installation moved twice");
    assert!(!order.contains(&"technical_issue".to_string()), "{order:?}");
    assert_eq!(
        ids("Internet keeps dropping every evening"),
        ["technical_issue"]
    );
    // Traditional Chinese matches the Simplified lexicon.
    assert!(ids("質量很好").contains(&"product_quality".to_string()));
}
