//! The random stream: SplitMix64 and the sampling helpers built on it.
//!
//! Invariant: a stream depends only on the seed and its path of indices (project and
//! person, or project and half-year), so what one person draws never depends on what
//! was drawn before them.
//!
//! The example scenario (`example`) shares the generator but was drawn before it was
//! shared, with its own seeding (a raw state or an FNV-1a key) and by modulo rather than
//! multiply-shift. Its files are committed and must stay the same byte for byte, so those
//! draws are kept as methods of their own, named `*_mod` and `keyed`/`from_state`; where
//! both drew alike (`unit`, `chance`) there is one method.

use chrono::{Datelike, Days, Months, NaiveDate, TimeDelta, Weekday};

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

    /// A stream starting at `state` as given, unmixed: the example scenario's project
    /// streams were seeded so.
    pub(super) fn from_state(state: u64) -> Rng {
        Rng(state)
    }

    /// A stream of its own keyed by `parts` (FNV-1a of each part and a zero byte), e.g.
    /// for one person of the example scenario: what is drawn from it does not depend on
    /// what was drawn before.
    pub(super) fn keyed(parts: &[&str]) -> Rng {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in parts.iter().flat_map(|p| p.bytes().chain([0])) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(hash)
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

    /// In `0..n` (n > 0) by modulo: a little biased, unlike [`Rng::below`], but the
    /// example collection was drawn with it and its files are fixed.
    fn below_mod(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// In `lo..=hi` by modulo, as the example collection was drawn (see [`Rng::below_mod`]).
    pub(super) fn between_mod(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).expect("lo ≤ hi");
        lo + i64::try_from(self.below_mod(span)).expect("a small span")
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

    /// A weekday in `from..=to` (`from` when the range is empty), drawn by modulo as the
    /// example collection was: one draw even for an empty range, a weekend day moved to
    /// the Monday after.
    pub(super) fn weekday_mod(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = (to - from).num_days().max(0);
        on_a_weekday(from + TimeDelta::days(self.between_mod(0, days)))
    }

    /// One of `weighted`, with chances in proportion to the weights.
    pub(super) fn pick<T: Copy>(&mut self, weighted: &[(T, u32)]) -> T {
        let roll = self.below(u64::from(total_weight(weighted)));
        choose(weighted, roll)
    }

    /// [`Rng::pick`] with the roll drawn by modulo, as the example collection was.
    pub(super) fn pick_mod<T: Copy>(&mut self, weighted: &[(T, u32)]) -> T {
        let roll = self.below_mod(u64::from(total_weight(weighted)));
        choose(weighted, roll)
    }
}

fn total_weight<T>(weighted: &[(T, u32)]) -> u32 {
    weighted.iter().map(|w| w.1).sum()
}

/// The item whose share of the weights holds `roll` (in `0..total`).
fn choose<T: Copy>(weighted: &[(T, u32)], roll: u64) -> T {
    let mut roll = roll;
    for &(item, weight) in weighted {
        if roll < u64::from(weight) {
            return item;
        }
        roll -= u64::from(weight);
    }
    weighted[weighted.len() - 1].0
}

/// `date`, or the Monday after when it falls on a weekend.
pub(super) fn on_a_weekday(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date + TimeDelta::days(2),
        Weekday::Sun => date + TimeDelta::days(1),
        _ => date,
    }
}

pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
