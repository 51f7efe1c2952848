//! What the dataset says inconsistently about its persons, as counts only.
//!
//! A person with several participations (in several projects, or back in one) may be
//! described differently in each: another kön, födelseår or utbildningsnivå. Which
//! value a figure uses is a definition (docs/definitions.md); how many persons it
//! concerns is told to whoever keeps the data (`finsam status`, after an ingest), never
//! which persons. The counting is the query `queries/kvalitet/olika_uppgifter.sql`.

use datafusion::arrow::array::{Array, Int64Array};

use crate::query::{Engine, functions::ALL_PROJECTS};
use crate::report::{QueryLibrary, ReportError};

const FOLDER: &str = "kvalitet";
const DIFFERING: &str = "olika_uppgifter.sql";

/// Persons whose participations disagree: how many in all, and per attribute (the
/// query's column names, in its order), attributes without any left out.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Differing {
    pub persons: i64,
    pub by_attribute: Vec<(String, i64)>,
}

impl Differing {
    /// `3 personer (kon 1, fodelsear 2)`, or `None` when there are none.
    pub fn summary(&self) -> Option<String> {
        if self.persons == 0 {
            return None;
        }
        let parts: Vec<String> = self
            .by_attribute
            .iter()
            .map(|(attribute, n)| format!("{attribute} {n}"))
            .collect();
        Some(format!("{} personer ({})", self.persons, parts.join(", ")))
    }
}

/// Counts, over every project, the persons whose participations say different things
/// about them.
pub async fn differing(engine: &Engine) -> Result<Differing, ReportError> {
    let library = QueryLibrary::load(None, FOLDER)?;
    let sql = library.text(DIFFERING)?;
    let query_error = |source| ReportError::Query {
        file: format!("{FOLDER}/{DIFFERING}"),
        source,
    };
    let params = [("projekt".to_string(), ALL_PROJECTS.to_string())];
    let result = engine.run(sql, &params).await.map_err(query_error)?;
    let mut differing = Differing::default();
    let Some(batch) = result.batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(differing);
    };
    for (field, column) in result.schema.fields().iter().zip(batch.columns()) {
        let count = column
            .as_any()
            .downcast_ref::<Int64Array>()
            .filter(|c| !c.is_null(0))
            .map_or(0, |c| c.value(0));
        if field.name() == "personer" {
            differing.persons = count;
        } else if count > 0 {
            differing.by_attribute.push((field.name().clone(), count));
        }
    }
    Ok(differing)
}
