//! npsight: offline root-cause analysis of contact-centre NPS survey comments.
//!
//! The library knows nothing of the command line: [`pipeline::analyze`] takes a validated
//! [`pipeline::AnalyzeConfig`], a [`taxonomy::Taxonomy`], a [`lexicon::SentimentLexicon`] and any
//! [`tagger::Classifier`], and writes tagged data, rejects, `summary.json` and the reports.

pub mod adopt;
pub mod cli;
pub mod compare;
pub mod discover;
pub mod encoder;
pub mod eval;
pub mod heads;
pub mod input;
pub mod labelled;
pub mod lexicon;
pub mod output;
pub mod pii;
pub mod pipeline;
pub mod progress;
pub mod project;
pub mod stats;
pub mod tagger;
pub mod taxonomy;
pub mod text;
pub mod timings;
pub mod train;
