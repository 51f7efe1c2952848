use std::path::PathBuf;

use finsam::query::ProjectSelection;
use finsam::store::Dataset;
use finsam::workbench::Meanings;

use super::{DataArgs, Exit};

/// Skriv ett analysuttag: datamängden som DuckDB, R, Python och SPSS läser den.
///
/// Uttaget har det som tabellerna med samma namn visar i finsam sql: för varje projekt
/// och halvår den senaste inlämningen, varje händelse i sin senaste version, underlagen,
/// projektregistret och kodlistorna, en Parquet-fil per tabell. Bredvid: views.sql som
/// ger DuckDB finsams tabellnamn och SQL-funktioner, och README.md med datamängdens
/// version, varje tabells och kolumns betydelse och definitionerna.
///
/// Uttaget är mikrodata (pseudonymiserade): förvara det som datamängden.
///
/// Exempel:
///   finsam export --till uttag_2026-12
///   cd uttag_2026-12 && duckdb -init views.sql
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Den nya mappen uttaget skrivs till (den får inte finnas).
    #[arg(long, value_name = "MAPP")]
    till: PathBuf,
    /// Läs frågefilerna (underlagen) från den här mappen i stället för de inbyggda.
    #[arg(long, value_name = "MAPP")]
    queries: Option<PathBuf>,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let dataset = Dataset::open(&data.data, &schema)?;
    let version = finsam::dashboard::Options::of(&dataset)?.data_version;
    let meanings = Meanings::of(&schema, args.queries.as_deref());
    let runtime = super::runtime()?;
    let exported = runtime.block_on(async {
        let engine = super::open_engine(
            &dataset,
            &schema,
            args.queries.as_deref(),
            &ProjectSelection::All,
        )
        .await?;
        Ok::<_, finsam::Error>(
            finsam::export::write(&engine, &meanings, &version, &args.till).await?,
        )
    })?;
    let rows: usize = exported.iter().map(|e| e.rows).sum();
    println!(
        "{} tabeller ({rows} rader) skrivna till {}; README.md där säger vad de betyder",
        exported.len(),
        args.till.display()
    );
    Ok(Exit::Ok)
}
