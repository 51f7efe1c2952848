//! Writing one submission folder: `inlamning.csv`, deltagare, the event tables, and the
//! project's meetings (moten) and anonymous cases drawn for the half-year.
//!
//! Layout: `;`-separated, the schema's column names as headers in schema order, dates as
//! `YYYY-MM-DD`, an empty field for an unknown value. The column lists here are the
//! schema's, which the tests check.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::events::Event;
use super::people::Person;
use super::rng::Rng;
use super::weights::INSTALLT_ORSAK;
use super::{Bucket, Run, SynthError, io_error};
use crate::period::HalfYear;

pub(super) const DELTAGARE: [&str; 14] = [
    "person",
    "projekt",
    "kon",
    "fodelsear",
    "inskriven",
    "avslutad",
    "avslutsorsak",
    "aktualiserad_av",
    "utomnordisk",
    "ensamstaende_med_barn",
    "samtycke",
    "utbildningsniva",
    "tid_utan_arbete",
    "status_efter_avslut",
];
/// The person tables other than deltagare, in [`Event::table`] order.
pub(super) const EVENT_TABLES: [(&str, &[&str]); 6] = [
    ("insatser", &["person", "typ", "start", "slut"]),
    ("remisser", &["person", "datum", "till", "syfte", "raknas"]),
    ("sjukskrivning", &["person", "fran", "till", "omfattning"]),
    ("lss", &["person", "datum", "handelse", "insats"]),
    ("ersattning", &["person", "datum", "typ", "handelse"]),
    ("forsorjning", &["person", "datum", "kalla", "omfattning"]),
];
pub(super) const MOTEN: [&str; 5] = ["projekt", "datum", "typ", "genomfort", "orsak"];
pub(super) const ANONYMA: [&str; 3] = ["projekt", "datum", "antal"];

impl Run<'_> {
    pub(super) fn write_submission(
        &mut self,
        out: &Path,
        project: &str,
        half: HalfYear,
        live: &[Person],
        bucket: &Bucket,
        rng: &mut Rng,
    ) -> Result<(), SynthError> {
        let listed: Vec<&Person> = live
            .iter()
            .filter(|p| {
                let aktuell =
                    p.inskriven <= half.end() && p.avslutad.is_none_or(|a| a >= half.start());
                aktuell || bucket.persons.binary_search(&p.index).is_ok()
            })
            .collect();
        if listed.is_empty() {
            return Ok(());
        }
        let dir = out.join(project).join(half.to_string());
        std::fs::create_dir_all(&dir).map_err(|source| io_error(&dir, source))?;
        let mut meta = Table::create(&dir, "inlamning", &["Uppgift", "Värde"])?;
        let halvar = half.to_string();
        for row in [
            ["Projekt", project],
            ["Halvår", &halvar],
            ["Schemaversion", "1"],
        ] {
            meta.row(&[row[0].as_bytes(), row[1].as_bytes()])?;
        }
        meta.finish()?;

        let mut deltagare = Table::create(&dir, "deltagare", &DELTAGARE)?;
        for p in &listed {
            let ended = p.avslutad.filter(|a| *a <= half.end());
            let (orsak, status) = if ended.is_some() {
                (p.avslutsorsak, p.status)
            } else {
                ("", "")
            };
            let aktualiserad = if p.aktualiserad[1].is_empty() {
                p.aktualiserad[0].to_string()
            } else {
                format!("{},{}", p.aktualiserad[0], p.aktualiserad[1])
            };
            let fodelsear = p.birth_year.to_string();
            deltagare.row(&[
                p.id.as_bytes(),
                project.as_bytes(),
                if p.woman { b"K" } else { b"M" },
                fodelsear.as_bytes(),
                &date_bytes(p.inskriven),
                &opt_date(ended),
                orsak.as_bytes(),
                aktualiserad.as_bytes(),
                p.utomnordisk.as_bytes(),
                yes_no(p.ensamstaende),
                yes_no(p.samtycke),
                p.utbildning.as_bytes(),
                p.tid_utan_arbete.as_bytes(),
                status.as_bytes(),
            ])?;
        }
        self.count("deltagare", deltagare.finish()?);

        let mut tables = Vec::with_capacity(EVENT_TABLES.len());
        for (name, headers) in EVENT_TABLES {
            tables.push(Table::create(&dir, name, headers)?);
        }
        for (index, event) in &bucket.events {
            let found = live.binary_search_by_key(index, |p| p.index);
            let id = live[found.expect("a person with events is live")]
                .id
                .as_bytes();
            let table = &mut tables[event.table()];
            match event {
                Event::Insats { typ, start, slut } => {
                    table.row(&[id, typ.as_bytes(), &date_bytes(*start), &opt_date(*slut)])?
                }
                Event::Remiss { datum, till, syfte } => table.row(&[
                    id,
                    &date_bytes(*datum),
                    till.as_bytes(),
                    syfte.as_bytes(),
                    b"",
                ])?,
                Event::Sjuk {
                    fran,
                    till,
                    omfattning,
                } => table.row(&[
                    id,
                    &date_bytes(*fran),
                    &opt_date(*till),
                    omfattning.as_bytes(),
                ])?,
                // The three tables laid out as person, datum and two codes.
                Event::Lss {
                    datum,
                    handelse: first,
                    insats: second,
                }
                | Event::Ersattning {
                    datum,
                    typ: first,
                    handelse: second,
                }
                | Event::Forsorjning {
                    datum,
                    kalla: first,
                    omfattning: second,
                } => table.row(&[id, &date_bytes(*datum), first.as_bytes(), second.as_bytes()])?,
            }
        }
        for (table, (name, _)) in tables.into_iter().zip(EVENT_TABLES) {
            self.count(name, table.finish()?);
        }

        // About two group meetings a month; a quarter cancelled, with a reason.
        let mut moten = Table::create(&dir, "moten", &MOTEN)?;
        for month in 0..6 {
            let first = half.start() + Months::new(month);
            for (lo, hi) in [(1, 14), (15, 28)] {
                let day = rng.between(lo, hi) as u32;
                let mut date = first.with_day(day).expect("day 1–28 exists");
                // Weekdays only: early dates move forward, late ones back, within the month.
                while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                    date = if day <= 14 {
                        date + Days::new(1)
                    } else {
                        date - Days::new(1)
                    };
                }
                let held = !rng.chance(0.25);
                let orsak = if held { "" } else { rng.pick(INSTALLT_ORSAK) };
                let typ = rng.pick(&[
                    ("grupptraff", 80),
                    ("kartlaggningstraff", 12),
                    ("informationstraff", 8),
                ]);
                moten.row(&[
                    project.as_bytes(),
                    &date_bytes(date),
                    typ.as_bytes(),
                    yes_no(held),
                    orsak.as_bytes(),
                ])?;
            }
        }
        self.count("moten", moten.finish()?);

        // 0–3 cases a half-year discussed without identity, 1–3 people each.
        let mut anonyma = Table::create(&dir, "anonyma_arenden", &ANONYMA)?;
        let mut dates: Vec<NaiveDate> = (0..rng.below(4))
            .map(|_| rng.date_between(half.start(), half.end()))
            .collect();
        dates.sort();
        for date in dates {
            let antal = rng.between(1, 3).to_string();
            anonyma.row(&[project.as_bytes(), &date_bytes(date), antal.as_bytes()])?;
        }
        self.count("anonyma_arenden", anonyma.finish()?);
        self.summary.submissions += 1;
        Ok(())
    }
}

