//! The scrape endpoint: hyper (HTTP/1.1 and h2c) serving `/metrics` with
//! content negotiation and gzip, stopped gracefully on shutdown.

use std::convert::Infallible;
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use otelcol_prometheus::Accumulator;
use otelcol_prometheus::expfmt::{self, Format};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::METRICS_PATH;

/// Pages larger than this are rendered and compressed on a blocking thread.
const BLOCKING_SERIES: usize = 5_000;
/// Limit on reading request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// What a scrape needs.
#[derive(Debug)]
pub(crate) struct Scrape {
    pub accumulator: Arc<Accumulator>,
    pub open_metrics: bool,
    pub timestamps: bool,
}

/// Binds `host:port`: an empty host is every interface, `localhost` is
/// 127.0.0.1, a name is resolved and its addresses tried in turn.
pub(crate) async fn bind(endpoint: &str) -> io::Result<TcpListener> {
    let (host, port) = endpoint.rsplit_once(':').ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{endpoint:?}: expected host:port"),
        )
    })?;
    let port: u16 = port.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{endpoint:?}: invalid port {port:?}"),
        )
    })?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = match host {
        "" => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        h if h.eq_ignore_ascii_case("localhost") => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        h => h.parse().ok(),
    };
    if let Some(ip) = ip {
        return TcpListener::bind(SocketAddr::new(ip, port)).await;
    }
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{host:?} resolved to no address"),
    );
    for addr in tokio::net::lookup_host((host, port)).await? {
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) => last = e,
        }
    }
    Err(last)
}

type HttpResponse = Response<Full<Bytes>>;

fn plain(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn gzip(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc =
        flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
    enc.write_all(body)?;
    enc.finish()
}

/// Renders (and compresses) a page.
fn page(scrape: &Scrape, format: Format, compress: bool) -> (Vec<u8>, bool) {
    let body = expfmt::render(&scrape.accumulator.snapshot(), format, scrape.timestamps);
    if compress {
        match gzip(&body) {
            Ok(z) => return (z, true),
            Err(e) => tracing::debug!(error = %e, "gzip failed; sending the page uncompressed"),
        }
    }
    (body, false)
}

async fn handle(scrape: Arc<Scrape>, req: Request<Incoming>) -> HttpResponse {
    if req.uri().path() != METRICS_PATH {
        return plain(StatusCode::NOT_FOUND, "404 page not found\n");
    }
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let format = expfmt::negotiate(header(ACCEPT), scrape.open_metrics);
    let compress = header(ACCEPT_ENCODING).is_some_and(|v| {
        v.split(',').any(|e| {
            e.split(';')
                .next()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"))
        })
    });
    let (body, gzipped) = if scrape.accumulator.series_count() > BLOCKING_SERIES {
        let s = scrape.clone();
        match tokio::task::spawn_blocking(move || page(&s, format, compress)).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "rendering the scrape page failed");
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "rendering failed\n");
            }
        }
    } else {
        page(&scrape, format, compress)
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if gzipped {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}

/// Serves scrapes on `listener` until `shutdown`; then stops accepting and
/// lets in-flight scrapes finish.
pub(crate) async fn serve(scrape: Arc<Scrape>, listener: TcpListener, shutdown: CancellationToken) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Some(HEADER_READ_TIMEOUT));
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::debug!(error = %e, "prometheus exporter failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let scrape = scrape.clone();
        let svc = service_fn(move |req: Request<Incoming>| {
            let scrape = scrape.clone();
            async move { Ok::<_, Infallible>(handle(scrape, req).await) }
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), svc).into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "scrape connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
