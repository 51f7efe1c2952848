//! The project registry: the förbund's projects, as data.
//!
//! `DATA/projekt.toml` holds one `[[projekt]]` per project: its short name (`kortnamn`,
//! the name submissions use), full name, förbund, the kommuner it serves (kommunkoder),
//! start and end, target group, and budget per year in kronor. `finsam projekt
//! add|list|end` manage it; it may be read and edited by hand, and is checked every time
//! it is read, with the project and field named.
//!
//! A submission for a project the registry does not know is refused, with the names
//! close to it ("menade du BRYGGAN?"), so that a typo never becomes a project on the
//! board's pages. Two ways in are deliberate: `finsam projekt add`, and `--nytt-projekt`
//! on an ingest. The first submissions of a dataset without any project register their
//! projects themselves: there is nothing yet to mistype against.
//!
//! Every project with data is registered: a project in the manifest but not in the file
//! (a dataset from before the registry, or a crash between a commit and the registry's
//! write) is read as registered with only its short name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::failure::Kind;
use crate::schema::{CodeList, Schema};
use crate::store::{Manifest, StoreError, write_atomic};

pub const REGISTRY_FILE: &str = "projekt.toml";
/// How far (in edits) a name may be from a registered one to be suggested.
const CLOSE: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("projektregistret {path} är felaktigt: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("projektet {0} finns redan i projektregistret: finsam projekt list visar det")]
    Exists(String),
    #[error("{}", unknown_message(.0, .1))]
    Unknown(String, Vec<String>),
    #[error("{0}")]
    Field(String),
}

impl RegistryError {
    /// What kind of failure this is (see [`crate::failure`]).
    pub fn kind(&self) -> Kind {
        match self {
            RegistryError::Store(e) => e.kind(),
            RegistryError::Invalid { .. }
            | RegistryError::Exists(_)
            | RegistryError::Unknown(..)
            | RegistryError::Field(_) => Kind::InvalidInput,
        }
    }
}

/// `projektet BRYGGA finns inte i projektregistret; menade du BRYGGAN?`, and how to add one.
pub fn unknown_message(name: &str, close: &[String]) -> String {
    let guess = match close {
        [] => ".".to_string(),
        [one] => format!("; menade du {one}?"),
        several => format!("; menade du {}?", several.join(" eller ")),
    };
    format!(
        "projektet {name} finns inte i projektregistret{guess} Ett nytt projekt läggs till med finsam projekt add {name} (eller --nytt-projekt vid inläsningen)"
    )
}

/// One project as the registry file has it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// The short name submissions use, e.g. SIGMA.
    pub kortnamn: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namn: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub forbund: String,
    /// Kommunkoder (SCB, four digits) of the kommuner the project serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kommuner: Vec<String>,
    /// First and last day (a TOML date, `start = 2007-01-01`); absent when not known.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_date")]
    pub start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_date")]
    pub slut: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub malgrupp: String,
    /// Budget per calendar year in kronor, the year as text (`"2008" = 1200000`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub budget: BTreeMap<String, u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    projekt: Vec<Project>,
}

/// The registered projects, by short name.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Registry {
    projects: BTreeMap<String, Project>,
}

impl Registry {
    /// The registry of the dataset at `data`: its file, and every project of its
    /// manifest (when there is one) that the file lacks.
    pub fn load(data: &Path) -> Result<Registry, RegistryError> {
        let manifest = Manifest::load(&data.join(crate::store::MANIFEST_FILE))?;
        Registry::with_manifest(data, &manifest)
    }

    /// The registry of an opened dataset, with the manifest it has read already.
    pub fn of(dataset: &crate::store::Dataset) -> Result<Registry, RegistryError> {
        let manifest = dataset.manifest()?;
        Registry::with_manifest(dataset.root(), &manifest)
    }

