//! [`FileClient`]: one component's store, opened from a file in the
//! extension's directory.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use otelcol_component::{StorageClient, StorageError, StorageOp, async_trait};

use crate::log::{Log, TMP_SUFFIX, sibling};

/// With `fsync: false`, how often written data is fsynced.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);
/// Suffix of the lock file next to each store.
const LOCK_SUFFIX: &str = "~lock";

type State = Arc<Mutex<Option<Log>>>;

fn lock(s: &Mutex<Option<Log>>) -> MutexGuard<'_, Option<Log>> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// How a store is opened.
#[derive(Clone, Debug)]
pub(crate) struct OpenOptions {
    pub(crate) fsync: bool,
    pub(crate) lock_timeout: Duration,
    pub(crate) compact_on_start: bool,
    pub(crate) compact_min: u64,
}

/// A store file opened for one component.
#[derive(Debug)]
pub struct FileClient {
    path: PathBuf,
    state: State,
    /// Holds the advisory lock until the client is closed or dropped.
    lock_file: Mutex<Option<File>>,
}

#[cfg(unix)]
fn try_lock(f: &File) -> Result<bool, std::io::Error> {
    use rustix::fs::{FlockOperation, flock};
    match flock(f, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(unix))]
fn try_lock(_f: &File) -> Result<bool, std::io::Error> {
    Ok(true)
}

fn open_blocking(path: &Path, opts: &OpenOptions) -> Result<(File, Log), StorageError> {
    let lock_path = sibling(path, LOCK_SUFFIX);
    let lock_file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)?;
    let deadline = Instant::now() + opts.lock_timeout;
    while !try_lock(&lock_file)? {
        if Instant::now() >= deadline {
            return Err(StorageError::Other(format!(
                "{} is locked by another process (waited {:?}, `timeout`)",
                path.display(),
                opts.lock_timeout
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // A compaction cut short by a crash: the store itself is whole.
    let tmp = sibling(path, TMP_SUFFIX);
    if tmp.exists() {
        std::fs::remove_file(&tmp)?;
    }
    let (mut log, rec) = Log::open(path, opts.fsync, opts.compact_min)?;
    if rec.truncated > 0 {
        tracing::warn!(
            path = %path.display(),
            records = rec.records,
            truncated_bytes = rec.truncated,
            "storage file had a torn or corrupt tail (a crash during a write); it was cut off"
        );
    }
    if opts.compact_on_start {
        log.compact()?;
    }
    Ok((lock_file, log))
}

async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, StorageError> + Send + 'static,
) -> Result<R, StorageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Other(format!("storage task failed: {e}")))?
}

impl FileClient {
    /// Opens (creating if needed) the store at `path`, waiting for its lock.
    pub(crate) async fn open(path: PathBuf, opts: OpenOptions) -> Result<Arc<FileClient>, StorageError> {
        let p = path.clone();
        let o = opts.clone();
        let (lock_file, log) = blocking(move || open_blocking(&p, &o)).await?;
        let client = Arc::new(FileClient {
            path,
            state: Arc::new(Mutex::new(Some(log))),
            lock_file: Mutex::new(Some(lock_file)),
        });
        if !opts.fsync {
            tokio::spawn(sync_loop(Arc::downgrade(&client.state)));
        }
        Ok(client)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fsyncs and closes (what `close` does), without async.
    pub(crate) fn close_blocking(&self) -> Result<(), StorageError> {
        let synced = match lock(&self.state).take() {
            Some(mut log) => log.sync(),
            None => Ok(()),
        };
        // Closing the lock file releases the lock.
        self.lock_file.lock().unwrap_or_else(|p| p.into_inner()).take();
        Ok(synced?)
    }
}

/// Fsyncs the store every [`SYNC_INTERVAL`] until it is closed or dropped.
async fn sync_loop(state: Weak<Mutex<Option<Log>>>) {
    loop {
        tokio::time::sleep(SYNC_INTERVAL).await;
        let Some(state) = state.upgrade() else { return };
        let synced = tokio::task::spawn_blocking(move || match lock(&state).as_mut() {
            Some(log) => log.sync().map(|()| true),
            None => Ok(false),
        })
        .await;
        match synced {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) | Err(_) => return,
            Ok(Err(e)) => tracing::warn!(error = %e, "periodic fsync of a storage file failed"),
        }
    }
}

#[async_trait]
impl StorageClient for FileClient {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        // A map lookup: no I/O, no need for a blocking thread.
        match lock(&self.state).as_ref() {
            Some(log) => Ok(log.get(key).map(<[u8]>::to_vec)),
            None => Err(StorageError::Closed),
        }
    }

    async fn batch(&self, ops: Vec<StorageOp>) -> Result<(), StorageError> {
        let state = self.state.clone();
        blocking(move || match lock(&state).as_mut() {
            Some(log) => Ok(log.apply(ops)?),
            None => Err(StorageError::Closed),
        })
        .await
    }

    async fn close(&self) -> Result<(), StorageError> {
        let state = self.state.clone();
        let synced = blocking(move || match lock(&state).take() {
            Some(mut log) => Ok(log.sync()?),
            None => Ok(()),
        })
        .await;
        // Closing the lock file releases the lock.
        self.lock_file.lock().unwrap_or_else(|p| p.into_inner()).take();
        synced
    }
}
