//! The process-wide tracez layer feeding the extension's page.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::{Component, Kind};
use otelcol_componenttest::{NopHost, nop_settings};
use otelcol_extension_zpages::{Config, ZpagesExtension, global_tracez_store, tracez_layer};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test]
async fn spans_recorded_by_the_global_layer_appear_on_tracez() {
    assert!(global_tracez_store().is_none());
    let (layer, store) = tracez_layer();
    let (_again, same) = tracez_layer();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    tracing::info_span!("receive_batch", items = 7).in_scope(|| {
        tracing::info_span!("failing_step").in_scope(|| tracing::error!("it broke"));
    });
    assert_eq!(store.summaries().len(), 2);
    assert_eq!(
        same.summaries().len(),
        2,
        "every layer feeds the one process-wide store"
    );
    assert!(global_tracez_store().is_some());

    let cfg = Config {
        endpoint: "127.0.0.1:0".into(),
        ..Config::default()
    };
    let ext = ZpagesExtension::new(&nop_settings("zpages", Kind::Extension), cfg);
    ext.start(NopHost::new()).await.unwrap();
    let addr = ext.local_addr().await.unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let resp = client
        .get(format!("http://{addr}/debug/tracez").parse().unwrap())
        .await
        .unwrap();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        body.contains("receive_batch") && body.contains("failing_step"),
        "{body}"
    );
    assert!(
        body.contains("ztype=2"),
        "the failed span links to its error samples: {body}"
    );
    ext.shutdown().await.unwrap();
}
