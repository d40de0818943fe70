use super::*;
use serde_json::json;

fn telemetry(v: Value) -> TelemetryConfig {
    serde_json::from_value(v).unwrap()
}

#[test]
fn periodic_readers_and_log_processors_are_read_with_defaults() {
    let t = telemetry(json!({
        "metrics": {"readers": [
            {"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": 18888}}}},
            {"periodic": {"interval": 10000, "exporter": {"otlp": {"protocol": "grpc", "endpoint": "http://backend:4317"}}}}
        ]},
        "logs": {"processors": [
            {"batch": {"exporter": {"otlp": {"protocol": "http/protobuf", "endpoint": "https://backend:4318/v1/logs",
              "headers": [{"name": "Authorization", "value": "Bearer x"}], "compression": "gzip", "timeout": 5000}}}},
            {"simple": {"exporter": {"otlp_http": {"endpoint": "http://b:4318"}}}}
        ]}
    }));
    let c = parse(&t).unwrap();
    assert_eq!(c.pull.as_deref(), Some("127.0.0.1:18888"));
    assert_eq!(c.readers.len(), 1);
    let r = &c.readers[0];
    assert_eq!(r.interval, Duration::from_secs(10));
    assert_eq!(r.timeout, Duration::from_secs(30));
    assert_eq!(r.target.protocol, Protocol::Grpc);
    assert_eq!(r.target.endpoint, "http://backend:4317");
    assert_eq!(c.log_processors.len(), 2);
    let b = &c.log_processors[0];
    assert!(b.batched);
    assert_eq!(b.schedule_delay, Duration::from_secs(1));
    assert_eq!((b.max_queue_size, b.max_export_batch_size), (2048, 512));
    assert_eq!(
        b.target.headers.get("Authorization").map(String::as_str),
        Some("Bearer x")
    );
    assert_eq!(b.target.compression.as_deref(), Some("gzip"));
    assert_eq!(b.target.timeout_ms, Some(5000));
    assert!(!c.log_processors[1].batched);
    assert_eq!(c.log_processors[1].target.protocol, Protocol::HttpProtobuf);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn only_periodic_readers_means_no_metrics_endpoint() {
    let t = telemetry(json!({"metrics": {"readers": [
        {"periodic": {"exporter": {"otlp": {"protocol": "grpc", "endpoint": "http://b:4317"}}}}
    ]}}));
    let c = parse(&t).unwrap();
    assert_eq!(c.pull, None);
    assert_eq!(c.readers[0].interval, Duration::from_secs(60));
}

#[test]
fn errors_name_the_key() {
    let cases = [
        (
            json!({"metrics": {"readers": [{"periodic": {"exporter": {"otlp": {"protocol": "grpc"}}}}]}}),
            "service::telemetry::metrics::readers::0::periodic::exporter::otlp::endpoint",
        ),
        (
            json!({"metrics": {"readers": [{"periodic": {"exporter": {"console": {}}}}]}}),
            "service::telemetry::metrics::readers::0::periodic::exporter",
        ),
        (
            json!({"metrics": {"readers": [{"periodic": {"interval": "soon", "exporter": {"otlp": {"endpoint": "http://b"}}}}]}}),
            "service::telemetry::metrics::readers::0::periodic::interval",
        ),
        (
            json!({"logs": {"processors": [{"batch": {"exporter": {"otlp": {"endpoint": "http://b", "protocol": "udp"}}}}]}}),
            "service::telemetry::logs::processors::0::batch::exporter::otlp::protocol",
        ),
        (
            json!({"logs": {"processors": [{"batched": {}}]}}),
            "service::telemetry::logs::processors::0",
        ),
        (
            json!({"logs": {"processors": [{"batch": {"max_queue_size": 10, "max_export_batch_size": 20,
                "exporter": {"otlp": {"endpoint": "http://b"}}}}]}}),
            "service::telemetry::logs::processors::0::batch::max_export_batch_size",
        ),
        (
            json!({"traces": {"processors": [{"batch": {"exporter": {"zipkin": {}}}}]}}),
            "service::telemetry::traces::processors::0::batch::exporter",
        ),
    ];
    for (cfg, path) in cases {
        let issues = parse(&telemetry(cfg.clone())).expect_err(&cfg.to_string());
        assert_eq!(issues[0].path, path, "{cfg}: {issues:?}");
    }
}

