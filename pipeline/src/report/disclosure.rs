//! Disclosure control for reports shown outside the project (`--publik`).
//!
//! Counts from 1 to `threshold − 1` are hidden (shown as `..`, SCB's older practice),
//! and so is every share whose count or denominator is hidden. Where cells add up to
//! a total (declared as `[[summor]]` in the layout file), a group with a single hidden
//! cell would let it be recomputed, so the smallest other cell is hidden too
//! (complementary suppression), until every group has no hidden cell or at least two
//! whose values cannot be pinned down. A count shown as a share of another also shows
//! the rest (denominator − count): a small rest hides the count. Age spans name
//! individuals and are hidden.
//! Breakdowns where one person may count in several rows do not add up and need no
//! complementary suppression.

use std::collections::{BTreeMap, BTreeSet};

use super::{Report, Value};

/// The default threshold: counts below 5 are hidden.
pub const DEFAULT_THRESHOLD: i64 = 5;

/// Cells that add up to a total. A part may end in `*`: every breakdown row of that query.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sum {
    pub delar: Vec<String>,
    pub total: String,
}

/// The visible counts of a report, by key.
fn counts(report: &Report) -> BTreeMap<String, i64> {
    report
        .figurer
        .iter()
        .flat_map(|f| &f.rader)
        .filter_map(|line| match line.value {
            Value::Count { antal: Some(n), .. } => Some((line.key.clone(), n)),
            _ => None,
        })
        .collect()
}

/// (count key, denominator key) of every count shown as a share of another cell.
fn share_pairs(report: &Report) -> Vec<(String, String)> {
    report
        .figurer
        .iter()
        .flat_map(|f| &f.rader)
        .filter_map(|line| match &line.value {
            Value::Count {
                namnare_nyckel: Some(denominator),
                ..
            } => Some((line.key.clone(), denominator.clone())),
            _ => None,
        })
        .collect()
}

/// A group's member keys, with `*` parts expanded to the report's breakdown rows.
fn members(sum: &Sum, all: &BTreeMap<String, i64>) -> (Vec<String>, String) {
    let mut parts = Vec::new();
    for part in &sum.delar {
        match part.strip_suffix('*') {
            Some(prefix) => parts.extend(all.keys().filter(|k| k.starts_with(prefix)).cloned()),
            None => parts.push(part.clone()),
        }
    }
    parts.retain(|k| all.contains_key(k));
    (parts, sum.total.clone())
}

/// Disclosure control's view of a table of counts: the counts by key, the pairs
/// (count, denominator) shown as shares, and the groups of cells that add up to a total.
#[derive(Debug, Clone, Default)]
pub struct Cells {
    pub counts: BTreeMap<String, i64>,
    pub shares: Vec<(String, String)>,
    pub groups: Vec<(Vec<String>, String)>,
}

impl Cells {
    fn of_report(report: &Report, sums: &[Sum]) -> Cells {
        let counts = counts(report);
        let groups = sums.iter().map(|s| members(s, &counts)).collect();
        Cells {
            shares: share_pairs(report),
            groups,
            counts,
        }
    }
}

/// Hides small counts, their complements and the shares that depend on them.
pub fn apply(report: &mut Report, sums: &[Sum], threshold: i64) {
    let hidden = hidden(&Cells::of_report(report, sums), threshold);
    for line in report.figurer.iter_mut().flat_map(|f| f.rader.iter_mut()) {
        match &mut line.value {
            Value::Count {
                antal,
                namnare,
                andel,
                namnare_nyckel,
            } => {
                if hidden.contains(&line.key) {
                    *antal = None;
                    *andel = None;
                }
                let small = namnare.is_some_and(|n| (1..threshold).contains(&n));
                if small || namnare_nyckel.as_ref().is_some_and(|k| hidden.contains(k)) {
                    *namnare = None;
                    *andel = None;
                }
            }
            Value::Span { fran, till } => {
                *fran = None;
                *till = None;
            }
        }
    }
}

