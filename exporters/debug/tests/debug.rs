//! End-to-end tests of the `debug` exporter through its factory.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{
    Exporter, ExporterFactory, Factory, Kind, Logs, Payload, Signal, StabilityLevel, Traces,
};
use otelcol_componenttest::{NopHost, check_exporter_lifecycle, nop_settings, parse_config};
use otelcol_exporter_debug::DebugConfig;

fn traces(n: usize) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: (0..n)
                    .map(|i| Span {
                        name: format!("span-{i}"),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn logs() -> Logs {
    Logs::from_request(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord::default(); 2],
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn create(cfg: &DebugConfig) -> Arc<dyn Exporter> {
    otelcol_exporter_debug::factory()
        .create(&nop_settings("debug", Kind::Exporter), cfg, &Signal::ALL)
        .unwrap()
}

#[test]
fn type_and_stability() {
    let f = otelcol_exporter_debug::factory();
    assert_eq!(f.type_name(), "debug");
    for s in Signal::ALL {
        assert_eq!(f.stability(s), Some(StabilityLevel::Alpha));
    }
}

#[tokio::test]
async fn lifecycle() {
    let f = otelcol_exporter_debug::factory();
    check_exporter_lifecycle(&f, &f.default_config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.log");
    let cfg: DebugConfig = parse_config(&format!(
        "use_internal_logger: false\noutput_paths: [\"{}\"]",
        path.display()
    ))
    .unwrap();
    check_exporter_lifecycle(&f, &cfg).await.unwrap();
}

#[tokio::test]
async fn writes_go_console_lines_to_output_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.log");
    std::fs::write(&path, "earlier\n").unwrap();
    let cfg: DebugConfig = parse_config(&format!(
        "verbosity: normal\nuse_internal_logger: false\noutput_paths: [\"{}\"]",
        path.display()
    ))
    .unwrap();
    let e = create(&cfg);
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(traces(2)).await.unwrap();
    e.clone().logs().unwrap().consume(logs()).await.unwrap();
    e.shutdown().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let want = "earlier\n\
        Traces\t{\"resource spans\": 1, \"spans\": 2}\n\
        ResourceTraces #0\nScopeTraces #0\nspan-0  \nspan-1  \n\n\
        Logs\t{\"resource logs\": 1, \"log records\": 2}\n\
        ResourceLog #0\nScopeLog #0\n \n \n\n";
    assert_eq!(text, want);
}

#[tokio::test]
async fn sampling_drops_beyond_initial() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.log");
    let cfg: DebugConfig = parse_config(&format!(
        "sampling_initial: 1\nsampling_thereafter: 0\nuse_internal_logger: false\noutput_paths: [\"{}\"]",
        path.display()
    ))
    .unwrap();
    let e = create(&cfg);
    e.start(NopHost::new()).await.unwrap();
    let t = e.clone().traces().unwrap();
    for _ in 0..3 {
        t.consume(traces(1)).await.unwrap();
    }
    // Each signal is sampled on its own.
    e.clone().logs().unwrap().consume(logs()).await.unwrap();
    e.shutdown().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("Traces\t").count(), 1, "{text}");
    assert_eq!(text.matches("Logs\t").count(), 1, "{text}");
}

#[tokio::test]
async fn start_fails_naming_an_unopenable_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("out.log");
    let cfg: DebugConfig = parse_config(&format!(
        "use_internal_logger: false\noutput_paths: [stdout, \"{}\"]",
        path.display()
    ))
    .unwrap();
    let err = create(&cfg).start(NopHost::new()).await.unwrap_err();
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
}
