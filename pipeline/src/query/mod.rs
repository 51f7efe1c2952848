//! The query engine: one DataFusion context with every table of the dataset.
//!
//! Registered names (documented for evaluators in the README):
//! - each record table (`deltagare`, `insatser`, …) with its partition columns
//!   `projekt` and `halvar`. An event table (one with an `identity` in the schema)
//!   shows each event once, in its current version: the rows of the latest submission
//!   that has it (`halvar` says which); every version as submitted is
//!   `<tabell>_alla_versioner`;
//! - `kod_<lista>` for every code list: `kod`, `etikett`, `ordning` and the list's
//!   attributes (e.g. `kod_forsorjningskalla.sjalvforsorjande`);
//! - `inlamningar`: the current submission of each project and half-year;
//! - `projekt`, `projekt_kommuner` and `projekt_budget`: the project registry
//!   (`DATA/projekt.toml`), a row per project, per kommun served and per budget year;
//! - the functions `halvar_start`, `halvar_slut` and `i_urval` (see [`functions`]).
//!
//! Queries are read-only ([`script::check_read_only`]): a query, or a look at what there
//! is (SHOW, DESCRIBE, EXPLAIN, `information_schema`); parameters bind as `$name`
//! placeholders, never by pasting text into SQL. Errors are told for people
//! ([`advice`]), with DataFusion's own text kept as the detail.

pub mod advice;
pub mod functions;
pub mod script;
mod selection;
mod shared;
mod submitted;
mod unreadable;

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Int32Array, RecordBatch, StringArray, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Schema as ArrowSchema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::execution::context::{SQLOptions, SessionConfig, SessionContext};
use datafusion::logical_expr::{Expr, JoinType, col};

use crate::failure::Kind;
use crate::registry::{Project, Registry};
use crate::schema::{AttributeValue, CodeList, Schema, TableDef};
use crate::store::{Dataset, Manifest, StoreError};
pub use selection::ProjectSelection;
pub use submitted::ProjectFilesTable;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("frågan kan inte tolkas (rad {line}, kolumn {column}): {message}")]
    Syntax {
        message: String,
        line: usize,
        column: usize,
        /// The parser's own words.
        detail: String,
    },
    /// An error of DataFusion's, told for a person ([`advice`]).
    #[error("{message}{}", at(*position))]
    Explained {
        message: String,
        /// Line and column (from 1) in the statement, when known.
        position: Option<(usize, usize)>,
        /// DataFusion's error, for `--detaljer`; not a `source`, so one-line messages
        /// do not repeat it in English.
        detail: Box<datafusion::error::DataFusionError>,
    },
    #[error(
        "bara satser som läser körs (SELECT, SHOW, DESCRIBE, EXPLAIN); {0} skriver, skapar eller ändrar inställningar och körs inte"
    )]
    NotReadOnly(String),
    #[error("kör en fråga i taget (filen innehåller {0} satser)")]
    SeveralStatements(usize),
    #[error("frågan är tom")]
    Empty,
    #[error("parametern ${0} saknar värde: ange --param {0}=…")]
    MissingParameter(String),
    #[error("parametern {0} används inte i frågan (den har: {1})")]
    UnusedParameter(String, String),
    #[error("okänt projekt {unknown}: datamängden har {known}")]
    UnknownProject { unknown: String, known: String },
    #[error(
        "tabellen {0} finns redan i datamängden: ge underlagstabellen (queries/underlag) ett annat namn"
    )]
    TakenName(String),
    #[error("DataFusions inställningar i miljön går inte att använda ({variables}): {message}")]
    Settings { variables: String, message: String },
    #[error("{}", datafusion_message(.0))]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl QueryError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            QueryError::Syntax { .. }
            | QueryError::NotReadOnly(_)
            | QueryError::SeveralStatements(_)
            | QueryError::Empty
            | QueryError::MissingParameter(_)
            | QueryError::UnusedParameter(..)
            | QueryError::UnknownProject { .. }
            | QueryError::TakenName(_)
            | QueryError::Settings { .. } => Kind::InvalidInput,
            QueryError::DataFusion(e) => engine_kind(e),
            QueryError::Explained { detail, .. } => engine_kind(detail),
            QueryError::Store(e) => e.kind(),
        }
    }

    /// What the engine or the parser said in its own words, where the message is ours.
    pub fn detail(&self) -> Option<String> {
        match self {
            QueryError::Syntax { detail, .. } => Some(detail.clone()),
            QueryError::Explained { detail, .. } => Some(detail.strip_backtrace()),
            QueryError::DataFusion(e) => Some(e.strip_backtrace()),
            _ => None,
        }
    }

    /// A parameter given that no statement uses (probably a misspelt name), and those
    /// that are used (without `$`).
    pub fn unused(name: &str, used: &[String]) -> QueryError {
        let used = if used.is_empty() {
            "inga parametrar".into()
        } else {
            used.iter()
                .map(|k| format!("${k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        QueryError::UnusedParameter(name.to_string(), used)
    }

    /// Line and column (from 1) in the statement that the error points at.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            QueryError::Syntax { line, column, .. } => Some((*line, *column)),
            QueryError::Explained { position, .. } => *position,
            _ => None,
        }
    }

    /// The error of one statement of a script, its position moved to the script's.
    pub fn in_script(self, statement: &script::ScriptStatement) -> QueryError {
        match self {
            QueryError::Syntax {
                message,
                line,
                column,
                detail,
            } => {
                let (line, column) = statement.in_script(line, column);
                QueryError::Syntax {
                    message,
                    line,
                    column,
                    detail,
                }
            }
            QueryError::Explained {
                message,
                position,
                detail,
            } => QueryError::Explained {
                message,
                position: position.map(|(l, c)| statement.in_script(l, c)),
                detail,
            },
            other => other,
        }
    }
}

