//! The command line: clap arguments become a validated [`AnalyzeConfig`] once, then the library
//! runs. Exit codes: 0 the run finished and wrote every output (rejected rows are counted in
//! summary.json and the closing line, not in the code, so a scheduler sees a finished run as a
//! success), 1 only with `--strict` when rows were rejected, 2 usage or I/O error (nothing
//! written).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::analyze::{analyze, AnalyzeConfig, Outcome};
use crate::input::columns::Role;
use crate::lexicon::SentimentLexicon;
use crate::output::{fmt_signed, nps_with_ci};
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
    ///
    /// Exit codes: 0 the run finished and wrote every output, rejected rows included (their
    /// count is in summary.json and the closing line); 1 with --strict when rows were rejected;
    /// 2 usage or I/O error, nothing written.
    Analyze(Box<AnalyzeArgs>),
    /// Tag a stream of records, JSON Lines in, JSON Lines out (`-` for standard input and
    /// output): one line per record in analyze's tagged.jsonl format, or a rejected line with the
    /// reason. For a data team's own pipeline (Spark, Ray, a shell pipe); no statistics, no report.
    Tag(Box<TagArgs>),
    /// Train the sentiment and theme heads on embeddings of the labelled examples.
    Train(Box<TrainArgs>),
    /// Measure accuracy against a gold file (per theme P/R/F1, sentiment accuracy).
    Eval(Box<EvalArgs>),
    /// Compare two runs' output folders: NPS change, attribution to themes, emerging themes.
    Compare(CompareArgs),
    /// Turn suggested themes of a run into themes of a taxonomy file: their comments become the
    /// new themes' examples, which `npsight train --taxonomy FILE` trains a head on.
    Adopt {
        /// The run's output folder (its summary.json).
        run: PathBuf,
        /// Suggestions to adopt, by their number in the report (1 = the first), comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        pick: Vec<usize>,
        /// Ids of the new themes, in --pick order (default: suggested_<number>).
        #[arg(long, value_delimiter = ',')]
        ids: Vec<String>,
        /// Group of the new themes: agent, process, outcome, channel or product.
        #[arg(long, default_value = "process", value_parser = parse_group)]
        group: crate::taxonomy::Group,
        /// Taxonomy to add them to (default: the built-in one).
        #[arg(long)]
        taxonomy: Option<PathBuf>,
        /// The new taxonomy file to write.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Write a commented project file (npsight.toml) from what is detected in an export:
    /// columns, segments, header row, CES scale. `analyze` then reads it from next to the export.
    Init {
        /// The export to look at.
        export: PathBuf,
        /// Where to write it (default: npsight.toml next to the export).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
        /// Worksheet of a workbook.
        #[arg(long)]
        sheet: Option<String>,
        /// The header's line, when detection picks the wrong one.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        header_row: Option<u64>,
    },
    /// Validate a taxonomy file and list its themes.
    CheckTaxonomy {
        /// The taxonomy TOML file.
        file: PathBuf,
    },
}

