//! The receiver against real HTTP and HTTPS servers on 127.0.0.1: each test
//! runs it in-process with a sink and a short `collection_interval`, and
//! checks the exact metrics, attributes and values it emits.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use otelcol_component::auth::{AuthError, ClientAuthenticator};
use otelcol_component::metrics::{
    Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use otelcol_component::proto::common::v1::{KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{Metric, NumberDataPoint, metric, number_data_point};
use otelcol_component::{
    Component, ComponentId, Consumers, Extension, Host, Kind, Meter, Metrics, Payload, ReceiverFactory,
    RequestContext, TelemetrySettings,
};
use otelcol_componenttest::{ErrConsumer, MetricsSink, NopHost, nop_settings};
use otelcol_configtls::TlsServerConfig;
use otelcol_configtls::testpki::TestPki;
use otelcol_receiver_httpcheck::{HttpCheckConfig, SCOPE_NAME, factory};
use tokio::net::TcpListener;

// ---------------------------------------------------------------- peers

/// What a test server saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Bytes,
}

/// A test server: the routes below, plain or TLS.
#[derive(Clone)]
struct Peer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicI64>,
}

const OK_BODY: &str = r#"{"status":"ok","count":5}"#;

async fn route(
    req: Request<hyper::body::Incoming>,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    seen.lock().unwrap().push(Seen {
        method,
        path: path.clone(),
        headers,
        body,
    });
    let reply = |status: u16, body: &'static str| {
        Response::builder()
            .status(status)
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap()
    };
    Ok(match path.as_str() {
        "/ok" | "/echo" | "/gz" | "/auth" => reply(200, OK_BODY),
        "/missing" => reply(404, "no such page"),
        "/unavailable" => reply(503, ""),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            reply(200, "late")
        }
        "/redirect" => Response::builder()
            .status(302)
            .header("location", "/ok")
            .body(Full::new(Bytes::new()))
            .unwrap(),
        "/loop" => Response::builder()
            .status(307)
            .header("location", "/loop")
            .body(Full::new(Bytes::new()))
            .unwrap(),
        _ => reply(500, "unknown route"),
    })
}

async fn serve(tls: Option<TlsServerConfig>) -> Peer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tls = tls.map(|c| otelcol_configtls::server_config(&c).unwrap());
    let peer = Peer {
        addr,
        seen: Arc::default(),
        accepted: Arc::default(),
        open: Arc::default(),
    };
    let p = peer.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            p.accepted.fetch_add(1, Ordering::SeqCst);
            p.open.fetch_add(1, Ordering::SeqCst);
            let (seen, open, tls) = (p.seen.clone(), p.open.clone(), tls.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req| route(req, seen.clone()));
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
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    peer
}

impl Peer {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A port nothing listens on: connecting is refused.
fn closed_port() -> u16 {
    otelcol_componenttest::reserved_port()
}

// ---------------------------------------------------------------- recorder

/// Keeps every counter registered through the meter, by `name{labels}`.
#[derive(Default)]
struct Counters(Mutex<HashMap<String, Arc<AtomicU64>>>);

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
    fn get(&self, name: &str) -> Option<u64> {
        self.0.lock().unwrap().get(name).map(|c| c.load(Ordering::SeqCst))
    }
}

// ---------------------------------------------------------------- receiver

struct Running {
    receiver: Arc<dyn Component>,
    sink: Arc<MetricsSink>,
    counters: Arc<Counters>,
    created: u64,
}

async fn run(yaml: &str) -> Running {
    run_with(yaml, None).await
}

async fn run_with(yaml: &str, consumer: Option<Arc<ErrConsumer>>) -> Running {
    let cfg: HttpCheckConfig = otelcol_componenttest::parse_config(yaml).unwrap();
    let counters = Arc::new(Counters::default());
    let set = nop_settings("http_check", Kind::Receiver)
        .with_telemetry(TelemetrySettings::default().with_meter(Meter::new(counters.clone())));
    let sink = MetricsSink::new();
    let mut next = Consumers::default();
    match consumer {
        Some(c) => next.set::<Metrics>(c),
        None => next.set::<Metrics>(sink.clone()),
    }
    let created = now_nanos();
    let receiver = factory().create(&set, &cfg, next).unwrap();
    receiver.start(NopHost::new()).await.unwrap();
    Running {
        receiver,
        sink,
        counters,
        created,
    }
}

