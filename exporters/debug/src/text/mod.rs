//! Rendering payloads as text, per verbosity, in the Go debug exporter's layout.

mod detailed;
mod detailed_metrics;
mod normal;
mod num;
mod value;

#[cfg(test)]
mod tests;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;

use crate::config::Verbosity;

/// The one-line summary logged for every payload: a message and counts,
/// e.g. `Traces {"resource spans": 1, "spans": 2}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    /// `Traces`, `Metrics` or `Logs`.
    pub(crate) message: &'static str,
    /// The counts, in Go's order.
    pub(crate) fields: Vec<(&'static str, usize)>,
}

impl Summary {
    /// The counts as zap's console encoder prints them: `{"spans": 2}`.
    pub(crate) fn fields_json(&self) -> String {
        let inner: Vec<String> = self.fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        format!("{{{}}}", inner.join(", "))
    }

    /// Message and counts on one line, separated by a space.
    pub(crate) fn line(&self) -> String {
        format!("{} {}", self.message, self.fields_json())
    }
}

/// What one payload prints: the summary, and the body above `basic`.
#[derive(Clone, Debug)]
pub(crate) struct Rendered {
    /// The summary line.
    pub(crate) summary: Summary,
    /// The `normal` or `detailed` text, `\n`-terminated lines.
    pub(crate) body: Option<String>,
}

/// Renders spans.
pub(crate) fn traces(req: &ExportTraceServiceRequest, verbosity: Verbosity) -> Rendered {
    let spans = req
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum();
    Rendered {
        summary: Summary {
            message: "Traces",
            fields: vec![("resource spans", req.resource_spans.len()), ("spans", spans)],
        },
        body: match verbosity {
            Verbosity::Normal => Some(normal::traces(req)),
            Verbosity::Detailed => Some(detailed::traces(req)),
            Verbosity::None | Verbosity::Basic => None,
        },
    }
}

/// Renders metrics (items are data points).
pub(crate) fn metrics(req: &ExportMetricsServiceRequest, verbosity: Verbosity) -> Rendered {
    use otelcol_component::proto::metrics::v1::metric::Data;
    let all_metrics = || {
        req.resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
    };
    let points = all_metrics()
        .map(|m| match &m.data {
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
            Some(Data::Summary(s)) => s.data_points.len(),
            None => 0,
        })
        .sum();
    Rendered {
        summary: Summary {
            message: "Metrics",
            fields: vec![
                ("resource metrics", req.resource_metrics.len()),
                ("metrics", all_metrics().count()),
                ("data points", points),
            ],
        },
        body: match verbosity {
            Verbosity::Normal => Some(normal::metrics(req)),
            Verbosity::Detailed => Some(detailed_metrics::metrics(req)),
            Verbosity::None | Verbosity::Basic => None,
        },
    }
}

/// Renders log records.
pub(crate) fn logs(req: &ExportLogsServiceRequest, verbosity: Verbosity) -> Rendered {
    let records = req
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .map(|s| s.log_records.len())
        .sum();
    Rendered {
        summary: Summary {
            message: "Logs",
            fields: vec![
                ("resource logs", req.resource_logs.len()),
                ("log records", records),
            ],
        },
        body: match verbosity {
            Verbosity::Normal => Some(normal::logs(req)),
            Verbosity::Detailed => Some(detailed::logs(req)),
            Verbosity::None | Verbosity::Basic => None,
        },
    }
}
