//! Underlag: derived tables that the reports read instead of deriving the same facts
//! again in every query.
//!
//! The query files in `queries/underlag/` define them (their headers say what each
//! column means), in the order `underlag.toml` gives: `forsorjningsdagar` (what the income
//! rows say per person and day; a step, not stored), `deltagande` (each participation's
//! latest row and its income at the start), `uppfoljning` (each ended participation's
//! income at the follow-up points and month by month) and `insatser_deltagande` (each
//! insats with the participation it belongs to), and before them, for each event table,
//! the list of its replaced rows (`<tabell>_ersatta_versioner`, generated from the
//! schema's `identity`: [`crate::query::replaced_versions_sql`]), with which an engine over
//! every project finds the current versions (and the steps after it in the same pass,
//! [`Engine::run_steps`]). They are computed a few projects
//! at a time (a pass of [`ROWS_PER_PASS`] participant rows, with `$projekt` bound to the
//! pass's projects; a project's rows depend on its own data alone), and the stored ones
//! are written per project:
//!
//! ```text
//! DATA/_underlag/<tabell>/<projekt>.parquet
//! DATA/_underlag/index.json          the fingerprint each project's files were built for
//! ```
//!
//! A project's fingerprint covers everything its underlag is computed from: the query
//! files, the schema and code lists, and the project's current submissions. Ingest
//! rebuilds the projects whose fingerprint changed, after its commit; a reader that
//! finds a project stale (a crash in between, a new finsam version, `--queries` with
//! edited files) computes that project's tables itself, so a report never reads facts
//! older than the data. The index is written after the files, so a crash can only make
//! a project look stale, never fresh.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::datasource::view::ViewTable;
use datafusion::logical_expr::LogicalPlanBuilder;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::pseudonymise::encode_hex;
use crate::query::ProjectFilesTable;
use crate::query::{Engine, NamedTable, ProjectSelection};
use crate::report::QueryLibrary;
use crate::report::ReportError;
use crate::schema::Schema;
use crate::store::{self, Dataset, ManifestEntry, StoreError};

pub const UNDERLAG_DIR: &str = "_underlag";
const INDEX_FILE: &str = "index.json";
const CONFIG_FILE: &str = "underlag.toml";
const FOLDER: &str = "underlag";
/// Changes when the way underlag is stored changes, so old files count as stale.
const FORMAT: u32 = 1;
/// Projects are built several at a time, as many as have this many rows of `deltagare`
/// together (at least one): a pass's fixed cost (planning, opening every table's files)
/// is shared, and its memory stays bounded (the ingest of 1,000,000 participants peaks at
/// about 660 MB with it; most of a pass's memory is its income rows).
const ROWS_PER_PASS: u64 = 500_000;

/// The underlag query files, in build order.
pub struct Definitions {
    tables: Vec<Definition>,
    /// Hash of everything but the project's data that the tables depend on.
    digest: String,
    /// From the binary (not `--queries`): only these are stored in the dataset, so a
    /// report with edited query files never replaces what ingest built.
    bundled: bool,
}

