//! The report as an Excel workbook: tables a project leader can paste into another
//! document. Counts are numbers, shares are percent cells; hidden cells show `..`. Every
//! table has its header row; printed, the sheet is one page wide and a page break never
//! falls inside a breakdown table.

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
    sheet.set_column_width(4, 24)?;
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
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
        let header = |first: &str| {
            let mut header = vec![first.to_string(), "antal".into(), "andel".into()];
            header.extend(view.previous.clone());
            header
        };
        for (col, text) in ["nr".to_string()]
            .iter()
            .chain(&header("uppgift"))
            .enumerate()
        {
            sheet.write_string_with_format(line, col as u16, text, &bold)?;
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
        let mut page_breaks = Vec::new();
        let mut page_start = 0;
        for (table, figure) in view.breakdowns.iter().zip(tables) {
            line += 1;
            // Heading, header, rows and note on one page: break before it if needed.
            let height = table.rows.len() as u32 + 3;
            if line + height - page_start > ROWS_PER_PAGE && height < ROWS_PER_PAGE {
                page_breaks.push(line);
                page_start = line;
            }
            sheet.write_string_with_format(
                line,
                1,
                format!("{}. {}", table.nr, table.heading),
                &bold,
            )?;
            line += 1;
            for (col, text) in header("").iter().enumerate().skip(1) {
                if col == 2 && !table.with_share {
                    continue;
                }
                sheet.write_string_with_format(line, col as u16 + 1, text, &bold)?;
            }
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
        sheet.set_page_breaks(&page_breaks)?;
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
    if !view.sections.is_empty() {
        let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let sheet = workbook.add_worksheet().set_name("Berättelse")?;
        sheet.set_column_width(0, 32)?;
        sheet.set_column_width(1, 100)?;
        sheet.write_string_with_format(0, 0, "avsnitt", &bold)?;
        sheet.write_string_with_format(0, 1, "text", &bold)?;
        for (row, section) in (1..).zip(&view.sections) {
            sheet.write_string_with_format(row, 0, &section.title, &wrap)?;
            sheet.write_string_with_format(row, 1, &section.text, &wrap)?;
        }
    }
    workbook.save_to_buffer()
}

/// Rows of the default height on an A4 page in portrait, with the default margins.
const ROWS_PER_PAGE: u32 = 48;

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
    if !row.previous.is_empty() {
        sheet.write_string_with_format(line, 4, &row.previous, right)?;
    }
    Ok(())
}
