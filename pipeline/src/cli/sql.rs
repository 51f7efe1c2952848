use std::io::Write;
use std::path::PathBuf;

use finsam::output::{self, Format};
use finsam::query::ProjectSelection;
use finsam::store::Dataset;

use super::{DataArgs, Exit};

/// Kör en SQL-fråga (DataFusion) mot datamängden; frågan kan bara läsa.
///
/// Tabeller: deltagare, insatser, remisser, sjukskrivning, lss, ersattning, forsorjning,
/// moten, anonyma_arenden (var och en med partitionskolumnerna projekt och halvar),
/// kod_<lista> för varje kodlista, inlamningar och fler: finsam sql "SHOW TABLES" visar
/// alla. Parametrar är namngivna platshållare ($halvar) som får värdena från --param;
/// värdena klistras aldrig in i frågans text.
///
/// Exempel:
///   finsam sql "SELECT projekt, halvar, count(*) FROM deltagare GROUP BY 1, 2 ORDER BY 1, 2"
///   finsam sql -f queries/exempel/deltagare_per_halvar.sql --param projekt=SIGMA --format csv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Frågan (eller --file).
    #[arg(
        value_name = "FRÅGA",
        required_unless_present = "file",
        conflicts_with = "file"
    )]
    query: Option<String>,
    /// Läs frågan från en .sql-fil.
    #[arg(short, long, value_name = "FIL")]
    file: Option<PathBuf>,
    /// Ett värde för platshållaren $namn, som namn=värde; upprepa för flera.
    #[arg(short, long = "param", value_name = "NAMN=VÄRDE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Resultatets format.
    #[arg(long, default_value = "table", value_parser = format_parser())]
    format: Format,
    /// Skriv till den här filen i stället för till standard ut.
    #[arg(short, long, value_name = "FIL")]
    out: Option<PathBuf>,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or("skriv parametern som namn=värde")?;
    let name = name.trim().trim_start_matches('$');
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("ogiltigt parameternamn \"{name}\""));
    }
    Ok((name.to_string(), value.to_string()))
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let sql = match (&args.query, &args.file) {
        (Some(query), _) => query.clone(),
        (None, Some(file)) => {
            std::fs::read_to_string(file).map_err(|e| finsam::Error::io(file, e))?
        }
        (None, None) => unreachable!("clap requires a query or --file"),
    };
    if args.format == Format::Parquet && args.out.is_none() {
        return Err(finsam::Error::Usage(
            "--format parquet kräver --out FIL".into(),
        ));
    }
    let dataset = Dataset::open(&data.data, &schema)?;
    let runtime = super::runtime()?;
    let result = runtime.block_on(async {
        let engine = super::open_engine(&dataset, &schema, None, &ProjectSelection::All).await?;
        engine
            .run(&sql, &args.params)
            .await
            .map_err(|e| match &args.file {
                Some(file) => finsam::Error::In {
                    path: file.clone(),
                    source: Box::new(e.into()),
                },
                None => e.into(),
            })
    })?;
    match &args.out {
        Some(path) => {
            let mut bytes = Vec::new();
            output::write(&result, args.format, &mut bytes)?;
            finsam::store::write_atomic(path, &bytes)?;
            eprintln!(
                "{} rader skrivna till {}",
                result.row_count(),
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout());
            output::write(&result, args.format, &mut stdout)?;
            stdout
                .flush()
                .map_err(|e| finsam::Error::io(std::path::Path::new("<stdout>"), e))?;
        }
    }
    Ok(Exit::Ok)
}

/// `--format`: one of the output formats, by name (clap lists them in the help).
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    let described = Format::ALL.map(|format| {
        let help = match format {
            Format::Table => "Tabell för terminalen",
            Format::Csv => "CSV, kolumnnamnen på första raden",
            Format::Json => "Ett JSON-objekt per rad, i en lista",
            Format::Parquet => "En Parquet-fil (kräver --out)",
        };
        clap::builder::PossibleValue::new(format.name()).help(help)
    });
    clap::builder::PossibleValuesParser::new(described)
        .map(|name| Format::named(&name).expect("clap accepts only the names listed"))
}
