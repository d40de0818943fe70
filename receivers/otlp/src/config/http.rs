//! `protocols::http`: the HTTP server block (Go `confighttp.ServerConfig`)
//! plus the OTLP URL paths.

use std::collections::BTreeMap;
use std::time::Duration;

use otelcol_component::ConfigError;
use serde::{Deserialize, Deserializer, Serialize};

use super::serde_util::{null_as_default, present_as_some};
use super::{AuthConfig, MiddlewareConfig, TlsServerConfig, refuse_unsupported};
use otelcol_httpserver::conn::{ConnectionLimits, DEFAULT_MAX_CONNECTIONS, nonzero};
use otelcol_httpserver::endpoint::Endpoint;

/// Default HTTP listen endpoint.
pub const DEFAULT_HTTP_ENDPOINT: &str = "localhost:4318";
/// Default `max_request_body_size`: 20 MiB.
pub const DEFAULT_MAX_REQUEST_BODY_SIZE: i64 = 20 * 1024 * 1024;
/// Default `read_header_timeout`: 1 minute (Go `confighttp.NewDefaultServerConfig`;
/// Go's OTLP receiver sets 0).
pub const DEFAULT_READ_HEADER_TIMEOUT: Duration = Duration::from_secs(60);
/// Default `idle_timeout`: 1 minute (Go `confighttp.NewDefaultServerConfig`;
/// Go's OTLP receiver sets 0).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default traces path.
pub const DEFAULT_TRACES_URL_PATH: &str = "/v1/traces";
/// Default metrics path.
pub const DEFAULT_METRICS_URL_PATH: &str = "/v1/metrics";
/// Default logs path.
pub const DEFAULT_LOGS_URL_PATH: &str = "/v1/logs";
/// The Go collector's default `compression_algorithms` (`""` is identity).
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
/// The `Content-Encoding`s this build decodes.
pub(crate) const SUPPORTED_COMPRESSION: [&str; 4] = ["", "gzip", "zlib", "deflate"];

/// The OTLP/HTTP server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address to listen on, `host:port`. Default `localhost:4318`.
    pub endpoint: String,
    /// TLS settings (`cert_file`/`key_file`, `client_ca_file` for mTLS). Default unset (plain text).
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsServerConfig>,
    /// Cross-origin resource sharing. Default unset (no CORS headers).
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub cors: Option<CorsConfig>,
    /// Server authenticator. Default unset. Refused by this build.
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthConfig>,
    /// Largest accepted body in bytes, also after decompression.
    /// Default 20971520 (20 MiB); 0 or less means the default.
    pub max_request_body_size: i64,
    /// Put the request headers in the request context. Default false.
    pub include_metadata: bool,
    /// Headers added to every response. Default empty. A map, or a list of
    /// `{name, value}`.
    #[serde(deserialize_with = "header_map")]
    pub response_headers: BTreeMap<String, String>,
    /// Accepted `Content-Encoding`s. Default
    /// `["", gzip, zstd, zlib, snappy, deflate, lz4, x-snappy-framed]`; an
    /// empty list turns decompression off. This build decodes `""`, `gzip`,
    /// `zlib` and `deflate`; the others are answered with 400.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression_algorithms: Option<Vec<String>>,
    /// Longest time to read a request body; also the header and idle limits
    /// when those are 0. Default 0 (no limit).
    #[serde(with = "otelcol_component::duration")]
    pub read_timeout: Duration,
    /// Longest time a new connection may take to send its first request's
    /// headers. Default 1m; 0 means `read_timeout`, and no limit when that is 0 too.
    #[serde(with = "otelcol_component::duration")]
    pub read_header_timeout: Duration,
    /// Longest time from a request's headers to its response; past it the
    /// request is abandoned and the connection closed without a response.
    /// Default 0 (no limit).
    #[serde(with = "otelcol_component::duration")]
    pub write_timeout: Duration,
    /// Longest time a connection may stay open with no request in flight
    /// after a response. Default 1m; 0 means `read_timeout`, and no limit
    /// when that is 0 too.
    #[serde(with = "otelcol_component::duration")]
    pub idle_timeout: Duration,
    /// Connections open at once on the listener (an otelcol-rs addition); a
    /// connection over the bound is closed at once. Default 4096; 0 means no bound.
    pub max_connections: usize,
    /// Keep HTTP/1.1 connections open between requests. Default true.
    pub keep_alives_enabled: bool,
    /// Middleware extensions. Default empty. Refused by this build.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub middlewares: Vec<MiddlewareConfig>,
    /// Path for traces. Default `/v1/traces`; a leading `/` is added.
    pub traces_url_path: UrlPath,
    /// Path for metrics. Default `/v1/metrics`; a leading `/` is added.
    pub metrics_url_path: UrlPath,
    /// Path for logs. Default `/v1/logs`; a leading `/` is added.
    pub logs_url_path: UrlPath,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            endpoint: DEFAULT_HTTP_ENDPOINT.to_string(),
            tls: None,
            cors: None,
            auth: None,
            max_request_body_size: DEFAULT_MAX_REQUEST_BODY_SIZE,
            include_metadata: false,
            response_headers: BTreeMap::new(),
            compression_algorithms: None,
            read_timeout: Duration::ZERO,
            read_header_timeout: DEFAULT_READ_HEADER_TIMEOUT,
            write_timeout: Duration::ZERO,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            keep_alives_enabled: true,
            middlewares: Vec::new(),
            traces_url_path: UrlPath::new(DEFAULT_TRACES_URL_PATH),
            metrics_url_path: UrlPath::new(DEFAULT_METRICS_URL_PATH),
            logs_url_path: UrlPath::new(DEFAULT_LOGS_URL_PATH),
        }
    }
}

