//! Table reports as text for people: a [`Document`] of display strings per table,
//! written out as Markdown, a standalone HTML page or a Word document.
//!
//! A share reads `12 · 35 % (21–52)`: the count, the whole-percent share and its 95 %
//! Wilson interval; the column's n heads the table. Where a share's n differs from the
//! column's (months with follow-up data), the cell says `12/30 · …`. `..` is a value
//! hidden by disclosure control, `–` one that does not exist (n = 0).

use std::fmt::Write;

use minijinja::{Environment, context};

use super::compare::{Compared, ComparisonReport};
use super::{Cell, Column, TableKind, TableReport, percent};
use crate::display::{Count, figure, grouped};
use crate::report::Render;
use crate::report::disclosure::TABLES_LEFT_OUT;
use crate::report::document::{DocTable, Document};

const HIDDEN: &str = "..";
const NONE: &str = "–";

fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(low), Some(high)) => format!(" ({}–{})", percent(low), percent(high)),
        _ => String::new(),
    }
}

fn signed(value: i64) -> String {
    if value > 0 {
        format!("+{value}")
    } else {
        value.to_string().replace('-', "−")
    }
}

fn cell_text(cell: &Cell, column: Option<&Column>, kind: TableKind) -> String {
    match cell {
        // A matrix shows counts: a share and interval in every one of its cells is noise
        // (they are in the JSON and Excel versions).
        Cell::Share(c) if kind == TableKind::Matris => {
            c.antal.shown().map_or(HIDDEN.to_string(), grouped)
        }
        Cell::Share(c) => {
            let Some(antal) = c.antal.shown() else {
                return HIDDEN.to_string();
            };
            let own_n = column.is_none_or(|col| col.n_key() != Some(c.n.key()));
            let count = match (own_n, c.n.shown()) {
                (true, Some(n)) => format!("{}/{}", grouped(antal), grouped(n)),
                (true, None) => format!("{}/{HIDDEN}", grouped(antal)),
                (false, _) => grouped(antal),
            };
            match (c.n.shown(), c.andel) {
                (Some(0), _) => NONE.to_string(),
                (_, Some(share)) => {
                    format!(
                        "{count} · {} %{}",
                        percent(share),
                        interval(c.ki_lag, c.ki_hog)
                    )
                }
                _ => format!("{count} · {HIDDEN}"),
            }
        }
        Cell::Change(c) => match (c.skillnad, c.procentenheter) {
            (Some(change), Some(points)) => {
                format!("{} ({} pe)", signed(change), signed(points.round() as i64))
            }
            (Some(change), None) => signed(change),
            _ => HIDDEN.to_string(),
        },
        // A kommun's own figure; an empty cell is one its source does not give.
        Cell::Number(c) if kind == TableKind::Kontext => c.varde.map_or_else(String::new, figure),
        Cell::Number(c) => match c.varde {
            Some(value) => format!("{}", value.round() as i64),
            None if column.is_some_and(|col| col.n.as_ref().and_then(Count::shown) == Some(0)) => {
                NONE.to_string()
            }
            None => HIDDEN.to_string(),
        },
        Cell::Survival(c) => {
            let followed = c.i_risk.shown().map_or(HIDDEN.to_string(), grouped);
            match c.andel {
                Some(share) => format!(
                    "{} %{} · {followed} följs",
                    percent(share),
                    interval(c.ki_lag, c.ki_hog)
                ),
                None if c.i_risk.shown() == Some(0) => NONE.to_string(),
                None => HIDDEN.to_string(),
            }
        }
    }
}

/// What a table without rows says in place of them.
fn empty_table(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Kontext => "Inga siffror för deltagarnas kommuner",
        _ => "Inga deltagare i urvalet",
    }
}

fn selection(report: &TableReport) -> String {
    format!("{} {}", report.head.projekt.join(", "), report.head.period)
}

