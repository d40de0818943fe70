//! Zipkin v2 JSON (`[{"traceId": ..., "id": ..., ...}]`) read as the Go
//! receiver reads it with zipkin-go's model: unknown fields ignored, `null`
//! wherever a value may be absent, ids of 1 to 16 (trace ids 1 to 32) hex
//! digits, epoch-microsecond `timestamp` and `duration`, tag values strings.
//! A body that is not that is refused whole, naming the span and the field.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::error::{DecodeError, Format};
use crate::model::{Tags, json_span_list, micros_to_nanos, parse_hex_u64, parse_trace_id};
use crate::v2::{Annotation, Endpoint, Kind, ZSpan};

#[derive(Deserialize)]
struct JsonSpan {
    #[serde(rename = "traceId")]
    trace_id: Option<String>,
    id: Option<String>,
    #[serde(rename = "parentId")]
    parent_id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    timestamp: Option<u64>,
    duration: Option<u64>,
    #[serde(rename = "localEndpoint")]
    local_endpoint: Option<JsonEndpoint>,
    #[serde(rename = "remoteEndpoint")]
    remote_endpoint: Option<JsonEndpoint>,
    annotations: Option<Vec<Option<JsonAnnotation>>>,
    tags: Option<JsonTags>,
    // Read for their types only: Go does not carry them over either.
    #[allow(dead_code)]
    debug: Option<bool>,
    #[allow(dead_code)]
    shared: Option<bool>,
}

#[derive(Deserialize)]
pub(crate) struct JsonEndpoint {
    #[serde(rename = "serviceName")]
    service_name: Option<String>,
    ipv4: Option<String>,
    ipv6: Option<String>,
    port: Option<u16>,
}

#[derive(Deserialize)]
struct JsonAnnotation {
    timestamp: Option<i64>,
    value: Option<String>,
}

/// A `tags` object: string values (`null` is the empty string), order kept.
struct JsonTags(Tags);

impl<'de> Deserialize<'de> for JsonTags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> Visitor<'de> for TagsVisitor {
            type Value = JsonTags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of string tags")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonTags, A::Error> {
                let mut tags = Tags::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value: Option<String> = map.next_value()?;
                    tags.insert(key, value.unwrap_or_default());
                }
                Ok(JsonTags(tags))
            }
        }
        d.deserialize_map(TagsVisitor)
    }
}

impl JsonEndpoint {
    /// The endpoint, `None` when empty; an unparsable IP is an error.
    pub(crate) fn into_endpoint(self) -> Result<Option<Endpoint>, String> {
        let ip = |field: &str, v: Option<String>| -> Result<_, String> {
            match v.as_deref() {
                None | Some("") => Ok(None),
                Some(s) => s
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("{field}: invalid IP address: {s}")),
            }
        };
        Ok(Endpoint {
            service_name: self.service_name.unwrap_or_default(),
            ipv4: ip("ipv4", self.ipv4)?,
            ipv6: ip("ipv6", self.ipv6)?,
            port: self.port.unwrap_or(0),
        }
        .non_empty())
    }
}

/// Decodes a v2 JSON list of spans.
pub(crate) fn decode(body: &[u8]) -> Result<Vec<ZSpan>, DecodeError> {
    json_span_list(body, Format::V2Json, span)
}

