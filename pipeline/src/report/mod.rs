//! Reports: figures computed by the SQL files in `queries/`, laid out by a TOML file
//! beside them, rendered for people (Markdown) or programs (JSON).
//!
//! The Rust here only runs queries and places their numbers; what a number counts is
//! defined in the SQL and in `docs/definitions.md`. Shares are whole percent rounded
//! half up, as the project leaders' own reports do (16/34 → 47 %).

pub mod disclosure;
pub mod document;
mod format;
mod html;
mod layout;
mod markdown;
pub mod public;
pub mod queries;
pub mod stats;
pub mod tables;
mod typeset;
pub mod uppfoljning;
mod view;
mod xlsx;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use serde::Serialize;

pub use format::{Format, Render};
pub(crate) use html::STYLE;
pub use html::to_html;
pub use layout::{Layout, LayoutFigure, LayoutLine};
pub use markdown::to_markdown;
pub use queries::{QueryFile, QueryLibrary, parse_header};
pub use xlsx::to_xlsx;

impl Render for Report {
    fn markdown(&self) -> String {
        to_markdown(self)
    }

    fn html(&self) -> String {
        to_html(self)
    }

    fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        to_xlsx(self)
    }

    fn document(&self) -> document::Document {
        view::document(self)
    }
}

use crate::disclosure::ledger;
use crate::display::{Audience, Count};
use crate::failure::Kind;
use crate::period::HalfYear;
use crate::query::functions::{ALL_PROJECTS, selects};
use crate::query::{Engine, QueryError, QueryResult, Unused};
use crate::store::Dataset;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("kan inte läsa {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file} saknas i {origin}")]
    MissingFile { file: String, origin: String },
    #[error("{file} är felaktig: {message}")]
    Layout { file: String, message: String },
    #[error("frågan {file}: {source}")]
    Query { file: String, source: QueryError },
    #[error("frågan {file} gav ingen kolumn {column} (kolumner: {available})")]
    MissingColumn {
        file: String,
        column: String,
        available: String,
    },
    #[error("okänt projekt {unknown}: datamängden har {known}")]
    UnknownProject { unknown: String, known: String },
    #[error(
        "--publik tar ett projekt eller alla, inte {0}: två urval som skiljer sig med ett projekt skulle visa det projektets dolda tal"
    )]
    PublicSelection(String),
    #[error(
        "--publik redovisar utfall och deltagare per år (2008), inte {0}: ett halvår bredvid sitt år, eller flera år bredvid varje år, skulle visa dolda tal genom subtraktion"
    )]
    PublicPeriod(String),
    #[error(
        "--publik visar inte tabellerna per kommun (lika lite som per åldersgrupp): där blir grupperna så små att lite annat än Totalt och kön kunde visas. Deltagarna per kommun publiceras på tavlan Kommunen, under webbplatsens röjandekontroll."
    )]
    PublicBreakdown,
    #[error(transparent)]
    Disclosure(#[from] crate::disclosure::DisclosureError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The query engine over the dataset could not be opened.
    #[error(transparent)]
    Engine(QueryError),
    #[error("kan inte skriva {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("frågemotorn kunde inte startas: {0}")]
    Runtime(std::io::Error),
    #[error("kan inte skapa rapportfilen: {0}")]
    Document(String),
}

impl ReportError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            // Query files come from --queries, reports go to --out: the user's files.
            ReportError::Read { source, .. } | ReportError::Write { source, .. } => {
                crate::failure::of_user_file(source)
            }
            ReportError::Runtime(_) | ReportError::Document(_) => Kind::Internal,
            ReportError::MissingFile { .. }
            | ReportError::Layout { .. }
            | ReportError::MissingColumn { .. }
            | ReportError::UnknownProject { .. }
            | ReportError::Disclosure(_) => Kind::InvalidInput,
            ReportError::PublicSelection(_)
            | ReportError::PublicPeriod(_)
            | ReportError::PublicBreakdown => Kind::Usage,
            ReportError::Query { source, .. } | ReportError::Engine(source) => source.kind(),
            ReportError::Store(e) => e.kind(),
        }
    }
}

