//! The extension: the `/debug/pprof/` server and the optional whole-run CPU profile.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use otelcol_component::{Component, ComponentError, ComponentId, Extension, Host, Settings, async_trait};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::cpu::CpuSession;
use crate::handlers::App;
use otelcol_httpserver::server::HttpServer;

/// Set while an instance runs: like Go, one pprof extension per process.
static RUNNING: AtomicBool = AtomicBool::new(false);

/// A started extension.
#[derive(Debug)]
struct Running {
    server: HttpServer,
    requests: CancellationToken,
    /// The `save_to_file` profile and its path.
    saving: Option<(CpuSession, String)>,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Created,
    Running(Running),
    Stopped,
}

/// The `pprof` extension. Create it through [`crate::factory`] or [`PprofExtension::new`].
#[derive(Debug)]
pub struct PprofExtension {
    id: ComponentId,
    cfg: Config,
    state: tokio::sync::Mutex<State>,
}

impl PprofExtension {
    /// An extension serving `/debug/pprof/` on `cfg.endpoint` once started.
    pub fn new(set: &Settings, cfg: Config) -> Self {
        PprofExtension {
            id: set.id.clone(),
            cfg,
            state: tokio::sync::Mutex::new(State::Created),
        }
    }

    /// The address the server is bound to, while it runs.
    pub async fn local_addr(&self) -> Option<SocketAddr> {
        match &*self.state.lock().await {
            State::Running(r) => Some(r.server.local_addr()),
            State::Created | State::Stopped => None,
        }
    }

    async fn start_running(&self) -> Result<Running, ComponentError> {
        for (key, value) in [
            ("block_profile_fraction", self.cfg.block_profile_fraction),
            ("mutex_profile_fraction", self.cfg.mutex_profile_fraction),
        ] {
            if value != 0 {
                tracing::warn!(extension = %self.id, "{key} is {value}: it has no effect in otelcol-rs");
            }
        }
        let requests = CancellationToken::new();
        let app = Arc::new(App {
            shutdown: requests.clone(),
        });
        let server = HttpServer::start(&self.cfg.endpoint, app).await?;
        let saving = match self.start_saving().await {
            Ok(s) => s,
            Err(e) => {
                requests.cancel();
                let _ = server.stop().await;
                return Err(e);
            }
        };
        tracing::info!(extension = %self.id, "pprof server listening on {}", server.local_addr());
        Ok(Running {
            server,
            requests,
            saving,
        })
    }

    /// Creates the `save_to_file` file (so a bad path fails at start, as in Go) and starts profiling.
    async fn start_saving(&self) -> Result<Option<(CpuSession, String)>, ComponentError> {
        let path = &self.cfg.save_to_file;
        if path.is_empty() {
            return Ok(None);
        }
        tokio::fs::File::create(path)
            .await
            .map_err(|e| ComponentError::with_source(format!("save_to_file: cannot create {path}"), e))?;
        let session = CpuSession::start()
            .await
            .map_err(|e| ComponentError::with_source("save_to_file: cannot start CPU profiling", e))?;
        tracing::info!(extension = %self.id, "CPU profiling until shutdown; the profile goes to {path}");
        Ok(Some((session, path.clone())))
    }
}

#[async_trait]
impl Component for PprofExtension {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        match *state {
            State::Created => {}
            State::Running(_) => return Err(ComponentError::new("pprof extension already started")),
            State::Stopped => return Err(ComponentError::new("pprof extension was shut down")),
        }
        if RUNNING
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(ComponentError::new(
                "only a single pprof extension instance can be running per process",
            ));
        }
        match self.start_running().await {
            Ok(running) => {
                *state = State::Running(running);
                Ok(())
            }
            Err(e) => {
                RUNNING.store(false, Ordering::Release);
                Err(e)
            }
        }
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        let State::Running(running) = std::mem::replace(&mut *state, State::Stopped) else {
            return Ok(());
        };
        running.requests.cancel();
        let mut result = running.server.stop().await;
        if let Some((session, path)) = running.saving {
            let saved = match session.finish().await {
                Ok(profile) => tokio::fs::write(&path, profile).await.map_err(|e| {
                    ComponentError::with_source(format!("save_to_file: cannot write {path}"), e)
                }),
                Err(e) => Err(ComponentError::with_source(
                    "save_to_file: CPU profiling failed",
                    e,
                )),
            };
            match &saved {
                Ok(()) => tracing::info!(extension = %self.id, "CPU profile written to {path}"),
                Err(e) => tracing::error!(extension = %self.id, error = %e, "CPU profile not saved"),
            }
            result = result.and(saved);
        }
        RUNNING.store(false, Ordering::Release);
        result
    }
}

impl Extension for PprofExtension {}
