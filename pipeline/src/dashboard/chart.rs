//! Charts as inline SVG, drawn on the server: no script, no external file, prints well.
//!
//! Every mark carries a class the browser test counts (`stapel` for a bar or a segment,
//! `punkt` for a point on a line) and a `<title>` with its value. Hidden values (disclosure
//! control) have no mark at all; a zero has a point on a line but no bar. SVG paints in
//! document order: a chart's intervals (`intervall`) come after its bars and lines, so
//! they are drawn in front of them, whole.

use std::fmt::Write;

use super::{Kind, PanelData, Point, Scale};
use crate::display::figure;
use crate::report::tables::percent;

/// Okabe–Ito's colour-blind-safe palette, then a few more for long code lists.
const COLOURS: [&str; 12] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#999999", "#882255", "#44AA99", "#117733",
];

const TOP: f64 = 16.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const PLOT_HEIGHT: f64 = 220.0;

pub fn colour(index: usize) -> &'static str {
    COLOURS[index % COLOURS.len()]
}

/// The chart of a panel, or `None` for a table panel or a panel without values.
pub fn svg(data: &PanelData, id: &str) -> Option<String> {
    if data.panel.kind == Kind::Table || data.points.is_empty() {
        return None;
    }
    let body = match data.panel.kind {
        Kind::Bars | Kind::GroupedBars => bars(data),
        Kind::Lines => lines(data),
        Kind::StackedShares => stacked(data),
        Kind::Table => unreachable!("no chart for a table"),
    };
    let (width, height, marks) = body;
    let legend_top = height;
    let (legend, legend_height) = legend(data, legend_top, width);
    let total_height = height + legend_height;
    let kind = match data.panel.kind {
        Kind::Bars => "staplar",
        Kind::GroupedBars => "grupperade_staplar",
        Kind::Lines => "linjer",
        Kind::StackedShares => "staplade_andelar",
        Kind::Table => "tabell",
    };
    // The chart's own width, for the page's style (dashboards/sida.html): it keeps the
    // chart wide enough for readable labels and lets it scroll sideways on a narrow
    // screen, instead of shrinking them away (print drops the minimum).
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="diagram" data-typ="{kind}" role="img" viewBox="0 0 {width:.0} {total_height:.0}" style="--bredd:{width:.0}px" aria-labelledby="{id}-titel {id}-beskrivning"><title id="{id}-titel">{}</title><desc id="{id}-beskrivning">{}</desc>{marks}{legend}</svg>"#,
        escape(&data.panel.rubrik),
        escape(&alt_text(data)),
    );
    Some(out)
}

/// What the chart shows, in words, for screen readers and as alt text.
pub fn alt_text(data: &PanelData) -> String {
    let kind = match data.panel.kind {
        Kind::Bars => "Stapeldiagram",
        Kind::GroupedBars => "Grupperade staplar",
        Kind::Lines => "Linjediagram",
        Kind::StackedShares => "Staplade andelar",
        Kind::Table => "Tabell",
    };
    let mut text = format!(
        "{kind}: {}. {} {} ({})",
        data.panel.rubrik,
        data.kategorier.len(),
        data.panel
            .x
            .as_deref()
            .unwrap_or("kategorier")
            .to_lowercase(),
        data.kategorier.join(", ")
    );
    if data.serier.len() > 1 {
        let _ = write!(text, "; serier: {}", data.serier.join(", "));
    }
    match data.scale {
        Scale::Share => text.push_str("; andelar i procent med 95 % konfidensintervall"),
        Scale::PerThousand => text.push_str("; antal per 1 000 med 95 % konfidensintervall"),
        Scale::Value | Scale::Count => {}
    }
    text.push_str(". Siffrorna står i tabellen under diagrammet.");
    text
}

/// The value drawn: percent for a share, per 1 000 for a rate, a figure as its source
/// gives it, else the count.
fn value(point: &Point, scale: Scale) -> Option<f64> {
    match scale {
        Scale::Share | Scale::PerThousand => point.andel.map(|a| a * scale.factor()),
        Scale::Value => point.varde,
        Scale::Count => point.antal.shown().map(|a| a as f64),
    }
}

fn shown(point: &Point, scale: Scale) -> String {
    let n = point.n.as_ref().and_then(|n| n.shown());
    match (scale, point.andel, point.antal.shown()) {
        (Scale::Share, Some(p), antal) => format!(
            "{} %, {} av {}",
            percent(p),
            antal.unwrap_or(0),
            n.unwrap_or(0)
        ),
        (Scale::PerThousand, Some(p), antal) => {
            format!(
                "{} per 1 000 ({} personer)",
                per_thousand(p),
                antal.unwrap_or(0)
            )
        }
        (Scale::Value, _, _) => point.varde.map_or_else(|| "saknas".into(), figure),
        (Scale::Count, _, Some(a)) => a.to_string(),
        _ => "..".into(),
    }
}