fn about(report: &TableReport) -> Vec<String> {
    let mut about = vec![format!(
        "Period {} – {}",
        report.head.start, report.head.slut
    )];
    about.push(match report.head.inlamningar.len() {
        0 => "Inga inlämningar".to_string(),
        n if n <= 6 => format!("Underlag: {}", report.head.inlamningar.join(", ")),
        n => format!(
            "Underlag: {n} inlämningar ({} … {})",
            report.head.inlamningar[0],
            report.head.inlamningar[n - 1]
        ),
    });
    about
}

/// The public version's note, if any, and what every table report says last.
fn footer(public_note: Option<String>, folder: &str) -> Vec<String> {
    let mut footer: Vec<String> = public_note.into_iter().collect();
    footer.push(format!(
        "Andelar i hela procent med 95 % konfidensintervall (Wilson) inom parentes; – = inga deltagare, pe = procentenheter. Definitionerna finns i frågorna i queries/{folder}/ och i docs/definitions.md. Skapad med finsam."
    ));
    footer
}

fn grid_tables(report: &TableReport) -> Vec<DocTable> {
    report
        .tabeller
        .iter()
        .map(|table| {
            let mut header = vec![String::new()];
            header.extend(table.kolumner.iter().map(|c| c.text.clone()));
            let mut rows = Vec::new();
            if table.typ != TableKind::Matris && table.kolumner.iter().any(|c| c.n.is_some()) {
                let mut n_row = vec!["n".to_string()];
                n_row.extend(table.kolumner.iter().map(|c| {
                    c.n.as_ref()
                        .and_then(Count::shown)
                        .map_or(HIDDEN.to_string(), grouped)
                }));
                rows.push(n_row);
            }
            for row in &table.rader {
                let mut cells = vec![row.text.clone()];
                cells.extend(
                    row.celler
                        .iter()
                        .enumerate()
                        .map(|(i, cell)| cell_text(cell, table.kolumner.get(i), table.typ)),
                );
                rows.push(cells);
            }
            if table.rader.is_empty() {
                rows.push(vec![empty_table(table.typ).to_string()]);
            }
            DocTable {
                heading: format!("{}. {}", table.nr, table.rubrik),
                source: format!("{} ({})", table.fraga, table.fraga_titel),
                header,
                rows,
                note: table.not.clone(),
            }
        })
        .collect()
}

fn grid(report: &TableReport) -> Document {
    Document {
        title: format!("{}: {}", report.head.title, selection(report)),
        about: about(report),
        notes: report.anmarkningar.clone(),
        tables: grid_tables(report),
        sections: Vec::new(),
        footer: footer(report.head.public_note(TABLES_LEFT_OUT), &report.fragor),
    }
}

fn compared_text(c: &Compared) -> String {
    match (c.antal, c.n, c.andel) {
        (Some(k), Some(n), Some(share)) => format!(
            "{}/{} · {} %{}",
            grouped(k),
            grouped(n),
            percent(share),
            interval(c.ki_lag, c.ki_hog)
        ),
        (_, Some(0), _) => NONE.to_string(),
        _ => HIDDEN.to_string(),
    }
}

fn comparison_grid(report: &ComparisonReport) -> Document {
    let [a, b] = &report.jamforelse;
    let [report_a, report_b] = &report.rapporter;
    let tables = report
        .tabeller
        .iter()
        .map(|table| {
            let header = vec![
                String::new(),
                a.clone(),
                b.clone(),
                "skillnad".to_string(),
                "p".to_string(),
                "bedömning".to_string(),
            ];
            let rows = table
                .rader
                .iter()
                .map(|row| {
                    let verdict = match (row.storre_an_slumpen, &row.test) {
                        (Some(true), Some(test)) => format!("större än slumpen ({test})"),
                        (Some(false), Some(test)) => format!("kan vara slumpen ({test})"),
                        _ => "kan inte prövas".to_string(),
                    };
                    vec![
                        row.text.clone(),
                        compared_text(&row.a),
                        compared_text(&row.b),
                        row.skillnad_procentenheter.map_or(String::new(), |d| {
                            format!("{} pe", signed(d.round() as i64))
                        }),
                        row.p_varde.map_or(String::new(), format_p),
                        verdict,
                    ]
                })
                .collect();
            DocTable {
                heading: format!("{}. {}", table.nr, table.rubrik),
                source: table.fraga.clone(),
                header,
                rows,
                note: None,
            }
        })
        .collect();
    let mut notes = Vec::new();
    for (label, r) in [(a, report_a), (b, report_b)] {
        notes.extend(r.anmarkningar.iter().map(|n| format!("{label}: {n}")));
    }
    Document {
        title: format!("{}: jämförelse {a} och {b}", report.title),
        about: vec![
            format!(
                "{a}: {} ({} – {})",
                selection(report_a),
                report_a.head.start,
                report_a.head.slut
            ),
            format!(
                "{b}: {} ({} – {})",
                selection(report_b),
                report_b.head.start,
                report_b.head.slut
            ),
            report.metod.clone(),
        ],
        notes,
        tables,
        sections: Vec::new(),
        footer: footer(
            report
                .publik_troskel
                .map(|t| crate::report::disclosure::public_note(t, None, TABLES_LEFT_OUT)),
            &report_b.fragor,
        ),
    }
}

