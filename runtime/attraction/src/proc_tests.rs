//! Table-driven tests of [`AttrProc`], mirroring Go's `attraction_test.go`.

use std::collections::BTreeMap;

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::{ClientInfo, RequestContext};

use crate::{ActionConfig, AttrProc, ConfigValue, sha256_hex};

fn s(v: &str) -> Value {
    Value::StringValue(v.into())
}

fn attrs(entries: &[(&str, Value)]) -> Vec<KeyValue> {
    entries
        .iter()
        .map(|(k, v)| KeyValue {
            key: (*k).into(),
            value: Some(AnyValue {
                value: Some(v.clone()),
            }),
            ..Default::default()
        })
        .collect()
}

/// Attributes as a sorted map, for order-insensitive comparison (Go compares `AsRaw()` maps).
fn as_map(list: &[KeyValue]) -> BTreeMap<String, Option<Value>> {
    list.iter()
        .map(|kv| (kv.key.clone(), kv.value.clone().and_then(|v| v.value)))
        .collect()
}

/// Attributes written as (key, value) pairs.
type Pairs<'a> = &'a [(&'a str, Value)];
/// (input, expected output) cases.
type Cases<'a> = &'a [(Pairs<'a>, Pairs<'a>)];

/// Runs every (input, expected) case through `actions`.
fn run(actions: Vec<ActionConfig>, cases: Cases<'_>) {
    run_ctx(actions, &RequestContext::default(), cases);
}

fn run_ctx(actions: Vec<ActionConfig>, ctx: &RequestContext, cases: Cases<'_>) {
    let proc = AttrProc::new(&actions).unwrap();
    for (i, (input, want)) in cases.iter().enumerate() {
        let mut got = attrs(input);
        proc.process(&mut got, ctx);
        assert_eq!(as_map(&got), as_map(&attrs(want)), "case {i}: {input:?}");
    }
}

#[test]
fn insert_value() {
    run(
        vec![ActionConfig::new("attribute1", "insert").with_value(123)],
        &[
            (&[], &[("attribute1", Value::IntValue(123))]),
            (
                &[("anotherkey", s("bob"))],
                &[("anotherkey", s("bob")), ("attribute1", Value::IntValue(123))],
            ),
            (&[("attribute1", s("bob"))], &[("attribute1", s("bob"))]),
        ],
    );
}

#[test]
fn insert_from_attribute() {
    run(
        vec![ActionConfig::new("string key", "insert").with_from_attribute("anotherkey")],
        &[
            (&[], &[]),
            (&[("bob", Value::IntValue(1))], &[("bob", Value::IntValue(1))]),
            (
                &[("anotherkey", Value::IntValue(8892342))],
                &[
                    ("anotherkey", Value::IntValue(8892342)),
                    ("string key", Value::IntValue(8892342)),
                ],
            ),
            (
                &[
                    ("anotherkey", Value::IntValue(8892342)),
                    ("string key", s("here")),
                ],
                &[
                    ("anotherkey", Value::IntValue(8892342)),
                    ("string key", s("here")),
                ],
            ),
        ],
    );
}

#[test]
fn update_value_and_from_attribute() {
    run(
        vec![ActionConfig::new("db.secret", "update").with_value("redacted")],
        &[
            (&[], &[]),
            (&[("boo", s("foo"))], &[("boo", s("foo"))]),
            (
                &[("db.secret", s("password1234"))],
                &[("db.secret", s("redacted"))],
            ),
        ],
    );
    run(
        vec![ActionConfig::new("boo", "update").with_from_attribute("foo")],
        &[
            (&[("boo", s("bob"))], &[("boo", s("bob"))]),
            (&[("foo", s("over there"))], &[("foo", s("over there"))]),
            (
                &[("foo", s("party")), ("boo", s("not here"))],
                &[("foo", s("party")), ("boo", s("party"))],
            ),
        ],
    );
}

#[test]
fn upsert_value_and_from_attribute() {
    run(
        vec![ActionConfig::new("region", "upsert").with_value("planet-earth")],
        &[
            (&[], &[("region", s("planet-earth"))]),
            (
                &[("mission", s("to mars"))],
                &[("mission", s("to mars")), ("region", s("planet-earth"))],
            ),
            (&[("region", s("solar system"))], &[("region", s("planet-earth"))]),
        ],
    );
    run(
        vec![ActionConfig::new("new_user_key", "upsert").with_from_attribute("user_key")],
        &[
            (&[("boo", s("ghosts"))], &[("boo", s("ghosts"))]),
            (
                &[("user_key", Value::IntValue(2245))],
                &[
                    ("user_key", Value::IntValue(2245)),
                    ("new_user_key", Value::IntValue(2245)),
                ],
            ),
            (
                &[
                    ("user_key", Value::IntValue(2245)),
                    ("new_user_key", Value::IntValue(5422)),
                ],
                &[
                    ("user_key", Value::IntValue(2245)),
                    ("new_user_key", Value::IntValue(2245)),
                ],
            ),
        ],
    );
}

#[test]
fn typed_and_nested_values() {
    let list = ConfigValue::List(vec![ConfigValue::Int(1), ConfigValue::Str("a".into())]);
    let proc = AttrProc::new(&[
        ActionConfig::new("b", "upsert").with_value(true),
        ActionConfig::new("d", "upsert").with_value(2.5),
        ActionConfig::new("l", "upsert").with_value(list.clone()),
    ])
    .unwrap();
    let mut got = Vec::new();
    proc.process(&mut got, &RequestContext::default());
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].value.as_ref().unwrap().value, Some(Value::BoolValue(true)));
    assert_eq!(
        got[1].value.as_ref().unwrap().value,
        Some(Value::DoubleValue(2.5))
    );
    assert_eq!(got[2].value, Some(list.to_any_value()));
}

