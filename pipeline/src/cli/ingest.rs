use std::io::Write;
use std::path::PathBuf;

use finsam::load::{self, IngestOptions, IngestReport};
use finsam::validate::Persons;

use super::{DataArgs, Exit, SubmissionArgs};

/// Validate submissions and take them into the dataset.
///
/// FILE is a workbook made from `finsam template` (one submission), a CSV file, or a
/// folder, searched with its subfolders. CSV files in one folder form one submission
/// (deltagare.csv, insatser.csv, …, inlamning.csv). All submissions of one call are taken in together or not at all:
/// with any error, the dataset is left exactly as it was and every error is listed
/// with file, sheet, row and column.
///
/// Examples:
///   finsam ingest sigma_2008H1.xlsx --key nyckel
///   finsam ingest inlamningar/ --data data --dry-run
///   finsam ingest csv/sigma-2008H1/ --projekt SIGMA --halvar 2008H1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    submissions: SubmissionArgs,
    #[command(flatten)]
    data: DataArgs,
    /// Only validate: nothing is written.
    #[arg(long)]
    dry_run: bool,
    /// Also write every error to this CSV file (for Excel).
    #[arg(long, value_name = "FILE")]
    rapport: Option<PathBuf>,
}

pub fn run(args: Args) -> finsam::Result<Exit> {
    let schema = args.data.schema()?;
    let key = super::load_key(args.submissions.key.as_deref())?;
    let options = IngestOptions {
        projekt: args.submissions.projekt,
        halvar: args.submissions.halvar,
        dry_run: args.dry_run,
        show_progress: true,
        today: chrono::Local::now().date_naive(),
        refresh_underlag: true,
    };
    let report = load::ingest(
        &schema,
        Persons::Identified(&key),
        &args.data.data,
        &args.submissions.files,
        &options,
    )?;
    if let Some(path) = &args.rapport {
        write_findings_csv(&report, path)?;
    }
    print_report(&report, args.dry_run)?;
    Ok(if report.accepted() {
        Exit::Ok
    } else {
        Exit::InvalidInput
    })
}

fn print_report(report: &IngestReport, dry_run: bool) -> finsam::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e| finsam::Error::io(std::path::Path::new("<stdout>"), e);
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
            load::rows_text(&submission.rows)
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

/// Every finding, then how many, on stderr.
pub fn print_findings(findings: &[finsam::ingest::Finding], submissions: usize) {
    for finding in findings {
        eprintln!("{finding}");
    }
    eprintln!(
        "Avvisat: {} fel i {} inlämning(ar).",
        findings.len(),
        submissions.max(1)
    );
}

fn write_findings_csv(report: &IngestReport, path: &std::path::Path) -> finsam::Result<()> {
    let mut bytes = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut bytes);
        let fail = |e: csv::Error| finsam::Error::Output(e.to_string());
        writer
            .write_record(["fil", "blad", "rad", "kolumn", "fel"])
            .map_err(fail)?;
        for finding in &report.findings {
            let l = &finding.location;
            let row = l.row.map(|r| r.to_string()).unwrap_or_default();
            let cells = [
                l.file.as_str(),
                l.sheet.as_deref().unwrap_or(""),
                row.as_str(),
                l.column.as_deref().unwrap_or(""),
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
