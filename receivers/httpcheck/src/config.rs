//! The receiver's config (Go `httpcheckreceiver.Config`): the scraper
//! controller keys (`collection_interval`, `initial_delay`, `timeout`), the
//! `metrics` toggles and the `targets`, each an HTTP client block (Go
//! `confighttp.ClientConfig`, squashed) plus the check's own keys.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use otelcol_component::redact::redact_url;
use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_confighttp::{
    ClientConfig, Overlay, TlsClientConfig, concat_fields, deserialize_over, next_or_default, null_as_default,
};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

use crate::metadata::MetricsConfig;

/// Default `collection_interval` (Go's factory: 60s).
pub const DEFAULT_COLLECTION_INTERVAL: Duration = Duration::from_secs(60);
/// Default `initial_delay` (Go's scraper controller: 1s).
pub const DEFAULT_INITIAL_DELAY: Duration = Duration::from_secs(1);
/// The limit of one check when a target's `timeout` is 0 (Go's scraper sets
/// 30s at start so that no check hangs).
pub const DEFAULT_TARGET_TIMEOUT: Duration = Duration::from_secs(30);

/// Go's message when a target names no URL.
pub const ERR_MISSING_ENDPOINT: &str = "at least one of 'endpoint' or 'endpoints' must be specified";
/// The start of Go's message for a URL it cannot parse.
pub const ERR_INVALID_ENDPOINT: &str = "\"endpoint\" must be in the form of <scheme>://<hostname>[:<port>]";

/// Config of the `http_check` receiver.
///
/// ```yaml
/// receivers:
///   http_check:
///     collection_interval: 30s
///     targets:
///       - endpoint: http://localhost:8080/health
///       - method: POST
///         endpoints: [https://a.example/ping, https://b.example/ping]
///         headers: {Authorization: "Bearer ${env:TOKEN}"}
///         timeout: 5s
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpCheckConfig {
    /// Time between two scrapes. Default: 60s.
    #[serde(with = "otelcol_component::duration")]
    pub collection_interval: Duration,
    /// Wait before the first scrape. Default: 1s.
    #[serde(with = "otelcol_component::duration")]
    pub initial_delay: Duration,
    /// Limit of one whole scrape (every target); 0 means none (each check
    /// still has its target's `timeout`). Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// `metrics: {<name>: {enabled: bool}}`: which metrics are emitted.
    /// Default: `httpcheck.duration`, `httpcheck.error` and
    /// `httpcheck.status` on, the others off.
    #[serde(deserialize_with = "null_as_default")]
    pub metrics: MetricsConfig,
    /// What to check. Required (at least one).
    #[serde(deserialize_with = "null_as_default")]
    pub targets: Vec<TargetConfig>,
}

impl Default for HttpCheckConfig {
    fn default() -> Self {
        HttpCheckConfig {
            collection_interval: DEFAULT_COLLECTION_INTERVAL,
            initial_delay: DEFAULT_INITIAL_DELAY,
            timeout: Duration::ZERO,
            metrics: MetricsConfig::default(),
            targets: Vec::new(),
        }
    }
}

impl ComponentConfig for HttpCheckConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.collection_interval.is_zero() {
            return Err(ConfigError::at("collection_interval", "requires positive value"));
        }
        if self.targets.is_empty() {
            return Err(ConfigError::new("no targets configured"));
        }
        for (i, target) in self.targets.iter().enumerate() {
            target.validate(&format!("targets::{i}"))?;
        }
        Ok(())
    }
}

/// One entry of `targets`: the HTTP client settings (Go
/// `confighttp.ClientConfig`, its keys at this level) and the check's own
/// keys. Each URL of `endpoint` and `endpoints` is checked with the same
/// settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetConfig {
    /// The client settings: `endpoint` (one URL to check), `tls`, `timeout`
    /// (0: 30s), `headers`, `auth`, `compression` (of `body`),
    /// `disable_keep_alives`, `idle_conn_timeout`... Defaults: Go's client
    /// defaults with `max_idle_conns: 0`, `idle_conn_timeout: 0` and
    /// `force_attempt_http2: false`, as Go's receiver seeds each target.
    #[serde(flatten)]
    pub client: ClientConfig,
    /// The request method. Default: `GET`.
    pub method: String,
    /// More URLs to check with the same settings. Default: none.
    pub endpoints: Vec<String>,
    /// The request body. Default: empty (none).
    pub body: String,
    /// Set `Content-Type` from the body (JSON, form or text) when `headers`
    /// do not. Default: false.
    pub auto_content_type: bool,
    /// Checks of the response body, counted in `httpcheck.validation.*`.
    /// Default: none.
    pub validations: Vec<ValidationConfig>,
}

