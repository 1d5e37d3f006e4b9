//! `npsight adopt`: one step from a suggested theme (theme discovery, summary.json
//! `discovered_themes`) to a theme of a taxonomy file.
//!
//! The new theme gets the suggestion's label as its name and its comments (the closest to the
//! cluster centre, PII-masked as in the run) as its example sentences, per language; no
//! patterns, because a suggestion's distinctive words ("call", "days") are not evidence a reader
//! would accept. `npsight train --taxonomy FILE` then trains the theme head on those examples and
//! the head tags the theme on the next run (`head_alone` stays on for it). With
//! `--encoder none` such a theme is never tagged: it has nothing to match.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::discover::DiscoveredTheme;
use crate::taxonomy::{Group, Taxonomy, Theme};

/// The new themes for `picks` (1-based positions in `suggestions`, as the report numbers them).
pub fn themes_for(
    suggestions: &[DiscoveredTheme],
    picks: &[usize],
    ids: &[String],
    group: Group,
    taken: &[String],
) -> Result<Vec<Theme>> {
    if picks.is_empty() {
        bail!("--pick names no suggestion (give their numbers in the report, e.g. --pick 1,3)");
    }
    if !ids.is_empty() && ids.len() != picks.len() {
        bail!(
            "--ids gives {} ids for {} picked suggestions",
            ids.len(),
            picks.len()
        );
    }
    let mut out = Vec::new();
    for (k, &pick) in picks.iter().enumerate() {
        let Some(s) = pick.checked_sub(1).and_then(|i| suggestions.get(i)) else {
            bail!(
                "--pick {pick}: the run has {} suggested themes (numbered from 1)",
                suggestions.len()
            );
        };
        let id = ids
            .get(k)
            .cloned()
            .unwrap_or_else(|| format!("suggested_{pick}"));
        if taken.contains(&id) || out.iter().any(|t: &Theme| t.id == id) {
            bail!("theme id '{id}' is already in the taxonomy; choose another with --ids");
        }
        let mut examples: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let source: Vec<(String, String)> = if s.adopt_examples.is_empty() {
            // A summary written before adopt examples existed: the five report examples.
            s.examples
                .iter()
                .map(|t| ("und".into(), t.clone()))
                .collect()
        } else {
            s.adopt_examples
                .iter()
                .map(|e| (e.lang.clone(), e.text.clone()))
                .collect()
        };
        for (lang, text) in source {
            let lang = if crate::taxonomy::valid_lang(&lang) {
                lang
            } else {
                "und".to_string()
            };
            examples.entry(lang).or_default().push(text);
        }
        examples.remove("und");
        if examples.is_empty() {
            bail!(
                "suggestion {pick} ('{}') has no example in a known language",
                s.label
            );
        }
        out.push(Theme {
            id,
            name: s.label.clone(),
            group,
            description: format!(
                "Adopted from a suggested theme ({} comments, {}; terms: {}). Edit the name and \
                 description; check the examples.",
                s.size,
                s.tone,
                s.terms.join(", ")
            ),
            patterns: BTreeMap::new(),
            negative: BTreeMap::new(),
            positive: BTreeMap::new(),
            examples,
            exclude: BTreeMap::new(),
            exclude_comment: BTreeMap::new(),
            head_alone: true,
            head_threshold: None,
            head_veto: None,
        });
    }
    Ok(out)
}

#[derive(Serialize)]
struct Fragment<'a> {
    theme: &'a [Theme],
}

/// The taxonomy text with the new themes appended, validated.
pub fn append(base_text: &str, base_source: &str, themes: &[Theme]) -> Result<String> {
    let fragment =
        toml::to_string(&Fragment { theme: themes }).context("writing the new themes as TOML")?;
    let mut text = base_text.trim_end().to_string();
    text.push_str("\n\n# Themes adopted from suggestions with `npsight adopt`.\n");
    text.push_str(&fragment);
    Taxonomy::parse(&text, base_source)
        .map_err(|e| anyhow::anyhow!("the new taxonomy does not validate: {e}"))?;
    Ok(text)
}

