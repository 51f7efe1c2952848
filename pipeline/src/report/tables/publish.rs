//! Disclosure control for table reports (`--publik`), with the rules of
//! [`crate::report::disclosure`]: counts below the threshold are hidden, so are shares
//! and intervals built on them, and enough other cells that no sum gives one away.
//!
//! The sums are the table's own (rows adding up to n, matrix margins) and the ones
//! between columns: kvinnor + män = totalt, and the age bands = totalt, wherever the
//! numbers do add up. Quartiles are hidden for groups below the threshold, and a
//! Kaplan–Meier point once fewer than the threshold are followed or its count of events
//! is small.

use std::collections::{BTreeMap, BTreeSet};

use super::{Cell, TableReport};
use crate::report::disclosure::{self, Cells};

/// Every count of the report by disclosure key, with shares and sums.
fn cells(report: &TableReport) -> Cells {
    let mut cells = Cells::default();
    for table in &report.tabeller {
        for column in &table.kolumner {
            if let (Some(n), Some(key)) = (column.n, &column.n_key) {
                cells.counts.insert(key.clone(), n);
            }
        }
        for cell in table.rader.iter().flat_map(|r| &r.celler) {
            let mut add = |key: &String, count: Option<i64>, n_key: &String, n: Option<i64>| {
                if let (Some(count), Some(n)) = (count, n) {
                    cells.counts.insert(key.clone(), count);
                    cells.counts.insert(n_key.clone(), n);
                    if key != n_key {
                        cells.shares.push((key.clone(), n_key.clone()));
                    }
                }
            };
            match cell {
                Cell::Share(c) => add(&c.key, c.antal, &c.n_key, c.n),
                Cell::Change(c) => {
                    add(&c.keys[0], c.fore, &c.n_key, c.n);
                    add(&c.keys[1], c.efter, &c.n_key, c.n);
                }
                Cell::Number(_) | Cell::Survival(_) => {}
            }
        }
        cells.groups.extend(table.sums.iter().cloned());
        cells.shares.extend(table.pairs.iter().cloned());
    }
    cells.shares.sort();
    cells.shares.dedup();
    cells.groups.extend(group_sums(&cells.counts));
    cells
}

/// Kvinnor + män = totalt and age bands = totalt, for every count that has them all
/// and where they really add up (a missing kön would make them not).
fn group_sums(counts: &BTreeMap<String, i64>) -> Vec<(Vec<String>, String)> {
    let mut by_base: BTreeMap<&str, BTreeMap<&str, Vec<&String>>> = BTreeMap::new();
    for key in counts.keys() {
        if let Some((base, rest)) = key.split_once('|')
            && let Some((indelning, _)) = rest.split_once('|')
        {
            by_base
                .entry(base)
                .or_default()
                .entry(indelning)
                .or_default()
                .push(key);
        }
    }
    let mut sums = Vec::new();
    for (base, parts) in by_base {
        let total = format!("{base}|totalt|alla");
        let Some(total_value) = counts.get(&total) else {
            continue;
        };
        for (indelning, keys) in parts {
            if indelning == "totalt" {
                continue;
            }
            let sum: i64 = keys.iter().map(|k| counts[*k]).sum();
            if sum == *total_value {
                sums.push((keys.into_iter().cloned().collect(), total.clone()));
            }
        }
    }
    sums
}

pub fn apply(report: &mut TableReport, threshold: i64) {
    let hidden: BTreeSet<String> = disclosure::hidden(&cells(report), threshold);
    let small = |n: Option<i64>| n.is_some_and(|n| (1..threshold).contains(&n));
    for table in &mut report.tabeller {
        let mut column_hidden = Vec::new();
        for column in &mut table.kolumner {
            let gone = column.n_key.as_ref().is_some_and(|k| hidden.contains(k)) || small(column.n);
            if gone {
                column.n = None;
            }
            column_hidden.push(gone);
        }
        for row in &mut table.rader {
            for (index, cell) in row.celler.iter_mut().enumerate() {
                let column_gone = column_hidden.get(index).copied().unwrap_or(false);
                match cell {
                    Cell::Share(c) => {
                        if hidden.contains(&c.key) {
                            c.antal = None;
                        }
                        if hidden.contains(&c.n_key) || small(c.n) {
                            c.n = None;
                        }
                        if c.antal.is_none() || c.n.is_none() {
                            (c.andel, c.ki_lag, c.ki_hog) = (None, None, None);
                        }
                    }
                    Cell::Change(c) => {
                        if hidden.contains(&c.keys[0]) {
                            c.fore = None;
                        }
                        if hidden.contains(&c.keys[1]) {
                            c.efter = None;
                        }
                        if hidden.contains(&c.n_key) {
                            c.n = None;
                        }
                        if c.fore.is_none() || c.efter.is_none() || c.n.is_none() {
                            (c.skillnad, c.procentenheter) = (None, None);
                        }
                    }
                    Cell::Number(c) => {
                        if column_gone {
                            c.varde = None;
                        }
                    }
                    Cell::Survival(c) => {
                        let few_followed = c.i_risk.is_some_and(|n| n < threshold);
                        if column_gone || few_followed || small(c.handelser) {
                            (c.andel, c.ki_lag, c.ki_hog) = (None, None, None);
                        }
                        if small(c.handelser) {
                            c.handelser = None;
                        }
                        if small(c.i_risk) {
                            c.i_risk = None;
                        }
                    }
                }
            }
        }
    }
}

/// The counts a published report shows, by key.
fn shown(report: &TableReport) -> BTreeMap<String, i64> {
    let mut shown = BTreeMap::new();
    for table in &report.tabeller {
        for column in &table.kolumner {
            if let (Some(n), Some(key)) = (column.n, &column.n_key) {
                shown.insert(key.clone(), n);
            }
        }
        for cell in table.rader.iter().flat_map(|r| &r.celler) {
            let mut add = |key: &String, count: Option<i64>| {
                if let Some(count) = count {
                    shown.insert(key.clone(), count);
                }
            };
            match cell {
                Cell::Share(c) => {
                    add(&c.key, c.antal);
                    add(&c.n_key, c.n);
                }
                Cell::Change(c) => {
                    add(&c.keys[0], c.fore);
                    add(&c.keys[1], c.efter);
                    add(&c.n_key, c.n);
                }
                Cell::Number(_) | Cell::Survival(_) => {}
            }
        }
    }
    shown
}

pub fn verify(published: &TableReport, exact: &TableReport, threshold: i64) -> Result<(), String> {
    let truth = cells(exact);
    let shown = shown(published);
    disclosure::check(&shown, &truth, threshold)?;
    for table in &published.tabeller {
        for cell in table.rader.iter().flat_map(|r| &r.celler) {
            if let Cell::Survival(c) = cell
                && c.andel.is_some()
                && (c.i_risk.is_none_or(|n| n < threshold)
                    || c.handelser.is_none_or(|n| (1..threshold).contains(&n)))
            {
                return Err(format!(
                    "tabell {}: en kurvpunkt bygger på få personer",
                    table.nr
                ));
            }
        }
    }
    Ok(())
}
