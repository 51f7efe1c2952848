//! The outsider. `finsam report publik` writes every public report the dataset allows;
//! a reader holds all of them at once. This test plays that reader: from the published
//! JSON alone, and what anyone knows of the definitions (kvinnor + män = totalt, the
//! rows of a partition add up to n, a share is a part of its n, `alla` is the sum of the
//! projects), it builds every relation between the published numbers and tries to
//! recover each hidden count below the threshold: exactly by linear algebra, and as an
//! interval by linear programming ([`finsam::disclosure::attack`]). It must find
//! nothing. The same reader, given reports each protected on its own (as finsam did
//! before), must find what the issue's attacks found.

use std::collections::BTreeMap;

use finsam::disclosure::attack::{Leak, Observation};
use finsam::disclosure::{CellId, DEFAULT_THRESHOLD, Publication, cell_key};
use finsam::display::Audience;
use finsam::period::{HalfYear, Period};
use finsam::report::{QueryLibrary, Report, Selection, tables};
use serde_json::Value;

use crate::workdir::{Workdir, repo, report_json_with};

/// The exact reports (truth) and the published ones, by (folder, selection, period).
struct Reports {
    exact: BTreeMap<(String, String, String), Value>,
    published: BTreeMap<(String, String, String), Value>,
    /// Each exact report protected on its own, as before the publication was one.
    alone: BTreeMap<(String, String, String), Value>,
    /// What each table cell counts, as the dashboards name the same numbers.
    keys: BTreeMap<(String, String, String), TableKeys>,
}

/// A table report's keys by (table, row text or `n`, column, field).
type TableKeys = BTreeMap<(String, String, String, &'static str), String>;

fn table_keys(report: &tables::TableReport) -> TableKeys {
    let mut keys = TableKeys::new();
    for table in &report.tabeller {
        let column = |i: usize| {
            table
                .kolumner
                .get(i)
                .map_or(String::new(), |c| c.nyckel.clone())
        };
        for (i, c) in table.kolumner.iter().enumerate() {
            if let Some(n_key) = c.n_key() {
                keys.insert(
                    (table.rubrik.clone(), "n".into(), column(i), "n"),
                    n_key.to_string(),
                );
            }
        }
        for row in &table.rader {
            for (i, cell) in row.celler.iter().enumerate() {
                let at = |field| (table.rubrik.clone(), row.text.clone(), column(i), field);
                match cell {
                    tables::Cell::Share(c) => {
                        keys.insert(at("antal"), c.antal.key().to_string());
                    }
                    tables::Cell::Change(c) => {
                        keys.insert(at("fore"), c.fore.key().to_string());
                        keys.insert(at("efter"), c.efter.key().to_string());
                    }
                    tables::Cell::Number(_) | tables::Cell::Survival(_) => {}
                }
            }
        }
    }
    keys
}

fn reports(wd: &Workdir) -> Reports {
    wd.finsam(&["report", "publik", "--out", "publikt"]).ok();
    let mut published = BTreeMap::new();
    for folder in ["halvar", "utfall", "deltagare"] {
        for entry in std::fs::read_dir(wd.path("publikt").join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let selection = report["projekt"][0].as_str().unwrap().to_string();
            let period = report["period"].as_str().unwrap().to_string();
            published.insert((folder.to_string(), selection, period), report);
        }
    }
    let schema = finsam::schema::Schema::bundled().unwrap();
    let dataset = finsam::store::Dataset::open(&wd.path("data"), &schema).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (exact, alone, keys) = runtime.block_on(async {
        let (engine, _) = finsam::underlag::open_engine(
            &dataset,
            &schema,
            None,
            &finsam::query::ProjectSelection::All,
        )
        .await
        .unwrap();
        let mut exact = BTreeMap::new();
        let mut alone = BTreeMap::new();
        let mut keys = BTreeMap::new();
        for (folder, selection, period) in published.keys() {
            let library = QueryLibrary::load(None, folder).unwrap();
            let key = (folder.clone(), selection.clone(), period.clone());
            let projects = vec![selection.clone()];
            if folder == "halvar" {
                let half: HalfYear = period.parse().unwrap();
                let selection = Selection {
                    projects,
                    period: half,
                    public_threshold: None,
                };
                let report = finsam::report::half_year(&dataset, &engine, &library, &selection)
                    .await
                    .unwrap();
                alone.insert(key.clone(), half_year_alone(&report, &library));
                exact.insert(key, serde_json::to_value(&report).unwrap());
            } else {
                let selection = tables::TableSelection {
                    projects,
                    period: period.parse::<Period>().unwrap(),
                    public_threshold: None,
                    breakdown: tables::Breakdown::KonAlder,
                };
                let report = tables::build(&dataset, &engine, &library, &selection)
                    .await
                    .unwrap();
                let mut publication = Publication::new();
                tables::add_to_publication(&mut publication, &selection.projects[0], &report)
                    .unwrap();
                let protected = publication.protect(DEFAULT_THRESHOLD);
                let mut shown = report.clone();
                let period = shown.head.period.clone();
                let audience = Audience::page(&protected, &selection.projects[0], &period);
                tables::present(&mut shown, &audience);
                alone.insert(key.clone(), serde_json::to_value(&shown).unwrap());
                keys.insert(key.clone(), table_keys(&report));
                exact.insert(key, serde_json::to_value(&report).unwrap());
            }
        }
        (exact, alone, keys)
    });
    Reports {
        exact,
        published,
        alone,
        keys,
    }
}

/// A half-year report protected as if it were published alone.
fn half_year_alone(report: &Report, library: &QueryLibrary) -> Value {
    let layout = finsam::report::Layout::parse(library.text("rapport.toml").unwrap(), "r").unwrap();
    let mut publication = Publication::new();
    let selection = report.head.projekt[0].clone();
    finsam::report::disclosure::add(
        &mut publication,
        &selection,
        report,
        &layout.sums,
        layout.population.as_deref(),
    )
    .unwrap();
    let protected = publication.protect(DEFAULT_THRESHOLD);
    let mut shown = report.clone();
    let audience = Audience::page(&protected, &selection, &report.head.period);
    finsam::report::disclosure::present(&mut shown, &audience);
    serde_json::to_value(&shown).unwrap()
}

/// The items of a JSON array by the text of their field `key`.
fn by<'v>(array: &'v Value, key: &str) -> BTreeMap<String, &'v Value> {
    array
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item[key].as_str().unwrap().to_string(), item))
        .collect()
}

