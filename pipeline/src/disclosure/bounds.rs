//! How far a reader can narrow a hidden number: the smallest and largest value it can
//! take given every published number, every relation between cells, that a part never
//! exceeds its whole, and that counts are never negative (and hidden counts above zero
//! at least 1). Found by linear programming (good_lp with the pure-Rust microlp solver);
//! the bounds are then rounded inwards to whole numbers, as a reader who knows that
//! counts are whole would.

use std::collections::{BTreeSet, HashMap};

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, microlp,
    variable,
};

use super::linear::SparseVec;

/// What a reader knows relates the cells.
#[derive(Debug, Clone, Copy)]
pub struct Constraints<'a> {
    /// `Σ coef · x = 0`.
    pub relations: &'a [SparseVec],
    /// (part, whole): `x_whole − x_part ≥ 0`, and the rest is a count too.
    pub parts: &'a [(u32, u32)],
    /// `Σ coef · x ≥ 0`: a total that counts a person once though they are in several of
    /// its parts is at most their sum and at least each of them.
    pub inequalities: &'a [SparseVec],
}

/// Constraints with, for each cell, the relations, parts and inequalities it is in:
/// built once, read by every program over them and by suppression's search for partners.
#[derive(Debug, Clone)]
pub struct Links<'a> {
    pub constraints: Constraints<'a>,
    relations_of: Vec<Vec<u32>>,
    parts_of: Vec<Vec<u32>>,
    inequalities_of: Vec<Vec<u32>>,
}

/// For each of `cells` cells, the indices of the `lists` it is in.
fn by_cell<I: Iterator<Item = u32>>(cells: usize, lists: impl Iterator<Item = I>) -> Vec<Vec<u32>> {
    let mut of = vec![Vec::new(); cells];
    for (at, members) in lists.enumerate() {
        for c in members {
            of[c as usize].push(at as u32);
        }
    }
    of
}

impl<'a> Links<'a> {
    pub fn new(cells: usize, constraints: Constraints<'a>) -> Links<'a> {
        Links {
            relations_of: by_cell(cells, constraints.relations.iter().map(SparseVec::indices)),
            parts_of: by_cell(
                cells,
                constraints
                    .parts
                    .iter()
                    .map(|(part, whole)| [*part, *whole].into_iter()),
            ),
            inequalities_of: by_cell(
                cells,
                constraints.inequalities.iter().map(SparseVec::indices),
            ),
            constraints,
        }
    }

    /// The relations `cell` is in (indices into the constraints' relations).
    pub fn relations_of(&self, cell: u32) -> &[u32] {
        &self.relations_of[cell as usize]
    }

    /// The parts `cell` is the part or the whole of.
    pub fn parts_of(&self, cell: u32) -> &[u32] {
        &self.parts_of[cell as usize]
    }

    /// The inequalities `cell` is in.
    pub fn inequalities_of(&self, cell: u32) -> &[u32] {
        &self.inequalities_of[cell as usize]
    }

    /// The cells sharing a relation, a part or an inequality with `cell`, `cell` too.
    fn linked(&self, cell: u32) -> impl Iterator<Item = u32> + '_ {
        let Constraints {
            relations,
            parts,
            inequalities,
        } = self.constraints;
        let relations = self
            .relations_of(cell)
            .iter()
            .flat_map(move |r| relations[*r as usize].indices());
        let parts = self.parts_of(cell).iter().flat_map(move |at| {
            let (part, whole) = parts[*at as usize];
            [part, whole]
        });
        let inequalities = self
            .inequalities_of(cell)
            .iter()
            .flat_map(move |r| inequalities[*r as usize].indices());
        relations.chain(parts).chain(inequalities)
    }

    /// The cells sharing a relation, a part or an inequality with any of `from`,
    /// sorted, once each.
    pub fn near(&self, from: &[u32]) -> Vec<u32> {
        let mut found: Vec<u32> = from.iter().flat_map(|c| self.linked(*c)).collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// A system as a reader sees it: which cells are unknown, and what relates them.
pub struct System<'a> {
    /// What relates the cells, and which cells each constraint holds.
    pub links: &'a Links<'a>,
    /// The published value of each cell; `None` where it is hidden.
    pub shown: &'a [Option<i64>],
    /// The least value each hidden cell can have as far as the reader knows.
    pub floor: &'a [i64],
}

/// The interval `[low, high]` a hidden number is narrowed to; `high = None`: unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub low: i64,
    pub high: Option<i64>,
}

