//! The collector's own telemetry over OTLP, in the forms of
//! `service::telemetry` the Go collector takes from the OpenTelemetry
//! declarative configuration:
//!
//! ```yaml
//! service:
//!   telemetry:
//!     resource: {deployment.environment: prod}
//!     metrics:
//!       readers:
//!         - periodic:
//!             interval: 10000          # ms, default 60000
//!             exporter:
//!               otlp: {protocol: grpc, endpoint: http://backend:4317}
//!     logs:
//!       processors:
//!         - batch:
//!             exporter:
//!               otlp: {protocol: http/protobuf, endpoint: http://backend:4318/v1/logs}
//! ```
//!
//! Each OTLP exporter of that config becomes an instance of the
//! distribution's own `otlp_grpc` / `otlp_http` exporter (so TLS, headers,
//! compression and retries behave exactly as in a pipeline), fed by a task
//! that pushes the self-metrics every `interval`, or by a `tracing` layer
//! ([`LogExport::layer`]) that turns the collector's log events into OTLP
//! log records.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans};
use otelcol_component::{
    BuildInfo, ComponentId, ComponentType, Exporter, Host, Kind, Logs, Metrics, Payload, ServiceInfo,
    Settings, Signal, Traces,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::model::{LogsConfig, MetricsConfig, MetricsLevel, TelemetryConfig};
use crate::config::{ConfigIssue, ConfigSource, Resolved};
use crate::factories::Factories;
use crate::graph::host::ServiceHost;
use crate::selfmetrics::Registry;

/// How an OTLP exporter of the collector's own telemetry sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/gRPC.
    Grpc,
    /// OTLP/HTTP with protobuf bodies.
    HttpProtobuf,
    /// OTLP/HTTP with JSON bodies.
    HttpJson,
}

/// One `otlp` exporter of the declarative config.
#[derive(Clone, Debug, PartialEq)]
pub struct OtlpTarget {
    /// `protocol` (`grpc`, `http/protobuf` (default), `http/json`).
    pub protocol: Protocol,
    /// `endpoint`: for HTTP the URL of the signal (a URL without a path
    /// gets `/v1/metrics` or `/v1/logs`), for gRPC `http(s)://host:port`.
    pub endpoint: String,
    /// `headers` (`[{name, value}]`) and `headers_list` (`k=v,k2=v2`).
    pub headers: BTreeMap<String, String>,
    /// `compression` (`gzip`, `none`, ...).
    pub compression: Option<String>,
    /// `timeout` in milliseconds.
    pub timeout_ms: Option<u64>,
    /// `insecure` (gRPC: plaintext).
    pub insecure: Option<bool>,
    /// `certificate` (CA file).
    pub certificate: Option<String>,
    /// `client_certificate`.
    pub client_certificate: Option<String>,
    /// `client_key`.
    pub client_key: Option<String>,
}

/// A `periodic` metric reader with an OTLP exporter.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodicReader {
    /// `interval` (ms, default 60000).
    pub interval: Duration,
    /// `timeout` of one export (ms, default 30000).
    pub timeout: Duration,
    /// Where the metrics go.
    pub target: OtlpTarget,
}

/// A log processor (`batch` or `simple`) with an OTLP exporter.
#[derive(Clone, Debug, PartialEq)]
pub struct LogProcessor {
    /// `batch` (true) or `simple`.
    pub batched: bool,
    /// `schedule_delay` (ms, default 1000; `simple`: 0).
    pub schedule_delay: Duration,
    /// `export_timeout` (ms, default 30000).
    pub export_timeout: Duration,
    /// `max_queue_size` (default 2048).
    pub max_queue_size: usize,
    /// `max_export_batch_size` (default 512).
    pub max_export_batch_size: usize,
    /// Where the logs go.
    pub target: OtlpTarget,
}

/// What `service::telemetry` asks for, beyond the local log output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SelfTelemetryConfig {
    /// Where to serve `/metrics` (`host:port`), if anywhere.
    pub pull: Option<String>,
    /// Periodic OTLP metric readers.
    pub readers: Vec<PeriodicReader>,
    /// OTLP log processors.
    pub log_processors: Vec<LogProcessor>,
    /// OTLP span processors (`service::telemetry::traces::processors`;
    /// same settings as the log processors).
    pub trace_processors: Vec<LogProcessor>,
    /// Deprecations and accepted-but-unused settings, to log.
    pub warnings: Vec<String>,
}

const READERS: &str = "service::telemetry::metrics::readers";

/// How long, at most, the exports of the collector's own telemetry may hold
/// up its shutdown.
pub const SELF_TELEMETRY_GRACE: Duration = Duration::from_secs(5);
const LOG_PROCESSORS: &str = "service::telemetry::logs::processors";
const TRACE_PROCESSORS: &str = "service::telemetry::traces::processors";