/// One CSV file being written: `;`-separated, buffered.
struct Table {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Table {
    fn create(dir: &Path, name: &str, headers: &[&str]) -> Result<Table, SynthError> {
        let path = dir.join(format!("{name}.csv"));
        let file = File::create(&path).map_err(|source| io_error(&path, source))?;
        let writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(BufWriter::with_capacity(64 * 1024, file));
        let mut table = Table {
            path,
            writer,
            rows: 0,
        };
        table
            .writer
            .write_record(headers)
            .map_err(|e| table.error(e))?;
        Ok(table)
    }

    fn row(&mut self, fields: &[&[u8]]) -> Result<(), SynthError> {
        self.rows += 1;
        self.writer.write_record(fields).map_err(|e| self.error(e))
    }

    /// Flushes the file; returns the number of data rows.
    fn finish(mut self) -> Result<u64, SynthError> {
        self.writer
            .flush()
            .map_err(|source| io_error(&self.path, source))?;
        Ok(self.rows)
    }

    fn error(&self, e: csv::Error) -> SynthError {
        io_error(&self.path, e.into())
    }
}

fn date_bytes(date: NaiveDate) -> [u8; 10] {
    let mut b = *b"0000-00-00";
    let (y, m, d) = (date.year() as u32, date.month(), date.day());
    for (slot, value) in [(0, y / 100), (2, y % 100), (5, m), (8, d)] {
        b[slot] = b'0' + (value / 10) as u8;
        b[slot + 1] = b'0' + (value % 10) as u8;
    }
    b
}

/// A date's bytes, or an empty field (length 0) for `None`.
fn opt_date(date: Option<NaiveDate>) -> OptDate {
    OptDate(date.map(date_bytes))
}

struct OptDate(Option<[u8; 10]>);

impl std::ops::Deref for OptDate {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_ref().map_or(&[], |b| b.as_slice())
    }
}

fn yes_no(value: bool) -> &'static [u8] {
    if value { b"ja" } else { b"nej" }
}
