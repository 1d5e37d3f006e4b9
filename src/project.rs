//! The project file, `npsight.toml`: what an analyst would otherwise retype every week (column
//! names, segment columns, scales, taxonomy, output folder, language, coaching), kept next to
//! the export or named with `--config`. Flags override it. [`render_init`] writes a commented
//! one from what detection found in an export (`npsight init EXPORT`). Paths in the file are
//! relative to the file's folder, so the project folder can move.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::input::columns::{ColumnMap, Role};
use crate::stats::kpi::CesDirection;

/// The file's name next to an export.
pub const FILE_NAME: &str = "npsight.toml";

/// Column roles the file may name, by their key in `[columns]`.
pub const COLUMN_KEYS: [(&str, Role); 11] = [
    ("text", Role::Text),
    ("score", Role::Score),
    ("id", Role::Id),
    ("date", Role::Date),
    ("agent", Role::Agent),
    ("team", Role::Team),
    ("channel", Role::Channel),
    ("agent_score", Role::AgentScore),
    ("csat", Role::Csat),
    ("ces", Role::Ces),
    ("fcr", Role::Fcr),
];

/// A project file as read; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Role key (see [`COLUMN_KEYS`]) -> header or 1-based position.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    pub segment_columns: Option<Vec<String>>,
    pub sheet: Option<String>,
    pub header_row: Option<u64>,
    pub delimiter: Option<String>,
    pub ces_scale: Option<String>,
    pub ces_direction: Option<String>,
    pub taxonomy: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub language: Option<String>,
    pub coaching: Option<bool>,
    /// `xlsx = true`: also write report.xlsx (as `--xlsx`).
    pub xlsx: Option<bool>,
    /// `excel_csv = true`: byte-order mark on the CSVs (as `--excel-csv`).
    pub excel_csv: Option<bool>,
    /// `csv_delimiter = ";"`: field separator of the CSVs (as `--csv-delimiter`).
    pub csv_delimiter: Option<String>,
    pub strict: Option<bool>,
    /// `history = "DIR"`: the history folder (as `--history`).
    pub history: Option<PathBuf>,
    /// `history_periods = N`: periods the trend shows (as `--history-periods`).
    pub history_periods: Option<u64>,
}

impl Project {
    /// Read and check a project file; paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Project> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the project file", path.display()))?;
        let mut p: Project = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}",
                path.display(),
                e.to_string().replace('\n', " ").trim()
            )
        })?;
        for key in p.columns.keys() {
            if !COLUMN_KEYS.iter().any(|(k, _)| k == key) {
                anyhow::bail!(
                    "{}: [columns] {key}: not a column role; use {}",
                    path.display(),
                    COLUMN_KEYS.map(|(k, _)| k).join(", ")
                );
            }
        }
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [&mut p.taxonomy, &mut p.out, &mut p.history]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(p)
    }

    /// The column named for `role`, if any.
    pub fn column(&self, role: Role) -> Option<String> {
        let key = COLUMN_KEYS.iter().find(|(_, r)| *r == role)?.0;
        self.columns.get(key).cloned()
    }
}

/// `--config FILE`, else `npsight.toml` next to the export (not for standard input).
pub fn find(explicit: Option<&Path>, export: &Path) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if export.as_os_str() == crate::input::STDIN {
        return None;
    }
    let p = export.parent().unwrap_or(Path::new("")).join(FILE_NAME);
    p.is_file().then_some(p)
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// What `npsight init` found in an export, to write down.
pub struct Detected<'a> {
    pub export: &'a str,
    pub headers: &'a [String],
    /// None when the score or the comment column was not found.
    pub columns: Option<&'a ColumnMap>,
    pub segments: &'a [String],
    pub segment_candidates: &'a [String],
    pub sheet: Option<&'a str>,
    pub header_line: u64,
    pub platform: Option<&'a str>,
    pub ces: Option<&'a crate::stats::kpi::CesScale>,
}

