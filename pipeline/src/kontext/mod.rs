//! Municipal context: the kommun's own figures beside each project's outcomes.
//!
//! The `kontext` table holds one row per source, indicator, area (kommun, län or
//! riket), year, kön and age band, with the time it was fetched. Three sources fill it:
//! the seed tables bundled as CSV (`finsam kontext las-in`, no network: [`seed`]),
//! Kolada's API v3 ([`kolada`]) and SCB's PxWebApi v2 ([`scb`]) (`finsam kontext
//! hamta`). What is fetched and what it means is data: `schemas/kontext.toml`
//! ([`Config`]). The rows are cached in the dataset as `DATA/kontext.parquet`
//! ([`store`]); no report needs the network, and each says the age and source of the
//! context it shows.

pub mod kolada;
pub mod scb;
pub mod seed;
pub mod store;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::failure::Kind;
use crate::store::StoreError;
use crate::submit::SubmitError;

pub const CONFIG_FILE: &str = "kontext.toml";

#[derive(Debug, thiserror::Error)]
pub enum KontextError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{file}: {message}")]
    Config { file: String, message: String },
    #[error("{file}, rad {line}: {message}")]
    Table {
        file: String,
        line: usize,
        message: String,
    },
    /// Kolada or SCB could not be reached, or kept answering 5xx/429.
    #[error("{source_name}: {}", unreachable_message(.error))]
    Unreachable {
        source_name: &'static str,
        error: SubmitError,
    },
    /// The service answered, but not with what was asked for.
    #[error("{source_name} svarade {status} på {what}: {message}")]
    Answer {
        source_name: &'static str,
        status: u16,
        what: String,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// What the retries ended with, and that the cache is as it was.
fn unreachable_message(error: &SubmitError) -> String {
    match error {
        SubmitError::Unreachable {
            attempts,
            seconds,
            last,
        } => format!(
            "servern svarade inte som den ska efter {attempts} försök under {seconds:.0} s ({last}); kontexten i datamängden är som den var, försök igen senare"
        ),
        other => other.to_string(),
    }
}

impl KontextError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            KontextError::Store(e) => e.kind(),
            KontextError::Config { .. }
            | KontextError::Table { .. }
            | KontextError::Answer { .. }
            | KontextError::Invalid(_) => Kind::InvalidInput,
            KontextError::Unreachable { .. } => Kind::Internal,
        }
    }
}

/// One value of the `kontext` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Where the value comes from: "Kolada", "SCB", "Öppna jämförelser 2015".
    pub kalla: String,
    /// The source's id of the indicator (Kolada's KPI id, SCB's table and contents code).
    pub indikator: String,
    pub titel: String,
    /// Kommunkod (four digits), a län as Kolada writes it (0006) or riket (0000).
    pub kommunkod: String,
    /// The area as the source names it.
    pub namn: String,
    pub ar: i32,
    /// T (totalt), K or M.
    pub kon: String,
    /// None where the source has no value (its status says why).
    pub varde: Option<f64>,
    pub enhet: String,
    /// The ages the value is about ("16-64", "20-64", "alla"); empty when the source
    /// does not say.
    pub aldersband: String,
    /// When the value was fetched or read in (RFC 3339, UTC).
    pub hamtad: String,
    /// The source's word on the value, e.g. Kolada's "Missing".
    pub status: Option<String>,
}

impl Row {
    /// What a row is the value of: a newer row with the same key replaces it.
    pub fn key(&self) -> (&str, &str, &str, i32, &str, &str) {
        (
            &self.kalla,
            &self.indikator,
            &self.kommunkod,
            self.ar,
            &self.kon,
            &self.aldersband,
        )
    }
}

/// `schemas/kontext.toml`: the bundled tables, the Kolada KPIs and SCB's population table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub tabell: Vec<seed::TableSpec>,
    pub kolada: kolada::KoladaSpec,
    pub scb: scb::ScbSpec,
}

impl Config {
    /// `DIR/kontext.toml` when a schema folder is given, otherwise the bundled one.
    pub fn load(dir: Option<&Path>) -> Result<Config, KontextError> {
        let text = Config::file(dir, CONFIG_FILE)?;
        let invalid = |message: String| KontextError::Config {
            file: CONFIG_FILE.into(),
            message,
        };
        let config: Config = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let kolada = &config.kolada;
        // Kolada refuses more than 25 values per filter, and pages hold at most 5000.
        if !(1..=25).contains(&kolada.kommuner_per_anrop)
            || !(1..=25).contains(&kolada.ar_per_anrop)
        {
            return Err(invalid(
                "kolada: kommuner_per_anrop och ar_per_anrop ska vara 1–25 (Koladas gräns)".into(),
            ));
        }
        if !(1..=5000).contains(&kolada.per_sida) {
            return Err(invalid(
                "kolada: per_sida ska vara 1–5000 (Koladas gräns)".into(),
            ));
        }
        if config.scb.omraden_per_anrop == 0 || config.scb.aldersband.is_empty() {
            return Err(invalid(
                "scb: omraden_per_anrop ska vara minst 1 och aldersband ha minst ett band".into(),
            ));
        }
        Ok(config)
    }

