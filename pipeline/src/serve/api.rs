//! The submission API: project groups send pseudonymised submissions (`finsam submit`).
//!
//! - `POST /api/v1/inlamningar`: a submission as JSON or Arrow IPC ([`crate::wire`]).
//!   201 with a receipt when it is kept; 200 with the earlier receipt when it equals
//!   the latest submission for its project and half-year; 400 unreadable; 401 no valid
//!   token; 403 another project's; 413 too large; 415 another content type; 422 every
//!   finding, as JSON.
//! - `GET /api/v1/inlamningar/{id}`: the receipt, with where the submission stands.
//! - `GET /api/v1/projekt/{projekt}/inlamningar`: every receipt of the project.
//! - `GET /api/v1/projekt/{projekt}/rapporter/halvar/{halvar}`: the half-year report
//!   ([`super::rapport`]).
//!
//! A token opens one project only. Answers never repeat a submitted value: findings
//! name table, row and column, and a personnummer is refused as such.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Server;
use crate::inbox::{self, Inbox, Refusal};
use crate::protocol::{
    self, Encoding, ProjectSubmissions, Receipt, SUBMISSIONS_PATH, receipt_path,
};
use crate::read::Finding;
use crate::store::StoreError;
use crate::tokens::{Holder, Tokens};

/// What the API needs beside the dashboards.
pub struct Api {
    pub inbox: Arc<Inbox>,
    pub tokens: Tokens,
    /// The förbund's key, by fingerprint: every submission's pseudonyms must be made with it.
    pub key_fingerprint: String,
    /// Evaluations for senders without the key, when the key is an OPRF key given to
    /// the server.
    pub oprf: Option<super::oprf::Oblivious>,
    pub limits: Limits,
    /// Bounds the submissions checked and kept at the same time (`limits.concurrent`).
    permits: tokio::sync::Semaphore,
}

impl Api {
    /// The API of the dataset at `data`: opens its landing area (refused with
    /// [`StoreError::Busy`] while another server receives into it) and its tokens.
    pub fn open(
        data: &Path,
        key_fingerprint: String,
        oprf: Option<super::oprf::Oblivious>,
        limits: Limits,
    ) -> Result<Api, StoreError> {
        // The audit log is appended to on every request: a line a crash cut short is
        // cut once here, not read again each time.
        crate::store::jsonl::repair(&super::audit::path(data))?;
        Ok(Api {
            inbox: Arc::new(Inbox::open(data)?),
            tokens: Tokens::at(data),
            key_fingerprint,
            oprf,
            permits: tokio::sync::Semaphore::new(limits.concurrent.max(1)),
            limits,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    /// Longest time one request may take, body included.
    pub request_timeout: Duration,
    /// Submissions checked and kept at the same time.
    pub concurrent: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 64 << 20,
            request_timeout: Duration::from_secs(60),
            concurrent: 4,
        }
    }
}

/// Every answer that is not a receipt: a status, a message, and for 422 each finding.
pub(super) struct Problem {
    status: StatusCode,
    fel: String,
    fynd: Vec<Finding>,
}

impl Problem {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            status,
            fel: message.into(),
            fynd: Vec::new(),
        }
    }

    pub(super) fn internal(error: impl std::fmt::Display) -> Problem {
        eprintln!("finsam serve: fel: {error}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "servern kunde inte ta hand om begäran; försök igen om en stund",
        )
    }
}

impl Problem {
    #[cfg(test)]
    pub(super) fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = protocol::Problem {
            fel: self.fel,
            fynd: self.fynd,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"finsam\""),
            );
        }
        response
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub(super) fn bearer(value: &header::HeaderValue) -> Option<&str> {
    value
        .to_str()
        .ok()
        // The scheme is case-insensitive (RFC 9110, 11.1): `bearer` is Bearer.
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim())
}

/// The API and the holder of the request's bearer token, or why not.
pub(super) fn authorised<'s>(
    server: &'s Server,
    headers: &HeaderMap,
) -> Result<(&'s Api, Holder), Problem> {
    let api = server.api.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "servern tar inte emot inlämningar: den startades utan förbundets nyckel (finsam serve --key) och datamängden finns inte än",
        )
    })?;
    let unauthorised = |message: &str| Problem::new(StatusCode::UNAUTHORIZED, message);
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        unauthorised(
            "ingen token: skicka Authorization: Bearer <token> (förbundet ger en med finsam token create)",
        )
    })?;
    let token =
        bearer(value).ok_or_else(|| unauthorised("Authorization ska vara Bearer <token>"))?;
    match api.tokens.authenticate(token) {
        Ok(Some(holder)) => Ok((api, holder)),
        Ok(None) => Err(unauthorised(
            "token är okänd eller återkallad: be förbundet om en ny",
        )),
        Err(e) => Err(Problem::internal(e)),
    }
}

