//! Extensions (health_check, zpages, pprof) and the collector's own telemetry
//! (`/metrics`, JSON logs, `graph`), end to end against the real binary.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

const JSON: (&str, &str) = ("Content-Type", "application/json");
const DEADLINE: Duration = Duration::from_secs(30);

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A response read without panicking (the harness' `http_request` panics when
/// nothing listens, which polling during start and shutdown must tolerate).
#[derive(Debug)]
struct Resp {
    status: u16,
    content_type: String,
    body: String,
}

fn try_request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Option<Resp> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // One write: a separate small body write can stall on Nagle + delayed ACK.
    let mut req = head.into_bytes();
    req.extend_from_slice(body);
    s.write_all(&req).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(raw.get(..split)?).to_string();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let content_type = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let body = String::from_utf8_lossy(raw.get(split + 4..)?).to_string();
    Some(Resp {
        status,
        content_type,
        body,
    })
}

/// Polls `f` until it returns `Some`, for up to 30 s.
fn poll<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

fn traces_body(batch: usize, spans: usize) -> Vec<u8> {
    let spans: Vec<String> = (0..spans)
        .map(|i| {
            format!(
                r#"{{"traceId":"{:032x}","spanId":"{:016x}","name":"s-{batch}-{i}","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2"}}"#,
                batch + 1,
                i + 1
            )
        })
        .collect();
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"itest"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
    .into_bytes()
}

fn metrics_body(points: usize) -> Vec<u8> {
    let points: Vec<String> = (0..points)
        .map(|i| format!(r#"{{"asInt":"{i}","timeUnixNano":"{}"}}"#, i + 1))
        .collect();
    format!(
        r#"{{"resourceMetrics":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"itest"}}}}]}},"scopeMetrics":[{{"metrics":[{{"name":"itest.gauge","gauge":{{"dataPoints":[{}]}}}}]}}]}}]}}"#,
        points.join(",")
    )
    .into_bytes()
}

fn logs_body(records: usize) -> Vec<u8> {
    let records: Vec<String> = (0..records)
        .map(|i| format!(r#"{{"body":{{"stringValue":"line {i}"}}}}"#))
        .collect();
    format!(
        r#"{{"resourceLogs":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"itest"}}}}]}},"scopeLogs":[{{"logRecords":[{}]}}]}}]}}"#,
        records.join(",")
    )
    .into_bytes()
}

fn post(addr: SocketAddr, path: &str, body: &[u8]) {
    let r = http_request(addr, "POST", path, &[JSON], body);
    assert_eq!(r.status, 200, "POST {path}: {}", String::from_utf8_lossy(&r.body));
}

// ---------------------------------------------------------------- health_check

/// A collector whose only exporter sends to a closed port with a queue and a
/// few seconds of retries, so shutdown visibly takes a while to drain.
fn slow_draining_collector(health_check: &str) -> (Collector, SocketAddr) {
    let closed = closed_port();
    let cfg = format!(
        r#"
extensions:
  health_check:
{health_check}
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:0"}}
exporters:
  otlp:
    endpoint: 127.0.0.1:{}
    tls: {{insecure: true}}
    timeout: 500ms
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 5s}}
    sending_queue: {{queue_size: 100}}
service:
  extensions: [health_check]
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp]}}
"#,
        closed.port
    );
    let mut c = Collector::start(&cfg, &[], &[]);
    let http = otlp_http(&mut c);
    // Held until the collector stops: the exporter must keep failing.
    std::mem::forget(closed);
    (c, http)
}

/// Polls `path` until it answers 200; any earlier answer must be 503.
fn wait_until_healthy(c: &Collector, addr: SocketAddr, path: &str) -> Resp {
    poll("health_check to answer 200", || {
        let r = try_request(addr, "GET", path, b"")?;
        assert!(
            r.status == 200 || r.status == 503,
            "before ready only 503 is allowed: {r:?}\n{}",
            c.logs()
        );
        (r.status == 200).then_some(r)
    })
}

