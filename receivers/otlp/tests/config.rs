//! Config parsing and validation, as the runtime does it (`parse_config`).
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::time::Duration;

use otelcol_component::{ComponentConfig, Factory};
use otelcol_componenttest::parse_config;
use otelcol_receiver_otlp::config::{GrpcServerConfig, HttpConfig, UrlPath};
use otelcol_receiver_otlp::{Config, factory};

fn parse(yaml: &str) -> Result<Config, String> {
    parse_config::<Config>(yaml)
}

#[test]
fn empty_config_has_no_protocol_and_fails_like_go() {
    let msg = "must specify at least one protocol when using the OTLP receiver";
    assert_eq!(parse("").unwrap_err(), msg);
    assert_eq!(parse("protocols:").unwrap_err(), msg);
    assert_eq!(parse("protocols: {}").unwrap_err(), msg);
    assert_eq!(factory().default_config(), Config::default());
    assert_eq!(
        factory().default_config().validate().unwrap_err().to_string(),
        msg
    );
}

#[test]
fn null_protocol_means_defaults() {
    let cfg = parse("protocols:\n  grpc:\n").unwrap();
    let grpc = cfg.protocols.grpc.unwrap();
    assert_eq!(grpc, GrpcServerConfig::default());
    assert_eq!(grpc.endpoint, "localhost:4317");
    assert_eq!(grpc.transport, "tcp");
    assert_eq!(grpc.read_buffer_size, 524288);
    assert_eq!(grpc.max_recv_msg_size_mib, 0);
    assert_eq!(grpc.max_recv_msg_size(), 4 * 1024 * 1024);
    assert!(!grpc.include_metadata);
    assert_eq!(grpc.max_connections, 4096);
    assert_eq!(
        grpc.keepalive.server_parameters.max_connection_idle,
        Duration::from_secs(300)
    );
    assert!(cfg.protocols.http.is_none());

    let cfg = parse("protocols:\n  http: {}\n").unwrap();
    let http = cfg.protocols.http.unwrap();
    assert_eq!(http, HttpConfig::default());
    assert_eq!(http.endpoint, "localhost:4318");
    assert_eq!(http.max_request_body_size, 20971520);
    assert_eq!(http.traces_url_path.as_str(), "/v1/traces");
    assert_eq!(http.metrics_url_path.as_str(), "/v1/metrics");
    assert_eq!(http.logs_url_path.as_str(), "/v1/logs");
    assert!(http.keep_alives_enabled);
    // confighttp's defaults (Go's OTLP receiver zeroes them).
    assert_eq!(http.read_header_timeout, Duration::from_secs(60));
    assert_eq!(http.write_timeout, Duration::ZERO);
    assert_eq!(http.idle_timeout, Duration::from_secs(60));
    assert_eq!(http.max_connections, 4096);
    assert_eq!(
        http.compression_algorithms(),
        [
            "",
            "gzip",
            "zstd",
            "zlib",
            "snappy",
            "deflate",
            "lz4",
            "x-snappy-framed"
        ]
    );
    assert!(cfg.protocols.grpc.is_none());
}

#[test]
fn full_config() {
    let cfg = parse(
        r#"
protocols:
  grpc:
    endpoint: 0.0.0.0:5317
    transport: tcp
    max_recv_msg_size_mib: 16
    max_concurrent_streams: 100
    read_buffer_size: 1024
    write_buffer_size: 2048
    include_metadata: true
    keepalive:
      server_parameters:
        max_connection_idle: 11s
        max_connection_age: 12s
        max_connection_age_grace: 13s
        time: 1m30s
        timeout: 200ms
      enforcement_policy:
        min_time: 10s
        permit_without_stream: true
  http:
    endpoint: "[::1]:5318"
    max_request_body_size: 1048576
    include_metadata: true
    response_headers:
      X-Served-By: otelcol-rs
    compression_algorithms: ["", gzip]
    cors:
      allowed_origins: ["https://*.example.com"]
      allowed_headers: [X-Custom]
      max_age: 7200
    read_timeout: 5s
    read_header_timeout: 1s
    write_timeout: 30s
    idle_timeout: 1m
    keep_alives_enabled: false
    traces_url_path: traces
    metrics_url_path: /m
    logs_url_path: /l?ignored=1
"#,
    )
    .unwrap();
    let g = cfg.protocols.grpc.as_ref().unwrap();
    assert_eq!(g.endpoint, "0.0.0.0:5317");
    assert_eq!(g.max_recv_msg_size(), 16 * 1024 * 1024);
    assert_eq!(g.max_concurrent_streams, 100);
    assert!(g.include_metadata);
    let sp = &g.keepalive.server_parameters;
    assert_eq!(sp.max_connection_idle, Duration::from_secs(11));
    assert_eq!(sp.max_connection_age_grace, Duration::from_secs(13));
    assert_eq!(sp.time, Duration::from_secs(90));
    assert_eq!(sp.timeout, Duration::from_millis(200));
    assert!(g.keepalive.enforcement_policy.permit_without_stream);
    let h = cfg.protocols.http.as_ref().unwrap();
    assert_eq!(h.max_request_body_size(), 1048576);
    assert_eq!(h.response_headers["X-Served-By"], "otelcol-rs");
    assert_eq!(h.compression_algorithms(), ["", "gzip"]);
    let cors = h.cors.as_ref().unwrap();
    assert_eq!(cors.allowed_origins, ["https://*.example.com"]);
    assert_eq!(cors.max_age, 7200);
    assert_eq!(h.idle_timeout, Duration::from_secs(60));
    assert!(!h.keep_alives_enabled);
    assert_eq!(h.traces_url_path, UrlPath::new("/traces"));
    assert_eq!(h.metrics_url_path.as_str(), "/m");
    assert_eq!(h.logs_url_path.as_str(), "/l");

    // What print-config shows parses back to the same config.
    let yaml = serde_yaml::to_string(&cfg).unwrap();
    assert_eq!(parse(&yaml).unwrap(), cfg);
}

