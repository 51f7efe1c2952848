use std::path::{Path, PathBuf};

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
/// Med --scenario exempel skrivs i stället exempelsamlingen: de 20 arbetsböckerna i
/// examples/ (SIGMA och KOMPIS, 2007H1–2011H2), byte för byte samma varje gång.
///
/// Exempel:
///   finsam synth --deltagare 1000000 --projekt 50 --ar 2005-2024 --seed 1 --out target/synth
///   finsam synth --deltagare 200 --projekt 2 --format xlsx --out arbetsbocker/
///   finsam synth --scenario exempel --out examples/
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
    /// Ett färdigt scenario i stället för slumpade deltagare. exempel: exempelsamlingen
    /// i examples/, där SIGMA 2008H1 återger SIGMA-gruppens halvårsrapport siffra för
    /// siffra. Mappen behöver inte vara tom: scenariots egna arbetsböcker skrivs om, och
    /// andra filer som `finsam ingest` skulle läsa lämnas kvar men nämns.
    #[arg(long, value_enum, conflicts_with_all = ["deltagare", "projekt", "ar", "seed", "manadsuppfoljning", "format"])]
    scenario: Option<Scenario>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Scenario {
    /// Exempelsamlingen: SIGMA och KOMPIS, 2007H1–2011H2.
    Exempel,
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
    if let Some(Scenario::Exempel) = args.scenario {
        return run_example(&args.out);
    }
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

fn run_example(out: &Path) -> finsam::Result<Exit> {
    let summary = synth::write_example(out)?;
    for book in &summary.workbooks {
        let verb = if book.replaced {
            "skriver om"
        } else {
            "skriver"
        };
        let counts: Vec<String> = book.rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
        println!("{verb} {}: {}", book.path.display(), counts.join(", "));
    }
    for other in &summary.others {
        eprintln!(
            "obs: {} skrevs inte av scenariot men läses också av `finsam ingest {}`",
            other.display(),
            out.display()
        );
    }
    println!(
        "\nSIGMA 2008H1 enligt docs/definitions.md:\n{}",
        summary.figures
    );
    Ok(Exit::Ok)
}
