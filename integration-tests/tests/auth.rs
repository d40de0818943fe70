//! Authentication with real clients: the official Python SDK's OTLP
//! exporters (gRPC and HTTP) against a receiver with `bearertokenauth`, and
//! one collector's exporter authenticating to another's receiver.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

const TOKEN: &str = "s3cr3t-t0ken";

/// A collector whose OTLP receiver (gRPC and HTTP) requires `Bearer TOKEN`,
/// writing what it accepts to `{dir}/traces.jsonl`.
fn guarded() -> (Collector, u16, u16) {
    let (grpc, http) = (free_port(), free_port());
    let config = format!(
        r#"
extensions:
  bearertokenauth:
    token: {TOKEN}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc}
        auth: {{authenticator: bearertokenauth}}
      http:
        endpoint: 127.0.0.1:{http}
        auth: {{authenticator: bearertokenauth}}
exporters:
  file: {{path: "{{dir}}/traces.jsonl", flush_interval: 100ms}}
service:
  extensions: [bearertokenauth]
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"#
    );
    let addrs: Vec<SocketAddr> = [grpc, http]
        .iter()
        .map(|p| format!("127.0.0.1:{p}").parse().unwrap())
        .collect();
    (Collector::start(&config, &[], &addrs), grpc, http)
}

/// Runs the Python SDK client; returns (exports ok, exports failed).
fn python_client(protocol: &str, endpoint: &str, spans: u32, headers: Option<&str>) -> (u64, u64) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/auth_client.py");
    let mut cmd = Command::new(python());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
        cmd.env_remove(k);
    }
    if let Some(h) = headers {
        cmd.env("OTEL_EXPORTER_OTLP_HEADERS", h);
    }
    let out = cmd
        .args([script, protocol, endpoint, &spans.to_string()])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python auth client failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("manifest JSON");
    (v["ok"].as_u64().unwrap(), v["failed"].as_u64().unwrap())
}

fn spans_written(c: &Collector) -> usize {
    let path = c.dir.path().join("traces.jsonl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            v["resourceSpans"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|rs| rs["scopeSpans"].as_array().cloned().unwrap_or_default())
                .map(|ss| ss["spans"].as_array().map_or(0, Vec::len))
                .sum::<usize>()
        })
        .sum()
}

