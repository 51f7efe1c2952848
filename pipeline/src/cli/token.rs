use std::path::PathBuf;

use finsam::tokens::Tokens;

use super::{DataArgs, Exit};

/// Token som låter en projektgrupp lämna in till finsam serve: en per projekt.
///
/// En token visas en gång, när den skapas; servern sparar bara en kontrollsumma. Ge den
/// till projektledaren som fil (--out), på ett säkert sätt. Projektet måste vara
/// registrerat (finsam projekt add), eller registreras med --nytt-projekt.
///
/// Exempel:
///   finsam token create --projekt SIGMA --out sigma.token
///   finsam token list
///   finsam token revoke 3f9a01c2
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Skapa en token för ett projekt.
    Create {
        /// Projektets kortnamn, t.ex. SIGMA.
        #[arg(long)]
        projekt: String,
        /// Skriv token till den här nya filen (som bara ägaren kan läsa) i stället för
        /// till standard ut.
        #[arg(long, value_name = "FIL")]
        out: Option<PathBuf>,
        /// Registrera projektet om registret inte känner till det (se finsam projekt).
        #[arg(long)]
        nytt_projekt: bool,
    },
    /// Lista alla token: id, projekt, när de skapades och om de är återkallade.
    List,
    /// Återkalla en token: den avvisas från och med nästa begäran.
    Revoke {
        /// Tokens id (finsam token list).
        id: String,
    },
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let tokens = Tokens::at(&data.data);
    match args.action {
        Action::Create {
            projekt,
            out,
            nytt_projekt,
        } => {
            if let Some(path) = out.as_ref().filter(|p| p.exists()) {
                return Err(finsam::Error::Invalid(format!(
                    "{} finns redan: välj ett nytt filnamn för token",
                    path.display()
                )));
            }
            let (token, record) = tokens.create(&projekt, nytt_projekt)?;
            match out {
                Some(path) => {
                    finsam::pseudonymise::write_new_private(&path, format!("{token}\n").as_bytes())
                        .map_err(|e| match e.kind() {
                            std::io::ErrorKind::AlreadyExists => finsam::Error::Invalid(format!(
                                "{} finns redan: välj ett annat filnamn (token {} är skapad men inte sparad; återkalla den med finsam token revoke {})",
                                path.display(),
                                record.id,
                                record.id
                            )),
                            _ => finsam::Error::io(&path, e),
                        })?;
                    println!(
                        "Token {} för projekt {} sparad i {}: ge filen till projektledaren (finsam submit --token-file)",
                        record.id,
                        record.projekt,
                        path.display()
                    );
                }
                None => {
                    eprintln!(
                        "Token {} för projekt {} (visas bara nu; servern sparar bara en kontrollsumma):",
                        record.id, record.projekt
                    );
                    println!("{token}");
                }
            }
        }
        Action::List => {
            let records = tokens.list()?;
            if records.is_empty() {
                println!("Inga token ännu: finsam token create --projekt NAMN");
            }
            for record in records {
                let state = match &record.aterkallad {
                    Some(when) => format!("återkallad {when}"),
                    None => "giltig".to_string(),
                };
                println!(
                    "{}  {:<12}  skapad {}  {state}",
                    record.id, record.projekt, record.skapad
                );
            }
        }
        Action::Revoke { id } => {
            let record = tokens.revoke(&id)?;
            println!(
                "Token {} för projekt {} är återkallad",
                record.id, record.projekt
            );
        }
    }
    Ok(Exit::Ok)
}
