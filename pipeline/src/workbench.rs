//! The evaluator's workbench: what the SQL shell (`finsam sql` without a query) and the
//! analysis extract say about the dataset besides query results. Every table and column
//! with its meaning, the code lists with their labels, the bundled query files, and the
//! shell's backslash commands.
//!
//! The meanings come from the schema (`schemas/`: each table's and column's
//! description, each code list's labels), from the headers of the query files (the
//! underlag tables) and, for the tables the engine itself makes (the code-list tables,
//! `inlamningar`, the registry), from [`ENGINE_TABLES`] below, beside the code in
//! [`crate::query`] that makes them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema as ArrowSchema};

use crate::query::{Engine, QueryError, QueryResult};
use crate::report::queries::{QueryFile, catalogue};
use crate::schema::{ColumnKind, PARTITION_COLUMNS, Schema};

/// A table the engine makes itself: its name, its meaning and its columns' (name,
/// meaning).
pub type EngineTable = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The tables the engine makes itself.
pub const ENGINE_TABLES: &[EngineTable] = &[
    (
        "inlamningar",
        "Den aktuella inlämningen för varje projekt och halvår",
        &[
            ("projekt", "Projektets kortnamn"),
            ("halvar", "Halvåret inlämningen gäller, t.ex. 2008H1"),
            ("id", "Inlämningens id (samma som i loggen)"),
            ("inlast", "När den lästes in (RFC 3339)"),
            ("schemaversion", "Schemaversionen mallen hade"),
            ("deltagare_rader", "Antal rader i deltagare"),
        ],
    ),
    (
        "projekt",
        "Projektregistret (DATA/projekt.toml): ett projekt per rad",
        &[
            ("kortnamn", "Projektets kortnamn, som i kolumnen projekt"),
            ("namn", "Projektets fullständiga namn"),
            ("forbund", "Samordningsförbundet"),
            ("start", "Projektets första dag"),
            ("slut", "Projektets sista dag (tom: pågår)"),
            ("malgrupp", "Målgruppen i ord"),
        ],
    ),
    (
        "projekt_kommuner",
        "Kommunerna varje projekt betjänar: en rad per projekt och kommun",
        &[
            ("projekt", "Projektets kortnamn"),
            ("kommunkod", "Kommunkoden (fyra siffror, SCB)"),
        ],
    ),
    (
        "kontext",
        "Kommunernas egna siffror (Kolada, SCB, Öppna jämförelser, Försörjningsmått): en rad per källa, indikator, område, år, kön och åldersband",
        &[
            (
                "kalla",
                "Källan: Kolada, SCB, Öppna jämförelser 2015 eller Försörjningsmått 2014",
            ),
            (
                "indikator",
                "Källans id för indikatorn (Koladas KPI, t.ex. N31807)",
            ),
            ("titel", "Indikatorns titel som källan har den"),
            (
                "kommunkod",
                "Området: kommunkod, län som 00 + länskod (0006), riket 0000",
            ),
            ("namn", "Områdets namn"),
            ("ar", "Året värdet gäller"),
            ("kon", "T (totalt), K eller M"),
            ("varde", "Värdet; tomt när källan saknar det (se status)"),
            ("enhet", "procent, kronor, antal, dagar eller klass"),
            (
                "aldersband",
                "Åldrarna värdet gäller (16-64, 20-64, alla); tomt när källan inte säger",
            ),
            ("hamtad", "När värdet hämtades eller lästes in"),
            ("status", "Källans anmärkning, t.ex. Koladas Missing"),
        ],
    ),
    (
        "projekt_budget",
        "Projektens budget: en rad per projekt och år",
        &[
            ("projekt", "Projektets kortnamn"),
            ("ar", "Året"),
            ("kronor", "Budgeten i kronor"),
        ],
    ),
];

/// What every table and column means.
#[derive(Debug, Clone, Default)]
pub struct Meanings {
    tables: BTreeMap<String, String>,
    columns: BTreeMap<(String, String), String>,
}