fn number(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// The reader's model of what was published: every number with its relations.
struct Reader {
    observation: Observation,
    /// Cells by (folder, period, what) and selection, to add `alla` = Σ projects.
    by_statistic: BTreeMap<(String, String, String), BTreeMap<String, CellId>>,
}

impl Reader {
    fn new() -> Reader {
        Reader {
            observation: Observation::new(),
            by_statistic: BTreeMap::new(),
        }
    }

    fn cell(
        &mut self,
        at: &(String, String, String),
        what: &str,
        shown: Option<i64>,
        truth: i64,
    ) -> CellId {
        self.named_cell(at, what, None, shown, truth)
    }

    /// A cell the dashboards may show too: named by what it counts (`key`), it is one
    /// number wherever it is shown.
    fn named_cell(
        &mut self,
        at: &(String, String, String),
        what: &str,
        key: Option<&String>,
        shown: Option<i64>,
        truth: i64,
    ) -> CellId {
        let (folder, selection, period) = at;
        let name = key.map_or_else(|| format!("{folder}:{what}"), Clone::clone);
        let id = self
            .observation
            .cell(&cell_key(selection, period, &name), shown, truth);
        self.by_statistic
            .entry((folder.clone(), period.clone(), what.to_string()))
            .or_default()
            .insert(selection.clone(), id);
        id
    }

    /// `alla` counts the people of the projects, for every number of every report: their
    /// sum, or where a person in two projects is counted once, at most the sum and at
    /// least each project.
    fn link_projects(&mut self) {
        for cells in self.by_statistic.values() {
            if let Some(all) = cells.get("alla") {
                let parts: Vec<CellId> = cells
                    .iter()
                    .filter(|(s, _)| *s != "alla")
                    .map(|(_, id)| *id)
                    .collect();
                self.observation.union(*all, &parts);
            }
        }
    }

    fn half_year(&mut self, at: &(String, String, String), shown: &Value, exact: &Value) {
        let lines = |r: &Value| -> Vec<(String, Value)> {
            r["figurer"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|f| {
                    f["rader"].as_array().unwrap().iter().map(move |l| {
                        (
                            format!("{} {}: {}", f["nr"], f["rubrik"], l["text"]),
                            l.clone(),
                        )
                    })
                })
                .collect()
        };
        let (shown_lines, exact_lines) = (lines(shown), lines(exact));
        let aktuella = exact_lines
            .first()
            .and_then(|(_, l)| number(&l["antal"]))
            .unwrap_or(0);
        let mut cells = BTreeMap::new();
        assert_eq!(shown_lines.len(), exact_lines.len(), "{at:?}");
        for ((what, seen), (_, truth)) in shown_lines.iter().zip(&exact_lines) {
            let Some(t) = number(&truth["antal"]) else {
                continue;
            };
            let id = self.cell(at, what, number(&seen["antal"]), t);
            // A report of fewer than the threshold is hidden whole, zeros too.
            if aktuella < DEFAULT_THRESHOLD {
                self.observation.in_hidden_group(id);
            } else if t > 0 {
                self.observation.floor(id, 1);
            }
            cells.insert(what.clone(), (id, t));
            if let Some(n) = number(&truth["namnare"]) {
                let whole = self.cell(at, &format!("n av {what}"), number(&seen["namnare"]), n);
                self.observation.part(id, whole);
                cells.insert(format!("n av {what}"), (whole, n));
            }
        }
        // The denominators are figure 1, 5 or the first line of 16, by definition.
        let named: Vec<(CellId, i64)> = cells
            .iter()
            .filter(|(k, _)| {
                k.starts_with("1 ")
                    || k.starts_with("5 ")
                    || k.starts_with("16 ") && !k.contains("varav")
            })
            .map(|(_, v)| *v)
            .collect();
        let denominators: Vec<(CellId, i64)> = cells
            .iter()
            .filter(|(k, _)| k.starts_with("n av "))
            .map(|(_, v)| *v)
            .collect();
        for (n, value) in denominators {
            for (figure, figure_value) in &named {
                if *figure_value == value {
                    self.observation.sum(*figure, &[n]);
                }
            }
        }
        let find = |part: &str| -> Vec<CellId> {
            cells
                .iter()
                .filter(|(k, _)| k.contains(part) && !k.starts_with("n av "))
                .map(|(_, v)| v.0)
                .collect()
        };
        let one = |part: &str| find(part).first().copied();
        if let (Some(all), Some(k), Some(m)) = (
            one("Aktuella personer under perioden\": \"Aktuella"),
            one("Könsfördelning\": \"Kvinnor\""),
            one("Könsfördelning\": \"Män\""),
        ) {
            self.observation.sum(all, &[k, m]);
        }
        if let (Some(young), Some(k), Some(m)) = (
            one("Ungdomar 16–29 år\": \"Ungdomar"),
            one("Kvinnor bland ungdomar"),
            one("Män bland ungdomar"),
        ) {
            self.observation.sum(young, &[k, m]);
        }
        if let Some(cancelled) = one("Träffar som ställdes in") {
            self.observation
                .sum(cancelled, &find("Orsaker till inställda träffar"));
        }
    }

    fn tables(
        &mut self,
        at: &(String, String, String),
        shown: &Value,
        exact: &Value,
        keys: &TableKeys,
    ) {
        let folder = at.0.clone();
        let exact_tables = by(&exact["tabeller"], "rubrik");
        for table in shown["tabeller"].as_array().unwrap() {
            let rubrik = table["rubrik"].as_str().unwrap();
            let Some(truth) = exact_tables.get(rubrik) else {
                continue;
            };
            let nr = table["nr"].as_i64().unwrap();
            let population = if folder == "deltagare" && nr < 6 {
                "aktuella"
            } else {
                "avslutade"
            };
            let columns: Vec<String> = table["kolumner"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["nyckel"].as_str().unwrap().to_string())
                .collect();
            // Where each shown column is in the exact table, and its exact n.
            let exact_index: BTreeMap<String, usize> = truth["kolumner"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, c)| (c["nyckel"].as_str().unwrap().to_string(), i))
                .collect();
            let exact_n = |column: &str| {
                exact_index
                    .get(column)
                    .and_then(|i| number(&truth["kolumner"][*i]["n"]))
            };
            let mut n_of: BTreeMap<String, CellId> = BTreeMap::new();
            for (i, column) in columns.iter().enumerate() {
                if let Some(t) = exact_n(column) {
                    let seen = number(&table["kolumner"][i]["n"]);
                    let key = keys.get(&(rubrik.to_string(), "n".into(), column.clone(), "n"));
                    let what = format!("n {population} {column}");
                    let id = self.named_cell(at, &what, key, seen, t);
                    if t > 0 {
                        self.observation.floor(id, 1);
                    }
                    n_of.insert(column.clone(), id);
                }
            }
            let exact_rows = by(&truth["rader"], "text");
            // In the transition matrix a source (row) or destination (column) of a few
            // people is a group of its own: hidden whole, zeros too.
            let matrix = table["typ"] == "matris";
            let small_line = |row: &str, column: &str| {
                let total = |row: &str, column: &str| {
                    let at = exact_index.get(column)?;
                    number(&exact_rows.get(row)?["celler"][*at]["antal"])
                };
                // A row's or column's own sum is that group's n, known to be at least
                // 1 when hidden (a sum of 0 is shown).
                matrix
                    && row != "Summa"
                    && column != "Σ"
                    && [total(row, "Σ"), total("Summa", column)]
                        .into_iter()
                        .flatten()
                        .any(is_small)
            };
            let mut grid: BTreeMap<(String, String), CellId> = BTreeMap::new();
            for row in table["rader"].as_array().unwrap() {
                let text = row["text"].as_str().unwrap().to_string();
                let Some(truth_row) = exact_rows.get(&text) else {
                    continue;
                };
                for (i, column) in columns.iter().enumerate() {
                    let Some(at_exact) = exact_index.get(column) else {
                        continue;
                    };
                    let (seen, t) = (&row["celler"][i], &truth_row["celler"][*at_exact]);
                    let n_small = exact_n(column).is_some_and(|n| n < DEFAULT_THRESHOLD)
                        || small_line(&text, column);
                    let pairs: Vec<(String, &str)> = if t.get("fore").is_some() {
                        // The change table repeats tables 4 and 5.
                        vec![
                            (format!("4 {text} {column}"), "fore"),
                            (format!("5 {text} {column}"), "efter"),
                        ]
                    } else if t.get("antal").is_some() {
                        vec![(format!("{nr} {rubrik} {text} {column}"), "antal")]
                    } else {
                        vec![]
                    };
                    for (what, field) in pairs {
                        let Some(value) = number(&t[field]) else {
                            continue;
                        };
                        let key =
                            keys.get(&(rubrik.to_string(), text.clone(), column.clone(), field));
                        let id = self.named_cell(at, &what, key, number(&seen[field]), value);
                        if n_small || seen["gruppen_dold"] == true {
                            self.observation.in_hidden_group(id);
                        } else if value > 0 {
                            self.observation.floor(id, 1);
                        }
                        grid.insert((text.clone(), column.clone()), id);
                        if let Some(n) = n_of.get(column)
                            && text != "Summa"
                        {
                            self.observation.part(id, *n);
                        }
                    }
                }
            }
            // Kvinnor + män = totalt, row by row and for n.
            let rows: Vec<String> = grid.keys().map(|(r, _)| r.clone()).collect();
            for row in rows.iter().chain(std::iter::once(&"n".to_string())) {
                let get = |c: &str| {
                    if row == "n" {
                        n_of.get(c).copied()
                    } else {
                        grid.get(&(row.clone(), c.to_string())).copied()
                    }
                };
                if let (Some(all), Some(k), Some(m)) = (get("alla"), get("K"), get("M")) {
                    self.observation.sum(all, &[k, m]);
                }
            }
            // Rows that partition n: the whole table, or each point of table 3.
            let partitions = match (folder.as_str(), nr) {
                ("utfall", 1) | ("deltagare", 5) | ("deltagare", 6) => vec![String::new()],
                ("utfall", 3) => [
                    "Vid start",
                    "Vid avslut",
                    "1 månad",
                    "6 månader",
                    "12 månader",
                ]
                .map(String::from)
                .to_vec(),
                _ => vec![],
            };
            for prefix in partitions {
                for column in &columns {
                    let parts: Vec<CellId> = grid
                        .iter()
                        .filter(|((r, c), _)| c == column && r.starts_with(&prefix))
                        .map(|(_, id)| *id)
                        .collect();
                    if let Some(n) = n_of.get(column) {
                        self.observation.sum(*n, &parts);
                    }
                }
            }
            // The transition matrix: rows and columns add up to their sums.
            if matrix {
                let labels: Vec<String> = columns.iter().filter(|c| *c != "Σ").cloned().collect();
                for label in labels.iter().chain(std::iter::once(&"Summa".to_string())) {
                    let row: Vec<CellId> = labels
                        .iter()
                        .filter_map(|c| grid.get(&(label.clone(), c.clone())).copied())
                        .collect();
                    if let Some(total) = grid.get(&(label.clone(), "Σ".to_string())) {
                        self.observation.sum(*total, &row);
                    }
                    let column: Vec<CellId> = labels
                        .iter()
                        .filter_map(|r| grid.get(&(r.clone(), label.clone())).copied())
                        .collect();
                    if let Some(total) = grid.get(&("Summa".to_string(), label.clone())) {
                        self.observation.sum(*total, &column);
                    }
                }
            }
        }
    }
}

