//! The receiver's lifecycle: the listener is bound in `start`, served by a
//! task, and closed (after the requests in flight are answered) in
//! `shutdown`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use otelcol_component::{Component, ComponentError, ComponentId, Host, Settings, SharedConsumer, Traces};
use otelcol_httpserver::endpoint::Endpoint;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, default_server};
use crate::error::Format;
use crate::http::{App, Counters, serve};

#[derive(Debug, Default)]
enum State {
    #[default]
    Created,
    Running {
        shutdown: CancellationToken,
        task: JoinHandle<()>,
    },
    Stopped,
}

/// The `zipkin` receiver. Create it through [`crate::factory`], or with
/// [`ZipkinReceiver::new`] to reach [`ZipkinReceiver::addr`].
pub struct ZipkinReceiver {
    id: ComponentId,
    cfg: Config,
    consumer: SharedConsumer<Traces>,
    /// Registered when the receiver is created, with the recorder of the
    /// collector that creates it.
    counters: HashMap<Format, Counters>,
    state: tokio::sync::Mutex<State>,
    addr: Mutex<Option<SocketAddr>>,
}

impl std::fmt::Debug for ZipkinReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipkinReceiver")
            .field("id", &self.id)
            .field("endpoint", &self.cfg.http().endpoint)
            .field("addr", &self.addr())
            .finish_non_exhaustive()
    }
}

impl ZipkinReceiver {
    /// A receiver feeding `consumer`, counting
    /// `otelcol_receiver_accepted_spans` and `otelcol_receiver_refused_spans`
    /// (labels `receiver` and `transport`: `http_v1_json`, `http_v1_thrift`,
    /// `http_v2_json`, `http_v2_proto`) with `set.telemetry.meter`.
    pub fn new(set: &Settings, cfg: Config, consumer: SharedConsumer<Traces>) -> Self {
        let receiver = set.id.to_string();
        let counters = Format::ALL
            .iter()
            .map(|f| {
                let labels = [
                    ("receiver", receiver.clone()),
                    ("transport", f.transport().to_string()),
                ];
                let meter = &set.telemetry.meter;
                let c = Counters {
                    accepted: meter.counter("otelcol_receiver_accepted_spans", &labels),
                    refused: meter.counter("otelcol_receiver_refused_spans", &labels),
                };
                (*f, c)
            })
            .collect();
        ZipkinReceiver {
            id: set.id.clone(),
            cfg,
            consumer,
            counters,
            state: tokio::sync::Mutex::new(State::Created),
            addr: Mutex::new(None),
        }
    }

    /// The address the server is bound to, once started.
    pub fn addr(&self) -> Option<SocketAddr> {
        *self.addr.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl Component for ZipkinReceiver {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        match *state {
            State::Created => {}
            State::Running { .. } => return Err(ComponentError::new("receiver already started")),
            State::Stopped => return Err(ComponentError::new("receiver was shut down")),
        }
        let cfg = self.cfg.http();
        let prefix = match self.cfg.http_prefix() {
            "" => String::new(),
            p => format!("{p}::"),
        };
        // The authenticator and the TLS material, then the listener: an
        // error leaves nothing running.
        let authenticator = match &cfg.auth {
            Some(a) => Some(
                otelcol_component::auth::server_authenticator(&host, &a.authenticator)
                    .map_err(|e| ComponentError::new(format!("{prefix}auth: {e}")))?,
            ),
            None => None,
        };
        let tls = match &cfg.tls {
            Some(t) => Some(
                otelcol_configtls::server_config_with_alpn(
                    t,
                    &[otelcol_configtls::ALPN_H2, otelcol_configtls::ALPN_HTTP11],
                )
                .map_err(|e| ComponentError::new(format!("{prefix}tls::{}: {}", e.key, e.message)))?,
            ),
            None => None,
        };
        let ep = Endpoint::parse(&cfg.endpoint)
            .map_err(|e| ComponentError::new(format!("{prefix}endpoint: {e}")))?;
        let listener = ep
            .bind()
            .await
            .map_err(|e| ComponentError::with_source(format!("failed to listen on {ep}"), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| ComponentError::with_source("failed to read the bound address", e))?;
        for key in cfg.unapplied_keys() {
            tracing::warn!(receiver = %self.id, "{prefix}{key} is accepted but not applied by this build");
        }
        if self.cfg.protocols.http.is_some() && self.cfg.server != default_server() {
            tracing::warn!(
                receiver = %self.id,
                "both the top-level server settings and protocols::http are set; using protocols::http"
            );
        }
        // Processors (the memory limiter) have registered their gates by now.
        let app = Arc::new(App::new(
            cfg,
            self.id.to_string(),
            self.consumer.clone(),
            self.counters.clone(),
            Arc::new(host.admission()),
            authenticator,
            self.cfg.parse_string_tags,
        ));
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let server_cfg = cfg.clone();
        let task = tokio::spawn(async move { serve(&server_cfg, app, listener, tls, token).await });
        tracing::info!(receiver = %self.id, "Zipkin receiver listening on {addr}");
        *self.addr.lock().unwrap_or_else(PoisonError::into_inner) = Some(addr);
        *state = State::Running { shutdown, task };
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        let State::Running { shutdown, task } = std::mem::replace(&mut *state, State::Stopped) else {
            return Ok(());
        };
        shutdown.cancel();
        task.await
            .map_err(|e| ComponentError::with_source("Zipkin server task failed", e))
    }
}
