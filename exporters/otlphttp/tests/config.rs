//! Config of the `otlphttp` exporter: Go keys, defaults and validation messages.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use otelcol_component::{ComponentConfig, Factory};
use otelcol_componenttest::parse_config;
use otelcol_confighttp::Compression;
use otelcol_exporter_otlphttp::{Encoding, OtlpHttpExporterConfig, factory};

fn err(yaml: &str) -> String {
    parse_config::<OtlpHttpExporterConfig>(yaml).unwrap_err()
}

#[test]
fn defaults_match_go() {
    let c = factory().default_config();
    assert_eq!(c, OtlpHttpExporterConfig::default());
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert_eq!(c.compression, Compression::Gzip);
    assert_eq!(c.encoding, Encoding::Proto);
    assert_eq!(c.write_buffer_size, 512 * 1024);
    assert_eq!(
        (c.max_idle_conns, c.idle_conn_timeout),
        (100, Duration::from_secs(90))
    );
    assert!(c.force_attempt_http2);
    assert_eq!(factory().deprecated_aliases(), &["otlphttp"]);
    assert_eq!(factory().type_name(), "otlp_http");
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "at least one endpoint must be specified"
    );
}

#[test]
fn parses_every_go_key() {
    let c: OtlpHttpExporterConfig = parse_config(
        r#"
endpoint: http://backend:4318/
traces_endpoint: http://traces:4318/v1/traces
metrics_endpoint: http://metrics:4318/v1/metrics
logs_endpoint: http://logs:4318/v1/logs
profiles_endpoint: http://profiles:4318/v1development/profiles
encoding: json
tls: {insecure: true}
read_buffer_size: 10
write_buffer_size: 20
timeout: 10s
headers: [{name: x-a, value: b}]
compression: zlib
compression_params: {level: 9}
max_idle_conns: 5
max_idle_conns_per_host: 2
max_conns_per_host: 0
idle_conn_timeout: 1m
disable_keep_alives: true
http2_read_idle_timeout: 10s
http2_ping_timeout: 5s
cookies: {enabled: false}
force_attempt_http2: false
sending_queue: {enabled: false}
retry_on_failure: {max_elapsed_time: 0s}
"#,
    )
    .unwrap();
    assert_eq!(c.encoding, Encoding::Json);
    assert_eq!(c.compression_params.level, 9);
    assert_eq!(c.idle_conn_timeout, Duration::from_secs(60));
    assert!(!c.sending_queue.enabled);
}

#[test]
fn endpoints_must_be_http_or_https_urls() {
    assert!(parse_config::<OtlpHttpExporterConfig>("logs_endpoint: http://x:4318/logs").is_ok());
    assert!(err("endpoint: backend:4318").contains("valid http:// or https:// URL"));
    assert!(parse_config::<OtlpHttpExporterConfig>("endpoint: https://backend:4318").is_ok());
    let e = err("endpoint: https://backend:4318\ntls: {cert_pem: x}");
    assert!(
        e.contains("tls::key_file") && e.contains("both certificate and key"),
        "{e}"
    );
    let e = err("endpoint: https://backend:4318\ntls: {max_version: '1.1'}");
    assert!(e.contains("tls::max_version"), "{e}");
    assert!(err("traces_endpoint: 'http://bad host'").contains("traces_endpoint"));
}

#[test]
fn unsupported_settings_are_refused_loudly() {
    let base = "endpoint: http://backend:4318\n";
    let cases = [
        ("tls: {ca_file: /ca.pem, ca_pem: x}", "tls::ca_file"),
        ("compression: brotli", "unsupported compression type \"brotli\""),
        (
            "compression: snappy\ncompression_params: {level: 1}",
            "compression_params::level",
        ),
        ("compression_params: {level: 11}", "compression_params::level"),
        ("middlewares: [{id: m}]", "middlewares"),
        ("cookies: {enabled: true}", "cookies::enabled"),
        ("max_conns_per_host: 4", "max_conns_per_host"),
        (
            "sending_queue: {batch: {sizer: requests}}",
            "sending_queue::batch::sizer",
        ),
        ("encoding: xml", "unknown variant"),
        ("endpiont: x", "unknown field"),
    ];
    // Go accepts proxy_url; this build accepts it and warns that it is not applied.
    let c =
        parse_config::<OtlpHttpExporterConfig>(&format!("{base}proxy_url: http://u:pw@proxy:3128")).unwrap();
    let w = c.unapplied_settings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("proxy_url: ") && w[0].contains("not applied") && !w[0].contains("pw"),
        "{w:?}"
    );
    // Go accepts a header name with a space in config; it is warned about
    // and not sent (see the client).
    parse_config::<OtlpHttpExporterConfig>(&format!("{base}headers: {{'bad header': x}}")).unwrap();
    for (extra, want) in cases {
        let e = err(&format!("{base}{extra}"));
        assert!(e.contains(want), "{extra}: {e}");
    }
}
