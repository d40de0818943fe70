//! Zipkin v1 JSON (`[{"traceId": ..., "annotations": [...],
//! "binaryAnnotations": [...]}]`) read as Go's `zipkinv1` reads it: trace
//! ids of 16 or 32 hex digits, span ids of 16, none of them zero.
//!
//! Go reads binary annotation values as strings only, so the boolean `sa`
//! and `ca` address annotations v1 tracers send make it refuse the whole
//! body; here booleans and numbers are accepted and kept as their text.

use serde::Deserialize;

use crate::error::{DecodeError, Format};
use crate::model::{json_span_list, tag_value, trace_id_bytes};
use crate::v1::{V1Annotation, V1BinaryAnnotation, V1Endpoint, V1Span};

#[derive(Deserialize)]
struct JsonSpan {
    #[serde(rename = "traceId")]
    trace_id: Option<String>,
    name: Option<String>,
    #[serde(rename = "parentId")]
    parent_id: Option<String>,
    id: Option<String>,
    timestamp: Option<i64>,
    duration: Option<i64>,
    #[allow(dead_code)]
    debug: Option<bool>,
    annotations: Option<Vec<Option<JsonAnnotation>>>,
    #[serde(rename = "binaryAnnotations")]
    binary_annotations: Option<Vec<Option<JsonBinaryAnnotation>>>,
}

#[derive(Deserialize)]
struct JsonEndpoint {
    #[serde(rename = "serviceName")]
    service_name: Option<String>,
    ipv4: Option<String>,
    ipv6: Option<String>,
    port: Option<i32>,
}

#[derive(Deserialize)]
struct JsonAnnotation {
    timestamp: Option<i64>,
    value: Option<String>,
    endpoint: Option<JsonEndpoint>,
}

#[derive(Deserialize)]
struct JsonBinaryAnnotation {
    key: Option<String>,
    value: Option<Scalar>,
    endpoint: Option<JsonEndpoint>,
}

/// A binary annotation value: a string, or a boolean or number kept as text.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Bool(bool),
    Number(serde_json::Number),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(n) => n.to_string(),
        }
    }
}

fn endpoint(e: JsonEndpoint) -> V1Endpoint {
    V1Endpoint {
        service_name: e.service_name.unwrap_or_default(),
        ipv4: e.ipv4.unwrap_or_default(),
        ipv6: e.ipv6.unwrap_or_default(),
        port: e.port.unwrap_or(0),
    }
}

/// Decodes a v1 JSON list of spans.
pub(crate) fn decode(body: &[u8], parse_string_tags: bool) -> Result<Vec<V1Span>, DecodeError> {
    json_span_list(body, Format::V1Json, |s| span(s, parse_string_tags))
}

/// 16 hex digits, not all zero (Go's `hexToSpanID`).
pub(crate) fn span_id(field: &str, s: &str) -> Result<u64, String> {
    if s.len() != 16 {
        return Err(format!(
            "zipkinV1 span {field}: hex Id has wrong length (expected 16)"
        ));
    }
    let id = crate::model::parse_hex_u64(s)
        .ok_or_else(|| format!("zipkinV1 span {field}: {s:?} is not hexadecimal"))?;
    if id == 0 {
        return Err(format!("zipkinV1 span {field}: ID is zero"));
    }
    Ok(id)
}

/// 16 or 32 hex digits, not all zero (Go's `hexToTraceID`).
fn trace_id(s: &str) -> Result<[u8; 16], String> {
    let wrong = || "zipkinV1 span traceId: hex traceId span has wrong length (expected 16 or 32)".to_string();
    let hex = |t: &str| {
        crate::model::parse_hex_u64(t)
            .ok_or_else(|| format!("zipkinV1 span traceId: {s:?} is not hexadecimal"))
    };
    let (high, low) = match s.len() {
        16 => (0, hex(s)?),
        32 => {
            let (h, l) = s.split_at(16);
            (hex(h)?, hex(l)?)
        }
        _ => return Err(wrong()),
    };
    if high == 0 && low == 0 {
        return Err("zipkinV1 span traceId: traceId is zero".into());
    }
    Ok(trace_id_bytes(high, low))
}

