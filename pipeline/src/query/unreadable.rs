//! A table that cannot be read just now: its columns are known, and reading it says why.
//!
//! The project registry is a file people edit by hand. A mistake there should stop the
//! queries that read the registry's tables, with the registry's own message, and no
//! other query.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::TableType;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;

#[derive(Debug)]
pub struct Unreadable {
    pub schema: SchemaRef,
    /// Why: the error that keeps the table from being read.
    pub reason: Arc<dyn std::error::Error + Send + Sync>,
}

#[async_trait]
impl TableProvider for Unreadable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        _projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Err(DataFusionError::External(Box::new(Reason(
            self.reason.clone(),
        ))))
    }
}

/// The shared error, boxed again for each query that meets it.
#[derive(Debug)]
struct Reason(Arc<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Reason {}