/// Reads `service::telemetry` (metrics readers, log processors, traces).
pub fn parse(cfg: &TelemetryConfig) -> Result<SelfTelemetryConfig, Vec<ConfigIssue>> {
    let mut out = SelfTelemetryConfig::default();
    let mut issues = Vec::new();
    parse_metrics(&cfg.metrics, &mut out, &mut issues);
    parse_logs(&cfg.logs, &mut out, &mut issues);
    if let Some(traces) = &cfg.traces {
        match traces.get("processors").and_then(Value::as_array) {
            Some(list) => {
                for (i, p) in list.iter().enumerate() {
                    let path = format!("{TRACE_PROCESSORS}::{i}");
                    match parse_log_processor(p, &path) {
                        Ok(p) => out.trace_processors.push(p),
                        Err(e) => issues.push(e),
                    }
                }
            }
            None if traces.get("processors").is_some() => {
                issues.push(ConfigIssue::new(
                    TRACE_PROCESSORS,
                    "expected a list of span processors",
                ));
            }
            None => {}
        }
    }
    if issues.is_empty() { Ok(out) } else { Err(issues) }
}

pub(crate) fn parse_metrics(
    cfg: &MetricsConfig,
    out: &mut SelfTelemetryConfig,
    issues: &mut Vec<ConfigIssue>,
) {
    if cfg.address.is_some() {
        out.warnings.push(
            "service::telemetry::metrics::address is deprecated (as in the Go collector): use \
             service::telemetry::metrics::readers with a pull prometheus exporter"
                .to_string(),
        );
    }
    if cfg.level == MetricsLevel::None {
        return;
    }
    if cfg.readers.is_empty() {
        out.pull = Some(
            cfg.address
                .clone()
                .unwrap_or_else(|| "localhost:8888".to_string()),
        );
        return;
    }
    for (i, r) in cfg.readers.iter().enumerate() {
        let path = format!("{READERS}::{i}");
        if let Some(pull) = r.get("pull") {
            let Some(prom) = pull.get("exporter").and_then(|e| e.get("prometheus")) else {
                issues.push(ConfigIssue::new(
                    format!("{path}::pull::exporter"),
                    "a pull reader needs a prometheus exporter",
                ));
                continue;
            };
            let host = prom.get("host").and_then(Value::as_str).unwrap_or("localhost");
            let port = prom
                .get("port")
                .and_then(|p| p.as_u64().or_else(|| p.as_str().and_then(|s| s.parse().ok())))
                .unwrap_or(8888);
            if out.pull.is_some() {
                issues.push(ConfigIssue::new(
                    path,
                    "only one prometheus pull reader is supported",
                ));
                continue;
            }
            out.pull = Some(if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            });
        } else if let Some(periodic) = r.get("periodic") {
            let ms = |key: &str, default: u64| -> Result<Duration, ConfigIssue> {
                millis(periodic.get(key), default, &format!("{path}::periodic::{key}"))
            };
            let reader = (|| {
                Ok(PeriodicReader {
                    interval: ms("interval", 60_000)?,
                    timeout: ms("timeout", 30_000)?,
                    target: exporter(periodic.get("exporter"), &format!("{path}::periodic::exporter"))?,
                })
            })();
            match reader {
                Ok(r) if r.interval.is_zero() => issues.push(ConfigIssue::new(
                    format!("{path}::periodic::interval"),
                    "must be greater than zero",
                )),
                Ok(r) => out.readers.push(r),
                Err(e) => issues.push(e),
            }
        } else {
            issues.push(ConfigIssue::new(path, "expected a `pull` or a `periodic` reader"));
        }
    }
}

fn parse_logs(cfg: &LogsConfig, out: &mut SelfTelemetryConfig, issues: &mut Vec<ConfigIssue>) {
    for (i, p) in cfg.processors.iter().enumerate() {
        match parse_log_processor(p, &format!("{LOG_PROCESSORS}::{i}")) {
            Ok(p) => out.log_processors.push(p),
            Err(e) => issues.push(e),
        }
    }
}

