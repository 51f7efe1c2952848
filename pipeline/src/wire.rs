//! A pseudonymised submission as it travels from `finsam submit` to `finsam serve`.
//!
//! The content is what validation made of the project's files: the stored values,
//! pseudonyms in the person columns and the derived columns (kön, födelseår) filled
//! in, so no personnummer is needed to read it. The receiver checks it again with the
//! same rules (see [`crate::validate::Persons::Pseudonymised`]) and arrives at the
//! same content hash. Two encodings of the same content:
//!
//! - `application/json`: `{"format": 1, "projekt", "halvar", "schemaversion",
//!   "nyckel", "tabeller": {"<tabell>": {"kolumner": [..], "rader": [[..], ..]}}}`;
//!   dates as `"ÅÅÅÅ-MM-DD"`, several codes as a list of strings.
//! - `application/vnd.apache.arrow.stream`: one Arrow IPC stream per table, back to
//!   back; each stream's schema metadata names its table (`finsam.tabell`) and repeats
//!   the submission's details (`finsam.projekt`, `finsam.halvar`,
//!   `finsam.schemaversion`, `finsam.nyckel`).
//!
//! `nyckel` is the fingerprint of the key the pseudonyms were made with: a submission
//! made with another key than the dataset's would give the same person two pseudonyms.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Float64Type, Int64Type, Schema as ArrowSchema,
};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use serde::Deserialize;

use crate::intake::Prepared;
use crate::personnummer::{contains_valid_number, redact_for_message};
use crate::protocol::Encoding;
use crate::pseudonymise::is_pseudonym;
use crate::read::{Cell, Finding, Location, Submission, SubmissionMeta, TableInput, TableRows};
use crate::schema::Schema;
use crate::store::record_batch;
use crate::validate::{PERSONNUMMER_REFUSED, Value, cell_text};

/// The version of the format; a receiver refuses what it does not know.
pub const FORMAT: u32 = 1;

/// Why a body could not be read. The messages may quote what was sent (a parser's
/// "unknown field …"), so anything in them shaped like a personnummer is hidden.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("inlämningen kunde inte läsas som JSON: {}", redact_for_message(.0))]
    Json(String),
    #[error("inlämningen kunde inte läsas som Arrow IPC: {}", redact_for_message(.0))]
    Arrow(String),
    #[error("{}", redact_for_message(.0))]
    Format(String),
}

/// A pseudonymised submission: its details and its tables as header and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub projekt: String,
    pub halvar: String,
    pub schema_version: u32,
    /// Fingerprint of the key the pseudonyms were made with.
    pub key_fingerprint: String,
    pub tables: BTreeMap<String, TableRows>,
}

/// Encodes a prepared submission. Only the columns of its schema version travel, so
/// the receiver sees the columns the project's file had.
pub fn encode(
    prepared: &Prepared,
    schema: &Schema,
    key_fingerprint: &str,
    encoding: Encoding,
) -> Result<Vec<u8>, WireError> {
    let report = &prepared.report;
    let mut tables = Vec::new();
    for table in &schema.tables {
        let rows = prepared
            .tables
            .get(&table.name)
            .map_or(&[][..], Vec::as_slice);
        let kept: Vec<usize> = table
            .stored_columns()
            .enumerate()
            .filter(|(_, c)| c.since <= prepared.version)
            .map(|(i, _)| i)
            .collect();
        let columns: Vec<_> = table.stored_columns().collect();
        let fields: Vec<Field> = kept.iter().map(|&i| columns[i].arrow_field()).collect();
        let rows: Vec<Vec<Value>> = rows
            .iter()
            .map(|row| kept.iter().map(|&i| row[i].clone()).collect())
            .collect();
        tables.push((table.name.as_str(), fields, rows));
    }
    match encoding {
        Encoding::Json => {
            let mut body = serde_json::Map::new();
            for (name, fields, rows) in tables {
                let columns: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
                let rows: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|row| row.iter().map(json_value).collect())
                    .collect();
                body.insert(
                    name.to_string(),
                    serde_json::json!({ "kolumner": columns, "rader": rows }),
                );
            }
            let document = serde_json::json!({
                "format": FORMAT,
                "projekt": report.projekt,
                "halvar": report.halvar,
                "schemaversion": prepared.version,
                "nyckel": key_fingerprint,
                "tabeller": body,
            });
            Ok(serde_json::to_vec(&document).expect("JSON values serialise"))
        }
        Encoding::Arrow => {
            let mut bytes = Vec::new();
            let arrow = |e: datafusion::arrow::error::ArrowError| WireError::Arrow(e.to_string());
            for (name, fields, rows) in tables {
                let metadata = HashMap::from([
                    ("finsam.format".to_string(), FORMAT.to_string()),
                    ("finsam.tabell".to_string(), name.to_string()),
                    ("finsam.projekt".to_string(), report.projekt.clone()),
                    ("finsam.halvar".to_string(), report.halvar.clone()),
                    (
                        "finsam.schemaversion".to_string(),
                        prepared.version.to_string(),
                    ),
                    ("finsam.nyckel".to_string(), key_fingerprint.to_string()),
                ]);
                let schema = Arc::new(ArrowSchema::new_with_metadata(fields, metadata));
                let batch = record_batch(schema.clone(), &rows).map_err(arrow)?;
                let mut writer = StreamWriter::try_new(&mut bytes, &schema).map_err(arrow)?;
                writer.write(&batch).map_err(arrow)?;
                writer.finish().map_err(arrow)?;
            }
            Ok(bytes)
        }
    }
}

fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Text(text) => text.clone().into(),
        Value::Date(date) => date.format("%Y-%m-%d").to_string().into(),
        Value::Int(n) => (*n).into(),
        Value::Float(x) => {
            serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Bool(b) => (*b).into(),
        Value::List(items) => items.clone().into(),
    }
}

/// Reads a body in the given encoding. A body a decoder cannot take (a panic deep in a
/// reader of corrupted bytes) is refused like any unreadable body.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<Transfer, WireError> {
    let decoded = crate::guard::catching(|| match encoding {
        Encoding::Json => decode_json(bytes),
        Encoding::Arrow => decode_arrow(bytes),
    });
    decoded.unwrap_or_else(|| {
        Err(WireError::Format(format!(
            "inlämningen kunde inte läsas: kroppen är skadad ({})",
            encoding.content_type()
        )))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonSubmission {
    format: u32,
    projekt: String,
    halvar: String,
    schemaversion: u32,
    nyckel: String,
    /// In the order written, so that a table given twice is seen (a map keeps the last).
    #[serde(deserialize_with = "tables_in_order")]
    tabeller: Vec<(String, JsonTable)>,
}

/// The `tabeller` object as (name, table) pairs in the order written.
fn tables_in_order<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, JsonTable)>, D::Error> {
    struct Pairs;
    impl<'de> serde::de::Visitor<'de> for Pairs {
        type Value = Vec<(String, JsonTable)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("ett objekt med en tabell per namn")
        }
        fn visit_map<M: serde::de::MapAccess<'de>>(
            self,
            mut map: M,
        ) -> Result<Self::Value, M::Error> {
            let mut pairs = Vec::new();
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            Ok(pairs)
        }
    }
    deserializer.deserialize_map(Pairs)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTable {
    kolumner: Vec<String>,
    rader: Vec<Vec<serde_json::Value>>,
}

fn decode_json(bytes: &[u8]) -> Result<Transfer, WireError> {
    let document: JsonSubmission =
        serde_json::from_slice(bytes).map_err(|e| WireError::Json(e.to_string()))?;
    check_format(document.format)?;
    let mut tables = BTreeMap::new();
    for (name, table) in document.tabeller {
        let mut rows = Vec::with_capacity(table.rader.len());
        for (index, row) in table.rader.into_iter().enumerate() {
            let cells = row
                .iter()
                .map(json_cell)
                .collect::<Option<Vec<Cell>>>()
                .ok_or_else(|| {
                    WireError::Format(format!(
                        "tabellen {name}, rad {}: ett värde är varken text, tal, ja/nej, null eller en lista av koder",
                        index + 2
                    ))
                })?;
            rows.push(cells);
        }
        let headers = table.kolumner;
        add_table(&mut tables, name, TableRows { headers, rows })?;
    }
    Ok(Transfer {
        projekt: document.projekt,
        halvar: document.halvar,
        schema_version: document.schemaversion,
        key_fingerprint: document.nyckel,
        tables,
    })
}

