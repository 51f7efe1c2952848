//! The underlag (derived tables in DATA/_underlag/): ingest builds them, every reader
//! gets figures that match the data even when they are missing, stale or built from
//! other query files, and nothing a reader does replaces what ingest built.

use serde_json::Value;

use crate::workdir::{Workdir, copy_dir, fixture, repo};

fn loaded() -> Workdir {
    Workdir::with_fixed_key().ingested(&fixture("utfall"))
}

fn utfall_2009(wd: &Workdir, extra: &[&str]) -> Value {
    utfall_2009_with_notes(wd, extra).0
}

/// The 2009 outcome report of the fixture and what the command said on standard error.
fn utfall_2009_with_notes(wd: &Workdir, extra: &[&str]) -> (Value, String) {
    let mut args = vec![
        "report",
        "utfall",
        "--projekt",
        "UTFALL",
        "--period",
        "2009",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = wd.command(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (serde_json::from_slice(&output.stdout).unwrap(), stderr)
}

/// The report's n (everyone counted who ended in the period).
fn ended(report: &Value) -> i64 {
    report["tabeller"][0]["kolumner"][0]["n"].as_i64().unwrap()
}

#[test]
fn ingest_builds_one_row_per_participation_and_per_ended_participant() {
    let wd = loaded();
    let index: Value = serde_json::from_str(&wd.read("data/_underlag/index.json")).unwrap();
    assert_eq!(index["projekt"].as_object().unwrap().len(), 1, "{index}");
    assert!(wd.path("data/_underlag/deltagande/UTFALL.parquet").exists());
    assert!(
        wd.path("data/_underlag/uppfoljning/UTFALL.parquet")
            .exists()
    );
    // Every person listed is one participation; the fixture's ended participants are the
    // nine of 2009, X and Y (left out by raknas, kept in the table) and the five of 2010.
    assert_eq!(
        wd.sql("SELECT (SELECT count(DISTINCT person) FROM deltagare) AS personer, (SELECT count(*) FROM deltagande) AS deltaganden"),
        "personer,deltaganden\n16,16\n"
    );
    assert_eq!(
        wd.sql("SELECT count(*) AS avslutade, count(*) FILTER (WHERE raknas) AS raknas FROM uppfoljning"),
        "avslutade,raknas\n16,14\n"
    );
    // Hassan's status was empty in 2009H1 and set in 2010H2: the latest row counts.
    assert_eq!(
        wd.sql("SELECT count(*) AS n FROM deltagande WHERE avslutad = DATE '2009-06-01' AND status_efter_avslut = 'studier'"),
        "n\n1\n"
    );
    // Eva (the contradictory rows): 70 + 50 on one day.
    assert_eq!(
        wd.sql("SELECT storsta_omfattning, huvudkalla_start, huvudkalla_avslut, kallor_avslut FROM uppfoljning WHERE storsta_omfattning > 100"),
        "storsta_omfattning,huvudkalla_start,huvudkalla_avslut,kallor_avslut\n120.0,arbete,arbete,\"[a_kassa, arbete]\"\n"
    );
}

#[test]
fn a_report_rebuilds_missing_underlag_and_gives_the_same_figures() {
    let wd = loaded();
    let before = utfall_2009(&wd, &[]);
    assert_eq!(ended(&before), 9);
    let stored = wd.snapshot("data/_underlag");
    std::fs::remove_dir_all(wd.path("data/_underlag")).unwrap();
    let (after, said) = utfall_2009_with_notes(&wd, &[]);
    assert_eq!(before["tabeller"], after["tabeller"]);
    // The report could take the dataset's lock, so it stored the rebuilt tables: the
    // same bytes as ingest wrote. It says so, once.
    assert_eq!(stored, wd.snapshot("data/_underlag"));
    assert!(
        said.contains("var inaktuellt för 1 projekt och byggdes om och sparades"),
        "{said}"
    );
    let (_, said) = utfall_2009_with_notes(&wd, &[]);
    assert!(!said.contains("byggdes om"), "{said}");
}

#[test]
fn a_mistyped_project_is_told_before_any_query_runs() {
    let wd = loaded();
    // With the underlag gone, a report that got as far as the engine would rebuild it.
    std::fs::remove_dir_all(wd.path("data/_underlag")).unwrap();
    let run = wd.finsam(&["report", "utfall", "--projekt", "UTFAL", "--period", "2009"]);
    assert!(
        run.invalid()
            .contains("okänt projekt UTFAL: datamängden har UTFALL"),
        "{}",
        run.stderr
    );
    assert!(!wd.path("data/_underlag").exists(), "nothing was built");
    let run = wd.finsam(&[
        "report",
        "halvar",
        "--projekt",
        "UTFALL",
        "--projekt",
        "nej",
        "--halvar",
        "2009H1",
    ]);
    assert!(
        run.invalid().contains("okänt projekt NEJ") || run.stderr.contains("okänt projekt nej"),
        "{}",
        run.stderr
    );
    assert!(!wd.path("data/_underlag").exists(), "nothing was built");
}

#[test]
fn a_stale_index_is_never_trusted() {
    let wd = loaded();
    let before = utfall_2009(&wd, &[]);
    // Another project's underlag swapped in under this project's name: the fingerprint
    // no longer matches, so it is rebuilt rather than read.
    let index = wd
        .read("data/_underlag/index.json")
        .replace(|c: char| c.is_ascii_hexdigit() && c != 'f', "0");
    wd.write("data/_underlag/index.json", index);
    wd.write("data/_underlag/uppfoljning/UTFALL.parquet", b"not parquet");
    let after = utfall_2009(&wd, &[]);
    assert_eq!(before["tabeller"], after["tabeller"]);
}

#[test]
fn edited_underlag_queries_apply_to_that_run_and_leave_the_stored_tables_alone() {
    let wd = loaded();
    copy_dir(&repo("queries"), &wd.path("q"));
    // Count felregistreringar too (Xander ended 2009-01-07).
    let edited = wd.read("q/underlag/deltagande.sql").replace(
        "d.samtycke AND x.kod IS NULL AS raknas",
        "d.samtycke AS raknas",
    );
    assert_ne!(edited, wd.read("q/underlag/deltagande.sql"));
    wd.write("q/underlag/deltagande.sql", edited);
    let stored = wd.snapshot("data");
    let (report, stderr) = utfall_2009_with_notes(&wd, &["--queries", "q"]);
    assert_eq!(ended(&report), 10);
    assert!(
        stderr.contains("underlaget (queries/underlag) räknades fram för 1 projekt"),
        "{stderr}"
    );
    assert_eq!(stored, wd.snapshot("data"));
    assert_eq!(ended(&utfall_2009(&wd, &[])), 9);
}

#[test]
fn a_crash_after_the_commit_leaves_underlag_that_readers_rebuild() {
    let wd = loaded();
    // A 2010H2 submission without Nora: the commit goes through, then the process dies
    // while rebuilding the underlag.
    wd.copy_fixture("utfall/UTFALL_2010H2", "in");
    for file in ["in/deltagare.csv", "in/forsorjning.csv"] {
        let without_nora: String = wd
            .read(file)
            .lines()
            .filter(|line| !line.starts_with("UTF-014;"))
            .map(|line| format!("{line}\n"))
            .collect();
        wd.write(file, without_nora);
    }
    let run = wd
        .command(&["ingest", "in"])
        .env("FINSAM_CRASH_AT", "underlag")
        .output()
        .unwrap();
    assert!(
        !run.status.success(),
        "the process should have been aborted"
    );
    assert!(wd.read("data/manifest.jsonl").lines().count() == 3);
    // Nora is gone from the data, so 2010 has four ended, whatever the files say.
    let report: Value = serde_json::from_str(
        wd.finsam(&[
            "report",
            "utfall",
            "--projekt",
            "UTFALL",
            "--period",
            "2010",
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    assert_eq!(ended(&report), 4);
    assert_eq!(
        wd.sql("SELECT count(*) AS n FROM uppfoljning WHERE avslutad >= DATE '2010-01-01'"),
        "n\n4\n"
    );
}

#[test]
fn with_the_dataset_locked_a_reader_computes_stale_projects_and_reads_the_rest() {
    let wd = Workdir::examples();
    let args = [
        "report",
        "utfall",
        "--projekt",
        "alla",
        "--period",
        "2009",
        "--format",
        "json",
    ];
    let before = wd.finsam(&args).ok().to_string();
    // SIGMA's entry in the index no longer matches; another process holds the lock.
    let index: Value = serde_json::from_str(&wd.read("data/_underlag/index.json")).unwrap();
    let mut index = index;
    index["projekt"]["SIGMA"] = Value::from("0".repeat(32));
    wd.write("data/_underlag/index.json", index.to_string());
    let stored = wd.snapshot("data/_underlag");
    let lock = std::fs::File::options()
        .write(true)
        .open(wd.path("data/.lock"))
        .unwrap();
    lock.lock().unwrap();
    let output = wd.command(&args).output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), before);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("räknades fram för 1 projekt"), "{stderr}");
    assert_eq!(stored, wd.snapshot("data/_underlag"));
    // Once the lock is free, the next reader stores SIGMA's tables again.
    drop(lock);
    let output = wd.command(&args).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), before);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("räknades fram"));
    assert_ne!(stored, wd.snapshot("data/_underlag"));
}

