//! What a new version of a submission changes (`finsam ingest --visa-andringar`).
//!
//! A project leader who corrects a row resubmits the whole half-year. Before it is taken
//! in, they may see, per table, how many rows the new version adds, changes and removes
//! compared with the current one: counts only, never a value, so nothing that could
//! identify a person is shown.
//!
//! Rows are compared by what makes them the same record: a participation by the table's
//! `unique` columns (person and inskriven), an event by its `identity`, anything else by
//! all its columns (so it can only be added or removed). A record whose columns differ in
//! any way is changed. Both versions are compared as stored: validated and pseudonymised,
//! through the same Arrow types, so a date written another way is no change.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::schema::{Schema, TableDef};
use crate::store::{Dataset, StoreError, record_batch};
use crate::validate::Value;

/// How one table's rows differ between the current and a new version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableChanges {
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    pub unchanged: u64,
}

impl TableChanges {
    pub fn any(&self) -> bool {
        self.added + self.changed + self.removed > 0
    }
}

/// Compares the new rows of every table (`tables`: stored columns, row by row, as
/// validation gives them) with the project's current submission for the half-year.
/// `None` when the dataset has no submission for it: everything would be new.
pub fn compare(
    dataset: &Dataset,
    schema: &Schema,
    projekt: &str,
    halvar: &str,
    tables: &BTreeMap<String, Vec<Vec<Value>>>,
) -> Result<Option<BTreeMap<String, TableChanges>>, StoreError> {
    let manifest = dataset.manifest()?;
    if manifest.current_for(projekt, halvar).is_none() {
        return Ok(None);
    }
    let mut changes = BTreeMap::new();
    for table in &schema.tables {
        let new_rows = tables.get(&table.name).map_or(&[][..], Vec::as_slice);
        let new = record_batch(table.file_schema(), new_rows)
            .map_err(|e| StoreError::arrow(dataset.root(), e))?;
        let path = dataset.partition_file(&table.name, projekt, halvar);
        let old = read(&path, table)?;
        changes.insert(
            table.name.clone(),
            differ(table, &old, &new).map_err(|e| StoreError::arrow(&path, e))?,
        );
    }
    Ok(Some(changes))
}

/// A stored partition, laid out as the table's columns today (a column the file lacks,
/// from a later schema version, is empty).
fn read(path: &std::path::Path, table: &TableDef) -> Result<Vec<RecordBatch>, StoreError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| StoreError::parquet(path, e))?;
    let schema = table.file_schema();
    let mut batches = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| StoreError::arrow(path, e))?;
        let columns = schema
            .fields()
            .iter()
            .map(|field| match batch.column_by_name(field.name()) {
                Some(column) => column.clone(),
                None => {
                    datafusion::arrow::array::new_null_array(field.data_type(), batch.num_rows())
                }
            })
            .collect();
        batches.push(
            RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| StoreError::arrow(path, e))?,
        );
    }
    Ok(batches)
}

/// Each row as (what makes it the same record, all it says), as text.
fn keyed_rows(
    table: &TableDef,
    batch: &RecordBatch,
) -> Result<Vec<(String, String)>, datafusion::arrow::error::ArrowError> {
    let options = FormatOptions::default().with_null("∅");
    let formatters: Vec<ArrayFormatter> = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<_, _>>()?;
    let names: Vec<&str> = table.stored_columns().map(|c| c.name.as_str()).collect();
    let key_names = if !table.identity.is_empty() {
        &table.identity
    } else {
        &table.unique
    };
    let key_columns: Vec<usize> = if key_names.is_empty() {
        (0..names.len()).collect()
    } else {
        key_names
            .iter()
            .filter_map(|k| names.iter().position(|n| n == k))
            .collect()
    };
    let mut rows = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let cell = |column: usize| formatters[column].value(row).to_string();
        let all: Vec<String> = (0..names.len()).map(cell).collect();
        let key: Vec<&str> = key_columns.iter().map(|&c| all[c].as_str()).collect();
        rows.push((key.join("\u{1f}"), all.join("\u{1f}")));
    }
    Ok(rows)
}

/// Pairs the rows of each record: equal rows are unchanged, the rest of a record's rows
/// on both sides changed, and what is left over added or removed.
fn differ(
    table: &TableDef,
    old: &[RecordBatch],
    new: &RecordBatch,
) -> Result<TableChanges, datafusion::arrow::error::ArrowError> {
    let mut records: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
    for batch in old {
        for (key, row) in keyed_rows(table, batch)? {
            records.entry(key).or_default().0.push(row);
        }
    }
    for (key, row) in keyed_rows(table, new)? {
        records.entry(key).or_default().1.push(row);
    }
    let mut changes = TableChanges::default();
    for (_, (mut old, mut new)) in records {
        old.sort();
        new.sort();
        let (mut i, mut j) = (0, 0);
        let (mut old_left, mut new_left) = (0u64, 0u64);
        while i < old.len() && j < new.len() {
            match old[i].cmp(&new[j]) {
                std::cmp::Ordering::Equal => {
                    changes.unchanged += 1;
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => {
                    old_left += 1;
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    new_left += 1;
                    j += 1;
                }
            }
        }
        old_left += (old.len() - i) as u64;
        new_left += (new.len() - j) as u64;
        let changed = old_left.min(new_left);
        changes.changed += changed;
        changes.removed += old_left - changed;
        changes.added += new_left - changed;
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[(&str, &str, Option<&str>)]) -> Vec<Vec<Value>> {
        values
            .iter()
            .map(|(person, start, slut)| {
                vec![
                    Value::Text(person.to_string()),
                    Value::Text("praktik".into()),
                    Value::Date(start.parse().unwrap()),
                    slut.map_or(Value::Null, |s| Value::Date(s.parse().unwrap())),
                ]
            })
            .collect()
    }

    #[test]
    fn an_event_is_changed_added_or_removed_by_its_identity() {
        let schema = Schema::bundled().unwrap();
        let insatser = schema.table("insatser").unwrap();
        let batch = |values| record_batch(insatser.file_schema(), &rows(values)).unwrap();
        let old = batch(&[
            ("a", "2008-01-10", None),
            ("b", "2008-02-01", None),
            ("c", "2008-03-01", None),
        ]);
        let new = batch(&[
            // a's praktik gets its end: changed; b's stays; c's is gone; d's is new.
            ("a", "2008-01-10", Some("2008-05-31")),
            ("b", "2008-02-01", None),
            ("d", "2008-04-01", None),
        ]);
        assert_eq!(
            differ(insatser, &[old], &new).unwrap(),
            TableChanges {
                added: 1,
                changed: 1,
                removed: 1,
                unchanged: 1
            }
        );
    }
}
