//! The `loadbalancing` exporter's config, with Go's keys and defaults.

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError, Signal};
use otelcol_exporter_otlp::OtlpExporterConfig;
use otelcol_exporterhelper::{QueueConfig, RetryConfig};
use serde::{Deserialize, Deserializer, Serialize};

/// `protocol`: how backends are reached.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtocolConfig {
    /// Every key of the `otlp` exporter except `endpoint` (set per backend):
    /// TLS, headers, compression, `timeout` (per call to a backend),
    /// `retry_on_failure` (per part sent to a backend: each retry routes
    /// the part again, so a backend that left the ring no longer holds it)
    /// and `sending_queue` (the exporter's queue in front of the routing,
    /// unless the top-level `sending_queue` is enabled).
    pub otlp: OtlpExporterConfig,
}

/// `resolver::static`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaticResolverConfig {
    /// `host:port` of every backend.
    pub hostnames: Vec<String>,
}

/// `resolver::dns`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsResolverConfig {
    /// The name whose A/AAAA records are the backends.
    pub hostname: String,
    /// The backends' port (Go's default `4317`).
    pub port: String,
    /// How often the name is resolved again (Go's default 5s).
    #[serde(with = "otelcol_component::duration")]
    pub interval: Duration,
    /// Limit of one resolution (Go's default 1s).
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// otelcol-rs only: `ip:port` of the DNS server to ask instead of the
    /// system resolver (as a test or a sidecar DNS needs).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub nameserver: String,
}

impl Default for DnsResolverConfig {
    fn default() -> Self {
        DnsResolverConfig {
            hostname: String::new(),
            port: "4317".into(),
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(1),
            nameserver: String::new(),
        }
    }
}

/// `resolver::k8s`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct K8sResolverConfig {
    /// `name.namespace` (or `name`: the pod's own namespace).
    pub service: String,
    /// The backends' ports; each endpoint address is a backend per port (Go's default `[4317]`).
    pub ports: Vec<u16>,
    /// Limit of one call to the API server (Go's default 1s).
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// Backends by pod hostname (`pod.service.namespace`, a StatefulSet's) instead of IP.
    pub return_hostnames: bool,
}

impl Default for K8sResolverConfig {
    fn default() -> Self {
        K8sResolverConfig {
            service: String::new(),
            ports: vec![4317],
            timeout: Duration::from_secs(1),
            return_hostnames: false,
        }
    }
}

/// `resolver`: where the list of backends comes from. Exactly one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResolverConfig {
    /// A fixed list.
    #[serde(rename = "static", skip_serializing_if = "Option::is_none")]
    pub static_: Option<StaticResolverConfig>,
    /// The addresses a DNS name resolves to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsResolverConfig>,
    /// The ready endpoints of a Kubernetes Service (its EndpointSlices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k8s: Option<K8sResolverConfig>,
    /// AWS Cloud Map (not in this build: refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_cloud_map: Option<IgnoredBlock>,
}

/// A block this build refuses by name; read only to say so.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IgnoredBlock;

impl<'de> Deserialize<'de> for IgnoredBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| IgnoredBlock)
    }
}

/// What decides the backend of each piece of data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutingKey {
    /// The trace id (spans, log records).
    TraceId,
    /// The resource's `service.name`.
    Service,
    /// The resource (all its attributes).
    Resource,
    /// The metric name.
    Metric,
    /// The metric stream: resource, scope, metric name and the data point's attributes.
    StreamId,
    /// The values of `routing_attributes`.
    Attributes,
}

impl RoutingKey {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "" | "traceID" => RoutingKey::TraceId,
            "service" => RoutingKey::Service,
            "resource" => RoutingKey::Resource,
            "metric" => RoutingKey::Metric,
            "streamID" => RoutingKey::StreamId,
            "attributes" => RoutingKey::Attributes,
            _ => return None,
        })
    }

    /// Whether the key applies to `signal` (Go's table).
    pub fn applies_to(self, signal: Signal) -> bool {
        match self {
            RoutingKey::TraceId => signal != Signal::Metrics,
            RoutingKey::Service | RoutingKey::Attributes => true,
            RoutingKey::Resource | RoutingKey::Metric | RoutingKey::StreamId => signal == Signal::Metrics,
        }
    }
}

