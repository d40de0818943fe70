//! String forms of attribute values, exactly as the Go collector's pdata
//! prints them (`pcommon.Value.AsString`, `strconv.FormatFloat`).

use std::fmt::Write as _;

use base64::Engine as _;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};

/// The Go type name of a value (`Str`, `Int`, `Double`, `Bool`, `Map`,
/// `Slice`, `Bytes`, `Empty`), as `pcommon.ValueType.String()` prints it.
pub(crate) fn type_name(v: &AnyValue) -> &'static str {
    match &v.value {
        Some(Value::StringValue(_)) => "Str",
        Some(Value::IntValue(_)) => "Int",
        Some(Value::DoubleValue(_)) => "Double",
        Some(Value::BoolValue(_)) => "Bool",
        Some(Value::KvlistValue(_)) => "Map",
        Some(Value::ArrayValue(_)) => "Slice",
        Some(Value::BytesValue(_)) => "Bytes",
        Some(Value::StringValueStrindex(_)) | None => "Empty",
    }
}

/// The value as a string, as Go's `pcommon.Value.AsString`: strings as they
/// are, numbers and bools in Go's notation, bytes in standard base64, maps and
/// slices as JSON (map keys sorted), an empty value as `""`.
pub fn as_string(v: &AnyValue) -> String {
    match &v.value {
        None | Some(Value::StringValueStrindex(_)) => String::new(),
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => match json_float(*d) {
            Some(s) => s,
            // Go prints NaN and infinities with `%g`, which spells them as `f` does.
            None => format!("json: unsupported value: {}", go_float_f(*d)),
        },
        Some(Value::BytesValue(b)) => base64::engine::general_purpose::STANDARD.encode(b),
        Some(Value::KvlistValue(_)) | Some(Value::ArrayValue(_)) => {
            // Go ignores the marshal error (NaN or Inf inside) and prints "".
            let mut out = String::new();
            if write_json(&mut out, v).is_some() {
                out
            } else {
                String::new()
            }
        }
    }
}

/// A double as Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest
/// decimal that round-trips, never in exponent form; `NaN`, `+Inf`, `-Inf`.
pub(crate) fn go_float_f(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        // Rust's `Display` for f64 is the shortest round-trip digits, no exponent.
        format!("{f}")
    }
}

/// A double in the notation Go's `encoding/json` uses (ES6 number to string):
/// plain decimals, exponent form below 1e-6 and from 1e21 up (`1e+21`,
/// `1.5e-7`). `None` for NaN and infinities, which JSON cannot carry.
pub(crate) fn json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        let (mantissa, exp) = e.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        Some(if exp < 0 {
            format!("{mantissa}e-{}", exp.unsigned_abs())
        } else {
            format!("{mantissa}e+{exp:02}")
        })
    } else {
        Some(format!("{f}"))
    }
}

/// Writes `v` as JSON the way Go's pdata does for maps and slices; `None` if
/// a double inside is NaN or infinite.
fn write_json(out: &mut String, v: &AnyValue) -> Option<()> {
    match &v.value {
        None | Some(Value::StringValueStrindex(_)) => out.push_str("null"),
        Some(Value::StringValue(s)) => write_json_string(out, s),
        Some(Value::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Value::IntValue(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(Value::DoubleValue(d)) => out.push_str(&json_float(*d)?),
        Some(Value::BytesValue(b)) => {
            write_json_string(out, &base64::engine::general_purpose::STANDARD.encode(b))
        }
        Some(Value::ArrayValue(a)) => {
            out.push('[');
            for (i, item) in a.values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item)?;
            }
            out.push(']');
        }
        Some(Value::KvlistValue(kv)) => {
            // Go goes through map[string]any: the last duplicate wins, keys sorted.
            let mut entries: Vec<&KeyValue> = Vec::with_capacity(kv.values.len());
            for e in &kv.values {
                if let Some(pos) = entries.iter().position(|x| x.key == e.key) {
                    entries.remove(pos);
                }
                entries.push(e);
            }
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            out.push('{');
            let empty = AnyValue::default();
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, &e.key);
                out.push(':');
                write_json(out, e.value.as_ref().unwrap_or(&empty))?;
            }
            out.push('}');
        }
    }
    Some(())
}

/// A JSON string with Go's escaping (no HTML escaping; U+2028/2029 escaped).
fn write_json_string(out: &mut String, s: &str) {
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
mod tests {
    use super::*;
    use otelcol_component::proto::common::v1::{ArrayValue, KeyValueList};

    fn v(value: Value) -> AnyValue {
        AnyValue { value: Some(value) }
    }

    fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(v(value)),
            ..Default::default()
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(as_string(&AnyValue::default()), "");
        assert_eq!(as_string(&v(Value::StringValue("x y".into()))), "x y");
        assert_eq!(as_string(&v(Value::BoolValue(true))), "true");
        assert_eq!(as_string(&v(Value::IntValue(-42))), "-42");
        assert_eq!(as_string(&v(Value::BytesValue(vec![1, 2, 3]))), "AQID");
    }

    #[test]
    fn doubles_like_go_json() {
        let cases: &[(f64, &str)] = &[
            (2.4, "2.4"),
            (1.0, "1"),
            (-0.0, "-0"),
            (0.0, "0"),
            (100.0, "100"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (-1.25e-10, "-1.25e-10"),
            (123456.789, "123456.789"),
        ];
        for (f, want) in cases {
            assert_eq!(as_string(&v(Value::DoubleValue(*f))), *want, "{f}");
        }
        assert_eq!(
            as_string(&v(Value::DoubleValue(f64::NAN))),
            "json: unsupported value: NaN"
        );
        assert_eq!(
            as_string(&v(Value::DoubleValue(f64::INFINITY))),
            "json: unsupported value: +Inf"
        );
        assert_eq!(
            as_string(&v(Value::DoubleValue(f64::NEG_INFINITY))),
            "json: unsupported value: -Inf"
        );
    }

    #[test]
    fn format_f_never_uses_exponent() {
        assert_eq!(go_float_f(1e21), "1000000000000000000000");
        assert_eq!(go_float_f(1e-7), "0.0000001");
        assert_eq!(go_float_f(3.5), "3.5");
        assert_eq!(go_float_f(f64::NAN), "NaN");
        assert_eq!(go_float_f(f64::INFINITY), "+Inf");
        assert_eq!(go_float_f(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn maps_and_slices_are_sorted_json() {
        let map = v(Value::KvlistValue(KeyValueList {
            values: vec![
                kv("z", Value::IntValue(1)),
                kv("a", Value::StringValue("q\"<>&\n\u{1}".into())),
                kv(
                    "m",
                    Value::ArrayValue(ArrayValue {
                        values: vec![
                            v(Value::BoolValue(false)),
                            AnyValue::default(),
                            v(Value::DoubleValue(0.5)),
                        ],
                    }),
                ),
                kv("b", Value::BytesValue(vec![255])),
                kv("z", Value::IntValue(2)),
            ],
        }));
        assert_eq!(
            as_string(&map),
            r#"{"a":"q\"<>&\n\u0001","b":"/w==","m":[false,null,0.5],"z":2}"#
        );
        let nan_inside = v(Value::ArrayValue(ArrayValue {
            values: vec![v(Value::DoubleValue(f64::NAN))],
        }));
        assert_eq!(as_string(&nan_inside), "");
        assert_eq!(type_name(&map), "Map");
        assert_eq!(type_name(&nan_inside), "Slice");
        assert_eq!(type_name(&AnyValue::default()), "Empty");
    }
}
