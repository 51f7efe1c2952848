//! Submissions over HTTP: `finsam submit` against `finsam serve` on 127.0.0.1.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use finsam::intake::{IntakeOptions, prepare};
use finsam::protocol::Encoding;
use finsam::pseudonymise::{PseudonymKey, Pseudonymiser};
use finsam::schema::Schema;
use finsam::wire::encode;

use crate::privacy::assert_clean;
use crate::served::Served;
use crate::workdir::{Run, TABLES, Workdir, fixture, report_json_with};

const API: &str = "/api/v1/inlamningar";

/// Makes a token for a project with the CLI; returns it.
pub(crate) fn token(wd: &Workdir, projekt: &str) -> String {
    let file = format!("{projekt}.token");
    wd.finsam(&[
        "token",
        "create",
        "--projekt",
        projekt,
        "--out",
        &file,
        "--nytt-projekt",
    ])
    .ok();
    wd.read(&file).trim().to_string()
}

/// A submission pseudonymised with the work dir's key, encoded as `finsam submit` sends it.
fn body(wd: &Workdir, submission: &Path, encoding: Encoding) -> Vec<u8> {
    let schema = Schema::bundled().unwrap();
    let key = PseudonymKey::from_file(&wd.path("nyckel")).unwrap();
    let options = IntakeOptions::new(chrono::Local::now().date_naive());
    let (prepared, findings) =
        prepare(&schema, &key, &[submission.to_path_buf()], &options).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    encode(&prepared[0], &schema, &key.fingerprint(), encoding).unwrap()
}

/// `finsam submit WHAT --to URL --token-file SIGMA.token` and any further arguments.
fn submit(wd: &Workdir, url: &str, what: &str, more: &[&str]) -> Run {
    let mut args = vec!["submit", what, "--to", url, "--token-file", "SIGMA.token"];
    args.extend_from_slice(more);
    wd.finsam(&args)
}

fn post(server: &Served, token: &str, content_type: &str, body: &[u8]) -> crate::served::Answer {
    let auth = format!("Bearer {token}");
    server.request(
        "POST",
        API,
        &[("Authorization", &auth), ("Content-Type", content_type)],
        body,
    )
}

fn get(server: &Served, token: &str, path: &str) -> crate::served::Answer {
    let auth = format!("Bearer {token}");
    server.request("GET", path, &[("Authorization", &auth)], b"")
}

