//! Normalisation, language detection, tokens and clause splitting (`tagger::prepare`) and the
//! lexicon tagger on arbitrary text; checks that clauses and spans stay inside the text.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use npsight::lexicon::SentimentLexicon;
use npsight::tagger::{prepare, Classifier, LexiconConfig, LexiconTagger};
use npsight::taxonomy::Taxonomy;

struct Models {
    lexicon: SentimentLexicon,
    tagger: LexiconTagger,
}

fn models() -> &'static Models {
    static M: OnceLock<Models> = OnceLock::new();
    M.get_or_init(|| {
        let taxonomy = Taxonomy::builtin().unwrap();
        let lexicon = SentimentLexicon::builtin().unwrap();
        let tagger = LexiconTagger::new(&LexiconConfig {
            taxonomy,
            lexicon: lexicon.clone(),
        })
        .unwrap();
        Models { lexicon, tagger }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let m = models();
    let p = prepare(text, &m.lexicon);
    assert_eq!(npsight::text::normalize(&p.text), p.text, "normalise is idempotent");
    for c in &p.clauses {
        assert!(c.tokens.0 <= c.tokens.1 && c.tokens.1 <= p.tokens.len());
    }
    let n_chars = p.text.chars().count();
    let tags = m.tagger.classify(std::slice::from_ref(&p)).unwrap();
    assert_eq!(tags.len(), 1);
    for t in &tags[0].themes {
        for e in &t.evidence {
            assert!(e.start <= e.end && e.end <= n_chars, "span inside the text");
            let _ = p.span_text(e.start, e.end);
        }
    }
});
