//! The signal-generic core shared by the gRPC and HTTP servers: hand a
//! decoded request to the pipeline, count it, and turn the outcome into an
//! OTLP response or a failure with a gRPC code.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use metrics::Counter;
use otelcol_component::{
    Admission, AdmissionSet, ClientInfo, ComponentId, ConsumeError, Consumers, Logs, Meter, Metrics,
    PartialSuccess, Payload, RequestContext, SharedConsumer, Traces,
};

use crate::rpc;

use crate::status::{Code, consume_error_code};

/// A failed export, as a gRPC code with message and optional retry delay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExportFailure {
    pub(crate) code: Code,
    pub(crate) message: String,
    pub(crate) retry_after: Option<Duration>,
}

impl ExportFailure {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        ExportFailure {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(crate) fn from_consume(err: &ConsumeError) -> Self {
        ExportFailure {
            code: consume_error_code(err),
            // Go sends err.Error(), with its `Permanent error: ` prefix.
            message: err.to_string(),
            retry_after: err.retry_after(),
        }
    }

    /// The `google.rpc.Status`, with a `RetryInfo` detail when a delay is known.
    pub(crate) fn to_rpc_status(&self) -> rpc::Status {
        let s = rpc::Status::new(self.code, self.message.clone());
        match self.retry_after {
            Some(d) => s.with_retry_delay(d),
            None => s,
        }
    }
}

/// Why a request body did not become a payload.
#[derive(Debug)]
pub(crate) enum PayloadError {
    /// It does not decode (400 / `INTERNAL`, as Go).
    Invalid(String),
    /// An admission gate refused what decoding it would take (503 /
    /// `UNAVAILABLE` with retry info).
    Refused(ConsumeError),
}

/// A transport's authenticator (`auth: {authenticator: <id>}`), found in
/// the host's extensions when the receiver starts.
#[derive(Default)]
pub(crate) struct AuthSlot {
    authenticator: std::sync::OnceLock<Arc<dyn otelcol_component::auth::ServerAuthenticator>>,
    /// HTTP only: query parameters handed to the authenticator as headers.
    request_params: Vec<String>,
}

impl AuthSlot {
    /// A slot for a transport; `request_params` as configured.
    pub(crate) fn new(request_params: Vec<String>) -> Self {
        AuthSlot {
            authenticator: std::sync::OnceLock::new(),
            request_params,
        }
    }

    /// Installs the authenticator (at start).
    pub(crate) fn set(&self, a: Arc<dyn otelcol_component::auth::ServerAuthenticator>) {
        let _ = self.authenticator.set(a);
    }
}

/// One signal's pipeline as seen by one transport: the consumer plus the
/// transport's self-metrics.
pub(crate) struct SignalPipeline<T: Payload> {
    consumer: SharedConsumer<T>,
    auth: Arc<AuthSlot>,
    /// Requests refused by the authenticator (their items are not read).
    unauthenticated: Counter,
    accepted: Counter,
    refused: Counter,
    receiver: String,
    transport: &'static str,
    include_metadata: bool,
    decode_eagerly: bool,
}

impl<T: Payload> SignalPipeline<T> {
    fn new(
        consumer: SharedConsumer<T>,
        id: &ComponentId,
        transport: &'static str,
        include_metadata: bool,
        meter: &Meter,
        auth: Arc<AuthSlot>,
    ) -> Self {
        let item = T::SIGNAL.item_name();
        let receiver = id.to_string();
        let labels = [
            ("receiver", receiver.clone()),
            ("transport", transport.to_string()),
        ];
        // A first consumer that decodes every request (by default, a
        // mutating one): decode it here at once rather than check the bytes
        // and decode them later.
        let decode_eagerly = consumer.decodes_input();
        SignalPipeline {
            decode_eagerly,
            consumer,
            auth,
            unauthenticated: meter.counter(
                "otelcol_receiver_refused_requests",
                &[
                    ("receiver", receiver.clone()),
                    ("transport", transport.to_string()),
                    ("reason", "unauthenticated".to_string()),
                ],
            ),
            accepted: meter.counter(format!("otelcol_receiver_accepted_{item}"), &labels),
            refused: meter.counter(format!("otelcol_receiver_refused_{item}"), &labels),
            receiver,
            transport,
            include_metadata,
        }
    }

    /// Whether request headers / metadata go into the request context.
    pub(crate) fn include_metadata(&self) -> bool {
        self.include_metadata
    }

