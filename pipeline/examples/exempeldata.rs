//! Builds the example submissions in `examples/`: two invented projects, SIGMA and
//! KOMPIS, over ten half-years (2007H1–2011H2), one Excel workbook per project and
//! half-year (20 in all), written by the template's own writer
//! (`finsam::template::write_filled_xlsx`).
//!
//! ```sh
//! cargo run --example exempeldata -- examples/
//! ```
//!
//! Everyone is invented. SIGMA 2008H1 reproduces, figure for figure, the statistics of the
//! real SIGMA-gruppen half-year report for 2008-01-01 – 2008-06-30, computed as
//! docs/definitions.md defines them. Its people are written out by hand below, one line
//! each with the figures they count in (and, in `SIGMA_2008H1_LEAVERS`, how those still
//! in SIGMA at the end of 2008 leave it), and the program recomputes the 18 figures from
//! what it is about to write and stops if one differs. Everything else (the other
//! half-years' newcomers and leavers, the KOMPIS project, income rows, most meetings)
//! comes from a small deterministic generator: the files are the same on every run.
//!
//! The story the workbooks tell:
//! - A workbook is the project's register for one half-year as exported about two months
//!   after the half-year ended (the real 2008H1 report was written in August 2008; the
//!   last workbook, 2011H2, at the end of February 2012). Its Deltagare sheet holds
//!   everyone aktuell in the half-year, earlier participants followed up in it (an
//!   uppföljning, or income rows after their end), and anyone already registered at
//!   export with a later start. A person's row is the same in every workbook, with the end
//!   as finally known.
//! - Every event (insats, remiss, sjukskrivning, LSS, ersättning) is written once, in the
//!   workbook of the half-year it starts in, with its end date as finally known (a project
//!   re-submits a corrected workbook, which replaces the earlier one). An event dated
//!   before a person's first listing goes into their first workbook, one dated after their
//!   last listing into their last. The definitions read events from all of a project's
//!   submissions, so a praktik that began in 2007 counts in 2008H1.
//! - Meetings and anonymous cases are in the workbook of their half-year; the group
//!   meeting of 2008-07-01 is in both the 2008H1 export (made in August) and 2008H2.
//! - Income rows (Försörjning) are written at the start, on the first of every month of
//!   participation, and on the first of every month for 24 months after the end, each in
//!   the workbook of its half-year (rows after 2011H2 in that workbook, up to its export
//!   date). Those who left in 2010–2011 are followed up only that far. The register has
//!   gaps: a few of the 2009–2011 newcomers have no income rows at all, about one leaver in
//!   twenty has nothing around the six-month point, and those who moved away drop out after
//!   one to four months.
//! - Each project has 24–37 leavers a year (with consent, not felregistreringar), and
//!   31–52 aktuella a half-year. SIGMA holds steady: about 30 % of its leavers are
//!   självförsörjande twelve months after the end in every year (25, 32, 36, 28 % for
//!   2007–2010, of those with an income row then). KOMPIS takes mostly young adults from
//!   2009 and gets clearly better: 23, 22, 45, 55 % for 2007–2010 (2008 against 2010:
//!   5 of 23 against 18 of 33, Fisher's exact test p ≈ 0.03), as more leave as planned,
//!   more of them for work or studies, and more find work later (`outlook`).
//!   Status efter avslut agrees with the income just after the end (a job with partial
//!   sjukersättning is förvärvsarbete but not självförsörjning).
//! - The first four half-years are drawn first, as if the data ended with 2008
//!   (`FIRST_END`), so that they stayed as they were when the collection had only them;
//!   the later years, the ends of those still in a project at the end of 2008, and
//!   everyone's income after the end are drawn afterwards (`later_years`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Weekday};
use finsam::period::HalfYear;
use finsam::personnummer::PersonNumber;
use finsam::read::Cell;
use finsam::schema::{ColumnKind, Schema};
use finsam::template::{FilledMeta, FilledRows, write_filled_xlsx};

/// The half-years with a workbook, in order.
const HALVES: [&str; 10] = [
    "2007H1", "2007H2", "2008H1", "2008H2", "2009H1", "2009H2", "2010H1", "2010H2", "2011H1",
    "2011H2",
];
/// The last day the data knows of: later ends are unknown (the insats is ongoing).
const DATA_END: &str = "2011-12-31";
/// Where the collection first ended (four half-years, 2007H1–2008H2). The people of those
/// years are drawn as if the data ended here, in the same order from the same streams, so
/// that adding later years left them as they were; what happens to them after this day is
/// drawn afterwards (`later_years`), from streams of its own.
const FIRST_END: &str = "2008-12-31";

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "examples".to_string()),
    );
    if let Err(message) = run(&dir) {
        eprintln!("exempeldata: {message}");
        std::process::exit(1);
    }
}

fn run(dir: &Path) -> Result<(), String> {
    let schema = Schema::bundled().map_err(|e| e.to_string())?;
    // Numbers taken so far: a generated person never gets someone else's number.
    let mut numbers = BTreeSet::new();
    let mut projects = [sigma(&mut numbers), kompis(&mut numbers)];
    sigma_later(&mut projects[0], &mut numbers);
    kompis_later(&mut projects[1], &mut numbers);
    for project in &projects {
        project.check_numbers()?;
    }
    let sigma_figures = Figures::of(&projects[0], half("2008H1"));
    sigma_figures.check_against_the_report()?;

    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut owned = BTreeSet::new();
    for project in &projects {
        for (halvar, rows) in project.workbooks(&schema) {
            let path = dir.join(format!("{}_{halvar}.xlsx", project.name));
            let verb = if path.exists() {
                "skriver om"
            } else {
                "skriver"
            };
            let meta = FilledMeta {
                projekt: project.name.to_string(),
                halvar,
                created: Some(export_date(halvar)),
            };
            write_filled_xlsx(&schema, &meta, &rows, &path).map_err(|e| e.to_string())?;
            let counts: Vec<String> = rows
                .iter()
                .filter(|(_, r)| !r.is_empty())
                .map(|(t, r)| format!("{t} {}", r.len()))
                .collect();
            println!("{verb} {}: {}", path.display(), counts.join(", "));
            owned.insert(path);
        }
    }
    warn_about_other_submissions(dir, &owned);
    println!("\nSIGMA 2008H1 enligt docs/definitions.md:\n{sigma_figures}");
    Ok(())
}

/// The generator owns only its workbooks; anything else `finsam ingest examples/` would
/// read as a submission is left alone but named, so it is not taken in by surprise.
fn warn_about_other_submissions(dir: &Path, owned: &BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut others: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| !owned.contains(p))
        .filter(|p| {
            p.is_dir()
                || p.extension().is_some_and(|e| {
                    ["xlsx", "xlsm", "xls", "ods", "csv"].contains(&&*e.to_string_lossy())
                })
        })
        .collect();
    others.sort();
    for other in others {
        eprintln!(
            "obs: {} skrevs inte av exempeldata men läses också av `finsam ingest {}`",
            other.display(),
            dir.display()
        );
    }
}

// ---------------------------------------------------------------------------------------
// SIGMA 2008H1, by hand. Period 2008-01-01 – 2008-06-30; age = 2008 − födelseår.
// Figures (docs/definitions.md): 1 aktuella 34 · 2 uppföljning of earlier participants 5 ·
// 3 anonymous cases 4 · 4 ages 19–62 · 5 ungdomar 16 · 6 22 K / 12 M, ungdomar 9 K / 7 M ·
// 7 ensamstående kvinnor med barn 4 · 8 utomnordisk 2 · 9 aktualiserad av (spread) ·
// 10 gemensam bedömning 34 · 11 praktik/arbetsmarknadsåtgärd 23 · 12 remitterade 22 ·
// 13 LSS informerade 5, beviljade 3 · 14 SE/AE sökt or förlängning bedömd 9 ·
// 15 sjukskrivna 12 · 16 särskilt stöd 9 (6 ungdomar) · 17 kartläggningsträffar 4,
// flerpartssamtal 10 · 18 gruppträffar 17 held, 6 cancelled.
// Keys: U = ungdom (16–29), O = older, E = earlier participant, N = no consent,
// F = felregistrering, X = starts after the period. Keys are never written.
// ---------------------------------------------------------------------------------------