fn parse_log_processor(p: &Value, path: &str) -> Result<LogProcessor, ConfigIssue> {
    let (batched, body, key) = match (p.get("batch"), p.get("simple")) {
        (Some(b), None) => (true, b, "batch"),
        (None, Some(s)) => (false, s, "simple"),
        _ => {
            return Err(ConfigIssue::new(
                path,
                "expected a `batch` or a `simple` processor",
            ));
        }
    };
    let path = format!("{path}::{key}");
    let ms = |k: &str, default: u64| millis(body.get(k), default, &format!("{path}::{k}"));
    let count = |k: &str, default: usize| -> Result<usize, ConfigIssue> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigIssue::new(format!("{path}::{k}"), "expected a positive integer")),
        }
    };
    let processor = LogProcessor {
        batched,
        schedule_delay: if batched {
            ms("schedule_delay", 1_000)?
        } else {
            Duration::ZERO
        },
        export_timeout: ms("export_timeout", 30_000)?,
        max_queue_size: if batched {
            count("max_queue_size", 2048)?
        } else {
            2048
        },
        max_export_batch_size: if batched {
            count("max_export_batch_size", 512)?
        } else {
            512
        },
        target: exporter(body.get("exporter"), &format!("{path}::exporter"))?,
    };
    if processor.max_export_batch_size > processor.max_queue_size {
        return Err(ConfigIssue::new(
            format!("{path}::max_export_batch_size"),
            "must not be greater than max_queue_size",
        ));
    }
    Ok(processor)
}

/// A duration in milliseconds (a number), as the declarative config writes them.
fn millis(v: Option<&Value>, default: u64, path: &str) -> Result<Duration, ConfigIssue> {
    match v {
        None | Some(Value::Null) => Ok(Duration::from_millis(default)),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Duration::from_millis)
            .ok_or_else(|| ConfigIssue::new(path, format!("expected a number of milliseconds, got {v}"))),
    }
}

fn exporter(v: Option<&Value>, path: &str) -> Result<OtlpTarget, ConfigIssue> {
    let Some(v) = v else {
        return Err(ConfigIssue::new(path, "an exporter is required"));
    };
    // `otlp` with a `protocol`; the schema's newer names `otlp_http` / `otlp_grpc`.
    let (body, key, default_protocol) = if let Some(b) = v.get("otlp") {
        (b, "otlp", Protocol::HttpProtobuf)
    } else if let Some(b) = v.get("otlp_http") {
        (b, "otlp_http", Protocol::HttpProtobuf)
    } else if let Some(b) = v.get("otlp_grpc") {
        (b, "otlp_grpc", Protocol::Grpc)
    } else {
        let names: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        return Err(ConfigIssue::new(
            path,
            format!(
                "unsupported exporter {}: this build sends its own telemetry with `otlp` (or `otlp_http`, `otlp_grpc`) only",
                names.join(", ")
            ),
        ));
    };
    let path = format!("{path}::{key}");
    let text = |k: &str| -> Result<Option<String>, ConfigIssue> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ConfigIssue::new(
                format!("{path}::{k}"),
                format!("expected a string, got {other}"),
            )),
        }
    };
    let protocol = match text("protocol")?.as_deref() {
        None => default_protocol,
        Some("grpc") => Protocol::Grpc,
        Some("http/protobuf") => Protocol::HttpProtobuf,
        Some("http/json") => Protocol::HttpJson,
        Some(other) => {
            return Err(ConfigIssue::new(
                format!("{path}::protocol"),
                format!("unsupported protocol {other:?}: expected grpc, http/protobuf or http/json"),
            ));
        }
    };
    let Some(endpoint) = text("endpoint")?.filter(|e| !e.is_empty()) else {
        return Err(ConfigIssue::new(
            format!("{path}::endpoint"),
            "an endpoint is required",
        ));
    };
    let mut headers = BTreeMap::new();
    if let Some(list) = text("headers_list")? {
        for pair in list.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((k, v)) = pair.split_once('=') else {
                return Err(ConfigIssue::new(
                    format!("{path}::headers_list"),
                    format!("expected `name=value` pairs separated by commas, got {pair:?}"),
                ));
            };
            headers.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    match body.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, h) in list.iter().enumerate() {
                let (Some(name), Some(value)) = (
                    h.get("name").and_then(Value::as_str),
                    h.get("value").and_then(Value::as_str),
                ) else {
                    return Err(ConfigIssue::new(
                        format!("{path}::headers::{i}"),
                        "expected {name: ..., value: ...}",
                    ));
                };
                headers.insert(name.to_string(), value.to_string());
            }
        }
        Some(Value::Object(map)) => {
            for (k, v) in map {
                headers.insert(
                    k.clone(),
                    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
                );
            }
        }
        Some(_) => {
            return Err(ConfigIssue::new(
                format!("{path}::headers"),
                "expected a list of {name, value}",
            ));
        }
    }
    let timeout_ms = match body.get("timeout") {
        None | Some(Value::Null) => None,
        Some(v) => Some(millis(Some(v), 0, &format!("{path}::timeout"))?.as_millis() as u64),
    };
    let insecure = match body.get("insecure") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(ConfigIssue::new(
                format!("{path}::insecure"),
                format!("expected true or false, got {other}"),
            ));
        }
    };
    Ok(OtlpTarget {
        protocol,
        endpoint,
        headers,
        compression: text("compression")?,
        timeout_ms,
        insecure,
        certificate: text("certificate")?,
        client_certificate: text("client_certificate")?,
        client_key: text("client_key")?,
    })
}

