//! A report as rows of display text, shared by the Markdown, HTML and XLSX renderers.

use serde::Serialize;

use super::{Figure, Report, Value};

#[derive(Debug, Serialize)]
pub struct View {
    /// The selected projects, joined for headings.
    pub projects: String,
    /// Single figures, one row each.
    pub rows: Vec<Row>,
    pub breakdowns: Vec<Table>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub nr: u32,
    pub text: String,
    pub count: String,
    pub share: String,
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
                row(figure, text, &line.value)
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
                .map(|line| row(figure, line.text.clone(), &line.value))
                .collect(),
            note: figure.not.clone(),
        })
        .collect();
    View {
        projects: report.head.projekt.join(", "),
        rows,
        breakdowns,
    }
}

fn row(figure: &Figure, text: String, value: &Value) -> Row {
    let (count, share) = cells(value);
    Row {
        nr: figure.nr,
        text,
        count,
        share,
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
                .map_or_else(|| "..".to_string(), |a| a.to_string());
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
