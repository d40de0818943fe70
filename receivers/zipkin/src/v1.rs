//! Zipkin v1 spans (decoded from JSON or Thrift) to OTLP, as Go's
//! `zipkinv1` translator does it:
//!
//! - the core annotations decide the kind (the first of `cs`/`cr` CLIENT,
//!   `sr`/`ss` SERVER, `ms` PRODUCER, `mr` CONSUMER) and the endpoint (the
//!   first core annotation's with a service name); the earliest and latest
//!   annotation give start and end unless the span has a `timestamp` (then
//!   `timestamp` and `timestamp + duration`); other annotations are events;
//! - binary annotations become attributes (`lc` renamed `component`, typed
//!   with `parse_string_tags`), except the status ones: `census.status_code`
//!   and `census.status_description`/`opencensus.status_description`,
//!   `otel.status_code` (a number) and `otel.status_description`, `error`;
//!   `http.status_code` and `http.status_message` are kept and also give a
//!   status when nothing else does (1xx–3xx UNSET, others ERROR);
//! - a span without a service name on its annotations takes the one of its
//!   binary annotations' endpoints, else its `lc` value, else
//!   `unknown-service`;
//! - spans are grouped into one resource per endpoint: `service.name`, and
//!   `ipv4`, `ipv6` and `port` (strings) when any is known;
//! - a JSON span with no time at all gets the receive time and
//!   `otel.zipkin.absentField.startTime: true` (a Thrift one keeps 0, as in
//!   Go).

use std::time::{SystemTime, UNIX_EPOCH};

use otelcol_component::proto::common::v1::{AnyValue, any_value};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::span::{Event, SpanKind};
use otelcol_component::proto::trace::v1::status::StatusCode;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

use crate::error::{DecodeError, Format};
use crate::model::{Attributes, SERVICE_NAME, START_TIME_ABSENT, boolean, micros_to_nanos, span_id_bytes};

/// The service name of a span whose annotations name none.
pub(crate) const UNKNOWN_SERVICE: &str = "unknown-service";

/// A v1 endpoint, as Go keeps it (addresses as text).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct V1Endpoint {
    pub(crate) service_name: String,
    pub(crate) ipv4: String,
    pub(crate) ipv6: String,
    pub(crate) port: i32,
}

/// A v1 annotation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct V1Annotation {
    /// Epoch microseconds.
    pub(crate) timestamp: i64,
    pub(crate) value: String,
    pub(crate) endpoint: Option<V1Endpoint>,
}

/// A v1 binary annotation, its value already typed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct V1BinaryAnnotation {
    pub(crate) key: String,
    pub(crate) value: AnyValue,
    /// The value as text (the `lc` annotation's value names a service).
    pub(crate) text: String,
    pub(crate) endpoint: Option<V1Endpoint>,
}

/// A decoded v1 span with valid ids.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct V1Span {
    pub(crate) trace_id: [u8; 16],
    pub(crate) id: u64,
    /// 0 when absent.
    pub(crate) parent_id: u64,
    pub(crate) name: String,
    /// Epoch microseconds, when given (v1 JSON: 0 is absent).
    pub(crate) timestamp: Option<i64>,
    /// Microseconds.
    pub(crate) duration: i64,
    /// Give a span without a start the receive time (Go does it for JSON
    /// spans, not Thrift ones).
    pub(crate) fill_absent_start: bool,
    pub(crate) annotations: Vec<V1Annotation>,
    pub(crate) binary_annotations: Vec<V1BinaryAnnotation>,
}

