//! Recall and precision of the personal-data masking (src/pii.rs) on tests/pii_set.tsv, a set
//! written for it in seven languages with positives of every kind and tricky negatives (order
//! numbers, dates, times, prices, invalid card and IBAN checksums, capitalised words after
//! greetings). Expected spans come from aligning each expected text (with placeholders) against
//! its input; a found span counts as correct when it has the right kind and overlaps an expected
//! span of that kind. `cargo test --test pii_eval -- --nocapture` prints the table (README,
//! "Personal data masking").

use std::collections::BTreeMap;

use npsight::pii::{self, Kind};
use regex::Regex;

fn kind_of(name: &str) -> Kind {
    match name {
        "EMAIL" => Kind::Email,
        "PHONE" => Kind::Phone,
        "CARD" => Kind::Card,
        "IBAN" => Kind::Iban,
        "NAME" => Kind::Name,
        "ACCOUNT" => Kind::Account,
        other => panic!("unknown placeholder {other}"),
    }
}

/// (start, end, kind) in bytes of `text`, from the expected masked text.
fn expected_spans(text: &str, expected: &str) -> Vec<(usize, usize, Kind)> {
    let ph = Regex::new(r"\[(EMAIL|PHONE|CARD|IBAN|NAME|ACCOUNT)\]").unwrap();
    let mut pattern = String::from("^");
    let mut kinds = Vec::new();
    let mut at = 0;
    for c in ph.captures_iter(expected) {
        let m = c.get(0).unwrap();
        pattern.push_str(&regex::escape(&expected[at..m.start()]));
        pattern.push_str("(.+?)");
        kinds.push(kind_of(&c[1]));
        at = m.end();
    }
    pattern.push_str(&regex::escape(&expected[at..]));
    pattern.push('$');
    let re = Regex::new(&pattern).unwrap();
    let caps = re
        .captures(text)
        .unwrap_or_else(|| panic!("expected text does not align with its input: {text}"));
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let g = caps.get(i + 1).unwrap();
            (g.start(), g.end(), k)
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    expected: usize,
    found: usize,
    correct: usize,
}

const KINDS: [(Kind, &str); 6] = [
    (Kind::Email, "email"),
    (Kind::Phone, "phone"),
    (Kind::Card, "card"),
    (Kind::Iban, "iban"),
    (Kind::Account, "account"),
    (Kind::Name, "name"),
];

