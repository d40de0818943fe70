//! Evaluator tests per context.

use otelcol_component::proto::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::{
    Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, Sum, metric::Data, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, Status, span::Event};

use super::*;

fn av(v: any_value::Value) -> Option<AnyValue> {
    Some(AnyValue { value: Some(v) })
}

fn kv(k: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: av(v),
        ..Default::default()
    }
}

fn sv(s: &str) -> any_value::Value {
    any_value::Value::StringValue(s.into())
}

fn resource() -> Resource {
    Resource {
        attributes: vec![
            kv("service.name", sv("checkout")),
            kv("host.id", any_value::Value::IntValue(7)),
        ],
        ..Default::default()
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "lib".into(),
        version: "1.2".into(),
        ..Default::default()
    }
}

fn span() -> Span {
    Span {
        name: "GET /healthz".into(),
        kind: 2,
        trace_id: vec![0xab; 16],
        span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
        start_time_unix_nano: 100,
        end_time_unix_nano: 250,
        status: Some(Status {
            code: 2,
            message: "boom".into(),
        }),
        attributes: vec![
            kv("http.route", sv("/healthz")),
            kv("http.status_code", any_value::Value::IntValue(200)),
            kv("ratio", any_value::Value::DoubleValue(0.5)),
            kv("ok", any_value::Value::BoolValue(true)),
            kv(
                "nested",
                any_value::Value::KvlistValue(KeyValueList {
                    values: vec![kv("inner", sv("deep"))],
                }),
            ),
            kv(
                "list",
                any_value::Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(sv("first")),
                    }],
                }),
            ),
        ],
        ..Default::default()
    }
}

fn check(ctx_kind: ContextKind, ctx: &EvalCtx<'_>, cases: &[(&str, bool)]) {
    for (src, want) in cases {
        let c = Condition::parse(src, ctx_kind).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(c.eval(ctx), Ok(*want), "{src}");
    }
}