#[test]
fn when_the_rebuilt_underlag_cannot_be_stored_the_report_computes_it() {
    let wd = loaded();
    let before = utfall_2009(&wd, &[]);
    std::fs::remove_dir_all(wd.path("data/_underlag")).unwrap();
    // A file where the table's folder should be: storing fails, reading must not.
    wd.write("data/_underlag/deltagande", "inte en mapp");
    let (after, stderr) = utfall_2009_with_notes(&wd, &[]);
    assert_eq!(before["tabeller"], after["tabeller"]);
    assert!(stderr.contains("underlaget kunde inte sparas"), "{stderr}");
    assert!(stderr.contains("räknades fram för 1 projekt"), "{stderr}");
}

#[test]
fn an_underlag_table_may_not_take_the_name_of_a_table_of_the_dataset() {
    let wd = loaded();
    copy_dir(&repo("queries"), &wd.path("q"));
    let config = wd.read("q/underlag/underlag.toml");
    wd.write(
        "q/underlag/underlag.toml",
        format!("[[tabeller]]\nnamn = \"deltagare\"\nlagras = true\n\n{config}"),
    );
    wd.write("q/underlag/deltagare.sql", "SELECT 1 AS x");
    let run = wd.finsam(&[
        "report",
        "utfall",
        "--projekt",
        "UTFALL",
        "--period",
        "2009",
        "--queries",
        "q",
    ]);
    assert!(
        run.invalid()
            .contains("tabellen deltagare finns redan i datamängden"),
        "{}",
        run.stderr
    );
}

