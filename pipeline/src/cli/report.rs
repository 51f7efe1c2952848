use std::path::PathBuf;

use finsam::period::{HalfYear, Period};
use finsam::query::ProjectSelection;
use finsam::report::public::Published;
use finsam::report::tables::{self, TableReport, TableSelection};
use finsam::report::{self, QueryLibrary, Render, Selection, uppfoljning};
use finsam::store::Dataset;

use super::{DataArgs, Exit};

/// Rapporter som räknas fram ur datamängden.
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
    #[command(name = "uppfoljning-finsam")]
    UppfoljningFinsam(FinsamArgs),
}

/// Antalen som förbundets deltagaransvarig registrerar i Uppföljning Finsam, per insats
/// (projekt) och kön för ett kalenderår.
///
/// Deltagare i individinriktade insatser under året (med samtycke), varav nya och
/// avslutade, och anonyma deltagare (utan samtycke) per startår och kön. Exakta antal, för
/// registreringen: ingen röjandekontroll. Definitionerna står i
/// queries/uppfoljning_finsam/deltagare.sql och i docs/definitions.md.
///
/// Exempel:
///   finsam report uppfoljning-finsam --ar 2025
///   finsam report uppfoljning-finsam --ar 2025 --format xlsx --out uppfoljning_finsam_2025.xlsx
///   finsam report uppfoljning-finsam --ar 2025 --projekt SIGMA
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct FinsamArgs {
    /// Kalenderåret, t.ex. 2025.
    #[arg(long, value_parser = clap::value_parser!(i32).range(1990..=9999))]
    ar: i32,
    /// Ett projekts kortnamn; upprepa för flera. Utan: alla förbundets projekt.
    #[arg(long)]
    projekt: Vec<String>,
    /// Rapportens format.
    #[arg(long, value_enum, default_value = "markdown")]
    format: ReportFormat,
    /// Skriv till den här filen i stället för till standard ut.
    #[arg(long, short, value_name = "FIL")]
    out: Option<PathBuf>,
    /// Läs frågefilerna från den här mappen (med undermappen uppfoljning_finsam/) i stället
    /// för de inbyggda.
    #[arg(long, value_name = "MAPP", env = "FINSAM_QUERIES")]
    queries: Option<PathBuf>,
}

/// Alla publika rapporter som datamängden räcker till, skrivna till en mapp: det ett
/// förbund publicerar för sin styrelse och allmänheten.
///
/// Halvårsrapporten för varje halvår och utfalls- och deltagarrapporterna för varje år,
/// var och en för varje projekt och för alla, med röjandekontrollen gjord över alla
/// tillsammans och över allt som publicerats tidigare (datamängdens
/// _publicerat/liggare.json; docs/rojandekontroll.md): ett tal som döljs i en rapport
/// kan inte räknas fram ur de andra.
///
/// Exempel:
///   finsam report publik --out publikt/
///   finsam report publik --out publikt/ --format html
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct PublikArgs {
    /// Mappen som rapporterna skrivs till: halvar/, utfall/ och deltagare/, en fil per rapport.
    #[arg(long, short, value_name = "MAPP")]
    out: PathBuf,
    /// Rapporternas format.
    #[arg(long, value_enum, default_value = "json")]
    format: ReportFormat,
    /// Antal som är mindre än det här värdet (men inte 0) visas som ..
    #[arg(long, default_value_t = finsam::disclosure::DEFAULT_THRESHOLD, value_parser = clap::value_parser!(i64).range(2..))]
    troskel: i64,
    /// Läs frågefilerna från den här mappen i stället för de inbyggda.
    #[arg(long, value_name = "MAPP", env = "FINSAM_QUERIES")]
    queries: Option<PathBuf>,
}

/// Statistikdelen av ett projekts halvårsrapport.
///
/// Varje uppgift räknas fram av en SQL-fil i queries/halvar/ (definitioner i
/// docs/definitions.md) och visas med antal och andel i hela procent.
///
/// Exempel:
///   finsam report halvar --projekt SIGMA --halvar 2008H1
///   finsam report halvar --projekt SIGMA --projekt KOMPIS --halvar 2008H1 --format json --out r.json
///   finsam report halvar --projekt alla --halvar 2008H1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct HalvarArgs {
    /// Ett projekts kortnamn; upprepa för flera, eller `alla` för hela förbundet.
    #[arg(long, required = true)]
    projekt: Vec<String>,
    /// Halvåret, t.ex. 2008H1 (också som --period, dess tidigare namn).
    #[arg(long, alias = "period")]
    halvar: HalfYear,
    #[command(flatten)]
    output: OutputArgs,
}