pub struct Definition {
    pub name: String,
    pub sql: String,
    /// Where the SQL comes from, for messages: its query file, or the schema for a list
    /// of replaced rows.
    pub origin: String,
    /// Stored in the dataset; otherwise only a step on the way to a later table.
    pub stored: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    tabeller: Vec<TableConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableConfig {
    namn: String,
    lagras: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    format: u32,
    /// Project → the fingerprint its files were built for.
    projekt: BTreeMap<String, String>,
}

/// What [`refresh`] did.
#[derive(Debug, Default)]
pub struct Refreshed {
    pub projects: Vec<String>,
    pub elapsed: Duration,
}

impl Definitions {
    /// The bundled files, or those in `queries_dir/underlag/`.
    /// A `--queries` folder without `underlag/` uses the bundled files.
    pub fn load(queries_dir: Option<&Path>, schema: &Schema) -> Result<Definitions, ReportError> {
        let queries_dir = queries_dir.filter(|dir| dir.join(FOLDER).is_dir());
        let library = QueryLibrary::load(queries_dir, FOLDER)?;
        let config: Config =
            toml::from_str(library.text(CONFIG_FILE)?).map_err(|e| ReportError::Layout {
                file: format!("{FOLDER}/{CONFIG_FILE}"),
                message: e.message().to_string(),
            })?;
        let mut hasher = Sha256::new();
        hasher.update(FORMAT.to_le_bytes());
        // Every table, column and code in a stable form (the code lists' lookup maps are
        // left out: their order differs from run to run): a change to any of them can
        // change the tables' types or contents.
        hasher.update(format!("{:?}", schema.tables).as_bytes());
        for list in &schema.code_lists {
            hasher
                .update(format!("{} {:?} {:?}", list.name, list.attributes, list.codes).as_bytes());
        }
        // First each event table's replaced rows (generated from its identity in the
        // schema): the tables after them may read the event tables.
        let mut tables: Vec<Definition> = schema
            .tables
            .iter()
            .filter(|t| !t.identity.is_empty())
            .map(|t| {
                let name = crate::query::replaced_versions(&t.name);
                Definition {
                    origin: format!(
                        "{name} (genererad ur identity för tabellen {} i schemat)",
                        t.name
                    ),
                    name,
                    sql: crate::query::replaced_versions_sql(t),
                    stored: true,
                }
            })
            .collect();
        for table in &tables {
            hasher.update(table.name.as_bytes());
            hasher.update(table.sql.as_bytes());
        }
        for table in config.tabeller {
            // The name becomes a SQL table name and a folder name.
            if table.namn.is_empty()
                || !table
                    .namn
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            {
                return Err(ReportError::Layout {
                    file: format!("{FOLDER}/{CONFIG_FILE}"),
                    message: format!(
                        "namn = \"{}\": skriv tabellens namn med a–z och _",
                        table.namn
                    ),
                });
            }
            let file = format!("{}.sql", table.namn);
            let sql = library.text(&file)?.to_string();
            hasher.update(file.as_bytes());
            hasher.update(sql.as_bytes());
            tables.push(Definition {
                origin: format!("{FOLDER}/{file}"),
                name: table.namn,
                sql,
                stored: table.lagras,
            });
        }
        Ok(Definitions {
            tables,
            digest: encode_hex(&hasher.finalize()),
            bundled: queries_dir.is_none(),
        })
    }

    pub fn stored(&self) -> impl Iterator<Item = &Definition> {
        self.tables.iter().filter(|t| t.stored)
    }

    /// The fingerprint of one project's underlag given its current submissions.
    fn fingerprint(&self, submissions: &[&ManifestEntry]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.digest.as_bytes());
        for entry in submissions {
            hasher.update(format!("{} {}\n", entry.halvar, entry.id).as_bytes());
        }
        encode_hex(&hasher.finalize())[..32].to_string()
    }
}

/// The selected projects of the dataset (a `$projekt` value: `alla`, or names separated
/// by commas) with the fingerprint each one's underlag should have.
fn expected(
    dataset: &Dataset,
    definitions: &Definitions,
    selection: &ProjectSelection,
) -> Result<BTreeMap<String, String>, StoreError> {
    let manifest = dataset.manifest()?;
    let mut per_project: BTreeMap<String, Vec<&ManifestEntry>> = BTreeMap::new();
    for ((projekt, _), entry) in manifest.current() {
        if selection.selects(&projekt) {
            per_project.entry(projekt).or_default().push(entry);
        }
    }
    Ok(per_project
        .into_iter()
        .map(|(projekt, entries)| {
            let fingerprint = definitions.fingerprint(&entries);
            (projekt, fingerprint)
        })
        .collect())
}

fn index_path(root: &Path) -> PathBuf {
    root.join(UNDERLAG_DIR).join(INDEX_FILE)
}

