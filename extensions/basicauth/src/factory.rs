//! The `basicauth` extension's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel};

use crate::config::Config;
use crate::extension::BasicAuthExtension;

/// The component type name used in config.
pub const TYPE: &str = "basicauth";

/// Stability, as the Go collector's `basicauthextension` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`BasicAuthExtension`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct BasicAuthFactory;

impl Factory for BasicAuthFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for BasicAuthFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, _set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(BasicAuthExtension::new(cfg)?))
    }
}