impl Interval {
    /// The width a reader is left with; unbounded is wider than any threshold.
    pub fn width(&self) -> i64 {
        self.high.map_or(i64::MAX, |h| h.saturating_sub(self.low))
    }
}

impl System<'_> {
    /// The interval of the linear function `target` of the cells (a hidden cell, or the
    /// rest between a part and its whole). Only what reaches it through hidden cells
    /// matters, so the program is made of that alone.
    pub fn interval(&self, target: &SparseVec) -> Interval {
        let start: Vec<u32> = target
            .indices()
            .filter(|c| self.shown[*c as usize].is_none())
            .collect();
        let known: f64 = target
            .entries()
            .iter()
            .filter_map(|(c, k)| self.shown[*c as usize].map(|v| *k as f64 * v as f64))
            .sum();
        if start.is_empty() {
            let v = known.round() as i64;
            return Interval {
                low: v,
                high: Some(v),
            };
        }
        let reached = self.reachable(&start);
        let mut problem = ProblemVariables::new();
        let vars: HashMap<u32, Variable> = reached
            .cells
            .iter()
            .map(|u| {
                (
                    *u,
                    problem.add(variable().min(self.floor[*u as usize] as f64)),
                )
            })
            .collect();
        let term = |cell: u32, coef: f64| -> (Expression, f64) {
            match self.shown[cell as usize] {
                Some(v) => (Expression::from(0.0), coef * v as f64),
                None => (coef * vars[&cell], 0.0),
            }
        };
        let linear = |pairs: &mut dyn Iterator<Item = (u32, f64)>| {
            let mut expression = Expression::from(0.0);
            let mut constant = 0.0;
            for (cell, coef) in pairs {
                let (e, c) = term(cell, coef);
                expression += e;
                constant += c;
            }
            (expression, constant)
        };
        let linear_of =
            |v: &SparseVec| linear(&mut v.entries().iter().map(|(c, k)| (*c, *k as f64)));
        let Constraints {
            relations,
            parts,
            inequalities,
        } = self.links.constraints;
        let mut constraints = Vec::new();
        for at in reached.relations {
            let (e, c) = linear_of(&relations[at as usize]);
            constraints.push(e.eq(-c));
        }
        for at in reached.parts {
            let (part, whole) = parts[at as usize];
            let (e, c) = linear(&mut [(whole, 1.0), (part, -1.0)].into_iter());
            constraints.push(e.geq(-c));
        }
        for at in reached.inequalities {
            let (e, c) = linear_of(&inequalities[at as usize]);
            constraints.push(e.geq(-c));
        }
        let (objective, _) = linear_of(target);
        let solve = |maximise: bool| -> Result<f64, ResolutionError> {
            let problem = problem.clone();
            let mut model = if maximise {
                problem.maximise(objective.clone()).using(microlp)
            } else {
                problem.minimise(objective.clone()).using(microlp)
            };
            for c in &constraints {
                model = model.with(c.clone());
            }
            let solution = model.solve()?;
            Ok(solution.eval(&objective))
        };
        let low = match solve(false) {
            Ok(v) => (v + known - 1e-6).ceil() as i64,
            Err(_) => i64::MIN,
        };
        let high = match solve(true) {
            Ok(v) => Some((v + known + 1e-6).floor() as i64),
            Err(_) => None,
        };
        Interval { low, high }
    }

    /// The hidden cells linked to `start` through constraints that hold hidden cells,
    /// with those constraints.
    fn reachable(&self, start: &[u32]) -> Reached {
        let hidden = |c: u32| self.shown[c as usize].is_none();
        let Constraints {
            relations,
            parts,
            inequalities,
        } = self.links.constraints;
        let mut reached = Reached::default();
        let mut cells: BTreeSet<u32> = start.iter().copied().collect();
        let mut queue: Vec<u32> = start.to_vec();
        while let Some(cell) = queue.pop() {
            let mut found: Vec<u32> = Vec::new();
            for &at in self.links.relations_of(cell) {
                if reached.relations.insert(at) {
                    found.extend(relations[at as usize].indices());
                }
            }
            for &at in self.links.parts_of(cell) {
                if reached.parts.insert(at) {
                    let (part, whole) = parts[at as usize];
                    found.extend([part, whole]);
                }
            }
            for &at in self.links.inequalities_of(cell) {
                if reached.inequalities.insert(at) {
                    found.extend(inequalities[at as usize].indices());
                }
            }
            for other in found.into_iter().filter(|c| hidden(*c)) {
                if cells.insert(other) {
                    queue.push(other);
                }
            }
        }
        reached.cells = cells.into_iter().collect();
        reached
    }
}

