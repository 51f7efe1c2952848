//! Validation: raw cells become typed, pseudonymised values, or findings.
//!
//! One [`SubmissionCheck`] walks a submission's tables in schema order (deltagare
//! first, so later tables can check that their persons exist). Every problem is
//! collected as a [`Finding`]; nothing stops at the first. Valid rows go to a
//! [`RowSink`] as they are read, so a file is never held whole in memory; the caller
//! discards what the sink wrote when any finding was made.
//!
//! Personnummer are replaced by pseudonyms here, at the first moment they are
//! understood, and never leave this module.

mod cells;
mod participations;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

pub use cells::{Value, cell_text};

use crate::period::HalfYear;
use crate::personnummer::{PersonNumber, looks_like_number};
use crate::pseudonymise::{Pseudonymiser, encode_hex, is_pseudonym};
use crate::read::{Cell, Finding, Location, RawRow, RowSource};
use crate::schema::{ColumnDef, ColumnKind, Derivation, Plausible, Schema, TableDef};
use cells::shown;
use participations::{Participation, Roster};

/// Receives the validated rows of one table, in file order.
pub trait RowSink {
    /// What keeping a row can fail with (nothing, for a sink in memory).
    type Error;
    /// `row` holds one value per stored column of the table (see `TableDef::stored_columns`).
    fn push(&mut self, row: &[Value]) -> Result<(), Self::Error>;
}

/// A sink that only counts: validation without writing (`--dry-run`).
#[derive(Default)]
pub struct CountingSink {
    pub rows: u64,
}

impl RowSink for CountingSink {
    type Error = std::convert::Infallible;

    fn push(&mut self, _row: &[Value]) -> Result<(), Self::Error> {
        self.rows += 1;
        Ok(())
    }
}

/// A sink that keeps the rows: a submission pseudonymised to be sent (`finsam submit`).
#[derive(Debug, Default)]
pub struct CollectingSink {
    pub rows: Vec<Vec<Value>>,
}

impl RowSink for CollectingSink {
    type Error = std::convert::Infallible;

    fn push(&mut self, row: &[Value]) -> Result<(), Self::Error> {
        self.rows.push(row.to_vec());
        Ok(())
    }
}

/// What is fixed for one submission.
pub struct Rules<'a> {
    pub schema: &'a Schema,
    /// The schema version the submission follows.
    pub version: u32,
    /// The project, upper-case.
    pub projekt: String,
    pub period: HalfYear,
    /// Dates after this day are implausible.
    pub today: NaiveDate,
    pub persons: Persons<'a>,
    /// The project as the registry has it (its start and end), when known.
    pub project: Option<&'a crate::registry::Project>,
}

/// What the person columns hold when they reach validation.
#[derive(Clone, Copy)]
pub enum Persons<'a> {
    /// Personnummer, samordningsnummer or project codes, pseudonymised here: with the
    /// key, or with the pseudonyms the key's holder evaluated for them.
    Identified(&'a dyn Pseudonymiser),
    /// Pseudonyms already made by the sender (`finsam submit`) with the key of this
    /// fingerprint; the derived columns (kön, födelseår) come filled in.
    Pseudonymised { key_fingerprint: &'a str },
}

impl Persons<'_> {
    /// The fingerprint of the key the pseudonyms are made with.
    pub fn key_fingerprint(&self) -> String {
        match self {
            Persons::Identified(key) => key.fingerprint(),
            Persons::Pseudonymised { key_fingerprint } => key_fingerprint.to_string(),
        }
    }
}

/// A person as far as validation needs it: the pseudonym and what the number tells.
#[derive(Debug, Clone)]
struct Person {
    pseudonym: String,
    birth_year: Option<i64>,
    sex: Option<&'static str>,
}

pub struct SubmissionCheck<'a> {
    rules: Rules<'a>,
    /// The persons (pseudonyms as 128-bit numbers) and participations of each table
    /// other tables refer to (deltagare). Absent when that table's header could not be
    /// read: reference checks would then only repeat its error.
    persons: HashMap<String, Roster>,
    /// Raw id → resolved person, so a number is not parsed and hashed again for each
    /// of its rows. Bounded: emptied when it reaches [`RESOLVED_CACHE`] entries.
    resolved: HashMap<String, Result<Person, String>>,
    findings: Vec<Finding>,
    /// Plausibility warnings: values that are allowed but seldom right.
    warnings: Vec<Finding>,
    hasher: Sha256,
}

