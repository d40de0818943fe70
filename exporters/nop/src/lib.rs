//! # otelcol-exporter-nop
//!
//! The `nop` exporter: accepts every span, metric data point and log record
//! and discards it, like the Go collector's `nopexporter`. Useful to terminate
//! a pipeline whose data only matters for its side effects (a connector, a
//! processor's self-metrics) and in tests.
//!
//! ```yaml
//! exporters:
//!   nop:
//! ```
//!
//! The exporter counts nothing itself: the runtime counts the items that
//! cross every pipeline edge.

mod config;
mod exporter;
mod factory;

pub use config::NopConfig;
pub use exporter::NopExporter;
pub use factory::NopExporterFactory;

/// The factory of the `nop` exporter.
pub fn factory() -> NopExporterFactory {
    NopExporterFactory
}
