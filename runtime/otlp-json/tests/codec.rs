//! Behavioural tests of the OTLP/JSON codec against the spec rules.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyVal;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
use opentelemetry_proto::tonic::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint,
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint, exemplar, metric,
    number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use otelcol_otlp_json::*;
use prost::Message;
use serde_json::{Value, json};

// ---------- helpers ----------

fn s(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap()
}

fn v(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap()
}

/// Wraps one span (as JSON) into a full trace request document.
fn span_doc(span: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})).unwrap()
}

fn first_span(req: &ExportTraceServiceRequest) -> &Span {
    &req.resource_spans[0].scope_spans[0].spans[0]
}

/// Wraps one log record into a full logs request document.
fn log_doc(rec: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [rec]}]}]})).unwrap()
}

fn first_log(req: &ExportLogsServiceRequest) -> &LogRecord {
    &req.resource_logs[0].scope_logs[0].log_records[0]
}

/// Wraps one metric into a full metrics request document.
fn metric_doc(m: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [m]}]}]})).unwrap()
}

fn first_metric(req: &ExportMetricsServiceRequest) -> &Metric {
    &req.resource_metrics[0].scope_metrics[0].metrics[0]
}

fn traces_with(span: Span) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![span],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn logs_with(rec: LogRecord) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![rec],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn metrics_with(m: Metric) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![m],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn any(value: AnyVal) -> AnyValue {
    AnyValue { value: Some(value) }
}

fn kv(key: &str, value: AnyVal) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(any(value)),
        key_strindex: 0,
    }
}

/// Encodes the log body `value` and returns the JSON text of the body.
fn body_json(value: Option<AnyVal>) -> String {
    let req = logs_with(LogRecord {
        body: Some(AnyValue { value }),
        ..Default::default()
    });
    let out = String::from_utf8(encode_logs(&req)).unwrap();
    // Return the raw text (re-serialising through serde_json would change
    // number formatting, e.g. -0 to -0.0).
    out.strip_prefix(r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"#)
        .and_then(|rest| rest.strip_suffix("}]}]}]}"))
        .unwrap()
        .to_string()
}

// ---------- int64 / uint64 ----------

#[test]
fn int64_accepted_as_number_and_as_string() {
    let as_str = decode_traces(&span_doc(json!({
        "startTimeUnixNano": "1544712660000000000",
        "endTimeUnixNano": "18446744073709551615",
        "attributes": [{"key": "k", "value": {"intValue": "-9223372036854775808"}}],
    })))
    .unwrap();
    let as_num = decode_traces(
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{
            "startTimeUnixNano": 1544712660000000000,
            "endTimeUnixNano": 18446744073709551615,
            "attributes": [{"key": "k", "value": {"intValue": -9223372036854775808}}]
        }]}]}]}"#,
    )
    .unwrap();
    assert_eq!(as_str, as_num);
    let span = first_span(&as_num);
    assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
    assert_eq!(span.end_time_unix_nano, u64::MAX);
    assert_eq!(
        span.attributes[0].value.as_ref().unwrap().value,
        Some(AnyVal::IntValue(i64::MIN))
    );

    // Written back as strings.
    let out = v(&encode_traces(&as_num));
    let span = &out["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["startTimeUnixNano"], json!("1544712660000000000"));
    assert_eq!(span["endTimeUnixNano"], json!("18446744073709551615"));
    assert_eq!(
        span["attributes"][0]["value"],
        json!({"intValue": "-9223372036854775808"})
    );
}

#[test]
fn integral_exponent_forms_are_accepted_like_protojson() {
    let req = decode_traces(&span_doc(
        json!({"startTimeUnixNano": 1.5e3, "droppedAttributesCount": "2e1"}),
    ))
    .unwrap();
    assert_eq!(first_span(&req).start_time_unix_nano, 1500);
    assert_eq!(first_span(&req).dropped_attributes_count, 20);
}

#[test]
fn int_range_and_shape_errors_name_the_path() {
    let cases = [
        (
            json!({"startTimeUnixNano": "-1"}),
            r#"resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: value "-1" is out of range for uint64"#,
        ),
        (
            json!({"endTimeUnixNano": "18446744073709551616"}),
            r#"resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: value "18446744073709551616" is out of range for uint64"#,
        ),
        (
            json!({"droppedAttributesCount": 4294967296u64}),
            "resourceSpans[0].scopeSpans[0].spans[0].droppedAttributesCount: value 4294967296 is out of range for uint32",
        ),
        (
            json!({"startTimeUnixNano": 1.5}),
            "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected uint64, got 1.5",
        ),
        (
            json!({"startTimeUnixNano": "12abc"}),
            r#"resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected uint64, got "12abc""#,
        ),
        (
            json!({"startTimeUnixNano": true}),
            "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected uint64 (a number or a decimal string), got boolean",
        ),
    ];
    for (span, want) in cases {
        let err = decode_traces(&span_doc(span)).unwrap_err();
        assert_eq!(err.to_string(), want);
    }
}

// ---------- ids ----------

#[test]
fn uppercase_hex_ids_accepted_and_written_lowercase() {
    let doc = span_doc(json!({
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": "EEE19B7EC3C1B174",
        "parentSpanId": "eee19B7EC3C1b173",
        "links": [{"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "00000000000000AB"}],
    }));
    let req = decode_traces(&doc).unwrap();
    let span = first_span(&req);
    assert_eq!(
        span.trace_id,
        [
            0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c
        ]
    );
    assert_eq!(span.span_id, [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74]);
    assert_eq!(
        s(&encode_traces(&req)),
        concat!(
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","#,
            r#""spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173","#,
            r#""links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"00000000000000ab"}]}]}]}]}"#
        )
    );
}

#[test]
fn empty_id_string_means_empty_bytes() {
    let req = decode_traces(&span_doc(
        json!({"traceId": "", "spanId": "", "parentSpanId": null}),
    ))
    .unwrap();
    assert!(first_span(&req).trace_id.is_empty());
    assert!(first_span(&req).span_id.is_empty());
    assert_eq!(
        s(&encode_traces(&req)),
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]}"#
    );
}

