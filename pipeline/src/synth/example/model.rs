//! The scenario's model: people, their event rows, meetings and projects, as the
//! scenario builds them before anything becomes a workbook.
//!
//! Invariants: a person's `key` is the scenario's own name for them and is never
//! written (events name the person by key until `workbooks` puts in the number); an
//! event's cells are by column name and hold codes, not labels; a person's number is
//! valid for their kön and birth date (`written_number`, checked again before writing).

use chrono::{Datelike, Months, NaiveDate};

use crate::period::HalfYear;
use crate::personnummer::with_check_digit;
use crate::read::Cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sex {
    K,
    M,
}

/// How a person is identified in the workbooks.
#[derive(Debug, Clone)]
pub(super) enum IdSpec {
    /// A personnummer (or samordningsnummer) for someone born on `born`; `serial` is the
    /// first two digits of the birth number, the third is made odd for men, even for women.
    Number {
        born: NaiveDate,
        serial: u32,
        /// Ten digits with a dash (YYMMDD-NNNC) rather than twelve (YYYYMMDDNNNC).
        dash: bool,
        /// A samordningsnummer: day of birth + 60.
        samordning: bool,
    },
    /// A project-local code: kön and födelseår are then written out.
    Local { code: String, born_year: i32 },
}

impl IdSpec {
    /// What the Personnummer/kod column holds for someone of `sex`.
    pub(super) fn written(&self, sex: Sex) -> String {
        match self {
            IdSpec::Number {
                born,
                serial,
                dash,
                samordning,
            } => written_number(*born, *serial, sex, *dash, *samordning),
            IdSpec::Local { code, .. } => code.clone(),
        }
    }
}

/// The written number: the birth number's last digit odd for men and even for women,
/// then the Luhn check digit over YYMMDDNNN.
fn written_number(born: NaiveDate, serial: u32, sex: Sex, dash: bool, samordning: bool) -> String {
    let parity = u32::from(sex == Sex::M);
    let third = ((serial * 7 + born.day()) % 5) * 2 + parity;
    let day = born.day() + if samordning { 60 } else { 0 };
    let core = format!(
        "{:02}{:02}{day:02}{:02}{third}",
        born.year() % 100,
        born.month(),
        serial % 100
    );
    let ten = with_check_digit(&core);
    if dash {
        format!("{}-{}", &ten[..6], &ten[6..])
    } else {
        format!("{}{ten}", born.year() / 100)
    }
}

#[derive(Debug, Clone)]
pub(super) struct Person {
    /// The scenario's own name for the person; never written.
    pub(super) key: String,
    /// What the Personnummer/kod column holds.
    pub(super) id: String,
    pub(super) local: bool,
    pub(super) sex: Sex,
    pub(super) born_year: i32,
    pub(super) inskriven: NaiveDate,
    pub(super) avslutad: Option<NaiveDate>,
    pub(super) orsak: String,
    pub(super) status: String,
    /// As typed into Aktualiserad av: codes, labels or aliases, comma separated.
    pub(super) akt: String,
    pub(super) utomnordisk: String,
    pub(super) ensam: bool,
    pub(super) samtycke: bool,
    pub(super) utb: String,
    pub(super) tid: String,
    /// Income sources at the start and after the end: `källa[:omfattning]` joined by `+`.
    pub(super) fore: String,
    pub(super) efter: String,
    /// Half-years whose workbook lists the person although the dates do not say so.
    pub(super) listad: Vec<HalfYear>,
    /// For someone still in the project at `FIRST_END`: the day they leave, when it was
    /// drawn with the first collection.
    pub(super) planned_end: Option<NaiveDate>,
    /// Income month by month after the end: the sources on the first of the k-th month
    /// after it at index k − 1, `None` where the register has nothing (see `follow_up`).
    pub(super) after: Vec<Option<String>>,
    /// No income rows at all: a gap in the register.
    pub(super) no_income: bool,
}

