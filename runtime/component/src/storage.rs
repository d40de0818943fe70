//! Storage for components that keep state across restarts (the Go
//! collector's `extension/xextension/storage`): a storage extension hands
//! each component a [`StorageClient`], a small durable key-value store.
//!
//! The persistent sending queue (`sending_queue::storage: file_storage`) is
//! built on it: the exporter helper finds the extension through
//! [`Host::extension`](crate::Host::extension) by the id the config names and
//! calls [`Extension::storage`](crate::Extension::storage).
//!
//! Durability contract: when `set`, `delete` or `batch` returns `Ok`, the
//! change is in the storage and survives the process being killed (it is at
//! least in the operating system's page cache); whether it also survives a
//! power loss is the extension's documented fsync policy. A `batch` is
//! atomic: after a crash either all of its operations are visible or none.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::id::{ComponentId, Kind};

/// A failed storage operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// An I/O error of the backing store.
    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The store's data is damaged beyond what recovery can repair.
    #[error("storage data is corrupt: {0}")]
    Corrupt(String),
    /// The client was closed.
    #[error("storage client is closed")]
    Closed,
    /// Anything else (lock timeout, bad name...).
    #[error("{0}")]
    Other(String),
}

/// One write of a [`StorageClient::batch`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageOp {
    /// Sets `key` to `value`.
    Set(String, Vec<u8>),
    /// Removes `key` (no error if absent).
    Delete(String),
}

/// A durable key-value store owned by one component (Go `storage.Client`).
#[async_trait]
pub trait StorageClient: Send + Sync + fmt::Debug {
    /// The value of `key`, if set.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;

    /// Sets `key` to `value`, durably (see the module docs).
    async fn set(&self, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        self.batch(vec![StorageOp::Set(key.to_string(), value)]).await
    }

    /// Removes `key`, durably (see the module docs).
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.batch(vec![StorageOp::Delete(key.to_string())]).await
    }

    /// Applies `ops` in order, atomically and durably.
    async fn batch(&self, ops: Vec<StorageOp>) -> Result<(), StorageError>;

    /// Flushes and releases the store; later calls fail with [`StorageError::Closed`].
    async fn close(&self) -> Result<(), StorageError>;
}

/// An extension that provides storage (Go `storage.Extension`).
#[async_trait]
pub trait StorageExtension: Send + Sync + fmt::Debug {
    /// Opens the store of the component `id` of kind `kind`; `name` tells
    /// apart several stores of one component (the persistent queue uses the
    /// signal, `traces`). A store can be open in one client at a time.
    async fn client(
        &self,
        kind: Kind,
        id: &ComponentId,
        name: &str,
    ) -> Result<Arc<dyn StorageClient>, StorageError>;
}