fn wait_for_spans(c: &Collector, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while spans_written(c) < n {
        assert!(
            Instant::now() < deadline,
            "{} of {n} spans\n{}",
            spans_written(c),
            c.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_python_sdk_with_the_token_is_accepted_and_without_it_refused_and_counted() {
    let (mut c, grpc, http) = guarded();
    let header = format!("authorization=Bearer%20{TOKEN}");
    for (protocol, port) in [("grpc", grpc), ("http", http)] {
        let endpoint = format!("127.0.0.1:{port}");
        assert_eq!(
            python_client(protocol, &endpoint, 3, Some(&header)),
            (3, 0),
            "{protocol}: the right token\n{}",
            c.logs()
        );
        assert_eq!(
            python_client(protocol, &endpoint, 2, None),
            (0, 2),
            "{protocol}: no token"
        );
        assert_eq!(
            python_client(protocol, &endpoint, 2, Some("authorization=Bearer%20wrong")),
            (0, 2),
            "{protocol}: a wrong token"
        );
    }
    wait_for_spans(&c, 6);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        spans_written(&c),
        6,
        "only the authenticated spans reach the pipeline"
    );
    for transport in ["grpc", "http"] {
        let refused = c
            .self_metric(&format!(
                r#"otelcol_receiver_refused_requests{{reason="unauthenticated",receiver="otlp",transport="{transport}"}}"#
            ))
            .unwrap_or(0.0);
        assert_eq!(refused, 4.0, "{transport}: 4 refused requests counted");
    }
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
    assert!(!logs.contains(TOKEN), "the token never appears in the log");
    assert!(!logs.contains("wrong"), "nor a wrong one");
}

#[test]
fn an_exporter_authenticates_to_the_next_collector() {
    let (mut b, b_grpc, b_http) = guarded();
    let a_http = free_port();
    let config = format!(
        r#"
extensions:
  bearertokenauth/client:
    token: {TOKEN}
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{a_http}}}
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:{b_grpc}
    tls: {{insecure: true}}
    auth: {{authenticator: bearertokenauth/client}}
  otlp_http:
    endpoint: http://127.0.0.1:{b_http}
    auth: {{authenticator: bearertokenauth/client}}
  loadbalancing:
    protocol:
      otlp:
        tls: {{insecure: true}}
        auth: {{authenticator: bearertokenauth/client}}
    resolver: {{static: {{hostnames: ["127.0.0.1:{b_grpc}"]}}}}
service:
  extensions: [bearertokenauth/client]
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp_grpc, otlp_http, loadbalancing]}}
"#
    );
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let mut a = Collector::start(&config, &[], &[a_addr]);
    let body = json_traces_body("auth", 0, 4);
    let resp = http_request(
        a_addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(resp.status, 200);
    // The three exporters' copies arrive: 4 spans each.
    wait_for_spans(&b, 12);
    let (st, logs) = a.stop();
    assert!(st.success(), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
    let printed = run_cli(&["print-config", "--config", a.config_path.to_str().unwrap()]);
    assert!(
        !printed.1.contains(TOKEN),
        "print-config hides the token:\n{}",
        printed.1
    );
    let (st, _) = b.stop();
    assert!(st.success());
}

#[test]
fn a_missing_authenticator_fails_the_start_with_gos_message() {
    let port = free_port();
    let config = format!(
        "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:{port}\n        auth: {{authenticator: nowhere}}\nexporters: {{nop: }}\nservice: {{pipelines: {{traces: {{receivers: [otlp], exporters: [nop]}}}}}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(binary())
        .args(["--config", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("failed to resolve authenticator \"nowhere\": authenticator not found"),
        "{err}"
    );
}

#[test]
fn health_check_and_zpages_behind_an_authenticator() {
    let (hc, zp, otlp) = (free_port(), free_port(), free_port());
    let config = format!(
        r#"
extensions:
  bearertokenauth:
    token: {TOKEN}
  health_check:
    endpoint: 127.0.0.1:{hc}
    auth: {{authenticator: bearertokenauth}}
  zpages:
    endpoint: 127.0.0.1:{zp}
    auth: {{authenticator: bearertokenauth}}
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{otlp}}}
exporters: {{nop: }}
service:
  extensions: [bearertokenauth, health_check, zpages]
  pipelines:
    traces: {{receivers: [otlp], exporters: [nop]}}
"#
    );
    let addrs: Vec<SocketAddr> = [hc, zp]
        .iter()
        .map(|p| format!("127.0.0.1:{p}").parse().unwrap())
        .collect();
    let mut c = Collector::start(&config, &[], &addrs);
    let bearer = format!("Bearer {TOKEN}");
    for (addr, path) in [(addrs[0], "/"), (addrs[1], "/debug/servicez")] {
        assert_eq!(
            http_request(addr, "GET", path, &[], b"").status,
            401,
            "{path} without a token"
        );
        assert_eq!(
            http_request(addr, "GET", path, &[("Authorization", "Bearer nope")], b"").status,
            401
        );
        assert_eq!(
            http_request(addr, "GET", path, &[("Authorization", &bearer)], b"").status,
            200,
            "{path} with the token"
        );
    }
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
}

#[test]
fn basicauth_accepts_the_htpasswd_users_and_headers_setter_forwards_the_tenant() {
    // B: basic auth on its receiver; it writes what it gets, with the
    // tenant header it was sent copied into an attribute.
    let (b_http, b_open, a_http) = (free_port(), free_port(), free_port());
    let b_config = format!(
        r#"
extensions:
  basicauth/server:
    htpasswd:
      inline: |
        agent:{{SHA}}qUqP5cyxm6YcTAhz05Hph5gvu9M=
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{b_http}
        include_metadata: true
        auth: {{authenticator: basicauth/server}}
  otlp/open:
    protocols:
      http:
        endpoint: 127.0.0.1:{b_open}
        include_metadata: true
processors:
  attributes:
    actions:
      - {{key: tenant, from_context: x-tenant, action: insert}}
      - {{key: user, from_context: auth.username, action: insert}}
exporters:
  file: {{path: "{{dir}}/traces.jsonl", flush_interval: 100ms}}
service:
  extensions: [basicauth/server]
  pipelines:
    traces: {{receivers: [otlp, otlp/open], processors: [attributes], exporters: [file]}}
"#
    );
    let b_addr: SocketAddr = format!("127.0.0.1:{b_http}").parse().unwrap();
    let b_open_addr: SocketAddr = format!("127.0.0.1:{b_open}").parse().unwrap();
    let mut b = Collector::start(&b_config, &[], &[b_addr, b_open_addr]);
    // A: keeps the sender's headers and forwards its X-Tenant, as `agent`.
    let a_config = format!(
        r#"
extensions:
  basicauth/client:
    client_auth: {{username: agent, password: test}}
  headers_setter:
    headers:
      - {{key: X-Tenant, from_context: x-tenant, action: upsert}}
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{a_http}, include_metadata: true}}
exporters:
  otlp_http/auth:
    endpoint: http://127.0.0.1:{b_http}
    auth: {{authenticator: basicauth/client}}
  otlp_http/tenant:
    endpoint: http://127.0.0.1:{b_open}
    auth: {{authenticator: headers_setter}}
service:
  extensions: [basicauth/client, headers_setter]
  pipelines:
    traces/auth: {{receivers: [otlp], exporters: [otlp_http/auth]}}
    traces/tenant: {{receivers: [otlp], exporters: [otlp_http/tenant]}}
"#
    );
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let mut a = Collector::start(&a_config, &[], &[a_addr]);
    let body = json_traces_body("tenant", 0, 3);
    let resp = http_request(
        a_addr,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json"), ("X-Tenant", "acme")],
        &body,
    );
    assert_eq!(resp.status, 200);
    // Both copies arrive: one authenticated as `agent`, one carrying the tenant.
    wait_for_spans(&b, 6);
    let text = std::fs::read_to_string(b.dir.path().join("traces.jsonl")).unwrap();
    assert!(
        text.contains(r#""key":"user","value":{"stringValue":"agent"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#""key":"tenant","value":{"stringValue":"acme"}"#),
        "{text}"
    );
    // A wrong password is refused by B.
    let wrong = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-u",
            "agent:nope",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
        ])
        .arg(String::from_utf8_lossy(&body).to_string())
        .arg(format!("http://127.0.0.1:{b_http}/v1/traces"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&wrong.stdout), "401");
    let (st, logs) = a.stop();
    assert!(st.success(), "{logs}");
    let (st, logs) = b.stop();
    assert!(st.success(), "{logs}");
    assert!(!logs.contains("nope"), "{logs}");
}