    fn with_manifest(data: &Path, manifest: &Manifest) -> Result<Registry, RegistryError> {
        let mut registry = Registry::read_file(&data.join(REGISTRY_FILE))?;
        for entry in &manifest.entries {
            registry
                .projects
                .entry(entry.projekt.clone())
                .or_insert_with(|| Project {
                    kortnamn: entry.projekt.clone(),
                    ..Project::default()
                });
        }
        Ok(registry)
    }

    fn read_file(path: &Path) -> Result<Registry, RegistryError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registry::default()),
            Err(e) => return Err(StoreError::io(path, e).into()),
        };
        let invalid = |message: String| RegistryError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: File = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let mut registry = Registry::default();
        for mut project in file.projekt {
            // A name or an older code written by hand is read as the kommun's code.
            for kommun in &mut project.kommuner {
                if let Some(code) = kommunkod(kommun) {
                    *kommun = code;
                }
            }
            check(&project, Strictness::AsWritten)
                .map_err(|m| invalid(format!("projekt {}: {m}", project.kortnamn)))?;
            let name = project.kortnamn.clone();
            if registry.projects.insert(name.clone(), project).is_some() {
                return Err(invalid(format!("projektet {name} står två gånger")));
            }
        }
        Ok(registry)
    }

    /// Writes the registry to `data` (temp file, fsync, rename). The caller holds the
    /// dataset's write lock.
    pub fn save(&self, data: &Path) -> Result<(), RegistryError> {
        std::fs::create_dir_all(data).map_err(|e| StoreError::io(data, e))?;
        let file = File {
            projekt: self.projects.values().cloned().collect(),
        };
        let text = format!(
            "# Förbundets projekt (finsam projekt add|list|end). Fälten står i README.md.\n\n{}",
            toml::to_string(&file).expect("the registry serialises")
        );
        Ok(write_atomic(&data.join(REGISTRY_FILE), text.as_bytes())?)
    }

    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
    }

    pub fn get(&self, kortnamn: &str) -> Option<&Project> {
        self.projects.get(kortnamn)
    }

    pub fn projects(&self) -> impl Iterator<Item = &Project> {
        self.projects.values()
    }

    /// Adds a new project after checking it; a name already registered is refused.
    pub fn add(&mut self, project: Project) -> Result<(), RegistryError> {
        check(&project, Strictness::New).map_err(RegistryError::Field)?;
        if self.projects.contains_key(&project.kortnamn) {
            return Err(RegistryError::Exists(project.kortnamn));
        }
        self.projects.insert(project.kortnamn.clone(), project);
        Ok(())
    }

    /// Changes a registered project: `edit` gets it and returns it changed; the result
    /// is checked before it replaces the old one.
    pub fn set(
        &mut self,
        kortnamn: &str,
        edit: impl FnOnce(Project) -> Project,
    ) -> Result<(), RegistryError> {
        let close = self.close_to(kortnamn);
        let project = self
            .projects
            .get_mut(kortnamn)
            .ok_or_else(|| RegistryError::Unknown(kortnamn.to_string(), close))?;
        let changed = edit(project.clone());
        check(&changed, Strictness::New).map_err(RegistryError::Field)?;
        if changed.kortnamn != project.kortnamn {
            return Err(RegistryError::Field("kortnamnet går inte att ändra".into()));
        }
        *project = changed;
        Ok(())
    }

    /// Sets a registered project's last day.
    pub fn end(&mut self, kortnamn: &str, slut: NaiveDate) -> Result<(), RegistryError> {
        self.set(kortnamn, |project| Project {
            slut: Some(slut),
            ..project
        })
    }

    /// The registered names a few edits from `name`, nearest first (at most three).
    pub fn close_to(&self, name: &str) -> Vec<String> {
        let mut close: Vec<(usize, &String)> = self
            .projects
            .keys()
            .filter(|known| alike(name, known))
            .map(|known| (edits(name, known), known))
            .collect();
        close.sort();
        close.into_iter().take(3).map(|(_, n)| n.clone()).collect()
    }

    /// `Ok` for a registered project; otherwise the refusal with the close names.
    pub fn check_known(&self, name: &str) -> Result<&Project, RegistryError> {
        self.get(name)
            .ok_or_else(|| RegistryError::Unknown(name.to_string(), self.close_to(name)))
    }
}

