//! Two collectors in one process keep separate self-metrics: each serves
//! its own `/metrics` with only its own components' counts.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use otelcol_component::BuildInfo;
use otelcol_example_embedded::{InProcessHandle, MemoryStore, app};
use otelcol_service::{Collector, ConfigSource, Factories};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// Self-metrics at `normal` (processor edges counted), served on an
/// ephemeral loopback port.
const CONFIG: &str = r#"
receivers: {inprocess: }
processors: {batch: }
exporters: {memory: }
service:
  telemetry:
    metrics:
      level: normal
      readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: 0}}}}]
  pipelines:
    traces: {receivers: [inprocess], processors: [batch], exporters: [memory]}
"#;

struct Running {
    collector: Collector,
    handle: InProcessHandle,
    store: MemoryStore,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

async fn start(name: &str) -> Running {
    let (handle, receiver) = InProcessHandle::new();
    let (store, exporter) = MemoryStore::new();
    let factories = Factories::builder()
        .receiver(receiver)
        .processor(otelcol_processor_batch::factory())
        .exporter(exporter)
        .build()
        .unwrap();
    let collector =
        Collector::new(Arc::new(factories), BuildInfo::default()).with_sources(vec![ConfigSource::Inline {
            name: name.into(),
            yaml: CONFIG.into(),
        }]);
    let stop = CancellationToken::new();
    let (c, s) = (collector.clone(), stop.clone());
    let task = tokio::spawn(async move {
        c.run(s, None).await.unwrap();
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while collector.metrics_addr().is_none() || !handle.is_running() {
        assert!(tokio::time::Instant::now() < deadline, "{name} never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Running {
        collector,
        handle,
        store,
        stop,
        task,
    }
}

/// `GET /metrics` over a plain HTTP/1.1 connection.
async fn scrape(addr: SocketAddr) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out
}

fn series<'a>(page: &'a str, prefix: &str) -> Vec<&'a str> {
    page.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[tokio::test]
async fn two_collectors_in_one_process_keep_separate_self_metrics() {
    let (a, b) = (start("collector a").await, start("collector b").await);
    assert_ne!(a.collector.metrics_addr(), b.collector.metrics_addr());

    for _ in 0..3 {
        a.handle.traces(app::span("a", 1, 2, vec![])).await.unwrap();
    }
    for _ in 0..5 {
        b.handle.traces(app::span("b", 1, 2, vec![])).await.unwrap();
    }
    assert_eq!((a.store.span_count(), b.store.span_count()), (3, 5));

    let (page_a, page_b) = (
        scrape(a.collector.metrics_addr().unwrap()).await,
        scrape(b.collector.metrics_addr().unwrap()).await,
    );
    let incoming = "otelcol_processor_incoming_items{";
    assert_eq!(
        series(&page_a, incoming),
        vec![r#"otelcol_processor_incoming_items{otel_signal="traces",processor="batch"} 3"#],
        "{page_a}"
    );
    assert_eq!(
        series(&page_b, incoming),
        vec![r#"otelcol_processor_incoming_items{otel_signal="traces",processor="batch"} 5"#],
        "{page_b}"
    );
    // The batch processor's own histogram is per collector too.
    let count = "otelcol_processor_batch_batch_send_size_sum{";
    assert_eq!(
        series(&page_a, count),
        vec![r#"otelcol_processor_batch_batch_send_size_sum{processor="batch"} 3"#],
        "{page_a}"
    );
    assert_eq!(
        series(&page_b, count),
        vec![r#"otelcol_processor_batch_batch_send_size_sum{processor="batch"} 5"#],
        "{page_b}"
    );

    // Stopping one leaves the other serving.
    a.stop.cancel();
    a.task.await.unwrap();
    assert_eq!(a.collector.metrics_addr(), None);
    let again = scrape(b.collector.metrics_addr().unwrap()).await;
    assert_eq!(series(&again, incoming), series(&page_b, incoming));
    b.stop.cancel();
    b.task.await.unwrap();
}
