//! One person's data on request (GDPR articles 15 and 17): every row under their
//! pseudonym, wherever the dataset keeps one, shown (`finsam person visa`) or erased
//! (`finsam person radera`).
//!
//! Places a row can be: the tables (each project's and half-year's current partition),
//! the history of replaced submissions (`_historik`), the derived underlag
//! (`_underlag`) and the bodies `finsam serve` received (`_inkorg`). An erasure, under
//! the dataset's write lock, writes each file that holds the person again without
//! them (temp file, fsync, rename: a reader sees the file before or after, never half),
//! rebuilds the underlag of the projects concerned, removes received bodies that held
//! them (they were taken in; a body still waiting is refused, to be erased once taken
//! in), and records in `_radering/logg.jsonl` *that* an erasure happened: when, by
//! whom, how many rows of which table — never the person, their pseudonym or projects.
//! Each step is whole and an erasure can be run again: one cut short by a crash is
//! completed by running it again.
//!
//! The manifest keeps describing the submissions as they came in (its row counts
//! included); the erasure log says what has been removed since.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;

use crate::failure::Kind;
use crate::inbox::INBOX_DIR;
use crate::protocol::{Encoding, State};
use crate::read::Cell;
use crate::schema::{ColumnKind, Schema};
use crate::store::{self, Dataset, StoreError, jsonl, now_rfc3339};

/// Where erasures are recorded.
pub const ERASURE_DIR: &str = "_radering";
const ERASURE_LOG: &str = "logg.jsonl";

/// The erasure log of the dataset at `root`.
pub fn erasure_log(root: &Path) -> PathBuf {
    root.join(ERASURE_DIR).join(ERASURE_LOG)
}

#[derive(Debug, thiserror::Error)]
pub enum PersonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "en inlämning som innehåller personen väntar på att läsas in ({0}): radera när servern har läst in den"
    )]
    Waiting(String),
    #[error("{path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("underlaget kunde inte byggas om: {0}")]
    Underlag(String),
}

impl PersonError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            PersonError::Store(e) => e.kind(),
            PersonError::Waiting(_) => Kind::InvalidInput,
            PersonError::Unreadable { .. } | PersonError::Underlag(_) => Kind::Internal,
        }
    }
}

/// The kinds of place a person's rows can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceKind {
    /// A table's current rows.
    Tabell,
    /// A replaced submission's rows, kept in `_historik`.
    Historik,
    /// The derived tables in `_underlag`.
    Underlag,
    /// A body `finsam serve` received, in `_inkorg`.
    Inkorg,
}

impl PlaceKind {
    pub fn label(self) -> &'static str {
        match self {
            PlaceKind::Tabell => "tabell",
            PlaceKind::Historik => "historik",
            PlaceKind::Underlag => "underlag",
            PlaceKind::Inkorg => "inkorg",
        }
    }
}

/// One file holding rows of the person.
pub struct Place {
    pub kind: PlaceKind,
    /// The file, relative to the dataset's folder.
    pub path: PathBuf,
    /// The table the rows are of.
    pub table: String,
    pub rows: usize,
    /// The rows themselves (not for received bodies, which hold the same rows as the
    /// tables they were taken into).
    pub batches: Vec<RecordBatch>,
}

/// Every place of one person.
#[derive(Default)]
pub struct Found {
    pub places: Vec<Place>,
    /// Received bodies holding the person that are not taken in yet.
    waiting: Vec<PathBuf>,
}

impl Found {
    /// Rows per kind of place and table.
    pub fn counts(&self) -> BTreeMap<(PlaceKind, String), usize> {
        let mut counts = BTreeMap::new();
        for place in &self.places {
            *counts.entry((place.kind, place.table.clone())).or_default() += place.rows;
        }
        counts
    }

    /// No row anywhere, not even in a body waiting to be taken in.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.waiting.is_empty()
    }

    /// Received bodies holding the person that wait to be taken in.
    pub fn waiting(&self) -> &[PathBuf] {
        &self.waiting
    }
}

/// The names of the columns that hold a person's pseudonym: every person column of the
/// schema's tables, and `person` (the underlag's).
fn person_columns(schema: &Schema) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = schema
        .tables
        .iter()
        .flat_map(|t| &t.columns)
        .filter(|c| c.kind == ColumnKind::Person)
        .map(|c| c.name.clone())
        .collect();
    names.insert("person".to_string());
    names
}

