//! The `convert` action: change a value's type, as the Go collector's
//! `convertValue`. A value that cannot be converted is left as it is.

use otelcol_component::proto::common::v1::{AnyValue, any_value::Value};

use crate::format::{as_string, type_name};

/// A `converted_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvertTarget {
    /// `string`: any value becomes its Go string form.
    Str,
    /// `int`: doubles truncate, bools become 0/1, strings are parsed base 10.
    Int,
    /// `double`: ints and bools widen, strings are parsed.
    Double,
}

impl ConvertTarget {
    /// Parses `string`, `int` or `double` (case-sensitive, as Go).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "string" => Some(ConvertTarget::Str),
            "int" => Some(ConvertTarget::Int),
            "double" => Some(ConvertTarget::Double),
            _ => None,
        }
    }

    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConvertTarget::Str => "string",
            ConvertTarget::Int => "int",
            ConvertTarget::Double => "double",
        }
    }
}

/// Converts `v` in place; `key` is only used for the debug log of a failure.
pub(crate) fn convert_value(key: &str, target: ConvertTarget, v: &mut AnyValue) {
    let new = match (target, &v.value) {
        (ConvertTarget::Str, Some(Value::StringValue(_))) => None,
        (ConvertTarget::Str, _) => Some(Value::StringValue(as_string(v))),
        (ConvertTarget::Int, Some(Value::IntValue(_))) => None,
        (ConvertTarget::Int, Some(Value::DoubleValue(d))) => Some(Value::IntValue(go_f64_to_i64(*d))),
        (ConvertTarget::Int, Some(Value::BoolValue(b))) => Some(Value::IntValue(i64::from(*b))),
        (ConvertTarget::Int, Some(Value::StringValue(s))) => match s.parse::<i64>() {
            Ok(n) => Some(Value::IntValue(n)),
            Err(e) => {
                tracing::debug!(key, value = %s, error = %e, "String could not be converted to int");
                None
            }
        },
        (ConvertTarget::Double, Some(Value::DoubleValue(_))) => None,
        (ConvertTarget::Double, Some(Value::IntValue(i))) => Some(Value::DoubleValue(*i as f64)),
        (ConvertTarget::Double, Some(Value::BoolValue(b))) => {
            Some(Value::DoubleValue(if *b { 1.0 } else { 0.0 }))
        }
        (ConvertTarget::Double, Some(Value::StringValue(s))) => match go_parse_float(s) {
            Some(n) => Some(Value::DoubleValue(n)),
            None => {
                tracing::debug!(key, value = %s, "String could not be converted to double");
                None
            }
        },
        (target, _) => {
            tracing::debug!(
                key,
                from = type_name(v),
                to = target.as_str(),
                "Unable to convert type"
            );
            None
        }
    };
    if let Some(new) = new {
        v.value = Some(new);
    }
}

/// Go's `int64(f)` on amd64: truncation toward zero; NaN and values outside
/// the int64 range give `i64::MIN` (Rust's `as` would saturate instead).
fn go_f64_to_i64(f: f64) -> i64 {
    // 2^63 is exactly representable; i64::MAX is not.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input: optional sign,
/// digits with optional fraction and exponent, `inf`/`infinity` (any case,
/// optional sign) and `nan` (any case, no sign). Out-of-range input is an
/// error, as in Go. Hexadecimal floats are not accepted.
fn go_parse_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let negative = s.starts_with('-');
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if s.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    if unsigned.is_empty()
        || !unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    // Rust saturates to infinity where Go reports a range error.
    f.is_finite().then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(target: ConvertTarget, value: Option<Value>) -> Option<Value> {
        let mut v = AnyValue { value };
        convert_value("k", target, &mut v);
        v.value
    }

    use ConvertTarget::{Double, Int, Str};
    use Value::{BoolValue as B, BytesValue as Y, DoubleValue as D, IntValue as I, StringValue as S};

    #[test]
    fn table() {
        let s = |x: &str| S(x.to_owned());
        let cases: Vec<(ConvertTarget, Option<Value>, Option<Value>)> = vec![
            (Str, Some(s("x")), Some(s("x"))),
            (Str, Some(I(42)), Some(s("42"))),
            (Str, Some(D(2.5)), Some(s("2.5"))),
            (Str, Some(B(true)), Some(s("true"))),
            (Str, Some(Y(vec![1, 2, 3])), Some(s("AQID"))),
            (Str, None, Some(s(""))),
            (Int, Some(I(7)), Some(I(7))),
            (Int, Some(D(2.9)), Some(I(2))),
            (Int, Some(D(-2.9)), Some(I(-2))),
            (Int, Some(D(f64::NAN)), Some(I(i64::MIN))),
            (Int, Some(D(1e30)), Some(I(i64::MIN))),
            (Int, Some(B(true)), Some(I(1))),
            (Int, Some(B(false)), Some(I(0))),
            (Int, Some(s("123")), Some(I(123))),
            (Int, Some(s("-5")), Some(I(-5))),
            (Int, Some(s("+5")), Some(I(5))),
            (Int, Some(s("12.5")), Some(s("12.5"))),
            (Int, Some(s("abc")), Some(s("abc"))),
            (
                Int,
                Some(s("99999999999999999999")),
                Some(s("99999999999999999999")),
            ),
            (Int, Some(Y(vec![1])), Some(Y(vec![1]))),
            (Int, None, None),
            (Double, Some(D(1.5)), Some(D(1.5))),
            (Double, Some(I(3)), Some(D(3.0))),
            (Double, Some(B(true)), Some(D(1.0))),
            (Double, Some(B(false)), Some(D(0.0))),
            (Double, Some(s("2.5")), Some(D(2.5))),
            (Double, Some(s("1e3")), Some(D(1000.0))),
            (Double, Some(s("-Inf")), Some(D(f64::NEG_INFINITY))),
            (Double, Some(s("1e400")), Some(s("1e400"))),
            (Double, Some(s("x1")), Some(s("x1"))),
            (Double, Some(s("")), Some(s(""))),
            (Double, Some(Y(vec![])), Some(Y(vec![]))),
        ];
        for (target, input, want) in cases {
            assert_eq!(conv(target, input.clone()), want, "{target:?} {input:?}");
        }
    }

    #[test]
    fn nan_string_parses() {
        let Some(D(f)) = conv(Double, Some(S("NaN".into()))) else {
            panic!("not converted")
        };
        assert!(f.is_nan());
        assert_eq!(conv(Double, Some(S("+nan".into()))), Some(S("+nan".into())));
    }

    #[test]
    fn target_names() {
        for t in [Str, Int, Double] {
            assert_eq!(ConvertTarget::parse(t.as_str()), Some(t));
        }
        assert_eq!(ConvertTarget::parse("INT"), None);
        assert_eq!(ConvertTarget::parse("bool"), None);
    }
}