impl Meanings {
    pub fn of(schema: &Schema, queries_dir: Option<&Path>) -> Meanings {
        let mut meanings = Meanings::default();
        let partition = |meanings: &mut Meanings, table: &str| {
            meanings.column(table, "projekt", "Projektets kortnamn (partitionskolumn)");
            meanings.column(
                table,
                "halvar",
                "Halvåret för inlämningen som raden kommer från, t.ex. 2008H1 (partitionskolumn)",
            );
        };
        for table in &schema.tables {
            let mut meaning = table.label.clone();
            if !table.description.is_empty() {
                meaning = format!("{meaning}: {}", table.description);
            }
            if !table.identity.is_empty() {
                meaning.push_str(" (varje händelse i sin senaste version)");
                let all = crate::query::all_versions(&table.name);
                meanings.table(
                    &all,
                    &format!(
                        "{}: varje version av varje rad, som den lämnades in",
                        table.label
                    ),
                );
            }
            meanings.table(&table.name, &meaning);
            for column in &table.columns {
                if PARTITION_COLUMNS.contains(&column.name.as_str()) {
                    continue;
                }
                let mut text = column.description.clone();
                if text.is_empty() {
                    text = column.label.clone();
                }
                match &column.kind {
                    ColumnKind::Code { list } => {
                        text.push_str(&format!(" (en kod; \\koder {list})"))
                    }
                    ColumnKind::Codes { list } => {
                        text.push_str(&format!(" (en lista av koder; \\koder {list})"))
                    }
                    ColumnKind::Person => text.push_str(" (pseudonym, aldrig personnumret)"),
                    _ => {}
                }
                meanings.column(&table.name, &column.name, &text);
                if !table.identity.is_empty() {
                    let all = crate::query::all_versions(&table.name);
                    meanings.column(&all, &column.name, &text);
                }
            }
            partition(&mut meanings, &table.name);
            if !table.identity.is_empty() {
                partition(&mut meanings, &crate::query::all_versions(&table.name));
            }
        }
        for list in &schema.code_lists {
            let name = format!("kod_{}", list.name);
            meanings.table(&name, &format!("Kodlistan {}: {}", list.name, list.label));
            meanings.column(&name, "kod", "Koden, som den lagras och jämförs i SQL");
            meanings.column(&name, "etikett", "Koden i ord, som mallen visar den");
            meanings.column(&name, "ordning", "Kodens plats i listan, från 1");
            for (attribute, meaning) in &list.attributes {
                meanings.column(&name, attribute, meaning);
            }
        }
        for (table, meaning, columns) in ENGINE_TABLES {
            meanings.table(table, meaning);
            for (column, meaning) in *columns {
                meanings.column(table, column, meaning);
            }
        }
        if let Ok(files) = catalogue(queries_dir) {
            for file in files {
                if let Some(name) = file
                    .name
                    .strip_prefix("underlag/")
                    .and_then(|n| n.strip_suffix(".sql"))
                {
                    meanings.table(name, &format!("Underlag: {}", file.title));
                }
            }
        }
        meanings
    }

    fn table(&mut self, table: &str, meaning: &str) {
        self.tables.insert(table.to_string(), meaning.to_string());
    }

    fn column(&mut self, table: &str, column: &str, meaning: &str) {
        self.columns
            .insert((table.to_string(), column.to_string()), meaning.to_string());
    }

    pub fn of_table(&self, table: &str) -> &str {
        self.tables.get(table).map_or("", String::as_str)
    }

    pub fn of_column(&self, table: &str, column: &str) -> &str {
        self.columns
            .get(&(table.to_string(), column.to_string()))
            .map_or("", String::as_str)
    }
}

/// A result of text columns, to show with the query results' formats.
pub fn text_result(headers: &[&str], rows: Vec<Vec<String>>) -> QueryResult {
    let schema = Arc::new(ArrowSchema::new(
        headers
            .iter()
            .map(|h| Field::new(*h, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let columns = (0..headers.len())
        .map(|i| {
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r[i].as_str()),
            )) as datafusion::arrow::array::ArrayRef
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .expect("every row has a value for every header");
    QueryResult {
        schema,
        batches: vec![batch],
        notes: vec![],
    }
}

/// A column type as an evaluator reads it.
pub fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text".into(),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "heltal".into(),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "decimaltal".into(),
        DataType::Decimal128(..) | DataType::Decimal256(..) => "decimaltal".into(),
        DataType::Date32 | DataType::Date64 => "datum".into(),
        DataType::Boolean => "ja/nej".into(),
        DataType::List(item) | DataType::LargeList(item) => {
            format!("lista av {}", type_name(item.data_type()))
        }
        DataType::Timestamp(..) => "tidpunkt".into(),
        other => other.to_string(),
    }
}

/// `\d`: every table with what it holds and its number of columns.
pub async fn tables(engine: &Engine, meanings: &Meanings) -> Result<QueryResult, QueryError> {
    let rows = engine
        .tables()
        .await?
        .into_iter()
        .map(|(name, schema)| {
            vec![
                name.clone(),
                meanings.of_table(&name).to_string(),
                schema.fields().len().to_string(),
            ]
        })
        .collect();
    Ok(text_result(&["tabell", "betydelse", "kolumner"], rows))
}

/// `\d tabell`: the table's columns with their types and meanings; `None` for a table
/// the engine does not have.
pub async fn columns(
    engine: &Engine,
    meanings: &Meanings,
    table: &str,
) -> Result<Option<QueryResult>, QueryError> {
    let Some((name, schema)) = engine
        .tables()
        .await?
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(table))
    else {
        return Ok(None);
    };
    let rows = schema
        .fields()
        .iter()
        .map(|field| {
            vec![
                field.name().clone(),
                type_name(field.data_type()),
                meanings.of_column(&name, field.name()).to_string(),
            ]
        })
        .collect();
    Ok(Some(text_result(&["kolumn", "typ", "betydelse"], rows)))
}

