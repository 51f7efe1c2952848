//! The forms a report is given in, on disk and over HTTP, and the one place that turns a
//! report into each of them.

use serde::Serialize;

use super::ReportError;
use super::document::{self, Document};

/// A report's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
    /// Excel, one sheet per table.
    Xlsx,
    /// Word: the document a project leader hands in.
    Docx,
    /// Archival PDF (PDF/A-2b), fonts embedded.
    Pdf,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Markdown,
        Format::Html,
        Format::Json,
        Format::Xlsx,
        Format::Docx,
        Format::Pdf,
    ];

    /// The name on the command line (`--format`), which is also the file name ending
    /// except for Markdown (`.md`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            other => other.name(),
        }
    }

    /// The format a file name's ending names (`.md`, `.html`, `.json`, `.xlsx`, `.docx`,
    /// `.pdf`, in any case).
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        let ending = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.extension() == ending || f.name() == ending)
    }

    /// The HTTP media type (`Content-Type`).
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Json => "application/json",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
        }
    }

    /// The media type without its parameters: what an `Accept` header names.
    pub fn essence(self) -> &'static str {
        let media_type: &'static str = self.media_type();
        media_type.split(';').next().unwrap_or(media_type)
    }

    /// A binary file, which a terminal cannot show.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Xlsx | Format::Docx | Format::Pdf)
    }
}

/// A report that can be given in every [`Format`]: its JSON is the report itself, its
/// Word and PDF forms are made from its [`Document`].
pub trait Render: Serialize {
    fn markdown(&self) -> String;
    fn html(&self) -> String;
    fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError>;
    fn document(&self) -> Document;

    fn render(&self, format: Format) -> Result<Vec<u8>, ReportError> {
        Ok(match format {
            Format::Json => json(self),
            Format::Markdown => self.markdown().into_bytes(),
            Format::Html => self.html().into_bytes(),
            Format::Xlsx => self
                .xlsx()
                .map_err(|e| ReportError::Document(e.to_string()))?,
            Format::Docx => document::to_docx(&self.document())?,
            Format::Pdf => super::typeset::to_pdf(&self.document())?,
        })
    }
}

/// Pretty JSON with a final newline.
fn json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    (serde_json::to_string_pretty(value).expect("reports serialise") + "\n").into_bytes()
}
