//! Integration tests: they run the real `finsam` binary on fixtures in a temp dir.

mod workdir;

mod bad_input;
mod crash;
mod dashboard;
mod examples;
mod ingest;
mod privacy;
mod report;
mod schema_version;
mod sql;
mod underlag;
mod utfall;
