//! The 18 figures of docs/definitions.md for one project and half-year, computed from
//! the model before anything is written, and the check against the real SIGMA-gruppen
//! report for 2008H1 that the scenario must reproduce.
//!
//! Invariants: the figures are counted from the people and events exactly as the
//! workbooks will hold them (Deltagare from the half-year's own workbook, events from
//! all of the project's), independently of the SQL in queries/, so the report and this
//! count check each other.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::model::{Event, Meeting, Person, Project, Sex};
use crate::period::HalfYear;

pub(super) struct Figures {
    aktuella: usize,
    uppfoljda: usize,
    anonyma: u32,
    alder: (i32, i32),
    ungdomar: usize,
    kon: (usize, usize),
    kon_ungdomar: (usize, usize),
    ensamstaende_kvinnor: usize,
    utomnordisk: usize,
    aktualiserad: BTreeMap<String, usize>,
    gemensam_bedomning: usize,
    praktik: usize,
    remitterade: usize,
    remiss_till: BTreeMap<String, usize>,
    lss_informerade: usize,
    lss_beviljade: usize,
    ersattning: usize,
    sjukskrivna: usize,
    sarskilt_stod: (usize, usize),
    kartlaggning: usize,
    flerpartssamtal: usize,
    grupptraffar: (usize, usize),
    installda: BTreeMap<String, usize>,
}

fn events_of<'a>(project: &'a Project, key: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
    project.events.iter().filter(move |e| e.person == key)
}