#[test]
fn address_is_deprecated_and_trace_processors_are_read() {
    let t = telemetry(json!({
        "metrics": {"address": "0.0.0.0:8888"},
        "traces": {"processors": [{"batch": {"exporter": {"otlp": {"endpoint": "http://b:4318"}}}}]}
    }));
    let c = parse(&t).unwrap();
    assert_eq!(c.pull.as_deref(), Some("0.0.0.0:8888"));
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("metrics::address is deprecated")),
        "{:?}",
        c.warnings
    );
    assert_eq!(c.trace_processors.len(), 1);
    assert_eq!(c.trace_processors[0].max_export_batch_size, 512);
    assert!(
        !c.warnings.iter().any(|w| w.contains("traces::processors")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn exporter_configs_map_onto_the_pipeline_exporters() {
    let grpc = OtlpTarget {
        protocol: Protocol::Grpc,
        endpoint: "https://b:4317".into(),
        headers: BTreeMap::from([("x-key".to_string(), "v$1".to_string())]),
        compression: Some("gzip".into()),
        timeout_ms: Some(2500),
        insecure: Some(false),
        certificate: Some("/ca.pem".into()),
        client_certificate: None,
        client_key: None,
    };
    let (types, cfg) = grpc.exporter_config(Signal::Metrics);
    assert_eq!(types, &["otlp_grpc", "otlp"]);
    assert_eq!(
        cfg,
        json!({"endpoint": "https://b:4317", "headers": {"x-key": "v$1"}, "compression": "gzip",
               "timeout": "2500ms", "tls": {"insecure": false, "ca_file": "/ca.pem"}})
    );
    let http = OtlpTarget {
        protocol: Protocol::HttpJson,
        endpoint: "http://b:4318".into(),
        ..grpc
    };
    let (types, cfg) = http.exporter_config(Signal::Logs);
    assert_eq!(types, &["otlp_http", "otlphttp"]);
    assert_eq!(cfg["logs_endpoint"], "http://b:4318/v1/logs");
    assert_eq!(cfg["encoding"], "json");
}

#[test]
fn telemetry_exporters_are_recognised_by_id() {
    assert!(is_telemetry_exporter("otlp_grpc/_telemetry_metrics_0"));
    assert!(!is_telemetry_exporter("otlp/_other"));
    assert!(!is_telemetry_exporter("otlp"));
}

#[test]
fn signal_urls_keep_a_given_path() {
    assert_eq!(
        signal_url("http://b:4318", Signal::Metrics),
        "http://b:4318/v1/metrics"
    );
    assert_eq!(
        signal_url("http://b:4318/", Signal::Logs),
        "http://b:4318/v1/logs"
    );
    assert_eq!(
        signal_url("https://b/otlp/v1/logs", Signal::Logs),
        "https://b/otlp/v1/logs"
    );
}

#[test]
fn dollars_survive_the_expander() {
    let mut v = json!({"a": "x$y", "b": ["$${z}"], "c": 1});
    escape_dollars(&mut v);
    assert_eq!(v, json!({"a": "x$$y", "b": ["$$$${z}"], "c": 1}));
}

#[test]
fn resource_has_go_defaults_and_config_overrides() {
    let info = BuildInfo {
        command: "otelcol-rs".into(),
        description: String::new(),
        version: "1.2.3".into(),
    };
    let configured = BTreeMap::from([
        ("service.version".to_string(), None),
        ("deployment.environment".to_string(), Some("prod".to_string())),
    ]);
    let attrs: BTreeMap<String, String> = resource_attributes(&info, &configured).into_iter().collect();
    assert_eq!(attrs.get("service.name").map(String::as_str), Some("otelcol-rs"));
    assert_eq!(
        attrs.get("deployment.environment").map(String::as_str),
        Some("prod")
    );
    assert!(!attrs.contains_key("service.version"));
    let id = &attrs["service.instance.id"];
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.as_bytes()[14], b'4', "{id}");
    assert_eq!(id, instance_id(), "one id per process");
}

#[test]
fn the_log_queue_is_bounded_and_counts_drops() {
    let logs: LogsConfig = serde_json::from_value(json!({"processors": [
        {"batch": {"max_queue_size": 3, "max_export_batch_size": 2, "exporter": {"otlp": {"endpoint": "http://b"}}}}
    ]}))
    .unwrap();
    let export = LogExport::for_config(&logs).unwrap();
    let subscriber =
        tracing_subscriber::layer::SubscriberExt::with(tracing_subscriber::registry(), export.layer());
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..5 {
            tracing::warn!(attempt = i, url = "http://user:secret@host/", "export failed");
        }
    });
    assert_eq!(export.dropped(), 2);
    let first = export.queue.take(2);
    assert_eq!(first.len(), 2);
    let r = &first[0];
    assert_eq!(r.severity_text, "WARN");
    assert_eq!(r.severity_number, SeverityNumber::Warn as i32);
    let body = r.body.as_ref().and_then(|b| b.value.clone());
    assert_eq!(body, Some(any_value::Value::StringValue("export failed".into())));
    let attr = |k: &str| {
        r.attributes
            .iter()
            .find(|a| a.key == k)
            .and_then(|a| a.value.clone())
            .and_then(|v| v.value)
    };
    assert_eq!(attr("attempt"), Some(any_value::Value::IntValue(0)));
    let url = format!("{:?}", attr("url"));
    assert!(!url.contains("secret"), "{url}");
    assert_eq!(export.queue.take(10).len(), 1);
    assert!(LogExport::for_config(&LogsConfig::default()).is_none());
}
