#![allow(clippy::unwrap_used)]

use std::time::Duration;

use otelcol_componenttest::parse_config;

use super::*;

fn decode(yaml: &str) -> Result<Config, String> {
    otelcol_confmap::decode_yaml::<Config>(yaml, "").map_err(|issues| {
        issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

#[test]
fn defaults_per_protocol() {
    let cfg =
        parse_config::<Config>("protocols:\n  grpc:\n  thrift_http:\n  thrift_compact:\n  thrift_binary:\n")
            .unwrap();
    let p = &cfg.protocols;
    let grpc = p.grpc.as_ref().unwrap();
    assert_eq!(grpc.endpoint, "localhost:14250");
    assert_eq!(grpc.transport, "tcp");
    assert_eq!(grpc.max_recv_msg_size(), 4 * 1024 * 1024);
    let http = p.thrift_http.as_ref().unwrap();
    assert_eq!(http.endpoint, "localhost:14268");
    assert_eq!(http.write_timeout, Duration::ZERO);
    assert_eq!(http.max_request_body_size(), 20 * 1024 * 1024);
    assert_eq!(
        p.thrift_compact.as_ref().unwrap(),
        &UdpConfig {
            endpoint: "localhost:6831".into(),
            queue_size: 1000,
            max_packet_size: 65000,
            workers: 10,
            socket_buffer_size: 0,
        }
    );
    assert_eq!(p.thrift_binary.as_ref().unwrap().endpoint, "localhost:6832");
    assert_eq!(p.thrift_binary.as_ref().unwrap().workers, 10);
    // Round trip, as print-config does.
    let yaml = serde_yaml::to_string(&cfg).unwrap();
    assert_eq!(decode(&yaml).unwrap(), cfg);
}

/// Go's `testdata/config.yaml`, `jaeger/customname`, with its YAML 1.1 `100_000`s.
#[test]
fn gos_test_config_parses() {
    let yaml = r#"
protocols:
  grpc:
    endpoint: "localhost:9876"
  thrift_http:
    endpoint: ":3456"
  thrift_compact:
    endpoint: "0.0.0.0:456"
    queue_size: 100_000
    max_packet_size: 131_072
    workers: 100
    socket_buffer_size: 65_536
  thrift_binary:
    endpoint: "0.0.0.0:789"
    queue_size: 1_000
    max_packet_size: 65_536
    workers: 5
    socket_buffer_size: 0
"#;
    let cfg = parse_config::<Config>(yaml).unwrap();
    let c = cfg.protocols.thrift_compact.unwrap();
    assert_eq!(
        (c.queue_size, c.max_packet_size, c.workers, c.socket_buffer_size),
        (100_000, 131_072, 100, 65_536)
    );
    assert_eq!(cfg.protocols.thrift_binary.unwrap().workers, 5);
    assert_eq!(cfg.protocols.thrift_http.unwrap().endpoint, ":3456");
    // `jaeger/mixed`: only some protocols.
    let cfg =
        parse_config::<Config>("protocols:\n  grpc:\n    endpoint: localhost:9876\n  thrift_compact:\n")
            .unwrap();
    assert!(cfg.protocols.thrift_http.is_none() && cfg.protocols.thrift_binary.is_none());
    // The shared server keys.
    let cfg = parse_config::<Config>(
        "protocols:\n  grpc:\n    max_recv_msg_size_mib: 8\n    include_metadata: true\n  thrift_http:\n    max_request_body_size: 1000\n    read_timeout: 2s\n",
    )
    .unwrap();
    assert_eq!(cfg.protocols.grpc.as_ref().unwrap().max_recv_msg_size(), 8 << 20);
    assert!(cfg.protocols.grpc.unwrap().include_metadata);
    assert_eq!(
        cfg.protocols
            .thrift_http
            .as_ref()
            .unwrap()
            .max_request_body_size(),
        1000
    );
}

#[test]
fn at_least_one_protocol() {
    for yaml in ["", "protocols:", "protocols: {}"] {
        let e = parse_config::<Config>(yaml).unwrap_err();
        assert!(
            e.contains("must specify at least one protocol when using the Jaeger receiver"),
            "{yaml:?}: {e}"
        );
    }
}

#[test]
fn unknown_keys_are_refused() {
    for (yaml, key) in [
        ("protocols:\n  thrift_htttp:\n", "thrift_htttp"),
        (
            "protocols:\n  thrift_compact:\n    server:\n      workers: 1\n",
            "server",
        ),
        ("protocols:\n  grpc:\n    endpont: x\n", "endpont"),
        ("protocols:\n  thrift_http:\n    paths: x\n", "paths"),
        ("protocol:\n  grpc:\n", "protocol"),
    ] {
        let e = decode(yaml).unwrap_err();
        assert!(e.contains(key), "{yaml:?}: {e}");
    }
}

#[test]
fn validation_errors_name_the_key_with_gos_words() {
    let cases = [
        (
            "protocols:\n  grpc:\n    endpoint: localhost\n",
            "protocols::grpc::endpoint",
            "invalid port number for the gRPC endpoint: endpoint is not formatted correctly: address localhost: missing port in address",
        ),
        (
            "protocols:\n  thrift_http:\n    endpoint: localhost:http\n",
            "protocols::thrift_http::endpoint",
            "invalid port number for the Thrift HTTP endpoint: endpoint port is not a number",
        ),
        (
            "protocols:\n  thrift_binary:\n    endpoint: localhost:65536\n",
            "protocols::thrift_binary::endpoint",
            "invalid port number for the Thrift UDP Binary endpoint: port number must be between 1 and 65535",
        ),
        (
            "protocols:\n  thrift_compact:\n    endpoint: a:b:1\n",
            "protocols::thrift_compact::endpoint",
            "invalid port number for the Thrift UDP Compact endpoint: endpoint is not formatted correctly: address a:b:1: too many colons in address",
        ),
        (
            "protocols:\n  thrift_compact:\n    workers: 0\n",
            "protocols::thrift_compact::workers",
            "number of processors must be greater than 0, called with 0",
        ),
        (
            "protocols:\n  thrift_binary:\n    queue_size: -1\n",
            "protocols::thrift_binary::queue_size",
            "must not be negative",
        ),
        (
            "protocols:\n  thrift_binary:\n    max_packet_size: 0\n",
            "protocols::thrift_binary::max_packet_size",
            "greater than 0",
        ),
        (
            "protocols:\n  grpc:\n  thrift_http:\n    middlewares: [{id: m}]\n",
            "protocols::thrift_http::middlewares",
            "",
        ),
        (
            "protocols:\n  grpc:\nremote_sampling:\n  host_endpoint: localhost:5778\n",
            "remote_sampling",
            "remote sampling config detected in the Jaeger receiver; use the `jaegerremotesampling` extension instead",
        ),
    ];
    for (yaml, key, msg) in cases {
        let cfg = decode(yaml).unwrap();
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.key.as_deref(), Some(key), "{yaml:?}: {e}");
        assert!(e.to_string().contains(msg), "{yaml:?}: {e}");
    }
    // Port 0 (a free port) is accepted; `[::1]:1` and `:1` are valid too.
    for ep in ["127.0.0.1:0", "[::1]:1", ":1"] {
        let yaml = format!("protocols:\n  thrift_compact:\n    endpoint: \"{ep}\"\n");
        parse_config::<Config>(&yaml).unwrap();
    }
    // Auth applies (the authenticator is looked up at start).
    parse_config::<Config>("protocols:\n  thrift_http:\n    auth:\n      authenticator: basicauth\n")
        .unwrap();
}

#[test]
fn go_ints() {
    let int = |yaml: &str| serde_yaml::from_str::<GoInt>(yaml).map(|g| g.0);
    assert_eq!(int("12").unwrap(), 12);
    assert_eq!(int("\"1_000\"").unwrap(), 1000);
    assert_eq!(int("-5").unwrap(), -5);
    for bad in ["\"_1\"", "\"1__0\"", "\"x\"", "1.5", "\"1_\""] {
        assert!(int(bad).is_err(), "{bad}");
    }
}