/// The result of checking a whole submission.
#[derive(Debug)]
pub struct CheckOutcome {
    /// SHA-256 over the validated, pseudonymised content: equal for equal content
    /// whatever the file format.
    pub content_hash: String,
    pub findings: Vec<Finding>,
    /// What looks implausible but does not stop the submission (unless `--strikt`).
    pub warnings: Vec<Finding>,
}

impl<'a> SubmissionCheck<'a> {
    pub fn new(rules: Rules<'a>) -> SubmissionCheck<'a> {
        let mut hasher = Sha256::new();
        hasher.update(format!(
            "finsam:{}:{}:{}\n",
            rules.version, rules.projekt, rules.period
        ));
        SubmissionCheck {
            rules,
            persons: HashMap::new(),
            resolved: HashMap::new(),
            findings: Vec::new(),
            warnings: Vec::new(),
            hasher,
        }
    }

    pub fn rules(&self) -> &Rules<'a> {
        &self.rules
    }

    pub fn add_finding(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn has_findings(&self) -> bool {
        !self.findings.is_empty()
    }

    /// Checks one table's rows, sending valid ones to `sink`; returns the row count.
    /// `progress` is told (done, total) now and then.
    pub fn table<E>(
        &mut self,
        table: &TableDef,
        source: &mut dyn RowSource,
        location: &Location,
        sink: &mut dyn RowSink<Error = E>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, E> {
        // As for an absent table: a table newer than the submission leaves the hash as it was.
        if table.since <= self.rules.version {
            self.hasher.update(format!("table:{}\n", table.name));
        }
        let slots = match self.map_headers(table, source.headers(), location) {
            Some(slots) => slots,
            None => return Ok(0),
        };
        let mut checker = TableChecker::new(self.rules.schema, table, slots);
        let mut rows = 0;
        loop {
            let row = match source.next_row() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(finding) => {
                    self.findings.push(finding);
                    break;
                }
            };
            rows += 1;
            if table.since > self.rules.version {
                self.findings.push(Finding::at(
                    location.clone().row(row.number),
                    format!(
                        "tabellen {} finns från schemaversion {}, men inlämningen anger version {}: ange schemaversion {} (bladet Inlämning) eller ta bort raderna",
                        table.label, table.since, self.rules.version, self.rules.schema.version
                    ),
                ));
                break;
            }
            if let Some(values) = self.check_row(&mut checker, &row, location) {
                self.hash_row(&values);
                // Once the submission is rejected, writing more rows is wasted work.
                if self.findings.is_empty() {
                    sink.push(&values)?;
                }
            }
            if rows % 4096 == 0 {
                let (done, total) = source.progress();
                progress(done, total);
            }
        }
        let (_, total) = source.progress();
        progress(total, total);
        if let Some(persons) = checker.persons {
            self.persons.insert(table.name.clone(), persons);
        }
        Ok(rows)
    }

    /// Called for a table the submission does not contain: it is stored empty. A table
    /// newer than the submission's schema version leaves the content hash as it was, so
    /// a submission keeps its id when the schema grows a table.
    pub fn absent_table(&mut self, table: &TableDef, location: &Location) {
        if table.since <= self.rules.version {
            self.hasher.update(format!("table:{}\n", table.name));
        }
        if is_referenced(self.rules.schema, table) {
            self.findings.push(Finding::at(
                location.clone(),
                format!(
                    "inlämningen saknar tabellen {} (bladet {} eller filen {}.csv)",
                    table.name, table.label, table.name
                ),
            ));
        }
    }

    pub fn finish(self) -> CheckOutcome {
        let digest = self.hasher.finalize();
        let content_hash = encode_hex(&digest);
        let mut findings = self.findings;
        findings.sort_by(|a, b| a.location.cmp(&b.location));
        let mut warnings = self.warnings;
        warnings.sort_by(|a, b| a.location.cmp(&b.location));
        CheckOutcome {
            content_hash,
            findings,
            warnings,
        }
    }

    /// Maps header cells to the table's columns; `None` when the table cannot be read.
    fn map_headers(
        &mut self,
        table: &TableDef,
        headers: &[String],
        location: &Location,
    ) -> Option<Vec<Option<usize>>> {
        let version = self.rules.version;
        let mut slots: Vec<Option<usize>> = vec![None; table.columns.len()];
        let mut ok = true;
        let at = |column: &str| location.clone().row(1).column(column);
        let non_empty: Vec<&String> = headers.iter().filter(|h| !h.trim().is_empty()).collect();
        if let [only] = non_empty.as_slice()
            && table.column_by_heading(only).is_none()
            && only.contains([';', ',', '\t', '|', ':'])
        {
            self.findings.push(Finding::at(
                    location.clone().row(1),
                    "rubrikraden blev en enda kolumn: filen använder en annan avgränsare än semikolon eller komma; spara den som CSV (semikolonavgränsad) från Excel",
                ));
            return None;
        }
        for (index, heading) in headers.iter().enumerate() {
            if heading.trim().is_empty() {
                continue;
            }
            match table.columns.iter().position(|c| {
                table
                    .column_by_heading(heading)
                    .is_some_and(|m| m.name == c.name)
            }) {
                None => {
                    ok = false;
                    self.findings.push(Finding::at(
                        at(heading.trim()),
                        format!(
                            "okänd kolumn {} i tabellen {}: ta bort den eller rätta rubriken",
                            shown(heading.trim()),
                            table.label
                        ),
                    ));
                }
                Some(position) if table.columns[position].since > version => {
                    ok = false;
                    self.findings.push(Finding::at(
                        at(heading.trim()),
                        format!(
                            "kolumnen finns först i schemaversion {}, men inlämningen följer version {version}",
                            table.columns[position].since
                        ),
                    ));
                }
                Some(position) if slots[position].is_some() => {
                    ok = false;
                    self.findings
                        .push(Finding::at(at(heading.trim()), "kolumnen finns två gånger"));
                }
                Some(position) => slots[position] = Some(index),
            }
        }
        for (column, slot) in table.columns.iter().zip(&slots) {
            if slot.is_none() && column.required && column.since <= version {
                ok = false;
                self.findings.push(Finding::at(
                    at(&column.label),
                    format!(
                        "obligatorisk kolumn saknas: lägg till kolumnen {} ({})",
                        column.label,
                        column.kind.describe()
                    ),
                ));
            }
        }
        ok.then_some(slots)
    }

    fn check_row(
        &mut self,
        checker: &mut TableChecker,
        row: &RawRow,
        location: &Location,
    ) -> Option<Vec<Value>> {
        let table = checker.table;
        let row_at = RowAt {
            location,
            row: row.number,
        };
        let before = self.findings.len();
        if let Some(last) = row.cells.iter().rposition(|c| !c.is_empty())
            && last >= checker.width
        {
            self.findings.push(Finding::at(
                row_at.whole(),
                format!(
                    "raden har värden i kolumn {} men rubrikraden har bara {} kolumner",
                    last + 1,
                    checker.width
                ),
            ));
        }
        let mut values = Vec::with_capacity(table.columns.len());
        let mut unreadable = vec![false; table.columns.len()];
        let mut person: Option<Person> = None;
        for (index, (column, slot)) in table.columns.iter().zip(&checker.slots).enumerate() {
            let cell = slot.and_then(|i| row.cells.get(i)).unwrap_or(&Cell::Empty);
            let value = match self.check_cell(column, cell) {
                Ok(CheckedCell::Value(value)) => value,
                Ok(CheckedCell::Person(found)) => {
                    let value = Value::Text(found.pseudonym.clone());
                    person.get_or_insert(found);
                    value
                }
                Err(message) => {
                    self.findings
                        .push(Finding::at(row_at.column(&column.label), message));
                    unreadable[index] = true;
                    Value::Null
                }
            };
            values.push(value);
        }
        self.apply_row_rules(checker, &mut values, &unreadable, person.as_ref(), &row_at);
        if self.findings.len() > before {
            return None;
        }
        // Only stored columns go on; the project column is the partition.
        Some(
            table
                .columns
                .iter()
                .zip(values)
                .filter(|(c, _)| c.kind != ColumnKind::Project)
                .map(|(_, v)| v)
                .collect(),
        )
    }

    fn check_cell(&mut self, column: &ColumnDef, cell: &Cell) -> Result<CheckedCell, String> {
        if cell.is_empty() {
            return if column.required && column.since <= self.rules.version {
                Err(format!(
                    "värde saknas: kolumnen är obligatorisk ({})",
                    column.kind.describe()
                ))
            } else {
                Ok(CheckedCell::Value(Value::Null))
            };
        }
        let rules = &self.rules;
        let code_list = |list: &str| {
            rules
                .schema
                .code_list(list)
                .expect("schema checked code lists at load")
        };
        let value = match &column.kind {
            ColumnKind::Person => {
                return self
                    .resolve_person(&cell_text(cell))
                    .map(CheckedCell::Person);
            }
            ColumnKind::Project => {
                let projekt = cell_text(cell).to_ascii_uppercase();
                if projekt != rules.projekt {
                    return Err(format!(
                        "projektet {} skiljer sig från inlämningens projekt {}",
                        shown(&projekt),
                        rules.projekt
                    ));
                }
                Value::Null
            }
            ColumnKind::Date { allow_month } => {
                let date = cells::parse_date(cell, *allow_month, rules.today)?;
                if date < rules.schema.earliest_date {
                    return Err(format!(
                        "datumet {date} är orimligt: tidigast {} godtas",
                        rules.schema.earliest_date
                    ));
                }
                if date > rules.today {
                    return Err(format!("datumet {date} ligger i framtiden"));
                }
                Value::Date(date)
            }
            ColumnKind::Integer { min, max, allowed } => {
                let n = cells::parse_integer(cell)?;
                let too_small = min.is_some_and(|m| n < m);
                let too_large = max.is_some_and(|m| n > m)
                    || (column.derive == Some(Derivation::BirthYear)
                        && n > i64::from(chrono::Datelike::year(&rules.today)));
                if (!allowed.is_empty() && !allowed.contains(&n)) || too_small || too_large {
                    return Err(format!(
                        "{n} är inte tillåtet: {}",
                        range_text(&column.kind)
                    ));
                }
                Value::Int(n)
            }
            ColumnKind::Decimal { min, max } => {
                let x = cells::parse_decimal(cell)?;
                if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                    return Err(format!(
                        "{x} är inte tillåtet: {}",
                        range_text(&column.kind)
                    ));
                }
                Value::Float(x)
            }
            ColumnKind::Boolean => Value::Bool(cells::parse_boolean(cell)?),
            ColumnKind::Code { list } => {
                Value::Text(cells::parse_code(cell, code_list(list), rules.version)?)
            }
            ColumnKind::Codes { list } => {
                let codes = cells::parse_codes(cell, code_list(list), rules.version)?;
                if codes.is_empty() {
                    Value::Null
                } else {
                    Value::List(codes)
                }
            }
            ColumnKind::Text => {
                let text = cell_text(cell);
                // Free text is typed, not checked: anything shaped like a number is refused,
                // however it was written and whether or not its check digit is right.
                if crate::personnummer::prose_contains_number(&text) {
                    return Err(
                        "texten innehåller något som ser ut som ett personnummer eller samordningsnummer: ta bort det (skriv aldrig personnummer eller namn på deltagare)".into(),
                    );
                }
                Value::Text(text.into_owned())
            }
        };
        Ok(CheckedCell::Value(value))
    }

