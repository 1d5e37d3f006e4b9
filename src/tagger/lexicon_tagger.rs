//! The lexicon tagger: themes from the taxonomy's patterns, sentiment from the sentiment lexicon
//! with negation, intensifiers and contrast, scored per clause and rolled up per comment.
//!
//! Scoring, in the spirit of VADER: a polar word counts its weight (+-1, +-2); an intensifier
//! within two words before it multiplies by 1.5, a diminisher by 0.5; a negator within three
//! words before it flips the sign and damps it to 75 % ("not bad" is milder than "good"). A
//! theme phrase that is polar in itself ("transferred * times") counts +-1 and, being longer,
//! wins over the words inside it. Within a sentence with a contrast marker, clauses before it
//! weigh 0.5 and from it on 1.5. The comment score is raw / sqrt(raw^2 + 4) in [-1, 1]; a
//! comment is mixed when it has at least one clearly positive and one clearly negative clause.
//! A theme mention takes the polarity of its clause, else of its segment, sentence, or comment.

use std::collections::BTreeMap;

use super::{Classifier, Evidence, Prepared, Sentiment, Source, Tagging, ThemeTag};
use crate::lexicon::{Role, SentimentLexicon};
use crate::taxonomy::Taxonomy;
use crate::text::{resolve_longest, Match, PhraseMatcher};

const NEGATION_WINDOW: usize = 3;
const BOOST_WINDOW: usize = 2;
const NEGATED: f32 = -0.75;
/// A clause's |score| from which it counts as polar.
const CLAUSE_POLAR: f32 = 0.3;
/// A comment's |score| from which it is positive or negative.
const COMMENT_POLAR: f32 = 0.14;
const MAX_EVIDENCE: usize = 3;

#[derive(Debug, Clone)]
pub struct LexiconConfig {
    pub taxonomy: Taxonomy,
    pub lexicon: SentimentLexicon,
}

/// Theme pattern kinds, packed into the matcher payload with the theme index.
const TOPIC: u32 = 0;
const NEGATIVE: u32 = 1;
const POSITIVE: u32 = 2;
/// An `exclude` phrase: vetoes the theme's matches in its clause.
const EXCLUDE: u32 = 3;

/// The taxonomy exclusions that fire in one comment (theme indices into the taxonomy).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exclusions {
    /// Themes vetoed in the whole comment by an `exclude_comment` phrase.
    pub comment: Vec<usize>,
    /// (theme, clause) pairs vetoed by an `exclude` phrase in that clause.
    pub clauses: Vec<(usize, usize)>,
}

impl Exclusions {
    /// Whether a mention of `theme` in `clause` (None: outside every clause) is vetoed.
    pub fn blocks(&self, theme: usize, clause: Option<usize>) -> bool {
        self.comment.contains(&theme) || clause.is_some_and(|c| self.clauses.contains(&(theme, c)))
    }

    /// Whether `theme` is vetoed anywhere in the comment.
    pub fn any(&self, theme: usize) -> bool {
        self.comment.contains(&theme) || self.clauses.iter().any(|(t, _)| *t == theme)
    }
}

pub struct LexiconTagger {
    themes: BTreeMap<String, PhraseMatcher>,
    /// `exclude_comment` phrases per language (payload: the theme index).
    comment_vetoes: BTreeMap<String, PhraseMatcher>,
    model_id: String,
}

