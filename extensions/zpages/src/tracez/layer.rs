//! The `tracing_subscriber` layer that feeds a [`TracezStore`] with the
//! collector's own spans.

use std::fmt::{self, Write as _};
use std::time::{Instant, SystemTime};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::store::{SpanSample, TracezStore};

/// Fields kept per span.
const MAX_FIELDS: usize = 16;
/// Characters kept per field value or error message.
const MAX_VALUE_CHARS: usize = 256;

/// Records every closed span's name, duration, fields and error into a
/// [`TracezStore`]. A span counts as failed when an `ERROR` event is logged
/// inside it, or when it carries an `error` field or `otel.status_code = "ERROR"`.
#[derive(Clone, Debug)]
pub struct TracezLayer {
    store: TracezStore,
}

impl TracezLayer {
    /// A layer recording into `store` (which is not registered for zpages;
    /// see [`crate::tracez_layer`] for that).
    pub fn new(store: TracezStore) -> Self {
        TracezLayer { store }
    }

    /// The store this layer records into.
    pub fn store(&self) -> &TracezStore {
        &self.store
    }
}

/// What the layer keeps in each open span's extensions.
struct OpenSpan {
    start_wall: SystemTime,
    start: Instant,
    fields: Vec<(String, String)>,
    error: Option<String>,
}

/// Redacts URL passwords, then bounds the length (in that order, so that a
/// cut cannot hide the end of a userinfo from the redaction).
fn truncate(s: String) -> String {
    let mut s = match crate::redact::redact_text(&s) {
        std::borrow::Cow::Owned(r) => r,
        std::borrow::Cow::Borrowed(_) => s,
    };
    if let Some((i, _)) = s.char_indices().nth(MAX_VALUE_CHARS) {
        s.truncate(i);
        s.push('…');
    }
    s
}

/// Collects fields and error markers.
struct FieldCollector<'a> {
    span: &'a mut OpenSpan,
}

impl FieldCollector<'_> {
    fn put(&mut self, field: &Field, value: String) {
        let name = field.name();
        let failed = name == "error" || (name == "otel.status_code" && value.eq_ignore_ascii_case("error"));
        if failed && self.span.error.is_none() {
            self.span.error = Some(truncate(value.clone()));
        }
        if let Some(slot) = self.span.fields.iter_mut().find(|(k, _)| k == name) {
            slot.1 = truncate(value);
        } else if self.span.fields.len() < MAX_FIELDS {
            self.span.fields.push((name.to_string(), truncate(value)));
        }
    }
}

impl Visit for FieldCollector<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_string());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        self.put(field, s);
    }
}

/// Finds an event's `message`.
#[derive(Default)]
struct MessageCollector {
    message: Option<String>,
}

impl Visit for MessageCollector {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = Some(format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_string());
        }
    }
}

impl<S> Layer<S> for TracezLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut open = OpenSpan {
            start_wall: SystemTime::now(),
            start: Instant::now(),
            fields: Vec::new(),
            error: None,
        };
        attrs.record(&mut FieldCollector { span: &mut open });
        span.extensions_mut().insert(open);
        self.store.span_started(span.name());
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        if let Some(open) = span.extensions_mut().get_mut::<OpenSpan>() {
            values.record(&mut FieldCollector { span: open });
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if *event.metadata().level() != Level::ERROR {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        if let Some(open) = span.extensions_mut().get_mut::<OpenSpan>() {
            if open.error.is_none() {
                let mut m = MessageCollector::default();
                event.record(&mut m);
                open.error = Some(truncate(m.message.unwrap_or_else(|| "error event".to_string())));
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(open) = span.extensions_mut().remove::<OpenSpan>() else {
            return;
        };
        self.store.span_ended(SpanSample {
            name: span.name().to_string(),
            target: span.metadata().target().to_string(),
            start: open.start_wall,
            duration: open.start.elapsed(),
            fields: open.fields,
            error: open.error,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn records_closed_spans_fields_and_errors() {
        let store = TracezStore::new();
        let subscriber = tracing_subscriber::registry().with(TracezLayer::new(store.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let outer = tracing::info_span!("export", exporter = "otlp/<b>", items = 3);
            {
                let _g = outer.enter();
                let inner = tracing::info_span!("send", attempt = tracing::field::Empty);
                inner.record("attempt", 2);
                inner.in_scope(|| tracing::error!("connection refused"));
                assert_eq!(store.summaries().iter().map(|s| s.running).sum::<u64>(), 2);
            }
            drop(outer);
            tracing::info_span!("marked", otel.status_code = "ERROR").in_scope(|| {});
        });
        let sums = store.summaries();
        let names: Vec<&str> = sums.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["export", "marked", "send"]);
        assert!(sums.iter().all(|s| s.running == 0));
        let export = &sums[0];
        assert_eq!(
            (export.error_count, export.latency_counts.iter().sum::<u64>()),
            (0, 1)
        );
        let send = store.error_samples("send");
        assert_eq!(send[0].error.as_deref(), Some("connection refused"));
        assert_eq!(send[0].fields, vec![("attempt".to_string(), "2".to_string())]);
        assert_eq!(sums[1].error_count, 1);
        let bucket = sums[0].latency_counts.iter().position(|c| *c == 1).unwrap();
        let sample = &store.latency_samples("export", bucket)[0];
        assert!(
            sample
                .fields
                .contains(&("exporter".to_string(), "otlp/<b>".to_string()))
        );
        assert_eq!(sample.target, module_path!());
    }
}
