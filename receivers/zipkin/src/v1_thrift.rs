//! Zipkin v1 Thrift: a `list<zipkincore.Span>` in the Thrift binary
//! protocol (what Jaeger's `DeserializeThrift`, used by Go's receiver,
//! reads), decoded without trusting any length in it, with binary
//! annotations typed by their `annotation_type` as Go's `zipkinv1` types
//! them.

use std::net::{Ipv4Addr, Ipv6Addr};

use otelcol_component::proto::common::v1::AnyValue;

use crate::error::{DecodeError, Format};
use crate::model::{boolean, double, int, string, trace_id_bytes};
use crate::v1::{V1Annotation, V1BinaryAnnotation, V1Endpoint, V1Span};
use crate::v2::ip_string;

const T_STOP: u8 = 0;
const T_BOOL: u8 = 2;
const T_BYTE: u8 = 3;
const T_DOUBLE: u8 = 4;
const T_I16: u8 = 6;
const T_I32: u8 = 8;
const T_I64: u8 = 10;
const T_STRING: u8 = 11;
const T_STRUCT: u8 = 12;
const T_MAP: u8 = 13;
const T_SET: u8 = 14;
const T_LIST: u8 = 15;
const T_UUID: u8 = 16;

/// Structs nested deeper than this (only unknown fields can nest) are refused.
const MAX_DEPTH: usize = 64;

/// A cursor over the body.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        match end {
            Some(end) => {
                let out = &self.buf[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            None => Err(format!(
                "unexpected end of data at byte {} (wanted {n} more)",
                self.pos
            )),
        }
    }

    fn array<const N: usize>(&mut self) -> R<[u8; N]> {
        let b = self.take(N)?;
        <[u8; N]>::try_from(b).map_err(|_| "short read".to_string())
    }

    fn u8(&mut self) -> R<u8> {
        Ok(self.array::<1>()?[0])
    }

    fn i16(&mut self) -> R<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    fn i32(&mut self) -> R<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> R<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// A length that must fit in what is left, each element taking at
    /// least `min` bytes (at least 1).
    fn len(&mut self, min: usize) -> R<usize> {
        let n = self.i32()?;
        let n = usize::try_from(n).map_err(|_| format!("negative length {n}"))?;
        let left = self.buf.len() - self.pos;
        if n.saturating_mul(min.max(1)) > left {
            return Err(format!("length {n} is larger than the {left} bytes left"));
        }
        Ok(n)
    }

    fn binary(&mut self) -> R<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }

    fn string(&mut self) -> R<String> {
        Ok(String::from_utf8_lossy(self.binary()?).into_owned())
    }

    /// The header of a list or set: element type and count.
    fn list_begin(&mut self) -> R<(u8, usize)> {
        let ty = self.u8()?;
        let n = self.len(min_size(ty))?;
        Ok((ty, n))
    }

    /// Reads the fields of a struct, calling `field(reader, type, id)` for
    /// each; it returns false to have the value skipped.
    fn fields(&mut self, depth: usize, mut field: impl FnMut(&mut Self, u8, i16) -> R<bool>) -> R<()> {
        if depth > MAX_DEPTH {
            return Err("structs nested too deep".into());
        }
        loop {
            let ty = self.u8()?;
            if ty == T_STOP {
                return Ok(());
            }
            let id = self.i16()?;
            if !field(self, ty, id)? {
                self.skip(ty, depth + 1)?;
            }
        }
    }

    fn skip(&mut self, ty: u8, depth: usize) -> R<()> {
        if depth > MAX_DEPTH {
            return Err("values nested too deep".into());
        }
        match ty {
            T_BOOL | T_BYTE => self.take(1).map(drop),
            T_I16 => self.take(2).map(drop),
            T_I32 => self.take(4).map(drop),
            T_DOUBLE | T_I64 => self.take(8).map(drop),
            T_UUID => self.take(16).map(drop),
            T_STRING => self.binary().map(drop),
            T_STRUCT => self.fields(depth, |_, _, _| Ok(false)),
            T_MAP => {
                let k = self.u8()?;
                let v = self.u8()?;
                let n = self.len(min_size(k) + min_size(v))?;
                for _ in 0..n {
                    self.skip(k, depth + 1)?;
                    self.skip(v, depth + 1)?;
                }
                Ok(())
            }
            T_SET | T_LIST => {
                let (e, n) = self.list_begin()?;
                for _ in 0..n {
                    self.skip(e, depth + 1)?;
                }
                Ok(())
            }
            other => Err(format!("unknown Thrift type {other}")),
        }
    }
}

