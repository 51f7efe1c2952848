//! `GET /api/v1/projekt/{projekt}/rapporter/halvar/{halvar}`: a project's half-year
//! report, for the project's own token, in the format the `Accept` header asks for
//! (Markdown, HTML, JSON, Excel, Word or PDF; JSON when it names none in particular).
//!
//! The report is computed from the data as taken in, with exact counts: it is the
//! project's own report, the one its leader hands in. While a submission for the
//! half-year still waits in the landing area the answer is 409, since the report would
//! not yet show it; 404 when the project has no submission for the half-year at all.

use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Server;
use super::api::{Problem, authorised};
use crate::period::HalfYear;
use crate::protocol::State as Stage;
use crate::query::ProjectSelection;
use crate::report::{self, Format, QueryLibrary, Render, Selection};
use crate::store::Dataset;

pub(super) async fn half_year(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    UrlPath((projekt, halvar)): UrlPath<(String, String)>,
) -> Result<Response, Problem> {
    let (api, holder) = authorised(&server, &headers)?;
    if !projekt.trim().eq_ignore_ascii_case(&holder.projekt) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!("token gäller bara projekt {}", holder.projekt),
        ));
    }
    let period: HalfYear = halvar.parse().map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "halvåret skrivs som 2008H1 eller 2008H2",
        )
    })?;
    let format = negotiate(&headers)?;
    let waiting = api
        .inbox
        .for_project(&holder.projekt)
        .into_iter()
        .any(|r| r.status == Stage::Mottagen && r.halvar == period.to_string());
    if waiting {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!(
                "en inlämning för {} {period} väntar fortfarande på att läsas in; rapporten räknas när den är inläst (GET /api/v1/projekt/{}/inlamningar visar läget)",
                holder.projekt, holder.projekt
            ),
        ));
    }
    let worker = server.clone();
    let projekt = holder.projekt.clone();
    // The report's futures are not all Send, and typesetting is CPU work: both run on a
    // blocking thread, off the threads that answer requests.
    let runtime = tokio::runtime::Handle::current();
    let rendered = tokio::task::spawn_blocking(move || {
        runtime.block_on(render(&worker, projekt, period, format))
    })
    .await
    .map_err(Problem::internal)??;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.media_type()),
        )],
        rendered,
    )
        .into_response();
    let file = format!(
        "attachment; filename=\"halvarsrapport_{}_{period}.{}\"",
        holder.projekt,
        format.extension()
    );
    if let Ok(value) = HeaderValue::from_str(&file) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// The report of `projekt` for `period` in `format`, or 404 when the project has no
/// submission for it.
async fn render(
    server: &Server,
    projekt: String,
    period: HalfYear,
    format: Format,
) -> Result<Vec<u8>, Problem> {
    let dataset = Dataset::open(&server.data, &server.schema).map_err(Problem::internal)?;
    let manifest = dataset.manifest().map_err(Problem::internal)?;
    let has_submission = manifest
        .entries
        .iter()
        .any(|e| e.projekt == projekt && e.halvar == period.to_string());
    if !has_submission {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            format!("projekt {projekt} har ingen inläst inlämning för {period}"),
        ));
    }
    let library =
        QueryLibrary::load(server.queries.as_deref(), "halvar").map_err(Problem::internal)?;
    let selection = ProjectSelection::Projects(vec![projekt.clone()]);
    let (engine, _) = crate::underlag::open_engine(
        &dataset,
        &server.schema,
        server.queries.as_deref(),
        &selection,
    )
    .await
    .map_err(Problem::internal)?;
    let report = report::half_year(
        &dataset,
        &engine,
        &library,
        &Selection {
            projects: vec![projekt],
            period,
            public_threshold: None,
        },
    )
    .await
    .map_err(Problem::internal)?;
    report.render(format).map_err(Problem::internal)
}

/// The format the `Accept` header prefers: the acceptable media type of highest
/// quality (the first of equals), JSON for `*/*` or no header; 406 when it names only
/// types finsam cannot give.
fn negotiate(headers: &HeaderMap) -> Result<Format, Problem> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(Format::Json);
    };
    let accept = accept.to_str().unwrap_or("");
    let mut best: Option<(f32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, q)| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        let format = match media.as_str() {
            "*/*" | "application/*" => Some(Format::Json),
            "text/*" => Some(Format::Markdown),
            media => Format::ALL.into_iter().find(|f| f.essence() == media),
        };
        if let Some(format) = format
            && best.is_none_or(|(q, _)| quality > q)
        {
            best = Some((quality, format));
        }
    }
    best.map(|(_, format)| format).ok_or_else(|| {
        let types: Vec<&str> = Format::ALL.iter().map(|f| f.essence()).collect();
        Problem::new(
            StatusCode::NOT_ACCEPTABLE,
            format!("rapporten finns som {}", types.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> Result<Format, u16> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        negotiate(&headers).map_err(|p| p.status().as_u16())
    }

    #[test]
    fn the_accept_header_chooses_by_quality_then_order() {
        assert_eq!(negotiate(&HeaderMap::new()).ok(), Some(Format::Json));
        assert_eq!(accepting("application/pdf"), Ok(Format::Pdf));
        assert_eq!(
            accepting("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Ok(Format::Html)
        );
        assert_eq!(
            accepting(
                "application/pdf;q=0.5, application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            ),
            Ok(Format::Docx)
        );
        assert_eq!(accepting("text/markdown"), Ok(Format::Markdown));
        assert_eq!(accepting("application/pdf;q=0, */*"), Ok(Format::Json));
        assert_eq!(
            accepting("application/pdf;Q = 0, text/html"),
            Ok(Format::Html)
        );
        assert_eq!(accepting("image/png"), Err(406));
    }
}
