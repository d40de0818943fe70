//! Time zones for the time parsers: UTC, `Local`, and IANA names read from
//! the system's zoneinfo database (TZif files, with their POSIX TZ footer
//! for times after the last listed transition), as Go's `time.LoadLocation`
//! reads them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `y` is a leap year.
pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A location: where local times are interpreted.
#[derive(Clone, Debug)]
pub enum Location {
    /// UTC.
    Utc,
    /// A zone from the database.
    Zone(Arc<Zone>),
}

/// One local-time type of a zone.
#[derive(Clone, Debug, PartialEq)]
struct LocalType {
    offset: i32,
    abbr: String,
}

/// A zone read from a TZif file.
#[derive(Debug)]
pub struct Zone {
    name: String,
    transitions: Vec<i64>,
    indices: Vec<usize>,
    types: Vec<LocalType>,
    rule: Option<PosixRule>,
}

impl Location {
    /// The location named `name`: `UTC` (or empty), `Local` (the `TZ`
    /// variable, else `/etc/localtime`, else UTC), or an IANA name.
    pub fn load(name: &str) -> Result<Location, String> {
        match name {
            "" | "UTC" => Ok(Location::Utc),
            "Local" => Ok(Self::local()),
            _ => {
                if name.contains("..") || name.starts_with('/') {
                    return Err(format!("invalid location name {name:?}"));
                }
                for dir in zoneinfo_dirs() {
                    let path = dir.join(name);
                    if let Ok(bytes) = std::fs::read(&path) {
                        return Zone::parse(name, &bytes).map(|z| Location::Zone(Arc::new(z)));
                    }
                }
                Err(format!("unknown time zone {name}"))
            }
        }
    }

    fn local() -> Location {
        let from_file = |path: &Path, name: &str| {
            std::fs::read(path)
                .ok()
                .and_then(|b| Zone::parse(name, &b).ok())
                .map(|z| Location::Zone(Arc::new(z)))
        };
        match std::env::var("TZ") {
            Ok(tz) => {
                let tz = tz.strip_prefix(':').unwrap_or(&tz).to_string();
                if tz.is_empty() || tz == "UTC" {
                    return Location::Utc;
                }
                if tz.starts_with('/') {
                    return from_file(Path::new(&tz), "Local").unwrap_or(Location::Utc);
                }
                Self::load(&tz).unwrap_or(Location::Utc)
            }
            Err(_) => from_file(Path::new("/etc/localtime"), "Local").unwrap_or(Location::Utc),
        }
    }

    /// The UTC offset (seconds east) in force at Unix second `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        match self {
            Location::Utc => 0,
            Location::Zone(z) => z.lookup(t).offset,
        }
    }

    /// The offset to subtract from a local wall-clock time (as Unix seconds)
    /// to get UTC, as Go's `time.Date` computes it.
    pub fn offset_for_local(&self, local: i64) -> i32 {
        let off = self.offset_at(local);
        if off == 0 {
            return 0;
        }
        let again = self.offset_at(local - i64::from(off));
        if again != off { again } else { off }
    }

    /// The offset of the zone abbreviation `abbr` (`EST`) in this location,
    /// preferring the one in force around `t`.
    pub fn abbr_offset(&self, abbr: &str, t: i64) -> Option<i32> {
        match self {
            Location::Utc => (abbr == "UTC").then_some(0),
            Location::Zone(z) => {
                let now = z.lookup(t);
                if now.abbr == abbr {
                    return Some(now.offset);
                }
                if let Some(r) = &z.rule {
                    if r.std_abbr == abbr {
                        return Some(r.std_offset);
                    }
                    if r.dst.as_ref().is_some_and(|d| d.abbr == abbr) {
                        return r.dst.as_ref().map(|d| d.offset);
                    }
                }
                z.types
                    .iter()
                    .rev()
                    .find(|lt| lt.abbr == abbr)
                    .map(|lt| lt.offset)
            }
        }
    }

    /// The location's name.
    pub fn name(&self) -> &str {
        match self {
            Location::Utc => "UTC",
            Location::Zone(z) => &z.name,
        }
    }
}