fn span(s: JsonSpan) -> Result<ZSpan, String> {
    let trace_id = parse_trace_id(s.trace_id.as_deref().unwrap_or(""))?;
    let id = match s.id.as_deref() {
        None | Some("") => 0,
        Some(h) => parse_hex_u64(h).ok_or_else(|| format!("id {h:?} is not 1 to 16 hex digits"))?,
    };
    if id == 0 {
        return Err("valid span id required".into());
    }
    let parent_id = match s.parent_id.as_deref() {
        None | Some("") => 0,
        Some(h) => parse_hex_u64(h).ok_or_else(|| format!("parentId {h:?} is not 1 to 16 hex digits"))?,
    };
    let start_ns = match s.timestamp {
        None | Some(0) => None,
        Some(us) => Some(micros_to_nanos(us).ok_or_else(|| format!("timestamp {us} out of range"))?),
    };
    let duration = s.duration.unwrap_or(0);
    let duration_ns = micros_to_nanos(duration).ok_or_else(|| format!("duration {duration} out of range"))?;
    let endpoint = |field: &str, ep: Option<JsonEndpoint>| -> Result<Option<Endpoint>, String> {
        match ep {
            None => Ok(None),
            Some(ep) => ep.into_endpoint().map_err(|e| format!("{field}: {e}")),
        }
    };
    let annotations = s
        .annotations
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .map(|a| {
            let ts = a.timestamp.unwrap_or(0);
            let time_ns = u64::try_from(ts)
                .ok()
                .and_then(micros_to_nanos)
                .ok_or_else(|| format!("annotation timestamp {ts} out of range"))?;
            Ok(Annotation {
                time_ns,
                value: a.value.unwrap_or_default(),
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(ZSpan {
        trace_id,
        id,
        parent_id,
        name: s.name.unwrap_or_default(),
        kind: Kind::from_name(s.kind.as_deref().unwrap_or("")),
        start_ns,
        duration_ns,
        local: endpoint("localEndpoint", s.local_endpoint)?,
        remote: endpoint("remoteEndpoint", s.remote_endpoint)?,
        annotations,
        tags: s.tags.map(|t| t.0).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn reads_a_full_span() {
        let body = br#"[{
            "traceId": "5af7183fb1d4cf5f5af7183fb1d4cf5f", "id": "352bff9a74ca9ad2",
            "parentId": "6b221d5bc9e6496c", "name": "get /api", "kind": "SERVER",
            "timestamp": 1556604172355737, "duration": 1431, "debug": true, "shared": true,
            "localEndpoint": {"serviceName": "backend", "ipv4": "192.168.99.1", "port": 3306},
            "remoteEndpoint": {"ipv6": "2001:db8::c001", "port": 0},
            "annotations": [{"timestamp": 1556604172355800, "value": "wr"}, null],
            "tags": {"http.method": "GET", "b": null, "http.method": "POST"},
            "unknownField": {"nested": [1, 2, {"x": null}]}
        }, null]"#;
        let spans = decode(body).unwrap();
        assert_eq!(spans.len(), 1);
        let s = &spans[0];
        assert_eq!(s.id, 0x352bff9a74ca9ad2);
        assert_eq!(s.parent_id, 0x6b221d5bc9e6496c);
        assert_eq!(s.kind, Kind::Server);
        assert_eq!(s.start_ns, Some(1_556_604_172_355_737_000));
        assert_eq!(s.duration_ns, 1_431_000);
        assert_eq!(s.local.as_ref().unwrap().port, 3306);
        assert_eq!(
            s.remote.as_ref().unwrap().ipv6,
            Some("2001:db8::c001".parse().unwrap())
        );
        assert_eq!(s.annotations.len(), 1);
        assert_eq!(s.annotations[0].time_ns, 1_556_604_172_355_800_000);
        assert_eq!(
            s.tags.iter().collect::<Vec<_>>(),
            [("http.method", "POST"), ("b", "")]
        );
    }

    #[test]
    fn null_and_empty_bodies_hold_no_spans() {
        assert!(decode(b"null").unwrap().is_empty());
        assert!(decode(b"[]").unwrap().is_empty());
        assert!(decode(b" [ null ] ").unwrap().is_empty());
        let s = &decode(br#"[{"traceId":"1","id":"2","localEndpoint":{},"timestamp":0}]"#).unwrap()[0];
        assert_eq!(s.local, None, "an empty endpoint is absent");
        assert_eq!(s.start_ns, None);
    }

    /// Hostile and malformed bodies: each refused with a message that says why.
    #[test]
    fn refusals() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "EOF while parsing"),
            (b"{}", "invalid type: map, expected a list of spans"),
            (b"[1]", "invalid type: integer"),
            (b"[{\"traceId\":\"1\",\"id\":\"2\"", "EOF"),
            (br#"[{"id":"2"}]"#, "span #0: valid traceId required"),
            (br#"[{"traceId":"0","id":"2"}]"#, "traceId is all zeros"),
            (br#"[{"traceId":"xyz","id":"2"}]"#, "is not 1 to 32 hex digits"),
            (br#"[{"traceId":"1"}]"#, "valid span id required"),
            (
                br#"[{"traceId":"1","id":"0000000000000000"}]"#,
                "valid span id required",
            ),
            (
                br#"[{"traceId":"1","id":"12345678901234567"}]"#,
                "not 1 to 16 hex digits",
            ),
            (
                br#"[{"traceId":"1","id":2}]"#,
                "invalid type: integer `2`, expected a string",
            ),
            (br#"[{"traceId":"1","id":"2","parentId":"q"}]"#, "parentId"),
            (
                br#"[{"traceId":"1","id":"2","timestamp":-1}]"#,
                "invalid value: integer `-1`",
            ),
            (
                br#"[{"traceId":"1","id":"2","timestamp":1.5}]"#,
                "invalid type: floating point",
            ),
            (
                br#"[{"traceId":"1","id":"2","timestamp":18446744073709551615}]"#,
                "out of range",
            ),
            (
                br#"[{"traceId":"1","id":"2","duration":18446744073709551615}]"#,
                "out of range",
            ),
            (
                br#"[{"traceId":"1","id":"2","tags":{"a":1}}]"#,
                "invalid type: integer `1`, expected a string",
            ),
            (
                br#"[{"traceId":"1","id":"2","tags":[]}]"#,
                "an object of string tags",
            ),
            (
                br#"[{"traceId":"1","id":"2","localEndpoint":{"ipv4":"1.2.3"}}]"#,
                "invalid IP address",
            ),
            (
                br#"[{"traceId":"1","id":"2","localEndpoint":{"port":70000}}]"#,
                "invalid value",
            ),
            (
                br#"[{"traceId":"1","id":"2","annotations":[{"timestamp":-5,"value":"x"}]}]"#,
                "out of range",
            ),
            (br#"[{"traceId":"1","id":"2","kind":7}]"#, "invalid type"),
        ];
        for (body, want) in cases {
            let e = decode(body).unwrap_err().to_string();
            assert!(e.contains(want), "{}: {e}", String::from_utf8_lossy(body));
            assert!(e.starts_with("invalid Zipkin v2 JSON"), "{e}");
        }
        let e = decode(br#"[["1","2"]]"#).unwrap_err().to_string();
        assert!(e.contains("expected a span object"), "{e}");
        // Deep nesting in an unknown field is skipped without recursion.
        let deep = format!(
            "[{{\"traceId\":\"1\",\"id\":\"2\",\"x\":{}{}}}]",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(decode(deep.as_bytes()).unwrap().len(), 1);
        // In a known field, the type is wrong at the first bracket.
        let deep = format!(
            "[{{\"traceId\":\"1\",\"id\":\"2\",\"tags\":{{\"a\":{}}}}}]",
            "[".repeat(100_000)
        );
        let e = decode(deep.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("invalid type: sequence, expected a string"), "{e}");
        assert!(decode(b"[\xff]").is_err());
    }
}
