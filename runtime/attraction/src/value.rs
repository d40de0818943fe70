//! [`ConfigValue`]: an attribute value written in YAML, with its type inferred
//! the way the Go collector infers it (`123` is an int, `1.5` a double, `true`
//! a bool, `"123"` a string, lists and maps nest).

use std::fmt;

use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value::Value};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// A value from the config: a YAML scalar, list or map.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    /// YAML `null` inside a list or map (an empty attribute value).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer. Integers above `i64::MAX` wrap, as Go's `int64(uint64)` does.
    Int(i64),
    /// A floating-point number.
    Double(f64),
    /// A string.
    Str(String),
    /// A list (becomes an OTLP array value).
    List(Vec<ConfigValue>),
    /// A map, in the order written (becomes an OTLP key-value list).
    Map(Vec<(String, ConfigValue)>),
}

impl ConfigValue {
    /// The OTLP value this config value stands for.
    pub fn to_any_value(&self) -> AnyValue {
        let value = match self {
            ConfigValue::Null => None,
            ConfigValue::Bool(b) => Some(Value::BoolValue(*b)),
            ConfigValue::Int(i) => Some(Value::IntValue(*i)),
            ConfigValue::Double(d) => Some(Value::DoubleValue(*d)),
            ConfigValue::Str(s) => Some(Value::StringValue(s.clone())),
            ConfigValue::List(items) => Some(Value::ArrayValue(ArrayValue {
                values: items.iter().map(ConfigValue::to_any_value).collect(),
            })),
            ConfigValue::Map(entries) => Some(Value::KvlistValue(KeyValueList {
                values: entries
                    .iter()
                    .map(|(k, v)| KeyValue {
                        key: k.clone(),
                        value: Some(v.to_any_value()),
                        ..Default::default()
                    })
                    .collect(),
            })),
        };
        AnyValue { value }
    }
}

impl From<&str> for ConfigValue {
    fn from(s: &str) -> Self {
        ConfigValue::Str(s.to_owned())
    }
}

impl From<i64> for ConfigValue {
    fn from(i: i64) -> Self {
        ConfigValue::Int(i)
    }
}

impl From<f64> for ConfigValue {
    fn from(d: f64) -> Self {
        ConfigValue::Double(d)
    }
}

impl From<bool> for ConfigValue {
    fn from(b: bool) -> Self {
        ConfigValue::Bool(b)
    }
}

impl Serialize for ConfigValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ConfigValue::Null => s.serialize_unit(),
            ConfigValue::Bool(b) => s.serialize_bool(*b),
            ConfigValue::Int(i) => s.serialize_i64(*i),
            ConfigValue::Double(d) => s.serialize_f64(*d),
            ConfigValue::Str(v) => s.serialize_str(v),
            ConfigValue::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            ConfigValue::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = ConfigValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, bool, list or map")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ConfigValue, E> {
        Ok(ConfigValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ConfigValue, E> {
        Ok(ConfigValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ConfigValue, E> {
        // Go's pcommon `FromRaw` turns a uint64 into int64 by conversion (wrapping).
        Ok(ConfigValue::Int(v as i64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ConfigValue, E> {
        Ok(ConfigValue::Double(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ConfigValue, E> {
        Ok(ConfigValue::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<ConfigValue, E> {
        Ok(ConfigValue::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<ConfigValue, E> {
        Ok(ConfigValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<ConfigValue, E> {
        Ok(ConfigValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ConfigValue, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ConfigValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<ConfigValue>()? {
            items.push(item);
        }
        Ok(ConfigValue::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ConfigValue, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, ConfigValue>()? {
            entries.push((k, v));
        }
        Ok(ConfigValue::Map(entries))
    }
}

impl<'de> Deserialize<'de> for ConfigValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize)]
    struct Holder {
        value: Option<ConfigValue>,
    }

    fn parse(yaml: &str) -> Option<ConfigValue> {
        serde_yaml::from_str::<Holder>(yaml).unwrap().value
    }

    #[test]
    fn infers_types_like_go() {
        assert_eq!(parse("value: 123"), Some(ConfigValue::Int(123)));
        assert_eq!(parse("value: -7"), Some(ConfigValue::Int(-7)));
        assert_eq!(parse("value: 1.5"), Some(ConfigValue::Double(1.5)));
        assert_eq!(parse("value: true"), Some(ConfigValue::Bool(true)));
        assert_eq!(parse("value: \"123\""), Some(ConfigValue::Str("123".into())));
        assert_eq!(
            parse("value: planet-earth"),
            Some(ConfigValue::Str("planet-earth".into()))
        );
        assert_eq!(parse("value: null"), None);
        assert_eq!(parse("value:"), None);
        assert_eq!(parse("{}"), None);
    }

    #[test]
    fn lists_and_maps_nest() {
        let v = parse("value: [1, a, {b: 2.5, c: [true, null]}]").unwrap();
        assert_eq!(
            v,
            ConfigValue::List(vec![
                ConfigValue::Int(1),
                ConfigValue::Str("a".into()),
                ConfigValue::Map(vec![
                    ("b".into(), ConfigValue::Double(2.5)),
                    (
                        "c".into(),
                        ConfigValue::List(vec![ConfigValue::Bool(true), ConfigValue::Null])
                    ),
                ]),
            ])
        );
        let any = v.to_any_value();
        let Some(Value::ArrayValue(arr)) = any.value else {
            panic!("not an array: {any:?}")
        };
        assert_eq!(arr.values.len(), 3);
        let Some(Value::KvlistValue(kv)) = &arr.values[2].value else {
            panic!("not a map")
        };
        assert_eq!(kv.values[0].key, "b");
        assert_eq!(
            kv.values[0].value.as_ref().unwrap().value,
            Some(Value::DoubleValue(2.5))
        );
    }

    #[test]
    fn huge_unsigned_wraps_like_go() {
        assert_eq!(parse("value: 18446744073709551615"), Some(ConfigValue::Int(-1)));
    }

    #[test]
    fn round_trips_through_yaml() {
        let v = parse("value: {a: [1, x, 2.5, false]}").unwrap();
        let text = serde_yaml::to_string(&Holder {
            value: Some(v.clone()),
        })
        .unwrap();
        assert_eq!(parse(&text), Some(v));
    }
}
