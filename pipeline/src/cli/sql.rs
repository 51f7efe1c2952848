use std::collections::BTreeSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use finsam::output::{self, Format, Style};
use finsam::query::script::{self, ScriptStatement};
use finsam::query::{Engine, ProjectSelection, QueryError, QueryResult, Unused};
use finsam::store::Dataset;

use super::{DataArgs, Exit};

/// Kör SQL (DataFusion) mot datamängden; utan fråga öppnas ett interaktivt skal.
///
/// Frågorna kan bara läsa: SELECT, SHOW TABLES, DESCRIBE tabell, EXPLAIN och
/// information_schema går bra; det som skriver, skapar eller ändrar inställningar körs
/// inte. En fil (eller standard in, -f -) får ha flera satser, åtskilda med ;.
///
/// Tabeller: deltagare, insatser, remisser, sjukskrivning, lss, ersattning, forsorjning,
/// moten, anonyma_arenden (var och en med partitionskolumnerna projekt och halvar),
/// kod_<lista> för varje kodlista, inlamningar, projekt och underlagen: \d i skalet
/// (eller SHOW TABLES) visar alla med vad de betyder. Parametrar är namngivna
/// platshållare ($halvar) som får värdena från --param; värdena klistras aldrig in i
/// frågans text.
///
/// Exempel:
///   finsam sql
///   finsam sql "SELECT projekt, halvar, count(*) FROM deltagare GROUP BY 1, 2 ORDER BY 1, 2"
///   finsam sql -f queries/exempel/deltagare_per_halvar.sql --param projekt=SIGMA --format csv
///   finsam sql -f analys.sql --format xlsx --out analys.xlsx
///   finsam sql -f - --format csv --csv-sep ';' --decimal-comma < fraga.sql > svar.csv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Frågan (eller --file); utan fråga och fil öppnas skalet, eller läses satserna från
    /// standard in när den inte är en terminal.
    #[arg(value_name = "FRÅGA", conflicts_with = "file")]
    query: Option<String>,
    /// Läs satserna från en .sql-fil; - läser standard in.
    #[arg(short, long, value_name = "FIL")]
    file: Option<PathBuf>,
    /// Ett värde för platshållaren $namn, som namn=värde; upprepa för flera.
    #[arg(short, long = "param", value_name = "NAMN=VÄRDE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Resultatets format.
    #[arg(long, default_value = "table", value_parser = format_parser())]
    format: Format,
    /// Fältavgränsaren i CSV: ';' är vad svenska Excel öppnar.
    #[arg(long = "csv-sep", value_name = "TECKEN", default_value = ",")]
    csv_sep: char,
    /// Decimaltal med komma (0,25) i CSV, som svenska Excel läser dem; filen börjar då
    /// med en BOM, så att Excel läser å, ä och ö rätt.
    #[arg(long = "decimal-comma")]
    decimal_comma: bool,
    /// Skriv till den här filen i stället för till standard ut.
    #[arg(short, long, value_name = "FIL")]
    out: Option<PathBuf>,
    /// Visa också DataFusions egen text när en fråga inte går att köra.
    #[arg(long)]
    detaljer: bool,
    /// Läs frågefilerna (\fraga i skalet, underlagen) från den här mappen i stället
    /// för de inbyggda.
    #[arg(long, value_name = "MAPP")]
    queries: Option<PathBuf>,
    /// Skriv hur lång tid varje sats tog att planera och köra (inte att öppna
    /// datamängden eller skriva resultatet) på standard fel.
    #[arg(long)]
    tid: bool,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or("skriv parametern som namn=värde")?;
    let name = name.trim().trim_start_matches('$');
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("ogiltigt parameternamn \"{name}\""));
    }
    Ok((name.to_string(), value.to_string()))
}

