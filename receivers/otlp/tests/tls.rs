//! TLS and mTLS on both servers, with certificates made by rcgen.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use common::*;
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use otelcol_component::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
use otelcol_configtls::{ALPN_H2, ALPN_HTTP11, TlsClientConfig, TlsServerConfig, client_config_with_alpn};
use prost::Message;
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use tokio::net::TcpStream;
use tonic::transport::Endpoint;

/// A CA, a server certificate for 127.0.0.1/localhost and a client one.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf = |names: Vec<String>, eku| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(names).unwrap();
            p.extended_key_usages = vec![eku];
            (p.signed_by(&key, &issuer).unwrap().pem(), key.serialize_pem())
        };
        let (server, server_key) = leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client, client_key) = leaf(vec!["client".into()], ExtendedKeyUsagePurpose::ClientAuth);
        for (name, pem) in [
            ("ca.pem", ca.pem()),
            ("server.pem", server),
            ("server-key.pem", server_key),
            ("client.pem", client),
            ("client-key.pem", client_key),
        ] {
            std::fs::write(dir.path().join(name), pem).unwrap();
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    fn server(&self, mtls: bool) -> TlsServerConfig {
        TlsServerConfig {
            cert_file: self.path("server.pem"),
            key_file: self.path("server-key.pem"),
            client_ca_file: if mtls { self.path("ca.pem") } else { String::new() },
            ..Default::default()
        }
    }

    fn client(&self, with_cert: bool) -> TlsClientConfig {
        let (cert_file, key_file) = if with_cert {
            (self.path("client.pem"), self.path("client-key.pem"))
        } else {
            Default::default()
        };
        TlsClientConfig {
            ca_file: self.path("ca.pem"),
            cert_file,
            key_file,
            ..Default::default()
        }
    }
}

fn tls_config(pki: &Pki, mtls: bool) -> otelcol_receiver_otlp::Config {
    let mut cfg = loopback_config();
    if let Some(g) = cfg.protocols.grpc.as_mut() {
        g.tls = Some(pki.server(mtls));
    }
    if let Some(h) = cfg.protocols.http.as_mut() {
        h.tls = Some(pki.server(mtls));
    }
    cfg
}

/// One gRPC export over TLS; the error text when the call fails.
async fn grpc_export(addr: SocketAddr, client: &TlsClientConfig) -> Result<(), String> {
    let config = client_config_with_alpn(client, &[ALPN_H2]).unwrap().unwrap();
    let connector = tower::service_fn(move |_: Uri| {
        let config = config.clone();
        async move {
            let tcp = TcpStream::connect(addr).await?;
            let name = otelcol_configtls::server_name("localhost", "").unwrap();
            let tls = otelcol_configtls::connect(config, name, tcp).await?;
            Ok::<_, std::io::Error>(TokioIo::new(tls))
        }
    });
    let channel = Endpoint::from_shared(format!("https://localhost:{}", addr.port()))
        .unwrap()
        .connect_with_connector(connector)
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    TraceServiceClient::new(channel)
        .export(traces(2))
        .await
        .map(|_| ())
        .map_err(|s| format!("{s:?}"))
}

/// One HTTP export over TLS with the ALPN protocol `alpn`; the status.
async fn http_export(addr: SocketAddr, client: &TlsClientConfig, alpn: &[u8]) -> std::io::Result<StatusCode> {
    let config = client_config_with_alpn(client, &[alpn]).unwrap().unwrap();
    let tcp = TcpStream::connect(addr).await?;
    let name = otelcol_configtls::server_name("127.0.0.1", "").unwrap();
    let tls = otelcol_configtls::connect(config, name, tcp).await?;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(alpn));
    let io = TokioIo::new(tls);
    let req = Request::post(format!("https://127.0.0.1:{}/v1/traces", addr.port()))
        .header("content-type", "application/x-protobuf")
        .body(Full::new(Bytes::from(traces(3).encode_to_vec())))
        .unwrap();
    let to_io = |e: hyper::Error| std::io::Error::other(e);
    let resp = if alpn == ALPN_H2 {
        let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(to_io)?;
        tokio::spawn(conn);
        send.send_request(req).await.map_err(to_io)?
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.map_err(to_io)?;
        tokio::spawn(conn);
        send.send_request(req).await.map_err(to_io)?
    };
    let status = resp.status();
    resp.into_body().collect().await.map_err(to_io)?;
    Ok(status)
}

#[tokio::test]
async fn grpc_and_http_over_tls() {
    let pki = Pki::new();
    let sinks = Sinks::new();
    let r = start(tls_config(&pki, false), sinks.consumers()).await;
    let client = pki.client(false);
    grpc_export(r.grpc_addr().unwrap(), &client).await.unwrap();
    assert_eq!(sinks.traces.item_count(), 2);
    let http = r.http_addr().unwrap();
    assert_eq!(
        http_export(http, &client, ALPN_HTTP11).await.unwrap(),
        StatusCode::OK
    );
    assert_eq!(http_export(http, &client, ALPN_H2).await.unwrap(), StatusCode::OK);
    assert_eq!(sinks.traces.item_count(), 8);
    // Plain text on a TLS port gets nowhere.
    let plain = Endpoint::from_shared(format!("http://{}", r.grpc_addr().unwrap()))
        .unwrap()
        .connect()
        .await;
    if let Ok(ch) = plain {
        assert!(TraceServiceClient::new(ch).export(traces(1)).await.is_err());
    }
    assert_eq!(sinks.traces.item_count(), 8);
    otelcol_component::Component::shutdown(&*r).await.unwrap();
}

#[tokio::test]
async fn mtls_refuses_clients_without_a_certificate() {
    let pki = Pki::new();
    let sinks = Sinks::new();
    let r = start(tls_config(&pki, true), sinks.consumers()).await;
    let (grpc, http) = (r.grpc_addr().unwrap(), r.http_addr().unwrap());
    let anonymous = pki.client(false);
    assert!(grpc_export(grpc, &anonymous).await.is_err());
    assert!(http_export(http, &anonymous, ALPN_HTTP11).await.is_err());
    assert_eq!(sinks.traces.item_count(), 0);
    let known = pki.client(true);
    grpc_export(grpc, &known).await.unwrap();
    assert_eq!(
        http_export(http, &known, ALPN_HTTP11).await.unwrap(),
        StatusCode::OK
    );
    assert_eq!(sinks.traces.item_count(), 5);
    otelcol_component::Component::shutdown(&*r).await.unwrap();
}

#[tokio::test]
async fn start_fails_naming_a_missing_certificate() {
    let pki = Pki::new();
    let mut cfg = tls_config(&pki, false);
    if let Some(g) = cfg.protocols.grpc.as_mut() {
        g.tls = Some(TlsServerConfig {
            cert_file: pki.path("nope.pem"),
            key_file: pki.path("server-key.pem"),
            ..Default::default()
        });
    }
    let r = Arc::new(otelcol_receiver_otlp::OtlpReceiver::new(
        &otelcol_componenttest::nop_settings("otlp", otelcol_component::Kind::Receiver),
        cfg,
        Sinks::new().consumers(),
    ));
    let e = otelcol_component::Component::start(&*r, otelcol_componenttest::NopHost::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("protocols::grpc::tls::cert_file") && e.contains("nope.pem"),
        "{e}"
    );
    assert!(r.http_addr().is_none());
}
