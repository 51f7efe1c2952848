//! The Parquet dataset: layout, atomic commits, history and recovery.
//!
//! ```text
//! DATA/dataset.json                         format and key fingerprint
//! DATA/manifest.jsonl                       every submission taken in (append-only)
//! DATA/<tabell>/projekt=P/halvar=H/data.parquet
//! DATA/_historik/projekt=P/halvar=H/<id>/<tabell>.parquet
//! DATA/.staging/<batch>/…                   files of a commit being prepared
//! DATA/.journal.json                        a commit under way
//! ```
//!
//! Invariants: a partition directory holds exactly one file, `data.parquet`, replaced
//! only by `rename(2)`, so a reader sees it whole before or whole after. A commit first
//! writes every new file under `.staging` and syncs the filesystem, then records its
//! plan in the journal (fsynced), then renames and syncs again before the manifest
//! records it; after a crash the next open finishes a journaled commit
//! (roll forward) or deletes an unjournaled staging area (roll back). Nothing is edited
//! in place. Replaced files are hard-linked into `_historik` before the rename.

pub mod jsonl;
mod manifest;
mod writer;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use manifest::{Manifest, ManifestEntry};
pub use writer::{ParquetSink, record_batch, writer_properties};

use crate::failure::Kind;
use crate::schema::{PARTITION_COLUMNS, Schema, TableDef};

const DATASET_FILE: &str = "dataset.json";
pub const MANIFEST_FILE: &str = "manifest.jsonl";
const JOURNAL_FILE: &str = ".journal.json";
const STAGING_DIR: &str = ".staging";
const LOCK_FILE: &str = ".lock";
pub const HISTORY_DIR: &str = "_historik";
pub const PARTITION_FILE: &str = "data.parquet";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: kan inte skriva Parquet: {source}")]
    Parquet {
        path: PathBuf,
        source: datafusion::parquet::errors::ParquetError,
    },
    #[error("{path}: {source}")]
    Arrow {
        path: PathBuf,
        source: datafusion::arrow::error::ArrowError,
    },
    #[error("{path} är skadad: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("{0} är ingen finsam-datamängd (dataset.json saknas): kör finsam ingest först")]
    NotADataset(PathBuf),
    #[error(
        "nyckeln stämmer inte med datamängden i {path}: den skapades med nyckel {expected}, men den här nyckeln är {actual}. Med fel nyckel får samma person olika pseudonymer; använd förbundets nyckelfil"
    )]
    WrongKey {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error(
        "datamängden i {0} används av en annan finsam-process just nu; försök igen när den är klar"
    )]
    Busy(PathBuf),
    #[error(
        "{}: datamängden har format {format}, men den här versionen av finsam läser format 1–{FORMAT}: uppdatera finsam",
        .path.display()
    )]
    NewerFormat { path: PathBuf, format: u32 },
}

impl StoreError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            StoreError::NotADataset(_)
            | StoreError::WrongKey { .. }
            | StoreError::Busy(_)
            | StoreError::NewerFormat { .. } => Kind::InvalidInput,
            StoreError::Io { .. }
            | StoreError::Parquet { .. }
            | StoreError::Arrow { .. }
            | StoreError::Corrupt { .. } => Kind::Internal,
        }
    }
}

