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
//! One generic type serves the three signals; the factory's one `create`
//! is generic over the payload type too.
//! ```
//! use std::sync::Arc;
//! use otelcol_component::*;
//!
//! /// Drops the `secret` attribute everywhere: spans, data points, log records, resources.
//! #[derive(Debug)]
//! struct DropSecret<T: Payload> { next: SharedConsumer<T> }
//!
//! #[async_trait]
//! impl<T: Payload> Consumer<T> for DropSecret<T> {
//!     async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
//!         data.for_each_attributes_mut(|_, attrs| attrs.retain(|kv| kv.key != "secret"));
//!         self.next.consume(data).await
//!     }
//!     fn capabilities(&self) -> Capabilities { Capabilities { mutates_data: true } }
//! }
//! impl<T: Payload> Component for DropSecret<T> {}
//!
//! #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
//! #[serde(deny_unknown_fields, default)]
//! struct DropSecretConfig {}
//! impl ComponentConfig for DropSecretConfig {}
//!
//! struct DropSecretFactory;
//! impl Factory for DropSecretFactory {
//!     type Config = DropSecretConfig;
//!     fn type_name(&self) -> &'static str { "dropsecret" }
//! }
//! impl ProcessorFactory for DropSecretFactory {
//!     fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
//!         Some(StabilityLevel::Development) // every signal
//!     }
//!     fn create<T: Payload>(
//!         &self,
//!         _set: &Settings,
//!         _cfg: &DropSecretConfig,
//!         next: SharedConsumer<T>,
//!     ) -> Result<Arc<dyn Processor<T>>, CreateError> {
//!         Ok(Arc::new(DropSecret { next }))
//!     }
//! }
//! ```
#![forbid(unsafe_code)]

mod admission;
mod allocator;
mod component;
mod connector;
mod consumer;
pub mod duration;
mod error;
mod factory;
mod id;
pub mod redact;
pub mod selftrace;
pub mod storage;
mod telemetry;

pub use admission::{Admission, AdmissionPermit, AdmissionSet};
pub use allocator::{AllocatorStats, allocator_stats, register_allocator_stats};
pub use component::{
    BuildInfo, Component, Extension, Host, PipelineInfo, ServiceInfo, Settings, StabilityLevel, StatusEvent,
    TelemetrySettings,
};
pub use connector::{Connector, ConnectorFactory, FanoutFn, Router, for_pair, same_signal};
pub use consumer::{Capabilities, Consumer, Consumers, SharedConsumer};
pub use error::{ComponentError, ConfigError, ConsumeError, ConsumeErrorKind, CreateError};
pub use factory::{
    ComponentConfig, Exporter, ExporterFactory, ExtensionFactory, Factory, Processor, ProcessorFactory,
    ReceiverFactory, for_signal,
};
pub use id::{ComponentId, ComponentType, IdError, Kind, PipelineId};
// The data model, from otelcol-pdata.
pub use otelcol_pdata::{
    AttributesOf, AuthData, ClientInfo, Estimate, ItemMut, JsonError, Logs, MetadataPartition, Metrics,
    PartialSuccess, PartitionKey, Payload, RequestContext, ResourceRef, Retain, ScopeRef, Signal, Traces,
    Visitor, WireError, estimate_logs, estimate_metrics, estimate_traces, filled_resources,
    for_each_point_attributes, validate_logs, validate_metrics, validate_traces,
};

/// The `metrics` crate the [`Meter`] hands out handles of.
pub use metrics;
pub use telemetry::Meter;

pub use storage::{StorageClient, StorageError, StorageExtension, StorageOp};

pub mod auth;

/// The OTLP protobuf types the payloads wrap (from `otelcol-pdata`), so
/// components use the same version as the runtime.
pub use otelcol_pdata::proto;

/// Builders for produced telemetry and the exponential histogram (from `otelcol-pdata`).
pub use otelcol_pdata::{build, histogram};

/// Re-exported so components use the same `prost` as the payload types.
pub use otelcol_pdata::prost;

/// Re-exported for implementing the async traits.
pub use async_trait::async_trait;
