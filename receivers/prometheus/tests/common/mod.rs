//! Test helpers: the receiver in-process with a sink, its output flattened
//! to points and to Prometheus series, small metrics servers (plain and
//! TLS) that record what they are asked, and the real peers (`prometheus`,
//! `prometheus-node-exporter`), killed on drop.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use otelcol_component::metrics::{
    Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use otelcol_component::proto::common::v1::{KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{metric::Data, number_data_point};
use otelcol_component::{
    Component, Consumers, Factory, Kind, Meter, Metrics, Payload, ReceiverFactory, TelemetrySettings,
};
use otelcol_componenttest::{MetricsSink, NopHost, nop_settings};
use otelcol_configtls::TlsServerConfig;
use otelcol_receiver_prometheus::{PrometheusReceiverConfig, factory};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

// ------------------------------------------------------------ the receiver

/// A started receiver and what it handed on.
pub struct Receiver {
    pub component: Arc<dyn Component>,
    pub sink: Arc<MetricsSink>,
}

impl Receiver {
    /// Parses `yaml` as the collector would, creates and starts the receiver.
    pub async fn start(yaml: &str) -> Receiver {
        Self::start_with_meter(yaml, Meter::default()).await
    }

    /// As [`Receiver::start`], recording self-metrics into `meter`.
    pub async fn start_with_meter(yaml: &str, meter: Meter) -> Receiver {
        let cfg: PrometheusReceiverConfig = otelcol_componenttest::parse_config(yaml)
            .unwrap_or_else(|e| panic!("config refused: {e}\n{yaml}"));
        let sink = MetricsSink::new();
        let mut next = Consumers::default();
        next.set::<Metrics>(sink.clone());
        let f = factory();
        let set = nop_settings(f.type_name(), Kind::Receiver)
            .with_telemetry(TelemetrySettings::default().with_meter(meter));
        let component = f.create(&set, &cfg, next).unwrap();
        component.start(NopHost::new()).await.unwrap();
        Receiver { component, sink }
    }

    /// Every point received so far.
    pub fn points(&self) -> Vec<Point> {
        points(&self.sink.all())
    }

    /// Waits (up to `timeout`) until `check` accepts the points received.
    pub async fn eventually(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&[Point]) -> bool,
    ) -> Vec<Point> {
        let deadline = Instant::now() + timeout;
        loop {
            let p = self.points();
            if check(&p) {
                return p;
            }
            if Instant::now() > deadline {
                let names: BTreeSet<String> = p.iter().map(|p| format!("{}/{}", p.job, p.metric)).collect();
                panic!(
                    "timed out waiting for {what}; {} points received, metrics: {names:?}",
                    p.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The points of the last payload (one scrape) of `job`.
    pub fn last_scrape(&self, job: &str) -> Vec<Point> {
        let all = self.sink.all();
        for payload in all.iter().rev() {
            let p = points(std::slice::from_ref(payload));
            if p.iter().any(|p| p.job == job && p.metric == "up") {
                return p.into_iter().filter(|p| p.job == job).collect();
            }
        }
        Vec::new()
    }

    pub async fn stop(&self) {
        self.component.shutdown().await.unwrap();
    }
}

/// One data point, flattened.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub job: String,
    pub instance: String,
    pub resource: BTreeMap<String, String>,
    pub scope: String,
    pub metric: String,
    pub description: String,
    pub unit: String,
    pub prom_type: String,
    /// `gauge`, `sum`, `histogram` or `summary`.
    pub kind: &'static str,
    pub monotonic: bool,
    pub attrs: BTreeMap<String, String>,
    /// The value (gauge, sum) or the count (histogram, summary).
    pub value: f64,
    pub sum: Option<f64>,
    pub start: u64,
    pub time: u64,
    pub flags: u32,
    pub bounds: Vec<f64>,
    pub buckets: Vec<u64>,
    pub quantiles: Vec<(f64, f64)>,
}

impl Point {
    pub fn stale(&self) -> bool {
        self.flags & 1 == 1
    }
}

pub fn str_of(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    kvs.iter()
        .map(|kv| {
            let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(any_value::Value::StringValue(s)) => s.clone(),
                other => format!("{other:?}"),
            };
            (kv.key.clone(), v)
        })
        .collect()
}

/// Every point of `payloads`, in order.
pub fn points(payloads: &[Metrics]) -> Vec<Point> {
    let mut out = Vec::new();
    for payload in payloads {
        for rm in &payload.request().resource_metrics {
            let resource = str_of(
                &rm.resource
                    .as_ref()
                    .map(|r| r.attributes.clone())
                    .unwrap_or_default(),
            );
            let job = resource.get("service.name").cloned().unwrap_or_default();
            let instance = resource.get("service.instance.id").cloned().unwrap_or_default();
            for sm in &rm.scope_metrics {
                let scope = sm.scope.as_ref().map(|s| s.name.clone()).unwrap_or_default();
                for m in &sm.metrics {
                    let meta = str_of(&m.metadata);
                    let base = Point {
                        job: job.clone(),
                        instance: instance.clone(),
                        resource: resource.clone(),
                        scope: scope.clone(),
                        metric: m.name.clone(),
                        description: m.description.clone(),
                        unit: m.unit.clone(),
                        prom_type: meta.get("prometheus.type").cloned().unwrap_or_default(),
                        kind: "gauge",
                        monotonic: false,
                        attrs: BTreeMap::new(),
                        value: 0.0,
                        sum: None,
                        start: 0,
                        time: 0,
                        flags: 0,
                        bounds: Vec::new(),
                        buckets: Vec::new(),
                        quantiles: Vec::new(),
                    };
                    let number = |v: &Option<number_data_point::Value>| match v {
                        Some(number_data_point::Value::AsDouble(d)) => *d,
                        Some(number_data_point::Value::AsInt(i)) => *i as f64,
                        None => f64::NAN,
                    };
                    match m.data.as_ref() {
                        Some(Data::Gauge(g)) => {
                            for p in &g.data_points {
                                out.push(Point {
                                    attrs: str_of(&p.attributes),
                                    value: number(&p.value),
                                    start: p.start_time_unix_nano,
                                    time: p.time_unix_nano,
                                    flags: p.flags,
                                    ..base.clone()
                                });
                            }
                        }
                        Some(Data::Sum(s)) => {
                            for p in &s.data_points {
                                out.push(Point {
                                    kind: "sum",
                                    monotonic: s.is_monotonic,
                                    attrs: str_of(&p.attributes),
                                    value: number(&p.value),
                                    start: p.start_time_unix_nano,
                                    time: p.time_unix_nano,
                                    flags: p.flags,
                                    ..base.clone()
                                });
                            }
                        }
                        Some(Data::Histogram(h)) => {
                            for p in &h.data_points {
                                out.push(Point {
                                    kind: "histogram",
                                    attrs: str_of(&p.attributes),
                                    value: p.count as f64,
                                    sum: p.sum,
                                    start: p.start_time_unix_nano,
                                    time: p.time_unix_nano,
                                    flags: p.flags,
                                    bounds: p.explicit_bounds.clone(),
                                    buckets: p.bucket_counts.clone(),
                                    ..base.clone()
                                });
                            }
                        }
                        Some(Data::Summary(s)) => {
                            for p in &s.data_points {
                                out.push(Point {
                                    kind: "summary",
                                    attrs: str_of(&p.attributes),
                                    value: p.count as f64,
                                    sum: Some(p.sum),
                                    start: p.start_time_unix_nano,
                                    time: p.time_unix_nano,
                                    flags: p.flags,
                                    quantiles: p
                                        .quantile_values
                                        .iter()
                                        .map(|q| (q.quantile, q.value))
                                        .collect(),
                                    ..base.clone()
                                });
                            }
                        }
                        other => panic!("unexpected data {other:?}"),
                    }
                }
            }
        }
    }
    out
}

fn go_g(v: f64) -> String {
    let mut s = String::new();
    otelcol_prometheus::value::write_go_g(&mut s, v);
    s
}

/// `name{a="x",...}` with sorted labels, as a series key.
pub fn series_key(name: &str, labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// The Prometheus series (name, labels with `job` and `instance`) and
/// values a set of points stands for: a histogram is its `_bucket`
/// (cumulative, `le` as Go formats it), `_sum` and `_count` series, a
/// summary its quantiles, `_sum` and `_count`.
pub fn as_series(points: &[Point]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for p in points.iter().filter(|p| !p.stale()) {
        let mut labels = p.attrs.clone();
        labels.insert("job".into(), p.job.clone());
        labels.insert("instance".into(), p.instance.clone());
        match p.kind {
            "histogram" => {
                let mut cumulative = 0u64;
                for (i, b) in p.buckets.iter().enumerate() {
                    cumulative += b;
                    let le = p.bounds.get(i).map(|b| go_g(*b)).unwrap_or_else(|| "+Inf".into());
                    let mut l = labels.clone();
                    l.insert("le".into(), le);
                    out.insert(series_key(&format!("{}_bucket", p.metric), &l), cumulative as f64);
                }
                out.insert(
                    series_key(&format!("{}_sum", p.metric), &labels),
                    p.sum.unwrap_or(0.0),
                );
                out.insert(series_key(&format!("{}_count", p.metric), &labels), p.value);
            }
            "summary" => {
                for (q, v) in &p.quantiles {
                    let mut l = labels.clone();
                    l.insert("quantile".into(), go_g(*q));
                    out.insert(series_key(&p.metric, &l), *v);
                }
                out.insert(
                    series_key(&format!("{}_sum", p.metric), &labels),
                    p.sum.unwrap_or(0.0),
                );
                out.insert(series_key(&format!("{}_count", p.metric), &labels), p.value);
            }
            _ => {
                out.insert(series_key(&p.metric, &labels), p.value);
            }
        }
    }
    out
}

// ------------------------------------------------------------ self-metrics

/// Keeps every counter registered through the meter, by `name{labels}`.
#[derive(Default)]
pub struct Counters(Mutex<HashMap<String, Arc<AtomicU64>>>);

struct Cell(Arc<AtomicU64>);
impl CounterFn for Cell {
    fn increment(&self, v: u64) {
        self.0.fetch_add(v, Ordering::SeqCst);
    }
    fn absolute(&self, v: u64) {
        self.0.store(v, Ordering::SeqCst);
    }
}

impl Recorder for Counters {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let cell = self.0.lock().unwrap().entry(name).or_default().clone();
        Counter::from_arc(Arc::new(Cell(cell)))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

impl Counters {
    pub fn get(&self, name: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .get(name)
            .map(|c| c.load(Ordering::SeqCst))
            .unwrap_or(0)
    }
    pub fn names(&self) -> Vec<String> {
        self.0.lock().unwrap().keys().cloned().collect()
    }
}

// ------------------------------------------------------------ metrics servers

/// What a metrics server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path_and_query: String,
    pub headers: HashMap<String, String>,
}

/// What a metrics server answers.
#[derive(Clone, Debug)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Gzip the body when the client accepts it.
    pub gzip: bool,
}

impl Page {
    pub fn text(body: &str) -> Page {
        Page {
            status: 200,
            content_type: "text/plain; version=0.0.4; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
            gzip: false,
        }
    }
    pub fn openmetrics(body: &str) -> Page {
        Page {
            status: 200,
            content_type: "application/openmetrics-text; version=1.0.0; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
            gzip: false,
        }
    }
}

struct ServerState {
    page: Mutex<Page>,
    seen: Mutex<Vec<Seen>>,
    /// When set, requests without exactly this `Authorization` get 401.
    auth: Mutex<Option<String>>,
    conns: Mutex<Vec<JoinHandle<()>>>,
}

/// A metrics endpoint on 127.0.0.1 (any path), plain or TLS.
pub struct MetricsServer {
    pub addr: SocketAddr,
    state: Arc<ServerState>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

async fn answer(
    req: Request<hyper::body::Incoming>,
    state: Arc<ServerState>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    state.seen.lock().unwrap().push(Seen {
        path_and_query,
        headers: headers.clone(),
    });
    let required = state.auth.lock().unwrap().clone();
    if let Some(want) = required {
        if headers.get("authorization") != Some(&want) {
            return Ok(Response::builder()
                .status(401)
                .body(Full::new(Bytes::from("unauthorized")))
                .unwrap());
        }
    }
    let page = state.page.lock().unwrap().clone();
    let accepts_gzip = headers.get("accept-encoding").is_some_and(|v| v.contains("gzip"));
    let mut b = Response::builder()
        .status(page.status)
        .header("content-type", page.content_type);
    let body = if page.gzip && accepts_gzip {
        b = b.header("content-encoding", "gzip");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&page.body).unwrap();
        e.finish().unwrap()
    } else {
        page.body
    };
    Ok(b.body(Full::new(Bytes::from(body))).unwrap())
}

impl MetricsServer {
    /// Serves `page` on a fresh port (TLS when `tls` is given).
    pub async fn start(page: Page, tls: Option<TlsServerConfig>) -> Arc<MetricsServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, page, tls)
    }

    /// Serves on a given port (to come back on the same address).
    pub async fn start_on(addr: SocketAddr, page: Page) -> Arc<MetricsServer> {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(addr).unwrap();
        Self::serve(socket.listen(64).unwrap(), page, None)
    }

    fn serve(listener: TcpListener, page: Page, tls: Option<TlsServerConfig>) -> Arc<MetricsServer> {
        let addr = listener.local_addr().unwrap();
        let tls = tls.map(|c| otelcol_configtls::server_config(&c).unwrap());
        let state = Arc::new(ServerState {
            page: Mutex::new(page),
            seen: Mutex::default(),
            auth: Mutex::default(),
            conns: Mutex::default(),
        });
        let st = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (state, tls) = (st.clone(), tls.clone());
                let conn = tokio::spawn(async move {
                    let s2 = state.clone();
                    let service = service_fn(move |req| answer(req, s2.clone()));
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(config) => {
                            if let Ok(stream) = otelcol_configtls::accept(config, tcp).await {
                                let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                        }
                    }
                });
                st.conns.lock().unwrap().push(conn);
            }
        });
        Arc::new(MetricsServer {
            addr,
            state,
            accept: Mutex::new(Some(accept)),
        })
    }

    pub fn set_page(&self, page: Page) {
        *self.state.page.lock().unwrap() = page;
    }

    pub fn require_authorization(&self, value: Option<&str>) {
        *self.state.auth.lock().unwrap() = value.map(str::to_string);
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.conns.lock().unwrap().len()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Stops listening and closes every connection (the target goes down).
    pub fn stop(&self) {
        if let Some(a) = self.accept.lock().unwrap().take() {
            a.abort();
        }
        for c in self.state.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

// ------------------------------------------------------------ real peers

/// A raw HTTP/1.1 GET with `Connection: close`: status and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("timeout"))??;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut body = raw.get(split + 4..).unwrap_or_default().to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Ok((status, body))
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 || b.len() < eol + 2 + size {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[(eol + 4 + size).min(b.len())..];
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn spawn_peer(program: &str, package: &str, args: &[String], log: &std::path::Path) -> Child {
    let out = std::fs::File::create(log).unwrap();
    let err = out.try_clone().unwrap();
    Command::new(program)
        .args(args)
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run `{program}` ({e}): install the Debian package `{package}` (apt-get install -y {package})")
        })
}

/// A real Prometheus server on 127.0.0.1, killed on drop.
pub struct Prometheus {
    child: Child,
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts `prometheus` with `config` (a prometheus.yml, where `{self}`
    /// stands for its own address) and waits until ready.
    pub async fn start(config: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("prometheus.yml");
        let addr: SocketAddr = ([127, 0, 0, 1], otelcol_componenttest::reserved_port()).into();
        std::fs::write(&cfg, config.replace("{self}", &addr.to_string())).unwrap();
        let child = spawn_peer(
            "prometheus",
            "prometheus",
            &[
                format!("--config.file={}", cfg.display()),
                format!("--storage.tsdb.path={}", dir.path().join("data").display()),
                format!("--web.listen-address={addr}"),
            ],
            &dir.path().join("prometheus.log"),
        );
        let p = Prometheus { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if http_get(addr, "/-/ready").await.is_ok_and(|(s, _)| s == 200) {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("prometheus did not become ready; log:\n{}", p.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// An instant query: the `data.result` array.
    pub async fn query(&self, promql: &str) -> Vec<serde_json::Value> {
        let path = format!("/api/v1/query?query={}", percent_encode(promql));
        let Ok((_, body)) = http_get(self.addr, &path).await else {
            return Vec::new();
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// Polls `promql` until `check` accepts the result (up to 30 s).
    pub async fn eventually(
        &self,
        promql: &str,
        check: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.query(promql).await;
            if check(&r) {
                return r;
            }
            if Instant::now() > deadline {
                panic!(
                    "query {promql:?} never matched; last result {r:?}; prometheus log:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// `GET path` as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let (_, body) = http_get(self.addr, path).await.unwrap();
        serde_json::from_slice(&body).unwrap_or_default()
    }

    /// The series of a query result as `name{labels}` → value.
    pub fn series(result: &[serde_json::Value]) -> BTreeMap<String, f64> {
        result
            .iter()
            .map(|r| {
                let mut labels: BTreeMap<String, String> = r["metric"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let name = labels.remove("__name__").unwrap_or_default();
                let value = r["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(f64::NAN);
                (series_key(&name, &labels), value)
            })
            .collect()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real `prometheus-node-exporter` on 127.0.0.1, killed on drop.
pub struct NodeExporter {
    child: Child,
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl NodeExporter {
    pub async fn start() -> NodeExporter {
        let dir = tempfile::tempdir().unwrap();
        let addr: SocketAddr = ([127, 0, 0, 1], otelcol_componenttest::reserved_port()).into();
        let child = spawn_peer(
            "prometheus-node-exporter",
            "prometheus-node-exporter",
            &[format!("--web.listen-address={addr}")],
            &dir.path().join("node-exporter.log"),
        );
        let n = NodeExporter { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if http_get(addr, "/metrics").await.is_ok_and(|(s, _)| s == 200) {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "prometheus-node-exporter did not answer; log:\n{}",
            std::fs::read_to_string(n.dir.path().join("node-exporter.log")).unwrap_or_default()
        );
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
