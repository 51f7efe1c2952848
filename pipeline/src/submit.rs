//! `finsam submit`: sending pseudonymised submissions to the förbund's `finsam serve`.
//!
//! The submission is validated and pseudonymised on the project's own machine
//! ([`crate::intake::prepare`]); only pseudonyms travel ([`crate::wire`]). A POST is
//! safe to repeat, because the server answers an identical submission with the
//! receipt it already gave, so connection errors, timeouts and 5xx answers are retried
//! with exponential backoff and jitter, a bounded number of times. A 4xx answer is
//! final: the same request would get the same answer.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};

use crate::failure::Kind;
use crate::oprf::Evaluated;
use crate::protocol::{
    Encoding, OPRF_PATH, OprfAnswer, OprfKeyInfo, OprfRequest, Problem, Receipt, SUBMISSIONS_PATH,
    State, half_year_report_path, receipt_path,
};
use crate::read::Finding;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Address(String),
    #[error("tokenfilen {path}: {message}")]
    TokenFile { path: PathBuf, message: String },
    #[error(
        "servern svarade inte som den ska efter {attempts} försök under {seconds:.0} s ({last}); inlämningen är inte mottagen, försök igen senare"
    )]
    Unreachable {
        attempts: u32,
        seconds: f64,
        last: String,
    },
    #[error("servern gav ett svar som inte gick att läsa ({0})")]
    Answer(String),
    #[error("HTTP-klienten kunde inte startas: {0}")]
    Client(String),
    #[error("servern pseudonymiserar inte åt avsändaren ({status}): {message}")]
    Oblivious { status: u16, message: String },
    #[error("servern svarade med pseudonymer som inte går att lita på: {0}")]
    Proof(#[from] crate::oprf::OprfError),
    #[error(
        "servern räknar med nyckeln {actual}, inte förbundets {expected} (--nyckel-id): inget har skickats; fråga förbundet"
    )]
    OtherKey { expected: String, actual: String },
}

impl SubmitError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            SubmitError::Address(_)
            | SubmitError::TokenFile { .. }
            | SubmitError::Oblivious { .. }
            | SubmitError::OtherKey { .. } => Kind::InvalidInput,
            // The README's promise: a server that could not be reached is exit code 3.
            SubmitError::Unreachable { .. }
            | SubmitError::Answer(_)
            | SubmitError::Client(_)
            | SubmitError::Proof(_) => Kind::Internal,
        }
    }
}

/// How often and how patiently to try.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The pause after the first failure; doubled after each, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// For one request, connection and answer included.
    pub request_timeout: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 8,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl Retry {
    /// The pause before attempt `attempt + 1`: exponential, with "equal jitter" (half
    /// fixed, half random) so that many clients that failed together spread out.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponential = self
            .first_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let half = exponential / 2;
        let mut random = [0u8; 8];
        let fraction = match getrandom::fill(&mut random) {
            Ok(()) => u64::from_le_bytes(random) as f64 / u64::MAX as f64,
            Err(_) => 0.5,
        };
        half + half.mul_f64(fraction)
    }
}

/// The server's answer to a submission or a question about one.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 201 (`new`) or 200 (identical to one already received).
    Received {
        receipt: Receipt,
        new: bool,
        elapsed: Duration,
    },
    /// A 4xx: the server's message and, for 422, every finding.
    Refused {
        status: u16,
        message: String,
        findings: Vec<Finding>,
    },
}

pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: String,
    retry: Retry,
}

impl Client {
    /// A client for the server at `base`. Plain `http://` is accepted only to this
    /// machine unless `allow_http`: the token would travel readable.
    pub fn new(
        base: &str,
        token: String,
        retry: Retry,
        allow_http: bool,
    ) -> Result<Client, SubmitError> {
        let base = checked_url("--to", base, allow_http, Some("--osaker-http"))?;
        let http = http_client(&retry)?;
        Ok(Client {
            http,
            base,
            token,
            retry,
        })
    }

    fn url(&self, path: &str) -> Url {
        self.base
            .join(path)
            .expect("API paths are valid relative URLs")
    }

    /// Sends one encoded submission.
    pub async fn send(&self, body: Vec<u8>, encoding: Encoding) -> Result<Answer, SubmitError> {
        let url = self.url(SUBMISSIONS_PATH);
        let started = Instant::now();
        let response = self
            .with_retries(|| {
                self.http
                    .post(url.clone())
                    .bearer_auth(&self.token)
                    .header(reqwest::header::CONTENT_TYPE, encoding.content_type())
                    .body(body.clone())
                    .send()
            })
            .await?;
        answer(response, started).await
    }

