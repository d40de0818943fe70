//! Reading responses: status classification, `Retry-After`, partial
//! success and error messages of the body.

use std::time::{Duration, SystemTime};

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, StatusCode};
use otelcol_component::{ConsumeError, Payload};
use otelcol_otlp_status::rpc::Status as RpcStatus;
use otelcol_otlp_status::status::is_retryable_http;
use prost::Message;

/// `Content-Type` of protobuf bodies.
pub(crate) const PROTOBUF: &str = "application/x-protobuf";
/// `Content-Type` of JSON bodies.
pub(crate) const JSON: &str = "application/json";

/// Classifies a non-2xx answer as the Go `otlphttp` exporter does: 429, 502,
/// 503 and 504 are retryable (429 and 503 with `Retry-After` as retry-after),
/// 400 is invalid data, everything else is permanent.
pub fn classify(status: StatusCode, retry_after: Option<&HeaderValue>, msg: String) -> ConsumeError {
    if !is_retryable_http(status) {
        return if status == StatusCode::BAD_REQUEST {
            ConsumeError::invalid_data(msg)
        } else {
            ConsumeError::permanent(msg)
        };
    }
    let throttled = matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    );
    match retry_after.filter(|_| throttled).and_then(parse_retry_after) {
        Some(d) => ConsumeError::retryable_after(msg, d),
        None => ConsumeError::retryable(msg),
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date.
pub fn parse_retry_after(v: &HeaderValue) -> Option<Duration> {
    let s = v.to_str().ok()?.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(s).ok()?;
    Some(date.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

pub(crate) fn media_type(h: &HeaderMap) -> String {
    h.get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The `(rejected, message)` of a 2xx response body, when it reports a partial success.
pub(crate) fn partial_success<T: Payload>(
    content_type: &str,
    body: &[u8],
) -> Result<Option<(u64, String)>, String> {
    if body.is_empty() {
        return Ok(None);
    }
    let resp = match content_type {
        PROTOBUF => T::Response::decode(body).map_err(|e| format!("error parsing protobuf response: {e}"))?,
        JSON => T::response_from_json(body).map_err(|e| format!("error parsing json response: {e}"))?,
        _ => return Ok(None),
    };
    Ok(match T::partial_success(&resp) {
        Some(p) if !p.is_empty() => Some((u64::try_from(p.rejected).unwrap_or(0), p.error_message)),
        _ => None,
    })
}

pub(crate) fn error_message(content_type: &str, body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    match content_type {
        JSON => otelcol_otlp_json::decode_status(body).ok().map(|(_, m)| m),
        "" | PROTOBUF => RpcStatus::decode(body).ok().map(|s| s.message),
        t if t.starts_with("text/") => {
            let text = String::from_utf8_lossy(body);
            Some(text.trim().chars().take(256).collect())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    #[test]
    fn classification_follows_go() {
        for s in [429, 502, 503, 504] {
            assert!(classify(StatusCode::from_u16(s).unwrap(), None, String::new()).is_retryable());
        }
        for s in [401, 403, 404, 413, 500, 501] {
            assert!(classify(StatusCode::from_u16(s).unwrap(), None, String::new()).is_permanent());
        }
        let bad = classify(StatusCode::BAD_REQUEST, None, "m".into());
        assert_eq!(
            bad.kind(),
            &otelcol_component::ConsumeErrorKind::Permanent { invalid_data: true }
        );
        let e = classify(StatusCode::SERVICE_UNAVAILABLE, Some(&hv("7")), String::new());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = classify(StatusCode::BAD_GATEWAY, Some(&hv("7")), String::new());
        assert_eq!(e.retry_after(), None, "only 429 and 503 carry a throttle delay");
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after(&hv("120")), Some(Duration::from_secs(120)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
        let d = parse_retry_after(&hv(&later)).unwrap();
        assert!(
            d > Duration::from_secs(3000) && d <= Duration::from_secs(3600),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after(&hv("Sun, 06 Nov 1994 08:49:37 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after(&hv("soon")), None);
    }

    #[test]
    fn error_bodies_give_their_message() {
        let proto =
            RpcStatus::new(otelcol_otlp_status::status::Code::InvalidArgument, "bad span").encode_to_vec();
        assert_eq!(error_message(PROTOBUF, &proto).as_deref(), Some("bad span"));
        let json = otelcol_otlp_json::encode_status(3, "bad json span");
        assert_eq!(error_message(JSON, &json).as_deref(), Some("bad json span"));
        assert_eq!(error_message("text/plain", b" nope \n").as_deref(), Some("nope"));
        assert_eq!(error_message(PROTOBUF, b""), None);
    }
}
