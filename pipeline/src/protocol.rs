//! The submission protocol between `finsam submit` and `finsam serve`: the routes, how
//! a body is encoded, the receipt and where a submission stands, and the body of an
//! answer that is not a receipt. Both sides use these types, so they cannot drift apart;
//! what is inside a body is [`crate::wire`]'s.
//!
//! - `POST` [`SUBMISSIONS_PATH`]: a submission; the answer is a [`Receipt`].
//! - `GET` [`SUBMISSIONS_PATH`]`/{id}`: the receipt, with where the submission stands.
//! - `GET /api/v1/projekt/{projekt}/inlamningar`: [`ProjectSubmissions`].
//! - `GET /api/v1/projekt/{projekt}/rapporter/halvar/{halvar}`: the project's half-year
//!   report, in the format `Accept` names ([`crate::report::Format::media_type`]).
//! - `GET` [`OPRF_PATH`]: the server's OPRF key ([`OprfKeyInfo`]), when the dataset's key
//!   is one ([`crate::oprf`]).
//! - `POST` [`OPRF_PATH`]: blinded elements to evaluate ([`OprfRequest`]); the answer is
//!   an [`OprfAnswer`].
//!
//! Every key on the wire is Swedish, as the receipts kept on disk are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::read::Finding;

/// Where submissions are sent, and under which their receipts are found.
pub const SUBMISSIONS_PATH: &str = "/api/v1/inlamningar";
/// One submission's receipt, as the router matches it.
pub const RECEIPT_ROUTE: &str = "/api/v1/inlamningar/{id}";
/// Every receipt of one project, as the router matches it.
pub const PROJECT_SUBMISSIONS_ROUTE: &str = "/api/v1/projekt/{projekt}/inlamningar";

/// A project's half-year report, as the router matches it.
pub const HALF_YEAR_REPORT_ROUTE: &str = "/api/v1/projekt/{projekt}/rapporter/halvar/{halvar}";

/// Oblivious pseudonymisation: the key's public half, and evaluations.
pub const OPRF_PATH: &str = "/api/v1/oprf";

/// The server's OPRF key as a sender needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OprfKeyInfo {
    /// The RFC 9497 suite, `ristretto255-SHA512`.
    pub svit: String,
    /// The public key (hex): proofs are checked against it.
    pub publik_nyckel: String,
    /// The key's fingerprint, as the dataset stores it.
    pub nyckel_id: String,
    /// Most elements one request may carry.
    pub max_per_begaran: usize,
    /// Most evaluations one token may have per hour.
    pub per_timme: usize,
}

/// Blinded elements (hex), each one input of the sender's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OprfRequest {
    pub blindade: Vec<String>,
}

/// The evaluated elements, in the request's order, and one proof for all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OprfAnswer {
    pub utvarderade: Vec<String>,
    pub bevis: String,
}

/// The URL path of a project's half-year report.
pub fn half_year_report_path(projekt: &str, halvar: &str) -> String {
    format!("/api/v1/projekt/{projekt}/rapporter/halvar/{halvar}")
}

/// The URL path of one submission's receipt.
pub fn receipt_path(id: &str) -> String {
    format!("{SUBMISSIONS_PATH}/{id}")
}

/// How the body of a submission is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Json,
    Arrow,
}

impl Encoding {
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Json => "application/json",
            Encoding::Arrow => "application/vnd.apache.arrow.stream",
        }
    }

    /// The file extension of a body kept in the landing area.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Json => "json",
            Encoding::Arrow => "arrow",
        }
    }

    /// The encoding a `Content-Type` header names (parameters such as charset ignored).
    pub fn from_content_type(header: &str) -> Option<Encoding> {
        let essence = header.split(';').next().unwrap_or("").trim();
        [Encoding::Json, Encoding::Arrow]
            .into_iter()
            .find(|e| essence.eq_ignore_ascii_case(e.content_type()))
    }
}

/// Where a received submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Kept in the landing area; waiting to be taken in.
    Mottagen,
    /// Taken into the dataset.
    Inlast,
    /// Found invalid when it was to be taken in (it was valid when received: the
    /// schema or the date changed in between).
    Avvisad,
}

/// What the server says about a submission: the receipt a sender gets, and the line
/// the landing area's log keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Order of arrival, from 1.
    pub nr: u64,
    /// The submission's id: the first 16 hex digits of its content hash, as in the manifest.
    pub id: String,
    /// SHA-256 of the validated, pseudonymised content.
    pub innehall: String,
    pub projekt: String,
    pub halvar: String,
    pub schemaversion: u32,
    /// Rows per table.
    pub rader: BTreeMap<String, u64>,
    pub format: Encoding,
    /// When it was received, RFC 3339 UTC.
    pub mottagen: String,
    pub status: State,
    /// When it was taken in or refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub klar: Option<String>,
    /// What taking it in did: `ny`, `ersätter <id>` or `oförändrad`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resultat: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fel: Vec<Finding>,
}

impl Receipt {
    /// The name the submission has in findings and in the manifest.
    pub fn source(&self) -> String {
        format!("inkorg-{}", self.nr)
    }
}

/// The answer listing a project's submissions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectSubmissions {
    pub projekt: String,
    pub inlamningar: Vec<Receipt>,
}

/// The body of every answer that is not a receipt: a message and, for a refused
/// submission, every finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Problem {
    pub fel: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fynd: Vec<Finding>,
}
