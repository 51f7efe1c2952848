//! Turns a query's rows into tables, one function per [`TableKind`].
//!
//! Disclosure keys name a cell by what it counts, not where it is shown:
//! `<query>:<what>|<indelning>|<grupp>`, so the same number shown in two tables is one
//! cell, and `…|kon|K` + `…|kon|M` can be checked against `…|totalt|alla`. Column totals
//! are `n:<population>|<indelning>|<grupp>`, shared by every table of that population and
//! by the row that counts the population itself. The dashboards name their numbers with
//! the same keys (`queries/tavla/`).

use std::collections::BTreeMap;

use super::layout::{Quality, TableEntry, TableKind, TableLayout};
use super::{Cell, ChangeCell, Column, Note, NumberCell, Row, ShareCell, SurvivalCell, Table};
use crate::display::Count;
use crate::query::QueryResult;
use crate::report::queries::QueryFile;
use crate::report::stats::{self, kaplan_meier, quartiles};
use crate::report::{Columns, ReportError};

/// The months after the end a cohort is followed.
const FOLLOW_UP_MONTHS: i64 = 24;

/// The tables an entry of the layout makes from its query's result (a matrix makes one
/// per group, the others one).
pub fn tables(
    layout: &TableLayout,
    entry: &TableEntry,
    file: &QueryFile,
    data: &QueryResult,
) -> Result<Vec<Table>, ReportError> {
    let columns = Columns::new(&file.name, data);
    let population = entry.grundmangd.as_deref().unwrap_or(&layout.grundmangd);
    let empty = || Table {
        nr: entry.nr,
        rubrik: entry.rubrik.clone(),
        fraga: file.name.clone(),
        fraga_titel: file.title.clone(),
        typ: entry.typ,
        kolumner: Vec::new(),
        rader: Vec::new(),
        not: entry.not.clone(),
        sums: Vec::new(),
        pairs: Vec::new(),
    };
    Ok(match entry.typ {
        TableKind::Andelar => {
            let rows = group_rows(&columns, entry.del.as_deref())?;
            vec![shares(layout, entry, population, &rows, empty())]
        }
        TableKind::Forandring => {
            let rows = group_rows(&columns, None)?;
            vec![change(layout, entry, population, &rows, empty())]
        }
        TableKind::Matris => matrices(layout, entry, population, &columns, &empty)?,
        TableKind::Kvartiler => vec![spread(layout, population, &columns, empty())?],
        TableKind::Manadsandel | TableKind::KaplanMeier => {
            let cohorts = cohort_rows(&columns)?;
            vec![follow_up(entry.typ, &file.name, &cohorts, empty())]
        }
        TableKind::Kontext => vec![context(layout, entry, &columns, empty())?],
    })
}

/// The kommuner's own figures: a column per group of the query (`indelning`, `grupp`),
/// a row per `rad` in `ordning`, each cell the `varde` (empty where the kommun has
/// none), and the note naming every source with when it was fetched.
fn context(
    layout: &TableLayout,
    entry: &TableEntry,
    columns: &Columns,
    mut table: Table,
) -> Result<Table, ReportError> {
    let (indelning, grupp) = (columns.texts("indelning")?, columns.texts("grupp")?);
    let (rad, ordning) = (columns.texts("rad")?, columns.integers("ordning")?);
    let (varde, kalla, hamtad) = (
        columns.floats("varde")?,
        columns.texts("kalla")?,
        columns.texts("hamtad")?,
    );
    let mut keys: BTreeMap<ColumnKey, BTreeMap<(i64, String), f64>> = BTreeMap::new();
    let mut rows: BTreeMap<(i64, String), ()> = BTreeMap::new();
    // Each source once, cited with its latest fetch.
    let mut sources: BTreeMap<String, Option<String>> = BTreeMap::new();
    for i in 0..grupp.len() {
        let key = column_key(
            indelning[i].as_deref().unwrap_or(""),
            grupp[i].as_deref().unwrap_or(""),
        );
        let values = keys.entry(key).or_default();
        let (Some(text), Some(value)) = (&rad[i], varde[i]) else {
            continue;
        };
        let row = (ordning[i].unwrap_or(0), text.clone());
        values.insert(row.clone(), value);
        rows.insert(row, ());
        if let Some(source) = &kalla[i] {
            let fetched = sources.entry(source.clone()).or_default();
            *fetched = fetched.clone().max(hamtad[i].clone());
        }
    }
    table.rader = rows
        .into_keys()
        .map(|row| Row {
            text: row.1.clone(),
            celler: keys
                .values()
                .map(|values| Cell::Number(NumberCell::new(values.get(&row).copied())))
                .collect(),
        })
        .collect();
    table.kolumner = keys
        .keys()
        .map(|key| Column {
            text: layout.column_name(&key.1, &key.2),
            nyckel: key.2.clone(),
            n: None,
        })
        .collect();
    let note = if table.rader.is_empty() {
        // Columns of kommuner without a figure would say nothing.
        table.kolumner.clear();
        entry.tom.clone().filter(|_| !keys.is_empty())
    } else {
        let cited: Vec<String> = sources
            .iter()
            .map(|(source, fetched)| crate::kontext::citation(source, fetched.as_deref()))
            .collect();
        let source = format!("Siffrornas källor: {}.", cited.join("; "));
        Some(match &entry.not {
            Some(not) => format!("{not} {source}"),
            None => source,
        })
    };
    table.not = note.or(table.not);
    Ok(table)
}

