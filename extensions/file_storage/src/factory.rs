//! The `file_storage` extension's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel};

use crate::config::Config;
use crate::extension::FileStorage;

/// The component type name used in config.
pub const TYPE: &str = "file_storage";

/// Stability, as the Go collector's `filestorage` extension declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`FileStorage`] extensions.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileStorageFactory;

impl Factory for FileStorageFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for FileStorageFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, _set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(FileStorage::new(cfg.clone())))
    }
}
