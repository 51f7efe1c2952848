//! SCB's PxWebApi v2: the population by kommun, kön and age band, for rates per
//! inhabitant.
//!
//! One POST per batch of areas (`/tables/{tabell}/data`, json-stat2), every single age
//! of the bands asked for, both sexes, the years asked for; civilstånd is left out, so
//! SCB sums over it. The answer is summed into one row per area, year, kön (K, M and T)
//! and age band. SCB allows 150,000 cells and 30 calls per 10 seconds: the batches stay
//! well inside, and a 429 is waited out ([`crate::submit::with_retries`]).

use std::collections::BTreeMap;

use reqwest::Url;
use serde::Deserialize;
use serde_json::json;

use super::kolada::Area;
use super::{KontextError, Row};
use crate::submit::Retry;

pub const SOURCE: &str = "SCB";

/// `[scb]` in `kontext.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScbSpec {
    pub adress: String,
    pub tabell: String,
    /// The table's contents code for the population (Folkmängd).
    pub innehall: String,
    pub titel: String,
    /// The last year the table has.
    pub sista_ar: i32,
    pub omraden_per_anrop: usize,
    pub aldersband: Vec<AgeBand>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    pub fran: u32,
    pub till: u32,
}

impl AgeBand {
    pub fn name(&self) -> String {
        format!("{}-{}", self.fran, self.till)
    }
}

/// The area as SCB writes it: riket 00, a län its two digits, a kommun its four.
fn scb_code(kod: &str) -> String {
    match kod {
        "0000" => "00".into(),
        _ if kod.starts_with("00") && kod.len() == 4 => kod[2..].into(),
        _ => kod.into(),
    }
}

/// A json-stat2 dataset, the parts finsam reads.
#[derive(Deserialize)]
struct Dataset {
    id: Vec<String>,
    size: Vec<usize>,
    dimension: BTreeMap<String, Dimension>,
    value: Vec<Option<f64>>,
}

#[derive(Deserialize)]
struct Dimension {
    category: Category,
}

#[derive(Deserialize)]
struct Category {
    index: Index,
}

/// json-stat allows the category index as `{code: position}` or as a list of codes.
#[derive(Deserialize)]
#[serde(untagged)]
enum Index {
    Map(BTreeMap<String, usize>),
    List(Vec<String>),
}

impl Index {
    /// The codes in position order.
    fn codes(&self) -> Vec<String> {
        match self {
            Index::List(codes) => codes.clone(),
            Index::Map(map) => {
                let mut codes: Vec<(&usize, &String)> = map.iter().map(|(c, i)| (i, c)).collect();
                codes.sort();
                codes.into_iter().map(|(_, c)| c.clone()).collect()
            }
        }
    }
}

pub struct Scb<'a> {
    http: reqwest::Client,
    base: Url,
    spec: &'a ScbSpec,
    retry: Retry,
}