/// `cors`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// Allowed `Origin`s; `*` matches any run of characters
    /// (`https://*.example.com`), `*` alone any origin. Default empty (CORS off).
    pub allowed_origins: Vec<String>,
    /// Request headers allowed besides `Accept`, `Accept-Language`,
    /// `Content-Type` and `Content-Language`; `*` allows all. Default empty
    /// (then `X-Requested-With` is allowed too).
    pub allowed_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds. Default 0 (header not sent).
    pub max_age: i64,
}

/// A URL path; deserializing adds a leading `/` when missing, as Go does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct UrlPath(String);

impl UrlPath {
    /// Normalises `path`: drops a query or fragment, adds a leading `/`.
    pub fn new(path: &str) -> Self {
        let end = path.find(['?', '#']).unwrap_or(path.len());
        let path = path.get(..end).unwrap_or(path);
        if path.starts_with('/') {
            UrlPath(path.to_string())
        } else {
            UrlPath(format!("/{path}"))
        }
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for UrlPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(UrlPath::new(&String::deserialize(d)?))
    }
}

fn header_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Pair {
        name: String,
        value: String,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Map(BTreeMap<String, String>),
        List(Vec<Pair>),
    }
    Ok(match null_as_default::<D, Option<Form>>(d)? {
        None => BTreeMap::new(),
        Some(Form::Map(m)) => m,
        Some(Form::List(l)) => l.into_iter().map(|p| (p.name, p.value)).collect(),
    })
}

