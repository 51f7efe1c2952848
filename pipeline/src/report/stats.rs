//! Small-sample statistics for the self-sufficiency outcome report: pure functions
//! over counts and durations, no I/O and no rounding for display.
//!
//! Project cohorts are small (tens of participants), so every share travels with its
//! `n` and a 95 % interval, and a difference is only called real when a test says it
//! is larger than chance:
//!
//! - [`wilson`] → [`Proportion`]: a share `k / n` with its Wilson score interval.
//! - [`compare`] → [`Comparison`]: the difference `p2 − p1` between two periods or
//!   projects, tested with a pooled two-proportion z-test, or with Fisher's exact test
//!   when an expected count is below 5 ([`TestKind`] says which).
//! - [`quartiles`] → [`Quartiles`]: median and quartiles of e.g. months in the insats,
//!   by the "type 7" definition (R's default, Excel's `QUARTILE.INC`).
//! - [`kaplan_meier`] → [`KmStep`]s: the share who reached a first self-sufficient
//!   month by each month after the end, with participants still being followed
//!   (censored) handled correctly, a Greenwood standard error and a log(−log) interval.
//!
//! Invariants: an estimate that needs a denominator is `None` when the denominator is
//! zero (never `NaN`, never a made-up 0); intervals lie within [0, 1]. Formatting
//! (whole percent, Swedish decimal comma) and disclosure control belong to the callers.

use serde::Serialize;

/// The two-sided 95 % normal quantile, Φ⁻¹(0.975) ≈ 1.959964.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The significance level: a [`Comparison`] is significant when p < 0.05.
pub const ALPHA: f64 = 0.05;

/// Relative tolerance when Fisher's test collects tables "as or less probable" than the
/// observed one, so that tables of equal probability are not lost to rounding.
const FISHER_TOLERANCE: f64 = 1e-7;

/// Below this expected count the normal approximation of the z-test is not trusted.
const MIN_EXPECTED: f64 = 5.0;

/// A share with its 95 % Wilson score interval. The estimates are `None` when `n == 0`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    /// Participants with the outcome.
    pub k: u64,
    /// Participants counted.
    pub n: u64,
    /// `k / n`.
    pub share: Option<f64>,
    /// Lower end of the 95 % interval.
    pub low: Option<f64>,
    /// Upper end of the 95 % interval.
    pub high: Option<f64>,
}

/// The share `k / n` with its 95 % Wilson score interval.
///
/// Wilson rather than the textbook Wald interval `p ± z·√(p(1−p)/n)`: with the small `n`
/// of a project cohort Wald's coverage is far below 95 %, it collapses to a single point
/// at 0 % and 100 % (0 of 10 would read "0 % to 0 %"), and it can leave [0, 1]. Wilson's
/// interval inverts the score test:
///
/// `(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`, with z = [`Z95`].
///
/// `k > n` is a caller bug: it fails a debug assertion and is clamped to `n` in release.
pub fn wilson(k: u64, n: u64) -> Proportion {
    debug_assert!(k <= n, "wilson: k = {k} > n = {n}");
    let k = k.min(n);
    if n == 0 {
        return Proportion {
            k,
            n,
            share: None,
            low: None,
            high: None,
        };
    }
    let (kf, nf) = (k as f64, n as f64);
    let p = kf / nf;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    // At k = 0 and k = n the bounds are exactly 0 and 1; say so rather than trust rounding.
    let low = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Proportion {
        k,
        n,
        share: Some(p),
        low: Some(low),
        high: Some(high),
    }
}

/// Which test produced a [`Comparison`]'s p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TestKind {
    /// Pooled two-sided two-proportion z-test.
    TwoProportionZ,
    /// Two-sided Fisher's exact test, used when an expected count is below 5.
    FisherExact,
}

/// The difference between two shares (group 1 = the earlier period or the reference
/// project, group 2 = the other) and whether it is larger than chance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// `p2 − p1`; `None` when either group is empty.
    pub difference: Option<f64>,
    /// Two-sided p-value; `None` when either group is empty.
    pub p_value: Option<f64>,
    /// The test behind `p_value`; `None` when no test could be run (an empty group).
    pub test: Option<TestKind>,
    /// `p_value < ALPHA` (0.05); `false` when there is no p-value.
    pub significant: bool,
}

