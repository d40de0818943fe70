//! # otelcol-receiver-zipkin
//!
//! The `zipkin` receiver, like the Go collector's
//! [`zipkinreceiver`](https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/zipkinreceiver):
//! an HTTP server (default `localhost:9411`) taking spans from Zipkin
//! tracers and translating them to OTLP as Go's `zipkinv1`/`zipkinv2`
//! translators do.
//!
//! | path | `Content-Type` | format |
//! |---|---|---|
//! | `/api/v2/spans` | `application/json` (or anything else) | Zipkin v2 JSON |
//! | `/api/v2/spans` | `application/x-protobuf` | Zipkin v2 protobuf (`ListOfSpans`) |
//! | `/api/v1/spans` | `application/json` (or anything else) | Zipkin v1 JSON |
//! | `/api/v1/spans` | `application/x-thrift` | Zipkin v1 Thrift (binary protocol) |
//!
//! Bodies may be compressed (`Content-Encoding`: `gzip`, `deflate`/`zlib`,
//! `zstd`, `snappy`, `lz4`, ...). A request is answered 202 once the
//! pipeline took its spans, 400 with the reason when the body cannot be
//! read or translated, and as Go answers pipeline errors otherwise.
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//!
//! let factory = otelcol_receiver_zipkin::factory();
//! assert_eq!(factory.type_name(), "zipkin");
//! let cfg = factory.default_config();
//! assert_eq!(cfg.http().endpoint, "localhost:9411");
//! cfg.validate().unwrap();
//! ```
#![forbid(unsafe_code)]

pub mod config;
mod decode;
mod error;
mod factory;
mod http;
mod model;
mod receiver;
mod v1;
mod v1_json;
mod v1_thrift;
mod v2;
mod v2_json;
pub mod v2_proto;

pub use config::Config;
pub use decode::{format_of, translate};
pub use error::{BodyError, DecodeError, Format};
pub use factory::{STABILITY, TYPE, ZipkinReceiverFactory};
pub use receiver::ZipkinReceiver;

/// The `zipkin` receiver factory.
pub fn factory() -> ZipkinReceiverFactory {
    ZipkinReceiverFactory
}
