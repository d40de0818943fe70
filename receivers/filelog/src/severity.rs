//! Severity parsing (stanza's `severity` block and `severity_parser`):
//! a value read from a field is looked up, case-insensitively, in a map
//! built from a `preset` and the user's `mapping`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::entry::{Entry, Value};
use crate::field::Field;

/// The aliases of the 25 severity levels, by number (`default` is 0).
const ALIASES: [&str; 25] = [
    "default", "trace", "trace2", "trace3", "trace4", "debug", "debug2", "debug3", "debug4", "info", "info2",
    "info3", "info4", "warn", "warn2", "warn3", "warn4", "error", "error2", "error3", "error4", "fatal",
    "fatal2", "fatal3", "fatal4",
];

/// The short name of a severity number (`ERROR`, `INFO3`), as
/// `overwrite_text` writes it.
pub fn short_name(sev: i32) -> String {
    usize::try_from(sev)
        .ok()
        .and_then(|i| ALIASES.get(i))
        .map_or_else(|| "DEFAULT".to_string(), |a| a.to_uppercase())
}

/// The `severity` block of a parser (also the inline settings of
/// `severity_parser`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeverityConfig {
    /// The field holding the severity (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_from: Option<String>,
    /// `default` (the default), `otel` (alias `aliases`) or `none`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub preset: String,
    /// Level alias → value, list of values, `{min, max}` range, or `2xx`..`5xx`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mapping: BTreeMap<String, serde_json::Value>,
    /// Set the severity text to the level's short name instead of the value read.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overwrite_text: bool,
}

/// A built severity parser.
#[derive(Clone, Debug)]
pub struct SeverityParser {
    parse_from: Field,
    mapping: HashMap<String, i32>,
    overwrite_text: bool,
}

fn builtin(preset: &str) -> Result<HashMap<String, i32>, String> {
    let mut m = HashMap::new();
    match preset {
        "none" => return Ok(m),
        "otel" | "aliases" | "default" | "" => {}
        other => return Err(format!("unknown severity preset {other:?} (default, otel, none)")),
    }
    for (n, alias) in ALIASES.iter().enumerate().skip(1) {
        let n = n as i32;
        m.insert((*alias).to_string(), n);
        m.insert(n.to_string(), n);
    }
    if preset == "default" || preset.is_empty() {
        for (alias, n) in [
            ("warning", 13),
            ("warning2", 14),
            ("warning3", 15),
            ("warning4", 16),
            ("err", 17),
            ("err2", 18),
            ("err3", 19),
            ("err4", 20),
        ] {
            m.insert(alias.to_string(), n);
        }
    }
    Ok(m)
}

/// The values one mapping entry stands for.
fn parseable_values(v: &serde_json::Value) -> Result<Vec<String>, String> {
    let range = |lo: i64, hi: i64| -> Vec<String> {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        (lo..=hi).map(|i| i.to_string()).collect()
    };
    match v {
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(vec![i.to_string()]),
            None => Err(format!("{n} cannot be parsed as a severity (whole numbers only)")),
        },
        serde_json::Value::String(s) => Ok(match s.as_str() {
            "2xx" => range(200, 299),
            "3xx" => range(300, 399),
            "4xx" => range(400, 499),
            "5xx" => range(500, 599),
            other => vec![other.to_lowercase()],
        }),
        serde_json::Value::Object(o) => {
            let lo = o.get("min").and_then(serde_json::Value::as_i64);
            let hi = o.get("max").and_then(serde_json::Value::as_i64);
            match (lo, hi, o.len()) {
                (Some(lo), Some(hi), 2) if (hi - lo).abs() <= 100_000 => Ok(range(lo, hi)),
                (Some(_), Some(_), 2) => Err("severity range too wide (at most 100000 values)".into()),
                _ => Err("a range is `{min: <int>, max: <int>}`".into()),
            }
        }
        other => Err(format!("{other} cannot be parsed as a severity")),
    }
}

impl SeverityConfig {
    /// Builds the parser; errors name the key below this block.
    pub fn build(&self) -> Result<SeverityParser, (String, String)> {
        let Some(from) = &self.parse_from else {
            return Err(("parse_from".into(), "missing required field".into()));
        };
        let parse_from = Field::parse(from).map_err(|e| ("parse_from".to_string(), e.to_string()))?;
        let mut mapping = builtin(&self.preset).map_err(|e| ("preset".to_string(), e))?;
        for (alias, values) in &self.mapping {
            let Some(sev) = ALIASES.iter().position(|a| a.eq_ignore_ascii_case(alias)) else {
                return Err((
                    format!("mapping::{alias}"),
                    format!("unknown severity {alias:?} (one of {})", ALIASES.join(", ")),
                ));
            };
            let sev = sev as i32;
            let list: Vec<&serde_json::Value> = match values {
                serde_json::Value::Array(a) => a.iter().collect(),
                one => vec![one],
            };
            for v in list {
                for s in parseable_values(v).map_err(|e| (format!("mapping::{alias}"), e))? {
                    mapping.insert(s, sev);
                }
            }
        }
        Ok(SeverityParser {
            parse_from,
            mapping,
            overwrite_text: self.overwrite_text,
        })
    }
}

