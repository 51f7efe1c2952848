//! Data files compiled into the binary: the schema and the query files.
//!
//! The repository folders stay the source of truth; the copies here let an installed
//! `finsam` run without a checkout. `--schemas` and `--queries` read from disk instead.

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The (relative path, contents) of every bundled file of one folder.
pub fn files(folder: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    BUNDLED_FILES
        .iter()
        .filter(move |(f, _, _)| *f == folder)
        .map(|(_, path, text)| (*path, *text))
}
