//! Templates for project leaders: the Excel workbook and its CSV equivalents.
//!
//! Both are derived from the schema alone, so a template always reads back through
//! `ingest` without findings: table sheets and files are named after the tables
//! (the label when it is a valid, unambiguous sheet name, otherwise the name),
//! headers are the columns' labels, and the workbook's own sheets are the ones the
//! reader knows (Instruktioner and Koder are skipped, Inlämning holds the
//! submission's details). Files are written atomically (temp file in the same
//! folder, fsync, rename), so an interrupted run leaves the old template or none,
//! never half a file.
//!
//! [`write_filled_xlsx`] writes the same workbook with records in it and the
//! Inlämning sheet filled in: example data and fixtures that look exactly like a
//! submission a project leader makes from the template.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::utility::{cell_autofit_width, cell_range_absolute, check_sheet_name};
use rust_xlsxwriter::{
    ColNum, Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

use crate::failure::Kind;
use crate::period::HalfYear;
use crate::read::{Cell, META_NAME};
use crate::schema::{ColumnDef, ColumnKind, Schema, TableDef, normalise_heading};

/// Sheet rows (the header is row 1) that carry the validations and input messages.
pub const TEMPLATE_ROWS: u32 = 5000;
/// The most records a sheet holds: Excel's 1,048,576 rows, less the header.
pub const MAX_SHEET_ROWS: usize = 1_048_575;

const INSTRUCTIONS_SHEET: &str = "Instruktioner";
const META_SHEET: &str = "Inlämning";
const CODES_SHEET: &str = "Koder";
/// Lets Swedish Excel open the CSV files as UTF-8, so åäö survive.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Dates later than this are typos; later checks reject future dates anyway.
const LAST_DATE: (u16, u8, u8) = (2099, 12, 31);
/// Excel's limits for a validation's input and error texts (in UTF-16 units).
const TITLE_MAX: usize = 32;
const MESSAGE_MAX: usize = 255;
/// Widths (in characters) of the Instruktioner columns: Kolumn, Obligatorisk, Innehåll, Beskrivning.
const INSTRUCTION_WIDTHS: [f64; 4] = [30.0, 13.0, 44.0, 70.0];

/// A template could not be written; nothing half-written is left at `path`.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("kan inte skapa Excel-mallen {path}: {source}")]
    Workbook { path: PathBuf, source: XlsxError },
    #[error("kan inte skriva mallen {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("kan inte skapa Excel-arbetsboken {path}: {message}")]
    Rows { path: PathBuf, message: String },
    #[error(
        "kan inte skapa Excel-mallen {path}: tabellen {table} får inget bladnamn (varken \"{label}\" eller \"{table}\" duger som namn på ett Excel-blad)"
    )]
    SheetName {
        path: PathBuf,
        table: String,
        label: String,
    },
}

impl TemplateError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            TemplateError::Rows { .. } => Kind::InvalidInput,
            TemplateError::Workbook { .. }
            | TemplateError::Io { .. }
            | TemplateError::SheetName { .. } => Kind::Internal,
        }
    }
}

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
struct Filled<'a> {
    meta: &'a FilledMeta,
    rows: &'a FilledRows,
}