/// Reads the registry of `data` under the dataset's write lock, changes it and writes it
/// back; a change that fails writes nothing. The folder is made if there is none yet
/// (projects may be registered before the first submission).
pub fn change(
    data: &Path,
    edit: impl FnOnce(&mut Registry) -> Result<(), RegistryError>,
) -> Result<(), RegistryError> {
    std::fs::create_dir_all(data).map_err(|e| StoreError::io(data, e))?;
    let _lock = crate::store::wait_for_folder(data)?;
    let mut registry = Registry::load(data)?;
    edit(&mut registry)?;
    registry.save(data)
}

/// A project's fields are well formed: a valid short name, kommunkoder of four digits in
/// a län that exists, an end not before the start, budget years that are years.
/// How strictly kommuner are checked: what is written now must be one of SCB's
/// kommuner; a registry written before finsam knew the list is read if its codes have the
/// form of one (four digits in a län), so that a dataset that loaded before still does.
#[derive(Clone, Copy, PartialEq)]
enum Strictness {
    New,
    AsWritten,
}

fn check(project: &Project, strictness: Strictness) -> Result<(), String> {
    if project_name(&project.kortnamn).as_deref() != Some(&project.kortnamn) {
        return Err(format!(
            "kortnamn {:?} {}; skriv det med stora bokstäver",
            crate::personnummer::redact_for_message(&project.kortnamn),
            PROJECT_NAME_RULE
        ));
    }
    for kommun in &project.kommuner {
        let known = municipalities().get(kommun).is_some();
        let legacy = strictness == Strictness::AsWritten && has_kommunkod_form(kommun);
        if !(known || legacy) {
            let meant = kommunkod(kommun)
                .map(|code| format!("; skriv koden, {}", kommun_label(&code)))
                .unwrap_or_else(|| {
                    ": fyra siffror enligt SCB:s lista över kommuner (t.ex. 1884 för Nora)".into()
                });
            return Err(format!("kommunkoden {kommun:?} är ingen kommunkod{meant}"));
        }
    }
    if let (Some(start), Some(slut)) = (project.start, project.slut)
        && slut < start
    {
        return Err(format!("slut {slut} ligger före start {start}"));
    }
    for year in project.budget.keys() {
        let valid = year
            .parse::<i32>()
            .is_ok_and(|y| (1990..=2100).contains(&y));
        if !valid {
            return Err(format!(
                "budget: {year:?} är inget år (skriv t.ex. \"2008\" = 1200000)"
            ));
        }
    }
    Ok(())
}

/// SCB's kommuner, the code list `kommun` of the bundled schema (`schemas/kommuner.toml`).
pub fn municipalities() -> &'static CodeList {
    static LIST: OnceLock<CodeList> = OnceLock::new();
    LIST.get_or_init(|| {
        Schema::bundled()
            .ok()
            .and_then(|schema| schema.code_list(MUNICIPALITY_LIST).cloned())
            .expect("the bundled schema has the code list kommun")
    })
}

pub const MUNICIPALITY_LIST: &str = "kommun";

/// Four digits, the first two a län of SCB's list.
fn has_kommunkod_form(code: &str) -> bool {
    code.len() == 4
        && code.chars().all(|c| c.is_ascii_digit())
        && municipalities()
            .codes
            .iter()
            .any(|kommun| kommun.code[..2] == code[..2])
}

/// The kommunkod a text means: the code itself, the kommun's name or an older name
/// (`Nässjö`, `Nässjö kommun`, `Malung` all say which kommun).
pub fn kommunkod(text: &str) -> Option<String> {
    municipalities()
        .find(text, u32::MAX)
        .map(|code| code.code.clone())
}