#[test]
fn delete_by_key_and_pattern() {
    run(
        vec![ActionConfig::new("duplicate_key", "delete").with_pattern("^duplicate_key_.")],
        &[
            (&[], &[]),
            (&[("boo", s("x"))], &[("boo", s("x"))]),
            (
                &[
                    ("duplicate_key", Value::DoubleValue(3245.6)),
                    ("original_key", Value::DoubleValue(3245.6)),
                ],
                &[("original_key", Value::DoubleValue(3245.6))],
            ),
            (
                &[
                    ("duplicate_key_a", Value::IntValue(1)),
                    ("duplicate_key_b", Value::IntValue(2)),
                    ("original_key", Value::IntValue(3)),
                    ("not_duplicate_key", Value::IntValue(4)),
                ],
                &[
                    ("original_key", Value::IntValue(3)),
                    ("not_duplicate_key", Value::IntValue(4)),
                ],
            ),
        ],
    );
    run(
        vec![ActionConfig::new("", "delete").with_pattern("duplicate.*")],
        &[(
            &[
                ("duplicate_key", s("x")),
                ("not_duplicate", s("y")),
                ("keep", s("z")),
            ],
            &[("keep", s("z"))],
        )],
    );
}

#[test]
fn delete_removes_every_matching_duplicate() {
    let proc = AttrProc::new(&[ActionConfig::new("", "delete").with_pattern("^x")]).unwrap();
    let mut got = attrs(&[("x1", s("a")), ("y", s("b")), ("x1", s("c")), ("x2", s("d"))]);
    proc.process(&mut got, &RequestContext::default());
    assert_eq!(got, attrs(&[("y", s("b"))]));
}

