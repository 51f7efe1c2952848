//! Taking submissions into the dataset: discover → validate → stage → commit.
//!
//! All submissions named in one call form one commit: if any of them has a finding,
//! none is taken in and the dataset is left exactly as it was. A submission whose
//! content equals the current one for its project and half-year changes nothing; a
//! different one replaces it, and the old files move to the history area.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::Result;
use crate::ingest::{self, Finding, Location, Submission};
use crate::period::HalfYear;
use crate::pseudonymise::PseudonymKey;
use crate::schema::Schema;
use crate::store::{Dataset, ManifestEntry, Staging, now_rfc3339};
use crate::underlag::{self, Refreshed};
use crate::validate::{CountingSink, Rules, SubmissionCheck};

pub struct IngestOptions {
    /// Overrides (or fills in) the project stated in the submission.
    pub projekt: Option<String>,
    /// Overrides (or fills in) the half-year stated in the submission.
    pub halvar: Option<HalfYear>,
    /// Validate only; write nothing.
    pub dry_run: bool,
    pub show_progress: bool,
    /// Dates after this day are rejected as implausible.
    pub today: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Taken in; no earlier submission for this project and half-year.
    New,
    /// Taken in, replacing the earlier submission with this id (now in history).
    Replaced(String),
    /// Identical to the current submission: nothing changed.
    Unchanged,
    /// Valid, but not written (`--dry-run`).
    Validated,
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
}

#[derive(Debug)]
pub struct IngestReport {
    pub submissions: Vec<SubmissionReport>,
    /// Every problem found; when not empty, nothing was taken in.
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
    /// The underlag rebuilt after the commit, or why it could not be: the commit stands
    /// either way, and readers compute stale underlag themselves.
    pub underlag: Option<Result<Refreshed, String>>,
}

impl IngestReport {
    pub fn accepted(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn total_rows(&self) -> u64 {
        self.submissions.iter().flat_map(|s| s.rows.values()).sum()
    }
}

/// A submission with its details settled, ready to be read.
struct Resolved {
    submission: Submission,
    projekt: String,
    period: HalfYear,
    version: u32,
}

pub fn ingest(
    schema: &Schema,
    key: &PseudonymKey,
    data: &Path,
    paths: &[PathBuf],
    options: &IngestOptions,
) -> Result<IngestReport> {
    let started = Instant::now();
    let (submissions, mut findings) = ingest::discover(paths, schema);
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

    let dataset = if options.dry_run {
        None
    } else {
        Some(Dataset::open_for_write(data, schema, &key.fingerprint())?)
    };
    let batch = format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
        std::process::id()
    );
    let staging = match &dataset {
        Some(dataset) => Some(dataset.stage(&batch)?),
        None => None,
    };
    let mut reports = Vec::new();
    for (r, checked) in
        resolved
            .iter()
            .zip(check_all(&resolved, schema, key, staging.as_ref(), options))
    {
        let (report, mut found) = checked?;
        findings.append(&mut found);
        reports.push((report, r));
    }

    let (Some(dataset), Some(mut staging)) = (dataset, staging) else {
        let submissions = reports.into_iter().map(|(report, _)| report).collect();
        return Ok(IngestReport {
            submissions,
            findings,
            elapsed: started.elapsed(),
            underlag: None,
        });
    };
    if !findings.is_empty() {
        staging.discard()?;
        dataset.abandon()?;
        let submissions = reports.into_iter().map(|(report, _)| report).collect();
        return Ok(IngestReport {
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
    let elapsed = started.elapsed();
    let underlag = Some(underlag::refresh_blocking(&dataset, schema).map_err(|e| e.to_string()));
    Ok(IngestReport {
        submissions,
        findings,
        elapsed,
        underlag,
    })
}

/// Settles project, half-year and schema version from the submission and the options.
fn resolve(
    submission: Submission,
    schema: &Schema,
    options: &IngestOptions,
) -> Result<Resolved, Finding> {
    let at = Location::file(&submission.origin);
    let meta = &submission.meta;
    let hint = "fyll i bladet Inlämning (eller inlamning.csv)";
    let projekt = match (&options.projekt, &meta.projekt) {
        (Some(flag), Some(stated)) if !flag.eq_ignore_ascii_case(stated) => {
            return Err(Finding::at(
                at,
                format!("--projekt {flag} men inlämningen anger projekt {stated}"),
            ));
        }
        (Some(p), _) | (None, Some(p)) => p.trim().to_uppercase(),
        (None, None) => {
            return Err(Finding::at(
                at,
                format!("inlämningen anger inget projekt: {hint} eller ange --projekt"),
            ));
        }
    };
    if projekt.is_empty()
        || projekt.len() > 40
        || !projekt
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Finding::at(
            at,
            format!(
                "projektets kortnamn {} får bara innehålla A–Z, 0–9, - och _ (högst 40 tecken)",
                crate::personnummer::redact_for_message(&projekt)
            ),
        ));
    }
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

type Checked = Result<(SubmissionReport, Vec<Finding>)>;

/// Checks the submissions on as many threads as there are cores: submissions are
/// independent until the commit. Results come back in the submissions' order.
fn check_all(
    resolved: &[Resolved],
    schema: &Schema,
    key: &PseudonymKey,
    staging: Option<&Staging>,
    options: &IngestOptions,
) -> Vec<Checked> {
    let progress = if options.show_progress {
        MultiProgress::with_draw_target(ProgressDrawTarget::stderr())
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    };
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
                    let checked = check_submission(r, schema, key, staging, options, &progress);
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

/// Reads and checks every table of one submission, writing valid rows to staging.
fn check_submission(
    r: &Resolved,
    schema: &Schema,
    key: &PseudonymKey,
    staging: Option<&Staging>,
    options: &IngestOptions,
    progress: &MultiProgress,
) -> Checked {
    let halvar = r.period.to_string();
    let mut check = SubmissionCheck::new(Rules {
        schema,
        version: r.version,
        projekt: r.projekt.clone(),
        period: r.period,
        today: options.today,
        key,
    });
    let mut rows = BTreeMap::new();
    for table in &schema.tables {
        let mut sink = match staging {
            Some(staging) => Some(staging.sink(table, &r.projekt, &halvar)?),
            None => None,
        };
        let mut counter = CountingSink::default();
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
                    let bar = progress.add(progress_bar(&format!(
                        "{} {} {}",
                        r.projekt, r.period, table.name
                    )));
                    let mut report_progress = |done: u64, total: u64| {
                        bar.set_length(total);
                        bar.set_position(done);
                    };
                    let location = input.location();
                    let target: &mut dyn crate::validate::RowSink = match sink.as_mut() {
                        Some(sink) => sink,
                        None => &mut counter,
                    };
                    let count = check.table(
                        table,
                        source.as_mut(),
                        &location,
                        target,
                        &mut report_progress,
                    )?;
                    bar.finish_and_clear();
                    count
                }
            },
        };
        if let Some(sink) = sink {
            sink.finish()?;
        }
        rows.insert(table.name.clone(), count);
    }
    let outcome = check.finish();
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
    };
    Ok((report, outcome.findings))
}

fn progress_bar(label: &str) -> ProgressBar {
    let bar = ProgressBar::no_length();
    bar.set_style(
        ProgressStyle::with_template("{prefix:>32} [{bar:30}] {percent:>3}%")
            .expect("template is valid")
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar
}