    /// A personnummer or samordningsnummer becomes its pseudonym; anything else is a
    /// project-local code, namespaced by project.
    fn resolve_person(&mut self, raw: &str) -> Result<Person, String> {
        if let Some(found) = self.resolved.get(raw) {
            return found.clone();
        }
        let rules = &self.rules;
        let key = match rules.persons {
            Persons::Identified(key) => key,
            Persons::Pseudonymised { .. } => return given_pseudonym(raw),
        };
        let resolved = if looks_like_number(raw) {
            PersonNumber::parse(raw, rules.period.end())
                .map(|number| Person {
                    pseudonym: key.person_pseudonym(&number),
                    birth_year: Some(i64::from(number.birth_year())),
                    sex: Some(number.sex().code()),
                })
                .map_err(|e| format!("ogiltigt person- eller samordningsnummer: {e}"))
        } else if raw
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '))
            && raw.chars().filter(char::is_ascii_digit).count() >= 9
        {
            Err(
                "ogiltigt person- eller samordningsnummer: skriv ÅÅÅÅMMDDNNNN eller ÅÅMMDD-NNNN"
                    .into(),
            )
        } else if raw.chars().count() > 40 || crate::personnummer::contains_valid_number(raw) {
            Err(
                "projektets kod får vara högst 40 tecken och får inte innehålla ett personnummer"
                    .into(),
            )
        } else {
            Ok(Person {
                pseudonym: key.local_pseudonym(&rules.projekt, raw),
                birth_year: None,
                sex: None,
            })
        };
        if self.resolved.len() >= RESOLVED_CACHE {
            self.resolved.clear();
        }
        self.resolved.insert(raw.to_string(), resolved.clone());
        resolved
    }