#[test]
fn unknown_keys_are_refused() {
    let e = parse("protocols:\n  grpc:\n    endpont: x:1\n").unwrap_err();
    assert!(e.contains("unknown field \"endpont\""), "{e}");
    let e = parse("protocols:\n  thrift:\n").unwrap_err();
    assert!(e.contains("unknown field \"thrift\""), "{e}");
    let e = parse("protocol:\n  grpc:\n").unwrap_err();
    assert!(e.contains("unknown field \"protocol\""), "{e}");
    let e = parse("protocols:\n  http:\n    cors:\n      exposed_header: [a]\n").unwrap_err();
    assert!(e.contains("unknown field \"exposed_header\""), "{e}");
}

#[test]
fn bad_tls_and_middlewares_are_refused_loudly() {
    let cases = [
        (
            "protocols:\n  grpc:\n    tls:\n",
            "protocols::grpc::tls::cert_file: a TLS server needs a certificate and key",
        ),
        (
            "protocols:\n  http:\n    tls: {}\n",
            "protocols::http::tls::cert_file: a TLS server needs a certificate and key",
        ),
        (
            "protocols:\n  http:\n    tls: {cert_file: a.pem}\n",
            "protocols::http::tls::key_file: for auth via TLS, provide both certificate and key",
        ),
        (
            "protocols:\n  grpc:\n    tls: {cert_file: a.pem, key_file: a.key, min_version: \"1.1\"}\n",
            "protocols::grpc::tls::min_version: TLS 1.1 is not supported",
        ),
        (
            "protocols:\n  grpc:\n    middlewares:\n      - id: m\n",
            "protocols::grpc::middlewares: middlewares are not supported yet",
        ),
    ];
    for (yaml, want) in cases {
        let e = parse(yaml).unwrap_err();
        assert!(e.starts_with(want), "{yaml}: {e}");
    }
    let e = parse("protocols:\n  grpc:\n    tls:\n      bogus: 1\n").unwrap_err();
    assert!(e.contains("unknown field \"bogus\""), "{e}");
    // `auth` is applied: the authenticator is looked up at start.
    assert!(parse("protocols:\n  http:\n    auth:\n      authenticator: basicauth/server\n").is_ok());
    // Files are read at start, not at validation (as in Go).
    assert!(parse("protocols:\n  grpc:\n    tls:\n      cert_file: a.pem\n      key_file: a.key\n").is_ok());
}

#[test]
fn other_validation_errors_name_the_key() {
    let cases = [
        (
            "protocols:\n  grpc:\n    transport: unix\n    endpoint: /tmp/s:0\n",
            "protocols::grpc::transport: transport \"unix\" is not supported by this build yet",
        ),
        (
            "protocols:\n  grpc:\n    transport: udp\n",
            "protocols::grpc::transport: unsupported transport \"udp\"",
        ),
        (
            "protocols:\n  grpc:\n    endpoint: localhost\n",
            "protocols::grpc::endpoint: endpoint \"localhost\": missing port",
        ),
        (
            "protocols:\n  http:\n    endpoint: \"localhost:http\"\n",
            "protocols::http::endpoint: endpoint \"localhost:http\": invalid port",
        ),
        (
            "protocols:\n  http:\n    compression_algorithms: [br]\n",
            "protocols::http::compression_algorithms: unknown compression algorithm \"br\"",
        ),
        (
            "protocols:\n  http:\n    metrics_url_path: v1/traces\n",
            "protocols::http::traces_url_path: path \"/v1/traces\" is also used by metrics_url_path",
        ),
        (
            "protocols:\n  http:\n    response_headers:\n      \"bad header\": x\n",
            "protocols::http::response_headers::bad header",
        ),
    ];
    for (yaml, want) in cases {
        let e = parse(yaml).unwrap_err();
        assert!(e.starts_with(want), "{yaml}: {e}");
    }
}

#[test]
fn endpoint_forms_and_header_list() {
    for ep in [
        "localhost:4317",
        "0.0.0.0:4317",
        "[::1]:4317",
        ":4317",
        "otel.example:4317",
    ] {
        parse(&format!("protocols:\n  grpc:\n    endpoint: \"{ep}\"\n")).unwrap();
    }
    let cfg =
        parse("protocols:\n  http:\n    response_headers:\n      - name: X-A\n        value: a\n").unwrap();
    assert_eq!(cfg.protocols.http.unwrap().response_headers["X-A"], "a");
    // A body limit of 0 means the default, as in Go.
    let cfg = parse("protocols:\n  http:\n    max_request_body_size: 0\n").unwrap();
    assert_eq!(cfg.protocols.http.unwrap().max_request_body_size(), 20971520);
}
