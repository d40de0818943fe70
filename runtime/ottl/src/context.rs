//! OTTL contexts: which item a condition is evaluated on, and what it can reach.

use std::fmt;

use otelcol_component::proto::common::v1::InstrumentationScope;
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::{
    ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, SummaryDataPoint,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, span::Event};

/// An OTTL context (Go `ottlresource`, `ottlscope`, `ottlspan`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContextKind {
    /// A resource (`resource.*`).
    Resource,
    /// An instrumentation scope (`scope.*`, also `instrumentation_scope.*`).
    Scope,
    /// A span (`span.*`).
    Span,
    /// A span event (`spanevent.*`).
    SpanEvent,
    /// A metric (`metric.*`).
    Metric,
    /// A data point (`datapoint.*`).
    DataPoint,
    /// A log record (`log.*`).
    Log,
}

impl ContextKind {
    /// The context's name as written in paths and in `context:`.
    pub fn name(self) -> &'static str {
        match self {
            ContextKind::Resource => "resource",
            ContextKind::Scope => "scope",
            ContextKind::Span => "span",
            ContextKind::SpanEvent => "spanevent",
            ContextKind::Metric => "metric",
            ContextKind::DataPoint => "datapoint",
            ContextKind::Log => "log",
        }
    }

    /// The context a path prefix or `context:` value names (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "resource" => ContextKind::Resource,
            "scope" | "instrumentation_scope" => ContextKind::Scope,
            "span" => ContextKind::Span,
            "spanevent" => ContextKind::SpanEvent,
            "metric" => ContextKind::Metric,
            "datapoint" => ContextKind::DataPoint,
            "log" => ContextKind::Log,
            _ => return None,
        })
    }

    /// The contexts this one can read through a prefix, itself included.
    pub fn reachable(self) -> &'static [ContextKind] {
        use ContextKind::*;
        match self {
            Resource => &[Resource],
            Scope => &[Resource, Scope],
            Span => &[Resource, Scope, Span],
            SpanEvent => &[Resource, Scope, Span, SpanEvent],
            Metric => &[Resource, Scope, Metric],
            DataPoint => &[Resource, Scope, Metric, DataPoint],
            Log => &[Resource, Scope, Log],
        }
    }

    /// How deep the context sits (resource 0, scope 1, item 2, sub-item 3).
    pub fn depth(self) -> u8 {
        match self {
            ContextKind::Resource => 0,
            ContextKind::Scope => 1,
            ContextKind::Span | ContextKind::Metric | ContextKind::Log => 2,
            ContextKind::SpanEvent | ContextKind::DataPoint => 3,
        }
    }
}

impl fmt::Display for ContextKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A data point of any metric type.
#[derive(Clone, Copy, Debug)]
pub enum Point<'a> {
    /// A gauge or sum point.
    Number(&'a NumberDataPoint),
    /// A histogram point.
    Histogram(&'a HistogramDataPoint),
    /// An exponential histogram point.
    ExpHistogram(&'a ExponentialHistogramDataPoint),
    /// A summary point.
    Summary(&'a SummaryDataPoint),
}

/// What a condition is evaluated on: the item and everything above it.
/// Fields below the condition's context are `None`.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvalCtx<'a> {
    /// The resource.
    pub resource: Option<&'a Resource>,
    /// The schema URL of the resource's container.
    pub resource_schema_url: &'a str,
    /// The instrumentation scope.
    pub scope: Option<&'a InstrumentationScope>,
    /// The schema URL of the scope's container.
    pub scope_schema_url: &'a str,
    /// The span (span and span event contexts).
    pub span: Option<&'a Span>,
    /// The span event.
    pub event: Option<&'a Event>,
    /// The metric (metric and data point contexts).
    pub metric: Option<&'a Metric>,
    /// The data point.
    pub point: Option<Point<'a>>,
    /// The log record.
    pub log: Option<&'a LogRecord>,
}
