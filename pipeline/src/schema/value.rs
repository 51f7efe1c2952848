//! A value of a schema column as it is stored: what validation makes of a cell, and
//! what the store writes and a submission carries over the wire.

use chrono::NaiveDate;

/// A validated value, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Date(NaiveDate),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<String>),
}
