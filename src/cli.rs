//! The command line: clap arguments become a validated [`AnalyzeConfig`] once, then the library
//! runs. Exit codes: 0 every row tagged, 1 the run finished but rows were rejected (see
//! rejected.csv), 2 usage or I/O error (nothing written).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};

use crate::input::columns::Role;
use crate::lexicon::SentimentLexicon;
use crate::output::{fmt_signed, report_md::nps_with_ci};
use crate::pipeline::{analyze, AnalyzeConfig, Outcome};
use crate::tagger::{LexiconConfig, LexiconTagger};
use crate::taxonomy::Taxonomy;

#[derive(Parser, Debug)]
#[command(
    name = "npsight",
    version,
    about = "Offline root-cause analysis of contact-centre NPS survey comments"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Tag every comment of a survey export and write the root-cause report.
    Analyze(Box<AnalyzeArgs>),
    /// Validate a taxonomy file and list its themes.
    CheckTaxonomy {
        /// The taxonomy TOML file.
        file: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// The export: CSV (`,` `;` tab or `|`, sniffed; UTF-8, UTF-16 or Windows-1252) or a workbook (.xlsx, .xls, .ods).
    pub input: PathBuf,
    /// Output folder (created if missing); outputs are replaced atomically at the end.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Theme taxonomy TOML (default: the built-in models/taxonomy.toml).
    #[arg(long)]
    pub taxonomy: Option<PathBuf>,
    /// Sentiment lexicon TOML (default: the built-in models/sentiment.toml).
    #[arg(long)]
    pub sentiment_lexicon: Option<PathBuf>,
    /// Column holding the comment (header or 1-based position).
    #[arg(long, value_name = "COLUMN")]
    pub text_column: Option<String>,
    /// Column holding the 0-10 NPS answer.
    #[arg(long, value_name = "COLUMN")]
    pub score_column: Option<String>,
    /// Column holding the response id.
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Column holding the response date.
    #[arg(long, value_name = "COLUMN")]
    pub date_column: Option<String>,
    /// Column holding the agent.
    #[arg(long, value_name = "COLUMN")]
    pub agent_column: Option<String>,
    /// Column holding the team or department.
    #[arg(long, value_name = "COLUMN")]
    pub team_column: Option<String>,
    /// Column holding the channel.
    #[arg(long, value_name = "COLUMN")]
    pub channel_column: Option<String>,
    /// Column holding the agent-level 0-10 score.
    #[arg(long, value_name = "COLUMN")]
    pub agent_score_column: Option<String>,
    /// Segment columns to compare, comma-separated (default: the detected agent, team, channel, site, queue, region).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub segment_columns: Option<Vec<String>>,
    /// Worksheet to read from a workbook (default: the first non-empty one).
    #[arg(long)]
    pub sheet: Option<String>,
    /// CSV delimiter instead of sniffing: a single character, or "tab".
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,
    /// Keep personal data in report verbatims (masked by default).
    #[arg(long)]
    pub keep_pii: bool,
    /// No progress bar and no closing summary.
    #[arg(long, short)]
    pub quiet: bool,
}

impl AnalyzeArgs {
    /// Validate raw arguments into the library's configuration.
    pub fn to_config(&self) -> Result<AnalyzeConfig> {
        let mut cfg = AnalyzeConfig::new(&self.input, &self.out);
        cfg.input.sheet = self.sheet.clone();
        cfg.input.delimiter = match self.delimiter.as_deref() {
            None => None,
            Some("tab" | "\\t" | "\t") => Some(b'\t'),
            Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
            Some(d) => {
                bail!("--delimiter '{d}': give one ASCII character such as ';' or the word tab")
            }
        };
        let named = [
            (Role::Text, &self.text_column),
            (Role::Score, &self.score_column),
            (Role::Id, &self.id_column),
            (Role::Date, &self.date_column),
            (Role::Agent, &self.agent_column),
            (Role::Team, &self.team_column),
            (Role::Channel, &self.channel_column),
            (Role::AgentScore, &self.agent_score_column),
        ];
        cfg.columns = named
            .into_iter()
            .filter_map(|(r, v)| v.clone().map(|v| (r, v)))
            .collect();
        cfg.segment_columns = self.segment_columns.clone().map(|v| {
            v.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
        cfg.threads = self.threads;
        cfg.quiet = self.quiet;
        cfg.keep_pii = self.keep_pii;
        if self.out.is_file() {
            bail!("--out {}: is a file; give a folder", self.out.display());
        }
        Ok(cfg)
    }
}

fn load_models(args: &AnalyzeArgs) -> Result<(Taxonomy, SentimentLexicon)> {
    let taxonomy = match &args.taxonomy {
        Some(p) => Taxonomy::load(p)?,
        None => Taxonomy::builtin()?,
    };
    let lexicon = match &args.sentiment_lexicon {
        Some(p) => SentimentLexicon::load(p)?,
        None => SentimentLexicon::builtin()?,
    };
    Ok((taxonomy, lexicon))
}

/// The closing paragraph: rows, NPS, top three themes by impact.
pub fn closing_summary(o: &Outcome) -> String {
    let s = &o.summary;
    let c = &s.counts;
    let top: Vec<String> = s
        .statistics
        .themes_by_impact()
        .into_iter()
        .filter(|t| t.impact_points.unwrap_or(0.0) < 0.0)
        .take(3)
        .map(|t| format!("{} {} pts", t.id, fmt_signed(t.impact_points, 1)))
        .collect();
    format!(
        "npsight: {} rows in, {} tagged, {} rejected{}. NPS {} over {} responses ({} with a comment). Top themes by impact: {}. Outputs in {}.",
        c.rows_in,
        c.tagged,
        c.rejected,
        if c.rejected > 0 { " (see rejected.csv)" } else { "" },
        nps_with_ci(&s.statistics.overall),
        s.statistics.overall.n,
        c.commented,
        if top.is_empty() { "none".to_string() } else { top.join(", ") },
        o.out_dir.display()
    )
}

fn run_analyze(args: &AnalyzeArgs) -> Result<ExitCode> {
    let cfg = args.to_config()?;
    let (taxonomy, lexicon) = load_models(args)?;
    let tagger = LexiconTagger::new(&LexiconConfig {
        taxonomy: taxonomy.clone(),
        lexicon: lexicon.clone(),
    })?;
    let outcome = analyze(&cfg, &taxonomy, &lexicon, &tagger)?;
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", closing_summary(&outcome));
    }
    Ok(if outcome.summary.counts.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_check_taxonomy(file: &std::path::Path) -> Result<ExitCode> {
    let t = Taxonomy::load(file)?;
    let mut out = std::io::stdout().lock();
    for theme in &t.themes {
        let langs: Vec<String> = theme
            .patterns
            .iter()
            .map(|(l, v)| format!("{l}:{}", v.len()))
            .collect();
        let _ = writeln!(
            out,
            "{:<22} {:<8} {}",
            theme.id,
            theme.group.to_string(),
            langs.join(" ")
        );
    }
    let _ = writeln!(out, "{}: {} themes, valid", file.display(), t.themes.len());
    Ok(ExitCode::SUCCESS)
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match &cli.command {
        Command::Analyze(a) => run_analyze(a),
        Command::CheckTaxonomy { file } => run_check_taxonomy(file),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "npsight: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
