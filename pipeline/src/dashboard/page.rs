//! Dashboard pages as standalone HTML (template `dashboards/sida.html`), for a static
//! site (`finsam dashboard build`) or the server (`finsam serve`).

use std::path::Path;

use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::chart;
use super::{
    Choice, Dashboard, DashboardError, Definitions, Options, PanelData, Scale, Selection, SiteData,
};
use crate::disclosure::DEFAULT_THRESHOLD;
use crate::report::STYLE;
use crate::report::tables::percent;
use crate::schema::Schema;
use crate::store::{self, Dataset};

/// Where the pages live, which decides how they link to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// Files in a folder: `index.html`, `<tavla>/<urval>.html`.
    Static,
    /// The server: `/`, `/tavla/<tavla>?projekt=…&ar=…`.
    Served,
}

impl Site {
    fn page(self, dashboard: &str, selection: &Selection) -> String {
        match self {
            Site::Static => format!("../{dashboard}/{}.html", file_stem(selection)),
            Site::Served => {
                let mut query = Vec::new();
                if let Some(p) = &selection.projekt {
                    query.push(format!("projekt={p}"));
                }
                if let Some(a) = selection.ar {
                    query.push(format!("ar={a}"));
                }
                if query.is_empty() {
                    format!("/tavla/{dashboard}")
                } else {
                    format!("/tavla/{dashboard}?{}", query.join("&"))
                }
            }
        }
    }

    fn start(self) -> &'static str {
        match self {
            Site::Static => "../index.html",
            Site::Served => "/",
        }
    }
}

/// `2015`, `SIGMA` or `SIGMA-2015`: a page's file name in a static site.
fn file_stem(selection: &Selection) -> String {
    selection.label().replace(' ', "-")
}

#[derive(Serialize)]
struct Link {
    text: String,
    href: String,
    aktuell: bool,
}

#[derive(Serialize)]
struct ChoiceGroup {
    rubrik: &'static str,
    alternativ: Vec<Link>,
}

#[derive(Serialize)]
struct PanelView {
    rubrik: String,
    fraga: String,
    svg: Option<String>,
    not: Option<String>,
    /// What the page says when the panel has nothing to show.
    tom: Option<String>,
    /// The sources of its figures that count no participant.
    kallor: Option<String>,
    dolda: Option<String>,
    serier: bool,
    rubriker: Vec<String>,
    rader: Vec<Vec<String>>,
}

fn number(value: Option<i64>) -> String {
    value.map_or_else(|| "..".into(), |v| v.to_string())
}

/// Whole percent, halves up, as in every report.
fn share(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| "..".into(), |f| percent(f).to_string())
}

