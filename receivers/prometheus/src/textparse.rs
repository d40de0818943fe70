//! Parsers of the Prometheus text format (0.0.4) and of OpenMetrics text
//! (1.0.0), written for hostile input: a single pass over the bytes, no
//! recursion, no panics, nothing allocated beyond what the entries returned
//! hold (so the memory used is bounded by the body, itself bounded by
//! `body_size_limit`). The first syntax error ends the parse, as it fails
//! the scrape in Prometheus.
//!
//! What is read, as Prometheus' `textparse` reads it:
//! - `# HELP name text` (`\\` and `\n` unescaped), `# TYPE name type`, and in
//!   OpenMetrics `# UNIT name unit`; other `#` lines are comments in the text
//!   format and errors in OpenMetrics;
//! - samples `name{label="value",...} value [timestamp]`: label values with
//!   `\\`, `\"` and `\n` escapes (other escapes kept as written), a trailing
//!   comma allowed, the UTF-8 quoted-name syntax `{"name", "label"="v"}`;
//!   values as Go's `strconv.ParseFloat` reads them (`NaN`, `+Inf`, `-Inf`,
//!   no hexadecimal, no `_`); timestamps in milliseconds (text) or in
//!   seconds with a fraction (OpenMetrics);
//! - OpenMetrics: exemplars (`# {...} v [ts]` after a sample) are skipped,
//!   the body must end with `# EOF`, and nothing may follow it.

use std::fmt;

/// The exposition format of a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4` (and anything not OpenMetrics).
    Text,
    /// `application/openmetrics-text`.
    OpenMetrics,
}

impl Format {
    /// The format of a response with this `Content-Type`: OpenMetrics for
    /// `application/openmetrics-text`, else the text format (Go's receiver
    /// falls back to text 0.0.4 for missing or unknown types).
    pub fn for_content_type(content_type: Option<&str>) -> Format {
        let media = content_type
            .and_then(|c| c.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if media == "application/openmetrics-text" {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

/// A metric family type, as Prometheus' `model.MetricType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`.
    Histogram,
    /// `gaugehistogram` (OpenMetrics).
    GaugeHistogram,
    /// `summary`.
    Summary,
    /// `info` (OpenMetrics).
    Info,
    /// `stateset` (OpenMetrics).
    StateSet,
    /// `unknown` (OpenMetrics) or `untyped` (text), or no type given.
    Unknown,
}

impl MetricKind {
    /// Prometheus' name of the type (`unknown` for text's `untyped`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::GaugeHistogram => "gaugehistogram",
            MetricKind::Summary => "summary",
            MetricKind::Info => "info",
            MetricKind::StateSet => "stateset",
            MetricKind::Unknown => "unknown",
        }
    }

    fn parse(s: &str, format: Format) -> Option<MetricKind> {
        Some(match (s, format) {
            ("counter", _) => MetricKind::Counter,
            ("gauge", _) => MetricKind::Gauge,
            ("histogram", _) => MetricKind::Histogram,
            ("summary", _) => MetricKind::Summary,
            ("untyped", Format::Text) => MetricKind::Unknown,
            ("unknown", Format::OpenMetrics) => MetricKind::Unknown,
            ("gaugehistogram", Format::OpenMetrics) => MetricKind::GaugeHistogram,
            ("info", Format::OpenMetrics) => MetricKind::Info,
            ("stateset", Format::OpenMetrics) => MetricKind::StateSet,
            _ => return None,
        })
    }
}

/// One sample as exposed: name, labels in the order written (empty values
/// and duplicates included), value, timestamp in milliseconds if given.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedSample {
    /// The metric name.
    pub name: String,
    /// The labels as written.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// The timestamp (Unix milliseconds), if the sample has one.
    pub timestamp_ms: Option<i64>,
}

/// One entry of an exposition.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// `# HELP`.
    Help {
        /// The family name.
        name: String,
        /// The help text, unescaped.
        help: String,
    },
    /// `# TYPE`.
    Type {
        /// The family name.
        name: String,
        /// The type.
        kind: MetricKind,
    },
    /// `# UNIT` (OpenMetrics).
    Unit {
        /// The family name.
        name: String,
        /// The unit.
        unit: String,
    },
    /// A sample.
    Sample(ParsedSample),
}

