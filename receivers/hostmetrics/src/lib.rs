//! # otelcol-receiver-hostmetrics
//!
//! The `host_metrics` receiver (deprecated alias `hostmetrics`), like the Go
//! collector's
//! [`hostmetricsreceiver`](https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/hostmetricsreceiver):
//! metrics about the Linux host the collector runs on, read from `/proc`
//! and `/sys` (under `root_path` when the host is mounted into a
//! container), with Go's scraper names, config keys, metric names, units,
//! types, attributes and defaults.
//!
//! ```yaml
//! receivers:
//!   hostmetrics:
//!     collection_interval: 30s
//!     scrapers:
//!       cpu:
//!         metrics:
//!           system.cpu.utilization:
//!             enabled: true
//!       memory:
//!       load:
//!       filesystem:
//!       network:
//!
//! service:
//!   pipelines:
//!     metrics:
//!       receivers: [hostmetrics]
//!       exporters: [debug]
//! ```
//!
//! Scrapers: `cpu`, `disk`, `filesystem`, `load`, `memory`, `network`,
//! `paging`, `processes`, `process`, `system`. Each scrape error is partial:
//! a scraper (or a process) that fails costs its own metrics only, counted
//! in `otelcol_scraper_errored_metric_points`.

#![forbid(unsafe_code)]

mod config;
mod error;
mod factory;
mod filter;
pub mod metadata;
mod procfs;
mod receiver;
mod scraper;

pub use config::{
    CpuConfig, DeviceMatch, DiskConfig, FilesystemConfig, FsTypeMatch, HostMetricsConfig, InterfaceMatch,
    LoadConfig, MATCH_TYPES, MemoryConfig, MetricToggle, MetricsConfig, MountPointMatch, NameMatch,
    NetworkConfig, PagingConfig, ProcessConfig, ProcessesConfig, RegexpCacheConfig, ResourceAttributeToggle,
    ResourceAttributesConfig, ScrapersConfig, SystemConfig, UnsupportedScraper, ValueFilter,
};
pub use error::ScrapeError;
pub use factory::{DEPRECATED_TYPE, HostMetricsReceiverFactory, STABILITY, TYPE};
pub use receiver::HostMetricsReceiver;

/// The factory of the `host_metrics` receiver.
pub fn factory() -> HostMetricsReceiverFactory {
    HostMetricsReceiverFactory
}
