//! Oblivious pseudonymisation: a project submits without the förbund's key, through a
//! proxy that records every request body, and the server's pseudonyms are the ones it
//! computes itself from the same workbook.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

use crate::privacy::assert_clean;
use crate::served::Served;
use crate::workdir::{Workdir, fixture};

/// Every request the proxy passed on: method, path and body.
type Recorded = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

#[derive(Clone)]
struct Proxy {
    to: String,
    recorded: Recorded,
    client: reqwest::Client,
}

async fn forward(
    State(proxy): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    proxy
        .recorded
        .lock()
        .unwrap()
        .push((method.to_string(), path.clone(), body.to_vec()));
    let mut request = proxy
        .client
        .request(
            method,
            format!("{}{}", proxy.to.trim_end_matches('/'), path),
        )
        .body(body);
    for name in ["authorization", "content-type", "accept"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    let answer = request.send().await.unwrap();
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    let mut response = Response::builder().status(status);
    for name in ["content-type", "retry-after", "location"] {
        if let Some(value) = answer.headers().get(name) {
            response = response.header(name, value.as_bytes());
        }
    }
    let bytes = answer.bytes().await.unwrap();
    response.body(Body::from(bytes)).unwrap()
}

/// A proxy on 127.0.0.1 in front of `to`, recording every request.
fn proxy(to: String) -> (String, Recorded) {
    let recorded = Recorded::default();
    let state = Proxy {
        to,
        recorded: recorded.clone(),
        client: finsam::submit::http_client(&finsam::submit::Retry::default()).unwrap(),
    };
    let app = Router::new()
        .fallback(|s: State<Proxy>, r: Request| async move {
            let (parts, body) = r.into_parts();
            let body = axum::body::to_bytes(body, 64 << 20).await.unwrap();
            forward(s, parts.method, parts.uri, parts.headers, body).await
        })
        .with_state(state);
    (format!("{}/", crate::served::in_background(app)), recorded)
}

/// A work dir with an OPRF key (`oprf-nyckel`) beside the HMAC one, and SIGMA's token.
fn oblivious() -> Workdir {
    let wd = Workdir::new();
    let made = wd
        .finsam(&["keygen", "--oprf", "--out", "oprf-nyckel"])
        .ok()
        .to_string();
    assert!(made.contains("OPRF-nyckel skapad"), "{made}");
    crate::submit::token(&wd, "SIGMA");
    wd
}

/// `finsam submit` with no key anywhere.
fn submit_without_key(wd: &Workdir, url: &str, more: &[&str]) -> crate::workdir::Run {
    let sigma = fixture("sigma_2008H1");
    let mut args = vec![
        "submit",
        sigma.to_str().unwrap(),
        "--to",
        url,
        "--token-file",
        "SIGMA.token",
    ];
    args.extend_from_slice(more);
    crate::workdir::Run::from(
        wd.command(&args)
            .env_remove("FINSAM_KEY_FILE")
            .output()
            .unwrap(),
    )
}

#[test]
fn a_project_submits_without_the_key_and_the_server_never_sees_a_number() {
    let wd = oblivious();
    let server = Served::start_with(&wd, "data", "127.0.0.1:0", &["--key", "oprf-nyckel"]);
    let (url, recorded) = proxy(server.url());
    let run = submit_without_key(&wd, &url, &[]);
    let out = run.ok().to_string();
    assert!(out.contains("SIGMA 2008H1  mottagen som nr 1"), "{out}");
    assert!(out.contains("inläst: ny"), "{out}");

    // The server's own pseudonyms for the same workbook, with the key: the same people.
    let sigma = fixture("sigma_2008H1");
    wd.finsam(&[
        "ingest",
        sigma.to_str().unwrap(),
        "--data",
        "lokal",
        "--key",
        "oprf-nyckel",
    ])
    .ok();
    let people = "SELECT person, kon, fodelsear FROM deltagare ORDER BY person";
    let sent = wd
        .finsam(&["sql", "--data", "data", people])
        .ok()
        .to_string();
    assert_eq!(sent, wd.finsam(&["sql", "--data", "lokal", people]).ok(),);
    assert!(sent.lines().count() > 5, "{sent}");
    // Under the HMAC key the same people have other pseudonyms.
    wd.finsam(&["ingest", sigma.to_str().unwrap(), "--data", "hmac"])
        .ok();
    assert_ne!(sent, wd.finsam(&["sql", "--data", "hmac", people]).ok());

    // What travelled: blinded elements to /api/v1/oprf, then pseudonyms. No number in
    // any form, nor the text that is keyed.
    let travelled = recorded.lock().unwrap().clone();
    let paths: Vec<String> = travelled
        .iter()
        .map(|(method, path, _)| format!("{method} {path}"))
        .collect();
    assert_eq!(
        &paths[..3],
        [
            "GET /api/v1/oprf",
            "POST /api/v1/oprf",
            "POST /api/v1/inlamningar"
        ],
        "{paths:?}"
    );
    for (method, path, body) in &travelled {
        assert_clean(&format!("{method} {path}"), body);
        let text = String::from_utf8_lossy(body);
        assert!(!text.contains("pnr:") && !text.contains("lokal:"), "{path}");
    }
    let evaluations: serde_json::Value = serde_json::from_slice(&travelled[1].2).unwrap();
    let blinded = evaluations["blindade"].as_array().unwrap().len();

    // Sent again, with the förbund's key id: new blinding, the same pseudonyms, so
    // nothing changes.
    let key_id = wd.read("data/dataset.json");
    let key_id = key_id.split("\"nyckel\": \"").nth(1).unwrap()[..16].to_string();
    let again = submit_without_key(&wd, &url, &["--nyckel-id", &key_id])
        .ok()
        .to_string();
    assert!(again.contains("redan mottagen (nr 1)"), "{again}");
    // Told another key id, the sender stops before blinding anything.
    let before = recorded.lock().unwrap().len();
    let other = submit_without_key(&wd, &url, &["--nyckel-id", "0000000000000000"]);
    assert_eq!(other.code, 1, "{}", other.stderr);
    assert!(
        other.stderr.contains("inte förbundets 0000000000000000"),
        "{}",
        other.stderr
    );
    let after: Vec<String> = recorded.lock().unwrap()[before..]
        .iter()
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert_eq!(after, ["GET /api/v1/oprf"]);

    // A project with the HMAC key instead: its pseudonyms are of another key.
    let hmac = wd.finsam(&[
        "submit",
        sigma.to_str().unwrap(),
        "--to",
        &url,
        "--token-file",
        "SIGMA.token",
    ]);
    assert_eq!(hmac.code, 1, "{}", hmac.stderr);
    assert!(hmac.stderr.contains("nyckel"), "{}", hmac.stderr);

    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    // The audit says how many, never which.
    assert!(
        log.contains("oprf: token ")
            && log.contains(&format!("(SIGMA) fick {blinded} utvärderingar")),
        "{log}"
    );
    assert_clean("server log", log.as_bytes());
    for (path, bytes) in wd.snapshot("data") {
        assert_clean(&path.display().to_string(), &bytes);
    }
}

#[test]
fn each_token_has_an_hourly_allowance_and_the_endpoint_checks_its_input() {
    let wd = oblivious();
    let server = Served::start_with(
        &wd,
        "data",
        "127.0.0.1:0",
        &["--key", "oprf-nyckel", "--oprf-per-timme", "3"],
    );
    let token = wd.read("SIGMA.token");
    let auth = format!("Bearer {}", token.trim());
    let post = |body: &str| {
        server.request(
            "POST",
            "/api/v1/oprf",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    };
    assert_eq!(post("{\"blindade\": []}").status, 400);
    assert_eq!(post("inte json").status, 400);
    let element = format!("\"{}\"", "ab".repeat(32));
    let four = format!("{{\"blindade\": [{0}, {0}, {0}, {0}]}}", element);
    assert_eq!(post(&four).status, 413);
    // Not a point of the group: refused, and counted against the allowance all the same.
    let one = format!("{{\"blindade\": [{element}]}}");
    let refused = post(&one);
    assert_eq!(refused.status, 400, "{}", refused.body);
    // Two of three left: the sender's first request of three is turned away.
    let run = submit_without_key(&wd, &server.url(), &["--forsok", "1"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("(429)") && run.stderr.contains("utvärderingar för den senaste timmen"),
        "{}",
        run.stderr
    );
    // The two left are used up; then the token is told to wait.
    assert_eq!(post(&one).status, 400);
    assert_eq!(post(&one).status, 400);
    let over = post(&one);
    assert_eq!(over.status, 429, "{}", over.body);
    assert!(over.headers.contains("retry-after: "), "{}", over.headers);
    let info = server
        .request("GET", "/api/v1/oprf", &[("Authorization", &auth)], b"")
        .json();
    assert_eq!(info["svit"], "ristretto255-SHA512");
    assert_eq!(info["per_timme"], 3);
    assert_eq!(server.request("GET", "/api/v1/oprf", &[], b"").status, 401);
    server.stop();

    // The same dataset served with the HMAC key (it holds nothing yet): no evaluations.
    let hmac = Served::start(&wd, "data");
    let answer = hmac.request("GET", "/api/v1/oprf", &[("Authorization", &auth)], b"");
    assert_eq!(answer.status, 404, "{}", answer.body);
    let run = submit_without_key(&wd, &hmac.url(), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("pseudonymiserar inte åt avsändaren (404)"),
        "{}",
        run.stderr
    );
}
