//! Tables already in memory: a pseudonymised submission received by `finsam serve`.

use std::sync::Arc;

use super::{Cell, Finding, RawRow, RowSource};

/// One table's header and rows, as a sender gave them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRows {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Rows are numbered as in a sheet: the header is row 1, the first row of data row 2.
pub struct MemorySource {
    table: Arc<TableRows>,
    next: usize,
}

impl MemorySource {
    pub fn new(table: Arc<TableRows>) -> MemorySource {
        MemorySource { table, next: 0 }
    }
}

impl RowSource for MemorySource {
    fn headers(&self) -> &[String] {
        &self.table.headers
    }

    fn next_row(&mut self) -> Result<Option<RawRow>, Finding> {
        let Some(cells) = self.table.rows.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(RawRow {
            number: self.next as u64 + 1,
            cells: cells.clone(),
        }))
    }

    fn progress(&self) -> (u64, u64) {
        (self.next as u64, self.table.rows.len() as u64)
    }
}
