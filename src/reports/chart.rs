//! Report charts as SVG, drawn with `plotters` (SVG backend only: no fontconfig, text stays SVG
//! text). Horizontal bars, one band per category and one bar per series, so long labels read
//! without rotation. Every chart carries its title and text description as `<title>` and
//! `<desc>`, is an `img` to assistive technology, and scales to the width of the page. A
//! suppressed figure has no bar and no label (`reporting.md` §6.3 rule 5).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::annual::Chart;

/// GOV.UK blue and dark blue: both above 3:1 against white; series also differ by pattern (the
/// second is outlined), so colour is not the only difference.
const COLOURS: [RGBColor; 2] = [RGBColor(0x1d, 0x70, 0xb8), RGBColor(0x0b, 0x0c, 0x0c)];

const WIDTH: u32 = 720;
const BAR: u32 = 16;
const GAP: u32 = 10;
const TOP: u32 = 36;
const BOTTOM: u32 = 40;

/// Renders a chart; `id` makes the title and description ids unique in the page.
pub fn svg(chart: &Chart, id: &str) -> String {
    let bands = chart.categories.len().max(1) as u32;
    let per_band = BAR * chart.series.len().max(1) as u32 + GAP;
    let height = TOP + bands * per_band + BOTTOM;
    let longest = chart.categories.iter().map(|c| c.chars().count()).max().unwrap_or(0) as u32;
    let label_width = (longest * 7 + 16).clamp(80, 340);
    let mut out = String::new();
    if draw(chart, &mut out, height, label_width).is_err() {
        // Drawing into a string cannot fail on I/O; if plotters refuses anyway, the page keeps
        // the table and the description.
        return String::new();
    }
    accessible(&out, id, &chart.title, &chart.description)
}

fn draw(
    chart: &Chart,
    out: &mut String,
    height: u32,
    label_width: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = chart.series.iter().flat_map(|(_, v)| v.iter().flatten()).copied().max().unwrap_or(0).max(1);
    let x_max = (max as f64 * 1.15).ceil();
    let bands = chart.categories.len().max(1);
    let font = ("sans-serif", 14).into_font().color(&BLACK);
    let mut plot = ChartBuilder::on(&root)
        .margin_top(TOP)
        .margin_right(24)
        .x_label_area_size(BOTTOM - 8)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0f64..x_max, 0f64..bands as f64)?;
    plot.configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels((x_max as usize + 1).min(6))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .x_label_style(font.clone())
        .max_light_lines(0)
        .bold_line_style(RGBColor(0xf3, 0xf2, 0xf1))
        .draw()?;
    let k = chart.series.len().max(1) as f64;
    let band_h = 1.0;
    let bar_h = (band_h * 0.8) / k;
    for (s, (_, values)) in chart.series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            // Bands from the top: the first category is drawn highest.
            let top = bands as f64 - i as f64 - 0.1 - s as f64 * bar_h;
            let bottom = top - bar_h;
            let style = if s == 0 { colour.filled() } else { colour.stroke_width(2) };
            plot.draw_series(std::iter::once(Rectangle::new([(0.0, bottom), (*v as f64, top)], style)))?;
            plot.draw_series(std::iter::once(Text::new(
                v.to_string(),
                (*v as f64, (top + bottom) / 2.0),
                font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }
    }
    let labels = font.clone().pos(Pos::new(HPos::Right, VPos::Center));
    for (i, c) in chart.categories.iter().enumerate() {
        let (_, y) = plot.backend_coord(&(0.0, bands as f64 - i as f64 - 0.5));
        root.draw(&Text::new(c.clone(), (label_width as i32 - 8, y), labels.clone()))?;
    }
    if chart.series.len() > 1 {
        let mut x = label_width as i32;
        for (s, (name, _)) in chart.series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            let style = if s == 0 { colour.filled() } else { colour.stroke_width(2) };
            root.draw(&Rectangle::new([(x, 10), (x + 14, 24)], style))?;
            root.draw(&Text::new(
                name.clone(),
                (x + 20, 17),
                font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            x += 28 + name.chars().count() as i32 * 8;
        }
    }
    root.present()?;
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Adds the role, the accessible name and description, and makes the picture scale.
fn accessible(svg: &str, id: &str, title: &str, description: &str) -> String {
    let Some(start) = svg.find("<svg") else { return String::new() };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else { return String::new() };
    let open = &svg[start..end];
    // Drop the fixed size; the viewBox keeps the proportions.
    let open: String = open
        .split(' ')
        .filter(|a| !a.starts_with("width=") && !a.starts_with("height="))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{open} class=\"cdop-chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" focusable=\"false\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        escape(title),
        escape(description),
        &svg[end + 1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(series: Vec<(String, Vec<Option<u64>>)>) -> Chart {
        Chart {
            title: "Deaths notified by age <band>".into(),
            description: "Bar chart & more.".into(),
            categories: vec!["Under 28 days".into(), "1 to 4 years".into(), "15 to 17 years".into()],
            series,
        }
    }

    #[test]
    fn charts_are_accessible_scalable_svg_with_a_bar_per_figure_shown() {
        let s = svg(&chart(vec![("Number".into(), vec![Some(12), None, Some(0)])]), "c1");
        assert!(s.starts_with("<svg"), "{}", &s[..s.len().min(200)]);
        assert!(s.contains("role=\"img\"") && s.contains("aria-labelledby=\"c1-title c1-desc\""));
        assert!(s.contains("<title id=\"c1-title\">Deaths notified by age &lt;band&gt;</title>"));
        assert!(s.contains("<desc id=\"c1-desc\">Bar chart &amp; more.</desc>"));
        assert!(s.contains("viewBox"));
        let open = &s[..s.find('>').unwrap_or(0)];
        assert!(!open.contains("width=") && !open.contains("height="), "no fixed size: {open}");
        for label in ["Under 28 days", "1 to 4 years", "15 to 17 years", ">\n12\n<"] {
            assert!(s.contains(label), "{label}");
        }
        // The suppressed figure has no bar and no label; the zero has its label.
        let bars = s.matches("fill=\"#1D70B8\"").count() + s.matches("fill=\"#1d70b8\"").count();
        assert_eq!(bars, 2, "two bars drawn (12 and 0), none for the suppressed figure");
        assert!(s.contains(">\n0\n<"));
    }

    #[test]
    fn the_axis_runs_to_the_largest_figure_shown() {
        // A chart is drawn from the published table, where a hidden figure is `None` and has no
        // value at all: however large it was, the axis (ticks up to 3 × 1.15, rounded up) cannot
        // be scaled to it.
        let s = svg(&chart(vec![("Number".into(), vec![Some(3), None, Some(2)])]), "c3");
        let numbers: Vec<u64> = s.split(['>', '<']).filter_map(|t| t.trim().parse::<u64>().ok()).collect();
        assert!(!numbers.is_empty(), "tick labels drawn");
        assert_eq!(numbers.iter().max(), Some(&4), "{numbers:?}");
    }

    #[test]
    fn two_series_get_a_legend() {
        let s = svg(
            &chart(vec![
                ("Deaths notified".into(), vec![Some(3), Some(4), Some(5)]),
                ("Reviews completed".into(), vec![Some(1), None, Some(2)]),
            ]),
            "c2",
        );
        assert!(s.contains("Deaths notified") && s.contains("Reviews completed"));
    }
}
