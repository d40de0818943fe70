//! # otelcol-extension-filestorage
//!
//! The `file_storage` extension: gives components (the persistent sending
//! queue, `sending_queue::storage: file_storage`) a durable key-value store,
//! one file per component in `directory`, named as the Go collector names
//! them (`exporter_otlp_backup_traces`).
//!
//! Each store is an append-only log of CRC32-checked records (the format is in the
//! README), replayed into memory on open; a torn last record left by a crash
//! is detected and cut off; the file is rewritten (compacted) once it holds
//! more than twice its live data, so disk use follows the live data. See the
//! README for the fsync policy and exactly what each setting protects.
#![forbid(unsafe_code)]

mod client;
mod config;
mod extension;
mod factory;
mod log;
mod name;

pub use client::{FileClient, SYNC_INTERVAL};
pub use config::{
    CompactionConfig, Config, DEFAULT_CHECK_INTERVAL, DEFAULT_DIRECTORY, DEFAULT_DIRECTORY_PERMISSIONS,
    DEFAULT_MAX_TRANSACTION_SIZE, DEFAULT_REBOUND_NEEDED_THRESHOLD_MIB,
    DEFAULT_REBOUND_TRIGGER_THRESHOLD_MIB, DEFAULT_TIMEOUT, Permissions,
};
pub use extension::FileStorage;
pub use factory::{FileStorageFactory, STABILITY, TYPE};
pub use name::{escape, file_name};

/// The factory to register with the runtime.
pub fn factory() -> FileStorageFactory {
    FileStorageFactory
}
