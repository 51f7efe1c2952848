//! Drawing a participant's event rows: insatser, remisser, sick leave, LSS,
//! sjuk-/aktivitetsersättning and the monthly income sources (forsorjning).
//!
//! Invariants: every event's (start) date lies on or after inskriven; end dates past
//! the collection are left empty, as they are not known yet; rows dated after the
//! collection are dropped by the caller. The order of draws is part of the output.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::people::Person;
use super::rng::Rng;
use super::weights::{
    LSS_INSATS, REMISS_TILL, SOURCE_AF, SOURCE_FK, SOURCE_OTHER, SOURCE_SOC, SOURCE_VARD,
};
use super::{FOLLOW_UP_MONTHS, MONTHLY_FOLLOW_UP};
use crate::period::HalfYear;

/// One row of a person table (other than deltagare).
pub(super) enum Event {
    Insats {
        typ: &'static str,
        start: NaiveDate,
        slut: Option<NaiveDate>,
    },
    Remiss {
        datum: NaiveDate,
        till: &'static str,
        syfte: &'static str,
    },
    Sjuk {
        fran: NaiveDate,
        till: Option<NaiveDate>,
        omfattning: &'static str,
    },
    Lss {
        datum: NaiveDate,
        handelse: &'static str,
        insats: &'static str,
    },
    Ersattning {
        datum: NaiveDate,
        typ: &'static str,
        handelse: &'static str,
    },
    Forsorjning {
        datum: NaiveDate,
        kalla: &'static str,
        omfattning: &'static str,
    },
}

impl Event {
    /// The date that places the row in a half-year.
    pub(super) fn date(&self) -> NaiveDate {
        match self {
            Event::Insats { start, .. } => *start,
            Event::Sjuk { fran, .. } => *fran,
            Event::Remiss { datum, .. }
            | Event::Lss { datum, .. }
            | Event::Ersattning { datum, .. }
            | Event::Forsorjning { datum, .. } => *datum,
        }
    }

    pub(super) fn table(&self) -> usize {
        match self {
            Event::Insats { .. } => 0,
            Event::Remiss { .. } => 1,
            Event::Sjuk { .. } => 2,
            Event::Lss { .. } => 3,
            Event::Ersattning { .. } => 4,
            Event::Forsorjning { .. } => 5,
        }
    }
}

/// Draws one participant's events from inskriven to the natural end of participation
/// (`end`, which may lie past the collection: such rows are dropped by the caller).
pub(super) struct Timeline<'a> {
    pub(super) person: &'a Person,
    pub(super) end: NaiveDate,
    pub(super) age: i64,
    pub(super) range_end: NaiveDate,
    pub(super) monthly: bool,
}

