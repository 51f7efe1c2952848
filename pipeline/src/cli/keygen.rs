use std::path::PathBuf;

use finsam::pseudonymise::{KEY_FILE_ENV, PseudonymKey};

use super::Exit;

/// Create a pseudonymisation key (HMAC-SHA256, 256 bits) in a new file with mode 0600.
///
/// Keep the key outside the dataset and back it up: with another key the same person
/// gets another pseudonym, and follow-up across submissions breaks.
///
/// Example: finsam keygen --out /etc/finsam/nyckel && export FINSAM_KEY_FILE=/etc/finsam/nyckel
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The key file to create; an existing file is never overwritten.
    #[arg(long)]
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
