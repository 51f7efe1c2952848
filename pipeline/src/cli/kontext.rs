use std::ops::RangeInclusive;

use chrono::Datelike;
use finsam::kontext::{self, Config, FetchOptions};
use finsam::registry::Registry;

use super::{DataArgs, Exit};

/// Kommunernas egna siffror bredvid projektens utfall: tabellen kontext.
///
/// Kontexten sparas i datamängden (kontext.parquet) med tidpunkten den hämtades; ingen
/// rapport behöver nätverket. Vilka indikatorer som hämtas och vad de betyder står i
/// schemas/kontext.toml. I SQL: SELECT * FROM kontext.
///
/// Exempel:
///   finsam kontext las-in
///   finsam kontext hamta
///   finsam kontext hamta --kommun Nässjö --kommun 0604 --ar 2010-2015
///   finsam kontext lista
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Läs in tabellerna som följer med finsam (Öppna jämförelser 2015, Försörjningsmått
    /// 2014, för kommunerna på Höglandet): ingen nätverksanslutning behövs.
    LasIn,
    /// Hämta Koladas nyckeltal och SCB:s folkmängd för projektens kommuner, deras län och
    /// riket, och spara dem i datamängden.
    Hamta {
        /// En kommun (kod eller namn); upprepa för flera. Standard: kommunerna som
        /// projekten i projektregistret arbetar i.
        #[arg(long = "kommun", value_name = "KOMMUN")]
        kommuner: Vec<String>,
        /// Åren, t.ex. 2010-2015 eller 2014. Standard: från två år före det första
        /// projektets start till förra året.
        #[arg(long, value_name = "ÅR-ÅR", value_parser = parse_years)]
        ar: Option<RangeInclusive<i32>>,
        /// Bara en källa: kolada eller scb.
        #[arg(long, value_name = "KÄLLA", value_parser = ["kolada", "scb"])]
        bara: Option<String>,
        /// Koladas adress, om inte den i kontext.toml (t.ex. en spegel).
        #[arg(long, value_name = "URL", env = "FINSAM_KOLADA")]
        kolada: Option<String>,
        /// SCB:s adress (PxWebApi v2), om inte den i kontext.toml.
        #[arg(long, value_name = "URL", env = "FINSAM_SCB")]
        scb: Option<String>,
        /// Hur många gånger ett anrop prövas när tjänsten inte svarar, svarar 5xx eller
        /// ber om en paus (429), med allt längre väntan emellan.
        #[arg(long, value_name = "ANTAL", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=20))]
        forsok: u32,
    },
    /// Visa vad datamängden har: källa, indikator, områden, år och när det hämtades.
    Lista,
}

