//! Formatter tests against the Go debug exporter's expected output.

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint,
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint, exemplar,
    exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span, status};

use super::value::tests::{kv, s};
use super::*;

const START: u64 = 1_581_452_772_000_000_321;
const END: u64 = 1_581_452_773_000_000_789;
const EVENT: u64 = 1_581_452_773_000_000_123;
const TRACE_ID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const SPAN_ID: [u8; 8] = [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];

fn int(i: i64) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::IntValue(i)),
    }
}
fn boolean(b: bool) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::BoolValue(b)),
    }
}
fn resource(attrs: Vec<KeyValue>) -> Option<Resource> {
    Some(Resource {
        attributes: attrs,
        ..Default::default()
    })
}
fn res_attr() -> Option<Resource> {
    resource(vec![kv("resource-attr", s("resource-attr-val-1"))])
}
fn scope(name: &str, version: &str, attrs: Vec<KeyValue>) -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: name.into(),
        version: version.into(),
        attributes: attrs,
        ..Default::default()
    })
}

/// Go's `testdata.GenerateTraces(2)`-like input behind `two_spans.out`.
fn two_spans() -> ExportTraceServiceRequest {
    let a = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        trace_state: "ot=th:0".into(),
        name: "operationA".into(),
        start_time_unix_nano: START,
        end_time_unix_nano: END,
        dropped_attributes_count: 1,
        dropped_events_count: 1,
        events: vec![
            span::Event {
                time_unix_nano: EVENT,
                name: "event-with-attr".into(),
                attributes: vec![kv("span-event-attr", s("span-event-attr-val"))],
                dropped_attributes_count: 2,
            },
            span::Event {
                time_unix_nano: EVENT,
                name: "event".into(),
                attributes: vec![],
                dropped_attributes_count: 2,
            },
        ],
        status: Some(Status {
            message: "status-cancelled".into(),
            code: status::StatusCode::Error as i32,
        }),
        ..Default::default()
    };
    let link = |attrs| span::Link {
        dropped_attributes_count: 4,
        attributes: attrs,
        ..Default::default()
    };
    let b = Span {
        name: "operationB".into(),
        start_time_unix_nano: START,
        end_time_unix_nano: END,
        dropped_links_count: 3,
        links: vec![
            link(vec![kv("span-link-attr", s("span-link-attr-val"))]),
            link(vec![]),
        ],
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: res_attr(),
            scope_spans: vec![ScopeSpans {
                spans: vec![a, b],
                ..Default::default()
            }],
            schema_url: String::new(),
        }],
    }
}

