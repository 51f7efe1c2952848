//! The outsider: what a reader who holds every published number can work out.
//!
//! An [`Observation`] is what the reader has: each cell either shown or hidden, the
//! relations the reader knows between cells (totals and their parts, a part and its
//! whole, a union of parts: [`Observation::union`]), and the least value a hidden cell
//! can have (a count hidden for being small is at least 1 where zeros are shown). [`Observation::leaks`] then tries every hidden
//! cell whose true value is below the threshold:
//!
//! - **exactly**, by linear algebra: a hidden cell is pinned down when every solution
//!   of the relations, given what is shown, gives it the same value (the null space of
//!   the relations over the hidden cells is zero there);
//! - **by bounds**, by linear programming: the smallest and largest value it can take;
//!   an interval narrower than the threshold is a leak too.
//!
//! The truth is only used to choose which cells to try and to report what was found.

use super::bounds::{Interval, Links, System};
use super::linear::{SparseVec, null_space, positions};
use super::{CellId, Cells, known_zeros};

/// A hidden cell the outsider narrowed too far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub key: String,
    pub truth: i64,
    /// What the outsider knows of it.
    pub interval: Interval,
    /// Worked out exactly by linear algebra.
    pub exact: bool,
}

impl std::fmt::Display for Leak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let high = self
            .interval
            .high
            .map_or("∞".to_string(), |h| h.to_string());
        write!(
            f,
            "{} = {}: {} [{}, {}]",
            self.key,
            self.truth,
            if self.exact {
                "räknas fram exakt"
            } else {
                "ringas in till"
            },
            self.interval.low,
            high
        )
    }
}

/// What a reader holds: cells shown or hidden, and the relations between them.
#[derive(Debug, Default, Clone)]
pub struct Observation {
    cells: Cells,
    shown: Vec<Option<i64>>,
    floor: Vec<i64>,
    /// Cells of a group hidden whole, zeros too: hidden, they may be 0 for all a reader
    /// knows, whatever another output says of their floor.
    in_hidden_group: Vec<bool>,
}

impl Observation {
    pub fn new() -> Observation {
        Observation::default()
    }

    pub(super) fn from_cells(cells: Cells) -> Observation {
        let n = cells.keys.len();
        Observation {
            cells,
            shown: vec![None; n],
            floor: vec![0; n],
            in_hidden_group: vec![false; n],
        }
    }

    pub(super) fn set_shown(&mut self, index: usize, shown: Option<i64>) {
        self.shown[index] = shown;
    }

    pub(super) fn set_floor(&mut self, index: usize, floor: i64) {
        self.floor[index] = floor;
    }

    /// A cell as one output shows it (`None`: hidden there), with its true value. A
    /// cell shown by any output is known.
    pub fn cell(&mut self, key: &str, shown: Option<i64>, truth: i64) -> CellId {
        let id = match self.cells.index.get(key) {
            Some(id) => *id,
            None => {
                let id = self.cells.push(key.to_string(), truth);
                self.shown.push(None);
                self.floor.push(0);
                self.in_hidden_group.push(false);
                id
            }
        };
        if shown.is_some() {
            self.shown[id.index()] = shown;
        }
        id
    }

    /// What the reader knows of a hidden cell's least value.
    pub fn floor(&mut self, cell: CellId, floor: i64) {
        self.floor[cell.index()] = self.floor[cell.index()].max(floor);
    }

    /// `cell` is in a group that is hidden whole where it is small, zeros too: hidden,
    /// it may be 0 for all the reader knows (the rule of [`super::Publication::population`]).
    pub fn in_hidden_group(&mut self, cell: CellId) {
        self.in_hidden_group[cell.index()] = true;
    }

    /// `total = Σ parts`, where the true values agree.
    pub fn sum(&mut self, total: CellId, parts: &[CellId]) -> bool {
        self.cells.sum(total, parts)
    }

    /// `part` is counted among `whole`.
    pub fn part(&mut self, part: CellId, whole: CellId) -> bool {
        self.cells.part(part, whole)
    }

