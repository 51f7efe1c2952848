use std::io::{BufRead, IsTerminal, Write};

use finsam::person::{self, Found, PlaceKind};
use finsam::personnummer::PersonNumber;
use finsam::pseudonymise::Pseudonymiser;
use finsam::store::Dataset;

use super::{DataArgs, Exit};

/// En persons uppgifter på begäran (dataskyddsförordningen, artikel 15 och 17).
///
/// Personnumret (eller samordningsnumret) läses från en fråga i terminalen, utan att
/// visas, eller från standard in: aldrig som argument, som skulle hamna i skalets
/// historik. finsam räknar fram pseudonymen med förbundets nyckel och letar i varje
/// tabell, i historiken över ersatta inlämningar, i underlaget och bland inlämningarna
/// som servern tagit emot. Den som bara har en kod i ett projekt (t.ex. SIG-017) anges
/// med koden och --projekt.
///
/// visa: varje rad, var den finns.
/// radera: tar bort personen överallt (varje fil skrivs om hel), bygger om underlaget och
/// skriver i DATA/_radering/logg.jsonl att en radering gjorts: när, av vem och hur många
/// rader, aldrig vem. Projektet måste också radera personen ur sina egna filer: skickas
/// de in igen kommer personen tillbaka.
///
/// Exempel:
///   finsam person visa --data data --key nyckel
///   echo 198112189876 | finsam person radera --data data --key nyckel --ja
///   echo SIG-017 | finsam person visa --projekt SIGMA
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Visa varje rad om personen, var den finns.
    Visa(Common),
    /// Radera personen ur hela datamängden.
    Radera {
        #[command(flatten)]
        common: Common,
        /// Radera utan att fråga (krävs när numret kommer från standard in).
        #[arg(long)]
        ja: bool,
        /// Vem som raderar, för loggen (standard: inloggningsnamnet).
        #[arg(long, value_name = "NAMN")]
        operator: Option<String>,
    },
}

#[derive(clap::Args)]
struct Common {
    /// Projektet, när personen anges med projektets egen kod i stället för personnummer.
    #[arg(long)]
    projekt: Option<String>,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let key = super::load_key(data.key.as_deref())?;
    let common = match &args.what {
        What::Visa(common) | What::Radera { common, .. } => common,
    };
    let pseudonym = pseudonym(&key, common.projekt.as_deref())?;
    // Opening checks that it is a dataset made with this key.
    let dataset = Dataset::open(&data.data, &schema)?;
    Dataset::check_key(&data.data, &key.fingerprint())?;
    match args.what {
        What::Visa(_) => {
            let found = person::find(dataset.root(), &schema, &pseudonym)?;
            show(&found)?;
        }
        What::Radera { ja, operator, .. } => {
            let found = person::find(dataset.root(), &schema, &pseudonym)?;
            if found.is_empty() {
                println!("Personen finns inte i datamängden: inget att radera.");
                return Ok(Exit::Ok);
            }
            let rows: usize = found.counts().values().sum();
            if !ja && !confirm(rows, found.places.len())? {
                println!("Inget raderat.");
                return Ok(Exit::Ok);
            }
            drop(dataset);
            let writer = Dataset::lock_existing(&data.data, &schema)?;
            let operator = operator.unwrap_or_else(login_name);
            let erased = person::erase(&writer, &schema, &pseudonym, &operator)?;
            println!(
                "Raderat: {} rader i {} filer; underlaget byggt om för {} projekt. Loggat i {}/logg.jsonl (utan vem).",
                erased.rader.values().sum::<usize>(),
                erased.filer,
                erased.underlag_projekt,
                data.data.join(person::ERASURE_DIR).display()
            );
            for (place, rows) in &erased.rader {
                println!("  {place}: {rows}");
            }
        }
    }
    Ok(Exit::Ok)
}

/// The pseudonym of the person the operator names: a personnummer or samordningsnummer,
/// or with `projekt` a project's own code.
fn pseudonym(key: &dyn Pseudonymiser, projekt: Option<&str>) -> finsam::Result<String> {
    let text = read_number()?;
    let today = chrono::Local::now().date_naive();
    match (PersonNumber::parse(&text, today), projekt) {
        (Ok(number), _) => Ok(key.person_pseudonym(&number)),
        (Err(_), Some(projekt)) => {
            Ok(key.local_pseudonym(&projekt.trim().to_ascii_uppercase(), text.trim()))
        }
        (Err(e), None) => Err(finsam::Error::Usage(format!(
            "inget giltigt personnummer eller samordningsnummer ({e}); är det projektets egen kod, ange --projekt"
        ))),
    }
}

/// One line: from a question on the terminal, not echoed, or from standard input.
fn read_number() -> finsam::Result<String> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let saved = if terminal {
        eprint!("Personnummer (visas inte): ");
        let _ = std::io::stderr().flush();
        let saved = rustix::termios::tcgetattr(&stdin).ok();
        if let Some(mut quiet) = saved.clone() {
            quiet.local_modes -= rustix::termios::LocalModes::ECHO;
            let _ =
                rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &quiet);
        }
        saved
    } else {
        None
    };
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(saved) = saved {
        let _ = rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &saved);
        eprintln!();
    }
    read.map_err(|e| finsam::Error::io(std::path::Path::new("<stdin>"), e))?;
    let text = line.trim().to_string();
    if text.is_empty() {
        return Err(finsam::Error::Usage(
            "inget nummer: skriv det på frågan, eller skicka det på standard in".into(),
        ));
    }
    Ok(text)
}

fn confirm(rows: usize, files: usize) -> finsam::Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(finsam::Error::Usage(
            "radera frågar innan den raderar; när numret kommer från standard in, ange --ja".into(),
        ));
    }
    eprint!("Radera {rows} rader i {files} filer? Skriv ja: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| finsam::Error::io(std::path::Path::new("<stdin>"), e))?;
    Ok(answer.trim().eq_ignore_ascii_case("ja"))
}

fn login_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "okänd".to_string())
}

fn show(found: &Found) -> finsam::Result<()> {
    if found.is_empty() {
        println!("Personen finns inte i datamängden.");
        return Ok(());
    }
    let rows: usize = found.counts().values().sum();
    println!(
        "{rows} rader i {} filer (tabeller, historik, underlag, mottagna inlämningar):",
        found.places.len()
    );
    for waiting in found.waiting() {
        println!(
            "\ninkorg (väntar på att läsas in): {} — personen kommer in i tabellerna när servern läser in den",
            waiting.display()
        );
    }
    for place in &found.places {
        println!();
        println!(
            "{} {}: {} ({} rader)",
            place.kind.label(),
            place.table,
            place.path.display(),
            place.rows
        );
        if place.kind == PlaceKind::Inkorg {
            println!("  (inlämningen som servern tog emot; raderna är desamma som i tabellerna)");
            continue;
        }
        let table = datafusion::arrow::util::pretty::pretty_format_batches(&place.batches)
            .map_err(|e| finsam::Error::Output(e.to_string()))?;
        println!("{table}");
    }
    Ok(())
}
