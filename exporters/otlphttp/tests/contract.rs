//! The shared component contract (`otelcol-componenttest`), exporting to a
//! real OTLP/HTTP receiver on loopback.
use std::sync::OnceLock;

use otelcol_component::Kind;
use otelcol_componenttest::{loopback_backend, nop_settings, parse_config};
use otelcol_receiver_otlp::OtlpReceiver;

/// The exporter config: the shared backend's address.
fn config() -> String {
    static ADDR: OnceLock<std::net::SocketAddr> = OnceLock::new();
    let addr = ADDR.get_or_init(|| {
        loopback_backend(
            |next| {
                let cfg = parse_config("protocols: {http: {endpoint: 127.0.0.1:0}}")
                    .unwrap_or_else(|e| panic!("backend config: {e}"));
                OtlpReceiver::new(&nop_settings("otlp", Kind::Receiver), cfg, next)
            },
            OtlpReceiver::http_addr,
        )
    });
    format!("endpoint: http://{addr}")
}

otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_otlphttp::factory(),
    default_config: Invalid,
    config: config(),
);
