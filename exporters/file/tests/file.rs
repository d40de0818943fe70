//! End-to-end tests of the `file` exporter through its factory.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use otelcol_component::prost::Message;
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric::Data, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{
    ConsumeErrorKind, Exporter, ExporterFactory, Factory, Kind, Logs, Metrics, Payload, Signal,
    StabilityLevel, Traces,
};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_exporter_file::FileConfig;

fn resource() -> Option<Resource> {
    Some(Resource {
        attributes: vec![KeyValue {
            key: "service.name".into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue("svc".into())),
            }),
            ..Default::default()
        }],
        ..Default::default()
    })
}

fn trace_req(spans: usize, name: &str) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource(),
            scope_spans: vec![ScopeSpans {
                spans: (0..spans)
                    .map(|i| Span {
                        trace_id: vec![1; 16],
                        span_id: vec![2; 8],
                        name: format!("{name}-{i}"),
                        start_time_unix_nano: 1_700_000_000_000_000_000,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn metric_req() -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource(),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "queue.size".into(),
                    data: Some(Data::Gauge(Gauge {
                        data_points: vec![NumberDataPoint {
                            time_unix_nano: 5,
                            value: Some(number_data_point::Value::AsInt(42)),
                            ..Default::default()
                        }],
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn log_req() -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource(),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    severity_number: 9,
                    body: Some(AnyValue {
                        value: Some(any_value::Value::StringValue("hello\nworld".into())),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn config(yaml: &str) -> FileConfig {
    parse_config(yaml).unwrap()
}

fn create(cfg: &FileConfig) -> Arc<dyn Exporter> {
    otelcol_exporter_file::factory()
        .create(&nop_settings("file", Kind::Exporter), cfg, &Signal::ALL)
        .unwrap()
}

fn yaml_path(p: &Path) -> String {
    format!("\"{}\"", p.display())
}

#[test]
fn type_and_stability() {
    let f = otelcol_exporter_file::factory();
    assert_eq!(f.type_name(), "file");
    for s in Signal::ALL {
        assert_eq!(f.stability(s), Some(StabilityLevel::Alpha));
    }
}

#[test]
fn create_refuses_an_invalid_config() {
    let err = otelcol_exporter_file::factory()
        .create(
            &nop_settings("file", Kind::Exporter),
            &FileConfig::default(),
            &Signal::ALL,
        )
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "path must be non-empty");
}

/// The test kit's contract, then the same steps by hand to check that empty
/// payloads write nothing.
#[tokio::test]
async fn lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&format!("path: {}", yaml_path(&dir.path().join("out.json"))));
    otelcol_componenttest::check_exporter_lifecycle(&otelcol_exporter_file::factory(), &cfg)
        .await
        .unwrap();
    let e = create(&cfg);
    e.shutdown().await.unwrap();
    let e = create(&cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone()
        .traces()
        .unwrap()
        .consume(Traces::default())
        .await
        .unwrap();
    e.clone()
        .metrics()
        .unwrap()
        .consume(Metrics::default())
        .await
        .unwrap();
    e.clone().logs().unwrap().consume(Logs::default()).await.unwrap();
    e.shutdown().await.unwrap();
    e.shutdown().await.unwrap();
    // Payloads without resources write nothing.
    assert_eq!(std::fs::read(dir.path().join("out.json")).unwrap(), b"");
}

#[tokio::test]
async fn json_lines_round_trip_and_shutdown_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    // A flush interval far longer than the test: only shutdown can flush.
    let e = create(&config(&format!(
        "path: {}\nflush_interval: 1h",
        yaml_path(&path)
    )));
    e.start(NopHost::new()).await.unwrap();
    e.clone()
        .traces()
        .unwrap()
        .consume(Traces::from_request(trace_req(2, "a")))
        .await
        .unwrap();
    e.clone()
        .metrics()
        .unwrap()
        .consume(Metrics::from_request(metric_req()))
        .await
        .unwrap();
    e.clone()
        .logs()
        .unwrap()
        .consume(Logs::from_request(log_req()))
        .await
        .unwrap();
    e.clone()
        .traces()
        .unwrap()
        .consume(Traces::from_request(trace_req(1, "b")))
        .await
        .unwrap();
    e.shutdown().await.unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(
        otelcol_otlp_json::decode_traces(lines[0].as_bytes()).unwrap(),
        trace_req(2, "a")
    );
    assert_eq!(
        otelcol_otlp_json::decode_metrics(lines[1].as_bytes()).unwrap(),
        metric_req()
    );
    assert_eq!(
        otelcol_otlp_json::decode_logs(lines[2].as_bytes()).unwrap(),
        log_req()
    );
    assert_eq!(
        otelcol_otlp_json::decode_traces(lines[3].as_bytes()).unwrap(),
        trace_req(1, "b")
    );
    // Spec JSON: hex ids, lowerCamelCase.
    assert!(
        lines[0].contains("\"traceId\":\"01010101010101010101010101010101\""),
        "{}",
        lines[0]
    );
}

fn read_frames(bytes: &[u8]) -> Vec<&[u8]> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = rest.split_at(4);
        let len = u32::from_be_bytes(len.try_into().unwrap()) as usize;
        let (frame, tail) = tail.split_at(len);
        frames.push(frame);
        rest = tail;
    }
    frames
}

#[tokio::test]
async fn proto_is_length_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.pb");
    let e = create(&config(&format!("path: {}\nformat: proto", yaml_path(&path))));
    e.start(NopHost::new()).await.unwrap();
    e.clone()
        .traces()
        .unwrap()
        .consume(Traces::from_request(trace_req(3, "p")))
        .await
        .unwrap();
    e.clone()
        .metrics()
        .unwrap()
        .consume(Metrics::from_request(metric_req()))
        .await
        .unwrap();
    e.clone()
        .logs()
        .unwrap()
        .consume(Logs::from_request(log_req()))
        .await
        .unwrap();
    e.shutdown().await.unwrap();

    let bytes = std::fs::read(&path).unwrap();
    let frames = read_frames(&bytes);
    assert_eq!(frames.len(), 3);
    assert_eq!(
        ExportTraceServiceRequest::decode(frames[0]).unwrap(),
        trace_req(3, "p")
    );
    assert_eq!(
        ExportMetricsServiceRequest::decode(frames[1]).unwrap(),
        metric_req()
    );
    assert_eq!(ExportLogsServiceRequest::decode(frames[2]).unwrap(), log_req());
}

#[tokio::test]
async fn zstd_records_are_length_prefixed_frames_in_both_formats() {
    use otelcol_configcompression::{CompressionType, decompress};
    for format in ["json", "proto"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.zst");
        let e = create(&config(&format!(
            "path: {}\nformat: {format}\ncompression: zstd",
            yaml_path(&path)
        )));
        e.start(NopHost::new()).await.unwrap();
        for name in ["a", "b"] {
            e.clone()
                .traces()
                .unwrap()
                .consume(Traces::from_request(trace_req(2, name)))
                .await
                .unwrap();
        }
        e.shutdown().await.unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let frames = read_frames(&bytes);
        assert_eq!(frames.len(), 2, "{format}");
        for (frame, name) in frames.iter().zip(["a", "b"]) {
            assert!(
                frame.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]),
                "{format}: a zstd frame"
            );
            let plain = decompress(CompressionType::Zstd, frame, 1 << 20).unwrap();
            let req = if format == "json" {
                assert!(
                    !plain.ends_with(b"\n"),
                    "no newline inside a compressed JSON record"
                );
                otelcol_otlp_json::decode_traces(&plain).unwrap()
            } else {
                ExportTraceServiceRequest::decode(&plain[..]).unwrap()
            };
            assert_eq!(req, trace_req(2, name), "{format}");
        }
    }
}

async fn write_one(cfg: &FileConfig, name: &str) {
    let e = create(cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone()
        .traces()
        .unwrap()
        .consume(Traces::from_request(trace_req(1, name)))
        .await
        .unwrap();
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn append_keeps_and_default_truncates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let p = yaml_path(&path);
    write_one(&config(&format!("path: {p}")), "first").await;
    write_one(&config(&format!("path: {p}\nappend: true")), "second").await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains("first-0") && text.contains("second-0"));

    write_one(&config(&format!("path: {p}")), "third").await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("third-0") && !text.contains("first-0"));
}

