//! Every page over real HTTP.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::{
    BuildInfo, Component, ComponentId, Extension, ExtensionFactory, Host, Kind, PipelineInfo, ServiceInfo,
};
use otelcol_componenttest::{NopHost, nop_settings};
use otelcol_extension_zpages::{Config, ExpvarConfig, SpanSample, TracezStore, ZpagesExtension, factory};

#[derive(Debug)]
struct TestHost {
    info: ServiceInfo,
}

impl Host for TestHost {
    fn extension(&self, _id: &ComponentId) -> Option<Arc<dyn Extension>> {
        None
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
    fn service_info(&self) -> Option<ServiceInfo> {
        Some(self.info.clone())
    }
}

fn id(s: &str) -> ComponentId {
    s.parse().unwrap()
}

fn host() -> Arc<dyn Host> {
    let build = BuildInfo {
        command: "otelcol-test".into(),
        description: "Test <distro>".into(),
        version: "9.8.7".into(),
    };
    let pipelines = vec![
        PipelineInfo::new(
            "traces/a&b\"c'd".parse().unwrap(),
            vec![id("otlp")],
            vec![id("batch"), id("attributes/x&y")],
            vec![id("debug"), id("otlp/backend")],
            true,
        ),
        PipelineInfo::new(
            "metrics".parse().unwrap(),
            vec![id("otlp")],
            vec![],
            vec![id("debug")],
            false,
        ),
    ];
    Arc::new(TestHost {
        info: ServiceInfo::new(build, pipelines, vec![id("health_check"), id("zpages/o'k")]),
    })
}

async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let resp = client
        .get(format!("http://{addr}{path}").parse().unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        ct.unwrap_or_default(),
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

async fn start(ext: ZpagesExtension, host: Arc<dyn Host>) -> (ZpagesExtension, SocketAddr) {
    ext.start(host).await.unwrap();
    let addr = ext.local_addr().await.unwrap();
    (ext, addr)
}

fn local() -> Config {
    Config {
        endpoint: "127.0.0.1:0".into(),
        ..Config::default()
    }
}

fn settings() -> otelcol_component::Settings {
    nop_settings("zpages", Kind::Extension)
}

#[tokio::test]
async fn servicez_pipelinez_extensionz_featurez() {
    let (ext, addr) = start(ZpagesExtension::new(&settings(), local()), host()).await;

    let (status, ct, body) = get(addr, "/debug/servicez").await;
    assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"));
    for want in [
        "otelcol-test",
        "Test &lt;distro&gt;",
        "9.8.7",
        &std::process::id().to_string(),
    ] {
        assert!(body.contains(want), "servicez lacks {want}: {body}");
    }
    for link in [
        "/debug/pipelinez",
        "/debug/extensionz",
        "/debug/featurez",
        "/debug/tracez",
    ] {
        assert!(
            body.contains(&format!("href=\"{link}\"")),
            "servicez lacks a link to {link}"
        );
    }
    assert!(!body.contains("/debug/expvarz"), "expvarz is disabled");
    assert!(!body.contains("<script"), "pages carry no JavaScript");

    let (status, _, body) = get(addr, "/debug/pipelinez").await;
    assert_eq!(status, 200);
    assert!(body.contains("traces/a&amp;b&quot;c&#39;d"), "{body}");
    assert!(!body.contains("a&b\"c'd"), "unescaped id: {body}");
    assert!(body.contains("attributes/x&amp;y") && body.contains("otlp/backend"));
    assert!(
        body.contains("<td>true</td>") && body.contains("<td>false</td>"),
        "mutates-data column: {body}"
    );
    assert!(body.contains("MutatesData") && body.contains("Receivers") && body.contains("Exporters"));

    let (_, _, body) = get(addr, "/debug/extensionz").await;
    assert!(
        body.contains("health_check") && body.contains("zpages/o&#39;k"),
        "{body}"
    );

    let (_, _, body) = get(addr, "/debug/featurez").await;
    assert!(body.contains("defines no feature gates"), "{body}");

    assert_eq!(get(addr, "/debug/expvarz").await.0, 404);
    assert_eq!(get(addr, "/debug/nothing").await.0, 404);
    assert_eq!(get(addr, "/").await.0, 404);

    ext.shutdown().await.unwrap();
    ext.shutdown().await.unwrap();
    assert!(ext.local_addr().await.is_none());
}

#[tokio::test]
async fn tracez_shows_the_given_store() {
    let store = TracezStore::new();
    store.record(
        SpanSample {
            name: "export<1>".into(),
            target: "otelcol".into(),
            start: std::time::SystemTime::now(),
            duration: Duration::from_millis(150),
            fields: vec![],
            error: Some("backend said <no>".into()),
        },
        false,
    );
    store.record(
        SpanSample {
            name: "export<1>".into(),
            target: "otelcol".into(),
            start: std::time::SystemTime::now(),
            duration: Duration::from_millis(150),
            fields: vec![("items".into(), "3".into())],
            error: None,
        },
        false,
    );
    let ext = ZpagesExtension::with_tracez_store(&settings(), local(), Some(store));
    let (ext, addr) = start(ext, NopHost::new()).await;
    let (status, _, body) = get(addr, "/debug/tracez").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("export&lt;1&gt;") && body.contains("&gt;100ms") && body.contains("&gt;1m0s"),
        "{body}"
    );
    let (_, _, errors) = get(addr, "/debug/tracez?zspanname=export%3C1%3E&ztype=2").await;
    assert!(errors.contains("backend said &lt;no&gt;"), "{errors}");
    let (_, _, latency) = get(
        addr,
        "/debug/tracez?zspanname=export%3C1%3E&ztype=1&zlatencybucket=5",
    )
    .await;
    assert!(
        latency.contains("items=3") && latency.contains("150ms"),
        "{latency}"
    );
    ext.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_recorder_or_host_info_pages_say_so() {
    // The factory's extension starts and stops like the others.
    let ext = factory().create(&settings(), &local()).unwrap();
    ext.start(NopHost::new()).await.unwrap();
    ext.shutdown().await.unwrap();

    let cfg = Config {
        expvar: ExpvarConfig { enabled: true },
        ..local()
    };
    let (ext, addr) = start(ZpagesExtension::new(&settings(), cfg), NopHost::new()).await;
    let (_, _, body) = get(addr, "/debug/tracez").await;
    assert!(body.contains("No span recorder is installed"), "{body}");
    let (_, _, body) = get(addr, "/debug/pipelinez").await;
    assert!(body.contains("did not describe"), "{body}");
    let (_, _, body) = get(addr, "/debug/servicez").await;
    assert!(
        body.contains("otelcol-rs") && body.contains("/debug/expvarz"),
        "{body}"
    );
    let (status, ct, body) = get(addr, "/debug/expvarz").await;
    assert_eq!((status, ct.as_str()), (200, "application/json; charset=utf-8"));
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["pid"], std::process::id());
    assert!(doc["cmdline"].is_array());
    ext.shutdown().await.unwrap();
}

#[tokio::test]
async fn lifecycle_and_bind_errors() {
    let never = ZpagesExtension::new(&settings(), local());
    never.shutdown().await.unwrap();
    let (ext, addr) = start(ZpagesExtension::new(&settings(), local()), NopHost::new()).await;
    assert!(ext.start(NopHost::new()).await.is_err());
    let busy = ZpagesExtension::new(
        &settings(),
        Config {
            endpoint: addr.to_string(),
            ..Config::default()
        },
    );
    let err = busy.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.contains(&addr.to_string()), "{err}");
    ext.shutdown().await.unwrap();
}
