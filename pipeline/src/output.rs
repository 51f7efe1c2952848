//! Writing query results: an aligned terminal table, CSV, JSON or Parquet.

use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches_with_options;

use crate::query::QueryResult;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned table for the terminal.
    #[value(help = "Tabell för terminalen")]
    Table,
    Csv,
    /// One JSON object per row, in an array.
    #[value(help = "Ett JSON-objekt per rad, i en lista")]
    Json,
    Parquet,
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
    let failed =
        |e: &dyn std::fmt::Display| Error::Output(format!("kan inte skriva resultatet: {e}"));
    match format {
        Format::Table => {
            if result.row_count() == 0 {
                let names: Vec<&str> = result
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect();
                writeln!(out, "(inga rader; kolumner: {})", names.join(", "))
                    .map_err(|e| failed(&e))?;
                return Ok(());
            }
            let table =
                pretty_format_batches_with_options(&result.batches, &options().with_null("NULL"))
                    .map_err(|e| failed(&e))?;
            writeln!(out, "{table}").map_err(|e| failed(&e))?;
            writeln!(out, "{} rader", result.row_count()).map_err(|e| failed(&e))
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer
                .write_record(result.schema.fields().iter().map(|f| f.name()))
                .map_err(|e| failed(&e))?;
            for batch in &result.batches {
                for row in rows_as_text(batch)? {
                    writer.write_record(&row).map_err(|e| failed(&e))?;
                }
            }
            writer.flush().map_err(|e| failed(&e))
        }
        Format::Json => {
            let mut writer = datafusion::arrow::json::ArrayWriter::new(out);
            let batches: Vec<&RecordBatch> = result.batches.iter().collect();
            writer.write_batches(&batches).map_err(|e| failed(&e))?;
            writer.finish().map_err(|e| failed(&e))
        }
        Format::Parquet => {
            let mut writer =
                datafusion::parquet::arrow::ArrowWriter::try_new(out, result.schema.clone(), None)
                    .map_err(|e| failed(&e))?;
            for batch in &result.batches {
                writer.write(batch).map_err(|e| failed(&e))?;
            }
            writer.close().map_err(|e| failed(&e))?;
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