impl Person {
    /// Someone of `sex` identified by `id` who started on `inskriven`, still in the
    /// project, with the defaults the scenario's people start from.
    pub(super) fn new(key: &str, sex: Sex, id: &IdSpec, inskriven: NaiveDate) -> Person {
        let (local, born_year) = match id {
            IdSpec::Number { born, .. } => (false, born.year()),
            IdSpec::Local { born_year, .. } => (true, *born_year),
        };
        Person {
            key: key.to_string(),
            id: id.written(sex),
            local,
            sex,
            born_year,
            inskriven,
            avslutad: None,
            orsak: String::new(),
            status: String::new(),
            akt: String::new(),
            utomnordisk: "nej".into(),
            ensam: false,
            samtycke: true,
            utb: "gymnasial".into(),
            tid: "1_2_ar".into(),
            fore: "okand".into(),
            efter: String::new(),
            listad: Vec::new(),
            planned_end: None,
            after: Vec::new(),
            no_income: false,
        }
    }

    /// Registered by mistake: the row stays, counted nowhere.
    pub(super) fn felregistrering(&mut self) {
        self.orsak = "felregistrering".into();
        self.status = String::new();
        self.fore = "okand".into();
    }

    /// In the register during `h` (whatever consent or felregistrering say).
    pub(super) fn overlaps(&self, h: HalfYear) -> bool {
        self.inskriven <= h.end() && self.avslutad.is_none_or(|a| a >= h.start())
    }

    /// docs/definitions.md: aktuell in `h`.
    pub(super) fn aktuell(&self, h: HalfYear) -> bool {
        self.overlaps(h) && self.samtycke && self.orsak != "felregistrering"
    }

    pub(super) fn age(&self, h: HalfYear) -> i32 {
        h.year() - self.born_year
    }

    pub(super) fn ungdom(&self, h: HalfYear) -> bool {
        (16..=29).contains(&self.age(h))
    }

    /// 16–29 when they started.
    pub(super) fn young_at_start(&self) -> bool {
        self.inskriven.year() - self.born_year <= 29
    }

    /// The income rows after the end: date and sources, `källa[:omfattning]` joined by `+`.
    pub(super) fn follow_up_rows(&self) -> impl Iterator<Item = (NaiveDate, &str)> + '_ {
        let first = self.avslutad.map(first_of_next_month);
        self.after
            .iter()
            .enumerate()
            .filter_map(move |(k, sources)| {
                let date = first? + Months::new(u32::try_from(k).expect("a month"));
                sources.as_deref().map(|s| (date, s))
            })
    }

    /// The Deltagare row, by column name.
    pub(super) fn cells(&self, projekt: &str) -> Vec<(&'static str, Cell)> {
        let yes_no = |b: bool| text(if b { "ja" } else { "nej" });
        let mut cells = vec![
            ("person", text(&self.id)),
            ("projekt", text(projekt)),
            ("kon", text(if self.sex == Sex::K { "K" } else { "M" })),
            ("inskriven", Cell::Date(self.inskriven)),
            ("aktualiserad_av", text(&self.akt)),
            ("utomnordisk", text(&self.utomnordisk)),
            ("ensamstaende_med_barn", yes_no(self.ensam)),
            ("samtycke", yes_no(self.samtycke)),
            ("utbildningsniva", text(&self.utb)),
            ("tid_utan_arbete", text(&self.tid)),
            ("avslutsorsak", text(&self.orsak)),
            ("status_efter_avslut", text(&self.status)),
            ("kommun", text(folkbokforingskommun(projekt, &self.key))),
        ];
        if self.local {
            cells.push(("fodelsear", Cell::Number(f64::from(self.born_year))));
        }
        if let Some(avslutad) = self.avslutad {
            cells.push(("avslutad", Cell::Date(avslutad)));
        }
        cells
    }
}

/// Where a participant lives: SIGMA works in Nora; KOMPIS serves the six Höglandet
/// kommuner, each drawn about as often as its share of their inhabitants (Försörjningsmått
/// 2014). Taken from the person's key, not the random stream, so the rest of the
/// collection stays as it was drawn.
fn folkbokforingskommun(projekt: &str, key: &str) -> &'static str {
    const HOGLANDET: [(&str, u64); 6] = [
        ("0682", 30_451),
        ("0685", 26_873),
        ("0687", 18_546),
        ("0686", 16_790),
        ("0684", 11_228),
        ("0604", 6_537),
    ];
    if projekt != "KOMPIS" {
        return "1884";
    }
    // FNV-1a: stable across runs and platforms.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let total: u64 = HOGLANDET.iter().map(|(_, n)| n).sum();
    let mut point = hash % total;
    for (kommun, inhabitants) in HOGLANDET {
        if point < inhabitants {
            return kommun;
        }
        point -= inhabitants;
    }
    unreachable!("the point lies below the total")
}