/// Sends spans the exporter cannot deliver, SIGTERMs, and polls `path` while
/// shutdown drains; returns every answer seen until the port closed.
fn answers_during_shutdown(
    c: &mut Collector,
    receiver: SocketAddr,
    health: SocketAddr,
    path: &str,
) -> Vec<Resp> {
    for i in 0..3 {
        post(receiver, "/v1/traces", &traces_body(i, 5));
    }
    c.signal("TERM");
    let mut seen = Vec::new();
    let deadline = Instant::now() + DEADLINE;
    while Instant::now() < deadline {
        match try_request(health, "GET", path, b"") {
            Some(r) => seen.push(r),
            None if TcpStream::connect_timeout(&health, Duration::from_millis(200)).is_err() => break,
            None => {}
        }
        thread::sleep(Duration::from_millis(20));
    }
    let (status, logs) = c.stop();
    // The backend never took the spans: they are dropped at shutdown, which
    // the exit status (3) and the last log line report.
    assert_eq!(status.code(), Some(3), "{logs}");
    assert!(logs.contains("Shutdown complete with data loss"), "{logs}");
    seen
}

#[test]
fn health_check_turns_ready_then_unavailable_during_shutdown() {
    let (mut c, receiver) = slow_draining_collector("    endpoint: 127.0.0.1:0");
    let health = c.listen_addr("health_check", "health check");
    let ok = wait_until_healthy(&c, health, "/");
    assert_eq!(ok.content_type, "application/json", "{ok:?}");
    let doc: serde_json::Value = serde_json::from_str(&ok.body).unwrap();
    assert_eq!(doc["status"], "Server available", "{doc}");
    let up_since = doc["upSince"].as_str().unwrap();
    assert!(
        up_since.len() > 20
            && up_since.contains('T')
            && up_since.ends_with('Z')
            && !up_since.starts_with("0001"),
        "upSince is an RFC 3339 UTC time: {doc}"
    );
    assert!(!doc["uptime"].as_str().unwrap().is_empty(), "{doc}");
    // The default path `/` answers every path below it, as Go's ServeMux.
    assert_eq!(try_request(health, "GET", "/anything", b"").unwrap().status, 200);
    assert!(c.wait_for_log("Everything is ready"), "{}", c.logs());

    let seen = answers_during_shutdown(&mut c, receiver, health, "/");
    let unavailable: Vec<&Resp> = seen.iter().filter(|r| r.status == 503).collect();
    assert!(
        !unavailable.is_empty(),
        "health_check answered 503 at least once while the exporter drained; saw {:?}\n{}",
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        c.logs()
    );
    let first_503 = seen.iter().position(|r| r.status == 503).unwrap();
    assert!(
        seen.iter().skip(first_503).all(|r| r.status == 503),
        "once shutdown began it never turns healthy again: {:?}",
        seen.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let r = unavailable[0];
    assert_eq!(r.content_type, "application/json", "{r:?}");
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"status": "Server not available", "upSince": "0001-01-01T00:00:00Z", "uptime": ""})
    );
}

#[test]
fn health_check_custom_path_and_response_body() {
    let (mut c, receiver) = slow_draining_collector(
        "    endpoint: 127.0.0.1:0\n    path: /health/status\n    response_body: {healthy: \"I'm OK\", unhealthy: \"I'm not OK\"}",
    );
    let health = c.listen_addr("health_check", "health check");
    let ok = wait_until_healthy(&c, health, "/health/status");
    assert_eq!(ok.body, "I'm OK");
    assert_eq!(ok.content_type, "text/plain; charset=utf-8");
    // A path without a trailing slash answers only itself.
    for other in ["/", "/health", "/health/status/x", "/healthz"] {
        let r = try_request(health, "GET", other, b"").unwrap();
        assert_eq!(r.status, 404, "{other}: {r:?}");
    }
    // Any method.
    assert_eq!(
        try_request(health, "POST", "/health/status", b"{}")
            .unwrap()
            .status,
        200
    );

    let seen = answers_during_shutdown(&mut c, receiver, health, "/health/status");
    let r = seen
        .iter()
        .find(|r| r.status == 503)
        .unwrap_or_else(|| panic!("no 503 during shutdown: {seen:?}\n{}", c.logs()));
    assert_eq!(r.body, "I'm not OK");
    assert_eq!(r.content_type, "text/plain; charset=utf-8");
}

