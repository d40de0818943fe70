//! # otelcol-connector-count
//!
//! The `count` connector, as the Go collector's `countconnector`: an
//! exporter in a traces, metrics or logs pipeline and a receiver in a
//! metrics pipeline, emitting for each resource it sees the number of
//! spans, span events, metrics, data points or log records, optionally only
//! those matching OTTL conditions and split by attribute values.
//!
//! ```yaml
//! connectors:
//!   count:
//!     logs:
//!       my.error.log.count:
//!         description: Error+ logs.
//!         conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']
//!         attributes: [{key: env, default_value: unknown}]
//! ```
//!
//! Without a section for a kind, Go's default metric counts every item of
//! that kind: `trace.span.count`, `trace.span.event.count`, `metric.count`,
//! `metric.datapoint.count`, `log.record.count`.

mod config;
mod connector;

pub use config::{AttributeConfig, CountConfig, MetricInfo};
pub use connector::{CountConnector, CountConnectorFactory};

/// The component type name used in config.
pub const TYPE: &str = "count";

/// The instrumentation scope of the emitted metrics (Go's).
pub const SCOPE_NAME: &str =
    "github.com/open-telemetry/opentelemetry-collector-contrib/connector/countconnector";

/// The factory of the `count` connector.
pub fn factory() -> CountConnectorFactory {
    CountConnectorFactory
}
