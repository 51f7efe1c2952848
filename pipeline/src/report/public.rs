//! What is published together (`--publik`).
//!
//! A public report is one page of a publication that a reader can complete by asking
//! again: the same report for every project and for `alla`. Disclosure control decides
//! over that whole publication at once ([`crate::disclosure`]), with the relations a
//! reader can use across it: `alla` is the sum of the projects (where the numbers do
//! add up; a person counted once in `alla` though in two projects makes it at most the
//! sum and at least each project). The same cell is then hidden or shown whichever page
//! shows it. The half-year report is
//! published per half-year, the outcome and participant tables per calendar year.
//! Selections a reader could subtract from each other (a list of projects, a half-year
//! beside its year, a range of years) are refused: see `docs/rojandekontroll.md`. Each
//! publication is protected together with everything published from the dataset before
//! it, and recorded ([`crate::disclosure::ledger`]).
//!
//! Every function here computes every project's report, so the engine it is given must
//! read every project (its underlag opened for `alla`): an engine opened for one project
//! would see the others as empty and protect a different publication.

use std::collections::BTreeMap;

use super::layout::Layout;
use super::tables;
use super::tables::TableReport;
use super::{QueryLibrary, Report, ReportError};
use crate::disclosure::ledger::Ledger;
use crate::disclosure::{CellId, DisclosureError, Publication};
use crate::display::Audience;
use crate::period::{HalfYear, Period};
use crate::query::Engine;
use crate::query::functions::ALL_PROJECTS;
use crate::store::Dataset;

/// The one selection a public report may have: a project or `alla`, as the
/// publication names it.
pub fn selection(projects: &[String]) -> Result<String, ReportError> {
    match projects {
        [one] if one.eq_ignore_ascii_case(ALL_PROJECTS) => Ok(ALL_PROJECTS.to_string()),
        [one] if !one.contains(',') => Ok(one.to_ascii_uppercase()),
        _ => Err(ReportError::PublicSelection(projects.join(", "))),
    }
}

/// The year of a public table report: outcome and participant tables are published
/// per calendar year only. A half-year beside its year would be a second, finer table of
/// the same people (the year minus one half gives the other), and a range of years a
/// sum of published years: both are refused.
pub fn year(period: Period) -> Result<i32, ReportError> {
    match period {
        Period::Year(year) => Ok(year),
        Period::Years(first, last) if first == last => Ok(first),
        Period::Half(_) | Period::Years(..) => Err(ReportError::PublicPeriod(period.to_string())),
    }
}

/// The report of `selection` out of a publication's reports; an error names the
/// selections there are when the dataset has no such project.
pub fn page<R>(reports: &mut BTreeMap<String, R>, selection: &str) -> Result<R, ReportError> {
    reports
        .remove(selection)
        .ok_or_else(|| ReportError::UnknownProject {
            unknown: selection.to_string(),
            known: reports.keys().cloned().collect::<Vec<_>>().join(", "),
        })
}

/// Every selection a reader can ask for: each project of the dataset, and `alla`.
fn selections(dataset: &Dataset) -> Result<Vec<String>, ReportError> {
    let manifest = dataset.manifest()?;
    let mut projects: Vec<String> = manifest.current().keys().map(|(p, _)| p.clone()).collect();
    projects.dedup();
    projects.push(ALL_PROJECTS.to_string());
    Ok(projects)
}

/// Cells of one selection's page, by the report's own keys.
type Page = BTreeMap<String, CellId>;

/// `alla` counts the people of the projects, for every cell: their sum where the numbers
/// add up, and otherwise (a person in two projects counts once in `alla`) at most the
/// sum and at least each project.
fn link_projects(publication: &mut Publication, pages: &BTreeMap<String, Page>) {
    let Some(all) = pages.get(ALL_PROJECTS) else {
        return;
    };
    for (key, total) in all {
        let parts: Vec<CellId> = pages
            .iter()
            .filter(|(selection, _)| *selection != ALL_PROJECTS)
            .filter_map(|(_, page)| page.get(key).copied())
            .collect();
        publication.union(*total, &parts);
    }
}

/// The publication of the half-year report for `period`, to be protected, with the
/// exact report of every selection.
pub async fn half_year(
    dataset: &Dataset,
    engine: &Engine,
    library: &QueryLibrary,
    layout: &Layout,
    period: HalfYear,
) -> Result<(Publication, BTreeMap<String, Report>), ReportError> {
    of_every_selection(
        dataset,
        async |selection: &str| {
            let projects = [selection.to_string()];
            super::exact_half_year(dataset, engine, library, layout, &projects, period).await
        },
        |publication, selection, report| {
            let sums = &layout.sums;
            super::disclosure::add(
                publication,
                selection,
                report,
                sums,
                layout.population.as_deref(),
            )
        },
    )
    .await
}

