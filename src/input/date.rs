//! Response dates, for `--by-week` and for the period a run covers.
//!
//! Accepted forms (a time after the date is allowed and ignored; the date is taken as written,
//! with no time-zone conversion, because a survey export's dates are already in the contact
//! centre's own time):
//! - ISO `2026-11-23`, `2026-11-23T10:00:00Z`, `2026-11-23 10:00`, and `2026/11/23`, `2026.11.23`;
//! - dotted `23.11.2026` (always day first, the German/Russian convention);
//! - slashed or dashed `23/11/2026`, `11/23/2026`, `23-11-2026` (two-digit years are 20yy):
//!   whether the first field is the day or the month is decided **per file**, because a value
//!   like `03/04/2026` says nothing on its own. A value whose first field is above 12 can only be
//!   day-first and one whose second field is above 12 only month-first; the file's order is the
//!   one with more such values (day-first when none decides or on a tie, and the summary says
//!   the order was assumed). So [`parse`] returns a [`DateKey`] that may still be ambiguous and
//!   [`DateOrder::resolve`] settles it once every row has been seen;
//! - Excel serial day numbers (a workbook cell formatted as a number: `46349` is 2026-11-23),
//!   accepted between 20000 (1954) and 80000 (2119) so an ordinary id is not mistaken for one;
//! - English month names: `23 Nov 2026`, `Nov 23, 2026`, `23 November 2026`.
//!
//! Years outside 1954-2119 (the serial-number window; `9999-12-31` as a placeholder) are not
//! dates.

use serde::{Deserialize, Serialize};

use crate::output::time::civil_from_days;

/// A parsed date: exact, or a slashed date whose day/month order the file decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DateKey {
    /// Days since 1970-01-01.
    Day(i64),
    /// `first/second/year` with both readings kept open; at least one is a valid date.
    Slashed { year: i32, first: u8, second: u8 },
}

/// Day/month order of slashed dates in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm), None if not a date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// "YYYY-MM-DD" of days since 1970-01-01.
pub fn iso_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The Monday starting the ISO week that holds `days`.
pub fn week_start(days: i64) -> i64 {
    // 1970-01-01 was a Thursday: Monday = 0 at days = -3.
    days - (days + 3).rem_euclid(7)
}

/// ISO week label of the week holding `days`, e.g. "2026-W48".
pub fn iso_week_label(days: i64) -> String {
    let thursday = week_start(days) + 3;
    let (y, _, _) = civil_from_days(thursday);
    let jan1 = days_from_civil(y, 1, 1).expect("valid date");
    format!("{y:04}-W{:02}", (thursday - jan1) / 7 + 1)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_of_name(s: &str) -> Option<u32> {
    let s = s.trim_end_matches('.').to_ascii_lowercase();
    if s.len() < 3 || !s.is_ascii() {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let i = MONTHS.iter().position(|m| s.starts_with(m))?;
    (full[i].starts_with(&s) || s == "sept").then_some(i as u32 + 1)
}

fn num(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Years a response date may have: the window of the Excel serial numbers accepted (20000 to
/// 80000). A year such as 9999 (a placeholder for "no date", a typo) is not a date, so it can
/// neither become the latest week of `--by-week` nor stretch the period of a run.
pub const YEARS: std::ops::RangeInclusive<i64> = 1954..=2119;

fn year(s: &str) -> Option<i64> {
    match s.len() {
        4 => num(s).map(i64::from).filter(|y| YEARS.contains(y)),
        2 => num(s).map(|y| 2000 + y as i64),
        _ => None,
    }
}

/// Parse one date value; None when it is not a date in any accepted form.
pub fn parse(value: &str) -> Option<DateKey> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    // Excel serial day number.
    if v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && v.bytes().filter(|b| *b == b'.').count() <= 1
    {
        if let Ok(x) = v.parse::<f64>() {
            if (20_000.0..80_000.0).contains(&x) {
                return Some(DateKey::Day(x.floor() as i64 - 25_569));
            }
        }
    }
    // Cut a time: ISO 'T', or the first space after a purely numeric date.
    let date_part = match v.find(['T', 't']) {
        Some(i)
            if i >= 8
                && v[..i]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"-/.".contains(&b)) =>
        {
            &v[..i]
        }
        _ => match v.find(' ') {
            Some(i)
                if v[..i]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"-/.".contains(&b)) =>
            {
                &v[..i]
            }
            _ => v,
        },
    };
    if let Some(k) = parse_numeric(date_part) {
        return Some(k);
    }
    parse_named(v)
}

fn parse_numeric(s: &str) -> Option<DateKey> {
    let sep = s.bytes().find(|b| b"-/.".contains(b))?;
    let parts: Vec<&str> = s.split(sep as char).collect();
    if parts.len() != 3 {
        return None;
    }
    if parts[0].len() == 4 {
        // Year first: always year-month-day.
        let (y, m, d) = (year(parts[0])?, num(parts[1])?, num(parts[2])?);
        return days_from_civil(y, m, d).map(DateKey::Day);
    }
    if parts[0].len() > 2 || parts[1].len() > 2 {
        return None;
    }
    let (a, b, y) = (num(parts[0])?, num(parts[1])?, year(parts[2])?);
    if sep == b'.' {
        return days_from_civil(y, b, a).map(DateKey::Day);
    }
    let day_first = days_from_civil(y, b, a).is_some();
    let month_first = days_from_civil(y, a, b).is_some();
    if !day_first && !month_first {
        return None;
    }
    Some(DateKey::Slashed {
        year: y as i32,
        first: a as u8,
        second: b as u8,
    })
}

/// `23 Nov 2026`, `23 November 2026`, `Nov 23, 2026`, `Monday, 23 November 2026` (English).
fn parse_named(s: &str) -> Option<DateKey> {
    let tokens: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .filter(|t| !t.is_empty())
        .collect();
    let (mut day, mut month, mut yr) = (None, None, None);
    for t in tokens {
        if t.contains(':') {
            break; // a time follows the date
        }
        let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if month.is_none() {
            if let Some(m) = month_of_name(t) {
                month = Some(m);
                continue;
            }
        }
        if t.len() == 4 && yr.is_none() {
            if let Some(y) = num(t) {
                yr = Some(y as i64);
                continue;
            }
        }
        if day.is_none() && !digits.is_empty() && digits.len() <= 2 {
            if let Some(d) = num(digits) {
                day = Some(d);
                continue;
            }
        }
    }
    if !yr.is_some_and(|y| YEARS.contains(&y)) {
        return None;
    }
    days_from_civil(yr?, month?, day?).map(DateKey::Day)
}

/// How the slashed dates of a file were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDecision {
    pub order: DateOrder,
    /// True when no value decided the order (every slashed date had day and month <= 12).
    pub assumed: bool,
    /// Values that could only be read day-first / month-first.
    pub day_first_evidence: u64,
    pub month_first_evidence: u64,
}

