//! The converters added for the transform processor: string, hashing,
//! parsing, time and id functions (Go `ottlfuncs`).

use std::borrow::Cow;

use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value};
use sha2::{Digest, Sha256};

use super::context::EvalCtx;
use super::error::EvalError;
use super::eval::{Case, Func, eval_value};
use super::value::{Value, format_float, hex};

/// A string argument (Go `StringGetter`): nil and other types are errors.
pub(crate) fn string_arg<'a>(f: &str, v: Value<'a>) -> Result<Cow<'a, str>, EvalError> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(EvalError::new(format!(
            "{f}: expected string but got {}",
            other.type_name()
        ))),
    }
}

/// An integer argument (Go `IntGetter`).
pub(crate) fn int_arg(f: &str, v: &Value<'_>) -> Result<i64, EvalError> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(EvalError::new(format!(
            "{f}: expected int64 but got {}",
            other.type_name()
        ))),
    }
}

fn str_val(s: String) -> Value<'static> {
    Value::Str(Cow::Owned(s))
}

/// Evaluates one of the converters of this module.
pub(crate) fn call<'a>(f: &'a Func, ctx: &EvalCtx<'a>) -> Result<Value<'a>, EvalError> {
    Ok(match f {
        Func::ConvertCase(v, case) => match eval_value(v, ctx)? {
            Value::Str(s) => str_val(convert_case(&s, *case)),
            _ => Value::Nil,
        },
        Func::ParseJson(v) => {
            let s = string_arg("ParseJSON", eval_value(v, ctx)?)?;
            let parsed: serde_json::Value =
                serde_json::from_str(&s).map_err(|e| EvalError::new(format!("ParseJSON: {e}")))?;
            match parsed {
                serde_json::Value::Object(m) => Value::Map(Cow::Owned(json_object(m))),
                serde_json::Value::Array(a) => Value::List(Cow::Owned(a.into_iter().map(json_any).collect())),
                _ => {
                    return Err(EvalError::new(
                        "ParseJSON: could only parse a JSON object or array",
                    ));
                }
            }
        }
        Func::Sha256(v) => {
            let s = string_arg("SHA256", eval_value(v, ctx)?)?;
            str_val(hex(&Sha256::digest(s.as_bytes())))
        }
        Func::Split(v, delim) => {
            let s = string_arg("Split", eval_value(v, ctx)?)?;
            let d = string_arg("Split", eval_value(delim, ctx)?)?;
            Value::List(Cow::Owned(split(&s, &d).into_iter().map(any_str).collect()))
        }
        Func::Substring(v, start, len) => {
            let start = int_arg("Substring", &eval_value(start, ctx)?)?;
            if start < 0 {
                return Err(EvalError::new(format!(
                    "invalid start for substring function, {start} cannot be negative"
                )));
            }
            let len = int_arg("Substring", &eval_value(len, ctx)?)?;
            if len <= 0 {
                return Err(EvalError::new(format!(
                    "invalid length for substring function, {len} cannot be negative or zero"
                )));
            }
            let s = string_arg("Substring", eval_value(v, ctx)?)?;
            let n = i64::try_from(s.len()).unwrap_or(i64::MAX);
            if start > n || len > n - start {
                return Err(EvalError::new(format!(
                    "invalid range for substring function, start({start})+length({len}) cannot be greater than the length of target string({n})"
                )));
            }
            let (a, b) = (start as usize, (start + len) as usize);
            match s.get(a..b) {
                Some(sub) => str_val(sub.to_string()),
                None => {
                    return Err(EvalError::new(format!(
                        "invalid range for substring function, start({start})+length({len}) splits a UTF-8 character"
                    )));
                }
            }
        }
        Func::Time(v, format) => {
            let s = string_arg("Time", eval_value(v, ctx)?)?;
            if s.is_empty() {
                return Err(EvalError::new("time cannot be nil"));
            }
            Value::Time(crate::time::parse(&s, format).map_err(|e| EvalError::new(format!("Time: {e}")))?)
        }
        Func::UnixNano(v) => match eval_value(v, ctx)? {
            Value::Time(t) => Value::Int(t),
            other => {
                return Err(EvalError::new(format!(
                    "UnixNano: expected time but got {}",
                    other.type_name()
                )));
            }
        },
        Func::TraceId(v) => Value::Bytes(Cow::Owned(id_bytes("TraceID", eval_value(v, ctx)?, 16)?)),
        Func::SpanId(v) => Value::Bytes(Cow::Owned(id_bytes("SpanID", eval_value(v, ctx)?, 8)?)),
        Func::Hex(v) => {
            let bytes: Vec<u8> = match eval_value(v, ctx)? {
                Value::Bytes(b) => b.into_owned(),
                Value::Str(s) => s.as_bytes().to_vec(),
                Value::Int(i) => i.to_be_bytes().to_vec(),
                Value::Double(d) => d.to_bits().to_be_bytes().to_vec(),
                Value::Bool(b) => vec![u8::from(b)],
                other => {
                    return Err(EvalError::new(format!(
                        "Hex: unsupported type {}",
                        other.type_name()
                    )));
                }
            };
            str_val(hex(&bytes))
        }
        Func::Format(format, items) => {
            let mut args = Vec::with_capacity(items.len());
            for item in items {
                args.push(eval_value(item, ctx)?);
            }
            str_val(sprintf(format, &args))
        }
        Func::ExtractPatterns(v, re) => {
            let s = string_arg("ExtractPatterns", eval_value(v, ctx)?)?;
            let mut out = Vec::new();
            if let Some(caps) = re.captures(&s) {
                for (i, name) in re.capture_names().enumerate() {
                    if let Some(name) = name {
                        let text = caps.get(i).map_or("", |m| m.as_str());
                        put(&mut out, name, any_str(text.to_string()));
                    }
                }
            }
            Value::Map(Cow::Owned(out))
        }
        other => {
            return Err(EvalError::new(format!(
                "converter {other:?} is not evaluated here"
            )));
        }
    })
}

