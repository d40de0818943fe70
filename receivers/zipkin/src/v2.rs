//! Zipkin v2 spans (decoded from JSON or protobuf) to OTLP, as Go's
//! `zipkinv2.ToTranslator` does it:
//!
//! - spans are grouped into resources by `localEndpoint.serviceName` and,
//!   inside, into scopes by the `otel.library.name` tag (spans are sorted by
//!   both first, keeping their order otherwise);
//! - the resource gets `service.name` (or the key the
//!   `otlp.service.name.source` tag names) and the resource-convention tags
//!   of its first span; the scope its name and version from the tags;
//! - trace and span ids (64 or 128-bit), parent id (dropped when equal to
//!   the span id), name, kind (`CLIENT`/`SERVER`/`PRODUCER`/`CONSUMER`; else
//!   the `span.kind` tag, `internal` giving INTERNAL), `w3c.tracestate`;
//! - status from `otel.status_code`/`otel.status_description`, and ERROR
//!   whenever an `error` tag is present (the tag is kept unless its value is
//!   `true`);
//! - links from `otlp.link.N` tags, events from annotations (`name|{json
//!   attributes}|dropped` values are split back);
//! - the other tags become attributes (typed with `parse_string_tags`), then
//!   the endpoints: `network.local.address`, `net.host.port`,
//!   `service.peer.name`, `network.peer.address`, `net.peer.port`;
//! - timestamps µs → ns; a span without a start gets start 0, end =
//!   duration, and `otel.zipkin.absentField.startTime: true`.
//!
//! `debug` and `shared` are read but, as in Go, not carried over.

use std::net::IpAddr;

use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::span::{Event, Link, SpanKind};
use otelcol_component::proto::trace::v1::status::StatusCode;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

use crate::error::{DecodeError, Format};
use crate::model::{
    Attributes, NO_SERVICE_NAME, SERVICE_NAME, START_TIME_ABSENT, TAG_ERROR, TAG_LIBRARY_NAME,
    TAG_LIBRARY_VERSION, TAG_SCOPE_NAME, TAG_SCOPE_VERSION, TAG_SERVICE_NAME_SOURCE, TAG_SPAN_KIND,
    TAG_STATUS_CODE, TAG_STATUS_DESCRIPTION, TAG_W3C_TRACESTATE, Tags, boolean, double, int, is_non_span_key,
    is_resource_key, net, span_id_bytes, string, tag_value,
};

/// A Zipkin v2 span kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Client,
    Server,
    Producer,
    Consumer,
    /// Absent or anything else (then the `span.kind` tag decides).
    Unknown,
}

impl Kind {
    /// The kind a JSON `kind` string names (exact upper case, as Go).
    pub(crate) fn from_name(s: &str) -> Kind {
        match s {
            "CLIENT" => Kind::Client,
            "SERVER" => Kind::Server,
            "PRODUCER" => Kind::Producer,
            "CONSUMER" => Kind::Consumer,
            _ => Kind::Unknown,
        }
    }
}

/// A v2 endpoint. Absent when every field is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) service_name: String,
    pub(crate) ipv4: Option<IpAddr>,
    pub(crate) ipv6: Option<IpAddr>,
    pub(crate) port: u16,
}

impl Endpoint {
    /// `None` for an endpoint with nothing in it (zipkin-go's `Empty`).
    pub(crate) fn non_empty(self) -> Option<Endpoint> {
        (self != Endpoint::default()).then_some(self)
    }
}

/// Go's `net.IP.String()`: IPv4-mapped IPv6 addresses print as IPv4.
pub(crate) fn ip_string(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// An annotation: epoch nanoseconds and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Annotation {
    pub(crate) time_ns: u64,
    pub(crate) value: String,
}

/// A decoded v2 span, checked: ids valid, times in range.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ZSpan {
    pub(crate) trace_id: [u8; 16],
    pub(crate) id: u64,
    /// 0 when absent.
    pub(crate) parent_id: u64,
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// Epoch nanoseconds; `None` when the span had no timestamp.
    pub(crate) start_ns: Option<u64>,
    pub(crate) duration_ns: u64,
    pub(crate) local: Option<Endpoint>,
    pub(crate) remote: Option<Endpoint>,
    pub(crate) annotations: Vec<Annotation>,
    pub(crate) tags: Tags,
}