impl OtlpTarget {
    /// The exporter types to try (canonical name first) and the exporter
    /// config for `signal`.
    fn exporter_config(&self, signal: Signal) -> (&'static [&'static str], Value) {
        let mut cfg = serde_json::Map::new();
        let mut tls = serde_json::Map::new();
        if let Some(insecure) = self.insecure {
            tls.insert("insecure".into(), Value::Bool(insecure));
        }
        for (key, v) in [
            ("ca_file", &self.certificate),
            ("cert_file", &self.client_certificate),
            ("key_file", &self.client_key),
        ] {
            if let Some(v) = v {
                tls.insert(key.into(), Value::String(v.clone()));
            }
        }
        if !tls.is_empty() {
            cfg.insert("tls".into(), Value::Object(tls));
        }
        if !self.headers.is_empty() {
            let h = self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            cfg.insert("headers".into(), Value::Object(h));
        }
        if let Some(c) = &self.compression {
            cfg.insert("compression".into(), Value::String(c.clone()));
        }
        if let Some(ms) = self.timeout_ms {
            cfg.insert("timeout".into(), Value::String(format!("{ms}ms")));
        }
        match self.protocol {
            Protocol::Grpc => {
                cfg.insert("endpoint".into(), Value::String(self.endpoint.clone()));
                (&["otlp_grpc", "otlp"], Value::Object(cfg))
            }
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                let encoding = if self.protocol == Protocol::HttpJson {
                    "json"
                } else {
                    "proto"
                };
                cfg.insert("encoding".into(), Value::String(encoding.into()));
                let key = format!("{}_endpoint", signal.as_str());
                cfg.insert(key, Value::String(signal_url(&self.endpoint, signal)));
                (&["otlp_http", "otlphttp"], Value::Object(cfg))
            }
        }
    }
}

/// The URL of `signal`: the endpoint as given when it has a path,
/// otherwise with `/v1/<signal>` appended.
fn signal_url(endpoint: &str, signal: Signal) -> String {
    let after_scheme = endpoint.split_once("://").map(|(_, r)| r).unwrap_or(endpoint);
    let has_path = after_scheme.find('/').is_some_and(|i| after_scheme.len() > i + 1);
    if has_path {
        endpoint.to_string()
    } else {
        format!("{}/v1/{}", endpoint.trim_end_matches('/'), signal.as_str())
    }
}

/// `$` doubled in every string, so the config expander gives it back as written.
fn escape_dollars(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(a) => a.iter_mut().for_each(escape_dollars),
        Value::Object(o) => o.values_mut().for_each(escape_dollars),
        _ => {}
    }
}

struct NoLookup;
impl crate::config::expand::Lookup for NoLookup {
    fn env(&self, _name: &str) -> Option<String> {
        None
    }
    fn file(&self, _path: &str) -> Result<String, String> {
        Err("not available here".into())
    }
}

/// An exporter config for the collector's own telemetry, parsed and
/// validated by the distribution's `otlp_grpc` / `otlp_http` factory.
struct Prepared {
    id: ComponentId,
    factory: Arc<dyn crate::factories::DynExporterFactory>,
    config: crate::factories::AnyConfig,
}

