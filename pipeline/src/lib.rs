//! finsam: follow-up of samordningsförbund projects.
//!
//! Project groups submit participant records (Excel or CSV); finsam validates them
//! against the schema in `schemas/`, replaces every personnummer with a keyed
//! pseudonym, and stores them as a hive-partitioned Parquet dataset that DataFusion
//! SQL (the files in `queries/`) reads. Data flows one way through the stages:
//! `read` (cells from files) → `intake` (which drives `validate` (typed values,
//! findings) and `pseudonymise`, then commits) → `store` (atomic partitions, manifest)
//! → `underlag` (derived per-participation facts, rebuilt per project after each
//! commit) → `query` → `report`, and for readers outside a project `disclosure`, which
//! decides what of it may be published. Every count reaches a reader through `display`,
//! which shows it as that reader may see it. `protocol`, `wire`, `submit`, `inbox` and
//! `serve` carry submissions over HTTP; `failure` says what kind each error is.

pub mod accounts;
pub mod backup;
mod bundled;
pub mod changes;
pub mod config;
pub mod dashboard;
pub mod disclosure;
pub mod display;
pub mod error;
pub mod export;
pub mod failure;
pub mod guard;
pub mod inbox;
pub mod intake;
pub mod keyfile;
pub mod kontext;
pub mod oprf;
pub mod output;
pub mod period;
pub mod person;
pub mod personnummer;
pub mod protocol;
pub mod pseudonymise;
pub mod quality;
pub mod query;
pub mod read;
pub mod registry;
pub mod report;
pub mod schema;
pub mod serve;
pub mod store;
pub mod submit;
pub mod synth;
pub mod template;
pub mod tokens;
pub mod underlag;
pub mod validate;
pub mod wire;
pub mod workbench;

pub use error::{Error, Result};
