//! The agent ports: one-way `emitBatch` calls in UDP packets (Go's
//! `TBufferedServer` + `ThriftProcessor`). A reader task takes packets off
//! the socket into a queue of `queue_size`; `workers` tasks decode them,
//! translate and hand them on. A full queue, an oversized packet or one
//! that does not decode is dropped, counted and logged at debug; nothing a
//! packet holds can stop the server.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::UdpConfig;
use crate::pipeline::{Pipeline, Refusal, client_info};
use crate::thrift::ThriftProtocol;
use crate::thrift::jaeger::AgentCall;
use crate::translate::thrift_to_traces;

/// The largest UDP payload there is (IPv6 jumbograms aside).
const MAX_UDP_PAYLOAD: usize = 65_535;

/// A running UDP server's settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UdpSettings {
    pub(crate) protocol: ThriftProtocol,
    pub(crate) queue_size: usize,
    pub(crate) max_packet_size: usize,
    pub(crate) workers: usize,
}

impl UdpSettings {
    pub(crate) fn new(protocol: ThriftProtocol, cfg: &UdpConfig) -> Self {
        UdpSettings {
            protocol,
            queue_size: usize::try_from(cfg.queue_size).unwrap_or(0),
            max_packet_size: usize::try_from(cfg.max_packet_size).unwrap_or(1).max(1),
            workers: usize::try_from(cfg.workers).unwrap_or(1).max(1),
        }
    }
}

/// Serves `socket` until `shutdown` is cancelled; then stops reading, lets
/// the workers finish the packets already queued, and returns.
pub(crate) async fn serve(
    socket: UdpSocket,
    settings: UdpSettings,
    pipeline: Arc<Pipeline>,
    shutdown: CancellationToken,
) {
    // A zero-size queue hands each packet straight to a worker.
    let (tx, rx) = mpsc::channel::<(Bytes, SocketAddr)>(settings.queue_size.max(1));
    let rx = Arc::new(Mutex::new(rx));
    let mut workers = JoinSet::new();
    for _ in 0..settings.workers {
        let (rx, pipeline) = (rx.clone(), pipeline.clone());
        workers.spawn(async move {
            loop {
                let next = rx.lock().await.recv().await;
                let Some((packet, peer)) = next else { break };
                handle(&pipeline, settings.protocol, &packet, peer).await;
            }
        });
    }
    // One byte more than the limit shows a packet is over it (the kernel
    // truncates what does not fit).
    let mut buf = vec![0u8; settings.max_packet_size.min(MAX_UDP_PAYLOAD) + 1];
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => break,
            r = socket.recv_from(&mut buf) => r,
        };
        let (n, peer) = match received {
            Ok(r) => r,
            Err(e) => {
                // ICMP errors and the like surface here; the socket stays usable.
                tracing::debug!(receiver = pipeline.receiver(), error = %e, "Jaeger UDP read failed");
                continue;
            }
        };
        if n > settings.max_packet_size {
            pipeline.refuse(
                Refusal::TooLarge,
                &format_args!(
                    "a packet from {peer} is larger than max_packet_size ({})",
                    settings.max_packet_size
                ),
            );
            continue;
        }
        let packet = Bytes::copy_from_slice(&buf[..n]);
        match tx.try_send((packet, peer)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                pipeline.refuse(
                    Refusal::QueueFull,
                    &format_args!("the queue of {} packets is full", settings.queue_size),
                );
            }
            Err(mpsc::error::TrySendError::Closed(_)) => break,
        }
    }
    drop(socket);
    // The workers drain what is queued, then see the channel closed.
    drop(tx);
    while workers.join_next().await.is_some() {}
}

/// Decodes one packet and hands its spans on.
pub(crate) async fn handle(pipeline: &Pipeline, protocol: ThriftProtocol, packet: &[u8], peer: SocketAddr) {
    let batch = match AgentCall::decode(protocol, packet) {
        Ok(AgentCall::EmitBatch(batch)) => batch,
        Ok(AgentCall::EmitZipkinBatch) => {
            pipeline.refuse(
                Refusal::Unsupported,
                &format_args!("emitZipkinBatch from {peer} is not supported"),
            );
            return;
        }
        Err(e) => {
            pipeline.refuse(
                Refusal::Malformed,
                &format_args!(
                    "a {} bytes {} packet from {peer} does not decode: {e}",
                    packet.len(),
                    protocol.name()
                ),
            );
            return;
        }
    };
    let spans = batch.spans.len();
    let traces = thrift_to_traces(batch);
    // Errors are counted and logged by the pipeline; a one-way call has no
    // one to answer.
    let _ = pipeline
        .consume(traces, spans, client_info(Some(peer), None))
        .await;
}
