//! The `resource_detection` processor end to end: factory → start (detect)
//! → consume → sink, for every signal, checked against this machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;

use otelcol_component::build::string_kv;
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{KeyValue, any_value::Value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{Metric, ResourceMetrics, ScopeMetrics};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{
    Factory, Kind, Logs, Metrics, Payload, Processor, ProcessorFactory, Signal, StabilityLevel, Traces,
};
use otelcol_componenttest::{ErrConsumer, NopHost, Sink, nop_settings, parse_config};
use otelcol_processor_resourcedetection::{ResourceDetectionConfig, SCHEMA_URL, factory};

fn config(yaml: &str) -> ResourceDetectionConfig {
    parse_config(yaml).unwrap()
}

fn processor<T: Payload>(cfg: &ResourceDetectionConfig, sink: Arc<Sink<T>>) -> Arc<dyn Processor<T>> {
    factory()
        .create::<T>(&nop_settings("resource_detection", Kind::Processor), cfg, sink)
        .unwrap()
}

fn text(attrs: &[KeyValue], key: &str) -> Option<String> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) => Some(s.clone()),
            _ => None,
        })
}

fn traces(resource: Option<Resource>, schema_url: &str) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![
            ResourceSpans {
                resource,
                schema_url: schema_url.into(),
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        name: "s".into(),
                        attributes: vec![string_kv("host.name", "span-level")],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            },
            ResourceSpans::default(),
        ],
    })
}

fn with_attrs(attrs: Vec<KeyValue>) -> Option<Resource> {
    Some(Resource {
        attributes: attrs,
        ..Default::default()
    })
}

/// `/proc/sys/kernel/hostname`, which the `hostname` command prints too.
fn machine_hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    if let Ok(out) = Command::new("hostname").output()
        && out.status.success()
    {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), name);
    }
    name
}

fn command(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(out.status.success(), "{cmd} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `NAME VERSION` of `/etc/os-release` (quotes removed), as Go's SDK builds it.
fn os_release_name_version() -> String {
    let text = std::fs::read_to_string("/etc/os-release")
        .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
        .unwrap();
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_string())
            .unwrap_or_default()
    };
    let version = if get("VERSION").is_empty() {
        get("VERSION_ID")
    } else {
        get("VERSION")
    };
    if !get("NAME").is_empty() && !version.is_empty() {
        format!("{} {}", get("NAME"), version)
    } else {
        get("PRETTY_NAME")
    }
}

const SYSTEM_ALL: &str = r#"
detectors: [system]
timeout: 2s
system:
  hostname_sources: [os]
  resource_attributes:
    host.arch: {enabled: true}
    host.id: {enabled: true}
    os.description: {enabled: true}
"#;