fn read_index(root: &Path) -> Index {
    // A missing or unreadable index only means every project is rebuilt.
    fs::read(index_path(root))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Index>(&bytes).ok())
        .filter(|index| index.format == FORMAT)
        .unwrap_or_default()
}

fn table_file(root: &Path, table: &str, projekt: &str) -> PathBuf {
    root.join(UNDERLAG_DIR)
        .join(table)
        .join(format!("{projekt}.parquet"))
}

/// The projects whose stored underlag does not match their data.
fn stale(
    dataset: &Dataset,
    definitions: &Definitions,
    expected: &BTreeMap<String, String>,
) -> Vec<String> {
    let index = read_index(dataset.root());
    expected
        .iter()
        .filter(|(projekt, fingerprint)| {
            index.projekt.get(*projekt) != Some(*fingerprint)
                || definitions
                    .stored()
                    .any(|t| !table_file(dataset.root(), &t.name, projekt).exists())
        })
        .map(|(projekt, _)| projekt.clone())
        .collect()
}

/// The projects to build together, pass by pass: in order, as many as fit in
/// [`ROWS_PER_PASS`] rows of `deltagare` (their current submissions').
fn passes(dataset: &Dataset, projects: &[String]) -> Result<Vec<Vec<String>>, StoreError> {
    let manifest = dataset.manifest()?;
    let mut rows: BTreeMap<&str, u64> = BTreeMap::new();
    for entry in manifest.current().into_values() {
        if let Some(count) = entry.rows.get("deltagare") {
            *rows.entry(&entry.projekt).or_default() += count;
        }
    }
    let mut passes: Vec<Vec<String>> = Vec::new();
    let mut in_pass = 0;
    for projekt in projects {
        let own = rows.get(projekt.as_str()).copied().unwrap_or(0);
        match passes.last_mut() {
            Some(pass) if in_pass + own <= ROWS_PER_PASS => {
                pass.push(projekt.clone());
                in_pass += own;
            }
            _ => {
                passes.push(vec![projekt.clone()]);
                in_pass = own;
            }
        }
    }
    Ok(passes)
}

/// A stored table computed for a pass's projects.
struct Built {
    name: String,
    origin: String,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

/// Computes the tables of the selected projects (a `$projekt` value): each query runs
/// with `$projekt` bound and its result is a table under its name for the queries after
/// it. A project's rows depend on its own data alone (every definition joins on the
/// project), so several projects are built in one pass and split afterwards.
async fn build(
    engine: &Engine,
    definitions: &Definitions,
    selection: &str,
) -> Result<Vec<Built>, ReportError> {
    let params = [("projekt".to_string(), selection.to_string())];
    let steps: Vec<(&str, &str)> = definitions
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.sql.as_str()))
        .collect();
    let results = engine
        .run_steps(&steps, &params)
        .await
        .map_err(|(index, source)| ReportError::Query {
            file: definitions.tables[index].origin.clone(),
            source,
        })?;
    Ok(definitions
        .tables
        .iter()
        .zip(results)
        .filter(|(table, _)| table.stored)
        .map(|(table, result)| Built {
            name: table.name.clone(),
            origin: table.origin.clone(),
            schema: result.schema,
            batches: result.batches,
        })
        .collect())
}

/// The rows of one project in a table built for several.
fn rows_of_project(table: &Built, projekt: &str) -> Result<Vec<RecordBatch>, ReportError> {
    use datafusion::arrow::array::{AsArray, StringArray};
    use datafusion::arrow::compute::{cast, filter_record_batch, kernels::cmp::eq};
    let failed = |source: datafusion::arrow::error::ArrowError| ReportError::Query {
        file: table.origin.clone(),
        source: datafusion::error::DataFusionError::from(source).into(),
    };
    let wanted = StringArray::new_scalar(projekt);
    table
        .batches
        .iter()
        .map(|batch| {
            let column = batch
                .column_by_name("projekt")
                .ok_or_else(|| ReportError::Layout {
                    file: table.origin.clone(),
                    message:
                        "tabellen saknar kolumnen projekt: underlaget lagras projekt för projekt"
                            .into(),
                })?;
            let column =
                cast(column, &datafusion::arrow::datatypes::DataType::Utf8).map_err(failed)?;
            let mask = eq(column.as_string::<i32>(), &wanted).map_err(failed)?;
            filter_record_batch(batch, &mask).map_err(failed)
        })
        .collect()
}

