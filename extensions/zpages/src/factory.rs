//! The `zpages` extension's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel};

use crate::config::Config;
use crate::extension::ZpagesExtension;

/// The component type name used in config.
pub const TYPE: &str = "zpages";

/// Stability, as the Go collector's `zpagesextension` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`ZpagesExtension`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct ZpagesFactory;

impl Factory for ZpagesFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for ZpagesFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(ZpagesExtension::new(set, cfg.clone())))
    }
}