fn zoneinfo_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(d) = std::env::var("ZONEINFO") {
        dirs.push(PathBuf::from(d));
    }
    dirs.extend(
        [
            "/usr/share/zoneinfo",
            "/usr/share/lib/zoneinfo",
            "/usr/lib/locale/TZ",
        ]
        .iter()
        .map(PathBuf::from),
    );
    dirs
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).ok_or("TZif: overflow")?;
        let s = self.b.get(self.pos..end).ok_or("TZif: truncated")?;
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(self.u32()? as i32)
    }
    fn i64(&mut self) -> Result<i64, String> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(i64::from_be_bytes(a))
    }
}

struct Counts {
    isut: usize,
    isstd: usize,
    leap: usize,
    time: usize,
    types: usize,
    chars: usize,
}

fn header(r: &mut Reader<'_>) -> Result<(u8, Counts), String> {
    if r.take(4)? != b"TZif" {
        return Err("not a TZif file".into());
    }
    let version = r.take(1)?[0];
    r.take(15)?;
    let mut c = [0usize; 6];
    for v in &mut c {
        *v = r.u32()? as usize;
    }
    Ok((
        version,
        Counts {
            isut: c[0],
            isstd: c[1],
            leap: c[2],
            time: c[3],
            types: c[4],
            chars: c[5],
        },
    ))
}

impl Zone {
    fn parse(name: &str, bytes: &[u8]) -> Result<Zone, String> {
        let mut r = Reader { b: bytes, pos: 0 };
        let (version, c) = header(&mut r)?;
        let (c, wide) = if version >= b'2' {
            // Skip the 32-bit block and read the 64-bit one.
            r.take(c.time * 5 + c.types * 6 + c.chars + c.leap * 8 + c.isstd + c.isut)?;
            let (_, c2) = header(&mut r)?;
            (c2, true)
        } else {
            (c, false)
        };
        let mut transitions = Vec::with_capacity(c.time);
        for _ in 0..c.time {
            transitions.push(if wide { r.i64()? } else { i64::from(r.i32()?) });
        }
        let indices: Vec<usize> = r.take(c.time)?.iter().map(|i| *i as usize).collect();
        let mut raw_types = Vec::with_capacity(c.types);
        for _ in 0..c.types {
            let off = r.i32()?;
            let _dst = r.take(1)?;
            let idx = r.take(1)?[0] as usize;
            raw_types.push((off, idx));
        }
        let chars = r.take(c.chars)?;
        r.take(c.leap * if wide { 12 } else { 8 } + c.isstd + c.isut)?;
        let types: Vec<LocalType> = raw_types
            .into_iter()
            .map(|(offset, idx)| {
                let s = chars.get(idx..).unwrap_or(&[]);
                let end = s.iter().position(|b| *b == 0).unwrap_or(s.len());
                LocalType {
                    offset,
                    abbr: String::from_utf8_lossy(&s[..end]).into_owned(),
                }
            })
            .collect();
        if types.is_empty() || indices.iter().any(|i| *i >= types.len()) {
            return Err("TZif: bad local time types".into());
        }
        let rule = if wide {
            let rest = bytes.get(r.pos..).unwrap_or(&[]);
            let text = String::from_utf8_lossy(rest);
            let footer = text.trim_matches('\n').lines().next().unwrap_or("").to_string();
            PosixRule::parse(&footer)
        } else {
            None
        };
        Ok(Zone {
            name: name.to_string(),
            transitions,
            indices,
            types,
            rule,
        })
    }

    fn lookup(&self, t: i64) -> LocalType {
        if self.transitions.is_empty() || t < self.transitions[0] {
            return match (&self.rule, self.transitions.is_empty()) {
                (Some(r), true) => r.lookup(t),
                _ => self.types[0].clone(),
            };
        }
        let i = self.transitions.partition_point(|x| *x <= t) - 1;
        match &self.rule {
            Some(r) if i + 1 == self.transitions.len() => r.lookup(t),
            _ => self.types[self.indices[i]].clone(),
        }
    }
}

