//! Taking submissions into the dataset: resolve → check (validate, pseudonymise) →
//! stage → commit. [`crate::read`] gives the submissions' cells; this stage decides
//! what becomes of them.
//!
//! [`check`] writes nothing; [`commit`] checks and takes in. All submissions named in
//! one call form one commit: if any of them has a finding, none is taken in and the
//! dataset is left exactly as it was. A submission whose content equals the current one
//! for its project and half-year changes nothing; a different one replaces it, and the
//! old files move to the history area. [`prepare`] keeps a checked submission in memory,
//! to be sent (`finsam submit`). Progress is told through [`Progress`], which the caller
//! draws as it likes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::changes::TableChanges;
use crate::failure::Kind;
use crate::period::HalfYear;
use crate::pseudonymise::Pseudonymiser;
use crate::read::{Finding, Location, Submission};
use crate::registry::{PROJECT_NAME_RULE, Project, Registry, RegistryError, project_name};
use crate::schema::{Schema, TableDef};
use crate::store::{Dataset, ManifestEntry, ParquetSink, Staging, StoreError, now_rfc3339};
use crate::underlag::{self, Refreshed};
use crate::validate::{
    CollectingSink, CountingSink, Persons, RowSink, Rules, SubmissionCheck, Value,
};

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl IntakeError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            IntakeError::Store(e) => e.kind(),
            IntakeError::Registry(e) => e.kind(),
        }
    }
}

/// How the submissions are to be read: the same for a check and a commit.
#[derive(Clone)]
pub struct IntakeOptions<'p> {
    /// Overrides (or fills in) the project stated in the submission.
    pub projekt: Option<String>,
    /// Overrides (or fills in) the half-year stated in the submission.
    pub halvar: Option<HalfYear>,
    /// Dates after this day are rejected as implausible.
    pub today: NaiveDate,
    /// Plausibility warnings stop the submission as errors do (`--strikt`).
    pub strict: bool,
    /// Projects the registry does not know are registered, not refused (`--nytt-projekt`).
    pub new_projects: bool,
    /// Told how reading each table goes.
    pub progress: &'p dyn Progress,
}

impl IntakeOptions<'static> {
    /// The details the submissions state, as of `today`, quietly.
    pub fn new(today: NaiveDate) -> IntakeOptions<'static> {
        IntakeOptions {
            projekt: None,
            halvar: None,
            today,
            strict: false,
            new_projects: false,
            progress: &Quiet,
        }
    }
}

/// Told how the reading of each table goes; the CLI draws bars, the server nothing.
/// Submissions are checked on several threads at once.
pub trait Progress: Sync {
    /// Reading `label` (project, half-year and table) begins; the reporter returned is
    /// told (done, total) in bytes or rows now and then and dropped when it ends.
    fn table(&self, label: &str) -> Box<dyn TableProgress + '_>;
}

/// The progress of one table being read.
pub trait TableProgress {
    fn advance(&mut self, done: u64, total: u64);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn table(&self, _label: &str) -> Box<dyn TableProgress + '_> {
        Box::new(Quiet)
    }
}

impl TableProgress for Quiet {
    fn advance(&mut self, _done: u64, _total: u64) {}
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Taken in; no earlier submission for this project and half-year.
    New,
    /// Taken in, replacing the earlier submission with this id (now in history).
    Replaced(String),
    /// Identical to the current submission: nothing changed.
    Unchanged,
    /// Valid, but not written ([`check`]).
    Validated,
}

impl std::fmt::Display for Status {
    /// As the CLI and the server's receipts say it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::New => write!(f, "ny"),
            Status::Replaced(old) => write!(f, "ersätter {old}"),
            Status::Unchanged => write!(f, "oförändrad"),
            Status::Validated => write!(f, "godkänd (ej inläst)"),
        }
    }
}

/// Rows per table as `deltagare 7, insatser 6`, tables without rows left out.
pub fn rows_text(rows: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = rows
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    parts.join(", ")
}

#[derive(Debug, Clone)]
pub struct SubmissionReport {
    pub source: String,
    pub projekt: String,
    pub halvar: String,
    pub id: String,
    /// SHA-256 of the validated, pseudonymised content.
    pub content_hash: String,
    pub rows: BTreeMap<String, u64>,
    pub status: Status,
    /// What looked implausible but was accepted (nothing, with `strict`: errors then).
    pub warnings: Vec<Finding>,
    /// Per table, how it differs from the current submission (a check with
    /// `compare`, when there is one).
    pub changes: Option<BTreeMap<String, TableChanges>>,
}

