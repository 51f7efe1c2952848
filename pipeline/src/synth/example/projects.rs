//! The two projects' stories: SIGMA around its hand-set 2008H1 people, KOMPIS drawn
//! around O12's earlier time there, and for both the later years 2009–2011.
//!
//! Invariants: the first four half-years of both projects are drawn first, as if the
//! data ended at `FIRST_END`, each project from its own stream; the later years come
//! afterwards from streams of their own (`sigma_later`, `kompis_later`), so adding them
//! left the first collection as it was. Whoever is set by hand is never drawn again.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};

use super::draw::{Generic, anonymous_cases, extra_events, generic_person, weekly_meetings};
use super::handset::{HandSet, Leaver};
use super::leaving::{
    Outlook, Standing, follow_up, leave, orsak, outlook, standing, start_of_follow_up,
};
use super::model::{Event, Meeting, Person, Project, d, half, uppf};
use super::{DATA_END, FIRST_END, HALVES};
use crate::synth::rng::{Rng, on_a_weekday};

/// SIGMA up to `FIRST_END`: the hand-set people with more events outside 2008H1, those
/// who left in 2007, and those who start in 2008H2.
pub(super) fn sigma(hand: HandSet, numbers: &mut BTreeSet<String>) -> Project {
    let mut rng = Rng::from_state(0x5167_4d41);
    let HandSet {
        mut people,
        mut events,
        mut meetings,
        anonymous,
        narrative,
        ..
    } = hand;
    // Extra events of the hand-set people, outside 2008H1 only.
    let windows = [
        (d("2007-01-01"), d("2007-12-14")),
        (d("2008-07-02"), d("2008-12-19")),
    ];
    let mut extra = Vec::new();
    for person in &people {
        extra.extend(extra_events(&mut rng, person, &events, &windows));
    }
    events.extend(extra);
    numbers.extend(people.iter().map(|p| p.id.clone()));
    // Participants who left before 2008 (the 2007 workbooks)…
    for i in 1..=12 {
        let (person, evs) = sigma_2007_leaver(&mut rng, i, numbers);
        people.push(person);
        events.extend(evs);
    }
    // …and those who start in 2008H2.
    for i in 1..=6 {
        let inskriven = rng.weekday_mod(d("2008-07-02"), d("2008-11-28"));
        let avslutad = (i == 6).then(|| d("2008-12-19"));
        let g = Generic::sigma(format!("B{i:02}"), inskriven, avslutad, d(FIRST_END));
        let (person, evs) = generic_person(&mut rng, &g, numbers);
        people.push(person);
        events.extend(evs);
    }
    for h in ["2007H1", "2007H2", "2008H2"] {
        meetings.extend(weekly_meetings(&mut rng, half(h), Weekday::Thu));
    }
    // Between the holidays: planned, then cancelled (2007H2 workbook: not 18).
    meetings.push(Meeting::new(d("2007-12-28"), "grupptraff", "semester"));
    Project {
        name: "SIGMA",
        people,
        events,
        meetings,
        anonymous,
        narrative,
    }
}

/// KOMPIS up to `FIRST_END`: an invented second project of the same förbund, drawn, with
/// O12 (later in SIGMA) set by hand.
pub(super) fn kompis(hand: HandSet, numbers: &mut BTreeSet<String>) -> Project {
    let mut rng = Rng::from_state(0x4b4f_4d50_4953);
    let HandSet {
        mut people,
        mut events,
        ..
    } = hand;
    for i in 1..=84 {
        let inskriven = rng.weekday_mod(d("2006-05-02"), d("2008-11-28"));
        let length = rng.between_mod(100, 520);
        let planned_end = inskriven + TimeDelta::days(length);
        let mut avslutad = Some(planned_end).filter(|&a| a <= d(FIRST_END));
        // A few are registered by mistake and closed within days.
        let felregistrering = i % 37 == 0;
        if felregistrering {
            avslutad = Some(inskriven + TimeDelta::days(rng.between_mod(0, 4)));
        }
        // Those who left before 2007 belong to workbooks this collection does not have.
        if avslutad.is_some_and(|a| a < d("2007-01-01")) {
            continue;
        }
        let g = Generic {
            key: format!("K{i:02}"),
            project: "KOMPIS",
            local_prefix: "KOM",
            inskriven,
            avslutad,
            followups_before: d(DATA_END),
            horizon: d(FIRST_END),
            young_share: 0.45,
        };
        let (mut person, evs) = generic_person(&mut rng, &g, numbers);
        if avslutad.is_none() {
            person.planned_end = Some(planned_end);
        }
        if felregistrering {
            person.felregistrering();
        } else {
            events.extend(evs);
        }
        people.push(person);
    }
    let mut meetings = Vec::new();
    for h in &HALVES[..4] {
        meetings.extend(weekly_meetings(&mut rng, half(h), Weekday::Tue));
    }
    let mut anonymous = Vec::new();
    for h in &HALVES[..4] {
        anonymous.extend(anonymous_cases(&mut rng, half(h)));
    }
    Project {
        name: "KOMPIS",
        people,
        events,
        meetings,
        anonymous,
        narrative: Vec::new(),
    }
}

