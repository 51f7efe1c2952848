//! Keyed pseudonyms for personnummer and project-local person codes, and the secret key file
//! they depend on: HMAC-SHA256 with a key every sender holds, or (`crate::oprf`) an
//! oblivious PRF whose key stays on the förbund's server. A dataset is made with one key of
//! one kind; its pseudonyms come from that key only ([`Pseudonymiser::fingerprint`]).
//!
//! Invariants: the same key and input always give the same pseudonym, so a person keeps one
//! pseudonym across projects and years; without the key a pseudonym cannot be reversed, even though
//! there are only a few hundred million possible numbers. The key never appears in `Debug` output
//! or error messages; the dataset stores only its [`PseudonymKey::fingerprint`]. Key files are
//! created with mode 0600 and never overwritten, and a key file readable by others is refused.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::failure::Kind;
use crate::personnummer::PersonNumber;

/// Environment variable naming the key file.
/// Whether `text` has the form of a pseudonym: 32 lower-case hexadecimal digits.
pub fn is_pseudonym(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub const KEY_FILE_ENV: &str = "FINSAM_KEY_FILE";

const KEY_LEN: usize = 32;
const HEADER: &str = concat!(
    "# finsam pseudonymiseringsnyckel – förvara utanför datamängden, ",
    "förlorad nyckel = förlorad koppling mellan inlämningar"
);

/// Why a key could not be created or loaded. Messages name the file, never the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    // getrandom's Error implements std::error::Error only with its "std" feature, so it is shown
    // in the message instead of being chained as a source.
    #[error("kunde inte hämta slumptal från operativsystemet för en ny nyckel: {0}")]
    Random(getrandom::Error),
    #[error("nyckelfilen {} finns redan; en befintlig nyckel skrivs aldrig över", .path.display())]
    AlreadyExists { path: PathBuf },
    #[error("kunde inte skriva nyckelfilen {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("nyckelfilen {} finns inte", .path.display())]
    Missing { path: PathBuf },
    #[error("kunde inte läsa nyckelfilen {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("nyckelfilen {} har fel format: {reason}", .path.display())]
    Malformed { path: PathBuf, reason: &'static str },
    #[error(
        "nyckelfilen {path} kan läsas av andra än ägaren (rättigheter {mode:03o}); \
         kör `chmod 600 {path}`",
        path = .path.display()
    )]
    TooOpen { path: PathBuf, mode: u32 },
}

impl KeyError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            KeyError::AlreadyExists { .. }
            | KeyError::Missing { .. }
            | KeyError::Read { .. }
            | KeyError::Malformed { .. }
            | KeyError::TooOpen { .. } => Kind::InvalidInput,
            KeyError::Random(_) | KeyError::Write { .. } => Kind::Internal,
        }
    }
}

/// The 32-byte secret behind every pseudonym.
/// Makes pseudonyms: a key, or pseudonyms a key's holder made for a submission.
pub trait Pseudonymiser: Send + Sync {
    /// Names the key (16 hex digits). The dataset stores it, so that pseudonyms of two
    /// keys are never mixed.
    fn fingerprint(&self) -> String;

    /// The pseudonym (32 hex digits) of one input, as [`person_input`] and
    /// [`local_input`] make them.
    fn pseudonym(&self, input: &[u8]) -> String;

    fn person_pseudonym(&self, number: &PersonNumber) -> String {
        self.pseudonym(&person_input(number))
    }

    fn local_pseudonym(&self, project: &str, code: &str) -> String {
        self.pseudonym(&local_input(project, code))
    }
}

/// What is keyed for a personnummer: its canonical twelve digits, in a namespace of
/// their own.
pub fn person_input(number: &PersonNumber) -> Vec<u8> {
    [b"pnr:".as_slice(), number.canonical().as_bytes()].concat()
}

/// What is keyed for a project's own code: the project and the code, so that the same
/// code in two projects is two people.
pub fn local_input(project: &str, code: &str) -> Vec<u8> {
    [
        b"lokal:".as_slice(),
        project.as_bytes(),
        b":",
        code.as_bytes(),
    ]
    .concat()
}

/// The only key line of a key file (comments aside), read from a file only its owner
/// may read.
pub(crate) fn key_line(path: &Path) -> Result<String, KeyError> {
    let file = File::open(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => KeyError::Missing {
            path: path.to_owned(),
        },
        _ => KeyError::Read {
            path: path.to_owned(),
            source,
        },
    })?;
    let read_error = |source| KeyError::Read {
        path: path.to_owned(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(read_error)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::TooOpen {
                path: path.to_owned(),
                mode,
            });
        }
    }
    // A key file is a few hundred bytes; a limit keeps a wrong path from reading a huge file.
    let mut raw = Vec::new();
    file.take(64 * 1024)
        .read_to_end(&mut raw)
        .map_err(read_error)?;
    let malformed = |reason| KeyError::Malformed {
        path: path.to_owned(),
        reason,
    };
    let text = std::str::from_utf8(&raw).map_err(|_| malformed("filen är inte text"))?;
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return Err(malformed(
            "förväntade exakt en nyckelrad utöver kommentarer",
        ));
    };
    Ok(line.to_string())
}

