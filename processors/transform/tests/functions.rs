//! Every editor and converter, on log records (the context does not change
//! what a function does), including their error cases; error modes; spans,
//! span events, data points and metric functions.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use common::*;
use otelcol_component::ConsumeErrorKind;
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::{
    Histogram, HistogramDataPoint, Metric, Sum, Summary, SummaryDataPoint, metric::Data,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, span::Event};

fn log(body: A, attrs: Vec<(&str, A)>) -> LogRecord {
    LogRecord {
        body: Some(body),
        attributes: kvs(attrs),
        ..Default::default()
    }
}

fn yaml(mode: &str, stmts: &[&str]) -> String {
    let list: Vec<String> = stmts
        .iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect();
    format!(
        "{{error_mode: {mode}, log_statements: [{{context: log, statements: [{}]}}]}}",
        list.join(", ")
    )
}

async fn one_log(mode: &str, stmts: &[&str], input: LogRecord) -> Result<LogRecord, String> {
    let out = run_logs(&yaml(mode, stmts), logs_req(vec![input]))
        .await
        .map_err(|e| e.to_string())?;
    let mut out = normalize_logs(out);
    Ok(out
        .resource_logs
        .remove(0)
        .scope_logs
        .remove(0)
        .log_records
        .remove(0))
}

fn sorted(
    mut v: Vec<otelcol_component::proto::common::v1::KeyValue>,
) -> Vec<otelcol_component::proto::common::v1::KeyValue> {
    sort_kvs(&mut v);
    v
}

#[tokio::test]
async fn editors() {
    let base = || {
        vec![
            ("a", s("alpha")),
            ("b", i(2)),
            ("c.1", s("/user/7/list/9")),
            (
                "nested",
                map(vec![("x", s("1")), ("y", map(vec![("z", b(true))]))]),
            ),
        ]
    };
    let cases: Vec<(&str, Vec<(&str, A)>)> = vec![
        (r#"set(attributes["n"], 1)"#, {
            let mut v = base();
            v.push(("n", i(1)));
            v
        }),
        (r#"set(attributes["a"], nil)"#, base()),
        (r#"set(attributes["nested"]["y"]["w"], "new")"#, {
            let mut v = base();
            v[3] = (
                "nested",
                map(vec![
                    ("x", s("1")),
                    ("y", map(vec![("z", b(true)), ("w", s("new"))])),
                ]),
            );
            v
        }),
        (r#"set(attributes["list"], ["a", 1])"#, {
            let mut v = base();
            v.push(("list", list(vec![s("a"), i(1)])));
            v
        }),
        (
            r#"delete_key(attributes, "a")"#,
            base().into_iter().skip(1).collect(),
        ),
        (
            r#"delete_matching_keys(attributes, "^[ab]$")"#,
            base().into_iter().skip(2).collect(),
        ),
        (
            r#"keep_keys(attributes, ["a", "b", "zz"])"#,
            base().into_iter().take(2).collect(),
        ),
        (r#"keep_keys(attributes, [])"#, vec![]),
        (
            r#"keep_matching_keys(attributes, "^n")"#,
            base().into_iter().skip(3).collect(),
        ),
        (
            r#"limit(attributes, 2, ["nested"])"#,
            vec![("a", s("alpha")), ("nested", base().remove(3).1)],
        ),
        (r#"limit(attributes, 10, [])"#, base()),
        (r#"truncate_all(attributes, 2)"#, {
            let mut v = base();
            v[0] = ("a", s("al"));
            v[2] = ("c.1", s("/u"));
            v
        }),
        (r#"replace_pattern(attributes["a"], "l(p)", "L$1")"#, {
            let mut v = base();
            v[0] = ("a", s("aLpha"));
            v
        }),
        (r#"replace_all_patterns(attributes, "value", "^a", "A")"#, {
            let mut v = base();
            v[0] = ("a", s("Alpha"));
            v
        }),
        (r#"replace_all_patterns(attributes, "key", "\\.1$", "_one")"#, {
            let mut v = base();
            v[2] = ("c_one", s("/user/7/list/9"));
            v
        }),
        (r#"replace_match(attributes["c.1"], "/user/*/list/*", "X")"#, {
            let mut v = base();
            v[2] = ("c.1", s("X"));
            v
        }),
        (r#"replace_match(attributes["a"], "beta", "X")"#, base()),
        (r#"replace_all_matches(attributes, "{alpha,beta}", "greek")"#, {
            let mut v = base();
            v[0] = ("a", s("greek"));
            v
        }),
        (r#"merge_maps(attributes, attributes["nested"], "insert")"#, {
            let mut v = base();
            v.push(("x", s("1")));
            v.push(("y", map(vec![("z", b(true))])));
            v
        }),
        (
            r#"merge_maps(attributes["nested"], attributes["nested"]["y"], "update")"#,
            base(),
        ),
        (r#"flatten(attributes["nested"])"#, {
            let mut v = base();
            v[3] = ("nested", map(vec![("x", s("1")), ("y.z", b(true))]));
            v
        }),
        (
            r#"flatten(attributes, "p", 1)"#,
            vec![
                ("p.a", s("alpha")),
                ("p.b", i(2)),
                ("p.c.1", s("/user/7/list/9")),
                ("p.nested.x", s("1")),
                ("p.nested.y", map(vec![("z", b(true))])),
            ],
        ),
    ];
    for (stmt, expected) in cases {
        let out = one_log("propagate", &[stmt], log(s("b"), base())).await.unwrap();
        assert_eq!(out.attributes, sorted(kvs(expected)), "{stmt}");
    }
}