    /// Rules that involve more than one cell: derived values, defaults from codes,
    /// date order, uniqueness and references to deltagare.
    fn apply_row_rules(
        &mut self,
        checker: &mut TableChecker,
        values: &mut [Value],
        unreadable: &[bool],
        person: Option<&Person>,
        row_at: &RowAt,
    ) {
        let table = checker.table;
        let rules = &self.rules;
        for (index, column) in table.columns.iter().enumerate() {
            let at = || row_at.column(&column.label);
            if values[index] == Value::Null {
                if let Some(derivation) = column.derive {
                    let derived = person.and_then(|p| match derivation {
                        Derivation::Sex => p.sex.map(|s| Value::Text(s.to_string())),
                        Derivation::BirthYear => p.birth_year.map(Value::Int),
                    });
                    match derived {
                        Some(value) => values[index] = value,
                        // Only when the person column and this cell were fine: otherwise
                        // it was reported.
                        None if person.is_some() && !unreadable[index] => self.findings.push(Finding::at(
                            at(),
                            "värde saknas: krävs när personen har en projektkod i stället för personnummer",
                        )),
                        None => {}
                    }
                }
                if let Some(default) = &column.default_from_code {
                    let source = table.columns.iter().position(|c| c.name == default.column);
                    if let (Some(source), ColumnKind::Code { list }) =
                        (source, &table.columns[source.unwrap_or(0)].kind)
                        && let Value::Text(code) = &values[source]
                    {
                        let list = rules.schema.code_list(list).expect("checked at load");
                        values[index] = list
                            .get(code)
                            .and_then(|c| c.flag(&default.attribute))
                            .map_or(Value::Null, Value::Bool);
                    }
                }
            }
            if let Some(other) = &column.not_before {
                let other_index = table
                    .columns
                    .iter()
                    .position(|c| &c.name == other)
                    .expect("checked at load");
                if let (Value::Date(this), Value::Date(earlier)) =
                    (&values[index], &values[other_index])
                    && this < earlier
                {
                    self.findings.push(Finding::at(
                        at(),
                        format!(
                            "{} ({this}) är före {} ({earlier})",
                            column.label, table.columns[other_index].label
                        ),
                    ));
                }
            }
            if let Some(target) = &column.references
                && let (Some(persons), Value::Text(pseudonym)) =
                    (self.persons.get(target), &values[index])
                && !persons.contains(compact(pseudonym))
            {
                self.findings.push(Finding::at(
                            at(),
                            format!("personen finns inte i tabellen {target}: lägg till personen där eller rätta numret/koden"),
                        ));
            }
        }
        if !checker.unique_indexes.is_empty() {
            let key: Option<Vec<String>> = checker
                .unique_indexes
                .iter()
                .map(|&i| canonical(&values[i]))
                .collect();
            // A key with an unreadable part was reported already.
            if let Some(key) = key {
                let key = compact(&key.join("\u{1f}"));
                if let Some(first) = checker.unique_seen.get(&key) {
                    self.findings.push(Finding::at(
                        row_at.whole(),
                        format!(
                            "raden är en dubblett: samma {} finns redan på rad {first}",
                            unique_label(table)
                        ),
                    ));
                } else {
                    checker.unique_seen.insert(key, row_at.row);
                }
            }
        }
        if let (Some(persons), Some(person)) = (checker.persons.as_mut(), person) {
            let person = compact(&person.pseudonym);
            // A person with an unreadable start is still a person other tables may name.
            persons.insert(person);
            self.record_participation(checker, values, person, row_at);
        }
        self.check_within_participation(checker, values, person, row_at);
        self.check_plausible(checker, values, row_at);
    }