/// A POSIX TZ rule (`EST5EDT,M3.2.0,M11.1.0`).
#[derive(Clone, Debug)]
struct PosixRule {
    std_abbr: String,
    std_offset: i32,
    dst: Option<DstRule>,
}

#[derive(Clone, Debug)]
struct DstRule {
    abbr: String,
    offset: i32,
    start: (RuleDate, i32),
    end: (RuleDate, i32),
}

#[derive(Clone, Copy, Debug)]
enum RuleDate {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian(u32),
    /// `n`: day 0..=365, February 29 counted.
    Zero(u32),
    /// `Mm.w.d`.
    Month(u32, u32, u32),
}

impl PosixRule {
    fn parse(s: &str) -> Option<PosixRule> {
        let mut p = s;
        let std_abbr = posix_name(&mut p)?;
        let std_offset = -posix_offset(&mut p)?;
        if p.is_empty() {
            return Some(PosixRule {
                std_abbr,
                std_offset,
                dst: None,
            });
        }
        let dst_abbr = posix_name(&mut p)?;
        let dst_offset = if p.starts_with(',') || p.is_empty() {
            std_offset + 3600
        } else {
            -posix_offset(&mut p)?
        };
        let (start, end) = if p.is_empty() {
            // The US rules, POSIX's default.
            (
                (RuleDate::Month(3, 2, 0), 7200),
                (RuleDate::Month(11, 1, 0), 7200),
            )
        } else {
            p = p.strip_prefix(',')?;
            let start = posix_date(&mut p)?;
            p = p.strip_prefix(',')?;
            let end = posix_date(&mut p)?;
            (start, end)
        };
        Some(PosixRule {
            std_abbr,
            std_offset,
            dst: Some(DstRule {
                abbr: dst_abbr,
                offset: dst_offset,
                start,
                end,
            }),
        })
    }

    fn lookup(&self, t: i64) -> LocalType {
        let std = LocalType {
            offset: self.std_offset,
            abbr: self.std_abbr.clone(),
        };
        let Some(d) = &self.dst else { return std };
        let (year, _, _) = civil_from_days((t + i64::from(self.std_offset)).div_euclid(86_400));
        let start = rule_day(year, d.start.0) * 86_400 + i64::from(d.start.1) - i64::from(self.std_offset);
        let end = rule_day(year, d.end.0) * 86_400 + i64::from(d.end.1) - i64::from(d.offset);
        let in_dst = if start < end {
            start <= t && t < end
        } else {
            !(end <= t && t < start)
        };
        if in_dst {
            LocalType {
                offset: d.offset,
                abbr: d.abbr.clone(),
            }
        } else {
            std
        }
    }
}

