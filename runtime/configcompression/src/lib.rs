//! # otelcol-configcompression
//!
//! Compression settings with the Go collector's
//! [`configcompression`](https://github.com/open-telemetry/opentelemetry-collector/tree/main/config/configcompression)
//! names, and the codecs behind them, for receivers (request bodies) and
//! exporters (what they send):
//!
//! | name | format |
//! |---|---|
//! | `gzip` | gzip (RFC 1952); concatenated members are read as one body, as Go reads them |
//! | `zlib`, `deflate` | zlib (RFC 1950), the format RFC 9110 means by `deflate` (Go sends and reads zlib for both) |
//! | `zstd` | Zstandard frames (RFC 8878) |
//! | `snappy` | Snappy *block* format |
//! | `x-snappy-framed` | Snappy framing format |
//! | `lz4` | LZ4 frame format |
//! | `none`, `""` | no compression |
//!
//! [`CompressionType`] parses and prints those names (unknown names are
//! refused with Go's message), [`CompressionParams`] holds the
//! `compression_params` block, [`compress`] encodes, and [`decompress`]
//! decodes with a bound on the decompressed size — a body that would grow
//! past the bound is refused before it is held, so a small "bomb" cannot
//! make the process allocate gigabytes.
//!
//! ```
//! use otelcol_configcompression::{CompressionParams, CompressionType, compress, decompress};
//!
//! let ty: CompressionType = "zstd".parse().unwrap();
//! let packed = compress(ty, CompressionParams::default(), b"hello hello hello").unwrap();
//! assert_eq!(decompress(ty, &packed, 1024).unwrap(), b"hello hello hello");
//! assert!(decompress(ty, &packed, 4).is_err()); // larger than the bound
//! ```

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A compression method, by its Go `configcompression` name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CompressionType {
    /// `""`: not set (no compression).
    #[default]
    Empty,
    /// `none`: no compression.
    None,
    /// `gzip`.
    Gzip,
    /// `zlib`.
    Zlib,
    /// `deflate` (zlib format, as Go sends and reads it).
    Deflate,
    /// `snappy`: the Snappy block format.
    Snappy,
    /// `x-snappy-framed`: the Snappy framing format.
    SnappyFramed,
    /// `zstd`.
    Zstd,
    /// `lz4`: the LZ4 frame format.
    Lz4,
}

/// Every name [`CompressionType`] accepts, in Go's order of the HTTP
/// server's default `compression_algorithms`.
pub const ALL_NAMES: &[&str] = &[
    "",
    "gzip",
    "zstd",
    "zlib",
    "snappy",
    "deflate",
    "lz4",
    "x-snappy-framed",
    "none",
];

impl CompressionType {
    /// The name as written in config and in `Content-Encoding` / `grpc-encoding`.
    pub fn name(self) -> &'static str {
        match self {
            CompressionType::Empty => "",
            CompressionType::None => "none",
            CompressionType::Gzip => "gzip",
            CompressionType::Zlib => "zlib",
            CompressionType::Deflate => "deflate",
            CompressionType::Snappy => "snappy",
            CompressionType::SnappyFramed => "x-snappy-framed",
            CompressionType::Zstd => "zstd",
            CompressionType::Lz4 => "lz4",
        }
    }

    /// The same as [`name`](Self::name).
    pub fn as_str(self) -> &'static str {
        self.name()
    }

    /// False for `none` and `""`, true for every codec.
    pub fn is_compressed(self) -> bool {
        !matches!(self, CompressionType::Empty | CompressionType::None)
    }

    /// Checks `compression_params` against the method, as Go's
    /// `ValidateParams`: gzip, zlib and deflate take the zlib levels
    /// (-1 default, -2 Huffman only, 0 none, 1–9); zstd takes any level
    /// (mapped to the nearest level the codec has); the others take none.
    pub fn validate_params(self, params: CompressionParams) -> Result<(), ParamsError> {
        let level = params.level;
        let ok = match self {
            CompressionType::Gzip | CompressionType::Zlib | CompressionType::Deflate => {
                (-2..=9).contains(&level)
            }
            CompressionType::Zstd => true,
            _ => level == 0,
        };
        if ok {
            Ok(())
        } else {
            Err(ParamsError { ty: self, level })
        }
    }
}

