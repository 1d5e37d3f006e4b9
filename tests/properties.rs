//! Property tests: whatever the export looks like, every row is either tagged or rejected, and
//! tagging does not depend on how rows are cut into batches and chunks, nor a `tag` stream on how
//! it is cut into shards.

mod common;

use common::{models, Models};

use npsight::analyze::{analyze, AnalyzeConfig};
use proptest::prelude::*;

fn count_records(path: &std::path::Path) -> usize {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap()
        .records()
        .count()
}

/// Run analyze on `bytes` and check the accounting; returns (rows_in, tagged, rejected).
fn run(m: &Models, bytes: &[u8], batch: usize, chunk: usize) -> Option<(u64, u64, u64, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, bytes).unwrap();
    let mut cfg = AnalyzeConfig::new(&input, dir.path().join("out"));
    cfg.batch_size = batch;
    cfg.chunk_rows = chunk;
    cfg.threads = 2;
    // Usage errors (no header, no score column) are allowed outcomes for garbage; panics are not.
    let outcome = analyze(&cfg, &m.taxonomy, &m.lexicon, &m.tagger).ok()?;
    let c = &outcome.summary.counts;
    let tagged_rows = count_records(&dir.path().join("out/tagged.csv"));
    let rejected_rows = count_records(&dir.path().join("out/rejected.csv"));
    assert_eq!(
        c.rows_in,
        c.tagged + c.rejected,
        "rows in = tagged + rejected"
    );
    assert_eq!(
        tagged_rows as u64, c.tagged,
        "tagged.csv holds every tagged row"
    );
    assert_eq!(
        rejected_rows as u64, c.rejected,
        "rejected.csv holds every rejected row"
    );
    assert_eq!(c.rejected, c.rejected_by_reason.values().sum::<u64>());
    let tagged = std::fs::read(dir.path().join("out/tagged.csv")).unwrap();
    // Whatever separator a spreadsheet assumes, no output cell starts a formula.
    for name in ["out/tagged.csv", "out/rejected.csv"] {
        let text =
            String::from_utf8_lossy(&std::fs::read(dir.path().join(name)).unwrap()).into_owned();
        common::assert_spreadsheet_safe(name, &text);
    }
    Some((c.rows_in, c.tagged, c.rejected, tagged))
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ]{0,12}",
        Just("on hold for ages, rude agent".to_string()),
        Just("客服态度很差".to_string()),
        Just("Не плохо, но долго".to_string()),
        "[0-9]{1,2}",
        Just("N/A".to_string()),
        Just("\"quoted, with \"\" quotes\nand a newline\"".to_string()),
        Just("=1+1".to_string()),
        Just("\"ok;=1+1;\"".to_string()),
        Just("x;@SUM(1)".to_string()),
        "[a;=+@\\- \t]{1,8}",
        Just("".to_string()),
        "\\PC{0,20}",
    ]
}

