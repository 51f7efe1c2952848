//! Which cells of a publication are hidden (method: `docs/rojandekontroll.md`).
//!
//! 1. **Primary**: every count from 1 to `threshold − 1`, and every cell of a population
//!    (a table's group) whose n is that small, zeros included, so that a label or a
//!    zero beside a hidden cell tells nothing about a few people.
//! 2. **Secondary, exact**: Gaussian elimination as in Statistics Norway's
//!    GaussSuppression. The ways the true numbers could differ and still satisfy every
//!    relation are the null space of the relations; publishing a cell removes the
//!    directions that would change it. Cells are published in order (zeros, cells too
//!    small to protect anything, then the largest first), and a cell is hidden instead
//!    when publishing it would leave a protected number with no direction that moves
//!    it: the number would follow exactly from what is shown.
//! 3. **Secondary, intervals**: for each hidden small count and each small rest, the
//!    reader's own linear program ([`System::interval`]) finds how far it can be
//!    narrowed; while that is narrower than the threshold, the published cell nearest
//!    to it that widens it most (the smallest that is enough, a count before an n,
//!    since hiding an n hides every share of it) is hidden too.
//!
//! The rest between a part and its whole (a count shown as a share of another) is never
//! shown but is protected like any count, "9 of 13" saying that 4 did not: it is a
//! linear function of two cells. Hiding more never makes a hidden number easier to
//! find, so each step keeps what the one before achieved.
//!
//! A hidden zero that follows from the shown zeros ([`super::known_zeros`]) is known to
//! the reader: it is not protected, and counts as published in step 2.
//!
//! Cells an earlier publication decided ([`super::ledger`]) keep their fate: those shown
//! are published first, whatever they take away (the reader has them), and neither step
//! hides them; those hidden stay hidden.

use std::collections::HashMap;

use super::bounds::{Constraints, Links, System};
use super::linear::{IdSet, SparseVec, null_space, positions};
use super::{CellId, Cells, Publication, Reason, known_zeros};

/// What the engine decided for a publication.
pub(super) struct Decision {
    /// The reason each cell is shown or hidden, by cell.
    pub reasons: Vec<Reason>,
    /// The numbers (cells, and rests as `whole − part`) below the threshold that no
    /// hiding could protect: pinned down, or narrowed, by what was published before.
    pub unprotected: Vec<String>,
}

/// Decides what of `publication` is shown.
pub(super) fn protect(publication: &Publication, threshold: i64) -> Decision {
    let cells = &publication.cells;
    let small = |v: i64| (1..threshold).contains(&v);
    let mut reasons: Vec<Reason> = cells
        .values
        .iter()
        .map(|v| {
            if small(*v) {
                Reason::Small
            } else {
                Reason::Shown
            }
        })
        .collect();
    for (n, members) in &publication.populations {
        if small(cells.values[n.index()]) {
            for cell in members.iter().chain(std::iter::once(n)) {
                reasons[cell.index()] = Reason::SmallGroup;
            }
        }
    }
    let mut fixed = vec![false; reasons.len()];
    for (cell, reason) in &publication.decided {
        reasons[cell.index()] = *reason;
        fixed[cell.index()] = true;
    }
    let floors = floors(publication, threshold);
    let mut groups_of: HashMap<u32, Vec<usize>> = HashMap::new();
    for (at, (_, members)) in publication.populations.iter().enumerate() {
        for member in members {
            groups_of.entry(member.0).or_default().push(at);
        }
    }
    let groups = Groups {
        populations: &publication.populations,
        of: &groups_of,
    };
    let mut unprotected = Vec::new();
    // A component decided whole by earlier publications has nothing left to decide.
    for component in components(cells)
        .into_iter()
        .filter(|c| c.cells.iter().any(|cell| !fixed[*cell as usize]))
    {
        unprotected.extend(protect_component(
            cells,
            &component,
            threshold,
            &floors,
            &fixed,
            &groups,
            &mut reasons,
        ));
    }
    Decision {
        reasons,
        unprotected,
    }
}

