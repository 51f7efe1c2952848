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

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Dashboard, Definitions, Options, PanelData, PanelRows, Selection, panel_rows};
use crate::disclosure::{CellId, DEFAULT_THRESHOLD, DisclosureError, Protected, Publication};
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
    ) -> Result<SiteData, crate::Error> {
        let options = Options::of(dataset)?;
        let mut engines: BTreeMap<String, Engine> = BTreeMap::new();
        let mut pages = BTreeMap::new();
        for dashboard in &definitions.dashboards {
            for selection in Selection::all(dashboard.choice, &options) {
                let selected = selection.projekt.clone().unwrap_or_else(|| "alla".into());
                if !engines.contains_key(&selected) {
                    let (engine, _) =
                        underlag::open_engine(dataset, schema, queries_dir, &selected).await?;
                    engines.insert(selected.clone(), engine);
                }
                let engine = &engines[&selected];
                let mut panels = Vec::with_capacity(dashboard.panels.len());
                for panel in &dashboard.panels {
                    panels.push(panel_rows(engine, panel, &selection, &options).await?);
                }
                pages.insert((dashboard.name.clone(), selection.label()), panels);
            }
        }
        let publication = publication(definitions, &pages).map_err(super::DashboardError::from)?;
        Ok(SiteData {
            options,
            pages,
            protected: publication.protect(DEFAULT_THRESHOLD),
        })
    }

    /// A page's panels as published; `None` for a page the site does not have.
    pub fn panels(&self, dashboard: &Dashboard, selection: &Selection) -> Option<Vec<PanelData>> {
        let rows = self
            .pages
            .get(&(dashboard.name.clone(), selection.label()))?;
        Some(
            dashboard
                .panels
                .iter()
                .zip(rows)
                .map(|(panel, rows)| PanelData::published(panel, rows, &self.protected))
                .collect(),
        )
    }

    pub fn threshold(&self) -> i64 {
        self.protected.threshold()
    }
}

/// What a key says: project, period, and what is counted, split into its base, breakdown
/// and group (`utfall:Avslutade`, `kon`, `K`).
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
            _ => (nyckel, "totalt", "alla"),
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
        self.indelning == "totalt"
    }
}

/// Every cell of every page, with the relations a reader knows between them.
fn publication(
    definitions: &Definitions,
    pages: &BTreeMap<(String, String), Vec<PanelRows>>,
) -> Result<Publication, DisclosureError> {
    let mut publication = Publication::new();
    let mut named: BTreeMap<CellId, Named> = BTreeMap::new();
    let mut members: BTreeMap<CellId, BTreeSet<CellId>> = BTreeMap::new();
    let mut wholes: Vec<(CellId, String)> = Vec::new();
    let mut sums: Vec<(CellId, Vec<CellId>)> = Vec::new();
    let mut n_sums: Vec<(String, Vec<CellId>)> = Vec::new();
    for dashboard in &definitions.dashboards {
        let of_dashboard = pages
            .range((dashboard.name.clone(), String::new())..)
            .take_while(|((name, _), _)| *name == dashboard.name);
        for (_, panels) in of_dashboard {
            for (panel, rows) in dashboard.panels.iter().zip(panels) {
                let mut by_n: BTreeMap<CellId, Vec<CellId>> = BTreeMap::new();
                for row in &rows.rows {
                    let id = publication.cell(&row.key(), row.antal)?;
                    named.insert(id, Named::of(&row.projekt, &row.period, &row.nyckel));
                    if let (Some(key), Some(nyckel), Some(n)) = (row.n_key(), &row.n_nyckel, row.n)
                    {
                        let n_id = publication.cell(&key, n)?;
                        named.insert(n_id, Named::of(&row.projekt, &row.period, nyckel));
                        publication.part(id, n_id);
                        members.entry(n_id).or_default().insert(id);
                        by_n.entry(n_id).or_default().push(id);
                    }
                    if let Some(whole) = row.whole_key() {
                        wholes.push((id, whole));
                    }
                }
                if panel.summerar {
                    sums.extend(by_n.iter().map(|(n, parts)| (*n, parts.clone())));
                }
                if let Some(total) = &panel.n_summerar_till {
                    let mut per_page: BTreeMap<String, Vec<CellId>> = BTreeMap::new();
                    for n in by_n.keys() {
                        let name = &named[n];
                        per_page
                            .entry(crate::disclosure::cell_key(
                                &name.projekt,
                                &name.period,
                                total,
                            ))
                            .or_default()
                            .push(*n);
                    }
                    n_sums.extend(per_page);
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
            publication.sum(total, &parts);
        }
    }
    breakdown_sums(&mut publication, &named, &mut members);
    half_year_sums(&mut publication, &named);
    for (n, cells) in members {
        publication.population(n, cells.into_iter().collect());
    }
    Ok(publication)
}

/// `X|kon|K` + `X|kon|M` = `X|totalt|alla` for every breakdown, and a total's n counts
/// its breakdowns' columns among its population.
fn breakdown_sums(
    publication: &mut Publication,
    named: &BTreeMap<CellId, Named>,
    members: &mut BTreeMap<CellId, BTreeSet<CellId>>,
) {
    type Base = (String, String, String);
    let mut totals: BTreeMap<Base, CellId> = BTreeMap::new();
    let mut groups: BTreeMap<(Base, String), Vec<CellId>> = BTreeMap::new();
    for (id, name) in named {
        let base = (name.projekt.clone(), name.period.clone(), name.base.clone());
        if name.is_total() {
            totals.insert(base, *id);
        } else {
            groups
                .entry((base, name.indelning.clone()))
                .or_default()
                .push(*id);
        }
    }
    for ((base, _), parts) in &groups {
        let Some(total) = totals.get(base) else {
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

/// A year is its two half-years, for every key shown both ways.
fn half_year_sums(publication: &mut Publication, named: &BTreeMap<CellId, Named>) {
    let mut cells: BTreeMap<(String, String, String, String, String), CellId> = BTreeMap::new();
    for (id, name) in named {
        cells.insert(
            (
                name.projekt.clone(),
                name.period.clone(),
                name.base.clone(),
                name.indelning.clone(),
                name.grupp.clone(),
            ),
            *id,
        );
    }
    for ((projekt, period, base, indelning, grupp), year) in &cells {
        if period.len() != 4 || !period.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let half = |h: &str| {
            cells
                .get(&(
                    projekt.clone(),
                    format!("{period}{h}"),
                    base.clone(),
                    indelning.clone(),
                    grupp.clone(),
                ))
                .copied()
        };
        let halves: Vec<CellId> = ["H1", "H2"].into_iter().filter_map(half).collect();
        if !halves.is_empty() {
            publication.sum(*year, &halves);
        }
    }
}