#[test]
fn health_check_is_available_again_after_a_reload() {
    let (http, health_port) = (free_port(), free_port());
    let health = loopback(health_port);
    let cfg = format!(
        "extensions: {{health_check: {{endpoint: '127.0.0.1:{health_port}'}}}}\n\
         receivers: {{otlp: {{protocols: {{http: {{endpoint: '127.0.0.1:{http}'}}}}}}}}\n\
         exporters: {{nop: }}\n\
         service:\n  extensions: [health_check]\n  pipelines: {{logs: {{receivers: [otlp], exporters: [nop]}}}}\n"
    );
    let mut c = Collector::start(&cfg, &[], &[loopback(http)]);
    let first = wait_until_healthy(&c, health, "/");
    let first: serde_json::Value = serde_json::from_str(&first.body).unwrap();
    c.signal("HUP");
    poll("the reloaded service to be ready", || {
        (c.logs().matches("Everything is ready").count() == 2).then_some(())
    });
    let again = wait_until_healthy(&c, health, "/");
    let again: serde_json::Value = serde_json::from_str(&again.body).unwrap();
    assert_eq!(again["status"], "Server available");
    assert_ne!(again["upSince"], first["upSince"], "ready anew after the reload");
    post(loopback(http), "/v1/logs", &logs_body(1));
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
}

// ---------------------------------------------------------------- zpages

#[test]
fn zpages_describe_the_running_service() {
    let cfg = r#"
extensions:
  zpages: {endpoint: "127.0.0.1:0"}
  health_check: {endpoint: "127.0.0.1:0"}
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:0"}
processors:
  attributes/tag:
    actions: [{key: itest, value: "yes", action: insert}]
  batch:
exporters:
  file: {path: "{dir}/out.jsonl"}
  nop:
service:
  extensions: [zpages, health_check]
  pipelines:
    traces: {receivers: [otlp], processors: [attributes/tag, batch], exporters: [file, nop]}
    logs/audit: {receivers: [otlp], exporters: [nop]}
"#;
    let mut c = Collector::start(cfg, &[], &[]);
    let http = otlp_http(&mut c);
    let z = c.listen_addr("zpages", "zPages");
    for i in 0..3 {
        post(http, "/v1/traces", &traces_body(i, 2));
    }
    post(http, "/v1/logs", &logs_body(2));
    let get = |path: &str| {
        let r = try_request(z, "GET", path, b"").unwrap_or_else(|| panic!("GET {path}"));
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert!(
            r.content_type.starts_with("text/html"),
            "{path}: {}",
            r.content_type
        );
        r.body
    };

    let servicez = get("/debug/servicez");
    assert!(
        servicez.contains("<td>Command</td><td>otelcol-rs</td>"),
        "{servicez}"
    );
    let pid = servicez
        .split_once("<td>Process ID</td><td>")
        .and_then(|(_, rest)| rest.split_once("</td>"))
        .map(|(pid, _)| pid.to_string());
    assert!(
        pid.is_some_and(|p| p.parse::<u32>().is_ok_and(|p| p > 1)),
        "{servicez}"
    );
    for link in [
        "/debug/pipelinez",
        "/debug/extensionz",
        "/debug/featurez",
        "/debug/tracez",
    ] {
        assert!(servicez.contains(&format!("href=\"{link}\"")), "{servicez}");
    }

    let pipelinez = get("/debug/pipelinez");
    assert!(
        pipelinez.contains(
            "<tr><td>traces</td><td>traces</td><td>true</td><td>otlp</td><td>attributes/tag<br>batch</td><td>file<br>nop</td></tr>"
        ),
        "one row per pipeline, processors in order, attributes mutates data:\n{pipelinez}"
    );
    assert!(
        pipelinez.contains(
            "<tr><td>logs/audit</td><td>logs</td><td>false</td><td>otlp</td><td></td><td>nop</td></tr>"
        ),
        "{pipelinez}"
    );

    let extensionz = get("/debug/extensionz");
    let (zp, hc) = (
        extensionz.find("<td>zpages</td><td>zpages</td>"),
        extensionz.find("<td>health_check</td><td>health_check</td>"),
    );
    assert!(
        zp.is_some() && hc.is_some() && zp < hc,
        "in start order: {extensionz}"
    );

    let featurez = get("/debug/featurez");
    assert!(featurez.contains("defines no feature gates"), "{featurez}");
    assert!(featurez.contains("<th>Enabled</th>"), "{featurez}");

    // The runtime wraps every component start in a `start` span.
    let tracez = get("/debug/tracez");
    assert!(tracez.contains("<td>start</td>"), "{tracez}");
    assert!(tracez.contains("zspanname=start&amp;ztype=1"), "{tracez}");
    let samples = get("/debug/tracez?zspanname=start&ztype=1&zlatencybucket=0");
    let any_bucket = samples.contains("id=otlp")
        || (1..9).any(|b| {
            get(&format!(
                "/debug/tracez?zspanname=start&ztype=1&zlatencybucket={b}"
            ))
            .contains("id=otlp")
        });
    assert!(any_bucket, "a sample of the otlp receiver's start span");

    assert_eq!(try_request(z, "GET", "/debug/nothing", b"").unwrap().status, 404);
    // `expvar.enabled` defaults to false.
    assert_eq!(try_request(z, "GET", "/debug/expvarz", b"").unwrap().status, 404);
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
}

