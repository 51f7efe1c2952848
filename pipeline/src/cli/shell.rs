//! The interactive SQL shell (`finsam sql` without a query): a line editor with history
//! and completion over the engine the other commands use. What the backslash commands
//! show comes from [`finsam::workbench`]; this file is the terminal's side.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use finsam::output::{self, Format, Style};
use finsam::query::script::{self, ScriptStatement};
use finsam::query::{Engine, QueryResult, Unused};
use finsam::report::queries::QueryFile;
use finsam::schema::Schema;
use finsam::workbench::{self, Command, Meanings};
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use super::Exit;

/// What the command line set for the session.
pub struct Settings {
    pub format: Format,
    pub style: Style,
    pub detaljer: bool,
    pub params: Vec<(String, String)>,
    pub queries: Option<PathBuf>,
}

/// Where results go: the terminal, or the file `\o` named.
enum Sink {
    Terminal,
    File(PathBuf, std::fs::File),
}

struct Shell<'e> {
    engine: &'e Engine,
    schema: &'e Schema,
    runtime: &'e tokio::runtime::Runtime,
    meanings: Meanings,
    files: Vec<QueryFile>,
    settings: Settings,
    sink: Sink,
    timing: bool,
}

pub fn run(
    engine: &Engine,
    schema: &Schema,
    runtime: &tokio::runtime::Runtime,
    settings: Settings,
) -> finsam::Result<Exit> {
    let files = finsam::report::queries::catalogue(settings.queries.as_deref())?;
    let completion = Completion::new(engine, schema, &files);
    let mut shell = Shell {
        engine,
        schema,
        runtime,
        meanings: Meanings::of(schema, settings.queries.as_deref()),
        files,
        settings,
        sink: Sink::Terminal,
        timing: true,
    };
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)
        .map_err(readline_failed)?
        .max_history_size(5000)
        .map_err(readline_failed)?
        .build();
    let mut editor: Editor<Completion, FileHistory> =
        Editor::with_config(config).map_err(readline_failed)?;
    editor.set_helper(Some(completion));
    let history = history_file();
    if let Some(path) = &history {
        // None yet is the usual first time.
        let _ = editor.load_history(path);
    }
    println!(
        "SQL-skalet: {} tabeller. Avsluta satser med ; — \\? visar kommandona, \\q avslutar.",
        engine.names().tables.len()
    );
    loop {
        let line = match editor.readline("finsam> ") {
            Ok(line) => line,
            // Ctrl-C: the half-written statement is dropped, the shell stays.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(readline_failed(e)),
        };
        let input = line.trim();
        if input.is_empty() {
            continue;
        }
        remember(&mut editor, input, history.as_deref());
        if input.starts_with('\\') {
            match workbench::parse_command(input) {
                Ok(Command::Quit) => break,
                Ok(command) => shell.command(command, &mut editor),
                Err(message) => say(message),
            }
        } else {
            shell.script(input, &mut editor, None);
        }
    }
    Ok(Exit::Ok)
}

/// Tells the user something went wrong; what they typed may be in it, so anything shaped
/// like a personnummer is redacted first.
fn say(message: impl std::fmt::Display) {
    eprintln!(
        "{}",
        finsam::personnummer::redact_numbers(&message.to_string())
    );
}

fn readline_failed(error: ReadlineError) -> finsam::Error {
    finsam::Error::Output(format!("terminalen kunde inte läsas: {error}"))
}

/// Keeps a line in the history, in memory and on disk; never one that holds something
/// shaped like a personnummer (the history is a file in the user's home).
fn remember(editor: &mut Editor<Completion, FileHistory>, line: &str, file: Option<&Path>) {
    if finsam::personnummer::prose_contains_number(line) {
        return;
    }
    if editor.add_history_entry(line).unwrap_or(false)
        && let Some(file) = file
    {
        if let Some(parent) = file.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = editor.append_history(file);
    }
}

/// The history file: `FINSAM_HISTORIK`, or `finsam/sql_historik` in the user's data
/// folder (`XDG_DATA_HOME`, else `~/.local/share`).
fn history_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FINSAM_HISTORIK") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("finsam").join("sql_historik"))
}