#[test]
fn wrong_length_or_non_hex_ids_rejected_with_path() {
    let doc = serde_json::to_vec(&json!({"resourceSpans": [{"scopeSpans": [{"spans": [
        {}, {}, {"traceId": "abc"}
    ]}]}]}))
    .unwrap();
    let err = decode_traces(&doc).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"resourceSpans[0].scopeSpans[0].spans[2].traceId: expected 32 hex characters, got "abc""#
    );
    assert_eq!(err.path(), "resourceSpans[0].scopeSpans[0].spans[2].traceId");
    assert_eq!(err.message(), r#"expected 32 hex characters, got "abc""#);

    let cases = [
        (
            json!({"spanId": "5B8EFFF798038103D269B633813FC60C"}),
            "spans[0].spanId: expected 16 hex",
        ),
        (
            json!({"parentSpanId": "eee19b7ec3c1b17g"}),
            "spans[0].parentSpanId: expected 16 hex",
        ),
        (
            json!({"links": [{}, {"traceId": "eee19b7ec3c1b174"}]}),
            "spans[0].links[1].traceId: expected 32 hex",
        ),
        (
            json!({"traceId": "W4jv95gDgQPSabYzgT/GDA=="}),
            "spans[0].traceId: expected 32 hex",
        ),
        (
            json!({"traceId": 5}),
            "spans[0].traceId: expected a hex string, got number",
        ),
    ];
    for (span, want) in cases {
        let err = decode_traces(&span_doc(span)).unwrap_err().to_string();
        assert!(err.contains(want), "{err} does not contain {want}");
    }

    let err = decode_logs(&log_doc(json!({"spanId": "abcd"}))).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 16 hex characters, got "abcd""#
    );
    let err = decode_metrics(&metric_doc(json!({"gauge": {"dataPoints": [
        {"exemplars": [{"traceId": "zz"}]}
    ]}})))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].exemplars[0].traceId: expected 32 hex characters, got "zz""#
    );
}

// ---------- enums ----------

#[test]
fn enum_names_accepted() {
    let req = decode_traces(&span_doc(json!({
        "kind": "SPAN_KIND_SERVER",
        "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
    })))
    .unwrap();
    assert_eq!(first_span(&req).kind, 2);
    assert_eq!(first_span(&req).status.as_ref().unwrap().code, 2);
    // Written as integers.
    assert!(s(&encode_traces(&req)).contains(r#""kind":2,"status":{"message":"boom","code":2}"#));

    let req = decode_logs(&log_doc(json!({"severityNumber": "SEVERITY_NUMBER_WARN2"}))).unwrap();
    assert_eq!(first_log(&req).severity_number, 14);

    let req = decode_metrics(&metric_doc(
        json!({"sum": {"aggregationTemporality": "AGGREGATION_TEMPORALITY_CUMULATIVE"}}),
    ))
    .unwrap();
    match &first_metric(&req).data {
        Some(metric::Data::Sum(sum)) => assert_eq!(sum.aggregation_temporality, 2),
        other => panic!("unexpected {other:?}"),
    }

    // Numbers (also unknown values: enums are open) and numeric strings.
    let req = decode_traces(&span_doc(json!({"kind": 42}))).unwrap();
    assert_eq!(first_span(&req).kind, 42);
    let req = decode_traces(&span_doc(json!({"kind": "3"}))).unwrap();
    assert_eq!(first_span(&req).kind, 3);

    let err = decode_traces(&span_doc(json!({"kind": "SERVER"}))).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"resourceSpans[0].scopeSpans[0].spans[0].kind: unknown SpanKind value "SERVER""#
    );
}

// ---------- unknown fields, null, snake_case ----------

#[test]
fn unknown_fields_ignored_at_every_level() {
    let doc = br#"{
        "extra": {"deep": [1, 2, {"x": [null, true, false, "s\"\\"]}]},
        "resourceSpans": [{
            "unknown": 1,
            "resource": {"attributes": [{"key": "a", "value": {"stringValue": "b", "new": []}, "z": 0}], "foo": "bar"},
            "scopeSpans": [{
                "scope": {"name": "n", "what": {}},
                "spans": [{
                    "name": "s",
                    "futureField": {"a": [[[[[]]]]]},
                    "events": [{"name": "e", "x": -1.5e-7}],
                    "links": [{"y": null}],
                    "status": {"z": 1, "code": 1}
                }],
                "more": "x"
            }]
        }],
        "trailing": null
    }"#;
    let req = decode_traces(doc).unwrap();
    let span = first_span(&req);
    assert_eq!(span.name, "s");
    assert_eq!(span.events[0].name, "e");
    assert_eq!(span.links.len(), 1);
    assert_eq!(span.status.as_ref().unwrap().code, 1);
    let attr = &req.resource_spans[0].resource.as_ref().unwrap().attributes[0];
    assert_eq!(
        attr.value.as_ref().unwrap().value,
        Some(AnyVal::StringValue("b".into()))
    );
    assert_eq!(
        req.resource_spans[0].scope_spans[0].scope.as_ref().unwrap().name,
        "n"
    );
}

