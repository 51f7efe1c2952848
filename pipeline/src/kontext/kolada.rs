//! Kolada's API v3: the KPIs of `kontext.toml` for the kommuner, län and riket asked for.
//!
//! Each KPI is first looked up (`/v3/kpi/{id}`): an id Kolada does not know stops the
//! fetch with its name, and the title Kolada gives is what the rows carry. Data comes
//! from `/v3/data/kpi/{kpi}/municipality/{ids}/year/{years}`, the ids and years in
//! batches within the API's limits, each answer's `next_url` followed to its last page.
//! A value Kolada lacks (`value: null`) is kept, with its status. Connection errors, 5xx
//! and 429 answers are tried again with backoff ([`crate::submit::with_retries`]).

use reqwest::Url;
use serde::Deserialize;

use super::{KontextError, Row};
use crate::submit::Retry;

pub const SOURCE: &str = "Kolada";

/// `[kolada]` in `kontext.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoladaSpec {
    pub adress: String,
    /// Kolada takes at most 25 values per filter; fewer keep the address short.
    pub kommuner_per_anrop: usize,
    pub ar_per_anrop: usize,
    /// Values per page (`per_page`); Kolada's largest is 5000.
    pub per_sida: usize,
    pub kpi: Vec<KpiSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiSpec {
    pub id: String,
    /// Our short name for it, for messages and pages; the rows carry Kolada's title.
    pub namn: String,
    pub enhet: String,
    #[serde(default)]
    pub aldersband: String,
    /// A word Kolada's title must contain: a KPI that changed meaning is noticed.
    pub titel_innehaller: String,
    /// What the indicator means beside a project's outcomes.
    pub betydelse: String,
}

/// An area to fetch: its code as Kolada writes it and its name.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub kod: String,
    pub namn: String,
}

#[derive(Deserialize)]
struct Page<T> {
    values: Vec<T>,
    #[serde(default)]
    next_url: Option<String>,
}

#[derive(Deserialize)]
struct KpiMeta {
    id: String,
    title: String,
}

#[derive(Deserialize)]
struct Series {
    kpi: String,
    municipality: String,
    #[serde(deserialize_with = "year")]
    period: i32,
    values: Vec<Point>,
}

#[derive(Deserialize)]
struct Point {
    gender: String,
    #[serde(default)]
    status: Option<String>,
    value: Option<f64>,
    /// A value Kolada has withdrawn (v3).
    #[serde(default)]
    isdeleted: bool,
}

/// The most pages one request is followed through: far more than Kolada's largest
/// answer needs, so a `next_url` that never ends stops.
const MAX_PAGES: usize = 1000;

/// Why a value is missing when Kolada gives no status of its own.
const MISSING: &str = "saknas";

/// Kolada v3 writes the year as a number, v2 wrote it as text: either is read.
fn year<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Year {
        Number(i32),
        Text(String),
    }
    match Year::deserialize(d)? {
        Year::Number(n) => Ok(n),
        Year::Text(t) => t.trim().parse().map_err(serde::de::Error::custom),
    }
}

pub struct Kolada<'a> {
    http: reqwest::Client,
    base: Url,
    spec: &'a KoladaSpec,
    retry: Retry,
}

/// What one KPI gave: its rows, and the title Kolada has for it.
pub struct Fetched {
    pub kpi: String,
    pub titel: String,
    pub rows: Vec<Row>,
    /// Requests made, pages followed included.
    pub requests: usize,
}

