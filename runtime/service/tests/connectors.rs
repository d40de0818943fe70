//! Connectors in the graph: fan-out to every pipeline that lists one as a
//! receiver, build and shutdown order, and Go's validation messages.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

mod support;

use otelcol_component::BuildInfo;
use otelcol_service::config::ConfigSource;
use otelcol_service::graph::build_with;
use otelcol_service::service::Service;
use otelcol_service::{ConfigErrors, Factories, Resolved, ValidatedConfig, validate};
use support::*;

fn factories(kit: &Kit) -> Factories {
    Factories::builder()
        .receiver(kit.receivers.clone())
        .processor(kit.processors.clone())
        .exporter(kit.exporters.clone())
        .connector(otelcol_connector_forward::factory())
        .build()
        .unwrap()
}

fn load(kit: &Kit, yaml: &str) -> Result<ValidatedConfig, ConfigErrors> {
    let src = ConfigSource::Inline {
        name: "test.yaml".into(),
        yaml: yaml.into(),
    };
    let resolved = Resolved::resolve(&[src], &[], &std::collections::HashMap::new())?;
    validate(&resolved, &factories(kit))
}

const JOINED: &str = r#"
receivers: {testrcv: }
processors:
  tag/a: {tag: "+a"}
  tag/b: {tag: "+b"}
exporters: {sink/1: , sink/2: }
connectors: {forward: }
service:
  pipelines:
    traces/in: {receivers: [testrcv], processors: [tag/a], exporters: [forward, sink/1]}
    traces/out1: {receivers: [forward], processors: [tag/b], exporters: [sink/2]}
    traces/out2: {receivers: [forward], exporters: [sink/1]}
"#;

