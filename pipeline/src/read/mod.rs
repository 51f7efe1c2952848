//! Reading submissions: workbooks and CSV files turned into rows of raw cells.
//!
//! This stage knows file formats and nothing of the schema's rules: it finds which
//! file or sheet holds which table, reads the submission's own details (project,
//! half-year, schema version) and yields each row with the row number a person sees
//! in Excel or a text editor. Problems with the files themselves (not a workbook, an
//! unknown sheet, an empty file) are [`Finding`]s, reported with all the others.

mod csv;
mod finding;
mod memory;
mod xlsx;

pub use xlsx::serial_to_date;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

pub use finding::{Finding, Location};
pub use memory::TableRows;

use crate::schema::{Schema, normalise_heading};

/// Name of the sheet (workbook) or file stem (CSV) holding a submission's own details.
pub const META_NAME: &str = "inlamning";
/// Sheets the template writes that hold no records.
pub const INFO_SHEETS: [&str; 2] = ["instruktioner", "koder"];

/// One cell as the file gave it; CSV files give only text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// An Excel date cell (or date-time: the time is dropped).
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }
}

/// A data row: its number as shown to the user (the header is row 1) and its cells.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub number: u64,
    pub cells: Vec<Cell>,
}

/// A stream of rows from one table's file or sheet.
pub trait RowSource {
    /// The header cells, in file order.
    fn headers(&self) -> &[String];
    /// The next non-empty row, or a finding when the file cannot be read further.
    fn next_row(&mut self) -> Result<Option<RawRow>, Finding>;
    /// (done, total) in the source's own unit, for a progress bar.
    fn progress(&self) -> (u64, u64);
}

/// Where one table of a submission comes from.
#[derive(Debug, Clone)]
pub enum TableInput {
    Csv(PathBuf),
    Sheet {
        path: PathBuf,
        sheet: String,
    },
    /// Received over HTTP; `origin` names the submission, `table` the table.
    Memory {
        origin: PathBuf,
        table: String,
        rows: Arc<TableRows>,
    },
}

impl TableInput {
    pub fn location(&self) -> Location {
        match self {
            TableInput::Csv(path) => Location::file(path),
            TableInput::Sheet { path, sheet } => Location::file(path).sheet(sheet),
            TableInput::Memory { origin, table, .. } => Location::file(origin).sheet(table),
        }
    }

    pub fn open(&self) -> Result<Box<dyn RowSource>, Finding> {
        match self {
            TableInput::Csv(path) => Ok(Box::new(csv::CsvSource::open(path)?)),
            TableInput::Sheet { path, sheet } => {
                Ok(Box::new(xlsx::SheetSource::open(path, sheet)?))
            }
            TableInput::Memory { rows, .. } => {
                Ok(Box::new(memory::MemorySource::new(rows.clone())))
            }
        }
    }
}

/// The details a submission states about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmissionMeta {
    pub projekt: Option<String>,
    pub halvar: Option<String>,
    pub schema_version: Option<String>,
}

/// One project's records for one half-year, as found on disk, not yet read.
#[derive(Debug, Clone)]
pub struct Submission {
    /// What the user named: the workbook, or the folder of the CSV files.
    pub origin: PathBuf,
    pub meta: SubmissionMeta,
    /// Table name → where its rows are.
    pub tables: BTreeMap<String, TableInput>,
}

