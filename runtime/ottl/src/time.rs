//! The `Time` converter's strptime-style formats (Go `ottlfuncs.Time`,
//! `ctimefmt` directives), without a time zone database: times are UTC
//! unless the input carries a numeric offset (`%z`).

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const SUPPORTED: &str = "YymodeHIlpMSLfsbhBaAzZ%";

/// Checks that every `%` directive of `format` is supported.
pub(crate) fn check_format(format: &str) -> Result<(), String> {
    let mut it = format.chars();
    while let Some(c) = it.next() {
        if c == '%' {
            match it.next() {
                Some(d) if SUPPORTED.contains(d) => {}
                Some(d) => return Err(format!("Time: unsupported format directive %{d}")),
                None => return Err("Time: format ends with a lone %".into()),
            }
        }
    }
    Ok(())
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Go's `time.Time.String()` form, in UTC: `2023-01-02 03:04:05.5 +0000 UTC`.
pub(crate) fn format_rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let mut out = format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    );
    if frac != 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

struct Input<'a> {
    s: &'a str,
    at: usize,
}

impl Input<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.at..).unwrap_or("")
    }

    fn digits(&mut self, min: usize, max: usize, what: &str) -> Result<i64, String> {
        let rest = self.rest();
        let n = rest.bytes().take(max).take_while(u8::is_ascii_digit).count();
        if n < min {
            return Err(format!("cannot parse {rest:?} as {what}"));
        }
        let v = rest
            .get(..n)
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| format!("bad {what}"))?;
        self.at += n;
        Ok(v)
    }

    fn word(&mut self, names: &[&str], what: &str) -> Result<usize, String> {
        let rest = self.rest().to_ascii_lowercase();
        // Full names first, then three-letter abbreviations.
        for (i, n) in names.iter().enumerate() {
            if rest.starts_with(&n.to_ascii_lowercase()) {
                self.at += n.len();
                return Ok(i);
            }
        }
        for (i, n) in names.iter().enumerate() {
            let abbr = n.get(..3).unwrap_or(n).to_ascii_lowercase();
            if rest.starts_with(&abbr) {
                self.at += 3;
                return Ok(i);
            }
        }
        Err(format!("cannot parse {:?} as {what}", self.rest()))
    }
}

