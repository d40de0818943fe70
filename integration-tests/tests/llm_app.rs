//! The seed's end-to-end flow with real processes: the `llm-app` binary (the
//! official OpenTelemetry Rust SDK) serves one `POST /chat` carrying a
//! `traceparent`, exports over OTLP/gRPC or OTLP/HTTP-protobuf into the real
//! `otelcol-rs`, and the file exporter's output must hold the request's span
//! tree, the correlated log records and the metrics. Also checks what can be
//! checked of `deploy/` without a Docker engine or a cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{KeyValue, any_value::Value as V};
use otelcol_component::proto::metrics::v1::metric::Data;
use otelcol_component::proto::metrics::v1::number_data_point::Value as N;
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_integration_tests::yaml::*;
use otelcol_integration_tests::*;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

// ---------------------------------------------------------------- processes

/// Path of the `llm-app` binary: `LLM_APP_BIN`, else beside `otelcol-rs`
/// (`target/debug/llm-app`, built by `cargo build --workspace --bins`).
fn llm_app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("LLM_APP_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("llm-app");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p llm-app` first (the test script builds every binary)",
        bin.display()
    );
    bin
}

/// A running `llm-app`, killed on drop.
struct App {
    child: Child,
    log: Arc<Mutex<String>>,
    addr: SocketAddr,
}

impl App {
    fn start(env: &[(&str, String)], cwd: &Path) -> App {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut cmd = Command::new(llm_app_binary());
        // Only what the test sets: no OTEL_* from the caller's environment.
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_") || k.starts_with("LLM_")) {
            cmd.env_remove(k);
        }
        cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("LLM_APP_ADDR", addr.to_string())
            .env("NO_COLOR", "1")
            .current_dir(cwd) // no stray .env.local
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start llm-app");
        let log = Arc::new(Mutex::new(String::new()));
        let streams = [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ];
        for stream in streams.into_iter().flatten() {
            let log = log.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        let mut app = App { child, log, addr };
        app.wait_healthy();
        app
    }

    fn logs(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok()
                && http_request(self.addr, "GET", "/health", &[], b"").status == 200
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("llm-app exited with {status} before serving:\n{}", self.logs());
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!("llm-app did not answer /health within 30s:\n{}", self.logs());
    }

    /// SIGTERM (graceful stop + telemetry flush), then waits for the exit.
    fn stop(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                thread::sleep(Duration::from_millis(100)); // let the readers drain
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "llm-app did not stop within 30s of SIGTERM:\n{}",
                self.logs()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A downstream service answering one request with 200 and recording its headers.
fn backend() -> (SocketAddr, thread::JoinHandle<BTreeMap<String, String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "backend: connection closed before the headers");
            raw.extend_from_slice(&buf[..n]);
        }
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .unwrap();
        String::from_utf8_lossy(&raw)
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect()
    });
    (addr, handle)
}

// ---------------------------------------------------------------- decoding

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn attrs(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    kvs.iter()
        .map(|kv| {
            let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(V::StringValue(s)) => s.clone(),
                Some(V::IntValue(i)) => i.to_string(),
                Some(V::BoolValue(b)) => b.to_string(),
                Some(V::DoubleValue(d)) => d.to_string(),
                other => format!("{other:?}"),
            };
            (kv.key.clone(), v)
        })
        .collect()
}

fn decode<T>(dir: &Path, file: &str, f: fn(&[u8]) -> Result<T, otelcol_otlp_json::DecodeError>) -> Vec<T> {
    read_json_lines(&dir.join(file))
        .iter()
        .map(|v| f(v.to_string().as_bytes()).expect("file exporter wrote valid OTLP/JSON"))
        .collect()
}

/// Checks every resource attribute the app's `TelemetrySettings` set.
fn check_resource(res: &BTreeMap<String, String>, service: &str) {
    assert_eq!(
        res.get("service.name").map(String::as_str),
        Some(service),
        "{res:?}"
    );
    assert_eq!(
        res.get("service.version").map(String::as_str),
        Some("9.9.9"),
        "{res:?}"
    );
    assert_eq!(
        res.get("deployment.environment").map(String::as_str),
        Some("itest"),
        "{res:?}"
    );
}

/// The spans of `service`, by name; each name must appear once in `TRACE`.
fn spans_of(traces: &[ExportTraceServiceRequest], service: &str) -> BTreeMap<String, Span> {
    let mut out = BTreeMap::new();
    for rs in traces.iter().flat_map(|r| &r.resource_spans) {
        let res = attrs(&rs.resource.as_ref().unwrap().attributes);
        if res.get("service.name").map(String::as_str) != Some(service) {
            continue;
        }
        check_resource(&res, service);
        for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
            if hex(&span.trace_id) == TRACE {
                let dup = out.insert(span.name.clone(), span.clone());
                assert!(dup.is_none(), "span {} arrives once", span.name);
            }
        }
    }
    out
}

/// (trace id, span id) of the one log record of `service` whose body is `body`.
fn log_ids(logs: &[ExportLogsServiceRequest], service: &str, body: &str) -> (String, String) {
    let mut found = Vec::new();
    for rl in logs.iter().flat_map(|r| &r.resource_logs) {
        let res = attrs(&rl.resource.as_ref().unwrap().attributes);
        if res.get("service.name").map(String::as_str) != Some(service) {
            continue;
        }
        check_resource(&res, service);
        for rec in rl.scope_logs.iter().flat_map(|s| &s.log_records) {
            if let Some(V::StringValue(b)) = rec.body.as_ref().and_then(|b| b.value.as_ref()) {
                if b == body {
                    found.push((hex(&rec.trace_id), hex(&rec.span_id)));
                }
            }
        }
    }
    assert_eq!(found.len(), 1, "one log record {body:?}: {found:?}");
    found.remove(0)
}

