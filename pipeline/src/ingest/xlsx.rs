//! Excel workbooks: one sheet per table, plus the Inlämning sheet.
//!
//! Cells keep their Excel type: a date cell arrives as a date, a number as a number,
//! so validation can accept real date cells and date serials alike.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Range, Reader};
use chrono::{Duration, NaiveDate};

use super::{
    Cell, Finding, INFO_SHEETS, Location, META_NAME, RawRow, RowSource, Submission, TableInput,
};
use crate::schema::{Schema, normalise_heading};

pub struct SheetSource {
    range: Range<Data>,
    headers: Vec<String>,
    /// Index into the range's rows of the next row to read.
    next: usize,
    /// Sheet row number (1-based) of the range's first row.
    first_row: u64,
}

impl SheetSource {
    pub fn open(path: &Path, sheet: &str) -> Result<SheetSource, Finding> {
        let location = Location::file(path).sheet(sheet);
        let mut workbook = calamine::open_workbook_auto(path).map_err(|_| not_a_workbook(path))?;
        let range = workbook
            .worksheet_range(sheet)
            .map_err(|e| Finding::at(location.clone(), format!("bladet kan inte läsas: {e}")))?;
        let first_row = range.start().map_or(1, |(row, _)| u64::from(row) + 1);
        let headers: Vec<String> = range
            .rows()
            .next()
            .map(|row| {
                row.iter()
                    .map(|cell| text_of(cell).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(Finding::at(
                location,
                "bladet är tomt: det ska börja med en rubrikrad",
            ));
        }
        // Columns left of the range's start are empty; pad so indexes match the sheet.
        let offset = range.start().map_or(0, |(_, col)| col as usize);
        let headers = std::iter::repeat_n(String::new(), offset)
            .chain(headers)
            .collect();
        Ok(SheetSource {
            range,
            headers,
            next: 1,
            first_row,
        })
    }

    fn offset(&self) -> usize {
        self.range.start().map_or(0, |(_, col)| col as usize)
    }
}

impl RowSource for SheetSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_row(&mut self) -> Result<Option<RawRow>, Finding> {
        let offset = self.offset();
        while let Some(row) = self.range.rows().nth(self.next) {
            let number = self.first_row + self.next as u64;
            self.next += 1;
            let cells: Vec<Cell> = std::iter::repeat_n(Cell::Empty, offset)
                .chain(row.iter().map(cell_of))
                .collect();
            if cells.iter().all(Cell::is_empty) {
                continue;
            }
            return Ok(Some(RawRow { number, cells }));
        }
        Ok(None)
    }

    fn progress(&self) -> (u64, u64) {
        (self.next as u64, self.range.height() as u64)
    }
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

fn text_of(data: &Data) -> Option<String> {
    match cell_of(data) {
        Cell::Text(text) => Some(text),
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
