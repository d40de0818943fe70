//! Jaeger spans → OTLP, as the Go collector's `pkg/translator/jaeger` does
//! it (`ThriftToTraces` for the Thrift transports, `ProtoToTraces` for
//! gRPC):
//!
//! - trace id high/low → 16 bytes big-endian; span id → 8 bytes;
//! - parent: Thrift's `parentSpanId`, else (and always for proto) the first
//!   `CHILD_OF` reference of the same trace, else its first `FOLLOWS_FROM`;
//! - every other reference → a link with `opentracing.ref_type`
//!   (`child_of` / `follows_from`);
//! - typed tags → typed attributes (binary → bytes); `span.kind` → kind;
//!   `error` (bool), `otel.status_code`, `otel.status_description`, and
//!   `http.status_code` as a fallback → status;
//! - logs → events, the `event` field naming the event;
//! - start time and duration in µs (Thrift) or Timestamp/Duration (proto) → ns;
//! - the process: `service.name` and its tags as resource attributes,
//!   `hostname` → `host.name`, `jaeger.version` → `opencensus.exporterversion`
//!   (`Jaeger-<version>`);
//! - proto only, as in Go: `w3c.tracestate` → trace state; `otel.scope.name`
//!   / `otel.scope.version` (or the older `otel.library.name` /
//!   `otel.library.version`) → instrumentation scope; spans regrouped by process.
//!
//! Attribute maps behave as Go's `pcommon.Map`: a repeated key replaces the
//! earlier value in place, and removing a key moves the last attribute into
//! its slot.

mod proto;
mod thrift;

use std::collections::HashMap;

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode;
use otelcol_component::proto::trace::v1::{Span, Status};

pub use proto::{ProtoError, proto_to_traces};
pub use thrift::thrift_to_traces;

/// `span.kind`.
pub(crate) const TAG_SPAN_KIND: &str = "span.kind";
/// `error`.
pub(crate) const TAG_ERROR: &str = "error";
/// `http.status_message`.
pub(crate) const TAG_HTTP_STATUS_MSG: &str = "http.status_message";
/// `http.status_code`.
pub(crate) const TAG_HTTP_STATUS_CODE: &str = "http.status_code";
/// `otel.status_code`.
pub(crate) const TAG_OTEL_STATUS_CODE: &str = "otel.status_code";
/// `otel.status_description`.
pub(crate) const TAG_OTEL_STATUS_DESCRIPTION: &str = "otel.status_description";
/// `w3c.tracestate`.
pub(crate) const TAG_W3C_TRACESTATE: &str = "w3c.tracestate";
/// `event`: a log field naming the event.
pub(crate) const EVENT_NAME: &str = "event";
/// `opentracing.ref_type` on links.
pub(crate) const ATTR_REF_TYPE: &str = "opentracing.ref_type";
/// `service.name`.
pub(crate) const ATTR_SERVICE_NAME: &str = "service.name";
/// `host.name`.
pub(crate) const ATTR_HOST_NAME: &str = "host.name";
/// `opencensus.exporterversion`.
pub(crate) const ATTR_EXPORTER_VERSION: &str = "opencensus.exporterversion";

/// From this many attributes on, lookups go through a hash index (a
/// hostile span may carry thousands of tags).
const INDEX_FROM: usize = 16;

/// An attribute list with Go `pcommon.Map` semantics.
#[derive(Debug, Default)]
pub(crate) struct Attrs {
    kvs: Vec<KeyValue>,
    index: Option<HashMap<String, usize>>,
}

impl Attrs {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Attrs {
            kvs: Vec::with_capacity(n.min(1024)),
            index: None,
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.get(key).copied(),
            None => self.kvs.iter().position(|kv| kv.key == key),
        }
    }

    /// Sets `key` (in place when present, else appended).
    pub(crate) fn put(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        let value = Some(AnyValue { value: Some(value) });
        if let Some(i) = self.position(&key) {
            if let Some(kv) = self.kvs.get_mut(i) {
                kv.value = value;
            }
            return;
        }
        if let Some(ix) = &mut self.index {
            ix.insert(key.clone(), self.kvs.len());
        }
        self.kvs.push(KeyValue {
            key,
            value,
            ..Default::default()
        });
        if self.index.is_none() && self.kvs.len() >= INDEX_FROM {
            self.index = Some(
                self.kvs
                    .iter()
                    .enumerate()
                    .map(|(i, kv)| (kv.key.clone(), i))
                    .collect(),
            );
        }
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        let i = self.position(key)?;
        self.kvs.get(i)?.value.as_ref()?.value.as_ref()
    }

    /// Whether `key` is set.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Go's `Value.Str()` of `key`: the string, or `""` for another type.
    pub(crate) fn get_str(&self, key: &str) -> Option<String> {
        self.contains(key).then(|| str_of(self.get(key)))
    }

    /// Removes `key`, moving the last attribute into its slot (as Go does).
    pub(crate) fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        let kv = self.kvs.swap_remove(i);
        if let Some(ix) = &mut self.index {
            ix.remove(key);
            if let Some(moved) = self.kvs.get(i) {
                ix.insert(moved.key.clone(), i);
            }
        }
        kv.value.and_then(|v| v.value)
    }

    pub(crate) fn into_vec(self) -> Vec<KeyValue> {
        self.kvs
    }
}

/// Go's `Value.Str()`: the string value, `""` for any other type.
pub(crate) fn str_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::StringValue(s)) => s.clone(),
        _ => String::new(),
    }
}