    /// A file beside `kontext.toml` (a bundled table): from `dir` or the binary.
    pub fn file(dir: Option<&Path>, relative: &str) -> Result<String, KontextError> {
        match dir {
            Some(dir) => {
                let path: PathBuf = dir.join(relative);
                std::fs::read_to_string(&path).map_err(|e| StoreError::io(&path, e).into())
            }
            None => crate::bundled::files("schemas")
                .find(|(path, _)| *path == relative)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| KontextError::Config {
                    file: relative.into(),
                    message: "filen finns inte bland finsams egna filer".into(),
                }),
        }
    }
}

/// A source as outputs cite it: `Kolada (hämtad 2026-12-01)`, the date alone of the
/// fetch time.
pub fn citation(kalla: &str, hamtad: Option<&str>) -> String {
    match hamtad {
        Some(when) => format!("{kalla} (hämtad {})", when.get(..10).unwrap_or(when)),
        None => kalla.to_string(),
    }
}

/// What the rows of one source and indicator cover, for `finsam kontext lista` and the
/// reports' source lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub kalla: String,
    pub indikator: String,
    pub titel: String,
    pub omraden: usize,
    pub forsta_ar: i32,
    pub sista_ar: i32,
    pub varden: usize,
    pub saknas: usize,
    pub hamtad: String,
}

/// The rows summarised per source and indicator, in that order.
pub fn coverage(rows: &[Row]) -> Vec<Coverage> {
    let mut by: BTreeMap<(&str, &str), Vec<&Row>> = BTreeMap::new();
    for row in rows {
        by.entry((&row.kalla, &row.indikator))
            .or_default()
            .push(row);
    }
    by.into_iter()
        .map(|((kalla, indikator), rows)| {
            let areas: std::collections::BTreeSet<&str> =
                rows.iter().map(|r| r.kommunkod.as_str()).collect();
            Coverage {
                kalla: kalla.to_string(),
                indikator: indikator.to_string(),
                titel: rows[0].titel.clone(),
                omraden: areas.len(),
                forsta_ar: rows.iter().map(|r| r.ar).min().unwrap_or_default(),
                sista_ar: rows.iter().map(|r| r.ar).max().unwrap_or_default(),
                varden: rows.iter().filter(|r| r.varde.is_some()).count(),
                saknas: rows.iter().filter(|r| r.varde.is_none()).count(),
                hamtad: rows
                    .iter()
                    .map(|r| r.hamtad.as_str())
                    .max()
                    .unwrap_or("")
                    .into(),
            }
        })
        .collect()
}

/// Every bundled table as rows read in at `hamtad`, each table's source with its count.
pub fn bundled_rows(
    config: &Config,
    dir: Option<&Path>,
    hamtad: &str,
) -> Result<Vec<(String, Vec<Row>)>, KontextError> {
    config
        .tabell
        .iter()
        .map(|spec| {
            let values = seed::from_csv(spec, &Config::file(dir, &spec.fil)?)?;
            Ok((spec.kalla.clone(), seed::rows(spec, &values, hamtad)))
        })
        .collect()
}

/// The areas context is fetched for: the kommuner given, their län and riket, named
/// as SCB names them.
pub fn areas(kommuner: &[String], schema: &crate::schema::Schema) -> Vec<kolada::Area> {
    let name = |list: &str, code: &str| {
        schema
            .code_list(list)
            .and_then(|l| l.get(code))
            .map(|c| c.label.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mut areas: Vec<kolada::Area> = Vec::new();
    let mut push = |kod: String, namn: String| {
        if !areas.iter().any(|a| a.kod == kod) {
            areas.push(kolada::Area { kod, namn });
        }
    };
    for kommun in kommuner {
        push(
            kommun.clone(),
            name(crate::registry::MUNICIPALITY_LIST, kommun),
        );
    }
    for kommun in kommuner {
        let lan = &kommun[..2.min(kommun.len())];
        push(format!("00{lan}"), name("lan", lan));
    }
    push(RIKET.into(), "Riket".into());
    areas
}

/// Riket, as Kolada writes it.
pub const RIKET: &str = "0000";

/// What `finsam kontext hamta` asks for.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub areas: Vec<kolada::Area>,
    pub years: Vec<i32>,
    /// Another address than `kontext.toml`'s (a mirror, or a test's server).
    pub kolada: Option<String>,
    pub scb: Option<String>,
    pub from_kolada: bool,
    pub from_scb: bool,
    pub retry: crate::submit::Retry,
}

/// What one indicator gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub kalla: &'static str,
    pub indikator: String,
    pub titel: String,
    pub values: usize,
    pub missing: usize,
}

