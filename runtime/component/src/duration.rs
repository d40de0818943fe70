//! Serde for durations written as the Go collector reads them: Go duration
//! strings (`200ms`, `1.5s`, `1h30m`, `0`), bare integers (nanoseconds, as Go's
//! config decoder reads them, so `max_elapsed_time: 0` works), and humantime
//! strings (`5min`, `1h 30m`). Serialized as humantime (`5m`, `1h 30m`).
//!
//! Use with `#[serde(with = "otelcol_component::duration")]`.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Serializes `d` as a humantime string (`5m`, `200ms`, `0s`).
pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_duration(*d))
}

/// Deserializes a Go duration string, a humantime string or integer nanoseconds.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration such as 200ms, 5s, 1m30s or 0")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Duration, E> {
            parse(s).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Duration, E> {
            Ok(Duration::from_nanos(n))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Duration, E> {
            u64::try_from(n)
                .map(Duration::from_nanos)
                .map_err(|_| E::custom(format!("duration {n} must not be negative")))
        }
    }
    d.deserialize_any(V)
}

fn unit_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Parses a Go duration (`1h30m`, `1.5s`, `300ms`, `0`); no sign is accepted.
fn parse_go(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total: u128 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let int_len = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let (int, after) = rest.split_at(int_len);
        let (frac, after) = match after.strip_prefix('.') {
            Some(a) => a.split_at(a.find(|c: char| !c.is_ascii_digit()).unwrap_or(a.len())),
            None => ("", after),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale = unit_nanos(unit)?;
        let whole: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
        total = total.checked_add(whole.checked_mul(scale)?)?;
        if !frac.is_empty() {
            let digits = frac.len().min(18);
            let f: u128 = frac.get(..digits)?.parse().ok()?;
            total = total
                .checked_add(f.checked_mul(scale)? / 10u128.checked_pow(u32::try_from(digits).ok()?)?)?;
        }
        rest = after;
    }
    let secs = u64::try_from(total / 1_000_000_000).ok()?;
    let nanos = u32::try_from(total % 1_000_000_000).ok()?;
    Some(Duration::new(secs, nanos))
}

/// Parses a duration the way the config accepts it.
pub fn parse(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("duration {s:?} must not be negative"));
    }
    parse_go(t)
        .or_else(|| humantime::parse_duration(t).ok())
        .ok_or_else(|| format!("invalid duration {s:?}: expected a duration such as 200ms, 5s, 1m30s or 0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, serde::Serialize, PartialEq, Debug)]
    struct C {
        #[serde(with = "super")]
        d: Duration,
    }

    fn d(yaml: &str) -> Result<Duration, String> {
        serde_yaml::from_str::<C>(&format!("d: {yaml}"))
            .map(|c| c.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_go_durations() {
        assert_eq!(d("0"), Ok(Duration::ZERO));
        assert_eq!(d("0s"), Ok(Duration::ZERO));
        assert_eq!(d("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(d("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(d("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(d("2h45m30.5s"), Ok(Duration::from_millis(9_930_500)));
        assert_eq!(d("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(
            d("5000000000"),
            Ok(Duration::from_secs(5)),
            "integers are nanoseconds, as in Go"
        );
        assert_eq!(d("5min"), Ok(Duration::from_secs(300)), "humantime spellings too");
        assert!(d("-1s").unwrap_err().contains("negative"));
        assert!(d("-5").unwrap_err().contains("negative"));
        assert!(d("5 parsecs").unwrap_err().contains("invalid duration"));
        assert!(d("1.5").is_err());
        assert!(d("s").is_err());
        assert!(d("99999999999999999999h").is_err());
    }

    #[test]
    fn round_trips() {
        for v in [
            Duration::from_secs(300),
            Duration::from_millis(1500),
            Duration::ZERO,
        ] {
            let y = serde_yaml::to_string(&C { d: v }).unwrap();
            assert_eq!(serde_yaml::from_str::<C>(&y).unwrap().d, v, "{y}");
        }
    }
}