/// A syntax error, with the 1-based line it is on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses a body entry by entry. After the first error it yields nothing.
#[derive(Debug)]
pub struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    line: usize,
    format: Format,
    eof_seen: bool,
    done: bool,
}

impl<'a> Parser<'a> {
    /// A parser of `data` in `format`.
    pub fn new(data: &'a [u8], format: Format) -> Self {
        Parser {
            data,
            pos: 0,
            line: 0,
            format,
            eof_seen: false,
            done: false,
        }
    }

    fn fail(&mut self, message: impl Into<String>) -> Option<Result<Entry, ParseError>> {
        self.done = true;
        Some(Err(ParseError {
            line: self.line,
            message: message.into(),
        }))
    }
}

impl Iterator for Parser<'_> {
    type Item = Result<Entry, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if self.pos >= self.data.len() {
                self.done = true;
                if self.format == Format::OpenMetrics && !self.eof_seen {
                    self.line += 1;
                    self.done = false;
                    return self.fail("data does not end with # EOF");
                }
                return None;
            }
            let rest = &self.data[self.pos..];
            let (raw, advance) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], i + 1),
                None => (rest, rest.len()),
            };
            self.pos += advance;
            self.line += 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if self.eof_seen {
                return self.fail("unexpected data after # EOF");
            }
            let Ok(line) = std::str::from_utf8(raw) else {
                // Text-format comments may hold anything; everything else must be UTF-8.
                if self.format == Format::Text && is_text_comment(raw) {
                    continue;
                }
                return self.fail("invalid UTF-8");
            };
            let parsed = match self.format {
                Format::Text => text_line(line),
                Format::OpenMetrics => {
                    if line == "# EOF" {
                        self.eof_seen = true;
                        continue;
                    }
                    om_line(line)
                }
            };
            match parsed {
                Ok(Some(entry)) => return Some(Ok(entry)),
                Ok(None) => continue,
                Err(message) => return self.fail(message),
            }
        }
    }
}

/// True for a text-format line that is a plain comment (not HELP/TYPE).
fn is_text_comment(raw: &[u8]) -> bool {
    let trimmed: &[u8] = {
        let start = raw
            .iter()
            .position(|b| *b != b' ' && *b != b'\t')
            .unwrap_or(raw.len());
        &raw[start..]
    };
    let Some(after) = trimmed.strip_prefix(b"#") else {
        return false;
    };
    let start = after
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(after.len());
    let word = &after[start..];
    start == 0 || !(word.starts_with(b"HELP") || word.starts_with(b"TYPE"))
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn skip_blanks(s: &str) -> &str {
    s.trim_start_matches(is_blank)
}

/// One line of the text format.
fn text_line(line: &str) -> Result<Option<Entry>, String> {
    let s = skip_blanks(line);
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(comment) = s.strip_prefix('#') {
        let t = skip_blanks(comment);
        if t.len() == comment.len() {
            return Ok(None); // `#foo`: a comment
        }
        let (keyword, after) = split_token(t);
        match keyword {
            "HELP" | "TYPE" => {}
            _ => return Ok(None),
        }
        if !after.starts_with(is_blank) {
            return Err(format!("expected a metric name after # {keyword}"));
        }
        let (name, after) = metric_name(skip_blanks(after))?;
        if keyword == "HELP" {
            let text = if after.is_empty() {
                ""
            } else if after.starts_with(is_blank) {
                skip_blanks(after)
            } else {
                return Err(format!("invalid character after metric name {name:?} in # HELP"));
            };
            return Ok(Some(Entry::Help {
                name,
                help: unescape_help(text, false),
            }));
        }
        if !after.starts_with(is_blank) {
            return Err(format!("expected a type after # TYPE {name}"));
        }
        let (ty, after) = split_token(skip_blanks(after));
        if !skip_blanks(after).is_empty() {
            return Err(format!("unexpected text after # TYPE {name} {ty}"));
        }
        let kind =
            MetricKind::parse(ty, Format::Text).ok_or_else(|| format!("invalid metric type {ty:?}"))?;
        return Ok(Some(Entry::Type { name, kind }));
    }
    sample(s, Format::Text).map(|s| Some(Entry::Sample(s)))
}

/// One line of OpenMetrics (not `# EOF`).
fn om_line(line: &str) -> Result<Option<Entry>, String> {
    if line.is_empty() {
        return Err("unexpected empty line".into());
    }
    if let Some(comment) = line.strip_prefix('#') {
        let Some(t) = comment.strip_prefix(' ') else {
            return Err("invalid comment: expected # HELP, # TYPE, # UNIT or # EOF".into());
        };
        let (keyword, after) = split_token(t);
        if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
            return Err(format!(
                "invalid comment # {keyword}: expected # HELP, # TYPE, # UNIT or # EOF"
            ));
        }
        let Some(after) = after.strip_prefix(' ') else {
            return Err(format!("expected a metric name after # {keyword}"));
        };
        let (name, after) = metric_name(after)?;
        let text = match after.strip_prefix(' ') {
            Some(t) => t,
            None if after.is_empty() => "",
            None => return Err(format!("invalid character after metric name {name:?}")),
        };
        return Ok(Some(match keyword {
            "HELP" => Entry::Help {
                name,
                help: unescape_help(text, true),
            },
            "TYPE" => {
                let kind = MetricKind::parse(text, Format::OpenMetrics)
                    .ok_or_else(|| format!("invalid metric type {text:?}"))?;
                Entry::Type { name, kind }
            }
            _ => {
                if text.contains(char::is_whitespace) {
                    return Err(format!("invalid unit {text:?}"));
                }
                Entry::Unit {
                    name,
                    unit: text.to_string(),
                }
            }
        }));
    }
    sample(line, Format::OpenMetrics).map(|s| Some(Entry::Sample(s)))
}

