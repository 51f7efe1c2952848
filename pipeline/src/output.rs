//! Writing query results: an aligned terminal table, CSV, JSON or Parquet.

use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches_with_options;

use crate::query::QueryResult;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned table for the terminal.
    Table,
    Csv,
    /// One JSON object per row, in an array.
    Json,
    Parquet,
    /// An Excel workbook: one sheet per result, numbers as numbers, dates as dates.
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Parquet,
        Format::Xlsx,
    ];

    /// The name an option gives it (`--format csv`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Parquet => "parquet",
            Format::Xlsx => "xlsx",
        }
    }

    /// The format `name` names, if any.
    pub fn named(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether it is a file for a program, not text for a terminal.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Parquet | Format::Xlsx)
    }
}

/// How text formats are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// CSV's field separator: `;` is what Swedish Excel opens.
    pub csv_separator: u8,
    /// Decimal numbers with a comma (`0,25`), as Swedish Excel reads them.
    pub decimal_comma: bool,
    /// The terminal's width: a table wider is cut, with a note of what was left out.
    pub width: Option<usize>,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            csv_separator: b',',
            decimal_comma: false,
            width: None,
        }
    }
}

/// `text` as a cell of a CSV file a person opens in Excel: a cell that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is read by Excel as a formula (`=HYPERLINK(…)`
/// in a column header becomes a link), so it gets a leading `'`, which Excel shows as
/// text. For messages and findings; query results keep their values.
pub fn spreadsheet_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

fn options() -> FormatOptions<'static> {
    FormatOptions::default().with_null("")
}

/// Writes the result in the given format; Parquet and Excel need a file, not a terminal.
pub fn write(result: &QueryResult, format: Format, out: &mut (dyn Write + Send)) -> Result<()> {
    write_styled(result, format, &Style::default(), out)
}

/// Writes the result in the given format and style.
pub fn write_styled(
    result: &QueryResult,
    format: Format,
    style: &Style,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    // The cause is kept, not only told: a reader that went away (`| head`) is a broken
    // pipe the CLI ends quietly on.
    fn failed(e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Write(Box::new(e))
    }
    // csv's error tells its I/O cause but does not chain it.
    fn csv_failed(e: csv::Error) -> Error {
        if e.is_io_error()
            && let csv::ErrorKind::Io(io) = e.into_kind()
        {
            return failed(io);
        }
        Error::Output("kan inte skriva resultatet som CSV".into())
    }
    match format {
        Format::Table => {
            if result.row_count() == 0 {
                let names = result.column_names().join(", ");
                writeln!(out, "(inga rader; kolumner: {names})").map_err(failed)?;
                return Ok(());
            }
            let table =
                pretty_format_batches_with_options(&result.batches, &options().with_null("NULL"))
                    .map_err(failed)?
                    .to_string();
            let (table, cut) = match style.width {
                Some(width) => cut_to_width(&table, width),
                None => (table, 0),
            };
            writeln!(out, "{table}").map_err(failed)?;
            let rows = result.row_count();
            let mut summary = format!("{rows} {}", if rows == 1 { "rad" } else { "rader" });
            if cut > 0 {
                summary.push_str(&format!(
                    "; {cut} tecken per rad fick inte plats i terminalen (välj färre kolumner, \\format csv eller --format csv)"
                ));
            }
            writeln!(out, "{summary}").map_err(failed)
        }
        Format::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(style.csv_separator)
                .from_writer(out);
            writer
                .write_record(result.column_names())
                .map_err(csv_failed)?;
            for batch in &result.batches {
                for row in rows_as_text(batch, style.decimal_comma)? {
                    writer.write_record(&row).map_err(csv_failed)?;
                }
            }
            writer.flush().map_err(failed)
        }
        Format::Xlsx => {
            let bytes = xlsx(&[("Resultat".to_string(), result)])?;
            out.write_all(&bytes).map_err(failed)
        }
        Format::Json => {
            let mut writer = datafusion::arrow::json::ArrayWriter::new(out);
            let batches: Vec<&RecordBatch> = result.batches.iter().collect();
            writer.write_batches(&batches).map_err(failed)?;
            writer.finish().map_err(failed)
        }
        Format::Parquet => {
            let mut writer =
                datafusion::parquet::arrow::ArrowWriter::try_new(out, result.schema.clone(), None)
                    .map_err(failed)?;
            for batch in &result.batches {
                writer.write(batch).map_err(failed)?;
            }
            writer.close().map_err(failed)?;
            Ok(())
        }
    }
}

/// A terminal table cut to `width` characters a line: each line keeps its first `width -
/// 1` characters and ends in `…`. Also the number of characters the widest line lost.
fn cut_to_width(table: &str, width: usize) -> (String, usize) {
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    if widest <= width || width < 2 {
        return (table.to_string(), 0);
    }
    let lines: Vec<String> = table
        .lines()
        .map(|line| {
            let mut kept: String = line.chars().take(width - 1).collect();
            kept.push('…');
            kept
        })
        .collect();
    (lines.join("\n"), widest - (width - 1))
}

