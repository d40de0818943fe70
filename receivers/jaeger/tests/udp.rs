//! The agent ports against the real Python `jaeger-client` (compact, and
//! binary through the client's protocol-factory hook), and hostile packets.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Harness, all_spans, assert_span, attr, run_python, wait_spans};
use otelcol_component::proto::common::v1::any_value::Value;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode;
use otelcol_component::{Payload, Traces};
use otelcol_componenttest::{Gate, TracesSink};
use otelcol_receiver_jaeger::thrift::ThriftProtocol::{self, Binary, Compact};
use otelcol_receiver_jaeger::thrift::encode;
use otelcol_receiver_jaeger::thrift::jaeger::{AgentCall, Batch, Process, Span};
use otelcol_receiver_jaeger::translate::thrift_to_traces;
use tokio::net::UdpSocket;

const UDP: &str = "protocols:
  thrift_compact: {endpoint: 127.0.0.1:0, socket_buffer_size: 262_144}
  thrift_binary: {endpoint: 127.0.0.1:0}
";

async fn jaeger_client(protocol: &str) {
    let sink = TracesSink::new();
    let h = Harness::start(UDP, sink.clone()).await;
    let (addr, transport) = match protocol {
        "compact" => (h.receiver.thrift_compact_addr().unwrap(), "udp_thrift_compact"),
        _ => (h.receiver.thrift_binary_addr().unwrap(), "udp_thrift_binary"),
    };
    let sent = run_python(
        "jaeger_client_send.py",
        &[
            addr.ip().to_string(),
            addr.port().to_string(),
            protocol.to_string(),
        ],
    )
    .await;
    wait_spans(&sink, 2).await;
    let spans = all_spans(&sink);
    assert_eq!(spans.len(), 2);
    let want = sent["spans"].as_array().unwrap();
    for (res, scope, span) in &spans {
        // The process: service.name, hostname → host.name, jaeger.version →
        // opencensus.exporterversion, ip as it is.
        let service = sent["service"].as_str().unwrap();
        assert_eq!(
            attr(res, "service.name"),
            Some(&Value::StringValue(service.into()))
        );
        for tag in sent["process_tags"].as_array().unwrap() {
            let (key, value) = common::tag_value(tag);
            match key.as_str() {
                "hostname" => assert_eq!(attr(res, "host.name"), Some(&value)),
                "jaeger.version" => {
                    let Value::StringValue(v) = value else { panic!() };
                    assert_eq!(
                        attr(res, "opencensus.exporterversion"),
                        Some(&Value::StringValue(format!("Jaeger-{v}")))
                    );
                }
                _ => assert_eq!(attr(res, &key), Some(&value), "{key}"),
            }
        }
        assert!(attr(res, "hostname").is_none() && attr(res, "jaeger.version").is_none());
        assert_eq!(scope, "");
        let w = want.iter().find(|w| w["name"] == span.name.as_str()).unwrap();
        assert_span(span, w);
    }
    let parent = &spans.iter().find(|s| s.2.name == "parent-op").unwrap().2;
    let child = &spans.iter().find(|s| s.2.name == "child-op").unwrap().2;
    assert_eq!(parent.kind, SpanKind::Server as i32);
    assert_eq!(parent.status.as_ref().unwrap().code, StatusCode::Unset as i32);
    assert_eq!(attr(&parent.attributes, "cached"), Some(&Value::BoolValue(false)));
    assert_eq!(child.kind, SpanKind::Client as i32);
    assert_eq!(child.parent_span_id, parent.span_id);
    assert_eq!(child.status.as_ref().unwrap().code, StatusCode::Error as i32);
    assert_eq!(child.events[0].name, "cache-miss");
    assert_eq!(
        attr(&child.events[0].attributes, "size"),
        Some(&Value::IntValue(7))
    );
    // The packet's sender is the client address.
    let ctx = sink.all()[0].context().clone();
    assert_eq!(ctx.client().unwrap().address.map(|a| a.ip()), Some(addr.ip()));
    assert_eq!(h.metrics.spans("accepted", transport), 2);
    assert_eq!(h.metrics.spans("refused", transport), 0);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jaeger_client_compact_over_udp() {
    jaeger_client("compact").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jaeger_client_binary_over_udp() {
    jaeger_client("binary").await;
}

fn batch(name: &str) -> Batch {
    Batch {
        process: Process {
            service_name: "svc".into(),
            tags: None,
        },
        spans: vec![Span {
            trace_id_low: 1,
            span_id: 2,
            operation_name: name.into(),
            start_time: 10,
            duration: 1,
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn send(to: SocketAddr, packets: &[Vec<u8>]) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for p in packets {
        socket.send_to(p, to).await.unwrap();
        // Loopback drops nothing at this pace.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn hostile(protocol: ThriftProtocol) -> Vec<Vec<u8>> {
    let valid = encode::emit_batch(protocol, &batch("x"));
    let mut packets = vec![
        vec![],
        vec![0xff; 100],
        valid[..valid.len() / 2].to_vec(),
        valid[..valid.len() - 1].to_vec(),
    ];
    // A list claiming two billion spans.
    let mut huge = valid.clone();
    let header = match protocol {
        Compact => vec![0x19, 0xfc, 0xff, 0xff, 0xff, 0x07],
        Binary => vec![0x0f, 0x00, 0x02, 0x0c, 0x7f, 0xff, 0xff, 0xff],
    };
    huge.truncate(huge.len().min(20));
    huge.extend(header);
    packets.push(huge);
    // Structs nested 600 deep (within max_packet_size).
    let mut deep = match protocol {
        Compact => vec![0x82, 0x81, 1, 9],
        Binary => vec![0x80, 0x01, 0x00, 0x04, 0, 0, 0, 9],
    };
    deep.extend_from_slice(b"emitBatch");
    if protocol == Binary {
        deep.extend([0, 0, 0, 1]);
    }
    for _ in 0..600 {
        match protocol {
            Compact => deep.push(0x1c),
            Binary => deep.extend([0x0c, 0x00, 0x01]),
        }
    }
    packets.push(deep);
    // Every single-byte corruption of the valid packet.
    for i in 0..valid.len() {
        let mut bad = valid.clone();
        bad[i] ^= 0xa5;
        packets.push(bad);
    }
    packets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_packets_are_counted_and_dropped() {
    let sink = TracesSink::new();
    // One worker: packets are handled in order, so once the last valid one
    // is through, every hostile one before it has been handled.
    let h = Harness::start(
        "protocols:
  thrift_compact: {endpoint: 127.0.0.1:0, workers: 1, max_packet_size: 2000}
  thrift_binary: {endpoint: 127.0.0.1:0, workers: 1, max_packet_size: 2000}
",
        sink.clone(),
    )
    .await;
    for (protocol, addr, transport) in [
        (
            Compact,
            h.receiver.thrift_compact_addr().unwrap(),
            "udp_thrift_compact",
        ),
        (
            Binary,
            h.receiver.thrift_binary_addr().unwrap(),
            "udp_thrift_binary",
        ),
    ] {
        sink.reset();
        let packets = hostile(protocol);
        let n = packets.len() as u64;
        send(addr, &packets).await;
        // Too large, a Zipkin batch, an unknown method.
        send(addr, &[vec![0u8; 3000]]).await;
        let mut w = encode::Writer::new(protocol);
        w.message_begin("emitZipkinBatch", 4, 1);
        send(addr, &[w.into_bytes()]).await;
        let mut w = encode::Writer::new(protocol);
        w.message_begin("getSamplingStrategy", 1, 1);
        send(addr, &[w.into_bytes()]).await;
        // Then a valid one: it arrives, the server survived.
        send(addr, &[encode::emit_batch(protocol, &batch("survivor"))]).await;
        wait_spans(&sink, 1).await;
        let spans = all_spans(&sink);
        assert_eq!(spans.last().unwrap().2.name, "survivor", "{protocol:?}");
        // What each hostile packet should come to, decoded here: refused
        // as malformed, or (a flipped byte in a name or a number) spans.
        let (mut want_malformed, mut want_spans) = (1u64, 1usize); // + the unknown method, + the survivor
        for p in &packets {
            match AgentCall::decode(protocol, p) {
                Ok(AgentCall::EmitBatch(b)) => want_spans += thrift_to_traces(b).item_count(),
                _ => want_malformed += 1,
            }
        }
        assert!(
            want_malformed > n / 2,
            "{protocol:?}: the corruptions should mostly not decode"
        );
        assert_eq!(
            h.metrics.refused_requests(transport, "malformed"),
            want_malformed,
            "{protocol:?}"
        );
        assert_eq!(spans.len(), want_spans, "{protocol:?}");
        assert_eq!(h.metrics.refused_requests(transport, "too_large"), 1);
        assert_eq!(h.metrics.refused_requests(transport, "unsupported"), 1);
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_drops_packets_and_shutdown_drains_it() {
    let gate = Gate::<Traces>::new();
    let h = Harness::start(
        "protocols:\n  thrift_compact: {endpoint: 127.0.0.1:0, workers: 1, queue_size: 2}\n",
        gate.clone(),
    )
    .await;
    let addr = h.receiver.thrift_compact_addr().unwrap();
    // The worker holds the first at the gate, two wait in the queue, the rest are dropped.
    let packets: Vec<Vec<u8>> = (0..10)
        .map(|i| encode::emit_batch(Compact, &batch(&format!("s{i}"))))
        .collect();
    send(addr, &packets[..1]).await;
    for _ in 0..100 {
        if gate.arrived() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(gate.arrived(), 1);
    send(addr, &packets[1..]).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(h.metrics.refused_requests("udp_thrift_compact", "queue_full"), 7);
    gate.open(10);
    // Shutdown hands on what was queued before it returns.
    let Harness { receiver, metrics } = h;
    otelcol_component::Component::shutdown(&*receiver).await.unwrap();
    assert_eq!(gate.sink.item_count(), 3);
    assert_eq!(metrics.spans("accepted", "udp_thrift_compact"), 3);
}
