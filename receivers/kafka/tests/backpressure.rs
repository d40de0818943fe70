//! The receiver against a real broker (tansu): a pipeline that pushes back
//! pauses consumption and loses nothing; an undecodable record is skipped;
//! offsets are committed only for what the pipeline took.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use otelcol_component::{
    ConsumeError, Consumer, Consumers, Kind, Payload, ReceiverFactory, Traces, async_trait,
};
use otelcol_componenttest::{NopHost, Sink, generate, nop_settings};
use otelcol_configkafka::rdkafka::ClientConfig;
use otelcol_configkafka::rdkafka::consumer::{BaseConsumer, Consumer as _};
use otelcol_configkafka::rdkafka::producer::{FutureProducer, FutureRecord};
use otelcol_configkafka::rdkafka::{Offset, TopicPartitionList};
use otelcol_configkafka::testing::Broker;
use otelcol_receiver_kafka::{KafkaReceiverConfig, factory};

/// Refuses (retryable, as memory_limiter does) while `refusing`, else
/// forwards to `sink`.
#[derive(Debug)]
struct Flaky {
    refusing: AtomicBool,
    refusals: AtomicUsize,
    sink: Arc<Sink<Traces>>,
}

#[async_trait]
impl Consumer<Traces> for Flaky {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        if self.refusing.load(Ordering::SeqCst) {
            self.refusals.fetch_add(1, Ordering::SeqCst);
            return Err(ConsumeError::retryable("data refused due to high memory usage"));
        }
        self.sink.consume(data).await
    }
}

fn request(i: usize) -> Vec<u8> {
    let mut req = generate::traces(1, 1, 1);
    req.resource_spans[0].scope_spans[0].spans[0].name = format!("r{i:03}");
    Traces::from_request(req).encode_to_vec()
}

fn names(sink: &Sink<Traces>) -> Vec<String> {
    sink.all()
        .iter()
        .flat_map(|t| {
            t.request()
                .resource_spans
                .iter()
                .flat_map(|rs| &rs.scope_spans)
                .flat_map(|ss| &ss.spans)
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn committed(broker: &Broker, group: &str, topic: &str, partitions: i32) -> i64 {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("group.id", group)
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition(topic, p);
    }
    let got = c.committed_offsets(tpl, Duration::from_secs(10)).unwrap();
    got.elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => o,
            _ => 0,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_pressure_pauses_consumption_and_loses_nothing() {
    let broker = Broker::start();
    broker.create_topic("bp", 2);
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .create()
        .unwrap();
    // 40 requests over 2 partitions, and one record that is not OTLP.
    for i in 0..40usize {
        let body = request(i);
        let p = (i % 2) as i32;
        producer
            .send(
                FutureRecord::<(), _>::to("bp").partition(p).payload(&body),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        if i == 20 {
            producer
                .send(
                    FutureRecord::<(), _>::to("bp")
                        .partition(0)
                        .payload(&b"\xff\xffnot protobuf"[..]),
                    Duration::from_secs(10),
                )
                .await
                .unwrap();
        }
    }

    let sink = Sink::<Traces>::new();
    let flaky = Arc::new(Flaky {
        refusing: AtomicBool::new(true),
        refusals: AtomicUsize::new(0),
        sink: sink.clone(),
    });
    let cfg: KafkaReceiverConfig = serde_yaml::from_str(&format!(
        "brokers: ['{}']\ngroup_id: g\ninitial_offset: earliest\ntraces: {{topics: [bp]}}\nmessage_marking: {{after: true}}\nautocommit: {{interval: 100ms}}",
        broker.bootstrap()
    ))
    .unwrap();
    let next = Consumers {
        traces: Some(flaky.clone()),
        ..Consumers::default()
    };
    let receiver = factory()
        .create(&nop_settings("kafka", Kind::Receiver), &cfg, next)
        .unwrap();
    receiver.start(NopHost::new()).await.unwrap();

    // The pipeline refuses for a while: records are retried, not dropped,
    // and nothing is committed.
    let deadline = Instant::now() + Duration::from_secs(30);
    while flaky.refusals.load(Ordering::SeqCst) < 5 {
        assert!(Instant::now() < deadline, "the receiver never offered a record");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.payload_count(), 0);
    assert_eq!(
        committed(&broker, "g", "bp", 2),
        0,
        "nothing committed while refused"
    );

    flaky.refusing.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.payload_count() < 40 {
        assert!(
            Instant::now() < deadline,
            "only {} of 40 requests arrived",
            sink.payload_count()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = names(&sink);
    let mut sorted = got.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 40, "each request once: {got:?}");
    receiver.shutdown().await.unwrap();
    // Everything taken is committed: 21 + 20 records (the undecodable one
    // skipped and committed too).
    assert_eq!(committed(&broker, "g", "bp", 2), 41);
}
