//! A small reader for `.env.local`-style files: `KEY=VALUE` lines.
//!
//! Accepted syntax, one assignment per line:
//! - blank lines and lines starting with `#` are ignored;
//! - an optional leading `export ` is ignored (so the file can be `source`d);
//! - the value runs to the end of the line and is trimmed; a value wrapped in
//!   matching `"` or `'` quotes has them removed (no escape processing);
//! - a later assignment of the same key wins.

use std::collections::BTreeMap;
use std::path::Path;

use crate::settings::SettingsError;

/// Reads and parses `path`. A missing file is not an error: it yields no variables.
pub fn read_env_file(path: &Path) -> Result<BTreeMap<String, String>, SettingsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_env_file(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(source) => Err(SettingsError::ReadEnvFile {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Parses the text of an env file; `origin` names it in errors.
pub fn parse_env_file(text: &str, origin: &str) -> Result<BTreeMap<String, String>, SettingsError> {
    let mut vars = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let bad = |message: &str| SettingsError::EnvFileSyntax {
            file: origin.to_string(),
            line: index + 1,
            message: message.to_string(),
        };
        let (key, value) = line.split_once('=').ok_or_else(|| bad("expected KEY=VALUE"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad("the variable name is empty"));
        }
        if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad("a variable name may hold only letters, digits and '_'"));
        }
        vars.insert(key.to_string(), unquote(value.trim()).to_string());
    }
    Ok(vars)
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_assignments_comments_quotes_and_export() {
        let text = "# comment\n\nOTEL_SERVICE_NAME=chat\nexport OTEL_SERVICE_VERSION = \"1.0\"\n\
                    OTEL_DEPLOYMENT_ENVIRONMENT='staging'\nEMPTY=\nOTEL_SERVICE_NAME=chat2\n";
        let vars = parse_env_file(text, ".env.local").unwrap();
        assert_eq!(vars.get("OTEL_SERVICE_NAME").unwrap(), "chat2", "later line wins");
        assert_eq!(
            vars.get("OTEL_SERVICE_VERSION").unwrap(),
            "1.0",
            "quotes removed, not a float"
        );
        assert_eq!(vars.get("OTEL_DEPLOYMENT_ENVIRONMENT").unwrap(), "staging");
        assert_eq!(vars.get("EMPTY").unwrap(), "");
        assert_eq!(vars.len(), 4);
    }

    #[test]
    fn value_may_contain_equals_signs() {
        let vars = parse_env_file("URL=http://h:1/?a=b", "f").unwrap();
        assert_eq!(vars.get("URL").unwrap(), "http://h:1/?a=b");
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let err = parse_env_file("A=1\nnot an assignment\n", ".env.local").unwrap_err();
        assert_eq!(err.to_string(), ".env.local:2: expected KEY=VALUE");
        let err = parse_env_file("BAD-NAME=1", "f").unwrap_err();
        assert!(err.to_string().starts_with("f:1: a variable name"), "{err}");
        let err = parse_env_file("=1", "f").unwrap_err();
        assert_eq!(err.to_string(), "f:1: the variable name is empty");
    }

    #[test]
    fn missing_file_is_empty_but_unreadable_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_env_file(&dir.path().join("absent")).unwrap().is_empty());
        // A directory cannot be read as a file.
        let err = read_env_file(dir.path()).unwrap_err();
        assert!(err.to_string().starts_with("cannot read "), "{err}");
    }
}
