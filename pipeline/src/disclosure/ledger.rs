//! What has been published from a dataset, so that nothing published later reveals what
//! was hidden before.
//!
//! A reader keeps what they once saw: last autumn's dashboards, the spring's public
//! reports, a year's tables printed before a late submission came in. So every
//! publication of a dataset (a `--publik` report, `report publik`, `dashboard build`, the
//! server's site) is protected together with everything published before it, and then
//! added to the record, `_publicerat/liggare.json` in the dataset: every cell with its
//! value and fate, and every relation (and inequality) a reader knows between them.
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
//! The record is read and written under a lock of its own (`_publicerat/.lock`, waited
//! for), so two publications at once are decided one after the other; a command that
//! publishes many (`report publik`) reads and writes it once. It holds exact counts, small
//! ones too, like the rest of the dataset and never outside it.

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::linear::{Coef, SparseVec};
use super::{CellId, Protected, Publication, Reason, keys_in_name};
use crate::store::{self, StoreError};

/// The folder of the record in a dataset.
pub(crate) const DIR: &str = "_publicerat";
const FILE: &str = "liggare.json";

/// Everything published so far: cells, their fates, and the relations between them.
/// Cells in key order and the rest sorted, so that the same publications make the same
/// record whatever order they came in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(rename = "celler")]
    cells: Vec<RecordedCell>,
    /// `Σ koefficient · cell = 0`, as (cell, coefficient) pairs.
    #[serde(rename = "samband")]
    relations: Vec<Vec<(u32, i64)>>,
    /// (del, helhet).
    #[serde(rename = "delar")]
    parts: Vec<(u32, u32)>,
    /// `Σ koefficient · cell ≥ 0`, as (cell, coefficient) pairs.
    #[serde(rename = "olikheter", default, skip_serializing_if = "Vec::is_empty")]
    inequalities: Vec<Vec<(u32, i64)>>,
    /// (n, the cells counted among them).
    #[serde(rename = "grupper")]
    populations: Vec<(u32, Vec<u32>)>,
    /// The numbers no hiding could protect ([`Protected::unprotected`]), by name: every
    /// later publication that shows them again says so too.
    #[serde(rename = "ej_skyddade", default, skip_serializing_if = "Vec::is_empty")]
    unprotected: Vec<String>,
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
    #[cfg(test)]
    pub fn counts(&self) -> (usize, usize) {
        let hidden = self.cells.iter().filter(|c| c.reason.is_hidden()).count();
        (self.cells.len(), hidden)
    }

    /// The first cell number that names no cell, if any: a record that parses may
    /// still not hold together.
    fn dangling(&self) -> Option<u32> {
        let cells = self.cells.len();
        self.relations
            .iter()
            .chain(&self.inequalities)
            .flat_map(|r| r.iter().map(|(c, _)| *c))
            .chain(self.parts.iter().flat_map(|(p, w)| [*p, *w]))
            .chain(
                self.populations
                    .iter()
                    .flat_map(|(n, members)| std::iter::once(n).chain(members).copied()),
            )
            .find(|c| *c as usize >= cells)
    }
}

impl Protected {
    /// This publication as the record keeps it.
    pub fn record(&self) -> Record {
        let cells = &self.publication.cells;
        let mut order: Vec<usize> = (0..cells.keys.len()).collect();
        order.sort_unstable_by(|a, b| cells.keys[*a].cmp(&cells.keys[*b]));
        let mut position = vec![0u32; order.len()];
        for (at, cell) in order.iter().enumerate() {
            position[*cell] = at as u32;
        }
        let at = |cell: u32| position[cell as usize];
        let mut record = Record {
            cells: order
                .iter()
                .map(|i| RecordedCell {
                    key: cells.keys[*i].clone(),
                    value: cells.values[*i],
                    reason: self.reasons[*i],
                })
                .collect(),
            relations: cells
                .relations
                .iter()
                .map(|r| recorded(&r.remap(|c| Some(at(c))).normalised()))
                .collect(),
            inequalities: cells
                .inequalities
                .iter()
                .map(|r| recorded(&r.remap(|c| Some(at(c)))))
                .collect(),
            parts: cells.parts.iter().map(|(p, w)| (at(*p), at(*w))).collect(),
            populations: self
                .publication
                .populations
                .iter()
                .map(|(n, members)| {
                    let mut members: Vec<u32> = members.iter().map(|m| at(m.0)).collect();
                    members.sort_unstable();
                    (at(n.0), members)
                })
                .collect(),
            unprotected: self
                .unprotected
                .iter()
                .chain(
                    self.publication
                        .unprotected_before
                        .iter()
                        .map(|(name, _)| name),
                )
                .cloned()
                .collect(),
        };
        record.relations.sort_unstable();
        record.inequalities.sort_unstable();
        record.parts.sort_unstable();
        record.populations.sort_unstable();
        record.populations.dedup();
        record.unprotected.sort_unstable();
        record.unprotected.dedup();
        record
    }
}

