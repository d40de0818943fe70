//! The receiver's config: Go's `prometheusreceiver.Config` — the receiver's
//! own keys (`trim_metric_suffixes`, `use_start_time_metric`,
//! `start_time_metric_regex`, `report_extra_scrape_metrics`) and `config`, a
//! Prometheus configuration (`global` and `scrape_configs`) with
//! Prometheus' keys, defaults and validation.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Deserializer, Serialize};

use crate::labels::{Labels, is_valid_label_name};
use crate::relabel::{Relabel, RelabelConfig};
use crate::units::{ByteSize, PromDuration, lenient};

/// Default `global::scrape_interval` (Prometheus: 1m).
pub const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(60);
/// Default `global::scrape_timeout` (Prometheus: 10s, at most the interval).
pub const DEFAULT_SCRAPE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `metrics_path`.
pub const DEFAULT_METRICS_PATH: &str = "/metrics";
/// Default `scheme`.
pub const DEFAULT_SCHEME: &str = "http";
/// Default `file_sd_configs::refresh_interval` (Prometheus: 5m).
pub const DEFAULT_FILE_SD_REFRESH: Duration = Duration::from_secs(300);
/// Default `start_time_metric_regex` when empty: the exact name
/// `process_start_time_seconds`.
pub const DEFAULT_START_TIME_METRIC: &str = "process_start_time_seconds";
/// The body size limit applied when `body_size_limit` is 0 (no limit in
/// Prometheus): a ceiling so that no target can make the collector buffer
/// without bound.
pub const MAX_BODY_SIZE: u64 = 256 << 20;

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_true(b: &bool) -> bool {
    *b
}

fn yes() -> bool {
    true
}

/// Config of the `prometheus` receiver.
///
/// ```yaml
/// receivers:
///   prometheus:
///     config:
///       scrape_configs:
///         - job_name: node
///           scrape_interval: 15s
///           static_configs:
///             - targets: ['localhost:9100']
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrometheusReceiverConfig {
    /// The Prometheus configuration (`global`, `scrape_configs`).
    #[serde(deserialize_with = "null_default")]
    pub config: PromConfig,
    /// Trim the unit and `_total` suffixes from metric names
    /// (`http_request_duration_seconds_total` → `http_request_duration`
    /// with unit `seconds`). Default false.
    pub trim_metric_suffixes: bool,
    /// Take the start time of every cumulative metric from the target's
    /// `process_start_time_seconds` (or `start_time_metric_regex`). Default
    /// false.
    pub use_start_time_metric: bool,
    /// The metric `use_start_time_metric` reads (Go regexp syntax,
    /// unanchored). Default: empty, meaning `process_start_time_seconds`.
    #[serde(deserialize_with = "lenient::string")]
    pub start_time_metric_regex: String,
    /// Also emit `scrape_timeout_seconds`, `scrape_sample_limit` and
    /// `scrape_body_size_bytes` per scrape. Default false.
    pub report_extra_scrape_metrics: bool,
    /// Go's target allocator client: refused (not supported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_allocator: Option<serde_json::Value>,
    /// Go's Prometheus API server: refused when enabled (not supported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_server: Option<ApiServerConfig>,
}

/// `api_server`: only `enabled: false` is accepted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiServerConfig {
    /// Must be false.
    pub enabled: bool,
    /// Ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_config: Option<serde_json::Value>,
}

/// `config`: a Prometheus configuration file's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromConfig {
    /// `global`: defaults of every scrape config, external labels.
    #[serde(deserialize_with = "null_default")]
    pub global: GlobalConfig,
    /// `scrape_configs`: the jobs.
    #[serde(deserialize_with = "null_default")]
    pub scrape_configs: Vec<ScrapeConfig>,
    /// Refused: not supported by this receiver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_config_files: Option<serde_json::Value>,
    /// Refused (as Go refuses it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_files: Option<serde_json::Value>,
    /// Refused (as Go refuses it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_write: Option<serde_json::Value>,
    /// Refused (as Go refuses it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_read: Option<serde_json::Value>,
    /// Refused when it holds `alertmanagers` or `alert_relabel_configs` (as Go).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerting: Option<serde_json::Value>,
    /// Accepted and ignored (nothing is stored), as in Go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<serde_json::Value>,
    /// Accepted and ignored, as in Go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing: Option<serde_json::Value>,
    /// Accepted and ignored, as in Go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<serde_json::Value>,
    /// Accepted and ignored, as in Go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp: Option<serde_json::Value>,
}

/// `config::global`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GlobalConfig {
    /// Default scrape interval. Default 1m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<PromDuration>,
    /// Default scrape timeout. Default 10s, or the interval when shorter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_timeout: Option<PromDuration>,
    /// Accepted and ignored (no rules are evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_interval: Option<PromDuration>,
    /// Labels added to every sample (overriding the scraped ones, as Go's
    /// receiver adds them). Default none.
    #[serde(deserialize_with = "lenient::map", skip_serializing_if = "BTreeMap::is_empty")]
    pub external_labels: BTreeMap<String, String>,
    /// Default `scrape_protocols`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_protocols: Option<Vec<String>>,
    /// Default `body_size_limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_size_limit: Option<ByteSize>,
    /// Default `sample_limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_limit: Option<u64>,
    /// Default `target_limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_limit: Option<u64>,
    /// Default `label_limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_limit: Option<u64>,
    /// Default `label_name_length_limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_name_length_limit: Option<u64>,
    /// Default `label_value_length_limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_value_length_limit: Option<u64>,
    /// Accepted and ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_log_file: Option<String>,
}

/// `basic_auth`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BasicAuth {
    /// User name.
    #[serde(
        deserialize_with = "lenient::string",
        skip_serializing_if = "String::is_empty"
    )]
    pub username: String,
    /// File holding the user name (read at each scrape).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username_file: String,
    /// Password.
    #[serde(
        deserialize_with = "lenient::string",
        skip_serializing_if = "String::is_empty"
    )]
    pub password: String,
    /// File holding the password (read at each scrape, trimmed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub password_file: String,
}