#[test]
fn hash_by_key_and_pattern() {
    let foo = sha256_hex(b"foo");
    let byte0 = sha256_hex(&[0]);
    let int24 = sha256_hex(&24i64.to_le_bytes());
    let dbl = sha256_hex(&2.4f64.to_bits().to_le_bytes());
    run(
        vec![ActionConfig::new("updateme", "hash").with_pattern("^updatemeby.*")],
        &[
            (&[], &[]),
            (&[("boo", s("foo"))], &[("boo", s("foo"))]),
            (&[("updateme", s("foo"))], &[("updateme", s(&foo))]),
            (&[("updateme", Value::IntValue(24))], &[("updateme", s(&int24))]),
            (&[("updateme", Value::DoubleValue(2.4))], &[("updateme", s(&dbl))]),
            (
                &[("updateme", Value::BoolValue(false))],
                &[("updateme", s(&byte0))],
            ),
            (
                &[
                    ("updatemebyregexp", Value::BoolValue(false)),
                    ("donotupdatemebyregexp", Value::BoolValue(false)),
                ],
                &[
                    ("updatemebyregexp", s(&byte0)),
                    ("donotupdatemebyregexp", Value::BoolValue(false)),
                ],
            ),
        ],
    );
    assert_eq!(
        foo,
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
    );
}

#[test]
fn hash_key_matching_pattern_is_hashed_twice_like_go() {
    let once = sha256_hex(b"v");
    let twice = sha256_hex(once.as_bytes());
    run(
        vec![ActionConfig::new("k", "hash").with_pattern("^k$")],
        &[(&[("k", s("v"))], &[("k", s(&twice))])],
    );
}

#[test]
fn extract_named_groups() {
    let pattern = r"^\/api\/v1\/document\/(?P<new_user_key>.*)\/update\/(?P<version>.*)$";
    let url = "/api/v1/document/12345678/update/v1";
    run(
        vec![ActionConfig::new("user_key", "extract").with_pattern(pattern)],
        &[
            (&[], &[]),
            (&[("boo", s("x"))], &[("boo", s("x"))]),
            (
                &[("user_key", Value::IntValue(1234))],
                &[("user_key", Value::IntValue(1234))],
            ),
            (
                &[("user_key", s("does not match"))],
                &[("user_key", s("does not match"))],
            ),
            (
                &[("user_key", s("/api/v1/document/12345678/update"))],
                &[("user_key", s("/api/v1/document/12345678/update"))],
            ),
            (
                &[("user_key", s(url))],
                &[
                    ("user_key", s(url)),
                    ("new_user_key", s("12345678")),
                    ("version", s("v1")),
                ],
            ),
            (
                &[
                    ("user_key", s(url)),
                    ("new_user_key", s("2321")),
                    ("version", s("na")),
                ],
                &[
                    ("user_key", s(url)),
                    ("new_user_key", s("12345678")),
                    ("version", s("v1")),
                ],
            ),
        ],
    );
    // A group that does not take part in the match yields "".
    run(
        vec![ActionConfig::new("k", "extract").with_pattern("^(?P<a>x)?(?P<b>y)$")],
        &[(&[("k", s("y"))], &[("k", s("y")), ("a", s("")), ("b", s("y"))])],
    );
}

#[test]
fn convert_existing_values() {
    run(
        vec![ActionConfig::new("http.status_code", "convert").with_converted_type("int")],
        &[
            (&[], &[]),
            (
                &[("http.status_code", s("200"))],
                &[("http.status_code", Value::IntValue(200))],
            ),
            (&[("http.status_code", s("OK"))], &[("http.status_code", s("OK"))]),
            (
                &[("http.status_code", Value::DoubleValue(404.9))],
                &[("http.status_code", Value::IntValue(404))],
            ),
        ],
    );
    run(
        vec![ActionConfig::new("v", "convert").with_converted_type("string")],
        &[(&[("v", Value::DoubleValue(2.5))], &[("v", s("2.5"))])],
    );
    run(
        vec![ActionConfig::new("v", "convert").with_converted_type("double")],
        &[(&[("v", Value::IntValue(3))], &[("v", Value::DoubleValue(3.0))])],
    );
}