impl StoreError {
    pub fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn parquet(path: &Path, source: datafusion::parquet::errors::ParquetError) -> StoreError {
        StoreError::Parquet {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn arrow(path: &Path, source: datafusion::arrow::error::ArrowError) -> StoreError {
        StoreError::Arrow {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The dataset's format. 2: the manifest's and the journal's keys in Swedish, like every
/// other key on disk (format 1 wrote `content_hash`, `rows`, …; read still, and
/// rewritten by the first writer, see [`Dataset::upgrade`]).
const FORMAT: u32 = 2;

#[derive(Debug, Serialize, Deserialize)]
struct DatasetInfo {
    format: u32,
    #[serde(rename = "nyckel", alias = "key_fingerprint")]
    key_fingerprint: String,
    #[serde(rename = "skapad", alias = "created_at")]
    created_at: String,
}

/// An opened dataset directory.
pub struct Dataset {
    root: PathBuf,
    tables: Vec<String>,
    /// Held while the dataset is open for writing.
    _lock: Option<File>,
    /// This process created the folder (so abandoning removes it again).
    created_root: bool,
    /// The key of the writer, recorded in `dataset.json` at the first commit.
    key_fingerprint: Option<String>,
    /// The manifest as last read, with the stamp of the file it was read from.
    manifest_read: std::sync::Mutex<Option<(FileStamp, std::sync::Arc<Manifest>)>>,
}

/// What tells one version of a file from another: a commit renames a new file into
/// place (another inode, and a new change time), and an append changes the length and
/// the times. Taken from the open file (fstat), which a network file system checks
/// against the server, unlike a look-up by name from its attribute cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl FileStamp {
    fn of(metadata: &fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            device: metadata.dev(),
            inode: metadata.ino(),
            len: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }
}

/// One submission of a commit: its manifest entry and the tables staged for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedSubmission {
    #[serde(rename = "manifestrad", alias = "entry")]
    pub entry: ManifestEntry,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    #[serde(rename = "omgang", alias = "batch")]
    batch: String,
    #[serde(rename = "tabeller", alias = "tables")]
    tables: Vec<String>,
    #[serde(rename = "inlamningar", alias = "submissions")]
    submissions: Vec<StagedSubmission>,
}

impl Dataset {
    /// Whether `root` holds a dataset (something has been taken in).
    pub fn exists(root: &Path) -> bool {
        root.join(DATASET_FILE).exists()
    }

    /// The fingerprint of the key a dataset's pseudonyms are made with.
    pub fn key_fingerprint_of(root: &Path) -> Result<String, StoreError> {
        Ok(read_info(&root.join(DATASET_FILE))?.key_fingerprint)
    }

    /// Refuses a key other than the one the dataset at `root` is made with.
    pub fn check_key(root: &Path, key_fingerprint: &str) -> Result<(), StoreError> {
        let expected = Dataset::key_fingerprint_of(root)?;
        if expected != key_fingerprint {
            return Err(StoreError::WrongKey {
                path: root.to_path_buf(),
                expected,
                actual: key_fingerprint.to_string(),
            });
        }
        Ok(())
    }

    /// Opens an existing dataset for reading, finishing an interrupted commit first.
    pub fn open(root: &Path, schema: &Schema) -> Result<Dataset, StoreError> {
        if !root.join(DATASET_FILE).exists() {
            return Err(StoreError::NotADataset(root.to_path_buf()));
        }
        read_info(&root.join(DATASET_FILE))?;
        let dataset = Dataset {
            root: root.to_path_buf(),
            tables: table_names(schema),
            _lock: None,
            created_root: false,
            key_fingerprint: None,
            manifest_read: Default::default(),
        };
        if root.join(JOURNAL_FILE).exists() || root.join(STAGING_DIR).exists() {
            // Recovery writes, so it needs the lock a writer holds. A writer holding it
            // is alive and finishes its own commit; until then the reader sees every
            // partition whole, before or after.
            match Dataset::open_for_write_existing(root, schema) {
                Ok(writer) => drop(writer),
                Err(StoreError::Busy(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(dataset)
    }

    /// Opens a dataset for writing with the given key. A dataset that does not exist
    /// yet is only created by [`Dataset::initialise`] when a commit is made, so a
    /// rejected first submission leaves nothing behind.
    pub fn open_for_write(
        root: &Path,
        schema: &Schema,
        key_fingerprint: &str,
    ) -> Result<Dataset, StoreError> {
        if root.join(DATASET_FILE).exists() {
            Dataset::check_key(root, key_fingerprint)?;
        }
        let created_root = !root.exists();
        fs::create_dir_all(root).map_err(|e| StoreError::io(root, e))?;
        let mut dataset = Dataset::open_for_write_existing(root, schema)?;
        dataset.created_root = created_root;
        dataset.key_fingerprint = Some(key_fingerprint.to_string());
        Ok(dataset)
    }

    /// Writes `dataset.json` and the table folders if this is the first commit.
    pub fn initialise(&self) -> Result<(), StoreError> {
        let info_path = self.root.join(DATASET_FILE);
        if !info_path.exists() {
            let info = DatasetInfo {
                format: FORMAT,
                key_fingerprint: self.key_fingerprint.clone().unwrap_or_default(),
                created_at: now_rfc3339(),
            };
            write_atomic(
                &info_path,
                serde_json::to_string_pretty(&info)
                    .expect("serialises")
                    .as_bytes(),
            )?;
        }
        for table in &self.tables {
            create_dir_synced(&self.table_dir(table))?;
        }
        Ok(())
    }

    /// Gives up a write without a commit; removes the folder if this call created it.
    pub fn abandon(self) -> Result<(), StoreError> {
        let staging = self.root.join(STAGING_DIR);
        if staging.exists()
            && fs::read_dir(&staging)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false)
        {
            fs::remove_dir(&staging).map_err(|e| StoreError::io(&staging, e))?;
        }
        if self.created_root {
            fs::remove_dir_all(&self.root).map_err(|e| StoreError::io(&self.root, e))?;
        }
        Ok(())
    }

    /// Takes the write lock of an existing dataset for maintenance that needs no key
    /// (rebuilding underlag); [`StoreError::Busy`] when another process holds it.
    pub fn lock_existing(root: &Path, schema: &Schema) -> Result<Dataset, StoreError> {
        Dataset::open_for_write_existing(root, schema)
    }

    fn open_for_write_existing(root: &Path, schema: &Schema) -> Result<Dataset, StoreError> {
        let lock = lock_folder(root)?;
        let dataset = Dataset {
            root: root.to_path_buf(),
            tables: table_names(schema),
            _lock: Some(lock),
            created_root: false,
            key_fingerprint: None,
            manifest_read: Default::default(),
        };
        dataset.recover()?;
        dataset.upgrade()?;
        Ok(dataset)
    }

    /// Brings a dataset of an earlier format to today's, under the write lock: the
    /// manifest is written again in today's keys, then `dataset.json` says so. A crash in
    /// between leaves an earlier format number over today's keys, which read the same
    /// and are written again next time. A later format than this finsam knows is refused.
    fn upgrade(&self) -> Result<(), StoreError> {
        let info_path = self.root.join(DATASET_FILE);
        let Some(mut info) = read_json::<DatasetInfo>(&info_path)? else {
            return Ok(());
        };
        check_format(&info_path, &info)?;
        if info.format == FORMAT {
            return Ok(());
        }
        self.manifest()?.rewrite()?;
        info.format = FORMAT;
        write_atomic(
            &info_path,
            serde_json::to_string_pretty(&info)
                .expect("serialises")
                .as_bytes(),
        )
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn table_dir(&self, table: &str) -> PathBuf {
        self.root.join(table)
    }

    /// The manifest as the file says now. A command asks several times (the selection,
    /// the underlag, the engine): it is parsed again only when the file has changed.
    pub fn manifest(&self) -> Result<std::sync::Arc<Manifest>, StoreError> {
        use std::io::Read;
        let path = self.root.join(MANIFEST_FILE);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            // No submission yet.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(std::sync::Arc::new(Manifest::parse(&path, b"")?));
            }
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        // Stamped before reading the same open file: one appended to meanwhile is read
        // again next time.
        let stamp = FileStamp::of(&file.metadata().map_err(|e| StoreError::io(&path, e))?);
        let mut read = self
            .manifest_read
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((read_stamp, manifest)) = read.as_ref()
            && stamp == *read_stamp
        {
            return Ok(manifest.clone());
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| StoreError::io(&path, e))?;
        let manifest = std::sync::Arc::new(Manifest::parse(&path, &bytes)?);
        *read = Some((stamp, manifest.clone()));
        Ok(manifest)
    }

    pub fn partition_file(&self, table: &str, projekt: &str, halvar: &str) -> PathBuf {
        self.table_dir(table)
            .join(partition_path(projekt, halvar))
            .join(PARTITION_FILE)
    }

    /// Starts a commit: a fresh staging area under `.staging/<batch>`.
    pub fn stage(&self, batch: &str) -> Result<Staging, StoreError> {
        let dir = self.root.join(STAGING_DIR).join(batch);
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        Ok(Staging {
            dir,
            batch: batch.to_string(),
            submissions: Vec::new(),
        })
    }

    /// Finishes a journaled commit, or removes an unjournaled staging area.
    fn recover(&self) -> Result<(), StoreError> {
        if let Some(journal) = read_json::<Journal>(&self.root.join(JOURNAL_FILE))? {
            self.apply(&journal)?;
        }
        let staging = self.root.join(STAGING_DIR);
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| StoreError::io(&staging, e))?;
        }
        jsonl::repair(&self.root.join(MANIFEST_FILE))
    }

    /// Carries out a journal. Every step checks whether it is already done, so running
    /// it again after a crash at any point completes the commit exactly once.
    fn apply(&self, journal: &Journal) -> Result<(), StoreError> {
        let staging = self.root.join(STAGING_DIR).join(&journal.batch);
        for submission in &journal.submissions {
            let entry = &submission.entry;
            let partition = partition_path(&entry.projekt, &entry.halvar);
            for table in &journal.tables {
                let staged = staging.join(&partition).join(format!("{table}.parquet"));
                if !staged.exists() {
                    continue;
                }
                let target_dir = self.table_dir(table).join(&partition);
                fs::create_dir_all(&target_dir).map_err(|e| StoreError::io(&target_dir, e))?;
                let target = target_dir.join(PARTITION_FILE);
                if let (Some(old), true) = (&entry.replaces, target.exists()) {
                    let history_dir = self.root.join(HISTORY_DIR).join(&partition).join(old);
                    let history = history_dir.join(format!("{table}.parquet"));
                    if !history.exists() {
                        fs::create_dir_all(&history_dir)
                            .map_err(|e| StoreError::io(&history_dir, e))?;
                        fs::hard_link(&target, &history)
                            .map_err(|e| StoreError::io(&history, e))?;
                    }
                }
                fs::rename(&staged, &target).map_err(|e| StoreError::io(&target, e))?;
                crash_point("rename");
            }
        }
        // The renames and links reach the disk before the manifest says they happened.
        sync_filesystem(&self.root)?;
        crash_point("manifest");
        let mut manifest = Manifest::clone(&*self.manifest()?);
        if !manifest.has_batch(&journal.batch) {
            let entries: Vec<ManifestEntry> = journal
                .submissions
                .iter()
                .map(|s| s.entry.clone())
                .collect();
            manifest.append(&entries)?;
        }
        let journal_path = self.root.join(JOURNAL_FILE);
        fs::remove_file(&journal_path).map_err(|e| StoreError::io(&journal_path, e))?;
        fsync_dir(&self.root)?;
        remove_staged(&staging)
    }
}

/// Removes a commit's staging area, and `.staging` with it when no other is there: a
/// `.staging` left behind would make every reader try to recover.
fn remove_staged(batch: &Path) -> Result<(), StoreError> {
    if batch.exists() {
        fs::remove_dir_all(batch).map_err(|e| StoreError::io(batch, e))?;
    }
    if let Some(staging) = batch.parent() {
        // Not empty (another batch) or gone already: either is fine.
        let _ = fs::remove_dir(staging);
    }
    Ok(())
}

/// New files of a commit, written and fsynced before anything in the dataset changes.
pub struct Staging {
    dir: PathBuf,
    batch: String,
    submissions: Vec<StagedSubmission>,
}

impl Staging {
    /// A Parquet sink for one table of one submission.
    pub fn sink(
        &self,
        table: &TableDef,
        projekt: &str,
        halvar: &str,
    ) -> Result<ParquetSink, StoreError> {
        let dir = self.dir.join(partition_path(projekt, halvar));
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        ParquetSink::create(
            &dir.join(format!("{}.parquet", table.name)),
            table.file_schema(),
        )
    }

    pub fn add(&mut self, entry: ManifestEntry) {
        self.submissions.push(StagedSubmission { entry });
    }

    /// Removes the staged files of one submission (unchanged or rejected).
    pub fn drop_submission(&self, projekt: &str, halvar: &str) -> Result<(), StoreError> {
        let dir = self.dir.join(partition_path(projekt, halvar));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        }
        Ok(())
    }

    /// Removes the whole staging area: the dataset stays exactly as it was.
    pub fn discard(self) -> Result<(), StoreError> {
        remove_staged(&self.dir)
    }

    /// Makes the staged submissions part of the dataset.
    pub fn commit(self, dataset: &Dataset) -> Result<Vec<ManifestEntry>, StoreError> {
        if self.submissions.is_empty() {
            self.discard()?;
            return Ok(Vec::new());
        }
        // Every staged file and folder reaches the disk before the journal points at them.
        sync_filesystem(&self.dir)?;
        crash_point("staged");
        let journal = Journal {
            batch: self.batch.clone(),
            tables: dataset.tables.clone(),
            submissions: self.submissions,
        };
        write_atomic(
            &dataset.root.join(JOURNAL_FILE),
            serde_json::to_string_pretty(&journal)
                .expect("journal serialises")
                .as_bytes(),
        )?;
        crash_point("journal");
        dataset.apply(&journal)?;
        Ok(journal.submissions.into_iter().map(|s| s.entry).collect())
    }
}

/// Takes the lock of a folder that one process at a time may write to (`.lock` in it,
/// held until the file is dropped); [`StoreError::Busy`] when another process has it.
pub fn lock_folder(dir: &Path) -> Result<File, StoreError> {
    let (lock, lock_path) = lock_file(dir)?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(fs::TryLockError::WouldBlock) => Err(StoreError::Busy(dir.to_path_buf())),
        Err(fs::TryLockError::Error(e)) => Err(StoreError::io(&lock_path, e)),
    }
}

/// Like [`lock_folder`], but waits for another process to let go.
pub fn wait_for_folder(dir: &Path) -> Result<File, StoreError> {
    let (lock, lock_path) = lock_file(dir)?;
    lock.lock().map_err(|e| StoreError::io(&lock_path, e))?;
    Ok(lock)
}

fn lock_file(dir: &Path) -> Result<(File, PathBuf), StoreError> {
    let lock_path = dir.join(LOCK_FILE);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::io(&lock_path, e))?;
    Ok((lock, lock_path))
}

/// A JSON file read whole; `None` when there is none yet.
/// Writes `value` as pretty JSON, atomically, making the file's folder if need be: the
/// small records files beside the dataset (tokens, accounts).
pub fn write_json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    }
    let text = serde_json::to_string_pretty(value).expect("records serialise");
    write_atomic(path, text.as_bytes())
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

