//! `${...}` expansion in config values, as the Go collector's confmap does.
//!
//! - `${env:VAR}` and `${VAR}` (the default scheme is `env`) take the value of
//!   an environment variable; unset gives `""` with a warning.
//! - `${env:VAR:-default}` gives `default` when VAR is unset (a set but empty
//!   VAR still gives `""`).
//! - `$$` is a literal `$`.
//! - `${file:path}` reads a file's content.
//! - References nest (`${env:A_${env:B}}`) and the result of an expansion is
//!   not expanded again, except for nested references inside `${...}`.

use std::collections::HashMap;

/// Where values of `${...}` come from; real environment in production, a map in tests.
pub trait Lookup {
    /// The value of an environment variable, if set.
    fn env(&self, name: &str) -> Option<String>;
    /// The content of a file.
    fn file(&self, path: &str) -> Result<String, String>;
}

/// The process environment and file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessLookup;

impl Lookup for ProcessLookup {
    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn file(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
    }
}

impl Lookup for HashMap<String, String> {
    fn env(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
    fn file(&self, path: &str) -> Result<String, String> {
        Err(format!("no file {path} in test lookup"))
    }
}

/// The result of expanding one string.
#[derive(Debug, PartialEq, Eq)]
pub struct Expanded {
    /// The expanded text.
    pub text: String,
    /// True when the whole input was a single `${...}` reference, in which
    /// case a YAML map or list result may replace the value's structure.
    pub whole_reference: bool,
    /// Warnings to log (unset variables).
    pub warnings: Vec<String>,
}

const MAX_DEPTH: usize = 100;

/// Expands every `${...}` and `$$` in `input`.
pub fn expand(input: &str, lookup: &dyn Lookup) -> Result<Expanded, String> {
    let mut warnings = Vec::new();
    let text = expand_inner(input, lookup, &mut warnings, 0)?;
    let trimmed = input.trim();
    let whole_reference = trimmed.starts_with("${") && matching_close(trimmed, 2) == Some(trimmed.len() - 1);
    Ok(Expanded {
        text,
        whole_reference,
        warnings,
    })
}

/// Index of the `}` closing a `${` whose content starts at `start`.
fn matching_close(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 1usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            depth += 1;
            i += 2;
            continue;
        }
        if bytes[i] == b'}' {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

fn expand_inner(
    input: &str,
    lookup: &dyn Lookup,
    warnings: &mut Vec<String>,
    depth: usize,
) -> Result<String, String> {
    if depth > MAX_DEPTH {
        return Err("too many nested ${...} references".into());
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if after.starts_with('{') {
            let body_and_rest = &rest[pos..];
            let close = matching_close(body_and_rest, 2)
                .ok_or_else(|| format!("unterminated reference in {input:?}: missing '}}'"))?;
            let body = &body_and_rest[2..close];
            // Nested references inside the body are resolved first.
            let body = expand_inner(body, lookup, warnings, depth + 1)?;
            out.push_str(&resolve(&body, lookup, warnings)?);
            rest = &body_and_rest[close + 1..];
        } else {
            // A lone `$` (e.g. `$VAR`, no longer expanded by the Go collector) stays as is.
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn resolve(body: &str, lookup: &dyn Lookup, warnings: &mut Vec<String>) -> Result<String, String> {
    let (scheme, opaque) = match body.split_once(':') {
        Some((s, o)) if s.len() >= 2 && s.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) => {
            (s, o)
        }
        Some(_) => {
            return Err(format!(
                "invalid uri ${{{body}}}: a scheme must be 2+ characters [A-Za-z][A-Za-z0-9+.-]+"
            ));
        }
        None => ("env", body),
    };
    match scheme {
        "env" => {
            let (name, default) = match opaque.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (opaque, None),
            };
            if !valid_env_name(name) {
                return Err(format!(
                    "environment variable {name:?} has invalid name: must match ^[a-zA-Z_][a-zA-Z0-9_]*$"
                ));
            }
            match (lookup.env(name), default) {
                (Some(v), _) => Ok(v),
                (None, Some(d)) => Ok(d.to_string()),
                (None, None) => {
                    warnings.push(format!(
                        "Configuration references unset environment variable {name:?}"
                    ));
                    Ok(String::new())
                }
            }
        }
        "file" => lookup.file(opaque),
        other => Err(format!(
            "scheme {other:?} is not supported for uri ${{{body}}} (supported: env, file)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> HashMap<String, String> {
        [
            ("HOST", "collector"),
            ("EMPTY", ""),
            ("PORT", "4317"),
            ("NAME", "HOST"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn x(s: &str) -> String {
        expand(s, &env()).unwrap().text
    }

    #[test]
    fn env_forms() {
        assert_eq!(x("${env:HOST}:${PORT}"), "collector:4317");
        assert_eq!(x("${env:MISSING:-0.0.0.0}:4318"), "0.0.0.0:4318");
        assert_eq!(x("${env:EMPTY:-fallback}"), "");
        assert_eq!(x("${env:MISSING:-}"), "");
        assert_eq!(x("${MISSING}"), "");
        assert_eq!(x("${env:${NAME}}"), "collector");
    }

    #[test]
    fn dollar_escapes_and_lone_dollars() {
        assert_eq!(x("pa$$word"), "pa$word");
        assert_eq!(x("$$${HOST}"), "$collector");
        assert_eq!(x("cost $5"), "cost $5");
        assert_eq!(x("$$HOST"), "$HOST");
    }

    #[test]
    fn whole_reference_detection() {
        assert!(expand("${PORT}", &env()).unwrap().whole_reference);
        assert!(!expand("x${PORT}", &env()).unwrap().whole_reference);
        assert!(!expand("${HOST}:${PORT}", &env()).unwrap().whole_reference);
    }

    #[test]
    fn unset_warns() {
        let e = expand("${NOPE}", &env()).unwrap();
        assert_eq!(e.warnings.len(), 1);
    }

    #[test]
    fn errors() {
        assert!(expand("${HOST", &env()).unwrap_err().contains("unterminated"));
        assert!(
            expand("${VAR:-default}", &env())
                .unwrap_err()
                .contains("not supported")
        );
        assert!(
            expand("${V:-default}", &env())
                .unwrap_err()
                .contains("invalid uri")
        );
        assert!(expand("${http:x}", &env()).unwrap_err().contains("not supported"));
        assert!(
            expand("${env:1BAD}", &env())
                .unwrap_err()
                .contains("invalid name")
        );
    }
}
