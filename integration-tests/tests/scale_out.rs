//! The scale-out tier on loopback: one agent (`loadbalancing`, DNS
//! resolver asking a real dnsmasq) in front of three gateways on 127.0.0.2,
//! .3 and .4; every trace must arrive whole at exactly one gateway, and a
//! gateway that goes away mid-run must not cost a span the agent accepted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use otelcol_component::build::string_kv;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use otelcol_integration_tests::*;
use prost::Message;

const NAME: &str = "gateways.otel.test";
const GATEWAY_IPS: [&str; 3] = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];

/// dnsmasq answering `NAME` from a hosts file it re-reads on SIGHUP.
struct Dns {
    child: Child,
    hosts: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

impl Dns {
    fn start(ips: &[&str]) -> Dns {
        let dir = tempfile::tempdir().unwrap();
        let hosts = dir.path().join("hosts");
        Self::write(&hosts, ips);
        let port = free_port();
        let (child, log) = spawn_logged(
            Command::new("dnsmasq")
                .arg("--no-daemon")
                .arg(format!("--port={port}"))
                .arg("--listen-address=127.0.0.1")
                .arg("--bind-interfaces")
                .arg("--no-resolv")
                .arg("--no-hosts")
                .arg(format!("--addn-hosts={}", hosts.display()))
                .arg("--local-ttl=0")
                .arg(format!("--pid-file={}", dir.path().join("pid").display())),
        );
        let dns = Dns {
            child,
            hosts,
            port,
            _dir: dir,
            log,
        };
        // Ready when it answers.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| {
                s.set_read_timeout(Some(Duration::from_millis(200)))?;
                s.send_to(&dns_query(), ("127.0.0.1", port))?;
                let mut buf = [0u8; 512];
                s.recv(&mut buf)
            })
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "dnsmasq did not answer:\n{}",
                dns.log.lock().unwrap()
            );
            thread::sleep(Duration::from_millis(100));
        }
        dns
    }

    fn write(hosts: &Path, ips: &[&str]) {
        let text: String = ips.iter().map(|ip| format!("{ip} {NAME}\n")).collect();
        std::fs::write(hosts, text).unwrap();
    }

    /// Serves `ips` for `NAME` from now on.
    fn set(&self, ips: &[&str]) {
        Self::write(&self.hosts, ips);
        let ok = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal A query for `NAME` (readiness probe only).
fn dns_query() -> Vec<u8> {
    let mut q = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in NAME.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

fn gateway(ip: &str, port: u16) -> Collector {
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "{ip}:{port}"}}
processors:
  tail_sampling:
    decision_wait: 1s
    policies:
      - {{name: errors, type: status_code, status_code: {{status_codes: [ERROR]}}}}
      - {{name: slow, type: latency, latency: {{threshold_ms: 500}}}}
exporters:
  file/received: {{path: "{{dir}}/traces.jsonl", flush_interval: 100ms}}
  file/sampled: {{path: "{{dir}}/sampled.jsonl", flush_interval: 100ms}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces/received: {{receivers: [otlp], exporters: [file/received]}}
    traces/sampled: {{receivers: [otlp], processors: [tail_sampling], exporters: [file/sampled]}}
"#
    );
    let addr: SocketAddr = format!("{ip}:{port}").parse().unwrap();
    Collector::start(&config, &[], &[addr])
}

fn agent(http: u16, gateway_port: u16, dns_port: u16) -> Collector {
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
exporters:
  loadbalancing:
    protocol:
      otlp:
        tls: {{insecure: true}}
        timeout: 2s
        retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 120s}}
    resolver:
      dns: {{hostname: {NAME}, port: "{gateway_port}", interval: 200ms, timeout: 1s, nameserver: "127.0.0.1:{dns_port}"}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [loadbalancing]}}
"#
    );
    let addr: SocketAddr = format!("127.0.0.1:{http}").parse().unwrap();
    Collector::start(&config, &[], &[addr])
}

/// Trace `t` has 5 to 20 spans; every span gets a distinct id.
fn spans_of(t: u32) -> u32 {
    5 + (t.wrapping_mul(2_654_435_761) >> 7) % 16
}

fn trace_id(t: u32) -> Vec<u8> {
    let mut id = vec![0u8; 16];
    id[..4].copy_from_slice(&t.to_be_bytes());
    id[4..8].copy_from_slice(&t.wrapping_mul(2_654_435_761).to_be_bytes());
    id[15] = 1;
    id
}

