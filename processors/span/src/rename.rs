//! Span renaming: the name from attributes (`from_attributes`), attributes
//! from the name (`to_attributes`), exactly as Go's `spanprocessor`.

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::trace::v1::Span;
use otelcol_pdata::edit::{AttrList, Scalar};
use regex::Regex;

/// What Go writes for an attribute value that is not a string, bool, int or double.
pub const UNKNOWN_ATTRIBUTE_TYPE: &str = "<unknown-attribute-type>";

/// One compiled `to_attributes` rule: the regex and its group names
/// (index 0 is the whole match; unnamed groups have the name `""`, as Go's
/// `SubexpNames`).
#[derive(Clone, Debug)]
pub struct ToAttributeRule {
    re: Regex,
    names: Vec<String>,
}

/// Why a rule does not compile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

impl ToAttributeRule {
    /// Compiles a rule. Group names must be letters, digits and `_`, as Go requires.
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        let re = Regex::new(pattern).map_err(|e| PatternError(e.to_string()))?;
        let names: Vec<String> = re
            .capture_names()
            .map(|n| n.unwrap_or_default().to_owned())
            .collect();
        if let Some(bad) = names
            .iter()
            .find(|n| !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(PatternError(format!("invalid named capture: `(?P<{bad}>`")));
        }
        Ok(ToAttributeRule { re, names })
    }

    /// Applies the rule to `span`; returns whether it matched.
    ///
    /// Every group's text is upserted as a string attribute named after the
    /// group (unnamed groups give the key `""`, as in Go); the name is rebuilt
    /// with each group's text replaced by `{name}` and set unless
    /// `keep_original_name`. Where Go would panic (a group that took no part
    /// in the match, or one nested inside a group already replaced), the
    /// attribute is still set (to `""` for a group that took no part) and
    /// that part of the name is left as it is.
    pub fn apply(&self, span: &mut Span, keep_original_name: bool) -> bool {
        let old = span.name.clone();
        let Some(caps) = self.re.captures(&old) else {
            return false;
        };
        let mut name = String::with_capacity(old.len());
        let mut done = 0;
        for (i, group) in self.names.iter().enumerate().skip(1) {
            let Some(m) = caps.get(i) else {
                put_str(&mut span.attributes, group, "");
                continue;
            };
            put_str(&mut span.attributes, group, m.as_str());
            if m.start() >= done {
                name.push_str(old.get(done..m.start()).unwrap_or_default());
                name.push('{');
                name.push_str(group);
                name.push('}');
                done = m.end();
            }
        }
        name.push_str(old.get(done..).unwrap_or_default());
        if !keep_original_name {
            span.name = name;
        }
        true
    }
}

/// Go's `processFromAttributes`: the new name, if every key is present.
pub fn name_from_attributes(attrs: &[KeyValue], keys: &[String], separator: &str) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    build_name(keys, separator, |key| {
        attrs
            .iter()
            .find(|kv| kv.key == key)
            .map(|kv| scalar_of(kv.value.as_ref()))
    })
}

/// [`name_from_attributes`] on an encoded span's attribute list.
pub(crate) fn name_from_encoded_attributes(
    attrs: &AttrList<'_>,
    keys: &[String],
    separator: &str,
) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    build_name(keys, separator, |key| attrs.find(key).map(|i| attrs.scalar(i)))
}

/// The name from the values `lookup` finds for `keys` (the first attribute
/// with the key), joined by `separator`; `None` if a key is missing.
fn build_name<'a>(
    keys: &[String],
    separator: &str,
    mut lookup: impl FnMut(&str) -> Option<Scalar<'a>>,
) -> Option<String> {
    if keys.is_empty() {
        return None;
    }
    let mut name = String::new();
    for (i, key) in keys.iter().enumerate() {
        let value = lookup(key)?;
        if i > 0 {
            name.push_str(separator);
        }
        push_value(&mut name, value);
    }
    Some(name)
}

/// A decoded value as the encoded lists read it.
fn scalar_of(v: Option<&AnyValue>) -> Scalar<'_> {
    match v.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => Scalar::Str(s),
        Some(Value::BoolValue(b)) => Scalar::Bool(*b),
        Some(Value::IntValue(i)) => Scalar::Int(*i),
        Some(Value::DoubleValue(d)) => Scalar::Double(*d),
        _ => Scalar::Other,
    }
}

/// A value as Go writes it into the name.
fn push_value(name: &mut String, v: Scalar<'_>) {
    match v {
        Scalar::Str(s) => name.push_str(s),
        Scalar::Bool(b) => name.push_str(if b { "true" } else { "false" }),
        Scalar::Int(i) => name.push_str(&i.to_string()),
        Scalar::Double(d) => name.push_str(&go_format_float(d)),
        Scalar::Other => name.push_str(UNKNOWN_ATTRIBUTE_TYPE),
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits,
/// never an exponent; `NaN`, `+Inf`, `-Inf`.
pub fn go_format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f == f64::INFINITY {
        "+Inf".to_owned()
    } else if f == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        format!("{f}")
    }
}

/// Sets `key` to the string `value` as Go's `Map.PutStr`: overwrites the
/// first attribute with that key or appends one.
fn put_str(attrs: &mut Vec<KeyValue>, key: &str, value: &str) {
    let v = Some(AnyValue {
        value: Some(Value::StringValue(value.to_owned())),
    });
    match attrs.iter_mut().find(|kv| kv.key == key) {
        Some(kv) => kv.value = v,
        None => attrs.push(KeyValue {
            key: key.to_owned(),
            value: v,
            ..Default::default()
        }),
    }
}

#[cfg(test)]
#[path = "rename_tests.rs"]
mod tests;
