//! The `prometheusremotewrite` exporter's config: the Go collector's keys and defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Uri};
use otelcol_component::redact::redact_url;
use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_confighttp::Headers;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use otelcol_configretry::BackOffConfig;

/// Default `timeout` (per push, retries included, as in Go).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `remote_write_queue::queue_size` (batches).
pub const DEFAULT_QUEUE_SIZE: usize = 10_000;
/// Default `remote_write_queue::num_consumers` (parallel requests per push).
pub const DEFAULT_NUM_CONSUMERS: usize = 5;
/// Default `max_batch_size_bytes` (uncompressed protobuf per request).
pub const DEFAULT_MAX_BATCH_SIZE_BYTES: usize = 3_000_000;

/// Default `retry_on_failure::initial_interval` of this exporter (Go's remote-write default).
pub const DEFAULT_INITIAL_INTERVAL: Duration = Duration::from_millis(50);

/// Go's `configretry` defaults with remote write's 50ms first interval.
fn default_retry() -> BackOffConfig {
    BackOffConfig {
        initial_interval: DEFAULT_INITIAL_INTERVAL,
        ..BackOffConfig::default()
    }
}

fn remote_write_retry<'de, D: Deserializer<'de>>(d: D) -> Result<BackOffConfig, D::Error> {
    BackOffConfig::deserialize_over(d, default_retry())
}

/// `remote_write_queue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteWriteQueueConfig {
    /// Queue incoming batches and send them from a background task. Default: true.
    pub enabled: bool,
    /// Batches the queue holds; a full queue refuses with a retryable error. Default: 10000.
    pub queue_size: usize,
    /// Requests sent in parallel for one batch. Default: 5.
    pub num_consumers: usize,
}

impl Default for RemoteWriteQueueConfig {
    fn default() -> Self {
        RemoteWriteQueueConfig {
            enabled: true,
            queue_size: DEFAULT_QUEUE_SIZE,
            num_consumers: DEFAULT_NUM_CONSUMERS,
        }
    }
}

/// `target_info`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetInfoConfig {
    /// Send a `target_info` series per resource. Default: true.
    pub enabled: bool,
}

impl Default for TargetInfoConfig {
    fn default() -> Self {
        TargetInfoConfig { enabled: true }
    }
}

/// `resource_to_telemetry_conversion`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceToTelemetryConfig {
    /// Copy every resource attribute into the labels of every series. Default: false.
    pub enabled: bool,
}

/// A config block this build recognizes but cannot honour (`tls`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unsupported;

impl<'de> Deserialize<'de> for Unsupported {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Unsupported)
    }
}

impl Serialize for Unsupported {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

/// Config of the `prometheusremotewrite` exporter.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrwExporterConfig {
    /// Remote-write URL, e.g. `http://prometheus:9090/api/v1/write`. Required.
    pub endpoint: String,
    /// Prefix of every metric name. Default: empty.
    pub namespace: String,
    /// Labels added to every series unless the series has them. Default: none.
    pub external_labels: BTreeMap<String, String>,
    /// Copy resource attributes into labels. Default: `{enabled: false}`.
    pub resource_to_telemetry_conversion: ResourceToTelemetryConfig,
    /// Extra request headers (the protocol headers cannot be overridden), as
    /// a map or Go's list of `{name, value}`. Default: none.
    pub headers: Headers,
    /// A client authenticator extension whose headers go with every
    /// request (`bearertokenauth`, `basicauth`, `oauth2client`...). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<otelcol_confighttp::AuthConfig>,
    /// Limit of one push, retries included. Default: 5s.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// TLS for the client. Default: absent. Accepted: the endpoint is
    /// `http://` (https is refused), where Go does not use TLS either; a
    /// warning says so at start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Unsupported>,
    /// Go's number of concurrent requests per push. Accepted, not applied
    /// (this build sends a push's requests one after the other); warned about at start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_batch_request_parallelism: Option<u32>,
    /// Go's HTTP client write buffer size. Accepted, not applied; warned about at start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_buffer_size: Option<u64>,
    /// Go's HTTP client compression. Accepted, not applied: remote-write 1.0
    /// bodies are always snappy-compressed; warned about at start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// The sending queue. Default: enabled, 10000 batches, 5 consumers.
    pub remote_write_queue: RemoteWriteQueueConfig,
    /// Retries of failed requests (Go `configretry`), each request of a push
    /// on its own. Default: enabled, 50ms initial (Go's remote-write
    /// default), 30s max, 5m elapsed; keys left out keep these.
    #[serde(deserialize_with = "remote_write_retry")]
    pub retry_on_failure: BackOffConfig,
    /// `target_info` series. Default: `{enabled: true}`.
    pub target_info: TargetInfoConfig,
    /// Add unit and type suffixes to names. Default: true.
    pub add_metric_suffixes: bool,
    /// Send metric metadata (type, help, unit) with the series. Default: false.
    pub send_metadata: bool,
    /// Largest uncompressed request; bigger pushes are split. Default: 3000000.
    pub max_batch_size_bytes: usize,
}