/// 16-byte trace id from Jaeger's halves.
pub(crate) fn trace_id(high: u64, low: u64) -> Vec<u8> {
    let mut id = Vec::with_capacity(16);
    id.extend_from_slice(&high.to_be_bytes());
    id.extend_from_slice(&low.to_be_bytes());
    id
}

/// 8-byte span id.
pub(crate) fn span_id(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

/// `span.kind` values → OTLP kind (anything else: unspecified).
pub(crate) fn span_kind(kind: &str) -> SpanKind {
    match kind {
        "client" => SpanKind::Client,
        "server" => SpanKind::Server,
        "producer" => SpanKind::Producer,
        "consumer" => SpanKind::Consumer,
        "internal" => SpanKind::Internal,
        _ => SpanKind::Unspecified,
    }
}

/// `opentracing.ref_type` of a reference type (anything but `CHILD_OF` is
/// `follows_from`).
pub(crate) fn ref_type_attr(child_of: bool) -> KeyValue {
    KeyValue {
        key: ATTR_REF_TYPE.to_string(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(
                if child_of { "child_of" } else { "follows_from" }.to_string(),
            )),
        }),
        ..Default::default()
    }
}

/// `span.kind` → the span's kind; the tag is removed whatever its value.
pub(crate) fn take_kind(attrs: &mut Attrs, span: &mut Span) {
    if let Some(kind) = attrs.get_str(TAG_SPAN_KIND) {
        span.kind = span_kind(&kind) as i32;
        attrs.remove(TAG_SPAN_KIND);
    }
}

/// The status from the tags, as Go's `setInternalSpanStatus`: `error: true`
/// wins; else `otel.status_code` (`OK` / `ERROR`, any case); else, without
/// either, an HTTP status code (`http.status_code`, int or numeric string).
/// `otel.status_description` (else `http.status_message`) is the message.
pub(crate) fn take_status(attrs: &mut Attrs, kind: i32) -> Status {
    let mut code = StatusCode::Unset;
    let mut message = String::new();
    let mut exists = false;

    if let Some(Value::BoolValue(true)) = attrs.get(TAG_ERROR) {
        code = StatusCode::Error;
        attrs.remove(TAG_ERROR);
        exists = true;
        if let Some(desc) = take_description(attrs) {
            message = desc;
        } else if let Some(msg) = attrs.get_str(TAG_HTTP_STATUS_MSG) {
            message = msg;
        }
    }

    if let Some(otel_code) = attrs.get_str(TAG_OTEL_STATUS_CODE) {
        if !exists {
            exists = true;
            match otel_code.to_uppercase().as_str() {
                "OK" => code = StatusCode::Ok,
                "ERROR" => code = StatusCode::Error,
                _ => {}
            }
            if let Some(desc) = take_description(attrs) {
                message = desc;
            }
        }
        attrs.remove(TAG_OTEL_STATUS_CODE);
    } else if !exists {
        if let Some(http) = attrs.get(TAG_HTTP_STATUS_CODE) {
            if let Some(http_code) = http_status_code(http, kind) {
                if http_code != StatusCode::Unset {
                    exists = true;
                    code = http_code;
                }
                if let Some(msg) = attrs.get_str(TAG_HTTP_STATUS_MSG) {
                    message = msg;
                }
            }
        }
    }

    if exists {
        Status {
            message,
            code: code as i32,
        }
    } else {
        Status::default()
    }
}

fn take_description(attrs: &mut Attrs) -> Option<String> {
    let desc = attrs.get_str(TAG_OTEL_STATUS_DESCRIPTION)?;
    attrs.remove(TAG_OTEL_STATUS_DESCRIPTION);
    Some(desc)
}

/// The status an HTTP status code means for a span of `kind`; `None` when
/// the value is not an integer (or a string of one).
fn http_status_code(v: &Value, kind: i32) -> Option<StatusCode> {
    let code = match v {
        Value::IntValue(n) => *n,
        Value::StringValue(s) => s.parse::<i64>().ok()?,
        _ => return None,
    };
    if (400..500).contains(&code) {
        if kind == SpanKind::Client as i32 {
            return Some(StatusCode::Error);
        }
        if kind == SpanKind::Server as i32 {
            return Some(StatusCode::Unset);
        }
    }
    // Go's tracetranslator.StatusCodeFromHTTP: [100, 399) is not an error.
    Some(if (100..399).contains(&code) {
        StatusCode::Unset
    } else {
        StatusCode::Error
    })
}

/// `hostname` → `host.name` and `jaeger.version` → `opencensus.exporterversion`
/// on resource attributes, unless the target is already set.
pub(crate) fn translate_process_attrs(attrs: &mut Attrs) {
    if attrs.contains("hostname") && !attrs.contains(ATTR_HOST_NAME) {
        if let Some(v) = attrs.get("hostname").cloned() {
            attrs.put(ATTR_HOST_NAME, v);
        }
        attrs.remove("hostname");
    }
    if let Some(version) = attrs.get_str("jaeger.version") {
        if !attrs.contains(ATTR_EXPORTER_VERSION) {
            attrs.put(
                ATTR_EXPORTER_VERSION,
                Value::StringValue(format!("Jaeger-{version}")),
            );
            attrs.remove("jaeger.version");
        }
    }
}

/// Microseconds since the epoch → nanoseconds, as Go's `uint64(µs) * 1000`.
pub(crate) fn micros_to_nanos(us: i64) -> u64 {
    (us as u64).wrapping_mul(1000)
}

#[cfg(test)]
mod tests;
