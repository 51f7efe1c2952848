//! The record schema, loaded from the TOML files in `schemas/`.
//!
//! Everything else derives from it: the Arrow schema of each stored table, the
//! validation of submitted cells, the Excel and CSV templates and the code-list
//! tables that SQL sees. The schema is checked for internal consistency when it is
//! loaded (every code list referenced exists, `not_before` names a date column, …),
//! so later stages can rely on it without re-checking.

mod codes;
mod files;
mod value;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::failure::Kind;
use chrono::NaiveDate;
use datafusion::arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};

pub use codes::{AttributeValue, Code, CodeList};
pub use value::Value;

/// Partition columns every stored table carries, in path order.
pub const PARTITION_COLUMNS: [&str; 2] = ["projekt", "halvar"];

/// Errors in the schema files themselves: a maintainer's mistake, reported with the file.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("kan inte läsa schemafilen {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("schemafilen {file} är felaktig: {message}")]
    Parse { file: String, message: String },
    #[error("schemafilen {file}: {message}")]
    Inconsistent { file: String, message: String },
}

impl SchemaError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            // The bundled schema is in the binary: a file that cannot be read is --schemas'.
            SchemaError::Read { source, .. } => crate::failure::of_user_file(source),
            SchemaError::Parse { .. } | SchemaError::Inconsistent { .. } => Kind::InvalidInput,
        }
    }
}

/// The whole record schema at one version.
#[derive(Debug, Clone)]
pub struct Schema {
    pub version: u32,
    pub tables: Vec<TableDef>,
    pub code_lists: Vec<CodeList>,
    pub earliest_date: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: String,
    pub label: String,
    pub description: String,
    /// Columns whose combined value must be unique within one submission.
    pub unique: Vec<String>,
    /// Columns that make rows of several submissions the same event (with the project):
    /// the rows of the latest submission that has it are its current version. Empty for
    /// tables that are not events.
    pub identity: Vec<String>,
    /// Each row is a participation of its person, from `start` to `end` (empty: ongoing);
    /// a person's participations in one submission never overlap.
    pub participation: Option<Participation>,
    /// A date column that should fall in a participation of the row's person: a row
    /// dated before their first is a warning.
    pub within_participation: Option<String>,
    /// The schema version that added the table: older submissions never have it.
    pub since: u32,
    /// The rows the blank template starts with, one text per column in column order.
    pub default_rows: Vec<Vec<String>>,
    pub columns: Vec<ColumnDef>,
}

/// The date columns that bound a participation, and what makes a row no participation
/// at all (a code whose attribute says the row is void, such as a felregistrering).
#[derive(Debug, Clone)]
pub struct Participation {
    pub start: String,
    pub end: String,
    pub void: Option<CodeDefault>,
}

#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: String,
    /// The heading shown in templates; a header cell may hold the label or the name.
    pub label: String,
    pub description: String,
    pub kind: ColumnKind,
    pub required: bool,
    /// First schema version that has this column.
    pub since: u32,
    /// Filled from the personnummer when the cell is empty.
    pub derive: Option<Derivation>,
    /// A person column that must name a person of this table in the same submission.
    pub references: Option<String>,
    /// A date column whose value must not be before this other date column.
    pub not_before: Option<String>,
    /// A boolean column that, when empty, takes an attribute of another column's code.
    pub default_from_code: Option<CodeDefault>,
    /// What a plausible value is; anything else is a warning, not an error.
    pub plausible: Option<Plausible>,
}