    /// What the server says now about the submission with this id.
    pub async fn receipt(&self, id: &str) -> Result<Answer, SubmitError> {
        let url = self.url(&receipt_path(id));
        let started = Instant::now();
        let response = self
            .with_retries(|| self.http.get(url.clone()).bearer_auth(&self.token).send())
            .await?;
        answer(response, started).await
    }

    /// Asks until the submission is taken in or refused, or `patience` has passed;
    /// the last receipt seen.
    pub async fn settled(
        &self,
        receipt: Receipt,
        patience: Duration,
    ) -> Result<Receipt, SubmitError> {
        let deadline = Instant::now() + patience;
        let mut pause = Duration::from_millis(50);
        let mut latest = receipt;
        while latest.status == State::Mottagen && Instant::now() < deadline {
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_secs(1));
            match self.receipt(&latest.id).await? {
                Answer::Received { receipt, .. } => latest = receipt,
                Answer::Refused {
                    status, message, ..
                } => {
                    return Err(SubmitError::Answer(format!("{status}: {message}")));
                }
            }
        }
        Ok(latest)
    }

    /// The project's half-year report as the media type `accept` (a report format's,
    /// [`crate::report::Format::media_type`]), as the server computes it from the data
    /// taken in: the document's bytes, or the server's status and message.
    pub async fn half_year_report(
        &self,
        projekt: &str,
        halvar: &str,
        accept: &str,
    ) -> Result<Result<Vec<u8>, (u16, String)>, SubmitError> {
        let url = self.url(&half_year_report_path(projekt, halvar));
        let response = self
            .with_retries(|| {
                self.http
                    .get(url.clone())
                    .bearer_auth(&self.token)
                    .header(reqwest::header::ACCEPT, accept)
                    .send()
            })
            .await?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SubmitError::Answer(describe(&e)))?;
        if status == StatusCode::OK {
            return Ok(Ok(bytes.to_vec()));
        }
        Ok(Err(refusal(status, &bytes)))
    }

    /// The pseudonyms of `inputs` under the förbund's OPRF key, evaluated by the server
    /// on blinded inputs ([`crate::oprf`]) in requests of the size it allows, each
    /// answer's proof checked against the public key it published.
    /// With `expected` (the förbund's key id, given to the project beside its token) a
    /// server whose key is another is refused before any number is blinded.
    pub async fn evaluated(
        &self,
        inputs: Vec<Vec<u8>>,
        expected: Option<&str>,
    ) -> Result<Evaluated, SubmitError> {
        let url = self.url(OPRF_PATH);
        let info: OprfKeyInfo = self
            .json(|| self.http.get(url.clone()).bearer_auth(&self.token).send())
            .await?;
        let fingerprint = crate::oprf::fingerprint_of(&info.publik_nyckel)?;
        if fingerprint != info.nyckel_id {
            return Err(SubmitError::Proof(crate::oprf::OprfError::PublicKey));
        }
        if let Some(expected) = expected.filter(|e| *e != fingerprint) {
            return Err(SubmitError::OtherKey {
                expected: expected.to_string(),
                actual: fingerprint,
            });
        }
        let mut pseudonyms = Vec::with_capacity(inputs.len());
        let mut inputs = inputs.into_iter().peekable();
        while inputs.peek().is_some() {
            let batch: Vec<Vec<u8>> = inputs.by_ref().take(info.max_per_begaran.max(1)).collect();
            let blinded = crate::oprf::blind(batch)?;
            let body = serde_json::to_vec(&OprfRequest {
                blindade: blinded.elements.clone(),
            })
            .map_err(|e| SubmitError::Answer(e.to_string()))?;
            let answer: OprfAnswer = self
                .json(|| {
                    self.http
                        .post(url.clone())
                        .bearer_auth(&self.token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone())
                        .send()
                })
                .await?;
            pseudonyms.extend(blinded.finalize(
                &answer.utvarderade,
                &answer.bevis,
                &info.publik_nyckel,
            )?);
        }
        Ok(Evaluated::new(fingerprint, pseudonyms))
    }

    /// A JSON answer of the OPRF routes, or the server's refusal.
    async fn json<T, F, R>(&self, request: F) -> Result<T, SubmitError>
    where
        T: serde::de::DeserializeOwned,
        F: FnMut() -> R,
        R: Future<Output = reqwest::Result<reqwest::Response>>,
    {
        let response = self.with_retries(request).await?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SubmitError::Answer(describe(&e)))?;
        if status != StatusCode::OK {
            let (status, message) = refusal(status, &bytes);
            return Err(SubmitError::Oblivious { status, message });
        }
        serde_json::from_slice(&bytes).map_err(|e| SubmitError::Answer(e.to_string()))
    }

    async fn with_retries<F, R>(&self, request: F) -> Result<reqwest::Response, SubmitError>
    where
        F: FnMut() -> R,
        R: Future<Output = reqwest::Result<reqwest::Response>>,
    {
        with_retries(&self.retry, request).await
    }
}

