//! A person's data on request: `finsam person visa` finds every row under their
//! pseudonym (tables, history, underlag, received bodies) and `finsam person radera`
//! removes them everywhere, after which the reports differ by exactly that person.

use finsam::personnummer::PersonNumber;
use finsam::pseudonymise::{PseudonymKey, Pseudonymiser};

use crate::privacy::assert_clean;
use crate::served::Served;
use crate::workdir::{Run, TABLES, Workdir, report_json_with, row, table};

/// The fixture's first participant, aktuell in SIGMA 2008H1.
const NUMBER: &str = "198503121231";

/// `finsam person ARGS` with `input` on standard input.
fn person(wd: &Workdir, args: &[&str], input: &str) -> Run {
    let mut all = vec!["person"];
    all.extend_from_slice(args);
    wd.finsam_with_input(&all, input)
}

/// Rows of every table, one count each.
fn counts(wd: &Workdir) -> Vec<u64> {
    TABLES
        .iter()
        .map(|t| {
            let out = wd.sql(&format!("SELECT count(*) AS n FROM {t}"));
            out.lines().nth(1).unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn a_person_is_shown_and_erased_everywhere_and_the_reports_differ_by_them_alone() {
    let wd = Workdir::with_fixed_key();
    crate::submit::token(&wd, "SIGMA");
    // Received by the server (a body in _inkorg), then replaced by a corrected version
    // (the first version goes to _historik).
    let server = Served::start(&wd, "data");
    let first = wd.copy_fixture("sigma_2008H1", "forsta");
    let second = wd.copy_fixture("sigma_2008H1", "andra");
    let moten = std::fs::read_to_string(second.join("moten.csv"))
        .unwrap()
        .replace(";nej;Sjukdom", ";ja;");
    wd.write("andra/moten.csv", moten);
    for folder in [&first, &second] {
        wd.finsam(&[
            "submit",
            folder.to_str().unwrap(),
            "--to",
            &server.url(),
            "--token-file",
            "SIGMA.token",
        ])
        .ok();
    }
    // The server builds the underlag once the senders are quiet.
    let underlag = wd.path("data/_underlag/deltagande/SIGMA.parquet");
    let waited = std::time::Instant::now();
    while !underlag.exists() && waited.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    server.stop();
    let key = PseudonymKey::from_file(&wd.path("nyckel")).unwrap();
    let today = chrono::Local::now().date_naive();
    let pseudonym = key.person_pseudonym(&PersonNumber::parse(NUMBER, today).unwrap());

    let shown = person(&wd, &["visa"], &format!("{NUMBER}\n"));
    let out = shown.ok().to_string();
    for place in [
        "tabell deltagare: deltagare/projekt=SIGMA/halvar=2008H1",
        "historik deltagare: _historik/projekt=SIGMA/halvar=2008H1/",
        "underlag deltagande: _underlag/deltagande/SIGMA.parquet",
        "inkorg inlämning: _inkorg/",
    ] {
        assert!(out.contains(place), "{place} missing in\n{out}");
    }
    assert!(out.contains(&pseudonym), "{out}");
    assert_clean("person visa", format!("{out}{}", shown.stderr).as_bytes());

    let tables_before = counts(&wd);
    let before = report_json_with(&wd, "deltagare", "SIGMA", "2008H1", &[]);
    let refused = person(&wd, &["radera"], &format!("{NUMBER}\n"));
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--ja"), "{}", refused.stderr);

    let erased = person(
        &wd,
        &["radera", "--ja", "--operator", "Dataskyddsombudet"],
        &format!("{NUMBER}\n"),
    );
    let said = erased.ok().to_string();
    assert!(said.contains("Raderat: "), "{said}");
    assert!(said.contains("tabell/deltagare: 1"), "{said}");
    assert!(said.contains("inkorg/inlämning: "), "{said}");
    assert_clean(
        "person radera",
        format!("{said}{}", erased.stderr).as_bytes(),
    );

    // Nothing left anywhere; the written-forms search of the privacy sweep finds the
    // pseudonym nowhere either.
    let again = person(&wd, &["visa"], &format!("{NUMBER}\n"))
        .ok()
        .to_string();
    assert!(again.contains("finns inte"), "{again}");
    for (path, bytes) in wd.snapshot("data") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&pseudonym),
            "{} still names the person",
            path.display()
        );
        assert_clean(&path.display().to_string(), &bytes);
    }

    // The tables lost exactly the person's rows; the reports count one person fewer.
    let tables_after = counts(&wd);
    let removed: u64 = tables_before
        .iter()
        .zip(&tables_after)
        .map(|(b, a)| b - a)
        .sum();
    let reported: u64 = said
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tabell/"))
        .map(|l| l.split(": ").nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(removed, reported, "{said}");
    let after = report_json_with(&wd, "deltagare", "SIGMA", "2008H1", &[]);
    let aktuella = |report: &serde_json::Value| {
        row(table(report, 1), "Aktuella")[0]["antal"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(aktuella(&before) - aktuella(&after), 1);

    // The erasure log says that it happened, by whom and how much, never who.
    let log = wd.read("data/_radering/logg.jsonl");
    assert_eq!(log.lines().count(), 1, "{log}");
    let line: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(line["operator"], "Dataskyddsombudet");
    assert_eq!(line["rader"]["tabell/deltagare"], 1);
    assert!(!log.contains(&pseudonym) && !log.contains("SIGMA"), "{log}");

    // Erasing again finds nothing and records nothing.
    let none = person(&wd, &["radera", "--ja"], &format!("{NUMBER}\n"))
        .ok()
        .to_string();
    assert!(none.contains("inget att radera"), "{none}");
    assert_eq!(wd.read("data/_radering/logg.jsonl").lines().count(), 1);
}

#[test]
fn a_project_code_needs_its_project_and_a_wrong_number_is_refused_without_echo() {
    let wd = Workdir::new().ingested(&crate::workdir::fixture("sigma_2008H1"));
    let wrong = person(&wd, &["visa"], "198503121232\n");
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("--projekt"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("198503121232"), "{}", wrong.stderr);
    let code = person(&wd, &["visa", "--projekt", "SIGMA"], "SIG-017\n");
    let out = code.ok().to_string();
    assert!(out.contains("tabell deltagare"), "{out}");
    assert!(!out.contains("SIG-017"), "{out}");
    let empty = person(&wd, &["visa"], "");
    assert_eq!(empty.code, 2, "{}", empty.stderr);
}