fn prepare(
    factories: &Factories,
    target: &OtlpTarget,
    signal: Signal,
    name: &str,
    path: &str,
) -> Result<Prepared, String> {
    let (types, mut cfg) = target.exporter_config(signal);
    let Some((ty, factory)) = types
        .iter()
        .find_map(|t| factories.exporters.get(t).map(|(f, _)| (*t, f.clone())))
    else {
        return Err(format!(
            "{path}: this build has no {} exporter to send the collector's own telemetry with",
            types[0]
        ));
    };
    let id_text = format!("{ty}/_telemetry_{name}");
    escape_dollars(&mut cfg);
    let yaml = serde_yaml::to_string(&serde_json::json!({ "exporters": { &id_text: cfg } }))
        .map_err(|e| format!("{path}: {e}"))?;
    let source = ConfigSource::Inline {
        name: path.to_string(),
        yaml,
    };
    let resolved = Resolved::resolve(&[source], &[], &NoLookup).map_err(|e| format!("{path}: {e}"))?;
    let config = factory
        .parse(&resolved, "exporters", &id_text)
        .map_err(|issues| {
            issues
                .iter()
                .map(|i| format!("{path}: {}: {}", i.path, i.message))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let id = ComponentId::with_name(
        ComponentType::new(ty).map_err(|e| format!("{path}: {e}"))?,
        &format!("_telemetry_{name}"),
    )
    .map_err(|e| format!("{path}: {e}"))?;
    Ok(Prepared { id, factory, config })
}

/// True for the id of an exporter of the collector's own telemetry
/// (`otlp_grpc/_telemetry_metrics_0`), which the shutdown loss report leaves out.
pub fn is_telemetry_exporter(id: &str) -> bool {
    id.split_once('/')
        .is_some_and(|(_, name)| name.starts_with("_telemetry_"))
}

/// Checks every OTLP exporter of `cfg` against the distribution's
/// factories without creating anything (for `validate`).
pub fn check(cfg: &SelfTelemetryConfig, factories: &Factories) -> Vec<ConfigIssue> {
    let mut issues = Vec::new();
    for (i, r) in cfg.readers.iter().enumerate() {
        let path = format!("{READERS}::{i}::periodic::exporter");
        if let Err(e) = prepare(
            factories,
            &r.target,
            Signal::Metrics,
            &format!("metrics_{i}"),
            &path,
        ) {
            issues.push(ConfigIssue::new(path, e));
        }
    }
    for (i, p) in cfg.log_processors.iter().enumerate() {
        let path = format!("{LOG_PROCESSORS}::{i}");
        if let Err(e) = prepare(factories, &p.target, Signal::Logs, &format!("logs_{i}"), &path) {
            issues.push(ConfigIssue::new(path, e));
        }
    }
    for (i, p) in cfg.trace_processors.iter().enumerate() {
        let path = format!("{TRACE_PROCESSORS}::{i}");
        if let Err(e) = prepare(
            factories,
            &p.target,
            Signal::Traces,
            &format!("traces_{i}"),
            &path,
        ) {
            issues.push(ConfigIssue::new(path, e));
        }
    }
    issues
}

/// Creates (not starts) the distribution's exporter for `target`, named
/// `<type>/_telemetry_<name>`.
pub fn create_exporter(
    factories: &Factories,
    build_info: &BuildInfo,
    target: &OtlpTarget,
    signal: Signal,
    name: &str,
    path: &str,
) -> Result<(ComponentId, Arc<dyn Exporter>), String> {
    let p = prepare(factories, target, signal, name, path)?;
    let set = Settings::new(p.id.clone(), Kind::Exporter, build_info.clone());
    let exporter = p
        .factory
        .create(&set, &p.config, &[signal])
        .map_err(|e| format!("{path}: {e}"))?;
    Ok((p.id, exporter))
}

/// The resource of the collector's own telemetry: `service.name` (the
/// command), `service.version`, `service.instance.id` (random per process),
/// then `service::telemetry::resource` (a null value removes an attribute).
pub fn resource_attributes(
    build_info: &BuildInfo,
    configured: &BTreeMap<String, Option<String>>,
) -> Vec<(String, String)> {
    let mut attrs: BTreeMap<String, String> = BTreeMap::new();
    attrs.insert("service.name".into(), build_info.command.clone());
    attrs.insert("service.version".into(), build_info.version.clone());
    attrs.insert("service.instance.id".into(), instance_id().to_string());
    for (k, v) in configured {
        match v {
            Some(v) => {
                attrs.insert(k.clone(), v.clone());
            }
            None => {
                attrs.remove(k);
            }
        }
    }
    attrs.into_iter().collect()
}

/// A random (version 4) UUID for this process, made once.
fn instance_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut bytes = [0u8; 16];
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            h.write_u32(std::process::id());
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    })
}

/// The OTLP resource of the collector's own telemetry.
pub(crate) fn otlp_resource(attrs: &[(String, String)]) -> Resource {
    Resource {
        attributes: attrs.iter().map(|(k, v)| kv(k, v)).collect(),
        ..Default::default()
    }
}

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.to_string())),
        }),
        ..Default::default()
    }
}

/// Nanoseconds since the Unix epoch, now.
pub(crate) fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A bounded queue of the collector's own records (log records, spans),
/// shared by the `tracing` layer that fills it and the export tasks that
/// empty it. A full queue drops and counts.
pub(crate) struct Queue<T> {
    items: Mutex<VecDeque<T>>,
    capacity: usize,
    batch: usize,
    ready: tokio::sync::Notify,
    dropped: AtomicU64,
}

impl<T> Queue<T> {
    pub(crate) fn new(capacity: usize, batch: usize) -> Queue<T> {
        Queue {
            items: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity,
            batch: batch.max(1),
            ready: tokio::sync::Notify::new(),
            dropped: AtomicU64::new(0),
        }
    }

