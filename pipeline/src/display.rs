//! The display model: what a reader sees of each number.
//!
//! The half-year report, the table reports and the dashboards each lay out their own
//! figures, but every count in them is a [`Count`]: the exact value with the key that
//! names it in a publication. A renderer (Markdown, HTML, Excel, JSON, a chart, and any
//! output format added later) reads [`Count::shown`], not the exact value (`clippy.toml`
//! refuses that outside the publication builders), and a count is shown only once an
//! [`Audience`] has decided it. The project's own people see
//! it exact; a public reader sees what disclosure control decided over the whole
//! publication ([`crate::disclosure`]). The gate fails closed: a count no audience has
//! decided is hidden, and so, on a public page, is a count the publication does not
//! hold. Shares, intervals and differences are worked out from the shown counts, and a
//! quartile or a point of a curve is shown only where the count it stands on is, so
//! they cannot show more than the counts do.

use serde::{Serialize, Serializer};

use crate::disclosure::{Protected, Reason, cell_key};

/// A count on its way to a reader.
#[derive(Clone, PartialEq, Eq)]
pub struct Count {
    key: String,
    exact: i64,
    seen: Seen,
}

/// What has been decided of a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Undecided,
    /// Shown as it is: to the project's own people, or shown by disclosure control.
    Shown,
    /// Hidden by disclosure control, for this reason.
    Hidden(Reason),
    /// Not part of the publication: never shown to the public.
    Withheld,
}

impl Count {
    /// A count named `key` (the name disclosure control knows it by, within its page).
    pub fn new(key: impl Into<String>, exact: i64) -> Count {
        Count {
            key: key.into(),
            exact,
            seen: Seen::Undecided,
        }
    }

    /// Its name within its page.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The exact value, for the publication that disclosure control decides over; never
    /// for a reader. `clippy.toml` refuses any use of it without an `allow` that says why.
    pub(crate) fn exact(&self) -> i64 {
        self.exact
    }

    /// The value a reader sees: `None` where hidden or not yet decided.
    pub fn shown(&self) -> Option<i64> {
        (self.seen == Seen::Shown).then_some(self.exact)
    }

    /// Why disclosure control hid it; `None` when shown, withheld or undecided.
    pub fn hidden_because(&self) -> Option<Reason> {
        match self.seen {
            Seen::Hidden(reason) => Some(reason),
            _ => None,
        }
    }

    /// Hidden with the whole of its group, zeros too, though the group's n is shown: a
    /// reader must not take it to be at least 1.
    pub fn in_closed_group(&self) -> bool {
        self.seen == Seen::Hidden(Reason::ClosedGroup)
    }
}

/// Debugged as what a reader sees, with its key and what was decided: a debug print
/// is output too.
impl std::fmt::Debug for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Count")
            .field("key", &self.key)
            .field("shown", &self.shown())
            .field("seen", &self.seen)
            .finish()
    }
}

/// Serialised as what a reader sees: the number, or `null`.
impl Serialize for Count {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.shown().serialize(serializer)
    }
}

/// Who reads a page, and so what it shows.
pub enum Audience<'p> {
    /// The project's own report: every count exact.
    Project,
    /// A public page: what `protected` decided, each count named by `scope` followed by
    /// its key.
    Public {
        protected: &'p Protected,
        scope: String,
    },
}

