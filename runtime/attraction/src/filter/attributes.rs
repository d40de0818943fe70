//! Attribute matching (Go's `filtermatcher.AttributesMatcher`).

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};

use crate::attrs;
use crate::error::MatchError;
use crate::filter::config::AttributeMatchConfig;
use crate::filter::set::{FilterSet, MatchType};
use crate::format::{go_float_f, type_name};

#[derive(Clone, Debug)]
enum Expect {
    /// Only the key has to be present.
    Present,
    /// `strict`: same type and value.
    Value(AnyValue),
    /// `regexp`: the value's string form must match.
    Pattern(FilterSet),
}

/// A list of attributes that must all match.
#[derive(Clone, Debug, Default)]
pub(crate) struct AttributesMatcher {
    entries: Vec<(String, Expect)>,
}

impl AttributesMatcher {
    pub(crate) fn new(match_type: &str, list: &[AttributeMatchConfig]) -> Result<Self, MatchError> {
        let mut entries = Vec::with_capacity(list.len());
        for a in list {
            if a.key.is_empty() {
                return Err(MatchError::new("can't have empty key in the list of attributes"));
            }
            let expect = match &a.value {
                None => Expect::Present,
                Some(v) => {
                    let v = v.to_any_value();
                    match MatchType::parse(match_type)? {
                        MatchType::Strict => Expect::Value(v),
                        MatchType::Regexp => match &v.value {
                            Some(Value::StringValue(pattern)) => {
                                Expect::Pattern(FilterSet::new(std::slice::from_ref(pattern), match_type)?)
                            }
                            _ => {
                                return Err(MatchError::new(format!(
                                    "match_type=regexp for {:?} only supports Str, but found {}",
                                    a.key,
                                    type_name(&v)
                                )));
                            }
                        },
                    }
                }
            };
            entries.push((a.key.clone(), expect));
        }
        Ok(AttributesMatcher { entries })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True if every entry matches `attrs` (always true with no entries).
    pub(crate) fn matches(&self, attrs: &[KeyValue]) -> bool {
        if self.entries.is_empty() {
            return true;
        }
        if attrs.is_empty() {
            return false;
        }
        self.entries.iter().all(|(key, expect)| {
            let Some(kv) = attrs::get(attrs, key) else {
                return false;
            };
            let empty = AnyValue::default();
            let actual = kv.value.as_ref().unwrap_or(&empty);
            match expect {
                Expect::Present => true,
                Expect::Value(want) => values_equal(want, actual),
                Expect::Pattern(set) => string_form(actual).is_some_and(|s| set.matches(&s)),
            }
        })
    }
}

/// The string a `regexp` attribute match sees: strings, bools, ints and
/// doubles (Go `FormatFloat(f, 'f', -1, 64)`); other types never match.
fn string_form(v: &AnyValue) -> Option<String> {
    match &v.value {
        Some(Value::StringValue(s)) => Some(s.clone()),
        Some(Value::BoolValue(b)) => Some(b.to_string()),
        Some(Value::DoubleValue(d)) => Some(go_float_f(*d)),
        Some(Value::IntValue(i)) => Some(i.to_string()),
        _ => None,
    }
}

/// Type-and-value equality; maps compare without regard to key order, as
/// Go's value hash does.
pub(crate) fn values_equal(a: &AnyValue, b: &AnyValue) -> bool {
    fn norm(v: &Option<Value>) -> Option<&Value> {
        match v {
            Some(Value::StringValueStrindex(_)) | None => None,
            Some(v) => Some(v),
        }
    }
    match (norm(&a.value), norm(&b.value)) {
        (None, None) => true,
        (Some(Value::StringValue(x)), Some(Value::StringValue(y))) => x == y,
        (Some(Value::BoolValue(x)), Some(Value::BoolValue(y))) => x == y,
        (Some(Value::IntValue(x)), Some(Value::IntValue(y))) => x == y,
        (Some(Value::DoubleValue(x)), Some(Value::DoubleValue(y))) => x == y,
        (Some(Value::BytesValue(x)), Some(Value::BytesValue(y))) => x == y,
        (Some(Value::ArrayValue(x)), Some(Value::ArrayValue(y))) => {
            x.values.len() == y.values.len()
                && x.values.iter().zip(&y.values).all(|(p, q)| values_equal(p, q))
        }
        (Some(Value::KvlistValue(x)), Some(Value::KvlistValue(y))) => {
            let empty = AnyValue::default();
            x.values.len() == y.values.len()
                && x.values.iter().all(|e| {
                    attrs::get(&y.values, &e.key).is_some_and(|f| {
                        values_equal(
                            e.value.as_ref().unwrap_or(&empty),
                            f.value.as_ref().unwrap_or(&empty),
                        )
                    })
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ConfigValue;

    fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    fn entry(key: &str, value: Option<ConfigValue>) -> AttributeMatchConfig {
        AttributeMatchConfig {
            key: key.into(),
            value,
        }
    }

    #[test]
    fn strict_needs_same_type_and_value() {
        let m = AttributesMatcher::new(
            "strict",
            &[entry("env", Some("dev".into())), entry("test_request", None)],
        )
        .unwrap();
        let attrs = vec![
            kv("env", Value::StringValue("dev".into())),
            kv("test_request", Value::IntValue(123)),
        ];
        assert!(m.matches(&attrs));
        assert!(!m.matches(&attrs[..1]));
        assert!(!m.matches(&[]));
        assert!(!m.matches(&[
            kv("env", Value::IntValue(1)),
            kv("test_request", Value::BoolValue(false))
        ]));
        let b = AttributesMatcher::new("strict", &[entry("redact", Some(false.into()))]).unwrap();
        assert!(b.matches(&[kv("redact", Value::BoolValue(false))]));
        assert!(!b.matches(&[kv("redact", Value::StringValue("false".into()))]));
    }

    #[test]
    fn regexp_matches_string_forms() {
        let m = AttributesMatcher::new(
            "regexp",
            &[entry("db.statement", Some(r"SELECT \* FROM USERS.*".into()))],
        )
        .unwrap();
        assert!(m.matches(&[kv(
            "db.statement",
            Value::StringValue("SELECT * FROM USERS WHERE 1".into())
        )]));
        assert!(!m.matches(&[kv(
            "db.statement",
            Value::StringValue("SELECT * FROM ORDERS".into())
        )]));
        let n = AttributesMatcher::new("regexp", &[entry("code", Some("^2..$".into()))]).unwrap();
        assert!(n.matches(&[kv("code", Value::IntValue(204))]));
        assert!(!n.matches(&[kv("code", Value::IntValue(404))]));
        assert!(!n.matches(&[kv("code", Value::BytesValue(b"200".to_vec()))]));
        let d = AttributesMatcher::new("regexp", &[entry("d", Some(r"^1\.5$".into()))]).unwrap();
        assert!(d.matches(&[kv("d", Value::DoubleValue(1.5))]));
    }

    #[test]
    fn errors_like_go() {
        let e = AttributesMatcher::new("strict", &[entry("", None)]).unwrap_err();
        assert_eq!(e.message(), "can't have empty key in the list of attributes");
        let e = AttributesMatcher::new("regexp", &[entry("k", Some(1i64.into()))]).unwrap_err();
        assert_eq!(
            e.message(),
            "match_type=regexp for \"k\" only supports Str, but found Int"
        );
        let e = AttributesMatcher::new("", &[entry("k", Some(1i64.into()))]).unwrap_err();
        assert!(e.message().starts_with("unrecognized match_type: ''"), "{e}");
        // Without values the match type is never consulted, as in Go.
        assert!(AttributesMatcher::new("", &[entry("k", None)]).is_ok());
    }

    #[test]
    fn nested_values_compare_deeply() {
        let m = AttributesMatcher::new(
            "strict",
            &[entry(
                "m",
                Some(ConfigValue::Map(vec![
                    ("a".into(), ConfigValue::Int(1)),
                    ("b".into(), ConfigValue::List(vec![ConfigValue::Str("x".into())])),
                ])),
            )],
        )
        .unwrap();
        let yaml_map = |order_ab: bool| {
            let a = ("a".to_owned(), ConfigValue::Int(1));
            let b = (
                "b".to_owned(),
                ConfigValue::List(vec![ConfigValue::Str("x".into())]),
            );
            let entries = if order_ab { vec![a, b] } else { vec![b, a] };
            ConfigValue::Map(entries).to_any_value()
        };
        let attr = |v: AnyValue| KeyValue {
            key: "m".into(),
            value: Some(v),
            ..Default::default()
        };
        assert!(m.matches(&[attr(yaml_map(true))]));
        assert!(m.matches(&[attr(yaml_map(false))]));
        assert!(!m.matches(&[attr(
            ConfigValue::Map(vec![("a".into(), ConfigValue::Int(1))]).to_any_value()
        )]));
    }
}
