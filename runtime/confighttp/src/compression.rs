//! `compression` (Go `configcompression.Type`) and the server's
//! `compression_algorithms`.

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

/// The `Content-Encoding`s this build's servers decode: every one of
/// [`DEFAULT_COMPRESSION_ALGORITHMS`] (codecs in `otelcol-configcompression`).
pub const SUPPORTED_COMPRESSION: [&str; 8] = DEFAULT_COMPRESSION_ALGORITHMS;

/// `compression` (Go's `configcompression.Type`) and `compression_params`:
/// the types and codecs of `otelcol-configcompression`.
pub use otelcol_configcompression::{CompressionParams, CompressionType as Compression};

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
        assert!(!Compression::default().is_compressed());
        assert!(serde_yaml::from_str::<Compression>("brotli").is_err());
        for s in SUPPORTED_COMPRESSION {
            assert!(DEFAULT_COMPRESSION_ALGORITHMS.contains(&s));
        }
    }
}
