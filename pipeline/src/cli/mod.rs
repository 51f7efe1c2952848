//! Command-line interface: one file per subcommand, each a thin layer over the library.

mod backup;
mod config;
mod dashboard;
mod export;
mod fragor;
mod help;
mod ingest;
mod keygen;
mod kontext;
mod konto;
mod logg;
mod person;
mod progress;
mod projekt;
mod report;
mod serve;
mod shell;
mod sql;
mod status;
mod submit;
mod synth;
mod template;
mod token;

use std::path::{Path, PathBuf};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use finsam::failure::Kind;
use finsam::keyfile::Key;
use finsam::pseudonymise::KEY_FILE_ENV;
use finsam::query::ProjectSelection;
use finsam::schema::Schema;

/// Exit codes are part of the interface (README, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    InvalidInput = 1,
    /// Also what clap exits with for an unknown option or a malformed argument.
    Usage = 2,
    Internal = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// The command line; read it with [`parse`], which gives clap's own words in the help in
/// Swedish.
#[derive(Parser)]
#[command(
    name = "finsam",
    version,
    about = "Uppföljning av samordningsförbundens insatser: inlämningar, pseudonymisering, Parquet och SQL",
    long_about = None,
)]
pub struct Cli {
    #[command(flatten)]
    global: DataArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command shares, accepted before or after any subcommand
/// (`finsam token create --data X` as well as `finsam --data X token create`).
#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// Datamängdens mapp.
    #[arg(
        long,
        global = true,
        value_name = "MAPP",
        default_value = "data",
        env = "FINSAM_DATA"
    )]
    pub data: PathBuf,
    /// Läs schemat från den här mappen i stället för det inbyggda.
    #[arg(long, global = true, value_name = "MAPP", env = "FINSAM_SCHEMAS")]
    pub schemas: Option<PathBuf>,
    /// Nyckelfilen (standard: filen som FINSAM_KEY_FILE anger).
    #[arg(long, global = true, value_name = "FIL")]
    pub key: Option<PathBuf>,
    /// Inställningsfilen (finsam.toml); flaggor och miljövariabler går före den.
    #[arg(long, global = true, value_name = "FIL", env = "FINSAM_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The submissions to read and how to read them: `ingest` and `submit` alike.
#[derive(clap::Args, Debug, Clone)]
pub struct SubmissionArgs {
    /// Arbetsböcker, CSV-filer eller mappar.
    #[arg(required = true, value_name = "FIL")]
    pub files: Vec<PathBuf>,
    /// Projektet, när inlämningen inte anger det (måste stämma när den gör det).
    #[arg(long)]
    pub projekt: Option<String>,
    /// Halvåret, t.ex. 2008H1, när inlämningen inte anger det.
    #[arg(long)]
    pub halvar: Option<finsam::period::HalfYear>,
    /// Avvisa en inlämning med varningar (uppgifter som sällan stämmer) som om de vore fel.
    #[arg(long)]
    pub strikt: bool,
}

impl DataArgs {
    pub fn schema(&self) -> finsam::Result<Schema> {
        Ok(Schema::from_option(self.schemas.as_deref())?)
    }
}

#[derive(Subcommand)]
enum Command {
    Keygen(keygen::Args),
    Template(template::Args),
    Ingest(ingest::Args),
    Sql(sql::Args),
    Export(export::Args),
    Fragor(fragor::Args),
    Report(report::Args),
    Status(status::Args),
    Dashboard(dashboard::Args),
    Serve(serve::Args),
    Submit(submit::Args),
    Token(token::Args),
    Konto(konto::Args),
    Kontext(kontext::Args),
    Person(person::Args),
    Backup(backup::BackupArgs),
    Restore(backup::RestoreArgs),
    Gallra(backup::PruneArgs),
    Logg(logg::Args),
    Config(config::Args),
    Projekt(projekt::Args),
    Synth(synth::Args),
}

/// The command line as [`Cli`], with the settings file's values where the command line
/// and the environment give none ([`finsam::config`]); on `--help`, `--version` or a
/// usage error it prints and exits, as `Cli::parse` does.
pub fn parse() -> Cli {
    let mut command = help::swedish(Cli::command());
    let matches = command
        .try_get_matches_from_mut(with_settings())
        .unwrap_or_else(|error| error.exit());
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.format(&mut command).exit())
}

/// The program's arguments, with the settings file's added (an unreadable file stops
/// here, with its message).
fn with_settings() -> Vec<std::ffi::OsString> {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lossy: Vec<String> = raw[1..]
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let named = finsam::config::named_file(
        &lossy,
        std::env::var_os(finsam::config::CONFIG_ENV).map(PathBuf::from),
    );
    let Some(path) = named else {
        return raw;
    };
    let Some(args) = raw[1..]
        .iter()
        .map(|a| a.to_str().map(str::to_string))
        .collect::<Option<Vec<String>>>()
    else {
        eprintln!(
            "finsam: ett argument är inte UTF-8, så inställningsfilen {} kan inte läggas till: byt namn på filen eller ange inställningarna som flaggor",
            path.display()
        );
        std::process::exit(Exit::Usage as i32);
    };
    match finsam::config::Config::load(&path) {
        Ok(config) => {
            let merged = config.apply(&args, |name| std::env::var_os(name).is_some());
            std::iter::once(raw[0].clone())
                .chain(merged.into_iter().map(Into::into))
                .collect()
        }
        Err(error) => {
            eprintln!("finsam: {error}");
            std::process::exit(Exit::InvalidInput as i32);
        }
    }
}