fn parse_years(text: &str) -> Result<RangeInclusive<i32>, String> {
    let year = |t: &str| {
        t.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1990..=2100).contains(y))
            .ok_or_else(|| format!("\"{t}\" är inget år; skriv t.ex. 2010-2015"))
    };
    let (first, last) = match text.split_once('-') {
        Some((a, b)) => (year(a)?, year(b)?),
        None => (year(text)?, year(text)?),
    };
    if last < first {
        return Err(format!("{text}: det sista året ligger före det första"));
    }
    Ok(first..=last)
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let config = Config::load(data.schemas.as_deref())?;
    let now = finsam::store::now_rfc3339();
    match args.action {
        Action::LasIn => {
            let tables = kontext::bundled_rows(&config, data.schemas.as_deref(), &now)?;
            let said: Vec<String> = tables
                .iter()
                .map(|(kalla, rows)| format!("{} värden ur {kalla}", rows.len()))
                .collect();
            let total = kontext::store::change(
                &data.data,
                tables.into_iter().flat_map(|(_, rows)| rows).collect(),
            )?;
            println!(
                "Läste in {}. Tabellen kontext har {total} värden.",
                said.join(" och ")
            );
        }
        Action::Hamta {
            kommuner,
            ar,
            bara,
            kolada,
            scb,
            forsok,
        } => {
            let schema = data.schema()?;
            let registry = Registry::load(&data.data)?;
            let kommuner = chosen_kommuner(kommuner, &registry)?;
            let years: Vec<i32> = ar.unwrap_or_else(|| default_years(&registry)).collect();
            let options = FetchOptions {
                areas: kontext::areas(&kommuner, &schema),
                years,
                kolada,
                scb,
                from_kolada: bara.as_deref() != Some("scb"),
                from_scb: bara.as_deref() != Some("kolada"),
                retry: finsam::submit::Retry {
                    attempts: forsok,
                    ..finsam::submit::Retry::default()
                },
            };
            let (rows, fetched, requests) =
                super::runtime()?.block_on(kontext::fetch(&config, &options, &now))?;
            let total = kontext::store::change(&data.data, rows)?;
            let beyond = options
                .years
                .last()
                .is_some_and(|last| options.from_scb && *last > config.scb.sista_ar);
            if beyond {
                println!(
                    "SCB:s tabell {} slutar med {}: folkmängden för senare år hämtades inte.",
                    config.scb.tabell, config.scb.sista_ar
                );
            }
            for f in &fetched {
                let missing = match f.missing {
                    0 => String::new(),
                    n => format!(", {n} saknas hos källan"),
                };
                println!(
                    "{:<7} {:<16} {:>5} värden{missing}  {}",
                    f.kalla, f.indikator, f.values, f.titel
                );
            }
            println!(
                "Hämtade {} områden och åren {}–{} med {requests} anrop. Tabellen kontext har {total} värden.",
                options.areas.len(),
                options.years.first().copied().unwrap_or_default(),
                options.years.last().copied().unwrap_or_default(),
            );
        }
        Action::Lista => {
            let rows = kontext::store::load(&data.data)?;
            if rows.is_empty() {
                println!(
                    "Datamängden har ingen kontext ännu: finsam kontext las-in läser in tabellerna som följer med, finsam kontext hamta hämtar från Kolada och SCB."
                );
                return Ok(Exit::Ok);
            }
            for c in kontext::coverage(&rows) {
                let years = if c.forsta_ar == c.sista_ar {
                    c.forsta_ar.to_string()
                } else {
                    format!("{}–{}", c.forsta_ar, c.sista_ar)
                };
                let missing = match c.saknas {
                    0 => String::new(),
                    n => format!(" ({n} saknas)"),
                };
                println!(
                    "{}  {}  {} områden, {years}, {} värden{missing}, hämtad {}  {}",
                    c.kalla,
                    c.indikator,
                    c.omraden,
                    c.varden,
                    &c.hamtad[..10.min(c.hamtad.len())],
                    c.titel
                );
            }
        }
    }
    Ok(Exit::Ok)
}

/// The kommuner named (as codes), or those of the registered projects.
fn chosen_kommuner(given: Vec<String>, registry: &Registry) -> finsam::Result<Vec<String>> {
    if given.is_empty() {
        let mut kommuner: Vec<String> = registry
            .projects()
            .flat_map(|p| p.kommuner.iter().cloned())
            .collect();
        kommuner.sort();
        kommuner.dedup();
        if kommuner.is_empty() {
            return Err(finsam::Error::Usage(
                "inga kommuner att hämta för: ange --kommun, eller registrera projektens kommuner (finsam projekt set SIGMA --kommun 1884)".into(),
            ));
        }
        return Ok(kommuner);
    }
    given
        .into_iter()
        .map(|k| {
            finsam::registry::kommunkod(&k).ok_or_else(|| {
                finsam::Error::Usage(format!(
                    "--kommun {k}: ingen kommun i SCB:s lista (skriv kommunkoden, t.ex. 1884, eller namnet, t.ex. Nora)"
                ))
            })
        })
        .collect()
}

/// From two years before the first project's start to last year.
fn default_years(registry: &Registry) -> RangeInclusive<i32> {
    let last = chrono::Utc::now().year() - 1;
    let first = registry
        .projects()
        .filter_map(|p| p.start.map(|d| d.year()))
        .min()
        .map_or(last - 9, |start| start - 2);
    first.min(last)..=last
}