#[derive(Args, Debug, Clone)]
pub struct AnalyzeArgs {
    /// The export: CSV (`,` `;` tab or `|`, sniffed; UTF-8, UTF-16 or Windows-1252) or a workbook (.xlsx, .xls, .ods).
    pub input: PathBuf,
    /// Output folder (created if missing); outputs are replaced atomically at the end.
    /// Required, here or as `out` in the project file.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Project file (default: npsight.toml next to the export, when there is one); the flags
    /// given here override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// Column holding CSAT (1-5 satisfaction).
    #[arg(long, value_name = "COLUMN")]
    pub csat_column: Option<String>,
    /// Column holding CES (customer effort, 1-5 or 1-7).
    #[arg(long, value_name = "COLUMN")]
    pub ces_column: Option<String>,
    /// Column holding FCR (first-contact resolution, yes/no).
    #[arg(long, value_name = "COLUMN")]
    pub fcr_column: Option<String>,
    /// The CES scale: 1-5 or 1-7. Default: from the header ("CES (1-7)"), else 1-7 when a 6
    /// or 7 is among the first answers, else 1-5; an answer beyond the scale rejects its row.
    #[arg(long, value_name = "1-5|1-7", value_parser = ["1-5", "1-7"])]
    pub ces_scale: Option<String>,
    /// Which way the CES scale runs. Default: from the question ("How easy..." is
    /// higher-is-easier, "How much effort..." higher-is-harder), else unknown and said so.
    #[arg(long, value_parser = ["higher-is-easier", "higher-is-harder"])]
    pub ces_direction: Option<String>,
    /// Segment columns to compare, comma-separated (default: the detected agent, team, channel, site, queue, region).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub segment_columns: Option<Vec<String>>,
    /// Worksheet to read from a workbook (default: the first non-empty one).
    #[arg(long)]
    pub sheet: Option<String>,
    /// The line (CSV) or sheet row (workbook) of the header, 1-based. Default: found among the
    /// first rows, past title rows; the extra header rows of Qualtrics (question texts, import
    /// ids) and SurveyMonkey are recognised and skipped either way.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
    /// CSV delimiter instead of sniffing: a single character, or "tab".
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,
    /// Keep personal data in report verbatims (masked by default).
    #[arg(long)]
    pub keep_pii: bool,
    /// Keep rows whose response id repeats an earlier row's (rejected as duplicate_id by
    /// default); memory then stays flat however many rows the export has.
    #[arg(long)]
    pub allow_duplicate_ids: bool,
    /// Distinct values per segment column counted one by one (default 20,000); values first
    /// seen after them are counted in the column's "other" line. For tests.
    #[arg(long, hide = true, value_name = "N")]
    pub segment_cap: Option<usize>,
    /// Coaching packs per team or agent column (default 500, the units with most responses).
    #[arg(long, hide = true, value_name = "N")]
    pub max_packs: Option<usize>,
    /// An earlier run's output folder: report the change since it (NPS, attribution, emerging themes).
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    /// Split the export into ISO weeks (Monday to Sunday) by its date column; rows without a readable date are rejected.
    #[arg(long)]
    pub by_week: bool,
    /// A history folder: each run writes one entry per period it covers (its ISO week, each week with --by-week, else its dates), replacing a rerun of the same period, and the report shows the trend of the last periods.
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,
    /// Periods the trend shows, the latest ones [default: 12].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..1000))]
    pub history_periods: Option<u64>,
    /// The export's language (en de ru vi zh es fr): every comment in that language's script is read in it (short answers, Vietnamese without diacritics). Default: the dominant language of the first 500 comments decides the comments that are unsure alone.
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// Also write coaching/: one pack (Markdown + CSV) per team and per agent.
    #[arg(long)]
    pub coaching: bool,
    /// Also write report.xlsx: the tagged rows, themes, drivers and segments as sheets (every text cell a string, never a formula).
    #[arg(long)]
    pub xlsx: bool,
    /// Start tagged.csv and rejected.csv with a UTF-8 byte-order mark, so Excel on Windows reads them without mojibake (npsight reads them back either way).
    #[arg(long)]
    pub excel_csv: bool,
    /// Field separator of tagged.csv and rejected.csv: "," (default), ";" (for spreadsheets in
    /// locales whose list separator is the semicolon: German, French, Spanish, Russian...) or "tab".
    /// npsight reads them back whatever the separator.
    #[arg(long, value_name = "SEP")]
    pub csv_delimiter: Option<String>,
    /// Exit 1 when rows were rejected (outputs are still written). Without it a finished run
    /// exits 0 whatever it rejected: the count is in summary.json and the closing line.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    /// No progress bar and no closing summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Which classifier runs, shared by analyze, train and eval.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Classifier: `onnx` (the transformer heads with the lexicon, default), `torch` (the same
    /// model and heads through libtorch; needs a build with the `torch` feature) or `none`
    /// (lexicon only).
    #[arg(long, default_value = "onnx", value_parser = ["onnx", "torch", "none"])]
    pub encoder: String,
    /// Device of the torch encoder and of --sentiment-model: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Your own fine-tuned Hugging Face sequence-classification model (a save_pretrained folder
    /// with negative/neutral/positive labels) decides each comment's sentiment, through
    /// rust-bert; needs a build with the `torch` feature.
    #[arg(long, value_name = "DIR")]
    pub sentiment_model: Option<PathBuf>,
    /// Encoder model folder (default: models/multilingual-e5-small, as written by scripts/fetch-models).
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Folder of the trained heads (default: models/heads).
    #[arg(long)]
    pub heads_dir: Option<PathBuf>,
    /// ONNX model precision: int8 (default, faster) or fp32. The torch encoder always runs the
    /// fp32 weights of model.safetensors.
    #[arg(long, default_value = "int8", value_parser = ["int8", "fp32"])]
    pub precision: String,
}

#[cfg(feature = "torch")]
fn with_sentiment_model(
    base: Box<dyn crate::tagger::Classifier>,
    dir: &std::path::Path,
    device: &str,
) -> Result<Box<dyn crate::tagger::Classifier>> {
    let device = crate::encoder::torch::parse_device(device)?;
    Ok(Box::new(
        crate::tagger::sentiment_model::SentimentModelTagger::new(base, dir, device)?,
    ))
}

#[cfg(not(feature = "torch"))]
fn with_sentiment_model(
    _base: Box<dyn crate::tagger::Classifier>,
    dir: &std::path::Path,
    _device: &str,
) -> Result<Box<dyn crate::tagger::Classifier>> {
    anyhow::bail!(
        "--sentiment-model {}: this npsight was built without the `torch` feature; run \
         scripts/fetch-libtorch, then build with `LIBTORCH=$PWD/.cache/libtorch-cpu \
         LIBTORCH_CXX11_ABI=0 cargo build --release --features torch`",
        dir.display()
    )
}

#[cfg(feature = "torch")]
fn torch_encoder(
    config: &crate::encoder::EncoderConfig,
    device: &str,
) -> Result<std::sync::Arc<dyn crate::encoder::Encoder>> {
    let device = crate::encoder::torch::parse_device(device)?;
    Ok(std::sync::Arc::new(crate::encoder::TorchEncoder::new(
        config, device,
    )?))
}

#[cfg(not(feature = "torch"))]
fn torch_encoder(
    _config: &crate::encoder::EncoderConfig,
    _device: &str,
) -> Result<std::sync::Arc<dyn crate::encoder::Encoder>> {
    anyhow::bail!(
        "--encoder torch: this npsight was built without the `torch` feature; run \
         scripts/fetch-libtorch, then build with `LIBTORCH=$PWD/.cache/libtorch-cpu \
         LIBTORCH_CXX11_ABI=0 cargo build --release --features torch` (or use --encoder onnx)"
    )
}

/// `models/<rel>` under the first of: $NPSIGHT_HOME, the current folder, the folders above the
/// executable (so `target/release/npsight` finds the repository's models); else under the
/// current folder, for the error message.
pub fn resolve_models_path(rel: &str) -> PathBuf {
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Some(h) = std::env::var_os("NPSIGHT_HOME") {
        bases.push(PathBuf::from(h));
    }
    bases.push(PathBuf::from("."));
    if let Ok(exe) = std::env::current_exe() {
        bases.extend(exe.ancestors().skip(1).take(4).map(PathBuf::from));
    }
    bases
        .iter()
        .map(|b| b.join("models").join(rel))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("models").join(rel))
}