#[rustfmt::skip] // one line per person
fn sigma_2008h1_people() -> Vec<Person> {
    use Sex::{K, M};
    vec![
        // The 34 aktuella: 16 ungdomar (9 K, 7 M) and 18 aged 30+ (13 K, 5 M). After each line, the figures the person counts in;
        // every aktuell person also counts in 6 (kön) and 9 (aktualiserad av).
        // key         kön  id                      inskriven   then: end, aktualiserad av, background, income before → after
        person("U01", K, pnr("1989-04-12", 24), "2008-06-30").akt("Socialtjänsten").utb("forgymnasial").tid("aldrig_arbetat").fors("forsorjningsstod", ""), // 1 (starts on the period's last day) 4 min 19 · 5 · 10
        person("U02", M, pnr10("1988-09-23", 51), "2007-09-03").slut("2008-09-30", "enligt_plan", "forvarvsarbete").akt("AF").okant_ursprung().tid("under_1_ar").fors("aktivitetsstod", "arbete"), // 1 5 10 11 12 16
        person("U03", K, pnr("1987-02-08", 40), "2007-10-15").akt("Psykiatrin, Socialtjänsten").tid("aldrig_arbetat").fors("forsorjningsstod", ""), // 1 5 10 11 12 13 informed+granted 14 16 17
        person("U04", K, pnr10("1986-07-30", 18), "2008-01-14").slut("2008-06-13", "enligt_plan", "aktivt_arbetssokande").akt("AF").tid("under_1_ar").fors("a_kassa", "aktivitetsstod"), // 1 5 10 11 12 17
        person("U05", M, pnr("1986-01-15", 63), "2007-11-05").slut("2008-10-31", "avbrott", "ovrigt").akt("Socialtjänsten, AF").utb("forgymnasial").tid("2_5_ar").fors("forsorjningsstod", "forsorjningsstod"), // 1 5 10 11 12 (särskilt stöd ended 2007-12-21: not 16)
        person("U06", K, pnr("1985-05-19", 27), "2007-08-20").slut("2008-08-29", "annan_insats", "annan_insats").akt("LSS, Psykiatrin").utb("forgymnasial").tid("aldrig_arbetat").fors("forsorjningsstod", "aktivitetsersattning"), // 1 5 10 12 13 informed+granted 14 16
        person("U07", M, pnr10("1985-10-02", 35), "2008-03-03").akt("AF, FK").fors("sjukpenning:50+aktivitetsstod:50", ""), // 1 5 10 11 12 15 (AF+FK via AGDOR)
        person("U08", K, pnr("1984-03-27", 72), "2007-12-03").akt("VC").fors("forsorjningsstod", ""), // 1 5 10 11 12 13 informed (granted 2008-07-08: not) 16 17 ×2
        person("U09", M, samnr("1983-03-11", 38), "2007-06-11").slut("2008-11-28", "enligt_plan", "forvarvsarbete").akt("AF, Socialtjänsten").utomnordisk().utb("okand").tid("2_5_ar").fors("forsorjningsstod", "arbete"), // 1 5 8 10 11 (åtgärd from 2007) 12; samordningsnummer
        person("U10", K, pnr10("1983-08-06", 20), "2007-04-16").slut("2008-12-12", "enligt_plan", "studier").akt("Socialtjänsten").ensam().utb("forgymnasial").tid("over_5_ar").fors("forsorjningsstod", "studier"), // 1 5 7 10 11 (praktik from 2007) 12 16 17
        person("U11", K, pnr("1982-11-21", 56), "2008-02-04").akt("FK, VC").utb("eftergymnasial").tid("under_1_ar").fors("sjukpenning", ""), // 1 5 10 11 12 15 (FK+VC via vårdcentralprojektet)
        person("U12", M, kod("SIG-023", 1981), "2007-10-01").akt("Psykiatrin").tid("aldrig_arbetat").fors("aktivitetsersattning", ""), // 1 5 10 12 13 informed (refused) 14 17; project-local code
        person("U13", K, pnr("1980-06-14", 30), "2007-05-07").slut("2008-06-19", "enligt_plan", "forvarvsarbete").akt("Socialtjänsten, AF").ensam().tid("2_5_ar").fors("forsorjningsstod", "arbete"), // 1 5 7 10 11 12
        person("U14", M, pnr10("1980-12-03", 47), "2008-01-21").slut("2008-05-30", "enligt_plan", "studier").akt("AF").tid("under_1_ar").fors("aktivitetsstod", "studier"), // 1 5 10 11 (only a sjukgymnastik referral: not 12)
        person("U15", K, pnr("1979-01-29", 64), "2007-09-17").akt("FK, VC").fors("sjukpenning:50+arbete:50", ""), // 1 5 (age 29: still ungdom) 10 12 14 15 (open spell) 16
        person("U16", M, pnr("1979-10-08", 12), "2007-11-26").slut("2008-08-15", "enligt_plan", "forvarvsarbete").akt("AF, FK").fors("aktivitetsstod", "arbete"), // 1 5 (29) 10 11 12 (LSS informed 2007-12-11: not 13)
        person("O01", K, pnr("1978-04-04", 83), "2007-11-12").akt("Psykiatrin").tid("2_5_ar").fors("forsorjningsstod", ""), // 1 (age 30: not ungdom) 10 11 13 informed+granted 16
        person("O02", M, pnr10("1977-06-22", 26), "2007-10-01").slut("2008-06-30", "enligt_plan", "aktivt_arbetssokande").akt("FK").fors("sjukpenning:50+aktivitetsstod:50", "aktivitetsstod"), // 1 (ends on the period's last day) 10 11 12 15 17
        person("O03", K, pnr("1975-09-09", 41), "2007-03-19").slut("2008-11-14", "enligt_plan", "forvarvsarbete").akt("Socialtjänsten").ensam().utb("forgymnasial").tid("over_5_ar").fors("forsorjningsstod", "arbete"), // 1 7 10 11 12 16 17
        person("O04", K, samnr10("1973-11-16", 62), "2008-02-18").akt("AF").utomnordisk().utb("okand").tid("over_5_ar").fors("aktivitetsstod", ""), // 1 8 10 11 12; samordningsnummer
        person("O05", K, pnr("1971-02-25", 19), "2008-01-28").slut("2008-09-26", "flytt", "ovrigt").akt("Egen anmälan").ensam().utb("eftergymnasial").tid("under_1_ar").fors("a_kassa", "okand"), // 1 7 10 11 (only a röntgen referral: not 12)
        person("O06", M, pnr10("1969-05-05", 70), "2007-08-27").akt("AME, Socialtjänsten").ensam().utb("forgymnasial").tid("over_5_ar").fors("forsorjningsstod", ""), // 1 10 11 12 (a man with children: not 7)
        person("O07", K, pnr("1968-08-18", 33), "2007-12-10").slut("2008-06-19", "enligt_plan", "forvarvsarbete").akt("FK, VC").tid("under_1_ar").fors("sjukpenning:25+arbete:75", "arbete"), // 1 10 11 12 15 (spell starts 2008-01-01)
        person("O08", K, pnr("1965-12-01", 58), "2007-06-04").akt("Psykiatrin, VC").tid("2_5_ar").fors("forsorjningsstod", ""), // 1 10 11 12 16 17 ×2
        person("O09", K, pnr10("1963-07-07", 45), "2007-09-24").slut("2008-10-17", "sjukdom", "ej_arbetsfor").akt("FK").utb("forgymnasial").tid("1_2_ar").fors("sjukpenning", "sjukersattning"), // 1 10 12 14 15 (praktik ended 2007-12-14: not 11)
        person("O10", M, pnr("1961-02-14", 29), "2007-05-21").slut("2008-03-31", "annat", "ej_arbetsfor").akt("FK, AF").tid("2_5_ar").fors("sjukpenning", "sjukersattning:50+arbete:50"), // 1 10 11 15 (SE only granted in the period: not 14)
        person("O11", K, pnr("1959-10-30", 66), "2008-01-07").akt("VC").tid("under_1_ar").fors("sjukpenning:50+arbete:50", ""), // 1 10 11 12 15
        person("O12", K, pnr("1957-03-03", 22), "2008-02-04").akt("Annan").utb("forgymnasial").tid("2_5_ar").fors("aktivitetsstod", ""), // 1 10 15 (spell starts 2008-06-30); came from KOMPIS, whose events must not count here
        person("O13", K, pnr10("1955-08-25", 37), "2007-02-12").slut("2008-12-05", "enligt_plan", "annan_insats").akt("FK, VC").utb("forgymnasial").tid("over_5_ar").fors("sjukersattning:50+sjukpenning:50", "sjukersattning:50+sjukpenning:50"), // 1 10 14 15 (remiss 2007-12-28: not 12)
        person("O14", M, pnr("1953-04-19", 15), "2008-03-10").akt("AF").okant_ursprung().utb("eftergymnasial").tid("under_1_ar").fors("a_kassa", ""), // 1 10 11 (spell from 2008-07-01: not 15)
        person("O15", K, pnr("1952-12-12", 53), "2007-04-02").slut("2008-09-12", "sjukdom", "ej_arbetsfor").akt("FK").utb("forgymnasial").tid("1_2_ar").fors("sjukpenning", "sjukersattning"), // 1 10 14 15 (sjukgymnastik, röntgen: not 12)
        person("O16", K, kod("SIG-007", 1950), "2007-01-15").akt("FK").utb("forgymnasial").tid("over_5_ar").fors("sjukersattning:50+arbete:50", ""), // 1 10 14 (praktik from 2008-07-01: not 11); project-local code
        person("O17", M, pnr10("1948-01-31", 39), "2007-10-29").slut("2008-08-29", "annat", "ej_arbetsfor").akt("FK, VC").utb("forgymnasial").tid("1_2_ar").fors("sjukpenning", "sjukersattning"), // 1 10 14 15 (remiss 2008-07-03: not 12)
        person("O18", K, pnr("1946-05-10", 48), "2007-03-05").slut("2008-01-01", "annat", "ej_arbetsfor").akt("FK").utb("forgymnasial").tid("2_5_ar").fors("sjukpenning", "sjukersattning"), // 1 (ends on the period's first day) 4 max 62 · 10 (spell ended 2007-12-31: not 15; uppföljning: not 2)
        // Earlier participants in the 2008H1 workbook (not aktuella).
        person("E01", K, pnr("1976-01-20", 91), "2007-02-05").slut("2007-12-31", "enligt_plan", "aktivt_arbetssokande").akt("AF").fors("aktivitetsstod", "aktivitetsstod"), // 2 (ended the day before the period); remiss in the period: not 12
        person("E02", M, pnr10("1982-04-30", 13), "2007-08-13").slut("2007-12-20", "avbrott", "ovrigt").akt("Socialtjänsten").utb("forgymnasial").fors("forsorjningsstod", "forsorjningsstod"), // 2; sick into 2008: not 15
        person("E03", K, pnr("1969-09-15", 84), "2007-01-22").slut("2007-10-12", "annan_insats", "annan_insats").akt("FK, AF").fors("sjukpenning", "aktivitetsstod"), // 2; AF åtgärd runs to 2008-03-31: not 11
        person("E04", M, pnr("1944-11-02", 77), "2006-10-02").slut("2007-06-29", "enligt_plan", "forvarvsarbete").akt("FK").utb("forgymnasial").fors("sjukpenning", "arbete"), // 2 (age 64 if wrongly counted)
        person("E05", K, pnr("1986-10-11", 25), "2007-03-26").slut("2007-11-30", "enligt_plan", "studier").akt("Socialtjänsten").fors("forsorjningsstod", "studier"), // 2 (uppföljning on the period's last day)
        person("E06", M, pnr10("1974-02-19", 57), "2007-05-14").slut("2007-12-31", "enligt_plan", "forvarvsarbete").akt("AF").fors("a_kassa", "arbete").listad("2008H1"), // not 2: uppföljning 2008-07-02 (in the August export)
        person("E07", K, pnr("1979-06-05", 32), "2007-04-10").slut("2007-09-28", "flytt", "ovrigt").akt("VC").utan_samtycke().fors("sjukpenning", "okand"), // not 2: no consent
        // Would count in many figures but must not.
        person("N01", K, pnr("1984-07-21", 86), "2007-10-08").slut("2008-11-28", "enligt_plan", "forvarvsarbete").akt("FK, VC").utomnordisk().ensam().utan_samtycke().fors("sjukpenning", "arbete"), // no consent (vårdcentralprojektet): not 1 5 6 7 8 10 11 12 13 14 15 16 17
        person("N02", M, pnr10("1970-09-03", 54), "2008-02-25").akt("AF, FK").utan_samtycke().fors("sjukpenning:50+aktivitetsstod:50", ""), // no consent: not 1 6 10 11 12 15
        person("F01", K, kod("SIG-031", 1990), "2008-04-07").slut("2008-04-09", "felregistrering", "").akt("Socialtjänsten").utomnordisk().ensam().fors("forsorjningsstod", ""), // felregistrering: not 1 4 (age 18) 5 6 7 8 10 12 13 16
        person("X01", M, pnr("1988-02-17", 36), "2008-07-01").akt("AF").tid("1_2_ar").listad("2008H1").fors("sjukpenning:50+aktivitetsstod:50", ""), // registered at export, starts the day after the period: not 1 5 6 15
    ]
}