/// Results as an Excel workbook, one sheet per (name, result): a bold header row, numbers
/// as numbers, dates as dates, lists and the rest as text.
pub fn xlsx(results: &[(String, &QueryResult)]) -> Result<Vec<u8>> {
    use chrono::Datelike;
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| {
        Error::Output(format!("arbetsboken kunde inte skrivas: {e}"))
    };
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    for (name, result) in results {
        let sheet = workbook
            .add_worksheet()
            .set_name(sheet_name(name))
            .map_err(failed)?;
        for (col, field) in result.schema.fields().iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, field.name(), &bold)
                .map_err(failed)?;
            sheet
                .set_column_width(
                    col as u16,
                    (field.name().chars().count() + 2).max(10) as f64,
                )
                .map_err(failed)?;
        }
        let mut row = 1u32;
        for batch in &result.batches {
            let texts = rows_as_text(batch, false)?;
            let columns: Vec<Cells> = batch.columns().iter().map(Cells::of).collect();
            for (index, row_texts) in texts.iter().enumerate() {
                for (col, (cells, text)) in columns.iter().zip(row_texts).enumerate() {
                    let col = col as u16;
                    match cells.at(index) {
                        Cell::Empty => {}
                        Cell::Number(value) => {
                            sheet.write_number(row, col, value).map_err(failed)?;
                        }
                        Cell::Boolean(value) => {
                            sheet.write_boolean(row, col, value).map_err(failed)?;
                        }
                        Cell::Date(day) => {
                            let cell = ExcelDateTime::from_ymd(
                                day.year() as u16,
                                day.month() as u8,
                                day.day() as u8,
                            )
                            .map_err(failed)?;
                            sheet
                                .write_datetime_with_format(row, col, &cell, &date)
                                .map_err(failed)?;
                        }
                        Cell::Text => {
                            sheet
                                .write_string(row, col, spreadsheet_text(text))
                                .map_err(failed)?;
                        }
                        Cell::Digits => {
                            sheet.write_string(row, col, text).map_err(failed)?;
                        }
                    }
                }
                row += 1;
            }
        }
        if row > 1 {
            sheet
                .autofilter(
                    0,
                    0,
                    row - 1,
                    result.schema.fields().len().saturating_sub(1) as u16,
                )
                .map_err(failed)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
    }
    workbook.save_to_buffer().map_err(failed)
}

