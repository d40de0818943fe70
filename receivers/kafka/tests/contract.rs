//! The shared component contract (`otelcol-componenttest`), consuming from
//! a real Kafka-protocol broker (tansu) on loopback.
use std::sync::OnceLock;

use otelcol_configkafka::testing::Broker;

/// The receiver config: the shared broker's address (the broker lives as
/// long as the test process; its watchdog stops it after).
fn config() -> String {
    static BROKER: OnceLock<Broker> = OnceLock::new();
    let b = BROKER.get_or_init(Broker::start);
    format!("brokers: ['{}']\ngroup_id: contract", b.bootstrap())
}

otelcol_componenttest::component_tests!(
    receiver: otelcol_receiver_kafka::factory(),
    config: config(),
);
