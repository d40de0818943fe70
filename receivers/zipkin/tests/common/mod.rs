//! Shared helpers: a receiver on a loopback port with a sink, a counting
//! metrics recorder, an HTTP client, and attribute lookups.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::trace::v1::{ResourceSpans, Span};
use otelcol_component::{Component, Kind, Meter, Payload, SharedConsumer, Traces};
use otelcol_componenttest::{NopHost, Sink, nop_settings};
use otelcol_receiver_zipkin::{Config, ZipkinReceiver};

/// Counters by `name{label=value,...}` (labels sorted).
#[derive(Default)]
pub(crate) struct TestRecorder {
    counters: Mutex<Vec<(String, Arc<AtomicU64>)>>,
}

impl TestRecorder {
    /// The value of a counter, 0 when never registered.
    pub(crate) fn get(&self, key: &str) -> u64 {
        let counters = self.counters.lock().unwrap();
        counters
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, c)| c.load(Ordering::SeqCst))
            .sum()
    }

    /// Every registered counter name with labels.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.counters
            .lock()
            .unwrap()
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let c = Arc::new(AtomicU64::new(0));
        self.counters
            .lock()
            .unwrap()
            .push((format!("{}{{{}}}", key.name(), labels.join(",")), c.clone()));
        Counter::from_arc(c)
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

/// A started receiver and what it feeds.
pub(crate) struct Running {
    pub(crate) receiver: Arc<ZipkinReceiver>,
    pub(crate) addr: SocketAddr,
    pub(crate) recorder: Arc<TestRecorder>,
}

impl Running {
    /// `http://addr<path>`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `otelcol_receiver_<what>_spans` for a transport.
    pub(crate) fn count(&self, what: &str, transport: &str) -> u64 {
        self.recorder.get(&format!(
            "otelcol_receiver_{what}_spans{{receiver=zipkin,transport={transport}}}"
        ))
    }
}

/// The receiver's defaults on 127.0.0.1 port 0.
pub(crate) fn loopback() -> Config {
    Config::with_endpoint("127.0.0.1:0")
}

/// Creates and starts a receiver feeding `consumer`, with its own recorder.
pub(crate) async fn start(cfg: Config, consumer: SharedConsumer<Traces>) -> Running {
    let recorder = Arc::new(TestRecorder::default());
    let mut set = nop_settings("zipkin", Kind::Receiver);
    set.telemetry.meter = Meter::new(recorder.clone());
    let receiver = Arc::new(ZipkinReceiver::new(&set, cfg, consumer));
    receiver.start(NopHost::new()).await.expect("start");
    let addr = receiver.addr().expect("bound address");
    Running {
        receiver,
        addr,
        recorder,
    }
}

/// Starts a receiver feeding a new sink.
pub(crate) async fn start_with_sink(cfg: Config) -> (Running, Arc<Sink<Traces>>) {
    let sink = Sink::<Traces>::new();
    (start(cfg, sink.clone()).await, sink)
}

/// A response: status, headers, body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

/// Sends one request.
pub(crate) async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Full::new(body.into())).unwrap())
        .await
        .expect("request");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// POSTs `body` with a `Content-Type`.
pub(crate) async fn post(url: &str, content_type: &str, body: impl Into<Bytes>) -> Answer {
    send("POST", url, &[("content-type", content_type)], body).await
}

/// Every resource received so far, in order.
pub(crate) fn resources(sink: &Sink<Traces>) -> Vec<ResourceSpans> {
    sink.all()
        .into_iter()
        .flat_map(|t| t.into_request().resource_spans)
        .collect()
}

/// Every span received so far with its resource's `service.name`.
pub(crate) fn spans(sink: &Sink<Traces>) -> Vec<(String, Span)> {
    resources(sink)
        .into_iter()
        .flat_map(|rs| {
            let service = rs
                .resource
                .as_ref()
                .and_then(|r| str_attr(&r.attributes, "service.name"))
                .unwrap_or_default();
            rs.scope_spans
                .into_iter()
                .flat_map(|ss| ss.spans)
                .map(move |s| (service.clone(), s))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The span named `name`.
pub(crate) fn span_named<'a>(spans: &'a [(String, Span)], name: &str) -> &'a (String, Span) {
    spans.iter().find(|(_, s)| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name:?} among {:?}",
            spans.iter().map(|(_, s)| &s.name).collect::<Vec<_>>()
        )
    })
}

/// The value of an attribute.
pub(crate) fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

/// A string attribute.
pub(crate) fn str_attr(attrs: &[KeyValue], key: &str) -> Option<String> {
    match attr(attrs, key) {
        Some(any_value::Value::StringValue(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Hex of bytes.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The example Zipkin documents of `tests/testdata`.
pub(crate) fn testdata(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testdata")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Gzip.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Zlib (what `Content-Encoding: deflate` carries).
pub(crate) fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Total spans across payloads.
pub(crate) fn span_count(sink: &Sink<Traces>) -> usize {
    sink.all().iter().map(Payload::item_count).sum()
}
