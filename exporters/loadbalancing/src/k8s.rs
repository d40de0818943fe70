//! The `k8s` resolver: the ready endpoints of a Service, from its
//! EndpointSlices on the Kubernetes API server, as Go's (which watches them
//! with an informer). Here: list, then watch until the first change, then
//! list again; on any error, wait a second and start over.
//!
//! It runs in a pod with a service account: the API server is
//! `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, with the
//! account's `token`, `ca.crt` and `namespace` under
//! `/var/run/secrets/kubernetes.io/serviceaccount` (`OTELCOL_K8S_SERVICE_ACCOUNT_DIR`
//! moves that directory, for tests and out-of-cluster runs). The account
//! needs `get`, `list` and `watch` on `endpointslices` (`discovery.k8s.io`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use otelcol_configtls::rustls::ClientConfig;
use otelcol_configtls::rustls::pki_types::ServerName;
use otelcol_configtls::{TlsClientConfig, client_config};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::K8sResolverConfig;

/// Where the service account's files are by default.
const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The environment variable that moves it (otelcol-rs only).
pub(crate) const SERVICE_ACCOUNT_DIR_ENV: &str = "OTELCOL_K8S_SERVICE_ACCOUNT_DIR";
/// How long the server holds one watch open.
const WATCH_SECONDS: u32 = 300;

/// The resolver of one Service.
#[derive(Clone)]
pub(crate) struct K8sResolver {
    namespace: String,
    service: String,
    ports: Vec<u16>,
    return_hostnames: bool,
    timeout: Duration,
    host: String,
    port: u16,
    token_file: PathBuf,
    tls: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for K8sResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("K8sResolver")
            .field("service", &format!("{}.{}", self.service, self.namespace))
            .field("ports", &self.ports)
            .field("api", &format!("{}:{}", self.host, self.port))
            .finish()
    }
}

#[derive(Deserialize)]
struct SliceList {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<Slice>,
}

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(default, rename = "resourceVersion")]
    resource_version: String,
}

#[derive(Deserialize)]
struct Slice {
    #[serde(default)]
    endpoints: Vec<Endpoint>,
}

#[derive(Deserialize)]
struct Endpoint {
    #[serde(default)]
    addresses: Vec<String>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    conditions: Conditions,
}