fn id_bytes(f: &str, v: Value<'_>, len: usize) -> Result<Vec<u8>, EvalError> {
    match v {
        Value::Bytes(b) if b.len() == len => Ok(b.into_owned()),
        Value::Bytes(b) => Err(EvalError::new(format!(
            "{f}: expected {len} bytes but got {}",
            b.len()
        ))),
        other => Err(EvalError::new(format!(
            "{f}: expected bytes but got {}",
            other.type_name()
        ))),
    }
}

/// A string `AnyValue`.
pub(crate) fn any_str(s: String) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(s)),
    }
}

/// Sets `k` in `m` (replacing the first entry with that key, or appending).
pub(crate) fn put(m: &mut Vec<KeyValue>, k: &str, v: AnyValue) {
    match m.iter_mut().find(|kv| kv.key == k) {
        Some(kv) => kv.value = Some(v),
        None => m.push(KeyValue {
            key: k.to_string(),
            value: Some(v),
            ..Default::default()
        }),
    }
}

/// Go `strings.Split`: an empty delimiter splits into UTF-8 characters.
fn split(s: &str, d: &str) -> Vec<String> {
    if d.is_empty() {
        return s.chars().map(String::from).collect();
    }
    s.split(d).map(str::to_string).collect()
}

fn json_object(m: serde_json::Map<String, serde_json::Value>) -> Vec<KeyValue> {
    let mut out = Vec::with_capacity(m.len());
    for (k, v) in m {
        put(&mut out, &k, json_any(v));
    }
    out
}

/// A JSON value as pcommon holds it after Go's `ParseJSON`: numbers are doubles.
fn json_any(v: serde_json::Value) -> AnyValue {
    use serde_json::Value as J;
    let value = match v {
        J::Null => None,
        J::Bool(b) => Some(any_value::Value::BoolValue(b)),
        J::Number(n) => Some(any_value::Value::DoubleValue(n.as_f64().unwrap_or(f64::NAN))),
        J::String(s) => Some(any_value::Value::StringValue(s)),
        J::Array(a) => Some(any_value::Value::ArrayValue(ArrayValue {
            values: a.into_iter().map(json_any).collect(),
        })),
        J::Object(m) => Some(any_value::Value::KvlistValue(KeyValueList {
            values: json_object(m),
        })),
    };
    AnyValue { value }
}