impl fmt::Debug for PrwExporterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values often carry credentials.
        let headers: Vec<&String> = self.headers.iter().map(|(k, _)| k).collect();
        f.debug_struct("PrwExporterConfig")
            .field("endpoint", &redact_url(&self.endpoint))
            .field("namespace", &self.namespace)
            .field("external_labels", &self.external_labels)
            .field(
                "resource_to_telemetry_conversion",
                &self.resource_to_telemetry_conversion,
            )
            .field("headers", &headers)
            .field("timeout", &self.timeout)
            .field("remote_write_queue", &self.remote_write_queue)
            .field("retry_on_failure", &self.retry_on_failure)
            .field("target_info", &self.target_info)
            .field("add_metric_suffixes", &self.add_metric_suffixes)
            .field("send_metadata", &self.send_metadata)
            .field("max_batch_size_bytes", &self.max_batch_size_bytes)
            .finish()
    }
}

impl Default for PrwExporterConfig {
    fn default() -> Self {
        PrwExporterConfig {
            endpoint: String::new(),
            namespace: String::new(),
            external_labels: BTreeMap::new(),
            resource_to_telemetry_conversion: ResourceToTelemetryConfig::default(),
            headers: Headers::default(),
            auth: None,
            timeout: DEFAULT_TIMEOUT,
            tls: None,
            max_batch_request_parallelism: None,
            write_buffer_size: None,
            compression: None,
            remote_write_queue: RemoteWriteQueueConfig::default(),
            retry_on_failure: default_retry(),
            target_info: TargetInfoConfig::default(),
            add_metric_suffixes: true,
            send_metadata: false,
            max_batch_size_bytes: DEFAULT_MAX_BATCH_SIZE_BYTES,
        }
    }
}

impl PrwExporterConfig {
    /// Settings Go accepts that this build accepts without applying them,
    /// each with why; the exporter logs them as warnings when it is created.
    pub fn unapplied_settings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.tls.is_some() {
            out.push(
                "tls: not used: the endpoint is http:// (as in Go, TLS settings apply only to https, which this build does not support yet)"
                    .to_string(),
            );
        }
        if let Some(n) = self.max_batch_request_parallelism {
            out.push(format!(
                "max_batch_request_parallelism: {n} is not applied: this build sends the requests of a push one after the other"
            ));
        }
        if let Some(n) = self.write_buffer_size {
            out.push(format!("write_buffer_size: {n} is not applied by this build"));
        }
        if let Some(c) = &self.compression {
            out.push(format!(
                "compression: {c:?} is not applied: remote-write bodies are always snappy-compressed"
            ));
        }
        out
    }

    /// The endpoint as a URI (checked by `validate`).
    pub fn uri(&self) -> Result<Uri, ConfigError> {
        let uri: Uri = self
            .endpoint
            .parse()
            .map_err(|e| ConfigError::at("endpoint", format!("invalid endpoint: {e}")))?;
        match uri.scheme_str() {
            Some("http") if uri.authority().is_some() => Ok(uri),
            Some("https") => Err(ConfigError::at(
                "endpoint",
                "https endpoints need TLS, which this build does not support",
            )),
            _ => Err(ConfigError::at(
                "endpoint",
                format!(
                    "invalid endpoint {:?}: expected http://host:port/path",
                    redact_url(&self.endpoint)
                ),
            )),
        }
    }
}

impl PrwExporterConfig {
    /// Checks made when the exporter is created, as Go makes them when it
    /// builds the component: an unused exporter without an endpoint is valid.
    pub fn validate_for_build(&self) -> Result<(), ConfigError> {
        if self.endpoint.is_empty() {
            return Err(ConfigError::at("endpoint", "the remote write URL is required"));
        }
        Ok(())
    }
}

