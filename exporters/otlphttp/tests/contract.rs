//! The shared component contract (`otelcol-componenttest`), exporting to a
//! real OTLP/HTTP receiver on loopback.
use std::sync::OnceLock;

use otelcol_component::{Consumers, Kind};
use otelcol_componenttest::{NopConsumer, NopHost, background, nop_settings, parse_config};
use otelcol_receiver_otlp::OtlpReceiver;

/// The exporter config: the shared backend's address.
fn config() -> String {
    static ADDR: OnceLock<std::net::SocketAddr> = OnceLock::new();
    let addr = ADDR.get_or_init(|| {
        background(|| async {
            let next = Consumers {
                traces: Some(NopConsumer::new()),
                metrics: Some(NopConsumer::new()),
                logs: Some(NopConsumer::new()),
            };
            let cfg = parse_config("protocols: {http: {endpoint: 127.0.0.1:0}}")
                .unwrap_or_else(|e| panic!("backend config: {e}"));
            let r = OtlpReceiver::new(&nop_settings("otlp", Kind::Receiver), cfg, next);
            otelcol_component::Component::start(&r, NopHost::new())
                .await
                .unwrap_or_else(|e| panic!("backend: {e}"));
            let addr = r
                .http_addr()
                .unwrap_or_else(|| panic!("backend has no HTTP address"));
            std::mem::forget(r);
            addr
        })
    });
    format!("endpoint: http://{addr}")
}

otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_otlphttp::factory(),
    default_config: Invalid,
    config: config(),
);