/// `authorization`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Authorization {
    /// The scheme. Default `Bearer`.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The credentials.
    #[serde(
        deserialize_with = "lenient::string",
        skip_serializing_if = "String::is_empty"
    )]
    pub credentials: String,
    /// File holding the credentials (read at each scrape, trimmed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub credentials_file: String,
}

/// `tls_config` (Prometheus' keys).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromTlsConfig {
    /// CA certificate file.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ca_file: String,
    /// CA certificate, PEM.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ca: String,
    /// Client certificate file.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_file: String,
    /// Client certificate, PEM.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert: String,
    /// Client key file.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key_file: String,
    /// Client key, PEM.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// Server name to verify (and send as SNI).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    /// Do not verify the server certificate.
    #[serde(skip_serializing_if = "is_false")]
    pub insecure_skip_verify: bool,
    /// Lowest TLS version: `TLS12` or `TLS13`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub min_version: String,
    /// Highest TLS version: `TLS12` or `TLS13`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub max_version: String,
}

/// A `static_configs` entry (a target group).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaticConfig {
    /// `host:port` addresses.
    #[serde(deserialize_with = "lenient::list")]
    pub targets: Vec<String>,
    /// Labels of every target of the group.
    #[serde(deserialize_with = "lenient::map", skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A `file_sd_configs` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileSdConfig {
    /// Files (`.json`, `.yml`, `.yaml`); the last path segment may hold `*`.
    #[serde(deserialize_with = "lenient::list")]
    pub files: Vec<String>,
    /// How often every file is read again. Default 5m (changed files are
    /// also noticed within a second).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<PromDuration>,
}

/// The service discovery mechanisms Prometheus has and this receiver does
/// not, by their config key.
pub const UNSUPPORTED_SD: [&str; 28] = [
    "azure_sd_configs",
    "consul_sd_configs",
    "digitalocean_sd_configs",
    "docker_sd_configs",
    "dockerswarm_sd_configs",
    "dns_sd_configs",
    "ec2_sd_configs",
    "eureka_sd_configs",
    "gce_sd_configs",
    "hetzner_sd_configs",
    "http_sd_configs",
    "ionos_sd_configs",
    "kubernetes_sd_configs",
    "kuma_sd_configs",
    "lightsail_sd_configs",
    "linode_sd_configs",
    "marathon_sd_configs",
    "nerve_sd_configs",
    "nomad_sd_configs",
    "openstack_sd_configs",
    "ovhcloud_sd_configs",
    "puppetdb_sd_configs",
    "scaleway_sd_configs",
    "serverset_sd_configs",
    "stackit_sd_configs",
    "triton_sd_configs",
    "uyuni_sd_configs",
    "vultr_sd_configs",
];

/// One `scrape_configs` entry (a job).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScrapeConfig {
    /// The job name (the `job` label). Required, unique.
    #[serde(deserialize_with = "lenient::string")]
    pub job_name: String,
    /// On conflicts, keep the scraped labels (else they are renamed
    /// `exported_<name>`). Default false.
    #[serde(skip_serializing_if = "is_false")]
    pub honor_labels: bool,
    /// Use the timestamps the target exposes. Default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub honor_timestamps: bool,
    /// Also mark series with explicit timestamps stale. Default false.
    #[serde(skip_serializing_if = "is_false")]
    pub track_timestamps_staleness: bool,
    /// `http` or `https`. Default `http`.
    pub scheme: String,
    /// URL parameters of the scrape request.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_default")]
    pub params: BTreeMap<String, Vec<String>>,
    /// Default: `global::scrape_interval`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<PromDuration>,
    /// Default: `global::scrape_timeout` (at most the interval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_timeout: Option<PromDuration>,
    /// Formats asked for, in order (`OpenMetricsText1.0.0`,
    /// `OpenMetricsText0.0.1`, `PrometheusText1.0.0`, `PrometheusText0.0.4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_protocols: Option<Vec<String>>,
    /// Accepted; a missing or unknown content type is always read as text
    /// 0.0.4 (as Go's receiver sets it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_scrape_protocol: Option<String>,
    /// The path scraped. Default `/metrics`.
    pub metrics_path: String,
    /// Ask for gzip. Default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enable_compression: bool,
    /// Largest uncompressed body accepted; 0 means no limit (but see
    /// [`MAX_BODY_SIZE`]). Default 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_size_limit: Option<ByteSize>,
    /// Most samples (after metric relabeling) accepted from one scrape; 0
    /// means no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_limit: Option<u64>,
    /// Most targets (after relabeling); 0 means no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_limit: Option<u64>,
    /// Most labels per sample; 0 means no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_limit: Option<u64>,
    /// Longest label name; 0 means no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_name_length_limit: Option<u64>,
    /// Longest label value; 0 means no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_value_length_limit: Option<u64>,
    /// Accepted and ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_dropped_targets: Option<u64>,
    /// Accepted; classic buckets are always read (no native histograms
    /// without protobuf).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_classic_histograms: Option<bool>,
    /// Accepted; as `scrape_classic_histograms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub always_scrape_classic_histograms: Option<bool>,
    /// Accepted and ignored (native histograms need protobuf).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_histogram_bucket_limit: Option<u64>,
    /// Accepted and ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_histogram_min_bucket_factor: Option<f64>,
    /// Basic authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// `Authorization` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    /// Deprecated: `authorization: {credentials: ...}`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub bearer_token: String,
    /// Deprecated: `authorization: {credentials_file: ...}`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bearer_token_file: String,
    /// TLS settings of `https` scrapes.
    #[serde(
        skip_serializing_if = "PromTlsConfig::is_empty",
        deserialize_with = "null_default"
    )]
    pub tls_config: PromTlsConfig,
    /// Follow redirects (up to 10). Default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub follow_redirects: bool,
    /// Accepted; scrapes use HTTP/1.1.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enable_http2: bool,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_proxy: Option<serde_json::Value>,
    /// Refused when true: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_from_environment: Option<bool>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_connect_header: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_headers: Option<serde_json::Value>,
    /// Targets listed in the config.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_default")]
    pub static_configs: Vec<StaticConfig>,
    /// Targets read from files.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_default")]
    pub file_sd_configs: Vec<FileSdConfig>,
    /// Relabeling of targets, before scraping.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_default")]
    pub relabel_configs: Vec<RelabelConfig>,
    /// Relabeling of samples, after scraping.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_default")]
    pub metric_relabel_configs: Vec<RelabelConfig>,
    /// Refused: not supported (see [`UNSUPPORTED_SD`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consul_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digitalocean_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerswarm_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec2_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eureka_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gce_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hetzner_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ionos_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kuma_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lightsail_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linode_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marathon_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nerve_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomad_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openstack_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ovhcloud_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub puppetdb_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaleway_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serverset_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stackit_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triton_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uyuni_sd_configs: Option<serde_json::Value>,
    /// Refused: not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vultr_sd_configs: Option<serde_json::Value>,
}

