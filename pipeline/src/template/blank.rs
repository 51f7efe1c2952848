//! The template workbook's sheets as a project leader gets them: Instruktioner (how to
//! fill it in, every sheet and column), Inlämning (the submission's details), one sheet
//! per table with its header, column formats and validations, and Koder (every code
//! list). A filled workbook is the same with records below the headers.

use rust_xlsxwriter::utility::{cell_autofit_width, cell_range_absolute};
use rust_xlsxwriter::{
    ColNum, Color, DataValidation, DocProperties, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};

use super::filled::{Filled, FilledMeta, write_cell};
use super::validation::validation;
use super::{CODES_SHEET, INSTRUCTIONS_SHEET, META_SHEET, TEMPLATE_ROWS, excel_date, one_line};
use crate::read::Cell;
use crate::schema::{ColumnDef, ColumnKind, Schema, TableDef};

/// Widths (in characters) of the Instruktioner columns: Kolumn, Obligatorisk, Innehåll, Beskrivning.
const INSTRUCTION_WIDTHS: [f64; 4] = [30.0, 13.0, 44.0, 70.0];

pub(super) struct Styles {
    pub(super) title: Format,
    pub(super) heading: Format,
    pub(super) bold: Format,
    pub(super) header: Format,
    pub(super) wrap: Format,
    pub(super) text: Format,
    pub(super) date: Format,
}

impl Styles {
    pub(super) fn new() -> Styles {
        let bold = Format::new().set_bold();
        Styles {
            title: bold.clone().set_font_size(14),
            heading: bold.clone().set_font_size(12),
            header: bold
                .clone()
                .set_background_color(Color::RGB(0xDD_EB_F7))
                .set_border_bottom(FormatBorder::Thin),
            bold,
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            text: Format::new().set_num_format("@"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

pub(super) fn build_workbook(
    schema: &Schema,
    sheets: &[(&TableDef, String)],
    filled: Option<&Filled>,
) -> Result<Workbook, XlsxError> {
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    if let Some(created) = filled.and_then(|f| f.meta.created) {
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&excel_date(created)?));
    }
    instructions_sheet(workbook.add_worksheet(), schema, sheets, &styles)?;
    meta_sheet(
        workbook.add_worksheet(),
        schema,
        filled.map(|f| f.meta),
        &styles,
    )?;
    let code_ranges = code_ranges(schema);
    for (table, name) in sheets {
        // The blank template starts with the table's default rows (Berättelse's headings).
        let defaults: Vec<Vec<Cell>>;
        let rows = match filled {
            Some(f) => f.rows.get(&table.name).map_or(&[][..], Vec::as_slice),
            None => {
                defaults = table
                    .default_rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .zip(&table.columns)
                            .map(|(text, column)| match (text.as_str(), &column.kind) {
                                ("", _) => Cell::Empty,
                                (text, ColumnKind::Integer { .. }) => text
                                    .parse()
                                    .map_or_else(|_| Cell::Text(text.into()), Cell::Number),
                                (text, _) => Cell::Text(text.to_string()),
                            })
                            .collect()
                    })
                    .collect();
                &defaults
            }
        };
        table_sheet(
            workbook.add_worksheet(),
            schema,
            (table, name),
            rows,
            &code_ranges,
            &styles,
        )?;
    }
    codes_sheet(workbook.add_worksheet(), schema, &styles)?;
    Ok(workbook)
}

fn instructions_sheet(
    sheet: &mut Worksheet,
    schema: &Schema,
    sheets: &[(&TableDef, String)],
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name(INSTRUCTIONS_SHEET)?;
    for (col, width) in (0..).zip(INSTRUCTION_WIDTHS) {
        sheet.set_column_width(col, width)?;
    }
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "finsam – mall för inlämning (schemaversion {})",
            schema.version
        ),
        &styles.title,
    )?;
    let mut row = 2;
    sheet.write_string_with_format(row, 0, "Så här fyller du i mallen", &styles.heading)?;
    row += 1;
    for text in how_to() {
        paragraph(sheet, row, &format!("• {text}"), &styles.wrap)?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "Bladen och deras kolumner", &styles.heading)?;
    row += 2;
    for (table, name) in sheets {
        let heading = if *name == table.label {
            table.label.clone()
        } else {
            format!("{} (bladet {name})", table.label)
        };
        sheet.write_string_with_format(row, 0, heading, &styles.heading)?;
        row += 1;
        if !table.description.trim().is_empty() {
            paragraph(sheet, row, &one_line(&table.description), &styles.wrap)?;
            row += 1;
        }
        for (col, heading) in (0..).zip(["Kolumn", "Obligatorisk", "Innehåll", "Beskrivning"]) {
            sheet.write_string_with_format(row, col, heading, &styles.header)?;
        }
        row += 1;
        for column in &table.columns {
            sheet.write_string_with_format(row, 0, &column.label, &styles.wrap)?;
            sheet.write_string_with_format(
                row,
                1,
                if column.required { "ja" } else { "nej" },
                &styles.wrap,
            )?;
            sheet.write_string_with_format(row, 2, content(schema, column), &styles.wrap)?;
            sheet.write_string_with_format(row, 3, one_line(&column.description), &styles.wrap)?;
            row += 1;
        }
        row += 1;
    }
    Ok(())
}