impl fmt::Display for CompressionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CompressionType {
    type Err = UnsupportedType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "" => CompressionType::Empty,
            "none" => CompressionType::None,
            "gzip" => CompressionType::Gzip,
            "zlib" => CompressionType::Zlib,
            "deflate" => CompressionType::Deflate,
            "snappy" => CompressionType::Snappy,
            "x-snappy-framed" => CompressionType::SnappyFramed,
            "zstd" => CompressionType::Zstd,
            "lz4" => CompressionType::Lz4,
            other => return Err(UnsupportedType(other.to_string())),
        })
    }
}

impl Serialize for CompressionType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for CompressionType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `compression:` with no value is the blank type, as in Go.
        let s: Option<String> = Option::deserialize(d)?;
        s.as_deref()
            .unwrap_or("")
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A name that is not a compression method (Go's message).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unsupported compression type {0:?}")]
pub struct UnsupportedType(pub String);

/// `compression_params`: the level (0 = the codec's default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompressionParams {
    /// The compression level; its meaning depends on the method (see
    /// [`CompressionType::validate_params`]).
    pub level: i32,
}

/// A level the method does not take (Go's message).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unsupported parameters {{Level:{level}}} for compression type {:?}", ty.name())]
pub struct ParamsError {
    /// The method.
    pub ty: CompressionType,
    /// The refused level.
    pub level: i32,
}

/// Why a body could not be decompressed.
#[derive(Debug, thiserror::Error)]
pub enum DecompressError {
    /// The decompressed body would be larger than the bound.
    #[error("decompressed body exceeds {limit} bytes")]
    TooLarge {
        /// The bound, in bytes.
        limit: usize,
    },
    /// The body is not valid for its encoding.
    #[error("invalid {ty} body: {message}")]
    Corrupt {
        /// The encoding.
        ty: CompressionType,
        /// What the decoder said.
        message: String,
    },
}

/// Why compressing failed (an invalid level, or the codec failed).
#[derive(Debug, thiserror::Error)]
pub enum CompressError {
    /// The level does not suit the method.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The codec failed.
    #[error("{ty} compression failed: {source}")]
    Codec {
        /// The method.
        ty: CompressionType,
        /// The codec's error.
        source: io::Error,
    },
}

/// The flate2 level for a zlib-style level: -1 (and 0 = unset in our
/// config) is the default 6, -2 (Huffman only, which flate2 has no mode
/// for) is the fastest, 1–9 as given.
fn flate_level(level: i32) -> flate2::Compression {
    match level {
        -2 => flate2::Compression::fast(),
        1..=9 => flate2::Compression::new(level.unsigned_abs()),
        _ => flate2::Compression::default(),
    }
}

/// Compresses `input` with `ty` at `params.level` (0 = the codec's
/// default). `none` and `""` return the input unchanged.
pub fn compress(
    ty: CompressionType,
    params: CompressionParams,
    input: &[u8],
) -> Result<Vec<u8>, CompressError> {
    ty.validate_params(params)?;
    let codec = |source: io::Error| CompressError::Codec { ty, source };
    let out = match ty {
        CompressionType::Empty | CompressionType::None => input.to_vec(),
        CompressionType::Gzip => {
            let mut w =
                flate2::write::GzEncoder::new(Vec::with_capacity(input.len() / 4), flate_level(params.level));
            w.write_all(input).map_err(codec)?;
            w.finish().map_err(codec)?
        }
        CompressionType::Zlib | CompressionType::Deflate => {
            let mut w = flate2::write::ZlibEncoder::new(
                Vec::with_capacity(input.len() / 4),
                flate_level(params.level),
            );
            w.write_all(input).map_err(codec)?;
            w.finish().map_err(codec)?
        }
        CompressionType::Zstd => {
            // 0 is zstd's own "default level" (3).
            zstd::bulk::compress(input, params.level).map_err(codec)?
        }
        CompressionType::Snappy => snap::raw::Encoder::new()
            .compress_vec(input)
            .map_err(|e| codec(io::Error::other(e)))?,
        CompressionType::SnappyFramed => {
            let mut w = snap::write::FrameEncoder::new(Vec::with_capacity(input.len() / 2));
            w.write_all(input).map_err(codec)?;
            w.into_inner()
                .map_err(|e| codec(io::Error::other(e.to_string())))?
        }
        CompressionType::Lz4 => {
            let mut w = lz4_flex::frame::FrameEncoder::new(Vec::with_capacity(input.len() / 2));
            w.write_all(input).map_err(codec)?;
            w.finish().map_err(|e| codec(io::Error::other(e)))?
        }
    };
    Ok(out)
}