#[derive(Deserialize, Default)]
struct Conditions {
    /// Absent means ready (the API's documented default for consumers).
    ready: Option<bool>,
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl K8sResolver {
    /// The resolver of `cfg`, reading the cluster's address and the service
    /// account's CA and namespace now (the token is read on every request,
    /// as it rotates).
    pub(crate) fn new(cfg: &K8sResolverConfig) -> Result<Self, String> {
        let dir = std::env::var_os(SERVICE_ACCOUNT_DIR_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR));
        let host = std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| {
            "the k8s resolver runs in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set".to_string()
        })?;
        let port: u16 = std::env::var("KUBERNETES_SERVICE_PORT")
            .unwrap_or_else(|_| "443".into())
            .parse()
            .map_err(|e| format!("KUBERNETES_SERVICE_PORT: {e}"))?;
        let (service, namespace) = match cfg.service.split_once('.') {
            Some((s, ns)) => (s.to_string(), ns.to_string()),
            None => {
                let ns = std::fs::read_to_string(dir.join("namespace"))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default();
                (
                    cfg.service.clone(),
                    if ns.is_empty() { "default".into() } else { ns },
                )
            }
        };
        let ca = dir.join("ca.crt");
        let tls = client_config(&TlsClientConfig {
            ca_file: ca.display().to_string(),
            ..TlsClientConfig::default()
        })
        .map_err(|e| format!("the service account's CA {}: {e}", ca.display()))?
        .ok_or_else(|| "no TLS configuration for the API server".to_string())?;
        let server_name = otelcol_configtls::server_name(&host, "").map_err(|e| e.to_string())?;
        Ok(K8sResolver {
            namespace,
            service,
            ports: if cfg.ports.is_empty() {
                vec![4317]
            } else {
                cfg.ports.clone()
            },
            return_hostnames: cfg.return_hostnames,
            timeout: cfg.timeout,
            host,
            port,
            token_file: dir.join("token"),
            tls,
            server_name,
        })
    }

    fn path(&self, watch: Option<&str>) -> String {
        let selector = encode(&format!("kubernetes.io/service-name={}", self.service));
        let mut p = format!(
            "/apis/discovery.k8s.io/v1/namespaces/{}/endpointslices?labelSelector={selector}",
            self.namespace
        );
        if let Some(rv) = watch {
            p.push_str(&format!(
                "&watch=1&allowWatchBookmarks=false&timeoutSeconds={WATCH_SECONDS}&resourceVersion={}",
                encode(rv)
            ));
        }
        p
    }

    /// Opens a request and returns the stream after the response head, the
    /// body bytes read so far, and how the body ends.
    async fn open(&self, path: &str) -> Result<(impl AsyncRead + Unpin + use<>, Vec<u8>, BodyEnd), String> {
        let token = std::fs::read_to_string(&self.token_file)
            .map_err(|e| format!("the service account token {}: {e}", self.token_file.display()))?;
        let tcp = tokio::time::timeout(self.timeout, TcpStream::connect((self.host.as_str(), self.port)))
            .await
            .map_err(|_| "connecting to the API server: timed out".to_string())?
            .map_err(|e| format!("connecting to the API server: {e}"))?;
        let mut tls = tokio::time::timeout(
            self.timeout,
            otelcol_configtls::connect(self.tls.clone(), self.server_name.clone(), tcp),
        )
        .await
        .map_err(|_| "TLS handshake with the API server: timed out".to_string())?
        .map_err(|e| format!("TLS handshake with the API server: {e}"))?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}:{}\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\nUser-Agent: otelcol-rs\r\nConnection: close\r\n\r\n",
            self.host,
            self.port,
            token.trim()
        );
        tls.write_all(req.as_bytes())
            .await
            .map_err(|e| format!("writing to the API server: {e}"))?;
        // The head.
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > 64 * 1024 {
                return Err("the API server's response head is too long".into());
            }
            let n = tokio::time::timeout(self.timeout, tls.read(&mut chunk))
                .await
                .map_err(|_| "reading from the API server: timed out".to_string())?
                .map_err(|e| format!("reading from the API server: {e}"))?;
            if n == 0 {
                return Err("the API server closed the connection".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let end = if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
            BodyEnd::Chunked
        } else if let Some(n) = header("content-length:").and_then(|v| v.parse::<usize>().ok()) {
            BodyEnd::Length(n)
        } else {
            BodyEnd::Close
        };
        let mut rest = buf[head_end..].to_vec();
        if status != 200 {
            let _ = tokio::time::timeout(self.timeout, read_body(&mut tls, &mut rest, end)).await;
            let body = if end == BodyEnd::Chunked {
                dechunk_all(&rest).unwrap_or(rest)
            } else {
                rest
            };
            return Err(format!(
                "the API server answered {status} to {path}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
        }
        Ok((tls, rest, end))
    }

    /// The endpoints now, sorted, and the list's resource version.
    pub(crate) async fn list(&self) -> Result<(Vec<String>, String), String> {
        let (mut stream, mut body, end) = self.open(&self.path(None)).await?;
        tokio::time::timeout(self.timeout * 5, read_body(&mut stream, &mut body, end))
            .await
            .map_err(|_| "reading the EndpointSlices: timed out".to_string())?
            .map_err(|e| format!("reading the EndpointSlices: {e}"))?;
        let body = if end == BodyEnd::Chunked {
            dechunk_all(&body).ok_or_else(|| "a malformed chunked response".to_string())?
        } else {
            body
        };
        let list: SliceList =
            serde_json::from_slice(&body).map_err(|e| format!("the EndpointSlices do not parse: {e}"))?;
        Ok((self.endpoints(&list), list.metadata.resource_version))
    }

    fn endpoints(&self, list: &SliceList) -> Vec<String> {
        let mut out = Vec::new();
        for ep in list.items.iter().flat_map(|s| &s.endpoints) {
            if ep.conditions.ready == Some(false) {
                continue;
            }
            let hosts: Vec<String> = match (&ep.hostname, self.return_hostnames) {
                (Some(h), true) => vec![format!("{h}.{}.{}", self.service, self.namespace)],
                _ => ep
                    .addresses
                    .iter()
                    .map(|a| {
                        if a.contains(':') {
                            format!("[{a}]")
                        } else {
                            a.clone()
                        }
                    })
                    .collect(),
            };
            for h in hosts {
                for p in &self.ports {
                    out.push(format!("{h}:{p}"));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Watches from `resource_version` and returns at the first event
    /// (`Ok(true)`), or when the server ends the watch (`Ok(false)`).
    pub(crate) async fn wait_for_change(&self, resource_version: &str) -> Result<bool, String> {
        let (mut stream, mut raw, end) = self.open(&self.path(Some(resource_version))).await?;
        let chunked = end == BodyEnd::Chunked;
        let mut chunk = [0u8; 8192];
        loop {
            let decoded = if chunked {
                dechunk_prefix(&raw)
            } else {
                raw.clone()
            };
            if let Some(line) = decoded
                .split(|b| *b == b'\n')
                .next()
                .filter(|_| decoded.contains(&b'\n'))
            {
                // A watch event: `{"type": "ADDED|MODIFIED|DELETED|ERROR", ...}`.
                let kind = serde_json::from_slice::<serde_json::Value>(line)
                    .ok()
                    .and_then(|v| v["type"].as_str().map(str::to_string))
                    .unwrap_or_default();
                if kind == "ERROR" {
                    return Err(format!("the watch failed: {}", String::from_utf8_lossy(line)));
                }
                return Ok(true);
            }
            if raw.len() > 16 * 1024 * 1024 {
                return Err("a watch event larger than 16 MiB".into());
            }
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| format!("reading the watch: {e}"))?;
            if n == 0 {
                return Ok(false);
            }
            raw.extend_from_slice(&chunk[..n]);
        }
    }
}

/// How a response body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyEnd {
    /// `Content-Length`.
    Length(usize),
    /// `Transfer-Encoding: chunked`: at the last (empty) chunk.
    Chunked,
    /// At the end of the connection.
    Close,
}

/// Reads the rest of a body into `body` (which holds its start). An end of
/// the connection without a TLS close_notify is fine once the body is whole.
async fn read_body(
    stream: &mut (impl AsyncRead + Unpin),
    body: &mut Vec<u8>,
    end: BodyEnd,
) -> std::io::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let whole = match end {
            BodyEnd::Length(n) => body.len() >= n,
            BodyEnd::Chunked => dechunk_all(body).is_some(),
            BodyEnd::Close => false,
        };
        if whole {
            if let BodyEnd::Length(n) = end {
                body.truncate(n);
            }
            return Ok(());
        }
        if body.len() > 64 * 1024 * 1024 {
            return Err(std::io::Error::other("a response larger than 64 MiB"));
        }
        match stream.read(&mut chunk).await {
            Ok(0) => {
                return match end {
                    BodyEnd::Close => Ok(()),
                    _ => Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the body was cut short",
                    )),
                };
            }
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && end == BodyEnd::Close => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// The data of the complete chunks at the start of `raw` (stops at the
/// first incomplete one).
fn dechunk_prefix(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(eol) = raw[i..].windows(2).position(|w| w == b"\r\n") {
        let size_line = String::from_utf8_lossy(&raw[i..i + eol]);
        let Ok(size) = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16) else {
            break;
        };
        let start = i + eol + 2;
        if size == 0 || raw.len() < start + size + 2 {
            break;
        }
        out.extend_from_slice(&raw[start..start + size]);
        i = start + size + 2;
    }
    out
}

/// The whole body of a chunked response; `None` when it does not end with the last chunk.
fn dechunk_all(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let eol = raw.get(i..)?.windows(2).position(|w| w == b"\r\n")?;
        let size_line = String::from_utf8_lossy(&raw[i..i + eol]);
        let size = usize::from_str_radix(size_line.split(';').next()?.trim(), 16).ok()?;
        let start = i + eol + 2;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(start..start + size)?);
        i = start + size + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_whole_and_by_prefix() {
        let raw = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
        assert_eq!(dechunk_all(raw).unwrap(), b"hello world");
        assert_eq!(dechunk_prefix(&raw[..12]), b"hello");
        assert_eq!(dechunk_prefix(&raw[..14]), b"hello");
        assert!(dechunk_all(&raw[..14]).is_none());
        assert!(dechunk_all(b"zz\r\n").is_none());
        for cut in 0..raw.len() {
            let _ = dechunk_prefix(&raw[..cut]);
            let _ = dechunk_all(&raw[..cut]);
        }
    }

    #[test]
    fn ready_endpoints_times_ports_and_hostnames() {
        let list: SliceList = serde_json::from_str(
            r#"{"metadata": {"resourceVersion": "7"}, "items": [
                {"endpoints": [
                  {"addresses": ["10.0.0.2"], "conditions": {"ready": true}, "hostname": "gw-0"},
                  {"addresses": ["10.0.0.3"], "conditions": {"ready": false}, "hostname": "gw-1"},
                  {"addresses": ["fd00::4"], "hostname": "gw-2"}]},
                {"endpoints": [{"addresses": ["10.0.0.2"], "conditions": {"ready": true}}]}]}"#,
        )
        .unwrap();
        let mut r = K8sResolver {
            namespace: "obs".into(),
            service: "gw".into(),
            ports: vec![4317, 4318],
            return_hostnames: false,
            timeout: Duration::from_secs(1),
            host: "127.0.0.1".into(),
            port: 1,
            token_file: PathBuf::new(),
            tls: Arc::new(
                ClientConfig::builder_with_provider(Arc::new(
                    otelcol_configtls::rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(otelcol_configtls::rustls::RootCertStore::empty())
                .with_no_client_auth(),
            ),
            server_name: ServerName::try_from("localhost").unwrap(),
        };
        assert_eq!(
            r.endpoints(&list),
            [
                "10.0.0.2:4317",
                "10.0.0.2:4318",
                "[fd00::4]:4317",
                "[fd00::4]:4318"
            ]
        );
        r.return_hostnames = true;
        r.ports = vec![4317];
        assert_eq!(
            r.endpoints(&list),
            ["10.0.0.2:4317", "gw-0.gw.obs:4317", "gw-2.gw.obs:4317"]
        );
        assert_eq!(list.metadata.resource_version, "7");
        assert!(r.path(Some("7")).ends_with("&resourceVersion=7"));
        assert!(
            r.path(None)
                .contains("labelSelector=kubernetes.io%2Fservice-name%3Dgw")
        );
    }
}
