//! Request bodies: `Content-Type` → encoding, `Content-Encoding` → decoder,
//! and reading with the size limit enforced before and after decompression.

use std::io::Read;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use otelcol_component::{AdmissionSet, ConsumeError};
use otelcol_configcompression::CompressionType;

use crate::admission::{Admitted, reserve};
use crate::config::HttpConfig;
use crate::config::SUPPORTED_COMPRESSION;

/// `application/x-protobuf`.
pub(crate) const PROTOBUF: &str = "application/x-protobuf";
/// `application/json`.
pub(crate) const JSON: &str = "application/json";

/// The wire encoding of a request, and so of its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The encoding named by a `Content-Type` header; parameters such as
    /// `; charset=utf-8` are ignored and the media type is case-insensitive.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Encoding> {
        let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
        Self::from_content_type(value)
    }

    pub(crate) fn from_content_type(value: &str) -> Option<Encoding> {
        let essence = value.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case(PROTOBUF) {
            Some(Encoding::Protobuf)
        } else if essence.eq_ignore_ascii_case(JSON) {
            Some(Encoding::Json)
        } else {
            None
        }
    }

    /// The `Content-Type` of responses in this encoding.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => PROTOBUF,
            Encoding::Json => JSON,
        }
    }
}

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// The `Content-Encoding` is not enabled or not supported (400).
    #[error("unsupported Content-Encoding: {0}")]
    UnsupportedEncoding(String),
    /// The body, or its decompressed form, is over the limit (413).
    #[error("request body too large: the limit is {0} bytes")]
    TooLarge(usize),
    /// The connection failed while reading (400).
    #[error("failed to read request body: {0}")]
    Read(String),
    /// `read_timeout` passed before the body was read (400).
    #[error("timed out reading the request body")]
    Timeout,
    /// The compressed stream is corrupt (400).
    #[error("failed to decompress the request body: {0}")]
    Decompress(String),
    /// An admission gate (the memory limiter) refused the bytes (503).
    #[error("{0}")]
    Refused(ConsumeError),
}

impl BodyError {
    /// The HTTP status answered for this error.
    pub(crate) fn status(&self) -> http::StatusCode {
        match self {
            BodyError::TooLarge(_) => http::StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Refused(_) => http::StatusCode::SERVICE_UNAVAILABLE,
            _ => http::StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decoder {
    Identity,
    /// A codec of `otelcol-configcompression` (never `none` or `""`).
    Codec(CompressionType),
}

/// How bodies are read: limit, timeout and the enabled decoders.
#[derive(Debug)]
pub(crate) struct BodyReader {
    max: usize,
    read_timeout: Option<Duration>,
    /// Enabled `Content-Encoding` names; empty turns decompression off.
    enabled: Vec<String>,
}

impl BodyReader {
    pub(crate) fn new(cfg: &HttpConfig) -> Self {
        BodyReader {
            max: cfg.max_request_body_size(),
            read_timeout: (!cfg.read_timeout.is_zero()).then_some(cfg.read_timeout),
            enabled: cfg.compression_algorithms(),
        }
    }

    fn decoder(&self, headers: &HeaderMap) -> Result<Decoder, BodyError> {
        if self.enabled.is_empty() {
            // As in Go: no algorithms listed means bodies are taken as they are.
            return Ok(Decoder::Identity);
        }
        let name = match headers.get(CONTENT_ENCODING) {
            None => "",
            Some(v) => v
                .to_str()
                .map_err(|_| BodyError::UnsupportedEncoding(format!("{v:?}")))?,
        };
        let unsupported = || BodyError::UnsupportedEncoding(name.to_string());
        if !self.enabled.iter().any(|e| e == name) || !SUPPORTED_COMPRESSION.contains(&name) {
            return Err(unsupported());
        }
        match name.parse::<CompressionType>() {
            Ok(ty) if ty.is_compressed() => Ok(Decoder::Codec(ty)),
            Ok(_) if name.is_empty() => Ok(Decoder::Identity),
            _ => Err(unsupported()),
        }
    }

    /// Checks the headers before any byte of the body is read.
    pub(crate) fn precheck(&self, headers: &HeaderMap) -> Result<(), BodyError> {
        self.decoder(headers)?;
        let announced = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match announced {
            Some(n) if n > self.max as u64 => Err(BodyError::TooLarge(self.max)),
            _ => Ok(()),
        }
    }

    /// Reads and decompresses a body, never holding more than the limit of
    /// either compressed or decompressed bytes, telling `admitted` what
    /// arrived (it asks for the stretch ahead of a body of unknown size) and
    /// asking its gates for each decompression step before it is allocated.
    pub(crate) async fn read<B>(
        &self,
        headers: &HeaderMap,
        body: B,
        admitted: &mut Admitted,
    ) -> Result<Bytes, BodyError>
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let decoder = self.decoder(headers)?;
        let collect = collect(Limited::new(body, self.max), self.max, admitted);
        let chunks = match self.read_timeout {
            Some(t) => tokio::time::timeout(t, collect)
                .await
                .map_err(|_| BodyError::Timeout)?,
            None => collect.await,
        }?;
        admitted.complete();
        let held: u64 = chunks.iter().map(|c| c.len() as u64).sum();
        let max = self.max;
        let gates = admitted.gates();
        match decoder {
            Decoder::Identity => concat(chunks, gates),
            _ if held < OFFLOAD_COMPRESSED => inflate(decoder, &chunks, max, gates),
            // Off the async worker threads, a few at a time: a large body
            // can take the worker for tens of milliseconds, delaying every
            // other task on it (accepting, the memory limiter's checks).
            _ => {
                let permit = offload_slots()
                    .acquire()
                    .await
                    .map_err(|_| BodyError::Decompress("the runtime is shutting down".into()))?;
                let gates = gates.clone();
                tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    inflate(decoder, &chunks, max, &gates)
                })
                .await
                .map_err(|e| BodyError::Decompress(e.to_string()))?
            }
        }
    }
}