/// `\koder`: every code list with its meaning and number of codes.
pub fn code_lists(schema: &Schema) -> QueryResult {
    let rows = schema
        .code_lists
        .iter()
        .map(|list| {
            vec![
                list.name.clone(),
                list.label.clone(),
                list.codes.len().to_string(),
            ]
        })
        .collect();
    text_result(&["lista", "betydelse", "koder"], rows)
}

/// `\koder lista`: the list's codes with their labels, aliases and attributes; `None`
/// for a list the schema does not have.
pub fn code_list(schema: &Schema, name: &str) -> Option<QueryResult> {
    let name = name.trim_start_matches("kod_");
    let list = schema
        .code_lists
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(name))?;
    let attributes: Vec<&String> = list.attributes.keys().collect();
    let mut headers = vec!["kod", "etikett", "skrivs också"];
    headers.extend(attributes.iter().map(|a| a.as_str()));
    let rows = list
        .codes
        .iter()
        .map(|code| {
            let mut row = vec![
                code.code.clone(),
                code.label.clone(),
                code.aliases.join(", "),
            ];
            for attribute in &attributes {
                row.push(match code.attributes.get(*attribute) {
                    Some(crate::schema::AttributeValue::Bool(b)) => {
                        if *b { "ja" } else { "nej" }.to_string()
                    }
                    Some(crate::schema::AttributeValue::Text(t)) => t.clone(),
                    None => String::new(),
                });
            }
            row
        })
        .collect();
    Some(text_result(&headers, rows))
}

/// The query files as a table: file, title, parameters.
pub fn query_file_table(files: &[QueryFile]) -> QueryResult {
    let rows = files
        .iter()
        .map(|f| {
            vec![
                f.name.trim_end_matches(".sql").to_string(),
                f.title.clone(),
                f.parameters.clone(),
            ]
        })
        .collect();
    text_result(&["fråga", "titel", "parametrar"], rows)
}

