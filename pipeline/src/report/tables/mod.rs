//! Table reports: the self-sufficiency outcome report (`finsam report utfall`) and the
//! SUS-style participant tables (`finsam report deltagare`).
//!
//! Both are a list of tables laid out by `rapport.toml` in their query folder. Each table
//! comes from one query whose rows say `indelning`/`grupp` (all, kön, age band) or a
//! cohort, a row label and counts; the Rust here pivots them into rows and columns and
//! adds what SQL is poor at: Wilson intervals on every share, quartiles, Kaplan–Meier
//! curves, comparisons between periods or projects, and disclosure control.

mod compare;
mod layout;
mod place;
mod publish;
mod render;
mod xlsx;

use serde::Serialize;

pub use compare::{Compared, ComparedRow, ComparedTable, ComparisonReport, compare};
pub use layout::{TableEntry, TableKind, TableLayout};
pub use render::{comparison_to_html, comparison_to_markdown, to_html, to_markdown};
pub(crate) use render::{html, markdown};
pub use xlsx::{comparison_to_xlsx, to_xlsx};

use super::{ReportError, ReportHead, queries::QueryFile};
use crate::disclosure::{Reason, ledger};
use crate::display::{Audience, Count};
use crate::period::Period;
use crate::query::{Engine, QueryResult};
use crate::store::Dataset;

/// The layout file in each table report's query folder.
pub const LAYOUT_FILE: &str = "rapport.toml";

/// A computed table report.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// The submissions listed are every submission of the selected projects, since
    /// follow-up rows arrive in later submissions.
    #[serde(flatten)]
    pub head: ReportHead,
    /// The query folder whose definitions the figures follow, e.g. `utfall`.
    pub fragor: String,
    /// What the reader should know about the data behind the figures: `notes` as worded
    /// for the report's audience (small counts softened under disclosure control).
    pub anmarkningar: Vec<String>,
    pub tabeller: Vec<Table>,
    #[serde(skip)]
    pub notes: Vec<Note>,
    /// The population of the report's n (`layout.grundmangd`).
    #[serde(skip)]
    pub grundmangd: String,
}

/// A note on the data with the count it is about.
#[derive(Debug, Clone)]
pub struct Note {
    /// The text, with `{antal}` for `count` and `{n}` for the population.
    pub text: String,
    pub count: Count,
    pub n: Count,
}

impl Note {
    /// The key of the n every note counts among.
    const N: &str = "anm:n";

    fn new(text: &str, count: i64, n: i64) -> Note {
        Note {
            text: text.to_string(),
            count: Count::new(format!("anm:{text}"), count),
            n: Count::new(Note::N, n),
        }
    }

    /// A note without counts.
    fn plain(text: &str) -> Note {
        Note::new(text, 0, 0)
    }

    /// Whether the note states a count (a note of none is worded without), and so is
    /// part of the publication.
    #[allow(
        clippy::disallowed_methods,
        reason = "whether it is published depends on the exact counts"
    )]
    fn is_published(&self) -> bool {
        self.count.exact() > 0 || self.n.exact() > 0
    }

    /// The text with `{antal}` and `{n}` as its audience sees them: the counts, or what
    /// disclosure control lets a public report say of them (a small count is "färre än
    /// 5", any other hidden one `..`).
    fn word(&self, threshold: Option<i64>) -> String {
        let count = match (self.count.shown(), self.count.hidden_because(), threshold) {
            (Some(count), _, _) => count.to_string(),
            (None, Some(Reason::Small | Reason::SmallGroup), Some(threshold)) => {
                format!("färre än {threshold}")
            }
            _ => "..".to_string(),
        };
        let n = self
            .n
            .shown()
            .map_or_else(|| "..".to_string(), |n| n.to_string());
        self.text.replace("{antal}", &count).replace("{n}", &n)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub nr: u32,
    pub rubrik: String,
    /// The query file that computed the table, and its title.
    pub fraga: String,
    pub fraga_titel: String,
    pub typ: TableKind,
    pub kolumner: Vec<Column>,
    pub rader: Vec<Row>,
    pub not: Option<String>,
    /// Cells that add up to a total (disclosure keys), for complementary suppression.
    #[serde(skip)]
    pub sums: Vec<(Vec<String>, String)>,
    /// (count, denominator) keys of counts shown beside a larger one they are part of,
    /// beyond the shares' own: the rest between them is a count too.
    #[serde(skip)]
    pub pairs: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub text: String,
    /// The `grupp` value (`alla`, `K`, `16–29`, …) or cohort behind the column.
    pub nyckel: String,
    /// Participants in the column: the denominator of its shares where they share one
    /// (a matrix's category columns have none).
    pub n: Option<Count>,
}

