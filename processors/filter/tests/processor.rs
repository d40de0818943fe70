//! The processor end to end, with sink consumers.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::sync::Arc;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric::Data, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, span::Event};
use otelcol_component::{
    ConsumeErrorKind, Kind, Logs, Metrics, Payload, Processor, ProcessorFactory, Traces,
};
use otelcol_componenttest::{Sink, check_processor_lifecycle, nop_settings, parse_config};
use otelcol_processor_filter::{FilterConfig, factory};

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

fn int_kv(k: &str, v: i64) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(v)),
        }),
        ..Default::default()
    }
}

fn span(name: &str, route: &str, events: &[&str]) -> Span {
    Span {
        name: name.into(),
        attributes: vec![kv("http.route", route)],
        events: events
            .iter()
            .map(|e| Event {
                name: e.to_string(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Two resources (service a and b), each with one scope of the given spans.
fn traces(spans_a: Vec<Span>, spans_b: Vec<Span>) -> Traces {
    let rs = |svc: &str, spans: Vec<Span>| ResourceSpans {
        resource: Some(Resource {
            attributes: vec![kv("service.name", svc)],
            ..Default::default()
        }),
        scope_spans: vec![ScopeSpans {
            spans,
            ..Default::default()
        }],
        ..Default::default()
    };
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![rs("a", spans_a), rs("b", spans_b)],
    })
}

fn span_names(t: &Traces) -> Vec<String> {
    t.request()
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(|s| s.name.clone())
        .collect()
}

fn processor<T: Payload>(
    yaml: &str,
    create: impl Fn(
        &otelcol_processor_filter::FilterProcessorFactory,
        &FilterConfig,
        Arc<Sink<T>>,
    ) -> Arc<dyn Processor<T>>,
) -> (Arc<dyn Processor<T>>, Arc<Sink<T>>) {
    let cfg = parse_config::<FilterConfig>(yaml).unwrap();
    let sink = Sink::<T>::new();
    let p = create(&factory(), &cfg, sink.clone());
    (p, sink)
}

fn traces_processor(yaml: &str) -> (Arc<dyn Processor<Traces>>, Arc<Sink<Traces>>) {
    processor(yaml, |f, c, s| {
        f.create::<Traces>(&nop_settings("filter", Kind::Processor), c, s)
            .unwrap()
    })
}

fn metrics_processor(yaml: &str) -> (Arc<dyn Processor<Metrics>>, Arc<Sink<Metrics>>) {
    processor(yaml, |f, c, s| {
        f.create::<Metrics>(&nop_settings("filter", Kind::Processor), c, s)
            .unwrap()
    })
}

fn logs_processor(yaml: &str) -> (Arc<dyn Processor<Logs>>, Arc<Sink<Logs>>) {
    processor(yaml, |f, c, s| {
        f.create::<Logs>(&nop_settings("filter", Kind::Processor), c, s)
            .unwrap()
    })
}

#[tokio::test]
async fn drops_health_checks_as_in_the_worked_example() {
    let (p, sink) = traces_processor(
        r#"{error_mode: ignore, trace_conditions: ['span.attributes["http.route"] == "/healthz"']}"#,
    );
    assert!(p.capabilities().mutates_data);
    p.consume(traces(
        vec![span("health", "/healthz", &[]), span("buy", "/buy", &[])],
        vec![span("health2", "/healthz", &[])],
    ))
    .await
    .unwrap();
    let out = sink.all();
    assert_eq!(out.len(), 1);
    assert_eq!(span_names(&out[0]), vec!["buy"]);
    // Resource b lost its only span, so it is gone.
    assert_eq!(out[0].request().resource_spans.len(), 1);
}

#[tokio::test]
async fn an_emptied_payload_is_not_forwarded() {
    let (p, sink) = traces_processor(r#"trace_conditions: ['span.name != ""']"#);
    p.consume(traces(vec![span("x", "/", &[])], vec![]))
        .await
        .unwrap();
    assert_eq!(sink.payload_count(), 0);
}

#[tokio::test]
async fn drops_by_resource_attribute() {
    for yaml in [
        r#"traces: {resource: ['attributes["service.name"] == "b"']}"#,
        r#"trace_conditions: ['resource.attributes["service.name"] == "b"']"#,
        r#"trace_conditions: [{context: resource, conditions: ['attributes["service.name"] == "b"']}]"#,
    ] {
        let (p, sink) = traces_processor(yaml);
        p.consume(traces(
            vec![span("a1", "/", &[])],
            vec![span("b1", "/", &[]), span("b2", "/", &[])],
        ))
        .await
        .unwrap();
        assert_eq!(span_names(&sink.all()[0]), vec!["a1"], "{yaml}");
    }
}

#[tokio::test]
async fn drops_span_events_but_keeps_the_span() {
    let (p, sink) = traces_processor(r#"traces: {spanevent: ['IsMatch(name, "^retry")']}"#);
    p.consume(traces(
        vec![
            span("s", "/", &["retry-1", "done", "retry-2"]),
            span("t", "/", &["retry"]),
        ],
        vec![],
    ))
    .await
    .unwrap();
    let out = &sink.all()[0];
    let spans = &out.request().resource_spans[0].scope_spans[0].spans;
    assert_eq!(spans.len(), 2, "a span whose events were all dropped stays");
    let events: Vec<&str> = spans[0].events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(events, vec!["done"]);
    assert!(spans[1].events.is_empty());
}

#[tokio::test]
async fn span_conditions_skip_span_event_checks_of_dropped_spans() {
    let (p, sink) = traces_processor(
        r#"{traces: {span: ['name == "gone"'], spanevent: ['span.name == "kept" and name == "e1"']}}"#,
    );
    p.consume(traces(
        vec![span("gone", "/", &["e1"]), span("kept", "/", &["e1", "e2"])],
        vec![],
    ))
    .await
    .unwrap();
    let out = &sink.all()[0];
    assert_eq!(span_names(out), vec!["kept"]);
    let ev = &out.request().resource_spans[0].scope_spans[0].spans[0].events;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].name, "e2");
}

fn metrics(points: &[(&str, &[i64])]) -> Metrics {
    let metrics = points
        .iter()
        .map(|(name, values)| Metric {
            name: name.to_string(),
            data: Some(Data::Gauge(Gauge {
                data_points: values
                    .iter()
                    .map(|v| NumberDataPoint {
                        value: Some(number_data_point::Value::AsInt(*v)),
                        attributes: vec![int_kv("v", *v)],
                        ..Default::default()
                    })
                    .collect(),
            })),
            ..Default::default()
        })
        .collect();
    Metrics::from_request(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn metric_points(m: &Metrics) -> Vec<(String, Vec<i64>)> {
    m.request()
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .map(|m| {
            let vals = match &m.data {
                Some(Data::Gauge(g)) => g
                    .data_points
                    .iter()
                    .map(|p| match p.value {
                        Some(number_data_point::Value::AsInt(i)) => i,
                        _ => -1,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (m.name.clone(), vals)
        })
        .collect()
}

#[tokio::test]
async fn drops_datapoints_and_metrics_left_without_points() {
    for yaml in [
        "metrics: {datapoint: ['value_int > 5']}",
        "metric_conditions: ['datapoint.value_int > 5']",
    ] {
        let (p, sink) = metrics_processor(yaml);
        p.consume(metrics(&[("low", &[1, 9, 2]), ("high", &[7, 8])]))
            .await
            .unwrap();
        let out = sink.all();
        assert_eq!(
            metric_points(&out[0]),
            vec![("low".to_string(), vec![1, 2])],
            "{yaml}"
        );
    }
}

#[tokio::test]
async fn drops_metrics_by_name_and_with_datapoint_functions() {
    let (p, sink) = metrics_processor(
        r#"metrics: {metric: ['name == "a"', 'HasAttrOnDatapoint("v", "3")', 'HasAttrKeyOnDatapoint("nope")']}"#,
    );
    p.consume(metrics(&[("a", &[1]), ("b", &[2]), ("c", &[3])]))
        .await
        .unwrap();
    // HasAttrOnDatapoint compares string values; "v" is an int here, so "c" stays.
    assert_eq!(
        metric_points(&sink.all()[0]),
        vec![("b".to_string(), vec![2]), ("c".to_string(), vec![3])]
    );
}

fn logs(records: &[(i32, &str)]) -> Logs {
    Logs::from_request(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: records
                    .iter()
                    .map(|(sev, body)| LogRecord {
                        severity_number: *sev,
                        body: Some(AnyValue {
                            value: Some(any_value::Value::StringValue(body.to_string())),
                        }),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn bodies(l: &Logs) -> Vec<String> {
    l.request()
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
        .filter_map(|r| match r.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(any_value::Value::StringValue(s)) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn drops_logs_below_warn() {
    for yaml in [
        "logs: {log_record: ['severity_number < SEVERITY_NUMBER_WARN']}",
        "log_conditions: ['log.severity_number < SEVERITY_NUMBER_WARN']",
        "logs: {include: {severity_number: {min: WARN}}}",
    ] {
        let (p, sink) = logs_processor(yaml);
        p.consume(logs(&[(5, "debug"), (13, "warn"), (17, "error"), (9, "info")]))
            .await
            .unwrap();
        assert_eq!(bodies(&sink.all()[0]), vec!["warn", "error"], "{yaml}");
    }
}

#[tokio::test]
async fn error_mode_decides_what_a_runtime_type_error_does() {
    // Len of an int fails at runtime; the second condition matches "debug".
    let conds = r#"['Len(log.severity_number) > 0', 'log.body == "debug"']"#;
    let input = || logs(&[(5, "debug"), (13, "warn")]);

    let (p, sink) = logs_processor(&format!("{{error_mode: propagate, log_conditions: {conds}}}"));
    let e = p.consume(input()).await.unwrap_err();
    assert!(matches!(e.kind(), ConsumeErrorKind::Permanent { .. }), "{e:?}");
    assert!(e.message().contains("Len"), "{e}");
    assert_eq!(sink.payload_count(), 0, "nothing is forwarded on error");

    for mode in ["ignore", "silent"] {
        let (p, sink) = logs_processor(&format!("{{error_mode: {mode}, log_conditions: {conds}}}"));
        p.consume(input()).await.unwrap();
        assert_eq!(bodies(&sink.all()[0]), vec!["warn"], "{mode}");
    }

    // A group's error_mode overrides the top-level one.
    let (p, sink) = logs_processor(&format!(
        "{{error_mode: propagate, log_conditions: [{{error_mode: ignore, conditions: {conds}}}]}}"
    ));
    p.consume(input()).await.unwrap();
    assert_eq!(bodies(&sink.all()[0]), vec!["warn"]);
}

#[tokio::test]
async fn legacy_include_exclude() {
    let (p, sink) = traces_processor(
        "spans: {include: {match_type: regexp, services: ['^a$']}, exclude: {match_type: strict, span_names: [a2]}}",
    );
    p.consume(traces(
        vec![span("a1", "/", &[]), span("a2", "/", &[])],
        vec![span("b1", "/", &[])],
    ))
    .await
    .unwrap();
    assert_eq!(span_names(&sink.all()[0]), vec!["a1"]);

    let (p, sink) = metrics_processor("metrics: {exclude: {match_type: regexp, metric_names: ['^hi']}}");
    p.consume(metrics(&[("high", &[1]), ("low", &[2])]))
        .await
        .unwrap();
    assert_eq!(metric_points(&sink.all()[0]), vec![("low".to_string(), vec![2])]);

    let (p, sink) = logs_processor("logs: {exclude: {match_type: regexp, bodies: ['^de']}}");
    p.consume(logs(&[(5, "debug"), (13, "warn")])).await.unwrap();
    assert_eq!(bodies(&sink.all()[0]), vec!["warn"]);
}

/// Go: a legacy `include` naming no metric and no resource attribute is a
/// no-op (contrib's filterprocessor testdata has such blocks).
#[tokio::test]
async fn legacy_empty_include_is_a_no_op() {
    let (p, sink) = metrics_processor("metrics: {include: {match_type: strict}}");
    p.consume(metrics(&[("high", &[1]), ("low", &[2])]))
        .await
        .unwrap();
    assert_eq!(
        metric_points(&sink.all()[0]),
        vec![("high".to_string(), vec![1]), ("low".to_string(), vec![2])]
    );
    let (p, sink) =
        metrics_processor("metrics: {include: {match_type: regexp}, exclude: {match_type: strict}}");
    p.consume(metrics(&[("a", &[1])])).await.unwrap();
    assert_eq!(metric_points(&sink.all()[0]), vec![("a".to_string(), vec![1])]);
}

#[tokio::test]
async fn without_conditions_everything_passes_untouched() {
    let (p, sink) = traces_processor("");
    let input = traces(vec![span("a", "/", &[])], vec![]);
    p.consume(input.clone()).await.unwrap();
    assert!(
        sink.all()[0].shares_data_with(&input),
        "no copy when nothing is configured"
    );
}

#[tokio::test]
async fn lifecycle() {
    let cfg = parse_config::<FilterConfig>(
        "{trace_conditions: ['span.name == \"x\"'], metric_conditions: ['metric.name == \"x\"'], log_conditions: ['log.body == \"x\"']}",
    )
    .unwrap();
    check_processor_lifecycle(&factory(), &cfg).await.unwrap();
    check_processor_lifecycle(&factory(), &FilterConfig::default())
        .await
        .unwrap();
    assert!(factory().stability(otelcol_component::Signal::Logs).is_some());
}
