//! Dashboards for boards: panels of charts over the query files, as standalone HTML.
//!
//! A dashboard is data (`dashboards/*.toml`): a title, what a page is chosen by (a year,
//! a project, or both) and panels, each naming a query file in `queries/` and a chart
//! kind. A panel's query returns `kategori` (the x axis or the bar; in the query's row
//! order), optionally `serie` (the legend) with `serie_ordning`, `antal`, and optionally `n`:
//! with `n` every value is a share with its 95 % Wilson interval; with `namnare` (a
//! number that is no count of participants, such as a kommun's biståndsmottagare) a rate
//! per 1 000 with its interval. A panel whose query gives `varde` instead shows figures
//! that count no participant (the kommun's own, from the table `kontext`), each with its
//! source (`kalla`, `hamtad`): they need no disclosure control. For disclosure control
//! it also names what each number counts (`nyckel`, `n_nyckel`, `del_av`, and `projekt`
//! and `period` where a row counts another than the page's): the whole site is one
//! publication ([`SiteData`]), and hidden values show as `..`, with a note.

mod chart;
mod page;
mod publish;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::pseudonymise::encode_hex;

use crate::disclosure::cell_key;
use crate::display::{Audience, Count};
use crate::failure;

use crate::query::{Engine, ProjectSelection, QueryError, Unused};
use crate::report::stats::wilson;
use crate::report::{Columns, QueryLibrary, ReportError};
use crate::store::{Dataset, StoreError};

pub use chart::escape;
pub use page::{Built, Pages, Site, build_site};
pub use publish::SiteData;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("{file}:{line}: {message}")]
    Definition {
        file: String,
        line: usize,
        message: String,
    },
    #[error("kan inte läsa {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("panelen \"{panel}\" ({file}): {source}")]
    Query {
        panel: String,
        file: String,
        source: Box<QueryError>,
    },
    #[error("panelen \"{panel}\" ({file}): frågan gav ingen kolumn {column}")]
    MissingColumn {
        panel: String,
        file: String,
        column: String,
    },
    /// A row without `nyckel`: disclosure control cannot know what it counts.
    #[error(
        "panelen \"{panel}\" ({file}): rad {row} (kategori {kategori}) har ingen nyckel; varje rad ska säga vad den räknar"
    )]
    MissingKey {
        panel: String,
        file: String,
        row: usize,
        kategori: String,
    },
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Two rows name the same number (`nyckel`) but give different values: the queries
    /// count different things under one name.
    #[error(
        "panelen \"{panel}\" ({file}): {source}; samma nyckel ska räkna samma sak på varje sida"
    )]
    Conflict {
        panel: String,
        file: String,
        source: crate::disclosure::DisclosureError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("kan inte skriva {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DashboardError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> failure::Kind {
        match self {
            DashboardError::Definition { .. }
            | DashboardError::Query { .. }
            | DashboardError::MissingColumn { .. }
            | DashboardError::MissingKey { .. }
            | DashboardError::Conflict { .. } => failure::Kind::InvalidInput,
            DashboardError::Read { source, .. } | DashboardError::Write { source, .. } => {
                failure::of_user_file(source)
            }
            DashboardError::Report(e) => e.kind(),
            DashboardError::Store(e) => e.kind(),
        }
    }
}

/// What a dashboard page is chosen by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Choice {
    /// One year, all projects.
    Year,
    /// One project, all years.
    Project,
    /// One project and one year.
    ProjectAndYear,
}

/// The chart kinds a panel can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    Bars,
    GroupedBars,
    Lines,
    StackedShares,
    Table,
}

const KINDS: [(&str, Kind); 5] = [
    ("staplar", Kind::Bars),
    ("grupperade_staplar", Kind::GroupedBars),
    ("linjer", Kind::Lines),
    ("staplade_andelar", Kind::StackedShares),
    ("tabell", Kind::Table),
];

impl Choice {
    /// As the definitions write it.
    pub fn name(self) -> &'static str {
        CHOICES
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(n, _)| *n)
            .expect("every choice is listed")
    }
}

