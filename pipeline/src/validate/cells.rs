//! Turning one raw cell into a typed value, or a Swedish message saying why not.
//!
//! Messages show the offending value only through `redact_for_message`, so a
//! personnummer typed into the wrong column is never echoed.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::personnummer::redact_for_message;
use crate::read::Cell;
use crate::schema::CodeList;

pub use crate::schema::Value;

/// The raw text of a cell, trimmed; numbers as Excel would show them.
pub fn cell_text(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Empty => Cow::Borrowed(""),
        Cell::Text(text) => Cow::Borrowed(text.trim()),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
            Cow::Owned(format!("{}", *n as i64))
        }
        Cell::Number(n) => Cow::Owned(format!("{n}")),
        Cell::Date(date) => Cow::Owned(date.format("%Y-%m-%d").to_string()),
        Cell::Bool(true) => Cow::Borrowed("ja"),
        Cell::Bool(false) => Cow::Borrowed("nej"),
    }
}

/// `YYYY-MM-DD` and `YYYYMMDD` without going through a format parser: most dates in a
/// submission have one of these forms, and this is the hot path of a large ingest.
fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => (digits(0..4)?, digits(5..7)?, digits(8..10)?),
        8 => (digits(0..4)?, digits(4..6)?, digits(6..8)?),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// The most characters of a value a message quotes: enough to recognise it, and a
/// cell of megabytes is not repeated in every message and line of `fel.csv`.
const QUOTED: usize = 60;

/// Shows a user's value in a message, quoted (its beginning, if long), unless it could
/// be a personnummer.
pub fn shown(text: &str) -> String {
    let redacted = redact_for_message(text);
    if redacted != text {
        return redacted.into_owned();
    }
    match text.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("\"{}…\" ({} tecken)", &text[..cut], text.chars().count()),
        None => format!("\"{text}\""),
    }
}

/// Dates: Excel date cells and serials, `YYYY-MM-DD`, `YYYYMMDD`, `YYMMDD`, and
/// (when allowed) a month `YYYY-MM`, read as its first day.
pub fn parse_date(cell: &Cell, allow_month: bool, today: NaiveDate) -> Result<NaiveDate, String> {
    let text = match cell {
        Cell::Date(date) => return Ok(*date),
        Cell::Number(serial) => {
            return crate::read::serial_to_date(*serial)
                .ok_or_else(|| format!("{} är inget datum", shown(&cell_text(cell))));
        }
        other => cell_text(other),
    };
    let formats = if allow_month {
        "ÅÅÅÅ-MM-DD, ÅÅÅÅMMDD, ÅÅMMDD eller månad ÅÅÅÅ-MM"
    } else {
        "ÅÅÅÅ-MM-DD, ÅÅÅÅMMDD eller ÅÅMMDD"
    };
    let unknown = || format!("{} är inget datum i formen {formats}", shown(&text));
    let digits = text.chars().all(|c| c.is_ascii_digit());
    let date = match text.len() {
        10 | 8 => parse_iso_date(&text),
        6 if digits => {
            // Two-digit years: the latest century that is not in the future.
            let yy: i32 = text[..2].parse().map_err(|_| unknown())?;
            let century = if 2000 + yy <= today.year() {
                2000
            } else {
                1900
            };
            parse_iso_date(&format!("{}{}", century + yy, &text[2..]))
        }
        // Excel's CSV export of a date-time cell: keep the date when the time is midnight.
        19 => NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S")
            .ok()
            .filter(|dt| dt.time() == chrono::NaiveTime::MIN)
            .map(|dt| dt.date()),
        7 if allow_month => parse_iso_date(&format!("{text}-01")),
        // A date serial that reached a CSV file as a plain number.
        5 if digits => text
            .parse::<f64>()
            .ok()
            .and_then(crate::read::serial_to_date),
        _ => None,
    };
    date.ok_or_else(unknown)
}

pub fn parse_integer(cell: &Cell) -> Result<i64, String> {
    let number = match cell {
        Cell::Number(n) => *n,
        other => parse_number_text(&cell_text(other))
            .ok_or_else(|| format!("{} är inget heltal", shown(&cell_text(other))))?,
    };
    if number.fract() != 0.0 || number.abs() > i32::MAX as f64 {
        return Err(format!("{} är inget heltal", shown(&cell_text(cell))));
    }
    Ok(number as i64)
}

pub fn parse_decimal(cell: &Cell) -> Result<f64, String> {
    match cell {
        Cell::Number(n) => Ok(*n),
        other => {
            let text = cell_text(other);
            parse_number_text(text.trim_end_matches('%'))
                .ok_or_else(|| format!("{} är inget tal", shown(&text)))
        }
    }
}

/// Numbers as Swedish Excel writes them: decimal comma, spaces as thousands separators.
fn parse_number_text(text: &str) -> Option<f64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
    {
        return None;
    }
    cleaned.parse().ok()
}

