//! Errors of the receiver's start.

use otelcol_component::StorageError;

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// `storage` names an extension that is not enabled.
    #[error("storage: storage extension {0} not found (is it listed in service::extensions?)")]
    StorageNotFound(String),
    /// `storage` names an extension that provides no storage.
    #[error("storage: non-storage extension {0} found")]
    NotStorage(String),
    /// The storage extension could not open this receiver's store.
    #[error("storage: cannot open storage {0}: {1}")]
    Storage(String, #[source] StorageError),
}
