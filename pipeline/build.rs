//! Bundles the schema, query and dashboard files into the binary, so `finsam` works outside the repository.
//! The files stay data: `--schemas DIR` (or FINSAM_SCHEMAS) reads them from disk instead.

use std::{env, fs, path::Path};

fn main() {
    // Read at run time, not with env!(): cargo reuses a compiled build script across
    // clones at other paths (a shared CARGO_TARGET_DIR), and a baked-in path would
    // bundle another clone's files, or none.
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo");
    let root = Path::new(&manifest_dir).join("..");
    let mut entries = Vec::new();
    for folder in ["schemas", "queries", "dashboards"] {
        let dir = root.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        collect(&dir, &dir, &mut entries);
    }
    entries.sort();
    let mut out = String::from(
        "/// (folder-relative path, contents) of every bundled data file.\npub const BUNDLED_FILES: &[(&str, &str, &str)] = &[\n",
    );
    for (folder, relative, absolute) in &entries {
        out.push_str(&format!(
            "    ({folder:?}, {relative:?}, include_str!({absolute:?})),\n"
        ));
    }
    out.push_str("];\n");
    let target =
        Path::new(&env::var("OUT_DIR").expect("OUT_DIR is set by cargo")).join("bundled.rs");
    fs::write(target, out).expect("write bundled.rs");
}

fn collect(base: &Path, dir: &Path, entries: &mut Vec<(String, String, String)>) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(base, &path, entries);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("toml" | "sql" | "html" | "css" | "csv")
        ) {
            let folder = base.file_name().unwrap().to_string_lossy().into_owned();
            let relative = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let absolute = path.canonicalize().unwrap().to_string_lossy().into_owned();
            entries.push((folder, relative, absolute));
        }
    }
}