/// OIDC with a real issuer and a real JWT library: a Python issuer serves
/// discovery and its JWKS over local HTTPS and signs tokens with PyJWT; the
/// receiver accepts the valid token and refuses the others.
#[test]
fn oidc_accepts_the_issuers_tokens_and_refuses_forged_expired_and_foreign_ones() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let pki = otelcol_configtls::testpki::TestPki::new();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/oidc_issuer.py");
    let mut issuer = Command::new(python())
        .args([
            script,
            &pki.path("server.pem"),
            &pki.path("server-key.pem"),
            "otel-collector",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the python issuer");
    let mut line = String::new();
    BufReader::new(issuer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).expect("issuer manifest");
    let port = info["port"].as_u64().unwrap();
    let http = free_port();
    let config = format!(
        r#"
extensions:
  oidc:
    providers:
      - issuer_url: https://localhost:{port}
        issuer_ca_path: {}
        audience: otel-collector
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http}
        auth: {{authenticator: oidc}}
exporters:
  file: {{path: "{{dir}}/traces.jsonl", flush_interval: 100ms}}
service:
  extensions: [oidc]
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"#,
        pki.path("ca.pem")
    );
    let addr: SocketAddr = format!("127.0.0.1:{http}").parse().unwrap();
    let mut c = Collector::start(&config, &[], &[addr]);
    let body = json_traces_body("oidc", 0, 2);
    let send = |token: &str| {
        http_request(
            addr,
            "POST",
            "/v1/traces",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &format!("Bearer {token}")),
            ],
            &body,
        )
        .status
    };
    let tokens = &info["tokens"];
    assert_eq!(send(tokens["valid"].as_str().unwrap()), 200, "{}", c.logs());
    for bad in ["expired", "wrong_audience", "wrong_signature", "unknown_kid"] {
        assert_eq!(send(tokens[bad].as_str().unwrap()), 401, "{bad}");
    }
    assert_eq!(send("not-a-jwt"), 401);
    wait_for_spans(&c, 2);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(spans_written(&c), 2, "only the valid token's spans");
    drop(issuer.stdin.take());
    let _ = issuer.wait();
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
    assert!(
        !logs.contains(tokens["valid"].as_str().unwrap()),
        "tokens are not logged"
    );
}

