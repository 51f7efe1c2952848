use std::path::PathBuf;

use finsam::workbench;

use super::{DataArgs, Exit};

/// De inbyggda frågefilerna: varje statistik och tabell som en SQL-fil med rubrik.
///
/// Exempel:
///   finsam fragor list
///   finsam fragor skriv mina_fragor
///   finsam sql -f mina_fragor/halvar/aktuella.sql -p projekt=SIGMA -p halvar=2008H1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// Läs frågefilerna från den här mappen i stället för de inbyggda.
    #[arg(long, global = true, value_name = "MAPP")]
    queries: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Lista frågefilerna: namn, titel och parametrar.
    List,
    /// Skriv alla frågefiler (och rapporternas layoutfiler) till en ny mapp.
    Skriv {
        /// Den nya mappen (den får inte finnas).
        mapp: PathBuf,
    },
}

pub fn run(args: Args, _data: &DataArgs) -> finsam::Result<Exit> {
    match args.action {
        Action::List => {
            let files = finsam::report::queries::catalogue(args.queries.as_deref())?;
            let table = workbench::query_file_table(&files);
            finsam::output::write(
                &table,
                finsam::output::Format::Table,
                &mut std::io::stdout(),
            )?;
        }
        Action::Skriv { mapp } => {
            if mapp.exists() {
                return Err(finsam::Error::Invalid(format!(
                    "{} finns redan: välj en ny mapp (inget skrivs över)",
                    mapp.display()
                )));
            }
            let files = finsam::report::queries::all_files(args.queries.as_deref())?;
            for (path, text) in &files {
                let target = mapp.join(path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| finsam::Error::io(parent, e))?;
                }
                finsam::store::write_atomic(&target, text.as_bytes())?;
            }
            println!(
                "{} filer skrivna till {}; kör en med finsam sql -f {}/…",
                files.len(),
                mapp.display(),
                mapp.display()
            );
        }
    }
    Ok(Exit::Ok)
}
