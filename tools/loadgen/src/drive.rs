//! The load driver: sends pre-encoded requests over OTLP/HTTP or OTLP/gRPC
//! and records what the collector accepted.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::hist::Histogram;
use crate::request::{self, Shape, Signal};

/// Wire protocol of the load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Protocol {
    /// OTLP/gRPC (HTTP/2 without TLS).
    Grpc,
    /// OTLP/HTTP with protobuf bodies (HTTP/1.1 keep-alive).
    Http,
}

/// What to send and how.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// Request shape.
    pub shape: Shape,
    /// Protocol.
    pub protocol: Protocol,
    /// `host:port` of the receiver.
    pub endpoint: String,
    /// Connections to open.
    pub connections: usize,
    /// Concurrent requests per connection (gRPC only; HTTP/1.1 sends one at a time).
    pub streams: usize,
    /// Items per second over all connections; 0 means flat out.
    pub rate: u64,
    /// Stop starting requests after this long.
    pub duration: Duration,
    /// Stop after this many requests (if set).
    pub requests: Option<u64>,
    /// Distinct pre-encoded requests to rotate through.
    pub variants: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Send gzip-compressed bodies (`Content-Encoding` / `grpc-encoding: gzip`),
    /// compressed once up front like the rest of the pre-encoded requests.
    pub gzip: bool,
}

