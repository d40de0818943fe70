//! Typed errors: why a body did not become spans, and why a request body
//! could not be read.

use std::fmt;

use otelcol_component::ConsumeError;

/// The wire format of a request, chosen as Go chooses it: the path (a path
/// containing `api/v1/spans` is Zipkin v1, anything else v2) and the
/// `Content-Type` (`application/x-thrift` on v1, `application/x-protobuf`
/// on v2; JSON otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Zipkin v1 JSON (`/api/v1/spans`).
    V1Json,
    /// Zipkin v1 Thrift (`/api/v1/spans`, `application/x-thrift`).
    V1Thrift,
    /// Zipkin v2 JSON (`/api/v2/spans`).
    V2Json,
    /// Zipkin v2 protobuf (`/api/v2/spans`, `application/x-protobuf`).
    V2Proto,
}

impl Format {
    /// Every format, in the order of Go's transports.
    pub const ALL: [Format; 4] = [Format::V1Thrift, Format::V1Json, Format::V2Json, Format::V2Proto];

    /// The `transport` label of the self-metrics, as Go's receiver names it.
    pub fn transport(self) -> &'static str {
        match self {
            Format::V1Json => "http_v1_json",
            Format::V1Thrift => "http_v1_thrift",
            Format::V2Json => "http_v2_json",
            Format::V2Proto => "http_v2_proto",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::V1Json => "Zipkin v1 JSON",
            Format::V1Thrift => "Zipkin v1 Thrift",
            Format::V2Json => "Zipkin v2 JSON",
            Format::V2Proto => "Zipkin v2 protobuf",
        })
    }
}

/// Why a request body did not translate to spans (answered with 400).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body is not a well-formed document of the format (syntax, types,
    /// nesting, truncation).
    #[error("invalid {format} body: {message}")]
    Malformed {
        /// The format the body was read as.
        format: Format,
        /// What the parser said.
        message: String,
    },
    /// One span is well-formed but unusable (missing or invalid ids, out of
    /// range timestamps, undecodable link or event tags).
    #[error("invalid {format} span #{index}: {message}")]
    Span {
        /// The format the body was read as.
        format: Format,
        /// The span's position in the body, from 0.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

impl DecodeError {
    pub(crate) fn malformed(format: Format, message: impl fmt::Display) -> Self {
        DecodeError::Malformed {
            format,
            message: message.to_string(),
        }
    }

    pub(crate) fn span(format: Format, index: usize, message: impl fmt::Display) -> Self {
        DecodeError::Span {
            format,
            index,
            message: message.to_string(),
        }
    }
}

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The `Content-Encoding` is not enabled or not supported.
    #[error("unsupported Content-Encoding: {0}")]
    UnsupportedEncoding(String),
    /// The body, or its decompressed form, is over `max_request_body_size`.
    #[error("request body too large: the limit is {0} bytes")]
    TooLarge(usize),
    /// The connection failed while the body was read.
    #[error("failed to read the request body: {0}")]
    Read(String),
    /// `read_timeout` passed before the body was read.
    #[error("timed out reading the request body")]
    Timeout,
    /// The compressed body is corrupt.
    #[error("failed to decompress the request body: {0}")]
    Decompress(String),
    /// An admission gate (the memory limiter) refused the memory.
    #[error("{0}")]
    Refused(ConsumeError),
}