impl Running {
    /// The first `n` payloads (waits up to 10 s).
    async fn payloads(&self, n: usize) -> Vec<Metrics> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.sink.payload_count() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let all = self.sink.all();
        assert!(all.len() >= n, "{} payloads of {n}", all.len());
        all.into_iter().take(n).collect()
    }
    async fn stop(&self) {
        self.receiver.shutdown().await.unwrap();
    }
}

fn now_nanos() -> u64 {
    otelcol_component::build::unix_nanos_now()
}

// ---------------------------------------------------------------- reading

/// The metrics of a payload (one resource, one scope, checked).
fn metrics_of(p: &Metrics) -> Vec<Metric> {
    let req = p.request();
    assert_eq!(req.resource_metrics.len(), 1);
    let rm = &req.resource_metrics[0];
    assert!(
        rm.resource.as_ref().unwrap().attributes.is_empty(),
        "no resource attributes, as Go"
    );
    assert_eq!(rm.scope_metrics.len(), 1);
    let scope = rm.scope_metrics[0].scope.as_ref().unwrap();
    assert_eq!(scope.name, SCOPE_NAME);
    assert_eq!(scope.version, otelcol_component::BuildInfo::default().version);
    rm.scope_metrics[0].metrics.clone()
}

fn names(ms: &[Metric]) -> Vec<&str> {
    ms.iter().map(|m| m.name.as_str()).collect()
}

fn find<'a>(ms: &'a [Metric], name: &str) -> &'a Metric {
    ms.iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", names(ms)))
}

fn points(m: &Metric) -> &[NumberDataPoint] {
    match m.data.as_ref().unwrap() {
        metric::Data::Gauge(g) => &g.data_points,
        metric::Data::Sum(s) => {
            assert!(!s.is_monotonic);
            assert_eq!(s.aggregation_temporality, 2, "cumulative");
            &s.data_points
        }
        other => panic!("unexpected data {other:?}"),
    }
}

fn int(p: &NumberDataPoint) -> i64 {
    match p.value {
        Some(number_data_point::Value::AsInt(v)) => v,
        ref other => panic!("not an int: {other:?}"),
    }
}

/// The attributes as `key=value` strings, in order.
fn attrs(p: &NumberDataPoint) -> Vec<String> {
    p.attributes.iter().map(kv).collect()
}

fn kv(a: &KeyValue) -> String {
    let v = match a.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::ArrayValue(a)) => {
            let items: Vec<String> = a
                .values
                .iter()
                .map(|v| match &v.value {
                    Some(any_value::Value::StringValue(s)) => s.clone(),
                    other => format!("{other:?}"),
                })
                .collect();
            format!("[{}]", items.join(","))
        }
        other => format!("{other:?}"),
    };
    format!("{}={v}", a.key)
}

fn attr<'a>(p: &'a NumberDataPoint, key: &str) -> Option<&'a str> {
    p.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        })
}

/// The points of `m` for `url`.
fn of_url<'a>(m: &'a Metric, url: &str) -> Vec<&'a NumberDataPoint> {
    points(m)
        .iter()
        .filter(|p| attr(p, "http.url") == Some(url))
        .collect()
}

/// `httpcheck.status` of `url` as `(class, value, attributes)`.
fn statuses(ms: &[Metric], url: &str) -> Vec<(String, i64, Vec<String>)> {
    of_url(find(ms, "httpcheck.status"), url)
        .into_iter()
        .map(|p| {
            (
                attr(p, "http.status_class").unwrap().to_string(),
                int(p),
                attrs(p),
            )
        })
        .collect()
}

