//! Resolution: read every source, deep-merge them in order (maps merge,
//! lists and scalars replace, `null` replaces), apply `--set`, expand
//! `${...}`, and offer typed extraction of each section with errors that
//! name the source, the key path and what was expected.

use std::collections::BTreeMap;

use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::DeserializeOwned;

use super::error::{ConfigErrors, ConfigIssue, from_figment};
use super::expand::{Lookup, expand};
use super::source::{ConfigSource, YamlSource};

/// Top-level keys of a collector config.
pub const SECTIONS: [&str; 5] = ["receivers", "processors", "exporters", "connectors", "extensions"];
const TOP_LEVEL: [&str; 6] = [
    "receivers",
    "processors",
    "exporters",
    "connectors",
    "extensions",
    "service",
];
const OVERLAY: &str = "__otelcol";

/// A fully resolved config, ready for typed extraction.
#[derive(Debug, Clone)]
pub struct Resolved {
    figment: Figment,
    tree: Dict,
    /// `(section, id as written)` → overlay key used for extraction.
    keys: BTreeMap<(String, String), String>,
    warnings: Vec<String>,
    sources: Vec<String>,
}

/// The overlay provider: the expanded tree, re-keyed so that component ids
/// containing dots can be addressed; values keep their original tags.
struct Overlay(Dict);

impl Provider for Overlay {
    fn metadata(&self) -> Metadata {
        Metadata::named("expanded config")
    }
    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut m = Map::new();
        m.insert(Profile::Default, self.0.clone());
        Ok(m)
    }
}

