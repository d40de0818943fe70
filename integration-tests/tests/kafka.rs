//! The Kafka tier against a real Kafka-protocol broker (tansu, started by
//! the tests and installed when missing): an agent (OTLP/HTTP in, `kafka`
//! exporter out) and gateways (`kafka` receiver in, file exporter out).
//!
//! - every span the agent acknowledged reaches the gateway, once;
//! - with `partition_traces_by_id`, every span of a trace is in one partition;
//! - the broker restarted mid-run (durable storage): nothing acknowledged is lost;
//! - the gateway SIGKILLed mid-run and restarted resumes from its committed
//!   offset: nothing is lost, the duplicates are counted;
//! - two gateways in one group split the partitions; each record is read once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use otelcol_configkafka::rdkafka::consumer::{BaseConsumer, Consumer};
use otelcol_configkafka::rdkafka::message::{Headers, Message};
use otelcol_configkafka::rdkafka::{ClientConfig, Offset, TopicPartitionList};
use otelcol_configkafka::testing::Broker;
use otelcol_integration_tests::*;
use prost::Message as _;

const TOPIC: &str = "otlp_spans";
const PARTITIONS: i32 = 4;
/// How long delivery may take after the last request (retries included).
const PATIENCE: Duration = Duration::from_secs(120);

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

/// An agent: OTLP/HTTP on `port` (gRPC on `port + 1`) → batch → kafka (keyed by trace id; the
/// request's `x-tenant` header goes along as a record header).
fn start_agent(broker: &Broker, port: u16) -> Collector {
    Collector::start(
        &format!(
            r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}", include_metadata: true}}
      grpc: {{endpoint: "127.0.0.1:{grpc}"}}
processors:
  batch: {{timeout: 100ms, metadata_keys: [x-tenant]}}
exporters:
  kafka:
    brokers: ["{b}"]
    partition_traces_by_id: true
    include_metadata_keys: [x-tenant]
    producer: {{required_acks: -1, linger: 5ms}}
    retry_on_failure: {{initial_interval: 200ms, max_interval: 2s, max_elapsed_time: 0}}
service:
  pipelines:
    traces: {{receivers: [otlp], processors: [batch], exporters: [kafka]}}
"#,
            b = broker.bootstrap(),
            grpc = port + 1
        ),
        &[],
        &[addr(port), addr(port + 1)],
    )
}

/// A gateway: kafka (group `group`) → attributes (`tenant` from the record
/// header `x-tenant`, which the receiver makes request metadata) → batch (which answers after its
/// export: the receiver keeps many records in flight) → file
/// `{dir}/traces.jsonl`.
fn start_gateway(broker: &Broker, group: &str) -> Collector {
    let mut c = Collector::start(
        &format!(
            r#"
receivers:
  kafka:
    brokers: ["{b}"]
    group_id: {group}
    initial_offset: earliest
    session_timeout: 6s
    heartbeat_interval: 1s
    message_marking: {{after: true}}
processors:
  attributes/tenant:
    actions: [{{key: tenant, from_context: metadata.x-tenant, action: insert}}]
  batch:
exporters:
  file: {{path: "{{dir}}/traces.jsonl", flush_interval: 50ms}}
service:
  pipelines:
    traces: {{receivers: [kafka], processors: [attributes/tenant, batch], exporters: [file]}}
"#,
            b = broker.bootstrap()
        ),
        &[],
        &[],
    );
    assert!(c.wait_ready(), "gateway did not start:\n{}", c.logs());
    c
}

/// Span names in a gateway's output, with how many times each was written.
fn names_in(path: &Path) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    if !path.exists() {
        return out;
    }
    // The last line may be partial while the exporter writes.
    let text = std::fs::read_to_string(path).unwrap();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        for rs in v["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for s in ss["spans"].as_array().into_iter().flatten() {
                    *out.entry(s["name"].as_str().unwrap_or_default().to_string())
                        .or_insert(0) += 1;
                }
            }
        }
    }
    out
}

fn merged(maps: &[BTreeMap<String, u32>]) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for m in maps {
        for (k, v) in m {
            *out.entry(k.clone()).or_insert(0) += v;
        }
    }
    out
}