impl ZSpan {
    fn service_name(&self) -> &str {
        match &self.local {
            Some(ep) if !ep.service_name.is_empty() => &ep.service_name,
            _ => NO_SERVICE_NAME,
        }
    }

    /// The scope name the span is grouped by: `otel.library.name`, else
    /// `otel.scope.name`.
    fn library(&self) -> &str {
        self.tags
            .get(TAG_LIBRARY_NAME)
            .or_else(|| self.tags.get(TAG_SCOPE_NAME))
            .unwrap_or("")
    }
}

/// Translates `spans` (in body order, for error positions) to OTLP.
pub(crate) fn to_otlp(
    spans: Vec<ZSpan>,
    parse_string_tags: bool,
    format: Format,
) -> Result<Vec<ResourceSpans>, DecodeError> {
    let mut spans: Vec<(usize, ZSpan)> = spans.into_iter().enumerate().collect();
    // Go sorts by (service, library); a stable sort keeps the rest in order.
    spans.sort_by(|(_, a), (_, b)| {
        a.service_name()
            .cmp(b.service_name())
            .then_with(|| a.library().cmp(b.library()))
    });
    let mut out: Vec<ResourceSpans> = Vec::new();
    let mut prev_service: Option<String> = None;
    let mut prev_library: Option<String> = None;
    for (index, mut zspan) in spans {
        let service = zspan.service_name().to_string();
        let library = zspan.library().to_string();
        if prev_service.as_deref() != Some(service.as_str()) {
            out.push(ResourceSpans {
                resource: Some(resource(&mut zspan.tags, &service)),
                ..Default::default()
            });
            prev_service = Some(service);
            prev_library = None;
        }
        let Some(rs) = out.last_mut() else {
            continue;
        };
        if prev_library.as_deref() != Some(library.as_str()) {
            rs.scope_spans.push(ScopeSpans {
                scope: Some(scope(&mut zspan.tags, &library)),
                ..Default::default()
            });
            prev_library = Some(library);
        }
        let span = span(zspan, parse_string_tags).map_err(|m| DecodeError::span(format, index, m))?;
        if let Some(ss) = rs.scope_spans.last_mut() {
            ss.spans.push(span);
        }
    }
    Ok(out)
}

/// The resource of a group, from its first span (Go's
/// `populateResourceFromZipkinSpan`): the resource tags move out of it.
fn resource(tags: &mut Tags, service: &str) -> Resource {
    let mut attrs = Attributes::default();
    if service != NO_SERVICE_NAME {
        let source = tags.remove(TAG_SERVICE_NAME_SOURCE).unwrap_or_default();
        let key = if source.is_empty() {
            SERVICE_NAME
        } else {
            source.as_str()
        };
        attrs.put_str(key, service);
        let moved: Vec<String> = tags
            .iter()
            .filter(|(k, _)| is_resource_key(k))
            .map(|(k, _)| k.to_string())
            .collect();
        for key in moved {
            if let Some(value) = tags.remove(&key) {
                attrs.put_str(&key, value);
            }
        }
    }
    Resource {
        attributes: attrs.into_vec(),
        ..Default::default()
    }
}

/// The scope of a group, from its first span's tags.
fn scope(tags: &mut Tags, library: &str) -> InstrumentationScope {
    let mut scope = InstrumentationScope::default();
    if library.is_empty() {
        return scope;
    }
    let (name_key, version_key) = if tags.get(TAG_LIBRARY_NAME).is_some() {
        (TAG_LIBRARY_NAME, TAG_LIBRARY_VERSION)
    } else {
        (TAG_SCOPE_NAME, TAG_SCOPE_VERSION)
    };
    scope.name = tags.remove(name_key).unwrap_or_default();
    scope.version = tags.remove(version_key).unwrap_or_default();
    scope
}