impl ModelArgs {
    pub fn model_dir(&self) -> PathBuf {
        self.model_dir
            .clone()
            .unwrap_or_else(|| resolve_models_path("multilingual-e5-small"))
    }

    pub fn heads_dir(&self) -> PathBuf {
        self.heads_dir
            .clone()
            .unwrap_or_else(|| resolve_models_path("heads"))
    }

    pub fn encoder(&self) -> Result<std::sync::Arc<dyn crate::encoder::Encoder>> {
        let dir = self.model_dir();
        crate::tagger::combined::require_model_dir(&dir)?;
        let config = crate::encoder::EncoderConfig {
            model_dir: dir,
            model_file: self.precision.parse()?,
            ..Default::default()
        };
        match self.encoder.as_str() {
            "torch" => torch_encoder(&config, &self.device),
            _ => {
                if self.device != "cpu" && self.sentiment_model.is_none() {
                    anyhow::bail!(
                        "--device {}: only the torch encoder and --sentiment-model run on other devices",
                        self.device
                    );
                }
                Ok(std::sync::Arc::new(crate::encoder::OnnxEncoder::new(
                    &config,
                )?))
            }
        }
    }

    /// The classifier these flags ask for, with the user's sentiment model on top if given.
    pub fn classifier(
        &self,
        taxonomy: &Taxonomy,
        lexicon: &SentimentLexicon,
    ) -> Result<Box<dyn crate::tagger::Classifier>> {
        let base = self.base_classifier(taxonomy, lexicon)?;
        match &self.sentiment_model {
            None => Ok(base),
            Some(dir) => with_sentiment_model(base, dir, &self.device),
        }
    }

    fn base_classifier(
        &self,
        taxonomy: &Taxonomy,
        lexicon: &SentimentLexicon,
    ) -> Result<Box<dyn crate::tagger::Classifier>> {
        let lex = LexiconTagger::new(&LexiconConfig {
            taxonomy: taxonomy.clone(),
            lexicon: lexicon.clone(),
        })?;
        if self.encoder == "none" {
            return Ok(Box::new(lex));
        }
        let encoder = self.encoder()?;
        let heads_dir = self.heads_dir();
        // Heads trained on another encoder still run, but their thresholds no longer fit.
        if let Ok(text) = std::fs::read_to_string(heads_dir.join("manifest.json")) {
            let trained_on = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|m| m["encoder_id"].as_str().map(String::from));
            if let Some(id) = trained_on.filter(|id| *id != encoder.id()) {
                eprintln!("npsight: warning: the heads in {} were trained with encoder `{id}`, not `{}`; retrain with `make train`", heads_dir.display(), encoder.id());
            }
        }
        let heads = crate::tagger::combined::Heads::load(&crate::tagger::combined::HeadsConfig {
            dir: heads_dir,
        })?;
        Ok(Box::new(crate::tagger::combined::CombinedTagger::new(
            lex,
            lexicon.clone(),
            encoder,
            heads,
            taxonomy,
        )?))
    }
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The earlier run's output folder (holding summary.json).
    pub old: PathBuf,
    /// The later run's output folder.
    pub new: PathBuf,
    /// Also write compare.md and compare.json here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Folder with the labelled examples train.csv and dev.csv.
    #[arg(long, default_value = "models/examples")]
    pub examples: PathBuf,
    /// Folder of the realistic corpus (`<lang>.csv` with id,lang,split,text,sentiment,themes); skipped when missing.
    #[arg(long, default_value = "models/corpus")]
    pub corpus: PathBuf,
    /// Extra sentiment data (source,lang,text,sentiment); repeatable. Default: .cache/training/extra.csv when present.
    #[arg(long)]
    pub extra: Vec<PathBuf>,
    /// A corrected tagged.csv (people fixed `sentiment` and `themes`); repeatable.
    #[arg(long)]
    pub corrections: Vec<PathBuf>,
    /// Where to write sentiment.json, themes.json and manifest.json.
    #[arg(long, default_value = "models/heads")]
    pub out: PathBuf,
    /// Theme taxonomy TOML (default: built-in).
    #[arg(long)]
    pub taxonomy: Option<PathBuf>,
    /// L2 penalty of the heads.
    #[arg(long, default_value_t = crate::heads::TrainSettings::default().l2)]
    pub l2: f64,
    /// Gradient-descent iterations.
    #[arg(long, default_value_t = crate::heads::TrainSettings::default().iterations)]
    pub iterations: usize,
    /// Learning rate (with Nesterov momentum 0.9).
    #[arg(long, default_value_t = crate::heads::TrainSettings::default().learning_rate)]
    pub learning_rate: f64,
    /// Weight of an off-domain sentiment example relative to a project example.
    #[arg(long, default_value_t = crate::heads::TrainSettings::default().extra_weight)]
    pub extra_weight: f64,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args, Debug)]