impl Figures {
    pub(super) fn of(project: &Project, h: HalfYear) -> Figures {
        let in_period = |date: NaiveDate| date >= h.start() && date <= h.end();
        // Deltagare: the period's own workbook.
        let listed: Vec<&Person> = project
            .people
            .iter()
            .filter(|p| project.listed(p).contains(&h))
            .collect();
        let aktuella: Vec<&Person> = listed.iter().copied().filter(|p| p.aktuell(h)).collect();
        // Events: all of the project's workbooks (each event once).
        let insats = |p: &Person, typ: &str| {
            events_of(project, &p.key).any(|e| {
                e.table == "insatser" && e.text("typ") == typ && e.overlaps(h, "start", "slut")
            })
        };
        let count = |f: &dyn Fn(&Person) -> bool| aktuella.iter().filter(|p| f(p)).count();
        let remissed = |p: &Person, till: Option<&str>| {
            events_of(project, &p.key).any(|e| {
                e.table == "remisser"
                    && in_period(e.date)
                    && e.text("raknas") != "nej"
                    && !["sjukgymnastik", "rontgen", "annan_rutin"].contains(&e.text("till"))
                    && till.is_none_or(|t| e.text("till") == t)
            })
        };
        let step = |p: &Person, table: &str, steps: &[&str]| {
            events_of(project, &p.key).any(|e| {
                e.table == table && in_period(e.date) && steps.contains(&e.text("handelse"))
            })
        };
        let mut aktualiserad = BTreeMap::new();
        for p in &aktuella {
            for a in p.akt.split(',') {
                *aktualiserad.entry(a.trim().to_string()).or_default() += 1;
            }
        }
        let mut remiss_till = BTreeMap::new();
        for till in [
            "af_fk_samverkan",
            "af_rehab",
            "psykiatri",
            "beroendevard",
            "habilitering",
            "vardcentral",
            "socialtjanst",
            "arbetsmarknadsenhet",
            "annan",
        ] {
            let n = count(&|p| remissed(p, Some(till)));
            if n > 0 {
                remiss_till.insert(till.to_string(), n);
            }
        }
        // Occasions: the period's own workbook only.
        let meetings: Vec<&Meeting> = project
            .meetings
            .iter()
            .filter(|m| m.halves().contains(&h) && in_period(m.date))
            .collect();
        let mut installda = BTreeMap::new();
        for m in meetings
            .iter()
            .filter(|m| m.typ == "grupptraff" && !m.orsak.is_empty())
        {
            *installda.entry(m.orsak.to_string()).or_default() += 1;
        }
        let flerpartssamtal = aktuella
            .iter()
            .flat_map(|p| events_of(project, &p.key))
            .filter(|e| {
                e.table == "insatser" && e.text("typ") == "flerpartssamtal" && in_period(e.date)
            })
            .filter(|e| e.i.is_empty() || e.i.contains(&h))
            .count();
        let ungdomar: Vec<&Person> = aktuella.iter().copied().filter(|p| p.ungdom(h)).collect();
        let ages = aktuella.iter().map(|p| p.age(h));
        Figures {
            aktuella: aktuella.len(),
            uppfoljda: listed
                .iter()
                .filter(|p| {
                    p.avslutad.is_some_and(|a| a < h.start())
                        && p.samtycke
                        && p.orsak != "felregistrering"
                        && events_of(project, &p.key)
                            .any(|e| e.text("typ") == "uppfoljning" && in_period(e.date))
                })
                .count(),
            anonyma: project
                .anonymous
                .iter()
                .filter(|(date, _)| in_period(*date))
                .map(|(_, n)| n)
                .sum(),
            alder: (ages.clone().min().unwrap_or(0), ages.max().unwrap_or(0)),
            ungdomar: ungdomar.len(),
            kon: (count(&|p| p.sex == Sex::K), count(&|p| p.sex == Sex::M)),
            kon_ungdomar: (
                ungdomar.iter().filter(|p| p.sex == Sex::K).count(),
                ungdomar.iter().filter(|p| p.sex == Sex::M).count(),
            ),
            ensamstaende_kvinnor: count(&|p| p.sex == Sex::K && p.ensam),
            utomnordisk: count(&|p| p.utomnordisk == "ja"),
            aktualiserad,
            gemensam_bedomning: count(&|p| {
                events_of(project, &p.key)
                    .any(|e| e.text("typ") == "gemensam_bedomning" && e.date <= h.end())
            }),
            praktik: count(&|p| insats(p, "praktik") || insats(p, "arbetsmarknadsatgard")),
            remitterade: count(&|p| remissed(p, None)),
            remiss_till,
            lss_informerade: count(&|p| step(p, "lss", &["informerad"])),
            lss_beviljade: count(&|p| step(p, "lss", &["beviljad"])),
            ersattning: count(&|p| step(p, "ersattning", &["ansokt", "forlangning_bedomd"])),
            sjukskrivna: count(&|p| {
                events_of(project, &p.key)
                    .any(|e| e.table == "sjukskrivning" && e.overlaps(h, "fran", "till"))
            }),
            sarskilt_stod: (
                count(&|p| insats(p, "sarskilt_stod")),
                count(&|p| p.ungdom(h) && insats(p, "sarskilt_stod")),
            ),
            kartlaggning: meetings
                .iter()
                .filter(|m| m.typ == "kartlaggningstraff" && m.orsak.is_empty())
                .count(),
            flerpartssamtal,
            grupptraffar: (
                meetings
                    .iter()
                    .filter(|m| m.typ == "grupptraff" && m.orsak.is_empty())
                    .count(),
                meetings
                    .iter()
                    .filter(|m| m.typ == "grupptraff" && !m.orsak.is_empty())
                    .count(),
            ),
            installda,
        }
    }