/// The day (from 1970-01-01) a rule date falls on in `year`.
fn rule_day(year: i64, d: RuleDate) -> i64 {
    let jan1 = days_from_civil(year, 1, 1);
    match d {
        RuleDate::Julian(n) => {
            let n = i64::from(n);
            jan1 + n - 1 + i64::from(is_leap(year) && n >= 60)
        }
        RuleDate::Zero(n) => jan1 + i64::from(n),
        RuleDate::Month(m, w, wd) => {
            let first = days_from_civil(year, m, 1);
            let first_wd = (first + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday
            let mut day = 1 + (wd + 7 - first_wd) % 7 + (w.max(1) - 1) * 7;
            let dim = days_in_month(year, m);
            while day > dim {
                day -= 7;
            }
            first + i64::from(day) - 1
        }
    }
}

fn posix_name(p: &mut &str) -> Option<String> {
    if let Some(rest) = p.strip_prefix('<') {
        let end = rest.find('>')?;
        let name = rest[..end].to_string();
        *p = &rest[end + 1..];
        return Some(name);
    }
    let end = p.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(p.len());
    if end < 3 {
        return None;
    }
    let name = p[..end].to_string();
    *p = &p[end..];
    Some(name)
}

/// `[+-]hh[:mm[:ss]]` in seconds (POSIX sign: positive is west of UTC).
fn posix_offset(p: &mut &str) -> Option<i32> {
    let mut sign = 1;
    if let Some(rest) = p.strip_prefix('-') {
        sign = -1;
        *p = rest;
    } else if let Some(rest) = p.strip_prefix('+') {
        *p = rest;
    }
    let end = p
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(p.len());
    let mut secs = 0i32;
    for (i, part) in p[..end].split(':').enumerate() {
        let n: i32 = part.parse().ok()?;
        secs += n * [3600, 60, 1].get(i)?;
    }
    *p = &p[end..];
    Some(sign * secs)
}

fn posix_date(p: &mut &str) -> Option<(RuleDate, i32)> {
    let end = p.find([',', '/']).unwrap_or(p.len());
    let spec = &p[..end];
    let date = if let Some(n) = spec.strip_prefix('J') {
        RuleDate::Julian(n.parse().ok()?)
    } else if let Some(m) = spec.strip_prefix('M') {
        let mut it = m.split('.').map(|x| x.parse::<u32>().ok());
        RuleDate::Month(it.next()??, it.next()??, it.next()??)
    } else {
        RuleDate::Zero(spec.parse().ok()?)
    };
    *p = &p[end..];
    let time = if let Some(rest) = p.strip_prefix('/') {
        *p = rest;
        posix_offset(p)?
    } else {
        7200
    };
    Some((date, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for (y, m, d, days) in [
            (1970, 1, 1, 0),
            (2000, 3, 1, 11_017),
            (2024, 2, 29, 19_782),
            (1969, 12, 31, -1),
        ] {
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), (y, m, d));
        }
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
    }

    #[test]
    fn posix_rules_switch_on_the_right_days() {
        let r = PosixRule::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 2024-03-10 07:00 UTC is 02:00 EST: DST starts.
        let start = days_from_civil(2024, 3, 10) * 86_400 + 7 * 3600;
        assert_eq!(r.lookup(start - 1).offset, -5 * 3600);
        assert_eq!(r.lookup(start).offset, -4 * 3600);
        assert_eq!(r.lookup(start).abbr, "EDT");
        // 2024-11-03 06:00 UTC is 02:00 EDT: DST ends.
        let end = days_from_civil(2024, 11, 3) * 86_400 + 6 * 3600;
        assert_eq!(r.lookup(end - 1).offset, -4 * 3600);
        assert_eq!(r.lookup(end).offset, -5 * 3600);
        let south = PosixRule::parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0").unwrap();
        assert_eq!(
            south.lookup(days_from_civil(2024, 1, 15) * 86_400).offset,
            11 * 3600
        );
        assert_eq!(
            south.lookup(days_from_civil(2024, 6, 15) * 86_400).offset,
            10 * 3600 + 1800
        );
        assert_eq!(PosixRule::parse("UTC0").unwrap().lookup(0).offset, 0);
    }

    #[test]
    fn reads_the_system_database_when_present() {
        let Ok(ny) = Location::load("America/New_York") else {
            return; // no tzdata on this machine
        };
        let winter = days_from_civil(2024, 1, 15) * 86_400;
        let summer = days_from_civil(2024, 7, 15) * 86_400;
        assert_eq!(ny.offset_at(winter), -5 * 3600);
        assert_eq!(ny.offset_at(summer), -4 * 3600);
        assert_eq!(ny.abbr_offset("EDT", winter), Some(-4 * 3600));
        assert!(Location::load("Not/AZone").is_err());
        assert!(Location::load("../etc/passwd").is_err());
        assert_eq!(Location::load("UTC").unwrap().offset_at(0), 0);
    }
}