/// Words of an identifier: split at non-alphanumerics, at lower→upper and
/// letter↔digit changes, and before the last capital of an acronym
/// (`HTTPServer` → `HTTP`, `Server`).
fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&prev) = cur.chars().last().as_ref() {
            let next = chars.get(i + 1).copied();
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase))
                || (prev.is_ascii_digit() != c.is_ascii_digit() && prev.is_ascii_digit());
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `ConvertCase` (Go `strcase.ToSnake` / `strcase.ToCamel` for snake and camel).
pub(crate) fn convert_case(s: &str, case: Case) -> String {
    match case {
        Case::Lower => s.to_lowercase(),
        Case::Upper => s.to_uppercase(),
        Case::Snake => words(s)
            .iter()
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join("_"),
        Case::Camel => words(s)
            .iter()
            .map(|w| {
                let lower = w.to_lowercase();
                let mut cs = lower.chars();
                match cs.next() {
                    Some(f) => f.to_uppercase().chain(cs).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect(),
    }
}

/// A subset of Go's `fmt.Sprintf`: `%s`, `%v`, `%d`, `%f` (with an optional
/// precision such as `%.2f`), `%t`, `%x`, `%q` and `%%`. A verb without an
/// argument renders `%!v(MISSING)`, a wrong type `%!d(string=x)`, and
/// arguments left over `%!(EXTRA ...)`, as Go does.
pub(crate) fn sprintf(format: &str, args: &[Value<'_>]) -> String {
    let mut out = String::new();
    let mut it = format.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut precision: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            let mut digits = String::new();
            while let Some(d) = it.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                it.next();
            }
            precision = Some(digits.parse().unwrap_or(0));
        }
        let Some(verb) = it.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let plain = || arg.to_string_like().unwrap_or_else(|| "<nil>".to_string());
        let bad = || format!("%!{verb}({}={})", arg.type_name(), plain());
        let s = match (verb, arg) {
            ('s' | 'v', _) => plain(),
            ('d', Value::Int(i)) => i.to_string(),
            ('f' | 'F', Value::Double(d)) => format!("{d:.*}", precision.unwrap_or(6)),
            ('t', Value::Bool(b)) => b.to_string(),
            ('x', Value::Int(i)) => format!("{i:x}"),
            ('x', Value::Str(s)) => hex(s.as_bytes()),
            ('x', Value::Bytes(b)) => hex(b),
            ('q', Value::Str(s)) => format!("{s:?}"),
            ('g', Value::Double(d)) => format_float(*d),
            _ => bad(),
        };
        out.push_str(&s);
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| {
                format!(
                    "{}={}",
                    a.type_name(),
                    a.to_string_like().unwrap_or_else(|| "<nil>".into())
                )
            })
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convert_case_matches_strcase() {
        assert_eq!(convert_case("someName", Case::Snake), "some_name");
        assert_eq!(convert_case("HTTPServer", Case::Snake), "http_server");
        assert_eq!(convert_case("some_name", Case::Camel), "SomeName");
        assert_eq!(convert_case("some-name here", Case::Camel), "SomeNameHere");
        assert_eq!(convert_case("SOME_NAME", Case::Lower), "some_name");
        assert_eq!(convert_case("some_name", Case::Upper), "SOME_NAME");
        assert_eq!(convert_case("", Case::Snake), "");
    }

    #[test]
    fn sprintf_subset() {
        let s = |x: &'static str| Value::Str(Cow::Borrowed(x));
        assert_eq!(sprintf("%s-%d", &[s("a"), Value::Int(3)]), "a-3");
        assert_eq!(sprintf("%.2f%%", &[Value::Double(1.005)]), "1.00%");
        assert_eq!(sprintf("%d", &[s("x")]), "%!d(string=x)");
        assert_eq!(sprintf("%s %s", &[s("a")]), "a %!s(MISSING)");
        assert_eq!(sprintf("%s", &[s("a"), Value::Int(1)]), "a%!(EXTRA int64=1)");
        assert_eq!(sprintf("%v", &[Value::Nil]), "<nil>");
    }

    #[test]
    fn split_like_go() {
        assert_eq!(split("a,b,,c", ","), vec!["a", "b", "", "c"]);
        assert_eq!(split("", ","), vec![""]);
        assert_eq!(split("ab", ""), vec!["a", "b"]);
    }

    #[test]
    fn sha256_known_vectors() {
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
