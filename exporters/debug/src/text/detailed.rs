//! The `detailed` verbosity: the full dump of Go's `debugexporter/internal/otlptext`.

use std::fmt::Write as _;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::span::{Event, Link};
use otelcol_component::proto::trace::v1::status::StatusCode;

use super::{num, value};

/// The text being built, one `\n`-terminated line at a time.
#[derive(Default)]
pub(crate) struct Buf(pub(crate) String);

impl Buf {
    pub(crate) fn line(&mut self, args: std::fmt::Arguments<'_>) {
        let _ = self.0.write_fmt(args);
        self.0.push('\n');
    }

    /// `    Name           : value` (name padded to 15 columns).
    fn field(&mut self, name: &str, value: &str) {
        self.line(format_args!("    {name:<15}: {value}"));
    }

    /// `<header>:` then `     -> k: Type(v)` per attribute; nothing without attributes.
    /// A header that itself contains `->` indents its entries further.
    pub(crate) fn attributes(&mut self, header: &str, attrs: &[KeyValue]) {
        if attrs.is_empty() {
            return;
        }
        self.line(format_args!("{header}:"));
        let prefix = match header.split_once("->") {
            Some((indent, _)) => format!("{indent}     ->"),
            None => "     ->".to_string(),
        };
        for kv in attrs {
            self.line(format_args!(
                "{prefix} {}: {}",
                kv.key,
                value::typed(kv.value.as_ref())
            ));
        }
    }

    /// `Resource SchemaURL`, `Resource attributes` and entity references.
    pub(crate) fn resource(&mut self, schema_url: &str, res: Option<&Resource>) {
        self.line(format_args!("Resource SchemaURL: {schema_url}"));
        let Some(res) = res else { return };
        self.attributes("Resource attributes", &res.attributes);
        if res.entity_refs.is_empty() {
            return;
        }
        self.line(format_args!("Resource entity refs:"));
        for (i, e) in res.entity_refs.iter().enumerate() {
            self.line(format_args!("     -> Entity ref #{i}:"));
            self.line(format_args!("          -> Type: {}", e.r#type));
            if !e.schema_url.is_empty() {
                self.line(format_args!("          -> Schema URL: {}", e.schema_url));
            }
            for (title, keys) in [("ID keys", &e.id_keys), ("Description keys", &e.description_keys)] {
                if !keys.is_empty() {
                    self.line(format_args!("          -> {title}:"));
                    for k in keys {
                        self.line(format_args!("               -> {k}"));
                    }
                }
            }
        }
    }

    /// `<Label>s SchemaURL`, `InstrumentationScope name version` and its attributes.
    pub(crate) fn scope(&mut self, label: &str, schema_url: &str, scope: Option<&InstrumentationScope>) {
        self.line(format_args!("{label} SchemaURL: {schema_url}"));
        let (name, version, attrs) = scope
            .map(|s| (s.name.as_str(), s.version.as_str(), s.attributes.as_slice()))
            .unwrap_or_default();
        self.line(format_args!("InstrumentationScope {name} {version}"));
        self.attributes("InstrumentationScope attributes", attrs);
    }

    fn events(&mut self, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        self.line(format_args!("Events:"));
        for (i, e) in events.iter().enumerate() {
            self.line(format_args!("SpanEvent #{i}"));
            self.line(format_args!("     -> Name: {}", e.name));
            self.line(format_args!(
                "     -> Timestamp: {}",
                num::timestamp(e.time_unix_nano)
            ));
            self.line(format_args!(
                "     -> DroppedAttributesCount: {}",
                e.dropped_attributes_count
            ));
            self.attributes("     -> Attributes:", &e.attributes);
        }
    }

    fn links(&mut self, links: &[Link]) {
        if links.is_empty() {
            return;
        }
        self.line(format_args!("Links:"));
        for (i, l) in links.iter().enumerate() {
            self.line(format_args!("SpanLink #{i}"));
            self.line(format_args!("     -> Trace ID: {}", num::id(&l.trace_id)));
            self.line(format_args!("     -> ID: {}", num::id(&l.span_id)));
            self.line(format_args!("     -> TraceState: {}", l.trace_state));
            self.line(format_args!(
                "     -> DroppedAttributesCount: {}",
                l.dropped_attributes_count
            ));
            self.attributes("     -> Attributes:", &l.attributes);
        }
    }
}

fn span_kind(kind: i32) -> &'static str {
    match SpanKind::try_from(kind) {
        Ok(SpanKind::Unspecified) => "Unspecified",
        Ok(SpanKind::Internal) => "Internal",
        Ok(SpanKind::Server) => "Server",
        Ok(SpanKind::Client) => "Client",
        Ok(SpanKind::Producer) => "Producer",
        Ok(SpanKind::Consumer) => "Consumer",
        Err(_) => "",
    }
}

fn status_code(code: i32) -> &'static str {
    match StatusCode::try_from(code) {
        Ok(StatusCode::Unset) => "Unset",
        Ok(StatusCode::Ok) => "Ok",
        Ok(StatusCode::Error) => "Error",
        Err(_) => "",
    }
}