#[tokio::test]
async fn system_detection_matches_this_machine() {
    let sink = Sink::<Traces>::new();
    let p = processor(&config(SYSTEM_ALL), sink.clone());
    p.start(NopHost::new()).await.unwrap();
    p.consume(traces(None, "")).await.unwrap();
    p.shutdown().await.unwrap();

    let got = sink.all();
    let rs = &got[0].request().resource_spans;
    let attrs = &rs[0].resource.as_ref().unwrap().attributes;
    assert_eq!(text(attrs, "host.name"), Some(machine_hostname()));
    assert_eq!(text(attrs, "os.type").as_deref(), Some("linux"));
    let arch = match command("uname", &["-m"]).as_str() {
        "x86_64" => "amd64".to_string(),
        "aarch64" | "arm64" => "arm64".to_string(),
        other => other.to_string(),
    };
    assert_eq!(text(attrs, "host.arch"), Some(arch));
    let uname = command("uname", &["-snrvm"]);
    let release = os_release_name_version();
    let want = if release.is_empty() {
        uname
    } else {
        format!("{release} ({uname})")
    };
    assert_eq!(text(attrs, "os.description"), Some(want));
    let machine_id = std::fs::read_to_string("/etc/machine-id")
        .or_else(|_| std::fs::read_to_string("/var/lib/dbus/machine-id"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty());
    assert_eq!(text(attrs, "host.id"), machine_id);
    // Both resource entries got the resource and Go's schema URL.
    assert_eq!(rs[0].schema_url, SCHEMA_URL);
    assert_eq!(rs[1].schema_url, SCHEMA_URL);
    assert_eq!(rs[1].resource.as_ref().unwrap().attributes, *attrs);
    // Span attributes are not touched.
    assert_eq!(
        rs[0].scope_spans[0].spans[0].attributes,
        vec![string_kv("host.name", "span-level")]
    );
}

#[tokio::test]
async fn override_true_replaces_existing_attributes() {
    let sink = Sink::<Traces>::new();
    let p = processor(
        &config("detectors: [system]\nsystem: {hostname_sources: [os]}"),
        sink.clone(),
    );
    p.start(NopHost::new()).await.unwrap();
    let existing = vec![string_kv("host.name", "preset"), string_kv("service.name", "svc")];
    p.consume(traces(with_attrs(existing), "https://mine"))
        .await
        .unwrap();
    let got = sink.all();
    let rs = &got[0].request().resource_spans[0];
    assert_eq!(
        rs.resource.as_ref().unwrap().attributes,
        vec![
            string_kv("host.name", &machine_hostname()),
            string_kv("service.name", "svc"),
            string_kv("os.type", "linux"),
        ]
    );
    // An existing schema URL is kept.
    assert_eq!(rs.schema_url, "https://mine");
    p.shutdown().await.unwrap();
}

#[tokio::test]
async fn override_false_only_adds_missing_attributes_for_every_signal() {
    let cfg = config("detectors: [system]\noverride: false\nsystem: {hostname_sources: [os]}");
    let preset = || with_attrs(vec![string_kv("host.name", "preset")]);
    let want = vec![string_kv("host.name", "preset"), string_kv("os.type", "linux")];

    let sink = Sink::<Traces>::new();
    let p = processor(&cfg, sink.clone());
    p.start(NopHost::new()).await.unwrap();
    p.consume(traces(preset(), "")).await.unwrap();
    assert_eq!(
        sink.all()[0].request().resource_spans[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes,
        want
    );
    p.shutdown().await.unwrap();

    let sink = Sink::<Metrics>::new();
    let p = processor(&cfg, sink.clone());
    p.start(NopHost::new()).await.unwrap();
    p.consume(Metrics::from_request(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: preset(),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "m".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }))
    .await
    .unwrap();
    let got = sink.all();
    let rm = &got[0].request().resource_metrics[0];
    assert_eq!(rm.resource.as_ref().unwrap().attributes, want);
    assert_eq!(rm.schema_url, SCHEMA_URL);
    p.shutdown().await.unwrap();

    let sink = Sink::<Logs>::new();
    let p = processor(&cfg, sink.clone());
    p.start(NopHost::new()).await.unwrap();
    p.consume(Logs::from_request(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: preset(),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord::default()],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }))
    .await
    .unwrap();
    let got = sink.all();
    let rl = &got[0].request().resource_logs[0];
    assert_eq!(rl.resource.as_ref().unwrap().attributes, want);
    assert_eq!(rl.scope_logs[0].log_records[0], LogRecord::default());
    p.shutdown().await.unwrap();
}

