use std::path::PathBuf;

use super::{DataArgs, Exit};

/// Write the template project leaders fill in: an Excel workbook, or CSV files.
///
/// The workbook has one sheet per table with drop-down lists for every code, date
/// columns formatted as dates, an Inlämning sheet for project and half-year, and
/// instructions in Swedish. It is derived from the schema, so it always matches
/// what `finsam ingest` accepts.
///
/// Examples:
///   finsam template --out mall.xlsx
///   finsam template --format csv --out mall/
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The workbook to write (xlsx) or the folder for the CSV files (csv).
    #[arg(long)]
    out: PathBuf,
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
