//! Exact linear algebra over the whole numbers, for disclosure control: sparse vectors,
//! the null space of a set of relations between cells, and elimination.
//!
//! Every operation is fraction-free (`a·x − b·y`, then divided by the greatest common
//! divisor), so no rounding can make a dependent cell look independent or the reverse.
//! The relations of a publication have coefficients ±1; elimination keeps them small.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A coefficient. Wide, so that elimination over long chains of sums cannot overflow.
pub type Coef = i128;

/// Hashes small whole-number ids by multiplication: the sets of ids elimination keeps
/// are hit millions of times, and need no protection against chosen keys.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A set of ids hashed with [`IdHasher`].
pub type IdSet<T> = HashSet<T, BuildHasherDefault<IdHasher>>;

/// A sparse vector: (index, coefficient) sorted by index, no zero coefficients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SparseVec {
    entries: Vec<(u32, Coef)>,
}

fn gcd(mut a: Coef, mut b: Coef) -> Coef {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl SparseVec {
    /// From (index, coefficient) pairs in any order; repeated indices add up.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (u32, Coef)>) -> SparseVec {
        let mut sums: BTreeMap<u32, Coef> = BTreeMap::new();
        for (i, c) in pairs {
            *sums.entry(i).or_default() += c;
        }
        SparseVec {
            entries: sums.into_iter().filter(|(_, c)| *c != 0).collect(),
        }
    }

    /// The same relation `v = 0` written one way: divided by the coefficients' common
    /// divisor, the first coefficient positive.
    pub fn normalised(&self) -> SparseVec {
        let mut normalised = self.clone();
        normalised.reduce();
        if normalised.entries.first().is_some_and(|(_, c)| *c < 0) {
            for (_, c) in &mut normalised.entries {
                *c = -*c;
            }
        }
        normalised
    }

    pub fn entries(&self) -> &[(u32, Coef)] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&self, index: u32) -> Coef {
        self.entries
            .binary_search_by_key(&index, |(i, _)| *i)
            .map_or(0, |at| self.entries[at].1)
    }

    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.iter().map(|(i, _)| *i)
    }

    /// The same coefficients at other indices: `to` gives each index its new one, or
    /// `None` to leave it out.
    pub fn remap(&self, to: impl Fn(u32) -> Option<u32>) -> SparseVec {
        SparseVec::from_pairs(
            self.entries
                .iter()
                .filter_map(|(i, c)| to(*i).map(|j| (j, *c))),
        )
    }

    /// `a·x + b·y`, divided by the gcd of its coefficients.
    pub fn combine(a: Coef, x: &SparseVec, b: Coef, y: &SparseVec) -> SparseVec {
        let mut entries = Vec::with_capacity(x.len() + y.len());
        let (mut i, mut j) = (0, 0);
        while i < x.entries.len() || j < y.entries.len() {
            let next = match (x.entries.get(i), y.entries.get(j)) {
                (Some(&(xi, xc)), Some(&(yi, yc))) if xi == yi => {
                    i += 1;
                    j += 1;
                    (xi, a * xc + b * yc)
                }
                (Some(&(xi, xc)), Some(&(yi, _))) if xi < yi => {
                    i += 1;
                    (xi, a * xc)
                }
                (Some(&(xi, xc)), None) => {
                    i += 1;
                    (xi, a * xc)
                }
                (_, Some(&(yi, yc))) => {
                    j += 1;
                    (yi, b * yc)
                }
                (None, None) => unreachable!("the loop ends first"),
            };
            if next.1 != 0 {
                entries.push(next);
            }
        }
        let mut v = SparseVec { entries };
        v.reduce();
        v
    }

    /// Removes `index` from `self` using `pivot` (whose coefficient there is non-zero).
    pub fn eliminate(&self, index: u32, pivot: &SparseVec) -> SparseVec {
        let (own, theirs) = (self.get(index), pivot.get(index));
        if own == 0 {
            return self.clone();
        }
        let g = gcd(own, theirs);
        SparseVec::combine(theirs / g, self, -(own / g), pivot)
    }

    fn reduce(&mut self) {
        let g = self.entries.iter().fold(0, |g, (_, c)| gcd(g, *c));
        if g > 1 {
            for (_, c) in &mut self.entries {
                *c /= g;
            }
        }
    }
}

/// Where each of `indices` stands in it: the inverse of a renumbering.
pub fn positions(indices: &[u32]) -> HashMap<u32, u32> {
    indices
        .iter()
        .enumerate()
        .map(|(at, i)| (*i, at as u32))
        .collect()
}

