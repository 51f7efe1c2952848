//! The landing area of `finsam serve`: every accepted submission is kept raw before it
//! is acknowledged, and taken into the dataset after.
//!
//! ```text
//! DATA/_inkorg/<innehåll>.json|.arrow   the body as received, named by its content hash
//! DATA/_inkorg/logg.jsonl               append-only: mottagen, inläst, avvisad
//! ```
//!
//! A submission is acknowledged only once its body and its `mottagen` line are on
//! disk. One [`Intake`] takes received submissions into the dataset through
//! [`intake::commit`], the way `finsam ingest` takes files, so all commits
//! are serialised: two submissions for one project and half-year are taken in one
//! after the other, in the order received, and never in the same commit. The manifest
//! records each with the source `inkorg-<nr>`; after a crash the intake sees which
//! were taken in before the log could say so, and takes in the rest: each exactly once.
//! A submission counts as taken in only by its content: an entry of the manifest with
//! its content hash and its source, taken in after it was received ([`taken_in`]). A
//! source alone is only a label (a folder named `inkorg-1` given to `finsam ingest`, a
//! landing area removed and numbered from 1 again).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::intake::{self, IntakeError, IntakeOptions, Status};
use crate::protocol::{Encoding, Receipt, State};
use crate::read::{Finding, Location};
use crate::schema::Schema;
use crate::store::{self, Dataset, ManifestEntry, StoreError, jsonl, now_rfc3339, write_atomic};
use crate::validate::Persons;
use crate::wire::Transfer;

pub const INBOX_DIR: &str = "_inkorg";
const LOG_FILE: &str = "logg.jsonl";
/// Submissions taken in by one commit at most.
const BATCH: usize = 64;
/// Seconds without arrivals before the intake rebuilds stale underlag.
const QUIET_BEFORE_UNDERLAG: u32 = 2;

/// One line of the log.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "handelse", rename_all = "lowercase")]
enum Event {
    Mottagen(Receipt),
    Inlast {
        nr: u64,
        tid: String,
        resultat: String,
    },
    Avvisad {
        nr: u64,
        tid: String,
        fel: Vec<Finding>,
    },
}

/// A body that passed every check and may be kept.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub projekt: String,
    pub halvar: String,
    pub schema_version: u32,
    pub content_hash: String,
    pub rows: BTreeMap<String, u64>,
    pub encoding: Encoding,
}

/// Why a body is not kept.
#[derive(Debug)]
pub enum Refusal {
    /// Not a submission in the format: nothing could be checked.
    Unreadable(String),
    /// For another project than the sender may submit for.
    OtherProject(String),
    /// Findings, as `finsam ingest` reports them.
    Invalid(Vec<Finding>),
}

/// Checks a received body as far as can be done before it is kept: its form, the
/// project, the key, personnummer anywhere, and every rule `finsam ingest` applies
/// (against the project registry of the dataset at `data`).
pub fn check(
    body: &[u8],
    encoding: Encoding,
    schema: &Schema,
    data: &Path,
    key_fingerprint: &str,
    projekt: &str,
    today: chrono::NaiveDate,
) -> Result<Accepted, Refusal> {
    let transfer =
        crate::wire::decode(body, encoding).map_err(|e| Refusal::Unreadable(e.to_string()))?;
    if !transfer.projekt.trim().eq_ignore_ascii_case(projekt) {
        return Err(Refusal::OtherProject(
            crate::personnummer::redact_for_message(&transfer.projekt).into_owned(),
        ));
    }
    let origin = PathBuf::from("inlämningen");
    if transfer.key_fingerprint != key_fingerprint {
        return Err(Refusal::Invalid(vec![Finding::at(
            Location::file(&origin),
            format!(
                "pseudonymerna är gjorda med nyckeln {} men förbundets nyckel är {key_fingerprint}: med fel nyckel får samma person olika pseudonymer; hämta förbundets nyckelfil",
                crate::personnummer::redact_for_message(&transfer.key_fingerprint)
            ),
        )]));
    }
    let refusals = transfer.refusals(schema, &origin);
    if !refusals.is_empty() {
        return Err(Refusal::Invalid(refusals));
    }
    let schema_version = transfer.schema_version;
    let options = IntakeOptions {
        // The token is the förbund's word for the project (see `Intake`).
        new_projects: true,
        ..IntakeOptions::new(today)
    };
    let persons = Persons::Pseudonymised { key_fingerprint };
    let report = intake::check(
        schema,
        persons,
        data,
        vec![transfer.into_submission(origin)],
        Vec::new(),
        &options,
        false,
    )
    .map_err(|e| Refusal::Unreadable(e.to_string()))?;
    if !report.accepted() {
        return Err(Refusal::Invalid(report.findings));
    }
    let submission = report
        .submissions
        .into_iter()
        .next()
        .expect("an accepted check reports its one submission");
    Ok(Accepted {
        projekt: submission.projekt,
        halvar: submission.halvar,
        schema_version,
        content_hash: submission.content_hash,
        rows: submission.rows,
        encoding,
    })
}

