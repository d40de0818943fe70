//! The log entry operators work on: stanza's `entry.Entry` (body,
//! attributes, resource, timestamps, severity...), with values that are
//! what Go keeps in `any` (strings, numbers, maps, lists, bytes).

use std::collections::BTreeMap;

use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value};

/// A map of values (attributes, resource, a map body). Sorted by key, so
/// output is deterministic (Go's maps have no order at all).
pub type Map = BTreeMap<String, Value>;

/// A value of an entry: a body, an attribute, a parsed field.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// No value (Go's `nil`).
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number (what Go's JSON parser makes of every number).
    Double(f64),
    /// A string.
    Str(String),
    /// Raw bytes (a body read with `encoding: nop`).
    Bytes(Vec<u8>),
    /// A list.
    Array(Vec<Value>),
    /// A map.
    Map(Map),
}

impl Value {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a string or of bytes (lossily decoded), for parsers that
    /// accept both, as Go's accept `string` and `[]byte`.
    pub fn as_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            Value::Bytes(b) => Some(String::from_utf8_lossy(b)),
            _ => None,
        }
    }

    /// A short name of the value's type, for error messages (Go's `%T`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Double(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) => "[]byte",
            Value::Array(_) => "[]any",
            Value::Map(_) => "map[string]any",
        }
    }

    /// A value from JSON: numbers become doubles, as Go's `encoding/json`
    /// makes them, unless `ints` is set and the number is an integer.
    pub fn from_json(v: serde_json::Value, ints: bool) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match (ints, n.as_i64()) {
                (true, Some(i)) => Value::Int(i),
                _ => Value::Double(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(a) => {
                Value::Array(a.into_iter().map(|v| Value::from_json(v, ints)).collect())
            }
            serde_json::Value::Object(o) => Value::Map(
                o.into_iter()
                    .map(|(k, v)| (k, Value::from_json(v, ints)))
                    .collect(),
            ),
        }
    }

    /// A value written in the collector config (YAML): integers stay
    /// integers, as Go's config decoder keeps them.
    pub fn from_config(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Double(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_config).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_config(v)))
                    .collect(),
            ),
            other => Value::from_json(other.clone(), true),
        }
    }

    /// The OTLP value (Go's `pcommon.Value.FromRaw`).
    pub fn to_any_value(&self) -> AnyValue {
        let value = match self {
            Value::Null => None,
            Value::Bool(b) => Some(any_value::Value::BoolValue(*b)),
            Value::Int(i) => Some(any_value::Value::IntValue(*i)),
            Value::Double(d) => Some(any_value::Value::DoubleValue(*d)),
            Value::Str(s) => Some(any_value::Value::StringValue(s.clone())),
            Value::Bytes(b) => Some(any_value::Value::BytesValue(b.clone())),
            Value::Array(a) => Some(any_value::Value::ArrayValue(ArrayValue {
                values: a.iter().map(Value::to_any_value).collect(),
            })),
            Value::Map(m) => Some(any_value::Value::KvlistValue(KeyValueList {
                values: map_to_key_values(m),
            })),
        };
        AnyValue { value }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

/// OTLP key-values of a map, in key order.
pub fn map_to_key_values(m: &Map) -> Vec<KeyValue> {
    m.iter()
        .map(|(k, v)| KeyValue {
            key: k.clone(),
            value: Some(v.to_any_value()),
            ..Default::default()
        })
        .collect()
}

/// Where an entry's text came from: the file (by the reader's id) and the
/// byte range of its token, so that offsets are committed only for what
/// has left the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The id of the file reader.
    pub reader: u64,
    /// Offset of the first byte of the first token.
    pub start: u64,
    /// Offset just after the last token.
    pub end: u64,
}

/// A log entry (stanza's `entry.Entry`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Entry {
    /// The body.
    pub body: Value,
    /// Attributes (`attributes.x`).
    pub attributes: Map,
    /// Resource attributes (`resource.x`).
    pub resource: Map,
    /// The event time, Unix nanoseconds, when parsed.
    pub timestamp: Option<i64>,
    /// When the entry was read, Unix nanoseconds.
    pub observed_timestamp: u64,
    /// Severity number (0 unspecified, 1..=24 as in OTLP).
    pub severity: i32,
    /// Severity text.
    pub severity_text: String,
    /// Trace id (16 bytes when set).
    pub trace_id: Vec<u8>,
    /// Span id (8 bytes when set).
    pub span_id: Vec<u8>,
    /// Trace flags.
    pub trace_flags: u32,
    /// Instrumentation scope name.
    pub scope_name: String,
    /// Where the entry came from, if from a file.
    pub origin: Option<Origin>,
}

impl Entry {
    /// An entry with `body`, observed now.
    pub fn new(body: Value) -> Self {
        Entry {
            body,
            observed_timestamp: otelcol_component::build::unix_nanos_now(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_are_doubles_unless_ints_are_asked() {
        let v: serde_json::Value = serde_json::json!({"a": 1, "b": 1.5, "c": [true, null, "x"]});
        let d = Value::from_json(v.clone(), false);
        let Value::Map(m) = d else { panic!("map") };
        assert_eq!(m["a"], Value::Double(1.0));
        assert_eq!(m["b"], Value::Double(1.5));
        assert_eq!(
            m["c"],
            Value::Array(vec![Value::Bool(true), Value::Null, Value::from("x")])
        );
        let Value::Map(m) = Value::from_json(v, true) else {
            panic!("map")
        };
        assert_eq!(m["a"], Value::Int(1));
        assert_eq!(Value::from_config(&serde_json::json!(3)), Value::Int(3));
    }

    #[test]
    fn converts_to_otlp_values() {
        let mut m = Map::new();
        m.insert("k".into(), Value::Int(2));
        let v = Value::Map(m).to_any_value();
        let Some(any_value::Value::KvlistValue(kv)) = v.value else {
            panic!("kvlist")
        };
        assert_eq!(kv.values[0].key, "k");
        assert_eq!(Value::Null.to_any_value(), AnyValue { value: None });
        assert_eq!(
            Value::Bytes(vec![1]).to_any_value().value,
            Some(any_value::Value::BytesValue(vec![1]))
        );
    }
}
