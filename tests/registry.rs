//! The project registry: a typo never becomes a project, registration is deliberate,
//! and the registry's fields are tables in SQL.

use crate::workdir::{Workdir, fixture};

/// The SIGMA fixture as a submission of `projekt` for 2008H2, in the folder `dir`.
fn submission_of(wd: &Workdir, dir: &str, projekt: &str) -> String {
    let folder = wd.copy_fixture("sigma_2008H1", dir);
    let details = std::fs::read_to_string(folder.join("inlamning.csv"))
        .unwrap()
        .replace("SIGMA", projekt)
        .replace("2008H1", "2008H2");
    wd.write(&format!("{dir}/inlamning.csv"), details);
    // The project column: the second in deltagare, the first in moten and anonyma_arenden.
    for table in ["deltagare.csv", "moten.csv", "anonyma_arenden.csv"] {
        let path = folder.join(table);
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace(";SIGMA;", &format!(";{projekt};"))
            .replace("\nSIGMA;", &format!("\n{projekt};"));
        std::fs::write(&path, text).unwrap();
    }
    dir.to_string()
}

#[test]
fn a_typo_is_refused_with_the_name_it_is_close_to_and_a_new_project_is_deliberate() {
    let wd = Workdir::new();
    // The first submission of a dataset registers its project.
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    wd.finsam(&[
        "projekt",
        "add",
        "bryggan",
        "--namn",
        "Bryggan",
        "--start",
        "2008-01-01",
        "--kommun",
        "1880",
        "--kommun",
        "1884",
        "--budget",
        "2008=850000",
    ])
    .ok();
    let typo = submission_of(&wd, "brygga", "BRYGGA");
    let before = wd.snapshot("data");
    let stderr = wd.finsam(&["ingest", &typo]).invalid().to_string();
    assert!(
        stderr.contains("projektet BRYGGA finns inte i projektregistret; menade du BRYGGAN?"),
        "{stderr}"
    );
    assert_eq!(before, wd.snapshot("data"), "nothing taken in");
    let token = wd.finsam(&["token", "create", "--projekt", "BRYGGA"]);
    assert!(
        token.invalid().contains("menade du BRYGGAN?"),
        "{}",
        token.stderr
    );

    let right = submission_of(&wd, "bryggan", "BRYGGAN");
    wd.finsam(&["ingest", &right]).ok();
    // A new project, on purpose.
    let nova = submission_of(&wd, "nova", "NOVA");
    wd.finsam(&["ingest", &nova]).invalid();
    wd.finsam(&["ingest", &nova, "--nytt-projekt"]).ok();

    wd.finsam(&["projekt", "end", "BRYGGAN", "--slut", "2011-12-31"])
        .ok();
    // A project registered by its first submission gets its details afterwards.
    wd.finsam(&[
        "projekt",
        "set",
        "sigma",
        "--namn",
        "SIGMA-gruppen",
        "--start",
        "2007-01-01",
    ])
    .ok();
    let list = wd.finsam(&["projekt", "list"]).ok().to_string();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(
        lines[0].starts_with("BRYGGAN")
            && lines[0].contains(
                "Bryggan  2008-01-01 – 2011-12-31  kommuner 1880, 1884  budget 2008: 850000 kr"
            ),
        "{list}"
    );
    assert!(lines[1].starts_with("NOVA  "), "{list}");
    assert!(
        lines[2].starts_with("SIGMA") && lines[2].contains("SIGMA-gruppen  2007-01-01 – ?"),
        "{list}"
    );

    let tables = wd.sql(
        "SELECT p.kortnamn, p.slut, k.kommunkod, b.kronor FROM projekt p \
         JOIN projekt_kommuner k ON k.projekt = p.kortnamn \
         JOIN projekt_budget b ON b.projekt = p.kortnamn ORDER BY k.kommunkod",
    );
    assert_eq!(
        tables,
        "kortnamn,slut,kommunkod,kronor\nBRYGGAN,2011-12-31,1880,850000\nBRYGGAN,2011-12-31,1884,850000\n"
    );
}