/// The landing area and what it knows of every submission received.
pub struct Inbox {
    dir: PathBuf,
    receipts: Mutex<Vec<Receipt>>,
    /// Told when a submission arrives or the server stops.
    arrived: Condvar,
    /// Held while this process receives: two servers must not append to one log.
    _lock: File,
}

impl Inbox {
    /// Opens (creating) the landing area of the dataset at `data`.
    pub fn open(data: &Path) -> Result<Inbox, StoreError> {
        let dir = data.join(INBOX_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let lock = store::lock_folder(&dir)?;
        let log = dir.join(LOG_FILE);
        jsonl::repair(&log)?;
        let receipts = replay(jsonl::read(&log)?);
        Ok(Inbox {
            dir,
            receipts: Mutex::new(receipts),
            arrived: Condvar::new(),
            _lock: lock,
        })
    }

    fn receipts(&self) -> MutexGuard<'_, Vec<Receipt>> {
        self.receipts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps an accepted body and records it, both fsynced, before the caller
    /// acknowledges it. When the latest submission for its project and half-year has
    /// the same content, nothing is kept and that one's receipt comes back with `false`.
    pub fn receive(&self, accepted: &Accepted, body: &[u8]) -> Result<(Receipt, bool), StoreError> {
        // Content-addressed, so written outside the lock: a body already kept has the
        // same content, and each writer has a temp file of its own.
        let file = self.body_path(&accepted.content_hash, accepted.encoding);
        if !file.exists() {
            write_atomic(&file, body)?;
        }
        let mut receipts = self.receipts();
        let latest = receipts
            .iter()
            .rev()
            .find(|r| r.projekt == accepted.projekt && r.halvar == accepted.halvar);
        if let Some(latest) = latest
            && latest.innehall == accepted.content_hash
        {
            return Ok((latest.clone(), false));
        }
        let receipt = Receipt {
            nr: receipts.len() as u64 + 1,
            id: accepted.content_hash[..16].to_string(),
            innehall: accepted.content_hash.clone(),
            projekt: accepted.projekt.clone(),
            halvar: accepted.halvar.clone(),
            schemaversion: accepted.schema_version,
            rader: accepted.rows.clone(),
            format: accepted.encoding,
            mottagen: now_rfc3339(),
            status: State::Mottagen,
            klar: None,
            resultat: None,
            fel: Vec::new(),
        };
        store::crash_point("inkorg-fil");
        jsonl::append(
            &self.dir.join(LOG_FILE),
            &[Event::Mottagen(receipt.clone())],
        )?;
        receipts.push(receipt.clone());
        self.arrived.notify_all();
        Ok((receipt, true))
    }

    /// The latest submission with this id.
    pub fn get(&self, id: &str) -> Option<Receipt> {
        self.receipts().iter().rev().find(|r| r.id == id).cloned()
    }

    /// Every submission of a project, in order of arrival.
    pub fn for_project(&self, projekt: &str) -> Vec<Receipt> {
        self.receipts()
            .iter()
            .filter(|r| r.projekt == projekt)
            .cloned()
            .collect()
    }

    /// Submissions received and not yet taken in, in order of arrival.
    pub fn waiting(&self) -> Vec<Receipt> {
        self.receipts()
            .iter()
            .filter(|r| r.status == State::Mottagen)
            .cloned()
            .collect()
    }

    fn body_path(&self, content_hash: &str, encoding: Encoding) -> PathBuf {
        self.dir
            .join(format!("{content_hash}.{}", encoding.extension()))
    }

    /// Records how taking submissions in ended, with one fsync.
    fn settle(&self, outcomes: Vec<(u64, Result<String, Vec<Finding>>)>) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let tid = now_rfc3339();
        let events: Vec<Event> = outcomes
            .iter()
            .map(|(nr, outcome)| match outcome {
                Ok(resultat) => Event::Inlast {
                    nr: *nr,
                    tid: tid.clone(),
                    resultat: resultat.clone(),
                },
                Err(fel) => Event::Avvisad {
                    nr: *nr,
                    tid: tid.clone(),
                    fel: fel.clone(),
                },
            })
            .collect();
        let mut receipts = self.receipts();
        jsonl::append(&self.dir.join(LOG_FILE), &events)?;
        for (nr, outcome) in outcomes {
            if let Some(r) = receipts.get_mut(index(nr)) {
                r.klar = Some(tid.clone());
                match outcome {
                    Ok(resultat) => {
                        r.status = State::Inlast;
                        r.resultat = Some(resultat);
                    }
                    Err(fel) => {
                        r.status = State::Avvisad;
                        r.fel = fel;
                    }
                }
            }
        }
        Ok(())
    }

