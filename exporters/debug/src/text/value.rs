//! Attribute values rendered as pdata's `Value.Type().String()` and `Value.AsString()`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};

use super::num;

/// pdata's value type name: `Str`, `Int`, `Double`, `Bool`, `Map`, `Slice`,
/// `Bytes` or `Empty`.
pub(crate) fn type_name(v: Option<&AnyValue>) -> &'static str {
    match v.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(_)) => "Str",
        Some(Value::BoolValue(_)) => "Bool",
        Some(Value::IntValue(_)) => "Int",
        Some(Value::DoubleValue(_)) => "Double",
        Some(Value::ArrayValue(_)) => "Slice",
        Some(Value::KvlistValue(_)) => "Map",
        Some(Value::BytesValue(_)) => "Bytes",
        // A dictionary reference only means something for profiles.
        Some(Value::StringValueStrindex(_)) | None => "Empty",
    }
}

/// pdata's `Value.AsString()`: strings as they are, numbers and booleans in
/// Go's spelling, bytes in base64, maps and slices as JSON (map keys sorted).
pub(crate) fn as_string(v: Option<&AnyValue>) -> String {
    match v.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => num::es6(*d),
        Some(Value::BytesValue(b)) => base64::engine::general_purpose::STANDARD.encode(b),
        Some(Value::KvlistValue(_)) | Some(Value::ArrayValue(_)) => {
            let mut out = String::new();
            // Go's JSON encoder refuses NaN and infinities and then yields nothing.
            match v.map(|v| json(v, &mut out)) {
                Some(Ok(())) => out,
                _ => String::new(),
            }
        }
        Some(Value::StringValueStrindex(_)) | None => String::new(),
    }
}

/// The detailed form: `Str(x)`, `Int(5)`, `Map({"k":"v"})`...
pub(crate) fn typed(v: Option<&AnyValue>) -> String {
    format!("{}({})", type_name(v), as_string(v))
}

/// `k=v` for every attribute, in order (the normal verbosity's form).
pub(crate) fn key_values(attrs: &[KeyValue]) -> Vec<String> {
    attrs
        .iter()
        .map(|kv| format!("{}={}", kv.key, as_string(kv.value.as_ref())))
        .collect()
}

struct NotFinite;

/// Writes a value as Go's `encoding/json` writes pdata's `AsRaw()` form.
fn json(v: &AnyValue, out: &mut String) -> Result<(), NotFinite> {
    match &v.value {
        Some(Value::StringValue(s)) => json_string(s, out),
        Some(Value::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Value::IntValue(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(Value::DoubleValue(d)) => {
            if !d.is_finite() {
                return Err(NotFinite);
            }
            out.push_str(&num::es6(*d));
        }
        Some(Value::BytesValue(b)) => json_string(&base64::engine::general_purpose::STANDARD.encode(b), out),
        Some(Value::ArrayValue(a)) => {
            out.push('[');
            for (i, item) in a.values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(item, out)?;
            }
            out.push(']');
        }
        Some(Value::KvlistValue(kvs)) => {
            // A Go map: keys sorted, the last duplicate wins.
            let sorted: BTreeMap<&str, Option<&AnyValue>> = kvs
                .values
                .iter()
                .map(|kv| (kv.key.as_str(), kv.value.as_ref()))
                .collect();
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                match v {
                    Some(v) => json(v, out)?,
                    None => out.push_str("null"),
                }
            }
            out.push('}');
        }
        Some(Value::StringValueStrindex(_)) | None => out.push_str("null"),
    }
    Ok(())
}

/// A JSON string as Go's encoder writes it with HTML escaping off.
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use otelcol_component::proto::common::v1::{ArrayValue, KeyValueList};

    pub(crate) fn s(v: &str) -> AnyValue {
        AnyValue {
            value: Some(Value::StringValue(v.into())),
        }
    }
    pub(crate) fn kv(k: &str, v: AnyValue) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(v),
            ..Default::default()
        }
    }
    fn val(v: Value) -> AnyValue {
        AnyValue { value: Some(v) }
    }

    #[test]
    fn scalars() {
        assert_eq!(typed(Some(&s("x"))), "Str(x)");
        assert_eq!(typed(Some(&val(Value::IntValue(5)))), "Int(5)");
        assert_eq!(typed(Some(&val(Value::DoubleValue(1.5)))), "Double(1.5)");
        assert_eq!(typed(Some(&val(Value::BoolValue(true)))), "Bool(true)");
        assert_eq!(typed(Some(&val(Value::BytesValue(vec![1, 2, 3])))), "Bytes(AQID)");
        assert_eq!(typed(None), "Empty()");
        assert_eq!(typed(Some(&AnyValue { value: None })), "Empty()");
    }

    #[test]
    fn maps_sort_keys_and_slices_keep_order() {
        let map = val(Value::KvlistValue(KeyValueList {
            values: vec![
                kv("b", val(Value::IntValue(1))),
                kv("a", s("q\"<>")),
                kv(
                    "c",
                    val(Value::ArrayValue(ArrayValue {
                        values: vec![
                            val(Value::DoubleValue(2.5)),
                            val(Value::BoolValue(false)),
                            AnyValue::default(),
                        ],
                    })),
                ),
            ],
        }));
        assert_eq!(
            typed(Some(&map)),
            r#"Map({"a":"q\"<>","b":1,"c":[2.5,false,null]})"#
        );
        let slice = val(Value::ArrayValue(ArrayValue {
            values: vec![s("z"), s("a\n")],
        }));
        assert_eq!(typed(Some(&slice)), r#"Slice(["z","a\n"])"#);
    }

    #[test]
    fn non_finite_in_json_yields_nothing() {
        let slice = val(Value::ArrayValue(ArrayValue {
            values: vec![val(Value::DoubleValue(f64::NAN))],
        }));
        assert_eq!(typed(Some(&slice)), "Slice()");
    }

    #[test]
    fn key_value_pairs() {
        let attrs = vec![kv("k", s("v")), kv("n", val(Value::IntValue(-3)))];
        assert_eq!(key_values(&attrs), vec!["k=v", "n=-3"]);
    }
}
