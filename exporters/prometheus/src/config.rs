//! The `prometheus` exporter's config: the Go collector's keys and defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_prometheus::naming::sanitize_label_name;
use serde::{Deserialize, Serialize};

/// Default `metric_expiration`.
pub const DEFAULT_METRIC_EXPIRATION: Duration = Duration::from_secs(300);
/// Default `add_metric_suffixes`.
pub const DEFAULT_ADD_METRIC_SUFFIXES: bool = true;
/// The path the exporter serves.
pub const METRICS_PATH: &str = "/metrics";

/// `translation_strategy`: how OTLP names become Prometheus names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TranslationStrategy {
    /// Escape to `[a-zA-Z0-9_:]` and add unit and type suffixes (the default).
    UnderscoreEscapingWithSuffixes,
    /// Escape to `[a-zA-Z0-9_:]` without suffixes.
    UnderscoreEscapingWithoutSuffixes,
    /// Keep UTF-8 names, add suffixes. Refused in this build.
    #[serde(rename = "NoUTF8EscapingWithSuffixes")]
    NoUtf8EscapingWithSuffixes,
    /// Keep names as they are. Refused in this build.
    NoTranslation,
}

/// `resource_to_telemetry_conversion`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceToTelemetryConfig {
    /// Copy every resource attribute into the labels of every series. Default: false.
    pub enabled: bool,
}

/// Config of the `prometheus` exporter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrometheusExporterConfig {
    /// `host:port` to serve `/metrics` on, e.g. `0.0.0.0:8889`. Required.
    pub endpoint: String,
    /// Serve HTTPS with this certificate (Go's confighttp `tls`); the
    /// files are read at start. Default: absent (plain HTTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<otelcol_configtls::TlsServerConfig>,
    /// A server authenticator every scrape must pass (Go's confighttp
    /// `auth`); refused scrapes get 401. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<otelcol_confighttp::AuthConfig>,
    /// Prefix of every metric name (`namespace_name`). Default: empty.
    pub namespace: String,
    /// Labels added to every series. Default: none.
    pub const_labels: BTreeMap<String, String>,
    /// Expose each sample with the timestamp of its data point. Default: false.
    pub send_timestamps: bool,
    /// A series not updated for this long disappears. Default: 5m.
    #[serde(with = "otelcol_component::duration")]
    pub metric_expiration: Duration,
    /// Copy resource attributes into labels. Default: `{enabled: false}`.
    pub resource_to_telemetry_conversion: ResourceToTelemetryConfig,
    /// Serve OpenMetrics (with exemplars) to scrapers that ask for it. Default: false.
    pub enable_open_metrics: bool,
    /// Add unit and type suffixes (deprecated; `translation_strategy` wins when set). Default: true.
    pub add_metric_suffixes: bool,
    /// Leave out the `otel_scope_*` labels. Default: false.
    pub without_scope_info: bool,
    /// Name translation. Default: absent (from `add_metric_suffixes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translation_strategy: Option<TranslationStrategy>,
}

impl Default for PrometheusExporterConfig {
    fn default() -> Self {
        PrometheusExporterConfig {
            endpoint: String::new(),
            tls: None,
            auth: None,
            namespace: String::new(),
            const_labels: BTreeMap::new(),
            send_timestamps: false,
            metric_expiration: DEFAULT_METRIC_EXPIRATION,
            resource_to_telemetry_conversion: ResourceToTelemetryConfig::default(),
            enable_open_metrics: false,
            add_metric_suffixes: DEFAULT_ADD_METRIC_SUFFIXES,
            without_scope_info: false,
            translation_strategy: None,
        }
    }
}

impl PrometheusExporterConfig {
    /// Whether unit and type suffixes are added (the strategy wins over
    /// `add_metric_suffixes`, as in Go).
    pub fn with_suffixes(&self) -> bool {
        match self.translation_strategy {
            Some(TranslationStrategy::UnderscoreEscapingWithoutSuffixes)
            | Some(TranslationStrategy::NoTranslation) => false,
            Some(_) => true,
            None => self.add_metric_suffixes,
        }
    }
}

impl fmt::Display for TranslationStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TranslationStrategy::UnderscoreEscapingWithSuffixes => "UnderscoreEscapingWithSuffixes",
            TranslationStrategy::UnderscoreEscapingWithoutSuffixes => "UnderscoreEscapingWithoutSuffixes",
            TranslationStrategy::NoUtf8EscapingWithSuffixes => "NoUTF8EscapingWithSuffixes",
            TranslationStrategy::NoTranslation => "NoTranslation",
        })
    }
}

impl PrometheusExporterConfig {
    /// Checks made when the exporter is created, as Go makes them when it
    /// builds the component: an unused exporter without an endpoint is valid.
    pub fn validate_for_build(&self) -> Result<(), ConfigError> {
        if self.endpoint.trim().is_empty() {
            return Err(ConfigError::at(
                "endpoint",
                "expecting a non-blank address to run the Prometheus metrics handler",
            ));
        }
        if !self.endpoint.contains(':') {
            return Err(ConfigError::at(
                "endpoint",
                format!("{:?}: missing port, expected host:port", self.endpoint),
            ));
        }
        Ok(())
    }
}

