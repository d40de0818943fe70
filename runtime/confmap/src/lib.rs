//! # otelcol-confmap
//!
//! The one way otelcol-rs decodes a component's config (Go: `confmap`).
//! The service extracts every component's section through [`extract`], and
//! the test kit's `parse_config` goes through [`decode_yaml`], which calls the
//! same function, so a test parses a config exactly as the collector does:
//!
//! - an empty (null) value means the type's `Default`;
//! - strings are read as numbers or booleans where the type wants those
//!   (figment's lossy extraction: `${env:PORT}` expands to a string);
//! - unknown keys are refused, and **every** unknown key is reported at
//!   once, each as a [`ConfigIssue`] naming its `::`-separated key path and,
//!   when known, the file it came from.

#![forbid(unsafe_code)]

mod error;

use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::DeserializeOwned;

pub use error::{ConfigErrors, ConfigIssue, from_figment};
pub use figment;

/// A figment provider of an already built tree (the default profile).
#[derive(Debug, Clone)]
pub struct Tree {
    name: String,
    dict: Dict,
}

impl Tree {
    /// A provider serving `dict`, named `name` in figment's metadata.
    pub fn new(name: impl Into<String>, dict: Dict) -> Self {
        Tree {
            name: name.into(),
            dict,
        }
    }
}

impl Provider for Tree {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }
    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut m = Map::new();
        m.insert(Profile::Default, self.dict.clone());
        Ok(m)
    }
}

/// At most this many unknown fields of one component are reported.
const MAX_UNKNOWN_FIELDS: usize = 64;

/// Extracts the value at `lookup` (a key path into `figment`, one key per
/// element) as `T`, lossily. On failure every problem is reported: serde
/// stops at the first unknown field, so each one found is dropped and the
/// value decoded again. Issue paths are `prefix::path::inside::value`;
/// issues after the first carry `source` (figment attributes the first).
///
/// The caller decides what an absent or empty value means (the service and
/// [`decode_yaml`] give `T::default()`).
pub fn extract<T: DeserializeOwned>(
    figment: &Figment,
    lookup: &[&str],
    prefix: &str,
    source: Option<String>,
) -> Result<T, Vec<ConfigIssue>> {
    let path = lookup.join(".");
    let first = match figment.extract_inner_lossy::<T>(&path) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let Some(mut value) = figment.find_value(&path).ok() else {
        return Err(from_figment(first, prefix, lookup));
    };
    let mut issues = Vec::new();
    let mut err = first;
    for round in 0..MAX_UNKNOWN_FIELDS {
        let unknown = unknown_field_path(&err, lookup);
        let mut found = from_figment(err, prefix, lookup);
        if round > 0 {
            for i in &mut found {
                i.source = source.clone();
            }
        }
        issues.append(&mut found);
        let Some(field_path) = unknown else {
            return Err(issues);
        };
        if !remove_path(&mut value, &field_path) {
            return Err(issues);
        }
        let mut nested = value.clone();
        for key in lookup.iter().rev() {
            let mut d = Dict::new();
            d.insert((*key).to_string(), nested);
            nested = Value::from(d);
        }
        let Value::Dict(_, top) = nested else {
            return Err(issues);
        };
        match Figment::from(Tree::new("config", top)).extract_inner_lossy::<T>(&path) {
            // Only unknown fields were wrong.
            Ok(_) => return Err(issues),
            Err(e) => err = e,
        }
    }
    Err(issues)
}

/// Decodes one component's config from YAML through [`extract`], as the
/// service decodes the component's section of a collector config: empty or
/// null YAML gives `T::default()`; issue paths start with `prefix`
/// (`processors::batch`, or empty).
pub fn decode_yaml<T: DeserializeOwned + Default>(yaml: &str, prefix: &str) -> Result<T, Vec<ConfigIssue>> {
    const KEY: &str = "component";
    let value = <figment::providers::Yaml as figment::providers::Format>::from_str::<Value>(yaml)
        .map_err(|e| vec![ConfigIssue::new(prefix, format!("invalid YAML: {e}"))])?;
    if matches!(value, Value::Empty(..)) {
        return Ok(T::default());
    }
    let mut top = Dict::new();
    top.insert(KEY.to_string(), value);
    extract(&Figment::from(Tree::new("yaml", top)), &[KEY], prefix, None)
}

/// The key path (inside the extracted value, ending with the field) of the
/// first error if it is an unknown field.
fn unknown_field_path(err: &figment::Error, lookup: &[&str]) -> Option<Vec<String>> {
    let e = err.clone().into_iter().next()?;
    let figment::error::Kind::UnknownField(field, _) = &e.kind else {
        return None;
    };
    let mut path = e.path.clone();
    let n = lookup.len();
    if path.len() >= n {
        if path[path.len() - n..].iter().zip(lookup).all(|(a, b)| a == b) {
            path.truncate(path.len() - n);
        } else if path[..n].iter().zip(lookup).all(|(a, b)| a == b) {
            path.drain(..n);
        }
    }
    if path.last() != Some(field) {
        path.push(field.clone());
    }
    Some(path)
}

/// Removes the key at `path` from a value tree; whether it was there.
fn remove_path(v: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut cur = v;
    for p in parents {
        cur = match cur {
            Value::Dict(_, d) => match d.get_mut(p) {
                Some(next) => next,
                None => return false,
            },
            _ => return false,
        };
    }
    match cur {
        Value::Dict(_, d) => d.remove(last).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Inner {
        size: u32,
    }

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Cfg {
        name: String,
        port: u16,
        on: bool,
        inner: Inner,
    }

    #[test]
    fn empty_is_default_and_strings_read_lossily() {
        assert_eq!(decode_yaml::<Cfg>("", "x").unwrap(), Cfg::default());
        assert_eq!(decode_yaml::<Cfg>("~", "x").unwrap(), Cfg::default());
        let c: Cfg = decode_yaml("name: a\nport: \"4317\"\non: \"true\"\ninner: {size: 3}", "").unwrap();
        assert_eq!(
            c,
            Cfg {
                name: "a".into(),
                port: 4317,
                on: true,
                inner: Inner { size: 3 }
            }
        );
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_path() {
        let err = decode_yaml::<Cfg>("bogus: 1\ninner: {sise: 2}\nport: 5", "processors::x").unwrap_err();
        let paths: Vec<&str> = err.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            ["processors::x::bogus", "processors::x::inner::sise"],
            "{err:?}"
        );
        assert!(err[0].message.contains("unknown field \"bogus\""), "{}", err[0]);
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = decode_yaml::<Cfg>("port: many", "").unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].path, "port");
    }

    #[test]
    fn invalid_yaml_is_an_issue() {
        assert!(decode_yaml::<Cfg>("port: [", "p").is_err());
    }
}
