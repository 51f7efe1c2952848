//! Backups taken while `finsam serve` takes in a stream of submissions, restored and
//! checked; a damaged backup is refused; restoring waits for no server.

use std::time::Duration;

use crate::served::Served;
use crate::submit::{collection, finish_clients, spawn_clients};
use crate::workdir::{TABLES, Workdir};

/// `finsam backup --till backups`: the new backup's folder.
fn backup(wd: &Workdir) -> String {
    let said = wd
        .finsam(&["backup", "--data", "data", "--till", "backups"])
        .ok()
        .to_string();
    said.strip_prefix("Säkerhetskopia: ")
        .and_then(|rest| rest.split(" (").next())
        .unwrap_or_else(|| panic!("{said}"))
        .to_string()
}

/// Whether every table of the dataset at `data` holds exactly the rows its manifest's
/// current submissions say; the rows of all tables.
fn consistent(wd: &Workdir, data: &str) -> u64 {
    let manifest: Vec<serde_json::Value> = wd
        .read(&format!("{data}/manifest.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut current = std::collections::BTreeMap::new();
    for entry in &manifest {
        current.insert(
            (entry["projekt"].to_string(), entry["halvar"].to_string()),
            entry.clone(),
        );
    }
    let mut all = 0;
    for table in TABLES {
        let expected: u64 = current
            .values()
            .map(|e| e["rader"][table].as_u64().unwrap_or(0))
            .sum();
        let out = wd
            .finsam(&[
                "sql",
                "--data",
                data,
                "--format",
                "csv",
                &format!("SELECT count(*) AS n FROM {table}"),
            ])
            .ok()
            .to_string();
        let counted: u64 = out.lines().nth(1).unwrap().parse().unwrap();
        assert_eq!(counted, expected, "{data}: {table}");
        all += counted;
    }
    all
}

#[test]
fn backups_during_a_stream_of_submissions_restore_to_consistent_datasets() {
    let wd = Workdir::with_fixed_key();
    let rows = collection(&wd, 3);
    let server = Served::start(&wd, "data");
    let clients = spawn_clients(&wd, 3, &server.url());
    // The first submissions must be in before there is a dataset to back up.
    while !wd.path("data/manifest.jsonl").exists() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut backups = Vec::new();
    for _ in 0..3 {
        backups.push(backup(&wd));
        std::thread::sleep(Duration::from_millis(300));
    }
    finish_clients(clients);
    backups.push(backup(&wd));
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");

    for (i, path) in backups.iter().enumerate() {
        let checked = wd
            .finsam(&["restore", "--fran", path, "--kontrollera"])
            .ok()
            .to_string();
        assert!(checked.contains("stämmer med manifestet"), "{checked}");
        let data = format!("aterstalld{i}");
        let said = wd
            .finsam(&["restore", "--fran", path, "--data", &data])
            .ok()
            .to_string();
        assert!(said.contains("Återställt"), "{said}");
        wd.finsam(&["status", "--data", &data]).ok();
        consistent(&wd, &data);
    }
    // The last backup, taken after every client was done, holds the whole collection.
    let total: u64 = TABLES
        .iter()
        .map(|t| rows.get(*t).copied().unwrap_or(0))
        .sum();
    assert_eq!(consistent(&wd, "aterstalld3"), total);

    // A backup that does not match its manifest is refused, and nothing changes.
    let last = &backups[3];
    let manifest = wd.read("data/manifest.jsonl");
    let damaged = wd.path(&format!("{last}/data/manifest.jsonl"));
    std::fs::write(&damaged, format!("{manifest}x")).unwrap();
    let before = wd.snapshot("data");
    let refused = wd.finsam(&["restore", "--fran", last, "--data", "data"]);
    let stderr = refused.invalid();
    assert!(
        stderr.contains("stämmer inte med sitt manifest")
            && stderr.contains("manifest.jsonl är ändrad"),
        "{stderr}"
    );
    assert_eq!(wd.snapshot("data"), before);

    // Restoring over a dataset a server holds is refused; once it stops, the dataset
    // that was there is kept beside the restored one.
    let server = Served::start(&wd, "data");
    let busy = wd.finsam(&["restore", "--fran", &backups[0], "--data", "data"]);
    assert!(busy.invalid().contains("stoppa servern"), "{}", busy.stderr);
    server.stop();
    let said = wd
        .finsam(&["restore", "--fran", &backups[0], "--data", "data"])
        .ok()
        .to_string();
    assert!(said.contains("/data.fore-aterstallning-"), "{said}");
    consistent(&wd, "data");
}

/// History retention removes the kept rows of submissions replaced longer ago than the
/// years given, and nothing else.
#[test]
fn history_retention_removes_what_was_replaced_long_ago() {
    let wd = Workdir::new().ingested(&crate::workdir::fixture("sigma_2008H1"));
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    let moten = std::fs::read_to_string(dir.join("moten.csv"))
        .unwrap()
        .replace(";nej;Sjukdom", ";ja;");
    wd.write("in/moten.csv", moten);
    wd.finsam(&["ingest", "in"]).ok();
    let kept = |wd: &Workdir| {
        wd.snapshot("data")
            .keys()
            .filter(|p| p.starts_with("_historik"))
            .count()
    };
    assert!(kept(&wd) > 0);
    let said = wd
        .finsam(&["gallra", "--historik-ar", "1"])
        .ok()
        .to_string();
    assert!(said.contains("Gallrat: 0 ersatta"), "{said}");
    let before = kept(&wd);
    // The replacement came in six years ago.
    let manifest = wd.read("data/manifest.jsonl");
    let last = manifest.lines().last().unwrap();
    let when = last.split("\"inlast\":\"").nth(1).unwrap()[..4].to_string();
    let older = (when.parse::<i32>().unwrap() - 6).to_string();
    let aged = last.replacen(
        &format!("\"inlast\":\"{when}"),
        &format!("\"inlast\":\"{older}"),
        1,
    );
    wd.write("data/manifest.jsonl", manifest.replace(last, &aged));
    let said = wd
        .finsam(&["gallra", "--historik-ar", "5"])
        .ok()
        .to_string();
    assert!(
        said.contains(&format!("Gallrat: 1 ersatta inlämningar ({before} filer)")),
        "{said}"
    );
    assert_eq!(kept(&wd), 0);
    // The current data is untouched.
    wd.finsam(&["status"]).ok();
}