pub struct TagArgs {
    /// JSON Lines: one object per line with `comment` (or `text`), optional `score` (0-10) and
    /// `id`; `-` for standard input.
    pub input: PathBuf,
    /// Where to write the tagged lines; `-` (default) for standard output.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    #[arg(long)]
    pub taxonomy: Option<PathBuf>,
    /// The stream's language (en de ru vi zh es fr), as analyze's --language. Default: the
    /// dominant language of the first 500 comments decides the comments that are unsure alone.
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// The language prior of the whole stream (a code, or `none`), as `--measure-prior` prints
    /// it: for a shard of a larger stream, so that every shard tags as one run would. Default:
    /// measured on this stream's first 500 comments.
    #[arg(long, value_name = "CODE", conflicts_with = "language")]
    pub prior: Option<String>,
    /// Print the stream's language prior (`{"prior":"de"}` or `{"prior":null}`) from its first
    /// 500 comments, and tag nothing.
    #[arg(long)]
    pub measure_prior: bool,
    /// Write comments and evidence without masking personal data.
    #[arg(long)]
    pub keep_pii: bool,
    /// Records per classifier batch.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..100_000))]
    pub batch: u64,
    /// No closing line on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Gold file: CSV with a text column and `sentiment` and/or `themes` (ids, `;`-joined) columns, optionally `lang`.
    #[arg(long)]
    pub gold: PathBuf,
    #[arg(long, value_name = "COLUMN")]
    pub text_column: Option<String>,
    #[arg(long, value_name = "COLUMN")]
    pub lang_column: Option<String>,
    #[arg(long, value_name = "COLUMN")]
    pub sentiment_column: Option<String>,
    #[arg(long, value_name = "COLUMN")]
    pub themes_column: Option<String>,
    /// Score sentiment as positive vs negative only (sign of the score), for star-rating data.
    #[arg(long)]
    pub polarity: bool,
    /// Write eval.md and eval.json here (default: print the Markdown).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long)]
    pub taxonomy: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
}