fn panel_view(data: &PanelData, id: usize) -> PanelView {
    // A kommun's own figures always say which series (kommun, indicator) they are.
    let several = data.serier.len() > 1 || data.scale == Scale::Value;
    let mut rubriker = vec![data.panel.x.clone().unwrap_or_else(|| "Grupp".into())];
    if several {
        rubriker.push(data.panel.serie.clone().unwrap_or_else(|| "Serie".into()));
    }
    match data.scale {
        Scale::Value => rubriker.extend(["Värde".into(), "Källa".into()]),
        Scale::Count => rubriker.push("Antal".into()),
        Scale::Share => rubriker.extend([
            "Antal".into(),
            "n".into(),
            "Andel (%)".into(),
            "95 % intervall".into(),
        ]),
        Scale::PerThousand => {
            rubriker.extend(["Antal".into(), "Per 1 000".into(), "95 % intervall".into()])
        }
    }
    let rader = data
        .points
        .iter()
        .filter(|p| {
            data.panel.show_zeros || data.scale == Scale::Value || p.antal.shown() != Some(0)
        })
        .map(|p| {
            let mut row = vec![p.kategori.clone()];
            if several {
                row.push(p.serie.clone());
            }
            match data.scale {
                Scale::Value => {
                    row.push(
                        p.varde
                            .map_or_else(|| "saknas".into(), crate::display::figure),
                    );
                    row.push(p.kalla.clone().unwrap_or_default());
                }
                Scale::Count => row.push(number(p.antal.shown())),
                Scale::Share => {
                    row.push(number(p.antal.shown()));
                    row.push(number(p.n.as_ref().and_then(|n| n.shown())));
                    row.push(share(p.andel));
                    row.push(match (p.lag, p.hog) {
                        (Some(l), Some(h)) => format!("{}–{}", percent(l), percent(h)),
                        _ => "..".into(),
                    });
                }
                Scale::PerThousand => {
                    row.push(number(p.antal.shown()));
                    row.push(p.andel.map_or_else(|| "..".into(), chart::per_thousand));
                    row.push(match (p.lag, p.hog) {
                        (Some(l), Some(h)) => {
                            format!("{}–{}", chart::per_thousand(l), chart::per_thousand(h))
                        }
                        _ => "..".into(),
                    });
                }
            }
            row
        })
        .collect();
    let in_closed_groups = data.points.iter().filter(|p| p.gruppen_dold).count();
    let dolda = (data.hidden > 0).then(|| {
        let mut text = format!(
            "{} värde(n) visas inte: färre än {DEFAULT_THRESHOLD} personer, eller så att ett dolt tal skulle gå att räkna fram eller ringas in. De står som .. i tabellen och i diagrammet.",
            data.hidden
        );
        if in_closed_groups > 0 {
            text.push_str(&format!(
                " {in_closed_groups} av dem döljs med hela sin grupp, nollor också, och kan vara 0."
            ));
        }
        text
    });
    PanelView {
        rubrik: data.panel.rubrik.clone(),
        fraga: data.panel.fraga.clone(),
        svg: chart::svg(data, &format!("panel{id}")),
        not: data.panel.not.clone(),
        tom: data.panel.tom.clone(),
        kallor: (!data.kallor.is_empty()).then(|| format!("Källa: {}.", data.kallor.join("; "))),
        dolda,
        serier: several,
        rubriker,
        rader,
    }
}

fn choice_groups(
    site: Site,
    dashboard: &Dashboard,
    selection: &Selection,
    options: &Options,
) -> Vec<ChoiceGroup> {
    let mut groups = Vec::new();
    if matches!(dashboard.choice, Choice::Project | Choice::ProjectAndYear) {
        let alternativ = options
            .projects
            .iter()
            .map(|p| {
                let target = Selection {
                    projekt: Some(p.clone()),
                    ar: selection.ar,
                };
                Link {
                    text: p.clone(),
                    href: site.page(&dashboard.name, &target),
                    aktuell: selection.projekt.as_deref() == Some(p),
                }
            })
            .collect();
        groups.push(ChoiceGroup {
            rubrik: "Projekt",
            alternativ,
        });
    }
    if matches!(dashboard.choice, Choice::Year | Choice::ProjectAndYear) {
        let alternativ = options
            .years
            .iter()
            .map(|a| {
                let target = Selection {
                    projekt: selection.projekt.clone(),
                    ar: Some(*a),
                };
                Link {
                    text: a.to_string(),
                    href: site.page(&dashboard.name, &target),
                    aktuell: selection.ar == Some(*a),
                }
            })
            .collect();
        groups.push(ChoiceGroup {
            rubrik: "År",
            alternativ,
        });
    }
    groups
}

/// The page of a dashboard offering `choice` that keeps what `selection` chose: its
/// project and its year where the dashboard is chosen by them, else the dashboard's
/// default. `None` when there is no data to choose from.
fn keeping(choice: Choice, selection: &Selection, options: &Options) -> Option<Selection> {
    let default = Selection::default_for(choice, options)?;
    let projekt = default.projekt.map(|first| {
        selection
            .projekt
            .clone()
            .filter(|p| options.projects.contains(p))
            .unwrap_or(first)
    });
    let ar = default.ar.map(|latest| {
        selection
            .ar
            .filter(|a| options.years.contains(a))
            .unwrap_or(latest)
    });
    Some(Selection { projekt, ar })
}

