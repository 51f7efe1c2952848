//! Tests of the generator as a whole: determinism, the invariants of the module
//! documentation, the validator's verdict, and that headers and codes match the
//! bundled schema.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};

use super::weights::{
    AUTHORITIES, AVSLUTSORSAK, INSTALLT_ORSAK, LSS_INSATS, REMISS_TILL, SOURCE_AF, SOURCE_FK,
    SOURCE_OTHER, SOURCE_SOC, SOURCE_VARD, STATUS, TID_UTAN_ARBETE, TID_UTAN_ARBETE_YOUNG,
    UTBILDNING,
};
use super::write::{ANONYMA, BERATTELSE, DELTAGARE, EVENT_TABLES, MOTEN};
use super::{MONTHLY_FOLLOW_UP, SynthError, SynthOptions, generate};
use crate::period::HalfYear;
use crate::personnummer::with_check_digit;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()
}

fn options(participants: u64, projects: u32, years: (i32, i32), seed: u64) -> SynthOptions {
    SynthOptions {
        participants,
        projects,
        first_year: years.0,
        last_year: years.1,
        seed,
        monthly_followup: false,
        workbooks: false,
    }
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    found
}

/// The submission folders (`OUT/<P>/<YYYYHn>`), sorted.
fn submissions(out: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .flat_map(|p| std::fs::read_dir(p.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    dirs
}

/// A CSV file as header → column index and rows of fields.
fn read(path: &Path) -> (HashMap<String, usize>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(path)
        .unwrap();
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_string(), i))
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| panic!("not a date: {text}"))
}

/// The Luhn check, written out independently of `with_check_digit`.
fn check_digit_ok(number: &str) -> bool {
    let digits: Vec<u32> = number.bytes().map(|b| u32::from(b - b'0')).collect();
    let mut sum = 0;
    for (i, d) in digits[2..11].iter().enumerate() {
        let product = if i % 2 == 0 { d * 2 } else { *d };
        sum += product / 10 + product % 10;
    }
    (10 - sum % 10) % 10 == digits[11]
}

#[test]
fn same_options_give_the_same_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let o = options(400, 2, (2010, 2012), 42);
    generate(&o, a.path(), today()).unwrap();
    generate(&o, b.path(), today()).unwrap();
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert!(fa.len() > 20, "{} files", fa.len());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(fb[path] == *bytes, "{} differs", path.display());
    }
    generate(&SynthOptions { seed: 43, ..o }, c.path(), today()).unwrap();
    assert_ne!(files(c.path()), fa, "another seed gives another collection");
}

#[test]
fn a_small_collection_keeps_every_invariant() {
    let out = tempfile::tempdir().unwrap();
    let summary = generate(&options(300, 3, (2006, 2008), 7), out.path(), today()).unwrap();
    let dirs = submissions(out.path());
    assert_eq!(
        dirs.len(),
        3 * 6,
        "every project has people in every half-year"
    );
    assert_eq!(summary.submissions, dirs.len() as u64);
    assert_eq!(summary.participants, 300);
    let last = NaiveDate::from_ymd_opt(2008, 12, 31).unwrap();
    let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    let mut owner: HashMap<String, String> = HashMap::new();
    let mut women = HashSet::new();
    let mut everyone = HashSet::new();
    let mut event_rows = 0;
    for dir in &dirs {
        let project = dir
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let half: HalfYear = dir.file_name().unwrap().to_string_lossy().parse().unwrap();
        let (meta_headers, meta) = read(&dir.join("inlamning.csv"));
        assert!(meta_headers.contains_key("Uppgift"));
        assert_eq!(meta[0], ["Projekt", project.as_str()]);
        assert_eq!(meta[1], ["Halvår", half.to_string().as_str()]);
        let (h, rows) = read(&dir.join("deltagare.csv"));
        let mut listed = HashMap::new();
        for row in &rows {
            let person = row[h["person"]].clone();
            let inskriven = date(&row[h["inskriven"]]);
            let avslutad = Some(&row[h["avslutad"]])
                .filter(|a| !a.is_empty())
                .map(|a| date(a));
            assert!(
                listed
                    .insert(person.clone(), (inskriven, avslutad))
                    .is_none(),
                "{person} twice in {dir:?}"
            );
            assert!(avslutad.is_none_or(|a| a >= inskriven && a <= half.end()));
            assert!(inskriven >= earliest && inskriven <= half.end());
            let kon = &row[h["kon"]];
            if person.len() == 12 && person.bytes().all(|b| b.is_ascii_digit()) {
                assert!(check_digit_ok(&person), "check digit of {person}");
                let male = (person.as_bytes()[10] - b'0') % 2 == 1;
                assert_eq!(kon, if male { "M" } else { "K" });
                assert_eq!(row[h["fodelsear"]], person[..4]);
            } else {
                assert!(person.starts_with(&format!("{project}-")), "{person}");
                assert!(!row[h["fodelsear"]].is_empty());
            }
            let age = half.year() - row[h["fodelsear"]].parse::<i32>().unwrap();
            assert!((16..=70).contains(&age), "age {age}");
            let first = owner
                .entry(person.clone())
                .or_insert_with(|| project.clone());
            assert_eq!(*first, project, "a person belongs to one project");
            if kon == "K" {
                women.insert(person.clone());
            }
            everyone.insert(person);
        }
        let mut with_events = HashSet::new();
        for (name, columns) in EVENT_TABLES {
            let (h, rows) = read(&dir.join(format!("{name}.csv")));
            assert_eq!(h.len(), columns.len());
            event_rows += rows.len();
            for row in &rows {
                let person = &row[h["person"]];
                assert!(
                    listed.contains_key(person),
                    "{name}: person missing from deltagare in {dir:?}"
                );
                with_events.insert(person.clone());
                let dates: Vec<NaiveDate> = ["start", "slut", "fran", "till", "datum"]
                    .iter()
                    .filter(|c| h.contains_key(**c) && !(name == "remisser" && **c == "till"))
                    .map(|c| &row[h[*c]])
                    .filter(|t| !t.is_empty())
                    .map(|t| date(t))
                    .collect();
                assert!(
                    dates.iter().all(|d| *d >= earliest && *d <= last),
                    "{name}: {row:?}"
                );
                assert!(
                    half.start() <= dates[0] && dates[0] <= half.end(),
                    "{name} row outside {half}: {row:?}"
                );
                assert!(
                    dates.windows(2).all(|w| w[0] <= w[1]),
                    "{name}: end before start: {row:?}"
                );
            }
        }
        for (person, (inskriven, avslutad)) in &listed {
            let aktuell = *inskriven <= half.end() && avslutad.is_none_or(|a| a >= half.start());
            assert!(
                aktuell || with_events.contains(person),
                "{person} listed in {half} without reason"
            );
        }
    }
    assert_eq!(everyone.len(), 300);
    let per_person = event_rows as f64 / 300.0;
    assert!(
        (5.0..=20.0).contains(&per_person),
        "{per_person} event rows per participant"
    );
    let share = women.len() as f64 / 300.0;
    assert!((0.50..=0.70).contains(&share), "women {share}");
    let written: u64 = EVENT_TABLES.iter().map(|t| summary.rows[t.0]).sum();
    assert_eq!(written, event_rows as u64);
}

