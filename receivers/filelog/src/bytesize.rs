//! Byte sizes written as Go's stanza reads them (`helper.ByteSize`): a
//! number of bytes, or a number with a unit — `kb`, `mb`, `gb`, `tb`, `pb`
//! (powers of 1000) or `kib`, `mib`, `gib`, `tib`, `pib` (powers of 1024),
//! case-insensitive, optionally with a decimal part (`1.5MiB`).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A size in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parses `1000`, `1kb`, `16KiB`, `1.5 MiB`.
    pub fn parse(s: &str) -> Result<ByteSize, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("invalid byte size {s:?}: expected a number such as 1024 or 16KiB"))?;
        let unit = unit.trim().to_ascii_lowercase();
        let mult: u64 = match unit.as_str() {
            "" | "b" => 1,
            "kb" => 1000,
            "mb" => 1000u64.pow(2),
            "gb" => 1000u64.pow(3),
            "tb" => 1000u64.pow(4),
            "pb" => 1000u64.pow(5),
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            "tib" => 1 << 40,
            "pib" => 1 << 50,
            _ => return Err(format!("invalid byte size {s:?}: unknown unit {unit:?}")),
        };
        let bytes = n * mult as f64;
        if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
            return Err(format!("invalid byte size {s:?}: out of range"));
        }
        Ok(ByteSize(bytes as u64))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n != 0 && n % (1 << 20) == 0 {
            write!(f, "{}MiB", n >> 20)
        } else if n != 0 && n % (1 << 10) == 0 {
            write!(f, "{}KiB", n >> 10)
        } else {
            write!(f, "{n}")
        }
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
                f.write_str("a byte size such as 1024, 1kb or 16KiB")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ByteSize, E> {
                u64::try_from(n)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("byte size {n} must not be negative")))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<ByteSize, E> {
                if n < 0.0 || !n.is_finite() {
                    return Err(E::custom(format!("invalid byte size {n}")));
                }
                Ok(ByteSize(n as u64))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ByteSize, E> {
                ByteSize::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_byte_sizes() {
        let cases: &[(&str, Result<u64, &str>)] = &[
            ("1000", Ok(1000)),
            ("1kb", Ok(1000)),
            ("1KB", Ok(1000)),
            ("16KiB", Ok(16 * 1024)),
            ("1MiB", Ok(1 << 20)),
            ("1.5 MiB", Ok(3 << 19)),
            ("2gb", Ok(2_000_000_000)),
            ("1xb", Err("unknown unit")),
            ("lots", Err("expected a number")),
        ];
        for (s, want) in cases {
            match (ByteSize::parse(s), want) {
                (Ok(b), Ok(w)) => assert_eq!(b.0, *w, "{s}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{s}: {e}"),
                (got, want) => panic!("{s}: {got:?} vs {want:?}"),
            }
        }
        let y: ByteSize = serde_yaml::from_str("1048576").unwrap();
        assert_eq!(y, ByteSize(1 << 20));
        assert_eq!(serde_yaml::to_string(&y).unwrap().trim(), "1MiB");
        assert_eq!(ByteSize(1000).to_string(), "1000");
        assert!(serde_yaml::from_str::<ByteSize>("-1").is_err());
    }
}
