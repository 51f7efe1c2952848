//! Municipal context: the bundled seed tables, and Kolada and SCB as mimicked by local
//! servers that answer with their recorded response shapes (pages, a missing value,
//! 429 and 5xx before success, 404 for an unknown KPI). No test reaches the internet.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::workdir::{Workdir, copy_dir, fixture, repo, report_json_with, row, table, tables};

/// A dataset with one submission, for SQL to have a dataset to open.
fn dataset() -> Workdir {
    Workdir::new().ingested(&fixture("sigma_2008H1"))
}

#[test]
fn the_bundled_seed_tables_are_read_in_without_a_network() {
    let wd = dataset();
    let said = wd.finsam(&["kontext", "las-in"]).ok().to_string();
    assert!(
        said.contains(
            "122 värden ur Öppna jämförelser 2015 och 56 värden ur Försörjningsmått 2014"
        ),
        "{said}"
    );
    assert_eq!(
        wd.sql(
            "SELECT namn, indikator, varde, enhet, aldersband, ar FROM kontext \
             WHERE (kommunkod = '0682' AND indikator IN ('oj_langvarigt_eb', 'oj_mycket_langvarigt_eb')) \
                OR (kommunkod = '0604' AND indikator = 'fm_sjukpenning') ORDER BY indikator"
        ),
        "namn,indikator,varde,enhet,aldersband,ar\n\
         Aneby,fm_sjukpenning,6326.0,kronor,16-64,2014\n\
         Nässjö,oj_langvarigt_eb,34.8,procent,,2015\n\
         Nässjö,oj_mycket_langvarigt_eb,22.6,procent,,2015\n"
    );
    // Read in again: the same values, each once.
    wd.finsam(&["kontext", "las-in"]).ok();
    assert_eq!(wd.sql("SELECT count(*) n FROM kontext"), "n\n178\n");
    let listed = wd.finsam(&["kontext", "lista"]).ok().to_string();
    assert!(
        listed.contains("Öppna jämförelser 2015  oj_langvarigt_eb  9 områden, 2015, 9 värden"),
        "{listed}"
    );
}

/// Kolada's KPIs as the mock knows them: id and title.
const KPIS: [(&str, &str); 5] = [
    (
        "N31807",
        "Invånare som någon gång under året erhållit ekonomiskt bistånd, andel (%)",
    ),
    (
        "N31816",
        "Vuxna med långvarigt ekonomiskt bistånd, andel (%) av befolkningen",
    ),
    ("N00957", "Ohälsotal, dagar"),
    (
        "N03937",
        "Öppet arbetslösa av befolkningen 18-65 år, andel (%)",
    ),
    (
        "N02797",
        "Invånare 16-24 år som varken arbetar eller studerar, andel (%)",
    ),
];

/// The value the mock gives: different for every KPI, area, year and gender.
fn kolada_value(kpi: &str, area: &str, year: i32, gender: &str) -> f64 {
    let k = KPIS.iter().position(|(id, _)| *id == kpi).unwrap() as f64;
    let g = ["T", "K", "M"].iter().position(|x| *x == gender).unwrap() as f64;
    let a: f64 = area.parse::<f64>().unwrap() / 1000.0;
    ((k * 10.0 + a + (year - 2000) as f64 / 10.0 + g / 100.0) * 100.0).round() / 100.0
}

