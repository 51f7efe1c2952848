//! The dashboards as one publication: every number on every page of every dashboard,
//! decided once per data version for the static site and the server alike.
//!
//! A reader holds every page at once. The same number shown on two pages (a project's
//! avslutade on the year's overview, on the project's page and as the n of its outcome
//! page) is one cell, named by what it counts (`projekt|period|nyckel`, the keys the
//! panel queries give). The relations a reader can use are declared:
//! - a count shown as a share of its n is a part of it (`n_nyckel`), and so is a count
//!   the query names the whole of (`del_av`, e.g. nya among the aktuella);
//! - `summerar = true`: the series of a category add up to its n;
//! - `n_summerar_till`: the n's of a panel's categories add up to that cell;
//! - a breakdown adds up to its total: `X|kon|K` + `X|kon|M` = `X|totalt|alla`;
//! - a year is its half-years: `P|2015|X` = `P|2015H1|X` + `P|2015H2|X` (kept only where
//!   the numbers agree, as every relation is: statistics of events, such as avslutade).
//!
//! Populations: an n with everything counted among it; a total's n (`X|totalt|alla`)
//! with its breakdowns' columns too, so a project-year with a handful of avslutade
//! shows nothing of them, not even which kön has none.
//!
//! A number the public reports show too has their key, so it is the same cell there; the
//! site is protected together with everything published from the dataset before it, and
//! recorded ([`crate::disclosure::ledger`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{
    Dashboard, DashboardError, Definitions, Options, PanelData, PanelRows, Selection, panel_rows,
};
use crate::disclosure::ledger;
use crate::disclosure::{CellId, DEFAULT_THRESHOLD, Protected, Publication, cell_key};
use crate::display::Audience;
use crate::period::{HalfYear, Period};
use crate::query::Engine;
use crate::schema::Schema;
use crate::store::Dataset;
use crate::underlag;

/// Every page's exact rows, and what the publication of all of them shows.
pub struct SiteData {
    pub options: Options,
    /// By (dashboard, the selection's label), one entry per panel.
    pages: BTreeMap<(String, String), Vec<PanelRows>>,
    protected: Protected,
}

impl SiteData {
    /// Runs every panel of every page and decides what the site shows. Each project's
    /// pages read only that project's underlag.
    pub async fn compute(
        dataset: &Dataset,
        schema: &Schema,
        queries_dir: Option<&Path>,
        definitions: &Definitions,
    ) -> Result<SiteData, DashboardError> {
        let options = Options::of(dataset)?;
        let mut engines: BTreeMap<String, Engine> = BTreeMap::new();
        let mut pages = BTreeMap::new();
        for dashboard in &definitions.dashboards {
            for selection in Selection::all(dashboard.choice, &options) {
                let selected = selection.projects();
                if let std::collections::btree_map::Entry::Vacant(slot) =
                    engines.entry(selected.parameter())
                {
                    let (engine, _) =
                        underlag::open_engine(dataset, schema, queries_dir, &selected).await?;
                    slot.insert(engine);
                }
                let engine = &engines[&selected.parameter()];
                let mut panels = Vec::with_capacity(dashboard.panels.len());
                for panel in &dashboard.panels {
                    panels.push(panel_rows(engine, panel, &selection, &options).await?);
                }
                pages.insert((dashboard.name.clone(), selection.label()), panels);
            }
        }
        let publication = publication(definitions, &pages)?;
        // Waiting for the record's lock and deciding are blocking work: off the
        // runtime's threads, which serve requests meanwhile.
        let root = dataset.root().to_path_buf();
        let protected = tokio::task::spawn_blocking(move || {
            ledger::publish(&root, publication, DEFAULT_THRESHOLD)
        })
        .await
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))?;
        Ok(SiteData {
            options,
            pages,
            protected,
        })
    }

    /// A page's panels as published; `None` for a page the site does not have.
    pub fn panels(&self, dashboard: &Dashboard, selection: &Selection) -> Option<Vec<PanelData>> {
        let rows = self
            .pages
            .get(&(dashboard.name.clone(), selection.label()))?;
        let audience = Audience::site(&self.protected);
        Some(
            dashboard
                .panels
                .iter()
                .zip(rows)
                .map(|(panel, rows)| PanelData::published(panel, rows, &audience))
                .collect(),
        )
    }

    pub fn threshold(&self) -> i64 {
        self.protected.threshold()
    }

    /// The keys of the site's numbers disclosure control could not protect
    /// ([`Protected::unprotected`]).
    pub fn unprotected(&self) -> &[String] {
        self.protected.unprotected()
    }
}

/// What a key says: project, period, and what is counted, split into its base, breakdown
/// and group (`n:avslutade`, `kon`, `K`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Named {
    projekt: String,
    period: String,
    base: String,
    indelning: String,
    grupp: String,
}

