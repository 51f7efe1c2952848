//! Backups of a dataset folder, taken while `finsam serve` runs, and restoring one.
//!
//! A backup is a folder `finsam-<tid>` beside the others in the backup folder:
//! `data/` (every file of the dataset) and `finsam-backup.json`, the manifest of every
//! file with its size and SHA-256. It is taken under the dataset's write lock, between
//! two commits, so its tables, history, manifest and underlag are of one moment; the
//! server's landing area is copied log first, so every receipt copied has its body. The
//! folder is written under a temporary name and renamed when whole: a backup that
//! exists is complete.
//!
//! Restoring checks every file against the manifest before anything changes, copies
//! the backup beside the dataset (checking again), and then swaps: the dataset as it
//! was is kept under `<data>.fore-aterstallning-<tid>`. It is refused while a server or
//! a writer holds the dataset.
//!
//! The key is never in a backup: it is kept apart from the data, and a backup restored
//! needs the same key.
//!
//! History retention ([`prune_history`]) removes replaced submissions kept in
//! `_historik` that were replaced longer ago than a number of years.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::failure::Kind;
use crate::inbox::INBOX_DIR;
use crate::pseudonymise::encode_hex;
use crate::schema::Schema;
use crate::store::{self, Dataset, StoreError, now_rfc3339};

/// The manifest in every backup folder.
pub const MANIFEST_FILE: &str = "finsam-backup.json";
/// The dataset's files in a backup folder.
const DATA_DIR: &str = "data";
const FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} är ingen datamängd: det finns inget att säkerhetskopiera")]
    NoDataset(PathBuf),
    #[error(
        "{0} är ingen säkerhetskopia från finsam backup ({MANIFEST_FILE} saknas eller går inte att läsa)"
    )]
    NotABackup(PathBuf),
    #[error(
        "säkerhetskopian {path} stämmer inte med sitt manifest: {files}; inget har återställts"
    )]
    Damaged { path: PathBuf, files: String },
    #[error(
        "{0} används (finsam serve eller en inläsning pågår): stoppa servern innan en säkerhetskopia återställs"
    )]
    InUse(PathBuf),
    #[error(
        "{0} kan inte bytas ut genom att döpas om (en monteringspunkt, eller ingen mapp med ett namn): återställ till en mapp i den, t.ex. {0}/data"
    )]
    NotAFolder(PathBuf),
}

impl BackupError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            BackupError::Store(e) => e.kind(),
            BackupError::NoDataset(_)
            | BackupError::NotABackup(_)
            | BackupError::Damaged { .. }
            | BackupError::InUse(_)
            | BackupError::NotAFolder(_) => Kind::InvalidInput,
        }
    }
}

/// The manifest of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// When the backup was taken, RFC 3339 UTC.
    pub skapad: String,
    /// The fingerprint of the key the dataset's pseudonyms are made with: restoring
    /// needs the same key.
    pub nyckel: String,
    pub filer: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// The path under `data/`, with `/`.
    pub sokvag: String,
    pub storlek: u64,
    pub sha256: String,
}

/// A backup made.
#[derive(Debug)]
pub struct Made {
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub elapsed: Duration,
}

/// Backs up the dataset at `data` into a new folder in `to`.
pub fn backup(data: &Path, schema: &Schema, to: &Path) -> Result<Made, BackupError> {
    let started = Instant::now();
    if !Dataset::exists(data) {
        return Err(BackupError::NoDataset(data.to_path_buf()));
    }
    // The write lock, between two commits; taking it finishes a commit a crash left.
    let _writer = loop {
        match Dataset::lock_existing(data, schema) {
            Ok(writer) => break writer,
            Err(StoreError::Busy(_)) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(e.into()),
        }
    };
    fs::create_dir_all(to).map_err(|e| StoreError::io(to, e))?;
    // Two backups in one second get a number after the time.
    let stamp = compact_time();
    let name = (1..)
        .map(|n| match n {
            1 => format!("finsam-{stamp}"),
            n => format!("finsam-{stamp}-{n}"),
        })
        .find(|name| !to.join(name).exists())
        .expect("some number is free");
    let target = to.join(&name);
    let temp = to.join(format!(".{name}.tmp"));
    if temp.exists() {
        fs::remove_dir_all(&temp).map_err(|e| StoreError::io(&temp, e))?;
    }
    let written = write_backup(data, &temp).and_then(|manifest| {
        fs::rename(&temp, &target).map_err(|e| StoreError::io(&target, e))?;
        store::fsync_dir(to)?;
        Ok(manifest)
    });
    let manifest = match written {
        Ok(manifest) => manifest,
        Err(e) => {
            // Nothing half-made is left behind.
            let _ = fs::remove_dir_all(&temp);
            return Err(e.into());
        }
    };
    let bytes = manifest.filer.iter().map(|f| f.storlek).sum();
    Ok(Made {
        path: target,
        files: manifest.filer.len(),
        bytes,
        elapsed: started.elapsed(),
    })
}

