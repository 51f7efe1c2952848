use finsam::config::{Config, Setting};

use super::{DataArgs, Exit};

/// Inställningsfilen finsam.toml (--config FIL eller FINSAM_CONFIG).
///
/// Filen ger samma inställningar som flaggorna: data, nyckel och schemas för alla
/// kommandon, [serve] för finsam serve och [backup] för finsam backup och gallra. En
/// flagga går före filen, och så gör en miljövariabel som flaggan läser. Okända nycklar
/// avvisas med fil och rad. Filen innehåller aldrig hemligheter: nyckeln, token och
/// lösenord ligger i egna filer som inställningarna pekar på.
///
/// Exempel:
///   finsam --config /etc/finsam/finsam.toml config visa
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Visa inställningarna som gäller, och varifrån de kommer.
    Visa,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let What::Visa = args.what;
    let config = match &data.config {
        Some(path) => {
            println!("Inställningsfil: {}", path.display());
            Config::load(path)?
        }
        None => {
            println!(
                "Ingen inställningsfil (--config FIL eller FINSAM_CONFIG): flaggor, miljö och standard."
            );
            Config::default()
        }
    };
    let from_file: Vec<Setting> = config.settings();
    let typed: Vec<String> = std::env::args().skip(1).collect();
    let source = |flag: &str, env: Option<&str>| -> &'static str {
        if finsam::config::given(&typed, flag) {
            "flaggan"
        } else if env.is_some_and(|e| std::env::var_os(e).is_some()) {
            "miljön"
        } else if from_file.iter().any(|s| s.flag == flag) {
            "filen"
        } else {
            "flagga eller standard"
        }
    };
    let shown = |p: &Option<std::path::PathBuf>| {
        p.as_ref()
            .map_or_else(|| "-".to_string(), |p| p.display().to_string())
    };
    println!("{:<28} {:<40} källa", "inställning", "värde");
    println!(
        "{:<28} {:<40} {}",
        "data",
        data.data.display(),
        source("--data", Some("FINSAM_DATA"))
    );
    let key = super::key_path(data.key.as_deref());
    println!(
        "{:<28} {:<40} {}",
        "nyckel (sökväg)",
        shown(&key),
        source("--key", Some("FINSAM_KEY_FILE"))
    );
    println!(
        "{:<28} {:<40} {}",
        "schemas",
        shown(&data.schemas),
        source("--schemas", Some("FINSAM_SCHEMAS"))
    );
    for setting in from_file.iter().filter(|s| !s.commands.is_empty()) {
        let section = if setting.commands == ["serve"] {
            "serve"
        } else {
            "backup"
        };
        let name = format!(
            "{section}.{}",
            setting.flag.trim_start_matches("--").replace('-', "_")
        );
        println!(
            "{:<28} {:<40} {}",
            name,
            setting.value,
            source(setting.flag, setting.env)
        );
    }
    println!("Hemligheter står aldrig här: bara sökvägen till nyckeln.");
    Ok(Exit::Ok)
}
