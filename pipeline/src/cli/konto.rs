use std::path::PathBuf;

use finsam::accounts::{Accounts, Role};

use super::{DataArgs, Exit};

/// Konton för PostgreSQL-anslutningen (finsam serve --postgres).
///
/// Roller: utvarderare läser alla tabeller i finsam sql (pseudonymiserade, bara läsa);
/// styrelse läser bara det tavlorna publicerar (tabellen tavlor, röjandekontrollerad) och
/// kodlistorna. Lösenordet skapas av finsam och visas en gång; servern sparar bara dess
/// SCRAM-kontrollsumma.
///
/// Exempel:
///   finsam konto skapa --namn anna --roll utvarderare
///   finsam konto skapa --roll styrelse
///   finsam konto lista
///   finsam konto aterkalla anna
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Skapa ett konto och visa dess lösenord (en gång).
    Skapa {
        /// Användarnamnet klienten ansluter med (a–z, 0–9, _ och -); utan det får kontot
        /// ett namn av rollen och fyra slumpade tecken, t.ex. utvarderare-3f9a.
        #[arg(long)]
        namn: Option<String>,
        /// utvarderare eller styrelse.
        #[arg(long, value_parser = parse_role)]
        roll: Role,
        /// Skriv lösenordet till den här nya filen (som bara ägaren kan läsa) i stället
        /// för till standard ut.
        #[arg(long, value_name = "FIL")]
        out: Option<PathBuf>,
    },
    /// Lista kontona: namn, roll, när de skapades och om de är återkallade.
    Lista,
    /// Återkalla ett konto: det avvisas från nästa anslutning.
    Aterkalla {
        /// Kontots namn.
        namn: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::named(text).ok_or_else(|| "rollen är utvarderare eller styrelse".to_string())
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let accounts = Accounts::at(&data.data);
    match args.action {
        Action::Skapa { namn, roll, out } => {
            if let Some(path) = out.as_ref().filter(|p| p.exists()) {
                return Err(finsam::Error::Invalid(format!(
                    "{} finns redan: välj ett nytt filnamn för lösenordet",
                    path.display()
                )));
            }
            let namn = match namn {
                Some(namn) => namn,
                None => accounts.unused_name(roll)?,
            };
            let (password, account) = accounts.create(&namn, roll)?;
            match out {
                Some(path) => {
                    finsam::pseudonymise::write_new_private(
                        &path,
                        format!("{password}\n").as_bytes(),
                    )
                    .map_err(|e| finsam::Error::io(&path, e))?;
                    eprintln!(
                        "kontot {} ({}) skapat; lösenordet står i {}",
                        account.namn,
                        account.roll.name(),
                        path.display()
                    );
                }
                None => {
                    eprintln!(
                        "kontot {} ({}) skapat; lösenordet visas bara nu:",
                        account.namn,
                        account.roll.name()
                    );
                    println!("{password}");
                }
            }
        }
        Action::Lista => {
            for account in accounts.list()? {
                println!(
                    "{}\t{}\tskapat {}{}",
                    account.namn,
                    account.roll.name(),
                    account.skapat,
                    account
                        .aterkallat
                        .map(|t| format!("\tåterkallat {t}"))
                        .unwrap_or_default()
                );
            }
        }
        Action::Aterkalla { namn } => {
            let account = accounts.revoke(&namn)?;
            println!("kontot {} är återkallat", account.namn);
        }
    }
    Ok(Exit::Ok)
}
