//! Request bodies: the `Content-Encoding` check, reading with
//! `max_request_body_size` enforced before and after decompression, and
//! the admission gates (the memory limiter) asked before memory is taken.

use std::io::Read;
use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http_body_util::BodyExt;
use otelcol_component::{Admission, AdmissionPermit, AdmissionSet};
use otelcol_configcompression::{CompressionType, DecompressError};
use otelcol_confighttp::{SUPPORTED_COMPRESSION, ServerConfig};

use crate::error::BodyError;

/// What a request is charged before its body arrives, beside the
/// announced length: first buffers and a decompressor's state.
const OVERHEAD: u64 = 64 * 1024;
/// Past what was announced (or for a body of unknown length), memory is
/// asked for in stretches of up to this much.
const STEP: u64 = 1024 * 1024;

/// How bodies are read.
#[derive(Debug)]
pub(crate) struct BodyReader {
    max: usize,
    read_timeout: Option<Duration>,
    /// The enabled `Content-Encoding`s; empty: the server does not decode
    /// (the receiver itself still reads gzip, deflate and zlib, as Go's does).
    enabled: Vec<String>,
}

impl BodyReader {
    pub(crate) fn new(cfg: &ServerConfig) -> Self {
        BodyReader {
            max: cfg.max_request_body_size(),
            read_timeout: (!cfg.read_timeout.is_zero()).then_some(cfg.read_timeout),
            enabled: cfg.compression_algorithms(),
        }
    }

    /// The codec of the request's `Content-Encoding` (`None`: as is), or
    /// why it is refused.
    pub(crate) fn codec(&self, headers: &HeaderMap) -> Result<Option<CompressionType>, BodyError> {
        let name = match headers.get(CONTENT_ENCODING) {
            None => "",
            Some(v) => v
                .to_str()
                .map_err(|_| BodyError::UnsupportedEncoding(format!("{v:?}")))?,
        };
        if self.enabled.is_empty() {
            // Go's confighttp decodes nothing then, but the zipkin receiver
            // itself reads these three (and anything else as it is).
            return Ok(match name {
                "gzip" => Some(CompressionType::Gzip),
                "deflate" | "zlib" => Some(CompressionType::Zlib),
                _ => None,
            });
        }
        let unsupported = || BodyError::UnsupportedEncoding(name.to_string());
        if !self.enabled.iter().any(|e| e == name) || !SUPPORTED_COMPRESSION.contains(&name) {
            return Err(unsupported());
        }
        match name.parse::<CompressionType>() {
            Ok(ty) if ty.is_compressed() => Ok(Some(ty)),
            Ok(_) => Ok(None),
            Err(_) => Err(unsupported()),
        }
    }

    /// Checks the headers before any byte of the body is read: the
    /// encoding, and the announced length against the limit. Returns the
    /// codec and the announced length.
    pub(crate) fn precheck(&self, headers: &HeaderMap) -> Result<(Option<CompressionType>, u64), BodyError> {
        let codec = self.codec(headers)?;
        let announced = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match announced {
            Some(n) if n > self.max as u64 => Err(BodyError::TooLarge(self.max)),
            n => Ok((codec, n.unwrap_or(0))),
        }
    }

    /// The body limit in bytes.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Reads the body (at most the limit), asking `gates` for its bytes
    /// before they arrive: `announced` at once, then stretches ahead.
    pub(crate) async fn read<B>(
        &self,
        body: B,
        announced: u64,
        gates: &AdmissionSet,
    ) -> Result<Bytes, BodyError>
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        let read = collect(body, self.max, announced, gates);
        match self.read_timeout {
            Some(t) => tokio::time::timeout(t, read)
                .await
                .map_err(|_| BodyError::Timeout)?,
            None => read.await,
        }
    }
}

/// Asks the gates for `bytes` (nothing without gates).
pub(crate) fn reserve(gates: &AdmissionSet, bytes: u64) -> Result<AdmissionPermit, BodyError> {
    if gates.is_empty() {
        Ok(AdmissionPermit::empty())
    } else {
        gates.admit(bytes).map_err(BodyError::Refused)
    }
}