/// Sends `requests` requests of `spans` spans (trace `r + 1` each) to the
/// agent, `pace` apart; returns the names of the spans it acknowledged.
/// `at(r)` runs before request `r` (to kill or restart something).
fn send(
    agent: SocketAddr,
    run: &str,
    requests: usize,
    spans: usize,
    pace: Duration,
    mut at: impl FnMut(usize),
) -> BTreeSet<String> {
    let mut acked = BTreeSet::new();
    for r in 0..requests {
        at(r);
        let body = json_traces_body(run, r, spans);
        let headers = [("Content-Type", "application/json"), ("X-Tenant", "acme")];
        let resp = http_request(agent, "POST", "/v1/traces", &headers, &body);
        if resp.status == 200 {
            acked.extend((0..spans).map(|i| format!("{run}-{r}-{i}")));
        }
        std::thread::sleep(pace);
    }
    acked
}

/// Waits until every name of `want` is in the union of `outputs`.
fn wait_all(want: &BTreeSet<String>, outputs: &[&Path], what: &dyn Fn() -> String) -> BTreeMap<String, u32> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let got = merged(&outputs.iter().map(|p| names_in(p)).collect::<Vec<_>>());
        let missing = want.iter().filter(|n| !got.contains_key(*n)).count();
        if missing == 0 {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} acknowledged spans never arrived\n{}",
            want.len(),
            what()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Reads every record of `topic` from the start: (partition, trace ids in
/// it, its `x-tenant` header).
fn records_by_partition(broker: &Broker, topic: &str) -> Vec<(i32, BTreeSet<Vec<u8>>, Option<String>)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("group.id", "inspector")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let mut idle = Instant::now();
    while idle.elapsed() < Duration::from_secs(5) {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                idle = Instant::now();
                let req = otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest::decode(
                    m.payload().unwrap_or_default(),
                )
                .unwrap();
                let ids: BTreeSet<Vec<u8>> = req
                    .resource_spans
                    .iter()
                    .flat_map(|rs| &rs.scope_spans)
                    .flat_map(|ss| &ss.spans)
                    .map(|s| s.trace_id.clone())
                    .collect();
                let tenant = m.headers().and_then(|h| {
                    h.iter()
                        .find(|h| h.key == "x-tenant")
                        .and_then(|h| h.value.map(|v| String::from_utf8_lossy(v).into_owned()))
                });
                out.push((m.partition(), ids, tenant));
            }
            Some(Err(e)) => panic!("reading {topic}: {e}"),
            None => {}
        }
    }
    out
}