#[test]
fn span_context() {
    let (r, s, sp) = (resource(), scope(), span());
    let ctx = EvalCtx {
        resource: Some(&r),
        scope: Some(&s),
        span: Some(&sp),
        ..Default::default()
    };
    check(
        ContextKind::Span,
        &ctx,
        &[
            (r#"attributes["http.route"] == "/healthz""#, true),
            (r#"span.attributes["http.route"] == "/healthz""#, true),
            (r#"name == "GET /healthz" and kind == SPAN_KIND_SERVER"#, true),
            ("kind == SPAN_KIND_CLIENT", false),
            ("status.code == STATUS_CODE_ERROR", true),
            (r#"status.message == "boom""#, true),
            (r#"trace_id.string == "abababababababababababababababab""#, true),
            (r#"span_id.string == "0102030405060708""#, true),
            (r#"parent_span_id.string == """#, true),
            ("span_id == 0x0102030405060708", true),
            ("start_time_unix_nano < end_time_unix_nano", true),
            (r#"resource.attributes["service.name"] == "checkout""#, true),
            (
                r#"instrumentation_scope.name == "lib" and scope.version == "1.2""#,
                true,
            ),
            (r#"attributes["http.status_code"] >= 200.0"#, true),
            (r#"attributes["ratio"] < 1"#, true),
            (r#"attributes["ok"] == true"#, true),
            (r#"attributes["nested"]["inner"] == "deep""#, true),
            (r#"attributes["list"][0] == "first""#, true),
            (r#"attributes["missing"] == nil"#, true),
            (r#"attributes["missing"] != nil"#, false),
            (r#"attributes["missing"]["deeper"] == nil"#, true),
            (r#"attributes["http.status_code"] == "200""#, false),
            (r#"not (attributes["http.status_code"] == "200")"#, true),
            (r#"IsMatch(name, "^GET ")"#, true),
            (r#"IsMatch(attributes["http.status_code"], "^2\\d\\d$")"#, true),
            (r#"IsMatch(attributes["missing"], ".*")"#, false),
            (
                r#"IsString(name) and IsInt(kind) and IsDouble(attributes["ratio"])"#,
                true,
            ),
            (
                r#"IsBool(attributes["ok"]) and IsMap(attributes["nested"]) and IsList(attributes["list"])"#,
                true,
            ),
            (r#"IsString(attributes["http.status_code"])"#, false),
            (r#"Len(name) == 12"#, true),
            (r#"Len(attributes) == 6"#, true),
            (
                r#"Concat([name, attributes["missing"]], "|") == "GET /healthz|<nil>""#,
                true,
            ),
            (
                r#"Int("42") == 42 and Int(attributes["ratio"]) == 0 and Int("x") == nil"#,
                true,
            ),
            (r#"Double(attributes["http.status_code"]) == 200.0"#, true),
            (r#"String(attributes["http.status_code"]) == "200""#, true),
            ("IsRootSpan()", true),
            ("true and false or true", true),
            ("false or (false and true)", false),
        ],
    );
}

#[test]
fn runtime_type_errors_are_errors() {
    let sp = span();
    let ctx = EvalCtx {
        span: Some(&sp),
        ..Default::default()
    };
    let c = Condition::parse(r#"Len(attributes["http.status_code"]) > 1"#, ContextKind::Span).unwrap();
    assert!(c.eval(&ctx).unwrap_err().message().contains("Len"));
    let c = Condition::parse(r#"attributes["list"][5] == nil"#, ContextKind::Span).unwrap();
    assert!(c.eval(&ctx).unwrap_err().message().contains("out of bounds"));
    let c = Condition::parse(r#"attributes["http.route"]["x"] == nil"#, ContextKind::Span).unwrap();
    assert!(
        c.eval(&ctx)
            .unwrap_err()
            .message()
            .contains("does not support indexing")
    );
    // `or` short-circuits before the failing operand.
    let c = Condition::parse(r#"true or Len(kind) > 1"#, ContextKind::Span).unwrap();
    assert_eq!(c.eval(&ctx), Ok(true));
}

#[test]
fn spanevent_and_resource_and_scope_contexts() {
    let (r, s, sp) = (resource(), scope(), span());
    let ev = Event {
        name: "exception".into(),
        time_unix_nano: 5,
        attributes: vec![kv("grpc", any_value::Value::BoolValue(true))],
        ..Default::default()
    };
    let ctx = EvalCtx {
        resource: Some(&r),
        scope: Some(&s),
        span: Some(&sp),
        event: Some(&ev),
        ..Default::default()
    };
    check(
        ContextKind::SpanEvent,
        &ctx,
        &[
            (r#"name == "exception" and attributes["grpc"] == true"#, true),
            (r#"span.name == "GET /healthz" and time_unix_nano == 5"#, true),
            ("span.kind == SPAN_KIND_SERVER", true),
        ],
    );
    check(
        ContextKind::Resource,
        &ctx,
        &[
            (r#"attributes["host.id"] == 7"#, true),
            ("dropped_attributes_count == 0", true),
        ],
    );
    check(
        ContextKind::Scope,
        &ctx,
        &[(r#"name == "lib" and resource.attributes["host.id"] > 6"#, true)],
    );
}

#[test]
fn metric_and_datapoint_contexts() {
    let point = NumberDataPoint {
        attributes: vec![kv("http.method", sv("GET"))],
        value: Some(number_data_point::Value::AsInt(3)),
        ..Default::default()
    };
    let metric = Metric {
        name: "requests".into(),
        unit: "1".into(),
        data: Some(Data::Sum(Sum {
            data_points: vec![point.clone()],
            aggregation_temporality: 2,
            is_monotonic: true,
        })),
        ..Default::default()
    };
    let ctx = EvalCtx {
        metric: Some(&metric),
        point: Some(Point::Number(&point)),
        ..Default::default()
    };
    check(
        ContextKind::Metric,
        &ctx,
        &[
            (r#"name == "requests" and type == METRIC_DATA_TYPE_SUM"#, true),
            (
                "aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE and is_monotonic == true",
                true,
            ),
            (r#"HasAttrKeyOnDatapoint("http.method")"#, true),
            (r#"HasAttrOnDatapoint("http.method", "GET")"#, true),
            (r#"HasAttrOnDatapoint("http.method", "POST")"#, false),
        ],
    );
    check(
        ContextKind::DataPoint,
        &ctx,
        &[
            ("value_int == 3 and value_double == 0.0", true),
            ("count == nil", true),
            (
                r#"metric.name == "requests" and attributes["http.method"] == "GET""#,
                true,
            ),
            ("metric.type == METRIC_DATA_TYPE_SUM", true),
        ],
    );
    let hp = HistogramDataPoint {
        count: 4,
        sum: Some(2.5),
        ..Default::default()
    };
    let hist = Metric {
        data: Some(Data::Histogram(Histogram {
            data_points: vec![hp.clone()],
            aggregation_temporality: 1,
        })),
        ..Default::default()
    };
    let ctx = EvalCtx {
        metric: Some(&hist),
        point: Some(Point::Histogram(&hp)),
        ..Default::default()
    };
    check(
        ContextKind::DataPoint,
        &ctx,
        &[("count == 4 and sum == 2.5 and value_int == nil", true)],
    );
    let g = Metric {
        data: Some(Data::Gauge(Gauge::default())),
        ..Default::default()
    };
    let ctx = EvalCtx {
        metric: Some(&g),
        ..Default::default()
    };
    check(
        ContextKind::Metric,
        &ctx,
        &[("is_monotonic == false and aggregation_temporality == 0", true)],
    );
}

#[test]
fn log_context() {
    let log = LogRecord {
        severity_number: 5,
        severity_text: "DEBUG".into(),
        body: av(sv("user password=hunter2")),
        attributes: vec![kv("k", sv("v"))],
        event_name: "login".into(),
        ..Default::default()
    };
    let ctx = EvalCtx {
        log: Some(&log),
        ..Default::default()
    };
    check(
        ContextKind::Log,
        &ctx,
        &[
            ("severity_number < SEVERITY_NUMBER_WARN", true),
            ("log.severity_number >= SEVERITY_NUMBER_INFO", false),
            (r#"IsMatch(body, ".*password.*")"#, true),
            (r#"body.string == "user password=hunter2""#, true),
            (r#"severity_text == "DEBUG" and attributes["k"] == "v""#, true),
            (r#"event_name == "login" and trace_id.string == """#, true),
        ],
    );
}

#[test]
fn compile_errors_name_the_position() {
    let cases: &[(&str, ContextKind, usize, &str)] = &[
        (
            "kind == SEVERITY_NUMBER_INFO",
            ContextKind::Span,
            8,
            "not defined in the span context",
        ),
        ("nme == \"x\"", ContextKind::Span, 0, "not a valid path"),
        (
            "log.body == \"x\"",
            ContextKind::Span,
            0,
            "cannot be read from the span context",
        ),
        ("Nope(name)", ContextKind::Span, 0, "undefined function"),
        (
            "IsMatch(name, \"(\")",
            ContextKind::Span,
            0,
            "invalid regular expression",
        ),
        ("IsMatch(name, name)", ContextKind::Span, 0, "string literal"),
        ("Len(name)", ContextKind::Span, 0, "does not return a boolean"),
        (
            "HasAttrKeyOnDatapoint(\"k\")",
            ContextKind::DataPoint,
            0,
            "only available in the metric context",
        ),
        (
            "Concat(name, \"-\") == \"x\"",
            ContextKind::Span,
            0,
            "must be a list",
        ),
        ("name == [1]", ContextKind::Span, 8, "lists are only supported"),
        ("IsString()", ContextKind::Span, 0, "expects 1 argument"),
        ("name[\"x\"] == nil", ContextKind::Span, 0, "not a valid path"),
    ];
    for (src, ctx, pos, msg) in cases {
        let e = Condition::parse(src, *ctx).unwrap_err();
        assert_eq!(e.pos, *pos, "{src}: {e}");
        assert!(e.message.contains(msg), "{src}: {e}");
    }
}

#[test]
fn context_inference() {
    let all_traces = [
        ContextKind::Resource,
        ContextKind::Scope,
        ContextKind::Span,
        ContextKind::SpanEvent,
    ];
    let c = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (ctx, conds) = parse_inferred(&c(&[r#"resource.attributes["a"] == "b""#]), &all_traces).unwrap();
    assert_eq!((ctx, conds.len()), (ContextKind::Resource, 1));
    let (ctx, _) = parse_inferred(
        &c(&[r#"resource.attributes["a"] == "b""#, r#"span.name == "x""#]),
        &all_traces,
    )
    .unwrap();
    assert_eq!(ctx, ContextKind::Span);
    let (ctx, _) = parse_inferred(
        &c(&[r#"scope.name == "x" and spanevent.name == "e""#]),
        &all_traces,
    )
    .unwrap();
    assert_eq!(ctx, ContextKind::SpanEvent);
    let e = parse_inferred(&c(&["span.name == \"x\"", "name == \"y\""]), &all_traces).unwrap_err();
    assert_eq!((e.index, e.error.pos), (1, 0));
    assert!(e.error.message.contains("context name"));
    let e = parse_inferred(&c(&["log.body == \"x\""]), &all_traces).unwrap_err();
    assert_eq!(e.index, 0);
    let e = parse_inferred(&c(&["true"]), &all_traces).unwrap_err();
    assert!(e.error.message.contains("unable to infer"));
    let metrics = [
        ContextKind::Resource,
        ContextKind::Scope,
        ContextKind::Metric,
        ContextKind::DataPoint,
    ];
    let (ctx, _) = parse_inferred(
        &c(&[r#"HasAttrKeyOnDatapoint("k") and resource.attributes["x"] == nil"#]),
        &metrics,
    )
    .unwrap();
    assert_eq!(ctx, ContextKind::Metric);
}

mod statements {
    use super::*;
    use crate::{GroupPart, Statement, TransformCtx, TransformItem, parse_statements_inferred};

    fn run(src: &str, ctx: ContextKind, span: &mut Span) -> Result<bool, EvalError> {
        let stmt = Statement::parse(src, ctx).unwrap();
        let mut resource = Some(resource());
        let mut scope = Some(scope());
        let item = match ctx {
            ContextKind::SpanEvent => TransformItem::SpanEvent(span, 0),
            _ => TransformItem::Span(span),
        };
        let mut t = TransformCtx {
            resource: &mut resource,
            resource_schema_url: "",
            scope: Some(&mut scope),
            scope_schema_url: "",
            item,
            new_metrics: Vec::new(),
        };
        stmt.execute(&mut t)
    }

    #[test]
    fn where_clause_gates_the_editor() {
        let mut sp = span();
        assert_eq!(
            run(
                r#"set(name, "x") where kind == SPAN_KIND_CLIENT"#,
                ContextKind::Span,
                &mut sp
            ),
            Ok(false)
        );
        assert_eq!(sp.name, "GET /healthz");
        assert_eq!(
            run(
                r#"set(name, "x") where kind == SPAN_KIND_SERVER"#,
                ContextKind::Span,
                &mut sp
            ),
            Ok(true)
        );
        assert_eq!(sp.name, "x");
    }

    #[test]
    fn hostile_data_is_an_error_not_a_panic() {
        let mut sp = span();
        // Indexing a list past its end, a string as a map, a map by an integer.
        for src in [
            r#"set(attributes["list"][5], "x")"#,
            r#"set(attributes["http.route"]["k"], "x")"#,
            r#"set(attributes["nested"][0], "x")"#,
            r#"delete_key(attributes["http.route"], "k")"#,
            r#"set(attributes["x"], Substring(name, 100, 1))"#,
            r#"set(span_id.string, "zz")"#,
        ] {
            assert!(run(src, ContextKind::Span, &mut sp).is_err(), "{src}");
        }
        // An event index past the end reads nothing and writes nothing.
        let mut empty = Span::default();
        assert_eq!(
            run(r#"set(name, "x")"#, ContextKind::SpanEvent, &mut empty),
            Ok(true)
        );
        assert!(empty.events.is_empty());
    }

    #[test]
    fn statements_parse_errors_have_positions() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty statement"),
            ("set", 3, "expected \"(\""),
            ("set(name, \"x\") where", 20, "expected a condition"),
            ("set(name, \"x\") extra", 15, "after statement"),
            ("set(nme, \"x\")", 4, "not a valid path"),
            ("set(type, 1)", 4, "cannot be set"),
            ("set(name, [1, nope])", 14, "not a valid path"),
        ];
        for (src, pos, msg) in cases {
            let e = Statement::parse(src, ContextKind::Metric)
                .map(|_| ())
                .unwrap_err();
            assert_eq!(e.pos, *pos, "{src}: {e}");
            assert!(e.message.contains(msg), "{src}: {e}");
        }
    }

    #[test]
    fn inference_picks_the_deepest_context() {
        let c = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let metric = [
            ContextKind::Resource,
            ContextKind::Scope,
            ContextKind::Metric,
            ContextKind::DataPoint,
        ];
        let (ctx, s, _) = parse_statements_inferred(
            &c(&[
                r#"set(resource.attributes["a"], "b")"#,
                r#"set(metric.description, "x")"#,
            ]),
            &[],
            &metric,
        )
        .unwrap();
        assert_eq!((ctx, s.len()), (ContextKind::Metric, 2));
        let (ctx, ..) = parse_statements_inferred(
            &c(&[r#"set(metric.description, "x")"#]),
            &c(&[r#"datapoint.attributes["a"] == "b""#]),
            &metric,
        )
        .unwrap();
        assert_eq!(ctx, ContextKind::DataPoint);
        let (ctx, ..) = parse_statements_inferred(&c(&["convert_sum_to_gauge()"]), &[], &metric).unwrap();
        assert_eq!(ctx, ContextKind::Metric);
        let e = parse_statements_inferred(&c(&[r#"set(metric.name, "a")"#]), &c(&["name == 1"]), &metric)
            .unwrap_err();
        assert_eq!((e.part, e.index), (GroupPart::Conditions, 0));
        let e = parse_statements_inferred(&c(&[r#"set(span.name, "a")"#]), &[], &metric).unwrap_err();
        assert!(e.error.message.contains("context name"), "{e}");
    }
}
