//! The data validation of each table column: a drop-down of the code list's labels,
//! ja/nej, the allowed values, or a range check, with the column's description as the
//! input message, all cut to Excel's limits.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Formula, XlsxError,
};

use super::blank::labels;
use super::{excel_date, one_line};
use crate::schema::{ColumnDef, ColumnKind, Schema};

/// Dates later than this are typos; later checks reject future dates anyway.
const LAST_DATE: (u16, u8, u8) = (2099, 12, 31);
/// Excel's limits for a validation's input and error texts (in UTF-16 units).
pub(super) const TITLE_MAX: usize = 32;
pub(super) const MESSAGE_MAX: usize = 255;

/// The drop-down or range check of a column, with its description as input message.
pub(super) fn validation(
    schema: &Schema,
    column: &ColumnDef,
    code_ranges: &[(String, Option<String>)],
) -> Result<DataValidation, XlsxError> {
    let mut message = one_line(&column.description);
    if column.required {
        message = format!("{message} Obligatorisk.").trim_start().to_string();
    }
    let stop = |validation: DataValidation, error: &str| -> Result<DataValidation, XlsxError> {
        validation
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_error_title(truncate("Ogiltigt värde", TITLE_MAX))?
            .set_error_message(truncate(error, MESSAGE_MAX))
    };
    let validation = match &column.kind {
        ColumnKind::Code { list } => {
            let range = code_ranges
                .iter()
                .find(|(name, _)| name == list)
                .and_then(|(_, range)| range.as_deref());
            match range {
                Some(range) => stop(
                    DataValidation::new().allow_list_formula(Formula::new(range)),
                    "Välj ett värde ur listan. Alla värden finns i bladet Koder.",
                )?,
                None => DataValidation::new(),
            }
        }
        ColumnKind::Codes { list } => {
            // Several values per cell: a list validation would reject them.
            message = format!(
                "En eller flera, åtskilda med komma: {}. {message}",
                labels(schema, list).join(", ")
            );
            DataValidation::new().allow_any_value()
        }
        ColumnKind::Boolean => stop(
            DataValidation::new().allow_list_strings(&["ja", "nej"])?,
            "Välj ja eller nej.",
        )?,
        ColumnKind::Integer { allowed, .. } if !allowed.is_empty() => {
            let values: Vec<String> = allowed.iter().map(i64::to_string).collect();
            let error = format!("Tillåtna värden: {}.", values.join(", "));
            stop(DataValidation::new().allow_list_strings(&values)?, &error)?
        }
        ColumnKind::Integer { min, max, .. } => {
            let (rule, error) = range_rule(min.map(to_i32), max.map(to_i32), "ett heltal", |n| {
                n.to_string()
            });
            stop(DataValidation::new().allow_whole_number(rule), &error)?
        }
        ColumnKind::Decimal { min, max } => {
            let (rule, error) =
                range_rule(*min, *max, "ett tal", |n| n.to_string().replace('.', ","));
            stop(DataValidation::new().allow_decimal_number(rule), &error)?
        }
        ColumnKind::Date { allow_month } => {
            let (year, month, day) = LAST_DATE;
            let rule = DataValidationRule::Between(
                excel_date(schema.earliest_date)?,
                ExcelDateTime::from_ymd(year, month, day)?,
            );
            let between = format!(
                "mellan {} och {year}-{month:02}-{day:02}",
                schema.earliest_date
            );
            let validation = DataValidation::new().allow_date(rule);
            if *allow_month {
                // Whether Excel takes a typed month as a date depends on the locale, so
                // a month must stay possible: warn instead of stopping.
                validation
                    .set_error_style(DataValidationErrorStyle::Warning)
                    .set_error_title("Kontrollera datumet")?
                    .set_error_message(format!(
                        "Skriv ett datum ÅÅÅÅ-MM-DD eller en månad ÅÅÅÅ-MM {between}. Välj Ja om du skrivit en månad."
                    ))?
            } else {
                stop(
                    validation,
                    &format!("Skriv ett datum ÅÅÅÅ-MM-DD {between}."),
                )?
            }
        }
        ColumnKind::Person | ColumnKind::Project | ColumnKind::Text => {
            DataValidation::new().allow_any_value()
        }
    };
    validation
        .set_input_title(truncate(&column.label, TITLE_MAX))?
        .set_input_message(truncate(&message, MESSAGE_MAX))
}

/// The rule for an optional lower and upper bound, and its Swedish error message.
fn range_rule<T>(
    min: Option<T>,
    max: Option<T>,
    what: &str,
    show: impl Fn(&T) -> String,
) -> (DataValidationRule<T>, String)
where
    T: rust_xlsxwriter::IntoDataValidationValue + Bounded,
{
    match (min, max) {
        (Some(min), Some(max)) => {
            let error = format!("Skriv {what} mellan {} och {}.", show(&min), show(&max));
            (DataValidationRule::Between(min, max), error)
        }
        (Some(min), None) => {
            let error = format!("Skriv {what} som är minst {}.", show(&min));
            (DataValidationRule::GreaterThanOrEqualTo(min), error)
        }
        (None, Some(max)) => {
            let error = format!("Skriv {what} som är högst {}.", show(&max));
            (DataValidationRule::LessThanOrEqualTo(max), error)
        }
        (None, None) => (
            DataValidationRule::Between(T::LOWEST, T::HIGHEST),
            format!("Skriv {what}."),
        ),
    }
}

/// The widest range a whole-number or decimal validation can state.
trait Bounded {
    const LOWEST: Self;
    const HIGHEST: Self;
}

impl Bounded for i32 {
    const LOWEST: i32 = i32::MIN;
    const HIGHEST: i32 = i32::MAX;
}

impl Bounded for f64 {
    const LOWEST: f64 = -1e300;
    const HIGHEST: f64 = 1e300;
}

/// Excel's whole-number rules are 32-bit; schema bounds beyond that mean "no bound".
fn to_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

/// Cuts `text` to at most `max` UTF-16 units (Excel's measure), on a character
/// boundary, ending with an ellipsis when something was cut.
pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_string();
    }
    let mut cut = String::new();
    let mut length = 0;
    for ch in text.chars() {
        if length + ch.len_utf16() > max.saturating_sub(1) {
            break;
        }
        length += ch.len_utf16();
        cut.push(ch);
    }
    cut.push('…');
    cut
}
