use chrono::NaiveDate;
use finsam::registry::{Project, Registry};

use super::{DataArgs, Exit};

/// The förbund's projects: the registry every submission is checked against.
///
/// A submission for a project that is not registered is refused, with the registered
/// names close to it ("menade du BRYGGAN?"), so a typo never becomes a project on the
/// board's pages. The registry is DATA/projekt.toml; it may be edited by hand too.
/// Its kommuner and budget are what cost and municipal comparisons join on: in SQL the
/// tables projekt, projekt_kommuner and projekt_budget.
///
/// Examples:
///   finsam projekt add BRYGGAN --namn "Bryggan" --start 2012-01-01 --kommun 1880 --budget 2012=850000
///   finsam projekt list
///   finsam projekt end BRYGGAN --slut 2014-12-31
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Register a new project.
    Add {
        /// The short name submissions use, e.g. BRYGGAN (A–Z, 0–9, - and _).
        kortnamn: String,
        /// The full name.
        #[arg(long, default_value = "")]
        namn: String,
        /// The samordningsförbund that funds it.
        #[arg(long, default_value = "")]
        forbund: String,
        /// A kommunkod (SCB, four digits) of a kommun it serves; repeat for several.
        #[arg(long = "kommun", value_name = "KOMMUNKOD")]
        kommuner: Vec<String>,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        start: NaiveDate,
        /// Last day, YYYY-MM-DD, when decided.
        #[arg(long)]
        slut: Option<NaiveDate>,
        /// Who the project is for.
        #[arg(long, default_value = "")]
        malgrupp: String,
        /// A year's budget in kronor, as ÅR=KRONOR; repeat for several years.
        #[arg(long, value_name = "ÅR=KRONOR", value_parser = parse_budget)]
        budget: Vec<(String, u64)>,
    },
    /// List the registered projects.
    List,
    /// Set the last day of a registered project.
    End {
        kortnamn: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        slut: NaiveDate,
    },
}

fn parse_budget(text: &str) -> Result<(String, u64), String> {
    let (year, kronor) = text
        .split_once('=')
        .ok_or("skriv budgeten som ÅR=KRONOR, t.ex. 2012=850000")?;
    let kronor: u64 = kronor
        .trim()
        .replace([' ', '\u{a0}'], "")
        .parse()
        .map_err(|_| format!("\"{kronor}\" är inget belopp i hela kronor"))?;
    Ok((year.trim().to_string(), kronor))
}

/// The short name as submissions use it, or a usage error saying what a name may be.
fn short_name(written: &str) -> finsam::Result<String> {
    finsam::load::project_name(written).ok_or_else(|| {
        finsam::Error::Usage(format!(
            "kortnamnet {:?} {}",
            finsam::personnummer::redact_for_message(written.trim()),
            finsam::load::PROJECT_NAME_RULE
        ))
    })
}

pub fn run(args: Args) -> finsam::Result<Exit> {
    let data = &args.data.data;
    match args.action {
        Action::Add {
            kortnamn,
            namn,
            forbund,
            kommuner,
            start,
            slut,
            malgrupp,
            budget,
        } => {
            let project = Project {
                kortnamn: short_name(&kortnamn)?,
                namn,
                forbund,
                kommuner,
                start: Some(start),
                slut,
                malgrupp,
                budget: budget.into_iter().collect(),
            };
            let shown = project.kortnamn.clone();
            finsam::registry::change(data, |registry| registry.add(project))?;
            println!("Projektet {shown} är registrerat i {}", registry_path(data));
        }
        Action::List => {
            let registry = Registry::load(data)?;
            if registry.is_empty() {
                println!(
                    "Inga projekt ännu: finsam projekt add NAMN --start ÅÅÅÅ-MM-DD (eller läs in en första inlämning)"
                );
            }
            for project in registry.projects() {
                println!("{}", describe(project));
            }
        }
        Action::End { kortnamn, slut } => {
            let kortnamn = short_name(&kortnamn)?;
            finsam::registry::change(data, |registry| registry.end(&kortnamn, slut).map(|_| ()))?;
            println!("Projektet {kortnamn} slutar {slut}");
        }
    }
    Ok(Exit::Ok)
}

fn registry_path(data: &std::path::Path) -> String {
    data.join(finsam::registry::REGISTRY_FILE)
        .display()
        .to_string()
}

/// One line: short name, full name, period, kommuner and budget, what is known of them.
fn describe(project: &Project) -> String {
    let day = |d: Option<NaiveDate>| d.map_or_else(|| "?".to_string(), |d| d.to_string());
    let mut parts = vec![format!("{:<12}", project.kortnamn)];
    if !project.namn.is_empty() {
        parts.push(project.namn.clone());
    }
    parts.push(format!("{} – {}", day(project.start), day(project.slut)));
    if !project.kommuner.is_empty() {
        parts.push(format!("kommuner {}", project.kommuner.join(", ")));
    }
    if !project.budget.is_empty() {
        let years: Vec<String> = project
            .budget
            .iter()
            .map(|(year, kronor)| format!("{year}: {kronor} kr"))
            .collect();
        parts.push(format!("budget {}", years.join(", ")));
    }
    if !project.malgrupp.is_empty() {
        parts.push(format!("målgrupp: {}", project.malgrupp));
    }
    parts.join("  ")
}