/// The first run of non-blank characters and what follows it.
fn split_token(s: &str) -> (&str, &str) {
    let end = s.find(is_blank).unwrap_or(s.len());
    s.split_at(end)
}

/// A metric name `[a-zA-Z_:][a-zA-Z0-9_:]*` (or a quoted UTF-8 name) at the
/// start of `s`.
fn metric_name(s: &str) -> Result<(String, &str), String> {
    if s.starts_with('"') {
        let (name, rest) = quoted(s)?;
        if name.is_empty() {
            return Err("empty metric name".into());
        }
        return Ok((name, rest));
    }
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    let name = &s[..end];
    match name.bytes().next() {
        None => Err("expected a metric name".into()),
        Some(b) if b.is_ascii_digit() => Err(format!("invalid metric name {name:?}")),
        Some(_) => Ok((name.to_string(), &s[end..])),
    }
}

/// A label name `[a-zA-Z_][a-zA-Z0-9_]*` (or a quoted UTF-8 name).
fn label_name(s: &str) -> Result<(String, &str, bool), String> {
    if s.starts_with('"') {
        let (name, rest) = quoted(s)?;
        return Ok((name, rest, true));
    }
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    let name = &s[..end];
    match name.bytes().next() {
        None => Err(format!("expected a label name, found {:?}", first_char(s))),
        Some(b) if b.is_ascii_digit() => Err(format!("invalid label name {name:?}")),
        Some(_) => Ok((name.to_string(), &s[end..], false)),
    }
}

fn first_char(s: &str) -> String {
    s.chars()
        .next()
        .map(String::from)
        .unwrap_or_else(|| "end of line".into())
}

/// A double-quoted string at the start of `s` (which starts with `"`):
/// `\\`, `\"` and `\n` unescaped, other escapes kept as written.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let body = &s[1..];
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match chars.next() {
                Some((_, '\\')) => out.push('\\'),
                Some((_, '"')) => out.push('"'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

/// `# HELP` text: `\\` and `\n` unescaped (and `\"` in OpenMetrics).
fn unescape_help(s: &str, openmetrics: bool) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if openmetrics => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A label set `{...}` at the start of `s`; a leading quoted name without
/// `=` is the metric name (UTF-8 syntax).
/// A label set read: the quoted metric name if it held one, the labels,
/// and what follows the closing brace.
type LabelSet<'a> = (Option<String>, Vec<(String, String)>, &'a str);

fn label_set(s: &str) -> Result<LabelSet<'_>, String> {
    let mut rest = &s[1..];
    let mut labels = Vec::new();
    let mut name = None;
    let mut first = true;
    loop {
        rest = skip_blanks(rest);
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((name, labels, after));
        }
        let (lname, after, was_quoted) = label_name(rest)?;
        let after = skip_blanks(after);
        if first && was_quoted && (after.starts_with(',') || after.starts_with('}')) {
            name = Some(lname);
            rest = after.strip_prefix(',').unwrap_or(after);
            first = false;
            continue;
        }
        first = false;
        let Some(after) = after.strip_prefix('=') else {
            return Err(format!("expected '=' after label name {lname:?}"));
        };
        let after = skip_blanks(after);
        if !after.starts_with('"') {
            return Err(format!("expected a quoted value for label {lname:?}"));
        }
        let (value, after) = quoted(after)?;
        labels.push((lname, value));
        let after = skip_blanks(after);
        if let Some(a) = after.strip_prefix(',') {
            rest = a;
        } else if after.starts_with('}') {
            rest = after;
        } else {
            return Err(format!(
                "expected ',' or '}}' after a label value, found {:?}",
                first_char(after)
            ));
        }
    }
}