// ---------------------------------------------------------------- pprof

mod profile {
    //! Just enough of pprof's `profile.proto` to check a profile.

    /// `perftools.profiles.Profile`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Profile {
        #[prost(message, repeated, tag = "1")]
        pub sample_type: Vec<ValueType>,
        #[prost(message, repeated, tag = "2")]
        pub sample: Vec<Sample>,
        #[prost(message, repeated, tag = "4")]
        pub location: Vec<Location>,
        #[prost(message, repeated, tag = "5")]
        pub function: Vec<Function>,
        #[prost(string, repeated, tag = "6")]
        pub string_table: Vec<String>,
    }

    /// `ValueType`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct ValueType {
        #[prost(int64, tag = "1")]
        pub r#type: i64,
        #[prost(int64, tag = "2")]
        pub unit: i64,
    }

    /// `Sample`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Sample {
        #[prost(uint64, repeated, tag = "1")]
        pub location_id: Vec<u64>,
        #[prost(int64, repeated, tag = "2")]
        pub value: Vec<i64>,
    }

    /// `Location`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Location {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(message, repeated, tag = "4")]
        pub line: Vec<Line>,
    }

    /// `Line`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Line {
        #[prost(uint64, tag = "1")]
        pub function_id: u64,
    }

    /// `Function`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Function {
        #[prost(uint64, tag = "1")]
        pub id: u64,
        #[prost(int64, tag = "2")]
        pub name: i64,
    }
}

