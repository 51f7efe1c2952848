//! How a project becomes workbooks: which workbooks list a person, which workbook each
//! event row goes into, the income rows, and every row rendered in the schema's column
//! order with codes turned into the labels the template's drop-downs show.
//!
//! Invariants: a person is listed in every workbook of a half-year they overlap, were
//! followed up in, or are given by hand; an event lies in the workbook of its half-year
//! or, when the person is not listed there, their nearest listing before it (their first
//! if it comes before all); nothing lies in a workbook exported before its date but
//! income rows, which are then left out; rows of a sheet are sorted by date and person.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};

use super::model::{Event, Person, Project, Sex, d, first_of_next_month, forsorjning, half, text};
use super::{DATA_END, HALVES};
use crate::period::HalfYear;
use crate::personnummer::PersonNumber;
use crate::read::Cell;
use crate::schema::{ColumnKind, Schema};
use crate::template::FilledRows;

/// A row on its way into a sheet: sorted by date, then by person, then written.
type SortedRow = (NaiveDate, String, Vec<(&'static str, Cell)>);

/// About two months after the half-year: what a workbook can know.
pub(super) fn export_date(h: HalfYear) -> NaiveDate {
    h.end() + Months::new(2)
}

impl Project {
    /// The workbooks that list `person` in Deltagare: the half-years of their
    /// participation, of their follow-ups (an uppföljning, or income rows after the end),
    /// and any given by hand.
    pub(super) fn listed(&self, person: &Person) -> BTreeSet<HalfYear> {
        let followed: BTreeSet<HalfYear> = person
            .follow_up_rows()
            .map(|(date, _)| HalfYear::containing(date))
            .collect();
        HALVES
            .into_iter()
            .map(half)
            .filter(|&h| {
                person.overlaps(h)
                    || person.listad.contains(&h)
                    || followed.contains(&h)
                    || self.events.iter().any(|e| {
                        e.person == person.key
                            && e.text("typ") == "uppfoljning"
                            && HalfYear::containing(e.date) == h
                    })
            })
            .collect()
    }

    /// The workbooks an event of `person` goes into; none for an income row the export
    /// of its workbook is too early to know.
    fn place(&self, event: &Event, listed: &BTreeSet<HalfYear>) -> Result<Vec<HalfYear>, String> {
        let at = || format!("{} {}", self.name, event.person);
        if !event.i.is_empty() {
            if let Some(h) = event.i.iter().find(|h| !listed.contains(h)) {
                return Err(format!("{}: not listed in {h}", at()));
            }
            return Ok(event.i.clone());
        }
        let own = HalfYear::containing(event.date);
        let first = *listed
            .first()
            .ok_or_else(|| format!("{}: listed nowhere", at()))?;
        let placed = if listed.contains(&own) {
            own
        } else if own < first {
            first
        } else {
            *listed.range(..own).next_back().expect("an earlier listing")
        };
        if event.date <= export_date(placed) {
            Ok(vec![placed])
        } else if event.table == "forsorjning" {
            Ok(Vec::new())
        } else {
            Err(format!(
                "{}: {} {} is after the export of {placed}",
                at(),
                event.table,
                event.date
            ))
        }
    }

    /// Income rows: at the start, the first of each month of participation, and the first
    /// of each month for two years after the end (`Person::after`).
    fn income(&self, person: &Person) -> Result<Vec<Event>, String> {
        let mut rows = Vec::new();
        if person.no_income {
            return Ok(rows);
        }
        let mut add = |date: NaiveDate, sources: &str| -> Result<(), String> {
            for source in sources.split('+').filter(|s| !s.is_empty()) {
                let (kalla, omfattning) = match source.split_once(':') {
                    Some((k, o)) => {
                        let share = o.parse::<f64>().map_err(|_| {
                            format!("{} {}: {source}: no share", self.name, person.key)
                        })?;
                        (k, Some(share))
                    }
                    None => (source, None),
                };
                rows.push(forsorjning(&person.key, date, kalla, omfattning));
            }
            Ok(())
        };
        add(person.inskriven, &person.fore)?;
        let last = person.avslutad.unwrap_or(d(DATA_END));
        let mut month = first_of_next_month(person.inskriven);
        while month < last {
            add(month, &person.fore)?;
            month = month + Months::new(1);
        }
        for (date, sources) in person.follow_up_rows() {
            add(date, sources)?;
        }
        Ok(rows)
    }

    /// Every workbook's rows, by table, in the schema's column order.
    pub(super) fn workbooks(&self, schema: &Schema) -> Result<Vec<(HalfYear, FilledRows)>, String> {
        let mut books: BTreeMap<HalfYear, BTreeMap<&str, Vec<SortedRow>>> = HALVES
            .into_iter()
            .map(|h| (half(h), BTreeMap::new()))
            .collect();
        let mut add = |h: HalfYear,
                       table: &'static str,
                       date: NaiveDate,
                       key: &str,
                       cells: Vec<(&'static str, Cell)>| {
            books
                .get_mut(&h)
                .expect("a modelled half-year")
                .entry(table)
                .or_default()
                .push((date, key.to_string(), cells));
        };
        let ids: BTreeMap<&str, &str> = self
            .people
            .iter()
            .map(|p| (p.key.as_str(), p.id.as_str()))
            .collect();
        for person in &self.people {
            let listed = self.listed(person);
            for &h in &listed {
                add(
                    h,
                    "deltagare",
                    person.inskriven,
                    &person.key,
                    person.cells(self.name),
                );
            }
            let own = self.events.iter().filter(|e| e.person == person.key);
            for event in own.cloned().chain(self.income(person)?) {
                for h in self.place(&event, &listed)? {
                    let mut cells = event.cells.clone();
                    // Events name the person by the scenario's key until here.
                    for (column, cell) in &mut cells {
                        if *column == "person" {
                            *cell = text(ids[event.person.as_str()]);
                        }
                    }
                    add(h, event.table, event.date, &event.person, cells);
                }
            }
        }
        for meeting in &self.meetings {
            for h in meeting.halves() {
                let held = meeting.orsak.is_empty();
                let mut cells = vec![
                    ("datum", Cell::Date(meeting.date)),
                    ("typ", text(&meeting.typ)),
                    ("genomfort", text(if held { "ja" } else { "nej" })),
                ];
                if !held {
                    cells.push(("orsak", text(&meeting.orsak)));
                }
                add(h, "moten", meeting.date, &meeting.typ, cells);
            }
        }
        for &(date, antal) in &self.anonymous {
            add(
                HalfYear::containing(date),
                "anonyma_arenden",
                date,
                "",
                vec![
                    ("datum", Cell::Date(date)),
                    ("antal", Cell::Number(f64::from(antal))),
                ],
            );
        }
        for section in &self.narrative {
            add(
                section.halvar,
                "berattelse",
                section.halvar.start(),
                &format!("{:03}", section.nr),
                vec![
                    ("nr", Cell::Number(f64::from(section.nr))),
                    ("avsnitt", text(&section.avsnitt)),
                    ("text", text(&section.text)),
                ],
            );
        }
        books
            .into_iter()
            .map(|(h, tables)| {
                let rows = tables
                    .into_iter()
                    .map(|(table, mut rows)| {
                        rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                        let rows = rows
                            .into_iter()
                            .map(|(_, _, cells)| render(schema, table, &cells))
                            .collect::<Result<_, _>>()?;
                        Ok((table.to_string(), rows))
                    })
                    .collect::<Result<_, String>>()?;
                Ok((h, rows))
            })
            .collect()
    }

    /// Every number is valid for its person (Luhn, date, kön), no two people share one,
    /// and every event belongs to someone.
    pub(super) fn check_numbers(&self) -> Result<(), String> {
        let mut seen = BTreeMap::new();
        for person in &self.people {
            if let Some(other) = seen.insert(person.id.as_str(), person.key.as_str()) {
                return Err(format!(
                    "{}: {} and {other} share a number",
                    self.name, person.key
                ));
            }
            if person.local {
                continue;
            }
            let number = PersonNumber::parse(&person.id, d("2007-06-30"))
                .map_err(|e| format!("{} {}: {e}", self.name, person.key))?;
            let sex = if person.sex == Sex::K { "K" } else { "M" };
            if number.birth_year() != person.born_year || number.sex().code() != sex {
                return Err(format!(
                    "{} {}: the number disagrees with kön or födelseår",
                    self.name, person.key
                ));
            }
        }
        let keys: BTreeSet<&str> = seen.into_values().collect();
        match self
            .events
            .iter()
            .find(|e| !keys.contains(e.person.as_str()))
        {
            Some(event) => Err(format!("{}: no person {}", self.name, event.person)),
            None => Ok(()),
        }
    }
}

/// A row in the table's column order; codes become the labels the template's drop-downs show.
fn render(schema: &Schema, table: &str, cells: &[(&str, Cell)]) -> Result<Vec<Cell>, String> {
    let def = schema
        .table(table)
        .ok_or_else(|| format!("no table {table}"))?;
    if let Some((name, _)) = cells.iter().find(|(name, _)| def.column(name).is_none()) {
        return Err(format!("{table} has no column {name}"));
    }
    def.columns
        .iter()
        .map(|column| {
            let cell = cells
                .iter()
                .find(|(name, _)| *name == column.name)
                .map_or(Cell::Empty, |(_, cell)| cell.clone());
            Ok(match (&column.kind, cell) {
                (ColumnKind::Code { list }, Cell::Text(code)) if !code.is_empty() => {
                    let list = schema.code_list(list).expect("a code list");
                    let code = list
                        .get(&code)
                        .ok_or_else(|| format!("{table}.{}: no code {code}", column.name))?;
                    Cell::Text(code.label.clone())
                }
                (_, Cell::Text(t)) if t.is_empty() => Cell::Empty,
                (_, cell) => cell,
            })
        })
        .collect()
}
