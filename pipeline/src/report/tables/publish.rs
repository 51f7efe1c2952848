//! A table report's numbers as disclosure control sees them ([`crate::disclosure`]), and
//! the report as its audience sees it ([`present`]).
//!
//! The cells are every count and every n; a count shown as a share of its n is a part of
//! it (the rest is a count too). The sums are the table's own (rows adding up to n,
//! matrix margins) and the one between columns: kvinnor + män = totalt, wherever the
//! numbers do add up. Each column's n is a population: below the threshold, the whole
//! column goes, zeros too; below it in the Totalt column, the whole report. So is each
//! row and column of the transition matrix. The counts in the notes are cells too.
//! Quartiles go with their column's n. A public report is coarser than the project's own: columns for all and by kön (no
//! age bands), the transition matrix for all only, and no month-by-month cohort tables
//! (whose curves give away month-to-month differences).

use std::collections::BTreeMap;

use super::{Cell, Column, Note, TableKind, TableReport};
use crate::disclosure::{CellId, DisclosureError, Publication, cell_key};
use crate::display::{Audience, Count};
use crate::report::disclosure::Hidden;
use crate::report::stats::wilson;

/// The cells of one report: counts by key, (count, n) pairs shown as shares, and sums.
#[derive(Default)]
struct Counts {
    counts: BTreeMap<String, i64>,
    shares: Vec<(String, String)>,
    sums: Vec<(Vec<String>, String)>,
    /// (n, its members) besides the columns': a row or column of a transition matrix.
    groups: Vec<(String, Vec<String>)>,
}

/// Tables that are never published: the month-by-month cohort tables.
fn withheld(kind: TableKind) -> bool {
    matches!(kind, TableKind::Manadsandel | TableKind::KaplanMeier)
}

/// The column groups a public report shows: all, and kön. Age bands split a project's
/// half-year into groups of a handful, linked to every other table, period and project
/// through their sums; published, they would leave little else to show.
fn published_group(key: &str) -> bool {
    key.ends_with("|totalt|alla") || key.contains("|kon|")
}

/// Whether a table is published: not a cohort table, and a matrix only for all.
fn published_table(table: &super::Table) -> bool {
    !withheld(table.typ)
        && (table.typ != TableKind::Matris
            || table
                .kolumner
                .iter()
                .filter_map(Column::n_key)
                .all(|k| k.ends_with("|totalt|alla")))
}

#[allow(
    clippy::disallowed_methods,
    reason = "the publication is decided over exact counts"
)]
fn counts(report: &TableReport) -> Counts {
    let mut cells = Counts::default();
    for table in report.tabeller.iter().filter(|t| published_table(t)) {
        for n in table.kolumner.iter().filter_map(|c| c.n.as_ref()) {
            if published_group(n.key()) {
                cells.counts.insert(n.key().to_string(), n.exact());
            }
        }
        for cell in table.rader.iter().flat_map(|r| &r.celler) {
            let mut add = |count: &Count, n: &Count| {
                if published_group(n.key()) {
                    cells.counts.insert(count.key().to_string(), count.exact());
                    cells.counts.insert(n.key().to_string(), n.exact());
                    if count.key() != n.key() {
                        cells
                            .shares
                            .push((count.key().to_string(), n.key().to_string()));
                    }
                }
            };
            match cell {
                Cell::Share(c) => add(&c.antal, &c.n),
                Cell::Change(c) => {
                    add(&c.fore, &c.n);
                    add(&c.efter, &c.n);
                }
                Cell::Number(_) | Cell::Survival(_) => {}
            }
        }
        cells.sums.extend(table.sums.iter().cloned());
        cells.shares.extend(table.pairs.iter().cloned());
        if table.typ == TableKind::Matris {
            // A source (row) or destination (column) of a few people is hidden whole,
            // zeros too: `.. | 0 | 0` would say where the few went or came from.
            let n_keys: Vec<&str> = table.kolumner.iter().filter_map(Column::n_key).collect();
            cells.groups.extend(
                table
                    .sums
                    .iter()
                    .filter(|(_, total)| !n_keys.contains(&total.as_str()))
                    .map(|(parts, total)| (total.clone(), parts.clone())),
            );
        }
    }
    cells.sums.retain(|(parts, total)| {
        parts
            .iter()
            .chain([total])
            .all(|k| cells.counts.contains_key(k))
    });
    cells.shares.sort();
    cells.shares.dedup();
    cells.sums.extend(group_sums(&cells.counts));
    cells
}

