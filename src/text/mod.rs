//! Text handling shared by every classifier: normalisation, word tokens with character offsets,
//! a phrase matcher for lexicons written by people, language identification and clause splitting.
//!
//! Everything here works on the *normalised* comment (see [`normalize`]); character offsets in
//! evidence spans are offsets into that text, counted in Unicode scalar values.

pub mod clauses;
pub mod lang;
pub mod matcher;
pub mod normalize;
pub mod tokens;

pub use clauses::{split_clauses, Clause};
pub use lang::{detect_language, detect_language_with, Language, LanguageHint};
pub use matcher::{resolve_longest, Match, PhraseMatcher};
pub use normalize::normalize;
pub use tokens::{tokenize, Token};
