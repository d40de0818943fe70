//! Round-trip tests over the official OTLP/JSON examples
//! (`opentelemetry-proto/examples/*.json`), which CI places in a `shared`
//! folder beside the repository. A missing file is a test failure.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serde_json::Value;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/otlp-examples");

fn read_example(name: &str) -> Vec<u8> {
    let path = format!("{EXAMPLES}/{name}");
    match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => panic!("official OTLP example {path} is required by this test but could not be read: {e}"),
    }
}

/// Brings an example document into the canonical form our encoder writes,
/// so that it can be compared with `serde_json::Value` equality. Every change
/// is a spec-sanctioned difference, not a loss of information:
///
/// * `traceId`/`spanId`/`parentSpanId`: the examples use UPPERCASE hex; hex
///   decoding is case-insensitive and we (like the Go collector) write
///   lowercase.
/// * `scale: 0` and `zeroThreshold: 0` (exponential histogram point in
///   metrics.json) are proto3 default values of non-optional fields;
///   protojson omits those on output, and decoding the omitted field yields
///   the same 0. `min: 0` is NOT removed: `min` is `optional double`, so an
///   explicit 0 is kept (and we write it).
fn normalize(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for key in ["traceId", "spanId", "parentSpanId"] {
                if let Some(Value::String(s)) = map.get_mut(key) {
                    *s = s.to_ascii_lowercase();
                }
            }
            for key in ["scale", "zeroThreshold"] {
                if map.get(key).and_then(Value::as_f64) == Some(0.0) {
                    map.remove(key);
                }
            }
            map.values_mut().for_each(normalize);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn check_json_round_trip(input: &[u8], output: &[u8]) {
    let mut expected: Value = serde_json::from_slice(input).unwrap();
    normalize(&mut expected);
    let actual: Value = serde_json::from_slice(output).unwrap();
    assert_eq!(
        actual,
        expected,
        "re-encoded document differs:\n{}",
        String::from_utf8_lossy(output)
    );
    assert_compact(output);
}

/// Compact output: no whitespace outside string literals.
fn assert_compact(output: &[u8]) {
    let (mut in_str, mut escaped) = (false, false);
    for (i, &c) in output.iter().enumerate() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
        } else if c == b'"' {
            in_str = true;
        } else {
            assert!(!c.is_ascii_whitespace(), "whitespace at byte {i} of the output");
        }
    }
}

#[test]
fn trace_example_round_trips() {
    let input = read_example("trace.json");
    let req = otelcol_otlp_json::decode_traces(&input).unwrap();
    assert_eq!(req.resource_spans.len(), 1);
    let span = &req.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.trace_id.len(), 16);
    assert_eq!(span.kind, 2);
    assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);

    let output = otelcol_otlp_json::encode_traces(&req);
    check_json_round_trip(&input, &output);

    let wire = req.encode_to_vec();
    assert_eq!(ExportTraceServiceRequest::decode(wire.as_slice()).unwrap(), req);
    assert_eq!(otelcol_otlp_json::decode_traces(&output).unwrap(), req);
}

#[test]
fn metrics_example_round_trips() {
    let input = read_example("metrics.json");
    let req = otelcol_otlp_json::decode_metrics(&input).unwrap();
    let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
    assert_eq!(metrics.len(), 4);

    let output = otelcol_otlp_json::encode_metrics(&req);
    check_json_round_trip(&input, &output);

    let wire = req.encode_to_vec();
    assert_eq!(ExportMetricsServiceRequest::decode(wire.as_slice()).unwrap(), req);
    assert_eq!(otelcol_otlp_json::decode_metrics(&output).unwrap(), req);
}

#[test]
fn logs_example_round_trips() {
    let input = read_example("logs.json");
    let req = otelcol_otlp_json::decode_logs(&input).unwrap();
    let rec = &req.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(rec.attributes.len(), 6);
    assert_eq!(rec.severity_number, 10);

    let output = otelcol_otlp_json::encode_logs(&req);
    check_json_round_trip(&input, &output);

    let wire = req.encode_to_vec();
    assert_eq!(ExportLogsServiceRequest::decode(wire.as_slice()).unwrap(), req);
    assert_eq!(otelcol_otlp_json::decode_logs(&output).unwrap(), req);
}

#[test]
fn events_example_round_trips() {
    let input = read_example("events.json");
    let req = otelcol_otlp_json::decode_logs(&input).unwrap();
    let rec = &req.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(rec.event_name, "browser.page_view");

    let output = otelcol_otlp_json::encode_logs(&req);
    // The body contains {"intValue":"0"}: a oneof member set to its default,
    // which must survive the round trip without normalisation.
    check_json_round_trip(&input, &output);

    let wire = req.encode_to_vec();
    assert_eq!(ExportLogsServiceRequest::decode(wire.as_slice()).unwrap(), req);
    assert_eq!(otelcol_otlp_json::decode_logs(&output).unwrap(), req);
}

#[test]
fn every_prefix_of_every_example_is_handled_without_panic() {
    for name in ["trace.json", "metrics.json", "logs.json", "events.json"] {
        let input = read_example(name);
        for end in 0..input.len() {
            let prefix = &input[..end];
            // A strict prefix of a single JSON object is never complete
            // (the final '}' is missing), except trailing whitespace cuts.
            let complete = input[end..].iter().all(u8::is_ascii_whitespace);
            let results = [
                otelcol_otlp_json::decode_traces(prefix).is_ok(),
                otelcol_otlp_json::decode_metrics(prefix).is_ok(),
                otelcol_otlp_json::decode_logs(prefix).is_ok(),
            ];
            if !complete {
                assert_eq!(results, [false; 3], "{name} prefix of {end} bytes accepted");
            }
        }
    }
}
