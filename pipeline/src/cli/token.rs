use std::path::PathBuf;

use finsam::tokens::Tokens;

use super::{DataArgs, Exit};

/// Tokens that let a project group submit to finsam serve: one per project.
///
/// The token is shown once, when it is made; the server keeps only its hash. Give it
/// to the project leader as a file (--out), by a safe channel. The project must be
/// registered (finsam projekt add), or registered with --nytt-projekt.
///
/// Examples:
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
    /// Make a token for a project.
    Create {
        /// The project's short name, e.g. SIGMA.
        #[arg(long)]
        projekt: String,
        /// Write the token to this new file (readable by its owner only) instead of stdout.
        #[arg(long, value_name = "FIL")]
        out: Option<PathBuf>,
        /// Register the project if the registry does not know it (see finsam projekt).
        #[arg(long)]
        nytt_projekt: bool,
    },
    /// List the tokens: id, project, made, revoked.
    List,
    /// Revoke a token: it is refused from the next request on.
    Revoke {
        /// The token's id (finsam token list).
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