#[derive(Debug)]
pub struct IntakeReport {
    pub submissions: Vec<SubmissionReport>,
    /// Every problem found; when not empty, nothing was taken in.
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
    /// The underlag rebuilt after the commit, or why it could not be: the commit stands
    /// either way, and readers compute stale underlag themselves.
    pub underlag: Option<Result<Refreshed, String>>,
}

impl IntakeReport {
    pub fn accepted(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn total_rows(&self) -> u64 {
        self.submissions.iter().flat_map(|s| s.rows.values()).sum()
    }

    /// The plausibility warnings of every submission, in submission order.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.submissions.iter().flat_map(|s| &s.warnings)
    }
}

/// A submission with its details settled, ready to be read.
struct Resolved {
    submission: Submission,
    projekt: String,
    period: HalfYear,
    version: u32,
}

/// Checks the submissions as [`commit`] would, against the registry of the dataset at
/// `data` (which need not exist yet), and writes nothing. With `compare`, each valid
/// submission is compared with the current one for its project and half-year.
/// `findings` are problems already found with them (files that could not be read).
pub fn check(
    schema: &Schema,
    persons: Persons<'_>,
    data: &Path,
    submissions: Vec<Submission>,
    mut findings: Vec<Finding>,
    options: &IntakeOptions<'_>,
    compare: bool,
) -> Result<IntakeReport, IntakeError> {
    let started = Instant::now();
    let resolved = resolve_all(submissions, schema, options, &mut findings);
    let registry = Registry::load(data)?;
    unregistered(&registry, &resolved, options, &mut findings);
    let target = if compare {
        Target::Collect
    } else {
        Target::Count
    };
    let mut reports = Vec::new();
    let mut new_versions = Vec::new();
    let checked = check_all(&resolved, schema, persons, Some(&registry), target, options);
    for result in checked {
        let (report, mut found, tables) = result?;
        findings.append(&mut found);
        new_versions.push(tables);
        reports.push(report);
    }
    if compare && findings.is_empty() && Dataset::exists(data) {
        // Pseudonyms made with another key would all look new.
        Dataset::check_key(data, &persons.key_fingerprint())?;
        let dataset = Dataset::open(data, schema)?;
        for (report, tables) in reports.iter_mut().zip(&new_versions) {
            if let Some(tables) = tables {
                report.changes = crate::changes::compare(
                    &dataset,
                    schema,
                    &report.projekt,
                    &report.halvar,
                    tables,
                )?;
            }
        }
    }
    Ok(IntakeReport {
        submissions: reports,
        findings,
        elapsed: started.elapsed(),
        underlag: None,
    })
}

