//! The exporter against a real broker (tansu): record headers from
//! `include_metadata_keys` and `record_headers`, `topic_from_attribute`,
//! `otlp_json`, and one record per trace with `partition_traces_by_id`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use otelcol_component::build::string_kv;
use otelcol_component::{ClientInfo, ExporterFactory, Kind, Payload, RequestContext, Signal, Traces};
use otelcol_componenttest::{NopHost, generate, nop_settings};
use otelcol_configkafka::rdkafka::ClientConfig;
use otelcol_configkafka::rdkafka::consumer::{BaseConsumer, Consumer};
use otelcol_configkafka::rdkafka::message::{Headers, Message};
use otelcol_configkafka::rdkafka::{Offset, TopicPartitionList};
use otelcol_configkafka::testing::Broker;
use otelcol_exporter_kafka::{KafkaExporterConfig, factory};

/// Every record of `topic` (one partition): (key, value, headers).
type Record = (Option<Vec<u8>>, Vec<u8>, BTreeMap<String, String>);

fn read_all(broker: &Broker, topic: &str, want: usize) -> Vec<Record> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("group.id", "inspect")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning).unwrap();
    c.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while out.len() < want && Instant::now() < deadline {
        if let Some(m) = c.poll(Duration::from_millis(200)) {
            let m = m.unwrap();
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| {
                            (
                                h.key.to_string(),
                                String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push((
                m.key().map(<[u8]>::to_vec),
                m.payload().unwrap_or_default().to_vec(),
                headers,
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_topics_and_encodings_on_a_real_broker() {
    let broker = Broker::start();
    for t in ["spans", "tenant-topic"] {
        broker.create_topic(t, 1);
    }
    let cfg: KafkaExporterConfig = serde_yaml::from_str(&format!(
        "brokers: ['{}']\ntraces: {{topic: spans, encoding: otlp_json}}\ntopic_from_attribute: kafka.topic\ninclude_metadata_keys: [x-tenant]\nrecord_headers: {{static: yes}}\npartition_traces_by_id: true",
        broker.bootstrap()
    ))
    .unwrap();
    let exporter = factory()
        .create(&nop_settings("kafka", Kind::Exporter), &cfg, &[Signal::Traces])
        .unwrap();
    exporter.start(NopHost::new()).await.unwrap();
    let traces = exporter.clone().traces().unwrap();

    // Two traces, with metadata: two records keyed by trace id, both headers.
    let mut req = generate::traces(1, 1, 4);
    for (i, s) in req.resource_spans[0].scope_spans[0].spans.iter_mut().enumerate() {
        s.trace_id = vec![(i % 2) as u8 + 1; 16];
    }
    let mut t = Traces::from_request(req);
    let md = BTreeMap::from([("x-tenant".to_string(), vec!["acme".to_string()])]);
    t.set_context(RequestContext::new(ClientInfo::new(None, md)));
    traces.consume(t).await.unwrap();
    // A resource naming its topic goes there.
    let mut req = generate::traces(1, 1, 1);
    req.resource_spans[0]
        .resource
        .get_or_insert_default()
        .attributes
        .push(string_kv("kafka.topic", "tenant-topic"));
    traces.consume(Traces::from_request(req)).await.unwrap();
    exporter.shutdown().await.unwrap();

    let spans = read_all(&broker, "spans", 2);
    assert_eq!(spans.len(), 2, "one record per trace");
    for (i, (key, value, headers)) in spans.iter().enumerate() {
        let want = format!("{:02x}", i + 1).repeat(16);
        assert_eq!(
            key.as_deref(),
            Some(want.as_bytes()),
            "keyed by the trace id in hex"
        );
        assert_eq!(
            headers.get("x-tenant").map(String::as_str),
            Some("acme"),
            "{headers:?}"
        );
        assert_eq!(headers.get("static").map(String::as_str), Some("yes"));
        let t = Traces::from_json(value).expect("otlp_json");
        assert_eq!(t.item_count(), 2);
    }
    let routed = read_all(&broker, "tenant-topic", 1);
    assert_eq!(routed.len(), 1, "topic_from_attribute");
    assert!(!routed[0].2.contains_key("x-tenant"), "no metadata, no header");
}