    /// The columns' plausibility rules (`plausible_*` in the schema): warnings only.
    fn check_plausible(&mut self, checker: &mut TableChecker, values: &[Value], row_at: &RowAt) {
        let table = checker.table;
        let index = |name: &str| table.columns.iter().position(|c| c.name == name);
        for (column_index, column) in table.columns.iter().enumerate() {
            let Some(rule) = &column.plausible else {
                continue;
            };
            let label = &column.label;
            let message = match rule {
                Plausible::Age { at, min, max } => {
                    let Some(at) = index(at) else { continue };
                    let (Value::Int(born), Value::Date(date)) =
                        (&values[column_index], &values[at])
                    else {
                        continue;
                    };
                    let age = i64::from(chrono::Datelike::year(date)) - born;
                    if (*min..=*max).contains(&age) {
                        continue;
                    }
                    format!(
                        "personen var {age} år vid {} {date}: finsam följer personer i arbetsför ålder, {min}–{max} år; stämmer {}?",
                        table.columns[at].label.to_lowercase(),
                        label.to_lowercase()
                    )
                }
                Plausible::Days(days) => {
                    let Some(start) = column.not_before.as_deref().and_then(index) else {
                        continue;
                    };
                    let Value::Date(from) = values[start] else {
                        continue;
                    };
                    let (end, open) = match values[column_index] {
                        Value::Date(end) => (end, false),
                        Value::Null => (self.rules.period.end(), true),
                        _ => continue,
                    };
                    let length = (end - from).num_days();
                    if length <= *days {
                        continue;
                    }
                    let start_label = &table.columns[start].label;
                    if open {
                        format!(
                            "{start_label} {from} och ingen {}: {length} dagar till halvårets slut, mer än {days}; stämmer datumen?",
                            label.to_lowercase()
                        )
                    } else {
                        format!(
                            "{start_label} {from} – {label} {end}: {length} dagar, mer än {days}; stämmer datumen?"
                        )
                    }
                }
                Plausible::Sum { per, max, empty } => {
                    let amount = match values[column_index] {
                        Value::Float(x) => x,
                        Value::Int(n) => n as f64,
                        Value::Null => *empty,
                        _ => continue,
                    };
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    column_index.hash(&mut hasher);
                    for value in per.iter().filter_map(|c| index(c)).map(|i| &values[i]) {
                        canonical(value).hash(&mut hasher);
                    }
                    let total = checker.sums.entry(hasher.finish()).or_insert(0.0);
                    let before = *total;
                    *total += amount;
                    if before > *max || *total <= *max {
                        continue;
                    }
                    let same: Vec<String> = per
                        .iter()
                        .filter_map(|c| table.column(c))
                        .map(|c| match c.kind {
                            ColumnKind::Person => "person".to_string(),
                            _ => c.label.to_lowercase(),
                        })
                        .collect();
                    format!(
                        "raderna med samma {} har tillsammans {} {}, mer än {max}; stämmer raderna?",
                        same.join(" och "),
                        label.to_lowercase(),
                        *total
                    )
                }
            };
            self.warnings
                .push(Finding::at(row_at.column(label), message));
        }
    }