/// Copies the dataset at `data` into `temp` with its manifest. The server's receipt log
/// is copied before the landing area is listed: every receipt copied has its body,
/// which was on disk before the receipt was written.
fn write_backup(data: &Path, temp: &Path) -> Result<Manifest, StoreError> {
    let log = Path::new(INBOX_DIR).join("logg.jsonl");
    let mut files = Vec::new();
    let mut copy = |relative: &Path| -> Result<(), StoreError> {
        let entry = copy_hashed(&data.join(relative), &temp.join(DATA_DIR).join(relative))?;
        files.push(FileEntry {
            sokvag: slashed(relative),
            ..entry
        });
        Ok(())
    };
    if data.join(&log).exists() {
        copy(&log)?;
    }
    for relative in dataset_files(data)? {
        if relative != log {
            copy(&relative)?;
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        skapad: now_rfc3339(),
        nyckel: Dataset::key_fingerprint_of(data)?,
        filer: files,
    };
    store::write_json(&temp.join(MANIFEST_FILE), &manifest)?;
    sync_tree(temp)?;
    Ok(manifest)
}

/// Checks every file of the backup at `path` against its manifest.
pub fn verify(path: &Path) -> Result<Manifest, BackupError> {
    let manifest: Manifest = store::read_json(&path.join(MANIFEST_FILE))
        .ok()
        .flatten()
        .ok_or_else(|| BackupError::NotABackup(path.to_path_buf()))?;
    let data = path.join(DATA_DIR);
    let mut wrong = Vec::new();
    // A manifest names files inside the dataset only: a tampered one cannot write elsewhere.
    if let Some(outside) = manifest.filer.iter().find(|f| {
        !Path::new(&f.sokvag)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    }) {
        return Err(BackupError::Damaged {
            path: path.to_path_buf(),
            files: format!("{} pekar utanför datamängden", outside.sokvag),
        });
    }
    for file in &manifest.filer {
        match hash_file(&data.join(&file.sokvag)) {
            Ok((size, hash)) if size == file.storlek && hash == file.sha256 => {}
            Ok(_) => wrong.push(format!("{} är ändrad", file.sokvag)),
            Err(_) => wrong.push(format!("{} saknas", file.sokvag)),
        }
    }
    let listed: std::collections::BTreeSet<&str> =
        manifest.filer.iter().map(|f| f.sokvag.as_str()).collect();
    for extra in dataset_files(&data)? {
        if !listed.contains(slashed(&extra).as_str()) {
            wrong.push(format!("{} finns inte i manifestet", slashed(&extra)));
        }
    }
    if !wrong.is_empty() {
        let shown: Vec<&str> = wrong.iter().take(5).map(String::as_str).collect();
        let more = wrong.len().saturating_sub(5);
        return Err(BackupError::Damaged {
            path: path.to_path_buf(),
            files: if more > 0 {
                format!("{} och {more} till", shown.join(", "))
            } else {
                shown.join(", ")
            },
        });
    }
    Ok(manifest)
}

/// A restore made: the files, and where the dataset that was there is kept.
#[derive(Debug)]
pub struct Restored {
    pub files: usize,
    pub previous: Option<PathBuf>,
    /// Erasures the replaced dataset recorded after the backup was taken: those people
    /// are in the restored dataset again.
    pub erased_since: usize,
}

/// Restores the backup at `from` as the dataset at `data`, once every file is checked.
pub fn restore(from: &Path, data: &Path) -> Result<Restored, BackupError> {
    let manifest = verify(from)?;
    let data = &std::path::absolute(data).map_err(|e| StoreError::io(data, e))?;
    let (Some(parent), Some(name)) = (data.parent(), data.file_name()) else {
        return Err(BackupError::NotAFolder(data.clone()));
    };
    let name = name.to_string_lossy().into_owned();
    // The copy is made beside the dataset and swapped in by renaming, which only works
    // within one file system: a dataset that is a mount point of its own is refused
    // before anything is copied.
    if data.exists() && device(data)? != device(parent)? {
        return Err(BackupError::NotAFolder(data.clone()));
    }
    // Nobody may write to the dataset or receive into it while it is swapped.
    let locks = if data.exists() {
        let busy = |e| match e {
            StoreError::Busy(_) => BackupError::InUse(data.clone()),
            other => other.into(),
        };
        let dataset = store::lock_folder(data).map_err(busy)?;
        let inbox = match data.join(INBOX_DIR).exists() {
            true => Some(store::lock_folder(&data.join(INBOX_DIR)).map_err(busy)?),
            false => None,
        };
        Some((dataset, inbox))
    } else {
        None
    };
    let erased_since = erasures_after(data, &manifest.skapad);
    let stamp = compact_time();
    let incoming = parent.join(format!(".{name}.aterstalls-{stamp}"));
    let copied = copy_backup(from, &manifest, &incoming);
    if let Err(e) = copied {
        let _ = fs::remove_dir_all(&incoming);
        return Err(e);
    }
    let previous = if data.exists() {
        let kept = parent.join(format!("{name}.fore-aterstallning-{stamp}"));
        fs::rename(data, &kept).map_err(|e| StoreError::io(data, e))?;
        Some(kept)
    } else {
        None
    };
    fs::rename(&incoming, data).map_err(|e| StoreError::io(data, e))?;
    store::fsync_dir(parent)?;
    drop(locks);
    Ok(Restored {
        files: manifest.filer.len(),
        previous,
        erased_since,
    })
}

/// Copies the backup's files into `incoming`, checking each again as it is copied.
fn copy_backup(from: &Path, manifest: &Manifest, incoming: &Path) -> Result<(), BackupError> {
    for file in &manifest.filer {
        let copied = copy_hashed(
            &from.join(DATA_DIR).join(&file.sokvag),
            &incoming.join(&file.sokvag),
        )?;
        if copied.sha256 != file.sha256 {
            return Err(BackupError::Damaged {
                path: from.to_path_buf(),
                files: format!("{} ändrades under återställningen", file.sokvag),
            });
        }
    }
    fs::create_dir_all(incoming).map_err(|e| StoreError::io(incoming, e))?;
    sync_tree(incoming)?;
    Ok(())
}

/// How many erasures the dataset at `data` records after `time`: people a restored
/// backup from then brings back.
fn erasures_after(data: &Path, time: &str) -> usize {
    crate::store::jsonl::read::<serde_json::Value>(&crate::person::erasure_log(data))
        .map(|lines| {
            lines
                .iter()
                .filter(|line| line["tid"].as_str().is_some_and(|t| t > time))
                .count()
        })
        .unwrap_or(0)
}

#[cfg(unix)]
fn device(path: &Path) -> Result<u64, StoreError> {
    use std::os::unix::fs::MetadataExt;
    Ok(fs::metadata(path)
        .map_err(|e| StoreError::io(path, e))?
        .dev())
}

#[cfg(not(unix))]
fn device(_: &Path) -> Result<u64, StoreError> {
    Ok(0)
}

/// What history retention removed.
#[derive(Debug, Default)]
pub struct Pruned {
    /// Replaced submissions whose kept rows were removed.
    pub submissions: usize,
    pub files: usize,
}

/// Removes every replaced submission that was replaced more than `years` years ago (by
/// the manifest's time of the submission that replaced it): its rows kept in
/// `_historik`, and its body in the server's landing area. Needs the dataset's write lock.
pub fn prune_history(dataset: &Dataset, years: u32) -> Result<Pruned, BackupError> {
    let root = dataset.root();
    let history = root.join(store::HISTORY_DIR);
    let cutoff = chrono::Utc::now()
        .checked_sub_months(chrono::Months::new(years.saturating_mul(12)))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    // The time each replaced submission was replaced: when its replacement came in.
    let mut replaced_at: BTreeMap<String, String> = BTreeMap::new();
    for entry in &dataset.manifest()?.entries {
        if let Some(old) = &entry.replaces {
            replaced_at.insert(old.clone(), entry.ingested_at.clone());
        }
    }
    let mut pruned = Pruned::default();
    let expired = |id: &str| {
        replaced_at
            .get(id)
            .is_some_and(|when| when.as_str() < cutoff.as_str())
    };
    // A received body is named by its content hash, whose first 16 digits are the id.
    for body in store::files_under(&root.join(INBOX_DIR))? {
        let id = body
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.get(..16))
            .unwrap_or_default()
            .to_string();
        let is_body = body
            .extension()
            .is_some_and(|e| e == "json" || e == "arrow");
        if is_body && expired(&id) {
            fs::remove_file(&body).map_err(|e| StoreError::io(&body, e))?;
            pruned.files += 1;
        }
    }
    for projekt in read_dirs(&history).unwrap_or_default() {
        for halvar in read_dirs(&projekt)? {
            for old in read_dirs(&halvar)? {
                let id = old.file_name().map(|n| n.to_string_lossy().into_owned());
                if id.as_deref().is_some_and(expired) {
                    pruned.files += fs::read_dir(&old).map(|d| d.count()).unwrap_or(0);
                    fs::remove_dir_all(&old).map_err(|e| StoreError::io(&old, e))?;
                    pruned.submissions += 1;
                }
            }
            store::fsync_dir(&halvar)?;
        }
    }
    Ok(pruned)
}