impl Default for ScrapeConfig {
    fn default() -> Self {
        ScrapeConfig {
            job_name: String::new(),
            honor_labels: false,
            honor_timestamps: true,
            track_timestamps_staleness: false,
            scheme: DEFAULT_SCHEME.into(),
            params: BTreeMap::new(),
            scrape_interval: None,
            scrape_timeout: None,
            scrape_protocols: None,
            fallback_scrape_protocol: None,
            metrics_path: DEFAULT_METRICS_PATH.into(),
            enable_compression: true,
            body_size_limit: None,
            sample_limit: None,
            target_limit: None,
            label_limit: None,
            label_name_length_limit: None,
            label_value_length_limit: None,
            keep_dropped_targets: None,
            scrape_classic_histograms: None,
            always_scrape_classic_histograms: None,
            native_histogram_bucket_limit: None,
            native_histogram_min_bucket_factor: None,
            basic_auth: None,
            authorization: None,
            bearer_token: String::new(),
            bearer_token_file: String::new(),
            tls_config: PromTlsConfig::default(),
            follow_redirects: true,
            enable_http2: true,
            oauth2: None,
            proxy_url: None,
            no_proxy: None,
            proxy_from_environment: None,
            proxy_connect_header: None,
            http_headers: None,
            static_configs: Vec::new(),
            file_sd_configs: Vec::new(),
            relabel_configs: Vec::new(),
            metric_relabel_configs: Vec::new(),
            azure_sd_configs: None,
            consul_sd_configs: None,
            digitalocean_sd_configs: None,
            docker_sd_configs: None,
            dockerswarm_sd_configs: None,
            dns_sd_configs: None,
            ec2_sd_configs: None,
            eureka_sd_configs: None,
            gce_sd_configs: None,
            hetzner_sd_configs: None,
            http_sd_configs: None,
            ionos_sd_configs: None,
            kubernetes_sd_configs: None,
            kuma_sd_configs: None,
            lightsail_sd_configs: None,
            linode_sd_configs: None,
            marathon_sd_configs: None,
            nerve_sd_configs: None,
            nomad_sd_configs: None,
            openstack_sd_configs: None,
            ovhcloud_sd_configs: None,
            puppetdb_sd_configs: None,
            scaleway_sd_configs: None,
            serverset_sd_configs: None,
            stackit_sd_configs: None,
            triton_sd_configs: None,
            uyuni_sd_configs: None,
            vultr_sd_configs: None,
        }
    }
}

impl PromTlsConfig {
    fn is_empty(&self) -> bool {
        *self == PromTlsConfig::default()
    }

    /// The shared TLS client settings these keys mean.
    pub fn to_client(&self) -> otelcol_configtls::TlsClientConfig {
        let version = |v: &str| match v {
            "TLS12" => "1.2".to_string(),
            "TLS13" => "1.3".to_string(),
            other => other.to_string(),
        };
        otelcol_configtls::TlsClientConfig {
            ca_file: self.ca_file.clone(),
            ca_pem: self.ca.clone(),
            cert_file: self.cert_file.clone(),
            cert_pem: self.cert.clone(),
            key_file: self.key_file.clone(),
            key_pem: self.key.clone(),
            server_name_override: self.server_name.clone(),
            insecure_skip_verify: self.insecure_skip_verify,
            min_version: version(&self.min_version),
            max_version: version(&self.max_version),
            ..Default::default()
        }
    }
}

impl ScrapeConfig {
    /// The refused service discovery keys that are set.
    fn unsupported_sd(&self) -> Vec<&'static str> {
        let all = [
            &self.azure_sd_configs,
            &self.consul_sd_configs,
            &self.digitalocean_sd_configs,
            &self.docker_sd_configs,
            &self.dockerswarm_sd_configs,
            &self.dns_sd_configs,
            &self.ec2_sd_configs,
            &self.eureka_sd_configs,
            &self.gce_sd_configs,
            &self.hetzner_sd_configs,
            &self.http_sd_configs,
            &self.ionos_sd_configs,
            &self.kubernetes_sd_configs,
            &self.kuma_sd_configs,
            &self.lightsail_sd_configs,
            &self.linode_sd_configs,
            &self.marathon_sd_configs,
            &self.nerve_sd_configs,
            &self.nomad_sd_configs,
            &self.openstack_sd_configs,
            &self.ovhcloud_sd_configs,
            &self.puppetdb_sd_configs,
            &self.scaleway_sd_configs,
            &self.serverset_sd_configs,
            &self.stackit_sd_configs,
            &self.triton_sd_configs,
            &self.uyuni_sd_configs,
            &self.vultr_sd_configs,
        ];
        UNSUPPORTED_SD
            .iter()
            .zip(all)
            .filter(|(_, v)| v.as_ref().is_some_and(|v| !v.is_null()))
            .map(|(k, _)| *k)
            .collect()
    }
}

/// A scrape protocol, as `scrape_protocols` names it.
fn accept_of(protocol: &str) -> Option<&'static str> {
    Some(match protocol {
        "OpenMetricsText1.0.0" => "application/openmetrics-text;version=1.0.0",
        "OpenMetricsText0.0.1" => "application/openmetrics-text;version=0.0.1",
        "PrometheusText1.0.0" => "text/plain;version=1.0.0;escaping=allow-utf-8",
        "PrometheusText0.0.4" => "text/plain;version=0.0.4",
        _ => return None,
    })
}