/// A sample line (already known not to be a comment).
fn sample(s: &str, format: Format) -> Result<ParsedSample, String> {
    let (mut name, mut rest) = if s.starts_with('{') {
        (String::new(), s)
    } else {
        metric_name(s)?
    };
    let mut labels = Vec::new();
    let after_name = skip_blanks(rest);
    if after_name.starts_with('{') {
        let (quoted_name, l, after) = label_set(after_name)?;
        if let Some(n) = quoted_name {
            if !name.is_empty() {
                return Err("metric name given twice".into());
            }
            name = n;
        }
        labels = l;
        rest = after;
    }
    if name.is_empty() {
        return Err("expected a metric name".into());
    }
    if !rest.starts_with(is_blank) {
        return Err(format!(
            "expected a value after {name:?}, found {:?}",
            first_char(rest)
        ));
    }
    let (value_token, after) = split_token(skip_blanks(rest));
    let value = parse_value(value_token).ok_or_else(|| format!("invalid value {value_token:?}"))?;
    let after = skip_blanks(after);
    let mut timestamp_ms = None;
    if !after.is_empty() && !after.starts_with('#') {
        let (ts_token, tail) = split_token(after);
        timestamp_ms = Some(match format {
            Format::Text => ts_token
                .parse::<i64>()
                .map_err(|_| format!("invalid timestamp {ts_token:?}"))?,
            Format::OpenMetrics => {
                let secs = parse_value(ts_token)
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| format!("invalid timestamp {ts_token:?}"))?;
                // `as` saturates; Prometheus truncates toward zero.
                (secs * 1000.0) as i64
            }
        });
        let tail = skip_blanks(tail);
        let exemplar = format == Format::OpenMetrics && tail.starts_with('#');
        if !tail.is_empty() && !exemplar {
            return Err(format!(
                "unexpected text after the timestamp: {:?}",
                first_char(tail)
            ));
        }
    } else if after.starts_with('#') && format == Format::Text {
        return Err("unexpected '#' after the value".into());
    }
    Ok(ParsedSample {
        name,
        labels,
        value,
        timestamp_ms,
    })
}

