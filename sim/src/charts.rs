//! The HTML report: the figures, the invariants, and SVG charts of the throughput and of
//! each route's latency percentiles over the run.
use std::path::{Path, PathBuf};
use std::time::Duration;

use maud::{html, PreEscaped, DOCTYPE};
use plotters::prelude::*;

use crate::client::{Route, Sample};
use crate::report::{quantile, Report};

/// Points of one line: (seconds into the run, value).
type Series = (String, Vec<(f64, f64)>);

/// Writes `report.html` (its charts inline) into `dir`; its path.
pub fn write_html(report: &Report, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("report.html");
    std::fs::write(&path, render(report).map_err(std::io::Error::other)?)?;
    Ok(path)
}

fn render(report: &Report) -> Result<String, String> {
    let end = report.samples.iter().map(|s| s.at).fold(1.0, f64::max);
    let width = (end / 60.0).ceil().max(1.0);
    // The buyers' steps that make a line (the sim's own few calls would be lone points).
    let routes: Vec<Route> = report
        .routes()
        .into_iter()
        .map(|s| s.route)
        .filter(|r| r.is_buyers() && buckets_with(&report.samples, *r, width) >= 3)
        .collect();
    let throughput = line_chart(
        &format!("Throughput: calls answered per second ({width:.0} s buckets)"),
        "calls/s",
        end,
        &throughput(&report.samples, &routes, width),
    )?;
    let mut latency = Vec::new();
    for route in &routes {
        let title = format!("{}: latency p50 / p95 / p99", route.label());
        latency.push(line_chart(&title, "ms", end, &percentiles(&report.samples, *route, width))?);
    }
    let broken = report.violations().count();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Capsule flash-sale simulation" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Flash-sale simulation" }
                @if broken == 0 {
                    p.ok { "Every invariant held." }
                } @else {
                    p.fail { (broken) " invariant(s) broken." }
                }
                table { @for (name, value) in report.figures() { tr { th { (name) } td.text { (value) } } } }
                h2 { "Invariants" }
                ul {
                    @for check in &report.checks {
                        li class=(if check.passed() { "ok" } else { "fail" }) {
                            b { (check.name) } ": " (check.summary)
                            @if !check.passed() { ul { @for problem in &check.problems { li { (problem) } } } }
                        }
                    }
                }
                h2 { "Latency per route" }
                table {
                    tr { th.text { "route" } th { "calls" } th { "5xx" } th { "p50" } th { "p95" } th { "p99" } }
                    @for s in report.routes() {
                        tr {
                            td.text { (s.route.label()) } td { (s.calls) } td { (s.errors) }
                            td { (ms(s.p50)) } td { (ms(s.p95)) } td { (ms(s.p99)) }
                        }
                    }
                }
                h2 { "Throughput" }
                (PreEscaped(throughput))
                h2 { "Latency over time" }
                @for chart in latency { (PreEscaped(chart)) }
            }
        }
    };
    Ok(page.into_string())
}

const STYLE: &str = "body{font-family:sans-serif;max-width:920px;margin:2em auto;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}\
.text{text-align:left}.ok{color:#17702a}.fail{color:#b00020}svg{display:block;margin:1em 0}";

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The bucket of a time, and the middle of a bucket.
fn bucket(at: f64, width: f64) -> usize {
    (at / width) as usize
}

fn middle(bucket: usize, width: f64) -> f64 {
    (bucket as f64 + 0.5) * width
}

fn buckets_with(samples: &[Sample], route: Route, width: f64) -> usize {
    let buckets: std::collections::BTreeSet<usize> =
        samples.iter().filter(|s| s.route == route).map(|s| bucket(s.at, width)).collect();
    buckets.len()
}

/// Calls answered per second, per route, then all of the buyers' calls together.
fn throughput(samples: &[Sample], routes: &[Route], width: f64) -> Vec<Series> {
    let buckets = samples.iter().map(|s| bucket(s.at, width)).max().map_or(0, |b| b + 1);
    let rate = |keep: &dyn Fn(&Sample) -> bool| -> Vec<(f64, f64)> {
        let mut counts = vec![0usize; buckets];
        for sample in samples.iter().filter(|s| keep(s)) {
            counts[bucket(sample.at, width)] += 1;
        }
        counts.iter().enumerate().map(|(b, n)| (middle(b, width), *n as f64 / width)).collect()
    };
    let mut series: Vec<Series> =
        routes.iter().map(|route| (route.label().to_string(), rate(&|s: &Sample| s.route == *route))).collect();
    series.push(("all buyers' calls".to_string(), rate(&|s: &Sample| s.route.is_buyers())));
    series
}

/// p50, p95 and p99 of one route's latency in each bucket that has calls, in ms.
fn percentiles(samples: &[Sample], route: Route, width: f64) -> Vec<Series> {
    let mut by_bucket: std::collections::BTreeMap<usize, Vec<Duration>> = Default::default();
    for sample in samples.iter().filter(|s| s.route == route) {
        by_bucket.entry(bucket(sample.at, width)).or_default().push(sample.took);
    }
    for took in by_bucket.values_mut() {
        took.sort_unstable();
    }
    [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)]
        .into_iter()
        .map(|(name, q)| {
            let points =
                by_bucket.iter().map(|(b, took)| (middle(*b, width), quantile(took, q).as_secs_f64() * 1000.0));
            (name.to_string(), points.collect())
        })
        .collect()
}

fn line_chart(title: &str, unit: &str, end: f64, series: &[Series]) -> Result<String, String> {
    let top = series.iter().flat_map(|(_, points)| points.iter().map(|(_, y)| *y)).fold(1.0, f64::max) * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(text)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..end, 0f64..top)
            .map_err(text)?;
        chart.configure_mesh().x_desc("seconds into the run").y_desc(unit).draw().map_err(text)?;
        for (i, (label, points)) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))
                .map_err(text)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(text)?;
        root.present().map_err(text)?;
    }
    Ok(svg)
}

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(route: Route, at: f64, ms: u64) -> Sample {
        Sample { route, at, took: Duration::from_millis(ms), status: 200 }
    }

    #[test]
    fn throughput_counts_calls_per_second_in_each_bucket() {
        let samples =
            [sample(Route::Signup, 0.2, 10), sample(Route::Signup, 0.7, 10), sample(Route::Checkout, 2.5, 10)];
        let series = throughput(&samples, &[Route::Signup, Route::Checkout], 2.0);
        assert_eq!(series[0], ("POST /auth/signup".to_string(), vec![(1.0, 1.0), (3.0, 0.0)]));
        assert_eq!(series[2].1, vec![(1.0, 1.0), (3.0, 0.5)]);
    }

    #[test]
    fn latency_percentiles_are_per_bucket_and_the_chart_is_an_svg() {
        let samples: Vec<Sample> = (1..=100).map(|ms| sample(Route::Pay, 0.5, ms)).collect();
        let series = percentiles(&samples, Route::Pay, 1.0);
        let at_half: Vec<f64> = series.iter().map(|(_, points)| points[0].1).collect();
        assert_eq!(at_half, [50.0, 95.0, 99.0]);
        let svg = line_chart("Pay", "ms", 1.0, &series).expect("a chart");
        assert!(svg.starts_with("<svg") && svg.contains("p99"), "{svg}");
    }
}
