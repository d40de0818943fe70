//! [`ServerConfig`]: the HTTP server block (Go `confighttp.ServerConfig`).

use std::collections::BTreeMap;
use std::time::Duration;

use otelcol_component::ConfigError;
use otelcol_configtls::TlsServerConfig;
use otelcol_httpserver::conn::{ConnectionLimits, DEFAULT_MAX_CONNECTIONS, nonzero};
use otelcol_httpserver::endpoint::Endpoint;
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::{AuthConfig, MiddlewareConfig, check_authenticated_server_security, check_server_security};
use crate::compression::{DEFAULT_COMPRESSION_ALGORITHMS, SUPPORTED_COMPRESSION};
use crate::headers::header_map;
use crate::overlay::{GoDuration, Overlay, deserialize_over, next_or_default};

/// The body limit used when `max_request_body_size` is 0 or less: 20 MiB.
pub const DEFAULT_MAX_REQUEST_BODY_SIZE: i64 = 20 * 1024 * 1024;
/// Default `read_header_timeout`: 1 minute.
pub const DEFAULT_READ_HEADER_TIMEOUT: Duration = Duration::from_secs(60);
/// Default `idle_timeout`: 1 minute.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default `write_timeout`: 30 seconds.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP server's settings (Go `confighttp.ServerConfig`). The defaults
/// are Go's `NewDefaultServerConfig`; a component sets its own (endpoint,
/// timeouts) and reads its config block over them with
/// [`deserialize_over`](crate::deserialize_over), or, with keys of its own
/// beside these, through [`Overlay::set_field`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerConfig {
    /// Address to listen on, `host:port`. Default empty (the component's).
    pub endpoint: String,
    /// TLS settings (`cert_file`/`key_file`, `client_ca_file` for mTLS).
    /// Default unset (plain text); `tls:` alone means TLS with the defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsServerConfig>,
    /// Cross-origin resource sharing. Default unset (no CORS headers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cors: Option<CorsConfig>,
    /// Server authenticator. Default unset. Refused by this build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthConfig>,
    /// Largest accepted body in bytes, also after decompression.
    /// Default 0, which means 20971520 (20 MiB), as does any value ≤ 0.
    pub max_request_body_size: i64,
    /// Put the request headers in the request context. Default false.
    pub include_metadata: bool,
    /// Headers added to every response. Default empty. A map, or a list of
    /// `{name, value}`.
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
    /// Default 30s; 0 means no limit.
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            endpoint: String::new(),
            tls: None,
            cors: None,
            auth: None,
            max_request_body_size: 0,
            include_metadata: false,
            response_headers: BTreeMap::new(),
            compression_algorithms: None,
            read_timeout: Duration::ZERO,
            read_header_timeout: DEFAULT_READ_HEADER_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            keep_alives_enabled: true,
            middlewares: Vec::new(),
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

impl Overlay for ServerConfig {
    const FIELDS: &'static [&'static str] = &[
        "endpoint",
        "tls",
        "cors",
        "auth",
        "max_request_body_size",
        "include_metadata",
        "response_headers",
        "compression_algorithms",
        "read_timeout",
        "read_header_timeout",
        "write_timeout",
        "idle_timeout",
        "max_connections",
        "keep_alives_enabled",
        "middlewares",
    ];
    const EXPECTING: &'static str = "the HTTP server settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "endpoint" => self.endpoint = map.next_value()?,
            "tls" => self.tls = Some(next_or_default(map)?),
            "cors" => self.cors = Some(next_or_default(map)?),
            // A null `auth:` is an error, not "no auth": it must name an authenticator.
            "auth" => self.auth = Some(map.next_value()?),
            "max_request_body_size" => self.max_request_body_size = map.next_value()?,
            "include_metadata" => self.include_metadata = map.next_value()?,
            "response_headers" => {
                self.response_headers = map.next_value::<HeaderMap>()?.0;
            }
            "compression_algorithms" => self.compression_algorithms = map.next_value()?,
            "read_timeout" => self.read_timeout = map.next_value::<GoDuration>()?.0,
            "read_header_timeout" => self.read_header_timeout = map.next_value::<GoDuration>()?.0,
            "write_timeout" => self.write_timeout = map.next_value::<GoDuration>()?.0,
            "idle_timeout" => self.idle_timeout = map.next_value::<GoDuration>()?.0,
            "max_connections" => self.max_connections = map.next_value()?,
            "keep_alives_enabled" => self.keep_alives_enabled = map.next_value()?,
            "middlewares" => self.middlewares = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `response_headers` as written (map or list; null is empty).
struct HeaderMap(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for HeaderMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        header_map(d).map(HeaderMap)
    }
}

impl<'de> Deserialize<'de> for ServerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, ServerConfig::default())
    }
}

impl ServerConfig {
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

