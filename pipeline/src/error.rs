//! The crate's error: one variant per stage, each a typed error of that stage.
//!
//! Record problems are not errors but [`crate::ingest::Finding`]s; an `Error` means
//! the work could not be done at all (a missing key, an unreadable dataset, I/O).

use crate::dashboard::DashboardError;
use crate::period::HalfYearError;
use crate::pseudonymise::KeyError;
use crate::query::QueryError;
use crate::registry::RegistryError;
use crate::report::ReportError;
use crate::schema::SchemaError;
use crate::store::StoreError;
use crate::submit::SubmitError;
use crate::synth::SynthError;
use crate::template::TemplateError;
use crate::tokens::TokenError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Period(#[from] HalfYearError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Dashboard(#[from] DashboardError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Submit(#[from] SubmitError),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Output(String),
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the user can fix this by changing the input or the command line,
    /// as opposed to an internal or environmental failure.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Key(_)
                | Error::Period(_)
                | Error::Usage(_)
                | Error::Report(
                    ReportError::UnknownProject { .. }
                        | ReportError::PublicSelection(_)
                        | ReportError::PublicPeriod(_)
                        | ReportError::Query { .. }
                        | ReportError::MissingColumn { .. }
                        | ReportError::Layout { .. }
                        | ReportError::MissingFile { .. }
                )
                | Error::Dashboard(
                    DashboardError::Definition { .. }
                        | DashboardError::Query { .. }
                        | DashboardError::MissingColumn { .. }
                        | DashboardError::Conflict { .. }
                        | DashboardError::MissingKey { .. }
                )
                | Error::Synth(
                    SynthError::Options(_)
                        | SynthError::NotEmpty(_)
                        | SynthError::NotADirectory(_)
                        | SynthError::Workbook(TemplateError::Rows { .. })
                )
                | Error::Registry(
                    RegistryError::Invalid { .. }
                        | RegistryError::Exists(_)
                        | RegistryError::Unknown(..)
                        | RegistryError::Field(_)
                )
                | Error::Store(
                    StoreError::NotADataset(_) | StoreError::WrongKey { .. } | StoreError::Busy(_)
                )
                | Error::Token(
                    TokenError::Projekt(_)
                        | TokenError::Unknown(_)
                        | TokenError::Registry(RegistryError::Unknown(..))
                )
                | Error::Submit(SubmitError::Address(_) | SubmitError::TokenFile { .. })
                | Error::Query(
                    QueryError::Syntax(_)
                        | QueryError::NotReadOnly(_)
                        | QueryError::SeveralStatements(_)
                        | QueryError::Empty
                        | QueryError::MissingParameter(_)
                        | QueryError::UnusedParameter(..)
                        | QueryError::DataFusion(_)
                )
        )
    }
}

/// `first` and then each cause in `source`'s chain not already said, on one line.
pub fn one_line(first: String, mut source: Option<&(dyn std::error::Error + 'static)>) -> String {
    let mut parts = vec![first];
    while let Some(cause) = source {
        let text = cause.to_string();
        // Said already, or said again behind a library's prefix ("External error: …").
        if !parts
            .iter()
            .any(|p| p.contains(&text) || text.ends_with(p.as_str()))
        {
            parts.push(text);
        }
        source = cause.source();
    }
    // A path or a value in an error (a file named by a personnummer) is shown redacted.
    crate::personnummer::redact_numbers(&parts.join(": ")).into_owned()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