/// What the reader finds in `shown` (by report), knowing the exact reports.
fn attack(
    shown: &BTreeMap<(String, String, String), Value>,
    reports: &Reports,
) -> (Vec<Leak>, usize, usize) {
    findings(&read_reports(shown, reports).observation)
}

/// What the reader finds in `observation`: (leaks, cells, hidden cells).
fn findings(observation: &Observation) -> (Vec<Leak>, usize, usize) {
    let (cells, hidden) = observation.counts();
    (observation.leaks(DEFAULT_THRESHOLD), cells, hidden)
}

/// A count the threshold hides.
fn is_small(n: i64) -> bool {
    (1..DEFAULT_THRESHOLD).contains(&n)
}

fn read_reports(shown: &BTreeMap<(String, String, String), Value>, reports: &Reports) -> Reader {
    let mut reader = Reader::new();
    for (at, report) in shown {
        let truth = &reports.exact[at];
        if at.0 == "halvar" {
            reader.half_year(at, report, truth);
        } else {
            reader.tables(at, report, truth, &reports.keys[at]);
        }
    }
    reader.link_projects();
    reader
}

/// What the reader finds in the public reports and every dashboard page together: a
/// number the two show is one number.
fn attack_everything(
    shown: &BTreeMap<(String, String, String), Value>,
    reports: &Reports,
    pages: &[DashboardPage],
) -> (Vec<Leak>, usize, usize) {
    let mut reader = read_reports(shown, reports);
    read_dashboards(&mut reader.observation, pages);
    findings(&reader.observation)
}