/// The data notes with their counts: one per quality count above zero, or the note for
/// an empty population. The counts stay with the text, to be worded as the report's
/// audience may see them.
pub fn notes(
    quality: &Quality,
    file: &QueryFile,
    data: &QueryResult,
) -> Result<Vec<Note>, ReportError> {
    let columns = Columns::new(&file.name, data);
    let first = |column: &str| -> Result<i64, ReportError> {
        Ok(columns
            .integers(column)?
            .first()
            .copied()
            .flatten()
            .unwrap_or(0))
    };
    let n = first(&quality.n)?;
    if n == 0 {
        return Ok(vec![Note::new(&quality.tom, 0, n)]);
    }
    let mut notes = Vec::new();
    for note in &quality.anmarkningar {
        let count = first(&note.kolumn)?;
        if count > 0 {
            notes.push(Note::new(&note.text, count, n));
        }
    }
    Ok(notes)
}

/// A row of a query in the group contract (`indelning, grupp, rad, ordning, [del,
/// del_ordning,] antal, n`).
struct GroupRow {
    indelning: String,
    grupp: String,
    rad: String,
    ordning: i64,
    del: Option<String>,
    del_ordning: i64,
    antal: i64,
    n: i64,
}

fn group_rows(columns: &Columns, only: Option<&str>) -> Result<Vec<GroupRow>, ReportError> {
    let text = |name: &str| columns.texts(name);
    let (indelning, grupp, rad) = (text("indelning")?, text("grupp")?, text("rad")?);
    let (ordning, antal, n) = (
        columns.integers("ordning")?,
        columns.integers("antal")?,
        columns.integers("n")?,
    );
    let (del, del_ordning) = if columns.has("del") {
        (
            text("del")?,
            if columns.has("del_ordning") {
                columns.integers("del_ordning")?
            } else {
                vec![None; indelning.len()]
            },
        )
    } else {
        (vec![None; indelning.len()], vec![None; indelning.len()])
    };
    let mut rows = Vec::with_capacity(indelning.len());
    for i in 0..indelning.len() {
        if only.is_some_and(|wanted| del[i].as_deref() != Some(wanted)) {
            continue;
        }
        rows.push(GroupRow {
            indelning: indelning[i].clone().unwrap_or_default(),
            grupp: grupp[i].clone().unwrap_or_else(|| "uppgift saknas".into()),
            rad: rad[i].clone().unwrap_or_default(),
            ordning: ordning[i].unwrap_or(0),
            del: del[i].clone(),
            del_ordning: del_ordning[i].unwrap_or(0),
            antal: antal[i].unwrap_or(0),
            n: n[i].unwrap_or(0),
        });
    }
    Ok(rows)
}

/// Columns in reading order: all, then kön, then age bands.
type ColumnKey = (u8, String, String);

fn column_key(indelning: &str, grupp: &str) -> ColumnKey {
    let rank = match indelning {
        "totalt" => 0,
        "kon" => 1,
        "alder" => 2,
        _ => 3,
    };
    (rank, indelning.to_string(), grupp.to_string())
}

