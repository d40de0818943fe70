//! Response body validations (Go's `validateResponse`): each configured
//! check passes or fails, counted per `validation.type`.

use regex::bytes::Regex;
use serde_json::Value;

use crate::config::ValidationConfig;

/// The `validation.type` values, in the order their points are emitted.
pub(crate) const TYPES: [&str; 5] = ["contains", "not_contains", "json_path", "size", "regex"];

/// One `validations` entry, its regex compiled.
#[derive(Clone, Debug)]
pub(crate) struct Validation {
    cfg: ValidationConfig,
    regex: Option<Regex>,
}

impl Validation {
    /// Compiles `cfg` (the regex was checked by config validation; one that
    /// still fails to compile always fails, as Go counts it).
    pub(crate) fn new(cfg: &ValidationConfig) -> Self {
        Validation {
            cfg: cfg.clone(),
            regex: if cfg.regex.is_empty() {
                None
            } else {
                Regex::new(&cfg.regex).ok()
            },
        }
    }
}

/// Counts per validation type, indexed as [`TYPES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) passed: [i64; 5],
    pub(crate) failed: [i64; 5],
}

impl Counts {
    fn count(&mut self, ty: usize, ok: bool) {
        if ok {
            self.passed[ty] += 1;
        } else {
            self.failed[ty] += 1;
        }
    }
}

/// Runs every validation on `body`.
pub(crate) fn validate(body: &[u8], validations: &[Validation]) -> Counts {
    let mut counts = Counts::default();
    let json = std::cell::OnceCell::new();
    for v in validations {
        let c = &v.cfg;
        if !c.contains.is_empty() {
            counts.count(0, contains(body, c.contains.as_bytes()));
        }
        if !c.not_contains.is_empty() {
            counts.count(1, !contains(body, c.not_contains.as_bytes()));
        }
        if !c.json_path.is_empty() {
            let doc: &Option<Value> = json.get_or_init(|| serde_json::from_slice(body).ok());
            let found = doc.as_ref().and_then(|d| json_path(d, &c.json_path));
            let ok = match found {
                None => false,
                Some(value) => c.equals.is_empty() || value == c.equals,
            };
            counts.count(2, ok);
        }
        let size = i64::try_from(body.len()).unwrap_or(i64::MAX);
        if let Some(max) = c.max_size {
            counts.count(3, size <= max);
        }
        if let Some(min) = c.min_size {
            counts.count(3, size >= min);
        }
        if !c.regex.is_empty() {
            counts.count(4, v.regex.as_ref().is_some_and(|r| r.is_match(body)));
        }
    }
    counts
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// The value at a gjson-style `path` as gjson's `Result.String()` gives it
/// (strings unquoted, numbers and booleans as written, objects and arrays
/// as JSON, `null` as empty); `None` when the path does not exist.
/// Components are separated by `.` (`\.` is a literal dot); on an array a
/// component is an index or `#` (the length).
pub(crate) fn json_path(doc: &Value, path: &str) -> Option<String> {
    let mut current = doc;
    let mut length = None;
    for part in split_path(path) {
        if length.is_some() {
            return None;
        }
        current = match current {
            Value::Object(map) => map.get(&part)?,
            Value::Array(items) if part == "#" => {
                length = Some(items.len());
                continue;
            }
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    if let Some(n) = length {
        return Some(n.to_string());
    }
    Some(match current {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    })
}

fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '.' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(yaml: &str) -> Validation {
        Validation::new(&serde_yaml::from_str::<ValidationConfig>(yaml).unwrap())
    }

    #[test]
    fn paths_like_gjson() {
        let doc: Value = serde_json::from_str(
            r#"{"status":"ok","count":5,"n":null,"a.b":1,"items":[{"x":true},{"x":[1,2]}]}"#,
        )
        .unwrap();
        assert_eq!(json_path(&doc, "status").as_deref(), Some("ok"));
        assert_eq!(json_path(&doc, "count").as_deref(), Some("5"));
        assert_eq!(json_path(&doc, "n").as_deref(), Some(""));
        assert_eq!(json_path(&doc, "a\\.b").as_deref(), Some("1"));
        assert_eq!(json_path(&doc, "items.#").as_deref(), Some("2"));
        assert_eq!(json_path(&doc, "items.0.x").as_deref(), Some("true"));
        assert_eq!(json_path(&doc, "items.1.x").as_deref(), Some("[1,2]"));
        assert_eq!(json_path(&doc, "items.2"), None);
        assert_eq!(json_path(&doc, "missing"), None);
        assert_eq!(json_path(&doc, "status.deeper"), None);
    }

    #[test]
    fn counts_per_type_as_go() {
        let body = br#"{"status": "error", "count": 3, "message": "unhealthy"}"#;
        let checks = [
            v("contains: healthy"),                   // passes: "unhealthy" contains it
            v("json_path: status\nequals: ok"),       // fails
            v("json_path: count\nequals: '3'"),       // passes
            v("json_path: nope"),                     // fails
            v("max_size: 10\nmin_size: 1"),           // one fails, one passes
            v("not_contains: error\nregex: 'co.nt'"), // fails, passes
        ];
        let c = validate(body, &checks);
        assert_eq!(c.passed, [1, 0, 1, 1, 1]);
        assert_eq!(c.failed, [0, 1, 2, 1, 0]);
        let c = validate(b"not json", &[v("json_path: a")]);
        assert_eq!(c.failed[2], 1);
    }
}
