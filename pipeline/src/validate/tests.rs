//! Unit tests of row validation on in-memory rows.

use chrono::NaiveDate;

use super::*;
use crate::pseudonymise::PseudonymKey;
use crate::read::{Cell, Finding, Location, RawRow, RowSource};

struct Rows {
    headers: Vec<String>,
    rows: std::vec::IntoIter<RawRow>,
}

impl Rows {
    fn new(headers: &[&str], rows: &[&[&str]]) -> Rows {
        let rows: Vec<RawRow> = rows
            .iter()
            .enumerate()
            .map(|(i, cells)| RawRow {
                number: i as u64 + 2,
                cells: cells
                    .iter()
                    .map(|c| {
                        if c.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(c.to_string())
                        }
                    })
                    .collect(),
            })
            .collect();
        Rows {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows.into_iter(),
        }
    }
}

impl RowSource for Rows {
    fn headers(&self) -> &[String] {
        &self.headers
    }
    fn next_row(&mut self) -> Result<Option<RawRow>, Finding> {
        Ok(self.rows.next())
    }
    fn progress(&self) -> (u64, u64) {
        (0, 0)
    }
}

fn check(tables: &[(&str, Rows)]) -> (Vec<Vec<Vec<Value>>>, CheckOutcome) {
    let schema = Schema::bundled().unwrap();
    let key = PseudonymKey::from_bytes([1; 32]);
    let mut check = SubmissionCheck::new(Rules {
        schema: &schema,
        version: 1,
        projekt: "SIGMA".into(),
        period: "2008H1".parse().unwrap(),
        today: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        persons: Persons::Identified(&key),
        project: None,
    });
    let mut stored = Vec::new();
    for (name, rows) in tables {
        let mut rows = Rows {
            headers: rows.headers.clone(),
            rows: rows.rows.clone(),
        };
        let mut sink = CollectingSink::default();
        let table = schema.table(name).unwrap();
        check
            .table(
                table,
                &mut rows,
                &Location::default().sheet(name),
                &mut sink,
                &mut |_, _| {},
            )
            .unwrap();
        stored.push(sink.rows);
    }
    (stored, check.finish())
}

fn messages(outcome: &CheckOutcome) -> Vec<String> {
    outcome.findings.iter().map(ToString::to_string).collect()
}

const DELTAGARE: [&str; 4] = ["person", "inskriven", "samtycke", "kon"];

#[test]
fn the_same_person_gets_the_same_pseudonym_in_every_spelling() {
    let deltagare = Rows::new(&DELTAGARE, &[&["198112189876", "2008-01-01", "ja", ""]]);
    let insatser = Rows::new(
        &["person", "typ", "start"],
        &[
            &["811218-9876", "praktik", "2008-02-01"],
            &["19811218-9876", "SIP", "2008-03-01"],
        ],
    );
    let (stored, outcome) = check(&[("deltagare", deltagare), ("insatser", insatser)]);
    assert!(outcome.findings.is_empty(), "{:?}", messages(&outcome));
    let pseudonym = &stored[0][0][0];
    assert_eq!(&stored[1][0][0], pseudonym);
    assert_eq!(&stored[1][1][0], pseudonym);
    // kon derived from the number (9th digit 7: odd, a man).
    assert_eq!(stored[0][0][1], Value::Text("M".into()));
}

#[test]
fn a_local_code_needs_kon_and_fodelsear() {
    let deltagare = Rows::new(&DELTAGARE, &[&["SIG-1", "2008-01-01", "ja", ""]]);
    let (_, outcome) = check(&[("deltagare", deltagare)]);
    let messages = messages(&outcome);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("kolumn Kön: värde saknas: krävs när personen har en projektkod")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("kolumn Födelseår: värde saknas")),
        "{messages:?}"
    );
}

#[test]
fn a_wrong_kon_for_a_local_code_is_one_finding_not_two() {
    let deltagare = Rows::new(
        &["person", "inskriven", "samtycke", "kon", "fodelsear"],
        &[&["SIG-1", "2008-01-01", "ja", "X", "1980"]],
    );
    let (_, outcome) = check(&[("deltagare", deltagare)]);
    let messages = messages(&outcome);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("kolumn Kön: okänd kod"),
        "{messages:?}"
    );
}

#[test]
fn local_codes_are_namespaced_by_project() {
    let key = PseudonymKey::from_bytes([1; 32]);
    assert_ne!(
        key.local_pseudonym("SIGMA", "001"),
        key.local_pseudonym("KOMPIS", "001")
    );
}

