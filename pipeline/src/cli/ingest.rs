use std::io::Write;
use std::path::PathBuf;

use finsam::intake::{self, IntakeOptions, IntakeReport};
use finsam::read::Finding;
use finsam::validate::Persons;

use super::progress::Bars;
use super::{DataArgs, Exit, SubmissionArgs};

/// Kontrollera inlämningar och läs in dem i datamängden.
///
/// FIL är en arbetsbok gjord från `finsam template` (en inlämning), en CSV-fil eller en
/// mapp, som genomsöks med sina undermappar. CSV-filerna i en mapp är en inlämning
/// (deltagare.csv, insatser.csv, …, inlamning.csv). Alla inlämningar i ett anrop läses in
/// tillsammans eller inte alls: vid minsta fel lämnas datamängden precis som den var, och
/// varje fel listas med fil, blad, rad och kolumn. Ett projekt måste finnas i
/// projektregistret (finsam projekt); bara de första inlämningarna i en ny datamängd
/// registrerar sina projekt själva. Uppgifter som sällan stämmer är varningar: de visas,
/// skrivs till --fel och blir fel med --strikt.
///
/// Exempel:
///   finsam ingest sigma_2008H1.xlsx --key nyckel
///   finsam ingest inlamningar/ --data data --dry-run
///   finsam ingest csv/sigma-2008H1/ --projekt SIGMA --halvar 2008H1
///   finsam ingest bryggan_2012H1.xlsx --nytt-projekt
///   finsam ingest sigma_2008H1_rattad.xlsx --visa-andringar
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    submissions: SubmissionArgs,
    /// Kontrollera bara: inget skrivs.
    #[arg(long)]
    dry_run: bool,
    /// Skriv också alla fel och varningar till den här CSV-filen (för Excel; också som
    /// --rapport, dess tidigare namn).
    #[arg(long, value_name = "FIL", alias = "rapport")]
    fel: Option<PathBuf>,
    /// Registrera de projekt som registret inte känner till än, i stället för att avvisa
    /// dem (se finsam projekt).
    #[arg(long)]
    nytt_projekt: bool,
    /// Kontrollera bara, och visa per tabell hur många rader varje inlämning lägger till,
    /// ändrar och tar bort jämfört med den inlästa för samma projekt och halvår (bara antal).
    #[arg(long)]
    visa_andringar: bool,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let key = super::load_key(data.key.as_deref())?;
    let bars = Bars::on_stderr();
    let options = IntakeOptions {
        projekt: args.submissions.projekt,
        halvar: args.submissions.halvar,
        strict: args.submissions.strikt,
        new_projects: args.nytt_projekt,
        progress: &bars,
        ..IntakeOptions::new(chrono::Local::now().date_naive())
    };
    let only_check = args.dry_run || args.visa_andringar;
    let (submissions, findings) = finsam::read::discover(&args.submissions.files, &schema);
    let persons = Persons::Identified(&key);
    let dataset_dir = &data.data;
    let report = if only_check {
        intake::check(
            &schema,
            persons,
            dataset_dir,
            submissions,
            findings,
            &options,
            args.visa_andringar,
        )?
    } else {
        intake::commit(
            &schema,
            persons,
            dataset_dir,
            submissions,
            findings,
            &options,
            true,
        )?
    };
    if let Some(path) = &args.fel {
        let warnings: Vec<&Finding> = report.warnings().collect();
        write_findings_csv(&report.findings, &warnings, path)?;
    }
    print_report(&report, only_check)?;
    if args.visa_andringar && report.accepted() {
        print_changes(&report)?;
    }
    if report.accepted() && !only_check {
        let dataset = finsam::store::Dataset::open(&data.data, &schema)?;
        super::print_differing(&dataset, &schema)?;
    }
    Ok(if report.accepted() {
        Exit::Ok
    } else {
        Exit::InvalidInput
    })
}