/// A rate per 1 000, one decimal, with a decimal comma.
pub fn per_thousand(fraction: f64) -> String {
    figure((fraction * 10_000.0).round() / 10.0)
}

/// A round upper end for the y axis.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * magnitude)
}

fn y_axis(out: &mut String, width: f64, top_value: f64, scale: Scale, label: Option<&str>) {
    let ticks = 5;
    for i in 0..=ticks {
        let value = top_value * i as f64 / ticks as f64;
        let y = TOP + PLOT_HEIGHT - PLOT_HEIGHT * i as f64 / ticks as f64;
        let text = if scale == Scale::Share {
            format!("{value:.0} %")
        } else if top_value < 10.0 {
            format!("{value:.1}")
        } else {
            format!("{value:.0}")
        };
        let _ = write!(
            out,
            r#"<line class="rutnat" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/><text class="skala" x="{:.1}" y="{:.1}" text-anchor="end">{text}</text>"#,
            width - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    if let Some(label) = label {
        let _ = write!(
            out,
            r#"<text class="axel" transform="translate(12 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + PLOT_HEIGHT / 2.0,
            escape(label)
        );
    }
}

/// Category labels under the plot, slanted when they are many or long.
fn x_labels(out: &mut String, centres: &[(f64, &str)], label: Option<&str>) -> f64 {
    let longest = centres
        .iter()
        .map(|(_, t)| t.chars().count())
        .max()
        .unwrap_or(0);
    let slanted = centres.len() > 8 || longest > 10;
    let base = TOP + PLOT_HEIGHT + 16.0;
    for (x, text) in centres {
        if slanted {
            let _ = write!(
                out,
                r#"<text class="skala" transform="translate({x:.1} {base:.1}) rotate(-40)" text-anchor="end">{}</text>"#,
                escape(text)
            );
        } else {
            let _ = write!(
                out,
                r#"<text class="skala" x="{x:.1}" y="{base:.1}" text-anchor="middle">{}</text>"#,
                escape(text)
            );
        }
    }
    let labels_height = if slanted {
        12.0 + longest as f64 * 5.0
    } else {
        18.0
    };
    let mut bottom = base + labels_height;
    if let Some(label) = label {
        let _ = write!(
            out,
            r#"<text class="axel" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            centres.first().map(|c| c.0).unwrap_or(LEFT) / 2.0
                + centres.last().map(|c| c.0).unwrap_or(LEFT) / 2.0,
            bottom + 4.0,
            escape(label)
        );
        bottom += 16.0;
    }
    bottom
}

/// The top of the y axis: 100 % for shares, else the largest value (a rate's interval
/// included) rounded up.
fn top_value(data: &PanelData) -> f64 {
    if data.scale == Scale::Share {
        return 100.0;
    }
    let highest = |p: &Point| match data.scale {
        Scale::PerThousand => p.hog.map(|h| h * data.scale.factor()),
        _ => value(p, data.scale),
    };
    nice_max(data.points.iter().filter_map(highest).fold(0.0, f64::max))
}

fn y_of(value: f64, top: f64) -> f64 {
    TOP + PLOT_HEIGHT - PLOT_HEIGHT * (value / top).clamp(0.0, 1.0)
}

fn interval(out: &mut String, x: f64, point: &Point, top: f64, scale: Scale) {
    if let (Some(low), Some(high)) = (point.lag, point.hog) {
        let (y1, y2) = (
            y_of(low * scale.factor(), top),
            y_of(high * scale.factor(), top),
        );
        let _ = write!(
            out,
            r#"<g class="intervall"><line x1="{x:.1}" x2="{x:.1}" y1="{y1:.1}" y2="{y2:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{y1:.1}" y2="{y1:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{y2:.1}" y2="{y2:.1}"/></g>"#,
            x - 3.0,
            x + 3.0,
            x - 3.0,
            x + 3.0
        );
    }
}

/// A hidden value's place in a chart: `..`, never an empty gap that reads as zero.
fn hidden_mark(out: &mut String, x: f64, y: f64, kategori: &str, serie: &str) {
    let _ = write!(
        out,
        r#"<text class="dold" x="{x:.1}" y="{y:.1}" text-anchor="middle">..<title>{}, {}: dolt</title></text>"#,
        escape(kategori),
        escape(serie)
    );
}

fn find<'d>(data: &'d PanelData, kategori: &str, serie: &str) -> Option<&'d Point> {
    data.points
        .iter()
        .find(|p| p.kategori == kategori && p.serie == serie)
}

