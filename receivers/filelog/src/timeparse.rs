//! Timestamp parsing (stanza's `timestamp` block and `time_parser`):
//! `strptime` layouts (`%Y-%m-%d %H:%M:%S`, converted to Go layouts as
//! stanza's `ctimefmt` converts them), Go layouts (`gotime`,
//! `2006-01-02T15:04:05Z07:00`, parsed as Go's `time.Parse` parses them),
//! and `epoch` (`s`, `ms`, `us`, `ns`, `s.ms`, `s.us`, `s.ns`).

use serde::{Deserialize, Serialize};

use crate::entry::{Entry, Value};
use crate::field::Field;
use crate::tz::{Location, days_from_civil, days_in_month};

/// The `timestamp` block of a parser (also the inline settings of
/// `time_parser`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeConfig {
    /// The field holding the time (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_from: Option<String>,
    /// `strptime` (the default), `gotime` or `epoch`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub layout_type: String,
    /// The layout (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub layout: String,
    /// The time zone of times without one: `Local` (the default), `UTC`, or an IANA name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub location: String,
}

/// A built time parser.
#[derive(Clone, Debug)]
pub struct TimeParser {
    parse_from: Field,
    how: How,
}

#[derive(Clone, Debug)]
enum How {
    Layout { chunks: Vec<Chunk>, location: Location },
    Epoch(Epoch),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Epoch {
    S,
    Ms,
    Us,
    Ns,
    SMs,
    SUs,
    SNs,
}

/// Go's layout elements (`time/format.go`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PmUpper,
    PmLower,
    Tz,
    Iso8601Tz,
    Iso8601SecondsTz,
    Iso8601ShortTz,
    Iso8601ColonTz,
    Iso8601ColonSecondsTz,
    NumTz,
    NumSecondsTz,
    NumShortTz,
    NumColonTz,
    NumColonSecondsTz,
    /// `.000`: exactly n digits.
    FracSecond0(usize),
    /// `.999`: any number of digits, or none.
    FracSecond9,
}

#[derive(Clone, Debug, PartialEq)]
enum Chunk {
    Lit(String),
    Std(Std),
}

/// strptime directives and their Go layout equivalents (stanza's `ctimefmt`).
const CTIME: &[(char, &str)] = &[
    ('Y', "2006"),
    ('y', "06"),
    ('m', "01"),
    ('o', "_1"),
    ('q', "1"),
    ('b', "Jan"),
    ('h', "Jan"),
    ('B', "January"),
    ('d', "02"),
    ('e', "_2"),
    ('g', "2"),
    ('a', "Mon"),
    ('A', "Monday"),
    ('H', "15"),
    ('l', "3"),
    ('I', "03"),
    ('p', "PM"),
    ('P', "pm"),
    ('M', "04"),
    ('S', "05"),
    ('L', "999"),
    ('f', "999999"),
    ('s', "99999999"),
    ('Z', "MST"),
    ('z', "-0700"),
    ('w', "-070000"),
    ('i', "-07"),
    ('j', "-07:00"),
    ('k', "-07:00:00"),
    ('D', "01/02/2006"),
    ('x', "01/02/2006"),
    ('F', "2006-01-02"),
    ('T', "15:04:05"),
    ('X', "15:04:05"),
    ('r', "03:04:05 pm"),
    ('R', "15:04"),
    ('n', "\n"),
    ('t', "\t"),
    ('%', "%"),
    ('c', "Mon Jan 02 15:04:05 2006"),
];

/// Converts a strptime layout to a Go layout (stanza's `ctimefmt.ToNative`).
pub fn strptime_to_go(layout: &str) -> Result<String, String> {
    if layout.chars().any(|c| c.is_ascii_digit()) {
        return Err("format string should not contain decimals".into());
    }
    let mut out = String::new();
    let mut chars = layout.chars();
    let mut bad = Vec::new();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(d) => match CTIME.iter().find(|(k, _)| *k == d) {
                Some((_, go)) => out.push_str(go),
                None => bad.push(format!("%{d}")),
            },
            None => bad.push("%".to_string()),
        }
    }
    if !bad.is_empty() {
        return Err(format!("unsupported strptime directive(s): {}", bad.join(", ")));
    }
    Ok(out)
}

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