/// The populations of a publication, and which of them each cell is a member of.
struct Groups<'a> {
    populations: &'a [(CellId, Vec<CellId>)],
    of: &'a HashMap<u32, Vec<usize>>,
}

/// The least value a reader knows each cell to have if hidden. A hidden count above
/// zero is taken to be known to be at least 1: zeros are shown wherever a population is
/// large enough, and a label says someone is there. In a population too small to show,
/// every cell is hidden, zeros too, so its counts may be 0 for all a reader knows; but
/// the n of every population above zero is at least 1, since its group (a column, a
/// report) is named only when someone is in it. This credits the reader with all they
/// may know, never less.
pub(super) fn floors(publication: &Publication, threshold: i64) -> Vec<i64> {
    let cells = &publication.cells;
    let mut floors: Vec<i64> = cells.values.iter().map(|v| i64::from(*v > 0)).collect();
    let named: std::collections::HashSet<CellId> =
        publication.populations.iter().map(|(n, _)| *n).collect();
    for (n, members) in &publication.populations {
        if (1..threshold).contains(&cells.values[n.index()]) {
            for cell in members.iter().filter(|m| !named.contains(m)) {
                floors[cell.index()] = 0;
            }
        }
    }
    for (cell, reason) in &publication.decided {
        if *reason == Reason::ClosedGroup {
            floors[cell.index()] = 0;
        }
    }
    floors
}

/// A group of cells linked by relations, parts or inequalities, with those (by index
/// into the publication's).
#[derive(Default)]
struct Component {
    cells: Vec<u32>,
    relations: Vec<usize>,
    parts: Vec<usize>,
    inequalities: Vec<usize>,
}

fn components(cells: &Cells) -> Vec<Component> {
    let n = cells.values.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            parent[i as usize] = parent[parent[i as usize] as usize];
            i = parent[i as usize];
        }
        i
    }
    let join = |parent: &mut Vec<u32>, a: u32, b: u32| {
        let (a, b) = (root(parent, a), root(parent, b));
        if a != b {
            parent[a.max(b) as usize] = a.min(b);
        }
    };
    for constraint in cells.relations.iter().chain(&cells.inequalities) {
        let mut members = constraint.indices();
        if let Some(first) = members.next() {
            for other in members {
                join(&mut parent, first, other);
            }
        }
    }
    for (part, whole) in &cells.parts {
        join(&mut parent, *part, *whole);
    }
    let mut group_of_root: HashMap<u32, usize> = HashMap::new();
    let mut groups: Vec<Component> = Vec::new();
    for i in 0..n as u32 {
        let r = root(&mut parent, i);
        let at = *group_of_root.entry(r).or_insert_with(|| {
            groups.push(Component::default());
            groups.len() - 1
        });
        groups[at].cells.push(i);
    }
    for (at, relation) in cells.relations.iter().enumerate() {
        if let Some(first) = relation.indices().next() {
            groups[group_of_root[&root(&mut parent, first)]]
                .relations
                .push(at);
        }
    }
    for (at, (part, _)) in cells.parts.iter().enumerate() {
        groups[group_of_root[&root(&mut parent, *part)]]
            .parts
            .push(at);
    }
    for (at, inequality) in cells.inequalities.iter().enumerate() {
        if let Some(first) = inequality.indices().next() {
            groups[group_of_root[&root(&mut parent, first)]]
                .inequalities
                .push(at);
        }
    }
    groups
}

/// Whether elimination must keep a direction that moves a number: a hidden number
/// below the threshold must not follow exactly. (Intervals are widened afterwards by
/// [`widen`], with the reader's own linear program.)
fn protected(hidden: bool, value: i64, threshold: i64) -> bool {
    hidden && value < threshold
}

