//! The last step of a run: the input's hash is checked, the merged counts become statistics and
//! `summary.json`, the report model is built once (personal data masked there), report.md,
//! report.html and the coaching packs are rendered from it, and every output replaces the
//! previous run's in one transaction.

use anyhow::Result;

use super::chunks::Tagged;
use super::open::Run;
use super::{check_interrupted, AnalyzeConfig, Outcome};
use crate::compare;
use crate::input::columns::{self, Role};
use crate::output::atomic::Transaction;
use crate::output::summary::{Counts, Fingerprint, InputInfo, Summary, SCHEMA_VERSION};
use crate::output::{coaching, report_html, report_md, time};
use crate::report::{Report, Sources};
use crate::tagger::Classifier;
use crate::taxonomy::Taxonomy;

pub(super) fn finish(
    mut run: Run,
    tagged: Tagged,
    cfg: &AnalyzeConfig,
    taxonomy: &Taxonomy,
    classifier: &dyn Classifier,
) -> Result<Outcome> {
    let masking = run.masking;
    let layout = &run.layout;
    // Hashed while read: standard input and FIFOs are read once; a file that shrank while it
    // was read fails the run here, before any output replaces the previous ones.
    let (input_sha256, _) = run.input.digest.finish(&layout.file)?;

    let statistics_timer = crate::timings::start(crate::timings::Stage::Statistics);
    let acc = &tagged.acc;
    let mut statistics = acc.finish(taxonomy);
    acc.finish_kpis(&layout.ces, &mut statistics);
    acc.finish_kpi_drivers(taxonomy, &layout.ces, &mut statistics);
    let input_file = cfg
        .input
        .path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let (period, weeks) = acc.change.finish(cfg.by_week);
    let mut comparison_data =
        compare::ComparisonData::new(taxonomy, &input_file, &classifier.model_id(), period, weeks);
    if statistics.kpi.ces.is_some() {
        comparison_data.ces_scale = Some(layout.ces.clone());
    }
    let change = run
        .previous
        .as_ref()
        .map(|prev| compare::between_runs(prev, &comparison_data, ("previous run", "this run")));
    let mut history = history_of_run(
        cfg,
        &comparison_data,
        acc,
        layout.map.get(Role::Date).is_some(),
        layout.ces.max,
    );
    let weeks = cfg.by_week.then(|| {
        let col = layout.map.get(Role::Date).map_or("", |i| layout.header(i));
        compare::weeks_report(&comparison_data, col)
    });
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        fingerprint: Fingerprint {
            tool: "npsight".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            input_file,
            input_sha256,
            taxonomy_sha256: taxonomy.sha256.clone(),
            model_id: classifier.model_id(),
            generated_at: time::now_iso(),
        },
        input: InputInfo {
            format: crate::output::summary::InputFormatInfo {
                encoding_fallback: run.input.decoding.get(),
                ..(&run.input.format).into()
            },
            headers: layout.headers.clone(),
            columns: layout
                .map
                .found
                .iter()
                .map(|(r, i)| (r.name().to_string(), layout.headers[*i].clone()))
                .collect(),
            segment_columns: layout.segments.iter().map(|(n, _)| n.clone()).collect(),
            segment_candidates: if layout.segments.is_empty() {
                columns::segment_candidates(&layout.headers, &layout.map, &run.input.sample)
            } else {
                Vec::new()
            },
        },
        counts: Counts {
            rows_in: tagged.rows_in,
            tagged: tagged.tagged,
            rejected: tagged.rejected,
            commented: statistics.commented.n,
            no_comment: tagged.tagged - statistics.commented.n,
            rejected_by_reason: tagged.rejected_by_reason.clone(),
            unreadable_optional_fields: tagged.unreadable.clone(),
            windowed_texts: classifier.windowed_texts(),
        },
        pii_masked: masking.masks(),
        statistics,
        comparison_data: Some(comparison_data),
        change,
        weeks,
        trend: history.trend,
        // Suggested themes are described with masking, in the report model.
        discovered_themes: Vec::new(),
    };
    debug_assert_eq!(
        summary.counts.rows_in,
        summary.counts.tagged + summary.counts.rejected
    );
    drop(statistics_timer);
    let _report_timer = crate::timings::start(crate::timings::Stage::Report);
    let report = Report::build(
        summary,
        Sources {
            taxonomy,
            acc,
            discovery: &tagged.discovery,
            responses: &tagged.responses,
            coaching: tagged.coaching.as_ref(),
        },
        masking,
    );
    // A run covering one period stores its packs' units for the packs' trend of later runs.
    if let (Some(c), [entry], false) = (&report.coaching, &mut history.entries[..], cfg.by_week) {
        entry.units = c.units();
    }
    let files = &mut run.files;
    files.md.write_all(report_md::render(&report).as_bytes())?;
    files
        .html
        .write_all(report_html::render(&report).as_bytes())?;
    files.summary.write_all(&report.summary.to_json())?;
    if let (Some(f), Some(x)) = (files.xlsx.as_mut(), tagged.xlsx) {
        f.write_all(&x.finish(&report.summary)?)?;
    }
    // Every output, coaching packs included, is written in full before any replaces the
    // previous run's: all of them or none (see output::atomic).
    let out = run.out.clone();
    let mut tx = Transaction::new(&out);
    let Run { files, .. } = run;
    for f in [
        files.tagged,
        files.jsonl,
        files.rejected,
        files.md,
        files.html,
        files.summary,
    ]
    .into_iter()
    .chain(files.xlsx)
    {
        tx.add(f)?;
    }
    // A run without --xlsx does not leave an earlier run's workbook beside its new outputs.
    let old_xlsx = out.join("report.xlsx");
    if !cfg.xlsx && old_xlsx.is_file() {
        tx.remove(old_xlsx);
    }
    if report.coaching.is_some() {
        coaching::write(&out.join("coaching"), &mut tx, &report)?;
    }
    check_interrupted()?;
    tx.commit()?;
    // After the outputs: a run that failed leaves the history as it was.
    if let Some(dir) = &cfg.history {
        crate::history::write(dir, &history.entries)?;
    }
    let mut history_written: Vec<&crate::history::Entry> = history.entries.iter().collect();
    history_written.sort_by(|a, b| a.period.from.cmp(&b.period.from));
    Ok(Outcome {
        summary: report.summary,
        out_dir: out,
        history_written: history_written
            .into_iter()
            .map(|e| e.period.key.clone())
            .collect(),
        history_warnings: history.warnings,
    })
}

