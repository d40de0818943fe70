//! Settings read with figment from `.env.local` and the process environment
//! (the environment wins), then validated into typed values.
//!
//! Values are kept as text while merging (a version such as `1.10` must not
//! turn into the float `1.1`), and an empty variable counts as unset, as the
//! OpenTelemetry specification asks.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::Serialized;
use serde::Deserialize;

use crate::dotenv::read_env_file;

/// The env file read from the working directory.
pub const ENV_FILE: &str = ".env.local";
/// Default `OTEL_SERVICE_NAME`.
pub const DEFAULT_SERVICE_NAME: &str = "llm-app";
/// Default `OTEL_SERVICE_VERSION`.
pub const DEFAULT_SERVICE_VERSION: &str = "0.1.0";
/// Default `OTEL_DEPLOYMENT_ENVIRONMENT`.
pub const DEFAULT_DEPLOYMENT_ENVIRONMENT: &str = "development";
/// Default `OTEL_EXPORTER_OTLP_ENDPOINT` for `grpc`.
pub const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";
/// Default `OTEL_EXPORTER_OTLP_ENDPOINT` for `http/protobuf`.
pub const DEFAULT_HTTP_ENDPOINT: &str = "http://localhost:4318";
/// Default `OTEL_METRIC_EXPORT_INTERVAL`, in milliseconds.
pub const DEFAULT_METRIC_EXPORT_INTERVAL_MS: u64 = 30_000;
/// Default `OTEL_BSP_SCHEDULE_DELAY`, in milliseconds.
pub const DEFAULT_BSP_SCHEDULE_DELAY_MS: u64 = 5_000;
/// Default `LLM_APP_ADDR`.
pub const DEFAULT_APP_ADDR: &str = "127.0.0.1:8000";

/// Every variable this app reads (from the environment or the env file).
pub const VARIABLES: [&str; 9] = [
    "OTEL_SERVICE_NAME",
    "OTEL_SERVICE_VERSION",
    "OTEL_DEPLOYMENT_ENVIRONMENT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_BSP_SCHEDULE_DELAY",
    "LLM_APP_ADDR",
    "LLM_BACKEND_URL",
];

/// A settings problem; every message names the variable or the file.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A variable holds a value that cannot be used.
    #[error("{var}={value:?} is invalid: {reason}")]
    Invalid {
        /// The variable name.
        var: &'static str,
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The env file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    ReadEnvFile {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of the env file is not `KEY=VALUE`.
    #[error("{file}:{line}: {message}")]
    EnvFileSyntax {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// figment could not merge the sources.
    #[error("reading settings: {0}")]
    Merge(#[from] Box<figment::Error>),
}

/// The OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/gRPC (`grpc`).
    Grpc,
    /// OTLP/HTTP with protobuf bodies (`http/protobuf`).
    HttpProtobuf,
}

impl Protocol {
    /// The spelling used by `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
        }
    }
}

/// What the telemetry SDK needs; built by code, hence `*Settings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetrySettings {
    /// `service.name` (`OTEL_SERVICE_NAME`, default `llm-app`).
    pub service_name: String,
    /// `service.version` (`OTEL_SERVICE_VERSION`, default `0.1.0`).
    pub service_version: String,
    /// `deployment.environment` (`OTEL_DEPLOYMENT_ENVIRONMENT`, default `development`).
    pub deployment_environment: String,
    /// The collector's OTLP endpoint, an `http://` URL
    /// (`OTEL_EXPORTER_OTLP_ENDPOINT`, default `http://localhost:4317` for gRPC,
    /// `http://localhost:4318` for HTTP). For HTTP it is the base URL:
    /// `/v1/traces`, `/v1/metrics` and `/v1/logs` are appended.
    pub endpoint: String,
    /// The transport (`OTEL_EXPORTER_OTLP_PROTOCOL`, default `grpc`).
    pub protocol: Protocol,
    /// How often metrics are exported (`OTEL_METRIC_EXPORT_INTERVAL` ms, default 30000).
    pub metric_export_interval: Duration,
    /// The longest a finished span or log record waits before its batch is sent
    /// (`OTEL_BSP_SCHEDULE_DELAY` ms, default 5000; used for logs too).
    pub bsp_schedule_delay: Duration,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            service_name: DEFAULT_SERVICE_NAME.to_string(),
            service_version: DEFAULT_SERVICE_VERSION.to_string(),
            deployment_environment: DEFAULT_DEPLOYMENT_ENVIRONMENT.to_string(),
            endpoint: DEFAULT_GRPC_ENDPOINT.to_string(),
            protocol: Protocol::Grpc,
            metric_export_interval: Duration::from_millis(DEFAULT_METRIC_EXPORT_INTERVAL_MS),
            bsp_schedule_delay: Duration::from_millis(DEFAULT_BSP_SCHEDULE_DELAY_MS),
        }
    }
}

/// Everything the app reads at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSettings {
    /// Telemetry SDK settings.
    pub telemetry: TelemetrySettings,
    /// Where the HTTP service listens (`LLM_APP_ADDR`, an `IP:port`, default `127.0.0.1:8000`).
    pub addr: SocketAddr,
    /// A downstream service called from `llm.simulate_call` with the trace
    /// context injected (`LLM_BACKEND_URL`, default unset: no call).
    pub backend_url: Option<http::Uri>,
}

