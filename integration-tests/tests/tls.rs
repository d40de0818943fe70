//! TLS and mTLS between two collectors. A throwaway CA signs a server
//! certificate for 127.0.0.1/localhost and a client certificate. Collector
//! B serves OTLP/gRPC with mTLS and OTLP/HTTP with TLS into a file;
//! collector A receives spans over plain HTTP and forwards them with the
//! `otlp` exporter (CA + client certificate) and the `otlphttp` exporter
//! (`https://`, CA). A third collector without a client certificate is
//! refused by B.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use otelcol_configtls::testpki::TestPki;
use otelcol_integration_tests::*;

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
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"a"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
    .into_bytes()
}

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

/// The spans B's receiver accepted over `transport` (`grpc` or `http`).
fn accepted(c: &Collector, transport: &str) -> f64 {
    let page = http_request(c.metrics_addr, "GET", "/metrics", &[], b"");
    let label = format!("transport=\"{transport}\"");
    String::from_utf8_lossy(&page.body)
        .lines()
        .filter(|l| l.starts_with("otelcol_receiver_accepted_spans{") && l.contains(&label))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

fn send(a: SocketAddr, batch: usize, spans: usize) {
    let r = http_request(
        a,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &traces_body(batch, spans),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// Collector B: OTLP/gRPC with mTLS and OTLP/HTTP with TLS, into a file.
fn start_b(pki: &TestPki, grpc: u16, http: u16) -> Collector {
    let (cert, key, ca) = (
        pki.path("server.pem"),
        pki.path("server-key.pem"),
        pki.path("ca.pem"),
    );
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: "127.0.0.1:{grpc}"
        tls: {{cert_file: "{cert}", key_file: "{key}", client_ca_file: "{ca}"}}
      http:
        endpoint: "127.0.0.1:{http}"
        tls: {{cert_file: "{cert}", key_file: "{key}"}}
exporters:
  file: {{path: "{{dir}}/spans.jsonl", flush_interval: 100ms}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"#
    );
    Collector::start(&cfg, &[], &[addr(grpc), addr(http)])
}

/// A collector that receives OTLP/HTTP on `port` and exports with `exporters`.
fn start_a(port: u16, exporters: &str, names: &str) -> Collector {
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
exporters:
{exporters}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [{names}]}}
"#
    );
    Collector::start(&cfg, &[], &[addr(port)])
}

fn wait_until(deadline: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn spans_cross_tls_and_mtls_and_a_client_without_a_certificate_is_refused() {
    let pki = TestPki::new();
    let (b_grpc, b_http, a_http, c_http) = (free_port(), free_port(), free_port(), free_port());
    let mut b = start_b(&pki, b_grpc, b_http);
    let ca = pki.path("ca.pem");
    let exporters = format!(
        r#"  otlp:
    endpoint: localhost:{b_grpc}
    tls: {{ca_file: "{ca}", cert_file: "{}", key_file: "{}"}}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms}}
  otlphttp:
    endpoint: https://127.0.0.1:{b_http}
    tls: {{ca_file: "{ca}"}}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms}}"#,
        pki.path("client.pem"),
        pki.path("client-key.pem")
    );
    let mut a = start_a(a_http, &exporters, "otlp, otlphttp");
    let (batches, per) = (5, 20);
    for i in 0..batches {
        send(addr(a_http), i, per);
    }
    let want = (batches * per) as f64;
    let arrived = wait_until(Duration::from_secs(60), || {
        accepted(&b, "grpc") >= want && accepted(&b, "http") >= want
    });
    assert!(
        arrived,
        "grpc {} http {}\nA:\n{}\nB:\n{}",
        accepted(&b, "grpc"),
        accepted(&b, "http"),
        a.logs(),
        b.logs()
    );
    let (st, logs_a) = a.stop();
    assert!(st.success(), "{logs_a}");

    // C has the CA but no client certificate: B's mTLS listener refuses it.
    let exporters = format!(
        r#"  otlp:
    endpoint: localhost:{b_grpc}
    tls: {{ca_file: "{ca}"}}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 2s}}"#
    );
    let mut c = start_a(c_http, &exporters, "otlp");
    send(addr(c_http), 99, 3);
    assert!(
        wait_until(Duration::from_secs(30), || {
            let l = c.logs().to_lowercase();
            l.contains("certificate") && (l.contains("tls") || l.contains("alert"))
        }),
        "C logs the TLS failure:\n{}",
        c.logs()
    );
    assert_eq!(accepted(&b, "grpc"), want, "nothing from C arrives at B");
    c.stop();
    let (st, logs_b) = b.stop();
    assert!(st.success(), "{logs_b}");
    let mut names: Vec<String> = read_json_lines(&b.dir.path().join("spans.jsonl"))
        .iter()
        .flat_map(|l| l["resourceSpans"].as_array().unwrap().clone())
        .flat_map(|rs| rs["scopeSpans"].as_array().unwrap().clone())
        .flat_map(|ss| ss["spans"].as_array().unwrap().clone())
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.len() >= 2 * batches * per,
        "each span once per transport\n{logs_b}"
    );
    names.sort();
    names.dedup();
    assert_eq!(names.len(), batches * per);
    assert!(
        !names.iter().any(|n| n.starts_with("s-99-")),
        "C's spans never arrive"
    );
}

