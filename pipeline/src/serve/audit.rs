//! The audit log of the API: one line per request to `/api/…` in
//! `DATA/_granskning/api.jsonl`, with the time, the token's id (never the token), its
//! project, the client's address, the method and route (never the path as typed, nor
//! the query), the status, the time taken and the submission the request concerned.
//! `finsam logg` reads it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};

use super::Server;
use crate::protocol::SUBMISSIONS_PATH;
use crate::store::{StoreError, jsonl};

/// The API's audit log, beside the SQL endpoint's.
pub const API_AUDIT_FILE: &str = "api.jsonl";

/// The client's address, attached to each request of a connection.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// One request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiLine {
    /// When it was answered, RFC 3339 UTC.
    pub tid: String,
    /// The id of the token presented (`okänd` for one that opens nothing).
    pub token: Option<String>,
    /// The token's project.
    pub projekt: Option<String>,
    /// The client's IP address as the server saw it (a proxy's, behind one).
    pub klient: Option<String>,
    pub metod: String,
    /// The route, e.g. `/api/v1/inlamningar/{id}`.
    pub vag: String,
    pub status: u16,
    pub ms: f64,
    /// The submission's id, when the request concerned one.
    pub inlamning: Option<String>,
}

/// The log file of the dataset at `data`.
pub fn path(data: &Path) -> PathBuf {
    data.join(super::postgres::AUDIT_DIR).join(API_AUDIT_FILE)
}

/// Who the request's bearer token belongs to: (token id, project), `okänd` for a
/// token that opens nothing, nothing without one.
pub(super) fn holder(server: &Server, headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return (None, None);
    };
    match (server.api.as_ref(), super::api::bearer(value)) {
        (Some(api), Some(token)) => match api.tokens.authenticate(token) {
            Ok(Some(holder)) => (Some(holder.token_id), Some(holder.projekt)),
            _ => (Some("okänd".into()), None),
        },
        _ => (Some("okänd".into()), None),
    }
}

/// The submission a request concerned: the receipt route's id, or the one the answer
/// points to.
pub(super) fn submission(path: &str, headers: &HeaderMap) -> Option<String> {
    let from_path = path
        .strip_prefix(SUBMISSIONS_PATH)
        .and_then(|rest| rest.strip_prefix('/'));
    let from_answer = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.strip_prefix(SUBMISSIONS_PATH))
        .and_then(|rest| rest.strip_prefix('/'));
    // An id is 16 hex digits; anything else a client typed is not logged.
    from_path
        .or(from_answer)
        .filter(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// Appends one line (fsynced).
pub fn record(data: &Path, line: &ApiLine) -> Result<(), StoreError> {
    let path = path(data);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    }
    jsonl::append(&path, std::slice::from_ref(line))
}

/// Every line of the log of the dataset at `data` (none before the first request).
pub fn read(data: &Path) -> Result<Vec<ApiLine>, StoreError> {
    let path = path(data);
    if !path.exists() {
        return Ok(Vec::new());
    }
    jsonl::read(&path)
}