/// Compares `k1 / n1` with `k2 / n2`.
///
/// The default is the pooled two-proportion z-test: with `p̂ = (k1+k2)/(n1+n2)`,
/// `z = (p2 − p1) / √(p̂(1−p̂)(1/n1 + 1/n2))` and `p = 2·(1 − Φ(|z|))`. Its normal
/// approximation needs every expected count (`n1·p̂`, `n1·(1−p̂)`, `n2·p̂`, `n2·(1−p̂)`) to be
/// at least 5; when one is below, Fisher's exact test is used instead (see
/// [`fisher_exact`]). This also covers `p̂` of 0 or 1, where the z-test is undefined.
///
/// With an empty group there is no difference and no test: everything is `None`.
/// `k > n` is a caller bug (debug assertion, clamped in release).
pub fn compare(k1: u64, n1: u64, k2: u64, n2: u64) -> Comparison {
    debug_assert!(k1 <= n1 && k2 <= n2, "compare: k > n");
    let (k1, k2) = (k1.min(n1), k2.min(n2));
    if n1 == 0 || n2 == 0 {
        return Comparison {
            difference: None,
            p_value: None,
            test: None,
            significant: false,
        };
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let (p1, p2) = (k1 as f64 / n1f, k2 as f64 / n2f);
    let pooled = (k1 + k2) as f64 / (n1f + n2f);
    let smallest_expected = n1f.min(n2f) * pooled.min(1.0 - pooled);
    let (p_value, test) = if smallest_expected < MIN_EXPECTED {
        (fisher_exact(k1, n1, k2, n2), TestKind::FisherExact)
    } else {
        // Expected counts ≥ 5 imply 0 < p̂ < 1, so the standard error is positive.
        let se = (pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f)).sqrt();
        let z = (p2 - p1) / se;
        (
            erfc(z.abs() / std::f64::consts::SQRT_2),
            TestKind::TwoProportionZ,
        )
    };
    let p_value = p_value.min(1.0);
    Comparison {
        difference: Some(p2 - p1),
        p_value: Some(p_value),
        test: Some(test),
        significant: p_value < ALPHA,
    }
}

/// Two-sided Fisher's exact test on the 2×2 table `[[k1, n1−k1], [k2, n2−k2]]`.
///
/// With the margins fixed, the count `x` in the top-left cell is hypergeometric:
/// `P(x) = C(n1, x)·C(n2, K−x) / C(N, K)`, `K = k1+k2`, `N = n1+n2`. The p-value sums
/// `P(x)` over every table as or less probable than the observed one (R's
/// `fisher.test` convention), with a relative tolerance of 1e-7 for ties.
///
/// The probabilities are built from the ratio `P(x+1)/P(x)`, starting at the mode with
/// weight 1 and normalising at the end: no factorials, so no overflow for large `n`
/// (far tails underflow to 0, which cannot change the sum).
fn fisher_exact(k1: u64, n1: u64, k2: u64, n2: u64) -> f64 {
    let successes = k1 + k2;
    let total = n1 + n2;
    let lo = successes.saturating_sub(n2);
    let hi = successes.min(n1);
    let (n1f, n2f, kf) = (n1 as f64, n2 as f64, successes as f64);
    let mode = ((n1 + 1) * (successes + 1) / (total + 2)).clamp(lo, hi);

    let mut weights = vec![0.0; (hi - lo + 1) as usize];
    let index = |x: u64| (x - lo) as usize;
    weights[index(mode)] = 1.0;
    for x in mode..hi {
        let xf = x as f64;
        // P(x+1)/P(x) = (n1−x)(K−x) / ((x+1)(n2−K+x+1)); x ≥ lo keeps n2−K+x ≥ 0.
        let ratio = (n1f - xf) * (kf - xf) / ((xf + 1.0) * (n2f - kf + xf + 1.0));
        weights[index(x + 1)] = weights[index(x)] * ratio;
    }
    for x in (lo + 1..=mode).rev() {
        let xf = x as f64;
        // P(x−1)/P(x) = x(n2−K+x) / ((n1−x+1)(K−x+1))
        let ratio = xf * (n2f - kf + xf) / ((n1f - xf + 1.0) * (kf - xf + 1.0));
        weights[index(x - 1)] = weights[index(x)] * ratio;
    }

    let observed = weights[index(k1)] * (1.0 + FISHER_TOLERANCE);
    let all: f64 = weights.iter().sum();
    let extreme: f64 = weights.iter().filter(|&&w| w <= observed).sum();
    extreme / all
}