/// `reload_interval`: the receiver's certificate is replaced on disk while
/// it runs; within the interval it serves the new one, without a restart.
#[test]
fn a_rotated_server_certificate_is_served_without_a_restart() {
    let (old, new) = (TestPki::new(), TestPki::new());
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::copy(old.path("server.pem"), &cert).unwrap();
    std::fs::copy(old.path("server-key.pem"), &key).unwrap();
    let http = free_port();
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http}
        tls:
          cert_file: {}
          key_file: {}
          reload_interval: 200ms
exporters: {{nop: }}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [nop]}}
"#,
        cert.display(),
        key.display()
    );
    let mut c = Collector::start(&config, &[], &[addr(http)]);
    // An HTTPS request verified against `ca`: the status, or "tls" when the
    // handshake fails (the certificate is not signed by that CA).
    let status = |ca: &TestPki| {
        use otelcol_configtls::rustls::{ClientConnection, StreamOwned};
        use std::io::{Read, Write};
        let cfg = otelcol_configtls::client_config(&otelcol_configtls::TlsClientConfig {
            ca_file: ca.path("ca.pem"),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
        let name = otelcol_configtls::server_name("localhost", "").unwrap();
        let conn = ClientConnection::new(cfg, name).unwrap();
        let tcp = std::net::TcpStream::connect(addr(http)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut tls = StreamOwned::new(conn, tcp);
        let req = format!(
            "POST /v1/traces HTTP/1.1\r\nHost: localhost:{http}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        );
        if tls.write_all(req.as_bytes()).is_err() {
            return "tls".to_string();
        }
        let mut out = Vec::new();
        let _ = tls.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).to_string();
        text.split_whitespace().nth(1).unwrap_or("tls").to_string()
    };
    assert_eq!(status(&old), "200", "the first certificate");
    std::fs::copy(new.path("server.pem"), &cert).unwrap();
    std::fs::copy(new.path("server-key.pem"), &key).unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || status(&new) == "200"),
        "the rotated certificate is served\n{}",
        c.logs()
    );
    assert_ne!(status(&old), "200", "the old CA no longer verifies it");
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
}

