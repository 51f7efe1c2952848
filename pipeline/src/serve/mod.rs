//! `finsam serve`: the dashboards over HTTP, and the submission API ([`api`]).
//!
//! Routes: `/` (the dashboards), `/tavla/{namn}?projekt=…&ar=…` (a page), `/healthz`,
//! and `/api/v1/…`.
//! Every request opens the dataset's manifest, so a page shows what was ingested a moment
//! ago without a restart: the dashboards are one publication ([`SiteData`]), decided once
//! per data version and kept until the manifest changes. It is computed in a task of its
//! own, so a request that gives up does not stop it.
//! The request log names the route, never the path or query as typed, so nothing a
//! client puts in a URL (a personnummer, say) reaches the log.

mod api;
pub mod audit;
mod oprf;
pub mod postgres;
mod rapport;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub use api::{Api, Limits};
pub use oprf::Oblivious;

use axum::Router;
use axum::extract::{MatchedPath, Path as UrlPath, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};

use crate::dashboard::{Definitions, Options, Pages, Selection, Site, SiteData};
use crate::disclosure::unprotected_warning;
use crate::inbox::Intake;
use crate::protocol::{
    HALF_YEAR_REPORT_ROUTE, OPRF_PATH, PROJECT_SUBMISSIONS_ROUTE, RECEIPT_ROUTE, SUBMISSIONS_PATH,
};
use crate::schema::Schema;
use crate::store::{Dataset, StoreError};

/// What the server needs to answer every request.
pub struct Server {
    pub data: PathBuf,
    pub schema: Schema,
    pub definitions: Definitions,
    pub template: String,
    pub queries: Option<PathBuf>,
    /// The submission API; `None` when the förbund's key is not known.
    pub api: Option<Api>,
    /// The dashboards' publication, as computed for the latest data version seen.
    site: tokio::sync::Mutex<Option<KeptSite>>,
}

/// The dashboards' publication for one data version, or why it could not be made: a
/// failure is kept for a while too, so that every request does not run every query
/// again, but not for good, since the cause (a full disk, say) may pass.
struct KeptSite {
    version: String,
    site: Result<Arc<SiteData>, String>,
    made: std::time::Instant,
}

/// How long a failure to make the dashboards' publication is answered without trying again.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

impl KeptSite {
    fn of(&self, version: &str) -> Option<Result<Arc<SiteData>, crate::Error>> {
        let fresh = self.site.is_ok() || self.made.elapsed() < RETRY_AFTER;
        (self.version == version && fresh).then(|| self.site.clone().map_err(crate::Error::Output))
    }
}

impl Server {
    pub fn new(
        data: PathBuf,
        schema: Schema,
        definitions: Definitions,
        template: String,
        queries: Option<PathBuf>,
        api: Option<Api>,
    ) -> Server {
        Server {
            data,
            schema,
            definitions,
            template,
            queries,
            api,
            site: tokio::sync::Mutex::default(),
        }
    }

    /// The dashboards' publication for `options.data_version`, computed if it is not
    /// kept already.
    async fn site_data(self: &Arc<Self>, options: &Options) -> Result<Arc<SiteData>, crate::Error> {
        let version = options.data_version.clone();
        if let Some(kept) = self.site.lock().await.as_ref().and_then(|k| k.of(&version)) {
            return kept;
        }
        let server = self.clone();
        tokio::spawn(async move {
            let mut kept = server.site.lock().await;
            // Another request may have computed it while this one waited for the lock.
            if let Some(site) = kept.as_ref().and_then(|k| k.of(&version)) {
                return site;
            }
            let computed = match Dataset::open(&server.data, &server.schema) {
                Ok(dataset) => {
                    SiteData::compute(
                        &dataset,
                        &server.schema,
                        server.queries.as_deref(),
                        &server.definitions,
                    )
                    .await
                }
                Err(e) => Err(e.into()),
            };
            if let Some(warning) = computed
                .as_ref()
                .ok()
                .and_then(|site| unprotected_warning(site.unprotected()))
            {
                eprintln!("finsam serve: varning: {warning}");
            }
            let site = computed.map(Arc::new).map_err(|e| e.to_string());
            *kept = Some(KeptSite {
                version: site
                    .as_ref()
                    .map_or(version, |s| s.options.data_version.clone()),
                site: site.clone(),
                made: std::time::Instant::now(),
            });
            site.map_err(crate::Error::Output)
        })
        .await
        .unwrap_or_else(|e| {
            Err(crate::Error::Output(format!(
                "tavlornas beräkning avbröts: {e}"
            )))
        })
    }
}

