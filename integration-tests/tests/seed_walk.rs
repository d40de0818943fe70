//! The seed's walkthrough ("OpenTelemetry End-to-End Telemetry Flow", section
//! 8) with real processes: one `POST /chat` carrying a `traceparent` goes
//! app → collector A (started with `deploy/collector-config.yaml` itself, its
//! endpoints moved to free loopback ports with `--set`) → collector B (the
//! Jaeger stand-in: OTLP/gRPC in, file out) + a real Prometheus scraping A's
//! prometheus exporter + A's debug exporter on its console. The app is the
//! `llm-app` binary (Rust SDK) in one test and the official Python SDK
//! (`python/seed_app.py`) in the other.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{KeyValue, any_value::Value as V};
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_integration_tests::*;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";
/// What collector A's resource processor upserts (`DEPLOYMENT_ENVIRONMENT`).
const COLLECTOR_ENV: &str = "seed-walk";
/// What the apps themselves put in `deployment.environment`.
const APP_ENV: &str = "app-env";
const NAMES: [&str; 3] = ["POST /chat", "chat_operation", "llm.simulate_call"];
/// Upper bound for anything that arrives asynchronously.
const PATIENCE: Duration = Duration::from_secs(60);

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

// ---------------------------------------------------------------- collectors

/// Collector B (Jaeger stand-in), collector A (the deploy config) and Prometheus.
struct Stack {
    b: Collector,
    a: Collector,
    a_grpc: SocketAddr,
    prometheus: Prometheus,
}

fn start_stack() -> Stack {
    let (b, b_grpc) = start_trace_backend();
    let (a, ports) = start_deploy_collector(b_grpc, &[("DEPLOYMENT_ENVIRONMENT", COLLECTOR_ENV)], &[]);
    // The health port listens before the pipelines have started; it turns
    // ready with "Everything is ready".
    assert!(a.wait_for_log("Everything is ready"), "A started:\n{}", a.logs());
    let health = http_request(ports.health, "GET", "/", &[], b"");
    assert_eq!(health.status, 200, "A is healthy:\n{}", a.logs());
    let prometheus = Prometheus::start(ports.prometheus);
    Stack {
        b,
        a,
        a_grpc: ports.grpc,
        prometheus,
    }
}

// ---------------------------------------------------------------- the Rust app

/// A running `llm-app`, killed on drop.
struct App {
    child: Child,
    log: Arc<Mutex<String>>,
    addr: SocketAddr,
}

