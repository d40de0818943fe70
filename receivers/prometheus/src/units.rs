//! Prometheus' own value syntaxes in its config: durations (`1m`, `1h30m`,
//! `5d`, `100ms`; `model.Duration`) and byte sizes (`10MB`, base 2;
//! `units.Base2Bytes`).

use std::fmt;
use std::time::Duration;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Prometheus duration: `[0-9]+(y|w|d|h|m|s|ms)` units, largest first,
/// each at most once (`1h30m`, `90d`, `500ms`), or `0`. A year is 365 days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PromDuration(pub Duration);

const UNITS: [(&str, u64); 7] = [
    ("y", 1000 * 60 * 60 * 24 * 365),
    ("w", 1000 * 60 * 60 * 24 * 7),
    ("d", 1000 * 60 * 60 * 24),
    ("h", 1000 * 60 * 60),
    ("m", 1000 * 60),
    ("s", 1000),
    ("ms", 1),
];

impl PromDuration {
    /// `secs` seconds.
    pub const fn from_secs(secs: u64) -> Self {
        PromDuration(Duration::from_secs(secs))
    }

    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }

    /// Parses Prometheus' duration syntax.
    pub fn parse(s: &str) -> Result<Self, String> {
        let invalid = || format!("not a valid duration string: {s:?}");
        if s == "0" {
            return Ok(PromDuration(Duration::ZERO));
        }
        if s.is_empty() {
            return Err("empty duration string".to_string());
        }
        let mut rest = s;
        let mut next_unit = 0usize;
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            if digits == 0 {
                return Err(invalid());
            }
            let (num, after) = rest.split_at(digits);
            let n: u64 = num.parse().map_err(|_| invalid())?;
            // "ms" before "m": the longer unit first.
            let (unit_index, unit_len) = if after.starts_with("ms") {
                (6, 2)
            } else {
                let c = after.chars().next().ok_or_else(invalid)?;
                let i = UNITS[..6]
                    .iter()
                    .position(|(u, _)| u.starts_with(c) && u.len() == 1)
                    .ok_or_else(invalid)?;
                (i, 1)
            };
            if unit_index < next_unit {
                return Err(invalid());
            }
            next_unit = unit_index + 1;
            let ms = n.checked_mul(UNITS[unit_index].1).ok_or_else(invalid)?;
            total = total.checked_add(ms).ok_or_else(invalid)?;
            rest = &after[unit_len..];
        }
        // Prometheus keeps durations as int64 nanoseconds.
        if total > i64::MAX as u64 / 1_000_000 {
            return Err(invalid());
        }
        Ok(PromDuration(Duration::from_millis(total)))
    }
}

impl fmt::Display for PromDuration {
    /// As Prometheus prints durations: `0s`, `1m`, `1h30m`, `90d`, `2w`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX);
        if ms == 0 {
            return f.write_str("0s");
        }
        for (i, (unit, mult)) in UNITS.iter().enumerate() {
            // Years and weeks only when exact (90d reads better than 12w6d).
            if i < 2 && ms % mult != 0 {
                continue;
            }
            let v = ms / mult;
            if v > 0 {
                write!(f, "{v}{unit}")?;
                ms -= v * mult;
            }
        }
        Ok(())
    }
}

impl Serialize for PromDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PromDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PromDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Prometheus duration such as 15s, 1m, 1h30m or 5d")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PromDuration, E> {
                PromDuration::parse(s).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<PromDuration, E> {
                if n == 0 {
                    Ok(PromDuration(Duration::ZERO))
                } else {
                    Err(E::custom(format!(
                        "not a valid duration string: \"{n}\" (a unit is required: {n}s, {n}m...)"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<PromDuration, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!("not a valid duration string: \"{n}\""))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A size in bytes written as Prometheus writes them (`units.Base2Bytes`):
/// a number with an optional unit `B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB`,
/// `TB`/`TiB`, `PB`/`PiB`, `EB`/`EiB`, all powers of 1024. `0` means no
/// limit where it is a limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

const BYTE_UNITS: [(&str, &str, u32); 7] = [
    ("B", "B", 0),
    ("KB", "KiB", 10),
    ("MB", "MiB", 20),
    ("GB", "GiB", 30),
    ("TB", "TiB", 40),
    ("PB", "PiB", 50),
    ("EB", "EiB", 60),
];

impl ByteSize {
    /// Parses `10MB`, `512KiB`, `1024` (bytes).
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let invalid = || format!("invalid byte size {s:?}: expected a number with a unit such as 10MB");
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() {
            return Err(invalid());
        }
        let n: u64 = num.parse().map_err(|_| invalid())?;
        let unit = unit.trim();
        if unit.is_empty() {
            return Ok(ByteSize(n));
        }
        let shift = BYTE_UNITS
            .iter()
            .find(|(a, b, _)| unit == *a || unit == *b)
            .map(|(_, _, s)| *s)
            .ok_or_else(invalid)?;
        n.checked_mul(1u64 << shift).map(ByteSize).ok_or_else(invalid)
    }
}

impl fmt::Display for ByteSize {
    /// The largest exact unit: `10MB`, `1536KB`, `0B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, _, shift) in BYTE_UNITS.iter().rev() {
            let m = 1u64 << shift;
            if n != 0 && n % m == 0 {
                return write!(f, "{}{unit}", n / m);
            }
        }
        write!(f, "{n}B")
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte size such as 10MB")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ByteSize, E> {
                ByteSize::parse(s).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ByteSize, E> {
                u64::try_from(n)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("byte size {n} must not be negative")))
            }
        }
        d.deserialize_any(V)
    }
}

