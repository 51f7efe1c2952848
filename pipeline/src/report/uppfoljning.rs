//! The counts a förbund registers in Uppföljning Finsam, the national follow-up that
//! replaced SUS and keeps only counts: per insats (project) and kön, the participants in
//! the year (of whom new and ended) and the anonymous participants by start year. The
//! definitions are the query's (`queries/uppfoljning_finsam/deltagare.sql`) and
//! `docs/definitions.md`'s; this module only places the numbers.

use serde::Serialize;

use super::document::{DocTable, Document};
use super::{Columns, QueryLibrary, Render, ReportError, run_queries};
use crate::query::Engine;

/// The query folder, and its one file.
pub const FOLDER: &str = "uppfoljning_finsam";
const QUERY: &str = "deltagare.sql";

/// The year's counts for the selected projects.
#[derive(Debug, Clone, Serialize)]
pub struct FinsamCounts {
    pub titel: String,
    pub ar: i32,
    /// The selected projects, or `["alla"]`.
    pub urval: Vec<String>,
    /// One row per project and kön, in that order.
    pub rader: Vec<FinsamRow>,
    /// The query file and its title.
    pub fraga: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinsamRow {
    pub projekt: String,
    pub kon: String,
    pub aktuella: i64,
    pub nya: i64,
    pub avslutade: i64,
    pub anonyma: i64,
}

/// Runs the query for `projects` (short names or `alla`) over `year`.
pub async fn counts(
    engine: &Engine,
    library: &QueryLibrary,
    projects: &[String],
    year: i32,
) -> Result<FinsamCounts, ReportError> {
    let params = vec![
        ("projekt".to_string(), projects.join(",")),
        ("ar".to_string(), year.to_string()),
    ];
    let results = run_queries(engine, library, [QUERY], &params).await?;
    let (file, result) = &results[QUERY];
    let columns = Columns::new(&file.name, result);
    let number = |name: &str| -> Result<Vec<i64>, ReportError> {
        Ok(columns
            .integers(name)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    };
    let (aktuella, nya, avslutade, anonyma) = (
        number("aktuella")?,
        number("nya")?,
        number("avslutade")?,
        number("anonyma")?,
    );
    let rader = columns
        .texts("projekt")?
        .into_iter()
        .zip(columns.texts("kon")?)
        .enumerate()
        .map(|(i, (projekt, kon))| FinsamRow {
            projekt: projekt.unwrap_or_default(),
            kon: kon.unwrap_or_default(),
            aktuella: aktuella[i],
            nya: nya[i],
            avslutade: avslutade[i],
            anonyma: anonyma[i],
        })
        .collect();
    Ok(FinsamCounts {
        titel: format!("Uppföljning Finsam {year}"),
        ar: year,
        urval: projects
            .iter()
            .map(|p| match p.trim() {
                all if all.eq_ignore_ascii_case(crate::query::functions::ALL_PROJECTS) => {
                    crate::query::functions::ALL_PROJECTS.to_string()
                }
                project => project.to_uppercase(),
            })
            .collect(),
        rader,
        fraga: format!("{} ({})", file.name, file.title),
    })
}

/// Kön as the national form names it.
fn sex_label(code: &str) -> String {
    match code {
        "K" => "Kvinnor".to_string(),
        "M" => "Män".to_string(),
        "" => "Uppgift saknas".to_string(),
        other => other.to_string(),
    }
}

impl Render for FinsamCounts {
    fn markdown(&self) -> String {
        super::tables::markdown(&self.document())
    }

    fn html(&self) -> String {
        super::tables::html(&self.document())
    }

    fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        super::document::to_xlsx(&self.document())
    }

    /// One table per project: a row per kön and their total.
    fn document(&self) -> Document {
        let header = vec![
            "kön".to_string(),
            "deltagare".into(),
            "varav nya".into(),
            "varav avslutade".into(),
            "anonyma nya".into(),
        ];
        let mut tables = Vec::new();
        let mut projects: Vec<&str> = self.rader.iter().map(|r| r.projekt.as_str()).collect();
        projects.dedup();
        for project in projects {
            let rows: Vec<&FinsamRow> =
                self.rader.iter().filter(|r| r.projekt == project).collect();
            let line = |label: String, counts: [i64; 4]| {
                std::iter::once(label)
                    .chain(counts.iter().map(i64::to_string))
                    .collect()
            };
            let mut lines: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    line(
                        sex_label(&r.kon),
                        [r.aktuella, r.nya, r.avslutade, r.anonyma],
                    )
                })
                .collect();
            let total = |f: fn(&FinsamRow) -> i64| rows.iter().map(|r| f(r)).sum();
            lines.push(line(
                "Totalt".into(),
                [
                    total(|r| r.aktuella),
                    total(|r| r.nya),
                    total(|r| r.avslutade),
                    total(|r| r.anonyma),
                ],
            ));
            tables.push(DocTable {
                heading: format!("Insats {project}"),
                source: self.fraga.clone(),
                header: header.clone(),
                rows: lines,
                note: None,
            });
        }
        let mut about = vec![
            format!("Kalenderåret {} (1 januari – 31 december).", self.ar),
            format!("Urval: {}.", self.urval.join(", ")),
        ];
        if tables.is_empty() {
            about.push(format!("Det finns inga deltagare under {}.", self.ar));
        }
        Document {
            title: self.titel.clone(),
            about,
            notes: Vec::new(),
            tables,
            sections: Vec::new(),
            footer: vec![
                "Deltagare: aktuella under året med samtycke (inte felregistreringar), varav nya (inskrivna under året) och avslutade (avslutade under året). Anonyma nya: deltagare utan samtycke som skrevs in under året, som Uppföljning Finsam tar emot dem (per startår och kön). En person räknas en gång per insats. Definitionerna finns i queries/uppfoljning_finsam/deltagare.sql och i docs/definitions.md. Skapad med finsam.".to_string(),
            ],
        }
    }
}
