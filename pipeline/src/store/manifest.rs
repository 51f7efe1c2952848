//! The manifest: an append-only log of every submission taken into the dataset.
//!
//! One JSON object per line in `manifest.jsonl`. The current submission for a
//! project and half-year is the last one recorded for it; earlier ones were moved to
//! the history area, under their id. A line cut short by a crash is dropped when the
//! dataset is next opened for writing.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{StoreError, fsync_dir};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// First 16 hex digits of the content hash: names the submission everywhere.
    pub id: String,
    pub content_hash: String,
    pub projekt: String,
    pub halvar: String,
    pub schema_version: u32,
    /// When it was taken in, RFC 3339 UTC.
    pub ingested_at: String,
    /// The workbook or folder it came from (file name only).
    pub source: String,
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
    /// The submission this one replaced, now in the history area.
    pub replaces: Option<String>,
    /// The commit this entry belongs to, so recovery never records it twice.
    pub batch: String,
}

pub struct Manifest {
    path: PathBuf,
    pub entries: Vec<ManifestEntry>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest, StoreError> {
        let mut entries = Vec::new();
        if path.exists() {
            let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
            for (number, line) in BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|e| StoreError::io(path, e))?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str(&line) {
                    Ok(entry) => entries.push(entry),
                    Err(e) => {
                        return Err(StoreError::Corrupt {
                            path: path.to_path_buf(),
                            message: format!("rad {}: {e}", number + 1),
                        });
                    }
                }
            }
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// Cuts a last line that a crash left without its newline.
    pub fn repair(path: &Path) -> Result<(), StoreError> {
        let Ok(bytes) = std::fs::read(path) else {
            return Ok(());
        };
        if bytes.is_empty() || bytes.ends_with(b"\n") {
            return Ok(());
        }
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| StoreError::io(path, e))?;
        file.set_len(keep as u64)
            .map_err(|e| StoreError::io(path, e))?;
        file.sync_all().map_err(|e| StoreError::io(path, e))
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

    /// Appends entries with one write and fsyncs.
    pub fn append(&mut self, entries: &[ManifestEntry]) -> Result<(), StoreError> {
        let mut text = String::new();
        for entry in entries {
            text.push_str(&serde_json::to_string(entry).expect("manifest entries serialise"));
            text.push('\n');
        }
        let created = !self.path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| StoreError::io(&self.path, e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| StoreError::io(&self.path, e))?;
        file.sync_all().map_err(|e| StoreError::io(&self.path, e))?;
        if created {
            fsync_dir(self.path.parent().unwrap_or(Path::new(".")))?;
        }
        self.entries.extend_from_slice(entries);
        Ok(())
    }
}
