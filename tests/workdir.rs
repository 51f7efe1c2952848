//! A temporary working directory in which tests run the real `finsam` binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Every record table, in schema order.
pub const TABLES: [&str; 9] = [
    "deltagare",
    "insatser",
    "remisser",
    "sjukskrivning",
    "lss",
    "ersattning",
    "forsorjning",
    "moten",
    "anonyma_arenden",
];

pub struct Workdir {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts the invalid-input exit code and returns stderr.
    #[track_caller]
    pub fn invalid(&self) -> &str {
        assert_eq!(
            self.code, 1,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        &self.stderr
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

impl Workdir {
    /// A fresh directory holding a key file `nyckel`.
    pub fn new() -> Workdir {
        let wd = Workdir {
            dir: tempfile::tempdir().unwrap(),
        };
        wd.finsam(&["keygen", "--out", "nyckel"]).ok();
        wd
    }

    /// A fresh directory whose key file holds a fixed key, so pseudonyms and
    /// submission ids are the same on every run (for golden files).
    pub fn with_fixed_key() -> Workdir {
        use std::os::unix::fs::PermissionsExt;
        let wd = Workdir {
            dir: tempfile::tempdir().unwrap(),
        };
        let hex: String = (0u8..32).map(|b| format!("{b:02x}")).collect();
        let path = wd.path("nyckel");
        std::fs::write(&path, format!("# testnyckel\n{hex}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        wd
    }

    /// A workdir with the bundled example data taken in, under the fixed key.
    pub fn examples() -> Workdir {
        Workdir::with_fixed_key().ingested(&repo("examples"))
    }

    /// The examples as `scripts/exempel.sh` leaves them: SIGMA in Nora, KOMPIS on
    /// Höglandet, and the bundled municipal context read in.
    pub fn examples_in_kommuner() -> Workdir {
        let wd = Workdir::examples();
        wd.finsam(&["projekt", "set", "SIGMA", "--kommun", "Nora"])
            .ok();
        let mut kompis = vec!["projekt", "set", "KOMPIS"];
        for kommun in ["Aneby", "Eksjö", "Nässjö", "Sävsjö", "Tranås", "Vetlanda"] {
            kompis.extend(["--kommun", kommun]);
        }
        wd.finsam(&kompis).ok();
        wd.finsam(&["kontext", "las-in"]).ok();
        wd
    }

    /// This workdir with `submissions` (a file or folder) taken into its dataset.
    pub fn ingested(self, submissions: &Path) -> Workdir {
        self.finsam(&["ingest", submissions.to_str().unwrap()]).ok();
        self
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_finsam"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("FINSAM_KEY_FILE", self.path("nyckel"))
            .env_remove("FINSAM_DATA")
            .env_remove("FINSAM_SCHEMAS");
        command
    }

    pub fn finsam(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// `finsam ARGS` with `input` on standard input.
    pub fn finsam_with_input(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        Run::from(child.wait_with_output().unwrap())
    }

    /// A query file's result as CSV (`finsam sql`), run with `$projekt` and `$period`.
    pub fn query_csv(&self, file: &Path, projekt: &str, period: &str) -> String {
        self.finsam(&[
            "sql",
            "-f",
            file.to_str().unwrap(),
            "-p",
            &format!("projekt={projekt}"),
            "-p",
            &format!("period={period}"),
            "--format",
            "csv",
        ])
        .ok()
        .to_string()
    }

    /// Copies a fixture folder into the work dir and returns its new path.
    pub fn copy_fixture(&self, name: &str, to: &str) -> PathBuf {
        let target = self.path(to);
        copy_dir(&fixture(name), &target);
        target
    }

    pub fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).unwrap()
    }

    /// Every file under a directory with its bytes: equal snapshots mean byte-for-byte equal.
    pub fn snapshot(&self, relative: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        let root = self.path(relative);
        if root.exists() {
            collect(&root, &root, &mut files);
        }
        files
    }

    /// Runs a query and returns its CSV output.
    pub fn sql(&self, query: &str) -> String {
        self.finsam(&["sql", query, "--format", "csv"])
            .ok()
            .to_string()
    }
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            files.insert(
                path.strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(&path).unwrap(),
            );
        }
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Writes a small workbook laid out like the template, with dates in all three
/// forms Excel produces: a date cell, a bare serial number and text.
pub fn fill_workbook(wd: &Workdir) -> PathBuf {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    details_sheet(
        &mut workbook,
        &[
            ("Projekt", "kompis"),
            ("Halvår", "2009H2"),
            ("Schemaversion", "1"),
        ],
    );
    let deltagare = workbook.add_worksheet().set_name("Deltagare").unwrap();
    for (col, heading) in [
        "Personnummer/kod",
        "Kön",
        "Födelseår",
        "Inskriven",
        "Samtycke",
    ]
    .iter()
    .enumerate()
    {
        deltagare.write_string(0, col as u16, *heading).unwrap();
    }
    deltagare.write_string(1, 0, "198503121231").unwrap();
    deltagare
        .write_datetime_with_format(
            1,
            3,
            ExcelDateTime::from_ymd(2009, 7, 1).unwrap(),
            &date_format,
        )
        .unwrap();
    deltagare.write_boolean(1, 4, true).unwrap();
    deltagare.write_string(2, 0, "KOMPIS-2").unwrap();
    deltagare.write_string(2, 1, "Man").unwrap();
    deltagare.write_number(2, 2, 1967).unwrap();
    deltagare.write_number(2, 3, 40028).unwrap();
    deltagare.write_string(2, 4, "ja").unwrap();
    deltagare.write_string(3, 0, "920704-2244").unwrap();
    deltagare.write_string(3, 3, "2009-09-15").unwrap();
    deltagare.write_string(3, 4, "Ja").unwrap();
    let insatser = workbook.add_worksheet().set_name("Insatser").unwrap();
    for (col, heading) in ["Personnummer/kod", "Insats", "Start", "Slut"]
        .iter()
        .enumerate()
    {
        insatser.write_string(0, col as u16, *heading).unwrap();
    }
    insatser.write_string(1, 0, "KOMPIS-2").unwrap();
    insatser.write_string(1, 1, "Särskilt stöd").unwrap();
    insatser
        .write_datetime_with_format(
            1,
            2,
            ExcelDateTime::from_ymd(2009, 8, 10).unwrap(),
            &date_format,
        )
        .unwrap();
    let path = wd.path("kompis_2009H2.xlsx");
    workbook.save(&path).unwrap();
    path
}

/// The Inlämning sheet of a workbook, with these details.
pub fn details_sheet(book: &mut rust_xlsxwriter::Workbook, details: &[(&str, &str)]) {
    let meta = book.add_worksheet().set_name("Inlämning").unwrap();
    for (row, (key, value)) in std::iter::once(&("Uppgift", "Värde"))
        .chain(details)
        .enumerate()
    {
        meta.write_string(row as u32, 0, *key).unwrap();
        meta.write_string(row as u32, 1, *value).unwrap();
    }
}

/// The workbook at `path` packed again part by part, each part's bytes through `edit`,
/// stored uncompressed (a changed byte then changes what the reader parses).
pub fn repacked(path: &Path, mut edit: impl FnMut(Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut from = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..from.len() {
        let mut part = from.by_index(index).unwrap();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        to.start_file(part.name().unwrap().into_owned(), options)
            .unwrap();
        to.write_all(&edit(bytes)).unwrap();
    }
    to.finish().unwrap().into_inner()
}

/// A sheet: its name, its header and its rows.
pub type Sheet<'a> = (&'a str, &'a [&'a str], &'a [&'a [&'a str]]);

/// A workbook `name` of text cells: the Inlämning sheet for SIGMA 2008H2, and `sheets`.
pub fn text_workbook(wd: &Workdir, name: &str, sheets: &[Sheet]) -> PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    details_sheet(&mut book, &[("Projekt", "SIGMA"), ("Halvår", "2008H2")]);
    for (name, header, rows) in sheets {
        let sheet = book.add_worksheet().set_name(*name).unwrap();
        for (row, cells) in std::iter::once(*header)
            .chain(rows.iter().copied())
            .enumerate()
        {
            for (col, cell) in cells.iter().enumerate() {
                sheet.write_string(row as u32, col as u16, *cell).unwrap();
            }
        }
    }
    let path = wd.path(name);
    book.save(&path).unwrap();
    path
}

/// The half-year report as JSON.
pub fn report_json(wd: &Workdir, projekt: &str, period: &str) -> serde_json::Value {
    report_json_with(wd, "halvar", projekt, period, &[])
}

/// A project's half-year report written as `format` (docx, pdf, xlsx, html) to
/// `rapport.<format>` in the workdir; its path.
pub fn half_year_file(wd: &Workdir, projekt: &str, halvar: &str, format: &str) -> PathBuf {
    let out = format!("rapport.{format}");
    wd.finsam(&[
        "report",
        "halvar",
        "--projekt",
        projekt,
        "--halvar",
        halvar,
        "--format",
        format,
        "--out",
        &out,
    ])
    .ok();
    wd.path(&out)
}

/// A report (`kind`: halvar, utfall, deltagare) as JSON, with `options` (`--publik`...).
pub fn report_json_with(
    wd: &Workdir,
    kind: &str,
    projekt: &str,
    period: &str,
    options: &[&str],
) -> serde_json::Value {
    // A half-year report's period is its half-year.
    let period_flag = if kind == "halvar" {
        "--halvar"
    } else {
        "--period"
    };
    let mut args = vec![
        "report",
        kind,
        "--projekt",
        projekt,
        period_flag,
        period,
        "--format",
        "json",
    ];
    args.extend_from_slice(options);
    serde_json::from_str(wd.finsam(&args).ok()).unwrap()
}

/// Every line of every figure of a half-year report.
pub fn figure_lines(report: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    report["figurer"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["rader"].as_array().unwrap())
}

/// The value of one line: `antal` (or `[fran, till]`) and `andel`, found by figure and text.
pub fn figure(
    report: &serde_json::Value,
    nr: u64,
    text: &str,
) -> (serde_json::Value, serde_json::Value) {
    for fig in report["figurer"].as_array().unwrap() {
        if fig["nr"] != nr {
            continue;
        }
        for line in fig["rader"].as_array().unwrap() {
            if line["text"] == text {
                let value = if line.get("antal").is_some() {
                    line["antal"].clone()
                } else {
                    serde_json::json!([line["fran"], line["till"]])
                };
                return (value, line["andel"].clone());
            }
        }
    }
    panic!("figure {nr} {text} not in {report}")
}

/// Compares with a golden file; `UPDATE_GOLDEN=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(actual, expected, "{name} differs from its golden file");
}

/// The tables of a table report (`report utfall` or `report deltagare`, JSON).
pub fn tables(report: &serde_json::Value) -> &[serde_json::Value] {
    report["tabeller"].as_array().unwrap()
}

/// The table with this number (for the matrices, nr 7, the first: Totalt).
pub fn table(report: &serde_json::Value, nr: u64) -> &serde_json::Value {
    tables(report)
        .iter()
        .find(|t| t["nr"] == nr)
        .unwrap_or_else(|| panic!("no table {nr}"))
}

#[track_caller]
pub fn row<'a>(table: &'a serde_json::Value, text: &str) -> &'a [serde_json::Value] {
    table["rader"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["text"] == text)
        .unwrap_or_else(|| panic!("no row {text:?} in table {}", table["rubrik"]))["celler"]
        .as_array()
        .unwrap()
}
