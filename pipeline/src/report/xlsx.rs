//! The report as an Excel workbook: tables a project leader can paste into the Word
//! report. Counts are numbers, shares are percent cells; hidden cells show `..`.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::view::{Row, view};
use super::{Report, Value};

pub fn to_xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let view = view(report);
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let heading = Format::new().set_bold().set_font_size(14);
    let right = Format::new().set_align(FormatAlign::Right);
    let sheet = workbook.add_worksheet().set_name("Statistik")?;
    sheet.set_column_width(0, 5)?;
    sheet.set_column_width(1, 62)?;
    sheet.set_column_width(2, 10)?;
    sheet.set_column_width(3, 10)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("Halvårsrapport {} {}", view.projects, report.head.period),
        &heading,
    )?;
    sheet.write_string(
        1,
        0,
        format!("Period {} – {}", report.head.start, report.head.slut),
    )?;
    let mut line = 3;
    if report.head.inlamningar.is_empty() {
        sheet.write_string(line, 0, "Det finns ingen inlämning för perioden.")?;
    } else {
        for (col, text) in ["nr", "uppgift", "antal", "andel"].iter().enumerate() {
            sheet.write_string_with_format(line, col as u16, *text, &bold)?;
        }
        line += 1;
        let values = report
            .figurer
            .iter()
            .filter(|f| !f.fordelning)
            .flat_map(|f| &f.rader);
        for (row, line_value) in view.rows.iter().zip(values) {
            write_row(sheet, line, row, &line_value.value, true, &right)?;
            line += 1;
        }
        let tables = report.figurer.iter().filter(|f| f.fordelning);
        for (table, figure) in view.breakdowns.iter().zip(tables) {
            line += 1;
            sheet.write_string_with_format(
                line,
                1,
                format!("{}. {}", table.nr, table.heading),
                &bold,
            )?;
            line += 1;
            for (row, value) in table.rows.iter().zip(&figure.rader) {
                write_row(sheet, line, row, &value.value, false, &right)?;
                line += 1;
            }
            if let Some(note) = &table.note {
                sheet.write_string(line, 1, note)?;
                line += 1;
            }
        }
        line += 1;
        sheet.write_string(
            line,
            1,
            format!("Underlag: {}.", report.head.inlamningar.join(", ")),
        )?;
        if let Some(note) = report
            .head
            .public_note(super::disclosure::HALF_YEAR_LEFT_OUT)
        {
            sheet.write_string(line + 1, 1, note)?;
        }
    }
    workbook.save_to_buffer()
}

/// A row with the count as a number and the share as a percent cell, or `..` text.
fn write_row(
    sheet: &mut Worksheet,
    line: u32,
    row: &Row,
    value: &Value,
    numbered: bool,
    right: &Format,
) -> Result<(), XlsxError> {
    if numbered {
        sheet.write_number(line, 0, row.nr)?;
    }
    sheet.write_string(line, 1, &row.text)?;
    let count = match value {
        Value::Count { antal, andel, .. } => antal.shown().map(|n| (n, *andel)),
        Value::Span { .. } => None,
    };
    match count {
        Some((n, andel)) => {
            sheet.write_number(line, 2, n as f64)?;
            match andel {
                Some(a) => sheet.write_number_with_format(
                    line,
                    3,
                    a as f64 / 100.0,
                    &Format::new().set_num_format("0 %"),
                )?,
                None => sheet.write_string_with_format(line, 3, &row.share, right)?,
            };
        }
        None => {
            sheet.write_string_with_format(line, 2, &row.count, right)?;
            sheet.write_string_with_format(line, 3, &row.share, right)?;
        }
    }
    Ok(())
}
