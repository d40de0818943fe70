//! `auth` on an HTTP server: a [`Handler`] wrapper that asks a server
//! authenticator about every request first and answers 401 when refused.

use std::sync::Arc;

use http::{Request, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use otelcol_component::auth::ServerAuthenticator;

use crate::server::{Handler, HttpResponse};

/// `inner`, behind an authenticator (none: every request passes).
pub struct Authenticated<H> {
    inner: Arc<H>,
    authenticator: Option<Arc<dyn ServerAuthenticator>>,
}

impl<H> std::fmt::Debug for Authenticated<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticated")
            .field("authenticator", &self.authenticator)
            .finish_non_exhaustive()
    }
}

impl<H> Authenticated<H> {
    /// Wraps `inner`.
    pub fn new(inner: Arc<H>, authenticator: Option<Arc<dyn ServerAuthenticator>>) -> Self {
        Authenticated { inner, authenticator }
    }
}

impl<H: Handler> Handler for Authenticated<H> {
    async fn handle(&self, req: Request<Incoming>) -> HttpResponse {
        if let Some(a) = &self.authenticator {
            let headers: Vec<(String, String)> = req
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            if let Err(e) = a.authenticate(&headers).await {
                tracing::debug!(error = %e, path = req.uri().path(), "request refused by the authenticator");
                let mut resp = HttpResponse::new(Full::from(format!("{e}\n")));
                *resp.status_mut() = StatusCode::UNAUTHORIZED;
                return resp;
            }
        }
        self.inner.handle(req).await
    }
}