/// Splits a Go layout into literals and elements (Go's `nextStdChunk`).
fn go_chunks(layout: &str) -> Vec<Chunk> {
    let b = layout.as_bytes();
    let mut out = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    let at = |i: usize, s: &str| b.get(i..i + s.len()) == Some(s.as_bytes());
    while i < b.len() {
        let found: Option<(Std, usize, usize)> = match b[i] {
            b'J' if at(i, "January") => Some((Std::LongMonth, i, 7)),
            b'J' if at(i, "Jan") && !starts_with_lower(&b[i + 3..]) => Some((Std::Month, i, 3)),
            b'M' if at(i, "Monday") => Some((Std::LongWeekDay, i, 6)),
            b'M' if at(i, "Mon") && !starts_with_lower(&b[i + 3..]) => Some((Std::WeekDay, i, 3)),
            b'M' if at(i, "MST") => Some((Std::Tz, i, 3)),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => {
                let std = match b[i + 1] {
                    b'1' => Std::ZeroMonth,
                    b'2' => Std::ZeroDay,
                    b'3' => Std::ZeroHour12,
                    b'4' => Std::ZeroMinute,
                    b'5' => Std::ZeroSecond,
                    _ => Std::Year,
                };
                Some((std, i, 2))
            }
            b'0' if at(i, "002") => Some((Std::ZeroYearDay, i, 3)),
            b'1' if at(i, "15") => Some((Std::Hour, i, 2)),
            b'1' => Some((Std::NumMonth, i, 1)),
            b'2' if at(i, "2006") => Some((Std::LongYear, i, 4)),
            b'2' => Some((Std::Day, i, 1)),
            b'_' if at(i, "_2006") => Some((Std::LongYear, i + 1, 4)),
            b'_' if at(i, "_2") => Some((Std::UnderDay, i, 2)),
            b'_' if at(i, "__2") => Some((Std::UnderYearDay, i, 3)),
            b'3' => Some((Std::Hour12, i, 1)),
            b'4' => Some((Std::Minute, i, 1)),
            b'5' => Some((Std::Second, i, 1)),
            b'P' if at(i, "PM") => Some((Std::PmUpper, i, 2)),
            b'p' if at(i, "pm") => Some((Std::PmLower, i, 2)),
            b'-' if at(i, "-070000") => Some((Std::NumSecondsTz, i, 7)),
            b'-' if at(i, "-07:00:00") => Some((Std::NumColonSecondsTz, i, 9)),
            b'-' if at(i, "-0700") => Some((Std::NumTz, i, 5)),
            b'-' if at(i, "-07:00") => Some((Std::NumColonTz, i, 6)),
            b'-' if at(i, "-07") => Some((Std::NumShortTz, i, 3)),
            b'Z' if at(i, "Z070000") => Some((Std::Iso8601SecondsTz, i, 7)),
            b'Z' if at(i, "Z07:00:00") => Some((Std::Iso8601ColonSecondsTz, i, 9)),
            b'Z' if at(i, "Z0700") => Some((Std::Iso8601Tz, i, 5)),
            b'Z' if at(i, "Z07:00") => Some((Std::Iso8601ColonTz, i, 6)),
            b'Z' if at(i, "Z07") => Some((Std::Iso8601ShortTz, i, 3)),
            b'.' | b',' if matches!(b.get(i + 1), Some(b'0') | Some(b'9')) => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    None
                } else if ch == b'0' {
                    Some((Std::FracSecond0(j - i - 1), i, j - i))
                } else {
                    Some((Std::FracSecond9, i, j - i))
                }
            }
            _ => None,
        };
        match found {
            Some((std, start, len)) => {
                if start > lit_start {
                    out.push(Chunk::Lit(layout[lit_start..start].to_string()));
                }
                out.push(Chunk::Std(std));
                i = start + len;
                lit_start = i;
            }
            None => i += 1,
        }
    }
    if lit_start < b.len() {
        out.push(Chunk::Lit(layout[lit_start..].to_string()));
    }
    out
}

const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_MONTHS: [&str; 12] = [
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
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn lookup<'a>(tab: &[&str], v: &'a str) -> Option<(usize, &'a str)> {
    tab.iter().enumerate().find_map(|(i, name)| {
        let head = v.get(..name.len())?;
        head.eq_ignore_ascii_case(name).then(|| (i, &v[name.len()..]))
    })
}

fn digit(v: &str, i: usize) -> Option<u32> {
    v.as_bytes()
        .get(i)
        .filter(|c| c.is_ascii_digit())
        .map(|c| u32::from(c - b'0'))
}

/// One or two digits (exactly two when `fixed`).
fn getnum(v: &str, fixed: bool) -> Option<(u32, &str)> {
    let a = digit(v, 0)?;
    match digit(v, 1) {
        Some(b) => Some((a * 10 + b, &v[2..])),
        None if fixed => None,
        None => Some((a, &v[1..])),
    }
}

