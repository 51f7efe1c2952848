//! Excel workbooks: one sheet per table, plus the Inlämning sheet.
//!
//! Cells keep their Excel type: a date cell arrives as a date, a number as a number,
//! so validation can accept real date cells and date serials alike.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate};

use super::{
    Cell, Finding, INFO_SHEETS, Location, META_NAME, RawRow, RowSource, Submission, TableInput,
};
use crate::schema::{Schema, normalise_heading};

/// The most columns a sheet may use. A table has a few dozen at most; a stray value far
/// out (column XFD) would otherwise make every row of the sheet that wide.
const MAX_COLUMNS: u32 = 512;
/// The most a workbook may unpack to, in all.
const MAX_UNPACKED: u64 = 2 << 30;
/// The most one part of a workbook may unpack to per byte it takes in the file, once it
/// is larger than [`RATIO_FROM`]: a real sheet packs some tenfold, a gigabyte of blanks
/// a thousandfold.
const MAX_RATIO: u64 = 200;
const RATIO_FROM: u64 = 1 << 20;

/// One sheet's cells, read whole and kept sparse: only cells with a value, so a sheet's
/// size is what it holds, not the rectangle from A1 to its farthest cell.
pub struct SheetSource {
    /// (row, column) 0-based, and the value, in row order.
    cells: Vec<(u32, u32, Cell)>,
    headers: Vec<String>,
    /// Cells per row: one more than the farthest column with a value.
    width: usize,
    /// Index into `cells` of the next row's first cell.
    next: usize,
}

impl SheetSource {
    pub fn open(path: &Path, sheet: &str) -> Result<SheetSource, Finding> {
        let location = Location::file(path).sheet(sheet);
        let cells = guarded(
            path,
            |finding| finding,
            || read_cells(path, sheet, &location),
        )?;
        let width = cells
            .iter()
            .map(|(_, col, _)| *col as usize + 1)
            .max()
            .unwrap_or(0);
        let mut source = SheetSource {
            cells,
            headers: Vec::new(),
            width,
            next: 0,
        };
        // The first row with a value is the header row.
        let headers = source
            .next_cells()
            .map(|(_, cells)| cells)
            .unwrap_or_default();
        source.headers = headers
            .iter()
            .map(|cell| text_of_cell(cell).unwrap_or_default())
            .collect();
        if source.headers.iter().all(|h| h.trim().is_empty()) {
            return Err(Finding::at(
                location,
                "bladet är tomt: det ska börja med en rubrikrad",
            ));
        }
        Ok(source)
    }

    /// The next row with a value: its sheet row number (1-based) and its cells.
    fn next_cells(&mut self) -> Option<(u64, Vec<Cell>)> {
        let (row, _, _) = self.cells.get(self.next)?;
        let row = *row;
        let mut cells = vec![Cell::Empty; self.width];
        while let Some((r, col, cell)) = self.cells.get_mut(self.next) {
            if *r != row {
                break;
            }
            cells[*col as usize] = std::mem::replace(cell, Cell::Empty);
            self.next += 1;
        }
        Some((u64::from(row) + 1, cells))
    }
}

impl RowSource for SheetSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_row(&mut self) -> Result<Option<RawRow>, Finding> {
        Ok(self
            .next_cells()
            .map(|(number, cells)| RawRow { number, cells }))
    }

    fn progress(&self) -> (u64, u64) {
        (self.next as u64, self.cells.len() as u64)
    }
}

