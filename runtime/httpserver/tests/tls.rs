//! HTTPS with a `tls` block: a client trusting the CA is served; a
//! plain-HTTP client gets nothing.
#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use otelcol_configtls::testpki::TestPki;
use otelcol_configtls::{TlsClientConfig, TlsServerConfig, client_config, connect, server_name};
use otelcol_httpserver::server::{Handler, HttpResponse, HttpServer, ServerOptions, tls_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Hello;

impl Handler for Hello {
    async fn handle(&self, req: Request<Incoming>) -> HttpResponse {
        Response::new(Full::new(Bytes::from(format!("hello {}", req.uri().path()))))
    }
}

async fn read_all<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn serves_https_with_the_tls_block_and_refuses_plain_http() {
    let pki = TestPki::new();
    let tls = TlsServerConfig {
        cert_file: pki.path("server.pem"),
        key_file: pki.path("server-key.pem"),
        ..TlsServerConfig::default()
    };
    let options = ServerOptions {
        tls: Some(tls_config(&tls).unwrap()),
        ..ServerOptions::default()
    };
    let srv = HttpServer::start_with("127.0.0.1:0", Arc::new(Hello), options)
        .await
        .unwrap();
    let addr = srv.local_addr();

    let client = client_config(&TlsClientConfig {
        ca_file: pki.path("ca.pem"),
        ..TlsClientConfig::default()
    })
    .unwrap()
    .unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut s = connect(client, server_name("localhost", "").unwrap(), tcp)
        .await
        .unwrap();
    s.write_all(b"GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let resp = read_all(&mut s).await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.ends_with("hello /x"), "{resp}");

    // Plain HTTP on the TLS port: no HTTP answer.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let resp = read_all(&mut plain).await;
    assert!(!resp.contains("hello"), "{resp}");
    srv.stop().await.unwrap();
}

#[test]
fn a_tls_block_without_a_certificate_is_an_error_naming_the_key() {
    let err = tls_config(&TlsServerConfig::default()).unwrap_err().to_string();
    assert!(err.contains("tls"), "{err}");
}
