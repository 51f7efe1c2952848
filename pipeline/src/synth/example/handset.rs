//! The people set by hand, read from `sigma_2008h1.toml` (compiled in, so the binary
//! needs no files at run time): SIGMA 2008H1's people with their events, the group's
//! meetings and anonymous cases, how those still in SIGMA at the end of 2008 leave it,
//! and O12's earlier time in KOMPIS.
//!
//! Invariants: the file is read whole and checked before anything is drawn: unknown
//! keys, bad dates and half-years, a person with no number or two, and events of no
//! listed person are errors naming the person; people and each person's events keep
//! the file's order, which the committed example files depend on.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{
    Event, IdSpec, Meeting, Narrative, Person, Sex, atgard, ers, gb, lss, praktik, remiss,
    remiss_ej, samtal, sjuk, stod, uppf,
};
use crate::period::HalfYear;

const FILE: &str = include_str!("sigma_2008h1.toml");

/// What the file sets by hand for one project.
pub(super) struct HandSet {
    pub(super) people: Vec<Person>,
    pub(super) events: Vec<Event>,
    pub(super) meetings: Vec<Meeting>,
    pub(super) anonymous: Vec<(NaiveDate, u32)>,
    pub(super) narrative: Vec<Narrative>,
    pub(super) leavers: Vec<Leaver>,
}

/// How someone set by hand leaves after the first collection ended.
pub(super) struct Leaver {
    pub(super) key: String,
    pub(super) avslutad: NaiveDate,
    pub(super) orsak: String,
    pub(super) status: String,
    /// The income just after the end.
    pub(super) efter: String,
}