/// What the engine could not do for want of memory, files or correctness of its own is
/// not the query's fault; the rest (an unknown column, a bad cast) is.
fn engine_kind(error: &datafusion::error::DataFusionError) -> Kind {
    use datafusion::error::DataFusionError as D;
    let internal = |e: &D| {
        matches!(
            e,
            D::IoError(_)
                | D::ObjectStore(_)
                | D::ResourcesExhausted(_)
                | D::Internal(_)
                | D::ParquetError(_)
        )
    };
    if internal(error) || internal(error.find_root()) {
        Kind::Internal
    } else {
        Kind::InvalidInput
    }
}

/// ` (rad 2, kolumn 8)`, or nothing.
fn at(position: Option<(usize, usize)>) -> String {
    position
        .map(|(line, column)| format!(" (rad {line}, kolumn {column})"))
        .unwrap_or_default()
}

/// DataFusion's message; one of ours (an external error, such as a broken project
/// registry) without DataFusion's English prefix.
fn datafusion_message(error: &datafusion::error::DataFusionError) -> String {
    match error.find_root() {
        datafusion::error::DataFusionError::External(ours) => ours.to_string(),
        _ => error.to_string(),
    }
}

/// A read-only statement checked and planned, not yet run.
pub struct Prepared {
    sql: String,
    plan: datafusion::logical_expr::LogicalPlan,
    /// Its `$name` parameters, without `$`, sorted.
    pub parameters: Vec<String>,
}

/// Result rows of one query.
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// What the query may not mean as written, for the person who wrote it
    /// ([`advice::CodedColumns::notes`]).
    pub notes: Vec<String>,
}

impl QueryResult {
    /// The columns' names, in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect()
    }

    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Parameters given but not used by a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unused {
    /// An error: the user probably misspelt a name.
    Refuse,
    Ignore,
}

pub struct Engine {
    ctx: SessionContext,
    /// Every table's columns and every function, for suggestions.
    names: advice::Names,
    coded: advice::CodedColumns,
    /// The event tables (those with an `identity`), for [`Engine::run_steps`].
    events: Vec<TableDef>,
}

