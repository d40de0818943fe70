//! Identifiers: component types, component ids (`type[/name]`), signals and
//! pipeline ids (`signal[/name]`), parsed and validated as the Go collector does.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) use otelcol_pdata::Signal;

/// The kind of a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Receives data from outside and hands it to pipelines.
    Receiver,
    /// Transforms data inside a pipeline.
    Processor,
    /// Sends data out of the collector.
    Exporter,
    /// Joins pipelines (exporter in one, receiver in another).
    Connector,
    /// Provides services outside pipelines (health, storage, auth).
    Extension,
}

impl Kind {
    /// The singular lower-case name (`receiver`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Receiver => "receiver",
            Kind::Processor => "processor",
            Kind::Exporter => "exporter",
            Kind::Connector => "connector",
            Kind::Extension => "extension",
        }
    }

    /// The plural name of the config section (`receivers`).
    pub fn section(self) -> &'static str {
        match self {
            Kind::Receiver => "receivers",
            Kind::Processor => "processors",
            Kind::Exporter => "exporters",
            Kind::Connector => "connectors",
            Kind::Extension => "extensions",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an id failed to parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The type part is empty or does not match `^[a-zA-Z][0-9a-zA-Z_]{0,62}$`.
    #[error("invalid character(s) in type {0:?}: type must match ^[a-zA-Z][0-9a-zA-Z_]{{0,62}}$")]
    InvalidType(String),
    /// The name part is empty, too long or has whitespace, control or symbol characters.
    #[error(
        "invalid character(s) in name {0:?}: name must be 1 to 1024 characters without whitespace, control or symbol characters"
    )]
    InvalidName(String),
    /// The signal of a pipeline id is not `traces`, `metrics` or `logs`.
    #[error("unknown signal {0:?}: expected traces, metrics or logs")]
    UnknownSignal(String),
}

impl From<otelcol_pdata::UnknownSignal> for IdError {
    fn from(e: otelcol_pdata::UnknownSignal) -> Self {
        IdError::UnknownSignal(e.0)
    }
}

/// A component type such as `otlp` or `batch`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentType(String);

impl ComponentType {
    /// Validates `s` against the Go collector's type rule.
    pub fn new(s: &str) -> Result<Self, IdError> {
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if first_ok && rest_ok && s.len() <= 63 {
            Ok(ComponentType(s.to_string()))
        } else {
            Err(IdError::InvalidType(s.to_string()))
        }
    }

    /// The type as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ComponentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn validate_name(name: &str) -> Result<(), IdError> {
    // The Go rule is ^[^\pZ\pC\pS]+$: no separators, control/format characters
    // or symbols. We check whitespace, control characters and the ASCII symbols.
    let bad = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
    };
    let len = name.chars().count();
    if len == 0 || len > 1024 || name.chars().any(bad) {
        return Err(IdError::InvalidName(name.to_string()));
    }
    Ok(())
}

/// A component id, `type[/name]`, as used for keys in `receivers:` and friends.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentId {
    ty: ComponentType,
    name: Option<String>,
}

impl ComponentId {
    /// An id with only a type.
    pub fn new(ty: ComponentType) -> Self {
        ComponentId { ty, name: None }
    }

    /// An id with a type and a name.
    pub fn with_name(ty: ComponentType, name: &str) -> Result<Self, IdError> {
        validate_name(name)?;
        Ok(ComponentId {
            ty,
            name: Some(name.to_string()),
        })
    }

    /// The type part.
    pub fn component_type(&self) -> &ComponentType {
        &self.ty
    }

    /// The name part, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The same name with another type (used to resolve deprecated aliases).
    pub fn with_type(&self, ty: ComponentType) -> Self {
        ComponentId {
            ty,
            name: self.name.clone(),
        }
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}/{}", self.ty, n),
            None => write!(f, "{}", self.ty),
        }
    }
}

impl FromStr for ComponentId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s.split_once('/') {
            Some((t, n)) => ComponentId::with_name(ComponentType::new(t.trim())?, n.trim()),
            None => Ok(ComponentId::new(ComponentType::new(s)?)),
        }
    }
}

impl Serialize for ComponentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ComponentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A pipeline id, `signal[/name]` (`traces`, `metrics/prom`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PipelineId {
    signal: Signal,
    name: Option<String>,
}

impl PipelineId {
    /// A pipeline id for `signal` with an optional name.
    pub fn new(signal: Signal, name: Option<&str>) -> Result<Self, IdError> {
        if let Some(n) = name {
            validate_name(n)?;
        }
        Ok(PipelineId {
            signal,
            name: name.map(str::to_string),
        })
    }

    /// The signal this pipeline carries.
    pub fn signal(&self) -> Signal {
        self.signal
    }

    /// The name part, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Display for PipelineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}/{}", self.signal, n),
            None => write!(f, "{}", self.signal),
        }
    }
}

impl FromStr for PipelineId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s.split_once('/') {
            Some((sig, n)) => PipelineId::new(sig.trim().parse()?, Some(n.trim())),
            None => PipelineId::new(s.parse()?, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_type_and_name() {
        let id: ComponentId = "otlp/in.2".parse().unwrap();
        assert_eq!(id.component_type().as_str(), "otlp");
        assert_eq!(id.name(), Some("in.2"));
        assert_eq!(id.to_string(), "otlp/in.2");
        let id: ComponentId = "batch".parse().unwrap();
        assert_eq!(id.name(), None);
        assert_eq!(id.to_string(), "batch");
    }

    #[test]
    fn name_may_contain_a_slash() {
        let id: ComponentId = "otlp/a/b".parse().unwrap();
        assert_eq!(id.name(), Some("a/b"));
    }

    #[test]
    fn rejects_bad_types_and_names() {
        assert!(matches!(
            "1otlp".parse::<ComponentId>(),
            Err(IdError::InvalidType(_))
        ));
        assert!(matches!("".parse::<ComponentId>(), Err(IdError::InvalidType(_))));
        assert!(matches!(
            "ot-lp".parse::<ComponentId>(),
            Err(IdError::InvalidType(_))
        ));
        assert!(matches!(
            "otlp/".parse::<ComponentId>(),
            Err(IdError::InvalidName(_))
        ));
        assert!(matches!(
            "otlp/a b".parse::<ComponentId>(),
            Err(IdError::InvalidName(_))
        ));
        assert!(matches!(
            "otlp/a$b".parse::<ComponentId>(),
            Err(IdError::InvalidName(_))
        ));
        let long = "a".repeat(64);
        assert!(ComponentType::new(&long).is_err());
        assert!(ComponentType::new(&long[..63]).is_ok());
        let name = format!("otlp/{}", "n".repeat(1025));
        assert!(name.parse::<ComponentId>().is_err());
    }

    #[test]
    fn parses_pipeline_ids() {
        let p: PipelineId = "traces/foo".parse().unwrap();
        assert_eq!(p.signal(), Signal::Traces);
        assert_eq!(p.name(), Some("foo"));
        assert_eq!(p.to_string(), "traces/foo");
        let p: PipelineId = "logs".parse().unwrap();
        assert_eq!(p.signal(), Signal::Logs);
        assert!(matches!(
            "spans".parse::<PipelineId>(),
            Err(IdError::UnknownSignal(_))
        ));
        assert!("metrics/".parse::<PipelineId>().is_err());
    }
}