#[test]
fn every_acknowledged_span_arrives_once_and_a_trace_stays_in_one_partition() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, PARTITIONS);
    let gw = start_gateway(&broker, "gw-basic");
    let port = free_port();
    let agent = start_agent(&broker, port);

    let acked = send(addr(port), "basic", 200, 10, Duration::from_millis(2), |_| {});
    assert_eq!(acked.len(), 2000, "the agent acknowledged every request");
    let out = gw.dir.path().join("traces.jsonl");
    let got = wait_all(&acked, &[&out], &|| {
        format!("agent:\n{}\ngateway:\n{}", agent.logs(), gw.logs())
    });
    std::thread::sleep(Duration::from_secs(1));
    let got = merged(&[got, BTreeMap::new()]);
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "spans written more than once: {:?}",
        &twice[..twice.len().min(5)]
    );
    assert_eq!(got.len(), 2000, "nothing but what was sent");
    // Go's lag gauges, from librdkafka's statistics (every 5 s): caught up.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let offsets = gw
            .self_metric("otelcol_kafka_receiver_current_offset{")
            .unwrap_or(0.0);
        let lag = gw.self_metric("otelcol_kafka_receiver_offset_lag{");
        if offsets >= 200.0 && lag == Some(0.0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "current_offset sum {offsets} (want 200 records read), offset_lag {lag:?} (want 0)"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // partition_traces_by_id: the records of a trace are all in one partition.
    let records = records_by_partition(&broker, TOPIC);
    let mut partitions_of: BTreeMap<Vec<u8>, BTreeSet<i32>> = BTreeMap::new();
    for (p, ids, tenant) in &records {
        assert_eq!(ids.len(), 1, "one trace per record");
        assert_eq!(
            tenant.as_deref(),
            Some("acme"),
            "include_metadata_keys: the header rides along"
        );
        for id in ids {
            partitions_of.entry(id.clone()).or_default().insert(*p);
        }
    }
    assert_eq!(partitions_of.len(), 200, "every trace was produced");
    for (id, ps) in &partitions_of {
        assert_eq!(ps.len(), 1, "trace {id:02x?} is in partitions {ps:?}");
    }
    let used: BTreeSet<i32> = partitions_of.values().flatten().copied().collect();
    assert!(used.len() > 1, "the traces spread over partitions: {used:?}");
    println!("{} records over partitions {used:?}", records.len());
    // The record header became request metadata at the gateway.
    let text = std::fs::read_to_string(&out).unwrap();
    let tenants = text
        .matches(r#"{"key":"tenant","value":{"stringValue":"acme"}}"#)
        .count();
    if tenants != 2000 {
        println!("first line: {}", text.lines().next().unwrap_or_default());
    }
    assert_eq!(tenants, 2000, "every span got tenant=acme from the record header");
}

#[test]
fn a_broker_restart_mid_run_loses_nothing_acknowledged() {
    let mut broker = Broker::start_durable();
    broker.create_topic(TOPIC, PARTITIONS);
    let port = free_port();
    let agent = start_agent(&broker, port);
    // The first third is produced while no gateway reads: after the restart
    // it can only come from the broker's storage. The next sixth is sent
    // while the broker is down.
    let gw: Arc<Mutex<Option<Collector>>> = Arc::new(Mutex::new(None));
    let acked = send(addr(port), "restart", 300, 5, Duration::from_millis(10), |r| {
        if r == 100 {
            // Give the agent's queue time to hand the first third over,
            // then stop the broker: the next requests are accepted by the
            // agent while no broker runs (its queue retries them).
            std::thread::sleep(Duration::from_secs(2));
            broker.kill();
        }
        if r == 150 {
            broker.restart();
            *gw.lock().unwrap() = Some(start_gateway(&broker, "gw-restart"));
        }
    });
    assert!(
        acked.len() >= 1000,
        "the agent acknowledged requests across the restart: {}",
        acked.len()
    );
    let gw = gw.lock().unwrap().take().unwrap();
    let out = gw.dir.path().join("traces.jsonl");
    let got = wait_all(&acked, &[&out], &|| {
        format!(
            "agent:\n{}\ngateway:\n{}\nbroker:\n{}",
            agent.logs(),
            gw.logs(),
            broker.log()
        )
    });
    let dups: u32 = got.values().map(|n| n - 1).sum();
    println!(
        "broker restart: {} acknowledged spans all arrived; {dups} duplicates",
        acked.len()
    );
}

#[test]
fn a_killed_gateway_resumes_from_its_committed_offset() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, PARTITIONS);
    let first = start_gateway(&broker, "gw-kill");
    let port = free_port();
    let agent = start_agent(&broker, port);
    let second: Arc<Mutex<Option<Collector>>> = Arc::new(Mutex::new(None));
    let first_out = first.dir.path().join("traces.jsonl");
    let acked = send(addr(port), "kill", 300, 5, Duration::from_millis(10), |r| {
        if r == 150 {
            // Mid-stream: records are in flight between the broker, the
            // gateway's pipeline and its next commit (every 1s).
            first.signal("KILL");
            *second.lock().unwrap() = Some(start_gateway(&broker, "gw-kill"));
        }
    });
    assert_eq!(acked.len(), 1500);
    let second = second.lock().unwrap().take().unwrap();
    let second_out = second.dir.path().join("traces.jsonl");
    let got = wait_all(&acked, &[&first_out, &second_out], &|| {
        format!("agent:\n{}\nsecond gateway:\n{}", agent.logs(), second.logs())
    });
    let before_kill = names_in(&first_out);
    let after = names_in(&second_out);
    let dups: u32 = got.values().map(|n| n - 1).sum();
    println!(
        "gateway SIGKILL: first wrote {} spans, the restarted one {}; {dups} duplicates (read again after the last commit)",
        before_kill.len(),
        after.len()
    );
    assert!(
        !before_kill.is_empty(),
        "the first gateway had consumed before the kill"
    );
    // Resuming from the committed offset re-reads at most what came after
    // the last commit, never everything the first gateway had read.
    assert!(
        (dups as usize) < before_kill.len(),
        "the restarted gateway re-read from the start: {dups} duplicates of {}",
        before_kill.len()
    );
}

