//! # otelcol-exporter-file
//!
//! The `file` exporter writes every payload it receives to a file, like the
//! Go collector's `fileexporter`: one OTLP/JSON object per line
//! (`format: json`), or each protobuf `Export*ServiceRequest` preceded by its
//! length as a 4-byte big-endian unsigned integer (`format: proto`).
//!
//! ```yaml
//! exporters:
//!   file:
//!     path: ./telemetry.jsonl
//!     rotation:
//!       max_megabytes: 10
//!       max_backups: 3
//! ```
//!
//! Traces, metrics and logs sent to one `file` exporter share its file. A
//! plain thread does the encoding and the writing, fed through a bounded
//! queue: `consume` waits when the queue is full and never drops.

mod backup;
mod config;
#[cfg(test)]
mod config_tests;
mod error;
mod exporter;
mod factory;
mod sink;
mod writer;

pub use config::{
    DEFAULT_DIRECTORY_PERMISSIONS, DEFAULT_FLUSH_INTERVAL, DEFAULT_FORMAT, DEFAULT_GROUP_BY_ATTRIBUTE,
    DEFAULT_MAX_BACKUPS, DEFAULT_MAX_DAYS, DEFAULT_MAX_MEGABYTES, DEFAULT_MAX_OPEN_FILES, FileConfig, Format,
    GroupByConfig, RotationConfig,
};
pub use error::FileExporterError;
pub use exporter::{FileExporter, QUEUE_CAPACITY};
pub use factory::{FileExporterFactory, STABILITY, TYPE};

/// The factory of the `file` exporter.
pub fn factory() -> FileExporterFactory {
    FileExporterFactory
}