/// One to three digits (exactly three when `fixed`).
fn getnum3(v: &str, fixed: bool) -> Option<(u32, &str)> {
    let mut n = 0;
    let mut i = 0;
    while i < 3 {
        match digit(v, i) {
            Some(d) => n = n * 10 + d,
            None => break,
        }
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &v[i..]))
}

/// Removes `prefix` from `v`, runs of spaces matching runs of spaces.
fn skip<'a>(mut v: &'a str, mut prefix: &str) -> Option<&'a str> {
    while let Some(p) = prefix.chars().next() {
        if p == ' ' {
            if v.starts_with(|c: char| c != ' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            v = v.trim_start_matches(' ');
            continue;
        }
        v = v.strip_prefix(p)?;
        prefix = &prefix[p.len_utf8()..];
    }
    Some(v)
}

/// A time-zone abbreviation at the start of `v` (Go's `parseTimeZone`): its length.
fn zone_name_len(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if v.starts_with("ChST") || v.starts_with("MeST") {
        return Some(4);
    }
    if let Some(rest) = v.strip_prefix("GMT") {
        // GMT, or GMT+h / GMT-hh.
        let rb = rest.as_bytes();
        if matches!(rb.first(), Some(b'+') | Some(b'-')) {
            let n = rb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if (1..=2).contains(&n) {
                return Some(3 + 1 + n);
            }
        }
        return Some(3);
    }
    let upper = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        3 => Some(3),
        4 if b[3] == b'T' || v.starts_with("WITA") => Some(4),
        _ => None,
    }
}

fn frac_nanos(v: &str, n: usize) -> Option<u32> {
    // v[0] is the separator; v[1..n] the digits.
    let digits = v.get(1..n)?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut ns: u32 = 0;
    for (i, c) in digits.bytes().enumerate().take(9) {
        ns += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
    }
    Some(ns)
}

/// The result of parsing before the zone is applied.
struct Parsed {
    year: i64,
    year_set: bool,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nsec: u32,
}

impl TimeParser {
    /// Builds a parser. `resolve_location` reads the time-zone database
    /// (done at start, not while validating); errors name the key below
    /// the block.
    pub fn build(cfg: &TimeConfig, resolve_location: bool) -> Result<TimeParser, (String, String)> {
        let Some(from) = &cfg.parse_from else {
            return Err(("parse_from".into(), "missing required parameter".into()));
        };
        let parse_from = Field::parse(from).map_err(|e| ("parse_from".to_string(), e.to_string()))?;
        if cfg.layout.is_empty() {
            return Err(("layout".into(), "missing required configuration parameter".into()));
        }
        let how = match cfg.layout_type.as_str() {
            "" | "strptime" | "gotime" => {
                let layout = if cfg.layout_type == "gotime" {
                    cfg.layout.clone()
                } else {
                    strptime_to_go(&cfg.layout).map_err(|e| ("layout".to_string(), e))?
                };
                let name = if !cfg.location.is_empty() {
                    cfg.location.as_str()
                } else if layout.ends_with('Z') {
                    "UTC"
                } else {
                    "Local"
                };
                let location = if resolve_location {
                    Location::load(name).map_err(|e| ("location".to_string(), e))?
                } else {
                    Location::Utc
                };
                How::Layout {
                    chunks: go_chunks(&layout),
                    location,
                }
            }
            "epoch" => How::Epoch(match cfg.layout.as_str() {
                "s" => Epoch::S,
                "ms" => Epoch::Ms,
                "us" => Epoch::Us,
                "ns" => Epoch::Ns,
                "s.ms" => Epoch::SMs,
                "s.us" => Epoch::SUs,
                "s.ns" => Epoch::SNs,
                other => {
                    return Err((
                        "layout".into(),
                        format!("invalid layout {other:?} for epoch: s, ms, us, ns, s.ms, s.us or s.ns"),
                    ));
                }
            }),
            other => {
                return Err((
                    "layout_type".into(),
                    format!("unsupported layout_type {other:?}: strptime, gotime or epoch"),
                ));
            }
        };
        Ok(TimeParser { parse_from, how })
    }

    /// Sets the entry's timestamp from its `parse_from` field.
    pub fn parse(&self, e: &mut Entry) -> Result<(), String> {
        let Some(value) = self.parse_from.get_ref(e) else {
            return Err(format!(
                "log entry does not have the expected parse_from field {}",
                self.parse_from
            ));
        };
        let ns = self.parse_value(value.as_ref())?;
        e.timestamp = Some(ns);
        Ok(())
    }

