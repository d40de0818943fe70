//! Contract tests of the `nop` exporter.
#![allow(clippy::unwrap_used)]

use otelcol_component::{ExporterFactory, Factory, Kind, Payload, Signal, StabilityLevel, Traces};
use otelcol_componenttest::{NopHost, check_exporter_lifecycle, nop_settings};

#[tokio::test]
async fn lifecycle() {
    let f = otelcol_exporter_nop::factory();
    check_exporter_lifecycle(&f, &f.default_config()).await.unwrap();
}

#[test]
fn type_and_stability() {
    let f = otelcol_exporter_nop::factory();
    assert_eq!(f.type_name(), "nop");
    for s in Signal::ALL {
        assert_eq!(f.stability(s), Some(StabilityLevel::Beta));
    }
}

#[tokio::test]
async fn accepts_and_drops_data() {
    let f = otelcol_exporter_nop::factory();
    let e = f
        .create(
            &nop_settings("nop", Kind::Exporter),
            &f.default_config(),
            &Signal::ALL,
        )
        .unwrap();
    e.start(NopHost::new()).await.unwrap();
    let req = otelcol_componenttest::generate::traces(1, 1, 3);
    let traces = e.clone().traces().unwrap();
    assert!(!traces.capabilities().mutates_data);
    traces.consume(Traces::from_request(req)).await.unwrap();
    assert!(e.clone().metrics().is_some());
    assert!(e.clone().logs().is_some());
    e.shutdown().await.unwrap();
}
