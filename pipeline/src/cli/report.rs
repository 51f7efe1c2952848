use std::path::PathBuf;

use finsam::period::{HalfYear, Period};
use finsam::query::functions::ALL_PROJECTS;
use finsam::report::public::Published;
use finsam::report::tables::{self, TableReport, TableSelection};
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
    Utfall(TableArgs),
    Deltagare(TableArgs),
    Publik(PublikArgs),
}

/// Every public report the dataset allows, written to a folder: what a förbund
/// publishes for its board and the public.
///
/// The half-year report for every half-year, and the outcome and participant reports
/// for every year, each for every project and for alla, with disclosure control decided
/// over all of them together and with everything published before (the dataset's
/// _publicerat/liggare.json; docs/rojandekontroll.md): a number hidden in one report
/// cannot be worked out from the others.
///
/// Examples:
///   finsam report publik --out publikt/
///   finsam report publik --out publikt/ --format html
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct PublikArgs {
    /// The folder to write to: halvar/, utfall/ and deltagare/, one file per report.
    #[arg(long, short)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "json")]
    format: ReportFormat,
    /// Counts from 1 up to this value minus one are hidden.
    #[arg(long, default_value_t = finsam::disclosure::DEFAULT_THRESHOLD, value_parser = clap::value_parser!(i64).range(2..))]
    troskel: i64,
    /// Read the query files from this folder instead of the bundled ones.
    #[arg(long, env = "FINSAM_QUERIES")]
    queries: Option<PathBuf>,
}

/// The statistics section of a project's half-year report (halvårsrapport).
///
/// Every figure is computed by a SQL file in queries/halvar/ (definitions in
/// docs/definitions.md) and shown with its count and whole-percent share.
///
/// Examples:
///   finsam report halvar --projekt SIGMA --halvar 2008H1
///   finsam report halvar --projekt SIGMA --projekt KOMPIS --halvar 2008H1 --format json --out r.json
///   finsam report halvar --projekt alla --halvar 2008H1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct HalvarArgs {
    /// Project short name; repeat for several, or `alla` for the whole förbund.
    #[arg(long, required = true)]
    projekt: Vec<String>,
    /// The half-year, e.g. 2008H1 (also as --period, its earlier name).
    #[arg(long, alias = "period")]
    halvar: HalfYear,
    #[command(flatten)]
    output: OutputArgs,
}

/// How any report is written, and from which data and queries.
#[derive(clap::Args)]
struct OutputArgs {
    #[arg(long, value_enum, default_value = "markdown")]
    format: ReportFormat,
    /// For readers outside the project: hide small counts (shown as ..), shares of
    /// them and any cell that would let them be recomputed.
    #[arg(long)]
    publik: bool,
    /// With --publik: counts from 1 up to this value minus one are hidden.
    #[arg(long, default_value_t = finsam::disclosure::DEFAULT_THRESHOLD, requires = "publik", value_parser = clap::value_parser!(i64).range(2..))]
    troskel: i64,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Read the query files from this folder (with halvar/, utfall/ and deltagare/
    /// subfolders) instead of the bundled ones.
    #[arg(long, env = "FINSAM_QUERIES")]
    queries: Option<PathBuf>,
}

impl OutputArgs {
    fn threshold(&self) -> Option<i64> {
        self.publik.then_some(self.troskel)
    }

    /// The projects the query engine must read for `selected`: a public report is one
    /// page of a publication of every project, so it reads them all.
    fn engine_selection(&self, selected: String) -> String {
        if self.publik {
            ALL_PROJECTS.to_string()
        } else {
            selected
        }
    }

