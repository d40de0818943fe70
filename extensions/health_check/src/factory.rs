//! The `health_check` extension's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel};

use crate::config::Config;
use crate::extension::HealthCheckExtension;

/// The component type name used in config.
pub const TYPE: &str = "health_check";

/// Stability, as the Go collector's `healthcheckextension` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`HealthCheckExtension`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct HealthCheckFactory;

impl Factory for HealthCheckFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for HealthCheckFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(HealthCheckExtension::new(set, cfg.clone())))
    }
}