fn check_metrics(metrics: &[ExportMetricsServiceRequest], service: &str) {
    let (mut requests, mut durations) = (0.0, 0u64);
    for rm in metrics.iter().flat_map(|r| &r.resource_metrics) {
        let res = attrs(&rm.resource.as_ref().unwrap().attributes);
        if res.get("service.name").map(String::as_str) != Some(service) {
            continue;
        }
        check_resource(&res, service);
        for m in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
            match (m.name.as_str(), m.data.as_ref()) {
                ("chat_requests_total", Some(Data::Sum(s))) => {
                    assert!(s.is_monotonic);
                    for p in &s.data_points {
                        let a = attrs(&p.attributes);
                        assert_eq!(a.get("route").map(String::as_str), Some("/chat"));
                        assert_eq!(a.get("status").map(String::as_str), Some("200"));
                        let v = match p.value {
                            Some(N::AsInt(i)) => i as f64,
                            Some(N::AsDouble(d)) => d,
                            None => f64::NAN,
                        };
                        // Cumulative: every export repeats the running total.
                        requests = f64::max(requests, v);
                    }
                }
                ("llm.request.duration", Some(Data::Histogram(h))) => {
                    assert_eq!(m.unit, "s");
                    durations = durations.max(h.data_points.iter().map(|p| p.count).sum());
                }
                ("chat_requests_total" | "llm.request.duration", other) => {
                    panic!("{} has the wrong type: {other:?}", m.name)
                }
                _ => {}
            }
        }
    }
    assert_eq!(requests, 1.0, "chat_requests_total counts the one request");
    assert_eq!(durations, 1, "llm.request.duration holds the one LLM call");
}