/// pdata's spelling of a severity number (`Info`, `Warn2`, ...), empty when unknown.
fn severity(n: i32) -> &'static str {
    const NAMES: [&str; 25] = [
        "Unspecified",
        "Trace",
        "Trace2",
        "Trace3",
        "Trace4",
        "Debug",
        "Debug2",
        "Debug3",
        "Debug4",
        "Info",
        "Info2",
        "Info3",
        "Info4",
        "Warn",
        "Warn2",
        "Warn3",
        "Warn4",
        "Error",
        "Error2",
        "Error3",
        "Error4",
        "Fatal",
        "Fatal2",
        "Fatal3",
        "Fatal4",
    ];
    usize::try_from(n)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("")
}

/// Every field of every span.
pub(crate) fn traces(req: &ExportTraceServiceRequest) -> String {
    let mut b = Buf::default();
    for (i, rs) in req.resource_spans.iter().enumerate() {
        b.line(format_args!("ResourceSpans #{i}"));
        b.resource(&rs.schema_url, rs.resource.as_ref());
        for (j, ss) in rs.scope_spans.iter().enumerate() {
            b.line(format_args!("ScopeSpans #{j}"));
            b.scope("ScopeSpans", &ss.schema_url, ss.scope.as_ref());
            for (k, span) in ss.spans.iter().enumerate() {
                b.line(format_args!("Span #{k}"));
                b.field("Trace ID", &num::id(&span.trace_id));
                b.field("Parent ID", &num::id(&span.parent_span_id));
                b.field("ID", &num::id(&span.span_id));
                b.field("Name", &span.name);
                b.field("Kind", span_kind(span.kind));
                if !span.trace_state.is_empty() {
                    b.field("TraceState", &span.trace_state);
                }
                b.field("Start time", &num::timestamp(span.start_time_unix_nano));
                b.field("End time", &num::timestamp(span.end_time_unix_nano));
                let (code, message) = span
                    .status
                    .as_ref()
                    .map(|s| (s.code, s.message.as_str()))
                    .unwrap_or_default();
                b.field("Status code", status_code(code));
                b.field("Status message", message);
                b.field(
                    "DroppedAttributesCount",
                    &span.dropped_attributes_count.to_string(),
                );
                b.field("DroppedEventsCount", &span.dropped_events_count.to_string());
                b.field("DroppedLinksCount", &span.dropped_links_count.to_string());
                b.attributes("Attributes", &span.attributes);
                b.events(&span.events);
                b.links(&span.links);
            }
        }
    }
    b.0
}

/// Every field of every log record.
pub(crate) fn logs(req: &ExportLogsServiceRequest) -> String {
    let mut b = Buf::default();
    for (i, rl) in req.resource_logs.iter().enumerate() {
        b.line(format_args!("ResourceLog #{i}"));
        b.resource(&rl.schema_url, rl.resource.as_ref());
        for (j, sl) in rl.scope_logs.iter().enumerate() {
            b.line(format_args!("ScopeLogs #{j}"));
            b.scope("ScopeLogs", &sl.schema_url, sl.scope.as_ref());
            for (k, lr) in sl.log_records.iter().enumerate() {
                b.line(format_args!("LogRecord #{k}"));
                b.line(format_args!(
                    "ObservedTimestamp: {}",
                    num::timestamp(lr.observed_time_unix_nano)
                ));
                b.line(format_args!("Timestamp: {}", num::timestamp(lr.time_unix_nano)));
                b.line(format_args!("SeverityText: {}", lr.severity_text));
                b.line(format_args!(
                    "SeverityNumber: {}({})",
                    severity(lr.severity_number),
                    lr.severity_number
                ));
                if !lr.event_name.is_empty() {
                    b.line(format_args!("EventName: {}", lr.event_name));
                }
                b.line(format_args!("Body: {}", value::typed(lr.body.as_ref())));
                b.attributes("Attributes", &lr.attributes);
                b.line(format_args!("Trace ID: {}", num::id(&lr.trace_id)));
                b.line(format_args!("Span ID: {}", num::id(&lr.span_id)));
                b.line(format_args!("Flags: {}", lr.flags));
            }
        }
    }
    b.0
}