fn manifest(wd: &Workdir, data: &str) -> Vec<serde_json::Value> {
    wd.read(&format!("{data}/manifest.jsonl"))
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The single number `finsam sql` prints for a count.
fn count(wd: &Workdir, data: &str, query: &str) -> u64 {
    let out = wd
        .finsam(&["sql", "--data", data, "--format", "csv", query])
        .ok()
        .to_string();
    out.lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in {out}"))
}

#[test]
fn a_project_submits_from_its_own_machine_and_the_server_takes_it_in() {
    let wd = Workdir::with_fixed_key();
    token(&wd, "SIGMA");
    let server = Served::start(&wd, "data");
    let sigma = fixture("sigma_2008H1");
    let sigma = sigma.to_str().unwrap();
    let url = server.url();
    let first = submit(&wd, &url, sigma, &["--format", "arrow"]);
    let out = first.ok();
    assert!(out.contains("SIGMA 2008H1  mottagen som nr 1"), "{out}");
    assert!(out.contains("inläst: ny"), "{out}");
    // The id is the one `finsam ingest` gives the same files: the content is the same.
    let local = wd
        .finsam(&["ingest", sigma, "--data", "lokal"])
        .ok()
        .to_string();
    let id = local.split("id ").nth(1).unwrap()[..16].to_string();
    assert!(out.contains(&format!("id {id}")), "{out}\n{local}");
    // Sent again, as JSON: the same submission, nothing changes.
    let again = submit(&wd, &url, sigma, &["--format", "json"]);
    let again_out = again.ok();
    assert!(
        again_out.contains("redan mottagen (nr 1): inget ändrat"),
        "{again_out}"
    );
    let entries = manifest(&wd, "data");
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["innehall"],
        manifest(&wd, "lokal")[0]["innehall"]
    );
    assert_eq!(entries[0]["kalla"], "inkorg-1");
    for table in TABLES {
        let query = format!("SELECT count(*) FROM {table}");
        assert_eq!(
            count(&wd, "data", &query),
            count(&wd, "lokal", &query),
            "{table}"
        );
    }
    let people = "SELECT * FROM deltagare ORDER BY person";
    assert_eq!(
        wd.finsam(&["sql", "--data", "data", people]).ok(),
        wd.finsam(&["sql", "--data", "lokal", people]).ok()
    );
    let list = get(
        &server,
        &wd.read("SIGMA.token"),
        "/api/v1/projekt/sigma/inlamningar",
    )
    .json();
    assert_eq!(list["inlamningar"].as_array().unwrap().len(), 1);
    assert_eq!(list["inlamningar"][0]["status"], "inlast");
    assert_eq!(list["inlamningar"][0]["rader"]["deltagare"], 7);
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    // Only pseudonyms travelled: nothing the server keeps or says holds a personnummer.
    for (path, bytes) in wd.snapshot("data") {
        assert_clean(&path.display().to_string(), &bytes);
    }
    assert_clean("server log", log.as_bytes());
    assert_clean(
        "submit",
        format!("{}{}{}", first.stderr, again.stdout, again.stderr).as_bytes(),
    );
}