/// The how-to at the top of Instruktioner, one bullet per row.
fn how_to() -> [&'static str; 11] {
    [
        "Fyll i bladet Inlämning: projektets kortnamn (t.ex. SIGMA) och halvåret uppgifterna gäller, skrivet som 2008H1 (H1 = januari–juni, H2 = juli–december). Schemaversionen är redan ifylld: ändra den inte.",
        "Varje tabell har ett eget blad. Skriv en rad per person i bladet Deltagare och en rad per händelse i de andra bladen. Ändra inte rubrikraden; blad utan händelser lämnas tomma.",
        "Markera en cell för att se vad kolumnen ska innehålla. Obligatoriska kolumner måste fyllas i på varje rad.",
        "Datum skrivs ÅÅÅÅ-MM-DD (t.ex. 2008-03-15) eller som riktiga datumceller i Excel.",
        "Kodade kolumner har rullgardinslistor: välj värdet ur listan. Alla värden finns i bladet Koder. Där flera värden får anges skrivs de åtskilda med komma.",
        "Personnummer (ÅÅÅÅMMDD-NNNN) och samordningsnummer ersätts med pseudonymer när filen läses in och sparas aldrig. Samma person ska ha samma nummer i alla blad.",
        "Får personnumret inte lämnas kan projektet använda en egen kod (t.ex. SIG-017) i stället. Fyll då i Kön och Födelseår, som annars hämtas ur personnumret.",
        "Rutinremisser inom vården (sjukgymnastik, röntgen och liknande) förs in i bladet Remisser men räknas inte i halvårsrapporten.",
        "Har en deltagare registrerats av misstag: välj Avslutsorsak Felregistrering. Raden tas då bort ur all statistik.",
        "Hittas fel när filen läses in avvisas hela inlämningen. Du får en lista som för varje fel anger blad, rad och kolumn; rätta felen och lämna in hela filen igen.",
        "Bladen Instruktioner och Koder läses inte in och får vara kvar.",
    ]
}

/// What a column holds, for the Instruktioner table: the kind, and the code list to pick from.
fn content(schema: &Schema, column: &ColumnDef) -> String {
    let described = column.kind.describe();
    match &column.kind {
        ColumnKind::Code { list } | ColumnKind::Codes { list } => match schema.code_list(list) {
            Some(list) => format!("{described} (bladet Koder: {})", list.label),
            None => described,
        },
        _ => described,
    }
}

/// A row-wide wrapped text: columns A–D merged, the height guessed from the length
/// because Excel does not fit merged rows itself.
fn paragraph(
    sheet: &mut Worksheet,
    row: u32,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    let last = ColNum::try_from(INSTRUCTION_WIDTHS.len() - 1).unwrap_or(0);
    sheet.merge_range(row, 0, row, last, text, format)?;
    // Proportional text fits a few more characters per line than the column widths count.
    let per_line: f64 = INSTRUCTION_WIDTHS.iter().sum::<f64>() * 1.1;
    let lines = (text.chars().count() as f64 / per_line).ceil().max(1.0);
    if lines > 1.0 {
        sheet.set_row_height(row, 15.0 * lines)?;
    }
    Ok(())
}