fn export() -> impl Strategy<Value = String> {
    let row = prop::collection::vec(field(), 0..6).prop_map(|f| f.join(","));
    prop::collection::vec(row, 0..40)
        .prop_map(|rows| format!("id,score,comment,team\n{}", rows.join("\n")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_row_is_tagged_or_rejected(csv in export()) {
        let m = models();
        let lines_in = count_records_str(&csv);
        if let Some((rows_in, _, _, _)) = run(&m, csv.as_bytes(), 7, 13) {
            prop_assert!(rows_in as usize <= lines_in, "blank lines are skipped, nothing is invented");
        }
    }

    #[test]
    fn garbage_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let m = models();
        let mut data = b"score,comment\n".to_vec();
        data.extend(bytes);
        let _ = run(&m, &data, 3, 5);
    }

    #[test]
    fn batch_and_chunk_sizes_do_not_change_the_output(csv in export(), batch in 1usize..9, chunk in 1usize..20) {
        let m = models();
        let a = run(&m, csv.as_bytes(), batch, chunk);
        let b = run(&m, csv.as_bytes(), 64, 4096);
        prop_assert_eq!(a, b);
    }
}

/// Text built from the characters that matter to a spreadsheet's split and formula detection.
fn spreadsheet_text() -> impl Strategy<Value = String> {
    "[a1 ;,\t\r\n\"'=+@\\-.＝]{0,24}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn neutralised_cells_never_expose_a_formula_and_read_back_exactly(cell in spreadsheet_text()) {
        use npsight::output::csvsafe::{is_unsafe, neutralize, unneutralize};
        let safe = neutralize(&cell);
        prop_assert!(!is_unsafe(&safe), "{:?} -> {:?}", cell, safe);
        prop_assert_eq!(unneutralize(&safe), cell.as_str());
        let mut w = npsight::output::csvsafe::writer(Vec::new());
        w.write_record([cell.as_str(), "-5"]).unwrap();
        let bytes = w.into_inner().unwrap();
        common::assert_spreadsheet_safe("cell", &String::from_utf8(bytes).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// A score is accepted only in the forms the README lists.
    #[test]
    fn only_the_documented_score_forms_are_accepted(
        raw in "[ 0-9+\\-.,/xeE_a-z:=(]{0,12}|[0-9]{1,2}[ ]?(/[ ]?[0-9]{1,3}(/[0-9]{2,4})?|[ ][a-z]+( of [0-9])?|e[0-9]|x[0-9]|_[0-9])"
    ) {
        let documented = regex::Regex::new(
            r"^[+-]?[0-9]+([.,][0-9]+)?(\s*/\s*10([.,][0-9]+)?|\s*[-–—=:(].*\p{Alphabetic}.*)?$",
        )
        .unwrap();
        if let Ok(n) = npsight::input::score::parse_nps(&raw) {
            prop_assert!(documented.is_match(raw.trim()), "{:?} accepted as {}", raw, n);
            prop_assert!(n <= 10);
        }
    }
}

/// Comment lines that look like records of their own, quotes, commas and line ends.
fn tricky_comment() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("2,3,fine".to_string()),
            Just("3,N/A,\"no score\"".to_string()),
            Just("He said \"wait\", then".to_string()),
            Just("\"".to_string()),
            "[a-z ,;]{0,10}",
        ],
        1..5,
    )
    .prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// A correctly quoted export is never rejected for its quotes, whatever its comments hold.
    #[test]
    fn correctly_quoted_comments_are_never_rejected_as_unbalanced(
        comments in prop::collection::vec(tricky_comment(), 1..12)
    ) {
        let m = models();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["id", "score", "comment"]).unwrap();
        for (i, c) in comments.iter().enumerate() {
            w.write_record([format!("r{i}"), (i % 11).to_string(), c.clone()]).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let (rows_in, tagged, rejected, _) = run(&m, &bytes, 4, 5).expect("a valid export");
        prop_assert_eq!(rows_in as usize, comments.len());
        prop_assert_eq!(tagged, rows_in);
        prop_assert_eq!(rejected, 0);
    }
}

/// Reads at most `n` bytes at a time.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(self.1).min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Mixed UTF-8 and Windows-1252: the decoded text does not depend on how the bytes arrive,
    /// keeps every valid UTF-8 text as it is, and never holds a replacement character that
    /// was not in the input.
    #[test]
    fn mixed_encodings_decode_the_same_whatever_the_read_sizes(
        parts in prop::collection::vec(prop_oneof![
            "\\PC{0,6}".prop_map(|s| s.into_bytes()),
            prop::collection::vec(128u8..=255, 1..4),
        ], 0..8),
        chunk in 1usize..9,
    ) {
        use std::io::Read;
        use npsight::input::decode::Utf8Or1252;
        let bytes: Vec<u8> = parts.concat();
        let decode = |n: usize| {
            let (mut r, _) = Utf8Or1252::new(Trickle(&bytes, n));
            let mut s = String::new();
            r.read_to_string(&mut s).unwrap();
            s
        };
        let whole = decode(1 << 20);
        prop_assert_eq!(&decode(chunk), &whole);
        let bom_free = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        if let Ok(text) = std::str::from_utf8(bom_free) {
            prop_assert_eq!(&whole, text);
        }
        prop_assert_eq!(
            whole.matches('\u{FFFD}').count(),
            bytes.windows(3).filter(|w| *w == "\u{FFFD}".as_bytes()).count()
        );
    }
}