/// One row of an event table, still by column name and with codes (not labels).
#[derive(Debug, Clone)]
pub(super) struct Event {
    pub(super) person: String,
    pub(super) table: &'static str,
    /// The day that places the row in a half-year.
    pub(super) date: NaiveDate,
    pub(super) cells: Vec<(&'static str, Cell)>,
    /// Explicit workbooks; empty: the workbook of `date` (see the module comment).
    pub(super) i: Vec<HalfYear>,
}

impl Event {
    pub(super) fn text(&self, column: &str) -> &str {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, cell)| match cell {
                Cell::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .unwrap_or("")
    }

    pub(super) fn date_of(&self, column: &str) -> Option<NaiveDate> {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, cell)| match cell {
                Cell::Date(d) => Some(*d),
                _ => None,
            })
    }

    /// An insats or sjukskrivning that overlaps `h`.
    pub(super) fn overlaps(&self, h: HalfYear, from: &str, to: &str) -> bool {
        let start = self.date_of(from).expect("a start date");
        start <= h.end() && self.date_of(to).is_none_or(|end| end >= h.start())
    }
}

/// An end date argument: a date, or `None` for an open or one-day event.
pub(super) trait IntoDay {
    fn into_day(self) -> Option<NaiveDate>;
}

impl IntoDay for NaiveDate {
    fn into_day(self) -> Option<NaiveDate> {
        Some(self)
    }
}

impl IntoDay for Option<NaiveDate> {
    fn into_day(self) -> Option<NaiveDate> {
        self
    }
}

