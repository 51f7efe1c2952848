//! A script of several statements, and which statements may run.
//!
//! A script (`finsam sql -f fil.sql`, a line typed in the shell) is split on its
//! semicolons by the SQL tokenizer, so a `;` inside a string or a comment does not
//! split; each statement keeps where it starts in the script, so a message can point at
//! the line and column the user sees.
//!
//! Every path that runs a user's SQL (the command, the shell, the PostgreSQL endpoint)
//! asks [`check_read_only`] first: a query, or a look at what there is (`SHOW`,
//! `DESCRIBE`, `EXPLAIN` of such a statement, `information_schema`). Anything that
//! writes, creates, copies or changes a setting is refused before DataFusion sees it.

use datafusion::sql::parser::{DFParser, Statement};
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use super::QueryError;

/// One statement of a script: its text, without the closing `;`, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement {
    pub text: String,
    /// Line (from 1) of the script on which the statement starts.
    pub line: usize,
    /// Column (from 1, in characters) on that line.
    pub column: usize,
}

impl ScriptStatement {
    /// A position in the statement (line and column from 1) as a position in the script.
    pub fn in_script(&self, line: usize, column: usize) -> (usize, usize) {
        if line <= 1 {
            (self.line, self.column + column.saturating_sub(1))
        } else {
            (self.line + line - 1, column)
        }
    }
}

/// The statements of `script`, in order; empty ones (`;;`, only comments) left out.
pub fn split(script: &str) -> Result<Vec<ScriptStatement>, QueryError> {
    let tokens = Tokenizer::new(&GenericDialect {}, script)
        .tokenize_with_location()
        .map_err(|e| QueryError::Syntax {
            message: super::advice::tokenizer_message(&e.message),
            line: e.location.line as usize,
            column: e.location.column as usize,
            detail: e.to_string(),
        })?;
    let offsets = LineOffsets::new(script);
    let mut statements = Vec::new();
    // The first token of the statement being read, and the end of its last token.
    let mut start: Option<(usize, usize, usize)> = None;
    let mut end = 0;
    for token in &tokens {
        let at = token.span.start;
        let (line, column) = (at.line as usize, at.column as usize);
        match &token.token {
            Token::SemiColon => {
                if let Some((from, line, column)) = start.take() {
                    statements.push(ScriptStatement {
                        text: script[from..end].to_string(),
                        line,
                        column,
                    });
                }
            }
            Token::Whitespace(_) | Token::EOF => {}
            _ => {
                if start.is_none() {
                    start = Some((offsets.byte(script, line, column), line, column));
                }
                end = offsets.byte(
                    script,
                    token.span.end.line as usize,
                    token.span.end.column as usize,
                );
            }
        }
    }
    if let Some((from, line, column)) = start {
        statements.push(ScriptStatement {
            text: script[from..end].to_string(),
            line,
            column,
        });
    }
    Ok(statements)
}

/// Whether `text` ends a statement: its last token (comments aside) is a `;` outside
/// any string or comment. A line editor asks this to know whether to read on.
pub fn is_complete(text: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, text).tokenize() else {
        // An open string or comment: the statement goes on.
        return false;
    };
    tokens
        .iter()
        .rev()
        .find(|t| !matches!(t, Token::Whitespace(_) | Token::EOF))
        .is_some_and(|t| *t == Token::SemiColon)
}

/// Byte offsets of the starts of the lines of a script.
struct LineOffsets(Vec<usize>);

impl LineOffsets {
    fn new(script: &str) -> LineOffsets {
        let mut starts = vec![0];
        starts.extend(script.match_indices('\n').map(|(i, _)| i + 1));
        LineOffsets(starts)
    }