    /// The figures of the real SIGMA-gruppen report for 2008H1.
    pub(super) fn check_against_the_report(&self) -> Result<(), String> {
        let expected = [
            ("1 aktuella", self.aktuella, 34),
            ("2 uppföljda", self.uppfoljda, 5),
            ("3 anonyma", self.anonyma as usize, 4),
            ("4 lägsta ålder", self.alder.0 as usize, 19),
            ("4 högsta ålder", self.alder.1 as usize, 62),
            ("5 ungdomar", self.ungdomar, 16),
            ("6 kvinnor", self.kon.0, 22),
            ("6 män", self.kon.1, 12),
            ("6 unga kvinnor", self.kon_ungdomar.0, 9),
            ("6 unga män", self.kon_ungdomar.1, 7),
            (
                "7 ensamstående kvinnor med barn",
                self.ensamstaende_kvinnor,
                4,
            ),
            ("8 utomnordisk", self.utomnordisk, 2),
            ("10 gemensam bedömning", self.gemensam_bedomning, 34),
            ("11 praktik/åtgärd", self.praktik, 23),
            ("12 remitterade", self.remitterade, 22),
            ("13 LSS informerade", self.lss_informerade, 5),
            ("13 LSS beviljade", self.lss_beviljade, 3),
            ("14 SE/AE", self.ersattning, 9),
            ("15 sjukskrivna", self.sjukskrivna, 12),
            ("16 särskilt stöd", self.sarskilt_stod.0, 9),
            ("16 varav ungdomar", self.sarskilt_stod.1, 6),
            ("17 kartläggningsträffar", self.kartlaggning, 4),
            ("17 flerpartssamtal", self.flerpartssamtal, 10),
            ("18 gruppträffar hölls", self.grupptraffar.0, 17),
            ("18 ställdes in", self.grupptraffar.1, 6),
        ];
        let wrong: Vec<String> = expected
            .iter()
            .filter(|(_, got, want)| got != want)
            .map(|(name, got, want)| format!("{name}: {got}, ska vara {want}"))
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "SIGMA 2008H1 stämmer inte med rapporten:\n  {}",
                wrong.join("\n  ")
            ))
        }
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = |n: usize| (200 * n + self.aktuella) / (2 * self.aktuella.max(1));
        writeln!(
            f,
            "  1 aktuella {}; 2 uppföljda {}; 3 anonyma {}",
            self.aktuella, self.uppfoljda, self.anonyma
        )?;
        writeln!(
            f,
            "  4 ålder {}–{}; 5 ungdomar {} ({} %)",
            self.alder.0,
            self.alder.1,
            self.ungdomar,
            share(self.ungdomar)
        )?;
        writeln!(
            f,
            "  6 kvinnor {} ({} %), män {} ({} %); bland ungdomar {} / {}",
            self.kon.0,
            share(self.kon.0),
            self.kon.1,
            share(self.kon.1),
            self.kon_ungdomar.0,
            self.kon_ungdomar.1
        )?;
        writeln!(
            f,
            "  7 ensamstående kvinnor med barn {}; 8 utomnordisk {}",
            self.ensamstaende_kvinnor, self.utomnordisk
        )?;
        writeln!(
            f,
            "  9 aktualiserad av (som skrivet) {:?}",
            self.aktualiserad
        )?;
        writeln!(
            f,
            "  10 gemensam bedömning {}; 11 praktik/åtgärd {}",
            self.gemensam_bedomning, self.praktik
        )?;
        writeln!(
            f,
            "  12 remitterade {} {:?}",
            self.remitterade, self.remiss_till
        )?;
        writeln!(
            f,
            "  13 LSS informerade {}, beviljade {}; 14 SE/AE {}; 15 sjukskrivna {}",
            self.lss_informerade, self.lss_beviljade, self.ersattning, self.sjukskrivna
        )?;
        writeln!(
            f,
            "  16 särskilt stöd {} (ungdomar {})",
            self.sarskilt_stod.0, self.sarskilt_stod.1
        )?;
        writeln!(
            f,
            "  17 kartläggningsträffar {}, flerpartssamtal {}",
            self.kartlaggning, self.flerpartssamtal
        )?;
        write!(
            f,
            "  18 gruppträffar hölls {}, ställdes in {} {:?}",
            self.grupptraffar.0, self.grupptraffar.1, self.installda
        )
    }
}
