//! Synthetic collections: invented participants written as CSV submissions, for
//! benchmarks and for reports that need realistic values at scale.
//!
//! [`generate`] writes `OUT/<PROJEKT>/<YYYYHn>/` folders, each one submission in the
//! format `ingest` reads: `inlamning.csv` plus one `<table>.csv` per schema table,
//! `;`-separated, column names as headers, codes as values. Each folder is the
//! project's register for the half-year: every person aktuell in it plus every earlier
//! participant with an event row in it, each person once, with their state as known at
//! the end of the half-year. Every event lies in the half-year of its (start) date.
//!
//! Invariants: output depends only on the options (a SplitMix64 stream per person,
//! derived from the seed, the project and the person's place in it); no date is
//! after the end of the last year; personnummer carry a valid check digit, a sex digit
//! that agrees with `kon`, and are unique across the collection. Generation streams:
//! one project at a time, half-year by half-year, keeping only the people still to be
//! written and the events of the half-years to come.
//!
//! Layout: this file holds the public API, the option checks and the driver that walks
//! each project half-year by half-year; `people` draws a participant, `events` their
//! event rows, `weights` holds the code-list weights they draw from, `write` lays out
//! and writes the CSV files, and `rng` is the random stream all of them share.
//! `example` is a scenario on top of them: the fixed example collection in `examples/`
//! ([`write_example`]), hand-set people and the same random stream.

mod events;
mod example;
mod people;
mod rng;
mod weights;
mod write;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::failure::Kind;
use crate::period::HalfYear;
use crate::schema::{Schema, SchemaError};
use crate::template::TemplateError;
use events::Event;
use people::Person;
use rng::Rng;
use write::EVENT_TABLES;

pub use example::{ExampleSummary, WrittenWorkbook, write_example};

/// The earliest first year: the schema rejects dates before 1990 and finsam began 2004.
pub const EARLIEST_YEAR: i32 = 1995;
/// Beyond this the personnummer space of one birth year and sex could run out.
pub const MAX_PARTICIPANTS: u64 = 10_000_000;
/// Projects are named `P01`, `P02`, …; at most this many.
pub const MAX_PROJECTS: u32 = 999;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Participants in the whole collection, shared evenly between the projects.
    pub participants: u64,
    pub projects: u32,
    /// First and last calendar year of the collection (inclusive).
    pub first_year: i32,
    pub last_year: i32,
    pub seed: u64,
    /// Forsorjning every month from the start to 24 months after the end, for everyone;
    /// otherwise only at the sample points described at [`FOLLOW_UP_MONTHS`].
    pub monthly_followup: bool,
    /// CSV folders, or workbooks made from the bundled schema's template.
    pub workbooks: bool,
}

/// What a submission is written as: CSV files stating the schema version they follow,
/// or the template of the schema filled in.
#[derive(Clone, Copy)]
enum SynthFormat<'s> {
    Csv { version: u32 },
    Xlsx(&'s Schema),
}

/// What was written.
#[derive(Debug, Default, Clone)]
pub struct SynthSummary {
    /// Submission folders written (project × half-year with at least one participant).
    pub submissions: u64,
    pub participants: u64,
    /// Rows written per table (deltagare counts one row per person and submission).
    pub rows: BTreeMap<String, u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("ogiltiga inställningar: {0}")]
    Options(String),
    #[error("{}: mappen är inte tom: välj en ny eller tom mapp så att två samlingar aldrig blandas", .0.display())]
    NotEmpty(PathBuf),
    #[error("{}: finns redan och är ingen mapp", .0.display())]
    NotADirectory(PathBuf),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("inga fler syntetiska personnummer för födelseår kring {0}: minska --deltagare")]
    NumbersExhausted(i32),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A sheet would hold more rows than Excel allows, among other failures to write.
    #[error(transparent)]
    Workbook(#[from] TemplateError),
    /// The example scenario disagrees with itself: its hand-set file, a number, or a
    /// figure of the report it must reproduce. Nothing was written.
    #[error("exempelscenariot: {0}")]
    Scenario(String),
}

impl SynthError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            SynthError::Options(_) => Kind::Usage,
            SynthError::NotEmpty(_)
            | SynthError::NotADirectory(_)
            | SynthError::NumbersExhausted(_) => Kind::InvalidInput,
            // The bundled scenario disagreeing with itself is a bug, not the user's input.
            SynthError::Io { .. } | SynthError::Scenario(_) => Kind::Internal,
            SynthError::Schema(e) => e.kind(),
            SynthError::Workbook(e) => e.kind(),
        }
    }
}

/// Forsorjning sample points after the end, in months (unless `monthly_followup`):
/// ESF's follow-up points (within a month, six months) and twelve months. With the
/// start row and one row every six months during participation this gives about five
/// forsorjning rows per participant, so all tables together hold about ten.
pub const FOLLOW_UP_MONTHS: [u32; 3] = [1, 6, 12];
/// Months after the end that `monthly_followup` covers (0 = the month of the end).
pub const MONTHLY_FOLLOW_UP: u32 = 24;

