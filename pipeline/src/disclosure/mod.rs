//! Disclosure control over everything published together.
//!
//! A reader outside a project holds every public report, every dashboard page and
//! every period at once, and can subtract: `alla` minus the other projects, a year
//! minus its half-years, a total minus its shown parts. So protection is decided for a
//! *publication*: every cell that is published together or can be had by asking again,
//! with the linear relations between them (a [`Publication`]). [`Publication::protect`]
//! hides the small counts and enough other cells that no hidden count below the
//! threshold can be pinned down or narrowed to an interval narrower than the threshold
//! (method and parameters: `docs/rojandekontroll.md`).
//!
//! [`attack`] is the outsider: given what was published and the relations a reader
//! knows, it recovers what it can, by linear algebra and linear programming. The tests
//! turn it on every public output.

pub mod attack;
mod bounds;
pub mod ledger;
mod linear;
mod suppress;

use std::collections::{HashMap, HashSet};

use bounds::Constraints;
pub use bounds::Interval;
use linear::SparseVec;

/// The default threshold: counts below 5 are hidden.
pub const DEFAULT_THRESHOLD: i64 = 5;

/// Cells that add up to a total, as a layout file declares them. A part may end in `*`:
/// every breakdown row of that query.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sum {
    pub delar: Vec<String>,
    pub total: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DisclosureError {
    /// One key must name one number wherever it is shown.
    #[error("röjandekontrollen fick två värden för {key}: {first} och {second}")]
    Conflict {
        key: String,
        first: i64,
        second: i64,
    },
}

/// A cell of a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(u32);

impl CellId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// The key of a cell in a publication: what it counts (`statistic`), for which
/// selection and which period.
pub fn cell_key(selection: &str, period: &str, statistic: &str) -> String {
    format!("{selection}|{period}|{statistic}")
}

/// Cells with their true values and the relations between them. Relations are kept
/// only where the numbers satisfy them: a relation that does not hold is of no use to
/// a reader.
#[derive(Debug, Default, Clone)]
struct Cells {
    keys: Vec<String>,
    values: Vec<i64>,
    index: HashMap<String, CellId>,
    /// `Σ coef · x = 0` over cells.
    relations: Vec<SparseVec>,
    /// (part, whole): the part is counted among the whole, so the rest (whole − part)
    /// is a count too, never shown but no less about people.
    parts: Vec<(u32, u32)>,
    /// `Σ coef · x ≥ 0` over cells: what a reader knows of a total that counts a person
    /// once though they are in several of its parts (`alla` and the projects).
    inequalities: Vec<SparseVec>,
    /// The relations, parts and inequalities already kept: the same relation declared
    /// again (by a later publication, by a second page) is one relation.
    known: HashSet<SparseVec>,
    known_parts: HashSet<(u32, u32)>,
    known_inequalities: HashSet<SparseVec>,
}

impl Cells {
    fn cell(&mut self, key: &str, value: i64) -> Result<CellId, DisclosureError> {
        if let Some(id) = self.index.get(key) {
            let first = self.values[id.index()];
            return if first == value {
                Ok(*id)
            } else {
                Err(DisclosureError::Conflict {
                    key: key.to_string(),
                    first,
                    second: value,
                })
            };
        }
        Ok(self.push(key.to_string(), value))
    }

    fn push(&mut self, key: String, value: i64) -> CellId {
        let id = CellId(self.keys.len() as u32);
        self.index.insert(key.clone(), id);
        self.keys.push(key);
        self.values.push(value);
        id
    }

    fn sum(&mut self, total: CellId, parts: &[CellId]) -> bool {
        let sum: i64 = parts.iter().map(|p| self.values[p.index()]).sum();
        if sum != self.values[total.index()] || parts.contains(&total) {
            return false;
        }
        self.relation(SparseVec::from_pairs(
            parts
                .iter()
                .map(|p| (p.0, -1))
                .chain(std::iter::once((total.0, 1))),
        ))
    }

