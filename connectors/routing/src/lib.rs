//! # otelcol-connector-routing
//!
//! The `routing` connector, as the Go collector's `routingconnector`: an
//! exporter in one pipeline that sends each part of a payload to the
//! pipelines of the first route whose condition it matches, and what no
//! route matches to `default_pipelines`.
//!
//! ```yaml
//! connectors:
//!   routing:
//!     default_pipelines: [logs/other]
//!     table:
//!       - context: request
//!         condition: request["X-Tenant"] == "acme"
//!         pipelines: [logs/acme]
//!       - condition: attributes["env"] == "prod"      # resource context
//!         pipelines: [logs/prod]
//! ```
//!
//! Contexts: `request` (the whole payload, by client metadata: needs
//! `include_metadata: true` on the receiver), `resource` (each resource),
//! `span`, `log` and `metric` (each item, kept under its resource and
//! scope). A `request` route moves the payload as it is, so an encoded
//! request stays encoded; the other contexts decode it to split it.

mod config;
mod connector;
mod request;

pub use config::{ErrorMode, Route, RoutingConfig};
pub use connector::{RoutingConnector, RoutingConnectorFactory};

/// The component type name used in config.
pub const TYPE: &str = "routing";

/// The factory of the `routing` connector.
pub fn factory() -> RoutingConnectorFactory {
    RoutingConnectorFactory
}