fn suffix((_, indelning, grupp): &ColumnKey) -> String {
    format!("|{indelning}|{grupp}")
}

/// The table's columns, each with its n, from group-contract rows.
fn group_columns(
    layout: &TableLayout,
    population: &str,
    rows: impl Iterator<Item = (ColumnKey, i64)>,
) -> BTreeMap<ColumnKey, Column> {
    let mut columns = BTreeMap::new();
    for (key, n) in rows {
        columns.entry(key.clone()).or_insert_with(|| Column {
            text: layout.column_name(&key.1, &key.2),
            nyckel: key.2.clone(),
            n: Some(Count::new(format!("n:{population}{}", suffix(&key)), n)),
        });
    }
    columns
}

/// `antal` of `n`: its share and interval are worked out once the counts are shown.
fn share(antal: i64, n: i64, key: String, n_key: String) -> Cell {
    Cell::Share(ShareCell {
        antal: Count::new(key, antal),
        n: Count::new(n_key, n),
        andel: None,
        ki_lag: None,
        ki_hog: None,
        gruppen_dold: false,
    })
}

/// The key and the exact value of a group column's n, for the counts of its cells.
#[allow(
    clippy::disallowed_methods,
    reason = "a column's cells are built from the exact n"
)]
fn column_n(column: &Column) -> (String, i64) {
    let n = column.n.as_ref().expect("group columns have an n");
    (n.key().to_string(), n.exact())
}

/// Row key: order, label, then the `del` order and label.
type RowKey = (i64, String, i64, Option<String>);

fn shares(
    layout: &TableLayout,
    entry: &TableEntry,
    population: &str,
    rows: &[GroupRow],
    mut table: Table,
) -> Table {
    let columns = group_columns(
        layout,
        population,
        rows.iter()
            .map(|r| (column_key(&r.indelning, &r.grupp), r.n)),
    );
    let mut cells: BTreeMap<RowKey, BTreeMap<ColumnKey, i64>> = BTreeMap::new();
    for r in rows {
        cells
            .entry((r.ordning, r.rad.clone(), r.del_ordning, r.del.clone()))
            .or_default()
            .insert(column_key(&r.indelning, &r.grupp), r.antal);
    }
    let mut blocks: BTreeMap<(String, ColumnKey), Vec<String>> = BTreeMap::new();
    for ((_, rad, _, del), values) in &cells {
        let mut celler = Vec::new();
        // The row that counts the population itself (Aktuella among the aktuella) is
        // its n: one number, one cell.
        let counts_population = del.is_none() && rad.to_lowercase() == population;
        for (column_key, column) in &columns {
            let (n_key, n) = column_n(column);
            let key = if counts_population {
                n_key.clone()
            } else {
                format!(
                    "{}:{}:{rad}{}",
                    table.fraga,
                    del.as_deref().unwrap_or(""),
                    suffix(column_key)
                )
            };
            if entry.summerar {
                blocks
                    .entry((rad.clone(), column_key.clone()))
                    .or_default()
                    .push(key.clone());
            }
            let antal = values.get(column_key).copied().unwrap_or(0);
            celler.push(share(antal, n, key, n_key));
        }
        let text = match del {
            Some(del) if entry.del.is_none() => format!("{rad}: {del}"),
            _ => rad.clone(),
        };
        table.rader.push(Row { text, celler });
    }
    let has_del = entry.del.is_none() && cells.keys().any(|k| k.3.is_some());
    if entry.summerar {
        // Without a `del` column every row is one block: regroup per column.
        let mut per_column: BTreeMap<(String, ColumnKey), Vec<String>> = BTreeMap::new();
        for ((rad, column), keys) in blocks {
            let block = if has_del { rad } else { String::new() };
            per_column.entry((block, column)).or_default().extend(keys);
        }
        for ((_, column), parts) in per_column {
            let (total, _) = column_n(&columns[&column]);
            table.sums.push((parts, total));
        }
    }
    table.kolumner = columns.into_values().collect();
    table
}

