//! The HTTP side: encode and snappy-compress a write request, POST it with
//! the remote-write headers, classify the answer (5xx and 429 retryable,
//! `Retry-After` read, other statuses permanent).

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use otelcol_component::{BuildInfo, ConfigError};
use otelcol_confighttp::UrlCredentials;
use prost::Message as _;

use crate::config::PrwExporterConfig;
use crate::proto::WriteRequest;

/// Most of an error response body that is read for the log.
const MAX_ERROR_BODY: usize = 1024;
/// `X-Prometheus-Remote-Write-Version` of remote write 1.0.
pub const REMOTE_WRITE_VERSION: &str = "0.1.0";

/// Protobuf-encodes and snappy-compresses a request.
pub fn encode(req: &WriteRequest) -> Result<Bytes, String> {
    let raw = req.encode_to_vec();
    snap::raw::Encoder::new()
        .compress_vec(&raw)
        .map(Bytes::from)
        .map_err(|e| format!("snappy compression failed: {e}"))
}

/// The `User-Agent` the Go exporter sends: lower-cased description with
/// dashes, slash, version (`opentelemetry-collector-in-rust/0.1.0`).
pub fn user_agent(build: &BuildInfo) -> String {
    format!(
        "{}/{}",
        build.description.to_lowercase().replace(' ', "-"),
        build.version
    )
}

/// Posts write requests to one endpoint.
pub struct RemoteWriteClient {
    client: Client<HttpConnector, Full<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
    /// `auth`: the client authenticator, found at start.
    pub(crate) auth: std::sync::Arc<otelcol_component::auth::ClientAuthSlot>,
}

impl fmt::Debug for RemoteWriteClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteWriteClient")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

impl RemoteWriteClient {
    /// A client for a validated config (no connection yet).
    pub fn new(cfg: &PrwExporterConfig, build: &BuildInfo) -> Result<Self, ConfigError> {
        let uri = cfg.uri()?;
        let mut headers = HeaderMap::new();
        // A userinfo is sent as basic auth, as Go's client does, and kept out
        // of the URL so that no message quotes it.
        let creds = UrlCredentials::split(&uri.to_string());
        let uri = match creds.basic_auth {
            Some(auth) => {
                let mut v = HeaderValue::from_str(&auth).map_err(|_| {
                    ConfigError::at(
                        "endpoint",
                        "the user name and password of the URL are not valid in a header",
                    )
                })?;
                v.set_sensitive(true);
                headers.insert(AUTHORIZATION, v);
                creds
                    .url
                    .parse()
                    .map_err(|e| ConfigError::at("endpoint", format!("invalid endpoint: {e}")))?
            }
            None => uri,
        };
        for (k, v) in cfg.headers.iter() {
            let Ok(name) = HeaderName::from_bytes(k.as_bytes()) else {
                tracing::warn!(
                    "headers: {k:?} is not a valid HTTP header name and is not sent (the Go collector accepts it in config and fails every request that carries it)"
                );
                continue;
            };
            let value = HeaderValue::from_str(v)
                .map_err(|e| ConfigError::at(format!("headers::{k}"), e.to_string()))?;
            headers.insert(name, value);
        }
        // The protocol headers cannot be overridden by `headers`.
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("snappy"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf"));
        headers.insert(
            HeaderName::from_static("x-prometheus-remote-write-version"),
            HeaderValue::from_static(REMOTE_WRITE_VERSION),
        );
        let ua = HeaderValue::from_str(&user_agent(build))
            .map_err(|e| ConfigError::new(format!("user agent: {e}")))?;
        headers.insert(USER_AGENT, ua);
        let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        Ok(RemoteWriteClient {
            client,
            uri,
            headers,
            auth: std::sync::Arc::new(otelcol_component::auth::ClientAuthSlot::new(
                cfg.auth.as_ref().map(|a| a.authenticator.clone()),
            )),
        })
    }

    /// The endpoint.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// One attempt: POST `body`, within `timeout` when given.
    pub async fn post(&self, body: Bytes, timeout: Option<Duration>) -> Result<(), AttemptError> {
        let mut req = Request::post(self.uri.clone())
            .body(Full::new(body))
            .map_err(|e| AttemptError::Permanent(format!("building the request failed: {e}")))?;
        req.headers_mut().extend(self.headers.clone());
        let auth = self
            .auth
            .headers(&otelcol_component::RequestContext::default())
            .await
            .map_err(|e| {
                if e.is_retryable() {
                    AttemptError::Retryable {
                        message: e.message().to_string(),
                        retry_after: None,
                    }
                } else {
                    AttemptError::Permanent(e.message().to_string())
                }
            })?;
        for (k, v) in auth {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                AttemptError::Permanent(format!("client authentication: {k:?} is not a header name"))
            })?;
            let mut value = HeaderValue::from_str(&v).map_err(|_| {
                AttemptError::Permanent(format!(
                    "client authentication: the value of {k:?} is not a header value"
                ))
            })?;
            value.set_sensitive(true);
            req.headers_mut().insert(name, value);
        }
        let call = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| AttemptError::Retryable {
                    message: format!("remote write request failed: {e}"),
                    retry_after: None,
                })?;
            let status = resp.status();
            if status.is_success() {
                return Ok(());
            }
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = match Limited::new(resp.into_body(), 64 * 1024).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => Bytes::new(),
            };
            let text = String::from_utf8_lossy(&body[..body.len().min(MAX_ERROR_BODY)])
                .trim()
                .to_string();
            Err(classify(status, retry_after, &text))
        };
        let Some(timeout) = timeout else { return call.await };
        match tokio::time::timeout(timeout, call).await {
            Ok(r) => r,
            Err(_) => Err(AttemptError::Retryable {
                message: format!("remote write request timed out after {timeout:?}"),
                retry_after: None,
            }),
        }
    }
}