/// One column of a batch as an Excel sheet takes it: numbers cast once per batch.
enum Cells<'a> {
    /// Integers and decimals as Excel's numbers (f64). An integer is exact there up to
    /// 2^53: one beyond (or one that does not fit at all) stays text.
    Numbers {
        values: datafusion::arrow::array::Float64Array,
        source: &'a dyn datafusion::arrow::array::Array,
        integers: bool,
    },
    Booleans(&'a datafusion::arrow::array::BooleanArray),
    Dates(&'a datafusion::arrow::array::Date32Array),
    Texts(&'a dyn datafusion::arrow::array::Array),
}

/// One cell of [`Cells`].
enum Cell {
    Empty,
    Number(f64),
    Boolean(bool),
    Date(chrono::NaiveDate),
    /// As the row's text has it.
    Text,
    /// A number Excel cannot hold exactly, as its digits.
    Digits,
}

impl<'a> Cells<'a> {
    fn of(array: &'a datafusion::arrow::array::ArrayRef) -> Cells<'a> {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::{DataType, Float64Type};
        let data_type = array.data_type();
        let integers = data_type.is_integer();
        let numeric = integers || data_type.is_floating() || data_type.is_decimal();
        if numeric && let Ok(values) = datafusion::arrow::compute::cast(array, &DataType::Float64) {
            return Cells::Numbers {
                values: values.as_primitive::<Float64Type>().clone(),
                source: array.as_ref(),
                integers,
            };
        }
        match data_type {
            DataType::Boolean => Cells::Booleans(array.as_boolean()),
            DataType::Date32 => Cells::Dates(array.as_primitive()),
            _ => Cells::Texts(array.as_ref()),
        }
    }

    fn at(&self, index: usize) -> Cell {
        use datafusion::arrow::array::Array;
        let source: &dyn Array = match self {
            Cells::Numbers { source, .. } | Cells::Texts(source) => *source,
            Cells::Booleans(array) => *array,
            Cells::Dates(array) => *array,
        };
        if source.is_null(index) {
            return Cell::Empty;
        }
        match self {
            Cells::Numbers {
                values, integers, ..
            } => {
                let value = values.value(index);
                let exact = !*integers || value.abs() < (1u64 << 53) as f64;
                if values.is_valid(index) && value.is_finite() && exact {
                    Cell::Number(value)
                } else {
                    Cell::Digits
                }
            }
            Cells::Booleans(array) => Cell::Boolean(array.value(index)),
            Cells::Dates(array) => array.value_as_date(index).map_or(Cell::Text, Cell::Date),
            Cells::Texts(_) => Cell::Text,
        }
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Resultat".into()
    } else {
        cleaned
    }
}

/// Every cell as display text (lists as `[a, b]`), for CSV; with `decimal_comma`,
/// decimal numbers with a comma.
fn rows_as_text(batch: &RecordBatch, decimal_comma: bool) -> Result<Vec<Vec<String>>> {
    let options = options();
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Output(e.to_string()))?;
    use datafusion::arrow::datatypes::DataType;
    let decimal: Vec<bool> = batch
        .columns()
        .iter()
        .map(|c| {
            decimal_comma
                && matches!(
                    c.data_type(),
                    DataType::Float16
                        | DataType::Float32
                        | DataType::Float64
                        | DataType::Decimal32(..)
                        | DataType::Decimal64(..)
                        | DataType::Decimal128(..)
                        | DataType::Decimal256(..)
                )
        })
        .collect();
    Ok((0..batch.num_rows())
        .map(|row| {
            formatters
                .iter()
                .zip(&decimal)
                .map(|(f, comma)| {
                    let text = f.value(row).to_string();
                    if *comma { text.replace('.', ",") } else { text }
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_excel_would_read_as_a_formula_is_text() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"klicka\")",
            "@SUM(1+1)",
            "+1",
            "-1",
            "\tx",
        ] {
            assert_eq!(spreadsheet_text(formula), format!("'{formula}"));
        }
        assert_eq!(spreadsheet_text("okänd kolumn"), "okänd kolumn");
    }

    #[test]
    fn a_table_wider_than_the_terminal_is_cut_with_a_note() {
        let table = "+-----+\n| abc |\n+-----+";
        assert_eq!(cut_to_width(table, 20), (table.to_string(), 0));
        let (cut, lost) = cut_to_width(table, 4);
        assert_eq!(cut, "+--…\n| a…\n+--…");
        assert_eq!(lost, 4);
    }

    #[test]
    fn swedish_csv_has_semicolons_and_decimal_commas() {
        use datafusion::arrow::array::{Float64Array, StringArray};
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        let schema = std::sync::Arc::new(Schema::new(vec![
            Field::new("namn", DataType::Utf8, false),
            Field::new("andel", DataType::Float64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                std::sync::Arc::new(StringArray::from(vec!["a;b", "c.d"])),
                std::sync::Arc::new(Float64Array::from(vec![0.25, 1.0])),
            ],
        )
        .unwrap();
        let result = QueryResult {
            schema,
            batches: vec![batch],
            notes: vec![],
        };
        let style = Style {
            csv_separator: b';',
            decimal_comma: true,
            width: None,
        };
        let mut out = Vec::new();
        write_styled(&result, Format::Csv, &style, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "namn;andel\n\"a;b\";0,25\nc.d;1,0\n"
        );
        let bytes = xlsx(&[("Fråga 1".into(), &result)]).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }

    #[test]
    fn a_workbook_holds_numbers_dates_and_flags_as_such() {
        use calamine::{Data, Reader};
        use datafusion::arrow::array::{BooleanArray, Date32Array, Int64Array, StringArray};
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        let schema = std::sync::Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("dag", DataType::Date32, true),
            Field::new("ja", DataType::Boolean, true),
            Field::new("text", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                std::sync::Arc::new(Int64Array::from(vec![Some(7), Some((1 << 53) + 1), None])),
                std::sync::Arc::new(Date32Array::from(vec![Some(13_879), None, None])),
                std::sync::Arc::new(BooleanArray::from(vec![Some(true), None, None])),
                std::sync::Arc::new(StringArray::from(vec![Some("=1+1"), None, None])),
            ],
        )
        .unwrap();
        let result = QueryResult {
            schema,
            batches: vec![batch],
            notes: vec![],
        };
        let bytes = xlsx(&[("Resultat".into(), &result)]).unwrap();
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Resultat").unwrap();
        assert_eq!(sheet.get((1, 0)), Some(&Data::Float(7.0)));
        // Past 2^53 a count is not exact in Excel: it stays its digits.
        assert_eq!(
            sheet.get((2, 0)),
            Some(&Data::String("9007199254740993".into()))
        );
        assert!(
            matches!(sheet.get((1, 1)), Some(Data::DateTime(d)) if d.as_f64() == 39_448.0),
            "2008-01-01: {:?}",
            sheet.get((1, 1))
        );
        assert_eq!(sheet.get((1, 2)), Some(&Data::Bool(true)));
        assert_eq!(sheet.get((1, 3)), Some(&Data::String("'=1+1".into())));
        assert_eq!(sheet.get((2, 1)), Some(&Data::Empty));
    }
}