#[test]
fn null_means_default() {
    let req = decode_traces(&span_doc(json!({
        "name": null, "kind": null, "startTimeUnixNano": null, "attributes": null,
        "status": null, "traceId": null, "droppedAttributesCount": null,
    })))
    .unwrap();
    assert_eq!(*first_span(&req), Span::default());

    let req = decode_traces(br#"{"resourceSpans":[{"resource":null,"scopeSpans":null}]}"#).unwrap();
    assert_eq!(req.resource_spans[0], ResourceSpans::default());
    assert_eq!(
        decode_traces(br#"{"resourceSpans":null}"#).unwrap(),
        ExportTraceServiceRequest::default()
    );

    // A null oneof member leaves the oneof unset.
    let req = decode_logs(&log_doc(json!({"body": {"stringValue": null}}))).unwrap();
    assert_eq!(first_log(&req).body, Some(AnyValue { value: None }));
    let req = decode_logs(&log_doc(json!({"body": {"stringValue": null, "intValue": "1"}}))).unwrap();
    assert_eq!(first_log(&req).body, Some(any(AnyVal::IntValue(1))));

    // Null elements inside lists are rejected (protojson does too).
    let err = decode_traces(br#"{"resourceSpans":[null]}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "resourceSpans[0]: null is not allowed as a list element"
    );
}

#[test]
fn snake_case_field_names_accepted() {
    let doc = br#"{"resource_spans":[{"schema_url":"u","scope_spans":[{"spans":[{
        "trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174",
        "parent_span_id":"eee19b7ec3c1b173","trace_state":"a=b","start_time_unix_nano":"1",
        "end_time_unix_nano":"2","dropped_attributes_count":3,"dropped_events_count":4,
        "dropped_links_count":5,
        "attributes":[{"key":"k","value":{"kvlist_value":{"values":[{"key":"x","value":{"bool_value":true}}]}}}]
    }]}]}]}"#;
    let camel = br#"{"resourceSpans":[{"schemaUrl":"u","scopeSpans":[{"spans":[{
        "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
        "parentSpanId":"eee19b7ec3c1b173","traceState":"a=b","startTimeUnixNano":"1",
        "endTimeUnixNano":"2","droppedAttributesCount":3,"droppedEventsCount":4,
        "droppedLinksCount":5,
        "attributes":[{"key":"k","value":{"kvlistValue":{"values":[{"key":"x","value":{"boolValue":true}}]}}}]
    }]}]}]}"#;
    assert_eq!(decode_traces(doc).unwrap(), decode_traces(camel).unwrap());

    let m = decode_metrics(
        br#"{"resource_metrics":[{"scope_metrics":[{"metrics":[{"exponential_histogram":{
        "aggregation_temporality":2,"data_points":[{"zero_count":"1","zero_threshold":0.5,
        "positive":{"bucket_counts":["1"]}}]}}]}]}]}"#,
    )
    .unwrap();
    match &first_metric(&m).data {
        Some(metric::Data::ExponentialHistogram(h)) => {
            assert_eq!(h.aggregation_temporality, 2);
            assert_eq!(h.data_points[0].zero_count, 1);
            assert_eq!(h.data_points[0].zero_threshold, 0.5);
            assert_eq!(h.data_points[0].positive.as_ref().unwrap().bucket_counts, [1]);
        }
        other => panic!("unexpected {other:?}"),
    }

    let l = decode_logs(
        br#"{"resource_logs":[{"scope_logs":[{"log_records":[{"event_name":"e",
        "observed_time_unix_nano":"7","severity_text":"INFO","severity_number":9}]}]}]}"#,
    )
    .unwrap();
    let rec = first_log(&l);
    assert_eq!((rec.event_name.as_str(), rec.observed_time_unix_nano), ("e", 7));
    assert_eq!((rec.severity_text.as_str(), rec.severity_number), ("INFO", 9));
}

// ---------- doubles ----------

#[test]
fn nan_and_infinity_round_trip() {
    let doc = metric_doc(json!({
        "name": "h",
        "histogram": {"dataPoints": [{
            "sum": "NaN", "min": "-Infinity", "max": "Infinity",
            "explicitBounds": ["-Infinity", 0.5, "1.5", "Infinity"]
        }]}
    }));
    let req = decode_metrics(&doc).unwrap();
    let Some(metric::Data::Histogram(h)) = &first_metric(&req).data else {
        panic!("not a histogram")
    };
    let p = &h.data_points[0];
    assert!(p.sum.unwrap().is_nan());
    assert_eq!(p.min, Some(f64::NEG_INFINITY));
    assert_eq!(p.max, Some(f64::INFINITY));
    assert_eq!(p.explicit_bounds, [f64::NEG_INFINITY, 0.5, 1.5, f64::INFINITY]);
    let out = encode_metrics(&req);
    assert!(s(&out).contains(
        r#""histogram":{"dataPoints":[{"sum":"NaN","explicitBounds":["-Infinity",0.5,1.5,"Infinity"],"min":"-Infinity","max":"Infinity"}]}"#
    ), "{}", s(&out));

    // AnyValue doubles too.
    assert_eq!(
        body_json(Some(AnyVal::DoubleValue(f64::NAN))),
        r#"{"doubleValue":"NaN"}"#
    );
    let req = decode_logs(&log_doc(json!({"body": {"doubleValue": "-Infinity"}}))).unwrap();
    assert_eq!(
        first_log(&req).body,
        Some(any(AnyVal::DoubleValue(f64::NEG_INFINITY)))
    );

    let err = decode_logs(&log_doc(json!({"body": {"doubleValue": "nan"}}))).unwrap_err();
    assert!(
        err.to_string().contains("body.doubleValue: expected a number or"),
        "{err}"
    );
    let err =
        decode_logs(br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"doubleValue":1e999}}]}]}]}"#)
            .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("body.doubleValue: value 1e999 is out of range for double"),
        "{err}"
    );
}

