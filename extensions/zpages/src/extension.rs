//! The extension: an HTTP server with the zPages.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use otelcol_component::{
    BuildInfo, Component, ComponentError, ComponentId, Extension, Host, Settings, async_trait,
};

use crate::config::Config;
use crate::pages::{self, PageData};
use crate::tracez::{self, TracezStore};
use otelcol_httpserver::server::{Handler, HttpResponse, HttpServer};

const HTML: &str = "text/html; charset=utf-8";

/// Where the server is in its life.
#[derive(Debug, Default)]
enum State {
    #[default]
    Created,
    Running(HttpServer),
    Stopped,
}

/// Which span store `/debug/tracez` shows.
#[derive(Clone, Debug)]
enum TracezSource {
    /// The process-wide store of [`crate::tracez_layer`], looked up per request.
    Global,
    /// A given store (or none).
    Fixed(Option<TracezStore>),
}

/// The `zpages` extension. Create it through [`crate::factory`] or [`ZpagesExtension::new`].
#[derive(Debug)]
pub struct ZpagesExtension {
    id: ComponentId,
    build_info: BuildInfo,
    cfg: Config,
    tracez: TracezSource,
    state: tokio::sync::Mutex<State>,
}

impl ZpagesExtension {
    /// An extension serving the pages on `cfg.endpoint` once started;
    /// `/debug/tracez` shows the process-wide store of [`crate::tracez_layer`].
    pub fn new(set: &Settings, cfg: Config) -> Self {
        ZpagesExtension {
            id: set.id.clone(),
            build_info: set.build_info.clone(),
            cfg,
            tracez: TracezSource::Global,
            state: tokio::sync::Mutex::new(State::Created),
        }
    }

    /// Like [`ZpagesExtension::new`], with `/debug/tracez` showing `store`
    /// instead of the process-wide one (`None`: no recorder installed).
    pub fn with_tracez_store(set: &Settings, cfg: Config, store: Option<TracezStore>) -> Self {
        ZpagesExtension {
            tracez: TracezSource::Fixed(store),
            ..Self::new(set, cfg)
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

/// Routes requests to pages.
#[derive(Debug)]
struct App {
    data: PageData,
    tracez: TracezSource,
}

fn response(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> HttpResponse {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

impl App {
    fn answer(&self, path: &str, query: Option<&str>) -> HttpResponse {
        let html = |s: String| response(StatusCode::OK, HTML, s);
        match path {
            "/debug/servicez" => html(pages::servicez(&self.data)),
            "/debug/pipelinez" => html(pages::pipelinez(&self.data)),
            "/debug/extensionz" => html(pages::extensionz(&self.data)),
            "/debug/featurez" => html(pages::featurez()),
            "/debug/tracez" => {
                let store = match &self.tracez {
                    TracezSource::Global => tracez::global_tracez_store(),
                    TracezSource::Fixed(s) => s.clone(),
                };
                html(tracez::render(store.as_ref(), query))
            }
            "/debug/expvarz" if self.data.expvar => response(
                StatusCode::OK,
                "application/json; charset=utf-8",
                pages::expvarz(&self.data),
            ),
            _ => response(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                Bytes::from_static(b"404 page not found\n"),
            ),
        }
    }
}

impl Handler for App {
    async fn handle(&self, req: Request<Incoming>) -> HttpResponse {
        self.answer(req.uri().path(), req.uri().query())
    }
}

#[async_trait]
impl Component for ZpagesExtension {
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
            State::Running(_) => return Err(ComponentError::new("zpages extension already started")),
            State::Stopped => return Err(ComponentError::new("zpages extension was shut down")),
        }
        let info = host.service_info();
        if info.is_none() {
            tracing::warn!(extension = %self.id, "the host does not describe the service; pipelinez and extensionz will be empty");
        }
        if matches!(self.tracez, TracezSource::Global) && tracez::global_tracez_store().is_none() {
            tracing::warn!(extension = %self.id, "no tracez span recorder is installed; /debug/tracez will be empty");
        }
        let app = Arc::new(App {
            data: PageData {
                info,
                build_info: self.build_info.clone(),
                started: SystemTime::now(),
                expvar: self.cfg.expvar.enabled,
            },
            tracez: self.tracez.clone(),
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
        tracing::info!(extension = %self.id, "zPages listening on {}", server.local_addr());
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

impl Extension for ZpagesExtension {}