/// The complementary error function, `erfc(x) = 1 − erf(x)`, for `x ≥ 0`, to about
/// 1e-13 relative (std has no stable `erf`). The two-sided normal p-value of `z` is
/// `erfc(|z|/√2)`.
///
/// Below 2: the series `erf(x) = 2/√π · e^{−x²} · Σ 2ⁿx^{2n+1} / (1·3·…·(2n+1))`, whose
/// terms are all positive; only the final `1 − erf` cancels, which costs little while
/// erfc(x) > erfc(2) ≈ 0.005. From 2: the continued fraction
/// `erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …))))`, which converges fast
/// there and keeps the relative accuracy of tiny tails.
fn erfc(x: f64) -> f64 {
    debug_assert!(x >= 0.0);
    let two_over_sqrt_pi = std::f64::consts::FRAC_2_SQRT_PI;
    if x < 2.0 {
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            term *= 2.0 * x * x / (2.0 * n + 3.0);
            sum += term;
            n += 1.0;
        }
        1.0 - two_over_sqrt_pi * (-x * x).exp() * sum
    } else {
        let mut fraction = x;
        for n in (1..=60).rev() {
            fraction = x + f64::from(n) / 2.0 / fraction;
        }
        two_over_sqrt_pi / 2.0 * (-x * x).exp() / fraction
    }
}

/// Quartiles, extremes and count of a sample. Everything but `n` is `None` for an
/// empty sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quartiles {
    pub n: usize,
    pub q1: Option<f64>,
    pub median: Option<f64>,
    pub q3: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Median and quartiles of `values` (in any order) by the "type 7" definition of
/// Hyndman & Fan: on the sorted sample `x₀ ≤ … ≤ x_{n−1}`, the `p`-quantile is
/// `x_j + (h − j)(x_{j+1} − x_j)` with `h = (n−1)p` and `j = ⌊h⌋`. It is R's default
/// and Excel's `QUARTILE.INC`, so a reader can reproduce the figures in a spreadsheet;
/// its median is the usual one (mean of the middle two for even `n`).
///
/// `NaN` is a caller bug (debug assertion); in release it sorts last and shows up as a
/// `NaN` maximum rather than being dropped silently.
pub fn quartiles(values: &[f64]) -> Quartiles {
    debug_assert!(values.iter().all(|v| !v.is_nan()), "quartiles: NaN");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Quartiles {
        n: sorted.len(),
        q1: quantile_sorted(&sorted, 0.25),
        median: quantile_sorted(&sorted, 0.5),
        q3: quantile_sorted(&sorted, 0.75),
        min: sorted.first().copied(),
        max: sorted.last().copied(),
    }
}

/// The type 7 `p`-quantile of an already sorted sample.
fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p;
    let j = h.floor() as usize;
    let next = sorted[(j + 1).min(last)];
    Some(sorted[j] + (h - j as f64) * (next - sorted[j]))
}

/// One step of a Kaplan–Meier curve, at a time where at least one event happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmStep {
    /// The time of the step (e.g. months after the end of the insats).
    pub time: u32,
    /// Subjects at risk just before `time`: every subject whose time is `time` or later,
    /// including those censored at `time`.
    pub at_risk: u64,
    /// Subjects with the event at `time`.
    pub events: u64,
    /// Subjects censored at exactly `time`. Censorings at times without events show only
    /// as the drop in `at_risk` at the next step.
    pub censored: u64,
    /// S(t): the estimated share still without the event after this step.
    pub survival: f64,
    /// 1 − S(t): the estimated share who have had the event by `time`.
    pub cumulative: f64,
    /// Greenwood standard error of S(t) (the same for 1 − S(t)); `None` once S(t) = 0,
    /// where Greenwood's formula divides by zero.
    pub std_error: Option<f64>,
    /// Lower end of the 95 % log(−log) interval on `cumulative`; `None` when S(t) = 0.
    pub low: Option<f64>,
    /// Upper end of the 95 % log(−log) interval on `cumulative`; `None` when S(t) = 0.
    pub high: Option<f64>,
}

