//! The filled workbook: the template with records in its table sheets and the
//! submission's details on Inlämning, written only when every row fits the schema.
//!
//! Invariant: what is written is what `ingest` reads back, cell for cell (a date cell
//! for [`Cell::Date`], a text-formatted string for [`Cell::Text`], and so on).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_xlsxwriter::{ColNum, Worksheet, XlsxError};

use super::blank::Styles;
use super::{MAX_SHEET_ROWS, TemplateError, excel_date, write_workbook};
use crate::period::HalfYear;
use crate::read::Cell;
use crate::schema::Schema;

/// What the Inlämning sheet of a filled workbook states.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledMeta {
    /// The project's short name, e.g. SIGMA.
    pub projekt: String,
    pub halvar: HalfYear,
    /// The creation date in the workbook's document properties; `None`: now. A fixed
    /// date makes the file the same byte for byte every time it is written.
    pub created: Option<NaiveDate>,
}

/// The records of a filled workbook: table name → rows, each row one cell per column
/// of the table in the schema's column order. The cells are the reader's own
/// [`Cell`]s, so what is written is what [`crate::read`] gives back: a
/// [`Cell::Date`] becomes a real Excel date cell (shown `yyyy-mm-dd`), a
/// [`Cell::Number`] a number, a [`Cell::Bool`] a boolean, [`Cell::Empty`] nothing.
pub type FilledRows = BTreeMap<String, Vec<Vec<Cell>>>;

/// The records and details that go into a filled workbook.
pub(super) struct Filled<'a> {
    pub(super) meta: &'a FilledMeta,
    pub(super) rows: &'a FilledRows,
}

/// The template's workbook with `rows` in its table sheets and `meta` on the
/// Inlämning sheet: a complete submission. Tables missing from `rows` get empty
/// sheets. A table name the schema does not know, or a row whose length is not the
/// table's number of columns, is an error and nothing is written.
pub fn write_filled_xlsx(
    schema: &Schema,
    meta: &FilledMeta,
    rows: &FilledRows,
    path: &Path,
) -> Result<(), TemplateError> {
    check_rows(schema, rows).map_err(|message| TemplateError::Rows {
        path: path.to_path_buf(),
        message,
    })?;
    write_workbook(schema, Some(&Filled { meta, rows }), path)
}

/// Every table of `rows` is in the schema and every row has one cell per column.
/// The message names table and row, never a cell's content.
fn check_rows(schema: &Schema, rows: &FilledRows) -> Result<(), String> {
    for (name, table_rows) in rows {
        let table = schema
            .table(name)
            .ok_or_else(|| format!("schemat har ingen tabell {name}"))?;
        if table_rows.len() > MAX_SHEET_ROWS {
            return Err(format!(
                "tabellen {name} har {} rader men ett Excel-blad rymmer {MAX_SHEET_ROWS}",
                table_rows.len()
            ));
        }
        let width = table.columns.len();
        if let Some((index, row)) = table_rows
            .iter()
            .enumerate()
            .find(|(_, row)| row.len() != width)
        {
            return Err(format!(
                "rad {} i tabellen {name} har {} celler men tabellen har {width} kolumner",
                index + 2,
                row.len()
            ));
        }
    }
    Ok(())
}

/// One record cell, typed as the reader will see it: text (text-formatted, so a
/// number-like code stays text), number, boolean, or a date cell shown `yyyy-mm-dd`.
pub(super) fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: ColNum,
    cell: &Cell,
    styles: &Styles,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            sheet.write_string_with_format(row, col, text, &styles.text)?;
        }
        Cell::Number(number) => {
            sheet.write_number(row, col, *number)?;
        }
        Cell::Date(date) => {
            sheet.write_datetime_with_format(row, col, excel_date(*date)?, &styles.date)?;
        }
        Cell::Bool(value) => {
            sheet.write_boolean(row, col, *value)?;
        }
    }
    Ok(())
}
