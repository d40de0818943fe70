//! A TLS test backend shared by the `otlp` and `otlphttp` exporters' TLS
//! tests (the otlphttp tests include this file by path).

use std::sync::Arc;

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{Component, Consumers, Kind, Payload, Traces};
use otelcol_componenttest::{NopHost, Sink, nop_settings, parse_config};
use otelcol_configtls::testpki::TestPki;
use otelcol_receiver_otlp::OtlpReceiver;

/// `n` spans in one resource and scope.
pub(crate) fn spans(n: usize) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: (0..n)
                    .map(|i| Span {
                        name: format!("span-{i}"),
                        trace_id: vec![7; 16],
                        span_id: vec![i as u8 + 1; 8],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

/// A TLS (mTLS with `client_ca`) receiver speaking `protocol` (`grpc` or
/// `http`) and feeding a sink; its port.
pub(crate) async fn backend(
    pki: &TestPki,
    client_ca: bool,
    protocol: &str,
) -> (Arc<OtlpReceiver>, Arc<Sink<Traces>>, u16) {
    let ca = if client_ca {
        format!("\n      client_ca_file: {}", pki.path("ca.pem"))
    } else {
        String::new()
    };
    let yaml = format!(
        "protocols:\n  {protocol}:\n    endpoint: 127.0.0.1:0\n    tls:\n      cert_file: {}\n      key_file: {}{ca}\n",
        pki.path("server.pem"),
        pki.path("server-key.pem")
    );
    let sink = Sink::<Traces>::new();
    let next = Consumers {
        traces: Some(sink.clone()),
        ..Default::default()
    };
    let r = Arc::new(OtlpReceiver::new(
        &nop_settings("otlp", Kind::Receiver),
        parse_config(&yaml).unwrap(),
        next,
    ));
    r.start(NopHost::new()).await.unwrap();
    let addr = if protocol == "grpc" {
        r.grpc_addr()
    } else {
        r.http_addr()
    };
    let port = addr.unwrap().port();
    (r, sink, port)
}