impl Timeline<'_> {
    pub(super) fn events(&self, rng: &mut Rng) -> Vec<Event> {
        let (start, end) = (self.person.inskriven, self.end);
        let ended = self.person.avslutad.is_some();
        let mut events = Vec::with_capacity(16);
        let insats =
            |typ, start: NaiveDate, slut: Option<NaiveDate>| Event::Insats { typ, start, slut };
        // Gemensam bedömning for everyone within two weeks of the start, same half-year.
        let half_end = HalfYear::containing(start).end();
        events.push(insats(
            "gemensam_bedomning",
            (start + Days::new(rng.below(15))).min(half_end).min(end),
            None,
        ));
        // Praktik ~50 %, arbetsmarknadsåtgärd ~25 %, annan ~5 %: 1–6 months within participation.
        for (typ, share) in [
            ("praktik", 0.50),
            ("arbetsmarknadsatgard", 0.25),
            ("annan", 0.05),
        ] {
            if rng.chance(share) {
                let from = rng.date_between((start + Days::new(14)).min(end), end - Days::new(30));
                let slut = (from + rng.months(1, 6)).min(end);
                events.push(insats(typ, from, Some(slut)));
            }
        }
        // Särskilt stöd ~25 %: 35 % of ungdomar, 18 % of the others; from early on.
        if rng.chance(if self.age <= 29 { 0.35 } else { 0.18 }) {
            let from = rng.date_between(start, (start + Days::new(90)).min(end));
            let slut = (from + rng.months(3, 12)).min(end);
            events.push(insats("sarskilt_stod", from, Some(slut)));
        }
        // Flerpartssamtal ~30 % (1–3 talks), SIP ~12 %: single occasions, no end date.
        if rng.chance(0.30) {
            for _ in 0..rng.between(1, 3) {
                events.push(insats(
                    "flerpartssamtal",
                    rng.date_between(start, end),
                    None,
                ));
            }
        }
        if rng.chance(0.12) {
            events.push(insats("sip", rng.date_between(start, end), None));
        }
        // Uppföljning for 40 % of those who ended, in a later half-year, 2–6 months on.
        if ended && rng.chance(0.40) {
            let next_half = HalfYear::containing(end).end() + Days::new(1);
            let from = (end + Months::new(2)).max(next_half);
            events.push(insats(
                "uppfoljning",
                rng.date_between(from, from + Days::new(120)),
                None,
            ));
        }
        // Remisser for ~60 %: one or two; 15 % routine medical referrals.
        if rng.chance(0.60) {
            for _ in 0..rng.pick(&[(1, 65), (2, 35)]) {
                let (till, syfte) = if rng.chance(0.15) {
                    (
                        rng.pick(&[("sjukgymnastik", 45), ("rontgen", 45), ("annan_rutin", 10)]),
                        "utredning",
                    )
                } else {
                    (
                        rng.pick(REMISS_TILL),
                        rng.pick(&[("utredning", 45), ("insats", 55)]),
                    )
                };
                events.push(Event::Remiss {
                    datum: rng.date_between(start, end),
                    till,
                    syfte,
                });
            }
        }
        // Sick leave for ~35 %: one or two spells of two weeks to six months.
        if rng.chance(0.35) {
            for _ in 0..rng.pick(&[(1, 70), (2, 30)]) {
                let fran = rng.date_between(start, end);
                let till = fran + rng.days(14, 180);
                let omfattning = rng.pick(&[("100", 40), ("50", 30), ("25", 15), ("75", 15)]);
                events.push(Event::Sjuk {
                    fran,
                    till: Some(till),
                    omfattning,
                });
            }
        }
        // LSS ~5 %: informerad → ansökt (60 %) → beviljad (60 %) or avslag.
        if rng.chance(0.05) {
            let informerad = start + rng.days(30, 180);
            events.push(Event::Lss {
                datum: informerad,
                handelse: "informerad",
                insats: "",
            });
            if rng.chance(0.60) {
                let insats = rng.pick(LSS_INSATS);
                let ansokt = informerad + rng.days(20, 90);
                events.push(Event::Lss {
                    datum: ansokt,
                    handelse: "ansokt",
                    insats,
                });
                let beslut = if rng.chance(0.60) {
                    "beviljad"
                } else {
                    "avslag"
                };
                let datum = ansokt + rng.days(60, 150);
                events.push(Event::Lss {
                    datum,
                    handelse: beslut,
                    insats,
                });
            }
        }
        // Sjuk-/aktivitetsersättning ~10 %: AE under 30, SE from 30; half granted.
        let mut granted: Option<(NaiveDate, &'static str)> = None;
        if rng.chance(0.10) {
            let (typ, kalla) = if self.age < 30 {
                ("AE", "aktivitetsersattning")
            } else {
                ("SE", "sjukersattning")
            };
            let ansokt = start + rng.days(30, 300);
            events.push(Event::Ersattning {
                datum: ansokt,
                typ,
                handelse: "ansokt",
            });
            let beslut = ansokt + rng.days(90, 180);
            if rng.chance(0.5) {
                events.push(Event::Ersattning {
                    datum: beslut,
                    typ,
                    handelse: "beviljad",
                });
                granted = Some((beslut, kalla));
                if typ == "AE" && rng.chance(0.3) {
                    let datum = beslut + rng.days(300, 400);
                    events.push(Event::Ersattning {
                        datum,
                        typ,
                        handelse: "forlangning_bedomd",
                    });
                }
            } else {
                events.push(Event::Ersattning {
                    datum: beslut,
                    typ,
                    handelse: "avslag",
                });
            }
        }
        self.forsorjning(rng, granted, &mut events);
        // Open-ended spells: an end date past the collection is not known yet.
        for event in &mut events {
            if let Event::Insats { slut: till, .. } | Event::Sjuk { till, .. } = event
                && till.is_some_and(|t| t > self.range_end)
            {
                *till = None;
            }
        }
        events
    }

    /// Income sources: one at the start, then on the first of a month during
    /// participation and after the end (see [`FOLLOW_UP_MONTHS`], `monthly_followup`).
    ///
    /// The source at the start follows the referring authority (FK → sjukpenning, AF →
    /// aktivitetsstöd or a-kassa, socialtjänst → försörjningsstöd, …). After the end,
    /// people become self-supporting at a drawn month depending on their status:
    /// förvärvsarbete and studier at once (~90 %), aktivt arbetssökande 45 % within two
    /// years, the others 15 %. Some work part-time (50 % arbete + 50 % the benefit).
    fn forsorjning(
        &self,
        rng: &mut Rng,
        granted: Option<(NaiveDate, &'static str)>,
        events: &mut Vec<Event>,
    ) {
        let p = self.person;
        let initial = rng.pick(match p.aktualiserad[0] {
            "fk" => SOURCE_FK,
            "af" => SOURCE_AF,
            "socialtjanst" => SOURCE_SOC,
            "vardcentral" | "psykiatri" => SOURCE_VARD,
            _ => SOURCE_OTHER,
        });
        let seeking = if matches!(initial, "a_kassa" | "aktivitetsstod") {
            initial
        } else {
            rng.pick(&[
                ("aktivitetsstod", 60),
                ("a_kassa", 25),
                ("forsorjningsstod", 15),
            ])
        };
        // At once with probability `at_once`, otherwise within the first six months.
        let soon = |rng: &mut Rng, at_once: f64| {
            Some(if rng.chance(at_once) {
                0
            } else {
                rng.between(1, 6)
            })
        };
        let (from, kind) = match p.status {
            "forvarvsarbete" => (soon(rng, 0.9), "arbete"),
            "studier" => (soon(rng, 0.85), "studier"),
            "aktivt_arbetssokande" => (
                rng.chance(0.45).then(|| rng.between(1, 24)),
                rng.pick(&[("arbete", 85), ("studier", 15)]),
            ),
            _ => (
                rng.chance(0.15).then(|| rng.between(3, 24)),
                rng.pick(&[("arbete", 60), ("studier", 20), ("ingen_offentlig", 20)]),
            ),
        };
        let part_time_after = rng.chance(0.15);
        let part_time_during = rng.chance(0.10);
        let mut push = |datum: NaiveDate, sources: &[(&'static str, &'static str)]| {
            for &(kalla, omfattning) in sources {
                events.push(Event::Forsorjning {
                    datum,
                    kalla,
                    omfattning,
                });
            }
        };
        let benefit = |at: NaiveDate| match granted {
            Some((date, kalla)) if date <= at => kalla,
            _ => initial,
        };
        push(p.inskriven, &[(initial, "")]);
        let first_month = p.inskriven.with_day(1).expect("day 1");
        let end_month = self.end.with_day(1).expect("day 1");
        let step = if self.monthly { 1 } else { 6 };
        let mut k = step;
        loop {
            let at = first_month + Months::new(k);
            if at >= end_month || at > self.range_end {
                break;
            }
            let late = k * 2 > months_between(first_month, end_month);
            if part_time_during && late {
                push(at, &[("arbete", "50"), (benefit(at), "50")]);
            } else {
                push(at, &[(benefit(at), "")]);
            }
            k += step;
        }
        if p.avslutad.is_none() {
            return;
        }
        let points: Vec<u32> = if self.monthly {
            (0..=MONTHLY_FOLLOW_UP).collect()
        } else {
            FOLLOW_UP_MONTHS.to_vec()
        };
        for m in points {
            let at = end_month + Months::new(m);
            let m = i64::from(m);
            match from {
                Some(from) if m >= from => {
                    if part_time_after && m < from + 6 {
                        push(at, &[(kind, "50"), (benefit(at), "50")]);
                    } else {
                        push(at, &[(kind, "")]);
                    }
                }
                _ if p.status == "aktivt_arbetssokande" && granted.is_none() => {
                    push(at, &[(seeking, "")])
                }
                _ => push(at, &[(benefit(at), "")]),
            }
        }
    }
}

fn months_between(a: NaiveDate, b: NaiveDate) -> u32 {
    ((b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32).max(0) as u32
}
