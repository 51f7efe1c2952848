use crate::workdir::{Workdir, fixture, repo};

fn loaded() -> Workdir {
    Workdir::new().ingested(&fixture("sigma_2008H1"))
}

#[test]
fn parameters_bind_as_placeholders() {
    let wd = loaded();
    let out = wd
        .finsam(&[
            "sql",
            "SELECT count(*) AS n FROM deltagare WHERE projekt = $projekt AND halvar = $halvar",
            "--param",
            "projekt=SIGMA",
            "--param",
            "halvar=2008H1",
            "--format",
            "csv",
        ])
        .ok()
        .to_string();
    assert_eq!(out, "n\n7\n");
    // A value is data, never SQL: a quote in it cannot change the query.
    let out = wd
        .finsam(&[
            "sql",
            "SELECT count(*) AS n FROM deltagare WHERE projekt = $p",
            "--param",
            "p=SIGMA' OR '1'='1",
            "--format",
            "csv",
        ])
        .ok()
        .to_string();
    assert_eq!(out, "n\n0\n");
}

#[test]
fn a_query_file_runs_with_its_parameters() {
    let wd = loaded();
    let file = repo("queries/exempel/deltagare_per_halvar.sql");
    let out = wd
        .finsam(&[
            "sql",
            "-f",
            file.to_str().unwrap(),
            "--param",
            "projekt=SIGMA",
            "--format",
            "csv",
        ])
        .ok()
        .to_string();
    assert_eq!(
        out,
        "projekt,halvar,deltagare,kvinnor,man\nSIGMA,2008H1,6,3,3\n"
    );
}

#[test]
fn tid_tells_how_long_each_statement_took_beside_the_result() {
    let wd = loaded();
    let run = wd.finsam(&[
        "sql",
        "SELECT count(*) AS n FROM deltagare; SELECT 1 AS ett",
        "--format",
        "csv",
        "--tid",
    ]);
    assert_eq!(run.ok(), "n\n7\n\nett\n1\n");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    for (number, line) in lines.iter().enumerate() {
        let seconds = line
            .strip_prefix(&format!("finsam: sats {} tog ", number + 1))
            .and_then(|rest| rest.strip_suffix(" s"))
            .unwrap_or_else(|| panic!("{line}"));
        let (whole, decimals) = seconds.split_once(',').expect("decimal comma");
        assert!(
            whole.parse::<u32>().is_ok() && decimals.len() == 3,
            "{line}"
        );
    }
}

#[test]
fn every_output_format() {
    let wd = loaded();
    let q = "SELECT kod, etikett FROM kod_kon ORDER BY ordning";
    let table = wd.finsam(&["sql", q]).ok().to_string();
    assert!(
        table.contains("| kod | etikett |")
            && table.contains("| K   | Kvinna  |")
            && table.contains("2 rader"),
        "{table}"
    );
    assert_eq!(
        wd.finsam(&["sql", q, "--format", "json"]).ok(),
        r#"[{"kod":"K","etikett":"Kvinna"},{"kod":"M","etikett":"Man"}]"#
    );
    wd.finsam(&["sql", q, "--format", "parquet", "--out", "kon.parquet"])
        .ok();
    let bytes = std::fs::read(wd.path("kon.parquet")).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    // The Parquet written is readable by the engine itself.
    let back = wd.finsam(&[
        "sql",
        "SELECT count(*) n FROM 'kon.parquet'",
        "--format",
        "csv",
    ]);
    assert_eq!(
        back.code, 1,
        "reading files by path is refused: only registered tables"
    );
    wd.finsam(&["sql", q, "--format", "csv", "--out", "kon.csv"])
        .ok();
    assert_eq!(wd.read("kon.csv"), "kod,etikett\nK,Kvinna\nM,Man\n");
}

#[test]
fn ddl_and_dml_are_refused() {
    let wd = loaded();
    let before = wd.snapshot("data");
    for statement in [
        "DROP TABLE deltagare",
        "CREATE TABLE x AS SELECT 1",
        "INSERT INTO moten VALUES (1)",
        "COPY deltagare TO 'ut.csv'",
        "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION 'x.csv'",
    ] {
        let stderr = wd.finsam(&["sql", statement]).invalid().to_string();
        assert!(
            stderr.contains("skriver, skapar eller ändrar inställningar och körs inte"),
            "{statement}: {stderr}"
        );
    }
    assert_eq!(before, wd.snapshot("data"));
}

