//! Small builders for the OTLP values components produce: attributes,
//! timestamps. Connectors and receivers that make telemetry (rather than
//! pass it on) share these instead of writing their own.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::proto::common::v1::{AnyValue, KeyValue, any_value};

/// A string attribute.
pub fn string_kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_string())),
        }),
        ..Default::default()
    }
}

/// A boolean attribute.
pub fn bool_kv(key: &str, value: bool) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::BoolValue(value)),
        }),
        ..Default::default()
    }
}

/// The value of the first attribute named `key`.
pub fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

/// Nanoseconds since the Unix epoch, now (0 before the epoch, `u64::MAX` past 2554).
pub fn unix_nanos_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_make_what_they_say() {
        let attrs = vec![string_kv("a", "x"), bool_kv("b", true), string_kv("a", "second")];
        assert_eq!(
            attribute(&attrs, "a").and_then(|v| v.value.clone()),
            Some(any_value::Value::StringValue("x".into()))
        );
        assert_eq!(
            attribute(&attrs, "b").and_then(|v| v.value.clone()),
            Some(any_value::Value::BoolValue(true))
        );
        assert!(attribute(&attrs, "c").is_none());
        // 2020-01-01 in ns is below now.
        assert!(unix_nanos_now() > 1_577_836_800_000_000_000);
    }
}