/// Writes a synthetic collection into `out` (created if missing; must be empty).
pub fn generate(
    options: &SynthOptions,
    out: &Path,
    today: NaiveDate,
) -> Result<SynthSummary, SynthError> {
    check_options(options, today)?;
    prepare_out(out)?;
    let range_end = NaiveDate::from_ymd_opt(options.last_year, 12, 31).expect("checked year");
    let halves = ((options.last_year - options.first_year + 1) * 2) as u32;
    let schema = Schema::bundled()?;
    let mut run = Run {
        options,
        format: if options.workbooks {
            SynthFormat::Xlsx(&schema)
        } else {
            SynthFormat::Csv {
                version: schema.version,
            }
        },
        range_end,
        halves,
        numbers: HashMap::new(),
        summary: SynthSummary::default(),
    };
    for name in EVENT_TABLES.iter().map(|t| t.0).chain([
        "deltagare",
        "moten",
        "anonyma_arenden",
        "berattelse",
    ]) {
        run.summary.rows.insert(name.to_string(), 0);
    }
    let width = options.projects.to_string().len().max(2);
    for project in 0..options.projects {
        let share = options.participants / u64::from(options.projects)
            + u64::from(u64::from(project) < options.participants % u64::from(options.projects));
        run.project(project, &format!("P{:0width$}", project + 1), share, out)?;
    }
    Ok(run.summary)
}

fn check_options(o: &SynthOptions, today: NaiveDate) -> Result<(), SynthError> {
    let fail = |m: String| Err(SynthError::Options(m));
    if !(1..=MAX_PARTICIPANTS).contains(&o.participants) {
        return fail(format!(
            "--deltagare ska vara mellan 1 och {MAX_PARTICIPANTS}, inte {}",
            o.participants
        ));
    }
    if !(1..=MAX_PROJECTS).contains(&o.projects) {
        return fail(format!(
            "--projekt ska vara mellan 1 och {MAX_PROJECTS}, inte {}",
            o.projects
        ));
    }
    if o.first_year > o.last_year {
        return fail(format!(
            "--ar {}-{}: första året ligger efter det sista",
            o.first_year, o.last_year
        ));
    }
    if o.first_year < EARLIEST_YEAR {
        return fail(format!(
            "--ar börjar {}: tidigast {EARLIEST_YEAR} godtas",
            o.first_year
        ));
    }
    match NaiveDate::from_ymd_opt(o.last_year, 12, 31) {
        Some(end) if end <= today => Ok(()),
        _ => fail(format!(
            "--ar slutar {}: året är inte slut än (i dag är {today})",
            o.last_year
        )),
    }
}

fn prepare_out(out: &Path) -> Result<(), SynthError> {
    let io = |source| io_error(out, source);
    if out.exists() {
        if !out.is_dir() {
            return Err(SynthError::NotADirectory(out.to_path_buf()));
        }
        if std::fs::read_dir(out).map_err(io)?.next().is_some() {
            return Err(SynthError::NotEmpty(out.to_path_buf()));
        }
    }
    std::fs::create_dir_all(out).map_err(io)
}

/// An I/O failure at `path`, for `map_err(|source| io_error(path, source))`.
fn io_error(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// State of one call to [`generate`].
struct Run<'a> {
    options: &'a SynthOptions,
    format: SynthFormat<'a>,
    range_end: NaiveDate,
    halves: u32,
    /// Personnummer handed out per (birth year, woman): the next serial to use.
    numbers: HashMap<(i32, bool), u32>,
    summary: SynthSummary,
}

/// The events of one half-year still to be written, in person order.
#[derive(Default)]
struct Bucket {
    events: Vec<(u32, Event)>,
    /// Persons with an event here, ascending (people are generated in index order).
    persons: Vec<u32>,
}

impl Run<'_> {
    fn half_index(&self, date: NaiveDate) -> u32 {
        ((date.year() - self.options.first_year) * 2) as u32 + u32::from(date.month() > 6)
    }

    fn half(&self, index: u32) -> HalfYear {
        HalfYear::new(
            self.options.first_year + (index / 2) as i32,
            (index % 2 + 1) as u8,
        )
        .expect("valid year")
    }

    /// Generates and writes one project, half-year by half-year.
    fn project(
        &mut self,
        project: u32,
        name: &str,
        people: u64,
        out: &Path,
    ) -> Result<(), SynthError> {
        let mut buckets: Vec<Bucket> = (0..self.halves).map(|_| Bucket::default()).collect();
        let mut live: Vec<Person> = Vec::new();
        let mut next: u32 = 0;
        let halves = u64::from(self.halves);
        for h in 0..self.halves {
            // Intake spread evenly over the half-years.
            let h64 = u64::from(h);
            let intake = people * (h64 + 1) / halves - people * h64 / halves;
            for _ in 0..intake {
                let mut rng =
                    Rng::stream(self.options.seed, &[u64::from(project), u64::from(next)]);
                let (mut person, events) = self.person(&mut rng, name, next, h)?;
                for event in events {
                    let date = event.date();
                    if date > self.range_end {
                        continue;
                    }
                    let bucket = &mut buckets[self.half_index(date) as usize];
                    if bucket.persons.last() != Some(&next) {
                        bucket.persons.push(next);
                    }
                    bucket.events.push((next, event));
                    person.last_half = person.last_half.max(self.half_index(date));
                }
                live.push(person);
                next += 1;
            }
            live.retain(|p| p.last_half >= h);
            let bucket = std::mem::take(&mut buckets[h as usize]);
            let mut rng = Rng::stream(
                self.options.seed,
                &[u64::from(project), u64::MAX - u64::from(h)],
            );
            self.write_submission(out, name, self.half(h), &live, &bucket, &mut rng)?;
        }
        self.summary.participants += u64::from(next);
        Ok(())
    }

    fn count(&mut self, table: &str, rows: u64) {
        *self.summary.rows.entry(table.to_string()).or_default() += rows;
    }
}