    pub(crate) fn push(&self, item: T) {
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        if items.len() >= self.capacity {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        items.push_back(item);
        if items.len() >= self.batch {
            self.ready.notify_one();
        }
    }

    pub(crate) fn take(&self, max: usize) -> Vec<T> {
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        let n = items.len().min(max);
        items.drain(..n).collect()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The largest `max_queue_size` and `max_export_batch_size` of `processors`
/// (`None` without processors).
fn queue_bounds(processors: &[LogProcessor]) -> Option<(usize, usize)> {
    let capacity = processors.iter().map(|p| p.max_queue_size).max()?;
    let batch = processors
        .iter()
        .map(|p| p.max_export_batch_size)
        .max()
        .unwrap_or(512);
    Some((capacity, batch))
}

/// The collector's log events waiting to be exported.
#[derive(Clone)]
pub struct LogExport {
    queue: Arc<Queue<LogRecord>>,
}

impl fmt::Debug for LogExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogExport")
            .field("capacity", &self.queue.capacity)
            .field("dropped", &self.queue.dropped())
            .finish()
    }
}

impl LogExport {
    /// A queue for the processors of `logs` (`None` when there are none):
    /// its capacity is the largest `max_queue_size`.
    pub fn for_config(logs: &LogsConfig) -> Option<LogExport> {
        let mut ignored = Vec::new();
        let mut out = SelfTelemetryConfig::default();
        parse_logs(logs, &mut out, &mut ignored);
        let (capacity, batch) = queue_bounds(&out.log_processors)?;
        Some(LogExport {
            queue: Arc::new(Queue::new(capacity, batch)),
        })
    }

    /// The `tracing` layer that turns events into OTLP log records; add it
    /// to the subscriber (with the level filter of the log output).
    pub fn layer(&self) -> OtlpLogLayer {
        OtlpLogLayer { export: self.clone() }
    }

    /// Records dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }
}

/// See [`LogExport::layer`].
#[derive(Debug)]
pub struct OtlpLogLayer {
    export: LogExport,
}

/// Collects an event's fields: `message` becomes the body, the rest attributes.
#[derive(Default)]
struct FieldVisitor {
    body: Option<String>,
    attributes: Vec<KeyValue>,
}

impl tracing::field::Visit for FieldVisitor {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.put(
            field.name(),
            any_value::Value::StringValue(crate::redact::redact_text(value).into_owned()),
        );
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.put(field.name(), any_value::Value::IntValue(value));
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.put(
            field.name(),
            any_value::Value::IntValue(i64::try_from(value).unwrap_or(i64::MAX)),
        );
    }
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        self.put(field.name(), any_value::Value::DoubleValue(value));
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.put(field.name(), any_value::Value::BoolValue(value));
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let text = crate::redact::redact_text(&format!("{value:?}")).into_owned();
        self.put(field.name(), any_value::Value::StringValue(text));
    }
}