/// `"0682 (Nässjö)"`, or the code alone when it is no kommun's.
pub fn kommun_label(code: &str) -> String {
    match municipalities().get(code) {
        Some(kommun) => format!("{} ({})", kommun.code, kommun.label),
        None => code.to_string(),
    }
}

/// The days of `project` a date falls outside: before its start or after its end.
pub fn outside(project: &Project, date: NaiveDate) -> Option<String> {
    match (project.start, project.slut) {
        (Some(start), _) if date < start => Some(format!("projektets start {start}")),
        (_, Some(slut)) if date > slut => Some(format!("projektets slut {slut}")),
        _ => None,
    }
}

/// Dates as TOML writes them (`2007-01-01`, unquoted); a quoted date is read too.
mod toml_date {
    use chrono::{Datelike, NaiveDate};
    use serde::{Deserialize, Deserializer, Serializer};
    use toml::value::{Date, Datetime};

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, to: S) -> Result<S::Ok, S::Error> {
        let date = date.expect("skipped when absent");
        let datetime = Datetime {
            date: Some(Date {
                year: date.year() as u16,
                month: date.month() as u8,
                day: date.day() as u8,
            }),
            time: None,
            offset: None,
        };
        serde::Serialize::serialize(&datetime, to)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Date(Datetime),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Option<NaiveDate>, D::Error> {
        let invalid = |shown: String| {
            serde::de::Error::custom(format!("{shown} är inget datum (skriv t.ex. 2007-01-01)"))
        };
        match Written::deserialize(from)? {
            Written::Date(Datetime {
                date: Some(Date { year, month, day }),
                time: None,
                offset: None,
            }) => NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())
                .map(Some)
                .ok_or_else(|| invalid(format!("{year}-{month}-{day}"))),
            Written::Date(other) => Err(invalid(other.to_string())),
            Written::Text(text) => text.parse().map(Some).map_err(|_| invalid(text)),
        }
    }
}

/// Whether two short names are a few edits apart, so one may be a typo of the other.
/// Names that differ only in their digits (P01, P02; SIGMA2) are numbered on purpose.
pub fn alike(a: &str, b: &str) -> bool {
    let letters = |name: &str| -> String { name.chars().filter(|c| !c.is_ascii_digit()).collect() };
    a != b && letters(a) != letters(b) && edits(a, b) <= CLOSE
}

/// Levenshtein distance over characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// What a project's short name may be, as messages say it.
pub const PROJECT_NAME_RULE: &str = "får bara innehålla A–Z, 0–9, - och _ (högst 40 tecken) och får inte se ut som ett personnummer";