/// What `--history` gives a run: the entries it will write, the trend for its report and the
/// warnings to print.
#[derive(Default)]
struct RunHistory {
    entries: Vec<crate::history::Entry>,
    trend: Option<crate::history::Trend>,
    warnings: Vec<String>,
}

fn history_of_run(
    cfg: &AnalyzeConfig,
    data: &compare::ComparisonData,
    acc: &crate::stats::Accumulator,
    has_date_column: bool,
    ces_max: u8,
) -> RunHistory {
    let Some(dir) = &cfg.history else {
        return RunHistory::default();
    };
    // Whether the run lies within one ISO week needs its weeks, also without --by-week.
    let all_weeks;
    let weeks = if cfg.by_week {
        &data.weeks
    } else {
        all_weeks = acc.change.finish(true).1;
        &all_weeks
    };
    let entries =
        match crate::history::run_entries(data, weeks, cfg.by_week, has_date_column, ces_max) {
            Ok(e) => e,
            Err(why) => {
                return RunHistory {
                    warnings: vec![format!("--history {}: {why}", dir.display())],
                    ..Default::default()
                }
            }
        };
    let (stored, load_warnings) = crate::history::load(dir);
    let trend = crate::history::trend::build(
        stored,
        &entries,
        cfg.history_periods,
        &data.taxonomy_sha256,
        &load_warnings,
    );
    RunHistory {
        warnings: trend.as_ref().map_or(load_warnings, |t| t.warnings.clone()),
        entries,
        trend,
    }
}
