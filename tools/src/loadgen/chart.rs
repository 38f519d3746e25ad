//! The SVG chart of a run: jobs per second (top) and end-to-end latency
//! percentiles per second (bottom), from the report's timeline.

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::report::{Report, TimelineBucket};

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 720;

/// A line: its legend, colour and value per second (`None`: no point).
type Series = (&'static str, RGBColor, fn(&TimelineBucket) -> Option<f64>);

fn draw_error(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing the chart: {error}")
}

/// Darker than plotters' pure green, readable on white.
const DARK_GREEN: RGBColor = RGBColor(0, 140, 0);

/// A series of `(second midpoint, value)` points.
fn points<'a>(
    timeline: &'a [TimelineBucket],
    value: impl Fn(&TimelineBucket) -> Option<f64> + 'a,
) -> impl Iterator<Item = (f64, f64)> + 'a {
    timeline.iter().filter_map(move |b| value(b).map(|v| (b.t as f64 + 0.5, v)))
}

/// Upper bound for a y axis: 10 % above the largest value, at least `floor`.
fn y_top(values: impl Iterator<Item = f64>, floor: f64) -> f64 {
    values.fold(floor, f64::max) * 1.1
}

/// One panel: its title, axis names, y range and lines.
struct Panel<'a> {
    caption: String,
    x_desc: &'a str,
    y_desc: &'a str,
    y_top: f64,
    series: &'a [Series],
}

/// Draws `panel` on `area`, over `timeline`.
fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    panel: &Panel<'_>,
    timeline: &[TimelineBucket],
) -> Result<()> {
    let x_end = (timeline.len().max(1)) as f64;
    let x_label = |x: &f64| if x_end >= 10.0 { format!("{x:.0}") } else { format!("{x:.1}") };
    let y_label = |y: &f64| if y.fract() == 0.0 || *y >= 100.0 { format!("{y:.0}") } else { format!("{y:.1}") };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.caption, ("sans-serif", 18).into_font())
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_end, 0f64..panel.y_top)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc(panel.x_desc)
        .y_desc(panel.y_desc)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()
        .map_err(draw_error)?;
    for &(label, color, value) in panel.series {
        chart
            .draw_series(LineSeries::new(points(timeline, value), color.stroke_width(2)))
            .map_err(draw_error)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.85)).border_style(BLACK).draw().map_err(draw_error)?;
    Ok(())
}

/// Renders the chart as an SVG document.
pub fn svg(report: &Report) -> Result<String> {
    let timeline = &report.timeline;
    let throughput = Panel {
        caption: format!(
            "Throughput: {:.2} jobs/s overall ({} completed)",
            report.throughput_jobs_per_sec, report.completed
        ),
        x_desc: "seconds since the first submission",
        y_desc: "jobs per second",
        y_top: y_top(timeline.iter().flat_map(|b| [b.completed as f64, b.submitted as f64]), 1.0),
        series: &[
            ("completed/s", DARK_GREEN, |b| Some(b.completed as f64)),
            ("accepted/s", BLUE, |b| Some(b.submitted as f64)),
            ("failed/s", RED, |b| Some(b.failed as f64)),
        ],
    };
    let latency = Panel {
        caption: format!(
            "End-to-end latency (202 → COMPLETED seen): p50 {:.0} ms, p99 {:.0} ms overall",
            report.e2e_ms.p50, report.e2e_ms.p99
        ),
        x_desc: "seconds since the first submission (jobs completed in that second)",
        y_desc: "milliseconds",
        y_top: y_top(timeline.iter().filter_map(|b| b.e2e_p99_ms), 1.0),
        series: &[("e2e p50", BLUE, |b| b.e2e_p50_ms), ("e2e p99", RED, |b| b.e2e_p99_ms)],
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let (top, bottom) = root.split_vertically(HEIGHT / 2);
        draw_panel(&top, &throughput, timeline)?;
        draw_panel(&bottom, &latency, timeline)?;
        root.present().map_err(draw_error)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loadgen::report::{RunTotals, build_report};

    #[test]
    fn renders_an_svg_with_both_panels() {
        let empty = build_report(&[], RunTotals::default(), serde_json::json!({}));
        let svg_text = svg(&empty).expect("empty chart");
        assert!(svg_text.starts_with("<svg") && svg_text.trim_end().ends_with("</svg>"), "{svg_text}");

        let mut report = empty;
        report.timeline = (0..5)
            .map(|t| TimelineBucket {
                t,
                submitted: 3,
                completed: t,
                failed: 0,
                e2e_p50_ms: (t > 0).then_some(100.0 * t as f64),
                e2e_p99_ms: (t > 0).then_some(150.0 * t as f64),
            })
            .collect();
        let svg_text = svg(&report).expect("chart");
        assert!(svg_text.contains("Throughput"));
        assert!(svg_text.contains("End-to-end latency"));
        assert!(svg_text.contains("e2e p99"));
        assert!(svg_text.matches("<polyline").count() >= 5, "{svg_text}");
    }
}
