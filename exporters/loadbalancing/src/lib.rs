//! # otelcol-exporter-loadbalancing
//!
//! The `loadbalancing` exporter, as the Go collector's
//! `loadbalancingexporter`: it sends each span (or log record, metric,
//! data point) to one of several OTLP/gRPC backends, the same backend for
//! the same trace id (or service, resource, metric, stream, attributes),
//! over a consistent-hash ring. The backends come from a static list, a
//! DNS name re-resolved every `interval`, or a Kubernetes Service's
//! EndpointSlices (watched). This is the agent tier in front
//! of gateways that need whole traces (tail sampling, span metrics).
//!
//! A part that fails against a backend is retried with
//! `protocol::otlp::retry_on_failure`, and routed again on each attempt:
//! once the resolver drops a backend, what was meant for it goes to the
//! backend that now owns its key. The queue sits in front of the routing,
//! so nothing waits in a queue tied to a backend that went away.
//!
//! ```yaml
//! exporters:
//!   loadbalancing:
//!     routing_key: traceID
//!     protocol: {otlp: {tls: {insecure: true}}}
//!     resolver:
//!       dns: {hostname: otelcol-gateway-headless.observability.svc.cluster.local, port: "4317"}
//! ```

mod config;
mod dns;
mod exporter;
mod factory;
mod k8s;
mod ring;
mod split;

pub use config::{
    DnsResolverConfig, IgnoredBlock, K8sResolverConfig, LoadBalancingConfig, ProtocolConfig, ResolverConfig,
    RoutingKey, StaticResolverConfig,
};
pub use exporter::{LoadBalancer, LoadBalancingExporter};
pub use factory::{LoadBalancingExporterFactory, STABILITY, TYPE};

/// The factory of the `loadbalancing` exporter.
pub fn factory() -> LoadBalancingExporterFactory {
    LoadBalancingExporterFactory
}
