//! Fuzz targets, one per decoder of what comes from outside: the Arrow and the JSON body
//! of a submission over HTTP, a folder of CSV files and an Excel workbook. Each runs
//! mutations of a real input (bytes changed, inserted, cut off; or random bytes) for
//! `FINSAM_FUZZ_SEKUNDER` seconds (5 by default, 60 in CI) through proptest, which shrinks
//! a failing input before it reports it. A decoder must answer every input, with a
//! refusal or a submission: a panic that escapes fails the target, and an abort (an
//! allocation no input should cause) takes the test binary down with it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use finsam::intake::{IntakeOptions, prepare};
use finsam::protocol::Encoding;
use finsam::pseudonymise::{PseudonymKey, Pseudonymiser};
use finsam::schema::Schema;
use finsam::wire::{decode, encode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::workdir::{Workdir, fill_workbook, fixture, repacked};

/// How long each target runs.
fn budget() -> Duration {
    let seconds = std::env::var("FINSAM_FUZZ_SEKUNDER")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    Duration::from_secs(seconds)
}

/// One change to an input.
#[derive(Debug, Clone)]
enum Change {
    /// The byte at (position modulo length) becomes this.
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    /// Cut off at (position modulo length).
    Cut(usize),
}

/// An input: one of `seeds` with a few changes, or random bytes.
fn inputs(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let change = prop_oneof![
        8 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Change::Set(at, b)),
        2 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Change::Insert(at, bytes)),
        1 => any::<usize>().prop_map(Change::Cut),
    ];
    let mutated = (0..seeds.len(), proptest::collection::vec(change, 1..6)).prop_map(
        move |(seed, changes)| {
            let mut bytes = seeds[seed].clone();
            for change in changes {
                let len = bytes.len().max(1);
                match change {
                    Change::Set(at, b) if !bytes.is_empty() => bytes[at % len] = b,
                    Change::Set(..) => {}
                    Change::Insert(at, more) => {
                        let at = at % (bytes.len() + 1);
                        bytes.splice(at..at, more);
                    }
                    Change::Cut(at) => bytes.truncate(at % len),
                }
            }
            bytes
        },
    );
    prop_oneof![9 => mutated, 1 => proptest::collection::vec(any::<u8>(), 0..2048)]
}

/// Runs `target` on inputs made from `seeds` for the whole budget.
fn fuzz(name: &str, seeds: Vec<Vec<u8>>, target: impl Fn(&[u8])) {
    fuzz_for(budget(), name, seeds, target);
}

/// Runs `target` on inputs made from `seeds` for `time`.
fn fuzz_for(time: Duration, name: &str, seeds: Vec<Vec<u8>>, target: impl Fn(&[u8])) {
    // The panics finsam catches and refuses are not told (as in the binary).
    finsam::guard::install_quiet_hook();
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = inputs(seeds);
    let deadline = Instant::now() + time;
    let mut cases = 0u64;
    while Instant::now() < deadline {
        let input = strategy.new_tree(&mut runner).expect("an input");
        let outcome = runner.run_one(input, |bytes| {
            target(&bytes);
            Ok(())
        });
        if let Err(failure) = outcome {
            panic!("{name}: {failure}");
        }
        cases += 1;
    }
    assert!(cases > 0);
    eprintln!("{name}: {cases} indata utan fynd");
}

/// The SIGMA fixture as a pseudonymised body in `encoding`.
fn body(encoding: Encoding) -> Vec<u8> {
    let schema = Schema::bundled().unwrap();
    let key = PseudonymKey::from_bytes([7; 32]);
    let options = IntakeOptions::new(chrono::Local::now().date_naive());
    let (prepared, findings) =
        prepare(&schema, &key, &[fixture("sigma_2008H1")], &options).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    encode(&prepared[0], &schema, &key.fingerprint(), encoding).unwrap()
}

#[test]
fn fuzz_the_arrow_body() {
    fuzz("Arrow", vec![body(Encoding::Arrow)], |bytes| {
        let _ = decode(bytes, Encoding::Arrow);
    });
}

#[test]
fn fuzz_the_json_body() {
    fuzz("JSON", vec![body(Encoding::Json)], |bytes| {
        let _ = decode(bytes, Encoding::Json);
    });
}

/// Reads `path` as `finsam ingest` would, and checks it: findings or a submission.
fn read_submission(path: &Path) {
    let schema = Schema::bundled().unwrap();
    let key = PseudonymKey::from_bytes([7; 32]);
    let options = IntakeOptions::new(chrono::Local::now().date_naive());
    let _ = prepare(&schema, &key, &[PathBuf::from(path)], &options);
}

#[test]
fn fuzz_the_csv_reader() {
    // One table at a time, the others as they were: the changed file is read whole.
    let wd = Workdir::new();
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    let files = ["deltagare.csv", "forsorjning.csv", "inlamning.csv"];
    for file in files {
        let seed = std::fs::read(dir.join(file)).unwrap();
        let time = budget() / files.len() as u32;
        fuzz_for(time, &format!("CSV {file}"), vec![seed.clone()], |bytes| {
            std::fs::write(dir.join(file), bytes).unwrap();
            read_submission(&dir);
        });
        std::fs::write(dir.join(file), seed).unwrap();
    }
}

#[test]
fn fuzz_the_xlsx_reader() {
    let wd = Workdir::new();
    // Stored, not deflated: a changed byte then changes the XML the reader parses,
    // rather than failing the zip's checksum.
    let seeds = vec![
        repacked(&fill_workbook(&wd), |part| part),
        repacked(&repo_example("SIGMA_2008H1.xlsx"), |part| part),
    ];
    let path = wd.path("fuzz.xlsx");
    fuzz("xlsx", seeds, |bytes| {
        std::fs::write(&path, bytes).unwrap();
        read_submission(&path);
    });
}

fn repo_example(name: &str) -> PathBuf {
    crate::workdir::repo(&format!("examples/{name}"))
}