fn describe(leaks: &[Leak]) -> String {
    leaks
        .iter()
        .take(12)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The reader finds no hidden count below the threshold in the publication, though
/// something is hidden and something shown.
#[track_caller]
fn assert_nothing_recovered(reports: &Reports) {
    assert_no_leaks(attack(&reports.published, reports));
}

/// An attack's (leaks, cells, hidden) found nothing, though something is hidden and
/// something shown.
#[track_caller]
fn assert_no_leaks((leaks, cells, hidden): (Vec<Leak>, usize, usize)) {
    assert!(hidden > 0 && hidden < cells, "{hidden} of {cells} hidden");
    assert!(
        leaks.is_empty(),
        "{} hidden numbers recovered:\n{}",
        leaks.len(),
        describe(&leaks)
    );
}

/// Protection that leaks: the reader works out more than ten hidden counts exactly.
#[track_caller]
fn assert_leaks_exactly(leaks: &[Leak], what: &str) {
    assert!(
        leaks.iter().filter(|l| l.exact).count() > 10,
        "protection {what} should leak exactly: {}",
        describe(leaks)
    );
}

/// A synthetic förbund (`finsam synth`), ingested.
fn synthetic(deltagare: &str, projekt: &str, ar: &str, seed: &str) -> Workdir {
    let wd = Workdir::with_fixed_key();
    wd.finsam(&[
        "synth",
        "--deltagare",
        deltagare,
        "--projekt",
        projekt,
        "--ar",
        ar,
        "--seed",
        seed,
        "--out",
        "synth",
    ])
    .ok();
    let synth = wd.path("synth");
    wd.ingested(&synth)
}

#[test]
fn the_outsider_recovers_nothing_from_everything_published_for_the_examples() {
    let wd = Workdir::examples();
    let reports = reports(&wd);
    assert_eq!(
        reports.published.len(),
        60,
        "30 half-year reports, 15 + 15 by year"
    );
    assert_nothing_recovered(&reports);
    // A report asked for on its own with --publik is the same page of the same
    // publication, whichever project it is for.
    for (folder, selection, period) in [
        ("utfall", "KOMPIS", "2010"),
        ("deltagare", "SIGMA", "2009"),
        ("halvar", "KOMPIS", "2008H1"),
    ] {
        let single = report_json_with(&wd, folder, selection, period, &["--publik"]);
        let page = (
            folder.to_string(),
            selection.to_string(),
            period.to_string(),
        );
        assert_eq!(single, reports.published[&page], "{page:?}");
    }
    // The same reader, given each report protected on its own, finds what the
    // issue's attacks found: hidden counts that other projects' reports give away.
    let (leaks, ..) = attack(&reports.alone, &reports);
    assert_leaks_exactly(&leaks, "report by report");
}

/// A förbund of small projects, as `finsam synth` makes one: five projects with about ten
/// participants each in a year, so that many a project's half-year has 1–4 aktuella.
#[test]
fn the_outsider_recovers_nothing_in_a_forbund_of_small_projects() {
    let wd = synthetic("50", "5", "2016-2016", "3");
    let reports = reports(&wd);
    let tiny = reports
        .exact
        .iter()
        .filter(|((folder, selection, _), r)| {
            folder == "halvar"
                && selection != "alla"
                && r["figurer"][0]["rader"][0]["antal"]
                    .as_i64()
                    .is_some_and(is_small)
        })
        .count();
    assert!(tiny > 0, "some project has 1–4 aktuella in a half-year");
    assert_nothing_recovered(&reports);
}

/// One row of a panel's query, exact: (key, antal, key of n, n).
type ExactRow = (String, i64, Option<String>, Option<i64>);

/// A dashboard page's public numbers (`<page>.json` of `finsam dashboard build`) and the
/// exact rows of its panels' queries (by `finsam sql`, with the page's parameters).
struct DashboardPage {
    shown: Value,
    /// Per panel, every row.
    exact: Vec<Vec<ExactRow>>,
}

fn dashboard_pages(wd: &Workdir) -> Vec<DashboardPage> {
    wd.finsam(&["dashboard", "build", "--out", "site"]).ok();
    let mut pages = Vec::new();
    for folder in ["forbundsoversikt", "projekt_over_tid", "utfall", "kommunen"] {
        let mut paths: Vec<_> = std::fs::read_dir(wd.path("site").join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let shown: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let param = |name: &str| shown["parametrar"][name].as_str().unwrap().to_string();
            let (projekt, period) = (param("projekt"), param("period"));
            let exact = shown["paneler"]
                .as_array()
                .unwrap()
                .iter()
                .map(|panel| {
                    // A kommun's own figures (points without a key) count nobody, and a
                    // panel without points shows nothing: nothing to attack.
                    let points = panel["punkter"].as_array().unwrap();
                    if points.is_empty() || points.iter().any(|p| p["nyckel"] == "") {
                        return Vec::new();
                    }
                    let file = repo("queries").join(panel["fraga"].as_str().unwrap());
                    let csv = wd.query_csv(&file, &projekt, &period);
                    let mut lines = csv.lines();
                    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
                    let at = |name: &str| header.iter().position(|h| *h == name);
                    lines
                        .map(|line| {
                            let row: Vec<&str> = line.split(',').collect();
                            let text = |name: &str| at(name).map(|i| row[i].to_string());
                            let p = text("projekt").unwrap_or(projekt.clone());
                            let q = text("period").unwrap_or(period.clone());
                            let n_key = text("n_nyckel").map(|k| cell_key(&p, &q, &k));
                            (
                                cell_key(&p, &q, &text("nyckel").unwrap()),
                                text("antal").unwrap().parse().unwrap(),
                                n_key,
                                text("n").map(|n| n.parse().unwrap()),
                            )
                        })
                        .collect()
                })
                .collect();
            pages.push(DashboardPage { shown, exact });
        }
    }
    pages
}

/// Whether a panel's query is a partition of its n (each person in exactly one series):
/// the SUS groups and the transitions from a source, as their headers say.
fn is_partition(fraga: &str) -> bool {
    fraga.contains("status") || fraga.contains("overgangar")
}

/// Each panel of each page protected on its own, as the dashboards were before the site
/// was one publication: the page's JSON with those values instead.
fn dashboards_panel_by_panel(pages: &[DashboardPage]) -> Vec<DashboardPage> {
    pages
        .iter()
        .map(|page| {
            let mut shown = page.shown.clone();
            for (panel, rows) in page.exact.iter().enumerate() {
                let mut publication = Publication::new();
                let mut by_n: BTreeMap<CellId, Vec<CellId>> = BTreeMap::new();
                for (key, antal, n_key, n) in rows {
                    let id = publication.cell(key, *antal).unwrap();
                    if let (Some(n_key), Some(n)) = (n_key, n) {
                        let n_id = publication.cell(n_key, *n).unwrap();
                        publication.part(id, n_id);
                        by_n.entry(n_id).or_default().push(id);
                    }
                }
                let partition = page.shown["paneler"][panel]["fraga"]
                    .as_str()
                    .is_some_and(is_partition);
                for (n, parts) in &by_n {
                    publication.population(*n, parts.clone());
                    if partition {
                        publication.sum(*n, parts);
                    }
                }
                let protected = publication.protect(DEFAULT_THRESHOLD);
                for point in shown["paneler"][panel]["punkter"].as_array_mut().unwrap() {
                    let key = point["nyckel"].as_str().unwrap().to_string();
                    if key.is_empty() {
                        continue; // a kommun's own figure, no count
                    }
                    point["antal"] = protected.shown(&key).into();
                    if let Some(n_key) = point["n_nyckel"].as_str().map(str::to_string) {
                        point["n"] = protected.shown(&n_key).into();
                    }
                }
            }
            DashboardPage {
                shown,
                exact: page.exact.clone(),
            }
        })
        .collect()
}

/// What a reader works out from every dashboard page at once. The relations are those
/// anyone knows from the labels and the definitions: a number named the same on two
/// pages is one number; a count is part of its n (and nya and avslutade of the
/// aktuella); the SUS groups and the transitions from a source are partitions of their
/// n, and the sources' n's of all avslutade; kvinnor + män = alla; a year counts the
/// people of its half-years (their sum for the avslutade, at most the sum and at least
/// each half for the aktuella).
fn attack_dashboards(pages: &[DashboardPage]) -> (Vec<Leak>, usize, usize) {
    let mut observation = Observation::new();
    read_dashboards(&mut observation, pages);
    findings(&observation)
}

/// Adds every dashboard page's numbers and their relations to `observation`.
fn read_dashboards(observation: &mut Observation, pages: &[DashboardPage]) {
    let mut truth: BTreeMap<String, i64> = BTreeMap::new();
    for page in pages {
        for rows in &page.exact {
            for (key, antal, n_key, n) in rows {
                truth.insert(key.clone(), *antal);
                if let (Some(k), Some(n)) = (n_key, n) {
                    truth.insert(k.clone(), *n);
                }
            }
        }
    }
    let mut ids: BTreeMap<String, CellId> = BTreeMap::new();
    let mut sums: Vec<(CellId, Vec<CellId>)> = Vec::new();
    for page in pages {
        for panel in page.shown["paneler"].as_array().unwrap() {
            let fraga = panel["fraga"].as_str().unwrap();
            let mut by_n: BTreeMap<CellId, Vec<CellId>> = BTreeMap::new();
            // A kommun's own figures (no key) count nobody.
            let counts = panel["punkter"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["nyckel"] != "");
            for point in counts {
                let key = point["nyckel"].as_str().unwrap();
                let t = *truth
                    .get(key)
                    .unwrap_or_else(|| panic!("{key}: not among the queries' rows"));
                let id = observation.cell(key, number(&point["antal"]), t);
                ids.insert(key.to_string(), id);
                let n_truth = point["n_nyckel"].as_str().map(|k| truth[k]);
                if n_truth.is_some_and(is_small) || point["gruppen_dold"] == true {
                    observation.in_hidden_group(id);
                } else if t > 0 {
                    observation.floor(id, 1);
                }
                if let Some(n_key) = point["n_nyckel"].as_str() {
                    let n_id = observation.cell(n_key, number(&point["n"]), truth[n_key]);
                    ids.insert(n_key.to_string(), n_id);
                    if truth[n_key] > 0 {
                        observation.floor(n_id, 1);
                    }
                    observation.part(id, n_id);
                    by_n.entry(n_id).or_default().push(id);
                }
            }
            if is_partition(fraga) {
                sums.extend(by_n.clone());
            }
            if fraga.contains("overgangar")
                && let Some(point) = panel["punkter"].as_array().unwrap().first()
            {
                // The n's of every source add up to all avslutade of the project-year.
                let key = point["nyckel"].as_str().unwrap();
                let (projekt, rest) = key.split_once('|').unwrap();
                let period = rest.split_once('|').unwrap().0;
                let all = cell_key(projekt, period, "n:avslutade|totalt|alla");
                if let Some(total) = ids.get(&all).copied() {
                    sums.push((total, by_n.keys().copied().collect()));
                }
            }
        }
    }
    for (key, id) in &ids {
        // Nya and avslutade are among the aktuella.
        for part in ["Nya", "Avslutade"] {
            if let Some(base) = key.strip_suffix(&format!("antal.sql::{part}|totalt|alla"))
                && let Some(whole) = ids.get(&format!("{base}n:aktuella|totalt|alla"))
            {
                observation.part(*id, *whole);
            }
        }
        // Kvinnor + män = alla, and the kommuner (Okänd kommun among them) = alla.
        if let Some(base) = key.strip_suffix("|totalt|alla") {
            let parts: Vec<CellId> = ["|kon|K", "|kon|M"]
                .iter()
                .filter_map(|g| ids.get(&format!("{base}{g}")).copied())
                .collect();
            if !parts.is_empty() {
                observation.sum(*id, &parts);
            }
            let prefix = format!("{base}|kommun|");
            let kommuner: Vec<CellId> = ids
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(_, id)| *id)
                .collect();
            if !kommuner.is_empty() {
                observation.sum(*id, &kommuner);
            }
        }
        // The reach counts new participants: they are among the year's nya.
        if let Some((base, _)) = key.split_once("rackvidd:")
            && let Some(whole) = ids.get(&format!("{base}antal.sql::Nya|totalt|alla"))
        {
            observation.part(*id, *whole);
        }
        // A year is its half-years.
        let mut fields = key.splitn(3, '|');
        let (projekt, period, what) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        if period.len() == 4 {
            let halves: Vec<CellId> = ["H1", "H2"]
                .iter()
                .filter_map(|h| ids.get(&cell_key(projekt, &format!("{period}{h}"), what)))
                .copied()
                .collect();
            if !halves.is_empty() {
                observation.union(*id, &halves);
            }
        }
    }
    for (total, parts) in sums {
        observation.sum(total, &parts);
    }
}

