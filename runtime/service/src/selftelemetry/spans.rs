//! The collector's own spans (see `otelcol_component::selftrace`) as OTLP
//! spans: a `tracing` layer records each operation span when it closes
//! into a bounded queue, emptied by the trace processors' export tasks.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::trace::v1::{Span, Status, span, status};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::{Queue, now_nanos};

/// The collector's spans waiting to be exported.
#[derive(Clone)]
pub struct SpanExport {
    pub(super) inner: Arc<SpanQueue>,
}

pub(super) struct SpanQueue {
    pub(super) queue: Arc<Queue<Span>>,
    ids: IdSource,
}

impl fmt::Debug for SpanExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanExport")
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl SpanExport {
    /// A queue holding up to `capacity` spans, waking the exporters every `batch`.
    pub fn new(capacity: usize, batch: usize) -> SpanExport {
        SpanExport {
            inner: Arc::new(SpanQueue {
                queue: Arc::new(Queue::new(capacity, batch)),
                ids: IdSource::new(),
            }),
        }
    }

    /// The `tracing` layer recording the operation spans; add it with a
    /// filter for `otelcol_component::selftrace::TARGET` at `TRACE`.
    pub fn layer(&self) -> OtlpSpanLayer {
        OtlpSpanLayer { export: self.clone() }
    }

    /// Spans dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.inner.queue.dropped()
    }

    fn push(&self, s: Span) {
        self.inner.queue.push(s);
    }

    #[cfg(test)]
    fn take(&self, max: usize) -> Vec<Span> {
        self.inner.queue.take(max)
    }
}

/// Random trace and span ids: a per-process random key hashed with a counter.
struct IdSource {
    state: std::collections::hash_map::RandomState,
    next: AtomicU64,
}

impl IdSource {
    fn new() -> IdSource {
        IdSource {
            state: std::collections::hash_map::RandomState::new(),
            next: AtomicU64::new(1),
        }
    }

    fn u64(&self) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_u64(self.next.fetch_add(1, Ordering::Relaxed));
        match h.finish() {
            0 => 1,
            v => v,
        }
    }

    fn span_id(&self) -> Vec<u8> {
        self.u64().to_be_bytes().to_vec()
    }

    fn trace_id(&self) -> Vec<u8> {
        let mut id = self.u64().to_be_bytes().to_vec();
        id.extend_from_slice(&self.u64().to_be_bytes());
        id
    }
}

/// See [`SpanExport::layer`].
#[derive(Debug)]
pub struct OtlpSpanLayer {
    export: SpanExport,
}

/// What a span collects while open (in the registry's extensions).
struct Open {
    span: Span,
}

/// Span fields as OTLP: `otel.name` names the span, `otel.status_*` set
/// its status, the rest (with a value) become attributes.
struct Fields<'a>(&'a mut Span);

impl Fields<'_> {
    fn put(&mut self, name: &str, value: any_value::Value) {
        match name {
            "otel.name" => {
                if let any_value::Value::StringValue(s) = value {
                    self.0.name = s;
                }
            }
            "otel.status_code" => {
                let code = match &value {
                    any_value::Value::StringValue(s) if s == "ERROR" => status::StatusCode::Error,
                    any_value::Value::StringValue(s) if s == "OK" => status::StatusCode::Ok,
                    _ => status::StatusCode::Unset,
                };
                self.0.status.get_or_insert_with(Status::default).code = code as i32;
            }
            "otel.status_description" => {
                if let any_value::Value::StringValue(s) = value {
                    self.0.status.get_or_insert_with(Status::default).message = s;
                }
            }
            _ => {
                self.0.attributes.retain(|kv| kv.key != name);
                self.0.attributes.push(KeyValue {
                    key: name.to_string(),
                    value: Some(AnyValue { value: Some(value) }),
                    ..Default::default()
                });
            }
        }
    }
}

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.put(field.name(), any_value::Value::StringValue(value.to_string()));
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.put(field.name(), any_value::Value::IntValue(value));
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.put(
            field.name(),
            any_value::Value::IntValue(i64::try_from(value).unwrap_or(i64::MAX)),
        );
    }
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        self.put(field.name(), any_value::Value::DoubleValue(value));
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.put(field.name(), any_value::Value::BoolValue(value));
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        self.put(field.name(), any_value::Value::StringValue(format!("{value:?}")));
    }
}