/// The events of the people above. Dates in the period are what the figures count.
fn sigma_2008h1_events() -> Vec<Event> {
    vec![
        gb("U01", "2008-06-30"), // the day she started, the period's last day: 10
        //
        gb("U02", "2007-09-10"),
        stod("U02", "2007-09-10", "2008-08-29"),
        praktik("U02", "2008-02-04", "2008-05-30"),
        remiss("U02", "2008-03-10", "af_rehab", "utredning"),
        //
        gb("U03", "2007-10-24"),
        stod("U03", "2007-10-29", ""),
        remiss("U03", "2008-01-17", "psykiatri", "utredning"),
        samtal("U03", "2008-02-05"),
        lss("U03", "2008-02-12", "informerad", ""),
        ers("U03", "2008-02-28", "AE", "ansokt"),
        lss("U03", "2008-03-03", "ansokt", "kontaktperson"),
        praktik("U03", "2008-04-07", "2008-06-27"),
        lss("U03", "2008-04-22", "beviljad", "kontaktperson"),
        remiss("U03", "2008-05-13", "af_rehab", "insats"), // a second counted remiss: still one person
        ers("U03", "2008-06-17", "AE", "beviljad"),
        //
        gb("U04", "2008-01-14"),
        samtal("U04", "2008-01-29"),
        remiss("U04", "2008-02-01", "af_rehab", "insats"),
        atgard("U04", "2008-02-18", "2008-06-13"),
        uppf("U04", "2008-10-07"), // 2008H2: an earlier participant there
        //
        gb("U05", "2007-11-08"),
        stod("U05", "2007-11-12", "2007-12-21"), // ended before the period: not 16
        praktik("U05", "2007-11-19", "2008-03-14"), // began in 2007: 11
        remiss("U05", "2008-01-10", "beroendevard", "insats"),
        //
        gb("U06", "2007-08-29"),
        stod("U06", "2007-09-03", "2008-08-29"),
        lss("U06", "2008-01-22", "informerad", ""),
        ers("U06", "2008-01-30", "AE", "ansokt"),
        lss("U06", "2008-02-04", "ansokt", "daglig_verksamhet"),
        remiss("U06", "2008-02-25", "habilitering", "utredning"),
        lss("U06", "2008-03-18", "beviljad", "daglig_verksamhet"),
        ers("U06", "2008-05-20", "AE", "beviljad"),
        //
        sjuk("U07", "2008-01-07", "2008-04-30", 50),
        gb("U07", "2008-03-05"),
        atgard("U07", "2008-03-17", "2008-09-26"),
        remiss("U07", "2008-03-24", "af_fk_samverkan", "insats"),
        stod("U07", "2008-07-07", ""), // starts after the period: not 16
        //
        gb("U08", "2007-12-05"),
        praktik("U08", "2008-01-21", "2008-06-27"),
        stod("U08", "2008-02-01", "2008-06-30"),
        remiss("U08", "2008-02-14", "psykiatri", "utredning"),
        samtal("U08", "2008-02-26"),
        lss("U08", "2008-05-06", "informerad", "radgivning"),
        samtal("U08", "2008-05-20"), // her second: 17 counts samtal, not people
        lss("U08", "2008-06-10", "ansokt", "kontaktperson"),
        lss("U08", "2008-07-08", "beviljad", "kontaktperson"), // after the period: not 13 beviljad
        //
        gb("U09", "2007-06-14"),
        atgard("U09", "2007-07-02", "2008-02-29"), // began in 2007, runs into the period: 11
        remiss("U09", "2008-01-15", "af_rehab", "utredning"),
        praktik("U09", "2008-04-07", "2008-10-31"),
        //
        gb("U10", "2007-04-19"),
        stod("U10", "2007-04-23", "2008-12-12"),
        praktik("U10", "2007-09-03", "2008-12-12"), // began in 2007, continues: 11
        remiss("U10", "2008-02-11", "arbetsmarknadsenhet", "insats"),
        samtal("U10", "2008-03-11"),
        //
        sjuk("U11", "2007-11-19", "2008-05-31", 100),
        gb("U11", "2008-02-06"),
        remiss("U11", "2008-03-04", "sjukgymnastik", "insats"), // routine, beside a counted one
        remiss("U11", "2008-04-15", "af_fk_samverkan", "insats"),
        praktik("U11", "2008-06-02", "2008-09-30"),
        //
        gb("U12", "2007-10-03"),
        remiss("U12", "2008-01-28", "psykiatri", "utredning"),
        lss("U12", "2008-04-08", "informerad", "kontaktperson"),
        samtal("U12", "2008-04-22"),
        lss("U12", "2008-05-05", "ansokt", "kontaktperson"),
        ers("U12", "2008-05-19", "AE", "forlangning_bedomd"),
        lss("U12", "2008-06-16", "avslag", "kontaktperson"), // refused: not 13 beviljad
        //
        gb("U13", "2007-05-10"),
        atgard("U13", "2007-10-01", "2008-03-31"),
        remiss("U13", "2008-02-20", "af_rehab", "insats"),
        praktik("U13", "2008-04-14", "2008-06-19"),
        //
        gb("U14", "2008-01-23"),
        praktik("U14", "2008-02-11", "2008-05-09"),
        remiss("U14", "2008-03-05", "sjukgymnastik", "insats"), // routine and his only one: not 12
        uppf("U14", "2008-09-16"),
        //
        sjuk("U15", "2007-09-01", "", 50), // open: 15
        gb("U15", "2007-09-19"),
        stod("U15", "2008-01-14", "2008-06-30"),
        remiss("U15", "2008-02-07", "psykiatri", "utredning"),
        ers("U15", "2008-03-12", "AE", "ansokt"),
        ers("U15", "2008-06-24", "AE", "avslag"),
        //
        gb("U16", "2007-11-28"),
        atgard("U16", "2007-12-03", "2008-05-30"),
        lss("U16", "2007-12-11", "informerad", ""), // before the period: not 13
        samtal("U16", "2007-12-18"),                // 2007H2 workbook: not 17
        remiss("U16", "2008-01-08", "af_fk_samverkan", "insats"),
        //
        gb("O01", "2007-11-14"),
        stod("O01", "2007-11-19", ""),
        lss("O01", "2008-03-04", "informerad", ""),
        lss("O01", "2008-03-25", "ansokt", "kontaktperson"),
        praktik("O01", "2008-05-05", "2008-08-29"),
        lss("O01", "2008-05-27", "beviljad", "kontaktperson"),
        //
        sjuk("O02", "2007-10-01", "2008-02-15", 50),
        gb("O02", "2007-10-04"),
        remiss("O02", "2008-01-22", "af_fk_samverkan", "insats"),
        atgard("O02", "2008-03-03", "2008-06-30"),
        samtal("O02", "2008-03-18"),
        //
        gb("O03", "2007-03-22"),
        stod("O03", "2007-03-26", "2008-11-14"),
        praktik("O03", "2008-01-14", "2008-10-31"),
        remiss("O03", "2008-02-28", "psykiatri", "utredning"),
        samtal("O03", "2008-04-08"),
        //
        gb("O04", "2008-02-20"),
        atgard("O04", "2008-03-03", "2008-12-19"),
        remiss("O04", "2008-04-02", "af_rehab", "utredning"),
        //
        gb("O05", "2008-01-30"),
        remiss("O05", "2008-02-21", "rontgen", "utredning"), // routine and her only one: not 12
        praktik("O05", "2008-03-10", "2008-06-13"),
        //
        gb("O06", "2007-08-30"),
        praktik("O06", "2007-09-17", "2007-12-14"),
        atgard("O06", "2008-01-21", "2008-08-29"),
        remiss("O06", "2008-05-13", "af_rehab", "insats"),
        //
        gb("O07", "2007-12-12"),
        sjuk("O07", "2008-01-01", "2008-03-31", 25), // starts on the period's first day: 15
        remiss("O07", "2008-01-09", "af_fk_samverkan", "insats"),
        praktik("O07", "2008-04-14", "2008-06-19"),
        //
        gb("O08", "2007-06-07"),
        stod("O08", "2007-06-11", ""),
        remiss("O08", "2008-01-31", "psykiatri", "insats"),
        samtal("O08", "2008-02-19"),
        praktik("O08", "2008-03-03", "2008-08-29"),
        samtal("O08", "2008-06-03"),
        //
        gb("O09", "2007-09-26"),
        praktik("O09", "2007-10-08", "2007-12-14"), // ended before the period: not 11
        sjuk("O09", "2007-12-01", "2008-05-31", 100),
        remiss("O09", "2008-02-12", "af_fk_samverkan", "utredning"),
        ers("O09", "2008-03-20", "SE", "ansokt"),
        ers("O09", "2008-06-12", "SE", "avslag"),
        //
        gb("O10", "2007-05-24"),
        sjuk("O10", "2007-06-01", "2008-02-11", 100),
        ers("O10", "2007-11-05", "SE", "ansokt"), // before the period
        ers("O10", "2008-02-12", "SE", "beviljad"), // only a decision in the period: not 14
        praktik("O10", "2008-02-18", "2008-03-31"),
        //
        gb("O11", "2008-01-09"),
        remiss("O11", "2008-01-24", "af_fk_samverkan", "insats"),
        sjuk("O11", "2008-02-01", "2008-06-15", 50),
        praktik("O11", "2008-05-05", "2008-06-27"),
        //
        gb("O12", "2008-02-06"),
        remiss_ej("O12", "2008-04-21", "vardcentral", "utredning"), // Räknas = nej on a counted destination: not 12
        sjuk("O12", "2008-06-30", "2008-09-12", 100), // starts on the period's last day: 15
        //
        gb("O13", "2007-02-15"),
        remiss("O13", "2007-12-28", "psykiatri", "utredning"), // before the period: not 12
        sjuk("O13", "2008-01-15", "2008-06-30", 50),
        ers("O13", "2008-02-19", "SE", "forlangning_bedomd"),
        //
        gb("O14", "2008-03-12"),
        atgard("O14", "2008-04-07", "2008-10-31"),
        sjuk("O14", "2008-07-01", "2008-08-15", 100), // starts the day after the period: not 15
        //
        sjuk("O15", "2007-03-12", "", 100),
        gb("O15", "2007-04-05"),
        remiss("O15", "2008-03-18", "sjukgymnastik", "insats"),
        remiss("O15", "2008-04-09", "rontgen", "utredning"),
        ers("O15", "2008-05-06", "SE", "ansokt"),
        //
        gb("O16", "2007-01-18"),
        ers("O16", "2008-04-10", "SE", "forlangning_bedomd"),
        praktik("O16", "2008-07-01", "2008-10-31"), // starts the day after the period: not 11
        //
        sjuk("O17", "2006-11-20", "2008-08-31", 100),
        gb("O17", "2007-10-31"),
        ers("O17", "2008-04-02", "SE", "ansokt"),
        remiss("O17", "2008-07-03", "af_fk_samverkan", "insats"), // after the period: not 12
        ers("O17", "2008-08-19", "SE", "beviljad"),
        //
        sjuk("O18", "2007-01-08", "2007-12-31", 100), // ends the day before the period: not 15
        gb("O18", "2007-03-08"),
        ers("O18", "2007-10-15", "SE", "ansokt"),
        ers("O18", "2007-12-20", "SE", "beviljad"),
        uppf("O18", "2008-05-14"), // ended 2008-01-01, so aktuell, not an earlier participant: not 2
        //
        gb("E01", "2007-02-08"),
        uppf("E01", "2008-02-18"),
        remiss("E01", "2008-02-20", "af_rehab", "utredning"),
        gb("E02", "2007-08-15"),
        sjuk("E02", "2007-11-01", "2008-02-29", 100),
        uppf("E02", "2008-01-10"),
        gb("E03", "2007-01-25"),
        atgard("E03", "2007-09-03", "2008-03-31"),
        uppf("E03", "2008-04-03"),
        gb("E04", "2006-10-05"),
        uppf("E04", "2008-01-08"),
        gb("E05", "2007-03-29"),
        uppf("E05", "2008-06-30"),
        gb("E06", "2007-05-16"),
        uppf("E06", "2008-07-02").i(&["2008H1", "2008H2"]), // in the August export and in 2008H2
        gb("E07", "2007-04-12"),
        uppf("E07", "2008-03-05"),
        //
        sjuk("N01", "2007-09-15", "2008-09-30", 100),
        gb("N01", "2007-10-10"),
        stod("N01", "2007-10-15", "2008-06-30"),
        remiss("N01", "2008-02-12", "af_fk_samverkan", "insats"),
        praktik("N01", "2008-03-03", "2008-05-30"),
        lss("N01", "2008-03-13", "informerad", ""),
        samtal("N01", "2008-04-15"), // no consent: not 17 either
        ers("N01", "2008-04-10", "AE", "ansokt"),
        sjuk("N02", "2008-01-10", "2008-03-16", 50),
        gb("N02", "2008-03-10"),
        atgard("N02", "2008-03-17", "2008-09-30"),
        remiss("N02", "2008-03-20", "af_fk_samverkan", "insats"),
        //
        gb("F01", "2008-04-07"),
        stod("F01", "2008-04-07", "2008-04-09"),
        remiss("F01", "2008-04-08", "psykiatri", "utredning"),
        lss("F01", "2008-04-08", "informerad", ""),
        //
        sjuk("X01", "2008-03-10", "2008-08-31", 50), // in the 2008H1 workbook, but he is not aktuell: not 15
        gb("X01", "2008-07-01"),
        atgard("X01", "2008-07-14", ""),
    ]
}

/// The group's meetings in 2008H1: Thursday group meetings (23 planned: 17 held, 6
/// cancelled), four mapping meetings with the whole group (and one cancelled), three
/// information meetings, and the extra meeting of 2008-07-01 that the August export holds.
fn sigma_2008h1_meetings() -> Vec<Meeting> {
    let held = |date: &str| Meeting::new(date, "grupptraff", "");
    let cancelled = |date: &str, orsak: &'static str| Meeting::new(date, "grupptraff", orsak);
    vec![
        held("2008-01-10"),
        held("2008-01-17"),
        held("2008-01-24"),
        held("2008-01-31"),
        held("2008-02-07"),
        held("2008-02-14"),
        cancelled("2008-02-21", "semester"), // sportlov
        held("2008-02-28"),
        held("2008-03-06"),
        held("2008-03-13"),
        cancelled("2008-03-20", "obligatoriskt_mote"),
        held("2008-03-27"),
        held("2008-04-03"),
        held("2008-04-10"),
        cancelled("2008-04-17", "obligatoriskt_mote"), // FK's reorganisation
        held("2008-04-24"),
        cancelled("2008-05-01", "helgdag"), // första maj and Kristi himmelfärd
        held("2008-05-08"),
        held("2008-05-15"),
        held("2008-05-22"),
        cancelled("2008-05-29", "sjukdom"),
        held("2008-06-05"),
        cancelled("2008-06-12", "semester"),
        Meeting::new("2008-07-01", "grupptraff", "").i(&["2008H1", "2008H2"]), // after the period: not 18
        Meeting::new("2008-02-13", "kartlaggningstraff", ""),
        Meeting::new("2008-03-26", "kartlaggningstraff", ""),
        Meeting::new("2008-04-23", "kartlaggningstraff", ""),
        Meeting::new("2008-05-21", "kartlaggningstraff", ""),
        Meeting::new("2008-06-04", "kartlaggningstraff", "sjukdom"), // cancelled: not 17
        Meeting::new("2008-02-27", "informationstraff", ""),         // praktiksamordnare and AME
        Meeting::new("2008-04-16", "informationstraff", ""),         // kvinnojouren
        Meeting::new("2008-05-14", "informationstraff", ""),         // samverkan FK–AF
    ]
}

/// Cases discussed without identity: 4 in 2008H1, and one occasion before it.
fn sigma_anonymous() -> Vec<(NaiveDate, u32)> {
    vec![
        (d("2007-09-20"), 1),
        (d("2007-12-15"), 2), // 2007H2 workbook: not 3
        (d("2008-01-31"), 1),
        (d("2008-03-13"), 2),
        (d("2008-05-22"), 1),
        (d("2008-09-25"), 2),
        (d("2008-11-20"), 1),
    ]
}

/// What happens to SIGMA 2008H1's people in the other half-years beyond the table above:
/// follow-ups and a new start, by hand; the rest comes from `extra_events`.
fn sigma_people_elsewhere() -> Vec<Event> {
    vec![uppf("O10", "2008-09-09"), uppf("O02", "2008-11-04")]
}

fn sigma(numbers: &mut BTreeSet<String>) -> Project {
    let mut rng = Rng(0x5167_4d41);
    let mut people = sigma_2008h1_people();
    let mut events = sigma_2008h1_events();
    events.extend(sigma_people_elsewhere());
    // Extra events of the hand-written people, outside 2008H1 only.
    let windows = [
        (d("2007-01-01"), d("2007-12-14")),
        (d("2008-07-02"), d("2008-12-19")),
    ];
    let mut extra = Vec::new();
    for person in &people {
        extra.extend(extra_events(&mut rng, person, &events, &windows));
    }
    events.extend(extra);
    numbers.extend(people.iter().map(|p| p.id.clone()));
    // Participants who left before 2008 (the 2007 workbooks)…
    for i in 1..=12 {
        let (person, evs) = sigma_2007_leaver(&mut rng, i, numbers);
        people.push(person);
        events.extend(evs);
    }
    // …and those who start in 2008H2.
    for i in 1..=6 {
        let inskriven = rng.day(d("2008-07-02"), d("2008-11-28"));
        let avslutad = (i == 6).then(|| d("2008-12-19"));
        let (person, evs) = generic_person(
            &mut rng,
            &Generic {
                key: format!("B{i:02}"),
                project: "SIGMA",
                local_prefix: "SIG",
                inskriven,
                avslutad,
                followups_before: d(DATA_END),
                horizon: d(FIRST_END),
                young_share: 0.45,
            },
            numbers,
        );
        people.push(person);
        events.extend(evs);
    }
    let mut meetings = sigma_2008h1_meetings();
    for h in ["2007H1", "2007H2", "2008H2"] {
        meetings.extend(weekly_meetings(&mut rng, half(h), Weekday::Thu));
    }
    // Between the holidays: planned, then cancelled (2007H2 workbook: not 18).
    meetings.push(Meeting::new("2007-12-28", "grupptraff", "semester"));
    Project {
        name: "SIGMA",
        people,
        events,
        meetings,
        anonymous: sigma_anonymous(),
    }
}

// ---------------------------------------------------------------------------------------
// KOMPIS: an invented second project of the same förbund, generated.
// ---------------------------------------------------------------------------------------