/// The stream identifier chunk every Snappy framed stream starts with.
const SNAPPY_FRAMED_MAGIC: &[u8] = b"\xff\x06\x00\x00sNaPpY";

/// Decompresses `input`, encoded with `ty`, refusing with
/// [`DecompressError::TooLarge`] as soon as the output would pass `limit`
/// bytes (nothing beyond `limit + 1` bytes is ever held). `none` and `""`
/// return the input (checked against `limit` too).
pub fn decompress(ty: CompressionType, input: &[u8], limit: usize) -> Result<Vec<u8>, DecompressError> {
    match ty {
        CompressionType::Empty | CompressionType::None => {
            if input.len() > limit {
                return Err(DecompressError::TooLarge { limit });
            }
            Ok(input.to_vec())
        }
        CompressionType::Snappy if input.starts_with(SNAPPY_FRAMED_MAGIC) => {
            // Framed data sent as `snappy` (what older Go clients send):
            // read it as framed, as Go's server does after peeking.
            let mut reader = decoder(CompressionType::SnappyFramed, input)?;
            read_bounded(&mut reader, ty, limit)
        }
        CompressionType::Snappy => {
            let corrupt = |e: snap::Error| DecompressError::Corrupt {
                ty,
                message: e.to_string(),
            };
            // The block format states its decompressed length up front:
            // refuse before allocating.
            let len = snap::raw::decompress_len(input).map_err(corrupt)?;
            if len > limit {
                return Err(DecompressError::TooLarge { limit });
            }
            snap::raw::Decoder::new().decompress_vec(input).map_err(corrupt)
        }
        _ => {
            let mut reader = decoder(ty, input)?;
            read_bounded(&mut reader, ty, limit)
        }
    }
}

/// The decompressed length a Snappy *block* body states up front, so a
/// caller can refuse or account for it before decompressing; `None` when
/// the body is in the framing format (which states no total).
pub fn snappy_declared_len(input: &[u8]) -> Result<Option<usize>, DecompressError> {
    if input.starts_with(SNAPPY_FRAMED_MAGIC) {
        return Ok(None);
    }
    snap::raw::decompress_len(input)
        .map(Some)
        .map_err(|e| DecompressError::Corrupt {
            ty: CompressionType::Snappy,
            message: e.to_string(),
        })
}

/// A streaming decoder for `ty` over `input`, for callers that read in steps
/// (to account for memory as it grows). The caller bounds what it reads.
/// The Snappy block format cannot stream: use [`decompress`] for it.
pub fn decoder<'a, R: Read + 'a>(
    ty: CompressionType,
    input: R,
) -> Result<Box<dyn Read + 'a>, DecompressError> {
    let corrupt = |message: String| DecompressError::Corrupt { ty, message };
    Ok(match ty {
        CompressionType::Empty | CompressionType::None => Box::new(input),
        CompressionType::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        CompressionType::Zlib | CompressionType::Deflate => Box::new(flate2::read::ZlibDecoder::new(input)),
        CompressionType::Zstd => {
            let mut d = zstd::stream::read::Decoder::new(input).map_err(|e| corrupt(e.to_string()))?;
            // A frame may ask for a window of up to 2 GiB (window log 31);
            // refuse anything past 128 MiB (window log 27, the limit the
            // zstd CLI and Go's decoder default to), so a small frame cannot
            // claim a huge decoder buffer.
            d.window_log_max(27).map_err(|e| corrupt(e.to_string()))?;
            Box::new(d)
        }
        CompressionType::SnappyFramed => Box::new(snap::read::FrameDecoder::new(input)),
        CompressionType::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(input)),
        CompressionType::Snappy => {
            return Err(corrupt("the snappy block format cannot be streamed".to_string()));
        }
    })
}

/// Reads at most `limit` bytes; one more means too large.
fn read_bounded(
    reader: &mut dyn Read,
    ty: CompressionType,
    limit: usize,
) -> Result<Vec<u8>, DecompressError> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| DecompressError::Corrupt {
            ty,
            message: e.to_string(),
        })?;
    if out.len() > limit {
        return Err(DecompressError::TooLarge { limit });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