impl Column {
    /// The key of its n, where it has one.
    pub fn n_key(&self) -> Option<&str> {
        self.n.as_ref().map(Count::key)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub text: String,
    pub celler: Vec<Cell>,
}

/// One cell, its counts as its audience sees them ([`crate::display`]); a value worked
/// out from them is `None` where a count it needs is not shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Share(ShareCell),
    Change(ChangeCell),
    Number(NumberCell),
    Survival(SurvivalCell),
}

/// `antal` of `n`, as a share with its 95 % Wilson interval (fractions of 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareCell {
    pub antal: Count,
    pub n: Count,
    pub andel: Option<f64>,
    pub ki_lag: Option<f64>,
    pub ki_hog: Option<f64>,
    /// Hidden with the whole of its group, zeros too, though the group's n is shown: it
    /// may be 0 (`docs/rojandekontroll.md`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gruppen_dold: bool,
}

/// A count at two points (e.g. vid start → vid avslut) of the same `n`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeCell {
    pub fore: Count,
    pub efter: Count,
    pub n: Count,
    /// `efter − fore`.
    pub skillnad: Option<i64>,
    /// The change in share, in percentage points.
    pub procentenheter: Option<f64>,
}

/// A number such as a quartile of days: shown where its column's n is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberCell {
    pub varde: Option<f64>,
    #[serde(skip)]
    exact: Option<f64>,
}

impl NumberCell {
    /// The number, to be shown once its audience is decided.
    fn new(exact: Option<f64>) -> NumberCell {
        NumberCell { varde: None, exact }
    }
}

/// A point of a Kaplan–Meier curve: the share who have had the event by then. Shown
/// where those followed are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalCell {
    pub andel: Option<f64>,
    pub ki_lag: Option<f64>,
    pub ki_hog: Option<f64>,
    /// Participants still followed at the start of the month.
    pub i_risk: Count,
    /// Events up to and including the month.
    pub handelser: Count,
    /// The curve's exact point: (share, interval).
    #[serde(skip)]
    exact: Option<(f64, Option<f64>, Option<f64>)>,
}

/// The columns a table report shows beside Totalt: the queries compute every breakdown
/// (`indelning`), the report shows one set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Breakdown {
    /// Kön and age band: the report as the project hands it in.
    #[default]
    KonAlder,
    /// Folkbokföringskommun, with the kommuner's own figures beside the tables.
    Kommun,
}

impl Breakdown {
    /// The `indelning` values shown.
    fn shows(self, indelning: &str) -> bool {
        match self {
            Breakdown::KonAlder => matches!(indelning, "totalt" | "kon" | "alder"),
            Breakdown::Kommun => indelning == "totalt" || indelning == layout::BY_MUNICIPALITY,
        }
    }