impl Named {
    fn of(projekt: &str, period: &str, nyckel: &str) -> Named {
        let mut parts = nyckel.rsplitn(3, '|');
        let (grupp, indelning, base) = (parts.next(), parts.next(), parts.next());
        let (base, indelning, grupp) = match (base, indelning, grupp) {
            (Some(b), Some(i), Some(g)) => (b, i, g),
            _ => (nyckel, TOTAL.0, TOTAL.1),
        };
        Named {
            projekt: projekt.to_string(),
            period: period.to_string(),
            base: base.to_string(),
            indelning: indelning.to_string(),
            grupp: grupp.to_string(),
        }
    }

    fn is_total(&self) -> bool {
        self.indelning == TOTAL.0
    }

    /// The same count for everyone (`…|totalt|alla`).
    fn total(&self) -> Named {
        Named {
            indelning: TOTAL.0.to_string(),
            grupp: TOTAL.1.to_string(),
            ..self.clone()
        }
    }

    /// The same count in another period.
    fn in_period(&self, period: String) -> Named {
        Named {
            period,
            ..self.clone()
        }
    }
}

/// The breakdown and group of a count for everyone.
const TOTAL: (&str, &str) = ("totalt", "alla");

/// Every cell of every page, with the relations a reader knows between them.
fn publication(
    definitions: &Definitions,
    pages: &BTreeMap<(String, String), Vec<PanelRows>>,
) -> Result<Publication, DashboardError> {
    let mut publication = Publication::new();
    let mut names: BTreeMap<Named, CellId> = BTreeMap::new();
    let mut members: BTreeMap<CellId, BTreeSet<CellId>> = BTreeMap::new();
    let mut wholes: Vec<(CellId, String)> = Vec::new();
    let mut sums: Vec<(CellId, Vec<CellId>)> = Vec::new();
    // The same panel may be shown twice on a page (a chart and its table): sets.
    let mut n_sums: BTreeMap<String, BTreeSet<CellId>> = BTreeMap::new();
    for dashboard in &definitions.dashboards {
        let of_dashboard = pages
            .range((dashboard.name.clone(), String::new())..)
            .take_while(|((name, _), _)| *name == dashboard.name);
        for (_, panels) in of_dashboard {
            for (panel, rows) in dashboard.panels.iter().zip(panels) {
                let conflict = |source| DashboardError::Conflict {
                    panel: panel.rubrik.clone(),
                    file: panel.fraga.clone(),
                    source,
                };
                let mut by_n: BTreeMap<CellId, Vec<CellId>> = BTreeMap::new();
                for row in &rows.rows {
                    let id = publication.cell(&row.key(), row.antal).map_err(conflict)?;
                    names.insert(Named::of(&row.projekt, &row.period, &row.nyckel), id);
                    if let (Some(key), Some(nyckel), Some(n)) = (row.n_key(), &row.n_nyckel, row.n)
                    {
                        let n_id = publication.cell(&key, n).map_err(conflict)?;
                        names.insert(Named::of(&row.projekt, &row.period, nyckel), n_id);
                        publication.part(id, n_id);
                        members.entry(n_id).or_default().insert(id);
                        let parts = by_n.entry(n_id).or_default();
                        if parts.is_empty()
                            && let Some(total) = &panel.n_summerar_till
                        {
                            n_sums
                                .entry(cell_key(&row.projekt, &row.period, total))
                                .or_default()
                                .insert(n_id);
                        }
                        parts.push(id);
                    }
                    if let Some(whole) = row.whole_key() {
                        wholes.push((id, whole));
                    }
                }
                if panel.summerar {
                    sums.extend(by_n);
                }
            }
        }
    }
    for (part, whole) in wholes {
        if let Some(whole) = publication.get(&whole) {
            publication.part(part, whole);
            members.entry(whole).or_default().insert(part);
        }
    }
    for (total, parts) in sums {
        publication.sum(total, &parts);
    }
    for (total, parts) in n_sums {
        if let Some(total) = publication.get(&total) {
            publication.sum(total, &parts.into_iter().collect::<Vec<_>>());
        }
    }
    breakdown_sums(&mut publication, &names, &mut members);
    link_half_years(&mut publication, &names);
    for (n, cells) in members {
        publication.population(n, cells.into_iter().collect());
    }
    Ok(publication)
}

