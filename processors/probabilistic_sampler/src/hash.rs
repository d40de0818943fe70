//! The `hash_seed` mode's hash, exactly as Go's `probabilisticsamplerprocessor`:
//! FNV-1a (32-bit) of the seed's 4 little-endian bytes followed by the
//! trace id (or attribute value), of which the low 14 bits pick one of 16384
//! buckets.

use crate::sampling::{Randomness, Threshold};

/// log2 of the number of hash buckets.
pub(crate) const NUM_HASH_BUCKETS_LG2: u32 = 14;
/// Hash buckets: 16384.
pub(crate) const NUM_HASH_BUCKETS: u32 = 1 << NUM_HASH_BUCKETS_LG2;
/// Mask for the bucket bits.
pub(crate) const BIT_MASK_HASH_BUCKETS: u32 = NUM_HASH_BUCKETS - 1;
/// Buckets per percent, as a float32 (Go's untyped `0x4000 / 100.0` in float32 arithmetic).
pub(crate) const PERCENTAGE_SCALE_FACTOR: f32 = 163.84;

const FNV_OFFSET_BASIS: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// FNV-1a 32-bit of `seed` (little-endian) then `bytes` (Go's `computeHash`).
pub fn compute_hash(bytes: &[u8], seed: u32) -> u32 {
    seed.to_le_bytes()
        .iter()
        .chain(bytes)
        .fold(FNV_OFFSET_BASIS, |h, &b| {
            (h ^ u32::from(b)).wrapping_mul(FNV_PRIME)
        })
}

/// Go's `randomnessFromBytes`: a 56-bit randomness whose top 14 bits are
/// `16383 - bucket`, so that the OTEP 235 rule `T <= R` takes the same
/// decision as the legacy `bucket < scaled_rate`.
pub fn randomness_from_bytes(bytes: &[u8], seed: u32) -> Randomness {
    let hashed32 = compute_hash(bytes, seed);
    let hashed = u64::from(hashed32 & BIT_MASK_HASH_BUCKETS);
    let rprime14 = u64::from(NUM_HASH_BUCKETS) - 1 - hashed;
    let unused18 = u64::from(hashed32 >> NUM_HASH_BUCKETS_LG2);
    let mixed28 = unused18 ^ (unused18 << 10);
    let rnd56 = (rprime14 << 42) | (mixed28 << 14) | hashed;
    Randomness::from_unsigned(rnd56).unwrap_or(Randomness::ALL_PROBABILITIES)
}

/// Go's `uint32(pct * percentageScaleFactor)`: the number of accepted
/// buckets, computed in float32 and truncated (pct already capped at 100).
pub(crate) fn scaled_sample_rate(pct: f32) -> u32 {
    (pct * PERCENTAGE_SCALE_FACTOR) as u32
}

/// The rejection threshold for `scaled` accepted buckets (`scaled` ≥ 1).
pub(crate) fn hash_threshold(scaled: u32) -> Threshold {
    let reject = u64::from(NUM_HASH_BUCKETS.saturating_sub(scaled));
    Threshold::from_unsigned(reject << 42).unwrap_or(Threshold::NEVER_SAMPLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect()
    }

    #[test]
    fn fnv1a_reference_values() {
        // Published FNV-1a 32 test vectors, hashed without the seed prefix.
        let plain = |b: &[u8]| {
            b.iter().fold(FNV_OFFSET_BASIS, |h, &x| {
                (h ^ u32::from(x)).wrapping_mul(FNV_PRIME)
            })
        };
        assert_eq!(plain(b""), 0x811c_9dc5);
        assert_eq!(plain(b"a"), 0xe40c_292c);
        assert_eq!(plain(b"foobar"), 0xbf9c_f968);
        assert_eq!(compute_hash(b"", 0), plain(&[0, 0, 0, 0]));
        assert_eq!(compute_hash(b"x", 0x0403_0201), plain(&[1, 2, 3, 4, b'x']));
    }

    #[test]
    fn hashes_and_randomness_match_gos_algorithm() {
        // (seed, trace id, FNV-1a hash, bucket, rv written by Go), computed
        // independently from Go's fnvhasher.go / randomnessFromBytes.
        let cases: &[(u32, &str, u32, u32, &str)] = &[
            (
                0,
                "0102030405060708090a0b0c0d0e0f10",
                0xdf24_1a25,
                6693,
                "976b7c4f241a25",
            ),
            (
                0,
                "4bf92f3577b34da6a3ce929d0e0e4736",
                0x3420_408d,
                141,
                "fdc8d0b520408d",
            ),
            (
                0,
                "00000000000000000000000000000001",
                0xb8fe_e2c2,
                8898,
                "74f6e343fee2c2",
            ),
            (
                0,
                "ffffffffffffffffffffffffffffffff",
                0x291a_1545,
                5445,
                "aae8a4411a1545",
            ),
            (
                22,
                "0102030405060708090a0b0c0d0e0f10",
                0xd863_b443,
                13379,
                "2ef3615663b443",
            ),
            (
                22,
                "4bf92f3577b34da6a3ce929d0e0e4736",
                0x5610_306b,
                12395,
                "3e51581610306b",
            ),
            (
                22,
                "5b8efff798038103d269b633813fc60c",
                0xa2a6_4cc9,
                3273,
                "ccda8a3ba64cc9",
            ),
            (
                12345,
                "0102030405060708090a0b0c0d0e0f10",
                0x7896_7cfc,
                15612,
                "0c0de221967cfc",
            ),
            (
                12345,
                "a0f2c5e3b1d4e6f708192a3b4c5d6e7f",
                0xfb7e_6bec,
                11244,
                "504fed027e6bec",
            ),
        ];
        for &(seed, tid, hash, bucket, rv) in cases {
            let tid = id(tid);
            assert_eq!(compute_hash(&tid, seed), hash);
            assert_eq!(hash & BIT_MASK_HASH_BUCKETS, bucket);
            assert_eq!(randomness_from_bytes(&tid, seed).rvalue(), rv);
        }
    }

    #[test]
    fn scaled_rate_is_float32_truncated() {
        for (pct, scaled, th) in [
            (25.0, 4096, "c"),
            (15.3, 2506, "d8d8"),
            (50.0, 8192, "8"),
            (0.01, 1, "fffc"),
            (33.33, 5460, "aab"),
            (99.99, 16382, "0008"),
            (100.0, 16384, "0"),
            (0.001, 0, ""),
        ] {
            assert_eq!(scaled_sample_rate(pct), scaled, "{pct}");
            if scaled > 0 {
                assert_eq!(hash_threshold(scaled).tvalue(), th, "{pct}");
            }
        }
    }

    #[test]
    fn threshold_rule_equals_legacy_bucket_rule() {
        for scaled in [1, 2506, 4096, 8192, 16383, 16384] {
            let th = hash_threshold(scaled);
            for i in 0u32..2000 {
                let bytes = i.to_be_bytes();
                let bucket = compute_hash(&bytes, 7) & BIT_MASK_HASH_BUCKETS;
                assert_eq!(
                    th.should_sample(randomness_from_bytes(&bytes, 7)),
                    bucket < scaled
                );
            }
        }
    }
}