#[test]
fn pprof_cpu_profile_of_a_busy_collector_decodes() {
    use prost::Message;
    let cfg = r#"
extensions:
  pprof: {endpoint: "127.0.0.1:0"}
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:0"}
processors:
  batch:
exporters:
  nop:
service:
  extensions: [pprof]
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [nop]}
"#;
    let mut c = Collector::start(cfg, &[], &[]);
    let http = otlp_http(&mut c);
    let p = c.listen_addr("pprof", "pprof server");
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (stop, sent) = (stop.clone(), sent.clone());
            let body = traces_body(0, 1000);
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if try_request(http, "POST", "/v1/traces", &body).is_some_and(|r| r.status == 200) {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    poll("traffic to flow", || {
        (sent.load(Ordering::Relaxed) > 0).then_some(())
    });
    let r = http_request(p, "GET", "/debug/pprof/profile?seconds=1", &[], b"");
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().unwrap();
    }
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(r.body.as_slice())
        .read_to_end(&mut raw)
        .expect("the profile is gzip-compressed");
    let prof = profile::Profile::decode(raw.as_slice()).expect("profile.proto");
    assert_eq!(
        prof.string_table.first().map(String::as_str),
        Some(""),
        "string_table[0] is \"\""
    );
    let s = |i: i64| {
        prof.string_table
            .get(usize::try_from(i).unwrap())
            .unwrap()
            .as_str()
    };
    let types: Vec<(&str, &str)> = prof
        .sample_type
        .iter()
        .map(|t| (s(t.r#type), s(t.unit)))
        .collect();
    assert_eq!(types, vec![("samples", "count"), ("cpu", "nanoseconds")]);
    assert!(
        !prof.sample.is_empty(),
        "a busy collector yields samples in 1 s (sent {} requests)",
        sent.load(Ordering::Relaxed)
    );
    let locations: std::collections::HashSet<u64> = prof.location.iter().map(|l| l.id).collect();
    let functions: std::collections::HashMap<u64, i64> =
        prof.function.iter().map(|f| (f.id, f.name)).collect();
    for sample in &prof.sample {
        assert_eq!(sample.value.len(), 2, "{sample:?}");
        assert!(sample.value.iter().all(|v| *v > 0), "{sample:?}");
        assert!(!sample.location_id.is_empty());
        assert!(
            sample.location_id.iter().all(|id| locations.contains(id)),
            "{sample:?}"
        );
    }
    let names: Vec<&str> = prof
        .location
        .iter()
        .flat_map(|l| &l.line)
        .map(|line| s(*functions.get(&line.function_id).expect("line names a function")))
        .collect();
    assert!(
        names.iter().any(|n| n.contains("otelcol")),
        "symbolized frames of the collector's own code: {:?}",
        names.iter().take(20).collect::<Vec<_>>()
    );
    let cmdline = http_request(p, "GET", "/debug/pprof/cmdline", &[], b"");
    assert_eq!(cmdline.status, 200);
    let args: Vec<String> = String::from_utf8_lossy(&cmdline.body)
        .split('\0')
        .map(str::to_string)
        .collect();
    assert!(
        args.first().is_some_and(|a| a.ends_with("otelcol-rs")),
        "{args:?}"
    );
    assert!(
        args.windows(2)
            .any(|w| w[0] == "--config" && w[1] == c.config_path.display().to_string()),
        "{args:?}"
    );
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
}

// ---------------------------------------------------------------- self-metrics

/// The value of the series written exactly as `series` (name and labels).
fn series_value(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .find(|(s, _)| *s == series)
        .and_then(|(_, v)| v.parse().ok())
}

fn scrape(addr: SocketAddr) -> String {
    let r = http_request(addr, "GET", "/metrics", &[], b"");
    assert_eq!(r.status, 200);
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Polls `/metrics` until every series has its expected value.
fn wait_for_series(c: &Collector, want: &[(String, f64)]) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let page = scrape(c.metrics_addr);
        let missing: Vec<String> = want
            .iter()
            .filter(|(s, v)| series_value(&page, s) != Some(*v))
            .map(|(s, v)| format!("{s} = {v} (is {:?})", series_value(&page, s)))
            .collect();
        if missing.is_empty() {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "self-metrics never matched the traffic:\n{}\n--- /metrics:\n{page}\n--- logs:\n{}",
            missing.join("\n"),
            c.logs()
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn self_metrics_count_exactly_the_traffic_sent() {
    let cfg = r#"
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:0"}
processors:
  batch: {timeout: 100ms}
exporters:
  file: {path: "{dir}/out.jsonl", flush_interval: 100ms}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [file]}
    metrics: {receivers: [otlp], processors: [batch], exporters: [file]}
    logs: {receivers: [otlp], processors: [batch], exporters: [file]}
"#;
    let mut c = Collector::start(cfg, &[], &[]);
    let addr = otlp_http(&mut c);
    let (spans, points, records) = (3 * 7, 2 * 5, 4 * 3);
    for i in 0..3 {
        post(addr, "/v1/traces", &traces_body(i, 7));
    }
    for _ in 0..2 {
        post(addr, "/v1/metrics", &metrics_body(5));
    }
    for _ in 0..4 {
        post(addr, "/v1/logs", &logs_body(3));
    }
    let want: Vec<(String, f64)> = [
        (
            r#"otelcol_receiver_accepted_spans{receiver="otlp",transport="http"}"#,
            spans,
        ),
        (
            r#"otelcol_receiver_accepted_metric_points{receiver="otlp",transport="http"}"#,
            points,
        ),
        (
            r#"otelcol_receiver_accepted_log_records{receiver="otlp",transport="http"}"#,
            records,
        ),
        (
            r#"otelcol_receiver_refused_spans{receiver="otlp",transport="http"}"#,
            0,
        ),
        (r#"otelcol_exporter_sent_spans{exporter="file"}"#, spans),
        (r#"otelcol_exporter_sent_metric_points{exporter="file"}"#, points),
        (r#"otelcol_exporter_sent_log_records{exporter="file"}"#, records),
        (
            r#"otelcol_processor_incoming_items{otel_signal="traces",processor="batch"}"#,
            spans,
        ),
        (
            r#"otelcol_processor_incoming_items{otel_signal="metrics",processor="batch"}"#,
            points,
        ),
        (
            r#"otelcol_processor_incoming_items{otel_signal="logs",processor="batch"}"#,
            records,
        ),
        (
            r#"otelcol_processor_outgoing_items{otel_signal="traces",processor="batch"}"#,
            spans,
        ),
    ]
    .into_iter()
    .map(|(s, v)| (s.to_string(), f64::from(v)))
    .collect();
    let page = wait_for_series(&c, &want);
    assert!(
        page.contains("# TYPE otelcol_receiver_accepted_spans counter"),
        "{page}"
    );
    assert!(
        series_value(&page, "otelcol_process_uptime").is_some_and(|v| v > 0.0),
        "{page}"
    );
    assert!(
        series_value(&page, "otelcol_process_memory_rss").is_some_and(|v| v > 1e6),
        "{page}"
    );
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
    let lines = read_json_lines(&c.dir.path().join("out.jsonl"));
    let count = |key: &str| lines.iter().filter(|l| l.get(key).is_some()).count();
    assert!(count("resourceSpans") > 0 && count("resourceMetrics") > 0 && count("resourceLogs") > 0);
}

/// An OTLP/HTTP receiver on port 0 (see [`Collector::listen_addr`]) into nop.
fn minimal_pipeline() -> String {
    "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:0'}}}}\n\
     exporters: {nop: }\n\
     service:\n  pipelines: {logs: {receivers: [otlp], exporters: [nop]}}\n"
        .to_string()
}

fn otlp_http(c: &mut Collector) -> SocketAddr {
    c.listen_addr("otlp", "OTLP HTTP receiver")
}

#[test]
fn self_metrics_level_none_serves_nothing() {
    let cfg = minimal_pipeline() + "  telemetry: {metrics: {level: none}}\n";
    // The harness adds `service.telemetry.metrics.address` (port 0): with
    // level none nothing may be served there (the collector logs the
    // address whenever it serves its metrics).
    let mut c = Collector::start(&cfg, &[], &[]);
    let http = otlp_http(&mut c);
    assert!(c.wait_for_log("Everything is ready"), "{}", c.logs());
    post(http, "/v1/logs", &logs_body(1));
    assert_eq!(
        otelcol_integration_tests::own_metrics_addr(&c.logs()),
        None,
        "own metrics served with level none\n{}",
        c.logs()
    );
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
}

#[test]
fn self_metrics_pull_reader_serves_on_its_port() {
    // The pull reader's port is chosen here (it does not log the port it binds).
    let port = free_port();
    let cfg = minimal_pipeline()
        + &format!(
            "  telemetry:\n    metrics:\n      readers:\n        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {port}}}}}}}\n"
        );
    // An argument naming `telemetry` stops the harness from adding its own address.
    let mut c = Collector::start(
        &cfg,
        &["--set", "service.telemetry.logs.level=info"],
        &[loopback(port)],
    );
    let http = otlp_http(&mut c);
    post(http, "/v1/logs", &logs_body(4));
    let want = [(
        r#"otelcol_receiver_accepted_log_records{receiver="otlp",transport="http"}"#.to_string(),
        4.0,
    )];
    c.metrics_addr = loopback(port);
    wait_for_series(&c, &want);
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
}

// ---------------------------------------------------------------- graph, logs

#[test]
fn graph_of_the_seed_config_matches_the_frozen_mermaid() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/collector-config.yaml");
    let expected = include_str!("expected/seed-graph.mmd");
    let out = std::process::Command::new(binary())
        .args(["graph", "--config", config])
        .env("DEPLOYMENT_ENVIRONMENT", "itest")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout, expected);
    // The frozen file itself has every edge of the seed config.
    for signal in ["traces", "metrics", "logs"] {
        assert!(expected.contains(&format!("rcv_otlp -->|{signal}| pipe_{signal}__memory_limiter")));
        assert!(expected.contains(&format!(
            "pipe_{signal}__memory_limiter --> pipe_{signal}__batch\n    pipe_{signal}__batch --> pipe_{signal}__resource"
        )));
    }
    for edge in [
        "pipe_traces__resource --> exp_otlp",
        "pipe_traces__resource --> exp_debug",
        "pipe_metrics__resource --> exp_prometheus",
        "pipe_metrics__resource --> exp_debug",
        "pipe_logs__resource --> exp_debug",
    ] {
        assert!(expected.contains(edge), "{edge}");
    }
    assert_eq!(expected.matches("-->").count(), 3 + 6 + 5);
}

#[test]
fn json_log_encoding_writes_one_json_object_per_line() {
    let cfg = minimal_pipeline() + "  telemetry: {logs: {encoding: json}}\n";
    let mut c = Collector::start(&cfg, &[], &[]);
    otlp_http(&mut c);
    assert!(c.wait_for_log("Everything is ready"), "{}", c.logs());
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 3, "{logs}");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{logs}"));
        assert!(v.is_object(), "{line}");
        assert!(
            v["ts"].is_number() && v["level"].is_string() && v["msg"].is_string(),
            "{line}"
        );
    }
    let ready: serde_json::Value = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["msg"] == "Everything is ready. Begin running and processing data.")
        .unwrap_or_else(|| panic!("{logs}"));
    assert_eq!(
        ready["level"], "info",
        "zap's lower-case levels, as the Go collector writes them"
    );
}
