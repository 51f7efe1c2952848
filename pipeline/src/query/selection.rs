//! Which projects a command reads: every project (`alla`) or named ones, checked
//! against the dataset before any query runs, so a mistyped name is told at once and
//! names the projects there are.

use crate::store::Dataset;

use super::QueryError;
use super::functions::{ALL_PROJECTS, selects};

/// The projects a command reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectSelection {
    /// Every project of the dataset (`alla`).
    All,
    /// These projects, upper case, sorted, each once; each has data in the dataset.
    Projects(Vec<String>),
}

impl ProjectSelection {
    /// The selection `names` make (`alla` among them selects every project), each name
    /// checked against the projects with a current submission in the dataset.
    pub fn check(dataset: &Dataset, names: &[String]) -> Result<ProjectSelection, QueryError> {
        if names
            .iter()
            .any(|n| n.trim().eq_ignore_ascii_case(ALL_PROJECTS))
        {
            return Ok(ProjectSelection::All);
        }
        let manifest = dataset.manifest()?;
        let known: std::collections::BTreeSet<&str> = manifest
            .entries
            .iter()
            .map(|entry| entry.projekt.as_str())
            .collect();
        let mut selected = Vec::new();
        for name in names {
            let name = name.trim();
            match known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
                Some(project) => selected.push(project.to_string()),
                None => {
                    return Err(QueryError::UnknownProject {
                        unknown: crate::personnummer::redact_for_message(name).into_owned(),
                        known: if known.is_empty() {
                            "inga projekt ännu".to_string()
                        } else {
                            known.into_iter().collect::<Vec<_>>().join(", ")
                        },
                    });
                }
            }
        }
        selected.sort();
        selected.dedup();
        Ok(ProjectSelection::Projects(selected))
    }

    /// As the queries' `$projekt` parameter takes it: `alla`, or names separated by commas.
    pub fn parameter(&self) -> String {
        match self {
            ProjectSelection::All => ALL_PROJECTS.to_string(),
            ProjectSelection::Projects(names) => names.join(","),
        }
    }

    /// Whether the selection includes `project`.
    pub fn selects(&self, project: &str) -> bool {
        selects(&self.parameter(), project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_project_or_those_named_as_the_parameter_says() {
        assert_eq!(ProjectSelection::All.parameter(), "alla");
        let two = ProjectSelection::Projects(vec!["KOMPIS".into(), "SIGMA".into()]);
        assert_eq!(two.parameter(), "KOMPIS,SIGMA");
        assert!(two.selects("sigma") && !two.selects("NOVA"));
        assert!(ProjectSelection::All.selects("NOVA"));
    }
}
