//! Rates of deaths per population, as reports show them (`shared/reference/reporting.md` §5.1, §6):
//! crude rates per 100,000 (or per 1,000,000) children per year, with 95% confidence intervals,
//! the ONS reliability rules (no rate under 3 deaths; a rate on fewer than 20 flagged as
//! unreliable), and rate ratios (most against least deprived) with their intervals. Pure.
//!
//! Intervals: Byar's approximation to the exact Poisson interval for the count (as Public Health
//! England's fingertips tools use for counts), divided by the person-years; the rate ratio's
//! interval on the log scale, `exp(ln RR ± 1.96 √(1/O₁ + 1/O₂))`.

/// How figures derived from counts are shown: the reliability rules for rates, and the places
/// percentages are rounded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    /// No rate is shown for fewer deaths than this (ONS: 3).
    pub min_events: u64,
    /// A rate on fewer deaths than this is flagged unreliable (ONS: 20).
    pub flag_below: u64,
    /// Decimal places of percentages (0 or 1).
    pub percent_decimals: u8,
}

impl From<&crate::config::ReportsConfig> for RateRule {
    fn from(c: &crate::config::ReportsConfig) -> RateRule {
        RateRule {
            min_events: c.rate_min_events,
            flag_below: c.rate_flag_below,
            percent_decimals: c.percent_decimals,
        }
    }
}

impl Default for RateRule {
    fn default() -> RateRule {
        RateRule { min_events: 3, flag_below: 20, percent_decimals: 1 }
    }
}

/// A rate, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// No population figure is loaded for this group: never a made-up denominator.
    NoPopulation,
    /// Fewer deaths than the rule allows a rate for.
    TooFew,
    Value {
        rate: f64,
        low: f64,
        high: f64,
        /// Based on fewer deaths than `flag_below`.
        unreliable: bool,
    },
}

const Z: f64 = 1.959_963_984_540_054;

/// Byar's 95% interval for a Poisson count `o`.
fn byar(o: u64) -> (f64, f64) {
    let o = o as f64;
    let low = if o == 0.0 { 0.0 } else { o * (1.0 - 1.0 / (9.0 * o) - Z / (3.0 * o.sqrt())).powi(3) };
    let o1 = o + 1.0;
    let high = o1 * (1.0 - 1.0 / (9.0 * o1) + Z / (3.0 * o1.sqrt())).powi(3);
    (low.max(0.0), high)
}

/// Deaths `events` among `population` children a year over `years` years, per `per` children a
/// year (100,000 for the annual report; 1,000,000 for rare causes).
pub fn crude(events: u64, population: Option<u64>, years: u32, per: u64, rule: &RateRule) -> Rate {
    let Some(population) = population.filter(|p| *p > 0) else { return Rate::NoPopulation };
    if events < rule.min_events {
        return Rate::TooFew;
    }
    let person_years = population as f64 * f64::from(years.max(1));
    let scale = per as f64 / person_years;
    let (low, high) = byar(events);
    Rate::Value {
        rate: events as f64 * scale,
        low: low * scale,
        high: high * scale,
        unreliable: events < rule.flag_below,
    }
}

/// The ratio of two rates with its 95% interval, when both exist.
pub fn ratio(a: (u64, Rate), b: (u64, Rate)) -> Option<(f64, f64, f64)> {
    match (a, b) {
        ((oa, Rate::Value { rate: ra, .. }), (ob, Rate::Value { rate: rb, .. })) if rb > 0.0 => {
            let rr = ra / rb;
            let se = (1.0 / oa as f64 + 1.0 / ob as f64).sqrt();
            Some((rr, (rr.ln() - Z * se).exp(), (rr.ln() + Z * se).exp()))
        }
        _ => None,
    }
}

/// A rate as a report prints it, to `decimals` places, with its interval, or why there is none.
pub fn words(rate: &Rate, decimals: usize) -> String {
    match rate {
        Rate::NoPopulation => "rate unavailable: no population loaded".into(),
        Rate::TooFew => "rate not shown: too few deaths".into(),
        Rate::Value { rate, low, high, unreliable } => {
            let flag = if *unreliable { " (unreliable: fewer than 20 deaths)" } else { "" };
            format!("{rate:.decimals$} (95% CI {low:.decimals$} to {high:.decimals$}){flag}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(r: Rate) -> (f64, f64, f64, bool) {
        match r {
            Rate::Value { rate, low, high, unreliable } => (rate, low, high, unreliable),
            other => panic!("no rate: {other:?}"),
        }
    }

    #[test]
    fn crude_rates_match_a_hand_computation() {
        // 42 deaths among 120,000 children a year: 35.0 per 100,000.
        let (rate, low, high, unreliable) = value(crude(42, Some(120_000), 1, 100_000, &RateRule::default()));
        assert!((rate - 35.0).abs() < 1e-9);
        assert!(!unreliable);
        // Byar by hand: 42 × (1 − 1/378 − 1.96/(3√42))³ = 30.27 and 43 × (1 − 1/387 + 1.96/(3√43))³
        // = 56.77 deaths, times 100,000 / 120,000.
        assert_eq!(format!("{low:.2} {high:.2}"), "25.22 47.31");
        // Over three years the person-years triple.
        let (three, ..) = value(crude(42, Some(120_000), 3, 100_000, &RateRule::default()));
        assert!((three - 35.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            words(&crude(42, Some(120_000), 1, 100_000, &RateRule::default()), 1),
            "35.0 (95% CI 25.2 to 47.3)"
        );
    }

    #[test]
    fn the_reliability_rules_and_a_missing_population_are_said_plainly() {
        let rule = RateRule::default();
        assert_eq!(crude(2, Some(50_000), 1, 100_000, &rule), Rate::TooFew);
        assert_eq!(crude(10, None, 1, 100_000, &rule), Rate::NoPopulation);
        assert_eq!(crude(10, Some(0), 1, 100_000, &rule), Rate::NoPopulation);
        assert!(value(crude(19, Some(50_000), 1, 100_000, &rule)).3, "flagged under 20");
        assert!(!value(crude(20, Some(50_000), 1, 100_000, &rule)).3);
        assert_eq!(words(&Rate::NoPopulation, 1), "rate unavailable: no population loaded");
    }

    #[test]
    fn rate_ratios_carry_a_log_scale_interval() {
        let rule = RateRule::default();
        let most = (60, crude(60, Some(100_000), 1, 100_000, &rule));
        let least = (20, crude(20, Some(100_000), 1, 100_000, &rule));
        let (rr, low, high) = ratio(most, least).unwrap_or_default();
        assert!((rr - 3.0).abs() < 1e-9);
        // exp(ln 3 ± 1.96 √(1/60 + 1/20)) = 1.81 to 4.98.
        assert_eq!(format!("{low:.2} {high:.2}"), "1.81 4.98");
        assert_eq!(ratio(most, (2, crude(2, Some(100_000), 1, 100_000, &rule))), None);
    }
}