impl Default for TargetConfig {
    fn default() -> Self {
        TargetConfig {
            client: ClientConfig {
                max_idle_conns: 0,
                idle_conn_timeout: Duration::ZERO,
                force_attempt_http2: false,
                ..ClientConfig::default()
            },
            method: "GET".to_string(),
            endpoints: Vec::new(),
            body: String::new(),
            auto_content_type: false,
            validations: Vec::new(),
        }
    }
}

const OWN_TARGET_KEYS: [&str; 5] = ["method", "endpoints", "body", "auto_content_type", "validations"];

impl Overlay for TargetConfig {
    const FIELDS: &'static [&'static str] = &concat_fields::<25>(ClientConfig::FIELDS, &OWN_TARGET_KEYS);
    const EXPECTING: &'static str = "an HTTP check target (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "method" => self.method = map.next_value()?,
            "endpoints" => self.endpoints = next_or_default(map)?,
            "body" => self.body = next_or_default(map)?,
            "auto_content_type" => self.auto_content_type = map.next_value()?,
            "validations" => self.validations = next_or_default(map)?,
            _ => return self.client.set_field(key, map),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for TargetConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, TargetConfig::default())
    }
}

impl TargetConfig {
    /// Every URL of the target: `endpoints` in order, then `endpoint` (Go's order).
    pub fn urls(&self) -> Vec<String> {
        let mut out = self.endpoints.clone();
        if !self.client.endpoint.is_empty() {
            out.push(self.client.endpoint.clone());
        }
        out
    }

    /// The limit of one check: `timeout`, or 30s when it is 0.
    pub fn effective_timeout(&self) -> Duration {
        if self.client.timeout.is_zero() {
            DEFAULT_TARGET_TIMEOUT
        } else {
            self.client.timeout
        }
    }

    /// The TLS settings for `https://` URLs: as Go's client, `insecure: true`
    /// without a CA still verifies an https server against the system roots.
    pub fn tls_settings(&self) -> TlsClientConfig {
        let tls = &self.client.tls;
        let mut out = if tls.insecure && tls.ca_file.is_empty() && tls.ca_pem.is_empty() {
            TlsClientConfig {
                server_name_override: tls.server_name_override.clone(),
                ..TlsClientConfig::default()
            }
        } else {
            tls.clone()
        };
        out.insecure = false;
        out
    }

    /// Checks one target; errors name `<prefix>::<key>`.
    fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        if self.client.endpoint.is_empty() && self.endpoints.is_empty() {
            return Err(ConfigError::at(prefix, ERR_MISSING_ENDPOINT));
        }
        if !self.client.endpoint.is_empty() {
            check_url(&format!("{prefix}::endpoint"), &self.client.endpoint)?;
        }
        for (j, url) in self.endpoints.iter().enumerate() {
            check_url(&format!("{prefix}::endpoints::{j}"), url)?;
        }
        if Method::from_bytes(self.method.as_bytes()).is_err() {
            return Err(ConfigError::at(
                format!("{prefix}::method"),
                format!("{:?} is not a valid HTTP method", self.method),
            ));
        }
        self.validate_client(prefix)?;
        for (k, v) in self.validations.iter().enumerate() {
            if !v.regex.is_empty() {
                regex::bytes::Regex::new(&v.regex).map_err(|e| {
                    ConfigError::at(
                        format!("{prefix}::validations::{k}::regex"),
                        format!("invalid regular expression: {e}"),
                    )
                })?;
            }
        }
        Ok(())
    }

    fn validate_client(&self, prefix: &str) -> Result<(), ConfigError> {
        let c = &self.client;
        let refuse = |key: &str, what: &str| {
            Err(ConfigError::at(
                format!("{prefix}::{key}"),
                format!("{what} is not supported by this build yet"),
            ))
        };
        self.tls_settings()
            .validate()
            .map_err(|e| e.into_config_error(&format!("{prefix}::tls")))?;
        if !c.proxy_url.is_empty() {
            return refuse("proxy_url", "an HTTP proxy");
        }
        if !c.middlewares.is_empty() {
            return refuse("middlewares", "client middlewares");
        }
        if c.cookies.enabled {
            return refuse("cookies::enabled", "cookie handling");
        }
        c.compression
            .validate_params(c.compression_params)
            .map_err(|e| ConfigError::at(format!("{prefix}::compression_params::level"), e.to_string()))?;
        for (name, value) in c.headers.iter() {
            if HeaderName::from_bytes(name.as_bytes()).is_err() || HeaderValue::from_str(value).is_err() {
                return Err(ConfigError::at(
                    format!("{prefix}::headers::{name}"),
                    "not a valid HTTP header",
                ));
            }
        }
        Ok(())
    }
}

