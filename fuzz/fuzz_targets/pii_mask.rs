//! The personal-data masker on arbitrary text: no panic, masking is idempotent (masking a
//! masked text changes nothing), and evidence spans moved to the masked text stay inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use npsight::pii;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let once = pii::mask(text);
    assert_eq!(pii::mask(&once), once, "masking is idempotent");
    let n = text.chars().count();
    let spans: Vec<(usize, usize)> = (0..n.min(8)).map(|i| (i, (i * 3 + 1).min(n))).collect();
    let (masked, moved) = pii::mask_with_spans(text, &spans);
    assert_eq!(masked, once, "both entry points mask alike");
    let m = masked.chars().count();
    for (s, e) in moved {
        assert!(s <= e && e <= m, "span ({s}, {e}) inside {m} chars");
    }
});
