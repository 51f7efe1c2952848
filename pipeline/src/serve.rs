//! `finsam serve`: the dashboards over HTTP.
//!
//! Routes: `/` (the dashboards), `/tavla/{namn}?projekt=…&ar=…` (a page), `/healthz`.
//! Every request opens the dataset and a fresh query engine, so a page shows what was
//! ingested a moment ago without a restart (DataFusion caches file listings per context).
//! The request log names the route, never the path or query as typed, so nothing a
//! client puts in a URL (a personnummer, say) reaches the log.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Path as UrlPath, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::dashboard::{self, Definitions, Options, Pages, Selection, Site};
use crate::schema::Schema;
use crate::store::{Dataset, StoreError};
use crate::underlag;

/// What the server needs to answer every request.
pub struct Server {
    pub data: PathBuf,
    pub schema: Schema,
    pub definitions: Definitions,
    pub template: String,
    pub queries: Option<PathBuf>,
}

/// Serves until `shutdown` completes; requests under way are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(Arc::new(server)))
        .with_graceful_shutdown(shutdown)
        .await
}

fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/", get(start))
        .route("/healthz", get(|| async { "ok" }))
        .route("/tavla/{namn}", get(page))
        .fallback(unknown)
        .layer(middleware::from_fn(log_request))
        .with_state(server)
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(okänd sökväg)".into());
    let started = Instant::now();
    let response = next.run(request).await;
    eprintln!(
        "finsam serve: {method} {route} {} {:.1} ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
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

fn failure(error: impl std::fmt::Display) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(format!(
            "<!DOCTYPE html><html lang=\"sv\"><meta charset=\"utf-8\"><title>Fel</title><p>Sidan kunde inte göras: {}</p></html>",
            dashboard::escape(&error.to_string())
        )),
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
    let Some(dataset) = dataset.filter(|_| !options.is_empty()) else {
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
        let selected = selection.projekt.clone().unwrap_or_else(|| "alla".into());
        let (engine, _) = underlag::open_engine(
            &dataset,
            &server.schema,
            server.queries.as_deref(),
            &selected,
        )
        .await?;
        Ok::<_, crate::Error>(
            server
                .pages(&options)
                .page(&engine, dashboard, &selection)
                .await?,
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
