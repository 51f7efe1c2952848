//! The half-year report on the SIGMA fixture, every figure checked by hand against
//! tests/fixtures/sigma_2008H1 and docs/definitions.md.

use crate::workdir::{Workdir, figure, figure_lines, fixture, report_json, report_json_with};

fn loaded() -> Workdir {
    Workdir::new().ingested(&fixture("sigma_2008H1"))
}

#[test]
fn every_figure_of_the_fixture_half_year() {
    let wd = loaded();
    let r = report_json(&wd, "SIGMA", "2008H1");
    let find = |nr, text| figure(&r, nr, text);
    use serde_json::json;
    // Aktuella: the four with consent who are not a felregistrering and overlap the half-year
    // (the one who ended 2007-12-20 is not; the one who started 2008-06-16 is).
    assert_eq!(find(1, "Aktuella personer").0, json!(4));
    assert_eq!(
        find(2, "Personer").0,
        json!(1),
        "ended 2007-12-20, uppföljning 2008-03-01"
    );
    assert_eq!(find(3, "Personer").0, json!(3), "2 + 1 anonymous");
    assert_eq!(find(4, "Ålder (år)").0, json!([7, 41]));
    assert_eq!(find(5, "Ungdomar 16–29 år"), (json!(2), json!(50)));
    assert_eq!(find(6, "Kvinnor"), (json!(1), json!(25)));
    assert_eq!(find(6, "Män"), (json!(3), json!(75)));
    assert_eq!(find(6, "Kvinnor bland ungdomar 16–29 år").0, json!(1));
    assert_eq!(find(6, "Män bland ungdomar 16–29 år").0, json!(1));
    assert_eq!(find(7, "Ensamstående kvinnor med barn").0, json!(1));
    assert_eq!(find(8, "Utomnordisk härkomst").0, json!(1));
    for (authority, n) in [
        ("Försäkringskassan", 1),
        ("Vårdcentral", 1),
        ("Arbetsförmedlingen", 1),
        ("Socialtjänst", 1),
        ("Egen anmälan", 1),
        ("Psykiatri", 0),
    ] {
        assert_eq!(find(9, authority).0, json!(n), "{authority}");
    }
    assert_eq!(
        find(10, "Har fått en gemensam bedömning").0,
        json!(2),
        "one of them from 2007"
    );
    assert_eq!(
        find(11, "Har eller har haft praktik eller arbetsmarknadsåtgärd").0,
        json!(1)
    );
    // The sjukgymnastik referral is routine and the AF Rehab one is for a person without consent.
    assert_eq!(find(12, "Remitterade").0, json!(1));
    assert_eq!(find(12, "Psykiatri").0, json!(1));
    assert_eq!(find(12, "Arbetsförmedlingen Rehab").0, json!(0));
    assert_eq!(
        find(13, "Har fått information om insatser enligt LSS").0,
        json!(1)
    );
    assert_eq!(
        find(13, "Har ansökt och fått insatser beviljade").0,
        json!(1)
    );
    assert_eq!(
        find(14, "Har ansökt eller fått en förlängning bedömd").0,
        json!(1)
    );
    assert_eq!(
        find(15, "Sjukskrivna hela eller delar av perioden").0,
        json!(2),
        "one spell from 2007 overlaps"
    );
    assert_eq!(find(16, "Har fått särskilt stöd").0, json!(1));
    assert_eq!(find(16, "varav ungdomar 16–29 år").0, json!(0));
    assert_eq!(
        find(17, "Kartläggningsträffar med hela gruppen").0,
        json!(1)
    );
    assert_eq!(
        find(17, "Flerpartssamtal").0,
        json!(0),
        "the only one is with a person without consent"
    );
    assert_eq!(find(18, "Träffar som hölls").0, json!(2));
    assert_eq!(find(18, "Träffar som ställdes in").0, json!(1));
    assert_eq!(find(18, "Sjukdom").0, json!(1));
    assert_eq!(r["figurer"][0]["fraga"], "aktuella.sql");
}