/// The Excel template for project leaders.
pub fn write_xlsx(schema: &Schema, path: &Path) -> Result<(), TemplateError> {
    write_workbook(schema, None, path)
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

fn write_workbook(
    schema: &Schema,
    filled: Option<&Filled>,
    path: &Path,
) -> Result<(), TemplateError> {
    let sheets = sheet_names(schema).map_err(|table| TemplateError::SheetName {
        path: path.to_path_buf(),
        table: table.name.clone(),
        label: table.label.clone(),
    })?;
    let bytes = build_workbook(schema, &sheets, filled)
        .and_then(|mut workbook| workbook.save_to_buffer())
        .map_err(|source| TemplateError::Workbook {
            path: path.to_path_buf(),
            source,
        })?;
    write_atomic(path, &bytes)
}

/// The CSV equivalents: one `<table>.csv` per table plus `inlamning.csv`, in `dir`
/// (created if missing). Returns the files written.
pub fn write_csv(schema: &Schema, dir: &Path) -> Result<Vec<PathBuf>, TemplateError> {
    fs::create_dir_all(dir).map_err(|source| TemplateError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let version = schema.version.to_string();
    let meta: [&[&str]; 4] = [
        &["Uppgift", "Värde"],
        &["Projekt", ""],
        &["Halvår", ""],
        &["Schemaversion", version.as_str()],
    ];
    let mut files = Vec::with_capacity(schema.tables.len() + 1);
    let path = dir.join(format!("{META_NAME}.csv"));
    write_atomic(
        &path,
        &csv_bytes(&meta).map_err(|source| TemplateError::Io {
            path: path.clone(),
            source,
        })?,
    )?;
    files.push(path);
    for table in &schema.tables {
        let path = dir.join(format!("{}.csv", table.name));
        let header: Vec<&str> = table.columns.iter().map(|c| c.label.as_str()).collect();
        let bytes = csv_bytes(&[&header]).map_err(|source| TemplateError::Io {
            path: path.clone(),
            source,
        })?;
        write_atomic(&path, &bytes)?;
        files.push(path);
    }
    Ok(files)
}

/// `;`-separated records with CRLF line ends after a UTF-8 BOM: what Swedish Excel writes.
fn csv_bytes(records: &[&[&str]]) -> io::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(UTF8_BOM.to_vec());
    for record in records {
        writer.write_record(*record)?;
    }
    writer.into_inner().map_err(|e| e.into_error())
}

/// Writes `bytes` to a temp file beside `path`, fsyncs it and renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TemplateError> {
    crate::store::write_atomic(path, bytes).map_err(|e| TemplateError::Io {
        path: path.to_path_buf(),
        source: match e {
            crate::store::StoreError::Io { source, .. } => source,
            other => io::Error::other(other.to_string()),
        },
    })
}

/// Each table's sheet name: its label if Excel accepts it and it reads back as this
/// table, else its name. `Err` carries a table for which neither works.
fn sheet_names(schema: &Schema) -> Result<Vec<(&TableDef, String)>, &TableDef> {
    let mut taken: Vec<String> = [
        INSTRUCTIONS_SHEET,
        META_SHEET,
        META_NAME,
        CODES_SHEET,
        "History",
    ]
    .map(normalise_heading)
    .to_vec();
    let mut sheets = Vec::with_capacity(schema.tables.len());
    for table in &schema.tables {
        let usable = |name: &&String| {
            check_sheet_name(name).is_ok()
                && !taken.contains(&normalise_heading(name))
                && schema
                    .table_by_heading(name)
                    .is_some_and(|found| found.name == table.name)
        };
        let name = [&table.label, &table.name]
            .into_iter()
            .find(usable)
            .ok_or(table)?
            .clone();
        taken.push(normalise_heading(&name));
        sheets.push((table, name));
    }
    Ok(sheets)
}

struct Styles {
    title: Format,
    heading: Format,
    bold: Format,
    header: Format,
    wrap: Format,
    text: Format,
    date: Format,
}

