//! Collector A (otlp exporter, in-memory queue) → collector B (file): B is
//! down while A accepts data; B comes up; every span A accepted arrives.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use otelcol_integration_tests::*;

fn traces_body(batch: usize, spans: usize) -> Vec<u8> {
    let spans: Vec<String> = (0..spans)
        .map(|i| {
            format!(
                r#"{{"traceId":"{:032x}","spanId":"{:016x}","name":"s-{batch}-{i}","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2"}}"#,
                batch + 1,
                i + 1
            )
        })
        .collect();
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"a"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
    .into_bytes()
}

#[test]
fn spans_accepted_while_the_backend_is_down_arrive_when_it_comes_up() {
    let (a_http, b_grpc) = (free_port(), free_port());
    let a_addr: SocketAddr = format!("127.0.0.1:{a_http}").parse().unwrap();
    let b_addr: SocketAddr = format!("127.0.0.1:{b_grpc}").parse().unwrap();
    let a_cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{a_http}"}}
processors:
  batch:
exporters:
  otlp:
    endpoint: 127.0.0.1:{b_grpc}
    tls: {{insecure: true}}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}}
    sending_queue: {{queue_size: 1000}}
service:
  pipelines:
    traces: {{receivers: [otlp], processors: [batch], exporters: [otlp]}}
"#
    );
    let mut a = Collector::start(&a_cfg, &[], &[a_addr]);
    // B is down: A still starts and accepts everything into its queue.
    let (batches, per) = (20, 50);
    for i in 0..batches {
        let r = http_request(
            a_addr,
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/json")],
            &traces_body(i, per),
        );
        assert_eq!(
            r.status,
            200,
            "A accepts while B is down: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    assert_eq!(
        a.self_metric("otelcol_receiver_accepted_spans{"),
        Some((batches * per) as f64),
        "{}",
        a.logs()
    );

    let b_cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{b_grpc}"}}
exporters:
  file: {{path: "{{dir}}/spans.jsonl", flush_interval: 100ms}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"#
    );
    let mut b = Collector::start(&b_cfg, &[], &[b_addr]);
    let want = (batches * per) as f64;
    let deadline = Instant::now() + Duration::from_secs(60);
    while b.self_metric("otelcol_receiver_accepted_spans{").unwrap_or(0.0) < want && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let (st, logs_a) = a.stop();
    assert!(st.success(), "{logs_a}");
    let (st, logs_b) = b.stop();
    assert!(st.success(), "{logs_b}");
    let mut names: Vec<String> = read_json_lines(&b.dir.path().join("spans.jsonl"))
        .iter()
        .flat_map(|l| l["resourceSpans"].as_array().unwrap().clone())
        .flat_map(|rs| rs["scopeSpans"].as_array().unwrap().clone())
        .flat_map(|ss| ss["spans"].as_array().unwrap().clone())
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names.len(),
        batches * per,
        "every accepted span arrives at B\nA:\n{logs_a}\nB:\n{logs_b}"
    );
}