fn meta_sheet(
    sheet: &mut Worksheet,
    schema: &Schema,
    meta: Option<&FilledMeta>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name(META_SHEET)?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 24)?;
    sheet.write_string_with_format(0, 0, "Uppgift", &styles.header)?;
    sheet.write_string_with_format(0, 1, "Värde", &styles.header)?;
    let rows = [
        ("Projekt", "Projektets kortnamn, t.ex. SIGMA."),
        (
            "Halvår",
            "t.ex. 2008H1 (H1 = januari–juni, H2 = juli–december).",
        ),
        ("Schemaversion", "Mallens schemaversion: ändra den inte."),
    ];
    for (row, (key, prompt)) in (1..).zip(rows) {
        sheet.write_string_with_format(row, 0, key, &styles.bold)?;
        let validation = DataValidation::new()
            .set_input_title(key)?
            .set_input_message(prompt)?;
        sheet.add_data_validation(row, 1, row, 1, &validation)?;
    }
    // Text format keeps a numeric project name or half-year from turning into a number.
    match meta {
        Some(meta) => {
            sheet.write_string_with_format(1, 1, &meta.projekt, &styles.text)?;
            sheet.write_string_with_format(2, 1, meta.halvar.to_string(), &styles.text)?;
        }
        None => {
            sheet.write_blank(1, 1, &styles.text)?;
            sheet.write_blank(2, 1, &styles.text)?;
        }
    }
    sheet.write_number(3, 1, schema.version)?;
    Ok(())
}

/// For each code list (in schema order) the absolute range of its labels on the
/// Koder sheet, where its column is its index; `None` for a list without codes.
pub(super) fn code_ranges(schema: &Schema) -> Vec<(String, Option<String>)> {
    (0..)
        .zip(&schema.code_lists)
        .map(|(col, list)| {
            let count = labels(schema, &list.name).len();
            let range = u32::try_from(count)
                .ok()
                .filter(|&n| n > 0)
                .map(|n| format!("={CODES_SHEET}!{}", cell_range_absolute(1, col, n, col)));
            (list.name.clone(), range)
        })
        .collect()
}

/// The labels of a code list's codes that exist at the schema's version.
pub(super) fn labels<'a>(schema: &'a Schema, list: &str) -> Vec<&'a str> {
    schema
        .code_list(list)
        .map(|list| {
            list.codes
                .iter()
                .filter(|c| c.since <= schema.version)
                .map(|c| c.label.as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn codes_sheet(sheet: &mut Worksheet, schema: &Schema, styles: &Styles) -> Result<(), XlsxError> {
    sheet.set_name(CODES_SHEET)?;
    for (col, list) in (0..).zip(&schema.code_lists) {
        sheet.write_string_with_format(0, col, &list.label, &styles.header)?;
        let labels = labels(schema, &list.name);
        for (row, label) in (1..).zip(&labels) {
            sheet.write_string(row, col, *label)?;
        }
        let widest = labels
            .iter()
            .chain([&list.label.as_str()])
            .map(|l| cell_autofit_width(l))
            .max()
            .unwrap_or(64);
        sheet.set_column_width_pixels(col, widest + 16)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A table's sheet: the header, the validations, and `rows` (checked before anything
/// is written: one cell per column) below the header.
fn table_sheet(
    sheet: &mut Worksheet,
    schema: &Schema,
    (table, name): (&TableDef, &str),
    rows: &[Vec<Cell>],
    code_ranges: &[(String, Option<String>)],
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let data_rows = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    // The validations reach at least the template's rows and always past the data.
    let last_row = TEMPLATE_ROWS.max(data_rows.saturating_add(1)) - 1;
    for (col, column) in table.columns.iter().enumerate() {
        let col = ColNum::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
        // The column format comes before the width: setting it on a configured column
        // would keep the old format object.
        match column.kind {
            ColumnKind::Person | ColumnKind::Project | ColumnKind::Text => {
                sheet.set_column_format(col, &styles.text)?;
            }
            ColumnKind::Date { .. } => {
                sheet.set_column_format(col, &styles.date)?;
            }
            _ => {}
        }
        sheet.write_string_with_format(0, col, &column.label, &styles.header)?;
        // Room for the bold label, and at least for a date.
        sheet.set_column_width_pixels(col, (cell_autofit_width(&column.label) + 16).max(90))?;
        let validation = validation(schema, column, code_ranges)?;
        sheet.add_data_validation(1, col, last_row, col, &validation)?;
    }
    for (row, cells) in (1..).zip(rows) {
        for (col, cell) in (0..).zip(cells) {
            write_cell(sheet, row, col, cell, styles)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}