/// Where the statements come from.
enum Source {
    Text(String),
    File(PathBuf, String),
    Shell,
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let schema = data.schema()?;
    let source = match (&args.query, &args.file) {
        (Some(query), _) => Source::Text(query.clone()),
        (None, Some(file)) if file.as_os_str() == "-" => Source::Text(read_stdin()?),
        (None, Some(file)) => Source::File(
            file.clone(),
            without_bom(std::fs::read_to_string(file).map_err(|e| finsam::Error::io(file, e))?),
        ),
        (None, None) if std::io::stdin().is_terminal() => Source::Shell,
        (None, None) => Source::Text(read_stdin()?),
    };
    if !args.csv_sep.is_ascii() || args.csv_sep == '"' || args.csv_sep == '\n' {
        return Err(finsam::Error::Usage(format!(
            "--csv-sep måste vara ett enkelt tecken som ; , eller tab (inte {:?})",
            args.csv_sep
        )));
    }
    if matches!(source, Source::Shell) && (args.out.is_some() || args.format.is_binary()) {
        return Err(finsam::Error::Usage(
            "--out och --format xlsx/parquet gäller en fråga eller en fil; i skalet skriver \\o FIL resultaten till en fil".into(),
        ));
    }
    if args.format.is_binary() && args.out.is_none() {
        return Err(finsam::Error::Usage(format!(
            "--format {} skriver en fil: ange --out FIL",
            args.format.name()
        )));
    }
    let style = Style {
        csv_separator: args.csv_sep as u8,
        decimal_comma: args.decimal_comma,
        width: None,
    };
    let dataset = Dataset::open(&data.data, &schema)?;
    let runtime = super::runtime()?;
    let engine = runtime.block_on(super::open_engine(
        &dataset,
        &schema,
        args.queries.as_deref(),
        &ProjectSelection::All,
    ))?;
    let (script, file) = match source {
        Source::Shell => {
            let settings = super::shell::Settings {
                format: args.format,
                style,
                detaljer: args.detaljer,
                params: args.params.clone(),
                queries: args.queries.clone(),
            };
            return super::shell::run(&engine, &schema, &runtime, settings);
        }
        Source::Text(text) => (text, None),
        Source::File(path, text) => (text, Some(path)),
    };
    let outcome = runtime.block_on(run_script(&engine, &script, &args, &style));
    match outcome {
        Ok(()) => Ok(Exit::Ok),
        Err(Failure::Query(error, statement)) => {
            tell_query_error(&error, &statement, &script, file.as_deref(), args.detaljer);
            Ok(super::exit_code_for(&finsam::Error::Query(error)))
        }
        Err(Failure::Other(error)) => Err(error),
    }
}

fn read_stdin() -> finsam::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| finsam::Error::io(Path::new("<standard in>"), e))?;
    Ok(without_bom(text))
}

/// The text without the byte-order mark Windows editors start a UTF-8 file with.
fn without_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

enum Failure {
    /// A statement's error, with the statement (its place in the script).
    Query(QueryError, Option<ScriptStatement>),
    Other(finsam::Error),
}

impl From<finsam::Error> for Failure {
    fn from(error: finsam::Error) -> Failure {
        Failure::Other(error)
    }
}

