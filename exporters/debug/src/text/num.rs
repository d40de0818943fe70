//! Number, time and id rendering exactly as Go's `fmt`, `strconv` and `pdata` print them.

use std::fmt::Write as _;

/// Go's `%f` (six decimals; `+Inf`, `-Inf`, `NaN` for the specials).
pub(crate) fn f6(v: f64) -> String {
    match special(v) {
        Some(s) => s.to_string(),
        None => format!("{v:.6}"),
    }
}

/// Go's `%v` for a float64: `%g` with the shortest digits, using exponent
/// form when the exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`).
pub(crate) fn g(v: f64) -> String {
    if let Some(s) = special(v) {
        return s.to_string();
    }
    let (neg, digits, exp) = shortest(v);
    if !(-4..6).contains(&exp) {
        exp_form(neg, &digits, exp, 2)
    } else {
        // Fixed notation with exactly the shortest digits is what Rust's
        // `Display` prints.
        format!("{v}")
    }
}

/// pdata's `Value.AsString` for a double (ES6 number to string): fixed
/// notation unless |v| < 1e-6 or >= 1e21, exponent without zero padding,
/// `Infinity`/`-Infinity`/`NaN` for the specials.
pub(crate) fn es6(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (neg, digits, exp) = shortest(v);
        exp_form(neg, &digits, exp, 1)
    } else {
        format!("{v}")
    }
}

fn special(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("+Inf")
    } else if v == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// Sign, shortest round-trip digits and decimal exponent of a finite float
/// (`1234.5` → `(false, "12345", 3)`).
fn shortest(v: f64) -> (bool, String, i32) {
    let s = format!("{:e}", v.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (v.is_sign_negative(), digits, exp.parse().unwrap_or(0))
}

fn exp_form(neg: bool, digits: &str, exp: i32, min_exp_digits: usize) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let mut chars = digits.chars();
    out.push(chars.next().unwrap_or('0'));
    let rest = chars.as_str();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    let sign = if exp < 0 { '-' } else { '+' };
    let _ = write!(
        out,
        "e{sign}{:0width$}",
        exp.unsigned_abs(),
        width = min_exp_digits
    );
    out
}

/// pdata's `Timestamp.String()`: Go's `time.Time.String()` in UTC, e.g.
/// `2020-02-11 20:26:13.000000789 +0000 UTC` (trailing zeros of the fraction
/// dropped, no fraction at all when it is zero).
pub(crate) fn timestamp(nanos: u64) -> String {
    // Go converts the uint64 to int64 first.
    let nanos = nanos as i64;
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
    if frac != 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A trace or span id as pdata prints it: lower-case hex, or nothing when
/// the id is empty or all zeros.
pub(crate) fn id(bytes: &[u8]) -> String {
    if bytes.iter().all(|b| *b == 0) {
        return String::new();
    }
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_f() {
        assert_eq!(f6(1.23), "1.230000");
        assert_eq!(f6(15.0), "15.000000");
        assert_eq!(f6(-0.123_456_78), "-0.123457");
        assert_eq!(f6(f64::INFINITY), "+Inf");
        assert_eq!(f6(f64::NAN), "NaN");
    }

    #[test]
    fn percent_v() {
        assert_eq!(g(1.5), "1.5");
        assert_eq!(g(123_456.0), "123456");
        assert_eq!(g(1_000_000.0), "1e+06");
        assert_eq!(g(1_234_567.0), "1.234567e+06");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(0.000_015), "1.5e-05");
        assert_eq!(g(0.0), "0");
        assert_eq!(g(-2.5), "-2.5");
        assert_eq!(g(1e100), "1e+100");
        assert_eq!(g(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn es6_numbers() {
        assert_eq!(es6(1.5), "1.5");
        assert_eq!(es6(1e20), "100000000000000000000");
        assert_eq!(es6(1e21), "1e+21");
        assert_eq!(es6(1.5e-7), "1.5e-7");
        assert_eq!(es6(0.000_001), "0.000001");
        assert_eq!(es6(f64::INFINITY), "Infinity");
        assert_eq!(es6(3.0), "3");
    }

    #[test]
    fn timestamps_like_go() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            timestamp(1_581_452_773_000_000_789),
            "2020-02-11 20:26:13.000000789 +0000 UTC"
        );
        assert_eq!(
            timestamp(1_581_452_772_500_000_000),
            "2020-02-11 20:26:12.5 +0000 UTC"
        );
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn ids() {
        assert_eq!(id(&[0; 16]), "");
        assert_eq!(id(&[]), "");
        assert_eq!(id(&[1, 2, 0xab, 0]), "0102ab00");
    }
}
