//! Half-years (`2008H1`): the unit of submission, partitioning and reporting; and
//! report periods, a half-year or a calendar year (`2008`).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A half-year: H1 is 1 January – 30 June, H2 is 1 July – 31 December.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfYear {
    year: i32,
    half: u8,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("\"{0}\" är inget halvår: skriv år och H1 eller H2, t.ex. 2008H1")]
pub struct HalfYearError(pub String);

impl HalfYearError {
    /// A half-year that cannot be read is always the input's fault.
    pub fn kind(&self) -> crate::failure::Kind {
        crate::failure::Kind::InvalidInput
    }
}

impl HalfYear {
    pub fn new(year: i32, half: u8) -> Option<HalfYear> {
        ((1..=2).contains(&half) && (1900..=9999).contains(&year))
            .then_some(HalfYear { year, half })
    }

    pub fn containing(date: NaiveDate) -> HalfYear {
        HalfYear {
            year: date.year(),
            half: if date.month() <= 6 { 1 } else { 2 },
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn half(&self) -> u8 {
        self.half
    }

    pub fn start(&self) -> NaiveDate {
        let month = if self.half == 1 { 1 } else { 7 };
        NaiveDate::from_ymd_opt(self.year, month, 1).expect("first day of a half-year exists")
    }

    pub fn end(&self) -> NaiveDate {
        let (month, day) = if self.half == 1 { (6, 30) } else { (12, 31) };
        NaiveDate::from_ymd_opt(self.year, month, day).expect("last day of a half-year exists")
    }

    /// The half-year before this one (2008H1 → 2007H2).
    pub fn previous(&self) -> HalfYear {
        if self.half == 2 {
            HalfYear {
                year: self.year,
                half: 1,
            }
        } else {
            HalfYear {
                year: self.year - 1,
                half: 2,
            }
        }
    }
}

impl fmt::Display for HalfYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}H{}", self.year, self.half)
    }
}

impl FromStr for HalfYear {
    type Err = HalfYearError;

    fn from_str(text: &str) -> Result<HalfYear, HalfYearError> {
        let trimmed = text.trim();
        let error = || HalfYearError(trimmed.to_string());
        let (year, half) = trimmed.split_once(['H', 'h']).ok_or_else(error)?;
        if year.len() != 4 || half.len() != 1 {
            return Err(error());
        }
        let year = year.parse().map_err(|_| error())?;
        let half = half.parse().map_err(|_| error())?;
        HalfYear::new(year, half).ok_or_else(error)
    }
}

/// What an outcome report covers: a half-year, a calendar year or a range of years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Half(HalfYear),
    Year(i32),
    /// First and last year, both included.
    Years(i32, i32),
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error(
    "\"{0}\" är ingen period: skriv ett halvår (2008H1), ett år (2008) eller flera år (2005-2024)"
)]
pub struct PeriodError(pub String);

impl Period {
    pub fn start(&self) -> NaiveDate {
        match self {
            Period::Half(half) => half.start(),
            Period::Year(year) | Period::Years(year, _) => {
                NaiveDate::from_ymd_opt(*year, 1, 1).expect("1 January exists")
            }
        }
    }

    pub fn end(&self) -> NaiveDate {
        match self {
            Period::Half(half) => half.end(),
            Period::Year(year) | Period::Years(_, year) => {
                NaiveDate::from_ymd_opt(*year, 12, 31).expect("31 December exists")
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Half(half) => half.fmt(f),
            Period::Year(year) => write!(f, "{year}"),
            Period::Years(first, last) => write!(f, "{first}-{last}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Period, PeriodError> {
        let trimmed = text.trim();
        if let Ok(half) = trimmed.parse::<HalfYear>() {
            return Ok(Period::Half(half));
        }
        let year = |text: &str| {
            text.parse::<i32>()
                .ok()
                .filter(|y| (1900..=9999).contains(y) && text.len() == 4)
        };
        let error = || PeriodError(trimmed.to_string());
        match trimmed.split_once(['-', '–']) {
            Some((first, last)) => match (year(first.trim()), year(last.trim())) {
                (Some(first), Some(last)) if first <= last => Ok(Period::Years(first, last)),
                _ => Err(error()),
            },
            None => year(trimmed).map(Period::Year).ok_or_else(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let h: HalfYear = "2008H1".parse().unwrap();
        assert_eq!(h.to_string(), "2008H1");
        assert_eq!(h.start(), NaiveDate::from_ymd_opt(2008, 1, 1).unwrap());
        assert_eq!(h.end(), NaiveDate::from_ymd_opt(2008, 6, 30).unwrap());
        let h2: HalfYear = " 2008h2".parse().unwrap();
        assert_eq!(h2.end(), NaiveDate::from_ymd_opt(2008, 12, 31).unwrap());
        assert!(h < h2);
    }

    #[test]
    fn refuses_malformed_periods() {
        for bad in ["2008H3", "2008-1", "08H1", "2008H", "H1", "2008H12", ""] {
            assert!(bad.parse::<HalfYear>().is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_are_half_years_or_years() {
        let year: Period = "2008".parse().unwrap();
        assert_eq!(year.start(), NaiveDate::from_ymd_opt(2008, 1, 1).unwrap());
        assert_eq!(year.end(), NaiveDate::from_ymd_opt(2008, 12, 31).unwrap());
        assert_eq!(year.to_string(), "2008");
        let half: Period = "2008H2".parse().unwrap();
        assert_eq!(half.start(), NaiveDate::from_ymd_opt(2008, 7, 1).unwrap());
        assert_eq!(half.to_string(), "2008H2");
        let years: Period = "2005–2024".parse().unwrap();
        assert_eq!(years, Period::Years(2005, 2024));
        assert_eq!(years.to_string(), "2005-2024");
        assert_eq!(years.end(), NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        for bad in [
            "08",
            "20080",
            "2008H3",
            "år",
            "",
            "2010-2005",
            "2005-",
            "2005-24",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn containing_splits_at_july() {
        let d = |m, day| NaiveDate::from_ymd_opt(2008, m, day).unwrap();
        assert_eq!(HalfYear::containing(d(6, 30)).to_string(), "2008H1");
        assert_eq!(HalfYear::containing(d(7, 1)).to_string(), "2008H2");
    }
}