#[test]
fn query_errors_are_clear() {
    let wd = loaded();
    assert!(
        wd.finsam(&["sql", "SELEC 1"])
            .invalid()
            .contains("frågan kan inte tolkas")
    );
    assert!(
        wd.finsam(&["sql", "SELECT * FROM saknas"])
            .invalid()
            .contains("saknas")
    );
    assert!(
        wd.finsam(&["sql", "SELECT $x"])
            .invalid()
            .contains("parametern $x saknar värde")
    );
    assert!(
        wd.finsam(&["sql", "SELECT 1", "-p", "x=1"])
            .invalid()
            .contains("parametern x används inte")
    );
    assert_eq!(wd.finsam(&["sql", "SELECT 1", "--bogus"]).code, 2);
}

#[test]
fn datafusions_settings_come_from_the_environment_as_the_readme_shows() {
    let wd = loaded();
    let setting = |name: &str, env: &[(&str, &str)]| {
        let sql = format!("SELECT value FROM information_schema.df_settings WHERE name = '{name}'");
        let mut command = wd.command(&["sql", &sql, "--format", "csv"]);
        command.envs(env.iter().copied());
        crate::workdir::Run::from(command.output().unwrap())
            .ok()
            .to_string()
    };
    let partitions = "datafusion.execution.target_partitions";
    assert_eq!(
        setting(
            partitions,
            &[("DATAFUSION_EXECUTION_TARGET_PARTITIONS", "8")]
        ),
        "value\n8\n"
    );
    // finsam's own default for finding a footer, unless the environment says otherwise.
    let footer = "datafusion.execution.parquet.metadata_size_hint";
    assert_eq!(setting(footer, &[]), "value\n65536\n");
    assert_eq!(
        setting(
            footer,
            &[("DATAFUSION_EXECUTION_PARQUET_METADATA_SIZE_HINT", "1000")]
        ),
        "value\n1000\n"
    );
    // A value that does not parse names the variable.
    let mut command = wd.command(&["sql", "SELECT 1"]);
    command.env("DATAFUSION_EXECUTION_TARGET_PARTITIONS", "många");
    let run = crate::workdir::Run::from(command.output().unwrap());
    let stderr = run.invalid();
    assert!(
        stderr.contains("DATAFUSION_EXECUTION_TARGET_PARTITIONS=många"),
        "{stderr}"
    );
}

#[test]
fn an_empty_or_missing_dataset_is_explained() {
    let wd = Workdir::new();
    let stderr = wd.finsam(&["sql", "SELECT 1"]).invalid().to_string();
    assert!(
        stderr.contains("ingen finsam-datamängd") && stderr.contains("finsam ingest"),
        "{stderr}"
    );
}

#[test]
fn code_lists_are_tables() {
    let wd = loaded();
    assert_eq!(
        wd.sql("SELECT kod FROM kod_forsorjningskalla WHERE sjalvforsorjande ORDER BY ordning"),
        "kod\narbete\nstudier\ningen_offentlig\n"
    );
    assert_eq!(
        wd.sql("SELECT projekt, halvar FROM inlamningar"),
        "projekt,halvar\nSIGMA,2008H1\n"
    );
}

#[test]
fn an_internal_failure_has_its_own_exit_code() {
    let wd = loaded();
    wd.write("data/manifest.jsonl", "{ inte json\n");
    let run = wd.finsam(&["status"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("manifest.jsonl är skadad: rad 1"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_tables_can_be_listed_and_described_as_the_readme_shows() {
    let wd = loaded();
    let tables = wd.sql("SHOW TABLES");
    for table in ["deltagare", "forsorjning", "kod_lss_handelse"] {
        assert!(tables.contains(table), "{table}: {tables}");
    }
    let columns = wd.sql("DESCRIBE deltagare");
    assert!(
        columns.contains("person") && columns.contains("Utf8"),
        "{columns}"
    );
}
