//! Writing one submission: the details (project, half-year, schema version), deltagare,
//! the event tables, and the project's meetings (moten) and anonymous cases drawn for
//! the half-year.
//!
//! Layout: as CSV, a folder `OUT/<PROJEKT>/<YYYYHn>/` of `;`-separated files with the
//! schema's column names as headers in schema order, dates as `YYYY-MM-DD`, an empty
//! field for an unknown value, and `inlamning.csv`. As a workbook,
//! `OUT/<PROJEKT>/<PROJEKT>_<YYYYHn>.xlsx`, the template filled in as a project leader
//! would: dates as date cells, numbers as numbers, codes as text. The column lists here
//! are the schema's, which the tests check.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::events::Event;
use super::people::Person;
use super::rng::Rng;
use super::weights::INSTALLT_ORSAK;
use super::{Bucket, Run, SynthError, SynthFormat, io_error};
use crate::period::HalfYear;
use crate::read::Cell;
use crate::schema::{ColumnKind, Schema};
use crate::template::{FilledMeta, FilledRows, write_filled_xlsx};

pub(super) const DELTAGARE: [&str; 15] = [
    "person",
    "projekt",
    "kon",
    "fodelsear",
    "kommun",
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
pub(super) const BERATTELSE: [&str; 4] = ["projekt", "nr", "avsnitt", "text"];

/// A participant's kommun: each project serves three neighbouring kommuner of SCB's
/// list, its people spread over them by their place in it (not drawn from the random
/// stream, so the rest of a collection is what it was).
fn home_kommun(project: &str, index: u32) -> &'static str {
    let codes = &crate::registry::municipalities().codes;
    let number: usize = project
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(0);
    let at = (number * 7 + (index % 3) as usize) % codes.len();
    codes[at].code.as_str()
}

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
        let mut submission = Submission::create(self.format, out, project, half)?;
        let mut deltagare = submission.table("deltagare", &DELTAGARE)?;
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
                home_kommun(project, p.index).as_bytes(),
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
        self.count("deltagare", submission.finish(deltagare)?);

        let mut tables = Vec::with_capacity(EVENT_TABLES.len());
        for (name, headers) in EVENT_TABLES {
            tables.push(submission.table(name, headers)?);
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
            self.count(name, submission.finish(table)?);
        }

        // About two group meetings a month; a quarter cancelled, with a reason.
        let mut moten = submission.table("moten", &MOTEN)?;
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
        self.count("moten", submission.finish(moten)?);

        // 0–3 cases a half-year discussed without identity, 1–3 people each.
        let mut anonyma = submission.table("anonyma_arenden", &ANONYMA)?;
        let mut dates: Vec<NaiveDate> = (0..rng.below(4))
            .map(|_| rng.date_between(half.start(), half.end()))
            .collect();
        dates.sort();
        for date in dates {
            let antal = rng.between(1, 3).to_string();
            anonyma.row(&[project.as_bytes(), &date_bytes(date), antal.as_bytes()])?;
        }
        self.count("anonyma_arenden", submission.finish(anonyma)?);

        // The report's text: one section, as a group that writes little would.
        let mut berattelse = submission.table("berattelse", &BERATTELSE)?;
        let text = format!(
            "Gruppen har träffats varje vecka under {half}. Samverkan med Arbetsförmedlingen och Försäkringskassan har fungerat väl."
        );
        berattelse.row(&[project.as_bytes(), b"1", b"Samverkan", text.as_bytes()])?;
        self.count("berattelse", submission.finish(berattelse)?);
        submission.close()?;
        self.summary.submissions += 1;
        Ok(())
    }
}

/// One submission being written.
enum Submission<'s> {
    /// A folder of CSV files, its tables written as they come.
    Csv(PathBuf),
    /// A workbook, written whole when the submission is closed.
    Xlsx {
        schema: &'s Schema,
        path: PathBuf,
        meta: FilledMeta,
        rows: FilledRows,
    },
}