#[derive(Default)]
struct Mock {
    /// Every request, as path and query.
    requests: Vec<String>,
    /// When each data request came.
    times: Vec<std::time::Instant>,
    /// Answers still to give before the real one: status and Retry-After.
    trouble: Vec<(u16, Option<&'static str>)>,
}

type Shared = Arc<Mutex<Mock>>;

async fn kpi_meta(Path(id): Path<String>, State(mock): State<Shared>, uri: Uri) -> Response {
    mock.lock().unwrap().requests.push(uri.to_string());
    match KPIS.iter().find(|(k, _)| *k == id) {
        Some((_, title)) => axum::Json(json!({
            "values": [{
                "id": id, "title": title, "description": "Beskrivning.",
                "is_divided_by_gender": true, "municipality_type": "K", "auspice": "X",
                "operating_area": "Ekonomiskt bistånd", "perspective": "Resurser",
                "prel_publication_date": null, "publication_date": "2025-03-01",
                "publ_period": "2024", "has_ou_data": false
            }],
            "count": 1, "next_url": null, "previous_url": null
        }))
        .into_response(),
        None => (StatusCode::NOT_FOUND, "{\"detail\":\"Not Found\"}").into_response(),
    }
}

async fn kolada_data(
    Path((kpi, ids, years)): Path<(String, String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
    State(mock): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let trouble = {
        let mut mock = mock.lock().unwrap();
        mock.requests.push(uri.to_string());
        mock.times.push(std::time::Instant::now());
        (!mock.trouble.is_empty()).then(|| mock.trouble.remove(0))
    };
    if let Some((status, retry_after)) = trouble {
        let mut response = (StatusCode::from_u16(status).unwrap(), "busy").into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", seconds.parse().unwrap());
        }
        return response;
    }
    let mut series = Vec::new();
    for area in ids.split(',') {
        for year in years.split(',') {
            let year: i32 = year.parse().unwrap();
            let values: Vec<Value> = ["T", "K", "M"]
                .iter()
                .map(|g| {
                    if kpi == "N31816" && area == "0000" && year == 2015 && *g == "T" {
                        json!({"gender": g, "count": 0, "status": "Missing", "value": null, "isdeleted": false})
                    } else {
                        json!({"gender": g, "count": 1, "status": "", "value": kolada_value(&kpi, area, year, g), "isdeleted": false})
                    }
                })
                .collect();
            series
                .push(json!({"kpi": kpi, "municipality": area, "period": year, "values": values}));
        }
    }
    // Two pages: the second through next_url, as an absolute address.
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let half = series.len().div_ceil(2);
    let host = headers.get("host").unwrap().to_str().unwrap();
    let (values, next) = if page == 1 {
        (
            series[..half].to_vec(),
            json!(format!("http://{host}{}?page=2&per_page=2", uri.path())),
        )
    } else {
        (series[half..].to_vec(), Value::Null)
    };
    axum::Json(json!({
        "values": values, "count": values.len(), "next_url": next,
        "previous_url": if page == 1 { Value::Null } else { json!("http://x/?page=1") }
    }))
    .into_response()
}

/// The population the mock gives for an area, sex (1 män, 2 kvinnor), age and year.
fn population(region: &str, kon: &str, age: u32, year: i32) -> u64 {
    region.parse::<u64>().unwrap() % 97
        + kon.parse::<u64>().unwrap() * 3
        + age as u64
        + (year - 2000) as u64
}

async fn scb_data(
    Path(table): Path<String>,
    State(mock): State<Shared>,
    uri: Uri,
    body: String,
) -> Response {
    mock.lock().unwrap().requests.push(uri.to_string());
    if table != "TAB638" {
        return (
            StatusCode::NOT_FOUND,
            r#"{"type":"Parameter error","title":"Non-existent table","status":404}"#,
        )
            .into_response();
    }
    let body: Value = serde_json::from_str(&body).unwrap();
    let selection = |name: &str| -> Vec<String> {
        body["selection"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["variableCode"] == name)
            .map(|s| {
                s["valueCodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (regions, kon, ages, contents, years) = (
        selection("Region"),
        selection("Kon"),
        selection("Alder"),
        selection("ContentsCode"),
        selection("Tid"),
    );
    let mut value = Vec::new();
    for r in &regions {
        for a in &ages {
            for k in &kon {
                for _ in &contents {
                    for y in &years {
                        value.push(population(r, k, a.parse().unwrap(), y.parse().unwrap()));
                    }
                }
            }
        }
    }
    let dimension = |codes: &[String]| {
        let index: serde_json::Map<String, Value> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), json!(i)))
            .collect();
        let label: serde_json::Map<String, Value> =
            codes.iter().map(|c| (c.clone(), json!(c))).collect();
        json!({"label": "x", "category": {"index": index, "label": label},
               "extension": {"elimination": true, "show": "value"}})
    };
    axum::Json(json!({
        "version": "2.0", "class": "dataset",
        "label": "Folkmängd efter region, ålder, kön och år", "source": "SCB",
        "updated": "2025-02-21T07:00:00Z",
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [regions.len(), ages.len(), kon.len(), contents.len(), years.len()],
        "dimension": {
            "Region": dimension(&regions), "Alder": dimension(&ages), "Kon": dimension(&kon),
            "ContentsCode": dimension(&contents), "Tid": dimension(&years)
        },
        "extension": {"px": {"tableid": "TAB638"}, "discontinued": null},
        "value": value
    }))
    .into_response()
}

/// Kolada and SCB on one local port: `/v3/…` and `/api/v2/…`.
fn serve(mock: Shared) -> String {
    let app = Router::new()
        .route("/v3/kpi/{id}", get(kpi_meta))
        .route(
            "/v3/data/kpi/{kpi}/municipality/{ids}/year/{years}",
            get(kolada_data),
        )
        .route("/api/v2/tables/{table}/data", post(scb_data))
        .with_state(mock);
    crate::served::in_background(app)
}

fn fetch(wd: &Workdir, address: &str, extra: &[&str]) -> crate::workdir::Run {
    let kolada = format!("{address}/v3");
    let scb = format!("{address}/api/v2");
    let mut args = vec![
        "kontext",
        "hamta",
        "--kommun",
        "Nässjö",
        "--ar",
        "2014-2015",
        "--kolada",
        &kolada,
        "--scb",
        &scb,
    ];
    args.extend_from_slice(extra);
    wd.finsam(&args)
}

#[test]
fn kolada_and_scb_are_fetched_paged_and_retried_into_the_cache() {
    let mock: Shared = Arc::default();
    // The first data request is told to wait (429, Retry-After), the next meets a 503.
    mock.lock().unwrap().trouble = vec![(429, Some("1")), (503, None)];
    let address = serve(mock.clone());
    let wd = dataset();
    let said = fetch(&wd, &address, &[]).ok().to_string();
    assert!(
        said.contains("Hämtade 3 områden och åren 2014–2015"),
        "{said}"
    );
    assert!(said.contains("N31816"), "{said}");
    assert!(said.contains("1 saknas hos källan"), "{said}");

    let requests = mock.lock().unwrap().requests.clone();
    let first_kpi_data: Vec<&String> = requests
        .iter()
        .filter(|r| r.starts_with("/v3/data/kpi/N31807/"))
        .collect();
    // 429, 503, then page 1 and page 2 (through next_url).
    assert_eq!(first_kpi_data.len(), 4, "{requests:#?}");
    assert!(
        first_kpi_data[0].contains("/municipality/0682,0006,0000/year/2014,2015?per_page=5000")
    );
    assert!(first_kpi_data[3].contains("page=2"), "{requests:#?}");
    // The 429 asked for a second's pause, and got it.
    let times = mock.lock().unwrap().times.clone();
    assert!(times[1] - times[0] >= std::time::Duration::from_millis(950));
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.starts_with("/api/v2/tables/TAB638/data"))
            .count(),
        1
    );

    // 5 KPIs × 3 areas × 2 years × 3 genders; one value missing, kept with its status.
    assert_eq!(
        wd.sql(
            "SELECT count(*) n, count(varde) v, max(status) s, count(DISTINCT titel) t \
             FROM kontext WHERE kalla = 'Kolada'"
        ),
        "n,v,s,t\n90,89,Missing,5\n"
    );
    let expected = kolada_value("N03937", "0682", 2015, "K");
    assert_eq!(
        wd.sql(
            "SELECT namn, varde FROM kontext WHERE indikator = 'N03937' \
             AND kommunkod = '0682' AND ar = 2015 AND kon = 'K'"
        ),
        format!("namn,varde\nNässjö,{expected:?}\n")
    );
    // SCB: 3 areas × 2 years × (K, M, T) × 2 age bands, summed over single ages.
    let men: u64 = (16..=64).map(|age| population("06", "1", age, 2014)).sum();
    let women: u64 = (16..=64).map(|age| population("06", "2", age, 2014)).sum();
    assert_eq!(
        wd.sql("SELECT count(*) n FROM kontext WHERE kalla = 'SCB'"),
        "n\n36\n"
    );
    assert_eq!(
        wd.sql(
            "SELECT kon, varde FROM kontext WHERE kalla = 'SCB' AND kommunkod = '0006' \
             AND ar = 2014 AND aldersband = '16-64' ORDER BY kon"
        ),
        format!(
            "kon,varde\nK,{:?}\nM,{:?}\nT,{:?}\n",
            women as f64,
            men as f64,
            (men + women) as f64
        )
    );
    assert_eq!(
        wd.sql("SELECT DISTINCT namn FROM kontext WHERE kalla = 'SCB' ORDER BY namn"),
        "namn\nJönköpings län\nNässjö\nRiket\n"
    );

    // Fetched again, each value is replaced, not added.
    fetch(&wd, &address, &["--bara", "kolada"]).ok();
    assert_eq!(wd.sql("SELECT count(*) n FROM kontext"), "n\n126\n");
}

