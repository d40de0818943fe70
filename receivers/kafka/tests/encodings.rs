//! The receiver against a real broker (tansu): `otlp_json` records, record
//! headers as request metadata, and `header_extraction` into resource
//! attributes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::time::{Duration, Instant};

use otelcol_component::proto::common::v1::any_value::Value;
use otelcol_component::{Consumers, Kind, Logs, Payload, ReceiverFactory};
use otelcol_componenttest::{NopHost, Sink, generate, nop_settings};
use otelcol_configkafka::rdkafka::ClientConfig;
use otelcol_configkafka::rdkafka::message::{Header, OwnedHeaders};
use otelcol_configkafka::rdkafka::producer::{FutureProducer, FutureRecord};
use otelcol_configkafka::testing::Broker;
use otelcol_receiver_kafka::{KafkaReceiverConfig, factory};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_records_with_headers_become_logs_with_metadata_and_attributes() {
    let broker = Broker::start();
    broker.create_topic("json-logs", 1);
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .create()
        .unwrap();
    let logs = Logs::from_request(generate::logs(1, 1, 3));
    let body = logs.to_json();
    let headers = OwnedHeaders::new()
        .insert(Header {
            key: "tenant",
            value: Some("acme"),
        })
        .insert(Header {
            key: "other",
            value: Some("x"),
        });
    producer
        .send(
            FutureRecord::<(), _>::to("json-logs")
                .payload(&body)
                .headers(headers),
            Duration::from_secs(10),
        )
        .await
        .unwrap();

    let sink = Sink::<Logs>::new();
    let cfg: KafkaReceiverConfig = serde_yaml::from_str(&format!(
        "brokers: ['{}']\ninitial_offset: earliest\nlogs: {{topics: [json-logs], encoding: otlp_json}}\nheader_extraction: {{extract_headers: true, headers: [tenant]}}",
        broker.bootstrap()
    ))
    .unwrap();
    let next = Consumers {
        logs: Some(sink.clone()),
        ..Consumers::default()
    };
    let receiver = factory()
        .create(&nop_settings("kafka", Kind::Receiver), &cfg, next)
        .unwrap();
    receiver.start(NopHost::new()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.payload_count() < 1 {
        assert!(Instant::now() < deadline, "no record arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    receiver.shutdown().await.unwrap();

    let got = sink.all().remove(0);
    assert_eq!(got.item_count(), 3);
    let client = got.context().client().expect("client info");
    assert_eq!(client.metadata_values("tenant"), ["acme"]);
    assert_eq!(client.metadata_values("other"), ["x"]);
    let attrs = &got.request().resource_logs[0]
        .resource
        .as_ref()
        .unwrap()
        .attributes;
    let tenant = attrs
        .iter()
        .find(|kv| kv.key == "kafka.header.tenant")
        .expect("extracted header");
    assert!(matches!(&tenant.value.as_ref().unwrap().value, Some(Value::StringValue(v)) if v == "acme"));
    assert!(
        !attrs.iter().any(|kv| kv.key == "kafka.header.other"),
        "only the listed headers"
    );
    // Everything else is what was produced.
    let mut want = logs.request().clone();
    want.resource_logs[0]
        .resource
        .get_or_insert_default()
        .attributes
        .push(tenant.clone());
    assert_eq!(got.request(), &want);
}
