//! How people leave a project and how they fare after: the weights of avslutsorsak and
//! status per project and year (`outlook`), the income just after the end, and the income
//! month by month for two years after it.
//!
//! Invariants: the status efter avslut agrees with the income just after the end (a job
//! with partial sjukersättning is förvärvsarbete but not självförsörjning); draws come
//! from the stream passed in, in a fixed order that the committed example files depend on.

use chrono::Months;

use super::model::{Person, first_of_next_month};
use crate::synth::rng::Rng;

/// What leaving is like for those who leave one project in one year: how they leave
/// (avslutsorsak, and status for those who leave as planned) and, month by month after the
/// end, the chance that someone not self-supporting starts to work or study (`gain`) and
/// that someone self-supporting stops (`loss`).
pub(super) struct Outlook {
    pub(super) orsak: [(&'static str, u32); 6],
    pub(super) plan: [(&'static str, u32); 4],
    pub(super) gain: f64,
    pub(super) loss: f64,
}

/// SIGMA holds steady. KOMPIS, a project for young adults from 2009, gets clearly better
/// from 2008 to 2010: more leave as planned, more of them for work or studies, and more of
/// the rest find work in the year after. The 2007–2008 leavers were drawn with the first
/// weights below, which both projects keep until 2008.
pub(super) fn outlook(project: &str, year: i32) -> Outlook {
    let first = |gain, loss| Outlook {
        orsak: orsak(55, 12, 6, 8, 14, 5),
        plan: plan(35, 20, 30, 15),
        gain,
        loss,
    };
    match (project, year) {
        ("KOMPIS", ..=2008) => first(0.015, 0.05),
        ("KOMPIS", 2009) => Outlook {
            orsak: orsak(65, 10, 5, 6, 10, 4),
            plan: plan(40, 25, 25, 10),
            gain: 0.04,
            loss: 0.025,
        },
        ("KOMPIS", _) => Outlook {
            orsak: orsak(72, 8, 4, 4, 9, 3),
            plan: plan(45, 28, 20, 7),
            gain: 0.06,
            loss: 0.015,
        },
        _ => first(0.02, 0.03),
    }
}

/// Weights of the avslutsorsaker.
pub(super) fn orsak(
    plan: u32,
    avbrott: u32,
    flytt: u32,
    sjukdom: u32,
    annan_insats: u32,
    annat: u32,
) -> [(&'static str, u32); 6] {
    [
        ("enligt_plan", plan),
        ("avbrott", avbrott),
        ("flytt", flytt),
        ("sjukdom", sjukdom),
        ("annan_insats", annan_insats),
        ("annat", annat),
    ]
}

/// Weights of the status of those who leave as planned.
pub(super) fn plan(arbete: u32, studier: u32, soker: u32, insats: u32) -> [(&'static str, u32); 4] {
    [
        ("forvarvsarbete", arbete),
        ("studier", studier),
        ("aktivt_arbetssokande", soker),
        ("annan_insats", insats),
    ]
}

/// How `p` leaves: avslutsorsak, status efter avslut, and the income just after the end,
/// which agrees with the status.
pub(super) fn leave(rng: &mut Rng, p: &mut Person, young: bool, o: &Outlook) {
    let orsak = rng.pick_mod(&o.orsak);
    let status = match orsak {
        "enligt_plan" => rng.pick_mod(&o.plan),
        "avbrott" => rng.pick_mod(&[
            ("ovrigt", 4),
            ("aktivt_arbetssokande", 3),
            ("ej_arbetsfor", 3),
        ]),
        "flytt" => "ovrigt",
        "sjukdom" => "ej_arbetsfor",
        "annan_insats" => "annan_insats",
        _ => rng.pick_mod(&[("ovrigt", 1), ("ej_arbetsfor", 1)]),
    };
    p.efter = match status {
        "forvarvsarbete" => rng
            .pick_mod(&[("arbete", 4), ("arbete:75+sjukersattning:25", 1)])
            .to_string(),
        "studier" => "studier".to_string(),
        "aktivt_arbetssokande" => rng
            .pick_mod(&[("aktivitetsstod", 2), ("a_kassa", 1)])
            .to_string(),
        "ej_arbetsfor" => (if young {
            "aktivitetsersattning"
        } else {
            "sjukersattning"
        })
        .to_string(),
        "ovrigt" => rng
            .pick_mod(&[
                ("forsorjningsstod", 2),
                ("okand", 1),
                ("ingen_offentlig", 1),
            ])
            .to_string(),
        _ => p.fore.clone(),
    };
    p.orsak = orsak.into();
    p.status = status.into();
}

/// Income month by month for two years after `p`'s end (`Person::after`): it starts with
/// the income just after the end (which agrees with the status) and changes as `o` says.
/// The month of the first change comes from `u`, a uniform number spread evenly over the
/// people of a cohort who start alike (see `later_years`), so that a cohort of 25 tells
/// the story of its outlook rather than the luck of its draws; later changes are drawn
/// month by month. Someone who moved away drops out of the register after a few months,
/// and now and then the register has nothing around the six-month point.
pub(super) fn follow_up(rng: &mut Rng, p: &Person, o: &Outlook, u: f64) -> Vec<Option<String>> {
    let end = p.avslutad.expect("someone who left");
    let young = p.young_at_start();
    let months = if p.orsak == "flytt" {
        rng.between_mod(1, 4)
    } else {
        24
    };
    let gap = rng.chance(0.05);
    let six = end + Months::new(6);
    let mut now = start_of_follow_up(p).to_string();
    // Geometric: the first change comes in month 2 + m with chance h (1 − h)^m.
    let h = hazard(&now, o);
    let mut first = (h > 0.0).then(|| 2 + ((1.0 - u).ln() / (1.0 - h).ln()).floor() as i64);
    (1..=24)
        .map(|k: u32| {
            if k > 1 {
                match first {
                    Some(month) if month == i64::from(k) => {
                        now = change(rng, &now, young, o);
                        first = None;
                    }
                    Some(_) => {}
                    None => {
                        if rng.chance(hazard(&now, o)) {
                            now = change(rng, &now, young, o);
                        }
                    }
                }
            }
            let date = first_of_next_month(end) + Months::new(k - 1);
            let missing = i64::from(k) > months || (gap && (date - six).num_days().abs() <= 35);
            (!missing).then(|| now.clone())
        })
        .collect()
}

/// The income just after the end.
pub(super) fn start_of_follow_up(p: &Person) -> &str {
    if p.efter.is_empty() {
        &p.fore
    } else {
        &p.efter
    }
}

/// What kind of income `sources` is, for the chances of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Standing {
    /// Work, studies or no public income only: self-supporting.
    SelfSupporting,
    /// Sjuk- or aktivitetsersättning, which seldom ends.
    Ersattning,
    Sick,
    /// Looking for work, on försörjningsstöd, or not known.
    Other,
}

pub(super) fn standing(sources: &str) -> Standing {
    let kallor: Vec<&str> = sources
        .split('+')
        .map(|source| source.split(':').next().unwrap_or(""))
        .collect();
    if kallor
        .iter()
        .all(|k| ["arbete", "studier", "ingen_offentlig"].contains(k))
    {
        Standing::SelfSupporting
    } else if kallor
        .iter()
        .any(|k| ["sjukersattning", "aktivitetsersattning"].contains(k))
    {
        Standing::Ersattning
    } else if kallor.contains(&"sjukpenning") {
        Standing::Sick
    } else {
        Standing::Other
    }
}

/// The chance of a change in one month.
fn hazard(sources: &str, o: &Outlook) -> f64 {
    match standing(sources) {
        // Studies also end in work (a change that keeps them self-supporting).
        Standing::SelfSupporting if sources.contains("studier") => o.loss + 0.03,
        Standing::SelfSupporting => o.loss,
        Standing::Ersattning => o.gain * 0.1,
        // Or the sick leave turns into sjuk- or aktivitetsersättning.
        Standing::Sick => o.gain * 0.4 + 0.015,
        Standing::Other => o.gain,
    }
}

/// What the income becomes when it changes: work or studies start or stop, sick leave
/// may turn into sjuk- or aktivitetsersättning.
fn change(rng: &mut Rng, sources: &str, young: bool, o: &Outlook) -> String {
    let starts = |rng: &mut Rng| {
        if young && rng.chance(0.35) {
            "studier"
        } else {
            "arbete"
        }
    };
    match standing(sources) {
        Standing::SelfSupporting
            if sources.contains("studier") && rng.chance(0.03 / hazard(sources, o)) =>
        {
            "arbete"
        }
        Standing::SelfSupporting if sources.contains("arbete") => rng.pick_mod(&[
            ("a_kassa", 2),
            ("aktivitetsstod", 1),
            ("forsorjningsstod", 1),
        ]),
        Standing::SelfSupporting => rng.pick_mod(&[("aktivitetsstod", 1), ("forsorjningsstod", 1)]),
        Standing::Sick if rng.chance(0.015 / hazard(sources, o)) => {
            if young {
                "aktivitetsersattning"
            } else {
                "sjukersattning"
            }
        }
        _ => starts(rng),
    }
    .to_string()
}