/// Serves until `shutdown` completes; requests under way are finished first, and the
/// submission kept last is taken in before this returns (what still waits is kept on
/// disk and taken in at the next start).
/// With `postgres`, the dataset is served over the PostgreSQL protocol too
/// ([`postgres`]), from its listener, until the same shutdown.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
    postgres: Option<(tokio::net::TcpListener, Option<postgres::TlsAcceptor>)>,
) -> std::io::Result<()> {
    let server = Arc::new(server);
    // One shutdown for both listeners.
    let (stopping, stop_signal) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stopping.send(true);
    });
    let stopped = |mut signal: tokio::sync::watch::Receiver<bool>| async move {
        let _ = signal.wait_for(|stop| *stop).await;
    };
    let sql = match postgres {
        Some((listener, tls)) => {
            let endpoint = postgres::Endpoint::new(server.clone())?;
            Some(tokio::spawn(endpoint.serve(
                listener,
                tls,
                stopped(stop_signal.clone()),
            )))
        }
        None => None,
    };
    // The first visitor need not wait for the dashboards' publication.
    if let Ok((Some(_), options)) = open(&server) {
        let server = server.clone();
        tokio::spawn(async move {
            if let Err(e) = server.site_data(&options).await {
                eprintln!("finsam serve: tavlorna kunde inte beräknas: {e}");
            }
        });
    }
    let stop = Arc::new(AtomicBool::new(false));
    let intake = server.api.as_ref().map(|api| {
        let intake = Intake {
            inbox: api.inbox.clone(),
            data: server.data.clone(),
            schema: server.schema.clone(),
            key_fingerprint: api.key_fingerprint.clone(),
        };
        let stop = stop.clone();
        std::thread::spawn(move || intake.run(&stop))
    });
    let timeout = server
        .api
        .as_ref()
        .map_or(Limits::default(), |api| api.limits)
        .request_timeout;
    let served = serve_connections(
        listener,
        router(server.clone(), timeout),
        stopped(stop_signal),
        timeout,
    )
    .await;
    if let Some(sql) = sql {
        let _ = sql.await;
    }
    stop.store(true, Ordering::SeqCst);
    if let (Some(intake), Some(api)) = (intake, &server.api) {
        api.inbox.wake();
        let _ = tokio::task::spawn_blocking(move || intake.join()).await;
    }
    served
}

/// Serves HTTP/1 connections from `listener` with `app` until `shutdown` completes. A
/// client has `timeout` to send a request's headers (one that sends them a byte a second
/// would otherwise hold its connection, and shutdown, as long as it likes), and
/// shutdown waits `timeout` at most for connections still open: they end with the
/// process.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeout: Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    eprintln!("finsam serve: kunde inte ta emot en anslutning: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The client's address for the audit log, on each of the connection's requests.
        let peer = stream.peer_addr().ok().map(audit::Peer);
        let inner = hyper_util::service::TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                if let Some(peer) = peer {
                    request.extensions_mut().insert(peer);
                }
                hyper::service::Service::call(&inner, request)
            },
        );
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away or sends garbage ends its own connection only.
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(timeout, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "finsam serve: anslutningar som fortfarande var öppna {} s efter avslutet stängdes",
            timeout.as_secs()
        );
    }
    Ok(())
}

fn router(server: Arc<Server>, timeout: Duration) -> Router {
    Router::new()
        .route("/", get(start))
        .route("/healthz", get(|| async { "ok" }))
        .route("/tavla/{namn}", get(page))
        .route(SUBMISSIONS_PATH, post(api::submit))
        .route(RECEIPT_ROUTE, get(api::receipt))
        .route(PROJECT_SUBMISSIONS_ROUTE, get(api::for_project))
        .route(HALF_YEAR_REPORT_ROUTE, get(rapport::half_year))
        .route(OPRF_PATH, get(oprf::key).post(oprf::evaluate))
        .route("/api/{*rest}", any(api::unknown))
        .fallback(unknown)
        .layer(middleware::from_fn(move |request, next| {
            limit_time(timeout, request, next)
        }))
        .layer(middleware::from_fn_with_state(server.clone(), log_request))
        .with_state(server)
}

/// A request that takes longer than `timeout` (a slow body, say) gets 503: the client
/// may try again, and a submission kept meanwhile is answered with its receipt.
async fn limit_time(timeout: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => api::Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "begäran tog längre tid än serverns gräns på {} s; försök igen",
                timeout.as_secs()
            ),
        )
        .into_response(),
    }
}