#[test]
fn doubles_are_shortest_round_trip_numbers() {
    for (d, text) in [
        (1.0, "1"),
        (-0.0, "-0"),
        (0.1, "0.1"),
        (1e300, "1e300"),
        (-2.5e-8, "-2.5e-8"),
        (123456.789, "123456.789"),
    ] {
        assert_eq!(
            body_json(Some(AnyVal::DoubleValue(d))),
            format!(r#"{{"doubleValue":{text}}}"#)
        );
    }
    // Every double survives encode -> decode bit-exactly.
    for d in [
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -1.0 / 3.0,
        9007199254740993.0,
        1e21,
        1e-7,
    ] {
        let req = logs_with(LogRecord {
            body: Some(any(AnyVal::DoubleValue(d))),
            ..Default::default()
        });
        let back = decode_logs(&encode_logs(&req)).unwrap();
        assert_eq!(first_log(&back).body, Some(any(AnyVal::DoubleValue(d))));
    }
}

// ---------- default omission vs. oneof / optional ----------

#[test]
fn oneof_members_written_even_when_default() {
    assert_eq!(body_json(Some(AnyVal::IntValue(0))), r#"{"intValue":"0"}"#);
    assert_eq!(
        body_json(Some(AnyVal::StringValue(String::new()))),
        r#"{"stringValue":""}"#
    );
    assert_eq!(
        body_json(Some(AnyVal::BoolValue(false))),
        r#"{"boolValue":false}"#
    );
    assert_eq!(body_json(Some(AnyVal::DoubleValue(0.0))), r#"{"doubleValue":0}"#);
    assert_eq!(
        body_json(Some(AnyVal::BytesValue(vec![]))),
        r#"{"bytesValue":""}"#
    );
    assert_eq!(
        body_json(Some(AnyVal::ArrayValue(ArrayValue::default()))),
        r#"{"arrayValue":{}}"#
    );
    assert_eq!(
        body_json(Some(AnyVal::KvlistValue(KeyValueList::default()))),
        r#"{"kvlistValue":{}}"#
    );
    assert_eq!(body_json(None), "{}");

    // And they decode back to "set", not to "unset".
    for value in [
        AnyVal::IntValue(0),
        AnyVal::StringValue(String::new()),
        AnyVal::BoolValue(false),
        AnyVal::DoubleValue(0.0),
        AnyVal::BytesValue(vec![]),
        AnyVal::ArrayValue(ArrayValue::default()),
        AnyVal::KvlistValue(KeyValueList::default()),
    ] {
        let req = logs_with(LogRecord {
            body: Some(any(value)),
            ..Default::default()
        });
        assert_eq!(decode_logs(&encode_logs(&req)).unwrap(), req);
    }

    // Data point values and metric data.
    let req = metrics_with(Metric {
        name: "g".into(),
        data: Some(metric::Data::Gauge(Gauge {
            data_points: vec![
                NumberDataPoint {
                    value: Some(number_data_point::Value::AsInt(0)),
                    ..Default::default()
                },
                NumberDataPoint {
                    value: Some(number_data_point::Value::AsDouble(0.0)),
                    exemplars: vec![Exemplar {
                        value: Some(exemplar::Value::AsInt(0)),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                NumberDataPoint::default(),
            ],
        })),
        ..Default::default()
    });
    let out = encode_metrics(&req);
    assert_eq!(
        s(&out),
        r#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asInt":"0"},{"asDouble":0,"exemplars":[{"asInt":"0"}]},{}]}}]}]}]}"#
    );
    assert_eq!(decode_metrics(&out).unwrap(), req);

    for (data, key) in [
        (metric::Data::Gauge(Gauge::default()), "gauge"),
        (metric::Data::Sum(Sum::default()), "sum"),
        (metric::Data::Histogram(Histogram::default()), "histogram"),
        (
            metric::Data::ExponentialHistogram(ExponentialHistogram::default()),
            "exponentialHistogram",
        ),
        (metric::Data::Summary(Summary::default()), "summary"),
    ] {
        let req = metrics_with(Metric {
            data: Some(data),
            ..Default::default()
        });
        let out = encode_metrics(&req);
        assert_eq!(
            s(&out),
            format!(r#"{{"resourceMetrics":[{{"scopeMetrics":[{{"metrics":[{{"{key}":{{}}}}]}}]}}]}}"#)
        );
        assert_eq!(decode_metrics(&out).unwrap(), req);
    }
}

#[test]
fn optional_histogram_fields_written_when_zero() {
    let req = metrics_with(Metric {
        data: Some(metric::Data::Histogram(Histogram {
            data_points: vec![HistogramDataPoint {
                sum: Some(0.0),
                min: Some(0.0),
                max: Some(0.0),
                ..Default::default()
            }],
            aggregation_temporality: 0,
        })),
        ..Default::default()
    });
    let out = encode_metrics(&req);
    assert!(
        s(&out).contains(r#""histogram":{"dataPoints":[{"sum":0,"min":0,"max":0}]}"#),
        "{}",
        s(&out)
    );
    assert_eq!(decode_metrics(&out).unwrap(), req);

    let req = metrics_with(Metric {
        data: Some(metric::Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![ExponentialHistogramDataPoint {
                sum: Some(0.0),
                min: None,
                max: Some(0.0),
                positive: Some(Buckets::default()),
                ..Default::default()
            }],
            aggregation_temporality: 0,
        })),
        ..Default::default()
    });
    let out = encode_metrics(&req);
    assert!(
        s(&out).contains(r#""exponentialHistogram":{"dataPoints":[{"sum":0,"positive":{},"max":0}]}"#),
        "{}",
        s(&out)
    );
    assert_eq!(decode_metrics(&out).unwrap(), req);

    // Absent optional fields stay None when decoding.
    let req = decode_metrics(&metric_doc(
        json!({"histogram": {"dataPoints": [{"count": "1"}]}}),
    ))
    .unwrap();
    let Some(metric::Data::Histogram(h)) = &first_metric(&req).data else {
        panic!()
    };
    assert_eq!(
        (h.data_points[0].sum, h.data_points[0].min, h.data_points[0].max),
        (None, None, None)
    );
}

#[test]
fn default_values_omitted() {
    let req = traces_with(Span {
        name: String::new(),
        kind: 0,
        dropped_attributes_count: 0,
        status: Some(Status::default()),
        events: vec![Event::default()],
        links: vec![Link::default()],
        ..Default::default()
    });
    assert_eq!(
        s(&encode_traces(&req)),
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"events":[{}],"links":[{}],"status":{}}]}]}]}"#
    );
    assert_eq!(s(&encode_traces(&ExportTraceServiceRequest::default())), "{}");
    assert_eq!(s(&encode_metrics(&ExportMetricsServiceRequest::default())), "{}");
    assert_eq!(s(&encode_logs(&ExportLogsServiceRequest::default())), "{}");
}

#[test]
fn multiple_oneof_members_rejected() {
    let err = decode_logs(
        br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a","intValue":"1"}}]}]}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "resourceLogs[0].scopeLogs[0].logRecords[0].body.intValue: more than one field of oneof `value` is set"
    );
    let err =
        decode_metrics(br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]}"#)
            .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("metrics[0].sum: more than one field of oneof `data` is set"),
        "{err}"
    );
    let err = decode_metrics(
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asInt":"1","asDouble":1}]}}]}]}]}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("dataPoints[0].asDouble: more than one field of oneof `value` is set")
    );
}

// ---------- empty request / responses / status ----------