#[test]
fn every_error_of_a_row_is_reported() {
    let deltagare = Rows::new(&DELTAGARE, &[&["198112189875", "igår", "kanske", "X"]]);
    let (stored, outcome) = check(&[("deltagare", deltagare)]);
    assert!(stored[0].is_empty());
    let messages = messages(&outcome);
    assert_eq!(messages.len(), 4, "{messages:?}");
    for column in ["Personnummer/kod", "Inskriven", "Samtycke", "Kön"] {
        assert!(
            messages
                .iter()
                .any(|m| m.contains(&format!("rad 2, kolumn {column}:"))),
            "{column}: {messages:?}"
        );
    }
}

#[test]
fn the_content_hash_ignores_the_format_and_follows_the_content() {
    let a = Rows::new(&DELTAGARE, &[&["198112189876", "2008-01-01", "ja", ""]]);
    let b = Rows::new(
        &["Personnummer/kod", "Inskriven", "Samtycke", "Kön"],
        &[&["811218-9876", "080101", "Ja", "m"]],
    );
    let c = Rows::new(&DELTAGARE, &[&["198112189876", "2008-01-02", "ja", ""]]);
    let hash = |rows| check(&[("deltagare", rows)]).1.content_hash;
    assert_eq!(hash(a), hash(b));
    let a = Rows::new(&DELTAGARE, &[&["198112189876", "2008-01-01", "ja", ""]]);
    assert_ne!(hash(a), hash(c));
}

#[test]
fn values_beyond_the_header_are_reported() {
    let deltagare = Rows::new(
        &DELTAGARE,
        &[&["198112189876", "2008-01-01", "ja", "", "extra"]],
    );
    let (_, outcome) = check(&[("deltagare", deltagare)]);
    assert!(
        messages(&outcome)[0]
            .contains("raden har värden i kolumn 5 men rubrikraden har bara 4 kolumner"),
        "{:?}",
        messages(&outcome)
    );
}

const PARTICIPATIONS: [&str; 5] = ["person", "inskriven", "avslutad", "samtycke", "kon"];

#[test]
fn a_person_who_comes_back_has_a_row_for_each_participation() {
    let deltagare = Rows::new(
        &PARTICIPATIONS,
        &[
            &["198112189876", "2008-01-10", "2008-03-31", "ja", ""],
            // Back in the same half-year, as a new participation.
            &["811218-9876", "2008-05-02", "", "ja", ""],
        ],
    );
    let insatser = Rows::new(
        &["person", "typ", "start", "slut"],
        &[
            &["198112189876", "praktik", "2008-02-01", "2008-03-15"],
            // Between the two: a follow-up of the first participation.
            &["198112189876", "uppfoljning", "2008-04-20", ""],
            &["198112189876", "sarskilt_stod", "2008-05-10", ""],
        ],
    );
    let (stored, outcome) = check(&[("deltagare", deltagare), ("insatser", insatser)]);
    assert!(outcome.findings.is_empty(), "{:?}", messages(&outcome));
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert_eq!(stored[0].len(), 2);
    assert_eq!(
        stored[0][0][0], stored[0][1][0],
        "one person, one pseudonym"
    );
}

#[test]
fn overlapping_participations_name_both_rows() {
    let deltagare = Rows::new(
        &[
            "person",
            "inskriven",
            "avslutad",
            "samtycke",
            "kon",
            "fodelsear",
        ],
        &[
            &["198112189876", "2008-01-10", "2008-04-30", "ja", ""],
            &["SIG-2", "2008-01-10", "", "ja", "K", "1980"],
            &["198112189876", "2008-04-01", "", "ja", ""],
            // The same inskriven twice is the duplicate, said once.
            &["198112189876", "2008-01-10", "2008-02-01", "ja", ""],
        ],
    );
    let (_, outcome) = check(&[("deltagare", deltagare)]);
    let messages = messages(&outcome);
    let overlap = messages
        .iter()
        .filter(|m| m.contains("överlappar"))
        .collect::<Vec<_>>();
    assert_eq!(overlap.len(), 1, "{messages:?}");
    assert!(
        overlap[0].contains("rad 4:") && overlap[0].contains("rad 2 (inskriven 2008-01-10)"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("blad deltagare, rad 5:") && m.contains("dubblett")),
        "{messages:?}"
    );
    assert!(!messages.iter().any(|m| m.contains("9876")), "{messages:?}");
}

