//! No personnummer, in any of its written forms, reaches the dataset or any output.

use crate::workdir::{TABLES, Workdir, fixture};

/// The fixture's numbers (personnummer and one samordningsnummer) as 12 digits.
const NUMBERS: [&str; 6] = [
    "198503121231",
    "199207042244",
    "196701013457",
    "198811144461",
    "200102235678",
    "197503751187",
];

/// Every way a number can be written, plus the bare date+serial core.
fn written_forms(number: &str) -> Vec<String> {
    let (century, short) = number.split_at(2);
    let _ = century;
    vec![
        number.to_string(),
        format!("{}-{}", &number[..8], &number[8..]),
        short.to_string(),
        format!("{}-{}", &short[..6], &short[6..]),
        format!("{}+{}", &short[..6], &short[6..]),
        short[..9].to_string(),
    ]
}

#[track_caller]
pub fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for number in NUMBERS {
        for form in written_forms(number) {
            assert!(!text.contains(&form), "{what} contains {form}");
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "{what} contains {form}"
            );
        }
    }
    assert!(
        !text.contains("SIG-017"),
        "{what} contains a project-local code"
    );
}

#[test]
fn no_personnummer_in_the_dataset_or_any_output() {
    let wd = Workdir::new();
    let mut outputs = Vec::new();
    let run = wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()]);
    run.ok();
    outputs.push(("ingest", run.stdout.clone() + &run.stderr));
    // A replacement, so the history area and a second manifest line exist too.
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    let moten = std::fs::read_to_string(dir.join("moten.csv"))
        .unwrap()
        .replace(";nej;Sjukdom", ";ja;");
    wd.write("in/moten.csv", moten);
    let run = wd.finsam(&["ingest", "in"]);
    run.ok();
    outputs.push(("ingest again", run.stdout.clone() + &run.stderr));
    // A rejected submission's messages.
    let broken = std::fs::read_to_string(dir.join("deltagare.csv"))
        .unwrap()
        .replace("881114-4461", "881114-4462");
    wd.write("in/deltagare.csv", broken);
    let run = wd.finsam(&["ingest", "in"]);
    assert_eq!(run.code, 1);
    outputs.push(("rejected ingest", run.stdout.clone() + &run.stderr));
    outputs.push(("status", wd.finsam(&["status"]).ok().to_string()));
    // A person shown and erased: what is said, and the erasure log.
    for (what, args) in [
        ("person visa", vec!["person", "visa"]),
        ("person radera", vec!["person", "radera", "--ja"]),
    ] {
        let run = wd.finsam_with_input(&args, "199207042244\n");
        outputs.push((what, run.ok().to_string() + &run.stderr));
    }
    // A backup, scanned below.
    let backup = wd.finsam(&["backup", "--till", "backup"]);
    outputs.push(("backup", backup.ok().to_string()));
    for table in TABLES {
        for format in ["table", "csv", "json"] {
            let run = wd.finsam(&["sql", &format!("SELECT * FROM {table}"), "--format", format]);
            outputs.push(("sql", run.ok().to_string()));
        }
    }
    for (what, text) in &outputs {
        assert_clean(what, text.as_bytes());
    }
    let files = wd.snapshot("data");
    for area in ["_historik", "_radering"] {
        assert!(
            files.keys().any(|p| p.starts_with(area)),
            "{area} is scanned too"
        );
    }
    for (path, bytes) in files {
        assert_clean(&path.display().to_string(), &bytes);
    }
    let backups = wd.snapshot("backup");
    assert!(backups.keys().any(|p| p.ends_with("finsam-backup.json")));
    for (path, bytes) in backups {
        assert_clean(&format!("backup/{}", path.display()), &bytes);
    }
}

/// Bad input that carries a personnummer where no personnummer belongs: as the project's
/// name, a column header, a number out of range, the half-year, the schema version, a
/// mismatched project, a birth year, a sheet name; and mistyped (a wrong check digit).
/// Each is refused, nothing is stored, and no message or `fel.csv` repeats the number.
#[test]
fn no_personnummer_in_what_bad_input_is_told() {
    const MISTYPED: &str = "850312-1232";
    let wd = Workdir::new();
    let edits: [(&str, &str, &str, &str); 9] = [
        (
            "projekt",
            "inlamning.csv",
            "Projekt;SIGMA",
            "Projekt;850312-1231",
        ),
        (
            "projekt, 12 siffror",
            "inlamning.csv",
            "Projekt;SIGMA",
            "Projekt;198503121231",
        ),
        (
            "rubrik",
            "deltagare.csv",
            "Status efter avslut\n",
            "Status efter avslut;850312-1231\n",
        ),
        (
            "omfattning",
            "forsorjning.csv",
            "2008-01;Sjukpenning;100",
            "2008-01;Sjukpenning;8503121231",
        ),
        (
            "halvår",
            "inlamning.csv",
            "Halvår;2008H1",
            "Halvår;850312-1231",
        ),
        (
            "schemaversion",
            "inlamning.csv",
            "Schemaversion;1",
            "Schemaversion;850312-1231",
        ),
        (
            "projekt i en rad",
            "deltagare.csv",
            "198503121231;SIGMA;",
            "198503121231;850312-1231;",
        ),
        (
            "födelseår",
            "deltagare.csv",
            "198503121231;SIGMA;;;",
            "198503121231;SIGMA;;198503121231;",
        ),
        (
            "felskrivet",
            "deltagare.csv",
            "198503121231;SIGMA;",
            &format!("{MISTYPED};SIGMA;"),
        ),
    ];
    for (what, file, from, to) in edits {
        let dir = wd.copy_fixture("sigma_2008H1", what);
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.contains(from), "{what}: {from:?} is in {file}");
        wd.write(&format!("{what}/{file}"), text.replacen(from, to, 1));
        let report = wd.path(&format!("fel-{what}.csv"));
        let run = wd.finsam(&["ingest", what, "--rapport", report.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{what}: {}", run.stderr);
        let told = run.stdout.clone() + &run.stderr + &std::fs::read_to_string(&report).unwrap();
        assert_clean(what, told.as_bytes());
        assert!(!told.contains(MISTYPED), "{what}: {told}");
        assert!(
            !wd.path("data/dataset.json").exists(),
            "{what}: nothing is stored"
        );
    }
    // A workbook with a sheet named by a personnummer.
    let sheet = crate::workdir::text_workbook(&wd, "blad.xlsx", &[("850312-1231", &[], &[])]);
    let run = wd.finsam(&["ingest", sheet.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_clean("blad", (run.stdout.clone() + &run.stderr).as_bytes());
    // The project name elsewhere: a token, a report.
    let run = wd.finsam(&["token", "create", "--projekt", "850312-1231"]);
    assert_ne!(run.code, 0);
    assert_clean(
        "token create",
        (run.stdout.clone() + &run.stderr).as_bytes(),
    );
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    let run = wd.finsam(&[
        "report",
        "halvar",
        "--projekt",
        "850312-1231",
        "--period",
        "2008H1",
    ]);
    assert_ne!(run.code, 0);
    assert_clean("report", (run.stdout.clone() + &run.stderr).as_bytes());
}
