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
//! - *CPU* seconds inside `classify` (the worker thread's CPU clock on Linux), summed over
//!   workers and measured on the leaf work items
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
    /// The same batches as `Encode`, in wall time of the calling worker (libtorch also runs
    /// intra-op threads of its own, whose CPU time the caller's clock does not see).
    EncodeWall,
    Heads,
}

const STAGES: [(Stage, &str); 12] = [
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
    (Stage::EncodeWall, "encode_wall"),
    (Stage::Heads, "heads"),
];

static NANOS: [AtomicU64; 12] = [const { AtomicU64::new(0) }; 12];
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

/// Adds the time until it is dropped to `stage`; does nothing when timings are off. Wall stages
/// count wall time; the stages inside `classify` count the worker thread's CPU time (Linux;
/// wall time elsewhere), so that a busy machine, which deschedules workers mid-batch, does not
/// inflate them: they measure the work, comparable to the raw ONNX Runtime replay.
#[must_use = "the time is recorded when the timer is dropped"]
pub struct Timer(Option<(Stage, u64)>);

fn is_wall(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::Load
            | Stage::Read
            | Stage::Classify
            | Stage::Write
            | Stage::Statistics
            | Stage::Report
            | Stage::EncodeWall
    )
}

fn now_ns(stage: Stage) -> u64 {
    if !is_wall(stage) {
        if let Some(ns) = thread_cpu_ns() {
            return ns;
        }
    }
    let start = *START.get_or_init(Instant::now);
    start.elapsed().as_nanos() as u64
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_ns() -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec (two 64-bit fields on 64-bit Linux) into `t`,
    // which lives for the call; the clock id is the kernel's per-thread CPU clock.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    (rc == 0).then(|| t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_ns() -> Option<u64> {
    None
}

pub fn start(stage: Stage) -> Timer {
    Timer(enabled().then(|| (stage, now_ns(stage))))
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some((stage, t)) = self.0 {
            let i = STAGES.iter().position(|(s, _)| *s == stage).unwrap_or(0);
            NANOS[i].fetch_add(now_ns(stage).saturating_sub(t), Ordering::Relaxed);
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
        "npsight timings: total {total:.2} s = load {:.2} + read {:.2} + classify {:.2} + write {:.2} + statistics {:.2} + report {:.2} (wall); inside classify (CPU-s): prepare {:.2}, lexicon {:.2}, tokenise {:.2}, encode {:.2} (wall {:.2}), heads {:.2}",
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
        seconds(Stage::EncodeWall),
        seconds(Stage::Heads),
    );
    Some(format!(
        "{human}\nNPSIGHT_TIMINGS {}",
        serde_json::Value::Object(json)
    ))
}