/// Logs every request to standard error, and every API request to the audit log
/// ([`audit`]) with its token's id, client and submission.
async fn log_request(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(okänd sökväg)".into());
    let api = request.uri().path().starts_with("/api/");
    let (token, projekt) = if api {
        audit::holder(&server, request.headers())
    } else {
        (None, None)
    };
    let client = request
        .extensions()
        .get::<audit::Peer>()
        .map(|peer| peer.0.ip().to_string());
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    eprintln!(
        "finsam serve: {method} {route} {status} {ms:.1} ms{}",
        token
            .as_ref()
            .map(|t| format!(" token {t}"))
            .unwrap_or_default()
    );
    if api {
        let line = audit::ApiLine {
            tid: crate::store::now_rfc3339(),
            token,
            projekt,
            klient: client,
            metod: method.to_string(),
            vag: route,
            status,
            ms: (ms * 10.0).round() / 10.0,
            inlamning: audit::submission(&path, response.headers()),
        };
        let data = server.data.clone();
        let failed = match tokio::task::spawn_blocking(move || audit::record(&data, &line)).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(e) = failed {
            eprintln!("finsam serve: granskningsloggen kunde inte skrivas: {e}");
        }
    }
    response
}

/// The dataset (`None` while nothing has been ingested) and what it offers the pages.
fn open(server: &Server) -> Result<(Option<Dataset>, Options), StoreError> {
    match Dataset::open(&server.data, &server.schema) {
        Ok(dataset) => {
            let options = Options::of(&dataset)?;
            Ok((Some(dataset), options))
        }
        Err(StoreError::NotADataset(_)) => Ok((None, Options::default())),
        Err(e) => Err(e),
    }
}

/// A page that could not be made: the reason goes to the server's log, for the
/// administrator; the visitor gets no more than that it failed, since the reason may
/// name the dataset's folders or its exact numbers.
fn failure(error: impl std::fmt::Display) -> Response {
    eprintln!("finsam serve: fel: {error}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(
            "<!DOCTYPE html><html lang=\"sv\"><meta charset=\"utf-8\"><title>Fel</title><p>Sidan kunde inte göras just nu. Orsaken står i serverns logg.</p></html>",
        ),
    )
        .into_response()
}

impl Server {
    fn pages<'a>(&'a self, options: &'a Options) -> Pages<'a> {
        Pages {
            definitions: &self.definitions,
            template: &self.template,
            site: Site::Served,
            options,
        }
    }
}

fn not_found(server: &Server, options: &Options, message: &str) -> Response {
    match server.pages(options).not_found(message) {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(e) => failure(e),
    }
}

async fn start(State(server): State<Arc<Server>>) -> Response {
    let options = match open(&server) {
        Ok((_, options)) => options,
        Err(e) => return failure(e),
    };
    match server.pages(&options).index() {
        Ok(html) => Html(html).into_response(),
        Err(e) => failure(e),
    }
}

async fn page(
    State(server): State<Arc<Server>>,
    UrlPath(name): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (dataset, options) = match open(&server) {
        Ok(opened) => opened,
        Err(e) => return failure(e),
    };
    let Some(dashboard) = server.definitions.get(&name) else {
        let names: Vec<String> = server
            .definitions
            .dashboards
            .iter()
            .map(|d| format!("{} ({})", d.titel, d.name))
            .collect();
        return not_found(
            &server,
            &options,
            &format!(
                "Det finns ingen sådan tavla. Det finns: {}.",
                names.join(", ")
            ),
        );
    };
    if dataset.is_none() || options.is_empty() {
        return match server.pages(&options).index() {
            Ok(html) => Html(html).into_response(),
            Err(e) => failure(e),
        };
    };
    let selection = match Selection::check(
        dashboard.choice,
        query.get("projekt").map(String::as_str),
        query.get("ar").map(String::as_str),
        &options,
    ) {
        Ok(s) => s,
        Err(message) => return not_found(&server, &options, &message),
    };
    let rendered = async {
        let site = server.site_data(&options).await?;
        let panels = site.panels(dashboard, &selection).unwrap_or_default();
        Ok::<_, crate::Error>(
            server
                .pages(&options)
                .page(&panels, dashboard, &selection)?,
        )
    }
    .await;
    match rendered {
        Ok(html) => Html(html).into_response(),
        Err(e) => failure(e),
    }
}

async fn unknown(State(server): State<Arc<Server>>) -> Response {
    // A 404 page is still a 404 page when the dataset cannot be read.
    let options = open(&server).map(|(_, o)| o).unwrap_or_default();
    not_found(
        &server,
        &options,
        "Sidan finns inte. Börja på startsidan, som visar tavlorna.",
    )
}