#[test]
fn the_registry_is_checked_and_an_inskrivning_outside_the_project_is_a_warning() {
    let wd = Workdir::new();
    let bad = wd.finsam(&[
        "projekt",
        "add",
        "NOVA",
        "--start",
        "2008-01-01",
        "--kommun",
        "9999",
    ]);
    assert!(
        bad.invalid()
            .contains("kommunkoden \"9999\" är ingen kommunkod"),
        "{}",
        bad.stderr
    );
    // SIGMA starts after some of its participants were enrolled (2007-09-03).
    wd.finsam(&["projekt", "add", "SIGMA", "--start", "2008-01-01"])
        .ok();
    let run = wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()]);
    run.ok();
    assert!(
        run.stderr.contains(
            "kolumn Inskriven: Inskriven 2007-09-03 ligger utanför projektet (projektets start 2008-01-01 i projektregistret)"
        ),
        "{}",
        run.stderr
    );
    // A hand edit that breaks the file is named with the file.
    std::fs::write(wd.path("data/projekt.toml"), "[[projekt]]\nkortnamn = 7\n").unwrap();
    let broken = wd.finsam(&["projekt", "list"]);
    assert!(
        broken.invalid().contains("data/projekt.toml är felaktigt"),
        "{}",
        broken.stderr
    );
    // It stops what reads the registry, and nothing else.
    wd.finsam(&[
        "report",
        "halvar",
        "--projekt",
        "SIGMA",
        "--period",
        "2008H1",
    ])
    .ok();
    let query = wd.finsam(&["sql", "SELECT * FROM projekt"]);
    assert!(
        query.invalid().contains("data/projekt.toml är felaktigt")
            && !query.stderr.contains("External error"),
        "{}",
        query.stderr
    );
}

#[test]
fn a_dataset_from_before_the_registry_and_participations_still_loads() {
    // A dataset as finsam wrote it before: no registry, underlag built by other queries.
    let wd = Workdir::examples();
    std::fs::remove_file(wd.path("data/projekt.toml")).unwrap();
    std::fs::write(
        wd.path("data/_underlag/index.json"),
        "{\"format\":1,\"projekt\":{}}",
    )
    .unwrap();
    let list = wd.finsam(&["projekt", "list"]).ok().to_string();
    assert!(
        list.starts_with("KOMPIS") && list.contains("\nSIGMA"),
        "its projects are registered: {list}"
    );
    let report = crate::workdir::report_json(&wd, "SIGMA", "2008H1");
    assert_eq!(
        crate::workdir::figure(&report, 1, "Aktuella personer").0,
        34
    );
    // A later submission of a known project goes in; an unknown one does not.
    wd.finsam(&[
        "ingest",
        crate::workdir::repo("examples/SIGMA_2011H2.xlsx")
            .to_str()
            .unwrap(),
    ])
    .ok();
    let nova = submission_of(&wd, "nova", "NOVA");
    wd.finsam(&["ingest", &nova]).invalid();
}

#[test]
fn a_dataset_of_format_1_is_read_and_its_first_writer_rewrites_it_in_todays_keys() {
    // A dataset as finsam wrote it with the manifest's keys in English (format 1).
    let wd = Workdir::new().ingested(&crate::workdir::fixture("sigma_2008H1"));
    let english = [
        ("\"innehall\"", "\"content_hash\""),
        ("\"schemaversion\"", "\"schema_version\""),
        ("\"inlast\"", "\"ingested_at\""),
        ("\"kalla\"", "\"source\""),
        ("\"rader\"", "\"rows\""),
        ("\"ersatter\"", "\"replaces\""),
        ("\"omgang\"", "\"batch\""),
    ];
    let mut manifest = wd.read("data/manifest.jsonl");
    for (today, before) in english {
        assert!(manifest.contains(today), "{today}: {manifest}");
        manifest = manifest.replace(today, before);
    }
    wd.write("data/manifest.jsonl", &manifest);
    let info = wd
        .read("data/dataset.json")
        .replace("\"format\": 2", "\"format\": 1")
        .replace("\"nyckel\"", "\"key_fingerprint\"")
        .replace("\"skapad\"", "\"created_at\"");
    wd.write("data/dataset.json", &info);
    // Read as it is.
    assert_eq!(
        wd.sql("SELECT projekt, halvar, schemaversion FROM inlamningar"),
        "projekt,halvar,schemaversion\nSIGMA,2008H1,1\n"
    );
    assert_eq!(
        wd.read("data/manifest.jsonl"),
        manifest,
        "a reader writes nothing"
    );
    // The first writer takes it to format 2.
    wd.finsam(&[
        "ingest",
        crate::workdir::fixture("sigma_2008H1").to_str().unwrap(),
    ])
    .ok();
    let info = wd.read("data/dataset.json");
    assert!(
        info.contains("\"format\": 2") && info.contains("\"nyckel\""),
        "{info}"
    );
    let rewritten = wd.read("data/manifest.jsonl");
    assert_eq!(rewritten.lines().count(), manifest.lines().count());
    for (today, before) in english {
        assert!(
            rewritten.contains(today) && !rewritten.contains(before),
            "{rewritten}"
        );
    }
    // A dataset from a later finsam is refused, not misread.
    wd.write(
        "data/dataset.json",
        wd.read("data/dataset.json")
            .replace("\"format\": 2", "\"format\": 3"),
    );
    let refused = wd.finsam(&["status"]);
    assert!(
        refused.invalid().contains("format 3") && refused.stderr.contains("uppdatera finsam"),
        "{}",
        refused.stderr
    );
}