/// A basis of the null space of `relations` (each a vector over `0..columns`): every
/// vector `d` with `r·d = 0` for every relation `r` is a combination of the basis.
///
/// `prefer` ranks columns as pivots: a column with a higher rank is expressed through
/// the others. Publications prefer aggregates (totals) as pivots, so the basis vectors
/// stay close to "one inner cell and every total it is part of", which keeps them sparse.
pub fn null_space(
    columns: usize,
    relations: &[SparseVec],
    prefer: impl Fn(u32) -> i64,
) -> Vec<SparseVec> {
    let mut rows: Vec<SparseVec> = Vec::new();
    let mut pivots: Vec<u32> = Vec::new();
    let mut pivot_row: Vec<Option<usize>> = vec![None; columns];
    // Which rows hold each column, to back-substitute without scanning every row.
    let mut holders: Vec<IdSet<usize>> = vec![IdSet::default(); columns];
    for relation in relations {
        let mut row = relation.clone();
        // A pivot row holds only pivots of rows added after it, so eliminating the
        // oldest first never brings an eliminated column back.
        while let Some(at) = row.indices().filter_map(|c| pivot_row[c as usize]).min() {
            row = row.eliminate(pivots[at], &rows[at]);
        }
        let Some(pivot) = row
            .indices()
            .max_by_key(|c| (prefer(*c), std::cmp::Reverse(*c)))
        else {
            continue;
        };
        let at = rows.len();
        for column in row.indices() {
            holders[column as usize].insert(at);
        }
        rows.push(row);
        pivots.push(pivot);
        pivot_row[pivot as usize] = Some(at);
    }
    // Back-substitution, newest pivot first: afterwards each row holds its own pivot and
    // free columns only.
    for at in (0..rows.len()).rev() {
        let pivot = pivots[at];
        let others: Vec<usize> = holders[pivot as usize]
            .iter()
            .copied()
            .filter(|r| *r != at)
            .collect();
        for other in others {
            let after = rows[other].eliminate(pivot, &rows[at]);
            for column in rows[other].indices() {
                holders[column as usize].remove(&other);
            }
            for column in after.indices() {
                holders[column as usize].insert(other);
            }
            rows[other] = after;
        }
    }
    let mut basis = Vec::new();
    for free in (0..columns as u32).filter(|c| pivot_row[*c as usize].is_none()) {
        let mut holding: Vec<usize> = holders[free as usize].iter().copied().collect();
        holding.sort_unstable();
        // x_free = L, x_pivot = −a·L / p for each row p·x_pivot + a·x_free + … = 0.
        let scale = holding.iter().fold(1, |l: Coef, r| {
            let p = rows[*r].get(pivots[*r]).abs();
            l / gcd(l, p) * p
        });
        let mut pairs = vec![(free, scale)];
        for r in holding {
            let (p, a) = (rows[r].get(pivots[r]), rows[r].get(free));
            pairs.push((pivots[r], -a * scale / p));
        }
        let mut v = SparseVec::from_pairs(pairs);
        v.reduce();
        basis.push(v);
    }
    basis
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &SparseVec, b: &SparseVec) -> Coef {
        a.entries().iter().map(|(i, c)| c * b.get(*i)).sum()
    }

    #[test]
    fn combine_merges_and_reduces() {
        let x = SparseVec::from_pairs([(0, 2), (3, 4)]);
        let y = SparseVec::from_pairs([(0, 1), (2, 2)]);
        let z = SparseVec::combine(1, &x, -2, &y);
        assert_eq!(z.entries(), &[(2, -1), (3, 1)]);
    }

    #[test]
    fn null_space_of_a_two_way_table() {
        // Cells: a b | ab ; c d | cd ; ac bd | t  (indices 0..9).
        // Rows: a+b=ab, c+d=cd; columns: a+c=ac, b+d=bd; total: ab+cd=t, ac+bd=t.
        let sum = |parts: &[u32], total: u32| {
            SparseVec::from_pairs(
                parts
                    .iter()
                    .map(|p| (*p, -1))
                    .chain(std::iter::once((total, 1))),
            )
        };
        let relations = [
            sum(&[0, 1], 2),
            sum(&[3, 4], 5),
            sum(&[0, 3], 6),
            sum(&[1, 4], 7),
            sum(&[2, 5], 8),
            sum(&[6, 7], 8),
        ];
        let basis = null_space(9, &relations, |c| [0, 0, 1, 0, 0, 1, 1, 1, 2][c as usize]);
        assert_eq!(basis.len(), 4, "four inner cells are free");
        for v in &basis {
            for r in &relations {
                assert_eq!(dot(v, r), 0);
            }
        }
        // With the totals as pivots, each basis vector is one inner cell and its totals.
        assert!(basis.iter().all(|v| v.len() == 4));
    }
}
