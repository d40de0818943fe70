//! The client against canned servers: body framings, limits, redirects,
//! timeouts, TLS.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::sync::Arc;
use std::time::Duration;

use otelcol_configtls::testpki::TestPki;
use otelcol_configtls::{TlsClientConfig, TlsServerConfig, accept, server_config};
use otelcol_httpsclient::{Error, HttpsClient};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Reads one request (head and content-length body) as text.
async fn read_request<S: AsyncRead + Unpin>(s: &mut S) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.unwrap();
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).to_string()
}

async fn respond<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    response: &'static [u8],
    tx: oneshot::Sender<String>,
) {
    let request = read_request(&mut s).await;
    let _ = tx.send(request);
    if !response.is_empty() {
        s.write_all(response).await.unwrap();
        let _ = s.shutdown().await;
    } else {
        // Never answer.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// A plain server answering one request with `response`; the request text
/// comes back on the receiver.
async fn plain_server(response: &'static [u8]) -> (String, oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        respond(tcp, response, tx).await;
    });
    (format!("http://{addr}"), rx)
}

fn plain() -> HttpsClient {
    HttpsClient::new(&TlsClientConfig::default()).unwrap()
}

#[tokio::test]
async fn content_length_body_and_request_shape() {
    let (url, rx) = plain_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bc\"}\n",
    )
    .await;
    let r = plain()
        .post_form(
            &format!("{url}/token?x=1"),
            &[("authorization", "Basic abc")],
            &[("grant_type", "client_credentials"), ("scope", "a b")],
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.is_success());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(&r.body[..], b"{\"a\":\"bc\"}\n");
    let req = rx.await.unwrap();
    assert!(req.starts_with("POST /token?x=1 HTTP/1.1\r\n"), "{req}");
    let lower = req.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/x-www-form-urlencoded\r\n"),
        "{req}"
    );
    assert!(lower.contains("authorization: basic abc\r\n"), "{req}");
    assert!(
        lower.contains(&format!("host: {}\r\n", url.trim_start_matches("http://"))),
        "{req}"
    );
    assert!(
        req.ends_with("\r\n\r\ngrant_type=client_credentials&scope=a+b"),
        "{req}"
    );
}

#[tokio::test]
async fn chunked_body() {
    let (url, rx) = plain_server(
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    )
    .await;
    let r = plain().get(&format!("{url}/x"), &[]).await.unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.status_text(), "404 Not Found");
    assert_eq!(r.body_text(), "hello world");
    assert!(rx.await.unwrap().starts_with("GET /x HTTP/1.1\r\n"));
}

#[tokio::test]
async fn body_until_close() {
    let (url, _rx) = plain_server(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it").await;
    let r = plain().get(&url, &[]).await.unwrap();
    assert_eq!(r.body_text(), "all of it");
}

#[tokio::test]
async fn size_limit_declared_and_streamed() {
    let client = plain().with_max_response_size(8);
    let (url, _rx) = plain_server(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789").await;
    let err = client.get(&url, &[]).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 8, .. }), "{err}");
    let (url, _rx) = plain_server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n",
    )
    .await;
    let err = client.get(&url, &[]).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    // Exactly at the limit is fine.
    let (url, _rx) = plain_server(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n12345678").await;
    assert_eq!(client.get(&url, &[]).await.unwrap().body.len(), 8);
}

#[tokio::test]
async fn redirects_are_refused() {
    let (url, _rx) =
        plain_server(b"HTTP/1.1 302 Found\r\nLocation: http://u:pw@elsewhere/\r\nContent-Length: 0\r\n\r\n")
            .await;
    let err = plain().get(&url, &[]).await.unwrap_err();
    match &err {
        Error::Redirect { status, location, .. } => {
            assert_eq!(*status, 302);
            assert_eq!(location, "http://u:[REDACTED]@elsewhere/");
        }
        other => panic!("{other}"),
    }
    assert!(!err.to_string().contains("pw"));
}

#[tokio::test]
async fn malformed_response_is_an_error() {
    let (url, _rx) = plain_server(b"NOT HTTP AT ALL\r\n\r\n").await;
    let err = plain().get(&url, &[]).await.unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
    let (url, _rx) = plain_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort").await;
    let err = plain().get(&url, &[]).await.unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
}

#[tokio::test]
async fn timeout_and_connect_errors_redact_the_password() {
    let (url, _rx) = plain_server(b"").await;
    let url = url.replace("http://", "http://me:hunter2@");
    let err = plain()
        .with_timeout(Some(Duration::from_millis(100)))
        .get(&url, &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    // A closed port.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = plain()
        .get(&format!("http://me:hunter2@{addr}/"), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(err.to_string().contains("me:[REDACTED]@"), "{err}");
    let err = plain().get("ftp://x/", &[]).await.unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err}");
}

#[tokio::test]
async fn https_with_a_private_ca() {
    let pki = TestPki::new();
    let sc = server_config(&TlsServerConfig {
        cert_file: pki.path("server.pem"),
        key_file: pki.path("server-key.pem"),
        ..Default::default()
    })
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sc2 = Arc::clone(&sc);
    tokio::spawn(async move {
        for _ in 0..2 {
            let (tcp, _) = listener.accept().await.unwrap();
            let Ok(tls) = accept(Arc::clone(&sc2), tcp).await else {
                continue;
            };
            let (tx, _rx) = oneshot::channel();
            respond(tls, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", tx).await;
        }
    });
    let url = format!("https://localhost:{}/", addr.port());
    // Without the CA: the handshake fails.
    let err = plain().get(&url, &[]).await.unwrap_err();
    assert!(matches!(err, Error::Handshake { .. }), "{err}");
    let client = HttpsClient::new(&TlsClientConfig {
        ca_file: pki.path("ca.pem"),
        ..Default::default()
    })
    .unwrap()
    .with_timeout(Some(Duration::from_secs(30)));
    let r = client.get(&url, &[]).await.unwrap();
    assert_eq!(r.body_text(), "ok");
    // A plaintext-only client refuses https URLs.
    let insecure = HttpsClient::new(&TlsClientConfig {
        insecure: true,
        ..Default::default()
    })
    .unwrap();
    assert!(matches!(
        insecure.get(&url, &[]).await,
        Err(Error::TlsDisabled { .. })
    ));
    // A missing CA file is a TLS settings error.
    let err = HttpsClient::new(&TlsClientConfig {
        ca_file: "/nonexistent/ca.pem".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");
}