async fn collect<B>(body: B, max: usize, announced: u64, gates: &AdmissionSet) -> Result<Bytes, BodyError>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let mut body = pin!(body);
    let mut ahead_bytes = announced.saturating_add(OVERHEAD);
    let mut ahead = reserve(gates, ahead_bytes)?;
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        len = len.saturating_add(data.len());
        if len > max {
            return Err(BodyError::TooLarge(max));
        }
        let n = data.len() as u64;
        if n > ahead_bytes {
            // Past what was announced: the next stretch, before keeping it.
            let want = (n - ahead_bytes).max((len as u64).clamp(OVERHEAD, STEP));
            ahead = ahead.join(reserve(gates, want)?);
            ahead_bytes += want;
        }
        // Arrived: the heap holds these bytes now.
        ahead.release(n);
        ahead_bytes -= n;
        chunks.push(data);
    }
    drop(ahead);
    Ok(match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.pop().unwrap_or_default(),
        _ => {
            let _copy = reserve(gates, len as u64)?;
            let mut out = Vec::with_capacity(len);
            for c in chunks {
                out.extend_from_slice(&c);
            }
            Bytes::from(out)
        }
    })
}

/// Decompresses `input` with `codec`, refusing output past `max` bytes and
/// asking `gates` for each step of output before it is allocated.
pub(crate) fn decompress(
    codec: CompressionType,
    input: &[u8],
    max: usize,
    gates: &AdmissionSet,
) -> Result<Vec<u8>, BodyError> {
    let fail = |e: DecompressError| match e {
        DecompressError::TooLarge { .. } => BodyError::TooLarge(max),
        DecompressError::Corrupt { message, .. } => BodyError::Decompress(message),
    };
    if gates.is_empty() {
        return otelcol_configcompression::decompress(codec, input, max).map_err(fail);
    }
    let mut codec = codec;
    if codec == CompressionType::Snappy {
        match otelcol_configcompression::snappy_declared_len(input).map_err(fail)? {
            Some(n) if n > max => return Err(BodyError::TooLarge(max)),
            Some(n) => {
                let _held = reserve(gates, n as u64)?;
                return otelcol_configcompression::decompress(codec, input, max).map_err(fail);
            }
            None => codec = CompressionType::SnappyFramed,
        }
    }
    let reader = otelcol_configcompression::decoder(codec, input).map_err(fail)?;
    let mut reader = reader.take((max as u64).saturating_add(1));
    let mut out = Vec::new();
    loop {
        let _step = reserve(gates, STEP)?;
        let before = out.len();
        (&mut reader)
            .take(STEP)
            .read_to_end(&mut out)
            .map_err(|e| BodyError::Decompress(e.to_string()))?;
        if out.len() > max {
            return Err(BodyError::TooLarge(max));
        }
        if out.len() == before {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use http_body_util::Full;
    use otelcol_component::{Admission, ConsumeError};

    use super::*;

    fn reader(max: i64, algs: Option<Vec<&str>>) -> BodyReader {
        BodyReader::new(&ServerConfig {
            max_request_body_size: max,
            compression_algorithms: algs.map(|a| a.into_iter().map(String::from).collect()),
            ..ServerConfig::default()
        })
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

    /// A gate with a byte budget.
    #[derive(Debug)]
    struct Budget {
        left: Arc<AtomicU64>,
    }

    impl Admission for Budget {
        fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
            let left = self.left.clone();
            left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(bytes))
                .map_err(|_| ConsumeError::retryable("over budget"))?;
            Ok(AdmissionPermit::with_parts(bytes, move |n| {
                left.fetch_add(n, Ordering::SeqCst);
            }))
        }
    }

    fn budget(bytes: u64) -> (AdmissionSet, Arc<AtomicU64>) {
        let left = Arc::new(AtomicU64::new(bytes));
        (
            AdmissionSet::new(vec![Arc::new(Budget { left: left.clone() })]),
            left,
        )
    }

    #[test]
    fn encodings() {
        let r = reader(0, None);
        assert_eq!(r.codec(&headers(None)).unwrap(), None);
        assert_eq!(
            r.codec(&headers(Some("gzip"))).unwrap(),
            Some(CompressionType::Gzip)
        );
        assert_eq!(
            r.codec(&headers(Some("zstd"))).unwrap(),
            Some(CompressionType::Zstd)
        );
        assert_eq!(
            r.codec(&headers(Some("deflate"))).unwrap(),
            Some(CompressionType::Deflate)
        );
        for bad in ["br", "GZIP", "none"] {
            let e = r.codec(&headers(Some(bad))).unwrap_err();
            assert_eq!(e.to_string(), format!("unsupported Content-Encoding: {bad}"));
        }
        let only_gzip = reader(0, Some(vec!["gzip"]));
        assert!(only_gzip.codec(&headers(None)).is_err(), "identity is not listed");
        // No algorithm listed: the receiver's own gzip/deflate/zlib, else as is.
        let off = reader(0, Some(vec![]));
        assert_eq!(
            off.codec(&headers(Some("zlib"))).unwrap(),
            Some(CompressionType::Zlib)
        );
        assert_eq!(off.codec(&headers(Some("br"))).unwrap(), None);
        let mut h = headers(None);
        h.insert(CONTENT_LENGTH, "11".parse().unwrap());
        assert!(matches!(
            reader(10, None).precheck(&h),
            Err(BodyError::TooLarge(10))
        ));
        assert_eq!(reader(11, None).precheck(&h).unwrap(), (None, 11));
    }

    #[tokio::test]
    async fn limits_before_and_after_decompression() {
        let r = reader(100, None);
        let none = AdmissionSet::default();
        let ok = r.read(Full::new(Bytes::from(vec![1u8; 100])), 0, &none).await;
        assert_eq!(ok.unwrap().len(), 100);
        let big = r.read(Full::new(Bytes::from(vec![1u8; 101])), 0, &none).await;
        assert!(matches!(big, Err(BodyError::TooLarge(100))));
        let bomb = gzip(&[0u8; 10_000]);
        assert!(bomb.len() < 100);
        let e = decompress(CompressionType::Gzip, &bomb, 100, &none).unwrap_err();
        assert_eq!(e.to_string(), "request body too large: the limit is 100 bytes");
        let (gates, _) = budget(u64::MAX / 2);
        let e = decompress(CompressionType::Gzip, &bomb, 100, &gates).unwrap_err();
        assert!(matches!(e, BodyError::TooLarge(100)));
        assert_eq!(
            decompress(CompressionType::Gzip, &gzip(b"hi"), 100, &gates).unwrap(),
            b"hi"
        );
        let e = decompress(CompressionType::Gzip, b"nope", 100, &none).unwrap_err();
        assert!(matches!(e, BodyError::Decompress(_)), "{e}");
    }

    #[tokio::test]
    async fn gates_are_asked_and_paid_back() {
        let r = reader(10 * STEP as i64, None);
        let (gates, left) = budget(4 * STEP);
        let body = r
            .read(Full::new(Bytes::from(vec![7u8; 1000])), 1000, &gates)
            .await
            .unwrap();
        assert_eq!(body.len(), 1000);
        assert_eq!(left.load(Ordering::SeqCst), 4 * STEP, "everything given back");
        let out = decompress(
            CompressionType::Gzip,
            &gzip(&vec![0u8; 3 * STEP as usize]),
            10 * STEP as usize,
            &gates,
        )
        .unwrap();
        assert_eq!(out.len(), 3 * STEP as usize);
        assert_eq!(left.load(Ordering::SeqCst), 4 * STEP);
        // Refused when the gate has no room.
        let (tight, _) = budget(10);
        let e = r
            .read(Full::new(Bytes::from_static(b"x")), 1, &tight)
            .await
            .unwrap_err();
        assert!(matches!(e, BodyError::Refused(_)));
        let (small, _) = budget(STEP / 2);
        let e = decompress(CompressionType::Gzip, &gzip(b"x"), 100, &small).unwrap_err();
        assert!(matches!(e, BodyError::Refused(_)));
    }
}
