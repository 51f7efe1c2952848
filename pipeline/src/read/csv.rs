//! CSV files as Swedish Excel writes them.
//!
//! `;` or `,` as delimiter (sniffed from the header line), UTF-8 with or without BOM
//! or Windows-1252, quoted fields. The file is streamed record by record; only the
//! first 64 KiB are read ahead to decide the encoding and delimiter.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{Cell, Finding, Location, META_NAME, RawRow, RowSource, Submission, TableInput};
use crate::schema::{Schema, normalise_heading};

const SNIFF_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    Utf8,
    Windows1252,
}

pub struct CsvSource {
    reader: csv::Reader<BufReader<File>>,
    record: csv::ByteRecord,
    headers: Vec<String>,
    encoding: Encoding,
    location: Location,
    size: u64,
}

impl CsvSource {
    pub fn open(path: &Path) -> Result<CsvSource, Finding> {
        let location = Location::file(path);
        let fail = |message: String| Finding::at(location.clone(), message);
        let mut file = File::open(path).map_err(|e| fail(format!("kan inte öppna filen: {e}")))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut file)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| fail(format!("kan inte läsa filen: {e}")))?;
        if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Err(fail(
                "filen är sparad som UTF-16 (Unicode-text): spara den som CSV UTF-8 eller CSV (semikolonavgränsad)".into(),
            ));
        }
        let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            3
        } else {
            0
        };
        let head = &head[bom..];
        if head.iter().all(u8::is_ascii_whitespace) {
            return Err(fail("filen är tom: den ska börja med en rubrikrad".into()));
        }
        let encoding = match std::str::from_utf8(head) {
            Ok(_) => Encoding::Utf8,
            // A multi-byte character cut at the end of the sniffed block is still UTF-8.
            Err(e) if e.error_len().is_none() => Encoding::Utf8,
            Err(_) => Encoding::Windows1252,
        };
        let delimiter = sniff_delimiter(head);
        file.seek(SeekFrom::Start(bom as u64))
            .map_err(|e| fail(format!("kan inte läsa filen: {e}")))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(BufReader::with_capacity(256 * 1024, file));
        let mut record = csv::ByteRecord::new();
        let read = reader
            .read_byte_record(&mut record)
            .map_err(|e| fail(csv_message(&e)))?;
        if !read {
            return Err(fail("filen är tom: den ska börja med en rubrikrad".into()));
        }
        let headers = record.iter().map(|field| decode(field, encoding)).collect();
        Ok(CsvSource {
            reader,
            record,
            headers,
            encoding,
            location,
            size,
        })
    }
}

impl RowSource for CsvSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_row(&mut self) -> Result<Option<RawRow>, Finding> {
        loop {
            let read = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| Finding::at(self.location.clone(), csv_message(&e)))?;
            if !read {
                return Ok(None);
            }
            if self
                .record
                .iter()
                .all(|field| field.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            let number = self.record.position().map_or(0, |p| p.line());
            let cells = self
                .record
                .iter()
                .map(|field| {
                    if field.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(decode(field, self.encoding))
                    }
                })
                .collect();
            return Ok(Some(RawRow { number, cells }));
        }
    }

    fn progress(&self) -> (u64, u64) {
        (self.reader.position().byte(), self.size)
    }
}

/// Picks the delimiter that splits the header line into the most fields.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = &head[..line_end];
    let count = |wanted: u8| {
        let mut quoted = false;
        line.iter()
            .filter(|&&b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                !quoted && b == wanted
            })
            .count()
    };
    let (semicolons, commas, tabs) = (count(b';'), count(b','), count(b'\t'));
    if tabs > semicolons && tabs > commas {
        b'\t'
    } else if commas > semicolons {
        b','
    } else {
        b';'
    }
}

fn decode(field: &[u8], encoding: Encoding) -> String {
    match (encoding, std::str::from_utf8(field)) {
        (Encoding::Utf8, Ok(text)) => text.to_string(),
        // A file that began as UTF-8 may still hold a Windows-1252 field further down.
        _ => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(field)
            .0
            .into_owned(),
    }
}

fn csv_message(error: &csv::Error) -> String {
    let what = match error.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => "felaktig citering eller radbrytning".into(),
    };
    match error.position() {
        Some(position) => format!(
            "filen kan inte läsas som CSV från rad {}: {what}",
            position.line()
        ),
        None => format!("filen kan inte läsas som CSV: {what}"),
    }
}

