use std::path::PathBuf;

use finsam::dashboard::{self, Definitions, Options, Pages, Site};
use finsam::store::{Dataset, StoreError};

use super::{DataArgs, Exit};

/// Tavlor för styrelsen: kontrollera deras definitioner, eller bygg dem som en statisk
/// webbplats.
///
/// Exempel:
///   finsam dashboard check
///   finsam dashboard build --out site/
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Kontrollera varje tavlas definition: diagramtyper och frågefiler, med fil och rad.
    Check(Sources),
    /// Skriv alla tavlornas sidor (varje år och projekt) som fristående HTML.
    Build(BuildArgs),
}

/// Where the definitions and the queries come from.
#[derive(clap::Args, Clone)]
pub struct Sources {
    /// Läs tavlornas definitioner från den här mappen i stället för de inbyggda.
    #[arg(long, value_name = "MAPP", env = "FINSAM_DASHBOARDS")]
    pub dashboards: Option<PathBuf>,
    /// Läs frågefilerna från den här mappen i stället för de inbyggda.
    #[arg(long, value_name = "MAPP")]
    pub queries: Option<PathBuf>,
}

impl Sources {
    pub fn definitions(&self) -> finsam::Result<Definitions> {
        Definitions::load(self.dashboards.as_deref(), self.queries.as_deref()).map_err(|errors| {
            for error in &errors[1..] {
                eprintln!("finsam: {error}");
            }
            errors
                .into_iter()
                .next()
                .expect("at least one error")
                .into()
        })
    }
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Mappen för webbplatsen (skapas; sidor som redan finns ersätts).
    #[arg(long, value_name = "MAPP")]
    out: PathBuf,
    #[command(flatten)]
    sources: Sources,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    match args.command {
        Command::Check(sources) => {
            let definitions = sources.definitions()?;
            dashboard::template(sources.dashboards.as_deref())?;
            for d in &definitions.dashboards {
                println!(
                    "{}: {} paneler, val = \"{}\"",
                    d.name,
                    d.panels.len(),
                    d.choice.name()
                );
            }
            println!("{} tavlor utan fel", definitions.dashboards.len());
            Ok(Exit::Ok)
        }
        Command::Build(args) => {
            let definitions = args.sources.definitions()?;
            let template = dashboard::template(args.sources.dashboards.as_deref())?;
            let schema = data.schema()?;
            let dataset = match Dataset::open(&data.data, &schema) {
                Ok(dataset) => dataset,
                Err(StoreError::NotADataset(_)) => {
                    // Nothing ingested yet: a start page that says so.
                    let pages = Pages {
                        definitions: &definitions,
                        template: &template,
                        site: Site::Static,
                        options: &Options::default(),
                    };
                    let path = args.out.join("index.html");
                    std::fs::create_dir_all(&args.out)
                        .map_err(|e| finsam::Error::io(&args.out, e))?;
                    finsam::store::write_atomic(&path, pages.index()?.as_bytes())?;
                    println!(
                        "Inga data ännu i {}: bara startsidan skriven ({})",
                        data.data.display(),
                        path.display()
                    );
                    return Ok(Exit::Ok);
                }
                Err(e) => return Err(e.into()),
            };
            let started = std::time::Instant::now();
            let runtime = super::runtime()?;
            let built = runtime.block_on(dashboard::build_site(
                &dataset,
                &schema,
                args.sources.queries.as_deref(),
                &definitions,
                &template,
                &args.out,
            ))?;
            super::warn_unprotected(&built.unprotected);
            println!(
                "{} sidor skrivna till {} på {:.1} s; öppna {}",
                built.pages,
                args.out.display(),
                started.elapsed().as_secs_f64(),
                args.out.join("index.html").display()
            );
            Ok(Exit::Ok)
        }
    }
}