    /// A row of a table of participations: its participation, unless the row is void (a
    /// felregistrering), must not overlap another of the person's; it should lie within
    /// the project's registered start and end.
    fn record_participation(
        &mut self,
        checker: &mut TableChecker,
        values: &[Value],
        person: u128,
        row_at: &RowAt,
    ) {
        let table = checker.table;
        let (Some(bounds), Some(persons)) = (&checker.participation, checker.persons.as_mut())
        else {
            return;
        };
        let Value::Date(start) = values[bounds.start] else {
            return;
        };
        let label = &table.columns[bounds.start].label;
        if let Some(outside) = self
            .rules
            .project
            .and_then(|p| crate::registry::outside(p, start))
        {
            self.warnings.push(Finding::at(
                row_at.column(label),
                format!(
                    "{label} {start} ligger utanför projektet ({outside} i projektregistret); stämmer datumet?"
                ),
            ));
        }
        let void = bounds.void.as_ref().is_some_and(|(column, attribute)| {
            let list = match &table.columns[*column].kind {
                ColumnKind::Code { list } => self.rules.schema.code_list(list),
                _ => None,
            };
            match (&values[*column], list) {
                (Value::Text(code), Some(list)) => list
                    .get(code)
                    .and_then(|c| c.flag(attribute))
                    .unwrap_or(false),
                _ => false,
            }
        });
        if void {
            return;
        }
        let participation = Participation {
            start,
            end: match values[bounds.end] {
                Value::Date(end) => Some(end),
                _ => None,
            },
            row: row_at.row,
        };
        // The same start twice is the duplicate reported above.
        if let Err(clash) = persons.add(person, participation)
            && clash.start != start
        {
            self.findings.push(Finding::at(
                row_at.whole(),
                format!(
                    "deltagandet ({label} {start}) överlappar personens deltagande på rad {} (inskriven {}): den som kommer tillbaka skrivs in på nytt först efter att det förra deltagandet avslutats",
                    clash.row, clash.start
                ),
            ));
        }
    }

