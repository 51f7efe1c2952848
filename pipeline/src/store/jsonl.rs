//! Append-only logs of JSON lines: the manifest and the inbox of `finsam serve`.
//!
//! A line counts once its newline is on disk. Appends write whole lines in one call
//! and fsync before they return; a last line without its newline (cut short by a
//! crash, or being written while a reader looks) is ignored by readers and cut off
//! by [`repair`] before the next append.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{StoreError, fsync_dir};

/// Every complete line of the log, parsed; an absent log is empty.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    parse(path, &bytes)
}

/// Every complete line of `bytes`, the contents of the log at `path`, parsed.
pub fn parse<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<Vec<T>, StoreError> {
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut entries = Vec::new();
    for (number, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let entry = serde_json::from_slice(line).map_err(|e| StoreError::Corrupt {
            path: path.to_path_buf(),
            message: format!("rad {}: {e}", number + 1),
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

/// Appends entries as lines with one write, and fsyncs them (and the folder, when
/// this creates the log).
pub fn append<T: Serialize>(path: &Path, entries: &[T]) -> Result<(), StoreError> {
    let mut text = String::new();
    for entry in entries {
        text.push_str(&serde_json::to_string(entry).expect("log entries serialise"));
        text.push('\n');
    }
    let created = !path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| StoreError::io(path, e))?;
    file.sync_all().map_err(|e| StoreError::io(path, e))?;
    if created {
        fsync_dir(path.parent().unwrap_or(Path::new(".")))?;
    }
    Ok(())
}

/// Cuts a last line that a crash left without its newline, so the next append starts
/// on a line of its own.
pub fn repair(path: &Path) -> Result<(), StoreError> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(());
    };
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let file = File::options()
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    file.set_len(keep as u64)
        .map_err(|e| StoreError::io(path, e))?;
    file.sync_all().map_err(|e| StoreError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_without_its_newline_is_not_yet_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logg.jsonl");
        assert!(read::<u32>(&path).unwrap().is_empty());
        append(&path, &[1u32, 2]).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"3")
            .unwrap();
        assert_eq!(read::<u32>(&path).unwrap(), [1, 2]);
        repair(&path).unwrap();
        append(&path, &[4u32]).unwrap();
        assert_eq!(read::<u32>(&path).unwrap(), [1, 2, 4]);
        std::fs::write(&path, "1\nx\n").unwrap();
        let error = read::<u32>(&path).unwrap_err().to_string();
        assert!(error.contains("rad 2"), "{error}");
    }
}
