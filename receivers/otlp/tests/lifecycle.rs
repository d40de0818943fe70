//! The test kit's receiver contract, plus the factory's declarations.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use otelcol_component::{Factory, ReceiverFactory, Signal, StabilityLevel};
use otelcol_componenttest::check_receiver_lifecycle;
use otelcol_receiver_otlp::factory;

#[test]
fn factory_declarations() {
    let f = factory();
    assert_eq!(f.type_name(), "otlp");
    assert!(f.module().starts_with("otelcol-receiver-otlp "));
    for s in Signal::ALL {
        assert_eq!(f.stability(s), Some(StabilityLevel::Stable));
    }
}

#[tokio::test]
async fn receiver_lifecycle() {
    check_receiver_lifecycle(&factory(), &common::loopback_config())
        .await
        .unwrap();
}

/// Beyond the kit's contract: a second start and a start after shutdown are refused.
#[tokio::test]
async fn receiver_lifecycle_steps() {
    use otelcol_component::{Kind, ReceiverFactory};
    use otelcol_componenttest::{NopHost, nop_settings};

    let f = factory();
    let set = nop_settings("otlp", Kind::Receiver);
    let cfg = common::loopback_config();
    let sinks = common::Sinks::new();
    let r = f.create(&set, &cfg, sinks.consumers()).unwrap();
    r.shutdown().await.unwrap();
    r.shutdown().await.unwrap();
    let r = f.create(&set, &cfg, sinks.consumers()).unwrap();
    r.start(NopHost::new()).await.unwrap();
    assert!(r.start(NopHost::new()).await.is_err(), "second start accepted");
    r.shutdown().await.unwrap();
    r.shutdown().await.unwrap();
    assert!(
        r.start(NopHost::new()).await.is_err(),
        "start after shutdown accepted"
    );
}
