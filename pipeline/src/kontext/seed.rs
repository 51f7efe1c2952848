//! The seed tables: *Öppna jämförelser 2015* and *Försörjningsmått 2014* as the
//! Höglandet documents print them, parsed into rows and bundled as CSV.
//!
//! The documents are text taken out of slides: a table is one long line, each row an
//! area's name and its numbers, a thousands separator a space (`1 069`, `16 790`), and
//! an aggregate row (län, riket) without the columns only kommuner have. The same table
//! may also stand one value per line (seed 002). [`parse`] reads either; where spaces
//! leave more numbers than columns, the table's sum rule (or, without one, the only
//! possible reading) says which belong together. The bundled CSV files are this parse,
//! kept in the repository so that `finsam kontext las-in` needs neither the seeds nor a
//! network; a test parses the seeds again and compares.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{KontextError, Row};
use crate::schema::CodeList;

/// One bundled table, as `kontext.toml` declares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// The CSV file, relative to the schema folder.
    pub fil: String,
    /// The source's name, as the `kalla` column and the reports say it.
    pub kalla: String,
    /// Who published it and where finsam took it from.
    pub ursprung: String,
    pub ar: i32,
    /// The words the table begins with in the document.
    pub rubrik: String,
    /// How many leading columns only kommuner have.
    #[serde(default)]
    pub bara_kommuner: usize,
    /// Rows that are no kommun: the document's name → area code.
    #[serde(default)]
    pub omraden: BTreeMap<String, String>,
    pub summa: Option<SumRule>,
    pub indikatorer: Vec<IndicatorSpec>,
}

/// A total column that is the sum of others (each rounded on its own).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SumRule {
    pub total: String,
    pub delar: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    pub id: String,
    pub titel: String,
    pub enhet: String,
    #[serde(default)]
    pub aldersband: String,
}

/// One value as the document prints it: area, indicator and the number's text.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedValue {
    pub kommunkod: String,
    pub namn: String,
    pub indikator: String,
    /// As printed, thousands separators removed: `34,8`, `1069`.
    pub text: String,
}

impl SeedValue {
    pub fn value(&self) -> Option<f64> {
        self.text.replace(',', ".").parse().ok()
    }
}

/// The table `spec` of a document, in either layout: a row per area on one line, or
/// a value per line.
pub fn parse(spec: &TableSpec, text: &str, kommuner: &CodeList) -> Result<Vec<SeedValue>, String> {
    let areas = Areas { spec, kommuner };
    let by_line = if let Some(line) = text
        .lines()
        .find(|l| l.trim_start().starts_with(&spec.rubrik))
    {
        rows_on_one_line(spec, &areas, line)?
    } else {
        Vec::new()
    };
    if !by_line.is_empty() {
        return Ok(by_line);
    }
    let by_column = value_per_line(spec, &areas, text)?;
    if by_column.is_empty() {
        return Err(format!("tabellen \"{}\" finns inte i texten", spec.rubrik));
    }
    Ok(by_column)
}

struct Areas<'a> {
    spec: &'a TableSpec,
    kommuner: &'a CodeList,
}

impl Areas<'_> {
    /// The area code of a row name, and whether it is a kommun.
    fn code(&self, name: &str) -> Option<(String, bool)> {
        if let Some(code) = self.spec.omraden.get(name) {
            return Some((code.clone(), false));
        }
        self.kommuner
            .find(name, u32::MAX)
            .map(|k| (k.code.clone(), true))
    }
}

fn is_number(token: &str) -> bool {
    let digits = token.replace(',', "");
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && token.matches(',').count() <= 1
        && !token.starts_with(',')
        && !token.ends_with(',')
}