fn span(s: JsonSpan, parse_string_tags: bool) -> Result<V1Span, String> {
    let trace_id = trace_id(s.trace_id.as_deref().unwrap_or(""))?;
    let id = span_id("id", s.id.as_deref().unwrap_or(""))?;
    let parent_id = match s.parent_id.as_deref() {
        None | Some("") => 0,
        Some(p) => span_id("parentId", p)?,
    };
    let annotations = s
        .annotations
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .map(|a| V1Annotation {
            timestamp: a.timestamp.unwrap_or(0),
            value: a.value.unwrap_or_default(),
            endpoint: a.endpoint.map(endpoint),
        })
        .collect();
    let binary_annotations = s
        .binary_annotations
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .map(|b| {
            let text = b.value.map(Scalar::into_text).unwrap_or_default();
            V1BinaryAnnotation {
                key: b.key.unwrap_or_default(),
                value: tag_value(&text, parse_string_tags),
                text,
                endpoint: b.endpoint.map(endpoint),
            }
        })
        .collect();
    Ok(V1Span {
        trace_id,
        id,
        parent_id,
        name: s.name.unwrap_or_default(),
        timestamp: s.timestamp.filter(|t| *t != 0),
        duration: s.duration.unwrap_or(0),
        fill_absent_start: true,
        annotations,
        binary_annotations,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::{boolean, int, string};

    #[test]
    fn reads_a_span_with_address_annotations() {
        let body = br#"[{
          "traceId": "5af7183fb1d4cf5f", "id": "352bff9a74ca9ad2", "parentId": "6b221d5bc9e6496c",
          "name": "get", "timestamp": 1556604172355737, "duration": 1431, "debug": false,
          "annotations": [
            {"timestamp": 1556604172355737, "value": "sr", "endpoint": {"serviceName": "backend", "ipv4": "192.168.99.101", "port": 9000}},
            null
          ],
          "binaryAnnotations": [
            {"key": "http.path", "value": "/api", "endpoint": {"serviceName": "backend"}},
            {"key": "ca", "value": true, "endpoint": {"serviceName": "frontend", "ipv4": "127.0.0.1", "port": 63408}},
            {"key": "n", "value": 12},
            {"key": "f", "value": "1.5"},
            null
          ]
        }]"#;
        let s = &decode(body, true).unwrap()[0];
        assert_eq!((s.id, s.parent_id), (0x352bff9a74ca9ad2, 0x6b221d5bc9e6496c));
        assert_eq!(s.timestamp, Some(1556604172355737));
        assert_eq!(s.annotations.len(), 1);
        assert_eq!(s.annotations[0].endpoint.as_ref().unwrap().port, 9000);
        let values: Vec<_> = s.binary_annotations.iter().map(|b| b.value.clone()).collect();
        assert_eq!(
            values,
            [string("/api"), boolean(true), int(12), crate::model::double(1.5)]
        );
        let s = &decode(body, false).unwrap()[0];
        assert_eq!(s.binary_annotations[1].value, string("true"));
        assert!(decode(b"null", false).unwrap().is_empty());
    }

    #[test]
    fn refusals() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "EOF"),
            (b"{\"traceId\":\"1\"}", "expected a list of spans"),
            (br#"[{"id":"352bff9a74ca9ad2"}]"#, "wrong length (expected 16 or 32)"),
            (br#"[{"traceId":"1","id":"352bff9a74ca9ad2"}]"#, "wrong length"),
            (br#"[{"traceId":"0000000000000000","id":"352bff9a74ca9ad2"}]"#, "traceId is zero"),
            (br#"[{"traceId":"zzzzzzzzzzzzzzzz","id":"352bff9a74ca9ad2"}]"#, "not hexadecimal"),
            (br#"[{"traceId":"5af7183fb1d4cf5f","id":"1"}]"#, "span id: hex Id has wrong length"),
            (br#"[{"traceId":"5af7183fb1d4cf5f","id":"0000000000000000"}]"#, "ID is zero"),
            (
                br#"[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","parentId":"x"}]"#,
                "span parentId",
            ),
            (
                br#"[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","binaryAnnotations":[{"key":"k","value":{"a":1}}]}]"#,
                "did not match any variant",
            ),
            (
                br#"[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","annotations":[{"endpoint":{"port":3000000000}}]}]"#,
                "invalid value",
            ),
        ];
        for (body, want) in cases {
            let e = decode(body, false).unwrap_err().to_string();
            assert!(e.starts_with("invalid Zipkin v1 JSON"), "{e}");
            assert!(e.contains(want), "{}: {e}", String::from_utf8_lossy(body));
        }
    }
}