#[test]
fn two_gateways_in_one_group_split_the_partitions_and_read_each_record_once() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, PARTITIONS);
    let a = start_gateway(&broker, "gw-pair");
    let b = start_gateway(&broker, "gw-pair");
    // Both members hold partitions before any data flows.
    let deadline = Instant::now() + Duration::from_secs(60);
    let both = Arc::new(AtomicBool::new(false));
    while Instant::now() < deadline {
        let assigned = |c: &Collector| c.logs().contains("Kafka partitions assigned");
        if assigned(&a) && assigned(&b) {
            both.store(true, Ordering::SeqCst);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        both.load(Ordering::SeqCst),
        "both gateways got partitions:\nA:\n{}\nB:\n{}",
        a.logs(),
        b.logs()
    );
    let port = free_port();
    let agent = start_agent(&broker, port);
    let acked = send(addr(port), "pair", 200, 5, Duration::from_millis(2), |_| {});
    let (out_a, out_b) = (
        a.dir.path().join("traces.jsonl"),
        b.dir.path().join("traces.jsonl"),
    );
    wait_all(&acked, &[&out_a, &out_b], &|| format!("agent:\n{}", agent.logs()));
    std::thread::sleep(Duration::from_secs(1));
    let (ga, gb) = (names_in(&out_a), names_in(&out_b));
    let all = merged(&[ga.clone(), gb.clone()]);
    let twice = all.values().filter(|n| **n > 1).count();
    assert_eq!(twice, 0, "records read by both gateways or twice");
    assert_eq!(all.len(), acked.len());
    assert!(
        !ga.is_empty() && !gb.is_empty(),
        "both gateways read: {} and {}",
        ga.len(),
        gb.len()
    );
    println!("two gateways: {} and {} spans", ga.len(), gb.len());
}

/// Distinct span ids of `service` in a gateway's output, and all its spans.
fn span_ids_of(path: &Path, service: &str) -> (BTreeSet<String>, usize) {
    let (mut ids, mut spans) = (BTreeSet::new(), 0);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        for rs in v["resourceSpans"].as_array().into_iter().flatten() {
            let svc = rs["resource"]["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["key"] == "service.name")
                .and_then(|a| a["value"]["stringValue"].as_str());
            if svc != Some(service) {
                continue;
            }
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for span in ss["spans"].as_array().into_iter().flatten() {
                    spans += 1;
                    ids.insert(span["spanId"].as_str().unwrap_or_default().to_string());
                }
            }
        }
    }
    (ids, spans)
}

/// A real SDK the way users run it: one Python process with the official
/// SDK's default BatchSpanProcessor (512-span exports, one at a time) over
/// OTLP/gRPC into the agent; every span the SDK saw acknowledged reaches
/// the gateway through Kafka, once.
#[test]
fn a_python_sdk_through_the_kafka_tier_loses_nothing() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, PARTITIONS);
    let gw = start_gateway(&broker, "gw-sdk");
    let port = free_port();
    let agent = start_agent(&broker, port);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/sdk_load.py");
    let mut cmd = std::process::Command::new(python());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .args([
            script,
            &format!("127.0.0.1:{}", port + 1),
            "kafka-sdk",
            "2000",
            "3",
        ])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python SDK failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).expect("manifest");
    let created = manifest["created"].as_u64().unwrap();
    assert!(created >= 5000, "{manifest}");
    assert_eq!(
        manifest["spans_ok"].as_u64(),
        Some(created),
        "the agent acknowledged every export: {manifest}"
    );
    let path = gw.dir.path().join("traces.jsonl");
    let deadline = Instant::now() + PATIENCE;
    let (ids, spans) = loop {
        let (ids, spans) = span_ids_of(&path, "kafka-sdk");
        if ids.len() as u64 >= created || Instant::now() > deadline {
            break (ids, spans);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        ids.len() as u64,
        created,
        "every acknowledged span arrived\nagent:\n{}",
        agent.logs()
    );
    assert_eq!(spans as u64, created, "and each once");
}
