//! The library's seams, read from its source: data flows one way through the stages, so
//! no top-level module of `pipeline/src` depends on one that depends back on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::workdir::repo;

/// Each top-level module (a file or a folder of `pipeline/src`) and its `.rs` files,
/// tests left out. The binary's `cli` is no part of the library.
fn modules() -> BTreeMap<String, Vec<String>> {
    let root = repo("pipeline/src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if ["main", "lib", "cli"].contains(&name.as_str()) {
            continue;
        }
        let mut sources = Vec::new();
        collect(&path, &mut sources);
        modules.insert(name, sources);
    }
    modules
}

fn collect(path: &Path, sources: &mut Vec<String>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            collect(&entry.unwrap().path(), sources);
        }
    } else if path.extension().is_some_and(|e| e == "rs")
        && path.file_name().is_some_and(|n| n != "tests.rs")
    {
        let text = std::fs::read_to_string(path).unwrap();
        // Unit tests may use anything; comments and doc links are no dependency.
        // Up to the unit tests' module (a test-only function elsewhere is code like any
        // other).
        let tests_module = [
            "#[cfg(test)]\nmod tests",
            "#[cfg(test)]\npub(crate) mod tests",
        ]
        .iter()
        .filter_map(|start| text.find(start))
        .min()
        .unwrap_or(text.len());
        let code = &text[..tests_module];
        let code: Vec<&str> = code
            .lines()
            .map(|l| l.split("//").next().unwrap())
            .collect();
        sources.push(code.join("\n"));
    }
}

/// The top-level modules `code` names after `crate::`, in paths and in `use` groups.
/// The crate's `Error` and `Result` are the `error` module's.
fn used(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let identifier = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<String> = match rest.strip_prefix('{') {
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                // Only the first name of each path in the group (`a::b, c`).
                group
                    .split(',')
                    .map(|part| identifier(part.trim()))
                    .collect()
            }
            None => vec![identifier(rest)],
        };
        for name in names {
            used.insert(match name.as_str() {
                "Error" | "Result" => "error".to_string(),
                _ => name,
            });
        }
    }
    used
}

#[test]
fn no_module_of_the_library_depends_on_one_that_depends_back_on_it() {
    let modules = modules();
    let depends: BTreeMap<&str, BTreeSet<String>> = modules
        .iter()
        .map(|(name, sources)| {
            let uses = sources
                .iter()
                .flat_map(|code| used(code))
                .filter(|used| used != name && modules.contains_key(used))
                .collect();
            (name.as_str(), uses)
        })
        .collect();
    assert!(
        depends["intake"].contains("store"),
        "the reading sees real uses"
    );
    // A module that reaches itself through others is on a cycle.
    for start in depends.keys() {
        let mut seen = BTreeSet::new();
        let mut path: Vec<(&str, Vec<&str>)> = vec![(start, vec![start])];
        while let Some((module, trail)) = path.pop() {
            for next in &depends[module] {
                let mut trail = trail.clone();
                trail.push(next.as_str());
                assert!(
                    next != start,
                    "a module cycle: {} (each uses the next)",
                    trail.join(" → ")
                );
                if seen.insert(next.as_str()) {
                    path.push((next.as_str(), trail));
                }
            }
        }
    }
}