/// Brings the stored underlag of the selected projects (a `$projekt` value) up to date.
/// Needs the dataset's write lock.
pub async fn refresh(
    dataset: &Dataset,
    schema: &Schema,
    definitions: &Definitions,
    selection: &ProjectSelection,
) -> Result<Refreshed, ReportError> {
    let started = Instant::now();
    let expected = expected(dataset, definitions, selection)?;
    let stale = stale(dataset, definitions, &expected);
    if stale.is_empty() {
        return Ok(Refreshed::default());
    }
    let engine = Engine::open(dataset, schema, Vec::new(), Vec::new())
        .await
        .map_err(ReportError::Engine)?;
    let root = dataset.root();
    let mut index = read_index(root);
    index.format = FORMAT;
    for pass in passes(dataset, &stale)? {
        // Forget the old fingerprints first: from here until the new ones are written,
        // the projects' files may be half old, half new.
        let forgotten = pass
            .iter()
            .filter(|projekt| index.projekt.remove(*projekt).is_some())
            .count();
        if forgotten > 0 {
            write_index(root, &index)?;
        }
        let built = build(&engine, definitions, &pass.join(",")).await?;
        for projekt in &pass {
            for table in &built {
                let rows = rows_of_project(table, projekt)?;
                write_table(
                    &table_file(root, &table.name, projekt),
                    table.schema.clone(),
                    &rows,
                )?;
            }
        }
        store::crash_point("underlag");
        for projekt in pass {
            let fingerprint = expected[&projekt].clone();
            index.projekt.insert(projekt, fingerprint);
        }
        write_index(root, &index)?;
    }
    Ok(Refreshed {
        projects: stale,
        elapsed: started.elapsed(),
    })
}

fn write_index(root: &Path, index: &Index) -> Result<(), StoreError> {
    let path = index_path(root);
    create_dir(path.parent().expect("index has a folder"))?;
    store::write_atomic(
        &path,
        serde_json::to_string_pretty(index)
            .expect("index serialises")
            .as_bytes(),
    )
}

fn create_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))
}

fn write_table(path: &Path, schema: SchemaRef, batches: &[RecordBatch]) -> Result<(), StoreError> {
    create_dir(path.parent().expect("table file has a folder"))?;
    store::write_parquet_atomic(path, schema, batches)
}

/// Forgets the stored underlag of `projects`, so that the next [`refresh`] builds it
/// again though their submissions are the same (after a person's rows were erased).
pub fn forget(root: &Path, projects: &[String]) -> Result<(), StoreError> {
    let mut index = read_index(root);
    let before = index.projekt.len();
    index
        .projekt
        .retain(|projekt, _| !projects.contains(projekt));
    if index.projekt.len() == before {
        return Ok(());
    }
    write_index(root, &index)
}

/// How many projects there are, and which of them have stale stored underlag (for
/// `finsam status`).
pub fn stale_projects(
    dataset: &Dataset,
    schema: &Schema,
) -> Result<(usize, Vec<String>), ReportError> {
    let definitions = Definitions::load(None, schema)?;
    let expected = expected(dataset, &definitions, &ProjectSelection::All)?;
    let stale = stale(dataset, &definitions, &expected);
    Ok((expected.len(), stale))
}

/// The columns of a stored table, from its Parquet footer.
fn file_schema(path: &Path) -> Result<SchemaRef, StoreError> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| StoreError::parquet(path, e))?;
    Ok(reader.schema().clone())
}

