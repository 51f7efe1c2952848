//! Accounts of the PostgreSQL endpoint (`finsam serve --postgres`), made like tokens.
//!
//! `DATA/_konton.json` holds, per account, its name, its role and the password's SCRAM
//! hash: a random salt and the salted password (PBKDF2-HMAC-SHA256, [`ITERATIONS`]
//! rounds, as PostgreSQL stores it), so the server can check a client's SCRAM-SHA-256
//! proof and the password itself is kept nowhere. The password is made by finsam (144
//! random bits) and shown once, when the account is made.
//!
//! Roles:
//! - `utvarderare`: every table of `finsam sql` (pseudonymised microdata), read-only;
//! - `styrelse`: only what the dashboards publish, disclosure-protected, and the code
//!   lists.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::failure::Kind;
use crate::pseudonymise::encode_hex;
use crate::store::{StoreError, now_rfc3339};

pub const ACCOUNTS_FILE: &str = "_konton.json";
/// PBKDF2 rounds of the stored SCRAM hash: PostgreSQL's default.
pub const ITERATIONS: usize = 4096;

/// What an account may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every table of the dataset (pseudonymised), read-only.
    Utvarderare,
    /// Only the published, disclosure-protected numbers.
    Styrelse,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Utvarderare, Role::Styrelse];

    pub fn name(self) -> &'static str {
        match self {
            Role::Utvarderare => "utvarderare",
            Role::Styrelse => "styrelse",
        }
    }

    pub fn named(name: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == name.trim().to_lowercase().replace('ä', "a"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The user name a client connects with.
    pub namn: String,
    pub roll: Role,
    /// The SCRAM salt, hex.
    pub salt: String,
    /// The salted password (PBKDF2-HMAC-SHA256 of the password and salt), hex.
    pub scram_sha256: String,
    pub skapat: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aterkallat: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "kontonamnet {0:?} går inte: använd 2–40 tecken a–z, 0–9, _ och -, och börja med en bokstav"
    )]
    Name(String),
    #[error("det finns redan ett konto {0}: återkalla det först, eller välj ett annat namn")]
    Taken(String),
    #[error("det finns inget konto {0}: finsam konto lista visar dem")]
    Unknown(String),
    #[error("slumpkällan gick inte att läsa: {0}")]
    Random(String),
}

impl AccountError {
    pub fn kind(&self) -> Kind {
        match self {
            AccountError::Store(e) => e.kind(),
            AccountError::Name(_) | AccountError::Taken(_) | AccountError::Unknown(_) => {
                Kind::InvalidInput
            }
            AccountError::Random(_) => Kind::Internal,
        }
    }
}

/// The accounts of the dataset at `data`.
#[derive(Debug)]
pub struct Accounts {
    path: PathBuf,
}

impl Accounts {
    pub fn at(data: &Path) -> Accounts {
        Accounts {
            path: data.join(ACCOUNTS_FILE),
        }
    }

    pub fn list(&self) -> Result<Vec<Account>, StoreError> {
        Ok(crate::store::read_json(&self.path)?.unwrap_or_default())
    }

    fn save(&self, accounts: &[Account]) -> Result<(), StoreError> {
        crate::store::write_json(&self.path, accounts)
    }

    /// Makes an account; returns its password (shown once) and its record.
    pub fn create(&self, name: &str, role: Role) -> Result<(String, Account), AccountError> {
        let name = name.trim().to_lowercase();
        let valid = (2..=40).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !valid {
            return Err(AccountError::Name(
                crate::personnummer::redact_for_message(&name).into_owned(),
            ));
        }
        let mut accounts = self.list()?;
        if accounts
            .iter()
            .any(|a| a.namn == name && a.aterkallat.is_none())
        {
            return Err(AccountError::Taken(name));
        }
        let mut random = [0u8; 34];
        getrandom::fill(&mut random).map_err(|e| AccountError::Random(e.to_string()))?;
        let (password_bytes, salt) = random.split_at(18);
        let password = encode_hex(password_bytes);
        let salted = datafusion_postgres::pgwire::api::auth::sasl::scram::gen_salted_password(
            &password, salt, ITERATIONS,
        );
        let account = Account {
            namn: name,
            roll: role,
            salt: encode_hex(salt),
            scram_sha256: encode_hex(&salted),
            skapat: now_rfc3339(),
            aterkallat: None,
        };
        accounts.push(account.clone());
        self.save(&accounts)?;
        Ok((password, account))
    }

    /// A name no account has: the role's and four random hex digits.
    pub fn unused_name(&self, role: Role) -> Result<String, AccountError> {
        let taken = self.list()?;
        loop {
            let mut random = [0u8; 2];
            getrandom::fill(&mut random).map_err(|e| AccountError::Random(e.to_string()))?;
            let name = format!("{}-{}", role.name(), encode_hex(&random));
            if !taken.iter().any(|a| a.namn == name) {
                return Ok(name);
            }
        }
    }

    /// Revokes an account: refused from its next connection on.
    pub fn revoke(&self, name: &str) -> Result<Account, AccountError> {
        let mut accounts = self.list()?;
        let name = name.trim().to_lowercase();
        let account = accounts
            .iter_mut()
            .find(|a| a.namn == name && a.aterkallat.is_none())
            .ok_or_else(|| AccountError::Unknown(name.clone()))?;
        account.aterkallat = Some(now_rfc3339());
        let revoked = account.clone();
        self.save(&accounts)?;
        Ok(revoked)
    }

    /// The account a client names, when it exists and is not revoked.
    pub fn find(&self, name: &str) -> Result<Option<Account>, StoreError> {
        Ok(self
            .list()?
            .into_iter()
            .find(|a| a.namn == name && a.aterkallat.is_none()))
    }
}

/// Bytes of a hex text (the stored salt and hash).
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_keeps_only_its_password_hash() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::at(dir.path());
        let (password, account) = accounts.create("Anna", Role::Utvarderare).unwrap();
        assert_eq!(account.namn, "anna");
        assert_eq!(password.len(), 36);
        let stored = std::fs::read_to_string(dir.path().join(ACCOUNTS_FILE)).unwrap();
        assert!(!stored.contains(&password));
        assert!(stored.contains("\"roll\": \"utvarderare\""));
        let salt = decode_hex(&account.salt).unwrap();
        assert_eq!(
            encode_hex(
                &datafusion_postgres::pgwire::api::auth::sasl::scram::gen_salted_password(
                    &password, &salt, ITERATIONS
                )
            ),
            account.scram_sha256
        );
        assert!(matches!(
            accounts.create("anna", Role::Styrelse),
            Err(AccountError::Taken(_))
        ));
        assert!(matches!(
            accounts.create("19121212-1212", Role::Styrelse),
            Err(AccountError::Name(_))
        ));
        accounts.revoke("anna").unwrap();
        assert_eq!(accounts.find("anna").unwrap(), None);
        accounts.create("anna", Role::Styrelse).unwrap();
        assert_eq!(accounts.find("anna").unwrap().unwrap().roll, Role::Styrelse);
        assert_eq!(Role::named("utvärderare"), Some(Role::Utvarderare));
    }
}
