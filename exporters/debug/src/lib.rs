//! # otelcol-exporter-debug
//!
//! The `debug` exporter prints the telemetry it receives, like the Go
//! collector's `debugexporter`: a one-line summary per payload at
//! `verbosity: basic`, about one line per record at `normal`, and every field
//! at `detailed`. Output goes to the collector's log (`tracing`, level info)
//! or, with `use_internal_logger: false`, to `output_paths`.
//!
//! ```yaml
//! exporters:
//!   debug:
//!     verbosity: detailed
//!     sampling_initial: 5
//!     sampling_thereafter: 200
//! ```
//!
//! The output format follows Go's but, as in Go, is not a stable interface.

mod config;
mod exporter;
mod factory;
mod output;
mod sampler;
mod text;

pub use config::{
    DEFAULT_OUTPUT_PATHS, DEFAULT_SAMPLING_INITIAL, DEFAULT_SAMPLING_THEREAFTER, DEFAULT_USE_INTERNAL_LOGGER,
    DEFAULT_VERBOSITY, DebugConfig, SendingQueueConfig, Verbosity,
};
pub use exporter::DebugExporter;
pub use factory::{DebugExporterFactory, STABILITY, TYPE};
pub use output::OutputError;

/// The factory of the `debug` exporter.
pub fn factory() -> DebugExporterFactory {
    DebugExporterFactory
}