impl<S> tracing_subscriber::Layer<S> for OtlpSpanLayer
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span_ref) = ctx.span(id) else {
            return;
        };
        let ids = &self.export.inner.ids;
        // A child of another recorded operation joins its trace.
        let parent = span_ref.parent().and_then(|p| {
            p.extensions()
                .get::<Open>()
                .map(|o| (o.span.trace_id.clone(), o.span.span_id.clone()))
        });
        let (trace_id, parent_span_id) = match parent {
            Some((t, p)) => (t, p),
            None => (ids.trace_id(), Vec::new()),
        };
        let mut s = Span {
            trace_id,
            span_id: ids.span_id(),
            parent_span_id,
            name: attrs.metadata().name().to_string(),
            kind: span::SpanKind::Internal as i32,
            start_time_unix_nano: now_nanos(),
            ..Default::default()
        };
        attrs.record(&mut Fields(&mut s));
        span_ref.extensions_mut().insert(Open { span: s });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span_ref) = ctx.span(id) {
            if let Some(open) = span_ref.extensions_mut().get_mut::<Open>() {
                values.record(&mut Fields(&mut open.span));
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span_ref) = ctx.span(&id) else {
            return;
        };
        let Some(open) = span_ref.extensions_mut().remove::<Open>() else {
            return;
        };
        let mut s = open.span;
        s.end_time_unix_nano = now_nanos().max(s.start_time_unix_nano);
        self.export.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::selftrace::{Op, TARGET};
    use otelcol_component::{ConsumeError, Signal};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::{Layer as _, filter::Targets};

    #[test]
    fn operations_become_otlp_spans_with_gos_names_and_counts() {
        let export = SpanExport::new(10, 5);
        let subscriber = tracing_subscriber::registry().with(
            export
                .layer()
                .with_filter(Targets::new().with_target(TARGET, tracing::Level::TRACE)),
        );
        tracing::subscriber::with_default(subscriber, || {
            Op::receive("otlp/in", Signal::Traces, "grpc").end(7, 0, None);
            Op::export("otlp_grpc/backend", Signal::Metrics).end(
                0,
                3,
                Some(&ConsumeError::permanent("refused")),
            );
            // Not recorded: the telemetry exporters, and other targets.
            Op::export("otlp_grpc/_telemetry_traces_0", Signal::Traces).end(1, 0, None);
            let _ = tracing::info_span!("other").entered();
        });
        let spans = export.take(10);
        assert_eq!(spans.len(), 2, "{spans:?}");
        let attr = |s: &Span, k: &str| {
            s.attributes
                .iter()
                .find(|kv| kv.key == k)
                .and_then(|kv| kv.value.clone())
                .and_then(|v| v.value)
        };
        let r = &spans[0];
        assert_eq!(r.name, "receiver/otlp/in/TraceDataReceived");
        assert_eq!(attr(r, "accepted_spans"), Some(any_value::Value::IntValue(7)));
        assert_eq!(attr(r, "refused_spans"), Some(any_value::Value::IntValue(0)));
        assert_eq!(
            attr(r, "transport"),
            Some(any_value::Value::StringValue("grpc".into()))
        );
        assert_eq!(
            r.status.as_ref().map(|s| s.code),
            Some(status::StatusCode::Ok as i32)
        );
        assert_eq!((r.trace_id.len(), r.span_id.len()), (16, 8));
        assert!(r.end_time_unix_nano >= r.start_time_unix_nano && r.start_time_unix_nano > 0);
        let e = &spans[1];
        assert_eq!(e.name, "exporter/otlp_grpc/backend/metrics");
        assert_eq!(
            attr(e, "send_failed_metric_points"),
            Some(any_value::Value::IntValue(3))
        );
        let st = e.status.clone().unwrap_or_default();
        assert_eq!(st.code, status::StatusCode::Error as i32);
        assert!(st.message.contains("refused"), "{st:?}");
        assert_ne!(r.trace_id, e.trace_id);
    }

    #[test]
    fn a_full_queue_counts_what_it_drops() {
        let export = SpanExport::new(1, 1);
        export.push(Span::default());
        export.push(Span::default());
        assert_eq!(export.dropped(), 1);
        assert_eq!(export.take(5).len(), 1);
    }
}
