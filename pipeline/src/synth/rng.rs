//! The random stream: SplitMix64 and the sampling helpers built on it.
//!
//! Invariant: a stream depends only on the seed and its path of indices (project and
//! person, or project and half-year), so what one person draws never depends on what
//! was drawn before them.

use chrono::{Days, Months, NaiveDate};

/// SplitMix64: small, fast and good enough for synthetic data; no dependency.
pub(super) struct Rng(u64);

impl Rng {
    /// An independent stream for the seed and a path of indices.
    pub(super) fn stream(seed: u64, path: &[u64]) -> Rng {
        let mut state = mix(seed ^ 0x5EED_F1A5_A11C_E5ED);
        for &part in path {
            state = mix(state ^ mix(part.wrapping_add(0x9E37_79B9_7F4A_7C15)));
        }
        Rng(state)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A span of `lo..=hi` days, uniform.
    pub(super) fn days(&mut self, lo: i64, hi: i64) -> Days {
        Days::new(self.between(lo, hi) as u64)
    }

    /// A span of `lo..=hi` months, uniform.
    pub(super) fn months(&mut self, lo: i64, hi: i64) -> Months {
        Months::new(self.between(lo, hi) as u32)
    }

    /// A day in `from..=to`; `from` when the range is empty.
    pub(super) fn date_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days();
        if span <= 0 {
            from
        } else {
            from + Days::new(self.below(span as u64 + 1))
        }
    }

    pub(super) fn pick<T: Copy>(&mut self, weighted: &[(T, u32)]) -> T {
        let total: u32 = weighted.iter().map(|w| w.1).sum();
        let mut roll = self.below(u64::from(total)) as u32;
        for &(item, weight) in weighted {
            if roll < weight {
                return item;
            }
            roll -= weight;
        }
        weighted[weighted.len() - 1].0
    }
}

pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
