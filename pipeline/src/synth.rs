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

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use crate::period::HalfYear;

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
}

/// Forsorjning sample points after the end, in months (unless `monthly_followup`):
/// ESF's follow-up points (within a month, six months) and twelve months. With the
/// start row and one row every six months during participation this gives about five
/// forsorjning rows per participant, so all tables together hold about ten.
pub const FOLLOW_UP_MONTHS: [u32; 3] = [1, 6, 12];
/// Months after the end that `monthly_followup` covers (0 = the month of the end).
pub const MONTHLY_FOLLOW_UP: u32 = 24;

const DELTAGARE: [&str; 14] = [
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
const EVENT_TABLES: [(&str, &[&str]); 6] = [
    ("insatser", &["person", "typ", "start", "slut"]),
    ("remisser", &["person", "datum", "till", "syfte", "raknas"]),
    ("sjukskrivning", &["person", "fran", "till", "omfattning"]),
    ("lss", &["person", "datum", "handelse", "insats"]),
    ("ersattning", &["person", "datum", "typ", "handelse"]),
    ("forsorjning", &["person", "datum", "kalla", "omfattning"]),
];
const MOTEN: [&str; 5] = ["projekt", "datum", "typ", "genomfort", "orsak"];
const ANONYMA: [&str; 3] = ["projekt", "datum", "antal"];

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
    let mut run = Run {
        options,
        range_end,
        halves,
        numbers: HashMap::new(),
        summary: SynthSummary::default(),
    };
    for name in EVENT_TABLES
        .iter()
        .map(|t| t.0)
        .chain(["deltagare", "moten", "anonyma_arenden"])
    {
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
    let io = |source| SynthError::Io {
        path: out.to_path_buf(),
        source,
    };
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

/// State of one call to [`generate`].
struct Run<'a> {
    options: &'a SynthOptions,
    range_end: NaiveDate,
    halves: u32,
    /// Personnummer handed out per (birth year, woman): the next serial to use.
    numbers: HashMap<(i32, bool), u32>,
    summary: SynthSummary,
}

/// A participant as the generator keeps them until their last submission is written.
struct Person {
    index: u32,
    id: String,
    woman: bool,
    birth_year: i32,
    inskriven: NaiveDate,
    /// None while participation runs past the end of the collection.
    avslutad: Option<NaiveDate>,
    avslutsorsak: &'static str,
    status: &'static str,
    aktualiserad: [&'static str; 2],
    utomnordisk: &'static str,
    ensamstaende: bool,
    samtycke: bool,
    utbildning: &'static str,
    tid_utan_arbete: &'static str,
    /// The last half-year (index) in which the person has to be listed.
    last_half: u32,
}

/// One row of a person table (other than deltagare).
enum Event {
    Insats {
        typ: &'static str,
        start: NaiveDate,
        slut: Option<NaiveDate>,
    },
    Remiss {
        datum: NaiveDate,
        till: &'static str,
        syfte: &'static str,
    },
    Sjuk {
        fran: NaiveDate,
        till: Option<NaiveDate>,
        omfattning: &'static str,
    },
    Lss {
        datum: NaiveDate,
        handelse: &'static str,
        insats: &'static str,
    },
    Ersattning {
        datum: NaiveDate,
        typ: &'static str,
        handelse: &'static str,
    },
    Forsorjning {
        datum: NaiveDate,
        kalla: &'static str,
        omfattning: &'static str,
    },
}

impl Event {
    /// The date that places the row in a half-year.
    fn date(&self) -> NaiveDate {
        match self {
            Event::Insats { start, .. } => *start,
            Event::Sjuk { fran, .. } => *fran,
            Event::Remiss { datum, .. }
            | Event::Lss { datum, .. }
            | Event::Ersattning { datum, .. }
            | Event::Forsorjning { datum, .. } => *datum,
        }
    }

    fn table(&self) -> usize {
        match self {
            Event::Insats { .. } => 0,
            Event::Remiss { .. } => 1,
            Event::Sjuk { .. } => 2,
            Event::Lss { .. } => 3,
            Event::Ersattning { .. } => 4,
            Event::Forsorjning { .. } => 5,
        }
    }
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

    /// A birth date and serial no one else has, as a twelve-digit personnummer.
    ///
    /// Serials are handed out per birth year and sex by a counter `c`, mapped one-to-one
    /// onto (day of year, serial 001–998) through permutations offset by the seed, so
    /// numbers look scattered yet never repeat. The year moves by one when full.
    fn number(
        &mut self,
        birth_year: i32,
        woman: bool,
        lo: i32,
        hi: i32,
    ) -> Result<(i32, String), SynthError> {
        const DAYS: u32 = 365;
        const SERIALS: u32 = 499;
        let candidates = (0..=(hi - lo)).flat_map(|k| [birth_year - k, birth_year + k]);
        for year in candidates.filter(|y| (lo..=hi).contains(y)) {
            let used = self.numbers.entry((year, woman)).or_insert(0);
            if *used >= DAYS * SERIALS {
                continue;
            }
            let c = *used;
            *used += 1;
            let salt = mix(self.options.seed ^ ((year as u64) << 1 | u64::from(woman)));
            let ordinal = (c % DAYS * 151 + (salt % u64::from(DAYS)) as u32) % DAYS + 1;
            let day = NaiveDate::from_yo_opt(year, ordinal).expect("day 1–365 exists");
            let index = (c / DAYS * 263 + ((salt >> 32) % u64::from(SERIALS)) as u32) % SERIALS;
            // Odd serials for men, even for women.
            let serial = 2 * index + if woman { 2 } else { 1 };
            let core = format!(
                "{:02}{:02}{:02}{serial:03}",
                year % 100,
                day.month(),
                day.day()
            );
            let digits: Vec<u32> = core.bytes().map(|b| u32::from(b - b'0')).collect();
            return Ok((year, format!("{}{}{}", year / 100, core, luhn(&digits))));
        }
        Err(SynthError::NumbersExhausted(birth_year))
    }

    /// One participant starting in half-year `h`, with all their events.
    fn person(
        &mut self,
        rng: &mut Rng,
        project: &str,
        index: u32,
        h: u32,
    ) -> Result<(Person, Vec<Event>), SynthError> {
        let half = self.half(h);
        let inskriven = rng.date_between(half.start(), half.end());
        // Ages 16–64 at start, skewed young: 45 % 16–29, 35 % 30–49, 20 % 50–64.
        let band = rng.unit();
        let age = if band < 0.45 {
            rng.between(16, 29)
        } else if band < 0.80 {
            rng.between(30, 49)
        } else {
            rng.between(50, 64)
        };
        // 60 % women, as in seed 003 (65 %) and SUS's finsam totals.
        let woman = rng.chance(0.60);
        let start_year = inskriven.year();
        let (birth_year, id) = if rng.chance(0.02) {
            // About 2 % may not give their number: a project-local code.
            (
                start_year - age as i32,
                format!("{project}-{:05}", index + 1),
            )
        } else {
            self.number(
                start_year - age as i32,
                woman,
                start_year - 64,
                start_year - 16,
            )?
        };
        let age = i64::from(start_year - birth_year);
        // One referring authority, two for 30 %.
        let first = rng.pick(AUTHORITIES);
        let mut second = "";
        if rng.chance(0.30) {
            while second.is_empty() || second == first {
                second = rng.pick(AUTHORITIES);
            }
        }
        let aktualiserad = [first, second];
        let tid_weights = if age <= 24 {
            TID_UTAN_ARBETE_YOUNG
        } else {
            TID_UTAN_ARBETE
        };
        let mut person = Person {
            index,
            id,
            woman,
            birth_year,
            inskriven,
            avslutad: None,
            avslutsorsak: "",
            status: "",
            aktualiserad,
            // Utomnordisk härkomst about 10 %, unknown 3 %.
            utomnordisk: rng.pick(&[("ja", 10), ("nej", 87), ("okant", 3)]),
            // Ensamstående med barn about 12 %, mostly women; none under 18.
            ensamstaende: age >= 18 && rng.chance(if woman { 0.19 } else { 0.05 }),
            // Consent about 95 %: people without it are kept but not counted.
            samtycke: rng.chance(0.95),
            utbildning: rng.pick(UTBILDNING),
            tid_utan_arbete: rng.pick(tid_weights),
            last_half: h,
        };
        // About 1 % are registration mistakes: ended within days, no events.
        if rng.chance(0.01) {
            person.avslutad = Some(
                rng.date_between(inskriven, inskriven + Days::new(10))
                    .min(self.range_end),
            );
            person.avslutsorsak = "felregistrering";
            person.last_half = self.half_index(person.avslutad.expect("just set"));
            return Ok((person, Vec::new()));
        }
        // Participation lasts 2–30 months, skewed short (median about a year).
        let u = rng.unit();
        let months = 2 + (28.0 * u * u.sqrt()) as u32;
        let end = inskriven + Months::new(months) + Days::new(rng.below(28));
        if end <= self.range_end {
            person.avslutad = Some(end);
            person.status = rng.pick(STATUS);
            person.avslutsorsak = if person.status == "annan_insats" && rng.chance(0.6) {
                "annan_insats"
            } else {
                rng.pick(AVSLUTSORSAK)
            };
            person.last_half = self.half_index(end);
        } else {
            person.last_half = self.halves - 1;
        }
        let timeline = Timeline {
            person: &person,
            end,
            age,
            range_end: self.range_end,
            monthly: self.options.monthly_followup,
        };
        let events = timeline.events(rng);
        Ok((person, events))
    }

    fn write_submission(
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
        std::fs::create_dir_all(&dir).map_err(|source| SynthError::Io {
            path: dir.clone(),
            source,
        })?;
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
                Event::Lss {
                    datum,
                    handelse,
                    insats,
                } => table.row(&[
                    id,
                    &date_bytes(*datum),
                    handelse.as_bytes(),
                    insats.as_bytes(),
                ])?,
                Event::Ersattning {
                    datum,
                    typ,
                    handelse,
                } => table.row(&[id, &date_bytes(*datum), typ.as_bytes(), handelse.as_bytes()])?,
                Event::Forsorjning {
                    datum,
                    kalla,
                    omfattning,
                } => table.row(&[
                    id,
                    &date_bytes(*datum),
                    kalla.as_bytes(),
                    omfattning.as_bytes(),
                ])?,
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

    fn count(&mut self, table: &str, rows: u64) {
        *self.summary.rows.entry(table.to_string()).or_default() += rows;
    }
}

/// Draws one participant's events from inskriven to the natural end of participation
/// (`end`, which may lie past the collection: such rows are dropped by the caller).
struct Timeline<'a> {
    person: &'a Person,
    end: NaiveDate,
    age: i64,
    range_end: NaiveDate,
    monthly: bool,
}

impl Timeline<'_> {
    fn events(&self, rng: &mut Rng) -> Vec<Event> {
        let (start, end) = (self.person.inskriven, self.end);
        let ended = self.person.avslutad.is_some();
        let mut events = Vec::with_capacity(16);
        let insats =
            |typ, start: NaiveDate, slut: Option<NaiveDate>| Event::Insats { typ, start, slut };
        // Gemensam bedömning for everyone within two weeks of the start, same half-year.
        let half_end = HalfYear::containing(start).end();
        events.push(insats(
            "gemensam_bedomning",
            (start + Days::new(rng.below(15))).min(half_end).min(end),
            None,
        ));
        // Praktik ~50 %, arbetsmarknadsåtgärd ~25 %, annan ~5 %: 1–6 months within participation.
        for (typ, share) in [
            ("praktik", 0.50),
            ("arbetsmarknadsatgard", 0.25),
            ("annan", 0.05),
        ] {
            if rng.chance(share) {
                let from = rng.date_between((start + Days::new(14)).min(end), end - Days::new(30));
                let slut = (from + Months::new(rng.between(1, 6) as u32)).min(end);
                events.push(insats(typ, from, Some(slut)));
            }
        }
        // Särskilt stöd ~25 %: 35 % of ungdomar, 18 % of the others; from early on.
        if rng.chance(if self.age <= 29 { 0.35 } else { 0.18 }) {
            let from = rng.date_between(start, (start + Days::new(90)).min(end));
            let slut = (from + Months::new(rng.between(3, 12) as u32)).min(end);
            events.push(insats("sarskilt_stod", from, Some(slut)));
        }
        // Flerpartssamtal ~30 % (1–3 talks), SIP ~12 %: single occasions, no end date.
        if rng.chance(0.30) {
            for _ in 0..rng.between(1, 3) {
                events.push(insats(
                    "flerpartssamtal",
                    rng.date_between(start, end),
                    None,
                ));
            }
        }
        if rng.chance(0.12) {
            events.push(insats("sip", rng.date_between(start, end), None));
        }
        // Uppföljning for 40 % of those who ended, in a later half-year, 2–6 months on.
        if ended && rng.chance(0.40) {
            let next_half = HalfYear::containing(end).end() + Days::new(1);
            let from = (end + Months::new(2)).max(next_half);
            events.push(insats(
                "uppfoljning",
                rng.date_between(from, from + Days::new(120)),
                None,
            ));
        }
        // Remisser for ~60 %: one or two; 15 % routine medical referrals.
        if rng.chance(0.60) {
            for _ in 0..rng.pick(&[(1, 65), (2, 35)]) {
                let (till, syfte) = if rng.chance(0.15) {
                    (
                        rng.pick(&[("sjukgymnastik", 45), ("rontgen", 45), ("annan_rutin", 10)]),
                        "utredning",
                    )
                } else {
                    (
                        rng.pick(REMISS_TILL),
                        rng.pick(&[("utredning", 45), ("insats", 55)]),
                    )
                };
                events.push(Event::Remiss {
                    datum: rng.date_between(start, end),
                    till,
                    syfte,
                });
            }
        }
        // Sick leave for ~35 %: one or two spells of two weeks to six months.
        if rng.chance(0.35) {
            for _ in 0..rng.pick(&[(1, 70), (2, 30)]) {
                let fran = rng.date_between(start, end);
                let till = fran + Days::new(rng.between(14, 180) as u64);
                let omfattning = rng.pick(&[("100", 40), ("50", 30), ("25", 15), ("75", 15)]);
                events.push(Event::Sjuk {
                    fran,
                    till: Some(till),
                    omfattning,
                });
            }
        }
        // LSS ~5 %: informerad → ansökt (60 %) → beviljad (60 %) or avslag.
        if rng.chance(0.05) {
            let informerad = start + Days::new(rng.between(30, 180) as u64);
            events.push(Event::Lss {
                datum: informerad,
                handelse: "informerad",
                insats: "",
            });
            if rng.chance(0.60) {
                let insats = rng.pick(LSS_INSATS);
                let ansokt = informerad + Days::new(rng.between(20, 90) as u64);
                events.push(Event::Lss {
                    datum: ansokt,
                    handelse: "ansokt",
                    insats,
                });
                let beslut = if rng.chance(0.60) {
                    "beviljad"
                } else {
                    "avslag"
                };
                let datum = ansokt + Days::new(rng.between(60, 150) as u64);
                events.push(Event::Lss {
                    datum,
                    handelse: beslut,
                    insats,
                });
            }
        }
        // Sjuk-/aktivitetsersättning ~10 %: AE under 30, SE from 30; half granted.
        let mut granted: Option<(NaiveDate, &'static str)> = None;
        if rng.chance(0.10) {
            let (typ, kalla) = if self.age < 30 {
                ("AE", "aktivitetsersattning")
            } else {
                ("SE", "sjukersattning")
            };
            let ansokt = start + Days::new(rng.between(30, 300) as u64);
            events.push(Event::Ersattning {
                datum: ansokt,
                typ,
                handelse: "ansokt",
            });
            let beslut = ansokt + Days::new(rng.between(90, 180) as u64);
            if rng.chance(0.5) {
                events.push(Event::Ersattning {
                    datum: beslut,
                    typ,
                    handelse: "beviljad",
                });
                granted = Some((beslut, kalla));
                if typ == "AE" && rng.chance(0.3) {
                    let datum = beslut + Days::new(rng.between(300, 400) as u64);
                    events.push(Event::Ersattning {
                        datum,
                        typ,
                        handelse: "forlangning_bedomd",
                    });
                }
            } else {
                events.push(Event::Ersattning {
                    datum: beslut,
                    typ,
                    handelse: "avslag",
                });
            }
        }
        self.forsorjning(rng, granted, &mut events);
        // Open-ended spells: an end date past the collection is not known yet.
        for event in &mut events {
            if let Event::Insats { slut: till, .. } | Event::Sjuk { till, .. } = event
                && till.is_some_and(|t| t > self.range_end)
            {
                *till = None;
            }
        }
        events
    }

    /// Income sources: one at the start, then on the first of a month during
    /// participation and after the end (see [`FOLLOW_UP_MONTHS`], `monthly_followup`).
    ///
    /// The source at the start follows the referring authority (FK → sjukpenning, AF →
    /// aktivitetsstöd or a-kassa, socialtjänst → försörjningsstöd, …). After the end,
    /// people become self-supporting at a drawn month depending on their status:
    /// förvärvsarbete and studier at once (~90 %), aktivt arbetssökande 45 % within two
    /// years, the others 15 %. Some work part-time (50 % arbete + 50 % the benefit).
    fn forsorjning(
        &self,
        rng: &mut Rng,
        granted: Option<(NaiveDate, &'static str)>,
        events: &mut Vec<Event>,
    ) {
        let p = self.person;
        let initial = rng.pick(match p.aktualiserad[0] {
            "fk" => SOURCE_FK,
            "af" => SOURCE_AF,
            "socialtjanst" => SOURCE_SOC,
            "vardcentral" | "psykiatri" => SOURCE_VARD,
            _ => SOURCE_OTHER,
        });
        let seeking = if matches!(initial, "a_kassa" | "aktivitetsstod") {
            initial
        } else {
            rng.pick(&[
                ("aktivitetsstod", 60),
                ("a_kassa", 25),
                ("forsorjningsstod", 15),
            ])
        };
        let (from, kind) = match p.status {
            "forvarvsarbete" => (
                if rng.chance(0.9) {
                    Some(0)
                } else {
                    Some(rng.between(1, 6))
                },
                "arbete",
            ),
            "studier" => (
                if rng.chance(0.85) {
                    Some(0)
                } else {
                    Some(rng.between(1, 6))
                },
                "studier",
            ),
            "aktivt_arbetssokande" => (
                rng.chance(0.45).then(|| rng.between(1, 24)),
                rng.pick(&[("arbete", 85), ("studier", 15)]),
            ),
            _ => (
                rng.chance(0.15).then(|| rng.between(3, 24)),
                rng.pick(&[("arbete", 60), ("studier", 20), ("ingen_offentlig", 20)]),
            ),
        };
        let part_time_after = rng.chance(0.15);
        let part_time_during = rng.chance(0.10);
        let mut push = |datum: NaiveDate, sources: &[(&'static str, &'static str)]| {
            for &(kalla, omfattning) in sources {
                events.push(Event::Forsorjning {
                    datum,
                    kalla,
                    omfattning,
                });
            }
        };
        let benefit = |at: NaiveDate| match granted {
            Some((date, kalla)) if date <= at => kalla,
            _ => initial,
        };
        push(p.inskriven, &[(initial, "")]);
        let first_month = p.inskriven.with_day(1).expect("day 1");
        let end_month = self.end.with_day(1).expect("day 1");
        let step = if self.monthly { 1 } else { 6 };
        let mut k = step;
        loop {
            let at = first_month + Months::new(k);
            if at >= end_month || at > self.range_end {
                break;
            }
            let late = k * 2 > months_between(first_month, end_month);
            if part_time_during && late {
                push(at, &[("arbete", "50"), (benefit(at), "50")]);
            } else {
                push(at, &[(benefit(at), "")]);
            }
            k += step;
        }
        if p.avslutad.is_none() {
            return;
        }
        let points: Vec<u32> = if self.monthly {
            (0..=MONTHLY_FOLLOW_UP).collect()
        } else {
            FOLLOW_UP_MONTHS.to_vec()
        };
        for m in points {
            let at = end_month + Months::new(m);
            let m = i64::from(m);
            match from {
                Some(from) if m >= from => {
                    if part_time_after && m < from + 6 {
                        push(at, &[(kind, "50"), (benefit(at), "50")]);
                    } else {
                        push(at, &[(kind, "")]);
                    }
                }
                _ if p.status == "aktivt_arbetssokande" && granted.is_none() => {
                    push(at, &[(seeking, "")])
                }
                _ => push(at, &[(benefit(at), "")]),
            }
        }
    }
}

fn months_between(a: NaiveDate, b: NaiveDate) -> u32 {
    ((b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32).max(0) as u32
}

// Weights of the code lists (relative, not percent unless they sum to 100).

/// Referring authorities: FK and AF most often, then socialtjänst and vården.
const AUTHORITIES: &[(&str, u32)] = &[
    ("fk", 24),
    ("af", 24),
    ("socialtjanst", 20),
    ("vardcentral", 13),
    ("psykiatri", 10),
    ("arbetsmarknadsenhet", 4),
    ("egen_anmalan", 2),
    ("lss_handlaggare", 2),
    ("annan", 1),
];
const UTBILDNING: &[(&str, u32)] = &[
    ("forgymnasial", 30),
    ("gymnasial", 45),
    ("eftergymnasial", 15),
    ("okand", 10),
];
/// Tid utan arbete: the young have more often never worked.
const TID_UTAN_ARBETE: &[(&str, u32)] = &[
    ("under_1_ar", 20),
    ("1_2_ar", 20),
    ("2_5_ar", 27),
    ("over_5_ar", 20),
    ("aldrig_arbetat", 5),
    ("okand", 8),
];
const TID_UTAN_ARBETE_YOUNG: &[(&str, u32)] = &[
    ("under_1_ar", 20),
    ("1_2_ar", 20),
    ("2_5_ar", 15),
    ("over_5_ar", 5),
    ("aldrig_arbetat", 32),
    ("okand", 8),
];
/// Status efter avslut, SUS grouping: förvärvsarbete 25 %, studier 12 %, aktivt arbetssökande 20 %.
const STATUS: &[(&str, u32)] = &[
    ("forvarvsarbete", 25),
    ("studier", 12),
    ("aktivt_arbetssokande", 20),
    ("annan_insats", 18),
    ("ej_arbetsfor", 15),
    ("ovrigt", 10),
];
const AVSLUTSORSAK: &[(&str, u32)] = &[
    ("enligt_plan", 65),
    ("avbrott", 17),
    ("flytt", 6),
    ("sjukdom", 9),
    ("annat", 3),
];
const REMISS_TILL: &[(&str, u32)] = &[
    ("af_fk_samverkan", 15),
    ("af_rehab", 15),
    ("psykiatri", 15),
    ("beroendevard", 6),
    ("habilitering", 5),
    ("vardcentral", 14),
    ("socialtjanst", 10),
    ("arbetsmarknadsenhet", 15),
    ("annan", 5),
];
const LSS_INSATS: &[(&str, u32)] = &[
    ("daglig_verksamhet", 35),
    ("kontaktperson", 20),
    ("boende", 10),
    ("ledsagarservice", 10),
    ("radgivning", 15),
    ("personlig_assistans", 5),
    ("annan", 5),
];
const INSTALLT_ORSAK: &[(&str, u32)] = &[
    ("sjukdom", 35),
    ("semester", 20),
    ("helgdag", 15),
    ("obligatoriskt_mote", 15),
    ("omorganisation", 5),
    ("annan", 10),
];
const SOURCE_FK: &[(&str, u32)] = &[
    ("sjukpenning", 60),
    ("aktivitetsersattning", 20),
    ("sjukersattning", 10),
    ("forsorjningsstod", 10),
];
const SOURCE_AF: &[(&str, u32)] = &[
    ("aktivitetsstod", 45),
    ("a_kassa", 30),
    ("etableringsersattning", 10),
    ("forsorjningsstod", 15),
];
const SOURCE_SOC: &[(&str, u32)] = &[
    ("forsorjningsstod", 80),
    ("ingen_offentlig", 10),
    ("aktivitetsstod", 10),
];
const SOURCE_VARD: &[(&str, u32)] = &[
    ("sjukpenning", 45),
    ("forsorjningsstod", 25),
    ("aktivitetsersattning", 15),
    ("ingen_offentlig", 15),
];
const SOURCE_OTHER: &[(&str, u32)] = &[
    ("forsorjningsstod", 40),
    ("aktivitetsstod", 20),
    ("ingen_offentlig", 20),
    ("okand", 10),
    ("aktivitetsersattning", 10),
];

/// One CSV file being written: `;`-separated, buffered.
struct Table {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Table {
    fn create(dir: &Path, name: &str, headers: &[&str]) -> Result<Table, SynthError> {
        let path = dir.join(format!("{name}.csv"));
        let file = File::create(&path).map_err(|source| SynthError::Io {
            path: path.clone(),
            source,
        })?;
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
        self.writer.flush().map_err(|source| SynthError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.rows)
    }

    fn error(&self, e: csv::Error) -> SynthError {
        SynthError::Io {
            path: self.path.clone(),
            source: e.into(),
        }
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

/// Luhn check digit over digit values, weights 2,1,2,1,… from the left.
fn luhn(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (2 - (i as u32 % 2)))
        .map(|p| p / 10 + p % 10)
        .sum();
    (10 - sum % 10) % 10
}

/// SplitMix64: small, fast and good enough for synthetic data; no dependency.
struct Rng(u64);

impl Rng {
    /// An independent stream for the seed and a path of indices.
    fn stream(seed: u64, path: &[u64]) -> Rng {
        let mut state = mix(seed ^ 0x5EED_F1A5_A11C_E5ED);
        for &part in path {
            state = mix(state ^ mix(part.wrapping_add(0x9E37_79B9_7F4A_7C15)));
        }
        Rng(state)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A day in `from..=to`; `from` when the range is empty.
    fn date_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days();
        if span <= 0 {
            from
        } else {
            from + Days::new(self.below(span as u64 + 1))
        }
    }

    fn pick<T: Copy>(&mut self, weighted: &[(T, u32)]) -> T {
        let total: u32 = weighted.iter().map(|w| w.1).sum();
        let mut roll = self.below(u64::from(total)) as u32;
        for &(item, weight) in weighted {
            if roll < weight {
                return item;
            }
            roll -= weight;
        }
        weighted[weighted.len() - 1].0
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashSet};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()
    }

    fn options(participants: u64, projects: u32, years: (i32, i32), seed: u64) -> SynthOptions {
        SynthOptions {
            participants,
            projects,
            first_year: years.0,
            last_year: years.1,
            seed,
            monthly_followup: false,
        }
    }

    /// Every file under `dir`, relative path → bytes.
    fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut found = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(next) = stack.pop() {
            for entry in std::fs::read_dir(&next).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.insert(
                        path.strip_prefix(dir).unwrap().to_path_buf(),
                        std::fs::read(&path).unwrap(),
                    );
                }
            }
        }
        found
    }

    /// The submission folders (`OUT/<P>/<YYYYHn>`), sorted.
    fn submissions(out: &Path) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(out)
            .unwrap()
            .flat_map(|p| std::fs::read_dir(p.unwrap().path()).unwrap())
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        dirs
    }

    /// A CSV file as header → column index and rows of fields.
    fn read(path: &Path) -> (HashMap<String, usize>, Vec<Vec<String>>) {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_path(path)
            .unwrap();
        let headers = reader
            .headers()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, h)| (h.to_string(), i))
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        (headers, rows)
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| panic!("not a date: {text}"))
    }

    /// The Luhn check, written out independently of `luhn` above.
    fn check_digit_ok(number: &str) -> bool {
        let digits: Vec<u32> = number.bytes().map(|b| u32::from(b - b'0')).collect();
        let mut sum = 0;
        for (i, d) in digits[2..11].iter().enumerate() {
            let product = if i % 2 == 0 { d * 2 } else { *d };
            sum += product / 10 + product % 10;
        }
        (10 - sum % 10) % 10 == digits[11]
    }

    #[test]
    fn same_options_give_the_same_bytes() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let o = options(400, 2, (2010, 2012), 42);
        generate(&o, a.path(), today()).unwrap();
        generate(&o, b.path(), today()).unwrap();
        let (fa, fb) = (files(a.path()), files(b.path()));
        assert!(fa.len() > 20, "{} files", fa.len());
        assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
        for (path, bytes) in &fa {
            assert!(fb[path] == *bytes, "{} differs", path.display());
        }
        generate(&SynthOptions { seed: 43, ..o }, c.path(), today()).unwrap();
        assert_ne!(files(c.path()), fa, "another seed gives another collection");
    }

    #[test]
    fn a_small_collection_keeps_every_invariant() {
        let out = tempfile::tempdir().unwrap();
        let summary = generate(&options(300, 3, (2006, 2008), 7), out.path(), today()).unwrap();
        let dirs = submissions(out.path());
        assert_eq!(
            dirs.len(),
            3 * 6,
            "every project has people in every half-year"
        );
        assert_eq!(summary.submissions, dirs.len() as u64);
        assert_eq!(summary.participants, 300);
        let last = NaiveDate::from_ymd_opt(2008, 12, 31).unwrap();
        let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        let mut owner: HashMap<String, String> = HashMap::new();
        let mut women = HashSet::new();
        let mut everyone = HashSet::new();
        let mut event_rows = 0;
        for dir in &dirs {
            let project = dir
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let half: HalfYear = dir.file_name().unwrap().to_string_lossy().parse().unwrap();
            let (meta_headers, meta) = read(&dir.join("inlamning.csv"));
            assert!(meta_headers.contains_key("Uppgift"));
            assert_eq!(meta[0], ["Projekt", project.as_str()]);
            assert_eq!(meta[1], ["Halvår", half.to_string().as_str()]);
            let (h, rows) = read(&dir.join("deltagare.csv"));
            let mut listed = HashMap::new();
            for row in &rows {
                let person = row[h["person"]].clone();
                let inskriven = date(&row[h["inskriven"]]);
                let avslutad = Some(&row[h["avslutad"]])
                    .filter(|a| !a.is_empty())
                    .map(|a| date(a));
                assert!(
                    listed
                        .insert(person.clone(), (inskriven, avslutad))
                        .is_none(),
                    "{person} twice in {dir:?}"
                );
                assert!(avslutad.is_none_or(|a| a >= inskriven && a <= half.end()));
                assert!(inskriven >= earliest && inskriven <= half.end());
                let kon = &row[h["kon"]];
                if person.len() == 12 && person.bytes().all(|b| b.is_ascii_digit()) {
                    assert!(check_digit_ok(&person), "check digit of {person}");
                    let male = (person.as_bytes()[10] - b'0') % 2 == 1;
                    assert_eq!(kon, if male { "M" } else { "K" });
                    assert_eq!(row[h["fodelsear"]], person[..4]);
                } else {
                    assert!(person.starts_with(&format!("{project}-")), "{person}");
                    assert!(!row[h["fodelsear"]].is_empty());
                }
                let age = half.year() - row[h["fodelsear"]].parse::<i32>().unwrap();
                assert!((16..=70).contains(&age), "age {age}");
                let first = owner
                    .entry(person.clone())
                    .or_insert_with(|| project.clone());
                assert_eq!(*first, project, "a person belongs to one project");
                if kon == "K" {
                    women.insert(person.clone());
                }
                everyone.insert(person);
            }
            let mut with_events = HashSet::new();
            for (name, columns) in EVENT_TABLES {
                let (h, rows) = read(&dir.join(format!("{name}.csv")));
                assert_eq!(h.len(), columns.len());
                event_rows += rows.len();
                for row in &rows {
                    let person = &row[h["person"]];
                    assert!(
                        listed.contains_key(person),
                        "{name}: person missing from deltagare in {dir:?}"
                    );
                    with_events.insert(person.clone());
                    let dates: Vec<NaiveDate> = ["start", "slut", "fran", "till", "datum"]
                        .iter()
                        .filter(|c| h.contains_key(**c) && !(name == "remisser" && **c == "till"))
                        .map(|c| &row[h[*c]])
                        .filter(|t| !t.is_empty())
                        .map(|t| date(t))
                        .collect();
                    assert!(
                        dates.iter().all(|d| *d >= earliest && *d <= last),
                        "{name}: {row:?}"
                    );
                    assert!(
                        half.start() <= dates[0] && dates[0] <= half.end(),
                        "{name} row outside {half}: {row:?}"
                    );
                    assert!(
                        dates.windows(2).all(|w| w[0] <= w[1]),
                        "{name}: end before start: {row:?}"
                    );
                }
            }
            for (person, (inskriven, avslutad)) in &listed {
                let aktuell =
                    *inskriven <= half.end() && avslutad.is_none_or(|a| a >= half.start());
                assert!(
                    aktuell || with_events.contains(person),
                    "{person} listed in {half} without reason"
                );
            }
        }
        assert_eq!(everyone.len(), 300);
        let per_person = event_rows as f64 / 300.0;
        assert!(
            (5.0..=20.0).contains(&per_person),
            "{per_person} event rows per participant"
        );
        let share = women.len() as f64 / 300.0;
        assert!((0.50..=0.70).contains(&share), "women {share}");
        let written: u64 = EVENT_TABLES.iter().map(|t| summary.rows[t.0]).sum();
        assert_eq!(written, event_rows as u64);
    }

    #[test]
    fn the_validator_accepts_the_collection() {
        let schema = crate::schema::Schema::bundled().unwrap();
        let key = crate::pseudonymise::PseudonymKey::from_bytes([7u8; 32]);
        for monthly_followup in [false, true] {
            let out = tempfile::tempdir().unwrap();
            let data = tempfile::tempdir().unwrap();
            let o = SynthOptions {
                monthly_followup,
                ..options(300, 3, (2006, 2008), 11)
            };
            let summary = generate(&o, out.path(), today()).unwrap();
            let ingest = crate::load::IngestOptions {
                projekt: None,
                halvar: None,
                dry_run: true,
                show_progress: false,
                today: today(),
            };
            let paths = submissions(out.path());
            let report = crate::load::ingest(&schema, &key, data.path(), &paths, &ingest).unwrap();
            let first: Vec<String> = report
                .findings
                .iter()
                .take(10)
                .map(|f| f.to_string())
                .collect();
            assert!(
                report.findings.is_empty(),
                "{} findings, first:\n{}",
                report.findings.len(),
                first.join("\n")
            );
            assert_eq!(report.submissions.len() as u64, summary.submissions);
            assert_eq!(report.total_rows(), summary.rows.values().sum::<u64>());
        }
    }

    #[test]
    fn monthly_followup_writes_every_month_after_the_end() {
        let out = tempfile::tempdir().unwrap();
        let o = SynthOptions {
            monthly_followup: true,
            ..options(60, 1, (2000, 2004), 3)
        };
        let plain = tempfile::tempdir().unwrap();
        let monthly = generate(&o, out.path(), today()).unwrap();
        let sampled = generate(
            &SynthOptions {
                monthly_followup: false,
                ..o
            },
            plain.path(),
            today(),
        )
        .unwrap();
        assert!(monthly.rows["forsorjning"] > 3 * sampled.rows["forsorjning"]);
        // Someone who ended in 2000 has a row on the first of each of the 25 months from their end.
        let mut months: HashMap<String, BTreeSet<NaiveDate>> = HashMap::new();
        let mut ended: HashMap<String, NaiveDate> = HashMap::new();
        for dir in submissions(out.path()) {
            let (h, rows) = read(&dir.join("deltagare.csv"));
            for row in rows.iter().filter(|r| {
                !r[h["avslutad"]].is_empty() && r[h["avslutsorsak"]] != "felregistrering"
            }) {
                ended.insert(row[h["person"]].clone(), date(&row[h["avslutad"]]));
            }
            let (h, rows) = read(&dir.join("forsorjning.csv"));
            for row in rows {
                months
                    .entry(row[h["person"]].clone())
                    .or_default()
                    .insert(date(&row[h["datum"]]));
            }
        }
        let early: Vec<_> = ended.iter().filter(|(_, end)| end.year() <= 2001).collect();
        assert!(!early.is_empty());
        for (person, end) in early {
            let first = end.with_day(1).unwrap();
            for m in 0..=MONTHLY_FOLLOW_UP {
                assert!(
                    months[person].contains(&(first + Months::new(m))),
                    "month {m} after {end}"
                );
            }
        }
    }

    #[test]
    fn headers_are_the_schema_columns() {
        let schema = crate::schema::Schema::bundled().unwrap();
        let names = |table: &str| -> Vec<String> {
            schema
                .table(table)
                .unwrap()
                .columns
                .iter()
                .map(|c| c.name.clone())
                .collect()
        };
        assert_eq!(names("deltagare"), DELTAGARE);
        assert_eq!(names("moten"), MOTEN);
        assert_eq!(names("anonyma_arenden"), ANONYMA);
        for (table, columns) in EVENT_TABLES {
            assert_eq!(names(table), columns, "{table}");
        }
        let mut all: Vec<&str> = EVENT_TABLES.iter().map(|t| t.0).collect();
        all.extend(["deltagare", "moten", "anonyma_arenden"]);
        all.sort();
        let mut expected: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        expected.sort();
        assert_eq!(all, expected, "every table is written");
    }

    #[test]
    fn codes_are_in_the_code_lists() {
        let schema = crate::schema::Schema::bundled().unwrap();
        let check = |list: &str, codes: &[(&str, u32)]| {
            let list = schema.code_list(list).unwrap();
            for (code, _) in codes {
                assert!(list.get(code).is_some(), "{code} in {}", list.label);
            }
        };
        check("myndighet", AUTHORITIES);
        check("utbildningsniva", UTBILDNING);
        check("tid_utan_arbete", TID_UTAN_ARBETE);
        check("tid_utan_arbete", TID_UTAN_ARBETE_YOUNG);
        check("status_efter_avslut", STATUS);
        check("avslutsorsak", AVSLUTSORSAK);
        check("remissmottagare", REMISS_TILL);
        check("lss_insats", LSS_INSATS);
        check("installt_orsak", INSTALLT_ORSAK);
        for sources in [SOURCE_FK, SOURCE_AF, SOURCE_SOC, SOURCE_VARD, SOURCE_OTHER] {
            check("forsorjningskalla", sources);
        }
    }

    #[test]
    fn luhn_matches_a_known_number() {
        // 811218-9876 is the textbook example with a valid check digit.
        assert_eq!(luhn(&[8, 1, 1, 2, 1, 8, 9, 8, 7]), 6);
        assert!(check_digit_ok("198112189876"));
    }

    #[test]
    fn bad_options_and_used_folders_are_refused() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("ny");
        for (bad, needle) in [
            (options(0, 1, (2006, 2008), 1), "--deltagare"),
            (options(10, 0, (2006, 2008), 1), "--projekt"),
            (options(10, 1, (2009, 2008), 1), "efter det sista"),
            (options(10, 1, (1990, 2008), 1), "1995"),
            (options(10, 1, (2006, 2026), 1), "inte slut"),
        ] {
            let message = generate(&bad, &target, today()).unwrap_err().to_string();
            assert!(message.contains(needle), "{message}");
        }
        assert!(!target.exists(), "nothing is written for bad options");
        std::fs::write(out.path().join("annat.txt"), "x").unwrap();
        let error = generate(&options(10, 1, (2006, 2008), 1), out.path(), today()).unwrap_err();
        assert!(matches!(error, SynthError::NotEmpty(_)), "{error}");
        assert!(
            error
                .to_string()
                .contains(&out.path().display().to_string())
        );
    }
}
