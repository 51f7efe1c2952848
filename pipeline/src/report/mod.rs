//! Reports: figures computed by the SQL files in `queries/`, laid out by a TOML file
//! beside them, rendered for people (Markdown) or programs (JSON).
//!
//! The Rust here only runs queries and places their numbers; what a number counts is
//! defined in the SQL and in `docs/definitions.md`. Shares are whole percent rounded
//! half up, as the project leaders' own reports do (16/34 → 47 %).

pub mod disclosure;
mod html;
mod layout;
mod markdown;
pub mod public;
mod queries;
pub mod stats;
pub mod tables;
mod view;
mod xlsx;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use serde::Serialize;

pub(crate) use html::STYLE;
pub use html::to_html;
pub use layout::{Layout, LayoutFigure, LayoutLine};
pub use markdown::to_markdown;
pub use queries::{QueryFile, QueryLibrary, parse_header};
pub use xlsx::to_xlsx;

use crate::disclosure::ledger;
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
    #[error(transparent)]
    Disclosure(#[from] crate::disclosure::DisclosureError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
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
    /// Disclosure control applied: the threshold below which counts are hidden.
    pub publik_troskel: Option<i64>,
    /// With disclosure control: how many values it hid, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dolda: Option<disclosure::Hidden>,
}

impl ReportHead {
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
            publik_troskel: None,
            dolda: None,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub text: String,
    /// `<query file>:<column>` for single figures, `<query file>:<label>` for breakdown
    /// rows: names the cell in disclosure-control groups.
    #[serde(skip)]
    pub key: String,
    #[serde(flatten)]
    pub value: Value,
}

/// A figure's value. `None` where disclosure control hid it (shown as `..`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Count {
        antal: Option<i64>,
        namnare: Option<i64>,
        /// Whole percent of `namnare`, rounded half up.
        andel: Option<i64>,
        /// The key of the denominator's own cell, so hiding it hides this share too.
        #[serde(skip)]
        namnare_nyckel: Option<String>,
    },
    Span {
        fran: Option<i64>,
        till: Option<i64>,
    },
}

impl Value {
    pub fn count(antal: i64, namnare: Option<i64>, namnare_nyckel: Option<String>) -> Value {
        Value::Count {
            antal: Some(antal),
            namnare,
            andel: namnare.and_then(|d| whole_percent(antal, d)),
            namnare_nyckel,
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
    let Some(threshold) = selection.public_threshold else {
        return exact_half_year(
            dataset,
            engine,
            library,
            &layout,
            &selection.projects,
            selection.period,
        )
        .await;
    };
    let published = public::selection(&selection.projects)?;
    let (publication, mut reports) =
        public::half_year(dataset, engine, library, &layout, selection.period).await?;
    let mut report = public::page(&mut reports, &published)?;
    let protected = ledger::publish(dataset.root(), publication, threshold)?;
    disclosure::apply(&mut report, &published, &protected);
    Ok(report)
}

/// The half-year report with exact counts.
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
    };
    if report.head.inlamningar.is_empty() {
        return Ok(report);
    }
    let params = vec![
        ("projekt".to_string(), projects.join(",")),
        ("halvar".to_string(), halvar),
    ];
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
            if project.eq_ignore_ascii_case(ALL_PROJECTS) {
                Ok(ALL_PROJECTS.to_string())
            } else if known.iter().any(|k| k.eq_ignore_ascii_case(project)) {
                Ok(project.to_uppercase())
            } else {
                Err(ReportError::UnknownProject {
                    unknown: project.clone(),
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
                let denominator = denominators.as_ref().and_then(|d| d[i]);
                let denominator_key = breakdown
                    .denominator
                    .as_ref()
                    .map(|c| format!("{}:{c}", file.name));
                let text = label.unwrap_or_default();
                rader.push(Line {
                    key: format!("{}:{text}", file.name),
                    text,
                    value: Value::count(count.unwrap_or(0), denominator, denominator_key),
                });
            }
        }
        None => {
            for line in &figure.lines {
                let first = |column: &str| -> Result<Option<i64>, ReportError> {
                    Ok(table.integers(column)?.first().copied().flatten())
                };
                let (value, column) = match line {
                    LayoutLine::Count {
                        count, denominator, ..
                    } => {
                        let value = match denominator {
                            Some(column) => first(column)?,
                            None => None,
                        };
                        let key = denominator.as_ref().map(|c| format!("{}:{c}", file.name));
                        (Value::count(first(count)?.unwrap_or(0), value, key), count)
                    }
                    LayoutLine::Span { from, to, .. } => (
                        Value::Span {
                            fran: first(from)?,
                            till: first(to)?,
                        },
                        from,
                    ),
                };
                rader.push(Line {
                    text: line.text().to_string(),
                    key: format!("{}:{column}", file.name),
                    value,
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

    pub fn texts(&self, column: &str) -> Result<Vec<Option<String>>, ReportError> {
        let index = self.index(column)?;
        let mut values = Vec::new();
        for batch in &self.result.batches {
            values.extend(texts_of(batch, index).map_err(|e| self.cast_error(e))?);
        }
        Ok(values)
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
pub fn write_output(text: &[u8], out: Option<&Path>) -> crate::Result<()> {
    use std::io::Write;
    match out {
        Some(path) => Ok(crate::store::write_atomic(path, text)?),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text)
                .and_then(|_| stdout.flush())
                .map_err(|e| crate::Error::io(Path::new("<stdout>"), e))
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
}
