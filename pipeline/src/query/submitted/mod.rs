//! A record table read from the files the manifest names, walking no folders.
//!
//! The manifest knows every current submission, so it knows every partition file of a
//! table (`DATA/<tabell>/projekt=P/halvar=H/data.parquet`) and how many rows it was
//! written with. DataFusion's listing table would find the same files by listing the
//! table's folders, and with a listing cache it lists and caches the whole table before
//! it applies a filter on the project: 100,000 file-system calls for one project in a
//! dataset of 50. Here a scan evaluates its filters on the partition columns (`projekt`,
//! `halvar`; `i_urval(projekt, $projekt)` included) once over the list of submissions,
//! and only the selected files are looked at: its time follows what is selected, not
//! what else the dataset holds. A file written without rows is never opened.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, Result, ScalarValue, Statistics};
use datafusion::datasource::TableType;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::listing::helpers::expr_applicable_for_cols;
use datafusion::datasource::object_store::ObjectStoreUrl;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::object_store::ObjectMeta;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;

use crate::schema::PARTITION_COLUMNS;
use crate::store::{PARTITION_FILE, partition_path};

/// The dataset's current submissions (from the manifest), shared by every table.
#[derive(Debug)]
pub struct Submissions {
    list: Vec<Submission>,
    /// `projekt` and `halvar` of each, in order: what a filter on them is evaluated on
    /// ([`select`]).
    partition_values: RecordBatch,
}

#[derive(Debug)]
pub struct Submission {
    pub projekt: String,
    pub halvar: String,
    /// Rows written per table, as the manifest records them; an erasure may have removed
    /// some since, so each is an upper bound.
    pub rows: BTreeMap<String, u64>,
}

impl Submissions {
    pub fn new(list: Vec<Submission>) -> Result<Submissions> {
        let schema = Arc::new(Schema::new(partition_fields()));
        let partition_values = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from_iter_values(
                    list.iter().map(|s| s.projekt.as_str()),
                )),
                Arc::new(StringArray::from_iter_values(
                    list.iter().map(|s| s.halvar.as_str()),
                )),
            ],
        )?;
        Ok(Submissions {
            list,
            partition_values,
        })
    }
}

/// The indexes of the rows of `keys` (one a file) that pass every filter of `filters`
/// that reads only `keys`' columns.
fn select(state: &dyn Session, keys: &RecordBatch, filters: &[Expr]) -> Result<Vec<usize>> {
    let names = column_names(keys);
    let on_keys = filters
        .iter()
        .filter(|f| expr_applicable_for_cols(&names, f))
        .cloned();
    let Some(filter) = conjunction(on_keys) else {
        return Ok((0..keys.num_rows()).collect());
    };
    let df_schema = DFSchema::try_from(keys.schema())?;
    let predicate = state.create_physical_expr(filter, &df_schema)?;
    let selected = predicate.evaluate(keys)?.into_array(keys.num_rows())?;
    let selected = selected.as_boolean();
    Ok((0..keys.num_rows())
        .filter(|&i| selected.is_valid(i) && selected.value(i))
        .collect())
}

/// The session's Parquet settings (`datafusion.execution.parquet.*`), as a listing table
/// takes them, with one addition. A scan whose own filters only choose files (they are on
/// `keys`, the columns that name a file), or that has none, evaluates the dynamic filters
/// of the joins above it, which arrive after planning, while it decodes its rows
/// (`pushdown_filters`). A join with few rows on its other side (the half-year's register)
/// then has the other columns decoded only for the rows that can match: the scan of
/// `deltagande` in `halvar/remitterade.sql` decoded all 1,000,000 rows for 14,400. A filter
/// on the rows themselves (a period, `raknas`) lets most rows through, and evaluating it
/// while decoding costs 5-25 % more than after, so such a scan keeps the session's setting.
/// (`i_urval(projekt, …)` on an underlag table is then evaluated row by row as well, at no
/// cost worth measuring.) Whoever sets the setting themselves
/// (`DATAFUSION_EXECUTION_PARQUET_PUSHDOWN_FILTERS`) has it for every scan.
fn parquet_format(state: &dyn Session, filters: &[Expr], keys: &RecordBatch) -> ParquetFormat {
    let mut options = state.default_table_options().parquet;
    let names = column_names(keys);
    if std::env::var_os("DATAFUSION_EXECUTION_PARQUET_PUSHDOWN_FILTERS").is_none()
        && filters
            .iter()
            .all(|filter| expr_applicable_for_cols(&names, filter))
    {
        options.global.pushdown_filters = true;
    }
    ParquetFormat::default().with_options(options)
}

fn column_names(keys: &RecordBatch) -> Vec<&str> {
    keys.schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect()
}

