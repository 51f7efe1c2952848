//! What has been published from a dataset, so that nothing published later reveals what
//! was hidden before.
//!
//! A reader keeps what they once saw: last autumn's dashboards, the spring's public
//! reports, a year's tables printed before a late submission came in. So every
//! publication of a dataset (a `--publik` report, `report publik`, `dashboard build`, the
//! server's site) is protected together with everything published before it, and then
//! added to the record, `_publicerat/liggare.json` in the dataset: every cell with its
//! value and fate, and every relation a reader knows between them.
//!
//! Merging a new publication with the record ([`Publication::after`]):
//! - a cell published before with the same value keeps its fate: shown stays shown (the
//!   reader has it), hidden stays hidden;
//! - a cell published before with another value (a late submission, a correction) is a
//!   revision: the earlier value stays in the publication under the key `<nyckel>@<n>`
//!   with its fate and its relations, and the difference between the two is a count of
//!   people like any other (the smaller is a part of the larger), protected as such;
//! - a cell only published before stays, with its fate, so that its relations still
//!   count.
//!
//! The record is written under a lock of its own (`_publicerat/.lock`, waited for), so
//! two publications at once are decided one after the other. It holds exact counts,
//! small ones too, like the rest of the dataset and never outside it.

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::linear::{Coef, SparseVec};
use super::{CellId, Protected, Publication, Reason};
use crate::store::{self, StoreError};

/// The folder of the record in a dataset.
pub const DIR: &str = "_publicerat";
const FILE: &str = "liggare.json";
const LOCK: &str = ".lock";

/// Everything published so far: cells, their fates, and the relations between them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(rename = "troskel")]
    threshold: i64,
    #[serde(rename = "celler")]
    cells: Vec<RecordedCell>,
    /// `Σ koefficient · cell = 0`, as (cell, coefficient) pairs.
    #[serde(rename = "samband")]
    relations: Vec<Vec<(u32, i64)>>,
    /// (del, helhet).
    #[serde(rename = "delar")]
    parts: Vec<(u32, u32)>,
    /// (n, the cells counted among them).
    #[serde(rename = "grupper")]
    populations: Vec<(u32, Vec<u32>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedCell {
    #[serde(rename = "nyckel")]
    key: String,
    #[serde(rename = "varde")]
    value: i64,
    #[serde(rename = "beslut")]
    reason: Reason,
}

impl Record {
    /// How many cells were published, and how many of them hidden.
    pub fn counts(&self) -> (usize, usize) {
        let hidden = self.cells.iter().filter(|c| c.reason.is_hidden()).count();
        (self.cells.len(), hidden)
    }
}

impl Protected {
    /// This publication as the record keeps it: relations, parts and populations in
    /// one order, so that the same publication is the same record.
    pub fn record(&self) -> Record {
        let cells = &self.publication.cells;
        let mut record = Record {
            threshold: self.threshold,
            cells: (0..cells.keys.len())
                .map(|i| RecordedCell {
                    key: cells.keys[i].clone(),
                    value: cells.values[i],
                    reason: self.reasons[i],
                })
                .collect(),
            relations: cells
                .relations
                .iter()
                .map(|r| {
                    let r = r.normalised();
                    r.entries().iter().map(|(c, k)| (*c, *k as i64)).collect()
                })
                .collect(),
            parts: cells.parts.clone(),
            populations: self
                .publication
                .populations
                .iter()
                .map(|(n, members)| (n.0, members.iter().map(|m| m.0).collect()))
                .collect(),
        };
        record.relations.sort_unstable();
        record.parts.sort_unstable();
        record.populations.sort_unstable();
        record.populations.dedup();
        record
    }
}

impl Publication {
    /// This publication together with everything recorded as published before it: see
    /// the module's documentation.
    pub fn after(mut self, earlier: &Record) -> Publication {
        let taken: HashSet<&str> = earlier.cells.iter().map(|c| c.key.as_str()).collect();
        let mut ids: Vec<CellId> = Vec::with_capacity(earlier.cells.len());
        for cell in &earlier.cells {
            let id = match self.get(&cell.key) {
                Some(now) if self.value(now) == cell.value => now,
                Some(now) => {
                    let key = (1..)
                        .map(|n| format!("{}@{n}", cell.key))
                        .find(|k| !taken.contains(k.as_str()) && self.get(k).is_none())
                        .expect("an unused revision key");
                    let before = self.cells.push(key, cell.value);
                    if cell.value <= self.value(now) {
                        self.part(before, now);
                    } else {
                        self.part(now, before);
                    }
                    before
                }
                None => self.cells.push(cell.key.clone(), cell.value),
            };
            self.decided.insert(id, cell.reason);
            ids.push(id);
        }
        for relation in &earlier.relations {
            self.cells.relation(SparseVec::from_pairs(
                relation
                    .iter()
                    .map(|(c, k)| (ids[*c as usize].0, Coef::from(*k))),
            ));
        }
        for (part, whole) in &earlier.parts {
            self.part(ids[*part as usize], ids[*whole as usize]);
        }
        let populations: HashSet<(CellId, Vec<CellId>)> =
            self.populations.iter().cloned().collect();
        for (n, members) in &earlier.populations {
            let mut mapped: Vec<CellId> = members.iter().map(|m| ids[*m as usize]).collect();
            mapped.sort_unstable();
            mapped.dedup();
            let population = (ids[*n as usize], mapped);
            if !populations.contains(&population) {
                self.populations.push(population);
            }
        }
        self
    }
}

/// The record of one dataset's publications.
pub struct Ledger {
    dir: PathBuf,
}

impl Ledger {
    /// The record of the dataset at `root`.
    pub fn of(root: &Path) -> Ledger {
        Ledger {
            dir: root.join(DIR),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// What has been published so far; `None` before the first publication.
    pub fn read(&self) -> Result<Option<Record>, StoreError> {
        let path = self.path();
        match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt {
                        path,
                        message: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(&path, e)),
        }
    }

    /// Protects `publication` together with everything published before, and records
    /// it: what is returned is what may be shown.
    pub fn publish(
        &self,
        publication: Publication,
        threshold: i64,
    ) -> Result<Protected, StoreError> {
        fs::create_dir_all(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?;
        let _lock = self.lock()?;
        let earlier = self.read()?;
        let publication = match &earlier {
            Some(record) => publication.after(record),
            None => publication,
        };
        let protected = publication.protect(threshold);
        let record = protected.record();
        if earlier.as_ref() != Some(&record) {
            let bytes = serde_json::to_vec(&record).map_err(|e| StoreError::Corrupt {
                path: self.path(),
                message: e.to_string(),
            })?;
            store::write_atomic(&self.path(), &bytes)?;
        }
        Ok(protected)
    }

    /// Waits for the record's lock: held until the file is dropped.
    fn lock(&self) -> Result<File, StoreError> {
        let path = self.dir.join(LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        lock.lock().map_err(|e| StoreError::io(&path, e))?;
        Ok(lock)
    }
}
