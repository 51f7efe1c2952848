//! Swedish personal identity numbers (personnummer and samordningsnummer): recognising their
//! written shapes, validating them and normalising them to twelve digits for pseudonymisation.
//!
//! Invariants: a [`PersonNumber`] always holds a real calendar date that is not after the
//! reference date it was parsed against, and a correct Luhn check digit. The digits leave the type
//! only through [`PersonNumber::canonical`], which exists to feed the keyed hash; `Debug` hides
//! them and there is no `Display`. Error messages never contain the input or any digit of it, so
//! they are safe to log, and [`redact_for_message`] keeps number-like values out of messages.

use std::borrow::Cow;
use std::fmt;

use chrono::{Datelike, NaiveDate};

/// Shown instead of a value that looks like a personnummer.
pub const REDACTED: &str = "(värdet visas inte: liknar ett personnummer)";

/// Which kind of identity number a [`PersonNumber`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// Personnummer, assigned at birth or on registration in Sweden.
    Personnummer,
    /// Samordningsnummer: the day of birth plus 60, for people not registered in Sweden.
    Samordningsnummer,
}

impl IdKind {
    /// Stable lower-case code for output columns.
    pub fn code(&self) -> &'static str {
        match self {
            IdKind::Personnummer => "personnummer",
            IdKind::Samordningsnummer => "samordningsnummer",
        }
    }
}

/// Legal sex as encoded in the number (the last digit of the serial part).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// The code used in Swedish statistics: "K" (kvinna) or "M" (man).
    pub fn code(&self) -> &'static str {
        match self {
            Sex::Female => "K",
            Sex::Male => "M",
        }
    }
}

/// Why an input is not a valid personnummer. Messages never repeat the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PersonNumberError {
    #[error("har inte formen ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN")]
    Shape,
    #[error("innehåller inget giltigt datum")]
    InvalidDate,
    #[error("födelsedatumet ligger efter referensdatumet")]
    BornAfterReference,
    #[error("kontrollsiffran stämmer inte")]
    CheckDigit,
}

/// A validated personnummer or samordningsnummer, normalised to `YYYYMMDDNNNC`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonNumber {
    digits: String,
    kind: IdKind,
    birth_date: NaiveDate,
}

impl fmt::Debug for PersonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonNumber(<dold>)")
    }
}

/// How the century is found: given by a twelve-digit form, or from the reference date for a
/// ten-digit form with `-`, a space or no separator (under 100) or with `+` (100 or older).
#[derive(Clone, Copy)]
enum Century {
    Given(i32),
    UnderHundred,
    HundredOrOlder,
}

/// The ten-digit core `YYMMDDNNNC` as digit values, and the century rule, of a well-shaped input.
fn shape(input: &str) -> Option<([u8; 10], Century)> {
    let bytes = input.trim().as_bytes();
    let (century, rest) = match bytes.len() {
        10 | 11 => (None, bytes),
        12 | 13 => (Some(&bytes[..2]), &bytes[2..]),
        _ => return None,
    };
    let (date, tail) = rest.split_at(6);
    let (separator, serial) = match tail {
        [sep, serial @ ..] if serial.len() == 4 => (Some(*sep), serial),
        _ => (None, tail),
    };
    let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    if !all_digits(date) || !all_digits(serial) || !century.is_none_or(all_digits) {
        return None;
    }
    let century = match (century, separator) {
        (Some(c), None | Some(b'-' | b' ')) => Century::Given(number(c)),
        (None, None | Some(b'-' | b' ')) => Century::UnderHundred,
        (None, Some(b'+')) => Century::HundredOrOlder,
        _ => return None,
    };
    let mut core = [0u8; 10];
    for (slot, byte) in core.iter_mut().zip(date.iter().chain(serial)) {
        *slot = byte - b'0';
    }
    Some((core, century))
}

/// Value of ASCII digits or digit values (both work because only the low nibble is used).
fn number(digits: &[u8]) -> i32 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + i32::from(d & 0x0f))
}

/// `nine` (the nine digits `YYMMDDNNN`) with its Luhn check digit appended: the ten
/// digits of a valid number, for generators of synthetic ones. Panics unless `nine` is
/// nine ASCII digits.
pub fn with_check_digit(nine: &str) -> String {
    assert!(
        nine.len() == 9 && nine.bytes().all(|b| b.is_ascii_digit()),
        "nine digits"
    );
    let values: Vec<u8> = nine.bytes().map(|b| b - b'0').collect();
    format!("{nine}{}", luhn(&values))
}