/// Compressed bodies from this size on are decompressed on the blocking
/// pool (they may expand to `max_request_body_size`); smaller ones inline.
pub(crate) const OFFLOAD_COMPRESSED: u64 = 64 * 1024;

/// How many bodies are decompressed on the blocking pool at once: one per
/// core. More would add threads (each with its allocator heap) and not
/// finish sooner; the others wait, holding only their compressed bytes.
fn offload_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores)
    })
}

/// Decompresses the chunks as they are (no copy of the body).
fn inflate(decoder: Decoder, chunks: &[Bytes], max: usize, gates: &AdmissionSet) -> Result<Bytes, BodyError> {
    match decoder {
        Decoder::Identity => concat(chunks.to_vec(), gates),
        Decoder::Codec(CompressionType::Snappy) => snappy_block(&concat(chunks.to_vec(), gates)?, max, gates),
        Decoder::Codec(ty) => {
            let reader = otelcol_configcompression::decoder(ty, Chunks::new(chunks))
                .map_err(|e| BodyError::Decompress(e.to_string()))?;
            decompress(reader, max, gates)
        }
    }
}

/// Collects a body frame by frame, telling `admitted` how much has arrived.
async fn collect<B>(body: Limited<B>, max: usize, admitted: &mut Admitted) -> Result<Vec<Bytes>, BodyError>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut body = std::pin::pin!(body);
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len: usize = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| match e.downcast_ref::<LengthLimitError>() {
            Some(_) => BodyError::TooLarge(max),
            None => BodyError::Read(e.to_string()),
        })?;
        if let Ok(data) = frame.into_data() {
            len = len.saturating_add(data.len());
            chunks.push(data);
            admitted.received(len as u64).map_err(BodyError::Refused)?;
        }
    }
    Ok(chunks)
}

/// One contiguous body: the one chunk as it is, or a copy of the chunks
/// (asked for first: for a moment the body is held twice).
fn concat(mut chunks: Vec<Bytes>, gates: &AdmissionSet) -> Result<Bytes, BodyError> {
    if chunks.len() <= 1 {
        return Ok(chunks.pop().unwrap_or_default());
    }
    let len: usize = chunks.iter().map(Bytes::len).sum();
    let _copy = reserve(gates, len as u64).map_err(BodyError::Refused)?;
    let mut all = Vec::with_capacity(len);
    for c in &chunks {
        all.extend_from_slice(c);
    }
    Ok(all.into())
}