/// Each breakdown's groups = totalt (kvinnor + män; the age bands are not published),
/// for every count that has them (where they do not add up, [`Publication::sum`] leaves
/// them out).
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
        if !counts.contains_key(&total) {
            continue;
        }
        for (indelning, keys) in parts {
            if indelning != "totalt" {
                sums.push((keys.into_iter().cloned().collect(), total.clone()));
            }
        }
    }
    sums
}

/// Keeps the items whose column `keep` says to keep (a cell beyond the columns stays).
fn keep_columns<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    items.retain(|_| flags.next().copied().unwrap_or(true));
}

/// Adds the cells of `report` (computed for `selection`, exact) to `publication`.
/// Returns the cells by the report's own keys.
#[allow(
    clippy::disallowed_methods,
    reason = "the publication is decided over exact counts"
)]
pub fn add(
    publication: &mut Publication,
    selection: &str,
    report: &TableReport,
) -> Result<BTreeMap<String, CellId>, DisclosureError> {
    let period = &report.head.period;
    let cells = counts(report);
    let mut ids: BTreeMap<String, CellId> = BTreeMap::new();
    for (key, value) in &cells.counts {
        ids.insert(
            key.clone(),
            publication.cell(&cell_key(selection, period, key), *value)?,
        );
    }
    for (part, whole) in &cells.shares {
        if let (Some(part), Some(whole)) = (ids.get(part), ids.get(whole)) {
            publication.part(*part, *whole);
        }
    }
    for (parts, total) in &cells.sums {
        if let Some(total) = ids.get(total) {
            let parts: Vec<CellId> = parts.iter().filter_map(|p| ids.get(p).copied()).collect();
            publication.sum(*total, &parts);
        }
    }
    // Each column's n is a population; the Totalt column's is the whole report's.
    let mut members: BTreeMap<&String, Vec<CellId>> = BTreeMap::new();
    for (part, whole) in &cells.shares {
        if let Some(id) = ids.get(part) {
            members.entry(whole).or_default().push(*id);
        }
    }
    for (n_key, cells_of) in &members {
        if let Some(n) = ids.get(*n_key) {
            publication.population(*n, cells_of.clone());
        }
    }
    for (n_key, member_keys) in &cells.groups {
        if let Some(n) = ids.get(n_key) {
            let members = member_keys.iter().filter_map(|k| ids.get(k).copied());
            publication.population(*n, members.collect());
        }
    }
    let total_n = format!("n:{}|totalt|alla", report.grundmangd);
    if let Some(n) = ids.get(&total_n) {
        publication.population(*n, ids.values().copied().collect());
    }
    for note in report.notes.iter().filter(|n| n.is_published()) {
        let mut cell = |count: &Count| {
            let id = publication.cell(&cell_key(selection, period, count.key()), count.exact())?;
            ids.insert(count.key().to_string(), id);
            Ok::<CellId, DisclosureError>(id)
        };
        let (count, n) = (cell(&note.count)?, cell(&note.n)?);
        publication.part(count, n);
    }
    // The notes' n is the report's.
    if let (Some(total), Some(n)) = (ids.get(&total_n), ids.get(Note::N)) {
        publication.sum(*total, &[*n]);
    }
    Ok(ids)
}

