//! Graph building and lifecycle with recording test components.

mod support;

use otelcol_component::{BuildInfo, Payload, Signal};
use otelcol_service::config::ConfigSource;
use otelcol_service::graph::build;
use otelcol_service::service::Service;
use otelcol_service::{ConfigErrors, Resolved, ValidatedConfig, validate};
use support::*;

fn load(kit: &Kit, yaml: &str) -> Result<ValidatedConfig, ConfigErrors> {
    let src = ConfigSource::Inline {
        name: "test.yaml".into(),
        yaml: yaml.into(),
    };
    let resolved = Resolved::resolve(&[src], &[], &std::collections::HashMap::new())?;
    validate(&resolved, &kit.factories())
}

const TWO_PIPELINES: &str = r#"
receivers:
  testrcv:
  testrcv/other:
processors:
  tag/a: {tag: "+a"}
  tag/b: {tag: "+b"}
exporters:
  sink/1:
  sink/2:
  oldsink/3:
service:
  pipelines:
    traces/one:
      receivers: [testrcv, testrcv/other]
      processors: [tag/a, tag/b]
      exporters: [sink/1, sink/2]
    traces/two:
      receivers: [testrcv]
      processors: [tag/a]
      exporters: [sink/2, oldsink/3]
    metrics:
      receivers: [testrcv]
      exporters: [sink/1]
"#;

#[tokio::test]
async fn one_receiver_per_id_one_processor_per_pipeline_fanout_to_all_exporters() {
    let kit = Kit::new();
    let cfg = load(&kit, TWO_PIPELINES).unwrap();
    assert!(
        cfg.warnings.iter().any(|w| w.contains("deprecated")),
        "{:?}",
        cfg.warnings
    );
    let graph = build(&cfg, &BuildInfo::default()).unwrap();
    // One receiver instance per id, serving both signals.
    let receivers = kit.receivers.created.lock().unwrap().clone();
    assert_eq!(receivers.len(), 2);
    // One processor per (pipeline, id): tag/a twice, tag/b once.
    assert_eq!(*kit.processors.creates.lock().unwrap(), 3);
    // One exporter per id, told every signal it serves.
    let exporters = kit.exporters.created.lock().unwrap().clone();
    assert_eq!(exporters.len(), 3);
    let sink1 = exporters.iter().find(|e| e.0 == "sink/1").unwrap();
    assert_eq!(sink1.1, vec![Signal::Traces, Signal::Metrics]);
    assert_eq!(graph.processors.len(), 3);

    let main = receivers
        .iter()
        .find(|r| r.next.traces.is_some() && r.next.metrics.is_some())
        .unwrap();
    main.next
        .traces
        .as_ref()
        .unwrap()
        .consume(spans(&["s"]))
        .await
        .unwrap();
    // traces/one: +a+b → sink/1, sink/2; traces/two: +a → sink/2, oldsink/3.
    assert_eq!(
        kit.exporter("sink/1")
            .traces
            .all()
            .iter()
            .flat_map(span_names)
            .collect::<Vec<_>>(),
        vec!["s+a+b"]
    );
    let mut two: Vec<String> = kit
        .exporter("sink/2")
        .traces
        .all()
        .iter()
        .flat_map(span_names)
        .collect();
    two.sort();
    assert_eq!(two, vec!["s+a", "s+a+b"]);
    assert_eq!(
        kit.exporter("oldsink/3")
            .traces
            .all()
            .iter()
            .flat_map(span_names)
            .collect::<Vec<_>>(),
        vec!["s+a"]
    );

    // The other receiver only feeds traces/one, and no metrics.
    let other = receivers.iter().find(|r| r.next.metrics.is_none()).unwrap();
    other
        .next
        .traces
        .as_ref()
        .unwrap()
        .consume(spans(&["o"]))
        .await
        .unwrap();
    assert_eq!(kit.exporter("oldsink/3").traces.item_count(), 1);
    assert_eq!(kit.exporter("sink/1").traces.item_count(), 2);
}