/// The body path of [`BodyReader::read`] without the network: `raw` is the
/// whole received body, `encoding` its `Content-Encoding` (default
/// `compression_algorithms`), `max` the `max_request_body_size`. For the
/// fuzz targets (`fuzz/`); not part of the API.
#[doc(hidden)]
pub fn decode_body(encoding: &[u8], raw: &[u8], max: usize) -> Result<Bytes, String> {
    let defaults = HttpConfig::default();
    let server = otelcol_confighttp::ServerConfig {
        max_request_body_size: i64::try_from(max).unwrap_or(i64::MAX),
        ..defaults.server.clone()
    };
    let cfg = HttpConfig { server, ..defaults };
    let reader = BodyReader::new(&cfg);
    let mut headers = HeaderMap::new();
    if !encoding.is_empty() {
        let value = http::HeaderValue::from_bytes(encoding).map_err(|e| e.to_string())?;
        headers.insert(CONTENT_ENCODING, value);
    }
    let too_large = || BodyError::TooLarge(reader.max).to_string();
    if raw.len() > reader.max {
        return Err(too_large());
    }
    // No gates (the fuzz path): nothing is refused.
    let gates = AdmissionSet::default();
    let decoder = reader.decoder(&headers).map_err(|e| e.to_string())?;
    let body = match decoder {
        Decoder::Identity => Bytes::copy_from_slice(raw),
        Decoder::Codec(_) => {
            inflate(decoder, &[Bytes::copy_from_slice(raw)], reader.max, &gates).map_err(|e| e.to_string())?
        }
    };
    Ok(body)
}

/// Reads the chunks of a body one after the other.
struct Chunks<'a> {
    rest: &'a [Bytes],
    at: usize,
}

