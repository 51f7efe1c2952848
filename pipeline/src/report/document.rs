//! A report as a document: a title, lines about it, tables with a header row, notes, text
//! sections; the shape every report takes for people (Markdown, HTML, Word, PDF), and its
//! Word form (the PDF is `typeset.rs`).
//!
//! The Word document keeps each table with its heading on one page where it fits
//! (`keep with next` on the heading and on every row but the last; rows never split),
//! bolds and shades the header row, and right-aligns every cell but the first of a row.
//! Numbers are the display text the other formats show (Swedish: `47 %`, `0,031`, `−3`).

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Paragraph, Run, RunFonts, Shading, ShdType, Style, StyleType, Table,
    TableCell, TableLayoutType, TableRow, WidthType,
};
use serde::Serialize;

use super::ReportError;

/// A report for people.
#[derive(Debug, Serialize)]
pub struct Document {
    pub title: String,
    /// Lines under the title: period, selection, publication.
    pub about: Vec<String>,
    pub notes: Vec<String>,
    pub tables: Vec<DocTable>,
    /// Free text after the tables (the half-year report's narrative), in order.
    pub sections: Vec<Section>,
    pub footer: Vec<String>,
}

/// A titled text; paragraphs are separated by an empty line. Its JSON (what the PDF's
/// layout reads) also carries the paragraphs.
#[derive(Debug)]
pub struct Section {
    pub title: String,
    pub text: String,
}

impl Serialize for Section {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut section = serializer.serialize_struct("Section", 3)?;
        section.serialize_field("title", &self.title)?;
        section.serialize_field("text", &self.text)?;
        section.serialize_field("paragraphs", &self.paragraphs())?;
        section.end()
    }
}

impl Section {
    /// The text's paragraphs, each its lines joined by `\n`: a line of nothing but spaces
    /// separates paragraphs like an empty one.
    pub fn paragraphs(&self) -> Vec<String> {
        let mut paragraphs = Vec::new();
        let mut current: Vec<&str> = Vec::new();
        for line in self.text.lines() {
            if line.trim().is_empty() {
                if !current.is_empty() {
                    paragraphs.push(current.join("\n"));
                    current.clear();
                }
            } else {
                current.push(line.trim_end());
            }
        }
        if !current.is_empty() {
            paragraphs.push(current.join("\n"));
        }
        paragraphs
    }
}

#[derive(Debug, Serialize)]
pub struct DocTable {
    pub heading: String,
    /// The query file it comes from, and its title.
    pub source: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub note: Option<String>,
}

/// Page width between the margins, in twentieths of a point (A4, 2.5 cm margins).
const TEXT_WIDTH: usize = 9026;

/// The document as a Word file (.docx).
pub fn to_docx(document: &Document) -> Result<Vec<u8>, ReportError> {
    let mut docx = Docx::new()
        .default_fonts(RunFonts::new().ascii("Calibri").hi_ansi("Calibri"))
        .default_size(22)
        .add_style(heading_style("Heading1", "heading 1", 32))
        .add_style(heading_style("Heading2", "heading 2", 24))
        .add_paragraph(
            Paragraph::new()
                .style("Heading1")
                .add_run(Run::new().add_text(&document.title)),
        );
    for line in &document.about {
        docx = docx.add_paragraph(text(line));
    }
    for note in &document.notes {
        docx = docx.add_paragraph(text(note).add_run(Run::new()));
    }
    for table in &document.tables {
        docx = docx
            .add_paragraph(
                Paragraph::new()
                    .style("Heading2")
                    .keep_next(true)
                    .keep_lines(true)
                    .add_run(Run::new().add_text(&table.heading)),
            )
            .add_table(word_table(table));
        if let Some(note) = &table.note {
            docx = docx.add_paragraph(small(note));
        }
        if !table.source.is_empty() {
            docx = docx.add_paragraph(small(&format!("Fråga: {}", table.source)));
        }
    }
    for section in &document.sections {
        docx = docx.add_paragraph(
            Paragraph::new()
                .style("Heading2")
                .keep_next(true)
                .add_run(Run::new().add_text(&section.title)),
        );
        for paragraph in section.paragraphs() {
            let mut lines = paragraph.lines();
            let mut run = Run::new().add_text(lines.next().unwrap_or(""));
            for line in lines {
                run = run
                    .add_break(docx_rs::BreakType::TextWrapping)
                    .add_text(line);
            }
            docx = docx.add_paragraph(Paragraph::new().add_run(run));
        }
    }
    for line in &document.footer {
        docx = docx.add_paragraph(small(line));
    }
    let mut bytes = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut bytes)
        .map_err(|e| ReportError::Document(e.to_string()))?;
    Ok(bytes.into_inner())
}

