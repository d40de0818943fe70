//! From a request body in one of the four formats to OTLP resource spans.

use otelcol_component::proto::trace::v1::ResourceSpans;

use crate::error::{DecodeError, Format};
use crate::model::json_top_level_elements;
use crate::{v1, v1_json, v1_thrift, v2, v2_json, v2_proto};

/// What translating a body is charged per span (the Zipkin struct, the
/// OTLP span and their first attributes).
const PER_SPAN: u64 = 1024;

/// An upper bound of the memory translating `body` takes, from a scan that
/// allocates nothing: three times its bytes (the strings are copied into
/// the Zipkin structs, then into the OTLP ones) plus [`PER_SPAN`] per span.
/// Small spans cost far more than their bytes (`{"traceId":"1","id":"2"}`
/// becomes about 700 bytes), which the per-span part accounts for.
pub(crate) fn estimate(format: Format, body: &[u8]) -> u64 {
    let spans = match format {
        Format::V1Json | Format::V2Json => json_top_level_elements(body),
        Format::V2Proto => v2_proto::count(body),
        Format::V1Thrift => v1_thrift::count(body),
    };
    (body.len() as u64)
        .saturating_mul(3)
        .saturating_add((spans as u64).saturating_mul(PER_SPAN))
}

/// Translates a (decompressed) request body of `format` to OTLP, as the Go
/// receiver's `zipkinv1`/`zipkinv2` unmarshalers do; `parse_string_tags`
/// types tag strings that look like numbers or booleans (not for Thrift,
/// whose values are typed already).
///
/// ```
/// use otelcol_receiver_zipkin::{Format, translate};
///
/// let body = br#"[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","name":"get",
///   "kind":"SERVER","timestamp":1556604172355737,"duration":1431,
///   "localEndpoint":{"serviceName":"backend"},"tags":{"http.status_code":"200"}}]"#;
/// let resources = translate(Format::V2Json, body, true).unwrap();
/// let span = &resources[0].scope_spans[0].spans[0];
/// assert_eq!(span.name, "get");
/// assert_eq!(span.start_time_unix_nano, 1_556_604_172_355_737_000);
///
/// let err = translate(Format::V2Json, b"[{\"id\":\"1\"}]", false).unwrap_err();
/// assert_eq!(err.to_string(), "invalid Zipkin v2 JSON span #0: valid traceId required");
/// ```
pub fn translate(
    format: Format,
    body: &[u8],
    parse_string_tags: bool,
) -> Result<Vec<ResourceSpans>, DecodeError> {
    match format {
        Format::V2Json => v2::to_otlp(v2_json::decode(body)?, parse_string_tags, format),
        Format::V2Proto => v2::to_otlp(v2_proto::decode(body)?, parse_string_tags, format),
        Format::V1Json => v1::to_otlp(v1_json::decode(body, parse_string_tags)?, format),
        Format::V1Thrift => v1::to_otlp(v1_thrift::decode(body)?, format),
    }
}

/// The format of a request, as Go picks it: `v1` when the path contains
/// `api/v1/spans`; then the media type of `Content-Type` (parameters and
/// case ignored): `application/x-thrift` (v1) and `application/x-protobuf`
/// (v2) are binary, anything else is JSON.
pub fn format_of(path: &str, content_type: Option<&str>) -> Format {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if path.contains("api/v1/spans") {
        if media.eq_ignore_ascii_case("application/x-thrift") {
            Format::V1Thrift
        } else {
            Format::V1Json
        }
    } else if media.eq_ignore_ascii_case("application/x-protobuf") {
        Format::V2Proto
    } else {
        Format::V2Json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_go_picks_them() {
        let cases = [
            ("/api/v1/spans", None, Format::V1Json),
            ("/api/v1/spans", Some("application/json"), Format::V1Json),
            ("/api/v1/spans", Some("application/x-thrift"), Format::V1Thrift),
            ("/api/v1/spans", Some("application/x-protobuf"), Format::V1Json),
            ("/api/v2/spans", None, Format::V2Json),
            ("/api/v2/spans", Some("application/x-protobuf"), Format::V2Proto),
            (
                "/api/v2/spans",
                Some("Application/X-Protobuf; charset=binary"),
                Format::V2Proto,
            ),
            ("/api/v2/spans", Some("application/x-thrift"), Format::V2Json),
            ("/", Some("text/plain"), Format::V2Json),
            ("/zipkin/api/v1/spans", None, Format::V1Json),
        ];
        for (path, ct, want) in cases {
            assert_eq!(format_of(path, ct), want, "{path} {ct:?}");
        }
        let transports: Vec<&str> = Format::ALL.iter().map(|f| f.transport()).collect();
        assert_eq!(
            transports,
            ["http_v1_thrift", "http_v1_json", "http_v2_json", "http_v2_proto"]
        );
    }
}