impl App {
    fn start(env: &[(&str, String)], cwd: &Path) -> App {
        let addr = addr(free_port());
        let mut cmd = Command::new(llm_app_binary());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_") || k.starts_with("LLM_")) {
            cmd.env_remove(k);
        }
        cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("LLM_APP_ADDR", addr.to_string())
            .env("NO_COLOR", "1")
            .current_dir(cwd); // no stray .env.local
        let (child, log) = spawn_logged(&mut cmd);
        let mut app = App { child, log, addr };
        let deadline = Instant::now() + PATIENCE;
        while !(TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            && http_request(addr, "GET", "/health", &[], b"").status == 200)
        {
            if let Ok(Some(st)) = app.child.try_wait() {
                panic!("llm-app exited with {st}:\n{}", app.logs());
            }
            assert!(Instant::now() < deadline, "llm-app not serving:\n{}", app.logs());
            thread::sleep(Duration::from_millis(50));
        }
        app
    }

    fn logs(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGTERM (graceful stop + flush of all three providers), then waits.
    fn stop(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                thread::sleep(Duration::from_millis(100)); // let the readers drain
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "llm-app did not stop:\n{}",
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

// ---------------------------------------------------------------- checks at B

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Attributes as key → printed value.
type Attrs = BTreeMap<String, String>;

fn attrs(kvs: &[KeyValue]) -> Attrs {
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

/// B's file output so far; lines still being written are skipped unless `strict`.
fn b_traces(b: &Collector, strict: bool) -> Vec<ExportTraceServiceRequest> {
    let text = std::fs::read_to_string(b.dir.path().join("traces.jsonl")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| match otelcol_otlp_json::decode_traces(l.as_bytes()) {
            Ok(r) => Some(r),
            Err(e) if strict => panic!("B wrote invalid OTLP/JSON ({e}): {l}"),
            Err(_) => None,
        })
        .collect()
}

/// The spans of trace `TRACE` from `service`, by name, with their resource attributes.
fn spans_at_b(traces: &[ExportTraceServiceRequest], service: &str) -> BTreeMap<String, Vec<(Span, Attrs)>> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for rs in traces.iter().flat_map(|r| &r.resource_spans) {
        let res = attrs(
            &rs.resource
                .as_ref()
                .map(|r| r.attributes.clone())
                .unwrap_or_default(),
        );
        if res.get("service.name").map(String::as_str) != Some(service) {
            continue;
        }
        for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
            if hex(&span.trace_id) == TRACE {
                out.entry(span.name.clone())
                    .or_default()
                    .push((span.clone(), res.clone()));
            }
        }
    }
    out
}

/// Waits until B holds the three spans, checks their tree and resources;
/// returns the spans by name.
fn check_spans_at_b(b: &Collector, service: &str, sdk_language: &str) -> BTreeMap<String, Span> {
    let deadline = Instant::now() + PATIENCE;
    while !NAMES
        .iter()
        .all(|n| spans_at_b(&b_traces(b, false), service).contains_key(*n))
    {
        assert!(
            Instant::now() < deadline,
            "B never got the three spans of {service}: {:?}\nB:\n{}",
            spans_at_b(&b_traces(b, false), service).keys(),
            b.logs()
        );
        thread::sleep(Duration::from_millis(200));
    }
    let mut spans = BTreeMap::new();
    for (name, found) in spans_at_b(&b_traces(b, false), service) {
        assert_eq!(found.len(), 1, "span {name} arrives at B once");
        let (span, res) = found.into_iter().next().unwrap();
        let want = [
            ("service.name", service),
            ("service.version", "9.9.9"),
            ("telemetry.sdk.language", sdk_language),
            // The app said APP_ENV; A's resource processor upserts its own.
            ("deployment.environment", COLLECTOR_ENV),
        ];
        for (k, v) in want {
            assert_eq!(
                res.get(k).map(String::as_str),
                Some(v),
                "{name}: resource {k}: {res:?}"
            );
        }
        spans.insert(name, span);
    }
    let (server, op, call) = (
        &spans["POST /chat"],
        &spans["chat_operation"],
        &spans["llm.simulate_call"],
    );
    assert_eq!(server.kind, SpanKind::Server as i32, "POST /chat is SERVER");
    assert_eq!(
        hex(&server.parent_span_id),
        PARENT,
        "POST /chat continues the incoming span"
    );
    assert_eq!(op.kind, SpanKind::Internal as i32, "chat_operation is INTERNAL");
    assert_eq!(
        op.parent_span_id, server.span_id,
        "chat_operation is a child of POST /chat"
    );
    assert_eq!(call.kind, SpanKind::Client as i32, "llm.simulate_call is CLIENT");
    assert_eq!(
        call.parent_span_id, op.span_id,
        "llm.simulate_call is a child of chat_operation"
    );
    spans
}

// ---------------------------------------------------------------- A's debug exporter

/// The `Span #n` / `LogRecord #n` blocks of the debug exporter's detailed
/// output: (block kind, fields such as `Trace ID`, `Name`, `Body`).
fn debug_blocks(console: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut blocks: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut open = false;
    for line in console.lines() {
        let t = line.trim();
        if t.starts_with("Span #") || t.starts_with("LogRecord #") {
            blocks.push((t.split(" #").next().unwrap().to_string(), BTreeMap::new()));
            open = true;
        } else if t.starts_with("Resource") || t.starts_with("Scope") || t.starts_with("20") {
            open = false; // the next resource, scope or console event
        } else if open && let Some((k, v)) = t.split_once(':') {
            let fields = &mut blocks.last_mut().unwrap().1;
            fields
                .entry(k.trim().to_string())
                .or_insert_with(|| v.trim().to_string());
        }
    }
    blocks
}

/// Waits until A's console shows the log record and the three spans, each
/// with the ids B received.
fn check_debug_output(a: &Collector, spans: &BTreeMap<String, Span>) {
    let op = &spans["chat_operation"];
    let want_log = |f: &BTreeMap<String, String>| {
        f.get("Body").map(String::as_str) == Some("Str(Processing chat request)")
            && f.get("Trace ID").map(String::as_str) == Some(TRACE)
            && f.get("Span ID") == Some(&hex(&op.span_id))
    };
    let want_span = |f: &BTreeMap<String, String>, s: &Span, kind: &str| {
        f.get("Name") == Some(&s.name)
            && f.get("Kind").map(String::as_str) == Some(kind)
            && f.get("Trace ID").map(String::as_str) == Some(TRACE)
            && f.get("ID") == Some(&hex(&s.span_id))
            && f.get("Parent ID") == Some(&hex(&s.parent_span_id))
    };
    let expected = [
        ("POST /chat", "Server"),
        ("chat_operation", "Internal"),
        ("llm.simulate_call", "Client"),
    ];
    let seen_all = |console: &str| {
        let blocks = debug_blocks(console);
        let log = blocks.iter().any(|(k, f)| k == "LogRecord" && want_log(f));
        let spans_ok = expected.iter().all(|(name, kind)| {
            blocks
                .iter()
                .any(|(k, f)| k == "Span" && want_span(f, &spans[*name], kind))
        });
        log && spans_ok
    };
    let deadline = Instant::now() + PATIENCE;
    while !seen_all(&a.logs()) {
        assert!(
            Instant::now() < deadline,
            "A's debug exporter never printed the log record (trace {TRACE}, span {}) and the three spans:\n{}",
            hex(&op.span_id),
            a.logs()
        );
        thread::sleep(Duration::from_millis(200));
    }
    let env_line = format!("-> deployment.environment: Str({COLLECTOR_ENV})");
    assert!(
        a.logs().contains(&env_line),
        "the debug output shows the upserted resource"
    );
}

// ---------------------------------------------------------------- the walk

/// Prometheus has the app's request counter (and the LLM call histogram),
/// labelled with `job` = the service name.
fn check_prometheus(p: &Prometheus, service: &str) {
    let (labels, value) = p.wait_for_series("chat_requests_total", service);
    assert_eq!(value, 1.0, "one request counted: {labels}");
    assert_eq!(labels["route"], "/chat", "{labels}");
    assert_eq!(labels["status"], "200", "{labels}");
    let (labels, count) = p.wait_for_series("llm_request_duration_seconds_count", service);
    assert_eq!(count, 1.0, "one LLM call recorded: {labels}");
}

/// After the app has flushed: B, Prometheus and A's console; then A and B
/// stop. Returns the three spans as B got them.
fn check_walk(mut stack: Stack, service: &str, sdk_language: &str) -> BTreeMap<String, Span> {
    let spans = check_spans_at_b(&stack.b, service, sdk_language);
    check_debug_output(&stack.a, &spans);
    check_prometheus(&stack.prometheus, service);

    let (st, a_logs) = stack.a.stop();
    assert!(st.success(), "A exits cleanly:\n{a_logs}");
    let (st, b_logs) = stack.b.stop();
    assert!(st.success(), "B exits cleanly:\n{b_logs}");
    // Everything B wrote is valid OTLP/JSON, and nothing arrived twice.
    let all = spans_at_b(&b_traces(&stack.b, true), service);
    for n in NAMES {
        assert_eq!(all.get(n).map(Vec::len), Some(1), "{n} once at B");
    }
    spans
}

#[test]
fn rust_llm_app_chat_request_walks_through_the_deploy_collector() {
    let stack = start_stack();
    let service = "seed-walk-rust";
    let env = [
        ("OTEL_SERVICE_NAME", service.to_string()),
        ("OTEL_SERVICE_VERSION", "9.9.9".to_string()),
        ("OTEL_DEPLOYMENT_ENVIRONMENT", APP_ENV.to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{}", stack.a_grpc)),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".to_string()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500".to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_string()),
    ];
    let mut app = App::start(&env, stack.a.dir.path());
    let resp = http_request(
        app.addr,
        "POST",
        "/chat",
        &[
            ("Content-Type", "application/json"),
            ("traceparent", &format!("00-{TRACE}-{PARENT}-01")),
        ],
        br#"{"message": "What is OpenTelemetry?"}"#,
    );
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let reply: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(reply["trace_id"], TRACE, "the reply names the continued trace");
    let st = app.stop();
    assert!(
        st.success(),
        "llm-app exits cleanly after SIGTERM:\n{}",
        app.logs()
    );
    let spans = check_walk(stack, service, "rust");
    assert_eq!(reply["trace_id"], hex(&spans["POST /chat"].trace_id));
}

#[test]
fn python_sdk_chat_request_walks_through_the_deploy_collector() {
    let stack = start_stack();
    let service = "seed-walk-python";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/seed_app.py");
    let mut cmd = Command::new(python());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .args([
            script,
            &stack.a_grpc.to_string(),
            service,
            &format!("00-{TRACE}-{PARENT}-01"),
        ])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python seed app failed (is the venv of OTELCOL_TEST_PYTHON set up?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ids JSON");
    assert_eq!(ids["trace_id"], TRACE, "the script continued the incoming trace");
    let spans = check_walk(stack, service, "python");
    for n in NAMES {
        assert_eq!(
            ids[n],
            hex(&spans[n].span_id),
            "B has the span {n} the script made"
        );
    }
}
