//! Config parsing and validation.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::time::Duration;

use otelcol_component::{ExtensionFactory, Factory};
use otelcol_componenttest::parse_config;
use otelcol_extension_healthcheck::{Config, ResponseBodyConfig, factory};

#[test]
fn empty_config_is_the_default() {
    let cfg: Config = parse_config("").unwrap();
    assert_eq!(cfg, factory().default_config());
    assert_eq!(cfg.endpoint, "localhost:13133");
    assert_eq!(cfg.path, "/");
    assert_eq!(cfg.response_body, None);
    assert!(!cfg.check_collector_pipeline.enabled);
    assert_eq!(cfg.check_collector_pipeline.interval, Duration::from_secs(300));
    assert_eq!(cfg.check_collector_pipeline.exporter_failure_threshold, 5);
    assert!(!cfg.exporter_failure.enabled);
    assert_eq!(cfg.exporter_failure.duration, Duration::from_secs(300));
    assert_eq!(factory().type_name(), "health_check");
    assert_eq!(factory().stability().as_str(), "Beta");
}

#[test]
fn full_config() {
    let cfg: Config = parse_config(
        r#"
endpoint: 0.0.0.0:13133
path: /health/status
response_body:
  healthy: up
  unhealthy: down
check_collector_pipeline:
  enabled: false
  interval: 5m
  exporter_failure_threshold: 5
exporter_failure:
  enabled: true
  duration: 30s
"#,
    )
    .unwrap();
    assert_eq!(cfg.endpoint, "0.0.0.0:13133");
    assert_eq!(cfg.path, "/health/status");
    assert_eq!(
        cfg.response_body,
        Some(ResponseBodyConfig {
            healthy: "up".into(),
            unhealthy: "down".into()
        })
    );
    assert!(cfg.exporter_failure.enabled);
    assert_eq!(cfg.exporter_failure.duration, Duration::from_secs(30));
    let only_port: Config = parse_config("endpoint: \":13133\"").unwrap();
    assert_eq!(only_port.endpoint, ":13133");
}

fn refused(yaml: &str) -> String {
    parse_config::<Config>(yaml).unwrap_err()
}

#[test]
fn refuses_what_go_refuses_and_more() {
    assert!(refused("endpoint: \"\"").contains("endpoint must be specified"));
    assert!(refused("endpoint: localhost").contains("missing port"));
    assert!(refused("path: health").contains("path must start with /"));
    assert!(
        refused("check_collector_pipeline: {exporter_failure_threshold: 0}")
            .contains("exporter_failure_threshold expects a positive number")
    );
    let enabled = refused("check_collector_pipeline: {enabled: true}");
    assert!(
        enabled.contains("check_collector_pipeline::enabled") && enabled.contains("exporter_failure"),
        "{enabled}"
    );
    assert!(
        refused("exporter_failure: {enabled: true, duration: 0s}").contains("exporter_failure::duration")
    );
    assert!(refused("port: 13133").contains("unknown field"));
    // A `tls` block needs a certificate (the files are read at start).
    assert!(
        refused("tls: {}").contains("tls::cert_file"),
        "{}",
        refused("tls: {}")
    );
    assert!(refused("cors: {}").contains("unknown field"));
    parse_config::<Config>("tls: {cert_file: /nonexistent/c.pem, key_file: /nonexistent/k.pem}").unwrap();
    assert!(refused("exporter_failure: {duration: soon}").contains("duration"));
}
