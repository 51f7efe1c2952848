use std::path::PathBuf;

use finsam::keyfile::Key;
use finsam::pseudonymise::{KEY_FILE_ENV, Pseudonymiser};

use super::Exit;

/// Skapa förbundets pseudonymiseringsnyckel i en ny fil med rättigheterna 0600.
///
/// Utan --oprf: en HMAC-SHA256-nyckel (256 bitar). Den som lämnar in med finsam submit
/// behöver då själv nyckeln. Med --oprf: en OPRF-nyckel (RFC 9497) som bara förbundets
/// server har; finsam submit får pseudonymerna av servern utan att servern ser ett enda
/// personnummer, och projekten behöver ingen nyckel. Samma person får olika pseudonymer
/// med olika nycklar och olika slags nycklar: välj en gång, när datamängden skapas
/// (docs/pseudonymisering.md).
///
/// Förvara nyckeln utanför datamängden och säkerhetskopiera den: med en annan nyckel får
/// samma person en annan pseudonym, och uppföljningen mellan inlämningar bryts.
///
/// Exempel:
///   finsam keygen --out /etc/finsam/nyckel && export FINSAM_KEY_FILE=/etc/finsam/nyckel
///   finsam keygen --oprf --out /etc/finsam/oprf-nyckel
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Nyckelfilen som skapas; en fil som redan finns skrivs aldrig över.
    #[arg(long, value_name = "FIL")]
    out: PathBuf,
    /// En OPRF-nyckel som stannar på servern (projekten lämnar in utan nyckel).
    #[arg(long)]
    oprf: bool,
}

pub fn run(args: Args) -> finsam::Result<Exit> {
    let key = Key::write_new(&args.out, args.oprf)?;
    let kind = if args.oprf { "OPRF-nyckel" } else { "Nyckel" };
    println!(
        "{kind} skapad: {} (fingeravtryck {})",
        args.out.display(),
        key.fingerprint()
    );
    println!(
        "Använd den med --key {} eller {KEY_FILE_ENV}={}",
        args.out.display(),
        args.out.display()
    );
    if let Some(oprf) = key.oblivious() {
        println!(
            "Servern publicerar den publika nyckeln {} på /api/v1/oprf; projekten lämnar in utan nyckel, med --nyckel-id {}.",
            oprf.public_key(),
            key.fingerprint()
        );
    }
    Ok(Exit::Ok)
}