impl LexiconTagger {
    pub fn new(config: &LexiconConfig) -> anyhow::Result<Self> {
        let mut themes: BTreeMap<String, PhraseMatcher> = BTreeMap::new();
        for (i, theme) in config.taxonomy.themes.iter().enumerate() {
            for (kind, map) in [
                (TOPIC, &theme.patterns),
                (NEGATIVE, &theme.negative),
                (POSITIVE, &theme.positive),
                (EXCLUDE, &theme.exclude),
            ] {
                for (lang, patterns) in map {
                    let m = themes.entry(lang.clone()).or_default();
                    for p in patterns {
                        m.add(p, (i as u32) << 2 | kind).map_err(|e| {
                            anyhow::anyhow!("theme '{}': {lang} pattern '{p}': {e}", theme.id)
                        })?;
                    }
                }
            }
        }
        let mut comment_vetoes: BTreeMap<String, PhraseMatcher> = BTreeMap::new();
        for (i, theme) in config.taxonomy.themes.iter().enumerate() {
            for (lang, patterns) in &theme.exclude_comment {
                let m = comment_vetoes.entry(lang.clone()).or_default();
                for p in patterns {
                    m.add(p, i as u32).map_err(|e| {
                        anyhow::anyhow!("theme '{}': {lang} exclude_comment '{p}': {e}", theme.id)
                    })?;
                }
            }
        }
        let model_id = format!(
            "lexicon taxonomy:{} sentiment:{}",
            &config.taxonomy.sha256[..12],
            &config.lexicon.sha256[..12]
        );
        Ok(LexiconTagger {
            themes,
            comment_vetoes,
            model_id,
        })
    }

    /// Every theme pattern match (exclusions included) over the whole comment, for every
    /// lexicon language of the comment.
    fn raw_matches(&self, p: &Prepared) -> Vec<Match> {
        let mut all = Vec::new();
        for lang in &p.language.lexicons {
            if let Some(m) = self.themes.get(*lang) {
                all.extend(m.find_all(&p.tokens));
            }
        }
        all.sort_unstable();
        all.dedup();
        all
    }

    fn exclusions_of(&self, p: &Prepared, all: &[Match]) -> Exclusions {
        let mut comment: Vec<usize> = Vec::new();
        for lang in &p.language.lexicons {
            if let Some(m) = self.comment_vetoes.get(*lang) {
                comment.extend(m.find_all(&p.tokens).iter().map(|m| m.payload as usize));
            }
        }
        comment.sort_unstable();
        comment.dedup();
        let mut clauses: Vec<(usize, usize)> = all
            .iter()
            .filter(|m| m.payload & 3 == EXCLUDE)
            .filter_map(|m| Some((m.payload as usize >> 2, p.clause_of(m.start)?)))
            .collect();
        clauses.sort_unstable();
        clauses.dedup();
        Exclusions { comment, clauses }
    }

    /// Theme matches over the whole comment, less those vetoed by an `exclude` phrase of the
    /// same theme in the same clause or an `exclude_comment` phrase anywhere in the comment;
    /// and where those exclusions fired.
    fn theme_matches(&self, p: &Prepared) -> (Vec<Match>, Exclusions) {
        let mut all = self.raw_matches(p);
        let ex = self.exclusions_of(p, &all);
        all.retain(|m| {
            m.payload & 3 != EXCLUDE && !ex.blocks(m.payload as usize >> 2, p.clause_of(m.start))
        });
        (all, ex)
    }

    pub fn tag(&self, p: &Prepared) -> Tagging {
        self.tag_with_exclusions(p).0
    }

    /// The tags of a comment and where the taxonomy's exclusions fired in it. The combined
    /// tagger applies them to the head's own tags too: an exclusion names a context in which
    /// the theme's words mean something else ("waiting ... weeks" is a lead time, not a
    /// queue), whoever proposes it.
    pub fn tag_with_exclusions(&self, p: &Prepared) -> (Tagging, Exclusions) {
        let (theme_hits, exclusions) = self.theme_matches(p);
        // Sentiment candidates: lexicon words plus the theme phrases that are polar themselves.
        let mut candidates: Vec<Match> = p.lexical.clone();
        for m in &theme_hits {
            let role = match m.payload & 3 {
                NEGATIVE => Role::Polar(-1),
                POSITIVE => Role::Polar(1),
                _ => continue,
            };
            candidates.push(Match {
                payload: role.code(),
                ..*m
            });
        }
        let clause_scores = score_clauses(p, candidates);
        let (score, sentiment) = roll_up(p, &clause_scores);
        let themes = self.theme_tags(p, &theme_hits, &clause_scores, sentiment);
        let tagging = Tagging {
            sentiment,
            sentiment_score: score,
            themes,
            embedding: None,
        };
        (tagging, exclusions)
    }

