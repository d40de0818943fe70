//! The `docker` detector: the Docker daemon's host name and OS type, from
//! `GET /info` on its Unix socket (Go's `internal/docker`, which uses the
//! Docker client configured from the environment).

use std::path::PathBuf;

use otelcol_component::build::string_kv;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::config::DockerConfig;
use crate::detect::Detected;
use crate::system::{SCHEMA_URL, os_type};

/// The socket used when `DOCKER_HOST` is not set.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Largest `/info` answer read (the real one is a few KiB).
const MAX_RESPONSE: u64 = 4 << 20;

/// Why the `docker` detector failed.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// `DOCKER_HOST` names something other than a Unix socket.
    #[error("DOCKER_HOST {0:?} is not supported by this build (only unix:// sockets are)")]
    UnsupportedHost(String),
    /// The socket could not be reached.
    #[error(
        "failed to fetch Docker information: cannot connect to the Docker daemon at unix://{socket}: {source}"
    )]
    Connect {
        /// The socket path.
        socket: String,
        /// The connection error.
        #[source]
        source: std::io::Error,
    },
    /// Writing the request or reading the answer failed.
    #[error("failed to fetch Docker information from unix://{socket}: {source}")]
    Io {
        /// The socket path.
        socket: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The daemon answered with something other than `200` and JSON.
    #[error("failed to fetch Docker information from unix://{socket}: {message}")]
    BadResponse {
        /// The socket path.
        socket: String,
        /// What was wrong with the answer.
        message: String,
    },
}

/// The `docker` detector.
#[derive(Clone, Debug)]
pub(crate) struct DockerDetector {
    /// The socket path, or the unsupported `DOCKER_HOST` value.
    socket: Result<PathBuf, String>,
    host_name: bool,
    os_type: bool,
}

impl DockerDetector {
    /// A detector for the daemon `DOCKER_HOST` names (`unix://<path>`), or
    /// [`DEFAULT_SOCKET`] when it is unset or empty.
    pub(crate) fn from_env(cfg: &DockerConfig) -> Self {
        let socket = match std::env::var("DOCKER_HOST") {
            Ok(v) if !v.is_empty() => match v.strip_prefix("unix://") {
                Some(path) => Ok(PathBuf::from(path)),
                None => Err(v),
            },
            _ => Ok(PathBuf::from(DEFAULT_SOCKET)),
        };
        Self::with_socket(cfg, socket)
    }

    fn with_socket(cfg: &DockerConfig, socket: Result<PathBuf, String>) -> Self {
        DockerDetector {
            socket,
            host_name: cfg.resource_attributes.host_name.enabled,
            os_type: cfg.resource_attributes.os_type.enabled,
        }
    }

    /// Asks the daemon for `/info` and reports `Name` as `host.name` and
    /// `OSType` as `os.type`.
    pub(crate) async fn detect(&self) -> Result<Detected, DockerError> {
        let socket = self.socket.clone().map_err(DockerError::UnsupportedHost)?;
        let info = get_info(&socket).await?;
        let display = socket.display().to_string();
        let field = |name: &str| -> Result<String, DockerError> {
            info.get(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| DockerError::BadResponse {
                    socket: display.clone(),
                    message: format!("the answer has no {name:?}"),
                })
        };
        let os = os_type(&field("OSType")?).to_string();
        let name = field("Name")?;
        let mut attributes = Vec::new();
        if self.host_name {
            attributes.push(string_kv("host.name", &name));
        }
        if self.os_type {
            attributes.push(string_kv("os.type", &os));
        }
        Ok(Detected {
            attributes,
            schema_url: SCHEMA_URL.to_string(),
        })
    }
}

/// `GET /info` over the socket with a one-shot HTTP/1.1 request.
async fn get_info(socket: &std::path::Path) -> Result<serde_json::Value, DockerError> {
    let display = socket.display().to_string();
    let io = |source| DockerError::Io {
        socket: display.clone(),
        source,
    };
    let bad = |message: String| DockerError::BadResponse {
        socket: display.clone(),
        message,
    };
    let mut stream = UnixStream::connect(socket)
        .await
        .map_err(|source| DockerError::Connect {
            socket: display.clone(),
            source,
        })?;
    stream
        .write_all(
            b"GET /info HTTP/1.1\r\nHost: docker\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        )
        .await
        .map_err(io)?;
    let mut raw = Vec::new();
    stream
        .take(MAX_RESPONSE)
        .read_to_end(&mut raw)
        .await
        .map_err(io)?;
    let body = http_body(&raw).map_err(bad)?;
    serde_json::from_slice(&body).map_err(|e| bad(format!("invalid JSON: {e}")))
}

/// The body of a complete HTTP/1.1 `200` response (plain or chunked).
fn http_body(raw: &[u8]) -> Result<Vec<u8>, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("incomplete HTTP response")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("");
    let code = status.split(' ').nth(1).unwrap_or("");
    if code != "200" {
        return Err(format!("unexpected status {status:?}"));
    }
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
                chunked = true;
            } else if name == "content-length" {
                length = value.parse::<usize>().ok();
            }
        }
    }
    if chunked {
        return dechunk(body);
    }
    match length {
        Some(n) if n <= body.len() => Ok(body[..n].to_vec()),
        Some(_) => Err("truncated HTTP body".into()),
        None => Ok(body.to_vec()),
    }
}

