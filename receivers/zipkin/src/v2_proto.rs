//! Zipkin v2 protobuf: the `ListOfSpans` message of
//! [`zipkin.proto`](https://github.com/openzipkin/zipkin-api/blob/master/zipkin.proto),
//! written out by hand, and its reading as zipkin-go's `zipkin_proto3`
//! reads it (ids as 8 or 16 raw bytes, endpoint IPs as 4 or 16 bytes).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use prost::Message;

use crate::error::{DecodeError, Format};
use crate::model::{Tags, micros_to_nanos, trace_id_bytes};
use crate::v2::{Annotation as ZAnnotation, Endpoint as ZEndpoint, Kind, ZSpan};

/// `zipkin.proto3.ListOfSpans`: the body of a protobuf POST.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ListOfSpans {
    /// The spans, of any traces.
    #[prost(message, repeated, tag = "1")]
    pub spans: Vec<Span>,
}

/// `zipkin.proto3.Span`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Span {
    /// 8 or 16 bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    /// 8 bytes, or empty for a root span.
    #[prost(bytes = "vec", tag = "2")]
    pub parent_id: Vec<u8>,
    /// 8 bytes.
    #[prost(bytes = "vec", tag = "3")]
    pub id: Vec<u8>,
    /// The span kind ([`SpanKind`]).
    #[prost(enumeration = "SpanKind", tag = "4")]
    pub kind: i32,
    /// The operation name.
    #[prost(string, tag = "5")]
    pub name: String,
    /// Epoch microseconds of the start; 0 when unknown.
    #[prost(fixed64, tag = "6")]
    pub timestamp: u64,
    /// Microseconds.
    #[prost(uint64, tag = "7")]
    pub duration: u64,
    /// The host that recorded the span.
    #[prost(message, optional, tag = "8")]
    pub local_endpoint: Option<Endpoint>,
    /// The other side of an RPC or messaging span.
    #[prost(message, optional, tag = "9")]
    pub remote_endpoint: Option<Endpoint>,
    /// Timestamped events.
    #[prost(message, repeated, tag = "10")]
    pub annotations: Vec<Annotation>,
    /// String tags.
    #[prost(btree_map = "string, string", tag = "11")]
    pub tags: BTreeMap<String, String>,
    /// Sampling override (ignored, as in Go).
    #[prost(bool, tag = "12")]
    pub debug: bool,
    /// Shared span id with the client (ignored, as in Go).
    #[prost(bool, tag = "13")]
    pub shared: bool,
}

/// `zipkin.proto3.Span.Kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum SpanKind {
    /// Absent.
    Unspecified = 0,
    /// `CLIENT`.
    Client = 1,
    /// `SERVER`.
    Server = 2,
    /// `PRODUCER`.
    Producer = 3,
    /// `CONSUMER`.
    Consumer = 4,
}

/// `zipkin.proto3.Endpoint`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Endpoint {
    /// The service name.
    #[prost(string, tag = "1")]
    pub service_name: String,
    /// 4 bytes.
    #[prost(bytes = "vec", tag = "2")]
    pub ipv4: Vec<u8>,
    /// 16 bytes.
    #[prost(bytes = "vec", tag = "3")]
    pub ipv6: Vec<u8>,
    /// The port.
    #[prost(int32, tag = "4")]
    pub port: i32,
}

/// `zipkin.proto3.Annotation`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Annotation {
    /// Epoch microseconds.
    #[prost(fixed64, tag = "1")]
    pub timestamp: u64,
    /// The event.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// Walks the top-level fields of a `ListOfSpans`, calling `span` with the
/// bytes of each span (field 1) in order. Other fields are skipped, as
/// protobuf decoders skip unknown fields.
fn walk(body: &[u8], mut span: impl FnMut(&[u8]) -> Result<(), DecodeError>) -> Result<(), DecodeError> {
    let malformed = |m: &str| DecodeError::malformed(Format::V2Proto, m);
    let mut pos = 0usize;
    let varint = |pos: &mut usize| -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *body.get(*pos).ok_or_else(|| malformed("truncated varint"))?;
            *pos += 1;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("invalid varint"))
    };
    let skip = |pos: &mut usize, n: u64| -> Result<(), DecodeError> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| pos.checked_add(n))
            .filter(|end| *end <= body.len())
            .ok_or_else(|| malformed("buffer underflow"))?;
        *pos = end;
        Ok(())
    };
    while pos < body.len() {
        let key = varint(&mut pos)?;
        let (field, wire_type) = (key >> 3, key & 7);
        if field == 0 {
            return Err(malformed("invalid field number 0"));
        }
        match wire_type {
            0 => drop(varint(&mut pos)?),
            1 => skip(&mut pos, 8)?,
            5 => skip(&mut pos, 4)?,
            2 => {
                let len = varint(&mut pos)?;
                let start = pos;
                skip(&mut pos, len)?;
                if field == 1 {
                    span(&body[start..pos])?;
                }
            }
            3 | 4 => return Err(malformed("groups are not supported")),
            other => return Err(malformed(&format!("invalid wire type {other}"))),
        }
        if field == 1 && wire_type != 2 {
            return Err(malformed("ListOfSpans.spans: invalid wire type"));
        }
    }
    Ok(())
}