    fn theme_tags(
        &self,
        p: &Prepared,
        hits: &[Match],
        clause_scores: &[f32],
        comment: Sentiment,
    ) -> Vec<ThemeTag> {
        let mut by_theme: BTreeMap<usize, (Vec<Sentiment>, Vec<Evidence>)> = BTreeMap::new();
        let sums = Sums::new(p, clause_scores);
        for m in hits {
            let Some(c) = p.clause_of(m.start) else {
                continue;
            };
            if m.end > p.clauses[c].tokens.1 {
                continue; // a phrase must not run across a clause boundary
            }
            let polarity = match m.payload & 3 {
                NEGATIVE => Sentiment::Negative,
                POSITIVE => Sentiment::Positive,
                _ => mention_polarity(p, c, clause_scores, &sums, comment),
            };
            let entry = by_theme.entry((m.payload >> 2) as usize).or_default();
            entry.0.push(polarity);
            let ev = Evidence {
                start: p.tokens[m.start].start,
                end: p.tokens[m.end - 1].end,
                source: Source::Lexicon,
            };
            // Keep the widest span where several patterns hit the same words.
            if let Some(prev) = entry
                .1
                .iter_mut()
                .find(|e| e.start < ev.end && ev.start < e.end)
            {
                if ev.end - ev.start > prev.end - prev.start {
                    *prev = ev;
                }
            } else if entry.1.len() < MAX_EVIDENCE {
                entry.1.push(ev);
            }
        }
        by_theme
            .into_iter()
            .map(|(theme, (pols, evidence))| ThemeTag {
                theme,
                polarity: combine(&pols),
                confidence: None,
                evidence,
            })
            .collect()
    }
}

/// Each clause's score from the sentiment lexicon alone (negation and intensifiers applied, no
/// theme phrases), positive for praise: the coaching packs' per-clause rule
/// (`report::coaching::target`) reads it to tell "can't fault the agent" from a complaint.
pub fn lexical_clause_scores(p: &Prepared) -> Vec<f32> {
    score_clauses(p, p.lexical.clone())
}

/// Score each clause from its resolved lexicon matches.
fn score_clauses(p: &Prepared, candidates: Vec<Match>) -> Vec<f32> {
    let resolved = resolve_longest(candidates);
    let mut scores = vec![0.0f32; p.clauses.len()];
    let mut next = 0;
    for (ci, clause) in p.clauses.iter().enumerate() {
        let (lo, hi) = clause.tokens;
        let mut negate_until = 0usize;
        let mut boost = 1.0f32;
        let mut boost_until = 0usize;
        let mut s = 0.0f32;
        while next < resolved.len() && resolved[next].start < hi {
            let m = resolved[next];
            next += 1;
            if m.start < lo || m.end > hi {
                continue;
            }
            match Role::from_code(m.payload) {
                Role::Negator => negate_until = m.end + NEGATION_WINDOW,
                Role::Intensifier => {
                    boost = 1.5;
                    boost_until = m.end + BOOST_WINDOW;
                }
                Role::Diminisher => {
                    boost = 0.5;
                    boost_until = m.end + BOOST_WINDOW;
                }
                Role::Contrast => {}
                Role::Polar(w) => {
                    let mut v = w as f32;
                    if m.start < boost_until {
                        v *= boost;
                        boost_until = 0;
                    }
                    if m.start < negate_until {
                        v *= NEGATED;
                    }
                    s += v;
                }
            }
        }
        scores[ci] = s;
    }
    scores
}

