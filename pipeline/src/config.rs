//! `finsam.toml`: the settings of a förbund's installation in one file (`--config FIL`
//! or `FINSAM_CONFIG`). A flag on the command line overrides the file, and so does an
//! environment variable the flag reads (`FINSAM_DATA`, `FINSAM_KEY_FILE`, …). The file
//! holds paths, addresses and limits, never a secret: the key, tokens and passwords
//! stay in their own files, which the settings point to.
//!
//! ```toml
//! data = "/srv/finsam/data"
//! nyckel = "/etc/finsam/oprf-nyckel"
//!
//! [serve]
//! addr = "127.0.0.1:8080"
//! oprf_per_timme = 20000
//!
//! [backup]
//! till = "/srv/finsam/backup"
//! historik_ar = 5
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::failure::Kind;

/// The environment variable naming the settings file.
pub const CONFIG_ENV: &str = "FINSAM_CONFIG";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("inställningsfilen {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}, rad {line}: {message}", .path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl ConfigError {
    pub fn kind(&self) -> Kind {
        Kind::InvalidInput
    }
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The dataset's folder (`--data`).
    pub data: Option<PathBuf>,
    /// The key file (`--key`): an HMAC or OPRF key.
    pub nyckel: Option<PathBuf>,
    /// A schema folder instead of the bundled one (`--schemas`).
    pub schemas: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub serve: Serve,
    #[serde(default, skip_serializing_if = "is_default")]
    pub backup: Backup,
}

/// `finsam serve`'s flags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Serve {
    pub addr: Option<String>,
    pub max_inlamning: Option<u64>,
    pub tidsgrans: Option<u64>,
    pub samtidiga: Option<u64>,
    pub oprf_per_timme: Option<u64>,
    pub postgres: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_nyckel: Option<PathBuf>,
    pub dashboards: Option<PathBuf>,
    pub queries: Option<PathBuf>,
}

/// `finsam backup`'s and `finsam gallra`'s flags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    pub till: Option<PathBuf>,
    pub historik_ar: Option<u64>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// One setting as a flag would give it.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The flag, e.g. `--data`.
    pub flag: &'static str,
    /// The environment variable the flag also reads, if any.
    pub env: Option<&'static str>,
    /// The subcommands that take it; empty: every one.
    pub commands: &'static [&'static str],
    pub value: String,
}

impl Config {
    /// Reads and checks the file at `path`: an unknown key is an error naming its line.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|error| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: error.span().map_or(1, |span| {
                text[..span.start.min(text.len())].matches('\n').count() + 1
            }),
            message: swedish(error.message()),
        })
    }

    /// Every setting the file gives, as flags.
    pub fn settings(&self) -> Vec<Setting> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        let number = |n: &Option<u64>| n.map(|n| n.to_string());
        let everywhere: &[&str] = &[];
        let serve: &[&str] = &["serve"];
        let candidates = [
            ("--data", Some("FINSAM_DATA"), everywhere, path(&self.data)),
            (
                "--key",
                Some("FINSAM_KEY_FILE"),
                everywhere,
                path(&self.nyckel),
            ),
            (
                "--schemas",
                Some("FINSAM_SCHEMAS"),
                everywhere,
                path(&self.schemas),
            ),
            ("--addr", None, serve, self.serve.addr.clone()),
            (
                "--max-inlamning",
                None,
                serve,
                number(&self.serve.max_inlamning),
            ),
            ("--tidsgrans", None, serve, number(&self.serve.tidsgrans)),
            ("--samtidiga", None, serve, number(&self.serve.samtidiga)),
            (
                "--oprf-per-timme",
                None,
                serve,
                number(&self.serve.oprf_per_timme),
            ),
            ("--postgres", None, serve, self.serve.postgres.clone()),
            ("--tls-cert", None, serve, path(&self.serve.tls_cert)),
            ("--tls-nyckel", None, serve, path(&self.serve.tls_nyckel)),
            (
                "--dashboards",
                Some("FINSAM_DASHBOARDS"),
                serve,
                path(&self.serve.dashboards),
            ),
            ("--queries", None, serve, path(&self.serve.queries)),
            ("--till", None, &["backup"], path(&self.backup.till)),
            (
                "--historik-ar",
                None,
                &["gallra"],
                number(&self.backup.historik_ar),
            ),
        ];
        candidates
            .into_iter()
            .filter_map(|(flag, env, commands, value)| {
                value.map(|value| Setting {
                    flag,
                    env,
                    commands,
                    value,
                })
            })
            .collect()
    }

    /// The command line `args` (without the program) with the file's settings added
    /// where neither a flag nor its environment variable gives them.
    pub fn apply(&self, args: &[String], env: impl Fn(&str) -> bool) -> Vec<String> {
        let command = subcommand(args);
        // After `--` every word is an argument (a file), not a flag.
        let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
        let (flags, rest) = args.split_at(end);
        let mut merged = flags.to_vec();
        for setting in self.settings() {
            let applies = setting.commands.is_empty()
                || command
                    .as_deref()
                    .is_some_and(|c| setting.commands.contains(&c));
            let from_env = setting.env.is_some_and(&env);
            if applies && !given(flags, setting.flag) && !from_env {
                merged.push(format!("{}={}", setting.flag, setting.value));
            }
        }
        merged.extend_from_slice(rest);
        merged
    }
}