#[test]
fn markdown_is_the_default() {
    let wd = loaded();
    let out = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "sigma",
            "--period",
            "2008H1",
        ])
        .ok()
        .to_string();
    assert!(out.starts_with("# Halvårsrapport SIGMA 2008H1\n"), "{out}");
    assert!(
        out.contains("| 5 | Ungdomar 16–29 år | 2 | 50 % |"),
        "{out}"
    );
    assert!(out.contains("| 4 | Åldersspann | 7–41 |  |"), "{out}");
}

#[test]
fn a_period_without_data_says_so() {
    let wd = loaded();
    let out = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--period",
            "2009H1",
        ])
        .ok()
        .to_string();
    assert!(
        out.contains("Det finns ingen inlämning för SIGMA 2009H1"),
        "{out}"
    );
}

#[test]
fn bad_selections_are_explained() {
    let wd = loaded();
    let stderr = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "OKÄND",
            "--period",
            "2008H1",
        ])
        .invalid()
        .to_string();
    assert!(
        stderr.contains("okänt projekt OKÄND: datamängden har SIGMA"),
        "{stderr}"
    );
    for period in ["2008H3", "2008-1"] {
        let run = wd.finsam(&["report", "halvar", "--projekt", "SIGMA", "--halvar", period]);
        assert_eq!(run.code, 2, "{period}");
        assert!(run.stderr.contains("är inget halvår"), "{}", run.stderr);
    }
    let empty = Workdir::new();
    let stderr = empty
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--period",
            "2008H1",
        ])
        .invalid()
        .to_string();
    assert!(stderr.contains("ingen finsam-datamängd"), "{stderr}");
}

#[test]
fn a_query_file_with_a_syntax_error_is_named() {
    let wd = loaded();
    let queries = wd.path("fragor");
    crate::workdir::copy_dir(&crate::workdir::repo("queries"), &queries);
    std::fs::write(
        queries.join("halvar/anonyma.sql"),
        "-- Titel: trasig\nSELEKT 1",
    )
    .unwrap();
    let stderr = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--period",
            "2008H1",
            "--queries",
            queries.to_str().unwrap(),
        ])
        .invalid()
        .to_string();
    assert!(
        stderr.contains("frågan anonyma.sql: frågan kan inte tolkas"),
        "{stderr}"
    );
}

#[test]
fn every_half_year_query_runs_as_an_evaluator_would_run_it() {
    let wd = loaded();
    for entry in std::fs::read_dir(crate::workdir::repo("queries/halvar")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sql") {
            wd.finsam(&[
                "sql",
                "-f",
                path.to_str().unwrap(),
                "-p",
                "projekt=SIGMA",
                "-p",
                "halvar=2008H1",
            ])
            .ok();
        }
    }
}

#[test]
fn html_is_standalone_and_xlsx_holds_the_numbers() {
    let wd = loaded();
    let html = std::fs::read_to_string(crate::workdir::half_year_file(
        &wd, "SIGMA", "2008H1", "html",
    ))
    .unwrap();
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<html lang=\"sv\">"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("http"),
        "no scripts, no external files"
    );
    assert!(html.contains("<td>Ungdomar 16–29 år<br>"), "{html}");
    assert!(
        html.contains("<td class=\"num\">2</td><td class=\"num\">50 %</td>"),
        "{html}"
    );
    let workbook = crate::workdir::half_year_file(&wd, "SIGMA", "2008H1", "xlsx");
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto(&workbook).unwrap();
    let sheet = book.worksheet_range("Statistik").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.get(1) == Some(&Data::String("Ungdomar 16–29 år".into())))
        .unwrap();
    assert_eq!(row[2], Data::Float(2.0));
    assert_eq!(row[3], Data::Float(0.5));
    assert_eq!(
        wd.finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--halvar",
            "2008H1",
            "--format",
            "xlsx"
        ])
        .code,
        2,
        "xlsx without --out is a usage error"
    );
}