/// The repository's schema folder copied into `wd`, with `from` in kontext.toml
/// replaced by `to`: its path, for `--schemas`.
fn schemas_with(wd: &Workdir, from: &str, to: &str) -> String {
    let schemas = wd.path("schemas");
    copy_dir(&repo("schemas"), &schemas);
    let config = schemas.join("kontext.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&config, text.replacen(from, to, 1)).unwrap();
    schemas.to_str().unwrap().to_string()
}

#[test]
fn an_unknown_kpi_stops_the_fetch_and_the_cache_stays_as_it_was() {
    let address = serve(Arc::default());
    let wd = Workdir::new();
    wd.finsam(&["kontext", "las-in"]).ok();
    let before = wd.snapshot("data");
    let unknown = "kpi = [\n  { id = \"N99999\", namn = \"Påhittad\", enhet = \"procent\", titel_innehaller = \"x\", betydelse = \"Ingen.\" },";
    let schemas = schemas_with(&wd, "kpi = [", unknown);
    let stderr = fetch(&wd, &address, &["--schemas", &schemas])
        .invalid()
        .to_string();
    assert!(
        stderr.contains("Kolada känner inte KPI N99999 (Påhittad)"),
        "{stderr}"
    );
    assert_eq!(wd.snapshot("data"), before);
}

#[test]
fn a_service_that_stays_down_is_reported_and_nothing_is_stored() {
    let mock: Shared = Arc::default();
    mock.lock().unwrap().trouble = vec![(503, None); 20];
    let address = serve(mock);
    let wd = dataset();
    wd.finsam(&["kontext", "las-in"]).ok();
    let before = wd.snapshot("data");
    let run = fetch(&wd, &address, &["--bara", "kolada", "--forsok", "3"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Kolada: servern svarade inte som den ska efter 3 försök")
            && run.stderr.contains("503")
            && run
                .stderr
                .contains("kontexten i datamängden är som den var"),
        "{}",
        run.stderr
    );
    assert_eq!(wd.snapshot("data"), before);
}

/// Kolada answers every KPI, then SCB does not know the table: nothing of what Kolada
/// gave is stored either.
#[test]
fn a_fetch_that_fails_half_way_stores_nothing() {
    let address = serve(Arc::default());
    let wd = dataset();
    wd.finsam(&["kontext", "las-in"]).ok();
    let before = wd.snapshot("data");
    let schemas = schemas_with(&wd, "tabell = \"TAB638\"", "tabell = \"TAB999\"");
    let stderr = fetch(&wd, &address, &["--schemas", &schemas])
        .invalid()
        .to_string();
    assert!(
        stderr.contains("SCB svarade 404 på tabell TAB999"),
        "{stderr}"
    );
    assert_eq!(wd.snapshot("data"), before);
}

/// With Kolada's share and SCB's population for the participants' years, the Kommunen
/// dashboard shows the reach: new participants with ekonomiskt bistånd per 1 000
/// estimated adult biståndsmottagare, worked out from the counts the page shows.
#[test]
fn the_reach_is_the_shown_count_per_thousand_estimated_recipients() {
    let address = serve(Arc::default());
    // One synthetic project large enough for its kommuner's counts to be shown: its
    // participants live in Botkyrka, Salem and Haninge.
    let wd = Workdir::new();
    wd.finsam(&[
        "synth",
        "--deltagare",
        "1500",
        "--projekt",
        "1",
        "--ar",
        "2008-2010",
        "--seed",
        "3",
        "--out",
        "synt",
    ])
    .ok();
    wd.finsam(&["ingest", "synt"]).ok();
    let kolada = format!("{address}/v3");
    let scb = format!("{address}/api/v2");
    let mut args = vec![
        "kontext",
        "hamta",
        "--ar",
        "2008-2010",
        "--kolada",
        &kolada,
        "--scb",
        &scb,
    ];
    for kommun in ["Botkyrka", "Salem", "Haninge"] {
        args.extend(["--kommun", kommun]);
    }
    let said = wd.finsam(&args).ok().to_string();
    // Three kommuner, their län, and riket.
    assert!(
        said.contains("Hämtade 5 områden och åren 2008–2010"),
        "{said}"
    );
    wd.finsam(&["dashboard", "build", "--out", "site"]).ok();
    let html = wd.read("site/kommunen/P01.html");
    let section = html
        .split("<section>")
        .find(|s| s.contains("Räckvidd:"))
        .unwrap();
    let rows: Vec<Vec<String>> = section
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    cell.split_once('>')
                        .unwrap()
                        .1
                        .split("</td>")
                        .next()
                        .unwrap()
                        .to_string()
                })
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "{section}");
    let codes: BTreeMap<&str, &str> =
        [("Botkyrka", "0127"), ("Salem", "0128"), ("Haninge", "0136")]
            .into_iter()
            .collect();
    let mut checked = 0;
    for row in &rows {
        let [year, kommun, antal, rate, _] = &row[..] else {
            panic!("{row:?}");
        };
        let Ok(antal) = antal.parse::<f64>() else {
            assert_eq!(rate, "..", "{row:?}");
            continue;
        };
        let (code, year) = (codes[kommun.as_str()], year.parse::<i32>().unwrap());
        let share = kolada_value("N31807", code, year, "T");
        let adults: u64 = ["1", "2"]
            .iter()
            .flat_map(|kon| (20..=64).map(move |age| population(code, kon, age, year)))
            .sum();
        let recipients = (share / 100.0 * adults as f64).round();
        let expected = (antal / recipients * 10_000.0).round() / 10.0;
        assert_eq!(rate, &format!("{expected}").replace('.', ","), "{row:?}");
        assert!(antal >= 5.0, "{row:?}");
        checked += 1;
    }
    assert_eq!(checked, 9, "{rows:?}");
    assert!(html.contains("finsam räknar fram förhållandet; det är inte källornas"));
}

