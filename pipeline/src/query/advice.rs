//! Messages for people: DataFusion's errors told in Swedish, with where in the statement
//! and what was probably meant (the closest table, column or function name), and notes
//! on a query that runs but cannot mean what it says (a coded column compared with a
//! code's label: `avslutsorsak = 'Avbrott'` finds nothing, the code is `avbrott`).
//!
//! DataFusion's own text is kept beside the message ([`super::QueryError::detail`]), for
//! `--detaljer` and for a bug report.

use std::collections::{BTreeMap, HashMap};

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, ScalarValue, SchemaError};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{BinaryExpr, Expr, LogicalPlan, Operator};

use super::QueryError;
use crate::schema::{CodeList, ColumnKind, Schema};

/// The names a message may suggest: every table with its columns.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub tables: BTreeMap<String, Vec<String>>,
    pub functions: Vec<String>,
}

/// The Swedish for what the tokenizer said, for the common cases.
pub(crate) fn tokenizer_message(message: &str) -> String {
    if message.starts_with("Unterminated string literal") {
        "en sträng saknar sitt avslutande '".into()
    } else if message.starts_with("Unexpected EOF while in a multi-line comment") {
        "en kommentar /* saknar sitt avslutande */".into()
    } else if message.starts_with("Unterminated") {
        "ett citerat namn saknar sitt avslutande \"".into()
    } else {
        format!("tecknen kan inte läsas ({message})")
    }
}

/// A parser error (`Expected: ), found: FROM at Line: 1, Column: 16`) as a syntax error
/// with its place.
pub(crate) fn parser_error(error: &DataFusionError, sql: &str) -> QueryError {
    let detail = error.strip_backtrace();
    let text = match error.find_root() {
        DataFusionError::SQL(e, _) => e.to_string(),
        other => other.to_string(),
    };
    let text = text
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("sql tokenizer error: ");
    let (said, line, column) = match text.rsplit_once(" at Line: ") {
        Some((said, at)) => {
            let mut numbers = at
                .split(", Column: ")
                .map(|n| n.trim().parse().unwrap_or(1));
            (
                said,
                numbers.next().unwrap_or(1),
                numbers.next().unwrap_or(1),
            )
        }
        // No place given: the statement ended too early.
        None => (
            text,
            sql.lines().count().max(1),
            sql.lines().last().map_or(1, |l| l.chars().count() + 1),
        ),
    };
    let message = if let Some(rest) = said.strip_prefix("Expected: ") {
        let (expected, found) = rest.split_once(", found: ").unwrap_or((rest, "?"));
        format!(
            "här väntades {} men frågan har {}",
            token_name(expected),
            token_name(found)
        )
    } else if said.starts_with("Unterminated") || said.starts_with("Unexpected EOF") {
        tokenizer_message(said)
    } else {
        format!("SQL-tolken säger: {said}")
    };
    QueryError::Syntax {
        message,
        line,
        column,
        detail,
    }
}

/// The parser's name for a token, in Swedish where it is a description.
fn token_name(name: &str) -> String {
    match name.trim() {
        "EOF" => "frågans slut".into(),
        "end of statement" => "satsens slut".into(),
        "an expression" => "ett uttryck".into(),
        "identifier" => "ett namn".into(),
        "literal string" => "en sträng".into(),
        "SQL statement" => "en SQL-sats (SELECT …)".into(),
        other => other.to_string(),
    }
}

