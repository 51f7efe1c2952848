use crate::workdir::{TABLES, Workdir, fixture};

#[test]
fn a_csv_submission_becomes_partitioned_parquet() {
    let wd = Workdir::new();
    let out = wd
        .finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok()
        .to_string();
    assert!(out.contains("SIGMA 2008H1  ny"), "{out}");
    assert!(out.contains("33 rader, 0 fel"), "{out}");
    for table in TABLES {
        assert!(
            wd.path(&format!(
                "data/{table}/projekt=SIGMA/halvar=2008H1/data.parquet"
            ))
            .exists(),
            "{table}"
        );
    }
    let counts = wd.sql(
        "SELECT (SELECT count(*) FROM deltagare) d, (SELECT count(*) FROM insatser) i, (SELECT count(*) FROM remisser) r, \
         (SELECT count(*) FROM sjukskrivning) s, (SELECT count(*) FROM lss) l, (SELECT count(*) FROM ersattning) e, \
         (SELECT count(*) FROM forsorjning) f, (SELECT count(*) FROM moten) m, (SELECT count(*) FROM anonyma_arenden) a",
    );
    assert_eq!(counts, "d,i,r,s,l,e,f,m,a\n7,6,3,2,3,1,5,4,2\n");
}

#[test]
fn values_are_typed_derived_and_normalised() {
    let wd = Workdir::new();
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    // Kön and födelseår come from the personnummer when the cells are empty; codes
    // are stored as codes whatever spelling the cell used.
    let rows = wd.sql(
        "SELECT kon, fodelsear, inskriven, avslutad, aktualiserad_av, utbildningsniva, tid_utan_arbete, samtycke, projekt, halvar \
         FROM deltagare ORDER BY inskriven",
    );
    assert_eq!(
        rows,
        "kon,fodelsear,inskriven,avslutad,aktualiserad_av,utbildningsniva,tid_utan_arbete,samtycke,projekt,halvar\n\
         K,1975,2006-10-02,2007-12-20,[fk],gymnasial,2_5_ar,true,SIGMA,2008H1\n\
         M,1985,2007-09-03,,\"[fk, vardcentral]\",gymnasial,1_2_ar,true,SIGMA,2008H1\n\
         K,1992,2008-01-14,2008-05-30,[af],forgymnasial,under_1_ar,true,SIGMA,2008H1\n\
         M,1967,2008-02-01,,[socialtjanst],okand,over_5_ar,true,SIGMA,2008H1\n\
         K,1988,2008-03-03,,[psykiatri],eftergymnasial,,false,SIGMA,2008H1\n\
         K,1990,2008-03-10,2008-03-11,[af],,,true,SIGMA,2008H1\n\
         M,2001,2008-06-16,,[egen_anmalan],forgymnasial,aldrig_arbetat,true,SIGMA,2008H1\n"
    );
    // Räknas defaults from the destination: routine referrals (sjukgymnastik) do not count.
    assert_eq!(
        wd.sql("SELECT till, raknas FROM remisser ORDER BY datum"),
        "till,raknas\npsykiatri,true\nsjukgymnastik,false\naf_rehab,true\n"
    );
    // Months are stored as their first day; decimal commas are read.
    assert_eq!(
        wd.sql("SELECT datum, kalla, omfattning FROM forsorjning ORDER BY datum, kalla"),
        "datum,kalla,omfattning\n2008-01-01,sjukpenning,100.0\n2008-01-14,a_kassa,50.0\n2008-01-14,forsorjningsstod,50.0\n\
         2008-03-01,studier,100.0\n2008-06-01,arbete,\n"
    );
    let pseudonyms = wd.sql("SELECT DISTINCT person FROM deltagare");
    for line in pseudonyms.lines().skip(1) {
        assert_eq!(line.len(), 32, "{line}");
        assert!(line.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
    }
}

#[test]
fn the_same_submission_twice_changes_nothing() {
    let wd = Workdir::new();
    let input = fixture("sigma_2008H1");
    wd.finsam(&["ingest", input.to_str().unwrap()]).ok();
    let before = wd.snapshot("data");
    let out = wd
        .finsam(&["ingest", input.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(out.contains("oförändrad"), "{out}");
    assert_eq!(before, wd.snapshot("data"));
    // An empty staging area would make every reader try to recover.
    assert!(
        !wd.path("data/.staging").exists(),
        "no staging area is left"
    );
}

#[test]
fn a_changed_submission_replaces_the_old_one_which_goes_to_history() {
    let wd = Workdir::new();
    let first = wd.copy_fixture("sigma_2008H1", "in");
    let out = wd
        .finsam(&["ingest", first.to_str().unwrap()])
        .ok()
        .to_string();
    let old_id = out
        .split("id ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let moten = wd.read("in/moten.csv").replace(
        "2008-02-05;Gruppträff;nej;Sjukdom",
        "2008-02-05;Gruppträff;ja;",
    );
    wd.write("in/moten.csv", moten);
    let out = wd
        .finsam(&["ingest", first.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(out.contains(&format!("ersätter {old_id}")), "{out}");
    assert_eq!(
        wd.sql("SELECT count(*) n FROM moten WHERE NOT genomfort"),
        "n\n0\n"
    );
    for table in ["deltagare", "moten"] {
        assert!(
            wd.path(&format!(
                "data/_historik/projekt=SIGMA/halvar=2008H1/{old_id}/{table}.parquet"
            ))
            .exists()
        );
    }
    let manifest = wd.read("data/manifest.jsonl");
    assert_eq!(manifest.lines().count(), 2);
    assert!(
        manifest
            .lines()
            .nth(1)
            .unwrap()
            .contains(&format!("\"ersatter\":\"{old_id}\""))
    );
    assert_eq!(wd.sql("SELECT count(*) n FROM inlamningar"), "n\n1\n");
}

#[test]
fn dry_run_validates_and_writes_nothing() {
    let wd = Workdir::new();
    let out = wd
        .finsam(&[
            "ingest",
            "--dry-run",
            fixture("sigma_2008H1").to_str().unwrap(),
        ])
        .ok()
        .to_string();
    assert!(
        out.contains("godkänd (ej inläst)") && out.contains("Kontrollerat"),
        "{out}"
    );
    assert!(!wd.path("data").exists());
}

#[test]
fn windows_1252_with_comma_delimiter_is_read_with_aao_intact() {
    let wd = Workdir::new();
    let dir = wd.copy_fixture("sigma_2008H1", "latin1");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace(";", ",")
            .replace("\"50,0\"", "50");
        let text = text.replace("FK, VC", "\"FK, VC\"");
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!unmappable);
        std::fs::write(&path, bytes).unwrap();
    }
    assert!(
        std::fs::read(dir.join("deltagare.csv"))
            .unwrap()
            .contains(&0xF6),
        "ö is one byte"
    );
    wd.finsam(&["ingest", dir.to_str().unwrap()]).ok();
    assert_eq!(
        wd.sql("SELECT count(*) n FROM forsorjning WHERE kalla = 'forsorjningsstod'"),
        "n\n1\n"
    );
    assert_eq!(
        wd.sql("SELECT utbildningsniva u FROM deltagare WHERE fodelsear = 1992"),
        "u\nforgymnasial\n"
    );
}

#[test]
fn a_filled_workbook_is_read() {
    let wd = Workdir::new();
    let filled = crate::workdir::fill_workbook(&wd);
    let out = wd
        .finsam(&["ingest", filled.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(out.contains("KOMPIS 2009H2  ny"), "{out}");
    // A real date cell, a date serial and a text date all land as the same kind of date.
    assert_eq!(
        wd.sql("SELECT inskriven, kon, fodelsear FROM deltagare ORDER BY inskriven"),
        "inskriven,kon,fodelsear\n2009-07-01,M,1985\n2009-08-03,M,1967\n2009-09-15,K,1992\n"
    );
    assert_eq!(
        wd.sql("SELECT typ, start FROM insatser"),
        "typ,start\nsarskilt_stod,2009-08-10\n"
    );
}

#[test]
fn csv_templates_round_trip() {
    let wd = Workdir::new();
    wd.finsam(&["template", "--format", "csv", "--out", "mall"])
        .ok();
    let header = wd.read("mall/deltagare.csv");
    assert!(header.starts_with("\u{feff}Personnummer/kod;"), "{header}");
    assert!(wd.path("mall/inlamning.csv").exists());
}

#[test]
fn status_summarises_the_dataset() {
    let wd = Workdir::new();
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    let out = wd.finsam(&["status"]).ok().to_string();
    assert!(out.contains("SIGMA      2008H1"), "{out}");
    assert!(
        out.contains("1 projekt, 1 halvår, 1 aktuella inlämningar (1 inlästa totalt), 33 rader"),
        "{out}"
    );
    assert!(
        out.contains("Underlag (queries/underlag): aktuellt för alla 1 projekt"),
        "{out}"
    );
    std::fs::remove_file(wd.path("data/_underlag/index.json")).unwrap();
    let out = wd.finsam(&["status"]).ok().to_string();
    assert!(
        out.contains("inaktuellt för 1 av 1 projekt (SIGMA)"),
        "{out}"
    );
}

#[test]
fn a_corrected_half_year_shows_what_it_changes_without_a_value() {
    let wd = Workdir::new();
    let submission = fixture("sigma_2008H1");
    wd.finsam(&["ingest", submission.to_str().unwrap()]).ok();
    let dir = wd.copy_fixture("sigma_2008H1", "rattad");
    // One participant's utbildningsnivå corrected and the formats changed (a date
    // written another way is no change); one insats ended; one removed; one added.
    let deltagare = std::fs::read_to_string(dir.join("deltagare.csv"))
        .unwrap()
        .replace(";ja;gymnasial;1–2 år;", ";ja;eftergymnasial;1–2 år;")
        .replace(";2008-01-14;", ";20080114;");
    wd.write("rattad/deltagare.csv", deltagare);
    let insatser = std::fs::read_to_string(dir.join("insatser.csv"))
        .unwrap()
        .replace(
            "6701013457;Särskilt stöd;2008-02-15;",
            "6701013457;Särskilt stöd;2008-02-15;2008-06-01",
        )
        .replace("198503121231;Gemensam bedömning;2007-09-10;\n", "")
        + "920704-2244;SIP;2008-03-01;\n";
    wd.write("rattad/insatser.csv", insatser);
    let before = wd.snapshot("data");
    let out = wd
        .finsam(&["ingest", "rattad", "--visa-andringar"])
        .ok()
        .to_string();
    assert_eq!(before, wd.snapshot("data"), "only compared");
    assert!(
        out.contains(
            "SIGMA 2008H1: jämfört med den inlästa inlämningen\n  deltagare: 0 nya, 1 ändrade, 0 borttagna, 6 oförändrade rader\n  insatser: 1 nya, 1 ändrade, 1 borttagna, 4 oförändrade rader\n"
        ),
        "{out}"
    );
    for number in ["198503121231", "8503121231", "920704", "6701013457"] {
        assert!(!out.contains(number), "{out}");
    }
    let same = wd
        .finsam(&["ingest", submission.to_str().unwrap(), "--visa-andringar"])
        .ok()
        .to_string();
    assert!(
        same.contains("SIGMA 2008H1: samma innehåll som den inlästa inlämningen"),
        "{same}"
    );
}

#[test]
fn the_help_is_in_swedish_headings_and_all() {
    let wd = Workdir::new();
    let help = |args: &[&str]| wd.finsam(args).ok().to_string();
    let root = help(&["--help"]);
    for text in [
        "Användning: finsam [FLAGGOR] <KOMMANDO>",
        "Kommandon:",
        "Flaggor:",
        "Visa hjälpen",
    ] {
        assert!(root.contains(text), "{text}\n{root}");
    }
    let ingest = help(&["ingest", "--help"]);
    for text in [
        "Användning: finsam ingest [FLAGGOR] <FIL>...",
        "Argument:",
        "Exempel:",
        "[miljövariabel: FINSAM_DATA]",
        "[standard: data]",
        "Visa hjälpen (kortare med '-h')",
    ] {
        assert!(ingest.contains(text), "{text}\n{ingest}");
    }
    let sql = help(&["sql", "-h"]);
    assert!(
        sql.contains("[möjliga värden: table, csv, json, parquet, xlsx]"),
        "{sql}"
    );
    let nested = [
        help(&["report", "utfall", "--help"]),
        help(&["token", "create", "-h"]),
    ];
    for text in [&root, &ingest, &sql].into_iter().chain(&nested) {
        for english in [
            "Usage:",
            "Options:",
            "Arguments:",
            "Commands:",
            "Print",
            "[OPTIONS]",
            "<COMMAND>",
            "[default:",
            "[env:",
            "ossible values",
        ] {
            assert!(!text.contains(english), "{english}\n{text}");
        }
    }
}