/// Decides a component's cells into `reasons`; returns the names of the numbers it
/// could not protect.
fn protect_component(
    cells: &Cells,
    component: &Component,
    threshold: i64,
    floors: &[i64],
    fixed: &[bool],
    groups: &Groups,
    reasons: &mut [Reason],
) -> Vec<String> {
    if component.relations.is_empty()
        && component.parts.is_empty()
        && component.inequalities.is_empty()
    {
        return Vec::new();
    }
    let global = |local: u32| component.cells[local as usize] as usize;
    let local_of = positions(&component.cells);
    let relations: Vec<SparseVec> = component
        .relations
        .iter()
        .map(|at| cells.relations[*at].remap(|c| local_of.get(&c).copied()))
        .collect();
    let inequalities: Vec<SparseVec> = component
        .inequalities
        .iter()
        .map(|at| cells.inequalities[*at].remap(|c| local_of.get(&c).copied()))
        .collect();
    let parts: Vec<(u32, u32)> = component
        .parts
        .iter()
        .map(|at| {
            let (part, whole) = cells.parts[*at];
            (local_of[&part], local_of[&whole])
        })
        .collect();
    let size = component.cells.len() as u32;
    let value = |local: u32| cells.values[global(local)];
    let key = |local: u32| cells.keys[global(local)].as_str();
    let mut relations_per_cell = vec![0i64; size as usize];
    for r in &relations {
        for c in r.indices() {
            relations_per_cell[c as usize] += 1;
        }
    }
    // Aggregates as pivots: the larger a cell and the more sums it is in, the more
    // likely it is a total of others.
    let basis = null_space(size as usize, &relations, |c| {
        value(c).saturating_mul(64) + relations_per_cell[c as usize]
    });
    let values: Vec<i64> = (0..size).map(value).collect();
    let mut floors: Vec<i64> = (0..size).map(|l| floors[global(l)]).collect();
    let links = Links::new(
        size as usize,
        Constraints {
            relations: &relations,
            parts: &parts,
            inequalities: &inequalities,
        },
    );
    let fixed: Vec<bool> = (0..size).map(|l| fixed[global(l)]).collect();
    let keys: Vec<&str> = (0..size).map(key).collect();
    // A hidden zero that follows from the shown zeros is known to the reader and no
    // one's count: not protected, and published as far as elimination goes. Which zeros
    // are shown is known only once decided (a zero may be hidden to protect another
    // number), so the decision is made again, knowing fewer zeros, until it shows all
    // the zeros it assumed.
    let mut primary: Vec<Reason> = (0..size).map(|l| reasons[global(l)]).collect();
    let seen_zeros = |decided: &[Reason]| -> Vec<bool> {
        (0..size as usize)
            .map(|l| decided[l] == Reason::Shown && values[l] == 0)
            .collect()
    };
    let mut known_zero = known_zeros(links.constraints, seen_zeros(&primary));
    loop {
        let local = Local {
            parts: &parts,
            links: &links,
            values: &values,
            floors: &floors,
            fixed: &fixed,
            keys: &keys,
        };
        let (decided, unprotected) =
            decide(&local, basis.clone(), &primary, &known_zero, threshold);
        // A small count that hiding cannot protect (its n and the rest of its group were
        // published before): its group is hidden whole, zeros too, and decided again.
        let closing: Vec<u32> = unprotected
            .too_narrow
            .iter()
            .flat_map(|(_, cells)| cells)
            .flat_map(|c| groups.of.get(&(global(*c) as u32)).into_iter().flatten())
            .filter(|at| {
                let n = groups.populations[**at].0;
                local_of
                    .get(&n.0)
                    .is_some_and(|n| !decided[*n as usize].is_hidden())
            })
            .flat_map(|at| groups.populations[*at].1.iter())
            .filter_map(|member| local_of.get(&member.0).copied())
            .filter(|m| !fixed[*m as usize] && primary[*m as usize] != Reason::ClosedGroup)
            .collect();
        if !closing.is_empty() {
            for m in closing {
                primary[m as usize] = Reason::ClosedGroup;
                floors[m as usize] = 0;
            }
            continue;
        }
        let known_now = known_zeros(links.constraints, seen_zeros(&decided));
        if known_zero
            .iter()
            .zip(&known_now)
            .all(|(was, is)| !was || *is)
        {
            for (l, reason) in decided.into_iter().enumerate() {
                reasons[global(l as u32)] = reason;
            }
            let too_narrow = unprotected.too_narrow.into_iter().map(|(name, _)| name);
            return too_narrow.chain(unprotected.pinned).collect();
        }
        for (was, is) in known_zero.iter_mut().zip(known_now) {
            *was &= is;
        }
    }
}

