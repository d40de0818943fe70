//! Shared helpers for the processor's integration tests.
#![allow(dead_code, unreachable_pub, missing_docs, clippy::unwrap_used)]

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric::Data, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{ConsumeError, Kind, Logs, Metrics, Payload, ProcessorFactory, Traces};
use otelcol_componenttest::{Sink, nop_settings, parse_config};
use otelcol_processor_transform::{TransformConfig, factory};

pub type A = AnyValue;

pub fn s(v: &str) -> A {
    A {
        value: Some(any_value::Value::StringValue(v.into())),
    }
}
pub fn i(v: i64) -> A {
    A {
        value: Some(any_value::Value::IntValue(v)),
    }
}
pub fn d(v: f64) -> A {
    A {
        value: Some(any_value::Value::DoubleValue(v)),
    }
}
pub fn b(v: bool) -> A {
    A {
        value: Some(any_value::Value::BoolValue(v)),
    }
}
pub fn bytes(v: &[u8]) -> A {
    A {
        value: Some(any_value::Value::BytesValue(v.to_vec())),
    }
}
pub fn map(pairs: Vec<(&str, A)>) -> A {
    A {
        value: Some(any_value::Value::KvlistValue(KeyValueList { values: kvs(pairs) })),
    }
}
pub fn list(items: Vec<A>) -> A {
    A {
        value: Some(any_value::Value::ArrayValue(ArrayValue { values: items })),
    }
}

pub fn kvs(pairs: Vec<(&str, A)>) -> Vec<KeyValue> {
    pairs
        .into_iter()
        .map(|(k, v)| KeyValue {
            key: k.into(),
            value: Some(v),
            ..Default::default()
        })
        .collect()
}

pub fn int_point(attrs: Vec<(&str, A)>, v: i64) -> NumberDataPoint {
    NumberDataPoint {
        attributes: kvs(attrs),
        value: Some(number_data_point::Value::AsInt(v)),
        ..Default::default()
    }
}

pub fn double_point(attrs: Vec<(&str, A)>, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        attributes: kvs(attrs),
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

pub fn traces_req(res: Vec<(&str, A)>, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: kvs(res),
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub fn logs_req(logs: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource::default()),
            scope_logs: vec![ScopeLogs {
                log_records: logs,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub fn metrics_req(resource: Resource, metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn sort_any(v: &mut AnyValue) {
    match &mut v.value {
        Some(any_value::Value::KvlistValue(kv)) => sort_kvs(&mut kv.values),
        Some(any_value::Value::ArrayValue(a)) => a.values.iter_mut().for_each(sort_any),
        _ => {}
    }
}

/// Attributes in key order, recursively (maps are unordered).
pub fn sort_kvs(v: &mut [KeyValue]) {
    v.sort_by(|a, b| a.key.cmp(&b.key));
    for kv in v {
        if let Some(a) = &mut kv.value {
            sort_any(a);
        }
    }
}

pub fn normalize_traces(mut r: ExportTraceServiceRequest) -> ExportTraceServiceRequest {
    for rs in &mut r.resource_spans {
        if let Some(res) = &mut rs.resource {
            sort_kvs(&mut res.attributes);
        }
        for ss in &mut rs.scope_spans {
            for sp in &mut ss.spans {
                sort_kvs(&mut sp.attributes);
                for e in &mut sp.events {
                    sort_kvs(&mut e.attributes);
                }
            }
        }
    }
    r
}

pub fn normalize_logs(mut r: ExportLogsServiceRequest) -> ExportLogsServiceRequest {
    for rl in &mut r.resource_logs {
        for sl in &mut rl.scope_logs {
            for l in &mut sl.log_records {
                sort_kvs(&mut l.attributes);
                if let Some(b) = &mut l.body {
                    sort_any(b);
                }
            }
        }
    }
    r
}

pub fn normalize_metrics(mut r: ExportMetricsServiceRequest) -> ExportMetricsServiceRequest {
    for rm in &mut r.resource_metrics {
        if let Some(res) = &mut rm.resource {
            sort_kvs(&mut res.attributes);
        }
        for sm in &mut rm.scope_metrics {
            for m in &mut sm.metrics {
                match &mut m.data {
                    Some(Data::Gauge(g)) => {
                        g.data_points.iter_mut().for_each(|p| sort_kvs(&mut p.attributes))
                    }
                    Some(Data::Sum(g)) => g.data_points.iter_mut().for_each(|p| sort_kvs(&mut p.attributes)),
                    _ => {}
                }
            }
        }
    }
    r
}

/// Runs `yaml`'s processor on one payload; the request the sink got, or the error.
async fn run<T: Payload>(yaml: &str, data: T) -> Result<T::Request, ConsumeError> {
    let cfg = parse_config::<TransformConfig>(yaml).unwrap();
    let sink = Sink::<T>::new();
    let p = factory()
        .create::<T>(&nop_settings("transform", Kind::Processor), &cfg, sink.clone())
        .unwrap();
    assert!(p.capabilities().mutates_data);
    p.consume(data).await?;
    let all = sink.all();
    assert_eq!(all.len(), 1);
    Ok(all.into_iter().next().unwrap().into_request())
}

pub async fn run_traces(
    yaml: &str,
    r: ExportTraceServiceRequest,
) -> Result<ExportTraceServiceRequest, ConsumeError> {
    run(yaml, Traces::from_request(r)).await
}

pub async fn run_logs(
    yaml: &str,
    r: ExportLogsServiceRequest,
) -> Result<ExportLogsServiceRequest, ConsumeError> {
    run(yaml, Logs::from_request(r)).await
}

pub async fn run_metrics(
    yaml: &str,
    r: ExportMetricsServiceRequest,
) -> Result<ExportMetricsServiceRequest, ConsumeError> {
    run(yaml, Metrics::from_request(r)).await
}