    /// `Σ coef · x` over the true values.
    fn evaluate(&self, v: &SparseVec) -> linear::Coef {
        v.entries()
            .iter()
            .map(|(c, k)| k * linear::Coef::from(self.values[*c as usize]))
            .sum()
    }

    /// Keeps `Σ coef · x = 0` where the values satisfy it and it is not kept already.
    fn relation(&mut self, relation: SparseVec) -> bool {
        if relation.is_empty()
            || self.evaluate(&relation) != 0
            || !self.known.insert(relation.normalised())
        {
            return false;
        }
        self.relations.push(relation);
        true
    }

    /// Keeps `Σ coef · x ≥ 0` where the values satisfy it and it is not kept already.
    /// (Not normalised: its sign is its meaning.)
    fn inequality(&mut self, inequality: SparseVec) -> bool {
        if inequality.is_empty()
            || self.evaluate(&inequality) < 0
            || !self.known_inequalities.insert(inequality.clone())
        {
            return false;
        }
        self.inequalities.push(inequality);
        true
    }

    /// `total` counts the people of `parts`, each once though some are in several: the
    /// sum where no one is (the numbers add up), and otherwise every part at most the
    /// total and the total at most the sum, where the numbers satisfy them.
    fn union(&mut self, total: CellId, parts: &[CellId]) {
        let sum: i64 = parts.iter().map(|p| self.values[p.index()]).sum();
        if sum == self.values[total.index()] {
            self.sum(total, parts);
            return;
        }
        self.inequality(SparseVec::from_pairs(
            parts
                .iter()
                .map(|p| (p.0, 1))
                .chain(std::iter::once((total.0, -1))),
        ));
        for part in parts {
            self.inequality(SparseVec::from_pairs([(total.0, 1), (part.0, -1)]));
        }
    }

    /// What relates the cells.
    fn constraints(&self) -> Constraints<'_> {
        Constraints {
            relations: &self.relations,
            parts: &self.parts,
            inequalities: &self.inequalities,
        }
    }

    fn part(&mut self, part: CellId, whole: CellId) -> bool {
        let rest = self.values[whole.index()] - self.values[part.index()];
        if rest < 0 || part == whole || !self.known_parts.insert((part.0, whole.0)) {
            return false;
        }
        self.parts.push((part.0, whole.0));
        true
    }

    /// The value of the rest of part `at`.
    fn rest(&self, at: usize) -> i64 {
        let (part, whole) = self.parts[at];
        self.values[whole as usize] - self.values[part as usize]
    }

    /// How the rest of part `at` is named where a leak is reported.
    fn rest_key(&self, at: usize) -> String {
        let (part, whole) = self.parts[at];
        rest_name(&self.keys[whole as usize], &self.keys[part as usize])
    }
}

/// Between the whole and the part in the name of a rest.
const REST_SEPARATOR: &str = " − ";

/// How the rest between a whole and its part is named where it is reported: a rest is
/// no cell of its own.
fn rest_name(whole: &str, part: &str) -> String {
    format!("{whole}{REST_SEPARATOR}{part}")
}

/// The keys of the cells a number is named by: one for a cell, two for a rest.
fn keys_in_name(name: &str) -> std::str::Split<'_, &str> {
    name.split(REST_SEPARATOR)
}

/// The cells with a positive (or a negative) coefficient in `v`.
fn side(v: &SparseVec, positive: bool) -> impl Iterator<Item = u32> + '_ {
    v.entries()
        .iter()
        .filter(move |(_, k)| (*k > 0) == positive)
        .map(|(c, _)| *c)
}

