//! npsight: offline root-cause analysis of contact-centre NPS survey comments.
//!
//! The library knows nothing of the command line: [`analyze::analyze`] takes a validated
//! [`analyze::AnalyzeConfig`], a [`taxonomy::Taxonomy`], a [`lexicon::SentimentLexicon`] and any
//! [`tagger::Classifier`], and writes tagged data, rejects, `summary.json` and the reports. Rows
//! are read and validated by [`input`], tagged by [`tagger`], counted by [`stats`]; the reports
//! are rendered by [`output`] from one model, [`report`], built once at the end of the run.

pub mod adopt;
pub mod analyze;
pub mod cli;
pub mod compare;
pub mod discover;
pub mod encoder;
pub mod eval;
pub mod heads;
pub mod history;
pub mod input;
pub mod labelled;
pub mod lexicon;
pub mod output;
pub mod pii;
pub mod progress;
pub mod project;
pub mod report;
pub mod stats;
pub mod tag;
pub mod tagger;
pub mod taxonomy;
pub mod text;
pub mod timings;
pub mod train;
