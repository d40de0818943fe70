//! The `pprof` extension's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel};

use crate::config::Config;
use crate::extension::PprofExtension;

/// The component type name used in config.
pub const TYPE: &str = "pprof";

/// Stability, as the Go collector's `pprofextension` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`PprofExtension`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct PprofFactory;

impl Factory for PprofFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for PprofFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(PprofExtension::new(set, cfg.clone())))
    }
}
