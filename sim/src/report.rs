//! What a run found: the checks, the counts, and the latency of each route.
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::buyer::Journey;
use crate::client::{Route, Sample};
use crate::setup::{Release, Sale};
use crate::verify::{status, Facts};
use crate::Options;

/// One invariant: what it found, and each way it was broken (none when it held).
#[derive(Clone, Debug)]
pub struct Check {
    pub name: &'static str,
    pub summary: String,
    pub problems: Vec<String>,
}

impl Check {
    pub fn new(name: &'static str, summary: String) -> Self {
        Self { name, summary, problems: Vec::new() }
    }

    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn fail(&mut self, problem: String) {
        self.problems.push(problem);
    }

    /// Notes the problem `describe` tells when `held` is false.
    pub fn expect(&mut self, held: bool, describe: impl FnOnce() -> String) {
        if !held {
            self.fail(describe());
        }
    }
}

/// Latency percentiles of one route.
#[derive(Clone, Debug)]
pub struct RouteStats {
    pub route: Route,
    pub calls: usize,
    /// Answers 5xx.
    pub errors: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

/// The `q` quantile (nearest rank) of sorted durations.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    match sorted.len() {
        0 => Duration::ZERO,
        n => sorted[((n as f64 * q).ceil() as usize).clamp(1, n) - 1],
    }
}

impl RouteStats {
    pub fn of(route: Route, samples: &[&Sample]) -> Self {
        let mut took: Vec<Duration> = samples.iter().map(|s| s.took).collect();
        took.sort_unstable();
        Self {
            route,
            calls: took.len(),
            errors: samples.iter().filter(|s| s.status >= 500).count(),
            p50: quantile(&took, 0.50),
            p95: quantile(&took, 0.95),
            p99: quantile(&took, 0.99),
        }
    }
}

/// How long the selling took.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// From the first buyer's arrival to the end of the first wave, where every buyer
    /// shops once.
    pub first_wave_seconds: f64,
    /// From the first buyer's arrival to the end of the second chance.
    pub selling_seconds: f64,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub buyers: usize,
    pub units: i64,
    pub concurrency: usize,
    pub mix: String,
    pub orders_placed: usize,
    pub orders_paid: usize,
    pub orders_failed: usize,
    pub orders_expired: usize,
    /// Paid orders placed after the abandoned holds came back.
    pub paid_second_chance: usize,
    pub units_sold: i64,
    pub stock_left: i64,
    /// Buyers who bought nothing because no unit was left for them.
    pub turned_away: usize,
    pub release: Release,
    /// From each payment's submission to its buyer seeing the outcome, sorted.
    pub settling: Vec<Duration>,
    pub timings: Timings,
    pub samples: Vec<Sample>,
    pub checks: Vec<Check>,
    /// Whether the table was read (else only the API was checked).
    pub table_checked: bool,
}

impl Report {
    pub(crate) fn new(
        options: &Options,
        sale: &Sale,
        journeys: &[Journey],
        facts: &Facts,
        checks: Vec<Check>,
        samples: Vec<Sample>,
        timings: Timings,
    ) -> Self {
        let count = |wanted: &str| facts.orders.iter().filter(|o| status(o) == wanted).count();
        let paid = facts.orders.iter().filter(|o| status(o) == "paid");
        Self {
            buyers: options.buyers,
            units: sale.units,
            concurrency: options.concurrency,
            mix: options.mix.to_string(),
            orders_placed: facts.orders.len(),
            orders_paid: count("paid"),
            orders_failed: count("payment_failed"),
            orders_expired: count("expired"),
            paid_second_chance: paid.clone().filter(|o| o.second_chance).count(),
            units_sold: paid.map(|o| o.api.as_ref().map_or(0, |s| s.quantity)).sum(),
            stock_left: facts.stock_api,
            turned_away: journeys.iter().filter(|j| j.turned_away).count(),
            release: facts.release.clone(),
            settling: {
                let mut settling: Vec<Duration> =
                    journeys.iter().flat_map(|j| &j.orders).filter_map(|o| o.settled_in).collect();
                settling.sort_unstable();
                settling
            },
            timings,
            samples,
            checks,
            table_checked: facts.table_read,
        }
    }