/// Checks the submissions and takes them into the dataset at `data` in one commit
/// (creating the dataset), or, with any finding, takes in nothing. With
/// `refresh_underlag`, the underlag of changed projects is rebuilt after the commit;
/// `finsam serve` leaves that to a quiet moment (readers compute stale underlag
/// themselves meanwhile).
pub fn commit(
    schema: &Schema,
    persons: Persons<'_>,
    data: &Path,
    submissions: Vec<Submission>,
    mut findings: Vec<Finding>,
    options: &IntakeOptions<'_>,
    refresh_underlag: bool,
) -> Result<IntakeReport, IntakeError> {
    let started = Instant::now();
    let resolved = resolve_all(submissions, schema, options, &mut findings);
    let dataset = Dataset::open_for_write(data, schema, &persons.key_fingerprint())?;
    // Read once the write lock is held: a `finsam projekt add` meanwhile is seen.
    let registry = Registry::load(data)?;
    let registering = unregistered(&registry, &resolved, options, &mut findings);
    let batch = format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
        std::process::id()
    );
    let mut staging = dataset.stage(&batch)?;
    let mut reports = Vec::new();
    let checked = check_all(
        &resolved,
        schema,
        persons,
        Some(&registry),
        Target::Stage(&staging),
        options,
    );
    for (r, result) in resolved.iter().zip(checked) {
        let (report, mut found, _) = result?;
        findings.append(&mut found);
        reports.push((report, r));
    }
    if !findings.is_empty() {
        staging.discard()?;
        dataset.abandon()?;
        let submissions = reports.into_iter().map(|(report, _)| report).collect();
        return Ok(IntakeReport {
            submissions,
            findings,
            elapsed: started.elapsed(),
            underlag: None,
        });
    }
    let manifest = dataset.manifest()?;
    let mut submissions = Vec::new();
    for (mut report, r) in reports {
        let current = manifest.current_for(&report.projekt, &report.halvar);
        report.status = match current {
            Some(entry) if entry.id == report.id => Status::Unchanged,
            Some(entry) => Status::Replaced(entry.id.clone()),
            None => Status::New,
        };
        if report.status == Status::Unchanged {
            staging.drop_submission(&report.projekt, &report.halvar)?;
        } else {
            staging.add(ManifestEntry {
                id: report.id.clone(),
                content_hash: report.content_hash.clone(),
                projekt: report.projekt.clone(),
                halvar: report.halvar.clone(),
                schema_version: r.version,
                ingested_at: now_rfc3339(),
                source: report.source.clone(),
                rows: report.rows.clone(),
                replaces: match &report.status {
                    Status::Replaced(old) => Some(old.clone()),
                    _ => None,
                },
                batch: batch.clone(),
            });
        }
        submissions.push(report);
    }
    dataset.initialise()?;
    staging.commit(&dataset)?;
    // After the commit: a crash before this write leaves the projects registered by
    // their data alone (the registry reads the manifest's projects as registered).
    if !registering.is_empty() {
        // Read again under the lock: `finsam projekt add` may have written meanwhile.
        let mut registry = Registry::of(&dataset)?;
        for projekt in registering {
            if registry.get(&projekt).is_none() {
                registry.add(Project {
                    kortnamn: projekt,
                    ..Project::default()
                })?;
            }
        }
        registry.save(dataset.root())?;
    }
    let elapsed = started.elapsed();
    let underlag = refresh_underlag
        .then(|| underlag::refresh_blocking(&dataset, schema).map_err(|e| e.to_string()));
    Ok(IntakeReport {
        submissions,
        findings,
        elapsed,
        underlag,
    })
}

/// A submission validated and pseudonymised in memory, to be sent (`finsam submit`).
pub struct Prepared {
    pub report: SubmissionReport,
    /// The schema version it follows.
    pub version: u32,
    /// Table name → its stored columns' values, row by row (every table of the schema).
    pub tables: BTreeMap<String, Vec<Vec<Value>>>,
}

/// Validates and pseudonymises the submissions found at `paths` exactly as [`check`]
/// does, keeping the result in memory. Projects are the server's to check (a token
/// opens one). With any finding, nothing is prepared.
pub fn prepare(
    schema: &Schema,
    key: &dyn Pseudonymiser,
    paths: &[PathBuf],
    options: &IntakeOptions<'_>,
) -> Result<(Vec<Prepared>, Vec<Finding>), IntakeError> {
    let (submissions, mut findings) = crate::read::discover(paths, schema);
    let resolved = resolve_all(submissions, schema, options, &mut findings);
    let mut prepared = Vec::new();
    let checked = check_all(
        &resolved,
        schema,
        Persons::Identified(key),
        None,
        Target::Collect,
        options,
    );
    for (r, result) in resolved.iter().zip(checked) {
        let (report, mut found, tables) = result?;
        findings.append(&mut found);
        prepared.push(Prepared {
            report,
            version: r.version,
            tables: tables.unwrap_or_default(),
        });
    }
    if !findings.is_empty() {
        prepared.clear();
    }
    Ok((prepared, findings))
}

/// The projects of `resolved` the registry does not know, to be registered with the
/// commit: all of them in a dataset without projects (unless two of them are so alike
/// that one may be a typo of the other), or with `--nytt-projekt`; otherwise each is a
/// finding that names the registered projects close to it.
fn unregistered(
    registry: &Registry,
    resolved: &[Resolved],
    options: &IntakeOptions<'_>,
    findings: &mut Vec<Finding>,
) -> BTreeSet<String> {
    let mut registering: BTreeSet<String> = BTreeSet::new();
    for r in resolved {
        if let Err(unknown) = registry.check_known(&r.projekt) {
            let alike = registering
                .iter()
                .find(|other| *other != &r.projekt && crate::registry::alike(other, &r.projekt));
            if let (Some(other), false) = (alike, options.new_projects) {
                findings.push(Finding::at(
                    Location::file(&r.submission.origin),
                    format!(
                        "projekten {other} och {} liknar varandra och inget av dem finns i projektregistret: är det ena felstavat? Om båda är avsedda, lägg till dem med finsam projekt add (eller --nytt-projekt)",
                        r.projekt
                    ),
                ));
            } else if registry.is_empty() || options.new_projects {
                registering.insert(r.projekt.clone());
            } else {
                findings.push(Finding::at(
                    Location::file(&r.submission.origin),
                    unknown.to_string(),
                ));
            }
        }
    }
    registering
}

