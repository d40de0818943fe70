//! # otelcol-component
//!
//! The API that otelcol-rs components are written against: signal payloads
//! ([`Traces`], [`Metrics`], [`Logs`]), the [`Consumer`] trait data flows
//! through, the factory traits the runtime creates components with, ids, and
//! the error types. Third-party receivers, processors, exporters and
//! extensions depend on this crate only (plus `otelcol-componenttest` for tests).
//!
//! ## Stability
//! This crate follows semver. Until 1.0, a minor version (`0.x`) may break the
//! API and a patch version (`0.x.y`) never does; the runtime of a given minor
//! version loads components built against the same minor version. Traits that
//! may grow (the extension hooks, [`Host`]) get new methods only with default
//! bodies; enums that may grow are `#[non_exhaustive]`.
//!
//! ## A processor in a few lines
//! ```
//! use std::sync::Arc;
//! use otelcol_component::*;
//!
//! #[derive(Debug)]
//! struct Rename { next: SharedConsumer<Traces> }
//!
//! #[async_trait::async_trait]
//! impl Consumer<Traces> for Rename {
//!     async fn consume(&self, mut data: Traces) -> Result<(), ConsumeError> {
//!         for rs in &mut data.request_mut().resource_spans {
//!             for ss in &mut rs.scope_spans {
//!                 for span in &mut ss.spans { span.name.make_ascii_uppercase(); }
//!             }
//!         }
//!         self.next.consume(data).await
//!     }
//!     fn capabilities(&self) -> Capabilities { Capabilities { mutates_data: true } }
//! }
//! impl Component for Rename {}
//! ```
#![forbid(unsafe_code)]

mod admission;
mod allocator;
mod component;
mod consumer;
mod context;
pub mod duration;
mod error;
mod factory;
mod id;
mod pdata;
pub mod redact;
pub mod storage;
mod wire;

pub use admission::{Admission, AdmissionPermit, AdmissionSet};
pub use allocator::{AllocatorStats, allocator_stats, register_allocator_stats};
pub use component::{
    BuildInfo, Component, Extension, Host, PipelineInfo, ServiceInfo, Settings, StabilityLevel, StatusEvent,
};
pub use consumer::{Capabilities, Consumer, ConsumerSlot, Consumers, SharedConsumer};
pub use context::{ClientInfo, MetadataPartition, PartitionKey, RequestContext};
pub use error::{ComponentError, ConfigError, ConsumeError, ConsumeErrorKind, CreateError};
pub use factory::{
    ComponentConfig, Exporter, ExporterFactory, ExporterSlot, ExtensionFactory, Factory, Processor,
    ProcessorFactory, ReceiverFactory,
};
pub use id::{ComponentId, ComponentType, IdError, Kind, PipelineId, Signal};
pub use pdata::{Logs, Metrics, Payload, Traces};
/// Whether the service's self-metrics level is `detailed`, for metrics that
/// cost work to measure (Go records its byte-size histograms only then).
/// Set by the runtime before it creates components; false until then.
pub fn detailed_metrics() -> bool {
    DETAILED_METRICS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets what [`detailed_metrics`] answers (the runtime calls this).
pub fn set_detailed_metrics(on: bool) {
    DETAILED_METRICS.store(on, std::sync::atomic::Ordering::Relaxed);
}

static DETAILED_METRICS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub use storage::{StorageClient, StorageError, StorageExtension, StorageOp};
pub use wire::{
    Estimate, WireError, estimate_logs, estimate_metrics, estimate_traces, validate_logs, validate_metrics,
    validate_traces,
};

/// The OTLP protobuf types (`opentelemetry-proto`'s tonic module), re-exported
/// so components use the same version as the runtime.
pub use opentelemetry_proto::tonic as proto;

/// Re-exported so components use the same `prost` as the payload types.
pub use prost;

/// Re-exported for implementing the async traits.
pub use async_trait::async_trait;