    pub fn passed(&self) -> bool {
        self.checks.iter().all(Check::passed)
    }

    pub fn violations(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed())
    }

    /// Buyers served per second in the first wave, where each of them shops once.
    pub fn buyers_per_second(&self) -> f64 {
        self.buyers as f64 / self.timings.first_wave_seconds.max(f64::EPSILON)
    }

    /// Every route's percentiles, the buyers' steps first.
    pub fn routes(&self) -> Vec<RouteStats> {
        let mut by_route: BTreeMap<Route, Vec<&Sample>> = BTreeMap::new();
        for sample in &self.samples {
            by_route.entry(sample.route).or_default().push(sample);
        }
        by_route.into_iter().map(|(route, samples)| RouteStats::of(route, &samples)).collect()
    }

    /// The headline figures, one per line, for the terminal and the HTML report.
    pub fn figures(&self) -> Vec<(&'static str, String)> {
        let r = &self.release;
        vec![
            ("buyers", format!("{} ({} at a time), mix {}", self.buyers, self.concurrency, self.mix)),
            ("units on sale", self.units.to_string()),
            (
                "orders",
                format!(
                    "{} placed: {} paid, {} payment failed, {} expired",
                    self.orders_placed, self.orders_paid, self.orders_failed, self.orders_expired
                ),
            ),
            ("units sold", format!("{} ({} left in stock)", self.units_sold, self.stock_left)),
            (
                "abandoned holds",
                format!(
                    "{} orders held {} units; release-expired-reservations released {}: stock {} → {}; \
                     {} orders paid in the second chance",
                    r.abandoned_orders,
                    r.abandoned_units,
                    r.released,
                    r.stock_before,
                    r.stock_after,
                    self.paid_second_chance
                ),
            ),
            ("turned away", format!("{} buyers found no unit left", self.turned_away)),
            (
                "payment outcome",
                format!(
                    "seen by the buyer {} / {} / {} (p50 / p95 / max) after the hosted page's answer",
                    ms(quantile(&self.settling, 0.5)),
                    ms(quantile(&self.settling, 0.95)),
                    ms(quantile(&self.settling, 1.0))
                ),
            ),
            (
                "throughput",
                format!(
                    "{:.1} buyers/s (first wave: {:.1} s); {:.1} s to the end of the second chance",
                    self.buyers_per_second(),
                    self.timings.first_wave_seconds,
                    self.timings.selling_seconds
                ),
            ),
        ]
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.figures() {
            writeln!(f, "{name:>16}  {value}")?;
        }
        writeln!(f, "\n{:<28} {:>7} {:>5} {:>9} {:>9} {:>9}", "route", "calls", "5xx", "p50", "p95", "p99")?;
        for s in self.routes() {
            let (p50, p95, p99) = (ms(s.p50), ms(s.p95), ms(s.p99));
            writeln!(f, "{:<28} {:>7} {:>5} {p50:>9} {p95:>9} {p99:>9}", s.route.label(), s.calls, s.errors)?;
        }
        let source = if self.table_checked { "the API and the table" } else { "the API only (no table given)" };
        writeln!(f, "\ninvariants, checked from {source}:")?;
        for check in &self.checks {
            let mark = if check.passed() { "ok  " } else { "FAIL" };
            writeln!(f, "  {mark} {:<40} {}", check.name, check.summary)?;
            for problem in check.problems.iter().take(10) {
                writeln!(f, "         - {problem}")?;
            }
            if check.problems.len() > 10 {
                writeln!(f, "         … and {} more", check.problems.len() - 10)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&sorted, 0.50), Duration::from_millis(50));
        assert_eq!(quantile(&sorted, 0.99), Duration::from_millis(99));
        assert_eq!(quantile(&sorted[..1], 0.95), Duration::from_millis(1));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }
}