pub struct PseudonymKey {
    bytes: [u8; KEY_LEN],
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(<hemlig>)")
    }
}

/// Key identifier stored with the dataset to detect a wrong key: 16 hex characters, the
/// first 8 bytes of HMAC-SHA256(key, "finsam:nyckel-id"). A pseudonym: 32 hex characters,
/// the first 16 bytes of HMAC-SHA256(key, input), the input a personnummer's
/// ([`person_input`]: "pnr:" + the twelve canonical digits) or a project code's
/// ([`local_input`]: "lokal:" + project + ":" + code, so two projects' "001" differ).
impl Pseudonymiser for PseudonymKey {
    fn fingerprint(&self) -> String {
        encode_hex(&self.mac(&[b"finsam:nyckel-id"])[..8])
    }

    fn pseudonym(&self, input: &[u8]) -> String {
        encode_hex(&self.mac(&[input])[..16])
    }
}

impl PseudonymKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::fill(&mut bytes).map_err(KeyError::Random)?;
        Ok(Self { bytes })
    }

    /// A key with the given bytes (tests and fixtures).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self { bytes }
    }

    /// Generates a key and writes it to a new file at `path` (mode 0600, flushed to disk together
    /// with its directory entry). Refuses if the file exists; a failed write removes the partial
    /// file, and a crash mid-write leaves a truncated file that [`Self::from_file`] rejects.
    pub fn write_new(path: &Path) -> Result<Self, KeyError> {
        let key = Self::generate()?;
        write_key_file(path, &format!("{HEADER}\n{}\n", encode_hex(&key.bytes)))?;
        Ok(key)
    }

    /// Reads a key file: `#` comment lines and blank lines are ignored, and exactly one line of 64
    /// hex characters must remain. On unix the file must not be readable by group or others.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let line = key_line(path)?;
        let bytes = decode_hex32(&line).ok_or_else(|| KeyError::Malformed {
            path: path.to_owned(),
            reason: "nyckelraden ska bestå av exakt 64 hexadecimala tecken",
        })?;
        Ok(Self { bytes })
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC accepts keys of any length");
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Makes the new directory entry durable; a no-op where directories cannot be opened.
/// Writes a secret (a key, a token) to a new file that only its owner can read (mode
/// 0600), flushed to disk together with its directory entry. Refuses an existing
/// file; a failed write removes the partial file, and a crash mid-write leaves a
/// truncated file that its reader rejects.
/// Writes a new key file (mode 0600, never over an existing one).
pub(crate) fn write_key_file(path: &Path, contents: &str) -> Result<(), KeyError> {
    write_new_private(path, contents.as_bytes()).map_err(|source| match source.kind() {
        io::ErrorKind::AlreadyExists => KeyError::AlreadyExists {
            path: path.to_owned(),
        },
        _ => KeyError::Write {
            path: path.to_owned(),
            source,
        },
    })
}

pub fn write_new_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    drop(file);
    if let Err(source) = written {
        // The file is ours (create_new): a partial secret must not be mistaken for a real one.
        let _ = std::fs::remove_file(path);
        return Err(source);
    }
    sync_parent(path)
}