/// Bytes read from the end of a Parquet file to find its footer in one read: the footer
/// and page index of a file of the dataset or the underlag are 1–10 KiB, and a larger one
/// takes a second read.
const FOOTER_READ: usize = 64 * 1024;

/// DataFusion's settings with those the environment gives (`DATAFUSION_EXECUTION_…`). A
/// value that does not parse names the variables set: DataFusion's own message does not.
fn session_config_from_env() -> Result<SessionConfig, QueryError> {
    SessionConfig::from_env().map_err(|e| {
        let variables: Vec<String> = std::env::vars_os()
            .filter_map(|(name, value)| {
                let name = name.to_str()?;
                name.starts_with("DATAFUSION_")
                    .then(|| format!("{name}={}", value.to_string_lossy()))
            })
            .collect();
        QueryError::Settings {
            variables: variables.join(", "),
            message: e.strip_backtrace(),
        }
    })
}

/// A table beside the dataset's, under its name: the underlag.
pub type NamedTable = (String, Arc<dyn TableProvider>);

impl Engine {
    /// Registers every table of the dataset and `underlag` (each under its name);
    /// DATAFUSION_* environment settings apply. `replaced`, when it has an event table's
    /// [`replaced_versions`] for every project of the dataset, defines its current
    /// versions; an event table without it finds them itself.
    pub async fn open(
        dataset: &Dataset,
        schema: &Schema,
        underlag: Vec<NamedTable>,
        replaced: Vec<NamedTable>,
    ) -> Result<Engine, QueryError> {
        let mut config = session_config_from_env()?.with_information_schema(true);
        // Spans let an error point at the place in the statement.
        config.options_mut().sql_parser.collect_spans = true;
        // DataFusion reads the last 512 KiB of a file to find its footer: the whole file,
        // for most of a dataset's, when the footer and its page index are a few KiB.
        if std::env::var_os("DATAFUSION_EXECUTION_PARQUET_METADATA_SIZE_HINT").is_none() {
            config.options_mut().execution.parquet.metadata_size_hint = Some(FOOTER_READ);
        }
        // No folder is listed: the tables' files are the manifest's (`submitted`). A
        // subquery read more than once is computed once (`shared`).
        let ctx = shared::session(config);
        for function in functions::all() {
            ctx.register_udf(function);
        }
        let manifest = dataset.manifest()?;
        let submissions = Arc::new(current_submissions(&manifest)?);
        for table in &schema.tables {
            let submitted = Arc::new(submitted::SubmittedTable::new(
                &table.name,
                dataset.table_dir(&table.name),
                table.file_schema(),
                submissions.clone(),
            ));
            if table.identity.is_empty() {
                ctx.register_table(&table.name, submitted)?;
            } else {
                let all_versions = all_versions(&table.name);
                ctx.register_table(&all_versions, submitted)?;
                let list = replaced
                    .iter()
                    .find(|(name, _)| *name == replaced_versions(&table.name))
                    .map(|(_, list)| list.clone());
                let current = current_versions(&ctx, table, &all_versions, list).await?;
                ctx.register_table(&table.name, current)?;
            }
        }
        register_code_lists(&ctx, schema)?;
        ctx.register_table("inlamningar", Arc::new(submissions_table(&manifest)?))?;
        register_registry(&ctx, dataset)?;
        register_context(&ctx, dataset)?;
        for (name, table) in underlag {
            // A table of the dataset silently replaced would change every report.
            if ctx.table_exist(name.as_str())? {
                return Err(QueryError::TakenName(name));
            }
            ctx.register_table(name.as_str(), table)?;
        }
        let names = names(&ctx).await?;
        Ok(Engine {
            ctx,
            names,
            coded: advice::CodedColumns::of(schema),
            events: schema
                .tables
                .iter()
                .filter(|t| !t.identity.is_empty())
                .cloned()
                .collect(),
        })
    }

