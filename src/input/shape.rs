//! Where the header is. Survey platforms do not export a plain header line: a report title or
//! an "Exported on" line may stand above it, Qualtrics writes three header rows (column ids,
//! question texts, import ids such as `{"ImportId":"QID1"}`) and SurveyMonkey two (questions,
//! then "Response" / "Open-Ended Response" under them). This module looks at the first rows of
//! an export, CSV or sheet alike, and says which row is the header, which rows under it are
//! more header (skipped, never rejected as bad scores), and which row holds question texts
//! that help column detection. `--header-row N` settles what it cannot decide.

use super::columns::{self, Role};

/// Rows read before deciding (the header must be among the first [`HEADER_SEARCH`]).
pub const SAMPLE_ROWS: usize = 30;
/// The header is looked for among this many first rows.
pub const HEADER_SEARCH: usize = 10;

/// The header rows of an export, by index into the sampled rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The row of column names.
    pub header: usize,
    /// Header rows right under it (question texts, import ids, sub-headers): skipped.
    pub extra_rows: usize,
    /// The row of question texts, when the header holds ids (Qualtrics).
    pub questions: Option<usize>,
    /// The platform recognised from its header rows.
    pub platform: Option<&'static str>,
}

fn non_empty(row: &[String]) -> usize {
    row.iter().filter(|c| !c.trim().is_empty()).count()
}

fn is_import_id(cell: &str) -> bool {
    let c = cell.trim();
    c.starts_with('{') && c.contains("ImportId")
}

/// SurveyMonkey's second header row: "Response" under a single-answer question, "Open-Ended
/// Response" under a text one, option labels under a matrix; empty under the metadata columns.
fn is_surveymonkey_sub_header(row: &[String]) -> bool {
    row.iter().any(|c| {
        let c = c.trim().to_lowercase();
        c == "response" || c == "open-ended response"
    })
}

/// The most common number of non-empty cells among the rows (a ragged or title row does not
/// set it); the larger on a tie.
fn typical_width(rows: &[Vec<String>]) -> usize {
    let mut counts = std::collections::BTreeMap::<usize, usize>::new();
    for r in rows {
        *counts.entry(non_empty(r)).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(w, _)| *w > 0)
        .max_by_key(|(w, n)| (*n, *w))
        .map_or(0, |(w, _)| w)
}

/// Whether column detection finds both the score and the comment in this header (with the
/// question texts under it, if any) or the header holds a column named by a flag.
fn recognised(header: &[String], questions: Option<&[String]>, named: &[String]) -> bool {
    if named.iter().any(|n| {
        header
            .iter()
            .any(|h| h.trim().eq_ignore_ascii_case(n.trim()))
    }) {
        return true;
    }
    let map = columns::detect_with_questions(header, questions.unwrap_or(&[]), &[]);
    map.is_ok_and(|m| m.get(Role::Score).is_some() && m.get(Role::Text).is_some())
}

/// Locate the header among the first rows. `forced` is the index of the row `--header-row`
/// named; `named` the column names given by flags (a row holding one is a header).
pub fn locate(rows: &[Vec<String>], forced: Option<usize>, named: &[String]) -> Shape {
    let search = &rows[..rows.len().min(HEADER_SEARCH)];
    // Qualtrics: ids, question texts, import ids. The import-id row is unmistakable.
    let qualtrics = || {
        search.iter().position(|r| {
            let n = non_empty(r);
            n > 0 && r.iter().filter(|c| is_import_id(c)).count() * 2 >= n
        })
    };
    let header = match forced {
        Some(h) => h,
        None => match qualtrics() {
            Some(i) if i >= 2 => i - 2,
            Some(i) => i.saturating_sub(1),
            None => {
                let width = typical_width(rows);
                // A title row has one or two cells; a header may leave columns unnamed, so
                // three named cells are enough whatever the rows' width.
                let candidates: Vec<usize> = (0..search.len())
                    .filter(|&i| {
                        let n = non_empty(&search[i]);
                        n >= 3 || (n == 2 && n * 2 > width)
                    })
                    .collect();
                candidates
                    .iter()
                    .copied()
                    .find(|&i| recognised(&search[i], None, named))
                    .or_else(|| candidates.first().copied())
                    .unwrap_or(0)
            }
        },
    };
    let after = |k: usize| rows.get(header + k);
    if after(2).is_some_and(|r| r.iter().any(|c| is_import_id(c))) {
        return Shape {
            header,
            extra_rows: 2,
            questions: Some(header + 1),
            platform: Some("qualtrics"),
        };
    }
    if after(1).is_some_and(|r| r.iter().any(|c| is_import_id(c))) {
        return Shape {
            header,
            extra_rows: 1,
            questions: None,
            platform: Some("qualtrics"),
        };
    }
    if after(1).is_some_and(|r| is_surveymonkey_sub_header(r)) {
        return Shape {
            header,
            extra_rows: 1,
            questions: None,
            platform: Some("surveymonkey"),
        };
    }
    Shape {
        header,
        extra_rows: 0,
        questions: None,
        platform: None,
    }
}

