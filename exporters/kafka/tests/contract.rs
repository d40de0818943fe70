//! The shared component contract (`otelcol-componenttest`), exporting to a
//! real Kafka-protocol broker (tansu) on loopback.
use std::sync::OnceLock;

use otelcol_configkafka::testing::Broker;

/// The exporter config: the shared broker's address (the broker lives as
/// long as the test process; its watchdog stops it after).
fn config() -> String {
    static BROKER: OnceLock<Broker> = OnceLock::new();
    let b = BROKER.get_or_init(|| {
        let b = Broker::start();
        for t in ["otlp_spans", "otlp_metrics", "otlp_logs"] {
            b.create_topic(t, 1);
        }
        b
    });
    format!("brokers: ['{}']", b.bootstrap())
}

otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_kafka::factory(),
    config: config(),
);