/// Runs every statement of `script` in order, writing each result as it comes (Excel:
/// one sheet per statement, written at the end); stops at the first error.
async fn run_script(
    engine: &Engine,
    script: &str,
    args: &Args,
    style: &Style,
) -> Result<(), Failure> {
    let statements = script::split(script).map_err(|e| Failure::Query(e, None))?;
    if statements.is_empty() {
        return Err(Failure::Query(QueryError::Empty, None));
    }
    if args.format == Format::Parquet && statements.len() > 1 {
        return Err(Failure::Other(finsam::Error::Usage(format!(
            "--format parquet skriver en fråga per fil; skriptet har {} satser",
            statements.len()
        ))));
    }
    // Every statement is planned before any runs; a parameter no statement uses is
    // probably a misspelt name.
    let failed = |statement: &ScriptStatement| {
        let statement = statement.clone();
        move |e: QueryError| Failure::Query(e.in_script(&statement), Some(statement))
    };
    let mut prepared = Vec::with_capacity(statements.len());
    let mut took = Vec::with_capacity(statements.len());
    for statement in &statements {
        let started = Instant::now();
        prepared.push(
            engine
                .prepare(&statement.text)
                .await
                .map_err(failed(statement))?,
        );
        took.push(started.elapsed());
    }
    let wanted: BTreeSet<String> = prepared
        .iter()
        .flat_map(|p| p.parameters.iter().cloned())
        .collect();
    if let Some((unused, _)) = args.params.iter().find(|(n, _)| !wanted.contains(n)) {
        let wanted: Vec<String> = wanted.into_iter().collect();
        return Err(Failure::Query(QueryError::unused(unused, &wanted), None));
    }
    let mut out = Destination::open(args.out.as_deref());
    if args.format == Format::Csv && args.decimal_comma {
        // Excel takes a CSV file without one for the Windows code page.
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut sheets: Vec<(String, QueryResult)> = Vec::new();
    for (index, (statement, prepared)) in statements.iter().zip(prepared).enumerate() {
        let started = Instant::now();
        let result = engine
            .run_prepared(prepared, &args.params, Unused::Ignore)
            .await
            .map_err(failed(statement))?;
        if args.tid {
            let took = took[index] + started.elapsed();
            eprintln!("finsam: sats {} tog {} s", index + 1, super::seconds(took));
        }
        for note in &result.notes {
            eprintln!("finsam: obs: {note}");
        }
        match args.format {
            Format::Xlsx => sheets.push((format!("Fråga {}", index + 1), result)),
            format => {
                if index > 0 && !format.is_binary() {
                    out.write_all(b"\n")?;
                }
                out.write_result(&result, format, style)?;
            }
        }
    }
    if args.format == Format::Xlsx {
        let named: Vec<(String, &QueryResult)> = sheets
            .iter()
            .map(|(name, result)| (name.clone(), result))
            .collect();
        out.write_all(&output::xlsx(&named)?)?;
    }
    out.finish()?;
    Ok(())
}

/// Standard out, or a file written whole and atomically at the end.
enum Destination {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File {
        path: PathBuf,
        bytes: Vec<u8>,
        rows: usize,
    },
}

impl Destination {
    fn open(path: Option<&Path>) -> Destination {
        match path {
            Some(path) => Destination::File {
                path: path.to_path_buf(),
                bytes: Vec::new(),
                rows: 0,
            },
            None => Destination::Stdout(std::io::BufWriter::new(std::io::stdout())),
        }
    }

    fn write_result(
        &mut self,
        result: &QueryResult,
        format: Format,
        style: &Style,
    ) -> finsam::Result<()> {
        match self {
            Destination::Stdout(out) => output::write_styled(result, format, style, out),
            Destination::File { bytes, rows, .. } => {
                *rows += result.row_count();
                output::write_styled(result, format, style, bytes)
            }
        }
    }

    fn write_all(&mut self, data: &[u8]) -> finsam::Result<()> {
        match self {
            Destination::Stdout(out) => out
                .write_all(data)
                .map_err(|e| finsam::Error::Write(Box::new(e))),
            Destination::File { bytes, .. } => {
                bytes.extend_from_slice(data);
                Ok(())
            }
        }
    }

    fn finish(self) -> finsam::Result<()> {
        match self {
            Destination::Stdout(mut out) => {
                out.flush().map_err(|e| finsam::Error::Write(Box::new(e)))
            }
            Destination::File { path, bytes, rows } => {
                finsam::store::write_atomic(&path, &bytes)?;
                eprintln!("{rows} rader skrivna till {}", path.display());
                Ok(())
            }
        }
    }
}

/// Tells a statement's error on standard error: the message, the line it points at with
/// a mark under the place, and with `--detaljer` DataFusion's own text.
pub fn tell_query_error(
    error: &QueryError,
    statement: &Option<ScriptStatement>,
    script: &str,
    file: Option<&Path>,
    detaljer: bool,
) {
    let mut message =
        finsam::failure::one_line(error.to_string(), std::error::Error::source(error));
    // Where the error has no place of its own (it arose as the statement ran), the
    // statement's line says which.
    if let Some(statement) = statement
        && error.position().is_none()
    {
        message = format!("satsen på rad {}: {message}", statement.line);
    }
    if let Some(file) = file {
        message = format!("{}: {message}", file.display());
    }
    eprintln!("finsam: {message}");
    if let Some((line, column)) = error.position()
        && let Some(pointer) = finsam::query::advice::pointer(script, line, column)
    {
        eprintln!("{pointer}");
    }
    if detaljer && let Some(detail) = error.detail() {
        eprintln!(
            "DataFusion: {}",
            finsam::personnummer::redact_numbers(&detail)
        );
    }
}

/// `--format`: one of the output formats, by name (clap lists them in the help).
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    let described = Format::ALL.map(|format| {
        let help = match format {
            Format::Table => "Tabell för terminalen",
            Format::Csv => "CSV, kolumnnamnen på första raden",
            Format::Json => "Ett JSON-objekt per rad, i en lista",
            Format::Parquet => "En Parquet-fil (kräver --out)",
            Format::Xlsx => "En Excel-arbetsbok, ett blad per sats (kräver --out)",
        };
        clap::builder::PossibleValue::new(format.name()).help(help)
    });
    clap::builder::PossibleValuesParser::new(described)
        .map(|name| Format::named(&name).expect("clap accepts only the names listed"))
}
