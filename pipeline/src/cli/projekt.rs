use chrono::NaiveDate;
use finsam::registry::{Project, Registry};

use super::{DataArgs, Exit};

/// Förbundets projekt: registret som varje inlämning kontrolleras mot.
///
/// En inlämning för ett projekt som inte är registrerat avvisas, med de registrerade namn
/// som liknar det ("menade du BRYGGAN?"), så att ett stavfel aldrig blir ett projekt på
/// styrelsens sidor. Registret är projekt.toml i datamängdens mapp; det går att ändra för
/// hand också. Projektens kommuner och budget är vad jämförelser av kostnader och kommuner
/// bygger på: i SQL tabellerna projekt, projekt_kommuner och projekt_budget.
///
/// Exempel:
///   finsam projekt add BRYGGAN --namn "Bryggan" --start 2012-01-01 --kommun 1880 --budget 2012=850000
///   finsam projekt set SIGMA --namn "SIGMA-gruppen" --kommun 1884 --budget 2009=1300000
///   finsam projekt list
///   finsam projekt end BRYGGAN --slut 2014-12-31
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Registrera ett nytt projekt (--start krävs).
    Add {
        /// Kortnamnet som inlämningarna använder, t.ex. BRYGGAN (A–Z, 0–9, - och _).
        kortnamn: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Ändra uppgifterna om ett registrerat projekt: de som anges ersätter dem det hade
    /// (ett budgetår som anges ersätter det året).
    Set {
        /// Projektets kortnamn.
        kortnamn: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Lista de registrerade projekten.
    List,
    /// Sätt sista dagen för ett registrerat projekt.
    End {
        /// Projektets kortnamn.
        kortnamn: String,
        /// Sista dagen, ÅÅÅÅ-MM-DD.
        #[arg(long)]
        slut: NaiveDate,
    },
}

/// What a project is registered with, beside its short name.
#[derive(clap::Args)]
struct Fields {
    /// Hela namnet.
    #[arg(long)]
    namn: Option<String>,
    /// Samordningsförbundet som finansierar projektet.
    #[arg(long)]
    forbund: Option<String>,
    /// En kommun som projektet arbetar i: kommunkoden (SCB, fyra siffror) eller namnet;
    /// upprepa för flera.
    #[arg(long = "kommun", value_name = "KOMMUN")]
    kommuner: Vec<String>,
    /// Första dagen, ÅÅÅÅ-MM-DD.
    #[arg(long)]
    start: Option<NaiveDate>,
    /// Sista dagen, ÅÅÅÅ-MM-DD, när den är bestämd.
    #[arg(long)]
    slut: Option<NaiveDate>,
    /// Vilka projektet är till för.
    #[arg(long)]
    malgrupp: Option<String>,
    /// Ett års budget i kronor, som ÅR=KRONOR; upprepa för flera år.
    #[arg(long, value_name = "ÅR=KRONOR", value_parser = parse_budget)]
    budget: Vec<(String, u64)>,
}

impl Fields {
    /// `project` with the fields given here in place of its own.
    fn apply(self, mut project: Project) -> Project {
        let replace = |field: &mut String, given: Option<String>| {
            if let Some(given) = given {
                *field = given;
            }
        };
        replace(&mut project.namn, self.namn);
        replace(&mut project.forbund, self.forbund);
        replace(&mut project.malgrupp, self.malgrupp);
        if !self.kommuner.is_empty() {
            // A name (Nässjö) is stored as its code; what is no kommun is left for the
            // registry's check to refuse with its message.
            project.kommuner = self
                .kommuner
                .into_iter()
                .map(|given| finsam::registry::kommunkod(&given).unwrap_or(given))
                .collect();
        }
        project.start = self.start.or(project.start);
        project.slut = self.slut.or(project.slut);
        project.budget.extend(self.budget);
        project
    }
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
    finsam::registry::project_name(written).ok_or_else(|| {
        finsam::Error::Usage(format!(
            "kortnamnet {:?} {}",
            finsam::personnummer::redact_for_message(written.trim()),
            finsam::registry::PROJECT_NAME_RULE
        ))
    })
}

pub fn run(args: Args, data: &DataArgs) -> finsam::Result<Exit> {
    let data = &data.data;
    match args.action {
        Action::Add { kortnamn, fields } => {
            if fields.start.is_none() {
                return Err(finsam::Error::Usage(
                    "ange projektets första dag med --start ÅÅÅÅ-MM-DD".into(),
                ));
            }
            let project = fields.apply(Project {
                kortnamn: short_name(&kortnamn)?,
                ..Project::default()
            });
            let shown = project.kortnamn.clone();
            finsam::registry::change(data, |registry| registry.add(project))?;
            println!("Projektet {shown} är registrerat i {}", registry_path(data));
        }
        Action::Set { kortnamn, fields } => {
            let kortnamn = short_name(&kortnamn)?;
            finsam::registry::change(data, |registry| {
                registry.set(&kortnamn, |project| fields.apply(project))
            })?;
            println!("Projektet {kortnamn} är ändrat i {}", registry_path(data));
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
            finsam::registry::change(data, |registry| registry.end(&kortnamn, slut))?;
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
