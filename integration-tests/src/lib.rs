//! Harness for end-to-end tests: starts the real `otelcol-rs` binary on free
//! loopback ports, talks to it over real sockets, and stops it with real signals.
//!
//! The binary is the one `cargo build`/`cargo test` put next to the test
//! executables (`$CARGO_TARGET_DIR/debug/otelcol-rs`); `OTELCOL_RS_BIN`
//! overrides it. Python peers run with `OTELCOL_TEST_PYTHON` (the venv the
//! test script prepares), falling back to `python3`.

// A test harness: failing loudly (panicking) is how it reports problems.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Path of the `otelcol-rs` binary under test.
pub fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("OTELCOL_RS_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/<test> → target/debug/otelcol-rs
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("otelcol-rs");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p otelcol-rs` first (the test script does)",
        bin.display()
    );
    bin
}

/// The Python interpreter with the OpenTelemetry SDK installed.
pub fn python() -> PathBuf {
    std::env::var_os("OTELCOL_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// The `shared/` folder beside the repository (OTLP examples live there).
pub fn shared_dir() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    assert!(
        p.is_dir(),
        "{} is missing: the shared folder must sit beside the repository",
        p.display()
    );
    p
}

/// A free TCP port on 127.0.0.1, reserved for the rest of this test
/// process ([`otelcol_componenttest::reserved_port`]): nothing else can be
/// handed it before the process the test starts binds it.
///
/// Prefer port 0 in the config and [`Collector::listen_addr`] where the
/// port need not be known before the process starts.
pub fn free_port() -> u16 {
    otelcol_componenttest::reserved_port()
}

/// A loopback port nothing listens on, held for as long as this value
/// lives by a socket that is bound but never listens: connections to it are
/// refused, and no other process can take the port meanwhile (a port from
/// [`free_port`] may be taken by anyone once released).
#[derive(Debug)]
pub struct ClosedPort {
    _socket: tokio::net::TcpSocket,
    /// The port.
    pub port: u16,
}

/// See [`ClosedPort`].
pub fn closed_port() -> ClosedPort {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind a loopback port");
    let port = socket.local_addr().expect("bound address").port();
    ClosedPort {
        _socket: socket,
        port,
    }
}

/// A running collector process.
pub struct Collector {
    child: Child,
    log: Arc<Mutex<String>>,
    /// Where the collector serves its own metrics (`/metrics`).
    pub metrics_addr: SocketAddr,
    /// The temporary folder holding the config (and usually the outputs).
    pub dir: tempfile::TempDir,
    /// The config file path.
    pub config_path: PathBuf,
}

impl Collector {
    /// Writes `config` to a temp file, starts the binary with `--config` and
    /// extra `args`, and waits until every address in `wait_for` accepts connections.
    pub fn start(config: &str, args: &[&str], wait_for: &[SocketAddr]) -> Collector {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config.replace("{dir}", &dir.path().display().to_string());
        let config_path = dir.path().join("config.yaml");
        std::fs::write(&config_path, config).expect("write config");
        let mut all_args = vec!["--config".to_string(), config_path.display().to_string()];
        all_args.extend(args.iter().map(|s| s.to_string()));
        Self::spawn(dir, config_path, &all_args, &[], wait_for)
    }

    /// Starts the binary with exactly `args` (no config file written).
    pub fn start_args(args: &[&str], wait_for: &[SocketAddr]) -> Collector {
        let dir = tempfile::tempdir().expect("tempdir");
        let config_path = dir.path().join("none.yaml");
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Self::spawn(dir, config_path, &args, &[], wait_for)
    }

    /// Like [`Collector::start_args`], with extra environment variables for
    /// the process (e.g. the `${env:VAR}` a config references).
    pub fn start_args_env(args: &[&str], env: &[(&str, &str)], wait_for: &[SocketAddr]) -> Collector {
        let dir = tempfile::tempdir().expect("tempdir");
        let config_path = dir.path().join("none.yaml");
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Self::spawn(dir, config_path, &args, env, wait_for)
    }

    fn spawn(
        dir: tempfile::TempDir,
        config_path: PathBuf,
        args: &[String],
        env: &[(&str, &str)],
        wait_for: &[SocketAddr],
    ) -> Collector {
        // Every collector serves its own metrics; each binds port 0 so
        // parallel tests do not fight over the default localhost:8888, and
        // the address it got is read from its log below.
        let mut args = args.to_vec();
        let own_port = !args
            .iter()
            .any(|a| a.contains("service.telemetry") || a.contains("service::telemetry"));
        if own_port {
            args.push("--set".into());
            args.push("service.telemetry.metrics.address=127.0.0.1:0".into());
        }
        let mut child = Command::new(binary())
            .args(&args)
            .envs(env.iter().copied())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start otelcol-rs");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        let mut c = Collector {
            child,
            log,
            metrics_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir,
            config_path,
        };
        if own_port {
            if let Some(addr) = c.wait_for_own_metrics() {
                c.metrics_addr = addr;
            }
        }
        for addr in wait_for {
            c.wait_for_port(*addr);
        }
        c
    }

    /// The address of the collector's own metrics from its log, once it is
    /// there; `None` if the collector exits, becomes ready without serving
    /// them (`level: none`) or says nothing for 30 s.
    fn wait_for_own_metrics(&mut self) -> Option<SocketAddr> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let logs = self.logs();
            if let Some(addr) = own_metrics_addr(&logs) {
                return Some(addr);
            }
            if logs.contains("Everything is ready") || !matches!(self.child.try_wait(), Ok(None)) {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The address component `id` bound for `what`, read from the
    /// collector's log (`<what> listening on <addr>`), waiting up to 30 s.
    /// With port 0 in the config the collector binds once and reports the
    /// port it got: no port is chosen in advance, so nothing can take it in
    /// between. `what`: `OTLP gRPC receiver`, `OTLP HTTP receiver`,
    /// `health check`, `pprof server`, `zPages`, `Prometheus exporter serving`.
    ///
    /// # Panics
    /// If the collector exits first or the line does not come.
    pub fn listen_addr(&mut self, id: &str, what: &str) -> SocketAddr {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(addr) = listen_addr_in(&self.logs(), id, what) {
                return addr;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                thread::sleep(Duration::from_millis(100));
                panic!(
                    "collector exited with {status} before {id} reported {what:?} listening:\n{}",
                    self.logs()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "{id} did not report {what:?} listening within 30s:\n{}",
            self.logs()
        );
    }

    fn wait_for_port(&mut self, addr: SocketAddr) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "collector exited with {status} before listening on {addr}:\n{}",
                    self.logs()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!("collector did not listen on {addr} within 30s:\n{}", self.logs());
    }

    /// Scrapes the collector's own metrics and returns the value of the series
    /// whose name and labels start with `series` (e.g. `otelcol_receiver_accepted_spans{receiver="otlp"`).
    pub fn self_metric(&self, series: &str) -> Option<f64> {
        let page = http_request(self.metrics_addr, "GET", "/metrics", &[], b"");
        let text = String::from_utf8_lossy(&page.body).to_string();
        text.lines()
            .filter(|l| !l.starts_with('#') && l.starts_with(series))
            .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
            .reduce(|a, b| a + b)
    }

    /// The process id of the collector (to read `/proc/<pid>/status`, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the process printed so far (stdout and stderr).
    pub fn logs(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the logs contain `needle` (up to 30 s).
    pub fn wait_for_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.logs().contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Sends a signal (`TERM`, `HUP`, `INT`) with the system's `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits (up to 30 s) until the collector logs that it is ready;
    /// false when it exits first or takes longer.
    pub fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.logs().contains("Everything is ready") {
                return true;
            }
            if !matches!(self.child.try_wait(), Ok(None)) {
                return false;
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// SIGTERM, then waits up to 30 s for a clean exit. The temp folder stays
    /// until the `Collector` is dropped, so outputs can be read afterwards.
    pub fn stop(&mut self) -> (ExitStatus, String) {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader threads drain the pipes.
                thread::sleep(Duration::from_millis(100));
                return (status, self.logs());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("collector did not stop within 30s of SIGTERM:\n{}", self.logs());
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("pid", &self.child.id())
            .field("config", &self.config_path)
            .finish()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The own-metrics address in a collector log
/// (`Serving the collector's own metrics on http://<addr>/metrics`).
pub fn own_metrics_addr(logs: &str) -> Option<SocketAddr> {
    const NEEDLE: &str = "Serving the collector's own metrics on http://";
    logs.lines().find_map(|line| {
        let (_, rest) = line.split_once(NEEDLE)?;
        rest.split('/').next()?.parse().ok()
    })
}

/// The address in the first log line where component `id` (the span field
/// of its start, in text or JSON logs) says `<what> listening on <addr>`
/// (or `<what> ... addr=<addr>`, as the Prometheus exporter logs it).
pub fn listen_addr_in(logs: &str, id: &str, what: &str) -> Option<SocketAddr> {
    let text_id = format!("id={id}}}");
    let json_id = format!("\"id\":\"{id}\"");
    logs.lines()
        .filter(|l| l.contains(&text_id) || l.contains(&json_id))
        .find_map(|line| {
            let (_, rest) = line.split_once(what)?;
            let (_, rest) = rest
                .split_once("listening on ")
                .or_else(|| rest.split_once("addr="))?;
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '[' | ']'))
                .collect();
            token.parse().ok()
        })
}

/// Runs the binary to completion with `args`; returns (exit code, stdout, stderr).
pub fn run_cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run otelcol-rs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A minimal HTTP/1.1 response.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request over a fresh connection and reads the response.
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("write head");
    // A server may answer (413) before reading the whole body; ignore write errors after that.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..pos]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = pos + 2;
        out.extend_from_slice(&b[start..(start + size).min(b.len())]);
        b = &b[(start + size + 2).min(b.len())..];
    }
    out
}