#[tokio::test]
async fn a_connector_feeds_every_pipeline_that_receives_from_it() {
    let kit = Kit::new();
    let cfg = load(&kit, JOINED).unwrap();
    let recorder = otelcol_service::selfmetrics::SelfRecorder::default();
    let meter = otelcol_component::Meter::new(std::sync::Arc::new(recorder.clone()));
    let graph = build_with(&cfg, &BuildInfo::default(), meter).unwrap();
    assert_eq!(
        graph.connectors.len(),
        1,
        "one forward instance for traces to traces"
    );
    let service = Service::new(graph);
    service.start().await.unwrap();

    let rcv = kit.receivers.created.lock().unwrap()[0].clone();
    rcv.next
        .traces
        .as_ref()
        .unwrap()
        .consume(spans(&["s"]))
        .await
        .unwrap();
    let names = |id: &str| -> Vec<String> {
        let mut v: Vec<String> = kit
            .exporter(id)
            .traces
            .all()
            .iter()
            .flat_map(span_names)
            .collect();
        v.sort();
        v
    };
    // sink/1: once from traces/in directly, once through traces/out2.
    assert_eq!(names("sink/1"), ["s+a", "s+a"]);
    // sink/2: through the connector and traces/out1's processor.
    assert_eq!(names("sink/2"), ["s+a+b"]);
    // The connector's edges are counted: one span in, one out to each pipeline.
    let registry = recorder.registry();
    let label = |l: &[(String, String)], k: &str| {
        l.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let consumed = registry.counter_values("otelcol_connector_consumed_items");
    assert_eq!(consumed.len(), 1, "{consumed:?}");
    assert_eq!(label(&consumed[0].0, "connector"), "forward");
    assert_eq!(label(&consumed[0].0, "otel_signal"), "traces");
    assert_eq!(consumed[0].1, 1);
    let mut produced: Vec<(String, u64)> = registry
        .counter_values("otelcol_connector_produced_items")
        .iter()
        .map(|(l, v)| (label(l, "pipeline"), *v))
        .collect();
    produced.sort();
    assert_eq!(
        produced,
        [("traces/out1".to_string(), 1), ("traces/out2".to_string(), 1)]
    );

    service.shutdown().await;
    let journal = kit.journal.entries();
    let at = |entry: &str| {
        journal
            .iter()
            .position(|e| e == entry)
            .unwrap_or_else(|| panic!("{entry:?} not in {journal:?}"))
    };
    // Started sinks first, stopped sources first: the feeding pipeline
    // drains into the connector's pipelines before those stop.
    assert!(
        at("start processor tag/b") < at("start processor tag/a"),
        "{journal:?}"
    );
    assert!(
        at("shutdown receiver testrcv") < at("shutdown processor tag/a"),
        "{journal:?}"
    );
    assert!(
        at("shutdown processor tag/a") < at("shutdown processor tag/b"),
        "{journal:?}"
    );
    assert!(
        at("shutdown processor tag/b") < at("shutdown exporter sink/2"),
        "{journal:?}"
    );
}

#[test]
fn the_graph_draws_connectors_between_pipelines() {
    let g = otelcol_service::mermaid::render(&load(&Kit::new(), JOINED).unwrap());
    assert!(g.contains("subgraph connectors[\"Connectors\"]"), "{g}");
    assert!(g.contains("con_forward{{\"forward\"}}"), "{g}");
    // traces/in's last processor feeds the connector; it feeds both out pipelines.
    assert!(g.contains("pipe_traces_in__tag_a --> con_forward"), "{g}");
    assert!(
        g.contains("con_forward -->|traces| pipe_traces_out1__tag_b"),
        "{g}"
    );
    assert!(g.contains("con_forward -->|traces| pipe_traces_out2__in"), "{g}");
    assert!(!g.contains("exp_forward") && !g.contains("rcv_forward"), "{g}");
}

fn refused(yaml: &str) -> String {
    load(&Kit::new(), yaml).unwrap_err().to_string()
}

#[test]
fn a_connector_used_on_one_side_only_is_refused_with_gos_words() {
    let e = refused(
        r#"
receivers: {testrcv: }
exporters: {sink: }
connectors: {forward: }
service:
  pipelines:
    traces/in: {receivers: [testrcv], exporters: [forward]}
    traces/out: {receivers: [testrcv], exporters: [sink]}
"#,
    );
    assert!(
        e.contains(
            r#"connector "forward" used as exporter in [traces/in] pipeline but not used in any supported receiver pipeline"#
        ),
        "{e}"
    );
}

#[test]
fn an_unsupported_signal_pair_is_refused_on_both_sides() {
    let e = refused(
        r#"
receivers: {testrcv: }
exporters: {sink: }
connectors: {forward: }
service:
  pipelines:
    traces: {receivers: [testrcv], exporters: [forward]}
    metrics: {receivers: [forward], exporters: [sink]}
"#,
    );
    assert!(
        e.contains(
            r#"connector "forward" used as exporter in [traces] pipeline but not used in any supported receiver pipeline"#
        ),
        "{e}"
    );
    assert!(
        e.contains(
            r#"connector "forward" used as receiver in [metrics] pipeline but not used in any supported exporter pipeline"#
        ),
        "{e}"
    );
}

#[test]
fn a_cycle_is_refused_naming_it() {
    let e = refused(
        r#"
receivers: {testrcv: }
exporters: {sink: }
connectors: {forward: }
service:
  pipelines:
    traces/in: {receivers: [testrcv], exporters: [sink]}
    traces/loop: {receivers: [forward], exporters: [forward]}
"#,
    );
    assert!(
        e.contains(r#"cycle detected: connector "forward" (traces to traces) -> connector "forward" (traces to traces)"#),
        "{e}"
    );
    let e = refused(
        r#"
receivers: {testrcv: }
processors: {tag: {tag: "+x"}}
exporters: {sink: }
connectors: {forward/1: , forward/2: }
service:
  pipelines:
    traces/in: {receivers: [testrcv], exporters: [sink, forward/1]}
    traces/a: {receivers: [forward/1, forward/2], processors: [tag], exporters: [forward/2]}
"#,
    );
    assert!(e.contains("cycle detected: "), "{e}");
    assert!(
        e.contains(r#"connector "forward/2" (traces to traces) -> processor "tag" in pipeline "traces/a" -> connector "forward/2" (traces to traces)"#),
        "{e}"
    );
}

#[test]
fn an_unused_connector_is_only_warned_about() {
    let cfg = load(
        &Kit::new(),
        r#"
receivers: {testrcv: }
exporters: {sink: }
connectors: {forward: }
service:
  pipelines:
    traces: {receivers: [testrcv], exporters: [sink]}
"#,
    )
    .unwrap();
    assert!(
        cfg.warnings
            .iter()
            .any(|w| w.contains(r#"connector "forward" is configured but not used in any pipeline"#)),
        "{:?}",
        cfg.warnings
    );
}