fn event(
    person: &str,
    table: &'static str,
    date: NaiveDate,
    cells: Vec<(&'static str, Cell)>,
) -> Event {
    Event {
        person: person.to_string(),
        table,
        date,
        cells,
        i: Vec::new(),
    }
}

fn date_cell(date: Option<NaiveDate>) -> Cell {
    date.map_or(Cell::Empty, Cell::Date)
}

fn insats(person: &str, typ: &str, start: NaiveDate, slut: impl IntoDay) -> Event {
    event(
        person,
        "insatser",
        start,
        vec![
            ("person", text(person)),
            ("typ", text(typ)),
            ("start", Cell::Date(start)),
            ("slut", date_cell(slut.into_day())),
        ],
    )
}

/// Gemensam bedömning: one occasion.
pub(super) fn gb(person: &str, date: NaiveDate) -> Event {
    insats(person, "gemensam_bedomning", date, None)
}

pub(super) fn praktik(person: &str, start: NaiveDate, slut: impl IntoDay) -> Event {
    insats(person, "praktik", start, slut)
}

pub(super) fn atgard(person: &str, start: NaiveDate, slut: impl IntoDay) -> Event {
    insats(person, "arbetsmarknadsatgard", start, slut)
}

/// Särskilt stöd from the project leader.
pub(super) fn stod(person: &str, start: NaiveDate, slut: impl IntoDay) -> Event {
    insats(person, "sarskilt_stod", start, slut)
}

/// A flerpartssamtal: one occasion.
pub(super) fn samtal(person: &str, date: NaiveDate) -> Event {
    insats(person, "flerpartssamtal", date, None)
}

/// A short follow-up of an earlier participant.
pub(super) fn uppf(person: &str, date: NaiveDate) -> Event {
    insats(person, "uppfoljning", date, None)
}

/// A row of a table whose events are one day (`datum`) with two coded columns.
fn step(
    person: &str,
    table: &'static str,
    date: NaiveDate,
    [(a, a_value), (b, b_value)]: [(&'static str, &str); 2],
) -> Event {
    event(
        person,
        table,
        date,
        vec![
            ("person", text(person)),
            ("datum", Cell::Date(date)),
            (a, text(a_value)),
            (b, text(b_value)),
        ],
    )
}

pub(super) fn remiss(person: &str, date: NaiveDate, till: &str, syfte: &str) -> Event {
    step(person, "remisser", date, [("till", till), ("syfte", syfte)])
}

/// A remiss marked Räknas = nej although its destination counts.
pub(super) fn remiss_ej(person: &str, date: NaiveDate, till: &str, syfte: &str) -> Event {
    let mut remiss = remiss(person, date, till, syfte);
    remiss.cells.push(("raknas", text("nej")));
    remiss
}

pub(super) fn sjuk(person: &str, fran: NaiveDate, till: impl IntoDay, omfattning: u32) -> Event {
    event(
        person,
        "sjukskrivning",
        fran,
        vec![
            ("person", text(person)),
            ("fran", Cell::Date(fran)),
            ("till", date_cell(till.into_day())),
            ("omfattning", Cell::Number(f64::from(omfattning))),
        ],
    )
}

pub(super) fn lss(person: &str, date: NaiveDate, handelse: &str, insats: &str) -> Event {
    step(
        person,
        "lss",
        date,
        [("handelse", handelse), ("insats", insats)],
    )
}

pub(super) fn ers(person: &str, date: NaiveDate, typ: &str, handelse: &str) -> Event {
    step(
        person,
        "ersattning",
        date,
        [("typ", typ), ("handelse", handelse)],
    )
}

pub(super) fn forsorjning(
    person: &str,
    date: NaiveDate,
    kalla: &str,
    omfattning: Option<f64>,
) -> Event {
    event(
        person,
        "forsorjning",
        date,
        vec![
            ("person", text(person)),
            ("datum", Cell::Date(date)),
            ("kalla", text(kalla)),
            ("omfattning", omfattning.map_or(Cell::Empty, Cell::Number)),
        ],
    )
}

#[derive(Debug, Clone)]
pub(super) struct Meeting {
    pub(super) date: NaiveDate,
    pub(super) typ: String,
    /// Empty when the meeting was held.
    pub(super) orsak: String,
    /// Explicit workbooks; empty: the workbook of `date`.
    pub(super) i: Vec<HalfYear>,
}

impl Meeting {
    pub(super) fn new(date: NaiveDate, typ: &str, orsak: &str) -> Meeting {
        Meeting {
            date,
            typ: typ.to_string(),
            orsak: orsak.to_string(),
            i: Vec::new(),
        }
    }

    pub(super) fn halves(&self) -> Vec<HalfYear> {
        if self.i.is_empty() {
            vec![HalfYear::containing(self.date)]
        } else {
            self.i.clone()
        }
    }
}

pub(super) struct Project {
    pub(super) name: &'static str,
    pub(super) people: Vec<Person>,
    pub(super) events: Vec<Event>,
    pub(super) meetings: Vec<Meeting>,
    /// Anonymous cases: the day and how many people.
    pub(super) anonymous: Vec<(NaiveDate, u32)>,
    /// The report's text (sheet Berättelse), by half-year.
    pub(super) narrative: Vec<Narrative>,
}

/// A section of a half-year report's text.
#[derive(Clone)]
pub(super) struct Narrative {
    pub(super) halvar: HalfYear,
    pub(super) nr: u32,
    pub(super) avsnitt: String,
    pub(super) text: String,
}

impl Project {
    pub(super) fn person_mut(&mut self, key: &str) -> &mut Person {
        let name = self.name;
        self.people
            .iter_mut()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("{name}: no person {key}"))
    }
}

pub(super) fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

/// A date the scenario's code states, `YYYY-MM-DD`.
pub(super) fn d(date: &str) -> NaiveDate {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_else(|_| panic!("not a date: {date}"))
}

/// A half-year the scenario's code states, e.g. `2008H1`.
pub(super) fn half(h: &str) -> HalfYear {
    h.parse().expect("a half-year")
}

pub(super) fn first_of_next_month(date: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(date.year(), date.month(), 1).expect("a first of month")
        + Months::new(1)
}
