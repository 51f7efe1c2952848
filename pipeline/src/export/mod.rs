//! The analysis extract (`finsam export --till DIR`): the dataset as another tool reads
//! it, with what it means beside it.
//!
//! It holds what the tables of the same names hold in `finsam sql`, and nothing else:
//! each project's and half-year's current submission, each event in its current version,
//! the underlag tables, the project registry and every code list. One Parquet file per
//! table (`tabeller/`, `kodlistor/`), `views.sql` that gives DuckDB finsam's table names
//! and SQL functions, and a README with the data version, every table's and column's
//! meaning and the definitions (`docs/definitions.md`). The previous versions of events
//! (`*_alla_versioner`) stay out: an extract is for counting what is.
//!
//! The folder appears whole or not at all: it is written beside its place and renamed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::failure::Kind;
use crate::query::{Engine, QueryError};
use crate::store::{StoreError, write_atomic};
use crate::workbench::{Meanings, type_name};

/// finsam's SQL functions as DuckDB macros.
const DUCKDB_FUNCTIONS: &str = include_str!("duckdb.sql");
/// The definitions every statistic follows.
const DEFINITIONS: &str = include_str!("../../../docs/definitions.md");

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0} finns redan: välj en ny mapp för uttaget (det skrivs aldrig över)")]
    Exists(PathBuf),
    #[error("tabellen {table} kunde inte läsas: {source}")]
    Query {
        table: String,
        #[source]
        source: Box<QueryError>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("tabellen {table} kunde inte skrivas som Parquet: {message}")]
    Write { table: String, message: String },
}

impl ExportError {
    pub fn kind(&self) -> Kind {
        match self {
            ExportError::Exists(_) => Kind::InvalidInput,
            ExportError::Query { source, .. } => source.kind(),
            ExportError::Store(e) => e.kind(),
            ExportError::Write { .. } => Kind::Internal,
        }
    }
}

/// One table of the extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub table: String,
    /// Its file, relative to the extract's folder.
    pub file: String,
    pub rows: usize,
}

