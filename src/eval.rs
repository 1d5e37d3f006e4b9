//! `npsight eval`: measured accuracy against a gold file. Per theme precision, recall and F1
//! (micro and macro), per language; sentiment accuracy and the confusion matrix; written as
//! Markdown and JSON. With `--polarity`, sentiment is scored as positive-versus-negative only
//! (the sign of the sentiment score), the usual protocol for star-rating data sets.

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use crate::labelled::Labelled;
use crate::lexicon::SentimentLexicon;
use crate::tagger::{prepare_with, Classifier, Sentiment, Tagging};
use crate::taxonomy::Taxonomy;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Prf {
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Prf {
    fn finish(mut self) -> Prf {
        let (tp, fp, fn_) = (self.tp as f64, self.fp as f64, self.fn_ as f64);
        self.precision = (tp + fp > 0.0).then(|| tp / (tp + fp));
        self.recall = (tp + fn_ > 0.0).then(|| tp / (tp + fn_));
        self.f1 = (tp + fp + fn_ > 0.0).then(|| 2.0 * tp / (2.0 * tp + fp + fn_));
        self
    }
    fn add(&mut self, o: &Prf) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SentimentScores {
    pub n: u64,
    pub correct: u64,
    pub accuracy: Option<f64>,
    /// Mean F1 over the gold classes present.
    pub macro_f1: Option<f64>,
    /// gold label -> predicted label -> count
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Scores {
    pub n: u64,
    pub themes: BTreeMap<String, Prf>,
    pub themes_micro: Prf,
    pub themes_macro_f1: Option<f64>,
    /// Predicted tags by where their evidence came from (`lexicon`: a lexicon span, possibly
    /// confirmed by the head; `model`: the head alone): how many, and how many were right.
    pub tag_sources: BTreeMap<String, SourceCount>,
    /// The same per theme: theme -> source -> counts.
    pub theme_sources: BTreeMap<String, BTreeMap<String, SourceCount>>,
    pub sentiment: SentimentScores,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SourceCount {
    pub tags: u64,
    pub correct: u64,
}

/// One theme error for people to read: a tag the gold does not have (`false_positive`, with the
/// evidence text) or a gold theme that was missed (`false_negative`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThemeError {
    pub kind: &'static str,
    pub theme: String,
    pub source: String,
    pub evidence: String,
    pub lang: String,
    pub text: String,
}

fn tag_source(t: &crate::tagger::ThemeTag) -> &'static str {
    if t.evidence
        .iter()
        .any(|e| e.source == crate::tagger::Source::Lexicon)
    {
        "lexicon"
    } else {
        "model"
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    pub gold_file: String,
    pub model_id: String,
    pub polarity_only: bool,
    pub overall: Scores,
    pub by_language: BTreeMap<String, Scores>,
    /// The worst sentiment errors (gold, predicted, score, text), for people to read.
    pub sentiment_errors: Vec<(String, String, f32, String)>,
    /// Theme errors, false positives first, at most 60.
    pub theme_errors: Vec<ThemeError>,
}

/// The label the prediction gives for scoring.
fn predicted_label(t: &Tagging, polarity_only: bool) -> String {
    if polarity_only {
        if t.sentiment_score > 0.0 {
            "positive"
        } else if t.sentiment_score < 0.0 {
            "negative"
        } else {
            "neutral"
        }
        .to_string()
    } else {
        t.sentiment.as_str().to_string()
    }
}

fn score(
    gold: &[&Labelled],
    pred: &[&Tagging],
    taxonomy: &Taxonomy,
    polarity_only: bool,
) -> Scores {
    let mut s = Scores {
        n: gold.len() as u64,
        ..Default::default()
    };
    let with_themes = gold.iter().any(|g| g.themes.is_some());
    if with_themes {
        for t in &taxonomy.themes {
            s.themes.insert(t.id.clone(), Prf::default());
        }
    }
    for (g, p) in gold.iter().zip(pred) {
        if let Some(gt) = &g.themes {
            for theme in &taxonomy.themes {
                let truth = gt.iter().any(|(id, _)| *id == theme.id);
                let tag = p
                    .themes
                    .iter()
                    .find(|x| taxonomy.themes[x.theme].id == theme.id);
                let said = tag.is_some();
                if let Some(tag) = tag {
                    let c = s
                        .tag_sources
                        .entry(tag_source(tag).to_string())
                        .or_default();
                    c.tags += 1;
                    c.correct += u64::from(truth);
                    let c = s
                        .theme_sources
                        .entry(theme.id.clone())
                        .or_default()
                        .entry(tag_source(tag).to_string())
                        .or_default();
                    c.tags += 1;
                    c.correct += u64::from(truth);
                }
                let e = s.themes.get_mut(&theme.id).expect("inserted");
                match (said, truth) {
                    (true, true) => e.tp += 1,
                    (true, false) => e.fp += 1,
                    (false, true) => e.fn_ += 1,
                    _ => {}
                }
            }
        }
        if let Some(gs) = &g.sentiment {
            let label = predicted_label(p, polarity_only);
            s.sentiment.n += 1;
            if *gs == label {
                s.sentiment.correct += 1;
            }
            *s.sentiment
                .confusion
                .entry(gs.clone())
                .or_default()
                .entry(label)
                .or_default() += 1;
        }
    }
    let mut micro = Prf::default();
    let mut f1s = Vec::new();
    for prf in s.themes.values_mut() {
        micro.add(prf);
        *prf = std::mem::take(prf).finish();
        if prf.tp + prf.fn_ > 0 {
            f1s.push(prf.f1.unwrap_or(0.0));
        }
    }
    s.themes_micro = micro.finish();
    s.themes_macro_f1 = (!f1s.is_empty()).then(|| f1s.iter().sum::<f64>() / f1s.len() as f64);
    s.sentiment.accuracy =
        (s.sentiment.n > 0).then(|| s.sentiment.correct as f64 / s.sentiment.n as f64);
    s.sentiment.macro_f1 = macro_f1(&s.sentiment.confusion);
    s
}

/// Mean over gold classes of 2 tp / (2 tp + fp + fn), from a gold -> predicted confusion.
fn macro_f1(confusion: &BTreeMap<String, BTreeMap<String, u64>>) -> Option<f64> {
    let f1s: Vec<f64> = confusion
        .keys()
        .map(|class| {
            let tp = confusion[class].get(class).copied().unwrap_or(0) as f64;
            let fneg = confusion[class].values().sum::<u64>() as f64 - tp;
            let fp = confusion
                .iter()
                .filter(|(g, _)| *g != class)
                .map(|(_, row)| row.get(class).copied().unwrap_or(0))
                .sum::<u64>() as f64;
            if tp == 0.0 {
                0.0
            } else {
                2.0 * tp / (2.0 * tp + fp + fneg)
            }
        })
        .collect();
    (!f1s.is_empty()).then(|| f1s.iter().sum::<f64>() / f1s.len() as f64)
}

/// Tag the gold texts with `classifier` and score them.
pub fn evaluate(
    gold: &[Labelled],
    gold_file: &str,
    taxonomy: &Taxonomy,
    lexicon: &SentimentLexicon,
    classifier: &dyn Classifier,
    polarity_only: bool,
) -> Result<EvalReport> {
    let preds: Vec<Tagging> = gold
        .par_chunks(128)
        .map(|chunk| {
            // A gold file's language column plays the part of an export's dominant language:
            // it decides only the comments whose language is unsure alone.
            let prepared: Vec<_> = chunk
                .iter()
                .map(|g| {
                    let hint = g
                        .lang
                        .as_deref()
                        .and_then(crate::text::lang::supported)
                        .map(crate::text::LanguageHint::Prior);
                    prepare_with(&g.text, lexicon, hint)
                })
                .collect();
            classifier.classify(&prepared)
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let all_g: Vec<&Labelled> = gold.iter().collect();
    let all_p: Vec<&Tagging> = preds.iter().collect();
    let overall = score(&all_g, &all_p, taxonomy, polarity_only);
    let mut by_language = BTreeMap::new();
    let mut langs: Vec<&str> = gold.iter().filter_map(|g| g.lang.as_deref()).collect();
    langs.sort_unstable();
    langs.dedup();
    for lang in langs {
        let idx: Vec<usize> = (0..gold.len())
            .filter(|i| gold[*i].lang.as_deref() == Some(lang))
            .collect();
        let g: Vec<&Labelled> = idx.iter().map(|i| &gold[*i]).collect();
        let p: Vec<&Tagging> = idx.iter().map(|i| &preds[*i]).collect();
        by_language.insert(lang.to_string(), score(&g, &p, taxonomy, polarity_only));
    }
    // Confident mistakes first: |score| high and wrong.
    let mut errors: Vec<(String, String, f32, String)> = gold
        .iter()
        .zip(&preds)
        .filter_map(|(g, p)| {
            let gs = g.sentiment.as_ref()?;
            let label = predicted_label(p, polarity_only);
            (*gs != label && gs != "mixed" && label != Sentiment::Mixed.as_str()).then(|| {
                (
                    gs.clone(),
                    label,
                    p.sentiment_score,
                    g.text.chars().take(160).collect(),
                )
            })
        })
        .collect();
    errors.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()).then(a.3.cmp(&b.3)));
    errors.truncate(15);
    let mut theme_errors = Vec::new();
    for (g, p) in gold.iter().zip(&preds) {
        let Some(gt) = &g.themes else { continue };
        let prepared_text = crate::text::normalize(&g.text);
        for tag in &p.themes {
            let id = &taxonomy.themes[tag.theme].id;
            if !gt.iter().any(|(t, _)| t == id) {
                let evidence = tag
                    .evidence
                    .first()
                    .map(|e| {
                        prepared_text
                            .chars()
                            .skip(e.start)
                            .take(e.end.saturating_sub(e.start).min(80))
                            .collect()
                    })
                    .unwrap_or_default();
                theme_errors.push(ThemeError {
                    kind: "false_positive",
                    theme: id.clone(),
                    source: tag_source(tag).to_string(),
                    evidence,
                    lang: g.lang.clone().unwrap_or_default(),
                    text: g.text.chars().take(200).collect(),
                });
            }
        }
        for (id, _) in gt {
            if !p.themes.iter().any(|t| taxonomy.themes[t.theme].id == *id) {
                theme_errors.push(ThemeError {
                    kind: "false_negative",
                    theme: id.clone(),
                    source: String::new(),
                    evidence: String::new(),
                    lang: g.lang.clone().unwrap_or_default(),
                    text: g.text.chars().take(200).collect(),
                });
            }
        }
    }
    theme_errors.sort_by_key(|e| (e.kind != "false_positive", e.theme.clone()));
    theme_errors.truncate(60);
    Ok(EvalReport {
        gold_file: gold_file.to_string(),
        model_id: classifier.model_id(),
        polarity_only,
        overall,
        by_language,
        sentiment_errors: errors,
        theme_errors,
    })
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |x| format!("{:.1}", 100.0 * x))
}

pub fn render_md(r: &EvalReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Evaluation: {}\n", r.gold_file);
    let _ = writeln!(
        o,
        "Model `{}`{}.\n",
        r.model_id,
        if r.polarity_only {
            "; sentiment scored as positive vs negative (sign of the score)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        o,
        "| language | n | sentiment accuracy % | sentiment macro F1 % | theme micro P % | R % | F1 % | macro F1 % | tags from lexicon (right %) | tags from head alone (right %) |"
    );
    let _ = writeln!(o, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let source = |s: &Scores, k: &str| {
        s.tag_sources.get(k).map_or("0".to_string(), |c| {
            format!(
                "{} ({})",
                c.tags,
                pct((c.tags > 0).then(|| c.correct as f64 / c.tags as f64))
            )
        })
    };
    let row = |name: &str, s: &Scores| {
        format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.n,
            pct(s.sentiment.accuracy),
            pct(s.sentiment.macro_f1),
            pct(s.themes_micro.precision),
            pct(s.themes_micro.recall),
            pct(s.themes_micro.f1),
            pct(s.themes_macro_f1),
            source(s, "lexicon"),
            source(s, "model")
        )
    };
    for (l, s) in &r.by_language {
        let _ = writeln!(o, "{}", row(l, s));
    }
    let _ = writeln!(o, "{}", row("**all**", &r.overall));
    if !r.overall.themes.is_empty() {
        let _ = writeln!(
            o,
            "\n## Themes\n\n| theme | support | P % | R % | F1 % | tags from lexicon (right %) | tags from head alone (right %) |\n|---|--:|--:|--:|--:|--:|--:|"
        );
        let by_source = |id: &str, k: &str| {
            r.overall
                .theme_sources
                .get(id)
                .and_then(|m| m.get(k))
                .map_or("0".to_string(), |c| {
                    format!(
                        "{} ({})",
                        c.tags,
                        pct((c.tags > 0).then(|| c.correct as f64 / c.tags as f64))
                    )
                })
        };
        for (id, p) in &r.overall.themes {
            let _ = writeln!(
                o,
                "| {id} | {} | {} | {} | {} | {} | {} |",
                p.tp + p.fn_,
                pct(p.precision),
                pct(p.recall),
                pct(p.f1),
                by_source(id, "lexicon"),
                by_source(id, "model")
            );
        }
    }
    if r.overall.sentiment.n > 0 {
        let labels = ["positive", "negative", "neutral", "mixed"];
        let _ = writeln!(o, "\n## Sentiment confusion (rows: gold, columns: predicted)\n\n| gold \\ predicted | {} |\n|---|{}", labels.join(" | "), "--:|".repeat(labels.len()));
        for g in labels {
            let Some(row) = r.overall.sentiment.confusion.get(g) else {
                continue;
            };
            let cells: Vec<String> = labels
                .iter()
                .map(|p| row.get(*p).copied().unwrap_or(0).to_string())
                .collect();
            let _ = writeln!(o, "| {g} | {} |", cells.join(" | "));
        }
        if !r.sentiment_errors.is_empty() {
            let _ = writeln!(o, "\n## Most confident sentiment errors\n");
            for (g, p, s, t) in &r.sentiment_errors {
                let _ = writeln!(
                    o,
                    "- gold {g}, predicted {p} ({s:+.2}): {}",
                    crate::output::markdown::md_escape(t)
                );
            }
        }
    }
    if !r.theme_errors.is_empty() {
        let _ = writeln!(o, "\n## Theme errors (false positives first)\n");
        for e in &r.theme_errors {
            let _ = writeln!(
                o,
                "- {} {} [{}] {}{}: {}",
                e.kind,
                e.theme,
                e.lang,
                e.source,
                if e.evidence.is_empty() {
                    String::new()
                } else {
                    format!(" «{}»", crate::output::markdown::md_escape(&e.evidence))
                },
                crate::output::markdown::md_escape(&e.text)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::ThemeTag;

    #[test]
    fn sentiment_macro_f1_by_hand() {
        // gold positive: 2 right, 1 called negative; gold negative: 1 right.
        let mut c: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        c.entry("positive".into())
            .or_default()
            .insert("positive".into(), 2);
        c.entry("positive".into())
            .or_default()
            .insert("negative".into(), 1);
        c.entry("negative".into())
            .or_default()
            .insert("negative".into(), 1);
        // positive: tp 2, fn 1, fp 0 -> 0.8; negative: tp 1, fp 1, fn 0 -> 2/3.
        let f = macro_f1(&c).unwrap();
        assert!((f - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-12, "{f}");
    }

    #[test]
    fn prf_by_hand() {
        let tax = Taxonomy::parse("schema = 1\n[[theme]]\nid = \"a\"\nname = \"A\"\ngroup = \"agent\"\n[theme.patterns]\nen = [\"x\"]\n", "t").unwrap();
        let g = |themes: &[&str], s: &str| Labelled {
            text: "x".into(),
            lang: Some("en".into()),
            sentiment: Some(s.into()),
            themes: Some(themes.iter().map(|t| (t.to_string(), None)).collect()),
            source: String::new(),
            split: None,
        };
        let p = |themes: bool, s: Sentiment| Tagging {
            sentiment: s,
            sentiment_score: 0.0,
            themes: if themes {
                vec![ThemeTag {
                    theme: 0,
                    polarity: s,
                    confidence: None,
                    evidence: vec![],
                }]
            } else {
                vec![]
            },
            embedding: None,
        };
        let gold = [
            g(&["a"], "positive"),
            g(&["a"], "negative"),
            g(&[], "neutral"),
            g(&[], "neutral"),
        ];
        let pred = [
            p(true, Sentiment::Positive),
            p(false, Sentiment::Positive),
            p(true, Sentiment::Neutral),
            p(false, Sentiment::Neutral),
        ];
        let s = score(
            &gold.iter().collect::<Vec<_>>(),
            &pred.iter().collect::<Vec<_>>(),
            &tax,
            false,
        );
        // tp 1, fn 1, fp 1: P = R = F1 = 0.5
        assert_eq!(
            (s.themes_micro.tp, s.themes_micro.fp, s.themes_micro.fn_),
            (1, 1, 1)
        );
        assert_eq!(s.themes_micro.f1, Some(0.5));
        assert_eq!(s.sentiment.accuracy, Some(0.75));
        assert_eq!(s.sentiment.confusion["negative"]["positive"], 1);
        // Both predicted tags have no lexicon span: the head alone, one of two right, for the
        // theme as for the whole.
        let model = &s.theme_sources["a"]["model"];
        assert_eq!((model.tags, model.correct), (2, 1));
        assert_eq!(s.tag_sources["model"], *model);
        assert!(!s.theme_sources["a"].contains_key("lexicon"));
    }
}