fn span(z: ZSpan, parse_string_tags: bool) -> Result<Span, String> {
    let mut tags = z.tags;
    let mut span = Span {
        trace_id: z.trace_id.to_vec(),
        span_id: span_id_bytes(z.id),
        trace_state: tags.remove(TAG_W3C_TRACESTATE).unwrap_or_default(),
        name: z.name,
        ..Default::default()
    };
    if z.parent_id != z.id {
        span.parent_span_id = span_id_bytes(z.parent_id);
    }
    span.kind = kind(&z.kind, &mut tags) as i32;
    span.status = status(&mut tags);
    span.links = links(&mut tags)?;
    let mut attrs = Attributes::default();
    for (key, value) in tags.iter() {
        if !is_non_span_key(key) {
            attrs.put(key, tag_value(value, parse_string_tags));
        }
    }
    if let Some(ep) = &z.local {
        for ip in [ep.ipv4, ep.ipv6].into_iter().flatten() {
            attrs.put_str(net::LOCAL_ADDRESS, ip_string(ip));
        }
        if ep.port > 0 {
            attrs.put_int(net::LOCAL_PORT, i64::from(ep.port));
        }
    }
    if let Some(ep) = &z.remote {
        if !ep.service_name.is_empty() {
            attrs.put_str(net::PEER_SERVICE, ep.service_name.clone());
        }
        for ip in [ep.ipv4, ep.ipv6].into_iter().flatten() {
            attrs.put_str(net::PEER_ADDRESS, ip_string(ip));
        }
        if ep.port > 0 {
            attrs.put_int(net::PEER_PORT, i64::from(ep.port));
        }
    }
    match z.start_ns {
        Some(start) => {
            span.start_time_unix_nano = start;
            span.end_time_unix_nano = start.saturating_add(z.duration_ns);
        }
        None => {
            span.start_time_unix_nano = 0;
            span.end_time_unix_nano = z.duration_ns;
            attrs.put(START_TIME_ABSENT, boolean(true));
        }
    }
    span.attributes = attrs.into_vec();
    span.events = z.annotations.into_iter().map(event).collect::<Result<_, _>>()?;
    Ok(span)
}

fn kind(kind: &Kind, tags: &mut Tags) -> SpanKind {
    match kind {
        Kind::Client => SpanKind::Client,
        Kind::Server => SpanKind::Server,
        Kind::Producer => SpanKind::Producer,
        Kind::Consumer => SpanKind::Consumer,
        Kind::Unknown => match tags.remove(TAG_SPAN_KIND).as_deref() {
            Some("internal") => SpanKind::Internal,
            _ => SpanKind::Unspecified,
        },
    }
}

/// The status code an `otel.status_code` tag names: Go's
/// `STATUS_CODE_*` and `Unset`/`Ok`/`Error` spellings, plus the
/// specification's `UNSET`/`OK`/`ERROR` (which OpenTelemetry SDKs' Zipkin
/// exporters send); anything else is UNSET.
fn status_code(value: &str) -> StatusCode {
    match value {
        "STATUS_CODE_OK" | "Ok" | "OK" => StatusCode::Ok,
        "STATUS_CODE_ERROR" | "Error" | "ERROR" => StatusCode::Error,
        _ => StatusCode::Unset,
    }
}

fn status(tags: &mut Tags) -> Option<Status> {
    let mut status = Status::default();
    if let Some(code) = tags.remove(TAG_STATUS_CODE) {
        status.code = status_code(&code) as i32;
        if let Some(message) = tags.remove(TAG_STATUS_DESCRIPTION) {
            status.message = message;
        }
    }
    if let Some(error) = tags.get(TAG_ERROR) {
        status.code = StatusCode::Error as i32;
        if error == "true" {
            tags.remove(TAG_ERROR);
        }
    }
    (status != Status::default()).then_some(status)
}