impl<'s> Submission<'s> {
    /// Starts the submission of `project` for `half` in `out`, with its details.
    fn create(
        format: SynthFormat<'s>,
        out: &Path,
        project: &str,
        half: HalfYear,
    ) -> Result<Submission<'s>, SynthError> {
        let project_dir = out.join(project);
        match format {
            SynthFormat::Csv { version } => {
                let dir = project_dir.join(half.to_string());
                std::fs::create_dir_all(&dir).map_err(|source| io_error(&dir, source))?;
                let mut submission = Submission::Csv(dir);
                let mut details = submission.table("inlamning", &["Uppgift", "Värde"])?;
                let (halvar, version) = (half.to_string(), version.to_string());
                for row in [
                    ["Projekt", project],
                    ["Halvår", &halvar],
                    ["Schemaversion", &version],
                ] {
                    details.row(&[row[0].as_bytes(), row[1].as_bytes()])?;
                }
                submission.finish(details)?;
                Ok(submission)
            }
            SynthFormat::Xlsx(schema) => {
                std::fs::create_dir_all(&project_dir)
                    .map_err(|source| io_error(&project_dir, source))?;
                Ok(Submission::Xlsx {
                    schema,
                    path: project_dir.join(format!("{project}_{half}.xlsx")),
                    meta: FilledMeta {
                        projekt: project.to_string(),
                        halvar: half,
                        // Fixed, so that the same options give the same bytes.
                        created: Some(half.end()),
                    },
                    rows: FilledRows::new(),
                })
            }
        }
    }

    fn table(&self, name: &str, headers: &[&str]) -> Result<Table, SynthError> {
        match self {
            Submission::Csv(dir) => Table::csv(dir, name, headers),
            Submission::Xlsx { schema, .. } => {
                let table = schema
                    .table(name)
                    .expect("the synthetic tables are the schema's");
                let kinds = headers
                    .iter()
                    .map(|header| {
                        let column = table.columns.iter().find(|c| c.name == *header);
                        cell_kind(&column.expect("the synthetic columns are the schema's").kind)
                    })
                    .collect();
                Ok(Table {
                    name: name.to_string(),
                    sink: Sink::Cells {
                        kinds,
                        rows: Vec::new(),
                    },
                    rows: 0,
                })
            }
        }
    }

    /// Ends `table`; returns its number of data rows.
    fn finish(&mut self, table: Table) -> Result<u64, SynthError> {
        match table.sink {
            Sink::Csv { path, mut writer } => {
                writer.flush().map_err(|source| io_error(&path, source))?;
            }
            Sink::Cells { rows: cells, .. } => {
                if let Submission::Xlsx { rows, .. } = self {
                    rows.insert(table.name, cells);
                }
            }
        }
        Ok(table.rows)
    }

    /// Writes the workbook; a CSV submission is already on disk.
    fn close(self) -> Result<(), SynthError> {
        match self {
            Submission::Csv(_) => Ok(()),
            Submission::Xlsx {
                schema,
                path,
                meta,
                rows,
            } => Ok(write_filled_xlsx(schema, &meta, &rows, &path)?),
        }
    }
}

/// How a field becomes a workbook cell.
#[derive(Clone, Copy)]
enum CellKind {
    Text,
    Number,
    Date,
}

fn cell_kind(kind: &ColumnKind) -> CellKind {
    match kind {
        ColumnKind::Date { .. } => CellKind::Date,
        ColumnKind::Integer { .. } | ColumnKind::Decimal { .. } => CellKind::Number,
        _ => CellKind::Text,
    }
}

/// One table being written: a CSV file, or the cells of a workbook sheet.
struct Table {
    name: String,
    sink: Sink,
    rows: u64,
}

enum Sink {
    Csv {
        path: PathBuf,
        writer: Box<csv::Writer<BufWriter<File>>>,
    },
    Cells {
        kinds: Vec<CellKind>,
        rows: Vec<Vec<Cell>>,
    },
}

impl Table {
    /// `;`-separated, buffered.
    fn csv(dir: &Path, name: &str, headers: &[&str]) -> Result<Table, SynthError> {
        let path = dir.join(format!("{name}.csv"));
        let file = File::create(&path).map_err(|source| io_error(&path, source))?;
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(BufWriter::with_capacity(64 * 1024, file));
        writer
            .write_record(headers)
            .map_err(|e| io_error(&path, e.into()))?;
        Ok(Table {
            name: name.to_string(),
            sink: Sink::Csv {
                path,
                writer: Box::new(writer),
            },
            rows: 0,
        })
    }

    fn row(&mut self, fields: &[&[u8]]) -> Result<(), SynthError> {
        self.rows += 1;
        match &mut self.sink {
            Sink::Csv { path, writer } => writer
                .write_record(fields)
                .map_err(|e| io_error(path, e.into())),
            Sink::Cells { kinds, rows } => {
                rows.push(kinds.iter().zip(fields).map(|(k, f)| cell(*k, f)).collect());
                Ok(())
            }
        }
    }
}

/// A field as the cell a project leader would type: the generator writes only valid
/// dates (`YYYY-MM-DD`) and numbers, so a field that does not parse is text.
fn cell(kind: CellKind, field: &[u8]) -> Cell {
    let text = String::from_utf8_lossy(field);
    if text.is_empty() {
        return Cell::Empty;
    }
    let typed = match kind {
        CellKind::Date => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .map(Cell::Date),
        CellKind::Number => text.parse().ok().map(Cell::Number),
        CellKind::Text => None,
    };
    typed.unwrap_or_else(|| Cell::Text(text.into_owned()))
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