/// What every report says about itself: what was selected, from which submissions.
#[derive(Debug, Clone, Serialize)]
pub struct ReportHead {
    pub title: String,
    /// The selected projects, or `["alla"]`.
    pub projekt: Vec<String>,
    pub period: String,
    pub start: String,
    pub slut: String,
    /// The submissions the figures come from; empty when the selection has none.
    pub inlamningar: Vec<String>,
    /// The half-year each line's `foregaende` is from, where the selection has data for
    /// it (the half-year report only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foregaende_halvar: Option<String>,
    /// Disclosure control applied: the threshold below which counts are hidden.
    pub publik_troskel: Option<i64>,
    /// With disclosure control: how many values it hid, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dolda: Option<disclosure::Hidden>,
    /// With disclosure control: the keys of the publication's numbers it could not
    /// protect, for whoever publishes (never in the report).
    #[serde(skip)]
    pub unprotected: Vec<String>,
}

impl ReportHead {
    /// What a report presented to `audience` says of it: for a public page its threshold
    /// and how many values were hidden (`hidden`); what could not be protected.
    pub(crate) fn presented(&mut self, audience: &Audience, hidden: disclosure::Hidden) {
        if let Some(threshold) = audience.threshold() {
            self.publik_troskel = Some(threshold);
            self.dolda = Some(hidden);
        }
        self.unprotected = audience.unprotected().to_vec();
    }

    /// The head for `projects` (checked against the dataset) over `period`, listing the
    /// current submissions of those projects whose half-year `counts`. Exact: publishing
    /// fills in the threshold and what was hidden.
    fn new(
        dataset: &Dataset,
        title: &str,
        projects: &[String],
        period: (String, chrono::NaiveDate, chrono::NaiveDate),
        counts: impl Fn(&str) -> bool,
    ) -> Result<ReportHead, ReportError> {
        let manifest = dataset.manifest()?;
        let current = manifest.current();
        let parameter = projects.join(",");
        let inlamningar = current
            .iter()
            .filter(|((p, h), _)| counts(h) && selects(&parameter, p))
            .map(|((p, h), entry)| format!("{p} {h} ({})", entry.id))
            .collect();
        let (label, start, end) = period;
        Ok(ReportHead {
            title: title.to_string(),
            projekt: resolve_projects(&current, projects)?,
            period: label,
            start: start.to_string(),
            slut: end.to_string(),
            inlamningar,
            foregaende_halvar: None,
            publik_troskel: None,
            dolda: None,
            unprotected: Vec::new(),
        })
    }

    /// What a public report says under its tables about disclosure control (with what
    /// the public version `left_out`); `None` for an exact report.
    pub fn public_note(&self, left_out: &str) -> Option<String> {
        self.publik_troskel
            .map(|threshold| disclosure::public_note(threshold, self.dolda.as_ref(), left_out))
    }
}

/// A computed half-year report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub head: ReportHead,
    pub figurer: Vec<Figure>,
    /// The project's own text, after the statistics: the project's report only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub berattelse: Vec<Narrative>,
}

/// A section of a project's text for the half-year (the table berattelse).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Narrative {
    pub projekt: String,
    pub avsnitt: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub nr: u32,
    pub rubrik: String,
    /// The query file that computed the figure, and its title.
    pub fraga: String,
    pub fraga_titel: String,
    pub rader: Vec<Line>,
    /// Breakdowns list their categories as lines.
    pub fordelning: bool,
    pub not: Option<String>,
}

/// A line of a figure. Its counts are named `<query file>:<column>` for single figures,
/// `<query file>:<label>` for breakdown rows: the cells of disclosure control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub text: String,
    #[serde(flatten)]
    pub value: Value,
    /// The same line in the previous half-year's report, as its audience saw it there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foregaende: Option<Value>,
}

/// A figure's value, as the report's audience sees it ([`crate::display`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Count {
        antal: Count,
        /// What it is a share of, where the layout names one.
        namnare: Option<Count>,
        /// Whole percent of `namnare`, rounded half up, from the shown counts.
        andel: Option<i64>,
    },
    Span {
        fran: Option<Count>,
        till: Option<Count>,
    },
}

impl Value {
    /// A count named `key`, with its denominator (key and value) where the layout names
    /// one; a denominator the query left empty is no one (0). Nothing is shown until an
    /// audience decides ([`disclosure::present`]).
    pub fn count(key: String, antal: i64, denominator: Option<(String, i64)>) -> Value {
        Value::Count {
            antal: Count::new(key, antal),
            namnare: denominator.map(|(key, n)| Count::new(key, n)),
            andel: None,
        }
    }
}