/// The cells a reader knows to be zero without seeing them, given those seen to be zero
/// (`zero`, by cell): counts are never negative, so every part of a total known to be
/// zero is zero, and a total whose parts all are zero is zero (a total of no parts, such
/// as `alla` for a pair no project has, is zero too; a total at most a sum of zeros
/// too). Such a zero says nothing the zeros it follows from did not say, and is no one's
/// count to protect.
fn known_zeros(constraints: Constraints, mut zero: Vec<bool>) -> Vec<bool> {
    let mut changed = true;
    while changed {
        changed = false;
        let mut mark = |cell: u32, zero: &mut Vec<bool>| {
            if !zero[cell as usize] {
                zero[cell as usize] = true;
                changed = true;
            }
        };
        for relation in constraints.relations {
            for positive in [true, false] {
                if side(relation, positive).all(|c| zero[c as usize]) {
                    side(relation, !positive).for_each(|c| mark(c, &mut zero));
                }
            }
        }
        // `Σ positive ≥ Σ negative`: positive cells all zero make the negative ones zero.
        for inequality in constraints.inequalities {
            if side(inequality, true).all(|c| zero[c as usize]) {
                side(inequality, false).for_each(|c| mark(c, &mut zero));
            }
        }
        for (part, whole) in constraints.parts {
            if zero[*whole as usize] {
                mark(*part, &mut zero);
            }
        }
    }
    zero
}

/// Why a cell is shown or hidden (on disk, in the ledger: `visas`, `litet`,
/// `liten_grupp`, `skyddande`, `dold_grupp`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Reason {
    #[serde(rename = "visas")]
    Shown,
    /// A count from 1 to the threshold − 1.
    #[serde(rename = "litet")]
    Small,
    /// A cell of a population (a table's group) with fewer than the threshold.
    #[serde(rename = "liten_grupp")]
    SmallGroup,
    /// Hidden so that no hidden small count can be worked out.
    #[serde(rename = "skyddande")]
    Secondary,
    /// A cell of a group hidden whole, zeros too, though its n is shown: its small
    /// counts could not be protected otherwise (typically an n published before, now
    /// split into new small parts). A reader cannot take such a hidden cell to be at
    /// least 1.
    #[serde(rename = "dold_grupp")]
    ClosedGroup,
}

impl Reason {
    pub fn is_hidden(self) -> bool {
        self != Reason::Shown
    }
}

/// What whoever publishes is told of the numbers disclosure control could not protect
/// ([`Protected::unprotected`]): how many and their keys, never their values. `None`
/// when there are none.
pub fn unprotected_warning(keys: &[String]) -> Option<String> {
    const LISTED: usize = 20;
    let (first, more) = keys.split_at(keys.len().min(LISTED));
    let more = match more.len() {
        0 => String::new(),
        n => format!(" … och {n} till"),
    };
    (!keys.is_empty()).then(|| {
        format!(
            "röjandekontrollen kunde inte skydda {} tal under tröskeln: det som publicerats tidigare ringar in dem, och inget som kan döljas nu ändrar det (docs/rojandekontroll.md, Gränser). Nycklar: {}{more}",
            keys.len(),
            first.join("; ")
        )
    })
}

/// Every cell published together, with what relates them.
#[derive(Debug, Default, Clone)]
pub struct Publication {
    cells: Cells,
    /// (n, the cells counted among those n): a population below the threshold hides them all.
    populations: Vec<(CellId, Vec<CellId>)>,
    /// Cells an earlier publication decided ([`ledger`]): they stay as they were.
    decided: HashMap<CellId, Reason>,
    /// The numbers earlier publications could not protect, by name, and whether this
    /// one shows them again.
    unprotected_before: Vec<(String, bool)>,
}

impl Publication {
    pub fn new() -> Publication {
        Publication::default()
    }

    /// The cell `key` with its true value; the same key again must have the same value.
    pub fn cell(&mut self, key: &str, value: i64) -> Result<CellId, DisclosureError> {
        self.cells.cell(key, value)
    }

    pub fn get(&self, key: &str) -> Option<CellId> {
        self.cells.index.get(key).copied()
    }

    pub fn value(&self, cell: CellId) -> i64 {
        self.cells.values[cell.index()]
    }

    pub fn len(&self) -> usize {
        self.cells.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.keys.is_empty()
    }

    /// `total = Σ parts`, where the numbers agree. Returns whether it was kept.
    pub fn sum(&mut self, total: CellId, parts: &[CellId]) -> bool {
        self.cells.sum(total, parts)
    }

    /// `part` is counted among `whole`: the rest (whole − part) is a count too.
    pub fn part(&mut self, part: CellId, whole: CellId) -> bool {
        self.cells.part(part, whole)
    }

