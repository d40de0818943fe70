//! The `headers_setter` extension and its factory.

use std::sync::Arc;

use otelcol_component::auth::ClientAuthenticator;
use otelcol_component::{
    Component, ComponentConfig, CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel,
};

use crate::config::Config;
use crate::setter::HeadersSetter;

/// The component type name used in config.
pub const TYPE: &str = "headers_setter";

/// Stability, as the Go collector's `headerssetterextension` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// The `headers_setter` extension: a client authenticator only.
#[derive(Debug)]
pub struct HeadersSetterExtension {
    setter: Arc<HeadersSetter>,
}

impl HeadersSetterExtension {
    /// The extension for a config (refused if invalid).
    pub fn new(cfg: &Config) -> Result<Self, CreateError> {
        cfg.validate()?;
        if cfg.headers.iter().any(|h| h.action.is_none()) {
            tracing::warn!(
                "The action was not provided, using 'upsert'. In future versions, we'll require this to be explicitly set"
            );
        }
        Ok(HeadersSetterExtension {
            setter: Arc::new(HeadersSetter::new(cfg)),
        })
    }
}

impl Component for HeadersSetterExtension {}

impl Extension for HeadersSetterExtension {
    fn client_authenticator(&self) -> Option<Arc<dyn ClientAuthenticator>> {
        Some(self.setter.clone())
    }
}

/// Creates [`HeadersSetterExtension`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeadersSetterFactory;

impl Factory for HeadersSetterFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for HeadersSetterFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, _set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(HeadersSetterExtension::new(cfg)?))
    }
}
