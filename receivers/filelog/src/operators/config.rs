//! Operator configs, as Go's stanza reads them from `operators:` (each a
//! map with a `type`), parsed from the raw config so that errors name
//! their path (`operators::2::timestamp::layout`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::bytesize::ByteSize;
use crate::severity::SeverityConfig;
use crate::timeparse::TimeConfig;

/// `output`: one operator id or a list of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outputs {
    /// Not set: the next operator in the list.
    #[default]
    None,
    /// One id.
    One(String),
    /// Several ids: the entry is copied to each.
    Many(Vec<String>),
}

impl Outputs {
    /// The ids, empty when not set.
    pub fn ids(&self) -> Vec<String> {
        match self {
            Outputs::None => Vec::new(),
            Outputs::One(s) => vec![s.clone()],
            Outputs::Many(v) => v.clone(),
        }
    }

    fn is_none(&self) -> bool {
        matches!(self, Outputs::None)
    }
}

/// What an operator does with an entry it fails to process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Pass it on unchanged (logged at error level). The default.
    #[default]
    Send,
    /// Pass it on, logging at debug level.
    SendQuiet,
    /// Drop it (logged at error level, counted).
    Drop,
    /// Drop it, logging at debug level.
    DropQuiet,
}

impl OnError {
    /// Whether the entry continues.
    pub fn sends(self) -> bool {
        matches!(self, OnError::Send | OnError::SendQuiet)
    }
    /// Whether the error is logged at debug level only.
    pub fn quiet(self) -> bool {
        matches!(self, OnError::SendQuiet | OnError::DropQuiet)
    }
}

/// Settings every transforming operator has (Go's `TransformerConfig`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Common {
    /// The operator's id (default: its type).
    pub id: Option<String>,
    /// Where entries go (default: the next operator).
    pub output: Outputs,
    /// `send` (default), `send_quiet`, `drop`, `drop_quiet`.
    pub on_error: OnError,
    /// Process only entries for which this expression is true; pass the rest on.
    pub if_expr: Option<String>,
}

/// Declares an operator config struct with the common settings (`id`,
/// `output`, `on_error`, `if`) before its own fields. (serde's `flatten`
/// cannot be combined with `deny_unknown_fields`.)
macro_rules! operator_config {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// The operator's id (default: its type).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub id: Option<String>,
            /// Where entries go (default: the next operator).
            #[serde(skip_serializing_if = "Outputs::is_none")]
            pub output: Outputs,
            /// `send` (default), `send_quiet`, `drop`, `drop_quiet`.
            pub on_error: OnError,
            /// Process only entries for which this expression is true; pass the rest on.
            #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
            pub if_expr: Option<String>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// The common settings.
            pub fn common(&self) -> Common {
                Common {
                    id: self.id.clone(),
                    output: self.output.clone(),
                    on_error: self.on_error,
                    if_expr: self.if_expr.clone(),
                }
            }
        }
    };
}

/// Settings of the complex parsers (`json_parser`, `regex_parser`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParserCommon {
    /// The field parsed (default `body`).
    pub parse_from: Option<String>,
    /// Where the parsed map goes (default `attributes`).
    pub parse_to: Option<String>,
    /// A field whose value becomes the body after parsing.
    pub body: Option<String>,
    /// Embedded timestamp parsing.
    pub timestamp: Option<TimeConfig>,
    /// Embedded severity parsing.
    pub severity: Option<SeverityConfig>,
}