    /// The byte offset of `column` (characters, from 1) on `line` (from 1).
    fn byte(&self, script: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.0.get(line.saturating_sub(1)) else {
            return script.len();
        };
        script[start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(script.len(), |(i, _)| start + i)
    }
}

/// Refuses anything but one query (SELECT, VALUES, WITH …), a look at what there is
/// (`SHOW TABLES`, `SHOW COLUMNS FROM t`, `SHOW ALL`, `DESCRIBE t`) or `EXPLAIN` of
/// either, before DataFusion sees it, so the message can say what was refused.
pub fn check_read_only(sql: &str) -> Result<(), QueryError> {
    let statements = DFParser::parse_sql(sql).map_err(|e| super::advice::parser_error(&e, sql))?;
    match statements.iter().collect::<Vec<_>>().as_slice() {
        [] => Err(QueryError::Empty),
        [statement] if is_read_only(statement) => Ok(()),
        [other] => Err(QueryError::NotReadOnly(verb(&other.to_string()))),
        several => Err(QueryError::SeveralStatements(several.len())),
    }
}

/// Whether a parsed statement only reads.
pub fn is_read_only(statement: &Statement) -> bool {
    match statement {
        Statement::Statement(s) => is_read_only_sql(s),
        Statement::Explain(explain) => is_read_only(&explain.statement),
        _ => false,
    }
}

/// Whether a statement of the SQL grammar only reads. A query that writes its result
/// to a table (`SELECT … INTO t`, anywhere in it) does not.
pub fn is_read_only_sql(statement: &SqlStatement) -> bool {
    match statement {
        SqlStatement::Query(query) => !has_into(query),
        SqlStatement::ShowTables { .. }
        | SqlStatement::ShowColumns { .. }
        | SqlStatement::ShowFunctions { .. }
        | SqlStatement::ExplainTable { .. } => true,
        // `SHOW name` reads a setting; `SHOW datafusion.x` reads DataFusion's.
        SqlStatement::ShowVariable { .. } => true,
        SqlStatement::Explain { statement, .. } => is_read_only_sql(statement),
        _ => false,
    }
}

/// Whether any SELECT of `query` (its body, its WITH, its subqueries) has an INTO.
fn has_into(query: &datafusion::sql::sqlparser::ast::Query) -> bool {
    use datafusion::sql::sqlparser::ast::{SetExpr, Visit, Visitor};
    use std::ops::ControlFlow;
    fn body_has_into(body: &SetExpr) -> bool {
        match body {
            SetExpr::Select(select) => select.into.is_some(),
            SetExpr::Query(query) => body_has_into(&query.body),
            SetExpr::SetOperation { left, right, .. } => {
                body_has_into(left) || body_has_into(right)
            }
            _ => false,
        }
    }
    struct Into;
    impl Visitor for Into {
        type Break = ();
        fn pre_visit_query(
            &mut self,
            query: &datafusion::sql::sqlparser::ast::Query,
        ) -> ControlFlow<()> {
            if body_has_into(&query.body) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }
    query.visit(&mut Into).is_break()
}

/// The first two words of a statement, to name it in a refusal ("DROP TABLE").
pub fn verb(text: &str) -> String {
    text.split_whitespace()
        .take(2)
        .take_while(|word| word.chars().all(char::is_alphabetic))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_splits_on_its_semicolons_only() {
        let script = "SELECT ';' AS a; -- en; kommentar\n\n  SELECT 2\n  FROM t;;\n/* ; */";
        let statements = split(script).unwrap();
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert_eq!(statements[0].text, "SELECT ';' AS a");
        assert_eq!((statements[0].line, statements[0].column), (1, 1));
        assert_eq!(statements[1].text, "SELECT 2\n  FROM t");
        assert_eq!((statements[1].line, statements[1].column), (3, 3));
        // Line 2, column 8 of the second statement is line 4, column 8 of the script;
        // line 1, column 3 of it is column 5 of the script's line 3.
        assert_eq!(statements[1].in_script(2, 8), (4, 8));
        assert_eq!(statements[1].in_script(1, 3), (3, 5));
        assert!(split("  -- bara en kommentar\n").unwrap().is_empty());
        assert_eq!(split("SELECT 'å'").unwrap()[0].text, "SELECT 'å'");
    }

    #[test]
    fn an_open_string_is_a_syntax_error_with_its_place() {
        let Err(QueryError::Syntax { line, column, .. }) = split("SELECT 1;\nSELECT 'x") else {
            panic!("an unterminated string is refused");
        };
        assert_eq!((line, column), (2, 8));
    }

    #[test]
    fn a_statement_is_complete_at_its_semicolon() {
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT 1; -- klar\n"));
        assert!(!is_complete("SELECT 1"));
        assert!(!is_complete("SELECT ';"));
        assert!(!is_complete("SELECT 1 /* ; */"));
    }

    #[test]
    fn only_reading_statements_pass() {
        for reading in [
            "SELECT 1",
            "EXPLAIN SELECT 1",
            "with x as (select 1) select * from x",
            "VALUES (1)",
            "SHOW TABLES",
            "SHOW COLUMNS FROM deltagare",
            "SHOW ALL",
            "SHOW datafusion.execution.batch_size",
            "DESCRIBE deltagare",
            "EXPLAIN ANALYZE SELECT 1",
            "SELECT * FROM information_schema.columns",
            "SELECT 1 AS into_x",
        ] {
            assert!(check_read_only(reading).is_ok(), "{reading}");
        }
        for refused in [
            "DROP TABLE deltagare",
            "CREATE TABLE t AS SELECT 1",
            "CREATE VIEW v AS SELECT 1",
            "INSERT INTO deltagare VALUES (1)",
            "DELETE FROM deltagare",
            "UPDATE deltagare SET kon = 'K'",
            "COPY deltagare TO 'x.csv'",
            "COPY (SELECT 1) TO 'x.csv'",
            "SET datafusion.execution.batch_size = 1",
            "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION 'x.csv'",
            "EXPLAIN CREATE TABLE t AS SELECT 1",
            "EXPLAIN COPY (SELECT 1) TO 'x.csv'",
            "SELECT * INTO kopia FROM deltagare",
            "WITH x AS (SELECT 1) SELECT * INTO kopia FROM x",
            "SELECT 1 UNION SELECT * INTO kopia FROM deltagare",
            "EXPLAIN SELECT * INTO kopia FROM deltagare",
        ] {
            assert!(
                matches!(check_read_only(refused), Err(QueryError::NotReadOnly(_))),
                "{refused}"
            );
        }
        assert!(matches!(
            check_read_only("SELECT 1; SELECT 2"),
            Err(QueryError::SeveralStatements(2))
        ));
        assert!(matches!(
            check_read_only("SELEC 1"),
            Err(QueryError::Syntax { .. })
        ));
    }
}
