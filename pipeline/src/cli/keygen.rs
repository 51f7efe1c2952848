use std::path::PathBuf;

use finsam::pseudonymise::{KEY_FILE_ENV, PseudonymKey};

use super::Exit;

/// Skapa en pseudonymiseringsnyckel (HMAC-SHA256, 256 bitar) i en ny fil med rättigheterna 0600.
///
/// Förvara nyckeln utanför datamängden och säkerhetskopiera den: med en annan nyckel får
/// samma person en annan pseudonym, och uppföljningen mellan inlämningar bryts.
///
/// Exempel: finsam keygen --out /etc/finsam/nyckel && export FINSAM_KEY_FILE=/etc/finsam/nyckel
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Nyckelfilen som skapas; en fil som redan finns skrivs aldrig över.
    #[arg(long, value_name = "FIL")]
    out: PathBuf,
}

pub fn run(args: Args) -> finsam::Result<Exit> {
    let key = PseudonymKey::write_new(&args.out)?;
    println!(
        "Nyckel skapad: {} (fingeravtryck {})",
        args.out.display(),
        key.fingerprint()
    );
    println!(
        "Använd den med --key {} eller {KEY_FILE_ENV}={}",
        args.out.display(),
        args.out.display()
    );
    Ok(Exit::Ok)
}
