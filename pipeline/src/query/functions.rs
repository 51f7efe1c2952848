//! SQL functions finsam adds, so query files can take a half-year and a project
//! selection as plain parameters:
//!
//! - `halvar_start('2008H1')` → 2008-01-01 and `halvar_slut('2008H1')` → 2008-06-30;
//! - `i_urval(projekt, 'SIGMA,KOMPIS')` → whether the project is in the selection
//!   (case-insensitive; `alla` selects every project).
//!
//! They are conveniences, not definitions: what a statistic counts stays in the SQL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, Date32Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

use crate::period::HalfYear;

/// The selection word that means every project.
pub const ALL_PROJECTS: &str = "alla";

pub fn all() -> Vec<ScalarUDF> {
    vec![
        half_year_bound("halvar_start", HalfYear::start),
        half_year_bound("halvar_slut", HalfYear::end),
        create_udf(
            "i_urval",
            vec![DataType::Utf8, DataType::Utf8],
            DataType::Boolean,
            Volatility::Immutable,
            Arc::new(in_selection),
        ),
    ]
}

fn half_year_bound(name: &str, bound: fn(&HalfYear) -> chrono::NaiveDate) -> ScalarUDF {
    let function = move |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let texts = strings(&arrays[0])?;
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch exists");
        let dates = texts
            .iter()
            .map(|text| {
                text.map(|t| {
                    t.parse::<HalfYear>()
                        .map(|h| (bound(&h) - epoch).num_days() as i32)
                        .map_err(|e| DataFusionError::Execution(e.to_string()))
                })
                .transpose()
            })
            .collect::<Result<Date32Array>>()?;
        Ok(ColumnarValue::Array(Arc::new(dates) as ArrayRef))
    };
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(function),
    )
}

fn in_selection(args: &[ColumnarValue]) -> Result<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let projects = strings(&arrays[0])?;
    let selections = strings(&arrays[1])?;
    let result: BooleanArray = projects
        .iter()
        .zip(selections.iter())
        .map(|(project, selection)| match (project, selection) {
            (Some(project), Some(selection)) => Some(selects(selection, project)),
            _ => None,
        })
        .collect();
    Ok(ColumnarValue::Array(Arc::new(result)))
}

/// Whether a selection (`alla`, or short names separated by commas) includes a project.
pub fn selects(selection: &str, project: &str) -> bool {
    selection
        .split(',')
        .map(str::trim)
        .any(|s| s.eq_ignore_ascii_case(ALL_PROJECTS) || s.eq_ignore_ascii_case(project))
}

fn strings(array: &ArrayRef) -> Result<&StringArray> {
    array.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
        DataFusionError::Execution(format!("väntade text, fick {}", array.data_type()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections() {
        assert!(selects("alla", "SIGMA"));
        assert!(selects("SIGMA", "SIGMA"));
        assert!(selects("kompis, sigma", "SIGMA"));
        assert!(!selects("KOMPIS", "SIGMA"));
        assert!(!selects("SIG", "SIGMA"));
    }
}
