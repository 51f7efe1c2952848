//! Killing the ingest at any point leaves a dataset that reads cleanly, and a re-run
//! completes the work.

use crate::workdir::{TABLES, Workdir, fixture};

/// Ingests the fixture, then a changed copy with the process aborted at `point`.
fn crash_during_replacement(point: &str) -> Workdir {
    let wd = Workdir::new();
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    let moten = std::fs::read_to_string(dir.join("moten.csv"))
        .unwrap()
        .replace(";nej;Sjukdom", ";ja;");
    wd.write("in/moten.csv", moten);
    let run = wd
        .command(&["ingest", "in"])
        .env("FINSAM_CRASH_AT", point)
        .output()
        .unwrap();
    assert!(
        !run.status.success(),
        "the process should have been aborted at {point}"
    );
    wd
}

fn cancelled_meetings(wd: &Workdir) -> String {
    wd.sql("SELECT count(*) n FROM moten WHERE NOT genomfort")
}

#[track_caller]
fn assert_consistent(wd: &Workdir) {
    // Every table reads, no staging or journal is left, the manifest parses.
    for table in TABLES {
        wd.sql(&format!("SELECT count(*) FROM {table}"));
    }
    assert!(!wd.path("data/.journal.json").exists());
    assert!(!wd.path("data/.staging").exists());
    for line in wd.read("data/manifest.jsonl").lines() {
        assert!(line.starts_with('{') && line.ends_with('}'), "{line}");
    }
    // Each partition holds exactly one file.
    for (path, _) in wd.snapshot("data") {
        if path.starts_with("moten") {
            assert_eq!(
                path.file_name().unwrap(),
                "data.parquet",
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn a_crash_before_the_journal_rolls_back() {
    let wd = crash_during_replacement("staged");
    assert_eq!(
        cancelled_meetings(&wd),
        "n\n1\n",
        "the old submission is intact"
    );
    assert_consistent(&wd);
    let out = wd.finsam(&["ingest", "in"]).ok().to_string();
    assert!(out.contains("ersätter"), "{out}");
    assert_eq!(cancelled_meetings(&wd), "n\n0\n");
}

#[test]
fn a_crash_after_the_journal_rolls_forward() {
    for point in ["journal", "rename", "manifest"] {
        let wd = crash_during_replacement(point);
        assert_eq!(
            cancelled_meetings(&wd),
            "n\n0\n",
            "{point}: the new submission is complete"
        );
        assert_consistent(&wd);
        assert_eq!(
            wd.read("data/manifest.jsonl").lines().count(),
            2,
            "{point}: recorded exactly once"
        );
        let out = wd.finsam(&["ingest", "in"]).ok().to_string();
        assert!(out.contains("oförändrad"), "{point}: {out}");
        assert_eq!(wd.read("data/manifest.jsonl").lines().count(), 2);
    }
}

#[test]
fn a_crash_during_the_first_ingest_is_completed_on_the_next_run() {
    let wd = Workdir::new();
    let run = wd
        .command(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .env("FINSAM_CRASH_AT", "rename")
        .output()
        .unwrap();
    assert!(!run.status.success());
    let out = wd
        .finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok()
        .to_string();
    assert!(out.contains("oförändrad"), "{out}");
    assert_consistent(&wd);
    assert_eq!(wd.sql("SELECT count(*) n FROM deltagare"), "n\n7\n");
}