fn print_report(report: &IntakeReport, dry_run: bool) -> finsam::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e| finsam::Error::io(std::path::Path::new("<stdout>"), e);
    print_warnings(report.warnings());
    if !report.accepted() {
        print_findings(&report.findings, report.submissions.len());
        eprintln!("Inget har ändrats i datamängden; rätta felen och lämna in igen.");
        return Ok(());
    }
    for submission in &report.submissions {
        writeln!(
            out,
            "{} {}  {}  id {}  {}",
            submission.projekt,
            submission.halvar,
            submission.status,
            submission.id,
            intake::rows_text(&submission.rows)
        )
        .map_err(io)?;
    }
    let verb = if dry_run { "Kontrollerat" } else { "Inläst" };
    let seconds = report.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        report.total_rows() as f64 / seconds
    } else {
        0.0
    };
    let memory = peak_memory_mb()
        .map(|mb| format!(", topp-minne {mb} MB"))
        .unwrap_or_default();
    writeln!(
        out,
        "{verb}: {} inlämning(ar), {} rader, 0 fel, {:.2} s ({:.0} rader/s{memory})",
        report.submissions.len(),
        report.total_rows(),
        seconds,
        rate
    )
    .map_err(io)?;
    match &report.underlag {
        Some(Ok(refreshed)) if !refreshed.projects.is_empty() => writeln!(
            out,
            "Underlag (queries/underlag) uppdaterat för {} projekt: {:.2} s",
            refreshed.projects.len(),
            refreshed.elapsed.as_secs_f64()
        )
        .map_err(io)?,
        Some(Err(error)) => eprintln!(
            "finsam: obs: underlaget kunde inte uppdateras ({error}); inläsningen gäller, och rapporterna räknar fram underlaget själva tills det har uppdaterats"
        ),
        _ => {}
    }
    Ok(())
}

/// Per submission and table, how the new version differs from the current one.
fn print_changes(report: &IntakeReport) -> finsam::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e| finsam::Error::io(std::path::Path::new("<stdout>"), e);
    for submission in &report.submissions {
        let Some(changes) = &submission.changes else {
            writeln!(
                out,
                "{} {}: ingen tidigare inlämning, allt är nytt",
                submission.projekt, submission.halvar
            )
            .map_err(io)?;
            continue;
        };
        if !changes.values().any(|c| c.any()) {
            writeln!(
                out,
                "{} {}: samma innehåll som den inlästa inlämningen",
                submission.projekt, submission.halvar
            )
            .map_err(io)?;
            continue;
        }
        writeln!(
            out,
            "{} {}: jämfört med den inlästa inlämningen",
            submission.projekt, submission.halvar
        )
        .map_err(io)?;
        for (table, change) in changes.iter().filter(|(_, c)| c.any()) {
            writeln!(
                out,
                "  {table}: {} nya, {} ändrade, {} borttagna, {} oförändrade rader",
                change.added, change.changed, change.removed, change.unchanged
            )
            .map_err(io)?;
        }
    }
    Ok(())
}

/// Every warning on stderr, then how many; they never stop a submission (but `--strikt`).
pub fn print_warnings<'f>(warnings: impl Iterator<Item = &'f finsam::read::Finding>) {
    let mut count = 0;
    for warning in warnings {
        eprintln!("varning: {warning}");
        count += 1;
    }
    if count > 0 {
        eprintln!(
            "{count} varning(ar): uppgifter som sällan stämmer men godtas; rätta dem om de är fel (--strikt avvisar dem)."
        );
    }
}

/// Every finding, then how many, on stderr.
pub fn print_findings(findings: &[finsam::read::Finding], submissions: usize) {
    for finding in findings {
        eprintln!("{finding}");
    }
    eprintln!(
        "Avvisat: {} fel i {} inlämning(ar).",
        findings.len(),
        submissions.max(1)
    );
}

/// Every error and warning as a CSV file for Excel (`--fel`): file, sheet, row, column,
/// kind and message, one per line.
pub fn write_findings_csv(
    errors: &[Finding],
    warnings: &[&Finding],
    path: &std::path::Path,
) -> finsam::Result<()> {
    let mut bytes = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut bytes);
        let fail = |e: csv::Error| finsam::Error::Output(e.to_string());
        writer
            .write_record(["fil", "blad", "rad", "kolumn", "typ", "meddelande"])
            .map_err(fail)?;
        let errors = errors.iter().map(|f| ("fel", f));
        for (kind, finding) in errors.chain(warnings.iter().map(|w| ("varning", *w))) {
            let l = &finding.location;
            let row = l.row.map(|r| r.to_string()).unwrap_or_default();
            let cells = [
                l.file.as_str(),
                l.sheet.as_deref().unwrap_or(""),
                row.as_str(),
                l.column.as_deref().unwrap_or(""),
                kind,
                finding.message.as_str(),
            ];
            writer
                .write_record(cells.map(|c| finsam::output::spreadsheet_text(c).into_owned()))
                .map_err(fail)?;
        }
        writer.flush().map_err(|e| finsam::Error::io(path, e))?;
    }
    Ok(finsam::store::write_atomic(path, &bytes)?)
}

/// Peak resident memory of this process (Linux), for the summary and benchmarks.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