fn count_records_str(s: &str) -> usize {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(s.as_bytes())
        .records()
        .count()
}

// ---- masking, thread count, input order, merge of halves ----

fn pii_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("call me on +44 7700 900123".to_string()),
        Just("jo.doe@example.com".to_string()),
        Just("card 4111 1111 1111 1111".to_string()),
        Just("IBAN DE89 3704 0044 0532 0130 00".to_string()),
        Just("my name is Anna".to_string()),
        Just("меня зовут".to_string()),
        Just("Mr".to_string()),
        "[0-9]{1,14}",
        "[a-zA-Z]{1,8}",
        "\\PC{0,12}",
        Just(" ".to_string()),
        Just(",".to_string()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

/// Rows with unique ids (a repeated id is rejected, and which repeat depends on the order).
fn unique_id_export() -> impl Strategy<Value = Vec<String>> {
    let row = (
        0u8..12,
        field(),
        prop_oneof![Just("A"), Just("B"), Just("C")],
    );
    prop::collection::vec(row, 0..40).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (score, comment, team))| {
                let score = if score == 11 {
                    "N/A".to_string()
                } else {
                    score.to_string()
                };
                // The one pre-quoted field of `field()` stays as it is; everything else is quoted
                // here, so no row swallows the next (that case has its own corpus test).
                let comment = if comment.starts_with("\"quoted") {
                    comment
                } else {
                    format!("\"{}\"", comment.replace('"', "\"\""))
                };
                format!("{i},{score},{comment},{team}")
            })
            .collect()
    })
}

