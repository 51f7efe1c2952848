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
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Table, Format::Csv, Format::Json, Format::Parquet];

    /// The name an option gives it (`--format csv`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Parquet => "parquet",
        }
    }

    /// The format `name` names, if any.
    pub fn named(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
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

/// Writes the result in the given format; Parquet needs a file, not a terminal.
pub fn write(result: &QueryResult, format: Format, out: &mut (dyn Write + Send)) -> Result<()> {
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
                let names: Vec<&str> = result
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect();
                writeln!(out, "(inga rader; kolumner: {})", names.join(", ")).map_err(failed)?;
                return Ok(());
            }
            let table =
                pretty_format_batches_with_options(&result.batches, &options().with_null("NULL"))
                    .map_err(failed)?;
            writeln!(out, "{table}").map_err(failed)?;
            writeln!(out, "{} rader", result.row_count()).map_err(failed)
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer
                .write_record(result.schema.fields().iter().map(|f| f.name()))
                .map_err(csv_failed)?;
            for batch in &result.batches {
                for row in rows_as_text(batch)? {
                    writer.write_record(&row).map_err(csv_failed)?;
                }
            }
            writer.flush().map_err(failed)
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

/// Every cell as display text (lists as `[a, b]`), for CSV.
fn rows_as_text(batch: &RecordBatch) -> Result<Vec<Vec<String>>> {
    let options = options();
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Output(e.to_string()))?;
    Ok((0..batch.num_rows())
        .map(|row| {
            formatters
                .iter()
                .map(|f| f.value(row).to_string())
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
}