impl ComponentConfig for PrwExporterConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if !self.endpoint.is_empty() {
            self.uri()?;
        }
        if self.remote_write_queue.enabled && self.remote_write_queue.queue_size == 0 {
            return Err(ConfigError::at(
                "remote_write_queue::queue_size",
                "a 0 size queue will drop all the data",
            ));
        }
        if self.max_batch_size_bytes == 0 {
            return Err(ConfigError::at("max_batch_size_bytes", "must be greater than 0"));
        }
        for (k, v) in &self.external_labels {
            if k.is_empty() || v.is_empty() {
                return Err(ConfigError::at(
                    "external_labels",
                    "prometheus remote write: external labels configuration contains an empty key or value",
                ));
            }
        }
        for (k, v) in self.headers.iter() {
            // An invalid name (`X Key`) is accepted, as Go accepts it; the
            // exporter warns when it is created and does not send it.
            if HeaderName::from_bytes(k.as_bytes()).is_err() {
                continue;
            }
            HeaderValue::from_str(v).map_err(|e| ConfigError::at(format!("headers::{k}"), e.to_string()))?;
        }
        self.retry_on_failure.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults() {
        // Like Go, a missing endpoint is found when the exporter is built.
        let cfg = parse_config::<PrwExporterConfig>("").unwrap();
        let err = cfg.validate_for_build().unwrap_err().to_string();
        assert!(err.contains("endpoint"), "{err}");
        let c = parse_config::<PrwExporterConfig>("endpoint: http://localhost:9090/api/v1/write").unwrap();
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(
            c.remote_write_queue,
            RemoteWriteQueueConfig {
                enabled: true,
                queue_size: 10_000,
                num_consumers: 5
            }
        );
        assert!(c.target_info.enabled && c.add_metric_suffixes && !c.send_metadata);
        assert_eq!(c.max_batch_size_bytes, 3_000_000);
        assert_eq!(c.retry_on_failure.initial_interval, Duration::from_millis(50));
        // Keys left out of a given block keep the remote-write defaults.
        let c = parse_config::<PrwExporterConfig>(
            "endpoint: http://h:1/w\nretry_on_failure: {max_interval: 10s}",
        )
        .unwrap();
        assert_eq!(c.retry_on_failure.initial_interval, Duration::from_millis(50));
        assert_eq!(c.retry_on_failure.max_interval, Duration::from_secs(10));
    }

    #[test]
    fn full_config() {
        let c = parse_config::<PrwExporterConfig>(
            "endpoint: http://h:1/w\nnamespace: ns\nexternal_labels: {cluster: c1}\nheaders: {X-Scope-OrgID: t1}\n\
             timeout: 10s\nremote_write_queue: {enabled: false, num_consumers: 2}\n\
             retry_on_failure: {enabled: true, initial_interval: 1s, max_interval: 2s, max_elapsed_time: 1m}\n\
             target_info: {enabled: false}\nadd_metric_suffixes: false\nsend_metadata: true\nmax_batch_size_bytes: 1000\n\
             resource_to_telemetry_conversion: {enabled: true}",
        )
        .unwrap();
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert!(!c.remote_write_queue.enabled && !c.target_info.enabled && c.send_metadata);
        assert_eq!(c.retry_on_failure.max_elapsed_time, Duration::from_secs(60));
        assert!(
            !format!("{c:?}").contains("t1"),
            "header values stay out of Debug"
        );
        let l = parse_config::<PrwExporterConfig>(
            "endpoint: http://u:pw@h:1/w\nheaders: [{name: X-Scope-OrgID, value: t1}]",
        )
        .unwrap();
        assert_eq!(l.headers, c.headers, "Go's list form of headers");
        assert!(!format!("{l:?}").contains("pw"), "{l:?}");
    }

    #[test]
    fn refusals() {
        let bad = |yaml: &str, want: &str| {
            let err = parse_config::<PrwExporterConfig>(yaml).unwrap_err();
            assert!(err.contains(want), "{yaml}: {err}");
        };
        bad("endpoint: not a url", "endpoint");
        bad("endpoint: https://h:1/w", "TLS");
        // Accepted as Go accepts them; not applied, and warned about at start.
        let c = parse_config::<PrwExporterConfig>(
            "endpoint: http://h:1/w\ntls: {insecure: true}\nmax_batch_request_parallelism: 5\n\
             write_buffer_size: 524288\ncompression: snappy",
        )
        .unwrap();
        let w = c.unapplied_settings();
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(w[0].starts_with("tls: not used"), "{w:?}");
        assert!(
            w[1].starts_with("max_batch_request_parallelism: 5 is not applied"),
            "{w:?}"
        );
        assert!(
            parse_config::<PrwExporterConfig>("endpoint: http://h:1/w")
                .unwrap()
                .unapplied_settings()
                .is_empty()
        );
        bad(
            "endpoint: http://h:1/w\nremote_write_queue: {queue_size: 0}",
            "0 size queue",
        );
        bad(
            "endpoint: http://h:1/w\nexternal_labels: {a: \"\"}",
            "empty key or value",
        );
        bad(
            "endpoint: http://h:1/w\nmax_batch_size_bytes: 0",
            "max_batch_size_bytes",
        );
        bad("endpoint: http://h:1/w\nwal: {directory: /tmp}", "unknown field");
        // Go accepts a header name with a space; it is warned about and not sent.
        parse_config::<PrwExporterConfig>("endpoint: http://h:1/w\nheaders: {\"bad header\": x}").unwrap();
        let err = parse_config::<PrwExporterConfig>("endpoint: ftp://u:hunter2@h:1/w").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        bad(
            "endpoint: http://h:1/w\nretry_on_failure: {max_elapsed_time: 10ms}",
            "max_elapsed_time",
        );
    }
}
