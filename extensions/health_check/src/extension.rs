//! The extension: an HTTP server answering the health state.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use otelcol_component::{
    Component, ComponentError, ComponentId, Extension, Host, Kind, Settings, StatusEvent, async_trait,
};

use crate::config::Config;
use crate::health::Health;
use otelcol_httpserver::server::{Handler, HttpResponse, HttpServer};

/// Where the server is in its life.
#[derive(Debug, Default)]
enum State {
    #[default]
    Created,
    Running(HttpServer),
    Stopped,
}

/// The `health_check` extension. Create it through [`crate::factory`] or
/// [`HealthCheckExtension::new`].
#[derive(Debug)]
pub struct HealthCheckExtension {
    id: ComponentId,
    cfg: Config,
    health: Arc<Health>,
    state: tokio::sync::Mutex<State>,
}

impl HealthCheckExtension {
    /// An extension serving `cfg.path` on `cfg.endpoint` once started.
    pub fn new(set: &Settings, cfg: Config) -> Self {
        HealthCheckExtension {
            id: set.id.clone(),
            health: Arc::new(Health::new(&cfg)),
            cfg,
            state: tokio::sync::Mutex::new(State::Created),
        }
    }

    /// The address the server is bound to, while it runs.
    pub async fn local_addr(&self) -> Option<SocketAddr> {
        match &*self.state.lock().await {
            State::Running(server) => Some(server.local_addr()),
            State::Created | State::Stopped => None,
        }
    }
}

/// Routes requests: `path` (and, for a path ending in `/`, everything below it).
#[derive(Debug)]
struct App {
    path: String,
    health: Arc<Health>,
}

fn response(status: StatusCode, content_type: Option<&'static str>, body: impl Into<Bytes>) -> HttpResponse {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    if let Some(ct) = content_type {
        resp.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    resp
}

impl App {
    /// Go `ServeMux` matching for one pattern.
    fn answer(&self, path: &str, query: Option<&str>) -> HttpResponse {
        let subtree = self.path.ends_with('/');
        if path == self.path || (subtree && path.starts_with(&self.path)) {
            let a = self.health.answer();
            return response(a.status, a.content_type, a.body);
        }
        if subtree && path.len() > 1 && format!("{path}/") == self.path {
            // `/health` for the pattern `/health/`: Go redirects.
            let target = match query {
                Some(q) => format!("{}?{q}", self.path),
                None => self.path.clone(),
            };
            let mut resp = response(StatusCode::MOVED_PERMANENTLY, None, Bytes::new());
            if let Ok(v) = HeaderValue::from_str(&target) {
                resp.headers_mut().insert(LOCATION, v);
            }
            return resp;
        }
        response(
            StatusCode::NOT_FOUND,
            Some("text/plain; charset=utf-8"),
            Bytes::from_static(b"404 page not found\n"),
        )
    }
}

impl Handler for App {
    async fn handle(&self, req: Request<Incoming>) -> HttpResponse {
        self.answer(req.uri().path(), req.uri().query())
    }
}

#[async_trait]
impl Component for HealthCheckExtension {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let authenticator = match &self.cfg.auth {
            Some(a) => Some(
                otelcol_component::auth::server_authenticator(&host, &a.authenticator)
                    .map_err(|e| ComponentError::new(format!("auth: {e}")))?,
            ),
            None => None,
        };
        let mut state = self.state.lock().await;
        match *state {
            State::Created => {}
            State::Running(_) => return Err(ComponentError::new("health_check extension already started")),
            State::Stopped => return Err(ComponentError::new("health_check extension was shut down")),
        }
        let app = Arc::new(App {
            path: self.cfg.path.clone(),
            health: self.health.clone(),
        });
        let app = Arc::new(otelcol_httpserver::auth::Authenticated::new(app, authenticator));
        let options = otelcol_httpserver::server::ServerOptions {
            tls: self
                .cfg
                .tls
                .as_ref()
                .map(otelcol_httpserver::server::tls_config)
                .transpose()?,
            ..Default::default()
        };
        let server = HttpServer::start_with(&self.cfg.endpoint, app, options).await?;
        tracing::info!(extension = %self.id, "health check listening on {} (path {})", server.local_addr(), self.cfg.path);
        *state = State::Running(server);
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        match std::mem::replace(&mut *state, State::Stopped) {
            State::Running(server) => server.stop().await,
            State::Created | State::Stopped => Ok(()),
        }
    }
}

#[async_trait]
impl Extension for HealthCheckExtension {
    async fn ready(&self) {
        self.health.set_ready();
        tracing::info!(extension = %self.id, status = "ready", "Health Check state change");
    }

    async fn not_ready(&self) {
        self.health.set_not_ready();
        tracing::info!(extension = %self.id, status = "unavailable", "Health Check state change");
    }

    fn on_status(&self, id: &ComponentId, kind: Kind, event: &StatusEvent) {
        self.health.on_status(id, kind, event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(path: &str) -> App {
        App {
            path: path.into(),
            health: Arc::new(Health::new(&Config::default())),
        }
    }

    #[test]
    fn routes_like_go_servemux() {
        let root = app("/");
        assert_eq!(
            root.answer("/anything", None).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let exact = app("/health/status");
        assert_eq!(
            exact.answer("/health/status", None).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            exact.answer("/health/status/x", None).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(exact.answer("/", None).status(), StatusCode::NOT_FOUND);
        let tree = app("/health/");
        assert_eq!(
            tree.answer("/health/x", None).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let redirect = tree.answer("/health", Some("a=1"));
        assert_eq!(redirect.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(redirect.headers()[LOCATION], "/health/?a=1");
    }
}