    /// The DataFusion context, with every table and function registered: for a server
    /// that runs statements its own way (the PostgreSQL endpoint).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Every table (its name and columns with their types), sorted by name.
    pub async fn tables(&self) -> Result<Vec<(String, SchemaRef)>, QueryError> {
        let mut tables = Vec::new();
        for name in self.names.tables.keys() {
            if let Ok(table) = self.ctx.table_provider(name.as_str()).await {
                tables.push((name.clone(), table.schema()));
            }
        }
        Ok(tables)
    }

    /// The names a completion or a suggestion may offer.
    pub fn names(&self) -> &advice::Names {
        &self.names
    }

    /// Checks and plans a read-only statement, and finds its `$name` parameters.
    pub async fn prepare(&self, sql: &str) -> Result<Prepared, QueryError> {
        script::check_read_only(sql)?;
        let plan = self.plan(sql).await?;
        let mut parameters: Vec<String> = plan
            .get_parameter_types()
            .map_err(|e| self.explain(e, sql))?
            .into_keys()
            .map(|k| k.trim_start_matches('$').to_string())
            .collect();
        parameters.sort();
        Ok(Prepared {
            sql: sql.to_string(),
            plan,
            parameters,
        })
    }

    async fn plan(&self, sql: &str) -> Result<datafusion::logical_expr::LogicalPlan, QueryError> {
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let plan = self
            .ctx
            .state()
            .create_logical_plan(sql)
            .await
            .map_err(|e| self.explain(e, sql))?;
        options
            .verify_plan(&plan)
            .map_err(|e| self.explain(e, sql))?;
        Ok(plan)
    }

    fn explain(&self, error: datafusion::error::DataFusionError, sql: &str) -> QueryError {
        advice::explain(error, sql, &self.names)
    }

    /// Runs one read-only query with `$name` parameters bound to the given values.
    pub async fn run(
        &self,
        sql: &str,
        params: &[(String, String)],
    ) -> Result<QueryResult, QueryError> {
        self.run_with(sql, params, Unused::Refuse).await
    }

    /// Runs one read-only query; what to do with parameters the query does not use is
    /// the caller's choice (a report offers every query the same parameters).
    pub async fn run_with(
        &self,
        sql: &str,
        params: &[(String, String)],
        unused: Unused,
    ) -> Result<QueryResult, QueryError> {
        let prepared = self.prepare(sql).await?;
        self.run_prepared(prepared, params, unused).await
    }

    /// Runs a statement [`Engine::prepare`] planned, with `$name` parameters bound to
    /// the given values.
    pub async fn run_prepared(
        &self,
        prepared: Prepared,
        params: &[(String, String)],
        unused: Unused,
    ) -> Result<QueryResult, QueryError> {
        let Prepared {
            sql,
            plan,
            parameters: wanted,
        } = prepared;
        let explain = |e| self.explain(e, &sql);
        if unused == Unused::Refuse
            && let Some((name, _)) = params.iter().find(|(n, _)| !wanted.contains(n))
        {
            return Err(QueryError::unused(name, &wanted));
        }
        if let Some(missing) = wanted
            .iter()
            .find(|name| !params.iter().any(|(n, _)| n == *name))
        {
            return Err(QueryError::MissingParameter(missing.clone()));
        }
        let notes = self.coded.notes(&plan);
        let mut frame = self.ctx.execute_logical_plan(plan).await.map_err(explain)?;
        if !params.is_empty() {
            let values: Vec<(String, ScalarValue)> = params
                .iter()
                .filter(|(k, _)| wanted.contains(k))
                .map(|(k, v)| (k.clone(), ScalarValue::Utf8(Some(v.clone()))))
                .collect();
            frame = frame.with_param_values(values).map_err(explain)?;
        }
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let batches = frame.collect().await.map_err(explain)?;
        Ok(QueryResult {
            schema,
            batches,
            notes,
        })
    }

