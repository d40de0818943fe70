//! The `span` processor end to end: config → factory → processor → sink.
#![allow(clippy::unwrap_used)]

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, status::StatusCode};
use otelcol_component::{
    ConsumeError, Factory, Kind, Payload, ProcessorFactory, Signal, StabilityLevel, Traces,
};
use otelcol_componenttest::{ErrConsumer, Sink, check_processor_lifecycle, nop_settings, parse_config};
use otelcol_processor_span::{SpanConfig, ToAttributesConfig, factory};

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

fn cfg(yaml: &str) -> SpanConfig {
    parse_config(yaml).unwrap()
}

/// The error Go gives when it creates the processor (parse errors first).
fn err(yaml: &str) -> String {
    match parse_config::<SpanConfig>(yaml) {
        Err(e) => e,
        Ok(c) => c.validate_for_build().unwrap_err().to_string(),
    }
}

/// One resource (with `service.name`) holding the given spans.
fn traces(service: &str, spans: Vec<Span>) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", s(service))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn span(name: &str, attrs: Vec<KeyValue>) -> Span {
    Span {
        name: name.into(),
        attributes: attrs,
        ..Default::default()
    }
}

/// Runs `data` through a processor built from `yaml`; returns the spans that came out.
async fn process(yaml: &str, data: Traces) -> Vec<Span> {
    let sink = Sink::<Traces>::new();
    let p = factory()
        .create::<Traces>(&nop_settings("span", Kind::Processor), &cfg(yaml), sink.clone())
        .unwrap();
    assert!(p.capabilities().mutates_data);
    p.consume(data).await.unwrap();
    sink.all()
        .iter()
        .flat_map(|t| t.request().resource_spans.clone())
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .collect()
}

#[test]
fn factory_basics() {
    let f = factory();
    assert_eq!(f.type_name(), "span");
    assert_eq!(f.stability(Signal::Traces), Some(StabilityLevel::Alpha));
    assert_eq!(f.stability(Signal::Metrics), None);
    assert_eq!(f.stability(Signal::Logs), None);
    assert!(f.module().starts_with("otelcol-processor-span "));
    let set = nop_settings("span", Kind::Processor);
    let c = cfg("status: {code: Ok}");
    assert!(
        f.create::<otelcol_component::Metrics>(&set, &c, Sink::new())
            .is_err()
    );
    assert!(
        f.create::<otelcol_component::Logs>(&set, &c, Sink::new())
            .is_err()
    );
}

