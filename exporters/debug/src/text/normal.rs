//! The `normal` verbosity: about one line per record, as Go's
//! `debugexporter/internal/normal` writes it.

use std::fmt::Write as _;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::metrics::v1::{
    ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, SummaryDataPoint,
    exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;

use super::{num, value};

/// ` k=v k2=v2`, or nothing without attributes.
fn attrs_suffix(attrs: &[KeyValue]) -> String {
    let kvs = value::key_values(attrs);
    if kvs.is_empty() {
        String::new()
    } else {
        format!(" {}", kvs.join(" "))
    }
}

fn resource_line(out: &mut String, label: &str, i: usize, schema_url: &str, res: Option<&Resource>) {
    let schema = if schema_url.is_empty() {
        String::new()
    } else {
        format!(" [{schema_url}]")
    };
    let attrs = res.map(|r| attrs_suffix(&r.attributes)).unwrap_or_default();
    let _ = writeln!(out, "{label} #{i}{schema}{attrs}");
}

fn scope_line(
    out: &mut String,
    label: &str,
    i: usize,
    scope: Option<&InstrumentationScope>,
    schema_url: &str,
) {
    let (name, version) = scope
        .map(|s| (s.name.as_str(), s.version.as_str()))
        .unwrap_or_default();
    let mut details = String::new();
    details.push_str(name);
    if !version.is_empty() {
        details.push('@');
        details.push_str(version);
    }
    if !schema_url.is_empty() {
        if !details.is_empty() {
            details.push(' ');
        }
        let _ = write!(details, "[{schema_url}]");
    }
    if !details.is_empty() {
        details.insert(0, ' ');
    }
    let attrs = scope.map(|s| attrs_suffix(&s.attributes)).unwrap_or_default();
    let _ = writeln!(out, "{label} #{i}{details}{attrs}");
}

/// One line per resource, scope and span: `<name> <trace id> <span id> k=v...`.
pub(crate) fn traces(req: &ExportTraceServiceRequest) -> String {
    let mut out = String::new();
    for (i, rs) in req.resource_spans.iter().enumerate() {
        resource_line(
            &mut out,
            "ResourceTraces",
            i,
            &rs.schema_url,
            rs.resource.as_ref(),
        );
        for (j, ss) in rs.scope_spans.iter().enumerate() {
            scope_line(&mut out, "ScopeTraces", j, ss.scope.as_ref(), &ss.schema_url);
            for span in &ss.spans {
                let _ = writeln!(
                    out,
                    "{} {} {}{}",
                    span.name,
                    num::id(&span.trace_id),
                    num::id(&span.span_id),
                    attrs_suffix(&span.attributes)
                );
            }
        }
    }
    out
}

/// One line per resource, scope and log record: `<body> k=v...`.
pub(crate) fn logs(req: &ExportLogsServiceRequest) -> String {
    let mut out = String::new();
    for (i, rl) in req.resource_logs.iter().enumerate() {
        resource_line(&mut out, "ResourceLog", i, &rl.schema_url, rl.resource.as_ref());
        for (j, sl) in rl.scope_logs.iter().enumerate() {
            scope_line(&mut out, "ScopeLog", j, sl.scope.as_ref(), &sl.schema_url);
            for lr in &sl.log_records {
                let body = value::as_string(lr.body.as_ref());
                let attrs = value::key_values(&lr.attributes).join(" ");
                let _ = writeln!(out, "{body} {attrs}");
            }
        }
    }
    out
}

/// One line per resource and scope, and one per data point: `<name>{k=v,...} <value>`.
pub(crate) fn metrics(req: &ExportMetricsServiceRequest) -> String {
    let mut out = String::new();
    for (i, rm) in req.resource_metrics.iter().enumerate() {
        resource_line(
            &mut out,
            "ResourceMetrics",
            i,
            &rm.schema_url,
            rm.resource.as_ref(),
        );
        for (j, sm) in rm.scope_metrics.iter().enumerate() {
            scope_line(&mut out, "ScopeMetrics", j, sm.scope.as_ref(), &sm.schema_url);
            for m in &sm.metrics {
                metric(&mut out, m);
            }
        }
    }
    out
}

fn metric(out: &mut String, m: &Metric) {
    let mut line = |attrs: &[KeyValue], v: String| {
        let _ = writeln!(out, "{}{{{}}} {v}", m.name, value::key_values(attrs).join(","));
    };
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.iter().for_each(|p| line(&p.attributes, number(p))),
        Some(Data::Sum(s)) => s.data_points.iter().for_each(|p| line(&p.attributes, number(p))),
        Some(Data::Histogram(h)) => h
            .data_points
            .iter()
            .for_each(|p| line(&p.attributes, histogram(p))),
        Some(Data::ExponentialHistogram(h)) => h
            .data_points
            .iter()
            .for_each(|p| line(&p.attributes, exponential(p))),
        Some(Data::Summary(s)) => s.data_points.iter().for_each(|p| line(&p.attributes, summary(p))),
        None => {}
    }
}

fn number(p: &NumberDataPoint) -> String {
    match p.value {
        Some(number_data_point::Value::AsInt(i)) => i.to_string(),
        Some(number_data_point::Value::AsDouble(d)) => num::g(d),
        None => String::new(),
    }
}

fn count_sum_min_max(count: u64, sum: Option<f64>, min: Option<f64>, max: Option<f64>) -> String {
    let mut v = format!("count={count}");
    for (label, x) in [("sum", sum), ("min", min), ("max", max)] {
        if let Some(x) = x {
            let _ = write!(v, " {label}={}", num::g(x));
        }
    }
    v
}

fn histogram(p: &HistogramDataPoint) -> String {
    let mut v = count_sum_min_max(p.count, p.sum, p.min, p.max);
    for (i, count) in p.bucket_counts.iter().enumerate() {
        match p.explicit_bounds.get(i) {
            Some(bound) => {
                let _ = write!(v, " le{}={count}", num::g(*bound));
            }
            None => {
                let _ = write!(v, " {count}");
            }
        }
    }
    v
}

/// The base of the bucket boundaries: ln(2) * 2^-scale.
pub(crate) fn exp_factor(scale: i32) -> f64 {
    std::f64::consts::LN_2 * 2f64.powi(scale.saturating_neg())
}

fn exponential(p: &ExponentialHistogramDataPoint) -> String {
    let mut v = count_sum_min_max(p.count, p.sum, p.min, p.max);
    let factor = exp_factor(p.scale);
    let empty = Buckets::default();
    let neg = p.negative.as_ref().unwrap_or(&empty);
    for (j, count) in neg.bucket_counts.iter().enumerate().rev() {
        let index = f64::from(neg.offset) + j as f64;
        let _ = write!(v, " le{}={count}", num::g(-(index * factor).exp()));
    }
    if p.zero_count != 0 {
        let _ = write!(v, " zero={}", p.zero_count);
    }
    let pos = p.positive.as_ref().unwrap_or(&empty);
    for (j, count) in pos.bucket_counts.iter().enumerate() {
        let index = f64::from(pos.offset) + j as f64;
        let _ = write!(v, " le{}={count}", num::g(((index + 1.0) * factor).exp()));
    }
    v
}

fn summary(p: &SummaryDataPoint) -> String {
    let mut v = format!("count={} sum={}", p.count, num::f6(p.sum));
    for q in &p.quantile_values {
        let _ = write!(v, " q{}={}", num::g(q.quantile), num::g(q.value));
    }
    v
}