/// SIGMA after `FIRST_END`: the hand-set leavers, more who left in 2007, short stays in
/// 2008H2, then the later years.
pub(super) fn sigma_later(
    project: &mut Project,
    leavers: &[Leaver],
    numbers: &mut BTreeSet<String>,
) {
    let mut rng = Rng::from_state(0x5349_474d_4132);
    for leaver in leavers {
        let p = project.person_mut(&leaver.key);
        assert!(
            p.avslutad.is_none(),
            "SIGMA {} has left already",
            leaver.key
        );
        p.avslutad = Some(leaver.avslutad);
        p.orsak.clone_from(&leaver.orsak);
        p.status.clone_from(&leaver.status);
        p.efter.clone_from(&leaver.efter);
    }
    // More who left in 2007, and a few short stays in 2008H2, so that each year has some
    // 25 leavers. They are not aktuella in 2008H1 and have no uppföljning in it.
    for i in 13..=19 {
        let (person, events) = sigma_2007_leaver(&mut rng, i, numbers);
        project.people.push(person);
        project.events.extend(events);
    }
    for i in 7..=11 {
        let inskriven = rng.weekday_mod(d("2008-07-02"), d("2008-09-12"));
        let avslutad = rng.weekday_mod(inskriven + TimeDelta::days(60), d("2008-12-19"));
        let g = Generic::sigma(format!("B{i:02}"), inskriven, Some(avslutad), d(DATA_END));
        let (mut person, events) = generic_person(&mut rng, &g, numbers);
        // Most who leave within a few months broke off.
        let young = person.young_at_start();
        let short = Outlook {
            orsak: orsak(15, 45, 15, 10, 10, 5),
            ..outlook("SIGMA", 2008)
        };
        leave(
            &mut Rng::keyed(&["SIGMA", &person.key, "slutar"]),
            &mut person,
            young,
            &short,
        );
        project.people.push(person);
        project.events.extend(events);
    }
    later_years(project, &mut rng, numbers, &SIGMA_LATER);
}

/// KOMPIS after `FIRST_END`: O12's follow-up, then the later years.
pub(super) fn kompis_later(project: &mut Project, numbers: &mut BTreeSet<String>) {
    let mut rng = Rng::from_state(0x004b_4f4d_5049_5332);
    // O12 went on to SIGMA the day after she left: KOMPIS followed her up for a year, on
    // aktivitetsstöd as in SIGMA.
    project.person_mut("O12").after = vec![Some("aktivitetsstod".to_string()); 12];
    later_years(project, &mut rng, numbers, &KOMPIS_LATER);
}

/// A SIGMA participant who started in 2006–2007 and left in 2007 (number `i`).
fn sigma_2007_leaver(
    rng: &mut Rng,
    i: u32,
    numbers: &mut BTreeSet<String>,
) -> (Person, Vec<Event>) {
    let inskriven = rng.weekday_mod(d("2006-03-01"), d("2007-06-15"));
    let earliest = inskriven.max(d("2007-01-08")) + TimeDelta::days(60);
    let avslutad = rng
        .weekday_mod(earliest.min(d("2007-12-10")), d("2007-12-10"))
        .max(d("2007-01-08"));
    let g = Generic {
        followups_before: d("2008-01-01"),
        ..Generic::sigma(format!("A{i:02}"), inskriven, Some(avslutad), d(FIRST_END))
    };
    generic_person(rng, &g, numbers)
}

/// What a project's later years look like.
struct Later {
    /// The scenario's keys for newcomers start with this.
    key: &'static str,
    local_prefix: &'static str,
    young_share: f64,
    /// Newcomers in 2009H1, 2009H2, …, 2011H2.
    newcomers: [usize; 6],
    /// Days in the project, for newcomers and for those whose end is not drawn yet.
    length: (i64, i64),
    meetings_on: Weekday,
}

const SIGMA_LATER: Later = Later {
    key: "C",
    local_prefix: "SIG",
    young_share: 0.45,
    newcomers: [18, 15, 16, 15, 14, 15],
    length: (90, 540),
    meetings_on: Weekday::Thu,
};

/// KOMPIS takes mostly young adults from 2009.
const KOMPIS_LATER: Later = Later {
    key: "L",
    local_prefix: "KOM",
    young_share: 0.8,
    newcomers: [18, 21, 22, 18, 18, 17],
    length: (100, 480),
    meetings_on: Weekday::Tue,
};

