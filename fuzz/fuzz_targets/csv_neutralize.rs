//! Formula neutralisation of CSV cells: whatever the cell, no segment that a `;` `,` tab or
//! newline split exposes starts a formula, and reading back inverts it exactly; JSON cells stay
//! the same JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use npsight::output::csvsafe::{is_unsafe, neutralize, neutralize_json, unneutralize};

fuzz_target!(|data: &[u8]| {
    let Ok(cell) = std::str::from_utf8(data) else {
        return;
    };
    let safe = neutralize(cell);
    assert!(!is_unsafe(&safe), "{cell:?} -> {safe:?}");
    assert_eq!(unneutralize(&safe), cell);
    let json = serde_json::to_string(&[cell]).unwrap();
    let safe_json = neutralize_json(&json);
    assert!(!is_unsafe(&safe_json), "{safe_json}");
    let back: Vec<String> = serde_json::from_str(&safe_json).unwrap();
    assert_eq!(back[0], cell);
});
