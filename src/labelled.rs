//! Labelled comments: the project's examples (`models/examples/*.csv`), gold files for
//! `npsight eval`, extra sentiment data and people's corrections of a `tagged.csv`. One reader
//! for all: a text column, and optional language, sentiment and themes columns. Themes are
//! `;`-joined ids, each optionally with its polarity (`wait_time:negative`).

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::input::columns::{self, Role};

#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    pub text: String,
    pub lang: Option<String>,
    pub sentiment: Option<String>,
    /// (theme id, polarity if given); None when the file has no themes column.
    pub themes: Option<Vec<(String, Option<String>)>>,
    /// Where it came from (file name), for the manifest and messages.
    pub source: String,
    /// `train` or `dev` where the file has a `split` column (models/corpus).
    pub split: Option<String>,
}

/// Which columns hold what; None means "find by name".
#[derive(Debug, Clone, Default)]
pub struct LabelColumns {
    pub text: Option<String>,
    pub lang: Option<String>,
    pub sentiment: Option<String>,
    pub themes: Option<String>,
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

pub fn parse_themes(cell: &str) -> Vec<(String, Option<String>)> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once(':') {
            Some((id, pol)) => (id.trim().to_string(), Some(pol.trim().to_lowercase())),
            None => (s.to_string(), None),
        })
        .collect()
}

/// Read a labelled CSV (any delimiter the analyser sniffs, any encoding it reads).
pub fn read(path: &Path, cols: &LabelColumns) -> Result<Vec<Labelled>> {
    let input = crate::input::open(&crate::input::InputConfig {
        path: path.to_path_buf(),
        ..Default::default()
    })?;
    let headers = input.headers.clone();
    let named = |flag: &Option<String>, names: &[&str], what: &str| -> Result<Option<usize>> {
        match flag {
            Some(n) => Ok(Some(columns::find_named(&headers, n, what)?)),
            None => Ok(find(&headers, names)),
        }
    };
    let text = match &cols.text {
        Some(n) => columns::find_named(&headers, n, "--text-column")?,
        None => match find(&headers, &["text"]) {
            Some(i) => i,
            None => columns::detect(
                &headers,
                &[(Role::Score, headers.first().cloned().unwrap_or_default())],
            )
            .ok()
            .and_then(|m| m.get(Role::Text))
            .with_context(|| {
                format!(
                    "{}: no text column; name it with --text-column",
                    path.display()
                )
            })?,
        },
    };
    let lang = named(&cols.lang, &["lang", "language"], "--lang-column")?;
    let sentiment = named(
        &cols.sentiment,
        &["sentiment", "label", "polarity"],
        "--sentiment-column",
    )?;
    let themes = named(&cols.themes, &["themes"], "--themes-column")?;
    let split = find(&headers, &["split"]);
    let source = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let mut out = Vec::new();
    for rec in input.records {
        let rec = rec?;
        let get = |i: Option<usize>| {
            i.and_then(|i| rec.fields.get(i))
                .map(|s| s.trim().to_string())
        };
        let Some(t) = get(Some(text)).filter(|t| !t.is_empty()) else {
            continue;
        };
        out.push(Labelled {
            // A corrected tagged.csv carries neutralised cells ('@user ...): read the comment.
            text: crate::output::csvsafe::unneutralize(&t).into_owned(),
            lang: get(lang).filter(|s| !s.is_empty()),
            sentiment: get(sentiment)
                .map(|s| s.to_lowercase())
                .filter(|s| !s.is_empty()),
            themes: themes.map(|i| parse_themes(rec.fields.get(i).map_or("", String::as_str))),
            source: source.clone(),
            split: get(split).filter(|s| !s.is_empty()),
        });
    }
    if out.is_empty() {
        bail!("{}: no labelled rows with text", path.display());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_with_and_without_polarity() {
        assert_eq!(
            parse_themes("wait_time:negative; billing ;"),
            [
                ("wait_time".to_string(), Some("negative".to_string())),
                ("billing".to_string(), None)
            ]
        );
        assert!(parse_themes("").is_empty());
    }

    #[test]
    fn reads_the_examples_format() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "id,lang,text,sentiment,themes\n1,en,On hold forever,Negative,wait_time:negative\n2,de,,neutral,\n").unwrap();
        let rows = read(&p, &LabelColumns::default()).unwrap();
        assert_eq!(rows.len(), 1, "rows without text are skipped");
        assert_eq!(rows[0].sentiment.as_deref(), Some("negative"));
        assert_eq!(rows[0].lang.as_deref(), Some("en"));
        assert_eq!(rows[0].themes.as_ref().unwrap()[0].0, "wait_time");
    }
}
