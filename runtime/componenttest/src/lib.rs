//! # otelcol-componenttest
//!
//! The test kit for otelcol-rs components, in the spirit of the Go
//! collector's `consumertest` and `componenttest` packages:
//!
//! - [`Sink`] ([`TracesSink`], [`MetricsSink`], [`LogsSink`]): a consumer that keeps
//!   everything it is handed;
//! - [`Gate`]: a consumer that holds each call until the test opens it;
//! - [`ErrConsumer`]: a consumer that always fails with a given error;
//! - [`NopConsumer`]: a consumer that drops everything;
//! - [`NopHost`], [`StatusHost`] and [`nop_settings`]: what a component needs to be created and started;
//! - [`generate`]: realistic, deterministic traces, metrics and logs;
//! - [`check_processor_data`]-style contract checks for factories, and
//!   [`component_tests!`], which runs all that apply to a component in one line:
//!
//! ```ignore
//! // tests/contract.rs of a processor crate
//! otelcol_componenttest::component_tests!(
//!     processor: my_processor::factory(),
//!     config: "key: value",
//!     expect: SameItems,
//! );
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

use otelcol_component::{
    BuildInfo, Capabilities, Component, ComponentId, ComponentType, ConsumeError, Consumer, Consumers,
    Extension, Host, Kind, Logs, Metrics, Payload, Settings, StatusEvent, Traces, async_trait,
};

mod contract;
pub mod generate;
mod lifecycle;
pub use lifecycle::{
    DefaultConfig, Expect, check_connector_lifecycle, check_exporter_lifecycle, check_extension_lifecycle,
    check_factory, check_processor_data, check_processor_lifecycle, check_receiver_lifecycle,
    contract_pipeline, parse_config,
};

#[doc(hidden)]
pub mod __private {
    pub use crate::contract::*;
}

/// A consumer that stores every payload it receives.
pub struct Sink<T: Payload> {
    received: Mutex<Vec<T>>,
    notify: tokio::sync::Notify,
}

/// A sink for spans.
pub type TracesSink = Sink<Traces>;
/// A sink for metrics.
pub type MetricsSink = Sink<Metrics>;
/// A sink for logs.
pub type LogsSink = Sink<Logs>;

impl<T: Payload> Default for Sink<T> {
    fn default() -> Self {
        Sink {
            received: Mutex::new(Vec::new()),
            notify: tokio::sync::Notify::new(),
        }
    }
}

impl<T: Payload> fmt::Debug for Sink<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("item_count", &self.item_count())
            .finish()
    }
}

impl<T: Payload> Sink<T> {
    /// A new empty sink, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        self.received.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every payload received so far, in order.
    pub fn all(&self) -> Vec<T> {
        self.lock().clone()
    }

    /// Number of payloads received.
    pub fn payload_count(&self) -> usize {
        self.lock().len()
    }

    /// Number of items (spans, data points, log records) received.
    pub fn item_count(&self) -> usize {
        self.lock().iter().map(Payload::item_count).sum()
    }

    /// Forgets everything received.
    pub fn reset(&self) {
        self.lock().clear();
    }

    /// Waits until at least `items` items have arrived or `timeout` passes;
    /// returns whether they arrived.
    pub async fn wait_for_items(&self, items: usize, timeout: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.notify.notified();
            if self.item_count() >= items {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.item_count() >= items;
            }
        }
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for Sink<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        self.lock().push(data);
        self.notify.notify_waiters();
        Ok(())
    }
}

/// A consumer that accepts and drops everything.
pub struct NopConsumer<T>(PhantomData<fn(T)>);

impl<T> fmt::Debug for NopConsumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NopConsumer")
    }
}

impl<T: Payload> NopConsumer<T> {
    /// A new nop consumer, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(NopConsumer(PhantomData))
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for NopConsumer<T> {
    async fn consume(&self, _data: T) -> Result<(), ConsumeError> {
        Ok(())
    }
}

/// A downstream that holds each call until the test lets it through with
/// [`Gate::open`], then passes the payload to its [`Sink`]: for tests of
/// what happens while an export is in flight (back-pressure, batching,
/// shutdown).
#[derive(Debug)]
pub struct Gate<T: Payload> {
    permits: tokio::sync::Semaphore,
    arrived: std::sync::atomic::AtomicUsize,
    /// What got through.
    pub sink: Arc<Sink<T>>,
}

impl<T: Payload> Gate<T> {
    /// A closed gate, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Gate {
            permits: tokio::sync::Semaphore::new(0),
            arrived: std::sync::atomic::AtomicUsize::new(0),
            sink: Sink::new(),
        })
    }

    /// Lets `n` more calls through.
    pub fn open(&self, n: usize) {
        self.permits.add_permits(n);
    }

    /// Calls that arrived so far (held or through).
    pub fn arrived(&self) -> usize {
        self.arrived.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for Gate<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        self.arrived.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ConsumeError::retryable("gate closed"))?;
        permit.forget();
        self.sink.consume(data).await
    }
}

/// A consumer that fails every call with the same error.
#[derive(Debug)]
pub struct ErrConsumer {
    error: ConsumeError,
    mutates: bool,
    calls: std::sync::atomic::AtomicUsize,
}

