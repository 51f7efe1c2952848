//! The förbund's key file, of either kind: an HMAC key
//! ([`crate::pseudonymise::PseudonymKey`]) or an OPRF key that stays on the server
//! ([`crate::oprf::OprfKey`]), told apart by the key line.

use std::path::Path;

use crate::oprf::{HEADER as OPRF_HEADER, OprfKey};
use crate::pseudonymise::{
    KeyError, PseudonymKey, Pseudonymiser, decode_hex32, key_line, write_key_file,
};

/// The förbund's key of either kind, as its file holds it.
pub enum Key {
    Hmac(PseudonymKey),
    Oprf(OprfKey),
}

impl Key {
    /// The key in `path`: an HMAC key (`finsam keygen`) or an OPRF key (`finsam keygen
    /// --oprf`), told apart by the key line.
    pub fn from_file(path: &Path) -> Result<Key, KeyError> {
        let line = key_line(path)?;
        if let Some(key) = OprfKey::from_line(&line) {
            return Ok(Key::Oprf(key));
        }
        let bytes = decode_hex32(&line).ok_or_else(|| KeyError::Malformed {
            path: path.to_owned(),
            reason: "nyckelraden ska vara 64 hexadecimala tecken (HMAC), eller oprf-ristretto255: och 128 (OPRF)",
        })?;
        Ok(Key::Hmac(PseudonymKey::from_bytes(bytes)))
    }

    /// A new key of the kind asked for in a new file (mode 0600, never overwritten).
    pub fn write_new(path: &Path, oblivious: bool) -> Result<Key, KeyError> {
        if !oblivious {
            return Ok(Key::Hmac(PseudonymKey::write_new(path)?));
        }
        let key = OprfKey::generate()?;
        write_key_file(path, &format!("{OPRF_HEADER}\n{}\n", key.to_line()))?;
        Ok(Key::Oprf(key))
    }

    /// The OPRF key, when the förbund's key is one.
    pub fn oblivious(&self) -> Option<&OprfKey> {
        match self {
            Key::Oprf(key) => Some(key),
            Key::Hmac(_) => None,
        }
    }
}

impl Pseudonymiser for Key {
    fn fingerprint(&self) -> String {
        match self {
            Key::Hmac(key) => key.fingerprint(),
            Key::Oprf(key) => key.fingerprint(),
        }
    }

    fn pseudonym(&self, input: &[u8]) -> String {
        match self {
            Key::Hmac(key) => key.pseudonym(input),
            Key::Oprf(key) => key.pseudonym(input),
        }
    }
}
