//! The health check over real HTTP.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::{Component, ComponentId, Extension, Kind, StatusEvent};
use otelcol_componenttest::{NopHost, nop_settings};
use otelcol_extension_healthcheck::{Config, HealthCheckExtension, ResponseBodyConfig};

struct Reply {
    status: u16,
    content_type: Option<String>,
    body: String,
}

async fn get(addr: SocketAddr, path: &str) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri: http::Uri = format!("http://{addr}{path}").parse().unwrap();
    let resp = client.get(uri).await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        content_type,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn started(cfg: Config) -> (Arc<HealthCheckExtension>, SocketAddr) {
    let cfg = Config {
        endpoint: "127.0.0.1:0".into(),
        ..cfg
    };
    let ext = Arc::new(HealthCheckExtension::new(
        &nop_settings("health_check", Kind::Extension),
        cfg,
    ));
    ext.start(NopHost::new()).await.unwrap();
    let addr = ext.local_addr().await.unwrap();
    (ext, addr)
}

#[tokio::test]
async fn not_ready_ready_not_ready() {
    let (ext, addr) = started(Config {
        path: "/health".into(),
        ..Config::default()
    })
    .await;

    let r = get(addr, "/health").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        r.body,
        r#"{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}"#
    );

    ext.ready().await;
    let r = get(addr, "/health").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3, "{doc}");
    assert_eq!(doc["status"], "Server available");
    let up_since = doc["upSince"].as_str().unwrap();
    assert!(
        up_since.ends_with('Z') && humantime::parse_rfc3339(up_since).is_ok(),
        "{up_since}"
    );
    let uptime = doc["uptime"].as_str().unwrap();
    assert!(uptime.ends_with('s') && uptime.len() > 1, "{uptime}");

    assert_eq!(get(addr, "/other").await.status, 404);

    ext.not_ready().await;
    assert_eq!(get(addr, "/health").await.status, 503);

    ext.shutdown().await.unwrap();
    ext.shutdown().await.unwrap();
}

#[tokio::test]
async fn response_body_overrides() {
    let body = ResponseBodyConfig {
        healthy: "I'm OK".into(),
        unhealthy: "I'm not well".into(),
    };
    let (ext, addr) = started(Config {
        response_body: Some(body),
        ..Config::default()
    })
    .await;
    let r = get(addr, "/").await;
    assert_eq!((r.status, r.body.as_str()), (503, "I'm not well"));
    ext.ready().await;
    let r = get(addr, "/").await;
    assert_eq!((r.status, r.body.as_str()), (200, "I'm OK"));
    ext.shutdown().await.unwrap();
}

async fn poll_status(addr: SocketAddr, want: u16) -> Reply {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = get(addr, "/").await;
        if r.status == want || tokio::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn exporter_failure_turns_unhealthy_and_ok_resets() {
    let mut cfg = Config::default();
    cfg.exporter_failure.enabled = true;
    cfg.exporter_failure.duration = Duration::from_millis(50);
    let (ext, addr) = started(cfg).await;
    ext.ready().await;
    let exporter: ComponentId = "otlp/backend".parse().unwrap();

    ext.on_status(
        &exporter,
        Kind::Exporter,
        &StatusEvent::RecoverableError("connection refused".into()),
    );
    let r = poll_status(addr, 503).await;
    assert_eq!(r.status, 503, "{}", r.body);
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["status"], "Server not available");
    assert_eq!(doc["failingExporters"][0]["id"], "otlp/backend");
    assert_eq!(doc["failingExporters"][0]["error"], "connection refused");

    ext.on_status(&exporter, Kind::Exporter, &StatusEvent::Ok);
    let r = poll_status(addr, 200).await;
    assert_eq!(r.status, 200, "{}", r.body);
    ext.shutdown().await.unwrap();
}

#[tokio::test]
async fn lifecycle_and_bind_errors() {
    let set = nop_settings("health_check", Kind::Extension);
    let never_started = HealthCheckExtension::new(&set, Config::default());
    never_started.shutdown().await.unwrap();
    never_started.shutdown().await.unwrap();

    let (ext, addr) = started(Config::default()).await;
    assert!(ext.start(NopHost::new()).await.is_err(), "second start accepted");
    let busy = HealthCheckExtension::new(
        &set,
        Config {
            endpoint: addr.to_string(),
            ..Config::default()
        },
    );
    let err = busy.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.contains(&addr.to_string()), "{err}");
    ext.shutdown().await.unwrap();
    assert!(ext.local_addr().await.is_none());
}