/// Every place in the dataset at `root` holding rows of the person with `pseudonym`.
pub fn find(root: &Path, schema: &Schema, pseudonym: &str) -> Result<Found, PersonError> {
    let columns = person_columns(schema);
    let mut found = Found::default();
    let mut scan = |kind: PlaceKind, dir: PathBuf| -> Result<(), PersonError> {
        for path in parquet_files(&dir)? {
            let (batches, rows) = matching_rows(&path, &columns, pseudonym)?;
            if rows > 0 {
                let table = table_of(kind, root, &path);
                found.places.push(Place {
                    kind,
                    path: path.strip_prefix(root).unwrap_or(&path).to_path_buf(),
                    table,
                    rows,
                    batches,
                });
            }
        }
        Ok(())
    };
    for table in &schema.tables {
        scan(PlaceKind::Tabell, root.join(&table.name))?;
    }
    scan(PlaceKind::Historik, root.join(store::HISTORY_DIR))?;
    scan(
        PlaceKind::Underlag,
        root.join(crate::underlag::UNDERLAG_DIR),
    )?;
    inbox(root, schema, pseudonym, &mut found)?;
    Ok(found)
}

/// The table a file is of: its folder under the dataset for a table partition and the
/// underlag, its name in the history.
fn table_of(kind: PlaceKind, root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut parts = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    match kind {
        PlaceKind::Tabell => parts.next().map(|p| p.into_owned()),
        PlaceKind::Underlag => parts.nth(1).map(|p| p.into_owned()),
        PlaceKind::Historik | PlaceKind::Inkorg => path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned()),
    }
    .unwrap_or_default()
}

/// Every Parquet file under `dir`, in a fixed order (none when it does not exist).
fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut files = store::files_under(dir)?;
    files.retain(|path| path.extension().is_some_and(|e| e == "parquet"));
    Ok(files)
}

/// The file's rows of the person, and how many.
fn matching_rows(
    path: &Path,
    columns: &BTreeSet<String>,
    pseudonym: &str,
) -> Result<(Vec<RecordBatch>, usize), PersonError> {
    let mut matching = Vec::new();
    let mut rows = 0;
    for batch in read_parquet(path)? {
        let mask = rows_of(&batch, columns, pseudonym, path)?;
        let kept = filter_record_batch(&batch, &mask).map_err(|e| unreadable(path, e))?;
        if kept.num_rows() > 0 {
            rows += kept.num_rows();
            matching.push(kept);
        }
    }
    Ok((matching, rows))
}

fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>, PersonError> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| unreadable(path, e))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(path, e))
}

/// Which rows of `batch` have the pseudonym in a person column.
fn rows_of(
    batch: &RecordBatch,
    columns: &BTreeSet<String>,
    pseudonym: &str,
    path: &Path,
) -> Result<BooleanArray, PersonError> {
    let mut hit = vec![false; batch.num_rows()];
    for (index, field) in batch.schema().fields().iter().enumerate() {
        if !columns.contains(field.name()) {
            continue;
        }
        let values = cast(batch.column(index), &DataType::Utf8).map_err(|e| unreadable(path, e))?;
        let values = values.as_string::<i32>();
        for (row, slot) in hit.iter_mut().enumerate() {
            *slot |= values.is_valid(row) && values.value(row) == pseudonym;
        }
    }
    Ok(BooleanArray::from(hit))
}

