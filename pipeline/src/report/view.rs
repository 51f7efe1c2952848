//! A report as rows of display text, shared by the Markdown, HTML and XLSX renderers.

use serde::Serialize;

use super::{Figure, Line, Report, Value};

#[derive(Debug, Serialize)]
pub struct View {
    /// The selected projects, joined for headings.
    pub projects: String,
    /// Single figures, one row each.
    pub rows: Vec<Row>,
    pub breakdowns: Vec<Table>,
    /// The project's text sections, after the statistics.
    pub sections: Vec<super::document::Section>,
    /// The heading of the column of previous values (`föregående halvår (2007H2)`),
    /// where the selection has data for the previous half-year.
    pub previous: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub nr: u32,
    pub text: String,
    pub count: String,
    pub share: String,
    /// The previous half-year's count and share (`31 (44 %)`); empty where there is none.
    pub previous: String,
    /// The query file and its title.
    pub query: String,
}

#[derive(Debug, Serialize)]
pub struct Table {
    pub nr: u32,
    pub heading: String,
    pub with_share: bool,
    pub rows: Vec<Row>,
    pub note: Option<String>,
}

pub fn view(report: &Report) -> View {
    let rows = report
        .figurer
        .iter()
        .filter(|f| !f.fordelning)
        .flat_map(|figure| {
            figure.rader.iter().map(move |line| {
                let text = if figure.rader.len() == 1 {
                    figure.rubrik.clone()
                } else {
                    format!("{}: {}", figure.rubrik, line.text)
                };
                row(figure, text, line)
            })
        })
        .collect();
    let breakdowns = report
        .figurer
        .iter()
        .filter(|f| f.fordelning)
        .map(|figure| Table {
            nr: figure.nr,
            heading: figure.rubrik.clone(),
            with_share: figure.rader.iter().any(|l| {
                matches!(
                    l.value,
                    Value::Count {
                        namnare: Some(_),
                        ..
                    }
                )
            }),
            rows: figure
                .rader
                .iter()
                .map(|line| row(figure, line.text.clone(), line))
                .collect(),
            note: figure.not.clone(),
        })
        .collect();
    View {
        projects: report.head.projekt.join(", "),
        rows,
        breakdowns,
        sections: sections(report),
        previous: report
            .head
            .foregaende_halvar
            .as_ref()
            .map(|h| format!("föregående halvår ({h})")),
    }
}

/// Each text section under its heading; with several projects the heading names its project.
fn sections(report: &Report) -> Vec<super::document::Section> {
    let several = report
        .berattelse
        .iter()
        .any(|n| n.projekt != report.berattelse[0].projekt);
    report
        .berattelse
        .iter()
        .map(|n| super::document::Section {
            title: if several {
                format!("{}: {}", n.projekt, n.avsnitt)
            } else {
                n.avsnitt.clone()
            },
            text: n.text.clone(),
        })
        .collect()
}

fn row(figure: &Figure, text: String, line: &Line) -> Row {
    let (count, share) = cells(&line.value);
    let previous = match line.foregaende.as_ref().map(cells) {
        Some((count, share)) if share.is_empty() => count,
        Some((count, share)) => format!("{count} ({share})"),
        None => String::new(),
    };
    Row {
        nr: figure.nr,
        text,
        count,
        share,
        previous,
        query: format!("{} ({})", figure.fraga, figure.fraga_titel),
    }
}

/// The count and share as shown: `..` where disclosure control hid them, `–` for a
/// share of no one.
pub fn cells(value: &Value) -> (String, String) {
    match value {
        Value::Count {
            antal,
            namnare,
            andel,
        } => {
            let count = antal
                .shown()
                .map_or_else(|| "..".to_string(), crate::display::grouped);
            let share = match (andel, namnare.as_ref().map(|n| n.shown())) {
                (Some(a), _) => format!("{a} %"),
                (None, Some(Some(0))) => "–".to_string(),
                (None, Some(_)) => "..".to_string(),
                (None, None) => String::new(),
            };
            (count, share)
        }
        Value::Span { fran, till } => {
            let shown = |c: &Option<crate::display::Count>| c.as_ref().and_then(|c| c.shown());
            match (shown(fran), shown(till)) {
                (Some(from), Some(to)) => (format!("{from}–{to}"), String::new()),
                _ => ("..".to_string(), String::new()),
            }
        }
    }
}

/// The half-year report as a document for people: the single figures as one table, then
/// each breakdown as its own.
pub fn document(report: &Report) -> super::document::Document {
    use super::document::{DocTable, Document};
    let view = view(report);
    let mut about = vec![format!(
        "Period {} – {}",
        report.head.start, report.head.slut
    )];
    let mut tables = Vec::new();
    if report.head.inlamningar.is_empty() {
        about.push("Det finns ingen inlämning för perioden.".to_string());
    } else {
        about.push(format!("Underlag: {}.", report.head.inlamningar.join(", ")));
        let with_previous = |mut cells: Vec<String>, row: &Row| {
            if view.previous.is_some() {
                cells.push(row.previous.clone());
            }
            cells
        };
        let line = |row: &Row| {
            with_previous(
                vec![
                    format!("{}. {}", row.nr, row.text),
                    row.count.clone(),
                    row.share.clone(),
                ],
                row,
            )
        };
        let mut header = vec!["uppgift".to_string(), "antal".into(), "andel".into()];
        header.extend(view.previous.clone());
        tables.push(DocTable {
            heading: report.head.title.clone(),
            source: String::new(),
            header,
            rows: view.rows.iter().map(line).collect(),
            note: None,
        });
        for table in &view.breakdowns {
            let mut header = vec![String::new(), "antal".to_string()];
            if table.with_share {
                header.push("andel".to_string());
            }
            header.extend(view.previous.clone());
            tables.push(DocTable {
                heading: format!("{}. {}", table.nr, table.heading),
                source: table
                    .rows
                    .first()
                    .map(|r| r.query.clone())
                    .unwrap_or_default(),
                header,
                rows: table
                    .rows
                    .iter()
                    .map(|row| {
                        let mut cells = vec![row.text.clone(), row.count.clone()];
                        if table.with_share {
                            cells.push(row.share.clone());
                        }
                        with_previous(cells, row)
                    })
                    .collect(),
                note: table.note.clone(),
            });
        }
    }
    let mut footer: Vec<String> = report
        .head
        .public_note(super::disclosure::HALF_YEAR_LEFT_OUT)
        .into_iter()
        .collect();
    footer.push(
        "Andelar i hela procent (halva uppåt); .. = dolt av röjandekontrollen. Definitionerna finns i frågorna i queries/halvar/ och i docs/definitions.md. Skapad med finsam.".to_string(),
    );
    Document {
        title: format!("Halvårsrapport {} {}", view.projects, report.head.period),
        about,
        notes: Vec::new(),
        tables,
        sections: view.sections,
        footer,
    }
}