/// tagged.csv bytes and summary.json statistics of one library run.
fn run_threads(m: &Models, csv: &str, threads: usize) -> (Vec<u8>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, csv).unwrap();
    let mut cfg = AnalyzeConfig::new(&input, dir.path().join("out"));
    cfg.threads = threads;
    cfg.batch_size = 3;
    cfg.chunk_rows = 10;
    analyze(&cfg, &m.taxonomy, &m.lexicon, &m.tagger).unwrap();
    let tagged = std::fs::read(dir.path().join("out/tagged.csv")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    (tagged, summary)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn masking_is_idempotent(text in pii_text()) {
        let once = npsight::pii::mask(&text);
        prop_assert_eq!(npsight::pii::mask(&once), once.clone());
        let (with_spans, _) = npsight::pii::mask_with_spans(&text, &[]);
        prop_assert_eq!(with_spans, once);
    }

    #[test]
    fn thread_count_does_not_change_any_output(rows in unique_id_export()) {
        let m = models();
        let csv = format!("id,score,comment,team\n{}\n", rows.join("\n"));
        let (tagged1, mut summary1) = run_threads(&m, &csv, 1);
        let (tagged2, mut summary2) = run_threads(&m, &csv, 2);
        prop_assert_eq!(tagged1, tagged2);
        // Byte-identical apart from the fingerprint time.
        summary1["fingerprint"]["generated_at"] = serde_json::Value::Null;
        summary2["fingerprint"]["generated_at"] = serde_json::Value::Null;
        prop_assert_eq!(summary1, summary2);
    }

    #[test]
    fn input_order_does_not_change_tags_or_statistics(
        rows in unique_id_export(),
        seed in any::<u64>(),
    ) {
        let m = models();
        let mut shuffled = rows.clone();
        // A deterministic shuffle from the seed (Fisher-Yates with a small LCG).
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let a = run_threads(&m, &format!("id,score,comment,team\n{}\n", rows.join("\n")), 2);
        let b = run_threads(&m, &format!("id,score,comment,team\n{}\n", shuffled.join("\n")), 2);
        let sorted = |bytes: &[u8]| {
            let mut r = csv::Reader::from_reader(bytes);
            let mut v: Vec<Vec<String>> = r
                .records()
                .map(|x| x.unwrap().iter().map(String::from).collect())
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(sorted(&a.0), sorted(&b.0));
        let stats = |s: &serde_json::Value| {
            let mut st = s["statistics"].clone();
            // Verbatim picks break rank ties by row number, so they follow the order; every
            // count, rate and interval must not.
            strip_key(&mut st, "verbatims");
            // Mismatch examples name their row numbers, which follow the order too.
            strip_key(&mut st, "mismatch_examples");
            st
        };
        prop_assert_eq!(stats(&a.1), stats(&b.1));
        prop_assert_eq!(&a.1["counts"], &b.1["counts"]);
    }

    #[test]
    fn statistics_of_a_file_equal_the_merge_of_its_halves(
        rows in prop::collection::vec((0u8..11, field(), prop_oneof![Just("A"), Just("B")]), 0..40),
        cut in 0usize..40,
    ) {
        use npsight::stats::{Accumulator, RowFacts};
        use npsight::tagger::{prepare, Classifier};
        let m = models();
        let n_themes = m.taxonomy.themes.len();
        let prepared: Vec<_> = rows.iter().map(|(_, c, _)| prepare(c, &m.lexicon)).collect();
        let tags = m.tagger.classify(&prepared).unwrap();
        let facts_segments: Vec<Vec<(String, String)>> = rows
            .iter()
            .map(|(_, _, t)| vec![("team".to_string(), t.to_string())])
            .collect();
        let ids: Vec<String> = (0..rows.len()).map(|i| i.to_string()).collect();
        let add = |acc: &mut Accumulator, i: usize| {
            let commented = !prepared[i].text.is_empty();
            acc.add(&RowFacts {
                row: i as u64 + 1,
                id: &ids[i],
                score: rows[i].0,
                agent_score: None,
                tagging: commented.then_some(&tags[i]),
                language: commented.then_some(prepared[i].language.code.as_str()),
                text: commented.then_some(prepared[i].text.as_str()),
                segments: &facts_segments[i],
            });
        };
        let cut = cut.min(rows.len());
        let mut whole = Accumulator::new(n_themes);
        (0..rows.len()).for_each(|i| add(&mut whole, i));
        let mut first = Accumulator::new(n_themes);
        (0..cut).for_each(|i| add(&mut first, i));
        let mut second = Accumulator::new(n_themes);
        (cut..rows.len()).for_each(|i| add(&mut second, i));
        first.merge(&second);
        let a = serde_json::to_value(whole.finish(&m.taxonomy)).unwrap();
        let b = serde_json::to_value(first.finish(&m.taxonomy)).unwrap();
        prop_assert_eq!(a, b);
        prop_assert_eq!(whole.verbatims, first.verbatims);
    }
}

fn strip_key(v: &mut serde_json::Value, key: &str) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove(key);
            map.values_mut().for_each(|x| strip_key(x, key));
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|x| strip_key(x, key)),
        _ => {}
    }
}

/// Records for `npsight tag`: comments from a small pool (long and short, several languages,
/// project-written), some without a score or comment, now and then a line that is not a record.
fn tag_stream_lines() -> impl Strategy<Value = Vec<String>> {
    // Mostly German, so that many streams have a German prior that short shards lack.
    const POOL: &[&str] = &[
        "Die Mitarbeiterin hat mir schnell und freundlich geholfen.",
        "Der Berater hat mich dreimal weiterverbunden, bis jemand zuständig war.",
        "Ich habe ewig in der Warteschleife gewartet und niemand hat geholfen.",
        "Die Rechnung war falsch und die Wartezeit viel zu lang.",
        "Der Techniker kam pünktlich und hat alles genau erklärt.",
        "Man hat mir einen Rückruf versprochen, aber es kam keiner.",
        "Die Dame am Telefon war sehr geduldig und kompetent.",
        "Leider konnte mir niemand bei meinem Problem weiterhelfen.",
        "Der Kollege im Chat hat mein Anliegen sofort gelöst.",
        "Ich musste meine Kundennummer dreimal nennen, das nervt.",
        "Super",
        "Ok",
        "Prima",
        "I was on hold for 45 minutes and nobody called back",
        "Very friendly agent who sorted it quickly",
        "Muy bien",
        "Très bien, merci",
        "Отлично",
        "很好",
        "",
    ];
    prop::collection::vec((0..POOL.len(), prop::option::of(0u8..=12), 0u8..20), 0..90).prop_map(
        |v| {
            v.into_iter()
                .map(|(c, score, kind)| match kind {
                    0 => "{not json".to_string(),
                    _ => {
                        let mut o = serde_json::json!({ "comment": POOL[c] });
                        if let Some(s) = score {
                            o["score"] = s.into();
                        }
                        o.to_string()
                    }
                })
                .collect()
        },
    )
}

