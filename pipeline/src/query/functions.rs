//! SQL functions finsam adds, so query files can take a half-year and a project
//! selection as plain parameters:
//!
//! - `halvar_start('2008H1')` → 2008-01-01 and `halvar_slut('2008H1')` → 2008-06-30;
//! - `period_start` and `period_slut`: the same for a half-year or a calendar year
//!   (`period_slut('2008')` → 2008-12-31);
//! - `i_urval(projekt, 'SIGMA,KOMPIS')` → whether the project is in the selection
//!   (case-insensitive; `alla` selects every project).
//!
//! They are conveniences, not definitions: what a statistic counts stays in the SQL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, Date32Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

use chrono::NaiveDate;

use crate::period::{HalfYear, Period};

/// The selection word that means every project.
pub const ALL_PROJECTS: &str = "alla";

pub fn all() -> Vec<ScalarUDF> {
    vec![
        date_bound("halvar_start", |t| {
            t.parse::<HalfYear>()
                .map(|h| h.start())
                .map_err(|e| e.to_string())
        }),
        date_bound("halvar_slut", |t| {
            t.parse::<HalfYear>()
                .map(|h| h.end())
                .map_err(|e| e.to_string())
        }),
        date_bound("period_start", |t| period_bounds(t).map(|(start, _)| start)),
        date_bound("period_slut", |t| period_bounds(t).map(|(_, end)| end)),
        create_udf(
            "i_urval",
            vec![DataType::Utf8, DataType::Utf8],
            DataType::Boolean,
            Volatility::Immutable,
            Arc::new(in_selection),
        ),
    ]
}

/// The first and last day of a half-year (`2008H1`) or a calendar year (`2008`).
pub fn period_bounds(text: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let period: Period = text
        .parse()
        .map_err(|e: crate::period::PeriodError| e.to_string())?;
    Ok((period.start(), period.end()))
}

fn date_bound(name: &str, bound: fn(&str) -> Result<NaiveDate, String>) -> ScalarUDF {
    let function = move |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let texts = strings(&arrays[0])?;
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch exists");
        let dates = texts
            .iter()
            .map(|text| {
                text.map(|t| {
                    bound(t)
                        .map(|date| (date - epoch).num_days() as i32)
                        .map_err(DataFusionError::Execution)
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
    // The selection is nearly always one value for every row (`$projekt`): read once.
    if let (ColumnarValue::Array(projects), ColumnarValue::Scalar(selection)) = (&args[0], &args[1])
    {
        let projects = strings(projects)?;
        let result: BooleanArray = match selection.try_as_str() {
            Some(Some(selection)) => {
                let selection = Selection::parse(selection);
                projects
                    .iter()
                    .map(|project| project.map(|project| selection.includes(project)))
                    .collect()
            }
            Some(None) => BooleanArray::new_null(projects.len()),
            None => {
                return Err(DataFusionError::Execution(format!(
                    "väntade text, fick {}",
                    selection.data_type()
                )));
            }
        };
        return Ok(ColumnarValue::Array(Arc::new(result)));
    }
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
    Selection::parse(selection).includes(project)
}

/// A selection's words, read once.
struct Selection<'a> {
    all: bool,
    names: Vec<&'a str>,
}

impl<'a> Selection<'a> {
    fn parse(selection: &'a str) -> Selection<'a> {
        let names: Vec<&str> = selection.split(',').map(str::trim).collect();
        Selection {
            all: names.iter().any(|n| n.eq_ignore_ascii_case(ALL_PROJECTS)),
            names,
        }
    }

    fn includes(&self, project: &str) -> bool {
        self.all || self.names.iter().any(|n| n.eq_ignore_ascii_case(project))
    }
}

fn strings(array: &ArrayRef) -> Result<&StringArray> {
    array.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
        DataFusionError::Execution(format!("väntade text, fick {}", array.data_type()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::common::ScalarValue;

    #[test]
    fn periods_are_half_years_or_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            period_bounds("2008H2"),
            Ok((d(2008, 7, 1), d(2008, 12, 31)))
        );
        assert_eq!(period_bounds("2008"), Ok((d(2008, 1, 1), d(2008, 12, 31))));
        assert!(period_bounds("08").is_err() && period_bounds("2008H3").is_err());
    }

    #[test]
    fn selections() {
        assert!(selects("alla", "SIGMA"));
        assert!(selects("SIGMA", "SIGMA"));
        assert!(selects("kompis, sigma", "SIGMA"));
        assert!(!selects("KOMPIS", "SIGMA"));
        assert!(!selects("SIG", "SIGMA"));
    }

    #[test]
    fn a_selection_given_once_reads_as_one_given_per_row() {
        let projects: ArrayRef =
            Arc::new(StringArray::from(vec![Some("SIGMA"), None, Some("KOMPIS")]));
        let answer = |selection: Option<&str>| {
            let scalar = in_selection(&[
                ColumnarValue::Array(projects.clone()),
                ColumnarValue::Scalar(ScalarValue::Utf8(selection.map(str::to_string))),
            ])
            .unwrap()
            .into_array(3)
            .unwrap();
            let per_row = in_selection(&[
                ColumnarValue::Array(projects.clone()),
                ColumnarValue::Array(Arc::new(StringArray::from(vec![selection; 3]))),
            ])
            .unwrap()
            .into_array(3)
            .unwrap();
            assert_eq!(scalar.as_ref(), per_row.as_ref(), "{selection:?}");
            scalar
                .as_any()
                .downcast_ref::<BooleanArray>()
                .unwrap()
                .iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(answer(Some("alla")), [Some(true), None, Some(true)]);
        assert_eq!(answer(Some("sigma, X")), [Some(true), None, Some(false)]);
        assert_eq!(answer(None), [None, None, None]);
    }
}