impl<'a> Scb<'a> {
    pub fn new(
        spec: &'a ScbSpec,
        base: Option<&str>,
        retry: Retry,
    ) -> Result<Scb<'a>, KontextError> {
        let (http, base) =
            super::service(SOURCE, "SCB:s adress", base.unwrap_or(&spec.adress), &retry)?;
        Ok(Scb {
            http,
            base,
            spec,
            retry,
        })
    }

    /// The population of `areas` in `years` (those the table has), per kön and age band;
    /// with the number of requests made.
    pub async fn population(
        &self,
        areas: &[Area],
        years: &[i32],
        hamtad: &str,
    ) -> Result<(Vec<Row>, usize), KontextError> {
        let years: Vec<String> = years
            .iter()
            .filter(|y| **y <= self.spec.sista_ar)
            .map(i32::to_string)
            .collect();
        if years.is_empty() || areas.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let ages: Vec<u32> = {
            let mut ages: Vec<u32> = self
                .spec
                .aldersband
                .iter()
                .flat_map(|b| b.fran..=b.till)
                .collect();
            ages.sort_unstable();
            ages.dedup();
            ages
        };
        let mut url = self
            .base
            .join(&format!("tables/{}/data", self.spec.tabell))
            .map_err(|e| {
                KontextError::Invalid(format!("SCB: tabellen {}: {e}", self.spec.tabell))
            })?;
        url.query_pairs_mut()
            .append_pair("lang", "sv")
            .append_pair("outputFormat", "json-stat2");
        let mut rows = Vec::new();
        let mut requests = 0;
        for batch in areas.chunks(self.spec.omraden_per_anrop.max(1)) {
            let regions: Vec<String> = batch.iter().map(|a| scb_code(&a.kod)).collect();
            let body = json!({"selection": [
                {"variableCode": "Region", "valueCodes": regions},
                {"variableCode": "Kon", "valueCodes": ["1", "2"]},
                {"variableCode": "Alder", "valueCodes": ages.iter().map(u32::to_string).collect::<Vec<_>>()},
                {"variableCode": "ContentsCode", "valueCodes": [self.spec.innehall]},
                {"variableCode": "Tid", "valueCodes": years},
            ]});
            requests += 1;
            let dataset = self.post(&url, &body).await?;
            rows.extend(self.rows(&dataset, batch, hamtad)?);
        }
        Ok((rows, requests))
    }

    async fn post(&self, url: &Url, body: &serde_json::Value) -> Result<Dataset, KontextError> {
        let body = body.to_string();
        let what = format!("tabell {}", self.spec.tabell);
        super::json_answer(SOURCE, &what, &self.retry, || {
            self.http
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
        })
        .await
    }

    /// The dataset summed per area, year, kön and age band.
    fn rows(&self, data: &Dataset, areas: &[Area], hamtad: &str) -> Result<Vec<Row>, KontextError> {
        let bad = |message: String| KontextError::Answer {
            source_name: SOURCE,
            status: 200,
            what: format!("tabell {}", self.spec.tabell),
            message,
        };
        if data.id.len() != data.size.len()
            || data.size.iter().product::<usize>() != data.value.len()
        {
            return Err(bad("dimensionerna och antalet värden stämmer inte".into()));
        }
        let mut codes = Vec::new();
        for id in &data.id {
            let dimension = data
                .dimension
                .get(id)
                .ok_or_else(|| bad(format!("dimensionen {id} saknas")))?;
            let these = dimension.category.index.codes();
            if these.len() != data.size[codes.len()] {
                return Err(bad(format!(
                    "dimensionen {id} har {} koder men storleken {}",
                    these.len(),
                    data.size[codes.len()]
                )));
            }
            codes.push(these);
        }
        let position = |name: &str| {
            data.id
                .iter()
                .position(|d| d == name)
                .ok_or_else(|| bad(format!("dimensionen {name} saknas")))
        };
        let (region, kon, alder, tid) = (
            position("Region")?,
            position("Kon")?,
            position("Alder")?,
            position("Tid")?,
        );
        // (region, year, kön, band) → (sum, any value missing)
        let mut sums: BTreeMap<(String, String, String, String), (f64, bool)> = BTreeMap::new();
        let mut coordinate = vec![0usize; data.size.len()];
        for value in &data.value {
            let code = |d: usize| codes[d][coordinate[d]].as_str();
            let age: Option<u32> = code(alder).parse().ok();
            let sex = match code(kon) {
                "1" => "M",
                "2" => "K",
                other => other,
            };
            for band in &self.spec.aldersband {
                if age.is_some_and(|a| (band.fran..=band.till).contains(&a)) {
                    for sex in [sex, "T"] {
                        let entry = sums
                            .entry((
                                code(region).into(),
                                code(tid).into(),
                                sex.into(),
                                band.name(),
                            ))
                            .or_insert((0.0, false));
                        match value {
                            Some(v) => entry.0 += v,
                            None => entry.1 = true,
                        }
                    }
                }
            }
            // The next coordinate, the last dimension fastest (row-major).
            for d in (0..coordinate.len()).rev() {
                coordinate[d] += 1;
                if coordinate[d] < data.size[d] {
                    break;
                }
                coordinate[d] = 0;
            }
        }
        let mut rows = Vec::new();
        for ((region, year, sex, band), (sum, missing)) in sums {
            let area = areas.iter().find(|a| scb_code(&a.kod) == region);
            let ar: i32 = year
                .parse()
                .map_err(|_| bad(format!("året {year} är inget år")))?;
            rows.push(Row {
                kalla: SOURCE.into(),
                indikator: format!("{}/{}", self.spec.tabell, self.spec.innehall),
                titel: self.spec.titel.clone(),
                kommunkod: area.map(|a| a.kod.clone()).unwrap_or(region.clone()),
                namn: area.map(|a| a.namn.clone()).unwrap_or(region),
                ar,
                kon: sex,
                varde: (!missing).then_some(sum),
                enhet: "antal".into(),
                aldersband: band,
                hamtad: hamtad.into(),
                status: missing.then(|| "..".to_string()),
            });
        }
        Ok(rows)
    }
}
