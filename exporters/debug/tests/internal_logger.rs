//! The internal logger path, in its own test binary: `tracing` caches
//! callsite interest per process, and a scoped subscriber in one test races
//! with other tests registering the same callsites from other threads.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::io::Write;
use std::sync::{Arc, Mutex};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{Exporter, ExporterFactory, Kind, Payload, Signal, Traces};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
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

fn create(cfg: &DebugConfig) -> Arc<dyn Exporter> {
    otelcol_exporter_debug::factory()
        .create(&nop_settings("debug", Kind::Exporter), cfg, &Signal::ALL)
        .unwrap()
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn internal_logger_logs_at_info_through_tracing() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let cfg: DebugConfig = parse_config("verbosity: detailed").unwrap();
    tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let e = create(&cfg);
            e.start(NopHost::new()).await.unwrap();
            e.clone().traces().unwrap().consume(traces(1)).await.unwrap();
            e.shutdown().await.unwrap();
        });
    });
    let out = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains(" INFO "), "{out}");
    assert!(
        out.contains(r#"Traces {"resource spans": 1, "spans": 1}"#),
        "{out}"
    );
    assert!(out.contains("otelcol.component.id=debug"), "{out}");
    assert!(out.contains("    Name           : span-0"), "{out}");
}