    /// `total` counts the people of `parts` once each, though some may be in several:
    /// the sum where the true values add up, and otherwise `part ≤ total ≤ Σ parts`.
    pub fn union(&mut self, total: CellId, parts: &[CellId]) {
        self.cells.union(total, parts);
    }

    /// How many cells there are, and how many of them are hidden.
    pub fn counts(&self) -> (usize, usize) {
        let hidden = self.shown.iter().filter(|s| s.is_none()).count();
        (self.cells.keys.len(), hidden)
    }

    /// Every hidden number below `threshold` (a hidden cell, or the rest between a part
    /// and its whole) that is pinned down or narrowed to an interval narrower than
    /// `threshold`.
    pub fn leaks(&self, threshold: i64) -> Vec<Leak> {
        // A hidden zero that follows from shown zeros is known, and no one's count.
        let known_zero = known_zeros(
            self.cells.constraints(),
            self.shown.iter().map(|s| *s == Some(0)).collect(),
        );
        let shown: Vec<Option<i64>> = self
            .shown
            .iter()
            .zip(&known_zero)
            .map(|(s, zero)| if *zero { Some(0) } else { *s })
            .collect();
        let floor: Vec<i64> = self
            .floor
            .iter()
            .zip(&self.in_hidden_group)
            .map(|(f, open)| if *open { 0 } else { *f })
            .collect();
        let free = free_directions(&self.cells, &shown);
        let links = Links::new(self.cells.keys.len(), self.cells.constraints());
        let system = System {
            links: &links,
            shown: &shown,
            floor: &floor,
        };
        let mut leaks = Vec::new();
        let mut check = |key: String, truth: i64, target: SparseVec| {
            // Exact: no direction of the hidden cells moves it.
            let moves = free.iter().any(|d| {
                target
                    .entries()
                    .iter()
                    .map(|(c, k)| k * d.get(*c))
                    .sum::<i128>()
                    != 0
            });
            // A hidden zero is a leak only when it can be worked out exactly: a zero
            // total makes every part zero, which says nothing about anyone in particular.
            let interval = if !moves || truth == 0 {
                Interval {
                    low: truth,
                    high: Some(truth),
                }
            } else {
                system.interval(&target)
            };
            if !moves || (truth > 0 && interval.width() < threshold) {
                leaks.push(Leak {
                    key,
                    truth,
                    interval,
                    exact: !moves,
                });
            }
        };
        for (i, seen) in shown.iter().enumerate() {
            let truth = self.cells.values[i];
            if seen.is_none() && truth < threshold {
                check(
                    self.cells.keys[i].clone(),
                    truth,
                    SparseVec::from_pairs([(i as u32, 1)]),
                );
            }
        }
        for at in 0..self.cells.parts.len() {
            let truth = self.cells.rest(at);
            // A rest of zero ("all of them") is what a full share says of a population
            // large enough to be shown.
            if (1..threshold).contains(&truth) {
                let (part, whole) = self.cells.parts[at];
                check(
                    self.cells.rest_key(at),
                    truth,
                    SparseVec::from_pairs([(whole, 1), (part, -1)]),
                );
            }
        }
        leaks
    }
}

/// A basis of the ways the hidden cells can change together while every relation holds
/// and every shown cell stays as shown (indices are cells).
fn free_directions(cells: &Cells, shown: &[Option<i64>]) -> Vec<SparseVec> {
    let n = cells.keys.len();
    let hidden: Vec<u32> = (0..n as u32)
        .filter(|i| shown[*i as usize].is_none())
        .collect();
    let position = positions(&hidden);
    let relations: Vec<SparseVec> = cells
        .relations
        .iter()
        .map(|r| r.remap(|c| position.get(&c).copied()))
        .filter(|r| !r.is_empty())
        .collect();
    null_space(hidden.len(), &relations, |c| c as i64)
        .into_iter()
        .map(|v| v.remap(|at| Some(hidden[at as usize])))
        .collect()
}
