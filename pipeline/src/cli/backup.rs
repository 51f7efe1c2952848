use std::path::PathBuf;

use finsam::backup;
use finsam::store::Dataset;

use super::{DataArgs, Exit};

/// Säkerhetskopiera datamängden medan servern kör.
///
/// Kopian tas mellan två inläsningar (under datamängdens lås), så tabeller, historik,
/// manifest och underlag är från samma ögonblick. Den hamnar i en ny mapp
/// finsam-<tid> i --till, med manifestet finsam-backup.json: varje fil med storlek och
/// SHA-256. Nyckeln följer inte med: förvara den för sig (utan den går kopian inte att
/// använda för nya inlämningar).
///
/// Exempel:
///   finsam backup --data /srv/finsam/data --till /srv/backup/finsam
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct BackupArgs {
    /// Mappen som kopian läggs i (en ny undermapp per kopia).
    #[arg(long, value_name = "MAPP")]
    till: PathBuf,
}

/// Återställ datamängden från en säkerhetskopia (från finsam backup).
///
/// Varje fil kontrolleras mot kopians manifest innan något ändras; en kopia som inte
/// stämmer återställs inte. Datamängden som fanns behålls bredvid, som
/// <data>.fore-aterstallning-<tid>. Servern måste vara stoppad.
///
/// Exempel:
///   finsam restore --fran /srv/backup/finsam/finsam-20261207T021500Z --data /srv/finsam/data
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RestoreArgs {
    /// Kopians mapp (finsam-<tid>).
    #[arg(long, value_name = "MAPP")]
    fran: PathBuf,
    /// Kontrollera bara kopian mot manifestet; återställ inget.
    #[arg(long)]
    kontrollera: bool,
}

/// Gallra historiken: ta bort ersatta inlämningar som ersattes för mer än --historik-ar
/// år sedan (raderna i _historik och det servern tog emot i _inkorg). De gällande
/// uppgifterna berörs inte.
///
/// Exempel:
///   finsam gallra --data data --historik-ar 5
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct PruneArgs {
    /// Behåll ersatta inlämningar så här många år.
    #[arg(long, value_name = "ÅR", value_parser = clap::value_parser!(u32).range(1..))]
    historik_ar: u32,
}

pub fn run_backup(args: BackupArgs, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let made = backup::backup(&data.data, &schema, &args.till)?;
    println!(
        "Säkerhetskopia: {} ({} filer, {:.1} MB, {:.1} s)",
        made.path.display(),
        made.files,
        made.bytes as f64 / 1e6,
        made.elapsed.as_secs_f64()
    );
    Ok(Exit::Ok)
}

pub fn run_restore(args: RestoreArgs, data: &DataArgs) -> finsam::Result<Exit> {
    if args.kontrollera {
        let manifest = backup::verify(&args.fran)?;
        println!(
            "{}: alla {} filer stämmer med manifestet (kopia från {}, nyckel {})",
            args.fran.display(),
            manifest.filer.len(),
            manifest.skapad,
            manifest.nyckel
        );
        return Ok(Exit::Ok);
    }
    let restored = backup::restore(&args.fran, &data.data)?;
    println!(
        "Återställt: {} ({} filer kontrollerade)",
        data.data.display(),
        restored.files
    );
    if let Some(previous) = restored.previous {
        println!("Datamängden som fanns ligger kvar i {}", previous.display());
    }
    if restored.erased_since > 0 {
        eprintln!(
            "finsam: varning: {} raderingar (finsam person radera) gjordes efter kopian: de personerna finns i den återställda datamängden igen; gör om raderingarna",
            restored.erased_since
        );
    }
    Ok(Exit::Ok)
}

pub fn run_prune(args: PruneArgs, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let dataset = Dataset::lock_existing(&data.data, &schema)?;
    let pruned = backup::prune_history(&dataset, args.historik_ar)?;
    println!(
        "Gallrat: {} ersatta inlämningar ({} filer) som ersattes för mer än {} år sedan",
        pruned.submissions, pruned.files, args.historik_ar
    );
    Ok(Exit::Ok)
}
