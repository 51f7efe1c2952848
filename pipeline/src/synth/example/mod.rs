//! The example scenario (`finsam synth --scenario exempel`): the submissions in
//! `examples/`, two invented projects, SIGMA and KOMPIS, over ten half-years
//! (2007H1–2011H2), one Excel workbook per project and half-year (20 in all), written by
//! the template's own writer ([`crate::template::write_filled_xlsx`]).
//!
//! Everyone is invented. SIGMA 2008H1 reproduces, figure for figure, the statistics of the
//! real SIGMA-gruppen half-year report for 2008-01-01 – 2008-06-30, computed as
//! docs/definitions.md defines them. Its people are set by hand in `sigma_2008h1.toml`
//! (`handset`), one line each with the figures they count in, with how those still in
//! SIGMA at the end of 2008 leave it; the scenario recomputes the 18 figures from what it
//! is about to write (`figures`) and stops if one differs. Everything else (the other
//! half-years' newcomers and leavers, the KOMPIS project, income rows, most meetings)
//! comes from the synthetic generator's random stream: the files are the same on every run.
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
//!   more of them for work or studies, and more find work later (`leaving::outlook`).
//!   Status efter avslut agrees with the income just after the end (a job with partial
//!   sjukersättning is förvärvsarbete but not självförsörjning).
//! - The first four half-years are drawn first, as if the data ended with 2008
//!   (`FIRST_END`), so that they stayed as they were when the collection had only them;
//!   the later years, the ends of those still in a project at the end of 2008, and
//!   everyone's income after the end are drawn afterwards (`projects::later_years`).
//!
//! Invariants: the files are committed, so the output must stay the same byte for byte
//! (tests/examples.rs compares them): the draws, their order and the hand-set file are
//! all part of it. Everything is built and checked before the first file is written.
//!
//! Layout: this file holds the public API and the driver; `handset` reads the hand-set
//! file, `projects` tells each project's story, `draw` makes up people, events and
//! meetings, `leaving` decides how people leave and fare after, `model` holds the types,
//! `workbooks` turns a project into rows, and `figures` recomputes the 18 figures.

mod draw;
mod figures;
mod handset;
mod leaving;
mod model;
mod projects;
mod workbooks;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{SynthError, io_error};
use crate::schema::Schema;
use crate::template::{FilledMeta, write_filled_xlsx};
use figures::Figures;
use model::half;
use workbooks::export_date;

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
/// drawn afterwards (`projects::later_years`), from streams of their own.
const FIRST_END: &str = "2008-12-31";

/// What [`write_example`] wrote.
#[derive(Debug, Clone)]
pub struct ExampleSummary {
    pub workbooks: Vec<WrittenWorkbook>,
    /// Files and folders in the output folder that the scenario did not write but
    /// `finsam ingest` would read as submissions too.
    pub others: Vec<PathBuf>,
    /// SIGMA 2008H1's 18 figures as docs/definitions.md counts them, a few lines of text.
    pub figures: String,
}

/// One workbook of the scenario.
#[derive(Debug, Clone)]
pub struct WrittenWorkbook {
    pub path: PathBuf,
    /// A file of that name was there before and was replaced.
    pub replaced: bool,
    /// Rows per table, for the tables with any.
    pub rows: Vec<(String, usize)>,
}

/// Writes the example scenario's 20 workbooks `SIGMA_<halvår>.xlsx` and
/// `KOMPIS_<halvår>.xlsx` into `out` (created if missing). Unlike [`super::generate`]
/// the folder need not be empty: the scenario replaces the files it owns, leaves
/// anything else alone and names it in [`ExampleSummary::others`].
pub fn write_example(out: &Path) -> Result<ExampleSummary, SynthError> {
    let schema = Schema::bundled()?;
    let scenario = SynthError::Scenario;
    let (mut sigma_hand, kompis_hand) = handset::read().map_err(scenario)?;
    let leavers = std::mem::take(&mut sigma_hand.leavers);
    // Numbers taken so far: a generated person never gets someone else's number.
    let mut numbers = BTreeSet::new();
    let mut sigma = projects::sigma(sigma_hand, &mut numbers);
    let mut kompis = projects::kompis(kompis_hand, &mut numbers);
    projects::sigma_later(&mut sigma, &leavers, &mut numbers);
    projects::kompis_later(&mut kompis, &mut numbers);
    let projects = [sigma, kompis];
    for project in &projects {
        project.check_numbers().map_err(scenario)?;
    }
    let figures = Figures::of(&projects[0], half("2008H1"));
    figures.check_against_the_report().map_err(scenario)?;
    let mut books = Vec::new();
    for project in &projects {
        for (halvar, rows) in project.workbooks(&schema).map_err(scenario)? {
            let meta = FilledMeta {
                projekt: project.name.to_string(),
                halvar,
                created: Some(export_date(halvar)),
            };
            books.push((
                out.join(format!("{}_{halvar}.xlsx", project.name)),
                meta,
                rows,
            ));
        }
    }

    if out.exists() && !out.is_dir() {
        return Err(SynthError::NotADirectory(out.to_path_buf()));
    }
    std::fs::create_dir_all(out).map_err(|source| io_error(out, source))?;
    let mut workbooks = Vec::new();
    for (path, meta, rows) in books {
        let replaced = path.exists();
        write_filled_xlsx(&schema, &meta, &rows, &path)?;
        let rows = rows
            .iter()
            .filter(|(_, r)| !r.is_empty())
            .map(|(t, r)| (t.clone(), r.len()))
            .collect();
        workbooks.push(WrittenWorkbook {
            path,
            replaced,
            rows,
        });
    }
    let owned: BTreeSet<&Path> = workbooks.iter().map(|w| w.path.as_path()).collect();
    let others = other_submissions(out, &owned);
    Ok(ExampleSummary {
        workbooks,
        others,
        figures: figures.to_string(),
    })
}

/// What else in `dir` `finsam ingest` would read as a submission: the scenario owns only
/// its workbooks, and anything else is left alone but named, so it is not taken in by
/// surprise.
fn other_submissions(dir: &Path, owned: &BTreeSet<&Path>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut others: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| !owned.contains(p.as_path()))
        .filter(|p| {
            p.is_dir()
                || p.extension().is_some_and(|e| {
                    ["xlsx", "xlsm", "xls", "ods", "csv"].contains(&&*e.to_string_lossy())
                })
        })
        .collect();
    others.sort();
    others
}
