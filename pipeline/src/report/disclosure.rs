//! The half-year report's numbers as disclosure control sees them ([`crate::disclosure`]):
//! each count, the count it is a share of (the rest between them is a count too), the
//! sums declared in the layout (`[[summor]]`), and the report's population (`grundmangd`):
//! a report of fewer than the threshold aktuella is not published at all. Age spans
//! name individuals and are never published. [`present`] shows a report to its
//! audience, the project's own or the public.

use std::collections::BTreeMap;

use super::{Report, Value, whole_percent};
use crate::disclosure::{CellId, DisclosureError, Publication, Reason, Sum, cell_key};
use crate::display::{Audience, Count};

/// How many of a report's values disclosure control hid, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Hidden {
    /// Counts from 1 to the threshold − 1, and every value of a population that small.
    pub sma: usize,
    /// Values hidden so that no small count can be worked out from what is published.
    pub skyddande: usize,
}

impl Hidden {
    pub fn total(&self) -> usize {
        self.sma + self.skyddande
    }

    /// Counts `count` if disclosure control hid it.
    pub fn tally(&mut self, count: &Count) {
        match count.hidden_because() {
            Some(Reason::Small | Reason::SmallGroup) => self.sma += 1,
            Some(Reason::Secondary | Reason::ClosedGroup) => self.skyddande += 1,
            _ => {}
        }
    }
}

/// What the public half-year report leaves out.
pub const HALF_YEAR_LEFT_OUT: &str = "Åldersspannet visas inte. ";

/// What the public table reports leave out.
pub const TABLES_LEFT_OUT: &str = "Åldersgrupperna, övergångsmatriserna per kön och tabellerna månad för månad visas inte i den publika versionen. ";

/// What a public report says under its tables about disclosure control: how many values
/// are hidden and why, in plain words, and what the public version leaves out.
pub fn public_note(threshold: i64, hidden: Option<&Hidden>, left_out: &str) -> String {
    let counted = match hidden {
        Some(h) if h.total() > 0 => format!(
            "{} värden visas som ..: {} är antal från 1 till {} eller hör till en grupp med så få, {} döljs för att ett sådant antal annars kunde räknas fram eller ringas in ur andra publicerade tal (andra projekt, alla, summor).",
            h.total(),
            h.sma,
            threshold - 1,
            h.skyddande
        ),
        _ => format!(
            "Antal från 1 till {} visas som ..; här behövde inget döljas.",
            threshold - 1
        ),
    };
    format!(
        "Publik version: {counted} Andelar visas där både antal och n visas. {left_out}Metoden: docs/rojandekontroll.md."
    )
}

/// The parts of a sum, with `*` parts expanded to every breakdown row of that query.
fn members(sum: &Sum, all: &BTreeMap<String, CellId>) -> Vec<CellId> {
    let mut parts = Vec::new();
    for part in &sum.delar {
        match part.strip_suffix('*') {
            Some(prefix) => parts.extend(
                all.iter()
                    .filter(|(k, _)| k.starts_with(prefix))
                    .map(|(_, id)| *id),
            ),
            None => parts.extend(all.get(part).copied()),
        }
    }
    parts
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
    report: &Report,
    sums: &[Sum],
    population: Option<&str>,
) -> Result<BTreeMap<String, CellId>, DisclosureError> {
    let period = &report.head.period;
    let mut cells: BTreeMap<String, CellId> = BTreeMap::new();
    let mut add = |publication: &mut Publication, key: &str, value: i64| {
        let id = publication.cell(&cell_key(selection, period, key), value)?;
        cells.insert(key.to_string(), id);
        Ok::<CellId, DisclosureError>(id)
    };
    for line in report.figurer.iter().flat_map(|f| &f.rader) {
        if let Value::Count { antal, namnare, .. } = &line.value {
            let id = add(publication, antal.key(), antal.exact())?;
            if let Some(n) = namnare {
                let whole = add(publication, n.key(), n.exact())?;
                publication.part(id, whole);
            }
        }
    }
    for sum in sums {
        if let Some(total) = cells.get(&sum.total) {
            publication.sum(*total, &members(sum, &cells));
        }
    }
    // A denominator computed in another query file (`insatser.sql:aktuella`) is the same
    // number as the count it repeats (`aktuella.sql:aktuella`).
    let mut by_column: BTreeMap<&str, Vec<CellId>> = BTreeMap::new();
    for (key, id) in &cells {
        if let Some((_, column)) = key.split_once(':') {
            by_column.entry(column).or_default().push(*id);
        }
    }
    for ids in by_column.values() {
        for pair in ids.windows(2) {
            publication.sum(pair[0], &[pair[1]]);
        }
    }
    if let Some(n) = population.and_then(|key| cells.get(key)) {
        publication.population(*n, cells.values().copied().collect());
    }
    Ok(cells)
}

/// Decides what `report` shows its `audience`: every count, the shares of the shown
/// counts and, for a public page, in its head the threshold and how many values were
/// hidden.
pub fn present(report: &mut Report, audience: &Audience) {
    let mut hidden = Hidden::default();
    for line in report.figurer.iter_mut().flat_map(|f| f.rader.iter_mut()) {
        match &mut line.value {
            Value::Count {
                antal,
                namnare,
                andel,
            } => {
                audience.decide(antal);
                hidden.tally(antal);
                if let Some(n) = namnare {
                    audience.decide(n);
                }
                let n = namnare.as_ref().and_then(Count::shown);
                *andel = antal.shown().zip(n).and_then(|(a, n)| whole_percent(a, n));
            }
            // Age spans name individuals: a public page never shows them.
            Value::Span { fran, till } if !audience.is_public() => {
                fran.iter_mut()
                    .chain(till.iter_mut())
                    .for_each(|c| audience.decide(c));
            }
            Value::Span { .. } => {}
        }
    }
    report.head.presented(audience, hidden);
}