/// What a program for one number is made of: the hidden cells it reaches, and the
/// constraints (by index) that link them.
#[derive(Default)]
struct Reached {
    cells: Vec<u32>,
    relations: BTreeSet<u32>,
    parts: BTreeSet<u32>,
    inequalities: BTreeSet<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(parts: &[u32], total: u32) -> SparseVec {
        SparseVec::from_pairs(
            parts
                .iter()
                .map(|p| (*p, -1))
                .chain(std::iter::once((total, 1))),
        )
    }

    /// The interval of `target` in a system of these relations, parts, shown values and
    /// floors.
    fn interval(
        relations: &[SparseVec],
        parts: &[(u32, u32)],
        shown: &[Option<i64>],
        floor: &[i64],
        target: &[(u32, i128)],
    ) -> Interval {
        with_inequalities(relations, parts, &[], shown, floor, target)
    }

    fn with_inequalities(
        relations: &[SparseVec],
        parts: &[(u32, u32)],
        inequalities: &[SparseVec],
        shown: &[Option<i64>],
        floor: &[i64],
        target: &[(u32, i128)],
    ) -> Interval {
        let constraints = Constraints {
            relations,
            parts,
            inequalities,
        };
        let links = Links::new(shown.len(), constraints);
        System {
            links: &links,
            shown,
            floor,
        }
        .interval(&SparseVec::from_pairs(target.iter().copied()))
    }

    #[test]
    fn two_hidden_parts_of_a_shown_total_bound_each_other() {
        // t = a + b + c; t = 10, c = 5 shown; a = 2, b = 3 hidden, each at least 1.
        let relations = [sum(&[0, 1, 2], 3)];
        let shown = [None, None, Some(5), Some(10)];
        assert_eq!(
            interval(&relations, &[], &shown, &[1, 1, 0, 0], &[(0, 1)]),
            Interval {
                low: 1,
                high: Some(4)
            }
        );
    }

    #[test]
    fn a_hidden_total_leaves_its_part_unbounded() {
        let relations = [sum(&[0, 1], 2)];
        let shown = [None, Some(7), None];
        assert_eq!(
            interval(&relations, &[], &shown, &[1, 0, 1], &[(0, 1)]).high,
            None
        );
    }

    #[test]
    fn the_rest_of_a_shown_part_of_a_hidden_whole() {
        // 9 of a hidden whole that is at most 11 (whole + other = 20, other ≥ 9).
        let relations = [sum(&[1, 2], 3)];
        let shown = [Some(9), None, None, Some(20)];
        let parts = [(0, 1), (0, 2)];
        assert_eq!(
            interval(
                &relations,
                &parts,
                &shown,
                &[0, 1, 1, 0],
                &[(1, 1), (0, -1)]
            ),
            Interval {
                low: 0,
                high: Some(2)
            }
        );
    }

    #[test]
    fn a_total_counting_a_person_once_bounds_a_hidden_part_from_below() {
        // alla = 13 counts a person in both projects once: alla ≤ a + b, so with b = 10
        // shown, the hidden a (3 of its n = 5) is at least 3.
        let (a, b, all, n) = (0, 1, 2, 3);
        let inequalities = [
            SparseVec::from_pairs([(a, 1), (b, 1), (all, -1)]),
            SparseVec::from_pairs([(all, 1), (a, -1)]),
            SparseVec::from_pairs([(all, 1), (b, -1)]),
        ];
        let shown = [None, Some(10), Some(13), Some(5)];
        let floor = [1, 0, 0, 0];
        let bounded = |inequalities: &[SparseVec]| {
            with_inequalities(&[], &[(a, n)], inequalities, &shown, &floor, &[(a, 1)])
        };
        assert_eq!(
            bounded(&inequalities),
            Interval {
                low: 3,
                high: Some(5)
            }
        );
        assert_eq!(
            bounded(&[]),
            Interval {
                low: 1,
                high: Some(5)
            }
        );
    }
}