impl Styles {
    fn new() -> Styles {
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

fn build_workbook(
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
        let rows = filled
            .and_then(|f| f.rows.get(&table.name))
            .map_or(&[][..], Vec::as_slice);
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
fn code_ranges(schema: &Schema) -> Vec<(String, Option<String>)> {
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
fn labels<'a>(schema: &'a Schema, list: &str) -> Vec<&'a str> {
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

/// A table's sheet: the header, the validations, and `rows` (checked by
/// [`check_rows`]: one cell per column) below the header.
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

/// One record cell, typed as the reader will see it: text (text-formatted, so a
/// number-like code stays text), number, boolean, or a date cell shown `yyyy-mm-dd`.
fn write_cell(
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

/// The drop-down or range check of a column, with its description as input message.
fn validation(
    schema: &Schema,
    column: &ColumnDef,
    code_ranges: &[(String, Option<String>)],
) -> Result<DataValidation, XlsxError> {
    let mut message = one_line(&column.description);
    if column.required {
        message = format!("{message} Obligatorisk.").trim_start().to_string();
    }
    let stop = |validation: DataValidation, error: &str| -> Result<DataValidation, XlsxError> {
        validation
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_error_title(truncate("Ogiltigt värde", TITLE_MAX))?
            .set_error_message(truncate(error, MESSAGE_MAX))
    };
    let validation = match &column.kind {
        ColumnKind::Code { list } => {
            let range = code_ranges
                .iter()
                .find(|(name, _)| name == list)
                .and_then(|(_, range)| range.as_deref());
            match range {
                Some(range) => stop(
                    DataValidation::new().allow_list_formula(Formula::new(range)),
                    "Välj ett värde ur listan. Alla värden finns i bladet Koder.",
                )?,
                None => DataValidation::new(),
            }
        }
        ColumnKind::Codes { list } => {
            // Several values per cell: a list validation would reject them.
            message = format!(
                "En eller flera, åtskilda med komma: {}. {message}",
                labels(schema, list).join(", ")
            );
            DataValidation::new().allow_any_value()
        }
        ColumnKind::Boolean => stop(
            DataValidation::new().allow_list_strings(&["ja", "nej"])?,
            "Välj ja eller nej.",
        )?,
        ColumnKind::Integer { allowed, .. } if !allowed.is_empty() => {
            let values: Vec<String> = allowed.iter().map(i64::to_string).collect();
            let error = format!("Tillåtna värden: {}.", values.join(", "));
            stop(DataValidation::new().allow_list_strings(&values)?, &error)?
        }
        ColumnKind::Integer { min, max, .. } => {
            let (rule, error) = range_rule(min.map(to_i32), max.map(to_i32), "ett heltal", |n| {
                n.to_string()
            });
            stop(DataValidation::new().allow_whole_number(rule), &error)?
        }
        ColumnKind::Decimal { min, max } => {
            let (rule, error) =
                range_rule(*min, *max, "ett tal", |n| n.to_string().replace('.', ","));
            stop(DataValidation::new().allow_decimal_number(rule), &error)?
        }
        ColumnKind::Date { allow_month } => {
            let (year, month, day) = LAST_DATE;
            let rule = DataValidationRule::Between(
                excel_date(schema.earliest_date)?,
                ExcelDateTime::from_ymd(year, month, day)?,
            );
            let between = format!(
                "mellan {} och {year}-{month:02}-{day:02}",
                schema.earliest_date
            );
            let validation = DataValidation::new().allow_date(rule);
            if *allow_month {
                // Whether Excel takes a typed month as a date depends on the locale, so
                // a month must stay possible: warn instead of stopping.
                validation
                    .set_error_style(DataValidationErrorStyle::Warning)
                    .set_error_title("Kontrollera datumet")?
                    .set_error_message(format!(
                        "Skriv ett datum ÅÅÅÅ-MM-DD eller en månad ÅÅÅÅ-MM {between}. Välj Ja om du skrivit en månad."
                    ))?
            } else {
                stop(
                    validation,
                    &format!("Skriv ett datum ÅÅÅÅ-MM-DD {between}."),
                )?
            }
        }
        ColumnKind::Person | ColumnKind::Project | ColumnKind::Text => {
            DataValidation::new().allow_any_value()
        }
    };
    validation
        .set_input_title(truncate(&column.label, TITLE_MAX))?
        .set_input_message(truncate(&message, MESSAGE_MAX))
}

/// The rule for an optional lower and upper bound, and its Swedish error message.
fn range_rule<T>(
    min: Option<T>,
    max: Option<T>,
    what: &str,
    show: impl Fn(&T) -> String,
) -> (DataValidationRule<T>, String)
where
    T: rust_xlsxwriter::IntoDataValidationValue + Bounded,
{
    match (min, max) {
        (Some(min), Some(max)) => {
            let error = format!("Skriv {what} mellan {} och {}.", show(&min), show(&max));
            (DataValidationRule::Between(min, max), error)
        }
        (Some(min), None) => {
            let error = format!("Skriv {what} som är minst {}.", show(&min));
            (DataValidationRule::GreaterThanOrEqualTo(min), error)
        }
        (None, Some(max)) => {
            let error = format!("Skriv {what} som är högst {}.", show(&max));
            (DataValidationRule::LessThanOrEqualTo(max), error)
        }
        (None, None) => (
            DataValidationRule::Between(T::LOWEST, T::HIGHEST),
            format!("Skriv {what}."),
        ),
    }
}

/// The widest range a whole-number or decimal validation can state.
trait Bounded {
    const LOWEST: Self;
    const HIGHEST: Self;
}

impl Bounded for i32 {
    const LOWEST: i32 = i32::MIN;
    const HIGHEST: i32 = i32::MAX;
}

impl Bounded for f64 {
    const LOWEST: f64 = -1e300;
    const HIGHEST: f64 = 1e300;
}

/// Excel's whole-number rules are 32-bit; schema bounds beyond that mean "no bound".
fn to_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year =
        u16::try_from(date.year()).map_err(|_| XlsxError::DateTimeRangeError(date.to_string()))?;
    // Month and day always fit: 1..=12 and 1..=31.
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

/// Schema descriptions are TOML multi-line strings: one line, single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts `text` to at most `max` UTF-16 units (Excel's measure), on a character
/// boundary, ending with an ellipsis when something was cut.
fn truncate(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_string();
    }
    let mut cut = String::new();
    let mut length = 0;
    for ch in text.chars() {
        if length + ch.len_utf16() > max.saturating_sub(1) {
            break;
        }
        length += ch.len_utf16();
        cut.push(ch);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{self, INFO_SHEETS, RowSource};
    use calamine::{Data, Reader};

    fn schema() -> Schema {
        Schema::bundled().unwrap()
    }

    fn assert_every_header_maps(schema: &Schema, submission: &read::Submission) {
        for (name, input) in &submission.tables {
            let table = schema.table(name).unwrap();
            let source: Box<dyn RowSource> = input.open().unwrap();
            assert_eq!(source.headers().len(), table.columns.len(), "{name}");
            for header in source.headers() {
                assert!(
                    table.column_by_heading(header).is_some(),
                    "{name}: {header}"
                );
            }
        }
    }

    #[test]
    fn workbook_reads_back_as_an_empty_submission() {
        let schema = schema();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mall.xlsx");
        write_xlsx(&schema, &path).unwrap();
        // Overwriting an existing template is fine.
        write_xlsx(&schema, &path).unwrap();

        let mut workbook = calamine::open_workbook_auto(&path).unwrap();
        let names = workbook.sheet_names();
        assert_eq!(names.first().map(String::as_str), Some(INSTRUCTIONS_SHEET));
        assert_eq!(names.get(1).map(String::as_str), Some(META_SHEET));
        assert_eq!(names.last().map(String::as_str), Some(CODES_SHEET));
        assert_eq!(names.len(), schema.tables.len() + 3);
        for table in &schema.tables {
            assert!(names.contains(&table.label), "{}", table.label);
            let range = workbook.worksheet_range(&table.label).unwrap();
            let header: Vec<String> = range
                .rows()
                .next()
                .unwrap()
                .iter()
                .map(|c| c.to_string())
                .collect();
            let labels: Vec<&str> = table.columns.iter().map(|c| c.label.as_str()).collect();
            assert_eq!(header, labels);
            assert_eq!(
                range.height(),
                1,
                "{}: nothing below the header",
                table.label
            );
        }
        let codes = workbook.worksheet_range(CODES_SHEET).unwrap();
        let kon = schema.code_list("kon").unwrap();
        let col = schema
            .code_lists
            .iter()
            .position(|l| l.name == "kon")
            .unwrap();
        assert_eq!(codes.get((0, col)), Some(&Data::String(kon.label.clone())));
        assert_eq!(codes.get((1, col)), Some(&Data::String("Kvinna".into())));

        let (submissions, findings) = read::discover(std::slice::from_ref(&path), &schema);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(submissions.len(), 1);
        let submission = &submissions[0];
        let tables: Vec<&str> = submission.tables.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        expected.sort_unstable();
        assert_eq!(tables, expected);
        assert_eq!(submission.meta.schema_version.as_deref(), Some("2"));
        assert_eq!(submission.meta.projekt, None);
        assert_every_header_maps(&schema, submission);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, ["mall.xlsx"], "no temp file is left behind");
    }

    #[test]
    fn csv_files_read_back_as_an_empty_submission() {
        let schema = schema();
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("ny");
        let files = write_csv(&schema, &folder).unwrap();
        assert_eq!(files.len(), schema.tables.len() + 1);
        assert_eq!(files[0], folder.join("inlamning.csv"));
        let meta = fs::read(&files[0]).unwrap();
        assert_eq!(
            meta,
            "\u{feff}Uppgift;Värde\r\nProjekt;\r\nHalvår;\r\nSchemaversion;2\r\n".as_bytes()
        );
        for table in &schema.tables {
            let path = folder.join(format!("{}.csv", table.name));
            assert!(files.contains(&path), "{}", path.display());
            let bytes = fs::read(&path).unwrap();
            assert!(bytes.starts_with(UTF8_BOM), "{}", path.display());
            let text = String::from_utf8(bytes[UTF8_BOM.len()..].to_vec()).unwrap();
            let labels: Vec<&str> = table.columns.iter().map(|c| c.label.as_str()).collect();
            assert_eq!(text.trim_end(), labels.join(";"));
        }

        let (submissions, findings) = read::discover(std::slice::from_ref(&folder), &schema);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(submissions.len(), 1);
        assert_eq!(submissions[0].tables.len(), schema.tables.len());
        assert_eq!(submissions[0].meta.schema_version.as_deref(), Some("2"));
        assert_every_header_maps(&schema, &submissions[0]);
    }

    #[test]
    fn the_workbooks_own_sheets_are_the_ones_the_reader_skips_or_reads() {
        assert!(INFO_SHEETS.contains(&normalise_heading(INSTRUCTIONS_SHEET).as_str()));
        assert!(INFO_SHEETS.contains(&normalise_heading(CODES_SHEET).as_str()));
        assert_eq!(normalise_heading(META_SHEET), "inlämning");
    }

    #[test]
    fn a_label_that_is_no_sheet_name_falls_back_to_the_table_name() {
        let mut schema = schema();
        schema.tables[1].label = "Insatser: praktik, åtgärder och stöd".into();
        schema.tables[2].label = "Deltagare".into();
        let sheets = sheet_names(&schema).unwrap();
        assert_eq!(sheets[0].1, "Deltagare");
        assert_eq!(sheets[1].1, "insatser", "too long and holds ':'");
        assert_eq!(
            sheets[2].1, "remisser",
            "the label reads back as another table"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mall.xlsx");
        write_xlsx(&schema, &path).unwrap();
        let (submissions, findings) = read::discover(&[path], &schema);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(submissions[0].tables.len(), schema.tables.len());
    }

    /// One row of `table` with the named cells set and the others empty.
    fn record(schema: &Schema, table: &str, cells: &[(&str, Cell)]) -> Vec<Cell> {
        let table = schema.table(table).unwrap();
        let mut row = vec![Cell::Empty; table.columns.len()];
        for (name, cell) in cells {
            let index = table.columns.iter().position(|c| c.name == *name).unwrap();
            row[index] = cell.clone();
        }
        row
    }

    #[test]
    fn a_filled_workbook_reads_back_cell_for_cell() {
        let schema = schema();
        let date = |y, m, d| Cell::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let text = |t: &str| Cell::Text(t.into());
        let rows: FilledRows = [
            (
                "deltagare".to_string(),
                vec![
                    record(
                        &schema,
                        "deltagare",
                        &[
                            ("person", text("SIG-017")),
                            ("kon", text("Kvinna")),
                            ("fodelsear", Cell::Number(1985.0)),
                            ("inskriven", date(2007, 12, 3)),
                            ("avslutad", date(2008, 6, 30)),
                            ("aktualiserad_av", text("FK, VC")),
                            ("ensamstaende_med_barn", Cell::Bool(true)),
                            ("samtycke", text("ja")),
                        ],
                    ),
                    record(
                        &schema,
                        "deltagare",
                        &[
                            ("person", text("SIG-018")),
                            ("kon", text("M")),
                            ("fodelsear", Cell::Number(1979.0)),
                            ("inskriven", date(2008, 1, 14)),
                            ("samtycke", text("nej")),
                        ],
                    ),
                ],
            ),
            (
                "insatser".to_string(),
                vec![record(
                    &schema,
                    "insatser",
                    &[
                        ("person", text("SIG-017")),
                        ("typ", text("Praktik")),
                        ("start", date(2008, 2, 4)),
                    ],
                )],
            ),
        ]
        .into();
        let meta = FilledMeta {
            projekt: "SIGMA".into(),
            halvar: "2008H1".parse().unwrap(),
            created: NaiveDate::from_ymd_opt(2008, 8, 31),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("SIGMA_2008H1.xlsx");
        write_filled_xlsx(&schema, &meta, &rows, &path).unwrap();
        let first = fs::read(&path).unwrap();
        write_filled_xlsx(&schema, &meta, &rows, &path).unwrap();
        assert_eq!(
            fs::read(&path).unwrap(),
            first,
            "a fixed date: the same bytes"
        );

        let (submissions, findings) = read::discover(std::slice::from_ref(&path), &schema);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(submissions.len(), 1);
        let submission = &submissions[0];
        assert_eq!(
            submission.meta,
            read::SubmissionMeta {
                projekt: Some("SIGMA".into()),
                halvar: Some("2008H1".into()),
                schema_version: Some("2".into()),
            }
        );
        assert_eq!(submission.tables.len(), schema.tables.len());
        assert_every_header_maps(&schema, submission);
        for table in &schema.tables {
            let mut source = submission.tables[&table.name].open().unwrap();
            let mut read = Vec::new();
            while let Some(row) = source.next_row().unwrap() {
                read.push(row);
            }
            let written = rows.get(&table.name).map_or(&[][..], Vec::as_slice);
            assert_eq!(read.len(), written.len(), "{}", table.name);
            for (number, (got, want)) in (2..).zip(read.iter().zip(written)) {
                assert_eq!(got.number, number, "{}", table.name);
                assert_eq!(&got.cells, want, "{} row {number}", table.name);
            }
        }
    }

    #[test]
    fn rows_that_do_not_fit_the_schema_are_refused_and_nothing_is_written() {
        let schema = schema();
        let meta = FilledMeta {
            projekt: "SIGMA".into(),
            halvar: "2008H1".parse().unwrap(),
            created: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fel.xlsx");
        let short: FilledRows = [(
            "deltagare".to_string(),
            vec![vec![Cell::Text("SIG-017".into())]],
        )]
        .into();
        let unknown: FilledRows = [("okand".to_string(), vec![])].into();
        let empty_row = vec![Cell::Empty; schema.table("moten").unwrap().columns.len()];
        let beyond_a_sheet: FilledRows =
            [("moten".to_string(), vec![empty_row; MAX_SHEET_ROWS + 1])].into();
        for rows in [short, unknown, beyond_a_sheet] {
            let error = write_filled_xlsx(&schema, &meta, &rows, &path).unwrap_err();
            assert!(matches!(error, TemplateError::Rows { .. }), "{error}");
            assert!(!error.to_string().contains("SIG-017"), "{error}");
            assert!(!path.exists());
        }
    }

    #[test]
    fn truncation_counts_utf16_and_keeps_characters_whole() {
        assert_eq!(truncate("Kön", 32), "Kön");
        let long = "å".repeat(300);
        let cut = truncate(&long, MESSAGE_MAX);
        assert_eq!(cut.encode_utf16().count(), MESSAGE_MAX);
        assert!(cut.ends_with('…'));
        // A character outside the BMP takes two UTF-16 units and is never split.
        let emoji = "😀".repeat(20);
        let cut = truncate(&emoji, TITLE_MAX);
        assert!(cut.encode_utf16().count() <= TITLE_MAX);
        assert_eq!(cut.chars().filter(|&c| c == '😀').count(), 15);
    }

    #[test]
    fn every_validation_of_the_bundled_schema_fits_excels_limits() {
        let schema = schema();
        let ranges = code_ranges(&schema);
        for table in &schema.tables {
            for column in &table.columns {
                validation(&schema, column, &ranges)
                    .unwrap_or_else(|e| panic!("{}.{}: {e}", table.name, column.name));
            }
        }
    }
}