/// Values that are allowed but seldom right: a warning names them.
#[derive(Debug, Clone, PartialEq)]
pub enum Plausible {
    /// A birth year: the age at the date in column `at` lies in `min..=max`.
    Age { at: String, min: i64, max: i64 },
    /// The end date of a span that began at the column's `not_before`: at most this many
    /// days long (an open span counted to the submission's last day).
    Days(i64),
    /// A number: the rows of one submission that agree on the `per` columns add up to at
    /// most `max`, an empty cell counting as `empty`.
    Sum {
        per: Vec<String>,
        max: f64,
        empty: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnKind {
    /// Personnummer, samordningsnummer or project-local code; stored as a pseudonym.
    Person,
    /// The project's short name; stored only as the `projekt` partition column.
    Project,
    Date {
        allow_month: bool,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
        allowed: Vec<i64>,
    },
    Decimal {
        min: Option<f64>,
        max: Option<f64>,
    },
    Boolean,
    Code {
        list: String,
    },
    Codes {
        list: String,
    },
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivation {
    Sex,
    BirthYear,
}

#[derive(Debug, Clone)]
pub struct CodeDefault {
    pub column: String,
    pub attribute: String,
}

impl Schema {
    /// The schema compiled into the binary from the repository's `schemas/` folder.
    pub fn bundled() -> Result<Schema, SchemaError> {
        let files = crate::bundled::files("schemas")
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect();
        files::parse(files)
    }

    /// Reads the schema from a folder laid out like the repository's `schemas/`.
    pub fn load(dir: &Path) -> Result<Schema, SchemaError> {
        files::parse(files::read_dir(dir)?)
    }

    /// `--schemas DIR` when given, otherwise the bundled schema.
    pub fn from_option(dir: Option<&Path>) -> Result<Schema, SchemaError> {
        match dir {
            Some(dir) => Schema::load(dir),
            None => Schema::bundled(),
        }
    }

    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn code_list(&self, name: &str) -> Option<&CodeList> {
        self.code_lists.iter().find(|c| c.name == name)
    }

    /// Finds a table by its name or label, ignoring case (sheet and file names).
    pub fn table_by_heading(&self, heading: &str) -> Option<&TableDef> {
        let wanted = normalise_heading(heading);
        self.tables
            .iter()
            .find(|t| normalise_heading(&t.name) == wanted || normalise_heading(&t.label) == wanted)
    }
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Finds the column a header cell names: its name or its label, ignoring case.
    pub fn column_by_heading(&self, heading: &str) -> Option<&ColumnDef> {
        let wanted = normalise_heading(heading);
        self.columns
            .iter()
            .find(|c| normalise_heading(&c.name) == wanted || normalise_heading(&c.label) == wanted)
    }

    /// Columns written to Parquet: all but the project column, which is a partition.
    pub fn stored_columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns
            .iter()
            .filter(|c| c.kind != ColumnKind::Project)
    }

    /// The Arrow schema of the stored file (without partition columns).
    pub fn file_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self.stored_columns().map(ColumnDef::arrow_field).collect();
        Arc::new(ArrowSchema::new(fields))
    }
}

impl ColumnDef {
    /// Every stored column is nullable: a submission that follows an older schema
    /// version lacks the newer columns, and DataFusion fills them with nulls.
    pub fn arrow_field(&self) -> Field {
        Field::new(&self.name, self.kind.arrow_type(), true)
    }
}

impl ColumnKind {
    pub fn arrow_type(&self) -> DataType {
        match self {
            ColumnKind::Person
            | ColumnKind::Project
            | ColumnKind::Code { .. }
            | ColumnKind::Text => DataType::Utf8,
            ColumnKind::Date { .. } => DataType::Date32,
            ColumnKind::Integer { .. } => DataType::Int32,
            ColumnKind::Decimal { .. } => DataType::Float64,
            ColumnKind::Boolean => DataType::Boolean,
            ColumnKind::Codes { .. } => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
            }
        }
    }

    /// A short Swedish description of what a cell must hold, for templates and messages.
    pub fn describe(&self) -> String {
        match self {
            ColumnKind::Person => "personnummer, samordningsnummer eller projektets kod".into(),
            ColumnKind::Project => "projektets kortnamn".into(),
            ColumnKind::Date { allow_month: true } => "datum ÅÅÅÅ-MM-DD eller månad ÅÅÅÅ-MM".into(),
            ColumnKind::Date { allow_month: false } => "datum ÅÅÅÅ-MM-DD".into(),
            ColumnKind::Integer { allowed, .. } if !allowed.is_empty() => {
                let values: Vec<String> = allowed.iter().map(i64::to_string).collect();
                format!("ett av {}", values.join(", "))
            }
            ColumnKind::Integer { .. } => "heltal".into(),
            ColumnKind::Decimal { .. } => "tal (decimalkomma går bra)".into(),
            ColumnKind::Boolean => "ja eller nej".into(),
            ColumnKind::Code { .. } => "en kod ur listan".into(),
            ColumnKind::Codes { .. } => "en eller flera koder ur listan, åtskilda med komma".into(),
            ColumnKind::Text => "text".into(),
        }
    }
}

/// Header cells are compared trimmed, lower-cased and with inner whitespace collapsed.
pub fn normalise_heading(text: &str) -> String {
    text.trim_start_matches('\u{feff}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schema_has_every_table_of_the_domain() {
        let schema = Schema::bundled().unwrap();
        let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "deltagare",
                "insatser",
                "remisser",
                "sjukskrivning",
                "lss",
                "ersattning",
                "forsorjning",
                "moten",
                "anonyma_arenden",
                "berattelse"
            ]
        );
        assert_eq!(schema.version, 4);
    }

    #[test]
    fn stored_schema_leaves_out_the_project_partition() {
        let schema = Schema::bundled().unwrap();
        let deltagare = schema.table("deltagare").unwrap().file_schema();
        assert!(deltagare.field_with_name("projekt").is_err());
        assert_eq!(
            deltagare.field_with_name("inskriven").unwrap().data_type(),
            &DataType::Date32
        );
        assert!(matches!(
            deltagare
                .field_with_name("aktualiserad_av")
                .unwrap()
                .data_type(),
            DataType::List(_)
        ));
    }

    #[test]
    fn headings_match_name_or_label_in_any_case() {
        let schema = Schema::bundled().unwrap();
        let deltagare = schema.table_by_heading(" Deltagare ").unwrap();
        assert_eq!(
            deltagare.column_by_heading("FÖDELSEÅR").unwrap().name,
            "fodelsear"
        );
        assert_eq!(
            deltagare.column_by_heading("fodelsear").unwrap().name,
            "fodelsear"
        );
        assert_eq!(
            deltagare
                .column_by_heading("Tid  utan arbete vid start")
                .unwrap()
                .name,
            "tid_utan_arbete"
        );
        assert!(deltagare.column_by_heading("skostorlek").is_none());
    }
}