/// `numerator / denominator` as whole percent, halves rounded up; none for a zero denominator.
pub fn whole_percent(numerator: i64, denominator: i64) -> Option<i64> {
    (denominator > 0).then(|| (200 * numerator + denominator) / (2 * denominator))
}

/// What to report on.
pub struct Selection {
    /// Project short names, or `alla`.
    pub projects: Vec<String>,
    pub period: HalfYear,
    /// Disclosure control for readers outside the project: the threshold below which
    /// counts are hidden. `None`: the project's internal report with exact counts.
    pub public_threshold: Option<i64>,
}

/// Computes the half-year report for a selection. With a public threshold the report
/// is published with every other selection of the half-year (each project and `alla`),
/// and disclosure control decides over all of them together ([`public`]).
pub async fn half_year(
    dataset: &Dataset,
    engine: &Engine,
    library: &QueryLibrary,
    selection: &Selection,
) -> Result<Report, ReportError> {
    let layout = Layout::parse(
        library.text(layout::FILE)?,
        &format!("halvar/{}", layout::FILE),
    )?;
    let mut report = presented_half_year(dataset, engine, library, &layout, selection).await?;
    if selection.public_threshold.is_none()
        && !report.head.inlamningar.is_empty()
        && let Some(query) = &layout.narrative
    {
        report.berattelse = narrative(engine, library, query, selection).await?;
    }
    let before = selection.period.previous();
    if !report.head.inlamningar.is_empty() && has_submissions(dataset, &selection.projects, before)?
    {
        let earlier = Selection {
            period: before,
            projects: selection.projects.clone(),
            public_threshold: selection.public_threshold,
        };
        let previous = presented_half_year(dataset, engine, library, &layout, &earlier).await?;
        beside_previous(&mut report, &previous);
    }
    Ok(report)
}

/// Whether any of `projects` (or `alla`) has a current submission for `period`.
fn has_submissions(
    dataset: &Dataset,
    projects: &[String],
    period: HalfYear,
) -> Result<bool, ReportError> {
    let halvar = period.to_string();
    let head = ReportHead::new(
        dataset,
        "",
        projects,
        (halvar.clone(), period.start(), period.end()),
        |h| h == halvar,
    )?;
    Ok(!head.inlamningar.is_empty())
}

/// The text sections of the selected projects for the half-year, in their order.
async fn narrative(
    engine: &Engine,
    library: &QueryLibrary,
    query: &str,
    selection: &Selection,
) -> Result<Vec<Narrative>, ReportError> {
    let params = half_year_params(&selection.projects, selection.period);
    let results = run_queries(engine, library, [query], &params).await?;
    let (file, result) = &results[query];
    let columns = Columns::new(&file.name, result);
    let (projects, headings, texts) = (
        columns.texts("projekt")?,
        columns.texts("avsnitt")?,
        columns.texts("text")?,
    );
    Ok(projects
        .into_iter()
        .zip(headings)
        .zip(texts)
        .map(|((projekt, avsnitt), text)| Narrative {
            projekt: projekt.unwrap_or_default(),
            avsnitt: avsnitt.unwrap_or_default(),
            // CSV files from Windows end lines with CR LF; paragraphs are split on LF.
            text: text.unwrap_or_default().replace("\r\n", "\n"),
        })
        .collect())
}

/// The report of one half-year as its audience sees it: exact for the project, or a
/// page of the half-year's publication.
async fn presented_half_year(
    dataset: &Dataset,
    engine: &Engine,
    library: &QueryLibrary,
    layout: &Layout,
    selection: &Selection,
) -> Result<Report, ReportError> {
    let Some(threshold) = selection.public_threshold else {
        let mut report = exact_half_year(
            dataset,
            engine,
            library,
            layout,
            &selection.projects,
            selection.period,
        )
        .await?;
        disclosure::present(&mut report, &Audience::Project);
        return Ok(report);
    };
    let published = public::selection(&selection.projects)?;
    let (publication, mut reports) =
        public::half_year(dataset, engine, library, layout, selection.period).await?;
    let mut report = public::page(&mut reports, &published)?;
    let protected = ledger::publish(dataset.root(), publication, threshold)?;
    let period = report.head.period.clone();
    disclosure::present(
        &mut report,
        &Audience::page(&protected, &published, &period),
    );
    Ok(report)
}