/// oauth2client end to end: collector A gets tokens from a local token
/// endpoint (client credentials) and sends them; collector B accepts the
/// tokens the endpoint issues. The tokens live 3 seconds with a 1 s
/// `expiry_buffer`: a second export after the expiry gets a fresh token.
#[test]
fn oauth2client_fetches_sends_and_refreshes_tokens() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/token_endpoint.py");
    let mut endpoint = Command::new(python())
        .args([script, "agent", "some-secret", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the token endpoint");
    let mut out = BufReader::new(endpoint.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("listening ").unwrap().parse().unwrap();
    // B: bearertokenauth with the tokens the endpoint will issue.
    let b_http = free_port();
    let b_config = format!(
        r#"
extensions:
  bearertokenauth:
    tokens: [tok-1, tok-2, tok-3, tok-4, tok-5, tok-6]
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{b_http}
        auth: {{authenticator: bearertokenauth}}
exporters:
  file: {{path: "{{dir}}/traces.jsonl", flush_interval: 100ms}}
service:
  extensions: [bearertokenauth]
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"#
    );
    let b_addr: SocketAddr = format!("127.0.0.1:{b_http}").parse().unwrap();
    let mut b = Collector::start(&b_config, &[], &[b_addr]);
    let a_http = free_port();
    let a_config = format!(
        r#"
extensions:
  oauth2client:
    client_id: agent
    client_secret: some-secret
    token_url: http://127.0.0.1:{port}/token
    expiry_buffer: 1s
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{a_http}}}
exporters:
  otlp_http/auth:
    endpoint: http://127.0.0.1:{b_http}
    auth: {{authenticator: oauth2client}}
service:
  extensions: [oauth2client]
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp_http/auth]}}
"#
    );
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let mut a = Collector::start(&a_config, &[], &[a_addr]);
    let post = |run: &str| {
        let body = json_traces_body(run, 0, 2);
        http_request(
            a_addr,
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/json")],
            &body,
        )
        .status
    };
    assert_eq!(post("first"), 200);
    wait_for_spans(&b, 2);
    std::thread::sleep(Duration::from_millis(2500)); // past expiry minus the buffer
    assert_eq!(post("second"), 200);
    wait_for_spans(&b, 4);
    drop(endpoint.stdin.take());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let _ = endpoint.wait();
    let issued: u32 = rest
        .trim()
        .strip_prefix("issued ")
        .unwrap_or("0")
        .parse()
        .unwrap();
    assert!(
        issued >= 2,
        "the token was refreshed after it expired: {issued} issued"
    );
    let (st, logs) = a.stop();
    assert!(st.success(), "{logs}");
    assert!(!logs.contains("some-secret"), "{logs}");
    let (st, _) = b.stop();
    assert!(st.success());
}

/// A running `keycloak_realm.py`: what it printed so far, one event a line.
struct Realm {
    child: std::process::Child,
    out: std::sync::Arc<std::sync::Mutex<String>>,
    issuer: String,
}