fn change(
    layout: &TableLayout,
    entry: &TableEntry,
    population: &str,
    rows: &[GroupRow],
    mut table: Table,
) -> Table {
    let (from, to) = (
        entry.fran.as_deref().expect("checked by the layout"),
        entry.till.as_deref().expect("checked by the layout"),
    );
    let rows: Vec<&GroupRow> = rows
        .iter()
        .filter(|r| matches!(r.del.as_deref(), Some(d) if d == from || d == to))
        .collect();
    let columns = group_columns(
        layout,
        population,
        rows.iter()
            .map(|r| (column_key(&r.indelning, &r.grupp), r.n)),
    );
    let mut values: BTreeMap<(i64, String), BTreeMap<ColumnKey, [i64; 2]>> = BTreeMap::new();
    for r in &rows {
        let slot = usize::from(r.del.as_deref() == Some(to));
        values
            .entry((r.ordning, r.rad.clone()))
            .or_default()
            .entry(column_key(&r.indelning, &r.grupp))
            .or_default()[slot] = r.antal;
    }
    for ((_, rad), per_column) in values {
        let celler = columns
            .iter()
            .map(|(key, column)| {
                let [before, after] = per_column.get(key).copied().unwrap_or_default();
                let (n_key, n) = column_n(column);
                let cell_key = |del: &str| format!("{}:{del}:{rad}{}", table.fraga, suffix(key));
                Cell::Change(ChangeCell {
                    fore: Count::new(cell_key(from), before),
                    efter: Count::new(cell_key(to), after),
                    n: Count::new(n_key, n),
                    skillnad: None,
                    procentenheter: None,
                })
            })
            .collect();
        table.rader.push(Row { text: rad, celler });
    }
    table.kolumner = columns.into_values().collect();
    table
}

/// Counts per (before, after) pair of a group.
type PairCounts = BTreeMap<(String, String), i64>;

/// Before→after matrices, one per group: rows `fran`, columns `till`, with sums.
fn matrices(
    layout: &TableLayout,
    entry: &TableEntry,
    population: &str,
    columns: &Columns,
    empty: &dyn Fn() -> Table,
) -> Result<Vec<Table>, ReportError> {
    let (indelning, grupp) = (columns.texts("indelning")?, columns.texts("grupp")?);
    let (from, to) = (columns.texts("fran")?, columns.texts("till")?);
    let (from_order, to_order) = (
        columns.integers("fran_ordning")?,
        columns.integers("till_ordning")?,
    );
    let (antal, n) = (columns.integers("antal")?, columns.integers("n")?);
    // Categories: every source that occurs anywhere, so all groups share one layout.
    let mut categories: BTreeMap<(i64, String), ()> = BTreeMap::new();
    let mut groups: BTreeMap<ColumnKey, (i64, PairCounts)> = BTreeMap::new();
    for i in 0..indelning.len() {
        let (f, t) = (
            from[i].clone().unwrap_or_default(),
            to[i].clone().unwrap_or_default(),
        );
        categories.insert((from_order[i].unwrap_or(0), f.clone()), ());
        categories.insert((to_order[i].unwrap_or(0), t.clone()), ());
        let key = column_key(
            indelning[i].as_deref().unwrap_or(""),
            grupp[i].as_deref().unwrap_or("uppgift saknas"),
        );
        let group = groups
            .entry(key)
            .or_insert((n[i].unwrap_or(0), BTreeMap::new()));
        *group.1.entry((f, t)).or_default() += antal[i].unwrap_or(0);
    }
    let labels: Vec<String> = categories.into_keys().map(|(_, label)| label).collect();
    if groups.is_empty() {
        // Nobody ended: the table is still listed, empty, so the numbering stays whole.
        return Ok(vec![empty()]);
    }
    let mut tables = Vec::new();
    for (key, (total, counts)) in groups {
        let mut table = empty();
        table.rubrik = format!("{} – {}", entry.rubrik, layout.column_name(&key.1, &key.2));
        let n_key = format!("n:{population}{}", suffix(&key));
        let cell_key = |f: &str, t: &str| format!("{}:{f}>{t}{}", table.fraga, suffix(&key));
        let mut column_parts: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut row_totals = Vec::new();
        for f in &labels {
            let mut celler = Vec::new();
            let mut parts = Vec::new();
            for t in &labels {
                let k = cell_key(f, t);
                parts.push(k.clone());
                column_parts.entry(t).or_default().push(k.clone());
                let count = counts.get(&(f.clone(), t.clone())).copied().unwrap_or(0);
                celler.push(share(count, total, k, n_key.clone()));
            }
            let row_total: i64 = labels
                .iter()
                .map(|t| counts.get(&(f.clone(), t.clone())).copied().unwrap_or(0))
                .sum();
            let row_key = cell_key(f, "Σ");
            celler.push(share(row_total, total, row_key.clone(), n_key.clone()));
            table.sums.push((parts, row_key.clone()));
            row_totals.push(row_key);
            table.rader.push(Row {
                text: f.clone(),
                celler,
            });
        }
        let mut celler = Vec::new();
        let mut column_totals = Vec::new();
        for t in &labels {
            let column_total: i64 = labels
                .iter()
                .map(|f| counts.get(&(f.clone(), t.clone())).copied().unwrap_or(0))
                .sum();
            let k = cell_key("Σ", t);
            celler.push(share(column_total, total, k.clone(), n_key.clone()));
            table.sums.push((
                column_parts.remove(t.as_str()).unwrap_or_default(),
                k.clone(),
            ));
            column_totals.push(k);
        }
        celler.push(share(total, total, n_key.clone(), n_key.clone()));
        table.sums.push((row_totals, n_key.clone()));
        table.sums.push((column_totals, n_key.clone()));
        table.rader.push(Row {
            text: "Summa".to_string(),
            celler,
        });
        table.kolumner = labels
            .iter()
            .map(|t| Column {
                text: t.clone(),
                nyckel: t.clone(),
                n: None,
            })
            .chain(std::iter::once(Column {
                text: "Summa".to_string(),
                nyckel: "Σ".to_string(),
                n: Some(Count::new(n_key.clone(), total)),
            }))
            .collect();
        tables.push(table);
    }
    Ok(tables)
}

