use std::path::PathBuf;
use std::time::Duration;

use finsam::intake::{self, IntakeOptions, Prepared};
use finsam::keyfile::Key;
use finsam::oprf::Inputs;
use finsam::protocol::Encoding;
use finsam::protocol::{Receipt, State};
use finsam::pseudonymise::Pseudonymiser;
use finsam::read::Finding;
use finsam::report;
use finsam::submit::{Answer, Client, Retry, SubmitError, read_token};
use finsam::wire;

use super::progress::Bars;
use super::{DataArgs, Exit, SubmissionArgs};

/// Skicka inlämningar till förbundets finsam-server.
///
/// Varje inlämning kontrolleras och pseudonymiseras först på den här datorn, med samma
/// regler och meddelanden som finsam ingest: bara pseudonymer skickas, aldrig ett
/// personnummer. Med förbundets nyckel (--key eller FINSAM_KEY_FILE) görs pseudonymerna
/// här; utan nyckel räknar servern fram dem utan att se numren (förbundets OPRF-nyckel,
/// finsam keygen --oprf): varje nummer skickas förblindat, och svaret kontrolleras mot
/// serverns publika nyckel. Vid minsta fel skickas ingenting. Misslyckade
/// anslutningar, svar som dröjer för länge och serverfel försöks igen, med allt längre
/// pauser; att skicka samma inlämning två gånger gör ingen skada. Sedan väntar finsam
/// tills servern har läst in den, och med --rapport hämtas halvårsrapporten som servern
/// räknar fram ur det inlästa.
///
/// Exempel:
///   finsam submit sigma_2008H1.xlsx --to https://finsam.forbund.se/ --token-file sigma.token --key nyckel
///   finsam submit inlamningar/ --to http://127.0.0.1:8080/ --token-file sigma.token  (utan nyckel: OPRF)
///   finsam submit sigma_2008H1.xlsx --to https://finsam.forbund.se/ --token-file sigma.token --rapport rapport.docx
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    submissions: SubmissionArgs,
    /// Serverns adress.
    #[arg(long, value_name = "URL", env = "FINSAM_SERVER")]
    to: String,
    /// Filen med projektets token (från finsam token create).
    #[arg(long, value_name = "FIL", env = "FINSAM_TOKEN_FILE")]
    token_file: PathBuf,
    /// Hur inlämningen skickas.
    #[arg(long, value_enum, default_value_t = Format::Arrow)]
    format: Format,
    /// Försök per begäran innan finsam ger upp.
    #[arg(long, value_name = "ANTAL", default_value_t = 8)]
    forsok: u32,
    /// Sekunder att vänta på ett svar (också som --timeout, dess tidigare namn).
    #[arg(long, value_name = "SEKUNDER", default_value_t = 60, alias = "timeout")]
    tidsgrans: u64,
    /// Sekunder att vänta på att servern läser in inlämningarna (0: vänta inte).
    #[arg(long, value_name = "SEKUNDER", default_value_t = 120)]
    vanta: u64,
    /// Tillåt okrypterad http:// till en annan dator (token skickas läsbar).
    #[arg(long)]
    osaker_http: bool,
    /// Utan nyckel: förbundets nyckel-id (fingeravtrycket som finsam keygen --oprf
    /// visade). Servern måste räkna med just den nyckeln, annars skickas inget.
    #[arg(long, value_name = "ID", env = "FINSAM_NYCKEL_ID")]
    nyckel_id: Option<String>,
    /// Skriv alla fel och varningar, från den här datorns kontroll och från servern, till
    /// den här CSV-filen (för Excel), som finsam ingest --fel.
    #[arg(long, value_name = "FIL")]
    fel: Option<PathBuf>,
    /// Hämta halvårsrapporten när inlämningen är inläst och spara den här; formatet följer
    /// filändelsen (.docx, .pdf, .html, .md, .json, .xlsx). Flera inlämningar ger en fil
    /// var, med projekt och halvår i namnet.
    #[arg(long, value_name = "FIL")]
    rapport: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Arrow,
    Json,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let report_format = match &args.rapport {
        None => None,
        Some(_) if args.vanta == 0 => {
            return Err(finsam::Error::Usage(
                "--rapport hämtar rapporten när inlämningen är inläst: det kräver --vanta större än 0".into(),
            ));
        }
        Some(path) => Some(report::Format::of_path(path).ok_or_else(|| {
            finsam::Error::Usage(format!(
                "--rapport {}: filändelsen ska säga formatet: .docx, .pdf, .html, .md, .json eller .xlsx",
                path.display()
            ))
        })?),
    };
    let schema = finsam::schema::Schema::from_option(data.schemas.as_deref())?;
    let token = read_token(&args.token_file)?;
    let key = match super::key_path(data.key.as_deref()) {
        Some(path) => Some(Key::from_file(&path)?),
        None => None,
    };
    let retry = Retry {
        attempts: args.forsok.max(1),
        request_timeout: Duration::from_secs(args.tidsgrans.max(1)),
        ..Retry::default()
    };
    let client = Client::new(&args.to, token, retry, args.osaker_http)?;
    let bars = Bars::on_stderr();
    let options = IntakeOptions {
        projekt: args.submissions.projekt,
        halvar: args.submissions.halvar,
        strict: args.submissions.strikt,
        progress: &bars,
        ..IntakeOptions::new(chrono::Local::now().date_naive())
    };
    let runtime = super::runtime()?;
    let files = &args.submissions.files;
    let (prepared, findings, fingerprint) = match &key {
        Some(key) => {
            let (prepared, findings) = intake::prepare(&schema, key, files, &options)?;
            (prepared, findings, key.fingerprint())
        }
        None => {
            // First every error and every number to pseudonymise, before anything is
            // sent; then the server's pseudonyms for exactly those.
            let inputs = Inputs::default();
            let (_, findings) = intake::prepare(&schema, &inputs, files, &options)?;
            if findings.is_empty() {
                let inputs = inputs.into_inputs();
                let (count, started) = (inputs.len(), std::time::Instant::now());
                let evaluated =
                    runtime.block_on(client.evaluated(inputs, args.nyckel_id.as_deref()))?;
                eprintln!(
                    "finsam: {count} pseudonymer från servern utan att numren lämnade datorn ({:.2} s)",
                    started.elapsed().as_secs_f64()
                );
                let (prepared, findings) = intake::prepare(&schema, &evaluated, files, &options)?;
                if evaluated.missed() {
                    return Err(finsam::Error::Invalid(
                        "filerna ändrades medan pseudonymerna hämtades: inget har skickats; försök igen".into(),
                    ));
                }
                (prepared, findings, evaluated.fingerprint())
            } else {
                (Vec::new(), findings, String::new())
            }
        }
    };
    let warnings: Vec<&Finding> = prepared.iter().flat_map(|p| &p.report.warnings).collect();
    super::ingest::print_warnings(warnings.iter().copied());
    if !findings.is_empty() {
        if let Some(path) = &args.fel {
            super::ingest::write_findings_csv(&findings, &warnings, path)?;
        }
        super::ingest::print_findings(&findings, args.submissions.files.len());
        eprintln!("Inget har skickats.");
        return Ok(Exit::InvalidInput);
    }
    let encoding = match args.format {
        Format::Arrow => Encoding::Arrow,
        Format::Json => Encoding::Json,
    };
    // What the server found, for --fel.
    let mut refused: Vec<Finding> = Vec::new();
    let exit = runtime.block_on(async {
        let mut exit = Exit::Ok;
        let mut received = Vec::new();
        for submission in &prepared {
            let body = wire::encode(submission, &schema, &fingerprint, encoding)
                .map_err(|e| finsam::Error::Output(e.to_string()))?;
            let answer = match client.send(body, encoding).await {
                Ok(answer) => answer,
                Err(error @ SubmitError::Unreachable { .. }) => {
                    eprintln!(
                        "{} {}: {error}",
                        submission.report.projekt, submission.report.halvar
                    );
                    return Ok(Exit::Internal);
                }
                Err(error) => return Err(error.into()),
            };
            match answer {
                Answer::Received {
                    receipt,
                    new,
                    elapsed,
                } => {
                    print_received(submission, &receipt, new, elapsed);
                    received.push(receipt);
                }
                Answer::Refused {
                    status,
                    message,
                    findings,
                } => {
                    for finding in &findings {
                        eprintln!("{finding}");
                    }
                    refused.extend(findings);
                    eprintln!(
                        "{} {}: avvisad av servern ({status}): {message}",
                        submission.report.projekt, submission.report.halvar
                    );
                    exit = Exit::InvalidInput;
                    // A token the server does not take is refused for the rest as well;
                    // a 403 is about this submission's project, so the rest are still sent.
                    if status == 401 {
                        break;
                    }
                }
            }
        }
        if args.vanta > 0 {
            let patience = Duration::from_secs(args.vanta);
            let several = received.len() > 1;
            for receipt in received {
                let settled = client.settled(receipt, patience).await?;
                if !print_settled(&settled) {
                    exit = Exit::InvalidInput;
                }
                if let (Some(path), Some(format), State::Inlast) =
                    (&args.rapport, report_format, settled.status)
                {
                    let path = if several {
                        report_file_for(path, &settled)
                    } else {
                        path.clone()
                    };
                    if !fetch_report(&client, &settled, format, &path).await? {
                        exit = Exit::InvalidInput;
                    }
                }
                refused.extend(settled.fel);
            }
        }
        Ok::<_, finsam::Error>(exit)
    })?;
    if let Some(path) = &args.fel {
        super::ingest::write_findings_csv(&refused, &warnings, path)?;
    }
    Ok(exit)
}

