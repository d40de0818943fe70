//! The shared component contract (`otelcol-componenttest`), load balancing
//! over two real OTLP/gRPC receivers on loopback (static resolver).
use std::sync::OnceLock;

use otelcol_component::Kind;
use otelcol_componenttest::{loopback_backend, nop_settings, parse_config};
use otelcol_receiver_otlp::OtlpReceiver;

fn backend() -> std::net::SocketAddr {
    loopback_backend(
        |next| {
            let cfg = parse_config("protocols: {grpc: {endpoint: 127.0.0.1:0}}")
                .unwrap_or_else(|e| panic!("backend config: {e}"));
            OtlpReceiver::new(&nop_settings("otlp", Kind::Receiver), cfg, next)
        },
        OtlpReceiver::grpc_addr,
    )
}

/// The exporter config: two shared backends, routed by service (which
/// every signal supports).
fn config() -> String {
    static ADDRS: OnceLock<(std::net::SocketAddr, std::net::SocketAddr)> = OnceLock::new();
    let (a, b) = ADDRS.get_or_init(|| (backend(), backend()));
    format!(
        "routing_key: service\nprotocol: {{otlp: {{tls: {{insecure: true}}}}}}\nresolver: {{static: {{hostnames: [\"{a}\", \"{b}\"]}}}}"
    )
}

otelcol_componenttest::component_tests!(
    exporter: otelcol_exporter_loadbalancing::factory(),
    default_config: Invalid,
    config: config(),
);