/// A link to every dashboard; from a dashboard's page (`current`, with its selection)
/// each keeps the project and year chosen there.
fn dashboard_links(
    site: Site,
    definitions: &Definitions,
    current: Option<(&str, &Selection)>,
    options: &Options,
) -> Vec<Link> {
    let nothing = Selection {
        projekt: None,
        ar: None,
    };
    let chosen = current.map_or(&nothing, |(_, selection)| selection);
    definitions
        .dashboards
        .iter()
        .map(|d| Link {
            text: d.titel.clone(),
            href: site.page(
                &d.name,
                &keeping(d.choice, chosen, options).unwrap_or_else(|| nothing.clone()),
            ),
            aktuell: current.is_some_and(|(name, _)| name == d.name),
        })
        .collect()
}

fn render(template: &str, context: Value) -> Result<String, DashboardError> {
    let mut env = Environment::new();
    env.add_template("sida.html", template)
        .and_then(|_| env.get_template("sida.html")?.render(context))
        .map_err(|e| DashboardError::Definition {
            file: "dashboards/sida.html".into(),
            line: e.line().unwrap_or(0),
            message: e.to_string(),
        })
}

/// What every page of a site is made with: the definitions, the template, how pages link
/// to each other, and the projects and years there are.
pub struct Pages<'a> {
    pub definitions: &'a Definitions,
    pub template: &'a str,
    pub site: Site,
    pub options: &'a Options,
}

impl Pages<'_> {
    /// One dashboard page for one selection, with its panels as the site's publication
    /// shows them ([`SiteData::panels`]).
    pub fn page(
        &self,
        panels: &[PanelData],
        dashboard: &Dashboard,
        selection: &Selection,
    ) -> Result<String, DashboardError> {
        render_page(self, panels, dashboard, selection)
    }

    /// The start page: every dashboard, or a message when there is no data yet.
    pub fn index(&self) -> Result<String, DashboardError> {
        index_page(self)
    }

    /// A page saying what was asked for does not exist, and what does.
    pub fn not_found(&self, message: &str) -> Result<String, DashboardError> {
        not_found_page(self, message)
    }
}

fn render_page(
    pages: &Pages<'_>,
    panels: &[PanelData],
    dashboard: &Dashboard,
    selection: &Selection,
) -> Result<String, DashboardError> {
    let Pages {
        definitions,
        template,
        site,
        options,
    } = *pages;
    let panels: Vec<PanelView> = panels
        .iter()
        .enumerate()
        .map(|(i, data)| panel_view(data, i + 1))
        .collect();
    let tavlor = dashboard_links(
        site,
        definitions,
        Some((dashboard.name.as_str(), selection)),
        options,
    );
    let meddelande = panels
        .iter()
        .all(|p| p.rader.is_empty())
        .then_some("Inga uppgifter för det här urvalet.");
    render(
        template,
        context! {
            titel => dashboard.titel,
            beskrivning => dashboard.beskrivning,
            urval => selection.label(),
            startsida => site.start(),
            tavlor => tavlor,
            val => choice_groups(site, dashboard, selection, options),
            paneler => panels,
            meddelande => meddelande,
            dataversion => options.data_version,
            troskel => DEFAULT_THRESHOLD,
            stil => STYLE,
            version => env!("CARGO_PKG_VERSION"),
        },
    )
}

fn index_page(pages: &Pages<'_>) -> Result<String, DashboardError> {
    let Pages {
        definitions,
        template,
        site,
        options,
    } = *pages;
    let site_links = match site {
        // The index of a static site sits beside the dashboards' folders.
        Site::Static => dashboard_links(site, definitions, None, options)
            .into_iter()
            .map(|l| Link {
                href: l.href.trim_start_matches("../").to_string(),
                ..l
            })
            .collect(),
        Site::Served => dashboard_links(site, definitions, None, options),
    };
    let meddelande = if options.is_empty() {
        "Det finns inga data ännu: läs in projektens inlämningar med finsam ingest.".to_string()
    } else {
        format!(
            "{} projekt ({}), år {}–{}. Välj en tavla ovan.",
            options.projects.len(),
            options.projects.join(", "),
            options.years.first().copied().unwrap_or_default(),
            options.years.last().copied().unwrap_or_default()
        )
    };
    let dataversion = if options.is_empty() {
        "inga inlämningar"
    } else {
        options.data_version.as_str()
    };
    render(
        template,
        context! {
            titel => "Tavlor",
            beskrivning => "Projektens deltagare och utfall för förbundets styrelse, utan uppgifter om enskilda.",
            startsida => match site { Site::Static => "index.html", Site::Served => "/" },
            tavlor => site_links,
            paneler => Vec::<PanelView>::new(),
            meddelande => meddelande,
            dataversion => dataversion,
            troskel => DEFAULT_THRESHOLD,
            stil => STYLE,
            version => env!("CARGO_PKG_VERSION"),
        },
    )
}

