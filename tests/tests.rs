//! Integration tests: they run the real `finsam` binary on fixtures in a temp dir.

mod served;
mod workdir;

mod backup;
mod bad_input;
mod cli;
mod crash;
mod dashboard;
mod disclosure;
mod drift;
mod examples;
mod fuzz;
mod ingest;
mod kontext;
mod oprf;
mod participations;
mod person;
pub mod privacy;
mod registry;
mod report;
mod schema_version;
mod seams;
mod sql;
mod submit;
mod underlag;
mod utfall;
mod workbench;
