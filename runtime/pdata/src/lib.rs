//! # otelcol-pdata
//!
//! The telemetry data of otelcol-rs: the signal payloads ([`Traces`],
//! [`Metrics`], [`Logs`]) behind the [`Payload`] trait, with their
//! copy-on-write sharing, the validating wire walk that lets encoded
//! payloads travel undecoded, split and merge, signal-agnostic visitors
//! ([`Payload::for_each_attributes_mut`], [`Payload::retain`]...), the OTLP
//! facts of each signal (response type, gRPC and HTTP paths, partial
//! success, OTLP/JSON), and the request context.
//!
//! Components use these through `otelcol-component`, which re-exports them;
//! this crate is separate so that the component API (traits, factories,
//! host) and the data model version apart.
#![forbid(unsafe_code)]

pub mod build;
mod context;
pub mod histogram;
mod id;
mod pdata;
mod signal;
mod visit;
mod wire;

pub use context::{AuthData, ClientInfo, MetadataPartition, PartitionKey, RequestContext};
pub use id::{Signal, UnknownSignal};
pub use pdata::{Logs, Metrics, Payload, Traces};
pub use signal::{JsonError, PartialSuccess};
pub use visit::{AttributesOf, ItemMut, ResourceRef, Retain, ScopeRef, Visitor, for_each_point_attributes};
pub use wire::edit;
pub use wire::{
    Estimate, WireError, estimate_logs, estimate_metrics, estimate_traces, filled_resources, validate_logs,
    validate_metrics, validate_traces,
};

/// The OTLP protobuf types (`opentelemetry-proto`'s tonic module) the
/// payloads wrap.
pub use opentelemetry_proto::tonic as proto;

/// Re-exported so users encode and decode with the same `prost` as the payload types.
pub use prost;