#[test]
fn the_public_report_hides_small_counts_and_what_would_reveal_them() {
    let wd = loaded();
    let report = report_json_with(&wd, "halvar", "SIGMA", "2008H1", &["--publik"]);
    assert_eq!(report["publik_troskel"], 5);
    for line in figure_lines(&report) {
        if let Some(n) = line["antal"].as_i64() {
            assert!(n == 0 || n >= 5, "{line}");
        }
        if let Some(n) = line["namnare"].as_i64() {
            assert!(n == 0 || n >= 5, "{line}");
        }
        assert!(
            line.get("fran").is_none_or(|v| v.is_null()),
            "age span hidden: {line}"
        );
    }
    let markdown = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--period",
            "2008H1",
            "--publik",
        ])
        .ok()
        .to_string();
    assert!(
        markdown.contains("| 1 | Aktuella personer under perioden | .. |  |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Publik version: ") && markdown.contains("docs/rojandekontroll.md"),
        "{markdown}"
    );
    // The threshold is configurable: with 2, only ones are small, and more is shown.
    let shown =
        |report: &serde_json::Value| figure_lines(report).filter(|l| l["antal"].is_i64()).count();
    let at_five = shown(&report);
    let at_two = ["--publik", "--troskel", "2"];
    // A dataset that has published keeps what it hid, whatever the threshold is later;
    // the lower threshold shows more in a dataset that has not published yet.
    let again = report_json_with(&wd, "halvar", "SIGMA", "2008H1", &at_two);
    assert_eq!(shown(&again), at_five);
    let report = report_json_with(&loaded(), "halvar", "SIGMA", "2008H1", &at_two);
    assert_eq!(report["publik_troskel"], 2);
    assert!(shown(&report) > at_five, "{report}");
    for line in figure_lines(&report) {
        assert_ne!(line["antal"], 1, "{line}");
    }
}

/// The project's text comes after the statistics, in its order, in every document form;
/// never in a public report; a report without text is the statistics alone.
#[test]
fn the_narrative_follows_the_statistics_in_the_projects_own_report() {
    let wd = Workdir::new();
    wd.copy_fixture("sigma_2008H1", "in");
    let meta = wd
        .read("in/inlamning.csv")
        .replace("Schemaversion;1", "Schemaversion;3");
    wd.write("in/inlamning.csv", meta);
    wd.write(
        "in/berattelse.csv",
        "Nr;Avsnitt;Text\r\n2;Reflektioner;Färre men tyngre ärenden.\r\n1;Samverkan;\"Vi träffar AME varje vecka.\r\n\r\nOch psykiatrin.\"\r\n3;Planering för framtiden;\r\n",
    );
    wd.finsam(&["ingest", "in"]).ok();
    let markdown = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--halvar",
            "2008H1",
        ])
        .ok()
        .to_string();
    let at = |text: &str| {
        markdown
            .find(text)
            .unwrap_or_else(|| panic!("{text}\n{markdown}"))
    };
    assert!(at("## Statistikuppgifter") < at("## Samverkan"));
    assert!(at("## Samverkan") < at("Vi träffar AME varje vecka."));
    assert!(at("Och psykiatrin.") < at("## Reflektioner"));
    assert!(
        !markdown.contains("Planering för framtiden"),
        "no text, no section"
    );
    let json = report_json(&wd, "SIGMA", "2008H1");
    assert_eq!(json["berattelse"][0]["avsnitt"], "Samverkan");
    assert_eq!(
        json["berattelse"][0]["text"],
        "Vi träffar AME varje vecka.\r\n\r\nOch psykiatrin.".replace("\r\n", "\n")
    );
    let html = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--halvar",
            "2008H1",
            "--format",
            "html",
        ])
        .ok()
        .to_string();
    assert!(html.contains("<h2>Samverkan</h2>"), "{html}");
    assert!(html.contains("<p>Och psykiatrin.</p>"), "{html}");
    // Public: the statistics only.
    let public = wd
        .finsam(&[
            "report",
            "halvar",
            "--projekt",
            "SIGMA",
            "--halvar",
            "2008H1",
            "--publik",
        ])
        .ok()
        .to_string();
    assert!(
        !public.contains("## Samverkan") && !public.contains("AME"),
        "{public}"
    );
    // The text is no statistic: the SQL tables hold it for whoever reads the dataset.
    let stored = wd
        .finsam(&["sql", "--format", "csv", "SELECT count(*) FROM berattelse"])
        .ok()
        .to_string();
    assert_eq!(stored.lines().nth(1), Some("3"));
}