fn kompis(numbers: &mut BTreeSet<String>) -> Project {
    use Sex::K;
    let mut rng = Rng(0x4b4f_4d50_4953);
    // O12 of SIGMA was in KOMPIS first: the same person and number in both projects.
    // Her KOMPIS åtgärd, särskilt stöd and remiss reach into 2008 and must not count for
    // SIGMA (events are read from the project's own submissions).
    let mut people = vec![
        person("O12", K, pnr("1957-03-03", 22), "2007-03-05")
            .slut("2008-01-31", "annan_insats", "annan_insats")
            .akt("AF")
            .utb("forgymnasial")
            .tid("2_5_ar")
            .fors("aktivitetsstod", "aktivitetsstod"),
    ];
    let mut events = vec![
        gb("O12", "2007-03-08"),
        stod("O12", "2007-03-12", "2008-01-31"),
        atgard("O12", "2007-10-01", "2008-01-31"),
        remiss("O12", "2008-01-15", "af_rehab", "insats"),
    ];
    for i in 1..=84 {
        let inskriven = rng.day(d("2006-05-02"), d("2008-11-28"));
        let length = rng.range(100, 520);
        let planned_end = inskriven + TimeDelta::days(length);
        let mut avslutad = Some(planned_end).filter(|&a| a <= d(FIRST_END));
        // A few are registered by mistake and closed within days.
        if i % 37 == 0 {
            avslutad = Some(inskriven + TimeDelta::days(rng.range(0, 4)));
        }
        // Those who left before 2007 belong to workbooks this collection does not have.
        if avslutad.is_some_and(|a| a < d("2007-01-01")) {
            continue;
        }
        let (mut person, evs) = generic_person(
            &mut rng,
            &Generic {
                key: format!("K{i:02}"),
                project: "KOMPIS",
                local_prefix: "KOM",
                inskriven,
                avslutad,
                followups_before: d(DATA_END),
                horizon: d(FIRST_END),
                young_share: 0.45,
            },
            numbers,
        );
        if avslutad.is_none() {
            person.planned_end = Some(planned_end);
        }
        if i % 37 == 0 {
            person.orsak = "felregistrering";
            person.status = "";
            person.fore = "okand".into();
            people.push(person);
            continue;
        }
        people.push(person);
        events.extend(evs);
    }
    let mut meetings = Vec::new();
    for h in &HALVES[..4] {
        meetings.extend(weekly_meetings(&mut rng, half(h), Weekday::Tue));
    }
    let mut anonymous = Vec::new();
    for h in &HALVES[..4] {
        let h = half(h);
        for _ in 0..rng.range(1, 3) {
            anonymous.push((
                weekday(rng.day(
                    h.start() + TimeDelta::days(14),
                    h.end() - TimeDelta::days(14),
                )),
                rng.range(1, 3) as u32,
            ));
        }
    }
    Project {
        name: "KOMPIS",
        people,
        events,
        meetings,
        anonymous,
    }
}

// ---------------------------------------------------------------------------------------
// 2009–2011, drawn after both projects' first four half-years so that those stay as they
// were: who leaves and how, newcomers, meetings, and everyone's income after the end.
// ---------------------------------------------------------------------------------------

/// How the SIGMA 2008H1 people still in SIGMA at the end of 2008 leave it, by hand: key,
/// avslutad, avslutsorsak, status efter avslut, and income just after the end.
#[rustfmt::skip]
const SIGMA_2008H1_LEAVERS: [(&str, &str, &str, &str, &str); 17] = [
    ("O11", "2009-01-30", "enligt_plan", "forvarvsarbete", "arbete"),                 // back full time
    ("U11", "2009-02-27", "enligt_plan", "forvarvsarbete", "arbete"),                 // after the praktik
    ("N02", "2009-02-27", "enligt_plan", "aktivt_arbetssokande", "aktivitetsstod"),   // no consent
    ("O14", "2009-03-13", "enligt_plan", "aktivt_arbetssokande", "a_kassa"),
    ("U07", "2009-03-31", "enligt_plan", "forvarvsarbete", "arbete"),
    ("O06", "2009-04-30", "enligt_plan", "forvarvsarbete", "arbete"),                 // lönebidrag counts as arbete
    ("O04", "2009-05-29", "enligt_plan", "aktivt_arbetssokande", "aktivitetsstod"),
    ("O12", "2009-06-12", "enligt_plan", "aktivt_arbetssokande", "aktivitetsstod"),
    ("U03", "2009-06-26", "annan_insats", "annan_insats", "aktivitetsersattning"),    // daglig verksamhet (LSS)
    ("U15", "2009-08-28", "enligt_plan", "forvarvsarbete", "arbete:50+sjukpenning:50"), // half time: not self-supporting
    ("U08", "2009-09-30", "enligt_plan", "aktivt_arbetssokande", "aktivitetsstod"),
    ("X01", "2009-10-30", "enligt_plan", "aktivt_arbetssokande", "aktivitetsstod"),
    ("U01", "2009-11-27", "enligt_plan", "studier", "studier"),                       // komvux
    ("O01", "2009-12-18", "avbrott", "ovrigt", "forsorjningsstod"),
    ("O08", "2010-02-26", "sjukdom", "ej_arbetsfor", "sjukersattning"),
    ("U12", "2010-05-28", "annan_insats", "annan_insats", "aktivitetsersattning"),
    ("O16", "2010-12-17", "enligt_plan", "forvarvsarbete", "sjukersattning:50+arbete:50"),
];

