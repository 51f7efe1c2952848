//! The cache of context rows in the dataset: `DATA/kontext.parquet`.
//!
//! Written whole each time (temp file, fsync, rename) under the dataset's write lock: a
//! fetch that fails half-way leaves the cache as it was. A new row replaces the row with
//! the same key ([`Row::key`]); rows a fetch did not touch stay, so the cache keeps
//! what it once had even when a source later drops it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray, TimestampSecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{KontextError, Row};
use crate::store::{StoreError, write_atomic};

pub const FILE: &str = "kontext.parquet";

/// The table's columns, as SQL sees them.
pub fn schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("kalla", false),
        text("indikator", false),
        text("titel", false),
        text("kommunkod", false),
        text("namn", false),
        Field::new("ar", DataType::Int32, false),
        text("kon", false),
        Field::new("varde", DataType::Float64, true),
        text("enhet", false),
        text("aldersband", false),
        Field::new(
            "hamtad",
            DataType::Timestamp(TimeUnit::Second, Some("UTC".into())),
            false,
        ),
        text("status", true),
    ]))
}

pub fn path(data: &Path) -> PathBuf {
    data.join(FILE)
}

/// The cached rows; none when nothing has been fetched.
pub fn load(data: &Path) -> Result<Vec<Row>, KontextError> {
    let path = path(data);
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(&path, e).into()),
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|builder| builder.build())
        .map_err(|e| StoreError::parquet(&path, e))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| StoreError::arrow(&path, e))?;
        rows.extend(from_batch(&batch).map_err(|message| KontextError::Config {
            file: path.display().to_string(),
            message,
        })?);
    }
    Ok(rows)
}

/// Adds `new` to the cache, each replacing the cached row with its key, and writes it.
/// The caller holds the dataset's write lock. Returns how many rows the cache holds.
pub fn merge(data: &Path, new: Vec<Row>) -> Result<usize, KontextError> {
    let mut by_key: BTreeMap<(String, String, String, i32, String, String), Row> = BTreeMap::new();
    for row in load(data)?.into_iter().chain(new) {
        let (kalla, indikator, kommun, ar, kon, alder) = row.key();
        let key = (
            kalla.to_string(),
            indikator.to_string(),
            kommun.to_string(),
            ar,
            kon.to_string(),
            alder.to_string(),
        );
        by_key.insert(key, row);
    }
    let rows: Vec<Row> = by_key.into_values().collect();
    let path = path(data);
    let batch = to_batch(&rows).map_err(|e| StoreError::arrow(&path, e))?;
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(
        &mut bytes,
        batch.schema(),
        Some(crate::store::writer_properties()),
    )
    .map_err(|e| StoreError::parquet(&path, e))?;
    writer
        .write(&batch)
        .and_then(|()| writer.close().map(|_| ()))
        .map_err(|e| StoreError::parquet(&path, e))?;
    write_atomic(&path, &bytes)?;
    Ok(rows.len())
}

/// [`merge`] under the dataset folder's lock (created when it is not there yet).
pub fn change(data: &Path, new: Vec<Row>) -> Result<usize, KontextError> {
    std::fs::create_dir_all(data).map_err(|e| StoreError::io(data, e))?;
    let _lock = crate::store::wait_for_folder(data)?;
    merge(data, new)
}

/// The rows as one batch of [`schema`].
pub fn to_batch(rows: &[Row]) -> Result<RecordBatch, datafusion::arrow::error::ArrowError> {
    let text = |f: &dyn Fn(&Row) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let fetched: Vec<i64> = rows
        .iter()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(&r.hamtad)
                .map(|t| t.timestamp())
                .unwrap_or_default()
        })
        .collect();
    RecordBatch::try_new(
        schema(),
        vec![
            text(&|r| Some(&r.kalla)),
            text(&|r| Some(&r.indikator)),
            text(&|r| Some(&r.titel)),
            text(&|r| Some(&r.kommunkod)),
            text(&|r| Some(&r.namn)),
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.ar))),
            text(&|r| Some(&r.kon)),
            Arc::new(rows.iter().map(|r| r.varde).collect::<Float64Array>()),
            text(&|r| Some(&r.enhet)),
            text(&|r| Some(&r.aldersband)),
            Arc::new(TimestampSecondArray::from(fetched).with_timezone("UTC")),
            text(&|r| r.status.as_deref()),
        ],
    )
}

fn from_batch(batch: &RecordBatch) -> Result<Vec<Row>, String> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| format!("kolumnen {name} saknas"))
    };
    let texts = |name: &str| -> Result<&StringArray, String> {
        column(name)?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| format!("kolumnen {name} är inte text"))
    };
    let (kalla, indikator, titel, kommunkod, namn, kon, enhet, aldersband, status) = (
        texts("kalla")?,
        texts("indikator")?,
        texts("titel")?,
        texts("kommunkod")?,
        texts("namn")?,
        texts("kon")?,
        texts("enhet")?,
        texts("aldersband")?,
        texts("status")?,
    );
    let ar = column("ar")?
        .as_any()
        .downcast_ref::<Int32Array>()
        .ok_or("kolumnen ar är inte ett heltal")?;
    let varde = column("varde")?
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or("kolumnen varde är inte ett tal")?;
    let hamtad = column("hamtad")?
        .as_any()
        .downcast_ref::<TimestampSecondArray>()
        .ok_or("kolumnen hamtad är ingen tidpunkt")?;
    Ok((0..batch.num_rows())
        .map(|i| Row {
            kalla: kalla.value(i).into(),
            indikator: indikator.value(i).into(),
            titel: titel.value(i).into(),
            kommunkod: kommunkod.value(i).into(),
            namn: namn.value(i).into(),
            ar: ar.value(i),
            kon: kon.value(i).into(),
            varde: (!varde.is_null(i)).then(|| varde.value(i)),
            enhet: enhet.value(i).into(),
            aldersband: aldersband.value(i).into(),
            hamtad: chrono::DateTime::from_timestamp(hamtad.value(i), 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            status: (!status.is_null(i)).then(|| status.value(i).into()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kommun: &str, ar: i32, varde: Option<f64>, hamtad: &str) -> Row {
        Row {
            kalla: "Kolada".into(),
            indikator: "N31807".into(),
            titel: "Invånare med ekonomiskt bistånd".into(),
            kommunkod: kommun.into(),
            namn: "Nässjö".into(),
            ar,
            kon: "T".into(),
            varde,
            enhet: "procent".into(),
            aldersband: "alla".into(),
            hamtad: hamtad.into(),
            status: varde.is_none().then(|| "Missing".to_string()),
        }
    }

    #[test]
    fn a_newer_row_replaces_the_one_with_its_key_and_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).unwrap().is_empty());
        let first = vec![
            row("0682", 2014, Some(7.6), "2026-12-01T10:00:00Z"),
            row("0682", 2015, None, "2026-12-01T10:00:00Z"),
        ];
        assert_eq!(merge(dir.path(), first.clone()).unwrap(), 2);
        assert_eq!(load(dir.path()).unwrap(), first);
        let again = vec![row("0682", 2015, Some(7.1), "2026-12-07T09:30:00Z")];
        assert_eq!(merge(dir.path(), again.clone()).unwrap(), 2);
        assert_eq!(
            load(dir.path()).unwrap(),
            vec![first[0].clone(), again[0].clone()]
        );
    }
}
