//! Opt-in stage timings for benchmarks (`NPSIGHT_TIMINGS=1`, see README "Performance").
//!
//! Off by default and then free apart from one cached flag test per timer. When on, `npsight
//! analyze` prints to stderr, after the run, one human line and one `NPSIGHT_TIMINGS {json}`
//! line that `scripts/bench` parses. Outputs are never touched, so the bytes stay identical.
//!
//! Two kinds of figures:
//! - *wall* stages, measured on the main thread: `load` (taxonomy, lexicons, model and heads),
//!   `read` (reading and validating records), `classify` (the parallel tagging of each chunk),
//!   `write` (tagged.csv/rejected.csv rows), `statistics`, `report` (rendering and committing
//!   the five files).
//! - *thread* seconds inside `classify`, summed over workers and measured on the leaf work items
//!   (one comment prepared, one text tokenised, one padded batch run, ...), so nested rayon work
//!   stealing does not count twice: `prepare` (normalise, language, clauses), `lexicon`,
//!   `tokenise`, `encode` (padding, the forward pass, pooling) and `heads` (the heads and the
//!   clause-level lexicon features). Their shares split the `classify` wall time.
//!
//! The padded batch shapes (rows x sequence length) are counted too, so a raw ONNX Runtime
//! baseline can replay batches of exactly the same shapes (`benches/raw_ort.py`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Load,
    Read,
    Classify,
    Write,
    Statistics,
    Report,
    Prepare,
    Lexicon,
    Tokenise,
    Encode,
    Heads,
}

const STAGES: [(Stage, &str); 11] = [
    (Stage::Load, "load"),
    (Stage::Read, "read"),
    (Stage::Classify, "classify"),
    (Stage::Write, "write"),
    (Stage::Statistics, "statistics"),
    (Stage::Report, "report"),
    (Stage::Prepare, "prepare"),
    (Stage::Lexicon, "lexicon"),
    (Stage::Tokenise, "tokenise"),
    (Stage::Encode, "encode"),
    (Stage::Heads, "heads"),
];

static NANOS: [AtomicU64; 11] = [const { AtomicU64::new(0) }; 11];
static SHAPES: Mutex<BTreeMap<(usize, usize), u64>> = Mutex::new(BTreeMap::new());
static START: OnceLock<Instant> = OnceLock::new();

/// Whether `NPSIGHT_TIMINGS` is set to something other than empty or `0` (read once).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("NPSIGHT_TIMINGS").is_ok_and(|v| !v.is_empty() && v != "0"))
}

/// Start the run's clock (the first call wins).
pub fn begin() {
    if enabled() {
        START.get_or_init(Instant::now);
    }
}

/// Adds the time until it is dropped to `stage`; does nothing when timings are off.
#[must_use = "the time is recorded when the timer is dropped"]
pub struct Timer(Option<(Stage, Instant)>);

pub fn start(stage: Stage) -> Timer {
    Timer(enabled().then(|| (stage, Instant::now())))
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some((stage, t)) = self.0 {
            let i = STAGES.iter().position(|(s, _)| *s == stage).unwrap_or(0);
            NANOS[i].fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
    }
}

/// Count one padded batch of `rows` windows of `seq` tokens.
pub fn batch_shape(rows: usize, seq: usize) {
    if enabled() {
        *SHAPES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((rows, seq))
            .or_default() += 1;
    }
}

fn seconds(stage: Stage) -> f64 {
    let i = STAGES.iter().position(|(s, _)| *s == stage).unwrap_or(0);
    NANOS[i].load(Ordering::Relaxed) as f64 / 1e9
}

/// The report printed at the end of a run, or `None` when timings are off.
pub fn report() -> Option<String> {
    if !enabled() {
        return None;
    }
    let total = START.get().map_or(0.0, |t| t.elapsed().as_secs_f64());
    let mut json = serde_json::Map::new();
    json.insert("total".into(), total.into());
    for (stage, name) in STAGES {
        json.insert(name.into(), seconds(stage).into());
    }
    let shapes: Vec<serde_json::Value> = SHAPES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .map(|((r, s), n)| serde_json::json!([r, s, n]))
        .collect();
    json.insert("batch_shapes".into(), shapes.into());
    let human = format!(
        "npsight timings: total {total:.2} s = load {:.2} + read {:.2} + classify {:.2} + write {:.2} + statistics {:.2} + report {:.2} (wall); inside classify (thread-s): prepare {:.2}, lexicon {:.2}, tokenise {:.2}, encode {:.2}, heads {:.2}",
        seconds(Stage::Load),
        seconds(Stage::Read),
        seconds(Stage::Classify),
        seconds(Stage::Write),
        seconds(Stage::Statistics),
        seconds(Stage::Report),
        seconds(Stage::Prepare),
        seconds(Stage::Lexicon),
        seconds(Stage::Tokenise),
        seconds(Stage::Encode),
        seconds(Stage::Heads),
    );
    Some(format!(
        "{human}\nNPSIGHT_TIMINGS {}",
        serde_json::Value::Object(json)
    ))
}
