//! The bundled example collection: the scenario that writes it reproduces the committed
//! workbooks byte for byte, SIGMA-gruppen's 2008H1 report (seed 003) reproduced figure by
//! figure, a second project and period checked against an independent count, golden
//! files for the Markdown and JSON reports, and disclosure control on every report the
//! examples allow (the outsider is in disclosure.rs).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::workdir::{Workdir, figure, golden, repo, report_json, row, table};

/// `finsam synth --scenario exempel` writes exactly the workbooks committed in examples/,
/// byte for byte: the scenario is the source of the files, and they are not edited.
#[test]
fn the_example_scenario_writes_the_committed_workbooks() {
    let wd = Workdir::with_fixed_key();
    let out = wd.finsam(&["synth", "--scenario", "exempel", "--out", "ut"]);
    assert!(out.ok().contains("SIGMA 2008H1 enligt docs/definitions.md"));
    let written = wd.snapshot("ut");
    let committed: BTreeMap<PathBuf, Vec<u8>> = std::fs::read_dir(repo("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "xlsx"))
        .map(|path| {
            let name = PathBuf::from(path.file_name().unwrap());
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    assert_eq!(committed.len(), 20);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &written {
        assert!(
            *bytes == committed[name],
            "{} differs from examples/{}",
            name.display(),
            name.display()
        );
    }
}

#[test]
fn sigma_2008h1_reproduces_every_figure_of_the_seed_report() {
    let wd = Workdir::examples();
    let r = report_json(&wd, "SIGMA", "2008H1");
    let f = |nr, text| figure(&r, nr, text);
    assert_eq!(f(1, "Aktuella personer").0, 34);
    assert_eq!(f(2, "Personer").0, 5);
    assert_eq!(f(3, "Personer").0, 4);
    assert_eq!(f(4, "Ålder (år)").0, json!([19, 62]));
    assert_eq!(f(5, "Ungdomar 16–29 år"), (json!(16), json!(47)));
    assert_eq!(f(6, "Kvinnor"), (json!(22), json!(65)));
    assert_eq!(f(6, "Män"), (json!(12), json!(35)));
    assert_eq!(f(6, "Kvinnor bland ungdomar 16–29 år").0, 9);
    assert_eq!(f(6, "Män bland ungdomar 16–29 år").0, 7);
    assert_eq!(f(7, "Ensamstående kvinnor med barn").0, 4);
    assert_eq!(f(8, "Utomnordisk härkomst").0, 2);
    for (authority, n) in [
        ("Försäkringskassan", 13),
        ("Arbetsförmedlingen", 11),
        ("Vårdcentral", 8),
        ("Psykiatri", 5),
        ("Socialtjänst", 8),
        ("Arbetsmarknadsenhet", 1),
    ] {
        assert_eq!(f(9, authority).0, n, "{authority}");
    }
    assert_eq!(f(10, "Har fått en gemensam bedömning").0, 34);
    assert_eq!(
        f(11, "Har eller har haft praktik eller arbetsmarknadsåtgärd").0,
        23
    );
    assert_eq!(f(12, "Remitterade").0, 22);
    assert_eq!(f(12, "Samverkan AF–FK").0, 7);
    assert_eq!(f(12, "Arbetsförmedlingen Rehab").0, 7);
    assert_eq!(f(12, "Psykiatri").0, 6);
    assert_eq!(f(13, "Har fått information om insatser enligt LSS").0, 5);
    assert_eq!(f(13, "Har ansökt och fått insatser beviljade").0, 3);
    assert_eq!(f(14, "Har ansökt eller fått en förlängning bedömd").0, 9);
    assert_eq!(f(15, "Sjukskrivna hela eller delar av perioden").0, 12);
    assert_eq!(f(16, "Har fått särskilt stöd").0, 9);
    assert_eq!(f(16, "varav ungdomar 16–29 år").0, 6);
    assert_eq!(f(17, "Kartläggningsträffar med hela gruppen").0, 4);
    assert_eq!(f(17, "Flerpartssamtal").0, 10);
    assert_eq!(f(18, "Träffar som hölls").0, 17);
    assert_eq!(f(18, "Träffar som ställdes in").0, 6);
    assert_eq!(f(18, "Semester").0, 2);
}

/// KOMPIS 2008H1, counted by hand with a differently written query (a LEFT JOIN on
/// kod_avslutsorsak and literal dates instead of the report's files and helpers).
/// The text of a Word document, paragraph by paragraph, as Word shows it; the file must
/// read back as a document (docx-rs's reader parses every part).
fn word_text(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    docx_rs::read_docx(&bytes).expect("a document Word can open");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    // A paragraph is a line, a table row too (its cells' paragraphs side by side).
    let mut text = String::new();
    let mut in_cell = false;
    for part in xml.split('<') {
        match part.split_once('>') {
            Some((tag, content)) if tag == "w:t" || tag.starts_with("w:t ") => {
                text.push_str(content);
            }
            Some((tag, _)) if tag == "w:tc" || tag.starts_with("w:tc ") => in_cell = true,
            Some(("/w:tc", _)) => in_cell = false,
            Some(("/w:p", _)) => text.push(if in_cell { ' ' } else { '\n' }),
            Some(("/w:tr", _)) => text.push('\n'),
            _ => {}
        }
    }
    let lines: Vec<String> = text
        .replace("&amp;", "&")
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    lines.join("\n")
}

/// Every figure of seed 003 (SIGMA-gruppen 2008H1) as a line of the document: the text
/// and its number (and share); whitespace is not compared, since a PDF's text extraction
/// places spaces by their width.
const SEED_LINES: &[&str] = &[
    "Halvårsrapport SIGMA 2008H1",
    "1. Aktuella personer under perioden 34",
    "2. Tidigare deltagare med kort uppföljning eller information 5",
    "3. Diskuterade utan namn och personnummer 4",
    "4. Åldersspann 19–62",
    "5. Ungdomar 16–29 år 16 47 %",
    "6. Könsfördelning: Kvinnor 22 65 %",
    "6. Könsfördelning: Män 12 35 %",
    "6. Könsfördelning: Kvinnor bland ungdomar 16–29 år 9",
    "6. Könsfördelning: Män bland ungdomar 16–29 år 7",
    "7. Ensamstående kvinnor med barn 4",
    "8. Utomnordisk härkomst 2",
    "Försäkringskassan 13",
    "Arbetsförmedlingen 11",
    "Vårdcentral 8",
    "Psykiatri 5",
    "Socialtjänst 8",
    "Arbetsmarknadsenhet 1",
    "10. Gemensam bedömning 34",
    "11. Praktik eller arbetsmarknadsåtgärd 23",
    "12. Remitterade för vidare insats eller utredning 22",
    "Samverkan AF–FK 7",
    "Arbetsförmedlingen Rehab 7",
    "Psykiatri 6",
    "13. Insatser enligt LSS: Har fått information om insatser enligt LSS 5",
    "13. Insatser enligt LSS: Har ansökt och fått insatser beviljade 3",
    "14. Sjuk- eller aktivitetsersättning 9",
    "15. Sjukskrivning 12",
    "16. Särskilt stöd: Har fått särskilt stöd 9",
    "16. Särskilt stöd: varav ungdomar 16–29 år 6",
    "17. Kartläggningssamtal: Kartläggningsträffar med hela gruppen 4",
    "17. Kartläggningssamtal: Flerpartssamtal 10",
    "18. Gruppens träffar: Träffar som hölls 17",
    "18. Gruppens träffar: Träffar som ställdes in 6",
    "Semester 2",
];

fn assert_holds_the_seed_figures(text: &str) {
    let squeezed = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" %", "%")
    };
    let lines: Vec<String> = text.lines().map(squeezed).collect();
    for line in SEED_LINES {
        let line = squeezed(line);
        // The figure ends the line or is followed by its share and the previous value.
        assert!(
            lines
                .iter()
                .any(|l| l == &line || l.starts_with(&format!("{line} "))),
            "{line}\n{text}"
        );
    }
}

#[test]
fn the_half_year_report_as_a_word_document_holds_every_figure_of_the_seed() {
    let wd = Workdir::examples();
    let text = word_text(&crate::workdir::half_year_file(
        &wd, "SIGMA", "2008H1", "docx",
    ));
    assert_holds_the_seed_figures(&text);
    // The outcome and participant tables too; Word needs a file.
    wd.finsam(&[
        "report",
        "utfall",
        "--projekt",
        "KOMPIS",
        "--period",
        "2010",
        "--format",
        "docx",
        "--out",
        "utfall.docx",
    ])
    .ok();
    assert!(word_text(&wd.path("utfall.docx")).contains("Utfall"));
    let run = wd.finsam(&[
        "report",
        "deltagare",
        "--projekt",
        "SIGMA",
        "--period",
        "2008",
        "--format",
        "docx",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// The PDF as poppler reads it: a valid PDF/A whose text holds the seed's figures; its
/// first page is saved as a picture under target/e2e/ for a person to look at.
#[test]
fn the_half_year_report_as_a_pdf_holds_every_figure_of_the_seed() {
    let wd = Workdir::examples();
    let pdf = crate::workdir::half_year_file(&wd, "SIGMA", "2008H1", "pdf");
    let info = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("Title:           Halvårsrapport SIGMA 2008H1"),
        "{info}"
    );
    assert!(
        info.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{info}"
    );
    let metadata = poppler("pdfinfo", &["-meta", pdf.to_str().unwrap()]);
    assert!(
        metadata.contains("<pdfaid:part>2</pdfaid:part>"),
        "{metadata}"
    );
    let text = poppler("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    assert_holds_the_seed_figures(&text);
    assert!(text.contains("Sida 1 av 3"), "{text}");
    let fonts = poppler("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "every font embedded:\n{fonts}"
    );
    let shots = crate::workdir::repo("target/e2e");
    std::fs::create_dir_all(&shots).unwrap();
    poppler(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf.to_str().unwrap(),
            shots.join("halvarsrapport_sida1").to_str().unwrap(),
        ],
    );
    assert!(shots.join("halvarsrapport_sida1.png").exists());

    // The outcome and participant tables are typeset too.
    for (kind, period) in [("utfall", "2010"), ("deltagare", "2008")] {
        let out = format!("{kind}.pdf");
        wd.finsam(&[
            "report",
            kind,
            "--projekt",
            "SIGMA",
            "--period",
            period,
            "--format",
            "pdf",
            "--out",
            &out,
        ])
        .ok();
        let text = poppler("pdftotext", &[wd.path(&out).to_str().unwrap(), "-"]);
        assert!(text.contains("SIGMA"), "{kind}: {text}");
    }
}

/// A poppler-utils command (`.ci/run` installs them); its standard output.
fn poppler(command: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(command)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{command}: {e} (apt-get install poppler-utils)"));
    assert!(
        output.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn kompis_2008h1_agrees_with_an_independent_count() {
    let wd = Workdir::examples();
    let r = report_json(&wd, "KOMPIS", "2008H1");
    let f = |nr, text| figure(&r, nr, text).0;
    assert_eq!(f(1, "Aktuella personer"), 36);
    assert_eq!(f(4, "Ålder (år)"), json!([19, 63]));
    assert_eq!(f(5, "Ungdomar 16–29 år"), 14);
    assert_eq!(f(6, "Kvinnor"), 22);
    assert_eq!(f(6, "Män"), 14);
    assert_eq!(f(7, "Ensamstående kvinnor med barn"), 6);
    assert_eq!(f(8, "Utomnordisk härkomst"), 1);
    assert_eq!(f(12, "Remitterade"), 9);
    assert_eq!(f(15, "Sjukskrivna hela eller delar av perioden"), 5);
}

#[test]
fn the_whole_forbund_counts_a_person_in_both_projects_once() {
    let wd = Workdir::examples();
    let sigma = figure(&report_json(&wd, "SIGMA", "2008H1"), 1, "Aktuella personer")
        .0
        .as_i64()
        .unwrap();
    let kompis = figure(
        &report_json(&wd, "KOMPIS", "2008H1"),
        1,
        "Aktuella personer",
    )
    .0
    .as_i64()
    .unwrap();
    let alla = figure(&report_json(&wd, "alla", "2008H1"), 1, "Aktuella personer")
        .0
        .as_i64()
        .unwrap();
    let listed = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--projekt",
            "KOMPIS",
            "--period",
            "2008H1",
            "--format",
            "json",
        ])
        .ok()
        .to_string();
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(
        figure(&listed, 1, "Aktuella personer").0.as_i64().unwrap(),
        alla
    );
    assert!(alla <= sigma + kompis);
}

#[test]
fn golden_reports() {
    golden_runs(&[
        (
            "sigma_2008H1.md",
            &["halvar", "--projekt", "SIGMA", "--period", "2008H1"],
        ),
        (
            "sigma_2008H1.json",
            &[
                "halvar",
                "--projekt",
                "SIGMA",
                "--period",
                "2008H1",
                "--format",
                "json",
            ],
        ),
        (
            "sigma_2008H1_publik.md",
            &[
                "halvar",
                "--projekt",
                "SIGMA",
                "--period",
                "2008H1",
                "--publik",
            ],
        ),
    ]);
}

/// `finsam report <args>` on the examples, in order, each output against its golden file.
fn golden_runs(cases: &[(&str, &[&str])]) {
    let wd = Workdir::examples();
    for (name, args) in cases {
        let mut all = vec!["report"];
        all.extend_from_slice(args);
        golden(name, wd.finsam(&all).ok());
    }
}

/// The outcome and participant reports of the examples, as golden files: a change to
/// any figure or to the layout shows in review.
#[test]
fn golden_table_reports() {
    golden_runs(&[
        (
            "utfall_KOMPIS_2010.md",
            &["utfall", "--projekt", "KOMPIS", "--period", "2010"],
        ),
        (
            "utfall_KOMPIS_2010.json",
            &[
                "utfall",
                "--projekt",
                "KOMPIS",
                "--period",
                "2010",
                "--format",
                "json",
            ],
        ),
        (
            "utfall_alla_2009_publik.md",
            &[
                "utfall",
                "--projekt",
                "alla",
                "--period",
                "2009",
                "--publik",
            ],
        ),
        (
            "deltagare_alla_2008_per_kommun.md",
            &[
                "deltagare",
                "--projekt",
                "alla",
                "--period",
                "2008",
                "--per-kommun",
            ],
        ),
        (
            "utfall_KOMPIS_jamfor_2008_2010.md",
            &["utfall", "--projekt", "KOMPIS", "--jamfor", "2008", "2010"],
        ),
        (
            "deltagare_SIGMA_2008H1.md",
            &["deltagare", "--projekt", "SIGMA", "--period", "2008H1"],
        ),
        (
            "deltagare_alla_2010_publik.md",
            &[
                "deltagare",
                "--projekt",
                "alla",
                "--period",
                "2010",
                "--publik",
            ],
        ),
    ]);
}

/// The significant change the examples were built to show: KOMPIS's share
/// självförsörjande twelve months after the end, 2008 against 2010.
#[test]
fn kompis_improves_beyond_chance_from_2008_to_2010() {
    let wd = Workdir::examples();
    let out = wd
        .finsam(&[
            "report",
            "utfall",
            "--projekt",
            "KOMPIS",
            "--jamfor",
            "2008",
            "2010",
            "--format",
            "json",
        ])
        .ok()
        .to_string();
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let table = report["tabeller"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["fraga"] == "sjalvforsorjande.sql")
        .unwrap();
    let row = table["rader"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["text"] == "12 månader efter: självförsörjande")
        .unwrap();
    assert_eq!(
        (row["a"]["antal"].as_i64(), row["a"]["n"].as_i64()),
        (Some(5), Some(25))
    );
    assert_eq!(
        (row["b"]["antal"].as_i64(), row["b"]["n"].as_i64()),
        (Some(18), Some(37))
    );
    // Pooled z-test: p̂ = 23/62; z = (18/37 − 5/25) / √(p̂(1−p̂)(1/25 + 1/37)) ≈ 2.29.
    let p = row["p_varde"].as_f64().unwrap();
    assert!((p - 0.022).abs() < 0.001, "{p}");
    assert_eq!(row["test"], "z-test");
    assert_eq!(row["storre_an_slumpen"], true);
}

/// The outcome queries on the examples: each runs as an evaluator would run it, and the
/// categories of every breakdown add up to the participants who ended.
#[test]
fn outcome_queries_add_up() {
    let wd = Workdir::examples();
    let run = |file: &str| -> Vec<Vec<String>> {
        let path = repo(&format!("queries/utfall/{file}"));
        let out = wd
            .finsam(&[
                "sql",
                "-f",
                path.to_str().unwrap(),
                "-p",
                "projekt=SIGMA",
                "-p",
                "period=2008",
                "--format",
                "csv",
            ])
            .ok()
            .to_string();
        out.lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let number = |s: &String| s.parse::<i64>().unwrap();
    let totals = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter().filter(|r| r[0] == "totalt").collect()
    };
    // status.sql: indelning, grupp, rad, ordning, antal, n
    let status = totals(run("status.sql"));
    let ended = number(&status[0][5]);
    assert!(ended > 0);
    assert_eq!(status.iter().map(|r| number(&r[4])).sum::<i64>(), ended);
    // overgangar.sql: indelning, grupp, fran, fran_ordning, till, till_ordning, antal, n
    let transitions = totals(run("overgangar.sql"));
    assert_eq!(
        transitions.iter().map(|r| number(&r[6])).sum::<i64>(),
        ended
    );
    // sjalvforsorjande.sql: indelning, grupp, rad, ordning, del, del_ordning, antal, n:
    // the three outcomes of every point add up to n.
    let mut per_point: std::collections::BTreeMap<(String, String, String), (i64, i64)> =
        Default::default();
    for row in run("sjalvforsorjande.sql") {
        let entry = per_point
            .entry((row[0].clone(), row[1].clone(), row[2].clone()))
            .or_default();
        entry.0 += number(&row[6]);
        entry.1 = number(&row[7]);
    }
    assert_eq!(
        per_point.len(),
        5 * per_point.keys().filter(|k| k.2 == "Vid start").count()
    );
    for (point, (sum, n)) in per_point {
        assert_eq!(sum, n, "{point:?}");
    }
    // tid.sql: indelning, grupp, dagar, antal: everyone once.
    let days = totals(run("tid.sql"));
    assert_eq!(days.iter().map(|r| number(&r[3])).sum::<i64>(), ended);
    // forsorjningskalla.sql: indelning, grupp, del, del_ordning, rad, ordning, antal, n
    let sources = run("forsorjningskalla.sql");
    assert!(sources.iter().all(|r| number(&r[6]) <= number(&r[7])));
    assert!(sources.iter().any(|r| number(&r[6]) > 0));
}

/// The participant report agrees with the half-year report where their definitions meet:
/// SIGMA's aktuella in 2008H1, by kön, and the referring authorities (both count each
/// participant under every authority named); and each breakdown adds up to the total.
#[test]
fn the_participant_tables_agree_with_the_half_year_report() {
    let wd = Workdir::examples();
    let half_year = report_json(&wd, "SIGMA", "2008H1");
    let out = wd
        .finsam(&[
            "report",
            "deltagare",
            "--projekt",
            "SIGMA",
            "--period",
            "2008H1",
            "--format",
            "json",
        ])
        .ok()
        .to_string();
    let report: Value = serde_json::from_str(&out).unwrap();
    let counts = |nr: u64, text: &str| -> Vec<i64> {
        row(table(&report, nr), text)
            .iter()
            .map(|c| c["antal"].as_i64().unwrap())
            .collect()
    };
    // Columns: Totalt, Kvinnor, Män, then the age bands at inskrivning.
    let active = counts(1, "Aktuella");
    assert_eq!(active[0], figure(&half_year, 1, "Aktuella personer").0);
    assert_eq!(active[1], figure(&half_year, 6, "Kvinnor").0);
    assert_eq!(active[2], figure(&half_year, 6, "Män").0);
    assert_eq!(active[1] + active[2], active[0]);
    assert_eq!(active[3..].iter().sum::<i64>(), active[0]);
    for authority in [
        "Försäkringskassan",
        "Arbetsförmedlingen",
        "Vårdcentral",
        "Psykiatri",
    ] {
        assert_eq!(
            counts(3, authority)[0],
            figure(&half_year, 9, authority).0,
            "{authority}"
        );
    }
    // Utbildningsnivå: each participant in exactly one row.
    let education: i64 = table(&report, 5)["rader"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["celler"][0]["antal"].as_i64().unwrap())
        .sum();
    assert_eq!(education, active[0]);
}

/// Each line of `now` carries the same line of `before` as its `foregaende`.
fn assert_previous_is(now: &serde_json::Value, before: &serde_json::Value) {
    let figures = |r: &serde_json::Value| r["figurer"].as_array().unwrap().clone();
    let mut compared = 0;
    for figure in figures(now) {
        let earlier = figures(before)
            .into_iter()
            .find(|f| f["nr"] == figure["nr"])
            .unwrap();
        for line in figure["rader"].as_array().unwrap() {
            let same = earlier["rader"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["text"] == line["text"]);
            let Some(same) = same else { continue };
            let mut expected = same.clone();
            let expected = expected.as_object_mut().unwrap();
            expected.remove("text");
            expected.remove("foregaende");
            assert_eq!(
                &line["foregaende"],
                &serde_json::Value::Object(expected.clone()),
                "{}",
                line["text"]
            );
            compared += 1;
        }
    }
    assert!(compared > 20, "{compared}");
}

#[test]
fn each_figure_shows_the_previous_half_years_value_beside_it() {
    let wd = Workdir::examples();
    let now = report_json(&wd, "SIGMA", "2008H1");
    assert_eq!(now["foregaende_halvar"], "2007H2");
    assert_previous_is(&now, &report_json(&wd, "SIGMA", "2007H2"));
    // A public page shows beside it what the previous half-year's public page showed.
    let public = crate::workdir::report_json_with(&wd, "halvar", "alla", "2008H2", &["--publik"]);
    let public_before =
        crate::workdir::report_json_with(&wd, "halvar", "alla", "2008H1", &["--publik"]);
    assert_previous_is(&public, &public_before);
    // The first half-year of the examples has nothing before it: no column.
    // The workbook has the column too, and the project's text on a sheet of its own.
    let workbook = crate::workdir::half_year_file(&wd, "SIGMA", "2008H1", "xlsx");
    let statistics = workbook_rows(&workbook, "Statistik");
    let current = statistics
        .iter()
        .find(|r| r[1] == "Aktuella personer under perioden")
        .unwrap();
    assert_eq!(current[4], "42", "{current:?}");
    let texts = workbook_rows(&workbook, "Berättelse");
    assert_eq!(texts[1][0], "Samverkan");
    assert!(texts[1][1].starts_with("Samarbetet med Arbetsmarknadsenheten"));
    let first = report_json(&wd, "SIGMA", "2007H1");
    assert!(first.get("foregaende_halvar").is_none());
    assert!(!first.to_string().contains("foregaende"));
    let markdown = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--halvar",
            "2007H1",
        ])
        .ok()
        .to_string();
    assert!(!markdown.contains("föregående"), "{markdown}");
}

/// Uppföljning Finsam's counts for 2009, against a count written differently: the raw
/// deltagare rows, each participation's row from its latest submission, literal dates and
/// COUNT(DISTINCT) instead of the report's underlag and helpers.
#[test]
fn the_uppfoljning_finsam_counts_agree_with_a_hand_count() {
    let wd = Workdir::examples();
    let report: Value = serde_json::from_str(
        wd.finsam(&[
            "report",
            "uppfoljning-finsam",
            "--ar",
            "2009",
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    let hand = wd
        .finsam(&[
            "sql",
            "--format",
            "json",
            "WITH latest AS (
               SELECT d.* FROM deltagare d
               JOIN (SELECT projekt, person, inskriven, max(halvar) AS h FROM deltagare GROUP BY 1, 2, 3) m
                 ON d.projekt = m.projekt AND d.person = m.person AND d.inskriven = m.inskriven AND d.halvar = m.h),
             year AS (
               SELECT * FROM latest
               WHERE inskriven <= DATE '2009-12-31' AND (avslutad IS NULL OR avslutad >= DATE '2009-01-01')
                 AND coalesce(avslutsorsak, '') <> 'felregistrering' AND halvar >= '2009H1')
             SELECT projekt, kon,
               count(DISTINCT CASE WHEN samtycke THEN person END) AS aktuella,
               count(DISTINCT CASE WHEN samtycke AND inskriven >= DATE '2009-01-01' THEN person END) AS nya,
               count(DISTINCT CASE WHEN samtycke AND avslutad <= DATE '2009-12-31' THEN person END) AS avslutade,
               count(DISTINCT CASE WHEN NOT samtycke AND inskriven >= DATE '2009-01-01' THEN person END) AS anonyma
             FROM year GROUP BY 1, 2 ORDER BY 1, 2",
        ])
        .ok()
        .to_string();
    let hand: Vec<Value> = serde_json::from_str(&hand).unwrap();
    let rows = report["rader"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "two projects, two kön: {report}");
    assert_eq!(rows.len(), hand.len());
    for (row, counted) in rows.iter().zip(&hand) {
        for key in ["projekt", "kon", "aktuella", "nya", "avslutade", "anonyma"] {
            assert_eq!(row[key], counted[key], "{key}: {row} vs {counted}");
        }
    }
    // Someone without consent started in 2009 in each project: the anonymous column is used.
    assert!(rows.iter().any(|r| r["anonyma"].as_i64() > Some(0)));
    // As a table for Excel; Excel needs a file.
    wd.finsam(&[
        "report",
        "uppfoljning-finsam",
        "--ar",
        "2009",
        "--format",
        "xlsx",
        "--out",
        "u.xlsx",
    ])
    .ok();
    // Each project's table in the workbook holds the JSON's numbers, row for row.
    let sheet = workbook_rows(&wd.path("u.xlsx"), "Rapport");
    for row in rows {
        let sex = if row["kon"] == "K" { "Kvinnor" } else { "Män" };
        let heading = format!("Insats {}", row["projekt"].as_str().unwrap());
        let table = sheet.iter().position(|r| r[0] == heading).unwrap();
        let line = sheet[table..].iter().find(|r| r[0] == sex).unwrap();
        let expected: Vec<String> = ["aktuella", "nya", "avslutade", "anonyma"]
            .iter()
            .map(|key| row[*key].to_string())
            .collect();
        assert_eq!(line[1..5], expected[..], "{heading} {sex}");
    }
    let markdown = wd
        .finsam(&[
            "report",
            "uppfoljning-finsam",
            "--ar",
            "2009",
            "--projekt",
            "SIGMA",
        ])
        .ok()
        .to_string();
    assert!(markdown.contains("## Insats SIGMA"), "{markdown}");
    assert!(!markdown.contains("KOMPIS"), "{markdown}");
}

/// Every row of a workbook's sheet as text (numbers without a decimal part as integers).
fn workbook_rows(path: &std::path::Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    calamine::Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