/// Decodes a chunked body.
fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size_text = String::from_utf8_lossy(&body[..end]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| format!("bad chunk size {size_hex:?}"))?;
        body = &body[end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if body.len() < size {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::UnixListener;

    /// Serves `response` to every connection on a socket in `dir`.
    fn serve(dir: &tempfile::TempDir, response: &'static str) -> PathBuf {
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap();
                assert!(String::from_utf8_lossy(&buf[..n]).starts_with("GET /info HTTP/1.1\r\n"));
                s.write_all(response.as_bytes()).await.unwrap();
            }
        });
        path
    }

    const INFO: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n{\"Name\":\"docker-host\",\"OSType\":\"linux\",\"x\":1}";

    #[tokio::test]
    async fn name_and_os_type_come_from_info() {
        let dir = tempfile::tempdir().unwrap();
        let path = serve(&dir, INFO);
        let d = DockerDetector::with_socket(&DockerConfig::default(), Ok(path));
        let got = d.detect().await.unwrap();
        assert_eq!(
            got.attributes,
            vec![
                string_kv("host.name", "docker-host"),
                string_kv("os.type", "linux")
            ]
        );
        assert_eq!(got.schema_url, SCHEMA_URL);
    }

    #[tokio::test]
    async fn chunked_answers_and_disabled_attributes() {
        let dir = tempfile::tempdir().unwrap();
        let path = serve(
            &dir,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"Name\":\"hh\",\"OS\r\n12\r\nType\":\"dragonfly\"}\r\n0\r\n\r\n",
        );
        let mut cfg = DockerConfig::default();
        cfg.resource_attributes.host_name.enabled = false;
        let d = DockerDetector::with_socket(&cfg, Ok(path));
        let got = d.detect().await.unwrap();
        assert_eq!(got.attributes, vec![string_kv("os.type", "dragonflybsd")]);
    }

    #[tokio::test]
    async fn a_missing_socket_is_named_in_the_error() {
        let d = DockerDetector::with_socket(
            &DockerConfig::default(),
            Ok(PathBuf::from("/nonexistent/docker.sock")),
        );
        let err = d.detect().await.unwrap_err().to_string();
        assert!(
            err.starts_with("failed to fetch Docker information: cannot connect to the Docker daemon at unix:///nonexistent/docker.sock: "),
            "{err}"
        );
    }

    #[tokio::test]
    async fn bad_answers_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = serve(
            &dir,
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
        );
        let d = DockerDetector::with_socket(&DockerConfig::default(), Ok(path));
        let err = d.detect().await.unwrap_err().to_string();
        assert!(
            err.contains("unexpected status \"HTTP/1.1 500 Internal Server Error\""),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = serve(&dir, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        let d = DockerDetector::with_socket(&DockerConfig::default(), Ok(path));
        let err = d.detect().await.unwrap_err().to_string();
        assert!(err.ends_with("the answer has no \"OSType\""), "{err}");
    }

    #[tokio::test]
    async fn non_unix_docker_host_is_refused() {
        let d = DockerDetector::with_socket(&DockerConfig::default(), Err("tcp://1.2.3.4:2375".into()));
        assert_eq!(
            d.detect().await.unwrap_err().to_string(),
            "DOCKER_HOST \"tcp://1.2.3.4:2375\" is not supported by this build (only unix:// sockets are)"
        );
    }

    #[test]
    fn http_parsing() {
        assert_eq!(http_body(b"HTTP/1.1 200 OK\r\n\r\nabc").unwrap(), b"abc");
        assert!(http_body(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc").is_err());
        assert!(http_body(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(dechunk(b"zz\r\n").is_err());
        assert_eq!(dechunk(b"3;ext=1\r\nabc\r\n0\r\n\r\n").unwrap(), b"abc");
    }
}