/// Vertical bars, side by side per category when there are several series.
fn bars(data: &PanelData) -> (f64, f64, String) {
    let series = data.serier.len().max(1);
    let bar = if series > 1 { 12.0 } else { 22.0 };
    let group = bar * series as f64 + 14.0;
    let width = (LEFT + RIGHT + group * data.kategorier.len() as f64).max(480.0);
    let group = (width - LEFT - RIGHT) / data.kategorier.len().max(1) as f64;
    let bar = ((group - 14.0) / series as f64).min(28.0);
    let top = top_value(data);
    let mut out = String::new();
    // Drawn after every bar, so no bar hides part of one.
    let mut intervals = String::new();
    y_axis(&mut out, width, top, data.scale, data.panel.y.as_deref());
    let mut centres = Vec::new();
    for (ci, kategori) in data.kategorier.iter().enumerate() {
        let start = LEFT + group * ci as f64 + (group - bar * series as f64) / 2.0;
        centres.push((LEFT + group * (ci as f64 + 0.5), kategori.as_str()));
        for (si, serie) in data.serier.iter().enumerate() {
            let Some(point) = find(data, kategori, serie) else {
                continue;
            };
            let x = start + bar * si as f64;
            // A zero has no bar (its interval still shows); a hidden value is marked.
            let Some(v) = value(point, data.scale) else {
                hidden_mark(
                    &mut out,
                    x + bar / 2.0,
                    TOP + PLOT_HEIGHT - 4.0,
                    kategori,
                    serie,
                );
                continue;
            };
            interval(&mut intervals, x + bar / 2.0, point, top, data.scale);
            if v <= 0.0 {
                continue;
            }
            let y = y_of(v, top);
            let _ = write!(
                out,
                r#"<rect class="stapel" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}, {}: {}</title></rect>"#,
                (bar - 1.0).max(1.0),
                TOP + PLOT_HEIGHT - y,
                colour(si),
                escape(kategori),
                escape(serie),
                shown(point, data.scale)
            );
        }
    }
    out.push_str(&intervals);
    let bottom = x_labels(&mut out, &centres, data.panel.x.as_deref());
    (width, bottom + 8.0, out)
}

/// One line per series over the categories in order (years, half-years); a hidden or
/// missing value breaks the line, and a hidden one is marked `..` on the axis.
fn lines(data: &PanelData) -> (f64, f64, String) {
    let step = 44.0;
    let width = (LEFT + RIGHT + step * data.kategorier.len() as f64).max(480.0);
    let step = (width - LEFT - RIGHT) / data.kategorier.len().max(1) as f64;
    let top = top_value(data);
    let mut out = String::new();
    // Every line first, then the intervals over them, then the points over those.
    let mut intervals = String::new();
    let mut points = String::new();
    y_axis(&mut out, width, top, data.scale, data.panel.y.as_deref());
    // Series sit a little apart, so their intervals do not hide each other.
    let spread = data.serier.len().saturating_sub(1) as f64;
    let x_of = |ci: usize| LEFT + step * (ci as f64 + 0.5);
    for (si, serie) in data.serier.iter().enumerate() {
        let x_of = |ci: usize| x_of(ci) + (si as f64 - spread / 2.0) * 5.0;
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut segments = Vec::new();
        for (ci, kategori) in data.kategorier.iter().enumerate() {
            match find(data, kategori, serie).and_then(|p| value(p, data.scale)) {
                Some(v) => segment.push((x_of(ci), y_of(v, top))),
                None => segments.push(std::mem::take(&mut segment)),
            }
        }
        segments.push(segment);
        for segment in segments.iter().filter(|s| s.len() > 1) {
            let points: Vec<String> = segment
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = write!(
                out,
                r#"<polyline class="linje" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
                colour(si),
                points.join(" ")
            );
        }
        for (ci, kategori) in data.kategorier.iter().enumerate() {
            let Some(point) = find(data, kategori, serie) else {
                continue;
            };
            let Some(v) = value(point, data.scale) else {
                hidden_mark(
                    &mut points,
                    x_of(ci),
                    TOP + PLOT_HEIGHT - 4.0,
                    kategori,
                    serie,
                );
                continue;
            };
            interval(&mut intervals, x_of(ci), point, top, data.scale);
            let _ = write!(
                points,
                r#"<circle class="punkt" cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{}, {}: {}</title></circle>"#,
                x_of(ci),
                y_of(v, top),
                colour(si),
                escape(kategori),
                escape(serie),
                shown(point, data.scale)
            );
        }
    }
    out.push_str(&intervals);
    out.push_str(&points);
    let centres: Vec<(f64, &str)> = data
        .kategorier
        .iter()
        .enumerate()
        .map(|(ci, k)| (x_of(ci), k.as_str()))
        .collect();
    let bottom = x_labels(&mut out, &centres, data.panel.x.as_deref());
    (width, bottom + 8.0, out)
}

