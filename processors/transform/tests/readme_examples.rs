//! The examples of Go's transform processor README, table-driven: each
//! example's input, statements and expected output, compared field by field
//! (whole OTLP structs, attributes in key order).
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use common::*;
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::{Gauge, Metric, Sum, metric::Data};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, Status};

struct TraceCase {
    name: &'static str,
    yaml: &'static str,
    input: (Vec<(&'static str, A)>, Span),
    expected: (Vec<(&'static str, A)>, Span),
}

fn span(name: &str, attrs: Vec<(&str, A)>) -> Span {
    Span {
        name: name.into(),
        attributes: kvs(attrs),
        ..Default::default()
    }
}

#[tokio::test]
async fn trace_examples() {
    let cases = vec![
        TraceCase {
            name: "perform transformation if field does not exist",
            yaml: r#"{error_mode: ignore, trace_statements: [{context: span, statements: ['set(attributes["test"], "pass") where attributes["test"] == nil']}]}"#,
            input: (vec![], span("a", vec![("other", s("x"))])),
            expected: (vec![], span("a", vec![("other", s("x")), ("test", s("pass"))])),
        },
        TraceCase {
            name: "existing field is left alone",
            yaml: r#"{error_mode: ignore, trace_statements: [{context: span, statements: ['set(attributes["test"], "pass") where attributes["test"] == nil']}]}"#,
            input: (vec![], span("a", vec![("test", s("fail"))])),
            expected: (vec![], span("a", vec![("test", s("fail"))])),
        },
        TraceCase {
            name: "rename attribute: set and delete",
            yaml: r#"{error_mode: ignore, trace_statements: [{context: resource, statements: ['set(attributes["namespace"], attributes["k8s.namespace.name"])', 'delete_key(attributes, "k8s.namespace.name")']}]}"#,
            input: (vec![("k8s.namespace.name", s("prod"))], span("a", vec![])),
            expected: (vec![("namespace", s("prod"))], span("a", vec![])),
        },
        TraceCase {
            name: "rename attribute: replace_all_patterns on keys",
            yaml: r#"{error_mode: ignore, trace_statements: [{context: resource, statements: ['replace_all_patterns(attributes, "key", "k8s\\.namespace\\.name", "namespace")']}]}"#,
            input: (
                vec![
                    ("k8s.namespace.name", s("prod")),
                    ("k8sXnamespaceXname", s("kept")),
                ],
                span("a", vec![]),
            ),
            expected: (
                vec![("namespace", s("prod")), ("k8sXnamespaceXname", s("kept"))],
                span("a", vec![]),
            ),
        },
        TraceCase {
            name: "basic config: keep_keys, replace_pattern, limit, truncate_all on the resource",
            yaml: r#"
error_mode: ignore
trace_statements:
  - context: resource
    statements:
      - keep_keys(attributes, ["service.name", "service.namespace", "cloud.region", "process.command_line"])
      - replace_pattern(attributes["process.command_line"], "password\\=[^\\s]*(\\s?)", "password=***")
      - limit(attributes, 100, [])
      - truncate_all(attributes, 4096)
"#,
            input: (
                vec![
                    ("service.name", s("svc")),
                    ("host.name", s("h")),
                    ("process.command_line", s("run --password=hunter2 --x")),
                ],
                span("a", vec![]),
            ),
            expected: (
                vec![
                    ("service.name", s("svc")),
                    ("process.command_line", s("run --password=***--x")),
                ],
                span("a", vec![]),
            ),
        },
        TraceCase {
            name: "basic config: span status, name and replace_match",
            yaml: r#"
error_mode: ignore
trace_statements:
  - context: span
    statements:
      - set(status.code, 1) where attributes["http.path"] == "/health"
      - set(name, attributes["http.route"])
      - replace_match(attributes["http.target"], "/user/*/list/*", "/user/{userId}/list/{listId}")
      - limit(attributes, 100, [])
      - truncate_all(attributes, 4096)
"#,
            input: (
                vec![],
                span(
                    "old",
                    vec![
                        ("http.path", s("/health")),
                        ("http.route", s("/users/:id")),
                        ("http.target", s("/user/123/list/456")),
                    ],
                ),
            ),
            expected: (
                vec![],
                Span {
                    status: Some(Status {
                        code: 1,
                        message: String::new(),
                    }),
                    ..span(
                        "/users/:id",
                        vec![
                            ("http.path", s("/health")),
                            ("http.route", s("/users/:id")),
                            ("http.target", s("/user/{userId}/list/{listId}")),
                        ],
                    )
                },
            ),
        },
        TraceCase {
            name: "basic style with inferred context",
            yaml: r#"
trace_statements:
  - keep_keys(span.attributes, ["service.name", "process.command_line"])
  - replace_pattern(span.attributes["process.command_line"], "password\\=[^\\s]*(\\s?)", "password=***")
  - limit(span.attributes, 100, [])
  - truncate_all(span.attributes, 4)
"#,
            input: (
                vec![],
                span(
                    "a",
                    vec![("x", s("y")), ("process.command_line", s("password=a b"))],
                ),
            ),
            expected: (vec![], span("a", vec![("process.command_line", s("pass"))])),
        },
        TraceCase {
            name: "combine two attributes",
            yaml: r#"{trace_statements: [{context: span, statements: ['set(attributes["combined"], Concat([attributes["attr1"], attributes["attr2"]], "-"))']}]}"#,
            input: (vec![], span("a", vec![("attr1", s("x")), ("attr2", s("y"))])),
            expected: (
                vec![],
                span(
                    "a",
                    vec![("attr1", s("x")), ("attr2", s("y")), ("combined", s("x-y"))],
                ),
            ),
        },
    ];
    for case in cases {
        let (res, sp) = case.input;
        let out = run_traces(case.yaml, traces_req(res, vec![sp])).await.unwrap();
        let (eres, esp) = case.expected;
        assert_eq!(
            normalize_traces(out),
            normalize_traces(traces_req(eres, vec![esp])),
            "{}",
            case.name
        );
    }
}

#[tokio::test]
async fn log_examples() {
    let log = |body: A, attrs: Vec<(&str, A)>| LogRecord {
        body: Some(body),
        attributes: kvs(attrs),
        ..Default::default()
    };
    let cases: Vec<(&str, &str, LogRecord, LogRecord)> = vec![
        (
            "basic config: log context",
            r#"
error_mode: ignore
log_statements:
  - context: log
    statements:
      - set(severity_text, "FAIL") where body == "request failed"
      - replace_all_matches(attributes, "/user/*/list/*", "/user/{userId}/list/{listId}")
      - replace_all_patterns(attributes, "value", "/account/\\d{4}", "/account/{accountId}")
      - set(body, attributes["http.route"])
"#,
            log(
                s("request failed"),
                vec![
                    ("http.route", s("/r")),
                    ("path", s("/user/1/list/2")),
                    ("acct", s("/account/1234/x")),
                ],
            ),
            LogRecord {
                severity_text: "FAIL".into(),
                ..log(
                    s("/r"),
                    vec![
                        ("http.route", s("/r")),
                        ("path", s("/user/{userId}/list/{listId}")),
                        ("acct", s("/account/{accountId}/x")),
                    ],
                )
            },
        ),
        (
            "move field to attribute",
            r#"{log_statements: [{context: log, statements: ['set(attributes["body"], body)']}]}"#,
            log(s("hello"), vec![]),
            log(s("hello"), vec![("body", s("hello"))]),
        ),
        (
            "get severity of an unstructured log body",
            r#"{log_statements: [{context: log, statements: ['set(severity_number, SEVERITY_NUMBER_INFO) where IsString(body) and IsMatch(body, "\\sINFO\\s")']}]}"#,
            log(s("2023 INFO started"), vec![]),
            LogRecord {
                severity_number: 9,
                ..log(s("2023 INFO started"), vec![])
            },
        ),
        (
            "parse JSON body into attributes",
            r#"{log_statements: [{context: log, statements: ['merge_maps(attributes, ParseJSON(body), "upsert") where IsMatch(body, "^\\{")']}]}"#,
            log(s(r#"{"user":"ann","n":2}"#), vec![("user", s("old"))]),
            log(
                s(r#"{"user":"ann","n":2}"#),
                vec![("user", s("ann")), ("n", d(2.0))],
            ),
        ),
        (
            "extract patterns into attributes",
            r#"{log_statements: ['merge_maps(log.attributes, ExtractPatterns(log.body, "^(?P<ip>\\d+\\.\\d+\\.\\d+\\.\\d+) (?P<verb>\\w+)"), "upsert")']}"#,
            log(s("10.0.0.1 GET /"), vec![]),
            log(
                s("10.0.0.1 GET /"),
                vec![("ip", s("10.0.0.1")), ("verb", s("GET"))],
            ),
        ),
    ];
    for (name, yaml, input, expected) in cases {
        let out = run_logs(yaml, logs_req(vec![input])).await.unwrap();
        assert_eq!(
            normalize_logs(out),
            normalize_logs(logs_req(vec![expected])),
            "{name}"
        );
    }
}

#[tokio::test]
async fn metric_examples() {
    let yaml = r#"
metric_statements:
  - context: resource
    statements:
      - keep_keys(attributes, ["host.name"])
      - truncate_all(attributes, 4096)
  - context: metric
    statements:
      - set(description, "Sum") where type == METRIC_DATA_TYPE_SUM
      - convert_sum_to_gauge() where name == "system.processes.count"
      - convert_gauge_to_sum("cumulative", false) where name == "prometheus_metric"
  - context: datapoint
    statements:
      - limit(attributes, 1, ["host.name"])
"#;
    let sum = |name: &str, pts| Metric {
        name: name.into(),
        data: Some(Data::Sum(Sum {
            data_points: pts,
            aggregation_temporality: 2,
            is_monotonic: true,
        })),
        ..Default::default()
    };
    let gauge = |name: &str, pts| Metric {
        name: name.into(),
        data: Some(Data::Gauge(Gauge { data_points: pts })),
        ..Default::default()
    };
    let p = |attrs: Vec<(&str, A)>| int_point(attrs, 5);
    let input = metrics_req(
        Resource {
            attributes: kvs(vec![("host.name", s("h")), ("pid", i(3))]),
            ..Default::default()
        },
        vec![
            sum(
                "system.processes.count",
                vec![p(vec![("a", s("1")), ("host.name", s("h"))])],
            ),
            gauge("prometheus_metric", vec![p(vec![("a", s("1")), ("b", s("2"))])]),
        ],
    );
    let expected = metrics_req(
        Resource {
            attributes: kvs(vec![("host.name", s("h"))]),
            ..Default::default()
        },
        vec![
            // The description is set while it is still a sum; then it becomes a gauge.
            Metric {
                description: "Sum".into(),
                ..gauge("system.processes.count", vec![p(vec![("host.name", s("h"))])])
            },
            Metric {
                data: Some(Data::Sum(Sum {
                    data_points: vec![p(vec![("a", s("1"))])],
                    aggregation_temporality: 2,
                    is_monotonic: false,
                })),
                ..gauge("prometheus_metric", vec![])
            },
        ],
    );
    let out = run_metrics(yaml, input).await.unwrap();
    assert_eq!(normalize_metrics(out), normalize_metrics(expected));
}
