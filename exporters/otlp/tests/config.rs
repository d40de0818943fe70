//! Config of the `otlp` exporter: Go keys, defaults and validation messages.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use otelcol_component::{ComponentConfig, Factory};
use otelcol_componenttest::parse_config;
use otelcol_configgrpc::Compression;
use otelcol_exporter_otlp::{OtlpExporterConfig, factory};
use otelcol_exporterhelper::{BatchConfig, Sizer};

fn err(yaml: &str) -> String {
    parse_config::<OtlpExporterConfig>(yaml).unwrap_err()
}

#[test]
fn defaults_match_go() {
    let c = factory().default_config();
    assert_eq!(c, OtlpExporterConfig::default());
    assert_eq!(c.compression, Compression::Gzip);
    assert_eq!(c.timeout, Duration::from_secs(5));
    assert_eq!(c.write_buffer_size, 512 * 1024);
    assert_eq!(c.read_buffer_size, 0);
    assert!(c.keepalive.is_none());
    assert_eq!(c.balancer_name, "");
    assert!(c.sending_queue.enabled && c.retry_on_failure.enabled);
    assert_eq!(factory().deprecated_aliases(), &["otlp"]);
    assert_eq!(factory().type_name(), "otlp_grpc");
    // Like Go, the default config has no endpoint and is not valid by itself.
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .contains(r#"requires a non-empty "endpoint""#)
    );
}

#[test]
fn parses_every_go_key() {
    let c: OtlpExporterConfig = parse_config(
        r#"
endpoint: dns:///backend:4317
compression: none
tls: {insecure: true}
keepalive: {time: 20s, permit_without_stream: true}
read_buffer_size: 1024
write_buffer_size: 2048
wait_for_ready: true
headers: {x-a: b}
user_agent: me/1
balancer_name: round_robin
authority: other:4317
timeout: 200ms
sending_queue: {num_consumers: 2, queue_size: 10, sizer: items, block_on_overflow: true}
retry_on_failure: {initial_interval: 1s, max_interval: 2s, max_elapsed_time: 1m}
"#,
    )
    .unwrap();
    assert_eq!(c.sanitized_endpoint(), "backend:4317");
    let k = c.keepalive.clone().unwrap();
    assert_eq!(
        (k.time, k.timeout, k.permit_without_stream),
        (Duration::from_secs(20), Duration::from_secs(10), true)
    );
    assert_eq!(c.timeout, Duration::from_millis(200));
    assert_eq!(c.sending_queue.sizer, Sizer::Items);
    assert_eq!(c.headers.0.get("x-a").map(String::as_str), Some("b"));
    assert!(c.is_plaintext());
}

#[test]
fn endpoint_rules_follow_go() {
    assert!(err("endpoint: backend\ntls: {insecure: true}").contains("missing port"));
    assert!(err("endpoint: backend:abc\ntls: {insecure: true}").contains(r#"invalid port "abc""#));
    assert!(err("endpoint: ::1:4317\ntls: {insecure: true}").contains("too many colons"));
    assert!(parse_config::<OtlpExporterConfig>("endpoint: '[::1]:4317'\ntls: {insecure: true}").is_ok());
    assert!(
        parse_config::<OtlpExporterConfig>("endpoint: http://backend:4317").is_ok(),
        "http:// means plaintext"
    );
}

#[test]
fn tls_is_on_by_default_and_validated_like_go() {
    let c = parse_config::<OtlpExporterConfig>("endpoint: backend:4317").unwrap();
    assert!(!c.is_plaintext());
    let c = parse_config::<OtlpExporterConfig>("endpoint: http://backend:4317").unwrap();
    assert!(c.is_plaintext());
    // https:// forces TLS even with insecure; a CA with insecure is TLS too (Go).
    let c =
        parse_config::<OtlpExporterConfig>("endpoint: https://backend:4317\ntls: {insecure: true}").unwrap();
    assert!(!c.is_plaintext() && c.tls_settings().is_some_and(|t| !t.insecure));
    let c =
        parse_config::<OtlpExporterConfig>("endpoint: backend:4317\ntls: {insecure: true, ca_file: /ca.pem}")
            .unwrap();
    assert!(!c.is_plaintext());
    let e = err("endpoint: backend:4317\ntls: {cert_file: /c.pem}");
    assert!(
        e.contains("tls::key_file") && e.contains("both certificate and key"),
        "{e}"
    );
    let e = err("endpoint: backend:4317\ntls: {min_version: '1.0'}");
    assert!(e.contains("tls::min_version"), "{e}");
    let e = err("endpoint: backend:4317\ntls: {ca_file: /a.pem, ca_pem: x}");
    assert!(e.contains("tls::ca_file"), "{e}");
    // Plaintext ignores the TLS block, as Go does.
    assert!(
        parse_config::<OtlpExporterConfig>(
            "endpoint: backend:4317\ntls: {insecure: true, min_version: '1.0'}"
        )
        .is_ok()
    );
}

#[test]
fn unsupported_settings_are_refused_loudly() {
    let base = "endpoint: backend:4317\ntls: {insecure: true}\n";
    parse_config::<OtlpExporterConfig>(&format!("{base}compression: snappy")).unwrap();
    assert!(err(&format!("{base}compression: zlib")).contains("unsupported compression"));
    // `auth` is applied (the authenticator is found at start).
    parse_config::<OtlpExporterConfig>(&format!("{base}auth: {{authenticator: bearertokenauth}}")).unwrap();
    assert!(err(&format!("{base}middlewares: [{{id: m}}]")).contains("middlewares"));
    assert!(err(&format!("{base}balancer_name: weighted")).contains("balancer_name"));
    // Go accepts a header key with a space in config; it is warned about
    // and not sent (see the client).
    parse_config::<OtlpExporterConfig>(&format!("{base}headers: {{'bad key': x}}")).unwrap();
    assert!(
        err(&format!("{base}retry_on_failure: {{randomization_factor: 2}}")).contains("randomization_factor")
    );
    assert!(err(&format!("{base}endpiont: x")).contains("unknown field"));
}

#[test]
fn sending_queue_batch_null_means_go_defaults() {
    let base = "endpoint: backend:4317\n";
    let c: OtlpExporterConfig = parse_config(&format!("{base}sending_queue:\n  batch:\n")).unwrap();
    assert_eq!(c.sending_queue.batch, Some(BatchConfig::default()));
    let c: OtlpExporterConfig = parse_config(&format!("{base}sending_queue: {{batch: {{}}}}")).unwrap();
    assert_eq!(c.sending_queue.batch, Some(BatchConfig::default()));
    let c: OtlpExporterConfig = parse_config(base).unwrap();
    assert_eq!(c.sending_queue.batch, None, "absent: no batching");
    let e = err(&format!(
        "{base}sending_queue: {{batch: {{min_size: 10, max_size: 5}}}}"
    ));
    assert!(
        e.contains("`max_size` (5) must be greater or equal to `min_size` (10)"),
        "{e}"
    );
}

#[test]
fn endpoint_errors_never_quote_a_password() {
    for endpoint in [
        "http://user:hunter2@127.0.0.1:4317",
        "user:hunter2@127.0.0.1",
        "user:hunter2@127.0.0.1:x",
    ] {
        let e = err(&format!("endpoint: '{endpoint}'"));
        assert!(!e.contains("hunter2"), "{endpoint}: {e}");
        assert!(e.contains("endpoint"), "{e}");
    }
}
