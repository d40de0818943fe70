#![allow(clippy::unwrap_used)]

use otelcol_component::proto::common::v1::{ArrayValue, KeyValueList};

use super::*;

fn kv(key: &str, v: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn s(v: &str) -> Value {
    Value::StringValue(v.into())
}

fn strs(attrs: &[KeyValue]) -> Vec<(String, String)> {
    attrs
        .iter()
        .map(|kv| {
            let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Value::StringValue(s)) => s.clone(),
                other => format!("{other:?}"),
            };
            (kv.key.clone(), v)
        })
        .collect()
}

/// (what, attributes, keys, separator, expected name).
type FromCase = (
    &'static str,
    Vec<KeyValue>,
    Vec<String>,
    &'static str,
    Option<&'static str>,
);

#[test]
fn name_from_attributes_table() {
    let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let full = vec![
        kv("db.svc", s("location")),
        kv("operation", s("get")),
        kv("id", Value::IntValue(1234)),
    ];
    let cases: Vec<FromCase> = vec![
        (
            "all present",
            full.clone(),
            keys(&["db.svc", "operation", "id"]),
            "::",
            Some("location::get::1234"),
        ),
        (
            "no separator",
            full.clone(),
            keys(&["db.svc", "operation", "id"]),
            "",
            Some("locationget1234"),
        ),
        (
            "order of the keys",
            full.clone(),
            keys(&["id", "db.svc"]),
            "-",
            Some("1234-location"),
        ),
        (
            "one missing",
            full.clone(),
            keys(&["db.svc", "missing"]),
            "::",
            None,
        ),
        ("no attributes", vec![], keys(&["db.svc"]), "::", None),
        ("no keys", full.clone(), vec![], "::", None),
        (
            "every type",
            vec![
                kv("b", Value::BoolValue(true)),
                kv("d", Value::DoubleValue(1.5)),
                kv("big", Value::DoubleValue(1e21)),
                kv("i", Value::IntValue(-7)),
                kv("bytes", Value::BytesValue(vec![1])),
                kv("arr", Value::ArrayValue(ArrayValue::default())),
                kv("map", Value::KvlistValue(KeyValueList::default())),
                KeyValue {
                    key: "empty".into(),
                    value: None,
                    ..Default::default()
                },
            ],
            keys(&["b", "d", "big", "i", "bytes", "arr", "map", "empty"]),
            "|",
            Some(
                "true|1.5|1000000000000000000000|-7|<unknown-attribute-type>|<unknown-attribute-type>|<unknown-attribute-type>|<unknown-attribute-type>",
            ),
        ),
        (
            "first of duplicate keys",
            vec![kv("k", s("first")), kv("k", s("second"))],
            keys(&["k"]),
            "",
            Some("first"),
        ),
        (
            "key used twice",
            full.clone(),
            keys(&["id", "id"]),
            ".",
            Some("1234.1234"),
        ),
    ];
    for (what, attrs, keys, sep, want) in cases {
        assert_eq!(
            name_from_attributes(&attrs, &keys, sep).as_deref(),
            want,
            "{what}"
        );
    }
}

#[test]
fn go_float_format() {
    for (f, want) in [
        (1.0, "1"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (123456.789, "123456.789"),
        (-0.0, "-0"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "+Inf"),
        (f64::NEG_INFINITY, "-Inf"),
    ] {
        assert_eq!(go_format_float(f), want, "{f}");
    }
}

/// Applies `rule` to a span named `name` with `attrs`; returns (matched, name, attributes).
fn run(rule: &str, name: &str, attrs: Vec<KeyValue>, keep: bool) -> (bool, String, Vec<(String, String)>) {
    let rule = ToAttributeRule::new(rule).unwrap();
    let mut span = Span {
        name: name.into(),
        attributes: attrs,
        ..Default::default()
    };
    let matched = rule.apply(&mut span, keep);
    (matched, span.name, strs(&span.attributes))
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// (what, rule, name, keep_original_name, matched, new name, attributes).
type ToCase = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    &'static str,
    Vec<(String, String)>,
);

#[test]
fn to_attributes_table() {
    let doc = r"^\/api\/v1\/document\/(?P<documentId>.*)\/update$";
    let cases: Vec<ToCase> = vec![
        (
            "README example",
            doc,
            "/api/v1/document/12345678/update",
            false,
            true,
            "/api/v1/document/{documentId}/update",
            pairs(&[("documentId", "12345678")]),
        ),
        (
            "keep_original_name",
            doc,
            "/api/v1/document/12345678/update",
            true,
            true,
            "/api/v1/document/12345678/update",
            pairs(&[("documentId", "12345678")]),
        ),
        ("no match", doc, "/api/v2/x", false, false, "/api/v2/x", vec![]),
        (
            "two groups, unanchored, remainder kept",
            r"(?P<a>\d+)-(?P<b>\d+)",
            "x 12-34 y",
            false,
            true,
            "x {a}-{b} y",
            pairs(&[("a", "12"), ("b", "34")]),
        ),
        (
            "whole name",
            "(?P<operation_website>.*?)$",
            "bank/acct",
            false,
            true,
            "{operation_website}",
            pairs(&[("operation_website", "bank/acct")]),
        ),
        (
            "unnamed group becomes the empty key, as in Go",
            r"^(\w+)/(?P<id>\d+)$",
            "user/42",
            false,
            true,
            "{}/{id}",
            pairs(&[("", "user"), ("id", "42")]),
        ),
        (
            "group that took no part: empty attribute, name part kept (Go panics)",
            r"^(?P<a>x)?y(?P<b>z)$",
            "yz",
            false,
            true,
            "y{b}",
            pairs(&[("a", ""), ("b", "z")]),
        ),
        (
            "nested group: attribute set, name replaced once (Go panics)",
            r"^(?P<outer>a(?P<inner>b)c)d$",
            "abcd",
            false,
            true,
            "{outer}d",
            pairs(&[("outer", "abc"), ("inner", "b")]),
        ),
        (
            "empty group at the end of a group",
            r"^(?P<a>x(?P<b>))y$",
            "xy",
            false,
            true,
            "{a}{b}y",
            pairs(&[("a", "x"), ("b", "")]),
        ),
        (
            "no groups: name rebuilt unchanged",
            r"^foo",
            "foobar",
            false,
            true,
            "foobar",
            vec![],
        ),
        (
            "multi-byte text",
            r"^/(?P<who>[^/]+)/ok$",
            "/héllo→/ok",
            false,
            true,
            "/{who}/ok",
            pairs(&[("who", "héllo→")]),
        ),
    ];
    for (what, rule, name, keep, want_match, want_name, want_attrs) in cases {
        let (matched, new_name, attrs) = run(rule, name, vec![], keep);
        assert_eq!(matched, want_match, "{what}");
        assert_eq!(new_name, want_name, "{what}");
        assert_eq!(attrs, want_attrs, "{what}");
    }
}

#[test]
fn extracted_attributes_overwrite_existing_ones() {
    let (_, _, attrs) = run(
        r"^(?P<id>\d+)$",
        "42",
        vec![kv("other", s("o")), kv("id", s("old")), kv("id", s("dup"))],
        false,
    );
    assert_eq!(attrs, pairs(&[("other", "o"), ("id", "42"), ("id", "dup")]));
}

#[test]
fn group_names_follow_go() {
    assert!(ToAttributeRule::new("(?P<ok_1>x)(?<also>y)").is_ok());
    assert!(ToAttributeRule::new("(?P<a.b>x)").is_err());
    assert!(ToAttributeRule::new("(?P<a[0]>x)").is_err());
    assert!(ToAttributeRule::new("(").is_err());
}
