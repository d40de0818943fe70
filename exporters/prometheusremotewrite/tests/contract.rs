//! The shared component contract (`otelcol-componenttest`), writing to a
//! fake remote-write endpoint on loopback that accepts everything.
#![allow(clippy::unwrap_used)] // the shared fake endpoint (tests/common) unwraps
mod common;

use std::sync::OnceLock;

fn config() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    let url = URL.get_or_init(|| {
        otelcol_componenttest::background(|| async {
            let endpoint = common::FakeEndpoint::start(|_| (204, None)).await;
            let url = endpoint.url();
            std::mem::forget(endpoint);
            url
        })
    });
    format!("endpoint: {url}")
}

otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_prometheusremotewrite::factory(),
    config: config(),
);
