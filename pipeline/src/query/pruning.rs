//! Listing only the selected project's files.
//!
//! Query files select projects with `i_urval(projekt, $projekt)`, which DataFusion can
//! only evaluate after listing every partition of a table. When the selection is one
//! project, this wrapper hands the table the equivalent `projekt = 'P'` instead, which
//! DataFusion turns into a path prefix: only `projekt=P/` is listed, so a report's time
//! does not grow with the number of other projects in the dataset.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Result, ScalarValue};
use datafusion::datasource::TableType;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, col, lit};
use datafusion::physical_plan::ExecutionPlan;

use super::functions::ALL_PROJECTS;

#[derive(Debug)]
pub struct SelectionPruning {
    pub inner: Arc<dyn TableProvider>,
}

#[async_trait]
impl TableProvider for SelectionPruning {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let rewritten: Vec<Expr> = filters.iter().map(|f| single_project(f)).collect();
        self.inner
            .supports_filters_pushdown(&rewritten.iter().collect::<Vec<_>>())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let rewritten: Vec<Expr> = filters.iter().map(single_project).collect();
        self.inner.scan(state, projection, &rewritten, limit).await
    }
}

/// `i_urval(projekt, 'P')` with one project becomes `projekt = 'P'`; anything else is kept.
fn single_project(filter: &Expr) -> Expr {
    if let Expr::ScalarFunction(call) = filter
        && call.name() == "i_urval"
        && let [
            Expr::Column(column),
            Expr::Literal(ScalarValue::Utf8(Some(selection)), _),
        ] = call.args.as_slice()
        && column.name == "projekt"
        && !selection.contains(',')
        && !selection.trim().eq_ignore_ascii_case(ALL_PROJECTS)
    {
        return col("projekt").eq(lit(selection.trim().to_ascii_uppercase()));
    }
    filter.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::ScalarUDF;

    fn urval(selection: &str) -> Expr {
        let function: ScalarUDF = super::super::functions::all()
            .into_iter()
            .find(|f| f.name() == "i_urval")
            .unwrap();
        function.call(vec![col("projekt"), lit(selection)])
    }

    #[test]
    fn one_project_becomes_an_equality() {
        assert_eq!(
            single_project(&urval("sigma")),
            col("projekt").eq(lit("SIGMA"))
        );
        // Several projects and `alla` stay as they are (UDFs compare by display).
        let kept = |selection: &str| single_project(&urval(selection)).to_string();
        assert_eq!(kept("SIGMA,KOMPIS"), urval("SIGMA,KOMPIS").to_string());
        assert_eq!(kept("alla"), urval("alla").to_string());
    }
}