    /// Whether a table of this kind belongs in the report.
    fn has_table(self, kind: TableKind) -> bool {
        kind != TableKind::Kontext || self == Breakdown::Kommun
    }
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct TableSelection {
    /// Project short names, or `alla`.
    pub projects: Vec<String>,
    pub period: Period,
    /// Disclosure control for readers outside the project; `None`: exact counts.
    pub public_threshold: Option<i64>,
    pub breakdown: Breakdown,
}

/// Computes the table report whose layout and queries are in `library`. With a public
/// threshold the report, for a calendar year, is published with every other selection
/// (each project and `alla`) of that year, and disclosure control decides over all of
/// them together ([`crate::report::public`]).
pub async fn build(
    dataset: &Dataset,
    engine: &Engine,
    library: &super::QueryLibrary,
    selection: &TableSelection,
) -> Result<TableReport, ReportError> {
    let Some(threshold) = selection.public_threshold else {
        let mut report = build_exact(
            dataset,
            engine,
            library,
            &selection.projects,
            selection.period,
            selection.breakdown,
        )
        .await?;
        publish::present(&mut report, &Audience::Project);
        return Ok(report);
    };
    if selection.breakdown != Breakdown::KonAlder {
        return Err(ReportError::PublicBreakdown);
    }
    let published = super::public::selection(&selection.projects)?;
    let year = super::public::year(selection.period)?;
    let (publication, mut reports) = super::public::tables(dataset, engine, library, year).await?;
    let mut report = super::public::page(&mut reports, &published)?;
    let protected = ledger::publish(dataset.root(), publication, threshold)?;
    let period = report.head.period.clone();
    publish::present(
        &mut report,
        &Audience::page(&protected, &published, &period),
    );
    Ok(report)
}

/// The table report with exact counts, for an audience to decide what it shows.
pub(crate) async fn build_exact(
    dataset: &Dataset,
    engine: &Engine,
    library: &super::QueryLibrary,
    projects: &[String],
    period: Period,
    breakdown: Breakdown,
) -> Result<TableReport, ReportError> {
    let layout = TableLayout::parse(
        library.text(LAYOUT_FILE)?,
        &format!("{}/{LAYOUT_FILE}", library.origin()),
    )?;
    let title = match breakdown {
        Breakdown::KonAlder => layout.titel.clone(),
        Breakdown::Kommun => format!("{}, per folkbokföringskommun", layout.titel),
    };
    let head = ReportHead::new(
        dataset,
        &title,
        projects,
        (period.to_string(), period.start(), period.end()),
        |_| true,
    )?;
    let mut report = TableReport {
        head,
        fragor: library.folder().to_string(),
        anmarkningar: Vec::new(),
        tabeller: Vec::new(),
        notes: Vec::new(),
        grundmangd: layout.grundmangd.clone(),
    };
    if report.head.inlamningar.is_empty() {
        report.notes.push(Note::plain(
            "Urvalet har inga inlämningar: det finns inget att räkna på.",
        ));
        return Ok(report);
    }
    let params = vec![
        ("projekt".to_string(), projects.join(",")),
        ("period".to_string(), period.to_string()),
    ];
    let quality_query = layout.kvalitet.as_ref().map(|q| q.fraga.as_str());
    let shown: Vec<&TableEntry> = layout
        .tabeller
        .iter()
        .filter(|t| breakdown.has_table(t.typ))
        .collect();
    let results = super::run_queries(
        engine,
        library,
        shown.iter().map(|t| t.fraga.as_str()).chain(quality_query),
        &params,
    )
    .await?;
    let result = |name: &str| -> (&QueryFile, &QueryResult) {
        let (file, data) = &results[name];
        (file, data)
    };
    if let Some(quality) = &layout.kvalitet {
        let (file, data) = result(&quality.fraga);
        report.notes = place::notes(quality, file, data)?;
    }
    for entry in shown {
        let (file, data) = result(&entry.fraga);
        let data = super::Columns::new(&file.name, data)
            .rows_where("indelning", |i| i.is_some_and(|i| breakdown.shows(i)))?;
        for mut table in place::tables(&layout, entry, file, &data)? {
            // No column means nobody in the population: no row has anything to say.
            if table.kolumner.is_empty() {
                table.rader.clear();
            }
            report.tabeller.push(table);
        }
    }
    if layout.kvalitet.is_none() && report.tabeller.iter().all(|t| t.rader.is_empty()) {
        report.notes.push(Note::plain(
            "Urvalet har inga deltagare i perioden: tabellerna är tomma.",
        ));
    }
    Ok(report)
}

pub use publish::{add as add_to_publication, present};

/// Whole percent of a fraction, halves up, for display: 0.4706 → 47.
pub fn percent(fraction: f64) -> i64 {
    (fraction * 100.0 + 0.5 + 1e-9).floor() as i64
}