/// Sends `request` until it is answered with anything but a server error or 429 (too
/// many requests), at most `retry.attempts` times, pausing between attempts; a
/// `Retry-After` of a 429 is waited out when it is longer than the pause. A 429 to the
/// last attempt is the answer: the server's message says how long it wants, which a
/// person can act on.
pub async fn with_retries<F, R>(
    retry: &Retry,
    mut request: F,
) -> Result<reqwest::Response, SubmitError>
where
    F: FnMut() -> R,
    R: Future<Output = reqwest::Result<reqwest::Response>>,
{
    let started = Instant::now();
    let mut last = String::new();
    for attempt in 1..=retry.attempts {
        let mut pause = retry.delay(attempt);
        match request().await {
            Ok(response)
                if response.status() == StatusCode::TOO_MANY_REQUESTS
                    && attempt < retry.attempts =>
            {
                last = format!("servern svarade {}", response.status());
                let asked = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                if let Some(asked) = asked {
                    pause = pause.max(asked.min(MAX_RETRY_AFTER));
                }
            }
            Ok(response) if response.status().is_server_error() => {
                last = format!("servern svarade {}", response.status());
            }
            Ok(response) => return Ok(response),
            Err(error) => last = describe(&error),
        }
        if attempt < retry.attempts {
            tokio::time::sleep(pause).await;
        }
    }
    Err(SubmitError::Unreachable {
        attempts: retry.attempts,
        seconds: started.elapsed().as_secs_f64(),
        last,
    })
}

/// The address an option gives, checked: https, or plain http only to this machine
/// unless `allow_http` (what travels would be readable on the way).
/// `insecure` names the option that allows plain http, where there is one.
pub fn checked_url(
    option: &str,
    base: &str,
    allow_http: bool,
    insecure: Option<&str>,
) -> Result<Url, SubmitError> {
    let base = Url::parse(base.trim()).map_err(|e| {
        SubmitError::Address(format!(
            "{option} {}: ingen giltig adress ({e}); skriv t.ex. https://finsam.forbund.se/",
            crate::personnummer::redact_for_message(base)
        ))
    })?;
    // The address as messages show it: without a password written into it.
    let mut shown = base.clone();
    let _ = shown.set_password(None);
    let hint = insecure
        .map(|flag| format!(" (eller {flag} i ett slutet nät)"))
        .unwrap_or_default();
    let host = base.host_str().unwrap_or("");
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match base.scheme() {
        "https" => Ok(base),
        "http" if loopback || allow_http => Ok(base),
        "http" => Err(SubmitError::Address(format!(
            "{option} {shown}: okrypterad http till en annan dator går att läsa på vägen; använd https://{hint}"
        ))),
        other => Err(SubmitError::Address(format!(
            "{option} {shown}: okänt protokoll {other}; använd https://"
        ))),
    }
}

/// The longest `Retry-After` waited out: a server asking for more is asked again later.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// An HTTP client with `retry`'s timeouts, as every finsam request uses.
pub fn http_client(retry: &Retry) -> Result<reqwest::Client, SubmitError> {
    // One process-wide choice of cryptography for rustls; a second call finds it made.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(retry.request_timeout)
        .connect_timeout(retry.request_timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("finsam/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SubmitError::Client(e.to_string()))
}

async fn answer(response: reqwest::Response, started: Instant) -> Result<Answer, SubmitError> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| SubmitError::Answer(describe(&e)))?;
    if status == StatusCode::OK || status == StatusCode::CREATED {
        let receipt =
            serde_json::from_slice(&bytes).map_err(|e| SubmitError::Answer(e.to_string()))?;
        return Ok(Answer::Received {
            receipt,
            new: status == StatusCode::CREATED,
            elapsed: started.elapsed(),
        });
    }
    let (message, findings) = match serde_json::from_slice::<Problem>(&bytes) {
        Ok(problem) => (problem.fel, problem.fynd),
        Err(_) => (
            status
                .canonical_reason()
                .unwrap_or("okänt svar")
                .to_string(),
            Vec::new(),
        ),
    };
    Ok(Answer::Refused {
        status: status.as_u16(),
        message,
        findings,
    })
}