impl<'p> Audience<'p> {
    /// A public report of `selection` for `period`, whose counts are named within it.
    pub fn page(protected: &'p Protected, selection: &str, period: &str) -> Audience<'p> {
        Audience::Public {
            protected,
            scope: cell_key(selection, period, ""),
        }
    }

    /// A public page whose counts carry their whole name (the dashboards').
    pub fn site(protected: &'p Protected) -> Audience<'p> {
        Audience::Public {
            protected,
            scope: String::new(),
        }
    }

    /// The count `key` with its exact value, decided: for a page made at once.
    pub fn count(&self, key: impl Into<String>, exact: i64) -> Count {
        let mut count = Count::new(key, exact);
        self.decide(&mut count);
        count
    }

    /// Decides what `count` shows.
    pub fn decide(&self, count: &mut Count) {
        count.seen = match self {
            Audience::Project => Seen::Shown,
            Audience::Public { protected, scope } => {
                // A site's counts carry their whole key: no string per count there.
                let reason = if scope.is_empty() {
                    protected.reason(&count.key)
                } else {
                    protected.reason(&format!("{scope}{}", count.key))
                };
                match reason {
                    Some(Reason::Shown) => Seen::Shown,
                    Some(reason) => Seen::Hidden(reason),
                    None => Seen::Withheld,
                }
            }
        };
    }

    /// The threshold of a public page; `None` for the project's own.
    pub fn threshold(&self) -> Option<i64> {
        match self {
            Audience::Project => None,
            Audience::Public { protected, .. } => Some(protected.threshold()),
        }
    }

    pub fn is_public(&self) -> bool {
        matches!(self, Audience::Public { .. })
    }

    /// The numbers of a public page's publication that disclosure control could not
    /// protect ([`Protected::unprotected`]); none for the project's own.
    pub fn unprotected(&self) -> &[String] {
        match self {
            Audience::Project => &[],
            Audience::Public { protected, .. } => protected.unprotected(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::{DEFAULT_THRESHOLD, Publication};

    fn protected() -> Protected {
        let mut publication = Publication::new();
        publication
            .cell(&cell_key("P", "2015", "stor"), 12)
            .unwrap();
        publication
            .cell(&cell_key("P", "2015", "liten"), 2)
            .unwrap();
        publication.protect(DEFAULT_THRESHOLD)
    }

    #[test]
    fn a_count_no_audience_decided_shows_nothing() {
        let count = Count::new("stor", 12);
        assert_eq!(count.shown(), None);
        assert_eq!(serde_json::to_string(&count).unwrap(), "null");
    }

    #[test]
    fn the_project_sees_every_count_and_the_public_what_the_publication_shows() {
        let protected = protected();
        let public = Audience::page(&protected, "P", "2015");
        let mut counts = [
            Count::new("stor", 12),
            Count::new("liten", 2),
            Count::new("okänd", 7),
        ];
        for count in &mut counts {
            public.decide(count);
        }
        let shown: Vec<Option<i64>> = counts.iter().map(Count::shown).collect();
        assert_eq!(shown, [Some(12), None, None]);
        assert_eq!(counts[1].hidden_because(), Some(Reason::Small));
        // A count the publication does not hold is withheld, not shown.
        assert_eq!(counts[2].hidden_because(), None);
        assert_eq!(serde_json::to_string(&counts).unwrap(), "[12,null,null]");
        for count in &mut counts {
            Audience::Project.decide(count);
        }
        let shown: Vec<Option<i64>> = counts.iter().map(Count::shown).collect();
        assert_eq!(shown, [Some(12), Some(2), Some(7)]);
    }
}

/// A count as Swedish text: numbers of five digits or more in groups of three, with a
/// no-break space between them (`12 345`, `1 000 000`), as Språkrådet recommends; four
/// digits stay together (`1511`). A minus is the minus sign.
/// A figure as a Swedish reader writes it: decimal comma, two decimals at most, no
/// trailing zeros (`34,8`, `6326`).
pub fn figure(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 6);
    if n < 0 {
        out.push('−');
    }
    if digits.len() < 5 {
        out.push_str(&digits);
        return out;
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod grouping_tests {
    use super::grouped;

    #[test]
    fn large_counts_are_grouped_by_three() {
        assert_eq!(grouped(34), "34");
        assert_eq!(grouped(1511), "1511");
        assert_eq!(grouped(12345), "12\u{a0}345");
        assert_eq!(grouped(1_000_000), "1\u{a0}000\u{a0}000");
        assert_eq!(grouped(-25000), "−25\u{a0}000");
    }
}
