//! The evaluator's workbench as evaluators use it: the SQL shell in a terminal, scripts
//! and Swedish Excel, the extract read by DuckDB, and the PostgreSQL endpoint from psql,
//! psycopg, pandas and SQLAlchemy.

use std::process::Command;
use std::time::Duration;

use crate::served::Served;
use crate::workdir::{Workdir, fixture, repo};

fn loaded() -> Workdir {
    Workdir::new().ingested(&fixture("sigma_2008H1"))
}

/// A Python client of tests/clients/, its JSON answer.
fn python(script: &str, args: &[&str]) -> serde_json::Value {
    let output = Command::new("python3")
        .arg(repo("tests/clients").join(script))
        .args(args)
        .output()
        .expect("python3 runs (.ci/run installs it with duckdb, psycopg, pandas and sqlalchemy)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{script}: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Types `line` at the prompt and waits for each of `shown`, in order, and for the next
/// prompt. (The line editor drops what is typed ahead of its prompt.)
fn typed(shell: &mut rexpect::session::PtySession, line: &str, shown: &[&str]) {
    shell.send_line(line).unwrap();
    for text in shown {
        shell
            .exp_string(text)
            .unwrap_or_else(|e| panic!("{line}: {text}: {e}"));
    }
    shell.exp_string("finsam> ").unwrap();
}

#[test]
fn the_shell_completes_describes_runs_and_explains() {
    let wd = loaded();
    let history = wd.path("historik");
    let mut command = wd.command(&["sql"]);
    command
        .env("FINSAM_HISTORIK", &history)
        .env("COLUMNS", "160")
        .env("LINES", "500")
        .env("TERM", "xterm");
    let mut shell = rexpect::session::spawn_command(command, Some(30_000)).unwrap();
    shell.exp_string("finsam> ").unwrap();
    // \d lists the tables with what they hold; \d tabell its columns.
    typed(&mut shell, "\\d", &["kod_avslutsorsak"]);
    typed(
        &mut shell,
        "\\d deltagare",
        &["avslutsorsak", "\\koder avslutsorsak"],
    );
    typed(&mut shell, "\\koder avslutsorsak", &["Enligt plan"]);
    // A statement over two lines runs at its semicolon; the table's name is completed
    // by Tab.
    shell.send_line("SELECT count(*) AS antal_rader").unwrap();
    shell.send("FROM inlamn\t").unwrap();
    typed(&mut shell, ";", &["antal_rader", "1 rad", "tid "]);
    // An error points at the place and suggests the name meant.
    typed(
        &mut shell,
        "SELECT kon FROM deltagre;",
        &["tabellen deltagre finns inte; menade du deltagare?"],
    );
    // A label compared with a code is pointed out. (rexpect reads the terminal byte by
    // byte: what is matched here is ASCII.)
    typed(
        &mut shell,
        "SELECT count(*) FROM deltagare WHERE avslutsorsak = 'Avbrott';",
        &["'Avbrott' ", " en etikett; koden "],
    );
    // Writing is refused here too.
    typed(&mut shell, "DROP TABLE deltagare;", &["DROP TABLE skriver"]);
    // A bundled query file, its parameters asked for.
    shell
        .send_line("\\fraga exempel/deltagare_per_halvar")
        .unwrap();
    shell.exp_string("$projekt").unwrap();
    typed(&mut shell, "SIGMA", &["2008H1"]);
    // CSV, and results to a file.
    typed(&mut shell, "\\format csv", &["nu csv"]);
    typed(&mut shell, "\\o ut.csv", &["skrivs till ut.csv"]);
    typed(
        &mut shell,
        "SELECT kod, etikett FROM kod_kon ORDER BY ordning;",
        &["2 rader till ut.csv"],
    );
    typed(&mut shell, "\\o", &["till terminalen"]);
    // Something shaped like a personnummer never reaches the history.
    typed(&mut shell, "SELECT '19121212-1212' AS x;", &["tid "]);
    shell.send_line("\\q").unwrap();
    shell.exp_eof().unwrap();
    assert_eq!(wd.read("ut.csv"), "kod,etikett\nK,Kvinna\nM,Man\n");
    let remembered = std::fs::read_to_string(&history).unwrap();
    assert!(remembered.contains("\\koder avslutsorsak"), "{remembered}");
    assert!(remembered.contains("FROM deltagre;"), "{remembered}");
    assert!(!remembered.contains("1212"), "{remembered}");
}

#[test]
fn a_script_runs_every_statement_from_standard_in() {
    let wd = loaded();
    let script = "-- två satser; den andra över två rader\nSELECT 1 AS a;\nSELECT kod\nFROM kod_kon ORDER BY ordning;\n";
    let output = wd.finsam_with_input(&["sql", "-f", "-", "--format", "csv"], script);
    assert_eq!(output.ok(), "a\n1\n\nkod\nK\nM\n");
    // Without -f, a script on standard in is read the same way.
    let output = wd.finsam_with_input(&["sql", "--format", "csv"], "SELECT 2 AS b");
    assert_eq!(output.stdout, "b\n2\n");
    // Every statement is planned before any runs: an error in the second names its
    // line, and nothing has run.
    let output = wd.finsam_with_input(
        &["sql", "-f", "-"],
        "SELECT 1 AS a;\n\nSELECT x FROM kod_kon;",
    );
    let stderr = output.invalid();
    assert!(
        stderr.contains("kolumnen x finns inte") && stderr.contains("(rad 3, kolumn 8)"),
        "{stderr}"
    );
    assert_eq!(output.stdout, "");
    // An error that arises as a statement runs has no place of its own: the statement's
    // line is named.
    let output = wd.finsam_with_input(
        &["sql", "-f", "-"],
        "SELECT 1;\n\nSELECT CAST(kod AS INT) FROM kod_kon;",
    );
    let stderr = output.invalid();
    assert!(
        stderr.contains("satsen på rad 3: ett värde kunde inte räknas ut"),
        "{stderr}"
    );
}

#[test]
fn results_open_in_swedish_excel() {
    let wd = loaded();
    let query = "SELECT kod, CAST(ordning AS DOUBLE) / 4 AS andel FROM kod_kon ORDER BY ordning";
    let csv = wd
        .finsam(&[
            "sql",
            query,
            "--format",
            "csv",
            "--csv-sep",
            ";",
            "--decimal-comma",
        ])
        .ok()
        .to_string();
    assert_eq!(csv, "\u{feff}kod;andel\nK;0,25\nM;0,5\n");
    let script = wd.write(
        "analys.sql",
        "SELECT kod, ordning FROM kod_kon ORDER BY ordning;\nSELECT count(*) AS rader FROM deltagare;",
    );
    wd.finsam(&[
        "sql",
        "-f",
        script.to_str().unwrap(),
        "--format",
        "xlsx",
        "--out",
        "analys.xlsx",
    ])
    .ok();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(wd.path("analys.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["Fråga 1", "Fråga 2"]);
    let first = book.worksheet_range("Fråga 1").unwrap();
    assert_eq!(first.get((1, 0)).unwrap().to_string(), "K");
    // Numbers are numbers, not text.
    assert_eq!(first.get((2, 1)), Some(&calamine::Data::Float(2.0)));
    let rows = wd.sql("SELECT count(*) AS n FROM deltagare");
    let count: f64 = rows.lines().nth(1).unwrap().parse().unwrap();
    let second = book.worksheet_range("Fråga 2").unwrap();
    assert_eq!(second.get((1, 0)), Some(&calamine::Data::Float(count)));
    // Parquet holds one result: a script of two is refused.
    let refused = wd.finsam(&[
        "sql",
        "-f",
        script.to_str().unwrap(),
        "--format",
        "parquet",
        "--out",
        "x.parquet",
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
}

#[test]
fn errors_point_at_the_place_and_suggest_what_was_meant() {
    let wd = loaded();
    let told = |query: &str| wd.finsam(&["sql", query]).invalid().to_string();
    let syntax = told("SELECT count(* FROM deltagare");
    assert!(
        syntax.contains(
            "frågan kan inte tolkas (rad 1, kolumn 16): här väntades ) men frågan har FROM"
        ),
        "{syntax}"
    );
    assert!(
        syntax.contains("  1 | SELECT count(* FROM deltagare\n    |                ^"),
        "{syntax}"
    );
    assert!(
        !syntax.contains("ParserError"),
        "no parser debug text: {syntax}"
    );
    assert!(
        told("SELECT * FROM deltagre")
            .contains("tabellen deltagre finns inte; menade du deltagare?")
    );
    assert!(
        told("SELECT kon2 FROM deltagare").contains("kolumnen kon2 finns inte; menade du kon?")
    );
    assert!(
        told("SELECT cout(*) FROM deltagare")
            .contains("funktionen cout finns inte; menade du count?")
    );
    // DataFusion's own words under --detaljer only.
    let detailed = wd
        .finsam(&["sql", "--detaljer", "SELECT * FROM deltagre"])
        .invalid()
        .to_string();
    assert!(
        detailed.contains(
            "DataFusion: Error during planning: table 'datafusion.public.deltagre' not found"
        ),
        "{detailed}"
    );
    assert!(!told("SELECT * FROM deltagre").contains("Error during planning"));
    // A query that runs but cannot mean what it says.
    let run = wd.finsam(&[
        "sql",
        "SELECT count(*) FROM deltagare WHERE avslutsorsak IN ('Avbrott', 'flyt') OR kon = 'k'",
    ]);
    run.ok();
    assert!(
        run.stderr
            .contains("'Avbrott' är en etikett; koden är 'avbrott'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("'flyt' finns inte bland koderna för avslutsorsak"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("'k' är inte en kod som den lagras; koden är 'K'"),
        "{}",
        run.stderr
    );
}

#[test]
fn looking_is_allowed_and_writing_refused() {
    let wd = loaded();
    for (look, shown) in [
        ("SHOW TABLES", "deltagare"),
        ("SHOW COLUMNS FROM deltagare", "avslutsorsak"),
        ("DESCRIBE deltagare", "avslutsorsak"),
        ("EXPLAIN SELECT count(*) FROM deltagare", "logical_plan"),
        (
            "SELECT table_name FROM information_schema.tables WHERE table_name = 'deltagare'",
            "deltagare",
        ),
    ] {
        assert!(wd.sql(look).contains(shown), "{look}");
    }
    let before = wd.snapshot("data");
    for write in [
        "COPY (SELECT 1) TO 'ut.csv'",
        "EXPLAIN CREATE TABLE t AS SELECT 1",
        "SET datafusion.execution.batch_size = 1",
        "SELECT * INTO kopia FROM deltagare",
    ] {
        let refused = wd.finsam(&["sql", write]).invalid().to_string();
        assert!(refused.contains("körs inte"), "{write}: {refused}");
    }
    // In a script too: nothing of it runs past the refusal.
    let output = wd.finsam_with_input(
        &["sql", "-f", "-"],
        "SELECT 1;\nINSERT INTO moten VALUES (1);",
    );
    output.invalid();
    assert!(!wd.path("ut.csv").exists());
    assert_eq!(before, wd.snapshot("data"));
}

#[test]
fn the_export_gives_duckdb_the_counts_finsam_gives() {
    let wd = Workdir::examples();
    let out = wd.finsam(&["export", "--till", "uttag"]).ok().to_string();
    assert!(out.contains("skrivna till uttag"), "{out}");
    let readme = wd.read("uttag/README.md");
    for part in [
        "Datamängd: manifest",
        "count(DISTINCT person)",
        "| deltagare |",
        "## Definitioner",
    ] {
        assert!(readme.contains(part), "{part}");
    }
    // An event table's current versions, not every version.
    assert!(wd.path("uttag/tabeller/insatser.parquet").exists());
    assert!(
        !wd.path("uttag/tabeller/insatser_alla_versioner.parquet")
            .exists()
    );
    // The README's row counts are the tables'.
    for table in ["deltagare", "deltagande", "kod_avslutsorsak"] {
        let rows = wd.sql(&format!("SELECT count(*) FROM {table}"));
        let rows = rows.lines().nth(1).unwrap();
        let folder = if table.starts_with("kod_") {
            "kodlistor"
        } else {
            "tabeller"
        };
        let line = format!("| {table} | {folder}/{table}.parquet | {rows} |");
        assert!(readme.contains(&line), "{line}");
    }
    let duckdb = python("duckdb_uttag.py", &[wd.path("uttag").to_str().unwrap()]);
    let finsam_rows = |sql: &str| -> serde_json::Value {
        let csv = wd.sql(sql);
        csv.lines()
            .skip(1)
            .map(|line| {
                line.split(',')
                    .map(|v| {
                        v.parse::<i64>()
                            .map_or(serde_json::json!(v), |n| serde_json::json!(n))
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .into()
    };
    assert_eq!(
        duckdb["personer"],
        finsam_rows(
            "SELECT projekt, halvar, count(DISTINCT person) FROM deltagare GROUP BY 1, 2 ORDER BY 1, 2"
        )
    );
    assert_eq!(
        duckdb["deltaganden"],
        finsam_rows("SELECT count(*) FROM deltagande")
    );
    assert_eq!(
        duckdb["avbrott"],
        finsam_rows(
            "SELECT k.etikett, count(*) FROM deltagande d JOIN kod_avslutsorsak k ON k.kod = d.avslutsorsak GROUP BY 1 ORDER BY 1"
        )
    );
    // finsam's functions as DuckDB macros agree with finsam's.
    let functions = finsam_rows(
        "SELECT halvar_start('2008H1'), halvar_slut('2008H2'), period_slut('2009'), i_urval('SIGMA', 'kompis, sigma'), i_urval('SIGMA', 'KOMPIS'), i_urval('X', 'alla')",
    );
    assert_eq!(
        duckdb["funktioner"],
        serde_json::json!([["2008-01-01", "2008-12-31", "2009-12-31", true, false, true]])
    );
    assert_eq!(
        functions,
        serde_json::json!([[
            "2008-01-01",
            "2008-12-31",
            "2009-12-31",
            "true",
            "false",
            "true"
        ]])
    );
    // An extract is never written over.
    assert!(
        wd.finsam(&["export", "--till", "uttag"])
            .invalid()
            .contains("finns redan")
    );
}

#[test]
fn the_query_files_are_listed_and_written_out() {
    let wd = Workdir::new();
    let list = wd.finsam(&["fragor", "list"]).ok().to_string();
    assert!(
        list.contains("halvar/aktuella") && list.contains("$halvar"),
        "{list}"
    );
    wd.finsam(&["fragor", "skriv", "mina"]).ok();
    assert_eq!(
        wd.read("mina/halvar/aktuella.sql"),
        std::fs::read_to_string(repo("queries/halvar/aktuella.sql")).unwrap()
    );
    assert!(wd.path("mina/halvar/rapport.toml").exists());
    assert!(
        wd.finsam(&["fragor", "skriv", "mina"])
            .invalid()
            .contains("finns redan")
    );
}

/// `finsam serve --postgres` on the loopback, and the port it listens on.
fn postgres_server(wd: &Workdir, more: &[&str]) -> (Served, u16) {
    let mut args = vec!["--postgres", "127.0.0.1:0"];
    args.extend_from_slice(more);
    let served = Served::start_with(wd, "data", "127.0.0.1:0", &args);
    for _ in 0..100 {
        let output = served.output();
        if let Some(port) = output
            .split("PostgreSQL på 127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|port| port.parse().ok())
        {
            return (served, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no PostgreSQL address: {}", served.output());
}

fn account(wd: &Workdir, name: &str, role: &str) -> String {
    wd.finsam(&["konto", "skapa", "--namn", name, "--roll", role])
        .ok()
        .trim()
        .to_string()
}

/// psql running `commands` (SQL or psql's own backslash commands, one each) as a
/// script on standard input, stopping at the first error.
fn psql(
    port: u16,
    user: &str,
    password: &str,
    ssl: &str,
    commands: &[&str],
) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={port} dbname=finsam user={user} sslmode={ssl}"
        ))
        .args(["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "20")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("psql runs (.ci/run installs postgresql-client)");
    let mut script = String::new();
    for command in commands {
        script.push_str(command);
        script.push_str(if command.starts_with('\\') {
            "\n"
        } else {
            ";\n"
        });
    }
    let mut stdin = child.stdin.take().unwrap();
    // psql that could not connect reads nothing: a broken pipe is its answer.
    let _ = stdin.write_all(script.as_bytes());
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn the_postgres_endpoint_serves_evaluators_and_boards_and_logs_each_statement() {
    let wd = loaded();
    let evaluator = account(&wd, "anna", "utvarderare");
    let board = account(&wd, "styr", "styrelse");
    let stored = wd.read("data/_konton.json");
    assert!(!stored.contains(&evaluator) && !stored.contains(&board));
    // The dashboards as the static site publishes them, to compare with `tavlor`.
    wd.finsam(&["dashboard", "build", "--out", "site"]).ok();
    let (served, port) = postgres_server(&wd, &[]);

    // psql: a join, a query with a psql variable, a code-list lookup.
    let output = psql(
        port,
        "anna",
        &evaluator,
        "prefer",
        &[
            "SELECT count(DISTINCT d.person) FROM deltagare d JOIN projekt p ON p.kortnamn = d.projekt",
            "\\set halvar '2008H1'",
            "SELECT count(*) FROM deltagare WHERE halvar = :'halvar'",
            "SELECT etikett FROM kod_avslutsorsak WHERE kod = 'avbrott'",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let persons = wd.sql("SELECT count(DISTINCT person) FROM deltagare");
    let rows = wd.sql("SELECT count(*) FROM deltagare WHERE halvar = '2008H1'");
    let expected = format!(
        "{}\n{}\nAvbrott\n",
        persons.lines().nth(1).unwrap(),
        rows.lines().nth(1).unwrap()
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);

    // Python: psycopg (parameters bound by the server), pandas, SQLAlchemy.
    let python_answer = python(
        "postgres_klient.py",
        &[&port.to_string(), "anna", &evaluator],
    );
    let by_project = wd.sql(
        "SELECT projekt, count(DISTINCT person) FROM deltagare WHERE halvar = '2008H1' GROUP BY 1 ORDER BY 1",
    );
    let (project, count) = by_project.lines().nth(1).unwrap().split_once(',').unwrap();
    assert_eq!(
        python_answer["personer"],
        serde_json::json!([[project, count.parse::<i64>().unwrap()]])
    );
    assert_eq!(python_answer["etikett"], "Avbrott");
    assert!(
        python_answer["ddl"]
            .as_str()
            .unwrap()
            .contains("CREATE TABLE körs inte"),
        "{python_answer}"
    );
    let sigma = wd.sql("SELECT count(*) FROM deltagare WHERE projekt = 'SIGMA'");
    assert_eq!(
        python_answer["sqlalchemy"],
        sigma.lines().nth(1).unwrap().parse::<i64>().unwrap()
    );

    // R: DBI with RPostgreSQL.
    let r = Command::new("Rscript")
        .arg(repo("tests/clients/postgres_klient.R"))
        .args([&port.to_string(), "anna", &evaluator])
        .output()
        .expect("Rscript runs (.ci/run installs r-base-core, r-cran-dbi and r-cran-rpostgresql)");
    let r_said = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{r:?}");
    assert!(
        r_said.contains(&format!("personer: {project} {count} \n")),
        "{r_said}"
    );
    assert!(
        r_said.contains(&format!("sigma: {} \n", sigma.lines().nth(1).unwrap())),
        "{r_said}"
    );
    assert!(r_said.contains("etikett: Avbrott \n"), "{r_said}");

    // What writes is refused through this path too, and the dataset is as it was.
    let before = wd.snapshot("data/SIGMA");
    for write in [
        "DROP TABLE deltagare",
        "SELECT * INTO kopia FROM deltagare",
        "PREPARE p(text) AS SELECT 1",
        "COPY (SELECT 1) TO '/tmp/finsam-copy.csv'",
        "INSERT INTO moten VALUES (1)",
        "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
    ] {
        let refused = psql(port, "anna", &evaluator, "prefer", &[write]);
        assert!(!refused.status.success(), "{write}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("körs inte") || stderr.contains("kan inte tolkas"),
            "{write}: {stderr}"
        );
    }
    assert_eq!(before, wd.snapshot("data/SIGMA"));
    // What the client sent comes back in an error, but never a personnummer in it.
    let echoed = psql(
        port,
        "anna",
        &evaluator,
        "prefer",
        &["SELECT \"19121212-1212\" FROM deltagare"],
    );
    let stderr = String::from_utf8_lossy(&echoed.stderr);
    assert!(
        stderr.contains("finns inte") && !stderr.contains("1212"),
        "{stderr}"
    );

    // A board member reads the dashboards' numbers, exactly those the site shows (a
    // hidden one is NULL), never a microdata table.
    let published = psql(
        port,
        "styr",
        &board,
        "prefer",
        &[
            "SELECT tavla || '|' || urval || '|' || panel || '|' || kategori || '|' || serie || '|' || coalesce(CAST(antal AS VARCHAR), 'null') FROM tavlor",
        ],
    );
    assert!(published.status.success(), "{published:?}");
    let mut from_endpoint: Vec<String> = String::from_utf8_lossy(&published.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let mut from_site = Vec::new();
    for dashboard in std::fs::read_dir(wd.path("site")).unwrap() {
        let dashboard = dashboard.unwrap().path();
        if !dashboard.is_dir() {
            continue;
        }
        for page in std::fs::read_dir(&dashboard).unwrap() {
            let page = page.unwrap().path();
            if page.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let page: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&page).unwrap()).unwrap();
            for panel in page["paneler"].as_array().unwrap() {
                for point in panel["punkter"].as_array().unwrap() {
                    from_site.push(format!(
                        "{}|{}|{}|{}|{}|{}",
                        page["tavla"].as_str().unwrap(),
                        page["urval"].as_str().unwrap(),
                        panel["rubrik"].as_str().unwrap(),
                        point["kategori"].as_str().unwrap(),
                        point["serie"].as_str().unwrap(),
                        point["antal"]
                    ));
                }
            }
        }
    }
    // The code lists are the evaluator's tables, column for column.
    let lookup = psql(
        port,
        "styr",
        &board,
        "prefer",
        &["SELECT etikett, ordning > 0 FROM kod_avslutsorsak WHERE kod = 'avbrott'"],
    );
    assert_eq!(
        String::from_utf8_lossy(&lookup.stdout),
        "Avbrott|t\n",
        "{lookup:?}"
    );
    from_endpoint.sort();
    from_site.sort();
    assert!(!from_site.is_empty());
    assert_eq!(from_endpoint, from_site);
    for microdata in [
        "deltagare",
        "deltagande",
        "inlamningar",
        "insatser_alla_versioner",
    ] {
        let refused = psql(
            port,
            "styr",
            &board,
            "prefer",
            &[&format!("SELECT count(*) FROM {microdata}")],
        );
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!("tabellen {microdata} är mikrodata")),
            "{stderr}"
        );
    }
    // A wrong password, an unknown account: no connection.
    assert!(
        !psql(port, "anna", "fel", "prefer", &["SELECT 1"])
            .status
            .success()
    );
    assert!(
        !psql(port, "okand", &evaluator, "prefer", &["SELECT 1"])
            .status
            .success()
    );
    // A revoked account is refused from its next connection.
    wd.finsam(&["konto", "aterkalla", "styr"]).ok();
    assert!(
        !psql(port, "styr", &board, "prefer", &["SELECT 1"])
            .status
            .success()
    );
    drop(served);

    // One audit line per statement: who, when, the statement's hash, rows; never the
    // statement itself.
    let audit = wd.read("data/_granskning/sql.jsonl");
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let key = wd.read("data/_granskning/nyckel");
    let key: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&key.trim()[i..i + 2], 16).unwrap())
        .collect();
    let hash = |sql: &str| {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(sql.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let code_lookup = lines
        .iter()
        .find(|l| {
            l["sats_hmac"] == hash("SELECT etikett FROM kod_avslutsorsak WHERE kod = 'avbrott'")
        })
        .expect("the code-list lookup is logged");
    assert_eq!(code_lookup["konto"], "anna");
    assert_eq!(code_lookup["roll"], "utvarderare");
    assert_eq!(code_lookup["rader"], 1);
    assert_eq!(code_lookup["utfall"], "ok");
    assert!(
        lines
            .iter()
            .any(|l| l["konto"] == "styr" && l["utfall"] == "avvisad")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["sats_hmac"] == hash("DROP TABLE deltagare") && l["utfall"] == "avvisad")
    );
    assert!(!audit.contains("kod_avslutsorsak") && !audit.contains("Avbrott"));
}

#[test]
fn the_postgres_endpoint_needs_tls_off_the_loopback() {
    let wd = loaded();
    let refused = wd.finsam(&["serve", "--addr", "127.0.0.1:0", "--postgres", "0.0.0.0:0"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--tls-cert"), "{}", refused.stderr);
    // With a certificate, TLS is spoken (here on the loopback, where a test may listen).
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .args(["-keyout", wd.path("nyckel.pem").to_str().unwrap()])
        .args(["-out", wd.path("cert.pem").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    // An account without a name given gets one of its role's.
    let made = wd.finsam(&["konto", "skapa", "--roll", "utvarderare"]);
    let password = made.ok().trim().to_string();
    let name = made
        .stderr
        .split_whitespace()
        .nth(1)
        .filter(|n| n.starts_with("utvarderare-"))
        .unwrap_or_else(|| panic!("{}", made.stderr))
        .to_string();
    let (_served, port) = postgres_server(
        &wd,
        &["--tls-cert", "cert.pem", "--tls-nyckel", "nyckel.pem"],
    );
    // sslmode=require fails unless the server speaks TLS.
    let output = psql(port, &name, &password, "require", &["SELECT 1"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1\n");
}