/// A Parquet scan of `files` (each with its statistics), as a listing table would plan it.
async fn scan_files(
    state: &dyn Session,
    format: &ParquetFormat,
    table_schema: TableSchema,
    files: Vec<PartitionedFile>,
    projection: Option<&Vec<usize>>,
    limit: Option<usize>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = table_schema.table_schema().clone();
    if files.is_empty() {
        let schema = datafusion::common::project_schema(&schema, projection)?;
        return Ok(Arc::new(EmptyExec::new(schema)));
    }
    let groups: Vec<FileGroup> = FileGroup::new(files)
        .split_files(state.config().target_partitions())
        .into_iter()
        .map(|group| {
            let statistics = Statistics::try_merge_iter(
                group.iter().filter_map(|f| f.statistics.as_deref()),
                &schema,
            )?;
            Ok(group.with_statistics(Arc::new(statistics)))
        })
        .collect::<Result<_>>()?;
    let statistics = Statistics::try_merge_iter(
        groups.iter().filter_map(|g| g.file_statistics(None)),
        &schema,
    )?;
    let config = FileScanConfigBuilder::new(
        ObjectStoreUrl::local_filesystem(),
        format.file_source(table_schema),
    )
    .with_file_groups(groups)
    .with_statistics(statistics)
    .with_projection_indices(projection.cloned())?
    .with_limit(limit)
    .build();
    format.create_physical_plan(state, config).await
}

fn partition_fields() -> Vec<FieldRef> {
    PARTITION_COLUMNS
        .iter()
        .map(|c| Arc::new(Field::new(*c, DataType::Utf8, false)))
        .collect()
}

#[derive(Debug)]
pub struct SubmittedTable {
    name: String,
    /// `DATA/<tabell>`.
    dir: PathBuf,
    file_schema: SchemaRef,
    /// The file's columns and then the partition columns.
    table_schema: SchemaRef,
    submissions: Arc<Submissions>,
    files: Files,
}

impl SubmittedTable {
    pub fn new(
        name: &str,
        dir: PathBuf,
        file_schema: SchemaRef,
        submissions: Arc<Submissions>,
    ) -> SubmittedTable {
        let table_schema = Arc::new(Schema::new(
            file_schema
                .fields()
                .iter()
                .cloned()
                .chain(partition_fields())
                .collect::<Vec<_>>(),
        ));
        let files = Files::new(file_schema.clone(), submissions.list.len());
        SubmittedTable {
            name: name.to_string(),
            dir,
            file_schema,
            table_schema,
            submissions,
            files,
        }
    }

    fn rows(&self, index: usize) -> Option<u64> {
        self.submissions.list[index].rows.get(&self.name).copied()
    }

    fn path(&self, index: usize) -> PathBuf {
        let submission = &self.submissions.list[index];
        self.dir
            .join(partition_path(&submission.projekt, &submission.halvar))
            .join(PARTITION_FILE)
    }
}

/// What is known of a table's files: each one's size, time and statistics (row count,
/// each column's minimum and maximum: what lets a filter skip a file unopened), read from
/// its footer the first time a scan chooses it, several at a time.
#[derive(Debug)]
struct Files {
    schema: SchemaRef,
    /// `None` until read; `Some(None)` when the file is not there.
    found: tokio::sync::Mutex<Vec<Option<Option<Found>>>>,
}

type Found = (ObjectMeta, Arc<Statistics>);

impl Files {
    fn new(schema: SchemaRef, count: usize) -> Files {
        Files {
            schema,
            found: tokio::sync::Mutex::new(vec![None; count]),
        }
    }

    /// The chosen files (index and path) that are there, with what is known of them.
    async fn facts(
        &self,
        state: &dyn Session,
        format: &ParquetFormat,
        chosen: Vec<(usize, PathBuf)>,
    ) -> Result<Vec<(usize, PathBuf, Option<Found>)>> {
        use futures::{StreamExt, TryStreamExt};
        let store = state
            .runtime_env()
            .object_store(ObjectStoreUrl::local_filesystem())?;
        let mut found = self.found.lock().await;
        let unread: Vec<(usize, PathBuf)> = chosen
            .iter()
            .filter(|(index, _)| found[*index].is_none())
            .cloned()
            .collect();
        let concurrency = state
            .config_options()
            .execution
            .meta_fetch_concurrency
            .get();
        let read: Vec<(usize, Option<Found>)> = futures::stream::iter(unread)
            .map(|(index, path)| {
                let store = store.clone();
                async move {
                    let Some(meta) = object_meta(&path)? else {
                        return Ok((index, None));
                    };
                    let statistics = format
                        .infer_stats(state, &store, self.schema.clone(), &meta)
                        .await?;
                    Ok::<_, datafusion::error::DataFusionError>((
                        index,
                        Some((meta, Arc::new(statistics))),
                    ))
                }
            })
            .buffer_unordered(concurrency)
            .try_collect()
            .await?;
        for (index, facts) in read {
            found[index] = Some(facts);
        }
        Ok(chosen
            .into_iter()
            .map(|(index, path)| {
                let facts = found[index].clone().flatten();
                (index, path, facts)
            })
            .collect())
    }
}

