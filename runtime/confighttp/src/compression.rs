//! `compression` (Go `configcompression.Type`) and the server's
//! `compression_algorithms`.

use serde::{Deserialize, Serialize};

/// The Go collector's default `compression_algorithms` of a server (`""` is identity).
pub const DEFAULT_COMPRESSION_ALGORITHMS: [&str; 8] = [
    "",
    "gzip",
    "zstd",
    "zlib",
    "snappy",
    "deflate",
    "lz4",
    "x-snappy-framed",
];

/// The `Content-Encoding`s this build's servers decode; the others in
/// [`DEFAULT_COMPRESSION_ALGORITHMS`] are accepted in config and answered
/// with 400.
pub const SUPPORTED_COMPRESSION: [&str; 4] = ["", "gzip", "zlib", "deflate"];

/// `compression`: the Go collector's `configcompression.Type` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Compression {
    /// `gzip` (the default of both OTLP exporters).
    #[default]
    #[serde(rename = "gzip")]
    Gzip,
    /// `zlib`.
    #[serde(rename = "zlib")]
    Zlib,
    /// `deflate`.
    #[serde(rename = "deflate")]
    Deflate,
    /// `snappy`.
    #[serde(rename = "snappy")]
    Snappy,
    /// `x-snappy-framed`.
    #[serde(rename = "x-snappy-framed")]
    SnappyFramed,
    /// `zstd`.
    #[serde(rename = "zstd")]
    Zstd,
    /// `lz4`.
    #[serde(rename = "lz4")]
    Lz4,
    /// `none`: no compression.
    #[serde(rename = "none")]
    None,
    /// `""`: no compression.
    #[serde(rename = "")]
    Empty,
}

impl Compression {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zlib => "zlib",
            Compression::Deflate => "deflate",
            Compression::Snappy => "snappy",
            Compression::SnappyFramed => "x-snappy-framed",
            Compression::Zstd => "zstd",
            Compression::Lz4 => "lz4",
            Compression::None => "none",
            Compression::Empty => "",
        }
    }

    /// True unless `none` or `""`.
    pub fn is_compressed(self) -> bool {
        !matches!(self, Compression::None | Compression::Empty)
    }
}

/// `compression_params` of an HTTP client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompressionParams {
    /// Compression level: 1 (fast) to 9 (small); 0 or -1 mean the default. Default: 0.
    pub level: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_spellings() {
        for c in [
            "gzip",
            "zstd",
            "snappy",
            "none",
            "x-snappy-framed",
            "lz4",
            "zlib",
            "deflate",
        ] {
            let v: Compression = serde_yaml::from_str(c).unwrap();
            assert_eq!(v.as_str(), c);
            assert!(DEFAULT_COMPRESSION_ALGORITHMS.contains(&c) || c == "none");
        }
        let e: Compression = serde_yaml::from_str("''").unwrap();
        assert!(!e.is_compressed());
        assert!(Compression::default().is_compressed());
        assert!(serde_yaml::from_str::<Compression>("brotli").is_err());
        for s in SUPPORTED_COMPRESSION {
            assert!(DEFAULT_COMPRESSION_ALGORITHMS.contains(&s));
        }
    }
}