/// The cells of `sheet` that hold a value, in row order. An xlsx sheet is read cell by
/// cell, never as the rectangle its farthest cell spans; other formats (xls, ods) as
/// calamine reads them. The workbook's unpacked size was checked once, when its sheets
/// were found ([`discover`]).
fn read_cells(
    path: &Path,
    sheet: &str,
    location: &Location,
) -> Result<Vec<(u32, u32, Cell)>, Finding> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Finding::at(location.clone(), format!("bladet kan inte läsas: {e}"))
    };
    let mut cells = Vec::new();
    let mut keep = |row: u32, col: u32, cell: Cell| {
        if cell.is_empty() {
            return Ok(());
        }
        if col >= MAX_COLUMNS {
            return Err(Finding::at(
                location.clone().row(u64::from(row) + 1),
                format!(
                    "bladet har ett värde i kolumn {}, långt utanför tabellens kolumner (finsam läser högst {MAX_COLUMNS}): ta bort det",
                    column_name(col)
                ),
            ));
        }
        cells.push((row, col, cell));
        Ok(())
    };
    if is_xlsx(path) {
        let mut workbook: Xlsx<_> =
            calamine::open_workbook(path).map_err(|_| not_a_workbook(path))?;
        let mut reader = workbook
            .worksheet_cells_reader(sheet)
            .map_err(|e| unreadable(&e))?;
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let (row, col) = cell.get_position();
            keep(row, col, cell_of(&Data::from(cell.get_value().clone())))?;
        }
    } else {
        let mut workbook = calamine::open_workbook_auto(path).map_err(|_| not_a_workbook(path))?;
        let range = workbook
            .worksheet_range(sheet)
            .map_err(|e| unreadable(&e))?;
        let (top, left) = range.start().unwrap_or((0, 0));
        for (row, col, data) in range.used_cells() {
            keep(top + row as u32, left + col as u32, cell_of(data))?;
        }
    }
    // In row order whatever order the file kept them in.
    cells.sort_by_key(|(row, col, _)| (*row, *col));
    Ok(cells)
}

/// Whether `path` is an Office Open XML workbook (read cell by cell).
fn is_xlsx(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xlsm"))
}

