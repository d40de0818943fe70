//! # otelcol-connector-forward
//!
//! The `forward` connector, as the Go collector's `forwardconnector`: an
//! exporter in one pipeline and a receiver in others of the same signal,
//! handing every payload on unchanged. It joins pipelines: several
//! pipelines feeding one shared tail, or one head fanning out to pipelines
//! with different processors.
//!
//! ```yaml
//! connectors:
//!   forward:
//! service:
//!   pipelines:
//!     traces/in: {receivers: [otlp], processors: [memory_limiter], exporters: [forward]}
//!     traces/out: {receivers: [forward], processors: [batch], exporters: [otlp]}
//! ```
//!
//! Payloads pass as they are: an encoded request stays encoded (nothing is
//! decoded), and the sender's answer is the answer of the pipelines fed.

mod connector;

pub use connector::{ForwardConfig, ForwardConnector, ForwardConnectorFactory};

/// The component type name used in config.
pub const TYPE: &str = "forward";

/// The factory of the `forward` connector.
pub fn factory() -> ForwardConnectorFactory {
    ForwardConnectorFactory
}
