//! Tests of the templates: each reads back through `ingest` as written, and every
//! validation of the bundled schema fits Excel's limits.

use std::fs;

use calamine::{Data, Reader};
use chrono::NaiveDate;

use super::blank::code_ranges;
use super::csv::UTF8_BOM;
use super::validation::{MESSAGE_MAX, TITLE_MAX, truncate, validation};
use super::*;
use crate::read::{self, Cell, INFO_SHEETS, RowSource};
use crate::schema::normalise_heading;

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
            1 + table.default_rows.len(),
            "{}: nothing below the header but the default rows",
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
    assert_eq!(
        submission.meta.schema_version,
        Some(schema.version.to_string())
    );
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
        format!(
            "\u{feff}Uppgift;Värde\r\nProjekt;\r\nHalvår;\r\nSchemaversion;{}\r\n",
            schema.version
        )
        .as_bytes()
    );
    for table in &schema.tables {
        let path = folder.join(format!("{}.csv", table.name));
        assert!(files.contains(&path), "{}", path.display());
        let bytes = fs::read(&path).unwrap();
        assert!(bytes.starts_with(UTF8_BOM), "{}", path.display());
        let text = String::from_utf8(bytes[UTF8_BOM.len()..].to_vec()).unwrap();
        let labels: Vec<&str> = table.columns.iter().map(|c| c.label.as_str()).collect();
        let mut expected = vec![labels.join(";")];
        expected.extend(table.default_rows.iter().map(|row| row.join(";")));
        assert_eq!(text.trim_end(), expected.join("\r\n"));
    }

    let (submissions, findings) = read::discover(std::slice::from_ref(&folder), &schema);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(submissions.len(), 1);
    assert_eq!(submissions[0].tables.len(), schema.tables.len());
    assert_eq!(
        submissions[0].meta.schema_version,
        Some(schema.version.to_string())
    );
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
            schema_version: Some(schema.version.to_string()),
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