impl FieldVisitor {
    fn put(&mut self, name: &str, value: any_value::Value) {
        if name == "message" {
            if let any_value::Value::StringValue(s) = value {
                self.body = Some(s);
                return;
            }
        }
        self.attributes.push(KeyValue {
            key: name.to_string(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        });
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for OtlpLogLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = FieldVisitor::default();
        event.record(&mut fields);
        let (number, text) = match *meta.level() {
            tracing::Level::ERROR => (SeverityNumber::Error, "ERROR"),
            tracing::Level::WARN => (SeverityNumber::Warn, "WARN"),
            tracing::Level::INFO => (SeverityNumber::Info, "INFO"),
            tracing::Level::DEBUG => (SeverityNumber::Debug, "DEBUG"),
            tracing::Level::TRACE => (SeverityNumber::Trace, "TRACE"),
        };
        let mut attributes = fields.attributes;
        attributes.push(kv("code.namespace", meta.target()));
        let now = now_nanos();
        self.export.queue.push(LogRecord {
            time_unix_nano: now,
            observed_time_unix_nano: now,
            severity_number: number as i32,
            severity_text: text.to_string(),
            body: fields.body.map(|b| AnyValue {
                value: Some(any_value::Value::StringValue(b)),
            }),
            attributes,
            ..Default::default()
        });
    }
}

/// The running OTLP exports of the collector's own telemetry.
pub struct SelfTelemetry {
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    exporters: Vec<(ComponentId, Arc<dyn Exporter>)>,
}

impl fmt::Debug for SelfTelemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelfTelemetry")
            .field(
                "exporters",
                &self
                    .exporters
                    .iter()
                    .map(|(id, _)| id.to_string())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What [`SelfTelemetry::start`] needs.
#[derive(Debug)]
pub struct SelfTelemetryInputs<'a> {
    /// The parsed `service::telemetry`.
    pub config: &'a SelfTelemetryConfig,
    /// The distribution's factories (for the OTLP exporters).
    pub factories: &'a Factories,
    /// The distribution.
    pub build_info: &'a BuildInfo,
    /// The self-metrics, when this collector records them.
    pub registry: Option<Arc<Registry>>,
    /// The self-metrics level.
    pub level: MetricsLevel,
    /// The log queue the CLI's subscriber fills, when logs are exported.
    pub logs: Option<LogExport>,
    /// The span queue the CLI's subscriber fills, when spans are exported.
    pub spans: Option<SpanExport>,
    /// The resource attributes.
    pub resource: Vec<(String, String)>,
}

impl SelfTelemetry {
    /// Creates and starts an exporter per reader and log processor, and the
    /// tasks that feed them. Errors name the config key.
    pub async fn start(inputs: SelfTelemetryInputs<'_>) -> Result<SelfTelemetry, String> {
        let mut me = SelfTelemetry {
            stop: CancellationToken::new(),
            tasks: Vec::new(),
            exporters: Vec::new(),
        };
        let host: Arc<dyn Host> = Arc::new(ServiceHost::new(
            Vec::new(),
            ServiceInfo::new(inputs.build_info.clone(), Vec::new(), Vec::new()),
        ));
        let resource = otlp_resource(&inputs.resource);
        let scope = InstrumentationScope {
            name: "otelcol-rs".into(),
            version: inputs.build_info.version.clone(),
            ..Default::default()
        };
        let started = now_nanos();
        for (i, reader) in inputs.config.readers.iter().enumerate() {
            let path = format!("{READERS}::{i}::periodic::exporter");
            let (id, exporter) = create_exporter(
                inputs.factories,
                inputs.build_info,
                &reader.target,
                Signal::Metrics,
                &format!("metrics_{i}"),
                &path,
            )?;
            if let Err(e) = exporter.clone().start(host.clone()).await {
                me.stop().await;
                return Err(format!("{path}: {e}"));
            }
            let Some(consumer) = exporter.clone().metrics() else {
                me.stop().await;
                return Err(format!("{path}: the {id} exporter does not take metrics"));
            };
            me.exporters.push((id, exporter));
            let Some(registry) = inputs.registry.clone() else {
                tracing::warn!(
                    "{path}: the collector's own metrics are off in this process; nothing to export"
                );
                continue;
            };
            let (interval, timeout, level) = (reader.interval, reader.timeout, inputs.level);
            let stop = me.stop.clone();
            let resource = resource.clone();
            me.tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(interval);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    let last = tokio::select! {
                        _ = stop.cancelled() => true,
                        _ = tick.tick() => false,
                    };
                    let req = registry.to_otlp(level, &resource, started, now_nanos());
                    let payload = Metrics::from_request(req);
                    match tokio::time::timeout(timeout, consumer.consume(payload)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, "exporting the collector's own metrics failed")
                        }
                        Err(_) => tracing::debug!("exporting the collector's own metrics timed out"),
                    }
                    if last {
                        return;
                    }
                }
            }));
        }
        if let Some(export) = inputs.logs.clone() {
            for (i, p) in inputs.config.log_processors.iter().enumerate() {
                let path = format!("{LOG_PROCESSORS}::{i}");
                let (id, exporter) = create_exporter(
                    inputs.factories,
                    inputs.build_info,
                    &p.target,
                    Signal::Logs,
                    &format!("logs_{i}"),
                    &path,
                )?;
                if let Err(e) = exporter.clone().start(host.clone()).await {
                    me.stop().await;
                    return Err(format!("{path}: {e}"));
                }
                let Some(consumer) = exporter.clone().logs() else {
                    me.stop().await;
                    return Err(format!("{path}: the {id} exporter does not take logs"));
                };
                me.exporters.push((id, exporter));
                let (resource, scope) = (resource.clone(), scope.clone());
                me.tasks.push(spawn_export(
                    export.queue.clone(),
                    me.stop.clone(),
                    p.clone(),
                    consumer,
                    move |log_records| {
                        Logs::from_request(ExportLogsServiceRequest {
                            resource_logs: vec![ResourceLogs {
                                resource: Some(resource.clone()),
                                scope_logs: vec![ScopeLogs {
                                    scope: Some(scope.clone()),
                                    log_records,
                                    ..Default::default()
                                }],
                                ..Default::default()
                            }],
                        })
                    },
                ));
            }
        } else if !inputs.config.log_processors.is_empty() {
            tracing::warn!(
                "{LOG_PROCESSORS}: the collector's log subscriber was not set up by this program; its logs are not exported"
            );
        }
        if let Some(export) = inputs.spans.clone() {
            for (i, p) in inputs.config.trace_processors.iter().enumerate() {
                let path = format!("{TRACE_PROCESSORS}::{i}");
                let (id, exporter) = create_exporter(
                    inputs.factories,
                    inputs.build_info,
                    &p.target,
                    Signal::Traces,
                    &format!("traces_{i}"),
                    &path,
                )?;
                if let Err(e) = exporter.clone().start(host.clone()).await {
                    me.stop().await;
                    return Err(format!("{path}: {e}"));
                }
                let Some(consumer) = exporter.clone().traces() else {
                    me.stop().await;
                    return Err(format!("{path}: the {id} exporter does not take traces"));
                };
                me.exporters.push((id, exporter));
                let (resource, scope) = (resource.clone(), scope.clone());
                me.tasks.push(spawn_export(
                    export.inner.queue.clone(),
                    me.stop.clone(),
                    p.clone(),
                    consumer,
                    move |spans| {
                        Traces::from_request(ExportTraceServiceRequest {
                            resource_spans: vec![ResourceSpans {
                                resource: Some(resource.clone()),
                                scope_spans: vec![ScopeSpans {
                                    scope: Some(scope.clone()),
                                    spans,
                                    ..Default::default()
                                }],
                                ..Default::default()
                            }],
                        })
                    },
                ));
            }
        } else if !inputs.config.trace_processors.is_empty() {
            tracing::warn!(
                "{TRACE_PROCESSORS}: the collector's span recorder was not set up by this program; its spans are not exported"
            );
        }
        for (id, _) in &me.exporters {
            tracing::info!("Exporting the collector's own telemetry with {id}");
        }
        Ok(me)
    }

    /// Sends what is pending one last time, then shuts the exporters down.
    /// The collector's own telemetry does not hold up its exit: with its
    /// backend down, what is still pending after [`SELF_TELEMETRY_GRACE`]
    /// is dropped (Go's exporters stop retrying at shutdown too).
    pub async fn stop(mut self) {
        self.stop.cancel();
        let grace = tokio::time::Instant::now() + SELF_TELEMETRY_GRACE;
        for t in self.tasks.drain(..) {
            let abort = t.abort_handle();
            if tokio::time::timeout_at(grace, t).await.is_err() {
                abort.abort();
            }
        }
        for (id, e) in self.exporters.drain(..) {
            match tokio::time::timeout_at(grace, e.shutdown()).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    tracing::warn!(%id, error = %err, "shutting down a telemetry exporter failed")
                }
                Err(_) => tracing::warn!(
                    %id,
                    "the collector's own telemetry could not be sent within {SELF_TELEMETRY_GRACE:?} of shutdown; dropping it"
                ),
            }
        }
    }
}

