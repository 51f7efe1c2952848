//! Table reports as Excel workbooks: a sheet about the report, then one sheet per
//! table with real numbers (counts, shares and interval bounds as percent cells), so an
//! evaluator can compute on them. Hidden values are the text `..`.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::compare::{Compared, ComparisonReport};
use super::{Cell, Table, TableKind, TableReport};
use crate::display::Count;

/// A count as a number cell: what its audience sees.
fn shown(count: &Count) -> Option<f64> {
    count.shown().map(|v| v as f64)
}

struct Formats {
    bold: Format,
    heading: Format,
    percent: Format,
    decimal: Format,
    right: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            bold: Format::new().set_bold(),
            heading: Format::new().set_bold().set_font_size(14),
            percent: Format::new().set_num_format("0.0 %"),
            decimal: Format::new().set_num_format("0.0"),
            right: Format::new().set_align(FormatAlign::Right),
        }
    }
}

/// A value, a `..` for a hidden one, or nothing when there is none.
fn write_value(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<f64>,
    format: Option<&Format>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match (value, format) {
        (Some(v), Some(f)) => sheet.write_number_with_format(row, col, v, f).map(|_| ()),
        (Some(v), None) => sheet.write_number(row, col, v).map(|_| ()),
        (None, _) => sheet
            .write_string_with_format(row, col, "..", &formats.right)
            .map(|_| ()),
    }
}

fn about_sheet(
    workbook: &mut Workbook,
    title: &str,
    lines: &[String],
    formats: &Formats,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet().set_name("Om rapporten")?;
    sheet.set_column_width(0, 120)?;
    sheet.write_string_with_format(0, 0, title, &formats.heading)?;
    for (i, line) in lines.iter().enumerate() {
        sheet.write_string(i as u32 + 2, 0, line)?;
    }
    Ok(())
}

/// Sub-column titles of one column for a table's kind of cell.
fn parts(table: &Table) -> &'static [&'static str] {
    match table.rader.first().and_then(|r| r.celler.first()) {
        Some(Cell::Share(_)) | None => &["antal", "n", "andel", "KI låg", "KI hög"],
        Some(Cell::Change(_)) => &["förändring", "procentenheter"],
        Some(Cell::Number(_)) if table.typ == TableKind::Kontext => &["värde"],
        Some(Cell::Number(_)) => &["dagar"],
        Some(Cell::Survival(_)) => &["andel", "KI låg", "KI hög", "följs", "händelser"],
    }
}

fn table_sheet(workbook: &mut Workbook, table: &Table, formats: &Formats) -> Result<(), XlsxError> {
    let name: String = format!("{} {}", table.nr, table.rubrik)
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    // Matrices make one table per group under one number: keep sheet names unique.
    let name = if workbook.worksheet_from_name(&name).is_ok() {
        format!(
            "{}-{}",
            &name[..name.len().min(26)],
            workbook.worksheets().len()
        )
    } else {
        name
    };
    let sheet = workbook.add_worksheet().set_name(&name)?;
    sheet.set_column_width(0, 34)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{}. {}", table.nr, table.rubrik),
        &formats.heading,
    )?;
    sheet.write_string(
        1,
        0,
        format!("Källa: {} ({})", table.fraga, table.fraga_titel),
    )?;
    let parts = parts(table);
    let width = parts.len() as u16;
    for (i, column) in table.kolumner.iter().enumerate() {
        let first = 1 + i as u16 * width;
        let label = match column.n.as_ref().map(Count::shown) {
            Some(Some(n)) => format!("{} (n = {n})", column.text),
            Some(None) => format!("{} (n = ..)", column.text),
            None => column.text.clone(),
        };
        sheet.write_string_with_format(3, first, label, &formats.bold)?;
        for (j, part) in parts.iter().enumerate() {
            sheet.write_string_with_format(4, first + j as u16, *part, &formats.bold)?;
        }
    }
    for (r, row) in table.rader.iter().enumerate() {
        let line = 5 + r as u32;
        sheet.write_string(line, 0, &row.text)?;
        for (i, cell) in row.celler.iter().enumerate() {
            let first = 1 + i as u16 * width;
            let values: Vec<(Option<f64>, Option<&Format>)> = match cell {
                Cell::Share(c) => vec![
                    (shown(&c.antal), None),
                    (shown(&c.n), None),
                    (c.andel, Some(&formats.percent)),
                    (c.ki_lag, Some(&formats.percent)),
                    (c.ki_hog, Some(&formats.percent)),
                ],
                Cell::Change(c) => vec![
                    (c.skillnad.map(|v| v as f64), None),
                    (c.procentenheter, Some(&formats.decimal)),
                ],
                Cell::Number(c) => vec![(c.varde, Some(&formats.decimal))],
                Cell::Survival(c) => vec![
                    (c.andel, Some(&formats.percent)),
                    (c.ki_lag, Some(&formats.percent)),
                    (c.ki_hog, Some(&formats.percent)),
                    (shown(&c.i_risk), None),
                    (shown(&c.handelser), None),
                ],
            };
            for (j, (value, format)) in values.into_iter().enumerate() {
                write_value(sheet, line, first + j as u16, value, format, formats)?;
            }
        }
    }
    if let Some(note) = &table.not {
        sheet.write_string(6 + table.rader.len() as u32, 0, note)?;
    }
    Ok(())
}