impl AnalyzeArgs {
    /// Validate raw arguments into the library's configuration.
    pub fn to_config(&self) -> Result<AnalyzeConfig> {
        let Some(out) = &self.out else {
            bail!("--out DIR: give the output folder (or `out = \"DIR\"` in npsight.toml)");
        };
        let mut cfg = AnalyzeConfig::new(&self.input, out);
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
            (Role::Csat, &self.csat_column),
            (Role::Ces, &self.ces_column),
            (Role::Fcr, &self.fcr_column),
        ];
        cfg.columns = named
            .into_iter()
            .filter_map(|(r, v)| v.clone().map(|v| (r, v)))
            .collect();
        cfg.input.header_row = self.header_row;
        cfg.input.column_names = cfg.columns.iter().map(|(_, v)| v.clone()).collect();
        cfg.segment_columns = self.segment_columns.clone().map(|v| {
            v.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
        cfg.threads = self.threads;
        cfg.quiet = self.quiet;
        cfg.keep_pii = self.keep_pii;
        cfg.allow_duplicate_ids = self.allow_duplicate_ids;
        if let Some(n) = self.segment_cap {
            cfg.segment_cap = n.max(1);
        }
        if let Some(n) = self.max_packs {
            cfg.max_packs = n;
        }
        cfg.previous = self.previous.clone();
        cfg.by_week = self.by_week;
        cfg.history = self.history.clone();
        if let Some(n) = self.history_periods {
            cfg.history_periods = n as usize;
        }
        cfg.ces_scale = self
            .ces_scale
            .as_deref()
            .map(|s| if s == "1-7" { 7 } else { 5 });
        cfg.ces_direction = self.ces_direction.as_deref().map(|d| {
            if d == "higher-is-easier" {
                crate::stats::kpi::CesDirection::HigherIsEasier
            } else {
                crate::stats::kpi::CesDirection::HigherIsHarder
            }
        });
        cfg.coaching = self.coaching;
        cfg.xlsx = self.xlsx;
        cfg.excel_csv = self.excel_csv;
        cfg.csv_delimiter = match self.csv_delimiter.as_deref() {
            None | Some(",") => b',',
            Some(";") => b';',
            Some("tab" | "\\t" | "\t") => b'\t',
            Some(other) => {
                bail!("--csv-delimiter {other:?}: use \",\", \";\" or \"tab\"")
            }
        };
        cfg.language = self
            .language
            .as_deref()
            .map(|code| language_code("--language", code, ""))
            .transpose()?;
        if self.model.encoder != "none" {
            // One classifier call per chunk: the encoder sorts the chunk's comments and clauses
            // by length into its batches (less padding) and embeds each distinct text once
            // (exports repeat short comments), and it parallelises inside the call (tokenising,
            // batches, heads); preparing the comments is parallel too.
            cfg.batch_size = cfg.chunk_rows;
        }
        if out.is_file() {
            bail!("--out {}: is a file; give a folder", out.display());
        }
        Ok(cfg)
    }
}

impl AnalyzeArgs {
    /// These flags over the project file (`--config`, or npsight.toml next to the export):
    /// every setting the flags leave unset is taken from it. Returns the file used, if any.
    pub fn with_project(&self) -> Result<(AnalyzeArgs, Option<PathBuf>)> {
        let Some(path) = crate::project::find(self.config.as_deref(), &self.input) else {
            return Ok((self.clone(), None));
        };
        let p = crate::project::Project::load(&path)?;
        let mut a = self.clone();
        let cols = [
            (Role::Text, &mut a.text_column),
            (Role::Score, &mut a.score_column),
            (Role::Id, &mut a.id_column),
            (Role::Date, &mut a.date_column),
            (Role::Agent, &mut a.agent_column),
            (Role::Team, &mut a.team_column),
            (Role::Channel, &mut a.channel_column),
            (Role::AgentScore, &mut a.agent_score_column),
            (Role::Csat, &mut a.csat_column),
            (Role::Ces, &mut a.ces_column),
            (Role::Fcr, &mut a.fcr_column),
        ];
        for (role, flag) in cols {
            if flag.is_none() {
                *flag = p.column(role);
            }
        }
        fn or<T: Clone>(flag: &mut Option<T>, file: &Option<T>) {
            if flag.is_none() {
                flag.clone_from(file);
            }
        }
        or(&mut a.segment_columns, &p.segment_columns);
        or(&mut a.sheet, &p.sheet);
        or(&mut a.header_row, &p.header_row);
        or(&mut a.delimiter, &p.delimiter);
        or(&mut a.taxonomy, &p.taxonomy);
        or(&mut a.out, &p.out);
        or(&mut a.language, &p.language);
        or(&mut a.history, &p.history);
        or(&mut a.history_periods, &p.history_periods);
        if let Some(n) = p.history_periods.filter(|n| !(2..1000).contains(n)) {
            bail!(
                "{}: history_periods = {n}: give 2 or more (and below 1000)",
                path.display()
            );
        }
        let check = |key: &str, v: &Option<String>, allowed: &[&str]| -> Result<()> {
            match v {
                Some(v) if !allowed.contains(&v.as_str()) => bail!(
                    "{}: {key} = \"{v}\": use {}",
                    path.display(),
                    allowed.join(" or ")
                ),
                _ => Ok(()),
            }
        };
        check("ces_scale", &p.ces_scale, &["1-5", "1-7"])?;
        check(
            "ces_direction",
            &p.ces_direction,
            &["higher-is-easier", "higher-is-harder"],
        )?;
        or(&mut a.ces_scale, &p.ces_scale);
        or(&mut a.ces_direction, &p.ces_direction);
        a.coaching |= p.coaching.unwrap_or(false);
        a.xlsx |= p.xlsx.unwrap_or(false);
        a.excel_csv |= p.excel_csv.unwrap_or(false);
        check("csv_delimiter", &p.csv_delimiter, &[",", ";", "tab"])?;
        or(&mut a.csv_delimiter, &p.csv_delimiter);
        a.strict |= p.strict.unwrap_or(false);
        Ok((a, Some(path)))
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

/// The closing paragraph: rows, NPS, the top three significant damaging themes in the report's
/// one ranking ([`crate::report::causes`]).
pub fn closing_summary(o: &Outcome) -> String {
    let s = &o.summary;
    let c = &s.counts;
    // The report's one ranking, and only significant damaging drivers (as the headline).
    let top: Vec<String> = crate::report::causes(&s.statistics)
        .into_iter()
        .map(|t| format!("{} {} pts", t.name, fmt_signed(t.impact_points, 1)))
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
        if top.is_empty() {
            "none distinguishable from noise".to_string()
        } else {
            top.join(", ")
        },
        o.out_dir.display()
    ) + &kpi_sentence(&s.statistics.kpi)
        + &source_note(s)
        + &change_sentence(s)
        + &history_sentence(o)
        + &notes(s)
}

/// " History: 2026-W44 written to history (4 periods; this week's NPS +12.0, +3.0 points since
/// 2026-W43)." with --history; empty without.
fn history_sentence(o: &Outcome) -> String {
    if o.history_written.is_empty() {
        return String::new();
    }
    let mut out = format!(" History: {} written", o.history_written.join(", "));
    if let Some(t) = &o.summary.trend {
        let h = &t.headline;
        out.push_str(&format!(
            " ({} periods in the history; {} NPS {}",
            t.periods_in_history,
            h.period.key,
            fmt_signed(h.nps.nps, 1)
        ));
        if let (Some(p), Some(ch)) = (&h.previous, &h.previous_change) {
            out.push_str(&format!(
                ", {} points since {}",
                fmt_signed(ch.difference, 1),
                p.key
            ));
        }
        out.push_str("; see the report's Trend section)");
    } else {
        out.push_str(" (the first period in the history: the trend starts with the next one)");
    }
    out.push('.');
    out
}

/// " NPS change since the previous run: +3.2 points (p = 0.041)." and the same for the last
/// week with --by-week; empty without either.
fn change_sentence(s: &crate::output::summary::Summary) -> String {
    let one = |what: &str, ch: &crate::stats::change::Change| {
        let p = ch
            .nps
            .p_value
            .map_or("not tested".to_string(), |p| format!("p = {p:.3}"));
        let mut out = format!(
            " NPS change {what}: {} points ({p}).",
            fmt_signed(ch.nps.difference, 1)
        );
        if !ch.emerging.is_empty() || !ch.spiking.is_empty() {
            let mut themes = ch.emerging.clone();
            themes.extend(ch.spiking.iter().cloned());
            out.push_str(&format!(" Rising themes: {}.", themes.join(", ")));
        }
        out
    };
    let mut out = String::new();
    if let Some(ch) = &s.change {
        out.push_str(&one("since the previous run", ch));
    }
    if let Some(ch) = s.weeks.as_ref().and_then(|w| w.last_change.as_ref()) {
        out.push_str(&one(
            &format!("{} against {}", ch.after_label, ch.before_label),
            ch,
        ));
    }
    out
}

/// " CSAT 72.0 % satisfied (95 % CI 60.1-81.5), mean 3.9. CES 2.4 on 1-7 (higher is more
/// effort). FCR 68.0 % (95 % CI ...), below the 70 % floor." for the KPIs the export has.
pub fn kpi_sentence(k: &crate::stats::kpi::KpiStats) -> String {
    let pct = |x: Option<f64>| x.map_or("n/a".to_string(), |v| format!("{:.1}", 100.0 * v));
    let num = |x: Option<f64>| x.map_or("n/a".to_string(), |v| format!("{v:.2}"));
    let mut out = String::new();
    if let Some(c) = &k.csat {
        out.push_str(&format!(
            " CSAT {} % satisfied (95 % CI {}-{}, n = {}), mean {} of 5.",
            pct(c.satisfied.rate),
            pct(c.satisfied.ci95_low),
            pct(c.satisfied.ci95_high),
            c.satisfied.n,
            num(c.mean.mean)
        ));
    }
    if let Some(c) = &k.ces {
        out.push_str(&format!(
            " CES mean {} on 1-{} (95 % CI {}-{}, n = {}; {}).",
            num(c.mean.mean),
            c.scale.max,
            num(c.mean.ci95_low),
            num(c.mean.ci95_high),
            c.mean.n,
            c.reading
        ));
    }
    if let Some(f) = &k.fcr {
        out.push_str(&format!(
            " FCR {} % resolved (95 % CI {}-{}, n = {}){}.",
            pct(f.resolved.rate),
            pct(f.resolved.ci95_low),
            pct(f.resolved.ci95_high),
            f.resolved.n,
            if f.below_floor {
                format!(", below the {:.0} % floor", 100.0 * f.floor)
            } else {
                String::new()
            }
        ));
    }
    out
}

/// No segment column was recognised: say which headers could serve and the flag to use.
pub fn segment_warning(s: &crate::output::summary::Summary) -> Option<String> {
    if !s.input.segment_columns.is_empty() {
        return None;
    }
    let c = &s.input.segment_candidates;
    Some(if c.is_empty() {
        "no segment column (agent, team, channel, site, queue, region) was recognised, so the report compares no segments; name one with --segment-columns HEADER".to_string()
    } else {
        format!(
            "no segment column (agent, team, channel, site, queue, region) was recognised; {} could serve: compare them with --segment-columns {}",
            c.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", "),
            c.iter()
                .map(|h| if h.contains([' ', ',', '\'', '"']) { format!("\"{h}\"") } else { h.clone() })
                .collect::<Vec<_>>()
                .join(",")
        )
    })
}

/// Where the data was read from, when it is not simply the first line of the file: the
/// sheet, the header's line, the platform's header rows skipped.
fn source_note(s: &crate::output::summary::Summary) -> String {
    let f = &s.input.format;
    let mut n = String::new();
    if let Some(sheet) = &f.sheet {
        n.push_str(&format!(" Read sheet '{sheet}'."));
    }
    if f.header_line > 1 || f.extra_header_rows > 0 {
        n.push_str(&format!(
            " Header on {} {}",
            if f.sheet.is_some() { "row" } else { "line" },
            f.header_line
        ));
        if f.extra_header_rows > 0 {
            n.push_str(&format!(
                " ({} header row(s) under it skipped{})",
                f.extra_header_rows,
                f.platform
                    .as_deref()
                    .map_or(String::new(), |p| format!(", {p} export"))
            ));
        }
        n.push('.');
    }
    n
}

/// What the reader of the closing paragraph must not miss: personal data left unmasked
/// (`--keep-pii`), and comments too long for the encoder's window (split, not truncated).
fn notes(s: &crate::output::summary::Summary) -> String {
    let mut n = String::new();
    if !s.pii_masked {
        n.push_str(" --keep-pii: personal data is NOT masked in the reports.");
    }
    if s.counts.windowed_texts > 0 {
        n.push_str(&format!(
            " {} comment(s) or clause(s) longer than the encoder's window were embedded in several windows and combined, not truncated.",
            s.counts.windowed_texts
        ));
    }
    n
}

fn run_analyze(args: &AnalyzeArgs) -> Result<ExitCode> {
    crate::timings::begin();
    let (args, project) = args.with_project()?;
    let args = &args;
    if let Some(p) = project.filter(|_| !args.quiet) {
        eprintln!(
            "npsight: settings from {} (flags override them)",
            p.display()
        );
    }
    let cfg = args.to_config()?;
    let load = crate::timings::start(crate::timings::Stage::Load);
    let (taxonomy, lexicon) = load_models(args)?;
    let classifier = args.model.classifier(&taxonomy, &lexicon)?;
    drop(load);
    let outcome = analyze(&cfg, &taxonomy, &lexicon, classifier.as_ref())?;
    if let Some(f) = &outcome.summary.input.format.encoding_fallback {
        let (was, bytes) = if f.read_as == "UTF-8" {
            ("Windows-1252", "UTF-8 sequences")
        } else {
            ("UTF-8", "bytes that are not UTF-8")
        };
        eprintln!(
            "npsight: warning: {}: the file is {was} but {} row(s) from row {} (line {}) on hold {bytes}; they were read as {} (check those rows)",
            cfg.input.path.display(),
            f.rows,
            f.first_row,
            f.first_line,
            f.read_as
        );
    }
    for w in &outcome.history_warnings {
        eprintln!("npsight: warning: {w}");
    }
    if let Some(w) = segment_warning(&outcome.summary).filter(|_| !args.quiet) {
        eprintln!("npsight: warning: {}: {w}", cfg.input.path.display());
    }
    if let Some(timings) = crate::timings::report() {
        eprintln!("{timings}");
    }
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", closing_summary(&outcome));
    }
    Ok(exit_code(outcome.summary.counts.rejected, args.strict))
}