fn read_info(path: &Path) -> Result<DatasetInfo, StoreError> {
    let info: DatasetInfo = read_json(path)?
        .ok_or_else(|| StoreError::io(path, std::io::ErrorKind::NotFound.into()))?;
    check_format(path, &info)?;
    Ok(info)
}

/// A dataset written by a later finsam may say things this one cannot read.
fn check_format(path: &Path, info: &DatasetInfo) -> Result<(), StoreError> {
    if info.format > FORMAT {
        return Err(StoreError::NewerFormat {
            path: path.to_path_buf(),
            format: info.format,
        });
    }
    Ok(())
}

/// Every file under `dir` and its folders, in a fixed order, leaving out what is
/// hidden (a name starting with `.`: locks, staging areas, temp files); none when
/// `dir` does not exist.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::io(&folder, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| StoreError::io(&folder, e))?.path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `projekt=P/halvar=H`, the hive partition path.
pub fn partition_path(projekt: &str, halvar: &str) -> PathBuf {
    PathBuf::from(format!("{}={projekt}", PARTITION_COLUMNS[0]))
        .join(format!("{}={halvar}", PARTITION_COLUMNS[1]))
}

fn table_names(schema: &Schema) -> Vec<String> {
    schema.tables.iter().map(|t| t.name.clone()).collect()
}

