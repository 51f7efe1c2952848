//! The layout file of a table report (`rapport.toml` in `queries/utfall/` or
//! `queries/deltagare/`): which table comes from which query, of which kind. Data, so an
//! evaluator can reorder, reword or drop a table without touching code.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::report::ReportError;

/// The `indelning` whose groups are kommunkoder.
pub const BY_MUNICIPALITY: &str = "kommun";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableLayout {
    pub titel: String,
    /// The population every table's n counts (`avslutade`, `aktuella`): one cell for
    /// disclosure control however many tables show it.
    pub grundmangd: String,
    /// Display names of the `grupp` column's values (`K` → `Kvinnor`); others show as they are.
    #[serde(default)]
    pub kolumnnamn: BTreeMap<String, String>,
    /// Notes on the data, from a query with one row of counts.
    pub kvalitet: Option<Quality>,
    pub tabeller: Vec<TableEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quality {
    pub fraga: String,
    /// The column counting the population.
    pub n: String,
    /// Shown when the population is empty.
    pub tom: String,
    #[serde(default)]
    pub anmarkningar: Vec<QualityNote>,
}

/// A note shown when its column's count is above zero; `{antal}` and `{n}` in the text
/// are replaced by the counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityNote {
    pub kolumn: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableEntry {
    pub nr: u32,
    pub rubrik: String,
    /// The query file, e.g. `status.sql`.
    pub fraga: String,
    #[serde(default)]
    pub typ: TableKind,
    /// Keep only the query's rows with this value in its `del` column.
    pub del: Option<String>,
    /// Each participant is in exactly one row (per `rad` when there is a `del` column).
    #[serde(default)]
    pub summerar: bool,
    /// The population this table's n counts, when not the report's `grundmangd`.
    pub grundmangd: Option<String>,
    /// For `forandring`: the `del` values compared.
    pub fran: Option<String>,
    pub till: Option<String>,
    pub not: Option<String>,
    /// The note of a table without rows (for `kontext`: no figures for the kommuner).
    pub tom: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    #[default]
    Andelar,
    Forandring,
    Matris,
    Kvartiler,
    Manadsandel,
    KaplanMeier,
    /// The kommuner's own figures (the `kontext` table), one column per kommun: shown
    /// only in a report broken down by kommun, beside its columns.
    Kontext,
}

impl TableLayout {
    pub fn parse(text: &str, file: &str) -> Result<TableLayout, ReportError> {
        let bad = |message: String| ReportError::Layout {
            file: file.to_string(),
            message,
        };
        let layout: TableLayout = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        for table in &layout.tabeller {
            let change = table.typ == TableKind::Forandring;
            if change != (table.fran.is_some() && table.till.is_some()) {
                return Err(bad(format!(
                    "tabell {}: fran och till hör till typ = \"forandring\", och den behöver båda",
                    table.nr
                )));
            }
        }
        let mut numbers: Vec<u32> = layout.tabeller.iter().map(|t| t.nr).collect();
        numbers.sort_unstable();
        if let Some(w) = numbers.windows(2).find(|w| w[0] == w[1]) {
            return Err(bad(format!("tabell {} finns två gånger", w[0])));
        }
        Ok(layout)
    }

    /// The query files the tables need (a file may feed several tables).
    pub fn queries(&self) -> impl Iterator<Item = &str> {
        self.tabeller.iter().map(|t| t.fraga.as_str())
    }

    /// How a `grupp` value of `indelning` is shown: a kommunkod as the kommun's name.
    pub fn column_name(&self, indelning: &str, group: &str) -> String {
        if let Some(name) = self.kolumnnamn.get(group) {
            return name.clone();
        }
        match crate::registry::municipalities().get(group) {
            Some(kommun) if indelning == BY_MUNICIPALITY => kommun.label.clone(),
            _ => group.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_layouts_parse() {
        for folder in ["utfall", "deltagare"] {
            let library = crate::report::QueryLibrary::load(None, folder).unwrap();
            let layout = TableLayout::parse(library.text("rapport.toml").unwrap(), folder).unwrap();
            for name in layout.queries() {
                library.query(name).unwrap();
            }
        }
    }

    #[test]
    fn a_change_table_needs_both_ends() {
        let text = "titel = \"x\"\ngrundmangd = \"a\"\n[[tabeller]]\nnr = 1\nrubrik = \"r\"\nfraga = \"q\"\ntyp = \"forandring\"\nfran = \"a\"\n";
        let error = TableLayout::parse(text, "x.toml").unwrap_err().to_string();
        assert!(error.contains("fran och till"), "{error}");
    }
}
