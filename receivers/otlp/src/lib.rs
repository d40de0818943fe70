//! # otelcol-receiver-otlp
//!
//! The `otlp` receiver: OTLP over gRPC (port 4317) and HTTP (port 4318,
//! protobuf and JSON), as the Go collector's `otlpreceiver`. One receiver
//! instance serves every signal and pipeline that names it. Calls are
//! synchronous: the pipeline's answer (accepted, refused and retryable,
//! refused for good, partially rejected) becomes the response, mapped as the
//! Go collector maps it (see [`status`]).
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//! let factory = otelcol_receiver_otlp::factory();
//! assert_eq!(factory.type_name(), "otlp");
//! // An empty `otlp:` enables no protocol, which Go refuses too.
//! assert!(factory.default_config().validate().is_err());
//! ```
#![forbid(unsafe_code)]

mod admission;
pub mod config;
mod export;
mod factory;
mod grpc;
mod grpc_admission;
mod http;
mod receiver;
pub use otelcol_otlp_status::rpc;
mod tls;
pub use otelcol_otlp_status::status;

pub use config::Config;
pub use factory::{OtlpReceiverFactory, TYPE};
pub use receiver::OtlpReceiver;

#[doc(hidden)]
pub use http::decode_body;

/// The `otlp` receiver factory.
pub fn factory() -> OtlpReceiverFactory {
    OtlpReceiverFactory
}