/// Writes the extract of everything `engine` has to the new folder `to`.
pub async fn write(
    engine: &Engine,
    meanings: &Meanings,
    data_version: &str,
    to: &Path,
) -> Result<Vec<Exported>, ExportError> {
    if to.exists() {
        return Err(ExportError::Exists(to.to_path_buf()));
    }
    let name = to
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let temp = to.with_file_name(format!(".{name}.{}.ny", std::process::id()));
    // An extract that was stopped half-way (microdata, all of it) goes now.
    let parent = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(entries) = std::fs::read_dir(parent) {
        for entry in entries.flatten() {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with(&format!(".{name}.")) && file_name.ends_with(".ny") {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let written = write_into(engine, meanings, data_version, &temp).await;
    let finished = written.and_then(|exported| {
        std::fs::rename(&temp, to).map_err(|e| StoreError::io(to, e))?;
        let parent = to.parent().filter(|p| !p.as_os_str().is_empty());
        crate::store::fsync_dir(parent.unwrap_or(Path::new(".")))?;
        Ok(exported)
    });
    if finished.is_err() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    finished
}

async fn write_into(
    engine: &Engine,
    meanings: &Meanings,
    data_version: &str,
    dir: &Path,
) -> Result<Vec<Exported>, ExportError> {
    let mut exported = Vec::new();
    let mut columns_text = String::new();
    for (table, schema) in engine.tables().await.map_err(|source| ExportError::Query {
        table: "(tabellistan)".into(),
        source: Box::new(source),
    })? {
        if table.ends_with("_alla_versioner") {
            continue;
        }
        let folder = if table.starts_with("kod_") {
            "kodlistor"
        } else {
            "tabeller"
        };
        let file = format!("{folder}/{table}.parquet");
        let path = dir.join(&file);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))
            .map_err(|e| StoreError::io(&path, e))?;
        let result = engine
            .run(&format!("SELECT * FROM \"{table}\""), &[])
            .await
            .map_err(|source| ExportError::Query {
                table: table.clone(),
                source: Box::new(source),
            })?;
        let bytes = parquet(&result).map_err(|e| ExportError::Write {
            table: table.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &bytes)?;
        let _ = writeln!(
            columns_text,
            "\n### {table}\n\n{}\n",
            meanings.of_table(&table)
        );
        let _ = writeln!(columns_text, "| kolumn | typ | betydelse |\n|---|---|---|");
        for field in schema.fields() {
            let _ = writeln!(
                columns_text,
                "| {} | {} | {} |",
                field.name(),
                type_name(field.data_type()),
                meanings.of_column(&table, field.name()).replace('|', "\\|")
            );
        }
        exported.push(Exported {
            table,
            file,
            rows: result.row_count(),
        });
    }
    write_atomic(
        &dir.join("views.sql"),
        views(&exported, data_version).as_bytes(),
    )?;
    write_atomic(
        &dir.join("README.md"),
        readme(&exported, meanings, data_version, &columns_text).as_bytes(),
    )?;
    crate::store::fsync_dir(dir)?;
    Ok(exported)
}

/// A result as one Parquet file.
fn parquet(
    result: &crate::query::QueryResult,
) -> Result<Vec<u8>, datafusion::parquet::errors::ParquetError> {
    let mut bytes = Vec::new();
    let mut writer =
        datafusion::parquet::arrow::ArrowWriter::try_new(&mut bytes, result.schema.clone(), None)?;
    for batch in &result.batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(bytes)
}

/// DuckDB's views of the extract under finsam's table names, and finsam's functions.
fn views(exported: &[Exported], data_version: &str) -> String {
    let mut sql = format!(
        "-- finsam export: {data_version}\n\
         -- Kör i DuckDB i uttagets mapp: duckdb -init views.sql (eller .read views.sql).\n\
         -- Tabellerna får samma namn som i finsam sql, så finsams frågefiler går att köra.\n\n"
    );
    sql.push_str(DUCKDB_FUNCTIONS);
    sql.push('\n');
    for table in exported {
        let _ = writeln!(
            sql,
            "CREATE OR REPLACE VIEW \"{}\" AS SELECT * FROM read_parquet('{}');",
            table.table, table.file
        );
    }
    sql
}

fn readme(exported: &[Exported], meanings: &Meanings, data_version: &str, columns: &str) -> String {
    let mut text = format!(
        "# Analysuttag ur finsam\n\n\
         Datamängd: {data_version}. Uttaget med finsam {}.\n\n\
         Uttaget är mikrodata: varje person är en pseudonym (aldrig personnumret), men raderna\n\
         handlar om enskilda människor. Förvara det som datamängden och dela det inte.\n\n\
         Tabellerna innehåller det som tabellerna med samma namn visar i `finsam sql`: för varje\n\
         projekt och halvår den senaste inlämningen, varje händelse (insats, remiss, möte …) i\n\
         sin senaste version, underlagen (t.ex. `deltagande`: ett deltagande per rad, oavsett\n\
         hur många inlämningar som tog upp det), projektregistret och kodlistorna.\n\n\
         **Räkna personer rätt.** `deltagare` har en rad per deltagande *och inlämning*: samma\n\
         person står i varje halvårs register. Räkna personer med `count(DISTINCT person)`, och\n\
         deltaganden i `deltagande`. Kodade kolumner lagrar koden (`avbrott`), inte etiketten\n\
         (`Avbrott`): `kodlistor/` har båda.\n\n\
         ## I DuckDB\n\n\
         ```sh\ncd uttaget\nduckdb -init views.sql\n```\n\n\
         ```sql\nSELECT projekt, count(DISTINCT person) AS personer FROM deltagare GROUP BY projekt;\n\
         SELECT d.avslutsorsak, k.etikett, count(*) FROM deltagande d\n  \
         JOIN kod_avslutsorsak k ON k.kod = d.avslutsorsak GROUP BY ALL;\n```\n\n\
         ## I R\n\n\
         ```r\nlibrary(DBI)\ncon <- dbConnect(duckdb::duckdb())\nsetwd(\"uttaget\")\n\
         for (sats in strsplit(paste(readLines(\"views.sql\"), collapse = \"\\n\"), \";\\n\")[[1]])\n  \
         if (nzchar(trimws(sats))) dbExecute(con, sats)\n\
         dbGetQuery(con, \"SELECT projekt, count(DISTINCT person) FROM deltagare GROUP BY 1\")\n```\n\n\
         Eller en tabell i taget: `arrow::read_parquet(\"uttaget/tabeller/deltagare.parquet\")`.\n\n\
         ## Tabeller\n\n| tabell | fil | rader | betydelse |\n|---|---|---:|---|\n",
        env!("CARGO_PKG_VERSION")
    );
    for table in exported {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} |",
            table.table,
            table.file,
            table.rows,
            meanings.of_table(&table.table).replace('|', "\\|")
        );
    }
    text.push_str("\n## Kolumner\n");
    text.push_str(columns);
    text.push_str("\n## Definitioner\n\nSå räknar finsam (docs/definitions.md i finsam):\n\n");
    // The definitions' own headings move down a level, under this one.
    for line in DEFINITIONS.lines() {
        if line.starts_with('#') {
            let _ = writeln!(text, "##{line}");
        } else {
            let _ = writeln!(text, "{line}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_name_every_table_and_define_the_functions() {
        let exported = vec![Exported {
            table: "deltagare".into(),
            file: "tabeller/deltagare.parquet".into(),
            rows: 3,
        }];
        let sql = views(&exported, "manifest abc");
        assert!(sql.contains(
            "CREATE OR REPLACE VIEW \"deltagare\" AS SELECT * FROM read_parquet('tabeller/deltagare.parquet');"
        ));
        for function in [
            "halvar_start",
            "halvar_slut",
            "period_start",
            "period_slut",
            "i_urval",
        ] {
            assert!(sql.contains(&format!("MACRO {function}(")), "{function}");
        }
    }
}
