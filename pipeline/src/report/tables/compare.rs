//! `--jamfor A B`: two periods (or two projects) side by side, and whether each
//! difference in share is larger than chance.
//!
//! Only the total column of the share tables is tested: subgroups are too small for a
//! test to say much, and testing every cell would raise false alarms. The test is
//! [`stats::compare`]: a pooled two-sided z-test for two proportions, or Fisher's exact
//! test when an expected count is below 5; p < 0.05 counts as larger than chance.

use serde::Serialize;

use super::{Cell, ShareCell, TableKind, TableReport};
use crate::report::stats::{self, TestKind};

/// How differences are tested, in the report's words.
pub const METHOD: &str = "Skillnaden i andel prövas med ett tvåsidigt z-test för två andelar \
(poolat), eller med Fishers exakta test när något förväntat antal är under 5; p < 0,05 kallas \
större än slumpen. Intervallen är 95 % Wilson-intervall. Bara kolumnen Totalt prövas: i \
undergrupperna är antalen för små för att ett test ska säga något, och många tester ger falsklarm.";

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonReport {
    pub title: String,
    /// What is compared: two periods or two projects, as given.
    pub jamforelse: [String; 2],
    pub metod: String,
    pub publik_troskel: Option<i64>,
    pub tabeller: Vec<ComparedTable>,
    /// The two full reports.
    pub rapporter: [TableReport; 2],
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparedTable {
    pub nr: u32,
    pub rubrik: String,
    pub fraga: String,
    pub rader: Vec<ComparedRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparedRow {
    pub text: String,
    pub a: Compared,
    pub b: Compared,
    /// `b − a` in percentage points.
    pub skillnad_procentenheter: Option<f64>,
    pub p_varde: Option<f64>,
    /// `z-test` or `Fishers exakta test`.
    pub test: Option<String>,
    pub storre_an_slumpen: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Compared {
    pub antal: Option<i64>,
    pub n: Option<i64>,
    pub andel: Option<f64>,
    pub ki_lag: Option<f64>,
    pub ki_hog: Option<f64>,
}

impl From<&ShareCell> for Compared {
    fn from(c: &ShareCell) -> Compared {
        Compared {
            antal: c.antal.shown(),
            n: c.n.shown(),
            andel: c.andel,
            ki_lag: c.ki_lag,
            ki_hog: c.ki_hog,
        }
    }
}

/// Compares report `a` (the earlier period or the reference project) with `b`. Counts
/// hidden by disclosure control are not tested.
pub fn compare(labels: [String; 2], a: TableReport, b: TableReport) -> ComparisonReport {
    let mut tables = Vec::new();
    for table_b in b.tabeller.iter().filter(|t| t.typ == TableKind::Andelar) {
        let Some(table_a) = a
            .tabeller
            .iter()
            .find(|t| t.nr == table_b.nr && t.rubrik == table_b.rubrik)
        else {
            continue;
        };
        let total = |row: &super::Row| match row.celler.first() {
            Some(Cell::Share(c)) => Some(c.clone()),
            _ => None,
        };
        let mut rows = Vec::new();
        for row_b in &table_b.rader {
            let Some(row_a) = table_a.rader.iter().find(|r| r.text == row_b.text) else {
                continue;
            };
            let (Some(cell_a), Some(cell_b)) = (total(row_a), total(row_b)) else {
                continue;
            };
            rows.push(compare_cells(row_b.text.clone(), &cell_a, &cell_b));
        }
        tables.push(ComparedTable {
            nr: table_b.nr,
            rubrik: table_b.rubrik.clone(),
            fraga: table_b.fraga.clone(),
            rader: rows,
        });
    }
    ComparisonReport {
        title: b.head.title.clone(),
        jamforelse: labels,
        metod: METHOD.to_string(),
        publik_troskel: b.head.publik_troskel,
        tabeller: tables,
        rapporter: [a, b],
    }
}

fn compare_cells(text: String, a: &ShareCell, b: &ShareCell) -> ComparedRow {
    let counts = |c: &ShareCell| match (c.antal.shown(), c.n.shown()) {
        (Some(k), Some(n)) if n > 0 => Some((k.max(0) as u64, n as u64)),
        _ => None,
    };
    let (difference, p_value, test, significant) = match (counts(a), counts(b)) {
        (Some((k1, n1)), Some((k2, n2))) => {
            let result = stats::compare(k1, n1, k2, n2);
            (
                result.difference.map(|d| 100.0 * d),
                result.p_value,
                result.test.map(|t| match t {
                    TestKind::TwoProportionZ => "z-test".to_string(),
                    TestKind::FisherExact => "Fishers exakta test".to_string(),
                }),
                result.p_value.map(|_| result.significant),
            )
        }
        _ => (None, None, None, None),
    };
    ComparedRow {
        text,
        a: a.into(),
        b: b.into(),
        skillnad_procentenheter: difference,
        p_varde: p_value,
        test,
        storre_an_slumpen: significant,
    }
}
