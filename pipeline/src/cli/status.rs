use std::collections::BTreeSet;

use finsam::protocol::State;
use finsam::store::Dataset;

use super::{DataArgs, Exit};

/// Sammanfatta datamängden: den aktuella inlämningen för varje projekt och halvår.
///
/// Exempel: finsam status --data data
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let dataset = Dataset::open(&data.data, &schema)?;
    let manifest = dataset.manifest()?;
    let current = manifest.current();
    println!("Datamängd: {}", data.data.display());
    if current.is_empty() {
        println!("Inga inlämningar ännu: kör finsam ingest.");
        return Ok(Exit::Ok);
    }
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    let mut header = format!(
        "{:<10} {:<7} {:<16} {:<20}",
        "projekt", "halvår", "inlämning", "inläst"
    );
    for name in &names {
        header.push_str(&format!(
            " {:>w$}",
            short(name),
            w = short(name).len().max(5)
        ));
    }
    println!("{header}");
    let mut totals = vec![0u64; names.len()];
    for entry in current.values() {
        let mut line = format!(
            "{:<10} {:<7} {:<16} {:<20}",
            entry.projekt, entry.halvar, entry.id, entry.ingested_at
        );
        for (i, name) in names.iter().enumerate() {
            let n = entry.rows.get(*name).copied().unwrap_or(0);
            totals[i] += n;
            line.push_str(&format!(" {:>w$}", n, w = short(name).len().max(5)));
        }
        println!("{line}");
    }
    let projects: BTreeSet<&str> = current.keys().map(|(p, _)| p.as_str()).collect();
    let halves: BTreeSet<&str> = current.keys().map(|(_, h)| h.as_str()).collect();
    let mut line = format!("{:<10} {:<7} {:<16} {:<20}", "summa", "", "", "");
    for (i, name) in names.iter().enumerate() {
        line.push_str(&format!(" {:>w$}", totals[i], w = short(name).len().max(5)));
    }
    println!("{line}");
    println!(
        "{} projekt, {} halvår, {} aktuella inlämningar ({} inlästa totalt), {} rader",
        projects.len(),
        halves.len(),
        current.len(),
        manifest.entries.len(),
        totals.iter().sum::<u64>()
    );
    let received = finsam::inbox::receipts(&data.data)?;
    if !received.is_empty() {
        let count = |state| received.iter().filter(|r| r.status == state).count();
        println!(
            "Inkorgen (finsam serve): {} mottagna, {} inlästa, {} väntar på inläsning, {} avvisade vid inläsningen",
            received.len(),
            count(State::Inlast),
            count(State::Mottagen),
            count(State::Avvisad)
        );
    }
    let (count, stale) = finsam::underlag::stale_projects(&dataset, &schema)?;
    if stale.is_empty() {
        println!("Underlag (queries/underlag): aktuellt för alla {count} projekt");
    } else {
        println!(
            "Underlag (queries/underlag): inaktuellt för {} av {count} projekt ({}); den som läser bygger om och sparar det när datamängden inte används av någon annan (som räkningen nedan), annars räknar rapporterna fram det själva tills nästa inläsning",
            stale.len(),
            stale.join(", ")
        );
    }
    super::print_differing(&dataset, &schema)?;
    Ok(Exit::Ok)
}

/// Column headings short enough for a terminal.
fn short(table: &str) -> &str {
    match table {
        "sjukskrivning" => "sjukskr",
        "anonyma_arenden" => "anonyma",
        "forsorjning" => "forsorjn",
        other => other,
    }
}
