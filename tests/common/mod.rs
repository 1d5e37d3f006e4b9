//! A scratch folder per test and a runner for the real binary (the xsv `Workdir` idea).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use npsight::lexicon::SentimentLexicon;
use npsight::tagger::{LexiconConfig, LexiconTagger};
use npsight::taxonomy::Taxonomy;
use std::process::{Command, Output};

pub struct Workdir {
    dir: tempfile::TempDir,
}

/// Whether the real model (scripts/fetch-models) is in the checkout; prints why `test` is
/// skipped when it is not.
pub fn model_present(test: &str) -> bool {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/multilingual-e5-small/tokenizer.json"
    );
    let ok = Path::new(dir).is_file();
    if !ok {
        eprintln!(
            "SKIPPED {test}: models/multilingual-e5-small not present: run scripts/fetch-models"
        );
    }
    ok
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// `analyze --encoder none` with the small test taxonomy and sentiment lexicon of
    /// tests/fixtures (`mini_taxonomy.toml`, `mini_sentiment.toml`), quiet, plus `extra`.
    pub fn analyze_mini(&self, input: &str, out: &str, extra: &[&str]) -> Run {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let tax = format!("{fixtures}/mini_taxonomy.toml");
        let lex = format!("{fixtures}/mini_sentiment.toml");
        let mut args = vec![
            "analyze",
            "--encoder",
            "none",
            input,
            "--out",
            out,
            "--taxonomy",
            &tax,
            "--sentiment-lexicon",
            &lex,
            "-q",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Run the binary with `input` on its standard input.
    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = Command::new(env!("CARGO_BIN_EXE_npsight"))
            .args(args)
            .current_dir(self.root())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run npsight");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(input)
            .expect("write standard input");
        let out = child.wait_with_output().expect("run npsight");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_npsight"))
            .args(args)
            .current_dir(self.root())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .envs(env.iter().copied())
            .output()
            .expect("run npsight");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Parse a CSV output into header + rows.
    pub fn csv(&self, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(self.path(name))
            .unwrap();
        let header = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        (header, rows)
    }

    pub fn summary(&self, out: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(&format!("{out}/summary.json"))).unwrap()
    }
}

/// A small export in several languages with agent, team and channel.
pub const SMALL_EXPORT: &str = "\
Response ID,Date,Agent,Team,Channel,NPS Score,Comment
1,2026-11-16,Ann,Billing,phone,2,I was on hold for 45 minutes and then transferred three times
2,2026-11-16,Ann,Billing,phone,9,Very friendly agent who sorted it quickly
3,2026-11-17,Bob,Tech,chat,10,Great service thank you
4,2026-11-17,Bob,Tech,chat,0,Rude agent and my internet is still not working
5,2026-11-18,Cem,Billing,email,7,
6,2026-11-18,Cem,Billing,phone,3,Ich habe ewig in der Warteschleife gewartet
7,2026-11-19,Dan,Tech,phone,N/A,not a number
8,2026-11-19,Dan,Tech,phone,8,Оператор был очень вежлив
9,2026-11-20,Eve,Billing,chat,1,客服态度很差，等了很久
10,2026-11-20,Eve,Billing,chat,9,\"Nhân viên nhiệt tình, giải quyết nhanh\"
";

/// The built-in taxonomy and lexicon with the lexicon tagger, for tests that call the library.
pub struct Models {
    pub taxonomy: Taxonomy,
    pub lexicon: SentimentLexicon,
    pub tagger: LexiconTagger,
}

pub fn models() -> Models {
    let taxonomy = Taxonomy::builtin().unwrap();
    let lexicon = SentimentLexicon::builtin().unwrap();
    let tagger = LexiconTagger::new(&LexiconConfig {
        taxonomy: taxonomy.clone(),
        lexicon: lexicon.clone(),
    })
    .unwrap();
    Models {
        taxonomy,
        lexicon,
        tagger,
    }
}

/// Fail when any spreadsheet reading of a CSV output (split on `;`, `,` or tab, lines on CR or
/// LF, quotes ignored: the worst case) exposes a field that starts a formula.
pub fn assert_spreadsheet_safe(name: &str, text: &str) {
    let dangerous = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];
    let number = |s: &str| {
        let t = s.strip_prefix(['-', '+']).unwrap_or(s);
        !t.is_empty()
            && t.chars().all(|c| c.is_ascii_digit() || c == '.')
            && t.chars().any(|c| c.is_ascii_digit())
    };
    for line in text.split(['\n', '\r']) {
        for sep in [';', ',', '\t'] {
            for field in line.split(sep) {
                let f = field.trim_start_matches([' ', '"']);
                let f = if sep == '\t' {
                    f
                } else {
                    f.split('\t').next().unwrap_or("")
                };
                // A plain number (`-5`) is exempt up to the next separator of any kind, as in
                // `output::csvsafe`: `-1,-5` read with `;` is two numbers, not a formula.
                let value = f
                    .split([';', ',', '\t'])
                    .next()
                    .unwrap_or("")
                    .trim_end_matches([' ', '"']);
                assert!(
                    !f.starts_with(dangerous) || number(value),
                    "{name}: split on {sep:?} exposes {field:?} in line {line:?}"
                );
            }
        }
    }
}