impl DateOrder {
    /// Decide the order from the slashed keys seen, each with its number of rows.
    pub fn decide<'a>(keys: impl Iterator<Item = (&'a DateKey, u64)>) -> OrderDecision {
        let (mut dayf, mut monthf) = (0u64, 0u64);
        for (k, n) in keys {
            if let DateKey::Slashed { first, second, .. } = *k {
                if first > 12 {
                    dayf += n;
                } else if second > 12 {
                    monthf += n;
                }
            }
        }
        OrderDecision {
            order: if monthf > dayf {
                DateOrder::MonthFirst
            } else {
                DateOrder::DayFirst
            },
            assumed: dayf == 0 && monthf == 0,
            day_first_evidence: dayf,
            month_first_evidence: monthf,
        }
    }

    /// Days since 1970-01-01 of a key; a slashed date that is only valid in the other order is
    /// read in that order.
    pub fn resolve(self, key: &DateKey) -> i64 {
        match *key {
            DateKey::Day(d) => d,
            DateKey::Slashed {
                year,
                first,
                second,
            } => {
                let (y, a, b) = (year as i64, first as u32, second as u32);
                let day_first = days_from_civil(y, b, a);
                let month_first = days_from_civil(y, a, b);
                let (preferred, other) = match self {
                    DateOrder::DayFirst => (day_first, month_first),
                    DateOrder::MonthFirst => (month_first, day_first),
                };
                preferred
                    .or(other)
                    .expect("parse keeps only slashed dates valid in one order")
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day-first",
            DateOrder::MonthFirst => "month-first",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i64, m: u32, d: u32) -> DateKey {
        DateKey::Day(days_from_civil(y, m, d).unwrap())
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 19_782, 20_415, 100_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), Some(z));
        }
        assert_eq!(days_from_civil(2026, 2, 29), None);
        assert_eq!(days_from_civil(2024, 2, 29), Some(19_782));
        assert_eq!(days_from_civil(2026, 13, 1), None);
    }

    #[test]
    fn iso_and_year_first_forms() {
        let want = day(2026, 11, 23);
        for v in [
            "2026-11-23",
            " 2026-11-23T10:00:00Z",
            "2026-11-23T23:59:59+05:00",
            "2026-11-23 10:00",
            "2026/11/23",
            "2026.11.23",
            "23.11.2026",
            "23.11.2026 08:15",
            "46349",
            "46349.75",
            "23 Nov 2026",
            "Nov 23, 2026",
            "23 November 2026",
            "Monday, 23 November 2026",
            "November 23rd 2026 10:00",
            "23-Nov-2026",
        ] {
            assert_eq!(parse(v), Some(want), "{v}");
        }
    }

    #[test]
    fn not_dates() {
        for v in [
            "",
            "n/a",
            "2026-02-30",
            "31.04.2026",
            "13/13/2026",
            "123",
            "2026-11",
            "19999",
            "80000",
            "1e5",
            "Nov 2026",
            "32 Nov 2026",
            "12345678",
            "9999-12-31",
            "31.12.9999",
            "12/31/9999",
            "31 Dec 9999",
            "1900-01-01",
        ] {
            assert_eq!(parse(v), None, "{v}");
        }
    }

    #[test]
    fn slashed_dates_wait_for_the_file() {
        assert_eq!(
            parse("03/04/2026"),
            Some(DateKey::Slashed {
                year: 2026,
                first: 3,
                second: 4
            })
        );
        assert_eq!(
            parse("23-11-26 10:00"),
            Some(DateKey::Slashed {
                year: 2026,
                first: 23,
                second: 11
            })
        );
        let keys = [parse("23/11/2026").unwrap(), parse("03/04/2026").unwrap()];
        let d = DateOrder::decide(keys.iter().map(|k| (k, 1)));
        assert_eq!(d.order, DateOrder::DayFirst);
        assert!(!d.assumed);
        assert_eq!(
            d.order.resolve(&keys[1]),
            days_from_civil(2026, 4, 3).unwrap()
        );

        let keys = [parse("11/23/2026").unwrap(), parse("03/04/2026").unwrap()];
        let d = DateOrder::decide(keys.iter().map(|k| (k, 1)));
        assert_eq!(d.order, DateOrder::MonthFirst);
        assert_eq!(
            d.order.resolve(&keys[0]),
            days_from_civil(2026, 11, 23).unwrap()
        );
        assert_eq!(
            d.order.resolve(&keys[1]),
            days_from_civil(2026, 3, 4).unwrap()
        );

        // Nothing decides: day-first, and the decision says it was assumed.
        let keys = [parse("03/04/2026").unwrap()];
        let d = DateOrder::decide(keys.iter().map(|k| (k, 5)));
        assert_eq!((d.order, d.assumed), (DateOrder::DayFirst, true));

        // Mixed evidence: the majority wins, but a value valid in one order only keeps it.
        let a = parse("11/23/2026").unwrap();
        let b = parse("24/11/2026").unwrap();
        let d = DateOrder::decide([(&a, 1), (&b, 3)].into_iter());
        assert_eq!(d.order, DateOrder::DayFirst);
        assert_eq!((d.day_first_evidence, d.month_first_evidence), (3, 1));
        assert_eq!(d.order.resolve(&a), days_from_civil(2026, 11, 23).unwrap());
    }

    #[test]
    fn every_day_round_trips_in_every_form() {
        let names = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let start = days_from_civil(1999, 12, 1).unwrap();
        for z in (start..start + 12_000).step_by(7) {
            let (y, m, d) = civil_from_days(z);
            let want = Some(DateKey::Day(z));
            assert_eq!(parse(&iso_date(z)), want);
            assert_eq!(parse(&format!("{d:02}.{m:02}.{y}")), want);
            assert_eq!(parse(&format!("{y}/{m}/{d}")), want);
            assert_eq!(parse(&format!("{} {d}, {y}", names[m as usize - 1])), want);
            assert_eq!(parse(&format!("{}", z + 25_569)), want, "Excel serial");
            let slashed = parse(&format!("{d}/{m}/{y}")).unwrap();
            assert_eq!(DateOrder::DayFirst.resolve(&slashed), z);
            let slashed = parse(&format!("{m}/{d}/{y} 09:00")).unwrap();
            assert_eq!(DateOrder::MonthFirst.resolve(&slashed), z);
            assert_eq!(
                week_start(z).rem_euclid(7),
                4,
                "Mondays are 4 mod 7 days after 1970-01-01"
            );
        }
    }

    #[test]
    fn iso_weeks() {
        // 2026-11-23 is a Monday in ISO week 48.
        let mon = days_from_civil(2026, 11, 23).unwrap();
        assert_eq!(week_start(mon), mon);
        assert_eq!(
            week_start(mon + 6),
            mon,
            "Sunday belongs to the week before it"
        );
        assert_eq!(week_start(mon + 7), mon + 7);
        assert_eq!(iso_week_label(mon), "2026-W48");
        // 2021-01-03 (Sunday) is in 2020-W53; 2024-12-30 (Monday) is in 2025-W01.
        assert_eq!(
            iso_week_label(days_from_civil(2021, 1, 3).unwrap()),
            "2020-W53"
        );
        assert_eq!(
            iso_week_label(days_from_civil(2024, 12, 30).unwrap()),
            "2025-W01"
        );
        assert_eq!(iso_date(mon), "2026-11-23");
    }
}