fn json_cell(value: &serde_json::Value) -> Option<Cell> {
    Some(match value {
        serde_json::Value::Null => Cell::Empty,
        serde_json::Value::Bool(b) => Cell::Bool(*b),
        serde_json::Value::Number(n) => Cell::Number(n.as_f64()?),
        serde_json::Value::String(text) => Cell::Text(text.clone()),
        serde_json::Value::Array(items) => {
            let codes = items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()?;
            Cell::Text(codes.join(","))
        }
        serde_json::Value::Object(_) => return None,
    })
}

/// Where one message of an Arrow IPC stream lies in a body.
#[derive(Debug, Clone, PartialEq)]
struct Frame {
    /// The message header (a flatbuffer), padding included.
    metadata: std::ops::Range<usize>,
    body: std::ops::Range<usize>,
}

/// The messages of a body of Arrow IPC streams, each checked against the bytes that
/// came: Arrow's stream reader allocates a message's body as its header declares it
/// before it reads a byte of it (a header can declare a terabyte), and decompresses to
/// the size a compressed buffer declares. The headers are read with Arrow's own parser;
/// only the framing (length prefixes, end-of-stream markers) is walked here.
fn arrow_frames(bytes: &[u8]) -> Result<Vec<Frame>, WireError> {
    let cut = |what: &str| WireError::Arrow(format!("{what} går utanför inlämningens slut"));
    let word = |at: usize| -> Result<u32, WireError> {
        let four = bytes
            .get(at..at.saturating_add(4))
            .ok_or_else(|| cut("ett meddelandes längd"))?;
        Ok(u32::from_le_bytes(four.try_into().expect("four bytes")))
    };
    let mut frames = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let mut length = word(at)?;
        at += 4;
        // A continuation marker, then the length (the older format has the length alone).
        if length == u32::MAX {
            length = word(at)?;
            at += 4;
        }
        if length == 0 {
            // The end of one table's stream; the next table's may follow.
            continue;
        }
        let metadata = at..at.saturating_add(length as usize);
        let header = bytes
            .get(metadata.clone())
            .ok_or_else(|| cut("ett meddelandes huvud"))?;
        let message = datafusion::arrow::ipc::root_as_message(header).map_err(|e| {
            WireError::Arrow(format!("ett meddelandes huvud går inte att läsa: {e}"))
        })?;
        let body_length = usize::try_from(message.bodyLength())
            .map_err(|_| WireError::Arrow("ett meddelande anger en negativ längd".into()))?;
        let body = metadata.end..metadata.end.saturating_add(body_length);
        if body.end > bytes.len() {
            return Err(cut("ett meddelandes data"));
        }
        let batch = message.header_as_record_batch().or_else(|| {
            message
                .header_as_dictionary_batch()
                .and_then(|dictionary| dictionary.data())
        });
        if let Some(batch) = batch {
            if batch.compression().is_some() {
                return Err(WireError::Arrow(
                    "komprimerade Arrow-strömmar tas inte emot: skicka dem okomprimerade".into(),
                ));
            }
            // Every buffer lies within the message's data (Arrow slices them as declared).
            let outside = batch.buffers().into_iter().flatten().any(|buffer| {
                let (offset, length) = (buffer.offset(), buffer.length());
                offset < 0
                    || length < 0
                    || offset.saturating_add(length) as u64 > body_length as u64
            });
            if outside {
                return Err(cut("en buffert"));
            }
            // Every column of a type finsam reads takes at least a bit per row.
            let most_rows = body_length.saturating_mul(8);
            if usize::try_from(batch.length()).map_or(true, |rows| rows > most_rows) {
                return Err(WireError::Arrow(format!(
                    "en batch anger {} rader men har bara {body_length} byte data",
                    batch.length()
                )));
            }
        }
        at = body.end;
        frames.push(Frame { metadata, body });
    }
    Ok(frames)
}

/// Adds a table read from a body; a table given twice is refused, whichever encoding.
fn add_table(
    tables: &mut BTreeMap<String, TableRows>,
    name: String,
    rows: TableRows,
) -> Result<(), WireError> {
    if tables.contains_key(&name) {
        return Err(WireError::Format(format!(
            "tabellen {name} finns två gånger i inlämningen"
        )));
    }
    tables.insert(name, rows);
    Ok(())
}

