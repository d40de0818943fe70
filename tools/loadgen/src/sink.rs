//! `sink`: an OTLP/gRPC + OTLP/HTTP server that accepts everything and
//! counts items (spans, data points, log records) without decoding them.

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

use crate::count::count_items;
use crate::drive::grpc_frame;
use crate::request::Signal;

/// Items received so far, per signal.
#[derive(Default)]
pub(crate) struct Counters {
    traces: AtomicU64,
    metrics: AtomicU64,
    logs: AtomicU64,
    bad: AtomicU64,
}

impl Counters {
    fn of(&self, s: Signal) -> &AtomicU64 {
        match s {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        }
    }
    fn snapshot(&self) -> [u64; 4] {
        [&self.traces, &self.metrics, &self.logs, &self.bad].map(|c| c.load(Ordering::Relaxed))
    }
}

type Resp = http::Response<BoxBody<Bytes, Infallible>>;

fn signal_of(path: &str) -> Option<Signal> {
    if path.ends_with("/v1/traces") || path.contains(".trace.v1.TraceService/") {
        Some(Signal::Traces)
    } else if path.ends_with("/v1/metrics") || path.contains(".metrics.v1.MetricsService/") {
        Some(Signal::Metrics)
    } else if path.ends_with("/v1/logs") || path.contains(".logs.v1.LogsService/") {
        Some(Signal::Logs)
    } else {
        None
    }
}

fn gunzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out).ok()?;
    Some(out)
}

/// Items in the gRPC frames of `body` (each frame: flag, u32 length, message).
fn grpc_items(signal: Signal, mut body: &[u8]) -> Option<u64> {
    let mut n = 0;
    while !body.is_empty() {
        let flag = *body.first()?;
        let len = u32::from_be_bytes(body.get(1..5)?.try_into().ok()?) as usize;
        let msg = body.get(5..5 + len)?;
        n += if flag == 1 {
            count_items(signal, &gunzip(msg)?).ok()?
        } else {
            count_items(signal, msg).ok()?
        };
        body = body.get(5 + len..)?;
    }
    Some(n)
}

fn grpc_response(status: u32) -> Resp {
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from(status));
    let body = if status == 0 {
        grpc_frame(&[])
    } else {
        Bytes::new()
    };
    let mut resp = http::Response::new(
        Full::new(body)
            .with_trailers(async move { Some(Ok(trailers)) })
            .boxed(),
    );
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    resp
}

fn http_response(status: http::StatusCode) -> Resp {
    let mut resp = http::Response::new(Full::new(Bytes::new()).boxed());
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/x-protobuf"),
    );
    resp
}

async fn handle(req: http::Request<Incoming>, counters: Arc<Counters>) -> Result<Resp, Infallible> {
    let is_grpc = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    let gzip = req
        .headers()
        .get(http::header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() == b"gzip");
    let signal = signal_of(req.uri().path());
    let body = req.into_body().collect().await.map(|c| c.to_bytes());
    let items = match (signal, body) {
        (Some(s), Ok(b)) if is_grpc => grpc_items(s, &b),
        (Some(s), Ok(b)) if gzip => gunzip(&b).and_then(|d| count_items(s, &d).ok()),
        (Some(s), Ok(b)) => count_items(s, &b).ok(),
        _ => None,
    };
    match (signal, items) {
        (Some(s), Some(n)) => {
            counters.of(s).fetch_add(n, Ordering::Relaxed);
            Ok(if is_grpc {
                grpc_response(0)
            } else {
                http_response(http::StatusCode::OK)
            })
        }
        _ => {
            counters.bad.fetch_add(1, Ordering::Relaxed);
            Ok(if is_grpc {
                grpc_response(if signal.is_none() { 12 } else { 3 })
            } else if signal.is_none() {
                http_response(http::StatusCode::NOT_FOUND)
            } else {
                http_response(http::StatusCode::BAD_REQUEST)
            })
        }
    }
}

async fn serve(listener: tokio::net::TcpListener, counters: Arc<Counters>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let counters = counters.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(req, counters.clone()));
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http2()
                .initial_stream_window_size(4 << 20)
                .initial_connection_window_size(8 << 20)
                .max_frame_size(1 << 20);
            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

/// Serves on every address in `addrs` (each speaks both OTLP/gRPC and
/// OTLP/HTTP), printing items/s each second, until `duration` elapses (if
/// set) or SIGINT/SIGTERM, then prints `SINK_TOTAL ...`.
pub(crate) async fn run(addrs: &[SocketAddr], duration: Option<Duration>) -> std::io::Result<()> {
    let counters = Arc::new(Counters::default());
    for a in addrs {
        let l = tokio::net::TcpListener::bind(a).await?;
        println!("sink listening on {}", l.local_addr()?);
        tokio::spawn(serve(l, counters.clone()));
    }
    let start = Instant::now();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut last = counters.snapshot();
    let stop = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = counters.snapshot();
                if now != last {
                    println!(
                        "sink: {}/s traces, {}/s metrics, {}/s logs (totals {} / {} / {})",
                        now[0] - last[0], now[1] - last[1], now[2] - last[2], now[0], now[1], now[2]
                    );
                }
                last = now;
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            _ = &mut stop => break,
        }
    }
    let t = counters.snapshot();
    println!(
        "SINK_TOTAL traces={} metrics={} logs={} bad_requests={} seconds={:.3}",
        t[0],
        t[1],
        t[2],
        t[3],
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_signals() {
        assert_eq!(signal_of("/v1/traces"), Some(Signal::Traces));
        assert_eq!(
            signal_of("/opentelemetry.proto.collector.logs.v1.LogsService/Export"),
            Some(Signal::Logs)
        );
        assert_eq!(signal_of("/other"), None);
    }

    #[test]
    fn grpc_frames_are_counted() {
        let shape = crate::request::Shape {
            signal: Signal::Logs,
            items: 12,
            attributes: 3,
            resources: 2,
            distinct_series: false,
        };
        let msg = crate::request::encode(&shape, 5);
        let mut two = grpc_frame(&msg).to_vec();
        two.extend_from_slice(&grpc_frame(&msg));
        assert_eq!(grpc_items(Signal::Logs, &two), Some(24));
        assert_eq!(grpc_items(Signal::Logs, &two[..two.len() - 1]), None);
    }
}