impl ErrConsumer {
    /// Always fails with `error`.
    pub fn new(error: ConsumeError) -> Arc<Self> {
        Arc::new(ErrConsumer {
            error,
            mutates: false,
            calls: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// How many times `consume` was called.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Always fails with a permanent error.
    pub fn permanent() -> Arc<Self> {
        Self::new(ConsumeError::permanent("permanent test error"))
    }

    /// Always fails with a retryable error.
    pub fn retryable() -> Arc<Self> {
        Self::new(ConsumeError::retryable("retryable test error"))
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for ErrConsumer {
    async fn consume(&self, _data: T) -> Result<(), ConsumeError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Err(self.error.clone())
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            mutates_data: self.mutates,
        }
    }
}

/// A host with no extensions that ignores status reports.
#[derive(Debug, Default)]
pub struct NopHost;

impl NopHost {
    /// A new nop host, shared.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> Arc<dyn Host> {
        Arc::new(NopHost)
    }
}

impl Host for NopHost {
    fn extension(&self, _id: &ComponentId) -> Option<Arc<dyn Extension>> {
        None
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
}

/// A host with no extensions that records every status report, so a check
/// can tell whether a component reported an error.
#[derive(Debug, Default)]
pub struct StatusHost {
    events: Mutex<Vec<(ComponentId, Kind, StatusEvent)>>,
}

impl StatusHost {
    /// A new recording host, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(StatusHost::default())
    }

    /// Every status reported so far, in order.
    pub fn events(&self) -> Vec<(ComponentId, Kind, StatusEvent)> {
        self.events.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `Err` naming the first permanent or fatal error reported, if any.
    pub fn no_errors(&self) -> Result<(), String> {
        for (id, kind, event) in self.events() {
            if let StatusEvent::PermanentError(e) | StatusEvent::FatalError(e) = event {
                return Err(format!("{kind} {id} reported an error status: {e}"));
            }
        }
        Ok(())
    }
}

impl Host for StatusHost {
    fn extension(&self, _id: &ComponentId) -> Option<Arc<dyn Extension>> {
        None
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
    fn report_status(&self, id: &ComponentId, kind: Kind, event: StatusEvent) {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id.clone(), kind, event));
    }
}

/// Settings for a test component of type `ty` (no name).
///
/// A free TCP port on 127.0.0.1, reserved for the rest of this test
/// process: a socket bound to it with `SO_REUSEADDR` that never listens
/// stays open, so the kernel never hands the port to another `bind(0)` (no
/// other test, nor a process's own port-0 listener, can take it), while the
/// process the test starts binds it all the same (tokio's, std's and Go's
/// listeners set `SO_REUSEADDR`, and a socket that does not listen does not
/// conflict). Until it is bound, connecting is refused.
///
/// For a port that must be known before the process that serves it starts
/// (a config, a peer's flags); otherwise bind port 0 and read the address.
///
/// # Panics
/// If no loopback socket can be bound (a broken test machine).
pub fn reserved_port() -> u16 {
    static HELD: std::sync::Mutex<Vec<tokio::net::TcpSocket>> = std::sync::Mutex::new(Vec::new());
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind a loopback port");
    let port = socket.local_addr().expect("bound address").port();
    HELD.lock().unwrap_or_else(|p| p.into_inner()).push(socket);
    port
}

/// # Panics
/// If `ty` is not a valid component type (a test bug).
pub fn nop_settings(ty: &str, kind: Kind) -> Settings {
    #[allow(clippy::expect_used)]
    let ty = ComponentType::new(ty).expect("valid component type in test");
    Settings::new(ComponentId::new(ty), kind, BuildInfo::default())
}

/// Runs `start` on a runtime of its own, in a thread that lives as long as
/// the test process, and returns what it returned: for a backend shared by
/// the tests of one test binary (each of [`component_tests!`]'s tests runs
/// on its own runtime, so a backend started on one would die with it).
/// Keep the result in a `static OnceLock` to start the backend once.
///
/// # Panics
/// If no runtime can be built or `start` panics (a broken test setup).
pub fn background<T, F, Fut>(start: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T>,
    T: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        runtime(1).block_on(async move {
            let value = start().await;
            let _ = tx.send(value);
            std::future::pending::<()>().await;
        });
    });
    match rx.recv() {
        Ok(v) => v,
        Err(_) => panic!("the background task panicked before it was ready"),
    }
}

/// A multi-threaded runtime with `workers` threads and every driver.
///
/// # Panics
/// If the runtime cannot be built (a broken test environment).
pub(crate) fn runtime(workers: usize) -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("cannot build a runtime: {e}"),
    }
}

/// Consumers for every signal that accept and drop everything.
pub fn nop_consumers() -> Consumers {
    Consumers {
        traces: Some(NopConsumer::new()),
        metrics: Some(NopConsumer::new()),
        logs: Some(NopConsumer::new()),
    }
}

/// A loopback backend for exporter tests, shared by a test binary: `make`
/// builds a receiver-like component from [`nop_consumers`], it is started
/// with a [`NopHost`] on a [`background`] runtime and kept running, and
/// `addr` reads the address it bound (configure port 0).
///
/// # Panics
/// If the component does not start or reports no address.
pub fn loopback_backend<C, M, A>(make: M, addr: A) -> std::net::SocketAddr
where
    C: Component + 'static,
    M: FnOnce(Consumers) -> C + Send + 'static,
    A: FnOnce(&C) -> Option<std::net::SocketAddr> + Send + 'static,
{
    background(move || async move {
        let backend = make(nop_consumers());
        if let Err(e) = backend.start(NopHost::new()).await {
            panic!("backend did not start: {e}");
        }
        let Some(bound) = addr(&backend) else {
            panic!("backend reports no address");
        };
        // Runs for the rest of the test process.
        std::mem::forget(backend);
        bound
    })
}

/// A path under the system's temporary directory that no other call in
/// this process returns (`<prefix>-<pid>-<n>`); nothing is created.
pub fn unique_temp_path(prefix: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()))
}