/// SIGMA's and KOMPIS's hand-set parts.
pub(super) fn read() -> Result<(HandSet, HandSet), String> {
    let file: File = toml::from_str(FILE).map_err(|e| format!("sigma_2008h1.toml: {e}"))?;
    Ok((file.sigma.build("SIGMA")?, file.kompis.build("KOMPIS")?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    sigma: ProjectRows,
    kompis: ProjectRows,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectRows {
    people: Vec<PersonRow>,
    /// Each person's events in order, by key; an entry is one event (see [`EventRow`])
    /// and may name its workbooks with `i`.
    #[serde(default)]
    events: BTreeMap<String, Vec<toml::Table>>,
    #[serde(default)]
    meetings: Vec<MeetingRow>,
    #[serde(default)]
    anonymous: Vec<AnonymousRow>,
    #[serde(default)]
    narrative: Vec<NarrativeRow>,
    #[serde(default)]
    leavers: Vec<LeaverRow>,
}

/// The birth date and the serial of a number.
type Born = (String, u32);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonRow {
    key: String,
    kon: String,
    pnr: Option<Born>,
    pnr10: Option<Born>,
    samnr: Option<Born>,
    samnr10: Option<Born>,
    kod: Option<(String, i32)>,
    inskriven: String,
    /// Avslutad, avslutsorsak, status efter avslut.
    slut: Option<(String, String, String)>,
    #[serde(default)]
    akt: String,
    utomnordisk: Option<String>,
    #[serde(default)]
    ensam: bool,
    samtycke: Option<bool>,
    utb: Option<String>,
    tid: Option<String>,
    fore: Option<String>,
    #[serde(default)]
    efter: String,
    #[serde(default)]
    listad: Vec<String>,
}

/// One event, as the single key of its entry: the form and its values in order.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum EventRow {
    Gb(String),
    Samtal(String),
    Uppf(String),
    Praktik(String, String),
    Atgard(String, String),
    Stod(String, String),
    Remiss(String, String, String),
    RemissEj(String, String, String),
    Sjuk(String, String, u32),
    Lss(String, String, String),
    Ers(String, String, String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingRow {
    datum: String,
    typ: String,
    #[serde(default)]
    orsak: String,
    #[serde(default)]
    i: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnonymousRow {
    datum: String,
    antal: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NarrativeRow {
    halvar: String,
    nr: u32,
    avsnitt: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaverRow {
    key: String,
    slut: (String, String, String),
    efter: String,
}

impl ProjectRows {
    fn build(mut self, project: &str) -> Result<HandSet, String> {
        let people = self
            .people
            .iter()
            .map(PersonRow::build)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{project} {e}"))?;
        let mut events = Vec::new();
        for person in &people {
            for entry in self.events.remove(&person.key).unwrap_or_default() {
                events.push(event(&person.key, entry).map_err(|e| format!("{project} {e}"))?);
            }
        }
        if let Some(key) = self.events.keys().next() {
            return Err(format!("{project}: events of {key}, who is not listed"));
        }
        let meetings = self
            .meetings
            .into_iter()
            .map(|m| {
                Ok(Meeting {
                    i: halves(&m.i)?,
                    ..Meeting::new(day(&m.datum)?, &m.typ, &m.orsak)
                })
            })
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{project}: meeting: {e}"))?;
        let anonymous = self
            .anonymous
            .iter()
            .map(|a| Ok((day(&a.datum)?, a.antal)))
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{project}: anonymous case: {e}"))?;
        let narrative = self
            .narrative
            .into_iter()
            .map(|n| {
                Ok(Narrative {
                    halvar: n.halvar.parse().map_err(|e| format!("{e}"))?,
                    nr: n.nr,
                    avsnitt: n.avsnitt,
                    text: n.text.trim().to_string(),
                })
            })
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{project}: narrative: {e}"))?;
        let leavers: Vec<Leaver> = self
            .leavers
            .into_iter()
            .map(|l| {
                let (avslutad, orsak, status) = l.slut;
                Ok(Leaver {
                    avslutad: day(&avslutad).map_err(|e| format!("{}: {e}", l.key))?,
                    key: l.key,
                    orsak,
                    status,
                    efter: l.efter,
                })
            })
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{project}: leaver {e}"))?;
        let staying = |key: &str| people.iter().any(|p| p.key == key && p.avslutad.is_none());
        if let Some(leaver) = leavers.iter().find(|l: &&Leaver| !staying(&l.key)) {
            return Err(format!(
                "{project}: leaver {} is not listed or has left already",
                leaver.key
            ));
        }
        Ok(HandSet {
            people,
            events,
            meetings,
            anonymous,
            narrative,
            leavers,
        })
    }
}

impl PersonRow {
    fn build(&self) -> Result<Person, String> {
        let at = |e: String| format!("{}: {e}", self.key);
        let sex = match self.kon.as_str() {
            "K" => Sex::K,
            "M" => Sex::M,
            other => return Err(at(format!("kon {other}: K or M"))),
        };
        let id = self.id().map_err(at)?;
        let mut p = Person::new(&self.key, sex, &id, day(&self.inskriven).map_err(at)?);
        if let Some((avslutad, orsak, status)) = &self.slut {
            p.avslutad = Some(day(avslutad).map_err(at)?);
            p.orsak.clone_from(orsak);
            p.status.clone_from(status);
        }
        p.akt.clone_from(&self.akt);
        p.ensam = self.ensam;
        p.efter.clone_from(&self.efter);
        p.listad = halves(&self.listad).map_err(at)?;
        let given = [
            (&mut p.utomnordisk, &self.utomnordisk),
            (&mut p.utb, &self.utb),
            (&mut p.tid, &self.tid),
            (&mut p.fore, &self.fore),
        ];
        for (field, value) in given {
            if let Some(value) = value {
                field.clone_from(value);
            }
        }
        if let Some(samtycke) = self.samtycke {
            p.samtycke = samtycke;
        }
        Ok(p)
    }

    /// The one number or code the row gives.
    fn id(&self) -> Result<IdSpec, String> {
        let number = |born: &Born, dash, samordning| {
            Ok(IdSpec::Number {
                born: day(&born.0)?,
                serial: born.1,
                dash,
                samordning,
            })
        };
        let mut given = [
            self.pnr.as_ref().map(|b| number(b, false, false)),
            self.pnr10.as_ref().map(|b| number(b, true, false)),
            self.samnr.as_ref().map(|b| number(b, false, true)),
            self.samnr10.as_ref().map(|b| number(b, true, true)),
            self.kod.as_ref().map(|(code, born_year)| {
                Ok(IdSpec::Local {
                    code: code.clone(),
                    born_year: *born_year,
                })
            }),
        ]
        .into_iter()
        .flatten();
        match (given.next(), given.next()) {
            (Some(id), None) => id,
            _ => Err("give one of pnr, pnr10, samnr, samnr10 and kod".into()),
        }
    }
}

/// One entry of a person's events: the event, and with `i` the workbooks it goes into.
fn event(person: &str, mut entry: toml::Table) -> Result<Event, String> {
    let at = |e: String| format!("{person}: {e}");
    let i = match entry.remove("i") {
        Some(value) => value
            .try_into::<Vec<String>>()
            .map_err(|e| at(e.to_string()))?,
        None => Vec::new(),
    };
    let row: EventRow = toml::Value::Table(entry)
        .try_into()
        .map_err(|e: toml::de::Error| at(e.to_string()))?;
    let open = |text: &str| {
        if text.is_empty() {
            Ok(None)
        } else {
            day(text).map(Some)
        }
    };
    let build = || -> Result<Event, String> {
        Ok(match &row {
            EventRow::Gb(date) => gb(person, day(date)?),
            EventRow::Samtal(date) => samtal(person, day(date)?),
            EventRow::Uppf(date) => uppf(person, day(date)?),
            EventRow::Praktik(start, slut) => praktik(person, day(start)?, open(slut)?),
            EventRow::Atgard(start, slut) => atgard(person, day(start)?, open(slut)?),
            EventRow::Stod(start, slut) => stod(person, day(start)?, open(slut)?),
            EventRow::Remiss(date, till, syfte) => remiss(person, day(date)?, till, syfte),
            EventRow::RemissEj(date, till, syfte) => remiss_ej(person, day(date)?, till, syfte),
            EventRow::Sjuk(fran, till, omfattning) => {
                sjuk(person, day(fran)?, open(till)?, *omfattning)
            }
            EventRow::Lss(date, handelse, insats) => lss(person, day(date)?, handelse, insats),
            EventRow::Ers(date, typ, handelse) => ers(person, day(date)?, typ, handelse),
        })
    };
    let mut event = build().map_err(at)?;
    event.i = halves(&i).map_err(at)?;
    Ok(event)
}

/// A date written `YYYY-MM-DD`.
fn day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("{text:?} is no date"))
}

fn halves(texts: &[String]) -> Result<Vec<HalfYear>, String> {
    texts
        .iter()
        .map(|h| h.parse().map_err(|_| format!("{h:?} is no half-year")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_set_file_reads() {
        let (sigma, kompis) = read().unwrap();
        assert_eq!(sigma.people.len(), 45);
        assert_eq!(sigma.meetings.len(), 32);
        assert_eq!(sigma.leavers.len(), 17);
        assert_eq!(kompis.people.len(), 1);
        assert_eq!(kompis.events.len(), 4);
    }

    #[test]
    fn a_mistake_in_an_event_names_the_person() {
        let entry = |text: &str| event("U01", toml::from_str(text).unwrap());
        let event = entry("uppf = \"2008-07-02\"\ni = [\"2008H1\", \"2008H2\"]").unwrap();
        assert_eq!(event.i.len(), 2);
        for text in [
            "gb = \"2008-06-31\"",
            "gbx = \"2008-06-30\"",
            "gb = \"2008-06-30\"\nsamtal = \"2008-06-30\"",
            "praktik = [\"2008-06-30\"]",
            "gb = \"2008-06-30\"\ni = [\"2008H3\"]",
        ] {
            let error = entry(text).unwrap_err();
            assert!(error.starts_with("U01: "), "{text}: {error}");
        }
    }
}