/// A commented `npsight.toml` for what was detected: found settings are written, the others
/// are commented out with what to put there.
pub fn render_init(d: &Detected) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "# npsight project file, written by `npsight init` from {}.\n\
         # `npsight analyze EXPORT` reads it when it lies next to the export (or give --config FILE);\n\
         # flags given on the command line override it. Paths are relative to this file.\n\n",
        d.export
    ));
    o.push_str(&format!("# The export's headers: {}\n", list(d.headers)));
    match (d.sheet, d.platform) {
        (Some(s), _) => o.push_str(&format!("sheet = {}\n", quote(s))),
        (None, Some(p)) => o.push_str(&format!(
            "# A {p} export: its extra header rows are skipped.\n"
        )),
        _ => {}
    }
    if d.header_line > 1 {
        o.push_str(&format!(
            "# header_row = {}          # where detection found the header (title rows above it skipped); set it only if a later export fools detection\n",
            d.header_line
        ));
    } else {
        o.push_str(
            "# header_row = 1          # the header's line, when detection picks the wrong one\n",
        );
    }
    if d.segments.is_empty() {
        if d.segment_candidates.is_empty() {
            o.push_str("# segment_columns = []     # no segment column recognised; name the columns to compare\n");
        } else {
            o.push_str(&format!(
                "# No segment column was recognised; these could serve:\nsegment_columns = [{}]\n",
                list(d.segment_candidates)
            ));
        }
    } else {
        o.push_str(&format!(
            "# Segments compared in the report (the agent, team, channel, site, queue, region found).\nsegment_columns = [{}]\n",
            list(d.segments)
        ));
    }
    match d.ces {
        Some(c) => {
            o.push_str(&format!(
                "ces_scale = \"1-{}\"       # from: {}\n",
                c.max, c.max_source
            ));
            o.push_str(match c.direction {
                CesDirection::HigherIsEasier => {
                    "ces_direction = \"higher-is-easier\"   # from the question\n"
                }
                CesDirection::HigherIsHarder => {
                    "ces_direction = \"higher-is-harder\"   # from the question\n"
                }
                CesDirection::Unknown => {
                    "# ces_direction = \"higher-is-easier\"   # or higher-is-harder: the question does not say\n"
                }
            });
        }
        None => {
            o.push_str("# ces_scale = \"1-5\"        # or 1-7, when the export has a CES column\n")
        }
    }
    o.push_str(
        "out = \"npsight-out\"       # output folder\n\
         # history = \"history\"     # weekly set-up: one entry per week kept here; the report shows the trend (README, Weekly set-up)\n\
         # taxonomy = \"taxonomy.toml\"   # your own themes (default: the built-in ones)\n\
         # language = \"en\"          # the export's language (default: detected)\n\
         coaching = false           # true: also write coaching packs per team and agent\n\
         strict = false             # true: exit 1 when rows were rejected\n",
    );
    o.push_str(
        "\n# Which column holds what: a header as written, or a 1-based position.\n[columns]\n",
    );
    for (key, role) in COLUMN_KEYS {
        let found = d
            .columns
            .and_then(|m| m.get(role))
            .and_then(|i| d.headers.get(i));
        match found {
            Some(h) => o.push_str(&format!("{key} = {}\n", quote(h))),
            None => o.push_str(&format!(
                "# {key} = \"\"{}\n",
                if matches!(role, Role::Score | Role::Text) {
                    "   # REQUIRED: not recognised, name it"
                } else {
                    "   # not recognised; name it if the export has one"
                }
            )),
        }
    }
    o
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|h| quote(h))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_output_reads_back_as_what_was_detected() {
        let headers: Vec<String> = ["Response ID", "NPS", "Why?", "Skill", "CES (1-7)"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let map = crate::input::columns::detect(&headers, &[]).unwrap();
        let ces = crate::stats::kpi::CesScale::infer(None, None, "CES (1-7)", std::iter::empty());
        let text = render_init(&Detected {
            export: "week.csv",
            headers: &headers,
            columns: Some(&map),
            segments: &[],
            segment_candidates: &["Skill".to_string()],
            sheet: None,
            header_line: 3,
            platform: None,
            ces: Some(&ces),
        });
        let p: Project = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(p.column(Role::Score).as_deref(), Some("NPS"));
        assert_eq!(p.column(Role::Text).as_deref(), Some("Why?"));
        assert_eq!(p.column(Role::Ces).as_deref(), Some("CES (1-7)"));
        assert_eq!(p.column(Role::Agent), None);
        assert_eq!(p.segment_columns, Some(vec!["Skill".to_string()]));
        assert_eq!(p.header_row, None, "detection finds it again next week");
        assert!(text.contains("# header_row = 3"), "{text}");
        assert_eq!(p.ces_scale.as_deref(), Some("1-7"));
        assert_eq!(p.ces_direction, None, "unknown is left commented out");
        assert_eq!(p.coaching, Some(false));
        assert!(text.contains("# agent = \"\""), "{text}");
        assert_eq!(p.history, None, "the history is opted into");
        assert!(text.contains("# history = \"history\""), "{text}");
    }

    #[test]
    fn unknown_keys_and_roles_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(FILE_NAME);
        std::fs::write(&f, "coachng = true\n").unwrap();
        let e = Project::load(&f).unwrap_err().to_string();
        assert!(e.contains("coachng"), "{e}");
        std::fs::write(&f, "[columns]\nnps = \"Q1\"\n").unwrap();
        let e = Project::load(&f).unwrap_err().to_string();
        assert!(e.contains("[columns] nps") && e.contains("score"), "{e}");
        std::fs::write(&f, "out = \"runs\"\n[columns]\nscore = \"Q1\"\n").unwrap();
        let p = Project::load(&f).unwrap();
        assert_eq!(p.out, Some(dir.path().join("runs")), "relative to the file");
        std::fs::write(&f, "history = \"weeks\"\nhistory_periods = 8\n").unwrap();
        let p = Project::load(&f).unwrap();
        assert_eq!(
            p.history,
            Some(dir.path().join("weeks")),
            "relative to the file"
        );
        assert_eq!(p.history_periods, Some(8));
    }
}