#[test]
fn the_api_answers_every_case_with_its_status() {
    let wd = Workdir::with_fixed_key();
    let sigma_token = token(&wd, "SIGMA");
    let nova_token = token(&wd, "NOVA");
    let server = Served::start_with(&wd, "data", "127.0.0.1:0", &["--max-inlamning", "1"]);
    let json = Encoding::Json.content_type();
    let arrow = Encoding::Arrow.content_type();
    let sigma = body(&wd, &fixture("sigma_2008H1"), Encoding::Arrow);

    // 401: no token, an unknown one.
    let answer = server.request("POST", API, &[("Content-Type", arrow)], &sigma);
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(
        answer.headers.contains("www-authenticate: bearer"),
        "{}",
        answer.headers
    );
    assert_eq!(
        post(&server, "finsam_00000000_00", arrow, &sigma).status,
        401
    );
    // 415: another content type; 400: not a submission.
    let answer = post(&server, &sigma_token, "text/csv", b"a;b\n1;2\n");
    assert_eq!(answer.status, 415, "{}", answer.body);
    assert!(answer.json()["fel"].as_str().unwrap().contains(arrow));
    assert_eq!(
        post(&server, &sigma_token, json, b"{\"format\":").status,
        400
    );
    // 403: a token for NOVA cannot submit for SIGMA, nor see its submissions.
    let answer = post(&server, &nova_token, arrow, &sigma);
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.json()["fel"].as_str().unwrap().contains("NOVA"));
    // 201, then 200 for the identical submission, in either encoding.
    let created = post(&server, &sigma_token, arrow, &sigma);
    assert_eq!(created.status, 201, "{}", created.body);
    let receipt = created.json();
    let id = receipt["id"].as_str().unwrap().to_string();
    assert!(
        created.headers.contains(&format!("location: {API}/{id}")),
        "{}",
        created.headers
    );
    assert_eq!(receipt["nr"], 1);
    assert_eq!(receipt["rader"]["insatser"], 6);
    let same = post(
        &server,
        &sigma_token,
        json,
        &body(&wd, &fixture("sigma_2008H1"), Encoding::Json),
    );
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.json()["nr"], 1);
    assert_eq!(same.json()["id"], id.as_str());
    // Reading: the own project's receipt and list; another project's is not there for NOVA.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = get(&server, &sigma_token, &format!("{API}/{id}"));
        assert_eq!(answer.status, 200, "{}", answer.body);
        if answer.json()["status"] == "inlast" {
            break;
        }
        assert!(Instant::now() < deadline, "never taken in: {}", answer.body);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        get(&server, &nova_token, &format!("{API}/{id}")).status,
        404
    );
    // The scheme is case-insensitive: `bearer` is Bearer.
    let lower = format!("bearer {sigma_token}");
    let path = format!("{API}/{id}");
    let answer = server.request("GET", &path, &[("Authorization", &lower)], b"");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        get(&server, &nova_token, "/api/v1/projekt/SIGMA/inlamningar").status,
        403
    );
    assert_eq!(
        get(&server, &sigma_token, "/api/v1/projekt/SIGMA/inlamningar").status,
        200
    );
    // 422: every finding, with table, row and column.
    let mut document: serde_json::Value =
        serde_json::from_slice(&body(&wd, &fixture("sigma_2008H1"), Encoding::Json)).unwrap();
    let columns = document["tabeller"]["deltagare"]["kolumner"].clone();
    let kon = columns
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "kon")
        .unwrap();
    document["tabeller"]["deltagare"]["rader"][1][kon] = "X".into();
    document["tabeller"]["deltagare"]["rader"][2][kon] = "Y".into();
    let answer = post(
        &server,
        &sigma_token,
        json,
        &serde_json::to_vec(&document).unwrap(),
    );
    assert_eq!(answer.status, 422, "{}", answer.body);
    let findings = answer.json()["fynd"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 2, "{}", answer.body);
    assert_eq!(findings[0]["blad"], "deltagare");
    assert_eq!(findings[0]["rad"], 3);
    assert_eq!(findings[0]["kolumn"], "Kön");
    // 422: a personnummer where a pseudonym should be, refused without being repeated.
    document["tabeller"]["deltagare"]["rader"][1][kon] = "K".into();
    document["tabeller"]["deltagare"]["rader"][2][kon] = "M".into();
    document["tabeller"]["deltagare"]["rader"][0][0] = "19850312-1231".into();
    let answer = post(
        &server,
        &sigma_token,
        json,
        &serde_json::to_vec(&document).unwrap(),
    );
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("personnummer"), "{}", answer.body);
    assert_clean("422 answer", answer.body.as_bytes());
    // 413: larger than the limit (1 MB here).
    let answer = post(&server, &sigma_token, json, &vec![b' '; 1_500_000]);
    assert_eq!(answer.status, 413, "{}", answer.body);
    // A revoked token is refused from the next request on.
    let list = wd.finsam(&["token", "list"]).ok().to_string();
    let nova_id = list.lines().find(|l| l.contains("NOVA")).unwrap()[..8].to_string();
    wd.finsam(&["token", "revoke", &nova_id]).ok();
    assert_eq!(
        get(&server, &nova_token, "/api/v1/projekt/NOVA/inlamningar").status,
        401
    );
    assert_eq!(get(&server, &sigma_token, "/api/v1/nope").status, 404);
    // Nothing refused was kept: one submission in the landing log.
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    assert_clean("server log", log.as_bytes());
    let received = wd.read("data/_inkorg/logg.jsonl");
    assert_eq!(
        received.matches("\"handelse\":\"mottagen\"").count(),
        1,
        "{received}"
    );
    for status in [201, 200, 400, 401, 403, 404, 413, 415, 422] {
        assert!(
            log.contains(&format!(" {status} ")),
            "{status} not in {log}"
        );
    }
}

