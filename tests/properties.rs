//! Property tests: whatever the export looks like, every row is either tagged or rejected, and
//! tagging does not depend on how rows are cut into batches and chunks.

mod common;

use common::{models, Models};

use npsight::pipeline::{analyze, AnalyzeConfig};
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

fn count_records_str(s: &str) -> usize {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(s.as_bytes())
        .records()
        .count()
}
