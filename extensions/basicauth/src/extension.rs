//! The `basicauth` extension: a server or a client authenticator.

use std::sync::Arc;

use otelcol_component::auth::{ClientAuthenticator, ServerAuthenticator};
use otelcol_component::{
    Component, ComponentConfig, ComponentError, CreateError, Extension, Host, async_trait,
};

use crate::client::BasicAuthClient;
use crate::config::{Config, HtpasswdSettings};
use crate::server::BasicAuthServer;

/// The side a `basicauth` instance authenticates.
#[derive(Debug)]
enum Side {
    Server {
        settings: HtpasswdSettings,
        auth: Arc<BasicAuthServer>,
    },
    Client(Arc<BasicAuthClient>),
}

/// The `basicauth` extension. With `htpasswd` it is a server authenticator
/// (the table is read at start); with `client_auth` a client authenticator.
#[derive(Debug)]
pub struct BasicAuthExtension {
    side: Side,
}

impl BasicAuthExtension {
    /// The extension for a config (refused unless exactly one side is set).
    pub fn new(cfg: &Config) -> Result<Self, CreateError> {
        cfg.validate()?;
        let side = match (&cfg.htpasswd, &cfg.client_auth) {
            (Some(h), None) => Side::Server {
                settings: h.clone(),
                auth: Arc::new(BasicAuthServer::new()),
            },
            (None, Some(c)) => Side::Client(Arc::new(BasicAuthClient::new(c))),
            // `validate` refused the other combinations.
            _ => return Err(CreateError::Other(crate::config::ERR_NO_CREDENTIAL_SOURCE.into())),
        };
        Ok(BasicAuthExtension { side })
    }
}

#[async_trait]
impl Component for BasicAuthExtension {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        if let Side::Server { settings, auth } = &self.side {
            auth.load(settings).map_err(ComponentError::new)?;
            tracing::debug!("basicauth: htpasswd loaded");
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        if let Side::Server { auth, .. } = &self.side {
            auth.clear();
        }
        Ok(())
    }
}

impl Extension for BasicAuthExtension {
    fn server_authenticator(&self) -> Option<Arc<dyn ServerAuthenticator>> {
        match &self.side {
            Side::Server { auth, .. } => Some(auth.clone()),
            Side::Client(_) => None,
        }
    }

    fn client_authenticator(&self) -> Option<Arc<dyn ClientAuthenticator>> {
        match &self.side {
            Side::Client(c) => Some(c.clone()),
            Side::Server { .. } => None,
        }
    }
}