/// Groups the given paths into submissions.
///
/// A workbook is one submission. CSV files are grouped by folder: one folder of CSV
/// files is one submission. A folder given on the command line stands for every
/// workbook and CSV file in it and its subfolders.
pub fn discover(paths: &[PathBuf], schema: &Schema) -> (Vec<Submission>, Vec<Finding>) {
    let mut submissions = Vec::new();
    let mut findings = Vec::new();
    let mut csv_groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut add_file =
        |path: &Path, findings: &mut Vec<Finding>, submissions: &mut Vec<Submission>| {
            match extension(path).as_str() {
                "xlsx" | "xlsm" | "xls" | "ods" => match xlsx::discover(path, schema) {
                    Ok(submission) => submissions.push(submission),
                    Err(mut found) => findings.append(&mut found),
                },
                "csv" | "txt" => {
                    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    csv_groups
                        .entry(folder)
                        .or_default()
                        .push(path.to_path_buf());
                }
                _ => findings.push(Finding::at(
                    Location::file(path),
                    "okänd filtyp: lämna in en Excel-arbetsbok (.xlsx) eller CSV-filer (.csv)",
                )),
            }
        };
    for path in paths {
        if path.is_dir() {
            let mut entries = Vec::new();
            if let Err(e) = submission_files(path, &mut entries) {
                findings.push(Finding::at(
                    Location::file(path),
                    format!("kan inte läsa mappen: {e}"),
                ));
                continue;
            }
            if entries.is_empty() {
                findings.push(Finding::at(
                    Location::file(path),
                    "mappen innehåller inga .xlsx- eller .csv-filer",
                ));
            }
            for entry in entries {
                add_file(&entry, &mut findings, &mut submissions);
            }
        } else if path.is_file() {
            add_file(path, &mut findings, &mut submissions);
        } else {
            findings.push(Finding::at(Location::file(path), "filen finns inte"));
        }
    }
    for (folder, files) in csv_groups {
        match csv::discover(&folder, &files, schema) {
            Ok(submission) => submissions.push(submission),
            Err(mut found) => findings.append(&mut found),
        }
    }
    (submissions, findings)
}

/// Workbooks and CSV files under a folder and its subfolders, in name order;
/// hidden entries and Excel's lock files are skipped.
fn submission_files(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden || is_lock_file(&path) {
            continue;
        }
        if path.is_dir() {
            submission_files(&path, found)?;
        } else if matches!(
            extension(&path).as_str(),
            "xlsx" | "xlsm" | "xls" | "ods" | "csv"
        ) {
            found.push(path);
        }
    }
    Ok(())
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Excel leaves `~$name.xlsx` lock files beside open workbooks.
fn is_lock_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("~$"))
}

/// Reads the key/value rows of an Inlämning sheet or file (at `location`) into the
/// submission's details. A detail given twice is refused: which of the two was meant
/// is not for finsam to guess.
fn read_meta(
    source: &mut dyn RowSource,
    location: Location,
) -> Result<SubmissionMeta, Vec<Finding>> {
    let mut meta = SubmissionMeta::default();
    let mut findings = Vec::new();
    // The header row of a key/value sheet is itself a key/value pair only when a
    // user removed the heading; accept both.
    let headers: Vec<Cell> = source
        .headers()
        .iter()
        .map(|h| Cell::Text(h.clone()))
        .collect();
    let mut rows = vec![RawRow {
        number: 1,
        cells: headers,
    }];
    loop {
        match source.next_row() {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => break,
            Err(finding) => {
                findings.push(finding);
                break;
            }
        }
    }
    let mut given: BTreeMap<&str, u64> = BTreeMap::new();
    for row in rows {
        let text = |i: usize| match row.cells.get(i) {
            Some(Cell::Text(t)) => t.trim().to_string(),
            Some(Cell::Number(n)) => format!("{n}"),
            _ => String::new(),
        };
        let value = Some(text(1)).filter(|v| !v.is_empty());
        let (detail, field) = match normalise_heading(&text(0)).as_str() {
            "projekt" => ("Projekt", &mut meta.projekt),
            "halvår" | "halvar" | "period" => ("Halvår", &mut meta.halvar),
            "schemaversion" | "version" => ("Schemaversion", &mut meta.schema_version),
            _ => continue,
        };
        if let Some(first) = given.insert(detail, row.number) {
            findings.push(Finding::at(
                location.clone().row(row.number),
                format!(
                    "{detail} anges två gånger (rad {first} och {}): ta bort den ena",
                    row.number
                ),
            ));
        }
        *field = value;
    }
    if findings.is_empty() {
        Ok(meta)
    } else {
        Err(findings)
    }
}