/// The export task of one log or span processor: every `schedule_delay`
/// (or as soon as a batch is ready) it sends the queue's records in
/// batches of `max_export_batch_size`, and once more when `stop` is
/// cancelled. A failed send is not logged: a log line here would be
/// exported too and fail the same way.
fn spawn_export<I, T>(
    queue: Arc<Queue<I>>,
    stop: CancellationToken,
    p: LogProcessor,
    consumer: otelcol_component::SharedConsumer<T>,
    build: impl Fn(Vec<I>) -> T + Send + 'static,
) -> tokio::task::JoinHandle<()>
where
    I: Send + 'static,
    T: Payload,
{
    tokio::spawn(async move {
        let delay = p.schedule_delay.max(Duration::from_millis(10));
        loop {
            let last = tokio::select! {
                _ = stop.cancelled() => true,
                _ = tokio::time::sleep(delay) => false,
                _ = queue.ready.notified() => false,
            };
            loop {
                let items = queue.take(p.max_export_batch_size);
                if items.is_empty() {
                    break;
                }
                let sent = tokio::time::timeout(p.export_timeout, consumer.consume(build(items)));
                if !matches!(sent.await, Ok(Ok(()))) {
                    break;
                }
            }
            if last {
                return;
            }
        }
    })
}

mod spans;
pub use spans::{OtlpSpanLayer, SpanExport};

impl SpanExport {
    /// A queue for `service::telemetry::traces::processors` (`None` when
    /// there are none): its capacity is the largest `max_queue_size`.
    pub fn for_config(telemetry: &TelemetryConfig) -> Option<SpanExport> {
        let parsed = parse(telemetry).ok()?;
        let (capacity, batch) = queue_bounds(&parsed.trace_processors)?;
        Some(SpanExport::new(capacity, batch))
    }
}

#[cfg(test)]
mod tests;
