//! The report as Markdown: a heading, one table of single figures and one small table
//! per breakdown, in Swedish.

use std::fmt::Write;

use super::{Figure, Report, Value};

pub fn to_markdown(report: &Report) -> String {
    let mut out = String::new();
    let projects = report.projekt.join(", ");
    let _ = writeln!(out, "# Halvårsrapport {projects} {}\n", report.period);
    let _ = writeln!(out, "Period: {} – {}\n", report.start, report.slut);
    let _ = writeln!(out, "## {}\n", report.title);
    if report.inlamningar.is_empty() {
        let _ = writeln!(
            out,
            "Det finns ingen inlämning för {projects} {}: inga siffror att redovisa för perioden.",
            report.period
        );
        return out;
    }
    let _ = writeln!(out, "| nr | uppgift | antal | andel |");
    let _ = writeln!(out, "|---:|---|---:|---:|");
    for figure in report.figurer.iter().filter(|f| !f.fordelning) {
        for line in &figure.rader {
            let (count, share) = cells(&line.value);
            let text = if figure.rader.len() == 1 {
                figure.rubrik.clone()
            } else {
                format!("{}: {}", figure.rubrik, line.text)
            };
            let _ = writeln!(out, "| {} | {text} | {count} | {share} |", figure.nr);
        }
    }
    for figure in report.figurer.iter().filter(|f| f.fordelning) {
        breakdown(&mut out, figure);
    }
    let _ = writeln!(out, "\n---\n");
    let _ = writeln!(out, "Underlag: {}.  ", report.inlamningar.join(", "));
    let _ = writeln!(
        out,
        "Andelar i hela procent (halva uppåt). Definitionerna finns i frågorna i `queries/halvar/` och i `docs/definitions.md`."
    );
    out
}

fn cells(value: &Value) -> (String, String) {
    match value {
        Value::Count { antal, andel, .. } => (
            antal.to_string(),
            andel.map(|a| format!("{a} %")).unwrap_or_default(),
        ),
        Value::Span { fran, till } => {
            let show = |v: &Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "–".into());
            (format!("{}–{}", show(fran), show(till)), String::new())
        }
    }
}

fn breakdown(out: &mut String, figure: &Figure) {
    let _ = writeln!(out, "\n### {}. {}\n", figure.nr, figure.rubrik);
    let with_share = figure
        .rader
        .iter()
        .any(|l| matches!(l.value, Value::Count { andel: Some(_), .. }));
    if with_share {
        let _ = writeln!(out, "| | antal | andel |\n|---|---:|---:|");
    } else {
        let _ = writeln!(out, "| | antal |\n|---|---:|");
    }
    for line in &figure.rader {
        let (count, share) = cells(&line.value);
        if with_share {
            let _ = writeln!(out, "| {} | {count} | {share} |", line.text);
        } else {
            let _ = writeln!(out, "| {} | {count} |", line.text);
        }
    }
    if let Some(note) = &figure.not {
        let _ = writeln!(out, "\n{note}");
    }
}