/// Places beside each line of `report` the same line of `previous` (same figure number,
/// same text), as `previous`'s audience saw it: a public page shows what the previous
/// half-year's public page showed, so the column publishes nothing new.
pub(crate) fn beside_previous(report: &mut Report, previous: &Report) {
    if previous.head.inlamningar.is_empty() {
        return;
    }
    report.head.foregaende_halvar = Some(previous.head.period.clone());
    for figure in &mut report.figurer {
        // Figure 12 is a count and a breakdown: the same number, another query.
        let Some(earlier) = previous
            .figurer
            .iter()
            .find(|f| f.nr == figure.nr && f.fraga == figure.fraga)
        else {
            continue;
        };
        for line in &mut figure.rader {
            line.foregaende = earlier
                .rader
                .iter()
                .find(|l| l.text == line.text)
                .map(|l| l.value.clone());
        }
    }
}

/// The half-year report with exact counts, for an audience to decide what it shows.
pub(crate) async fn exact_half_year(
    dataset: &Dataset,
    engine: &Engine,
    library: &QueryLibrary,
    layout: &Layout,
    projects: &[String],
    period: HalfYear,
) -> Result<Report, ReportError> {
    let halvar = period.to_string();
    let head = ReportHead::new(
        dataset,
        &layout.title,
        projects,
        (halvar.clone(), period.start(), period.end()),
        |h| h == halvar,
    )?;
    let mut report = Report {
        head,
        figurer: Vec::new(),
        berattelse: Vec::new(),
    };
    if report.head.inlamningar.is_empty() {
        return Ok(report);
    }
    let params = half_year_params(projects, period);
    let results = run_queries(
        engine,
        library,
        layout.figures.iter().map(|f| f.query.as_str()),
        &params,
    )
    .await?;
    for figure in &layout.figures {
        let (file, result) = &results[&figure.query];
        report.figurer.push(place(figure, file, result)?);
    }
    Ok(report)
}

/// The parameters of every half-year query: `$projekt` and `$halvar`.
fn half_year_params(projects: &[String], period: HalfYear) -> Vec<(String, String)> {
    vec![
        ("projekt".to_string(), projects.join(",")),
        ("halvar".to_string(), period.to_string()),
    ]
}

/// Runs each named query file of `library` once, as many at a time as there are cores:
/// small queries overlap their file listing and planning, while a selection of millions
/// of rows does not hold every query's hash tables in memory at once. By file name.
async fn run_queries(
    engine: &Engine,
    library: &QueryLibrary,
    names: impl IntoIterator<Item = &str>,
    params: &[(String, String)],
) -> Result<BTreeMap<String, (QueryFile, QueryResult)>, ReportError> {
    use futures::{StreamExt, TryStreamExt};
    let names: std::collections::BTreeSet<&str> = names.into_iter().collect();
    let files = names
        .into_iter()
        .map(|name| library.query(name))
        .collect::<Result<Vec<_>, _>>()?;
    let at_once = std::thread::available_parallelism().map_or(2, |n| n.get());
    futures::stream::iter(files.into_iter().map(|file| async move {
        let result = engine
            .run_with(&file.sql, params, Unused::Ignore)
            .await
            .map_err(|source| ReportError::Query {
                file: file.name.clone(),
                source,
            })?;
        Ok((file.name.clone(), (file, result)))
    }))
    .buffered(at_once)
    .try_collect()
    .await
}

/// The selected projects as reports name them (upper case, or `alla`); an error names
/// a project the dataset does not have, and the ones it has.
fn resolve_projects(
    current: &BTreeMap<(String, String), &crate::store::ManifestEntry>,
    projects: &[String],
) -> Result<Vec<String>, ReportError> {
    let mut known: Vec<&str> = current.keys().map(|(p, _)| p.as_str()).collect();
    known.dedup();
    projects
        .iter()
        .map(|project| {
            let project = project.trim();
            if project.eq_ignore_ascii_case(ALL_PROJECTS) {
                Ok(ALL_PROJECTS.to_string())
            } else if known.iter().any(|k| k.eq_ignore_ascii_case(project)) {
                Ok(project.to_ascii_uppercase())
            } else {
                Err(ReportError::UnknownProject {
                    unknown: crate::personnummer::redact_for_message(project).into_owned(),
                    known: if known.is_empty() {
                        "inga projekt ännu".to_string()
                    } else {
                        known.join(", ")
                    },
                })
            }
        })
        .collect()
}