/// The raw text of each variable after merging; empty means unset.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawVars {
    #[serde(rename = "OTEL_SERVICE_NAME")]
    service_name: Option<String>,
    #[serde(rename = "OTEL_SERVICE_VERSION")]
    service_version: Option<String>,
    #[serde(rename = "OTEL_DEPLOYMENT_ENVIRONMENT")]
    deployment_environment: Option<String>,
    #[serde(rename = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    endpoint: Option<String>,
    #[serde(rename = "OTEL_EXPORTER_OTLP_PROTOCOL")]
    protocol: Option<String>,
    #[serde(rename = "OTEL_METRIC_EXPORT_INTERVAL")]
    metric_export_interval: Option<String>,
    #[serde(rename = "OTEL_BSP_SCHEDULE_DELAY")]
    bsp_schedule_delay: Option<String>,
    #[serde(rename = "LLM_APP_ADDR")]
    addr: Option<String>,
    #[serde(rename = "LLM_BACKEND_URL")]
    backend_url: Option<String>,
}

impl AppSettings {
    /// Reads `.env.local` in the working directory and the process environment.
    pub fn load() -> Result<AppSettings, SettingsError> {
        let file = read_env_file(Path::new(ENV_FILE))?;
        let env = VARIABLES
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
            .collect();
        AppSettings::from_sources(file, env)
    }

    /// Merges the env-file variables with the environment's (the environment
    /// wins) and validates the result. Unknown keys are ignored.
    pub fn from_sources(
        file: BTreeMap<String, String>,
        env: BTreeMap<String, String>,
    ) -> Result<AppSettings, SettingsError> {
        let known = |m: BTreeMap<String, String>| -> BTreeMap<String, String> {
            m.into_iter()
                .filter(|(k, v)| VARIABLES.contains(&k.as_str()) && !v.trim().is_empty())
                .collect()
        };
        let raw: RawVars = Figment::new()
            .merge(Serialized::defaults(known(file)))
            .merge(Serialized::defaults(known(env)))
            .extract()
            .map_err(Box::new)?;
        raw.validate()
    }
}

impl RawVars {
    fn validate(self) -> Result<AppSettings, SettingsError> {
        let protocol = match self.protocol.as_deref().map(str::trim) {
            None | Some("grpc") => Protocol::Grpc,
            Some("http/protobuf") => Protocol::HttpProtobuf,
            Some(other) => {
                return Err(invalid(
                    "OTEL_EXPORTER_OTLP_PROTOCOL",
                    other,
                    "expected \"grpc\" or \"http/protobuf\"",
                ));
            }
        };
        let endpoint = match self.endpoint {
            Some(e) => {
                check_url("OTEL_EXPORTER_OTLP_ENDPOINT", &e)?;
                e.trim().trim_end_matches('/').to_string()
            }
            None if protocol == Protocol::Grpc => DEFAULT_GRPC_ENDPOINT.to_string(),
            None => DEFAULT_HTTP_ENDPOINT.to_string(),
        };
        let telemetry = TelemetrySettings {
            service_name: self.service_name.unwrap_or_else(|| DEFAULT_SERVICE_NAME.into()),
            service_version: self
                .service_version
                .unwrap_or_else(|| DEFAULT_SERVICE_VERSION.into()),
            deployment_environment: self
                .deployment_environment
                .unwrap_or_else(|| DEFAULT_DEPLOYMENT_ENVIRONMENT.into()),
            endpoint,
            protocol,
            metric_export_interval: millis(
                "OTEL_METRIC_EXPORT_INTERVAL",
                self.metric_export_interval,
                DEFAULT_METRIC_EXPORT_INTERVAL_MS,
            )?,
            bsp_schedule_delay: millis(
                "OTEL_BSP_SCHEDULE_DELAY",
                self.bsp_schedule_delay,
                DEFAULT_BSP_SCHEDULE_DELAY_MS,
            )?,
        };
        let addr_text = self.addr.unwrap_or_else(|| DEFAULT_APP_ADDR.into());
        let addr = addr_text.trim().parse().map_err(|_| {
            invalid(
                "LLM_APP_ADDR",
                &addr_text,
                "expected an IP:port such as 127.0.0.1:8000",
            )
        })?;
        let backend_url = match self.backend_url {
            Some(u) => Some(check_url("LLM_BACKEND_URL", &u)?),
            None => None,
        };
        Ok(AppSettings {
            telemetry,
            addr,
            backend_url,
        })
    }
}

fn invalid(var: &'static str, value: &str, reason: &str) -> SettingsError {
    SettingsError::Invalid {
        var,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

/// An absolute `http` URL with a host (this build has no TLS).
fn check_url(var: &'static str, value: &str) -> Result<http::Uri, SettingsError> {
    let uri: http::Uri = value
        .trim()
        .parse()
        .map_err(|e| invalid(var, value, &format!("not a URL ({e})")))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(invalid(
                var,
                value,
                "https is not supported by this build (no TLS); use http://",
            ));
        }
        _ => return Err(invalid(var, value, "the URL must start with http://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid(var, value, "the URL has no host"));
    }
    Ok(uri)
}

fn millis(var: &'static str, value: Option<String>, default: u64) -> Result<Duration, SettingsError> {
    let Some(text) = value else {
        return Ok(Duration::from_millis(default));
    };
    match text.trim().parse::<u64>() {
        Ok(0) => Err(invalid(var, &text, "must be at least 1 (milliseconds)")),
        Ok(ms) => Ok(Duration::from_millis(ms)),
        Err(_) => Err(invalid(var, &text, "expected a whole number of milliseconds")),
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