const CHOICES: [(&str, Choice); 3] = [
    ("ar", Choice::Year),
    ("projekt", Choice::Project),
    ("projekt_och_ar", Choice::ProjectAndYear),
];

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The file name without `.toml`: the dashboard's address.
    pub name: String,
    pub titel: String,
    pub beskrivning: String,
    pub choice: Choice,
    pub panels: Vec<Panel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub rubrik: String,
    /// `folder/file.sql` under `queries/`.
    pub fraga: String,
    /// Its text, read once with the definitions.
    #[serde(skip)]
    pub sql: String,
    pub kind: Kind,
    pub x: Option<String>,
    pub y: Option<String>,
    /// What the series are, as the heading of their column in the table.
    pub serie: Option<String>,
    pub not: Option<String>,
    /// What the page says when the panel has nothing to show (e.g. no context yet).
    pub tom: Option<String>,
    /// Each category's series add up to its n (disclosure control relies on it).
    pub summerar: bool,
    /// The key (in the same project and period) that the n's of its categories add up to.
    pub n_summerar_till: Option<String>,
    /// Whether the panel's table lists the rows whose count is a shown 0 (the page's
    /// JSON and the chart always have them).
    pub show_zeros: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DashboardFile {
    titel: String,
    beskrivning: String,
    val: toml::Spanned<String>,
    paneler: Vec<PanelFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PanelFile {
    rubrik: String,
    fraga: toml::Spanned<String>,
    typ: toml::Spanned<String>,
    x: Option<String>,
    y: Option<String>,
    serie: Option<String>,
    not: Option<String>,
    tom: Option<String>,
    #[serde(default)]
    summerar: bool,
    n_summerar_till: Option<String>,
    visa_nollor: Option<bool>,
}

/// The dashboard definitions, each panel with the text of its query file.
pub struct Definitions {
    pub dashboards: Vec<Dashboard>,
}

impl Definitions {
    /// Reads `dashboards_dir` (or the bundled `dashboards/`) and checks every panel: its
    /// chart kind, and that its query file exists (in `queries_dir` or the bundled ones).
    /// Every problem is reported, each with file and line.
    pub fn load(
        dashboards_dir: Option<&Path>,
        queries_dir: Option<&Path>,
    ) -> Result<Definitions, Vec<DashboardError>> {
        let files = dashboard_files(dashboards_dir).map_err(|e| vec![e])?;
        let mut dashboards = Vec::new();
        let mut errors = Vec::new();
        let mut libraries: BTreeMap<String, Option<QueryLibrary>> = BTreeMap::new();
        for (file, text) in files {
            match parse(&file, &text, queries_dir, &mut libraries) {
                Ok(dashboard) => dashboards.push(dashboard),
                Err(mut found) => errors.append(&mut found),
            }
        }
        if errors.is_empty() {
            Ok(Definitions { dashboards })
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, name: &str) -> Option<&Dashboard> {
        self.dashboards.iter().find(|d| d.name == name)
    }
}

/// (shown name, contents) of every `*.toml` in the folder, sorted by name.
fn dashboard_files(dir: Option<&Path>) -> Result<Vec<(String, String)>, DashboardError> {
    let mut files = Vec::new();
    match dir {
        Some(dir) => {
            let read_error = |path: &Path, source| DashboardError::Read {
                path: path.to_path_buf(),
                source,
            };
            for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
                let path = entry.map_err(|e| read_error(dir, e))?.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
                    files.push((path.display().to_string(), text));
                }
            }
        }
        None => {
            for (path, text) in crate::bundled::files("dashboards") {
                if path.ends_with(".toml") {
                    files.push((format!("dashboards/{path}"), text.to_string()));
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The bundled page template, or `dashboards_dir/sida.html`.
pub fn template(dashboards_dir: Option<&Path>) -> Result<String, DashboardError> {
    match dashboards_dir.map(|d| d.join("sida.html")) {
        Some(path) if path.exists() => {
            std::fs::read_to_string(&path).map_err(|source| DashboardError::Read { path, source })
        }
        _ => Ok(crate::bundled::files("dashboards")
            .find(|(p, _)| *p == "sida.html")
            .map(|(_, t)| t.to_string())
            .expect("dashboards/sida.html is bundled")),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn parse(
    file: &str,
    text: &str,
    queries_dir: Option<&Path>,
    libraries: &mut BTreeMap<String, Option<QueryLibrary>>,
) -> Result<Dashboard, Vec<DashboardError>> {
    let at = |offset: usize, message: String| DashboardError::Definition {
        file: file.to_string(),
        line: line_of(text, offset),
        message,
    };
    let parsed: DashboardFile = toml::from_str(text).map_err(|e| {
        vec![at(
            e.span().map(|s| s.start).unwrap_or(0),
            e.message().to_string(),
        )]
    })?;
    let mut errors = Vec::new();
    let choice = CHOICES
        .iter()
        .find(|(name, _)| *name == parsed.val.get_ref())
        .map(|(_, c)| *c);
    if choice.is_none() {
        errors.push(at(
            parsed.val.span().start,
            format!(
                "val = \"{}\": välj {}",
                parsed.val.get_ref(),
                CHOICES.map(|(n, _)| n).join(", ")
            ),
        ));
    }
    let mut panels = Vec::new();
    for panel in parsed.paneler {
        let kind = KINDS
            .iter()
            .find(|(name, _)| *name == panel.typ.get_ref())
            .map(|(_, k)| *k);
        if kind.is_none() {
            errors.push(at(
                panel.typ.span().start,
                format!(
                    "typ = \"{}\": okänd diagramtyp; välj {}",
                    panel.typ.get_ref(),
                    KINDS.map(|(n, _)| n).join(", ")
                ),
            ));
        }
        let fraga = panel.fraga.get_ref().clone();
        let (folder, name) = fraga.split_once('/').unwrap_or(("", &fraga));
        let library = libraries
            .entry(folder.to_string())
            .or_insert_with(|| QueryLibrary::load(queries_dir, folder).ok());
        let sql = library
            .as_ref()
            .and_then(|l| l.text(name).ok())
            .map(str::to_string);
        if sql.is_none() {
            errors.push(at(
                panel.fraga.span().start,
                format!("fraga = \"{fraga}\": frågefilen finns inte i queries/"),
            ));
        }
        if let (Some(kind), Some(sql)) = (kind, sql) {
            panels.push(Panel {
                rubrik: panel.rubrik,
                fraga,
                sql,
                kind,
                x: panel.x,
                y: panel.y,
                serie: panel.serie,
                not: panel.not,
                tom: panel.tom,
                summerar: panel.summerar,
                n_summerar_till: panel.n_summerar_till,
                show_zeros: panel.visa_nollor.unwrap_or(true),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let name = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Dashboard {
        name,
        titel: parsed.titel,
        beskrivning: parsed.beskrivning,
        choice: choice.expect("checked above"),
        panels,
    })
}

/// What the dataset offers the pages, from one reading of its manifest: the projects and
/// years a page can be chosen from (those with a current submission), and the data
/// version every page's footer names.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Options {
    pub projects: Vec<String>,
    pub years: Vec<i32>,
    /// The manifest's hash, the latest ingest and the number of submissions.
    pub data_version: String,
}

impl Options {
    pub fn of(dataset: &Dataset) -> Result<Options, StoreError> {
        let manifest = dataset.manifest()?;
        let path = dataset.root().join("manifest.jsonl");
        let bytes = std::fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
        let latest = manifest
            .entries
            .iter()
            .map(|e| e.ingested_at.get(..10).unwrap_or(&e.ingested_at))
            .max()
            .unwrap_or("–");
        // An erasure rewrites files without a new submission: it changes the version too.
        let erasures = std::fs::read(crate::person::erasure_log(dataset.root()))
            .map(|log| log.iter().filter(|&&b| b == b'\n').count())
            .unwrap_or(0);
        let data_version = format!(
            "manifest {} (senast inläst {latest}, {} inlämningar{})",
            &encode_hex(&Sha256::digest(&bytes))[..12],
            manifest.entries.len(),
            match erasures {
                0 => String::new(),
                n => format!(", {n} raderingar"),
            }
        );
        let mut projects = BTreeSet::new();
        let mut years = BTreeSet::new();
        for (projekt, halvar) in manifest.current().keys() {
            projects.insert(projekt.clone());
            if let Ok(half) = halvar.parse::<crate::period::HalfYear>() {
                years.insert(half.year());
            }
        }
        Ok(Options {
            projects: projects.into_iter().collect(),
            years: years.into_iter().collect(),
            data_version,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
    }
}

/// One page's selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Selection {
    pub projekt: Option<String>,
    pub ar: Option<i32>,
}

impl Selection {
    /// The projects the page counts: its project (one the dataset has: the pages are
    /// made from its projects), or all.
    pub fn projects(&self) -> ProjectSelection {
        match &self.projekt {
            Some(projekt) => ProjectSelection::Projects(vec![projekt.clone()]),
            None => ProjectSelection::All,
        }
    }

    /// The period the page counts (`$period`): its year, or every year with data.
    fn period(&self, options: &Options) -> String {
        match (self.ar, options.years.first(), options.years.last()) {
            (Some(year), _, _) => year.to_string(),
            (None, Some(first), Some(last)) if first != last => format!("{first}-{last}"),
            (None, Some(year), _) => year.to_string(),
            (None, None, _) => "2000".into(),
        }
    }

    /// The `$projekt` and `$period` the panels' queries get.
    fn params(&self, options: &Options) -> Vec<(String, String)> {
        vec![
            ("projekt".into(), self.projects().parameter()),
            ("period".into(), self.period(options)),
        ]
    }

    /// Every selection the dashboard offers.
    pub fn all(choice: Choice, options: &Options) -> Vec<Selection> {
        let years = || options.years.iter().map(|y| Some(*y));
        match choice {
            Choice::Year => years().map(|ar| Selection { projekt: None, ar }).collect(),
            Choice::Project => options
                .projects
                .iter()
                .map(|p| Selection {
                    projekt: Some(p.clone()),
                    ar: None,
                })
                .collect(),
            Choice::ProjectAndYear => options
                .projects
                .iter()
                .flat_map(|p| {
                    years().map(|ar| Selection {
                        projekt: Some(p.clone()),
                        ar,
                    })
                })
                .collect(),
        }
    }

    /// The page shown when nothing is chosen: the latest year, the first project.
    pub fn default_for(choice: Choice, options: &Options) -> Option<Selection> {
        let year = options.years.last().copied();
        let project = options.projects.first().cloned();
        match choice {
            Choice::Year => year.map(|ar| Selection {
                projekt: None,
                ar: Some(ar),
            }),
            Choice::Project => project.map(|p| Selection {
                projekt: Some(p),
                ar: None,
            }),
            Choice::ProjectAndYear => project.zip(year).map(|(p, ar)| Selection {
                projekt: Some(p),
                ar: Some(ar),
            }),
        }
    }

    /// Checks a requested selection against what exists; the message says what does.
    pub fn check(
        choice: Choice,
        projekt: Option<&str>,
        ar: Option<&str>,
        options: &Options,
    ) -> Result<Selection, String> {
        let wants_project = matches!(choice, Choice::Project | Choice::ProjectAndYear);
        let wants_year = matches!(choice, Choice::Year | Choice::ProjectAndYear);
        let default = Selection::default_for(choice, options);
        let projekt = match (wants_project, projekt) {
            (false, _) => None,
            (true, None) => default.as_ref().and_then(|d| d.projekt.clone()),
            // What was asked for is not repeated: a URL may hold anything, a personnummer too.
            (true, Some(p)) => match options.projects.iter().find(|k| k.eq_ignore_ascii_case(p)) {
                Some(known) => Some(known.clone()),
                None => {
                    return Err(format!(
                        "Det projektet finns inte i datamängden. Det finns: {}.",
                        options.projects.join(", ")
                    ));
                }
            },
        };
        let years: Vec<String> = options.years.iter().map(i32::to_string).collect();
        let ar = match (wants_year, ar) {
            (false, _) => None,
            (true, None) => default.as_ref().and_then(|d| d.ar),
            (true, Some(text)) => match text.trim().parse::<i32>() {
                Ok(year) if options.years.contains(&year) => Some(year),
                _ => {
                    return Err(format!(
                        "Det året finns inte i datamängden. Det finns: {}.",
                        years.join(", ")
                    ));
                }
            },
        };
        Ok(Selection { projekt, ar })
    }

    /// How the selection reads in a title: "2015", "SIGMA", "SIGMA 2015".
    pub fn label(&self) -> String {
        [self.projekt.clone(), self.ar.map(|a| a.to_string())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a panel's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scale {
    /// Counts of participants.
    #[serde(rename = "antal")]
    Count,
    /// Shares of an n, in percent, with their intervals.
    #[serde(rename = "andel")]
    Share,
    /// Counts per 1 000 of a number that is no count of participants, with intervals.
    #[serde(rename = "per_1000")]
    PerThousand,
    /// Figures that count no participant (`varde`), as their source gives them.
    #[serde(rename = "varde")]
    Value,
}

impl Scale {
    /// What a fraction is multiplied by to be shown.
    pub fn factor(self) -> f64 {
        match self {
            Scale::PerThousand => 1000.0,
            _ => 100.0,
        }
    }

    /// Whether a value is a fraction of something, drawn with its interval.
    pub fn is_rate(self) -> bool {
        matches!(self, Scale::Share | Scale::PerThousand)
    }
}

/// One row of a panel's query that counts no participant: a kommun's own figure.
#[derive(Debug, Clone)]
pub(crate) struct ValueRow {
    pub kategori: String,
    pub serie: String,
    pub varde: Option<f64>,
    /// The source and when it was fetched, as the page cites them.
    pub kalla: Option<String>,
    pub hamtad: Option<String>,
}

/// One row of a panel's query, exact, with what disclosure control needs to know of it:
/// which project and period it counts, and what (`nyckel`, `n_nyckel`, `del_av`).
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub kategori: String,
    pub serie: String,
    pub antal: i64,
    pub n: Option<i64>,
    pub projekt: String,
    pub period: String,
    pub nyckel: String,
    pub n_nyckel: Option<String>,
    pub del_av: Option<String>,
    /// What a rate per 1 000 is of (`namnare`).
    pub namnare: Option<f64>,
}

/// A panel's query result for one page, exact: never shown as it is.
#[derive(Debug, Clone)]
pub(crate) struct PanelRows {
    pub kategorier: Vec<String>,
    pub serier: Vec<String>,
    pub rows: Vec<Row>,
    /// The figures of a panel of [`Scale::Value`]; its `rows` are empty.
    pub values: Vec<ValueRow>,
    pub scale: Scale,
}

/// One value of a panel: a count, or a share with its interval, as the public sees it
/// ([`crate::display`]).
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub kategori: String,
    pub serie: String,
    pub antal: Count,
    pub n: Option<Count>,
    /// The share of n (a fraction) and its 95 % Wilson interval, when the query gives n;
    /// for a rate, the fraction of its `namnare`.
    pub andel: Option<f64>,
    pub lag: Option<f64>,
    pub hog: Option<f64>,
    /// A figure that counts no participant, as its source gives it ([`Scale::Value`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub varde: Option<f64>,
    /// Where that figure comes from, and when it was fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kalla: Option<String>,
    /// What the value counts, as the site's publication names it: `projekt|period|vad`.
    pub nyckel: String,
    /// What its n counts, named the same way.
    pub n_nyckel: Option<String>,
    /// Hidden with the whole of its group, zeros too, though the group's n is shown: it
    /// may be 0 (`docs/rojandekontroll.md`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gruppen_dold: bool,
}

/// A panel with its numbers, ready to draw.
#[derive(Debug, Clone, Serialize)]
pub struct PanelData {
    pub panel: Panel,
    pub kategorier: Vec<String>,
    pub serier: Vec<String>,
    pub points: Vec<Point>,
    pub scale: Scale,
    /// Values disclosure control hid.
    pub hidden: usize,
    /// The sources of a panel's figures that count no participant, as the page cites
    /// them: "Kolada (hämtad 2026-12-07)".
    pub kallor: Vec<String>,
}

/// Runs a panel's query for a selection: the exact rows, for the site's publication.
pub(crate) async fn panel_rows(
    engine: &Engine,
    panel: &Panel,
    selection: &Selection,
    options: &Options,
) -> Result<PanelRows, DashboardError> {
    let query_error = |source: QueryError| DashboardError::Query {
        panel: panel.rubrik.clone(),
        file: panel.fraga.clone(),
        source: Box::new(source),
    };
    let result = engine
        .run_with(&panel.sql, &selection.params(options), Unused::Ignore)
        .await
        .map_err(query_error)?;
    let columns = Columns::new(&panel.fraga, &result);
    let missing = |column: &str| DashboardError::MissingColumn {
        panel: panel.rubrik.clone(),
        file: panel.fraga.clone(),
        column: column.to_string(),
    };
    if columns.has("varde") {
        return value_rows(panel, &columns, result.row_count());
    }
    for required in ["kategori", "antal", "nyckel"] {
        if !columns.has(required) {
            return Err(missing(required));
        }
    }
    let shares = columns.has("n");
    if shares && !columns.has("n_nyckel") {
        return Err(missing("n_nyckel"));
    }
    let scale = if shares {
        Scale::Share
    } else if columns.has("namnare") {
        Scale::PerThousand
    } else {
        Scale::Count
    };
    let rows = result.row_count();
    let optional_texts = |column: &str| -> Result<Vec<Option<String>>, DashboardError> {
        Ok(if columns.has(column) {
            columns.texts(column)?
        } else {
            vec![None; rows]
        })
    };
    let optional_integers = |column: &str| -> Result<Vec<Option<i64>>, DashboardError> {
        Ok(if columns.has(column) {
            columns.integers(column)?
        } else {
            vec![None; rows]
        })
    };
    let kategori = columns.texts("kategori")?;
    let serie = optional_texts("serie")?;
    let antal = columns.integers("antal")?;
    let n = optional_integers("n")?;
    let serie_order = optional_integers("serie_ordning")?;
    let nyckel = columns.texts("nyckel")?;
    let n_nyckel = optional_texts("n_nyckel")?;
    let del_av = optional_texts("del_av")?;
    let namnare = if scale == Scale::PerThousand {
        columns.floats("namnare")?
    } else {
        vec![None; rows]
    };
    // A row counts the page's project and period unless the query says otherwise.
    let projekt = optional_texts("projekt")?;
    let period = optional_texts("period")?;
    let (page_project, page_period) = (selection.projects().parameter(), selection.period(options));
    let mut kategorier: Vec<String> = Vec::new();
    let mut serier: Vec<(i64, String)> = Vec::new();
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        let k = kategori[i]
            .clone()
            .unwrap_or_else(|| "uppgift saknas".into());
        let s = match &serie[i] {
            Some(s) => s.clone(),
            None if columns.has("serie") => "uppgift saknas".into(),
            None => "Antal".into(),
        };
        if !kategorier.contains(&k) {
            kategorier.push(k.clone());
        }
        if !serier.iter().any(|(_, name)| *name == s) {
            serier.push((serie_order[i].unwrap_or(serier.len() as i64), s.clone()));
        }
        let nyckel = nyckel[i]
            .clone()
            .ok_or_else(|| DashboardError::MissingKey {
                panel: panel.rubrik.clone(),
                file: panel.fraga.clone(),
                row: i + 1,
                kategori: k.clone(),
            })?;
        out.push(Row {
            kategori: k,
            serie: s,
            antal: antal[i].unwrap_or(0),
            n: if shares {
                Some(n[i].unwrap_or(0))
            } else {
                None
            },
            projekt: projekt[i].clone().unwrap_or_else(|| page_project.clone()),
            period: period[i].clone().unwrap_or_else(|| page_period.clone()),
            nyckel,
            n_nyckel: n_nyckel[i].clone(),
            del_av: del_av[i].clone(),
            namnare: namnare[i],
        });
    }
    serier.sort_by_key(|(order, _)| *order);
    Ok(PanelRows {
        kategorier,
        serier: serier.into_iter().map(|(_, s)| s).collect(),
        rows: out,
        values: Vec::new(),
        scale,
    })
}

/// The rows of a panel of figures that count no participant (`varde`).
fn value_rows(panel: &Panel, columns: &Columns, rows: usize) -> Result<PanelRows, DashboardError> {
    let optional_texts = |column: &str| -> Result<Vec<Option<String>>, DashboardError> {
        Ok(if columns.has(column) {
            columns.texts(column)?
        } else {
            vec![None; rows]
        })
    };
    if !columns.has("kategori") {
        return Err(DashboardError::MissingColumn {
            panel: panel.rubrik.clone(),
            file: panel.fraga.clone(),
            column: "kategori".into(),
        });
    }
    let kategori = columns.texts("kategori")?;
    let serie = optional_texts("serie")?;
    let serie_order = if columns.has("serie_ordning") {
        columns.integers("serie_ordning")?
    } else {
        vec![None; rows]
    };
    let varde = columns.floats("varde")?;
    let kalla = optional_texts("kalla")?;
    let hamtad = optional_texts("hamtad")?;
    let mut kategorier: Vec<String> = Vec::new();
    let mut serier: Vec<(i64, String)> = Vec::new();
    let mut values = Vec::with_capacity(rows);
    for i in 0..rows {
        let k = kategori[i]
            .clone()
            .unwrap_or_else(|| "uppgift saknas".into());
        let s = serie[i].clone().unwrap_or_else(|| "Värde".into());
        if !kategorier.contains(&k) {
            kategorier.push(k.clone());
        }
        if !serier.iter().any(|(_, name)| *name == s) {
            serier.push((serie_order[i].unwrap_or(serier.len() as i64), s.clone()));
        }
        values.push(ValueRow {
            kategori: k,
            serie: s,
            varde: varde[i],
            kalla: kalla[i].clone(),
            hamtad: hamtad[i].clone(),
        });
    }
    serier.sort_by_key(|(order, _)| *order);
    Ok(PanelRows {
        kategorier,
        serier: serier.into_iter().map(|(_, s)| s).collect(),
        rows: Vec::new(),
        values,
        scale: Scale::Value,
    })
}

impl Row {
    /// The key of its count in the site's publication.
    pub(crate) fn key(&self) -> String {
        cell_key(&self.projekt, &self.period, &self.nyckel)
    }

    /// The key of its n in the site's publication.
    pub(crate) fn n_key(&self) -> Option<String> {
        self.n_nyckel
            .as_ref()
            .map(|k| cell_key(&self.projekt, &self.period, k))
    }

    /// The key of the whole it is a part of, in the site's publication.
    pub(crate) fn whole_key(&self) -> Option<String> {
        self.del_av
            .as_ref()
            .map(|k| cell_key(&self.projekt, &self.period, k))
    }
}

impl PanelData {
    /// The panel as the public sees it: each count as the site's publication decided
    /// (`audience`), shares from the shown counts.
    pub(crate) fn published(panel: &Panel, rows: &PanelRows, audience: &Audience) -> PanelData {
        let mut hidden = 0;
        let mut points: Vec<Point> = rows
            .rows
            .iter()
            .map(|row| {
                let antal = audience.count(row.key(), row.antal);
                if antal.shown().is_none() {
                    hidden += 1;
                }
                let n_key = row.n_key();
                let n = n_key
                    .clone()
                    .zip(row.n)
                    .map(|(key, n)| audience.count(key, n));
                // A rate's denominator is no count of participants: the estimate, whole.
                let whole = match row.namnare {
                    Some(namnare) if namnare >= 1.0 => Some(namnare.round() as i64),
                    Some(_) => None,
                    None => n.as_ref().and_then(Count::shown),
                };
                let proportion = match (antal.shown(), whole) {
                    (Some(a), Some(n)) if n > 0 && a <= n => {
                        Some(wilson(a.max(0) as u64, n as u64))
                    }
                    _ => None,
                };
                Point {
                    kategori: row.kategori.clone(),
                    serie: row.serie.clone(),
                    andel: proportion.as_ref().and_then(|p| p.share),
                    lag: proportion.as_ref().and_then(|p| p.low),
                    hog: proportion.as_ref().and_then(|p| p.high),
                    gruppen_dold: antal.in_closed_group(),
                    nyckel: antal.key().to_string(),
                    n_nyckel: n_key,
                    antal,
                    n,
                    varde: None,
                    kalla: None,
                }
            })
            .collect();
        let mut kallor: Vec<String> = Vec::new();
        for value in &rows.values {
            let cited = value
                .kalla
                .as_ref()
                .map(|kalla| crate::kontext::citation(kalla, value.hamtad.as_deref()));
            if let Some(cited) = &cited
                && !kallor.contains(cited)
            {
                kallor.push(cited.clone());
            }
            points.push(Point {
                kategori: value.kategori.clone(),
                serie: value.serie.clone(),
                // No count: nothing a reader could subtract, and nothing to decide.
                antal: Count::new(String::new(), 0),
                n: None,
                andel: None,
                lag: None,
                hog: None,
                varde: value.varde,
                kalla: value.kalla.clone(),
                nyckel: String::new(),
                n_nyckel: None,
                gruppen_dold: false,
            });
        }
        PanelData {
            panel: panel.clone(),
            kategorier: rows.kategorier.clone(),
            serier: rows.serier.clone(),
            points,
            scale: rows.scale,
            hidden,
            kallor,
        }
    }
}