/// One horizontal bar per category, divided into its series' shares of n.
fn stacked(data: &PanelData) -> (f64, f64, String) {
    let label_width = 12.0
        + 6.5
            * data
                .kategorier
                .iter()
                .map(|k| k.chars().count())
                .max()
                .unwrap_or(4) as f64;
    let width = 640.0;
    let row = 30.0;
    let plot = width - label_width - RIGHT;
    let mut out = String::new();
    for i in 0..=4 {
        let x = label_width + plot * i as f64 / 4.0;
        let _ = write!(
            out,
            r#"<line class="rutnat" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{:.1}"/><text class="skala" x="{x:.1}" y="{:.1}" text-anchor="middle">{} %</text>"#,
            TOP + row * data.kategorier.len() as f64,
            TOP + row * data.kategorier.len() as f64 + 14.0,
            i * 25
        );
    }
    for (ci, kategori) in data.kategorier.iter().enumerate() {
        let y = TOP + row * ci as f64 + 4.0;
        let _ = write!(
            out,
            r#"<text class="skala" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_width - 6.0,
            y + row / 2.0,
            escape(kategori)
        );
        let mut x = label_width;
        for (si, serie) in data.serier.iter().enumerate() {
            let Some(point) = find(data, kategori, serie) else {
                continue;
            };
            let Some(share) = point.andel else { continue };
            let w = plot * share;
            if w > 0.0 {
                let _ = write!(
                    out,
                    r#"<rect class="stapel" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{}"><title>{}, {}: {}</title></rect>"#,
                    row - 8.0,
                    colour(si),
                    escape(kategori),
                    escape(serie),
                    shown(point, Scale::Share)
                );
            }
            x += w;
        }
        // What hidden shares take up is one hatched slot marked .., not a gap.
        let hidden = data
            .serier
            .iter()
            .filter_map(|serie| find(data, kategori, serie))
            .any(|p| p.andel.is_none());
        let rest = label_width + plot - x;
        if hidden && rest > 0.5 {
            let _ = write!(
                out,
                r#"<g class="dold"><rect x="{x:.1}" y="{y:.1}" width="{rest:.1}" height="{:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="middle">..</text><title>{}: dolda värden</title></g>"#,
                row - 8.0,
                x + rest / 2.0,
                y + row / 2.0,
                escape(kategori)
            );
        }
    }
    let mut bottom = TOP + row * data.kategorier.len() as f64 + 20.0;
    if let Some(label) = data.panel.y.as_deref() {
        let _ = write!(
            out,
            r#"<text class="axel" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            label_width + plot / 2.0,
            bottom + 8.0,
            escape(label)
        );
        bottom += 16.0;
    }
    (width, bottom + 8.0, out)
}

/// The series' colours and names, wrapped into rows.
fn legend(data: &PanelData, top: f64, width: f64) -> (String, f64) {
    if data.serier.len() < 2 {
        return (String::new(), 0.0);
    }
    let mut out = String::new();
    let (mut x, mut y) = (LEFT, top + 4.0);
    for (si, serie) in data.serier.iter().enumerate() {
        let item = 24.0 + 6.5 * serie.chars().count() as f64;
        if x + item > width - RIGHT && x > LEFT {
            x = LEFT;
            y += 18.0;
        }
        let _ = write!(
            out,
            r#"<rect class="forklaring" x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{}"/><text class="skala" x="{:.1}" y="{:.1}">{}</text>"#,
            colour(si),
            x + 16.0,
            y + 10.0,
            escape(serie)
        );
        x += item;
    }
    (out, y - top + 22.0)
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_are_round() {
        assert_eq!(nice_max(61.0), 100.0);
        assert_eq!(nice_max(38.0), 50.0);
        assert_eq!(nice_max(1511.0), 2000.0);
        assert_eq!(nice_max(22.0), 25.0);
        assert_eq!(nice_max(0.0), 1.0);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
    }
}