impl ComponentConfig for PrometheusExporterConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(tls) = &self.tls {
            tls.validate().map_err(|e| e.into_config_error("tls"))?;
        }
        if let Some(
            s @ (TranslationStrategy::NoUtf8EscapingWithSuffixes | TranslationStrategy::NoTranslation),
        ) = self.translation_strategy
        {
            return Err(ConfigError::at(
                "translation_strategy",
                format!(
                    "{s} keeps UTF-8 metric and label names, which this build does not support; \
                     use UnderscoreEscapingWithSuffixes or UnderscoreEscapingWithoutSuffixes"
                ),
            ));
        }
        for name in self.const_labels.keys() {
            // Go sanitizes const label names (`another label` → `another_label`).
            match sanitize_label_name(name) {
                Ok(s) if !s.starts_with("__") => {}
                _ => {
                    return Err(ConfigError::at(
                        format!("const_labels::{name}"),
                        "invalid label name: it must have a letter, digit or _ and not start with __",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl PrometheusExporterConfig {
    /// `const_labels` with their names sanitized as Go sanitizes them
    /// (characters outside `[a-zA-Z0-9_]` become `_`); names that cannot be
    /// sanitized are refused by `validate`.
    pub fn sanitized_const_labels(&self) -> BTreeMap<String, String> {
        self.const_labels
            .iter()
            .filter_map(|(k, v)| sanitize_label_name(k).ok().map(|k| (k, v.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_need_an_endpoint() {
        // Like Go, a missing endpoint is found when the exporter is built,
        // so an unused `prometheus:` is valid.
        let cfg = parse_config::<PrometheusExporterConfig>("").unwrap();
        let err = cfg.validate_for_build().unwrap_err().to_string();
        assert!(err.contains("endpoint"), "{err}");
        let cfg = parse_config::<PrometheusExporterConfig>("endpoint: 0.0.0.0:8889").unwrap();
        assert_eq!(cfg.metric_expiration, Duration::from_secs(300));
        assert!(cfg.with_suffixes() && !cfg.send_timestamps && !cfg.enable_open_metrics);
    }

    #[test]
    fn full_config() {
        let cfg = parse_config::<PrometheusExporterConfig>(
            "endpoint: 127.0.0.1:9000\nnamespace: app\nconst_labels: {env: prod}\nsend_timestamps: true\n\
             metric_expiration: 1m30s\nresource_to_telemetry_conversion: {enabled: true}\nenable_open_metrics: true\n\
             add_metric_suffixes: true\nwithout_scope_info: true\ntranslation_strategy: UnderscoreEscapingWithoutSuffixes\n",
        )
        .unwrap();
        assert_eq!(cfg.metric_expiration, Duration::from_secs(90));
        assert_eq!(cfg.const_labels.get("env").map(String::as_str), Some("prod"));
        assert!(!cfg.with_suffixes());
        assert!(cfg.resource_to_telemetry_conversion.enabled && cfg.without_scope_info);
    }

    #[test]
    fn refusals() {
        // `tls` is Go's server TLS block: `insecure` is a client key.
        let err =
            parse_config::<PrometheusExporterConfig>("endpoint: :1\ntls: {insecure: true}").unwrap_err();
        assert!(err.contains("insecure"), "{err}");
        let err = parse_config::<PrometheusExporterConfig>("endpoint: :1\ntls: {min_version: \"1.3\"}")
            .unwrap_err();
        assert!(err.contains("tls::cert_file"), "{err}");
        // Files are read at start, not by validate.
        parse_config::<PrometheusExporterConfig>(
            "endpoint: :1\ntls: {cert_file: /nonexistent/c.pem, key_file: /nonexistent/k.pem}\nauth: {authenticator: basicauth}",
        )
        .unwrap();
        let err =
            parse_config::<PrometheusExporterConfig>("endpoint: :1\ntranslation_strategy: NoTranslation")
                .unwrap_err();
        assert!(err.contains("UTF-8"), "{err}");
        let err = parse_config::<PrometheusExporterConfig>("endpoint: :1\ntranslation_strategy: Bogus")
            .unwrap_err();
        assert!(err.contains("unknown variant"), "{err}");
        let err =
            parse_config::<PrometheusExporterConfig>("endpoint: :1\nconst_labels: {\"--\": x}").unwrap_err();
        assert!(err.contains("const_labels::--"), "{err}");
        // contrib's prometheusexporter testdata/config.yaml: Go sanitizes the name.
        let cfg = parse_config::<PrometheusExporterConfig>(
            "endpoint: :1\nconst_labels: {label1: value1, \"another label\": spaced value}",
        )
        .unwrap();
        let labels = cfg.sanitized_const_labels();
        assert_eq!(
            labels.get("another_label").map(String::as_str),
            Some("spaced value")
        );
        assert_eq!(labels.get("label1").map(String::as_str), Some("value1"));
        let err = parse_config::<PrometheusExporterConfig>("endpoint: :1\nsending_queue: {}").unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
        let cfg = parse_config::<PrometheusExporterConfig>("endpoint: nocolon").unwrap();
        assert!(cfg.validate_for_build().is_err());
        let cfg =
            parse_config::<PrometheusExporterConfig>("endpoint: :1\nadd_metric_suffixes: false").unwrap();
        assert!(!cfg.with_suffixes());
    }
}