/// Takes a figure's numbers out of its query's result.
fn place(
    figure: &LayoutFigure,
    file: &QueryFile,
    result: &QueryResult,
) -> Result<Figure, ReportError> {
    let table = Columns::new(&file.name, result);
    let mut rader = Vec::new();
    match &figure.breakdown {
        Some(breakdown) => {
            let labels = table.texts(&breakdown.label)?;
            let counts = table.integers(&breakdown.count)?;
            let denominators = match &breakdown.denominator {
                Some(column) => Some(table.integers(column)?),
                None => None,
            };
            for (i, (label, count)) in labels.into_iter().zip(counts).enumerate() {
                let denominator = breakdown.denominator.as_ref().map(|column| {
                    let n = denominators.as_ref().and_then(|d| d[i]);
                    (format!("{}:{column}", file.name), n.unwrap_or(0))
                });
                let text = label.unwrap_or_default();
                rader.push(Line {
                    value: Value::count(
                        format!("{}:{text}", file.name),
                        count.unwrap_or(0),
                        denominator,
                    ),
                    text,
                    foregaende: None,
                });
            }
        }
        None => {
            for line in &figure.lines {
                let first = |column: &str| -> Result<Option<i64>, ReportError> {
                    Ok(table.integers(column)?.first().copied().flatten())
                };
                let key = |column: &str| format!("{}:{column}", file.name);
                let value = match line {
                    LayoutLine::Count {
                        count, denominator, ..
                    } => {
                        let denominator = match denominator {
                            Some(column) => Some((key(column), first(column)?.unwrap_or(0))),
                            None => None,
                        };
                        Value::count(key(count), first(count)?.unwrap_or(0), denominator)
                    }
                    LayoutLine::Span { from, to, .. } => Value::Span {
                        fran: first(from)?.map(|v| Count::new(key(from), v)),
                        till: first(to)?.map(|v| Count::new(key(to), v)),
                    },
                };
                rader.push(Line {
                    text: line.text().to_string(),
                    value,
                    foregaende: None,
                });
            }
        }
    }
    Ok(Figure {
        nr: figure.nr,
        rubrik: figure.heading.clone(),
        fraga: file.name.clone(),
        fraga_titel: file.title.clone(),
        rader,
        fordelning: figure.breakdown.is_some(),
        not: figure.note.clone(),
    })
}

/// Named columns of a query result, read as whole numbers or text.
pub struct Columns<'r> {
    file: &'r str,
    result: &'r QueryResult,
}

