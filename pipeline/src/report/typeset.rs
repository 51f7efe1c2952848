//! A report document typeset as PDF with Typst: the layout is `dokument.typ`, the
//! report its data (`/dokument.json`), so no report text is ever read as markup.
//!
//! The PDF is archival (PDF/A-2b) and embeds its fonts, which are the ones bundled with
//! Typst: nothing is read from the machine and nothing from the network.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{Datelike, Timelike};
use typst::diag::{FileError, FileResult, SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use super::ReportError;
use super::document::Document;

const LAYOUT: &str = include_str!("dokument.typ");
const LAYOUT_PATH: &str = "/dokument.typ";
const DATA_PATH: &str = "/dokument.json";

/// The document as an archival PDF.
pub fn to_pdf(document: &Document) -> Result<Vec<u8>, ReportError> {
    let data = serde_json::to_vec(document).expect("a document serialises");
    let now = chrono::Utc::now();
    let today = Datetime::from_ymd_hms(
        now.year(),
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .expect("the clock gives a valid date");
    let world = ReportWorld {
        shared: shared(),
        layout: Source::new(file_id(LAYOUT_PATH), LAYOUT.to_string()),
        data: (file_id(DATA_PATH), Bytes::new(data)),
        today,
    };
    let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
    let typeset = output.map_err(|errors| failed(&errors))?;
    let archival = PdfOptions {
        timestamp: Some(Timestamp::new_utc(today)),
        standards: PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|e| ReportError::Document(e.message().to_string()))?,
        ..PdfOptions::default()
    };
    // PDF/A refuses a character no bundled font has (an emoji in a project's text, say):
    // then the document is still made, as plain PDF, with a box for that character.
    let pdf = typst_pdf::pdf(&typeset, &archival).or_else(|_| {
        let plain = PdfOptions {
            timestamp: Some(Timestamp::new_utc(today)),
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&typeset, &plain).map_err(|errors| failed(&errors))
    });
    // Typst memoises globally; a server renders many reports, so keep the cache small.
    typst::comemo::evict(10);
    pdf
}

/// What every document shares: the standard library and the fonts, built once.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

/// One document's files: the layout and the report as JSON.
struct ReportWorld {
    shared: &'static Shared,
    layout: Source,
    data: (FileId, Bytes),
    today: Datetime,
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a fixed absolute path"),
    )
    .intern()
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.layout.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.layout.id() {
            Ok(self.layout.clone())
        } else if id == self.data.0 {
            Err(FileError::NotSource)
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data.0 {
            Ok(self.data.1.clone())
        } else if id == self.layout.id() {
            Ok(Bytes::from_string(LAYOUT.to_string()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.vpath().get_with_slash()))
}

/// Typst's messages, for the error: the layout is ours, so any of them is our fault.
/// Hints are left out: they may quote the report's text.
fn failed(errors: &[SourceDiagnostic]) -> ReportError {
    let mut message = String::from("PDF-dokumentet kunde inte sättas:");
    for error in errors {
        let _ = write!(message, " {}", error.message);
    }
    ReportError::Document(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::{DocTable, Section};

    #[test]
    fn the_pdf_is_archival_and_holds_a_table_of_any_text() {
        let document = Document {
            title: "Halvårsrapport SIGMA 2008H1".into(),
            about: vec!["Period 2008-01-01 – 2008-06-30".into()],
            notes: vec![],
            tables: vec![DocTable {
                heading: "Statistikuppgifter #1 [a] *b* $c$".into(),
                source: String::new(),
                header: vec!["uppgift".into(), "antal".into(), "andel".into()],
                rows: vec![
                    vec!["Kvinnor & män".into(), "34".into(), "47 %".into()],
                    vec!["kort rad".into()],
                ],
                note: Some("= inte en rubrik".into()),
            }],
            sections: vec![Section {
                title: "Samverkan".into(),
                text: "Första stycket.\n\nAndra stycket med #markup och \\ tecken.".into(),
            }],
            footer: vec!["Skapad med finsam.".into()],
        };
        let pdf = to_pdf(&document).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("pdfaid:part"), "PDF/A metadata");
        assert!(text.contains("%%EOF"));
    }

    #[test]
    fn a_character_no_font_has_still_gives_a_pdf() {
        let document = Document {
            title: "Halvårsrapport".into(),
            about: vec![],
            notes: vec![],
            tables: vec![],
            sections: vec![Section {
                title: "Reflektioner".into(),
                text: "Bra halvår 🙂 中文".into(),
            }],
            footer: vec![],
        };
        let pdf = to_pdf(&document).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(!String::from_utf8_lossy(&pdf).contains("pdfaid:part"));
    }
}