#[tokio::test]
async fn exporters_of_one_pipeline_share_unmutated_data() {
    let kit = Kit::new();
    let cfg = load(
        &kit,
        "receivers: {testrcv: }\nexporters: {sink/1: , sink/2: }\nservice: {pipelines: {traces: {receivers: [testrcv], exporters: [sink/1, sink/2]}}}",
    )
    .unwrap();
    let _graph = build(&cfg, &BuildInfo::default()).unwrap();
    let r = kit.receivers.created.lock().unwrap()[0].clone();
    let data = spans(&["x"]);
    let keep = data.clone();
    r.next.traces.as_ref().unwrap().consume(data).await.unwrap();
    assert!(kit.exporter("sink/1").traces.all()[0].shares_data_with(&keep));
    assert!(kit.exporter("sink/2").traces.all()[0].shares_data_with(&keep));
}

#[tokio::test]
async fn start_order_and_reverse_shutdown() {
    let kit = Kit::new();
    let cfg = load(
        &kit,
        "receivers: {testrcv: }\nprocessors: {tag/1: , tag/2: }\nexporters: {sink: }\nservice: {pipelines: {traces: {receivers: [testrcv], processors: [tag/1, tag/2], exporters: [sink]}}}",
    )
    .unwrap();
    let service = Service::new(build(&cfg, &BuildInfo::default()).unwrap());
    service.start().await.unwrap();
    service.shutdown().await;
    service.shutdown().await; // twice is safe
    assert_eq!(
        kit.journal.entries(),
        vec![
            "start exporter sink",
            "start processor tag/2",
            "start processor tag/1",
            "start receiver testrcv",
            "shutdown receiver testrcv",
            "shutdown processor tag/1",
            "shutdown processor tag/2",
            "shutdown exporter sink",
        ]
    );
}

#[tokio::test]
async fn a_failed_start_shuts_down_what_started() {
    let kit = Kit::new();
    let cfg = load(
        &kit,
        "receivers: {testrcv: {fail_start: true}}\nexporters: {sink: }\nservice: {pipelines: {traces: {receivers: [testrcv], exporters: [sink]}}}",
    )
    .unwrap();
    let service = Service::new(build(&cfg, &BuildInfo::default()).unwrap());
    let err = service.start().await.unwrap_err();
    assert!(err.to_string().contains("failed to start receiver"), "{err}");
    assert_eq!(
        kit.journal.entries(),
        vec![
            "start exporter sink",
            "start receiver testrcv",
            "shutdown exporter sink"
        ]
    );
}

fn errors(yaml: &str) -> String {
    let kit = Kit::new();
    load(&kit, yaml)
        .expect_err("config should be invalid")
        .to_string()
}

#[test]
fn validation_messages_match_the_go_collector() {
    assert!(errors("").contains("empty configuration file"));
    let e = errors("processors: {tag: }\nservice: {pipelines: {}}");
    assert!(e.contains("no receiver configuration specified in config"), "{e}");
    assert!(e.contains("no exporter configuration specified in config"), "{e}");
    assert!(e.contains("service must have at least one pipeline"), "{e}");

    let e = errors(
        "receivers: {testrcv: }\nexporters: {sink: }\nservice: {extensions: [health_check], pipelines: {traces: {receivers: [testrcv, nope], processors: [tag, tag], exporters: [sink, sink/x]}, logs: {receivers: []}}}",
    );
    assert!(
        e.contains("service::extensions: references extension \"health_check\" which is not configured"),
        "{e}"
    );
    assert!(
        e.contains("service::pipelines::traces: references receiver \"nope\" which is not configured"),
        "{e}"
    );
    assert!(
        e.contains("service::pipelines::traces: references processor \"tag\" multiple times"),
        "{e}"
    );
    assert!(
        e.contains("service::pipelines::traces: references exporter \"sink/x\" which is not configured"),
        "{e}"
    );
    assert!(
        e.contains("service::pipelines::logs: must have at least one receiver"),
        "{e}"
    );
    assert!(
        e.contains("service::pipelines::logs: must have at least one exporter"),
        "{e}"
    );
}