    /// Runs `steps` (name, SQL) in order, each with `params` (unused ones ignored); each
    /// step's result is a table under its name for the steps after it, and gone when
    /// all have run. A name the engine has already is refused. On a failure, the
    /// step's index and its error.
    ///
    /// A step that is an event table's list of replaced rows ([`replaced_versions`]) is
    /// the list for the projects the steps are run for (`$projekt`): the steps after it
    /// read that event table's current versions through it, a look-up in a short list
    /// instead of a join of every row with every other. So the steps must read only
    /// their projects' rows, as the underlag does (its rows of a project depend on the
    /// project's data alone); the engine's own definition is back when all have run.
    pub async fn run_steps(
        &self,
        steps: &[(&str, &str)],
        params: &[(String, String)],
    ) -> Result<Vec<QueryResult>, (usize, QueryError)> {
        let mut results = Vec::with_capacity(steps.len());
        let mut outcome = Ok(());
        let mut registered = Vec::new();
        let mut redefined: Vec<(String, Arc<dyn TableProvider>)> = Vec::new();
        for (index, (name, sql)) in steps.iter().enumerate() {
            let step = async {
                let result = self.run_with(sql, params, Unused::Ignore).await?;
                let table: Arc<dyn TableProvider> = Arc::new(MemTable::try_new(
                    result.schema.clone(),
                    vec![result.batches.clone()],
                )?);
                if self.ctx.table_exist(*name)? {
                    return Err(QueryError::TakenName(name.to_string()));
                }
                self.ctx.register_table(*name, table.clone())?;
                registered.push(*name);
                if let Some(event) = self
                    .events
                    .iter()
                    .find(|t| replaced_versions(&t.name) == *name)
                {
                    let current =
                        current_versions(&self.ctx, event, &all_versions(&event.name), Some(table))
                            .await?;
                    if let Some(own) = self.ctx.deregister_table(event.name.as_str())? {
                        redefined.push((event.name.clone(), own));
                    }
                    self.ctx.register_table(event.name.as_str(), current)?;
                }
                Ok::<_, QueryError>(result)
            };
            match step.await {
                Ok(result) => results.push(result),
                Err(error) => {
                    outcome = Err((index, error));
                    break;
                }
            }
        }
        for name in registered {
            let _ = self.ctx.deregister_table(name);
        }
        for (name, own) in redefined {
            // Back to the engine's own definition.
            let _ = self.ctx.deregister_table(name.as_str());
            let _ = self.ctx.register_table(name.as_str(), own);
        }
        outcome.map(|()| results)
    }
}

/// Each current submission's project, half-year and rows per table.
fn current_submissions(manifest: &Manifest) -> Result<submitted::Submissions, QueryError> {
    Ok(submitted::Submissions::new(
        manifest
            .current()
            .into_iter()
            .map(|((projekt, halvar), entry)| submitted::Submission {
                projekt,
                halvar,
                rows: entry.rows.clone(),
            })
            .collect(),
    )?)
}

/// The name under which an event table's rows are found as submitted, every version.
pub fn all_versions(table: &str) -> String {
    format!("{table}_alla_versioner")
}

/// The name of the underlag table that lists an event table's replaced rows.
pub fn replaced_versions(table: &str) -> String {
    format!("{table}_ersatta_versioner")
}