#[test]
fn go_testdata_configs_parse() {
    // Go's processor/spanprocessor/testdata/config.yaml, one document each.
    let custom = cfg("name: {separator: \"::\", from_attributes: [db.svc, operation, id]}");
    assert_eq!(custom.name.separator, "::");
    assert_eq!(custom.name.from_attributes, vec!["db.svc", "operation", "id"]);
    let no_sep = cfg("name: {from_attributes: [db.svc, operation, id]}");
    assert_eq!(no_sep.name.separator, "");
    let to = cfg(
        "name:\n  to_attributes:\n    rules:\n      - ^\\/api\\/v1\\/document\\/(?P<documentId>.*)\\/update$\n",
    );
    assert_eq!(
        to.name.to_attributes,
        Some(ToAttributesConfig {
            rules: vec![r"^\/api\/v1\/document\/(?P<documentId>.*)\/update$".into()],
            break_after_match: false,
            keep_original_name: false,
        })
    );
    let ie = cfg(r#"
include:
  match_type: regexp
  services: ["banks"]
  span_names: ["^(.*?)/(.*?)$"]
exclude:
  match_type: strict
  span_names: ["donot/change"]
name:
  to_attributes:
    rules:
      - "(?P<operation_website>.*?)$"
"#);
    assert_eq!(ie.include.unwrap().services, vec!["banks"]);
    let st = cfg("status: {code: \"Error\", description: \"some additional error description\"}");
    assert_eq!(
        st.status.unwrap().description,
        "some additional error description"
    );
    let full = cfg("name:\n  to_attributes: {rules: [x], break_after_match: true, keep_original_name: true}");
    let t = full.name.to_attributes.unwrap();
    assert!(t.break_after_match && t.keep_original_name);
}

#[test]
fn validation_messages_are_gos() {
    let cases: &[(&str, &str)] = &[
        (
            "",
            r#"error creating "span" processor: either "from_attributes" or "to_attributes" must be specified in "name:" or "setStatus" must be specified"#,
        ),
        (
            "name: {separator: x, to_attributes: {rules: []}}",
            r#"error creating "span" processor: either "from_attributes" or "to_attributes" must be specified in "name:" or "setStatus" must be specified"#,
        ),
        (
            "status: {code: ok}",
            r#"status::code: error creating "span" processor: "status" must have specified "code" as "Ok" or "Error" or "Unset""#,
        ),
        (
            "status: {description: d}",
            r#"status::code: error creating "span" processor: "status" must have specified "code" as "Ok" or "Error" or "Unset""#,
        ),
        (
            "status: {code: Ok, description: d}",
            r#"status::description: error creating "span" processor: "description" can be specified only for "code" "Error""#,
        ),
        (
            "status: {code: Unset, description: d}",
            r#"status::description: error creating "span" processor: "description" can be specified only for "code" "Error""#,
        ),
        (
            "name: {to_attributes: {rules: [\"^ok$\", \"(unclosed\"]}}",
            "name::to_attributes::rules::1: invalid regexp pattern (unclosed",
        ),
        (
            "name: {to_attributes: {rules: [\"(?P<a.b>x)\"]}}",
            "name::to_attributes::rules::0: invalid regexp pattern (?P<a.b>x)",
        ),
    ];
    for (yaml, want) in cases {
        assert_eq!(err(yaml), *want, "{yaml}");
    }
    // include/exclude are checked with the attributes processor's (Go's) rules.
    let e = err("status: {code: Ok}\ninclude: {match_type: strict, log_bodies: [x]}");
    assert!(e.starts_with("include: ") && e.contains("log_bodies"), "{e}");
    let e = err("status: {code: Ok}\nexclude: {match_type: nope, span_names: [x]}");
    assert!(
        e.starts_with("exclude: ") && e.contains("unrecognized match_type"),
        "{e}"
    );
    // Unknown keys are refused.
    assert!(err("nmae: {}").contains("unknown field \"nmae\""));
    assert!(err("name: {from_attribute: [a]}").contains("unknown field \"from_attribute\""));
    // Valid minimal configs.
    for ok in [
        "status: {code: Ok}",
        "status: {code: Unset}",
        "status: {code: Error, description: boom}",
        "name: {from_attributes: [a]}",
        "name: {to_attributes: {rules: [\"(?P<x>.*)\"]}}",
    ] {
        assert!(cfg(ok).validate_for_build().is_ok(), "{ok}");
    }
}

#[tokio::test]
async fn lifecycle() {
    check_processor_lifecycle(&factory(), &cfg("status: {code: Ok}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn renames_from_attributes_and_keeps_spans_missing_a_key() {
    let out = process(
        "name: {separator: \"::\", from_attributes: [db.svc, operation, id]}",
        traces(
            "svc",
            vec![
                span(
                    "serviceA",
                    vec![
                        kv("db.svc", s("location")),
                        kv("operation", s("get")),
                        kv("id", s("1234")),
                    ],
                ),
                span("serviceA", vec![kv("db.svc", s("location")), kv("id", s("1234"))]),
            ],
        ),
    )
    .await;
    assert_eq!(out[0].name, "location::get::1234");
    assert_eq!(out[1].name, "serviceA");
}

#[tokio::test]
async fn from_attributes_then_to_attributes() {
    let out = process(
        r#"
name:
  from_attributes: [http.route]
  to_attributes:
    rules: ['^/users/(?P<user_id>\d+)$']
"#,
        traces("svc", vec![span("GET", vec![kv("http.route", s("/users/42"))])]),
    )
    .await;
    assert_eq!(out[0].name, "/users/{user_id}");
    assert!(out[0].attributes.contains(&kv("user_id", s("42"))));
}

#[tokio::test]
async fn rules_run_in_order_on_the_previous_output() {
    let yaml = |brk: bool| {
        format!(
            "name:\n  to_attributes:\n    break_after_match: {brk}\n    rules: ['^/api/(?P<version>v\\d+)/', '/(?P<id>\\d+)$']\n"
        )
    };
    let input = || traces("svc", vec![span("/api/v1/doc/77", vec![])]);
    let out = process(&yaml(false), input()).await;
    assert_eq!(out[0].name, "/api/{version}/doc/{id}");
    assert_eq!(out[0].attributes, vec![kv("version", s("v1")), kv("id", s("77"))]);
    let out = process(&yaml(true), input()).await;
    assert_eq!(out[0].name, "/api/{version}/doc/77");
    assert_eq!(out[0].attributes, vec![kv("version", s("v1"))]);
    // A first rule that does not match does not stop processing.
    let out = process(
        "name:\n  to_attributes:\n    break_after_match: true\n    rules: ['^nomatch$', '/(?P<id>\\d+)$']\n",
        input(),
    )
    .await;
    assert_eq!(out[0].name, "/api/v1/doc/{id}");
}

#[tokio::test]
async fn keep_original_name_feeds_the_same_name_to_every_rule() {
    let out = process(
        "name:\n  to_attributes:\n    keep_original_name: true\n    rules: ['^/(?P<a>\\w+)/', '/(?P<b>\\d+)$']\n",
        traces("svc", vec![span("/doc/77", vec![])]),
    )
    .await;
    assert_eq!(out[0].name, "/doc/77");
    assert_eq!(out[0].attributes, vec![kv("a", s("doc")), kv("b", s("77"))]);
}

#[tokio::test]
async fn empty_name_is_not_matched() {
    let out = process(
        "name: {to_attributes: {rules: ['^(?P<all>.*)$']}}",
        traces("svc", vec![span("", vec![])]),
    )
    .await;
    assert_eq!(out[0].name, "");
    assert!(out[0].attributes.is_empty());
}

#[tokio::test]
async fn sets_status_as_go() {
    let with_status = |code: StatusCode, msg: &str| Span {
        name: "x".into(),
        status: Some(Status {
            message: msg.into(),
            code: code as i32,
        }),
        ..Default::default()
    };
    let cases = [
        (
            "status: {code: Error, description: boom}",
            StatusCode::Error,
            "boom",
        ),
        ("status: {code: Error}", StatusCode::Error, ""),
        ("status: {code: Ok}", StatusCode::Ok, ""),
        ("status: {code: Unset}", StatusCode::Unset, ""),
    ];
    for (yaml, code, msg) in cases {
        // Go sets the status whatever it was, Ok included.
        for before in [
            None,
            Some(with_status(StatusCode::Ok, "")),
            Some(with_status(StatusCode::Error, "old")),
        ] {
            let input = before.unwrap_or_else(|| span("x", vec![]));
            let out = process(yaml, traces("svc", vec![input])).await;
            let st = out[0].status.clone().unwrap();
            assert_eq!((st.code, st.message.as_str()), (code as i32, msg), "{yaml}");
        }
    }
}

#[tokio::test]
async fn include_exclude_select_spans() {
    let yaml = r#"
include:
  match_type: regexp
  services: ["banks"]
  span_names: ["^(.*?)/(.*?)$"]
exclude:
  match_type: strict
  span_names: ["donot/change"]
name:
  to_attributes:
    rules:
      - "(?P<operation_website>.*?)$"
"#;
    let out = process(
        yaml,
        traces(
            "banks",
            vec![
                span("bank/acct", vec![]),
                span("donot/change", vec![]),
                span("noslash", vec![]),
            ],
        ),
    )
    .await;
    assert_eq!(out[0].name, "{operation_website}");
    assert_eq!(out[0].attributes, vec![kv("operation_website", s("bank/acct"))]);
    assert_eq!(out[1].name, "donot/change");
    assert_eq!(out[2].name, "noslash");
    let out = process(yaml, traces("shop", vec![span("bank/acct", vec![])])).await;
    assert_eq!(out[0].name, "bank/acct", "service does not match include");

    let out = process(
        r#"
include:
  match_type: strict
  attributes: [{key: http.status_code, value: 400}]
status: {code: Ok}
"#,
        traces(
            "svc",
            vec![
                span("a", vec![kv("http.status_code", Value::IntValue(400))]),
                span("b", vec![kv("http.status_code", Value::IntValue(500))]),
            ],
        ),
    )
    .await;
    assert_eq!(
        out[0].status.as_ref().map(|s| s.code),
        Some(StatusCode::Ok as i32)
    );
    assert_eq!(out[1].status, None);
}

#[tokio::test]
async fn downstream_errors_pass_through_and_shared_data_is_not_modified() {
    let set = nop_settings("span", Kind::Processor);
    let p = factory()
        .create::<Traces>(&set, &cfg("status: {code: Ok}"), ErrConsumer::retryable())
        .unwrap();
    let e: ConsumeError = p
        .consume(traces("svc", vec![span("x", vec![])]))
        .await
        .unwrap_err();
    assert!(e.is_retryable());

    let sink = Sink::<Traces>::new();
    let p = factory()
        .create::<Traces>(&set, &cfg("name: {from_attributes: [a]}"), sink.clone())
        .unwrap();
    let original = traces("svc", vec![span("x", vec![kv("a", s("renamed"))])]);
    p.consume(original.clone()).await.unwrap();
    let name = |t: &Traces| t.request().resource_spans[0].scope_spans[0].spans[0].name.clone();
    assert_eq!(name(&original), "x");
    assert_eq!(name(&sink.all()[0]), "renamed");
}