/// Median and quartiles of the query's `dagar` per group; an `antal` column says how many
/// participants each row stands for (a query may count equal values together).
fn spread(
    layout: &TableLayout,
    population: &str,
    columns: &Columns,
    mut table: Table,
) -> Result<Table, ReportError> {
    let (indelning, grupp) = (columns.texts("indelning")?, columns.texts("grupp")?);
    let days = columns.integers("dagar")?;
    let counts = if columns.has("antal") {
        columns.integers("antal")?
    } else {
        vec![Some(1); days.len()]
    };
    let mut samples: BTreeMap<ColumnKey, Vec<f64>> = BTreeMap::new();
    for i in 0..indelning.len() {
        let key = column_key(
            indelning[i].as_deref().unwrap_or(""),
            grupp[i].as_deref().unwrap_or("uppgift saknas"),
        );
        let sample = samples.entry(key).or_default();
        if let (Some(d), Some(count)) = (days[i], counts[i]) {
            sample.extend(std::iter::repeat_n(d as f64, count.max(0) as usize));
        }
    }
    let summaries: Vec<stats::Quartiles> = samples.values().map(|s| quartiles(s)).collect();
    let columns = group_columns(
        layout,
        population,
        samples.iter().map(|(k, s)| (k.clone(), s.len() as i64)),
    );
    type Pick = fn(&stats::Quartiles) -> Option<f64>;
    let rows: [(&str, Pick); 3] = [
        ("Median", |q| q.median),
        ("Nedre kvartil (25 %)", |q| q.q1),
        ("Övre kvartil (75 %)", |q| q.q3),
    ];
    for (text, pick) in rows {
        table.rader.push(Row {
            text: text.to_string(),
            celler: summaries
                .iter()
                .map(|q| Cell::Number(NumberCell::new(pick(q))))
                .collect(),
        });
    }
    table.kolumner = columns.into_values().collect();
    Ok(table)
}

/// One cohort's month-by-month counts (`kohort.sql`).
#[derive(Default)]
struct Cohort {
    n: i64,
    without_follow_up: i64,
    /// Per month 0–24: självförsörjande, with data, first self-sufficient, censored.
    months: BTreeMap<i64, [i64; 4]>,
}