impl HttpConfig {
    /// The effective body limit in bytes.
    pub fn max_request_body_size(&self) -> usize {
        let n = if self.max_request_body_size <= 0 {
            DEFAULT_MAX_REQUEST_BODY_SIZE
        } else {
            self.max_request_body_size
        };
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// The per-connection limits, with Go's fallbacks: 0 means
    /// `read_timeout`, and no limit when that is 0 too.
    pub fn connection_limits(&self) -> ConnectionLimits {
        let or_read = |d: Duration| nonzero(d).or(nonzero(self.read_timeout));
        ConnectionLimits {
            first_request_timeout: or_read(self.read_header_timeout),
            idle_timeout: or_read(self.idle_timeout),
            request_timeout: nonzero(self.write_timeout),
            max_age: None,
            max_age_grace: None,
        }
    }

    /// The effective list of accepted `Content-Encoding`s.
    pub fn compression_algorithms(&self) -> Vec<String> {
        match &self.compression_algorithms {
            Some(list) => list.clone(),
            None => DEFAULT_COMPRESSION_ALGORITHMS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    pub(crate) fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        Endpoint::parse(&self.endpoint).map_err(|e| ConfigError::at(format!("{prefix}::endpoint"), e))?;
        refuse_unsupported(prefix, &self.tls, &self.auth, &self.middlewares)?;
        for alg in self.compression_algorithms.iter().flatten() {
            if !DEFAULT_COMPRESSION_ALGORITHMS.contains(&alg.as_str()) {
                return Err(ConfigError::at(
                    format!("{prefix}::compression_algorithms"),
                    format!(
                        "unknown compression algorithm {alg:?}; known: {DEFAULT_COMPRESSION_ALGORITHMS:?}"
                    ),
                ));
            }
        }
        for (name, value) in &self.response_headers {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err()
                || http::HeaderValue::from_str(value).is_err()
            {
                return Err(ConfigError::at(
                    format!("{prefix}::response_headers::{name}"),
                    "not a valid HTTP header name and value",
                ));
            }
        }
        let paths = [
            ("traces_url_path", &self.traces_url_path),
            ("metrics_url_path", &self.metrics_url_path),
            ("logs_url_path", &self.logs_url_path),
        ];
        for (i, (key, path)) in paths.iter().enumerate() {
            if let Some((other, _)) = paths.iter().skip(i + 1).find(|(_, p)| p == path) {
                return Err(ConfigError::at(
                    format!("{prefix}::{key}"),
                    format!("path {:?} is also used by {other}", path.as_str()),
                ));
            }
        }
        Ok(())
    }

    /// Keys this build accepts but does not apply, when set.
    pub(crate) fn unapplied_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        // Only an explicit list warns: the default names every Go algorithm.
        for alg in self.compression_algorithms.iter().flatten() {
            if !SUPPORTED_COMPRESSION.contains(&alg.as_str()) {
                keys.push(format!("compression_algorithms: {alg}"));
            }
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_limits_default_to_confighttp() {
        let l = HttpConfig::default().connection_limits();
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(60)));
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(60)));
        assert_eq!(l.request_timeout, None);
        assert_eq!(l.max_age, None);
        assert_eq!(HttpConfig::default().max_connections, 4096);
    }

    #[test]
    fn timeouts_parse_go_durations_and_fall_back_like_go() {
        let cfg: HttpConfig = serde_yaml::from_str(
            "read_header_timeout: 1s\nidle_timeout: 1m30s\nwrite_timeout: 500ms\nmax_connections: 10\n",
        )
        .unwrap();
        let l = cfg.connection_limits();
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(1)));
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(90)));
        assert_eq!(l.request_timeout, Some(Duration::from_millis(500)));
        assert_eq!(cfg.max_connections, 10);

        // 0 means read_timeout, and no limit when that is 0 too.
        let cfg: HttpConfig =
            serde_yaml::from_str("read_header_timeout: 0s\nidle_timeout: 0\nread_timeout: 5s\n").unwrap();
        let l = cfg.connection_limits();
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(5)));
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(5)));
        let cfg: HttpConfig = serde_yaml::from_str("read_header_timeout: 0s\nidle_timeout: 0s\n").unwrap();
        let l = cfg.connection_limits();
        assert_eq!((l.first_request_timeout, l.idle_timeout), (None, None));

        assert!(serde_yaml::from_str::<HttpConfig>("idle_timeout: soon\n").is_err());
    }
}