impl Realm {
    fn start() -> Realm {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/keycloak_realm.py");
        let mut child = Command::new(python())
            .args([script, "opentelemetry", "agent", "some-secret", "collector", "60"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the keycloak stand-in");
        let out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let first = loop {
            if let Some(line) = out.lock().unwrap().lines().next() {
                break line.to_string();
            }
            assert!(
                Instant::now() < deadline && matches!(child.try_wait(), Ok(None)),
                "the keycloak stand-in did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let info: serde_json::Value = serde_json::from_str(&first).expect("realm manifest");
        let issuer = info["issuer"].as_str().unwrap().to_string();
        Realm { child, out, issuer }
    }

    /// How many token requests were answered with `outcome` (`issued`/`refused`).
    fn tokens(&self, outcome: &str) -> usize {
        let prefix = format!("token {outcome} ");
        self.out
            .lock()
            .unwrap()
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .count()
    }
}

impl Drop for Realm {
    fn drop(&mut self) {
        drop(self.child.stdin.take()); // it serves until stdin closes
        let _ = self.child.wait();
    }
}

/// The spans the `debug` exporter reported at its default (basic)
/// verbosity: the sum of its `Traces {"resource spans": R, "spans": S}` lines.
fn debug_spans(logs: &str) -> u64 {
    logs.lines()
        .filter_map(|l| {
            l.split_once("Traces {\"resource spans\": ")?
                .1
                .split_once("\"spans\": ")
        })
        .filter_map(|(_, rest)| rest.split('}').next()?.trim().parse::<u64>().ok())
        .sum()
}

/// The opentelemetry.io "Authentication" examples, run as the page intends:
/// an agent collector (`oauth2client` on its `otlp/auth` exporter) sends to a
/// remote collector (`oidc` on its `otlp/auth` receiver, `debug` exporter),
/// both trusting a Keycloak realm, here a Python stand-in over plain HTTP
/// that signs RS256 tokens with PyJWT. The fixtures are passed unchanged;
/// `--set` only moves the endpoints to loopback ports and the stand-in, and
/// makes the agent's exporter plaintext (the page's remote has TLS).
#[test]
fn opentelemetry_io_oauth2client_agent_reaches_the_oidc_remote_via_a_keycloak_realm() {
    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/go-configs");
    let remote_yaml = format!("{FIXTURES}/opentelemetry_io_oidc_receiver.yaml");
    let agent_yaml = format!("{FIXTURES}/opentelemetry_io_oauth2client_agent.yaml");
    let realm = Realm::start();
    let issuer = &realm.issuer;
    assert!(issuer.ends_with("/auth/realms/opentelemetry"), "{issuer}");

    let oidc_issuer = format!("extensions.oidc.issuer_url={issuer}");
    let mut remote = Collector::start_args(
        &[
            "--config",
            &remote_yaml,
            "--set",
            &oidc_issuer,
            "--set",
            "receivers.otlp/auth.protocols.grpc.endpoint=127.0.0.1:0",
        ],
        &[],
    );
    let remote_addr = remote.listen_addr("otlp/auth", "OTLP gRPC receiver");

    // The remote enforces its authenticator: the SDK without a token is refused.
    assert_eq!(
        python_client("grpc", &remote_addr.to_string(), 2, None),
        (0, 2),
        "no token, no entry\n{}",
        remote.logs()
    );

    let token_url = format!("extensions.oauth2client.token_url={issuer}/protocol/openid-connect/token");
    let exporter_endpoint = format!("exporters.otlp/auth.endpoint={remote_addr}");
    let agent_args = |extra: &[&'static str]| {
        let mut args = vec![
            "--config",
            agent_yaml.as_str(),
            "--set",
            &token_url,
            "--set",
            "receivers.otlp.protocols.grpc.endpoint=127.0.0.1:0",
            "--set",
            &exporter_endpoint,
            "--set",
            "exporters.otlp/auth.tls.insecure=true",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };

    // The agent with the page's credentials: the SDK's spans reach the remote.
    let args = agent_args(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut agent = Collector::start_args(&args, &[]);
    let agent_addr = agent.listen_addr("otlp", "OTLP gRPC receiver");
    assert_eq!(
        python_client("grpc", &agent_addr.to_string(), 5, None),
        (5, 0),
        "the agent takes the spans\n{}",
        agent.logs()
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while debug_spans(&remote.logs()) < 5 {
        assert!(
            Instant::now() < deadline,
            "{} of 5 spans reached the remote\nremote:\n{}\nagent:\n{}",
            debug_spans(&remote.logs()),
            remote.logs(),
            agent.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let issued = realm.tokens("issued");
    assert!(issued >= 1, "the agent got its tokens from the realm");
    assert_eq!(realm.tokens("refused"), 0, "the right secret is never refused");
    let (st, logs) = agent.stop();
    assert!(st.success(), "{logs}");
    assert!(!logs.contains("some-secret"), "the secret is not logged:\n{logs}");

    // A second agent with a wrong client_secret: the realm refuses it and
    // nothing it is sent reaches the remote.
    let args = agent_args(&["--set", "extensions.oauth2client.client_secret=wrong"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut impostor = Collector::start_args(&args, &[]);
    let impostor_addr = impostor.listen_addr("otlp", "OTLP gRPC receiver");
    assert_eq!(
        python_client("grpc", &impostor_addr.to_string(), 3, None),
        (3, 0),
        "the agent queues the spans\n{}",
        impostor.logs()
    );
    assert!(
        impostor.wait_for_log("failed to get security token from token endpoint"),
        "the exporter reports the refused credentials:\n{}",
        impostor.logs()
    );
    assert!(realm.tokens("refused") >= 1, "the realm refused the wrong secret");
    assert_eq!(realm.tokens("issued"), issued, "no token for the wrong secret");
    // Killed, not stopped: its exporter would go on retrying through a
    // graceful shutdown (up to the 30 s component shutdown deadline).
    let impostor_logs = impostor.logs();
    drop(impostor);
    let (st, remote_logs) = remote.stop();
    assert!(st.success(), "{remote_logs}");
    assert_eq!(
        debug_spans(&remote_logs),
        5,
        "only the first agent's spans reached the remote\nremote:\n{remote_logs}\nimpostor:\n{impostor_logs}"
    );
}
