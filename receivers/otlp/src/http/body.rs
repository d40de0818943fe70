//! Request bodies: `Content-Type` → encoding, `Content-Encoding` → decoder,
//! and reading with the size limit enforced before and after decompression.

use std::io::Read;
use std::time::Duration;

use bytes::Bytes;
use flate2::read::{MultiGzDecoder, ZlibDecoder};
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::{BodyExt, LengthLimitError, Limited};

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
}

impl BodyError {
    /// The HTTP status answered for this error.
    pub(crate) fn status(&self) -> http::StatusCode {
        match self {
            BodyError::TooLarge(_) => http::StatusCode::PAYLOAD_TOO_LARGE,
            _ => http::StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decoder {
    Identity,
    Gzip,
    Zlib,
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
        match name {
            "" => Ok(Decoder::Identity),
            "gzip" => Ok(Decoder::Gzip),
            // Go decodes `deflate` as zlib, the format RFC 9110 names.
            "zlib" | "deflate" => Ok(Decoder::Zlib),
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
    /// either compressed or decompressed bytes.
    pub(crate) async fn read<B>(&self, headers: &HeaderMap, body: B) -> Result<Bytes, BodyError>
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let decoder = self.decoder(headers)?;
        let collect = Limited::new(body, self.max).collect();
        let collected = match self.read_timeout {
            Some(t) => tokio::time::timeout(t, collect)
                .await
                .map_err(|_| BodyError::Timeout)?,
            None => collect.await,
        };
        let raw = match collected {
            Ok(c) => c.to_bytes(),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
                return Err(BodyError::TooLarge(self.max));
            }
            Err(e) => return Err(BodyError::Read(e.to_string())),
        };
        match decoder {
            Decoder::Identity => Ok(raw),
            Decoder::Gzip => decompress(MultiGzDecoder::new(&raw[..]), self.max),
            Decoder::Zlib => decompress(ZlibDecoder::new(&raw[..]), self.max),
        }
    }
}

/// Decompresses at most `max` bytes: one more byte means the body is too large.
fn decompress(reader: impl Read, max: usize) -> Result<Bytes, BodyError> {
    let mut out = Vec::new();
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| BodyError::Decompress(e.to_string()))?;
    if out.len() > max {
        return Err(BodyError::TooLarge(max));
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

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

    fn reader(max: i64, algs: Option<Vec<&str>>) -> BodyReader {
        let cfg = HttpConfig {
            max_request_body_size: max,
            compression_algorithms: algs.map(|a| a.into_iter().map(String::from).collect()),
            ..Default::default()
        };
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
            .read(&headers(None), Full::new(Bytes::from(vec![1u8; 100])))
            .await;
        assert_eq!(ok.unwrap().len(), 100);
        let big = r
            .read(&headers(None), Full::new(Bytes::from(vec![1u8; 101])))
            .await;
        assert!(matches!(big, Err(BodyError::TooLarge(100))));
        // 10 KB of zeros compresses far below 100 bytes, but expands past it.
        let bomb = gzip(&[0u8; 10_000]);
        assert!(bomb.len() < 100);
        let r2 = r.read(&headers(Some("gzip")), Full::new(Bytes::from(bomb))).await;
        assert!(matches!(r2, Err(BodyError::TooLarge(100))));
        let small = gzip(b"hello");
        let got = r
            .read(&headers(Some("gzip")), Full::new(Bytes::from(small)))
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
            let got = r.read(&headers(Some(name)), Full::new(z.clone())).await.unwrap();
            assert_eq!(&got[..], b"zz");
        }
        for name in ["zstd", "snappy", "br", "GZIP"] {
            let e = r.precheck(&headers(Some(name))).unwrap_err();
            assert_eq!(e.to_string(), format!("unsupported Content-Encoding: {name}"));
            assert_eq!(e.status(), http::StatusCode::BAD_REQUEST);
        }
        let bad = r
            .read(&headers(Some("gzip")), Full::new(Bytes::from_static(b"nope")))
            .await;
        assert!(matches!(bad, Err(BodyError::Decompress(_))));
        // Only the listed algorithms are accepted.
        let only_gzip = reader(1000, Some(vec!["gzip"]));
        assert!(only_gzip.precheck(&headers(None)).is_err());
        assert!(only_gzip.precheck(&headers(Some("gzip"))).is_ok());
        // An empty list turns decompression off: the body is taken as is.
        let off = reader(1000, Some(vec![]));
        let raw = off
            .read(&headers(Some("gzip")), Full::new(z.clone()))
            .await
            .unwrap();
        assert_eq!(raw, z);
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