/// `Nässjö 2 6 34,8 … Jkpg län 30,1 …`: from the first area name followed by a number.
fn rows_on_one_line(spec: &TableSpec, areas: &Areas, line: &str) -> Result<Vec<SeedValue>, String> {
    let mut rows: Vec<(String, Vec<&str>)> = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    for token in line.split_whitespace() {
        if !is_number(token) {
            words.push(token);
        } else if rows.is_empty() {
            // Still in the heading: a number there ("20141231", "8 = hög risk") begins
            // the table only after an area's name, the longest the words end with.
            let name = (0..words.len())
                .map(|from| words[from..].join(" "))
                .find(|name| areas.code(name).is_some());
            if let Some(name) = name {
                rows.push((name, vec![token]));
            }
            words.clear();
        } else {
            if !words.is_empty() {
                rows.push((words.join(" "), Vec::new()));
                words.clear();
            }
            rows.last_mut().expect("a row has begun").1.push(token);
        }
    }
    // Words after the last row (the next slide's text) are no row.
    let mut values = Vec::new();
    for (name, tokens) in rows {
        let Some((code, is_kommun)) = areas.code(&name) else {
            return Err(format!(
                "raden {name} är ingen kommun och inget område som kontext.toml känner (omraden)"
            ));
        };
        let columns: Vec<&IndicatorSpec> = if is_kommun {
            spec.indikatorer.iter().collect()
        } else {
            spec.indikatorer.iter().skip(spec.bara_kommuner).collect()
        };
        let numbers =
            group_thousands(spec, &columns, &tokens).map_err(|m| format!("raden {name}: {m}"))?;
        for (column, text) in columns.iter().zip(numbers) {
            values.push(SeedValue {
                kommunkod: code.clone(),
                namn: name.clone(),
                indikator: column.id.clone(),
                text,
            });
        }
    }
    Ok(values)
}

/// The numbers of a row, the tokens a thousands separator split joined again. Of the
/// ways to join them that give one number per column, the one the sum rule accepts;
/// without a rule, the only one.
fn group_thousands(
    spec: &TableSpec,
    columns: &[&IndicatorSpec],
    tokens: &[&str],
) -> Result<Vec<String>, String> {
    let readings = readings(tokens, columns.len());
    let fits = |numbers: &Vec<String>| match &spec.summa {
        None => true,
        Some(rule) => {
            let value = |id: &str| {
                columns
                    .iter()
                    .position(|c| c.id == id)
                    .and_then(|i| numbers[i].replace(',', ".").parse::<f64>().ok())
            };
            let parts: Option<Vec<f64>> = rule.delar.iter().map(|id| value(id)).collect();
            match (value(&rule.total), parts) {
                // Each part is rounded on its own: the sum may miss by half a krona each.
                (Some(total), Some(parts)) => {
                    (parts.iter().sum::<f64>() - total).abs() <= parts.len() as f64 / 2.0
                }
                _ => true,
            }
        }
    };
    let fitting: Vec<Vec<String>> = readings.into_iter().filter(fits).collect();
    match fitting.len() {
        1 => Ok(fitting.into_iter().next().expect("one")),
        0 => Err(format!(
            "{} tal ({}) går inte att läsa som {} kolumner",
            tokens.len(),
            tokens.join(" "),
            columns.len()
        )),
        _ => Err(format!(
            "talen {} kan läsas på flera sätt som {} kolumner",
            tokens.join(" "),
            columns.len()
        )),
    }
}

/// Every way to join a space-split number (`16` `790`) so that `tokens` become `count`
/// numbers. A group after the first has exactly three digits and no decimal comma.
fn readings(tokens: &[&str], count: usize) -> Vec<Vec<String>> {
    fn walk(tokens: &[&str], count: usize, done: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if tokens.is_empty() {
            if done.len() == count {
                out.push(done.clone());
            }
            return;
        }
        if done.len() >= count {
            return;
        }
        let first = tokens[0];
        let mut number = first.to_string();
        let mut used = 1;
        loop {
            done.push(number.clone());
            walk(&tokens[used..], count, done, out);
            done.pop();
            let leads = !number.contains(',') && (used > 1 || number.len() <= 3);
            match tokens.get(used) {
                Some(next) if leads && is_thousands_group(next) => {
                    number.push_str(next);
                    used += 1;
                }
                _ => break,
            }
        }
    }
    let mut out = Vec::new();
    walk(tokens, count, &mut Vec::new(), &mut out);
    out
}

/// Three digits, perhaps with decimals after them: what follows a thousands separator.
fn is_thousands_group(token: &str) -> bool {
    let whole = token.split(',').next().unwrap_or("");
    whole.len() == 3 && whole.chars().all(|c| c.is_ascii_digit())
}