#[test]
fn empty_request_decodes_to_empty() {
    assert_eq!(
        decode_traces(b"{}").unwrap(),
        ExportTraceServiceRequest::default()
    );
    assert_eq!(
        decode_metrics(b" { } \n").unwrap(),
        ExportMetricsServiceRequest::default()
    );
    assert_eq!(decode_logs(b"{}").unwrap(), ExportLogsServiceRequest::default());
    assert_eq!(
        decode_traces(br#"{"resourceSpans":[]}"#).unwrap(),
        ExportTraceServiceRequest::default()
    );
}

#[test]
fn responses_round_trip() {
    let r = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 42,
            error_message: "too \"old\"".into(),
        }),
    };
    let out = encode_trace_response(&r);
    assert_eq!(
        s(&out),
        r#"{"partialSuccess":{"rejectedSpans":"42","errorMessage":"too \"old\""}}"#
    );
    assert_eq!(decode_trace_response(&out).unwrap(), r);
    assert_eq!(
        decode_trace_response(br#"{"partialSuccess":{"rejectedSpans":42,"errorMessage":"too \"old\""}}"#)
            .unwrap(),
        r
    );

    let r = ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess {
            rejected_data_points: 7,
            error_message: String::new(),
        }),
    };
    let out = encode_metrics_response(&r);
    assert_eq!(s(&out), r#"{"partialSuccess":{"rejectedDataPoints":"7"}}"#);
    assert_eq!(decode_metrics_response(&out).unwrap(), r);

    let r = ExportLogsServiceResponse {
        partial_success: Some(ExportLogsPartialSuccess {
            rejected_log_records: 0,
            error_message: "warn".into(),
        }),
    };
    let out = encode_logs_response(&r);
    assert_eq!(s(&out), r#"{"partialSuccess":{"errorMessage":"warn"}}"#);
    assert_eq!(decode_logs_response(&out).unwrap(), r);

    // An empty-but-present partialSuccess is kept; no partialSuccess is `{}`.
    let r = ExportLogsServiceResponse {
        partial_success: Some(ExportLogsPartialSuccess::default()),
    };
    assert_eq!(s(&encode_logs_response(&r)), r#"{"partialSuccess":{}}"#);
    assert_eq!(decode_logs_response(br#"{"partialSuccess":{}}"#).unwrap(), r);
    assert_eq!(
        s(&encode_trace_response(&ExportTraceServiceResponse::default())),
        "{}"
    );
    assert_eq!(
        decode_trace_response(b"{}").unwrap(),
        ExportTraceServiceResponse::default()
    );
    assert_eq!(
        decode_metrics_response(br#"{"partial_success":{"rejected_data_points":"3"}}"#)
            .unwrap()
            .partial_success
            .unwrap()
            .rejected_data_points,
        3
    );
}

#[test]
fn status_encoding() {
    assert_eq!(
        s(&encode_status(3, "bad \"json\"\n")),
        r#"{"code":3,"message":"bad \"json\"\n"}"#
    );
    assert_eq!(s(&encode_status(0, "")), r#"{"code":0,"message":""}"#);
    assert_eq!(
        decode_status(&encode_status(-5, "x")).unwrap(),
        (-5, "x".to_string())
    );
    assert_eq!(
        decode_status(br#"{"code":8,"message":"slow down","details":[{"@type":"x","retryDelay":"1s"}]}"#)
            .unwrap(),
        (8, "slow down".to_string())
    );
}

// ---------- bytes ----------

#[test]
fn bytes_value_is_base64() {
    let data: Vec<u8> = (0u8..=255).collect();
    let out = body_json(Some(AnyVal::BytesValue(vec![0xfb, 0xff, 0x00])));
    assert_eq!(out, r#"{"bytesValue":"+/8A"}"#);
    let req = logs_with(LogRecord {
        body: Some(any(AnyVal::BytesValue(data.clone()))),
        ..Default::default()
    });
    assert_eq!(decode_logs(&encode_logs(&req)).unwrap(), req);

    for text in ["+/8=", "+/8", "-_8=", "-_8"] {
        let req = decode_logs(&log_doc(json!({"body": {"bytesValue": text}}))).unwrap();
        assert_eq!(
            first_log(&req).body,
            Some(any(AnyVal::BytesValue(vec![0xfb, 0xff]))),
            "{text}"
        );
    }
    let err = decode_logs(&log_doc(json!({"body": {"bytesValue": "not base64!"}}))).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"resourceLogs[0].scopeLogs[0].logRecords[0].body.bytesValue: expected base64 data, got "not base64!""#
    );
}

// ---------- strings ----------

#[test]
fn strings_escape_and_unescape() {
    let tricky = "quote\" backslash\\ nl\n tab\t nul\u{0} bell\u{7} del\u{7f} é 😀 \u{2028}";
    let req = traces_with(Span {
        name: tricky.into(),
        ..Default::default()
    });
    let out = encode_traces(&req);
    assert!(s(&out).contains(r#""name":"quote\" backslash\\ nl\n tab\t nul\u0000 bell\u0007 del"#));
    assert_eq!(
        v(&out)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"],
        json!(tricky)
    );
    assert_eq!(decode_traces(&out).unwrap(), req);

    // Escaped input, including surrogate pairs and escaped keys.
    let req = decode_traces(
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"na\u006de":"\ud83d\ude00\/\u00e9"}]}]}]}"#,
    )
    .unwrap();
    assert_eq!(first_span(&req).name, "😀/é");
}

// ---------- every field ----------

fn attrs(prefix: &str) -> Vec<KeyValue> {
    vec![
        kv(&format!("{prefix}.s"), AnyVal::StringValue("v".into())),
        kv(&format!("{prefix}.i"), AnyVal::IntValue(-3)),
    ]
}

fn full_resource() -> Resource {
    Resource {
        attributes: attrs("res"),
        dropped_attributes_count: 1,
        entity_refs: vec![EntityRef {
            schema_url: "https://schema".into(),
            r#type: "service".into(),
            id_keys: vec!["service.name".into(), "service.namespace".into()],
            description_keys: vec!["service.version".into()],
        }],
    }
}

fn full_scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "lib".into(),
        version: "1.2".into(),
        attributes: attrs("scope"),
        dropped_attributes_count: 2,
    }
}