/// The rows of an event table that are not current (see [`current_versions`]): those
/// that a later half-year of the project has again, with the same `identity`. Each once,
/// by its project, half-year and identity, for the selected projects (`$projekt`). Built
/// with the underlag (few rows: an event is rarely changed), so that reading the current
/// versions is a scan and a look-up in a short list instead of a join of every row with
/// every other.
pub fn replaced_versions_sql(table: &TableDef) -> String {
    let all_versions = all_versions(&table.name);
    let identity: Vec<String> = table.identity.iter().map(|c| format!("r.{c}")).collect();
    let same_event: Vec<String> = std::iter::once("projekt")
        .chain(table.identity.iter().map(String::as_str))
        .map(|c| format!("s.{c} = r.{c}"))
        .collect();
    format!(
        "SELECT DISTINCT r.projekt, r.halvar, {identity}\n\
         FROM {all_versions} r\n\
         WHERE i_urval(r.projekt, $projekt)\n  \
           AND EXISTS (SELECT 1 FROM {all_versions} s\n              \
                       WHERE i_urval(s.projekt, $projekt) AND {same_event} AND s.halvar > r.halvar)",
        identity = identity.join(", "),
        same_event = same_event.join(" AND "),
    )
}

/// An event table as it stands: of the rows with the same project and `identity`, those
/// of the latest submission (half-year) that has them. A row repeated within one
/// submission stays repeated, as written; an event changed later is the later version.
/// An anti join: with the list of `replaced` rows of every project when the underlag has
/// it ([`replaced_versions_sql`]: a look-up in a short list), otherwise with the rows
/// themselves (no row of a later half-year with the same identity: hash-based, and a
/// filter on the project reaches both sides, where a window would sort every row).
async fn current_versions(
    ctx: &SessionContext,
    table: &TableDef,
    all_versions: &str,
    replaced: Option<Arc<dyn TableProvider>>,
) -> Result<Arc<dyn datafusion::catalog::TableProvider>, QueryError> {
    let row = "rad";
    let rows = ctx.table(all_versions).await?.alias(row)?;
    let columns: Vec<Expr> = rows
        .schema()
        .fields()
        .iter()
        .map(|f| col(format!("{row}.{}", f.name())))
        .collect();
    let same = |other: &str, keys: &[&str]| -> Vec<Expr> {
        keys.iter()
            .copied()
            .chain(table.identity.iter().map(String::as_str))
            .map(|c| col(format!("{row}.{c}")).eq(col(format!("{other}.{c}"))))
            .collect()
    };
    let (others, on) = match replaced {
        Some(list) => (
            ctx.read_table(list)?.alias("ersatt")?,
            same("ersatt", &["projekt", "halvar"]),
        ),
        None => {
            let mut later = same("senare", &["projekt"]);
            later.push(col("senare.halvar").gt(col(format!("{row}.halvar"))));
            (ctx.table(all_versions).await?.alias("senare")?, later)
        }
    };
    Ok(rows
        .join_on(others, JoinType::LeftAnti, on)?
        .select(columns)?
        .into_view())
}

/// Registers `kod_<lista>` for every code list of the schema.
pub fn register_code_lists(ctx: &SessionContext, schema: &Schema) -> Result<(), QueryError> {
    for list in &schema.code_lists {
        ctx.register_table(
            format!("kod_{}", list.name),
            Arc::new(code_list_table(list)?),
        )?;
    }
    Ok(())
}

