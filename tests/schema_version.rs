//! A submission says which schema version it follows; older versions still load
//! when the schema grows by data changes alone.

use crate::workdir::{Workdir, copy_dir, fixture, repo};

/// The repository's schema (version 2) grown to version 3 by editing data only: an
/// optional column in moten and a new insats code.
fn schema_v3(wd: &Workdir) -> String {
    let dir = wd.path("schemas-v3");
    copy_dir(&repo("schemas"), &dir);
    let edit = |file: &str, from: &str, to: &str| {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit("schema.toml", "version = 2\n", "version = 3\n");
    edit(
        "tabeller/moten.toml",
        "[[columns]]\nname = \"orsak\"",
        "[[columns]]\nname = \"narvarande\"\nlabel = \"Närvarande\"\ntype = \"integer\"\nmin = 0\nsince = 3\ndescription = \"Hur många deltagare som kom.\"\n\n[[columns]]\nname = \"orsak\"",
    );
    edit(
        "kodlistor.toml",
        "  { code = \"sip\", label = \"SIP\"",
        "  { code = \"digitalt_mote\", label = \"Digitalt möte\", since = 3 },\n  { code = \"sip\", label = \"SIP\"",
    );
    dir.to_str().unwrap().to_string()
}

#[test]
fn an_older_submission_loads_under_a_newer_schema() {
    let wd = Workdir::new();
    let schemas = schema_v3(&wd);
    wd.finsam(&[
        "ingest",
        "--schemas",
        &schemas,
        fixture("sigma_2008H1").to_str().unwrap(),
    ])
    .ok();
    let out = wd
        .finsam(&[
            "sql",
            "--schemas",
            &schemas,
            "SELECT count(*) n, count(narvarande) m FROM moten",
            "--format",
            "csv",
        ])
        .ok()
        .to_string();
    assert_eq!(out, "n,m\n4,0\n");
}

#[test]
fn a_newer_submission_uses_the_new_column_and_code() {
    let wd = Workdir::new();
    let schemas = schema_v3(&wd);
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    wd.write(
        "in/inlamning.csv",
        std::fs::read_to_string(dir.join("inlamning.csv"))
            .unwrap()
            .replace("Schemaversion;1", "Schemaversion;3"),
    );
    let moten = std::fs::read_to_string(dir.join("moten.csv"))
        .unwrap()
        .replace("Orsak till inställt", "Orsak till inställt;Närvarande");
    let moten = moten.replacen("Gruppträff;ja;\n", "Gruppträff;ja;;6\n", 1);
    wd.write("in/moten.csv", moten);
    let insatser = std::fs::read_to_string(dir.join("insatser.csv"))
        .unwrap()
        .replace("Flerpartssamtal", "Digitalt möte");
    wd.write("in/insatser.csv", insatser);
    wd.finsam(&["ingest", "--schemas", &schemas, "in"]).ok();
    let out = wd
        .finsam(&[
            "sql",
            "--schemas",
            &schemas,
            "SELECT sum(narvarande) s FROM moten",
            "--format",
            "csv",
        ])
        .ok()
        .to_string();
    assert_eq!(out, "s\n6\n");

    // The same files claiming version 2 may not use what version 3 added.
    wd.write(
        "in/inlamning.csv",
        std::fs::read_to_string(dir.join("inlamning.csv"))
            .unwrap()
            .replace("Schemaversion;3", "Schemaversion;2"),
    );
    let stderr = wd
        .finsam(&["ingest", "--schemas", &schemas, "in", "--dry-run"])
        .invalid()
        .to_string();
    assert!(
        stderr.contains("kolumn Närvarande: kolumnen finns först i schemaversion 3"),
        "{stderr}"
    );
    assert!(stderr.contains("okänd kod \"Digitalt möte\""), "{stderr}");

    wd.write(
        "in/inlamning.csv",
        std::fs::read_to_string(dir.join("inlamning.csv"))
            .unwrap()
            .replace("Schemaversion;2", "Schemaversion;5"),
    );
    let stderr = wd
        .finsam(&["ingest", "--schemas", &schemas, "in", "--dry-run"])
        .invalid()
        .to_string();
    assert!(stderr.contains("okänd schemaversion 5"), "{stderr}");
}

#[test]
fn a_table_added_to_the_schema_is_queryable_before_it_has_data() {
    let wd = Workdir::new();
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    let schemas = schema_v3(&wd);
    let dir = std::path::Path::new(&schemas);
    std::fs::write(
        dir.join("tabeller/studiebesok.toml"),
        "name = \"studiebesok\"\nlabel = \"Studiebesök\"\ndescription = \"Besök på arbetsplatser.\"\n\n\
         [[columns]]\nname = \"datum\"\nlabel = \"Datum\"\ntype = \"date\"\nrequired = true\nsince = 3\ndescription = \"Dag.\"\n",
    )
    .unwrap();
    let head = std::fs::read_to_string(dir.join("schema.toml"))
        .unwrap()
        .replace(
            "  \"anonyma_arenden\",\n",
            "  \"anonyma_arenden\",\n  \"studiebesok\",\n",
        );
    std::fs::write(dir.join("schema.toml"), head).unwrap();
    let out = wd
        .finsam(&[
            "sql",
            "--schemas",
            &schemas,
            "SELECT count(*) n FROM studiebesok",
            "--format",
            "csv",
        ])
        .ok()
        .to_string();
    assert_eq!(out, "n\n0\n");
}