/// Evaluate one set: per-kind (expected, found, correct), exact lines, negatives, clean negatives.
fn evaluate(name: &str, set: &str) -> (BTreeMap<&'static str, Tally>, usize, usize) {
    let mut tally: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut per_lang: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut lang_tally: BTreeMap<String, Tally> = BTreeMap::new();
    let (mut lines, mut exact, mut negatives, mut negatives_clean) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for line in set.lines().skip_while(|l| l.starts_with('#')).skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "{line}");
        let (lang, text, expected) = (cols[0], cols[1], cols[2]);
        lines += 1;
        let want = expected_spans(text, expected);
        let got = pii::find(text);
        let mut used = vec![false; want.len()];
        let lt = lang_tally.entry(lang.to_string()).or_default();
        lt.expected += want.len();
        lt.found += got.len();
        for g in &got {
            let name = KINDS.iter().find(|k| k.0 == g.kind).unwrap().1;
            tally.entry(name).or_default().found += 1;
            if let Some(i) = (0..want.len()).find(|&i| {
                !used[i] && want[i].2 == g.kind && want[i].0 < g.end && g.start < want[i].1
            }) {
                used[i] = true;
                tally.entry(name).or_default().correct += 1;
                lang_tally.get_mut(lang).unwrap().correct += 1;
            }
        }
        for w in &want {
            let name = KINDS.iter().find(|k| k.0 == w.2).unwrap().1;
            tally.entry(name).or_default().expected += 1;
        }
        let masked = pii::mask(text);
        let ok = masked == expected;
        exact += usize::from(ok);
        let e = per_lang.entry(lang.to_string()).or_default();
        e.0 += 1;
        e.1 += usize::from(ok);
        if want.is_empty() {
            negatives += 1;
            negatives_clean += usize::from(got.is_empty());
        }
        if !ok {
            misses.push(format!(
                "{lang}: {text}\n    got  {masked}\n    want {expected}"
            ));
        }
    }
    println!("\nPII masking on {name} ({lines} lines, {negatives} negatives)");
    println!("| kind | expected | found | correct | recall | precision |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (mut te, mut tf, mut tc) = (0, 0, 0);
    for (_, name) in KINDS {
        let t = tally
            .get(name)
            .map_or((0, 0, 0), |t| (t.expected, t.found, t.correct));
        te += t.0;
        tf += t.1;
        tc += t.2;
        println!(
            "| {name} | {} | {} | {} | {:.2} | {:.2} |",
            t.0,
            t.1,
            t.2,
            t.2 as f64 / t.0.max(1) as f64,
            t.2 as f64 / t.1.max(1) as f64
        );
    }
    let (recall, precision) = (tc as f64 / te as f64, tc as f64 / tf.max(1) as f64);
    println!("| all | {te} | {tf} | {tc} | {recall:.2} | {precision:.2} |");
    println!("Lines masked exactly as expected: {exact} of {lines}; negatives left untouched: {negatives_clean} of {negatives}");
    println!("| language | lines | exact | expected | found | correct | recall | precision |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (l, (n, ok)) in &per_lang {
        let t = &lang_tally[l];
        println!(
            "| {l} | {n} | {ok} | {} | {} | {} | {:.2} | {:.2} |",
            t.expected,
            t.found,
            t.correct,
            t.correct as f64 / t.expected.max(1) as f64,
            t.correct as f64 / t.found.max(1) as f64
        );
    }
    for m in &misses {
        println!("{m}");
    }
    (tally, negatives, negatives_clean)
}

#[test]
fn masking_recall_and_precision_per_kind() {
    // The set src/pii.rs was tuned on: high floors.
    let (tally, negatives, negatives_clean) =
        evaluate("tests/pii_set.tsv", include_str!("pii_set.tsv"));
    let te: usize = tally.values().map(|t| t.expected).sum();
    assert!(te >= 200 && negatives >= 80, "the set is large enough");
    for (_, name) in KINDS {
        let t = &tally[name];
        let r = t.correct as f64 / t.expected as f64;
        let p = t.correct as f64 / t.found.max(1) as f64;
        assert!(r >= 0.95, "{name} recall {r:.2} below 0.95");
        assert!(p >= 0.95, "{name} precision {p:.2} below 0.95");
    }
    assert!(
        negatives_clean as f64 >= 0.95 * negatives as f64,
        "negatives masked: {}",
        negatives - negatives_clean
    );
}

#[test]
fn masking_on_held_out_lines() {
    // Written before the masker was run on them and never tuned on. Floors are lower than the
    // development set's (0.95): regression guards, not targets.
    let (tally, negatives, negatives_clean) = evaluate(
        "tests/pii_set_heldout.tsv",
        include_str!("pii_set_heldout.tsv"),
    );
    let (e, f, c) = tally.values().fold((0, 0, 0), |a, t| {
        (a.0 + t.expected, a.1 + t.found, a.2 + t.correct)
    });
    assert!(e >= 120 && negatives >= 50);
    assert!(c as f64 / e as f64 >= 0.9, "held-out recall {c}/{e}");
    assert!(
        c as f64 / f.max(1) as f64 >= 0.9,
        "held-out precision {c}/{f}"
    );
    for (_, name) in KINDS {
        let t = &tally[name];
        assert!(
            t.correct as f64 >= 0.85 * t.expected as f64,
            "{name} recall"
        );
        assert!(
            t.correct as f64 >= 0.85 * t.found as f64,
            "{name} precision"
        );
    }
    assert!(negatives_clean as f64 >= 0.9 * negatives as f64);
}