fn cohort_rows(columns: &Columns) -> Result<BTreeMap<i64, Cohort>, ReportError> {
    let cohort = columns.integers("kohort")?;
    let month = columns.integers("manad")?;
    let values = [
        columns.integers("sjalvforsorjande")?,
        columns.integers("med_uppgift")?,
        columns.integers("forsta")?,
        columns.integers("censurerade")?,
    ];
    let (n, without) = (
        columns.integers("n")?,
        columns.integers("utan_uppfoljning")?,
    );
    let mut cohorts: BTreeMap<i64, Cohort> = BTreeMap::new();
    for i in 0..cohort.len() {
        let Some(c) = cohort[i] else {
            continue;
        };
        let entry = cohorts.entry(c).or_default();
        entry.n = n[i].unwrap_or(0);
        entry.without_follow_up = without[i].unwrap_or(0);
        // The cohort's own row has no month: it carries only n.
        if let Some(m) = month[i] {
            entry
                .months
                .insert(m, std::array::from_fn(|v| values[v][i].unwrap_or(0)));
        }
    }
    Ok(cohorts)
}

fn follow_up(
    kind: TableKind,
    query: &str,
    cohorts: &BTreeMap<i64, Cohort>,
    mut table: Table,
) -> Table {
    let key = |what: &str, cohort: i64| format!("{query}:{what}|kohort|{cohort}");
    let mut curves = Vec::new();
    for (&c, cohort) in cohorts {
        let followed = cohort.n - cohort.without_follow_up;
        let (n, n_key) = match kind {
            TableKind::KaplanMeier => (followed, key("följda", c)),
            _ => (cohort.n, key("n", c)),
        };
        table.kolumner.push(Column {
            text: c.to_string(),
            nyckel: c.to_string(),
            n: Some(Count::new(n_key, n)),
        });
        // Those followed are part of the cohort: the rest (without any follow-up) is a count.
        table.pairs.push((key("följda", c), key("n", c)));
        if kind == TableKind::KaplanMeier {
            let mut subjects = Vec::new();
            for (&m, v) in &cohort.months {
                let month = m.clamp(0, FOLLOW_UP_MONTHS) as u32;
                subjects.extend(std::iter::repeat_n((month, true), v[2].max(0) as usize));
                subjects.extend(std::iter::repeat_n((month, false), v[3].max(0) as usize));
            }
            curves.push((kaplan_meier(&subjects), subjects));
        }
    }
    for m in 0..=FOLLOW_UP_MONTHS {
        let mut celler = Vec::new();
        for (index, (&c, cohort)) in cohorts.iter().enumerate() {
            let v = cohort.months.get(&m).copied().unwrap_or_default();
            celler.push(match kind {
                TableKind::KaplanMeier => {
                    let (steps, subjects) = &curves[index];
                    let keys = [
                        key(&format!("i risk {m}"), c),
                        key(&format!("händelser {m}"), c),
                    ];
                    survival_at(steps, subjects, m as u32, keys)
                }
                _ => {
                    // Those with data in the month are part of the cohort: the rest is a count.
                    let with_data = key(&format!("med uppgift {m}"), c);
                    table.pairs.push((with_data.clone(), key("n", c)));
                    share(
                        v[0],
                        v[1],
                        key(&format!("självförsörjande {m}"), c),
                        with_data,
                    )
                }
            });
        }
        table.rader.push(Row {
            text: format!("Månad {m}"),
            celler,
        });
    }
    table
}

/// The curve at month `m`: the last step at or before it; nobody left at risk → none.
/// `keys` name those at risk and the events.
fn survival_at(
    steps: &[stats::KmStep],
    subjects: &[(u32, bool)],
    m: u32,
    [at_risk_key, events_key]: [String; 2],
) -> Cell {
    let at_risk = subjects.iter().filter(|(t, _)| *t >= m).count() as i64;
    let events = subjects.iter().filter(|(t, e)| *e && *t <= m).count() as i64;
    let step = steps.iter().take_while(|s| s.time <= m).last();
    let point = match step {
        _ if subjects.is_empty() || (at_risk == 0 && step.is_none_or(|s| s.time < m)) => None,
        None => Some((0.0, None, None)),
        Some(s) => Some((s.cumulative, s.low, s.high)),
    };
    Cell::Survival(SurvivalCell {
        andel: None,
        ki_lag: None,
        ki_hog: None,
        i_risk: Count::new(at_risk_key, at_risk),
        handelser: Count::new(events_key, events),
        exact: point,
    })
}