/// Sum of a collector self-metric over the series whose labels contain `label`.
fn accepted(c: &Collector, metric: &str, label: &str) -> f64 {
    let page = http_request(c.metrics_addr, "GET", "/metrics", &[], b"");
    String::from_utf8_lossy(&page.body)
        .lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")) && l.contains(label))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

// ---------------------------------------------------------------- the flow

fn run_flow(protocol: &str) {
    let (grpc, http) = (free_port(), free_port());
    let addrs: Vec<SocketAddr> = [grpc, http]
        .iter()
        .map(|p| format!("127.0.0.1:{p}").parse().unwrap())
        .collect();
    let mut collector = Collector::start(&otlp_to_files_config(grpc, http), &[], &addrs);
    let (endpoint, transport) = match protocol {
        "grpc" => (format!("http://127.0.0.1:{grpc}"), "grpc"),
        _ => (format!("http://127.0.0.1:{http}"), "http"),
    };
    let service = format!("llm-app-{transport}");
    let (backend_addr, backend_seen) = backend();
    let env = [
        ("OTEL_SERVICE_NAME", service.clone()),
        ("OTEL_SERVICE_VERSION", "9.9.9".to_string()),
        ("OTEL_DEPLOYMENT_ENVIRONMENT", "itest".to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_string()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500".to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_string()),
        ("LLM_BACKEND_URL", format!("http://{backend_addr}/generate")),
    ];
    let mut app = App::start(&env, collector.dir.path());

    let traceparent = format!("00-{TRACE}-{PARENT}-01");
    let resp = http_request(
        app.addr,
        "POST",
        "/chat",
        &[
            ("Content-Type", "application/json"),
            ("traceparent", &traceparent),
        ],
        br#"{"message": "hello from the end-to-end test"}"#,
    );
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let reply: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(reply["trace_id"], TRACE, "the reply names the continued trace");
    assert!(reply["reply"].is_string(), "{reply}");

    let status = app.stop();
    let app_logs = app.logs();
    assert!(
        status.success(),
        "llm-app exits cleanly after SIGTERM:\n{app_logs}"
    );
    let other = if transport == "grpc" { "http" } else { "grpc" };
    let spans_over = |t: &str| {
        accepted(
            &collector,
            "otelcol_receiver_accepted_spans",
            &format!("transport=\"{t}\""),
        )
    };
    assert!(
        spans_over(transport) >= 3.0,
        "spans arrived over {transport}:\n{app_logs}"
    );
    assert_eq!(spans_over(other), 0.0, "and none over {other}");
    let (status, logs) = collector.stop();
    assert!(status.success(), "collector exits cleanly:\n{logs}");

    let dir = collector.dir.path();
    let traces = decode(dir, "traces.jsonl", otelcol_otlp_json::decode_traces);
    let logs = decode(dir, "logs.jsonl", otelcol_otlp_json::decode_logs);
    let metrics = decode(dir, "metrics.jsonl", otelcol_otlp_json::decode_metrics);

    let spans = spans_of(&traces, &service);
    let get = |name: &str| {
        spans.get(name).unwrap_or_else(|| {
            panic!(
                "span {name} in trace {TRACE}: have {:?}\n{app_logs}",
                spans.keys()
            )
        })
    };
    let (server, op, call) = (get("POST /chat"), get("chat_operation"), get("llm.simulate_call"));
    assert_eq!(server.kind, SpanKind::Server as i32);
    assert_eq!(
        hex(&server.parent_span_id),
        PARENT,
        "the SERVER span continues the caller's span"
    );
    assert_eq!(op.kind, SpanKind::Internal as i32);
    assert_eq!(
        op.parent_span_id, server.span_id,
        "chat_operation is a child of POST /chat"
    );
    assert_eq!(call.kind, SpanKind::Client as i32);
    assert_eq!(
        call.parent_span_id, op.span_id,
        "llm.simulate_call is a child of chat_operation"
    );
    let call_attrs = attrs(&call.attributes);
    for key in ["llm.model", "llm.prompt_tokens", "llm.completion_tokens"] {
        assert!(
            call_attrs.contains_key(key),
            "llm.simulate_call has {key}: {call_attrs:?}"
        );
    }

    let op_ids = (TRACE.to_string(), hex(&op.span_id));
    assert_eq!(log_ids(&logs, &service, "Processing chat request"), op_ids);
    let bridged = log_ids(&logs, &service, "LLM call finished");
    assert_eq!(
        bridged,
        (TRACE.to_string(), hex(&call.span_id)),
        "tracing::info! is correlated"
    );

    check_metrics(&metrics, &service);

    let headers = backend_seen.join().unwrap();
    assert_eq!(
        headers.get("traceparent"),
        Some(&format!("00-{TRACE}-{}-01", hex(&call.span_id))),
        "the outgoing call carries the CLIENT span as parent"
    );
}

#[test]
fn llm_app_over_grpc_delivers_the_chat_trace_logs_and_metrics() {
    run_flow("grpc");
}

#[test]
fn llm_app_over_http_protobuf_delivers_the_chat_trace_logs_and_metrics() {
    run_flow("http/protobuf");
}

// ---------------------------------------------------------------- deploy/

/// Percent-encodes a PromQL query for the URL.
fn promql(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The seed's flow with R.E.D. metrics: the llm-app's own traffic through
/// `deploy/collector-config.yaml` plus a `spanmetrics` connector (traces
/// pipeline → metrics pipeline → the prometheus exporter), scraped by a real
/// Prometheus that answers the PromQL of Jaeger's Monitor tab: call rates and
/// p95 latency per service, span name and status code.
#[test]
fn llm_app_red_metrics_reach_promql_through_spanmetrics() {
    let (mut backend, backend_addr) = start_trace_backend();
    let sets = [
        "connectors::spanmetrics::metrics_flush_interval=1s".to_string(),
        "service::pipelines::traces::exporters=[otlp, debug, spanmetrics]".to_string(),
        "service::pipelines::metrics::receivers=[otlp, spanmetrics]".to_string(),
        "exporters::debug::verbosity=basic".to_string(),
    ];
    let (mut collector, ports) = start_deploy_collector(backend_addr, &[], &sets);
    let service = "llm-app-red";
    let env = [
        ("OTEL_SERVICE_NAME", service.to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{}", ports.grpc)),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".to_string()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500".to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_string()),
    ];
    let mut app = App::start(&env, collector.dir.path());
    for i in 0..3 {
        let resp = http_request(
            app.addr,
            "POST",
            "/chat",
            &[("Content-Type", "application/json")],
            format!(r#"{{"message": "red metrics {i}"}}"#).as_bytes(),
        );
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    }
    let status = app.stop();
    assert!(status.success(), "{}", app.logs());

    let p = Prometheus::start(ports.prometheus);
    let wait = |query: &str, ok: &dyn Fn(&[serde_json::Value]) -> bool| -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = p.query(&promql(query));
            if ok(&r) {
                return r;
            }
            assert!(Instant::now() < deadline, "{query}: {r:?}\n{}", p.logs());
            thread::sleep(Duration::from_millis(500));
        }
    };
    let value =
        |s: &serde_json::Value| -> f64 { s["value"][1].as_str().and_then(|v| v.parse().ok()).unwrap() };
    // Calls per service, span name and status code: the app's three spans
    // of each of the three requests (and its `GET /health` readiness polls).
    let chat_spans = ["POST /chat", "chat_operation", "llm.simulate_call"];
    let calls = wait(
        &format!(
            r#"sum by (service_name, span_name, status_code) (traces_span_metrics_calls_total{{service_name="{service}"}})"#
        ),
        &|r| {
            chat_spans.iter().all(|name| {
                r.iter()
                    .any(|s| s["metric"]["span_name"] == *name && s["value"][1] == "3")
            })
        },
    );
    let names: BTreeSet<String> = calls
        .iter()
        .map(|s| s["metric"]["span_name"].as_str().unwrap_or_default().to_string())
        .collect();
    for name in chat_spans {
        assert!(names.contains(name), "{name} in {names:?}");
    }
    assert!(
        calls
            .iter()
            .all(|s| s["metric"]["status_code"].as_str().is_some()),
        "{calls:?}"
    );
    // p95 latency per service and span name, from the millisecond histogram.
    let p95 = wait(
        &format!(
            r#"histogram_quantile(0.95, sum by (le, service_name, span_name) (traces_span_metrics_duration_milliseconds_bucket{{service_name="{service}",span_name="POST /chat"}}))"#
        ),
        &|r| r.len() == 1,
    );
    let v = value(&p95[0]);
    assert!(v > 0.0 && v <= 15_000.0, "p95 of POST /chat: {v}");
    // The request rate Jaeger plots.
    let rate = wait(
        &format!(
            r#"sum by (service_name) (rate(traces_span_metrics_calls_total{{service_name="{service}"}}[1m]))"#
        ),
        &|r| r.len() == 1,
    );
    assert!(value(&rate[0]) >= 0.0);
    let (st, logs) = collector.stop();
    assert!(st.success(), "{logs}");
    let _ = backend.stop();
}

/// A downstream LLM backend made with the official Python SDK: it
/// continues the caller's trace with a SERVER span. Killed on drop.
struct PythonBackend {
    child: Child,
    log: Arc<Mutex<String>>,
    port: u16,
}

impl PythonBackend {
    fn start(otlp_grpc: SocketAddr, service: &str) -> PythonBackend {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/llm_backend.py");
        let mut cmd = Command::new(python());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
            cmd.env_remove(k);
        }
        let mut child = cmd
            .args([script, &otlp_grpc.to_string(), service])
            .env("OTEL_BSP_SCHEDULE_DELAY", "200")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start python (is the venv of OTELCOL_TEST_PYTHON set up?)");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        if let Some(out) = child.stdout.take() {
            let log = log.clone();
            thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if let Some(p) = line.strip_prefix("listening ") {
                        let _ = tx.send(p.trim().parse::<u16>().ok());
                    }
                    log.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        if let Some(err) = child.stderr.take() {
            let log = log.clone();
            thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        let port = rx.recv_timeout(Duration::from_secs(60)).ok().flatten();
        let Some(port) = port else {
            let _ = child.kill();
            panic!("llm_backend.py did not start:\n{}", log.lock().unwrap());
        };
        PythonBackend { child, log, port }
    }

    /// Closes its stdin (it stops and flushes its spans) and waits for the exit.
    fn stop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                thread::sleep(Duration::from_millis(100));
                assert!(
                    status.success(),
                    "llm_backend.py: {status}\n{}",
                    self.log.lock().unwrap()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "llm_backend.py did not stop:\n{}",
                self.log.lock().unwrap()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PythonBackend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The seed's flow as a service graph: the llm-app calls `LLM_BACKEND_URL`,
/// a backend instrumented with the Python SDK continues the trace, both
/// export to the collector, and `service_graph` pairs the app's CLIENT span
/// with the backend's SERVER span into the llm-app → backend edge that a
/// real Prometheus then serves: request count and the latency histograms of
/// both sides.
#[test]
fn llm_app_to_backend_edge_in_the_service_graph() {
    let (mut trace_backend, trace_backend_addr) = start_trace_backend();
    let sets = [
        "connectors::service_graph::metrics_flush_interval=1s".to_string(),
        // Generous pairing time: both sides travel through SDK and collector batching.
        "connectors::service_graph::store::ttl=10s".to_string(),
        "service::pipelines::traces::exporters=[otlp, debug, service_graph]".to_string(),
        "service::pipelines::metrics::receivers=[otlp, service_graph]".to_string(),
        "exporters::debug::verbosity=basic".to_string(),
    ];
    let (mut collector, ports) = start_deploy_collector(trace_backend_addr, &[], &sets);
    let (app_service, backend_service) = ("llm-app-graph", "llm-backend");
    let mut llm_backend = PythonBackend::start(ports.grpc, backend_service);
    let env = [
        ("OTEL_SERVICE_NAME", app_service.to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{}", ports.grpc)),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".to_string()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500".to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_string()),
        (
            "LLM_BACKEND_URL",
            format!("http://127.0.0.1:{}/generate", llm_backend.port),
        ),
    ];
    let mut app = App::start(&env, collector.dir.path());
    for i in 0..3 {
        let resp = http_request(
            app.addr,
            "POST",
            "/chat",
            &[("Content-Type", "application/json")],
            format!(r#"{{"message": "graph {i}"}}"#).as_bytes(),
        );
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    }
    let status = app.stop();
    assert!(status.success(), "{}", app.logs());
    llm_backend.stop();

    let p = Prometheus::start(ports.prometheus);
    let edge = format!(r#"client="{app_service}",server="{backend_service}",failed="false""#);
    for (query, what) in [
        (
            format!("traces_service_graph_request_total{{{edge}}}"),
            "requests",
        ),
        (
            format!("traces_service_graph_request_client_seconds_count{{{edge}}}"),
            "client latencies",
        ),
        (
            format!("traces_service_graph_request_server_seconds_count{{{edge}}}"),
            "server latencies",
        ),
    ] {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = p.query(&promql(&query));
            if r.len() == 1 && r[0]["value"][1] == "3" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: {query} = {r:?}\ncollector:\n{}\nprometheus:\n{}",
                collector.logs(),
                p.logs()
            );
            thread::sleep(Duration::from_millis(500));
        }
    }
    // The server side took less time than the client waited for it.
    let q = |metric: &str| {
        let r = p.query(&promql(&format!("{metric}{{{edge}}}")));
        r.first()
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let (client, server) = (
        q("traces_service_graph_request_client_seconds_sum"),
        q("traces_service_graph_request_server_seconds_sum"),
    );
    assert!(
        server > 0.0 && server <= client,
        "server {server}s, client {client}s"
    );
    let (st, logs) = collector.stop();
    assert!(st.success(), "{logs}");
    assert!(
        !logs.contains("connector type"),
        "service_graph is the current name, not a deprecated alias: {logs}"
    );
    let _ = trace_backend.stop();
}

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

/// The k8s documents of `file`, by kind.
fn k8s(file: &str) -> BTreeMap<String, Yaml> {
    let docs = documents(&deploy_dir().join("k8s").join(file));
    let mut out = BTreeMap::new();
    for d in docs {
        for key in ["apiVersion", "kind", "metadata/name"] {
            assert!(y(&d, key).is_string(), "{file}: every document has {key}: {d:?}");
        }
        out.insert(text(&d, "kind"), d);
    }
    out
}

#[test]
fn every_deploy_yaml_file_parses() {
    let mut files = Vec::new();
    yaml_files(&deploy_dir(), &mut files);
    let names: BTreeSet<String> = files
        .iter()
        .map(|p| p.strip_prefix(deploy_dir()).unwrap().display().to_string())
        .collect();
    for want in [
        "collector-config.yaml",
        "docker-compose.yaml",
        "prometheus.yml",
        "k8s/agent-daemonset.yaml",
        "k8s/gateway-deployment.yaml",
        "k8s/scale-out/agent-daemonset.yaml",
        "k8s/scale-out/gateway-statefulset.yaml",
    ] {
        assert!(names.contains(want), "deploy/{want} exists: {names:?}");
    }
    for f in &files {
        let docs = documents(f);
        assert!(
            !docs.is_empty() && docs.iter().all(|d| d.is_mapping()),
            "{}: mappings",
            f.display()
        );
    }
}

/// The collector configs of deploy/: the seed's file and each ConfigMap's.
fn collector_configs() -> Vec<(String, String)> {
    let mut out = vec![(
        "collector-config.yaml".to_string(),
        std::fs::read_to_string(deploy_dir().join("collector-config.yaml")).unwrap(),
    )];
    for file in [
        "agent-daemonset.yaml",
        "gateway-deployment.yaml",
        "scale-out/agent-daemonset.yaml",
        "scale-out/gateway-statefulset.yaml",
    ] {
        out.push((
            file.to_string(),
            text(&k8s(file)["ConfigMap"], "data/config.yaml"),
        ));
    }
    out
}

/// Component type names (and aliases) this distribution has, per kind.
fn distribution_components() -> BTreeMap<String, BTreeSet<String>> {
    let (code, out, err) = run_cli(&["components"]);
    assert_eq!(code, 0, "{err}");
    let doc: Yaml = serde_yaml::from_str(&out).unwrap();
    let mut kinds = BTreeMap::new();
    for kind in ["receivers", "processors", "exporters", "extensions", "connectors"] {
        let mut types = BTreeSet::new();
        for c in doc[kind].as_sequence().into_iter().flatten() {
            types.insert(text(c, "name"));
            for a in c["aliases"].as_sequence().into_iter().flatten() {
                types.insert(a.as_str().unwrap().to_string());
            }
        }
        kinds.insert(kind.to_string(), types);
    }
    kinds
}

/// `otelcol-rs validate` succeeds on every config of deploy/ when this
/// distribution has all the components it names; until then it must fail
/// naming exactly the missing types and nothing else.
#[test]
fn deploy_collector_configs_validate_against_this_distribution() {
    let have = distribution_components();
    for (name, config) in collector_configs() {
        let doc: Yaml = serde_yaml::from_str(&config).unwrap();
        let mut missing = BTreeSet::new();
        for (kind, types) in &have {
            for id in doc[kind.as_str()].as_mapping().into_iter().flat_map(|m| m.keys()) {
                let ty = id.as_str().unwrap().split('/').next().unwrap().to_string();
                if !types.contains(&ty) {
                    missing.insert(format!("{kind}::{ty}"));
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, &config).unwrap();
        let (code, out, err) = run_cli(&["validate", "--config", path.to_str().unwrap()]);
        if missing.is_empty() {
            assert_eq!(code, 0, "{name} validates:\n{out}{err}");
            continue;
        }
        assert_ne!(
            code, 0,
            "{name} names components this build lacks ({missing:?}) yet validates"
        );
        // One error: "Error: invalid configuration:\n<error>"; several:
        // "...\nN config errors:\n  - <error>", one per line.
        let errors: Vec<&str> = err
            .lines()
            .map(|l| l.trim_start().trim_start_matches("- "))
            .filter(|l| !l.is_empty() && !l.starts_with("Error:") && !l.ends_with("config errors:"))
            .collect();
        assert!(!errors.is_empty(), "{name}: validate lists its errors:\n{err}");
        let mut reported = BTreeSet::new();
        for e in &errors {
            // processors::memory_limiter: unknown type: "memory_limiter" for id: ...
            let (key, rest) = e.split_once(": ").unwrap_or((e, ""));
            let ty = rest
                .strip_prefix("unknown type: \"")
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("{name}: only unknown types may fail, got {e:?}"));
            let kind = key.split("::").next().unwrap();
            reported.insert(format!("{kind}::{ty}"));
        }
        assert_eq!(
            reported, missing,
            "{name}: validate names exactly the missing types:\n{err}"
        );
    }
}

fn ports(container: &Yaml) -> BTreeMap<String, (u64, Option<u64>)> {
    container["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| {
            let host = p["hostPort"].as_u64();
            (text(p, "name"), (p["containerPort"].as_u64().unwrap(), host))
        })
        .collect()
}

/// Probes, resource limits, mounted ConfigMap and the health_check port agree.
fn check_workload(file: &str, kind: &str) -> Yaml {
    let docs = k8s(file);
    let w = &docs[kind];
    let labels = y(w, "spec/template/metadata/labels");
    for (k, v) in y(w, "spec/selector/matchLabels").as_mapping().unwrap() {
        assert_eq!(&labels[k], v, "{file}: the selector matches the pod labels");
    }
    let c = y(w, "spec/template/spec/containers/0");
    for probe in ["livenessProbe", "readinessProbe"] {
        assert_eq!(
            y(c, &format!("{probe}/httpGet/port")).as_u64(),
            Some(13133),
            "{file}: {probe}"
        );
    }
    for limit in ["cpu", "memory"] {
        assert!(
            !y(c, &format!("resources/limits/{limit}")).is_null(),
            "{file}: limits.{limit}"
        );
    }
    let config: Yaml = serde_yaml::from_str(&text(&docs["ConfigMap"], "data/config.yaml")).unwrap();
    let health = text(&config, "extensions/health_check/endpoint");
    assert!(
        health.ends_with(":13133") && health.starts_with("0.0.0.0"),
        "{file}: probes reach {health}"
    );
    let volume = y(w, "spec/template/spec/volumes/0");
    assert_eq!(
        text(volume, "configMap/name"),
        text(&docs["ConfigMap"], "metadata/name")
    );
    let mount = y(c, "volumeMounts/0/mountPath").as_str().unwrap().to_string();
    let args: Vec<&str> = c["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        args,
        ["--config", &format!("{mount}/config.yaml")],
        "{file}: runs the mounted config"
    );
    w.clone()
}

#[test]
fn kubernetes_manifests_are_consistent() {
    let agent = check_workload("agent-daemonset.yaml", "DaemonSet");
    let p = ports(y(&agent, "spec/template/spec/containers/0"));
    assert_eq!(p["otlp-grpc"], (4317, Some(4317)), "agent: hostPort 4317");
    assert_eq!(p["otlp-http"], (4318, Some(4318)), "agent: hostPort 4318");

    let gateway = check_workload("gateway-deployment.yaml", "Deployment");
    let p = ports(y(&gateway, "spec/template/spec/containers/0"));
    let docs = k8s("gateway-deployment.yaml");
    let svc = &docs["Service"];
    let pod_labels = y(&gateway, "spec/template/metadata/labels");
    for (k, v) in y(svc, "spec/selector").as_mapping().unwrap() {
        assert_eq!(&pod_labels[k], v, "the Service selects the gateway pods");
    }
    for sp in y(svc, "spec/ports").as_sequence().unwrap() {
        let target = text(sp, "targetPort");
        assert!(
            p.contains_key(&target),
            "Service targetPort {target} is a container port: {p:?}"
        );
    }
    // The agent exports to the gateway Service's OTLP/gRPC port.
    let agent_cfg: Yaml = serde_yaml::from_str(&text(
        &k8s("agent-daemonset.yaml")["ConfigMap"],
        "data/config.yaml",
    ))
    .unwrap();
    let endpoint = text(&agent_cfg, "exporters/otlp/endpoint");
    let ns = text(svc, "metadata/namespace");
    assert_eq!(
        endpoint,
        format!("{}.{ns}.svc.cluster.local:4317", text(svc, "metadata/name"))
    );
}

/// The scale-out tier: the agents resolve the gateways' headless Service,
/// which selects the StatefulSet's pods on the port they listen on; both
/// tiers have probes, limits and a PodDisruptionBudget over their pods.
#[test]
fn scale_out_manifests_are_consistent() {
    let agent = check_workload("scale-out/agent-daemonset.yaml", "DaemonSet");
    let gateway = check_workload("scale-out/gateway-statefulset.yaml", "StatefulSet");
    let docs = k8s("scale-out/gateway-statefulset.yaml");
    let svc = &docs["Service"];
    assert_eq!(
        text(svc, "spec/clusterIP"),
        "None",
        "the gateway Service is headless"
    );
    assert_eq!(text(&gateway, "spec/serviceName"), text(svc, "metadata/name"));
    let pod_labels = y(&gateway, "spec/template/metadata/labels");
    for (k, v) in y(svc, "spec/selector").as_mapping().unwrap() {
        assert_eq!(&pod_labels[k], v, "the Service selects the gateway pods");
    }
    let gw_ports = ports(y(&gateway, "spec/template/spec/containers/0"));
    let svc_port = y(svc, "spec/ports/0");
    assert_eq!(gw_ports[&text(svc_port, "targetPort")].0, 4317);
    // The agent's DNS resolver names that Service and its port.
    let agent_cfg: Yaml = serde_yaml::from_str(&text(
        &k8s("scale-out/agent-daemonset.yaml")["ConfigMap"],
        "data/config.yaml",
    ))
    .unwrap();
    let dns = y(&agent_cfg, "exporters/loadbalancing/resolver/dns");
    let ns = text(svc, "metadata/namespace");
    assert_eq!(
        text(dns, "hostname"),
        format!("{}.{ns}.svc.cluster.local", text(svc, "metadata/name"))
    );
    assert_eq!(text(dns, "port"), text(svc_port, "port"));
    assert_eq!(text(&agent_cfg, "exporters/loadbalancing/routing_key"), "traceID");
    let gw_cfg: Yaml = serde_yaml::from_str(&text(&docs["ConfigMap"], "data/config.yaml")).unwrap();
    let traces = y(&gw_cfg, "service/pipelines/traces/processors");
    assert!(
        traces
            .as_sequence()
            .unwrap()
            .iter()
            .any(|p| p.as_str() == Some("tail_sampling")),
        "the gateways sample whole traces"
    );
    for (file, workload) in [
        ("scale-out/agent-daemonset.yaml", &agent),
        ("scale-out/gateway-statefulset.yaml", &gateway),
    ] {
        let pdb = &k8s(file)["PodDisruptionBudget"];
        let labels = y(workload, "spec/template/metadata/labels");
        for (k, v) in y(pdb, "spec/selector/matchLabels").as_mapping().unwrap() {
            assert_eq!(&labels[k], v, "{file}: the PodDisruptionBudget covers the pods");
        }
        assert_eq!(y(pdb, "spec/maxUnavailable").as_u64(), Some(1), "{file}");
    }
}

/// Every manifest of deploy/k8s passes a Kubernetes schema validator
/// (`kubernetes-validate --strict`, the OpenAPI schemas of Kubernetes 1.37,
/// from the test venv), so a field a cluster would reject fails here.
#[test]
fn kubernetes_manifests_pass_the_schema_validator() {
    let bin = python().with_file_name("kubernetes-validate");
    assert!(
        bin.exists(),
        "{} is missing: the test venv (integration-tests/python/requirements.txt) has it",
        bin.display()
    );
    let mut files = Vec::new();
    yaml_files(&deploy_dir().join("k8s"), &mut files);
    assert!(files.len() >= 4, "{files:?}");
    let out = Command::new(&bin)
        .args(["--strict", "--quiet", "--kubernetes-version", "1.37.0"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubernetes-validate:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And it does reject what a cluster would.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(deploy_dir().join("k8s/scale-out/gateway-statefulset.yaml"))
        .unwrap()
        .replace("serviceName:", "servicename:");
    std::fs::write(&bad, text).unwrap();
    let out = Command::new(&bin)
        .args(["--strict", "--quiet"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a misspelt field is refused");
}

#[test]
fn compose_dockerfile_and_prometheus_agree_with_the_collector_config() {
    let dir = deploy_dir();
    let compose = &documents(&dir.join("docker-compose.yaml"))[0];
    let services = &compose["services"];
    for s in ["otelcol-rs", "jaeger", "prometheus", "llm-app"] {
        assert!(services[s].is_mapping(), "compose has service {s}");
    }
    assert_eq!(
        text(services, "jaeger/environment/COLLECTOR_OTLP_ENABLED"),
        "true"
    );
    for s in ["otelcol-rs", "llm-app"] {
        let build = &services[s]["build"];
        let context = dir.join(text(build, "context"));
        assert!(
            context.join(text(build, "dockerfile")).is_file(),
            "{s}: the Dockerfile exists"
        );
    }
    for s in ["otelcol-rs", "prometheus"] {
        for v in services[s]["volumes"].as_sequence().unwrap() {
            let host = v.as_str().unwrap().split(':').next().unwrap();
            assert!(dir.join(host).is_file(), "{s}: volume source {host} exists");
        }
    }

    let config: Yaml =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("collector-config.yaml")).unwrap()).unwrap();
    let port = |endpoint: String| endpoint.rsplit(':').next().unwrap().to_string();
    // The app sends to the collector service's gRPC receiver.
    let app_endpoint = text(services, "llm-app/environment/OTEL_EXPORTER_OTLP_ENDPOINT");
    let grpc_port = port(text(&config, "receivers/otlp/protocols/grpc/endpoint"));
    assert_eq!(app_endpoint, format!("http://otelcol-rs:{grpc_port}"));
    // Traces go to the jaeger service; Prometheus scrapes the exporter port.
    let jaeger = text(&config, "exporters/otlp/endpoint");
    assert!(
        services[jaeger.split(':').next().unwrap()].is_mapping(),
        "{jaeger} is a compose service"
    );
    let prom_port = port(text(&config, "exporters/prometheus/endpoint"));
    let prom = &documents(&dir.join("prometheus.yml"))[0];
    let target = text(prom, "scrape_configs/0/static_configs/0/targets/0");
    assert_eq!(target, format!("otelcol-rs:{prom_port}"));
    let published: Vec<String> = services["otelcol-rs"]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    for p in [grpc_port.as_str(), prom_port.as_str(), "4318", "13133"] {
        assert!(
            published.iter().any(|x| x == &format!("{p}:{p}")),
            "compose publishes {p}"
        );
    }

    // The Dockerfile: multi-stage, both binaries, non-root, the ports.
    let docker = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let from = docker.lines().filter(|l| l.starts_with("FROM ")).count();
    assert!(from >= 2, "multi-stage build");
    assert!(
        docker.contains("-p otelcol-rs") && docker.contains("-p llm-app"),
        "builds both binaries"
    );
    let user = docker
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert!(
        !user.contains("root") && !user.ends_with(" 0") && !user.contains(" 0:"),
        "{user}"
    );
    let exposed: BTreeSet<&str> = docker
        .lines()
        .filter_map(|l| l.strip_prefix("EXPOSE "))
        .flat_map(str::split_whitespace)
        .collect();
    for p in ["4317", "4318", "8889", "13133", "8000"] {
        assert!(exposed.contains(p), "EXPOSE {p}: {exposed:?}");
    }
    for line in docker.lines().filter_map(|l| l.strip_prefix("COPY deploy/")) {
        let src = line.split_whitespace().next().unwrap();
        assert!(dir.join(src).is_file(), "COPY source deploy/{src} exists");
    }
}

/// promtool (Debian's `prometheus` package) checks prometheus.yml when installed.
#[test]
fn prometheus_config_passes_promtool_when_available() {
    let out = match Command::new("promtool")
        .args(["check", "config", "--syntax-only"])
        .arg(deploy_dir().join("prometheus.yml"))
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("promtool not installed ({e}); skipping (apt-get install prometheus)");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The transform statements of the OpenTelemetry demo's collector config
/// and of opentelemetry.io / Go's transform README, verbatim, on the seed
/// app's traffic; the results checked attribute by attribute against
/// Go's documented semantics. A third, untransformed pipeline is the
/// reference.
#[test]
fn llm_app_traffic_through_the_demo_and_opentelemetry_io_transform_statements() {
    let grpc = free_port();
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}"}}
processors:
  # open-telemetry/opentelemetry-demo src/otel-collector/otelcol-config.yml
  transform/demo:
    error_mode: ignore
    trace_statements:
      - context: span
        statements:
          # could be removed when https://github.com/vercel/next.js/pull/64852 is fixed upstream
          - replace_pattern(name, "\\?.*", "")
          - replace_match(name, "GET /api/products/*", "GET /api/products/{{productId}}")
    metric_statements:
      - context: resource
        statements:
          # Set service.instance.id to service.name if not already set (needed for Prometheus info() joins)
          - set(attributes["service.instance.id"], attributes["service.name"]) where attributes["service.instance.id"] == nil and attributes["service.name"] != nil
  # opentelemetry.io / Go's transform processor README
  transform/docs:
    error_mode: ignore
    trace_statements:
      - context: resource
        statements:
          - keep_keys(attributes, ["service.name", "service.namespace", "cloud.region", "process.command_line"])
          - replace_pattern(attributes["process.command_line"], "password\\=[^\\s]*(\\s?)", "password=***")
          - limit(attributes, 100, [])
          - truncate_all(attributes, 4096)
      - context: span
        statements:
          - set(status.code, 1) where attributes["http.path"] == "/health"
          - set(name, attributes["http.route"])
          - replace_match(attributes["http.target"], "/user/*/list/*", "/user/{{userId}}/list/{{listId}}")
          - limit(attributes, 100, [])
          - truncate_all(attributes, 4096)
exporters:
  file/raw_traces: {{path: "{{dir}}/raw_traces.jsonl"}}
  file/raw_metrics: {{path: "{{dir}}/raw_metrics.jsonl"}}
  file/demo_traces: {{path: "{{dir}}/demo_traces.jsonl"}}
  file/demo_metrics: {{path: "{{dir}}/demo_metrics.jsonl"}}
  file/docs_traces: {{path: "{{dir}}/docs_traces.jsonl"}}
service:
  pipelines:
    traces/raw: {{receivers: [otlp], exporters: [file/raw_traces]}}
    metrics/raw: {{receivers: [otlp], exporters: [file/raw_metrics]}}
    traces/demo: {{receivers: [otlp], processors: [transform/demo], exporters: [file/demo_traces]}}
    metrics/demo: {{receivers: [otlp], processors: [transform/demo], exporters: [file/demo_metrics]}}
    traces/docs: {{receivers: [otlp], processors: [transform/docs], exporters: [file/docs_traces]}}
"#
    );
    let addr: SocketAddr = format!("127.0.0.1:{grpc}").parse().unwrap();
    let mut collector = Collector::start(&config, &[], &[addr]);
    let service = "llm-app-transform";
    let env = [
        ("OTEL_SERVICE_NAME", service.to_string()),
        ("OTEL_SERVICE_VERSION", "9.9.9".to_string()),
        ("OTEL_DEPLOYMENT_ENVIRONMENT", "itest".to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}")),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".to_string()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500".to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_string()),
    ];
    let mut app = App::start(&env, collector.dir.path());
    let traceparent = format!("00-{TRACE}-{PARENT}-01");
    let resp = http_request(
        app.addr,
        "POST",
        "/chat?lang=en",
        &[
            ("Content-Type", "application/json"),
            ("traceparent", &traceparent),
        ],
        br#"{"message": "transform me"}"#,
    );
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let status = app.stop();
    assert!(status.success(), "{}", app.logs());
    let (st, logs) = collector.stop();
    assert!(st.success(), "{logs}");

    let dir = collector.dir.path();
    // (resource attributes, spans by name) of the seed's trace in one file.
    let trace_of = |file: &str| {
        let mut resource = None;
        let mut spans = BTreeMap::new();
        for rs in decode(dir, file, otelcol_otlp_json::decode_traces)
            .iter()
            .flat_map(|r| r.resource_spans.clone())
        {
            for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                if hex(&span.trace_id) == TRACE {
                    resource = Some(attrs(&rs.resource.as_ref().unwrap().attributes));
                    spans.insert(span.name.clone(), span.clone());
                }
            }
        }
        (
            resource.unwrap_or_else(|| panic!("no trace {TRACE} in {file}")),
            spans,
        )
    };
    let (raw_res, raw) = trace_of("raw_traces.jsonl");
    let (demo_res, demo) = trace_of("demo_traces.jsonl");
    let (docs_res, docs) = trace_of("docs_traces.jsonl");
    let names = |m: &BTreeMap<String, Span>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&raw), ["POST /chat", "chat_operation", "llm.simulate_call"]);
    assert_eq!(raw_res.get("service.name").map(String::as_str), Some(service));
    assert!(
        raw_res.len() > 1,
        "the SDK sends more than service.name: {raw_res:?}"
    );

    // Demo: `\?.*` only strips a query string (the seed names spans by
    // route, so none has one) and no name is a products route: nothing
    // changes, down to the attributes.
    assert_eq!(demo_res, raw_res);
    assert_eq!(names(&demo), names(&raw));
    for (name, span) in &demo {
        assert_eq!(span, &raw[name], "demo statements leave {name} as it was");
    }

    // Docs: keep_keys keeps only the listed resource keys the SDK sends.
    assert_eq!(
        docs_res.keys().collect::<Vec<_>>(),
        ["service.name"],
        "keep_keys: {docs_res:?}"
    );
    // set(name, attributes["http.route"]): the SERVER span takes its route;
    // the others have no http.route, and `set` with a nil value does nothing.
    assert_eq!(names(&docs), ["/chat", "chat_operation", "llm.simulate_call"]);
    let server = &docs["/chat"];
    let raw_server = &raw["POST /chat"];
    assert_eq!(attrs(&server.attributes), attrs(&raw_server.attributes));
    assert_eq!(
        attrs(&server.attributes).get("http.route").map(String::as_str),
        Some("/chat")
    );
    assert_eq!(
        attrs(&server.attributes).get("url.path").map(String::as_str),
        Some("/chat"),
        "the query string is not part of url.path"
    );
    // No `http.path` (the seed uses semconv's url.path): status stays unset.
    assert_eq!(server.status, raw_server.status);
    for name in ["chat_operation", "llm.simulate_call"] {
        assert_eq!(&docs[name], &raw[name], "{name} is untouched");
    }

    // Demo metric statement: service.instance.id from service.name when the
    // SDK sent none (the raw copy shows it did not).
    let resources = |file: &str| {
        decode(dir, file, otelcol_otlp_json::decode_metrics)
            .iter()
            .flat_map(|r| r.resource_metrics.clone())
            .map(|rm| attrs(&rm.resource.as_ref().unwrap().attributes))
            .filter(|r| r.get("service.name").map(String::as_str) == Some(service))
            .collect::<Vec<_>>()
    };
    let (raw_m, demo_m) = (resources("raw_metrics.jsonl"), resources("demo_metrics.jsonl"));
    assert!(
        !raw_m.is_empty() && raw_m.len() == demo_m.len(),
        "{raw_m:?} / {demo_m:?}"
    );
    for (r, d) in raw_m.iter().zip(&demo_m) {
        assert_eq!(r.get("service.instance.id"), None, "{r:?}");
        assert_eq!(
            d.get("service.instance.id").map(String::as_str),
            Some(service),
            "{d:?}"
        );
        let mut d = d.clone();
        d.remove("service.instance.id");
        assert_eq!(&d, r, "nothing else changes");
    }
}