fn decode_arrow(bytes: &[u8]) -> Result<Transfer, WireError> {
    arrow_frames(bytes)?;
    let mut cells: usize = 0;
    let arrow = |e: datafusion::arrow::error::ArrowError| WireError::Arrow(e.to_string());
    let mut cursor = Cursor::new(bytes);
    let mut details: Option<[String; 4]> = None;
    let mut tables = BTreeMap::new();
    while (cursor.position() as usize) < bytes.len() {
        let reader = StreamReader::try_new(&mut cursor, None).map_err(arrow)?;
        let schema = reader.schema();
        let metadata = schema.metadata();
        let field = |key: &str| {
            metadata
                .get(key)
                .cloned()
                .ok_or_else(|| WireError::Format(format!("Arrow-strömmen saknar metadata {key}")))
        };
        check_format(field("finsam.format")?.parse().unwrap_or(0))?;
        let name = field("finsam.tabell")?;
        let these = [
            field("finsam.projekt")?,
            field("finsam.halvar")?,
            field("finsam.schemaversion")?,
            field("finsam.nyckel")?,
        ];
        match &details {
            None => details = Some(these),
            Some(first) if *first != these => {
                return Err(WireError::Format(format!(
                    "tabellen {name} anger andra uppgifter om inlämningen (projekt, halvår, schemaversion, nyckel) än den första tabellen"
                )));
            }
            Some(_) => {}
        }
        let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for batch in reader {
            let batch = batch.map_err(arrow)?;
            // A cell finsam writes takes two bytes or more of the body on average (text
            // 4 for its offset, numbers 8, dates 4; yes/no columns are few), and a cell
            // read takes some 30 bytes of memory: more cells than that are a body made to
            // grow (a column of bits, a million rows).
            cells = cells.saturating_add(batch.num_rows().saturating_mul(batch.num_columns()));
            if cells > bytes.len() / 2 {
                return Err(WireError::Arrow(format!(
                    "inlämningen anger fler värden ({cells}) än {} byte kan rymma",
                    bytes.len()
                )));
            }
            let columns = batch
                .columns()
                .iter()
                .zip(&headers)
                .map(|(array, header)| {
                    column_cells(array).map_err(|message| {
                        WireError::Format(format!("tabellen {name}, kolumnen {header}: {message}"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            for index in 0..batch.num_rows() {
                rows.push(columns.iter().map(|c| c[index].clone()).collect());
            }
        }
        add_table(&mut tables, name, TableRows { headers, rows })?;
    }
    let [projekt, halvar, version, nyckel] =
        details.ok_or_else(|| WireError::Format("inlämningen är tom: ingen Arrow-ström".into()))?;
    Ok(Transfer {
        projekt,
        halvar,
        schema_version: version.parse().map_err(|_| {
            WireError::Format(format!("schemaversionen {version:?} är inget heltal"))
        })?,
        key_fingerprint: nyckel,
        tables,
    })
}

/// The cells of one Arrow column, for the types a submission uses.
fn column_cells(array: &ArrayRef) -> Result<Vec<Cell>, String> {
    let unsupported = || format!("typen {} stöds inte", array.data_type());
    let cast_to = |to: &DataType| cast(array, to).map_err(|_| unsupported());
    let cells = match array.data_type() {
        // Not Utf8View: its views may all point at one long string, which casting
        // would copy once per row.
        DataType::Utf8 | DataType::LargeUtf8 => {
            let strings = cast_to(&DataType::Utf8)?;
            let strings = strings.as_string::<i32>();
            (0..strings.len())
                .map(|i| text_cell(strings.is_valid(i).then(|| strings.value(i))))
                .collect()
        }
        t if t.is_integer() || t.is_floating() => {
            let numbers = if t.is_integer() {
                let ints = cast_to(&DataType::Int64)?;
                let ints = ints.as_primitive::<Int64Type>();
                (0..ints.len())
                    .map(|i| ints.is_valid(i).then(|| ints.value(i) as f64))
                    .collect::<Vec<_>>()
            } else {
                let floats = cast_to(&DataType::Float64)?;
                let floats = floats.as_primitive::<Float64Type>();
                (0..floats.len())
                    .map(|i| floats.is_valid(i).then(|| floats.value(i)))
                    .collect()
            };
            numbers
                .into_iter()
                .map(|n| n.map_or(Cell::Empty, Cell::Number))
                .collect()
        }
        DataType::Boolean => {
            let bools = array.as_boolean();
            (0..bools.len())
                .map(|i| {
                    if bools.is_valid(i) {
                        Cell::Bool(bools.value(i))
                    } else {
                        Cell::Empty
                    }
                })
                .collect()
        }
        DataType::Date32 => {
            let dates = array.as_primitive::<Date32Type>();
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch exists");
            (0..dates.len())
                .map(|i| {
                    if dates.is_valid(i) {
                        epoch
                            .checked_add_signed(chrono::TimeDelta::days(i64::from(dates.value(i))))
                            .map_or(Cell::Empty, Cell::Date)
                    } else {
                        Cell::Empty
                    }
                })
                .collect()
        }
        DataType::List(item) if matches!(item.data_type(), DataType::Utf8) => {
            let lists = array.as_list::<i32>();
            (0..lists.len())
                .map(|i| {
                    if !lists.is_valid(i) {
                        return Cell::Empty;
                    }
                    let items = lists.value(i);
                    let items = items.as_string::<i32>();
                    let codes: Vec<&str> = (0..items.len())
                        .filter(|&j| items.is_valid(j))
                        .map(|j| items.value(j))
                        .collect();
                    text_cell(Some(&codes.join(",")))
                })
                .collect()
        }
        _ => return Err(unsupported()),
    };
    Ok(cells)
}

fn text_cell(text: Option<&str>) -> Cell {
    match text {
        Some(text) => Cell::Text(text.to_string()),
        None => Cell::Empty,
    }
}

fn check_format(format: u32) -> Result<(), WireError> {
    if format == FORMAT {
        Ok(())
    } else {
        Err(WireError::Format(format!(
            "okänt inlämningsformat {format}: den här servern läser format {FORMAT}; uppdatera finsam"
        )))
    }
}

impl Transfer {
    /// Problems that refuse the submission before its rows are validated: tables the
    /// schema does not have, and, as defence in depth, any value that looks like a
    /// personnummer or samordningsnummer (with a valid check digit), wherever it is.
    /// The value itself is never repeated.
    pub fn refusals(&self, schema: &Schema, origin: &Path) -> Vec<Finding> {
        let mut findings = Vec::new();
        let at = || Location::file(origin);
        for (name, value) in [("projekt", &self.projekt), ("halvar", &self.halvar)] {
            if contains_valid_number(value) {
                findings.push(Finding::at(at().column(name), PERSONNUMMER_REFUSED));
            }
        }
        for (name, table) in &self.tables {
            if schema.table(name).is_none() {
                let known: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
                findings.push(Finding::at(
                    at(),
                    format!(
                        "okänd tabell {}: tabellerna är {}",
                        redact_for_message(name),
                        known.join(", ")
                    ),
                ));
                continue;
            }
            let table_at = || at().sheet(name);
            let mut labels = Vec::with_capacity(table.headers.len());
            for header in &table.headers {
                if contains_valid_number(header) {
                    findings.push(Finding::at(table_at().row(1), PERSONNUMMER_REFUSED));
                }
                labels.push(redact_for_message(header));
            }
            for (index, row) in table.rows.iter().enumerate() {
                for (column, cell) in row.iter().enumerate() {
                    let pseudonym = matches!(cell, Cell::Text(t) if is_pseudonym(t));
                    if !pseudonym && contains_valid_number(&cell_text(cell)) {
                        let label = labels.get(column).map_or("?", |l| l.as_ref());
                        findings.push(Finding::at(
                            table_at().row(index as u64 + 2).column(label),
                            PERSONNUMMER_REFUSED,
                        ));
                    }
                }
            }
        }
        findings
    }

    /// The submission, ready for [`crate::intake::check`] and [`crate::intake::commit`]; `origin` names it
    /// in findings and in the manifest.
    pub fn into_submission(self, origin: PathBuf) -> Submission {
        let tables = self
            .tables
            .into_iter()
            .map(|(table, rows)| {
                let input = TableInput::Memory {
                    origin: origin.clone(),
                    table: table.clone(),
                    rows: Arc::new(rows),
                };
                (table, input)
            })
            .collect();
        Submission {
            origin,
            meta: SubmissionMeta {
                projekt: Some(self.projekt),
                halvar: Some(self.halvar),
                schema_version: Some(self.schema_version.to_string()),
            },
            tables,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::inbox::{Accepted, Refusal};

    /// The server's check of a body, for a dataset that has no project registered yet.
    fn check(
        body: &[u8],
        encoding: Encoding,
        schema: &Schema,
        key_fingerprint: &str,
        projekt: &str,
        today: chrono::NaiveDate,
    ) -> Result<Accepted, Refusal> {
        let no_dataset = std::path::Path::new("finns-inte");
        crate::inbox::check(
            body,
            encoding,
            schema,
            no_dataset,
            key_fingerprint,
            projekt,
            today,
        )
    }
    use crate::intake::{IntakeOptions, prepare};
    use crate::pseudonymise::{PseudonymKey, Pseudonymiser};

    pub(crate) fn sigma() -> (Schema, PseudonymKey, Prepared) {
        let schema = Schema::bundled().unwrap();
        let key = PseudonymKey::from_bytes([7; 32]);
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/sigma_2008H1");
        let options = IntakeOptions::new(today());
        let (mut prepared, findings) = prepare(&schema, &key, &[fixture], &options).unwrap();
        assert!(findings.is_empty(), "{findings:?}");
        (schema, key, prepared.remove(0))
    }

    pub(crate) fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn arrow_body() -> Vec<u8> {
        let (schema, key, prepared) = sigma();
        encode(&prepared, &schema, &key.fingerprint(), Encoding::Arrow).unwrap()
    }

    /// One table's stream of `batch`, written by Arrow with `options`.
    fn stream_of(
        batch: &datafusion::arrow::record_batch::RecordBatch,
        options: datafusion::arrow::ipc::writer::IpcWriteOptions,
    ) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut writer =
            StreamWriter::try_new_with_options(&mut bytes, &batch.schema(), options).unwrap();
        writer.write(batch).unwrap();
        writer.finish().unwrap();
        drop(writer);
        bytes
    }

    fn refusal(bytes: &[u8]) -> String {
        decode(bytes, Encoding::Arrow).unwrap_err().to_string()
    }

    #[test]
    fn an_arrow_batch_declaring_a_terabyte_it_does_not_bring_is_refused_unread() {
        let mut body = arrow_body();
        let frames = arrow_frames(&body).unwrap();
        let batch = frames
            .iter()
            .find(|f| {
                datafusion::arrow::ipc::root_as_message(&body[f.metadata.clone()])
                    .unwrap()
                    .header_as_record_batch()
                    .is_some()
            })
            .unwrap();
        // Where the header keeps bodyLength, as Arrow's own parser finds it.
        let message =
            datafusion::arrow::ipc::root_as_message(&body[batch.metadata.clone()]).unwrap();
        let field = message._tab.loc()
            + message
                ._tab
                .vtable()
                .get(datafusion::arrow::ipc::Message::VT_BODYLENGTH) as usize;
        let at = batch.metadata.start + field;
        assert_eq!(
            i64::from_le_bytes(body[at..at + 8].try_into().unwrap()) as usize,
            batch.body.len()
        );
        body[at..at + 8].copy_from_slice(&(1i64 << 40).to_le_bytes());
        assert!(
            refusal(&body).contains("går utanför inlämningens slut"),
            "{}",
            refusal(&body)
        );
    }

    #[test]
    fn a_compressed_or_row_inflating_arrow_batch_is_refused() {
        use datafusion::arrow::array::{Int64Array, RecordBatch, RecordBatchOptions};
        use datafusion::arrow::ipc::CompressionType;
        use datafusion::arrow::ipc::writer::IpcWriteOptions;
        let schema = Arc::new(ArrowSchema::new(vec![Field::new(
            "n",
            DataType::Int64,
            true,
        )]));
        let numbers = RecordBatch::try_new(
            schema,
            vec![Arc::new(Int64Array::from(vec![1; 1000])) as ArrayRef],
        )
        .unwrap();
        let lz4 = IpcWriteOptions::default()
            .try_with_compression(Some(CompressionType::LZ4_FRAME))
            .unwrap();
        assert!(refusal(&stream_of(&numbers, lz4)).contains("komprimerade"));
        // No columns, and a trillion rows: nothing to allocate for Arrow, a row each for a
        // reader that took the count at its word.
        let empty = RecordBatch::try_new_with_options(
            Arc::new(ArrowSchema::empty()),
            vec![],
            &RecordBatchOptions::new().with_row_count(Some(1 << 40)),
        )
        .unwrap();
        let message = refusal(&stream_of(&empty, IpcWriteOptions::default()));
        assert!(message.contains("rader men har bara 0 byte"), "{message}");
    }

    #[test]
    fn a_table_given_twice_is_refused_in_json_as_in_arrow() {
        let (schema, key, prepared) = sigma();
        let body = encode(&prepared, &schema, &key.fingerprint(), Encoding::Json).unwrap();
        let text = String::from_utf8(body).unwrap();
        let twice = text.replacen(
            "\"tabeller\":{",
            "\"tabeller\":{\"moten\":{\"kolumner\":[],\"rader\":[]},",
            1,
        );
        assert_ne!(twice, text);
        let refused = decode(twice.as_bytes(), Encoding::Json)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("tabellen moten finns två gånger"),
            "{refused}"
        );
    }

    #[test]
    fn string_views_are_refused_before_they_are_copied_per_row() {
        use datafusion::arrow::array::{RecordBatch, StringViewArray};
        use datafusion::arrow::ipc::writer::IpcWriteOptions;
        let metadata: HashMap<String, String> = [
            ("finsam.format", "1"),
            ("finsam.tabell", "moten"),
            ("finsam.projekt", "SIGMA"),
            ("finsam.halvar", "2008H1"),
            ("finsam.schemaversion", "1"),
            ("finsam.nyckel", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let field = Field::new("Projekt", DataType::Utf8View, true);
        let schema = Arc::new(ArrowSchema::new_with_metadata(vec![field], metadata));
        let views = StringViewArray::from(vec!["SIGMA"; 100]);
        let batch = RecordBatch::try_new(schema, vec![Arc::new(views) as ArrayRef]).unwrap();
        let message = refusal(&stream_of(&batch, IpcWriteOptions::default()));
        assert!(message.contains("Utf8View stöds inte"), "{message}");
    }

    #[test]
    fn a_corrupted_arrow_body_is_refused_never_a_panic() {
        crate::guard::install_quiet_hook();
        let body = arrow_body();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut refused = 0;
        for _ in 0..300 {
            let mut bad = body.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % bad.len() as u64) as usize;
                bad[at] = next() as u8;
            }
            // Unwinding out of decode would fail the test; a refusal is what is wanted.
            if decode(&bad, Encoding::Arrow).is_err() {
                refused += 1;
            }
        }
        assert!(refused > 0);
    }

    #[test]
    fn both_encodings_arrive_at_the_content_hash_the_sender_computed() {
        let (schema, key, prepared) = sigma();
        let fingerprint = key.fingerprint();
        assert!(prepared.tables["deltagare"].len() > 5);
        for encoding in [Encoding::Json, Encoding::Arrow] {
            let body = encode(&prepared, &schema, &fingerprint, encoding).unwrap();
            let transfer = decode(&body, encoding).unwrap();
            assert_eq!(transfer.projekt, "SIGMA");
            assert_eq!(transfer.halvar, "2008H1");
            assert_eq!(transfer.key_fingerprint, fingerprint);
            let people = &transfer.tables["deltagare"];
            assert_eq!(people.rows.len(), prepared.tables["deltagare"].len());
            assert!(
                people
                    .rows
                    .iter()
                    .all(|row| matches!(&row[0], Cell::Text(p) if is_pseudonym(p))),
                "{encoding:?}: the person column holds pseudonyms"
            );
            let accepted = check(&body, encoding, &schema, &fingerprint, "sigma", today())
                .unwrap_or_else(|r| panic!("{encoding:?}: {r:?}"));
            assert_eq!(
                accepted.content_hash, prepared.report.content_hash,
                "{encoding:?}"
            );
            assert_eq!(accepted.rows, prepared.report.rows);
        }
    }

    #[test]
    fn a_personnummer_anywhere_is_refused_without_being_repeated() {
        // A sender that forgot to pseudonymise, and a number typed into free text.
        let Err(Refusal::Invalid(findings)) = check_edited(|document| {
            document["tabeller"]["deltagare"]["rader"][0][0] = "19811218-9876".into();
            let insatser = &mut document["tabeller"]["insatser"]["rader"][0];
            let last = insatser.as_array().unwrap().len() - 1;
            insatser[last] = serde_json::Value::from(198112189876u64);
        }) else {
            panic!("a personnummer must be refused");
        };
        assert_eq!(findings.len(), 2, "{findings:?}");
        let text = format!("{findings:?}");
        assert!(
            text.contains("deltagare") && text.contains("insatser"),
            "{text}"
        );
        assert!(!text.contains("9876"), "the number is not repeated: {text}");

        // A project code where a pseudonym should be: the sender did not pseudonymise.
        let Err(Refusal::Invalid(findings)) = check_edited(|document| {
            document["tabeller"]["deltagare"]["rader"][0][0] = "SIG-017".into();
        }) else {
            panic!("a project code must be refused");
        };
        assert!(
            findings
                .iter()
                .any(|f| f.message.starts_with("ingen pseudonym")),
            "{findings:?}"
        );
    }

    /// SIGMA's submission as JSON, edited, then checked as the server checks it.
    fn check_edited(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Accepted, Refusal> {
        let (schema, key, prepared) = sigma();
        let fingerprint = key.fingerprint();
        let body = encode(&prepared, &schema, &fingerprint, Encoding::Json).unwrap();
        let mut document: serde_json::Value = serde_json::from_slice(&body).unwrap();
        edit(&mut document);
        let body = serde_json::to_vec(&document).unwrap();
        check(
            &body,
            Encoding::Json,
            &schema,
            &fingerprint,
            "SIGMA",
            today(),
        )
    }

    #[test]
    fn wrong_project_key_format_and_form_are_refused() {
        let (schema, key, prepared) = sigma();
        let fingerprint = key.fingerprint();
        let body = encode(&prepared, &schema, &fingerprint, Encoding::Arrow).unwrap();
        assert!(matches!(
            check(&body, Encoding::Arrow, &schema, &fingerprint, "NOVA", today()),
            Err(Refusal::OtherProject(p)) if p == "SIGMA"
        ));
        let other_key = PseudonymKey::from_bytes([8; 32]).fingerprint();
        let Err(Refusal::Invalid(findings)) = check(
            &body,
            Encoding::Arrow,
            &schema,
            &other_key,
            "SIGMA",
            today(),
        ) else {
            panic!("another key must be refused");
        };
        assert!(findings[0].message.contains("nyckel"), "{findings:?}");
        for (bytes, encoding) in [
            (&b"{\"format\": 1"[..], Encoding::Json),
            (&body[..body.len() / 2], Encoding::Arrow),
            (&b""[..], Encoding::Arrow),
        ] {
            assert!(matches!(
                check(bytes, encoding, &schema, &fingerprint, "SIGMA", today()),
                Err(Refusal::Unreadable(_))
            ));
        }
        let Err(Refusal::Unreadable(message)) = check_edited(|document| {
            document["format"] = 2.into();
        }) else {
            panic!("an unknown format must be refused");
        };
        assert!(message.contains("format 1"), "{message}");
    }

    #[test]
    fn a_parser_message_that_quotes_a_personnummer_hides_it() {
        let body = br#"{"format": 1, "projekt": "SIGMA", "halvar": "2008H1", "schemaversion": 1,
            "nyckel": "x", "tabeller": {}, "19811218-9876": 1}"#;
        let message = decode(body, Encoding::Json).unwrap_err().to_string();
        assert!(
            message.starts_with("inlämningen kunde inte läsas som JSON"),
            "{message}"
        );
        assert!(!message.contains("9876"), "{message}");
    }

    #[test]
    fn content_types_name_the_encodings() {
        assert_eq!(
            Encoding::from_content_type("application/json; charset=utf-8"),
            Some(Encoding::Json)
        );
        assert_eq!(
            Encoding::from_content_type("application/vnd.apache.arrow.stream"),
            Some(Encoding::Arrow)
        );
        assert_eq!(Encoding::from_content_type("text/csv"), None);
        assert_eq!(Encoding::from_content_type(""), None);
    }
}