/// Declares a complex parser's config: the common settings, the parser
/// settings (`parse_from`, `parse_to`, `body`, `timestamp`, `severity`),
/// then its own fields.
macro_rules! parser_config {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        operator_config! {
            $(#[$meta])*
            pub struct $name {
                /// The field parsed (default `body`).
                #[serde(skip_serializing_if = "Option::is_none")]
                pub parse_from: Option<String>,
                /// Where the parsed map goes (default `attributes`).
                #[serde(skip_serializing_if = "Option::is_none")]
                pub parse_to: Option<String>,
                /// A field whose value becomes the body after parsing.
                #[serde(skip_serializing_if = "Option::is_none")]
                pub body: Option<String>,
                /// Embedded timestamp parsing.
                #[serde(skip_serializing_if = "Option::is_none")]
                pub timestamp: Option<TimeConfig>,
                /// Embedded severity parsing.
                #[serde(skip_serializing_if = "Option::is_none")]
                pub severity: Option<SeverityConfig>,
                $($(#[$fmeta])* pub $field: $ty,)*
            }
        }

        impl $name {
            /// The parser settings.
            pub fn parser(&self) -> ParserCommon {
                ParserCommon {
                    parse_from: self.parse_from.clone(),
                    parse_to: self.parse_to.clone(),
                    body: self.body.clone(),
                    timestamp: self.timestamp.clone(),
                    severity: self.severity.clone(),
                }
            }
        }
    };
}

parser_config! {
    /// `json_parser`.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct JsonParserConfig {
        /// Keep integers as integers (default: every number is a double, as in Go).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        pub parse_ints: bool,
    }
}

/// The regex cache block (accepted; matching is not cached).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Go's cache size.
    pub size: u64,
}

parser_config! {
    /// `regex_parser`.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct RegexParserConfig {
        /// The pattern; its named groups become fields.
        pub regex: String,
        /// Go's match cache (accepted, not used).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub cache: Option<CacheConfig>,
    }
}

operator_config! {
    /// `severity_parser`.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct SeverityParserConfig {
        /// The field holding the severity (required).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub parse_from: Option<String>,
        /// `default` (the default), `otel` or `none`.
        #[serde(skip_serializing_if = "String::is_empty")]
        pub preset: String,
        /// Level alias → values.
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        pub mapping: BTreeMap<String, serde_json::Value>,
        /// Set the severity text to the level's short name.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        pub overwrite_text: bool,
    }
}

impl SeverityParserConfig {
    /// The severity settings.
    pub fn severity(&self) -> SeverityConfig {
        SeverityConfig {
            parse_from: self.parse_from.clone(),
            preset: self.preset.clone(),
            mapping: self.mapping.clone(),
            overwrite_text: self.overwrite_text,
        }
    }
}

operator_config! {
    /// `time_parser`.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct TimeParserConfig {
        /// The field holding the time (required).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub parse_from: Option<String>,
        /// `strptime` (default), `gotime` or `epoch`.
        #[serde(skip_serializing_if = "String::is_empty")]
        pub layout_type: String,
        /// The layout (required).
        #[serde(skip_serializing_if = "String::is_empty")]
        pub layout: String,
        /// The zone of times without one (default `Local`).
        #[serde(skip_serializing_if = "String::is_empty")]
        pub location: String,
    }
}

impl TimeParserConfig {
    /// The time settings.
    pub fn time(&self) -> TimeConfig {
        TimeConfig {
            parse_from: self.parse_from.clone(),
            layout_type: self.layout_type.clone(),
            layout: self.layout.clone(),
            location: self.location.clone(),
        }
    }
}

operator_config! {
    /// `move` and `copy`.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct FromToConfig {
        /// The source field (required).
        pub from: String,
        /// The destination field (required).
        pub to: String,
    }
}

operator_config! {
    /// `add`.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct AddConfig {
        /// The field set (required).
        pub field: String,
        /// The value (required; `EXPR(...)` values are not supported).
        pub value: serde_json::Value,
    }
}

operator_config! {
    /// `remove`.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct RemoveConfig {
        /// The field removed (required; may be `attributes` or `resource`).
        pub field: String,
    }
}

/// One route of a `router`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouteConfig {
    /// Where matching entries go (required).
    pub output: Outputs,
    /// The condition (required).
    pub expr: String,
    /// Attributes added to matching entries.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// `router`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterConfig {
    /// The operator's id (default `router`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The routes, tried in order; the first match wins.
    pub routes: Vec<RouteConfig>,
    /// Where entries matching no route go (default: dropped).
    #[serde(skip_serializing_if = "Outputs::is_none")]
    pub default: Outputs,
}

