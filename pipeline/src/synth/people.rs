//! Drawing one participant: a personnummer no one else has, demographics, the
//! referring authorities and how participation ends.
//!
//! Invariants: personnummer carry a valid Luhn check digit and a sex digit that agrees
//! with `kon`, and are unique across the collection (the [`Run`] keeps one counter per
//! birth year and sex); the person's events are drawn last, by [`Timeline`], from the
//! same stream, so the order of draws here is part of the output.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::events::{Event, Timeline};
use super::rng::{Rng, mix};
use super::weights::{
    AUTHORITIES, AVSLUTSORSAK, STATUS, TID_UTAN_ARBETE, TID_UTAN_ARBETE_YOUNG, UTBILDNING,
};
use super::{Run, SynthError};
use crate::personnummer::with_check_digit;

/// A participant as the generator keeps them until their last submission is written.
pub(super) struct Person {
    pub(super) index: u32,
    pub(super) id: String,
    pub(super) woman: bool,
    pub(super) birth_year: i32,
    pub(super) inskriven: NaiveDate,
    /// None while participation runs past the end of the collection.
    pub(super) avslutad: Option<NaiveDate>,
    pub(super) avslutsorsak: &'static str,
    pub(super) status: &'static str,
    pub(super) aktualiserad: [&'static str; 2],
    pub(super) utomnordisk: &'static str,
    pub(super) ensamstaende: bool,
    pub(super) samtycke: bool,
    pub(super) utbildning: &'static str,
    pub(super) tid_utan_arbete: &'static str,
    /// The last half-year (index) in which the person has to be listed.
    pub(super) last_half: u32,
}

impl Run<'_> {
    /// A birth date and serial no one else has, as a twelve-digit personnummer.
    ///
    /// Serials are handed out per birth year and sex by a counter `c`, mapped one-to-one
    /// onto (day of year, serial 001–998) through permutations offset by the seed, so
    /// numbers look scattered yet never repeat. The year moves by one when full.
    fn number(
        &mut self,
        birth_year: i32,
        woman: bool,
        lo: i32,
        hi: i32,
    ) -> Result<(i32, String), SynthError> {
        const DAYS: u32 = 365;
        const SERIALS: u32 = 499;
        let candidates = (0..=(hi - lo)).flat_map(|k| [birth_year - k, birth_year + k]);
        for year in candidates.filter(|y| (lo..=hi).contains(y)) {
            let used = self.numbers.entry((year, woman)).or_insert(0);
            if *used >= DAYS * SERIALS {
                continue;
            }
            let c = *used;
            *used += 1;
            let salt = mix(self.options.seed ^ ((year as u64) << 1 | u64::from(woman)));
            let ordinal = (c % DAYS * 151 + (salt % u64::from(DAYS)) as u32) % DAYS + 1;
            let day = NaiveDate::from_yo_opt(year, ordinal).expect("day 1–365 exists");
            let index = (c / DAYS * 263 + ((salt >> 32) % u64::from(SERIALS)) as u32) % SERIALS;
            // Odd serials for men, even for women.
            let serial = 2 * index + if woman { 2 } else { 1 };
            let core = format!(
                "{:02}{:02}{:02}{serial:03}",
                year % 100,
                day.month(),
                day.day()
            );
            return Ok((year, format!("{}{}", year / 100, with_check_digit(&core))));
        }
        Err(SynthError::NumbersExhausted(birth_year))
    }

    /// One participant starting in half-year `h`, with all their events.
    pub(super) fn person(
        &mut self,
        rng: &mut Rng,
        project: &str,
        index: u32,
        h: u32,
    ) -> Result<(Person, Vec<Event>), SynthError> {
        let half = self.half(h);
        let inskriven = rng.date_between(half.start(), half.end());
        // Ages 16–64 at start, skewed young: 45 % 16–29, 35 % 30–49, 20 % 50–64.
        let band = rng.unit();
        let age = if band < 0.45 {
            rng.between(16, 29)
        } else if band < 0.80 {
            rng.between(30, 49)
        } else {
            rng.between(50, 64)
        };
        // 60 % women, as in seed 003 (65 %) and SUS's finsam totals.
        let woman = rng.chance(0.60);
        let start_year = inskriven.year();
        let (birth_year, id) = if rng.chance(0.02) {
            // About 2 % may not give their number: a project-local code.
            (
                start_year - age as i32,
                format!("{project}-{:05}", index + 1),
            )
        } else {
            self.number(
                start_year - age as i32,
                woman,
                start_year - 64,
                start_year - 16,
            )?
        };
        let age = i64::from(start_year - birth_year);
        // One referring authority, two for 30 %.
        let first = rng.pick(AUTHORITIES);
        let mut second = "";
        if rng.chance(0.30) {
            while second.is_empty() || second == first {
                second = rng.pick(AUTHORITIES);
            }
        }
        let aktualiserad = [first, second];
        let tid_weights = if age <= 24 {
            TID_UTAN_ARBETE_YOUNG
        } else {
            TID_UTAN_ARBETE
        };
        let mut person = Person {
            index,
            id,
            woman,
            birth_year,
            inskriven,
            avslutad: None,
            avslutsorsak: "",
            status: "",
            aktualiserad,
            // Utomnordisk härkomst about 10 %, unknown 3 %.
            utomnordisk: rng.pick(&[("ja", 10), ("nej", 87), ("okant", 3)]),
            // Ensamstående med barn about 12 %, mostly women; none under 18.
            ensamstaende: age >= 18 && rng.chance(if woman { 0.19 } else { 0.05 }),
            // Consent about 95 %: people without it are kept but not counted.
            samtycke: rng.chance(0.95),
            utbildning: rng.pick(UTBILDNING),
            tid_utan_arbete: rng.pick(tid_weights),
            last_half: h,
        };
        // About 1 % are registration mistakes: ended within days, no events.
        if rng.chance(0.01) {
            person.avslutad = Some(
                rng.date_between(inskriven, inskriven + Days::new(10))
                    .min(self.range_end),
            );
            person.avslutsorsak = "felregistrering";
            person.last_half = self.half_index(person.avslutad.expect("just set"));
            return Ok((person, Vec::new()));
        }
        // Participation lasts 2–30 months, skewed short (median about a year).
        let u = rng.unit();
        let months = 2 + (28.0 * u * u.sqrt()) as u32;
        let end = inskriven + Months::new(months) + Days::new(rng.below(28));
        if end <= self.range_end {
            person.avslutad = Some(end);
            person.status = rng.pick(STATUS);
            person.avslutsorsak = if person.status == "annan_insats" && rng.chance(0.6) {
                "annan_insats"
            } else {
                rng.pick(AVSLUTSORSAK)
            };
            person.last_half = self.half_index(end);
        } else {
            person.last_half = self.halves - 1;
        }
        let timeline = Timeline {
            person: &person,
            end,
            age,
            range_end: self.range_end,
            monthly: self.options.monthly_followup,
        };
        let events = timeline.events(rng);
        Ok((person, events))
    }
}