impl<'a> Chunks<'a> {
    fn new(chunks: &'a [Bytes]) -> Self {
        Chunks { rest: chunks, at: 0 }
    }
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some((first, rest)) = self.rest.split_first() {
            let left = first.get(self.at..).unwrap_or_default();
            if left.is_empty() {
                self.rest = rest;
                self.at = 0;
                continue;
            }
            let n = left.len().min(buf.len());
            buf[..n].copy_from_slice(&left[..n]);
            self.at += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// Decompressed output grows by at most this much between two admissions.
pub(crate) const DECOMPRESS_STEP: usize = 1024 * 1024;

/// The Snappy block format states its decompressed length up front: that
/// length is checked against `max` and asked of the gates before anything
/// is allocated (a body starting with the framing format's identifier is
/// read as framed, as Go's server does).
fn snappy_block(body: &[u8], max: usize, gates: &AdmissionSet) -> Result<Bytes, BodyError> {
    let declared = otelcol_configcompression::snappy_declared_len(body)
        .map_err(|e| BodyError::Decompress(e.to_string()))?;
    let declared = match declared {
        Some(n) if n > max => return Err(BodyError::TooLarge(max)),
        Some(n) => n,
        None => max, // framed: bounded by `max`
    };
    let _out = reserve(gates, declared as u64).map_err(BodyError::Refused)?;
    otelcol_configcompression::decompress(CompressionType::Snappy, body, max)
        .map(Bytes::from)
        .map_err(|e| match e {
            otelcol_configcompression::DecompressError::TooLarge { .. } => BodyError::TooLarge(max),
            other => BodyError::Decompress(other.to_string()),
        })
}

/// Decompresses at most `max` bytes (one more byte means the body is too
/// large) in steps of [`DECOMPRESS_STEP`]: before the output buffer grows,
/// its next capacity is asked for (the old one is in the heap already, but
/// is held with the new one while `reserve` copies), so a gzip bomb is
/// refused as it expands, before the memory is allocated.
fn decompress(mut reader: impl Read, max: usize, gates: &AdmissionSet) -> Result<Bytes, BodyError> {
    let mut out: Vec<u8> = Vec::new();
    let cap = max.saturating_add(1);
    loop {
        let room = cap - out.len();
        if room == 0 {
            return Err(BodyError::TooLarge(max));
        }
        let step = room.min(DECOMPRESS_STEP);
        if out.capacity() - out.len() < step {
            // What `reserve` may grow the buffer to: double, or what is needed.
            let next = (out.capacity().saturating_mul(2)).max(out.len() + step);
            let _growing = reserve(gates, next as u64).map_err(BodyError::Refused)?;
            out.reserve(step);
        }
        let before = out.len();
        let spare = (out.capacity() - out.len()).min(room);
        (&mut reader)
            .take(spare as u64)
            .read_to_end(&mut out)
            .map_err(|e| BodyError::Decompress(e.to_string()))?;
        if out.len() > max {
            return Err(BodyError::TooLarge(max));
        }
        if out.len() == before {
            return Ok(out.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use std::sync::Arc;

    use http_body_util::Full;

    use super::*;

    #[test]
    fn content_types() {
        use Encoding::*;
        assert_eq!(
            Encoding::from_content_type("application/x-protobuf"),
            Some(Protobuf)
        );
        assert_eq!(Encoding::from_content_type("application/json"), Some(Json));
        assert_eq!(
            Encoding::from_content_type("application/json; charset=utf-8"),
            Some(Json)
        );
        assert_eq!(Encoding::from_content_type("Application/JSON ;q=1"), Some(Json));
        assert_eq!(Encoding::from_content_type("text/plain"), None);
        assert_eq!(Encoding::from_content_type(""), None);
        assert_eq!(Encoding::from_content_type("application/jsonx"), None);
        assert_eq!(Encoding::from_headers(&HeaderMap::new()), None);
    }

    fn free() -> Admitted {
        Admitted::admit(Arc::default(), 0).unwrap()
    }

    fn reader(max: i64, algs: Option<Vec<&str>>) -> BodyReader {
        let defaults = HttpConfig::default();
        let server = otelcol_confighttp::ServerConfig {
            max_request_body_size: max,
            compression_algorithms: algs.map(|a| a.into_iter().map(String::from).collect()),
            ..defaults.server.clone()
        };
        let cfg = HttpConfig { server, ..defaults };
        BodyReader::new(&cfg)
    }

    fn headers(encoding: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(e) = encoding {
            h.insert(CONTENT_ENCODING, e.parse().unwrap());
        }
        h
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[tokio::test]
    async fn limits_before_and_after_decompression() {
        let r = reader(100, None);
        let ok = r
            .read(
                &headers(None),
                Full::new(Bytes::from(vec![1u8; 100])),
                &mut free(),
            )
            .await;
        assert_eq!(ok.unwrap().len(), 100);
        let big = r
            .read(
                &headers(None),
                Full::new(Bytes::from(vec![1u8; 101])),
                &mut free(),
            )
            .await;
        assert!(matches!(big, Err(BodyError::TooLarge(100))));
        // 10 KB of zeros compresses far below 100 bytes, but expands past it.
        let bomb = gzip(&[0u8; 10_000]);
        assert!(bomb.len() < 100);
        let r2 = r
            .read(&headers(Some("gzip")), Full::new(Bytes::from(bomb)), &mut free())
            .await;
        assert!(matches!(r2, Err(BodyError::TooLarge(100))));
        let small = gzip(b"hello");
        let got = r
            .read(&headers(Some("gzip")), Full::new(Bytes::from(small)), &mut free())
            .await;
        assert_eq!(&got.unwrap()[..], b"hello");
    }

    #[tokio::test]
    async fn encodings() {
        let r = reader(1000, None);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"zz").unwrap();
        let z = Bytes::from(z.finish().unwrap());
        for name in ["zlib", "deflate"] {
            let got = r
                .read(&headers(Some(name)), Full::new(z.clone()), &mut free())
                .await
                .unwrap();
            assert_eq!(&got[..], b"zz");
        }
        for name in ["zstd", "snappy", "lz4", "x-snappy-framed"] {
            assert!(r.precheck(&headers(Some(name))).is_ok(), "{name}");
        }
        for name in ["br", "GZIP", "none"] {
            let e = r.precheck(&headers(Some(name))).unwrap_err();
            assert_eq!(e.to_string(), format!("unsupported Content-Encoding: {name}"));
            assert_eq!(e.status(), http::StatusCode::BAD_REQUEST);
        }
        let bad = r
            .read(
                &headers(Some("gzip")),
                Full::new(Bytes::from_static(b"nope")),
                &mut free(),
            )
            .await;
        assert!(matches!(bad, Err(BodyError::Decompress(_))));
        // Only the listed algorithms are accepted.
        let only_gzip = reader(1000, Some(vec!["gzip"]));
        assert!(only_gzip.precheck(&headers(None)).is_err());
        assert!(only_gzip.precheck(&headers(Some("gzip"))).is_ok());
        // An empty list turns decompression off: the body is taken as is.
        let off = reader(1000, Some(vec![]));
        let raw = off
            .read(&headers(Some("gzip")), Full::new(z.clone()), &mut free())
            .await
            .unwrap();
        assert_eq!(raw, z);
    }

    /// A body of unknown size arriving in frames.
    struct Frames(std::collections::VecDeque<Bytes>);

    impl hyper::body::Body for Frames {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
            std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(hyper::body::Frame::data(b))))
        }
    }

    fn frames(n: usize, size: usize) -> Frames {
        Frames((0..n).map(|_| Bytes::from(vec![7u8; size])).collect())
    }

    #[tokio::test]
    async fn admits_a_body_of_unknown_size_as_it_arrives() {
        use crate::admission::{ADMIT_STEP, Budget};
        use std::sync::atomic::Ordering;
        let step = ADMIT_STEP as usize;
        let r = reader(64 * step as i64, None);
        // 3.5 steps arrive in half-step frames: never more than a step
        // asked for ahead, plus the copy that makes them contiguous.
        let (gates, held) = Budget::set(4 * ADMIT_STEP);
        let mut admitted = Admitted::admit(gates.clone(), 0).unwrap();
        let body = r
            .read(&headers(None), frames(7, step / 2), &mut admitted)
            .await
            .unwrap();
        assert_eq!(body.len(), 7 * step / 2);
        assert_eq!(held.load(Ordering::SeqCst), 0, "nothing held once read");
        drop(admitted);
        // The stretch ahead grows with the body: refused once it does not
        // fit, before the body is all read.
        let (gates, held) = Budget::set(ADMIT_STEP / 2);
        let mut admitted = Admitted::admit(gates.clone(), 0).unwrap();
        let mut big = frames(24, step / 2);
        let got = r.read(&headers(None), &mut big, &mut admitted).await;
        assert!(matches!(got, Err(BodyError::Refused(_))));
        assert_eq!(got.unwrap_err().status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            big.0.len() >= 20,
            "stopped reading at the refusal: {} frames left",
            big.0.len()
        );
        drop(admitted);
        assert_eq!(held.load(Ordering::SeqCst), 0);
        // Each decompression step is asked for before it is allocated.
        let (gates, held) = Budget::set(ADMIT_STEP);
        let bomb = Bytes::from(gzip(&vec![0u8; 2 * step]));
        let mut admitted = Admitted::admit(gates, bomb.len() as u64).unwrap();
        let got = r
            .read(&headers(Some("gzip")), Full::new(bomb), &mut admitted)
            .await;
        assert!(matches!(got, Err(BodyError::Refused(_))), "the second step");
        drop(admitted);
        assert_eq!(held.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn large_compressed_bodies_are_decompressed_on_the_blocking_pool() {
        use crate::admission::Budget;
        use std::sync::atomic::Ordering;
        // Incompressible: the gzip is larger than the offload threshold.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let data: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let body = Bytes::from(gzip(&data));
        assert!(body.len() as u64 >= OFFLOAD_COMPRESSED);
        let r = reader(1 << 20, None);
        let (gates, held) = Budget::set(4 * DECOMPRESS_STEP as u64);
        let mut admitted = Admitted::admit(gates, body.len() as u64).unwrap();
        let got = r
            .read(&headers(Some("gzip")), Full::new(body.clone()), &mut admitted)
            .await
            .unwrap();
        assert_eq!(&got[..], &data[..]);
        assert_eq!(held.load(Ordering::SeqCst), 0, "the step was given back");
        // The gates go to the pool with the body: a step that does not fit
        // is refused there.
        let (gates, held) = Budget::set(DECOMPRESS_STEP as u64 - 1);
        let mut admitted = Admitted::admit(gates, 0).unwrap();
        let got = r
            .read(&headers(Some("gzip")), Full::new(body), &mut admitted)
            .await;
        assert!(matches!(got, Err(BodyError::Refused(_))));
        drop(admitted);
        assert_eq!(held.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn content_length_precheck() {
        let r = reader(10, None);
        let mut h = headers(None);
        h.insert(CONTENT_LENGTH, "11".parse().unwrap());
        assert!(matches!(r.precheck(&h), Err(BodyError::TooLarge(10))));
        h.insert(CONTENT_LENGTH, "10".parse().unwrap());
        assert!(r.precheck(&h).is_ok());
    }
}
