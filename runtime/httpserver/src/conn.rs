//! Connection hygiene shared by every server built on hyper: a bound on the
//! connections open on one listener ([`ConnectionGate`], [`accept_loop`]) and
//! a watchdog per connection ([`drive`]) that closes it when it never sends a
//! first request, sits idle between requests, or grows too old.
//!
//! A connection is *idle* while no request is in flight on it: from the
//! accept (or the end of its last request) until a request's headers have
//! arrived. [`Activity::track`] wraps the connection's service to see that;
//! it can also bound how long one request may take to be answered. Every
//! close starts gracefully (HTTP/1.1: close when idle; HTTP/2: `GOAWAY`); a
//! connection that then stays idle for [`CLOSE_LINGER`] (a half-sent request,
//! a client that never reads) is dropped.

use std::future::{Future, pending};
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hyper_util::server::graceful::GracefulConnection;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The default bound on connections open on one listener (`max_connections`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Once a connection is being closed gracefully, how long it may stay idle
/// (no request in flight) before it is dropped.
pub const CLOSE_LINGER: Duration = Duration::from_secs(2);
/// At most one refusal warning per listener per this interval.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// `d`, or `None` when it is zero (Go's "0 means no limit").
pub fn nonzero(d: Duration) -> Option<Duration> {
    (!d.is_zero()).then_some(d)
}

/// Per-connection time limits; `None` means no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a new connection may take to deliver its first request
    /// (HTTP/1: the request headers; HTTP/2: the first stream's headers).
    pub first_request_timeout: Option<Duration>,
    /// How long a connection that has served a request may stay idle.
    pub idle_timeout: Option<Duration>,
    /// How long one request may take from its headers to its response; past
    /// it the request is abandoned and the connection (HTTP/1) or the stream
    /// (HTTP/2) is closed without a response.
    pub request_timeout: Option<Duration>,
    /// Close the connection gracefully once it is this old.
    pub max_age: Option<Duration>,
    /// After `max_age`, drop the connection this much later even if requests
    /// are still in flight. `None`: wait for them.
    pub max_age_grace: Option<Duration>,
}

/// The requests of one connection, as its watchdog sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Load {
    in_flight: usize,
    served: u64,
}

/// What one connection's requests are doing: shared by the service that
/// [`Activity::track`] wraps and by [`drive`].
#[derive(Clone, Debug)]
pub struct Activity {
    tx: Arc<watch::Sender<Load>>,
}

impl Default for Activity {
    fn default() -> Self {
        Activity::new()
    }
}

impl Activity {
    /// A connection with no request yet.
    pub fn new() -> Self {
        Activity {
            tx: Arc::new(watch::Sender::new(Load::default())),
        }
    }

    /// Wraps the connection's service so that its requests are seen, and
    /// answered within `request_timeout` when set.
    pub fn track<S>(&self, inner: S, request_timeout: Option<Duration>) -> Tracked<S> {
        Tracked {
            inner,
            activity: self.clone(),
            request_timeout,
        }
    }

    fn begin(&self) -> InFlight {
        self.tx.send_modify(|l| l.in_flight += 1);
        InFlight(self.tx.clone())
    }
}

/// One request in flight; ends when dropped.
struct InFlight(Arc<watch::Sender<Load>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|l| {
            l.in_flight = l.in_flight.saturating_sub(1);
            l.served += 1;
        });
    }
}

/// The error of a request not answered within its limit.
#[derive(Debug, thiserror::Error)]
#[error("request not answered within {timeout:?}")]
pub struct RequestTimeout {
    /// The limit that passed.
    pub timeout: Duration,
}

/// The boxed error of a [`Tracked`] service.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A hyper service whose requests are counted in an [`Activity`].
#[derive(Clone, Debug)]
pub struct Tracked<S> {
    inner: S,
    activity: Activity,
    request_timeout: Option<Duration>,
}