/// The stored underlag rows of a table, sorted, as CSV lines (the header first).
fn underlag_rows(wd: &Workdir, table: &str) -> Vec<String> {
    let csv = wd.sql(&format!("SELECT * FROM {table}"));
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    lines[1..].sort();
    lines
}

#[test]
fn projects_built_together_get_the_rows_each_would_get_alone() {
    // Ingest builds several projects' underlag in one pass and splits it: each project's
    // rows must be those of its own data alone, as when it is the dataset's only project.
    let together = Workdir::with_fixed_key();
    together
        .finsam(&[
            "synth",
            "--deltagare",
            "1200",
            "--projekt",
            "3",
            "--ar",
            "2019-2020",
            "--seed",
            "7",
            "--out",
            "synth",
        ])
        .ok();
    let synth = together.path("synth");
    let together = together.ingested(&synth);
    let index: Value = serde_json::from_str(&together.read("data/_underlag/index.json")).unwrap();
    let projects: Vec<String> = index["projekt"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(projects.len(), 3, "{index}");
    let alone: Vec<Workdir> = projects
        .iter()
        .map(|projekt| {
            let wd = Workdir::with_fixed_key();
            let own = wd.path("synth");
            copy_dir(&synth.join(projekt), &own);
            wd.ingested(&own)
        })
        .collect();
    // insatser_deltagande reads the event table through the list of replaced rows built
    // in the same pass: for the pass's projects only.
    for table in ["deltagande", "uppfoljning", "insatser_deltagande"] {
        let mut rows_alone: Vec<String> = Vec::new();
        for wd in &alone {
            let rows = underlag_rows(wd, table);
            if rows_alone.is_empty() {
                rows_alone.push(rows[0].clone());
            }
            rows_alone.extend(rows.into_iter().skip(1));
        }
        rows_alone[1..].sort();
        let built = underlag_rows(&together, table);
        assert!(built.len() > 100, "{table}: {} rows", built.len());
        assert_eq!(built, rows_alone, "{table}");
    }
}