/// Translates `spans` to OTLP, one resource per endpoint in order of first
/// appearance.
pub(crate) fn to_otlp(spans: Vec<V1Span>, format: Format) -> Result<Vec<ResourceSpans>, DecodeError> {
    let mut out: Vec<ResourceSpans> = Vec::new();
    let mut keys: Vec<V1Endpoint> = Vec::new();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    for (index, zspan) in spans.into_iter().enumerate() {
        let (span, endpoint) = span(zspan, now).map_err(|m| DecodeError::span(format, index, m))?;
        let i = match keys.iter().position(|k| *k == endpoint) {
            Some(i) => i,
            None => {
                out.push(ResourceSpans {
                    resource: Some(resource(&endpoint)),
                    scope_spans: vec![ScopeSpans::default()],
                    ..Default::default()
                });
                keys.push(endpoint);
                keys.len() - 1
            }
        };
        if let Some(ss) = out.get_mut(i).and_then(|rs| rs.scope_spans.first_mut()) {
            ss.spans.push(span);
        }
    }
    Ok(out)
}

fn resource(ep: &V1Endpoint) -> Resource {
    let mut attrs = Attributes::default();
    attrs.put_str(SERVICE_NAME, ep.service_name.clone());
    if !ep.ipv4.is_empty() {
        attrs.put_str("ipv4", ep.ipv4.clone());
    }
    if !ep.ipv6.is_empty() {
        attrs.put_str("ipv6", ep.ipv6.clone());
    }
    if ep.port != 0 {
        attrs.put_str("port", ep.port.to_string());
    }
    Resource {
        attributes: attrs.into_vec(),
        ..Default::default()
    }
}

fn nanos(us: i64) -> Result<u64, String> {
    if us <= 0 {
        return Ok(0);
    }
    u64::try_from(us)
        .ok()
        .and_then(micros_to_nanos)
        .ok_or_else(|| format!("timestamp {us} out of range"))
}

fn span(z: V1Span, now: u64) -> Result<(Span, V1Endpoint), String> {
    let mut span = Span {
        trace_id: z.trace_id.to_vec(),
        span_id: span_id_bytes(z.id),
        parent_span_id: span_id_bytes(z.parent_id),
        name: z.name,
        ..Default::default()
    };
    let mut endpoint = annotations(&mut span, z.annotations)?;
    let mut attrs = Attributes::default();
    let fallback = binary_annotations(&mut span, &mut attrs, z.binary_annotations);
    if endpoint.service_name == UNKNOWN_SERVICE && !fallback.is_empty() {
        endpoint.service_name = fallback;
    }
    if let Some(ts) = z.timestamp {
        span.start_time_unix_nano = nanos(ts)?;
        span.end_time_unix_nano = nanos(ts.saturating_add(z.duration))?;
    }
    if z.fill_absent_start && span.start_time_unix_nano == 0 {
        span.start_time_unix_nano = now;
        span.end_time_unix_nano = now;
        attrs.put(START_TIME_ABSENT, boolean(true));
    }
    span.attributes = attrs.into_vec();
    Ok((span, endpoint))
}

/// Kind, times, events and endpoint from the annotations (Go's
/// `jsonAnnotationsToSpanAndEndpoint`).
fn annotations(span: &mut Span, annotations: Vec<V1Annotation>) -> Result<V1Endpoint, String> {
    let mut early = i64::MAX;
    let mut late = i64::MIN;
    let mut endpoint: Option<V1Endpoint> = None;
    let mut kind_set = false;
    for a in annotations {
        if a.value.is_empty() {
            continue;
        }
        let named = a.endpoint.as_ref().is_some_and(|e| !e.service_name.is_empty());
        let kind = match a.value.as_str() {
            "cs" | "cr" => Some(SpanKind::Client),
            "ms" => Some(SpanKind::Producer),
            "mr" => Some(SpanKind::Consumer),
            "ss" | "sr" => Some(SpanKind::Server),
            _ => None,
        };
        if let Some(kind) = kind {
            if endpoint.is_none() && named {
                endpoint = a.endpoint.clone();
            }
            if !kind_set {
                span.kind = kind as i32;
                kind_set = true;
            }
        }
        let ts = nanos(a.timestamp)?;
        if a.timestamp < early {
            early = a.timestamp;
            span.start_time_unix_nano = ts;
        }
        if a.timestamp > late {
            late = a.timestamp;
            span.end_time_unix_nano = ts;
        }
        if kind.is_none() {
            span.events.push(Event {
                time_unix_nano: ts,
                name: a.value,
                ..Default::default()
            });
        }
    }
    Ok(endpoint.unwrap_or_else(|| V1Endpoint {
        service_name: UNKNOWN_SERVICE.to_string(),
        ..Default::default()
    }))
}