/// A real Prometheus scrapes the `prometheus` exporter over HTTPS with a
/// bearer token (`tls` + `auth` on the exporter); a job with a wrong token
/// is refused (`up` 0). `health_check` serves over HTTPS too.
#[test]
fn prometheus_scrapes_the_exporter_over_https_with_a_token() {
    const TOKEN: &str = "scr4pe-t0ken";
    let pki = TestPki::new();
    let (http, prom, health) = (free_port(), free_port(), free_port());
    let (cert, key) = (pki.path("server.pem"), pki.path("server-key.pem"));
    let config = format!(
        r#"
extensions:
  bearertokenauth: {{token: {TOKEN}}}
  health_check:
    endpoint: 127.0.0.1:{health}
    tls: {{cert_file: {cert}, key_file: {key}}}
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{http}}}
exporters:
  prometheus:
    endpoint: 127.0.0.1:{prom}
    tls: {{cert_file: {cert}, key_file: {key}}}
    auth: {{authenticator: bearertokenauth}}
service:
  extensions: [bearertokenauth, health_check]
  pipelines:
    metrics: {{receivers: [otlp], exporters: [prometheus]}}
"#
    );
    let mut c = Collector::start(&config, &[], &[addr(http), addr(prom), addr(health)]);
    let body = r#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"tls-scrape"}}]},"scopeMetrics":[{"metrics":[{"name":"tls.scrape.gauge","gauge":{"dataPoints":[{"asDouble":42,"timeUnixNano":"1"}]}}]}]}]}"#;
    let r = http_request(
        addr(http),
        "POST",
        "/v1/metrics",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    // Over HTTPS (verified against the test CA): the response, or "tls".
    let get = |port: u16, path: &str, auth: Option<&str>| {
        use otelcol_configtls::rustls::{ClientConnection, StreamOwned};
        use std::io::{Read, Write};
        let cfg = otelcol_configtls::client_config(&otelcol_configtls::TlsClientConfig {
            ca_file: pki.path("ca.pem"),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
        let name = otelcol_configtls::server_name("localhost", "").unwrap();
        let tcp = std::net::TcpStream::connect(addr(port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut tls = StreamOwned::new(ClientConnection::new(cfg, name).unwrap(), tcp);
        let auth = auth
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n");
        if tls.write_all(req.as_bytes()).is_err() {
            return "tls".to_string();
        }
        let mut out = Vec::new();
        let _ = tls.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let page = get(prom, "/metrics", Some(TOKEN));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("tls_scrape_gauge"), "{page}");
    assert!(get(prom, "/metrics", None).starts_with("HTTP/1.1 401"));
    assert!(get(prom, "/metrics", Some("wrong")).starts_with("HTTP/1.1 401"));
    // Plain HTTP on the TLS port gets no HTTP answer.
    {
        use std::io::{Read, Write};
        let mut tcp = std::net::TcpStream::connect(addr(prom)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = tcp.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let mut out = Vec::new();
        let _ = tcp.read_to_end(&mut out);
        assert!(
            !out.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }
    assert!(
        wait_until(Duration::from_secs(20), || get(health, "/", None)
            .starts_with("HTTP/1.1 200")),
        "health_check over HTTPS: {}",
        get(health, "/", None)
    );
    let ca = pki.path("ca.pem");
    let p = Prometheus::start_jobs(&format!(
        r#"
  - job_name: with-token
    scheme: https
    tls_config: {{ca_file: "{ca}", server_name: localhost}}
    authorization: {{credentials: {TOKEN}}}
    static_configs: [{{targets: ["127.0.0.1:{prom}"]}}]
  - job_name: wrong-token
    scheme: https
    tls_config: {{ca_file: "{ca}", server_name: localhost}}
    authorization: {{credentials: wrong}}
    static_configs: [{{targets: ["127.0.0.1:{prom}"]}}]
"#
    ));
    let (_, v) = p.wait_for_series("tls_scrape_gauge", "with-token");
    assert_eq!(v, 42.0);
    let (_, up) = p.wait_for_series("up", "wrong-token");
    assert_eq!(up, 0.0, "a scrape with a wrong token is refused");
    let (_, up) = p.wait_for_series("up", "with-token");
    assert_eq!(up, 1.0);
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
}