#[test]
fn unknown_keys_types_and_signals_are_named() {
    let e = errors(
        "receivers: {testrcv: {tgg: 1}, zipkin: }\nexporters: {sink: {tag: invalid}}\nservice: {pipelines: {logs: {receivers: [testrcv], exporters: [sink]}, spans: {receivers: [testrcv], exporters: [sink]}}}",
    );
    assert!(
        e.contains("receivers::testrcv::tgg: unknown field \"tgg\", expected one of \"tag\", \"fail_start\""),
        "{e}"
    );
    assert!(e.contains("(in test.yaml)"), "{e}");
    assert!(
        e.contains(
            "receivers::zipkin: unknown type: \"zipkin\" for id: \"zipkin\" (valid values: [testrcv])"
        ),
        "{e}"
    );
    assert!(
        e.contains("exporters::sink::tag: must not be \"invalid\" (in test.yaml)"),
        "{e}"
    );
    assert!(
        e.contains("service::pipelines::spans: unknown signal \"spans\""),
        "{e}"
    );
    // Errors are reported all at once (signal support is checked only for
    // components whose config parsed).
    assert!(e.starts_with("4 config errors"), "{e}");
}

#[test]
fn signal_support_is_checked() {
    let e = errors(
        "receivers: {testrcv: }\nexporters: {sink: }\nservice: {pipelines: {logs: {receivers: [testrcv], exporters: [sink]}}}",
    );
    assert!(e.contains("receiver \"testrcv\" does not support logs"), "{e}");
    assert!(e.contains("exporter \"sink\" does not support logs"), "{e}");
}

#[test]
fn mermaid_graph_has_every_edge() {
    let kit = Kit::new();
    let cfg = load(&kit, TWO_PIPELINES).unwrap();
    let g = otelcol_service::mermaid::render(&cfg);
    assert!(g.starts_with("flowchart LR\n"), "{g}");
    for edge in [
        "rcv_testrcv -->|traces| pipe_traces_one__tag_a",
        "rcv_testrcv_other -->|traces| pipe_traces_one__tag_a",
        "pipe_traces_one__tag_a --> pipe_traces_one__tag_b",
        "pipe_traces_one__tag_b --> exp_sink_1",
        "pipe_traces_one__tag_b --> exp_sink_2",
        "rcv_testrcv -->|traces| pipe_traces_two__tag_a",
        "pipe_traces_two__tag_a --> exp_oldsink_3",
        "rcv_testrcv -->|metrics| pipe_metrics__in",
        "pipe_metrics__in --> exp_sink_1",
    ] {
        assert!(g.contains(edge), "missing {edge:?} in\n{g}");
    }
    // One node per receiver and exporter id, however many pipelines use it.
    assert_eq!(g.matches("exp_sink_2[").count(), 1, "{g}");
}

#[tokio::test]
async fn components_get_the_metrics_level_in_their_settings() {
    let yaml = |level: &str| {
        format!(
            "{TWO_PIPELINES}  telemetry:\n    metrics:\n      level: {level}\n      address: localhost:0\n"
        )
    };
    for (level, detailed) in [("normal", false), ("detailed", true), ("none", false)] {
        let kit = Kit::new();
        let cfg = load(&kit, &yaml(level)).unwrap();
        build(&cfg, &BuildInfo::default()).unwrap();
        let seen = kit.processors.detailed.lock().unwrap().clone();
        assert_eq!(seen.len(), 3, "{level}");
        assert!(seen.iter().all(|d| *d == detailed), "{level}: {seen:?}");
    }
}