impl<'a> Kolada<'a> {
    /// A client for `base` (the spec's address when none is given).
    pub fn new(
        spec: &'a KoladaSpec,
        base: Option<&str>,
        retry: Retry,
    ) -> Result<Kolada<'a>, KontextError> {
        let (http, base) = super::service(
            SOURCE,
            "Koladas adress",
            base.unwrap_or(&spec.adress),
            &retry,
        )?;
        Ok(Kolada {
            http,
            base,
            spec,
            retry,
        })
    }

    /// Every value of `kpi` (titled `titel` by Kolada, see [`Kolada::title`]) for
    /// `areas` and `years`, fetched at `hamtad`.
    pub async fn fetch(
        &self,
        kpi: &KpiSpec,
        titel: &str,
        areas: &[Area],
        years: &[i32],
        hamtad: &str,
    ) -> Result<Fetched, KontextError> {
        let mut requests = 0;
        let titel = titel.to_string();
        let mut rows = Vec::new();
        for area_batch in areas.chunks(self.spec.kommuner_per_anrop.max(1)) {
            for year_batch in years.chunks(self.spec.ar_per_anrop.max(1)) {
                let ids: Vec<&str> = area_batch.iter().map(|a| a.kod.as_str()).collect();
                let years: Vec<String> = year_batch.iter().map(i32::to_string).collect();
                let mut url = self.url(&format!(
                    "data/kpi/{}/municipality/{}/year/{}",
                    kpi.id,
                    ids.join(","),
                    years.join(",")
                ));
                url.query_pairs_mut()
                    .append_pair("per_page", &self.spec.per_sida.to_string());
                let mut next = Some(url);
                let mut seen: Vec<Url> = Vec::new();
                while let Some(url) = next.take() {
                    if seen.contains(&url) || seen.len() >= MAX_PAGES {
                        return Err(self.odd(
                            &kpi.id,
                            200,
                            format!("sidorna tar inte slut (next_url {url})"),
                        ));
                    }
                    seen.push(url.clone());
                    requests += 1;
                    let page: Page<Series> = self.get(&url, &kpi.id).await?;
                    for series in page.values {
                        let namn = area_batch
                            .iter()
                            .find(|a| a.kod == series.municipality)
                            .map(|a| a.namn.clone())
                            .unwrap_or_else(|| series.municipality.clone());
                        for point in series.values.into_iter().filter(|p| !p.isdeleted) {
                            let status = point
                                .status
                                .filter(|s| !s.is_empty())
                                .or_else(|| point.value.is_none().then(|| MISSING.to_string()));
                            rows.push(Row {
                                kalla: SOURCE.into(),
                                indikator: series.kpi.clone(),
                                titel: titel.clone(),
                                kommunkod: series.municipality.clone(),
                                namn: namn.clone(),
                                ar: series.period,
                                kon: point.gender,
                                varde: point.value,
                                enhet: kpi.enhet.clone(),
                                aldersband: kpi.aldersband.clone(),
                                hamtad: hamtad.into(),
                                status,
                            });
                        }
                    }
                    next = match page.next_url.filter(|u| !u.is_empty()) {
                        Some(link) => Some(self.next_page(&link, &kpi.id)?),
                        None => None,
                    };
                }
            }
        }
        Ok(Fetched {
            kpi: kpi.id.clone(),
            titel,
            rows,
            requests,
        })
    }

    /// The next page as Kolada links it, asked of the address finsam was given (a mirror
    /// or a test's server answers with its own pages): Kolada's path and query on this
    /// client's scheme, host and port, the page size kept.
    fn next_page(&self, link: &str, kpi: &str) -> Result<Url, KontextError> {
        let linked = Url::parse(link)
            .or_else(|_| self.base.join(link))
            .map_err(|e| self.odd(kpi, 200, format!("next_url {link}: {e}")))?;
        let mut next = self.base.clone();
        next.set_path(linked.path());
        next.set_query(linked.query());
        if !next.query_pairs().any(|(k, _)| k == "per_page") {
            next.query_pairs_mut()
                .append_pair("per_page", &self.spec.per_sida.to_string());
        }
        Ok(next)
    }

    /// Kolada's title of `kpi`: the check that the id is Kolada's and still means what
    /// `kontext.toml` says.
    pub async fn title(&self, kpi: &KpiSpec) -> Result<String, KontextError> {
        let url = self.url(&format!("kpi/{}", kpi.id));
        let page: Page<KpiMeta> = match self.get(&url, &kpi.id).await {
            Err(KontextError::Answer { status: 404, .. }) => Page {
                values: Vec::new(),
                next_url: None,
            },
            other => other?,
        };
        let Some(meta) = page.values.into_iter().find(|m| m.id == kpi.id) else {
            return Err(KontextError::Answer {
                source_name: SOURCE,
                status: 404,
                what: format!("KPI {}", kpi.id),
                message: format!(
                    "Kolada känner inte KPI {} ({}); står id rätt i kontext.toml?",
                    kpi.id, kpi.namn
                ),
            });
        };
        let expected = kpi.titel_innehaller.to_lowercase();
        if !meta.title.to_lowercase().contains(&expected) {
            return Err(KontextError::Invalid(format!(
                "Kolada: KPI {} heter nu \"{}\", inte något med \"{}\" som kontext.toml väntar sig; se efter vad den mäter innan den hämtas",
                kpi.id, meta.title, kpi.titel_innehaller
            )));
        }
        Ok(meta.title)
    }

    fn url(&self, path: &str) -> Url {
        self.base
            .join(path)
            .expect("Kolada paths are valid relative URLs")
    }

    fn odd(&self, kpi: &str, status: u16, message: String) -> KontextError {
        KontextError::Answer {
            source_name: SOURCE,
            status,
            what: format!("KPI {kpi}"),
            message,
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: &Url,
        kpi: &str,
    ) -> Result<T, KontextError> {
        super::json_answer(SOURCE, &format!("KPI {kpi}"), &self.retry, || {
            self.http.get(url.clone()).send()
        })
        .await
    }
}