/// Config of the `loadbalancing` exporter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadBalancingConfig {
    /// The backends' protocol settings.
    pub protocol: ProtocolConfig,
    /// Where the backends come from.
    pub resolver: ResolverConfig,
    /// `traceID` (default), `service`, `resource`, `metric`, `streamID` or `attributes`.
    pub routing_key: String,
    /// With `routing_key: attributes`: the attributes whose values make the key.
    pub routing_attributes: Vec<String>,
    /// Limit of one send through the exporter's own queue (Go's default 5s;
    /// each call to a backend has `protocol::otlp::timeout`).
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// A queue in front of the routing (Go's top-level `sending_queue`,
    /// disabled unless written); when absent `protocol::otlp::sending_queue` is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sending_queue: Option<QueueConfig>,
    /// Retries of the whole send (Go's top-level `retry_on_failure`,
    /// disabled by default); parts are retried per backend by `protocol::otlp::retry_on_failure`.
    #[serde(deserialize_with = "retry_disabled_by_default")]
    pub retry_on_failure: RetryConfig,
}

fn disabled_retry() -> RetryConfig {
    RetryConfig {
        enabled: false,
        ..RetryConfig::default()
    }
}

fn retry_disabled_by_default<'de, D: Deserializer<'de>>(d: D) -> Result<RetryConfig, D::Error> {
    RetryConfig::deserialize_over(d, disabled_retry())
}

impl Default for LoadBalancingConfig {
    fn default() -> Self {
        LoadBalancingConfig {
            protocol: ProtocolConfig::default(),
            resolver: ResolverConfig::default(),
            routing_key: "traceID".into(),
            routing_attributes: Vec::new(),
            timeout: Duration::from_secs(5),
            sending_queue: None,
            retry_on_failure: disabled_retry(),
        }
    }
}

/// A placeholder endpoint to validate `protocol::otlp` with (each backend sets its own).
pub(crate) const PLACEHOLDER_ENDPOINT: &str = "loadbalancing-backend:4317";

impl LoadBalancingConfig {
    /// The routing key.
    pub fn key(&self) -> Result<RoutingKey, ConfigError> {
        RoutingKey::parse(&self.routing_key).ok_or_else(|| {
            ConfigError::at(
                "routing_key",
                format!("unsupported routing_key: {}", self.routing_key),
            )
        })
    }

    /// The otlp settings of the backend at `endpoint`.
    pub(crate) fn backend_config(&self, endpoint: &str) -> OtlpExporterConfig {
        let mut c = self.protocol.otlp.clone();
        c.client.endpoint = endpoint.to_string();
        c
    }

    /// The queue in front of the routing.
    pub(crate) fn queue(&self) -> &QueueConfig {
        match &self.sending_queue {
            Some(q) if q.enabled => q,
            _ => &self.protocol.otlp.sending_queue,
        }
    }
}