impl Shell<'_> {
    fn command(&mut self, command: Command, editor: &mut Editor<Completion, FileHistory>) {
        match command {
            Command::Help => println!("{}", workbench::HELP),
            Command::Quit => {}
            Command::Describe(None) => {
                match self
                    .runtime
                    .block_on(workbench::tables(self.engine, &self.meanings))
                {
                    Ok(result) => self.show(&result, None),
                    Err(e) => say(e),
                }
            }
            Command::Describe(Some(table)) => {
                match self
                    .runtime
                    .block_on(workbench::columns(self.engine, &self.meanings, &table))
                {
                    Ok(Some(result)) => {
                        println!("{}: {}", table, self.meanings.of_table(&table));
                        self.show(&result, None)
                    }
                    Ok(None) => {
                        let names = self.engine.names().tables.keys().map(String::as_str);
                        let hint = finsam::query::advice::closest(&table, names)
                            .map(|m| format!("; menade du {m}?"))
                            .unwrap_or_else(|| "; \\d visar alla".into());
                        say(format!("tabellen {table} finns inte{hint}"));
                    }
                    Err(e) => say(e),
                }
            }
            Command::Codes(None) => self.show(&workbench::code_lists(self.schema), None),
            Command::Codes(Some(list)) => match workbench::code_list(self.schema, &list) {
                Some(result) => self.show(&result, None),
                None => {
                    let names = self.schema.code_lists.iter().map(|l| l.name.as_str());
                    let hint =
                        finsam::query::advice::closest(list.trim_start_matches("kod_"), names)
                            .map(|m| format!("; menade du {m}?"))
                            .unwrap_or_else(|| "; \\koder visar alla".into());
                    say(format!("kodlistan {list} finns inte{hint}"));
                }
            },
            Command::Query(None) => self.show(&workbench::query_file_table(&self.files), None),
            Command::Query(Some(name)) => match workbench::find_query_file(&self.files, &name) {
                Ok(file) => {
                    let file = file.clone();
                    println!("{}: {}", file.name, file.title);
                    self.script(&file.sql, editor, Some(&file));
                }
                Err(message) => say(message),
            },
            Command::Format(None) => println!("formatet är {}", self.settings.format.name()),
            Command::Format(Some(name)) => match Format::named(&name) {
                Some(format) if !format.is_binary() => {
                    self.settings.format = format;
                    println!("formatet är nu {}", format.name());
                }
                _ => eprintln!(
                    "\\format tar table, csv eller json (för Excel och Parquet: finsam sql --format … --out FIL)"
                ),
            },
            Command::Output(None) => {
                self.sink = Sink::Terminal;
                println!("resultaten skrivs till terminalen");
            }
            Command::Output(Some(path)) => {
                let path = PathBuf::from(path);
                match std::fs::File::create(&path) {
                    Ok(file) => {
                        println!("resultaten skrivs till {}", path.display());
                        self.sink = Sink::File(path, file);
                    }
                    Err(e) => say(format!("{}: {e}", path.display())),
                }
            }
            Command::Timing => {
                self.timing = !self.timing;
                println!(
                    "tiden visas {}",
                    if self.timing { "nu" } else { "inte längre" }
                );
            }
        }
    }

    /// Runs the statements of `text` in order, asking for the `$parameters` the command
    /// line did not give; stops at the first error.
    fn script(
        &mut self,
        text: &str,
        editor: &mut Editor<Completion, FileHistory>,
        file: Option<&QueryFile>,
    ) {
        let statements = match script::split(text) {
            Ok(statements) => statements,
            Err(error) => {
                super::sql::tell_query_error(&error, &None, text, None, self.settings.detaljer);
                return;
            }
        };
        let mut params = self.settings.params.clone();
        let mut prepared = Vec::with_capacity(statements.len());
        for statement in &statements {
            match self.runtime.block_on(self.engine.prepare(&statement.text)) {
                Ok(statement) => prepared.push(statement),
                Err(error) => {
                    self.tell(&error.in_script(statement), statement, text);
                    return;
                }
            }
        }
        let asking = |editor: &mut Editor<Completion, FileHistory>, on: bool| {
            if let Some(helper) = editor.helper() {
                helper.asking.set(on);
            }
        };
        for name in prepared.iter().flat_map(|p| &p.parameters) {
            if params.iter().any(|(n, _)| n == name) {
                continue;
            }
            let hint = file
                .map(|f| workbench::parameter_hint(f, name))
                .filter(|h| !h.is_empty())
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            asking(editor, true);
            let value = editor.readline(&format!("${name}{hint}: "));
            asking(editor, false);
            match value {
                Ok(value) => params.push((name.clone(), value.trim().to_string())),
                Err(_) => return,
            }
        }
        for (statement, prepared) in statements.iter().zip(prepared) {
            let started = Instant::now();
            // Ctrl-C stops the statement, not the shell. (Once tokio listens for it, it
            // never kills the process: in the pager it stops only the pager.)
            let outcome = self.runtime.block_on(async {
                tokio::select! {
                    result = self.engine.run_prepared(prepared, &params, Unused::Ignore) => Some(result),
                    _ = tokio::signal::ctrl_c() => None,
                }
            });
            let Some(outcome) = outcome else {
                eprintln!("avbruten");
                return;
            };
            match outcome {
                Ok(result) => {
                    for note in &result.notes {
                        eprintln!("obs: {note}");
                    }
                    let took = self.timing.then(|| started.elapsed());
                    self.show(&result, took);
                }
                Err(error) => {
                    self.tell(&error.in_script(statement), statement, text);
                    return;
                }
            }
        }
    }

    fn tell(&self, error: &finsam::query::QueryError, statement: &ScriptStatement, text: &str) {
        super::sql::tell_query_error(
            error,
            &Some(statement.clone()),
            text,
            None,
            self.settings.detaljer,
        );
    }

    /// Shows a result: on the terminal cut to its width and paged when longer than it;
    /// to the `\o` file whole.
    fn show(&mut self, result: &QueryResult, took: Option<std::time::Duration>) {
        let timing = took.map(|t| format!("tid {} s", super::seconds(t)));
        match &mut self.sink {
            Sink::File(path, file) => {
                let written =
                    output::write_styled(result, self.settings.format, &self.settings.style, file)
                        .and_then(|()| file.flush().map_err(|e| finsam::Error::Write(Box::new(e))));
                match written {
                    Ok(()) => println!(
                        "{} {} till {}{}",
                        result.row_count(),
                        if result.row_count() == 1 {
                            "rad"
                        } else {
                            "rader"
                        },
                        path.display(),
                        timing.map(|t| format!(" ({t})")).unwrap_or_default()
                    ),
                    Err(e) => say(format!("{}: {e}", path.display())),
                }
            }
            Sink::Terminal => {
                let (columns, rows) = terminal_size();
                let style = Style {
                    width: (self.settings.format == Format::Table).then_some(columns),
                    ..self.settings.style
                };
                let mut text = Vec::new();
                if let Err(e) =
                    output::write_styled(result, self.settings.format, &style, &mut text)
                {
                    say(e);
                    return;
                }
                if let Some(timing) = timing {
                    text.extend_from_slice(format!("{timing}\n").as_bytes());
                }
                let lines = text.iter().filter(|b| **b == b'\n').count();
                if lines + 2 > rows && std::io::stdout().is_terminal() && page(&text) {
                    return;
                }
                let mut stdout = std::io::stdout();
                let _ = stdout.write_all(&text).and_then(|()| stdout.flush());
            }
        }
    }
}

