//! The command line as interface: the exit codes the README documents, each run; the
//! options shared by every command accepted after any subcommand; a reader that goes
//! away (`| head`) ends a command quietly; and every option the README shows is one
//! `--help` lists.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::workdir::{Workdir, fixture, repo};

/// The codes of the README's "Exit codes" table.
fn documented_exit_codes() -> Vec<i32> {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let section = readme
        .split("### Exit codes")
        .nth(1)
        .expect("the README documents the exit codes");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            line.trim_matches('|')
                .split('|')
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .collect()
}

#[test]
fn every_documented_exit_code_is_what_its_case_exits_with() {
    let wd = Workdir::new().ingested(&fixture("sigma_2008H1"));
    let runs = [
        (0, wd.finsam(&["status"])),
        // Invalid input: a query naming a table there is not, files named that are not
        // there.
        (1, wd.finsam(&["sql", "SELECT * FROM finns_inte"])),
        (1, wd.finsam(&["sql", "-f", "finns_inte.sql"])),
        (
            1,
            wd.finsam(&[
                "report",
                "halvar",
                "--projekt",
                "SIGMA",
                "--halvar",
                "2008H1",
                "--queries",
                "finns_inte",
            ]),
        ),
        (1, wd.finsam(&["status", "--schemas", "finns_inte"])),
        // Usage: an option clap does not know, and two that do not go together.
        (2, wd.finsam(&["status", "--okand-flagga"])),
        (2, wd.finsam(&["sql", "SELECT 1", "--format", "parquet"])),
        (
            2,
            wd.finsam(&[
                "report",
                "halvar",
                "--projekt",
                "SIGMA",
                "--halvar",
                "2008H1",
                "--format",
                "xlsx",
            ]),
        ),
    ];
    for (expected, run) in &runs {
        assert_eq!(
            run.code, *expected,
            "stdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
    }
    // Internal: a manifest that cannot be read is no fault of the command line.
    wd.write("data/manifest.jsonl", "{ inte json\n");
    let internal = wd.finsam(&["status"]);
    assert_eq!(internal.code, 3, "{}", internal.stderr);
    let mut tested: Vec<i32> = runs.iter().map(|(code, _)| *code).collect();
    tested.push(internal.code);
    tested.sort();
    tested.dedup();
    assert_eq!(tested, documented_exit_codes());
}

#[test]
fn the_shared_options_are_accepted_after_any_subcommand() {
    let wd = Workdir::new().ingested(&fixture("sigma_2008H1"));
    std::fs::rename(wd.path("data"), wd.path("annan")).unwrap();
    // Before and after a two-level subcommand alike.
    wd.finsam(&[
        "token",
        "create",
        "--projekt",
        "SIGMA",
        "--data",
        "annan",
        "--out",
        "a.token",
    ])
    .ok();
    wd.finsam(&[
        "--data",
        "annan",
        "token",
        "create",
        "--projekt",
        "SIGMA",
        "--out",
        "b.token",
    ])
    .ok();
    let list = wd
        .finsam(&["token", "list", "--data", "annan"])
        .ok()
        .to_string();
    assert_eq!(list.matches("SIGMA").count(), 2, "{list}");
    wd.finsam(&["projekt", "list", "--data", "annan"]).ok();
    // --key after the subcommand of a command that reads with it.
    let run = wd.finsam(&[
        "ingest",
        fixture("sigma_2008H1").to_str().unwrap(),
        "--dry-run",
        "--data",
        "annan",
        "--key",
        "nyckel",
    ]);
    run.ok();
    assert!(
        !wd.path("data").exists(),
        "nothing went to the default dataset"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let wd = Workdir::new().ingested(&fixture("sigma_2008H1"));
    for format in ["table", "csv", "json"] {
        // `finsam sql … | head -1`: far more than a pipe holds, and the reader leaves
        // after one line.
        let mut child = wd
            .command(&[
                "sql",
                "SELECT unnest(range(1, 300000)) AS n",
                "--format",
                format,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
    // The commands that print with `println!`, through the same pipe.
    let mut child = wd
        .command(&["status"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The words after `finsam` that name a subcommand, and the options, of one README line.
fn command_of(line: &str) -> Option<Vec<&str>> {
    let line = line.split(" # ").next()?.trim();
    let rest = line
        .strip_prefix("finsam ")
        .or_else(|| line.strip_prefix("target/debug/finsam "))?;
    Some(rest.split_whitespace().collect())
}

#[test]
fn every_option_the_readme_shows_is_one_the_help_lists() {
    let wd = Workdir::new();
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let mut in_code = false;
    let mut checked = 0;
    let mut helps = std::collections::HashMap::new();
    let mut help = |path: &[&str]| -> String {
        helps
            .entry(path.join(" "))
            .or_insert_with(|| {
                let mut args = path.to_vec();
                args.push("--help");
                wd.finsam(&args).ok().to_string()
            })
            .clone()
    };
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let Some(words) = command_of(line).filter(|_| in_code) else {
            continue;
        };
        // A word is a subcommand when the help of the command before it lists it.
        let mut path = vec![words[0]];
        let top = help(&[]);
        assert!(
            top.lines()
                .any(|l| l.split_whitespace().next() == Some(words[0])),
            "README: {line}: no subcommand {} in finsam --help",
            words[0]
        );
        if let Some(next) = words.get(1).filter(|w| !w.starts_with('-'))
            && help(&path)
                .lines()
                .any(|l| l.starts_with("  ") && l.split_whitespace().next() == Some(*next))
        {
            path.push(next);
        }
        let text = help(&path);
        for option in words.iter().filter(|w| w.starts_with("--")) {
            let option = option.split('=').next().unwrap();
            assert!(
                text.contains(&format!("{option} ")) || text.contains(&format!("{option}\n")),
                "README: {line}: finsam {} --help has no {option}",
                path.join(" ")
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} options found in the README");
}