/// `--per-kommun`: the outcome and participant tables with a column per
/// folkbokföringskommun that adds up to Totalt and agrees with a count in SQL, the
/// kommuner's own figures beside them with their sources, and no such breakdown in
/// public.
#[test]
fn the_reports_by_kommun_add_up_and_sit_beside_the_kommuners_own_figures() {
    let wd = Workdir::examples_in_kommuner();
    let report = report_json_with(&wd, "utfall", "KOMPIS", "2010", &["--per-kommun"]);
    let status = table(&report, 1);
    let columns = status["kolumner"].as_array().unwrap();
    let names: Vec<&str> = columns
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Totalt", "Aneby", "Nässjö", "Sävsjö", "Vetlanda", "Eksjö", "Tranås"
        ]
    );
    // Each kommun's n is a count of the ended participants living there.
    let counted = wd.sql(
        "SELECT kommun, count(*) AS n FROM uppfoljning WHERE projekt = 'KOMPIS' \
         AND avslutad BETWEEN DATE '2010-01-01' AND DATE '2010-12-31' AND raknas \
         GROUP BY kommun ORDER BY kommun",
    );
    let shown: Vec<String> = columns[1..]
        .iter()
        .map(|c| format!("{},{}", c["nyckel"].as_str().unwrap(), c["n"]))
        .collect();
    assert_eq!(counted, format!("kommun,n\n{}\n", shown.join("\n")));
    for table in tables(&report).iter().filter(|t| t["typ"] == "andelar") {
        let n: Vec<i64> = table["kolumner"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["n"].as_i64().unwrap())
            .collect();
        assert_eq!(n[0], n[1..].iter().sum::<i64>(), "{}", table["rubrik"]);
        for row in table["rader"].as_array().unwrap() {
            let counts: Vec<i64> = row["celler"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["antal"].as_i64().unwrap())
                .collect();
            assert_eq!(
                counts[0],
                counts[1..].iter().sum::<i64>(),
                "{} {}",
                table["rubrik"],
                row["text"]
            );
        }
    }
    let context = table(&report, 11);
    assert_eq!(context["typ"], "kontext");
    assert_eq!(context["kolumner"].as_array().unwrap().len(), 6);
    let nassjo = row(
        context,
        "Långvarigt ekonomiskt bistånd, andel av vuxna biståndsmottagare, 2015 (%)",
    );
    assert_eq!(nassjo[1]["varde"], 34.8);
    let aneby = row(
        context,
        "Sjukpenning och rehabiliteringspenning per invånare, 2014, 16-64 år (kr)",
    );
    assert_eq!(aneby[0]["varde"], 6326.0);
    let note = context["not"].as_str().unwrap();
    assert!(
        note.contains("Siffrornas källor: Försörjningsmått 2014 (hämtad 20")
            && note.contains("Öppna jämförelser 2015 (hämtad 20"),
        "{note}"
    );
    // Without --per-kommun: kön and age bands, and no kommun figures.
    let plain = report_json_with(&wd, "utfall", "KOMPIS", "2010", &[]);
    assert!(tables(&plain).iter().all(|t| t["nr"] != 11));

    // The participant tables: the same kommuner, adding up, SIGMA's Nora among them.
    let participants = report_json_with(&wd, "deltagare", "alla", "2008", &["--per-kommun"]);
    let counts = table(&participants, 1);
    let n: Vec<i64> = counts["kolumner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["n"].as_i64().unwrap())
        .collect();
    assert_eq!(n.len(), 8);
    assert_eq!(n[0], n[1..].iter().sum::<i64>());
    assert_eq!(counts["kolumner"][7]["text"], "Nora");

    // Nora has no bundled context: the report says so instead of a table of blanks.
    let sigma = wd
        .finsam(&[
            "report",
            "utfall",
            "--projekt",
            "SIGMA",
            "--period",
            "2008",
            "--per-kommun",
        ])
        .ok()
        .to_string();
    let last = sigma
        .split("## 11. Kommunernas egna siffror")
        .nth(1)
        .unwrap();
    assert!(
        last.contains("Inga siffror för deltagarnas kommuner")
            && last.contains("Datamängden har ingen kontext för deltagarnas kommuner"),
        "{last}"
    );

    let public = wd.finsam(&[
        "report",
        "utfall",
        "--projekt",
        "alla",
        "--period",
        "2008",
        "--per-kommun",
        "--publik",
    ]);
    assert_eq!(public.code, 2, "{}", public.stderr);
    assert!(
        public.stderr.contains("tavlan Kommunen"),
        "{}",
        public.stderr
    );
}