/// The Kaplan–Meier estimate for `subjects`, each `(time, event)`: `event` is `true`
/// when the event (e.g. the first self-sufficient month) happened at `time`, `false`
/// when the subject was last followed at `time` without it (censored). Input order does
/// not matter.
///
/// One [`KmStep`] per distinct event time `t`, in time order, with `n` at risk and `d`
/// events: `S(t) = Π (1 − d/n)`. Subjects censored at an event time count as at risk at
/// that time (the standard convention: censoring is taken to happen just after events).
///
/// Greenwood: `Var S(t) = S(t)² · Σ d/(n(n−d))`. The interval is built on
/// `log(−log S(t))`, whose standard error is `√(Σ d/(n(n−d))) / |log S(t)|`, giving
/// `S(t)^{exp(±z·se)}` for S and the mirror for 1 − S. Unlike the plain `S ± z·SE`, it
/// always stays within (0, 1) and behaves in the small risk sets at the tail of the
/// curve; it is R's `survfit(conf.type = "log-log")` and Stata's default.
///
/// Empty input, or input without events, gives no steps: the curve stays at 0 %.
pub fn kaplan_meier(subjects: &[(u32, bool)]) -> Vec<KmStep> {
    let mut sorted = subjects.to_vec();
    sorted.sort_by_key(|&(time, _)| time);
    let mut at_risk = sorted.len() as u64;
    let mut survival = 1.0;
    let mut greenwood = 0.0;
    let mut steps = Vec::new();
    for group in sorted.chunk_by(|a, b| a.0 == b.0) {
        let events = group.iter().filter(|&&(_, event)| event).count() as u64;
        let censored = group.len() as u64 - events;
        if events > 0 {
            let (n, d) = (at_risk as f64, events as f64);
            survival *= 1.0 - d / n;
            let (std_error, low, high) = if events < at_risk {
                greenwood += d / (n * (n - d));
                let log_s = f64::ln(survival);
                let spread = (Z95 * greenwood.sqrt() / log_s.abs()).exp();
                // S^spread < S < S^(1/spread); 1 − S mirrors them.
                (
                    Some(survival * greenwood.sqrt()),
                    Some(1.0 - survival.powf(1.0 / spread)),
                    Some(1.0 - survival.powf(spread)),
                )
            } else {
                // Everyone at risk had the event: S(t) = 0 and no later step can follow.
                survival = 0.0;
                (None, None, None)
            };
            steps.push(KmStep {
                time: group[0].0,
                at_risk,
                events,
                censored,
                survival,
                cumulative: 1.0 - survival,
                std_error,
                low,
                high,
            });
        }
        at_risk -= group.len() as u64;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounds to 3 decimals, so expected values can be written as the tables show them.
    fn r3(x: f64) -> f64 {
        (x * 1000.0).round() / 1000.0
    }

    fn r3o(x: Option<f64>) -> Option<f64> {
        x.map(r3)
    }

    // Wilson: z² = 3.841459.

    #[test]
    fn wilson_16_of_34() {
        // p = 0.470588, z²/n = 0.112984; centre = (p + z²/2n)/(1 + z²/n) = 0.473574;
        // half = z/(1 + z²/n)·√(p(1−p)/n + z²/4n²) = 0.159059 → 0.3145 .. 0.6326.
        let p = wilson(16, 34);
        assert_eq!((p.k, p.n), (16, 34));
        assert_eq!(r3o(p.share), Some(0.471));
        assert_eq!(r3o(p.low), Some(0.315));
        assert_eq!(r3o(p.high), Some(0.633));
    }

    #[test]
    fn wilson_none_of_ten_is_not_zero_to_zero() {
        // p = 0: centre = half = (z²/20)/(1 + z²/10) = 0.138766 → 0 .. 0.2775.
        let p = wilson(0, 10);
        assert_eq!(p.share, Some(0.0));
        assert_eq!(p.low, Some(0.0));
        assert_eq!(r3o(p.high), Some(0.278));
    }

    #[test]
    fn wilson_all_of_ten_mirrors_none_of_ten() {
        let p = wilson(10, 10);
        assert_eq!(p.share, Some(1.0));
        assert_eq!(r3o(p.low), Some(0.722));
        assert_eq!(p.high, Some(1.0));
    }

    #[test]
    fn wilson_1_of_3() {
        // z²/n = 1.280486; centre = 0.426916, half = 0.365424 → 0.0615 .. 0.7923.
        let p = wilson(1, 3);
        assert_eq!(r3o(p.share), Some(0.333));
        assert_eq!(r3o(p.low), Some(0.061));
        assert_eq!(r3o(p.high), Some(0.792));
    }

    #[test]
    fn wilson_of_nobody_has_no_estimates() {
        let p = wilson(0, 0);
        assert_eq!(
            p,
            Proportion {
                k: 0,
                n: 0,
                share: None,
                low: None,
                high: None
            }
        );
    }

    #[test]
    fn wilson_interval_contains_the_share_and_stays_in_bounds() {
        for n in 1..=40 {
            for k in 0..=n {
                let p = wilson(k, n);
                let (share, low, high) = (p.share.unwrap(), p.low.unwrap(), p.high.unwrap());
                assert!((0.0..=share).contains(&low), "{k}/{n}: {p:?}");
                assert!((share..=1.0).contains(&high), "{k}/{n}: {p:?}");
            }
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "k = 4 > n = 3")]
    fn wilson_with_more_cases_than_people_is_a_bug() {
        wilson(4, 3);
    }

    #[test]
    fn erfc_matches_reference_values() {
        // Python's math.erfc.
        for (x, expected) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (1.9, 0.007_209_570_764_742_532_5),
            (2.0, 0.004_677_734_981_047_265),
            (2.5, 0.000_406_952_017_444_958_9),
            (3.0, 2.209_049_699_858_543_8e-5),
            (5.0, 1.537_459_794_428_035_1e-12),
            (8.0, 1.122_429_717_298_292_8e-29),
        ] {
            let got = erfc(x);
            assert!(
                (got - expected).abs() <= 1e-12 * expected,
                "erfc({x}) = {got}, expected {expected}"
            );
        }
        // The two-sided 5 % point of the normal distribution.
        assert_eq!(r3(erfc(Z95 / std::f64::consts::SQRT_2) * 1000.0), 50.0);
    }

    #[test]
    fn compare_5_of_20_with_12_of_20_by_z_test() {
        // p̂ = 17/40 = 0.425, expected counts 8.5 and 11.5 ≥ 5 → z-test.
        // SE = √(0.425·0.575·(1/20 + 1/20)) = 0.156325; z = 0.35/0.156325 = 2.2389;
        // p = 2(1 − Φ(2.2389)) = 0.0252.
        let c = compare(5, 20, 12, 20);
        assert_eq!(c.test, Some(TestKind::TwoProportionZ));
        assert_eq!(r3o(c.difference), Some(0.35));
        assert_eq!(r3o(c.p_value), Some(0.025));
        assert!(c.significant);
    }

    #[test]
    fn compare_30_of_100_with_45_of_100_by_z_test() {
        // p̂ = 0.375; SE = √(0.375·0.625·0.02) = 0.068465; z = 0.15/0.068465 = 2.1909;
        // p = 0.0285.
        let c = compare(30, 100, 45, 100);
        assert_eq!(c.test, Some(TestKind::TwoProportionZ));
        assert_eq!(r3o(c.difference), Some(0.15));
        assert_eq!(r3o(c.p_value), Some(0.028));
        assert!(c.significant);
    }

    #[test]
    fn compare_uses_the_z_test_when_expected_counts_are_exactly_five() {
        // p̂ = 0.5 → every expected count is 10·0.5 = 5, not below 5.
        assert_eq!(compare(2, 10, 8, 10).test, Some(TestKind::TwoProportionZ));
        // One fewer success: p̂ = 0.45, expected 4.5 → Fisher.
        assert_eq!(compare(1, 10, 8, 10).test, Some(TestKind::FisherExact));
    }

    #[test]
    fn compare_1_of_4_with_3_of_4_by_fisher() {
        // Margins: n1 = n2 = 4, K = 4, N = 8, C(8, 4) = 70. P(x) = C(4,x)·C(4,4−x)/70 for
        // x = 0..4: 1, 16, 36, 16, 1 (/70). Observed x = 1 (16/70); tables as or less
        // probable: x = 0, 1, 3, 4 → p = 34/70 = 0.4857.
        let c = compare(1, 4, 3, 4);
        assert_eq!(c.test, Some(TestKind::FisherExact));
        assert_eq!(r3o(c.difference), Some(0.5));
        assert_eq!(r3o(c.p_value), Some(0.486));
        assert!((c.p_value.unwrap() - 34.0 / 70.0).abs() < 1e-12);
        assert!(!c.significant);
    }

    #[test]
    fn compare_0_of_10_with_4_of_10_by_fisher_is_not_significant() {
        // K = 4, N = 20, C(20, 4) = 4845. C(10,x)·C(10,4−x) for x = 0..4:
        // 210, 1200, 2025, 1200, 210. Observed x = 0 → p = 420/4845 = 0.0867, where the
        // z-test (p̂ = 0.2, expected count 2) would have said 0.025.
        let c = compare(0, 10, 4, 10);
        assert_eq!(c.test, Some(TestKind::FisherExact));
        assert!((c.p_value.unwrap() - 420.0 / 4845.0).abs() < 1e-12);
        assert_eq!(r3o(c.p_value), Some(0.087));
        assert!(!c.significant);
    }

    #[test]
    fn compare_without_any_successes_is_fisher_with_p_one() {
        // p̂ = 0: the z-test's SE would be 0; the only possible table is the observed one.
        let c = compare(0, 10, 0, 5);
        assert_eq!(c.test, Some(TestKind::FisherExact));
        assert_eq!(c.difference, Some(0.0));
        assert_eq!(c.p_value, Some(1.0));
        assert!(!c.significant);
    }

    #[test]
    fn compare_equal_shares_gives_p_one() {
        let c = compare(10, 40, 5, 20);
        assert_eq!(c.test, Some(TestKind::TwoProportionZ));
        assert_eq!(c.difference, Some(0.0));
        assert_eq!(r3o(c.p_value), Some(1.0));
    }

    #[test]
    fn compare_with_an_empty_group_has_no_test() {
        let none = Comparison {
            difference: None,
            p_value: None,
            test: None,
            significant: false,
        };
        assert_eq!(compare(3, 10, 0, 0), none);
        assert_eq!(compare(0, 0, 3, 10), none);
        assert_eq!(compare(0, 0, 0, 0), none);
    }

    #[test]
    fn fisher_handles_large_tables_without_overflow() {
        // Factorials of 2000 overflow f64; the ratio recurrence does not. Same shares as
        // 30/100 vs 45/100 but 10× the people: p is tiny, and a valid probability.
        let p = fisher_exact(300, 1000, 450, 1000);
        assert!(p > 0.0 && p < 1e-10, "{p}");
        // A balanced large table is far from significant.
        let p = fisher_exact(500, 1000, 500, 1000);
        assert!((p - 1.0).abs() < 1e-9, "{p}");
    }

    #[test]
    fn quartiles_of_one_to_four_interpolate() {
        // h = 3p: q1 at h = 0.75 → 1 + 0.75·1 = 1.75; median at 1.5 → 2.5; q3 at 2.25 → 3.25.
        let q = quartiles(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            q,
            Quartiles {
                n: 4,
                q1: Some(1.75),
                median: Some(2.5),
                q3: Some(3.25),
                min: Some(1.0),
                max: Some(4.0)
            }
        );
    }

    #[test]
    fn quartiles_of_one_value_are_that_value() {
        let q = quartiles(&[7.0]);
        assert_eq!(q.n, 1);
        for v in [q.q1, q.median, q.q3, q.min, q.max] {
            assert_eq!(v, Some(7.0));
        }
    }

    #[test]
    fn quartiles_of_nothing_are_none() {
        let q = quartiles(&[]);
        assert_eq!(
            q,
            Quartiles {
                n: 0,
                q1: None,
                median: None,
                q3: None,
                min: None,
                max: None
            }
        );
    }

    #[test]
    fn quartiles_sort_their_input() {
        // Sorted: 1, 3, 5, 9. q1: h = 0.75 → 1 + 0.75·2 = 2.5; median: h = 1.5 → 3 + 0.5·2 = 4;
        // q3: h = 2.25 → 5 + 0.25·4 = 6.
        let q = quartiles(&[9.0, 1.0, 5.0, 3.0]);
        assert_eq!(
            (q.q1, q.median, q.q3, q.min, q.max),
            (Some(2.5), Some(4.0), Some(6.0), Some(1.0), Some(9.0))
        );
        // Odd n: the median is the middle value.
        assert_eq!(quartiles(&[12.0, 3.0, 7.0]).median, Some(7.0));
    }

    const EXAMPLE: [(u32, bool); 6] = [
        (1, true),
        (2, false),
        (3, true),
        (3, true),
        (4, false),
        (5, true),
    ];

    #[test]
    fn kaplan_meier_hand_example() {
        // t = 1: n = 6, d = 1: S = 5/6 = 0.8333; Σ = 1/(6·5) = 0.03333;
        //        SE = S·√Σ = 0.8333·0.18257 = 0.1521.
        //        log(−log) spread = exp(z·√Σ/|ln S|) = exp(1.96·0.18257/0.18232) = 7.1184;
        //        1 − S^(1/7.1184) = 0.0253, 1 − S^7.1184 = 0.7269.
        // t = 2: censored, no step; it leaves the risk set.
        // t = 3: n = 4 (times 3, 3, 4, 5), d = 2: S = 0.8333·(1 − 2/4) = 0.4167;
        //        Σ += 2/(4·2) → 0.28333; SE = 0.4167·0.53229 = 0.2218;
        //        interval on 1 − S: 0.2335 .. 0.9440.
        // t = 4: censored, no step.
        // t = 5: n = 1, d = 1: S = 0; Greenwood undefined.
        let steps = kaplan_meier(&EXAMPLE);
        let rows: Vec<_> = steps
            .iter()
            .map(|s| {
                (
                    s.time,
                    s.at_risk,
                    s.events,
                    s.censored,
                    r3(s.survival),
                    r3(s.cumulative),
                    r3o(s.std_error),
                    r3o(s.low),
                    r3o(s.high),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    1,
                    6,
                    1,
                    0,
                    0.833,
                    0.167,
                    Some(0.152),
                    Some(0.025),
                    Some(0.727)
                ),
                (
                    3,
                    4,
                    2,
                    0,
                    0.417,
                    0.583,
                    Some(0.222),
                    Some(0.233),
                    Some(0.944)
                ),
                (5, 1, 1, 0, 0.0, 1.0, None, None, None),
            ]
        );
    }

    #[test]
    fn kaplan_meier_ignores_input_order() {
        let mut shuffled = EXAMPLE;
        shuffled.reverse();
        shuffled.swap(1, 4);
        assert_eq!(kaplan_meier(&shuffled), kaplan_meier(&EXAMPLE));
    }

    #[test]
    fn kaplan_meier_counts_censored_at_an_event_time_as_at_risk() {
        // t = 2: n = 3 (including the one censored at 2), d = 1: S = 2/3.
        // t = 4: n = 1, d = 1: S = 0.
        let steps = kaplan_meier(&[(4, true), (2, false), (2, true)]);
        assert_eq!(steps.len(), 2);
        assert_eq!(
            (
                steps[0].time,
                steps[0].at_risk,
                steps[0].events,
                steps[0].censored
            ),
            (2, 3, 1, 1)
        );
        assert_eq!(r3(steps[0].survival), 0.667);
        // Σ = 1/(3·2): SE = (2/3)·√(1/6) = 0.272.
        assert_eq!(r3o(steps[0].std_error), Some(0.272));
        assert_eq!((steps[1].time, steps[1].at_risk), (4, 1));
        assert_eq!(steps[1].cumulative, 1.0);
    }

    #[test]
    fn kaplan_meier_without_events_has_no_steps() {
        assert!(kaplan_meier(&[(3, false), (6, false), (6, false)]).is_empty());
        assert!(kaplan_meier(&[]).is_empty());
    }

    #[test]
    fn kaplan_meier_interval_contains_the_estimate() {
        let subjects: Vec<(u32, bool)> = (0..30).map(|i| (i % 7, i % 3 != 0)).collect();
        let steps = kaplan_meier(&subjects);
        assert!(!steps.is_empty());
        let mut previous = 0.0;
        for s in &steps {
            assert!(s.cumulative >= previous, "{s:?}");
            previous = s.cumulative;
            if let (Some(low), Some(high)) = (s.low, s.high) {
                assert!(0.0 < low && low < s.cumulative && s.cumulative < high && high < 1.0);
            }
        }
    }

    #[test]
    fn results_serialize_with_null_for_missing_estimates() {
        let json = serde_json::to_string(&wilson(0, 0)).unwrap();
        assert_eq!(json, r#"{"k":0,"n":0,"share":null,"low":null,"high":null}"#);
        let json = serde_json::to_string(&compare(1, 4, 3, 4).test).unwrap();
        assert_eq!(json, r#""FisherExact""#);
    }
}