#[test]
fn basic_summaries_are_exact() {
    let t = traces(&two_spans(), Verbosity::Basic);
    assert_eq!(t.summary.line(), r#"Traces {"resource spans": 1, "spans": 2}"#);
    assert!(t.body.is_none());
    let m = metrics(&all_metric_types(), Verbosity::Basic);
    assert_eq!(
        m.summary.line(),
        r#"Metrics {"resource metrics": 1, "metrics": 4, "data points": 5}"#
    );
    let l = logs(&one_log(), Verbosity::Basic);
    assert_eq!(l.summary.line(), r#"Logs {"resource logs": 1, "log records": 1}"#);
    assert_eq!(
        l.summary.fields_json(),
        r#"{"resource logs": 1, "log records": 1}"#
    );
    let empty = traces(&ExportTraceServiceRequest::default(), Verbosity::Normal);
    assert_eq!(
        empty.summary.line(),
        r#"Traces {"resource spans": 0, "spans": 0}"#
    );
    assert_eq!(empty.body.as_deref(), Some(""));
}

#[test]
fn detailed_traces_match_go_two_spans() {
    let want = "ResourceSpans #0
Resource SchemaURL: 
Resource attributes:
     -> resource-attr: Str(resource-attr-val-1)
ScopeSpans #0
ScopeSpans SchemaURL: 
InstrumentationScope  
Span #0
    Trace ID       : 0102030405060708090a0b0c0d0e0f10
    Parent ID      : 
    ID             : 1112131415161718
    Name           : operationA
    Kind           : Unspecified
    TraceState     : ot=th:0
    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC
    End time       : 2020-02-11 20:26:13.000000789 +0000 UTC
    Status code    : Error
    Status message : status-cancelled
    DroppedAttributesCount: 1
    DroppedEventsCount: 1
    DroppedLinksCount: 0
Events:
SpanEvent #0
     -> Name: event-with-attr
     -> Timestamp: 2020-02-11 20:26:13.000000123 +0000 UTC
     -> DroppedAttributesCount: 2
     -> Attributes::
          -> span-event-attr: Str(span-event-attr-val)
SpanEvent #1
     -> Name: event
     -> Timestamp: 2020-02-11 20:26:13.000000123 +0000 UTC
     -> DroppedAttributesCount: 2
Span #1
    Trace ID       : 
    Parent ID      : 
    ID             : 
    Name           : operationB
    Kind           : Unspecified
    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC
    End time       : 2020-02-11 20:26:13.000000789 +0000 UTC
    Status code    : Unset
    Status message : 
    DroppedAttributesCount: 0
    DroppedEventsCount: 0
    DroppedLinksCount: 3
Links:
SpanLink #0
     -> Trace ID: 
     -> ID: 
     -> TraceState: 
     -> DroppedAttributesCount: 4
     -> Attributes::
          -> span-link-attr: Str(span-link-attr-val)
SpanLink #1
     -> Trace ID: 
     -> ID: 
     -> TraceState: 
     -> DroppedAttributesCount: 4
";
    assert_eq!(traces(&two_spans(), Verbosity::Detailed).body.unwrap(), want);
}

#[test]
fn detailed_traces_show_kind_scope_and_entity_refs() {
    let mut req = two_spans();
    let rs = &mut req.resource_spans[0];
    rs.schema_url = "https://schema".into();
    if let Some(r) = rs.resource.as_mut() {
        r.entity_refs = vec![otelcol_component::proto::common::v1::EntityRef {
            r#type: "service".into(),
            id_keys: vec!["service.name".into()],
            ..Default::default()
        }];
    }
    rs.scope_spans[0].scope = scope("lib", "1.0", vec![kv("k", int(1))]);
    rs.scope_spans[0].spans[0].kind = span::SpanKind::Server as i32;
    let out = traces(&req, Verbosity::Detailed).body.unwrap();
    for line in [
        "Resource SchemaURL: https://schema\n",
        "Resource entity refs:\n     -> Entity ref #0:\n          -> Type: service\n          -> ID keys:\n               -> service.name\n",
        "InstrumentationScope lib 1.0\nInstrumentationScope attributes:\n     -> k: Int(1)\n",
        "    Kind           : Server\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn normal_traces_match_go() {
    let mut req = two_spans();
    let rs = &mut req.resource_spans[0];
    rs.schema_url = "https://opentelemetry.io/resource-schema-url".into();
    rs.resource = resource(vec![
        kv("resourceKey1", s("resourceValue1")),
        kv("resourceKey2", boolean(false)),
    ]);
    rs.scope_spans[0].schema_url = "http://opentelemetry.io/scope-schema-url".into();
    rs.scope_spans[0].scope = scope(
        "scope-name",
        "1.2.3",
        vec![kv("scopeKey1", s("scopeValue1")), kv("scopeKey2", boolean(true))],
    );
    rs.scope_spans[0].spans.truncate(1);
    rs.scope_spans[0].spans[0].name = "span-name".into();
    rs.scope_spans[0].spans[0].attributes = vec![kv("key1", s("value1")), kv("key2", s("value2"))];
    let want = "ResourceTraces #0 [https://opentelemetry.io/resource-schema-url] resourceKey1=resourceValue1 resourceKey2=false
ScopeTraces #0 scope-name@1.2.3 [http://opentelemetry.io/scope-schema-url] scopeKey1=scopeValue1 scopeKey2=true
span-name 0102030405060708090a0b0c0d0e0f10 1112131415161718 key1=value1 key2=value2
";
    assert_eq!(traces(&req, Verbosity::Normal).body.unwrap(), want);

    let two_scopes = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![
                ScopeSpans {
                    scope: scope("scope-zero", "", vec![]),
                    ..Default::default()
                },
                ScopeSpans {
                    scope: scope("scope-one", "", vec![]),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
    };
    assert_eq!(
        traces(&two_scopes, Verbosity::Normal).body.unwrap(),
        "ResourceTraces #0\nScopeTraces #0 scope-zero\nScopeTraces #1 scope-one\n"
    );
}

fn one_log() -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: res_attr(),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    time_unix_nano: END,
                    severity_number: 9,
                    severity_text: "Info".into(),
                    body: Some(s("This is a log message")),
                    attributes: vec![kv("app", s("server")), kv("instance_num", int(1))],
                    trace_id: vec![8, 4, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                    span_id: vec![1, 2, 4, 8, 0, 0, 0, 0],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn detailed_logs_match_go_one_record() {
    let want = "ResourceLog #0
Resource SchemaURL: 
Resource attributes:
     -> resource-attr: Str(resource-attr-val-1)
ScopeLogs #0
ScopeLogs SchemaURL: 
InstrumentationScope  
LogRecord #0
ObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC
Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC
SeverityText: Info
SeverityNumber: Info(9)
Body: Str(This is a log message)
Attributes:
     -> app: Str(server)
     -> instance_num: Int(1)
Trace ID: 08040201000000000000000000000000
Span ID: 0102040800000000
Flags: 0
";
    assert_eq!(logs(&one_log(), Verbosity::Detailed).body.unwrap(), want);
    let mut req = one_log();
    let lr = &mut req.resource_logs[0].scope_logs[0].log_records[0];
    lr.event_name = "app.started".into();
    lr.severity_number = 30;
    let out = logs(&req, Verbosity::Detailed).body.unwrap();
    assert!(
        out.contains("SeverityNumber: (30)\nEventName: app.started\nBody: "),
        "{out}"
    );
}

#[test]
fn normal_logs_match_go() {
    let want = "ResourceLog #0 resource-attr=resource-attr-val-1
ScopeLog #0
This is a log message app=server instance_num=1
";
    assert_eq!(logs(&one_log(), Verbosity::Normal).body.unwrap(), want);
    let mut req = one_log();
    req.resource_logs[0].scope_logs[0].log_records[0]
        .attributes
        .clear();
    // Go always puts a space between body and attributes.
    assert!(
        logs(&req, Verbosity::Normal)
            .body
            .unwrap()
            .ends_with("This is a log message \n")
    );
}

fn number_point(attrs: Vec<KeyValue>, v: number_data_point::Value) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: START,
        time_unix_nano: END,
        value: Some(v),
        ..Default::default()
    }
}

fn metric(name: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        unit: "1".into(),
        data: Some(data),
        ..Default::default()
    }
}

fn metrics_req(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: res_attr(),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn all_metric_types() -> ExportMetricsServiceRequest {
    let l1 = || vec![kv("label-1", s("label-value-1"))];
    let l13 = || {
        vec![
            kv("label-1", s("label-value-1")),
            kv("label-3", s("label-value-3")),
        ]
    };
    let exemplar = Exemplar {
        time_unix_nano: EVENT,
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        value: Some(exemplar::Value::AsInt(15)),
        filtered_attributes: vec![kv("exemplar-attachment", s("exemplar-attachment-value"))],
    };
    metrics_req(vec![
        metric(
            "gauge-double",
            Data::Gauge(Gauge {
                data_points: vec![number_point(l13(), number_data_point::Value::AsDouble(1.23))],
            }),
        ),
        metric(
            "sum-int",
            Data::Sum(Sum {
                data_points: vec![number_point(l1(), number_data_point::Value::AsInt(123))],
                aggregation_temporality: 2,
                is_monotonic: true,
            }),
        ),
        metric(
            "histogram",
            Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: vec![kv("label-2", s("label-value-2"))],
                    start_time_unix_nano: START,
                    time_unix_nano: END,
                    count: 1,
                    sum: Some(15.0),
                    min: Some(15.0),
                    max: Some(15.0),
                    explicit_bounds: vec![1.0],
                    bucket_counts: vec![0, 1],
                    exemplars: vec![Exemplar {
                        value: Some(exemplar::Value::AsDouble(15.0)),
                        ..exemplar.clone()
                    }],
                    ..Default::default()
                }],
                aggregation_temporality: 2,
            }),
        ),
        metric(
            "exponential-histogram",
            Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![
                    ExponentialHistogramDataPoint {
                        attributes: l13(),
                        start_time_unix_nano: START,
                        time_unix_nano: END,
                        count: 5,
                        sum: Some(0.15),
                        scale: 1,
                        zero_count: 1,
                        negative: Some(Buckets {
                            offset: 1,
                            bucket_counts: vec![1, 1],
                        }),
                        positive: Some(Buckets {
                            offset: 1,
                            bucket_counts: vec![1, 1],
                        }),
                        ..Default::default()
                    },
                    ExponentialHistogramDataPoint {
                        count: 3,
                        sum: Some(1.25),
                        min: Some(0.0),
                        max: Some(1.0),
                        scale: -1,
                        zero_count: 1,
                        positive: Some(Buckets {
                            offset: -1,
                            bucket_counts: vec![1, 1],
                        }),
                        exemplars: vec![exemplar],
                        ..Default::default()
                    },
                ],
                aggregation_temporality: 1,
            }),
        ),
    ])
}

