//! Access tokens for `finsam serve`: one bearer token per project.
//!
//! `DATA/_tokens.json` holds, per token, its id, project and the SHA-256 of the token;
//! the token itself is shown once, when it is made, and kept nowhere. A token is 256
//! random bits, so a plain hash suffices (nothing to guess, no dictionary to try).
//! Presented tokens are compared with every stored hash in constant time.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::failure::Kind;
use crate::pseudonymise::encode_hex;
use crate::registry::{Project, RegistryError};
use crate::store::{StoreError, now_rfc3339};

pub const TOKENS_FILE: &str = "_tokens.json";
const PREFIX: &str = "finsam_";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Public: names the token in lists and revocation; part of the token itself.
    pub id: String,
    pub projekt: String,
    /// SHA-256 of the whole token, hex.
    pub sha256: String,
    pub skapad: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aterkallad: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("projektets kortnamn {0:?} {rule}", rule = crate::registry::PROJECT_NAME_RULE)]
    Projekt(String),
    #[error("det finns ingen token med id {0}: finsam token list visar dem")]
    Unknown(String),
    #[error("slumpkällan gick inte att läsa: {0}")]
    Random(String),
}

impl TokenError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            TokenError::Store(e) => e.kind(),
            TokenError::Registry(e) => e.kind(),
            TokenError::Projekt(_) | TokenError::Unknown(_) => Kind::InvalidInput,
            TokenError::Random(_) => Kind::Internal,
        }
    }
}

/// The tokens of the dataset at `data`.
pub struct Tokens {
    path: PathBuf,
}

/// Who a presented token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub token_id: String,
    pub projekt: String,
}

impl Tokens {
    pub fn at(data: &Path) -> Tokens {
        Tokens {
            path: data.join(TOKENS_FILE),
        }
    }

    pub fn list(&self) -> Result<Vec<TokenRecord>, StoreError> {
        Ok(crate::store::read_json(&self.path)?.unwrap_or_default())
    }

    fn save(&self, records: &[TokenRecord]) -> Result<(), StoreError> {
        crate::store::write_json(&self.path, records)
    }

    /// Makes a token for a project; returns the token (shown once) and its record.
    /// The project must be in the registry: a token for a mistyped project would open
    /// none. `new_project` registers an unknown one, as does the first token of a
    /// dataset without projects.
    pub fn create(
        &self,
        projekt: &str,
        new_project: bool,
    ) -> Result<(String, TokenRecord), TokenError> {
        let projekt = crate::registry::project_name(projekt).ok_or_else(|| {
            TokenError::Projekt(
                crate::personnummer::redact_for_message(projekt.trim()).into_owned(),
            )
        })?;
        if let Some(data) = self.path.parent() {
            crate::registry::change(data, |registry| {
                if registry.get(&projekt).is_some() {
                    return Ok(());
                }
                if registry.is_empty() || new_project {
                    return registry.add(Project {
                        kortnamn: projekt.clone(),
                        ..Project::default()
                    });
                }
                registry.check_known(&projekt).map(|_| ())
            })?;
        }
        let mut random = [0u8; 36];
        getrandom::fill(&mut random).map_err(|e| TokenError::Random(e.to_string()))?;
        let id = encode_hex(&random[..4]);
        let token = format!("{PREFIX}{id}_{}", encode_hex(&random[4..]));
        let record = TokenRecord {
            id,
            projekt,
            sha256: hash(&token),
            skapad: now_rfc3339(),
            aterkallad: None,
        };
        let mut records = self.list()?;
        records.push(record.clone());
        self.save(&records)?;
        Ok((token, record))
    }

    /// Revokes a token: it is refused from the next request on.
    pub fn revoke(&self, id: &str) -> Result<TokenRecord, TokenError> {
        let mut records = self.list()?;
        let record = records
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| TokenError::Unknown(id.to_string()))?;
        if record.aterkallad.is_none() {
            record.aterkallad = Some(now_rfc3339());
        }
        let revoked = record.clone();
        self.save(&records)?;
        Ok(revoked)
    }

    /// The holder of a presented token, when it is one of ours and not revoked. Every
    /// stored hash is compared, in constant time, whatever matches.
    pub fn authenticate(&self, presented: &str) -> Result<Option<Holder>, StoreError> {
        let presented = hash(presented.trim());
        let mut found = None;
        for record in self.list()? {
            let matches: bool = presented.as_bytes().ct_eq(record.sha256.as_bytes()).into();
            if matches && record.aterkallad.is_none() {
                found = Some(Holder {
                    token_id: record.id,
                    projekt: record.projekt,
                });
            }
        }
        Ok(found)
    }
}

fn hash(token: &str) -> String {
    encode_hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_for_its_project_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = Tokens::at(dir.path());
        // The first token registers its project; another needs registering.
        let (token, record) = tokens.create("sigma", false).unwrap();
        let refused = tokens.create("SIGNA", false).unwrap_err().to_string();
        assert!(refused.contains("menade du SIGMA?"), "{refused}");
        let (other, _) = tokens.create("NOVA", true).unwrap();
        assert!(token.starts_with("finsam_") && token.len() == 7 + 8 + 1 + 64);
        assert_eq!(record.projekt, "SIGMA");
        let holder = tokens.authenticate(&token).unwrap().unwrap();
        assert_eq!(holder.projekt, "SIGMA");
        assert_eq!(
            tokens.authenticate(&other).unwrap().unwrap().projekt,
            "NOVA"
        );
        assert_eq!(tokens.authenticate("finsam_00000000_00").unwrap(), None);
        let stored = std::fs::read_to_string(dir.path().join(TOKENS_FILE)).unwrap();
        assert!(
            !stored.contains(&token[16..]),
            "the token itself is not stored"
        );
        tokens.revoke(&record.id).unwrap();
        assert_eq!(tokens.authenticate(&token).unwrap(), None);
        assert!(tokens.authenticate(&other).unwrap().is_some());
        assert!(matches!(tokens.revoke("nope"), Err(TokenError::Unknown(_))));
        assert!(matches!(
            tokens.create("a b", true),
            Err(TokenError::Projekt(_))
        ));
    }
}