/// Prometheus' default `scrape_protocols`.
pub const DEFAULT_SCRAPE_PROTOCOLS: [&str; 4] = [
    "OpenMetricsText1.0.0",
    "OpenMetricsText0.0.1",
    "PrometheusText1.0.0",
    "PrometheusText0.0.4",
];

/// The `Accept` header of `protocols`, weighted as Prometheus weighs them.
pub(crate) fn accept_header(protocols: &[String]) -> String {
    // Prometheus starts at q=0.(number of known protocols + 1).
    let mut weight = 6usize;
    let mut parts = Vec::new();
    for p in protocols {
        if let Some(h) = accept_of(p) {
            parts.push(format!("{h};q=0.{weight}"));
            weight = weight.saturating_sub(1).max(1);
        }
    }
    parts.push(format!("*/*;q=0.{weight}"));
    parts.join(",")
}

/// Authentication of a job's scrapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AuthSpec {
    /// None.
    None,
    /// `Authorization: Basic ...`.
    Basic {
        /// User name, or the file holding it.
        username: Secret,
        /// Password, or the file holding it.
        password: Secret,
    },
    /// `Authorization: <kind> <credentials>`.
    Header {
        /// The scheme (`Bearer`).
        kind: String,
        /// Credentials, or the file holding them.
        credentials: Secret,
    },
}

/// A value given inline or in a file read at each scrape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    /// Inline.
    Inline(String),
    /// In this file (trimmed when read).
    File(String),
}

/// A job with every default applied and every rule compiled.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) name: String,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) scheme: String,
    pub(crate) metrics_path: String,
    pub(crate) params: BTreeMap<String, Vec<String>>,
    pub(crate) honor_labels: bool,
    pub(crate) honor_timestamps: bool,
    pub(crate) track_timestamps_staleness: bool,
    pub(crate) enable_compression: bool,
    pub(crate) follow_redirects: bool,
    /// Effective limit (0 in the config is [`MAX_BODY_SIZE`]).
    pub(crate) body_size_limit: u64,
    pub(crate) sample_limit: u64,
    pub(crate) target_limit: u64,
    pub(crate) label_limit: u64,
    pub(crate) label_name_length_limit: u64,
    pub(crate) label_value_length_limit: u64,
    pub(crate) accept: String,
    pub(crate) auth: AuthSpec,
    pub(crate) tls: otelcol_configtls::TlsClientConfig,
    pub(crate) static_groups: Vec<crate::discovery::TargetGroup>,
    pub(crate) file_sd: Vec<crate::discovery::FileSdSpec>,
    pub(crate) relabel: Vec<Relabel>,
    pub(crate) metric_relabel: Vec<Relabel>,
}

impl GlobalConfig {
    /// The effective global interval and timeout (Prometheus' rules).
    fn interval_timeout(&self) -> Result<(Duration, Duration), ConfigError> {
        let interval = self
            .scrape_interval
            .map(PromDuration::get)
            .filter(|d| !d.is_zero())
            .unwrap_or(DEFAULT_SCRAPE_INTERVAL);
        let timeout = match self
            .scrape_timeout
            .map(PromDuration::get)
            .filter(|d| !d.is_zero())
        {
            Some(t) if t > interval => {
                return Err(ConfigError::at(
                    "config::global::scrape_timeout",
                    "global scrape timeout greater than scrape interval",
                ));
            }
            Some(t) => t,
            None => DEFAULT_SCRAPE_TIMEOUT.min(interval),
        };
        Ok((interval, timeout))
    }
}

/// Valid `file_sd_configs::files` pattern (Prometheus' `patFileSDName`):
/// a `.json`, `.yml` or `.yaml` file, `*` only in the last segment.
fn valid_file_sd_pattern(p: &str) -> bool {
    let lower_ok = [".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"]
        .iter()
        .any(|ext| p.ends_with(ext));
    if !lower_ok {
        return false;
    }
    match p.find('*') {
        None => true,
        Some(i) => !p[i..].contains('/'),
    }
}

fn check_labels(path: &str, labels: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    for name in labels.keys() {
        if !is_valid_label_name(name) {
            return Err(ConfigError::at(
                format!("{path}::{name}"),
                format!("{name:?} is not a valid label name"),
            ));
        }
    }
    Ok(())
}

fn compile_rules(path: &str, rules: &[RelabelConfig]) -> Result<Vec<Relabel>, ConfigError> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| Relabel::new(r).map_err(|e| ConfigError::at(format!("{path}::{i}"), e.to_string())))
        .collect()
}

