//! The report as Markdown: a heading, one table of single figures and one small table
//! per breakdown, in Swedish.

use std::fmt::Write;

use super::Report;
use super::view::{Row, view};

pub fn to_markdown(report: &Report) -> String {
    let view = view(report);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Halvårsrapport {} {}\n",
        view.projects, report.head.period
    );
    let _ = writeln!(
        out,
        "Period: {} – {}\n",
        report.head.start, report.head.slut
    );
    let _ = writeln!(out, "## {}\n", report.head.title);
    if report.head.inlamningar.is_empty() {
        let _ = writeln!(
            out,
            "Det finns ingen inlämning för {} {}: inga siffror att redovisa för perioden.",
            view.projects, report.head.period
        );
        return out;
    }
    // The previous half-year's column, where there is one.
    let (previous_head, previous_rule) = match &view.previous {
        Some(heading) => (format!(" {heading} |"), "---:|"),
        None => (String::new(), ""),
    };
    let previous = |row: &Row| match view.previous {
        Some(_) => format!(" {} |", row.previous),
        None => String::new(),
    };
    let _ = writeln!(out, "| nr | uppgift | antal | andel |{previous_head}");
    let _ = writeln!(out, "|---:|---|---:|---:|{previous_rule}");
    for row in &view.rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |{}",
            row.nr,
            row.text,
            row.count,
            row.share,
            previous(row)
        );
    }
    for table in &view.breakdowns {
        let _ = writeln!(out, "\n### {}. {}\n", table.nr, table.heading);
        if table.with_share {
            let _ = writeln!(
                out,
                "| | antal | andel |{previous_head}\n|---|---:|---:|{previous_rule}"
            );
        } else {
            let _ = writeln!(out, "| | antal |{previous_head}\n|---|---:|{previous_rule}");
        }
        for row in &table.rows {
            if table.with_share {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |{}",
                    row.text,
                    row.count,
                    row.share,
                    previous(row)
                );
            } else {
                let _ = writeln!(out, "| {} | {} |{}", row.text, row.count, previous(row));
            }
        }
        if let Some(note) = &table.note {
            let _ = writeln!(out, "\n{note}");
        }
    }
    for section in &view.sections {
        let _ = writeln!(out, "\n## {}\n", escape(&section.title));
        for paragraph in section.paragraphs() {
            // A line break inside a paragraph: two spaces at the end of the line.
            let lines: Vec<String> = paragraph.lines().map(escape).collect();
            let _ = writeln!(out, "{}\n", lines.join("  \n"));
        }
    }
    let _ = writeln!(out, "\n---\n");
    let _ = writeln!(out, "Underlag: {}.  ", report.head.inlamningar.join(", "));
    if let Some(note) = report
        .head
        .public_note(super::disclosure::HALF_YEAR_LEFT_OUT)
    {
        let _ = writeln!(out, "{note}  ");
    }
    let _ = writeln!(
        out,
        "Andelar i hela procent (halva uppåt). Definitionerna finns i frågorna i `queries/halvar/` och i `docs/definitions.md`."
    );
    out
}

/// A line of a project's own text as Markdown shows it, never as markup: a `#` or `-`
/// starting the line stays text, and so does anything that looks like HTML or emphasis.
/// Only what Markdown would read is escaped, so the text still reads well in a terminal.
fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 4);
    let numbered = line.find(|c: char| !c.is_ascii_digit());
    for (i, c) in line.char_indices() {
        let starts = i == 0 && matches!(c, '#' | '>' | '-' | '+' | '=' | '|');
        let list_number = i > 0 && c == '.' && numbered == Some(i);
        if starts || list_number || matches!(c, '\\' | '`' | '*' | '_' | '<' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn a_projects_text_is_never_markup() {
        assert_eq!(escape("# Rubrik"), "\\# Rubrik");
        assert_eq!(escape("- punkt"), "\\- punkt");
        assert_eq!(escape("1. punkt"), "1\\. punkt");
        assert_eq!(
            escape("<b>fet</b> och *stjärna*"),
            "\\<b>fet\\</b> och \\*stjärna\\*"
        );
        assert_eq!(
            escape("Jobb- och utvecklingsgarantin 1/12-07."),
            "Jobb- och utvecklingsgarantin 1/12-07."
        );
    }
}
