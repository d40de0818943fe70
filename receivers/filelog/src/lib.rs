//! # otelcol-receiver-filelog
//!
//! The `file_log` receiver (deprecated alias `filelog`), like the Go
//! collector's
//! [`filelogreceiver`](https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/filelogreceiver):
//! tails files matching globs, follows them across rotation (files are
//! identified by their first bytes, not their names), parses their lines
//! with stanza operators and sends them as logs. With `storage`, the
//! offsets of every file are kept in a storage extension (in Go's format),
//! committed only once the next consumer accepted what was read, so a
//! restart — even after a crash — neither re-reads nor skips.
//!
//! ```yaml
//! receivers:
//!   file_log:
//!     include: [/var/log/app/*.log]
//!     start_at: beginning
//!     storage: file_storage
//!     operators:
//!       - type: regex_parser
//!         regex: '^(?P<time>\S+ \S+) (?P<sev>[A-Z]+) (?P<msg>.*)$'
//!         timestamp: {parse_from: attributes.time, layout: '%Y-%m-%d %H:%M:%S'}
//!         severity: {parse_from: attributes.sev}
//! ```
//!
//! See the README for every setting, the operators supported and the
//! differences from Go.
#![forbid(unsafe_code)]

pub mod bytesize;
pub mod checkpoint;
pub mod config;
pub mod consumer;
pub mod convert;
pub mod entry;
mod error;
pub mod expr;
mod factory;
pub mod field;
pub mod glob;
pub mod operators;
mod receiver;
pub mod severity;
pub mod split;
pub mod timeparse;
pub mod tz;

pub use config::{FileLogConfig, MaxLogSizeBehavior, MultilineConfig, OnTruncate, RetryConfig, StartAt};
pub use error::StartError;
pub use factory::{DEPRECATED_TYPE, FileLogReceiverFactory, STABILITY, TYPE};
pub use receiver::{FileLogReceiver, MAX_ENTRIES_PER_BATCH};

/// The factory of the `file_log` receiver.
pub fn factory() -> FileLogReceiverFactory {
    FileLogReceiverFactory
}