impl ScrapeConfig {
    /// Applies the defaults of `global`, validates as Prometheus does and
    /// compiles the rules. `path` is this entry's key path.
    pub(crate) fn resolve(&self, global: &GlobalConfig, path: &str) -> Result<Job, ConfigError> {
        let at = |key: &str, msg: String| ConfigError::at(format!("{path}::{key}"), msg);
        let job = &self.job_name;
        if job.is_empty() {
            return Err(at("job_name", "job_name is empty".into()));
        }
        if let Some(sd) = self.unsupported_sd().first() {
            let kind = sd.trim_end_matches("_sd_configs");
            return Err(at(
                sd,
                format!(
                    "service discovery {kind:?} is not supported by this receiver (supported: static_configs, file_sd_configs)"
                ),
            ));
        }
        let refused: [(&str, bool); 6] = [
            ("oauth2", self.oauth2.as_ref().is_some_and(|v| !v.is_null())),
            (
                "proxy_url",
                self.proxy_url.as_ref().is_some_and(|v| !v.is_null() && v != ""),
            ),
            (
                "no_proxy",
                self.no_proxy.as_ref().is_some_and(|v| !v.is_null() && v != ""),
            ),
            (
                "proxy_from_environment",
                self.proxy_from_environment == Some(true),
            ),
            (
                "proxy_connect_header",
                self.proxy_connect_header.as_ref().is_some_and(|v| !v.is_null()),
            ),
            (
                "http_headers",
                self.http_headers.as_ref().is_some_and(|v| !v.is_null()),
            ),
        ];
        if let Some((key, _)) = refused.iter().find(|(_, set)| *set) {
            return Err(at(key, format!("{key} is not supported by this receiver")));
        }
        if self.scheme != "http" && self.scheme != "https" {
            return Err(at(
                "scheme",
                format!("invalid scheme {:?}: must be http or https", self.scheme),
            ));
        }
        let (g_interval, g_timeout) = global.interval_timeout()?;
        let interval = self
            .scrape_interval
            .map(PromDuration::get)
            .filter(|d| !d.is_zero())
            .unwrap_or(g_interval);
        let timeout = match self
            .scrape_timeout
            .map(PromDuration::get)
            .filter(|d| !d.is_zero())
        {
            Some(t) => t,
            None => g_timeout.min(interval),
        };
        if timeout > interval {
            return Err(at(
                "scrape_timeout",
                format!(
                    "scrape timeout greater than scrape interval for scrape config with job name {job:?}"
                ),
            ));
        }
        let protocols = self
            .scrape_protocols
            .clone()
            .or_else(|| global.scrape_protocols.clone())
            .unwrap_or_else(|| DEFAULT_SCRAPE_PROTOCOLS.iter().map(|s| s.to_string()).collect());
        let mut seen = BTreeSet::new();
        for (i, p) in protocols.iter().enumerate() {
            if p == "PrometheusProto" {
                return Err(at(
                    &format!("scrape_protocols::{i}"),
                    "PrometheusProto (the protobuf exposition format) is not supported by this receiver"
                        .into(),
                ));
            }
            if accept_of(p).is_none() {
                return Err(at(
                    &format!("scrape_protocols::{i}"),
                    format!("unknown scrape protocol {p:?}"),
                ));
            }
            if !seen.insert(p) {
                return Err(at(
                    &format!("scrape_protocols::{i}"),
                    format!("duplicated protocol in scrape_protocols, got {protocols:?}"),
                ));
            }
        }
        if protocols.is_empty() {
            return Err(at("scrape_protocols", "scrape_protocols cannot be empty".into()));
        }
        if let Some(p) = &self.fallback_scrape_protocol {
            if p == "PrometheusProto" || (!p.is_empty() && accept_of(p).is_none()) {
                return Err(at(
                    "fallback_scrape_protocol",
                    format!("unsupported fallback_scrape_protocol {p:?}"),
                ));
            }
        }
        let auth = self.auth(&at)?;
        let tls = self.tls_config.to_client();
        for key in ["min_version", "max_version"] {
            let v = if key == "min_version" {
                &self.tls_config.min_version
            } else {
                &self.tls_config.max_version
            };
            if !v.is_empty() && v != "TLS12" && v != "TLS13" {
                return Err(at(
                    &format!("tls_config::{key}"),
                    format!("unsupported TLS version {v:?}: this receiver speaks TLS12 and TLS13"),
                ));
            }
        }
        tls.validate()
            .map_err(|e| at(&format!("tls_config::{}", e.key), e.message))?;
        let mut static_groups = Vec::new();
        for (i, sc) in self.static_configs.iter().enumerate() {
            check_labels(&format!("{path}::static_configs::{i}::labels"), &sc.labels)?;
            let mut targets = Vec::new();
            for (j, t) in sc.targets.iter().enumerate() {
                crate::discovery::check_target_address(t)
                    .map_err(|e| at(&format!("static_configs::{i}::targets::{j}"), e))?;
                targets.push(Labels::from_pairs([(crate::labels::ADDRESS, t.as_str())]));
            }
            static_groups.push(crate::discovery::TargetGroup {
                source: i.to_string(),
                targets,
                labels: Labels::from_pairs(sc.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            });
        }
        let mut file_sd = Vec::new();
        for (i, f) in self.file_sd_configs.iter().enumerate() {
            for (j, p) in f.files.iter().enumerate() {
                if !valid_file_sd_pattern(p) {
                    return Err(at(
                        &format!("file_sd_configs::{i}::files::{j}"),
                        format!(
                            "path name {p:?} is not valid for file discovery (a .json, .yml or .yaml file; '*' only in the last path segment)"
                        ),
                    ));
                }
            }
            let refresh = f
                .refresh_interval
                .map(PromDuration::get)
                .filter(|d| !d.is_zero())
                .unwrap_or(DEFAULT_FILE_SD_REFRESH);
            file_sd.push(crate::discovery::FileSdSpec {
                patterns: f.files.clone(),
                refresh,
            });
        }
        for name in self.params.keys() {
            if name.is_empty() {
                return Err(at("params", "empty parameter name".into()));
            }
        }
        let relabel = compile_rules(&format!("{path}::relabel_configs"), &self.relabel_configs)?;
        let metric_relabel = compile_rules(
            &format!("{path}::metric_relabel_configs"),
            &self.metric_relabel_configs,
        )?;
        let body = self
            .body_size_limit
            .or(global.body_size_limit)
            .map(|b| b.0)
            .unwrap_or(0);
        let pick = |own: Option<u64>, g: Option<u64>| own.or(g).unwrap_or(0);
        Ok(Job {
            name: job.clone(),
            interval,
            timeout,
            scheme: self.scheme.clone(),
            metrics_path: self.metrics_path.clone(),
            params: self.params.clone(),
            honor_labels: self.honor_labels,
            honor_timestamps: self.honor_timestamps,
            track_timestamps_staleness: self.track_timestamps_staleness,
            enable_compression: self.enable_compression,
            follow_redirects: self.follow_redirects,
            body_size_limit: if body == 0 { MAX_BODY_SIZE } else { body },
            sample_limit: pick(self.sample_limit, global.sample_limit),
            target_limit: pick(self.target_limit, global.target_limit),
            label_limit: pick(self.label_limit, global.label_limit),
            label_name_length_limit: pick(self.label_name_length_limit, global.label_name_length_limit),
            label_value_length_limit: pick(self.label_value_length_limit, global.label_value_length_limit),
            accept: accept_header(&protocols),
            auth,
            tls,
            static_groups,
            file_sd,
            relabel,
            metric_relabel,
        })
    }

    /// The authentication, validated as Prometheus' `HTTPClientConfig.Validate`.
    fn auth(&self, at: &dyn Fn(&str, String) -> ConfigError) -> Result<AuthSpec, ConfigError> {
        let bearer = !self.bearer_token.is_empty() || !self.bearer_token_file.is_empty();
        if !self.bearer_token.is_empty() && !self.bearer_token_file.is_empty() {
            return Err(at(
                "bearer_token",
                "at most one of bearer_token & bearer_token_file must be configured".into(),
            ));
        }
        if self.basic_auth.is_some() && bearer {
            return Err(at(
                "basic_auth",
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"
                    .into(),
            ));
        }
        if self.basic_auth.is_some() && self.authorization.is_some() {
            return Err(at(
                "authorization",
                "at most one of basic_auth, oauth2 & authorization must be configured".into(),
            ));
        }
        if let Some(b) = &self.basic_auth {
            if !b.username.is_empty() && !b.username_file.is_empty() {
                return Err(at(
                    "basic_auth",
                    "at most one of basic_auth username, username_file & username_ref must be configured"
                        .into(),
                ));
            }
            if !b.password.is_empty() && !b.password_file.is_empty() {
                return Err(at(
                    "basic_auth",
                    "at most one of basic_auth password, password_file & password_ref must be configured"
                        .into(),
                ));
            }
            let username = if b.username_file.is_empty() {
                Secret::Inline(b.username.clone())
            } else {
                Secret::File(b.username_file.clone())
            };
            let password = if b.password_file.is_empty() {
                Secret::Inline(b.password.clone())
            } else {
                Secret::File(b.password_file.clone())
            };
            return Ok(AuthSpec::Basic { username, password });
        }
        if let Some(a) = &self.authorization {
            if bearer {
                return Err(at(
                    "authorization",
                    "authorization is not compatible with bearer_token & bearer_token_file".into(),
                ));
            }
            if !a.credentials.is_empty() && !a.credentials_file.is_empty() {
                return Err(at(
                    "authorization",
                    "at most one of authorization credentials & credentials_file must be configured".into(),
                ));
            }
            let kind = match a.kind.trim() {
                "" => "Bearer".to_string(),
                k if k.eq_ignore_ascii_case("basic") => {
                    return Err(at(
                        "authorization::type",
                        "authorization type cannot be set to \"basic\", use \"basic_auth\" instead".into(),
                    ));
                }
                k => k.to_string(),
            };
            let credentials = if a.credentials_file.is_empty() {
                Secret::Inline(a.credentials.clone())
            } else {
                Secret::File(a.credentials_file.clone())
            };
            return Ok(AuthSpec::Header { kind, credentials });
        }
        if bearer {
            let credentials = if self.bearer_token_file.is_empty() {
                Secret::Inline(self.bearer_token.clone())
            } else {
                Secret::File(self.bearer_token_file.clone())
            };
            return Ok(AuthSpec::Header {
                kind: "Bearer".into(),
                credentials,
            });
        }
        Ok(AuthSpec::None)
    }
}

impl PrometheusReceiverConfig {
    /// Every job, resolved; the first problem found, naming its key path.
    pub(crate) fn jobs(&self) -> Result<Vec<Job>, ConfigError> {
        let cfg = &self.config;
        let mut unsupported = Vec::new();
        for (key, set) in [
            ("remote_write", cfg.remote_write.as_ref().is_some_and(non_empty)),
            ("remote_read", cfg.remote_read.as_ref().is_some_and(non_empty)),
            ("rule_files", cfg.rule_files.as_ref().is_some_and(non_empty)),
        ] {
            if set {
                unsupported.push(key.to_string());
            }
        }
        if let Some(alerting) = &cfg.alerting {
            for (key, name) in [
                ("alert_relabel_configs", "alert_config.relabel_configs"),
                ("alertmanagers", "alert_config.alertmanagers"),
            ] {
                if alerting.get(key).is_some_and(non_empty) {
                    unsupported.push(name.to_string());
                }
            }
        }
        if !unsupported.is_empty() {
            unsupported.sort();
            return Err(ConfigError::at(
                "config",
                format!("unsupported features:\n\t{}", unsupported.join("\n\t")),
            ));
        }
        if cfg.scrape_config_files.as_ref().is_some_and(non_empty) {
            return Err(ConfigError::at(
                "config::scrape_config_files",
                "scrape_config_files is not supported by this receiver: list the jobs in scrape_configs",
            ));
        }
        if self.target_allocator.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(ConfigError::at(
                "target_allocator",
                "the target allocator is not supported by this receiver",
            ));
        }
        if self.api_server.as_ref().is_some_and(|a| a.enabled) {
            return Err(ConfigError::at(
                "api_server",
                "the Prometheus API server is not supported by this receiver",
            ));
        }
        check_labels("config::global::external_labels", &cfg.global.external_labels)?;
        cfg.global.interval_timeout()?;
        if cfg.scrape_configs.is_empty() {
            return Err(ConfigError::new(
                "no Prometheus scrape_configs or target_allocator set",
            ));
        }
        let mut names = BTreeSet::new();
        let mut jobs = Vec::new();
        for (i, sc) in cfg.scrape_configs.iter().enumerate() {
            let path = format!("config::scrape_configs::{i}");
            let job = sc.resolve(&cfg.global, &path)?;
            if !names.insert(job.name.clone()) {
                return Err(ConfigError::at(
                    format!("{path}::job_name"),
                    format!("found multiple scrape configs with job name {:?}", job.name),
                ));
            }
            jobs.push(job);
        }
        if self.use_start_time_metric && !self.start_time_metric_regex.is_empty() {
            regex::Regex::new(&self.start_time_metric_regex)
                .map_err(|e| ConfigError::at("start_time_metric_regex", e.to_string()))?;
        }
        Ok(jobs)
    }