    /// Waits until a submission arrives, [`Inbox::wake`] is called, or `timeout` passes.
    fn wait(&self, timeout: Duration) {
        let receipts = self.receipts();
        if receipts.iter().any(|r| r.status == State::Mottagen) {
            return;
        }
        let _ = self.arrived.wait_timeout(receipts, timeout);
    }

    /// Wakes the intake (to stop it).
    pub fn wake(&self) {
        self.arrived.notify_all();
    }
}

/// Every submission received into the dataset at `data`, as the log tells, without
/// taking the landing area's lock (for `finsam status` while a server runs).
pub fn receipts(data: &Path) -> Result<Vec<Receipt>, StoreError> {
    Ok(replay(jsonl::read(&data.join(INBOX_DIR).join(LOG_FILE))?))
}

fn replay(events: Vec<Event>) -> Vec<Receipt> {
    let mut receipts: Vec<Receipt> = Vec::new();
    for event in events {
        match event {
            Event::Mottagen(receipt) => receipts.push(receipt),
            Event::Inlast { nr, tid, resultat } => {
                if let Some(r) = receipts.get_mut(index(nr)) {
                    r.status = State::Inlast;
                    r.klar = Some(tid);
                    r.resultat = Some(resultat);
                }
            }
            Event::Avvisad { nr, tid, fel } => {
                if let Some(r) = receipts.get_mut(index(nr)) {
                    r.status = State::Avvisad;
                    r.klar = Some(tid);
                    r.fel = fel;
                }
            }
        }
    }
    receipts
}

fn index(nr: u64) -> usize {
    (nr as usize).saturating_sub(1)
}

/// Takes received submissions into the dataset, one commit at a time.
pub struct Intake {
    pub inbox: Arc<Inbox>,
    pub data: PathBuf,
    pub schema: Schema,
    pub key_fingerprint: String,
}