#[test]
fn detailed_metrics_key_lines() {
    let out = metrics(&all_metric_types(), Verbosity::Detailed).body.unwrap();
    for block in [
        "ResourceMetrics #0\nResource SchemaURL: \nResource attributes:\n     -> resource-attr: Str(resource-attr-val-1)\nScopeMetrics #0\nScopeMetrics SchemaURL: \nInstrumentationScope  \nMetric #0\n",
        "Descriptor:\n     -> Name: gauge-double\n     -> Description: \n     -> Unit: 1\n     -> DataType: Gauge\nNumberDataPoints #0\nData point attributes:\n     -> label-1: Str(label-value-1)\n     -> label-3: Str(label-value-3)\nStartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC\nTimestamp: 2020-02-11 20:26:13.000000789 +0000 UTC\nValue: 1.230000\n",
        "     -> DataType: Sum\n     -> IsMonotonic: true\n     -> AggregationTemporality: Cumulative\nNumberDataPoints #0\n",
        "Value: 123\n",
        "Count: 1\nSum: 15.000000\nMin: 15.000000\nMax: 15.000000\nExplicitBounds #0: 1.000000\nBuckets #0, Count: 0\nBuckets #1, Count: 1\nExemplars:\nExemplar #0\n     -> Trace ID: 0102030405060708090a0b0c0d0e0f10\n     -> Span ID: 1112131415161718\n     -> Timestamp: 2020-02-11 20:26:13.000000123 +0000 UTC\n     -> Value: 15.000000\n     -> FilteredAttributes:\n          -> exemplar-attachment: Str(exemplar-attachment-value)\n",
        "     -> AggregationTemporality: Delta\nExponentialHistogramDataPoints #0\n",
        "Count: 5\nSum: 0.150000\nBucket [-2.828427, -2.000000), Count: 1\nBucket [-2.000000, -1.414214), Count: 1\nBucket [0, 0], Count: 1\nBucket (1.414214, 2.000000], Count: 1\nBucket (2.000000, 2.828427], Count: 1\n",
        "ExponentialHistogramDataPoints #1\nStartTimestamp: 1970-01-01 00:00:00 +0000 UTC\nTimestamp: 1970-01-01 00:00:00 +0000 UTC\nCount: 3\nSum: 1.250000\nMin: 0.000000\nMax: 1.000000\nBucket [0, 0], Count: 1\nBucket (0.250000, 1.000000], Count: 1\nBucket (1.000000, 4.000000], Count: 1\nExemplars:\n",
        "     -> Value: 15\n",
    ] {
        assert!(out.contains(block), "missing {block:?} in\n{out}");
    }
}

