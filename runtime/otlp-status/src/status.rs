//! The OTLP status mapping: gRPC codes ↔ HTTP statuses, consumer errors →
//! gRPC codes, and which codes a client may retry.
//!
//! These tables are the Go collector's (`receiver/otlpreceiver/internal/errors`,
//! `internal/httphelper`) and the OTLP specification's; exporters use the same
//! table to classify responses.

use std::time::Duration;

use http::StatusCode;
use otelcol_component::{ConsumeError, ConsumeErrorKind};
pub use tonic::Code;

/// The HTTP status a receiver answers for a gRPC status code.
///
/// Retryable codes (`Cancelled`, `DeadlineExceeded`, `Aborted`, `OutOfRange`,
/// `Unavailable`, `DataLoss`) → 503; `ResourceExhausted` → 429;
/// `InvalidArgument` → 400; `Unauthenticated` → 401; `PermissionDenied` → 403;
/// `Unimplemented` → 404; anything else → 500.
pub fn grpc_to_http(code: Code) -> StatusCode {
    match code {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => StatusCode::SERVICE_UNAVAILABLE,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::InvalidArgument => StatusCode::BAD_REQUEST,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unimplemented => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The gRPC code put in the `google.rpc.Status` body of an HTTP error that
/// did not come from a gRPC status (Go `NewStatusFromMsgAndHTTPCode`).
///
/// 400 → `InvalidArgument`; 401 → `Unauthenticated`; 403 → `PermissionDenied`;
/// 404 → `Unimplemented`; 429 → `ResourceExhausted`; 502/503/504 →
/// `Unavailable`; anything else → `Unknown`.
pub fn http_to_grpc(status: StatusCode) -> Code {
    match status.as_u16() {
        400 => Code::InvalidArgument,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::Unimplemented,
        429 => Code::ResourceExhausted,
        502..=504 => Code::Unavailable,
        _ => Code::Unknown,
    }
}

/// The gRPC code for a consumer error (Go `GetStatusFromError`): retryable →
/// `Unavailable`; permanent → `Internal`, or `InvalidArgument` when the data
/// itself is invalid. A partial rejection is not an error on the wire (the
/// response carries `partial_success`), so it maps to `Ok`.
pub fn consume_error_code(err: &ConsumeError) -> Code {
    match err.kind() {
        ConsumeErrorKind::Retryable { .. } => Code::Unavailable,
        ConsumeErrorKind::Permanent { invalid_data: true } => Code::InvalidArgument,
        ConsumeErrorKind::Permanent { invalid_data: false } => Code::Internal,
        ConsumeErrorKind::PartiallyRejected { .. } => Code::Ok,
        // A kind added later: like Go, an error that is not known to be
        // permanent is treated as retryable.
        _ if err.is_retryable() => Code::Unavailable,
        _ => Code::Internal,
    }
}

/// Whether an OTLP/gRPC client may retry a request that failed with `code`.
/// `ResourceExhausted` is retryable only when the status carries `RetryInfo`.
pub fn is_retryable_grpc(code: Code, has_retry_info: bool) -> bool {
    match code {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => true,
        Code::ResourceExhausted => has_retry_info,
        _ => false,
    }
}

/// Whether an OTLP/HTTP client may retry a request answered with `status`
/// (429, 502, 503 and 504 only).
pub fn is_retryable_http(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// The `Retry-After` header value for a retry delay, in whole seconds
/// (truncated, as the Go collector writes it).
pub fn retry_after_header(delay: Duration) -> String {
    delay.as_secs().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_to_http_matches_go_table() {
        let cases = [
            (Code::Ok, 500),
            (Code::Cancelled, 503),
            (Code::Unknown, 500),
            (Code::InvalidArgument, 400),
            (Code::DeadlineExceeded, 503),
            (Code::NotFound, 500),
            (Code::AlreadyExists, 500),
            (Code::PermissionDenied, 403),
            (Code::ResourceExhausted, 429),
            (Code::FailedPrecondition, 500),
            (Code::Aborted, 503),
            (Code::OutOfRange, 503),
            (Code::Unimplemented, 404),
            (Code::Internal, 500),
            (Code::Unavailable, 503),
            (Code::DataLoss, 503),
            (Code::Unauthenticated, 401),
        ];
        for (code, status) in cases {
            assert_eq!(grpc_to_http(code).as_u16(), status, "{code:?}");
        }
    }

    #[test]
    fn http_to_grpc_matches_go_table() {
        let cases = [
            (400, Code::InvalidArgument),
            (401, Code::Unauthenticated),
            (403, Code::PermissionDenied),
            (404, Code::Unimplemented),
            (413, Code::Unknown),
            (415, Code::Unknown),
            (429, Code::ResourceExhausted),
            (500, Code::Unknown),
            (502, Code::Unavailable),
            (503, Code::Unavailable),
            (504, Code::Unavailable),
        ];
        for (status, code) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(http_to_grpc(status), code, "{status}");
        }
    }

    #[test]
    fn consume_errors_map_like_go() {
        assert_eq!(
            consume_error_code(&ConsumeError::retryable("x")),
            Code::Unavailable
        );
        assert_eq!(
            consume_error_code(&ConsumeError::retryable_after("x", Duration::from_secs(3))),
            Code::Unavailable
        );
        assert_eq!(consume_error_code(&ConsumeError::permanent("x")), Code::Internal);
        assert_eq!(
            consume_error_code(&ConsumeError::invalid_data("x")),
            Code::InvalidArgument
        );
        assert_eq!(
            consume_error_code(&ConsumeError::partially_rejected(2, "x")),
            Code::Ok
        );
        // And the round trip to HTTP gives the statuses of §2.2.
        assert_eq!(grpc_to_http(Code::Unavailable), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(grpc_to_http(Code::Internal), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(grpc_to_http(Code::InvalidArgument), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn retryability_follows_the_spec() {
        assert!(is_retryable_grpc(Code::Unavailable, false));
        assert!(is_retryable_grpc(Code::DataLoss, false));
        assert!(!is_retryable_grpc(Code::ResourceExhausted, false));
        assert!(is_retryable_grpc(Code::ResourceExhausted, true));
        assert!(!is_retryable_grpc(Code::InvalidArgument, true));
        assert!(!is_retryable_grpc(Code::Internal, false));
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_http(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 404, 413, 500, 501] {
            assert!(!is_retryable_http(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn retry_after_is_whole_seconds() {
        assert_eq!(retry_after_header(Duration::from_millis(2900)), "2");
        assert_eq!(retry_after_header(Duration::from_secs(30)), "30");
    }
}