/// The fewest bytes a value of type `ty` takes.
fn min_size(ty: u8) -> usize {
    match ty {
        T_BOOL | T_BYTE | T_STRUCT => 1,
        T_I16 => 2,
        T_I32 | T_STRING => 4,
        T_DOUBLE | T_I64 => 8,
        T_UUID => 16,
        T_MAP => 6,
        T_SET | T_LIST => 5,
        _ => 1,
    }
}

/// The number of spans a Thrift `list<Span>` announces (bounded by its
/// length), 0 when its header does not read.
pub(crate) fn count(body: &[u8]) -> usize {
    let mut r = Reader { buf: body, pos: 0 };
    r.list_begin().map_or(0, |(_, n)| n)
}

/// Decodes a Thrift `list<Span>`.
pub(crate) fn decode(body: &[u8]) -> Result<Vec<V1Span>, DecodeError> {
    let format = Format::V1Thrift;
    let mut r = Reader { buf: body, pos: 0 };
    let (ty, n) = r.list_begin().map_err(|e| DecodeError::malformed(format, e))?;
    if ty != T_STRUCT {
        return Err(DecodeError::malformed(
            format,
            format!("expected a list of structs (type 12), got element type {ty}"),
        ));
    }
    let mut spans = Vec::new();
    for i in 0..n {
        let raw = RawSpan::read(&mut r).map_err(|e| DecodeError::span(format, i, e))?;
        spans.push(raw.check().map_err(|e| DecodeError::span(format, i, e))?);
    }
    Ok(spans)
}

#[derive(Default)]
struct RawSpan {
    trace_id: i64,
    trace_id_high: i64,
    name: String,
    id: i64,
    parent_id: Option<i64>,
    annotations: Vec<V1Annotation>,
    binary_annotations: Vec<V1BinaryAnnotation>,
    timestamp: Option<i64>,
    duration: Option<i64>,
}