/// Qualtrics' own metadata columns: their "question text" is only their id spelled out
/// ("Distribution Channel", "Location Latitude"), which must not make them a channel or a
/// site; the response id and the dates keep theirs.
const QUALTRICS_METADATA: [&str; 13] = [
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "ExternalDataReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
];

/// The column names and question texts a shape gives: SurveyMonkey's sub-header names a
/// column whose header cell is empty (a question spanning several columns); Qualtrics'
/// question row gives each question id its text.
pub fn headers_of(rows: &[Vec<String>], shape: &Shape) -> (Vec<String>, Vec<String>) {
    let clean = |c: &str| c.trim_start_matches('\u{FEFF}').trim().to_string();
    let mut headers: Vec<String> = rows[shape.header].iter().map(|c| clean(c)).collect();
    if shape.platform == Some("surveymonkey") {
        let sub = &rows[shape.header + 1];
        for (i, s) in sub.iter().enumerate() {
            let s = clean(s);
            match headers.get_mut(i) {
                Some(h) if h.is_empty() => *h = s,
                Some(_) => {}
                None if !s.is_empty() => {
                    headers.resize(i, String::new());
                    headers.push(s);
                }
                None => {}
            }
        }
    }
    let questions = match shape.questions {
        Some(q) => (0..headers.len())
            .map(|i| {
                if QUALTRICS_METADATA.contains(&headers[i].as_str()) {
                    String::new()
                } else {
                    rows[q].get(i).map_or(String::new(), |c| clean(c))
                }
            })
            .collect(),
        None => Vec::new(),
    };
    (headers, questions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn a_plain_header_is_the_first_row() {
        let r = rows("id,score,comment\n1,9,great\n2,3,slow");
        assert_eq!(locate(&r, None, &[]).header, 0);
        assert_eq!(locate(&r, None, &[]).extra_rows, 0);
    }

    #[test]
    fn title_rows_above_the_header_are_skipped() {
        let r = rows(
            "NPS export week 47,,\nExported on,2026-11-23,\nid,score,comment\n1,9,great\n2,3,slow",
        );
        let s = locate(&r, None, &[]);
        assert_eq!((s.header, s.extra_rows, s.platform), (2, 0, None));
        // A full-width title row that column detection does not recognise loses to the header.
        let r = rows("Report,Week 47,Contact centre\nid,score,comment\n1,9,great");
        assert_eq!(locate(&r, None, &[]).header, 1);
    }

    #[test]
    fn a_header_that_leaves_columns_unnamed_is_still_the_header() {
        let r = rows("id,score,comment,,,,,\n1,9,great,a,b,c,d,e\n2,3,slow,a,b,c,d,e");
        assert_eq!(locate(&r, None, &[]).header, 0);
        let r = rows("Week 47,,,,,,,\nid,score,comment,,,,,\n1,9,great,a,b,c,d,e");
        assert_eq!(locate(&r, None, &[]).header, 1);
    }

    #[test]
    fn qualtrics_three_header_rows() {
        let r = rows(
            "ResponseId,Q1,Q2\nResponse ID,How likely are you to recommend us?,Why did you give this score?\n{\"ImportId\":\"_recordId\"},{\"ImportId\":\"QID1\"},{\"ImportId\":\"QID2_TEXT\"}\nR_1,9,great",
        );
        let s = locate(&r, None, &[]);
        assert_eq!(
            s,
            Shape {
                header: 0,
                extra_rows: 2,
                questions: Some(1),
                platform: Some("qualtrics")
            }
        );
        let (h, q) = headers_of(&r, &s);
        assert_eq!(h, ["ResponseId", "Q1", "Q2"]);
        assert_eq!(q[1], "How likely are you to recommend us?");
    }

    #[test]
    fn surveymonkey_sub_header_names_empty_header_cells() {
        let r = rows("Respondent ID,How likely is it that you would recommend us?,What is the main reason for your score?,\n,Response,Open-Ended Response,Other\n1,9,great,");
        let s = locate(&r, None, &[]);
        assert_eq!(
            (s.header, s.extra_rows, s.platform),
            (0, 1, Some("surveymonkey"))
        );
        let (h, _) = headers_of(&r, &s);
        assert_eq!(h[3], "Other");
        assert_eq!(h[1], "How likely is it that you would recommend us?");
    }

    #[test]
    fn a_forced_header_row_wins() {
        let r = rows("a,b,c\nid,score,comment\n1,9,great");
        assert_eq!(locate(&r, Some(0), &[]).header, 0);
        assert_eq!(locate(&r, None, &[]).header, 1);
    }
}
