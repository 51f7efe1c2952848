//! A table report's numbers as disclosure control sees them ([`crate::disclosure`]), and
//! the report as published.
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

use super::{Cell, Note, TableKind, TableReport};
use crate::disclosure::{CellId, DisclosureError, Protected, Publication, cell_key};
use crate::report::disclosure::Hidden;

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
                .filter_map(|c| c.n_key.as_deref())
                .all(|k| k.ends_with("|totalt|alla")))
}

fn counts(report: &TableReport) -> Counts {
    let mut cells = Counts::default();
    for table in report.tabeller.iter().filter(|t| published_table(t)) {
        for column in &table.kolumner {
            if let (Some(n), Some(key)) = (column.n, &column.n_key)
                && published_group(key)
            {
                cells.counts.insert(key.clone(), n);
            }
        }
        for cell in table.rader.iter().flat_map(|r| &r.celler) {
            let mut add = |key: &String, count: Option<i64>, n_key: &String, n: Option<i64>| {
                if let (Some(count), Some(n)) = (count, n)
                    && published_group(n_key)
                {
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
        cells.sums.extend(table.sums.iter().cloned());
        cells.shares.extend(table.pairs.iter().cloned());
        if table.typ == TableKind::Matris {
            // A source (row) or destination (column) of a few people is hidden whole,
            // zeros too: `.. | 0 | 0` would say where the few went or came from.
            let n_keys: Vec<&str> = table
                .kolumner
                .iter()
                .filter_map(|c| c.n_key.as_deref())
                .collect();
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

/// The key of the n every note counts among.
const NOTE_N: &str = "anm:n";

/// The key of a note's count, and of the n it counts among.
fn note_keys(note: &Note) -> (String, String) {
    (format!("anm:{}", note.text), NOTE_N.to_string())
}

/// Adds the cells of `report` (computed for `selection`, exact) to `publication`.
/// Returns the cells by the report's own keys.
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
    for note in report.notes.iter().filter(|n| n.count > 0 || n.n > 0) {
        let (count_key, n_key) = note_keys(note);
        let count = publication.cell(&cell_key(selection, period, &count_key), note.count)?;
        let n = publication.cell(&cell_key(selection, period, &n_key), note.n)?;
        publication.part(count, n);
        ids.insert(count_key, count);
        ids.insert(n_key, n);
    }
    // The notes' n is the report's.
    if let (Some(total), Some(n)) = (ids.get(&total_n), ids.get(NOTE_N)) {
        publication.sum(*total, &[*n]);
    }
    Ok(ids)
}

/// Publishes `report` (computed for `selection`): hides what `protected` hides, words
/// the notes as published, and says in its head the threshold and how many values were
/// hidden.
pub fn apply(report: &mut TableReport, selection: &str, protected: &Protected) {
    let period = report.head.period.clone();
    let key = |k: &str| cell_key(selection, &period, k);
    let mut hidden = Hidden::default();
    let mut hide = |k: &str| hidden.hides(protected, &key(k));
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
        // Only the groups a public report shows: all and kön.
        let keep: Vec<bool> = table
            .kolumner
            .iter()
            .map(|c| c.n_key.as_deref().is_none_or(published_group))
            .collect();
        keep_columns(&mut table.kolumner, &keep);
        for row in &mut table.rader {
            keep_columns(&mut row.celler, &keep);
        }
        let mut column_gone = Vec::new();
        for column in &mut table.kolumner {
            let gone = column.n.is_some() && column.n_key.as_deref().is_some_and(&mut hide);
            if gone {
                column.n = None;
            }
            column_gone.push(gone);
        }
        for row in &mut table.rader {
            for (index, cell) in row.celler.iter_mut().enumerate() {
                let column_gone = column_gone.get(index).copied().unwrap_or(false);
                match cell {
                    Cell::Share(c) => {
                        if c.antal.is_some() && c.key != c.n_key && hide(&c.key) {
                            c.antal = None;
                            c.gruppen_dold = protected.in_closed_group(&key(&c.key));
                        }
                        if protected.is_hidden(&key(&c.n_key)) {
                            if c.key == c.n_key {
                                c.antal = None;
                            }
                            c.n = None;
                        }
                        if c.antal.is_none() || c.n.is_none() {
                            (c.andel, c.ki_lag, c.ki_hog) = (None, None, None);
                        }
                    }
                    Cell::Change(c) => {
                        if hide(&c.keys[0]) {
                            c.fore = None;
                        }
                        if hide(&c.keys[1]) {
                            c.efter = None;
                        }
                        if protected.is_hidden(&key(&c.n_key)) {
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
                    Cell::Survival(_) => {}
                }
            }
        }
    }
    report.anmarkningar = report
        .notes
        .iter()
        .map(|note| {
            let (count_key, n_key) = note_keys(note);
            let count = match protected.reason(&key(&count_key)) {
                Some(crate::disclosure::Reason::Small | crate::disclosure::Reason::SmallGroup) => {
                    format!("färre än {}", protected.threshold())
                }
                Some(reason) if reason.is_hidden() => "..".to_string(),
                _ => note.count.to_string(),
            };
            let n = protected
                .shown(&key(&n_key))
                .map_or_else(|| "..".to_string(), |n| n.to_string());
            note.word(&count, &n)
        })
        .collect();
    report.head.publik_troskel = Some(protected.threshold());
    report.head.dolda = Some(hidden);
}