impl<S, R> hyper::service::Service<R> for Tracked<S>
where
    S: hyper::service::Service<R>,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn call(&self, req: R) -> Self::Future {
        let in_flight = self.activity.begin();
        let answer = self.inner.call(req);
        let limit = self.request_timeout;
        Box::pin(async move {
            let _in_flight = in_flight;
            match limit {
                None => answer.await.map_err(Into::into),
                Some(timeout) => match tokio::time::timeout(timeout, answer).await {
                    Ok(r) => r.map_err(Into::into),
                    Err(_) => Err(RequestTimeout { timeout }.into()),
                },
            }
        })
    }
}

/// Resolves once the connection has been idle for its limit: `first` while
/// it has served nothing, `then` afterwards. Never resolves without a limit.
async fn idle_for(rx: &mut watch::Receiver<Load>, first: Option<Duration>, then: Option<Duration>) {
    loop {
        let load = *rx.borrow_and_update();
        let limit = match load {
            Load { in_flight: 1.., .. } => None,
            Load { served: 0, .. } => first,
            _ => then,
        };
        let changed = async {
            if rx.changed().await.is_err() {
                pending::<()>().await;
            }
        };
        match limit {
            None => changed.await,
            Some(limit) => {
                tokio::select! {
                    () = tokio::time::sleep(limit) => return,
                    () = changed => {}
                }
            }
        }
    }
}

/// Why [`drive`] closed a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Close {
    FirstRequest,
    Idle,
    Age,
    Shutdown,
}

/// Serves `conn` until it ends, closing it when a limit of `limits` passes
/// or `shutdown` is cancelled: gracefully first, then, once it has been idle
/// for [`CLOSE_LINGER`] (or after `max_age_grace`), by dropping it.
pub async fn drive<C>(
    conn: C,
    activity: &Activity,
    limits: &ConnectionLimits,
    shutdown: &CancellationToken,
) -> Result<(), C::Error>
where
    C: GracefulConnection,
{
    let mut conn = pin!(conn);
    let mut rx = activity.tx.subscribe();
    let mut closing: Option<Close> = None;
    let mut force_at: Option<tokio::time::Instant> = None;
    let mut aged = false;
    let max_age = limits.max_age;
    let mut age = pin!(async move {
        match max_age {
            Some(age) => tokio::time::sleep(age).await,
            None => pending().await,
        }
    });
    loop {
        let (first, then) = match closing {
            Some(_) => (Some(CLOSE_LINGER), Some(CLOSE_LINGER)),
            None => (limits.first_request_timeout, limits.idle_timeout),
        };
        let served = rx.borrow().served;
        let force = async {
            match force_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => pending().await,
            }
        };
        let reason = tokio::select! {
            r = conn.as_mut() => return r,
            () = idle_for(&mut rx, first, then) => {
                if let Some(reason) = closing {
                    tracing::debug!(?reason, "dropping a connection that stayed idle after being asked to close");
                    return Ok(());
                }
                if served == 0 { Close::FirstRequest } else { Close::Idle }
            }
            () = shutdown.cancelled(), if closing.is_none() => Close::Shutdown,
            () = &mut age, if !aged => {
                aged = true;
                if let Some(grace) = limits.max_age_grace {
                    force_at = Some(tokio::time::Instant::now() + grace);
                }
                if closing.is_some() {
                    continue;
                }
                Close::Age
            }
            () = force => {
                tracing::debug!("dropping a connection still busy after max_connection_age_grace");
                return Ok(());
            }
        };
        tracing::debug!(?reason, "closing a connection");
        conn.as_mut().graceful_shutdown();
        closing = Some(reason);
    }
}

/// A bound on the connections open on one listener. Over it, a new
/// connection is closed at once, and a warning (at most one per 10 s) counts
/// the refusals.
#[derive(Clone, Debug)]
pub struct ConnectionGate {
    inner: Arc<GateInner>,
}

#[derive(Debug)]
struct GateInner {
    server: String,
    max: usize,
    permits: Arc<Semaphore>,
    refused: AtomicU64,
    /// When the last warning was written, and the refusal count then.
    logged: Mutex<Option<(Instant, u64)>>,
}