    /// A row of the project's own work (an insats, a remiss) belongs to a participation
    /// of its person: before their first it is a warning, and an insats that starts in
    /// a participation should not outlast it.
    fn check_within_participation(
        &mut self,
        checker: &TableChecker,
        values: &[Value],
        person: Option<&Person>,
        row_at: &RowAt,
    ) {
        let Some(within) = checker.within else {
            return;
        };
        let table = checker.table;
        let (Some(person), Value::Date(date)) = (person, &values[within.date]) else {
            return;
        };
        let Some(belonging) = self
            .persons
            .get(within.participations)
            .and_then(|roster| roster.belonging(compact(&person.pseudonym), *date))
        else {
            return;
        };
        let label = &table.columns[within.date].label;
        match belonging {
            Err(first) => self.warnings.push(Finding::at(
                row_at.column(label),
                format!(
                    "{label} {date} ligger före personens första inskrivning i inlämningen ({}, rad {} i bladet {}): raden hör till ett deltagande; stämmer datumet?",
                    first.start, first.row, within.participations_label
                ),
            )),
            Ok(participation) => {
                if let (Some(end_index), Some(ended)) = (within.end, participation.end)
                    && let Value::Date(end) = values[end_index]
                    && *date <= ended
                    && end > ended
                {
                    let end_label = &table.columns[end_index].label;
                    self.warnings.push(Finding::at(
                        row_at.column(end_label),
                        format!(
                            "{end_label} {end} ligger efter avslutet av deltagandet den började i ({ended}, rad {} i bladet {}); stämmer datumen?",
                            participation.row, within.participations_label
                        ),
                    ));
                }
            }
        }
    }

    fn hash_row(&mut self, values: &[Value]) {
        let hasher = &mut self.hasher;
        for value in values {
            match value {
                Value::Null => hasher.update(b"n"),
                Value::Text(t) => {
                    hasher.update(b"t");
                    hasher.update(t.as_bytes());
                }
                Value::Date(d) => {
                    hasher.update(b"d");
                    hasher.update(chrono::Datelike::num_days_from_ce(d).to_le_bytes());
                }
                Value::Int(i) => {
                    hasher.update(b"i");
                    hasher.update(i.to_le_bytes());
                }
                Value::Float(x) => {
                    hasher.update(b"f");
                    hasher.update(x.to_bits().to_le_bytes());
                }
                Value::Bool(b) => hasher.update(if *b { b"b1" } else { b"b0" }),
                Value::List(items) => {
                    hasher.update(b"l");
                    for item in items {
                        hasher.update(item.as_bytes());
                        hasher.update(b"\x1e");
                    }
                }
            }
            hasher.update(b"\x1f");
        }
        hasher.update(b"\n");
    }
}

/// A person column of a pseudonymised submission holds pseudonyms and nothing else.
fn given_pseudonym(raw: &str) -> Result<Person, String> {
    if is_pseudonym(raw) {
        Ok(Person {
            pseudonym: raw.to_string(),
            birth_year: None,
            sex: None,
        })
    } else if looks_like_number(raw) || crate::personnummer::contains_valid_number(raw) {
        Err(PERSONNUMMER_REFUSED.into())
    } else {
        Err("ingen pseudonym: en pseudonymiserad inlämning har 32 hexadecimala tecken (0–9, a–f) i personkolumnen".into())
    }
}

/// Said of a personnummer where only pseudonyms may be; the value itself is never repeated.
pub const PERSONNUMMER_REFUSED: &str = "värdet ser ut som ett personnummer eller samordningsnummer: personnummer får aldrig lämna projektets dator, så inlämningen avvisas (finsam submit pseudonymiserar dem innan något skickas)";

/// The row a finding is about; the location is built only when there is a finding.
struct RowAt<'l> {
    location: &'l Location,
    row: u64,
}

impl RowAt<'_> {
    fn whole(&self) -> Location {
        self.location.clone().row(self.row)
    }

    fn column(&self, label: &str) -> Location {
        self.whole().column(label)
    }
}

enum CheckedCell {
    Value(Value),
    Person(Person),
}