/// What leaving is like for those who leave one project in one year: how they leave
/// (avslutsorsak, and status for those who leave as planned) and, month by month after the
/// end, the chance that someone not self-supporting starts to work or study (`gain`) and
/// that someone self-supporting stops (`loss`).
struct Outlook {
    orsak: [(&'static str, u32); 6],
    plan: [(&'static str, u32); 4],
    gain: f64,
    loss: f64,
}

/// SIGMA holds steady. KOMPIS, a project for young adults from 2009, gets clearly better
/// from 2008 to 2010: more leave as planned, more of them for work or studies, and more of
/// the rest find work in the year after. The 2007–2008 leavers were drawn with the first
/// weights below, which both projects keep until 2008.
fn outlook(project: &str, year: i32) -> Outlook {
    let first = |gain, loss| Outlook {
        orsak: orsak(55, 12, 6, 8, 14, 5),
        plan: plan(35, 20, 30, 15),
        gain,
        loss,
    };
    match (project, year) {
        ("KOMPIS", ..=2008) => first(0.015, 0.05),
        ("KOMPIS", 2009) => Outlook {
            orsak: orsak(65, 10, 5, 6, 10, 4),
            plan: plan(40, 25, 25, 10),
            gain: 0.04,
            loss: 0.025,
        },
        ("KOMPIS", _) => Outlook {
            orsak: orsak(72, 8, 4, 4, 9, 3),
            plan: plan(45, 28, 20, 7),
            gain: 0.06,
            loss: 0.015,
        },
        _ => first(0.02, 0.03),
    }
}

/// Weights of the avslutsorsaker.
fn orsak(
    plan: u32,
    avbrott: u32,
    flytt: u32,
    sjukdom: u32,
    annan_insats: u32,
    annat: u32,
) -> [(&'static str, u32); 6] {
    [
        ("enligt_plan", plan),
        ("avbrott", avbrott),
        ("flytt", flytt),
        ("sjukdom", sjukdom),
        ("annan_insats", annan_insats),
        ("annat", annat),
    ]
}

/// Weights of the status of those who leave as planned.
fn plan(arbete: u32, studier: u32, soker: u32, insats: u32) -> [(&'static str, u32); 4] {
    [
        ("forvarvsarbete", arbete),
        ("studier", studier),
        ("aktivt_arbetssokande", soker),
        ("annan_insats", insats),
    ]
}

/// Income month by month for two years after `p`'s end (`Person::after`): it starts with
/// the income just after the end (which agrees with the status) and changes as `o` says.
/// The month of the first change comes from `u`, a uniform number spread evenly over the
/// people of a cohort who start alike (see `later_years`), so that a cohort of 25 tells
/// the story of its outlook rather than the luck of its draws; later changes are drawn
/// month by month. Someone who moved away drops out of the register after a few months,
/// and now and then the register has nothing around the six-month point.
fn follow_up(rng: &mut Rng, p: &Person, o: &Outlook, u: f64) -> Vec<Option<String>> {
    let end = p.avslutad.expect("someone who left");
    let young = p.young_at_start();
    let months = if p.orsak == "flytt" {
        rng.range(1, 4)
    } else {
        24
    };
    let gap = rng.chance(0.05);
    let six = end + Months::new(6);
    let mut now = start_of_follow_up(p).to_string();
    // Geometric: the first change comes in month 2 + m with chance h (1 − h)^m.
    let h = hazard(&now, o);
    let mut first = (h > 0.0).then(|| 2 + ((1.0 - u).ln() / (1.0 - h).ln()).floor() as i64);
    (1..=24)
        .map(|k: u32| {
            if k > 1 {
                match first {
                    Some(month) if month == i64::from(k) => {
                        now = change(rng, &now, young, o);
                        first = None;
                    }
                    Some(_) => {}
                    None => {
                        if rng.chance(hazard(&now, o)) {
                            now = change(rng, &now, young, o);
                        }
                    }
                }
            }
            let date = first_of_next_month(end) + Months::new(k - 1);
            let missing = i64::from(k) > months || (gap && (date - six).num_days().abs() <= 35);
            (!missing).then(|| now.clone())
        })
        .collect()
}

/// The income just after the end.
fn start_of_follow_up(p: &Person) -> &str {
    if p.efter.is_empty() {
        &p.fore
    } else {
        &p.efter
    }
}

/// What kind of income `sources` is, for the chances of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    /// Work, studies or no public income only: self-supporting.
    SelfSupporting,
    /// Sjuk- or aktivitetsersättning, which seldom ends.
    Ersattning,
    Sick,
    /// Looking for work, on försörjningsstöd, or not known.
    Other,
}

fn standing(sources: &str) -> Standing {
    let kallor: Vec<&str> = sources
        .split('+')
        .map(|source| source.split(':').next().unwrap_or(""))
        .collect();
    if kallor
        .iter()
        .all(|k| ["arbete", "studier", "ingen_offentlig"].contains(k))
    {
        Standing::SelfSupporting
    } else if kallor
        .iter()
        .any(|k| ["sjukersattning", "aktivitetsersattning"].contains(k))
    {
        Standing::Ersattning
    } else if kallor.contains(&"sjukpenning") {
        Standing::Sick
    } else {
        Standing::Other
    }
}

/// The chance of a change in one month.
fn hazard(sources: &str, o: &Outlook) -> f64 {
    match standing(sources) {
        // Studies also end in work (a change that keeps them self-supporting).
        Standing::SelfSupporting if sources.contains("studier") => o.loss + 0.03,
        Standing::SelfSupporting => o.loss,
        Standing::Ersattning => o.gain * 0.1,
        // Or the sick leave turns into sjuk- or aktivitetsersättning.
        Standing::Sick => o.gain * 0.4 + 0.015,
        Standing::Other => o.gain,
    }
}

/// What the income becomes when it changes: work or studies start or stop, sick leave
/// may turn into sjuk- or aktivitetsersättning.
fn change(rng: &mut Rng, sources: &str, young: bool, o: &Outlook) -> String {
    let starts = |rng: &mut Rng| {
        if young && rng.chance(0.35) {
            "studier"
        } else {
            "arbete"
        }
    };
    match standing(sources) {
        Standing::SelfSupporting
            if sources.contains("studier") && rng.chance(0.03 / hazard(sources, o)) =>
        {
            "arbete"
        }
        Standing::SelfSupporting if sources.contains("arbete") => rng.pick(&[
            ("a_kassa", 2),
            ("aktivitetsstod", 1),
            ("forsorjningsstod", 1),
        ]),
        Standing::SelfSupporting => rng.pick(&[("aktivitetsstod", 1), ("forsorjningsstod", 1)]),
        Standing::Sick if rng.chance(0.015 / hazard(sources, o)) => {
            if young {
                "aktivitetsersattning"
            } else {
                "sjukersattning"
            }
        }
        _ => starts(rng),
    }
    .to_string()
}

/// What a project's later years look like.
struct Later {
    /// The generator's keys for newcomers start with this.
    key: &'static str,
    local_prefix: &'static str,
    young_share: f64,
    /// Newcomers in 2009H1, 2009H2, …, 2011H2.
    newcomers: [usize; 6],
    /// Days in the project, for newcomers and for those whose end is not drawn yet.
    length: (i64, i64),
    meetings_on: Weekday,
}

/// The later years of `project`: everyone still in it at `FIRST_END` leaves when their
/// time comes (events in 2009–2011 along the way), newcomers arrive every half-year,
/// meetings and anonymous cases go on, and everyone who left is followed up month by month.
fn later_years(project: &mut Project, rng: &mut Rng, numbers: &mut BTreeSet<String>, l: &Later) {
    let name = project.name;
    let windows: Vec<(NaiveDate, NaiveDate)> = HALVES[4..]
        .iter()
        .map(|h| {
            let h = half(h);
            (
                h.start() + TimeDelta::days(7),
                h.end() - TimeDelta::days(12),
            )
        })
        .collect();
    for i in 0..project.people.len() {
        let p = &project.people[i];
        if p.inskriven > d(FIRST_END)
            || p.avslutad.is_some_and(|a| a <= d(FIRST_END))
            || p.orsak == "felregistrering"
        {
            continue;
        }
        let mut own = Rng::keyed(&[name, &p.key, "slutar"]);
        if p.avslutad.is_none() {
            // Not before 2009: the first collection has them in the project all 2008.
            let days_left = (d(FIRST_END) - p.inskriven).num_days() + 14;
            let end = weekday(p.planned_end.unwrap_or_else(|| {
                let shortest = l.length.0.max(days_left);
                let days = own.range(shortest, l.length.1.max(shortest + 60));
                p.inskriven + TimeDelta::days(days)
            }));
            if end <= d(DATA_END) {
                let young = p.young_at_start();
                let p = &mut project.people[i];
                p.avslutad = Some(end);
                leave(&mut own, p, young, &outlook(name, end.year()));
            }
        }
        let p = &project.people[i];
        let mut events = extra_events(rng, p, &project.events, &windows);
        if let Some(end) = p.avslutad
            && own.chance(0.35)
        {
            let date = weekday(end + TimeDelta::days(own.range(60, 200)));
            if date < d(DATA_END) {
                events.push(uppf(&p.key, date));
            }
        }
        project.events.extend(events);
    }
    let mut n = 0;
    for (&count, h) in l.newcomers.iter().zip(&HALVES[4..]) {
        let h = half(h);
        for _ in 0..count {
            n += 1;
            let inskriven = rng.day(
                h.start() + TimeDelta::days(3),
                h.end() - TimeDelta::days(10),
            );
            let length = rng.range(l.length.0, l.length.1);
            // Now and then someone is registered by mistake and closed within days.
            let felregistrering = n % 41 == 0;
            let avslutad = if felregistrering {
                Some(inskriven + TimeDelta::days(rng.range(0, 4)))
            } else {
                Some(weekday(inskriven + TimeDelta::days(length))).filter(|&a| a <= d(DATA_END))
            };
            let (mut person, events) = generic_person(
                rng,
                &Generic {
                    key: format!("{}{n:03}", l.key),
                    project: name,
                    local_prefix: l.local_prefix,
                    inskriven,
                    avslutad,
                    followups_before: d(DATA_END),
                    horizon: d(DATA_END),
                    young_share: l.young_share,
                },
                numbers,
            );
            if felregistrering {
                person.orsak = "felregistrering";
                person.status = "";
                person.fore = "okand".into();
            } else {
                person.no_income = rng.chance(0.04);
                project.events.extend(events);
            }
            project.people.push(person);
        }
    }
    for h in &HALVES[4..] {
        let h = half(h);
        project
            .meetings
            .extend(weekly_meetings(rng, h, l.meetings_on));
        for _ in 0..rng.range(1, 3) {
            project.anonymous.push((
                weekday(rng.day(
                    h.start() + TimeDelta::days(14),
                    h.end() - TimeDelta::days(14),
                )),
                rng.range(1, 3) as u32,
            ));
        }
    }
    // Follow-up: within each cohort (the year of the end) and standing just after the end,
    // the uniform numbers of the first change are spread evenly, in a shuffled order.
    let mut cohorts: BTreeMap<(i32, Standing), Vec<usize>> = BTreeMap::new();
    for (i, p) in project.people.iter().enumerate() {
        if let Some(end) = p.avslutad
            && p.orsak != "felregistrering"
            && p.after.is_empty()
        {
            cohorts
                .entry((end.year(), standing(start_of_follow_up(p))))
                .or_default()
                .push(i);
        }
    }
    for ((year, standing), people) in cohorts {
        let n = people.len() as f64;
        let mut order = Rng::keyed(&[name, &year.to_string(), &format!("{standing:?}")]);
        let mut slots: Vec<usize> = (0..people.len()).collect();
        for j in (1..slots.len()).rev() {
            let k = usize::try_from(order.range(0, j as i64)).expect("an index");
            slots.swap(j, k);
        }
        for (i, slot) in people.into_iter().zip(slots) {
            let p = &project.people[i];
            let mut own = Rng::keyed(&[name, &p.key, "följs upp"]);
            let u = (slot as f64 + own.unit()) / n;
            let after = follow_up(&mut own, p, &outlook(name, year), u);
            project.people[i].after = after;
        }
    }
}

fn sigma_later(project: &mut Project, numbers: &mut BTreeSet<String>) {
    let mut rng = Rng(0x5349_474d_4132);
    for (key, avslutad, orsak, status, efter) in SIGMA_2008H1_LEAVERS {
        let p = project.person_mut(key);
        assert!(p.avslutad.is_none(), "SIGMA {key} has left already");
        p.avslutad = Some(d(avslutad));
        p.orsak = orsak;
        p.status = status;
        p.efter = efter.into();
    }
    // More who left in 2007, and a few short stays in 2008H2, so that each year has some
    // 25 leavers. They are not aktuella in 2008H1 and have no uppföljning in it.
    for i in 13..=19 {
        let (person, events) = sigma_2007_leaver(&mut rng, i, numbers);
        project.people.push(person);
        project.events.extend(events);
    }
    for i in 7..=11 {
        let inskriven = rng.day(d("2008-07-02"), d("2008-09-12"));
        let avslutad = rng.day(inskriven + TimeDelta::days(60), d("2008-12-19"));
        let (mut person, events) = generic_person(
            &mut rng,
            &Generic {
                key: format!("B{i:02}"),
                project: "SIGMA",
                local_prefix: "SIG",
                inskriven,
                avslutad: Some(avslutad),
                followups_before: d(DATA_END),
                horizon: d(DATA_END),
                young_share: 0.45,
            },
            numbers,
        );
        // Most who leave within a few months broke off.
        let young = person.young_at_start();
        let short = Outlook {
            orsak: orsak(15, 45, 15, 10, 10, 5),
            ..outlook("SIGMA", 2008)
        };
        leave(
            &mut Rng::keyed(&["SIGMA", &person.key, "slutar"]),
            &mut person,
            young,
            &short,
        );
        project.people.push(person);
        project.events.extend(events);
    }
    later_years(
        project,
        &mut rng,
        numbers,
        &Later {
            key: "C",
            local_prefix: "SIG",
            young_share: 0.45,
            newcomers: [18, 15, 16, 15, 14, 15],
            length: (90, 540),
            meetings_on: Weekday::Thu,
        },
    );
}

fn kompis_later(project: &mut Project, numbers: &mut BTreeSet<String>) {
    let mut rng = Rng(0x004b_4f4d_5049_5332);
    // O12 went on to SIGMA the day after she left: KOMPIS followed her up for a year, on
    // aktivitetsstöd as in SIGMA.
    project.person_mut("O12").after = vec![Some("aktivitetsstod".to_string()); 12];
    later_years(
        project,
        &mut rng,
        numbers,
        &Later {
            key: "L",
            local_prefix: "KOM",
            young_share: 0.8,
            newcomers: [18, 21, 22, 18, 18, 17],
            length: (100, 480),
            meetings_on: Weekday::Tue,
        },
    );
}

// ---------------------------------------------------------------------------------------
// The model: people, events, meetings, and how they become workbooks.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sex {
    K,
    M,
}

/// How a person is identified in the workbooks.
#[derive(Debug, Clone)]
enum IdSpec {
    /// A personnummer (or samordningsnummer) for someone born on `born`; `serial` is the
    /// first two digits of the birth number, the third is made odd for men, even for women.
    Number {
        born: NaiveDate,
        serial: u32,
        dash: bool,
        samordning: bool,
    },
    /// A project-local code: kön and födelseår are then written out.
    Local { code: String, born_year: i32 },
}

/// YYYYMMDDNNNC.
fn pnr(born: &str, serial: u32) -> IdSpec {
    number_spec(born, serial, false, false)
}

/// YYMMDD-NNNC.
fn pnr10(born: &str, serial: u32) -> IdSpec {
    number_spec(born, serial, true, false)
}

/// A samordningsnummer (day of birth + 60), twelve digits.
fn samnr(born: &str, serial: u32) -> IdSpec {
    number_spec(born, serial, false, true)
}

/// A samordningsnummer, ten digits with a dash.
fn samnr10(born: &str, serial: u32) -> IdSpec {
    number_spec(born, serial, true, true)
}

fn number_spec(born: &str, serial: u32, dash: bool, samordning: bool) -> IdSpec {
    IdSpec::Number {
        born: d(born),
        serial,
        dash,
        samordning,
    }
}

fn kod(code: &str, born_year: i32) -> IdSpec {
    IdSpec::Local {
        code: code.to_string(),
        born_year,
    }
}

/// The written number: the birth number's last digit odd for men and even for women,
/// the Luhn check digit over YYMMDDNNN (weights 2, 1, 2, 1, …).
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
    let check = luhn(&core);
    if dash {
        format!("{}-{}{check}", &core[..6], &core[6..])
    } else {
        format!("{}{core}{check}", born.year() / 100)
    }
}

fn luhn(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, digit)| {
            let product = digit * if i % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

#[derive(Debug, Clone)]
struct Person {
    /// The generator's own name for the person; never written.
    key: String,
    /// What the Personnummer/kod column holds.
    id: String,
    local: bool,
    sex: Sex,
    born_year: i32,
    inskriven: NaiveDate,
    avslutad: Option<NaiveDate>,
    orsak: &'static str,
    status: &'static str,
    /// As typed into Aktualiserad av: codes, labels or aliases, comma separated.
    akt: &'static str,
    utomnordisk: &'static str,
    ensam: bool,
    samtycke: bool,
    utb: &'static str,
    tid: &'static str,
    /// Income sources at the start and after the end: `källa[:omfattning]` joined by `+`.
    fore: String,
    efter: String,
    /// Half-years whose workbook lists the person although the dates do not say so.
    listad: Vec<HalfYear>,
    /// For someone still in the project at `FIRST_END`: the day they leave, when it was
    /// drawn with the first collection.
    planned_end: Option<NaiveDate>,
    /// Income month by month after the end: the sources on the first of the k-th month
    /// after it at index k − 1, `None` where the register has nothing (see `follow_up`).
    after: Vec<Option<String>>,
    /// No income rows at all: a gap in the register.
    no_income: bool,
}

fn person(key: &str, sex: Sex, id: IdSpec, inskriven: &str) -> Person {
    let (id, local, born_year) = match id {
        IdSpec::Number {
            born,
            serial,
            dash,
            samordning,
        } => (
            written_number(born, serial, sex, dash, samordning),
            false,
            born.year(),
        ),
        IdSpec::Local { code, born_year } => (code, true, born_year),
    };
    Person {
        key: key.to_string(),
        id,
        local,
        sex,
        born_year,
        inskriven: d(inskriven),
        avslutad: None,
        orsak: "",
        status: "",
        akt: "",
        utomnordisk: "nej",
        ensam: false,
        samtycke: true,
        utb: "gymnasial",
        tid: "1_2_ar",
        fore: "okand".into(),
        efter: String::new(),
        listad: Vec::new(),
        planned_end: None,
        after: Vec::new(),
        no_income: false,
    }
}

impl Person {
    fn slut(mut self, avslutad: &str, orsak: &'static str, status: &'static str) -> Person {
        self.avslutad = Some(d(avslutad));
        self.orsak = orsak;
        self.status = status;
        self
    }
    fn akt(mut self, akt: &'static str) -> Person {
        self.akt = akt;
        self
    }
    fn utomnordisk(mut self) -> Person {
        self.utomnordisk = "ja";
        self
    }
    fn okant_ursprung(mut self) -> Person {
        self.utomnordisk = "okant";
        self
    }
    fn ensam(mut self) -> Person {
        self.ensam = true;
        self
    }
    fn utan_samtycke(mut self) -> Person {
        self.samtycke = false;
        self
    }
    fn utb(mut self, utb: &'static str) -> Person {
        self.utb = utb;
        self
    }
    fn tid(mut self, tid: &'static str) -> Person {
        self.tid = tid;
        self
    }
    fn fors(mut self, fore: &str, efter: &str) -> Person {
        self.fore = fore.into();
        self.efter = efter.into();
        self
    }
    fn listad(mut self, halvar: &str) -> Person {
        self.listad.push(half(halvar));
        self
    }

    /// In the register during `h` (whatever consent or felregistrering say).
    fn overlaps(&self, h: HalfYear) -> bool {
        self.inskriven <= h.end() && self.avslutad.is_none_or(|a| a >= h.start())
    }

    /// docs/definitions.md: aktuell in `h`.
    fn aktuell(&self, h: HalfYear) -> bool {
        self.overlaps(h) && self.samtycke && self.orsak != "felregistrering"
    }

    fn age(&self, h: HalfYear) -> i32 {
        h.year() - self.born_year
    }

    fn ungdom(&self, h: HalfYear) -> bool {
        (16..=29).contains(&self.age(h))
    }

    /// 16–29 when they started.
    fn young_at_start(&self) -> bool {
        self.inskriven.year() - self.born_year <= 29
    }

    /// The income rows after the end: date and sources, `källa[:omfattning]` joined by `+`.
    fn follow_up_rows(&self) -> impl Iterator<Item = (NaiveDate, &str)> + '_ {
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
    fn cells(&self, projekt: &str) -> Vec<(&'static str, Cell)> {
        let yes_no = |b: bool| text(if b { "ja" } else { "nej" });
        let mut cells = vec![
            ("person", text(&self.id)),
            ("projekt", text(projekt)),
            ("kon", text(if self.sex == Sex::K { "K" } else { "M" })),
            ("inskriven", Cell::Date(self.inskriven)),
            ("aktualiserad_av", text(self.akt)),
            ("utomnordisk", text(self.utomnordisk)),
            ("ensamstaende_med_barn", yes_no(self.ensam)),
            ("samtycke", yes_no(self.samtycke)),
            ("utbildningsniva", text(self.utb)),
            ("tid_utan_arbete", text(self.tid)),
            ("avslutsorsak", text(self.orsak)),
            ("status_efter_avslut", text(self.status)),
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

/// One row of an event table, still by column name and with codes (not labels).
#[derive(Debug, Clone)]
struct Event {
    person: String,
    table: &'static str,
    /// The day that places the row in a half-year.
    date: NaiveDate,
    cells: Vec<(&'static str, Cell)>,
    /// Explicit workbooks; empty: the workbook of `date` (see the module comment).
    i: Vec<HalfYear>,
}

impl Event {
    /// Put the row in these workbooks instead.
    fn i(mut self, halves: &[&str]) -> Event {
        self.i = halves.iter().copied().map(half).collect();
        self
    }

    fn text(&self, column: &str) -> &str {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, cell)| match cell {
                Cell::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .unwrap_or("")
    }

    fn date_of(&self, column: &str) -> Option<NaiveDate> {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, cell)| match cell {
                Cell::Date(d) => Some(*d),
                _ => None,
            })
    }

    /// An insats or sjukskrivning that overlaps `h`.
    fn overlaps(&self, h: HalfYear, from: &str, to: &str) -> bool {
        let start = self.date_of(from).expect("a start date");
        start <= h.end() && self.date_of(to).is_none_or(|end| end >= h.start())
    }
}

/// A date argument: `"2008-01-14"`, `""` for none, or a date.
trait IntoDay {
    fn into_day(self) -> Option<NaiveDate>;
}

impl IntoDay for &str {
    fn into_day(self) -> Option<NaiveDate> {
        (!self.is_empty()).then(|| d(self))
    }
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

fn insats(person: &str, typ: &'static str, start: impl IntoDay, slut: impl IntoDay) -> Event {
    let start = start.into_day().expect("an insats has a start");
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
fn gb(person: &str, date: impl IntoDay) -> Event {
    insats(person, "gemensam_bedomning", date, "")
}

fn praktik(person: &str, start: impl IntoDay, slut: impl IntoDay) -> Event {
    insats(person, "praktik", start, slut)
}

fn atgard(person: &str, start: impl IntoDay, slut: impl IntoDay) -> Event {
    insats(person, "arbetsmarknadsatgard", start, slut)
}

/// Särskilt stöd from the project leader.
fn stod(person: &str, start: impl IntoDay, slut: impl IntoDay) -> Event {
    insats(person, "sarskilt_stod", start, slut)
}

/// A flerpartssamtal: one occasion.
fn samtal(person: &str, date: impl IntoDay) -> Event {
    insats(person, "flerpartssamtal", date, "")
}

/// A short follow-up of an earlier participant.
fn uppf(person: &str, date: impl IntoDay) -> Event {
    insats(person, "uppfoljning", date, "")
}

fn remiss(person: &str, date: impl IntoDay, till: &'static str, syfte: &'static str) -> Event {
    let date = date.into_day().expect("a remiss has a date");
    event(
        person,
        "remisser",
        date,
        vec![
            ("person", text(person)),
            ("datum", Cell::Date(date)),
            ("till", text(till)),
            ("syfte", text(syfte)),
        ],
    )
}

/// A remiss marked Räknas = nej although its destination counts.
fn remiss_ej(person: &str, date: impl IntoDay, till: &'static str, syfte: &'static str) -> Event {
    let mut remiss = remiss(person, date, till, syfte);
    remiss.cells.push(("raknas", text("nej")));
    remiss
}

fn sjuk(person: &str, fran: impl IntoDay, till: impl IntoDay, omfattning: u32) -> Event {
    let fran = fran.into_day().expect("a spell has a start");
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

fn lss(person: &str, date: impl IntoDay, handelse: &'static str, insats: &'static str) -> Event {
    let date = date.into_day().expect("an LSS step has a date");
    event(
        person,
        "lss",
        date,
        vec![
            ("person", text(person)),
            ("datum", Cell::Date(date)),
            ("handelse", text(handelse)),
            ("insats", text(insats)),
        ],
    )
}

fn ers(person: &str, date: impl IntoDay, typ: &'static str, handelse: &'static str) -> Event {
    let date = date.into_day().expect("an ersättning step has a date");
    event(
        person,
        "ersattning",
        date,
        vec![
            ("person", text(person)),
            ("datum", Cell::Date(date)),
            ("typ", text(typ)),
            ("handelse", text(handelse)),
        ],
    )
}

fn forsorjning(person: &str, date: NaiveDate, kalla: &str, omfattning: Option<f64>) -> Event {
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
struct Meeting {
    date: NaiveDate,
    typ: &'static str,
    /// Empty when the meeting was held.
    orsak: &'static str,
    i: Vec<HalfYear>,
}

impl Meeting {
    fn new(date: &str, typ: &'static str, orsak: &'static str) -> Meeting {
        Meeting {
            date: d(date),
            typ,
            orsak,
            i: Vec::new(),
        }
    }

    fn i(mut self, halves: &[&str]) -> Meeting {
        self.i = halves.iter().copied().map(half).collect();
        self
    }

    fn halves(&self) -> Vec<HalfYear> {
        if self.i.is_empty() {
            vec![HalfYear::containing(self.date)]
        } else {
            self.i.clone()
        }
    }
}

struct Project {
    name: &'static str,
    people: Vec<Person>,
    events: Vec<Event>,
    meetings: Vec<Meeting>,
    anonymous: Vec<(NaiveDate, u32)>,
}

/// A row on its way into a sheet: sorted by date, then by person, then written.
type SortedRow = (NaiveDate, String, Vec<(&'static str, Cell)>);

/// About two months after the half-year: what a workbook can know.
fn export_date(h: HalfYear) -> NaiveDate {
    h.end() + Months::new(2)
}

impl Project {
    fn person(&self, key: &str) -> &Person {
        self.people
            .iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("{}: no person {key}", self.name))
    }

    fn person_mut(&mut self, key: &str) -> &mut Person {
        let name = self.name;
        self.people
            .iter_mut()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("{name}: no person {key}"))
    }

    /// The workbooks that list `person` in Deltagare: the half-years of their
    /// participation, of their follow-ups (an uppföljning, or income rows after the end),
    /// and any given by hand.
    fn listed(&self, person: &Person) -> BTreeSet<HalfYear> {
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

    /// The workbooks an event of `person` goes into; `None` for an income row the export
    /// of its workbook is too early to know.
    fn place(&self, event: &Event, listed: &BTreeSet<HalfYear>) -> Option<Vec<HalfYear>> {
        if !event.i.is_empty() {
            for h in &event.i {
                assert!(
                    listed.contains(h),
                    "{} {}: not listed in {h}",
                    self.name,
                    event.person
                );
            }
            return Some(event.i.clone());
        }
        let own = HalfYear::containing(event.date);
        let first = *listed
            .first()
            .unwrap_or_else(|| panic!("{} {}: listed nowhere", self.name, event.person));
        let placed = if listed.contains(&own) {
            own
        } else if own < first {
            first
        } else {
            *listed.range(..own).next_back().expect("an earlier listing")
        };
        if event.date > export_date(placed) {
            assert_eq!(
                event.table, "forsorjning",
                "{} {}: {} {} is after the export of {placed}",
                self.name, event.person, event.table, event.date
            );
            return None;
        }
        Some(vec![placed])
    }

    /// Income rows: at the start, the first of each month of participation, and the first
    /// of each month for two years after the end (`Person::after`).
    fn income(&self, person: &Person) -> Vec<Event> {
        let mut rows = Vec::new();
        if person.no_income {
            return rows;
        }
        let mut add = |date: NaiveDate, sources: &str| {
            for source in sources.split('+').filter(|s| !s.is_empty()) {
                let (kalla, omfattning) = match source.split_once(':') {
                    Some((k, o)) => (k, Some(o.parse::<f64>().expect("a share"))),
                    None => (source, None),
                };
                rows.push(forsorjning(&person.key, date, kalla, omfattning));
            }
        };
        add(person.inskriven, &person.fore);
        let last = person.avslutad.unwrap_or(d(DATA_END));
        let mut month = first_of_next_month(person.inskriven);
        while month < last {
            add(month, &person.fore);
            month = month + Months::new(1);
        }
        for (date, sources) in person.follow_up_rows() {
            add(date, sources);
        }
        rows
    }

    /// Every workbook's rows, by table, in the schema's column order.
    fn workbooks(&self, schema: &Schema) -> Vec<(HalfYear, FilledRows)> {
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
            for event in own.cloned().chain(self.income(person)) {
                for h in self.place(&event, &listed).unwrap_or_default() {
                    let mut cells = event.cells.clone();
                    // Events name the person by the generator's key until here.
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
                let mut cells = vec![
                    ("datum", Cell::Date(meeting.date)),
                    ("typ", text(meeting.typ)),
                    (
                        "genomfort",
                        text(if meeting.orsak.is_empty() {
                            "ja"
                        } else {
                            "nej"
                        }),
                    ),
                ];
                if !meeting.orsak.is_empty() {
                    cells.push(("orsak", text(meeting.orsak)));
                }
                add(h, "moten", meeting.date, meeting.typ, cells);
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
                            .collect();
                        (table.to_string(), rows)
                    })
                    .collect();
                (h, rows)
            })
            .collect()
    }

    /// Every number is valid for its person (Luhn, date, kön), and no two people share one.
    fn check_numbers(&self) -> Result<(), String> {
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
        for event in &self.events {
            self.person(&event.person);
        }
        Ok(())
    }
}

/// A row in the table's column order; codes become the labels the template's drop-downs show.
fn render(schema: &Schema, table: &str, cells: &[(&str, Cell)]) -> Vec<Cell> {
    let def = schema
        .table(table)
        .unwrap_or_else(|| panic!("no table {table}"));
    for (name, _) in cells {
        assert!(def.column(name).is_some(), "{table} has no column {name}");
    }
    def.columns
        .iter()
        .map(|column| {
            let cell = cells
                .iter()
                .find(|(name, _)| *name == column.name)
                .map_or(Cell::Empty, |(_, cell)| cell.clone());
            match (&column.kind, cell) {
                (ColumnKind::Code { list }, Cell::Text(code)) if !code.is_empty() => {
                    let list = schema.code_list(list).expect("a code list");
                    let label = list
                        .get(&code)
                        .unwrap_or_else(|| panic!("{table}.{}: no code {code}", column.name))
                        .label
                        .clone();
                    Cell::Text(label)
                }
                (_, Cell::Text(t)) if t.is_empty() => Cell::Empty,
                (_, cell) => cell,
            }
        })
        .collect()
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

fn d(date: &str) -> NaiveDate {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_else(|_| panic!("not a date: {date}"))
}

fn half(h: &str) -> HalfYear {
    h.parse().expect("a half-year")
}

fn first_of_next_month(date: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(date.year(), date.month(), 1).expect("a first of month")
        + Months::new(1)
}

/// A weekend day moves to the Monday after.
fn weekday(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date + TimeDelta::days(2),
        Weekday::Sun => date + TimeDelta::days(1),
        _ => date,
    }
}

// ---------------------------------------------------------------------------------------
// The generator for everyone not written by hand.
// ---------------------------------------------------------------------------------------

/// A small deterministic PRNG (SplitMix64): the same files on every run.
struct Rng(u64);

impl Rng {
    /// A stream of its own (FNV-1a of `parts`), e.g. for one person: what is drawn from it
    /// does not depend on what was drawn before.
    fn keyed(parts: &[&str]) -> Rng {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in parts.iter().flat_map(|p| p.bytes().chain([0])) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(hash)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).expect("lo ≤ hi");
        lo + i64::try_from(self.next() % span).expect("a small span")
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A number in `0.0..1.0`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / ((1u64 << 53) as f64)
    }

    fn pick<T: Copy>(&mut self, weighted: &[(T, u32)]) -> T {
        let total: u32 = weighted.iter().map(|(_, w)| w).sum();
        let mut ticket = self.range(0, i64::from(total) - 1);
        for &(item, weight) in weighted {
            ticket -= i64::from(weight);
            if ticket < 0 {
                return item;
            }
        }
        weighted[weighted.len() - 1].0
    }

    /// A weekday in `from..=to` (or `from` when the range is empty).
    fn day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = (to - from).num_days().max(0);
        weekday(from + TimeDelta::days(self.range(0, days)))
    }
}

/// Weekly group meetings on `day` through a half-year, with summer and Christmas breaks,
/// cancellations with reasons, monthly mapping meetings and a couple of information meetings.
fn weekly_meetings(rng: &mut Rng, h: HalfYear, day: Weekday) -> Vec<Meeting> {
    let holidays = [
        "2007-01-01",
        "2007-01-05",
        "2007-04-06",
        "2007-04-09",
        "2007-05-01",
        "2007-05-17",
        "2007-06-06",
        "2007-06-22",
        "2007-12-24",
        "2007-12-25",
        "2007-12-26",
        "2007-12-31",
        "2008-01-01",
        "2008-03-21",
        "2008-03-24",
        "2008-05-01",
        "2008-05-12",
        "2008-06-06",
        "2008-06-20",
        "2008-12-24",
        "2008-12-25",
        "2008-12-26",
        "2008-12-31",
        "2009-01-01",
        "2009-01-06",
        "2009-04-10",
        "2009-04-13",
        "2009-05-01",
        "2009-05-21",
        "2009-06-19",
        "2009-12-24",
        "2009-12-25",
        "2009-12-31",
        "2010-01-01",
        "2010-01-06",
        "2010-04-02",
        "2010-04-05",
        "2010-05-13",
        "2010-06-25",
        "2010-12-24",
        "2010-12-31",
        "2011-01-06",
        "2011-04-22",
        "2011-04-25",
        "2011-06-02",
        "2011-06-06",
        "2011-06-24",
        "2011-12-26",
    ]
    .map(d);
    let (from, to) = if h.half() == 1 {
        (
            h.start() + TimeDelta::days(9),
            h.end() - TimeDelta::days(14),
        )
    } else {
        (
            h.start() + TimeDelta::days(44),
            h.end() - TimeDelta::days(7),
        )
    };
    let mut meetings = Vec::new();
    let mut date = from;
    while date.weekday() != day {
        date += TimeDelta::days(1);
    }
    let dated = |date: NaiveDate, typ: &'static str, orsak: &'static str| Meeting {
        date,
        typ,
        orsak,
        i: Vec::new(),
    };
    while date <= to {
        let orsak = if holidays.contains(&date) {
            "helgdag"
        } else if rng.chance(0.14) {
            rng.pick(&[
                ("semester", 2),
                ("obligatoriskt_mote", 3),
                ("sjukdom", 3),
                ("omorganisation", 1),
                ("annan", 1),
            ])
        } else {
            ""
        };
        meetings.push(dated(date, "grupptraff", orsak));
        date += TimeDelta::days(7);
    }
    let mut month = first_of_next_month(from - TimeDelta::days(1));
    while month <= to {
        let date = rng.day(month + TimeDelta::days(7), month + TimeDelta::days(20));
        let orsak = if rng.chance(0.15) { "sjukdom" } else { "" };
        meetings.push(dated(date, "kartlaggningstraff", orsak));
        month = month + Months::new(1);
    }
    for _ in 0..rng.range(1, 3) {
        meetings.push(dated(rng.day(from, to), "informationstraff", ""));
    }
    meetings
}

/// What the generator needs to make up one participant.
struct Generic {
    key: String,
    project: &'static str,
    /// Prefix of a project-local code, e.g. SIG.
    local_prefix: &'static str,
    inskriven: NaiveDate,
    avslutad: Option<NaiveDate>,
    /// Follow-ups only before this day.
    followups_before: NaiveDate,
    /// The last day the data knows of when the person is drawn: later decisions are left
    /// out, and insatser running past it stay open.
    horizon: NaiveDate,
    /// The chance of being 16–29 at the start.
    young_share: f64,
}

/// A SIGMA participant who started in 2006–2007 and left in 2007 (number `i`).
fn sigma_2007_leaver(
    rng: &mut Rng,
    i: u32,
    numbers: &mut BTreeSet<String>,
) -> (Person, Vec<Event>) {
    let inskriven = rng.day(d("2006-03-01"), d("2007-06-15"));
    let earliest = inskriven.max(d("2007-01-08")) + TimeDelta::days(60);
    let avslutad = rng
        .day(earliest.min(d("2007-12-10")), d("2007-12-10"))
        .max(d("2007-01-08"));
    generic_person(
        rng,
        &Generic {
            key: format!("A{i:02}"),
            project: "SIGMA",
            local_prefix: "SIG",
            inskriven,
            avslutad: Some(avslutad),
            followups_before: d("2008-01-01"),
            horizon: d(FIRST_END),
            young_share: 0.45,
        },
        numbers,
    )
}

fn generic_person(
    rng: &mut Rng,
    g: &Generic,
    numbers: &mut BTreeSet<String>,
) -> (Person, Vec<Event>) {
    let sex = if rng.chance(0.62) { Sex::K } else { Sex::M };
    let young = rng.chance(g.young_share);
    let age = if young {
        rng.range(19, 29)
    } else {
        rng.range(30, 63)
    };
    let born_year = g.inskriven.year() - i32::try_from(age).expect("an age");
    let born = NaiveDate::from_ymd_opt(
        born_year,
        u32::try_from(rng.range(1, 12)).expect("a month"),
        u32::try_from(rng.range(1, 28)).expect("a day"),
    )
    .expect("a birth date");
    let form = rng.pick(&[(0, 55), (1, 30), (2, 5), (3, 10)]);
    let spec = loop {
        let serial = u32::try_from(rng.range(10, 99)).expect("a serial");
        let spec = match form {
            0 => IdSpec::Number {
                born,
                serial,
                dash: false,
                samordning: false,
            },
            1 => IdSpec::Number {
                born,
                serial,
                dash: true,
                samordning: false,
            },
            2 => IdSpec::Number {
                born,
                serial,
                dash: false,
                samordning: true,
            },
            _ => IdSpec::Local {
                code: format!("{}-{:03}", g.local_prefix, 100 + serial * 3),
                born_year,
            },
        };
        let written = match &spec {
            IdSpec::Number {
                born,
                serial,
                dash,
                samordning,
            } => written_number(*born, *serial, sex, *dash, *samordning),
            IdSpec::Local { code, .. } => code.clone(),
        };
        if numbers.insert(written) {
            break spec;
        }
    };
    let mut p = person(
        &g.key,
        sex,
        spec,
        &g.inskriven.format("%Y-%m-%d").to_string(),
    );
    p.akt = rng.pick(&[
        ("FK", 5),
        ("AF", 5),
        ("Socialtjänsten", 5),
        ("VC", 3),
        ("FK, VC", 4),
        ("AF, FK", 3),
        ("Psykiatrin", 3),
        ("AF, Socialtjänsten", 3),
        ("AME", 1),
        ("Egen anmälan", 1),
        ("LSS", 1),
        ("Annan", 1),
    ]);
    p.utomnordisk = rng.pick(&[("nej", 80), ("ja", 10), ("okant", 10)]);
    p.ensam = rng.chance(if sex == Sex::K { 0.2 } else { 0.04 });
    p.samtycke = !rng.chance(0.04);
    p.utb = rng.pick(&[
        ("forgymnasial", 3),
        ("gymnasial", 5),
        ("eftergymnasial", 2),
        ("okand", 1),
    ]);
    p.tid = if young {
        rng.pick(&[
            ("under_1_ar", 3),
            ("1_2_ar", 3),
            ("2_5_ar", 2),
            ("aldrig_arbetat", 3),
            ("okand", 1),
        ])
    } else {
        rng.pick(&[
            ("under_1_ar", 3),
            ("1_2_ar", 3),
            ("2_5_ar", 3),
            ("over_5_ar", 2),
            ("okand", 1),
        ])
    };
    let fk = p.akt.contains("FK") || p.akt.contains("VC");
    p.fore = if p.akt.contains("Socialtjänsten") {
        rng.pick(&[
            ("forsorjningsstod", 4),
            ("forsorjningsstod:50+aktivitetsstod:50", 1),
        ])
    } else if fk {
        if young {
            rng.pick(&[("sjukpenning", 3), ("aktivitetsersattning", 2)])
        } else {
            rng.pick(&[
                ("sjukpenning", 4),
                ("sjukersattning:50+sjukpenning:50", 1),
                ("sjukersattning:25+arbete:75", 1),
            ])
        }
    } else if p.akt.contains("AF") || p.akt == "AME" {
        rng.pick(&[("aktivitetsstod", 3), ("a_kassa", 2)])
    } else if p.akt == "Psykiatrin" || p.akt == "LSS" {
        if young {
            "aktivitetsersattning"
        } else {
            "sjukpenning"
        }
    } else {
        rng.pick(&[
            ("okand", 1),
            ("forsorjningsstod", 1),
            ("ingen_offentlig", 1),
        ])
    }
    .to_string();
    if let Some(end) = g.avslutad {
        p.avslutad = Some(end);
        leave(rng, &mut p, young, &outlook(g.project, end.year()));
    }

    let key = g.key.as_str();
    let start = g.inskriven;
    let last = g.avslutad.unwrap_or(g.horizon);
    let ongoing_end =
        |end: NaiveDate| (end < last || g.avslutad.is_some()).then_some(end.min(last));
    let mut events = vec![gb(
        key,
        rng.day(start, (start + TimeDelta::days(10)).min(last)),
    )];
    if rng.chance(0.6) {
        let from = rng.day(start + TimeDelta::days(14), start + TimeDelta::days(100));
        if from < last {
            let end = ongoing_end(from + TimeDelta::days(rng.range(45, 200)));
            events.push(if rng.chance(0.5) {
                praktik(key, from, end)
            } else {
                atgard(key, from, end)
            });
        }
    }
    if rng.chance(0.3) {
        let from = rng.day(start, start + TimeDelta::days(30)).min(last);
        events.push(stod(
            key,
            from,
            ongoing_end(from + TimeDelta::days(rng.range(60, 300))),
        ));
    }
    for _ in 0..rng.pick(&[(0, 4), (1, 4), (2, 2)]) {
        let till = rng.pick(&[
            ("af_fk_samverkan", 3),
            ("af_rehab", 3),
            ("psykiatri", 3),
            ("beroendevard", 1),
            ("habilitering", 1),
            ("vardcentral", 1),
            ("socialtjanst", 1),
            ("arbetsmarknadsenhet", 1),
            ("annan", 1),
        ]);
        let syfte = rng.pick(&[("utredning", 1), ("insats", 1)]);
        events.push(remiss(key, rng.day(start, last), till, syfte));
    }
    if rng.chance(0.2) {
        let till = rng.pick(&[("sjukgymnastik", 3), ("rontgen", 2), ("annan_rutin", 1)]);
        events.push(remiss(key, rng.day(start, last), till, "utredning"));
    }
    if rng.chance(if fk { 0.55 } else { 0.15 }) {
        let from = weekday(start - TimeDelta::days(rng.range(30, 300)));
        let to = ongoing_end(start + TimeDelta::days(rng.range(30, 300)));
        events.push(sjuk(
            key,
            from,
            to,
            rng.pick(&[(25, 1), (50, 2), (75, 1), (100, 3)]),
        ));
    }
    if rng.chance(if young { 0.2 } else { 0.06 }) {
        let informed = rng.day(start + TimeDelta::days(20), start + TimeDelta::days(120));
        if informed < last {
            let what = rng.pick(&[
                ("kontaktperson", 3),
                ("daglig_verksamhet", 2),
                ("boende", 1),
                ("ledsagarservice", 1),
            ]);
            events.push(lss(key, informed, "informerad", ""));
            if rng.chance(0.6) {
                let applied = informed + TimeDelta::days(rng.range(14, 40));
                let decided = weekday(applied + TimeDelta::days(rng.range(30, 80)));
                events.push(lss(key, weekday(applied), "ansokt", what));
                if decided <= g.horizon {
                    let outcome = if rng.chance(0.7) {
                        "beviljad"
                    } else {
                        "avslag"
                    };
                    events.push(lss(key, decided, outcome, what));
                }
            }
        }
    }
    if rng.chance(if fk { 0.35 } else { 0.08 }) {
        let typ = if young { "AE" } else { "SE" };
        let date = rng.day(start + TimeDelta::days(30), last);
        let step = rng.pick(&[("ansokt", 7), ("forlangning_bedomd", 3)]);
        events.push(ers(key, date, typ, step));
        let decided = weekday(date + TimeDelta::days(rng.range(60, 150)));
        if step == "ansokt" && decided <= g.horizon && rng.chance(0.6) {
            events.push(ers(
                key,
                decided,
                typ,
                if rng.chance(0.6) {
                    "beviljad"
                } else {
                    "avslag"
                },
            ));
        }
    }
    for _ in 0..rng.pick(&[(0, 4), (1, 4), (2, 2)]) {
        events.push(samtal(key, rng.day(start, last)));
    }
    if let Some(end) = g.avslutad
        && rng.chance(0.35)
    {
        let date = weekday(end + TimeDelta::days(rng.range(60, 200)));
        if date < g.followups_before {
            events.push(uppf(key, date));
        }
    }
    // Decisions after the end would land in a workbook exported before them: leave them out.
    events.retain(|e| e.date <= last || e.text("typ") == "uppfoljning");
    (p, events)
}

/// More events for someone already in the project, only inside `windows` (never in
/// 2008H1): referrals, flerpartssamtal, and from 2008H2 on a praktik or a sick-leave spell
/// now and then.
fn extra_events(
    rng: &mut Rng,
    p: &Person,
    known: &[Event],
    windows: &[(NaiveDate, NaiveDate)],
) -> Vec<Event> {
    let mine: Vec<&Event> = known.iter().filter(|e| e.person == p.key).collect();
    let has = |table: &str, typ: &str| {
        mine.iter()
            .any(|e| e.table == table && (typ.is_empty() || e.text("typ") == typ))
    };
    let mut events = Vec::new();
    for &(from, to) in windows {
        let from = from.max(p.inskriven);
        let to = p.avslutad.map_or(to, |a| a.min(to));
        if from > to {
            continue;
        }
        let key = p.key.as_str();
        if rng.chance(0.35) {
            let till = rng.pick(&[
                ("af_fk_samverkan", 3),
                ("af_rehab", 3),
                ("psykiatri", 2),
                ("socialtjanst", 1),
            ]);
            events.push(remiss(
                key,
                rng.day(from, to),
                till,
                rng.pick(&[("utredning", 1), ("insats", 1)]),
            ));
        }
        if rng.chance(0.35) {
            events.push(samtal(key, rng.day(from, to)));
        }
        if from >= d("2008-07-01") {
            let open_praktik = mine.iter().any(|e| {
                e.table == "insatser"
                    && ["praktik", "arbetsmarknadsatgard"].contains(&e.text("typ"))
                    && e.date_of("slut").is_none_or(|s| s >= from)
            });
            if !open_praktik && rng.chance(0.4) {
                let start = rng.day(from, to);
                events.push(praktik(
                    key,
                    start,
                    (start + TimeDelta::days(rng.range(60, 150))).min(to),
                ));
            }
            if !has("sjukskrivning", "") && rng.chance(0.12) {
                let start = rng.day(from, to);
                events.push(sjuk(
                    key,
                    start,
                    (start + TimeDelta::days(rng.range(14, 90))).min(to),
                    100,
                ));
            }
        }
    }
    events
}

/// How `p` leaves: avslutsorsak, status efter avslut, and the income just after the end,
/// which agrees with the status.
fn leave(rng: &mut Rng, p: &mut Person, young: bool, o: &Outlook) {
    p.orsak = rng.pick(&o.orsak);
    p.status = match p.orsak {
        "enligt_plan" => rng.pick(&o.plan),
        "avbrott" => rng.pick(&[
            ("ovrigt", 4),
            ("aktivt_arbetssokande", 3),
            ("ej_arbetsfor", 3),
        ]),
        "flytt" => "ovrigt",
        "sjukdom" => "ej_arbetsfor",
        "annan_insats" => "annan_insats",
        _ => rng.pick(&[("ovrigt", 1), ("ej_arbetsfor", 1)]),
    };
    p.efter = match p.status {
        "forvarvsarbete" => rng
            .pick(&[("arbete", 4), ("arbete:75+sjukersattning:25", 1)])
            .to_string(),
        "studier" => "studier".to_string(),
        "aktivt_arbetssokande" => rng
            .pick(&[("aktivitetsstod", 2), ("a_kassa", 1)])
            .to_string(),
        "ej_arbetsfor" => (if young {
            "aktivitetsersattning"
        } else {
            "sjukersattning"
        })
        .to_string(),
        "ovrigt" => rng
            .pick(&[
                ("forsorjningsstod", 2),
                ("okand", 1),
                ("ingen_offentlig", 1),
            ])
            .to_string(),
        _ => p.fore.clone(),
    };
}

// ---------------------------------------------------------------------------------------
// The 18 figures of docs/definitions.md, computed from the model before anything is written.
// ---------------------------------------------------------------------------------------

struct Figures {
    aktuella: usize,
    uppfoljda: usize,
    anonyma: u32,
    alder: (i32, i32),
    ungdomar: usize,
    kon: (usize, usize),
    kon_ungdomar: (usize, usize),
    ensamstaende_kvinnor: usize,
    utomnordisk: usize,
    aktualiserad: BTreeMap<String, usize>,
    gemensam_bedomning: usize,
    praktik: usize,
    remitterade: usize,
    remiss_till: BTreeMap<String, usize>,
    lss_informerade: usize,
    lss_beviljade: usize,
    ersattning: usize,
    sjukskrivna: usize,
    sarskilt_stod: (usize, usize),
    kartlaggning: usize,
    flerpartssamtal: usize,
    grupptraffar: (usize, usize),
    installda: BTreeMap<String, usize>,
}

fn events_of<'a>(project: &'a Project, key: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
    project.events.iter().filter(move |e| e.person == key)
}

impl Figures {
    fn of(project: &Project, h: HalfYear) -> Figures {
        let in_period = |date: NaiveDate| date >= h.start() && date <= h.end();
        // Deltagare: the period's own workbook.
        let listed: Vec<&Person> = project
            .people
            .iter()
            .filter(|p| project.listed(p).contains(&h))
            .collect();
        let aktuella: Vec<&Person> = listed.iter().copied().filter(|p| p.aktuell(h)).collect();
        // Events: all of the project's workbooks (each event once).
        let insats = |p: &Person, typ: &str| {
            events_of(project, &p.key).any(|e| {
                e.table == "insatser" && e.text("typ") == typ && e.overlaps(h, "start", "slut")
            })
        };
        let count = |f: &dyn Fn(&Person) -> bool| aktuella.iter().filter(|p| f(p)).count();
        let remissed = |p: &Person, till: Option<&str>| {
            events_of(project, &p.key).any(|e| {
                e.table == "remisser"
                    && in_period(e.date)
                    && e.text("raknas") != "nej"
                    && !["sjukgymnastik", "rontgen", "annan_rutin"].contains(&e.text("till"))
                    && till.is_none_or(|t| e.text("till") == t)
            })
        };
        let step = |p: &Person, table: &str, steps: &[&str]| {
            events_of(project, &p.key).any(|e| {
                e.table == table && in_period(e.date) && steps.contains(&e.text("handelse"))
            })
        };
        let mut aktualiserad = BTreeMap::new();
        for p in &aktuella {
            for a in p.akt.split(',') {
                *aktualiserad.entry(a.trim().to_string()).or_default() += 1;
            }
        }
        let mut remiss_till = BTreeMap::new();
        for till in [
            "af_fk_samverkan",
            "af_rehab",
            "psykiatri",
            "beroendevard",
            "habilitering",
            "vardcentral",
            "socialtjanst",
            "arbetsmarknadsenhet",
            "annan",
        ] {
            let n = count(&|p| remissed(p, Some(till)));
            if n > 0 {
                remiss_till.insert(till.to_string(), n);
            }
        }
        // Occasions: the period's own workbook only.
        let meetings: Vec<&Meeting> = project
            .meetings
            .iter()
            .filter(|m| m.halves().contains(&h) && in_period(m.date))
            .collect();
        let mut installda = BTreeMap::new();
        for m in meetings
            .iter()
            .filter(|m| m.typ == "grupptraff" && !m.orsak.is_empty())
        {
            *installda.entry(m.orsak.to_string()).or_default() += 1;
        }
        let flerpartssamtal = aktuella
            .iter()
            .flat_map(|p| events_of(project, &p.key))
            .filter(|e| {
                e.table == "insatser" && e.text("typ") == "flerpartssamtal" && in_period(e.date)
            })
            .filter(|e| e.i.is_empty() || e.i.contains(&h))
            .count();
        let ungdomar: Vec<&Person> = aktuella.iter().copied().filter(|p| p.ungdom(h)).collect();
        let ages = aktuella.iter().map(|p| p.age(h));
        Figures {
            aktuella: aktuella.len(),
            uppfoljda: listed
                .iter()
                .filter(|p| {
                    p.avslutad.is_some_and(|a| a < h.start())
                        && p.samtycke
                        && p.orsak != "felregistrering"
                        && events_of(project, &p.key)
                            .any(|e| e.text("typ") == "uppfoljning" && in_period(e.date))
                })
                .count(),
            anonyma: project
                .anonymous
                .iter()
                .filter(|(date, _)| in_period(*date))
                .map(|(_, n)| n)
                .sum(),
            alder: (ages.clone().min().unwrap_or(0), ages.max().unwrap_or(0)),
            ungdomar: ungdomar.len(),
            kon: (count(&|p| p.sex == Sex::K), count(&|p| p.sex == Sex::M)),
            kon_ungdomar: (
                ungdomar.iter().filter(|p| p.sex == Sex::K).count(),
                ungdomar.iter().filter(|p| p.sex == Sex::M).count(),
            ),
            ensamstaende_kvinnor: count(&|p| p.sex == Sex::K && p.ensam),
            utomnordisk: count(&|p| p.utomnordisk == "ja"),
            aktualiserad,
            gemensam_bedomning: count(&|p| {
                events_of(project, &p.key)
                    .any(|e| e.text("typ") == "gemensam_bedomning" && e.date <= h.end())
            }),
            praktik: count(&|p| insats(p, "praktik") || insats(p, "arbetsmarknadsatgard")),
            remitterade: count(&|p| remissed(p, None)),
            remiss_till,
            lss_informerade: count(&|p| step(p, "lss", &["informerad"])),
            lss_beviljade: count(&|p| step(p, "lss", &["beviljad"])),
            ersattning: count(&|p| step(p, "ersattning", &["ansokt", "forlangning_bedomd"])),
            sjukskrivna: count(&|p| {
                events_of(project, &p.key)
                    .any(|e| e.table == "sjukskrivning" && e.overlaps(h, "fran", "till"))
            }),
            sarskilt_stod: (
                count(&|p| insats(p, "sarskilt_stod")),
                count(&|p| p.ungdom(h) && insats(p, "sarskilt_stod")),
            ),
            kartlaggning: meetings
                .iter()
                .filter(|m| m.typ == "kartlaggningstraff" && m.orsak.is_empty())
                .count(),
            flerpartssamtal,
            grupptraffar: (
                meetings
                    .iter()
                    .filter(|m| m.typ == "grupptraff" && m.orsak.is_empty())
                    .count(),
                meetings
                    .iter()
                    .filter(|m| m.typ == "grupptraff" && !m.orsak.is_empty())
                    .count(),
            ),
            installda,
        }
    }

    /// The figures of the real SIGMA-gruppen report for 2008H1.
    fn check_against_the_report(&self) -> Result<(), String> {
        let expected = [
            ("1 aktuella", self.aktuella, 34),
            ("2 uppföljda", self.uppfoljda, 5),
            ("3 anonyma", self.anonyma as usize, 4),
            ("4 lägsta ålder", self.alder.0 as usize, 19),
            ("4 högsta ålder", self.alder.1 as usize, 62),
            ("5 ungdomar", self.ungdomar, 16),
            ("6 kvinnor", self.kon.0, 22),
            ("6 män", self.kon.1, 12),
            ("6 unga kvinnor", self.kon_ungdomar.0, 9),
            ("6 unga män", self.kon_ungdomar.1, 7),
            (
                "7 ensamstående kvinnor med barn",
                self.ensamstaende_kvinnor,
                4,
            ),
            ("8 utomnordisk", self.utomnordisk, 2),
            ("10 gemensam bedömning", self.gemensam_bedomning, 34),
            ("11 praktik/åtgärd", self.praktik, 23),
            ("12 remitterade", self.remitterade, 22),
            ("13 LSS informerade", self.lss_informerade, 5),
            ("13 LSS beviljade", self.lss_beviljade, 3),
            ("14 SE/AE", self.ersattning, 9),
            ("15 sjukskrivna", self.sjukskrivna, 12),
            ("16 särskilt stöd", self.sarskilt_stod.0, 9),
            ("16 varav ungdomar", self.sarskilt_stod.1, 6),
            ("17 kartläggningsträffar", self.kartlaggning, 4),
            ("17 flerpartssamtal", self.flerpartssamtal, 10),
            ("18 gruppträffar hölls", self.grupptraffar.0, 17),
            ("18 ställdes in", self.grupptraffar.1, 6),
        ];
        let wrong: Vec<String> = expected
            .iter()
            .filter(|(_, got, want)| got != want)
            .map(|(name, got, want)| format!("{name}: {got}, ska vara {want}"))
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "SIGMA 2008H1 stämmer inte med rapporten:\n  {}",
                wrong.join("\n  ")
            ))
        }
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = |n: usize| (200 * n + self.aktuella) / (2 * self.aktuella.max(1));
        writeln!(
            f,
            "  1 aktuella {}; 2 uppföljda {}; 3 anonyma {}",
            self.aktuella, self.uppfoljda, self.anonyma
        )?;
        writeln!(
            f,
            "  4 ålder {}–{}; 5 ungdomar {} ({} %)",
            self.alder.0,
            self.alder.1,
            self.ungdomar,
            share(self.ungdomar)
        )?;
        writeln!(
            f,
            "  6 kvinnor {} ({} %), män {} ({} %); bland ungdomar {} / {}",
            self.kon.0,
            share(self.kon.0),
            self.kon.1,
            share(self.kon.1),
            self.kon_ungdomar.0,
            self.kon_ungdomar.1
        )?;
        writeln!(
            f,
            "  7 ensamstående kvinnor med barn {}; 8 utomnordisk {}",
            self.ensamstaende_kvinnor, self.utomnordisk
        )?;
        writeln!(
            f,
            "  9 aktualiserad av (som skrivet) {:?}",
            self.aktualiserad
        )?;
        writeln!(
            f,
            "  10 gemensam bedömning {}; 11 praktik/åtgärd {}",
            self.gemensam_bedomning, self.praktik
        )?;
        writeln!(
            f,
            "  12 remitterade {} {:?}",
            self.remitterade, self.remiss_till
        )?;
        writeln!(
            f,
            "  13 LSS informerade {}, beviljade {}; 14 SE/AE {}; 15 sjukskrivna {}",
            self.lss_informerade, self.lss_beviljade, self.ersattning, self.sjukskrivna
        )?;
        writeln!(
            f,
            "  16 särskilt stöd {} (ungdomar {})",
            self.sarskilt_stod.0, self.sarskilt_stod.1
        )?;
        writeln!(
            f,
            "  17 kartläggningsträffar {}, flerpartssamtal {}",
            self.kartlaggning, self.flerpartssamtal
        )?;
        write!(
            f,
            "  18 gruppträffar hölls {}, ställdes in {} {:?}",
            self.grupptraffar.0, self.grupptraffar.1, self.installda
        )
    }
}