/// Attributes and status from the binary annotations; returns the service
/// name they suggest (the last endpoint's, else the `lc` value).
fn binary_annotations(span: &mut Span, attrs: &mut Attributes, list: Vec<V1BinaryAnnotation>) -> String {
    let mut fallback = String::new();
    let mut local_component = String::new();
    let mut status = StatusMapper::default();
    for b in list {
        if let Some(ep) = &b.endpoint {
            if !ep.service_name.is_empty() {
                fallback = ep.service_name.clone();
            }
        }
        let mut key = b.key;
        if key == "lc" {
            key = "component".to_string();
            local_component = b.text;
        }
        if status.take(&key, &b.value) {
            continue;
        }
        attrs.put(&key, b.value);
    }
    if fallback.is_empty() {
        fallback = local_component;
    }
    span.status = status.status();
    fallback
}

/// One status source: a code (when found) and a message.
#[derive(Default)]
struct Source {
    code: Option<StatusCode>,
    message: String,
}

/// Go's `statusMapper`: collects the status found in several tag families
/// and picks the best.
#[derive(Default)]
struct StatusMapper {
    census: Source,
    otel: Source,
    http: Source,
    error: Source,
}

fn as_text(v: &AnyValue) -> String {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        _ => String::new(),
    }
}

/// An integer or integer string in the 32-bit range.
fn as_code(v: &AnyValue) -> Option<i32> {
    match &v.value {
        Some(any_value::Value::IntValue(i)) => i32::try_from(*i).ok(),
        Some(any_value::Value::StringValue(s)) => s.parse::<i64>().ok().and_then(|i| i32::try_from(i).ok()),
        _ => None,
    }
}

impl StatusMapper {
    /// Looks at one binary annotation; true when it is consumed (not an
    /// attribute).
    fn take(&mut self, key: &str, value: &AnyValue) -> bool {
        match key {
            "census.status_code" => {
                if let Some(code) = as_code(value) {
                    // OpenCensus OK is 0; anything else is an error.
                    self.census.code = Some(if code == 0 {
                        StatusCode::Ok
                    } else {
                        StatusCode::Error
                    });
                }
                true
            }
            "census.status_description" | "opencensus.status_description" => {
                self.census.message = as_text(value);
                true
            }
            "otel.status_code" => {
                if let Some(code) = as_code(value) {
                    self.otel.code = Some(match code {
                        1 => StatusCode::Ok,
                        2 => StatusCode::Error,
                        _ => StatusCode::Unset,
                    });
                }
                true
            }
            "otel.status_description" => {
                self.otel.message = as_text(value);
                true
            }
            "http.status_code" => {
                if let Some(code) = as_code(value) {
                    self.http.code = Some(if (100..400).contains(&code) {
                        StatusCode::Unset
                    } else {
                        StatusCode::Error
                    });
                }
                false
            }
            "http.status_message" => {
                self.http.message = as_text(value);
                false
            }
            "error" => {
                self.error.code = Some(StatusCode::Error);
                true
            }
            _ => false,
        }
    }