fn unreadable(path: &Path, error: impl std::fmt::Display) -> PersonError {
    PersonError::Unreadable {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// The received bodies holding the person: those taken in as places, those waiting
/// apart.
fn inbox(
    root: &Path,
    schema: &Schema,
    pseudonym: &str,
    found: &mut Found,
) -> Result<(), PersonError> {
    let dir = root.join(INBOX_DIR);
    if !dir.exists() {
        return Ok(());
    }
    let waiting: BTreeSet<String> = crate::inbox::receipts(root)?
        .into_iter()
        .filter(|r| r.status == State::Mottagen)
        .map(|r| r.innehall)
        .collect();
    let columns = person_columns(schema);
    let mut bodies: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| StoreError::io(&dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| encoding_of(path).is_some())
        .collect();
    bodies.sort();
    for path in bodies {
        let encoding = encoding_of(&path).expect("filtered above");
        let bytes = fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
        let transfer = crate::wire::decode(&bytes, encoding).map_err(|e| unreadable(&path, e))?;
        let mut rows = 0;
        for table in transfer.tables.values() {
            let person: Vec<usize> = table
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| columns.contains(*h))
                .map(|(i, _)| i)
                .collect();
            rows += table
                .rows
                .iter()
                .filter(|row| {
                    person
                        .iter()
                        .any(|&i| matches!(row.get(i), Some(Cell::Text(t)) if t == pseudonym))
                })
                .count();
        }
        if rows == 0 {
            continue;
        }
        let hash = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if waiting.contains(&hash) {
            found.waiting.push(relative);
        } else {
            found.places.push(Place {
                kind: PlaceKind::Inkorg,
                path: relative,
                table: "inlämning".to_string(),
                rows,
                batches: Vec::new(),
            });
        }
    }
    Ok(())
}

fn encoding_of(path: &Path) -> Option<Encoding> {
    match path.extension()?.to_str()? {
        "json" => Some(Encoding::Json),
        "arrow" => Some(Encoding::Arrow),
        _ => None,
    }
}

/// What an erasure removed.
#[derive(Debug, Clone, Serialize)]
pub struct Erased {
    /// When, RFC 3339 UTC.
    pub tid: String,
    /// Who ran it (the login name, or as given).
    pub operator: String,
    /// Rows removed, per kind of place and table ("tabell/deltagare").
    pub rader: BTreeMap<String, usize>,
    /// Files written again or removed.
    pub filer: usize,
    /// Projects whose underlag was rebuilt (how many).
    pub underlag_projekt: usize,
}

/// Erases the person with `pseudonym` from the dataset, which the caller holds open for
/// writing ([`Dataset::lock_existing`]); records the erasure. Nothing to erase is no
/// erasure, and is not recorded.
pub fn erase(
    dataset: &Dataset,
    schema: &Schema,
    pseudonym: &str,
    operator: &str,
) -> Result<Erased, PersonError> {
    let root = dataset.root();
    let found = find(root, schema, pseudonym)?;
    if let Some(first) = found.waiting.first() {
        return Err(PersonError::Waiting(first.display().to_string()));
    }
    let columns = person_columns(schema);
    let mut projects = BTreeSet::new();
    let mut rader: BTreeMap<String, usize> = BTreeMap::new();
    for place in &found.places {
        let path = root.join(&place.path);
        match place.kind {
            PlaceKind::Inkorg => {
                fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
                store::fsync_dir(path.parent().expect("a body has a folder"))?;
            }
            PlaceKind::Underlag => {} // rebuilt below, from the erased tables
            PlaceKind::Tabell | PlaceKind::Historik => {
                let kept: Vec<RecordBatch> = read_parquet(&path)?
                    .into_iter()
                    .map(|batch| {
                        let hit = rows_of(&batch, &columns, pseudonym, &path)?;
                        let keep = datafusion::arrow::compute::not(&hit)
                            .map_err(|e| unreadable(&path, e))?;
                        filter_record_batch(&batch, &keep).map_err(|e| unreadable(&path, e))
                    })
                    .collect::<Result<_, _>>()?;
                let schema = kept
                    .first()
                    .map(RecordBatch::schema)
                    .unwrap_or_else(|| parquet_schema(&path));
                store::write_parquet_atomic(&path, schema, &kept)?;
            }
        }
        let projekt = match place.kind {
            // `_underlag/<table>/<projekt>.parquet`
            PlaceKind::Underlag => place
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned()),
            _ => project_of(&place.path),
        };
        projects.extend(projekt);
        *rader
            .entry(format!("{}/{}", place.kind.label(), place.table))
            .or_default() += place.rows;
    }
    let rebuilt = if projects.is_empty() {
        0
    } else {
        let projects: Vec<String> = projects.into_iter().collect();
        crate::underlag::forget(root, &projects)?;
        crate::underlag::refresh_blocking(dataset, schema)
            .map_err(|e| PersonError::Underlag(e.to_string()))?
            .projects
            .len()
    };
    let erased = Erased {
        tid: now_rfc3339(),
        operator: operator.to_string(),
        rader,
        filer: found.places.len(),
        underlag_projekt: rebuilt,
    };
    if !found.places.is_empty() {
        let log = root.join(ERASURE_DIR);
        fs::create_dir_all(&log).map_err(|e| StoreError::io(&log, e))?;
        // A line a crash cut short is not joined by this one.
        jsonl::repair(&erasure_log(root))?;
        jsonl::append(&erasure_log(root), &[&erased])?;
    }
    Ok(erased)
}

/// The schema a file was written with (for a file whose every row is erased).
fn parquet_schema(path: &Path) -> datafusion::arrow::datatypes::SchemaRef {
    File::open(path)
        .ok()
        .and_then(|file| ParquetRecordBatchReaderBuilder::try_new(file).ok())
        .map(|builder| builder.schema().clone())
        .unwrap_or_else(|| std::sync::Arc::new(datafusion::arrow::datatypes::Schema::empty()))
}

/// The project of a table partition or history folder (`projekt=SIGMA` in its path).
fn project_of(path: &Path) -> Option<String> {
    path.components().find_map(|c| {
        c.as_os_str()
            .to_str()
            .and_then(|part| part.strip_prefix("projekt="))
            .map(str::to_string)
    })
}