/// Whether `flag` is on the command line (`--data DIR` or `--data=DIR`).
pub fn given(args: &[String], flag: &str) -> bool {
    args.iter()
        .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
}

/// The subcommand of a command line: its first word that is neither a flag nor the
/// value of a global flag written apart (`--data DIR serve`).
pub fn subcommand(args: &[String]) -> Option<String> {
    const VALUED: [&str; 4] = ["--data", "--key", "--schemas", "--config"];
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if VALUED.contains(&word.as_str()) {
            words.next();
        } else if !word.starts_with('-') {
            return Some(word.clone());
        }
    }
    None
}

/// The settings file a command line names: `--config FIL`, `--config=FIL`, or else
/// `FINSAM_CONFIG`.
pub fn named_file(args: &[String], env: Option<PathBuf>) -> Option<PathBuf> {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--config" {
            return words.next().map(PathBuf::from);
        }
        if let Some(path) = word.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    env
}

/// toml's English for the errors a person makes in this file.
fn swedish(message: &str) -> String {
    message
        .replace("unknown field", "okänd nyckel")
        .replace(", expected one of", "; möjliga:")
        .replace(", expected", "; väntade")
        .replace("invalid type:", "fel typ:")
        .replace("expected", "väntade")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("finsam.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_file_and_line() {
        let (_dir, path) = written("data = \"d\"\n\n[serve]\nadress = \"0.0.0.0:80\"\n");
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(error.contains("finsam.toml, rad 4"), "{error}");
        assert!(error.contains("okänd nyckel `adress`"), "{error}");
        assert!(error.contains("addr"), "{error}");
    }

    #[test]
    fn flags_and_their_environment_override_the_file() {
        let (_dir, path) = written(
            "data = \"/srv/data\"\nnyckel = \"/etc/nyckel\"\n[serve]\naddr = \"127.0.0.1:9000\"\noprf_per_timme = 5\n[backup]\ntill = \"/srv/backup\"\n",
        );
        let config = Config::load(&path).unwrap();
        let args: Vec<String> = ["serve", "--addr", "127.0.0.1:1"]
            .map(String::from)
            .to_vec();
        let merged = config.apply(&args, |env| env == "FINSAM_KEY_FILE");
        assert_eq!(
            merged,
            [
                "serve",
                "--addr",
                "127.0.0.1:1",
                "--data=/srv/data",
                "--oprf-per-timme=5"
            ]
        );
        // After `--` come files: the settings go before it.
        let files: Vec<String> = ["ingest", "--", "-konstigt-namn.xlsx"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            config.apply(&files, |_| false),
            [
                "ingest",
                "--data=/srv/data",
                "--key=/etc/nyckel",
                "--",
                "-konstigt-namn.xlsx"
            ]
        );
        // The backup folder is backup's alone.
        let backup = config.apply(&["backup".to_string()], |_| false);
        assert!(
            backup.contains(&"--till=/srv/backup".to_string()),
            "{backup:?}"
        );
        assert!(
            !backup.iter().any(|a| a.starts_with("--addr")),
            "{backup:?}"
        );
    }
}
