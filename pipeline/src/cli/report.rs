use std::path::PathBuf;

use finsam::period::HalfYear;
use finsam::query::Engine;
use finsam::report::{self, QueryLibrary, Selection};
use finsam::store::Dataset;

use super::{DataArgs, Exit};

/// Reports computed from the dataset.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(clap::Subcommand)]
enum Kind {
    Halvar(HalvarArgs),
}

/// The statistics section of a project's half-year report (halvårsrapport).
///
/// Every figure is computed by a SQL file in queries/halvar/ (definitions in
/// docs/definitions.md) and shown with its count and whole-percent share.
///
/// Examples:
///   finsam report halvar --projekt SIGMA --period 2008H1
///   finsam report halvar --projekt SIGMA --projekt KOMPIS --period 2008H1 --format json --out r.json
///   finsam report halvar --projekt alla --period 2008H1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct HalvarArgs {
    /// Project short name; repeat for several, or `alla` for the whole förbund.
    #[arg(long, required = true)]
    projekt: Vec<String>,
    /// The half-year, e.g. 2008H1.
    #[arg(long)]
    period: HalfYear,
    #[arg(long, value_enum, default_value = "markdown")]
    format: ReportFormat,
    /// For readers outside the project: hide small counts (shown as ..), shares of
    /// them and any cell that would let them be recomputed.
    #[arg(long)]
    publik: bool,
    /// With --publik: counts from 1 up to this value minus one are hidden.
    #[arg(long, default_value_t = finsam::report::disclosure::DEFAULT_THRESHOLD, requires = "publik", value_parser = clap::value_parser!(i64).range(2..))]
    troskel: i64,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Read the query files from this folder (with a halvar/ subfolder) instead of the bundled ones.
    #[arg(long, env = "FINSAM_QUERIES")]
    queries: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
    Xlsx,
    Json,
}

pub fn run(args: Args) -> finsam::Result<Exit> {
    match args.kind {
        Kind::Halvar(args) => half_year(args),
    }
}

fn half_year(args: HalvarArgs) -> finsam::Result<Exit> {
    let schema = args.data.schema()?;
    let library = QueryLibrary::load(args.queries.as_deref(), "halvar")?;
    let dataset = Dataset::open(&args.data.data, &schema)?;
    let selection = Selection {
        projects: args.projekt.clone(),
        period: args.period,
        public_threshold: args.publik.then_some(args.troskel),
    };
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let engine = Engine::open(&dataset, &schema).await?;
        Ok::<_, finsam::Error>(report::half_year(&dataset, &engine, &library, &selection).await?)
    })?;
    let bytes = match args.format {
        ReportFormat::Markdown => report::to_markdown(&report).into_bytes(),
        ReportFormat::Html => report::to_html(&report).into_bytes(),
        ReportFormat::Json => {
            (serde_json::to_string_pretty(&report).expect("reports serialise") + "\n").into_bytes()
        }
        ReportFormat::Xlsx => {
            if args.out.is_none() {
                return Err(finsam::Error::Usage(
                    "--format xlsx kräver --out FIL.xlsx".into(),
                ));
            }
            report::to_xlsx(&report).map_err(|e| {
                finsam::Error::Output(format!("kan inte skriva Excel-rapporten: {e}"))
            })?
        }
    };
    report::write_output(&bytes, args.out.as_deref())?;
    Ok(Exit::Ok)
}