/// The terminal's columns and rows (80 × 24 when it cannot say); `COLUMNS` and `LINES`
/// win, as in other tools.
fn terminal_size() -> (usize, usize) {
    let from_env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    };
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok();
    let columns = from_env("COLUMNS")
        .or(size.map(|s| s.ws_col as usize))
        .filter(|c| *c > 0)
        .unwrap_or(80);
    let rows = from_env("LINES")
        .or(size.map(|s| s.ws_row as usize))
        .filter(|r| *r > 0)
        .unwrap_or(24);
    (columns, rows)
}

/// Shows `text` through the pager (`FINSAM_PAGER`, `PAGER`, or `less -FRX`); false
/// when there is none to run, and the text is still to be shown.
fn page(text: &[u8]) -> bool {
    let pager = std::env::var("FINSAM_PAGER")
        .or_else(|_| std::env::var("PAGER"))
        .unwrap_or_else(|_| "less -FRX".into());
    let mut words = pager.split_whitespace();
    let Some(program) = words.next() else {
        return false;
    };
    let Ok(mut child) = std::process::Command::new(program)
        .args(words)
        .stdin(std::process::Stdio::piped())
        .spawn()
    else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The reader may quit early (q in less): a broken pipe is no failure.
        let _ = stdin.write_all(text);
    }
    let _ = child.wait();
    true
}