/// The error DataFusion gave for `sql`, told for a person.
pub(crate) fn explain(error: DataFusionError, sql: &str, names: &Names) -> QueryError {
    if matches!(error.find_root(), DataFusionError::SQL(..)) {
        return parser_error(&error, sql);
    }
    let position = error
        .diagnostic()
        .and_then(|d| d.span)
        .filter(|span| span.start.line > 0)
        .map(|span| (span.start.line as usize, span.start.column as usize));
    let root_text = error.find_root().strip_backtrace();
    let message = if let DataFusionError::External(ours) = error.find_root() {
        // One of finsam's own (a broken project registry, say), already in Swedish.
        ours.to_string()
    } else if let Some(field) = field_not_found(&error) {
        let name = field.name.as_str();
        let mut message = format!("kolumnen {name} finns inte");
        if let Some(relation) = &field.relation {
            message = format!("kolumnen {name} finns inte i {relation}");
        }
        let candidates: Vec<&str> = valid_fields(&error)
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        match closest(name, candidates.iter().copied()) {
            Some(meant) => message.push_str(&format!("; menade du {meant}?")),
            None if !candidates.is_empty() => message.push_str(&format!(
                "; frågans tabeller har {}",
                shortened(&candidates)
            )),
            None => {}
        }
        message
    } else if let Some(table) = quoted_after(&root_text, "table '", "' not found") {
        let name = table.rsplit('.').next().unwrap_or(table);
        let mut message = format!("tabellen {name} finns inte");
        match closest(name, names.tables.keys().map(String::as_str)) {
            Some(meant) => message.push_str(&format!("; menade du {meant}?")),
            None => message.push_str("; \\d (i skalet) eller SHOW TABLES visar alla"),
        }
        message
    } else if let Some(function) = quoted_after(&root_text, "Invalid function '", "'") {
        let mut message = format!("funktionen {function} finns inte");
        if let Some(meant) = closest(function, names.functions.iter().map(String::as_str)) {
            message.push_str(&format!("; menade du {meant}?"));
        }
        message
    } else {
        match error.find_root() {
            DataFusionError::ArrowError(..) => {
                format!("ett värde kunde inte räknas ut: {}", first_line(&root_text))
            }
            DataFusionError::Execution(_) => {
                format!("frågan kunde inte köras: {}", first_line(&root_text))
            }
            DataFusionError::NotImplemented(_) => format!(
                "DataFusion kan inte det här ännu: {}",
                first_line(&root_text)
            ),
            _ => format!("frågan kunde inte planeras: {}", first_line(&root_text)),
        }
    };
    let position = position.or_else(|| {
        // Without a span, the first place the missing name is written.
        let name = field_not_found(&error)
            .map(|c| c.name.clone())
            .or_else(|| {
                quoted_after(&root_text, "table '", "' not found")
                    .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
            })?;
        find_word(sql, &name)
    });
    QueryError::Explained {
        message,
        position,
        detail: Box::new(error),
    }
}

/// The script's line `line` and a mark under `column`, as an error shows them:
///
/// ```text
///   1 | SELECT count(* FROM deltagare
///     |                ^
/// ```
pub fn pointer(script: &str, line: usize, column: usize) -> Option<String> {
    let original = script.lines().nth(line.checked_sub(1)?)?;
    let text = crate::personnummer::redact_numbers(original);
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    // The mark stands under the character, tabs kept so it lines up; what comes before
    // it is measured as shown, redacted.
    let before: String = original.chars().take(column.saturating_sub(1)).collect();
    let lead: String = crate::personnummer::redact_numbers(&before)
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!("  {number} | {text}\n  {pad} | {lead}^"))
}

fn field_not_found(error: &DataFusionError) -> Option<&Column> {
    match schema_error(error)? {
        SchemaError::FieldNotFound { field, .. } => Some(field),
        _ => None,
    }
}

fn valid_fields(error: &DataFusionError) -> &[Column] {
    match schema_error(error) {
        Some(SchemaError::FieldNotFound { valid_fields, .. }) => valid_fields,
        _ => &[],
    }
}

fn schema_error(error: &DataFusionError) -> Option<&SchemaError> {
    let mut current = error;
    loop {
        match current {
            DataFusionError::SchemaError(e, _) => return Some(e),
            DataFusionError::Diagnostic(_, inner) | DataFusionError::Context(_, inner) => {
                current = inner
            }
            DataFusionError::Shared(inner) => current = inner,
            _ => return None,
        }
    }
}

/// The text between `before` and `after` in `text`.
fn quoted_after<'t>(text: &'t str, before: &str, after: &str) -> Option<&'t str> {
    let start = text.find(before)? + before.len();
    let length = text[start..].find(after)?;
    Some(&text[start..start + length])
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// A few names of a long list.
fn shortened(names: &[&str]) -> String {
    let mut unique: Vec<&str> = names.to_vec();
    unique.dedup();
    if unique.len() > 8 {
        format!("{} …", unique[..8].join(", "))
    } else {
        unique.join(", ")
    }
}

/// Line and column (from 1) of the first whole-word `word` in `sql`, any case.
fn find_word(sql: &str, word: &str) -> Option<(usize, usize)> {
    let lower = sql.to_lowercase();
    let word = word.to_lowercase();
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(found) = lower[from..].find(&word) {
        let at = from + found;
        let before = lower[..at].chars().next_back();
        let after = lower[at + word.len()..].chars().next();
        if !before.is_some_and(is_name) && !after.is_some_and(is_name) {
            // Lowercasing keeps the lines and, for the letters of names, the characters.
            let line = lower[..at].matches('\n').count() + 1;
            let line_start = lower[..at].rfind('\n').map_or(0, |i| i + 1);
            let column = lower[line_start..at].chars().count() + 1;
            return Some((line, column));
        }
        from = at + word.len();
    }
    None
}

