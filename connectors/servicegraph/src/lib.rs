//! # otelcol-connector-servicegraph
//!
//! The `servicegraph` connector, as the Go collector's
//! `servicegraphconnector`: an exporter in a traces pipeline and a receiver
//! in a metrics pipeline. It pairs the client span of a request with the
//! server span it caused (a producer with its consumer; a client span naming
//! a database with the database) and counts requests, failures and the
//! latency seen from each side per edge between two services:
//! `traces_service_graph_request_total`,
//! `traces_service_graph_request_failed_total` and the
//! `traces_service_graph_request_{server,client}` histograms (seconds),
//! labelled `client`, `server`, `connection_type` and `failed` — what
//! Grafana's and Tempo's service graph views query.
//!
//! ```yaml
//! connectors:
//!   servicegraph:
//!     store: {ttl: 2s, max_items: 1000}
//!     dimensions: [http.method]
//! ```

mod config;
mod connector;
mod graph;
mod store;

pub use config::{Bucket, ServiceGraphConfig, StoreConfig};
pub use connector::{ServiceGraphConnector, ServiceGraphConnectorFactory};

/// The component type name used in config (Go's current name).
pub const TYPE: &str = "service_graph";

/// The older name, still accepted with a deprecation warning (as Go does).
pub const DEPRECATED_TYPE: &str = "servicegraph";

/// The instrumentation scope of the emitted metrics (Go's).
pub const SCOPE_NAME: &str = "traces_service_graph";

/// The factory of the `servicegraph` connector.
pub fn factory() -> ServiceGraphConnectorFactory {
    ServiceGraphConnectorFactory
}