/// One folder of CSV files is one submission: each file is named after its table
/// (`deltagare.csv`, or with a prefix such as `sigma_2008H1_deltagare.csv`), and
/// `inlamning.csv` holds the submission's details.
pub fn discover(
    folder: &Path,
    files: &[PathBuf],
    schema: &Schema,
) -> Result<Submission, Vec<Finding>> {
    let mut tables = BTreeMap::new();
    let mut meta = Default::default();
    let mut meta_file: Option<PathBuf> = None;
    let mut findings = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match table_for_stem(&stem, schema) {
            Some(name) if name == META_NAME => {
                if let Some(first) = meta_file.replace(path.clone()) {
                    findings.push(Finding::at(
                        Location::file(path),
                        format!(
                            "uppgifterna om inlämningen finns redan i {}: ta bort den ena filen",
                            Location::file(&first).file
                        ),
                    ));
                }
                match CsvSource::open(path) {
                    Ok(mut source) => match super::read_meta(&mut source, Location::file(path)) {
                        Ok(found) => meta = found,
                        Err(mut found) => findings.append(&mut found),
                    },
                    Err(finding) => findings.push(finding),
                }
            }
            Some(name) => {
                if let Some(TableInput::Csv(other)) = tables.insert(name.clone(), TableInput::Csv(path.clone())) {
                    findings.push(Finding::at(
                        Location::file(path),
                        format!("tabellen {name} finns redan i {}", Location::file(&other).file),
                    ));
                }
            }
            None => findings.push(Finding::at(
                Location::file(path),
                format!(
                    "filnamnet säger inte vilken tabell filen hör till: döp den till en av {}.csv eller {META_NAME}.csv",
                    schema.tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(".csv, ")
                ),
            )),
        }
    }
    if findings.is_empty() {
        Ok(Submission {
            origin: folder.to_path_buf(),
            meta,
            tables,
        })
    } else {
        Err(findings)
    }
}

/// The table a file stem names: the whole stem or its last `_`/`-`-separated part.
fn table_for_stem(stem: &str, schema: &Schema) -> Option<String> {
    let stem = normalise_heading(stem);
    let candidates = std::iter::once(stem.as_str()).chain(stem.rsplit(['_', '-', ' ']).next());
    for candidate in candidates {
        if candidate == META_NAME || candidate == "inlämning" {
            return Some(META_NAME.to_string());
        }
        if let Some(table) = schema.table_by_heading(candidate) {
            return Some(table.name.clone());
        }
    }
    // Multi-word table names (anonyma_arenden) contain the separator themselves.
    schema
        .tables
        .iter()
        .find(|t| stem.ends_with(&t.name))
        .map(|t| t.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        File::create(&path).unwrap().write_all(bytes).unwrap();
        path
    }

    fn all_rows(source: &mut CsvSource) -> Vec<RawRow> {
        std::iter::from_fn(|| source.next_row().unwrap()).collect()
    }

    #[test]
    fn reads_semicolons_with_bom_and_decimal_comma() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "f.csv",
            "\u{feff}Person;Omfattning\nA1;\"12,5\"\n;\nB2;50\n".as_bytes(),
        );
        let mut source = CsvSource::open(&path).unwrap();
        assert_eq!(source.headers(), ["Person", "Omfattning"]);
        let rows = all_rows(&mut source);
        assert_eq!(rows.len(), 2, "the empty row is skipped");
        assert_eq!(rows[0].number, 2);
        assert_eq!(rows[0].cells[1], Cell::Text("12,5".into()));
        assert_eq!(rows[1].number, 4);
    }

    #[test]
    fn reads_commas_and_windows_1252() {
        let dir = tempfile::tempdir().unwrap();
        // "Kön,Ort\nK,Örebro" in Windows-1252.
        let path = write(dir.path(), "f.csv", b"K\xf6n,Ort\nK,\xd6rebro\n");
        let mut source = CsvSource::open(&path).unwrap();
        assert_eq!(source.headers(), ["Kön", "Ort"]);
        assert_eq!(
            all_rows(&mut source)[0].cells[1],
            Cell::Text("Örebro".into())
        );
    }

    #[test]
    fn an_empty_file_is_a_finding() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "deltagare.csv", b"");
        let finding = CsvSource::open(&path).err().unwrap();
        assert!(finding.message.contains("tom"), "{finding}");
    }

    #[test]
    fn file_stems_name_tables() {
        let schema = Schema::bundled().unwrap();
        for (stem, table) in [
            ("deltagare", "deltagare"),
            ("SIGMA_2008H1_insatser", "insatser"),
            ("sigma-anonyma_arenden", "anonyma_arenden"),
            ("Inlämning", META_NAME),
        ] {
            assert_eq!(
                table_for_stem(stem, &schema).as_deref(),
                Some(table),
                "{stem}"
            );
        }
        assert_eq!(table_for_stem("anteckningar", &schema), None);
    }
}