/// How any report is written, and from which data and queries.
#[derive(clap::Args)]
struct OutputArgs {
    /// Rapportens format.
    #[arg(long, value_enum, default_value = "markdown")]
    format: ReportFormat,
    /// För läsare utanför projektet: små antal döljs (visas som ..), liksom andelar av dem
    /// och varje cell som skulle låta dem räknas fram.
    #[arg(long)]
    publik: bool,
    /// Med --publik: antal som är mindre än det här värdet (men inte 0) visas som ..
    #[arg(long, default_value_t = finsam::disclosure::DEFAULT_THRESHOLD, requires = "publik", value_parser = clap::value_parser!(i64).range(2..))]
    troskel: i64,
    /// Skriv till den här filen i stället för till standard ut.
    #[arg(long, short, value_name = "FIL")]
    out: Option<PathBuf>,
    /// Läs frågefilerna från den här mappen (med undermapparna halvar/, utfall/ och
    /// deltagare/) i stället för de inbyggda.
    #[arg(long, value_name = "MAPP", env = "FINSAM_QUERIES")]
    queries: Option<PathBuf>,
}

impl OutputArgs {
    fn threshold(&self) -> Option<i64> {
        self.publik.then_some(self.troskel)
    }

    /// The projects the query engine must read for `selected`: a public report is one
    /// page of a publication of every project, so it reads them all.
    /// The projects the engine reads: those selected, checked against the dataset
    /// before any query runs; every project for a public report, which is published
    /// with every other selection.
    fn engine_selection(
        &self,
        dataset: &Dataset,
        selected: &[String],
    ) -> finsam::Result<ProjectSelection> {
        let checked = ProjectSelection::check(dataset, selected)?;
        Ok(if self.publik {
            ProjectSelection::All
        } else {
            checked
        })
    }

    fn check(&self) -> finsam::Result<()> {
        needs_no_file(self.format, self.out.as_deref())
    }
}

/// Utfall för deltagare som avslutades under perioden (`utfall`), eller deltagartabellerna
/// som i SUS (`deltagare`).
///
/// utfall: status efter avslut (SUS-grupper), arbete och studier, självförsörjande vid
/// start, vid avslut och 1, 6 och 12 månader efter, försörjningskälla före och efter med
/// förändringen och övergångarna mellan dem, tid i projektet, och uppföljningen månad för
/// månad per startår med Kaplan–Meier; allt per kön och åldersgrupp, eller per
/// folkbokföringskommun med kommunernas egna siffror bredvid (--per-kommun).
/// deltagare: nya, aktuella och avslutade deltagare, försörjningskälla vid start, vem som
/// aktualiserade dem, insatser, utbildningsnivå och avslutsorsak, per kön och åldersgrupp
/// (eller per kommun).
///
/// Varje andel visas med n och ett 95 % Wilson-intervall. Definitionerna står i SQL-filerna
/// i queries/utfall/ och queries/deltagare/ och i docs/definitions.md.
///
/// Exempel:
///   finsam report utfall --projekt SIGMA --period 2008
///   finsam report utfall --projekt KOMPIS --jamfor 2008 2010
///   finsam report utfall --projekt alla --period 2009H1 --publik --format html --out utfall.html
///   finsam report utfall --jamfor SIGMA KOMPIS --period 2010
///   finsam report utfall --projekt KOMPIS --period 2010 --per-kommun
///   finsam report deltagare --projekt SIGMA --period 2008H1 --format xlsx --out deltagare.xlsx
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct TableArgs {
    /// Ett projekts kortnamn; upprepa för flera, eller `alla` för hela förbundet.
    #[arg(long)]
    projekt: Vec<String>,
    /// Ett halvår (2008H1), ett kalenderår (2008) eller flera år (2005-2024).
    #[arg(long)]
    period: Option<Period>,
    /// Jämför två perioder (2008 2010) för de valda projekten, eller två projekt
    /// (SIGMA KOMPIS) under --period, och säg om varje skillnad är större än slumpen.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    jamfor: Vec<String>,
    /// Kolumner per folkbokföringskommun i stället för per kön och åldersgrupp; utfallet
    /// får då också kommunernas egna siffror (tabellen kontext) bredvid.
    #[arg(long)]
    per_kommun: bool,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
    Xlsx,
    /// Word (.docx): dokumentet som projektledaren lämnar in.
    Docx,
    /// PDF (arkiv-PDF, PDF/A), typsatt.
    Pdf,
    Json,
}