/// Fetches every Kolada KPI and SCB's population for the options' areas and years. The
/// rows are returned, not stored: the caller merges them into the cache only when
/// everything was fetched, so a failed fetch leaves the cache as it was.
pub async fn fetch(
    config: &Config,
    options: &FetchOptions,
    hamtad: &str,
) -> Result<(Vec<Row>, Vec<Fetched>, usize), KontextError> {
    let mut rows = Vec::new();
    let mut fetched = Vec::new();
    let mut requests = 0;
    let tell = |kalla, indikator: String, titel: String, new: &[Row]| Fetched {
        kalla,
        indikator,
        titel,
        values: new.iter().filter(|r| r.varde.is_some()).count(),
        missing: new.iter().filter(|r| r.varde.is_none()).count(),
    };
    if options.from_kolada {
        let client = kolada::Kolada::new(&config.kolada, options.kolada.as_deref(), options.retry)?;
        // Every KPI is checked before any data is asked for: a wrong id stops the fetch
        // before it has cost hundreds of requests.
        let mut titles = Vec::new();
        for kpi in &config.kolada.kpi {
            titles.push(client.title(kpi).await?);
            requests += 1;
        }
        for (kpi, titel) in config.kolada.kpi.iter().zip(&titles) {
            let got = client
                .fetch(kpi, titel, &options.areas, &options.years, hamtad)
                .await?;
            requests += got.requests;
            fetched.push(tell(kolada::SOURCE, got.kpi, got.titel, &got.rows));
            rows.extend(got.rows);
        }
    }
    if options.from_scb {
        let client = scb::Scb::new(&config.scb, options.scb.as_deref(), options.retry)?;
        let (population, calls) = client
            .population(&options.areas, &options.years, hamtad)
            .await?;
        requests += calls;
        fetched.push(tell(
            scb::SOURCE,
            format!("{}/{}", config.scb.tabell, config.scb.innehall),
            config.scb.titel.clone(),
            &population,
        ));
        rows.extend(population);
    }
    Ok((rows, fetched, requests))
}

/// An HTTP client for a source and its checked base address, ending in `/` so that
/// `join` keeps the last segment (`…/v3/` + `kpi/N31807`).
fn service(
    source_name: &'static str,
    label: &str,
    address: &str,
    retry: &crate::submit::Retry,
) -> Result<(reqwest::Client, reqwest::Url), KontextError> {
    let mut base = crate::submit::checked_url(label, address, false, None)
        .map_err(|e| KontextError::Invalid(e.to_string()))?;
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    let http = crate::submit::http_client(retry)
        .map_err(|error| KontextError::Unreachable { source_name, error })?;
    Ok((http, base))
}

/// Sends `request` (retried: [`crate::submit::with_retries`]) and reads its JSON answer.
/// An unreachable service, a refusal (its status and the start of its text, anything
/// shaped like a personnummer redacted) or an answer that is not the JSON asked for is
/// an error naming the source and `what` was asked.
async fn json_answer<T, F, R>(
    source_name: &'static str,
    what: &str,
    retry: &crate::submit::Retry,
    request: F,
) -> Result<T, KontextError>
where
    T: serde::de::DeserializeOwned,
    F: FnMut() -> R,
    R: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let response = crate::submit::with_retries(retry, request)
        .await
        .map_err(|error| KontextError::Unreachable { source_name, error })?;
    let status = response.status().as_u16();
    let odd = |message: String| KontextError::Answer {
        source_name,
        status,
        what: what.to_string(),
        message,
    };
    let bytes = response
        .bytes()
        .await
        .map_err(|e| odd(format!("svaret bröts: {e}")))?;
    if !(200..300).contains(&status) {
        let text: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
        return Err(odd(
            crate::personnummer::redact_for_message(&text).into_owned()
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| odd(format!("svaret gick inte att läsa ({e})")))
}