/// The publication of a table report (`library`) for `year`, to be protected, with the
/// exact report of every selection.
pub async fn tables(
    dataset: &Dataset,
    engine: &Engine,
    library: &QueryLibrary,
    year: i32,
) -> Result<(Publication, BTreeMap<String, TableReport>), ReportError> {
    of_every_selection(
        dataset,
        async |selection: &str| {
            let projects = [selection.to_string()];
            tables::build_exact(
                dataset,
                engine,
                library,
                &projects,
                Period::Year(year),
                tables::Breakdown::KonAlder,
            )
            .await
        },
        tables::add_to_publication,
    )
    .await
}

/// Every selection's exact report (`exact`), with its cells in one publication (`add`)
/// and `alla` linked to the projects ([`link_projects`]).
async fn of_every_selection<R>(
    dataset: &Dataset,
    mut exact: impl AsyncFnMut(&str) -> Result<R, ReportError>,
    add: impl Fn(&mut Publication, &str, &R) -> Result<Page, DisclosureError>,
) -> Result<(Publication, BTreeMap<String, R>), ReportError> {
    let mut publication = Publication::new();
    let mut pages = BTreeMap::new();
    let mut reports = BTreeMap::new();
    for selection in selections(dataset)? {
        let report = exact(&selection).await?;
        pages.insert(
            selection.clone(),
            add(&mut publication, &selection, &report)?,
        );
        reports.insert(selection, report);
    }
    link_projects(&mut publication, &pages);
    Ok((publication, reports))
}

/// One published report.
pub enum Published {
    HalfYear(Report),
    Tables(TableReport),
}

impl Published {
    /// `halvar/SIGMA_2008H1`, `utfall/alla_2009`: where a publication keeps it.
    pub fn name(&self) -> String {
        let (folder, head) = match self {
            Published::HalfYear(r) => ("halvar", &r.head),
            Published::Tables(r) => (r.fragor.as_str(), &r.head),
        };
        format!("{folder}/{}_{}", head.projekt.join("-"), head.period)
    }
}

/// Every public report the dataset allows, each publication decided once: the
/// half-year report for every half-year, and the table reports in `table_libraries`
/// for every year, each for every project and `alla`.
pub async fn everything(
    dataset: &Dataset,
    engine: &Engine,
    half_year_library: &QueryLibrary,
    table_libraries: &[QueryLibrary],
    threshold: i64,
) -> Result<Vec<Published>, ReportError> {
    let manifest = dataset.manifest()?;
    let halves: std::collections::BTreeSet<HalfYear> = manifest
        .current()
        .keys()
        .filter_map(|(_, h)| h.parse().ok())
        .collect();
    let years: std::collections::BTreeSet<i32> = halves.iter().map(HalfYear::year).collect();
    let layout = Layout::parse(
        half_year_library.text(super::layout::FILE)?,
        &format!("halvar/{}", super::layout::FILE),
    )?;
    // Every report is computed before the record is opened: it is locked only while
    // the publications are decided, one after the other, and written once.
    let mut publications = Vec::new();
    for half in halves {
        let (publication, reports) =
            half_year(dataset, engine, half_year_library, &layout, half).await?;
        let reports = reports
            .into_iter()
            .map(|(s, r)| (s, Published::HalfYear(r)));
        publications.push((publication, reports.collect::<Vec<_>>()));
    }
    for library in table_libraries {
        for year in &years {
            let (publication, reports) = tables(dataset, engine, library, *year).await?;
            let reports = reports.into_iter().map(|(s, r)| (s, Published::Tables(r)));
            publications.push((publication, reports.collect()));
        }
    }
    let mut ledger = Ledger::open(dataset.root())?;
    let mut published = Vec::new();
    for (publication, reports) in publications {
        let protected = ledger.publish(publication, threshold);
        for (selection, mut report) in reports {
            match &mut report {
                Published::HalfYear(r) => {
                    let audience = Audience::page(&protected, &selection, &r.head.period);
                    super::disclosure::present(r, &audience);
                }
                Published::Tables(r) => {
                    let audience = Audience::page(&protected, &selection, &r.head.period);
                    tables::present(r, &audience);
                }
            }
            published.push(report);
        }
    }
    ledger.save()?;
    beside_previous_pages(&mut published);
    Ok(published)
}

/// Each half-year page with the page of the same selection for the half-year before it
/// beside it, as a report asked for on its own shows it: values already published.
fn beside_previous_pages(published: &mut [Published]) {
    let pages: Vec<super::Report> = published
        .iter()
        .filter_map(|p| match p {
            Published::HalfYear(r) => Some(r.clone()),
            Published::Tables(_) => None,
        })
        .collect();
    for page in published.iter_mut() {
        let Published::HalfYear(report) = page else {
            continue;
        };
        let Ok(period) = report.head.period.parse::<HalfYear>() else {
            continue;
        };
        let before = period.previous().to_string();
        if let Some(previous) = pages
            .iter()
            .find(|p| p.head.period == before && p.head.projekt == report.head.projekt)
            && !report.head.inlamningar.is_empty()
        {
            super::beside_previous(report, previous);
        }
    }
}