/// Per-table state while its rows are checked.
struct TableChecker<'t> {
    table: &'t TableDef,
    slots: Vec<Option<usize>>,
    /// Number of header cells: values beyond it have no column.
    width: usize,
    unique_indexes: Vec<usize>,
    /// Unique key → the row it was first seen on.
    unique_seen: HashMap<u128, u64>,
    /// The persons of a table that others refer to.
    persons: Option<Roster>,
    /// The columns that bound a participation, for a table of participations.
    participation: Option<Bounds<'t>>,
    /// Where a row of the project's work should fall in a participation.
    within: Option<Within<'t>>,
    /// The running sums of `plausible_sum` columns, per group of rows.
    sums: HashMap<u64, f64>,
}

/// A participation's columns: start, end, and what makes a row void (a code column and
/// the attribute of its code list that says so).
struct Bounds<'t> {
    start: usize,
    end: usize,
    void: Option<(usize, &'t str)>,
}

/// A table's date column that should fall in a participation, from `within_participation`.
#[derive(Clone, Copy)]
struct Within<'t> {
    date: usize,
    /// A date column that must not be before `date`: the row's own end.
    end: Option<usize>,
    /// The table of participations its person column refers to, and its label.
    participations: &'t str,
    participations_label: &'t str,
}

impl<'t> TableChecker<'t> {
    fn new(schema: &'t Schema, table: &'t TableDef, slots: Vec<Option<usize>>) -> TableChecker<'t> {
        let width = slots.iter().flatten().max().map_or(0, |m| m + 1);
        let index = |name: &str| table.columns.iter().position(|c| c.name == name);
        let unique_indexes = table.unique.iter().filter_map(|name| index(name)).collect();
        let persons = is_referenced(schema, table).then(Roster::default);
        let participation = table.participation.as_ref().and_then(|p| {
            Some(Bounds {
                start: index(&p.start)?,
                end: index(&p.end)?,
                void: p
                    .void
                    .as_ref()
                    .and_then(|v| Some((index(&v.column)?, v.attribute.as_str()))),
            })
        });
        let within = table.within_participation.as_ref().and_then(|date| {
            let participations = table.columns.iter().find_map(|c| c.references.as_deref())?;
            Some(Within {
                date: index(date)?,
                end: table
                    .columns
                    .iter()
                    .position(|c| c.not_before.as_ref() == Some(date)),
                participations,
                participations_label: &schema.table(participations)?.label,
            })
        });
        TableChecker {
            table,
            slots,
            width,
            unique_indexes,
            unique_seen: HashMap::new(),
            persons,
            participation,
            within,
            sums: HashMap::new(),
        }
    }
}

/// Entries kept in the person cache before it is emptied; bounds memory on a huge file.
const RESOLVED_CACHE: usize = 1 << 16;

/// A key as 128 bits, so the sets that span a whole table stay small: a pseudonym is
/// already 128 random bits in hex; anything else is hashed.
fn compact(key: &str) -> u128 {
    if key.len() == 32
        && let Ok(bits) = u128::from_str_radix(key, 16)
    {
        return bits;
    }
    let digest = Sha256::digest(key.as_bytes());
    u128::from_le_bytes(
        digest[..16]
            .try_into()
            .expect("a SHA-256 digest has 32 bytes"),
    )
}

/// Whether some column of another table must name a person of this one.
fn is_referenced(schema: &Schema, table: &TableDef) -> bool {
    schema
        .tables
        .iter()
        .flat_map(|t| &t.columns)
        .any(|c| c.references.as_ref() == Some(&table.name))
}

/// The value as text for keys; `None` for an empty value.
fn canonical(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Text(t) => Some(t.clone()),
        other => Some(format!("{other:?}")),
    }
}

fn unique_label(table: &TableDef) -> String {
    let labels: Vec<&str> = table
        .unique
        .iter()
        .filter_map(|n| table.column(n))
        .map(|c| c.label.as_str())
        .collect();
    labels.join(" och ")
}

fn range_text(kind: &ColumnKind) -> String {
    match kind {
        ColumnKind::Integer { min, max, allowed } if allowed.is_empty() => {
            bounds(min.map(|m| m.to_string()), max.map(|m| m.to_string()))
        }
        ColumnKind::Decimal { min, max } => {
            bounds(min.map(|m| m.to_string()), max.map(|m| m.to_string()))
        }
        other => other.describe(),
    }
}

fn bounds(min: Option<String>, max: Option<String>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!("ska vara mellan {lo} och {hi}"),
        (Some(lo), None) => format!("ska vara minst {lo} och inte i framtiden"),
        (None, Some(hi)) => format!("ska vara högst {hi}"),
        (None, None) => "ska vara ett tal".into(),
    }
}

#[cfg(test)]
mod tests;