/// For the crash test: `FINSAM_CRASH_AT=<point>` aborts the process at that point.
pub fn crash_point(point: &str) {
    if std::env::var("FINSAM_CRASH_AT").is_ok_and(|p| p == point) {
        std::process::abort();
    }
}

/// A temp file beside `path`, its name unique to this process and this call, so two
/// writers of one file never share a temp file. A leading dot and `.tmp` keep a
/// leftover out of readers' way.
pub fn temp_beside(path: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!(
        ".{}.{}-{n}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    );
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(name),
        _ => PathBuf::from(name),
    }
}

/// Writes `batches` as the Parquet file `path`: temp file, fsync, rename, fsync the
/// folder, so a reader sees the old file or the new.
pub fn write_parquet_atomic(
    path: &Path,
    schema: datafusion::arrow::datatypes::SchemaRef,
    batches: &[datafusion::arrow::array::RecordBatch],
) -> Result<(), StoreError> {
    let temp = temp_beside(path);
    let file = File::create(&temp).map_err(|e| StoreError::io(&temp, e))?;
    let mut writer =
        datafusion::parquet::arrow::ArrowWriter::try_new(file, schema, Some(writer_properties()))
            .map_err(|e| StoreError::parquet(&temp, e))?;
    for batch in batches {
        writer
            .write(batch)
            .map_err(|e| StoreError::parquet(&temp, e))?;
    }
    let file = writer
        .into_inner()
        .map_err(|e| StoreError::parquet(&temp, e))?;
    file.sync_all().map_err(|e| StoreError::io(&temp, e))?;
    fs::rename(&temp, path).map_err(|e| StoreError::io(path, e))?;
    fsync_dir(path.parent().expect("a file has a folder"))
}