/// A number with its thousands separators (space or no-break space) taken out.
fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Seed 002's layout: an area's name on a line of its own, then one value per line, a
/// blank line after; a value the table lacks is blank (or a no-break space).
fn value_per_line(spec: &TableSpec, areas: &Areas, text: &str) -> Result<Vec<SeedValue>, String> {
    let clean = |line: &str| line.trim_matches(|c: char| c.is_whitespace()).to_string();
    let lines: Vec<String> = text.lines().map(clean).collect();
    let mut values = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((code, _)) = areas.code(&lines[i]).filter(|_| !lines[i].is_empty()) else {
            i += 1;
            continue;
        };
        let cells: Vec<&String> = lines[i + 1..].iter().take(spec.indikatorer.len()).collect();
        let numeric = cells.len() == spec.indikatorer.len()
            && cells
                .iter()
                .all(|c| c.is_empty() || is_number(&without_spaces(c)));
        if !numeric {
            i += 1;
            continue;
        }
        for (column, cell) in spec.indikatorer.iter().zip(&cells) {
            if !cell.is_empty() {
                values.push(SeedValue {
                    kommunkod: code.clone(),
                    namn: lines[i].clone(),
                    indikator: column.id.clone(),
                    text: without_spaces(cell),
                });
            }
        }
        i += 1 + cells.len();
    }
    Ok(values)
}

/// The CSV columns of a bundled table.
const CSV_HEADER: &str = "kommunkod;namn;indikator;varde";

/// A table's values as its bundled CSV: a line naming the source, then `;`-separated
/// values, the numbers as printed.
pub fn to_csv(spec: &TableSpec, values: &[SeedValue]) -> String {
    let mut out = format!("# Källa: {}\n{CSV_HEADER}\n", spec.ursprung);
    for v in values {
        out.push_str(&format!(
            "{};{};{};{}\n",
            v.kommunkod, v.namn, v.indikator, v.text
        ));
    }
    out
}

/// Reads a bundled table back, checking each line against `spec`.
pub fn from_csv(spec: &TableSpec, text: &str) -> Result<Vec<SeedValue>, KontextError> {
    let fail = |line: usize, message: String| KontextError::Table {
        file: spec.fil.clone(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start_matches('\u{feff}').starts_with('#'));
    match lines.next() {
        Some((_, header)) if header.trim_start_matches('\u{feff}') == CSV_HEADER => {}
        _ => return Err(fail(1, format!("första raden ska vara {CSV_HEADER}"))),
    }
    let mut values = Vec::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(';').collect();
        let [kommunkod, namn, indikator, text] = fields[..] else {
            return Err(fail(index + 1, format!("{} fält, inte 4", fields.len())));
        };
        if !spec.indikatorer.iter().any(|i| i.id == indikator) {
            return Err(fail(
                index + 1,
                format!("indikatorn {indikator} står inte i kontext.toml"),
            ));
        }
        let value = SeedValue {
            kommunkod: kommunkod.into(),
            namn: namn.into(),
            indikator: indikator.into(),
            text: text.into(),
        };
        if value.value().is_none() {
            return Err(fail(index + 1, format!("\"{text}\" är inget tal")));
        }
        values.push(value);
    }
    Ok(values)
}