    /// Excel needs a file: refuse before any work is done.
    fn check(&self) -> finsam::Result<()> {
        if matches!(self.format, ReportFormat::Xlsx) && self.out.is_none() {
            return Err(finsam::Error::Usage(
                "--format xlsx kräver --out FIL.xlsx".into(),
            ));
        }
        Ok(())
    }
}

/// Outcomes for participants who ended in the period (`utfall`), or the SUS-style
/// participant tables (`deltagare`).
///
/// utfall: status after the end (SUS groups), work and studies, självförsörjande at
/// start, at the end and 1, 6 and 12 months after, income source before and after with
/// the change and the transition matrix, time in the project, and the month-by-month
/// follow-up per start-year cohort with Kaplan–Meier; each by kön and age band.
/// deltagare: new, active and ended participants, income source at start, referring
/// authority, insatser, utbildningsnivå and avslutsorsak, by kön and age band.
///
/// Every share comes with n and a 95 % Wilson interval. Definitions are in the SQL files
/// of queries/utfall/ and queries/deltagare/ and in docs/definitions.md.
///
/// Examples:
///   finsam report utfall --projekt SIGMA --period 2008
///   finsam report utfall --projekt KOMPIS --jamfor 2008 2010
///   finsam report utfall --projekt alla --period 2009H1 --publik --format html --out utfall.html
///   finsam report utfall --jamfor SIGMA KOMPIS --period 2010
///   finsam report deltagare --projekt SIGMA --period 2008H1 --format xlsx --out deltagare.xlsx
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct TableArgs {
    /// Project short name; repeat for several, or `alla` for the whole förbund.
    #[arg(long)]
    projekt: Vec<String>,
    /// A half-year (2008H1), a calendar year (2008) or several years (2005-2024).
    #[arg(long)]
    period: Option<Period>,
    /// Compare two periods (2008 2010) of the selected projects, or two projects
    /// (SIGMA KOMPIS) in --period, and say whether each difference is larger than chance.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    jamfor: Vec<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
    Xlsx,
    Json,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    match args.kind {
        Kind::Halvar(args) => half_year(args, data),
        Kind::Utfall(args) => table_report(args, "utfall", data),
        Kind::Deltagare(args) => table_report(args, "deltagare", data),
        Kind::Publik(args) => everything_public(args, data),
    }
}

fn everything_public(args: PublikArgs, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let half_year = QueryLibrary::load(args.queries.as_deref(), "halvar")?;
    let tables = [
        QueryLibrary::load(args.queries.as_deref(), "utfall")?,
        QueryLibrary::load(args.queries.as_deref(), "deltagare")?,
    ];
    let dataset = Dataset::open(&data.data, &schema)?;
    let runtime = super::runtime()?;
    let published = runtime.block_on(async {
        let engine =
            super::open_engine(&dataset, &schema, args.queries.as_deref(), ALL_PROJECTS).await?;
        Ok::<_, finsam::Error>(
            report::public::everything(&dataset, &engine, &half_year, &tables, args.troskel)
                .await?,
        )
    })?;
    super::warn_unprotected(published.iter().flat_map(|report| match report {
        Published::HalfYear(r) => &r.head.unprotected,
        Published::Tables(r) => &r.head.unprotected,
    }));
    for report in &published {
        let bytes = match report {
            Published::HalfYear(r) => half_year_bytes(r, args.format)?,
            Published::Tables(r) => table_bytes(r, args.format)?,
        };
        let path = args
            .out
            .join(format!("{}.{}", report.name(), args.format.extension()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| finsam::Error::io(dir, e))?;
        }
        report::write_output(&bytes, Some(&path))?;
    }
    eprintln!(
        "finsam: {} publika rapporter skrivna till {}",
        published.len(),
        args.out.display()
    );
    Ok(Exit::Ok)
}

/// What a table report compares: nothing, two periods, or two projects.
enum Plan {
    Single(TableSelection),
    Compare([String; 2], [TableSelection; 2]),
}

fn plan(args: &TableArgs) -> finsam::Result<Plan> {
    let threshold = args.output.threshold();
    let usage = |m: &str| Err(finsam::Error::Usage(m.to_string()));
    let selection = |projects: Vec<String>, period: Period| TableSelection {
        projects,
        period,
        public_threshold: threshold,
    };
    let [a, b] = match args.jamfor.as_slice() {
        [] => {
            let Some(period) = args.period else {
                return usage("ange --period (ett halvår som 2008H1 eller ett år som 2008)");
            };
            if args.projekt.is_empty() {
                return usage("ange --projekt (ett kortnamn, flera, eller alla)");
            }
            return Ok(Plan::Single(selection(args.projekt.clone(), period)));
        }
        [a, b] => [a.clone(), b.clone()],
        _ => unreachable!("clap takes exactly two values"),
    };
    match (a.parse::<Period>(), b.parse::<Period>()) {
        (Ok(first), Ok(second)) => {
            if args.period.is_some() {
                return usage("--jamfor med två perioder tar inte --period");
            }
            if args.projekt.is_empty() {
                return usage("ange --projekt för de perioder som jämförs");
            }
            Ok(Plan::Compare(
                [a, b],
                [
                    selection(args.projekt.clone(), first),
                    selection(args.projekt.clone(), second),
                ],
            ))
        }
        (Err(_), Err(_)) => {
            let Some(period) = args.period else {
                return usage("--jamfor med två projekt behöver --period");
            };
            if !args.projekt.is_empty() {
                return usage("--jamfor med två projekt tar inte --projekt");
            }
            Ok(Plan::Compare(
                [a.clone(), b.clone()],
                [selection(vec![a], period), selection(vec![b], period)],
            ))
        }
        _ => usage("--jamfor tar två perioder (2008 2010) eller två projekt (SIGMA KOMPIS)"),
    }
}

fn table_report(args: TableArgs, folder: &str, data: &DataArgs) -> finsam::Result<Exit> {
    let plan = plan(&args)?;
    let output = &args.output;
    output.check()?;
    let schema = data.schema()?;
    let library = QueryLibrary::load(output.queries.as_deref(), folder)?;
    let dataset = Dataset::open(&data.data, &schema)?;
    let runtime = super::runtime()?;
    let selected = match &plan {
        Plan::Single(selection) => selection.projects.join(","),
        Plan::Compare(_, [first, second]) => [&first.projects[..], &second.projects[..]]
            .concat()
            .join(","),
    };
    let bytes = runtime.block_on(async {
        let engine = super::open_engine(
            &dataset,
            &schema,
            output.queries.as_deref(),
            &output.engine_selection(selected),
        )
        .await?;
        Ok::<_, finsam::Error>(match &plan {
            Plan::Single(selection) => {
                let report = tables::build(&dataset, &engine, &library, selection).await?;
                warn_about(&report, None);
                super::warn_unprotected(&report.head.unprotected);
                table_bytes(&report, output.format)?
            }
            Plan::Compare(labels, [first, second]) => {
                let (a, b) = futures::try_join!(
                    tables::build(&dataset, &engine, &library, first),
                    tables::build(&dataset, &engine, &library, second)
                )?;
                warn_about(&a, Some(&labels[0]));
                warn_about(&b, Some(&labels[1]));
                super::warn_unprotected(a.head.unprotected.iter().chain(&b.head.unprotected));
                let report = tables::compare(labels.clone(), a, b);
                match output.format {
                    ReportFormat::Markdown => tables::comparison_to_markdown(&report).into_bytes(),
                    ReportFormat::Html => tables::comparison_to_html(&report).into_bytes(),
                    ReportFormat::Json => json(&report),
                    ReportFormat::Xlsx => {
                        tables::comparison_to_xlsx(&report).map_err(xlsx_error)?
                    }
                }
            }
        })
    })?;
    report::write_output(&bytes, output.out.as_deref())?;
    Ok(Exit::Ok)
}

/// The report's data notes also go to standard error, where a person running the
/// command sees them even when the report goes to a file.
fn warn_about(report: &TableReport, label: Option<&str>) {
    for note in &report.anmarkningar {
        match label {
            Some(label) => eprintln!("finsam: obs: {label}: {note}"),
            None => eprintln!("finsam: obs: {note}"),
        }
    }
}

impl ReportFormat {
    /// The file name ending of the format.
    fn extension(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "md",
            ReportFormat::Html => "html",
            ReportFormat::Json => "json",
            ReportFormat::Xlsx => "xlsx",
        }
    }
}