impl RawSpan {
    fn read(r: &mut Reader<'_>) -> R<RawSpan> {
        let mut s = RawSpan::default();
        r.fields(0, |r, ty, id| {
            match (id, ty) {
                (1, T_I64) => s.trace_id = r.i64()?,
                (3, T_STRING) => s.name = r.string()?,
                (4, T_I64) => s.id = r.i64()?,
                (5, T_I64) => s.parent_id = Some(r.i64()?),
                (6, T_LIST) => {
                    let (ety, n) = r.list_begin()?;
                    if ety != T_STRUCT {
                        return Err(format!("annotations: element type {ety}, expected a struct"));
                    }
                    for _ in 0..n {
                        s.annotations.push(annotation(r)?);
                    }
                }
                (8, T_LIST) => {
                    let (ety, n) = r.list_begin()?;
                    if ety != T_STRUCT {
                        return Err(format!(
                            "binary_annotations: element type {ety}, expected a struct"
                        ));
                    }
                    for _ in 0..n {
                        s.binary_annotations.push(binary_annotation(r)?);
                    }
                }
                (10, T_I64) => s.timestamp = Some(r.i64()?),
                (11, T_I64) => s.duration = Some(r.i64()?),
                (12, T_I64) => s.trace_id_high = r.i64()?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(s)
    }

    fn check(self) -> R<V1Span> {
        let trace_id = trace_id_bytes(self.trace_id_high as u64, self.trace_id as u64);
        if trace_id == [0; 16] {
            return Err("trace_id is zero".into());
        }
        if self.id == 0 {
            return Err("id is zero".into());
        }
        Ok(V1Span {
            trace_id,
            id: self.id as u64,
            parent_id: self.parent_id.unwrap_or(0) as u64,
            name: self.name,
            timestamp: self.timestamp,
            duration: self.duration.unwrap_or(0),
            fill_absent_start: false,
            annotations: self.annotations,
            binary_annotations: self.binary_annotations,
        })
    }
}

fn endpoint(r: &mut Reader<'_>) -> R<V1Endpoint> {
    let mut ipv4 = 0i32;
    let mut ipv6: Vec<u8> = Vec::new();
    let mut ep = V1Endpoint::default();
    r.fields(1, |r, ty, id| {
        match (id, ty) {
            (1, T_I32) => ipv4 = r.i32()?,
            (2, T_I16) => ep.port = i32::from(r.i16()? as u16),
            (3, T_STRING) => ep.service_name = r.string()?,
            (4, T_STRING) => ipv6 = r.binary()?.to_vec(),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if ipv4 != 0 {
        ep.ipv4 = Ipv4Addr::from(ipv4 as u32).to_string();
    }
    ep.ipv6 = match <[u8; 16]>::try_from(ipv6.as_slice()) {
        Ok(a) => ip_string(Ipv6Addr::from(a).into()),
        Err(_) if ipv6.is_empty() => String::new(),
        Err(_) => match <[u8; 4]>::try_from(ipv6.as_slice()) {
            Ok(a) => Ipv4Addr::from(a).to_string(),
            // Go's net.IP.String() of a malformed address.
            Err(_) => format!("?{}", ipv6.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        },
    };
    Ok(ep)
}

fn annotation(r: &mut Reader<'_>) -> R<V1Annotation> {
    let mut a = V1Annotation {
        timestamp: 0,
        value: String::new(),
        endpoint: None,
    };
    r.fields(1, |r, ty, id| {
        match (id, ty) {
            (1, T_I64) => a.timestamp = r.i64()?,
            (2, T_STRING) => a.value = r.string()?,
            (3, T_STRUCT) => a.endpoint = Some(endpoint(r)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(a)
}

/// `zipkincore.AnnotationType`.
const BOOL: i32 = 0;
const BYTES: i32 = 1;
const I16: i32 = 2;
const I32: i32 = 3;
const I64: i32 = 4;
const DOUBLE: i32 = 5;
const STRING: i32 = 6;

fn binary_annotation(r: &mut Reader<'_>) -> R<V1BinaryAnnotation> {
    let mut key = String::new();
    let mut value: Vec<u8> = Vec::new();
    let mut ty = BOOL;
    let mut host = None;
    r.fields(1, |r, t, id| {
        match (id, t) {
            (1, T_STRING) => key = r.string()?,
            (2, T_STRING) => value = r.binary()?.to_vec(),
            (3, T_I32) => ty = r.i32()?,
            (4, T_STRUCT) => host = Some(endpoint(r)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(V1BinaryAnnotation {
        key,
        value: typed(ty, &value),
        text: String::from_utf8_lossy(&value).into_owned(),
        endpoint: host,
    })
}

/// A binary annotation's value by its type (Go's
/// `thriftBinAnnotationsToSpanAttributes`); a number with too few bytes, or
/// an unknown type, becomes a `<...>` string naming the problem.
fn typed(ty: i32, v: &[u8]) -> AnyValue {
    const SHORT: &str = "<not enough bytes representing the number>";
    fn first<const N: usize>(v: &[u8]) -> Option<[u8; N]> {
        v.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok())
    }
    match ty {
        BOOL => boolean(v == [1]),
        BYTES => string(base64(v)),
        I16 => first::<2>(v).map_or_else(|| string(SHORT), |b| int(i64::from(i16::from_be_bytes(b)))),
        I32 => first::<4>(v).map_or_else(|| string(SHORT), |b| int(i64::from(i32::from_be_bytes(b)))),
        I64 => first::<8>(v).map_or_else(|| string(SHORT), |b| int(i64::from_be_bytes(b))),
        DOUBLE => first::<8>(v).map_or_else(|| string(SHORT), |b| double(f64::from_be_bytes(b))),
        STRING => string(String::from_utf8_lossy(v).into_owned()),
        other => string(format!("<unknown zipkin v1 binary annotation type ({other})>")),
    }
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Thrift binary encoding of spans, for tests (here and in `tests/`).
#[cfg(test)]
pub(crate) mod encode {
    use super::*;

    /// A writer of Thrift binary values.
    #[derive(Default)]
    pub(crate) struct W(pub(crate) Vec<u8>);

    impl W {
        pub(crate) fn field(&mut self, ty: u8, id: i16) -> &mut Self {
            self.0.push(ty);
            self.0.extend_from_slice(&id.to_be_bytes());
            self
        }
        pub(crate) fn i16(&mut self, v: i16) -> &mut Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        pub(crate) fn i32(&mut self, v: i32) -> &mut Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        pub(crate) fn i64(&mut self, v: i64) -> &mut Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        pub(crate) fn bin(&mut self, v: &[u8]) -> &mut Self {
            self.i32(v.len() as i32);
            self.0.extend_from_slice(v);
            self
        }
        pub(crate) fn list(&mut self, ty: u8, n: i32) -> &mut Self {
            self.0.push(ty);
            self.i32(n)
        }
        pub(crate) fn stop(&mut self) -> &mut Self {
            self.0.push(T_STOP);
            self
        }
    }

    /// An endpoint struct.
    pub(crate) fn endpoint(w: &mut W, service: &str, ipv4: [u8; 4], port: i16) {
        w.field(T_I32, 1).i32(i32::from_be_bytes(ipv4));
        w.field(T_I16, 2).i16(port);
        w.field(T_STRING, 3).bin(service.as_bytes());
        w.stop();
    }

    /// A server span with `sr`/`ss` annotations and two binary annotations.
    pub(crate) fn server_span(w: &mut W, id: i64) {
        w.field(T_I64, 1).i64(0x5af7183fb1d4cf5f);
        w.field(T_STRING, 3).bin(b"get /api");
        w.field(T_I64, 4).i64(id);
        w.field(T_I64, 5).i64(0x6b221d5bc9e6496c);
        w.field(T_LIST, 6).list(T_STRUCT, 2);
        for (ts, v) in [(1_000_000i64, "sr"), (1_000_250, "ss")] {
            w.field(T_I64, 1).i64(ts);
            w.field(T_STRING, 2).bin(v.as_bytes());
            w.field(T_STRUCT, 3);
            endpoint(w, "backend", [10, 0, 0, 2], 9000);
            w.stop();
        }
        w.field(T_LIST, 8).list(T_STRUCT, 2);
        w.field(T_STRING, 1).bin(b"http.status_code");
        w.field(T_STRING, 2).bin(&200i16.to_be_bytes());
        w.field(T_I32, 3).i32(I16);
        w.stop();
        w.field(T_STRING, 1).bin(b"sa");
        w.field(T_STRING, 2).bin(&[1]);
        w.field(T_I32, 3).i32(BOOL);
        w.stop();
        // An unknown field is skipped.
        w.field(T_MAP, 99)
            .0
            .extend_from_slice(&[T_STRING, T_I32, 0, 0, 0, 1]);
        w.bin(b"k").i32(7);
        w.field(T_BOOL, 9).0.push(1);
        w.stop();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::encode::*;
    use super::*;

    #[test]
    fn reads_spans() {
        let mut w = W::default();
        w.list(T_STRUCT, 2);
        server_span(&mut w, 0x352bff9a74ca9ad2);
        server_span(&mut w, 7);
        let spans = decode(&w.0).unwrap();
        assert_eq!(spans.len(), 2);
        let s = &spans[0];
        assert_eq!(s.id, 0x352bff9a74ca9ad2);
        assert_eq!(s.parent_id, 0x6b221d5bc9e6496c);
        assert_eq!(s.trace_id[8..], 0x5af7183fb1d4cf5fu64.to_be_bytes());
        assert_eq!(s.name, "get /api");
        assert_eq!(s.annotations.len(), 2);
        let ep = s.annotations[0].endpoint.as_ref().unwrap();
        assert_eq!(
            (ep.service_name.as_str(), ep.ipv4.as_str(), ep.port),
            ("backend", "10.0.0.2", 9000)
        );
        assert_eq!(s.binary_annotations[0].value, int(200));
        assert_eq!(s.binary_annotations[1].value, boolean(true));
        assert_eq!(s.timestamp, None);
        assert!(decode(&[T_STRUCT, 0, 0, 0, 0]).unwrap().is_empty());
    }

    /// Go's binary annotation typing table.
    #[test]
    fn binary_annotation_types() {
        let cases: &[(i32, &[u8], AnyValue)] = &[
            (BOOL, &[1], boolean(true)),
            (BOOL, &[0], boolean(false)),
            (BOOL, &[2], boolean(false)),
            (BYTES, b"hello", string("aGVsbG8=")),
            (BYTES, b"hi", string("aGk=")),
            (BYTES, b"abc", string("YWJj")),
            (I16, &[0xff, 0xfe], int(-2)),
            (I32, &[0, 0, 1, 0], int(256)),
            (I64, &7i64.to_be_bytes(), int(7)),
            (DOUBLE, &1.5f64.to_be_bytes(), double(1.5)),
            (STRING, b"text", string("text")),
            (I32, &[1], string("<not enough bytes representing the number>")),
            (9, b"x", string("<unknown zipkin v1 binary annotation type (9)>")),
        ];
        for (ty, bytes, want) in cases {
            assert_eq!(typed(*ty, bytes), *want, "{ty} {bytes:?}");
        }
    }

    /// Truncated, lying and hostile bodies are refused, never trusted.
    #[test]
    fn refusals() {
        let mut w = W::default();
        w.list(T_STRUCT, 1);
        server_span(&mut w, 1);
        let full = w.0;
        for cut in 0..full.len() {
            assert!(decode(&full[..cut]).is_err(), "truncated at {cut}");
        }
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![T_STRUCT, 0x7f, 0xff, 0xff, 0xff], "larger than"),
            (vec![T_STRUCT, 0xff, 0xff, 0xff, 0xff], "negative length"),
            (vec![T_I32, 0, 0, 0, 1, 0, 0, 0, 1], "expected a list of structs"),
            (vec![T_STRUCT, 0, 0, 0, 1, T_STOP], "trace_id is zero"),
            (
                {
                    let mut w = W::default();
                    w.list(T_STRUCT, 1);
                    w.field(T_I64, 1).i64(1);
                    w.field(T_STRING, 3).i32(i32::MAX);
                    w.0
                },
                "larger than",
            ),
            (
                {
                    let mut w = W::default();
                    w.list(T_STRUCT, 1);
                    w.field(T_I64, 1).i64(1).stop();
                    w.0
                },
                "id is zero",
            ),
            (
                {
                    let mut w = W::default();
                    w.list(T_STRUCT, 1);
                    w.field(T_I64, 1).i64(1);
                    w.field(T_I64, 4).i64(1);
                    w.field(77, 5);
                    w.0
                },
                "unknown Thrift type 77",
            ),
            (
                {
                    let mut w = W::default();
                    w.list(T_STRUCT, 1);
                    for _ in 0..10_000 {
                        w.field(T_STRUCT, 50);
                    }
                    w.0
                },
                "nested too deep",
            ),
        ];
        for (body, want) in cases {
            let e = decode(&body).unwrap_err().to_string();
            assert!(e.starts_with("invalid Zipkin v1 Thrift"), "{e}");
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
