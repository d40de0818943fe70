//! The decoders accept exactly the nesting that protobuf decoders accept, so
//! nothing a receiver acknowledges over OTLP/JSON is refused by the next hop
//! over protobuf.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

/// An AnyValue nested `n` containers deep (`array` or kvlist), as JSON.
fn nested(n: usize, array: bool) -> String {
    let mut v = r#"{"stringValue":"leaf"}"#.to_string();
    for _ in 0..n {
        v = if array {
            format!(r#"{{"arrayValue":{{"values":[{v}]}}}}"#)
        } else {
            format!(r#"{{"kvlistValue":{{"values":[{{"key":"k","value":{v}}}]}}}}"#)
        };
    }
    v
}

fn span_attr(v: &str) -> String {
    format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s","attributes":[{{"key":"a","value":{v}}}]}}]}}]}}]}}"#
    )
}

fn log_body(v: &str) -> String {
    format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"body":{v}}}]}}]}}]}}"#)
}

fn exemplar_attr(v: &str) -> String {
    format!(
        r#"{{"resourceMetrics":[{{"scopeMetrics":[{{"metrics":[{{"name":"m","histogram":{{"dataPoints":[{{"exemplars":[{{"asDouble":1,"filteredAttributes":[{{"key":"a","value":{v}}}]}}]}}]}}}}]}}]}}]}}"#
    )
}

/// For every nesting from 1 to 70: JSON accepted ⇔ the protobuf encoding of
/// what it decoded to is accepted by prost. Returns the deepest accepted.
fn agree<T: Message + Default>(
    doc: impl Fn(&str) -> String,
    decode: fn(&[u8]) -> Result<T, otelcol_otlp_json::DecodeError>,
    array: bool,
) -> usize {
    let mut deepest = 0;
    let mut refused_at = None;
    for n in 1..=70 {
        match decode(doc(&nested(n, array)).as_bytes()) {
            Ok(req) => {
                assert!(refused_at.is_none(), "accepted {n} after refusing {refused_at:?}");
                let bytes = req.encode_to_vec();
                T::decode(bytes.as_slice())
                    .unwrap_or_else(|e| panic!("accepted at depth {n} but prost refuses its encoding: {e}"));
                deepest = n;
            }
            Err(e) => {
                assert!(
                    e.to_string().contains("protobuf limit of 100"),
                    "refused for the nesting limit: {e}"
                );
                refused_at.get_or_insert(n);
            }
        }
    }
    let n = refused_at.expect("some depth is refused");
    assert_eq!(n, deepest + 1);
    deepest
}

/// Also builds what the first refused document would have been, straight in
/// protobuf (the deepest accepted one, one level deeper), and checks that
/// prost refuses it: the JSON limit is not stricter than protobuf's either.
#[test]
fn json_and_protobuf_limits_agree_for_span_attributes() {
    for array in [true, false] {
        let deepest = agree(span_attr, otelcol_otlp_json::decode_traces, array);
        let mut req = otelcol_otlp_json::decode_traces(span_attr(&nested(deepest, array)).as_bytes()).unwrap();
        let attr = &mut req.resource_spans[0].scope_spans[0].spans[0].attributes[0];
        let inner = attr.value.take().unwrap();
        attr.value = Some(wrap(inner, array));
        let bytes = req.encode_to_vec();
        assert!(
            ExportTraceServiceRequest::decode(bytes.as_slice()).is_err(),
            "one level deeper than JSON accepts is refused by prost too (array: {array})"
        );
    }
}

#[test]
fn json_and_protobuf_limits_agree_for_log_bodies_and_exemplars() {
    for array in [true, false] {
        agree(log_body, otelcol_otlp_json::decode_logs, array);
        agree(exemplar_attr, otelcol_otlp_json::decode_metrics, array);
    }
}

fn wrap(
    v: opentelemetry_proto::tonic::common::v1::AnyValue,
    array: bool,
) -> opentelemetry_proto::tonic::common::v1::AnyValue {
    use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value::Value};
    AnyValue {
        value: Some(if array {
            Value::ArrayValue(ArrayValue { values: vec![v] })
        } else {
            Value::KvlistValue(KeyValueList {
                values: vec![KeyValue {
                    key: "k".into(),
                    value: Some(v),
                    ..Default::default()
                }],
            })
        }),
    }
}
