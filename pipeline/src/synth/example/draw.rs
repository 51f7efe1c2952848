//! Drawing what is not set by hand: a made-up participant with their events, more
//! events for someone already in a project, and a half-year of a group's meetings.
//!
//! Invariants: everything is drawn from the stream passed in, in a fixed order, so the
//! order of draws here is part of the committed example files (see `rng`): change a draw
//! and every later one changes. A drawn number is never one already taken.

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Weekday};

use super::DATA_END;
use super::leaving::{leave, outlook};
use super::model::{
    Event, IdSpec, Meeting, Person, Sex, atgard, d, ers, first_of_next_month, gb, lss, praktik,
    remiss, samtal, sjuk, stod, uppf,
};
use crate::period::HalfYear;
use crate::synth::rng::{Rng, on_a_weekday};

/// Weekly group meetings on `day` through a half-year, with summer and Christmas breaks,
/// cancellations with reasons, monthly mapping meetings and a couple of information meetings.
pub(super) fn weekly_meetings(rng: &mut Rng, h: HalfYear, day: Weekday) -> Vec<Meeting> {
    let holidays = [
        "2007-01-01",
        "2007-01-05",
        "2007-04-06",
        "2007-04-09",
        "2007-05-01",
        "2007-05-17",
        "2007-06-06",
        "2007-06-22",
        "2007-12-24",
        "2007-12-25",
        "2007-12-26",
        "2007-12-31",
        "2008-01-01",
        "2008-03-21",
        "2008-03-24",
        "2008-05-01",
        "2008-05-12",
        "2008-06-06",
        "2008-06-20",
        "2008-12-24",
        "2008-12-25",
        "2008-12-26",
        "2008-12-31",
        "2009-01-01",
        "2009-01-06",
        "2009-04-10",
        "2009-04-13",
        "2009-05-01",
        "2009-05-21",
        "2009-06-19",
        "2009-12-24",
        "2009-12-25",
        "2009-12-31",
        "2010-01-01",
        "2010-01-06",
        "2010-04-02",
        "2010-04-05",
        "2010-05-13",
        "2010-06-25",
        "2010-12-24",
        "2010-12-31",
        "2011-01-06",
        "2011-04-22",
        "2011-04-25",
        "2011-06-02",
        "2011-06-06",
        "2011-06-24",
        "2011-12-26",
    ]
    .map(d);
    let (from, to) = if h.half() == 1 {
        (
            h.start() + TimeDelta::days(9),
            h.end() - TimeDelta::days(14),
        )
    } else {
        (
            h.start() + TimeDelta::days(44),
            h.end() - TimeDelta::days(7),
        )
    };
    let mut meetings = Vec::new();
    let mut date = from;
    while date.weekday() != day {
        date += TimeDelta::days(1);
    }
    while date <= to {
        let orsak = if holidays.contains(&date) {
            "helgdag"
        } else if rng.chance(0.14) {
            rng.pick_mod(&[
                ("semester", 2),
                ("obligatoriskt_mote", 3),
                ("sjukdom", 3),
                ("omorganisation", 1),
                ("annan", 1),
            ])
        } else {
            ""
        };
        meetings.push(Meeting::new(date, "grupptraff", orsak));
        date += TimeDelta::days(7);
    }
    let mut month = first_of_next_month(from - TimeDelta::days(1));
    while month <= to {
        let date = rng.weekday_mod(month + TimeDelta::days(7), month + TimeDelta::days(20));
        let orsak = if rng.chance(0.15) { "sjukdom" } else { "" };
        meetings.push(Meeting::new(date, "kartlaggningstraff", orsak));
        month = month + Months::new(1);
    }
    for _ in 0..rng.between_mod(1, 3) {
        meetings.push(Meeting::new(
            rng.weekday_mod(from, to),
            "informationstraff",
            "",
        ));
    }
    meetings
}

/// What the generator needs to make up one participant.
pub(super) struct Generic {
    pub(super) key: String,
    pub(super) project: &'static str,
    /// Prefix of a project-local code, e.g. SIG.
    pub(super) local_prefix: &'static str,
    pub(super) inskriven: NaiveDate,
    pub(super) avslutad: Option<NaiveDate>,
    /// Follow-ups only before this day.
    pub(super) followups_before: NaiveDate,
    /// The last day the data knows of when the person is drawn: later decisions are left
    /// out, and insatser running past it stay open.
    pub(super) horizon: NaiveDate,
    /// The chance of being 16–29 at the start.
    pub(super) young_share: f64,
}

