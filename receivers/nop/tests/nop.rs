//! The `nop` receiver through its factory: it starts, sends nothing, stops.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use otelcol_component::{Consumers, Factory, Kind, Logs, Metrics, ReceiverFactory, Traces};
use otelcol_componenttest::{Sink, StatusHost, check_receiver_lifecycle, nop_settings};
use otelcol_receiver_nop::factory;

#[tokio::test]
async fn lifecycle() {
    let f = factory();
    check_receiver_lifecycle(&f, &f.default_config()).await.unwrap();
}

#[tokio::test]
async fn receives_nothing_while_running() {
    let traces = Sink::<Traces>::new();
    let metrics = Sink::<Metrics>::new();
    let logs = Sink::<Logs>::new();
    let mut next = Consumers::default();
    next.set::<Traces>(traces.clone());
    next.set::<Metrics>(metrics.clone());
    next.set::<Logs>(logs.clone());
    let f = factory();
    let r = f
        .create(&nop_settings("nop", Kind::Receiver), &f.default_config(), next)
        .unwrap();
    let host = StatusHost::new();
    r.start(host.clone()).await.unwrap();
    // Nothing may arrive: waiting for a single item must time out.
    assert!(!traces.wait_for_items(1, Duration::from_millis(100)).await);
    assert_eq!(
        (
            traces.payload_count(),
            metrics.payload_count(),
            logs.payload_count()
        ),
        (0, 0, 0)
    );
    r.shutdown().await.unwrap();
    r.shutdown().await.unwrap();
    host.no_errors().unwrap();
}

#[tokio::test]
async fn works_with_only_some_signals_connected() {
    let f = factory();
    let mut next = Consumers::default();
    next.set::<Logs>(Sink::<Logs>::new());
    let r = f
        .create(&nop_settings("nop", Kind::Receiver), &f.default_config(), next)
        .unwrap();
    r.start(StatusHost::new()).await.unwrap();
    r.shutdown().await.unwrap();
    let r = f
        .create(
            &nop_settings("nop", Kind::Receiver),
            &f.default_config(),
            Consumers::default(),
        )
        .unwrap();
    r.shutdown().await.unwrap();
}