pub fn run(cli: Cli) -> finsam::Result<Exit> {
    let data = &cli.global;
    match cli.command {
        Command::Keygen(args) => keygen::run(args),
        Command::Template(args) => template::run(args, data),
        Command::Ingest(args) => ingest::run(args, data),
        Command::Sql(args) => sql::run(args, data),
        Command::Export(args) => export::run(args, data),
        Command::Konto(args) => konto::run(args, data),
        Command::Kontext(args) => kontext::run(args, data),
        Command::Person(args) => person::run(args, data),
        Command::Backup(args) => backup::run_backup(args, data),
        Command::Restore(args) => backup::run_restore(args, data),
        Command::Gallra(args) => backup::run_prune(args, data),
        Command::Logg(args) => logg::run(args, data),
        Command::Config(args) => config::run(args, data),
        Command::Fragor(args) => fragor::run(args, data),
        Command::Report(args) => report::run(args, data),
        Command::Status(_) => status::run(data),
        Command::Dashboard(args) => dashboard::run(args, data),
        Command::Serve(args) => serve::run(args, data),
        Command::Submit(args) => submit::run(args, data),
        Command::Token(args) => token::run(args, data),
        Command::Projekt(args) => projekt::run(args, data),
        Command::Synth(args) => synth::run(args),
    }
}

/// Loads the key from `--key`, or from the file `FINSAM_KEY_FILE` names.
pub fn load_key(flag: Option<&Path>) -> finsam::Result<Key> {
    match key_path(flag) {
        Some(path) => Ok(Key::from_file(&path)?),
        None => Err(finsam::Error::Usage(format!(
            "ingen nyckel: ange --key FIL eller sätt {KEY_FILE_ENV}=FIL (skapa en nyckel med finsam keygen --out FIL)"
        ))),
    }
}

/// The key file `--key` or `FINSAM_KEY_FILE` names, if any.
pub fn key_path(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os(KEY_FILE_ENV).map(PathBuf::from))
}

/// The full cause chain on one line, each cause once.
pub fn chain(error: &finsam::Error) -> String {
    finsam::failure::one_line(error.to_string(), std::error::Error::source(error))
}

/// `finsam status | head -1`: when the reader of standard output has gone, `println!`
/// panics; that is no failure of the command, so it ends at once, quietly, with 0 (what
/// an error carrying a broken pipe does too, see [`is_broken_pipe`]). Every other panic is
/// told as before.
pub fn exit_quietly_on_broken_pipe() {
    let told = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(Exit::Ok as i32);
        }
        told(info);
    }));
}

pub fn is_broken_pipe(error: &finsam::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        source = cause.source();
    }
    false
}

pub fn exit_code_for(error: &finsam::Error) -> Exit {
    match error.kind() {
        Kind::InvalidInput => Exit::InvalidInput,
        Kind::Usage => Exit::Usage,
        Kind::Internal => Exit::Internal,
    }
}

/// Tells whoever publishes of the numbers disclosure control could not protect, by key
/// (once each, though several reports name them).
pub fn warn_unprotected<'k>(keys: impl IntoIterator<Item = &'k String>) {
    let keys: std::collections::BTreeSet<&String> = keys.into_iter().collect();
    let keys: Vec<String> = keys.into_iter().cloned().collect();
    if let Some(warning) = finsam::disclosure::unprotected_warning(&keys) {
        eprintln!("finsam: varning: {warning}");
    }
}

/// A duration as people here write it: `1,234` (seconds, decimal comma).
pub fn seconds(duration: std::time::Duration) -> String {
    format!("{:.3}", duration.as_secs_f64()).replace('.', ",")
}

/// A small runtime for the commands that query: DataFusion is async.
pub fn runtime() -> finsam::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| finsam::Error::io(std::path::Path::new("tokio"), e))
}

/// The line `finsam status` and an ingest print about persons whose participations
/// disagree (how many, never which).
pub fn print_differing(dataset: &finsam::store::Dataset, schema: &Schema) -> finsam::Result<()> {
    let differing = runtime()?.block_on(async {
        let engine = open_engine(dataset, schema, None, &ProjectSelection::All).await?;
        Ok::<_, finsam::Error>(finsam::quality::differing(&engine).await?)
    })?;
    match differing.summary() {
        Some(summary) => println!(
            "Olika uppgifter om samma person i olika deltaganden: {summary}; vilken uppgift som räknas står i docs/definitions.md"
        ),
        None => println!("Olika uppgifter om samma person i olika deltaganden: inga"),
    }
    Ok(())
}

/// The query engine with the underlag attached; says so when stored underlag was stale
/// and this command rebuilt it (stored for the next) or computed it for this run only.
pub async fn open_engine(
    dataset: &finsam::store::Dataset,
    schema: &Schema,
    queries: Option<&std::path::Path>,
    selection: &ProjectSelection,
) -> finsam::Result<finsam::query::Engine> {
    let (engine, attached) =
        finsam::underlag::open_engine(dataset, schema, queries, selection).await?;
    if !attached.stored.is_empty() {
        eprintln!(
            "finsam: obs: underlaget (queries/underlag) var inaktuellt för {} projekt och byggdes om och sparades; en inläsning bygger det annars",
            attached.stored.len()
        );
    }
    if !attached.computed.is_empty() {
        eprintln!(
            "finsam: obs: underlaget (queries/underlag) räknades fram för {} projekt i den här körningen; det lagrade var inaktuellt eller byggt med andra frågefiler",
            attached.computed.len()
        );
    }
    if let Some(error) = &attached.store_error {
        eprintln!("finsam: obs: underlaget kunde inte sparas ({error}); det räknades i minnet");
    }
    Ok(engine)
}