operator_config! {
    /// `recombine`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct RecombineConfig {
        /// The field combined (required).
        pub combine_field: String,
        /// Put between combined values (default `"\n"`).
        pub combine_with: String,
        /// An entry matching this starts a new combined entry.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub is_first_entry: Option<String>,
        /// An entry matching this ends the combined entry.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub is_last_entry: Option<String>,
        /// At most this many entries are combined (default 1000).
        pub max_batch_size: usize,
        /// Entries combined before any match (default 100, 0: no limit).
        pub max_unmatched_batch_size: usize,
        /// `oldest` (default) or `newest`: whose other fields the combined entry keeps.
        pub overwrite_with: String,
        /// Flush a combined entry this long after its first part (default 5s).
        #[serde(with = "otelcol_component::duration")]
        pub force_flush_period: Duration,
        /// The field telling sources apart (default `attributes["log.file.path"]`).
        pub source_identifier: String,
        /// At most this many sources are tracked (default 1000).
        pub max_sources: usize,
        /// Flush once the combined field is larger than this (default 0: no limit).
        pub max_log_size: ByteSize,
    }
}

impl Default for RecombineConfig {
    fn default() -> Self {
        RecombineConfig {
            id: None,
            output: Outputs::None,
            on_error: OnError::Send,
            if_expr: None,
            combine_field: String::new(),
            combine_with: "\n".into(),
            is_first_entry: None,
            is_last_entry: None,
            max_batch_size: 1000,
            max_unmatched_batch_size: 100,
            overwrite_with: "oldest".into(),
            force_flush_period: Duration::from_secs(5),
            source_identifier: "attributes[\"log.file.path\"]".into(),
            max_sources: 1000,
            max_log_size: ByteSize(0),
        }
    }
}

/// `noop`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoopConfig {
    /// The operator's id (default `noop`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where entries go.
    #[serde(skip_serializing_if = "Outputs::is_none")]
    pub output: Outputs,
}

/// One operator's config.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum OperatorConfig {
    JsonParser(JsonParserConfig),
    RegexParser(RegexParserConfig),
    SeverityParser(SeverityParserConfig),
    TimeParser(TimeParserConfig),
    Move(FromToConfig),
    Copy(FromToConfig),
    Add(AddConfig),
    Remove(RemoveConfig),
    Router(RouterConfig),
    Recombine(RecombineConfig),
    Noop(NoopConfig),
}

/// The operator types this build supports.
pub const SUPPORTED_TYPES: &[&str] = &[
    "json_parser",
    "regex_parser",
    "severity_parser",
    "time_parser",
    "move",
    "copy",
    "add",
    "remove",
    "router",
    "recombine",
    "noop",
];

/// Keys of Go's operators this build knows but does not implement.
const UNSUPPORTED_KEYS: &[(&str, &str)] = &[
    ("trace", "embedded trace parsing is not supported"),
    ("scope_name", "embedded scope name parsing is not supported"),
    ("preserve_to", "`preserve_to` was removed from Go's stanza"),
];

/// A config error at a path below `operators`.
pub type PathError = (String, String);

