//! Config sources named by `--config` URIs and `--set` flags, as figment providers.

use std::path::PathBuf;

use figment::providers::{Format, Yaml};
use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};

use super::error::ConfigIssue;

/// One `--config` location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    /// `file:path` or a bare path.
    File(PathBuf),
    /// `env:VAR`: the whole config is in an environment variable.
    Env(String),
    /// `yaml:a::b: value`: an inline YAML literal, `::` separating keys.
    Yaml(String),
    /// A config given as a string by an embedding program or a distro default.
    Inline {
        /// A name for messages (`embedded default config`).
        name: String,
        /// The YAML text.
        yaml: String,
    },
}

impl ConfigSource {
    /// Parses a `--config` URI: `scheme:opaque`; no scheme means a file path.
    pub fn parse(uri: &str) -> Result<Self, ConfigIssue> {
        if let Some((scheme, rest)) = uri.split_once(':') {
            let is_scheme = scheme.len() >= 2
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
            if is_scheme {
                return match scheme {
                    "file" => Ok(ConfigSource::File(PathBuf::from(rest))),
                    "env" => Ok(ConfigSource::Env(rest.to_string())),
                    "yaml" => Ok(ConfigSource::Yaml(rest.to_string())),
                    other => Err(ConfigIssue::new(
                        "",
                        format!(
                            "--config {uri:?}: scheme {other:?} is not supported (supported: file, env, yaml)"
                        ),
                    )),
                };
            }
        }
        Ok(ConfigSource::File(PathBuf::from(uri)))
    }

    /// A short name for messages.
    pub fn name(&self) -> String {
        match self {
            ConfigSource::File(p) => p.display().to_string(),
            ConfigSource::Env(v) => format!("env:{v}"),
            ConfigSource::Yaml(_) => "yaml: flag".to_string(),
            ConfigSource::Inline { name, .. } => name.clone(),
        }
    }

    /// Reads the source into a provider.
    pub(crate) fn load(&self) -> Result<YamlSource, ConfigIssue> {
        let name = self.name();
        let text = match self {
            ConfigSource::File(p) => std::fs::read_to_string(p)
                .map_err(|e| ConfigIssue::new("", format!("cannot read config file {}: {e}", p.display())))?,
            ConfigSource::Env(var) => std::env::var(var).map_err(|_| {
                ConfigIssue::new("", format!("--config env:{var}: environment variable is not set"))
            })?,
            ConfigSource::Yaml(y) => y.clone(),
            ConfigSource::Inline { yaml, .. } => yaml.clone(),
        };
        let nested = matches!(self, ConfigSource::Yaml(_));
        YamlSource::parse(name, &text, nested)
    }
}

/// A parsed YAML document, tagged with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct YamlSource {
    name: String,
    dict: Dict,
}

impl YamlSource {
    pub(crate) fn parse(name: String, text: &str, split_colons: bool) -> Result<Self, ConfigIssue> {
        let dict = if text.trim().is_empty() {
            Dict::new()
        } else {
            let value: Value = Yaml::from_str(text).map_err(|e| {
                ConfigIssue::new("", format!("cannot parse YAML: {e}")).with_source(Some(name.clone()))
            })?;
            match value {
                Value::Dict(_, d) => d,
                Value::Empty(..) => Dict::new(),
                _ => {
                    return Err(
                        ConfigIssue::new("", "the config must be a YAML map at the top level")
                            .with_source(Some(name)),
                    );
                }
            }
        };
        let dict = if split_colons { nest_keys(dict) } else { dict };
        Ok(YamlSource { name, dict })
    }

    /// A `--set key.path=value` flag: the value is parsed as YAML.
    pub(crate) fn from_set(flag: &str) -> Result<Self, ConfigIssue> {
        let (key, value) = flag
            .split_once('=')
            .ok_or_else(|| ConfigIssue::new("", format!("--set {flag:?}: expected key=value")))?;
        let sep = if key.contains("::") { "::" } else { "." };
        let parts: Vec<&str> = key.split(sep).collect();
        if parts.iter().any(|p| p.is_empty()) {
            // The key only: the value may be a secret.
            return Err(ConfigIssue::new("", format!("--set {key:?}: empty key segment")));
        }
        let leaf: Value = if value.trim().is_empty() {
            Value::from(String::new())
        } else {
            Yaml::from_str(value).unwrap_or_else(|_| Value::from(value.to_string()))
        };
        let mut v = leaf;
        for p in parts.iter().rev() {
            let mut d = Dict::new();
            d.insert((*p).to_string(), v);
            v = Value::from(d);
        }
        let dict = match v {
            Value::Dict(_, d) => d,
            _ => Dict::new(),
        };
        Ok(YamlSource {
            name: format!("--set {key}"),
            dict,
        })
    }
}

/// Turns `a::b::c: v` keys into nested maps (the `yaml:` provider's syntax).
fn nest_keys(dict: Dict) -> Dict {
    let mut out = Dict::new();
    for (k, v) in dict {
        let v = match v {
            Value::Dict(t, d) => Value::Dict(t, nest_keys(d)),
            other => other,
        };
        let parts: Vec<&str> = k.split("::").collect();
        let mut nested = v;
        for p in parts.iter().skip(1).rev() {
            let mut d = Dict::new();
            d.insert((*p).to_string(), nested);
            nested = Value::from(d);
        }
        let head = parts.first().copied().unwrap_or_default().to_string();
        match (out.remove(&head), nested) {
            (Some(Value::Dict(t, mut a)), Value::Dict(_, b)) => {
                a.extend(b);
                out.insert(head, Value::Dict(t, a));
            }
            (_, n) => {
                out.insert(head, n);
            }
        }
    }
    out
}

impl Provider for YamlSource {
    fn metadata(&self) -> Metadata {
        Metadata::from(self.name.clone(), figment::Source::Custom(self.name.clone()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut m = Map::new();
        m.insert(Profile::Default, self.dict.clone());
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris() {
        assert_eq!(
            ConfigSource::parse("/etc/x.yaml").unwrap(),
            ConfigSource::File("/etc/x.yaml".into())
        );
        assert_eq!(
            ConfigSource::parse("file:x.yaml").unwrap(),
            ConfigSource::File("x.yaml".into())
        );
        assert_eq!(
            ConfigSource::parse("env:CFG").unwrap(),
            ConfigSource::Env("CFG".into())
        );
        assert!(ConfigSource::parse("http://x/y").is_err());
        assert_eq!(
            ConfigSource::parse("c:x").unwrap(),
            ConfigSource::File("c:x".into())
        );
    }

    #[test]
    fn set_builds_nested_map() {
        let s = YamlSource::from_set("processors.batch.timeout=2s").unwrap();
        let v = Value::from(s.dict);
        assert_eq!(
            v.find_ref("processors.batch.timeout").and_then(|v| v.as_str()),
            Some("2s")
        );
        let s = YamlSource::from_set("exporters::otlp/a.b::endpoint=x:1").unwrap();
        assert!(s.dict["exporters"].as_dict().unwrap().contains_key("otlp/a.b"));
        assert!(YamlSource::from_set("novalue").is_err());
    }

    #[test]
    fn yaml_scheme_nests_colons() {
        let s = YamlSource::parse("y".into(), "processors::batch::timeout: 2s", true).unwrap();
        let v = Value::from(s.dict);
        assert_eq!(
            v.find_ref("processors.batch.timeout").and_then(|v| v.as_str()),
            Some("2s")
        );
    }
}
