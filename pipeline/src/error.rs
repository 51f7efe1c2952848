//! The crate's error: one variant per stage, each a typed error of that stage.
//!
//! Record problems are not errors but [`crate::read::Finding`]s; an `Error` means
//! the work could not be done at all (a missing key, an unreadable dataset, I/O). Its
//! [`Kind`] comes from the stage's own error, so the exit code never depends on a list
//! kept here. The stages do not use this type: it sits above them all.

use crate::accounts::AccountError;
use crate::backup::BackupError;
use crate::config::ConfigError;
use crate::dashboard::DashboardError;
use crate::export::ExportError;
use crate::failure::Kind;
use crate::intake::IntakeError;
use crate::kontext::KontextError;
use crate::period::HalfYearError;
use crate::person::PersonError;
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
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Kontext(#[from] KontextError),
    #[error(transparent)]
    Person(#[from] PersonError),
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Writing a result or a report failed.
    #[error("{0}")]
    Output(String),
    /// Writing a query's result failed.
    #[error("kan inte skriva resultatet: {0}")]
    Write(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The input is wrong, found by the command itself (a file that exists already).
    #[error("{0}")]
    Invalid(String),
    /// The command line is wrong (exit code 2, like an unknown option).
    #[error("{0}")]
    Usage(String),
    /// A failure while working on a file the user named (a query file).
    #[error("{}: {source}", .path.display())]
    In {
        path: std::path::PathBuf,
        source: Box<Error>,
    },
}

impl Error {
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// What kind of failure this is: each stage's error says its own.
    pub fn kind(&self) -> Kind {
        match self {
            Error::Schema(e) => e.kind(),
            Error::Key(e) => e.kind(),
            Error::Store(e) => e.kind(),
            Error::Query(e) => e.kind(),
            Error::Period(e) => e.kind(),
            Error::Report(e) => e.kind(),
            Error::Template(e) => e.kind(),
            Error::Synth(e) => e.kind(),
            Error::Registry(e) => e.kind(),
            Error::Dashboard(e) => e.kind(),
            Error::Token(e) => e.kind(),
            Error::Submit(e) => e.kind(),
            Error::Intake(e) => e.kind(),
            Error::Export(e) => e.kind(),
            Error::Account(e) => e.kind(),
            Error::Kontext(e) => e.kind(),
            Error::Person(e) => e.kind(),
            Error::Backup(e) => e.kind(),
            Error::Config(e) => e.kind(),
            Error::In { source, .. } => source.kind(),
            // The CLI's own reads and writes are of files the user named.
            Error::Io { source, .. } => crate::failure::of_user_file(source),
            Error::Output(_) | Error::Write(_) => Kind::Internal,
            Error::Invalid(_) => Kind::InvalidInput,
            Error::Usage(_) => Kind::Usage,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