#[tokio::test]
async fn editor_errors_follow_the_error_mode() {
    // delete_key on a string is an error at run time.
    let bad = r#"delete_key(attributes["a"], "k")"#;
    let good = r#"set(attributes["after"], true)"#;
    let input = || log(s("b"), vec![("a", s("x"))]);
    let e = one_log("propagate", &[bad, good], input()).await.unwrap_err();
    assert!(
        e.contains("failed to execute statement") && e.contains("expected pcommon.Map"),
        "{e}"
    );
    for mode in ["ignore", "silent"] {
        let out = one_log(mode, &[bad, good], input()).await.unwrap();
        assert_eq!(
            out.attributes,
            sorted(kvs(vec![("a", s("x")), ("after", b(true))])),
            "{mode}"
        );
    }
    // A propagated error refuses the payload permanently; nothing reaches the sink.
    let err = run_logs(&yaml("propagate", &[bad]), logs_req(vec![input()]))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ConsumeErrorKind::Permanent { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn converters() {
    let attrs = || {
        vec![
            ("s", s("Hello World")),
            ("n", i(42)),
            ("f", d(1.5)),
            ("csv", s("a,b,c")),
            ("json", s(r#"{"k":"v","arr":[1,true]}"#)),
            ("ts", s("2023-01-02 03:04:05")),
            ("tid", bytes(&[1; 16])),
        ]
    };
    let cases: Vec<(&str, A)> = vec![
        (
            r#"Concat([attributes["s"], attributes["n"]], "|")"#,
            s("Hello World|42"),
        ),
        (r#"ConvertCase(attributes["s"], "snake")"#, s("hello_world")),
        (r#"ConvertCase(attributes["s"], "upper")"#, s("HELLO WORLD")),
        (r#"Int(attributes["f"])"#, i(1)),
        (r#"Int("12")"#, i(12)),
        (r#"Double(attributes["n"])"#, d(42.0)),
        (r#"String(attributes["f"])"#, s("1.5")),
        (r#"IsMatch(attributes["s"], "^Hel")"#, b(true)),
        (r#"Len(attributes["csv"])"#, i(5)),
        (
            r#"ParseJSON(attributes["json"])"#,
            map(vec![("k", s("v")), ("arr", list(vec![d(1.0), b(true)]))]),
        ),
        (
            r#"SHA256("abc")"#,
            s("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ),
        (
            r#"Split(attributes["csv"], ",")"#,
            list(vec![s("a"), s("b"), s("c")]),
        ),
        (r#"Substring(attributes["s"], 6, 5)"#, s("World")),
        (
            r#"UnixNano(Time(attributes["ts"], "%Y-%m-%d %H:%M:%S"))"#,
            i(1_672_628_645_000_000_000),
        ),
        (
            r#"TraceID(0x0102030405060708090a0b0c0d0e0f10)"#,
            bytes(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        ),
        (r#"SpanID(0x0102030405060708)"#, bytes(&[1, 2, 3, 4, 5, 6, 7, 8])),
        (r#"Hex(attributes["tid"])"#, s("01010101010101010101010101010101")),
        (
            r#"Format("%s=%d", [attributes["s"], attributes["n"]])"#,
            s("Hello World=42"),
        ),
        (r#"IsString(attributes["s"])"#, b(true)),
        (r#"IsInt(attributes["s"])"#, b(false)),
        (r#"IsMap(ParseJSON(attributes["json"]))"#, b(true)),
        (
            r#"ExtractPatterns(attributes["s"], "^(?P<first>\\w+) (?P<second>\\w+)$")"#,
            map(vec![("first", s("Hello")), ("second", s("World"))]),
        ),
    ];
    for (expr, expected) in cases {
        let stmt = format!(r#"set(attributes["out"], {expr})"#);
        let out = one_log("propagate", &[&stmt], log(s("b"), attrs()))
            .await
            .unwrap();
        let got = out
            .attributes
            .iter()
            .find(|kv| kv.key == "out")
            .and_then(|kv| kv.value.clone());
        let mut want = expected;
        if let Some(otelcol_component::proto::common::v1::any_value::Value::KvlistValue(kv)) = &mut want.value
        {
            sort_kvs(&mut kv.values);
        }
        assert_eq!(got, Some(want), "{expr}");
    }
}

#[tokio::test]
async fn converter_errors() {
    let cases = [
        (
            r#"Substring(attributes["s"], 3, 10)"#,
            "invalid range for substring",
        ),
        (r#"Substring(attributes["s"], -1, 1)"#, "cannot be negative"),
        (
            r#"Substring(attributes["missing"], 0, 1)"#,
            "expected string but got nil",
        ),
        (r#"ParseJSON(attributes["s"])"#, "ParseJSON"),
        (r#"ParseJSON("1")"#, "JSON object or array"),
        (r#"SHA256(attributes["n"])"#, "expected string but got int64"),
        (r#"Split(attributes["n"], ",")"#, "expected string"),
        (r#"Time(attributes["s"], "%Y")"#, "Time:"),
        (r#"UnixNano(attributes["s"])"#, "expected time"),
        (r#"TraceID(0x0102)"#, "expected 16 bytes"),
        (r#"SpanID(attributes["s"])"#, "expected bytes"),
        (r#"Len(attributes["n"])"#, "unsupported type"),
    ];
    for (expr, msg) in cases {
        let stmt = format!(r#"set(attributes["out"], {expr})"#);
        let input = log(s("b"), vec![("s", s("abcde")), ("n", i(1))]);
        let e = one_log("propagate", &[&stmt], input).await.unwrap_err();
        assert!(e.contains(msg), "{expr}: {e}");
    }
}

#[tokio::test]
async fn typed_fields_and_wrong_types() {
    let stmts = [
        r#"set(severity_text, 1)"#,
        r#"set(severity_number, 17)"#,
        r#"set(time_unix_nano, 5)"#,
        r#"set(body, attributes)"#,
        r#"set(attributes["x"], 1)"#,
        r#"set(resource.attributes["r"], "v")"#,
        r#"set(scope.name, "lib")"#,
    ];
    let input = LogRecord {
        severity_text: "keep".into(),
        ..log(s("b"), vec![("k", s("v"))])
    };
    let out = run_logs(&yaml("propagate", &stmts), logs_req(vec![input]))
        .await
        .unwrap();
    let rl = &out.resource_logs[0];
    assert_eq!(rl.resource.as_ref().unwrap().attributes, kvs(vec![("r", s("v"))]));
    assert_eq!(rl.scope_logs[0].scope.as_ref().unwrap().name, "lib");
    let l = &rl.scope_logs[0].log_records[0];
    // A string field ignores an int, as Go's setters do.
    assert_eq!(l.severity_text, "keep");
    assert_eq!(l.severity_number, 17);
    assert_eq!(l.time_unix_nano, 5);
    assert_eq!(l.body, Some(map(vec![("k", s("v"))])));
    assert_eq!(l.attributes, kvs(vec![("k", s("v")), ("x", i(1))]));
}

#[tokio::test]
async fn group_conditions_are_ored_and_gate_every_statement() {
    let y = r#"
log_statements:
  - context: log
    conditions: ['attributes["a"] == "1"', 'attributes["b"] == "1"']
    statements: ['set(attributes["hit"], true)', 'set(severity_text, "HIT")']
"#;
    let logs = vec![
        log(s(""), vec![("a", s("1"))]),
        log(s(""), vec![("b", s("1"))]),
        log(s(""), vec![("a", s("0"))]),
    ];
    let out = run_logs(y, logs_req(logs)).await.unwrap();
    let recs = &out.resource_logs[0].scope_logs[0].log_records;
    let hits: Vec<bool> = recs.iter().map(|l| l.severity_text == "HIT").collect();
    assert_eq!(hits, vec![true, true, false]);
    assert!(recs[0].attributes.iter().any(|kv| kv.key == "hit"));
    assert!(!recs[2].attributes.iter().any(|kv| kv.key == "hit"));
}

#[tokio::test]
async fn group_error_mode_overrides_the_top_level() {
    let y = r#"
error_mode: propagate
log_statements:
  - context: log
    error_mode: ignore
    statements: ['set(attributes["x"], Substring(body, 0, 100))', 'set(attributes["after"], 1)']
"#;
    let out = run_logs(y, logs_req(vec![log(s("short"), vec![])]))
        .await
        .unwrap();
    let l = &out.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(l.attributes, kvs(vec![("after", i(1))]));
}

#[tokio::test]
async fn spans_span_events_and_scopes() {
    let y = r#"
trace_statements:
  - context: span
    statements:
      - set(kind, SPAN_KIND_SERVER)
      - set(status.message, "checked") where kind == SPAN_KIND_SERVER
      - set(start_time_unix_nano, 10)
      - set(end_time_unix_nano, 20)
      - set(trace_state, "a=b")
      - set(span_id.string, "0102030405060708")
  - context: spanevent
    statements: ['set(attributes["span"], span.name)', 'set(name, "ev2") where name == "ev"']
  - context: scope
    statements: ['set(attributes["s"], "x")', 'set(version, "2")']
"#;
    let sp = Span {
        name: "op".into(),
        events: vec![Event {
            name: "ev".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let out = run_traces(y, traces_req(vec![], vec![sp])).await.unwrap();
    let ss = &out.resource_spans[0].scope_spans[0];
    let sp = &ss.spans[0];
    assert_eq!(sp.kind, 2);
    assert_eq!(sp.status.as_ref().unwrap().message, "checked");
    assert_eq!((sp.start_time_unix_nano, sp.end_time_unix_nano), (10, 20));
    assert_eq!(sp.trace_state, "a=b");
    assert_eq!(sp.span_id, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(sp.events[0].name, "ev2");
    assert_eq!(sp.events[0].attributes, kvs(vec![("span", s("op"))]));
    let scope = ss.scope.as_ref().unwrap();
    assert_eq!(
        (scope.version.as_str(), scope.attributes.clone()),
        ("2", kvs(vec![("s", s("x"))]))
    );
}

fn hist(name: &str) -> Metric {
    Metric {
        name: name.into(),
        description: "d".into(),
        unit: "ms".into(),
        data: Some(Data::Histogram(Histogram {
            data_points: vec![
                HistogramDataPoint {
                    attributes: kvs(vec![("k", s("v"))]),
                    count: 3,
                    sum: Some(7.5),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    ..Default::default()
                },
                HistogramDataPoint {
                    count: 1,
                    sum: None,
                    ..Default::default()
                },
            ],
            aggregation_temporality: 1,
        })),
        ..Default::default()
    }
}

#[tokio::test]
async fn extract_sum_and_count_metrics() {
    let y = r#"
metric_statements:
  - context: metric
    statements:
      - extract_sum_metric(true) where name == "h"
      - extract_count_metric(false, ".n") where name == "h"
      - set(description, "seen") where name == "h_sum"
"#;
    let out = run_metrics(y, metrics_req(Resource::default(), vec![hist("h")]))
        .await
        .unwrap();
    let ms = &out.resource_metrics[0].scope_metrics[0].metrics;
    let names: Vec<&str> = ms.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["h", "h_sum", "h.n"]);
    // The created metric goes through the group's statements too.
    assert_eq!(ms[1].description, "seen");
    assert_eq!(ms[1].unit, "ms");
    let Some(Data::Sum(sum)) = &ms[1].data else {
        panic!("{:?}", ms[1])
    };
    assert_eq!((sum.aggregation_temporality, sum.is_monotonic), (1, true));
    // The point without a sum is skipped.
    assert_eq!(
        sum.data_points,
        vec![{
            let mut p = double_point(vec![("k", s("v"))], 7.5);
            p.start_time_unix_nano = 1;
            p.time_unix_nano = 2;
            p
        }]
    );
    assert_eq!(ms[2].unit, "1");
    let Some(Data::Sum(count)) = &ms[2].data else {
        panic!("{:?}", ms[2])
    };
    assert_eq!(count.data_points.len(), 2);
    assert!(!count.is_monotonic);
    // A summary works; the created metric is visited too, so it needs a
    // `where` clause that does not match it (as in Go).
    let e = run_metrics(
        "{metric_statements: [{context: metric, statements: ['extract_sum_metric(true) where name == \"g\"']}]}",
        metrics_req(Resource::default(), vec![Metric {
            name: "g".into(),
            data: Some(Data::Summary(Summary {
                data_points: vec![SummaryDataPoint::default()],
            })),
            ..Default::default()
        }]),
    )
    .await;
    assert_eq!(e.unwrap().resource_metrics[0].scope_metrics[0].metrics.len(), 2);
    // A sum is refused with an error.
    let e = run_metrics(
        "{metric_statements: [{context: metric, statements: ['extract_count_metric(true)']}]}",
        metrics_req(
            Resource::default(),
            vec![Metric {
                name: "s".into(),
                data: Some(Data::Sum(Sum::default())),
                ..Default::default()
            }],
        ),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("requires an input metric of type Histogram"),
        "{e}"
    );
}

#[tokio::test]
async fn aggregate_on_attributes() {
    let sum = |pts| Metric {
        name: "m".into(),
        data: Some(Data::Sum(Sum {
            data_points: pts,
            aggregation_temporality: 2,
            is_monotonic: true,
        })),
        ..Default::default()
    };
    let input = || {
        sum(vec![
            int_point(vec![("a", s("1")), ("b", s("x"))], 1),
            int_point(vec![("a", s("1")), ("b", s("y"))], 5),
            int_point(vec![("a", s("2")), ("b", s("y"))], 3),
        ])
    };
    let cases = [
        (
            "sum",
            r#"["a"]"#,
            vec![
                int_point(vec![("a", s("1"))], 6),
                int_point(vec![("a", s("2"))], 3),
            ],
        ),
        (
            "max",
            r#"["a"]"#,
            vec![
                int_point(vec![("a", s("1"))], 5),
                int_point(vec![("a", s("2"))], 3),
            ],
        ),
        (
            "count",
            r#"["a"]"#,
            vec![
                int_point(vec![("a", s("1"))], 2),
                int_point(vec![("a", s("2"))], 1),
            ],
        ),
    ];
    for (func, attrs, expected) in cases {
        let y = format!(
            r#"{{metric_statements: [{{context: metric, statements: ['aggregate_on_attributes("{func}", {attrs})']}}]}}"#
        );
        let out = run_metrics(&y, metrics_req(Resource::default(), vec![input()]))
            .await
            .unwrap();
        assert_eq!(
            out.resource_metrics[0].scope_metrics[0].metrics[0],
            sum(expected),
            "{func}"
        );
    }
    let y = r#"{metric_statements: [{context: metric, statements: ['aggregate_on_attributes("min")']}]}"#;
    let out = run_metrics(y, metrics_req(Resource::default(), vec![input()]))
        .await
        .unwrap();
    assert_eq!(
        out.resource_metrics[0].scope_metrics[0].metrics[0],
        sum(vec![int_point(vec![], 1)])
    );
}
