use std::path::PathBuf;

use super::{DataArgs, Exit};

/// Skriv mallen som projektledarna fyller i: en Excel-arbetsbok eller CSV-filer.
///
/// Arbetsboken har ett blad per tabell med rullgardinslistor för varje kod, datumkolumner
/// formaterade som datum, ett blad Inlämning för projekt och halvår, och instruktioner.
/// Den görs ur schemat och stämmer därför alltid med vad `finsam ingest` tar emot.
///
/// Exempel:
///   finsam template --out mall.xlsx
///   finsam template --format csv --out mall/
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Arbetsboken som skrivs (xlsx) eller mappen för CSV-filerna (csv).
    #[arg(long, value_name = "SÖKVÄG")]
    out: PathBuf,
    /// Mallens format.
    #[arg(long, value_enum, default_value = "xlsx")]
    format: TemplateFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TemplateFormat {
    Xlsx,
    Csv,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = finsam::schema::Schema::from_option(data.schemas.as_deref())?;
    match args.format {
        TemplateFormat::Xlsx => {
            finsam::template::write_xlsx(&schema, &args.out)?;
            println!(
                "Mall skriven: {} (schemaversion {})",
                args.out.display(),
                schema.version
            );
        }
        TemplateFormat::Csv => {
            let files = finsam::template::write_csv(&schema, &args.out)?;
            println!(
                "{} CSV-filer skrivna i {} (schemaversion {})",
                files.len(),
                args.out.display(),
                schema.version
            );
        }
    }
    Ok(Exit::Ok)
}
