//! Writing validated rows of one table to a Parquet file (zstd), batch by batch.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, ListBuilder,
    StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use super::StoreError;
use crate::schema::Value;

const BATCH_ROWS: usize = 8192;
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// How every Parquet file of the dataset is written.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            // Level 1: on these small, mostly-text files it compresses as well as
            // level 3 (measured: 423 MB against 433 MB) and writes faster.
            ZstdLevel::try_new(1).expect("1 is a valid zstd level"),
        ))
        // The writer holds a row group in memory until it is full: keep it small
        // enough that one huge table cannot push ingest past its memory budget.
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build()
}

/// A [`RowSink`] that writes one Parquet file; `finish` closes it.
pub struct ParquetSink {
    path: PathBuf,
    schema: SchemaRef,
    builders: Vec<ColumnBuilder>,
    pending: usize,
    writer: ArrowWriter<File>,
    pub rows: u64,
}

enum ColumnBuilder {
    Text(StringBuilder),
    Date(Date32Builder),
    Int(Int32Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    List(ListBuilder<StringBuilder>),
}

impl ParquetSink {
    pub fn create(path: &Path, schema: SchemaRef) -> Result<ParquetSink, StoreError> {
        let file = File::create(path).map_err(|e| StoreError::io(path, e))?;
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(writer_properties()))
            .map_err(|e| StoreError::parquet(path, e))?;
        let builders = schema
            .fields()
            .iter()
            .map(|f| ColumnBuilder::for_type(f.data_type()))
            .collect();
        Ok(ParquetSink {
            path: path.to_path_buf(),
            schema,
            builders,
            pending: 0,
            writer,
            rows: 0,
        })
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| StoreError::arrow(&self.path, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| StoreError::parquet(&self.path, e))?;
        self.pending = 0;
        Ok(())
    }

    /// Writes the footer. The file is not fsynced here: the commit syncs the whole
    /// staging area at once before anything refers to it.
    pub fn finish(mut self) -> Result<u64, StoreError> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| StoreError::parquet(&self.path, e))?;
        Ok(self.rows)
    }
}

impl ParquetSink {
    /// Adds one row: one value per stored column of the table.
    pub fn push(&mut self, row: &[Value]) -> Result<(), StoreError> {
        for (builder, value) in self.builders.iter_mut().zip(row) {
            builder.append(value);
        }
        self.pending += 1;
        self.rows += 1;
        if self.pending >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }
}

/// One record batch of `rows` (values in the schema's column order), built as the
/// Parquet files are: the form a pseudonymised submission travels in as Arrow IPC.
pub fn record_batch(
    schema: SchemaRef,
    rows: &[Vec<Value>],
) -> Result<RecordBatch, datafusion::arrow::error::ArrowError> {
    let mut builders: Vec<ColumnBuilder> = schema
        .fields()
        .iter()
        .map(|f| ColumnBuilder::for_type(f.data_type()))
        .collect();
    for row in rows {
        for (builder, value) in builders.iter_mut().zip(row) {
            builder.append(value);
        }
    }
    let columns = builders.iter_mut().map(ColumnBuilder::finish).collect();
    RecordBatch::try_new(schema, columns)
}

impl ColumnBuilder {
    fn for_type(data_type: &DataType) -> ColumnBuilder {
        match data_type {
            DataType::Date32 => ColumnBuilder::Date(Date32Builder::with_capacity(BATCH_ROWS)),
            DataType::Int32 => ColumnBuilder::Int(Int32Builder::with_capacity(BATCH_ROWS)),
            DataType::Float64 => ColumnBuilder::Float(Float64Builder::with_capacity(BATCH_ROWS)),
            DataType::Boolean => ColumnBuilder::Bool(BooleanBuilder::with_capacity(BATCH_ROWS)),
            DataType::List(_) => ColumnBuilder::List(ListBuilder::new(StringBuilder::new())),
            _ => ColumnBuilder::Text(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 16)),
        }
    }

    /// Validation guarantees each value matches its column's type; anything else is null.
    fn append(&mut self, value: &Value) {
        match (self, value) {
            (ColumnBuilder::Text(b), Value::Text(t)) => b.append_value(t),
            (ColumnBuilder::Date(b), Value::Date(d)) => b.append_value(days_since_epoch(*d)),
            (ColumnBuilder::Int(b), Value::Int(i)) => b.append_value(*i as i32),
            (ColumnBuilder::Float(b), Value::Float(x)) => b.append_value(*x),
            (ColumnBuilder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (ColumnBuilder::List(b), Value::List(items)) => {
                for item in items {
                    b.values().append_value(item);
                }
                b.append(true);
            }
            (ColumnBuilder::Text(b), _) => b.append_null(),
            (ColumnBuilder::Date(b), _) => b.append_null(),
            (ColumnBuilder::Int(b), _) => b.append_null(),
            (ColumnBuilder::Float(b), _) => b.append_null(),
            (ColumnBuilder::Bool(b), _) => b.append_null(),
            (ColumnBuilder::List(b), _) => b.append(false),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Int(b) => Arc::new(b.finish()),
            ColumnBuilder::Float(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::List(b) => Arc::new(b.finish()),
        }
    }
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch exists")).num_days() as i32
}