    /// `external_labels` as a label set.
    pub(crate) fn external_labels(&self) -> Labels {
        Labels::from_pairs(
            self.config
                .global
                .external_labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }
}

fn non_empty(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => false,
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

impl ComponentConfig for PrometheusReceiverConfig {
    /// Prometheus' validation (intervals, auth, relabel rules, targets,
    /// file patterns) without reading any file; refused features are named.
    fn validate(&self) -> Result<(), ConfigError> {
        self.jobs().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    fn parse(yaml: &str) -> Result<PrometheusReceiverConfig, String> {
        parse_config::<PrometheusReceiverConfig>(yaml)
    }

    const MINIMAL: &str = "config:\n  scrape_configs:\n    - job_name: j\n      static_configs: [{targets: ['localhost:9100']}]\n";

    #[test]
    fn defaults_like_prometheus() {
        let cfg = parse(MINIMAL).unwrap();
        let jobs = cfg.jobs().unwrap();
        let j = &jobs[0];
        assert_eq!(j.interval, Duration::from_secs(60));
        assert_eq!(j.timeout, Duration::from_secs(10));
        assert_eq!(j.metrics_path, "/metrics");
        assert_eq!(j.scheme, "http");
        assert!(j.honor_timestamps && !j.honor_labels && j.enable_compression && j.follow_redirects);
        assert_eq!(j.body_size_limit, MAX_BODY_SIZE);
        assert_eq!(j.sample_limit, 0);
        assert_eq!(
            j.accept,
            "application/openmetrics-text;version=1.0.0;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,\
             text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        );
        assert_eq!(
            j.static_groups[0].targets[0].value("__address__"),
            "localhost:9100"
        );
    }

    #[test]
    fn the_default_config_is_refused_as_in_go() {
        let err = PrometheusReceiverConfig::default().validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "no Prometheus scrape_configs or target_allocator set"
        );
    }

    #[test]
    fn intervals_and_timeouts() {
        // A short interval lowers the default timeout.
        let cfg =
            parse("config:\n  global: {scrape_interval: 1s}\n  scrape_configs: [{job_name: a}]\n").unwrap();
        let j = &cfg.jobs().unwrap()[0];
        assert_eq!(
            (j.interval, j.timeout),
            (Duration::from_secs(1), Duration::from_secs(1))
        );
        let cfg = parse("config:\n  scrape_configs: [{job_name: a, scrape_interval: 5s}]\n").unwrap();
        assert_eq!(cfg.jobs().unwrap()[0].timeout, Duration::from_secs(5));
        let err =
            parse("config:\n  scrape_configs: [{job_name: a, scrape_interval: 5s, scrape_timeout: 6s}]\n")
                .unwrap_err();
        assert!(
            err.contains("config::scrape_configs::0::scrape_timeout") && err.contains("greater than"),
            "{err}"
        );
        let err = parse("config:\n  global: {scrape_interval: 5s, scrape_timeout: 6s}\n  scrape_configs: [{job_name: a}]\n")
            .unwrap_err();
        assert!(
            err.contains("global scrape timeout greater than scrape interval"),
            "{err}"
        );
        let err = parse("config:\n  scrape_configs: [{job_name: a, scrape_interval: 1.5s}]\n").unwrap_err();
        assert!(err.contains("not a valid duration string"), "{err}");
    }

    #[test]
    fn refusals_name_the_key() {
        let cases = [
            (
                "config:\n  scrape_configs: [{job_name: a, kubernetes_sd_configs: [{role: pod}]}]\n",
                "config::scrape_configs::0::kubernetes_sd_configs: service discovery \"kubernetes\" is not supported",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, consul_sd_configs: [{}]}]\n",
                "\"consul\" is not supported",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, oauth2: {client_id: x}}]\n",
                "oauth2 is not supported",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, proxy_url: 'http://p:3128'}]\n",
                "proxy_url is not supported",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a}]\n  remote_write: [{url: 'http://x'}]\n",
                "unsupported features:\n\tremote_write",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a}]\n  rule_files: [a.yml]\n  alerting: {alertmanagers: [{}]}\n",
                "unsupported features:\n\talert_config.alertmanagers\n\trule_files",
            ),
            (
                "config:\n  scrape_config_files: ['*.yml']\n  scrape_configs: [{job_name: a}]\n",
                "scrape_config_files is not supported",
            ),
            (
                "target_allocator: {endpoint: 'http://ta', collector_id: c}\nconfig:\n  scrape_configs: [{job_name: a}]\n",
                "target_allocator: the target allocator is not supported",
            ),
            (
                "api_server: {enabled: true}\nconfig:\n  scrape_configs: [{job_name: a}]\n",
                "api_server",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, scrape_protocols: [PrometheusProto]}]\n",
                "PrometheusProto",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a}, {job_name: a}]\n",
                "config::scrape_configs::1::job_name: found multiple scrape configs with job name \"a\"",
            ),
            (
                "config:\n  scrape_configs: [{static_configs: [{targets: [x]}]}]\n",
                "job_name is empty",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, scheme: ftp}]\n",
                "invalid scheme",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, static_configs: [{targets: ['host/path:80']}]}]\n",
                "config::scrape_configs::0::static_configs::0::targets::0",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, static_configs: [{targets: [x], labels: {'bad-name': v}}]}]\n",
                "is not a valid label name",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, relabel_configs: [{action: hashmod, target_label: x}]}]\n",
                "config::scrape_configs::0::relabel_configs::0: relabel configuration for hashmod requires non-zero modulus",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, metric_relabel_configs: [{regex: '(', action: drop}]}]\n",
                "config::scrape_configs::0::metric_relabel_configs::0: invalid regex",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, file_sd_configs: [{files: ['targets.txt']}]}]\n",
                "is not valid for file discovery",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, file_sd_configs: [{files: ['dir*/t.json']}]}]\n",
                "is not valid for file discovery",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, basic_auth: {username: u, password: p, password_file: f}}]\n",
                "at most one of basic_auth password, password_file",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, basic_auth: {username: u}, bearer_token: t}]\n",
                "at most one of basic_auth, oauth2, bearer_token",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, authorization: {type: Basic, credentials: x}}]\n",
                "use \"basic_auth\" instead",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, authorization: {credentials: x}, bearer_token_file: f}]\n",
                "authorization is not compatible with bearer_token",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, tls_config: {min_version: TLS10}}]\n",
                "config::scrape_configs::0::tls_config::min_version",
            ),
            (
                "config:\n  scrape_configs: [{job_name: a, tls_config: {cert_file: c.pem}}]\n",
                "config::scrape_configs::0::tls_config::key_file",
            ),
            (
                "use_start_time_metric: true\nstart_time_metric_regex: '('\nconfig:\n  scrape_configs: [{job_name: a}]\n",
                "start_time_metric_regex",
            ),
            (
                "config:\n  global: {external_labels: {'a.b': c}}\n  scrape_configs: [{job_name: a}]\n",
                "config::global::external_labels::a.b",
            ),
        ];
        for (yaml, want) in cases {
            let err = parse(yaml).unwrap_err();
            assert!(err.contains(want), "{yaml}\n→ {err}\n(wanted {want})");
        }
    }

    #[test]
    fn unknown_keys_are_refused_with_their_path() {
        let err = parse("config:\n  scrape_configs: [{job_name: a, scrape_intervall: 5s}]\n").unwrap_err();
        assert!(err.contains("scrape_intervall"), "{err}");
        assert!(err.contains("scrape_configs"), "{err}");
        let err = parse("config:\n  globl: {}\n").unwrap_err();
        assert!(err.contains("globl"), "{err}");
        let err = parse("confg: {}\n").unwrap_err();
        assert!(err.contains("confg"), "{err}");
        let err = parse("config:\n  scrape_configs: [{job_name: a, relabel_configs: [{regexp: x}]}]\n")
            .unwrap_err();
        assert!(err.contains("regexp"), "{err}");
    }

    #[test]
    fn everything_supported_parses() {
        let yaml = r#"
trim_metric_suffixes: true
use_start_time_metric: true
start_time_metric_regex: '^(.+_)*process_start_time_seconds$'
report_extra_scrape_metrics: true
api_server: {enabled: false}
config:
  global:
    scrape_interval: 15s
    scrape_timeout: 5s
    evaluation_interval: 15s
    external_labels: {cluster: c1, replica: 1}
    body_size_limit: 10MB
  storage: {tsdb: {out_of_order_time_window: 1m}}
  scrape_configs:
    - job_name: everything
      honor_labels: true
      honor_timestamps: false
      track_timestamps_staleness: true
      scheme: https
      metrics_path: /probe
      params: {module: [http_2xx], target: ['a', 'b']}
      scrape_interval: 30s
      scrape_timeout: 10s
      scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]
      fallback_scrape_protocol: PrometheusText0.0.4
      enable_compression: false
      body_size_limit: 1MB
      sample_limit: 1000
      target_limit: 10
      label_limit: 30
      label_name_length_limit: 100
      label_value_length_limit: 1000
      scrape_classic_histograms: true
      basic_auth: {username: u, password_file: /etc/pw}
      tls_config: {ca_file: /ca.pem, server_name: example.com, insecure_skip_verify: false, min_version: TLS12}
      follow_redirects: false
      enable_http2: false
      static_configs:
        - targets: ['a:1', 'b:2']
          labels: {env: prod, port: 8080}
      file_sd_configs:
        - files: ['/etc/targets/*.json', '/etc/t.yml']
          refresh_interval: 1m
      relabel_configs:
        - source_labels: [__address__]
          regex: '(.*):\d+'
          target_label: host
          replacement: '$$1'
        - action: labelmap
          regex: '__meta_(.+)'
      metric_relabel_configs:
        - source_labels: [__name__]
          regex: 'go_.*'
          action: drop
