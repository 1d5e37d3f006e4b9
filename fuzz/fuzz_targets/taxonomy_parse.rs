//! Taxonomy parsing and validation on arbitrary text: a user's file either loads or gives
//! problems naming theme and field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use npsight::taxonomy::Taxonomy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Taxonomy::parse(text, "fuzz.toml") {
        Ok(t) => {
            for (i, theme) in t.themes.iter().enumerate() {
                assert_eq!(t.index_of(&theme.id), Some(i));
            }
        }
        Err(e) => assert!(!e.problems.is_empty()),
    }
});