/// The numbers of a component that hiding could not protect.
struct Unprotected {
    /// Pinned down by what was published before ([`Elimination::force`]), by name.
    pinned: Vec<String>,
    /// Left narrower than the threshold ([`widen`]): by name, with their cells.
    too_narrow: Vec<(String, Vec<u32>)>,
}

/// Steps 2 and 3 for one component (in its own numbering), from the primary decisions
/// and the zeros the reader knows. Returns the decisions, and the numbers hiding could
/// not protect.
fn decide(
    local: &Local,
    basis: Vec<SparseVec>,
    primary: &[Reason],
    known_zero: &[bool],
    threshold: i64,
) -> (Vec<Reason>, Unprotected) {
    let mut reasons = primary.to_vec();
    let size = local.values.len() as u32;
    let values = local.values;
    let mut needs: Vec<bool> = (0..size as usize)
        .map(|l| protected(reasons[l].is_hidden(), values[l], threshold) && !known_zero[l])
        .collect();
    // A rest is never shown, and a rest of zero is what a full share says of a
    // population large enough to show: the others are protected from the start.
    needs.extend(local.parts.iter().map(|(part, whole)| {
        let rest = values[*whole as usize] - values[*part as usize];
        rest > 0 && rest < threshold
    }));
    let mut state = Elimination::new(basis, values, local.parts, local.links, needs);
    // Publication order: zeros, then cells too small to be good partners (a hidden
    // partner must leave a small count room to move), then the largest first. The
    // cells that come last are the ones hidden when one must be: the smallest of those
    // large enough to protect.
    let rank = |l: u32| {
        let v = values[l as usize];
        let class = match v {
            0 => 0,
            v if v < 2 * threshold => 1,
            _ => 2,
        };
        (class, std::cmp::Reverse(v), local.keys[l as usize])
    };
    let (published_before, mut order): (Vec<u32>, Vec<u32>) = (0..size)
        .filter(|l| reasons[*l as usize] == Reason::Shown)
        .partition(|l| local.fixed[*l as usize]);
    let known: Vec<u32> = (0..size)
        .filter(|l| reasons[*l as usize].is_hidden() && known_zero[*l as usize])
        .collect();
    for cell in published_before.into_iter().chain(known) {
        state.force(cell);
    }
    let pinned = state
        .given_up
        .iter()
        .map(|target| match target.checked_sub(size as usize) {
            None => local.keys[*target].to_string(),
            Some(at) => local.rest_name(at),
        })
        .collect();
    order.sort_by(|a, b| rank(*a).cmp(&rank(*b)));
    for cell in order {
        if !state.publish(cell) {
            reasons[cell as usize] = Reason::Secondary;
            state.needs[cell as usize] = protected(true, values[cell as usize], threshold);
        }
    }
    let mut hidden: Vec<bool> = reasons.iter().map(|r| r.is_hidden()).collect();
    let (added, too_narrow) = widen(local, &mut hidden, threshold);
    for cell in added {
        reasons[cell as usize] = Reason::Secondary;
    }
    (reasons, Unprotected { pinned, too_narrow })
}