    /// Checks the request's credentials with the transport's authenticator:
    /// `Ok(None)` without one, `Err(message)` when refused (counted; the
    /// message holds no credential). `query` is the request's query string
    /// (HTTP), for `auth::request_params`.
    pub(crate) async fn authenticate(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<otelcol_component::AuthData>, String> {
        let Some(authenticator) = self.auth.authenticator.get() else {
            return Ok(None);
        };
        let mut list: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if let Some(q) = query {
            for pair in q.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if self.auth.request_params.iter().any(|p| p == k) {
                    list.push((k.to_ascii_lowercase(), v.to_string()));
                }
            }
        }
        match authenticator.authenticate(&list).await {
            Ok(data) => Ok(Some(data)),
            Err(e) => {
                self.unauthenticated.increment(1);
                tracing::debug!(
                    receiver = %self.receiver, transport = self.transport, signal = %T::SIGNAL,
                    error = %e, "request refused by the authenticator"
                );
                Err(e.to_string())
            }
        }
    }
}

impl<T: Payload> SignalPipeline<T> {
    /// Turns a protobuf request body into a payload: decoded at once when
    /// the pipeline will decode it anyway, else checked and kept encoded.
    ///
    /// With admission gates (a `memory_limiter`), the wire walk also
    /// estimates what decoding allocates, and the gates are asked for it
    /// before: held while decoding, given back once the decoded request is
    /// in the heap (which the limiter measures). A payload kept encoded
    /// allocates nothing now; it is refused all the same when its decoded
    /// form would not fit (a consumer may decode it later). Without gates
    /// nothing is estimated: the walk is validation alone.
    pub(crate) fn payload(&self, body: bytes::Bytes, gates: &AdmissionSet) -> Result<T, PayloadError> {
        let invalid = |e: otelcol_component::WireError| PayloadError::Invalid(e.to_string());
        if gates.is_empty() {
            return if self.decode_eagerly {
                T::decode(&body).map_err(|e| PayloadError::Invalid(e.to_string()))
            } else {
                T::from_encoded(body).map_err(invalid)
            };
        }
        if self.decode_eagerly {
            let estimate = T::estimate(&body).map_err(invalid)?;
            let _decoding = gates
                .admit(estimate.decoded_bytes)
                .map_err(PayloadError::Refused)?;
            T::decode(&body).map_err(|e| PayloadError::Invalid(e.to_string()))
        } else {
            let (payload, estimate) = T::from_encoded_estimated(body).map_err(invalid)?;
            drop(
                gates
                    .admit(estimate.decoded_bytes)
                    .map_err(PayloadError::Refused)?,
            );
            Ok(payload)
        }
    }

    /// Decodes an OTLP/JSON request body; with admission gates, asks them
    /// first for what decoding allocates (a pre-scan's estimate, see
    /// [`json_estimate`](crate::admission::json_estimate)), held while
    /// decoding.
    pub(crate) fn payload_json(&self, body: &[u8], gates: &AdmissionSet) -> Result<T, PayloadError> {
        let _decoding = if gates.is_empty() {
            None
        } else {
            let estimate = crate::admission::json_estimate(body);
            Some(gates.admit(estimate).map_err(PayloadError::Refused)?)
        };
        T::from_json(body).map_err(|e| PayloadError::Invalid(e.to_string()))
    }

    /// Hands `payload` to the pipeline and waits for the outcome.
    pub(crate) async fn export(
        &self,
        mut payload: T,
        client: ClientInfo,
    ) -> Result<T::Response, ExportFailure> {
        let items = payload.item_count();
        if items == 0 {
            return Ok(T::response(None));
        }
        payload.set_context(RequestContext::new(client));
        let items = items as u64;
        let op = otelcol_component::selftrace::Op::receive(&self.receiver, T::SIGNAL, self.transport);
        let Err(err) = self.consumer.consume(payload).await else {
            self.accepted.increment(items);
            op.end(items, 0, None);
            return Ok(T::response(None));
        };
        if let Some(rejected) = err.rejected_items() {
            let rejected = rejected.min(items);
            self.accepted.increment(items - rejected);
            self.refused.increment(rejected);
            op.end(items - rejected, rejected, Some(&err));
            tracing::debug!(
                receiver = %self.receiver, transport = self.transport, signal = %T::SIGNAL,
                items, rejected, error = %err, "request partially rejected by the pipeline"
            );
            let rejected = i64::try_from(rejected).unwrap_or(i64::MAX);
            return Ok(T::response(Some(PartialSuccess::new(rejected, err.message()))));
        }
        self.refused.increment(items);
        op.end(0, items, Some(&err));
        tracing::debug!(
            receiver = %self.receiver, transport = self.transport, signal = %T::SIGNAL,
            items, error = %err, "request refused by the pipeline"
        );
        Err(ExportFailure::from_consume(&err))
    }
}

/// The pipelines of every signal, for one transport.
pub(crate) struct Pipelines {
    pub(crate) traces: Option<Arc<SignalPipeline<Traces>>>,
    pub(crate) metrics: Option<Arc<SignalPipeline<Metrics>>>,
    pub(crate) logs: Option<Arc<SignalPipeline<Logs>>>,
}

impl Pipelines {
    pub(crate) fn new(
        next: &Consumers,
        id: &ComponentId,
        transport: &'static str,
        include_metadata: bool,
        meter: &Meter,
        auth: Arc<AuthSlot>,
    ) -> Self {
        /// What every signal's pipeline shares.
        struct Common<'a> {
            id: &'a ComponentId,
            transport: &'static str,
            include_metadata: bool,
            meter: &'a Meter,
            auth: Arc<AuthSlot>,
        }
        fn one<T: Payload>(c: Option<&SharedConsumer<T>>, k: &Common<'_>) -> Option<Arc<SignalPipeline<T>>> {
            c.map(|c| {
                Arc::new(SignalPipeline::new(
                    c.clone(),
                    k.id,
                    k.transport,
                    k.include_metadata,
                    k.meter,
                    k.auth.clone(),
                ))
            })
        }
        let k = Common {
            id,
            transport,
            include_metadata,
            meter,
            auth,
        };
        Pipelines {
            traces: one(next.traces.as_ref(), &k),
            metrics: one(next.metrics.as_ref(), &k),
            logs: one(next.logs.as_ref(), &k),
        }
    }
}

