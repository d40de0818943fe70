//! `service::telemetry::logs::encoding: json` in the Go collector's shape:
//! one object per line with zap's keys — `level` (lower case), `ts` (Unix
//! seconds with fraction), `caller` (here the `tracing` target), `msg` — then
//! the span's and the event's fields, so log pipelines that parse the Go
//! collector's logs keep working. Use it with `JsonFields` as the field
//! formatter so span fields are kept as JSON.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats events as zap-style JSON lines.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZapJson;

#[derive(Default)]
struct Fields {
    msg: Option<String>,
    rest: Map<String, Value>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let v = format!("{value:?}");
        if field.name() == "message" {
            self.msg = Some(v);
        } else {
            self.rest.insert(field.name().to_string(), Value::String(v));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.msg = Some(value.to_string());
        } else {
            self.rest
                .insert(field.name().to_string(), Value::String(value.to_string()));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.rest.insert(field.name().to_string(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.rest.insert(field.name().to_string(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.rest.insert(field.name().to_string(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.rest.insert(field.name().to_string(), Value::from(value));
    }
}

impl<S, N> FormatEvent<S, N> for ZapJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut obj = Map::new();
        obj.insert(
            "level".into(),
            Value::String(meta.level().as_str().to_ascii_lowercase()),
        );
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        obj.insert("ts".into(), Value::from(ts));
        obj.insert("caller".into(), Value::String(meta.target().to_string()));
        let mut fields = Fields::default();
        event.record(&mut fields);
        obj.insert("msg".into(), Value::String(fields.msg.unwrap_or_default()));
        // Fields of the spans the event is in (e.g. the component id), outermost first.
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                // With `JsonFields` as the field formatter, a span's fields are a JSON object.
                if let Some(ext) = span
                    .extensions()
                    .get::<tracing_subscriber::fmt::FormattedFields<N>>()
                {
                    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&ext.fields) {
                        for (k, v) in m {
                            obj.entry(k).or_insert(v);
                        }
                    }
                }
            }
        }
        for (k, v) in fields.rest {
            obj.insert(k, v);
        }
        let line = serde_json::to_string(&Value::Object(obj)).map_err(|_| fmt::Error)?;
        writeln!(writer, "{line}")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_zap_keys() {
        let buf = Buf::default();
        let w = buf.clone();
        let sub = tracing_subscriber::fmt()
            .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
            .event_format(ZapJson)
            .with_writer(move || w.clone())
            .finish();
        tracing::subscriber::with_default(sub, || {
            let span = tracing::info_span!("start", kind = "receiver", id = "otlp");
            let _g = span.enter();
            tracing::warn!(endpoint = "127.0.0.1:4317", retries = 3, "listening");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let v: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(v["level"], "warn");
        assert_eq!(v["msg"], "listening");
        assert!(v["ts"].as_f64().unwrap() > 1.0e9);
        assert_eq!(v["endpoint"], "127.0.0.1:4317");
        assert_eq!(v["retries"], 3);
        assert_eq!(v["id"], "otlp", "span fields are included: {v}");
        assert!(v["caller"].as_str().unwrap().contains("jsonlog"));
    }
}