/// `X|kon|K` + `X|kon|M` = `X|totalt|alla` for every breakdown, and a total's n counts
/// its breakdowns' columns among its population.
fn breakdown_sums(
    publication: &mut Publication,
    names: &BTreeMap<Named, CellId>,
    members: &mut BTreeMap<CellId, BTreeSet<CellId>>,
) {
    // Each breakdown's groups, by the total they add up to.
    let mut breakdowns: BTreeMap<(Named, &str), Vec<CellId>> = BTreeMap::new();
    for (name, id) in names.iter().filter(|(name, _)| !name.is_total()) {
        breakdowns
            .entry((name.total(), name.indelning.as_str()))
            .or_default()
            .push(*id);
    }
    for ((total, _), parts) in &breakdowns {
        let Some(total) = names.get(total) else {
            continue;
        };
        publication.sum(*total, parts);
        if members.contains_key(total) {
            let mut added = BTreeSet::new();
            for part in parts {
                added.insert(*part);
                added.extend(members.get(part).into_iter().flatten().copied());
            }
            members.entry(*total).or_default().extend(added);
        }
    }
}

/// A year counts the people of its two half-years, for every key shown both ways: their
/// sum where each is counted in one half only (avslutade), and otherwise at most the sum
/// and at least each half.
fn link_half_years(publication: &mut Publication, names: &BTreeMap<Named, CellId>) {
    for (name, year) in names {
        let Ok(Period::Year(y)) = name.period.parse::<Period>() else {
            continue;
        };
        let halves: Vec<CellId> = (1..=2)
            .filter_map(|half| HalfYear::new(y, half))
            .filter_map(|half| names.get(&name.in_period(half.to_string())).copied())
            .collect();
        if !halves.is_empty() {
            publication.union(*year, &halves);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{Choice, Dashboard, Kind, Panel, Row, Scale};

    fn row(projekt: &str, period: &str, nyckel: &str, antal: i64) -> Row {
        Row {
            kategori: projekt.into(),
            serie: "Antal".into(),
            antal,
            n: None,
            projekt: projekt.into(),
            period: period.into(),
            nyckel: nyckel.into(),
            n_nyckel: None,
            del_av: None,
            namnare: None,
        }
    }

    fn site(pages: Vec<Vec<Row>>) -> (Definitions, BTreeMap<(String, String), Vec<PanelRows>>) {
        let panel = Panel {
            rubrik: "Avslutade".into(),
            fraga: "tavla/avslutade.sql".into(),
            sql: String::new(),
            kind: Kind::Bars,
            x: None,
            y: None,
            serie: None,
            not: None,
            tom: None,
            summerar: false,
            n_summerar_till: None,
            show_zeros: true,
        };
        let dashboard = Dashboard {
            name: "d".into(),
            titel: "D".into(),
            beskrivning: String::new(),
            choice: Choice::Year,
            panels: vec![panel],
        };
        let pages = pages
            .into_iter()
            .enumerate()
            .map(|(i, rows)| {
                let rows = PanelRows {
                    kategorier: Vec::new(),
                    serier: Vec::new(),
                    rows,
                    values: Vec::new(),
                    scale: Scale::Count,
                };
                (("d".to_string(), i.to_string()), vec![rows])
            })
            .collect();
        (
            Definitions {
                dashboards: vec![dashboard],
            },
            pages,
        )
    }

    #[test]
    fn one_key_with_two_values_names_the_panel_and_its_query() {
        let (definitions, pages) = site(vec![
            vec![row("P1", "2015", "n:avslutade|totalt|alla", 12)],
            vec![row("P1", "2015", "n:avslutade|totalt|alla", 13)],
        ]);
        let error = publication(&definitions, &pages).unwrap_err().to_string();
        assert!(
            error.starts_with("panelen \"Avslutade\" (tavla/avslutade.sql): "),
            "{error}"
        );
        assert!(
            error.contains("P1|2015|n:avslutade|totalt|alla: 12 och 13"),
            "{error}"
        );
    }

    #[test]
    fn a_year_is_its_half_years_and_a_total_its_breakdown() {
        // 9 = 7 + 2 by half-year and 2 + 7 by kön.
        let (definitions, pages) = site(vec![vec![
            row("P1", "2015", "x|totalt|alla", 9),
            row("P1", "2015H1", "x|totalt|alla", 7),
            row("P1", "2015H2", "x|totalt|alla", 2),
            row("P1", "2015", "x|kon|K", 2),
            row("P1", "2015", "x|kon|M", 7),
        ]]);
        let protected = publication(&definitions, &pages)
            .unwrap()
            .protect(DEFAULT_THRESHOLD);
        let hidden = |period: &str, what: &str| {
            protected.is_hidden(&cell_key("P1", period, &format!("x|{what}")))
        };
        assert!(hidden("2015H2", "totalt|alla") && hidden("2015", "kon|K"));
        // Each relation hides a partner too, or 9 − 7 would give the 2.
        assert!(hidden("2015", "totalt|alla") || hidden("2015H1", "totalt|alla"));
        assert!(hidden("2015", "totalt|alla") || hidden("2015", "kon|M"));
        assert!(protected.leaks().is_empty(), "{:?}", protected.leaks());
    }
}