/// Completion of table, column, code list and query file names, SQL's keywords and the
/// backslash commands; and the validation that reads on until a statement's `;`.
struct Completion {
    /// Names a word in SQL may be: tables, columns, functions, keywords.
    words: Vec<String>,
    tables: Vec<String>,
    code_lists: Vec<String>,
    query_files: Vec<String>,
    /// Reading a parameter's value, a line of its own, not a statement.
    asking: std::cell::Cell<bool>,
}

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "JOIN",
    "LEFT",
    "INNER",
    "ON",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "DISTINCT",
    "COUNT",
    "WITH",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "BETWEEN",
    "LIKE",
    "UNION",
    "ALL",
    "DESC",
    "ASC",
    "FILTER",
    "OVER",
    "PARTITION",
    "EXPLAIN",
    "DESCRIBE",
    "SHOW",
    "TABLES",
    "COLUMNS",
];

const COMMANDS: &[&str] = &[
    "\\d", "\\koder", "\\fraga", "\\format", "\\o", "\\tid", "\\?", "\\q",
];

impl Completion {
    fn new(engine: &Engine, schema: &Schema, files: &[QueryFile]) -> Completion {
        let names = engine.names();
        let tables: Vec<String> = names.tables.keys().cloned().collect();
        let mut words: Vec<String> = tables.clone();
        words.extend(names.tables.values().flatten().cloned());
        words.extend(names.functions.iter().cloned());
        words.extend(KEYWORDS.iter().map(|k| k.to_string()));
        words.sort();
        words.dedup();
        Completion {
            words,
            tables,
            code_lists: schema.code_lists.iter().map(|l| l.name.clone()).collect(),
            query_files: files
                .iter()
                .map(|f| f.name.trim_end_matches(".sql").to_string())
                .collect(),
            asking: std::cell::Cell::new(false),
        }
    }
}

impl Completer for Completion {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\\' || c == '/'))
            .map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
        let word = &before[start..];
        let command = before.split_whitespace().next().unwrap_or("");
        let in_command = before.trim_start().starts_with('\\') && start > 0;
        let pool: Vec<&str> = if word.starts_with('\\') {
            COMMANDS.to_vec()
        } else if in_command {
            match command {
                "\\d" => self.tables.iter().map(String::as_str).collect(),
                "\\koder" => self.code_lists.iter().map(String::as_str).collect(),
                "\\fraga" => self.query_files.iter().map(String::as_str).collect(),
                "\\format" => vec!["table", "csv", "json"],
                _ => vec![],
            }
        } else {
            self.words.iter().map(String::as_str).collect()
        };
        let lower = word.to_lowercase();
        let upper_case = !word.is_empty() && word.chars().all(|c| !c.is_lowercase());
        let candidates = pool
            .into_iter()
            .filter(|c| c.to_lowercase().starts_with(&lower))
            .map(|c| {
                // A keyword follows the case the user types it in.
                if KEYWORDS.contains(&c) && !upper_case {
                    c.to_lowercase()
                } else {
                    c.to_string()
                }
            })
            .collect();
        Ok((start, candidates))
    }
}

impl Validator for Completion {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        // A command is one line; a statement runs at its `;`.
        let asking = self.asking.get();
        if asking || input.is_empty() || input.starts_with('\\') || script::is_complete(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Hinter for Completion {
    type Hint = String;
}

impl Highlighter for Completion {}

impl Helper for Completion {}
