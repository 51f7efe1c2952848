//! The query files of a report and their headers.
//!
//! Each file in `queries/<rapport>/` starts with comment lines such as
//! `-- Titel: …`, `-- Figurer: …`, `-- Räknar: …` (continued on lines indented after
//! `--`) and `-- Parametrar: …`. The report shows the title and names the file with
//! every figure, so a reader can find the definition behind a number.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::ReportError;

/// A query file with its parsed header.
#[derive(Debug, Clone, Serialize)]
pub struct QueryFile {
    /// The file name, e.g. `aktuella.sql`.
    pub name: String,
    pub title: String,
    pub counts: String,
    pub parameters: String,
    #[serde(skip)]
    pub sql: String,
}

/// The files of one report folder (e.g. `halvar`), bundled or read from `--queries DIR`.
pub struct QueryLibrary {
    folder: String,
    files: BTreeMap<String, String>,
    /// Where the files came from, for messages.
    origin: String,
}

impl QueryLibrary {
    pub fn load(queries_dir: Option<&Path>, folder: &str) -> Result<QueryLibrary, ReportError> {
        let mut files = BTreeMap::new();
        let origin = match queries_dir {
            Some(dir) => {
                let path = dir.join(folder);
                let read = |p: &Path| {
                    std::fs::read_to_string(p).map_err(|source| ReportError::Read {
                        path: p.to_path_buf(),
                        source,
                    })
                };
                let entries = std::fs::read_dir(&path).map_err(|source| ReportError::Read {
                    path: path.clone(),
                    source,
                })?;
                for entry in entries {
                    let file: PathBuf = entry
                        .map_err(|source| ReportError::Read {
                            path: path.clone(),
                            source,
                        })?
                        .path();
                    if let Some(name) = file.file_name().map(|n| n.to_string_lossy().into_owned())
                        && (name.ends_with(".sql") || name.ends_with(".toml"))
                    {
                        files.insert(name, read(&file)?);
                    }
                }
                path.display().to_string()
            }
            None => {
                let prefix = format!("{folder}/");
                for (path, text) in crate::bundled::files("queries") {
                    if let Some(name) = path.strip_prefix(&prefix) {
                        files.insert(name.to_string(), text.to_string());
                    }
                }
                format!("queries/{folder} (inbyggda)")
            }
        };
        Ok(QueryLibrary {
            folder: folder.to_string(),
            files,
            origin,
        })
    }