    /// Unix nanoseconds of a value.
    pub fn parse_value(&self, value: &Value) -> Result<i64, String> {
        match &self.how {
            How::Epoch(l) => parse_epoch(*l, value),
            How::Layout { chunks, location } => {
                let Some(s) = value.as_text() else {
                    return Err(format!("type {} cannot be parsed as a time", value.type_name()));
                };
                parse_layout(chunks, &s, location, now_unix())
            }
        }
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn parse_epoch(layout: Epoch, value: &Value) -> Result<i64, String> {
    let stamp = match value {
        Value::Str(s) => s.trim().to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).trim().to_string(),
        Value::Int(i) => match layout {
            Epoch::S | Epoch::Ms | Epoch::Us | Epoch::Ns => i.to_string(),
            _ => format!("{i}.0"),
        },
        Value::Double(d) => match layout {
            Epoch::S | Epoch::Ms | Epoch::Us | Epoch::Ns => format!("{}", *d as i64),
            Epoch::SMs => format!("{d:.3}"),
            Epoch::SUs => format!("{d:.6}"),
            Epoch::SNs => format!("{d:.9}"),
        },
        other => return Err(format!("type {} cannot be parsed as a time", other.type_name())),
    };
    let bad = || format!("invalid value {stamp:?} for epoch layout");
    let whole = |s: &str| s.parse::<i64>().map_err(|_| bad());
    match layout {
        Epoch::S => whole(&stamp)?.checked_mul(1_000_000_000).ok_or_else(bad),
        Epoch::Ms => whole(&stamp)?.checked_mul(1_000_000).ok_or_else(bad),
        Epoch::Us => whole(&stamp)?.checked_mul(1_000).ok_or_else(bad),
        Epoch::Ns => whole(&stamp),
        Epoch::SMs | Epoch::SUs | Epoch::SNs => {
            let (s, sub) = stamp.split_once('.').ok_or_else(bad)?;
            let (secs, sub) = (whole(s)?, whole(sub)?);
            let scale = match layout {
                Epoch::SMs => 1_000_000,
                Epoch::SUs => 1_000,
                _ => 1,
            };
            secs.checked_mul(1_000_000_000)
                .and_then(|n| n.checked_add(sub.checked_mul(scale)?))
                .ok_or_else(bad)
        }
    }
}

/// Go's `time.ParseInLocation`, then stanza's year completion.
fn parse_layout(chunks: &[Chunk], value: &str, loc: &Location, now: i64) -> Result<i64, String> {
    let err = |what: &str| format!("parsing time {value:?}: {what}");
    let mut v = value;
    let mut p = Parsed {
        year: 0,
        year_set: false,
        month: 0,
        day: 0,
        hour: 0,
        min: 0,
        sec: 0,
        nsec: 0,
    };
    let (mut month_set, mut day_set) = (false, false);
    let mut yday: Option<u32> = None;
    let (mut pm, mut am) = (false, false);
    let mut zone_offset: Option<i32> = None;
    let mut zone_name: Option<String> = None;
    for (ci, chunk) in chunks.iter().enumerate() {
        let std = match chunk {
            Chunk::Lit(l) => {
                v = skip(v, l).ok_or_else(|| err(&format!("cannot parse {v:?} as {l:?}")))?;
                continue;
            }
            Chunk::Std(s) => *s,
        };
        let bad = |v: &str| err(&format!("cannot parse {v:?} as {std:?}"));
        match std {
            Std::Year => {
                let two = v
                    .get(..2)
                    .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| bad(v))?;
                let y: i64 = two.parse().map_err(|_| bad(v))?;
                p.year = if y >= 69 { 1900 + y } else { 2000 + y };
                p.year_set = true;
                v = &v[2..];
            }
            Std::LongYear => {
                let four = v
                    .get(..4)
                    .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| bad(v))?;
                p.year = four.parse().map_err(|_| bad(v))?;
                p.year_set = true;
                v = &v[4..];
            }
            Std::Month | Std::LongMonth => {
                let tab: &[&str] = if std == Std::Month {
                    &SHORT_MONTHS
                } else {
                    &LONG_MONTHS
                };
                let (m, rest) = lookup(tab, v).ok_or_else(|| bad(v))?;
                p.month = m as u32 + 1;
                month_set = true;
                v = rest;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let (m, rest) = getnum(v, std == Std::ZeroMonth).ok_or_else(|| bad(v))?;
                if !(1..=12).contains(&m) {
                    return Err(err("month out of range"));
                }
                p.month = m;
                month_set = true;
                v = rest;
            }
            Std::WeekDay | Std::LongWeekDay => {
                let tab: &[&str] = if std == Std::WeekDay {
                    &SHORT_DAYS
                } else {
                    &LONG_DAYS
                };
                v = lookup(tab, v).ok_or_else(|| bad(v))?.1;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay {
                    v = v.strip_prefix(' ').unwrap_or(v);
                }
                let (d, rest) = getnum(v, std == Std::ZeroDay).ok_or_else(|| bad(v))?;
                p.day = d;
                day_set = true;
                v = rest;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                if std == Std::UnderYearDay {
                    for _ in 0..2 {
                        v = v.strip_prefix(' ').unwrap_or(v);
                    }
                }
                let (d, rest) = getnum3(v, std == Std::ZeroYearDay).ok_or_else(|| bad(v))?;
                yday = Some(d);
                v = rest;
            }
            Std::Hour => {
                let (h, rest) = getnum(v, false).ok_or_else(|| bad(v))?;
                if h >= 24 {
                    return Err(err("hour out of range"));
                }
                p.hour = h;
                v = rest;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let (h, rest) = getnum(v, std == Std::ZeroHour12).ok_or_else(|| bad(v))?;
                if h > 12 {
                    return Err(err("hour out of range"));
                }
                p.hour = h;
                v = rest;
            }
            Std::Minute | Std::ZeroMinute => {
                let (m, rest) = getnum(v, std == Std::ZeroMinute).ok_or_else(|| bad(v))?;
                if m >= 60 {
                    return Err(err("minute out of range"));
                }
                p.min = m;
                v = rest;
            }
            Std::Second | Std::ZeroSecond => {
                let (s, rest) = getnum(v, std == Std::ZeroSecond).ok_or_else(|| bad(v))?;
                if s >= 60 {
                    return Err(err("second out of range"));
                }
                p.sec = s;
                v = rest;
                // A fractional second in the value but not in the layout.
                let next_is_frac = matches!(
                    chunks.get(ci + 1),
                    Some(Chunk::Std(Std::FracSecond0(_))) | Some(Chunk::Std(Std::FracSecond9))
                );
                let b = v.as_bytes();
                if !next_is_frac && b.len() >= 2 && (b[0] == b'.' || b[0] == b',') && b[1].is_ascii_digit() {
                    let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    p.nsec = frac_nanos(v, n).ok_or_else(|| bad(v))?;
                    v = &v[n..];
                }
            }
            Std::PmUpper | Std::PmLower => {
                let two = v.get(..2).ok_or_else(|| bad(v))?;
                let (pm_s, am_s) = if std == Std::PmUpper {
                    ("PM", "AM")
                } else {
                    ("pm", "am")
                };
                if two == pm_s {
                    pm = true;
                } else if two == am_s {
                    am = true;
                } else {
                    return Err(bad(v));
                }
                v = &v[2..];
            }
            Std::Iso8601Tz
            | Std::Iso8601SecondsTz
            | Std::Iso8601ShortTz
            | Std::Iso8601ColonTz
            | Std::Iso8601ColonSecondsTz
                if v.starts_with('Z') =>
            {
                v = &v[1..];
                zone_offset = Some(0);
            }
            Std::Iso8601Tz
            | Std::Iso8601SecondsTz
            | Std::Iso8601ShortTz
            | Std::Iso8601ColonTz
            | Std::Iso8601ColonSecondsTz
            | Std::NumTz
            | Std::NumSecondsTz
            | Std::NumShortTz
            | Std::NumColonTz
            | Std::NumColonSecondsTz => {
                // Byte positions of hours, minutes, seconds, and the length.
                let (hh, mm, ss, len) = match std {
                    Std::Iso8601ColonTz | Std::NumColonTz => (1, Some(4), None, 6),
                    Std::Iso8601ShortTz | Std::NumShortTz => (1, None, None, 3),
                    Std::Iso8601ColonSecondsTz | Std::NumColonSecondsTz => (1, Some(4), Some(7), 9),
                    Std::Iso8601SecondsTz | Std::NumSecondsTz => (1, Some(3), Some(5), 7),
                    _ => (1, Some(3), None, 5),
                };
                let b = v.as_bytes();
                // Everything checked is ASCII, so `len` is a char boundary.
                if b.len() < len || !b[..len].is_ascii() {
                    return Err(bad(v));
                }
                let colons_ok = match std {
                    Std::Iso8601ColonTz | Std::NumColonTz => b[3] == b':',
                    Std::Iso8601ColonSecondsTz | Std::NumColonSecondsTz => b[3] == b':' && b[6] == b':',
                    _ => true,
                };
                let two = |i: Option<usize>| -> Option<i32> {
                    match i {
                        None => Some(0),
                        Some(i) => {
                            let (a, c) = (b.get(i)?, b.get(i + 1)?);
                            (a.is_ascii_digit() && c.is_ascii_digit())
                                .then(|| i32::from(a - b'0') * 10 + i32::from(c - b'0'))
                        }
                    }
                };
                let (Some(h), Some(m), Some(sec), true) = (two(Some(hh)), two(mm), two(ss), colons_ok) else {
                    return Err(bad(v));
                };
                let off = (h * 60 + m) * 60 + sec;
                zone_offset = Some(match b[0] {
                    b'+' => off,
                    b'-' => -off,
                    _ => return Err(bad(v)),
                });
                v = &v[len..];
            }
            Std::Tz => {
                if let Some(rest) = v.strip_prefix("UTC") {
                    zone_offset = Some(0);
                    v = rest;
                } else {
                    let n = zone_name_len(v).ok_or_else(|| bad(v))?;
                    zone_name = Some(v[..n].to_string());
                    v = &v[n..];
                }
            }
            Std::FracSecond0(n) => {
                let len = 1 + n;
                let b = v.as_bytes();
                if b.len() < len || !(b[0] == b'.' || b[0] == b',') {
                    return Err(bad(v));
                }
                p.nsec = frac_nanos(v, len).ok_or_else(|| bad(v))?;
                v = &v[len..];
            }
            Std::FracSecond9 => {
                let b = v.as_bytes();
                if b.len() < 2 || !(b[0] == b'.' || b[0] == b',') || !b[1].is_ascii_digit() {
                    continue; // fractional second omitted
                }
                let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                p.nsec = frac_nanos(v, n).ok_or_else(|| bad(v))?;
                v = &v[n..];
            }
        }
    }
    if !v.is_empty() {
        return Err(err(&format!("extra text: {v:?}")));
    }
    if pm && p.hour < 12 {
        p.hour += 12;
    } else if am && p.hour == 12 {
        p.hour = 0;
    }
    // Stanza fills in a missing year: this year, or last year when that
    // would put the time more than 7 days in the future.
    let fill_year = !p.year_set;
    if fill_year {
        p.year = crate::tz::civil_from_days(now.div_euclid(86_400)).0;
    }
    if let Some(yd) = yday {
        let leap = crate::tz::is_leap(p.year);
        if yd < 1 || yd > if leap { 366 } else { 365 } {
            return Err(err("day-of-year out of range"));
        }
        let (_, m, d) = crate::tz::civil_from_days(days_from_civil(p.year, 1, 1) + i64::from(yd) - 1);
        if (month_set && m != p.month) || (day_set && d != p.day) {
            return Err(err("day-of-year does not match month and day"));
        }
        p.month = m;
        p.day = d;
    } else {
        if !month_set {
            p.month = 1;
        }
        if !day_set {
            p.day = 1;
        }
    }
    let mut unix = to_unix(&p, loc, zone_offset, zone_name.as_deref())?;
    if fill_year && unix > now + 7 * 86_400 {
        p.year -= 1;
        unix = to_unix(&p, loc, zone_offset, zone_name.as_deref())?;
    }
    unix.checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(i64::from(p.nsec)))
        .ok_or_else(|| err("out of range"))
}