    fn status(self) -> Option<Status> {
        let (code, message) = if let Some(c) = self.census.code {
            (c, self.census.message)
        } else if let Some(c) = self.otel.code {
            (c, self.otel.message)
        } else if let Some(c) = self.error.code {
            let message = if !self.census.message.is_empty() {
                self.census.message
            } else {
                self.otel.message
            };
            (c, message)
        } else if let Some(c) = self.http.code {
            (c, self.http.message)
        } else {
            return None;
        };
        let status = Status {
            code: code as i32,
            message,
        };
        (status != Status::default()).then_some(status)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use otelcol_component::proto::common::v1::KeyValue;

    use super::*;
    use crate::model::{int, string};

    fn ep(service: &str) -> Option<V1Endpoint> {
        Some(V1Endpoint {
            service_name: service.into(),
            ipv4: "10.0.0.1".into(),
            ipv6: String::new(),
            port: 8080,
        })
    }

    fn ann(ts: i64, value: &str, service: &str) -> V1Annotation {
        V1Annotation {
            timestamp: ts,
            value: value.into(),
            endpoint: if service.is_empty() { None } else { ep(service) },
        }
    }

    fn bin(key: &str, value: AnyValue, service: &str) -> V1BinaryAnnotation {
        V1BinaryAnnotation {
            key: key.into(),
            text: as_text(&value),
            value,
            endpoint: if service.is_empty() { None } else { ep(service) },
        }
    }

    fn v1(annotations: Vec<V1Annotation>, binary: Vec<V1BinaryAnnotation>) -> V1Span {
        V1Span {
            trace_id: crate::model::trace_id_bytes(0, 1),
            id: 2,
            parent_id: 0,
            name: "op".into(),
            timestamp: None,
            duration: 0,
            fill_absent_start: true,
            annotations,
            binary_annotations: binary,
        }
    }

    fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
        attrs
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
    }

    fn one(s: V1Span) -> (Resource, Span) {
        let mut out = to_otlp(vec![s], Format::V1Json).unwrap();
        let mut rs = out.remove(0);
        (
            rs.resource.take().unwrap(),
            rs.scope_spans.remove(0).spans.remove(0),
        )
    }

    /// Go's kind table: the first core annotation decides.
    #[test]
    fn kinds_from_core_annotations() {
        let cases: &[(&[&str], SpanKind)] = &[
            (&["cs", "cr"], SpanKind::Client),
            (&["cr"], SpanKind::Client),
            (&["sr", "ss"], SpanKind::Server),
            (&["ss"], SpanKind::Server),
            (&["ms"], SpanKind::Producer),
            (&["mr"], SpanKind::Consumer),
            (&["sr", "cs"], SpanKind::Server),
            (&["custom"], SpanKind::Unspecified),
            (&[], SpanKind::Unspecified),
        ];
        for (values, want) in cases {
            let anns = values
                .iter()
                .enumerate()
                .map(|(i, v)| ann(100 + i as i64, v, "svc"))
                .collect();
            let (_, s) = one(v1(anns, vec![]));
            assert_eq!(s.kind, *want as i32, "{values:?}");
        }
    }

    #[test]
    fn times_events_and_endpoint_from_annotations() {
        let anns = vec![
            ann(300, "cr", "frontend"),
            ann(100, "cs", ""),
            ann(200, "custom.event", "other"),
            ann(250, "", "ignored"),
        ];
        let (r, s) = one(v1(anns.clone(), vec![]));
        assert_eq!((s.start_time_unix_nano, s.end_time_unix_nano), (100_000, 300_000));
        assert_eq!(s.events.len(), 1);
        assert_eq!(
            (s.events[0].name.as_str(), s.events[0].time_unix_nano),
            ("custom.event", 200_000)
        );
        assert_eq!(attr(&r.attributes, "service.name"), Some(&string("frontend")));
        assert_eq!(attr(&r.attributes, "ipv4"), Some(&string("10.0.0.1")));
        assert_eq!(attr(&r.attributes, "port"), Some(&string("8080")));
        // The span's own timestamp wins over the annotations.
        let mut z = v1(anns, vec![]);
        z.timestamp = Some(1000);
        z.duration = 50;
        let (_, s) = one(z);
        assert_eq!(
            (s.start_time_unix_nano, s.end_time_unix_nano),
            (1_000_000, 1_050_000)
        );
        // No time at all: the receive time, flagged.
        let (r, s) = one(v1(vec![], vec![]));
        assert!(s.start_time_unix_nano > 1_600_000_000_000_000_000);
        assert_eq!(s.start_time_unix_nano, s.end_time_unix_nano);
        assert_eq!(attr(&s.attributes, START_TIME_ABSENT), Some(&boolean(true)));
        assert_eq!(r.attributes.len(), 1);
        assert_eq!(
            attr(&r.attributes, "service.name"),
            Some(&string(UNKNOWN_SERVICE))
        );
    }