/// The number of spans in a `ListOfSpans`, without decoding them (0 when
/// the body does not walk): what the admission estimate counts.
pub(crate) fn count(body: &[u8]) -> usize {
    let mut n = 0usize;
    match walk(body, |_| {
        n += 1;
        Ok(())
    }) {
        Ok(()) => n,
        Err(_) => 0,
    }
}

/// Decodes a protobuf `ListOfSpans`, one span at a time (a span that does
/// not decode or convert stops it).
pub(crate) fn decode(body: &[u8]) -> Result<Vec<ZSpan>, DecodeError> {
    let format = Format::V2Proto;
    let mut out = Vec::new();
    walk(body, |bytes| {
        let index = out.len();
        let s = Span::decode(bytes).map_err(|e| DecodeError::span(format, index, e))?;
        out.push(span(s).map_err(|m| DecodeError::span(format, index, m))?);
        Ok(())
    })?;
    Ok(out)
}

fn id8(field: &str, b: &[u8]) -> Result<u64, String> {
    match <[u8; 8]>::try_from(b) {
        Ok(a) => Ok(u64::from_be_bytes(a)),
        Err(_) => Err(format!("{field} has length {} yet wanted length 8", b.len())),
    }
}

fn span(s: Span) -> Result<ZSpan, String> {
    let trace_id = match s.trace_id.len() {
        16 => {
            let (h, l) = s.trace_id.split_at(8);
            trace_id_bytes(id8("trace_id", h)?, id8("trace_id", l)?)
        }
        8 => trace_id_bytes(0, id8("trace_id", &s.trace_id)?),
        n => return Err(format!("trace_id has length {n} yet wanted length 8 or 16")),
    };
    if trace_id == [0; 16] {
        return Err("trace_id is all zeros".into());
    }
    if s.id.is_empty() {
        return Err("expected a non-nil span id".into());
    }
    let id = id8("id", &s.id)?;
    if id == 0 {
        return Err("span id is all zeros".into());
    }
    let parent_id = if s.parent_id.is_empty() {
        0
    } else {
        id8("parent_id", &s.parent_id)?
    };
    let kind = match SpanKind::try_from(s.kind) {
        Ok(SpanKind::Client) => Kind::Client,
        Ok(SpanKind::Server) => Kind::Server,
        Ok(SpanKind::Producer) => Kind::Producer,
        Ok(SpanKind::Consumer) => Kind::Consumer,
        _ => Kind::Unknown,
    };
    let start =
        micros_to_nanos(s.timestamp).ok_or_else(|| format!("timestamp {} out of range", s.timestamp))?;
    let duration_ns =
        micros_to_nanos(s.duration).ok_or_else(|| format!("duration {} out of range", s.duration))?;
    let annotations = s
        .annotations
        .into_iter()
        .map(|a| {
            let time_ns = micros_to_nanos(a.timestamp)
                .ok_or_else(|| format!("annotation timestamp {} out of range", a.timestamp))?;
            Ok(ZAnnotation {
                time_ns,
                value: a.value,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(ZSpan {
        trace_id,
        id,
        parent_id,
        name: s.name,
        kind,
        // zipkin-go reads 0 as the Unix epoch, a time that is set: no
        // "start time absent" attribute for protobuf spans (as in Go).
        start_ns: Some(start),
        duration_ns,
        local: endpoint("local_endpoint", s.local_endpoint)?,
        remote: endpoint("remote_endpoint", s.remote_endpoint)?,
        annotations,
        tags: s.tags.into_iter().collect::<Tags>(),
    })
}

fn ip(field: &str, b: &[u8]) -> Result<Option<IpAddr>, String> {
    match b.len() {
        0 => Ok(None),
        4 => Ok(<[u8; 4]>::try_from(b).ok().map(|a| IpAddr::V4(Ipv4Addr::from(a)))),
        16 => Ok(<[u8; 16]>::try_from(b)
            .ok()
            .map(|a| IpAddr::V6(Ipv6Addr::from(a)))),
        n => Err(format!("{field} has length {n} yet wanted length 4 or 16")),
    }
}

fn endpoint(field: &str, ep: Option<Endpoint>) -> Result<Option<ZEndpoint>, String> {
    let Some(ep) = ep else {
        return Ok(None);
    };
    let port = u16::try_from(ep.port).map_err(|_| format!("{field}: port {} out of range", ep.port))?;
    Ok(ZEndpoint {
        service_name: ep.service_name,
        ipv4: ip(&format!("{field}: ipv4"), &ep.ipv4)?,
        ipv6: ip(&format!("{field}: ipv6"), &ep.ipv6)?,
        port,
    }
    .non_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    pub(crate) fn sample() -> Span {
        Span {
            trace_id: (1..=16).collect(),
            parent_id: vec![0, 0, 0, 0, 0, 0, 0, 9],
            id: vec![0, 0, 0, 0, 0, 0, 0, 10],
            kind: SpanKind::Producer as i32,
            name: "send".into(),
            timestamp: 1_556_604_172_355_737,
            duration: 12,
            local_endpoint: Some(Endpoint {
                service_name: "svc".into(),
                ipv4: vec![10, 0, 0, 1],
                ipv6: Vec::new(),
                port: 80,
            }),
            remote_endpoint: Some(Endpoint::default()),
            annotations: vec![Annotation {
                timestamp: 1_556_604_172_355_800,
                value: "ws".into(),
            }],
            tags: [
                ("b".to_string(), "2".to_string()),
                ("a".to_string(), "1".to_string()),
            ]
            .into(),
            debug: true,
            shared: false,
        }
    }

    #[test]
    fn reads_a_span() {
        let body = ListOfSpans {
            spans: vec![sample()],
        }
        .encode_to_vec();
        let s = &decode(&body).unwrap()[0];
        assert_eq!(s.trace_id.to_vec(), (1..=16).collect::<Vec<u8>>());
        assert_eq!((s.id, s.parent_id), (10, 9));
        assert_eq!(s.kind, Kind::Producer);
        assert_eq!(s.start_ns, Some(1_556_604_172_355_737_000));
        assert_eq!(s.duration_ns, 12_000);
        assert_eq!(s.local.as_ref().unwrap().ipv4, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(s.remote, None);
        assert_eq!(s.annotations[0].value, "ws");
        assert_eq!(s.tags.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
        // 8-byte trace ids (allowed by zipkin.proto) are the low half.
        let mut short = sample();
        short.trace_id = vec![0, 0, 0, 0, 0, 0, 0, 1];
        short.timestamp = 0;
        let s = &decode(&ListOfSpans { spans: vec![short] }.encode_to_vec()).unwrap()[0];
        assert_eq!(s.trace_id[15], 1);
        assert_eq!(s.start_ns, Some(0));
        assert!(decode(&[]).unwrap().is_empty());
    }

    #[test]
    fn refusals() {
        type Mutate = fn(&mut Span);
        let cases: &[(Mutate, &str)] = &[
            (|s| s.trace_id = vec![1; 5], "trace_id has length 5"),
            (|s| s.trace_id = vec![0; 16], "all zeros"),
            (|s| s.id = Vec::new(), "non-nil span id"),
            (|s| s.id = vec![0; 8], "all zeros"),
            (|s| s.id = vec![1; 9], "id has length 9"),
            (|s| s.parent_id = vec![1; 3], "parent_id has length 3"),
            (|s| s.timestamp = u64::MAX, "timestamp"),
            (|s| s.duration = u64::MAX, "duration"),
            (|s| s.annotations[0].timestamp = u64::MAX, "annotation timestamp"),
            (
                |s| s.local_endpoint.as_mut().unwrap().ipv4 = vec![1, 2, 3],
                "local_endpoint: ipv4 has length 3",
            ),
            (
                |s| s.local_endpoint.as_mut().unwrap().port = -1,
                "port -1 out of range",
            ),
        ];
        for (mutate, want) in cases {
            let mut s = sample();
            mutate(&mut s);
            let body = ListOfSpans {
                spans: vec![sample(), s],
            }
            .encode_to_vec();
            let e = decode(&body).unwrap_err().to_string();
            assert!(e.starts_with("invalid Zipkin v2 protobuf span #1: "), "{e}");
            assert!(e.contains(want), "{e}");
        }
        for garbage in [&b"\xff\xff\xff"[..], b"\x0a\x05abc", b"{\"json\": true}", b"\x08"] {
            let e = decode(garbage).unwrap_err().to_string();
            assert!(e.starts_with("invalid Zipkin v2 protobuf body: "), "{e}");
        }
        // A span that does not decode is named.
        let e = decode(b"\x0a\x02\x0a\x05").unwrap_err().to_string();
        assert!(e.starts_with("invalid Zipkin v2 protobuf span #0: "), "{e}");
        // Empty spans are refused at the first one, not accumulated.
        let empties = b"\x0a\x00".repeat(1_000_000);
        assert_eq!(count(&empties), 1_000_000);
        let e = decode(&empties).unwrap_err().to_string();
        assert!(e.contains("span #0: trace_id has length 0"), "{e}");
        // Unknown fields are skipped.
        let mut body = b"\x10\x05\x1d\x01\x02\x03\x04\x22\x01x".to_vec();
        body.extend(
            ListOfSpans {
                spans: vec![sample()],
            }
            .encode_to_vec(),
        );
        assert_eq!(decode(&body).unwrap().len(), 1);
        assert_eq!(count(&body), 1);
        // Groups at the top are refused; deeply nested unknown groups in a
        // span hit prost's recursion limit.
        assert!(decode(&[0x0b; 200]).unwrap_err().to_string().contains("groups"));
        let inner = [0x9b, 0x06].repeat(200);
        let mut deep = vec![0x0a];
        prost::encoding::encode_varint(inner.len() as u64, &mut deep);
        deep.extend(inner);
        assert!(decode(&deep).is_err());
    }
}