/// Every 10th trace has an error.
fn has_error(t: u32) -> bool {
    t % 10 == 0
}

/// Every 7th trace lasts 800 ms (one slow span), over the 500 ms threshold.
fn is_slow(t: u32) -> bool {
    t % 7 == 3
}

/// One request with the spans of traces `from..to`.
fn request(from: u32, to: u32) -> Vec<u8> {
    request_of(from..to, |t| 0..spans_of(t))
}

/// A request with the spans `which(t)` of each trace in `traces`.
fn request_of(traces: std::ops::Range<u32>, which: impl Fn(u32) -> std::ops::Range<u32> + Copy) -> Vec<u8> {
    let spans: Vec<Span> = traces
        .flat_map(|t| {
            which(t).map(move |i| Span {
                trace_id: trace_id(t),
                span_id: [t.to_be_bytes(), (i + 1).to_be_bytes()].concat(),
                name: format!("op-{i}"),
                start_time_unix_nano: 1_700_000_000_000_000_000,
                end_time_unix_nano: 1_700_000_000_000_000_000
                    + if is_slow(t) && i == 1 {
                        800_000_000
                    } else {
                        1_000_000
                    },
                status: (has_error(t) && i == 0).then(|| Status {
                    code: 2,
                    ..Default::default()
                }),
                ..Default::default()
            })
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![string_kv("service.name", "load")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn post(agent_http: u16, body: &[u8]) -> u16 {
    let addr: SocketAddr = format!("127.0.0.1:{agent_http}").parse().unwrap();
    http_request(
        addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/x-protobuf")],
        body,
    )
    .status
}

/// trace id (hex) → span count, of what one gateway received.
fn received(dir: &Path) -> BTreeMap<String, u32> {
    read_spans(&dir.join("traces.jsonl"))
}

/// trace id (hex) → span count, of what one gateway's tail sampling kept.
fn sampled(dir: &Path) -> BTreeMap<String, u32> {
    read_spans(&dir.join("sampled.jsonl"))
}

fn read_spans(path: &Path) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return out;
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue; // a line being written
        };
        for rs in v["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for s in ss["spans"].as_array().into_iter().flatten() {
                    let id = s["traceId"].as_str().unwrap_or_default().to_string();
                    *out.entry(id).or_insert(0) += 1;
                }
            }
        }
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Waits until the outputs in `dirs` hold `expected` spans in all.
fn wait_for_spans(dirs: &[PathBuf], expected: u32) -> Vec<BTreeMap<String, u32>> {
    wait_for(dirs, expected, received)
}

fn wait_for(
    dirs: &[PathBuf],
    expected: u32,
    read: fn(&Path) -> BTreeMap<String, u32>,
) -> Vec<BTreeMap<String, u32>> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let got: Vec<BTreeMap<String, u32>> = dirs.iter().map(|d| read(d)).collect();
        let total: u32 = got.iter().flat_map(|m| m.values()).sum();
        if total >= expected || Instant::now() > deadline {
            return got;
        }
        thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn every_trace_arrives_whole_at_one_gateway_and_tail_sampling_keeps_errors_and_slow_ones() {
    let dns = Dns::start(&GATEWAY_IPS);
    let gport = free_port();
    let gateways: Vec<Collector> = GATEWAY_IPS.iter().map(|ip| gateway(ip, gport)).collect();
    let http = free_port();
    let mut agent = agent(http, gport, dns.port);
    assert!(agent.wait_for_log("backends changed"), "{}", agent.logs());

    let traces = 2000u32;
    let mut expected = 0;
    for batch in 0..(traces / 50) {
        let (from, to) = (batch * 50, batch * 50 + 50);
        expected += (from..to).map(spans_of).sum::<u32>();
        assert_eq!(post(http, &request(from, to)), 200, "{}", agent.logs());
    }
    let dirs: Vec<PathBuf> = gateways.iter().map(|g| g.dir.path().to_path_buf()).collect();
    let got = wait_for_spans(&dirs, expected);
    let total: u32 = got.iter().flat_map(|m| m.values()).sum();
    assert_eq!(
        total,
        expected,
        "every span reaches a gateway once\n{}",
        agent.logs()
    );
    for t in 0..traces {
        let id = hex(&trace_id(t));
        let at: Vec<(usize, u32)> = got
            .iter()
            .enumerate()
            .filter_map(|(g, m)| m.get(&id).map(|n| (g, *n)))
            .collect();
        assert_eq!(at.len(), 1, "trace {t} at exactly one gateway: {at:?}");
        assert_eq!(at[0].1, spans_of(t), "trace {t} arrives whole");
    }
    for (g, m) in got.iter().enumerate() {
        let share = m.len() as f64 / f64::from(traces);
        assert!(
            (0.25..=0.42).contains(&share),
            "gateway {g} got {share:.3} of the traces"
        );
    }
    // Tail sampling on each gateway saw whole traces: it kept every trace
    // with an error and every slow one, whole, and nothing else.
    let keep: Vec<u32> = (0..traces).filter(|t| has_error(*t) || is_slow(*t)).collect();
    let kept_spans: u32 = keep.iter().map(|t| spans_of(*t)).sum();
    let got = wait_for(&dirs, kept_spans, sampled);
    let mut kept: BTreeMap<String, u32> = BTreeMap::new();
    for m in &got {
        for (id, n) in m {
            *kept.entry(id.clone()).or_insert(0) += n;
        }
    }
    let want: BTreeMap<String, u32> = keep.iter().map(|t| (hex(&trace_id(*t)), spans_of(*t))).collect();
    assert_eq!(
        kept.len(),
        want.len(),
        "{} traces kept of {} errors or slow",
        kept.len(),
        want.len()
    );
    assert_eq!(kept, want, "errors and slow traces kept whole, the rest dropped");
    // Go's self-metrics of the load balancer.
    assert_eq!(agent.self_metric("otelcol_loadbalancer_num_backends{"), Some(3.0));
    assert_eq!(
        agent.self_metric("otelcol_loadbalancer_num_backend_updates{"),
        Some(1.0)
    );
    assert!(
        agent
            .self_metric("otelcol_loadbalancer_num_resolutions{")
            .unwrap_or(0.0)
            >= 1.0
    );
    let outcomes = agent
        .self_metric("otelcol_loadbalancer_backend_outcome{")
        .unwrap_or(0.0);
    assert!(outcomes >= 3.0, "one outcome per part sent: {outcomes}");
    assert!(
        agent
            .self_metric("otelcol_loadbalancer_backend_latency_count{")
            .unwrap_or(0.0)
            >= 3.0
    );
    let (st, logs) = agent.stop();
    assert!(st.success(), "{logs}");
}

#[test]
fn a_gateway_that_leaves_and_returns_costs_no_accepted_span() {
    let dns = Dns::start(&GATEWAY_IPS);
    let gport = free_port();
    let mut gateways: Vec<Collector> = GATEWAY_IPS.iter().map(|ip| gateway(ip, gport)).collect();
    let http = free_port();
    let agent = agent(http, gport, dns.port);
    assert!(agent.wait_for_log("backends changed"), "{}", agent.logs());

    let traces = 2000u32;
    let sent = Arc::new(Mutex::new(0u32));
    let accepted = Arc::new(Mutex::new(0u32));
    let sender = {
        let (sent, accepted) = (sent.clone(), accepted.clone());
        thread::spawn(move || {
            // Each trace comes in two requests, as an app's batches cut
            // traces: the first half of its spans, then (next request) the rest.
            let first = |t: u32| 0..spans_of(t) / 2;
            let rest = |t: u32| spans_of(t) / 2..spans_of(t);
            let batches = traces / 20;
            for batch in 0..=batches {
                let now = if batch < batches {
                    batch * 20..batch * 20 + 20
                } else {
                    0..0
                };
                let prev = if batch > 0 {
                    (batch - 1) * 20..batch * 20
                } else {
                    0..0
                };
                let spans: u32 = now.clone().map(|t| first(t).len() as u32).sum::<u32>()
                    + prev.clone().map(|t| rest(t).len() as u32).sum::<u32>();
                let mut body = request_of(now, first);
                let tail = ExportTraceServiceRequest::decode(&request_of(prev, rest)[..]).unwrap();
                let mut req = ExportTraceServiceRequest::decode(&body[..]).unwrap();
                req.resource_spans.extend(tail.resource_spans);
                body = req.encode_to_vec();
                let status = post(http, &body);
                *sent.lock().unwrap() += spans;
                if status == 200 {
                    *accepted.lock().unwrap() += spans;
                }
                thread::sleep(Duration::from_millis(30));
            }
        })
    };
    // A third of the way in, the third gateway stops (SIGTERM, as a pod is
    // stopped) and leaves DNS; a while later it is back.
    while *sent.lock().unwrap() < 6_000 {
        thread::sleep(Duration::from_millis(20));
    }
    let (st, logs) = gateways[2].stop();
    assert!(st.success(), "{logs}");
    dns.set(&GATEWAY_IPS[..2]);
    thread::sleep(Duration::from_secs(2));
    let old_dir = gateways[2].dir.path().to_path_buf();
    let old = std::mem::replace(&mut gateways[2], gateway(GATEWAY_IPS[2], gport));
    dns.set(&GATEWAY_IPS);
    sender.join().unwrap();
    let accepted = *accepted.lock().unwrap();
    assert_eq!(
        accepted,
        *sent.lock().unwrap(),
        "the agent accepted every request"
    );

    let mut dirs: Vec<PathBuf> = gateways.iter().map(|g| g.dir.path().to_path_buf()).collect();
    dirs.push(old_dir);
    let got = wait_for_spans(&dirs, accepted);
    let total: u32 = got.iter().flat_map(|m| m.values()).sum();
    // Every accepted span reached some gateway, none twice.
    let mut per_trace: BTreeMap<String, (u32, BTreeSet<usize>)> = BTreeMap::new();
    for (g, m) in got.iter().enumerate() {
        for (id, n) in m {
            let e = per_trace.entry(id.clone()).or_default();
            e.0 += n;
            e.1.insert(g);
        }
    }
    let mut missing = Vec::new();
    for t in 0..traces {
        let n = per_trace.get(&hex(&trace_id(t))).map_or(0, |e| e.0);
        if n != spans_of(t) {
            missing.push((t, n, spans_of(t)));
        }
    }
    assert!(
        missing.is_empty(),
        "spans lost or doubled (trace, got, sent): {missing:?}\n{}",
        agent.logs()
    );
    assert_eq!(total, accepted);
    let split = per_trace.values().filter(|(_, at)| at.len() > 1).count();
    eprintln!(
        "scale-out: {traces} traces, {accepted} spans accepted and delivered; {split} traces split across gateways by the change"
    );
    let parts = agent
        .self_metric("otelcol_loadbalancer_backend_outcome{")
        .unwrap_or(0.0);
    let page = http_request(agent.metrics_addr, "GET", "/metrics", &[], b"");
    let refused: f64 = String::from_utf8_lossy(&page.body)
        .lines()
        .filter(|l| {
            l.starts_with("otelcol_loadbalancer_backend_outcome{") && l.contains(r#"success="false""#)
        })
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum();
    eprintln!("scale-out: {parts} parts sent, {refused} of them failed and were routed again");
    // The agent saw the gateway leave and come back.
    let updates = agent
        .self_metric("otelcol_loadbalancer_num_backend_updates{")
        .unwrap_or(0.0);
    assert!(
        updates >= 3.0,
        "3 → 2 → 3 backends: {updates} updates\n{}",
        agent.logs()
    );
    drop(old);
}

#[test]
fn data_for_an_unreachable_backend_is_routed_again_once_dns_drops_it() {
    // 127.0.0.5 is in DNS but nothing listens there.
    let dns = Dns::start(&["127.0.0.2", "127.0.0.3", "127.0.0.5"]);
    let gport = free_port();
    let gateways: Vec<Collector> = GATEWAY_IPS[..2].iter().map(|ip| gateway(ip, gport)).collect();
    let http = free_port();
    let agent = agent(http, gport, dns.port);
    assert!(agent.wait_for_log("backends changed"), "{}", agent.logs());
    let mut expected = 0;
    for batch in 0..10u32 {
        let (from, to) = (batch * 50, batch * 50 + 50);
        expected += (from..to).map(spans_of).sum::<u32>();
        assert_eq!(post(http, &request(from, to)), 200, "accepted into the queue");
    }
    // A third of it waits for the unreachable backend, retried.
    thread::sleep(Duration::from_secs(1));
    let dirs: Vec<PathBuf> = gateways.iter().map(|g| g.dir.path().to_path_buf()).collect();
    let before: u32 = dirs.iter().flat_map(|d| received(d).into_values()).sum();
    assert!(
        before < expected,
        "the unreachable backend's share is not delivered yet"
    );
    dns.set(&GATEWAY_IPS[..2]);
    let got = wait_for_spans(&dirs, expected);
    let total: u32 = got.iter().flat_map(|m| m.values()).sum();
    assert_eq!(
        total,
        expected,
        "re-routed to the backends left, none lost\n{}",
        agent.logs()
    );
    for t in 0..500 {
        let id = hex(&trace_id(t));
        let n: u32 = got.iter().filter_map(|m| m.get(&id)).sum();
        assert_eq!(n, spans_of(t), "trace {t}");
    }
}

/// A stand-in for the Kubernetes API server (no cluster runs here): HTTPS
/// with a test CA, bearer-token auth, the EndpointSlices of one Service as
/// `GET .../endpointslices?labelSelector=...` answers, and watches that get
/// one `MODIFIED` event when the endpoints change.
/// The Service's endpoint addresses and their resource version, with a
/// condition variable the watches wait on.
type Endpoints = Arc<(Mutex<(Vec<String>, u64)>, std::sync::Condvar)>;

struct FakeApiServer {
    addr: SocketAddr,
    state: Endpoints,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeApiServer {
    fn start(pki: &otelcol_configtls::testpki::TestPki, ips: &[&str]) -> FakeApiServer {
        use otelcol_configtls::rustls::{ServerConnection, StreamOwned};
        let cfg = otelcol_configtls::server_config(&otelcol_configtls::TlsServerConfig {
            cert_file: pki.path("server.pem"),
            key_file: pki.path("server-key.pem"),
            ..Default::default()
        })
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state: Endpoints = Arc::new((
            Mutex::new((ips.iter().map(|s| s.to_string()).collect::<Vec<_>>(), 1u64)),
            std::sync::Condvar::new(),
        ));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (st, reqs) = (state.clone(), requests.clone());
        thread::spawn(move || {
            for tcp in listener.incoming().map_while(Result::ok) {
                let (cfg, st, reqs) = (cfg.clone(), st.clone(), reqs.clone());
                thread::spawn(move || {
                    let Ok(conn) = ServerConnection::new(cfg) else {
                        return;
                    };
                    let mut s = StreamOwned::new(conn, tcp);
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if std::io::Read::read(&mut s, &mut byte).unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                    reqs.lock().unwrap().push(path.clone());
                    let send = |s: &mut StreamOwned<ServerConnection, std::net::TcpStream>, text: String| {
                        let _ = std::io::Write::write_all(s, text.as_bytes());
                        let _ = std::io::Write::flush(s);
                    };
                    // Every answer ends the connection, with a TLS close_notify.
                    let close = |s: &mut StreamOwned<ServerConnection, std::net::TcpStream>| {
                        s.conn.send_close_notify();
                        let _ = std::io::Write::flush(s);
                    };
                    if !head.contains("Authorization: Bearer test-token") {
                        send(&mut s, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\nConnection: close\r\n\r\nUnauthorized".into());
                        close(&mut s);
                        return;
                    }
                    if !path.starts_with("/apis/discovery.k8s.io/v1/namespaces/obs/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dgateways") {
                        send(&mut s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into());
                        close(&mut s);
                        return;
                    }
                    let slices = |ips: &[String], version: u64| {
                        let eps: Vec<String> = ips
                            .iter()
                            .enumerate()
                            .map(|(i, ip)| format!(r#"{{"addresses":["{ip}"],"conditions":{{"ready":true}},"hostname":"gw-{i}"}}"#))
                            .collect();
                        // A not-ready endpoint is never a backend.
                        let not_ready = r#"{"addresses":["127.0.0.9"],"conditions":{"ready":false}}"#;
                        format!(
                            r#"{{"kind":"EndpointSliceList","apiVersion":"discovery.k8s.io/v1","metadata":{{"resourceVersion":"{version}"}},"items":[{{"metadata":{{"name":"gateways-x"}},"addressType":"IPv4","endpoints":[{},{not_ready}],"ports":[{{"port":4317}}]}}]}}"#,
                            eps.join(",")
                        )
                    };
                    if let Some(rv) = path.split("resourceVersion=").nth(1) {
                        let from: u64 = rv.split('&').next().unwrap_or("0").parse().unwrap_or(0);
                        send(&mut s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".into());
                        let (lock, cv) = &*st;
                        let mut g = lock.lock().unwrap();
                        let deadline = Instant::now() + Duration::from_secs(30);
                        while g.1 <= from && Instant::now() < deadline {
                            g = cv.wait_timeout(g, Duration::from_millis(200)).unwrap().0;
                        }
                        if g.1 > from {
                            let event =
                                format!(r#"{{"type":"MODIFIED","object":{}}}"#, slices(&g.0, g.1)) + "\n";
                            send(&mut s, format!("{:x}\r\n{event}\r\n", event.len()));
                        }
                        send(&mut s, "0\r\n\r\n".into());
                        close(&mut s);
                        return;
                    }
                    let body = {
                        let g = st.0.lock().unwrap();
                        slices(&g.0, g.1)
                    };
                    send(
                        &mut s,
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        ),
                    );
                    close(&mut s);
                });
            }
        });
        FakeApiServer {
            addr,
            state,
            requests,
        }
    }

    fn set(&self, ips: &[&str]) {
        let (lock, cv) = &*self.state;
        let mut g = lock.lock().unwrap();
        g.0 = ips.iter().map(|s| s.to_string()).collect();
        g.1 += 1;
        cv.notify_all();
    }
}

#[test]
fn k8s_resolver_follows_the_services_endpointslices() {
    let pki = otelcol_configtls::testpki::TestPki::new();
    let api = FakeApiServer::start(&pki, &GATEWAY_IPS[..2]);
    let sa = tempfile::tempdir().unwrap();
    std::fs::write(sa.path().join("token"), "test-token\n").unwrap();
    std::fs::copy(pki.path("ca.pem"), sa.path().join("ca.crt")).unwrap();
    std::fs::write(sa.path().join("namespace"), "obs").unwrap();
    let gport = free_port();
    let gateways: Vec<Collector> = GATEWAY_IPS[..2].iter().map(|ip| gateway(ip, gport)).collect();
    let http = free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agent.yaml");
    std::fs::write(
        &config,
        format!(
            r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
exporters:
  loadbalancing:
    protocol:
      otlp:
        tls: {{insecure: true}}
        retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms}}
    resolver:
      k8s: {{service: gateways, ports: [{gport}]}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [loadbalancing]}}
"#
        ),
    )
    .unwrap();
    let api_port = api.addr.port().to_string();
    let sa_dir = sa.path().display().to_string();
    let agent_addr: SocketAddr = format!("127.0.0.1:{http}").parse().unwrap();
    let agent = Collector::start_args_env(
        &["--config", config.to_str().unwrap()],
        &[
            ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", api_port.as_str()),
            ("OTELCOL_K8S_SERVICE_ACCOUNT_DIR", sa_dir.as_str()),
        ],
        &[agent_addr],
    );
    assert!(agent.wait_for_log("backends changed"), "{}", agent.logs());
    assert_eq!(
        agent.self_metric("otelcol_loadbalancer_num_backends{"),
        Some(2.0),
        "{}",
        agent.logs()
    );
    let dirs: Vec<PathBuf> = gateways.iter().map(|g| g.dir.path().to_path_buf()).collect();
    let mut expected = 0;
    for batch in 0..10u32 {
        expected += (batch * 50..batch * 50 + 50).map(spans_of).sum::<u32>();
        assert_eq!(post(http, &request(batch * 50, batch * 50 + 50)), 200);
    }
    let got = wait_for_spans(&dirs, expected);
    assert!(
        got.iter().all(|m| !m.is_empty()),
        "both endpoints get traces: {:?}",
        got.iter().map(|m| m.len()).collect::<Vec<_>>()
    );
    // The Service loses its second endpoint: the watch tells the agent.
    api.set(&GATEWAY_IPS[..1]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while agent.self_metric("otelcol_loadbalancer_num_backends{") != Some(1.0) {
        assert!(
            Instant::now() < deadline,
            "the agent follows the watch:\n{}",
            agent.logs()
        );
        thread::sleep(Duration::from_millis(100));
    }
    let second_before = received(&dirs[1]).values().sum::<u32>();
    let mut more = 0;
    for batch in 10..20u32 {
        more += (batch * 50..batch * 50 + 50).map(spans_of).sum::<u32>();
        assert_eq!(post(http, &request(batch * 50, batch * 50 + 50)), 200);
    }
    let got = wait_for_spans(&dirs, expected + more);
    let total: u32 = got.iter().flat_map(|m| m.values()).sum();
    assert_eq!(total, expected + more, "{}", agent.logs());
    assert_eq!(
        got[1].values().sum::<u32>(),
        second_before,
        "nothing more for the removed endpoint"
    );
    let paths = api.requests.lock().unwrap().clone();
    assert!(
        paths.iter().any(|p| p.contains("watch=1")),
        "the agent watches: {paths:?}"
    );
    assert!(
        !agent.logs().contains("127.0.0.9"),
        "a not-ready endpoint is never used"
    );
}