/// Expected `httpcheck.status` points: `code` in its class, 0 elsewhere.
fn expected_statuses(url: &str, method: &str, code: Option<u16>) -> Vec<(String, i64, Vec<String>)> {
    (1..=5)
        .map(|d| {
            let class = format!("{d}xx");
            let hit = code.is_some_and(|c| c / 100 == d);
            let mut a = vec![format!("http.url={url}")];
            if hit {
                a.push(format!("http.status_code={}", code.unwrap_or_default()));
            }
            a.push(format!("http.method={method}"));
            a.push(format!("http.status_class={class}"));
            (class, i64::from(hit), a)
        })
        .collect()
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn statuses_errors_and_a_slow_target_that_does_not_hold_the_others() {
    let peer = serve(None).await;
    let closed = format!("http://127.0.0.1:{}/", closed_port());
    let (ok, missing, unavailable, slow) = (
        peer.url("/ok"),
        peer.url("/missing"),
        peer.url("/unavailable"),
        peer.url("/slow"),
    );
    let yaml = format!(
        "initial_delay: 0s\ncollection_interval: 1h\ntargets:\n\
         - endpoints: ['{ok}', '{missing}', '{unavailable}']\n\
         - endpoint: '{slow}'\n  timeout: 400ms\n\
         - endpoint: '{closed}'\n"
    );
    let started = Instant::now();
    let r = run(&yaml).await;
    let payload = r.payloads(1).await.remove(0);
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(3),
        "the stalled target held the scrape for {elapsed:?}"
    );
    let ms = metrics_of(&payload);
    assert_eq!(
        names(&ms),
        ["httpcheck.duration", "httpcheck.error", "httpcheck.status"]
    );
    assert_eq!(find(&ms, "httpcheck.duration").unit, "ms");
    assert_eq!(
        find(&ms, "httpcheck.duration").description,
        "Measures the duration of the HTTP check."
    );
    assert_eq!(find(&ms, "httpcheck.error").unit, "{error}");
    assert_eq!(find(&ms, "httpcheck.status").unit, "1");

    assert_eq!(statuses(&ms, &ok), expected_statuses(&ok, "GET", Some(200)));
    assert_eq!(
        statuses(&ms, &missing),
        expected_statuses(&missing, "GET", Some(404))
    );
    assert_eq!(
        statuses(&ms, &unavailable),
        expected_statuses(&unavailable, "GET", Some(503))
    );
    assert_eq!(statuses(&ms, &slow), expected_statuses(&slow, "GET", None));
    assert_eq!(statuses(&ms, &closed), expected_statuses(&closed, "GET", None));
    assert_eq!(points(find(&ms, "httpcheck.status")).len(), 25);

    let errors: Vec<Vec<String>> = points(find(&ms, "httpcheck.error"))
        .iter()
        .map(|p| {
            assert_eq!(int(p), 1);
            attrs(p)
        })
        .collect();
    let closed_addr = closed.trim_start_matches("http://").trim_end_matches('/');
    assert_eq!(
        errors,
        [
            vec![
                format!("http.url={slow}"),
                format!(
                    "error.message=Get \"{slow}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                ),
            ],
            vec![
                format!("http.url={closed}"),
                format!(
                    "error.message=Get \"{closed}\": dial tcp {closed_addr}: connect: connection refused"
                ),
            ],
        ]
    );

    let durations = points(find(&ms, "httpcheck.duration"));
    assert_eq!(durations.len(), 5);
    let slow_ms = int(of_url(find(&ms, "httpcheck.duration"), &slow)[0]);
    assert!((400..2000).contains(&slow_ms), "slow check took {slow_ms} ms");
    assert!(int(of_url(find(&ms, "httpcheck.duration"), &ok)[0]) < slow_ms);
    // Timestamps: the receiver's start, and the time of each check.
    let start = durations[0].start_time_unix_nano;
    assert!(start >= r.created && start <= now_nanos());
    for m in &ms {
        for p in points(m) {
            assert_eq!(p.start_time_unix_nano, start);
            assert!(p.time_unix_nano >= start && p.time_unix_nano <= now_nanos());
        }
    }
    r.stop().await;
    // The scraped counts as Go's scraper and receiver count them.
    assert_eq!(
        r.counters
            .get("otelcol_receiver_accepted_metric_points{receiver=http_check,transport=}"),
        Some(32)
    );
    assert_eq!(
        r.counters
            .get("otelcol_receiver_refused_metric_points{receiver=http_check,transport=}"),
        Some(0)
    );
    assert_eq!(
        r.counters
            .get("otelcol_scraper_scraped_metric_points{receiver=http_check,scraper=http_check}"),
        Some(32)
    );
    assert_eq!(
        r.counters
            .get("otelcol_scraper_errored_metric_points{receiver=http_check,scraper=http_check}"),
        Some(0)
    );
}

#[tokio::test]
async fn https_with_a_throwaway_ca_and_every_optional_metric() {
    let pki = TestPki::new();
    let server = TlsServerConfig {
        cert_file: pki.path("server.pem"),
        key_file: pki.path("server-key.pem"),
        ..Default::default()
    };
    let peer = serve(Some(server)).await;
    let good = format!("https://localhost:{}/ok", peer.addr.port());
    let unknown_ca = format!("https://127.0.0.1:{}/ok", peer.addr.port());
    let metrics: Vec<String> = [
        "httpcheck.client.connection.duration",
        "httpcheck.client.request.duration",
        "httpcheck.dns.lookup.duration",
        "httpcheck.response.duration",
        "httpcheck.response.size",
        "httpcheck.tls.cert_remaining",
        "httpcheck.tls.handshake.duration",
        "httpcheck.validation.failed",
        "httpcheck.validation.passed",
    ]
    .iter()
    .map(|m| format!("  {m}: {{enabled: true}}\n"))
    .collect();
    let yaml = format!(
        "initial_delay: 0s\ncollection_interval: 1h\nmetrics:\n{}targets:\n\
         - endpoint: '{good}'\n  tls: {{ca_file: '{}'}}\n  validations:\n\
         \x20   - {{contains: '\"ok\"'}}\n    - {{json_path: status, equals: ok}}\n    - {{json_path: count, equals: '6'}}\n\
         \x20   - {{max_size: 100, min_size: 1000}}\n    - {{regex: 'count.:[0-9]+'}}\n    - {{not_contains: error}}\n\
         - endpoint: '{unknown_ca}'\n",
        metrics.concat(),
        pki.path("ca.pem"),
    );
    let r = run(&yaml).await;
    let payload = r.payloads(1).await.remove(0);
    r.stop().await;
    let ms = metrics_of(&payload);
    assert_eq!(
        names(&ms),
        [
            "httpcheck.client.connection.duration",
            "httpcheck.client.request.duration",
            "httpcheck.dns.lookup.duration",
            "httpcheck.duration",
            "httpcheck.error",
            "httpcheck.response.duration",
            "httpcheck.response.size",
            "httpcheck.status",
            "httpcheck.tls.cert_remaining",
            "httpcheck.tls.handshake.duration",
            "httpcheck.validation.failed",
            "httpcheck.validation.passed",
        ]
    );
    assert_eq!(statuses(&ms, &good), expected_statuses(&good, "GET", Some(200)));

    // The certificate of the throwaway CA's server.
    let cert = find(&ms, "httpcheck.tls.cert_remaining");
    assert_eq!(cert.unit, "s");
    let cert_points = points(cert);
    assert_eq!(cert_points.len(), 1, "only the https answer that came");
    assert_eq!(
        attrs(&cert_points[0]),
        [
            format!("http.url={good}"),
            "http.tls.issuer=CN=rcgen self signed cert".to_string(),
            "http.tls.cn=rcgen self signed cert".to_string(),
            "http.tls.san=[127.0.0.1,localhost]".to_string(),
        ]
    );
    // rcgen's certificates are valid until 4096-01-01.
    assert!(int(&cert_points[0]) > 60_000_000_000, "{}", int(&cert_points[0]));

    // The phases of the first connection, in ns.
    let phase = |name: &str| int(of_url(find(&ms, name), &good)[0]);
    assert_eq!(find(&ms, "httpcheck.tls.handshake.duration").unit, "ns");
    assert!(
        phase("httpcheck.dns.lookup.duration") > 0,
        "localhost is resolved"
    );
    assert!(phase("httpcheck.client.connection.duration") > 0);
    assert!(phase("httpcheck.tls.handshake.duration") > 0);
    assert!(phase("httpcheck.client.request.duration") >= phase("httpcheck.tls.handshake.duration"));
    let conn = of_url(find(&ms, "httpcheck.client.connection.duration"), &good)[0];
    assert_eq!(attr(conn, "network.transport"), Some("tcp"));
    let size = find(&ms, "httpcheck.response.size");
    assert_eq!(size.unit, "By");
    assert_eq!(int(of_url(size, &good)[0]), OK_BODY.len() as i64);
    assert!(of_url(size, &unknown_ca).is_empty(), "no answer, no size");

    // Validations: passed and failed per type.
    let per_type = |name: &str| -> Vec<String> {
        of_url(find(&ms, name), &good)
            .into_iter()
            .map(|p| format!("{}={}", attr(p, "validation.type").unwrap(), int(p)))
            .collect()
    };
    assert_eq!(
        per_type("httpcheck.validation.passed"),
        ["contains=1", "not_contains=1", "json_path=1", "size=1", "regex=1"]
    );
    assert_eq!(per_type("httpcheck.validation.failed"), ["json_path=1", "size=1"]);

    // A server whose CA is not trusted is an error, with Go's prefix.
    let err = of_url(find(&ms, "httpcheck.error"), &unknown_ca);
    assert_eq!(
        attr(err[0], "error.message"),
        Some(
            format!(
                "Get \"{unknown_ca}\": tls: failed to verify certificate: x509: certificate signed by unknown authority"
            )
            .as_str()
        )
    );
    assert_eq!(
        statuses(&ms, &unknown_ca),
        expected_statuses(&unknown_ca, "GET", None)
    );
    // The phases reached are still reported: no DNS for an IP, a connect.
    assert_eq!(
        int(of_url(find(&ms, "httpcheck.dns.lookup.duration"), &unknown_ca)[0]),
        0
    );
    assert!(int(of_url(find(&ms, "httpcheck.client.connection.duration"), &unknown_ca)[0]) > 0);
}

#[tokio::test]
async fn post_body_headers_redirects_and_kept_connections() {
    let peer = serve(None).await;
    let (echo, redirect, looping, gz) = (
        peer.url("/echo"),
        peer.url("/redirect"),
        peer.url("/loop"),
        peer.url("/gz"),
    );
    let yaml = format!(
        "initial_delay: 0s\ncollection_interval: 150ms\n\
         metrics: {{httpcheck.client.connection.duration: {{enabled: true}}}}\ntargets:\n\
         - endpoint: '{echo}'\n  method: POST\n  body: '{{\"check\": true}}'\n  auto_content_type: true\n\
         \x20 headers: {{X-Key: secret-value}}\n\
         - endpoint: '{gz}'\n  method: PUT\n  body: a=1\n  auto_content_type: true\n  compression: gzip\n\
         - endpoint: '{redirect}'\n\
         - endpoint: '{looping}'\n"
    );
    let r = run(&yaml).await;
    let ps = r.payloads(2).await;
    r.stop().await;
    let first = metrics_of(&ps[0]);
    let second = metrics_of(&ps[1]);

    // The POST as the server saw it.
    let posts: Vec<Seen> = peer.seen().into_iter().filter(|s| s.path == "/echo").collect();
    assert!(posts.len() >= 2);
    let p = &posts[0];
    assert_eq!(p.method, "POST");
    assert_eq!(p.body, Bytes::from_static(br#"{"check": true}"#));
    assert_eq!(
        p.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    assert_eq!(p.headers.get("x-key").map(String::as_str), Some("secret-value"));
    assert!(p.headers.get("user-agent").unwrap().starts_with("otelcol-rs/"));
    assert_eq!(
        statuses(&first, &echo),
        expected_statuses(&echo, "POST", Some(200))
    );

    // A compressed body, its type set from the uncompressed one.
    let put = peer.seen().into_iter().find(|s| s.path == "/gz").unwrap();
    assert_eq!(put.method, "PUT");
    assert_eq!(
        put.headers.get("content-encoding").map(String::as_str),
        Some("gzip")
    );
    assert_eq!(
        put.headers.get("content-type").map(String::as_str),
        Some("application/x-www-form-urlencoded")
    );
    let plain = otelcol_configcompression::decompress(
        otelcol_configcompression::CompressionType::Gzip,
        &put.body,
        1 << 20,
    )
    .unwrap();
    assert_eq!(plain, b"a=1");

    // A redirect is followed to its target's answer.
    assert_eq!(
        statuses(&first, &redirect),
        expected_statuses(&redirect, "GET", Some(200))
    );
    // A redirect loop stops after 10 redirects, as Go's client.
    let err = of_url(find(&first, "httpcheck.error"), &looping);
    assert_eq!(
        attr(err[0], "error.message"),
        Some(format!("Get \"{looping}\": stopped after 10 redirects").as_str())
    );
    // Go's client sends 10 requests, then stops.
    let loops = peer.seen().iter().filter(|s| s.path == "/loop").count();
    assert!(loops >= 10, "{loops} requests");

    // The kept-alive connection is used again: no new connect the second time.
    let connect = |ms: &[Metric]| int(of_url(find(ms, "httpcheck.client.connection.duration"), &echo)[0]);
    assert!(connect(&first) > 0);
    assert_eq!(connect(&second), 0);
}

#[tokio::test]
async fn consumer_errors_are_logged_and_counted() {
    let peer = serve(None).await;
    let yaml = format!(
        "initial_delay: 0s\ncollection_interval: 100ms\ntargets: [{{endpoint: '{}'}}]",
        peer.url("/ok")
    );
    let consumer = ErrConsumer::permanent();
    let r = run_with(&yaml, Some(consumer.clone())).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while consumer.calls() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    r.stop().await;
    let calls = consumer.calls() as u64;
    assert!(calls >= 2);
    // 6 points a scrape: one duration, five statuses.
    let refused = r
        .counters
        .get("otelcol_receiver_refused_metric_points{receiver=http_check,transport=}");
    assert_eq!(refused, Some(6 * calls));
    assert_eq!(
        r.counters
            .get("otelcol_receiver_accepted_metric_points{receiver=http_check,transport=}"),
        Some(0)
    );
    assert_eq!(
        r.counters
            .get("otelcol_scraper_scraped_metric_points{receiver=http_check,scraper=http_check}"),
        Some(6 * calls)
    );
}

#[tokio::test]
async fn shutdown_is_prompt_leaves_nothing_running_and_nothing_arrives_after() {
    let peer = serve(None).await;
    let yaml = format!(
        "initial_delay: 0s\ncollection_interval: 50ms\ntargets:\n\
         - endpoint: '{}'\n  timeout: 20s\n- endpoint: '{}'\n",
        peer.url("/slow"),
        peer.url("/ok"),
    );
    let r = run(&yaml).await;
    // The slow request is in flight.
    let deadline = Instant::now() + Duration::from_secs(5);
    let both = || {
        ["/slow", "/ok"]
            .iter()
            .all(|p| peer.seen().iter().any(|s| s.path == *p))
    };
    while !both() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(peer.open.load(Ordering::SeqCst), 2);
    let t = Instant::now();
    r.stop().await;
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "shutdown took {:?}",
        t.elapsed()
    );
    // Its connections are closed: no task of the receiver holds them.
    let deadline = Instant::now() + Duration::from_secs(5);
    while peer.open.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(peer.open.load(Ordering::SeqCst), 0, "connections left open");
    let after = r.sink.payload_count();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(r.sink.payload_count(), after, "output after shutdown");
    assert_eq!(after, 0, "the scrape waiting for the slow target never completed");
    r.stop().await; // twice is fine
    assert!(peer.accepted.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn the_scrape_timeout_bounds_every_check() {
    let peer = serve(None).await;
    let slow = peer.url("/slow");
    let yaml = format!(
        "initial_delay: 0s\ncollection_interval: 1h\ntimeout: 300ms\ntargets: [{{endpoint: '{slow}', timeout: 10s}}]"
    );
    let r = run(&yaml).await;
    let ms = metrics_of(&r.payloads(1).await[0]);
    r.stop().await;
    let err = of_url(find(&ms, "httpcheck.error"), &slow);
    assert_eq!(
        attr(err[0], "error.message"),
        Some(format!("Get \"{slow}\": context deadline exceeded").as_str())
    );
}

// ---------------------------------------------------------------- auth and start

/// A client authenticator extension adding a bearer token.
#[derive(Debug)]
struct Bearer;

#[otelcol_component::async_trait]
impl ClientAuthenticator for Bearer {
    async fn headers(&self, _ctx: &RequestContext) -> Result<Vec<(String, String)>, AuthError> {
        Ok(vec![("authorization".into(), "Bearer t0ken".into())])
    }
}

#[derive(Debug)]
struct BearerExtension;
impl Component for BearerExtension {}
impl Extension for BearerExtension {
    fn client_authenticator(&self) -> Option<Arc<dyn ClientAuthenticator>> {
        Some(Arc::new(Bearer))
    }
}

/// A host with one extension, `bearertokenauth`.
#[derive(Debug)]
struct AuthHost;
impl Host for AuthHost {
    fn extension(&self, id: &ComponentId) -> Option<Arc<dyn Extension>> {
        (id.to_string() == "bearertokenauth").then(|| Arc::new(BearerExtension) as Arc<dyn Extension>)
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
}

fn create(yaml: &str) -> Arc<dyn Component> {
    let cfg: HttpCheckConfig = otelcol_componenttest::parse_config(yaml).unwrap();
    let mut next = Consumers::default();
    next.set::<Metrics>(MetricsSink::new());
    factory()
        .create(&nop_settings("http_check", Kind::Receiver), &cfg, next)
        .unwrap()
}

#[tokio::test]
async fn client_authenticators_add_their_headers() {
    let peer = serve(None).await;
    let yaml = format!(
        "initial_delay: 0s\ntargets: [{{endpoint: '{}', auth: {{authenticator: bearertokenauth}}}}]",
        peer.url("/auth")
    );
    let cfg: HttpCheckConfig = otelcol_componenttest::parse_config(&yaml).unwrap();
    let sink = MetricsSink::new();
    let mut next = Consumers::default();
    next.set::<Metrics>(sink.clone());
    let r = factory()
        .create(&nop_settings("http_check", Kind::Receiver), &cfg, next)
        .unwrap();
    r.start(Arc::new(AuthHost)).await.unwrap();
    assert!(sink.wait_for_items(6, Duration::from_secs(10)).await);
    r.shutdown().await.unwrap();
    let seen = peer.seen();
    assert_eq!(
        seen[0].headers.get("authorization").map(String::as_str),
        Some("Bearer t0ken")
    );
    // Without the extension, the start fails with Go's words.
    let r = create(&yaml);
    let e = r.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(
        e.contains("failed to resolve authenticator \"bearertokenauth\": authenticator not found"),
        "{e}"
    );
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn unreadable_tls_files_fail_the_start_as_in_go() {
    let r = create("targets: [{endpoint: 'https://127.0.0.1:1/', tls: {ca_file: /nonexistent/ca.pem}}]");
    let e = r.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(
        e.contains("tls::ca_file") && e.contains("/nonexistent/ca.pem"),
        "{e}"
    );
    r.shutdown().await.unwrap();
    // An http-only target does not read them at start.
    let r = create("targets: [{endpoint: 'http://127.0.0.1:1/', tls: {ca_file: /nonexistent/ca.pem}}]");
    r.start(NopHost::new()).await.unwrap();
    r.shutdown().await.unwrap();
}