/// A column as Excel names it: 0 is A, 25 Z, 26 AA.
fn column_name(col: u32) -> String {
    let mut name = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        n -= 1;
        name.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// Refuses a zip-packed workbook (xlsx, xlsm, ods) that would unpack to more than it
/// could hold, before anything is unpacked: its parts' sizes, as the zip's directory
/// declares them, and the zip reader holds each part to its declared size.
fn check_unpacked_size(path: &Path) -> Result<(), Finding> {
    let Ok(file) = std::fs::File::open(path) else {
        return Err(not_a_workbook(path));
    };
    // Not a zip (an old .xls): nothing is unpacked.
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let too_large = |what: String| {
        Finding::at(
            Location::file(path),
            format!(
                "arbetsboken packas upp till {what}: så mycket kan den inte innehålla, spara om den från Excel"
            ),
        )
    };
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let part = zip.by_index_raw(index).map_err(|_| not_a_workbook(path))?;
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        if size > RATIO_FROM && size / packed > MAX_RATIO {
            return Err(too_large(format!(
                "{} MB ur {} kB i en och samma del",
                size >> 20,
                packed >> 10
            )));
        }
        total = total.saturating_add(size);
    }
    if total > MAX_UNPACKED {
        return Err(too_large(format!("{} MB", total >> 20)));
    }
    Ok(())
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match serial_to_date(dt.as_f64()) {
            Some(date) => Cell::Date(date),
            None => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(text) => Cell::Text(text.get(..10).unwrap_or(text).to_string()),
        Data::DurationIso(text) => Cell::Text(text.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

fn text_of_cell(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(text) => Some(text.clone()),
        Cell::Number(n) => Some(format!("{n}")),
        _ => None,
    }
}

/// An Excel date serial (1900 date system) as a date; the time of day is dropped.
pub fn serial_to_date(serial: f64) -> Option<NaiveDate> {
    // Serial 60 is Excel's phantom 1900-02-29; every date we accept is far later.
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch.checked_add_signed(Duration::days(serial.floor() as i64))
}

fn not_a_workbook(path: &Path) -> Finding {
    Finding::at(
        Location::file(path),
        "filen kan inte öppnas som Excel-arbetsbok (är den verkligen en .xlsx-fil?): spara om den från Excel som Excel-arbetsbok",
    )
}

/// A workbook is one submission; its sheets are matched to tables by name or label.
pub fn discover(path: &Path, schema: &Schema) -> Result<Submission, Vec<Finding>> {
    guarded(
        path,
        |finding| vec![finding],
        || discover_sheets(path, schema),
    )
}

/// Runs a reader of the workbook at `path`. A panic inside calamine on a malformed
/// workbook (a `<dimension>` ending before it starts underflows in a debug build; the
/// fuzz target found it) is the finding that the file cannot be read, never a crash.
fn guarded<T, E>(
    path: &Path,
    unreadable: impl FnOnce(Finding) -> E,
    read: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    crate::guard::catching(read).unwrap_or_else(|| Err(unreadable(not_a_workbook(path))))
}

fn discover_sheets(path: &Path, schema: &Schema) -> Result<Submission, Vec<Finding>> {
    check_unpacked_size(path).map_err(|finding| vec![finding])?;
    let workbook = calamine::open_workbook_auto(path).map_err(|_| vec![not_a_workbook(path)])?;
    let mut tables = BTreeMap::new();
    let mut meta = Default::default();
    let mut meta_sheet: Option<String> = None;
    let mut findings = Vec::new();
    for sheet in workbook.sheet_names() {
        let heading = normalise_heading(&sheet);
        if heading == META_NAME || heading == "inlämning" {
            let location = Location::file(path).sheet(&sheet);
            if let Some(first) = meta_sheet.replace(sheet.clone()) {
                findings.push(Finding::at(
                    location.clone(),
                    format!("uppgifterna om inlämningen finns redan på bladet {first}: ta bort det ena bladet"),
                ));
            }
            match SheetSource::open(path, &sheet) {
                Ok(mut source) => match super::read_meta(&mut source, location) {
                    Ok(found) => meta = found,
                    Err(mut found) => findings.append(&mut found),
                },
                Err(finding) => findings.push(finding),
            }
        } else if let Some(table) = schema.table_by_heading(&sheet) {
            let input = TableInput::Sheet {
                path: path.to_path_buf(),
                sheet: sheet.clone(),
            };
            // Two sheets for one table (`Försörjning` and `forsorjning`): which holds the
            // rows is not for finsam to guess, and taking one would lose the other's.
            if let Some(TableInput::Sheet { sheet: first, .. }) =
                tables.insert(table.name.clone(), input)
            {
                findings.push(Finding::at(
                    Location::file(path).sheet(&sheet),
                    format!(
                        "tabellen {} finns redan på bladet {first}: lägg raderna på ett blad och ta bort det andra",
                        table.name
                    ),
                ));
            }
        } else if !INFO_SHEETS.contains(&heading.as_str()) {
            findings.push(Finding::at(
                Location::file(path).sheet(&sheet),
                "okänt blad: bladen ska heta som tabellerna i mallen (Deltagare, Insatser, …); ta bort eller byt namn på bladet",
            ));
        }
    }
    if findings.is_empty() {
        Ok(Submission {
            origin: path.to_path_buf(),
            meta,
            tables,
        })
    } else {
        Err(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_excel_dates() {
        assert_eq!(serial_to_date(39448.0), NaiveDate::from_ymd_opt(2008, 1, 1));
        assert_eq!(
            serial_to_date(39629.75),
            NaiveDate::from_ymd_opt(2008, 6, 30)
        );
        assert_eq!(serial_to_date(12.0), None);
    }

    #[test]
    fn a_text_file_named_xlsx_is_a_finding() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mall.xlsx");
        std::fs::write(&path, "person;kön\n").unwrap();
        let findings = discover(&path, &Schema::bundled().unwrap()).unwrap_err();
        assert!(
            findings[0].message.contains("Excel-arbetsbok"),
            "{}",
            findings[0]
        );
    }
}