    /// `total` counts the people of `parts` once each, though some may be in several
    /// (`alla` and the projects, a year and its half-years): `total = Σ parts` where the
    /// numbers add up, and otherwise `part ≤ total ≤ Σ parts`.
    pub fn union(&mut self, total: CellId, parts: &[CellId]) {
        self.cells.union(total, parts);
    }

    /// `n` counts a population and `members` count within it: if n is below the
    /// threshold, all of them are hidden, zeros too.
    pub fn population(&mut self, n: CellId, mut members: Vec<CellId>) {
        members.sort_unstable();
        members.dedup();
        self.populations.push((n, members));
    }

    /// Decides what is shown. (A publication of a dataset is protected through its
    /// [`ledger::Ledger`], together with everything published before it.)
    pub fn protect(self, threshold: i64) -> Protected {
        let decision = suppress::protect(&self, threshold);
        // Cells decided before are not decided again: what was given up then is named
        // from the record, whenever it is shown again. Several components, and the
        // record, may name the same number: once each.
        let mut unprotected = decision.unprotected;
        unprotected.extend(
            self.unprotected_before
                .iter()
                .filter(|(_, again)| *again)
                .map(|(name, _)| name.clone()),
        );
        unprotected.sort_unstable();
        unprotected.dedup();
        Protected {
            publication: self,
            reasons: decision.reasons,
            unprotected,
            threshold,
        }
    }
}

/// A publication with every cell's fate decided.
#[derive(Debug, Clone)]
pub struct Protected {
    publication: Publication,
    reasons: Vec<Reason>,
    unprotected: Vec<String>,
    threshold: i64,
}

impl Protected {
    pub fn threshold(&self) -> i64 {
        self.threshold
    }

    /// The numbers below the threshold that no hiding could protect, by key (a rest as
    /// `whole − part`): what was published before pins them down or narrows them, and
    /// nothing left to hide now can change that. Whoever publishes should be told,
    /// by key, never by value. Empty as a rule.
    pub fn unprotected(&self) -> &[String] {
        &self.unprotected
    }

    /// Why `key` is shown or hidden; `None` for a key the publication does not have.
    pub fn reason(&self, key: &str) -> Option<Reason> {
        self.publication.get(key).map(|id| self.reasons[id.index()])
    }

    /// The value a reader sees: `None` where hidden (or unknown). The outputs read it
    /// through [`crate::display::Audience`]; this is the outsider tests' view.
    pub fn shown(&self, key: &str) -> Option<i64> {
        let id = self.publication.get(key)?;
        (!self.reasons[id.index()].is_hidden()).then(|| self.publication.value(id))
    }

    #[cfg(test)]
    pub fn is_hidden(&self, key: &str) -> bool {
        self.reason(key).is_some_and(Reason::is_hidden)
    }

    /// Whether `key` is hidden with the whole of its group, zeros too, though the group's
    /// n is shown: published, such cells are marked, since a reader must not take them
    /// to be at least 1.
    #[cfg(test)]
    pub fn in_closed_group(&self, key: &str) -> bool {
        self.reason(key) == Some(Reason::ClosedGroup)
    }

    /// The engine's own check: the outsider of [`attack`] over this publication, with
    /// the relations it was protected with. Empty when nothing leaks.
    pub fn leaks(&self) -> Vec<attack::Leak> {
        let cells = &self.publication.cells;
        let floors = suppress::floors(&self.publication, self.threshold);
        let mut observation = attack::Observation::from_cells(cells.clone());
        for (id, reason) in self.reasons.iter().enumerate() {
            let value = cells.values[id];
            observation.set_shown(id, (!reason.is_hidden()).then_some(value));
            // Hidden with its whole group, it may be 0 for all a reader knows.
            let floor = if *reason == Reason::ClosedGroup {
                0
            } else {
                floors[id]
            };
            observation.set_floor(id, floor);
        }
        observation.leaks(self.threshold)
    }
}

#[cfg(test)]
mod tests;