/// `rapport.docx` as `rapport_SIGMA_2008H1.docx`, for one of several submissions.
fn report_file_for(path: &std::path::Path, receipt: &Receipt) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ending = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!(
        "{stem}_{}_{}{ending}",
        receipt.projekt, receipt.halvar
    ))
}

/// Fetches the half-year report of a submission taken in and writes it to `path`;
/// false when the server would not give it.
async fn fetch_report(
    client: &Client,
    receipt: &Receipt,
    format: report::Format,
    path: &std::path::Path,
) -> finsam::Result<bool> {
    let answer = match client
        .half_year_report(&receipt.projekt, &receipt.halvar, format.media_type())
        .await
    {
        Ok(answer) => answer,
        // The submission is in; only the report is missing, and the rest go on.
        Err(error) => {
            let why = match error {
                SubmitError::Unreachable {
                    attempts,
                    seconds,
                    last,
                } => format!("inget svar efter {attempts} försök under {seconds:.0} s ({last})"),
                other => other.to_string(),
            };
            eprintln!(
                "{} {}: halvårsrapporten kunde inte hämtas: {why}; inlämningen är inläst, hämta rapporten senare (GET /api/v1/projekt/{}/rapporter/halvar/{})",
                receipt.projekt, receipt.halvar, receipt.projekt, receipt.halvar
            );
            return Ok(false);
        }
    };
    match answer {
        Ok(bytes) => {
            report::write_output(&bytes, Some(path))?;
            println!(
                "{} {}  halvårsrapporten sparad i {}",
                receipt.projekt,
                receipt.halvar,
                path.display()
            );
            Ok(true)
        }
        Err((status, message)) => {
            eprintln!(
                "{} {}: halvårsrapporten kunde inte hämtas ({status}): {message}",
                receipt.projekt, receipt.halvar
            );
            Ok(false)
        }
    }
}

