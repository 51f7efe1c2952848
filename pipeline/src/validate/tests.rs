//! Unit tests of row validation on in-memory rows.

use chrono::NaiveDate;

use super::*;
use crate::ingest::{Cell, Finding, Location, RawRow, RowSource};
use crate::pseudonymise::PseudonymKey;

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