/// A p-value as people read it: two significant digits, Swedish decimal comma.
fn format_p(p: f64) -> String {
    if p < 0.001 {
        "< 0,001".to_string()
    } else {
        format!("{p:.3}").replace('.', ",")
    }
}

/// Any document as Markdown: its title, lines, notes, tables and footer.
pub(crate) fn markdown(grid: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", grid.title);
    for line in &grid.about {
        let _ = writeln!(out, "{line}  ");
    }
    if !grid.notes.is_empty() {
        let _ = writeln!(out, "\n## Anmärkningar\n");
        for note in &grid.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    for table in &grid.tables {
        let _ = writeln!(out, "\n## {}\n", table.heading);
        let escape = |text: &str| text.replace('|', "\\|");
        let header: Vec<String> = table.header.iter().map(|h| escape(h)).collect();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let align: Vec<&str> = (0..header.len())
            .map(|i| if i == 0 { "---" } else { "---:" })
            .collect();
        let _ = writeln!(out, "|{}|", align.join("|"));
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        let _ = writeln!(out, "\nKälla: `{}`.", table.source);
        if let Some(note) = &table.note {
            let _ = writeln!(out, "{note}");
        }
    }
    let _ = writeln!(out, "\n---\n");
    for line in &grid.footer {
        let _ = writeln!(out, "{line}  ");
    }
    out
}

const TEMPLATE: &str = include_str!("tabeller.html");

/// Any document as a standalone HTML page.
pub(crate) fn html(grid: &Document) -> String {
    let mut env = Environment::new();
    env.add_template("tabeller.html", TEMPLATE)
        .expect("the bundled template parses");
    env.get_template("tabeller.html")
        .expect("added above")
        .render(context! { style => crate::report::html::STYLE, grid => grid })
        .expect("the bundled template renders every report")
}

pub fn to_markdown(report: &TableReport) -> String {
    markdown(&grid(report))
}

pub fn to_html(report: &TableReport) -> String {
    html(&grid(report))
}

pub fn comparison_to_markdown(report: &ComparisonReport) -> String {
    markdown(&comparison_grid(report))
}

pub fn comparison_to_html(report: &ComparisonReport) -> String {
    html(&comparison_grid(report))
}

impl Render for TableReport {
    fn markdown(&self) -> String {
        to_markdown(self)
    }

    fn html(&self) -> String {
        to_html(self)
    }

    fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        super::xlsx::to_xlsx(self)
    }

    fn document(&self) -> Document {
        grid(self)
    }
}

impl Render for ComparisonReport {
    fn markdown(&self) -> String {
        comparison_to_markdown(self)
    }

    fn html(&self) -> String {
        comparison_to_html(self)
    }

    fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        super::xlsx::comparison_to_xlsx(self)
    }

    fn document(&self) -> Document {
        comparison_grid(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_read_in_swedish() {
        assert_eq!(format_p(0.0312), "0,031");
        assert_eq!(format_p(0.0004), "< 0,001");
    }

    #[test]
    fn signs_use_a_real_minus() {
        assert_eq!(signed(3), "+3");
        assert_eq!(signed(-3), "−3");
        assert_eq!(signed(0), "0");
    }
}