/// Outcome of a run.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Wall time from the first request to the last answer.
    pub elapsed: Duration,
    /// Requests answered with success.
    pub ok_requests: u64,
    /// Items in successful requests, minus those the answer reports rejected.
    pub accepted_items: u64,
    /// Items reported rejected in partial-success answers.
    pub rejected_items: u64,
    /// Failed requests by status (`http 503`, `grpc 14`, `timeout`, ...).
    pub errors: BTreeMap<String, u64>,
    /// Latency of successful requests in microseconds.
    pub latency: Histogram,
    /// Encoded bytes of one request (the first variant).
    pub request_bytes: usize,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn path(protocol: Protocol, signal: Signal) -> &'static str {
    match (protocol, signal) {
        (Protocol::Http, Signal::Traces) => "/v1/traces",
        (Protocol::Http, Signal::Metrics) => "/v1/metrics",
        (Protocol::Http, Signal::Logs) => "/v1/logs",
        (Protocol::Grpc, Signal::Traces) => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        (Protocol::Grpc, Signal::Metrics) => {
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
        }
        (Protocol::Grpc, Signal::Logs) => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

/// Adds the 5-byte gRPC message prefix (uncompressed).
pub(crate) fn grpc_frame(msg: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(msg.len() + 5);
    b.put_u8(0);
    b.put_u32(u32::try_from(msg.len()).unwrap_or(u32::MAX));
    b.put_slice(msg);
    b.freeze()
}

/// Adds the 5-byte gRPC message prefix of a compressed message.
fn grpc_frame_compressed(msg: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(msg.len() + 5);
    b.put_u8(1);
    b.put_u32(u32::try_from(msg.len()).unwrap_or(u32::MAX));
    b.put_slice(msg);
    b.freeze()
}

/// `msg` gzip-compressed (default level, as Go's exporters send).
fn gzip(msg: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc =
        flate2::write::GzEncoder::new(Vec::with_capacity(msg.len() / 4), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(msg);
    enc.finish().unwrap_or_default()
}

/// Rejected items in an export response: `partial_success` (field 1) →
/// `rejected_*` (field 1), the same layout for every signal.
fn rejected(body: &[u8]) -> u64 {
    use otelcol_component::proto::collector::trace::v1::ExportTraceServiceResponse;
    use prost::Message;
    ExportTraceServiceResponse::decode(body)
        .ok()
        .and_then(|r| r.partial_success)
        .map_or(0, |p| u64::try_from(p.rejected_spans).unwrap_or(0))
}

enum Outcome {
    Ok { rejected: u64 },
    Err(String),
}

async fn send(client: &HttpClient, plan: &Plan, uri: &http::Uri, body: Bytes) -> Outcome {
    let ct = match plan.protocol {
        Protocol::Grpc => "application/grpc",
        Protocol::Http => "application/x-protobuf",
    };
    let mut req = http::Request::post(uri.clone()).header(http::header::CONTENT_TYPE, ct);
    if plan.protocol == Protocol::Grpc {
        req = req.header(http::header::TE, "trailers");
    }
    if plan.gzip {
        req = match plan.protocol {
            Protocol::Grpc => req.header("grpc-encoding", "gzip"),
            Protocol::Http => req.header(http::header::CONTENT_ENCODING, "gzip"),
        };
    }
    let req = match req.body(Full::new(body)) {
        Ok(r) => r,
        Err(e) => return Outcome::Err(format!("request: {e}")),
    };
    let resp = match tokio::time::timeout(plan.timeout, client.request(req)).await {
        Err(_) => return Outcome::Err("timeout".into()),
        Ok(Err(e)) => return Outcome::Err(format!("transport: {e}")),
        Ok(Ok(r)) => r,
    };
    let (parts, body) = resp.into_parts();
    let collected = match tokio::time::timeout(plan.timeout, body.collect()).await {
        Err(_) => return Outcome::Err("timeout".into()),
        Ok(Err(e)) => return Outcome::Err(format!("body: {e}")),
        Ok(Ok(c)) => c,
    };
    match plan.protocol {
        Protocol::Http if parts.status == http::StatusCode::OK => Outcome::Ok {
            rejected: rejected(&collected.to_bytes()),
        },
        Protocol::Http => Outcome::Err(format!("http {}", parts.status.as_u16())),
        Protocol::Grpc => {
            let status = collected
                .trailers()
                .and_then(|t| t.get("grpc-status"))
                .or_else(|| parts.headers.get("grpc-status"))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            match status.as_deref() {
                Some("0") => {
                    let bytes = collected.to_bytes();
                    Outcome::Ok {
                        rejected: bytes.get(5..).map_or(0, rejected),
                    }
                }
                Some(code) => Outcome::Err(format!("grpc {code}")),
                None => Outcome::Err(format!("grpc no status (http {})", parts.status.as_u16())),
            }
        }
    }
}

struct Shared {
    plan: Plan,
    bodies: Vec<Bytes>,
    uri: http::Uri,
    next: AtomicU64,
    start: Instant,
}

async fn worker(client: HttpClient, shared: Arc<Shared>) -> Report {
    let plan = &shared.plan;
    let items = plan.shape.items as u64;
    let interval = (plan.rate > 0).then(|| Duration::from_secs_f64(items as f64 / plan.rate as f64));
    let deadline = shared.start + plan.duration;
    let mut report = Report::default();
    loop {
        let slot = shared.next.fetch_add(1, Ordering::Relaxed);
        if plan.requests.is_some_and(|max| slot >= max) {
            break;
        }
        if let Some(iv) = interval {
            let at = shared.start + iv.mul_f64(slot as f64);
            if at >= deadline && plan.requests.is_none() {
                break;
            }
            tokio::time::sleep_until(at.into()).await;
        }
        if plan.requests.is_none() && Instant::now() >= deadline {
            break;
        }
        let idx = usize::try_from(slot).unwrap_or(0) % shared.bodies.len().max(1);
        let Some(body) = shared.bodies.get(idx).cloned() else {
            break;
        };
        let t0 = Instant::now();
        match send(&client, plan, &shared.uri, body).await {
            Outcome::Ok { rejected } => {
                report
                    .latency
                    .record(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
                report.ok_requests += 1;
                report.rejected_items += rejected.min(items);
                report.accepted_items += items - rejected.min(items);
            }
            Outcome::Err(key) => *report.errors.entry(key).or_default() += 1,
        }
    }
    report
}

/// Error before any request is sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PlanError {
    /// The endpoint does not form a valid URI.
    #[error("bad endpoint {0:?}: {1}")]
    Endpoint(String, String),
}

/// Runs `plan` to completion.
pub(crate) async fn run(plan: Plan) -> Result<Report, PlanError> {
    let variants = plan.variants.max(1);
    let bodies: Vec<Bytes> = (0..variants)
        .map(|v| {
            let msg = request::encode(&plan.shape, 0x9E37_79B9_7F4A_7C15 ^ (v as u64 + 1));
            match (plan.protocol, plan.gzip) {
                (Protocol::Grpc, false) => grpc_frame(&msg),
                (Protocol::Grpc, true) => grpc_frame_compressed(&gzip(&msg)),
                (Protocol::Http, false) => Bytes::from(msg),
                (Protocol::Http, true) => Bytes::from(gzip(&msg)),
            }
        })
        .collect();
    let request_bytes = bodies.first().map_or(0, |b| b.len());
    let host = plan.endpoint.trim_start_matches("http://").trim_end_matches('/');
    let uri: http::Uri = format!("http://{host}{}", path(plan.protocol, plan.shape.signal))
        .parse()
        .map_err(|e: http::uri::InvalidUri| PlanError::Endpoint(plan.endpoint.clone(), e.to_string()))?;
    let per_conn = match plan.protocol {
        Protocol::Grpc => plan.streams.max(1),
        Protocol::Http => 1,
    };
    let shared = Arc::new(Shared {
        plan: plan.clone(),
        bodies,
        uri,
        next: AtomicU64::new(0),
        start: Instant::now(),
    });
    let mut tasks = Vec::new();
    for _ in 0..plan.connections.max(1) {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let mut builder = Client::builder(TokioExecutor::new());
        builder.pool_max_idle_per_host(1);
        if plan.protocol == Protocol::Grpc {
            builder.http2_only(true);
            builder.http2_initial_stream_window_size(Some(4 << 20));
            builder.http2_initial_connection_window_size(Some(8 << 20));
        }
        let client: HttpClient = builder.build(connector);
        for _ in 0..per_conn {
            tasks.push(tokio::spawn(worker(client.clone(), shared.clone())));
        }
    }
    let mut total = Report {
        request_bytes,
        ..Report::default()
    };
    for t in tasks {
        if let Ok(r) = t.await {
            total.ok_requests += r.ok_requests;
            total.accepted_items += r.accepted_items;
            total.rejected_items += r.rejected_items;
            total.latency.merge(&r.latency);
            for (k, v) in r.errors {
                *total.errors.entry(k).or_default() += v;
            }
        }
    }
    total.elapsed = shared.start.elapsed();
    Ok(total)
}

impl Report {
    /// Accepted items per second of wall time.
    pub(crate) fn items_per_sec(&self) -> f64 {
        self.accepted_items as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Prints the human summary and one `RESULT key=value ...` line for scripts.
    pub(crate) fn print(&self, plan: &Plan) {
        let ms = |q: f64| self.latency.quantile(q) as f64 / 1000.0;
        let errors: u64 = self.errors.values().sum();
        println!(
            "{:?} over {:?}: {} conn x {} streams, {} items/request ({} bytes), {:.2} s",
            plan.shape.signal,
            plan.protocol,
            plan.connections,
            if plan.protocol == Protocol::Grpc {
                plan.streams
            } else {
                1
            },
            plan.shape.items,
            self.request_bytes,
            self.elapsed.as_secs_f64()
        );
        println!(
            "  accepted {} items in {} requests: {:.0} items/s; rejected {}",
            self.accepted_items,
            self.ok_requests,
            self.items_per_sec(),
            self.rejected_items
        );
        println!(
            "  latency ms ({} samples): p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
            self.latency.count(),
            ms(0.5),
            ms(0.9),
            ms(0.99),
            ms(1.0)
        );
        for (k, v) in &self.errors {
            println!("  error {k}: {v} requests");
        }
        println!(
            "RESULT items={} seconds={:.3} items_per_s={:.0} p50_ms={:.2} p90_ms={:.2} p99_ms={:.2} errors={} rejected={}",
            self.accepted_items,
            self.elapsed.as_secs_f64(),
            self.items_per_sec(),
            ms(0.5),
            ms(0.9),
            ms(0.99),
            errors,
            self.rejected_items
        );
    }
}