/// Serde helpers for strings that YAML may write as numbers or booleans
/// (label values, regexes: Prometheus' YAML decoder reads `1` as `"1"`).
pub(crate) mod lenient {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    /// A string, number or boolean, as a string.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) struct Text(pub(crate) String);

    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Text;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                    Ok(Text(s.to_string()))
                }
                fn visit_string<E: de::Error>(self, s: String) -> Result<Text, E> {
                    Ok(Text(s))
                }
                fn visit_u64<E: de::Error>(self, n: u64) -> Result<Text, E> {
                    Ok(Text(n.to_string()))
                }
                fn visit_i64<E: de::Error>(self, n: i64) -> Result<Text, E> {
                    Ok(Text(n.to_string()))
                }
                fn visit_f64<E: de::Error>(self, n: f64) -> Result<Text, E> {
                    Ok(Text(n.to_string()))
                }
                fn visit_bool<E: de::Error>(self, b: bool) -> Result<Text, E> {
                    Ok(Text(b.to_string()))
                }
                fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                    Ok(Text(String::new()))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// Deserializes a string field leniently.
    pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Text::deserialize(d).map(|t| t.0)
    }

    /// Deserializes a map of strings leniently (`null` is empty).
    pub(crate) fn map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BTreeMap<String, String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of label names to values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(BTreeMap::new())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(BTreeMap::new())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = m.next_entry::<Text, Text>()? {
                    out.insert(k.0, v.0);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }

    /// Deserializes a list of strings leniently (`null` is empty).
    pub(crate) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(Option::<Vec<Text>>::deserialize(d)?
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.0)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_prometheus() {
        let ok = [
            ("0", 0),
            ("0s", 0),
            ("1ms", 1),
            ("15s", 15_000),
            ("1m", 60_000),
            ("1m30s", 90_000),
            ("1h30m", 5_400_000),
            ("5d", 432_000_000),
            ("1w", 604_800_000),
            ("1y", 31_536_000_000),
            ("1h1ms", 3_600_001),
        ];
        for (s, ms) in ok {
            assert_eq!(
                PromDuration::parse(s),
                Ok(PromDuration(Duration::from_millis(ms))),
                "{s}"
            );
        }
        for bad in [
            "",
            "1",
            "1.5s",
            "s",
            "1m1h",
            "1s1s",
            "-1s",
            "1x",
            "1 s",
            "99999999999999999999y",
        ] {
            assert!(PromDuration::parse(bad).is_err(), "{bad} accepted");
        }
        for (ms, s) in [
            (0, "0s"),
            (60_000, "1m"),
            (90_000, "1m30s"),
            (7_776_000_000, "90d"),
            (1_209_600_000, "2w"),
            (1_500, "1s500ms"),
        ] {
            assert_eq!(PromDuration(Duration::from_millis(ms)).to_string(), s);
            assert_eq!(PromDuration::parse(s).unwrap().0.as_millis(), u128::from(ms));
        }
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(ByteSize::parse("10MB"), Ok(ByteSize(10 << 20)));
        assert_eq!(ByteSize::parse("10MiB"), Ok(ByteSize(10 << 20)));
        assert_eq!(ByteSize::parse("512KB"), Ok(ByteSize(512 << 10)));
        assert_eq!(ByteSize::parse("100"), Ok(ByteSize(100)));
        assert_eq!(ByteSize::parse("0"), Ok(ByteSize(0)));
        assert!(ByteSize::parse("MB").is_err());
        assert!(ByteSize::parse("10XB").is_err());
        assert!(ByteSize::parse("99999999EB").is_err());
        assert_eq!(ByteSize(10 << 20).to_string(), "10MB");
        assert_eq!(ByteSize(1536 << 10).to_string(), "1536KB");
        assert_eq!(ByteSize(100).to_string(), "100B");
        assert_eq!(ByteSize(0).to_string(), "0B");
    }
}
