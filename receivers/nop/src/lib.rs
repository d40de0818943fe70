//! # otelcol-receiver-nop
//!
//! The `nop` receiver, like the Go collector's
//! [`nopreceiver`](https://github.com/open-telemetry/opentelemetry-collector/tree/main/receiver/nopreceiver):
//! a placeholder pipeline input that receives nothing. It serves traces,
//! metrics and logs, has no settings, and starts and stops at once. Use it
//! to run a collector whose pipelines must exist but get no data (only
//! extensions enabled, or a pipeline fed by a connector).
//!
//! ```yaml
//! receivers:
//!   nop:
//!
//! service:
//!   pipelines:
//!     traces:
//!       receivers: [nop]
//!       exporters: [debug]
//! ```

#![forbid(unsafe_code)]

mod config;
mod factory;
mod receiver;

pub use config::NopReceiverConfig;
pub use factory::{NopReceiverFactory, STABILITY, TYPE};
pub use receiver::NopReceiver;

/// The factory of the `nop` receiver.
pub fn factory() -> NopReceiverFactory {
    NopReceiverFactory
}