/// A half-year report in `format`.
fn half_year_bytes(report: &report::Report, format: ReportFormat) -> finsam::Result<Vec<u8>> {
    Ok(match format {
        ReportFormat::Markdown => report::to_markdown(report).into_bytes(),
        ReportFormat::Html => report::to_html(report).into_bytes(),
        ReportFormat::Json => json(report),
        ReportFormat::Xlsx => report::to_xlsx(report).map_err(xlsx_error)?,
    })
}

/// A table report in `format`.
fn table_bytes(report: &TableReport, format: ReportFormat) -> finsam::Result<Vec<u8>> {
    Ok(match format {
        ReportFormat::Markdown => tables::to_markdown(report).into_bytes(),
        ReportFormat::Html => tables::to_html(report).into_bytes(),
        ReportFormat::Json => json(report),
        ReportFormat::Xlsx => tables::to_xlsx(report).map_err(xlsx_error)?,
    })
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    (serde_json::to_string_pretty(value).expect("reports serialise") + "\n").into_bytes()
}

fn half_year(args: HalvarArgs, data: &DataArgs) -> finsam::Result<Exit> {
    let output = &args.output;
    output.check()?;
    let schema = data.schema()?;
    let library = QueryLibrary::load(output.queries.as_deref(), "halvar")?;
    let dataset = Dataset::open(&data.data, &schema)?;
    let selection = Selection {
        projects: args.projekt.clone(),
        period: args.halvar,
        public_threshold: output.threshold(),
    };
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let engine = super::open_engine(
            &dataset,
            &schema,
            output.queries.as_deref(),
            &output.engine_selection(selection.projects.join(",")),
        )
        .await?;
        Ok::<_, finsam::Error>(report::half_year(&dataset, &engine, &library, &selection).await?)
    })?;
    super::warn_unprotected(&report.head.unprotected);
    let bytes = half_year_bytes(&report, output.format)?;
    report::write_output(&bytes, output.out.as_deref())?;
    Ok(Exit::Ok)
}

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> finsam::Error {
    finsam::Error::Output(format!("kan inte skriva Excel-rapporten: {error}"))
}