impl Intake {
    /// Takes submissions in as they arrive until `stop` is set and nothing waits (or
    /// the dataset cannot be written to); rebuilds stale underlag when nothing waits.
    pub fn run(&self, stop: &AtomicBool) {
        let mut pause = Duration::from_millis(200);
        let mut underlag_stale = true;
        let mut quiet_seconds = 0;
        loop {
            match self.take_in() {
                Ok(0) => {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    // Rebuilding takes a while per project: wait until the senders are done.
                    if underlag_stale && quiet_seconds >= QUIET_BEFORE_UNDERLAG {
                        underlag_stale = false;
                        self.refresh_underlag();
                    }
                    self.inbox.wait(Duration::from_secs(1));
                    quiet_seconds += 1;
                }
                Ok(_) => {
                    underlag_stale = true;
                    quiet_seconds = 0;
                    pause = Duration::from_millis(200);
                }
                Err(error) => {
                    // Kept submissions are safe on disk: try again later, or at the next start.
                    eprintln!(
                        "finsam serve: inläsningen misslyckades ({error}); försöker igen om {} s",
                        pause.as_secs_f64()
                    );
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// Takes in what waits, at most one submission per project and half-year per
    /// commit; returns how many were settled.
    pub fn take_in(&self) -> Result<usize, IntakeError> {
        let mut keys = HashSet::new();
        let batch: Vec<Receipt> = self
            .inbox
            .waiting()
            .into_iter()
            .filter(|r| keys.insert((r.projekt.clone(), r.halvar.clone())))
            .take(BATCH)
            .collect();
        if batch.is_empty() {
            return Ok(0);
        }
        let settled = batch.len();
        self.ingest(batch)?;
        Ok(settled)
    }

    fn ingest(&self, batch: Vec<Receipt>) -> Result<(), IntakeError> {
        let mut outcomes = Vec::new();
        // Taken in before a crash, before the log could say so.
        let manifest = match Dataset::open(&self.data, &self.schema) {
            Ok(dataset) => dataset.manifest()?.entries.clone(),
            Err(StoreError::NotADataset(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let mut remaining = Vec::new();
        for receipt in batch {
            match taken_in(&manifest, &receipt) {
                Some(entry) => {
                    let resultat = match &entry.replaces {
                        Some(old) => Status::Replaced(old.clone()),
                        None => Status::New,
                    }
                    .to_string();
                    outcomes.push((receipt.nr, Ok(resultat)));
                }
                None => remaining.push(receipt),
            }
        }
        let mut submissions = Vec::new();
        let mut taken = Vec::new();
        for receipt in remaining {
            let path = self.inbox.body_path(&receipt.innehall, receipt.format);
            let body = match std::fs::read(&path) {
                Ok(body) => body,
                // Gone (a person's erasure, a backup taken as it arrived): refused, so
                // the intake goes on with the rest; the sender may send it again.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    outcomes.push((
                        receipt.nr,
                        Err(vec![Finding::at(
                            Location::file(Path::new(&receipt.source())),
                            "inlämningen finns inte längre i inkorgen: skicka den igen".to_string(),
                        )]),
                    ));
                    continue;
                }
                Err(e) => return Err(StoreError::io(&path, e).into()),
            };
            match crate::wire::decode(&body, receipt.format) {
                Ok(transfer) => {
                    submissions.push(Transfer::into_submission(
                        transfer,
                        PathBuf::from(receipt.source()),
                    ));
                    taken.push(receipt);
                }
                Err(e) => outcomes.push((
                    receipt.nr,
                    Err(vec![Finding::at(
                        Location::file(Path::new(&receipt.source())),
                        e.to_string(),
                    )]),
                )),
            }
        }
        if !submissions.is_empty() {
            let options = IntakeOptions {
                // A token opens one project, and a token is only made for a registered
                // project (or registers it): the sender's project is the förbund's word.
                new_projects: true,
                ..IntakeOptions::new(chrono::Local::now().date_naive())
            };
            let persons = Persons::Pseudonymised {
                key_fingerprint: &self.key_fingerprint,
            };
            let count = submissions.len();
            let report = intake::commit(
                &self.schema,
                persons,
                &self.data,
                submissions,
                Vec::new(),
                &options,
                false,
            )?;
            if report.accepted() {
                for receipt in &taken {
                    let resultat = report
                        .submissions
                        .iter()
                        .find(|s| s.source == receipt.source())
                        .map_or(Status::New, |s| s.status.clone())
                        .to_string();
                    outcomes.push((receipt.nr, Ok(resultat)));
                }
            } else if count > 1 {
                // One invalid submission must not hold the others back.
                self.inbox.settle(outcomes)?;
                for receipt in taken {
                    self.ingest(vec![receipt])?;
                }
                return Ok(());
            } else {
                for receipt in &taken {
                    outcomes.push((receipt.nr, Err(report.findings.clone())));
                }
            }
        }
        self.inbox.settle(outcomes)?;
        Ok(())
    }

    fn refresh_underlag(&self) {
        if !Dataset::exists(&self.data) {
            return;
        }
        let Ok(dataset) = Dataset::lock_existing(&self.data, &self.schema) else {
            // Another process writes: readers compute what is stale meanwhile.
            return;
        };
        match crate::underlag::refresh_blocking(&dataset, &self.schema) {
            Ok(refreshed) if !refreshed.projects.is_empty() => eprintln!(
                "finsam serve: underlaget uppdaterat för {} projekt på {:.2} s",
                refreshed.projects.len(),
                refreshed.elapsed.as_secs_f64()
            ),
            Ok(_) => {}
            Err(error) => eprintln!(
                "finsam serve: obs: underlaget kunde inte uppdateras ({error}); rapporterna räknar fram det själva"
            ),
        }
    }
}

/// The manifest's entry for `receipt` if it was taken in already: the same content from
/// the same source, taken in no earlier than it was received.
fn taken_in<'m>(manifest: &'m [ManifestEntry], receipt: &Receipt) -> Option<&'m ManifestEntry> {
    let source = receipt.source();
    let time = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    manifest.iter().rev().find(|entry| {
        let after = match (time(&entry.ingested_at), time(&receipt.mottagen)) {
            (Some(ingested), Some(received)) => ingested >= received,
            _ => true,
        };
        entry.content_hash == receipt.innehall && entry.source == source && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Encoding;
    use crate::pseudonymise::Pseudonymiser;
    use crate::wire::encode;
    use crate::wire::tests::{sigma, today};

    /// SIGMA's submission (`prepared`) as a body in `encoding`, checked as the server
    /// checks it.
    fn received(
        prepared: &crate::intake::Prepared,
        schema: &Schema,
        fingerprint: &str,
        encoding: Encoding,
    ) -> (Vec<u8>, Accepted) {
        let body = encode(prepared, schema, fingerprint, encoding).unwrap();
        let accepted = check(
            &body,
            encoding,
            schema,
            Path::new("finns-inte"),
            fingerprint,
            "SIGMA",
            today(),
        )
        .unwrap();
        (body, accepted)
    }

    /// Commits `body` into the dataset at `data` under the name `source`, past the
    /// landing area's log: a commit whose log line a crash lost, or `finsam ingest` of a
    /// folder of that name. Returns the id it was taken in under.
    fn commit(
        data: &Path,
        schema: &Schema,
        fingerprint: &str,
        body: &[u8],
        source: &str,
    ) -> String {
        let transfer = crate::wire::decode(body, Encoding::Json).unwrap();
        let options = IntakeOptions::new(today());
        let persons = Persons::Pseudonymised {
            key_fingerprint: fingerprint,
        };
        let submission = transfer.into_submission(PathBuf::from(source));
        let report = intake::commit(
            schema,
            persons,
            data,
            vec![submission],
            Vec::new(),
            &options,
            false,
        )
        .unwrap();
        assert!(report.accepted(), "{:?}", report.findings);
        report.submissions[0].id.clone()
    }

    fn intake(inbox: &Arc<Inbox>, data: &Path, schema: &Schema, fingerprint: &str) -> Intake {
        Intake {
            inbox: inbox.clone(),
            data: data.to_path_buf(),
            schema: schema.clone(),
            key_fingerprint: fingerprint.to_string(),
        }
    }

    fn manifest(data: &Path, schema: &Schema) -> std::sync::Arc<crate::store::Manifest> {
        Dataset::open(data, schema).unwrap().manifest().unwrap()
    }

    #[test]
    fn every_kept_submission_is_taken_in_exactly_once_across_a_crash() {
        let data = tempfile::tempdir().unwrap();
        let (schema, key, prepared) = sigma();
        let fingerprint = key.fingerprint();
        let (body, accepted) = received(&prepared, &schema, &fingerprint, Encoding::Json);
        let inbox = Inbox::open(data.path()).unwrap();
        assert!(matches!(Inbox::open(data.path()), Err(StoreError::Busy(_))));
        let (first, new) = inbox.receive(&accepted, &body).unwrap();
        assert!(new);
        assert_eq!((first.nr, first.status), (1, State::Mottagen));
        assert_eq!(first.id, prepared.report.id);
        let (again, new) = inbox.receive(&accepted, &body).unwrap();
        assert!(!new, "the same content again is the same submission");
        assert_eq!(again, first);

        // The commit happens, then the process dies before the log says so.
        commit(data.path(), &schema, &fingerprint, &body, &first.source());
        drop(inbox);

        let inbox = Arc::new(Inbox::open(data.path()).unwrap());
        assert_eq!(inbox.waiting().len(), 1);
        let intake = intake(&inbox, data.path(), &schema, &fingerprint);
        assert_eq!(intake.take_in().unwrap(), 1);
        assert_eq!(intake.take_in().unwrap(), 0);
        let settled = inbox.get(&first.id).unwrap();
        assert_eq!(
            (settled.status, settled.resultat.as_deref()),
            (State::Inlast, Some("ny"))
        );
        let entries = manifest(data.path(), &schema).entries.clone();
        assert_eq!(entries.len(), 1, "taken in once");

        // A changed submission replaces it; the log tells the same after a restart.
        let mut changed = prepared;
        changed.tables.get_mut("moten").unwrap().pop();
        let (body, accepted) = received(&changed, &schema, &fingerprint, Encoding::Arrow);
        let (second, new) = inbox.receive(&accepted, &body).unwrap();
        assert!(new);
        assert_eq!(intake.take_in().unwrap(), 1);
        drop(intake);
        drop(inbox);
        let inbox = Inbox::open(data.path()).unwrap();
        let second = inbox.get(&second.id).unwrap();
        assert_eq!(second.status, State::Inlast);
        assert_eq!(second.resultat, Some(format!("ersätter {}", first.id)));
        assert_eq!(inbox.for_project("SIGMA").len(), 2);
        assert!(inbox.waiting().is_empty());
        let manifest = manifest(data.path(), &schema);
        assert_eq!(manifest.entries.len(), 2);
        assert_eq!(
            manifest.current_for("SIGMA", "2008H1").unwrap().id,
            second.id
        );
    }

    #[test]
    fn a_source_named_like_a_submission_does_not_make_it_taken_in() {
        let data = tempfile::tempdir().unwrap();
        let (schema, key, prepared) = sigma();
        let fingerprint = key.fingerprint();
        // `finsam ingest inkorg-1/`: other content, under the name the server's first
        // submission will have.
        let (_, _, mut other) = sigma();
        other.tables.get_mut("moten").unwrap().pop();
        let other_body = encode(&other, &schema, &fingerprint, Encoding::Json).unwrap();
        let other_id = commit(data.path(), &schema, &fingerprint, &other_body, "inkorg-1");

        let (body, accepted) = received(&prepared, &schema, &fingerprint, Encoding::Json);
        let inbox = Arc::new(Inbox::open(data.path()).unwrap());
        let (first, _) = inbox.receive(&accepted, &body).unwrap();
        assert_eq!(first.source(), "inkorg-1");
        let intake = intake(&inbox, data.path(), &schema, &fingerprint);
        assert_eq!(intake.take_in().unwrap(), 1);
        let settled = inbox.get(&first.id).unwrap();
        assert_eq!(settled.status, State::Inlast);
        assert_eq!(settled.resultat, Some(format!("ersätter {other_id}")));
        assert_eq!(
            manifest(data.path(), &schema)
                .current_for("SIGMA", "2008H1")
                .unwrap()
                .id,
            first.id
        );
    }

    #[test]
    fn the_same_content_taken_in_before_it_was_received_is_not_this_submission() {
        // A landing area removed and numbered from 1 again: the manifest's `inkorg-1`
        // with this content was taken in before this submission 1 came.
        let receipt = Receipt {
            nr: 1,
            id: "0123456789abcdef".into(),
            innehall: "ab".repeat(32),
            projekt: "SIGMA".into(),
            halvar: "2008H1".into(),
            schemaversion: 1,
            rader: BTreeMap::new(),
            format: Encoding::Json,
            mottagen: "2026-11-26T10:00:00Z".into(),
            status: State::Mottagen,
            klar: None,
            resultat: None,
            fel: Vec::new(),
        };
        let entry = |ingested_at: &str| ManifestEntry {
            id: receipt.id.clone(),
            content_hash: receipt.innehall.clone(),
            projekt: "SIGMA".into(),
            halvar: "2008H1".into(),
            schema_version: 1,
            ingested_at: ingested_at.into(),
            source: "inkorg-1".into(),
            rows: BTreeMap::new(),
            replaces: None,
            batch: "b".into(),
        };
        assert!(taken_in(&[entry("2026-11-25T09:00:00Z")], &receipt).is_none());
        assert!(taken_in(&[entry("2026-11-26T10:00:00Z")], &receipt).is_some());
        let mut other = entry("2026-11-26T11:00:00Z");
        other.content_hash = "cd".repeat(32);
        assert!(taken_in(&[other], &receipt).is_none(), "other content");
    }
}
