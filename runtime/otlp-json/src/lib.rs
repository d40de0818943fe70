//! Spec-exact OTLP/JSON encoding and decoding for the `opentelemetry-proto`
//! (prost) types.
//!
//! This implements the "JSON Protobuf Encoding" section of the OTLP
//! specification for the three export services (traces, metrics, logs), their
//! responses, and `google.rpc.Status` error bodies:
//!
//! * keys are the lowerCamelCase proto JSON names; decoders also accept the
//!   original snake_case field names;
//! * `traceId` / `spanId` / `parentSpanId` are hex strings (written
//!   lowercase, read case-insensitively, wrong length or non-hex is an
//!   error); other `bytes` fields are base64 (standard alphabet on output;
//!   standard or URL-safe, padded or not, on input);
//! * enums are written as integers; names (`"SPAN_KIND_SERVER"`) are accepted;
//! * 64-bit integers are written as decimal strings; strings and JSON
//!   numbers are both accepted;
//! * doubles are JSON numbers, with `"NaN"`, `"Infinity"` and `"-Infinity"`
//!   as strings (numeric strings are accepted too);
//! * unknown fields are ignored and `null` means "default" for every field;
//! * default values are omitted on output, except oneof members
//!   (`{"intValue":"0"}`, metric `"gauge":{}`, ...) and explicitly optional
//!   fields (`HistogramDataPoint.sum/min/max`, ...), which are written when
//!   set.
//!
//! Output is compact JSON written directly into a `Vec<u8>`. Input is parsed
//! by a small pull parser straight into the prost structs (no intermediate
//! JSON tree). Decoding never panics; errors carry the JSON path of the
//! offending value:
//!
//! ```
//! let doc = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abc"}]}]}]}"#;
//! let err = otelcol_otlp_json::decode_traces(doc).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#"resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex characters, got "abc""#
//! );
//! ```
//!
//! Decoding accepts messages nested at most [`MAX_MESSAGE_DEPTH`] levels
//! below the request (protobuf's limit, so whatever is accepted can be
//! forwarded as protobuf), and nested `AnyValue`s at most
//! [`MAX_ANY_VALUE_DEPTH`] levels.

mod decode;
mod encode;
mod reader;
mod writer;

use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};

/// Maximum nesting of `AnyValue`s (an `arrayValue`/`kvlistValue` inside
/// another) accepted by the decoders; deeper documents are rejected with a
/// [`DecodeError`] instead of risking a stack overflow. A top-level attribute
/// value or log body is depth 1. [`MAX_MESSAGE_DEPTH`] refuses first (at
/// most 49 nested `AnyValue`s fit in it); this bound stays as the guard of
/// the decoder's recursion.
pub const MAX_ANY_VALUE_DEPTH: usize = 128;

/// Most messages nested below the request message that the decoders accept
/// (the request is not counted; a span is 3 deep, its attribute's `AnyValue`
/// 5). This is prost's and Go protobuf's default recursion limit, so every
/// document the decoders accept encodes to protobuf that the next hop's
/// decoder accepts too. Every OTLP/JSON object is one message, so deeper
/// documents (about 47 nested `arrayValue`s in a span attribute, or 31
/// `kvlistValue`s) are refused with a [`DecodeError`].
pub const MAX_MESSAGE_DEPTH: usize = 100;

/// An OTLP/JSON document could not be decoded.
///
/// Displays as `<path>: <message>`, e.g.
/// `resourceSpans[0].scopeSpans[0].spans[2].traceId: expected 32 hex characters, got "abc"`
/// (just `<message>` when the problem is at the document root).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{}", .0.path, if .0.path.is_empty() { "" } else { ": " }, .0.message)]
pub struct DecodeError(Box<ErrorInner>);

/// Boxed so that `Result<T, DecodeError>` stays small on the hot path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorInner {
    path: String,
    message: String,
}

impl DecodeError {
    #[cold]
    pub(crate) fn new(path: String, message: String) -> Self {
        DecodeError(Box::new(ErrorInner { path, message }))
    }