/// Checks a URL to be requested: absolute, `http` or `https`, with a host.
fn check_url(key: &str, url: &str) -> Result<(), ConfigError> {
    let invalid = |why: &str| {
        ConfigError::at(
            key,
            format!("{ERR_INVALID_ENDPOINT}: parse {:?}: {why}", redact_url(url)),
        )
    };
    let uri: http::Uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(invalid(&format!("unsupported protocol scheme {other:?}"))),
        None => return Err(invalid("invalid URI for request")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("no host in request URL"));
    }
    Ok(())
}

/// One entry of `validations` (Go `validationConfig`): every field set is
/// one check of the response body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValidationConfig {
    /// The body contains this text (`validation.type: contains`).
    pub contains: String,
    /// The body does not contain this text (`not_contains`).
    pub not_contains: String,
    /// A gjson-style path (`status`, `items.0.name`, `items.#`) that must
    /// exist in the JSON body (`json_path`)...
    pub json_path: String,
    /// ...and, when set, whose value as text equals this.
    pub equals: String,
    /// The body has at most this many bytes (`size`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<i64>,
    /// The body has at least this many bytes (`size`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_size: Option<i64>,
    /// The body matches this regular expression (`regex`).
    pub regex: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::metadata::Metric;
    use otelcol_componenttest::parse_config;

    fn parse(yaml: &str) -> HttpCheckConfig {
        parse_config::<HttpCheckConfig>(yaml).unwrap()
    }

    #[test]
    fn defaults_are_gos() {
        let c = HttpCheckConfig::default();
        assert_eq!(c.collection_interval, Duration::from_secs(60));
        assert_eq!(c.initial_delay, Duration::from_secs(1));
        assert_eq!(c.timeout, Duration::ZERO);
        assert!(c.metrics.is_enabled(Metric::Status));
        assert!(!c.metrics.is_enabled(Metric::TlsCertRemaining));
        assert_eq!(
            c.validate().unwrap_err(),
            ConfigError::new("no targets configured")
        );
        let t = TargetConfig::default();
        assert_eq!(t.method, "GET");
        assert_eq!(t.effective_timeout(), DEFAULT_TARGET_TIMEOUT);
        assert_eq!(
            (
                t.client.max_idle_conns,
                t.client.idle_conn_timeout,
                t.client.force_attempt_http2
            ),
            (0, Duration::ZERO, false)
        );
    }

    #[test]
    fn targets_read_client_keys_and_their_own() {
        let c = parse(
            "collection_interval: 10s\ninitial_delay: 0s\ntimeout: 20s\n\
             metrics: {httpcheck.tls.cert_remaining: {enabled: true}, httpcheck.error: {enabled: false}}\n\
             targets:\n\
             - endpoint: http://localhost:8080/a\n  method: POST\n  body: '{}'\n  auto_content_type: true\n  timeout: 3s\n  headers: {X-Key: v}\n\
             \x20 tls: {insecure_skip_verify: true}\n  validations: [{contains: ok}, {json_path: status, equals: up}, {max_size: 10}]\n\
             - endpoints: [https://a.example/, https://b.example/x]\n",
        );
        assert_eq!(c.collection_interval, Duration::from_secs(10));
        assert_eq!(c.timeout, Duration::from_secs(20));
        assert!(c.metrics.is_enabled(Metric::TlsCertRemaining));
        assert!(!c.metrics.is_enabled(Metric::Error));
        assert!(c.metrics.is_enabled(Metric::Duration), "untouched defaults stay");
        let t = &c.targets[0];
        assert_eq!(t.method, "POST");
        assert_eq!(t.client.timeout, Duration::from_secs(3));
        assert!(t.client.tls.insecure_skip_verify);
        assert_eq!(t.validations.len(), 3);
        assert_eq!(t.validations[2].max_size, Some(10));
        assert_eq!(t.urls(), ["http://localhost:8080/a"]);
        assert_eq!(c.targets[1].urls(), ["https://a.example/", "https://b.example/x"]);
        assert_eq!(c.targets[1].method, "GET");
        c.validate().unwrap();
        // print-config round trip.
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(parse(&yaml), c);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        for (yaml, key) in [
            ("bogus: 1", "bogus"),
            ("targets: [{endpoint: 'http://h', bogus: 1}]", "bogus"),
            (
                "targets: [{endpoint: 'http://h', validations: [{containz: x}]}]",
                "containz",
            ),
            ("metrics: {httpcheck.nope: {enabled: true}}", "httpcheck.nope"),
            ("metrics: {httpcheck.status: {enable: true}}", "enable"),
        ] {
            let e = parse_config::<HttpCheckConfig>(yaml).unwrap_err();
            assert!(e.contains(key), "{yaml}: {e}");
        }
    }

    #[test]
    fn validation_is_gos() {
        let err = |yaml: &str| {
            serde_yaml::from_str::<HttpCheckConfig>(yaml)
                .unwrap()
                .validate()
                .unwrap_err()
        };
        assert_eq!(
            err("targets: [{method: GET}]"),
            ConfigError::at("targets::0", ERR_MISSING_ENDPOINT)
        );
        let e = err("targets: [{endpoint: 'http://ok'}, {endpoints: ['http://ok', 'not a url']}]");
        assert_eq!(e.key.as_deref(), Some("targets::1::endpoints::1"));
        assert!(e.message.starts_with(ERR_INVALID_ENDPOINT), "{e}");
        let e = err("targets: [{endpoint: 'ftp://h/x'}]");
        assert_eq!(e.key.as_deref(), Some("targets::0::endpoint"));
        assert!(e.message.contains("unsupported protocol scheme \"ftp\""), "{e}");
        let e = err("targets: [{endpoint: 'localhost:8080'}]");
        assert_eq!(e.key.as_deref(), Some("targets::0::endpoint"));
        let e = err("targets: [{endpoint: 'http://u:secret@h/', method: 'G T'}]");
        assert_eq!(e.key.as_deref(), Some("targets::0::method"));
        let e = err("targets: [{endpoint: 'http://u:secret@', method: 'GET'}]");
        assert!(!e.message.contains("secret"), "{e}");
        let e = err("collection_interval: 0s\ntargets: [{endpoint: 'http://h'}]");
        assert_eq!(
            e,
            ConfigError::at("collection_interval", "requires positive value")
        );
        let e = err("targets: [{endpoint: 'http://h', validations: [{regex: '(unclosed'}]}]");
        assert_eq!(e.key.as_deref(), Some("targets::0::validations::0::regex"));
        let e = err("targets: [{endpoint: 'http://h', tls: {cert_file: c.pem}}]");
        assert_eq!(e.key.as_deref(), Some("targets::0::tls::key_file"));
        let e = err("targets: [{endpoint: 'http://h', proxy_url: 'http://p:3128'}]");
        assert_eq!(e.key.as_deref(), Some("targets::0::proxy_url"));
        let e = err("targets: [{endpoint: 'http://h', headers: {'X-A': \"bad\\nvalue\"}}]");
        assert_eq!(e.key.as_deref(), Some("targets::0::headers::X-A"));
    }

    #[test]
    fn insecure_without_ca_still_verifies_https() {
        let t: TargetConfig = serde_yaml::from_str("endpoint: https://h\ntls: {insecure: true}").unwrap();
        let tls = t.tls_settings();
        assert!(!tls.insecure && !tls.insecure_skip_verify);
        let t: TargetConfig = serde_yaml::from_str("endpoint: https://h\ntimeout: 0s").unwrap();
        assert_eq!(t.effective_timeout(), Duration::from_secs(30));
    }
}