impl ReportFormat {
    fn format(self) -> report::Format {
        match self {
            ReportFormat::Markdown => report::Format::Markdown,
            ReportFormat::Html => report::Format::Html,
            ReportFormat::Xlsx => report::Format::Xlsx,
            ReportFormat::Docx => report::Format::Docx,
            ReportFormat::Pdf => report::Format::Pdf,
            ReportFormat::Json => report::Format::Json,
        }
    }
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    match args.kind {
        Kind::Halvar(args) => half_year(args, data),
        Kind::Utfall(args) => table_report(args, "utfall", data),
        Kind::Deltagare(args) => table_report(args, "deltagare", data),
        Kind::Publik(args) => everything_public(args, data),
        Kind::UppfoljningFinsam(args) => uppfoljning_finsam(args, data),
    }
}

/// Excel, Word and PDF need a file: refused before any work is done.
fn needs_no_file(format: ReportFormat, out: Option<&std::path::Path>) -> finsam::Result<()> {
    let format = format.format();
    if format.is_binary() && out.is_none() {
        return Err(finsam::Error::Usage(format!(
            "--format {0} kräver --out FIL.{0}",
            format.extension()
        )));
    }
    Ok(())
}

fn uppfoljning_finsam(args: FinsamArgs, data: &DataArgs) -> finsam::Result<Exit> {
    needs_no_file(args.format, args.out.as_deref())?;
    let schema = data.schema()?;
    let library = QueryLibrary::load(args.queries.as_deref(), uppfoljning::FOLDER)?;
    let dataset = Dataset::open(&data.data, &schema)?;
    let projects = if args.projekt.is_empty() {
        vec!["alla".to_string()]
    } else {
        args.projekt
    };
    let selected = ProjectSelection::check(&dataset, &projects)?;
    let runtime = super::runtime()?;
    let counts = runtime.block_on(async {
        let engine =
            super::open_engine(&dataset, &schema, args.queries.as_deref(), &selected).await?;
        Ok::<_, finsam::Error>(uppfoljning::counts(&engine, &library, &projects, args.ar).await?)
    })?;
    report::write_output(&counts.render(args.format.format())?, args.out.as_deref())?;
    Ok(Exit::Ok)
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
        let engine = super::open_engine(
            &dataset,
            &schema,
            args.queries.as_deref(),
            &ProjectSelection::All,
        )
        .await?;
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
            Published::HalfYear(r) => r.render(args.format.format())?,
            Published::Tables(r) => r.render(args.format.format())?,
        };
        let path = args.out.join(format!(
            "{}.{}",
            report.name(),
            args.format.format().extension()
        ));
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
    let breakdown = if args.per_kommun {
        tables::Breakdown::Kommun
    } else {
        tables::Breakdown::KonAlder
    };
    let selection = |projects: Vec<String>, period: Period| TableSelection {
        projects,
        period,
        public_threshold: threshold,
        breakdown,
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
        Plan::Single(selection) => selection.projects.clone(),
        Plan::Compare(_, [first, second]) => [&first.projects[..], &second.projects[..]].concat(),
    };
    let selected = output.engine_selection(&dataset, &selected)?;
    let bytes = runtime.block_on(async {
        let engine =
            super::open_engine(&dataset, &schema, output.queries.as_deref(), &selected).await?;
        Ok::<_, finsam::Error>(match &plan {
            Plan::Single(selection) => {
                let report = tables::build(&dataset, &engine, &library, selection).await?;
                warn_about(&report, None);
                super::warn_unprotected(&report.head.unprotected);
                report.render(output.format.format())?
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
                report.render(output.format.format())?
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
    let selected = output.engine_selection(&dataset, &selection.projects)?;
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let engine =
            super::open_engine(&dataset, &schema, output.queries.as_deref(), &selected).await?;
        Ok::<_, finsam::Error>(report::half_year(&dataset, &engine, &library, &selection).await?)
    })?;
    super::warn_unprotected(&report.head.unprotected);
    let bytes = report.render(output.format.format())?;
    report::write_output(&bytes, output.out.as_deref())?;
    Ok(Exit::Ok)
}