#[test]
fn work_before_the_first_participation_or_beyond_its_end_is_a_warning() {
    let deltagare = Rows::new(
        &PARTICIPATIONS,
        &[&["198112189876", "2008-02-01", "2008-04-30", "ja", ""]],
    );
    let insatser = Rows::new(
        &["person", "typ", "start", "slut"],
        &[
            &["198112189876", "praktik", "2008-01-15", ""],
            &["198112189876", "praktik", "2008-03-01", "2008-06-15"],
        ],
    );
    let remisser = Rows::new(
        &["person", "datum", "till", "syfte"],
        &[&["198112189876", "2008-01-20", "psykiatri", "utredning"]],
    );
    let (stored, outcome) = check(&[
        ("deltagare", deltagare),
        ("insatser", insatser),
        ("remisser", remisser),
    ]);
    assert!(outcome.findings.is_empty(), "{:?}", messages(&outcome));
    assert_eq!(stored[1].len(), 2, "warnings keep their rows");
    let warnings: Vec<String> = outcome.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].contains("blad insatser, rad 2, kolumn Start: Start 2008-01-15 ligger före personens första inskrivning i inlämningen (2008-02-01, rad 2 i bladet Deltagare)"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("blad insatser, rad 3, kolumn Slut: Slut 2008-06-15 ligger efter avslutet av deltagandet den började i (2008-04-30, rad 2 i bladet Deltagare)"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].contains("blad remisser, rad 2, kolumn Datum:"),
        "{warnings:?}"
    );
}

#[test]
fn an_implausible_age_spell_or_sum_is_a_warning() {
    let deltagare = Rows::new(
        &["person", "inskriven", "samtycke", "kon", "fodelsear"],
        &[
            // 14 at inskriven.
            &["SIG-1", "2008-01-10", "ja", "K", "1994"],
            &["SIG-2", "2008-01-10", "ja", "M", "1970"],
            // 68.
            &["SIG-3", "2008-01-10", "ja", "M", "1940"],
        ],
    );
    let sjukskrivning = Rows::new(
        &["person", "fran", "till", "omfattning"],
        &[
            &["SIG-2", "2005-01-01", "2007-06-30", "100"],
            // Open since 2006: 911 days to the half-year's end.
            &["SIG-2", "2006-01-01", "", "50"],
            &["SIG-2", "2008-01-01", "2008-03-01", "50"],
        ],
    );
    let forsorjning = Rows::new(
        &["person", "datum", "kalla", "omfattning"],
        &[
            &["SIG-2", "2008-02-01", "arbete", "70"],
            &["SIG-2", "2008-02-01", "a_kassa", "50"],
            // Already over: said once.
            &["SIG-2", "2008-02-01", "studier", "10"],
            &["SIG-2", "2008-03-01", "arbete", ""],
        ],
    );
    let (_, outcome) = check(&[
        ("deltagare", deltagare),
        ("sjukskrivning", sjukskrivning),
        ("forsorjning", forsorjning),
    ]);
    assert!(outcome.findings.is_empty(), "{:?}", messages(&outcome));
    let warnings: Vec<String> = outcome.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert!(
        warnings[0].contains("blad deltagare, rad 2, kolumn Födelseår: personen var 14 år"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("blad deltagare, rad 4, kolumn Födelseår: personen var 68 år"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].contains("blad forsorjning, rad 3, kolumn Omfattning (%)")
            && warnings[2].contains("tillsammans omfattning (%) 120, mer än 100"),
        "{warnings:?}"
    );
    assert!(
        warnings[3].contains("blad sjukskrivning, rad 2, kolumn Till:")
            && warnings[3].contains("910 dagar"),
        "{warnings:?}"
    );
    assert!(
        warnings[4].contains("blad sjukskrivning, rad 3, kolumn Till: Från 2006-01-01 och ingen till: 911 dagar till halvårets slut"),
        "{warnings:?}"
    );
}

#[test]
fn a_felregistrering_is_no_participation_and_a_bad_start_is_still_a_person() {
    let deltagare = Rows::new(
        &[
            "person",
            "inskriven",
            "avslutad",
            "avslutsorsak",
            "samtycke",
            "kon",
        ],
        &[
            // The wrong inskriven, ended as a felregistrering, beside the right one.
            &[
                "198112189876",
                "2008-02-01",
                "2008-02-01",
                "felregistrering",
                "ja",
                "",
            ],
            &["198112189876", "2008-01-02", "", "", "ja", ""],
            &["SIG-3", "2008-13-01", "", "", "ja", "K"],
        ],
    );
    let insatser = Rows::new(
        &["person", "typ", "start"],
        &[&["SIG-3", "praktik", "2008-02-01"]],
    );
    let (_, outcome) = check(&[("deltagare", deltagare), ("insatser", insatser)]);
    let messages = messages(&outcome);
    assert!(
        !messages.iter().any(|m| m.contains("överlappar")),
        "{messages:?}"
    );
    // The bad date is said once; the insats still names a known person.
    assert!(
        !messages.iter().any(|m| m.contains("finns inte i tabellen")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("rad 4, kolumn Inskriven")),
        "{messages:?}"
    );
}
