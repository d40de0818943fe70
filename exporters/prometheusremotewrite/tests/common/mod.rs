//! Test helpers: OTLP builders and a scripted remote-write endpoint.
#![allow(dead_code)]

/// The Prometheus runner shared with the prometheus exporter's tests.
#[path = "../../../prometheus/tests/common/prom.rs"]
pub(crate) mod prom;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_exporter_prometheusremotewrite::proto::WriteRequest;
use prost::Message as _;

pub(crate) const DELTA: i32 = AggregationTemporality::Delta as i32;
pub(crate) const CUMULATIVE: i32 = AggregationTemporality::Cumulative as i32;

pub(crate) fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

pub(crate) fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

pub(crate) fn request(
    resource: Vec<KeyValue>,
    scope: InstrumentationScope,
    metrics: Vec<Metric>,
) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(scope),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub(crate) fn scope(name: &str, version: &str) -> InstrumentationScope {
    InstrumentationScope {
        name: name.into(),
        version: version.into(),
        ..Default::default()
    }
}

pub(crate) fn num(attrs: Vec<KeyValue>, time: u64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: time.saturating_sub(1_000_000_000),
        time_unix_nano: time,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

fn metric(name: &str, unit: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        unit: unit.into(),
        description: format!("{name} help"),
        data: Some(data),
        ..Default::default()
    }
}

pub(crate) fn gauge(name: &str, unit: &str, points: Vec<NumberDataPoint>) -> Metric {
    metric(name, unit, Data::Gauge(Gauge { data_points: points }))
}

pub(crate) fn sum(
    name: &str,
    unit: &str,
    monotonic: bool,
    temporality: i32,
    points: Vec<NumberDataPoint>,
) -> Metric {
    metric(
        name,
        unit,
        Data::Sum(Sum {
            data_points: points,
            aggregation_temporality: temporality,
            is_monotonic: monotonic,
        }),
    )
}

pub(crate) fn histogram(
    name: &str,
    unit: &str,
    time: u64,
    bounds: &[f64],
    counts: &[u64],
    sum: f64,
) -> Metric {
    let p = HistogramDataPoint {
        time_unix_nano: time,
        count: counts.iter().sum(),
        sum: Some(sum),
        bucket_counts: counts.to_vec(),
        explicit_bounds: bounds.to_vec(),
        ..Default::default()
    };
    metric(
        name,
        unit,
        Data::Histogram(Histogram {
            data_points: vec![p],
            aggregation_temporality: CUMULATIVE,
        }),
    )
}

pub(crate) fn exponential(
    name: &str,
    time: u64,
    scale: i32,
    offset: i32,
    counts: &[u64],
    zero: u64,
) -> Metric {
    let p = ExponentialHistogramDataPoint {
        time_unix_nano: time,
        count: counts.iter().sum::<u64>() + zero,
        sum: Some(12.5),
        scale,
        zero_count: zero,
        positive: Some(Buckets {
            offset,
            bucket_counts: counts.to_vec(),
        }),
        ..Default::default()
    };
    metric(
        name,
        "s",
        Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![p],
            aggregation_temporality: CUMULATIVE,
        }),
    )
}

pub(crate) fn summary(name: &str, time: u64, count: u64, sum: f64, qs: &[(f64, f64)]) -> Metric {
    let p = SummaryDataPoint {
        time_unix_nano: time,
        count,
        sum,
        quantile_values: qs
            .iter()
            .map(|(q, v)| ValueAtQuantile {
                quantile: *q,
                value: *v,
            })
            .collect(),
        ..Default::default()
    };
    metric(name, "s", Data::Summary(Summary { data_points: vec![p] }))
}

/// One request the fake endpoint received.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub headers: http::HeaderMap,
    pub body: WriteRequest,
}

/// A remote-write endpoint answering with scripted statuses.
pub(crate) struct FakeEndpoint {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl FakeEndpoint {
    /// Answers request `n` (0-based) with `script(n)`: status and optional Retry-After.
    pub(crate) async fn start(
        script: impl Fn(usize) -> (u16, Option<&'static str>) + Send + Sync + 'static,
    ) -> FakeEndpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script = Arc::new(script);
        let rec = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let rec = rec.clone();
                let script = script.clone();
                let svc = service_fn(move |req: Request<Incoming>| {
                    let rec = rec.clone();
                    let script = script.clone();
                    async move {
                        let headers = req.headers().clone();
                        let raw = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let plain = snap::raw::Decoder::new().decompress_vec(&raw).unwrap_or_default();
                        let body = WriteRequest::decode(plain.as_slice()).unwrap_or_default();
                        let n = {
                            let mut r = rec.lock().unwrap();
                            r.push(Received { headers, body });
                            r.len() - 1
                        };
                        let (status, retry_after) = script(n);
                        let mut resp = Response::new(Full::new(Bytes::from_static(b"scripted answer")));
                        *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
                        if let Some(ra) = retry_after {
                            resp.headers_mut()
                                .insert(http::header::RETRY_AFTER, ra.parse().unwrap());
                        }
                        Ok::<_, Infallible>(resp)
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        FakeEndpoint { addr, received }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/api/v1/write", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