#[test]
fn every_trace_field_round_trips_in_proto_order() {
    let tid: Vec<u8> = (1..=16).collect();
    let sid: Vec<u8> = (1..=8).collect();
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(full_resource()),
            scope_spans: vec![ScopeSpans {
                scope: Some(full_scope()),
                spans: vec![Span {
                    trace_id: tid.clone(),
                    span_id: sid.clone(),
                    trace_state: "k=v".into(),
                    parent_span_id: sid.clone(),
                    flags: 257,
                    name: "op".into(),
                    kind: 3,
                    start_time_unix_nano: 10,
                    end_time_unix_nano: 20,
                    attributes: vec![
                        kv("b", AnyVal::BoolValue(true)),
                        kv("d", AnyVal::DoubleValue(1.5)),
                        kv("y", AnyVal::BytesValue(vec![1, 2, 3])),
                        kv("x", AnyVal::StringValueStrindex(7)),
                        KeyValue {
                            key: String::new(),
                            value: None,
                            key_strindex: 4,
                        },
                        kv(
                            "arr",
                            AnyVal::ArrayValue(ArrayValue {
                                values: vec![any(AnyVal::IntValue(1)), AnyValue { value: None }],
                            }),
                        ),
                        kv(
                            "map",
                            AnyVal::KvlistValue(KeyValueList {
                                values: vec![kv("inner", AnyVal::BoolValue(false))],
                            }),
                        ),
                    ],
                    dropped_attributes_count: 1,
                    events: vec![Event {
                        time_unix_nano: 15,
                        name: "ev".into(),
                        attributes: attrs("ev"),
                        dropped_attributes_count: 2,
                    }],
                    dropped_events_count: 3,
                    links: vec![Link {
                        trace_id: tid.clone(),
                        span_id: sid.clone(),
                        trace_state: "l=1".into(),
                        attributes: attrs("link"),
                        dropped_attributes_count: 4,
                        flags: 1,
                    }],
                    dropped_links_count: 5,
                    status: Some(Status {
                        message: "err".into(),
                        code: 2,
                    }),
                }],
                schema_url: "https://scope-schema".into(),
            }],
            schema_url: "https://res-schema".into(),
        }],
    };
    let out = encode_traces(&req);
    let expected = concat!(
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"res.s","value":{"stringValue":"v"}},"#,
        r#"{"key":"res.i","value":{"intValue":"-3"}}],"droppedAttributesCount":1,"entityRefs":[{"#,
        r#""schemaUrl":"https://schema","type":"service","idKeys":["service.name","service.namespace"],"#,
        r#""descriptionKeys":["service.version"]}]},"scopeSpans":[{"scope":{"name":"lib","version":"1.2","#,
        r#""attributes":[{"key":"scope.s","value":{"stringValue":"v"}},{"key":"scope.i","value":{"intValue":"-3"}}],"#,
        r#""droppedAttributesCount":2},"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","#,
        r#""spanId":"0102030405060708","traceState":"k=v","parentSpanId":"0102030405060708","flags":257,"#,
        r#""name":"op","kind":3,"startTimeUnixNano":"10","endTimeUnixNano":"20","attributes":["#,
        r#"{"key":"b","value":{"boolValue":true}},{"key":"d","value":{"doubleValue":1.5}},"#,
        r#"{"key":"y","value":{"bytesValue":"AQID"}},{"key":"x","value":{"stringValueStrindex":7}},"#,
        r#"{"keyStrindex":4},{"key":"arr","value":{"arrayValue":{"values":[{"intValue":"1"},{}]}}},"#,
        r#"{"key":"map","value":{"kvlistValue":{"values":[{"key":"inner","value":{"boolValue":false}}]}}}],"#,
        r#""droppedAttributesCount":1,"events":[{"timeUnixNano":"15","name":"ev","attributes":["#,
        r#"{"key":"ev.s","value":{"stringValue":"v"}},{"key":"ev.i","value":{"intValue":"-3"}}],"#,
        r#""droppedAttributesCount":2}],"droppedEventsCount":3,"links":[{"traceId":"0102030405060708090a0b0c0d0e0f10","#,
        r#""spanId":"0102030405060708","traceState":"l=1","attributes":[{"key":"link.s","value":{"stringValue":"v"}},"#,
        r#"{"key":"link.i","value":{"intValue":"-3"}}],"droppedAttributesCount":4,"flags":1}],"#,
        r#""droppedLinksCount":5,"status":{"message":"err","code":2}}],"schemaUrl":"https://scope-schema"}],"#,
        r#""schemaUrl":"https://res-schema"}]}"#
    );
    assert_eq!(s(&out), expected);
    assert_eq!(decode_traces(&out).unwrap(), req);
    let wire = req.encode_to_vec();
    assert_eq!(ExportTraceServiceRequest::decode(wire.as_slice()).unwrap(), req);
}

#[test]
fn every_metrics_field_round_trips_in_proto_order() {
    let tid: Vec<u8> = (1..=16).collect();
    let sid: Vec<u8> = (1..=8).collect();
    let ex = Exemplar {
        filtered_attributes: attrs("ex"),
        time_unix_nano: 5,
        span_id: sid.clone(),
        trace_id: tid.clone(),
        value: Some(exemplar::Value::AsDouble(2.5)),
    };
    let metrics = vec![
        Metric {
            name: "g".into(),
            description: "gauge".into(),
            unit: "ms".into(),
            metadata: attrs("meta"),
            data: Some(metric::Data::Gauge(Gauge {
                data_points: vec![NumberDataPoint {
                    attributes: attrs("p"),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    exemplars: vec![ex.clone()],
                    flags: 1,
                    value: Some(number_data_point::Value::AsInt(-9)),
                }],
            })),
        },
        Metric {
            name: "s".into(),
            data: Some(metric::Data::Sum(Sum {
                data_points: vec![NumberDataPoint {
                    value: Some(number_data_point::Value::AsDouble(0.25)),
                    ..Default::default()
                }],
                aggregation_temporality: 2,
                is_monotonic: true,
            })),
            ..Default::default()
        },
        Metric {
            name: "h".into(),
            data: Some(metric::Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: attrs("h"),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 3,
                    sum: Some(4.5),
                    bucket_counts: vec![1, 0, 2],
                    explicit_bounds: vec![0.5, 10.0],
                    exemplars: vec![ex.clone()],
                    flags: 1,
                    min: Some(-1.0),
                    max: Some(9.0),
                }],
                aggregation_temporality: 1,
            })),
            ..Default::default()
        },
        Metric {
            name: "e".into(),
            data: Some(metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint {
                    attributes: attrs("e"),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 7,
                    sum: Some(8.0),
                    scale: -2,
                    zero_count: 1,
                    positive: Some(Buckets {
                        offset: -3,
                        bucket_counts: vec![1, 2],
                    }),
                    negative: Some(Buckets {
                        offset: 4,
                        bucket_counts: vec![3],
                    }),
                    flags: 1,
                    exemplars: vec![ex.clone()],
                    min: Some(0.5),
                    max: Some(100.0),
                    zero_threshold: 1e-9,
                }],
                aggregation_temporality: 2,
            })),
            ..Default::default()
        },
        Metric {
            name: "q".into(),
            data: Some(metric::Data::Summary(Summary {
                data_points: vec![SummaryDataPoint {
                    attributes: attrs("q"),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 3,
                    sum: 6.5,
                    quantile_values: vec![
                        ValueAtQuantile {
                            quantile: 0.0,
                            value: 1.0,
                        },
                        ValueAtQuantile {
                            quantile: 0.99,
                            value: 5.0,
                        },
                    ],
                    flags: 1,
                }],
            })),
            ..Default::default()
        },
    ];
    let req = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(full_resource()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(full_scope()),
                metrics,
                schema_url: "s1".into(),
            }],
            schema_url: "s2".into(),
        }],
    };
    let out = encode_metrics(&req);
    let text = s(&out);
    for fragment in [
        r#"{"name":"g","description":"gauge","unit":"ms","gauge":{"dataPoints":[{"attributes":[{"key":"p.s","#,
        r#""startTimeUnixNano":"1","timeUnixNano":"2","asInt":"-9","exemplars":[{"filteredAttributes":[{"key":"ex.s","#,
        r#""timeUnixNano":"5","asDouble":2.5,"spanId":"0102030405060708","traceId":"0102030405060708090a0b0c0d0e0f10"}],"flags":1}]},"metadata":[{"key":"meta.s","#,
        r#""sum":{"dataPoints":[{"asDouble":0.25}],"aggregationTemporality":2,"isMonotonic":true}"#,
        r#""count":"3","sum":4.5,"bucketCounts":["1","0","2"],"explicitBounds":[0.5,10],"exemplars":["#,
        r#""flags":1,"min":-1,"max":9}],"aggregationTemporality":1}"#,
        r#""count":"7","sum":8,"scale":-2,"zeroCount":"1","positive":{"offset":-3,"bucketCounts":["1","2"]},"negative":{"offset":4,"bucketCounts":["3"]},"flags":1,"exemplars":["#,
        r#""min":0.5,"max":100,"zeroThreshold":1e-9}],"aggregationTemporality":2}"#,
        r#""count":"3","sum":6.5,"quantileValues":[{"value":1},{"quantile":0.99,"value":5}],"flags":1}]}"#,
        r#"],"schemaUrl":"s1"}],"schemaUrl":"s2"}]}"#,
    ] {
        assert!(text.contains(fragment), "missing {fragment}\nin {text}");
    }
    assert_eq!(decode_metrics(&out).unwrap(), req);
    let wire = req.encode_to_vec();
    assert_eq!(ExportMetricsServiceRequest::decode(wire.as_slice()).unwrap(), req);
}

