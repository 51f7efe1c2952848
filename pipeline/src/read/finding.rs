//! Findings: problems in submitted records, reported to the person who sent them.
//!
//! A finding says where (file, sheet, row, column) and what, in plain Swedish. It
//! never holds a personnummer: its message, file, sheet and column pass through
//! [`crate::personnummer::redact_numbers`] as it is made, whatever they quote (a
//! header, a sheet name, a value out of range), and values are quoted through
//! [`crate::personnummer::redact_for_message`].

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::personnummer::redact_numbers;

/// Where in a submission a finding points. Sent in the server's answers and kept in
/// its landing area's log under Swedish keys, as `fel.csv` names its columns (the
/// English keys of earlier logs are read still).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    #[serde(rename = "fil", alias = "file")]
    pub file: String,
    #[serde(rename = "blad", alias = "sheet")]
    pub sheet: Option<String>,
    #[serde(rename = "rad", alias = "row")]
    pub row: Option<u64>,
    #[serde(rename = "kolumn", alias = "column")]
    pub column: Option<String>,
}

impl Location {
    /// The file as the user named it; a name that looks like a personnummer is hidden.
    pub fn file(path: &Path) -> Location {
        let shown = path.display().to_string();
        Location {
            file: redact_numbers(&shown).into_owned(),
            ..Location::default()
        }
    }

    pub fn sheet(mut self, sheet: &str) -> Location {
        self.sheet = Some(redact_numbers(sheet).into_owned());
        self
    }

    pub fn row(mut self, row: u64) -> Location {
        self.row = Some(row);
        self
    }

    pub fn column(mut self, column: &str) -> Location {
        self.column = Some(redact_numbers(column).into_owned());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    #[serde(flatten)]
    pub location: Location,
    #[serde(rename = "meddelande", alias = "message")]
    pub message: String,
}

impl Finding {
    pub fn at(location: Location, message: impl Into<String>) -> Finding {
        let message = message.into();
        Finding {
            location,
            message: redact_numbers(&message).into_owned(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", blad {sheet}")?;
        }
        if let Some(row) = self.row {
            write!(f, ", rad {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", kolumn {column}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_every_part_of_the_location() {
        let finding = Finding::at(
            Location::file(Path::new("mall.xlsx"))
                .sheet("Deltagare")
                .row(7)
                .column("Kön"),
            "okänd kod \"x\"",
        );
        assert_eq!(
            finding.to_string(),
            "mall.xlsx, blad Deltagare, rad 7, kolumn Kön: okänd kod \"x\""
        );
    }
}