impl ConnectionGate {
    /// A gate for `server` (named in the warnings) admitting at most
    /// `max_connections` connections at a time; 0 means no bound.
    pub fn new(server: impl Into<String>, max_connections: usize) -> Self {
        let max = match max_connections {
            0 => Semaphore::MAX_PERMITS,
            n => n.min(Semaphore::MAX_PERMITS),
        };
        ConnectionGate {
            inner: Arc::new(GateInner {
                server: server.into(),
                max,
                permits: Arc::new(Semaphore::new(max)),
                refused: AtomicU64::new(0),
                logged: Mutex::new(None),
            }),
        }
    }

    /// A permit for one more connection (held while it is open), or `None`
    /// when the bound is reached; the refusal is counted and logged.
    pub fn try_admit(&self, peer: SocketAddr) -> Option<OwnedSemaphorePermit> {
        if let Ok(permit) = self.inner.permits.clone().try_acquire_owned() {
            return Some(permit);
        }
        let total = self.inner.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let now = Instant::now();
        let mut logged = self.inner.logged.lock().unwrap_or_else(PoisonError::into_inner);
        let (due, before) = match *logged {
            None => (true, 0),
            Some((at, count)) => (now.duration_since(at) >= REFUSAL_LOG_INTERVAL, count),
        };
        if due {
            *logged = Some((now, total));
            tracing::warn!(
                server = %self.inner.server,
                %peer,
                max_connections = self.inner.max,
                refused_total = total,
                "{}: refused {} connection(s) since the last warning: {} connections are open (max_connections)",
                self.inner.server,
                total - before,
                self.inner.max,
            );
        }
        None
    }

    /// Connections refused so far.
    pub fn refused(&self) -> u64 {
        self.inner.refused.load(Ordering::Relaxed)
    }
}

