//! Participations: a person who ends and comes back, a person in two projects whose
//! projects describe them differently, and an event re-written in a later submission.
//! Workbooks are the template filled in; every expected figure is counted by hand in
//! the comments beside it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use finsam::personnummer::with_check_digit;
use finsam::read::Cell;
use finsam::schema::Schema;
use finsam::template::{FilledMeta, FilledRows, write_filled_xlsx};

use crate::workdir::{Workdir, figure, repo, report_json, report_json_with, row, table};

/// A personnummer (12 digits) for a birth date and serial (three digits: the last one
/// odd for a man, even for a woman), with its check digit.
fn pnr(birth: &str, serial: u32) -> String {
    let digits = format!("{}{serial:03}", birth.replace('-', ""));
    format!("{}{}", &digits[..2], with_check_digit(&digits[2..]))
}

fn date(text: &str) -> Cell {
    Cell::Date(text.parse::<NaiveDate>().unwrap())
}

fn text(text: &str) -> Cell {
    Cell::Text(text.to_string())
}

/// One row of `table`: the given cells by column name, the rest empty.
fn record(schema: &Schema, table: &str, cells: &[(&str, Cell)]) -> Vec<Cell> {
    let table = schema.table(table).unwrap();
    let given: BTreeMap<&str, &Cell> = cells.iter().map(|(c, v)| (*c, v)).collect();
    for name in given.keys() {
        assert!(table.column(name).is_some(), "no column {name}");
    }
    table
        .columns
        .iter()
        .map(|c| {
            given
                .get(c.name.as_str())
                .map_or(Cell::Empty, |v| (*v).clone())
        })
        .collect()
}

/// A participation row: person, inskriven, avslutad (or empty), aktualiserad av, and more.
fn deltagare(
    schema: &Schema,
    person: &str,
    inskriven: &str,
    avslutad: Option<&str>,
    aktualiserad: &str,
    more: &[(&str, Cell)],
) -> Vec<Cell> {
    let mut cells = vec![
        ("person", text(person)),
        ("inskriven", date(inskriven)),
        ("samtycke", text("ja")),
        ("aktualiserad_av", text(aktualiserad)),
    ];
    if let Some(avslutad) = avslutad {
        cells.push(("avslutad", date(avslutad)));
        cells.push(("avslutsorsak", text("enligt_plan")));
        cells.push(("status_efter_avslut", text("forvarvsarbete")));
    }
    cells.extend(more.iter().cloned());
    record(schema, "deltagare", &cells)
}

fn insats(schema: &Schema, person: &str, typ: &str, start: &str, slut: Option<&str>) -> Vec<Cell> {
    let mut cells = vec![
        ("person", text(person)),
        ("typ", text(typ)),
        ("start", date(start)),
    ];
    if let Some(slut) = slut {
        cells.push(("slut", date(slut)));
    }
    record(schema, "insatser", &cells)
}

/// The same events of P2 in two projects: each of the half-year report's event figures
/// must count him once.
fn events_of(s: &Schema, person: &str, day: &str) -> Vec<(&'static str, Vec<Vec<Cell>>)> {
    let on = |cells: &[(&str, Cell)], table: &str| record(s, table, cells);
    vec![
        (
            "remisser",
            vec![on(
                &[
                    ("person", text(person)),
                    ("datum", date(day)),
                    ("till", text("psykiatri")),
                    ("syfte", text("utredning")),
                ],
                "remisser",
            )],
        ),
        (
            "sjukskrivning",
            vec![on(
                &[
                    ("person", text(person)),
                    ("fran", date(day)),
                    ("omfattning", Cell::Number(50.0)),
                ],
                "sjukskrivning",
            )],
        ),
        (
            "lss",
            vec![on(
                &[
                    ("person", text(person)),
                    ("datum", date(day)),
                    ("handelse", text("informerad")),
                ],
                "lss",
            )],
        ),
        (
            "ersattning",
            vec![on(
                &[
                    ("person", text(person)),
                    ("datum", date(day)),
                    ("typ", text("SE")),
                    ("handelse", text("ansokt")),
                ],
                "ersattning",
            )],
        ),
    ]
}

