//! The metrics of the graph: one series per edge (client, server,
//! connection type, failed, dimensions), each with its request count,
//! failed count and the latency histograms as seen by the client and by
//! the server. Cumulative, as in Go.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use otelcol_component::build::{bool_kv, string_kv};
use otelcol_component::histogram::ExponentialHistogram;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, ExponentialHistogram as ExpoMetric, Histogram, HistogramDataPoint, Metric,
    NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;

use crate::store::Edge;

/// A series not updated for this long is dropped (Go's 15 minutes).
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

/// One latency histogram.
#[derive(Clone, Debug)]
enum Latency {
    Explicit { buckets: Vec<u64>, count: u64, sum: f64 },
    Exponential(ExponentialHistogram),
}

impl Latency {
    fn new(bounds: Option<&[f64]>, max_size: usize) -> Self {
        match bounds {
            Some(b) => Latency::Explicit {
                buckets: vec![0; b.len() + 1],
                count: 0,
                sum: 0.0,
            },
            None => Latency::Exponential(ExponentialHistogram::new(max_size)),
        }
    }

    fn record(&mut self, bounds: Option<&[f64]>, v: f64) {
        match self {
            Latency::Explicit { buckets, count, sum } => {
                let b = bounds.unwrap_or_default();
                // Go's bucket search: the first bound >= v.
                let i = b.partition_point(|bound| *bound < v);
                if let Some(c) = buckets.get_mut(i) {
                    *c += 1;
                }
                *count += 1;
                *sum += v;
            }
            Latency::Exponential(h) => {
                h.record(v);
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Series {
    attributes: Vec<KeyValue>,
    total: u64,
    failed: u64,
    client: Latency,
    server: Latency,
    updated: Instant,
}

/// Every series of the graph.
#[derive(Debug)]
pub(crate) struct Graph {
    bounds: Option<Vec<f64>>,
    max_size: usize,
    /// Dimension names in config order (the series key lists them so).
    dimensions: Vec<String>,
    /// The metrics' start time (Unix ns): when the connector was created.
    start: u64,
    series: BTreeMap<String, Series>,
}

/// Separates the parts of a series key (Go's).
const SEP: char = '\0';

impl Graph {
    pub(crate) fn new(
        bounds: Option<Vec<f64>>,
        max_size: usize,
        dimensions: Vec<String>,
        start: u64,
    ) -> Self {
        Graph {
            bounds,
            max_size,
            dimensions,
            start,
            series: BTreeMap::new(),
        }
    }

    /// Series held now.
    pub(crate) fn len(&self) -> usize {
        self.series.len()
    }

    fn key(&self, e: &Edge) -> String {
        let mut key = format!(
            "{}{SEP}{}{SEP}{}{SEP}{}",
            e.client,
            e.server,
            e.connection_type.as_str(),
            e.failed
        );
        for d in &self.dimensions {
            for kind in ["client", "server"] {
                let name = format!("{kind}_{d}");
                if let Some(v) = e.dimensions.get(&name) {
                    key.push(SEP);
                    key.push_str(&name);
                    key.push('_');
                    key.push_str(v);
                }
            }
        }
        key
    }

    /// Counts one request of a complete (or virtual-node) edge.
    pub(crate) fn record(&mut self, e: &Edge, at: Instant) {
        let key = self.key(e);
        let mut attributes = vec![
            string_kv("client", &e.client),
            string_kv("server", &e.server),
            string_kv("connection_type", e.connection_type.as_str()),
            bool_kv("failed", e.failed),
        ];
        attributes.extend(e.dimensions.iter().map(|(k, v)| string_kv(k, v)));
        if let Some(v) = e.virtual_node {
            attributes.push(string_kv("virtual_node", v));
        }
        let bounds = self.bounds.as_deref();
        let max_size = self.max_size;
        let s = self.series.entry(key).or_insert_with(|| Series {
            attributes: Vec::new(),
            total: 0,
            failed: 0,
            client: Latency::new(bounds, max_size),
            server: Latency::new(bounds, max_size),
            updated: at,
        });
        // The latest edge's labels win (as Go overwrites the series' dimensions).
        s.attributes = attributes;
        s.updated = at;
        s.total += 1;
        if e.failed {
            s.failed += 1;
        }
        s.server.record(bounds, e.server_latency);
        s.client.record(bounds, e.client_latency);
    }

    /// Drops the series not updated since `at - STALE_AFTER`.
    pub(crate) fn clean(&mut self, at: Instant) {
        self.series
            .retain(|_, s| at.saturating_duration_since(s.updated) < STALE_AFTER);
    }

    /// The metrics of every series, stamped `time` (Unix ns); `None` when
    /// there are none.
    pub(crate) fn metrics(&self, time: u64) -> Option<ExportMetricsServiceRequest> {
        if self.series.is_empty() {
            return None;
        }
        let cumulative = AggregationTemporality::Cumulative as i32;
        let count = |pick: fn(&Series) -> u64| -> Vec<NumberDataPoint> {
            self.series
                .values()
                .filter(|s| pick(s) > 0)
                .map(|s| NumberDataPoint {
                    attributes: s.attributes.clone(),
                    start_time_unix_nano: self.start,
                    time_unix_nano: time,
                    value: Some(number_data_point::Value::AsInt(
                        i64::try_from(pick(s)).unwrap_or(i64::MAX),
                    )),
                    ..Default::default()
                })
                .collect()
        };
        let sum = |name: &str, points: Vec<NumberDataPoint>| Metric {
            name: name.into(),
            data: Some(metric::Data::Sum(Sum {
                data_points: points,
                aggregation_temporality: cumulative,
                is_monotonic: true,
            })),
            ..Default::default()
        };
        let mut metrics = vec![sum("traces_service_graph_request_total", count(|s| s.total))];
        let failed = count(|s| s.failed);
        if !failed.is_empty() {
            metrics.push(sum("traces_service_graph_request_failed_total", failed));
        }
        for (name, pick) in [
            (
                "traces_service_graph_request_server",
                (|s: &Series| &s.server) as fn(&Series) -> &Latency,
            ),
            ("traces_service_graph_request_client", |s: &Series| &s.client),
        ] {
            metrics.push(self.latency_metric(name, pick, time, cumulative));
        }
        Some(ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(Resource::default()),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: crate::SCOPE_NAME.into(),
                        ..Default::default()
                    }),
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        })
    }

    fn latency_metric(
        &self,
        name: &str,
        pick: fn(&Series) -> &Latency,
        time: u64,
        temporality: i32,
    ) -> Metric {
        let data = match &self.bounds {
            Some(bounds) => metric::Data::Histogram(Histogram {
                data_points: self
                    .series
                    .values()
                    .filter_map(|s| match pick(s) {
                        Latency::Explicit { buckets, count, sum } => Some(HistogramDataPoint {
                            attributes: s.attributes.clone(),
                            start_time_unix_nano: self.start,
                            time_unix_nano: time,
                            count: *count,
                            sum: Some(*sum),
                            bucket_counts: buckets.clone(),
                            explicit_bounds: bounds.clone(),
                            ..Default::default()
                        }),
                        Latency::Exponential(_) => None,
                    })
                    .collect(),
                aggregation_temporality: temporality,
            }),
            None => metric::Data::ExponentialHistogram(ExpoMetric {
                data_points: self
                    .series
                    .values()
                    .filter_map(|s| match pick(s) {
                        Latency::Exponential(h) => {
                            let mut p = h.to_point(self.start, time);
                            p.attributes = s.attributes.clone();
                            Some(p)
                        }
                        Latency::Explicit { .. } => None,
                    })
                    .collect(),
                aggregation_temporality: temporality,
            }),
        };
        Metric {
            name: name.into(),
            unit: "s".into(),
            data: Some(data),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConnectionType;

    fn edge(client: &str, server: &str, failed: bool, latency: f64) -> Edge {
        Edge {
            client: client.into(),
            server: server.into(),
            failed,
            client_latency: latency,
            server_latency: latency / 2.0,
            ..Edge::default()
        }
    }

    #[test]
    fn series_per_edge_with_counts_failures_and_latencies() {
        let mut g = Graph::new(Some(vec![0.1, 1.0]), 0, vec![], 7);
        let t = Instant::now();
        g.record(&edge("a", "b", false, 0.05), t);
        g.record(&edge("a", "b", false, 0.5), t);
        g.record(&edge("a", "b", true, 2.0), t);
        let mut db = edge("a", "pg", false, 0.01);
        db.connection_type = ConnectionType::Database;
        g.record(&db, t);
        assert_eq!(g.len(), 3);
        let m = g.metrics(9).unwrap();
        let metrics = &m.resource_metrics[0].scope_metrics[0].metrics;
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "traces_service_graph_request_total",
                "traces_service_graph_request_failed_total",
                "traces_service_graph_request_server",
                "traces_service_graph_request_client"
            ]
        );
        let Some(metric::Data::Sum(total)) = &metrics[0].data else {
            panic!()
        };
        let values: Vec<i64> = total
            .data_points
            .iter()
            .map(|p| match p.value {
                Some(number_data_point::Value::AsInt(v)) => v,
                _ => -1,
            })
            .collect();
        assert_eq!(values.iter().sum::<i64>(), 4);
        assert!(
            total
                .data_points
                .iter()
                .all(|p| p.start_time_unix_nano == 7 && p.time_unix_nano == 9)
        );
        let Some(metric::Data::Sum(failed)) = &metrics[1].data else {
            panic!()
        };
        assert_eq!(failed.data_points.len(), 1);
        let Some(metric::Data::Histogram(client)) = &metrics[3].data else {
            panic!()
        };
        let ab = client
            .data_points
            .iter()
            .find(|p| {
                p.attributes.contains(&string_kv("server", "b"))
                    && p.attributes.contains(&bool_kv("failed", false))
            })
            .unwrap();
        assert_eq!(ab.bucket_counts, [1, 1, 0]);
        assert_eq!(metrics[3].unit, "s");
        let db_point = client
            .data_points
            .iter()
            .find(|p| p.attributes.contains(&string_kv("connection_type", "database")))
            .unwrap();
        assert_eq!(db_point.count, 1);
    }

    #[test]
    fn exponential_latencies_and_stale_series() {
        let mut g = Graph::new(None, 20, vec![], 0);
        let t = Instant::now();
        for i in 1..100 {
            g.record(&edge("a", "b", false, f64::from(i) / 1000.0), t);
        }
        let m = g.metrics(1).unwrap();
        let Some(metric::Data::ExponentialHistogram(h)) =
            &m.resource_metrics[0].scope_metrics[0].metrics[2].data
        else {
            panic!()
        };
        let p = &h.data_points[0];
        assert_eq!(p.count, 99);
        assert!(p.positive.as_ref().unwrap().bucket_counts.len() <= 20);
        g.clean(t + STALE_AFTER);
        assert_eq!(g.len(), 0);
        assert!(g.metrics(2).is_none());
    }
}