#[test]
fn submit_sends_nothing_invalid_and_gives_up_on_a_silent_server_in_bounded_time() {
    let wd = Workdir::with_fixed_key();
    token(&wd, "SIGMA");
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    let people = std::fs::read_to_string(dir.join("deltagare.csv"))
        .unwrap()
        .replace("920704-2244", "920704-2245");
    wd.write("in/deltagare.csv", people);
    let server = Served::start(&wd, "data");
    let run = submit(&wd, &server.url(), "in", &["--fel", "fel.csv"]);
    let stderr = run.invalid();
    assert!(
        stderr.contains("deltagare.csv, rad 3, kolumn Personnummer/kod"),
        "{stderr}"
    );
    assert!(stderr.contains("Inget har skickats"), "{stderr}");
    assert_clean("submit", stderr.as_bytes());
    // The same findings for Excel, as finsam ingest --fel writes them.
    let csv = wd.read("fel.csv");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with("fil;blad;rad;kolumn;typ;meddelande"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("in/deltagare.csv;;3;Personnummer/kod;fel;")),
        "{csv}"
    );
    assert_clean("fel.csv", csv.as_bytes());
    let (_, log) = server.stop();
    assert!(!log.contains("POST"), "nothing reached the server: {log}");
    // Nobody listens: a bounded number of attempts, then a clear message.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", free.local_addr().unwrap());
    drop(free);
    let started = Instant::now();
    let sigma = fixture("sigma_2008H1");
    let run = submit(&wd, &url, sigma.to_str().unwrap(), &["--forsok", "3"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("efter 3 försök"), "{}", run.stderr);
    assert!(run.stderr.contains("inte mottagen"), "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_submission_for_another_project_is_refused_and_the_rest_are_still_sent() {
    let wd = Workdir::with_fixed_key();
    token(&wd, "SIGMA");
    let nova = wd.copy_fixture("sigma_2008H1", "in/a_nova");
    for entry in std::fs::read_dir(&nova).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("SIGMA", "NOVA");
        std::fs::write(&path, text).unwrap();
    }
    wd.copy_fixture("sigma_2008H1", "in/b_sigma");
    let server = Served::start(&wd, "data");
    let run = submit(&wd, &server.url(), "in", &[]);
    let stderr = run.invalid();
    assert!(
        stderr.contains("NOVA 2008H1: avvisad av servern (403)"),
        "{stderr}"
    );
    assert!(
        run.stdout.contains("SIGMA 2008H1  mottagen som nr 1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("inläst: ny"), "{}", run.stdout);
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    assert_eq!(manifest(&wd, "data").len(), 1);
}

/// The synthetic collection of the load and fault tests: `projects` projects with 20
/// half-years each, about 55 participants per submission, and a token file per project.
/// Returns the rows per table.
pub(crate) fn collection(wd: &Workdir, projects: u32) -> BTreeMap<String, u64> {
    let out = wd
        .finsam(&[
            "synth",
            "--deltagare",
            &(240 * projects).to_string(),
            "--projekt",
            &projects.to_string(),
            "--ar",
            "2015-2024",
            "--seed",
            "6",
            "--out",
            "synth",
        ])
        .ok()
        .to_string();
    for p in 1..=projects {
        token(wd, &format!("P{p:02}"));
    }
    out.lines()
        .next()
        .unwrap()
        .split(", ")
        .map(|pair| {
            let (table, n) = pair.split_once(' ').unwrap();
            (table.to_string(), n.parse().unwrap())
        })
        .collect()
}

/// One client per project: `finsam submit` with the project's 20 half-years.
pub(crate) fn spawn_clients(wd: &Workdir, projects: u32, url: &str) -> Vec<(String, Child)> {
    (1..=projects)
        .map(|p| {
            let projekt = format!("P{p:02}");
            let folders: Vec<PathBuf> = std::fs::read_dir(wd.path(&format!("synth/{projekt}")))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut args: Vec<String> = vec!["submit".into()];
            args.extend(folders.iter().map(|f| f.display().to_string()));
            let token_file = format!("{projekt}.token");
            args.extend(
                ["--to", url, "--token-file", &token_file, "--vanta", "300"].map(String::from),
            );
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let child = wd
                .command(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (projekt, child)
        })
        .collect()
}

/// Waits for every client; asserts each got 20 acknowledgements and says so once each.
pub(crate) fn finish_clients(clients: Vec<(String, Child)>) {
    for (projekt, child) in clients {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{projekt}: {stdout}\n{stderr}");
        let acknowledged = stdout
            .lines()
            .filter(|l| l.contains("mottagen som nr") || l.contains("redan mottagen"))
            .count();
        assert_eq!(acknowledged, 20, "{projekt}: {stdout}\n{stderr}");
    }
}

/// Every submission of the collection is in the dataset exactly once, and the data
/// reads cleanly: the manifest has each project and half-year once, and the tables
/// hold exactly the rows the collection has.
fn assert_exactly_once(wd: &Workdir, projects: u32, rows: &BTreeMap<String, u64>) {
    let entries = manifest(wd, "data");
    let keys: BTreeSet<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["projekt"].as_str().unwrap().into(),
                e["halvar"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        entries.len(),
        20 * projects as usize,
        "one manifest line per submission"
    );
    assert_eq!(keys.len(), entries.len());
    let sources: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["kalla"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources.len(),
        entries.len(),
        "each received submission taken in once"
    );
    for table in TABLES {
        let stored = count(wd, "data", &format!("SELECT count(*) FROM {table}"));
        assert_eq!(stored, rows[table], "{table}");
    }
    let status = wd.finsam(&["status"]).ok().to_string();
    let n = 20 * projects;
    assert!(
        status.contains(&format!(
            "Inkorgen (finsam serve): {n} mottagna, {n} inlästa, 0 väntar på inläsning, 0 avvisade"
        )),
        "{status}"
    );
    assert!(
        status.contains(&format!(
            "{n} aktuella inlämningar ({n} inlästa totalt)",
            n = 20 * projects
        )),
        "{status}"
    );
}

#[test]
fn fifty_clients_send_twenty_submissions_each_and_every_one_arrives_once() {
    let wd = Workdir::with_fixed_key();
    let rows = collection(&wd, 50);
    let server = Served::start(&wd, "data");
    let clients = spawn_clients(&wd, 50, &server.url());
    finish_clients(clients);
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    assert!(
        !log.contains(" 500 ") && !log.contains("misslyckades"),
        "{log}"
    );
    assert_eq!(
        log.matches("POST /api/v1/inlamningar 201").count(),
        1000,
        "{log}"
    );
    assert_exactly_once(&wd, 50, &rows);
}

#[test]
fn a_server_killed_during_ingests_loses_and_duplicates_nothing() {
    let wd = Workdir::with_fixed_key();
    let rows = collection(&wd, 10);
    let server = Served::start(&wd, "data");
    let address = server.address.clone();
    let clients = spawn_clients(&wd, 10, &server.url());
    // Kill it once a third has been received while some of it waits to be taken in.
    let log = wd.path("data/_inkorg/logg.jsonl");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let received = text.matches("\"handelse\":\"mottagen\"").count();
        let taken_in = text.matches("\"handelse\":\"inlast\"").count();
        if received >= 60 && taken_in < received {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the clients never got going: {}",
            server.output()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let before = server.kill();
    // Back on the same address; the clients' retries find it.
    let server = Served::start_with(&wd, "data", &address, &[]);
    finish_clients(clients);
    let (stopped, after) = server.stop();
    assert!(stopped, "{before}\n{after}");
    assert_exactly_once(&wd, 10, &rows);
    let received = wd.read("data/_inkorg/logg.jsonl");
    assert_eq!(
        received.matches("\"handelse\":\"mottagen\"").count(),
        200,
        "each kept once"
    );
    assert_eq!(
        received.matches("\"handelse\":\"inlast\"").count(),
        200,
        "each taken in once"
    );
}

/// The half-year report over HTTP: every format the `Accept` header names, for the
/// token's own project only, 409 while the half-year's submission waits to be taken in;
/// and `finsam submit --rapport` saving the document the server computed.
#[test]
fn the_half_year_report_is_fetched_with_the_projects_token() {
    let wd = Workdir::with_fixed_key();
    let sigma_token = token(&wd, "SIGMA");
    let nova_token = token(&wd, "NOVA");
    let server = Served::start(&wd, "data");
    let report = "/api/v1/projekt/SIGMA/rapporter/halvar/2008H1";
    let fetch = |token: &str, path: &str, accept: &str| {
        let auth = format!("Bearer {token}");
        server.request(
            "GET",
            path,
            &[("Authorization", &auth), ("Accept", accept)],
            b"",
        )
    };

    // 409 while the submission waits: the dataset is held by another writer, so the
    // server keeps it in its landing area.
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(wd.path("data/.lock"))
        .unwrap();
    lock.lock().unwrap();
    let arrow = Encoding::Arrow.content_type();
    let sigma = body(&wd, &fixture("sigma_2008H1"), Encoding::Arrow);
    let created = post(&server, &sigma_token, arrow, &sigma);
    assert_eq!(created.status, 201, "{}", created.body);
    let waiting = fetch(&sigma_token, report, "application/pdf");
    assert_eq!(waiting.status, 409, "{}", waiting.body);
    assert!(waiting.json()["fel"].as_str().unwrap().contains("väntar"));
    drop(lock);
    let receipt = format!("{API}/{}", created.json()["id"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&server, &sigma_token, &receipt).json()["status"] != "inlast" {
        assert!(Instant::now() < deadline, "never taken in");
        std::thread::sleep(Duration::from_millis(100));
    }

    // 200 in every format, with its media type.
    for (accept, media, start) in [
        ("application/json", "application/json", "{"),
        (
            "text/markdown",
            "text/markdown",
            "# Halvårsrapport SIGMA 2008H1",
        ),
        ("text/html", "text/html", "<!doctype html>"),
        ("application/pdf", "application/pdf", "%PDF-"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "PK",
        ),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "PK",
        ),
    ] {
        let answer = fetch(&sigma_token, report, accept);
        assert_eq!(answer.status, 200, "{accept}: {}", answer.body);
        assert!(
            answer.headers.contains(&format!("content-type: {media}")),
            "{accept}: {}",
            answer.headers
        );
        assert!(answer.body.starts_with(start), "{accept}");
    }
    // The JSON is the report `finsam report halvar` computes from the same data.
    let served = fetch(&sigma_token, report, "application/json").json();
    let local = report_json_with(&wd, "halvar", "SIGMA", "2008H1", &["--data", "data"]);
    assert_eq!(served["figurer"], local["figurer"]);
    // The fixture's four current participants (tests/report.rs counts them too).
    assert_eq!(served["figurer"][0]["rader"][0]["antal"], 4);

    // 401 without a token or with an unknown one; 403 another project's report, with
    // either project in the path; 404 a half-year without a submission, or none at
    // all; 406 a format finsam does not make.
    assert_eq!(server.request("GET", report, &[], b"").status, 401);
    assert_eq!(fetch("finsam_00000000_00", report, "*/*").status, 401);
    let other = fetch(&nova_token, report, "application/pdf");
    assert_eq!(other.status, 403, "{}", other.body);
    assert!(other.json()["fel"].as_str().unwrap().contains("NOVA"));
    assert_eq!(
        fetch(
            &sigma_token,
            "/api/v1/projekt/NOVA/rapporter/halvar/2008H1",
            "*/*"
        )
        .status,
        403
    );
    let none = fetch(
        &sigma_token,
        "/api/v1/projekt/SIGMA/rapporter/halvar/2009H1",
        "*/*",
    );
    assert_eq!(none.status, 404, "{}", none.body);
    assert!(none.json()["fel"].as_str().unwrap().contains("2009H1"));
    assert_eq!(
        fetch(
            &sigma_token,
            "/api/v1/projekt/SIGMA/rapporter/halvar/2008H3",
            "*/*"
        )
        .status,
        404
    );
    assert_eq!(fetch(&sigma_token, report, "image/png").status, 406);

    // finsam submit --rapport: sent (again), taken in, the document saved.
    let url = server.url();
    let run = submit(
        &wd,
        &url,
        fixture("sigma_2008H1").to_str().unwrap(),
        &["--rapport", "rapport.docx"],
    );
    let out = run.ok();
    assert!(
        out.contains("SIGMA 2008H1  halvårsrapporten sparad i rapport.docx"),
        "{out}"
    );
    let saved = std::fs::read(wd.path("rapport.docx")).unwrap();
    let document = docx_rs::read_docx(&saved).expect("a Word document");
    let text = format!("{document:?}");
    assert!(text.contains("Aktuella personer under perioden"), "{text}");
    // Without waiting there is no report to fetch; a file name must say the format.
    let run = submit(&wd, &url, "x.xlsx", &["--rapport", "r.pdf", "--vanta", "0"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = submit(&wd, &url, "x.xlsx", &["--rapport", "rapport.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    assert_clean("server log", log.as_bytes());
}

/// Every API request is in `_granskning/api.jsonl`: the token's id (never the token),
/// its project, the client, route, status and submission; `finsam logg` filters them.
#[test]
fn every_api_request_is_audited_with_the_tokens_id_and_never_the_token() {
    let wd = Workdir::with_fixed_key();
    let secret = token(&wd, "SIGMA");
    let server = Served::start(&wd, "data");
    let sigma = fixture("sigma_2008H1");
    let out = submit(&wd, &server.url(), sigma.to_str().unwrap(), &[])
        .ok()
        .to_string();
    let id = out.split("id ").nth(1).unwrap()[..16].to_string();
    let refused = get(
        &server,
        "finsam_inte_en_token",
        "/api/v1/projekt/sigma/inlamningar",
    );
    assert_eq!(refused.status, 401);
    assert_eq!(server.get("/").0, 200);
    let (_, log) = server.stop();
    let audit = wd.read("data/_granskning/api.jsonl");
    assert!(
        !audit.contains(&secret) && !log.contains(&secret),
        "{audit}"
    );
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let token_id = lines[0]["token"].as_str().unwrap().to_string();
    assert!(secret.contains(&token_id), "{token_id}");
    let posted = lines
        .iter()
        .find(|l| l["metod"] == "POST" && l["vag"] == API)
        .unwrap_or_else(|| panic!("{audit}"));
    assert_eq!(posted["status"], 201);
    assert_eq!(posted["inlamning"], id.as_str());
    assert_eq!(posted["projekt"], "SIGMA");
    assert_eq!(posted["klient"], "127.0.0.1");
    assert!(
        lines
            .iter()
            .any(|l| l["vag"] == "/api/v1/inlamningar/{id}" && l["inlamning"] == id.as_str()),
        "{audit}"
    );
    let unknown = lines.iter().find(|l| l["status"] == 401).unwrap();
    assert_eq!(unknown["token"], "okänd");
    assert!(unknown["projekt"].is_null());
    // The dashboards are not the API: in the server's log, not in the audit log.
    assert!(lines.iter().all(|l| l["vag"] != "/"), "{audit}");

    let sigma_only = wd.finsam(&["logg", "--projekt", "sigma"]).ok().to_string();
    assert_eq!(sigma_only.lines().count(), lines.len());
    let by_token = wd
        .finsam(&["logg", "--token", &token_id, "--format", "json"])
        .ok()
        .to_string();
    assert_eq!(by_token.lines().count(), lines.len() - 1);
    let none = wd
        .finsam(&["logg", "--fran", "2099-01-01"])
        .ok()
        .to_string();
    assert_eq!(none.lines().count(), 1, "only the header: {none}");
}
