//! The `file_storage` extension: hands out [`FileClient`]s.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

use otelcol_component::{
    Component, ComponentError, ComponentId, Extension, Host, Kind, StorageClient, StorageError,
    StorageExtension, async_trait,
};

use crate::client::{FileClient, OpenOptions};
use crate::config::Config;
use crate::log::DEFAULT_COMPACT_MIN;
use crate::name::file_name;

/// The `file_storage` extension.
#[derive(Debug)]
pub struct FileStorage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cfg: Config,
    /// Clients handed out, closed at shutdown if their owner did not.
    clients: Mutex<Vec<Weak<FileClient>>>,
}

impl FileStorage {
    /// An extension serving stores from `cfg.directory`.
    pub fn new(cfg: Config) -> Self {
        FileStorage {
            inner: Arc::new(Inner {
                cfg,
                clients: Mutex::new(Vec::new()),
            }),
        }
    }
}

#[async_trait]
impl StorageExtension for Inner {
    async fn client(
        &self,
        kind: Kind,
        id: &ComponentId,
        name: &str,
    ) -> Result<Arc<dyn StorageClient>, StorageError> {
        let path: PathBuf = self.cfg.directory.join(file_name(kind, id, name));
        let opts = OpenOptions {
            fsync: self.cfg.fsync,
            lock_timeout: self.cfg.timeout,
            compact_on_start: self.cfg.compaction.on_start,
            compact_min: DEFAULT_COMPACT_MIN,
        };
        let client = FileClient::open(path, opts).await?;
        tracing::debug!(path = %client.path().display(), "opened storage");
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.retain(|c| c.strong_count() > 0);
        clients.push(Arc::downgrade(&client));
        Ok(client)
    }
}

#[async_trait]
impl Component for FileStorage {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let dir = self.inner.cfg.directory.clone();
        if dir.is_dir() {
            return Ok(());
        }
        if !self.inner.cfg.create_directory {
            return Err(ComponentError::new(format!(
                "directory must exist: {} (set `create_directory: true` to create it)",
                dir.display()
            )));
        }
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(self.inner.cfg.directory_permissions.mode().unwrap_or(0o750));
        }
        b.create(&dir)
            .map_err(|e| ComponentError::new(format!("cannot create directory {}: {e}", dir.display())))
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let clients: Vec<Arc<FileClient>> =
            std::mem::take(&mut *self.inner.clients.lock().unwrap_or_else(|p| p.into_inner()))
                .iter()
                .filter_map(Weak::upgrade)
                .collect();
        // Fsyncs: off the async threads.
        let closed = tokio::task::spawn_blocking(move || {
            for c in clients {
                if let Err(e) = c.close_blocking() {
                    tracing::warn!(path = %c.path().display(), error = %e, "closing a storage file failed");
                }
            }
        })
        .await;
        closed.map_err(|e| ComponentError::new(format!("closing storage files failed: {e}")))
    }
}

impl Extension for FileStorage {
    fn storage(&self) -> Option<Arc<dyn StorageExtension>> {
        Some(self.inner.clone())
    }
}
