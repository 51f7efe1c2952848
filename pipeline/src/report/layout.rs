//! The report layout file (`rapport.toml` beside the queries): which figure comes from
//! which query and column. Data, so a figure can be moved or reworded without code.

use serde::Deserialize;

use super::ReportError;

pub const FILE: &str = "rapport.toml";

#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub figures: Vec<LayoutFigure>,
    /// Cells that add up, for disclosure control.
    pub sums: Vec<crate::disclosure::Sum>,
    /// The count of the report's population (`grundmangd`): a public report of fewer
    /// than the threshold is not published at all.
    pub population: Option<String>,
    /// The query of the report's text sections (`berattelse`: projekt, avsnitt, text).
    pub narrative: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LayoutFigure {
    pub nr: u32,
    pub heading: String,
    pub query: String,
    pub lines: Vec<LayoutLine>,
    pub breakdown: Option<Breakdown>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum LayoutLine {
    Count {
        text: String,
        #[serde(rename = "antal")]
        count: String,
        #[serde(rename = "namnare")]
        denominator: Option<String>,
    },
    Span {
        text: String,
        #[serde(rename = "fran")]
        from: String,
        #[serde(rename = "till")]
        to: String,
    },
}

impl LayoutLine {
    pub fn text(&self) -> &str {
        match self {
            LayoutLine::Count { text, .. } | LayoutLine::Span { text, .. } => text,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Breakdown {
    #[serde(rename = "etikett")]
    pub label: String,
    #[serde(rename = "antal")]
    pub count: String,
    #[serde(rename = "namnare")]
    pub denominator: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    titel: String,
    figurer: Vec<FigureEntry>,
    #[serde(default)]
    summor: Vec<crate::disclosure::Sum>,
    grundmangd: Option<String>,
    berattelse: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FigureEntry {
    nr: u32,
    rubrik: String,
    fraga: String,
    #[serde(default)]
    rader: Vec<LayoutLine>,
    fordelning: Option<Breakdown>,
    not: Option<String>,
}

impl Layout {
    pub fn parse(text: &str, file: &str) -> Result<Layout, ReportError> {
        let bad = |message: String| ReportError::Layout {
            file: file.to_string(),
            message,
        };
        let parsed: LayoutFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut figures = Vec::new();
        for entry in parsed.figurer {
            if entry.rader.is_empty() == entry.fordelning.is_none() {
                return Err(bad(format!(
                    "figur {} ska ha antingen rader eller fordelning",
                    entry.nr
                )));
            }
            figures.push(LayoutFigure {
                nr: entry.nr,
                heading: entry.rubrik,
                query: entry.fraga,
                lines: entry.rader,
                breakdown: entry.fordelning,
                note: entry.not,
            });
        }
        Ok(Layout {
            title: parsed.titel,
            figures,
            sums: parsed.summor,
            population: parsed.grundmangd,
            narrative: parsed.berattelse,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_half_year_layout_has_all_eighteen_figures() {
        let library = super::super::QueryLibrary::load(None, "halvar").unwrap();
        let layout = Layout::parse(library.text(FILE).unwrap(), FILE).unwrap();
        let mut numbers: Vec<u32> = layout.figures.iter().map(|f| f.nr).collect();
        numbers.dedup();
        assert_eq!(numbers, (1..=18).collect::<Vec<_>>());
        for figure in &layout.figures {
            library.query(&figure.query).unwrap();
        }
    }

    #[test]
    fn a_figure_needs_lines_or_a_breakdown() {
        let err = Layout::parse(
            "titel = \"x\"\n[[figurer]]\nnr = 1\nrubrik = \"a\"\nfraga = \"a.sql\"\n",
            "r.toml",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("r.toml är felaktig: figur 1"),
            "{err}"
        );
    }
}