/// `kod_<lista>`: one row per code, with the list's attributes as columns.
fn code_list_table(list: &CodeList) -> Result<MemTable, QueryError> {
    let mut fields = vec![
        Field::new("kod", DataType::Utf8, false),
        Field::new("etikett", DataType::Utf8, false),
        Field::new("ordning", DataType::Int32, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            list.codes.iter().map(|c| c.code.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            list.codes.iter().map(|c| c.label.as_str()),
        )),
        Arc::new(Int32Array::from_iter_values(1..=list.codes.len() as i32)),
    ];
    for attribute in list.attributes.keys() {
        let values: Vec<Option<&AttributeValue>> = list
            .codes
            .iter()
            .map(|c| c.attributes.get(attribute))
            .collect();
        let is_flag = values
            .iter()
            .flatten()
            .all(|v| matches!(v, AttributeValue::Bool(_)));
        if is_flag {
            fields.push(Field::new(attribute, DataType::Boolean, true));
            let flags: BooleanArray = values
                .iter()
                .map(|v| match v {
                    Some(AttributeValue::Bool(b)) => Some(*b),
                    _ => None,
                })
                .collect();
            columns.push(Arc::new(flags));
        } else {
            fields.push(Field::new(attribute, DataType::Utf8, true));
            let texts: StringArray = values
                .iter()
                .map(|v| match v {
                    Some(AttributeValue::Text(t)) => Some(t.clone()),
                    Some(AttributeValue::Bool(b)) => Some(b.to_string()),
                    None => None,
                })
                .collect();
            columns.push(Arc::new(texts));
        }
    }
    let schema = Arc::new(ArrowSchema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(datafusion::error::DataFusionError::from)?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}

/// The project registry as three tables: `projekt` (kortnamn, namn, forbund, start,
/// slut, malgrupp), `projekt_kommuner` (projekt, kommunkod) and `projekt_budget`
/// (projekt, ar, kronor).
fn register_registry(ctx: &SessionContext, dataset: &Dataset) -> Result<(), QueryError> {
    let (registry, unreadable): (Registry, Option<Arc<dyn std::error::Error + Send + Sync>>) =
        match Registry::of(dataset) {
            Ok(registry) => (registry, None),
            Err(error) => (Registry::default(), Some(Arc::new(error))),
        };
    let projects: Vec<&Project> = registry.projects().collect();
    let register = |ctx: &SessionContext, name: &str, fields, columns| match &unreadable {
        None => register(ctx, name, fields, columns),
        Some(reason) => {
            let table = unreadable::Unreadable {
                schema: Arc::new(ArrowSchema::new(fields)),
                reason: reason.clone(),
            };
            ctx.register_table(name, Arc::new(table))?;
            Ok(())
        }
    };
    let text = |values: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    let day = |values: Vec<Option<chrono::NaiveDate>>| -> ArrayRef {
        Arc::new(Date32Array::from(
            values
                .into_iter()
                .map(|d| d.map(Date32Type::from_naive_date))
                .collect::<Vec<_>>(),
        ))
    };
    fn optional(text: &str) -> Option<&str> {
        (!text.is_empty()).then_some(text)
    }
    let field = |name: &str, kind: DataType, nullable: bool| Field::new(name, kind, nullable);
    register(
        ctx,
        "projekt",
        vec![
            field("kortnamn", DataType::Utf8, false),
            field("namn", DataType::Utf8, true),
            field("forbund", DataType::Utf8, true),
            field("start", DataType::Date32, true),
            field("slut", DataType::Date32, true),
            field("malgrupp", DataType::Utf8, true),
        ],
        vec![
            text(projects.iter().map(|p| Some(p.kortnamn.as_str())).collect()),
            text(projects.iter().map(|p| optional(&p.namn)).collect()),
            text(projects.iter().map(|p| optional(&p.forbund)).collect()),
            day(projects.iter().map(|p| p.start).collect()),
            day(projects.iter().map(|p| p.slut).collect()),
            text(projects.iter().map(|p| optional(&p.malgrupp)).collect()),
        ],
    )?;
    let kommuner: Vec<(&str, &str)> = projects
        .iter()
        .flat_map(|p| p.kommuner.iter().map(|k| (p.kortnamn.as_str(), k.as_str())))
        .collect();
    register(
        ctx,
        "projekt_kommuner",
        vec![
            field("projekt", DataType::Utf8, false),
            field("kommunkod", DataType::Utf8, false),
        ],
        vec![
            text(kommuner.iter().map(|(p, _)| Some(*p)).collect()),
            text(kommuner.iter().map(|(_, k)| Some(*k)).collect()),
        ],
    )?;
    let budget: Vec<(&str, i32, u64)> = projects
        .iter()
        .flat_map(|p| {
            p.budget.iter().map(|(year, kronor)| {
                let year = year.parse().expect("the registry checks budget years");
                (p.kortnamn.as_str(), year, *kronor)
            })
        })
        .collect();
    register(
        ctx,
        "projekt_budget",
        vec![
            field("projekt", DataType::Utf8, false),
            field("ar", DataType::Int32, false),
            field("kronor", DataType::UInt64, false),
        ],
        vec![
            text(budget.iter().map(|(p, _, _)| Some(*p)).collect()),
            Arc::new(Int32Array::from_iter_values(budget.iter().map(|b| b.1))),
            Arc::new(UInt64Array::from_iter_values(budget.iter().map(|b| b.2))),
        ],
    )
}

/// `kontext`: the municipal context cached in the dataset (`DATA/kontext.parquet`),
/// empty until `finsam kontext las-in` or `hamta` has filled it.
fn register_context(ctx: &SessionContext, dataset: &Dataset) -> Result<(), QueryError> {
    let schema = crate::kontext::store::schema();
    match crate::kontext::store::load(dataset.root()) {
        Ok(rows) => {
            let batch = crate::kontext::store::to_batch(&rows)
                .map_err(datafusion::error::DataFusionError::from)?;
            ctx.register_table(
                "kontext",
                Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
            )?;
        }
        Err(error) => {
            let table = unreadable::Unreadable {
                schema,
                reason: Arc::new(error),
            };
            ctx.register_table("kontext", Arc::new(table))?;
        }
    }
    Ok(())
}

/// Every table of the context with its columns, and every function, for suggestions.
pub(crate) async fn names(ctx: &SessionContext) -> Result<advice::Names, QueryError> {
    let mut tables = BTreeMap::new();
    for catalog_name in ctx.catalog_names() {
        let Some(catalog) = ctx.catalog(&catalog_name) else {
            continue;
        };
        for schema_name in catalog.schema_names() {
            // information_schema's tables are reached by their qualified names.
            if schema_name == "information_schema" {
                continue;
            }
            let Some(schema) = catalog.schema(&schema_name) else {
                continue;
            };
            for table in schema.table_names() {
                if let Some(provider) = schema.table(&table).await? {
                    let columns = provider
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect();
                    tables.insert(table, columns);
                }
            }
        }
    }
    let state = ctx.state();
    let mut functions: Vec<String> = state
        .scalar_functions()
        .keys()
        .chain(state.aggregate_functions().keys())
        .chain(state.window_functions().keys())
        .cloned()
        .collect();
    functions.sort();
    functions.dedup();
    Ok(advice::Names { tables, functions })
}

/// Registers one in-memory table.
fn register(
    ctx: &SessionContext,
    name: &str,
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
) -> Result<(), QueryError> {
    let schema = Arc::new(ArrowSchema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(datafusion::error::DataFusionError::from)?;
    ctx.register_table(
        name,
        Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
    )?;
    Ok(())
}

/// `inlamningar`: the current submission of each project and half-year.
fn submissions_table(manifest: &Manifest) -> Result<MemTable, QueryError> {
    let current = manifest.current();
    let entries: Vec<_> = current.values().collect();
    let schema = Arc::new(ArrowSchema::new(vec![
        Field::new("projekt", DataType::Utf8, false),
        Field::new("halvar", DataType::Utf8, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("inlast", DataType::Utf8, false),
        Field::new("schemaversion", DataType::Int32, false),
        Field::new("deltagare_rader", DataType::UInt64, false),
    ]));
    let text = |f: fn(&crate::store::ManifestEntry) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(entries.iter().map(|e| f(e))))
    };
    let columns: Vec<ArrayRef> = vec![
        text(|e| &e.projekt),
        text(|e| &e.halvar),
        text(|e| &e.id),
        text(|e| &e.ingested_at),
        Arc::new(Int32Array::from_iter_values(
            entries.iter().map(|e| e.schema_version as i32),
        )),
        Arc::new(UInt64Array::from_iter_values(
            entries
                .iter()
                .map(|e| e.rows.get("deltagare").copied().unwrap_or(0)),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(datafusion::error::DataFusionError::from)?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}