/// The status and message of an answer that is not what was asked for.
fn refusal(status: StatusCode, body: &[u8]) -> (u16, String) {
    let message = serde_json::from_slice::<Problem>(body)
        .map(|p| p.fel)
        .unwrap_or_else(|_| status.canonical_reason().unwrap_or("okänt svar").into());
    (status.as_u16(), message)
}

/// The error and its causes on one line ("connection refused", "operation timed out").
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "inget svar i tid"
    } else if error.is_connect() {
        "kunde inte ansluta"
    } else {
        "förbindelsen bröts"
    };
    crate::failure::one_line(kind.to_string(), std::error::Error::source(error))
}

/// Reads a token file: one line, the token `finsam token create` gave.
pub fn read_token(path: &Path) -> Result<String, SubmitError> {
    let fail = |message: String| SubmitError::TokenFile {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let token = text.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(fail(
            "filen ska innehålla en rad: token som finsam token create gav".into(),
        ));
    }
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_with_jitter_up_to_the_cap() {
        let retry = Retry {
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Retry::default()
        };
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (30, 1000),
        ] {
            let delay = retry.delay(attempt).as_millis();
            assert!(
                delay >= full / 2 && delay <= full,
                "attempt {attempt}: {delay} ms not in {}..={full}",
                full / 2
            );
        }
    }

    /// A server that gives the scripted answers in turn and counts the requests.
    async fn scripted(
        answers: Vec<(u16, &'static str)>,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let count = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Headers, then as much body as they announce.
                loop {
                    let n = stream.read(&mut buffer).await.unwrap();
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length || n == 0 {
                            break;
                        }
                    }
                }
                let index = counted.fetch_add(1, Ordering::SeqCst);
                let (status, body) = answers[index.min(answers.len() - 1)];
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(response.as_bytes()).await.unwrap();
            }
        });
        (url, count)
    }

    const RECEIPT: &str = r#"{"nr":1,"id":"0123456789abcdef","innehall":"0123456789abcdef","projekt":"SIGMA","halvar":"2008H1","schemaversion":1,"rader":{"deltagare":7},"format":"json","mottagen":"2026-11-25T08:00:00Z","status":"mottagen"}"#;

    fn quick() -> Retry {
        Retry {
            attempts: 4,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            request_timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn server_errors_are_tried_again_and_client_errors_are_not() {
        use std::sync::atomic::Ordering;
        let (url, count) =
            scripted(vec![(503, r#"{"fel":"x"}"#), (500, "{}"), (201, RECEIPT)]).await;
        let client = Client::new(&url, "t".into(), quick(), false).unwrap();
        let answer = client.send(b"{}".to_vec(), Encoding::Json).await.unwrap();
        assert!(
            matches!(answer, Answer::Received { new: true, ref receipt, .. } if receipt.nr == 1)
        );
        assert_eq!(count.load(Ordering::SeqCst), 3);

        let (url, count) =
            scripted(vec![(422, r#"{"fel":"2 fel","fynd":[]}"#), (201, RECEIPT)]).await;
        let client = Client::new(&url, "t".into(), quick(), false).unwrap();
        let answer = client.send(b"{}".to_vec(), Encoding::Json).await.unwrap();
        assert!(
            matches!(answer, Answer::Refused { status: 422, ref message, .. } if message == "2 fel")
        );
        assert_eq!(count.load(Ordering::SeqCst), 1, "a 4xx is final");

        let (url, count) = scripted(vec![(503, "{}")]).await;
        let client = Client::new(&url, "t".into(), quick(), false).unwrap();
        let error = client
            .send(b"{}".to_vec(), Encoding::Json)
            .await
            .unwrap_err();
        assert!(
            matches!(error, SubmitError::Unreachable { attempts: 4, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("503"), "{error}");
        assert_eq!(count.load(Ordering::SeqCst), 4, "bounded");
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        let client = |url: &str, allow| Client::new(url, "t".into(), Retry::default(), allow);
        assert!(client("http://127.0.0.1:8080/", false).is_ok());
        assert!(client("http://localhost:8080/", false).is_ok());
        assert!(client("https://finsam.example.se/", false).is_ok());
        let error = client("http://finsam.example.se/", false)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("https://"), "{error}");
        assert!(client("http://finsam.example.se/", true).is_ok());
        assert!(client("ftp://finsam.example.se/", true).is_err());
        assert!(client("inte en adress", false).is_err());
    }
}