/// A relation or inequality as the record keeps it.
fn recorded(v: &SparseVec) -> Vec<(u32, i64)> {
    v.entries().iter().map(|(c, k)| (*c, *k as i64)).collect()
}

impl Publication {
    /// This publication together with everything recorded as published before it: see
    /// the module's documentation.
    pub fn after(mut self, earlier: &Record) -> Publication {
        // A rest is shown again with either of its cells.
        self.unprotected_before = earlier
            .unprotected
            .iter()
            .map(|name| {
                let again = keys_in_name(name).any(|key| self.get(key).is_some());
                (name.clone(), again)
            })
            .collect();
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
        let in_this = |recorded: &[(u32, i64)]| {
            SparseVec::from_pairs(
                recorded
                    .iter()
                    .map(|(c, k)| (ids[*c as usize].0, Coef::from(*k))),
            )
        };
        for relation in &earlier.relations {
            self.cells.relation(in_this(relation));
        }
        for inequality in &earlier.inequalities {
            self.cells.inequality(in_this(inequality));
        }
        for (part, whole) in &earlier.parts {
            self.part(ids[*part as usize], ids[*whole as usize]);
        }
        // A population declared again is the same rule twice: the record keeps it once.
        for (n, members) in &earlier.populations {
            let members = members.iter().map(|m| ids[*m as usize]).collect();
            self.population(ids[*n as usize], members);
        }
        self
    }
}

/// The record of one dataset's publications, open: its lock is held until it is saved
/// or dropped.
pub struct Ledger {
    path: PathBuf,
    _lock: File,
    record: Option<Record>,
    changed: bool,
}

impl Ledger {
    /// Opens the record of the dataset at `root`, waiting for another publication to
    /// finish first.
    pub fn open(root: &Path) -> Result<Ledger, StoreError> {
        let dir = root.join(DIR);
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let lock = store::wait_for_folder(&dir)?;
        let path = dir.join(FILE);
        let record: Option<Record> = store::read_json(&path)?;
        if let Some(cell) = record.as_ref().and_then(Record::dangling) {
            return Err(StoreError::Corrupt {
                path,
                message: format!("cell {cell} finns inte"),
            });
        }
        Ok(Ledger {
            path,
            _lock: lock,
            record,
            changed: false,
        })
    }

    /// What has been published so far; `None` before the first publication.
    #[cfg(test)]
    pub fn record(&self) -> Option<&Record> {
        self.record.as_ref()
    }

    /// Protects `publication` together with everything published before, and adds it
    /// to the record: what is returned is what may be shown.
    pub fn publish(&mut self, publication: Publication, threshold: i64) -> Protected {
        let publication = match &self.record {
            Some(record) => publication.after(record),
            None => publication,
        };
        let protected = publication.protect(threshold);
        let record = protected.record();
        if self.record.as_ref() != Some(&record) {
            self.record = Some(record);
            self.changed = true;
        }
        protected
    }

    /// Writes the record if anything new was published, and lets go of the lock.
    pub fn save(self) -> Result<(), StoreError> {
        match &self.record {
            Some(record) if self.changed => {
                let bytes = serde_json::to_vec(record).expect("the record serialises");
                store::write_atomic(&self.path, &bytes)
            }
            _ => Ok(()),
        }
    }
}

/// Publishes one publication of the dataset at `root` ([`Ledger::publish`]), recorded.
pub fn publish(
    root: &Path,
    publication: Publication,
    threshold: i64,
) -> Result<Protected, StoreError> {
    let mut ledger = Ledger::open(root)?;
    let protected = ledger.publish(publication, threshold);
    ledger.save()?;
    Ok(protected)
}
