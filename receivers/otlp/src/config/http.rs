//! `protocols::http`: Go's `confighttp.ServerConfig` with the receiver's
//! defaults, plus the OTLP URL paths beside its keys (Go's `squash`).

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use otelcol_component::ConfigError;
use otelcol_confighttp::{
    DEFAULT_MAX_REQUEST_BODY_SIZE, Overlay, ServerConfig, concat_fields, deserialize_over,
};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

/// Default HTTP listen endpoint.
pub const DEFAULT_HTTP_ENDPOINT: &str = "localhost:4318";
/// Default traces path.
pub const DEFAULT_TRACES_URL_PATH: &str = "/v1/traces";
/// Default metrics path.
pub const DEFAULT_METRICS_URL_PATH: &str = "/v1/metrics";
/// Default logs path.
pub const DEFAULT_LOGS_URL_PATH: &str = "/v1/logs";

/// The OTLP/HTTP server: the shared HTTP server settings
/// (`otelcol_confighttp::ServerConfig`, reached through `Deref`, written at
/// the same level as the paths) with the receiver's defaults —
/// `endpoint: localhost:4318`, `max_request_body_size: 20971520`,
/// `write_timeout: 0` (Go's OTLP receiver also zeroes `read_header_timeout`
/// and `idle_timeout`; this build keeps confighttp's 1m for both, so idle and
/// slow connections are bounded) — and the three URL paths.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HttpConfig {
    /// The server settings.
    #[serde(flatten)]
    pub server: ServerConfig,
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
            server: ServerConfig {
                endpoint: DEFAULT_HTTP_ENDPOINT.to_string(),
                max_request_body_size: DEFAULT_MAX_REQUEST_BODY_SIZE,
                write_timeout: Duration::ZERO,
                ..ServerConfig::default()
            },
            traces_url_path: UrlPath::new(DEFAULT_TRACES_URL_PATH),
            metrics_url_path: UrlPath::new(DEFAULT_METRICS_URL_PATH),
            logs_url_path: UrlPath::new(DEFAULT_LOGS_URL_PATH),
        }
    }
}

impl Deref for HttpConfig {
    type Target = ServerConfig;
    fn deref(&self) -> &ServerConfig {
        &self.server
    }
}

impl DerefMut for HttpConfig {
    fn deref_mut(&mut self) -> &mut ServerConfig {
        &mut self.server
    }
}

impl Overlay for HttpConfig {
    const FIELDS: &'static [&'static str] = &concat_fields::<{ ServerConfig::FIELDS.len() + 3 }>(
        ServerConfig::FIELDS,
        &["traces_url_path", "metrics_url_path", "logs_url_path"],
    );
    const EXPECTING: &'static str = "the OTLP/HTTP server settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "traces_url_path" => self.traces_url_path = map.next_value()?,
            "metrics_url_path" => self.metrics_url_path = map.next_value()?,
            "logs_url_path" => self.logs_url_path = map.next_value()?,
            _ => return self.server.set_field(key, map),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for HttpConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, HttpConfig::default())
    }
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

impl HttpConfig {
    /// The receiver's defaults listening on `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        let mut cfg = HttpConfig::default();
        cfg.server.endpoint = endpoint.into();
        cfg
    }

    pub(crate) fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        self.server.validate_authenticated(prefix)?;
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
        self.server.unapplied_keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receiver_defaults_and_paths_beside_the_server_keys() {
        let l = HttpConfig::default().connection_limits();
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(60)));
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(60)));
        assert_eq!(
            l.request_timeout, None,
            "the receiver has no write_timeout by default"
        );
        let cfg: HttpConfig =
            serde_yaml::from_str("traces_url_path: t\nwrite_timeout: 2s\ninclude_metadata: true\n").unwrap();
        assert_eq!(cfg.traces_url_path.as_str(), "/t");
        assert_eq!(cfg.write_timeout, Duration::from_secs(2));
        assert_eq!(cfg.endpoint, DEFAULT_HTTP_ENDPOINT);
        assert!(cfg.include_metadata);
        let e = serde_yaml::from_str::<HttpConfig>("trace_url_path: t\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `trace_url_path`"), "{e}");
        assert!(e.to_string().contains("`logs_url_path`"), "{e}");
        let yaml = serde_yaml::to_string(&cfg).unwrap();
        assert_eq!(serde_yaml::from_str::<HttpConfig>(&yaml).unwrap(), cfg);
    }
}