/// The keys disclosure control hides: counts from 1 to `threshold − 1`, counts whose rest
/// (denominator − count) is that small, and enough others that no sum pins a hidden one.
pub fn hidden(cells: &Cells, threshold: i64) -> BTreeSet<String> {
    let all = &cells.counts;
    let mut hidden: BTreeSet<String> = all
        .iter()
        .filter(|(_, n)| (1..threshold).contains(*n))
        .map(|(k, _)| k.clone())
        .collect();
    loop {
        let mut changed = false;
        // A count shown beside its denominator also shows the rest (denominator − count):
        // when that rest is small, the count goes too.
        for (key, denominator) in &cells.shares {
            let (Some(count), Some(total)) = (all.get(key), all.get(denominator)) else {
                continue;
            };
            if !hidden.contains(key)
                && !hidden.contains(denominator)
                && (1..threshold).contains(&(total - count))
            {
                hidden.insert(key.clone());
                changed = true;
            }
        }
        for (parts, total) in &cells.groups {
            if let Some(key) = next_to_hide(parts, total, all, &hidden) {
                hidden.insert(key);
                changed = true;
            }
        }
        // Chains of sums can pin a value no single group gives away.
        if !changed && let Some(pinned) = first_pinned(&cells.groups, all, &hidden) {
            let group = cells
                .groups
                .iter()
                .find(|(parts, total)| parts.contains(&pinned) || *total == pinned);
            let more = group.and_then(|(parts, total)| {
                parts
                    .iter()
                    .chain(std::iter::once(total))
                    .filter(|k| !hidden.contains(*k) && all.get(*k).is_some_and(|n| *n > 0))
                    .min_by_key(|k| (all[*k], (*k).clone()))
                    .cloned()
            });
            if let Some(key) = more {
                hidden.insert(key);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    hidden
}

/// The cell a group still needs hidden, if any: the group leaks while exactly one of
/// its cells is hidden, or while the hidden parts can only be all ones.
fn next_to_hide(
    parts: &[String],
    total: &str,
    all: &BTreeMap<String, i64>,
    hidden: &BTreeSet<String>,
) -> Option<String> {
    let hidden_parts: Vec<&String> = parts.iter().filter(|k| hidden.contains(*k)).collect();
    let total_hidden = hidden.contains(total) || !all.contains_key(total);
    let hidden_count = hidden_parts.len() + usize::from(hidden.contains(total));
    if hidden_count == 0 {
        return None;
    }
    let leaks = if total_hidden {
        hidden_count == 1 && hidden_parts.is_empty()
    } else {
        let hidden_sum: i64 = hidden_parts.iter().map(|k| all[*k]).sum();
        hidden_parts.len() == 1 || hidden_sum == hidden_parts.len() as i64
    };
    if !leaks {
        return None;
    }
    let smallest_shown = parts
        .iter()
        .filter(|k| !hidden.contains(*k) && all[*k] > 0)
        .min_by_key(|k| (all[*k], (*k).clone()))
        .cloned();
    smallest_shown.or_else(|| (!total_hidden).then(|| total.to_string()))
}

/// The first hidden cell whose value follows from what is shown: bounds are
/// propagated through every sum (a hidden value is at least 1, since zeros are shown)
/// until they settle; a cell whose bounds meet is pinned.
fn first_pinned(
    groups: &[(Vec<String>, String)],
    all: &BTreeMap<String, i64>,
    hidden: &BTreeSet<String>,
) -> Option<String> {
    const UNBOUNDED: i64 = 1 << 40;
    let mut bounds: BTreeMap<&String, (i64, i64)> = BTreeMap::new();
    for (parts, total) in groups {
        for key in parts.iter().chain(std::iter::once(total)) {
            let known = all.get(key).filter(|_| !hidden.contains(key));
            bounds.entry(key).or_insert(match known {
                Some(n) => (*n, *n),
                None if all.contains_key(key) => (1, UNBOUNDED),
                None => (0, UNBOUNDED),
            });
        }
    }
    for _ in 0..64 {
        let mut changed = false;
        for (parts, total) in groups {
            let (total_low, total_high) = bounds[total];
            let parts_low: i64 = parts
                .iter()
                .fold(0i64, |sum, p| sum.saturating_add(bounds[p].0))
                .min(UNBOUNDED);
            let parts_high: i64 = parts
                .iter()
                .fold(0i64, |sum, p| sum.saturating_add(bounds[p].1))
                .min(UNBOUNDED);
            let mut updates = vec![(total, parts_low, parts_high)];
            for part in parts {
                let (low, high) = bounds[part];
                let others_low = parts_low - low;
                let others_high = parts_high.saturating_sub(high).min(UNBOUNDED);
                updates.push((
                    part,
                    total_low.saturating_sub(others_high).max(0),
                    total_high.saturating_sub(others_low),
                ));
            }
            for (key, low, high) in updates {
                let entry = bounds.get_mut(key).expect("every member has bounds");
                let next = (
                    entry.0.max(low).clamp(0, UNBOUNDED),
                    entry.1.min(high).clamp(0, UNBOUNDED),
                );
                if next != *entry {
                    *entry = next;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    bounds
        .iter()
        .find(|(key, (low, high))| hidden.contains(**key) && low == high)
        .map(|(key, _)| (*key).clone())
}

/// Checks a published report: no shown count is small, and within every group each
/// hidden part can take more than one value given what is shown (hidden values are at
/// least 1, since zeros are shown). Returns the first leak found.
pub fn verify(
    report: &Report,
    sums: &[Sum],
    threshold: i64,
    original: &Report,
) -> Result<(), String> {
    check(
        &counts(report),
        &Cells::of_report(original, sums),
        threshold,
    )
}

/// [`verify`] for any table: `shown` are the counts left visible, `truth` every cell
/// with its true count, shares and sums.
pub fn check(shown: &BTreeMap<String, i64>, truth: &Cells, threshold: i64) -> Result<(), String> {
    for (key, n) in shown {
        if (1..threshold).contains(n) {
            return Err(format!("{key} visar det lilla talet {n}"));
        }
    }
    for (key, denominator) in &truth.shares {
        if let (Some(count), Some(total)) = (shown.get(key), shown.get(denominator))
            && (1..threshold).contains(&(total - count))
        {
            return Err(format!(
                "{denominator} − {key} ger det lilla talet {}",
                total - count
            ));
        }
    }
    let all = &truth.counts;
    for (parts, total) in &truth.groups {
        let hidden: Vec<&String> = parts.iter().filter(|k| !shown.contains_key(*k)).collect();
        let Some(total_value) = shown.get(total) else {
            if all.contains_key(total) && hidden.is_empty() {
                return Err(format!("{total} kan räknas fram som summan av sina delar"));
            }
            continue;
        };
        match hidden.len() {
            0 => {}
            1 => return Err(format!("{} kan räknas fram ur {total}", hidden[0])),
            k => {
                let hidden_sum =
                    total_value - parts.iter().filter_map(|p| shown.get(p)).sum::<i64>();
                if hidden_sum == k as i64 {
                    return Err(format!("de dolda delarna av {total} kan bara vara 1"));
                }
            }
        }
    }
    let hidden: BTreeSet<String> = all
        .keys()
        .filter(|k| !shown.contains_key(*k))
        .cloned()
        .collect();
    if let Some(pinned) = first_pinned(&truth.groups, all, &hidden) {
        return Err(format!("{pinned} kan räknas fram ur summorna"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Figure, Line};

    fn report(cells: &[(&str, i64, Option<&str>)]) -> Report {
        let all: BTreeMap<&str, i64> = cells.iter().map(|(k, n, _)| (*k, *n)).collect();
        let rader = cells
            .iter()
            .map(|(key, n, denominator)| Line {
                text: key.to_string(),
                key: key.to_string(),
                value: Value::count(
                    *n,
                    denominator.map(|d| all[d]),
                    denominator.map(str::to_string),
                ),
            })
            .collect();
        Report {
            head: crate::report::ReportHead {
                title: String::new(),
                projekt: vec![],
                period: String::new(),
                start: String::new(),
                slut: String::new(),
                inlamningar: vec![],
                publik_troskel: Some(5),
            },
            figurer: vec![Figure {
                nr: 1,
                rubrik: String::new(),
                fraga: String::new(),
                fraga_titel: String::new(),
                rader,
                fordelning: false,
                not: None,
            }],
        }
    }

    fn sum(parts: &[&str], total: &str) -> Sum {
        Sum {
            delar: parts.iter().map(|p| p.to_string()).collect(),
            total: total.to_string(),
        }
    }

    fn shown(report: &Report, key: &str) -> Option<i64> {
        counts(report).get(key).copied()
    }

    #[test]
    fn a_small_part_hides_its_complement_and_their_shares() {
        let original = report(&[
            ("alla", 34, None),
            ("k", 3, Some("alla")),
            ("m", 31, Some("alla")),
        ]);
        let sums = [sum(&["k", "m"], "alla")];
        let mut published = original.clone();
        apply(&mut published, &sums, 5);
        assert_eq!(shown(&published, "alla"), Some(34));
        assert_eq!(shown(&published, "k"), None);
        assert_eq!(
            shown(&published, "m"),
            None,
            "31 = 34 − 3 would give 3 away"
        );
        let Value::Count { andel, .. } = &published.figurer[0].rader[2].value else {
            panic!()
        };
        assert_eq!(*andel, None);
        verify(&published, &sums, 5, &original).unwrap();
    }

    #[test]
    fn two_hidden_ones_are_not_enough() {
        // Parts 1 + 1 + 30 = 32: with only the ones hidden, both must be 1.
        let original = report(&[
            ("t", 32, None),
            ("a", 1, None),
            ("b", 1, None),
            ("c", 30, None),
        ]);
        let sums = [sum(&["a", "b", "c"], "t")];
        let mut published = original.clone();
        apply(&mut published, &sums, 5);
        assert_eq!(shown(&published, "c"), None);
        verify(&published, &sums, 5, &original).unwrap();
    }

    #[test]
    fn a_small_total_is_not_left_derivable_from_its_parts() {
        let original = report(&[("t", 4, None), ("a", 4, None), ("b", 0, None)]);
        let sums = [sum(&["a", "b"], "t")];
        let mut published = original.clone();
        apply(&mut published, &sums, 5);
        assert_eq!(
            (
                shown(&published, "t"),
                shown(&published, "a"),
                shown(&published, "b")
            ),
            (None, None, Some(0))
        );
        verify(&published, &sums, 5, &original).unwrap();
    }

    #[test]
    fn verify_catches_a_leak() {
        let original = report(&[("alla", 34, None), ("k", 3, None), ("m", 31, None)]);
        let sums = [sum(&["k", "m"], "alla")];
        let mut leaky = original.clone();
        if let Value::Count { antal, .. } = &mut leaky.figurer[0].rader[1].value {
            *antal = None;
        }
        assert!(
            verify(&leaky, &sums, 5, &original)
                .unwrap_err()
                .contains("k kan räknas fram")
        );
    }

    #[test]
    fn every_combination_of_small_groups_is_safe() {
        // Exhaustive over a two-level table: total, two parts, and a breakdown of the
        // second part in three rows; every value from 0 to 7.
        let sums = [sum(&["a", "b"], "t"), sum(&["b1", "b2", "b3"], "b")];
        for a in 0..8 {
            for b1 in 0..8 {
                for b2 in 0..8 {
                    for b3 in 0..8 {
                        let b = b1 + b2 + b3;
                        let original = report(&[
                            ("t", a + b, None),
                            ("a", a, None),
                            ("b", b, None),
                            ("b1", b1, None),
                            ("b2", b2, None),
                            ("b3", b3, None),
                        ]);
                        let mut published = original.clone();
                        apply(&mut published, &sums, 5);
                        verify(&published, &sums, 5, &original)
                            .unwrap_or_else(|e| panic!("a={a} b1={b1} b2={b2} b3={b3}: {e}"));
                    }
                }
            }
        }
    }
}