impl<'r> Columns<'r> {
    /// The result of the query file `file` (named in messages).
    pub fn new(file: &'r str, result: &'r QueryResult) -> Columns<'r> {
        Columns { file, result }
    }

    pub fn has(&self, column: &str) -> bool {
        self.result.schema.index_of(column).is_ok()
    }

    fn index(&self, column: &str) -> Result<usize, ReportError> {
        self.result
            .schema
            .index_of(column)
            .map_err(|_| ReportError::MissingColumn {
                file: self.file.to_string(),
                column: column.to_string(),
                available: self
                    .result
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    pub fn integers(&self, column: &str) -> Result<Vec<Option<i64>>, ReportError> {
        let index = self.index(column)?;
        let mut values = Vec::new();
        for batch in &self.result.batches {
            let array =
                cast(batch.column(index), &DataType::Int64).map_err(|e| self.cast_error(e))?;
            let array = array.as_primitive::<Int64Type>();
            values.extend((0..array.len()).map(|i| array.is_valid(i).then(|| array.value(i))));
        }
        Ok(values)
    }

    pub fn floats(&self, column: &str) -> Result<Vec<Option<f64>>, ReportError> {
        let index = self.index(column)?;
        let mut values = Vec::new();
        for batch in &self.result.batches {
            let array =
                cast(batch.column(index), &DataType::Float64).map_err(|e| self.cast_error(e))?;
            let array = array.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            values.extend((0..array.len()).map(|i| array.is_valid(i).then(|| array.value(i))));
        }
        Ok(values)
    }

    pub fn texts(&self, column: &str) -> Result<Vec<Option<String>>, ReportError> {
        let index = self.index(column)?;
        let mut values = Vec::new();
        for batch in &self.result.batches {
            values.extend(texts_of(batch, index).map_err(|e| self.cast_error(e))?);
        }
        Ok(values)
    }

    /// The result with only the rows whose `column` passes `keep` (all rows when the
    /// result has no such column).
    pub fn rows_where(
        &self,
        column: &str,
        keep: impl Fn(Option<&str>) -> bool,
    ) -> Result<QueryResult, ReportError> {
        let Ok(index) = self.result.schema.index_of(column) else {
            return Ok(QueryResult {
                schema: self.result.schema.clone(),
                batches: self.result.batches.clone(),
                notes: self.result.notes.clone(),
            });
        };
        let mut batches = Vec::with_capacity(self.result.batches.len());
        for batch in &self.result.batches {
            let mask: BooleanArray = texts_of(batch, index)
                .map_err(|e| self.cast_error(e))?
                .iter()
                .map(|value| Some(keep(value.as_deref())))
                .collect();
            batches.push(filter_record_batch(batch, &mask).map_err(|e| self.cast_error(e))?);
        }
        Ok(QueryResult {
            schema: self.result.schema.clone(),
            batches,
            notes: self.result.notes.clone(),
        })
    }

    fn cast_error(&self, error: datafusion::arrow::error::ArrowError) -> ReportError {
        ReportError::Query {
            file: self.file.to_string(),
            source: QueryError::DataFusion(error.into()),
        }
    }
}

fn texts_of(
    batch: &RecordBatch,
    index: usize,
) -> Result<Vec<Option<String>>, datafusion::arrow::error::ArrowError> {
    let array = cast(batch.column(index), &DataType::Utf8)?;
    let array = array.as_string::<i32>();
    Ok((0..array.len())
        .map(|i| array.is_valid(i).then(|| array.value(i).to_string()))
        .collect())
}

/// Where a report is written: a file (atomically) or standard output.
pub fn write_output(text: &[u8], out: Option<&Path>) -> Result<(), ReportError> {
    use std::io::Write;
    match out {
        Some(path) => Ok(crate::store::write_atomic(path, text)?),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text)
                .and_then(|_| stdout.flush())
                .map_err(|source| ReportError::Write {
                    path: PathBuf::from("<stdout>"),
                    source,
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_half_up_to_whole_percent() {
        assert_eq!(whole_percent(16, 34), Some(47));
        assert_eq!(whole_percent(22, 34), Some(65));
        assert_eq!(whole_percent(12, 34), Some(35));
        assert_eq!(whole_percent(1, 8), Some(13), "12.5 rounds up");
        assert_eq!(whole_percent(0, 5), Some(0));
        assert_eq!(whole_percent(3, 0), None);
    }

    #[test]
    fn a_report_no_audience_has_seen_shows_no_number() {
        let value = Value::count("q.sql:antal".into(), 12, Some(("q.sql:n".into(), 20)));
        assert_eq!(view::cells(&value), ("..".to_string(), "..".to_string()));
        let mut report = Report {
            head: ReportHead {
                title: String::new(),
                projekt: vec!["P".into()],
                period: "2015H1".into(),
                start: String::new(),
                slut: String::new(),
                inlamningar: Vec::new(),
                foregaende_halvar: None,
                publik_troskel: None,
                dolda: None,
                unprotected: Vec::new(),
            },
            figurer: vec![Figure {
                nr: 1,
                rubrik: "Antal".into(),
                fraga: "q.sql".into(),
                fraga_titel: String::new(),
                rader: vec![Line {
                    text: "Antal".into(),
                    value,
                    foregaende: None,
                }],
                fordelning: false,
                not: None,
            }],
            berattelse: Vec::new(),
        };
        disclosure::present(&mut report, &Audience::Project);
        let shown = &report.figurer[0].rader[0].value;
        assert_eq!(view::cells(shown), ("12".to_string(), "60 %".to_string()));
    }
}
