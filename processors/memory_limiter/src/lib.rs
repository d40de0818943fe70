//! # otelcol-processor-memorylimiter
//!
//! The `memory_limiter` processor, with the Go collector's config keys: it
//! measures the process's memory every `check_interval` and refuses data with
//! a retryable error (`data refused due to high memory usage`, answered as
//! HTTP 503 / gRPC `UNAVAILABLE` with a retry delay) while usage is above the
//! soft limit (`limit - spike`).
//!
//! Unlike Go's processor, it also registers an admission gate with the host,
//! which the OTLP receiver asks *before* it reads a request body: a burst of
//! large requests is refused before it is decoded, the failure mode behind
//! most "OOM despite memory_limiter" reports. Rust has no garbage collector,
//! so the `*_gc_interval_*` keys are accepted but do nothing.
//!
//! ```yaml
//! processors:
//!   memory_limiter:
//!     check_interval: 1s
//!     limit_percentage: 80
//!     spike_limit_percentage: 15
//! ```
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//! let factory = otelcol_processor_memorylimiter::factory();
//! assert_eq!(factory.type_name(), "memory_limiter");
//! // `check_interval` and a limit are required, as in Go.
//! assert!(factory.default_config().validate().is_err());
//! ```
#![forbid(unsafe_code)]

mod config;
mod error;
mod factory;
mod limiter;
mod limits;
mod memory;
mod processor;
mod registry;

pub use config::{
    DEFAULT_CHECK_INTERVAL, DEFAULT_MAX_GC_INTERVAL_WHEN_HARD_LIMITED,
    DEFAULT_MAX_GC_INTERVAL_WHEN_SOFT_LIMITED, DEFAULT_MIN_GC_INTERVAL_WHEN_HARD_LIMITED,
    DEFAULT_MIN_GC_INTERVAL_WHEN_SOFT_LIMITED, MemoryLimiterConfig,
};
pub use error::MemoryError;
pub use factory::{MemoryLimiterProcessorFactory, STABILITY, TYPE};
pub use limiter::{ERR_DATA_REFUSED, MemoryLimiter};
pub use limits::{Level, Limits};
pub use memory::{MemorySource, ProcMemory};
pub use processor::MemoryLimiterProcessor;

/// The factory of the `memory_limiter` processor.
pub fn factory() -> MemoryLimiterProcessorFactory {
    MemoryLimiterProcessorFactory::new()
}