#[test]
fn detailed_summary_and_metadata() {
    let mut m = metric(
        "summary",
        Data::Summary(Summary {
            data_points: vec![SummaryDataPoint {
                count: 1,
                sum: 15.0,
                quantile_values: vec![ValueAtQuantile {
                    quantile: 0.01,
                    value: 15.0,
                }],
                ..Default::default()
            }],
        }),
    );
    m.metadata = vec![kv("origin", s("prom"))];
    let out = metrics(&metrics_req(vec![m]), Verbosity::Detailed).body.unwrap();
    assert!(out.contains("     -> DataType: Summary\n     -> Metadata:\n          -> origin: Str(prom)\nSummaryDataPoints #0\n"), "{out}");
    assert!(
        out.contains("Count: 1\nSum: 15.000000\nQuantileValue #0: Quantile 0.010000, Value 15.000000\n"),
        "{out}"
    );
}

#[test]
fn normal_metrics_match_go() {
    let cpu = || vec![kv("state", s("user")), kv("cpu", s("0"))];
    let mut req = metrics_req(vec![metric(
        "system.cpu.time",
        Data::Sum(Sum {
            data_points: vec![number_point(cpu(), number_data_point::Value::AsDouble(123.456))],
            ..Default::default()
        }),
    )]);
    req.resource_metrics[0].resource = None;
    assert_eq!(
        metrics(&req, Verbosity::Normal).body.unwrap(),
        "ResourceMetrics #0\nScopeMetrics #0\nsystem.cpu.time{state=user,cpu=0} 123.456\n"
    );

    let http = || {
        vec![
            kv("http.response.status_code", int(200)),
            kv("http.request.method", s("GET")),
        ]
    };
    let hist = metric(
        "http.server.request.duration",
        Data::Histogram(Histogram {
            data_points: vec![HistogramDataPoint {
                attributes: http(),
                count: 1340,
                sum: Some(99.573),
                min: Some(0.017),
                max: Some(8.13),
                explicit_bounds: vec![0.125, 0.5, 1.0, 3.0],
                bucket_counts: vec![1324, 13, 0, 2, 1],
                ..Default::default()
            }],
            ..Default::default()
        }),
    );
    let summary = metric(
        "summary",
        Data::Summary(Summary {
            data_points: vec![SummaryDataPoint {
                attributes: http(),
                count: 1340,
                sum: 99.573,
                quantile_values: vec![ValueAtQuantile {
                    quantile: 0.01,
                    value: 15.0,
                }],
                ..Default::default()
            }],
        }),
    );
    let f = std::f64::consts::LN_2 / 8.0;
    let exp = metric(
        "http.server.request.duration",
        Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![ExponentialHistogramDataPoint {
                attributes: http(),
                count: 1340,
                sum: Some(99.573),
                min: Some(0.017),
                max: Some(8.13),
                scale: 3,
                zero_count: 3,
                negative: Some(Buckets {
                    offset: -2,
                    bucket_counts: vec![10, 20],
                }),
                positive: Some(Buckets {
                    offset: 1,
                    bucket_counts: vec![40, 50, 60],
                }),
                ..Default::default()
            }],
            ..Default::default()
        }),
    );
    let out = metrics(&metrics_req(vec![hist, summary, exp]), Verbosity::Normal)
        .body
        .unwrap();
    let want = format!(
        "ResourceMetrics #0 resource-attr=resource-attr-val-1\nScopeMetrics #0\n\
         http.server.request.duration{{http.response.status_code=200,http.request.method=GET}} count=1340 sum=99.573 min=0.017 max=8.13 le0.125=1324 le0.5=13 le1=0 le3=2 1\n\
         summary{{http.response.status_code=200,http.request.method=GET}} count=1340 sum=99.573000 q0.01=15\n\
         http.server.request.duration{{http.response.status_code=200,http.request.method=GET}} count=1340 sum=99.573 min=0.017 max=8.13 le{}=20 le{}=10 zero=3 le{}=40 le{}=50 le{}=60\n",
        num::g(-(-f).exp()),
        num::g(-(-2.0 * f).exp()),
        num::g((2.0 * f).exp()),
        num::g((3.0 * f).exp()),
        num::g((4.0 * f).exp()),
    );
    assert_eq!(out, want);
}