#[tokio::test]
async fn before_start_data_passes_unchanged_and_input_is_not_modified() {
    let sink = Sink::<Traces>::new();
    let p = processor(
        &config("detectors: [system]\nsystem: {hostname_sources: [os]}"),
        sink.clone(),
    );
    let before = traces(with_attrs(vec![string_kv("a", "1")]), "");
    p.consume(before.clone()).await.unwrap();
    assert_eq!(sink.all()[0].request(), before.request());

    p.start(NopHost::new()).await.unwrap();
    let original = traces(with_attrs(vec![string_kv("a", "1")]), "");
    p.consume(original.clone()).await.unwrap();
    assert_eq!(
        original.request().resource_spans[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes,
        vec![string_kv("a", "1")]
    );
    assert!(!sink.all()[1].shares_data_with(&original));
    p.shutdown().await.unwrap();
}

#[tokio::test]
async fn refresh_task_stops_at_shutdown() {
    let sink = Sink::<Logs>::new();
    let cfg = config("detectors: [system]\nrefresh_interval: 10ms\nsystem: {hostname_sources: [os]}");
    let p = processor(&cfg, sink.clone());
    p.start(NopHost::new()).await.unwrap();
    p.consume(Logs::default()).await.unwrap();
    p.shutdown().await.unwrap();
    p.shutdown().await.unwrap();
    assert_eq!(sink.payload_count(), 1);
}

#[tokio::test]
async fn downstream_errors_are_returned() {
    let cfg = config("detectors: [system]\nsystem: {hostname_sources: [os]}");
    let p = factory()
        .create::<Traces>(
            &nop_settings("resource_detection", Kind::Processor),
            &cfg,
            ErrConsumer::permanent(),
        )
        .unwrap();
    p.start(NopHost::new()).await.unwrap();
    assert!(p.consume(traces(None, "")).await.unwrap_err().is_permanent());
    p.shutdown().await.unwrap();
}

#[test]
fn factory_metadata() {
    let f = factory();
    assert_eq!(f.type_name(), "resource_detection");
    assert_eq!(f.deprecated_aliases(), &["resourcedetection"]);
    for s in Signal::ALL {
        assert_eq!(f.stability(s), Some(StabilityLevel::Beta));
    }
    assert!(f.module().starts_with("otelcol-processor-resourcedetection "));
}

#[test]
fn create_refuses_unsupported_detectors() {
    let cfg = ResourceDetectionConfig {
        detectors: vec!["gcp".into()],
        ..Default::default()
    };
    let err = factory()
        .create::<Logs>(
            &nop_settings("resource_detection", Kind::Processor),
            &cfg,
            Sink::<Logs>::new(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "detectors::0: detector \"gcp\" is not supported by this build"
    );
}

/// Runs one `#[ignore]`d test of this binary in a child process with `env`
/// set (the process environment of this one cannot be changed safely), and
/// fails if it fails.
fn run_child(test: &str, env: &[(&str, &str)]) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", test, "--test-threads=1"])
        .env_remove("OTEL_RESOURCE_ATTRIBUTES")
        .env_remove("OTEL_RESOURCE")
        .env_remove("DOCKER_HOST")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {test} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn env_detector_reads_otel_resource_attributes() {
    run_child(
        "child_env_detection",
        &[(
            "OTEL_RESOURCE_ATTRIBUTES",
            " service.name=shop%20front, team = a+b ,host.name=from-env",
        )],
    );
}

#[tokio::test]
#[ignore = "run by env_detector_reads_otel_resource_attributes with the variable set"]
async fn child_env_detection() {
    // env first: its host.name wins over the system detector's.
    let cfg = config("detectors: [env, system]\nsystem: {hostname_sources: [os]}");
    let sink = Sink::<Traces>::new();
    let p = processor(&cfg, sink.clone());
    p.start(NopHost::new()).await.unwrap();
    p.consume(traces(None, "")).await.unwrap();
    p.shutdown().await.unwrap();
    let got = sink.all();
    assert_eq!(
        got[0].request().resource_spans[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes,
        vec![
            string_kv("service.name", "shop front"),
            string_kv("team", "a b"),
            string_kv("host.name", "from-env"),
            string_kv("os.type", "linux"),
        ]
    );
}

#[test]
fn invalid_otel_resource_attributes_fail_start() {
    run_child("child_env_invalid", &[("OTEL_RESOURCE_ATTRIBUTES", "a=1,oops")]);
}

#[tokio::test]
#[ignore = "run by invalid_otel_resource_attributes_fail_start with the variable set"]
async fn child_env_invalid() {
    let cfg = config("detectors: [env]\ntimeout: 100ms");
    let p = processor(&cfg, Sink::<Traces>::new());
    let err = p.start(NopHost::new()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "detector \"env\": invalid resource format, invalid text: \"oops\""
    );
}

#[test]
fn an_absent_docker_socket_fails_start_naming_it() {
    run_child(
        "child_docker_absent",
        &[("DOCKER_HOST", "unix:///nonexistent/otelcol-test/docker.sock")],
    );
}

#[tokio::test]
#[ignore = "run by an_absent_docker_socket_fails_start_naming_it with DOCKER_HOST set"]
async fn child_docker_absent() {
    let cfg = config("detectors: [env, docker]\ntimeout: 200ms");
    let p = processor(&cfg, Sink::<Metrics>::new());
    let err = p.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(
        err.starts_with(
            "detector \"docker\": failed to fetch Docker information: cannot connect to the Docker daemon at unix:///nonexistent/otelcol-test/docker.sock: "
        ),
        "{err}"
    );
    p.shutdown().await.unwrap();
}
