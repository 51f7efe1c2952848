use std::path::PathBuf;

use finsam::synth::{self, SynthOptions};

use super::Exit;

/// Skapa en syntetisk samling inlämningar med påhittade personer.
///
/// Samma frö och samma val ger byte för byte samma filer. En inlämning per projekt och
/// halvår, klar för `finsam ingest`: en mapp med CSV-filer, eller med --format xlsx den
/// ifyllda mallen (PROJEKT_HALVÅR.xlsx; ett blad rymmer högst 1 048 575 rader). För
/// prestandamätningar och demonstrationer; personnumren är påhittade men har giltiga
/// kontrollsiffror.
///
/// Exempel:
///   finsam synth --deltagare 1000000 --projekt 50 --ar 2005-2024 --seed 1 --out target/synth
///   finsam synth --deltagare 200 --projekt 2 --format xlsx --out arbetsbocker/
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Antal deltagare i hela samlingen.
    #[arg(long, value_name = "ANTAL", default_value_t = 1000)]
    deltagare: u64,
    /// Antal projekt.
    #[arg(long, value_name = "ANTAL", default_value_t = 2)]
    projekt: u32,
    /// Åren, t.ex. 2005-2024.
    #[arg(long, value_name = "FÖRSTA-SISTA", default_value = "2007-2009", value_parser = parse_years)]
    ar: (i32, i32),
    /// Slumpfrö: samma frö ger samma personer och filer.
    #[arg(long, value_name = "FRÖ", default_value_t = 1)]
    seed: u64,
    /// Försörjningskälla varje månad i 24 månader efter avslut, för alla.
    #[arg(long)]
    manadsuppfoljning: bool,
    /// En tom eller ny mapp.
    #[arg(long, value_name = "MAPP")]
    out: PathBuf,
    /// csv: en mapp med CSV-filer per inlämning; xlsx: ifyllda mallar.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Xlsx,
}

fn parse_years(text: &str) -> Result<(i32, i32), String> {
    let (first, last) = text
        .split_once('-')
        .ok_or("skriv åren som FÖRSTA-SISTA, t.ex. 2005-2024")?;
    let year = |t: &str| {
        t.trim()
            .parse::<i32>()
            .map_err(|_| format!("\"{t}\" är inget år"))
    };
    Ok((year(first)?, year(last)?))
}

pub fn run(args: Args) -> finsam::Result<Exit> {
    let options = SynthOptions {
        participants: args.deltagare,
        projects: args.projekt,
        first_year: args.ar.0,
        last_year: args.ar.1,
        seed: args.seed,
        monthly_followup: args.manadsuppfoljning,
        workbooks: matches!(args.format, Format::Xlsx),
    };
    let started = std::time::Instant::now();
    let summary = synth::generate(&options, &args.out, chrono::Local::now().date_naive())?;
    let rows: u64 = summary.rows.values().sum();
    let tables: Vec<String> = summary
        .rows
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    println!("{}", tables.join(", "));
    println!(
        "Skrev {} inlämningar med {} deltagare och {} rader till {} på {:.1} s",
        summary.submissions,
        summary.participants,
        rows,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(Exit::Ok)
}
