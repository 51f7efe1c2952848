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

/// For each cell, the relations and the parts it is in: built once for a set of
/// relations, read by every program over them and by suppression's search for partners.
#[derive(Debug, Clone)]
pub struct Links {
    relations_of: Vec<Vec<u32>>,
    parts_of: Vec<Vec<u32>>,
}

impl Links {
    pub fn new(cells: usize, relations: &[SparseVec], parts: &[(u32, u32)]) -> Links {
        let mut relations_of = vec![Vec::new(); cells];
        for (at, r) in relations.iter().enumerate() {
            for c in r.indices() {
                relations_of[c as usize].push(at as u32);
            }
        }
        let mut parts_of = vec![Vec::new(); cells];
        for (at, (part, whole)) in parts.iter().enumerate() {
            parts_of[*part as usize].push(at as u32);
            parts_of[*whole as usize].push(at as u32);
        }
        Links {
            relations_of,
            parts_of,
        }
    }

    /// The relations `cell` is in (indices into the relations it was built from).
    pub fn relations_of(&self, cell: u32) -> &[u32] {
        &self.relations_of[cell as usize]
    }

    /// The parts `cell` is the part or the whole of.
    pub fn parts_of(&self, cell: u32) -> &[u32] {
        &self.parts_of[cell as usize]
    }

    /// The cells sharing a relation or a part with any of `from`, sorted, once each.
    pub fn near(&self, from: &[u32], relations: &[SparseVec], parts: &[(u32, u32)]) -> Vec<u32> {
        let mut found: Vec<u32> = from
            .iter()
            .flat_map(|c| {
                self.relations_of(*c)
                    .iter()
                    .flat_map(|r| relations[*r as usize].indices())
                    .chain(self.parts_of(*c).iter().flat_map(|at| {
                        let (part, whole) = parts[*at as usize];
                        [part, whole]
                    }))
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// A system as a reader sees it: which cells are unknown, and what relates them.
pub struct System<'a> {
    /// Relations over all cells: `Σ coef · x = 0`.
    pub relations: &'a [SparseVec],
    /// (part, whole): `x_whole − x_part ≥ 0`.
    pub parts: &'a [(u32, u32)],
    /// Which relations and parts each cell is in.
    pub links: &'a Links,
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
        let (unknowns, relations, parts) = self.reachable(&start);
        let mut problem = ProblemVariables::new();
        let vars: HashMap<u32, Variable> = unknowns
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
        let mut constraints = Vec::new();
        for relation in relations {
            let (e, c) = linear(&mut relation.entries().iter().map(|(c, k)| (*c, *k as f64)));
            constraints.push(e.eq(-c));
        }
        for (part, whole) in parts {
            let (e, c) = linear(&mut [(whole, 1.0), (part, -1.0)].into_iter());
            constraints.push(e.geq(-c));
        }
        let (objective, _) = linear(&mut target.entries().iter().map(|(c, k)| (*c, *k as f64)));
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

    /// The hidden cells linked to `start` through relations and parts that hold hidden
    /// cells, with those relations and parts.
    fn reachable(&self, start: &[u32]) -> (Vec<u32>, Vec<&SparseVec>, Vec<(u32, u32)>) {
        let hidden = |c: u32| self.shown[c as usize].is_none();
        let mut cells: BTreeSet<u32> = start.iter().copied().collect();
        let mut relations = BTreeSet::new();
        let mut parts = BTreeSet::new();
        let mut queue: Vec<u32> = start.to_vec();
        while let Some(cell) = queue.pop() {
            for &at in self.links.relations_of(cell) {
                if relations.insert(at) {
                    for other in self.relations[at as usize].indices().filter(|c| hidden(*c)) {
                        if cells.insert(other) {
                            queue.push(other);
                        }
                    }
                }
            }
            for &at in self.links.parts_of(cell) {
                if parts.insert(at) {
                    let (part, whole) = self.parts[at as usize];
                    for other in [part, whole].into_iter().filter(|c| hidden(*c)) {
                        if cells.insert(other) {
                            queue.push(other);
                        }
                    }
                }
            }
        }
        (
            cells.into_iter().collect(),
            relations
                .into_iter()
                .map(|at| &self.relations[at as usize])
                .collect(),
            parts
                .into_iter()
                .map(|at| self.parts[at as usize])
                .collect(),
        )
    }
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
        let links = Links::new(shown.len(), relations, parts);
        System {
            relations,
            parts,
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
}
