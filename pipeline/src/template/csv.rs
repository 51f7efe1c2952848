//! The CSV templates: one `<table>.csv` per table and `inlamning.csv`, each with the
//! header row alone, `;`-separated with CRLF line ends after a UTF-8 BOM, as Swedish
//! Excel writes them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{TemplateError, write_atomic};
use crate::read::META_NAME;
use crate::schema::Schema;

/// Lets Swedish Excel open the CSV files as UTF-8, so åäö survive.
pub(super) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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
        let defaults: Vec<Vec<&str>> = table
            .default_rows
            .iter()
            .map(|row| row.iter().map(String::as_str).collect())
            .collect();
        let records: Vec<&[&str]> = std::iter::once(header.as_slice())
            .chain(defaults.iter().map(Vec::as_slice))
            .collect();
        let bytes = csv_bytes(&records).map_err(|source| TemplateError::Io {
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
