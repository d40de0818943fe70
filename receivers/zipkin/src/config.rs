//! Configuration of the `zipkin` receiver, with the Go collector's keys and
//! defaults: the HTTP server settings of `confighttp` squashed at the top
//! level (`endpoint`, `tls`, `cors`, `auth`, `max_request_body_size`,
//! `include_metadata`, ...), plus `parse_string_tags`.
//!
//! Since v0.128 Go also reads the server settings from `protocols: {http:
//! {...}}` (and marks the top-level keys deprecated); both forms are accepted
//! here, and `protocols::http`, when present, wins, as in Go.

use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_confighttp::{Overlay, ServerConfig, concat_fields, deserialize_over, present_as_some};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

/// The default listen endpoint: `localhost:9411` (Go's since the
/// `component.UseLocalHostAsDefaultHost` gate became stable).
pub const DEFAULT_ENDPOINT: &str = "localhost:9411";

/// The server settings with the receiver's defaults: Go's
/// `confighttp.NewDefaultServerConfig()` with `endpoint: localhost:9411`.
pub fn default_server() -> ServerConfig {
    ServerConfig {
        endpoint: DEFAULT_ENDPOINT.to_string(),
        ..ServerConfig::default()
    }
}

/// The `zipkin` receiver's config.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    /// The HTTP server settings (Go's squashed `confighttp.ServerConfig`),
    /// written at the top level of the receiver's block.
    #[serde(flatten)]
    pub server: ServerConfig,
    /// Go's newer form of the same settings, `protocols: {http: {...}}`.
    /// Default: absent (the top-level settings are used).
    #[serde(skip_serializing_if = "Protocols::is_empty")]
    pub protocols: Protocols,
    /// Turn tag (and v1 binary annotation) strings that look like integers,
    /// floats or booleans into typed attributes. Default false.
    pub parse_string_tags: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: default_server(),
            protocols: Protocols::default(),
            parse_string_tags: false,
        }
    }
}

/// `protocols`: the servers the receiver runs (only HTTP exists).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Protocols {
    /// The HTTP server; when present (`http:` alone gives the receiver's
    /// defaults) it replaces the top-level settings.
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpServer>,
}

impl Protocols {
    fn is_empty(&self) -> bool {
        self.http.is_none()
    }
}

/// `protocols::http`: the shared server settings with the receiver's defaults.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct HttpServer(pub ServerConfig);

impl Default for HttpServer {
    fn default() -> Self {
        HttpServer(default_server())
    }
}

impl<'de> Deserialize<'de> for HttpServer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, default_server()).map(HttpServer)
    }
}

impl Overlay for Config {
    const FIELDS: &'static [&'static str] = &concat_fields::<{ ServerConfig::FIELDS.len() + 2 }>(
        ServerConfig::FIELDS,
        &["protocols", "parse_string_tags"],
    );
    const EXPECTING: &'static str = "the zipkin receiver settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "protocols" => self.protocols = map.next_value::<Option<Protocols>>()?.unwrap_or_default(),
            "parse_string_tags" => self.parse_string_tags = map.next_value()?,
            _ => return self.server.set_field(key, map),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, Config::default())
    }
}

impl Config {
    /// The receiver's defaults listening on `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        let mut cfg = Config::default();
        cfg.server.endpoint = endpoint.into();
        cfg
    }

    /// The server settings in effect: `protocols::http` when present,
    /// else the top-level ones.
    pub fn http(&self) -> &ServerConfig {
        match &self.protocols.http {
            Some(h) => &h.0,
            None => &self.server,
        }
    }

    /// The key prefix of the settings in effect, for error messages.
    pub(crate) fn http_prefix(&self) -> &'static str {
        if self.protocols.http.is_some() {
            "protocols::http"
        } else {
            ""
        }
    }
}

impl ComponentConfig for Config {
    fn validate(&self) -> Result<(), ConfigError> {
        let prefix = self.http_prefix();
        self.http().validate_authenticated(prefix).map_err(|mut e| {
            // Top-level keys are named without a leading `::`.
            if let Some(key) = e.key.as_mut() {
                if let Some(rest) = key.strip_prefix("::") {
                    *key = rest.to_string();
                }
            }
            e
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use otelcol_componenttest::parse_config;

    use super::*;

    #[test]
    fn defaults_are_gos() {
        let c = Config::default();
        assert_eq!(c.server.endpoint, "localhost:9411");
        assert!(!c.parse_string_tags);
        assert_eq!(c.server.max_request_body_size(), 20 * 1024 * 1024);
        assert_eq!(c.server.read_header_timeout, Duration::from_secs(60));
        assert_eq!(c.server.write_timeout, Duration::from_secs(30));
        assert!(c.protocols.http.is_none());
        assert_eq!(parse_config::<Config>("").unwrap(), c);
        c.validate().unwrap();
    }

    #[test]
    fn squashed_server_keys_beside_parse_string_tags() {
        let c: Config = parse_config(
            "endpoint: 0.0.0.0:9412\nparse_string_tags: true\ninclude_metadata: true\n\
             max_request_body_size: 1024\ncors:\n  allowed_origins: ['https://*.example.com']\n",
        )
        .unwrap();
        assert_eq!(c.http().endpoint, "0.0.0.0:9412");
        assert!(c.parse_string_tags);
        assert!(c.http().include_metadata);
        assert_eq!(c.http().max_request_body_size(), 1024);
        assert_eq!(
            c.http().cors.as_ref().unwrap().allowed_origins,
            ["https://*.example.com"]
        );
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(parse_config::<Config>(&yaml).unwrap(), c, "{yaml}");
    }

    #[test]
    fn protocols_http_wins_over_the_top_level_keys() {
        let c: Config =
            parse_config("endpoint: 0.0.0.0:1\nprotocols:\n  http:\n    include_metadata: true\n").unwrap();
        assert_eq!(
            c.http().endpoint,
            DEFAULT_ENDPOINT,
            "protocols::http has the receiver's defaults"
        );
        assert!(c.http().include_metadata);
        let c: Config = parse_config("protocols:\n  http:\n").unwrap();
        assert_eq!(c.http(), &default_server());
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(parse_config::<Config>(&yaml).unwrap(), c, "{yaml}");
        let e = parse_config::<Config>("protocols:\n  udp: {}\n").unwrap_err();
        assert!(e.contains("udp"), "{e}");
    }

    #[test]
    fn refusals_name_the_key() {
        let e = parse_config::<Config>("endpont: x\n").unwrap_err();
        assert!(e.contains("endpont"), "{e}");
        let e = parse_config::<Config>("endpoint: nowhere\n").unwrap_err();
        assert!(e.starts_with("endpoint:"), "{e}");
        let e = parse_config::<Config>("protocols: {http: {endpoint: nowhere}}\n").unwrap_err();
        assert!(e.starts_with("protocols::http::endpoint:"), "{e}");
        let e = parse_config::<Config>("middlewares: [{id: m}]\n").unwrap_err();
        assert!(e.contains("middlewares"), "{e}");
        let e = parse_config::<Config>("compression_algorithms: [br]\n").unwrap_err();
        assert!(e.contains("compression_algorithms"), "{e}");
        let e = parse_config::<Config>("parse_string_tags: maybe\n").unwrap_err();
        assert!(e.contains("parse_string_tags"), "{e}");
    }
}