impl OperatorConfig {
    /// Parses operator `index` from its raw config.
    pub fn from_value(index: usize, raw: &serde_json::Value) -> Result<OperatorConfig, PathError> {
        let at = |sub: &str| {
            if sub.is_empty() {
                format!("operators::{index}")
            } else {
                format!("operators::{index}::{sub}")
            }
        };
        let serde_json::Value::Object(map) = raw else {
            return Err((at(""), "an operator is a map with a `type`".into()));
        };
        let Some(ty) = map.get("type") else {
            return Err((at("type"), "missing required field".into()));
        };
        let Some(ty) = ty.as_str() else {
            return Err((at("type"), "must be a string".into()));
        };
        let mut rest = map.clone();
        rest.remove("type");
        for (key, why) in UNSUPPORTED_KEYS {
            if rest.contains_key(*key) {
                return Err((at(key), format!("{why} by this build")));
            }
        }
        let rest = serde_json::Value::Object(rest);
        fn typed<T: DeserializeOwned>(v: &serde_json::Value) -> Result<T, String> {
            T::deserialize(v).map_err(|e| e.to_string())
        }
        let parsed = match ty {
            "json_parser" => typed(&rest).map(OperatorConfig::JsonParser),
            "regex_parser" => typed(&rest).map(OperatorConfig::RegexParser),
            "severity_parser" => typed(&rest).map(OperatorConfig::SeverityParser),
            "time_parser" => typed(&rest).map(OperatorConfig::TimeParser),
            "move" => typed(&rest).map(OperatorConfig::Move),
            "copy" => typed(&rest).map(OperatorConfig::Copy),
            "add" => typed(&rest).map(OperatorConfig::Add),
            "remove" => typed(&rest).map(OperatorConfig::Remove),
            "router" => typed(&rest).map(OperatorConfig::Router),
            "recombine" => typed(&rest).map(OperatorConfig::Recombine),
            "noop" => typed(&rest).map(OperatorConfig::Noop),
            other => {
                return Err((
                    at("type"),
                    format!(
                        "unsupported operator type {other:?} (this build supports {})",
                        SUPPORTED_TYPES.join(", ")
                    ),
                ));
            }
        };
        parsed.map_err(|e| {
            // Name the key an unknown-field error is about.
            let path = unknown_field(&e)
                .and_then(|k| key_path(&rest, &k))
                .unwrap_or_default();
            (at(&path), format!("{ty}: {e}"))
        })
    }

    /// The operator's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            OperatorConfig::JsonParser(_) => "json_parser",
            OperatorConfig::RegexParser(_) => "regex_parser",
            OperatorConfig::SeverityParser(_) => "severity_parser",
            OperatorConfig::TimeParser(_) => "time_parser",
            OperatorConfig::Move(_) => "move",
            OperatorConfig::Copy(_) => "copy",
            OperatorConfig::Add(_) => "add",
            OperatorConfig::Remove(_) => "remove",
            OperatorConfig::Router(_) => "router",
            OperatorConfig::Recombine(_) => "recombine",
            OperatorConfig::Noop(_) => "noop",
        }
    }

    /// The operator's id: `id`, else its type.
    pub fn id(&self) -> String {
        let id = match self {
            OperatorConfig::JsonParser(c) => &c.id,
            OperatorConfig::RegexParser(c) => &c.id,
            OperatorConfig::SeverityParser(c) => &c.id,
            OperatorConfig::TimeParser(c) => &c.id,
            OperatorConfig::Move(c) | OperatorConfig::Copy(c) => &c.id,
            OperatorConfig::Add(c) => &c.id,
            OperatorConfig::Remove(c) => &c.id,
            OperatorConfig::Router(c) => &c.id,
            OperatorConfig::Recombine(c) => &c.id,
            OperatorConfig::Noop(c) => &c.id,
        };
        id.clone().unwrap_or_else(|| self.type_name().to_string())
    }

    /// The common settings, for operators that have them.
    pub fn common(&self) -> Option<Common> {
        match self {
            OperatorConfig::JsonParser(c) => Some(c.common()),
            OperatorConfig::RegexParser(c) => Some(c.common()),
            OperatorConfig::SeverityParser(c) => Some(c.common()),
            OperatorConfig::TimeParser(c) => Some(c.common()),
            OperatorConfig::Move(c) | OperatorConfig::Copy(c) => Some(c.common()),
            OperatorConfig::Add(c) => Some(c.common()),
            OperatorConfig::Remove(c) => Some(c.common()),
            OperatorConfig::Recombine(c) => Some(c.common()),
            OperatorConfig::Router(_) | OperatorConfig::Noop(_) => None,
        }
    }

    /// The explicit `output` ids (router: none; its routes say).
    pub fn output_ids(&self) -> Vec<String> {
        match self {
            OperatorConfig::Router(_) => Vec::new(),
            OperatorConfig::Noop(c) => c.output.ids(),
            other => other.common().map(|c| c.output.ids()).unwrap_or_default(),
        }
    }
}

/// The key named by serde's "unknown field `x`" message.
fn unknown_field(msg: &str) -> Option<String> {
    let rest = msg.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_string())
}