#[tokio::test]
async fn missing_directory_fails_start_unless_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no").join("such").join("out.json");
    let e = create(&config(&format!("path: {}", yaml_path(&path))));
    let err = e.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.contains(&path.display().to_string()), "{err}");
    e.shutdown().await.unwrap();

    write_one(
        &config(&format!("path: {}\ncreate_directory: true", yaml_path(&path))),
        "made",
    )
    .await;
    assert!(std::fs::read_to_string(&path).unwrap().contains("made-0"));
}

#[tokio::test]
async fn consume_outside_the_running_state_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = create(&config(&format!(
        "path: {}",
        yaml_path(&dir.path().join("o.json"))
    )));
    let t = e.clone().traces().unwrap();
    let err = t
        .consume(Traces::from_request(trace_req(1, "x")))
        .await
        .unwrap_err();
    assert!(
        err.is_permanent() && err.message().contains("not started"),
        "{err}"
    );
    e.start(NopHost::new()).await.unwrap();
    e.shutdown().await.unwrap();
    let err = t
        .consume(Traces::from_request(trace_req(1, "x")))
        .await
        .unwrap_err();
    assert!(err.is_permanent() && err.message().contains("shut down"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_payloads_than_the_queue_holds_are_all_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.json");
    let e = create(&config(&format!("path: {}", yaml_path(&path))));
    e.start(NopHost::new()).await.unwrap();
    let per_task = 1000;
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let c = e.clone().traces().unwrap();
            tokio::spawn(async move {
                for i in 0..per_task {
                    c.consume(Traces::from_request(trace_req(1, &format!("t{t}-{i}"))))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    e.shutdown().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 4 * per_task);
    for line in text.lines() {
        assert_eq!(
            otelcol_otlp_json::decode_traces(line.as_bytes())
                .unwrap()
                .resource_spans
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn rotation_splits_output_into_named_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rot.json");
    let e = create(&config(&format!(
        "path: {}\nrotation: {{max_megabytes: 1, max_backups: 10}}",
        yaml_path(&path)
    )));
    e.start(NopHost::new()).await.unwrap();
    // About 0.4 MiB of JSON per payload.
    let big = |i: usize| {
        let mut req = trace_req(1, &format!("big{i}"));
        req.resource_spans[0].scope_spans[0].spans[0]
            .name
            .push_str(&"x".repeat(400 * 1024));
        Traces::from_request(req)
    };
    for i in 0..6 {
        e.clone().traces().unwrap().consume(big(i)).await.unwrap();
    }
    e.shutdown().await.unwrap();

    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    // 2 payloads fit in 1 MiB: 3 files, 2 of them backups named rot-<UTC time>.json.
    assert_eq!(files.len(), 3, "{files:?}");
    for f in files.iter().filter(|f| f.as_str() != "rot.json") {
        let ts = f
            .strip_prefix("rot-")
            .and_then(|r| r.strip_suffix(".json"))
            .unwrap();
        assert_eq!(ts.len(), "2022-09-14T05-02-14.173".len(), "{f}");
        assert_eq!(&ts[10..11], "T");
    }
    let mut names = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(text.len() <= 1024 * 1024);
        for line in text.lines() {
            let req = otelcol_otlp_json::decode_traces(line.as_bytes()).unwrap();
            names.push(req.resource_spans[0].scope_spans[0].spans[0].name[..5].to_string());
        }
    }
    names.sort();
    assert_eq!(names, ["big0-", "big1-", "big2-", "big3-", "big4-", "big5-"]);
}

#[tokio::test]
async fn write_errors_refuse_later_data_and_fail_shutdown() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let e = create(&config("path: /dev/full\nflush_interval: 10ms"));
    e.start(NopHost::new()).await.unwrap();
    let t = e.clone().traces().unwrap();
    t.consume(Traces::from_request(trace_req(1, "lost")))
        .await
        .unwrap();
    // The periodic flush hits ENOSPC; from then on consume fails for good.
    let mut refused = None;
    for _ in 0..500 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if let Err(err) = t.consume(Traces::from_request(trace_req(1, "more"))).await {
            refused = Some(err);
            break;
        }
    }
    let err = refused.expect("consume never failed after a write error");
    assert!(matches!(err.kind(), ConsumeErrorKind::Permanent { .. }), "{err}");
    assert!(err.message().contains("/dev/full"), "{err}");
    let err = e.shutdown().await.unwrap_err().to_string();
    assert!(err.contains("/dev/full"), "{err}");
}