/// Parses `value` with a strptime-style `format`; nanoseconds since the epoch.
pub(crate) fn parse(value: &str, format: &str) -> Result<i64, String> {
    let mut inp = Input { s: value, at: 0 };
    let (mut year, mut month, mut day) = (1970i64, 1i64, 1i64);
    let (mut hour, mut min, mut sec, mut nanos) = (0i64, 0i64, 0i64, 0i64);
    let mut pm: Option<bool> = None;
    let mut offset = 0i64;
    let mut f = format.chars();
    while let Some(c) = f.next() {
        if c != '%' {
            let rest = inp.rest();
            if !rest.starts_with(c) {
                return Err(format!("cannot parse {rest:?} as {c:?} of the format {format:?}"));
            }
            inp.at += c.len_utf8();
            continue;
        }
        match f.next().unwrap_or('%') {
            'Y' => year = inp.digits(4, 4, "year")?,
            'y' => {
                let y = inp.digits(2, 2, "year")?;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
            }
            'm' => month = inp.digits(2, 2, "month")?,
            'o' => month = inp.digits(1, 2, "month")?,
            'd' => day = inp.digits(2, 2, "day")?,
            'e' => {
                if inp.rest().starts_with(' ') {
                    inp.at += 1;
                }
                day = inp.digits(1, 2, "day")?;
            }
            'H' => hour = inp.digits(2, 2, "hour")?,
            'I' => hour = inp.digits(2, 2, "hour")?,
            'l' => hour = inp.digits(1, 2, "hour")?,
            'p' => {
                let rest = inp.rest().to_ascii_uppercase();
                pm = Some(if rest.starts_with("PM") {
                    true
                } else if rest.starts_with("AM") {
                    false
                } else {
                    return Err(format!("cannot parse {:?} as AM/PM", inp.rest()));
                });
                inp.at += 2;
            }
            'M' => min = inp.digits(2, 2, "minute")?,
            'S' => sec = inp.digits(2, 2, "second")?,
            'L' => nanos = inp.digits(3, 3, "milliseconds")? * 1_000_000,
            'f' => nanos = inp.digits(6, 6, "microseconds")? * 1_000,
            's' => nanos = inp.digits(9, 9, "nanoseconds")?,
            'b' | 'h' | 'B' => month = inp.word(&MONTHS, "month")? as i64 + 1,
            'a' | 'A' => {
                inp.word(&DAYS, "weekday")?;
            }
            'z' => {
                let rest = inp.rest();
                if rest.starts_with('Z') {
                    inp.at += 1;
                } else {
                    let sign = match rest.as_bytes().first() {
                        Some(b'+') => 1,
                        Some(b'-') => -1,
                        _ => return Err(format!("cannot parse {rest:?} as a time zone offset")),
                    };
                    inp.at += 1;
                    let h = inp.digits(2, 2, "offset hours")?;
                    if inp.rest().starts_with(':') {
                        inp.at += 1;
                    }
                    let m = inp.digits(2, 2, "offset minutes")?;
                    offset = sign * (h * 3600 + m * 60);
                }
            }
            'Z' => {
                let rest = inp.rest();
                let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
                if !matches!(name.as_str(), "UTC" | "GMT" | "Z") {
                    return Err(format!("time zone {name:?} is not supported; only UTC/GMT"));
                }
                inp.at += name.len();
            }
            _ => {
                if !inp.rest().starts_with('%') {
                    return Err(format!("cannot parse {:?} as \"%\"", inp.rest()));
                }
                inp.at += 1;
            }
        }
    }
    if !inp.rest().is_empty() {
        return Err(format!("extra text: {:?}", inp.rest()));
    }
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return Err(format!("{value:?}: a field is out of range"));
    }
    let days = days_from_civil(year, month, day);
    if civil_from_days(days) != (year, month, day) {
        return Err(format!("{value:?}: day out of range"));
    }
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset;
    secs.checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(nanos))
        .ok_or_else(|| format!("{value:?}: out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for d in [-800_000, -1, 0, 1, 11_016, 19_000, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn parses_common_formats() {
        // 2023-01-02T03:04:05Z = 1672628645 s.
        assert_eq!(
            parse("2023-01-02 03:04:05", "%Y-%m-%d %H:%M:%S"),
            Ok(1_672_628_645_000_000_000)
        );
        assert_eq!(
            parse("2023-01-02T05:04:05.123+0200", "%Y-%m-%dT%H:%M:%S.%L%z"),
            Ok(1_672_628_645_123_000_000)
        );
        assert_eq!(
            parse("Jan 2 2023 03:04:05 PM", "%b %e %Y %I:%M:%S %p"),
            Ok(1_672_628_645_000_000_000 + 12 * 3_600_000_000_000)
        );
        assert_eq!(parse("02/01/23", "%d/%m/%y"), Ok(1_672_617_600_000_000_000));
    }

    #[test]
    fn refuses_bad_input() {
        assert!(parse("2023-13-01", "%Y-%m-%d").is_err());
        assert!(parse("2023-02-30", "%Y-%m-%d").is_err());
        assert!(parse("2023-01-01x", "%Y-%m-%d").is_err());
        assert!(parse("20-01-01", "%Y-%m-%d").is_err());
        assert!(check_format("%Y %Q").is_err());
        assert!(check_format("%Y-%m-%d").is_ok());
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(
            format_rfc3339(1_672_628_645_500_000_000),
            "2023-01-02 03:04:05.5 +0000 UTC"
        );
        assert_eq!(format_rfc3339(0), "1970-01-01 00:00:00 +0000 UTC");
    }
}