/// Links encoded as `otlp.link.0`, `otlp.link.1`, ... tags, each
/// `traceId|spanId|traceState|{json attributes}|droppedAttributesCount`
/// (Go's `zTagsToSpanLinks`): read until the first missing index; values
/// with fewer than 5 parts are dropped.
fn links(tags: &mut Tags) -> Result<Vec<Link>, String> {
    let mut links = Vec::new();
    for i in 0..128 {
        let key = format!("otlp.link.{i}");
        let Some(value) = tags.remove(&key) else {
            break;
        };
        let parts: Vec<&str> = value.split('|').collect();
        let n = parts.len();
        if n < 5 {
            continue;
        }
        let mut link = Link {
            trace_id: hex_id::<16>(parts[0]).map_err(|e| format!("{key}: trace id: {e}"))?,
            span_id: hex_id::<8>(parts[1]).map_err(|e| format!("{key}: span id: {e}"))?,
            trace_state: parts[2].to_string(),
            ..Default::default()
        };
        let json = if n == 5 {
            parts[3].to_string()
        } else {
            parts[3..n - 1].join("|")
        };
        link.attributes = json_attributes(&json).map_err(|e| format!("{key}: attributes: {e}"))?;
        link.dropped_attributes_count = parts[n - 1]
            .parse()
            .map_err(|e| format!("{key}: dropped attributes count: {e}"))?;
        links.push(link);
    }
    Ok(links)
}

/// An id written as hex, possibly quoted; empty gives no id.
fn hex_id<const N: usize>(s: &str) -> Result<Vec<u8>, String> {
    let s = s.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(s);
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if s.len() != 2 * N {
        return Err("invalid length for ID".into());
    }
    (0..N)
        .map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| format!("cannot unmarshal ID from string {s:?}"))
        })
        .collect()
}

/// A JSON object as attributes (Go's `jsonMapToAttributeMap`): strings,
/// numbers (integral ones as integers), booleans; other values dropped.
fn json_attributes(json: &str) -> Result<Vec<KeyValue>, String> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut attrs = Attributes::default();
    for (key, value) in map {
        let v = match value {
            serde_json::Value::String(s) => string(s),
            serde_json::Value::Bool(b) => boolean(b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => int(i),
                (None, Some(d)) if d.fract() == 0.0 && d.abs() < 9.2e18 => int(d as i64),
                (None, Some(d)) => double(d),
                (None, None) => continue,
            },
            _ => continue,
        };
        attrs.put(&key, v);
    }
    Ok(attrs.into_vec())
}