#[test]
fn every_log_field_round_trips_in_proto_order() {
    let req = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(full_resource()),
            scope_logs: vec![ScopeLogs {
                scope: Some(full_scope()),
                log_records: vec![LogRecord {
                    time_unix_nano: 1,
                    observed_time_unix_nano: 2,
                    severity_number: 17,
                    severity_text: "ERROR".into(),
                    body: Some(any(AnyVal::StringValue("msg".into()))),
                    attributes: attrs("log"),
                    dropped_attributes_count: 3,
                    flags: 1,
                    trace_id: (1..=16).collect(),
                    span_id: (1..=8).collect(),
                    event_name: "ev".into(),
                }],
                schema_url: "s1".into(),
            }],
            schema_url: "s2".into(),
        }],
    };
    let out = encode_logs(&req);
    assert!(s(&out).contains(concat!(
        r#""logRecords":[{"timeUnixNano":"1","observedTimeUnixNano":"2","severityNumber":17,"#,
        r#""severityText":"ERROR","body":{"stringValue":"msg"},"attributes":[{"key":"log.s","value":{"stringValue":"v"}},"#,
        r#"{"key":"log.i","value":{"intValue":"-3"}}],"droppedAttributesCount":3,"flags":1,"#,
        r#""traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","eventName":"ev"}],"#,
        r#""schemaUrl":"s1"}],"schemaUrl":"s2"}]}"#
    )));
    assert_eq!(decode_logs(&out).unwrap(), req);
}

// ---------- malformed input ----------

#[test]
fn malformed_documents_are_errors_not_panics() {
    let docs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"   ".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"resourceSpans\"".to_vec(),
        b"42".to_vec(),
        b"true".to_vec(),
        b"{".to_vec(),
        b"{}{}".to_vec(),
        b"{} x".to_vec(),
        b"{,}".to_vec(),
        b"{\"a\":}".to_vec(),
        b"{\"a\":1,}".to_vec(),
        b"{'a':1}".to_vec(),
        b"{\"resourceSpans\":{}}".to_vec(),
        b"{\"resourceSpans\":\"x\"}".to_vec(),
        b"{\"resourceSpans\":[1]}".to_vec(),
        b"{\"resourceSpans\":[[]]}".to_vec(),
        b"{\"resourceSpans\":[{\"resource\":[]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"resource\":{\"attributes\":{}}}]}".to_vec(),
        b"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":1}]}}]}".to_vec(),
        b"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"value\":\"s\"}]}}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":[]}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":{}}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"status\":\"ok\"}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"events\":[{\"timeUnixNano\":\"x\"}]}]}]}]}"
            .to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"\\ud800\"}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\x01b\"}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"\xff\xfe\"}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"flags\":-1}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"flags\":01}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"flags\":NaN}]}]}]}".to_vec(),
        b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"flags\":tru}]}]}]}".to_vec(),
        format!("{{\"x\":{}}}", "[".repeat(100_000)).into_bytes(),
        format!("{{\"x\":{}1{}}}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes(),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        format!("{{\"resourceSpans\":{}}}", "[".repeat(100_000)).into_bytes(),
        format!("{{\"x\":{}}}", "{\"a\":".repeat(50_000)).into_bytes(),
    ];
    for doc in &docs {
        assert!(
            decode_traces(doc).is_err(),
            "accepted as traces: {}",
            String::from_utf8_lossy(doc)
        );
        // The same documents must not panic as metrics or logs either; they
        // are allowed to succeed there (unknown root keys are ignored).
        let _ = decode_metrics(doc);
        let _ = decode_logs(doc);
        let _ = decode_trace_response(doc);
        let _ = decode_status(doc);
    }
    let metrics_docs: [&[u8]; 6] = [
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":[]}]}]}]}"#,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"isMonotonic":"true"}}]}]}]}"#,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"bucketCounts":[1,null]}]}}]}]}]}"#,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"explicitBounds":"1"}]}}]}]}]}"#,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"summary":{"dataPoints":[{"quantileValues":[{"value":"x"}]}]}}]}]}]}"#,
        br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"exponentialHistogram":{"dataPoints":[{"scale":2147483648}]}}]}]}]}"#,
    ];
    for doc in metrics_docs {
        assert!(decode_metrics(doc).is_err(), "accepted: {}", s(doc));
    }
    let logs_docs: [&[u8]; 4] = [
        br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"text"}]}]}]}"#,
        br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"arrayValue":[]}}]}]}]}"#,
        br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"kvlistValue":{"values":[1]}}}]}]}]}"#,
        br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":1.5}]}]}]}"#,
    ];
    for doc in logs_docs {
        assert!(decode_logs(doc).is_err(), "accepted: {}", s(doc));
    }
    for doc in [
        &br#"{"partialSuccess":[]}"#[..],
        br#"{"partialSuccess":{"rejectedSpans":"x"}}"#,
    ] {
        assert!(decode_trace_response(doc).is_err(), "accepted: {}", s(doc));
    }

    // Spot-check a few messages.
    assert_eq!(
        decode_traces(b"[]").unwrap_err().to_string(),
        "expected a JSON object, got array"
    );
    assert_eq!(
        decode_traces(b"null").unwrap_err().to_string(),
        "expected a JSON object, got null"
    );
    assert_eq!(
        decode_traces(b"").unwrap_err().to_string(),
        "invalid JSON at byte 0: unexpected end of input"
    );
    assert_eq!(
        decode_traces(b"{} x").unwrap_err().to_string(),
        "invalid JSON at byte 3: trailing characters after the JSON document"
    );
    assert_eq!(
        decode_traces(br#"{"resourceSpans":{}}"#).unwrap_err().to_string(),
        "resourceSpans: expected array, got object"
    );
    assert_eq!(
        decode_traces(br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":[]}]}]}]}"#)
            .unwrap_err()
            .to_string(),
        "resourceSpans[0].scopeSpans[0].spans[0].name: expected string, got array"
    );
    assert_eq!(
        decode_metrics(
            br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"isMonotonic":"true"}}]}]}]}"#
        )
        .unwrap_err()
        .to_string(),
        "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.isMonotonic: expected boolean, got string"
    );
    assert_eq!(
        decode_logs(br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"text"}]}]}]}"#)
            .unwrap_err()
            .to_string(),
        "resourceLogs[0].scopeLogs[0].logRecords[0].body: expected object, got string"
    );
}