/// A component in its own numbering, for [`widen`].
struct Local<'a> {
    parts: &'a [(u32, u32)],
    links: &'a Links<'a>,
    values: &'a [i64],
    floors: &'a [i64],
    /// Decided by an earlier publication: never hidden now.
    fixed: &'a [bool],
    keys: &'a [&'a str],
}

impl Local<'_> {
    /// How the rest of part `at` is named.
    fn rest_name(&self, at: usize) -> String {
        let (part, whole) = self.parts[at];
        super::rest_name(self.keys[whole as usize], self.keys[part as usize])
    }
}

/// Step 3: while a hidden small count, or a small rest, can be narrowed by a reader to
/// an interval narrower than `threshold` (the reader's own linear program), hides the
/// published cell nearest to it that widens it most, smallest first. Returns the cells
/// it hid, and the numbers it could not widen enough (by name, with their cells).
fn widen(
    local: &Local,
    hidden: &mut [bool],
    threshold: i64,
) -> (Vec<u32>, Vec<(String, Vec<u32>)>) {
    let size = local.values.len();
    let small = |v: i64| (1..threshold).contains(&v);
    let near = |from: &[u32]| local.links.near(from);
    let mut whole = vec![false; size];
    for (_, w) in local.parts {
        whole[*w as usize] = true;
    }
    // Targets: hidden small counts and small rests, as linear functions of the cells.
    let mut targets: Vec<(String, SparseVec, Vec<u32>)> = Vec::new();
    for c in 0..size as u32 {
        if hidden[c as usize] && small(local.values[c as usize]) {
            targets.push((
                local.keys[c as usize].to_string(),
                SparseVec::from_pairs([(c, 1)]),
                vec![c],
            ));
        }
    }
    for (at, (part, whole)) in local.parts.iter().enumerate() {
        // With one side published and the other a hidden small count, the rest is that
        // count shifted: its interval is as wide, and that count is tried itself. (Hiding
        // more later only widens it.)
        let checked = |c: u32| hidden[c as usize] && small(local.values[c as usize]);
        let shifted = (!hidden[*whole as usize] && checked(*part))
            || (!hidden[*part as usize] && checked(*whole));
        if !shifted && small(local.values[*whole as usize] - local.values[*part as usize]) {
            targets.push((
                local.rest_name(at),
                SparseVec::from_pairs([(*whole, 1), (*part, -1)]),
                vec![*part, *whole],
            ));
        }
    }
    targets.sort_by(|a, b| a.0.cmp(&b.0));
    let mut added = Vec::new();
    let mut unprotected = Vec::new();
    for (name, target, cells) in targets {
        let width_of = |shown: &[Option<i64>]| {
            System {
                links: local.links,
                shown,
                floor: local.floors,
            }
            .interval(&target)
            .width()
        };
        let mut shown: Vec<Option<i64>> = (0..size)
            .map(|c| (!hidden[c]).then_some(local.values[c]))
            .collect();
        let mut width = width_of(&shown);
        while width < threshold {
            // Partners, nearest first: the published cells one relation or part away
            // from the target's cells, then from the hidden cells next to those, then
            // beside any hidden cell; a ring is only looked at when the one before it
            // had nothing wide enough. Smallest first within a ring.
            let inner = near(&cells);
            let mut chosen = None;
            let mut widest: Option<(u32, i64)> = None;
            for ring in 0..3 {
                let around = match ring {
                    0 => inner.clone(),
                    1 => near(
                        &inner
                            .iter()
                            .copied()
                            .filter(|c| hidden[*c as usize])
                            .collect::<Vec<_>>(),
                    ),
                    _ => near(
                        &(0..size as u32)
                            .filter(|c| hidden[*c as usize])
                            .collect::<Vec<_>>(),
                    ),
                };
                let mut candidates: Vec<u32> = around
                    .into_iter()
                    .filter(|c| {
                        !hidden[*c as usize]
                            && !local.fixed[*c as usize]
                            && local.values[*c as usize] > 0
                    })
                    .collect();
                // An n is hidden last: without it every share of it goes too.
                candidates.sort_by_key(|c| {
                    (
                        whole[*c as usize],
                        local.values[*c as usize],
                        local.keys[*c as usize],
                    )
                });
                for candidate in candidates.into_iter().take(16) {
                    shown[candidate as usize] = None;
                    let trial = width_of(&shown);
                    shown[candidate as usize] = Some(local.values[candidate as usize]);
                    if trial >= threshold {
                        chosen = Some((candidate, trial));
                        break;
                    }
                    if widest.is_none_or(|(_, w)| trial > w) {
                        widest = Some((candidate, trial));
                    }
                }
                if chosen.is_some() {
                    break;
                }
            }
            // Nothing near it left to hide: it is as wide as hiding can make it.
            let Some((hide, wider)) = chosen.or(widest) else {
                unprotected.push((name, cells));
                break;
            };
            hidden[hide as usize] = true;
            shown[hide as usize] = None;
            width = wider;
            added.push(hide);
        }
    }
    (added, unprotected)
}