/// Settles each submission's details; two submissions for one project and half-year
/// in one run are a finding.
fn resolve_all(
    submissions: Vec<Submission>,
    schema: &Schema,
    options: &IntakeOptions<'_>,
    findings: &mut Vec<Finding>,
) -> Vec<Resolved> {
    let mut resolved = Vec::new();
    let mut seen = BTreeSet::new();
    for submission in submissions {
        match resolve(submission, schema, options) {
            Ok(r) => {
                if !seen.insert((r.projekt.clone(), r.period)) {
                    findings.push(Finding::at(
                        Location::file(&r.submission.origin),
                        format!(
                            "två inlämningar för {} {} i samma körning: lämna in en i taget",
                            r.projekt, r.period
                        ),
                    ));
                }
                resolved.push(r);
            }
            Err(finding) => findings.push(finding),
        }
    }
    resolved
}

/// Settles project, half-year and schema version from the submission and the options.
fn resolve(
    submission: Submission,
    schema: &Schema,
    options: &IntakeOptions<'_>,
) -> Result<Resolved, Finding> {
    let at = Location::file(&submission.origin);
    let meta = &submission.meta;
    let hint = "fyll i bladet Inlämning (eller inlamning.csv)";
    let projekt = match (&options.projekt, &meta.projekt) {
        (Some(flag), Some(stated)) if !flag.eq_ignore_ascii_case(stated) => {
            return Err(Finding::at(
                at,
                format!(
                    "--projekt {} men inlämningen anger projekt {}",
                    crate::personnummer::redact_for_message(flag),
                    crate::personnummer::redact_for_message(stated)
                ),
            ));
        }
        (Some(p), _) | (None, Some(p)) => project_name(p).ok_or_else(|| {
            Finding::at(
                at.clone(),
                format!(
                    "projektets kortnamn {} {PROJECT_NAME_RULE}",
                    crate::personnummer::redact_for_message(p.trim())
                ),
            )
        })?,
        (None, None) => {
            return Err(Finding::at(
                at,
                format!("inlämningen anger inget projekt: {hint} eller ange --projekt"),
            ));
        }
    };
    let stated_period = match &meta.halvar {
        Some(text) => Some(
            text.parse::<HalfYear>()
                .map_err(|e| Finding::at(at.clone(), e.to_string()))?,
        ),
        None => None,
    };
    let period = match (options.halvar, stated_period) {
        (Some(flag), Some(stated)) if flag != stated => {
            return Err(Finding::at(
                at,
                format!("--halvar {flag} men inlämningen anger halvår {stated}"),
            ));
        }
        (Some(p), _) | (None, Some(p)) => p,
        (None, None) => {
            return Err(Finding::at(
                at,
                format!("inlämningen anger inget halvår: {hint} eller ange --halvar"),
            ));
        }
    };
    if period.start() > options.today {
        return Err(Finding::at(
            at,
            format!("halvåret {period} har inte börjat än"),
        ));
    }
    let version = match &meta.schema_version {
        None => schema.version,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(v) if (1..=schema.version).contains(&v) => v,
            _ => {
                return Err(Finding::at(
                    at,
                    format!(
                        "okänd schemaversion {}: den här versionen av finsam läser version 1–{}",
                        text.trim(),
                        schema.version
                    ),
                ));
            }
        },
    };
    Ok(Resolved {
        submission,
        projekt,
        period,
        version,
    })
}

/// Where the valid rows of a submission go.
#[derive(Clone, Copy)]
enum Target<'s> {
    /// Counted only (a check).
    Count,
    /// Written to the commit's staging area.
    Stage(&'s Staging),
    /// Kept in memory and returned.
    Collect,
}