    #[test]
    fn service_name_fallbacks() {
        // From a binary annotation's endpoint.
        let (r, _) = one(v1(
            vec![ann(1, "cs", "")],
            vec![bin("k", string("v"), "from-bin")],
        ));
        assert_eq!(attr(&r.attributes, "service.name"), Some(&string("from-bin")));
        // From `lc`, which becomes `component`.
        let (r, s) = one(v1(vec![], vec![bin("lc", string("my-lc"), "")]));
        assert_eq!(attr(&r.attributes, "service.name"), Some(&string("my-lc")));
        assert_eq!(attr(&s.attributes, "component"), Some(&string("my-lc")));
        assert!(attr(&s.attributes, "lc").is_none());
    }

    /// Go's status mapper table.
    #[test]
    fn statuses() {
        type Case<'a> = (
            Vec<(&'a str, AnyValue)>,
            Option<(StatusCode, &'a str)>,
            &'a [&'a str],
        );
        let cases: Vec<Case<'_>> = vec![
            (vec![], None, &[]),
            (
                vec![("census.status_code", int(0))],
                Some((StatusCode::Ok, "")),
                &[],
            ),
            (
                vec![
                    ("census.status_code", string("13")),
                    ("census.status_description", string("m")),
                ],
                Some((StatusCode::Error, "m")),
                &[],
            ),
            (
                vec![
                    ("otel.status_code", string("2")),
                    ("otel.status_description", string("d")),
                ],
                Some((StatusCode::Error, "d")),
                &[],
            ),
            (vec![("otel.status_code", string("ERROR"))], None, &[]),
            (
                vec![("error", string("boom"))],
                Some((StatusCode::Error, "")),
                &[],
            ),
            (
                vec![("error", string("")), ("otel.status_description", string("why"))],
                Some((StatusCode::Error, "why")),
                &[],
            ),
            (
                vec![
                    ("http.status_code", string("404")),
                    ("http.status_message", string("nf")),
                ],
                Some((StatusCode::Error, "nf")),
                &["http.status_code", "http.status_message"],
            ),
            (vec![("http.status_code", int(200))], None, &["http.status_code"]),
            (
                vec![("http.status_code", int(500)), ("census.status_code", int(0))],
                Some((StatusCode::Ok, "")),
                &["http.status_code"],
            ),
        ];
        for (bins, want, kept) in cases {
            let list = bins.iter().map(|(k, v)| bin(k, v.clone(), "s")).collect();
            let (_, s) = one(v1(vec![], list));
            let got = s.status.as_ref().map(|st| (st.code, st.message.as_str()));
            assert_eq!(got, want.map(|(c, m)| (c as i32, m)), "{bins:?}");
            let keys: Vec<&str> = s
                .attributes
                .iter()
                .map(|kv| kv.key.as_str())
                .filter(|k| *k != START_TIME_ABSENT)
                .collect();
            assert_eq!(keys, kept, "{bins:?}");
        }
    }

    #[test]
    fn one_resource_per_endpoint() {
        let spans = vec![
            v1(vec![ann(1, "sr", "a")], vec![]),
            v1(vec![ann(1, "sr", "b")], vec![]),
            v1(vec![ann(1, "cs", "a")], vec![]),
        ];
        let out = to_otlp(spans, Format::V1Json).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].scope_spans[0].spans.len(), 2);
        assert_eq!(out[1].scope_spans[0].spans.len(), 1);
        let mut big = v1(vec![ann(i64::MAX, "x", "a")], vec![]);
        big.id = 3;
        let e = to_otlp(vec![big], Format::V1Thrift).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "invalid Zipkin v1 Thrift span #0: timestamp {} out of range",
                i64::MAX
            )
        );
    }
}
