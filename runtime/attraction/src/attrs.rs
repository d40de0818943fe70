//! Map operations on an OTLP attribute list, with the semantics of Go's
//! `pcommon.Map`: lookups find the first entry with a key, writes overwrite
//! that entry in place or append a new one, removal removes the first one.

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};

/// The value of the first attribute named `key`. An attribute present with no
/// value counts as present and empty.
pub(crate) fn get<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a KeyValue> {
    attrs.iter().find(|kv| kv.key == key)
}

/// The first attribute named `key`, mutably.
pub(crate) fn get_mut<'a>(attrs: &'a mut [KeyValue], key: &str) -> Option<&'a mut KeyValue> {
    attrs.iter_mut().find(|kv| kv.key == key)
}

/// The value of an attribute (an absent value reads as empty).
pub(crate) fn value_of(kv: &KeyValue) -> AnyValue {
    kv.value.clone().unwrap_or_default()
}

/// Sets `key` to `value`: overwrites the first attribute named `key`, or
/// appends one.
pub(crate) fn put(attrs: &mut Vec<KeyValue>, key: &str, value: AnyValue) {
    match get_mut(attrs, key) {
        Some(kv) => kv.value = Some(value),
        None => attrs.push(KeyValue {
            key: key.to_owned(),
            value: Some(value),
            ..Default::default()
        }),
    }
}

/// Sets `key` to the string `s`.
pub(crate) fn put_str(attrs: &mut Vec<KeyValue>, key: &str, s: &str) {
    put(
        attrs,
        key,
        AnyValue {
            value: Some(Value::StringValue(s.to_owned())),
        },
    );
}

/// Removes the first attribute named `key`; true if there was one.
pub(crate) fn remove(attrs: &mut Vec<KeyValue>, key: &str) -> bool {
    match attrs.iter().position(|kv| kv.key == key) {
        Some(i) => {
            attrs.remove(i);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AnyValue {
        AnyValue {
            value: Some(Value::StringValue(v.into())),
        }
    }

    #[test]
    fn put_overwrites_first_or_appends() {
        let mut attrs = Vec::new();
        put(&mut attrs, "a", s("1"));
        put(&mut attrs, "b", s("2"));
        put(&mut attrs, "a", s("3"));
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].key, "a");
        assert_eq!(value_of(&attrs[0]), s("3"));
        put_str(&mut attrs, "c", "4");
        assert_eq!(get(&attrs, "c").map(value_of), Some(s("4")));
    }

    #[test]
    fn remove_takes_first_only() {
        let mut attrs = Vec::new();
        attrs.push(KeyValue {
            key: "d".into(),
            value: Some(s("1")),
            ..Default::default()
        });
        attrs.push(KeyValue {
            key: "d".into(),
            value: Some(s("2")),
            ..Default::default()
        });
        assert!(remove(&mut attrs, "d"));
        assert_eq!(attrs.len(), 1);
        assert_eq!(value_of(&attrs[0]), s("2"));
        assert!(remove(&mut attrs, "d"));
        assert!(!remove(&mut attrs, "d"));
    }

    #[test]
    fn missing_value_reads_as_empty() {
        let attrs = vec![KeyValue {
            key: "k".into(),
            value: None,
            ..Default::default()
        }];
        assert_eq!(get(&attrs, "k").map(value_of), Some(AnyValue::default()));
        assert!(get(&attrs, "x").is_none());
    }
}