/// Every page of every dashboard, as the outsider holds them: nothing recovered from the
/// site as one publication; panel by panel, the issue's attacks work (a year minus its
/// shown half-year, alla minus kvinnor, a number hidden on one page and shown on another).
#[test]
fn the_outsider_recovers_nothing_from_every_dashboard_page() {
    let wd = Workdir::examples();
    let pages = dashboard_pages(&wd);
    assert_eq!(
        pages.len(),
        19,
        "5 years, 2 projects over time and per kommun, 2 × 5 project-years"
    );
    assert_no_leaks(attack_dashboards(&pages));
    let (leaks, ..) = attack_dashboards(&dashboards_panel_by_panel(&pages));
    assert_leaks_exactly(&leaks, "panel by panel");
}

/// The same on a förbund of small projects, with project-years of 1–4 avslutade.
#[test]
fn the_outsider_recovers_nothing_from_the_dashboards_of_small_projects() {
    let wd = synthetic("60", "4", "2015-2016", "5");
    let pages = dashboard_pages(&wd);
    let tiny = pages
        .iter()
        .flat_map(|p| &p.exact)
        .flatten()
        .filter(|(key, _, _, n)| key.contains("status.sql:") && n.is_some_and(is_small))
        .count();
    assert!(tiny > 0, "some project-year has 1–4 avslutade");
    assert_no_leaks(attack_dashboards(&pages));
}