fn not_found_page(pages: &Pages<'_>, message: &str) -> Result<String, DashboardError> {
    let Pages {
        definitions,
        template,
        options,
        ..
    } = *pages;
    render(
        template,
        context! {
            titel => "Sidan finns inte",
            beskrivning => "",
            startsida => "/",
            tavlor => dashboard_links(Site::Served, definitions, None, options),
            paneler => Vec::<PanelView>::new(),
            meddelande => message,
            dataversion => "",
            troskel => DEFAULT_THRESHOLD,
            stil => STYLE,
            version => env!("CARGO_PKG_VERSION"),
        },
    )
}

/// A page's public numbers as data (`<page>.json` beside the page): what a reader
/// can take away from it, every value named by what it counts.
#[derive(Serialize)]
struct PageData<'a> {
    tavla: &'a str,
    urval: String,
    /// The `$projekt` and `$period` every panel's query was run with.
    parametrar: std::collections::BTreeMap<String, String>,
    dataversion: &'a str,
    troskel: i64,
    paneler: Vec<PanelPoints>,
}

#[derive(Serialize)]
struct PanelPoints {
    rubrik: String,
    fraga: String,
    dolda: usize,
    punkter: Vec<super::Point>,
}

/// A static site as written.
pub struct Built {
    pub pages: usize,
    /// The keys of the numbers disclosure control could not protect
    /// ([`crate::disclosure::Protected::unprotected`]).
    pub unprotected: Vec<String>,
}

/// Writes every page of every dashboard under `out`, each with its numbers as JSON.
/// The whole site is one publication ([`SiteData`]).
pub async fn build_site(
    dataset: &Dataset,
    schema: &Schema,
    queries_dir: Option<&Path>,
    definitions: &Definitions,
    template: &str,
    out: &Path,
) -> Result<Built, DashboardError> {
    let site_data = SiteData::compute(dataset, schema, queries_dir, definitions).await?;
    let options = &site_data.options;
    let write = |path: &Path, bytes: &[u8]| -> Result<(), DashboardError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| DashboardError::Write {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        store::write_atomic(path, bytes).map_err(DashboardError::Store)
    };
    let pages_of_site = Pages {
        definitions,
        template,
        site: Site::Static,
        options,
    };
    write(&out.join("index.html"), pages_of_site.index()?.as_bytes())?;
    let mut pages = 1;
    for dashboard in &definitions.dashboards {
        for selection in Selection::all(dashboard.choice, options) {
            let panels = site_data.panels(dashboard, &selection).unwrap_or_default();
            let html = pages_of_site.page(&panels, dashboard, &selection)?;
            let folder = out.join(&dashboard.name);
            let stem = file_stem(&selection);
            write(&folder.join(format!("{stem}.html")), html.as_bytes())?;
            let data = PageData {
                tavla: &dashboard.name,
                urval: selection.label(),
                parametrar: selection.params(options).into_iter().collect(),
                dataversion: &options.data_version,
                troskel: site_data.threshold(),
                paneler: panels
                    .into_iter()
                    .map(|p| PanelPoints {
                        rubrik: p.panel.rubrik,
                        fraga: p.panel.fraga,
                        dolda: p.hidden,
                        punkter: p.points,
                    })
                    .collect(),
            };
            let json = serde_json::to_vec_pretty(&data).expect("page data serialises");
            write(&folder.join(format!("{stem}.json")), &json)?;
            pages += 1;
        }
    }
    Ok(Built {
        pages,
        unprotected: site_data.unprotected().to_vec(),
    })
}