fn sync_parent(path: &Path) -> io::Result<()> {
    if !cfg!(unix) {
        return Ok(());
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// 64 hex characters (either case) to 32 bytes.
pub(crate) fn decode_hex32(text: &str) -> Option<[u8; KEY_LEN]> {
    decode_hex(text)?.try_into().ok()
}

/// The bytes of an even number of hexadecimal digits.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| char::from(c).to_digit(16).map(|v| v as u8);
    text.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    fn test_key() -> PseudonymKey {
        PseudonymKey::from_bytes(std::array::from_fn(|i| i as u8))
    }

    fn pnr(input: &str) -> PersonNumber {
        let reference = chrono::NaiveDate::from_ymd_opt(2025, 6, 15).unwrap();
        PersonNumber::parse(input, reference).unwrap()
    }

    // Expected values computed independently with Python's hmac/hashlib, key = bytes(range(32)).
    #[test]
    fn known_answers() {
        let key = test_key();
        assert_eq!(key.fingerprint(), "bb00fe0b913e17ae");
        assert_eq!(
            key.person_pseudonym(&pnr("811218-9876")),
            "ffc6443025df4a52c2f57710580d6d82"
        );
        assert_eq!(
            key.local_pseudonym("SIG", "017"),
            "ca608143f0405bbcc9724e87790f3625"
        );
    }

    #[test]
    fn pseudonyms_are_deterministic_and_separated() {
        let (a, b) = (test_key(), test_key());
        let number = pnr("811218-9876");
        assert_eq!(a.person_pseudonym(&number), b.person_pseudonym(&number));
        assert_eq!(
            a.person_pseudonym(&number),
            a.person_pseudonym(&pnr("198112189876"))
        );
        assert_ne!(
            a.local_pseudonym("SIG", "001"),
            a.local_pseudonym("HOG", "001")
        );
        assert_ne!(
            a.local_pseudonym("SIG", "198112189876"),
            a.person_pseudonym(&number)
        );
        let other = PseudonymKey::from_bytes([7; 32]);
        assert_ne!(a.person_pseudonym(&number), other.person_pseudonym(&number));
        assert_ne!(a.fingerprint(), other.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        assert_eq!(format!("{a:?}"), "PseudonymKey(<hemlig>)");
    }

    #[test]
    fn pseudonym_never_contains_the_number() {
        let key = test_key();
        for day in 1..=28 {
            for serial in 0..1000 {
                let nine = format!("7503{day:02}{serial:03}");
                let weighted = nine.bytes().enumerate().map(|(i, b)| {
                    let p = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
                    p / 10 + p % 10
                });
                let check = (10 - weighted.sum::<u32>() % 10) % 10;
                let number = pnr(&format!("{nine}{check}"));
                let pseudonym = key.person_pseudonym(&number);
                assert_eq!(pseudonym.len(), 32);
                assert!(
                    pseudonym
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                );
                assert!(!pseudonym.contains(&number.canonical()[2..]));
                assert!(!pseudonym.contains(&number.canonical()[6..]));
            }
        }
    }

    #[test]
    fn hex_round_trip() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37 + 5) as u8);
        assert_eq!(decode_hex32(&encode_hex(&bytes)), Some(bytes));
        assert_eq!(
            decode_hex32(&encode_hex(&bytes).to_uppercase()),
            Some(bytes)
        );
        assert_eq!(decode_hex32(&"g".repeat(64)), None);
        assert_eq!(decode_hex32("00"), None);
        assert_eq!(decode_hex32(&"é".repeat(32)), None);
    }

    #[cfg(unix)]
    #[test]
    fn write_new_creates_private_file_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nyckel.txt");
        let key = PseudonymKey::write_new(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(HEADER));
        assert_eq!(text.lines().nth(1), Some(encode_hex(&key.bytes).as_str()));

        let err = PseudonymKey::write_new(&path).unwrap_err();
        assert!(matches!(err, KeyError::AlreadyExists { .. }));
        assert!(err.to_string().contains(&path.display().to_string()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

        let loaded = PseudonymKey::from_file(&path).unwrap();
        assert_eq!(loaded.fingerprint(), key.fingerprint());
        assert_eq!(loaded.bytes, key.bytes);
    }

    #[cfg(unix)]
    #[test]
    fn from_file_rejects_open_missing_and_malformed_files() {
        let dir = tempfile::tempdir().unwrap();
        let hex = encode_hex(&test_key().bytes);
        let write = |name: &str, contents: &str, mode: u32| {
            let path = dir.path().join(name);
            std::fs::write(&path, contents).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            path
        };

        let open = write("open", &format!("{hex}\n"), 0o644);
        let err = PseudonymKey::from_file(&open).unwrap_err();
        assert!(matches!(err, KeyError::TooOpen { mode: 0o644, .. }));
        assert!(
            err.to_string()
                .contains(&format!("chmod 600 {}", open.display()))
        );

        let ok = write("ok", &format!("# kommentar\n\n  {hex}  \n# slut\n"), 0o600);
        assert_eq!(
            PseudonymKey::from_file(&ok).unwrap().bytes,
            test_key().bytes
        );

        let malformed = [
            ("empty", String::new()),
            ("comments", "# bara kommentar\n".to_owned()),
            ("short", format!("{}\n", &hex[..63])),
            ("nonhex", format!("{}x\n", &hex[..63])),
            ("two", format!("{hex}\n{hex}\n")),
        ];
        for (name, contents) in malformed {
            let err = PseudonymKey::from_file(&write(name, &contents, 0o600)).unwrap_err();
            assert!(matches!(err, KeyError::Malformed { .. }), "{name}: {err}");
            assert!(!err.to_string().contains(&hex[..16]), "{name}: {err}");
        }

        let missing = dir.path().join("saknas");
        let err = PseudonymKey::from_file(&missing).unwrap_err();
        assert!(matches!(err, KeyError::Missing { .. }));
        assert!(err.to_string().contains("saknas"));
    }
}
