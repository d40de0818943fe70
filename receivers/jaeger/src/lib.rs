//! # otelcol-receiver-jaeger
//!
//! The `jaeger` receiver, as the Go collector's contrib `jaegerreceiver`:
//! spans from Jaeger clients and agents, as a Jaeger agent takes them
//! (one-way `emitBatch` calls in UDP packets, Thrift compact on port 6831
//! and binary on 6832) and as a Jaeger collector does (`POST /api/traces`
//! with a Thrift batch on port 14268, and `jaeger.api_v2.CollectorService/
//! PostSpans` over gRPC on port 14250), translated to OTLP as Go's
//! `pkg/translator/jaeger` does (see [`translate`]). Traces only.
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//! let factory = otelcol_receiver_jaeger::factory();
//! assert_eq!(factory.type_name(), "jaeger");
//! // An empty `jaeger:` serves no protocol, which Go refuses too.
//! assert!(factory.default_config().validate().is_err());
//! ```
//!
//! The Thrift decoders ([`thrift`]) are written for this receiver and
//! bounded by the input: a packet or body cannot make them nest, allocate
//! or read beyond what it holds, and what does not decode is counted
//! (`otelcol_receiver_refused_requests{reason="malformed"}`), logged at
//! debug and dropped.
#![forbid(unsafe_code)]

pub mod config;
mod factory;
mod grpc;
mod http;
mod net;
mod pipeline;
pub mod proto;
mod receiver;
pub mod thrift;
pub mod translate;
mod udp;

pub use config::Config;
pub use factory::{JaegerReceiverFactory, STABILITY, TYPE};
pub use http::API_TRACES_PATH;
pub use receiver::JaegerReceiver;

/// The `jaeger` receiver factory.
pub fn factory() -> JaegerReceiverFactory {
    JaegerReceiverFactory
}