/// A project's short name as it is kept, from what was written: A–Z, 0–9, `-` and `_`,
/// at most 40 characters (it names folders, partitions and reports), lower case a–z
/// read as upper case; `None` for anything else. The letters are checked before they
/// are folded, so that `ſigma` or `kompıs` (which Unicode upper-cases to SIGMA and
/// KOMPIS) is refused rather than taken for another project. A name with the shape of a
/// personnummer (`850312-1231`) is refused: it would be stored in every folder name,
/// report title and receipt.
pub fn project_name(written: &str) -> Option<String> {
    let name = written.trim();
    let allowed = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !crate::personnummer::contains_number_shape(name);
    allowed.then(|| name.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(name: &str) -> Project {
        Project {
            kortnamn: name.into(),
            ..Project::default()
        }
    }

    #[test]
    fn a_typo_is_refused_with_the_names_it_is_close_to() {
        let mut registry = Registry::default();
        for name in ["BRYGGAN", "SIGMA", "KOMPIS", "BRYGGOR"] {
            registry.add(project(name)).unwrap();
        }
        assert_eq!(registry.close_to("BRYGGA"), ["BRYGGAN", "BRYGGOR"]);
        let refusal = registry.check_known("BRYGGA").unwrap_err().to_string();
        assert!(
            refusal.starts_with(
                "projektet BRYGGA finns inte i projektregistret; menade du BRYGGAN eller BRYGGOR?"
            ),
            "{refusal}"
        );
        assert!(registry.check_known("NOVA").unwrap_err().to_string().contains(
            "projektet NOVA finns inte i projektregistret. Ett nytt projekt läggs till med finsam projekt add NOVA"
        ));
        assert!(matches!(
            registry.add(project("SIGMA")),
            Err(RegistryError::Exists(_))
        ));
        assert_eq!(edits("SIGMA", "SIGMA"), 0);
        assert_eq!(edits("KOMPIS", "KOMPISAR"), 2);
        assert!(alike("SIGMA", "SIGAM") && alike("BRYGGA", "BRYGGAN"));
        assert!(!alike("P01", "P02") && !alike("SIGMA", "SIGMA2") && !alike("SIGMA", "KOMPIS"));
    }

    #[test]
    fn fields_are_checked_and_survive_a_write_and_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut registry = Registry::default();
        let sigma = Project {
            kortnamn: "SIGMA".into(),
            namn: "SIGMA-gruppen".into(),
            forbund: "Samordningsförbundet Norra Örebro län".into(),
            kommuner: vec!["1884".into()],
            start: "2007-01-01".parse().ok(),
            slut: None,
            malgrupp: "Personer 16–64 år långt från arbetsmarknaden".into(),
            budget: [("2008".to_string(), 1_200_000)].into(),
        };
        registry.add(sigma.clone()).unwrap();
        for bad in [
            Project {
                kommuner: vec!["9999".into()],
                ..project("A")
            },
            Project {
                start: "2008-01-01".parse().ok(),
                slut: "2007-01-01".parse().ok(),
                ..project("B")
            },
            Project {
                budget: [("år 1".to_string(), 5)].into(),
                ..project("C")
            },
            project("sigma2"),
        ] {
            assert!(registry.add(bad).is_err());
        }
        registry.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(REGISTRY_FILE)).unwrap();
        assert!(text.contains("kommuner = [\"1884\"]"), "{text}");
        let read = Registry::load(dir.path()).unwrap();
        assert_eq!(read.get("SIGMA"), Some(&sigma));
        registry
            .end("SIGMA", "2011-12-31".parse().unwrap())
            .unwrap();
        registry
            .set("SIGMA", |p| Project {
                namn: "SIGMA-gruppen i Nora".into(),
                ..p
            })
            .unwrap();
        assert_eq!(registry.get("SIGMA").unwrap().namn, "SIGMA-gruppen i Nora");
        assert!(matches!(
            registry.set("SIGNA", |p| p),
            Err(RegistryError::Unknown(..))
        ));
        assert!(
            registry
                .end("SIGMA", "2006-12-31".parse().unwrap())
                .is_err()
        );
        assert_eq!(
            outside(
                registry.get("SIGMA").unwrap(),
                "2012-02-01".parse().unwrap()
            )
            .as_deref(),
            Some("projektets slut 2011-12-31")
        );
        std::fs::write(
            dir.path().join(REGISTRY_FILE),
            "[[projekt]]\nkortnamn = \"X\"\nfarg = \"blå\"\n",
        )
        .unwrap();
        let error = Registry::load(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("projekt.toml") && error.contains("farg"),
            "{error}"
        );
    }

    #[test]
    fn a_project_name_is_ascii_checked_before_it_is_folded_and_never_a_personnummer() {
        assert_eq!(project_name(" sigma ").as_deref(), Some("SIGMA"));
        assert_eq!(project_name("Steg_2-b").as_deref(), Some("STEG_2-B"));
        // Unicode would upper-case these to SIGMA and KOMPIS: another project's name.
        for refused in ["ſigma", "kompıs", "", "a b", "x".repeat(41).as_str()] {
            assert_eq!(project_name(refused), None, "{refused:?}");
        }
        for number in ["850312-1231", "198503121231", "P8503121231", "850312+1231"] {
            assert_eq!(project_name(number), None, "{number:?}");
        }
    }
}