fn print_received(submission: &Prepared, receipt: &Receipt, new: bool, elapsed: Duration) {
    let what = if new {
        format!("mottagen som nr {}", receipt.nr)
    } else {
        format!("redan mottagen (nr {}): inget ändrat", receipt.nr)
    };
    println!(
        "{} {}  {what}  id {}  {}  ({:.0} ms)",
        receipt.projekt,
        receipt.halvar,
        receipt.id,
        intake::rows_text(&receipt.rader),
        elapsed.as_secs_f64() * 1000.0
    );
    if receipt.innehall != submission.report.content_hash {
        eprintln!(
            "finsam: obs: servern räknade fram en annan innehållssumma ({}) än den här datorn ({}): servern läste något annat än det som skickades; kontakta förbundet",
            &receipt.innehall[..16.min(receipt.innehall.len())],
            submission.report.id
        );
    }
}

/// Prints where a submission ended up; false when the server refused it.
fn print_settled(receipt: &Receipt) -> bool {
    let head = format!("{} {}  id {}", receipt.projekt, receipt.halvar, receipt.id);
    match receipt.status {
        State::Inlast => {
            println!(
                "{head}  inläst: {}",
                receipt.resultat.as_deref().unwrap_or("ny")
            );
            true
        }
        State::Avvisad => {
            for finding in &receipt.fel {
                eprintln!("{finding}");
            }
            eprintln!(
                "{head}  avvisad när den skulle läsas in: {} fel",
                receipt.fel.len()
            );
            false
        }
        State::Mottagen => {
            println!(
                "{head}  mottagen, inte inläst än: servern läser in den (GET /api/v1/inlamningar/{} visar läget)",
                receipt.id
            );
            true
        }
    }
}