/// The null space of a component's relations, narrowed as cells are published.
///
/// Targets are the cells (`0..cells`) and the rests of the parts (`cells..`).
struct Elimination<'a> {
    vectors: Vec<Option<SparseVec>>,
    /// For each cell, the vectors with a non-zero coefficient there.
    holders: Vec<IdSet<u32>>,
    cells: usize,
    parts: &'a [(u32, u32)],
    links: &'a Links<'a>,
    /// Which targets must keep a direction that moves them.
    needs: Vec<bool>,
    /// For each target, a vector last seen to move it.
    mover: Vec<Option<u32>>,
    /// The targets publishing a cell shown before left with nothing to move them.
    given_up: Vec<usize>,
}

impl<'a> Elimination<'a> {
    fn new(
        basis: Vec<SparseVec>,
        values: &[i64],
        parts: &'a [(u32, u32)],
        links: &'a Links<'a>,
        needs: Vec<bool>,
    ) -> Self {
        let mut holders = vec![IdSet::default(); values.len()];
        for (id, v) in basis.iter().enumerate() {
            for c in v.indices() {
                holders[c as usize].insert(id as u32);
            }
        }
        let targets = needs.len();
        Elimination {
            vectors: basis.into_iter().map(Some).collect(),
            holders,
            cells: values.len(),
            parts,
            links,
            needs,
            mover: vec![None; targets],
            given_up: Vec::new(),
        }
    }

    /// How much a step along `direction` moves `target`.
    fn effect(&self, direction: &SparseVec, target: usize) -> i128 {
        match target.checked_sub(self.cells) {
            None => direction.get(target as u32),
            Some(at) => {
                let (part, whole) = self.parts[at];
                direction.get(whole) - direction.get(part)
            }
        }
    }