/// [`refresh`] of every project with the bundled definitions, from synchronous code
/// (ingest): on a thread of its own, so it works whether or not the caller runs inside a
/// runtime.
pub fn refresh_blocking(dataset: &Dataset, schema: &Schema) -> Result<Refreshed, ReportError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(ReportError::Runtime)?;
                let definitions = Definitions::load(None, schema)?;
                runtime.block_on(refresh(
                    dataset,
                    schema,
                    &definitions,
                    &ProjectSelection::All,
                ))
            })
            .join()
            .expect("the underlag thread does not panic")
    })
}

/// What a reader found when it attached the underlag.
#[derive(Debug, Default)]
pub struct Attached {
    /// Projects whose stored tables were stale, rebuilt and stored by this command.
    pub stored: Vec<String>,
    /// Projects whose tables were computed in memory for this command only.
    pub computed: Vec<String>,
    /// Why storing rebuilt underlag failed, if it did (the command computes it instead).
    pub store_error: Option<String>,
}

/// Each stored underlag table for the `expected` projects: the stored files of fresh
/// projects, and for the `stale` ones the tables computed now (with `engine`, over the
/// dataset alone; opened only when something must be computed).
async fn underlag_tables(
    dataset: &Dataset,
    schema: &Schema,
    definitions: &Definitions,
    expected: &BTreeMap<String, String>,
    stale: &BTreeSet<String>,
) -> Result<Vec<NamedTable>, ReportError> {
    let in_context = |source: datafusion::error::DataFusionError| ReportError::Query {
        file: FOLDER.into(),
        source: source.into(),
    };
    let fresh: Vec<&String> = expected.keys().filter(|p| !stale.contains(*p)).collect();
    let mut computed: BTreeMap<String, (SchemaRef, Vec<RecordBatch>)> = BTreeMap::new();
    // An engine over the dataset alone, only when something must be computed.
    let engine = if !stale.is_empty() || fresh.is_empty() {
        Some(
            Engine::open(dataset, schema, Vec::new(), Vec::new())
                .await
                .map_err(ReportError::Engine)?,
        )
    } else {
        None
    };
    let engine = engine.as_ref();
    let stale: Vec<String> = stale.iter().cloned().collect();
    for pass in passes(dataset, &stale)? {
        let engine = engine.expect("opened to compute");
        for table in build(engine, definitions, &pass.join(",")).await? {
            computed
                .entry(table.name)
                .or_insert_with(|| (table.schema, Vec::new()))
                .1
                .extend(table.batches);
        }
    }
    // With nothing stored or computed, an empty build still gives each table its columns.
    let mut empty: BTreeMap<String, SchemaRef> = BTreeMap::new();
    if fresh.is_empty() && stale.is_empty() {
        let engine = engine.expect("opened to compute");
        for table in build(engine, definitions, "").await? {
            empty.insert(table.name, table.schema);
        }
    }
    let mut tables = Vec::new();
    for definition in definitions.stored() {
        let table = &definition.name;
        let files: Vec<(String, PathBuf)> = fresh
            .iter()
            .map(|p| (p.to_string(), table_file(dataset.root(), table, p)))
            .collect();
        let (table_schema, in_memory) = match computed.remove(table) {
            Some((table_schema, batches)) => (table_schema, Some(batches)),
            None => match (files.first(), empty.remove(table)) {
                (Some((_, file)), _) => (file_schema(file)?, None),
                (None, Some(table_schema)) => (table_schema, None),
                (None, None) => unreachable!("an empty build covers every stored table"),
            },
        };
        let stored: Option<Arc<dyn TableProvider>> = if files.is_empty() {
            None
        } else {
            // A query that selects projects opens only their files.
            Some(Arc::new(
                ProjectFilesTable::new(table_schema.clone(), files).map_err(in_context)?,
            ))
        };
        let in_memory: Option<Arc<dyn TableProvider>> = match in_memory {
            Some(batches) => Some(Arc::new(
                MemTable::try_new(table_schema.clone(), vec![batches]).map_err(in_context)?,
            )),
            None => None,
        };
        let provider: Arc<dyn TableProvider> = match (stored, in_memory) {
            (Some(stored), Some(in_memory)) => {
                let source =
                    |p: Arc<dyn TableProvider>| datafusion::datasource::provider_as_source(p);
                let plan =
                    LogicalPlanBuilder::scan(format!("{table}_lagrad"), source(stored), None)
                        .and_then(|b| {
                            b.union(
                                LogicalPlanBuilder::scan(
                                    format!("{table}_beraknad"),
                                    source(in_memory),
                                    None,
                                )?
                                .build()?,
                            )
                        })
                        .and_then(|b| b.build())
                        .map_err(in_context)?;
                Arc::new(ViewTable::new(plan, None))
            }
            (Some(only), None) | (None, Some(only)) => only,
            (None, None) => {
                Arc::new(MemTable::try_new(table_schema, vec![vec![]]).map_err(in_context)?)
            }
        };
        tables.push((table.clone(), provider));
    }
    Ok(tables)
}

