//! Go's spellings of times and durations, as `encoding/json` and
//! `time.Duration.String` write them.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

/// The zero `time.Time` as Go's JSON encoder writes it.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// RFC 3339 in UTC with the fraction trimmed of trailing zeros (Go's `RFC3339Nano`).
pub fn rfc3339_nano(t: SystemTime) -> String {
    let full = humantime::format_rfc3339_nanos(t).to_string();
    // `2024-01-02T03:04:05.120000000Z` → `2024-01-02T03:04:05.12Z`
    match full.strip_suffix('Z').and_then(|s| s.split_once('.')) {
        Some((secs, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                format!("{secs}Z")
            } else {
                format!("{secs}.{frac}Z")
            }
        }
        None => full,
    }
}

/// `value / 10^digits` with its fraction, trailing zeros trimmed (`1500, 3` → `1.5`).
fn decimal(value: u128, digits: u32) -> String {
    let unit = 10u128.pow(digits);
    let (int, frac) = (value / unit, value % unit);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:0width$}", width = digits as usize);
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// Go's `time.Duration.String`: `0s`, `42ns`, `1.5µs`, `2.25ms`, `3.5s`, `1m2.5s`, `1h0m0s`.
pub fn go_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    match ns {
        0 => "0s".to_string(),
        1..1_000 => format!("{ns}ns"),
        1_000..1_000_000 => format!("{}µs", decimal(ns, 3)),
        1_000_000..1_000_000_000 => format!("{}ms", decimal(ns, 6)),
        _ => {
            let secs = d.as_secs();
            let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
            let mut out = String::new();
            if h > 0 {
                let _ = write!(out, "{h}h");
            }
            if h > 0 || m > 0 {
                let _ = write!(out, "{m}m");
            }
            let rest = u128::from(s) * 1_000_000_000 + u128::from(d.subsec_nanos());
            let _ = write!(out, "{}s", decimal(rest, 9));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(42), "42ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_micros(2_250), "2.25ms"),
            (Duration::from_millis(3_500), "3.5s"),
            (Duration::from_millis(62_500), "1m2.5s"),
            (Duration::from_secs(120), "2m0s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::new(3605, 1), "1h0m5.000000001s"),
        ];
        for (d, want) in cases {
            assert_eq!(go_duration(d), want, "{d:?}");
        }
    }

    #[test]
    fn times_are_rfc3339_utc_with_trimmed_fraction() {
        let t = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 120_000_000);
        assert_eq!(rfc3339_nano(t), "2023-11-14T22:13:20.12Z");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(rfc3339_nano(t), "2023-11-14T22:13:20Z");
    }
}