impl Generic {
    /// A SIGMA participant, followed up until the data ends.
    pub(super) fn sigma(
        key: String,
        inskriven: NaiveDate,
        avslutad: Option<NaiveDate>,
        horizon: NaiveDate,
    ) -> Generic {
        Generic {
            key,
            project: "SIGMA",
            local_prefix: "SIG",
            inskriven,
            avslutad,
            followups_before: d(DATA_END),
            horizon,
            young_share: 0.45,
        }
    }
}

/// One to three occasions in `h` when cases were discussed without identity, each with
/// one to three people.
pub(super) fn anonymous_cases(rng: &mut Rng, h: HalfYear) -> Vec<(NaiveDate, u32)> {
    (0..rng.between_mod(1, 3))
        .map(|_| {
            let date = rng.weekday_mod(
                h.start() + TimeDelta::days(14),
                h.end() - TimeDelta::days(14),
            );
            let people = u32::try_from(rng.between_mod(1, 3)).expect("a small count");
            (date, people)
        })
        .collect()
}

/// A participant made up from `g`, with a number no one in `numbers` has yet (added to
/// it), and their events.
pub(super) fn generic_person(
    rng: &mut Rng,
    g: &Generic,
    numbers: &mut BTreeSet<String>,
) -> (Person, Vec<Event>) {
    let sex = if rng.chance(0.62) { Sex::K } else { Sex::M };
    let young = rng.chance(g.young_share);
    let age = if young {
        rng.between_mod(19, 29)
    } else {
        rng.between_mod(30, 63)
    };
    let born_year = g.inskriven.year() - i32::try_from(age).expect("an age");
    let born = NaiveDate::from_ymd_opt(
        born_year,
        u32::try_from(rng.between_mod(1, 12)).expect("a month"),
        u32::try_from(rng.between_mod(1, 28)).expect("a day"),
    )
    .expect("a birth date");
    let form = rng.pick_mod(&[(0, 55), (1, 30), (2, 5), (3, 10)]);
    let spec = loop {
        let serial = u32::try_from(rng.between_mod(10, 99)).expect("a serial");
        let spec = match form {
            0 => IdSpec::Number {
                born,
                serial,
                dash: false,
                samordning: false,
            },
            1 => IdSpec::Number {
                born,
                serial,
                dash: true,
                samordning: false,
            },
            2 => IdSpec::Number {
                born,
                serial,
                dash: false,
                samordning: true,
            },
            _ => IdSpec::Local {
                code: format!("{}-{:03}", g.local_prefix, 100 + serial * 3),
                born_year,
            },
        };
        if numbers.insert(spec.written(sex)) {
            break spec;
        }
    };
    let mut p = Person::new(&g.key, sex, &spec, g.inskriven);
    p.akt = rng
        .pick_mod(&[
            ("FK", 5),
            ("AF", 5),
            ("Socialtjänsten", 5),
            ("VC", 3),
            ("FK, VC", 4),
            ("AF, FK", 3),
            ("Psykiatrin", 3),
            ("AF, Socialtjänsten", 3),
            ("AME", 1),
            ("Egen anmälan", 1),
            ("LSS", 1),
            ("Annan", 1),
        ])
        .into();
    p.utomnordisk = rng
        .pick_mod(&[("nej", 80), ("ja", 10), ("okant", 10)])
        .into();
    p.ensam = rng.chance(if sex == Sex::K { 0.2 } else { 0.04 });
    p.samtycke = !rng.chance(0.04);
    p.utb = rng
        .pick_mod(&[
            ("forgymnasial", 3),
            ("gymnasial", 5),
            ("eftergymnasial", 2),
            ("okand", 1),
        ])
        .into();
    p.tid = if young {
        rng.pick_mod(&[
            ("under_1_ar", 3),
            ("1_2_ar", 3),
            ("2_5_ar", 2),
            ("aldrig_arbetat", 3),
            ("okand", 1),
        ])
    } else {
        rng.pick_mod(&[
            ("under_1_ar", 3),
            ("1_2_ar", 3),
            ("2_5_ar", 3),
            ("over_5_ar", 2),
            ("okand", 1),
        ])
    }
    .into();
    let fk = p.akt.contains("FK") || p.akt.contains("VC");
    p.fore = if p.akt.contains("Socialtjänsten") {
        rng.pick_mod(&[
            ("forsorjningsstod", 4),
            ("forsorjningsstod:50+aktivitetsstod:50", 1),
        ])
    } else if fk {
        if young {
            rng.pick_mod(&[("sjukpenning", 3), ("aktivitetsersattning", 2)])
        } else {
            rng.pick_mod(&[
                ("sjukpenning", 4),
                ("sjukersattning:50+sjukpenning:50", 1),
                ("sjukersattning:25+arbete:75", 1),
            ])
        }
    } else if p.akt.contains("AF") || p.akt == "AME" {
        rng.pick_mod(&[("aktivitetsstod", 3), ("a_kassa", 2)])
    } else if p.akt == "Psykiatrin" || p.akt == "LSS" {
        if young {
            "aktivitetsersattning"
        } else {
            "sjukpenning"
        }
    } else {
        rng.pick_mod(&[
            ("okand", 1),
            ("forsorjningsstod", 1),
            ("ingen_offentlig", 1),
        ])
    }
    .to_string();
    if let Some(end) = g.avslutad {
        p.avslutad = Some(end);
        leave(rng, &mut p, young, &outlook(g.project, end.year()));
    }

    let key = g.key.as_str();
    let start = g.inskriven;
    let last = g.avslutad.unwrap_or(g.horizon);
    let ongoing_end =
        |end: NaiveDate| (end < last || g.avslutad.is_some()).then_some(end.min(last));
    let mut events = vec![gb(
        key,
        rng.weekday_mod(start, (start + TimeDelta::days(10)).min(last)),
    )];
    if rng.chance(0.6) {
        let from = rng.weekday_mod(start + TimeDelta::days(14), start + TimeDelta::days(100));
        if from < last {
            let end = ongoing_end(from + TimeDelta::days(rng.between_mod(45, 200)));
            events.push(if rng.chance(0.5) {
                praktik(key, from, end)
            } else {
                atgard(key, from, end)
            });
        }
    }
    if rng.chance(0.3) {
        let from = rng
            .weekday_mod(start, start + TimeDelta::days(30))
            .min(last);
        events.push(stod(
            key,
            from,
            ongoing_end(from + TimeDelta::days(rng.between_mod(60, 300))),
        ));
    }
    for _ in 0..rng.pick_mod(&[(0, 4), (1, 4), (2, 2)]) {
        let till = rng.pick_mod(&[
            ("af_fk_samverkan", 3),
            ("af_rehab", 3),
            ("psykiatri", 3),
            ("beroendevard", 1),
            ("habilitering", 1),
            ("vardcentral", 1),
            ("socialtjanst", 1),
            ("arbetsmarknadsenhet", 1),
            ("annan", 1),
        ]);
        let syfte = rng.pick_mod(&[("utredning", 1), ("insats", 1)]);
        events.push(remiss(key, rng.weekday_mod(start, last), till, syfte));
    }
    if rng.chance(0.2) {
        let till = rng.pick_mod(&[("sjukgymnastik", 3), ("rontgen", 2), ("annan_rutin", 1)]);
        events.push(remiss(key, rng.weekday_mod(start, last), till, "utredning"));
    }
    if rng.chance(if fk { 0.55 } else { 0.15 }) {
        let from = on_a_weekday(start - TimeDelta::days(rng.between_mod(30, 300)));
        let to = ongoing_end(start + TimeDelta::days(rng.between_mod(30, 300)));
        events.push(sjuk(
            key,
            from,
            to,
            rng.pick_mod(&[(25, 1), (50, 2), (75, 1), (100, 3)]),
        ));
    }
    if rng.chance(if young { 0.2 } else { 0.06 }) {
        let informed = rng.weekday_mod(start + TimeDelta::days(20), start + TimeDelta::days(120));
        if informed < last {
            let what = rng.pick_mod(&[
                ("kontaktperson", 3),
                ("daglig_verksamhet", 2),
                ("boende", 1),
                ("ledsagarservice", 1),
            ]);
            events.push(lss(key, informed, "informerad", ""));
            if rng.chance(0.6) {
                let applied = informed + TimeDelta::days(rng.between_mod(14, 40));
                let decided = on_a_weekday(applied + TimeDelta::days(rng.between_mod(30, 80)));
                events.push(lss(key, on_a_weekday(applied), "ansokt", what));
                if decided <= g.horizon {
                    let outcome = if rng.chance(0.7) {
                        "beviljad"
                    } else {
                        "avslag"
                    };
                    events.push(lss(key, decided, outcome, what));
                }
            }
        }
    }
    if rng.chance(if fk { 0.35 } else { 0.08 }) {
        let typ = if young { "AE" } else { "SE" };
        let date = rng.weekday_mod(start + TimeDelta::days(30), last);
        let step = rng.pick_mod(&[("ansokt", 7), ("forlangning_bedomd", 3)]);
        events.push(ers(key, date, typ, step));
        let decided = on_a_weekday(date + TimeDelta::days(rng.between_mod(60, 150)));
        if step == "ansokt" && decided <= g.horizon && rng.chance(0.6) {
            events.push(ers(
                key,
                decided,
                typ,
                if rng.chance(0.6) {
                    "beviljad"
                } else {
                    "avslag"
                },
            ));
        }
    }
    for _ in 0..rng.pick_mod(&[(0, 4), (1, 4), (2, 2)]) {
        events.push(samtal(key, rng.weekday_mod(start, last)));
    }
    if let Some(end) = g.avslutad
        && rng.chance(0.35)
    {
        let date = on_a_weekday(end + TimeDelta::days(rng.between_mod(60, 200)));
        if date < g.followups_before {
            events.push(uppf(key, date));
        }
    }
    // Decisions after the end would land in a workbook exported before them: leave them out.
    events.retain(|e| e.date <= last || e.text("typ") == "uppfoljning");
    (p, events)
}

