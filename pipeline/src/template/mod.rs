//! Templates for project leaders: the Excel workbook and its CSV equivalents.
//!
//! Both are derived from the schema alone, so a template always reads back through
//! `ingest` without findings: table sheets and files are named after the tables
//! (the label when it is a valid, unambiguous sheet name, otherwise the name),
//! headers are the columns' labels, and the workbook's own sheets are the ones the
//! reader knows (Instruktioner and Koder are skipped, Inlämning holds the
//! submission's details). Files are written atomically (temp file in the same
//! folder, fsync, rename), so an interrupted run leaves the old template or none,
//! never half a file.
//!
//! [`write_filled_xlsx`] writes the same workbook with records in it and the
//! Inlämning sheet filled in: example data and fixtures that look exactly like a
//! submission a project leader makes from the template.
//!
//! Layout, by what is written: this file holds the public API, the errors and what the
//! writers share (sheet names, the atomic write); `blank` lays out the workbook's sheets
//! (Instruktioner, Inlämning, a sheet per table, Koder), `validation` the drop-downs
//! and range checks of each column, `filled` the records and details of a filled
//! workbook, and `csv` the CSV templates.

mod blank;
mod csv;
mod filled;
mod validation;

#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::utility::check_sheet_name;
use rust_xlsxwriter::{ExcelDateTime, XlsxError};

use crate::failure::Kind;
use crate::read::META_NAME;
use crate::schema::{Schema, TableDef, normalise_heading};
use blank::build_workbook;
use filled::Filled;

pub use csv::write_csv;
pub use filled::{FilledMeta, FilledRows, write_filled_xlsx};

/// Sheet rows (the header is row 1) that carry the validations and input messages.
pub const TEMPLATE_ROWS: u32 = 5000;
/// The most records a sheet holds: Excel's 1,048,576 rows, less the header.
pub const MAX_SHEET_ROWS: usize = 1_048_575;

const INSTRUCTIONS_SHEET: &str = "Instruktioner";
const META_SHEET: &str = "Inlämning";
const CODES_SHEET: &str = "Koder";

/// A template could not be written; nothing half-written is left at `path`.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("kan inte skapa Excel-mallen {path}: {source}")]
    Workbook { path: PathBuf, source: XlsxError },
    #[error("kan inte skriva mallen {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("kan inte skapa Excel-arbetsboken {path}: {message}")]
    Rows { path: PathBuf, message: String },
    #[error(
        "kan inte skapa Excel-mallen {path}: tabellen {table} får inget bladnamn (varken \"{label}\" eller \"{table}\" duger som namn på ett Excel-blad)"
    )]
    SheetName {
        path: PathBuf,
        table: String,
        label: String,
    },
}

impl TemplateError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            TemplateError::Rows { .. } => Kind::InvalidInput,
            TemplateError::Workbook { .. }
            | TemplateError::Io { .. }
            | TemplateError::SheetName { .. } => Kind::Internal,
        }
    }
}

/// The Excel template for project leaders.
pub fn write_xlsx(schema: &Schema, path: &Path) -> Result<(), TemplateError> {
    write_workbook(schema, None, path)
}

/// The workbook, blank or filled, checked and built in memory before `path` is touched.
fn write_workbook(
    schema: &Schema,
    filled: Option<&Filled>,
    path: &Path,
) -> Result<(), TemplateError> {
    let sheets = sheet_names(schema).map_err(|table| TemplateError::SheetName {
        path: path.to_path_buf(),
        table: table.name.clone(),
        label: table.label.clone(),
    })?;
    let bytes = build_workbook(schema, &sheets, filled)
        .and_then(|mut workbook| workbook.save_to_buffer())
        .map_err(|source| TemplateError::Workbook {
            path: path.to_path_buf(),
            source,
        })?;
    write_atomic(path, &bytes)
}

/// Writes `bytes` to a temp file beside `path`, fsyncs it and renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TemplateError> {
    crate::store::write_atomic(path, bytes).map_err(|e| TemplateError::Io {
        path: path.to_path_buf(),
        source: match e {
            crate::store::StoreError::Io { source, .. } => source,
            other => io::Error::other(other.to_string()),
        },
    })
}

/// Each table's sheet name: its label if Excel accepts it and it reads back as this
/// table, else its name. `Err` carries a table for which neither works.
fn sheet_names(schema: &Schema) -> Result<Vec<(&TableDef, String)>, &TableDef> {
    let mut taken: Vec<String> = [
        INSTRUCTIONS_SHEET,
        META_SHEET,
        META_NAME,
        CODES_SHEET,
        "History",
    ]
    .map(normalise_heading)
    .to_vec();
    let mut sheets = Vec::with_capacity(schema.tables.len());
    for table in &schema.tables {
        let usable = |name: &&String| {
            check_sheet_name(name).is_ok()
                && !taken.contains(&normalise_heading(name))
                && schema
                    .table_by_heading(name)
                    .is_some_and(|found| found.name == table.name)
        };
        let name = [&table.label, &table.name]
            .into_iter()
            .find(usable)
            .ok_or(table)?
            .clone();
        taken.push(normalise_heading(&name));
        sheets.push((table, name));
    }
    Ok(sheets)
}

/// A date as Excel stores it; years before 1900 or after 9999 do not fit.
fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year =
        u16::try_from(date.year()).map_err(|_| XlsxError::DateTimeRangeError(date.to_string()))?;
    // Month and day always fit: 1..=12 and 1..=31.
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

/// Schema descriptions are TOML multi-line strings: one line, single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