/// The candidate closest to `name` by edit distance (any case), if it is close enough
/// to be a slip of the keyboard: at most a third of the name's letters, and at least one.
pub fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let name = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(&name, &c.to_lowercase()), c))
        .filter(|(distance, _)| *distance <= limit)
        // Of two as close, the one that starts as the name does (`cout`: count, not cot).
        .min_by_key(|(distance, c)| {
            let shared = c
                .to_lowercase()
                .chars()
                .zip(name.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (*distance, std::cmp::Reverse(shared), c.len())
        })
        .map(|(_, c)| c)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The coded columns of the schema: a column's name and the code lists it may hold
/// (one name in several tables may hold different lists). Columns of [`UNCODED_TABLES`]
/// are not: they hold what their sources write.
/// Tables with columns named as coded ones (`kon`, `kalla`) that hold their sources'
/// own values: `kontext` (Kolada's T, K and M; a source's name).
const UNCODED_TABLES: &[&str] = &["kontext"];

#[derive(Debug, Clone, Default)]
pub struct CodedColumns(BTreeMap<String, Vec<CodeList>>);

impl CodedColumns {
    pub fn of(schema: &Schema) -> CodedColumns {
        let mut columns: BTreeMap<String, Vec<CodeList>> = BTreeMap::new();
        for table in &schema.tables {
            for column in &table.columns {
                if let ColumnKind::Code { list } | ColumnKind::Codes { list } = &column.kind
                    && let Some(codes) = schema.code_lists.iter().find(|l| &l.name == list)
                {
                    let lists = columns.entry(column.name.clone()).or_default();
                    if !lists.iter().any(|l| l.name == codes.name) {
                        lists.push(codes.clone());
                    }
                }
            }
        }
        CodedColumns(columns)
    }

    /// Notes on the comparisons in `plan` of a coded column of a stored table with a
    /// text that is not one of its codes (`=`, `IN`, `array_has`: comparisons that then
    /// find nothing): a label, a code in other case, or nothing the list has.
    pub fn notes(&self, plan: &LogicalPlan) -> Vec<String> {
        // The tables scanned, by the names their columns are qualified with (their own,
        // or an alias): a column of a WITH or a subquery is not a stored column.
        let mut scanned: HashMap<String, String> = HashMap::new();
        let _ = plan.apply_with_subqueries(|node| {
            match node {
                LogicalPlan::TableScan(scan) => {
                    let table = scan.table_name.table().to_string();
                    scanned.insert(table.clone(), table);
                }
                LogicalPlan::SubqueryAlias(alias) => {
                    if let LogicalPlan::TableScan(scan) = alias.input.as_ref() {
                        scanned.insert(
                            alias.alias.table().to_string(),
                            scan.table_name.table().to_string(),
                        );
                    }
                }
                _ => {}
            }
            Ok(TreeNodeRecursion::Continue)
        });
        let mut notes = Vec::new();
        let _ = plan.apply_with_subqueries(|node| {
            let _ = node.apply_expressions(|expr| {
                let _ = expr.apply(|e| {
                    for (column, text) in compared_texts(e) {
                        let stored = column.relation.as_ref().is_some_and(|r| {
                            scanned
                                .get(r.table())
                                .is_some_and(|table| !UNCODED_TABLES.contains(&table.as_str()))
                        });
                        if !stored {
                            continue;
                        }
                        if let Some(note) = self.note(&column.name, &text)
                            && !notes.contains(&note)
                        {
                            notes.push(note);
                        }
                    }
                    Ok(TreeNodeRecursion::Continue)
                });
                Ok(TreeNodeRecursion::Continue)
            });
            Ok(TreeNodeRecursion::Continue)
        });
        notes
    }

    fn note(&self, column: &str, text: &str) -> Option<String> {
        let lists = self.0.get(column)?;
        if lists.iter().any(|l| l.codes.iter().any(|c| c.code == text)) {
            return None;
        }
        let wanted = text.to_lowercase();
        // The text is the user's: anything in it shaped like a personnummer stays out.
        let shown = crate::personnummer::redact_for_message(text);
        for list in lists {
            for code in &list.codes {
                if code.label.to_lowercase() == wanted {
                    return Some(format!(
                        "'{shown}' är en etikett; koden är '{}' (kolumnen {column} har koder, kod_{} visar dem)",
                        code.code, list.name
                    ));
                }
                if code.code.to_lowercase() == wanted
                    || code.aliases.iter().any(|a| a.to_lowercase() == wanted)
                {
                    return Some(format!(
                        "'{shown}' är inte en kod som den lagras; koden är '{}' (kolumnen {column}, kod_{} visar koderna)",
                        code.code, list.name
                    ));
                }
            }
        }
        Some(format!(
            "'{shown}' finns inte bland koderna för {column}: jämförelsen träffar inga rader (kod_{} visar koderna)",
            lists[0].name
        ))
    }
}

/// The (column, text) pairs an expression matches a column against, so that a text no
/// row holds finds nothing: `c = 'x'`, `c IN ('x', 'y')`, `array_has(c, 'x')`. (`<>`
/// and `NOT IN` with such a text keep every row: nothing to note.)
fn compared_texts(expr: &Expr) -> Vec<(Column, String)> {
    fn column(e: &Expr) -> Option<&Column> {
        match e {
            Expr::Column(c) => Some(c),
            Expr::Cast(cast) => column(&cast.expr),
            Expr::TryCast(cast) => column(&cast.expr),
            _ => None,
        }
    }
    fn text(e: &Expr) -> Option<String> {
        match e {
            Expr::Literal(
                ScalarValue::Utf8(Some(t))
                | ScalarValue::Utf8View(Some(t))
                | ScalarValue::LargeUtf8(Some(t)),
                _,
            ) => Some(t.clone()),
            Expr::Cast(cast) => text(&cast.expr),
            Expr::TryCast(cast) => text(&cast.expr),
            _ => None,
        }
    }
    match expr {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) => match (column(left), text(right), column(right), text(left)) {
            (Some(c), Some(t), _, _) | (_, _, Some(c), Some(t)) => vec![(c.clone(), t)],
            _ => vec![],
        },
        Expr::InList(list) if !list.negated => match column(&list.expr) {
            Some(c) => list
                .list
                .iter()
                .filter_map(text)
                .map(|t| (c.clone(), t))
                .collect(),
            None => vec![],
        },
        Expr::ScalarFunction(call)
            if matches!(call.name(), "array_has" | "array_contains" | "list_has") =>
        {
            match call.args.as_slice() {
                [array, value] => match (column(array), text(value)) {
                    (Some(c), Some(t)) => vec![(c.clone(), t)],
                    _ => vec![],
                },
                _ => vec![],
            }
        }
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_name_is_a_slip_of_the_keyboard_away() {
        let tables = ["deltagare", "insatser", "remisser", "deltagande"];
        assert_eq!(closest("deltagre", tables.into_iter()), Some("deltagare"));
        assert_eq!(closest("INSATSR", tables.into_iter()), Some("insatser"));
        assert_eq!(closest("utfall", tables.into_iter()), None);
        assert_eq!(
            closest("kon2", ["kon", "fodelsear"].into_iter()),
            Some("kon")
        );
        assert_eq!(closest("cout", ["cot", "count"].into_iter()), Some("count"));
    }

    #[test]
    fn a_parser_error_is_told_in_swedish_with_its_place() {
        let sql = "SELECT count(* FROM deltagare";
        let error = datafusion::sql::parser::DFParser::parse_sql(sql).unwrap_err();
        let told = parser_error(&error, sql);
        assert_eq!(
            told.to_string(),
            "frågan kan inte tolkas (rad 1, kolumn 16): här väntades ) men frågan har FROM"
        );
        assert!(told.detail().unwrap().contains("Expected: ), found: FROM"));
    }

    #[test]
    fn the_mark_stands_under_the_place_in_the_redacted_line() {
        // `x` is the 27th character of the line as typed.
        let pointer = pointer("SELECT '19121212-1212' IN x", 1, 27).unwrap();
        let lines: Vec<&str> = pointer.lines().collect();
        assert!(!lines[0].contains("1212"), "{pointer}");
        let at = lines[1].chars().position(|c| c == '^').unwrap();
        assert_eq!(lines[0].chars().nth(at), Some('x'), "{pointer}");
    }

    #[test]
    fn a_word_is_found_whole() {
        assert_eq!(
            find_word("SELECT kon2\nFROM deltagre d", "deltagre"),
            Some((2, 6))
        );
        assert_eq!(find_word("SELECT xkon FROM t", "kon"), None);
    }
}