    /// Checks the settings; errors name `<prefix>::<key>`. `auth` is
    /// refused: a server that applies it validates with
    /// [`ServerConfig::validate_authenticated`].
    pub fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        check_server_security(prefix, &self.tls, &self.auth, &self.middlewares)?;
        self.validate_authenticated(prefix)
    }

    /// As [`ServerConfig::validate`], for a server that applies `auth`.
    pub fn validate_authenticated(&self, prefix: &str) -> Result<(), ConfigError> {
        Endpoint::parse(&self.endpoint).map_err(|e| ConfigError::at(format!("{prefix}::endpoint"), e))?;
        check_authenticated_server_security(prefix, &self.tls, &self.auth, &self.middlewares)?;
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
        Ok(())
    }

    /// Keys this build accepts but does not apply, when set.
    pub fn unapplied_keys(&self) -> Vec<String> {
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

    fn parse(yaml: &str) -> ServerConfig {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn defaults_are_gos_new_default_server_config() {
        let c = ServerConfig::default();
        assert_eq!(c.read_header_timeout, Duration::from_secs(60));
        assert_eq!(c.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.write_timeout, Duration::from_secs(30));
        assert!(c.keep_alives_enabled && c.tls.is_none() && c.cors.is_none());
        assert_eq!(c.max_request_body_size(), 20 * 1024 * 1024);
        assert_eq!(c.max_connections, 4096);
        assert_eq!(c.compression_algorithms().len(), 8);
        let l = c.connection_limits();
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(60)));
        assert_eq!(l.request_timeout, Some(Duration::from_secs(30)));
        assert_eq!(parse("~"), c);
        assert_eq!(parse("{}"), c);
    }

    #[test]
    fn timeouts_parse_go_durations_and_fall_back_like_go() {
        let cfg = parse(
            "read_header_timeout: 1s\nidle_timeout: 1m30s\nwrite_timeout: 500ms\nmax_connections: 10\n",
        );
        let l = cfg.connection_limits();
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(1)));
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(90)));
        assert_eq!(l.request_timeout, Some(Duration::from_millis(500)));
        assert_eq!(l.max_age, None);
        assert_eq!(cfg.max_connections, 10);

        // 0 means read_timeout, and no limit when that is 0 too.
        let l = parse("read_header_timeout: 0s\nidle_timeout: 0\nread_timeout: 5s\n").connection_limits();
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(5)));
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(5)));
        let l = parse("read_header_timeout: 0s\nidle_timeout: 0s\nwrite_timeout: 0s\n").connection_limits();
        assert_eq!(
            (l.first_request_timeout, l.idle_timeout, l.request_timeout),
            (None, None, None)
        );

        let e = serde_yaml::from_str::<ServerConfig>("idle_timeout: soon\n").unwrap_err();
        assert!(e.to_string().contains("expected a duration"), "{e}");
    }

    #[test]
    fn keys_over_component_defaults() {
        let mine = ServerConfig {
            endpoint: "localhost:4318".into(),
            write_timeout: Duration::ZERO,
            ..ServerConfig::default()
        };
        let c = deserialize_over(
            serde_yaml::Deserializer::from_str("include_metadata: true\ncors:\ntls:\n"),
            mine.clone(),
        )
        .unwrap();
        assert_eq!(c.endpoint, "localhost:4318");
        assert_eq!(c.write_timeout, Duration::ZERO);
        assert!(c.include_metadata);
        assert_eq!(
            c.cors,
            Some(CorsConfig::default()),
            "a null block is present with defaults"
        );
        assert!(c.tls.is_some());
        let c = deserialize_over(serde_yaml::Deserializer::from_str("~"), mine.clone()).unwrap();
        assert_eq!(c, mine);
        let e = deserialize_over(serde_yaml::Deserializer::from_str("endpont: x"), mine).unwrap_err();
        assert!(
            e.to_string().contains("unknown field `endpont`, expected one of"),
            "{e}"
        );
    }

    #[test]
    fn headers_paths_and_validation() {
        let c = parse("endpoint: localhost:1\nresponse_headers:\n  - name: X-A\n    value: a\n");
        assert_eq!(c.response_headers["X-A"], "a");
        assert!(c.validate("p").is_ok());
        let e = parse("endpoint: localhost\n").validate("p").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("p::endpoint"));
        let e = parse("endpoint: localhost:1\ncompression_algorithms: [br]\n")
            .validate("p")
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("p::compression_algorithms"));
        let e = parse("endpoint: localhost:1\nresponse_headers: {\"bad header\": x}\n")
            .validate("p")
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("p::response_headers::bad header"));
        let e = serde_yaml::from_str::<ServerConfig>("auth:\n").unwrap_err();
        assert!(
            e.to_string().contains("missing field `authenticator`"),
            "a null auth block is refused: {e}"
        );
        let c = parse("compression_algorithms: [\"\", zstd, lz4]\n");
        assert!(c.unapplied_keys().is_empty(), "every Go algorithm is decoded");
        assert!(ServerConfig::default().unapplied_keys().is_empty());
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(parse(&yaml), c, "print-config output parses back");
    }
}
