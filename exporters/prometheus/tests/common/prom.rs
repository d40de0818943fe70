//! A real Prometheus server for the end-to-end tests, killed on drop, with a
//! raw HTTP GET to query it. Shared with the prometheusremotewrite exporter's
//! tests, which include this file by path.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A response: status, lower-cased headers, body.
pub(crate) struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A blocking HTTP/1.1 GET with `Connection: close` (bodies are sent with Content-Length).
pub(crate) fn get(addr: SocketAddr, path: &str, extra_headers: &[(&str, &str)]) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra_headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// A free TCP port on 127.0.0.1, reserved for the rest of this test process
/// (see [`otelcol_componenttest::reserved_port`]).
pub(crate) fn free_port() -> u16 {
    otelcol_componenttest::reserved_port()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Prometheus server on 127.0.0.1, killed when dropped.
pub(crate) struct Prometheus {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts `prometheus` scraping `target` every second (if given) with
    /// `honor_labels: true`, plus `extra_args`.
    pub(crate) fn start(target: Option<SocketAddr>, extra_args: &[&str]) -> Prometheus {
        let dir = tempfile::tempdir().expect("tempdir");
        let scrape = match target {
            Some(t) => format!(
                "scrape_configs:\n  - job_name: otelcol\n    honor_labels: true\n    scrape_interval: 1s\n    \
                 static_configs:\n      - targets: ['{t}']\n"
            ),
            None => String::new(),
        };
        let cfg = format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n{scrape}");
        let cfg_path = dir.path().join("prometheus.yml");
        std::fs::write(&cfg_path, cfg).expect("write prometheus.yml");
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log file");
        let err = log.try_clone().expect("log file");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", cfg_path.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address={addr}"))
            .args(extra_args)
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `prometheus` ({e}); install it with `apt-get install -y prometheus` (Debian package)")
            });
        let p = Prometheus {
            child,
            addr,
            _dir: dir,
        };
        p.wait_ready();
        p
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("prometheus.log")).unwrap_or_default()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if get(self.addr, "/-/ready", &[]).is_ok_and(|r| r.status == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("prometheus did not become ready; log:\n{}", self.log());
    }

    /// Runs an instant query; the `data.result` array.
    pub(crate) fn query(&self, promql: &str) -> Vec<serde_json::Value> {
        let path = format!("/api/v1/query?query={}", percent_encode(promql));
        let Ok(resp) = get(self.addr, &path, &[]) else {
            return Vec::new();
        };
        let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// Polls `promql` until `check` accepts the result (up to 30 s).
    pub(crate) fn eventually(
        &self,
        promql: &str,
        check: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.query(promql);
            if check(&r) {
                return r;
            }
            if Instant::now() > deadline {
                panic!(
                    "query {promql:?} never matched; last result {r:?}; prometheus log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of a vector result (`"42"`).
pub(crate) fn value(r: &serde_json::Value) -> Option<&str> {
    r["value"][1].as_str()
}

/// A label of a vector result.
pub(crate) fn label<'a>(r: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    r["metric"][name].as_str()
}