/// Writes a file so that it is either absent/old or whole: temp file, fsync, rename, fsync dir.
/// A failed write removes its temp file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp = temp_beside(path);
    let written = File::create(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(StoreError::io(path, e));
    }
    fsync_dir(dir)
}

pub fn fsync_dir(dir: &Path) -> Result<(), StoreError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}

/// Creates a directory and its missing parents, fsyncing each parent that gained an entry.
fn create_dir_synced(dir: &Path) -> Result<(), StoreError> {
    if dir.exists() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir_synced(parent)?;
    }
    fs::create_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    fsync_dir(dir.parent().unwrap_or(Path::new(".")))
}

/// Flushes everything written to the filesystem holding `path` (syncfs(2)): one call
/// where a commit of many submissions would otherwise fsync thousands of files and
/// folders one by one.
fn sync_filesystem(path: &Path) -> Result<(), StoreError> {
    let handle = File::open(path).map_err(|e| StoreError::io(path, e))?;
    rustix::fs::syncfs(&handle).map_err(|e| StoreError::io(path, e.into()))
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(halvar: &str) -> ManifestEntry {
        ManifestEntry {
            id: format!("id{halvar}"),
            content_hash: String::new(),
            projekt: "SIGMA".into(),
            halvar: halvar.into(),
            schema_version: 1,
            ingested_at: String::new(),
            source: String::new(),
            rows: Default::default(),
            replaces: None,
            batch: halvar.into(),
        }
    }

    #[test]
    fn the_manifest_is_read_again_whenever_the_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let schema = Schema::bundled().unwrap();
        let dataset = Dataset::open_for_write(&root, &schema, "nyckel").unwrap();
        dataset.initialise().unwrap();
        let halvar = |dataset: &Dataset| -> Vec<String> {
            let manifest = dataset.manifest().unwrap();
            manifest.entries.iter().map(|e| e.halvar.clone()).collect()
        };
        assert!(halvar(&dataset).is_empty());
        // Appended in place (same file, longer)...
        let mut manifest = Manifest::clone(&*dataset.manifest().unwrap());
        manifest.append(&[entry("2008H1")]).unwrap();
        assert_eq!(halvar(&dataset), ["2008H1"]);
        assert_eq!(halvar(&dataset), ["2008H1"], "read from memory, the same");
        // ...and replaced by a rename (another file of the same length).
        let mut bytes = Vec::new();
        serde_json::to_writer(&mut bytes, &entry("2008H2")).unwrap();
        bytes.push(b'\n');
        write_atomic(&root.join(MANIFEST_FILE), &bytes).unwrap();
        assert_eq!(halvar(&dataset), ["2008H2"]);
    }
}