/// The query file `name` names: its path under `queries/` with or without `.sql`, or a
/// file name that only one folder has.
pub fn find_query_file<'f>(files: &'f [QueryFile], name: &str) -> Result<&'f QueryFile, String> {
    let wanted = name.trim().trim_end_matches(".sql");
    if let Some(file) = files
        .iter()
        .find(|f| f.name.trim_end_matches(".sql") == wanted)
    {
        return Ok(file);
    }
    let by_file_name: Vec<&QueryFile> = files
        .iter()
        .filter(|f| {
            f.name
                .trim_end_matches(".sql")
                .rsplit('/')
                .next()
                .is_some_and(|n| n == wanted)
        })
        .collect();
    match by_file_name.as_slice() {
        [one] => Ok(one),
        [] => {
            let names: Vec<&str> = files
                .iter()
                .map(|f| f.name.trim_end_matches(".sql"))
                .collect();
            let suggestion = crate::query::advice::closest(wanted, names.iter().copied())
                .map(|n| format!("; menade du {n}?"))
                .unwrap_or_else(|| "; \\fraga listar dem".to_string());
            Err(format!("det finns ingen fråga {wanted}{suggestion}"))
        }
        several => Err(format!(
            "{wanted} finns i flera mappar: {}",
            several
                .iter()
                .map(|f| f.name.trim_end_matches(".sql"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// What a query file's header says of one of its `$parameters`: the text after
/// `$name` in `-- Parametrar:` up to the next parameter.
pub fn parameter_hint(file: &QueryFile, name: &str) -> String {
    let marker = format!("${name}");
    let Some(start) = file.parameters.find(&marker) else {
        return String::new();
    };
    let rest = &file.parameters[start + marker.len()..];
    let end = rest.find(", $").unwrap_or(rest.len());
    rest[..end]
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim()
        .to_string()
}

/// A backslash command of the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `\?`, `\h`, `\hjälp`
    Help,
    /// `\q`
    Quit,
    /// `\d` or `\d tabell`
    Describe(Option<String>),
    /// `\koder` or `\koder lista`
    Codes(Option<String>),
    /// `\fraga` or `\fraga namn`
    Query(Option<String>),
    /// `\format` or `\format table|csv|json`
    Format(Option<String>),
    /// `\o fil`, or `\o` back to the terminal
    Output(Option<String>),
    /// `\tid`: timing on or off
    Timing,
}

/// The shell's help, as `\?` shows it.
pub const HELP: &str = "\
Skriv SQL och avsluta satsen med ; (den kan gå över flera rader). Tab fyller i tabell- och
kolumnnamn. Frågorna kan bara läsa; SHOW TABLES, DESCRIBE tabell och EXPLAIN går bra.

  \\d               alla tabeller, med vad de innehåller
  \\d tabell        tabellens kolumner, typer och betydelse
  \\koder           alla kodlistor
  \\koder lista     listans koder och etiketter (t.ex. \\koder avslutsorsak)
  \\fraga           de inbyggda frågefilerna
  \\fraga namn      kör en frågefil; dess $parametrar efterfrågas (t.ex. \\fraga halvar/aktuella)
  \\format f        resultatens format: table, csv eller json
  \\o fil           skriv resultaten till filen; \\o utan fil: till terminalen igen
  \\tid             visa eller dölj tiden för varje sats
  \\?               den här hjälpen
  \\q               avsluta (eller Ctrl-D)";

/// The command a line starting with `\` gives.
pub fn parse_command(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_end_matches(';').trim();
    let (name, argument) = match line.split_once(char::is_whitespace) {
        Some((name, rest)) => (
            name,
            Some(rest.trim().to_string()).filter(|r| !r.is_empty()),
        ),
        None => (line, None),
    };
    let none = |command: Command| match &argument {
        None => Ok(command),
        Some(extra) => Err(format!("{name} tar inget argument (fick {extra})")),
    };
    match name {
        "\\?" | "\\h" | "\\hjälp" | "\\help" => none(Command::Help),
        "\\q" | "\\quit" | "\\avsluta" => none(Command::Quit),
        "\\d" | "\\dt" => Ok(Command::Describe(argument)),
        "\\koder" | "\\kod" => Ok(Command::Codes(argument)),
        "\\fraga" | "\\fråga" => Ok(Command::Query(argument)),
        "\\format" => Ok(Command::Format(argument)),
        "\\o" => Ok(Command::Output(argument)),
        "\\tid" | "\\timing" => none(Command::Timing),
        other => Err(format!("okänt kommando {other}: \\? visar kommandona")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_with_their_arguments() {
        assert_eq!(parse_command("\\d"), Ok(Command::Describe(None)));
        assert_eq!(
            parse_command("\\d  deltagare ;"),
            Ok(Command::Describe(Some("deltagare".into())))
        );
        assert_eq!(
            parse_command("\\koder avslutsorsak"),
            Ok(Command::Codes(Some("avslutsorsak".into())))
        );
        assert_eq!(parse_command("\\q"), Ok(Command::Quit));
        assert!(parse_command("\\q nu").is_err());
        assert!(parse_command("\\x").unwrap_err().contains("okänt kommando"));
    }

    #[test]
    fn every_table_and_column_of_the_schema_has_a_meaning() {
        let schema = Schema::bundled().unwrap();
        let meanings = Meanings::of(&schema, None);
        for table in &schema.tables {
            assert!(!meanings.of_table(&table.name).is_empty(), "{}", table.name);
            for column in &table.columns {
                assert!(
                    !meanings.of_column(&table.name, &column.name).is_empty(),
                    "{}.{}",
                    table.name,
                    column.name
                );
            }
        }
        assert!(meanings.of_table("deltagande").starts_with("Underlag: "));
        assert!(
            meanings
                .of_column("deltagare", "avslutsorsak")
                .contains("\\koder avslutsorsak")
        );
    }

    #[test]
    fn a_code_list_shows_codes_labels_and_attributes() {
        let schema = Schema::bundled().unwrap();
        let result = code_list(&schema, "kod_avslutsorsak").unwrap();
        let names = result.column_names();
        assert_eq!(names, ["kod", "etikett", "skrivs också", "exkluderas"]);
        assert!(code_list(&schema, "finns_inte").is_none());
    }

    #[test]
    fn a_query_file_is_found_by_its_path_or_its_unique_name() {
        let files = catalogue(None).unwrap();
        assert_eq!(
            find_query_file(&files, "halvar/aktuella").unwrap().name,
            "halvar/aktuella.sql"
        );
        assert_eq!(
            find_query_file(&files, "deltagare_per_halvar.sql")
                .unwrap()
                .name,
            "exempel/deltagare_per_halvar.sql"
        );
        assert!(
            find_query_file(&files, "halvar/aktuela")
                .unwrap_err()
                .contains("menade du halvar/aktuella")
        );
        let file = find_query_file(&files, "halvar/aktuella").unwrap();
        assert!(
            parameter_hint(file, "halvar").contains("2008H1"),
            "{}",
            parameter_hint(file, "halvar")
        );
    }
}
