//! What every transport shares: handing translated spans to the next
//! consumer, and the self-metrics, per transport, with the Go receiver's
//! transport names (`grpc`, `collector_http`, `udp_thrift_compact`,
//! `udp_thrift_binary`).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use http::HeaderMap;
use otelcol_component::metrics::Counter;
use otelcol_component::{
    ClientInfo, ComponentId, ConsumeError, Meter, Payload, RequestContext, SharedConsumer, Traces,
};

/// The Go receiver's transport label of each server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    /// `grpc`.
    Grpc,
    /// `collector_http`.
    ThriftHttp,
    /// `udp_thrift_compact`.
    ThriftCompact,
    /// `udp_thrift_binary`.
    ThriftBinary,
}

impl Transport {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Transport::Grpc => "grpc",
            Transport::ThriftHttp => "collector_http",
            Transport::ThriftCompact => "udp_thrift_compact",
            Transport::ThriftBinary => "udp_thrift_binary",
        }
    }

    fn is_udp(self) -> bool {
        matches!(self, Transport::ThriftCompact | Transport::ThriftBinary)
    }
}

/// Why a request (a packet, a body, a call) was refused before any span of
/// it reached the pipeline: the `reason` of `otelcol_receiver_refused_requests`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// It did not decode (`malformed`).
    Malformed,
    /// The authenticator refused it (`unauthenticated`; HTTP and gRPC).
    Unauthenticated,
    /// The UDP queue was full (`queue_full`).
    QueueFull,
    /// A UDP packet over `max_packet_size` (`too_large`).
    TooLarge,
    /// An agent call other than `emitBatch`, i.e. `emitZipkinBatch` (`unsupported`).
    Unsupported,
}

impl Refusal {
    fn reason(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::Unauthenticated => "unauthenticated",
            Refusal::QueueFull => "queue_full",
            Refusal::TooLarge => "too_large",
            Refusal::Unsupported => "unsupported",
        }
    }
}

/// One transport's way to the next consumer, with its counters.
pub(crate) struct Pipeline {
    consumer: SharedConsumer<Traces>,
    accepted: Counter,
    refused: Counter,
    refusals: Vec<(Refusal, Counter)>,
    receiver: String,
    transport: Transport,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("receiver", &self.receiver)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Registers the transport's counters with `meter`.
    pub(crate) fn new(
        consumer: SharedConsumer<Traces>,
        id: &ComponentId,
        transport: Transport,
        meter: &Meter,
    ) -> Self {
        let receiver = id.to_string();
        let labels = [
            ("receiver", receiver.clone()),
            ("transport", transport.label().to_string()),
        ];
        let reasons: &[Refusal] = if transport.is_udp() {
            &[
                Refusal::Malformed,
                Refusal::QueueFull,
                Refusal::TooLarge,
                Refusal::Unsupported,
            ]
        } else {
            &[Refusal::Malformed, Refusal::Unauthenticated]
        };
        let refusals = reasons
            .iter()
            .map(|&r| {
                let counter = meter.counter(
                    "otelcol_receiver_refused_requests",
                    &[
                        ("receiver", receiver.clone()),
                        ("transport", transport.label().to_string()),
                        ("reason", r.reason().to_string()),
                    ],
                );
                (r, counter)
            })
            .collect();
        Pipeline {
            consumer,
            accepted: meter.counter("otelcol_receiver_accepted_spans", &labels),
            refused: meter.counter("otelcol_receiver_refused_spans", &labels),
            refusals,
            receiver,
            transport,
        }
    }

    pub(crate) fn receiver(&self) -> &str {
        &self.receiver
    }

    pub(crate) fn transport(&self) -> &'static str {
        self.transport.label()
    }

    /// Counts a request refused before its spans were read, and logs it at debug.
    pub(crate) fn refuse(&self, refusal: Refusal, detail: &dyn std::fmt::Display) {
        if let Some((_, c)) = self.refusals.iter().find(|(r, _)| *r == refusal) {
            c.increment(1);
        }
        tracing::debug!(
            receiver = %self.receiver,
            transport = self.transport.label(),
            reason = refusal.reason(),
            "Jaeger request refused: {detail}"
        );
    }

    /// Hands `traces` (decoded from a batch of `spans` spans) to the next
    /// consumer and counts the spans as Go does: all accepted, or all
    /// refused when the consumer fails. A batch that translates to no span
    /// is not handed on (and its spans counted accepted).
    pub(crate) async fn consume(
        &self,
        mut traces: Traces,
        spans: usize,
        client: ClientInfo,
    ) -> Result<(), ConsumeError> {
        let spans = spans as u64;
        if traces.item_count() == 0 {
            self.accepted.increment(spans);
            return Ok(());
        }
        traces.set_context(RequestContext::new(client));
        match self.consumer.consume(traces).await {
            Ok(()) => {
                self.accepted.increment(spans);
                Ok(())
            }
            Err(e) => {
                self.refused.increment(spans);
                tracing::debug!(
                    receiver = %self.receiver,
                    transport = self.transport.label(),
                    spans,
                    error = %e,
                    "Jaeger spans refused by the pipeline"
                );
                Err(e)
            }
        }
    }
}

/// The client info of a request: the peer address, and the headers or
/// metadata (lower-case keys, every value) when `include` is set.
pub(crate) fn client_info(addr: Option<SocketAddr>, headers: Option<&HeaderMap>) -> ClientInfo {
    let mut info = ClientInfo::with_address(addr);
    if let Some(headers) = headers {
        let mut md: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in headers {
            md.entry(name.as_str().to_string())
                .or_default()
                .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
        }
        info.metadata = md;
    }
    info
}

/// Headers as an authenticator sees them.
pub(crate) fn auth_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}
