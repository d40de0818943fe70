//! Errors of this crate.

use std::path::PathBuf;

/// Why a memory number could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryError {
    /// A file could not be read (on a system without `/proc`, for instance).
    #[error("failed to read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file was read but lacks the field, or it is not a number of kB.
    #[error("{} has no readable {field} field", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// The field looked for (`VmRSS`, `MemTotal`).
        field: &'static str,
    },
    /// Another source's failure (for [`MemorySource`](crate::MemorySource) implementations).
    #[error("{0}")]
    Other(String),
}