/// An engine over the dataset with the underlag of the selected projects attached:
/// what reports and `finsam sql` read. When stored underlag is stale and this process
/// can take the dataset's write lock, the bundled definitions are rebuilt and stored
/// first, so the next command is fast; [`Attached`] says what was rebuilt, stored or
/// only computed, for the command to tell.
pub async fn open_engine(
    dataset: &Dataset,
    schema: &Schema,
    queries_dir: Option<&Path>,
    selection: &ProjectSelection,
) -> Result<(Engine, Attached), ReportError> {
    let definitions = Definitions::load(queries_dir, schema)?;
    let expected = expected(dataset, &definitions, selection)?;
    let mut stale = stale(dataset, &definitions, &expected);
    let mut attached = Attached::default();
    if definitions.bundled
        && !stale.is_empty()
        && let Ok(writer) = Dataset::lock_existing(dataset.root(), schema)
    {
        // Storing is a favour to the next command: if it fails (a full disk, a read-only
        // share), this one computes what it needs in memory.
        match refresh(&writer, schema, &definitions, selection).await {
            Ok(refreshed) => attached.stored = refreshed.projects,
            Err(error) => attached.store_error = Some(error.to_string()),
        }
        stale = self::stale(dataset, &definitions, &expected);
    }
    let stale: BTreeSet<String> = stale.into_iter().collect();
    let index = read_index(dataset.root()).projekt;
    let tables = underlag_tables(dataset, schema, &definitions, &expected, &stale).await?;
    attached.computed = stale.into_iter().collect();
    // The lists of replaced event rows define the event tables' current versions, for
    // which they must cover every project; they are not tables of their own.
    let (replaced, tables): (Vec<NamedTable>, Vec<NamedTable>) =
        tables.into_iter().partition(|(name, _)| {
            schema
                .tables
                .iter()
                .any(|t| *name == crate::query::replaced_versions(&t.name))
        });
    let replaced = match selection {
        ProjectSelection::All => replaced,
        ProjectSelection::Projects(_) => Vec::new(),
    };
    let lists = !replaced.is_empty();
    let mut engine = Engine::open(dataset, schema, tables.clone(), replaced)
        .await
        .map_err(ReportError::Engine)?;
    // An ingest may have committed, or rebuilt the underlag, while this was opened: the
    // lists must be those of the submissions the engine reads, so if anything changed
    // meanwhile the event tables compare their rows themselves instead.
    if lists
        && (self::expected(dataset, &definitions, selection)? != expected
            || read_index(dataset.root()).projekt != index)
    {
        engine = Engine::open(dataset, schema, tables, Vec::new())
            .await
            .map_err(ReportError::Engine)?;
    }
    Ok((engine, attached))
}