/// Luhn check digit over digit values, weights 2,1,2,1,… from the left.
fn luhn(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let product = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// True when the trimmed input has the shape of a personnummer or samordningsnummer
/// (`YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`, `YYYYMMDDNNNC`, `YYYYMMDD-NNNC`, or a space as
/// separator), whatever its check digit. Anything else is treated as a project-local code.
pub fn looks_like_number(input: &str) -> bool {
    shape(input).is_some()
}

impl PersonNumber {
    /// Validates `input` against `reference` (usually today or the date of the submission), which
    /// decides the century of the ten-digit forms and bounds the birth date.
    pub fn parse(input: &str, reference: NaiveDate) -> Result<PersonNumber, PersonNumberError> {
        let (core, century) = shape(input).ok_or(PersonNumberError::Shape)?;
        if luhn(&core[..9]) != core[9] {
            return Err(PersonNumberError::CheckDigit);
        }
        let [yy, month, day_field] = [0, 2, 4].map(|i| number(&core[i..i + 2]));
        let (kind, day) = if (61..=91).contains(&day_field) {
            (IdKind::Samordningsnummer, day_field - 60)
        } else {
            (IdKind::Personnummer, day_field)
        };
        let year = match century {
            Century::Given(cc) => cc * 100 + yy,
            Century::UnderHundred | Century::HundredOrOlder => {
                let r = reference;
                let mut year = r.year().div_euclid(100) * 100 + yy;
                // Compare as numbers so an impossible date still gets a century (and fails below).
                if (year, month, day) > (r.year(), r.month() as i32, r.day() as i32) {
                    year -= 100;
                }
                if matches!(century, Century::HundredOrOlder) {
                    year -= 100;
                }
                year
            }
        };
        let birth_date = (0..=9999)
            .contains(&year)
            .then(|| NaiveDate::from_ymd_opt(year, month as u32, day as u32))
            .flatten()
            .ok_or(PersonNumberError::InvalidDate)?;
        if birth_date > reference {
            return Err(PersonNumberError::BornAfterReference);
        }
        let mut digits = format!("{year:04}");
        digits.extend(core[2..].iter().map(|d| char::from(b'0' + d)));
        Ok(PersonNumber {
            digits,
            kind,
            birth_date,
        })
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn birth_year(&self) -> i32 {
        self.birth_date.year()
    }

    /// The real date of birth (for a samordningsnummer, the day field minus 60).
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// From the last digit of the serial part: odd for men, even for women.
    pub fn sex(&self) -> Sex {
        if self.digits.as_bytes()[10] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The twelve digits `YYYYMMDDNNNC`. For hashing only: never display, log or store them.
    pub fn canonical(&self) -> &str {
        &self.digits
    }
}

/// Every substring bounded by non-digits (or the ends) that has the shape of a number.
fn shaped_candidates(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let is_digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    (0..bytes.len())
        .filter(move |&start| is_digit(start) && (start == 0 || !is_digit(start - 1)))
        .flat_map(|start| [10, 11, 12, 13].map(|len| (start, start + len)))
        .filter(move |&(_, end)| end <= bytes.len() && is_digit(end - 1) && !is_digit(end))
        .filter_map(|(start, end)| text.get(start..end))
        .filter(|candidate| looks_like_number(candidate))
}

/// True when any digit sequence in `text` bounded by non-digits is a valid personnummer or
/// samordningsnummer in any of the accepted shapes, judged against today's date. Defence in depth
/// for free text and values about to be echoed.
pub fn contains_valid_number(text: &str) -> bool {
    let today = chrono::Local::now().date_naive();
    shaped_candidates(text).any(|candidate| PersonNumber::parse(candidate, today).is_ok())
}

/// True when any digit sequence in `text` bounded by non-digits has the shape of a
/// personnummer or samordningsnummer, valid or not: a mistyped number is still a number.
pub fn contains_number_shape(text: &str) -> bool {
    shaped_candidates(text).next().is_some()
}

/// True when prose, as people type it, holds something shaped like a personnummer or
/// samordningsnummer, valid or not: a word processor's dash (– — ‐ −) counts as the
/// hyphen, any kind of space (a non-breaking one too) as a space, and spaces around the
/// separator are ignored (`580607 – 5676`).
pub fn prose_contains_number(text: &str) -> bool {
    let mut probe = String::with_capacity(text.len());
    for c in text.chars() {
        probe.push(match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        });
    }
    // `580607 - 5676` and `580607- 5676` as `580607-5676`, and `+` the same way.
    for separator in ['-', '+'] {
        for spaced in [
            format!(" {separator} "),
            format!(" {separator}"),
            format!("{separator} "),
        ] {
            while probe.contains(&spaced) {
                probe = probe.replace(&spaced, &separator.to_string());
            }
        }
    }
    contains_number_shape(&probe)
}

/// `text` with every part of it that has the shape of a personnummer (valid or not)
/// replaced by [`REDACTED`]: the one pass every message to a user goes through (a
/// finding, a line of `fel.csv`), whoever wrote it and whatever it quotes.
pub fn redact_numbers(text: &str) -> Cow<'_, str> {
    let start_of = |candidate: &str| candidate.as_ptr() as usize - text.as_ptr() as usize;
    let mut ranges: Vec<(usize, usize)> = shaped_candidates(text)
        .map(|c| (start_of(c), start_of(c) + c.len()))
        .collect();
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_unstable();
    let mut redacted = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in ranges {
        if start >= at {
            redacted.push_str(&text[at..start]);
            redacted.push_str(REDACTED);
        }
        at = at.max(end);
    }
    redacted.push_str(&text[at..]);
    Cow::Owned(redacted)
}

/// `value` unchanged, or [`REDACTED`] when anything in it has the shape of a personnummer (valid or
/// not: a mistyped number is still a number).
pub fn redact_for_message(value: &str) -> Cow<'_, str> {
    // Every valid number also has the shape, so contains_valid_number is implied by the first test.
    if contains_number_shape(value) || contains_valid_number(value) {
        Cow::Borrowed(REDACTED)
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn reference() -> NaiveDate {
        date(2025, 6, 15)
    }

    fn parse(input: &str) -> Result<PersonNumber, PersonNumberError> {
        PersonNumber::parse(input, reference())
    }

    #[test]
    fn known_test_number_is_valid_in_every_shape() {
        let shapes = "811218-9876|8112189876|811218 9876|198112189876|19811218-9876|19811218 9876";
        for input in shapes.split('|').chain(["  811218-9876\t"]) {
            let pnr = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(pnr.canonical(), "198112189876");
            assert_eq!(pnr.kind(), IdKind::Personnummer);
            assert_eq!(pnr.birth_date(), date(1981, 12, 18));
            assert_eq!(pnr.birth_year(), 1981);
            assert_eq!(pnr.sex(), Sex::Male);
            assert_eq!(format!("{pnr:?}"), "PersonNumber(<dold>)");
        }
        assert_eq!(with_check_digit("811218987"), "8112189876");
    }

    #[test]
    fn samordningsnummer_has_day_plus_sixty() {
        for (day_field, real_day) in [(61, 1), (78, 18), (91, 31)] {
            let input = with_check_digit(&format!("8112{day_field}982"));
            let pnr = parse(&input).unwrap();
            assert_eq!(pnr.kind(), IdKind::Samordningsnummer);
            assert_eq!(pnr.kind().code(), "samordningsnummer");
            assert_eq!(pnr.birth_date(), date(1981, 12, real_day));
            assert_eq!(pnr.canonical(), format!("19{input}"));
            assert_eq!(pnr.sex(), Sex::Female);
            assert_eq!(pnr.sex().code(), "K");
        }
        assert_eq!(IdKind::Personnummer.code(), "personnummer");
        assert_eq!(Sex::Male.code(), "M");
    }

    #[test]
    fn century_follows_separator_and_reference() {
        let plus = parse("811218+9876").unwrap();
        assert_eq!(plus.birth_year(), 1881);
        assert_eq!(plus.canonical(), "188112189876");
        for (nine, year) in [
            ("250615123", 2025),
            ("250616123", 1925),
            ("000101123", 2000),
        ] {
            let ten = with_check_digit(nine);
            assert_eq!(parse(&ten).unwrap().birth_year(), year, "{ten}");
            let plus = format!("{}+{}", &ten[..6], &ten[6..]);
            assert_eq!(parse(&plus).unwrap().birth_year(), year - 100, "{plus}");
        }
        // Born on 29 February: the leap year decides between centuries only via the date check.
        let leap = with_check_digit("000229123");
        assert_eq!(parse(&leap).unwrap().birth_date(), date(2000, 2, 29));
        let twelve = format!("19{leap}");
        assert_eq!(parse(&twelve), Err(PersonNumberError::InvalidDate));
    }

    #[test]
    fn each_error_kind() {
        use PersonNumberError::*;
        let shapes = "|abc123|SIG-017|81121-89876|811218*9876|19811218+9876|811218--9876";
        let bad_dates = [
            "811318123",
            "810230123",
            "811200123",
            "811260123",
            "811292123",
        ];
        let cases = (shapes.split('|').map(|s| (s.to_owned(), Shape)))
            .chain(["811218-9875", "198112189877"].map(|s| (s.to_owned(), CheckDigit)))
            .chain(bad_dates.map(|nine| (with_check_digit(nine), InvalidDate)))
            .chain([(
                format!("20{}", with_check_digit("300101123")),
                BornAfterReference,
            )]);
        for (input, expected) in cases {
            let input = input.as_str();
            assert_eq!(parse(input), Err(expected), "{input:?}");
            let message = expected.to_string();
            assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
            assert!(!message.contains(input) || input.is_empty());
        }
    }

    #[test]
    fn looks_like_number_accepts_only_number_shapes() {
        let yes = "8112189876|811218-9876|811218+9876|811218 9876|198112189876|19811218-9876|\
                   19811218 9876| 811218-9875 |0000000000";
        for input in yes.split('|') {
            assert!(looks_like_number(input), "{input:?}");
        }
        let no = "SIG-017|abc123||811218|81121898|811218-98|19811218+9876|811218_9876|\
                  811218--9876|1981121898765|8112-189876|81121８9876";
        for input in no.split('|') {
            assert!(!looks_like_number(input), "{input:?}");
        }
    }

    #[test]
    fn contains_valid_number_finds_bounded_numbers() {
        let found =
            "ring 811218-9876 i morgon|x19811218-9876y|8112189876é|pnr:198112189876.|a 811218+9876";
        for text in found.split('|') {
            assert!(contains_valid_number(text), "{text:?}");
        }
        let not_found = "SIG-017|811218-9875|1811218-9876|811218-98761|tel 070-123 45 67|é8112";
        for text in not_found.split('|') {
            assert!(!contains_valid_number(text), "{text:?}");
        }
    }

    #[test]
    fn prose_hides_no_number_behind_a_dash_or_a_space() {
        for text in [
            "Vi hjälpte 580607–5676 med ansökan.",
            "580607 - 5676",
            "580607 – 5676",
            "580607\u{a0}5676",
            "19580607-5670 (fel kontrollsiffra)",
            "5806075676",
        ] {
            assert!(prose_contains_number(text), "{text}");
        }
        for text in [
            "Vi hade 17 träffar, 6 ställdes in.",
            "Prognos (TT 080803): 20 000 sjukskrivna.",
            "2008-01-01 – 2008-06-30",
        ] {
            assert!(!prose_contains_number(text), "{text}");
        }
    }

    #[test]
    fn redact_for_message_hides_number_like_values() {
        assert!(matches!(
            redact_for_message("SIG-017"),
            Cow::Borrowed("SIG-017")
        ));
        assert_eq!(redact_for_message("abc123"), "abc123");
        assert_eq!(redact_for_message("811218-9875"), REDACTED);
        assert_eq!(redact_for_message("anteckning 198112189876 här"), REDACTED);
        assert_eq!(redact_for_message("8112189876"), REDACTED);
    }

    #[test]
    fn redact_numbers_hides_every_number_and_keeps_the_rest() {
        assert!(matches!(
            redact_numbers("rad 7, 2008-01-14: 100 %"),
            Cow::Borrowed("rad 7, 2008-01-14: 100 %")
        ));
        assert_eq!(
            redact_numbers("\"811218-9875\" är inget halvår; 19811218-9875 inte heller"),
            format!("\"{REDACTED}\" är inget halvår; {REDACTED} inte heller")
        );
        // A wrong check digit is still a number.
        assert_eq!(redact_numbers("8112189876%"), format!("{REDACTED}%"));
    }

    #[test]
    fn short_and_long_forms_normalise_alike() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % bound
        };
        for _ in 0..5000 {
            let birth = date(1926, 7, 1) + chrono::Days::new(next(35_000));
            let day = birth.day() + if next(4) == 0 { 60 } else { 0 };
            let nine = format!(
                "{:02}{:02}{:02}{:03}",
                birth.year() % 100,
                birth.month(),
                day,
                next(1000)
            );
            let ten = with_check_digit(&nine);
            let short = format!("{}-{}", &ten[..6], &ten[6..]);
            let long = format!("{}{ten}", birth.year() / 100);
            let a = parse(&short).unwrap_or_else(|e| panic!("{short}: {e}"));
            let b = parse(&long).unwrap_or_else(|e| panic!("{long}: {e}"));
            assert_eq!(a.canonical(), b.canonical());
            assert_eq!(a.canonical(), long);
            assert_eq!(a.birth_date(), birth);
            assert_eq!(a.kind() == IdKind::Samordningsnummer, day > 31);
        }
    }
}
