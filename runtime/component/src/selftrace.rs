//! Spans of the collector's own operations, named and attributed as Go's
//! `obsreport` records them: one span per request a receiver takes
//! (`receiver/<id>/TraceDataReceived`, `.../MetricsReceived`,
//! `.../LogsReceived`, with `accepted_*` / `refused_*` counts) and one per
//! request an exporter sends, retries included (`exporter/<id>/traces`,
//! `.../metrics`, `.../logs`, with `sent_*` / `send_failed_*`).
//!
//! They are `tracing` spans at `TRACE` level with the target [`TARGET`]:
//! free when nothing listens (the default), and exported over OTLP when
//! `service::telemetry::traces::processors` is set (the service installs
//! a layer for this target). The span's OTLP name is its `otel.name` field.

use tracing::field::Empty;

use crate::{ConsumeError, Signal};

/// The `tracing` target of the collector's own operation spans.
pub const TARGET: &str = "otelcol_selftrace";

/// One operation: a receive or an export. End it with [`Op::end`].
#[derive(Debug)]
pub struct Op {
    span: tracing::Span,
    ok_field: &'static str,
    failed_field: &'static str,
}

impl Op {
    fn new(name: impl FnOnce() -> String, ok_field: &'static str, failed_field: &'static str) -> Op {
        let span = tracing::span!(
            target: TARGET,
            tracing::Level::TRACE,
            "otelcol.op",
            otel.name = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
            transport = Empty,
            accepted_spans = Empty,
            refused_spans = Empty,
            accepted_metric_points = Empty,
            refused_metric_points = Empty,
            accepted_log_records = Empty,
            refused_log_records = Empty,
            sent_spans = Empty,
            send_failed_spans = Empty,
            sent_metric_points = Empty,
            send_failed_metric_points = Empty,
            sent_log_records = Empty,
            send_failed_log_records = Empty,
        );
        if !span.is_disabled() {
            span.record("otel.name", name().as_str());
        }
        Op {
            span,
            ok_field,
            failed_field,
        }
    }

    /// A receive of `signal` by receiver `receiver` over `transport`
    /// (`grpc`, `http`...).
    pub fn receive(receiver: &str, signal: Signal, transport: &str) -> Op {
        let (suffix, ok, failed) = match signal {
            Signal::Traces => ("TraceDataReceived", "accepted_spans", "refused_spans"),
            Signal::Metrics => (
                "MetricsReceived",
                "accepted_metric_points",
                "refused_metric_points",
            ),
            Signal::Logs => ("LogsReceived", "accepted_log_records", "refused_log_records"),
        };
        let op = Op::new(|| format!("receiver/{receiver}/{suffix}"), ok, failed);
        if !op.span.is_disabled() {
            op.span.record("transport", transport);
        }
        op
    }

    /// A send of `signal` by exporter `exporter`, retries included. The
    /// exporters of the collector's own telemetry record nothing (their
    /// spans would be exported by themselves, without end).
    pub fn export(exporter: &str, signal: Signal) -> Op {
        let (suffix, ok, failed) = match signal {
            Signal::Traces => ("traces", "sent_spans", "send_failed_spans"),
            Signal::Metrics => ("metrics", "sent_metric_points", "send_failed_metric_points"),
            Signal::Logs => ("logs", "sent_log_records", "send_failed_log_records"),
        };
        if exporter.contains("/_telemetry_") {
            return Op {
                span: tracing::Span::none(),
                ok_field: ok,
                failed_field: failed,
            };
        }
        Op::new(|| format!("exporter/{exporter}/{suffix}"), ok, failed)
    }

    /// Whether anything records this operation.
    pub fn is_recorded(&self) -> bool {
        !self.span.is_disabled()
    }

    /// Ends the operation: `ok` items accepted (sent), `failed` refused
    /// (not sent), and the error, if any, as the span's status.
    pub fn end(self, ok: u64, failed: u64, error: Option<&ConsumeError>) {
        if self.span.is_disabled() {
            return;
        }
        self.span.record(self.ok_field, ok);
        self.span.record(self.failed_field, failed);
        match error {
            Some(e) => {
                self.span.record("otel.status_code", "ERROR");
                self.span
                    .record("otel.status_description", e.to_string().as_str());
            }
            None => {
                self.span.record("otel.status_code", "OK");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_ops_cost_no_name_and_end_quietly() {
        // No subscriber: nothing records, nothing panics.
        let op = Op::receive("otlp", Signal::Traces, "grpc");
        assert!(!op.is_recorded());
        op.end(3, 0, None);
        let op = Op::export("otlp_grpc/_telemetry_traces_0", Signal::Logs);
        assert!(!op.is_recorded());
        op.end(0, 1, Some(&ConsumeError::permanent("x")));
    }
}