/// Where one table's valid rows go, as the [`Target`] says.
enum TableSink {
    Count(CountingSink),
    Stage(Box<ParquetSink>),
    Collect(CollectingSink),
}

impl TableSink {
    fn new(
        target: Target<'_>,
        table: &TableDef,
        projekt: &str,
        halvar: &str,
    ) -> Result<TableSink, StoreError> {
        Ok(match target {
            Target::Count => TableSink::Count(CountingSink::default()),
            Target::Stage(staging) => {
                TableSink::Stage(Box::new(staging.sink(table, projekt, halvar)?))
            }
            Target::Collect => TableSink::Collect(CollectingSink::default()),
        })
    }
}

impl RowSink for TableSink {
    type Error = StoreError;

    fn push(&mut self, row: &[Value]) -> Result<(), StoreError> {
        match self {
            TableSink::Count(sink) => sink.push(row).map_err(|never| match never {}),
            TableSink::Stage(sink) => sink.push(row),
            TableSink::Collect(sink) => sink.push(row).map_err(|never| match never {}),
        }
    }
}

type Checked = Result<
    (
        SubmissionReport,
        Vec<Finding>,
        Option<BTreeMap<String, Vec<Vec<Value>>>>,
    ),
    IntakeError,
>;

/// Checks the submissions on as many threads as there are cores: submissions are
/// independent until the commit. Results come back in the submissions' order.
fn check_all(
    resolved: &[Resolved],
    schema: &Schema,
    persons: Persons<'_>,
    registry: Option<&Registry>,
    target: Target<'_>,
    options: &IntakeOptions<'_>,
) -> Vec<Checked> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(resolved.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Checked>>> = resolved.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(r) = resolved.get(index) else { break };
                    let project = registry.and_then(|registry| registry.get(&r.projekt));
                    let checked = check_submission(r, schema, persons, project, target, options);
                    *results[index]
                        .lock()
                        .expect("no thread panics while holding it") = Some(checked);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("not poisoned")
                .expect("every submission was checked")
        })
        .collect()
}

/// Reads and checks every table of one submission, sending valid rows to the target.
fn check_submission(
    r: &Resolved,
    schema: &Schema,
    persons: Persons<'_>,
    project: Option<&Project>,
    target: Target<'_>,
    options: &IntakeOptions<'_>,
) -> Checked {
    let halvar = r.period.to_string();
    let mut check = SubmissionCheck::new(Rules {
        schema,
        version: r.version,
        projekt: r.projekt.clone(),
        period: r.period,
        today: options.today,
        persons,
        project,
    });
    let mut rows = BTreeMap::new();
    let mut collected = BTreeMap::new();
    for table in &schema.tables {
        let mut sink = TableSink::new(target, table, &r.projekt, &halvar)?;
        let count = match r.submission.tables.get(&table.name) {
            None => {
                check.absent_table(table, &Location::file(&r.submission.origin));
                0
            }
            Some(input) => match input.open() {
                Err(finding) => {
                    check.add_finding(finding);
                    0
                }
                Ok(mut source) => {
                    let mut reporter = options
                        .progress
                        .table(&format!("{} {} {}", r.projekt, r.period, table.name));
                    let location = input.location();
                    check.table(
                        table,
                        source.as_mut(),
                        &location,
                        &mut sink,
                        &mut |done, total| reporter.advance(done, total),
                    )?
                }
            },
        };
        match sink {
            TableSink::Stage(sink) => {
                sink.finish()?;
            }
            TableSink::Collect(collector) => {
                collected.insert(table.name.clone(), collector.rows);
            }
            TableSink::Count(_) => {}
        }
        rows.insert(table.name.clone(), count);
    }
    let mut outcome = check.finish();
    if options.strict {
        outcome.findings.append(&mut outcome.warnings);
        outcome.findings.sort_by(|a, b| a.location.cmp(&b.location));
    }
    let source = r
        .submission
        .origin
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let report = SubmissionReport {
        source: crate::personnummer::redact_for_message(&source).into_owned(),
        projekt: r.projekt.clone(),
        halvar,
        id: outcome.content_hash[..16].to_string(),
        content_hash: outcome.content_hash.clone(),
        rows,
        status: Status::Validated,
        warnings: outcome.warnings,
        changes: None,
    };
    let collected = matches!(target, Target::Collect).then_some(collected);
    Ok((report, outcome.findings, collected))
}