fn tag_lines(
    m: &Models,
    input: &str,
    hint: Option<Option<npsight::text::LanguageHint>>,
    batch: usize,
) -> String {
    let cfg = npsight::tag::TagConfig {
        hint,
        masking: npsight::pii::Masking::new(false),
        batch,
    };
    let mut out = Vec::new();
    npsight::tag::tag_stream(
        input.as_bytes(),
        &mut out,
        &cfg,
        &m.taxonomy,
        &m.lexicon,
        &m.tagger,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Any split of a stream into contiguous shards, each record carrying its row and every
    /// shard the whole stream's prior, tagged in any batch size and joined in shard order, gives
    /// the whole stream's lines: the sharding rule of `npsight tag` (README, "npsight tag").
    #[test]
    fn any_split_of_a_tag_stream_joins_to_one_run(
        lines in tag_stream_lines(),
        cuts in prop::collection::vec(0usize..90, 0..6),
        batch in 1usize..9,
    ) {
        let m = models();
        let whole: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let one = tag_lines(&m, &whole, None, 256);
        prop_assert_eq!(one.lines().count(), lines.len(), "one line per record");
        let prior = npsight::tag::measure_prior(whole.as_bytes()).unwrap();
        let hint = Some(prior.map(npsight::text::LanguageHint::Prior));
        // Rows as one run numbers them; a line that is not JSON keeps its shard line (the
        // documented exception), so those lines are compared by status only.
        let numbered: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| match serde_json::from_str::<serde_json::Value>(l) {
                Ok(mut v) => {
                    v["row"] = (i as u64 + 1).into();
                    v.to_string()
                }
                Err(_) => l.clone(),
            })
            .collect();
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(lines.len())).collect();
        bounds.push(0);
        bounds.push(lines.len());
        bounds.sort_unstable();
        let mut joined = String::new();
        for w in bounds.windows(2) {
            let shard: String = numbered[w[0]..w[1]].iter().map(|l| format!("{l}\n")).collect();
            joined.push_str(&tag_lines(&m, &shard, hint, batch));
        }
        prop_assert_eq!(joined.lines().count(), lines.len());
        for (a, b) in joined.lines().zip(one.lines()) {
            if b.contains(r#""status":"rejected""#) && b.contains("not JSON") {
                prop_assert!(a.contains("not JSON"), "{} / {}", a, b);
            } else {
                prop_assert_eq!(a, b);
            }
        }
    }
}

/// The property above has teeth: many streams from its pool have a German prior, and short
/// answers read alone differ from the same answers given that prior.
#[test]
fn the_split_property_sees_streams_with_a_prior() {
    use proptest::strategy::ValueTree;
    let m = models();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = tag_stream_lines();
    let mut with_prior = 0;
    for _ in 0..40 {
        let lines = strategy.new_tree(&mut runner).unwrap().current();
        let whole: String = lines.iter().map(|l| format!("{l}\n")).collect();
        if npsight::tag::measure_prior(whole.as_bytes()).unwrap() == Some("de") {
            with_prior += 1;
        }
    }
    assert!(
        with_prior >= 10,
        "only {with_prior} of 40 streams have a German prior"
    );
    let short = "{\"comment\":\"Super\"}\n{\"comment\":\"Ok\"}\n{\"comment\":\"Prima\"}\n";
    let alone = tag_lines(&m, short, Some(None), 8);
    let given = tag_lines(
        &m,
        short,
        Some(Some(npsight::text::LanguageHint::Prior("de"))),
        8,
    );
    assert_ne!(alone, given, "the prior changes how short answers are read");
}
