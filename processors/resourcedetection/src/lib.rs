//! # otelcol-processor-resourcedetection
//!
//! The `resource_detection` processor (also accepted under Go's older name
//! `resourcedetection`): detects facts about where the collector runs —
//! `OTEL_RESOURCE_ATTRIBUTES`, the host and its OS, the Docker daemon — and
//! merges them into the resource of every span, metric and log payload,
//! like the Go collector's `resourcedetectionprocessor`.
//!
//! ```yaml
//! processors:
//!   resource_detection:
//!     detectors: [env, system]
//!     timeout: 2s
//!     override: false
//!     system:
//!       hostname_sources: [os]
//!       resource_attributes:
//!         host.id: {enabled: true}
//! ```
//!
//! Detection runs when the processor starts (failing start if a detector
//! fails, as in Go) and again every `refresh_interval` when one is set.
//! Detectors: `env`, `system`, `docker`; the cloud detectors of Go are
//! refused by name at validation.

#![forbid(unsafe_code)]

mod config;
mod detect;
mod docker;
mod env;
mod factory;
mod processor;
mod system;

pub use config::{
    DockerConfig, DockerResourceAttributes, EnvAttributesConfig, EnvConfig, Off, On, ResourceDetectionConfig,
    SUPPORTED_DETECTORS, SUPPORTED_HOSTNAME_SOURCES, SystemConfig, SystemResourceAttributes,
    UNSUPPORTED_DETECTORS,
};
pub use detect::{Detected, DetectionError, DetectorError, merge_attributes, merge_schema_url};
pub use docker::{DEFAULT_SOCKET, DockerError};
pub use env::{EnvError, parse_resource_attributes};
pub use factory::{DEPRECATED_TYPE, ResourceDetectionProcessorFactory, STABILITY, TYPE};
pub use processor::ResourceDetectionProcessor;
pub use system::{SCHEMA_URL, SystemError};

/// The factory of the `resource_detection` processor.
pub fn factory() -> ResourceDetectionProcessorFactory {
    ResourceDetectionProcessorFactory
}