/// An annotation as an event (Go's `populateSpanEvents`): the value split
/// on `|`; with 3 or more parts, `name|{json attributes}|dropped`.
fn event(a: Annotation) -> Result<Event, String> {
    let parts: Vec<&str> = a.value.split('|').collect();
    let n = parts.len();
    let mut event = Event {
        time_unix_nano: a.time_ns,
        name: parts.first().copied().unwrap_or_default().to_string(),
        ..Default::default()
    };
    if n < 3 {
        return Ok(event);
    }
    let json = if n == 3 {
        parts[1].to_string()
    } else {
        parts[1..n - 1].join("|")
    };
    event.attributes = json_attributes(&json).map_err(|e| format!("annotation {:?}: {e}", event.name))?;
    event.dropped_attributes_count = parts[n - 1]
        .parse()
        .map_err(|e| format!("annotation {:?}: dropped attributes count: {e}", event.name))?;
    Ok(event)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use otelcol_component::proto::common::v1::AnyValue;

    use super::*;
    use crate::model::parse_trace_id;

    pub(crate) fn zspan(id: u64, service: &str, tags: &[(&str, &str)]) -> ZSpan {
        ZSpan {
            trace_id: parse_trace_id("5af7183fb1d4cf5f").unwrap(),
            id,
            parent_id: 0,
            name: format!("span-{id}"),
            kind: Kind::Unknown,
            start_ns: Some(1_000_000),
            duration_ns: 500,
            local: (!service.is_empty()).then(|| Endpoint {
                service_name: service.to_string(),
                ..Default::default()
            }),
            remote: None,
            annotations: Vec::new(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    fn one(z: ZSpan) -> (Resource, InstrumentationScope, Span) {
        let mut out = to_otlp(vec![z], false, Format::V2Json).unwrap();
        assert_eq!(out.len(), 1);
        let mut rs = out.remove(0);
        let mut ss = rs.scope_spans.remove(0);
        (rs.resource.unwrap(), ss.scope.unwrap(), ss.spans.remove(0))
    }

    fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
        attrs
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
    }

    /// Go's kind mapping: the Zipkin kind, else the `span.kind` tag.
    #[test]
    fn kinds() {
        let cases: &[(Kind, Option<&str>, SpanKind, bool)] = &[
            (Kind::Client, None, SpanKind::Client, false),
            (Kind::Server, None, SpanKind::Server, false),
            (Kind::Producer, None, SpanKind::Producer, false),
            (Kind::Consumer, None, SpanKind::Consumer, false),
            (Kind::Unknown, None, SpanKind::Unspecified, false),
            (Kind::Unknown, Some("internal"), SpanKind::Internal, false),
            (Kind::Unknown, Some("client"), SpanKind::Unspecified, false),
            // The tag is only read (and consumed) when the kind is absent.
            (Kind::Server, Some("internal"), SpanKind::Server, true),
        ];
        for (k, tag, want, tag_kept) in cases {
            let tags: Vec<(&str, &str)> = tag.iter().map(|t| ("span.kind", *t)).collect();
            let mut z = zspan(1, "svc", &tags);
            z.kind = k.clone();
            let (_, _, s) = one(z);
            assert_eq!(s.kind, *want as i32, "{k:?} {tag:?}");
            assert_eq!(
                attr(&s.attributes, "span.kind").is_some(),
                *tag_kept,
                "{k:?} {tag:?}"
            );
        }
        assert_eq!(Kind::from_name("client"), Kind::Unknown, "case matters, as in Go");
    }

    /// Go's status mapping: `otel.status_code` (+ description), then any
    /// `error` tag makes it ERROR (the tag kept unless `true`).
    #[test]
    fn statuses() {
        type Case<'a> = (&'a [(&'a str, &'a str)], StatusCode, &'a str, Option<&'a str>);
        let cases: &[Case<'_>] = &[
            (&[], StatusCode::Unset, "", None),
            (
                &[("otel.status_code", "STATUS_CODE_OK")],
                StatusCode::Ok,
                "",
                None,
            ),
            (&[("otel.status_code", "Ok")], StatusCode::Ok, "", None),
            (&[("otel.status_code", "OK")], StatusCode::Ok, "", None),
            (
                &[
                    ("otel.status_code", "STATUS_CODE_ERROR"),
                    ("otel.status_description", "boom"),
                ],
                StatusCode::Error,
                "boom",
                None,
            ),
            (&[("otel.status_code", "bogus")], StatusCode::Unset, "", None),
            (&[("error", "true")], StatusCode::Error, "", None),
            (&[("error", "timeout")], StatusCode::Error, "", Some("timeout")),
            (&[("error", "")], StatusCode::Error, "", Some("")),
            (
                &[("otel.status_code", "ERROR"), ("error", "boom")],
                StatusCode::Error,
                "",
                Some("boom"),
            ),
        ];
        for (tags, code, message, error_attr) in cases {
            let (_, _, s) = one(zspan(1, "svc", tags));
            let st = s.status.clone().unwrap_or_default();
            assert_eq!(st.code, *code as i32, "{tags:?}");
            assert_eq!(st.message, *message, "{tags:?}");
            let kept = attr(&s.attributes, "error").cloned();
            assert_eq!(kept, error_attr.map(string), "{tags:?}");
            assert!(attr(&s.attributes, "otel.status_code").is_none());
        }
        // A description without a code stays an attribute.
        let (_, _, s) = one(zspan(1, "svc", &[("otel.status_description", "d")]));
        assert_eq!(attr(&s.attributes, "otel.status_description"), Some(&string("d")));
    }

    #[test]
    fn resources_scopes_and_attributes() {
        let tags = [
            ("service.name", "api"),
            ("telemetry.sdk.language", "python"),
            ("otel.library.name", "lib"),
            ("otel.library.version", "1.2"),
            ("otel.scope.name", "lib"),
            ("otel.scope.version", "1.2"),
            ("http.status_code", "200"),
            ("w3c.tracestate", "k=v"),
            ("opencensus.exporterversion", "x"),
        ];
        let (r, sc, s) = one(zspan(1, "api", &tags));
        assert_eq!(r.attributes.len(), 2);
        assert_eq!(attr(&r.attributes, "service.name"), Some(&string("api")));
        assert_eq!(
            attr(&r.attributes, "telemetry.sdk.language"),
            Some(&string("python"))
        );
        assert_eq!((sc.name.as_str(), sc.version.as_str()), ("lib", "1.2"));
        assert_eq!(s.trace_state, "k=v");
        let keys: Vec<&str> = s.attributes.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(keys, ["http.status_code"]);
        // parse_string_tags types it.
        let out = to_otlp(vec![zspan(1, "api", &tags)], true, Format::V2Json).unwrap();
        let s = &out[0].scope_spans[0].spans[0];
        assert_eq!(attr(&s.attributes, "http.status_code"), Some(&int(200)));
        // otlp.service.name.source renames the service attribute.
        let (r, _, _) = one(zspan(1, "api", &[("otlp.service.name.source", "peer.name")]));
        assert_eq!(attr(&r.attributes, "peer.name"), Some(&string("api")));
        assert!(attr(&r.attributes, "service.name").is_none());
        // No local service: an empty resource, resource tags dropped.
        let (r, _, s) = one(zspan(1, "", &[("host.name", "h"), ("k", "v")]));
        assert!(r.attributes.is_empty());
        assert_eq!(s.attributes.len(), 1);
    }

    /// (service, [(scope, [span names])]) of each resource.
    type Shape = Vec<(String, Vec<(String, Vec<String>)>)>;

    #[test]
    fn grouping_sorts_by_service_then_library() {
        let spans = vec![
            zspan(1, "b", &[]),
            zspan(2, "a", &[("otel.library.name", "y")]),
            zspan(3, "a", &[("otel.library.name", "x")]),
            zspan(4, "b", &[]),
            zspan(5, "a", &[("otel.library.name", "x")]),
        ];
        let out = to_otlp(spans, false, Format::V2Json).unwrap();
        let shape: Shape = out
            .iter()
            .map(|rs| {
                let svc = match attr(&rs.resource.as_ref().unwrap().attributes, "service.name") {
                    Some(AnyValue {
                        value: Some(otelcol_component::proto::common::v1::any_value::Value::StringValue(s)),
                    }) => s.clone(),
                    _ => String::new(),
                };
                let scopes = rs
                    .scope_spans
                    .iter()
                    .map(|ss| {
                        (
                            ss.scope.as_ref().unwrap().name.clone(),
                            ss.spans.iter().map(|s| s.name.clone()).collect(),
                        )
                    })
                    .collect();
                (svc, scopes)
            })
            .collect();
        let want = vec![
            (
                "a".to_string(),
                vec![
                    ("x".to_string(), vec!["span-3".to_string(), "span-5".to_string()]),
                    ("y".to_string(), vec!["span-2".to_string()]),
                ],
            ),
            (
                "b".to_string(),
                vec![(String::new(), vec!["span-1".to_string(), "span-4".to_string()])],
            ),
        ];
        assert_eq!(shape, want);
    }

    #[test]
    fn endpoints_ids_and_times() {
        let mut z = zspan(0xabc, "svc", &[("net.host.port", "1")]);
        z.parent_id = 0x123;
        z.local = Some(Endpoint {
            service_name: "svc".into(),
            ipv4: Some("10.0.0.1".parse().unwrap()),
            ipv6: None,
            port: 8080,
        });
        z.remote = Some(Endpoint {
            service_name: "db".into(),
            ipv4: Some("10.0.0.2".parse().unwrap()),
            ipv6: Some("::ffff:10.0.0.3".parse().unwrap()),
            port: 5432,
        });
        let (_, _, s) = one(z);
        assert_eq!(s.span_id, 0xabcu64.to_be_bytes());
        assert_eq!(s.parent_span_id, 0x123u64.to_be_bytes());
        assert_eq!(s.trace_id[8..], 0x5af7183fb1d4cf5fu64.to_be_bytes());
        let want = [
            ("net.host.port", int(8080)),
            ("network.local.address", string("10.0.0.1")),
            ("service.peer.name", string("db")),
            ("network.peer.address", string("10.0.0.3")),
            ("net.peer.port", int(5432)),
        ];
        assert_eq!(s.attributes.len(), want.len());
        for (k, v) in want {
            assert_eq!(attr(&s.attributes, k), Some(&v), "{k}");
        }
        assert_eq!(
            (s.start_time_unix_nano, s.end_time_unix_nano),
            (1_000_000, 1_000_500)
        );
        // The parent equal to the span id is dropped; no start time is marked.
        let mut z = zspan(7, "svc", &[]);
        z.parent_id = 7;
        z.start_ns = None;
        let (_, _, s) = one(z);
        assert!(s.parent_span_id.is_empty());
        assert_eq!((s.start_time_unix_nano, s.end_time_unix_nano), (0, 500));
        assert_eq!(attr(&s.attributes, START_TIME_ABSENT), Some(&boolean(true)));
        assert_eq!(ip_string("2001:db8::1".parse().unwrap()), "2001:db8::1");
    }

    #[test]
    fn events_and_links() {
        let mut z = zspan(
            1,
            "svc",
            &[
                (
                    "otlp.link.0",
                    "0102030405060708090a0b0c0d0e0f10|0102030405060708|k=v|{\"a\":1,\"b\":\"x|y\",\"c\":1.5,\"d\":true,\"e\":[1]}|3",
                ),
                ("otlp.link.1", "too|short"),
                ("otlp.link.3", "not|read|because|2|missing"),
            ],
        );
        z.annotations = vec![
            Annotation {
                time_ns: 5,
                value: "plain".into(),
            },
            Annotation {
                time_ns: 6,
                value: "ev|{\"k\":\"v\",\"n\":2}|1".into(),
            },
            Annotation {
                time_ns: 7,
                value: "two|parts".into(),
            },
            Annotation {
                time_ns: 8,
                value: "{\"my-event\": {\"k\": \"v\"}}".into(),
            },
        ];
        let (_, _, s) = one(z);
        assert_eq!(s.links.len(), 1);
        let l = &s.links[0];
        assert_eq!(l.trace_id, (1..=16).collect::<Vec<u8>>());
        assert_eq!(l.span_id, (1..=8).collect::<Vec<u8>>());
        assert_eq!(l.trace_state, "k=v");
        assert_eq!(l.dropped_attributes_count, 3);
        assert_eq!(attr(&l.attributes, "a"), Some(&int(1)));
        assert_eq!(attr(&l.attributes, "b"), Some(&string("x|y")));
        assert_eq!(attr(&l.attributes, "c"), Some(&double(1.5)));
        assert_eq!(attr(&l.attributes, "d"), Some(&boolean(true)));
        assert!(attr(&l.attributes, "e").is_none());
        assert_eq!(
            attr(&s.attributes, "otlp.link.3"),
            Some(&string("not|read|because|2|missing"))
        );
        let names: Vec<&str> = s.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["plain", "ev", "two", "{\"my-event\": {\"k\": \"v\"}}"]);
        assert_eq!(s.events[1].dropped_attributes_count, 1);
        assert_eq!(attr(&s.events[1].attributes, "n"), Some(&int(2)));
        assert_eq!(s.events[3].time_unix_nano, 8);
        // An undecodable link or event refuses the span, naming it.
        let bad = zspan(1, "svc", &[("otlp.link.0", "zz|01|k|{}|0")]);
        let e = to_otlp(vec![zspan(2, "a", &[]), bad], false, Format::V2Json).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid Zipkin v2 JSON span #1: otlp.link.0"),
            "{e}"
        );
        let mut bad = zspan(1, "svc", &[]);
        bad.annotations = vec![Annotation {
            time_ns: 0,
            value: "e|{not json|1".into(),
        }];
        assert!(to_otlp(vec![bad], false, Format::V2Json).is_err());
    }
}
