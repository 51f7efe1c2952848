//! The report as a standalone HTML page: no scripts, no external files, printable.

use minijinja::{Environment, context};

use super::Report;
use super::view::view;

const TEMPLATE: &str = include_str!("halvar.html");
/// The look shared by every HTML report.
pub(crate) const STYLE: &str = include_str!("stil.css");

pub fn to_html(report: &Report) -> String {
    let mut env = Environment::new();
    env.add_template("halvar.html", TEMPLATE)
        .expect("the bundled template parses");
    let view = view(report);
    env.get_template("halvar.html")
        .expect("added above")
        .render(context! {
            style => STYLE,
            report => report,
            projects => view.projects,
            rows => view.rows,
            breakdowns => view.breakdowns,
            previous => view.previous,
            // Paragraphs of lines: the template escapes every line.
            sections => view.sections.iter().map(|section| context! {
                title => section.title,
                paragraphs => section
                    .paragraphs()
                    .iter()
                    .map(|p| p.lines().map(str::to_string).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
            }).collect::<Vec<_>>(),
            publik_not => report.head.public_note(super::disclosure::HALF_YEAR_LEFT_OUT),
        })
        .expect("the bundled template renders every report")
}