fn about_lines(report: &TableReport) -> Vec<String> {
    let mut lines = vec![
        format!("Projekt: {}", report.head.projekt.join(", ")),
        format!(
            "Period: {} ({} – {})",
            report.head.period, report.head.start, report.head.slut
        ),
        format!("Underlag: {}", report.head.inlamningar.join(", ")),
    ];
    lines.extend(
        report
            .head
            .public_note(crate::report::disclosure::TABLES_LEFT_OUT),
    );
    lines.push("Andelar med 95 % konfidensintervall (Wilson).".to_string());
    lines.extend(
        report
            .anmarkningar
            .iter()
            .map(|n| format!("Anmärkning: {n}")),
    );
    lines
}

pub fn to_xlsx(report: &TableReport) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    about_sheet(
        &mut workbook,
        &report.head.title,
        &about_lines(report),
        &formats,
    )?;
    for table in &report.tabeller {
        table_sheet(&mut workbook, table, &formats)?;
    }
    workbook.save_to_buffer()
}

pub fn comparison_to_xlsx(report: &ComparisonReport) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let [a, b] = &report.jamforelse;
    let mut lines = vec![format!("Jämförelse: {a} och {b}"), report.metod.clone()];
    for (label, r) in [a, b].into_iter().zip(&report.rapporter) {
        lines.extend(about_lines(r).into_iter().map(|l| format!("{label}: {l}")));
    }
    about_sheet(&mut workbook, &report.title, &lines, &formats)?;
    let sheet = workbook.add_worksheet().set_name("Jämförelse")?;
    sheet.set_column_width(0, 40)?;
    let header = [
        "tabell",
        "rad",
        "antal A",
        "n A",
        "andel A",
        "KI låg A",
        "KI hög A",
        "antal B",
        "n B",
        "andel B",
        "KI låg B",
        "KI hög B",
        "skillnad (pe)",
        "p",
        "test",
        "större än slumpen",
    ];
    sheet.write_string(0, 0, format!("A = {a}, B = {b}"))?;
    for (i, h) in header.iter().enumerate() {
        sheet.write_string_with_format(1, i as u16, *h, &formats.bold)?;
    }
    let mut line = 2;
    for table in &report.tabeller {
        for row in &table.rader {
            sheet.write_string(line, 0, format!("{}. {}", table.nr, table.rubrik))?;
            sheet.write_string(line, 1, &row.text)?;
            let side = |c: &Compared| {
                [
                    (c.antal.map(|v| v as f64), None),
                    (c.n.map(|v| v as f64), None),
                    (c.andel, Some(&formats.percent)),
                    (c.ki_lag, Some(&formats.percent)),
                    (c.ki_hog, Some(&formats.percent)),
                ]
            };
            for (col, (value, format)) in (2..).zip(side(&row.a).into_iter().chain(side(&row.b))) {
                write_value(sheet, line, col, value, format, &formats)?;
            }
            write_value(
                sheet,
                line,
                12,
                row.skillnad_procentenheter,
                Some(&formats.decimal),
                &formats,
            )?;
            write_value(sheet, line, 13, row.p_varde, None, &formats)?;
            sheet.write_string(line, 14, row.test.as_deref().unwrap_or(""))?;
            sheet.write_string(
                line,
                15,
                match row.storre_an_slumpen {
                    Some(true) => "ja",
                    Some(false) => "nej",
                    None => "kan inte prövas",
                },
            )?;
            line += 1;
        }
    }
    workbook.save_to_buffer()
}