#[test]
fn random_mutations_never_panic() {
    // Deterministic xorshift so failures are reproducible without a rand crate.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seed = concat!(
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"kvlistValue":{"values":[{"key":"b","#,
        r#""value":{"arrayValue":{"values":[{"intValue":"1"},{"doubleValue":"NaN"},{"bytesValue":"AQID"}]}}}]}}}]},"#,
        r#""scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","#,
        r#""kind":"SPAN_KIND_CLIENT","startTimeUnixNano":1,"status":{"code":2},"events":[{"name":"\u00e9"}]}]}]}]}"#
    )
    .as_bytes();
    let alphabet = b"{}[]\",:0123456789-+.eE\\u nultrfa\x00\xff";
    for _ in 0..20_000 {
        let mut doc = seed.to_vec();
        for _ in 0..(next() % 4 + 1) {
            let pos = (next() % doc.len() as u64) as usize;
            match next() % 3 {
                0 => doc[pos] = alphabet[(next() % alphabet.len() as u64) as usize],
                1 => {
                    doc.remove(pos);
                }
                _ => doc.insert(pos, alphabet[(next() % alphabet.len() as u64) as usize]),
            }
        }
        if let Ok(req) = decode_traces(&doc) {
            // Whatever we accept must re-encode to something we accept again
            // (compared as bytes: NaN != NaN in the structs).
            let out = encode_traces(&req);
            let again = decode_traces(&out).unwrap();
            assert_eq!(encode_traces(&again), out);
        }
    }
}

// ---------- nesting limit ----------

fn nested_array_body(depth: usize) -> Vec<u8> {
    // depth = number of AnyValues from the body down to the innermost one.
    let mut s = String::from(r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"#);
    for _ in 1..depth {
        s.push_str(r#"{"arrayValue":{"values":["#);
    }
    s.push_str(r#"{"intValue":"1"}"#);
    for _ in 1..depth {
        s.push_str("]}}");
    }
    s.push_str("}]}]}]}");
    s.into_bytes()
}

#[test]
fn any_value_nesting_is_limited() {
    // A log body sits 4 messages below the request and each arrayValue
    // level adds 2 (ArrayValue, AnyValue): 49 AnyValues reach protobuf's
    // limit of 100 nested messages, 50 exceed it.
    let ok = decode_logs(&nested_array_body(49)).unwrap();
    // And what we accept we can encode and decode again.
    assert_eq!(decode_logs(&encode_logs(&ok)).unwrap(), ok);

    let err = decode_logs(&nested_array_body(50)).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("message nesting is deeper than the protobuf limit of 100"),
        "{err}"
    );
    assert!(
        err.path()
            .starts_with("resourceLogs[0].scopeLogs[0].logRecords[0].body.arrayValue.values[0]")
    );
    const _: () = assert!(
        MAX_ANY_VALUE_DEPTH >= 49,
        "the AnyValue guard never refuses first"
    );

    // Far deeper input must fail cleanly too (no stack overflow).
    let err = decode_logs(&nested_array_body(100_000)).unwrap_err();
    assert!(err.message().contains("nesting"), "{err}");

    // kvlist nesting counts the same way.
    let mut s = String::from(r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":["#);
    for _ in 0..200 {
        s.push_str(r#"{"key":"k","value":{"kvlistValue":{"values":["#);
    }
    s.push_str(&"]}}}".repeat(200));
    s.push_str("]}]}]}]}");
    let err = decode_logs(s.as_bytes()).unwrap_err();
    assert!(err.message().contains("nesting"), "{err}");
}

#[test]
fn max_depth_fits_in_a_small_stack() {
    // The deepest accepted document (kvlists are the most expensive nesting:
    // 3 messages a level; 32 levels of a log attribute reach protobuf's
    // limit) must decode and re-encode on a 1 MiB stack even in debug builds
    // (tokio workers have 2 MiB).
    let depth = 32;
    let mut s = String::from(r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":["#);
    for _ in 0..depth {
        s.push_str(r#"{"key":"k","value":{"kvlistValue":{"values":["#);
    }
    s.push_str(&"]}}}".repeat(depth));
    s.push_str("]}]}]}]}");
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let req = decode_logs(s.as_bytes()).unwrap();
            let out = encode_logs(&req);
            assert_eq!(decode_logs(&out).unwrap(), req);
        })
        .unwrap();
    handle.join().unwrap();
}