    /// The vectors that may move `target`, once `replaced` and the pivot are applied.
    fn candidates(
        &self,
        target: usize,
        pivot: u32,
        replaced: &HashMap<u32, SparseVec>,
    ) -> Vec<u32> {
        let cells: Vec<u32> = match target.checked_sub(self.cells) {
            None => vec![target as u32],
            Some(at) => {
                let (part, whole) = self.parts[at];
                vec![part, whole]
            }
        };
        let mut ids: Vec<u32> = cells
            .iter()
            .flat_map(|c| self.holders[*c as usize].iter().copied())
            .filter(|id| *id != pivot && !replaced.contains_key(id))
            .chain(replaced.keys().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// A vector among `ids` (reading replaced ones from `replaced`) that moves `target`.
    fn mover(&self, target: usize, ids: &[u32], replaced: &HashMap<u32, SparseVec>) -> Option<u32> {
        ids.iter().copied().find(|id| {
            let v = replaced
                .get(id)
                .or(self.vectors[*id as usize].as_ref())
                .expect("live vector");
            self.effect(v, target) != 0
        })
    }

    /// Publishes `cell` unless that would leave a protected number with no direction
    /// that moves it: then nothing changes and the answer is false.
    fn publish(&mut self, cell: u32) -> bool {
        self.eliminate(cell, false)
    }

    /// Publishes `cell`, which an earlier publication showed. A number it leaves with no
    /// direction that moves it is pinned down by what is out already (together with a
    /// relation this publication adds, perhaps): nothing hidden now can protect it, so it
    /// is given up rather than hiding everything around it, and named
    /// ([`super::Protected::unprotected`]).
    fn force(&mut self, cell: u32) {
        self.eliminate(cell, true);
    }

    fn eliminate(&mut self, cell: u32, forced: bool) -> bool {
        let mut holding: Vec<u32> = self.holders[cell as usize].iter().copied().collect();
        holding.sort_unstable();
        // The pivot is the vector that goes: preferably one no protected cell relies on.
        let Some(&pivot_id) = holding.iter().min_by_key(|id| {
            let v = self.vectors[**id as usize].as_ref().expect("live vector");
            let relied_on = v.indices().any(|c| self.needs[c as usize]);
            (relied_on, v.len(), **id)
        }) else {
            // Already follows from what is published: showing it tells nothing new.
            return true;
        };
        let pivot = self.vectors[pivot_id as usize]
            .clone()
            .expect("holders name live vectors");
        let replaced: HashMap<u32, SparseVec> = holding
            .iter()
            .filter(|id| **id != pivot_id)
            .map(|id| {
                let old = self.vectors[*id as usize].as_ref().expect("live vector");
                (*id, old.eliminate(cell, &pivot))
            })
            .collect();
        // The numbers whose set of directions changes: the cells of the changed
        // vectors, and the rests those cells are in.
        let mut touched: Vec<usize> = pivot.indices().map(|c| c as usize).collect();
        for (id, new) in &replaced {
            touched.extend(
                self.vectors[*id as usize]
                    .as_ref()
                    .expect("live")
                    .indices()
                    .map(|c| c as usize),
            );
            touched.extend(new.indices().map(|c| c as usize));
        }
        let rests: Vec<usize> = touched
            .iter()
            .flat_map(|c| {
                self.links
                    .parts_of(*c as u32)
                    .iter()
                    .map(|at| self.cells + *at as usize)
            })
            .collect();
        touched.extend(rests);
        touched.sort_unstable();
        touched.dedup();
        let mut movers = Vec::new();
        let mut lost = Vec::new();
        for target in touched {
            if !self.needs[target] {
                continue;
            }
            // A mover still moves it while the vector stays as it is.
            let holds = self.mover[target].is_some_and(|id| {
                id != pivot_id && !replaced.contains_key(&id) && self.vectors[id as usize].is_some()
            });
            if holds {
                continue;
            }
            let ids = self.candidates(target, pivot_id, &replaced);
            match self.mover(target, &ids, &replaced) {
                Some(found) => movers.push((target, found)),
                None if forced => lost.push(target),
                None => return false,
            }
        }
        for (target, found) in movers {
            self.mover[target] = Some(found);
        }
        for target in lost {
            self.needs[target] = false;
            self.mover[target] = None;
            self.given_up.push(target);
        }
        for c in pivot.indices() {
            self.holders[c as usize].remove(&pivot_id);
        }
        self.vectors[pivot_id as usize] = None;
        for (id, new) in replaced {
            let old = self.vectors[id as usize].take().expect("live vector");
            for c in old.indices() {
                self.holders[c as usize].remove(&id);
            }
            for c in new.indices() {
                self.holders[c as usize].insert(id);
            }
            self.vectors[id as usize] = Some(new);
        }
        true
    }
}
