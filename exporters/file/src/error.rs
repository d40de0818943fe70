//! Errors of the `file` exporter.

use std::io;

use thiserror::Error;

/// Why the `file` exporter could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FileExporterError {
    /// The output file could not be opened (its directory may be missing).
    #[error("file exporter cannot open \"{path}\": {source}")]
    Open {
        /// The configured `path`.
        path: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// `create_directory` could not create the directory of `path`.
    #[error("file exporter cannot create the directory of \"{path}\": {source}")]
    CreateDirectory {
        /// The configured `path`.
        path: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The writer thread could not be started.
    #[error("file exporter cannot start its writer thread: {0}")]
    Spawn(#[source] io::Error),
}