/// A file that should hold rows and is not there.
fn missing(path: &Path) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(format!(
        "{} saknas, fast datamängden säger att den har rader: återställ datamängden från en säkerhetskopia (finsam restore)",
        path.display()
    ))
}

fn object_meta(path: &Path) -> Result<Option<ObjectMeta>> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let location = std::path::absolute(path)
        .map_err(datafusion::error::DataFusionError::from)
        .and_then(|path| {
            datafusion::object_store::path::Path::from_absolute_path(path)
                .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))
        })?;
    let last_modified = metadata
        .modified()
        .map(chrono::DateTime::<chrono::Utc>::from)
        .unwrap_or_default();
    Ok(Some(ObjectMeta {
        location,
        last_modified,
        size: metadata.len(),
        e_tag: None,
        version: None,
    }))
}

#[async_trait]
impl TableProvider for SubmittedTable {
    fn schema(&self) -> SchemaRef {
        self.table_schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // A filter on the partition columns alone is answered whole by choosing files.
        Ok(filters
            .iter()
            .map(|filter| {
                if expr_applicable_for_cols(&PARTITION_COLUMNS, filter) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let chosen: Vec<(usize, PathBuf)> =
            select(state, &self.submissions.partition_values, filters)?
                .into_iter()
                .filter(|&index| self.rows(index) != Some(0))
                .map(|index| (index, self.path(index)))
                .collect();
        let mut files = Vec::new();
        let format = parquet_format(state, filters, &self.submissions.partition_values);
        for (index, path, facts) in self.files.facts(state, &format, chosen).await? {
            let Some((meta, statistics)) = facts else {
                // A file the manifest says has rows must be there: its rows would be
                // missing from every figure without a word.
                if self.rows(index).unwrap_or(0) > 0 {
                    return Err(missing(&path));
                }
                continue;
            };
            let submission = &self.submissions.list[index];
            let mut file = PartitionedFile::from(meta);
            file.partition_values = vec![
                ScalarValue::Utf8(Some(submission.projekt.clone())),
                ScalarValue::Utf8(Some(submission.halvar.clone())),
            ];
            files.push(file.with_statistics(statistics));
        }
        let table_schema = TableSchema::builder(self.file_schema.clone())
            .with_table_partition_cols(partition_fields())
            .build();
        scan_files(state, &format, table_schema, files, projection, limit).await
    }
}

/// A table kept as one file per project (`DATA/_underlag/<tabell>/<projekt>.parquet`),
/// its column `projekt` saying the same as the file's name. A filter on `projekt` alone
/// chooses the files before any is opened; only the chosen files' footers are read.
#[derive(Debug)]
pub struct ProjectFilesTable {
    schema: SchemaRef,
    /// `projekt` of each file, in order.
    projects: RecordBatch,
    paths: Vec<PathBuf>,
    files: Files,
}

impl ProjectFilesTable {
    /// `files`: each project and its file, which must be there.
    pub fn new(schema: SchemaRef, files: Vec<(String, PathBuf)>) -> Result<ProjectFilesTable> {
        let projects = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(
                "projekt",
                DataType::Utf8,
                false,
            )])),
            vec![Arc::new(StringArray::from_iter_values(
                files.iter().map(|(p, _)| p.as_str()),
            ))],
        )?;
        Ok(ProjectFilesTable {
            files: Files::new(schema.clone(), files.len()),
            schema,
            projects,
            paths: files.into_iter().map(|(_, path)| path).collect(),
        })
    }
}

#[async_trait]
impl TableProvider for ProjectFilesTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Every filter stays above the scan as well: it reads the rows' own columns.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let chosen: Vec<(usize, PathBuf)> = select(state, &self.projects, filters)?
            .into_iter()
            .map(|index| (index, self.paths[index].clone()))
            .collect();
        let format = parquet_format(state, filters, &self.projects);
        let files = self
            .files
            .facts(state, &format, chosen)
            .await?
            .into_iter()
            .map(|(_, path, facts)| {
                let (meta, statistics) = facts.ok_or_else(|| missing(&path))?;
                Ok(PartitionedFile::from(meta).with_statistics(statistics))
            })
            .collect::<Result<_>>()?;
        let table_schema = TableSchema::builder(self.schema.clone()).build();
        scan_files(state, &format, table_schema, files, projection, limit).await
    }
}

#[cfg(test)]
mod tests;