/// The `adopt` command.
pub fn run(
    run_dir: &Path,
    picks: &[usize],
    ids: &[String],
    group: Group,
    taxonomy: Option<&Path>,
    out: &Path,
) -> Result<usize> {
    let summary_path = run_dir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).with_context(|| {
        format!(
            "{}: cannot read it (is this a run's output folder?)",
            summary_path.display()
        )
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", summary_path.display()))?;
    let suggestions: Vec<DiscoveredTheme> =
        serde_json::from_value(v.get("discovered_themes").cloned().unwrap_or_default())
            .with_context(|| {
                format!(
                    "{}: discovered_themes is not readable",
                    summary_path.display()
                )
            })?;
    let (base_text, base_source) = match taxonomy {
        Some(p) => (
            std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read it", p.display()))?,
            p.display().to_string(),
        ),
        None => (
            crate::taxonomy::DEFAULT_TAXONOMY.to_string(),
            "built-in taxonomy".to_string(),
        ),
    };
    let base = Taxonomy::parse(&base_text, &base_source)?;
    let taken: Vec<String> = base.themes.iter().map(|t| t.id.clone()).collect();
    let themes = themes_for(&suggestions, picks, ids, group, &taken)?;
    let new_text = append(&base_text, &out.display().to_string(), &themes)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create it", dir.display()))?;
    }
    let mut f = crate::output::atomic::AtomicFile::create(out)?;
    f.write_all(new_text.as_bytes())?;
    f.commit()?;
    Ok(themes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::AdoptExample;

    fn suggestion() -> DiscoveredTheme {
        DiscoveredTheme {
            label: "parking / store".into(),
            terms: vec!["parking".into(), "store".into()],
            size: 7,
            nps: Some(-20.0),
            examples: vec!["no parking at the store".into()],
            tone: "complaints".into(),
            adopt_examples: vec![
                AdoptExample {
                    lang: "en".into(),
                    text: "no parking at the store".into(),
                },
                AdoptExample {
                    lang: "de".into(),
                    text: "kein Parkplatz am Laden".into(),
                },
                AdoptExample {
                    lang: "und".into(),
                    text: "???".into(),
                },
            ],
        }
    }

    #[test]
    fn a_suggestion_becomes_a_theme_with_its_examples_and_no_patterns() {
        let t = themes_for(&[suggestion()], &[1], &[], Group::Product, &[]).unwrap();
        assert_eq!(t[0].id, "suggested_1");
        assert_eq!(t[0].name, "parking / store");
        assert!(t[0].patterns.is_empty());
        assert_eq!(t[0].examples["en"], vec!["no parking at the store"]);
        assert_eq!(t[0].examples["de"], vec!["kein Parkplatz am Laden"]);
        assert!(!t[0].examples.contains_key("und"));
        assert!(t[0].head_alone);
        let text = append(crate::taxonomy::DEFAULT_TAXONOMY, "t", &t).unwrap();
        let tax = Taxonomy::parse(&text, "t").unwrap();
        assert_eq!(tax.themes.len(), 19);
        assert_eq!(
            tax.themes[18].examples["de"],
            vec!["kein Parkplatz am Laden"]
        );
    }

    #[test]
    fn bad_picks_and_taken_ids_are_refused_with_a_reason() {
        let s = [suggestion()];
        let e = themes_for(&s, &[2], &[], Group::Product, &[]).unwrap_err();
        assert!(e.to_string().contains("has 1 suggested themes"), "{e}");
        let e = themes_for(&s, &[], &[], Group::Product, &[]).unwrap_err();
        assert!(e.to_string().contains("--pick"), "{e}");
        let e = themes_for(
            &s,
            &[1],
            &["billing".into()],
            Group::Product,
            &["billing".into()],
        )
        .unwrap_err();
        assert!(e.to_string().contains("already in the taxonomy"), "{e}");
    }
}
