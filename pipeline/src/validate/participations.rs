//! The persons of a table other tables refer to (deltagare), and for a table of
//! participations each person's participations as the submission gives them.
//!
//! A participation runs from its start to its end (none: ongoing), both days included.
//! A person may have several in one submission (they ended and came back) but no two
//! share a day. Memory: most people have one participation, kept inline; the rest go
//! to a side map, so a million people cost about 40 MB.

use std::collections::HashMap;

use chrono::NaiveDate;

/// One participation and the row that gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Participation {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub row: u64,
}

impl Participation {
    fn overlaps(&self, other: &Participation) -> bool {
        self.start <= other.end.unwrap_or(NaiveDate::MAX)
            && other.start <= self.end.unwrap_or(NaiveDate::MAX)
    }
}

/// Persons (as 128-bit keys) and, where known, their participations.
#[derive(Debug, Default)]
pub(super) struct Roster {
    /// Each person's first participation in row order; `None` for a table without them.
    first: HashMap<u128, Option<Participation>>,
    /// The participations after the first, for the few who have more.
    more: HashMap<u128, Vec<Participation>>,
}

impl Roster {
    pub fn insert(&mut self, person: u128) {
        self.first.entry(person).or_insert(None);
    }

    pub fn contains(&self, person: u128) -> bool {
        self.first.contains_key(&person)
    }

    /// Adds a participation of `person`; when it shares a day with one of theirs seen
    /// before, returns that one instead and adds nothing.
    pub fn add(&mut self, person: u128, participation: Participation) -> Result<(), Participation> {
        if let Some(clash) = self
            .participations(person)
            .find(|p| p.overlaps(&participation))
        {
            return Err(*clash);
        }
        match self.first.get_mut(&person) {
            Some(Some(_)) => self.more.entry(person).or_default().push(participation),
            Some(first) => *first = Some(participation),
            None => {
                self.first.insert(person, Some(participation));
            }
        }
        Ok(())
    }

    fn participations(&self, person: u128) -> impl Iterator<Item = &Participation> {
        let first = self.first.get(&person).and_then(Option::as_ref);
        first
            .into_iter()
            .chain(self.more.get(&person).into_iter().flatten())
    }

    /// The participation an event on `date` belongs to: the latest that started on or
    /// before it (the one covering it, or after its end the one it follows up); before
    /// every participation, `Err` with the earliest. `None` without participations.
    pub fn belonging(
        &self,
        person: u128,
        date: NaiveDate,
    ) -> Option<Result<&Participation, &Participation>> {
        let started = self
            .participations(person)
            .filter(|p| p.start <= date)
            .max_by_key(|p| p.start);
        match started {
            Some(p) => Some(Ok(p)),
            None => self.participations(person).min_by_key(|p| p.start).map(Err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn period(start: &str, end: Option<&str>, row: u64) -> Participation {
        Participation {
            start: day(start),
            end: end.map(day),
            row,
        }
    }

    #[test]
    fn a_person_may_come_back_but_never_twice_at_once() {
        let mut persons = Roster::default();
        let spring = period("2008-01-10", Some("2008-03-31"), 2);
        persons.add(7, spring).unwrap();
        // Back in May of the same half-year.
        persons.add(7, period("2008-05-02", None, 5)).unwrap();
        // The end day is part of the participation: starting that day overlaps.
        assert_eq!(
            persons.add(7, period("2008-03-31", Some("2008-04-10"), 6)),
            Err(spring)
        );
        // An ongoing participation reaches every later day.
        assert_eq!(
            persons
                .add(7, period("2009-01-01", None, 8))
                .unwrap_err()
                .row,
            5
        );
        assert!(persons.add(8, period("2008-01-10", None, 9)).is_ok());
        assert!(persons.contains(7) && persons.contains(8) && !persons.contains(9));
    }

    #[test]
    fn an_event_belongs_to_the_participation_it_falls_in_or_follows() {
        let mut persons = Roster::default();
        persons
            .add(1, period("2008-01-10", Some("2008-03-31"), 2))
            .unwrap();
        persons.add(1, period("2008-05-02", None, 3)).unwrap();
        let row = |date: &str| {
            persons
                .belonging(1, day(date))
                .map(|r| r.map(|p| p.row).map_err(|p| p.row))
        };
        assert_eq!(row("2008-02-01"), Some(Ok(2)));
        // Between the two: a follow-up of the first.
        assert_eq!(row("2008-04-15"), Some(Ok(2)));
        assert_eq!(row("2008-05-02"), Some(Ok(3)));
        assert_eq!(row("2007-12-24"), Some(Err(2)));
        assert_eq!(persons.belonging(2, day("2008-02-01")), None);
        let mut plain = Roster::default();
        plain.insert(4);
        assert!(plain.contains(4));
        assert_eq!(plain.belonging(4, day("2008-02-01")), None);
    }
}