/// The later years of `project`: everyone still in it at `FIRST_END` leaves when their
/// time comes (events in 2009–2011 along the way), newcomers arrive every half-year,
/// meetings and anonymous cases go on, and everyone who left is followed up month by month.
fn later_years(project: &mut Project, rng: &mut Rng, numbers: &mut BTreeSet<String>, l: &Later) {
    let name = project.name;
    let windows: Vec<(NaiveDate, NaiveDate)> = HALVES[4..]
        .iter()
        .map(|h| {
            let h = half(h);
            (
                h.start() + TimeDelta::days(7),
                h.end() - TimeDelta::days(12),
            )
        })
        .collect();
    for i in 0..project.people.len() {
        let p = &project.people[i];
        if p.inskriven > d(FIRST_END)
            || p.avslutad.is_some_and(|a| a <= d(FIRST_END))
            || p.orsak == "felregistrering"
        {
            continue;
        }
        let mut own = Rng::keyed(&[name, &p.key, "slutar"]);
        if p.avslutad.is_none() {
            // Not before 2009: the first collection has them in the project all 2008.
            let days_left = (d(FIRST_END) - p.inskriven).num_days() + 14;
            let end = on_a_weekday(p.planned_end.unwrap_or_else(|| {
                let shortest = l.length.0.max(days_left);
                let days = own.between_mod(shortest, l.length.1.max(shortest + 60));
                p.inskriven + TimeDelta::days(days)
            }));
            if end <= d(DATA_END) {
                let young = p.young_at_start();
                let p = &mut project.people[i];
                p.avslutad = Some(end);
                leave(&mut own, p, young, &outlook(name, end.year()));
            }
        }
        let p = &project.people[i];
        let mut events = extra_events(rng, p, &project.events, &windows);
        if let Some(end) = p.avslutad
            && own.chance(0.35)
        {
            let date = on_a_weekday(end + TimeDelta::days(own.between_mod(60, 200)));
            if date < d(DATA_END) {
                events.push(uppf(&p.key, date));
            }
        }
        project.events.extend(events);
    }
    let mut n = 0;
    for (&count, h) in l.newcomers.iter().zip(&HALVES[4..]) {
        let h = half(h);
        for _ in 0..count {
            n += 1;
            let inskriven = rng.weekday_mod(
                h.start() + TimeDelta::days(3),
                h.end() - TimeDelta::days(10),
            );
            let length = rng.between_mod(l.length.0, l.length.1);
            // Now and then someone is registered by mistake and closed within days.
            let felregistrering = n % 41 == 0;
            let avslutad = if felregistrering {
                Some(inskriven + TimeDelta::days(rng.between_mod(0, 4)))
            } else {
                Some(on_a_weekday(inskriven + TimeDelta::days(length)))
                    .filter(|&a| a <= d(DATA_END))
            };
            let g = Generic {
                key: format!("{}{n:03}", l.key),
                project: name,
                local_prefix: l.local_prefix,
                inskriven,
                avslutad,
                followups_before: d(DATA_END),
                horizon: d(DATA_END),
                young_share: l.young_share,
            };
            let (mut person, events) = generic_person(rng, &g, numbers);
            if felregistrering {
                person.felregistrering();
            } else {
                person.no_income = rng.chance(0.04);
                project.events.extend(events);
            }
            project.people.push(person);
        }
    }
    for h in &HALVES[4..] {
        let h = half(h);
        project
            .meetings
            .extend(weekly_meetings(rng, h, l.meetings_on));
        project.anonymous.extend(anonymous_cases(rng, h));
    }
    // Follow-up: within each cohort (the year of the end) and standing just after the end,
    // the uniform numbers of the first change are spread evenly, in a shuffled order.
    let mut cohorts: BTreeMap<(i32, Standing), Vec<usize>> = BTreeMap::new();
    for (i, p) in project.people.iter().enumerate() {
        if let Some(end) = p.avslutad
            && p.orsak != "felregistrering"
            && p.after.is_empty()
        {
            cohorts
                .entry((end.year(), standing(start_of_follow_up(p))))
                .or_default()
                .push(i);
        }
    }
    for ((year, standing), people) in cohorts {
        let n = people.len() as f64;
        let mut order = Rng::keyed(&[name, &year.to_string(), &format!("{standing:?}")]);
        let mut slots: Vec<usize> = (0..people.len()).collect();
        for j in (1..slots.len()).rev() {
            let k = usize::try_from(order.between_mod(0, j as i64)).expect("an index");
            slots.swap(j, k);
        }
        for (i, slot) in people.into_iter().zip(slots) {
            let p = &project.people[i];
            let mut own = Rng::keyed(&[name, &p.key, "följs upp"]);
            let u = (slot as f64 + own.unit()) / n;
            let after = follow_up(&mut own, p, &outlook(name, year), u);
            project.people[i].after = after;
        }
    }
}