impl ComponentConfig for LoadBalancingConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let r = &self.resolver;
        if r.aws_cloud_map.is_some() {
            return Err(ConfigError::at(
                "resolver::aws_cloud_map",
                "the aws_cloud_map resolver is not supported by this build",
            ));
        }
        if r.k8s.is_some() && (r.static_.is_some() || r.dns.is_some()) {
            return Err(ConfigError::at(
                "resolver",
                "only one resolver should be specified",
            ));
        }
        match (&r.static_, &r.dns) {
            (None, None) => match &r.k8s {
                None => {
                    return Err(ConfigError::at(
                        "resolver",
                        "no resolvers specified for the exporter",
                    ));
                }
                Some(k) if k.service.is_empty() => {
                    return Err(ConfigError::at(
                        "resolver::k8s::service",
                        "no service specified to resolve the backends",
                    ));
                }
                Some(_) => {}
            },
            (Some(_), Some(_)) => {
                return Err(ConfigError::at(
                    "resolver",
                    "only one resolver should be specified",
                ));
            }
            (Some(s), None) => {
                if s.hostnames.is_empty() {
                    return Err(ConfigError::at(
                        "resolver::static::hostnames",
                        "no endpoints specified for the static resolver",
                    ));
                }
            }
            (None, Some(d)) => {
                if d.hostname.is_empty() {
                    return Err(ConfigError::at(
                        "resolver::dns::hostname",
                        "no hostname specified to resolve the backends",
                    ));
                }
                if d.interval.is_zero() {
                    return Err(ConfigError::at("resolver::dns::interval", "must be positive"));
                }
                if !d.nameserver.is_empty() && d.nameserver.parse::<std::net::SocketAddr>().is_err() {
                    return Err(ConfigError::at(
                        "resolver::dns::nameserver",
                        format!("expected ip:port, got {:?}", d.nameserver),
                    ));
                }
            }
        }
        let key = self.key()?;
        if key == RoutingKey::Attributes && self.routing_attributes.is_empty() {
            return Err(ConfigError::at(
                "routing_attributes",
                "routing_key: attributes needs at least one attribute in routing_attributes",
            ));
        }
        self.backend_config(PLACEHOLDER_ENDPOINT)
            .validate()
            .map_err(|e| match e.key {
                Some(k) => ConfigError::at(format!("protocol::otlp::{k}"), e.message),
                None => ConfigError::at("protocol::otlp", e.message),
            })?;
        if let Some(q) = &self.sending_queue {
            q.validate()?;
        }
        self.retry_on_failure.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn gos_readme_configs_parse_with_gos_defaults() {
        let c: LoadBalancingConfig = parse_config(
            "protocol: {otlp: {timeout: 1s, tls: {insecure: true}}}\n\
             resolver: {static: {hostnames: [backend-1:4317, backend-2:4317]}}",
        )
        .unwrap();
        assert_eq!(c.key().unwrap(), RoutingKey::TraceId);
        assert_eq!(c.protocol.otlp.timeout, Duration::from_secs(1));
        assert!(c.queue().enabled, "the otlp queue by default");
        assert!(!c.retry_on_failure.enabled);
        assert!(c.protocol.otlp.retry_on_failure.enabled);
        let c: LoadBalancingConfig = parse_config(
            "routing_key: service\nprotocol: {otlp: {}}\nresolver: {dns: {hostname: otelcol.observability.svc.cluster.local}}",
        )
        .unwrap();
        let d = c.resolver.dns.as_ref().unwrap();
        assert_eq!(
            (d.port.as_str(), d.interval, d.timeout),
            ("4317", Duration::from_secs(5), Duration::from_secs(1))
        );
        assert_eq!(c.key().unwrap(), RoutingKey::Service);
    }

    #[test]
    fn errors_are_gos() {
        let e = parse_config::<LoadBalancingConfig>("protocol: {otlp: {}}").unwrap_err();
        assert!(e.contains("no resolvers specified for the exporter"), "{e}");
        let e =
            parse_config::<LoadBalancingConfig>("resolver: {static: {hostnames: [a:1]}, dns: {hostname: x}}")
                .unwrap_err();
        assert!(e.contains("only one resolver should be specified"), "{e}");
        let e = parse_config::<LoadBalancingConfig>("resolver: {dns: {}}").unwrap_err();
        assert!(e.contains("no hostname specified"), "{e}");
        let e =
            parse_config::<LoadBalancingConfig>("routing_key: span\nresolver: {static: {hostnames: [a:1]}}")
                .unwrap_err();
        assert!(e.contains("unsupported routing_key: span"), "{e}");
        let c: LoadBalancingConfig =
            parse_config("resolver: {k8s: {service: lb.ns, ports: [15317, 16317]}}").unwrap();
        assert_eq!(c.resolver.k8s.as_ref().unwrap().timeout, Duration::from_secs(1));
        let e = parse_config::<LoadBalancingConfig>("resolver: {k8s: {}}").unwrap_err();
        assert!(e.contains("no service specified"), "{e}");
        let e = parse_config::<LoadBalancingConfig>("resolver: {k8s: {service: a}, dns: {hostname: b}}")
            .unwrap_err();
        assert!(e.contains("only one resolver"), "{e}");
        let e = parse_config::<LoadBalancingConfig>("resolver: {aws_cloud_map: {namespace: x}}").unwrap_err();
        assert!(e.contains("aws_cloud_map"), "{e}");
        // The backends' keys are the otlp exporter's, checked as it checks them.
        let e = parse_config::<LoadBalancingConfig>(
            "resolver: {static: {hostnames: [a:1]}}\nprotocol: {otlp: {compression: zlib}}",
        )
        .unwrap_err();
        assert!(e.contains("protocol::otlp::compression"), "{e}");
        parse_config::<LoadBalancingConfig>(
            "resolver: {static: {hostnames: [a:1]}}\nprotocol: {otlp: {compression: snappy}}",
        )
        .unwrap();
        assert!(RoutingKey::TraceId.applies_to(Signal::Traces));
        assert!(!RoutingKey::TraceId.applies_to(Signal::Metrics));
        assert!(!RoutingKey::Metric.applies_to(Signal::Logs));
    }
}
