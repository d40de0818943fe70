//! Runtime values and the OTTL comparison rules.

use std::borrow::Cow;
use std::cmp::Ordering;

use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value};

use super::ast::CmpOp;

/// A value read from telemetry or produced by a literal or converter.
/// Borrowed from the item where possible: evaluation does not clone items.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// No value (a missing map key, an unset field).
    Nil,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Double(f64),
    /// A string.
    Str(Cow<'a, str>),
    /// Bytes.
    Bytes(Cow<'a, [u8]>),
    /// A map (attributes, a kvlist value), borrowed or built by a converter.
    Map(Cow<'a, [KeyValue]>),
    /// A list (an array value), borrowed or built by a converter or a list literal.
    List(Cow<'a, [AnyValue]>),
    /// A point in time (the `Time` converter), in nanoseconds since the Unix epoch, UTC.
    Time(i64),
}

impl<'a> Value<'a> {
    /// The value of an OTLP `AnyValue` (an absent value is nil).
    pub fn from_any(v: Option<&'a AnyValue>) -> Value<'a> {
        match v.and_then(|v| v.value.as_ref()) {
            None => Value::Nil,
            Some(any_value::Value::StringValue(s)) => Value::Str(Cow::Borrowed(s)),
            Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
            Some(any_value::Value::IntValue(i)) => Value::Int(*i),
            Some(any_value::Value::DoubleValue(d)) => Value::Double(*d),
            Some(any_value::Value::BytesValue(b)) => Value::Bytes(Cow::Borrowed(b)),
            Some(any_value::Value::ArrayValue(a)) => Value::List(Cow::Borrowed(&a.values)),
            Some(any_value::Value::KvlistValue(kv)) => Value::Map(Cow::Borrowed(&kv.values)),
            // A string-table index (profiles only): nothing to resolve it against.
            Some(_) => Value::Nil,
        }
    }

    /// The type name used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int64",
            Value::Double(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::Map(_) => "map",
            Value::List(_) => "slice",
            Value::Time(_) => "time.Time",
        }
    }

    /// The string form OTTL's string-like getters produce (`None` for nil):
    /// strings as is, bytes as lower-case hex, numbers and booleans in Go's
    /// formatting, maps and lists as JSON.
    pub fn to_string_like(&self) -> Option<String> {
        Some(match self {
            Value::Nil => return None,
            Value::Str(s) => s.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Double(d) => format_float(*d),
            Value::Bytes(b) => hex(b),
            Value::Map(m) => json_map(m),
            Value::List(l) => json_list(l),
            Value::Time(t) => crate::time::format_rfc3339(*t),
        })
    }

    /// The value with everything it borrows copied, so it outlives the item it was read from.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Double(d) => Value::Double(d),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::Map(m) => Value::Map(Cow::Owned(m.into_owned())),
            Value::List(l) => Value::List(Cow::Owned(l.into_owned())),
            Value::Time(t) => Value::Time(t),
        }
    }

    /// The value as an OTLP `AnyValue`, for storing it in an attribute, a
    /// list or a log body. `None` for nil; a time is stored as an empty value,
    /// as pdata has no time type.
    pub fn to_any(&self) -> Option<AnyValue> {
        let v = match self {
            Value::Nil => return None,
            Value::Bool(b) => any_value::Value::BoolValue(*b),
            Value::Int(i) => any_value::Value::IntValue(*i),
            Value::Double(d) => any_value::Value::DoubleValue(*d),
            Value::Str(s) => any_value::Value::StringValue(s.to_string()),
            Value::Bytes(b) => any_value::Value::BytesValue(b.to_vec()),
            Value::Map(m) => any_value::Value::KvlistValue(KeyValueList { values: m.to_vec() }),
            Value::List(l) => any_value::Value::ArrayValue(ArrayValue { values: l.to_vec() }),
            Value::Time(_) => return Some(AnyValue { value: None }),
        };
        Some(AnyValue { value: Some(v) })
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`-like shortest form.
pub(crate) fn format_float(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    format!("{d}")
}

/// Lower-case hex.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_any(v: Option<&AnyValue>) -> String {
    match Value::from_any(v) {
        Value::Nil => "null".into(),
        Value::Str(s) => json_str(&s),
        Value::Bytes(b) => json_str(&hex(&b)),
        Value::Map(m) => json_map(&m),
        Value::List(l) => json_list(&l),
        Value::Time(t) => json_str(&crate::time::format_rfc3339(t)),
        other => other.to_string_like().unwrap_or_default(),
    }
}

pub(crate) fn json_map(m: &[KeyValue]) -> String {
    let mut entries: Vec<&KeyValue> = m.iter().collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let body: Vec<String> = entries
        .iter()
        .map(|kv| format!("{}:{}", json_str(&kv.key), json_any(kv.value.as_ref())))
        .collect();
    format!("{{{}}}", body.join(","))
}

pub(crate) fn json_list(l: &[AnyValue]) -> String {
    let body: Vec<String> = l.iter().map(|v| json_any(Some(v))).collect();
    format!("[{}]", body.join(","))
}

/// Map equality as `pcommon.Map.Equal`: same keys with equal values, in any order.
fn maps_equal(a: &[KeyValue], b: &[KeyValue]) -> bool {
    a.len() == b.len()
        && a.iter().all(|x| {
            b.iter()
                .find(|y| y.key == x.key)
                .is_some_and(|y| values_equal(x.value.as_ref(), y.value.as_ref()))
        })
}

fn values_equal(a: Option<&AnyValue>, b: Option<&AnyValue>) -> bool {
    match (Value::from_any(a), Value::from_any(b)) {
        (Value::Map(x), Value::Map(y)) => maps_equal(&x, &y),
        (Value::List(x), Value::List(y)) => lists_equal(&x, &y),
        (x, y) => x == y,
    }
}

fn lists_equal(a: &[AnyValue], b: &[AnyValue]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_equal(Some(x), Some(y)))
}

/// Compares two values with OTTL's rules: ints and floats compare
/// numerically, strings and bytes bytewise, booleans with false < true, maps
/// and lists only for (in)equality, nil equals only nil; any other pairing is
/// "not equal" (`!=` is true, every other operator false). Never fails.
pub(super) fn compare(a: &Value<'_>, op: CmpOp, b: &Value<'_>) -> bool {
    let ord: Option<Ordering> = match (a, b) {
        (Value::Nil, Value::Nil) => {
            return op == CmpOp::Eq;
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Double(y)) => (*x as f64).partial_cmp(y),
        (Value::Double(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Str(x), Value::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Value::Map(x), Value::Map(y)) => return equality_only(op, maps_equal(x, y)),
        (Value::List(x), Value::List(y)) => return equality_only(op, lists_equal(x, y)),
        (Value::Time(x), Value::Time(y)) => Some(x.cmp(y)),
        _ => None,
    };
    match ord {
        // Mismatched types, or NaN involved: not equal.
        None => op == CmpOp::Ne,
        Some(o) => match op {
            CmpOp::Eq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
        },
    }
}

fn equality_only(op: CmpOp, equal: bool) -> bool {
    match op {
        CmpOp::Eq => equal,
        CmpOp::Ne => !equal,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::proto::common::v1::KeyValueList;

    fn s(x: &str) -> Value<'_> {
        Value::Str(Cow::Borrowed(x))
    }

    const ALL: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];

    fn table(a: &Value<'_>, b: &Value<'_>) -> [bool; 6] {
        ALL.map(|op| compare(a, op, b))
    }

    #[test]
    fn nil_is_equal_only_to_nil() {
        assert_eq!(
            table(&Value::Nil, &Value::Nil),
            [true, false, false, false, false, false]
        );
        assert_eq!(
            table(&Value::Nil, &s("")),
            [false, true, false, false, false, false]
        );
        assert_eq!(
            table(&Value::Int(0), &Value::Nil),
            [false, true, false, false, false, false]
        );
    }

    #[test]
    fn numbers_compare_across_int_and_float() {
        assert_eq!(
            table(&Value::Int(1), &Value::Double(1.0)),
            [true, false, false, true, false, true]
        );
        assert_eq!(
            table(&Value::Double(0.5), &Value::Int(1)),
            [false, true, true, true, false, false]
        );
        assert_eq!(
            table(&Value::Int(3), &Value::Int(2)),
            [false, true, false, false, true, true]
        );
        let nan = Value::Double(f64::NAN);
        assert_eq!(table(&nan, &nan), [false, true, false, false, false, false]);
    }

    #[test]
    fn strings_bools_bytes() {
        assert_eq!(table(&s("a"), &s("b")), [false, true, true, true, false, false]);
        assert_eq!(
            table(&Value::Bool(false), &Value::Bool(true)),
            [false, true, true, true, false, false]
        );
        let b = |x: &'static [u8]| Value::Bytes(Cow::Borrowed(x));
        assert_eq!(
            table(&b(&[1, 2]), &b(&[1, 2])),
            [true, false, false, true, false, true]
        );
    }

    #[test]
    fn type_mismatch_is_not_equal() {
        assert_eq!(
            table(&s("1"), &Value::Int(1)),
            [false, true, false, false, false, false]
        );
        assert_eq!(
            table(&Value::Bool(true), &Value::Int(1)),
            [false, true, false, false, false, false]
        );
    }

    #[test]
    fn maps_compare_for_equality_only_and_ignore_order() {
        let kv = |k: &str, v: i64| KeyValue {
            key: k.into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::IntValue(v)),
            }),
            ..Default::default()
        };
        let a = vec![kv("x", 1), kv("y", 2)];
        let b = vec![kv("y", 2), kv("x", 1)];
        assert_eq!(
            table(&Value::Map(Cow::Borrowed(&a)), &Value::Map(Cow::Borrowed(&b))),
            [true, false, false, false, false, false]
        );
        let c = vec![kv("x", 1)];
        assert_eq!(
            table(&Value::Map(Cow::Borrowed(&a)), &Value::Map(Cow::Borrowed(&c))),
            [false, true, false, false, false, false]
        );
    }

    #[test]
    fn string_like_forms() {
        assert_eq!(Value::Int(5).to_string_like().as_deref(), Some("5"));
        assert_eq!(Value::Double(1.5).to_string_like().as_deref(), Some("1.5"));
        assert_eq!(
            Value::Bytes(Cow::Borrowed(&[0xab, 1]))
                .to_string_like()
                .as_deref(),
            Some("ab01")
        );
        assert_eq!(Value::Nil.to_string_like(), None);
        let inner = AnyValue {
            value: Some(any_value::Value::KvlistValue(KeyValueList {
                values: vec![KeyValue {
                    key: "b".into(),
                    value: Some(AnyValue {
                        value: Some(any_value::Value::StringValue("x\"".into())),
                    }),
                    ..Default::default()
                }],
            })),
        };
        assert_eq!(
            Value::from_any(Some(&inner)).to_string_like().as_deref(),
            Some(r#"{"b":"x\""}"#)
        );
    }
}