/// A finished run is a success for a scheduler; `--strict` turns rejected rows into exit 1.
pub fn exit_code(rejected: u64, strict: bool) -> ExitCode {
    if strict && rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn load_taxonomy(path: &Option<PathBuf>) -> Result<Taxonomy> {
    Ok(match path {
        Some(p) => Taxonomy::load(p)?,
        None => Taxonomy::builtin()?,
    })
}

fn run_train(args: &TrainArgs) -> Result<ExitCode> {
    let taxonomy = load_taxonomy(&args.taxonomy)?;
    let lexicon = SentimentLexicon::builtin()?;
    let encoder = args.model.encoder()?;
    let mut extra = args.extra.clone();
    let default_extra = PathBuf::from(".cache/training/extra.csv");
    if extra.is_empty() && default_extra.is_file() {
        extra.push(default_extra);
    }
    let cfg = crate::train::TrainConfig {
        examples_dir: args.examples.clone(),
        corpus_dir: Some(args.corpus.clone()),
        extra,
        corrections: args.corrections.clone(),
        out_dir: args.out.clone(),
        settings: crate::heads::TrainSettings {
            l2: args.l2,
            iterations: args.iterations,
            learning_rate: args.learning_rate,
            extra_weight: args.extra_weight,
            ..Default::default()
        },
    };
    let mut log = |m: &str| eprintln!("npsight train: {m}");
    let trained = crate::train::train(&cfg, &taxonomy, &lexicon, encoder, &mut log)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", crate::eval::render_md(&trained.dev));
    let _ = writeln!(out, "heads written to {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// A `--language`-style flag's code as the static code the lexicons are keyed by, or an error
/// naming the flag and the codes there are (`extra` follows the list).
fn language_code(flag: &str, code: &str, extra: &str) -> Result<&'static str> {
    crate::text::lang::supported(&code.trim().to_lowercase()).with_context(|| {
        format!(
            "{flag} '{code}': use one of {}{extra}",
            crate::text::lang::SUPPORTED.join(" ")
        )
    })
}

fn run_tag(args: &TagArgs) -> Result<ExitCode> {
    let code_of = |flag: &str, code: &str| language_code(flag, code, " (or none, for --prior)");
    let hint = match (args.language.as_deref(), args.prior.as_deref()) {
        (Some(code), _) => Some(Some(crate::text::LanguageHint::Forced(code_of(
            "--language",
            code,
        )?))),
        (None, Some(p)) if p.trim().eq_ignore_ascii_case("none") => Some(None),
        (None, Some(code)) => Some(Some(crate::text::LanguageHint::Prior(code_of(
            "--prior", code,
        )?))),
        (None, None) => None,
    };
    let stdin;
    let input: Box<dyn std::io::BufRead> = if args.input.as_os_str() == "-" {
        stdin = std::io::stdin();
        Box::new(stdin.lock())
    } else {
        let f = std::fs::File::open(&args.input)
            .with_context(|| format!("{}: cannot open", args.input.display()))?;
        Box::new(std::io::BufReader::new(f))
    };
    if args.measure_prior {
        let prior = crate::tag::measure_prior(input)?;
        println!("{}", serde_json::json!({ "prior": prior }));
        return Ok(ExitCode::SUCCESS);
    }
    let taxonomy = load_taxonomy(&args.taxonomy)?;
    let lexicon = SentimentLexicon::builtin()?;
    let classifier = args.model.classifier(&taxonomy, &lexicon)?;
    let cfg = crate::tag::TagConfig {
        hint,
        masking: crate::pii::Masking::new(args.keep_pii),
        batch: args.batch as usize,
    };
    let counts = if args.out.as_os_str() == "-" {
        let out = std::io::BufWriter::new(std::io::stdout().lock());
        crate::tag::tag_stream(input, out, &cfg, &taxonomy, &lexicon, classifier.as_ref())?
    } else {
        // Written whole, then renamed over the target: a failed run leaves no half file.
        let mut f = crate::output::atomic::AtomicFile::create(&args.out)?;
        let counts = crate::tag::tag_stream(
            input,
            f.writer(),
            &cfg,
            &taxonomy,
            &lexicon,
            classifier.as_ref(),
        )?;
        f.commit()?;
        counts
    };
    if !args.quiet {
        eprintln!(
            "npsight tag: {} records, {} tagged, {} without a comment, {} rejected{}",
            counts.records,
            counts.tagged,
            counts.no_comment,
            counts.rejected,
            if counts.rejected > 0 {
                " (their lines say why)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_eval(args: &EvalArgs) -> Result<ExitCode> {
    let taxonomy = load_taxonomy(&args.taxonomy)?;
    let lexicon = SentimentLexicon::builtin()?;
    let classifier = args.model.classifier(&taxonomy, &lexicon)?;
    let cols = crate::labelled::LabelColumns {
        text: args.text_column.clone(),
        lang: args.lang_column.clone(),
        sentiment: args.sentiment_column.clone(),
        themes: args.themes_column.clone(),
    };
    let gold = crate::labelled::read(&args.gold, &cols)?;
    let report = crate::eval::evaluate(
        &gold,
        &args.gold.display().to_string(),
        &taxonomy,
        &lexicon,
        classifier.as_ref(),
        args.polarity,
    )?;
    let md = crate::eval::render_md(&report);
    match &args.out {
        Some(dir) => {
            let json = serde_json::to_vec_pretty(&report)?;
            crate::output::atomic::write_outputs(
                dir,
                &[("eval.md", md.as_bytes()), ("eval.json", &json)],
            )?;
            println!("{md}");
        }
        None => println!("{md}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn run_compare(args: &CompareArgs) -> Result<ExitCode> {
    let old = crate::compare::load(&args.old)?;
    let new = crate::compare::load(&args.new)?;
    let report = crate::report::Comparison::build(
        &args.old.display().to_string(),
        &old,
        &args.new.display().to_string(),
        &new,
    );
    let md = crate::output::change_md::compare(&report);
    if let Some(dir) = &args.out {
        let mut json = serde_json::to_vec_pretty(&serde_json::json!({
            "old": { "folder": args.old.display().to_string(), "description": old.describe() },
            "new": { "folder": args.new.display().to_string(), "description": new.describe() },
            "change": report.change,
        }))?;
        json.push(b'\n');
        crate::output::atomic::write_outputs(
            dir,
            &[("compare.md", md.as_bytes()), ("compare.json", &json)],
        )?;
    }
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{md}");
    Ok(ExitCode::SUCCESS)
}

fn parse_group(s: &str) -> std::result::Result<crate::taxonomy::Group, String> {
    toml::Value::String(s.to_lowercase())
        .try_into()
        .map_err(|_| format!("'{s}': expected agent, process, outcome, channel or product"))
}

fn run_init(
    export: &std::path::Path,
    out: Option<&std::path::Path>,
    force: bool,
    sheet: &Option<String>,
    header_row: Option<u64>,
) -> Result<ExitCode> {
    let target = out.map(PathBuf::from).unwrap_or_else(|| {
        export
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .join(crate::project::FILE_NAME)
    });
    if target.exists() && !force {
        bail!(
            "{}: exists; give --force to replace it, or --out FILE",
            target.display()
        );
    }
    let opened = crate::input::open(&crate::input::InputConfig {
        path: export.to_path_buf(),
        sheet: sheet.clone(),
        header_row,
        ..Default::default()
    })?;
    let map = crate::input::columns::detect_with_questions(&opened.headers, &opened.questions, &[]);
    let map = map.ok();
    let segments: Vec<String> = map.as_ref().map_or(Vec::new(), |m| {
        [
            Role::Agent,
            Role::Team,
            Role::Channel,
            Role::Site,
            Role::Queue,
            Role::Region,
        ]
        .iter()
        .filter_map(|r| m.get(*r))
        .map(|i| opened.headers[i].clone())
        .collect()
    });
    let candidates = if segments.is_empty() {
        crate::input::columns::segment_candidates(
            &opened.headers,
            map.as_ref().unwrap_or(&Default::default()),
            &opened.sample,
        )
    } else {
        Vec::new()
    };
    let ces = map.as_ref().and_then(|m| m.get(Role::Ces)).map(|i| {
        crate::stats::kpi::CesScale::infer(
            None,
            None,
            &format!(
                "{} {}",
                opened.headers[i],
                opened.questions.get(i).map_or("", |q| q)
            ),
            opened
                .sample
                .iter()
                .filter_map(|r| r.get(i).map(String::as_str)),
        )
    });
    let text = crate::project::render_init(&crate::project::Detected {
        export: &export.display().to_string(),
        headers: &opened.headers,
        columns: map.as_ref(),
        segments: &segments,
        segment_candidates: &candidates,
        sheet: opened.format.sheet.as_deref(),
        header_line: opened.format.header_line,
        platform: opened.format.platform.as_deref(),
        ces: ces.as_ref(),
    });
    let mut f = crate::output::atomic::AtomicFile::create(&target)?;
    f.write_all(text.as_bytes())?;
    f.commit()?;
    eprintln!(
        "npsight: wrote {}{}; check it, then run npsight analyze {}",
        target.display(),
        if map.is_none() {
            " (the score or comment column was not recognised: name it there)"
        } else {
            ""
        },
        export.display()
    );
    Ok(ExitCode::SUCCESS)
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

/// What Ctrl-C does.
#[derive(Debug, PartialEq, Eq)]
pub enum OnInterrupt {
    /// `analyze`, first press: finish the current chunk, drop the temporary outputs, keep the
    /// previous ones.
    StopAtChunk,
    /// Every other command (train, eval, compare... have no chunk loop to stop), and a second
    /// press during `analyze`: exit now with 130 (the shell's code for SIGINT); outputs are
    /// written atomically, so no half-written file replaces a previous one.
    Exit,
}

pub fn on_interrupt(analyzing: bool, pressed_before: bool) -> OnInterrupt {
    if analyzing && !pressed_before {
        OnInterrupt::StopAtChunk
    } else {
        OnInterrupt::Exit
    }
}

static ANALYZING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn main() -> ExitCode {
    let _ = ctrlc::set_handler(|| {
        use std::sync::atomic::Ordering::SeqCst;
        let before = crate::analyze::INTERRUPTED.swap(true, SeqCst);
        if on_interrupt(ANALYZING.load(SeqCst), before) == OnInterrupt::Exit {
            let _ = writeln!(std::io::stderr(), "npsight: interrupted");
            std::process::exit(130);
        }
    });
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
        Command::Analyze(a) => {
            ANALYZING.store(true, std::sync::atomic::Ordering::SeqCst);
            run_analyze(a)
        }
        Command::Tag(a) => run_tag(a),
        Command::Train(a) => run_train(a),
        Command::Eval(a) => run_eval(a),
        Command::Compare(a) => run_compare(a),
        Command::CheckTaxonomy { file } => run_check_taxonomy(file),
        Command::Init {
            export,
            out,
            force,
            sheet,
            header_row,
        } => run_init(export, out.as_deref(), *force, sheet, *header_row),
        Command::Adopt {
            run,
            pick,
            ids,
            group,
            taxonomy,
            out,
        } => crate::adopt::run(run, pick, ids, *group, taxonomy.as_deref(), out).map(|n| {
            eprintln!(
                "npsight: {n} theme(s) added; wrote {}. Next: npsight train --taxonomy {} --out HEADS, then analyze with --taxonomy and --heads-dir HEADS.",
                out.display(),
                out.display()
            );
            ExitCode::SUCCESS
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "npsight: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
