//! The on-disk shape of the schema files and their checks.
//!
//! `schema.toml` (version, table order), `kodlistor.toml` (code lists) and one file
//! per table under `tabeller/`. Unknown keys are errors, so a typo in a schema file
//! fails loudly instead of silently dropping a rule.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use super::codes::{AttributeValue, Code, CodeList};
use super::{
    CodeDefault, ColumnDef, ColumnKind, Derivation, Participation, Plausible, Schema, SchemaError,
    TableDef,
};

const SCHEMA_FILE: &str = "schema.toml";
const CODES_FILE: &str = "kodlistor.toml";
/// Code lists too long to read among the others: Sveriges kommuner and län.
const MUNICIPALITIES_FILE: &str = "kommuner.toml";
const CODE_FILES: [&str; 2] = [CODES_FILE, MUNICIPALITIES_FILE];
const TABLE_DIR: &str = "tabeller";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    version: u32,
    tables: Vec<String>,
    earliest_date: String,
    #[serde(default, rename = "history")]
    _history: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeListFile {
    label: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    codes: Vec<CodeEntry>,
}

#[derive(Deserialize)]
struct CodeEntry {
    code: String,
    label: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default = "first_version")]
    since: u32,
    #[serde(flatten)]
    attributes: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    name: String,
    label: String,
    description: String,
    #[serde(default)]
    unique: Vec<String>,
    #[serde(default)]
    identity: Vec<String>,
    participation: Option<ParticipationEntry>,
    within_participation: Option<String>,
    #[serde(default = "first_version")]
    since: u32,
    /// Rows the blank template is filled in with (column name → text).
    #[serde(default)]
    default_rows: Vec<BTreeMap<String, String>>,
    columns: Vec<ColumnEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipationEntry {
    start: String,
    end: String,
    void: Option<CodeDefaultEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnEntry {
    name: String,
    label: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: bool,
    #[serde(default = "first_version")]
    since: u32,
    description: String,
    codes: Option<String>,
    min: Option<toml::Value>,
    max: Option<toml::Value>,
    #[serde(default)]
    allowed: Vec<i64>,
    #[serde(default)]
    allow_month: bool,
    derive: Option<String>,
    references: Option<String>,
    not_before: Option<String>,
    default_from_code: Option<CodeDefaultEntry>,
    plausible_age: Option<AgeEntry>,
    plausible_days: Option<i64>,
    plausible_sum: Option<SumEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgeEntry {
    at: String,
    min: i64,
    max: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SumEntry {
    per: Vec<String>,
    max: f64,
    empty: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeDefaultEntry {
    column: String,
    attribute: String,
}

fn first_version() -> u32 {
    1
}

/// Reads every schema file of a folder into (relative path, text) pairs.
pub(super) fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, SchemaError> {
    let read = |relative: String| {
        let path = dir.join(&relative);
        fs::read_to_string(&path)
            .map(|text| (relative, text))
            .map_err(|source| SchemaError::Read { path, source })
    };
    let mut files = vec![read(SCHEMA_FILE.into())?];
    files.push(read(CODES_FILE.into())?);
    // SCB's kommuner are SCB's, not a förbund's to edit: a schema folder made before
    // finsam had the list reads the bundled one.
    match read(MUNICIPALITIES_FILE.into()) {
        Ok(file) => files.push(file),
        Err(SchemaError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let bundled = crate::bundled::files("schemas")
                .find(|(path, _)| *path == MUNICIPALITIES_FILE)
                .map(|(path, text)| (path.to_string(), text.to_string()))
                .expect("the binary bundles kommuner.toml");
            files.push(bundled);
        }
        Err(other) => return Err(other),
    }
    let table_dir = dir.join(TABLE_DIR);
    let entries = fs::read_dir(&table_dir).map_err(|source| SchemaError::Read {
        path: table_dir.clone(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| SchemaError::Read {
            path: table_dir.clone(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") {
            files.push(read(format!("{TABLE_DIR}/{name}"))?);
        }
    }
    Ok(files)
}

pub(super) fn parse(files: Vec<(String, String)>) -> Result<Schema, SchemaError> {
    let texts: HashMap<String, String> = files.into_iter().collect();
    let text = |file: &str| {
        texts.get(file).ok_or_else(|| SchemaError::Inconsistent {
            file: file.to_string(),
            message: "filen saknas".into(),
        })
    };
    let head: SchemaFile = decode(SCHEMA_FILE, text(SCHEMA_FILE)?)?;
    let earliest_date =
        NaiveDate::parse_from_str(&head.earliest_date, "%Y-%m-%d").map_err(|_| {
            inconsistent(
                SCHEMA_FILE,
                format!("earliest_date \"{}\" är inget datum", head.earliest_date),
            )
        })?;

    let mut code_lists: Vec<CodeList> = Vec::new();
    for file in CODE_FILES {
        let lists: BTreeMap<String, CodeListFile> = decode(file, text(file)?)?;
        for (name, list) in lists {
            if code_lists.iter().any(|l| l.name == name) {
                return Err(inconsistent(
                    file,
                    format!("kodlistan {name} finns redan i {CODES_FILE}"),
                ));
            }
            code_lists.push(code_list(file, name, list)?);
        }
    }
    code_lists.sort_by(|a, b| a.name.cmp(&b.name));

    let mut tables = Vec::new();
    for name in &head.tables {
        let file = format!("{TABLE_DIR}/{name}.toml");
        let table: TableFile = decode(&file, text(&file)?)?;
        if &table.name != name {
            return Err(inconsistent(
                &file,
                format!("name = \"{}\" men filen heter {name}", table.name),
            ));
        }
        tables.push(table_def(&file, table)?);
    }
    let schema = Schema {
        version: head.version,
        tables,
        code_lists,
        earliest_date,
    };
    check_references(&schema)?;
    Ok(schema)
}

fn decode<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, SchemaError> {
    toml::from_str(text).map_err(|e| SchemaError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })
}

fn inconsistent(file: &str, message: String) -> SchemaError {
    SchemaError::Inconsistent {
        file: file.to_string(),
        message,
    }
}

fn code_list(file: &str, name: String, list: CodeListFile) -> Result<CodeList, SchemaError> {
    let mut codes = Vec::new();
    for entry in list.codes {
        let mut attributes = BTreeMap::new();
        for (key, value) in entry.attributes {
            let value = match value {
                toml::Value::Boolean(b) => AttributeValue::Bool(b),
                toml::Value::String(s) => AttributeValue::Text(s),
                other => {
                    return Err(inconsistent(
                        file,
                        format!(
                            "kod {}: attributet {key} = {other} ska vara true/false eller text",
                            entry.code
                        ),
                    ));
                }
            };
            attributes.insert(key, value);
        }
        codes.push(Code {
            code: entry.code,
            label: entry.label,
            aliases: entry.aliases,
            since: entry.since,
            attributes,
        });
    }
    CodeList::new(name, list.label, list.attributes, codes).map_err(|m| inconsistent(file, m))
}

fn table_def(file: &str, table: TableFile) -> Result<TableDef, SchemaError> {
    let mut columns = Vec::new();
    for entry in table.columns {
        columns.push(column_def(file, entry)?);
    }
    let mut default_rows = Vec::new();
    for row in table.default_rows {
        if let Some(unknown) = row.keys().find(|k| !columns.iter().any(|c| &c.name == *k)) {
            return Err(inconsistent(
                file,
                format!("default_rows nämner kolumnen {unknown}, som tabellen inte har"),
            ));
        }
        default_rows.push(
            columns
                .iter()
                .map(|c| row.get(&c.name).cloned().unwrap_or_default())
                .collect(),
        );
    }
    Ok(TableDef {
        name: table.name,
        label: table.label,
        description: table.description.trim().to_string(),
        unique: table.unique,
        identity: table.identity,
        participation: table.participation.map(|p| Participation {
            start: p.start,
            end: p.end,
            void: p.void.map(|v| CodeDefault {
                column: v.column,
                attribute: v.attribute,
            }),
        }),
        within_participation: table.within_participation,
        since: table.since,
        default_rows,
        columns,
    })
}

fn column_def(file: &str, entry: ColumnEntry) -> Result<ColumnDef, SchemaError> {
    let bad = |message: String| inconsistent(file, format!("kolumn {}: {message}", entry.name));
    let integer = |value: &Option<toml::Value>| match value {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => Ok(Some(*i)),
        Some(other) => Err(bad(format!("{other} är inget heltal"))),
    };
    let float = |value: &Option<toml::Value>| match value {
        None => Ok(None),
        Some(toml::Value::Float(f)) => Ok(Some(*f)),
        Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
        Some(other) => Err(bad(format!("{other} är inget tal"))),
    };
    let list = || {
        entry
            .codes
            .clone()
            .ok_or_else(|| bad("typen kräver codes = \"<kodlista>\"".into()))
    };
    let kind = match entry.kind.as_str() {
        "person" => ColumnKind::Person,
        "project" => ColumnKind::Project,
        "date" => ColumnKind::Date {
            allow_month: entry.allow_month,
        },
        "integer" => ColumnKind::Integer {
            min: integer(&entry.min)?,
            max: integer(&entry.max)?,
            allowed: entry.allowed.clone(),
        },
        "decimal" => ColumnKind::Decimal {
            min: float(&entry.min)?,
            max: float(&entry.max)?,
        },
        "boolean" => ColumnKind::Boolean,
        "code" => ColumnKind::Code { list: list()? },
        "codes" => ColumnKind::Codes { list: list()? },
        "text" => ColumnKind::Text,
        other => return Err(bad(format!("okänd typ \"{other}\""))),
    };
    let derive = match entry.derive.as_deref() {
        None => None,
        Some("sex") => Some(Derivation::Sex),
        Some("birth_year") => Some(Derivation::BirthYear),
        Some(other) => {
            return Err(bad(format!(
                "okänt derive = \"{other}\" (sex eller birth_year)"
            )));
        }
    };
    let plausible = match (
        entry.plausible_age,
        entry.plausible_days,
        entry.plausible_sum,
    ) {
        (None, None, None) => None,
        (Some(age), None, None) => Some(Plausible::Age {
            at: age.at,
            min: age.min,
            max: age.max,
        }),
        (None, Some(days), None) => Some(Plausible::Days(days)),
        (None, None, Some(sum)) => Some(Plausible::Sum {
            per: sum.per,
            max: sum.max,
            empty: sum.empty,
        }),
        _ => {
            return Err(bad(
                "högst en av plausible_age, plausible_days och plausible_sum".into(),
            ));
        }
    };
    Ok(ColumnDef {
        name: entry.name.clone(),
        label: entry.label,
        description: entry.description.trim().to_string(),
        kind,
        required: entry.required,
        since: entry.since,
        derive,
        references: entry.references,
        not_before: entry.not_before,
        default_from_code: entry.default_from_code.map(|d| CodeDefault {
            column: d.column,
            attribute: d.attribute,
        }),
        plausible,
    })
}

/// Cross-file checks: every name a column refers to exists and has the right kind.
fn check_references(schema: &Schema) -> Result<(), SchemaError> {
    for table in &schema.tables {
        let file = format!("{TABLE_DIR}/{}.toml", table.name);
        let bad = |column: &str, message: String| {
            inconsistent(&file, format!("kolumn {column}: {message}"))
        };
        if table.since > schema.version {
            return Err(inconsistent(
                &file,
                format!("since = {} är nyare än schemaversionen", table.since),
            ));
        }
        for column in &table.columns {
            if column.since > schema.version {
                return Err(bad(
                    &column.name,
                    format!("since = {} är nyare än schemaversionen", column.since),
                ));
            }
            if let ColumnKind::Code { list } | ColumnKind::Codes { list } = &column.kind
                && schema.code_list(list).is_none()
            {
                return Err(bad(
                    &column.name,
                    format!("kodlistan {list} finns inte i {CODES_FILE}"),
                ));
            }
            if let Some(target) = &column.references {
                let person_table = schema
                    .table(target)
                    .is_some_and(|t| t.column(&column.name).is_some());
                if column.kind != ColumnKind::Person || !person_table {
                    return Err(bad(
                        &column.name,
                        format!(
                            "references = \"{target}\" kräver en personkolumn i båda tabellerna"
                        ),
                    ));
                }
            }
            if let Some(other) = &column.not_before {
                let is_date = |c: &ColumnDef| matches!(c.kind, ColumnKind::Date { .. });
                if !is_date(column) || !table.column(other).is_some_and(is_date) {
                    return Err(bad(
                        &column.name,
                        format!("not_before = \"{other}\" kräver två datumkolumner"),
                    ));
                }
            }
            if let Some(default) = &column.default_from_code {
                let source_list = match table.column(&default.column).map(|c| &c.kind) {
                    Some(ColumnKind::Code { list }) => schema.code_list(list),
                    _ => None,
                };
                let declared =
                    source_list.is_some_and(|l| l.attributes.contains_key(&default.attribute));
                if column.kind != ColumnKind::Boolean || !declared {
                    return Err(bad(&column.name, "default_from_code kräver en ja/nej-kolumn och en kodkolumn vars lista har attributet".into()));
                }
            }
            check_plausible(table, column).map_err(|message| bad(&column.name, message))?;
            if column.derive.is_some() && column.required {
                return Err(bad(
                    &column.name,
                    "en kolumn med derive kan inte vara required".into(),
                ));
            }
        }
        for (key, names) in [("unique", &table.unique), ("identity", &table.identity)] {
            if let Some(name) = names.iter().find(|n| table.column(n).is_none()) {
                return Err(inconsistent(
                    &file,
                    format!("{key} nämner kolumnen {name} som inte finns"),
                ));
            }
        }
        // Rows are the same event when these are equal; an empty one equals nothing.
        if let Some(name) = table
            .identity
            .iter()
            .find(|n| table.column(n).is_some_and(|c| !c.required))
        {
            return Err(inconsistent(
                &file,
                format!("identity nämner kolumnen {name}, som inte är required"),
            ));
        }
        check_participations(schema, table, &file)?;
    }
    Ok(())
}

/// A plausibility rule fits its column: an age for an integer beside a date column, days
/// for the end date of a span, a sum for a number with existing columns to group by.
fn check_plausible(table: &TableDef, column: &ColumnDef) -> Result<(), String> {
    let is_date = |name: &str| {
        table
            .column(name)
            .is_some_and(|c| matches!(c.kind, ColumnKind::Date { .. }))
    };
    let fits = match &column.plausible {
        None => return Ok(()),
        Some(Plausible::Age { at, .. }) => {
            matches!(column.kind, ColumnKind::Integer { .. }) && is_date(at)
        }
        Some(Plausible::Days(_)) => is_date(&column.name) && column.not_before.is_some(),
        Some(Plausible::Sum { per, .. }) => {
            matches!(
                column.kind,
                ColumnKind::Integer { .. } | ColumnKind::Decimal { .. }
            ) && per.iter().all(|c| table.column(c).is_some())
        }
    };
    if fits {
        Ok(())
    } else {
        Err("plausible_age kräver ett heltal och en datumkolumn (at), plausible_days ett slutdatum med not_before, plausible_sum ett tal och befintliga kolumner i per".into())
    }
}

/// A table of participations has a person and two date columns; a table whose rows
/// fall in participations names a date column and refers to such a table.
fn check_participations(schema: &Schema, table: &TableDef, file: &str) -> Result<(), SchemaError> {
    let is_date = |name: &str| {
        table
            .column(name)
            .is_some_and(|c| matches!(c.kind, ColumnKind::Date { .. }))
    };
    let has_person = table.columns.iter().any(|c| c.kind == ColumnKind::Person);
    if let Some(participation) = &table.participation {
        let void_declared = participation.void.as_ref().is_none_or(|void| {
            let list = match table.column(&void.column).map(|c| &c.kind) {
                Some(ColumnKind::Code { list }) => schema.code_list(list),
                _ => None,
            };
            list.is_some_and(|l| l.attributes.contains_key(&void.attribute))
        });
        if !(has_person
            && is_date(&participation.start)
            && is_date(&participation.end)
            && void_declared)
        {
            return Err(inconsistent(
                file,
                "participation kräver en personkolumn, två datumkolumner (start och end) och för void en kodkolumn vars lista har attributet".into(),
            ));
        }
    }
    if let Some(date) = &table.within_participation {
        let refers_to_participations = table.columns.iter().any(|c| {
            c.references
                .as_deref()
                .and_then(|t| schema.table(t))
                .is_some_and(|t| t.participation.is_some())
        });
        if !is_date(date) || !refers_to_participations {
            return Err(inconsistent(
                file,
                format!(
                    "within_participation = \"{date}\" kräver en datumkolumn och en personkolumn som hänvisar till en tabell med participation"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled_files() -> Vec<(String, String)> {
        crate::bundled::files("schemas")
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    fn with_replaced(file: &str, from: &str, to: &str) -> Vec<(String, String)> {
        bundled_files()
            .into_iter()
            .map(|(p, t)| {
                if p == file {
                    (p, t.replacen(from, to, 1))
                } else {
                    (p, t)
                }
            })
            .collect()
    }

    #[test]
    fn a_missing_code_list_names_the_file() {
        let files = with_replaced(
            "tabeller/insatser.toml",
            "codes = \"insatstyp\"",
            "codes = \"insatstyyp\"",
        );
        let err = parse(files).unwrap_err().to_string();
        assert!(
            err.contains("tabeller/insatser.toml") && err.contains("insatstyyp"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let files = with_replaced("tabeller/lss.toml", "required = true", "requird = true");
        let err = parse(files).unwrap_err().to_string();
        assert!(
            err.contains("tabeller/lss.toml") && err.contains("requird"),
            "{err}"
        );
    }

    #[test]
    fn an_optional_column_is_a_data_change() {
        let files = with_replaced(
            "tabeller/moten.toml",
            "[[columns]]\nname = \"orsak\"",
            "[[columns]]\nname = \"deltagare_antal\"\nlabel = \"Antal deltagare\"\ntype = \"integer\"\nmin = 0\ndescription = \"Hur många som kom.\"\n\n[[columns]]\nname = \"orsak\"",
        );
        let schema = parse(files).unwrap();
        let moten = schema.table("moten").unwrap();
        assert!(
            moten
                .file_schema()
                .field_with_name("deltagare_antal")
                .is_ok()
        );
    }
}