/// The outcome of one failed request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttemptError {
    /// Worth retrying (5xx, 429, connection errors), after `retry_after` if the server said so.
    #[error("{message}")]
    Retryable {
        /// What happened.
        message: String,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Never retried (4xx other than 429, encoding errors).
    #[error("{0}")]
    Permanent(String),
}

/// The error for a non-2xx answer.
pub(crate) fn classify(status: StatusCode, retry_after: Option<Duration>, body: &str) -> AttemptError {
    let message = format!("remote write returned HTTP status {status}: {body}");
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        AttemptError::Retryable { message, retry_after }
    } else {
        AttemptError::Permanent(message)
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Label, Sample, TimeSeries};

    #[test]
    fn classification() {
        assert!(matches!(
            classify(StatusCode::SERVICE_UNAVAILABLE, None, ""),
            AttemptError::Retryable { .. }
        ));
        let e = classify(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(2)),
            "slow down",
        );
        assert_eq!(
            e,
            AttemptError::Retryable {
                message: "remote write returned HTTP status 429 Too Many Requests: slow down".into(),
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert!(
            matches!(classify(StatusCode::BAD_REQUEST, None, "out of order"), AttemptError::Permanent(m) if m.contains("out of order"))
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn encoding_round_trips_through_snappy() {
        let req = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![Label {
                    name: "__name__".into(),
                    value: "up".into(),
                }],
                samples: vec![Sample {
                    value: 1.0,
                    timestamp: 5,
                }],
                ..Default::default()
            }],
            metadata: vec![],
        };
        let body = encode(&req).unwrap();
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        assert_eq!(WriteRequest::decode(raw.as_slice()).unwrap(), req);
    }

    #[test]
    fn user_agent_like_go() {
        let b = BuildInfo {
            description: "OpenTelemetry Collector in Rust".into(),
            version: "1.2".into(),
            ..BuildInfo::default()
        };
        assert_eq!(user_agent(&b), "opentelemetry-collector-in-rust/1.2");
    }
}