#[test]
fn the_validator_accepts_the_collection() {
    let schema = crate::schema::Schema::bundled().unwrap();
    let key = crate::pseudonymise::PseudonymKey::from_bytes([7u8; 32]);
    for monthly_followup in [false, true] {
        let out = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        let o = SynthOptions {
            monthly_followup,
            ..options(300, 3, (2006, 2008), 11)
        };
        let summary = generate(&o, out.path(), today()).unwrap();
        let report = checked(&schema, &key, data.path(), &submissions(out.path()));
        let first: Vec<String> = report
            .findings
            .iter()
            .take(10)
            .map(|f| f.to_string())
            .collect();
        assert!(
            report.findings.is_empty(),
            "{} findings, first:\n{}",
            report.findings.len(),
            first.join("\n")
        );
        assert_eq!(report.submissions.len() as u64, summary.submissions);
        assert_eq!(report.total_rows(), summary.rows.values().sum::<u64>());
    }
}

#[test]
fn workbooks_hold_what_the_csv_folders_hold_and_are_the_same_bytes_each_time() {
    let schema = crate::schema::Schema::bundled().unwrap();
    let key = crate::pseudonymise::PseudonymKey::from_bytes([7u8; 32]);
    let csv = options(200, 2, (2006, 2007), 5);
    let xlsx = SynthOptions {
        workbooks: true,
        ..csv.clone()
    };
    let content = |o: &SynthOptions| {
        let (out, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let summary = generate(o, out.path(), today()).unwrap();
        let report = checked(&schema, &key, data.path(), &[out.path().to_path_buf()]);
        assert!(report.findings.is_empty(), "{}", report.findings[0]);
        assert_eq!(report.submissions.len() as u64, summary.submissions);
        let hashes: BTreeMap<(String, String), String> = report
            .submissions
            .into_iter()
            .map(|s| ((s.projekt, s.halvar), s.content_hash))
            .collect();
        (summary.rows, hashes, files(out.path()))
    };
    let (csv_rows, csv_content, _) = content(&csv);
    let (xlsx_rows, xlsx_content, workbooks) = content(&xlsx);
    assert_eq!(xlsx_rows, csv_rows);
    assert_eq!(csv_content.len(), 2 * 4);
    assert_eq!(xlsx_content, csv_content, "the same validated content");
    assert!(workbooks.contains_key(Path::new("P01/P01_2006H1.xlsx")));
    assert_eq!(content(&xlsx).2, workbooks, "the same bytes");
}

#[test]
fn monthly_followup_writes_every_month_after_the_end() {
    let out = tempfile::tempdir().unwrap();
    let o = SynthOptions {
        monthly_followup: true,
        ..options(60, 1, (2000, 2004), 3)
    };
    let plain = tempfile::tempdir().unwrap();
    let monthly = generate(&o, out.path(), today()).unwrap();
    let sampled = generate(
        &SynthOptions {
            monthly_followup: false,
            ..o
        },
        plain.path(),
        today(),
    )
    .unwrap();
    assert!(monthly.rows["forsorjning"] > 3 * sampled.rows["forsorjning"]);
    // Someone who ended in 2000 has a row on the first of each of the 25 months from their end.
    let mut months: HashMap<String, BTreeSet<NaiveDate>> = HashMap::new();
    let mut ended: HashMap<String, NaiveDate> = HashMap::new();
    for dir in submissions(out.path()) {
        let (h, rows) = read(&dir.join("deltagare.csv"));
        for row in rows
            .iter()
            .filter(|r| !r[h["avslutad"]].is_empty() && r[h["avslutsorsak"]] != "felregistrering")
        {
            ended.insert(row[h["person"]].clone(), date(&row[h["avslutad"]]));
        }
        let (h, rows) = read(&dir.join("forsorjning.csv"));
        for row in rows {
            months
                .entry(row[h["person"]].clone())
                .or_default()
                .insert(date(&row[h["datum"]]));
        }
    }
    let early: Vec<_> = ended.iter().filter(|(_, end)| end.year() <= 2001).collect();
    assert!(!early.is_empty());
    for (person, end) in early {
        let first = end.with_day(1).unwrap();
        for m in 0..=MONTHLY_FOLLOW_UP {
            assert!(
                months[person].contains(&(first + Months::new(m))),
                "month {m} after {end}"
            );
        }
    }
}

#[test]
fn headers_are_the_schema_columns() {
    let schema = crate::schema::Schema::bundled().unwrap();
    let names = |table: &str| -> Vec<String> {
        schema
            .table(table)
            .unwrap()
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect()
    };
    assert_eq!(names("deltagare"), DELTAGARE);
    assert_eq!(names("moten"), MOTEN);
    assert_eq!(names("anonyma_arenden"), ANONYMA);
    assert_eq!(names("berattelse"), BERATTELSE);
    for (table, columns) in EVENT_TABLES {
        assert_eq!(names(table), columns, "{table}");
    }
    let mut all: Vec<&str> = EVENT_TABLES.iter().map(|t| t.0).collect();
    all.extend(["deltagare", "moten", "anonyma_arenden", "berattelse"]);
    all.sort();
    let mut expected: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    expected.sort();
    assert_eq!(all, expected, "every table is written");
}

#[test]
fn codes_are_in_the_code_lists() {
    let schema = crate::schema::Schema::bundled().unwrap();
    let check = |list: &str, codes: &[(&str, u32)]| {
        let list = schema.code_list(list).unwrap();
        for (code, _) in codes {
            assert!(list.get(code).is_some(), "{code} in {}", list.label);
        }
    };
    check("myndighet", AUTHORITIES);
    check("utbildningsniva", UTBILDNING);
    check("tid_utan_arbete", TID_UTAN_ARBETE);
    check("tid_utan_arbete", TID_UTAN_ARBETE_YOUNG);
    check("status_efter_avslut", STATUS);
    check("avslutsorsak", AVSLUTSORSAK);
    check("remissmottagare", REMISS_TILL);
    check("lss_insats", LSS_INSATS);
    check("installt_orsak", INSTALLT_ORSAK);
    for sources in [SOURCE_FK, SOURCE_AF, SOURCE_SOC, SOURCE_VARD, SOURCE_OTHER] {
        check("forsorjningskalla", sources);
    }
}

#[test]
fn luhn_matches_a_known_number() {
    // 811218-9876 is the textbook example with a valid check digit.
    assert_eq!(with_check_digit("811218987"), "8112189876");
    assert!(check_digit_ok("198112189876"));
}

#[test]
fn bad_options_and_used_folders_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ny");
    for (bad, needle) in [
        (options(0, 1, (2006, 2008), 1), "--deltagare"),
        (options(10, 0, (2006, 2008), 1), "--projekt"),
        (options(10, 1, (2009, 2008), 1), "efter det sista"),
        (options(10, 1, (1990, 2008), 1), "1995"),
        (options(10, 1, (2006, 2026), 1), "inte slut"),
    ] {
        let message = generate(&bad, &target, today()).unwrap_err().to_string();
        assert!(message.contains(needle), "{message}");
    }
    assert!(!target.exists(), "nothing is written for bad options");
    std::fs::write(out.path().join("annat.txt"), "x").unwrap();
    let error = generate(&options(10, 1, (2006, 2008), 1), out.path(), today()).unwrap_err();
    assert!(matches!(error, SynthError::NotEmpty(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains(&out.path().display().to_string())
    );
}

/// The submissions at `paths` checked as `finsam ingest --dry-run` checks them, against
/// the (empty) dataset at `data`.
fn checked(
    schema: &crate::schema::Schema,
    key: &crate::pseudonymise::PseudonymKey,
    data: &std::path::Path,
    paths: &[std::path::PathBuf],
) -> crate::intake::IntakeReport {
    let (submissions, found) = crate::read::discover(paths, schema);
    crate::intake::check(
        schema,
        crate::validate::Persons::Identified(key),
        data,
        submissions,
        found,
        &crate::intake::IntakeOptions::new(today()),
        false,
    )
    .unwrap()
}