/// The template filled in for `projekt` and `halvar`, saved in the workdir.
fn workbook(
    wd: &Workdir,
    schema: &Schema,
    projekt: &str,
    halvar: &str,
    tables: Vec<(&str, Vec<Vec<Cell>>)>,
) -> PathBuf {
    let meta = FilledMeta {
        projekt: projekt.into(),
        halvar: halvar.parse().unwrap(),
        created: None,
    };
    let rows: FilledRows = tables
        .into_iter()
        .map(|(name, rows)| (name.to_string(), rows))
        .collect();
    let path = wd.path(&format!("in/{projekt}_{halvar}.xlsx"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    write_filled_xlsx(schema, &meta, &rows, &path).unwrap();
    path
}

/// P1 (a woman, 1985) ends in March and comes back in May; P2 (a man, 1990) is in ALFA
/// and BETA, which disagree on his födelseår and utomnordisk härkomst, and both record a
/// gemensam bedömning, a remiss, a sick-leave spell, an LSS step and an ersättning step
/// for him; P3 (a woman, 1970) ended in ALFA in 2009 (ensamstående med barn there), is
/// followed up there and aktuell in BETA, and comes back to ALFA in August 2010. P2's
/// praktik in ALFA is written open in 2010H1 and with its end (June) in 2010H2.
fn forbund() -> Workdir {
    let wd = Workdir::new();
    let schema = Schema::bundled().unwrap();
    let (p1, p2, p3) = (
        pnr("1985-04-12", 242),
        pnr("1990-08-30", 371),
        pnr("1970-02-03", 448),
    );
    let s = &schema;
    // ALFA's row for P2, the same in both half-years.
    let p2_in_alfa = || {
        let more = [
            ("utomnordisk", text("ja")),
            ("ensamstaende_med_barn", text("nej")),
        ];
        deltagare(s, &p2, "2010-02-01", None, "FK", &more)
    };
    workbook(
        &wd,
        s,
        "ALFA",
        "2010H1",
        vec![
            (
                "deltagare",
                vec![
                    deltagare(s, &p1, "2010-01-15", Some("2010-03-31"), "AF", &[]),
                    deltagare(s, &p1, "2010-05-03", None, "VC", &[]),
                    p2_in_alfa(),
                    deltagare(
                        s,
                        &p3,
                        "2009-03-01",
                        Some("2009-11-30"),
                        "FK",
                        &[("ensamstaende_med_barn", text("ja"))],
                    ),
                ],
            ),
            (
                "insatser",
                vec![
                    insats(s, &p1, "praktik", "2010-02-01", Some("2010-03-15")),
                    insats(s, &p1, "sarskilt_stod", "2010-05-10", None),
                    insats(s, &p2, "gemensam_bedomning", "2010-02-02", None),
                    insats(s, &p2, "praktik", "2010-03-01", None),
                    insats(s, &p3, "uppfoljning", "2010-02-10", None),
                ],
            ),
        ]
        .into_iter()
        .chain(events_of(s, &p2, "2010-02-15"))
        .collect(),
    );
    workbook(
        &wd,
        s,
        "BETA",
        "2010H1",
        vec![(
            "deltagare",
            vec![
                deltagare(
                    s,
                    &p2,
                    "2010-03-01",
                    None,
                    "AF",
                    &[
                        ("fodelsear", Cell::Number(1991.0)),
                        ("utomnordisk", text("nej")),
                    ],
                ),
                deltagare(s, &p3, "2010-01-20", None, "soc", &[]),
            ],
        )]
        .into_iter()
        .chain([(
            "insatser",
            vec![insats(s, &p2, "gemensam_bedomning", "2010-03-02", None)],
        )])
        .chain(events_of(s, &p2, "2010-03-10"))
        .collect(),
    );
    workbook(
        &wd,
        s,
        "ALFA",
        "2010H2",
        vec![
            (
                "deltagare",
                vec![
                    deltagare(s, &p1, "2010-05-03", Some("2010-09-30"), "VC", &[]),
                    // P3 comes back to ALFA, a year after she ended there.
                    deltagare(s, &p3, "2010-08-02", None, "AF", &[]),
                    p2_in_alfa(),
                ],
            ),
            (
                "insatser",
                vec![
                    insats(s, &p1, "sarskilt_stod", "2010-05-10", Some("2010-09-30")),
                    insats(s, &p2, "praktik", "2010-03-01", Some("2010-06-20")),
                ],
            ),
        ],
    );
    let run = wd.finsam(&["ingest", "in"]);
    let stdout = run.ok();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // P2 only: ALFA says 1990 (from the number) and ja, BETA 1991 and nej.
    assert!(
        stdout.contains(
            "Olika uppgifter om samma person i olika deltaganden: 1 personer (fodelsear 1, utomnordisk 1)"
        ),
        "{stdout}"
    );
    wd
}

fn antal(report: &serde_json::Value, nr: u64, line: &str) -> serde_json::Value {
    figure(report, nr, line).0
}

#[test]
fn a_person_counts_once_in_the_half_year_report_whatever_their_participations_say() {
    let wd = forbund();
    let alfa = report_json(&wd, "ALFA", "2010H1");
    // P1 (twice aktuell) and P2; P3 ended in 2009.
    assert_eq!(antal(&alfa, 1, "Aktuella personer"), 2);
    // P3, followed up and not aktuell in ALFA.
    assert_eq!(antal(&alfa, 2, "Personer"), 1);
    // P1 is aktuell through both participations: AF and VC; P2 FK.
    for (actor, n) in [
        ("Arbetsförmedlingen", 1),
        ("Vårdcentral", 1),
        ("Försäkringskassan", 1),
    ] {
        assert_eq!(antal(&alfa, 9, actor), n, "{actor}");
    }
    // P1's praktik in February and P2's from March.
    assert_eq!(
        antal(
            &alfa,
            11,
            "Har eller har haft praktik eller arbetsmarknadsåtgärd"
        ),
        2
    );

    let alla = report_json(&wd, "alla", "2010H1");
    // P1, P2 and P3: P2 once, although ALFA and BETA describe him differently.
    assert_eq!(antal(&alla, 1, "Aktuella personer"), 3);
    assert_eq!(antal(&alla, 6, "Kvinnor"), 2);
    assert_eq!(antal(&alla, 6, "Män"), 1);
    // P3 is aktuell in BETA: not an earlier participant of the selection.
    assert_eq!(antal(&alla, 2, "Personer"), 0);
    // P2's latest aktuell participation (BETA, inskriven 1 March) speaks for him: born
    // 1991 (19 years in 2010), not utomnordisk. P1 is 25 and P3 40.
    assert_eq!(
        figure(&alla, 4, "Ålder (år)").0,
        serde_json::json!([19, 40])
    );
    assert_eq!(antal(&alla, 8, "Utomnordisk härkomst"), 0);
    // P1 (25) and P2 (19).
    assert_eq!(antal(&alla, 5, "Ungdomar 16–29 år"), 2);
    // P3's ensamstående belongs to her ended ALFA participation.
    assert_eq!(antal(&alla, 7, "Ensamstående kvinnor med barn"), 0);
    // P2's events in both projects: once each.
    for (nr, line) in [
        (10, "Har fått en gemensam bedömning"),
        (12, "Remitterade"),
        (13, "Har fått information om insatser enligt LSS"),
        (14, "Har ansökt eller fått en förlängning bedömd"),
        (15, "Sjukskrivna hela eller delar av perioden"),
    ] {
        assert_eq!(antal(&alla, nr, line), 1, "figure {nr}");
    }
    assert_eq!(antal(&alla, 16, "Har fått särskilt stöd"), 1);
    // FK: P2 (ALFA); P3's FK belongs to her ended ALFA participation and does not count.
    for (actor, n) in [
        ("Försäkringskassan", 1),
        ("Arbetsförmedlingen", 2),
        ("Socialtjänst", 1),
        ("Vårdcentral", 1),
    ] {
        assert_eq!(antal(&alla, 9, actor), n, "{actor}");
    }
}

#[test]
fn an_event_counts_in_its_latest_version_and_a_return_is_a_new_participation() {
    let wd = forbund();
    let alfa = report_json(&wd, "ALFA", "2010H2");
    // P1, P2 and P3, back since August.
    assert_eq!(antal(&alfa, 1, "Aktuella personer"), 3);
    assert_eq!(antal(&alfa, 2, "Personer"), 0);
    // P2's praktik ended in June in its latest version: none in the second half.
    assert_eq!(
        antal(
            &alfa,
            11,
            "Har eller har haft praktik eller arbetsmarknadsåtgärd"
        ),
        0
    );
    assert_eq!(antal(&alfa, 16, "Har fått särskilt stöd"), 1);
    let deltagare = report_json_with(&wd, "deltagare", "ALFA", "2010H2", &[]);
    // P3's return is new; her first participation (ended 2009) is not aktuell.
    assert_eq!(row(table(&deltagare, 1), "Nya")[0]["antal"], 1);
    assert_eq!(row(table(&deltagare, 1), "Aktuella")[0]["antal"], 3);
    let insatser = table(&deltagare, 4);
    assert_eq!(row(insatser, "Praktik")[0]["antal"], 0, "{insatser}");
    // Every version as submitted stays readable.
    let versions = wd.sql(
        "SELECT count(*) AS n FROM insatser_alla_versioner WHERE typ = 'praktik' AND projekt = 'ALFA'",
    );
    assert_eq!(versions, "n\n3\n");
    // `finsam sql` reads the current versions through the stored list of replaced rows;
    // the definition written out over every version gives the same rows.
    let current = wd.sql(
        "SELECT projekt, halvar, person, typ, start, slut FROM insatser ORDER BY 1, 2, 3, 4, 5",
    );
    let by_definition = wd.sql(
        "SELECT projekt, halvar, person, typ, start, slut FROM insatser_alla_versioner r
         WHERE NOT EXISTS (SELECT 1 FROM insatser_alla_versioner s
                           WHERE s.projekt = r.projekt AND s.person = r.person AND s.typ = r.typ
                             AND s.start = r.start AND s.halvar > r.halvar)
         ORDER BY 1, 2, 3, 4, 5",
    );
    assert_eq!(current, by_definition);
    assert!(
        wd.path("data/_underlag/insatser_ersatta_versioner")
            .is_dir()
    );
    let every_version = wd.sql("SELECT count(*) AS n FROM insatser_alla_versioner");
    let count = wd.sql("SELECT count(*) AS n FROM insatser");
    assert_ne!(every_version, count, "some rows were replaced");
    // The underlag that places each insats in its participation was built from the
    // current versions too (through the list built in the same pass): the same rows as
    // its query file run over every project, as `finsam sql` reads the tables.
    let sorted = |csv: String| {
        let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
        lines[1..].sort();
        lines
    };
    let placed = sorted(wd.sql("SELECT * FROM insatser_deltagande"));
    let definition = repo("queries/underlag/insatser_deltagande.sql");
    let placed_by_definition = sorted(
        wd.finsam(&[
            "sql",
            "-f",
            definition.to_str().unwrap(),
            "--param",
            "projekt=alla",
            "--format",
            "csv",
        ])
        .ok()
        .to_string(),
    );
    assert!(placed.len() > 5, "{placed:?}");
    assert_eq!(placed, placed_by_definition);
    // P2's praktik in ALFA once, in its latest version (ended in June).
    let praktik = wd.sql(
        "SELECT slut FROM insatser_deltagande WHERE projekt = 'ALFA' AND typ = 'praktik' AND start = DATE '2010-03-01'",
    );
    assert_eq!(praktik, "slut\n2010-06-20\n");
}

#[test]
fn the_participant_and_outcome_tables_count_participations() {
    let wd = forbund();
    let report = report_json_with(&wd, "deltagare", "ALFA", "2010H1", &[]);
    let antal = table(&report, 1);
    // P1's two participations and P2's: all three began in the half-year; P1's first ended.
    assert_eq!(row(antal, "Nya")[0]["antal"], 3, "{antal}");
    assert_eq!(row(antal, "Aktuella")[0]["antal"], 3, "{antal}");
    assert_eq!(row(antal, "Avslutade")[0]["antal"], 1, "{antal}");
    // Each insats counts for the participation it falls in: P1's praktik for the first,
    // her särskilt stöd for the second; P2's praktik for his.
    let insatser = table(&report, 4);
    assert_eq!(row(insatser, "Praktik")[0]["antal"], 2, "{insatser}");
    assert_eq!(row(insatser, "Särskilt stöd")[0]["antal"], 1, "{insatser}");
    assert_eq!(row(insatser, "Ingen insats")[0]["antal"], 0, "{insatser}");

    let utfall = report_json_with(&wd, "utfall", "ALFA", "2010", &[]);
    // P1 ended twice in 2010: two ended participations, one person.
    let status = table(&utfall, 1);
    assert_eq!(row(status, "Förvärvsarbete")[0]["antal"], 2, "{status}");
    let notes = utfall["anmarkningar"].to_string();
    assert!(
        notes.contains("De 2 avslutade deltagandena är färre personer: 1 av dem"),
        "{notes}"
    );
    // 75 days (15 Jan – 31 Mar) and 150 days (3 May – 30 Sep): the median is 112.5.
    let time = wd.sql(
        "SELECT count(*) AS n, avg(CAST(avslutad AS INT) - CAST(inskriven AS INT)) AS medel FROM uppfoljning WHERE projekt = 'ALFA' AND avslutad >= '2010-01-01'",
    );
    assert_eq!(time, "n,medel\n2,112.5\n");
}

#[test]
fn a_participation_counts_once_per_type_of_insats_however_many_of_the_type_overlap() {
    let wd = Workdir::new();
    let schema = Schema::bundled().unwrap();
    let s = &schema;
    let (r, q) = (pnr("1980-05-05", 113), pnr("1975-11-20", 228));
    // R's one participation from September 2009 has five praktik: two that overlap each
    // other in the autumn of 2009, one that ends on the first day of 2010, one in March
    // 2010 and one from May without an end; and särskilt stöd twice from the same day, one
    // ended in September and one without an end. Q has praktik in each of two
    // participations, the first ended in 2009.
    workbook(
        &wd,
        s,
        "GAMMA",
        "2010H1",
        vec![
            (
                "deltagare",
                vec![
                    deltagare(s, &r, "2009-09-01", None, "AF", &[]),
                    deltagare(s, &q, "2009-08-03", Some("2009-12-31"), "AF", &[]),
                    deltagare(s, &q, "2010-02-01", None, "AF", &[]),
                ],
            ),
            (
                "insatser",
                vec![
                    insats(s, &r, "praktik", "2009-09-10", Some("2009-11-15")),
                    insats(s, &r, "praktik", "2009-10-01", Some("2009-12-15")),
                    insats(s, &r, "praktik", "2009-12-20", Some("2010-01-01")),
                    insats(s, &r, "praktik", "2010-03-01", Some("2010-03-31")),
                    insats(s, &r, "praktik", "2010-05-01", None),
                    insats(s, &r, "sarskilt_stod", "2009-09-10", None),
                    insats(s, &r, "sarskilt_stod", "2009-09-10", Some("2009-09-30")),
                    insats(s, &q, "praktik", "2009-10-01", Some("2009-12-31")),
                    insats(s, &q, "praktik", "2010-03-01", None),
                    // Two flerpartssamtal the same day: two samtal, one participation.
                    insats(s, &r, "flerpartssamtal", "2010-02-10", None),
                    insats(s, &r, "flerpartssamtal", "2010-02-10", None),
                ],
            ),
        ],
    );
    wd.finsam(&["ingest", "in"]).ok();
    // The half-year report counts samtal, each row of the submission.
    assert_eq!(
        antal(&report_json(&wd, "GAMMA", "2010H1"), 17, "Flerpartssamtal"),
        2
    );
    // R once per type in every period; Q once for each participation aktuell in it (both
    // in 2009-2010, whose first praktik of the second participation follows one of the
    // first's that reached the period).
    for (period, praktik) in [("2009H2", 2), ("2010H1", 2), ("2010", 2), ("2009-2010", 3)] {
        let report = report_json_with(&wd, "deltagare", "GAMMA", period, &[]);
        let insatser = table(&report, 4);
        let flerpartssamtal = if period == "2009H2" { 0 } else { 1 };
        for (typ, antal) in [
            ("Praktik", praktik),
            ("Särskilt stöd", 1),
            ("Flerpartssamtal", flerpartssamtal),
            ("Ingen insats", 0),
        ] {
            assert_eq!(
                row(insatser, typ)[0]["antal"],
                antal,
                "{period} {typ}: {insatser}"
            );
        }
    }
    // What the underlag records: each insats after the first of its type in its
    // participation (by start, then slut, one without an end last) knows the latest end
    // of those before it.
    assert_eq!(
        wd.sql(
            "SELECT typ, start, slut, tidigare_slut FROM insatser_deltagande \
             WHERE inskriven = DATE '2009-09-01' ORDER BY typ, start, slut NULLS LAST"
        ),
        "typ,start,slut,tidigare_slut\n\
         flerpartssamtal,2010-02-10,,\n\
         praktik,2009-09-10,2009-11-15,\n\
         praktik,2009-10-01,2009-12-15,2009-11-15\n\
         praktik,2009-12-20,2010-01-01,2009-12-15\n\
         praktik,2010-03-01,2010-03-31,2010-01-01\n\
         praktik,2010-05-01,,2010-03-31\n\
         sarskilt_stod,2009-09-10,2009-09-30,\n\
         sarskilt_stod,2009-09-10,,2009-09-30\n"
    );
    // The first insats of a type to overlap a period is the participation and type once:
    // as many as removing the duplicates from every insats that overlaps it.
    for period in ["2009", "2009H2", "2010H1", "2010", "2009-2010"] {
        let overlaps = format!(
            "start <= period_slut('{period}') AND (slut IS NULL OR slut >= period_start('{period}'))"
        );
        assert_eq!(
            wd.sql(&format!(
                "SELECT (SELECT count(*) FROM (SELECT DISTINCT projekt, person, inskriven, typ \
                 FROM insatser_deltagande WHERE {overlaps})) AS n"
            )),
            wd.sql(&format!(
                "SELECT count(*) AS n FROM insatser_deltagande WHERE {overlaps} \
                 AND (tidigare_slut IS NULL OR tidigare_slut < period_start('{period}'))"
            )),
            "{period}"
        );
    }
}

#[test]
fn status_counts_persons_described_differently_and_the_dashboards_build() {
    let wd = forbund();
    let status = wd.finsam(&["status"]);
    assert!(
        status.ok().contains(
            "Olika uppgifter om samma person i olika deltaganden: 1 personer (fodelsear 1, utomnordisk 1)"
        ),
        "{}",
        status.stdout
    );
    wd.finsam(&["dashboard", "build", "--out", "site"]).ok();
    // The board's participant counts are the participant report's: participations.
    // P1 twice, P2, P3 twice.
    let counted = wd.sql("SELECT count(*) AS n FROM deltagande WHERE projekt = 'ALFA' AND raknas");
    assert_eq!(counted, "n\n5\n");
}

#[test]
fn a_corrected_inskriven_replaces_the_participation_it_corrects() {
    let wd = Workdir::new();
    let schema = Schema::bundled().unwrap();
    let s = &schema;
    let r = pnr("1980-05-05", 113);
    // Written 1 February in 2010H1, corrected to 4 January in 2010H2. The gemensam
    // bedömning of 20 January lies between the two dates.
    for (halvar, inskriven) in [("2010H1", "2010-02-01"), ("2010H2", "2010-01-04")] {
        let mut insatser = vec![insats(s, &r, "praktik", "2010-03-01", None)];
        if halvar == "2010H1" {
            insatser.push(insats(s, &r, "gemensam_bedomning", "2010-01-20", None));
        }
        workbook(
            &wd,
            s,
            "GAMMA",
            halvar,
            vec![
                (
                    "deltagare",
                    vec![deltagare(s, &r, inskriven, None, "AF", &[])],
                ),
                ("insatser", insatser),
            ],
        );
    }
    wd.finsam(&["ingest", "in"]).ok();
    for period in ["2010H1", "2010H2", "2010"] {
        let report = report_json_with(&wd, "deltagare", "GAMMA", period, &[]);
        assert_eq!(
            row(table(&report, 1), "Aktuella")[0]["antal"],
            1,
            "{period}: one participation"
        );
        assert_eq!(
            row(table(&report, 4), "Praktik")[0]["antal"],
            1,
            "{period}: its praktik"
        );
    }
    for halvar in ["2010H1", "2010H2"] {
        let report = report_json(&wd, "GAMMA", halvar);
        assert_eq!(antal(&report, 1, "Aktuella personer"), 1, "{halvar}");
        // The correction does not move the half-year's own insatser.
        assert_eq!(
            antal(&report, 10, "Har fått en gemensam bedömning"),
            1,
            "{halvar}"
        );
        assert_eq!(
            antal(
                &report,
                11,
                "Har eller har haft praktik eller arbetsmarknadsåtgärd"
            ),
            1,
            "{halvar}"
        );
    }
    // The wrong row may stay beside the right one as a felregistrering.
    workbook(
        &wd,
        s,
        "GAMMA",
        "2011H1",
        vec![(
            "deltagare",
            vec![
                deltagare(
                    s,
                    &r,
                    "2010-02-01",
                    None,
                    "AF",
                    &[
                        ("avslutad", date("2010-02-01")),
                        ("avslutsorsak", text("felregistrering")),
                    ],
                ),
                deltagare(s, &r, "2010-01-04", None, "AF", &[]),
            ],
        )],
    );
    wd.finsam(&["ingest", "in/GAMMA_2011H1.xlsx"]).ok();
}

#[test]
fn an_event_counts_only_where_its_project_has_the_person_aktuell_with_samtycke() {
    let wd = Workdir::new();
    let schema = Schema::bundled().unwrap();
    let s = &schema;
    let (t, q) = (pnr("1975-07-07", 226), pnr("1982-11-30", 335));
    workbook(
        &wd,
        s,
        "ALFA",
        "2010H1",
        vec![(
            "deltagare",
            vec![
                deltagare(s, &t, "2010-01-11", None, "AF", &[]),
                deltagare(s, &q, "2010-02-01", None, "AF", &[]),
            ],
        )],
    );
    // BETA: T without samtycke, with work and events; Q ended in 2009 with a praktik
    // left open.
    workbook(
        &wd,
        s,
        "BETA",
        "2010H1",
        vec![
            (
                "deltagare",
                vec![
                    deltagare(
                        s,
                        &t,
                        "2010-01-20",
                        None,
                        "FK",
                        &[("samtycke", text("nej"))],
                    ),
                    deltagare(s, &q, "2008-05-05", Some("2009-06-30"), "FK", &[]),
                ],
            ),
            (
                "insatser",
                vec![
                    insats(s, &t, "sarskilt_stod", "2010-02-01", None),
                    insats(s, &q, "praktik", "2008-06-01", None),
                ],
            ),
        ]
        .into_iter()
        .chain(events_of(s, &t, "2010-03-03"))
        .collect(),
    );
    wd.finsam(&["ingest", "in"]).ok();
    let alla = report_json(&wd, "alla", "2010H1");
    assert_eq!(antal(&alla, 1, "Aktuella personer"), 2);
    for (nr, line) in [
        (11, "Har eller har haft praktik eller arbetsmarknadsåtgärd"),
        (12, "Remitterade"),
        (13, "Har fått information om insatser enligt LSS"),
        (14, "Har ansökt eller fått en förlängning bedömd"),
        (15, "Sjukskrivna hela eller delar av perioden"),
        (16, "Har fått särskilt stöd"),
    ] {
        assert_eq!(antal(&alla, nr, line), 0, "figure {nr}");
    }
}

#[test]
fn work_in_a_participation_without_samtycke_counts_nowhere_and_a_return_is_no_correction() {
    let wd = Workdir::new();
    let schema = Schema::bundled().unwrap();
    let s = &schema;
    let (c, b, k) = (
        pnr("1979-03-03", 551),
        pnr("1984-09-09", 662),
        pnr("1991-12-12", 773),
    );
    let no = [("samtycke", text("nej"))];
    workbook(
        &wd,
        s,
        "DELTA",
        "2010H1",
        vec![
            (
                "deltagare",
                vec![
                    // C: first with samtycke, then back without it.
                    deltagare(s, &c, "2010-01-10", Some("2010-02-15"), "AF", &[]),
                    deltagare(s, &c, "2010-03-01", None, "AF", &no),
                    // B: first without samtycke, then back with it.
                    deltagare(s, &b, "2010-01-05", Some("2010-02-20"), "AF", &no),
                    deltagare(s, &b, "2010-03-10", None, "AF", &[]),
                ],
            ),
            (
                "insatser",
                vec![
                    insats(s, &c, "sarskilt_stod", "2010-04-01", None),
                    insats(s, &c, "flerpartssamtal", "2010-04-02", None),
                    insats(s, &b, "gemensam_bedomning", "2010-01-06", None),
                    insats(s, &b, "sarskilt_stod", "2010-01-07", None),
                    insats(s, &b, "flerpartssamtal", "2010-01-08", None),
                ],
            ),
        ]
        .into_iter()
        .chain(events_of(s, &c, "2010-04-03").into_iter().take(1))
        .collect(),
    );
    // K was never given an end in 2010H1; no 2010H2 came; K is back in 2011.
    for (halvar, inskriven) in [("2010H1", "2010-01-10"), ("2011H1", "2011-02-01")] {
        workbook(
            &wd,
            s,
            "KILO",
            halvar,
            vec![(
                "deltagare",
                vec![deltagare(s, &k, inskriven, None, "AF", &[])],
            )],
        );
    }
    wd.finsam(&["ingest", "in", "--nytt-projekt"]).ok();
    let delta = report_json(&wd, "DELTA", "2010H1");
    // C through her first participation, B through his second.
    assert_eq!(antal(&delta, 1, "Aktuella personer"), 2);
    for (nr, line) in [
        (10, "Har fått en gemensam bedömning"),
        (12, "Remitterade"),
        (16, "Har fått särskilt stöd"),
        (17, "Flerpartssamtal"),
    ] {
        assert_eq!(antal(&delta, nr, line), 0, "figure {nr}");
    }
    let participants = report_json_with(&wd, "deltagare", "DELTA", "2010H1", &[]);
    assert_eq!(row(table(&participants, 4), "Särskilt stöd")[0]["antal"], 0);
    for period in ["2010H1", "2011H1"] {
        let report = report_json_with(&wd, "deltagare", "KILO", period, &[]);
        assert_eq!(
            row(table(&report, 1), "Aktuella")[0]["antal"],
            1,
            "{period}: a return leaves the first participation where it was"
        );
    }
}