/// Decides what `report` shows its `audience`. A public page is coarser (columns for
/// all and by kön, the matrix for all, no cohort tables), its notes soften what they
/// may not state, and its head says the threshold and how many values were hidden.
pub fn present(report: &mut TableReport, audience: &Audience) {
    if audience.is_public() {
        coarsen(report);
    }
    let mut hidden = Hidden::default();
    for table in &mut report.tabeller {
        let mut column_shown = Vec::new();
        for column in &mut table.kolumner {
            if let Some(n) = &mut column.n {
                audience.decide(n);
                hidden.tally(n);
            }
            column_shown.push(column.n.as_ref().is_none_or(|n| n.shown().is_some()));
        }
        for row in &mut table.rader {
            for (index, cell) in row.celler.iter_mut().enumerate() {
                let column_shown = column_shown.get(index).copied().unwrap_or(true);
                present_cell(cell, column_shown, audience, &mut hidden);
            }
        }
    }
    let threshold = audience.threshold();
    for note in &mut report.notes {
        audience.decide(&mut note.count);
        audience.decide(&mut note.n);
    }
    report.anmarkningar = report.notes.iter().map(|n| n.word(threshold)).collect();
    report.head.presented(audience, hidden);
}

/// Decides a cell's counts, and works out its shares, intervals and differences from
/// what is shown.
fn present_cell(cell: &mut Cell, column_shown: bool, audience: &Audience, hidden: &mut Hidden) {
    match cell {
        Cell::Share(c) => {
            audience.decide(&mut c.antal);
            audience.decide(&mut c.n);
            // The row that counts the population itself is its column's n, counted there.
            if c.antal.key() != c.n.key() {
                hidden.tally(&c.antal);
            }
            c.gruppen_dold = c.antal.in_closed_group();
            let p = c
                .antal
                .shown()
                .zip(c.n.shown())
                .map(|(antal, n)| wilson(antal.max(0) as u64, n.max(0) as u64));
            c.andel = p.as_ref().and_then(|p| p.share);
            c.ki_lag = p.as_ref().and_then(|p| p.low);
            c.ki_hog = p.as_ref().and_then(|p| p.high);
        }
        Cell::Change(c) => {
            for count in [&mut c.fore, &mut c.efter, &mut c.n] {
                audience.decide(count);
            }
            hidden.tally(&c.fore);
            hidden.tally(&c.efter);
            let counts = c.fore.shown().zip(c.efter.shown()).zip(c.n.shown());
            c.skillnad = counts.map(|((fore, efter), _)| efter - fore);
            c.procentenheter = counts
                .filter(|(_, n)| *n > 0)
                .map(|((fore, efter), n)| 100.0 * (efter - fore) as f64 / n as f64);
        }
        Cell::Number(c) => c.varde = c.exact.filter(|_| column_shown),
        Cell::Survival(c) => {
            audience.decide(&mut c.i_risk);
            audience.decide(&mut c.handelser);
            let point = c.exact.filter(|_| c.i_risk.shown().is_some());
            c.andel = point.map(|(andel, _, _)| andel);
            c.ki_lag = point.and_then(|(_, low, _)| low);
            c.ki_hog = point.and_then(|(_, _, high)| high);
        }
    }
}

/// What a public page leaves out: the age-band columns, the matrices by group, and
/// the cohort tables month by month (listed, with why, but empty).
fn coarsen(report: &mut TableReport) {
    report
        .tabeller
        .retain(|t| t.typ != TableKind::Matris || published_table(t));
    for table in &mut report.tabeller {
        if withheld(table.typ) {
            table.kolumner.clear();
            table.rader.clear();
            table.not = Some(
                "Visas inte i den publika versionen: kurvorna månad för månad skulle visa skillnader mellan enskilda personer."
                    .to_string(),
            );
            continue;
        }
        let keep: Vec<bool> = table
            .kolumner
            .iter()
            .map(|c| c.n_key().is_none_or(published_group))
            .collect();
        keep_columns(&mut table.kolumner, &keep);
        for row in &mut table.rader {
            keep_columns(&mut row.celler, &keep);
        }
    }
}
