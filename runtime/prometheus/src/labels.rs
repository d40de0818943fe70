//! Label sets: attributes to sanitized label names, `job`/`instance` from
//! the resource, and the escaping of the text formats.

use crate::naming::sanitize_label_name;
use crate::proto::common::v1::{AnyValue, KeyValue};
use crate::value::write_any_value;

/// Resource attribute giving `job` (with [`SERVICE_NAMESPACE`]).
pub const SERVICE_NAME: &str = "service.name";
/// Resource attribute prefixed to `job` as `namespace/name`.
pub const SERVICE_NAMESPACE: &str = "service.namespace";
/// Resource attribute giving `instance`.
pub const SERVICE_INSTANCE_ID: &str = "service.instance.id";

/// The first attribute named `key`.
pub fn find_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn attr_string(attrs: &[KeyValue], key: &str) -> Option<String> {
    attrs.iter().find(|kv| kv.key == key).map(|kv| {
        let mut s = String::new();
        write_any_value(&mut s, kv.value.as_ref());
        s
    })
}

/// The `job` label of a resource: `service.namespace/service.name`, or
/// `service.name` alone; `None` without `service.name`.
pub fn job(resource: &[KeyValue]) -> Option<String> {
    let name = attr_string(resource, SERVICE_NAME)?;
    Some(match attr_string(resource, SERVICE_NAMESPACE) {
        Some(ns) => format!("{ns}/{name}"),
        None => name,
    })
}

/// The `instance` label of a resource: `service.instance.id`.
pub fn instance(resource: &[KeyValue]) -> Option<String> {
    attr_string(resource, SERVICE_INSTANCE_ID)
}

/// True for the resource attributes that become `job` and `instance`.
pub fn is_identifying(key: &str) -> bool {
    key == SERVICE_NAME || key == SERVICE_NAMESPACE || key == SERVICE_INSTANCE_ID
}

/// Point attributes merged with resource attributes, the resource winning
/// for equal keys (Go `resource_to_telemetry_conversion`).
pub fn merge_resource<'a>(point: &'a [KeyValue], resource: &'a [KeyValue]) -> Vec<&'a KeyValue> {
    let mut out: Vec<&KeyValue> = point
        .iter()
        .filter(|kv| !resource.iter().any(|r| r.key == kv.key))
        .collect();
    out.extend(resource.iter());
    out
}

/// A set of labels: sanitized unique names, sorted by [`LabelSet::sort`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSet {
    labels: Vec<(String, String)>,
}

impl LabelSet {
    /// An empty set with room for `n` labels.
    pub fn with_capacity(n: usize) -> Self {
        LabelSet {
            labels: Vec::with_capacity(n),
        }
    }

    /// Adds attributes as labels named `prefix` + key, sanitized. Keys that
    /// collide after sanitizing are joined with `;` in the order of their
    /// original keys (equal values once), as the Go translator does. Keys
    /// that sanitize to nothing are skipped.
    pub fn add_attributes<'a>(&mut self, attrs: impl IntoIterator<Item = &'a KeyValue>, prefix: &str) {
        let mut sorted: Vec<&KeyValue> = attrs.into_iter().collect();
        sorted.sort_by(|a, b| a.key.cmp(&b.key));
        let mut key = String::new();
        for kv in sorted {
            key.clear();
            key.push_str(prefix);
            key.push_str(&kv.key);
            let Ok(name) = sanitize_label_name(&key) else {
                continue;
            };
            let mut value = String::new();
            write_any_value(&mut value, kv.value.as_ref());
            match self.labels.iter_mut().find(|(n, _)| *n == name) {
                Some((_, existing)) => {
                    if *existing != value {
                        existing.push(';');
                        existing.push_str(&value);
                    }
                }
                None => self.labels.push((name, value)),
            }
        }
    }

    /// Sets `name` to `value`, replacing any value it had.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.labels.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.labels.push((name.to_string(), value)),
        }
    }

    /// Sets `name` to `value` unless it is already set.
    pub fn set_if_absent(&mut self, name: &str, value: impl Into<String>) {
        if self.get(name).is_none() {
            self.labels.push((name.to_string(), value.into()));
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sorts by label name.
    pub fn sort(&mut self) {
        self.labels.sort_by(|a, b| a.0.cmp(&b.0));
    }

    /// The labels, in their current order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.labels.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labels as `(name, value)` pairs.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.labels
    }

    /// Writes `a="x",b="y"` (no braces), values escaped for the text formats.
    pub fn write_text(&self, out: &mut String) {
        for (i, (n, v)) in self.labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(n);
            out.push_str("=\"");
            escape_label_value(out, v);
            out.push('"');
        }
    }
}

/// Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`.
pub fn escape_label_value(out: &mut String, v: &str) {
    if !v.contains(['\\', '"', '\n']) {
        out.push_str(v);
        return;
    }
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Escapes `HELP` text: `\` → `\\`, newline → `\n`, and `"` → `\"` when `quotes` (OpenMetrics).
pub fn escape_help(out: &mut String, v: &str, quotes: bool) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quotes => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::common::v1::any_value::Value;

    fn kv(k: &str, v: &str) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(v.into())),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn job_and_instance() {
        let r = vec![kv("service.name", "api"), kv("service.instance.id", "i-1")];
        assert_eq!(job(&r).as_deref(), Some("api"));
        assert_eq!(instance(&r).as_deref(), Some("i-1"));
        let r = vec![kv("service.namespace", "shop"), kv("service.name", "api")];
        assert_eq!(job(&r).as_deref(), Some("shop/api"));
        assert_eq!(instance(&r), None);
        assert_eq!(job(&[kv("service.namespace", "x")]), None);
    }

    #[test]
    fn sanitized_collisions_join_values() {
        let mut l = LabelSet::default();
        l.add_attributes(
            &[kv("a_b", "2"), kv("a.b", "1"), kv("a-b", "1"), kv("9x", "n")],
            "",
        );
        l.sort();
        let v: Vec<_> = l.iter().collect();
        assert_eq!(v, vec![("a_b", "1;2"), ("key_9x", "n")]);
    }

    #[test]
    fn prefix_and_set() {
        let mut l = LabelSet::default();
        l.add_attributes(&[kv("lib.attr", "x")], "otel_scope_");
        l.set("job", "j");
        l.set("job", "k");
        l.set_if_absent("job", "ignored");
        l.sort();
        let mut s = String::new();
        l.write_text(&mut s);
        assert_eq!(s, r#"job="k",otel_scope_lib_attr="x""#);
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        escape_label_value(&mut s, "a\"b\\c\nd");
        assert_eq!(s, r#"a\"b\\c\nd"#);
        let mut h = String::new();
        escape_help(&mut h, "say \"hi\"\n", false);
        assert_eq!(h, "say \"hi\"\\n");
        h.clear();
        escape_help(&mut h, "say \"hi\"", true);
        assert_eq!(h, "say \\\"hi\\\"");
    }

    #[test]
    fn resource_wins_on_merge() {
        let point = vec![kv("a", "p"), kv("b", "p")];
        let res = vec![kv("a", "r")];
        let merged: Vec<_> = merge_resource(&point, &res)
            .into_iter()
            .map(|k| k.key.as_str())
            .collect();
        assert_eq!(merged, vec!["b", "a"]);
    }
}