#[test]
fn from_attribute_onto_itself_changes_nothing() {
    run(
        vec![
            ActionConfig::new("boo", "insert").with_from_attribute("boo"),
            ActionConfig::new("boo", "update").with_from_attribute("boo"),
            ActionConfig::new("boo", "upsert").with_from_attribute("boo"),
        ],
        &[(
            &[("boo", s("ghosts are scary"))],
            &[("boo", s("ghosts are scary"))],
        )],
    );
}

#[test]
fn actions_run_in_order() {
    let actions = vec![
        ActionConfig::new("operation", "insert").with_value("default"),
        ActionConfig::new("svc.operation", "upsert").with_from_attribute("operation"),
        ActionConfig::new("operation", "delete"),
    ];
    let foo = ("foo", s("casper"));
    run(
        actions,
        &[
            (
                std::slice::from_ref(&foo),
                &[foo.clone(), ("svc.operation", s("default"))],
            ),
            (
                &[foo.clone(), ("operation", s("arithmetic"))],
                &[foo.clone(), ("svc.operation", s("arithmetic"))],
            ),
            (
                &[foo.clone(), ("svc.operation", s("some value"))],
                &[foo.clone(), ("svc.operation", s("default"))],
            ),
            (
                &[
                    foo.clone(),
                    ("operation", s("arithmetic")),
                    ("svc.operation", s("add")),
                ],
                &[foo.clone(), ("svc.operation", s("arithmetic"))],
            ),
        ],
    );
}

fn metadata_ctx() -> RequestContext {
    let mut info = ClientInfo::with_address(Some("192.168.1.1:1234".parse().unwrap()));
    info.metadata
        .insert("source_single_val".into(), vec!["single_val".into()]);
    info.metadata.insert(
        "source_multiple_val".into(),
        vec!["first_val".into(), "second_val".into()],
    );
    RequestContext::new(info)
}

#[test]
fn from_context() {
    let ctx = metadata_ctx();
    let cases: &[(&str, &[(&str, Value)])] = &[
        ("source", &[]),
        ("source_single_val", &[("dest", s("single_val"))]),
        ("source_multiple_val", &[("dest", s("first_val;second_val"))]),
        ("metadata.source_single_val", &[("dest", s("single_val"))]),
        ("auth.source_auth_val", &[]),
        ("client.address", &[("dest", s("192.168.1.1"))]),
    ];
    for (from, want) in cases {
        run_ctx(
            vec![ActionConfig::new("dest", "insert").with_from_context(from)],
            &ctx,
            &[(&[], want)],
        );
    }
    // No client info at all: metadata lookups find nothing.
    run(
        vec![ActionConfig::new("dest", "insert").with_from_context("source")],
        &[(&[], &[])],
    );
}

#[test]
fn default_value_fills_in() {
    let ctx = metadata_ctx();
    run_ctx(
        vec![
            ActionConfig::new("region", "insert")
                .with_from_attribute("cloud.region")
                .with_default_value("us-east-1"),
            ActionConfig::new("tenant", "upsert")
                .with_from_context("metadata.tenant")
                .with_default_value("default-tenant"),
            ActionConfig::new("single", "upsert")
                .with_from_context("metadata.source_single_val")
                .with_default_value("d"),
            ActionConfig::new("only_default", "upsert").with_default_value(7),
            ActionConfig::new("absent", "update").with_default_value("x"),
        ],
        &ctx,
        &[
            (
                &[],
                &[
                    ("region", s("us-east-1")),
                    ("tenant", s("default-tenant")),
                    ("single", s("single_val")),
                    ("only_default", Value::IntValue(7)),
                ],
            ),
            (
                &[("cloud.region", s("eu-west-3"))],
                &[
                    ("cloud.region", s("eu-west-3")),
                    ("region", s("eu-west-3")),
                    ("tenant", s("default-tenant")),
                    ("single", s("single_val")),
                    ("only_default", Value::IntValue(7)),
                ],
            ),
        ],
    );
}