/// The document as an Excel workbook, one sheet: its title, lines, then each table with
/// a bold header row; whole numbers as numbers, the rest as text.
pub fn to_xlsx(document: &Document) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let sheet = workbook.add_worksheet().set_name("Rapport")?;
    sheet.set_column_width(0, 28)?;
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.write_string_with_format(0, 0, &document.title, &title)?;
    let mut line = 1;
    for text in &document.about {
        sheet.write_string(line, 0, text)?;
        line += 1;
    }
    for table in &document.tables {
        line += 1;
        sheet.write_string_with_format(line, 0, &table.heading, &bold)?;
        line += 1;
        for (col, text) in (0..).zip(&table.header) {
            sheet.write_string_with_format(line, col, text, &bold)?;
            if col > 0 {
                sheet.set_column_width(col, 16)?;
            }
        }
        for row in &table.rows {
            line += 1;
            for (col, text) in (0..).zip(row) {
                match text.parse::<i64>() {
                    Ok(n) if col > 0 => sheet.write_number(line, col, n as f64)?,
                    _ => sheet.write_string(line, col, text)?,
                };
            }
        }
        line += 1;
        if let Some(note) = &table.note {
            sheet.write_string(line, 0, note)?;
            line += 1;
        }
    }
    line += 1;
    for text in &document.footer {
        sheet.write_string(line, 0, text)?;
        line += 1;
    }
    workbook.save_to_buffer()
}

fn heading_style(id: &str, name: &str, half_points: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .size(half_points)
        .bold()
}

fn text(line: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(line))
}

fn small(line: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().size(18).add_text(line))
}

/// The first column takes what the others leave; the others share a third of the page.
fn word_table(table: &DocTable) -> Table {
    let columns = table
        .header
        .len()
        .max(table.rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(1);
    let other = if columns > 1 {
        (TEXT_WIDTH * 4 / 10) / (columns - 1)
    } else {
        0
    };
    let first = TEXT_WIDTH - other * (columns - 1);
    let widths: Vec<usize> = std::iter::once(first)
        .chain(std::iter::repeat_n(other, columns - 1))
        .collect();
    let last = table.rows.len();
    let mut rows = vec![row(&table.header, &widths, true, last > 0)];
    for (index, cells) in table.rows.iter().enumerate() {
        rows.push(row(cells, &widths, false, index + 1 < last));
    }
    Table::new(rows)
        .set_grid(widths.clone())
        .layout(TableLayoutType::Fixed)
        .width(TEXT_WIDTH, WidthType::Dxa)
}

fn row(cells: &[String], widths: &[usize], header: bool, keep_next: bool) -> TableRow {
    let cells = widths
        .iter()
        .enumerate()
        .map(|(index, width)| {
            let value = cells.get(index).map(String::as_str).unwrap_or("");
            let mut run = Run::new().add_text(value);
            if header {
                run = run.bold();
            }
            let mut paragraph = Paragraph::new().keep_next(keep_next).add_run(run);
            if index > 0 {
                paragraph = paragraph.align(AlignmentType::Right);
            }
            let mut cell = TableCell::new()
                .width(*width, WidthType::Dxa)
                .add_paragraph(paragraph);
            if header {
                cell = cell.shading(Shading::new().shd_type(ShdType::Clear).fill("E7E6E6"));
            }
            cell
        })
        .collect();
    TableRow::new(cells).cant_split()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_file_is_a_zip_holding_the_text() {
        let document = Document {
            title: "Halvårsrapport SIGMA 2008H1".into(),
            about: vec!["Period 2008-01-01 – 2008-06-30".into()],
            notes: vec![],
            tables: vec![DocTable {
                heading: "Statistikuppgifter".into(),
                source: String::new(),
                header: vec!["uppgift".into(), "antal".into(), "andel".into()],
                rows: vec![vec!["Kvinnor & män".into(), "34".into(), "47 %".into()]],
                note: None,
            }],
            sections: vec![Section {
                title: "Samverkan".into(),
                text: "Vi har träffat Arbetsförmedlingen.\n\nOch kommunen.".into(),
            }],
            footer: vec![],
        };
        let bytes = to_docx(&document).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        for text in [
            "Halvårsrapport SIGMA 2008H1",
            "Kvinnor &amp; män",
            "47 %",
            "Samverkan",
            "Och kommunen.",
            "w:cantSplit",
            "w:keepNext",
        ] {
            assert!(xml.contains(text), "{text}");
        }
    }
}