    /// The layout file (e.g. `rapport.toml`).
    pub fn text(&self, name: &str) -> Result<&str, ReportError> {
        self.files
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ReportError::MissingFile {
                file: format!("{}/{name}", self.folder),
                origin: self.origin.clone(),
            })
    }

    pub fn query(&self, name: &str) -> Result<QueryFile, ReportError> {
        let sql = self.text(name)?;
        Ok(parse_header(name, sql))
    }

    /// Every `.sql` file, for listing and tests.
    pub fn query_names(&self) -> impl Iterator<Item = &str> {
        self.files
            .keys()
            .map(String::as_str)
            .filter(|n| n.ends_with(".sql"))
    }

    /// The report folder, e.g. `utfall`.
    pub fn folder(&self) -> &str {
        &self.folder
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// Every query folder and layout file there is, as (path under `queries/`, text): the
/// bundled ones, or those under `--queries DIR`. Sorted by path.
pub fn all_files(queries_dir: Option<&Path>) -> Result<Vec<(String, String)>, ReportError> {
    let mut files = Vec::new();
    match queries_dir {
        None => {
            for (path, text) in crate::bundled::files("queries") {
                files.push((path.to_string(), text.to_string()));
            }
        }
        Some(dir) => {
            let read_dir = |path: &Path| {
                std::fs::read_dir(path).map_err(|source| ReportError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            };
            for folder in read_dir(dir)? {
                let folder = folder
                    .map_err(|source| ReportError::Read {
                        path: dir.to_path_buf(),
                        source,
                    })?
                    .path();
                if !folder.is_dir() {
                    continue;
                }
                let folder_name = folder
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let library = QueryLibrary::load(Some(dir), &folder_name)?;
                for (name, text) in &library.files {
                    files.push((format!("{folder_name}/{name}"), text.clone()));
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Every query file with its header, named by its path under `queries/`
/// (`halvar/aktuella.sql`).
pub fn catalogue(queries_dir: Option<&Path>) -> Result<Vec<QueryFile>, ReportError> {
    Ok(all_files(queries_dir)?
        .into_iter()
        .filter(|(path, _)| path.ends_with(".sql"))
        .map(|(path, text)| parse_header(&path, &text))
        .collect())
}

/// Reads the `-- Key: value` header; a key's text continues on following comment lines
/// that do not start a new key.
pub fn parse_header(name: &str, sql: &str) -> QueryFile {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in sql.lines() {
        let Some(comment) = line.trim_start().strip_prefix("--") else {
            break;
        };
        let comment = comment.trim();
        match comment.split_once(':') {
            Some((key, value)) if !key.contains(' ') && !key.is_empty() => {
                let key = key.to_lowercase();
                fields.insert(key.clone(), value.trim().to_string());
                current = Some(key);
            }
            _ => {
                if let Some(key) = &current {
                    let text = fields.entry(key.clone()).or_default();
                    text.push(' ');
                    text.push_str(comment);
                }
            }
        }
    }
    let field = |key: &str| fields.get(key).cloned().unwrap_or_default();
    QueryFile {
        name: name.to_string(),
        title: field("titel"),
        counts: field("räknar"),
        parameters: field("parametrar"),
        sql: sql.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_with_continued_lines() {
        let file = parse_header(
            "x.sql",
            "-- Titel: Aktuella\n-- Räknar: personer som\n--         är aktuella.\n-- Parametrar: $halvar\nSELECT 1\n-- Titel: not a header\n",
        );
        assert_eq!(file.title, "Aktuella");
        assert_eq!(file.counts, "personer som är aktuella.");
        assert_eq!(file.parameters, "$halvar");
    }

    /// The text of `folder`'s files from the first line starting with `from` up to the
    /// line starting with `to`, for the files that contain it.
    fn shared_parts(
        folder: &str,
        from: &str,
        to: &str,
    ) -> std::collections::BTreeMap<String, String> {
        let library = QueryLibrary::load(None, folder).unwrap();
        let mut parts = std::collections::BTreeMap::new();
        for name in library.query_names() {
            let sql = library.text(name).unwrap();
            if let Some(start) = sql.find(from) {
                let end = start + sql[start..].find(to).expect("the shared part ends");
                parts.insert(name.to_string(), sql[start..end].to_string());
            }
        }
        parts
    }

    /// Query files repeat their shared definitions so an evaluator can run each alone;
    /// these tests keep the copies from drifting apart.
    #[track_caller]
    fn assert_same(
        parts: &std::collections::BTreeMap<String, String>,
        reference: &str,
        at_least: usize,
    ) {
        assert!(parts.len() >= at_least, "{:?}", parts.keys());
        for (name, part) in parts {
            assert_eq!(part, &parts[reference], "{name} differs from {reference}");
        }
    }

    #[test]
    fn every_copy_of_the_aktuell_definition_is_the_same() {
        let parts = shared_parts(
            "halvar",
            "WITH aktuella_deltaganden AS (",
            "AND b.projekt < a.projekt))\n    )\n)",
        );
        assert_same(&parts, "aktuella.sql", 9);
        // Where insatser and remisser belong, and the insatser placed there.
        let placed = shared_parts("halvar", "register AS (", "\n)");
        let placed_in = |part: &str| shared_parts("halvar", part, "\n)");
        assert_same(&placed, "insatser.sql", 4);
        assert_same(&placed_in("deltaganden AS ("), "insatser.sql", 4);
        assert_same(&placed_in("insats AS ("), "insatser.sql", 2);
        assert_same(&placed_in("remiss AS ("), "remitterade.sql", 2);
    }

    #[test]
    fn every_copy_of_the_outcome_definitions_is_the_same() {
        let ended = shared_parts("utfall", "WITH avslutade AS (", "\n)");
        assert_same(&ended, "status.sql", 7);
        let groups = shared_parts("utfall", "indelningar AS (", "\n)");
        assert_same(&groups, "status.sql", 6);
        let counted = shared_parts("utfall", "\nn AS (", "\n)");
        assert_same(&counted, "status.sql", 4);
    }

    #[test]
    fn every_copy_of_the_participant_definitions_is_the_same() {
        let current = shared_parts("deltagare", "WITH aktuella AS (", "\n)");
        assert_same(&current, "antal.sql", 6);
        let groups = shared_parts("deltagare", "indelningar AS (", "\n)");
        assert_same(&groups, "antal.sql", 6);
        let outcome_groups = shared_parts("utfall", "indelningar AS (", "\n)");
        assert_eq!(groups["antal.sql"], outcome_groups["status.sql"]);
        let mut counted = shared_parts("deltagare", "\nn AS (", "\n)");
        // It counts aktuella directly: there each participant is one row.
        counted.remove("forsorjning_start.sql");
        assert_same(&counted, "antal.sql", 5);
        let per_code = shared_parts("deltagare", "per_kod AS (", "\n)");
        assert_same(&per_code, "antal.sql", 5);
        let per_group = shared_parts("deltagare", "per_grupp AS (", "\n)");
        assert_same(&per_group, "antal.sql", 5);
    }

    #[test]
    fn the_dashboards_copy_the_reports_definitions_word_for_word() {
        let current = shared_parts("tavla", "WITH aktuella AS (", "\n)");
        let reports = shared_parts("deltagare", "WITH aktuella AS (", "\n)");
        assert_eq!(current.len(), 2, "{:?}", current.keys());
        for (name, part) in &current {
            assert_eq!(
                part, &reports["antal.sql"],
                "tavla/{name} differs from deltagare/antal.sql"
            );
        }
        let ended = shared_parts("tavla", "WITH avslutade AS (", "\n)");
        let reports = shared_parts("utfall", "WITH avslutade AS (", "\n)");
        assert_eq!(ended.len(), 6, "{:?}", ended.keys());
        for (name, part) in &ended {
            assert_eq!(
                part, &reports["status.sql"],
                "tavla/{name} differs from utfall/status.sql"
            );
        }
    }

    #[test]
    fn every_bundled_table_query_has_a_title_and_a_definition() {
        for folder in ["utfall", "deltagare"] {
            let library = QueryLibrary::load(None, folder).unwrap();
            for name in library.query_names() {
                let file = library.query(name).unwrap();
                assert!(
                    !file.title.is_empty()
                        && !file.counts.is_empty()
                        && file.parameters.contains("$period"),
                    "{folder}/{name}"
                );
            }
        }
    }

    #[test]
    fn every_bundled_half_year_query_has_a_title_and_a_definition() {
        let library = QueryLibrary::load(None, "halvar").unwrap();
        let names: Vec<&str> = library.query_names().collect();
        assert!(names.len() >= 10, "{names:?}");
        for name in names {
            let file = library.query(name).unwrap();
            assert!(
                !file.title.is_empty()
                    && !file.counts.is_empty()
                    && file.parameters.contains("$halvar"),
                "{name}"
            );
        }
    }
}