/// The `::`-path of the first map (depth first) holding `key`.
fn key_path(v: &serde_json::Value, key: &str) -> Option<String> {
    match v {
        serde_json::Value::Object(m) => {
            if m.contains_key(key) {
                return Some(key.to_string());
            }
            m.iter()
                .find_map(|(k, child)| key_path(child, key).map(|p| format!("{k}::{p}")))
        }
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, child)| key_path(child, key).map(|p| format!("{i}::{p}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<OperatorConfig, PathError> {
        let v: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
        OperatorConfig::from_value(3, &v)
    }

    #[test]
    fn parses_every_supported_type() {
        for (yaml, ty, id) in [
            ("type: json_parser", "json_parser", "json_parser"),
            (
                "{type: regex_parser, regex: '(?P<a>x)', id: re1, output: [a, b]}",
                "regex_parser",
                "re1",
            ),
            (
                "{type: severity_parser, parse_from: body.sev}",
                "severity_parser",
                "severity_parser",
            ),
            (
                "{type: time_parser, parse_from: body.t, layout: '%Y'}",
                "time_parser",
                "time_parser",
            ),
            ("{type: move, from: body.a, to: body.b}", "move", "move"),
            ("{type: copy, from: body.a, to: body.b}", "copy", "copy"),
            ("{type: add, field: body.a, value: {x: 1}}", "add", "add"),
            ("{type: remove, field: body.a}", "remove", "remove"),
            (
                "{type: router, routes: [{output: a, expr: 'body == \"x\"'}], default: b}",
                "router",
                "router",
            ),
            (
                "{type: recombine, combine_field: body, is_first_entry: 'body matches \"^x\"'}",
                "recombine",
                "recombine",
            ),
            ("{type: noop}", "noop", "noop"),
        ] {
            let op = parse(yaml).unwrap_or_else(|e| panic!("{yaml}: {e:?}"));
            assert_eq!(op.type_name(), ty);
            assert_eq!(op.id(), id);
        }
        let OperatorConfig::Recombine(r) = parse("{type: recombine, combine_field: body}").unwrap() else {
            panic!()
        };
        assert_eq!(r.combine_with, "\n");
        assert_eq!(r.max_batch_size, 1000);
        assert_eq!(r.force_flush_period, Duration::from_secs(5));
        let OperatorConfig::RegexParser(r) = parse("{type: regex_parser, regex: x, output: [a, b]}").unwrap()
        else {
            panic!()
        };
        assert_eq!(r.output.ids(), ["a", "b"]);
    }

    #[test]
    fn refusals_name_the_path() {
        let cases = [
            (
                "{type: csv_parser}",
                "operators::3::type",
                "unsupported operator type \"csv_parser\"",
            ),
            ("{id: x}", "operators::3::type", "missing"),
            ("[1]", "operators::3", "a map"),
            (
                "{type: json_parser, bogus: 1}",
                "operators::3::bogus",
                "unknown field `bogus`",
            ),
            (
                "{type: regex_parser, regex: x, timestamp: {parse_from: body, layot: x}}",
                "operators::3::timestamp::layot",
                "unknown field `layot`",
            ),
            (
                "{type: router, routes: [{output: a, expr: x, exp: y}]}",
                "operators::3::routes::0::exp",
                "unknown field `exp`",
            ),
            (
                "{type: json_parser, trace: {}}",
                "operators::3::trace",
                "not supported",
            ),
            (
                "{type: json_parser, on_error: explode}",
                "operators::3",
                "unknown variant `explode`",
            ),
        ];
        for (yaml, path, msg) in cases {
            let (p, m) = parse(yaml).unwrap_err();
            assert_eq!(p, path, "{yaml}: {m}");
            assert!(m.contains(msg), "{yaml}: {m}");
        }
    }

    #[test]
    fn round_trips_through_serialize() {
        let op = parse("{type: regex_parser, regex: '(?P<a>x)', parse_from: body.m, severity: {parse_from: attributes.a}}")
            .unwrap();
        let v = serde_json::to_value(&op).unwrap();
        assert_eq!(v["type"], "regex_parser");
        assert_eq!(OperatorConfig::from_value(0, &v).unwrap(), op);
    }
}