    /// JSON path of the offending value, e.g.
    /// `resourceSpans[0].scopeSpans[1].spans[3].traceId`; empty for the root.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// What was wrong, e.g. `expected 32 hex characters, got "abc"`.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// Initial buffer size for encoded documents.
const INITIAL_CAPACITY: usize = 1024;

/// Encodes a trace export request as compact OTLP/JSON.
pub fn encode_traces(req: &ExportTraceServiceRequest) -> Vec<u8> {
    let mut out = Vec::with_capacity(INITIAL_CAPACITY);
    encode::traces_request(&mut out, req);
    out
}

/// Encodes a metrics export request as compact OTLP/JSON.
pub fn encode_metrics(req: &ExportMetricsServiceRequest) -> Vec<u8> {
    let mut out = Vec::with_capacity(INITIAL_CAPACITY);
    encode::metrics_request(&mut out, req);
    out
}

/// Encodes a logs export request as compact OTLP/JSON.
pub fn encode_logs(req: &ExportLogsServiceRequest) -> Vec<u8> {
    let mut out = Vec::with_capacity(INITIAL_CAPACITY);
    encode::logs_request(&mut out, req);
    out
}

/// Decodes an OTLP/JSON trace export request.
pub fn decode_traces(bytes: &[u8]) -> Result<ExportTraceServiceRequest, DecodeError> {
    decode::traces_request(&mut reader::Reader::new(bytes)?)
}

/// Decodes an OTLP/JSON metrics export request.
pub fn decode_metrics(bytes: &[u8]) -> Result<ExportMetricsServiceRequest, DecodeError> {
    decode::metrics_request(&mut reader::Reader::new(bytes)?)
}

/// Decodes an OTLP/JSON logs export request.
pub fn decode_logs(bytes: &[u8]) -> Result<ExportLogsServiceRequest, DecodeError> {
    decode::logs_request(&mut reader::Reader::new(bytes)?)
}

/// Encodes a trace export response (`{}` or `{"partialSuccess":{...}}`).
pub fn encode_trace_response(r: &ExportTraceServiceResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode::trace_response(&mut out, r);
    out
}

/// Encodes a metrics export response (`{}` or `{"partialSuccess":{...}}`).
pub fn encode_metrics_response(r: &ExportMetricsServiceResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode::metrics_response(&mut out, r);
    out
}

/// Encodes a logs export response (`{}` or `{"partialSuccess":{...}}`).
pub fn encode_logs_response(r: &ExportLogsServiceResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode::logs_response(&mut out, r);
    out
}

/// Decodes an OTLP/JSON trace export response.
pub fn decode_trace_response(b: &[u8]) -> Result<ExportTraceServiceResponse, DecodeError> {
    decode::trace_response(&mut reader::Reader::new(b)?)
}

/// Decodes an OTLP/JSON metrics export response.
pub fn decode_metrics_response(b: &[u8]) -> Result<ExportMetricsServiceResponse, DecodeError> {
    decode::metrics_response(&mut reader::Reader::new(b)?)
}

/// Decodes an OTLP/JSON logs export response.
pub fn decode_logs_response(b: &[u8]) -> Result<ExportLogsServiceResponse, DecodeError> {
    decode::logs_response(&mut reader::Reader::new(b)?)
}

/// Encodes a `google.rpc.Status` as JSON: `{"code":<int>,"message":"..."}`.
///
/// `code` and `message` are always written (even when 0 / empty); `details`
/// is omitted (it would be empty).
pub fn encode_status(code: i32, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 32);
    encode::status_message(&mut out, code, message);
    out
}

/// Decodes a `google.rpc.Status` JSON body into `(code, message)`; `details`
/// and unknown fields are ignored. Useful for exporters reading error
/// responses.
pub fn decode_status(b: &[u8]) -> Result<(i32, String), DecodeError> {
    decode::status_message(&mut reader::Reader::new(b)?)
}