/// More events for someone already in the project, only inside `windows` (never in
/// 2008H1): referrals, flerpartssamtal, and from 2008H2 on a praktik or a sick-leave spell
/// now and then.
pub(super) fn extra_events(
    rng: &mut Rng,
    p: &Person,
    known: &[Event],
    windows: &[(NaiveDate, NaiveDate)],
) -> Vec<Event> {
    let mine: Vec<&Event> = known.iter().filter(|e| e.person == p.key).collect();
    let has = |table: &str, typ: &str| {
        mine.iter()
            .any(|e| e.table == table && (typ.is_empty() || e.text("typ") == typ))
    };
    let mut events = Vec::new();
    for &(from, to) in windows {
        let from = from.max(p.inskriven);
        let to = p.avslutad.map_or(to, |a| a.min(to));
        if from > to {
            continue;
        }
        let key = p.key.as_str();
        if rng.chance(0.35) {
            let till = rng.pick_mod(&[
                ("af_fk_samverkan", 3),
                ("af_rehab", 3),
                ("psykiatri", 2),
                ("socialtjanst", 1),
            ]);
            events.push(remiss(
                key,
                rng.weekday_mod(from, to),
                till,
                rng.pick_mod(&[("utredning", 1), ("insats", 1)]),
            ));
        }
        if rng.chance(0.35) {
            events.push(samtal(key, rng.weekday_mod(from, to)));
        }
        if from >= d("2008-07-01") {
            let open_praktik = mine.iter().any(|e| {
                e.table == "insatser"
                    && ["praktik", "arbetsmarknadsatgard"].contains(&e.text("typ"))
                    && e.date_of("slut").is_none_or(|s| s >= from)
            });
            if !open_praktik && rng.chance(0.4) {
                let start = rng.weekday_mod(from, to);
                events.push(praktik(
                    key,
                    start,
                    (start + TimeDelta::days(rng.between_mod(60, 150))).min(to),
                ));
            }
            if !has("sjukskrivning", "") && rng.chance(0.12) {
                let start = rng.weekday_mod(from, to);
                events.push(sjuk(
                    key,
                    start,
                    (start + TimeDelta::days(rng.between_mod(14, 90))).min(to),
                    100,
                ));
            }
        }
    }
    events
}