/// Accepts connections on `listener` until `shutdown` is cancelled, each
/// admitted by `gate` and served by `serve` in its own task (which should
/// watch `shutdown` itself, e.g. through [`drive`]). Then stops accepting and
/// waits for the connections to end: for at most `drain` when set, after
/// which the rest are dropped.
pub async fn accept_loop<F, Fut>(
    listener: TcpListener,
    gate: ConnectionGate,
    shutdown: CancellationToken,
    drain: Option<Duration>,
    mut serve: F,
) where
    F: FnMut(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut conns = JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::debug!(server = %gate.inner.server, error = %e, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let Some(permit) = gate.try_admit(peer) else {
            drop(stream);
            continue;
        };
        let conn = serve(stream, peer);
        conns.spawn(async move {
            let _permit = permit;
            conn.await;
        });
    }
    drop(listener);
    let all = async { while conns.join_next().await.is_some() {} };
    match drain {
        None => all.await,
        Some(limit) => {
            if tokio::time::timeout(limit, all).await.is_err() {
                tracing::debug!(server = %gate.inner.server, "connections still open after {limit:?}; closing them");
                conns.shutdown().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;
    use http::{Request, Response};
    use http_body_util::Full;
    use hyper::body::Incoming;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;
    use crate::server::{Handler, HttpResponse, HttpServer, ServerOptions};

    struct Ok200;

    impl Handler for Ok200 {
        async fn handle(&self, _req: Request<Incoming>) -> HttpResponse {
            Response::new(Full::new(Bytes::from_static(b"ok")))
        }
    }

    /// Reads until EOF, failing after 10 s; returns what was read.
    async fn read_to_eof(s: &mut TcpStream) -> Vec<u8> {
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
            .await
            .expect("the server did not close the connection within 10 s")
            .unwrap_or_default();
        out
    }

    async fn server(limits: ConnectionLimits, max_connections: usize) -> HttpServer {
        let options = ServerOptions {
            limits,
            max_connections,
            tls: None,
        };
        HttpServer::start_with("127.0.0.1:0", Arc::new(Ok200), options)
            .await
            .unwrap()
    }

    const SHORT: ConnectionLimits = ConnectionLimits {
        first_request_timeout: Some(Duration::from_millis(300)),
        idle_timeout: Some(Duration::from_millis(300)),
        request_timeout: None,
        max_age: None,
        max_age_grace: None,
    };

    #[tokio::test]
    async fn silent_and_half_sent_connections_are_closed() {
        let srv = server(SHORT, 0).await;
        let mut silent = TcpStream::connect(srv.local_addr()).await.unwrap();
        let mut half = TcpStream::connect(srv.local_addr()).await.unwrap();
        half.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        let mut preface = TcpStream::connect(srv.local_addr()).await.unwrap();
        preface
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .await
            .unwrap();
        assert!(read_to_eof(&mut silent).await.is_empty());
        assert!(read_to_eof(&mut half).await.is_empty());
        read_to_eof(&mut preface).await;
        srv.stop().await.unwrap();
    }

    #[tokio::test]
    async fn keep_alive_connections_close_when_idle() {
        let srv = server(SHORT, 0).await;
        let mut s = TcpStream::connect(srv.local_addr()).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let answer = read_to_eof(&mut s).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
        srv.stop().await.unwrap();
    }

    #[tokio::test]
    async fn slow_requests_are_answered_while_in_flight() {
        struct Slow;
        impl Handler for Slow {
            async fn handle(&self, _req: Request<Incoming>) -> HttpResponse {
                tokio::time::sleep(Duration::from_millis(800)).await;
                Response::new(Full::new(Bytes::from_static(b"late")))
            }
        }
        let options = ServerOptions {
            limits: SHORT,
            max_connections: 0,
            tls: None,
        };
        let srv = HttpServer::start_with("127.0.0.1:0", Arc::new(Slow), options)
            .await
            .unwrap();
        let mut s = TcpStream::connect(srv.local_addr()).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let answer = read_to_eof(&mut s).await;
        assert!(String::from_utf8_lossy(&answer).ends_with("late"));
        srv.stop().await.unwrap();
    }

    #[tokio::test]
    async fn request_timeout_closes_without_an_answer() {
        struct Never;
        impl Handler for Never {
            async fn handle(&self, _req: Request<Incoming>) -> HttpResponse {
                pending().await
            }
        }
        let limits = ConnectionLimits {
            request_timeout: Some(Duration::from_millis(200)),
            ..SHORT
        };
        let options = ServerOptions {
            limits,
            max_connections: 0,
            tls: None,
        };
        let srv = HttpServer::start_with("127.0.0.1:0", Arc::new(Never), options)
            .await
            .unwrap();
        let mut s = TcpStream::connect(srv.local_addr()).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let answer = read_to_eof(&mut s).await;
        assert!(!String::from_utf8_lossy(&answer).contains("200"));
        srv.stop().await.unwrap();
    }

    #[tokio::test]
    async fn connections_over_the_bound_are_closed() {
        let limits = ConnectionLimits {
            first_request_timeout: Some(Duration::from_secs(30)),
            ..SHORT
        };
        let srv = server(limits, 1).await;
        let _held = TcpStream::connect(srv.local_addr()).await.unwrap();
        // Give the server time to accept the first one.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut refused = TcpStream::connect(srv.local_addr()).await.unwrap();
        assert!(read_to_eof(&mut refused).await.is_empty());
        srv.stop().await.unwrap();
    }

    #[test]
    fn gate_counts_refusals_and_frees_slots() {
        let gate = ConnectionGate::new("test", 2);
        let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let a = gate.try_admit(peer).unwrap();
        let _b = gate.try_admit(peer).unwrap();
        assert!(gate.try_admit(peer).is_none());
        assert!(gate.try_admit(peer).is_none());
        assert_eq!(gate.refused(), 2);
        drop(a);
        assert!(gate.try_admit(peer).is_some());
        assert_eq!(nonzero(Duration::ZERO), None);
    }

    #[tokio::test]
    async fn max_age_closes_busy_connections_after_the_grace() {
        let limits = ConnectionLimits {
            max_age: Some(Duration::from_millis(100)),
            max_age_grace: Some(Duration::from_millis(100)),
            ..ConnectionLimits::default()
        };
        struct Never;
        impl Handler for Never {
            async fn handle(&self, _req: Request<Incoming>) -> HttpResponse {
                pending().await
            }
        }
        let options = ServerOptions {
            limits,
            max_connections: 0,
            tls: None,
        };
        let srv = HttpServer::start_with("127.0.0.1:0", Arc::new(Never), options)
            .await
            .unwrap();
        let mut s = TcpStream::connect(srv.local_addr()).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        read_to_eof(&mut s).await;
        srv.stop().await.unwrap();
    }
}