impl SeverityParser {
    /// Sets the entry's severity from its `parse_from` field.
    pub fn parse(&self, e: &mut Entry) -> Result<(), String> {
        let Some(value) = self.parse_from.get_ref(e) else {
            return Err(format!(
                "log entry does not have the expected parse_from field {}",
                self.parse_from
            ));
        };
        let (key, text) = match value.as_ref() {
            Value::Int(i) => (i.to_string(), i.to_string()),
            Value::Double(d) => {
                if d.fract() != 0.0 || !d.is_finite() {
                    return Err("type float64 cannot be a severity unless it is a whole number".into());
                }
                let s = (*d as i64).to_string();
                (s.clone(), s)
            }
            Value::Str(s) => (s.to_lowercase(), s.clone()),
            Value::Bytes(b) => {
                let s = String::from_utf8_lossy(b).into_owned();
                (s.to_lowercase(), s)
            }
            other => return Err(format!("type {} cannot be a severity", other.type_name())),
        };
        let sev = self.mapping.get(&key).copied().unwrap_or(0);
        e.severity = sev;
        e.severity_text = if self.overwrite_text {
            short_name(sev)
        } else {
            text
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(yaml: &str) -> SeverityParser {
        let cfg: SeverityConfig = serde_yaml::from_str(yaml).unwrap();
        cfg.build().unwrap()
    }

    fn parse(p: &SeverityParser, v: Value) -> (i32, String) {
        let mut e = Entry::default();
        e.attributes.insert("sev".into(), v);
        p.parse(&mut e).unwrap();
        (e.severity, e.severity_text)
    }

    #[test]
    fn table() {
        let default = parser("parse_from: attributes.sev");
        let custom = parser(
            "parse_from: attributes.sev\nmapping: {error: [nooo!, 4xx], info: {min: 1, max: 3}, fatal: 5xx, warn: 'HEY'}",
        );
        let none = parser("parse_from: attributes.sev\npreset: none\nmapping: {error: oops}");
        let overwrite = parser("parse_from: attributes.sev\noverwrite_text: true");
        let cases: &[(&SeverityParser, Value, i32, &str)] = &[
            (&default, Value::from("ERROR"), 17, "ERROR"),
            (&default, Value::from("warning"), 13, "warning"),
            (&default, Value::from("Err"), 17, "Err"),
            (&default, Value::from("info3"), 11, "info3"),
            (&default, Value::Int(9), 9, "9"),
            (&default, Value::Double(21.0), 21, "21"),
            (&default, Value::from("unknown"), 0, "unknown"),
            (&custom, Value::from("NOOO!"), 17, "NOOO!"),
            (&custom, Value::Int(404), 17, "404"),
            (&custom, Value::from("503"), 21, "503"),
            (&custom, Value::Int(2), 9, "2"),
            (&custom, Value::from("hey"), 13, "hey"),
            (&none, Value::from("ERROR"), 0, "ERROR"),
            (&none, Value::from("oops"), 17, "oops"),
            (&overwrite, Value::from("err"), 17, "ERROR"),
            (&overwrite, Value::from("info2"), 10, "INFO2"),
        ];
        for (p, v, sev, text) in cases {
            assert_eq!(parse(p, v.clone()), (*sev, text.to_string()), "{v:?}");
        }
    }

    #[test]
    fn refusals_name_the_key() {
        let bad = |yaml: &str| {
            let cfg: SeverityConfig = serde_yaml::from_str(yaml).unwrap();
            cfg.build().unwrap_err()
        };
        assert_eq!(bad("preset: default").0, "parse_from");
        assert_eq!(bad("parse_from: nope").0, "parse_from");
        assert_eq!(bad("parse_from: body\nmapping: {loud: x}").0, "mapping::loud");
        assert_eq!(bad("parse_from: body\nmapping: {error: 1.5}").0, "mapping::error");
        assert_eq!(bad("parse_from: body\npreset: fancy").0, "preset");
        let p = parser("parse_from: attributes.sev");
        let mut e = Entry::default();
        assert!(p.parse(&mut e).unwrap_err().contains("parse_from"));
        e.attributes.insert("sev".into(), Value::Double(1.5));
        assert!(p.parse(&mut e).unwrap_err().contains("whole number"));
    }
}