fn expand_value(
    value: Value,
    path: &str,
    lookup: &dyn Lookup,
    warnings: &mut Vec<String>,
    errors: &mut Vec<ConfigIssue>,
) -> Value {
    match value {
        Value::String(tag, s) if s.contains('$') => match expand(&s, lookup) {
            Ok(e) => {
                warnings.extend(e.warnings.into_iter().map(|w| format!("{path}: {w}")));
                if e.whole_reference {
                    if let Ok(v @ (Value::Dict(..) | Value::Array(..))) =
                        <figment::providers::Yaml as figment::providers::Format>::from_str::<Value>(&e.text)
                    {
                        return v;
                    }
                }
                Value::String(tag, e.text)
            }
            Err(msg) => {
                errors.push(ConfigIssue::new(path, msg));
                Value::String(tag, s)
            }
        },
        Value::Dict(tag, d) => Value::Dict(
            tag,
            d.into_iter()
                .map(|(k, v)| {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}::{k}")
                    };
                    let v = expand_value(v, &p, lookup, warnings, errors);
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(tag, a) => Value::Array(
            tag,
            a.into_iter()
                .enumerate()
                .map(|(i, v)| expand_value(v, &format!("{path}::{i}"), lookup, warnings, errors))
                .collect(),
        ),
        other => other,
    }
}

impl Resolved {
    /// Resolves `sources` (merged in order) and `--set` flags.
    pub fn resolve(
        sources: &[ConfigSource],
        sets: &[String],
        lookup: &dyn Lookup,
    ) -> Result<Self, ConfigErrors> {
        if sources.is_empty() {
            return Err(ConfigIssue::new("", "at least one config flag must be provided").into());
        }
        let mut errors = Vec::new();
        let mut figment = Figment::new();
        for s in sources {
            match s.load() {
                Ok(p) => figment = figment.merge(p),
                Err(e) => errors.push(e),
            }
        }
        for flag in sets {
            match YamlSource::from_set(flag) {
                Ok(p) => figment = figment.merge(p),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let merged = figment
            .data()
            .map_err(|e| ConfigErrors(from_figment(e, "", &[])))?
            .remove(&Profile::Default)
            .unwrap_or_default();

        for key in merged.keys() {
            if !TOP_LEVEL.contains(&key.as_str()) {
                errors.push(ConfigIssue::new(
                    key.as_str(),
                    format!(
                        "unknown top-level key {key:?}, expected one of {}",
                        TOP_LEVEL.join(", ")
                    ),
                ));
            }
        }

        let mut warnings = Vec::new();
        let mut tree = Dict::new();
        for (k, v) in merged {
            let v = expand_value(v, &k, lookup, &mut warnings, &mut errors);
            tree.insert(k, v);
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }

        // Re-key the sections for extraction.
        let mut keys = BTreeMap::new();
        let mut overlay = Dict::new();
        for section in SECTIONS {
            let mut sec = Dict::new();
            if let Some(Value::Dict(_, d)) = tree.get(section) {
                for (i, (id, v)) in d.iter().enumerate() {
                    let k = format!("c{i}");
                    keys.insert((section.to_string(), id.clone()), k.clone());
                    sec.insert(k, v.clone());
                }
            } else if let Some(v) = tree.get(section) {
                if !matches!(v, Value::Empty(..)) {
                    errors.push(ConfigIssue::new(
                        section,
                        "expected a map of component ids to configs",
                    ));
                }
            }
            overlay.insert(section.to_string(), Value::from(sec));
        }
        if let Some(s) = tree.get("service") {
            overlay.insert("service".to_string(), s.clone());
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let mut wrapper = Dict::new();
        wrapper.insert(OVERLAY.to_string(), Value::from(overlay));
        let figment = figment.merge(Overlay(wrapper));
        Ok(Resolved {
            figment,
            tree,
            keys,
            warnings,
            sources: sources.iter().map(ConfigSource::name).collect(),
        })
    }

    /// Warnings found while resolving (unset environment variables).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Names of the sources, in merge order.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The expanded config tree.
    pub fn tree(&self) -> &Dict {
        &self.tree
    }

    /// Component ids (as written) of a section, with whether their value is empty.
    pub fn component_ids(&self, section: &str) -> Vec<String> {
        match self.tree.get(section) {
            Some(Value::Dict(_, d)) => d.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// Extracts the config of component `id` in `section` as `T`. An empty
    /// (null) value gives `T::default()`. Strings from `${...}` are read as
    /// numbers or booleans where `T` wants those.
    pub fn extract_component<T: DeserializeOwned + Default>(
        &self,
        section: &str,
        id: &str,
    ) -> Result<T, Vec<ConfigIssue>> {
        let prefix = format!("{section}::{id}");
        let Some(key) = self.keys.get(&(section.to_string(), id.to_string())) else {
            return Err(vec![ConfigIssue::new(prefix, "not configured")]);
        };
        let raw = match self.tree.get(section) {
            Some(Value::Dict(_, d)) => d.get(id),
            _ => None,
        };
        if matches!(raw, None | Some(Value::Empty(..))) {
            return Ok(T::default());
        }
        let lookup = [OVERLAY, section, key.as_str()];
        otelcol_confmap::extract(&self.figment, &lookup, &prefix, self.source_of(section, id))
    }

    /// The source (file) that provided the config of component `id` in `section`.
    pub fn source_of(&self, section: &str, id: &str) -> Option<String> {
        let key = self.keys.get(&(section.to_string(), id.to_string()))?;
        let meta = self
            .figment
            .find_metadata(&format!("{OVERLAY}.{section}.{key}"))?;
        meta.source.as_ref().map(|s| s.to_string())
    }

    /// Extracts the `service` section (defaults when absent).
    pub fn extract_service<T: DeserializeOwned + Default>(&self) -> Result<T, Vec<ConfigIssue>> {
        if matches!(self.tree.get("service"), None | Some(Value::Empty(..))) {
            return Ok(T::default());
        }
        self.figment
            .extract_inner_lossy::<T>(&format!("{OVERLAY}.service"))
            .map_err(|e| from_figment(e, "service", &[OVERLAY, "service"]))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn inline(name: &str, yaml: &str) -> ConfigSource {
        ConfigSource::Inline {
            name: name.into(),
            yaml: yaml.into(),
        }
    }

    fn env() -> HashMap<String, String> {
        [
            ("PORT".to_string(), "0123".to_string()),
            ("ADDR".to_string(), "0.0.0.0:4318".to_string()),
        ]
        .into()
    }

    #[derive(serde::Deserialize, Default, Debug, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Cfg {
        endpoint: String,
        size: u32,
        name: String,
        list: Vec<String>,
        nested: BTreeMap<String, String>,
    }

    #[test]
    fn maps_merge_and_lists_replace() {
        let a = inline(
            "a.yaml",
            "receivers:\n  r:\n    endpoint: a\n    size: 1\n    list: [x, y]\n    nested: {k1: v1}\n",
        );
        let b = inline(
            "b.yaml",
            "receivers:\n  r:\n    size: 2\n    list: [z]\n    nested: {k2: v2}\n",
        );
        let r = Resolved::resolve(&[a, b], &[], &env()).unwrap();
        let c: Cfg = r.extract_component("receivers", "r").unwrap();
        assert_eq!(c.endpoint, "a");
        assert_eq!(c.size, 2);
        assert_eq!(c.list, vec!["z"]);
        assert_eq!(c.nested.len(), 2);
    }

    #[test]
    fn null_replaces_and_empty_means_default() {
        let a = inline("a.yaml", "processors:\n  p:\n    size: 3\n");
        let b = inline("b.yaml", "processors:\n  p:\n");
        let r = Resolved::resolve(&[a, b], &[], &env()).unwrap();
        let c: Cfg = r.extract_component("processors", "p").unwrap();
        assert_eq!(c, Cfg::default());
    }

    #[test]
    fn set_flags_apply_last() {
        let a = inline("a.yaml", "exporters:\n  e:\n    size: 3\n");
        let r = Resolved::resolve(
            &[a],
            &["exporters.e.size=9".into(), "exporters::e::name=n".into()],
            &env(),
        )
        .unwrap();
        let c: Cfg = r.extract_component("exporters", "e").unwrap();
        assert_eq!((c.size, c.name.as_str()), (9, "n"));
    }

    #[test]
    fn expansion_keeps_string_form_for_strings() {
        let a = inline(
            "a.yaml",
            "receivers:\n  otlp/x.y:\n    size: ${env:PORT}\n    name: ${PORT}\n    endpoint: ${env:NOPE:-${ADDR}}\n",
        );
        let r = Resolved::resolve(&[a], &[], &env()).unwrap();
        let c: Cfg = r.extract_component("receivers", "otlp/x.y").unwrap();
        assert_eq!(c.size, 123);
        assert_eq!(c.name, "0123");
        assert_eq!(c.endpoint, "0.0.0.0:4318");
    }

    #[test]
    fn unknown_key_names_file_and_path() {
        let a = inline("first.yaml", "processors:\n  batch/2:\n    size: 1\n");
        let b = inline("second.yaml", "processors:\n  batch/2:\n    sise: 1\n");
        let r = Resolved::resolve(&[a, b], &[], &env()).unwrap();
        let errs = r.extract_component::<Cfg>("processors", "batch/2").unwrap_err();
        assert_eq!(errs.len(), 1);
        let msg = errs[0].to_string();
        assert!(
            msg.starts_with("processors::batch/2::sise: unknown field \"sise\", expected one of"),
            "{msg}"
        );
    }

    #[derive(serde::Deserialize, Default, Debug, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Outer {
        inner: Cfg,
        size: u32,
    }

    #[test]
    fn every_unknown_field_is_reported_at_once() {
        let a = inline(
            "u.yaml",
            "processors:\n  p:\n    sise: 1\n    inner:\n      endpoin: x\n      nme: y\n    colour: red\n    size: 2\n",
        );
        let r = Resolved::resolve(&[a], &[], &env()).unwrap();
        let errs = r.extract_component::<Outer>("processors", "p").unwrap_err();
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(errs.len(), 4, "{errs:?}");
        for p in [
            "processors::p::sise",
            "processors::p::colour",
            "processors::p::inner::endpoin",
            "processors::p::inner::nme",
        ] {
            assert!(paths.contains(&p), "{p} in {paths:?}");
        }
        assert!(
            errs.iter().all(|e| e.message.starts_with("unknown field")),
            "{errs:?}"
        );
        assert!(
            errs.iter().all(|e| e.source.as_deref() == Some("u.yaml")),
            "{errs:?}"
        );
    }

    #[test]
    fn wrong_type_names_path_and_expectation() {
        let a = inline("c.yaml", "receivers:\n  r:\n    size: [1]\n");
        let r = Resolved::resolve(&[a], &[], &env()).unwrap();
        let errs = r.extract_component::<Cfg>("receivers", "r").unwrap_err();
        let msg = errs[0].to_string();
        assert!(msg.contains("receivers::r::size"), "{msg}");
        assert!(msg.contains("expected u32"), "{msg}");
        assert!(msg.contains("c.yaml"), "{msg}");
    }

    #[test]
    fn unknown_top_level_key_and_bad_expansion_are_errors() {
        let a = inline("a.yaml", "recievers: {}\nexporters:\n  e:\n    name: ${X:-y}\n");
        let errs = Resolved::resolve(&[a], &[], &env()).unwrap_err();
        assert_eq!(errs.0.len(), 2, "{errs}");
        assert!(errs.to_string().contains("unknown top-level key \"recievers\""));
        assert!(errs.to_string().contains("exporters::e::name"));
    }

    #[test]
    fn dollar_dollar_is_literal() {
        let a = inline("a.yaml", "exporters:\n  e:\n    name: pa$$word\n");
        let r = Resolved::resolve(&[a], &[], &env()).unwrap();
        let c: Cfg = r.extract_component("exporters", "e").unwrap();
        assert_eq!(c.name, "pa$word");
    }
}
