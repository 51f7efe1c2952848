//! The manifest: an append-only log of every submission taken into the dataset.
//!
//! One JSON object per line in `manifest.jsonl`. The current submission for a
//! project and half-year is the last one recorded for it; earlier ones were moved to
//! the history area, under their id. A line cut short by a crash is ignored by readers
//! and dropped when the dataset is next opened for writing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{StoreError, jsonl};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// First 16 hex digits of the content hash: names the submission everywhere.
    pub id: String,
    #[serde(rename = "innehall", alias = "content_hash")]
    pub content_hash: String,
    pub projekt: String,
    pub halvar: String,
    #[serde(rename = "schemaversion", alias = "schema_version")]
    pub schema_version: u32,
    /// When it was taken in, RFC 3339 UTC.
    #[serde(rename = "inlast", alias = "ingested_at")]
    pub ingested_at: String,
    /// The workbook or folder it came from (file name only).
    #[serde(rename = "kalla", alias = "source")]
    pub source: String,
    /// Rows per table.
    #[serde(rename = "rader", alias = "rows")]
    pub rows: BTreeMap<String, u64>,
    /// The submission this one replaced, now in the history area.
    #[serde(rename = "ersatter", alias = "replaces")]
    pub replaces: Option<String>,
    /// The commit this entry belongs to, so recovery never records it twice.
    #[serde(rename = "omgang", alias = "batch")]
    pub batch: String,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    path: PathBuf,
    pub entries: Vec<ManifestEntry>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest, StoreError> {
        Ok(Manifest {
            path: path.to_path_buf(),
            entries: jsonl::read(path)?,
        })
    }

    /// The manifest at `path`, from its contents as read.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Manifest, StoreError> {
        Ok(Manifest {
            path: path.to_path_buf(),
            entries: jsonl::parse(path, bytes)?,
        })
    }
    /// The current submission of each (projekt, halvår).
    pub fn current(&self) -> BTreeMap<(String, String), &ManifestEntry> {
        let mut current = BTreeMap::new();
        for entry in &self.entries {
            current.insert((entry.projekt.clone(), entry.halvar.clone()), entry);
        }
        current
    }

    pub fn current_for(&self, projekt: &str, halvar: &str) -> Option<&ManifestEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.projekt == projekt && e.halvar == halvar)
    }

    pub fn has_batch(&self, batch: &str) -> bool {
        self.entries.iter().any(|e| e.batch == batch)
    }

    /// Writes every entry again, in the keys of today (the format step from format 1).
    pub fn rewrite(&self) -> Result<(), StoreError> {
        let mut bytes = Vec::new();
        for entry in &self.entries {
            serde_json::to_writer(&mut bytes, entry).expect("serialises");
            bytes.push(b'\n');
        }
        super::write_atomic(&self.path, &bytes)
    }

    /// Appends entries with one write and fsyncs.
    pub fn append(&mut self, entries: &[ManifestEntry]) -> Result<(), StoreError> {
        jsonl::append(&self.path, entries)?;
        self.entries.extend_from_slice(entries);
        Ok(())
    }
}