/// The client info of a request: always the peer address; the headers or
/// metadata (lower-case keys, every value) only when given.
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    use metrics::{Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
    use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
    use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use otelcol_component::{ComponentType, Consumer, async_trait};

    use super::*;

    /// Records counters by name and labels.
    #[derive(Default)]
    struct TestRecorder {
        counters: Mutex<Vec<(String, Arc<AtomicU64>)>>,
    }

    impl TestRecorder {
        fn get(&self, name: &str) -> u64 {
            let counters = self.counters.lock().unwrap();
            let (_, c) = counters.iter().find(|(k, _)| k == name).unwrap();
            c.load(Ordering::SeqCst)
        }
    }

    impl Recorder for TestRecorder {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let mut labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            let c = Arc::new(AtomicU64::new(0));
            self.counters
                .lock()
                .unwrap()
                .push((format!("{}{{{}}}", key.name(), labels.join(",")), c.clone()));
            Counter::from_arc(c)
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    /// Answers each call with the next scripted result.
    #[derive(Debug)]
    struct Scripted(Mutex<Vec<Result<(), ConsumeError>>>);

    #[async_trait]
    impl Consumer<Traces> for Scripted {
        async fn consume(&self, _: Traces) -> Result<(), ConsumeError> {
            self.0.lock().unwrap().remove(0)
        }
    }

    fn spans(n: usize) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span::default(); n],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[tokio::test]
    async fn counts_accepted_and_refused_items() {
        let id = ComponentId::with_name(ComponentType::new("otlp").unwrap(), "in").unwrap();
        let consumer = Arc::new(Scripted(Mutex::new(vec![
            Ok(()),
            Err(ConsumeError::retryable("busy")),
            Err(ConsumeError::partially_rejected(1, "one")),
        ])));
        let rec = TestRecorder::default();
        let p = metrics::with_local_recorder(&rec, || {
            SignalPipeline::<Traces>::new(consumer, &id, "http", false, &Meter::default(), Arc::default())
        });
        let accepted = "otelcol_receiver_accepted_spans{receiver=otlp/in,transport=http}";
        let refused = "otelcol_receiver_refused_spans{receiver=otlp/in,transport=http}";

        p.export(Traces::from_request(spans(3)), ClientInfo::default())
            .await
            .unwrap();
        assert_eq!((rec.get(accepted), rec.get(refused)), (3, 0));
        let f = p
            .export(Traces::from_request(spans(2)), ClientInfo::default())
            .await
            .unwrap_err();
        assert_eq!(f.code, Code::Unavailable);
        assert_eq!((rec.get(accepted), rec.get(refused)), (3, 2));
        let resp = p
            .export(Traces::from_request(spans(4)), ClientInfo::default())
            .await
            .unwrap();
        assert_eq!(resp.partial_success.unwrap().rejected_spans, 1);
        assert_eq!((rec.get(accepted), rec.get(refused)), (6, 3));
        // An empty request is answered without calling the pipeline or counting.
        p.export(Traces::from_request(spans(0)), ClientInfo::default())
            .await
            .unwrap();
        assert_eq!((rec.get(accepted), rec.get(refused)), (6, 3));
    }

    #[test]
    fn client_info_keeps_every_value() {
        let mut h = HeaderMap::new();
        h.append("x-a", "1".parse().unwrap());
        h.append("x-a", "2".parse().unwrap());
        let info = client_info(None, Some(&h));
        assert_eq!(info.metadata_values("X-A"), ["1", "2"]);
        assert!(client_info(None, None).metadata.is_empty());
    }
}