pub fn parse_boolean(cell: &Cell) -> Result<bool, String> {
    match cell {
        Cell::Bool(b) => Ok(*b),
        Cell::Number(n) if *n == 1.0 => Ok(true),
        Cell::Number(n) if *n == 0.0 => Ok(false),
        other => {
            let text = cell_text(other);
            match text.to_lowercase().as_str() {
                "ja" | "j" | "x" | "sant" | "true" | "1" => Ok(true),
                "nej" | "n" | "falskt" | "false" | "0" => Ok(false),
                _ => Err(format!("{} ska vara ja eller nej", shown(&text))),
            }
        }
    }
}

pub fn parse_code(cell: &Cell, list: &CodeList, version: u32) -> Result<String, String> {
    let text = cell_text(cell);
    list.find(&text, version)
        .map(|code| code.code.clone())
        .ok_or_else(|| unknown_code(&text, list, version))
}

/// Several codes in one cell, separated by comma, semicolon or slash; duplicates dropped.
pub fn parse_codes(cell: &Cell, list: &CodeList, version: u32) -> Result<Vec<String>, String> {
    let mut codes: Vec<String> = Vec::new();
    for part in cell_text(cell)
        .split([',', ';', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let code = list
            .find(part, version)
            .ok_or_else(|| unknown_code(part, list, version))?;
        if !codes.contains(&code.code) {
            codes.push(code.code.clone());
        }
    }
    Ok(codes)
}

/// Beyond this many codes a message points to the list instead of naming them all.
const CODES_NAMED: usize = 30;

fn unknown_code(text: &str, list: &CodeList, version: u32) -> String {
    if list.codes.len() > CODES_NAMED {
        return format!(
            "okänd kod {} i listan {} (se bladet Koder i mallen, eller kod_{} i SQL)",
            shown(text),
            list.label,
            list.name
        );
    }
    format!(
        "okänd kod {} i listan {} (tillåtna: {})",
        shown(text),
        list.label,
        list.code_summary(version)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_quoted_by_its_beginning() {
        assert_eq!(shown("Kontaktperson"), "\"Kontaktperson\"");
        let long = "å".repeat(1 << 20);
        let quoted = shown(&long);
        assert_eq!(quoted, format!("\"{}…\" (1048576 tecken)", "å".repeat(60)));
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_in_every_accepted_form() {
        for (cell, expected) in [
            (text("2008-01-15"), date(2008, 1, 15)),
            (text("20080115"), date(2008, 1, 15)),
            (text("080115"), date(2008, 1, 15)),
            (text("970301"), date(1997, 3, 1)),
            (text("2008-01-15 00:00:00"), date(2008, 1, 15)),
            (text("39462"), date(2008, 1, 15)),
            (Cell::Number(39462.0), date(2008, 1, 15)),
            (Cell::Date(date(2008, 1, 15)), date(2008, 1, 15)),
        ] {
            assert_eq!(parse_date(&cell, false, today()), Ok(expected), "{cell:?}");
        }
        assert_eq!(
            parse_date(&text("2008-03"), true, today()),
            Ok(date(2008, 3, 1))
        );
    }

    #[test]
    fn unknown_date_forms_name_the_accepted_ones() {
        for bad in ["15/1 2008", "2008-13-01", "2008-03", "1 jan", "2008-02-30"] {
            let message = parse_date(&text(bad), false, today()).unwrap_err();
            assert!(message.contains("ÅÅÅÅ-MM-DD"), "{bad}: {message}");
        }
    }

    #[test]
    fn numbers_with_decimal_comma_and_spaces() {
        assert_eq!(parse_decimal(&text("12,5")), Ok(12.5));
        assert_eq!(parse_decimal(&text("50 %")), Ok(50.0));
        assert_eq!(parse_integer(&text("1 000")), Ok(1000));
        assert_eq!(parse_integer(&Cell::Number(25.0)), Ok(25));
        assert!(parse_integer(&text("12,5")).is_err());
        assert!(parse_integer(&text("tjugo")).is_err());
    }

    #[test]
    fn booleans_in_swedish_and_excel() {
        assert_eq!(parse_boolean(&text("Ja")), Ok(true));
        assert_eq!(parse_boolean(&text("nej")), Ok(false));
        assert_eq!(parse_boolean(&Cell::Bool(true)), Ok(true));
        assert_eq!(parse_boolean(&text("SANT")), Ok(true));
        assert!(parse_boolean(&text("kanske")).is_err());
    }

    #[test]
    fn a_personnummer_in_the_wrong_column_is_not_echoed() {
        let message = parse_boolean(&text("811218-9876")).unwrap_err();
        assert!(!message.contains("9876"), "{message}");
    }

    #[test]
    fn several_codes_in_one_cell() {
        let schema = crate::schema::Schema::bundled().unwrap();
        let list = schema.code_list("myndighet").unwrap();
        assert_eq!(
            parse_codes(&text("FK, VC; fk"), list, 1),
            Ok(vec!["fk".to_string(), "vardcentral".to_string()])
        );
        let message = parse_codes(&text("FK, polisen"), list, 1).unwrap_err();
        assert!(message.contains("\"polisen\""), "{message}");
    }
}
