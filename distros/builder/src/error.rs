//! The builder's errors.

use std::path::PathBuf;

/// Why a distribution could not be generated or built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The manifest file could not be read.
    #[error("cannot read manifest {path}: {source}")]
    ReadManifest {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The manifest is not valid YAML or does not match the schema; the
    /// message starts with the key path (`receivers[1]: unknown field ...`).
    #[error("invalid manifest: {0}")]
    Parse(String),
    /// The manifest parsed but is inconsistent; `key` is the key path.
    #[error("invalid manifest: {key}: {message}")]
    Invalid {
        /// Key path, e.g. `processors[0].path`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be written or a directory created.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `cargo` could not be started.
    #[error("cannot run cargo: {0}")]
    SpawnCargo(#[source] std::io::Error),
    /// `cargo build` failed. `component` names the component cargo's error
    /// is about, when it could be told.
    #[error("cargo build failed{}:\n{cargo_error}", component.as_ref().map(|c| format!(" for component {c}")).unwrap_or_default())]
    Cargo {
        /// The component the error is about (`receivers[0] (crate otelcol-receiver-x)`).
        component: Option<String>,
        /// The error lines of cargo's output.
        cargo_error: String,
    },
}

impl BuildError {
    /// An [`BuildError::Invalid`] at `key`.
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        BuildError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}
