//! A small seeded PRNG (SplitMix64): deterministic across platforms and releases, so a seed
//! always produces the same account.

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, full period, good enough for test
/// data (not for anything secret).
#[derive(Debug, Clone)]
pub struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable hash of `(seed, stream, index)`: the same entity always gets the same draws,
/// whatever order entities are generated in.
pub fn hash3(seed: u64, stream: u64, index: u64) -> u64 {
    mix(mix(mix(seed ^ GOLDEN).wrapping_add(stream.wrapping_mul(GOLDEN))).wrapping_add(index))
}

impl Rng {
    /// A generator for one entity of one stream.
    pub fn for_entity(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(hash3(seed, stream, index))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice (the first when it is empty... which callers avoid).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len());
        &items[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_spread() {
        let mut a = Rng::for_entity(1, 2, 3);
        let mut b = Rng::for_entity(1, 2, 3);
        assert_eq!(a.next_u64(), b.next_u64());
        let mut counts = [0usize; 10];
        for _ in 0..10_000 {
            counts[a.below(10)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
        assert_ne!(hash3(1, 2, 3), hash3(1, 2, 4));
    }
}