/// Comment score and label from clause scores, with the contrast weighting.
fn roll_up(p: &Prepared, clause_scores: &[f32]) -> (f32, Sentiment) {
    let mut raw = 0.0f32;
    let (mut pos, mut neg) = (0.0f32, 0.0f32);
    // First contrast marker of each sentence, found once (not once per clause: a long comment
    // of one sentence has thousands of clauses).
    let n_sent = p.clauses.iter().map(|c| c.sentence + 1).max().unwrap_or(0);
    let mut contrast_starts: Vec<Option<usize>> = vec![None; n_sent];
    for c in p.clauses.iter().filter(|c| c.contrast) {
        let at = &mut contrast_starts[c.sentence];
        *at = Some(at.map_or(c.tokens.0, |a| a.min(c.tokens.0)));
    }
    for (i, c) in p.clauses.iter().enumerate() {
        let s = clause_scores[i];
        let weight = match contrast_starts[c.sentence] {
            None => 1.0,
            Some(at) if c.tokens.0 < at => 0.5,
            Some(_) => 1.5,
        };
        raw += weight * s;
        if s >= CLAUSE_POLAR {
            pos += s;
        } else if s <= -CLAUSE_POLAR {
            neg -= s;
        }
    }
    let score = raw / (raw * raw + 4.0).sqrt();
    let score = (score * 1000.0).round() / 1000.0;
    let label = if pos >= 0.75 && neg >= 0.75 {
        Sentiment::Mixed
    } else if score >= COMMENT_POLAR {
        Sentiment::Positive
    } else if score <= -COMMENT_POLAR {
        Sentiment::Negative
    } else {
        Sentiment::Neutral
    };
    (score, label)
}

fn sign(s: f32) -> Option<Sentiment> {
    if s >= CLAUSE_POLAR {
        Some(Sentiment::Positive)
    } else if s <= -CLAUSE_POLAR {
        Some(Sentiment::Negative)
    } else {
        None
    }
}

/// Clause scores summed per segment and per sentence (indices of [`crate::text::Clause`]),
/// computed once per comment so a long comment with many mentions stays linear.
struct Sums {
    segment: Vec<f32>,
    sentence: Vec<f32>,
}

impl Sums {
    fn new(p: &Prepared, scores: &[f32]) -> Sums {
        let n_seg = p.clauses.iter().map(|c| c.segment + 1).max().unwrap_or(0);
        let n_sent = p.clauses.iter().map(|c| c.sentence + 1).max().unwrap_or(0);
        let mut sums = Sums {
            segment: vec![0.0; n_seg],
            sentence: vec![0.0; n_sent],
        };
        for (c, s) in p.clauses.iter().zip(scores) {
            sums.segment[c.segment] += s;
            sums.sentence[c.sentence] += s;
        }
        sums
    }
}

/// A topic mention's polarity: its clause's, else its segment's, else its sentence's, else
/// the comment's when that is not mixed.
fn mention_polarity(
    p: &Prepared,
    clause: usize,
    scores: &[f32],
    sums: &Sums,
    comment: Sentiment,
) -> Sentiment {
    if let Some(s) = sign(scores[clause]) {
        return s;
    }
    let c = &p.clauses[clause];
    if let Some(s) = sign(sums.segment[c.segment]) {
        return s;
    }
    if let Some(s) = sign(sums.sentence[c.sentence]) {
        return s;
    }
    match comment {
        Sentiment::Positive | Sentiment::Negative => comment,
        _ => Sentiment::Neutral,
    }
}

fn combine(pols: &[Sentiment]) -> Sentiment {
    let neg = pols
        .iter()
        .any(|p| matches!(p, Sentiment::Negative | Sentiment::Mixed));
    let pos = pols
        .iter()
        .any(|p| matches!(p, Sentiment::Positive | Sentiment::Mixed));
    match (neg, pos) {
        (true, true) => Sentiment::Mixed,
        (true, false) => Sentiment::Negative,
        (false, true) => Sentiment::Positive,
        _ => Sentiment::Neutral,
    }
}

impl Classifier for LexiconTagger {
    fn model_id(&self) -> String {
        self.model_id.clone()
    }

    fn classify(&self, batch: &[Prepared]) -> anyhow::Result<Vec<Tagging>> {
        let _t = crate::timings::start(crate::timings::Stage::Lexicon);
        Ok(batch.iter().map(|p| self.tag(p)).collect())
    }
}

#[cfg(test)]
mod tests;