fn to_unix(
    p: &Parsed,
    loc: &Location,
    zone_offset: Option<i32>,
    zone_name: Option<&str>,
) -> Result<i64, String> {
    if p.day < 1 || p.day > days_in_month(p.year, p.month) {
        return Err(format!(
            "parsing time: day {} out of range for month {}",
            p.day, p.month
        ));
    }
    let local = days_from_civil(p.year, p.month, p.day) * 86_400
        + i64::from(p.hour) * 3600
        + i64::from(p.min) * 60
        + i64::from(p.sec);
    if let Some(off) = zone_offset {
        return Ok(local - i64::from(off));
    }
    if let Some(name) = zone_name {
        if let Some(off) = loc.abbr_offset(name, local) {
            return Ok(local - i64::from(off));
        }
        if let Some(rest) = name.strip_prefix("GMT") {
            let hours: i64 = if rest.is_empty() {
                0
            } else {
                rest.parse().unwrap_or(0)
            };
            return Ok(local - hours * 3600);
        }
        // As stanza does: load the location named by the abbreviation (EST, MST, CET...).
        let zone = Location::load(name).map_err(|e| format!("failed to load location {name}: {e}"))?;
        let off = zone
            .abbr_offset(name, local)
            .unwrap_or_else(|| zone.offset_for_local(local));
        return Ok(local - i64::from(off));
    }
    Ok(local - i64::from(loc.offset_for_local(local)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(layout_type: &str, layout: &str, location: &str) -> TimeParser {
        TimeParser::build(
            &TimeConfig {
                parse_from: Some("body".into()),
                layout_type: layout_type.into(),
                layout: layout.into(),
                location: location.into(),
            },
            true,
        )
        .unwrap()
    }

    fn ns(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
        (days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000_000
    }

    #[test]
    fn strptime_converts_like_ctimefmt() {
        assert_eq!(
            strptime_to_go("%Y-%m-%d %H:%M:%S.%f %z").unwrap(),
            "2006-01-02 15:04:05.999999 -0700"
        );
        assert_eq!(
            strptime_to_go("%d/%b/%Y:%H:%M:%S %z").unwrap(),
            "02/Jan/2006:15:04:05 -0700"
        );
        assert!(strptime_to_go("%Y-%Q").unwrap_err().contains("%Q"));
        assert!(strptime_to_go("%Y 2020").unwrap_err().contains("decimals"));
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn layouts_table() {
        let h = 1_000_000_000 * 3600;
        let cases: &[(&str, &str, &str, Value, Result<i64, &str>)] = &[
            (
                "strptime",
                "%Y-%m-%d %H:%M:%S",
                "UTC",
                Value::from("2023-06-19 05:20:50"),
                Ok(ns(2023, 6, 19, 5, 20, 50)),
            ),
            (
                "strptime",
                "%Y-%m-%d %H:%M:%S.%f %z",
                "",
                Value::from("2022-01-02 07:24:56,123 -0700"),
                Ok(ns(2022, 1, 2, 14, 24, 56) + 123_000_000),
            ),
            (
                "strptime",
                "%d/%b/%Y:%H:%M:%S %z",
                "",
                Value::from("10/Oct/2000:13:55:36 -0700"),
                Ok(ns(2000, 10, 10, 20, 55, 36)),
            ),
            (
                "strptime",
                "%Y-%m-%dT%H:%M:%S.%LZ",
                "",
                Value::from("2022-01-02T14:24:56.123123123Z"),
                Ok(ns(2022, 1, 2, 14, 24, 56) + 123_123_123),
            ),
            (
                "strptime",
                "%a %b %e %H:%M:%S %Z %Y",
                "",
                Value::from("Fri Jun  5 13:50:27 UTC 2020"),
                Ok(ns(2020, 6, 5, 13, 50, 27)),
            ),
            (
                "strptime",
                "%Y-%m-%d",
                "UTC",
                Value::from("2020-01-31"),
                Ok(ns(2020, 1, 31, 0, 0, 0)),
            ),
            (
                "strptime",
                "%Y-%m-%d %I:%M %p",
                "UTC",
                Value::from("2020-01-31 12:30 AM"),
                Ok(ns(2020, 1, 31, 0, 30, 0)),
            ),
            (
                "strptime",
                "%Y-%m-%d %I:%M %p",
                "UTC",
                Value::from("2020-01-31 01:30 PM"),
                Ok(ns(2020, 1, 31, 13, 30, 0)),
            ),
            (
                "strptime",
                "%Y-%m-%d",
                "UTC",
                Value::from("2020-02-30"),
                Err("out of range"),
            ),
            (
                "strptime",
                "%Y-%m-%d",
                "UTC",
                Value::from("2020-01-31 extra"),
                Err("extra text"),
            ),
            (
                "strptime",
                "%Y-%m-%d",
                "UTC",
                Value::Int(5),
                Err("cannot be parsed as a time"),
            ),
            (
                "gotime",
                "2006-01-02T15:04:05Z07:00",
                "",
                Value::from("2024-03-01T10:00:00+02:00"),
                Ok(ns(2024, 3, 1, 8, 0, 0)),
            ),
            (
                "gotime",
                "2006-01-02T15:04:05Z07:00",
                "",
                Value::from("2024-03-01T10:00:00Z"),
                Ok(ns(2024, 3, 1, 10, 0, 0)),
            ),
            (
                "gotime",
                "2006-01-02T15:04:05.000Z07:00",
                "",
                Value::from("2024-03-01T10:00:00.5Z"),
                Err("cannot parse"),
            ),
            (
                "gotime",
                "2006-01-02 15:04:05",
                "UTC",
                Value::from("2024-03-01 10:00:00.25"),
                Ok(ns(2024, 3, 1, 10, 0, 0) + 250_000_000),
            ),
            (
                "gotime",
                "Jan _2 15:04:05 2006",
                "UTC",
                Value::from("jan  2 15:04:05 2006"),
                Ok(ns(2006, 1, 2, 15, 4, 5)),
            ),
            (
                "gotime",
                "2006-002",
                "UTC",
                Value::from("2024-060"),
                Ok(ns(2024, 2, 29, 0, 0, 0)),
            ),
            (
                "gotime",
                "2006-01-02 15:04:05 MST",
                "UTC",
                Value::from("2024-01-10 10:00:00 EST"),
                Ok(ns(2024, 1, 10, 15, 0, 0)),
            ),
            (
                "gotime",
                "2006-01-02 15:04",
                "America/New_York",
                Value::from("2024-07-10 10:00"),
                Ok(ns(2024, 7, 10, 14, 0, 0)),
            ),
            (
                "epoch",
                "s",
                "",
                Value::Int(1_136_214_245),
                Ok(1_136_214_245 * 1_000_000_000),
            ),
            (
                "epoch",
                "ms",
                "",
                Value::from("1136214245123"),
                Ok(1_136_214_245_123 * 1_000_000),
            ),
            (
                "epoch",
                "s.ms",
                "",
                Value::Double(1_136_214_245.123),
                Ok(1_136_214_245_123 * 1_000_000),
            ),
            (
                "epoch",
                "s.us",
                "",
                Value::from("1136214245.123456"),
                Ok(1_136_214_245_123_456 * 1_000),
            ),
            ("epoch", "ns", "", Value::from("abc"), Err("invalid value")),
            (
                "gotime",
                "2006-01-02 -0700",
                "",
                Value::from("2024-03-01 +é00"),
                Err("cannot parse"),
            ),
            (
                "gotime",
                "2006-01-02 -07:00",
                "",
                Value::from("2024-03-01 +01:30"),
                Ok(ns(2024, 2, 29, 22, 30, 0)),
            ),
            (
                "gotime",
                "2006-01-02 Jan",
                "",
                Value::from("2024-03-01 Jé"),
                Err("cannot parse"),
            ),
        ];
        for (lt, layout, loc, v, want) in cases {
            if loc.contains('/') && Location::load(loc).is_err() {
                continue; // no tzdata here
            }
            let p = parser(lt, layout, loc);
            match (p.parse_value(v), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, *w, "{layout} {v:?}: off by {}h", (got - w) / h),
                (Err(e), Err(w)) => assert!(e.contains(w), "{layout} {v:?}: {e}"),
                (got, want) => panic!("{layout} {v:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn missing_year_is_this_year_unless_too_far_ahead() {
        let chunks = go_chunks("Jan _2 15:04:05");
        let now = ns(2024, 1, 3, 0, 0, 0) / 1_000_000_000;
        let got = parse_layout(&chunks, "Jan  5 00:00:00", &Location::Utc, now).unwrap();
        assert_eq!(got, ns(2024, 1, 5, 0, 0, 0));
        let got = parse_layout(&chunks, "Dec 30 00:00:00", &Location::Utc, now).unwrap();
        assert_eq!(got, ns(2023, 12, 30, 0, 0, 0));
    }

    #[test]
    fn config_errors_name_the_key() {
        let build = |yaml: &str| {
            TimeParser::build(&serde_yaml::from_str(yaml).unwrap(), false)
                .unwrap_err()
                .0
        };
        assert_eq!(build("layout: '%Y'"), "parse_from");
        assert_eq!(build("parse_from: body"), "layout");
        assert_eq!(build("parse_from: body\nlayout: '%Q'"), "layout");
        assert_eq!(
            build("parse_from: body\nlayout_type: epoch\nlayout: minutes"),
            "layout"
        );
        assert_eq!(
            build("parse_from: body\nlayout_type: native\nlayout: x"),
            "layout_type"
        );
        let e = TimeParser::build(
            &serde_yaml::from_str("parse_from: body\nlayout: '%Y'\nlocation: Nowhere/Atlantis").unwrap(),
            true,
        )
        .unwrap_err();
        assert_eq!(e.0, "location");
    }
}