/// The values as rows of the `kontext` table, read in at `hamtad`.
pub fn rows(spec: &TableSpec, values: &[SeedValue], hamtad: &str) -> Vec<Row> {
    values
        .iter()
        .filter_map(|v| {
            let indicator = spec.indikatorer.iter().find(|i| i.id == v.indikator)?;
            Some(Row {
                kalla: spec.kalla.clone(),
                indikator: v.indikator.clone(),
                titel: indicator.titel.clone(),
                kommunkod: v.kommunkod.clone(),
                namn: v.namn.clone(),
                ar: spec.ar,
                kon: "T".into(),
                varde: v.value(),
                enhet: indicator.enhet.clone(),
                aldersband: indicator.aldersband.clone(),
                hamtad: hamtad.into(),
                status: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kontext::Config;
    use crate::schema::Schema;

    const SEED_000: &str = include_str!("../../../tests/fixtures/seeds/000_55d0c42223e365af.txt");
    const SEED_002: &str = include_str!("../../../tests/fixtures/seeds/002_f89d85598c0d4f50.txt");

    fn setup() -> (Config, CodeList) {
        let schema = Schema::bundled().unwrap();
        (
            Config::load(None).unwrap(),
            schema.code_list("kommun").unwrap().clone(),
        )
    }

    fn value(values: &[SeedValue], kommun: &str, indikator: &str) -> f64 {
        values
            .iter()
            .find(|v| v.kommunkod == kommun && v.indikator == indikator)
            .unwrap_or_else(|| panic!("{kommun} {indikator}"))
            .value()
            .unwrap()
    }

    /// Every value of both seed tables comes back from the bundled CSV exactly: the
    /// bundled files are the parse of the seeds, nothing added or lost.
    #[test]
    fn the_bundled_tables_are_the_seed_tables() {
        let (config, kommuner) = setup();
        for spec in &config.tabell {
            let parsed = parse(spec, SEED_000, &kommuner).unwrap();
            let bundled = Config::file(None, &spec.fil).unwrap();
            let expected = to_csv(spec, &parsed);
            if bundled != expected {
                let out = std::env::temp_dir().join(spec.fil.replace('/', "_"));
                std::fs::write(&out, &expected).unwrap();
                panic!(
                    "schemas/{} differs from the parse of the seed; the parse is in {}",
                    spec.fil,
                    out.display()
                );
            }
            assert_eq!(from_csv(spec, &bundled).unwrap(), parsed);
        }
    }

    #[test]
    fn the_seed_values_are_the_printed_ones() {
        let (config, kommuner) = setup();
        let oj = parse(&config.tabell[0], SEED_000, &kommuner).unwrap();
        // Seven kommuner with 14 columns, Jönköpings län and riket with 12.
        assert_eq!(oj.len(), 7 * 14 + 2 * 12);
        assert_eq!(value(&oj, "0682", "oj_langvarigt_eb"), 34.8);
        assert_eq!(value(&oj, "0682", "oj_mycket_langvarigt_eb"), 22.6);
        assert_eq!(value(&oj, "0684", "oj_kommunstorlek"), 1.0);
        assert_eq!(value(&oj, "0006", "oj_kostnad_eb"), 1069.0);
        assert_eq!(value(&oj, "0000", "oj_kostnad_eb"), 1095.0);
        assert_eq!(value(&oj, "0000", "oj_hinder_sociala_skal"), 10.8);
        let fm = parse(&config.tabell[1], SEED_000, &kommuner).unwrap();
        assert_eq!(fm.len(), 7 * 8);
        assert_eq!(value(&fm, "0604", "fm_sjukpenning"), 6326.0);
        assert_eq!(value(&fm, "0604", "fm_totalt"), 21442.0);
        assert_eq!(value(&fm, "0686", "fm_invanare"), 16790.0);
        assert_eq!(value(&fm, "0680", "fm_invanare"), 133310.0);
        assert_eq!(value(&fm, "0680", "fm_etablering"), 445.0);
    }

    /// Seed 002 prints Öppna jämförelser a value per line: the same values.
    #[test]
    fn both_layouts_of_the_same_table_agree() {
        let (config, kommuner) = setup();
        let spec = &config.tabell[0];
        let mut one_line = parse(spec, SEED_000, &kommuner).unwrap();
        let mut per_line = parse(spec, SEED_002, &kommuner).unwrap();
        let key = |v: &SeedValue| (v.kommunkod.clone(), v.indikator.clone());
        one_line.sort_by_key(key);
        per_line.sort_by_key(key);
        assert_eq!(one_line, per_line);
    }

    #[test]
    fn a_row_that_cannot_be_read_exactly_one_way_is_refused() {
        let (config, kommuner) = setup();
        let spec = &config.tabell[1];
        // A total that no reading sums to.
        let line =
            "Försörjningsmått belopp/invånare Kommun Eksjö 16 790 5231 8626 1801 1527 760 1718 1";
        let error = parse(spec, line, &kommuner).unwrap_err();
        assert!(
            error.contains("raden Eksjö") && error.contains("går inte att läsa"),
            "{error}"
        );
        // The sum rule picks the reading whose total fits: 5 100 inhabitants, not 100 100
        // kronor of sjukpenning.
        let line = "Försörjningsmått belopp/invånare Kommun Eksjö 5 100 100 0 0 0 0 0 100";
        let values = parse(spec, line, &kommuner).unwrap();
        let texts: Vec<&str> = values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(texts, ["5100", "100", "0", "0", "0", "0", "0", "100"]);
        // Without a sum rule, two readings (1 095 and 100, or 1 and 095 100) are refused.
        let line =
            "Öppna Jämförelser 2015 Riket 36,4 23,8 4,4 7,3 2,7 7,7 1 095 100 3,9 48,5 14,3 10,8";
        let error = parse(&config.tabell[0], line, &kommuner).unwrap_err();
        assert!(
            error.contains("raden Riket") && error.contains("flera sätt"),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_row_in_a_table_is_refused() {
        let (config, kommuner) = setup();
        let line = "Försörjningsmått belopp/invånare Kommun Aneby 6537 6326 8825 2036 1667 748 1841 21 442 Ankeborg 1 2 3 4 5 6 7 8";
        let error = parse(&config.tabell[1], line, &kommuner).unwrap_err();
        assert!(error.contains("raden Ankeborg"), "{error}");
    }
}