fn receipt_response(status: StatusCode, receipt: &Receipt) -> Response {
    let mut response = (status, axum::Json(receipt)).into_response();
    if let Ok(location) = header::HeaderValue::from_str(&receipt_path(&receipt.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

pub(super) async fn submit(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let (api, holder) = authorised(&server, &headers)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let encoding = Encoding::from_content_type(content_type).ok_or_else(|| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "skicka inlämningen som {} eller {}",
                Encoding::Json.content_type(),
                Encoding::Arrow.content_type()
            ),
        )
    })?;
    let limit = api.limits.max_body;
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "inlämningen är större än serverns gräns på {} MB; dela upp den eller be förbundet höja gränsen",
                limit >> 20
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|error| {
        let over_limit =
            std::iter::successors(Some(&error as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .any(|e| e.is::<http_body_util::LengthLimitError>());
        if over_limit {
            too_large()
        } else {
            Problem::new(StatusCode::BAD_REQUEST, "inlämningen kom inte fram hel")
        }
    })?;
    let _permit = api
        .permits
        .acquire()
        .await
        .map_err(|_| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "servern stängs"))?;
    let worker = server.clone();
    let projekt = holder.projekt.clone();
    let handled = tokio::task::spawn_blocking(move || {
        let api = worker.api.as_ref().expect("the API was there a moment ago");
        let today = chrono::Local::now().date_naive();
        let accepted = inbox::check(
            &bytes,
            encoding,
            &worker.schema,
            &worker.data,
            &api.key_fingerprint,
            &holder.projekt,
            today,
        )
        .map_err(Handled::Refused)?;
        api.inbox
            .receive(&accepted, &bytes)
            .map_err(|e| Handled::Failed(e.to_string()))
    })
    .await
    .map_err(Problem::internal)?;
    match handled {
        Ok((receipt, true)) => Ok(receipt_response(StatusCode::CREATED, &receipt)),
        Ok((receipt, false)) => Ok(receipt_response(StatusCode::OK, &receipt)),
        Err(Handled::Refused(Refusal::Unreadable(message))) => {
            Err(Problem::new(StatusCode::BAD_REQUEST, message))
        }
        Err(Handled::Refused(Refusal::OtherProject(stated))) => Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!("inlämningen gäller projekt {stated}, men token gäller bara projekt {projekt}"),
        )),
        Err(Handled::Refused(Refusal::Invalid(findings))) => Err(Problem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            fel: format!(
                "inlämningen avvisades med {} fel; inget har sparats",
                findings.len()
            ),
            fynd: findings,
        }),
        Err(Handled::Failed(message)) => Err(Problem::internal(message)),
    }
}

/// Why a submission was not kept.
enum Handled {
    Refused(Refusal),
    Failed(String),
}
pub(super) async fn receipt(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, Problem> {
    let (api, holder) = authorised(&server, &headers)?;
    // Another project's submission is as unknown as one that does not exist.
    match api.inbox.get(&id).filter(|r| r.projekt == holder.projekt) {
        Some(receipt) => Ok(receipt_response(StatusCode::OK, &receipt)),
        None => Err(Problem::new(
            StatusCode::NOT_FOUND,
            format!(
                "projekt {} har ingen inlämning med det id:t; GET /api/v1/projekt/{}/inlamningar visar dem",
                holder.projekt, holder.projekt
            ),
        )),
    }
}

pub(super) async fn for_project(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    UrlPath(projekt): UrlPath<String>,
) -> Result<Response, Problem> {
    let (api, holder) = authorised(&server, &headers)?;
    if !projekt.eq_ignore_ascii_case(&holder.projekt) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!("token gäller bara projekt {}", holder.projekt),
        ));
    }
    let inlamningar = api.inbox.for_project(&holder.projekt);
    Ok(axum::Json(ProjectSubmissions {
        projekt: holder.projekt,
        inlamningar,
    })
    .into_response())
}

/// Any other path under `/api`.
pub(super) async fn unknown() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!(
            "okänd sökväg i API:t: POST {SUBMISSIONS_PATH}, GET {}, GET {}, GET {}, GET och POST {}",
            protocol::RECEIPT_ROUTE,
            protocol::PROJECT_SUBMISSIONS_ROUTE,
            protocol::HALF_YEAR_REPORT_ROUTE,
            protocol::OPRF_PATH
        ),
    )
}