/// The public reports and the dashboards show some of the same numbers (a project's
/// avslutade, its SUS groups, its transitions): the reader holding both must find nothing,
/// since each publication is protected together with those before it. Decided apart
/// (dashboards on a dataset that never published its reports), they give numbers away.
#[test]
fn the_outsider_recovers_nothing_from_the_reports_and_the_dashboards_together() {
    let wd = Workdir::examples();
    let reports = reports(&wd);
    let pages = dashboard_pages(&wd);
    assert_no_leaks(attack_everything(&reports.published, &reports, &pages));
    let apart = dashboard_pages(&Workdir::examples());
    let (leaks, ..) = attack_everything(&reports.published, &reports, &apart);
    assert!(
        !leaks.is_empty(),
        "reports and dashboards decided apart should leak"
    );
}

/// Which pairs a transitions panel lists says nothing of where anyone went: every source
/// row has every destination, 0 where nobody went, and a row of fewer than the threshold
/// hides them all, zeros too (the issue's `Män | Förvärvsarbete | ..` beside zeros).
#[test]
fn a_transition_row_lists_every_destination_and_a_small_one_hides_them_all() {
    let wd = Workdir::examples();
    let pages = dashboard_pages(&wd);
    let (mut rows, mut small) = (0, 0);
    for page in &pages {
        let truth: BTreeMap<&str, i64> = page
            .exact
            .iter()
            .flatten()
            .filter_map(|(_, _, n_key, n)| Some((n_key.as_deref()?, (*n)?)))
            .collect();
        for panel in page.shown["paneler"].as_array().unwrap() {
            if !panel["fraga"].as_str().unwrap().contains("overgangar") {
                continue;
            }
            let mut by_source: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
            for point in panel["punkter"].as_array().unwrap() {
                by_source
                    .entry(point["kategori"].as_str().unwrap())
                    .or_default()
                    .push(point);
            }
            let everywhere: Vec<&str> = by_source
                .values()
                .flat_map(|points| points.iter().map(|p| p["serie"].as_str().unwrap()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for (source, points) in by_source {
                rows += 1;
                let mut destinations: Vec<&str> = points
                    .iter()
                    .map(|p| p["serie"].as_str().unwrap())
                    .collect();
                destinations.sort_unstable();
                assert_eq!(
                    destinations, everywhere,
                    "{source}: {}",
                    page.shown["parametrar"]
                );
                assert!(destinations.len() >= 12, "{destinations:?}");
                let n = truth[points[0]["n_nyckel"].as_str().unwrap()];
                if is_small(n) {
                    small += 1;
                    assert!(
                        points.iter().all(|p| p["antal"].is_null()),
                        "{source} ({n} personer): {points:?}"
                    );
                }
            }
        }
    }
    assert!(small > 0 && small < rows, "{small} of {rows} rows small");
}

/// The report's transition matrix shows no zeros beside a hidden count in a small row or
/// column: `Arbete | .. | 0 | 0 | …` would say where the few who started with arbete
/// went. A source (row) or destination (column) of 1–4 people is hidden whole.
#[test]
fn a_small_row_or_column_of_the_transition_matrix_hides_its_zeros_too() {
    let wd = Workdir::examples();
    let shown = report_json_with(&wd, "utfall", "SIGMA", "2009", &["--publik"]);
    let exact = report_json_with(&wd, "utfall", "SIGMA", "2009", &[]);
    let matrix = |report: &Value| -> Value {
        report["tabeller"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["typ"] == "matris" && t["rubrik"].as_str().unwrap().ends_with("Totalt"))
            .unwrap()
            .clone()
    };
    let (shown, exact) = (matrix(&shown), matrix(&exact));
    let grid = |table: &Value| -> Vec<Vec<Option<i64>>> {
        table["rader"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row["celler"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| number(&c["antal"]))
                    .collect()
            })
            .collect()
    };
    let (shown, exact) = (grid(&shown), grid(&exact));
    // The last row is Summa and the last column Σ.
    let (rows, columns) = (exact.len() - 1, exact[0].len() - 1);
    let mut small_lines = 0;
    for r in 0..rows {
        if is_small(exact[r][columns].unwrap()) {
            small_lines += 1;
            assert!(
                shown[r][..columns].iter().all(Option::is_none),
                "rad {r}: {:?}",
                shown[r]
            );
        }
    }
    for c in 0..columns {
        if is_small(exact[rows][c].unwrap()) {
            small_lines += 1;
            assert!(
                (0..rows).all(|r| shown[r][c].is_none()),
                "kolumn {c}: {:?}",
                (0..rows).map(|r| shown[r][c]).collect::<Vec<_>>()
            );
        }
    }
    assert!(
        small_lines > 2,
        "SIGMA 2009 has small sources and destinations"
    );
    let zeros = shown.iter().flatten().filter(|v| **v == Some(0)).count();
    assert!(
        zeros > 0,
        "zeros in rows and columns of 0 or of 5 or more are shown"
    );
}

/// The pages of `pages` as one round of publication: every key marked with `round`, so
/// that two rounds are two sets of numbers the reader holds.
fn in_round(pages: &[DashboardPage], round: &str) -> Vec<DashboardPage> {
    let mark = |key: &str| format!("{round}{key}");
    pages
        .iter()
        .map(|page| {
            let mut shown = page.shown.clone();
            for panel in shown["paneler"].as_array_mut().unwrap() {
                for point in panel["punkter"].as_array_mut().unwrap() {
                    for field in ["nyckel", "n_nyckel"] {
                        // A kommun's own figure has no key: it stays without one.
                        let key = point[field].as_str().filter(|k| !k.is_empty());
                        if let Some(key) = key.map(mark) {
                            point[field] = key.into();
                        }
                    }
                }
            }
            let exact = page
                .exact
                .iter()
                .map(|rows| {
                    rows.iter()
                        .map(|(key, antal, n_key, n)| {
                            (mark(key), *antal, n_key.as_deref().map(mark), *n)
                        })
                        .collect()
                })
                .collect();
            DashboardPage { shown, exact }
        })
        .collect()
}

/// The reader keeps the dashboards of last autumn and reads this spring's beside them:
/// a number published in both is one number if it did not change, and where a late
/// submission changed it, the difference is a count of people. Nothing is recovered.
#[test]
fn the_outsider_recovers_nothing_from_dashboards_before_and_after_new_data() {
    let wd = Workdir::with_fixed_key();
    let early = wd.path("tidigt");
    std::fs::create_dir_all(&early).unwrap();
    for entry in std::fs::read_dir(repo("examples")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".xlsx")
            && ["_2007", "_2008", "_2009H1"]
                .iter()
                .any(|p| name.contains(p))
        {
            std::fs::copy(&path, early.join(&name)).unwrap();
        }
    }
    let wd = wd.ingested(&early);
    let before = in_round(&dashboard_pages(&wd), "före:");
    let wd = wd.ingested(&repo("examples"));
    let after = in_round(&dashboard_pages(&wd), "efter:");
    let mut observation = Observation::new();
    read_dashboards(&mut observation, &before);
    read_dashboards(&mut observation, &after);
    let truth: BTreeMap<String, i64> = before
        .iter()
        .chain(&after)
        .flat_map(|page| page.exact.iter().flatten())
        .flat_map(|(key, antal, n_key, n)| {
            std::iter::once((key.clone(), *antal)).chain(n_key.clone().zip(*n))
        })
        .collect();
    let mut revised = 0;
    for (key, earlier) in truth.iter().filter(|(k, _)| k.starts_with("före:")) {
        let later_key = key.replacen("före:", "efter:", 1);
        let Some(later) = truth.get(&later_key) else {
            continue;
        };
        let a = observation.cell(key, None, *earlier);
        let b = observation.cell(&later_key, None, *later);
        if earlier == later {
            observation.sum(a, &[b]);
        } else {
            revised += 1;
            let (low, high) = if earlier < later { (a, b) } else { (b, a) };
            observation.part(low, high);
        }
    }
    assert!(
        revised > 0,
        "the late submissions change some published numbers"
    );
    let (cells, hidden) = observation.counts();
    assert_no_leaks((observation.leaks(DEFAULT_THRESHOLD), cells, hidden));
}