/// A float as Prometheus' `parseFloat` reads it: Go's `strconv.ParseFloat`
/// without hexadecimal floats or `_` separators; overflow is an error.
pub(crate) fn parse_value(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains(['p', 'P', '_', 'x', 'X']) {
        return None;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = unsigned.to_ascii_lowercase();
    if lower == "nan" {
        // Go reads no sign before NaN.
        return (unsigned.len() == s.len()).then_some(f64::NAN);
    }
    if lower == "inf" || lower == "infinity" {
        return Some(if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    // Go reports overflow (a finite literal read as ±Inf) as an error.
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &str, format: Format) -> Result<Vec<Entry>, ParseError> {
        Parser::new(input.as_bytes(), format).collect()
    }

    fn sample_of(name: &str, labels: &[(&str, &str)], value: f64, ts: Option<i64>) -> Entry {
        Entry::Sample(ParsedSample {
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
            timestamp_ms: ts,
        })
    }

    #[test]
    fn text_format_table() {
        let cases: Vec<(&str, Result<Vec<Entry>, &str>)> = vec![
            ("", Ok(vec![])),
            ("\n\n   \n", Ok(vec![])),
            ("# a comment\n#another\n", Ok(vec![])),
            ("foo 1", Ok(vec![sample_of("foo", &[], 1.0, None)])),
            (
                "foo 1 1700000000000\n",
                Ok(vec![sample_of("foo", &[], 1.0, Some(1_700_000_000_000))]),
            ),
            ("foo -1 -5\n", Ok(vec![sample_of("foo", &[], -1.0, Some(-5))])),
            ("  foo\t2.5e3 \n", Ok(vec![sample_of("foo", &[], 2500.0, None)])),
            ("foo{} 1\n", Ok(vec![sample_of("foo", &[], 1.0, None)])),
            (
                "foo{a=\"b\",c=\"d\",} 3\n",
                Ok(vec![sample_of("foo", &[("a", "b"), ("c", "d")], 3.0, None)]),
            ),
            (
                "foo { a = \"b\" , c=\"d\" } 3\n",
                Ok(vec![sample_of("foo", &[("a", "b"), ("c", "d")], 3.0, None)]),
            ),
            (
                r#"foo{path="C:\\dir\\",q="say \"hi\"",nl="a\nb",other="\t"} 1"#,
                Ok(vec![sample_of(
                    "foo",
                    &[
                        ("path", "C:\\dir\\"),
                        ("q", "say \"hi\""),
                        ("nl", "a\nb"),
                        ("other", "\\t"),
                    ],
                    1.0,
                    None,
                )]),
            ),
            (
                "foo{a=\"\"} 1\n",
                Ok(vec![sample_of("foo", &[("a", "")], 1.0, None)]),
            ),
            (
                "foo{a=\"é ✓ {} , =\"} 1\n",
                Ok(vec![sample_of("foo", &[("a", "é ✓ {} , =")], 1.0, None)]),
            ),
            (
                "{\"my.metric\", \"my.label\"=\"v\"} 7\n",
                Ok(vec![sample_of("my.metric", &[("my.label", "v")], 7.0, None)]),
            ),
            (
                "a:b:c_total 1\n",
                Ok(vec![sample_of("a:b:c_total", &[], 1.0, None)]),
            ),
            (
                "# HELP foo Some \\\\ help\\nwith newline\n# TYPE foo counter\nfoo 1\n",
                Ok(vec![
                    Entry::Help {
                        name: "foo".into(),
                        help: "Some \\ help\nwith newline".into(),
                    },
                    Entry::Type {
                        name: "foo".into(),
                        kind: MetricKind::Counter,
                    },
                    sample_of("foo", &[], 1.0, None),
                ]),
            ),
            (
                "# HELP foo\n# TYPE bar untyped\n",
                Ok(vec![
                    Entry::Help {
                        name: "foo".into(),
                        help: String::new(),
                    },
                    Entry::Type {
                        name: "bar".into(),
                        kind: MetricKind::Unknown,
                    },
                ]),
            ),
            (
                "foo 1\r\nbar 2\r\n",
                Ok(vec![
                    sample_of("foo", &[], 1.0, None),
                    sample_of("bar", &[], 2.0, None),
                ]),
            ),
            ("# TYPE foo info\n", Err("line 1: invalid metric type \"info\"")),
            ("# TYPE foo\n", Err("line 1: expected a type")),
            ("# TYPE foo counter extra\n", Err("unexpected text")),
            ("foo\n", Err("expected a value")),
            ("foo{a=\"b\"}\n", Err("expected a value")),
            ("foo bar\n", Err("invalid value \"bar\"")),
            ("foo 0x1p3\n", Err("invalid value")),
            ("foo 1_000\n", Err("invalid value")),
            ("foo 1e999\n", Err("invalid value")),
            ("foo +NaN\n", Err("invalid value")),
            ("foo 1 1.5\n", Err("invalid timestamp")),
            ("foo 1 2 3\n", Err("unexpected text after the timestamp")),
            ("foo{a=\"b\" 1\n", Err("expected ',' or '}'")),
            ("foo{a=b} 1\n", Err("expected a quoted value")),
            ("foo{a} 1\n", Err("expected '='")),
            ("foo{1a=\"x\"} 1\n", Err("invalid label name")),
            ("foo{a=\"unterminated} 1\n", Err("unterminated quoted string")),
            ("1foo 1\n", Err("invalid metric name")),
            ("{} 1\n", Err("expected a metric name")),
            (
                "ok 1\nfoo{=\"x\"} 1\nnever 2\n",
                Err("line 2: expected a label name"),
            ),
        ];
        for (input, want) in cases {
            let got = parse_all(input, Format::Text);
            match (got, want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{input:?}"),
                (Err(e), Err(w)) => assert!(e.to_string().contains(w), "{input:?}: {e} does not contain {w}"),
                (g, w) => panic!("{input:?}: got {g:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn special_values() {
        let p = |s: &str| {
            parse_all(&format!("m {s}\n"), Format::Text).map(|e| match &e[0] {
                Entry::Sample(s) => s.value,
                _ => unreachable!(),
            })
        };
        assert!(p("NaN").unwrap().is_nan());
        assert!(p("nan").unwrap().is_nan());
        assert_eq!(p("+Inf").unwrap(), f64::INFINITY);
        assert_eq!(p("-Inf").unwrap(), f64::NEG_INFINITY);
        assert_eq!(p("Inf").unwrap(), f64::INFINITY);
        assert_eq!(p("+infinity").unwrap(), f64::INFINITY);
        assert_eq!(p(".5").unwrap(), 0.5);
        assert_eq!(p("5.").unwrap(), 5.0);
        assert_eq!(p("1e-400").unwrap(), 0.0);
        assert!(p("--1").is_err());
        assert!(p("infin").is_err());
    }

    #[test]
    fn openmetrics_table() {
        let cases: Vec<(&str, Result<Vec<Entry>, &str>)> = vec![
            ("# EOF\n", Ok(vec![])),
            ("# EOF", Ok(vec![])),
            (
                "# TYPE foo counter\n# HELP foo Help \\\"q\\\"\n# UNIT foo seconds\nfoo_total 17.0 1520879607.789\nfoo_created 1520872607.123\n# EOF\n",
                Ok(vec![
                    Entry::Type {
                        name: "foo".into(),
                        kind: MetricKind::Counter,
                    },
                    Entry::Help {
                        name: "foo".into(),
                        help: "Help \"q\"".into(),
                    },
                    Entry::Unit {
                        name: "foo".into(),
                        unit: "seconds".into(),
                    },
                    sample_of("foo_total", &[], 17.0, Some(1_520_879_607_789)),
                    sample_of("foo_created", &[], 1_520_872_607.123, None),
                ]),
            ),
            (
                "foo_bucket{le=\"0.5\"} 3 # {trace_id=\"abc\"} 0.3 1520879607.7\n# EOF\n",
                Ok(vec![sample_of("foo_bucket", &[("le", "0.5")], 3.0, None)]),
            ),
            (
                "foo_total 3 100 # {span_id=\"x\"} 1\n# EOF\n",
                Ok(vec![sample_of("foo_total", &[], 3.0, Some(100_000))]),
            ),
            (
                "# TYPE s stateset\n# TYPE i info\n# TYPE g gaugehistogram\n# TYPE u unknown\n# EOF\n",
                Ok(vec![
                    Entry::Type {
                        name: "s".into(),
                        kind: MetricKind::StateSet,
                    },
                    Entry::Type {
                        name: "i".into(),
                        kind: MetricKind::Info,
                    },
                    Entry::Type {
                        name: "g".into(),
                        kind: MetricKind::GaugeHistogram,
                    },
                    Entry::Type {
                        name: "u".into(),
                        kind: MetricKind::Unknown,
                    },
                ]),
            ),
            ("foo 1\n", Err("line 2: data does not end with # EOF")),
            ("", Err("data does not end with # EOF")),
            ("# EOF\nfoo 1\n", Err("unexpected data after # EOF")),
            ("# EOF\n\n", Err("unexpected data after # EOF")),
            ("foo 1\n\n# EOF\n", Err("unexpected empty line")),
            ("# comment\n# EOF\n", Err("invalid comment")),
            ("# TYPE foo untyped\n# EOF\n", Err("invalid metric type")),
            ("foo 1 NaN\n# EOF\n", Err("invalid timestamp")),
        ];
        for (input, want) in cases {
            let got = parse_all(input, Format::OpenMetrics);
            match (got, want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{input:?}"),
                (Err(e), Err(w)) => assert!(e.to_string().contains(w), "{input:?}: {e} does not contain {w}"),
                (g, w) => panic!("{input:?}: got {g:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(
            Format::for_content_type(Some("application/openmetrics-text; version=1.0.0; charset=utf-8")),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::for_content_type(Some("text/plain; version=0.0.4")),
            Format::Text
        );
        assert_eq!(Format::for_content_type(Some("application/json")), Format::Text);
        assert_eq!(Format::for_content_type(None), Format::Text);
    }

    /// What this workspace's `prometheus` exporter renders (text and
    /// OpenMetrics, with exemplars and timestamps) parses completely, to
    /// the same samples in both formats.
    #[test]
    fn parses_what_the_exporter_renders() {
        use otelcol_prometheus::{Accumulator, AccumulatorConfig, expfmt};
        let acc = Accumulator::new(AccumulatorConfig::default());
        acc.accumulate(&otelcol_componenttest::generate::metrics(2, 2, 5));
        let snapshot = acc.snapshot();
        let samples = |format: expfmt::Format, ours: Format| -> Vec<ParsedSample> {
            let page = expfmt::render(&snapshot, format, true);
            Parser::new(&page, ours)
                .map(|e| e.unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&page))))
                .filter_map(|e| match e {
                    Entry::Sample(s) => Some(s),
                    _ => None,
                })
                .collect()
        };
        let text = samples(expfmt::Format::Text, Format::Text);
        let om = samples(expfmt::Format::OpenMetrics, Format::OpenMetrics);
        assert!(text.len() > 20, "{}", text.len());
        // Label values may be formatted differently (`le="2"` / `le="2.0"`).
        let key = |s: &ParsedSample| {
            let mut l: Vec<&str> = s.labels.iter().map(|(k, _)| k.as_str()).collect();
            l.sort();
            format!("{}{l:?}", s.name)
        };
        let text_keys: Vec<String> = text.iter().map(key).collect();
        let om_keys: Vec<String> = om
            .iter()
            .filter(|s| !s.name.ends_with("_created"))
            .map(key)
            .collect();
        assert_eq!(text_keys, om_keys);
        assert!(text.iter().any(|s| s.timestamp_ms.is_some()));
        assert!(om.iter().any(|s| s.timestamp_ms.is_some()));
        for (t, o) in text
            .iter()
            .zip(om.iter().filter(|s| !s.name.ends_with("_created")))
        {
            assert!(
                t.value == o.value || (t.value.is_nan() && o.value.is_nan()),
                "{t:?} {o:?}"
            );
        }
    }

    /// Hostile input: random bytes, truncations and pathological lines
    /// never panic, and the parse ends.
    #[test]
    fn hostile_input_never_panics() {
        let seeds: [&[u8]; 8] = [
            b"foo{a=\"b\\",
            b"{\"",
            b"{\"a\",\"b\"=\"c\",\"d\"} 1",
            b"# HELP \xff\xfe\n# TYPE x counter\nx 1\n",
            b"x{a=\"\xff\"} 1\n",
            b"# TYPE \n",
            b"\\\\\\\"\"\"{{{}}}",
            b"x 1 99999999999999999999999\n",
        ];
        for format in [Format::Text, Format::OpenMetrics] {
            for seed in seeds {
                for cut in 0..=seed.len() {
                    let _ = Parser::new(&seed[..cut], format).count();
                }
            }
            // A deterministic pseudo-random corpus over the syntax's alphabet.
            let alphabet = b"{}=\",# \\\n\tabc_:019.eE+-NaInf\xc3\xa9\xff";
            let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
            for _ in 0..3000 {
                let len = (state % 64) as usize;
                let mut buf = Vec::with_capacity(len);
                for _ in 0..len {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    buf.push(alphabet[(state % alphabet.len() as u64) as usize]);
                }
                let entries = Parser::new(&buf, format).count();
                assert!(entries <= buf.len() + 1);
            }
        }
        // Long lines and many labels stay linear.
        let mut big = String::from("m{");
        for i in 0..20_000 {
            big.push_str(&format!("l{i}=\"v\","));
        }
        big.push_str("} 1\n");
        let e: Vec<_> = Parser::new(big.as_bytes(), Format::Text).collect();
        assert!(matches!(&e[0], Ok(Entry::Sample(s)) if s.labels.len() == 20_000));
        let invalid = "x".repeat(1 << 20);
        assert!(
            Parser::new(invalid.as_bytes(), Format::Text)
                .next()
                .unwrap()
                .is_err()
        );
    }
}
