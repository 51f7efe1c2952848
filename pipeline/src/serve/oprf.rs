//! Oblivious pseudonymisation for senders without the key ([`crate::oprf`]).
//!
//! - `GET /api/v1/oprf`: the public key, its fingerprint and the limits.
//! - `POST /api/v1/oprf`: blinded elements in, evaluated elements and a proof out.
//!
//! Each token may have [`Oblivious::per_hour`] evaluations in any hour: a token in the
//! wrong hands is then an oracle for that many guesses an hour, not for every
//! personnummer there is. Each evaluation request is audited with the token's id and
//! how many elements it carried, never what they were (they are blinded anyway).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Server;
use super::api::{Problem, authorised};
use crate::oprf::{OprfKey, SUITE};
use crate::protocol::{OprfAnswer, OprfKeyInfo, OprfRequest};
use crate::pseudonymise::Pseudonymiser;

/// The window the hourly allowance is counted over.
const HOUR: Duration = Duration::from_secs(3600);

/// The server's OPRF key and each token's use of it.
pub struct Oblivious {
    key: Arc<OprfKey>,
    /// Evaluations one token may have in any hour.
    pub per_hour: usize,
    /// Elements one request may carry.
    pub per_request: usize,
    used: Mutex<HashMap<String, VecDeque<(Instant, usize)>>>,
}

impl Oblivious {
    pub fn new(key: OprfKey, per_hour: usize) -> Oblivious {
        Oblivious {
            key: Arc::new(key),
            per_hour: per_hour.max(1),
            per_request: per_hour.clamp(1, 10_000),
            used: Mutex::default(),
        }
    }

    pub fn fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    /// Takes `count` evaluations from the token's allowance at `now`, or says how long
    /// until that many are free again.
    fn take(&self, token_id: &str, count: usize, now: Instant) -> Result<(), Duration> {
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let spent = used.entry(token_id.to_string()).or_default();
        while spent
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) >= HOUR)
        {
            spent.pop_front();
        }
        let mut total: usize = spent.iter().map(|(_, n)| n).sum();
        if total + count <= self.per_hour {
            spent.push_back((now, count));
            return Ok(());
        }
        // Free again when enough of the oldest have left the window.
        for (at, n) in spent.iter() {
            total -= n;
            if total + count <= self.per_hour {
                return Err(HOUR.saturating_sub(now.duration_since(*at)));
            }
        }
        Err(HOUR)
    }
}

/// The server's oblivious side, or 404 when the dataset's key is not an OPRF key here.
fn oblivious(server: &Server) -> Result<&Oblivious, Problem> {
    server
        .api
        .as_ref()
        .and_then(|api| api.oprf.as_ref())
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "servern pseudonymiserar inte åt avsändare: datamängdens nyckel är ingen OPRF-nyckel som servern har (finsam serve --key med en nyckel från finsam keygen --oprf); lämna in med förbundets nyckel, --key",
            )
        })
}

pub(super) async fn key(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    authorised(&server, &headers)?;
    let oblivious = oblivious(&server)?;
    Ok(axum::Json(OprfKeyInfo {
        svit: SUITE.to_string(),
        publik_nyckel: oblivious.key.public_key(),
        nyckel_id: oblivious.fingerprint(),
        max_per_begaran: oblivious.per_request,
        per_timme: oblivious.per_hour,
    })
    .into_response())
}

pub(super) async fn evaluate(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (_, holder) = authorised(&server, &headers)?;
    let oblivious = oblivious(&server)?;
    let request: OprfRequest = serde_json::from_slice(&body).map_err(|_| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "skicka {\"blindade\": [\"<hex>\", …]} som application/json",
        )
    })?;
    let count = request.blindade.len();
    if count == 0 {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "inga blindade element att utvärdera",
        ));
    }
    if count > oblivious.per_request {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "högst {} element per begäran; dela upp dem",
                oblivious.per_request
            ),
        ));
    }
    if let Err(wait) = oblivious.take(&holder.token_id, count, Instant::now()) {
        eprintln!(
            "finsam serve: oprf: token {} nekades {count} utvärderingar (gränsen {} i timmen)",
            holder.token_id, oblivious.per_hour
        );
        let mut response = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "token har använt sina {} utvärderingar för den senaste timmen; försök igen om {} s",
                oblivious.per_hour,
                wait.as_secs().max(1)
            ),
        )
        .into_response();
        if let Ok(value) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let key = oblivious.key.clone();
    let evaluated = tokio::task::spawn_blocking(move || key.evaluate_blinded(&request.blindade))
        .await
        .map_err(Problem::internal)?
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    eprintln!(
        "finsam serve: oprf: token {} ({}) fick {count} utvärderingar",
        holder.token_id, holder.projekt
    );
    let (utvarderade, bevis) = evaluated;
    Ok(axum::Json(OprfAnswer { utvarderade, bevis }).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_hourly_allowance_and_then_waits_for_the_oldest() {
        let oblivious = Oblivious::new(OprfKey::generate().unwrap(), 100);
        let start = Instant::now();
        assert!(oblivious.take("a", 60, start).is_ok());
        assert!(
            oblivious
                .take("a", 40, start + Duration::from_secs(600))
                .is_ok()
        );
        // Another token has its own allowance.
        assert!(oblivious.take("b", 100, start).is_ok());
        let wait = oblivious
            .take("a", 10, start + Duration::from_secs(1200))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(2400));
        // Once the first request has left the window, there is room again.
        assert!(oblivious.take("a", 50, start + HOUR).is_ok());
        assert!(oblivious.take("a", 11, start + HOUR).is_err());
    }
}