/// A config with the OTLP receiver on `grpc`/`http` (127.0.0.1) and each
/// signal through `batch` into a file exporter writing
/// `{dir}/traces.jsonl`, `{dir}/metrics.jsonl` and `{dir}/logs.jsonl` (`{dir}`
/// is replaced by [`Collector::start`]).
pub fn otlp_to_files_config(grpc: u16, http: u16) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc}
      http:
        endpoint: 127.0.0.1:{http}
processors:
  batch:
exporters:
  file/traces:
    path: {{dir}}/traces.jsonl
  file/metrics:
    path: {{dir}}/metrics.jsonl
  file/logs:
    path: {{dir}}/logs.jsonl
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/traces]
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/metrics]
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/logs]
"#
    )
}

/// The `llm-app` binary (the seed's app, Rust SDK) next to `otelcol-rs`, or
/// `LLM_APP_BIN`.
pub fn llm_app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("LLM_APP_BIN") {
        return PathBuf::from(p);
    }
    let bin = binary().with_file_name("llm-app");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p llm-app` first (the test script does)",
        bin.display()
    );
    bin
}

/// A second otelcol-rs standing in for a trace backend (Jaeger): OTLP/gRPC in
/// on a loopback port it binds (port 0), every span out to `{dir}/traces.jsonl`. Returns
/// the collector and its gRPC address.
pub fn start_trace_backend() -> (Collector, SocketAddr) {
    let config = r#"
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
exporters:
  file: {path: "{dir}/traces.jsonl", flush_interval: 100ms}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
"#;
    let mut c = Collector::start(config, &[], &[]);
    let grpc = c.listen_addr("otlp", "OTLP gRPC receiver");
    (c, grpc)
}

/// The collector of the seed's flow: `deploy/collector-config.yaml` itself,
/// its listeners moved to loopback port 0 with `--set` (the addresses bound
/// are read from its log), its otlp
/// exporter pointed at `backend`.
#[derive(Debug)]
pub struct DeployPorts {
    /// OTLP/gRPC receiver.
    pub grpc: SocketAddr,
    /// OTLP/HTTP receiver.
    pub http: SocketAddr,
    /// The prometheus exporter.
    pub prometheus: SocketAddr,
    /// The health_check extension.
    pub health: SocketAddr,
}

/// Starts `deploy/collector-config.yaml` (see [`DeployPorts`]) with `env`
/// and further `--set` overrides in `sets`; returns once every listener is up.
pub fn start_deploy_collector(
    backend: SocketAddr,
    env: &[(&str, &str)],
    sets: &[String],
) -> (Collector, DeployPorts) {
    const ANY: &str = "127.0.0.1:0";
    let mut all_sets = vec![
        format!("receivers::otlp::protocols::grpc::endpoint={ANY}"),
        format!("receivers::otlp::protocols::http::endpoint={ANY}"),
        format!("exporters::otlp::endpoint={backend}"),
        format!("exporters::prometheus::endpoint={ANY}"),
        format!("extensions::health_check::endpoint={ANY}"),
        format!("extensions::pprof::endpoint={ANY}"),
        format!("extensions::zpages::endpoint={ANY}"),
    ];
    all_sets.extend(sets.iter().cloned());
    let config = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy/collector-config.yaml")
        .display()
        .to_string();
    let mut args = vec!["--config", config.as_str()];
    for s in &all_sets {
        args.extend(["--set", s.as_str()]);
    }
    // `spawn` adds `--set service.telemetry.metrics.address=127.0.0.1:0`.
    let mut c = Collector::start_args_env(&args, env, &[]);
    let grpc = c.listen_addr("otlp", "OTLP gRPC receiver");
    let http = c.listen_addr("otlp", "OTLP HTTP receiver");
    let prometheus = c.listen_addr("prometheus", "Prometheus exporter serving");
    let health = c.listen_addr("health_check", "health check");
    c.listen_addr("pprof", "pprof server");
    c.listen_addr("zpages", "zPages");
    (
        c,
        DeployPorts {
            grpc,
            http,
            prometheus,
            health,
        },
    )
}

/// An OTLP/JSON trace request of `spans` spans named `{run}-{request}-{i}`
/// (trace id `request + 1`, span ids `i + 1`) from one resource with
/// `service.name: a`.
pub fn json_traces_body(run: &str, request: usize, spans: usize) -> Vec<u8> {
    let spans: Vec<String> = (0..spans)
        .map(|i| {
            format!(
                r#"{{"traceId":"{:032x}","spanId":"{:016x}","name":"{run}-{request}-{i}","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2"}}"#,
                request + 1,
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

/// Reads a file exporter's JSON-lines output: one parsed JSON value per line.
pub fn read_json_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

/// How long to wait for Prometheus to start or to show a series.
const PROMETHEUS_PATIENCE: Duration = Duration::from_secs(60);

/// Starts `cmd` with its stdout and stderr collected into a shared string.
pub fn spawn_logged(cmd: &mut Command) -> (Child, Arc<Mutex<String>>) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
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
    (child, log)
}

/// A real Prometheus scraping one target every second; killed (by pid) on drop.
#[derive(Debug)]
pub struct Prometheus {
    child: Child,
    log: Arc<Mutex<String>>,
    /// Where Prometheus serves its API.
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts Prometheus scraping `target` every second with `honor_labels: true`.
    pub fn start(target: SocketAddr) -> Prometheus {
        Self::start_jobs(&format!(
            r#"
  - job_name: otelcol-rs
    honor_labels: true
    scrape_interval: 1s
    static_configs:
      - targets: ["{target}"]
"#
        ))
    }

    /// Starts Prometheus with `jobs`: the items of `scrape_configs` (YAML,
    /// each indented two spaces: `  - job_name: ...`).
    pub fn start_jobs(jobs: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                r#"
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
{jobs}
"#
            ),
        )
        .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
        let (child, log) = spawn_logged(
            Command::new("prometheus")
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address={addr}")),
        );
        let mut p = Prometheus {
            child,
            log,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + PROMETHEUS_PATIENCE;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
                && http_request(addr, "GET", "/-/ready", &[], b"").status == 200
            {
                return p;
            }
            if let Ok(Some(st)) = p.child.try_wait() {
                panic!("prometheus exited with {st}:\n{}", p.logs());
            }
            assert!(Instant::now() < deadline, "prometheus not ready:\n{}", p.logs());
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// What Prometheus printed.
    pub fn logs(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The `data.result` of an instant PromQL query (`query` needs no escaping).
    pub fn query(&self, query: &str) -> Vec<serde_json::Value> {
        let r = http_request(
            self.addr,
            "GET",
            &format!("/api/v1/query?query={query}"),
            &[],
            b"",
        );
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(r.status, 200, "{body}");
        body["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// Polls `query` until a series with `job` = `job` appears; returns its labels and value.
    pub fn wait_for_series(&self, query: &str, job: &str) -> (serde_json::Value, f64) {
        let deadline = Instant::now() + PROMETHEUS_PATIENCE;
        loop {
            let result = self.query(query);
            if let Some(s) = result.iter().find(|s| s["metric"]["job"] == job) {
                let v = s["value"][1].as_str().and_then(|v| v.parse().ok()).unwrap();
                return (s["metric"].clone(), v);
            }
            assert!(
                Instant::now() < deadline,
                "no {query} series with job={job} in Prometheus: {result:?}\n{}",
                self.logs()
            );
            thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A trace request of about `mib` MiB for flood tests: spans of four 16 KiB
/// string attributes each, named `flood-{client}-{seq}-{i}` (values differ
/// per request, so nothing compresses away between requests).
pub fn big_trace_request(
    client: usize,
    seq: usize,
    mib: usize,
) -> otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest {
    use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
    use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
    use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
    const ATTR: usize = 16 * 1024;
    let spans = (0..mib * (1 << 20) / (4 * ATTR))
        .map(|i| Span {
            trace_id: vec![client as u8 + 1; 16],
            span_id: (i as u64 + 1).to_be_bytes().to_vec(),
            name: format!("flood-{client}-{seq}-{i}"),
            attributes: (0..4)
                .map(|k| KeyValue {
                    key: format!("big.{k}"),
                    value: Some(AnyValue {
                        value: Some(any_value::Value::StringValue(
                            char::from(b'a' + ((i + k + seq) % 26) as u8)
                                .to_string()
                                .repeat(ATTR),
                        )),
                    }),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// Reading deploy manifests and configs in tests: YAML documents and
/// values at `/`-separated paths.
pub mod yaml {
    use std::path::Path;

    use serde::Deserialize;
    pub use serde_yaml::Value as Yaml;

    /// Every document of a (possibly multi-document) YAML file.
    pub fn documents(path: &Path) -> Vec<Yaml> {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_yaml::Deserializer::from_str(&text)
            .map(|doc| Yaml::deserialize(doc).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .collect()
    }

    /// The value at a `/`-separated path of keys and sequence indexes.
    pub fn y<'a>(v: &'a Yaml, path: &str) -> &'a Yaml {
        path.split('/').fold(v, |v, k| match k.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[k],
        })
    }

    /// The scalar at `path`, as text.
    pub fn text(v: &Yaml, path: &str) -> String {
        match y(v, path) {
            Yaml::String(s) => s.clone(),
            Yaml::Number(n) => n.to_string(),
            Yaml::Bool(b) => b.to_string(),
            other => panic!("{path} is not a scalar: {other:?}"),
        }
    }

    /// The sequence of strings at `path`.
    pub fn strings(v: &Yaml, path: &str) -> Vec<String> {
        y(v, path)
            .as_sequence()
            .unwrap_or_else(|| panic!("{path} is a sequence: {v:?}"))
            .iter()
            .map(|s| {
                s.as_str()
                    .unwrap_or_else(|| panic!("{path}: {s:?} is a string"))
                    .to_string()
            })
            .collect()
    }
}