fn read_dirs(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| StoreError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// `20261207T071502Z`: a time for a folder's name.
fn compact_time() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every file of the dataset at `root`, relative to it: not its locks, nor a commit's
/// staging area or temp files (a commit under the lock has none).
fn dataset_files(root: &Path) -> Result<Vec<PathBuf>, StoreError> {
    Ok(store::files_under(root)?
        .into_iter()
        .map(|path| path.strip_prefix(root).unwrap_or(&path).to_path_buf())
        .collect())
}

/// Copies `from` to `to` (its folders made), fsynced, and hashes what was copied.
fn copy_hashed(from: &Path, to: &Path) -> Result<FileEntry, StoreError> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    }
    let mut source = File::open(from).map_err(|e| StoreError::io(from, e))?;
    let mut target = File::create(to).map_err(|e| StoreError::io(to, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = source
            .read(&mut buffer)
            .map_err(|e| StoreError::io(from, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        target
            .write_all(&buffer[..n])
            .map_err(|e| StoreError::io(to, e))?;
        size += n as u64;
    }
    // A file only its owner may read (an audit key, the tokens) stays so.
    let permissions = source
        .metadata()
        .map_err(|e| StoreError::io(from, e))?
        .permissions();
    target
        .set_permissions(permissions)
        .map_err(|e| StoreError::io(to, e))?;
    target.sync_all().map_err(|e| StoreError::io(to, e))?;
    Ok(FileEntry {
        sokvag: String::new(),
        storlek: size,
        sha256: encode_hex(&hasher.finalize()),
    })
}

fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher)?;
    Ok((size, encode_hex(&hasher.finalize())))
}

/// Makes every folder of the tree at `root` durable (files are synced as written).
fn sync_tree(root: &Path) -> Result<(), StoreError> {
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).map_err(|e| StoreError::io(&folder, e))? {
            let path = entry.map_err(|e| StoreError::io(&folder, e))?.path();
            if path.is_dir() {
                folders.push(path);
            }
        }
        store::fsync_dir(&folder)?;
    }
    Ok(())
}