"#;
        let cfg = parse(yaml).unwrap();
        let job = &cfg.jobs().unwrap()[0];
        assert_eq!(job.interval, Duration::from_secs(30));
        assert_eq!(job.timeout, Duration::from_secs(10));
        assert_eq!(job.body_size_limit, 1 << 20);
        assert_eq!(
            job.accept,
            "text/plain;version=0.0.4;q=0.6,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.4"
        );
        assert_eq!(job.params["target"], vec!["a", "b"]);
        assert_eq!(job.static_groups[0].labels.value("port"), "8080");
        assert_eq!(job.file_sd[0].refresh, Duration::from_secs(60));
        assert_eq!(cfg.external_labels().value("replica"), "1");
        assert_eq!(job.tls.server_name_override, "example.com");
        assert_eq!(job.tls.min_version, "1.2");
        assert!(matches!(&job.auth, AuthSpec::Basic { password: Secret::File(f), .. } if f == "/etc/pw"));
        // The config prints and reads back the same.
        let printed = serde_yaml::to_string(&cfg).unwrap();
        let back = parse(&printed).unwrap();
        assert_eq!(back, cfg, "{printed}");
    }

    #[test]
    fn authorization_defaults_to_bearer() {
        let cfg =
            parse("config:\n  scrape_configs: [{job_name: a, authorization: {credentials: tok}}]\n").unwrap();
        assert_eq!(
            cfg.jobs().unwrap()[0].auth,
            AuthSpec::Header {
                kind: "Bearer".into(),
                credentials: Secret::Inline("tok".into())
            }
        );
        let cfg = parse("config:\n  scrape_configs: [{job_name: a, bearer_token_file: /t}]\n").unwrap();
        assert_eq!(
            cfg.jobs().unwrap()[0].auth,
            AuthSpec::Header {
                kind: "Bearer".into(),
                credentials: Secret::File("/t".into())
            }
        );
    }

    #[test]
    fn file_sd_patterns() {
        for ok in [
            "a.json",
            "/x/y.yml",
            "/x/*.yaml",
            "/x/t_*.json",
            "*.JSON",
            "/x/*a*.json",
        ] {
            assert!(valid_file_sd_pattern(ok), "{ok}");
        }
        for bad in ["a.txt", "/x*/a.json", "a.json/x", "a.json.bak"] {
            assert!(!valid_file_sd_pattern(bad), "{bad}");
        }
    }
}
